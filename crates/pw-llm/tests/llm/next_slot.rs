//! A vendor that says no requests remain is called again when its next slot frees: not at once
//! (the header ignored, which earns a 429), and not when its whole window has cleared.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pw_llm::{ChatMessage, ChatRequest, Gateway, Route, Task, VendorLimits, VendorSettings};
use serde_json::json;

/// The server's limit: 60 requests a minute, so one slot frees every second.
const LIMIT_PER_MINUTE: u32 = 60;
const SLOT: Duration = Duration::from_secs(1);
/// When the whole limit is back, as the server says in `x-ratelimit-reset-requests` (OpenAI's
/// documented meaning of the reset). Waiting for it is the defect this test catches.
const WINDOW_RESET: &str = "30s";

/// An OpenAI-style server at its limit: its slots are all taken, one frees every [`SLOT`], and
/// each answer takes the slot that freed and says so (`remaining: 0`, the limit, and the
/// reset). A request before the next slot is refused with a 429, as OpenAI refuses it.
#[derive(Clone)]
struct AtItsLimit {
    state: Arc<Mutex<Log>>,
}

#[derive(Default)]
struct Log {
    next_slot: Option<Instant>,
    answered: Vec<Instant>,
    refused: usize,
}

async fn completions(State(server): State<AtItsLimit>) -> Response {
    let now = Instant::now();
    let mut log = server.state.lock().unwrap();
    let headers = [
        ("x-ratelimit-limit-requests", LIMIT_PER_MINUTE.to_string()),
        ("x-ratelimit-remaining-requests", "0".to_owned()),
        ("x-ratelimit-reset-requests", WINDOW_RESET.to_owned()),
    ];
    if log.next_slot.is_some_and(|slot| now < slot) {
        log.refused += 1;
        let body = json!({ "error": { "message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded" } });
        return (StatusCode::TOO_MANY_REQUESTS, headers, Json(body)).into_response();
    }
    log.next_slot = Some(now + SLOT);
    log.answered.push(now);
    let body = json!({ "model": "test-model",
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": format!("answer {}", log.answered.len()) }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5 } });
    (StatusCode::OK, headers, Json(body)).into_response()
}

impl AtItsLimit {
    async fn start() -> (Self, String) {
        let server = AtItsLimit {
            state: Arc::new(Mutex::new(Log::default())),
        };
        let app = axum::Router::new()
            .fallback(completions)
            .with_state(server.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (server, format!("http://{address}/v1"))
    }
}

#[tokio::test]
async fn no_requests_left_means_waiting_for_the_next_slot_not_for_the_window() {
    let (server, base_url) = AtItsLimit::start().await;
    let mut settings = VendorSettings::compatible("test", &base_url);
    // No limit of our own: only what the server says paces the calls. Retries are quick, so a
    // 429 earned by ignoring the header would be retried into an answer but still be seen.
    settings.limits = VendorLimits {
        max_attempts: 5,
        base_backoff: Duration::from_millis(20),
        ..VendorLimits::default()
    };
    let mut gateway = Gateway::new();
    gateway.add_vendor(settings).unwrap();
    gateway.set_route(Task::TwinDialogue, vec![Route::new("test", "test-model")]);
    let ask = |text: &str| ChatRequest::new(Task::TwinDialogue, vec![ChatMessage::user(text)]);

    // Not a speed check: a caller that waits for the whole window parks for 30 s per call,
    // and this guard turns that into a failure instead of a slow pass.
    let calls = async {
        for (number, question) in ["one", "two", "three"].into_iter().enumerate() {
            let reply = gateway.chat(&ask(question)).await.unwrap_or_else(|error| {
                panic!("call {question}: {error} (was `remaining: 0` heeded?)")
            });
            assert_eq!(reply.text, format!("answer {}", number + 1));
        }
    };
    tokio::time::timeout(Duration::from_secs(15), calls)
        .await
        .expect("the calls waited for the whole window to clear, not for the next slot");

    let log = server.state.lock().unwrap();
    assert_eq!(
        log.refused, 0,
        "a request went before the next slot freed: `remaining: 0` was not heeded"
    );
    assert_eq!(log.answered.len(), 3);
    for pair in log.answered.windows(2) {
        // The server's own clock: a slot apart (no 429 means never sooner), far from 30 s.
        let gap = pair[1] - pair[0];
        assert!(gap >= SLOT, "{gap:?}");
    }
}
