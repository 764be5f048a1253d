//! Rate-limit benchmark: 2,000 chat calls through the gateway to a local OpenAI-compatible
//! server that answers in 100 ms and enforces 1,200 requests per minute (answering 429 with
//! `retry-after-ms` beyond it, like a real vendor). Prints the elapsed time, the theoretical
//! floor, their ratio, and how many 429s the server sent and how many reached a caller.
//!
//! `cargo run --release -p pw-llm --example rate-limit-bench [-- CALLS RPM]`

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use pw_llm::{ChatMessage, ChatRequest, Gateway, Route, Task, VendorLimits, VendorSettings};
use serde_json::json;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

const LATENCY: Duration = Duration::from_millis(100);

struct Vendor {
    limiter: DefaultDirectRateLimiter,
    served: AtomicU64,
    refused: AtomicU64,
}

async fn chat(State(vendor): State<Arc<Vendor>>) -> Response {
    if let Err(not_until) = vendor.limiter.check() {
        vendor.refused.fetch_add(1, Ordering::Relaxed);
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after-ms", wait.as_millis().to_string()), ("x-ratelimit-remaining-requests", "0".to_owned())],
            json!({ "error": { "message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded" } })
                .to_string(),
        )
            .into_response();
    }
    tokio::time::sleep(LATENCY).await;
    vendor.served.fetch_add(1, Ordering::Relaxed);
    (
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
    let calls = args.first().copied().unwrap_or(2_000);
    let rpm = args.get(1).copied().unwrap_or(1_200);
    let burst = (rpm / 60).max(1);
    let quota = Quota::per_minute(NonZeroU32::new(rpm).ok_or("rpm must be positive")?)
        .allow_burst(NonZeroU32::new(burst).ok_or("burst")?);
    let vendor = Arc::new(Vendor {
        limiter: RateLimiter::direct(quota),
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
        "rate-limit-bench: {calls} calls, {rpm} requests/minute (burst {burst}), {LATENCY:?} per answer"
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

    // The vendor admits `burst` requests at once, then one every 60/rpm seconds; the last
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
