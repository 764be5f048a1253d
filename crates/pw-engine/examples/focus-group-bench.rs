//! Focus-group benchmark: a 20-turn session of six twins, first against an OpenAI-compatible
//! server on loopback that answers every call after a fixed 200 ms, then on the embedded local
//! model. Prints figures; asserts nothing about time.
//!
//! Against the server it reports model calls and prompt tokens per participant turn, and the
//! wall time against the floor the session cannot beat: every call of a turn waits for the one
//! before it (urges, then the reply, then its check; the moderator's judgement), so the floor
//! is the number of calls times the latency. On the embedded model it reports turns per minute.
//! For both: the median participant turn in words, each twin's share of the turns, and the
//! persona checks (passed, caught, unchecked).
//!
//! Run: `PROFITWHEEL_MODELS_DIR=models cargo run -p pw-engine --example focus-group-bench`
//! (add `-- --server-only` to skip the embedded model).

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark prints its figures and stops loudly"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use pw_engine::jobs::JobState;
use pw_engine::models::{ModelInfo, Route, Task, VendorInput, VendorKind};
use pw_engine::twins::{SessionView, Speaker, TwinId};
use pw_engine::workspaces::CreateWorkspace;
use pw_engine::{Engine, EngineConfig};
use serde_json::{Value, json};

const LATENCY: Duration = Duration::from_millis(200);
const TWINS: usize = 6;

const GUIDE: &str = r#"
title = "Holiday gift box"
[[sections]]
name = "Reactions"
goals = ["First impression", "Who they would give it to", "A fair price"]
questions = [
    "What do you notice first about the gift box?",
    "Who would you give it to?",
    "What would you pay for it?",
    "What would make you hesitate?",
    "How would you change the box?",
    "Would you keep buying after the holidays?",
]
probes = ["What makes you say that?", "Can you give an example?"]
turn_budget = 20
[[sections.stimuli]]
ad_copy = { headline = "Twelve mornings, wrapped", body = "Twelve single-origin roasts in one box, one for each morning of the holidays." }
"#;

/// A participant's turn, different every time: the turn's number stands within every run of
/// six words, so no turn repeats an earlier one (that would be an echo, asked for again).
/// Lengths vary from 12 to 36 words.
fn spoken(n: usize) -> String {
    const PEOPLE: [&str; 5] = ["sister", "dad", "neighbour", "boss", "flatmate"];
    const WHEN: [&str; 3] = ["birthdays", "holidays", "housewarmings"];
    let mut text = format!(
        "Box {n} suits my {}, idea {n} for {}, take {n}.",
        PEOPLE[n % 5],
        WHEN[n % 3]
    );
    for extra in 0..(n % 3) {
        text.push_str(&format!(
            " Honestly {n} beans {extra} worth {n} more, mug {n} again, price {n} fair."
        ));
    }
    text
}

#[derive(Clone, Default)]
struct Server {
    calls: Arc<AtomicUsize>,
    prompt_chars: Arc<AtomicU64>,
    turns: Arc<AtomicUsize>,
}

fn sse(data: &str) -> Result<Bytes, std::io::Error> {
    Ok(Bytes::from(format!("data: {data}\n\n")))
}

async fn completions(State(server): State<Server>, Json(body): Json<Value>) -> Response {
    server.calls.fetch_add(1, Ordering::SeqCst);
    let chars: usize = body["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| m["content"].as_str())
                .map(str::len)
                .sum()
        })
        .unwrap_or(0);
    server
        .prompt_chars
        .fetch_add(chars as u64, Ordering::SeqCst);
    tokio::time::sleep(LATENCY).await;
    let last = body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_owned();
    if body["stream"] == json!(true) {
        let n = server.turns.fetch_add(1, Ordering::SeqCst);
        let mut frames: Vec<Result<Bytes, std::io::Error>> = vec![sse(&json!({
            "id": "c", "object": "chat.completion.chunk", "model": "bench",
            "choices": [{ "index": 0, "delta": { "content": spoken(n) }, "finish_reason": null }]
        })
        .to_string())];
        frames.push(sse(
            &json!({ "id": "c", "object": "chat.completion.chunk", "model": "bench",
            "choices": [{ "index": 0, "delta": {}, "finish_reason": "stop" }] })
            .to_string(),
        ));
        frames.push(sse("[DONE]"));
        return Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from_stream(futures::stream::iter(frames).boxed()))
            .unwrap();
    }
    let answer = if last.contains("how strongly") {
        // A different keen participant each round, the others lukewarm.
        let keen = server.calls.load(Ordering::SeqCst) % TWINS;
        json!({ "urges": (0..TWINS).map(|i| if i == keen { 8 } else { 3 + (i % 3) }).collect::<Vec<_>>() })
    } else if last.contains("goals_met") {
        json!({ "goals_met": [], "last_answer_vague": false })
    } else {
        json!({ "verdict": "consistent", "reason": "", "stance": "leaning_for" })
    };
    Json(json!({
        "id": "x", "object": "chat.completion", "model": "bench",
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": answer.to_string() }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": chars / 4, "completion_tokens": 20, "total_tokens": chars / 4 + 20 }
    }))
    .into_response()
}

async fn seed_twins(dir: &std::path::Path, workspace: &str) -> Vec<TwinId> {
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.join("profitwheel.sqlite3").display()
    ))
    .await
    .unwrap();
    let now = "2026-11-29T09:00:00.000Z";
    let names = [
        "Maya R.",
        "Leo K.",
        "Priya S.",
        "Marcus T.",
        "Quinn J.",
        "Sofia L.",
    ];
    let mut ids = Vec::new();
    for (n, name) in names.iter().enumerate().take(TWINS) {
        let id = TwinId::new();
        let profile = json!({
            "summary": "Drinks coffee every morning and buys beans online.",
            "demographics": { "age": 25 + 4 * n, "gender": "any", "location": "US", "occupation": "teacher" },
            "psychographics": ["values craft"], "goals": ["a better morning cup"], "pain_points": ["slow shipping"],
            "media_habits": ["Instagram in the evening"], "brand_relationship": "Bought twice.", "objections": ["price"],
            "voice": { "vocabulary": ["honestly"], "typical_words": 30 + 8 * n, "register": "casual" }
        });
        sqlx::query("INSERT INTO twins (id, workspace_id, name, persona, created_at, updated_at, memory_clock) VALUES (?, ?, ?, ?, ?, ?, 3)")
            .bind(id.to_string()).bind(workspace).bind(name).bind(profile.to_string()).bind(now).bind(now)
            .execute(&db).await.unwrap();
        for (seq, memory) in [
            "I buy a bag of whole beans every two weeks.",
            "Shipping took nine days last time and I was annoyed.",
            "I gave a coffee subscription as a gift last year.",
        ]
        .iter()
        .enumerate()
        {
            sqlx::query("INSERT INTO twin_memories (id, workspace_id, twin_id, kind, content, importance, created_at, fragment, seq, last_accessed, written_by) VALUES (?, ?, ?, 'grounding', ?, 5, ?, 'note', ?, ?, 'user')")
                .bind(uuid::Uuid::now_v7().to_string()).bind(workspace).bind(id.to_string()).bind(memory).bind(now)
                .bind(seq as i64).bind(seq as i64 + 1)
                .execute(&db).await.unwrap();
        }
        ids.push(id);
    }
    db.close().await;
    ids
}

async fn open_engine(dir: &std::path::Path) -> (Arc<Engine>, pw_engine::workspaces::WorkspaceId) {
    let config = EngineConfig::new(dir);
    let engine = Engine::open(config).await.unwrap();
    let workspace = engine
        .workspaces()
        .create(CreateWorkspace {
            name: "Bench".into(),
            brand: "Halcyon Roasters".into(),
            currency: "USD".into(),
            time_zone: "UTC".into(),
        })
        .await
        .unwrap()
        .workspace
        .id;
    (engine, workspace)
}

async fn run(
    engine: &Arc<Engine>,
    workspace: pw_engine::workspaces::WorkspaceId,
    twins: &[TwinId],
) -> (SessionView, Duration) {
    engine.start_workers().await;
    let started = Instant::now();
    let (session, job) = engine
        .twins()
        .start_focus_group(workspace, GUIDE, twins, Some(20), None)
        .await
        .unwrap();
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    (engine.twins().session(session.id).await.unwrap(), elapsed)
}

fn report(view: &SessionView) {
    let participant_turns = view
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Twin)
        .count();
    let moderator_turns = view.turns.len() - participant_turns;
    println!("  turns: {participant_turns} participant, {moderator_turns} moderator");
    if let Some(d) = &view.diagnostics {
        println!(
            "  median participant turn: {:.0} words (people: ~49; cap 80)",
            d.median_turn_words.unwrap_or(0.0)
        );
        for (p, share) in view.session.participants.iter().zip(&d.participants) {
            println!(
                "    {:<10} {:>2} turns ({:>4.1}% of turns, {:>4.1}% of words)",
                p.name,
                share.turns,
                share.turn_share * 100.0,
                share.word_share * 100.0
            );
        }
        println!("  word Gini: {:.2}", d.word_gini);
    }
    println!("  the first turns:");
    for turn in view.turns.iter().take(6) {
        let who = turn.twin_name.as_deref().unwrap_or("Moderator");
        let says: String = turn.says.chars().take(110).collect();
        println!(
            "    {who}: {says}{}",
            if turn.act == pw_engine::twins::Act::NonResponse {
                "(no answer)"
            } else {
                ""
            }
        );
    }
    let silent = view
        .turns
        .iter()
        .filter(|t| t.act == pw_engine::twins::Act::NonResponse)
        .count();
    println!("  non-responses (the model gave nothing usable, twice): {silent}");
    let a = view.adherence;
    println!(
        "  persona checks: {} passed, {} caught, {} unchecked",
        a.passed, a.caught, a.unchecked
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // Warnings (a check that could not be made, an echo asked again) go to standard error.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .init();
    let server_only = std::env::args().any(|a| a == "--server-only");
    let server = Server::default();
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(completions))
        .with_state(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    println!("Focus group: 6 twins, one section of 20 participant turns");
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = open_engine(dir.path()).await;
    engine
        .models()
        .save_vendor(VendorInput {
            name: Some("bench".into()),
            kind: VendorKind::OpenAiCompatible,
            base_url: Some(format!("http://{address}/v1")),
            requests_per_minute: None,
            tokens_per_minute: None,
            max_concurrency: Some(8),
            azure_api_version: None,
        })
        .await
        .unwrap();
    for task in [Task::TwinDialogue, Task::Moderation, Task::Extraction] {
        engine
            .models()
            .set_task_route(task, vec![Route::new("bench", "bench-1")])
            .await
            .unwrap();
    }
    engine
        .models()
        .edit_price(ModelInfo {
            vendor: "bench".into(),
            model: "bench-1".into(),
            context_window: 32_768,
            input_micros_per_mtok: 150_000,
            output_micros_per_mtok: 600_000,
            embedding: false,
            source: "edited".into(),
        })
        .await
        .unwrap();
    let twins = seed_twins(dir.path(), &workspace.to_string()).await;
    let plan = engine
        .twins()
        .estimate_focus_group(workspace, GUIDE, TWINS)
        .await
        .unwrap();
    println!(
        "\nEstimate before it starts: {} calls, {} tokens, cost {:?} micros",
        plan.estimate.calls(),
        plan.estimate.tokens(),
        plan.cost_micros
    );
    let (view, elapsed) = run(&engine, workspace, &twins).await;
    let calls = server.calls.load(Ordering::SeqCst);
    let participant_turns = view
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Twin)
        .count()
        .max(1);
    let floor = LATENCY * calls as u32;
    println!(
        "\nAgainst a loopback server answering after {} ms:",
        LATENCY.as_millis()
    );
    println!(
        "  model calls: {calls} ({:.2} per participant turn); prompt tokens ≈ {} ({:.0} per participant turn)",
        calls as f64 / participant_turns as f64,
        server.prompt_chars.load(Ordering::SeqCst) / 4,
        server.prompt_chars.load(Ordering::SeqCst) as f64 / 4.0 / participant_turns as f64
    );
    println!(
        "  wall time: {:.1} s; floor of sequential calls: {:.1} s; ratio {:.2}",
        elapsed.as_secs_f64(),
        floor.as_secs_f64(),
        elapsed.as_secs_f64() / floor.as_secs_f64()
    );
    report(&view);
    engine.shutdown().await;

    if server_only {
        return;
    }
    println!("\nOn the embedded local model:");
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = open_engine(dir.path()).await;
    let twins = seed_twins(dir.path(), &workspace.to_string()).await;
    let (view, elapsed) = run(&engine, workspace, &twins).await;
    let participant_turns = view
        .turns
        .iter()
        .filter(|t| t.speaker == Speaker::Twin)
        .count();
    println!(
        "  {participant_turns} participant turns in {:.1} s: {:.1} turns per minute",
        elapsed.as_secs_f64(),
        participant_turns as f64 / elapsed.as_secs_f64() * 60.0
    );
    report(&view);
    engine.shutdown().await;
}
