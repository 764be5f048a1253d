//! Semantic similarity rating on real embeddings: the embedded all-MiniLM-L6-v2, through the
//! gateway as surveys will call it, turns free-text answers into probabilities over a scale
//! whose order follows what the answers say. A small survey runs on the embedded model as a
//! job, and the analysis agent writes its report on the same model.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support::{engine, workspace};
use pw_engine::evidence::{DocKind, IndexState, Query};
use pw_engine::jobs::JobState;
use pw_engine::models::CallScope;
use pw_engine::surveys::ssr::{self, DefaultScale};
use pw_engine::surveys::{ReportFormat, ResultOptions, RunRequest, RunStatus, UniverseChoice};
use serde_json::json;

#[tokio::test]
async fn free_text_answers_rate_in_the_order_they_mean_on_real_minilm_embeddings() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path(), "surveys-ssr").await;
    let workspace = workspace(&engine, "Survey client").await;
    let gateway = engine.models().gateway().await.unwrap();
    let scope = CallScope::workspace(workspace.to_string());
    let mut anchor_sets = Vec::new();
    for set in DefaultScale::PurchaseIntent5.anchor_sets() {
        anchor_sets.push(gateway.embed(&scope, &set.statements).await.unwrap());
    }
    let answers = [
        "No way, I would never spend money on something like that.",
        "Maybe. It depends on the price, I'd have to think about it.",
        "I love it and I'd buy one the moment it's in the shop.",
    ];
    let embedded = gateway
        .embed(&scope, &answers.map(str::to_owned))
        .await
        .unwrap();
    assert_eq!(embedded[0].len(), 384, "all-MiniLM-L6-v2 vectors");
    let expected: Vec<f64> = embedded
        .iter()
        .map(|answer| {
            let pmf = ssr::mean_pmf(answer, &anchor_sets, 0.0, 1.0).unwrap();
            assert!((pmf.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            ssr::expected_point(&pmf).unwrap()
        })
        .collect();
    // The refusal rates lowest, the enthusiasm highest, the hesitation between.
    assert!(
        expected[0] < expected[1] && expected[1] < expected[2],
        "expected points {expected:?}"
    );
    // A lower temperature sharpens the same answer's distribution towards its likeliest point.
    let warm = ssr::mean_pmf(&embedded[2], &anchor_sets, 0.0, 1.0).unwrap();
    let sharp = ssr::mean_pmf(&embedded[2], &anchor_sets, 0.0, 0.25).unwrap();
    let peak = |pmf: &[f64]| pmf.iter().copied().fold(0.0, f64::max);
    assert!(peak(&sharp) > peak(&warm), "{warm:?} {sharp:?}");
    engine.shutdown().await;
}

/// An audience with a twin and its memories, written straight into the database (twin creation
/// has its own tests).
async fn a_twin(dir: &std::path::Path, workspace: &str) {
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.join("profitwheel.sqlite3").display()
    ))
    .await
    .unwrap();
    let now = "2026-11-29T09:00:00.000Z";
    let audience = uuid::Uuid::now_v7().to_string();
    sqlx::query("INSERT INTO audiences (id, workspace_id, platform, name, kind, created_at) VALUES (?, ?, 'meta', 'Home baristas', 'interest', ?)")
        .bind(&audience).bind(workspace).bind(now).execute(&db).await.unwrap();
    let twin = uuid::Uuid::now_v7().to_string();
    let persona = json!({ "summary": "Brews espresso at home every morning.", "psychographics": ["values craft"], "objections": ["price"] });
    sqlx::query("INSERT INTO twins (id, workspace_id, audience_id, name, persona, created_at, updated_at) VALUES (?, ?, ?, 'Maya R.', ?, ?, ?)")
        .bind(&twin).bind(workspace).bind(&audience).bind(persona.to_string()).bind(now).bind(now)
        .execute(&db).await.unwrap();
    for (seq, memory) in [
        "Shipping took nine days last time.",
        "I switched to a local roaster for fresher beans.",
    ]
    .iter()
    .enumerate()
    {
        sqlx::query("INSERT INTO twin_memories (id, workspace_id, twin_id, kind, content, importance, created_at, fragment, seq) VALUES (?, ?, ?, 'grounding', ?, 5, ?, 'mention', ?)")
            .bind(uuid::Uuid::now_v7().to_string()).bind(workspace).bind(&twin).bind(memory).bind(now).bind(seq as i64)
            .execute(&db).await.unwrap();
    }
    db.close().await;
}

const SURVEY: &str = r#"{ "format": "profitwheel-survey", "version": 1, "title": "Beans",
  "questions": [
    { "id": "buy", "type": "single_choice", "text": "Where do you buy coffee beans most often?",
      "options": [ {"id": "shop", "label": "A coffee shop"}, {"id": "store", "label": "A grocery store"}, {"id": "online", "label": "Online"} ] },
    { "id": "like", "type": "likert", "points": 5, "labels": ["Strongly disagree", "Strongly agree"], "text": "I enjoy trying new roasts." },
    { "id": "cups", "type": "numeric", "text": "How many cups of coffee do you drink a week?", "min": 0, "max": 70 }
  ] }"#;

#[tokio::test]
async fn a_small_survey_runs_on_the_embedded_model_as_a_job_and_every_answer_is_real_or_a_reasoned_non_response()
 {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path(), "surveys-local").await;
    let workspace = workspace(&engine, "Survey client").await;
    a_twin(dir.path(), &workspace.to_string()).await;
    let survey = engine.surveys().import(workspace, SURVEY).await.unwrap();
    let run = engine
        .surveys()
        .start_run(
            workspace,
            &RunRequest {
                survey: survey.summary.id,
                respondents: 4,
                seed: Some(1),
                universe: UniverseChoice::default(),
                concurrency: Some(2),
            },
        )
        .await
        .unwrap();
    engine.start_workers().await;
    let job = engine
        .jobs()
        .wait(run.job_id.as_deref().unwrap(), |_| {})
        .await
        .unwrap();
    assert_eq!(job.state, JobState::Succeeded, "{:?}", job.last_error);
    assert!(
        job.progress_message
            .as_deref()
            .unwrap_or_default()
            .starts_with("4 of 4 respondents"),
        "{:?}",
        job.progress_message
    );
    let done = engine.surveys().run(run.id).await.unwrap();
    assert_eq!((done.answered, done.status), (4, RunStatus::Completed));
    assert!(
        done.manifest["embedding_model"]
            .as_str()
            .unwrap()
            .contains("all-minilm"),
        "{}",
        done.manifest
    );
    let answers = engine.surveys().answers(run.id).await.unwrap();
    assert_eq!(
        answers.len(),
        12,
        "three questions for each of four respondents"
    );
    // The grammar holds a choice to the options, so every respondent really chose one; a
    // rating, when the model gave words, is a distribution over the five points per anchor set.
    let chosen = answers
        .iter()
        .filter(|a| {
            a.question == "buy" && matches!(a.value, Some(pw_engine::surveys::Answer::Choice(_)))
        })
        .count();
    assert_eq!(chosen, 4, "{answers:?}");
    for answer in answers
        .iter()
        .filter(|a| a.question == "like" && a.value.is_some())
    {
        let rated = answer.rated.as_ref().unwrap();
        assert!(!answer.text.is_empty() && rated.pmfs.len() == 2);
        for pmf in &rated.pmfs {
            assert_eq!(pmf.len(), 5);
            assert!((pmf.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }
    for answer in answers.iter().filter(|a| a.value.is_none()) {
        assert!(
            !answer
                .non_response
                .as_deref()
                .unwrap_or_default()
                .is_empty()
        );
    }
    let results = engine
        .surveys()
        .results(run.id, &ResultOptions::default())
        .await
        .unwrap();
    assert_eq!(results.results.questions.len(), 3);
    assert_eq!(results.diagnostics.len(), 3);
    // The run in a client deck: the choice question's chart holds the stored shares, and the
    // method names the run's sample and models.
    let spec: pw_engine::decks::DeckSpec = serde_json::from_value(json!({
        "title": "Beans",
        "sections": [{ "kind": "survey_results", "run": run.id.to_string() }]
    }))
    .unwrap();
    let deck = engine.decks().gather(workspace, &spec).await.unwrap();
    let buy = results
        .results
        .questions
        .iter()
        .find(|q| q.question == "buy")
        .unwrap();
    let chart = deck
        .deck
        .slides
        .iter()
        .find_map(|s| match &s.body {
            pw_engine::decks::SlideBody::Chart { chart } if s.footnote.starts_with(&buy.text) => {
                Some(chart)
            }
            _ => None,
        })
        .unwrap();
    let stored: Vec<Option<f64>> = buy.shares.iter().map(|s| Some(s.share)).collect();
    assert_eq!(chart.series[0].values, stored);
    // The chart's title is the lead as the stored shares and intervals bear it out.
    let chart_title = &deck
        .deck
        .slides
        .iter()
        .find(|s| s.footnote.starts_with(&buy.text))
        .unwrap()
        .title;
    let mut ordered = buy.shares.clone();
    ordered.sort_by(|a, b| b.share.total_cmp(&a.share));
    let expected = if ordered.len() > 1 && ordered[0].share - ordered[1].share < 1e-9 {
        "tied at"
    } else if ordered.len() > 1 && ordered[1].high >= ordered[0].low {
        "are too close to call"
    } else {
        "led:"
    };
    assert!(
        chart_title.starts_with(&format!("“{}”", ordered[0].label))
            && chart_title.contains(expected),
        "{chart_title} ({expected}): {ordered:?}"
    );
    // The caveat that the respondents are synthetic is on a slide, not only in the notes.
    assert!(
        deck.deck.slides.iter().any(|s| matches!(&s.body,
            pw_engine::decks::SlideBody::Bullets { items } if items.iter().any(|i| i.starts_with("Every answer in \"Beans") && i.contains("is synthetic: 4 respondents")))),
        "no synthetic caveat: {:?}",
        deck.deck.slides.iter().filter(|s| s.title == "Read with care").collect::<Vec<_>>()
    );
    let method = deck
        .deck
        .slides
        .iter()
        .find(|s| s.title == "Method")
        .unwrap();
    let pw_engine::decks::SlideBody::Bullets { items } = &method.body else {
        panic!("{method:?}")
    };
    assert!(
        items
            .iter()
            .any(|i| i.contains("4 synthetic respondents answered of 4")),
        "{items:?}"
    );
    assert!(items.iter().any(|i| i.contains("all-minilm")), "{items:?}");
    // The respondents' own words are searchable, filed as open ends.
    let words = answers
        .iter()
        .find(|a| a.text.split_whitespace().count() > 2)
        .unwrap();
    let word = words
        .text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 4)
        .max_by_key(|w| w.len())
        .unwrap()
        .to_owned();
    engine
        .evidence()
        .start_index_update(workspace)
        .await
        .unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(300), async {
        while !matches!(
            engine.evidence().index_state(workspace).await.unwrap(),
            IndexState::Ready { pending: 0, .. }
        ) {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the search index catches up");
    let page = engine
        .evidence()
        .search(
            workspace,
            &Query {
                text: word.clone(),
                kinds: vec![DocKind::OpenEnd],
                limit: 10,
                ..Query::default()
            },
        )
        .await
        .unwrap();
    assert!(
        page.total > 0,
        "no open end found for {word:?}: {:?} {:?}",
        page.state,
        answers.iter().map(|a| &a.text).collect::<Vec<_>>()
    );
    assert!(
        page.hits.iter().all(|h| h
            .title
            .as_deref()
            .unwrap_or_default()
            .starts_with("Beans · ")),
        "{:?}",
        page.hits
    );

    // The analysis agent writes the run's report on the same model, as a job: whatever the
    // small model wrote, every item kept cites tables it was shown and states only their
    // figures, and the caveats are there whatever it wrote.
    let job = engine
        .surveys()
        .start_report(run.id, &ResultOptions::default())
        .await
        .unwrap();
    let job = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(job.state, JobState::Succeeded, "{:?}", job.last_error);
    let report = engine.surveys().report(run.id).await.unwrap().unwrap();
    // The tables were fitted to the model's 2,048 tokens (asked again with fewer if they did
    // not fit) and its answer, held to the schema, was read.
    assert!(
        report.written_by.starts_with("local/"),
        "{}",
        report.written_by
    );
    assert_eq!(report.items_dropped as usize, report.body.dropped.len());
    assert!(report.items_dropped <= report.items_checked);
    assert!(!report.body.caveats.is_empty());
    // Read again here, apart from the check the writer ran: every table a kept item cites was
    // shown to the model, and every number it writes is written in one of those tables' lines.
    let body = &report.body;
    for item in body
        .findings
        .iter()
        .chain(&body.segments)
        .chain(&body.implications)
        .chain(&body.actions)
    {
        assert!(
            item.tables.iter().all(|t| report.tables.shown.contains(t)),
            "{item:?} cites a table the model was not shown"
        );
        let lines: Vec<&str> = item
            .tables
            .iter()
            .filter_map(|t| report.table(t))
            .map(|l| l.line.as_str())
            .collect();
        for number in item
            .text
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .map(|w| w.trim_matches('.'))
            .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
        {
            assert!(
                lines.iter().any(|l| l.contains(number)),
                "{number} in {item:?} is in none of its tables: {lines:?}"
            );
        }
    }
    let pdf = engine
        .surveys()
        .export_report_file(run.id, ReportFormat::Pdf)
        .await
        .unwrap();
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));

    // The report and the fidelity view in a client deck: every kept item and every caveat as
    // the report holds them, and each question's similarity as the fidelity report has it.
    let people = engine
        .surveys()
        .import_human_for_run(
            run.id,
            "people.csv",
            "buy,like,cups\nshop,4,10\nstore,2,3\nonline,5,14\nshop,3,7\n",
            &[
                ("buy".to_owned(), "buy".to_owned()),
                ("like".to_owned(), "like".to_owned()),
                ("cups".to_owned(), "cups".to_owned()),
            ],
            &[],
        )
        .await
        .unwrap();
    let fidelity = engine
        .surveys()
        .fidelity(run.id, &people.id, None, &ResultOptions::default())
        .await
        .unwrap();
    let spec: pw_engine::decks::DeckSpec = serde_json::from_value(json!({
        "title": "Beans review",
        "sections": [
            { "kind": "survey_report", "run": run.id },
            { "kind": "fidelity", "run": run.id, "set": people.id }
        ]
    }))
    .unwrap();
    let deck = engine.decks().gather(workspace, &spec).await.unwrap();
    let shown: String = deck
        .deck
        .slides
        .iter()
        .map(|slide| match &slide.body {
            pw_engine::decks::SlideBody::Bullets { items } => items.join("\n"),
            _ => String::new(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    for item in body
        .findings
        .iter()
        .chain(&body.segments)
        .chain(&body.implications)
        .chain(&body.actions)
        .chain(&body.caveats)
    {
        assert!(
            shown.contains(&item.text),
            "{} is not in the deck",
            item.text
        );
    }
    let table = deck
        .tables
        .iter()
        .find(|t| t.name.starts_with("Fidelity of "))
        .unwrap();
    assert_eq!(table.rows.len(), fidelity.questions.len());
    for (row, question) in table.rows.iter().zip(&fidelity.questions) {
        assert_eq!(
            row[3],
            question.ks_similarity.map_or(
                pw_engine::decks::Value::Empty,
                pw_engine::decks::Value::from
            )
        );
    }

    // The copilot's survey tool reads the same run's results: the latest completed run of the
    // survey its words name, each question's line from the stored results. (This comes last:
    // analysis is routed to a scripted analyst on loopback from here on.)
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let analyst = crate::specialists::analyst_app(
        vec![("survey_results", json!({"title": "beans"}))],
        |text| text.lines().next().unwrap().to_owned(),
    );
    tokio::spawn(async move { axum::serve(listener, analyst).await });
    crate::evidence::route_analysis_to(&engine, &format!("http://{address}/v1")).await;
    let asked = engine
        .agents()
        .ask(
            workspace,
            "What did the beans survey find?",
            &|_| {},
            &tokio_util::sync::CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        asked.run.outcome,
        pw_engine::agents::Outcome::Answered,
        "{}",
        asked.run.answer
    );
    let cited = &asked.run.citations[0];
    assert_eq!(
        cited.source.kind,
        pw_engine::agents::SourceKind::SurveyResult
    );
    assert_eq!(cited.source.reference, run.id.to_string());
    assert_eq!(cited.data["run_id"], run.id.to_string());
    assert!(cited.text.contains("(4 respondents)"), "{}", cited.text);
    // Every question's line is there, with its stored counts.
    for question in &results.results.questions {
        let counts = format!("{} of {} answered", question.answered, question.asked);
        let line = cited
            .text
            .lines()
            .find(|l| l.starts_with(&format!("{}: {} “", question.table, question.table)));
        assert!(
            line.is_some_and(|l| l.contains(&counts)),
            "{} {counts}: {}",
            question.table,
            cited.text
        );
    }
    engine.shutdown().await;
}
