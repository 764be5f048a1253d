//! Rate-limit benchmark: 2,000 chat calls through the gateway to a local OpenAI-compatible
//! server that answers in 100 ms and enforces 1,200 requests per minute the way OpenAI does: a
//! 60-second sliding window, `x-ratelimit-limit-requests`, `x-ratelimit-remaining-requests` and
//! `x-ratelimit-reset-requests` (when the oldest request in the window leaves it, so the next
//! slot frees; "59.996s", "20ms") on every answer, and 429 with `retry-after-ms` beyond the
//! limit. Prints the elapsed time, the floor of even pacing at the gateway's own rate, their
//! ratio, and how many 429s the server sent and how many reached a caller.
//!
//! With `--reset=full` the server's reset is instead the time until the window is empty again
//! (OpenAI documents the header as "the time until the rate limit resets to its initial
//! state"); the gateway must keep pace under either reading.
//!
//! `cargo run --release -p pw-llm --example rate-limit-bench [-- CALLS RPM] [--reset=full]`

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use pw_llm::{ChatMessage, ChatRequest, Gateway, Route, Task, VendorLimits, VendorSettings};
use serde_json::json;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

const LATENCY: Duration = Duration::from_millis(100);
const WINDOW: Duration = Duration::from_secs(60);

/// An honest sliding-window limiter: a request is admitted when fewer than `limit` requests
/// were admitted in the last 60 seconds.
struct Vendor {
    limit: usize,
    /// Reset means "until the window is empty" rather than "until the next slot frees".
    reset_is_full: bool,
    admitted: Mutex<VecDeque<Instant>>,
    served: AtomicU64,
    refused: AtomicU64,
}

/// What the window says after a request: admitted or not, slots left, and when the oldest
/// request in the window leaves it.
struct WindowState {
    admitted: bool,
    remaining: usize,
    /// What `x-ratelimit-reset-requests` says.
    reset_in: Duration,
    /// When the oldest request leaves the window (a 429's `retry-after-ms`).
    next_slot_in: Duration,
}

impl Vendor {
    fn take(&self) -> WindowState {
        let now = Instant::now();
        let mut window = self
            .admitted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while window
            .front()
            .is_some_and(|oldest| now.duration_since(*oldest) >= WINDOW)
        {
            window.pop_front();
        }
        let admitted = window.len() < self.limit;
        if admitted {
            window.push_back(now);
        }
        let leaves = match self.reset_is_full {
            true => window.back(),
            false => window.front(),
        };
        WindowState {
            admitted,
            remaining: self.limit - window.len(),
            reset_in: leaves.map_or(Duration::ZERO, |at| {
                (*at + WINDOW).saturating_duration_since(now)
            }),
            next_slot_in: window.front().map_or(Duration::ZERO, |oldest| {
                (*oldest + WINDOW).saturating_duration_since(now)
            }),
        }
    }
}

/// A duration as OpenAI writes it in `x-ratelimit-reset-*`: "20ms", "59.996s", "6m0s".
fn openai_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1_000 {
        return format!("{millis}ms");
    }
    let minutes = millis / 60_000;
    let seconds = (millis % 60_000) as f64 / 1_000.0;
    let seconds = format!("{seconds:.3}");
    let seconds = seconds.trim_end_matches('0').trim_end_matches('.');
    match minutes {
        0 => format!("{seconds}s"),
        m => format!("{m}m{seconds}s"),
    }
}

async fn chat(State(vendor): State<Arc<Vendor>>) -> Response {
    let window = vendor.take();
    let headers = [
        ("x-ratelimit-limit-requests", vendor.limit.to_string()),
        (
            "x-ratelimit-remaining-requests",
            window.remaining.to_string(),
        ),
        (
            "x-ratelimit-reset-requests",
            openai_duration(window.reset_in),
        ),
    ];
    if !window.admitted {
        vendor.refused.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            headers,
            [("retry-after-ms", window.next_slot_in.as_millis().to_string())],
            json!({ "error": { "message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded" } })
                .to_string(),
        )
            .into_response();
    }
    tokio::time::sleep(LATENCY).await;
    vendor.served.fetch_add(1, Ordering::Relaxed);
    (
        headers,
        [("content-type", "application/json")],
        json!({
            "id": "chatcmpl-bench", "object": "chat.completion", "model": "bench",
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": "ok" }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": 12, "completion_tokens": 1, "total_tokens": 13 }
        })
        .to_string(),
    )
        .into_response()
}

fn say(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{text}");
}

#[tokio::main]
async fn main() -> AnyResult<()> {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let reset_is_full = std::env::args().any(|a| a == "--reset=full");
    let calls = args.first().copied().unwrap_or(2_000);
    let rpm = args.get(1).copied().unwrap_or(1_200);
    // The gateway's own pacing lets one second's worth through at once.
    let burst = (rpm / 60).max(1);
    let vendor = Arc::new(Vendor {
        limit: usize::try_from(rpm)?,
        reset_is_full,
        admitted: Mutex::new(VecDeque::new()),
        served: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(chat))
        .with_state(vendor.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let mut settings = VendorSettings::compatible("bench", format!("http://{address}/v1"));
    settings.limits = VendorLimits {
        requests_per_minute: Some(rpm),
        max_concurrency: 32,
        max_attempts: 8,
        ..VendorLimits::default()
    };
    let mut gateway = Gateway::new();
    gateway.add_vendor(settings)?;
    gateway.set_route(Task::TwinDialogue, vec![Route::new("bench", "bench")]);
    let gateway = Arc::new(gateway);

    say(&format!(
        "rate-limit-bench: {calls} calls, {rpm} requests/minute (burst {burst}), {LATENCY:?} per answer, reset = {}",
        if reset_is_full {
            "until the window is empty"
        } else {
            "until the next slot frees"
        }
    ));
    let started = Instant::now();
    let failures = futures::stream::iter(0..calls)
        .map(|n| {
            let gateway = gateway.clone();
            async move {
                let request = ChatRequest::new(
                    Task::TwinDialogue,
                    vec![ChatMessage::user(format!("respondent {n}: rate the blend"))],
                );
                gateway.chat(&request).await
            }
        })
        .buffer_unordered(64)
        .filter(|result| std::future::ready(result.is_err()))
        .count()
        .await;
    let elapsed = started.elapsed();

    // The gateway sends `burst` requests at once, then one every 60/rpm seconds; the last
    // answer then takes LATENCY.
    let floor =
        Duration::from_secs_f64(f64::from(calls.saturating_sub(burst)) * 60.0 / f64::from(rpm))
            + LATENCY;
    let ratio = elapsed.as_secs_f64() / floor.as_secs_f64();
    say(&format!(
        "elapsed {:.2} s, theoretical floor {:.2} s, ratio {ratio:.3}",
        elapsed.as_secs_f64(),
        floor.as_secs_f64()
    ));
    say(&format!(
        "answers served {}, 429s sent by the vendor {}, errors reaching callers {failures}",
        vendor.served.load(Ordering::Relaxed),
        vendor.refused.load(Ordering::Relaxed)
    ));
    say(&format!(
        "within 10% of the floor: {}",
        if ratio <= 1.10 && failures == 0 {
            "yes"
        } else {
            "no"
        }
    ));
    Ok(())
}
