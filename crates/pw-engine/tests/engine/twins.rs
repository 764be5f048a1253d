//! Sessions with twins through the engine, against an OpenAI-compatible vendor on loopback that
//! streams its turns: a budget reached mid-session pauses it with the gateway's message and
//! raising the budget resumes it; a stream cut off mid-turn is asked again without the turn
//! being stored twice.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{add_team_server, engine, workspace};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use pw_engine::jobs::JobState;
use pw_engine::models::{Route, Task};
use pw_engine::twins::{CallPurpose, CommandKind, SessionStatus, Speaker, TwinId};
use serde_json::{Value, json};

/// Answers twins' turns as a stream (cutting off the `cut_at`-th stream after one piece) and
/// the structured steps as JSON, every call costing 1,000 + 500 tokens.
#[derive(Clone, Default)]
pub(crate) struct SessionServer {
    streams: Arc<AtomicUsize>,
    calls: Arc<AtomicUsize>,
    cut_at: Arc<Mutex<Option<usize>>>,
}

fn sse(data: &str) -> Result<Bytes, std::io::Error> {
    Ok(Bytes::from(format!("data: {data}\n\n")))
}

async fn completions(State(server): State<SessionServer>, Json(body): Json<Value>) -> Response {
    server.calls.fetch_add(1, Ordering::SeqCst);
    let last = body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_owned();
    if body["stream"] == json!(true) {
        let n = server.streams.fetch_add(1, Ordering::SeqCst) + 1;
        let chunk = |text: &str| {
            sse(
                &json!({ "id": "c", "object": "chat.completion.chunk", "model": "qwen-7b",
                "choices": [{ "index": 0, "delta": { "content": text }, "finish_reason": null }] })
                .to_string(),
            )
        };
        // Each turn says something new (a turn repeating an earlier one is an echo).
        let said = [
            "the box would make a lovely present for my sister.",
            "honestly the price worries me more than the design.",
            "I would want to see which beans are inside first.",
            "it looks premium, but I already buy beans every month.",
        ][n % 4];
        let mut frames = vec![chunk("I think "), chunk(said)];
        if *server.cut_at.lock().unwrap() == Some(n) {
            frames.truncate(1);
            frames.push(Err(std::io::Error::other("connection dropped by the test")));
        } else {
            frames.push(sse(
                &json!({ "id": "c", "object": "chat.completion.chunk", "model": "qwen-7b",
                "choices": [{ "index": 0, "delta": {}, "finish_reason": "stop" }] })
                .to_string(),
            ));
            frames.push(sse(&json!({ "id": "c", "object": "chat.completion.chunk", "model": "qwen-7b",
                "choices": [], "usage": { "prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500 } }).to_string()));
            frames.push(sse("[DONE]"));
        }
        let stream = futures::stream::iter(frames).then(|frame| async move {
            tokio::time::sleep(Duration::from_millis(2)).await;
            frame
        });
        return Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from_stream(stream))
            .unwrap();
    }
    let answer = if last.contains("how strongly") {
        json!({ "urges": [6, 4] })
    } else if last.contains("Write the session's insights") {
        // One theme quoting the first turn shown, as the writer numbers them.
        json!({ "themes": [{ "title": "Gifting", "summary": "The box reads as a present.", "quotes": ["T1"] }],
                "agreements": [], "disagreements": [], "actions": [] })
    } else if last.contains("goals_met") {
        json!({ "goals_met": [], "last_answer_vague": false })
    } else {
        json!({ "verdict": "consistent", "reason": "", "stance": "leaning_for" })
    };
    Json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "qwen-7b",
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": answer.to_string() }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500 }
    }))
    .into_response()
}

pub(crate) async fn start_server() -> (SessionServer, String) {
    let server = SessionServer::default();
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(completions))
        .with_state(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (server, format!("http://{address}/v1"))
}

/// Routes the twins' turns, the moderator's steps and the persona checks to the server, at
/// $1/M input and $2/M output tokens.
pub(crate) async fn route_to(engine: &pw_engine::Engine, base_url: &str) {
    add_team_server(engine, base_url).await;
    for task in [Task::Moderation, Task::Extraction] {
        engine
            .models()
            .set_task_route(task, vec![Route::new("team-vllm", "qwen-7b")])
            .await
            .unwrap();
    }
}

/// Two twins written straight into the database (their creation has its own tests).
pub(crate) async fn two_twins(dir: &std::path::Path, workspace: &str) -> Vec<TwinId> {
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.join("profitwheel.sqlite3").display()
    ))
    .await
    .unwrap();
    let now = "2026-11-29T09:00:00.000Z";
    let mut ids = Vec::new();
    for (n, name) in ["Maya R.", "Leo K."].iter().enumerate() {
        let id = TwinId::new();
        let profile = json!({
            "summary": "Brews at home.", "demographics": { "age": 30 + n, "gender": "any", "location": "US", "occupation": "teacher" },
            "psychographics": ["values craft"], "goals": [], "pain_points": ["slow shipping"], "media_habits": [],
            "brand_relationship": "Tried it once.", "objections": [], "voice": { "vocabulary": [], "typical_words": 40, "register": "casual" }
        });
        sqlx::query("INSERT INTO twins (id, workspace_id, name, persona, created_at, updated_at, memory_clock) VALUES (?, ?, ?, ?, ?, ?, 1)")
            .bind(id.to_string()).bind(workspace).bind(name).bind(profile.to_string()).bind(now).bind(now)
            .execute(&db).await.unwrap();
        sqlx::query("INSERT INTO twin_memories (id, workspace_id, twin_id, kind, content, importance, created_at, fragment, seq, last_accessed, written_by) VALUES (?, ?, ?, 'grounding', 'Shipping took nine days last time.', 5, ?, 'note', 0, 1, 'user')")
            .bind(uuid::Uuid::now_v7().to_string()).bind(workspace).bind(id.to_string()).bind(now)
            .execute(&db).await.unwrap();
        ids.push(id);
    }
    db.close().await;
    ids
}

const GUIDE: &str = r#"
title = "Gift box"
[[sections]]
name = "First look"
goals = ["First impression"]
questions = ["What do you notice first?"]
turn_budget = 3
"#;

#[tokio::test]
async fn a_spent_budget_pauses_a_session_and_a_raised_one_resumes_it_and_a_cut_stream_is_asked_again()
 {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = start_server().await;
    let engine = engine(dir.path(), "twins-budget").await;
    route_to(&engine, &base_url).await;
    let workspace = workspace(&engine, "Twins client").await;
    let twins = two_twins(dir.path(), &workspace.to_string()).await;
    // The second twin turn's stream is cut off after its first piece.
    *server.cut_at.lock().unwrap() = Some(2);
    engine.start_workers().await;

    let plan = engine
        .twins()
        .estimate_focus_group(workspace, GUIDE, 2)
        .await
        .unwrap();
    assert!(plan.cost_micros.unwrap() > 0, "priced on the team's model");
    assert_eq!(plan.models["twin_dialogue"], "team-vllm/qwen-7b");
    // $0.012 holds about six calls at $0.002: the session runs out part way.
    let (session, job) = engine
        .twins()
        .start_focus_group(workspace, GUIDE, &twins, Some(5), Some(12_000))
        .await
        .unwrap();
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    let paused = engine.twins().session(session.id).await.unwrap();
    assert_eq!(paused.session.status, SessionStatus::Scheduled);
    let reason = paused.session.paused_reason.clone().unwrap();
    assert!(
        reason.contains("model budget; raise the budget to continue"),
        "{reason}"
    );
    let before = paused.turns.len();
    assert!(before > 0 && paused.turns.last().unwrap().act != pw_engine::twins::Act::Closing);

    // Raising the budget and resuming carries on from the last stored turn.
    engine
        .models()
        .set_study_budget(session.study_id, Some(1_000_000))
        .await
        .unwrap();
    let resumed = engine
        .twins()
        .command(session.id, CommandKind::Resume, "")
        .await
        .unwrap()
        .unwrap();
    let done = engine.jobs().wait(&resumed.id, |_| {}).await.unwrap();
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    let view = engine.twins().session(session.id).await.unwrap();
    assert_eq!(view.session.status, SessionStatus::Completed);
    let seqs: Vec<i64> = view.turns.iter().map(|t| t.seq).collect();
    assert_eq!(seqs, (0..view.turns.len() as i64).collect::<Vec<_>>());
    let answers: Vec<_> = view
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Twin)
        .collect();
    assert_eq!(answers.len(), 3, "the section's budget of three turns");
    // The cut stream was asked again: one more stream than stored turns, and no stored turn
    // holds the cut-off words alone.
    assert_eq!(server.streams.load(Ordering::SeqCst), answers.len() + 1);
    for answer in &answers {
        assert!(
            answer.says.starts_with("I think ") && answer.says.ends_with('.'),
            "{}",
            answer.says
        );
    }
    // The resumed run's record holds each call once; the cut stream, never answered, is not
    // in it, and the whole session replays from the cache.
    let report = engine.twins().replay(session.id).await.unwrap();
    assert_eq!(
        report.calls as usize,
        server.calls.load(Ordering::SeqCst) - 1,
        "{report:?}"
    );
    assert_eq!(report.reproduced, report.calls, "{report:?}");
    assert_eq!(report.traced, answers.len() as u32);
    let spend = engine
        .models()
        .workspace_spend(workspace, 30)
        .await
        .unwrap();
    assert!(
        spend.total_micros > 12_000,
        "the resumed run spent past the first cap"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn a_finished_session_replays_from_the_cache_with_zero_calls_and_a_changed_turn_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = start_server().await;
    let engine = engine(dir.path(), "twins-replay").await;
    route_to(&engine, &base_url).await;
    let workspace = workspace(&engine, "Twins client").await;
    let twins = two_twins(dir.path(), &workspace.to_string()).await;
    engine.start_workers().await;
    let (session, job) = engine
        .twins()
        .start_focus_group(workspace, GUIDE, &twins, Some(9), None)
        .await
        .unwrap();
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    let view = engine.twins().session(session.id).await.unwrap();
    assert_eq!(view.session.status, SessionStatus::Completed);
    let answers = view
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Twin)
        .count() as u32;
    let asked = server.calls.load(Ordering::SeqCst);
    // The manifest holds the temperatures; the view, the models that actually answered.
    assert_eq!(
        view.session.manifest["temperatures"]["twin_turn"],
        json!(0.7)
    );
    for purpose in [
        CallPurpose::Reply,
        CallPurpose::Check,
        CallPurpose::Judgement,
    ] {
        assert!(
            view.answered_by
                .iter()
                .any(|(p, models)| *p == purpose && models == &["team-vllm/qwen-7b".to_owned()]),
            "{:?}",
            view.answered_by
        );
    }

    let study_calls = |spend: pw_engine::models::WorkspaceSpend| {
        spend
            .by_study
            .iter()
            .find(|s| s.study_id == session.study_id)
            .unwrap()
            .calls
    };
    let calls_before = study_calls(
        engine
            .models()
            .workspace_spend(workspace, 30)
            .await
            .unwrap(),
    );
    // Offline, the replay still finds every answer: each call is asked of the model that
    // answered it, from the cache, and nothing leaves the machine.
    engine.models().set_offline(true).await.unwrap();
    let report = engine.twins().replay(session.id).await.unwrap();
    engine.models().set_offline(false).await.unwrap();
    assert_eq!(
        server.calls.load(Ordering::SeqCst),
        asked,
        "a replay asks no model"
    );
    // Replies, persona checks, urges and the moderator's judgements: every call the session
    // made was kept once and answered again, exactly, from the cache.
    assert_eq!(report.calls as usize, asked, "{report:?}");
    assert_eq!(
        study_calls(
            engine
                .models()
                .workspace_spend(workspace, 30)
                .await
                .unwrap()
        ),
        calls_before,
        "a replay is not counted among the study's calls"
    );
    assert_eq!(report.reproduced, report.calls, "{report:?}");
    assert!(report.missing.is_empty() && report.differing.is_empty());
    assert_eq!((report.answers, report.traced), (answers, answers));

    // A turn whose words were changed after the session no longer traces to its reply.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("profitwheel.sqlite3").display()
    ))
    .await
    .unwrap();
    let changed = view
        .turns
        .iter()
        .find(|t| t.speaker == Speaker::Twin)
        .unwrap()
        .seq;
    sqlx::query("UPDATE transcript_turns SET says = 'I never liked coffee.' WHERE session_id = ? AND seq = ?")
        .bind(session.id.to_string())
        .bind(changed)
        .execute(&db)
        .await
        .unwrap();
    let report = engine.twins().replay(session.id).await.unwrap();
    assert_eq!(report.untraced, vec![changed]);
    assert!(report.unrecorded.is_empty());
    assert_eq!(report.traced, answers - 1);

    // With the cache cleared, the replay says what it could not answer and still calls nothing.
    sqlx::query("DELETE FROM llm_cache")
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let report = engine.twins().replay(session.id).await.unwrap();
    assert_eq!(server.calls.load(Ordering::SeqCst), asked);
    assert_eq!(report.missing.len() as u32, report.calls);
    assert_eq!(report.reproduced, 0);
    // With nothing replayed, no answer can be traced, and none is called altered.
    assert_eq!(report.unrecorded.len() as u32, answers);
    assert!(report.untraced.is_empty());
    assert!(
        report.missing[0].detail.contains("cache"),
        "{}",
        report.missing[0].detail
    );
    engine.shutdown().await;
}
