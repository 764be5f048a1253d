//! Decks written to PowerPoint and read back: every slide kind, brand colours in the theme and
//! on the shapes, chart caches and their embedded workbooks agreeing with the data, sources in
//! the speaker notes, and hostile text kept as text.

#![allow(
    clippy::unwrap_used,
    reason = "a test should fail loudly at the line that broke"
)]

use calamine::{Data, Reader, Xlsx};
use pw_decks::{
    Brand, ChartKind, ChartSpec, Deck, Kpi, Logo, NumberFormat, PdfFonts, Series, SlideBody,
    Source, Table, Value, check_pptx, tables::Column, write_pdf, write_pptx,
};
mod fixtures;

use fixtures::{brand, every_kind, part, slide, solid_png, tamper};

#[test]
fn every_slide_kind_reads_back_with_its_text_charts_and_notes() {
    let bytes = write_pptx(&every_kind(), &brand()).unwrap();
    let report = check_pptx(&bytes).unwrap();
    assert_eq!(report.slide_texts.len(), 8);
    let all: Vec<String> = report.slide_texts.iter().map(|t| t.join("")).collect();
    assert!(
        all[0].contains("Cold brew & the <weekend> crowd"),
        "{}",
        all[0]
    );
    assert!(
        all[0].contains("For Halcyon Roasters · by North & Co"),
        "{}",
        all[0]
    );
    assert!(
        all[2].contains("A quote with a control character, an emoji ☕ and \"quotes\""),
        "{}",
        all[2]
    );
    assert!(
        all[3].contains("$2,030") && all[3].contains("+12% on October"),
        "{}",
        all[3]
    );
    assert!(all[4].contains("Base: 3 platforms · 30 days"), "{}", all[4]);
    assert!(
        all[6].contains("$1,200.75") && all[6].contains("–"),
        "the table shows money and a dash: {}",
        all[6]
    );
    assert!(
        all[7].contains("“I'd pay more if it were & stayed cold”")
            && all[7].contains("— Maya, 27 (twin)"),
        "{}",
        all[7]
    );
    // Slide numbers on content slides.
    assert!(report.slide_texts[4].iter().any(|t| t == "5"));

    // Notes: the presenter's words, then the sources.
    assert_eq!(
        report.notes[4],
        "Say that TikTok started late.\nSources:\n• Spend by platform, 1–30 November [campaign_days 2026-11-01..2026-11-30]"
    );

    // Charts: the caches hold the data, gaps stay gaps.
    assert_eq!(report.charts.len(), 2);
    let spend = &report.charts[0];
    assert_eq!(spend.categories, ["Meta", "Google Ads", "TikTok"]);
    assert_eq!(
        spend.series[0],
        ("Spend".to_owned(), vec![Some(1200.5), Some(830.0), None])
    );
    assert_eq!(
        spend.series[1].1,
        vec![Some(1000.0), Some(900.0), Some(50.0)]
    );
    assert_eq!(report.charts[1].series[0].1[6], Some(0.007));

    // The embedded workbook says the same as the caches ("Edit Data" shows the real numbers).
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(report.chart_workbooks[0].clone())).unwrap();
    let sheet = book.worksheet_range("Sheet1").unwrap();
    assert_eq!(sheet.get((0, 1)), Some(&Data::String("Spend".into())));
    assert_eq!(sheet.get((0, 2)), Some(&Data::String("Last period".into())));
    assert_eq!(sheet.get((1, 0)), Some(&Data::String("Meta".into())));
    assert_eq!(sheet.get((1, 1)), Some(&Data::Float(1200.5)));
    assert_eq!(sheet.get((3, 2)), Some(&Data::Float(50.0)));
    assert!(
        matches!(sheet.get((3, 1)), None | Some(Data::Empty)),
        "a gap is no zero in the workbook either"
    );
}

#[test]
fn the_brand_reaches_theme_shapes_charts_and_logos() {
    let bytes = write_pptx(&every_kind(), &brand()).unwrap();
    let theme = part(&bytes, "ppt/theme/theme1.xml");
    assert!(
        theme.contains("<a:accent1><a:srgbClr val=\"0A7B83\"/></a:accent1>"),
        "{theme}"
    );
    assert!(theme.contains("<a:accent2><a:srgbClr val=\"F2A541\"/></a:accent2>"));
    assert!(theme.contains("<a:majorFont><a:latin typeface=\"Georgia\"/>"));
    let chart = part(&bytes, "ppt/charts/chart1.xml");
    assert!(
        chart.contains("0A7B83") && chart.contains("F2A541"),
        "series in brand colours"
    );
    let title = part(&bytes, "ppt/slides/slide1.xml");
    assert!(title.contains("typeface=\"Georgia\""));
    assert!(
        title.contains("showMasterSp=\"0\""),
        "the title slide carries its own logos"
    );
    assert!(part(&bytes, "ppt/slides/_rels/slide1.xml.rels").contains("../media/agency-logo.png"));
    assert!(
        part(&bytes, "ppt/slideMasters/_rels/slideMaster1.xml.rels")
            .contains("../media/client-logo.png")
    );
    let section = part(&bytes, "ppt/slides/slide2.xml");
    assert!(section.contains("<p:bg><p:bgPr><a:solidFill><a:srgbClr val=\"0A7B83\"/>"));
}

#[test]
fn a_plain_brand_and_an_empty_deck_still_make_a_valid_file() {
    let bytes = write_pptx(
        &Deck {
            title: String::new(),
            slides: Vec::new(),
        },
        &Brand::default(),
    )
    .unwrap();
    let report = check_pptx(&bytes).unwrap();
    assert!(report.slide_texts.is_empty());
    assert!(
        !part(&bytes, "ppt/presentation.xml").contains("sldIdLst"),
        "an empty list is invalid: left out"
    );
}

#[test]
fn a_chart_whose_series_disagree_with_its_categories_is_refused_before_writing() {
    let mut deck = every_kind();
    if let SlideBody::Chart { chart } = &mut deck.slides[4].body {
        chart.series[0].values.pop();
    }
    let error = write_pptx(&deck, &brand()).unwrap_err().to_string();
    assert!(
        error.contains("\"Spend\" has 2 values for 3 categories"),
        "{error}"
    );
}
#[test]
fn the_checker_catches_what_makes_powerpoint_repair_a_file() {
    let bytes = write_pptx(&every_kind(), &brand()).unwrap();
    let cases = [
        // Two shapes with one id on a slide.
        (
            tamper(
                &bytes,
                "ppt/slides/slide3.xml",
                "id=\"3\"",
                Some("id=\"2\""),
            ),
            "two shapes with id 2",
        ),
        // A slide whose override is gone is only "application/xml".
        (
            tamper(
                &bytes,
                "[Content_Types].xml",
                "<Override PartName=\"/ppt/slides/slide4.xml\"",
                Some("<Override PartName=\"/ppt/slides/gone.xml\""),
            ),
            "ppt/slides/slide4.xml has no content-type override",
        ),
        // A chart reached through a relationship its part does not declare.
        (
            tamper(
                &bytes,
                "ppt/slides/slide5.xml",
                "r:id=\"rId3\"",
                Some("r:id=\"rId9\""),
            ),
            "uses rId9",
        ),
        // A part a relationship points to, missing.
        (
            tamper(
                &bytes,
                "ppt/embeddings/Microsoft_Excel_Sheet1.xlsx",
                "",
                None,
            ),
            "points to ../embeddings/Microsoft_Excel_Sheet1.xlsx",
        ),
        // A relationship reaching a part of the wrong type.
        (
            tamper(
                &bytes,
                "ppt/slides/_rels/slide5.xml.rels",
                "Target=\"../charts/chart1.xml\"",
                Some("Target=\"../theme/theme1.xml\""),
            ),
            "reached as a chart but typed",
        ),
    ];
    for (damaged, expected) in cases {
        let error = check_pptx(&damaged).unwrap_err().to_string();
        assert!(
            error.contains(expected),
            "expected {expected:?} in: {error}"
        );
    }
}

#[test]
fn bars_stacks_ampersands_and_line_breaks_survive_the_round_trip() {
    let chart = |kind| ChartSpec {
        kind,
        categories: vec!["R&D".into(), "Sales <EU>".into()],
        series: vec![
            Series {
                name: "A & B".into(),
                values: vec![Some(1.0), Some(2.0)],
            },
            Series {
                name: "C".into(),
                values: vec![Some(3.0), None],
            },
        ],
        format: NumberFormat::Count,
    };
    let mut notes_slide = slide(
        "Bars",
        SlideBody::Chart {
            chart: chart(ChartKind::Bar),
        },
    );
    notes_slide.notes = "Fish & chips\n\nsecond line".into();
    let deck = Deck {
        title: "Round trip".into(),
        slides: vec![
            notes_slide,
            slide(
                "Stacks",
                SlideBody::Chart {
                    chart: chart(ChartKind::StackedColumn),
                },
            ),
            slide(
                "Two lines",
                SlideBody::Bullets {
                    items: vec!["first\nsecond".into()],
                },
            ),
        ],
    };
    let bytes = write_pptx(&deck, &Brand::default()).unwrap();
    let report = check_pptx(&bytes).unwrap();
    for chart in &report.charts {
        assert_eq!(chart.categories, ["R&D", "Sales <EU>"]);
        assert_eq!(
            chart.series[0],
            ("A & B".to_owned(), vec![Some(1.0), Some(2.0)])
        );
        assert_eq!(chart.series[1].1, vec![Some(3.0), None]);
    }
    assert_eq!(report.notes[0], "Fish & chips\nsecond line");
    let bar = part(&bytes, "ppt/charts/chart1.xml");
    assert!(bar.contains("<c:barDir val=\"bar\"/><c:grouping val=\"clustered\"/>"));
    assert!(
        bar.contains("<c:orientation val=\"maxMin\"/>") && bar.contains("<c:crosses val=\"max\"/>")
    );
    let stacked = part(&bytes, "ppt/charts/chart2.xml");
    assert!(
        stacked.contains("<c:grouping val=\"stacked\"/>")
            && stacked.contains("<c:overlap val=\"100\"/>")
    );
    let lines = part(&bytes, "ppt/slides/slide3.xml");
    assert!(
        lines.contains("<a:t>first</a:t></a:r><a:br>"),
        "a line break is a:br"
    );
    assert!(report.slide_texts[2].iter().any(|t| t == "second"));
}

#[test]
fn a_long_table_says_how_much_it_shows_and_crowded_slides_are_refused() {
    let rows: Vec<Vec<Value>> = (1..=30)
        .map(|i| {
            vec![
                format!("Campaign {i}").as_str().into(),
                Value::Number(i as f64),
            ]
        })
        .collect();
    let table = Table {
        name: "Campaigns".into(),
        columns: vec![
            Column {
                name: "Campaign".into(),
                format: None,
            },
            Column {
                name: "Clicks".into(),
                format: Some(NumberFormat::Count),
            },
        ],
        rows,
    };
    let deck = Deck {
        title: "T".into(),
        slides: vec![slide("Campaigns", SlideBody::Table { table })],
    };
    let report = check_pptx(&write_pptx(&deck, &Brand::default()).unwrap()).unwrap();
    let text = report.slide_texts[0].join(" ");
    assert!(text.contains("Showing the first 11 of 30 rows."), "{text}");
    assert!(
        text.contains("Campaign 11") && !text.contains("Campaign 12"),
        "{text}"
    );

    let tiles = (0..9)
        .map(|i| Kpi {
            label: format!("K{i}"),
            value: "1".into(),
            detail: String::new(),
        })
        .collect();
    let crowded = Deck {
        title: "T".into(),
        slides: vec![slide("Numbers", SlideBody::Kpis { tiles })],
    };
    let error = write_pptx(&crowded, &Brand::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("slide 1 (\"Numbers\") has 9 KPI tiles; a slide holds 8"),
        "{error}"
    );
}

#[test]
fn a_wide_wordmark_fits_its_box_instead_of_running_off_the_slide() {
    let brand = Brand {
        client_logo: Some(Logo::from_png(solid_png(400, 10, [0, 0, 0])).unwrap()),
        ..Brand::default()
    };
    let deck = Deck {
        title: "T".into(),
        slides: vec![slide(
            "T",
            SlideBody::Title {
                subtitle: String::new(),
            },
        )],
    };
    let bytes = write_pptx(&deck, &brand).unwrap();
    let master = part(&bytes, "ppt/slideMasters/slideMaster1.xml");
    // 40:1 in a 2-inch box: 1,828,800 wide, 45,720 high, right-aligned at the margin.
    assert!(
        master.contains("<a:off x=\"9906000\" y=\"6400800\"/><a:ext cx=\"1828800\" cy=\"45720\"/>"),
        "{master}"
    );
}

fn liberation() -> PdfFonts {
    let folder = std::path::Path::new("/usr/share/fonts/truetype/liberation2");
    let read = |name: &str| {
        std::fs::read(folder.join(name)).unwrap_or_else(|e| {
            panic!("{name}: {e}; scripts/install-system-packages installs fonts-liberation2")
        })
    };
    PdfFonts::new(
        read("LiberationSans-Regular.ttf"),
        read("LiberationSans-Bold.ttf"),
    )
    .unwrap()
}

#[test]
fn the_pdf_report_has_every_page_with_its_numbers_embedded_fonts_contents_and_sources() {
    let deck = every_kind();
    let bytes = write_pdf(&deck, &brand(), &liberation()).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&pdf, &bytes).unwrap();
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    // The slides, the contents after the title, and the sources at the end.
    let pages = deck.slides.len() + 2;
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(&format!(" {pages}"))),
        "{info}"
    );
    assert!(
        info.contains("Cold brew & the <weekend> crowd"),
        "the title is the document's: {info}"
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
        "Contents",
        "$2,030",
        "Meta carries the month",
        "$1,200.75",
        "Base: 3 platforms · 30 days",
        "Too sweet.",
        "Google Ads",
        "Sources",
    ] {
        assert!(
            text.contains(expected),
            "the report lacks {expected:?}:\n{text}"
        );
    }
    // Every font is embedded (a subset), so the report reads the same on any machine.
    let fonts = std::process::Command::new("pdffonts")
        .arg(&pdf)
        .output()
        .unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout).into_owned();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 2, "{fonts}");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            columns.iter().rev().nth(4),
            Some(&"yes"),
            "not embedded: {row}"
        );
    }
    let shown = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.e2e/decks");
    std::fs::create_dir_all(&shown).unwrap();
    let rendered = std::process::Command::new("pdftoppm")
        .args(["-r", "50", "-png"])
        .arg(&pdf)
        .arg(shown.join("sample-report-page"))
        .status()
        .unwrap();
    assert!(rendered.success());
}

#[test]
fn a_file_that_is_no_font_is_refused_before_any_page_is_set() {
    let error = PdfFonts::new(b"not a font".to_vec(), b"nor this".to_vec())
        .err()
        .unwrap();
    assert!(error.to_string().contains("regular font"), "{error}");
}

#[test]
fn sources_that_outrun_a_page_go_on_to_more_pages_and_none_is_cut() {
    let mut deck = every_kind();
    // 120 distinct sources on one slide: far more than a page of 9-point lines holds.
    deck.slides[1].sources = (1..=120)
        .map(|n| Source {
            table: "survey_results".into(),
            reference: format!("run-{n:03}"),
            description: format!("Source number {n}"),
        })
        .collect();
    let bytes = write_pdf(&deck, &brand(), &liberation()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&pdf, &bytes).unwrap();
    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(pages >= deck.slides.len() + 3, "{info}");
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("Sources (continued)"), "{text}");
    for n in [1, 60, 120] {
        assert!(
            text.contains(&format!("Source number {n} [survey_results run-{n:03}]")),
            "source {n} is missing"
        );
    }
}
