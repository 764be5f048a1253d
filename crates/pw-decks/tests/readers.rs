//! Decks read back by readers that are not ours: the Open XML SDK's validation rules (what
//! PowerPoint and Excel apply before offering a repair), python-pptx (slides, tables, chart
//! data, notes) and LibreOffice (opens the deck and prints it). They run from the virtual
//! environment and the system packages the project's scripts install.

#![allow(
    clippy::unwrap_used,
    reason = "a test should fail loudly at the line that broke"
)]

mod fixtures;

use fixtures::{brand, every_kind, part, slide, tamper};
use pw_decks::{
    Brand, ChartKind, ChartSpec, Deck, NumberFormat, Series, SlideBody, Table, Value, check_pptx,
    tables::Column, write_pptx,
};

/// An independent reader: LibreOffice opens the deck and prints it to PDF, whose text must hold
/// the slides' numbers, titles and quotes; its pages are rendered to PNG beside the desktop e2e
/// screenshots (`.e2e/decks/`) for a person to look at.
#[test]
fn libreoffice_opens_the_deck_and_prints_every_slide_with_its_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let deck = dir.path().join("deck.pptx");
    std::fs::write(&deck, write_pptx(&every_kind(), &brand()).unwrap()).unwrap();
    let converted = std::process::Command::new("soffice")
        .arg("--headless")
        // A profile of its own, so a desktop LibreOffice (or a parallel test) never locks it.
        .arg(format!("-env:UserInstallation=file://{}", dir.path().join("profile").display()))
        .args(["--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&deck)
        .output()
        .unwrap_or_else(|e| panic!("LibreOffice (soffice) did not start: {e}; scripts/install-system-packages installs it"));
    let pdf = dir.path().join("deck.pdf");
    assert!(
        pdf.exists(),
        "LibreOffice wrote no PDF: {}",
        String::from_utf8_lossy(&converted.stderr)
    );
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 8")),
        "{info}"
    );
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    for expected in [
        "Cold brew & the <weekend> crowd",
        "For Halcyon Roasters · by North & Co",
        "$2,030",
        "Meta carries the month",
        "$1,200.75",
        "Base: 3 platforms · 30 days",
        "Too sweet.",
        // Axis labels drawn from the chart's own data.
        "Google Ads",
        "Nov 7",
    ] {
        assert!(
            text.contains(expected),
            "the printed deck lacks {expected:?}:\n{text}"
        );
    }
    let pages = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.e2e/decks");
    std::fs::create_dir_all(&pages).unwrap();
    let rendered = std::process::Command::new("pdftoppm")
        .args(["-r", "50", "-png"])
        .arg(&pdf)
        .arg(pages.join("sample-deck-slide"))
        .status()
        .unwrap();
    assert!(rendered.success());
}

/// The Python of the virtual environment `scripts/install-project-tools` puts the independent
/// readers in (pinned in `tests/readers/requirements.txt`).
fn readers_python() -> std::process::Command {
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/deck-readers");
    let path = if cfg!(windows) {
        venv.join("Scripts/python.exe")
    } else {
        venv.join("bin/python")
    };
    assert!(
        path.exists(),
        "{} is missing; scripts/install-project-tools installs it",
        path.display()
    );
    let mut command = std::process::Command::new(path);
    // Its JSON goes through a terminal library that would colour it when told to.
    command.env_remove("FORCE_COLOR").env("NO_COLOR", "1");
    command
}

/// A reader's script from `tests/readers/`, run on `file`; what it printed, as JSON.
fn read_with(script: &str, file: &std::path::Path) -> serde_json::Value {
    let output = readers_python()
        .arg(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/readers")
                .join(script),
        )
        .arg(file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{script} could not read {}: {}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// What the Open XML SDK's validation rules (schemas and semantic checks, as openxml-audit
/// ports them) find wrong in each file of `folder` for the Office version named: file name and
/// one line per finding. One run for the folder: the reader takes two seconds to start.
fn open_xml_findings(folder: &std::path::Path, office: &str) -> Vec<(String, Vec<String>)> {
    let output = readers_python()
        .args(["-m", "openxml_audit"])
        .args([
            "--output",
            "json",
            "--max-errors",
            "0",
            "--recursive",
            "--format",
            office,
        ])
        .arg(folder)
        .output()
        .unwrap();
    let reports: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "openxml-audit printed no report ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let all_valid = reports
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["valid"] == true);
    assert_eq!(
        output.status.success(),
        all_valid,
        "the exit status says what the reports say"
    );
    let reports: Vec<(String, Vec<String>)> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|report| {
            let file = std::path::Path::new(report["file"].as_str().unwrap());
            // Every finding, warnings too; a file is valid with none.
            let findings: Vec<String> = report["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    format!(
                        "{} {}: {}",
                        e["part_uri"].as_str().unwrap_or(""),
                        e["path"].as_str().unwrap_or(""),
                        e["description"].as_str().unwrap_or("")
                    )
                })
                .collect();
            assert_eq!(
                report["valid"].as_bool(),
                Some(report["error_count"] == 0),
                "the report's verdict and its errors agree: {report}"
            );
            (
                file.file_name().unwrap().to_string_lossy().into_owned(),
                findings,
            )
        })
        .collect();
    reports
}

/// The decks (and workbooks) the product writes, in all their variations: every slide kind
/// with a client's brand and logos, the default look, an empty deck, bars and stacks, a table
/// cut short, the XLSX of a deck's tables, and the workbooks embedded behind the charts.
fn every_file_we_write(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let bars = |kind| ChartSpec {
        kind,
        categories: vec!["R&D".into(), "Sales <EU>".into()],
        series: vec![
            Series {
                name: "A & B".into(),
                values: vec![Some(1.0), Some(-2.5)],
            },
            Series {
                name: "C".into(),
                values: vec![Some(3.0), None],
            },
        ],
        format: NumberFormat::Percent { places: 0 },
    };
    let long_table = Table {
        name: "Campaigns".into(),
        columns: vec![
            Column {
                name: "Campaign".into(),
                format: None,
            },
            Column {
                name: "Cost".into(),
                format: Some(NumberFormat::Money {
                    currency: "JPY".into(),
                }),
            },
        ],
        rows: (1..=30)
            .map(|i| {
                vec![
                    format!("Campaign {i}").as_str().into(),
                    Value::Number(i as f64 * 1000.0),
                ]
            })
            .collect(),
    };
    let mixed = Deck {
        title: "Bars, stacks and a long table".into(),
        slides: vec![
            slide(
                "Bars",
                SlideBody::Chart {
                    chart: bars(ChartKind::Bar),
                },
            ),
            slide(
                "Stacks",
                SlideBody::Chart {
                    chart: bars(ChartKind::StackedColumn),
                },
            ),
            slide(
                "Campaigns",
                SlideBody::Table {
                    table: long_table.clone(),
                },
            ),
        ],
    };
    let decks = [
        ("branded.pptx", write_pptx(&every_kind(), &brand()).unwrap()),
        (
            "plain.pptx",
            write_pptx(&every_kind(), &Brand::default()).unwrap(),
        ),
        (
            "empty.pptx",
            write_pptx(
                &Deck {
                    title: String::new(),
                    slides: Vec::new(),
                },
                &Brand::default(),
            )
            .unwrap(),
        ),
        ("mixed.pptx", write_pptx(&mixed, &brand()).unwrap()),
    ];
    let mut paths = Vec::new();
    for (name, bytes) in decks {
        for (i, workbook) in check_pptx(&bytes)
            .unwrap()
            .chart_workbooks
            .iter()
            .enumerate()
        {
            let path = dir.join(format!("{name}-chart{}.xlsx", i + 1));
            std::fs::write(&path, workbook).unwrap();
            paths.push(path);
        }
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        paths.push(path);
    }
    let tables = every_kind()
        .slides
        .into_iter()
        .filter_map(|s| match s.body {
            SlideBody::Table { table } => Some(table),
            _ => None,
        })
        .chain([long_table])
        .collect::<Vec<_>>();
    let path = dir.join("tables.xlsx");
    std::fs::write(&path, pw_decks::tables::to_xlsx(&tables).unwrap()).unwrap();
    paths.push(path);
    paths
}

/// PowerPoint and Excel offer to repair a file that breaks the Open XML SDK's rules (the ones
/// their own validator applies); no PowerPoint runs here, so every file we write must pass
/// those rules, for the oldest Office we aim at (2016) and for Microsoft 365.
#[test]
fn the_open_xml_sdk_rules_find_nothing_to_repair_in_any_deck_or_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let mut written: Vec<String> = every_file_we_write(dir.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert!(written.len() >= 8, "{written:?}");
    for office in ["office2016", "microsoft365"] {
        let reports = open_xml_findings(dir.path(), office);
        let mut checked: Vec<String> = reports.iter().map(|(file, _)| file.clone()).collect();
        checked.sort();
        assert_eq!(checked, written, "every file is checked");
        for (file, findings) in reports {
            assert!(
                findings.is_empty(),
                "{file} breaks {} rules ({office}):\n{}",
                findings.len(),
                findings.join("\n")
            );
        }
    }
}

/// The rules are applied for real: a slide missing its shape tree, the one thing a slide must
/// hold, is found (so a clean verdict above means something).
#[test]
fn the_open_xml_sdk_rules_find_a_slide_without_its_shape_tree() {
    let bytes = write_pptx(&every_kind(), &brand()).unwrap();
    let slide = part(&bytes, "ppt/slides/slide3.xml");
    let start = slide.find("<p:spTree>").unwrap();
    let end = slide.find("</p:spTree>").unwrap() + "</p:spTree>".len();
    let broken = tamper(
        &bytes,
        "ppt/slides/slide3.xml",
        &slide[start..end],
        Some(""),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.pptx");
    std::fs::write(&path, broken).unwrap();
    let reports = open_xml_findings(dir.path(), "microsoft365");
    let [(file, findings)] = reports.as_slice() else {
        panic!("one file, one report: {reports:?}")
    };
    assert_eq!(file, "broken.pptx");
    assert!(
        findings
            .iter()
            .any(|f| f.contains("/ppt/slides/slide3.xml") && f.contains("spTree")),
        "{findings:?}"
    );
}

/// A PPTX parser that is not ours (python-pptx) reads the deck back: slide size, titles,
/// tables cell by cell, each chart's type, categories and values (gaps stay gaps), that every
/// chart has its workbook, and the speaker notes with their sources.
#[test]
fn python_pptx_reads_back_every_slide_table_chart_and_note() {
    let dir = tempfile::tempdir().unwrap();
    every_file_we_write(dir.path());
    let read = read_with("read_pptx.py", &dir.path().join("branded.pptx"));
    assert_eq!(
        (read["slide_width"].as_i64(), read["slide_height"].as_i64()),
        (Some(12_192_000), Some(6_858_000)),
        "16:9"
    );
    assert_eq!(read["title"], "Cold brew & the <weekend> crowd");
    let slides = read["slides"].as_array().unwrap();
    assert_eq!(slides.len(), 8);
    let texts = |i: usize| -> String {
        slides[i]["texts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    assert!(
        texts(0).contains("Cold brew & the <weekend> crowd"),
        "{}",
        texts(0)
    );
    assert!(
        texts(0).contains("For Halcyon Roasters · by North & Co"),
        "{}",
        texts(0)
    );
    assert!(
        texts(3).contains("$2,030") && texts(3).contains("+12% on October"),
        "{}",
        texts(3)
    );

    let spend = &slides[4]["charts"][0];
    assert_eq!(spend["type"], "COLUMN_CLUSTERED");
    assert_eq!(
        spend["categories"],
        serde_json::json!(["Meta", "Google Ads", "TikTok"])
    );
    assert_eq!(
        spend["series"],
        serde_json::json!([
            {"name": "Spend", "values": [1200.5, 830.0, null]},
            {"name": "Last period", "values": [1000.0, 900.0, 50.0]},
        ])
    );
    assert!(
        spend["workbook_bytes"].as_u64().unwrap() > 0,
        "Edit Data finds the workbook"
    );
    assert_eq!(
        slides[4]["notes"],
        "Say that TikTok started late.\nSources:\n• Spend by platform, 1–30 November [campaign_days 2026-11-01..2026-11-30]"
    );
    let trend = &slides[5]["charts"][0];
    assert!(
        trend["type"].as_str().unwrap().starts_with("LINE"),
        "{trend}"
    );
    assert_eq!(trend["categories"][6], "Nov 7");
    assert_eq!(trend["series"][0]["values"][6], 0.007);

    assert_eq!(
        slides[6]["tables"][0],
        serde_json::json!([
            ["Platform", "Spend"],
            ["Meta", "$1,200.75"],
            ["TikTok", "–"]
        ])
    );
    assert!(
        texts(7).contains("“I'd pay more if it were & stayed cold”")
            && texts(7).contains("— Maya, 27 (twin)"),
        "{}",
        texts(7)
    );

    // Bars, stacks and a table cut short, as the other reader finds them; an empty deck opens.
    let mixed = read_with("read_pptx.py", &dir.path().join("mixed.pptx"));
    let charts = |i: usize| mixed["slides"][i]["charts"][0].clone();
    assert_eq!(charts(0)["type"], "BAR_CLUSTERED");
    assert_eq!(charts(1)["type"], "COLUMN_STACKED");
    assert_eq!(
        charts(1)["categories"],
        serde_json::json!(["R&D", "Sales <EU>"])
    );
    assert_eq!(
        charts(1)["series"],
        serde_json::json!([
            {"name": "A & B", "values": [1.0, -2.5]},
            {"name": "C", "values": [3.0, null]},
        ])
    );
    let campaigns = mixed["slides"][2]["tables"][0].as_array().unwrap();
    assert_eq!(campaigns.len(), 12, "the header and the 11 rows that fit");
    assert_eq!(campaigns[11], serde_json::json!(["Campaign 11", "¥11,000"]));
    let empty = read_with("read_pptx.py", &dir.path().join("empty.pptx"));
    assert_eq!(empty["slides"], serde_json::json!([]));
}

/// openpyxl, a workbook reader that is not ours, reads the XLSX of a deck's tables back: a
/// sheet per table, numbers as numbers under the format a person sees (money in its currency
/// with its own decimals, percentages), and nothing measured as an empty cell, not a zero.
#[test]
fn openpyxl_reads_back_each_table_with_its_number_formats() {
    let money = |currency: &str| {
        Some(NumberFormat::Money {
            currency: currency.into(),
        })
    };
    let table = Table {
        name: "Spend by platform".into(),
        columns: vec![
            Column {
                name: "Platform".into(),
                format: None,
            },
            Column {
                name: "Spend".into(),
                format: money("USD"),
            },
            Column {
                name: "Spend in Japan".into(),
                format: money("JPY"),
            },
            Column {
                name: "CTR".into(),
                format: Some(NumberFormat::Percent { places: 1 }),
            },
        ],
        rows: vec![
            vec![
                "Meta".into(),
                Value::Number(1200.75),
                Value::Number(150_000.0),
                Value::Number(0.0123),
            ],
            vec![
                "TikTok".into(),
                Value::Empty,
                Value::Number(2000.0),
                Value::Empty,
            ],
        ],
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tables.xlsx");
    let mut second = table.clone();
    second.name = "Campaigns".into();
    std::fs::write(&path, pw_decks::tables::to_xlsx(&[table, second]).unwrap()).unwrap();
    let sheets = read_with("read_xlsx.py", &path);
    assert_eq!(sheets[0]["name"], "Spend by platform");
    assert_eq!(sheets[1]["name"], "Campaigns");
    let rows = &sheets[0]["rows"];
    assert_eq!(
        rows[0]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].clone())
            .collect::<Vec<_>>(),
        ["Platform", "Spend", "Spend in Japan", "CTR"]
    );
    assert_eq!(
        rows[1],
        serde_json::json!([
            {"value": "Meta", "format": "General"},
            {"value": 1200.75, "format": "\"$\"#,##0.00"},
            {"value": 150000, "format": "\"¥\"#,##0"},
            {"value": 0.0123, "format": "0.0%"},
        ])
    );
    assert_eq!(
        rows[2][1]["value"],
        serde_json::Value::Null,
        "a gap, not a zero"
    );
    assert_eq!(rows[2][2]["value"], 2000);
}
