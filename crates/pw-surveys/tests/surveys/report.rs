//! The analysis agent on a real SQLite file: a run answered by scripted respondents, its report
//! written by a scripted analyst whose items are checked against the result tables they cite
//! (wrong figures, unknown tables and segment claims without a crosstab dropped and counted),
//! caveats read from the diagnostics, versions kept, and the report exported as Markdown and PDF.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support;

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use pw_llm::{ChatReply, ChatRequest, Gateway, LlmError, LocalBackend, Route, Task, Usage};
use pw_surveys::answering::{RunAnswering, RunOutcome};
use pw_surveys::figure_check::{Dropped, check_item};
use pw_surveys::results::ResultOptions;
use pw_surveys::{ReportFormat, RunRequest, UniverseChoice};
use serde_json::{Value, json};
use support::*;
use tokio_util::sync::CancellationToken;

/// An analyst that answers with the text it is given, and keeps what it was asked. With a
/// context, a prompt longer than it is refused as too long, as the embedded model does.
struct Analyst {
    answer: Mutex<String>,
    asked: Mutex<Vec<ChatRequest>>,
    context_characters: Mutex<Option<usize>>,
}

impl LocalBackend for Analyst {
    fn model(&self) -> &str {
        "analyst"
    }

    fn identity(&self) -> &str {
        "analyst-v1"
    }

    fn generate<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_token: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<ChatReply, LlmError>> {
        self.asked.lock().unwrap().push(request.clone());
        let text = self.answer.lock().unwrap().clone();
        let prompt: usize = request.messages.iter().map(|m| m.content.len()).sum();
        let too_long = self
            .context_characters
            .lock()
            .unwrap()
            .filter(|&most| prompt > most);
        Box::pin(async move {
            if let Some(most) = too_long {
                // Counted as the embedded model counts: the prompt's tokens and the reply's.
                return Err(LlmError::ContextTooLong {
                    vendor: "analyst".into(),
                    requested: (prompt / 2) as u32 + 850,
                    limit: (most / 2) as u32 + 850,
                });
            }
            on_token(&text);
            Ok(ChatReply {
                text,
                vendor: "local".into(),
                model: "analyst".into(),
                usage: Usage {
                    input_tokens: 100,
                    output_tokens: 100,
                },
                finish_reason: Some("stop".into()),
            })
        })
    }
}

fn gateway_with(respondents: Arc<Respondents>, analyst: Arc<Analyst>) -> Arc<Gateway> {
    let mut gateway = Gateway::new();
    gateway.add_local("local", respondents);
    gateway.add_local("analyst", analyst);
    gateway.add_local_embedder("local-embed", Arc::new(WordEmbedder));
    gateway.set_route(Task::TwinDialogue, vec![Route::new("local", "respondents")]);
    gateway.set_route(Task::Analysis, vec![Route::new("analyst", "analyst")]);
    gateway.set_route(Task::Embeddings, vec![Route::new("local-embed", "words")]);
    Arc::new(gateway)
}

fn item(text: &str, tables: &[&str]) -> Value {
    json!({ "text": text, "tables": tables })
}

#[tokio::test]
async fn a_report_keeps_only_items_whose_figures_its_cited_tables_state() {
    let (_dir, db) = seeded().await;
    let analyst = Arc::new(Analyst {
        answer: Mutex::new(String::new()),
        asked: Mutex::new(Vec::new()),
        context_characters: Mutex::new(None),
    });
    let gateway = gateway_with(Respondents::new(), analyst.clone());
    let surveys = surveys(&db, gateway.clone());
    let survey = surveys.import(ws(), SURVEY).await.unwrap();
    let run = surveys
        .start_run(
            ws(),
            &RunRequest {
                survey: survey.summary.id,
                respondents: 60,
                seed: Some(11),
                universe: UniverseChoice::default(),
                concurrency: Some(4),
            },
        )
        .await
        .unwrap();
    let options = ResultOptions::default();
    let refused = surveys.start_report(run.id, &options).await.unwrap_err();
    assert!(refused.to_string().contains("still answering"), "{refused}");
    let cancel = CancellationToken::new();
    let outcome = RunAnswering {
        db: &db,
        gateway: &gateway,
        run: run.id,
        job_id: None,
        cancel: &cancel,
        on_progress: &|_| {},
    }
    .run()
    .await
    .unwrap();
    assert_eq!(outcome, RunOutcome::Completed);
    let job = surveys.start_report(run.id, &options).await.unwrap();
    assert_eq!(job.kind, pw_surveys::REPORT_JOB_KIND);
    // Asked again while that one waits, the same job is handed back: one report at a time.
    let again = surveys.start_report(run.id, &options).await.unwrap();
    assert_eq!(again.id, job.id);

    // The analyst states the grocery store's share as the results give it, and a second time
    // seven points off.
    let results = surveys.results(run.id, &options).await.unwrap();
    let buy = &results.results.questions[0];
    let store = buy.shares.iter().find(|s| s.key == "store").unwrap();
    let share = (store.share * 100.0).round();
    *analyst.answer.lock().unwrap() = json!({
        "findings": [
            item(&format!("{share:.0}% buy their beans at a grocery store."), &["Q:buy"]),
            item(&format!("{:.0}% buy their beans at a grocery store.", share + 7.0), &["Q:buy"]),
            item("Most want fresher beans.", &["Q:nothing"]),
        ],
        "segments": [ item("Coffee lovers buy at the grocery store more.", &["Q:buy"]) ],
        "implications": [ item("Trying new roasts needs confirming with people.", &["D:like"]) ],
        "actions": [ item("Re-field the survey to more than the 60 respondents here.", &["W:weights"]) ]
    })
    .to_string();

    let report = surveys.write_report(run.id, &options, None).await.unwrap();
    assert_eq!(report.version, 1);
    assert_eq!(report.written_by, "local/analyst");
    assert_eq!((report.items_checked, report.items_dropped), (6, 3));
    let texts = |items: &[pw_surveys::analysis_tables::CitedItem]| -> Vec<String> {
        items.iter().map(|i| i.text.clone()).collect()
    };
    assert_eq!(
        texts(&report.body.findings),
        [format!("{share:.0}% buy their beans at a grocery store.")]
    );
    assert_eq!(report.body.findings[0].tables, ["Q:buy"]);
    assert!(
        report.body.segments.is_empty(),
        "a segment needs a crosstab"
    );
    // What was left out is kept, with why.
    let reasons: Vec<(&str, String)> = report
        .body
        .dropped
        .iter()
        .map(|d| (d.section.as_str(), d.reason.clone()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "findings",
                format!("{:.0}% is not a figure of the tables it cites", share + 7.0)
            ),
            (
                "findings",
                "it cites Q:nothing, a table it was not shown".to_owned()
            ),
            (
                "segments",
                "a difference between groups needs a crosstab (X:) and it cites none".to_owned()
            ),
        ]
    );
    assert_eq!(report.body.implications.len(), 1);
    assert_eq!(report.body.actions[0].tables, ["W:weights"]);
    // The caveats are the diagnostics', not the model's: the first says the answers are
    // synthetic, and every one cites a table the report keeps.
    assert!(report.body.caveats[0].text.contains("60 respondents"));
    for caveat in &report.body.caveats {
        for table in &caveat.tables {
            assert!(report.table(table).is_some(), "{table} is not kept");
        }
    }

    // The model was shown the tables and could cite only those.
    let asked = analyst.asked.lock().unwrap().last().cloned().unwrap();
    let prompt = &asked.messages[1].content;
    let buy_line = report.table("Q:buy").unwrap();
    assert!(prompt.contains(&buy_line.line), "{prompt}");
    assert!(
        buy_line
            .line
            .contains(&format!("A grocery store {share:.0}%"))
    );
    let allowed = &asked.json_schema.as_ref().unwrap()["properties"]["findings"]["items"]["properties"]
        ["tables"]["items"]["enum"];
    assert_eq!(allowed.as_array().unwrap().len(), report.tables.shown.len());
    // Every table's own words hold against it: no figure is shown that the check would not
    // find.
    let ids: Vec<&str> = results
        .survey
        .questions
        .iter()
        .map(|q| q.id.as_str())
        .collect();
    for line in &report.tables.lines {
        assert!(
            check_item(
                &line.line,
                std::slice::from_ref(&line.table),
                &report.tables.lines,
                &ids,
                false
            )
            .is_ok(),
            "{}",
            line.line
        );
    }
    assert_eq!(
        check_item(
            "99% agree",
            &["Q:like".into()],
            &report.tables.lines,
            &ids,
            false
        )
        .unwrap_err(),
        Dropped::Figure("99%".into())
    );

    // It is stored, and exported with each item's tables and the tables cited.
    assert_eq!(surveys.report(run.id).await.unwrap().unwrap(), report);
    let (version, markdown) = surveys
        .export_report(run.id, ReportFormat::Markdown)
        .await
        .unwrap();
    assert_eq!(version, 1);
    let markdown = String::from_utf8(markdown).unwrap();
    assert!(markdown.contains("## Findings"));
    assert!(markdown.contains("_Tables: Q:buy_"));
    assert!(markdown.contains("## Caveats"));
    assert!(markdown.contains(&buy_line.line), "{markdown}");
    assert!(markdown.contains("No difference between groups held up"));
    assert!(
        !markdown.contains(&format!("{:.0}% buy", share + 7.0)),
        "a figure that did not hold never reaches a client's file"
    );
    assert!(markdown.contains("3 of 6 items the model wrote were dropped"));
    let (_, pdf) = surveys
        .export_report(run.id, ReportFormat::Pdf)
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.ends_with(b"%%EOF\n") || pdf.ends_with(b"%%EOF"));

    // Written again, the model is asked again (not answered from the cache) for a new version.
    let calls_before = analyst.asked.lock().unwrap().len();
    let again = surveys.write_report(run.id, &options, None).await.unwrap();
    assert_eq!(analyst.asked.lock().unwrap().len(), calls_before + 1);
    assert_eq!(again.version, 2);

    // A model whose context holds only some tables is asked again with fewer: the prompt that
    // was refused as too long is followed by one that fits, and the report says which tables
    // the model read.
    let all = report.tables.lines.len();
    let first_prompt = asked
        .messages
        .iter()
        .map(|m| m.content.len())
        .sum::<usize>();
    *analyst.context_characters.lock().unwrap() = Some(first_prompt * 2 / 3);
    let calls_before = analyst.asked.lock().unwrap().len();
    let fitted = surveys.write_report(run.id, &options, None).await.unwrap();
    let calls = analyst.asked.lock().unwrap().len() - calls_before;
    assert!((2..=3).contains(&calls), "{calls} asks");
    assert!(
        fitted.tables.shown.len() < all && !fitted.tables.shown.is_empty(),
        "{} of {all} tables read",
        fitted.tables.shown.len()
    );
    assert_eq!(
        fitted.tables.shown[0], "W:weights",
        "the weights and questions go first"
    );
    assert_eq!(fitted.written_by, "local/analyst");
    *analyst.context_characters.lock().unwrap() = None;

    // A model whose answer is broken, and broken again when asked for a shorter one, leaves a
    // report of caveats and nothing of its own, as a new version.
    *analyst.answer.lock().unwrap() = "{\"findings\": [".into();
    let calls_before = analyst.asked.lock().unwrap().len();
    let broken = surveys.write_report(run.id, &options, None).await.unwrap();
    assert_eq!(analyst.asked.lock().unwrap().len(), calls_before + 2);
    assert_eq!(broken.version, 4);
    assert!(broken.written_by.contains("no usable answer"));
    assert_eq!((broken.items_checked, broken.items_dropped), (0, 0));
    assert!(broken.body.findings.is_empty());
    assert_eq!(broken.body.caveats, report.body.caveats);
}
