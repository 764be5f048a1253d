//! Client decks gathered from a workspace's stored results: every number on a slide is the
//! stored figure, every slide names its sources, and the files are written whole or not at all.

use pw_engine::ErrorKind;
use pw_engine::decks::{DeckFormat, DeckSpec, SectionSpec, SlideBody, TableFormat, check_pptx};
use pw_engine::jobs::JobState;
use pw_engine::workspaces::WorkspaceId;
use pw_engine::{KpiKey, KpiNumber};

use crate::support::engine;

/// Deliveries and the files builds leave in folders; the white-label theme.
mod delivery;
mod theme;

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
