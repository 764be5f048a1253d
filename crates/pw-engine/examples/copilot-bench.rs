//! Copilot benchmark (issue 16): per answer on the evaluation set of the demo workspace, the
//! model calls, prompt tokens and wall time, against an OpenAI-compatible server on loopback
//! that answers each call after a fixed latency (default 200 ms). The server plays the same
//! scripted analyst as the engine's evaluation test (`tests/support/copilot_analyst.rs`): it
//! looks at the metrics for the days a question names, then answers the figure. Prompt tokens
//! are the request's characters over four, as the server counts them.
//!
//! Baseline, in the same run: the same number of bare chat calls to the same server, one after
//! another, through a plain HTTP client: what the answers would take if the copilot added
//! nothing but its model calls. The ratio is the runtime's own cost (tools, checks, records,
//! the gateway's ledger and cache) per answer. Prints figures; asserts nothing about time.
//!
//! Run: `PROFITWHEEL_MODELS_DIR=models scripts/with-test-keyring cargo run -p pw-engine
//! --example copilot-bench [-- LATENCY_MS]`.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark prints its figures and stops loudly"
)]

#[path = "../tests/support/copilot_analyst.rs"]
mod copilot_analyst;

use std::time::{Duration, Instant};

use pw_engine::jobs::JobState;
use pw_engine::models::{ModelInfo, Route, VendorInput, VendorKind};
use pw_engine::{Engine, EngineConfig};
use serde_json::json;
use tokio_util::sync::CancellationToken;

const LATENCY_MS: u64 = 200;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .init();
    let latency = Duration::from_millis(
        std::env::args()
            .skip(1)
            .find_map(|a| a.parse().ok())
            .unwrap_or(LATENCY_MS),
    );
    println!(
        "copilot-bench ({} build), loopback server answering after {} ms",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        latency.as_millis()
    );

    let app = axum::Router::new()
        .route(
            "/v1/chat/completions",
            axum::routing::post(copilot_analyst::answer),
        )
        .with_state(copilot_analyst::Analyst {
            wrong_on_purpose: false,
            latency,
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let mut config = EngineConfig::new(dir.path());
    config.models_dir = std::env::var_os("PROFITWHEEL_MODELS_DIR")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../models").into());
    config.keychain_service = format!("ProfitWheel copilot bench {}", std::process::id());
    let engine = Engine::open(config).await.unwrap();
    engine.start_workers().await;
    let job = engine.workspaces().start_demo().await.unwrap();
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    let workspace = done.workspace_id.as_deref().unwrap().parse().unwrap();
    engine
        .models()
        .save_vendor(VendorInput {
            name: Some("bench".into()),
            kind: VendorKind::OpenAiCompatible,
            base_url: Some(base_url.clone()),
            requests_per_minute: None,
            tokens_per_minute: None,
            max_concurrency: Some(4),
            azure_api_version: None,
        })
        .await
        .unwrap();
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

    let started = Instant::now();
    let report = engine
        .agents()
        .eval(
            workspace,
            Some(Route::new("bench", "bench-1")),
            &|_, _, _| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let copilot_elapsed = started.elapsed();
    let answers = report.scores.len();
    let calls: u32 = report.scores.iter().map(|s| s.model_calls).sum();
    let mut seconds: Vec<f64> = report.scores.iter().map(|s| s.seconds).collect();
    seconds.sort_by(f64::total_cmp);
    println!(
        "evaluation set: {answers} questions, accuracy {:.0}%, citations valid {:.0}%",
        report.accuracy * 100.0,
        report.citation_validity * 100.0
    );
    println!(
        "per answer: {:.2} model calls, {:.0} prompt tokens, {:.0} completion tokens, cost {}",
        report.model_calls_per_answer,
        report.input_tokens_per_answer,
        report
            .scores
            .iter()
            .map(|s| s.output_tokens as f64)
            .sum::<f64>()
            / answers as f64,
        report
            .cost_micros_per_answer
            .map_or_else(|| "unknown".to_owned(), |c| format!("${:.6}", c / 1e6))
    );
    println!(
        "wall time per answer: mean {:.1} ms, p50 {:.1} ms, p95 {:.1} ms (whole set {:.2} s)",
        seconds.iter().sum::<f64>() / answers as f64 * 1e3,
        percentile(&seconds, 0.5) * 1e3,
        percentile(&seconds, 0.95) * 1e3,
        copilot_elapsed.as_secs_f64()
    );

    // Baseline: the same number of bare calls, one after another, with a one-line question.
    let client = reqwest::Client::new();
    let bare_started = Instant::now();
    for _ in 0..calls {
        let question = "What was the spend on meta from 2026-11-16 to 2026-11-22?";
        let body = json!({"model": "bench-1", "messages": [
            {"role": "system", "content": "You are the analyst."},
            {"role": "user", "content": question}]});
        let response = client
            .post(format!("{base_url}/chat/completions"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        response.bytes().await.unwrap();
    }
    let bare = bare_started.elapsed();
    let bare_per_answer = bare.as_secs_f64() / answers as f64;
    let copilot_per_answer = seconds.iter().sum::<f64>() / answers as f64;
    println!(
        "baseline: {calls} bare calls in {:.2} s, {:.1} ms per answer's worth ({:.2} calls)",
        bare.as_secs_f64(),
        bare_per_answer * 1e3,
        calls as f64 / answers as f64
    );
    println!(
        "copilot / baseline: {:.3} ({:+.1} ms per answer of the runtime's own: tools, checks, records, ledger)",
        copilot_per_answer / bare_per_answer,
        (copilot_per_answer - bare_per_answer) * 1e3
    );
}
