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
use pw_engine::workspaces::WorkspaceId;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::support;

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
    Json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": step.to_string()}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 900, "completion_tokens": 60, "total_tokens": 960}
    }))
}

#[tokio::test]
async fn the_copilot_answers_from_the_workspaces_metrics_citing_them() {
    let dir = tempfile::tempdir().unwrap();
    let engine = support::engine(dir.path(), "copilot").await;
    engine.start_workers().await;
    let job = engine.workspaces().start_demo().await.unwrap();
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    let workspace: WorkspaceId = done.workspace_id.as_deref().unwrap().parse().unwrap();

    let model = CopilotModel::default();
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(completions))
        .with_state(model.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    support::add_team_server(&engine, &format!("http://{address}/v1")).await;
    engine
        .models()
        .set_task_route(Task::Analysis, vec![Route::new("team-vllm", "qwen-7b")])
        .await
        .unwrap();

    let events = Mutex::new(Vec::new());
    let run = engine
        .agents()
        .ask(
            workspace,
            "How much did each platform spend last week?",
            &|e| events.lock().unwrap().push(e),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
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
