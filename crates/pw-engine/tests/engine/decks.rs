//! Client decks gathered from a workspace's stored results: every number on a slide is the
//! stored figure, every slide names its sources, and the files are written whole or not at all.

use pw_engine::ErrorKind;
use pw_engine::decks::{DeckFormat, DeckSpec, SectionSpec, SlideBody, TableFormat, check_pptx};
use pw_engine::jobs::JobState;
use pw_engine::workspaces::WorkspaceId;
use pw_engine::{KpiKey, KpiNumber};

use crate::support::engine;

/// `1234567.891` as "1,234,567.89": written out here rather than with the deck's formatter,
/// so the test does not check the code with itself.
fn money_text(micros: i64) -> String {
    let cents = (micros as f64 / 10_000.0).round() as i64;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped}.{:02}", cents % 100)
}

#[tokio::test]
async fn a_deck_of_the_demo_workspace_shows_the_dashboards_numbers_and_names_their_sources() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path(), "decks-demo").await;
    engine.start_workers().await;
    let job = engine.workspaces().start_demo().await.unwrap();
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    let workspace: WorkspaceId = done.workspace_id.as_deref().unwrap().parse().unwrap();
    let dashboard = engine
        .workspaces()
        .dashboard(workspace, None)
        .await
        .unwrap();

    // The template starts from the dashboard: the demo has no study results yet.
    let template = engine.decks().default_spec(workspace).await.unwrap();
    assert_eq!(
        template.sections,
        vec![SectionSpec::Dashboard {
            from: None,
            to: None
        }]
    );
    let spec: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Halcyon Roasters: November review",
        "objectives": ["See where the budget worked hardest"],
        "sections": [{ "kind": "dashboard" }]
    }))
    .unwrap();
    let built = engine
        .decks()
        .build(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    let titles: Vec<&str> = built.deck.slides.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles[0], "Halcyon Roasters: November review");
    for part in [
        "Executive summary",
        "Objectives",
        "Method",
        "Findings",
        "Appendix",
    ] {
        assert!(titles.contains(&part), "{titles:?}");
    }
    assert!(
        titles.iter().position(|t| *t == "Method") < titles.iter().position(|t| *t == "Findings")
    );

    // The written file is read back as PowerPoint would: the KPI tile shows the stored spend.
    let report = check_pptx(&built.bytes).unwrap();
    assert_eq!(report.slide_texts.len(), built.deck.slides.len());
    let section = &dashboard.sections[0];
    let spend = section
        .kpis
        .iter()
        .find(|k| k.key == KpiKey::Spend)
        .unwrap();
    let Some(KpiNumber::Money(micros)) = spend.current else {
        panic!("{spend:?}")
    };
    let kpi_slide = built
        .deck
        .slides
        .iter()
        .position(|s| matches!(s.body, SlideBody::Kpis { .. }))
        .unwrap();
    let kpi_text = report.slide_texts[kpi_slide].join(" ");
    assert!(
        kpi_text.contains(&money_text(micros.0)),
        "{kpi_text} lacks {}",
        money_text(micros.0)
    );
    assert!(
        report.notes[kpi_slide].contains("daily_metrics"),
        "{}",
        report.notes[kpi_slide]
    );
    // The slide's headline is the finding, in the stored numbers' words.
    let change = spend.change().unwrap();
    let verb = if change > 0.0 { "rose" } else { "fell" };
    let percent = format!("{}%", (change.abs() * 100.0).round());
    let title = &built.deck.slides[kpi_slide].title;
    assert!(
        title.starts_with(&format!("Spend {verb} {percent} to "))
            && title.contains(&money_text(micros.0)),
        "{title}"
    );

    // The line chart's cache holds each platform's daily spend as the dashboard has it.
    let chart = &report.charts[0];
    assert_eq!(chart.categories.len(), section.series[0].points.len());
    for (platform, (name, values)) in section.series.iter().zip(&chart.series) {
        assert_eq!(name, platform.platform.display_name());
        for (point, value) in platform.points.iter().zip(values) {
            let expected = point.totals.spend.0 as f64 / 1e6;
            assert!(
                (value.unwrap() - expected).abs() < 1e-6,
                "{value:?} {expected}"
            );
        }
    }
    // Every findings slide says where its numbers came from.
    for slide in built.deck.slides.iter().filter(|s| {
        matches!(
            s.body,
            SlideBody::Kpis { .. } | SlideBody::Chart { .. } | SlideBody::Table { .. }
        )
    }) {
        assert!(!slide.sources.is_empty(), "{} cites nothing", slide.title);
    }

    // The same deck as a PDF report, read back by poppler: the stored spend in its text, a
    // contents page, page numbers, and every font embedded.
    let pdf = engine
        .decks()
        .build(workspace, &spec, DeckFormat::Pdf)
        .await
        .unwrap();
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("review.pdf");
    std::fs::write(&file, &pdf.bytes).unwrap();
    let text = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&money_text(micros.0)), "{text}");
    assert!(
        text.contains("Contents") && text.contains("Sources"),
        "{text}"
    );
    // Title, contents, the other slides, the sources: a page each, in the PDF's page count.
    let info = std::process::Command::new("pdfinfo")
        .arg(&file)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.contains(&format!("Pages:           {}", built.deck.slides.len() + 2)),
        "{info}"
    );
    let fonts = std::process::Command::new("pdffonts")
        .arg(&file)
        .output()
        .unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        // name type [encoding] emb sub uni object ID: the "emb" column says yes.
        assert!(
            columns.iter().rev().nth(4) == Some(&"yes"),
            "not embedded: {row}"
        );
    }

    // The campaign table as CSV: one line per campaign, its spend as stored.
    let csv = engine
        .decks()
        .export_tables(
            workspace,
            &"dashboard".parse().unwrap(),
            Some(&format!("Campaigns {}", dashboard.currency)),
            TableFormat::Csv,
        )
        .await
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), dashboard.campaigns.len() + 1, "{csv}");
    assert!(
        lines[0].starts_with("Campaign,Platform,Spend"),
        "{}",
        lines[0]
    );
    let first = &dashboard.campaigns[0];
    let expected = format!("{:.2}", first.totals.spend.0 as f64 / 1e6);
    assert!(
        lines[1].contains(&expected),
        "{} lacks {expected}",
        lines[1]
    );
    // Two tables cannot share one CSV: the error names them.
    let both = engine
        .decks()
        .export_tables(
            workspace,
            &"dashboard".parse().unwrap(),
            None,
            TableFormat::Csv,
        )
        .await
        .unwrap_err();
    assert_eq!(both.kind(), ErrorKind::InvalidInput);
    assert!(both.to_string().contains("Campaigns"), "{both}");

    // A section naming a study that is gone says which section and why.
    let gone: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Stale",
        "sections": [
            { "kind": "dashboard" },
            { "kind": "survey_results", "run": "0193a3c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d" }
        ]
    }))
    .unwrap();
    let error = engine
        .decks()
        .build(workspace, &gone, DeckFormat::Pptx)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert!(
        error
            .to_string()
            .starts_with("section 2 of the deck (survey results)"),
        "{error}"
    );

    // Written whole or not at all: a failed write leaves nothing beside the target.
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("deck.pptx");
    pw_engine::write_whole(&target, &built.bytes).unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), built.bytes);
    let occupied = out.path().join("a folder");
    std::fs::create_dir(&occupied).unwrap();
    let failed = pw_engine::write_whole(&occupied, &built.bytes).unwrap_err();
    assert_eq!(failed.kind(), ErrorKind::Unavailable);
    assert!(failed.to_string().contains("a folder"), "{failed}");
    let mut left: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["a folder", "deck.pptx"]);
    let nowhere =
        pw_engine::write_whole(&out.path().join("missing/deck.pptx"), &built.bytes).unwrap_err();
    assert!(nowhere.to_string().contains("missing"), "{nowhere}");

    // Kept builds are versions of their deck; a rebuild after the data changed says what
    // moved, and only that.
    let first = engine
        .decks()
        .build_and_keep(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    assert_eq!((first.file.version, first.file.changes.clone()), (1, None));
    let again = engine
        .decks()
        .build_and_keep(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    let unchanged = again.file.changes.clone().unwrap();
    assert_eq!(again.file.version, 2);
    assert!(
        unchanged.moved.is_empty() && unchanged.unchanged > 100,
        "{unchanged:?}"
    );
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("profitwheel.sqlite3").display()
    ))
    .await
    .unwrap();
    let changed = sqlx::query(
        "UPDATE daily_metrics SET spend_micros = spend_micros + 1000000000
         WHERE workspace_id = ? AND level = 'campaign' AND date = ? AND platform = 'meta'",
    )
    .bind(workspace.to_string())
    .bind(dashboard.range.end.to_string())
    .execute(&db)
    .await
    .unwrap();
    assert!(changed.rows_affected() > 0);
    db.close().await;
    let third = engine
        .decks()
        .build_and_keep(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    let moved = third.file.changes.clone().unwrap();
    assert_eq!(third.file.version, 3);
    let labels: Vec<&str> = moved.moved.iter().map(|m| m.label.as_str()).collect();
    assert!(labels.contains(&"Spend"), "{labels:?}");
    assert!(
        labels.contains(&format!("Meta, {}", dashboard.range.end).as_str()),
        "{labels:?}"
    );
    assert!(
        !labels.iter().any(|l| l.starts_with("Google Ads")),
        "{labels:?}"
    );
    let spend = moved.moved.iter().find(|m| m.label == "Spend").unwrap();
    assert_eq!(spend.before, format!("${}", money_text(micros.0)));
    let files = engine.decks().files(workspace).await.unwrap();
    assert_eq!(
        files.iter().map(|f| f.version).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    let (kept, bytes) = engine
        .decks()
        .file(workspace, &third.file.id)
        .await
        .unwrap();
    assert_eq!(bytes, third.built.bytes);
    assert_eq!(
        kept.file_name(),
        "Halcyon Roasters- November review v3.pptx"
    );
    let missing = engine.decks().file(workspace, "nope").await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    engine.shutdown().await;
}

#[tokio::test]
async fn an_agent_report_in_a_deck_is_its_newest_answered_run_never_one_that_stopped_short() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path(), "decks-agent-runs").await;
    let workspace = crate::support::workspace(&engine, "Agent client").await;
    // Kept runs written as the agents' run store keeps them: the budget agent answered, then
    // stopped at its step budget; the creative agent only ever stopped at its cost budget.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        pw_engine::EngineConfig::new(dir.path())
            .database_path()
            .display()
    ))
    .await
    .unwrap();
    for (id, agent, outcome, answer, finished) in [
        (
            "r1",
            "budget",
            r#"{"outcome":"answered"}"#,
            "- Move 10% from Search to Social.\n- Hold Display.",
            "2026-11-20T10:00:00.000Z",
        ),
        (
            "r2",
            "budget",
            r#"{"outcome":"step_budget_reached","steps":8}"#,
            "What was found so far: half a plan.",
            "2026-11-21T10:00:00.000Z",
        ),
        (
            "r3",
            "creative",
            r#"{"outcome":"cost_budget_reached","micros":900,"limit":500}"#,
            "Partial creative notes.",
            "2026-11-21T11:00:00.000Z",
        ),
    ] {
        sqlx::query(
            "INSERT INTO agent_runs (id, workspace_id, agent, question, outcome, outcome_detail, answer,
                citations, record, model_calls, input_tokens, output_tokens, started_at, finished_at)
             VALUES (?, ?, ?, 'q', ?, ?, ?, '[]', '{}', 1, 10, 10, ?, ?)",
        )
        .bind(id)
        .bind(workspace.to_string())
        .bind(agent)
        .bind(serde_json::from_str::<serde_json::Value>(outcome).unwrap()["outcome"].as_str().unwrap())
        .bind(outcome)
        .bind(answer)
        .bind(finished)
        .bind(finished)
        .execute(&db)
        .await
        .unwrap();
    }
    db.close().await;

    // The template offers the budget agent's report, not the creative agent's.
    let template = engine.decks().default_spec(workspace).await.unwrap();
    let agents: Vec<&SectionSpec> = template
        .sections
        .iter()
        .filter(|s| matches!(s, SectionSpec::AgentReport { .. }))
        .collect();
    assert_eq!(
        agents,
        [&SectionSpec::AgentReport {
            agent: "budget".into()
        }]
    );
    let spec = |agent: &str| -> DeckSpec {
        serde_json::from_value(serde_json::json!({
            "title": "Agents",
            "sections": [{ "kind": "agent_report", "agent": agent }]
        }))
        .unwrap()
    };
    let deck = engine
        .decks()
        .gather(workspace, &spec("budget"))
        .await
        .unwrap();
    let items: Vec<&String> = deck
        .deck
        .slides
        .iter()
        .filter(|s| s.title == "Budget recommendations")
        .flat_map(|s| match &s.body {
            SlideBody::Bullets { items } => items.iter().collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(items, ["Move 10% from Search to Social.", "Hold Display."]);
    let creative = engine
        .decks()
        .gather(workspace, &spec("creative"))
        .await
        .unwrap_err();
    assert!(
        creative.to_string().contains("no finished report"),
        "{creative}"
    );
}

/// A 1×1 PNG (one orange pixel), as any image program writes it.
const ONE_PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xfc, 0xcf, 0xc0, 0x50,
    0x0f, 0x00, 0x04, 0x85, 0x01, 0x80, 0x84, 0xa9, 0x8c, 0x21, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Every part of a zip package whose name starts with `prefix`, as bytes.
fn parts(bytes: &[u8], prefix: &str) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut found = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        if name.starts_with(prefix) {
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut data).unwrap();
            found.push((name, data));
        }
    }
    found
}

/// The workspace's theme reaches its decks: the colours in the PowerPoint's theme and shapes,
/// the client's and agency's names on the title slide, the logo as a picture, the PDF set in
/// the theme's font. A file the theme carries that is gone from the workspace's files falls
/// back with a warning and the deck is still whole; a logo that is not a PNG is refused when
/// it is picked and changes nothing.
#[tokio::test]
async fn a_workspaces_theme_brands_its_decks_and_a_lost_file_falls_back_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = crate::evidence::demo_copy(dir.path(), "decks-theme").await;
    let decks = engine.decks();
    let default = decks.theme(workspace).await.unwrap();
    assert!(!default.saved && default.files.is_empty());

    let logo = dir.path().join("halcyon.png");
    std::fs::write(&logo, ONE_PIXEL_PNG).unwrap();
    let not_a_logo = dir.path().join("logo.jpg");
    std::fs::write(&not_a_logo, b"\xff\xd8\xff\xe0 a JPEG").unwrap();
    let serif = std::path::PathBuf::from("/usr/share/fonts/truetype/liberation2");
    let mut theme = default.theme.clone();
    theme.agency_name = "North & Co".into();
    theme.primary = pw_engine::decks::Rgb::parse("#0A7B83").unwrap();
    theme.secondary = pw_engine::decks::Rgb::parse("#D94F30").unwrap();
    theme.heading_font = "Georgia".into();
    use pw_engine::decks::{ThemeFileRole as Role, ThemeFileSource as From};
    let refused = decks
        .set_theme(
            workspace,
            &theme,
            &[(Role::ClientLogo, From::Path(not_a_logo.clone()))],
        )
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);
    assert!(refused.to_string().contains("PNG"), "{refused}");
    assert!(
        !decks.theme(workspace).await.unwrap().saved,
        "nothing saved"
    );
    let missing = decks
        .set_theme(
            workspace,
            &theme,
            &[(Role::AgencyLogo, From::Path(dir.path().join("gone.png")))],
        )
        .await
        .unwrap_err();
    assert!(missing.to_string().contains("gone.png"), "{missing}");

    let saved = decks
        .set_theme(
            workspace,
            &theme,
            &[
                (Role::ClientLogo, From::Path(logo.clone())),
                (
                    Role::FontRegular,
                    From::Path(serif.join("LiberationSerif-Regular.ttf")),
                ),
                (
                    Role::FontBold,
                    From::Path(serif.join("LiberationSerif-Bold.ttf")),
                ),
            ],
        )
        .await
        .unwrap();
    assert!(saved.saved);
    assert_eq!(saved.theme, theme);
    assert_eq!(saved.files.len(), 3);
    // The theme keeps a copy: the picked file may go.
    std::fs::remove_file(&logo).unwrap();
    assert_eq!(
        decks
            .theme_file(workspace, Role::ClientLogo)
            .await
            .unwrap()
            .as_deref(),
        Some(ONE_PIXEL_PNG)
    );

    let spec: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Branded review",
        "sections": [{ "kind": "dashboard" }]
    }))
    .unwrap();
    let pptx = decks
        .build(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    assert!(pptx.warnings.is_empty(), "{:?}", pptx.warnings);
    let theme_xml = parts(&pptx.bytes, "ppt/theme/");
    let theme_xml = String::from_utf8(theme_xml[0].1.clone()).unwrap();
    for colour in ["0A7B83", "D94F30"] {
        assert!(theme_xml.contains(colour), "{colour} not in the theme");
    }
    assert!(theme_xml.contains("Georgia"), "the heading font");
    let slides: String = parts(&pptx.bytes, "ppt/slides/slide")
        .into_iter()
        .map(|(_, data)| String::from_utf8(data).unwrap())
        .collect();
    assert!(slides.contains("0A7B83"), "shapes in the primary colour");
    let media = parts(&pptx.bytes, "ppt/media/");
    assert!(
        media.iter().any(|(_, data)| data == ONE_PIXEL_PNG),
        "the client's logo"
    );
    let report = check_pptx(&pptx.bytes).unwrap();
    let title_slide = report.slide_texts[0].join(" ");
    assert!(title_slide.contains("Halcyon Roasters"), "{title_slide}");
    assert!(title_slide.contains("North & Co"), "{title_slide}");

    let pdf = decks
        .build(workspace, &spec, DeckFormat::Pdf)
        .await
        .unwrap();
    assert!(pdf.warnings.is_empty(), "{:?}", pdf.warnings);
    let pdf_path = dir.path().join("branded.pdf");
    std::fs::write(&pdf_path, &pdf.bytes).unwrap();
    let fonts = std::process::Command::new("pdffonts")
        .arg(&pdf_path)
        .output()
        .unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(fonts.contains("LiberationSerif"), "{fonts}");
    assert!(!fonts.contains("LiberationSans"), "{fonts}");

    // The logo's copy is lost from the workspace's files: the deck is built without it and
    // says so.
    let logo_file = saved
        .files
        .iter()
        .find(|f| f.role == Role::ClientLogo)
        .unwrap();
    let blob = pw_engine::EngineConfig::new(dir.path())
        .database_path()
        .with_file_name("blobs")
        .join(&logo_file.sha256[..2])
        .join(&logo_file.sha256[2..]);
    std::fs::remove_file(&blob).unwrap();
    let without = decks
        .build(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    assert_eq!(without.warnings.len(), 1, "{:?}", without.warnings);
    assert!(
        without.warnings[0].contains("the client's logo (halcyon.png)"),
        "{:?}",
        without.warnings
    );
    assert!(parts(&without.bytes, "ppt/media/").is_empty());
    check_pptx(&without.bytes).unwrap();

    // Removing a file and changing a colour; the low contrast is said.
    theme.text = pw_engine::decks::Rgb::parse("#CCCCCC").unwrap();
    let changed = decks
        .set_theme(workspace, &theme, &[(Role::ClientLogo, From::Remove)])
        .await
        .unwrap();
    assert_eq!(changed.files.len(), 2);
    assert_eq!(changed.warnings.len(), 1, "{:?}", changed.warnings);
    engine.shutdown().await;
}

/// A delivery builds its deck for the period before the day it runs, into the folder the user
/// picked, and keeps it as a version; a folder that is gone fails the delivery saying so.
#[tokio::test]
async fn a_delivery_writes_its_deck_into_its_folder_and_a_missing_folder_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = crate::evidence::demo_copy(dir.path(), "decks-delivery").await;
    let decks = engine.decks();
    let folder = dir.path().join("Client share");
    std::fs::create_dir(&folder).unwrap();
    let spec: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Weekly review",
        "sections": [{ "kind": "dashboard" }]
    }))
    .unwrap();
    let delivery = pw_engine::decks::Delivery {
        name: "Monday".into(),
        spec: spec.clone(),
        format: DeckFormat::Pdf,
        folder: folder.clone(),
        period_days: Some(7),
    };
    let refused = decks
        .schedule_delivery(workspace, &delivery, "every monday")
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);
    let nowhere = decks
        .schedule_delivery(
            workspace,
            &pw_engine::decks::Delivery {
                folder: dir.path().join("nowhere"),
                ..delivery.clone()
            },
            "0 7 * * MON",
        )
        .await
        .unwrap_err();
    assert!(nowhere.to_string().contains("is not there"), "{nowhere}");
    let scheduled = decks
        .schedule_delivery(workspace, &delivery, "0 7 * * MON")
        .await
        .unwrap();
    assert_eq!(scheduled.cron, "0 7 * * MON");
    let listed = decks.deliveries(workspace).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].delivery, delivery);

    let job = decks.deliver_now(workspace, "Monday").await.unwrap();
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    let result = done.result.unwrap();
    // The period ends the day before the delivery was due (for Deliver now, when it was asked).
    let due = chrono::DateTime::from_timestamp_millis(done.payload["fire_at_ms"].as_i64().unwrap())
        .unwrap()
        .with_timezone(&chrono::Local)
        .date_naive();
    let (from, to) = pw_engine::decks::period_before(due, 7).unwrap();
    let path = folder.join(format!("Weekly review {to}.pdf"));
    assert_eq!(result["path"], path.display().to_string(), "{result}");
    assert_eq!(result["version"], 1);
    let written = std::fs::read(&path).unwrap();
    assert!(written.starts_with(b"%PDF-"));
    let files = decks.files(workspace).await.unwrap();
    assert_eq!(files.len(), 1);
    let (_, kept) = decks.file(workspace, &files[0].id).await.unwrap();
    assert_eq!(kept, written, "the delivered file is the kept version");
    // The deck covers the week before the delivery.
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("{from} to {to}")), "{text}");

    // Delivered again the same day: beside the first, never over it.
    let job = decks.deliver_now(workspace, "Monday").await.unwrap();
    let again = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(again.state, JobState::Succeeded, "{:?}", again.last_error);
    let again = again.result.unwrap();
    assert_eq!(
        again["path"],
        folder
            .join(format!("Weekly review {to} (2).pdf"))
            .display()
            .to_string(),
        "{again}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), written, "the first stays");
    // A spec naming a session that is not there is refused when it is scheduled, not every
    // Monday after.
    let deleted: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Weekly review",
        "sections": [{ "kind": "insights", "session": "0193a2b4-0000-7000-8000-000000000000" }]
    }))
    .unwrap();
    let refused = decks
        .schedule_delivery(
            workspace,
            &pw_engine::decks::Delivery {
                name: "Tuesday".into(),
                spec: deleted,
                ..delivery.clone()
            },
            "0 7 * * TUE",
        )
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("section 1"), "{refused}");

    // The folder goes (a drive unplugged): the next delivery fails and says why; nothing is
    // kept.
    std::fs::remove_dir_all(&folder).unwrap();
    let job = decks.deliver_now(workspace, "Monday").await.unwrap();
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(done.state, JobState::Failed);
    let why = done.last_error.unwrap();
    assert!(why.contains("Monday was not delivered"), "{why}");
    assert!(why.contains("is not there"), "{why}");
    assert_eq!(decks.files(workspace).await.unwrap().len(), 2);

    decks.remove_delivery(workspace, "Monday").await.unwrap();
    assert!(decks.deliveries(workspace).await.unwrap().is_empty());
    let gone = decks.deliver_now(workspace, "Monday").await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound);
    engine.shutdown().await;
}

/// The builder's edits: slides are found again by their keys at every build, so a title, a
/// note, a hidden slide and the user's order survive a rebuild; a slide's key names what it
/// shows (its kind and records), not its place, so another period keeps the keys; an edit
/// whose slide is gone is told, not applied elsewhere.
#[tokio::test]
async fn a_decks_slide_edits_and_order_are_kept_by_key_and_a_stale_edit_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = crate::evidence::demo_copy(dir.path(), "decks-edits").await;
    let decks = engine.decks();
    let plain: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Edited review",
        "sections": [{ "kind": "dashboard" }]
    }))
    .unwrap();
    let gathered = decks.gather(workspace, &plain).await.unwrap();
    let keyed: Vec<(String, String)> = gathered
        .deck
        .slides
        .iter()
        .filter(|s| !s.key.is_empty())
        .map(|s| (s.key.clone(), s.title.clone()))
        .collect();
    assert!(keyed.len() >= 3, "{keyed:?}");
    assert!(
        keyed.iter().all(|(k, _)| k.starts_with("dashboard#")),
        "{keyed:?}"
    );
    let unique: std::collections::BTreeSet<&String> = keyed.iter().map(|(k, _)| k).collect();
    assert_eq!(unique.len(), keyed.len(), "one key per slide: {keyed:?}");
    assert!(gathered.warnings.is_empty());
    // Another period: the same slides, so the same keys.
    let dashboard = engine
        .workspaces()
        .dashboard(workspace, None)
        .await
        .unwrap();
    let earlier: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Edited review",
        "sections": [{
            "kind": "dashboard",
            "from": (dashboard.range.start - chrono::Days::new(14)).to_string(),
            "to": (dashboard.range.end - chrono::Days::new(14)).to_string()
        }]
    }))
    .unwrap();
    let other_period: Vec<String> = decks
        .gather(workspace, &earlier)
        .await
        .unwrap()
        .deck
        .slides
        .into_iter()
        .filter(|s| !s.key.is_empty())
        .map(|s| s.key)
        .collect();
    assert_eq!(
        other_period,
        keyed.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()
    );

    let (first, second, third) = (&keyed[0].0, &keyed[1].0, &keyed[2].0);
    let mut spec = plain.clone();
    spec.slides = vec![
        pw_engine::decks::SlideEdit {
            key: second.clone(),
            title: Some("Where the money went".into()),
            notes: Some("Say the holiday push started early.".into()),
            hidden: false,
        },
        pw_engine::decks::SlideEdit {
            key: first.clone(),
            title: None,
            notes: None,
            hidden: true,
        },
        pw_engine::decks::SlideEdit {
            key: "survey:gone#chart-00000000".into(),
            title: Some("Nobody".into()),
            notes: None,
            hidden: false,
        },
    ];
    spec.slide_order = vec![third.clone(), second.clone()];
    let built = decks
        .build(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    let keys: Vec<&str> = built
        .deck
        .slides
        .iter()
        .filter(|s| !s.key.is_empty())
        .map(|s| s.key.as_str())
        .collect();
    assert_eq!(&keys[..2], [third.as_str(), second.as_str()]);
    assert!(!keys.contains(&first.as_str()), "hidden: {keys:?}");
    assert_eq!(keys.len(), keyed.len() - 1);
    let edited = built
        .deck
        .slides
        .iter()
        .position(|s| s.key == *second)
        .unwrap();
    assert_eq!(built.deck.slides[edited].title, "Where the money went");
    assert_eq!(
        built.warnings,
        [
            "the edit to slide survey:gone#chart-00000000 was not applied: the deck has no such slide now (its result changed since the edit)"
        ]
    );
    // The note is the speaker notes' first line, above the sources.
    let report = check_pptx(&built.bytes).unwrap();
    assert!(
        report.notes[edited].starts_with("Say the holiday push started early."),
        "{}",
        report.notes[edited]
    );
    assert!(report.notes[edited].contains("Sources:"));
    assert!(
        report.slide_texts[edited]
            .iter()
            .any(|t| t == "Where the money went")
    );
    // A title of several lines is refused before anything is gathered.
    spec.slides[0].title = Some("Where\nthe money went".into());
    let refused = decks.gather(workspace, &spec).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);
    engine.shutdown().await;
}

/// An audience's signals in a deck: its strongest own signals, each bullet a stored signal's
/// statement citing it, and the appendix table holding each one's stored interval; the
/// template offers the audiences that have signals.
#[tokio::test]
async fn an_audiences_signals_in_a_deck_are_its_stored_signals_with_their_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = crate::evidence::demo_copy(dir.path(), "decks-signals").await;
    let template = engine.decks().default_spec(workspace).await.unwrap();
    let audience = template
        .sections
        .iter()
        .find_map(|s| match s {
            SectionSpec::AudienceSignals { audience } => Some(*audience),
            _ => None,
        })
        .expect("the demo's template shows an audience's signals");
    let spec: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Audience review",
        "sections": [{ "kind": "audience_signals", "audience": audience }]
    }))
    .unwrap();
    let gathered = engine.decks().gather(workspace, &spec).await.unwrap();
    let stored = engine
        .evidence()
        .signals(workspace, Some(audience))
        .await
        .unwrap();
    let strongest = stored
        .iter()
        .filter(|s| s.audience_id == Some(audience))
        .max_by(|a, b| a.strength.total_cmp(&b.strength))
        .unwrap();
    let finding = gathered
        .deck
        .slides
        .iter()
        .find(|s| s.title.contains("strongest signals"))
        .unwrap();
    let SlideBody::Bullets { items } = &finding.body else {
        panic!("{:?}", finding.body)
    };
    assert!(items[0].starts_with(&strongest.statement), "{items:?}");
    for source in &finding.sources {
        assert!(
            stored.iter().any(|s| s.id.to_string() == source.reference),
            "{source:?} is no stored signal"
        );
    }
    let table = &gathered.tables[0];
    for row in &table.rows {
        let pw_engine::decks::Value::Text(statement) = &row[0] else {
            panic!("{row:?}")
        };
        let signal = stored.iter().find(|s| &s.statement == statement).unwrap();
        // A signal without an interval (a count, not a rate) shows a dash, never a zero.
        let at = |f: fn(&pw_engine::evidence::Interval) -> f64| {
            signal
                .interval
                .as_ref()
                .map_or(pw_engine::decks::Value::Empty, |i| {
                    pw_engine::decks::Value::from(f(i))
                })
        };
        assert_eq!(row[2], at(|i| i.estimate));
        assert_eq!(row[3], at(|i| i.low));
        assert_eq!(row[4], at(|i| i.high));
    }
    assert!(
        table
            .rows
            .iter()
            .any(|row| row[2] != pw_engine::decks::Value::Empty),
        "some of the strongest signals are rates with intervals"
    );
    engine.shutdown().await;
}

/// The desktop's Build writes each version into the workspace's own exports folder under its
/// version's name; showing a version again writes nothing new, and a copy the person changed
/// there is never overwritten: the kept version goes beside it, once.
#[tokio::test]
async fn built_decks_go_to_the_workspaces_folder_and_showing_one_never_overwrites_or_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = crate::evidence::demo_copy(dir.path(), "decks-exports").await;
    let decks = engine.decks();
    let spec: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Exports review",
        "sections": [{ "kind": "dashboard" }]
    }))
    .unwrap();
    let (first, first_path) = decks
        .build_into_exports(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    let (second, second_path) = decks
        .build_into_exports(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    assert_eq!((first.file.version, second.file.version), (1, 2));
    assert!(
        first_path.ends_with("Exports review v1.pptx"),
        "{first_path:?}"
    );
    assert!(
        second_path.ends_with("Exports review v2.pptx"),
        "{second_path:?}"
    );
    assert_eq!(first_path.parent(), second_path.parent());
    assert_eq!(std::fs::read(&first_path).unwrap(), first.built.bytes);
    // Shown again: the same file, nothing written.
    let shown = decks.write_out(workspace, &first.file.id).await.unwrap();
    assert_eq!(shown, first_path);
    // The person edited the exported v1: it stays; the kept v1 goes beside it, and only once.
    std::fs::write(&first_path, b"edited in PowerPoint").unwrap();
    let beside = decks.write_out(workspace, &first.file.id).await.unwrap();
    assert!(beside.ends_with("Exports review v1 (2).pptx"), "{beside:?}");
    assert_eq!(std::fs::read(&first_path).unwrap(), b"edited in PowerPoint");
    assert_eq!(std::fs::read(&beside).unwrap(), first.built.bytes);
    assert_eq!(
        decks.write_out(workspace, &first.file.id).await.unwrap(),
        beside
    );
    assert_eq!(
        std::fs::read_dir(first_path.parent().unwrap())
            .unwrap()
            .count(),
        3
    );
    engine.shutdown().await;
}
