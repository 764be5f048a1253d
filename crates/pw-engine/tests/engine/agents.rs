//! The workspace copilot on the demo workspace, its model an OpenAI-compatible server over
//! loopback that plays the steps a model would: it looks at the metrics by platform, then
//! answers with a figure from that result, citing it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use pw_engine::agents::{Outcome, SourceKind, StepEvent};
use pw_engine::jobs::JobState;
use pw_engine::models::{Route, Task};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::evidence::demo_copy;
use crate::support;

pub(crate) use support::copilot_analyst::reply;

/// Serves `app` over loopback as the vendor `team-vllm` of the engine.
pub(crate) async fn serve_vendor(engine: &pw_engine::Engine, app: axum::Router) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    support::add_team_server(engine, &format!("http://{address}/v1")).await;
}

/// Answers the copilot's steps: a metrics call first; then, with the result in the
/// conversation, an answer quoting its first line's spend.
#[derive(Clone, Default)]
struct CopilotModel {
    requests: Arc<Mutex<Vec<Value>>>,
}

async fn completions(State(model): State<CopilotModel>, Json(body): Json<Value>) -> Json<Value> {
    model.requests.lock().unwrap().push(body.clone());
    let messages = body["messages"].as_array().unwrap();
    let last = messages.last().unwrap()["content"]
        .as_str()
        .unwrap_or_default();
    let step = if let Some(result) = last.strip_prefix("R1 (workspace_metrics): ") {
        // The spend on the first platform line, as the result states it.
        let line = result.lines().nth(1).unwrap_or_default();
        let spend = line
            .split("spend ")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .unwrap_or_default();
        json!({"action": "answer", "text": format!("The first platform spent {spend} last week."), "citations": ["R1"]})
    } else {
        json!({"action": "call", "tool": "workspace_metrics", "arguments": {"by": "platform"}})
    };
    reply(&body, &step, 900, 60)
}

#[tokio::test]
async fn the_copilot_answers_from_the_workspaces_metrics_citing_them() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = demo_copy(dir.path(), "copilot").await;

    let model = CopilotModel::default();
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(completions))
        .with_state(model.clone());
    serve_vendor(&engine, app).await;
    engine
        .models()
        .set_task_route(Task::Analysis, vec![Route::new("team-vllm", "qwen-7b")])
        .await
        .unwrap();

    let events = Mutex::new(Vec::new());
    let asked = engine
        .agents()
        .ask(
            workspace,
            "How much did each platform spend last week?",
            &|e| events.lock().unwrap().push(e),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let run = &asked.run;
    assert_eq!(run.outcome, Outcome::Answered, "{}", run.answer);
    assert_eq!(run.citations.len(), 1);
    let cited = &run.citations[0];
    assert_eq!(cited.source.kind, SourceKind::MetricsQuery);
    // The figure in the answer is the one the metrics result states.
    let first_line = cited.text.lines().nth(1).unwrap();
    let spend = first_line
        .split("spend ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    assert!(run.answer.contains(spend), "{} / {first_line}", run.answer);
    // The result is the workspace's own numbers: seven days, by platform, in its currency.
    let rows = cited.data["rows"].as_array().unwrap();
    assert!(rows.len() >= 2, "the demo runs several platforms: {rows:?}");
    assert!(
        cited.text.starts_with("Metrics by platform, "),
        "{}",
        cited.text
    );
    // The run is kept: listed newest first, and reread with the result it cites as it was.
    let kept = engine.agents().runs(workspace, None, 10).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].id, asked.id);
    assert_eq!(
        kept[0].question,
        "How much did each platform spend last week?"
    );
    assert_eq!((kept[0].model_calls, kept[0].input_tokens), (2, 1800));
    let reread = engine
        .agents()
        .kept_run(workspace, &asked.id)
        .await
        .unwrap();
    assert_eq!(reread.answer, run.answer);
    assert_eq!(reread.citations, run.citations);
    assert_eq!(reread.outcome, Outcome::Answered);
    let missing = engine.agents().kept_run(workspace, "no-such-run").await;
    assert_eq!(missing.unwrap_err().kind(), pw_engine::ErrorKind::NotFound);
    // Each step was sent to the vendor held to the step schema.
    let requests = model.requests.lock().unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["response_format"]["type"], "json_schema");
    assert!(
        events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, StepEvent::Result { tool, .. } if tool == "workspace_metrics"))
    );
}

#[tokio::test]
async fn the_evaluation_measures_the_copilot_on_answers_computed_from_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = demo_copy(dir.path(), "copilot-eval").await;

    let app = axum::Router::new()
        .route(
            "/v1/chat/completions",
            axum::routing::post(support::copilot_analyst::answer),
        )
        .with_state(support::copilot_analyst::Analyst {
            wrong_on_purpose: true,
            latency: std::time::Duration::ZERO,
        });
    serve_vendor(&engine, app).await;

    let heard = Mutex::new(0);
    // The analysis task has no route to the server: `--model` alone sends the questions there.
    let report = engine
        .agents()
        .eval(
            workspace,
            Some(Route::new("team-vllm", "qwen-7b")),
            &|done, total, _| {
                *heard.lock().unwrap() += 1;
                assert!(done <= total);
            },
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert!(report.questions >= 30, "{} questions", report.questions);
    assert_eq!(*heard.lock().unwrap(), report.questions);
    let impressions = report
        .scores
        .iter()
        .filter(|s| s.id.starts_with("impressions/"))
        .count();
    assert!(impressions >= 2, "one per platform of the demo");
    // Every answer is right but the impressions ones, which cite a result that states the
    // right figure beside the wrong one they gave.
    for score in &report.scores {
        assert_eq!(
            score.correct,
            !score.id.starts_with("impressions/"),
            "{score:?}"
        );
        assert!(score.citations_valid, "{score:?}");
        assert_eq!(score.outcome, Outcome::Answered);
    }
    let expected_accuracy = (report.questions - impressions) as f64 / report.questions as f64;
    assert!((report.accuracy - expected_accuracy).abs() < 1e-12);
    assert_eq!(report.citation_validity, 1.0);
    assert_eq!(report.model_calls_per_answer, 2.0);
    assert_eq!(report.input_tokens_per_answer, 1800.0);
    // Two calls of 900 prompt tokens at $1 and 60 reply tokens at $2 per million.
    assert_eq!(report.cost_micros_per_answer, Some(2040.0));
    // Measurements are not questions someone asked: nothing is kept.
    assert!(
        engine
            .agents()
            .runs(workspace, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// The budget agent's model: reads the plan, then reports its expected change, citing it.
async fn budget_analyst(Json(body): Json<Value>) -> Json<Value> {
    let messages = body["messages"].as_array().unwrap();
    let last = messages.last().unwrap()["content"]
        .as_str()
        .unwrap_or_default();
    let step = match last.strip_prefix("R1 (budget_plan): ") {
        None => json!({"action": "call", "tool": "budget_plan", "arguments": {}}),
        Some(plan) => {
            let change = plan
                .split("a change of ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap();
            json!({"action": "answer", "text": format!("Moving budget as planned changes daily conversions by {change}."), "citations": ["R1"]})
        }
    };
    reply(&body, &step, 1200, 80)
}

#[tokio::test]
async fn the_budget_agent_reports_a_split_from_the_campaigns_curves_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = demo_copy(dir.path(), "budget-agent").await;

    let app =
        axum::Router::new().route("/v1/chat/completions", axum::routing::post(budget_analyst));
    serve_vendor(&engine, app).await;
    engine
        .models()
        .set_task_route(Task::Analysis, vec![Route::new("team-vllm", "qwen-7b")])
        .await
        .unwrap();

    let listed = engine.agents().specialists(workspace).await.unwrap();
    assert_eq!(listed[0].0.name, "budget");
    assert!(listed[0].1.is_none(), "never run here yet");

    let asked = engine
        .agents()
        .run_specialist(workspace, "budget", &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let run = &asked.run;
    assert_eq!(run.outcome, Outcome::Answered, "{}", run.answer);
    let plan = &run.citations[0].data;
    assert_eq!(run.citations[0].source.kind, SourceKind::Statistic);
    let campaigns = plan["campaigns"].as_array().unwrap();
    // Every campaign that spent lately is planned or left out with a reason.
    let left_out = plan["left_out"].as_array().unwrap();
    assert!(
        campaigns.len() >= 5,
        "the demo's campaigns are fitted: {plan}"
    );
    assert!(
        left_out.iter().all(|l| !l[1].as_str().unwrap().is_empty()),
        "{plan}"
    );
    // The model read the headline on the result's first page, before the campaign lines.
    let text = &run.citations[0].text;
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("Expected conversions a day:"),
        "{text}"
    );
    // The split moves budget and never adds to it; the curves expect no fewer conversions.
    let sum = |key: &str| -> f64 { campaigns.iter().map(|c| c[key].as_f64().unwrap()).sum() };
    assert!((sum("daily_spend_now") - sum("daily_spend_proposed")).abs() < 1e-6);
    let (now, proposed) = (
        plan["conversions_now"].as_f64().unwrap(),
        plan["conversions_proposed"].as_f64().unwrap(),
    );
    assert!(proposed >= now - 1e-6, "{now} -> {proposed}");
    let (low, high) = (
        plan["change_low"].as_f64().unwrap(),
        plan["change_high"].as_f64().unwrap(),
    );
    assert!(low <= high);
    assert!(
        run.answer.contains("changes daily conversions by +"),
        "{}",
        run.answer
    );

    let listed = engine.agents().specialists(workspace).await.unwrap();
    assert_eq!(listed[0].1.as_ref().unwrap().id, asked.id);
    let unknown = engine
        .agents()
        .run_specialist(workspace, "astrology", &|_| {}, &CancellationToken::new())
        .await;
    assert_eq!(
        unknown.unwrap_err().kind(),
        pw_engine::ErrorKind::InvalidInput
    );
}

/// The embedded model (a 135M-parameter model, no vendor configured) asked the copilot: held by
/// its grammar, its first step looks with a tool, and the run ends, answered or stopped, on
/// results that answered, kept with the ones it cites.
#[tokio::test]
async fn the_copilot_looks_first_and_cites_what_it_found_on_the_embedded_model() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = demo_copy(dir.path(), "copilot-local").await;
    let events = Mutex::new(Vec::new());
    let asked = engine
        .agents()
        .ask(
            workspace,
            "Which platform had the most spend last week?",
            &|e| events.lock().unwrap().push(e),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let events = events.into_inner().unwrap();
    assert!(
        matches!(events.get(1), Some(StepEvent::Calling { id, .. }) if id == "R1"),
        "{events:?}"
    );
    let steps = &asked.run.record.steps;
    assert!(
        steps.iter().all(|s| s.answered_by.starts_with("local/")),
        "{:?}",
        steps.iter().map(|s| &s.answered_by).collect::<Vec<_>>()
    );
    assert!(!asked.run.citations.is_empty(), "{:?}", asked.run.outcome);
    for cited in &asked.run.citations {
        let answered = steps
            .iter()
            .filter_map(|s| s.result.as_ref())
            .any(|r| r.id == cited.id && r.output.as_ref().is_some_and(|o| o.text == cited.text));
        assert!(answered, "{} is not a result that answered", cited.id);
    }
    let kept = engine
        .agents()
        .kept_run(workspace, &asked.id)
        .await
        .unwrap();
    assert_eq!(kept.citations, asked.run.citations);
    assert_eq!(kept.outcome, asked.run.outcome);
}

/// A specialist runs in the background as a job (its report kept like any run) and on a
/// schedule of the workspace's; a schedule that cannot be read is refused.
#[tokio::test]
async fn a_specialist_runs_as_a_job_and_keeps_a_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = demo_copy(dir.path(), "budget-job").await;
    let app =
        axum::Router::new().route("/v1/chat/completions", axum::routing::post(budget_analyst));
    serve_vendor(&engine, app).await;
    engine
        .models()
        .set_task_route(Task::Analysis, vec![Route::new("team-vllm", "qwen-7b")])
        .await
        .unwrap();

    let agents = engine.agents();
    let set = agents
        .schedule_specialist(workspace, "budget", Some("0 7 * * MON"))
        .await
        .unwrap();
    assert_eq!(set.as_deref(), Some("0 7 * * MON"));
    assert_eq!(
        agents.specialist_schedules(workspace).await.unwrap(),
        vec![("budget".to_owned(), "0 7 * * MON".to_owned())]
    );
    let unreadable = agents
        .schedule_specialist(workspace, "budget", Some("every monday"))
        .await;
    assert_eq!(
        unreadable.unwrap_err().kind(),
        pw_engine::ErrorKind::InvalidInput
    );
    let unknown = agents
        .schedule_specialist(workspace, "astrology", Some("0 7 * * MON"))
        .await;
    assert_eq!(
        unknown.unwrap_err().kind(),
        pw_engine::ErrorKind::InvalidInput
    );
    assert_eq!(
        agents
            .schedule_specialist(workspace, "budget", None)
            .await
            .unwrap(),
        None
    );
    assert!(
        agents
            .specialist_schedules(workspace)
            .await
            .unwrap()
            .is_empty()
    );

    let job = agents.start_specialist(workspace, "budget").await.unwrap();
    assert_eq!(job.kind, pw_engine::agents::SPECIALIST_JOB_KIND);
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    let result = done.result.unwrap();
    assert_eq!(result["answered"], true, "{result}");
    let listed = agents.specialists(workspace).await.unwrap();
    assert_eq!(
        listed[0].1.as_ref().unwrap().id,
        result["run_id"].as_str().unwrap()
    );
}
