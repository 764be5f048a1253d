//! Building a 30-slide deck with 15 native charts (each with its embedded workbook), tables,
//! KPI tiles and quotes: time per deck and the process's peak memory, against the floor any
//! PowerPoint writer has, deflating the same package's parts into a zip without writing or
//! checking a byte of XML (measured in the same run).
//!
//! The same deck as a PDF report (fonts embedded and subset, vector charts), set in the
//! Liberation Sans faces `scripts/install-system-packages` installs, is timed beside it.
//!
//! `cargo run --release -p pw-decks --example deck-bench -- [decks]`

#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    reason = "a bench binary prints its figures and stops at a deck it cannot write"
)]

use std::io::{Read, Write};
use std::time::Instant;

use pw_decks::tables::Column;
use pw_decks::{
    Brand, ChartKind, ChartSpec, Deck, Kpi, NumberFormat, PdfFonts, Quote, Series, Slide,
    SlideBody, Source, Table, Value, check_pptx, write_pdf, write_pptx,
};

/// This process's resident high-water mark, in MiB (Linux's VmHWM).
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn source(n: usize) -> Vec<Source> {
    vec![Source {
        table: "survey_results".into(),
        reference: format!("run Q:q{n}"),
        description: format!("Question {n}, 400 answered"),
    }]
}

/// 30 slides: a title, 15 charts of four kinds (30 days of 4 platforms, or 8 answers), 6
/// tables of 25 rows, 4 KPI slides, 2 quote walls, 2 bullet slides.
fn deck() -> Deck {
    let mut slides = vec![Slide {
        key: String::new(),
        title: "Halcyon Roasters: quarterly review".into(),
        body: SlideBody::Title {
            subtitle: "Prepared for the brand team".into(),
        },
        notes: String::new(),
        sources: Vec::new(),
        footnote: String::new(),
    }];
    let kinds = [
        ChartKind::Line,
        ChartKind::Column,
        ChartKind::Bar,
        ChartKind::StackedColumn,
    ];
    for n in 0..15 {
        let kind = kinds[n % kinds.len()];
        let (categories, series): (Vec<String>, Vec<Series>) = if kind == ChartKind::Line {
            (
                (1..=30).map(|d| format!("2026-11-{d:02}")).collect(),
                ["Meta", "Google Ads", "TikTok", "Pinterest"]
                    .iter()
                    .enumerate()
                    .map(|(p, name)| Series {
                        name: (*name).into(),
                        values: (0..30)
                            .map(|d| Some(1000.0 + (p * 300 + d * 17) as f64))
                            .collect(),
                    })
                    .collect(),
            )
        } else {
            (
                (0..8).map(|c| format!("Answer {c}")).collect(),
                (0..3)
                    .map(|s| Series {
                        name: format!("Segment {s}"),
                        values: (0..8).map(|c| Some(((c + s) % 8) as f64 / 20.0)).collect(),
                    })
                    .collect(),
            )
        };
        slides.push(Slide {
            key: String::new(),
            title: format!("Finding {n}: what moved"),
            body: SlideBody::Chart {
                chart: ChartSpec {
                    kind,
                    categories,
                    series,
                    format: NumberFormat::Percent { places: 0 },
                },
            },
            notes: "Read with the interval in the footnote.".into(),
            sources: source(n),
            footnote: "Base: 400 answered (effective base 352).".into(),
        });
    }
    for n in 0..6 {
        slides.push(Slide {
            key: String::new(),
            title: format!("Campaigns, table {n}"),
            body: SlideBody::Table {
                table: Table {
                    name: format!("Campaigns {n}"),
                    columns: vec![
                        Column {
                            name: "Campaign".into(),
                            format: None,
                        },
                        Column {
                            name: "Spend".into(),
                            format: Some(NumberFormat::Money {
                                currency: "USD".into(),
                            }),
                        },
                        Column {
                            name: "CTR".into(),
                            format: Some(NumberFormat::Percent { places: 2 }),
                        },
                    ],
                    rows: (0..25)
                        .map(|r| {
                            vec![
                                Value::Text(format!("Campaign {r} & co")),
                                Value::Number(1234.5 * r as f64),
                                Value::Number(0.01 * r as f64),
                            ]
                        })
                        .collect(),
                },
            },
            notes: String::new(),
            sources: source(100 + n),
            footnote: String::new(),
        });
    }
    for n in 0..4 {
        slides.push(Slide {
            key: String::new(),
            title: format!("Performance {n}"),
            body: SlideBody::Kpis {
                tiles: (0..8)
                    .map(|k| Kpi {
                        label: format!("KPI {k}"),
                        value: format!("${},210.00", 40 + k),
                        detail: "+12% on the previous period".into(),
                    })
                    .collect(),
            },
            notes: String::new(),
            sources: source(200 + n),
            footnote: String::new(),
        });
    }
    for n in 0..2 {
        slides.push(Slide {
            key: String::new(),
            title: format!("In their words {n}"),
            body: SlideBody::Quotes {
                quotes: (0..6)
                    .map(|q| Quote {
                        text: format!("Shipping took nine days last time, quote {q}."),
                        attribution: format!("Maya R. (turn {q})"),
                    })
                    .collect(),
            },
            notes: String::new(),
            sources: source(300 + n),
            footnote: String::new(),
        });
    }
    for n in 0..2 {
        slides.push(Slide {
            key: String::new(),
            title: format!("Recommendations {n}"),
            body: SlideBody::Bullets {
                items: (0..5).map(|b| format!("Move budget, step {b}")).collect(),
            },
            notes: String::new(),
            sources: source(400 + n),
            footnote: String::new(),
        });
    }
    Deck {
        title: "Halcyon Roasters: quarterly review".into(),
        slides,
    }
}

/// The floor: the written package's parts, already in memory, deflated into a new zip.
fn deflate_parts(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        zip.start_file(name.as_str(), options)
            .expect("an in-memory zip takes a file");
        zip.write_all(bytes).expect("an in-memory zip takes bytes");
    }
    zip.finish().expect("an in-memory zip closes").into_inner()
}

fn main() {
    let decks: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let deck = deck();
    let charts = deck
        .slides
        .iter()
        .filter(|s| matches!(s.body, SlideBody::Chart { .. }))
        .count();
    let brand = Brand {
        client_name: "Halcyon Roasters".into(),
        ..Brand::default()
    };

    let started = Instant::now();
    let mut bytes = Vec::new();
    for _ in 0..decks {
        bytes = write_pptx(&deck, &brand).expect("the bench deck writes");
    }
    let per_deck = started.elapsed().as_secs_f64() / decks as f64;
    let peak = peak_mib();

    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("the deck is a zip");
    let mut parts = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("a part reads");
        let mut content = Vec::new();
        file.read_to_end(&mut content).expect("a part inflates");
        let name = file.name().expect("a part has a name").into_owned();
        parts.push((name, content));
    }
    let unpacked: usize = parts.iter().map(|(_, b)| b.len()).sum();
    let started = Instant::now();
    for _ in 0..decks {
        std::hint::black_box(deflate_parts(&parts));
    }
    let floor = started.elapsed().as_secs_f64() / decks as f64;

    let started = Instant::now();
    let report = check_pptx(&bytes).expect("the deck checks");
    let check = started.elapsed().as_secs_f64();

    println!(
        "deck: {} slides, {charts} charts, {} parts, {:.0} KiB unpacked, {:.0} KiB written",
        deck.slides.len(),
        parts.len(),
        unpacked as f64 / 1024.0,
        bytes.len() as f64 / 1024.0
    );
    println!(
        "pptx: {:.1} ms per deck (the package checker's read-back included; alone {:.1} ms), {} charts read back",
        per_deck * 1000.0,
        check * 1000.0,
        report.charts.len()
    );
    println!(
        "floor (deflating the same parts): {:.1} ms; pptx / floor: {:.1}",
        floor * 1000.0,
        per_deck / floor
    );
    println!("peak memory after the PowerPoint decks (VmHWM): {peak:.1} MiB");

    let folder = std::path::Path::new("/usr/share/fonts/truetype/liberation2");
    let fonts = PdfFonts::new(
        std::fs::read(folder.join("LiberationSans-Regular.ttf")).expect("Liberation Sans"),
        std::fs::read(folder.join("LiberationSans-Bold.ttf")).expect("Liberation Sans Bold"),
    )
    .expect("the fonts embed");
    let started = Instant::now();
    let mut pdf = Vec::new();
    for _ in 0..decks {
        pdf = write_pdf(&deck, &brand, &fonts).expect("the bench report writes");
    }
    let per_report = started.elapsed().as_secs_f64() / decks as f64;
    println!(
        "pdf: {:.1} ms per report, {:.0} KiB; pdf / pptx: {:.1}; peak memory (VmHWM): {:.1} MiB",
        per_report * 1000.0,
        pdf.len() as f64 / 1024.0,
        per_report / per_deck,
        peak_mib()
    );
}
