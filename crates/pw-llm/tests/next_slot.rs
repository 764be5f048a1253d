//! A vendor that says no requests remain is called again when its next slot frees, not when its
//! whole window has cleared. Only the gateway's public surface of before this fix is used, so
//! the test also runs against that code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

#[allow(
    dead_code,
    reason = "this binary uses only part of the scripted server"
)]
mod support;

use std::time::Duration;

use pw_llm::{ChatMessage, ChatRequest, Gateway, Route, Task, VendorLimits, VendorSettings};
use serde_json::json;
use support::{Answer, ScriptedServer};

fn answer_with_headers(text: &str, headers: Vec<(&'static str, String)>) -> Answer {
    Answer::Json {
        status: 200,
        headers,
        body: json!({ "model": "test-model",
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": text }, "finish_reason": "stop" }] }),
        delay: Duration::ZERO,
    }
}

#[tokio::test]
async fn no_requests_left_means_waiting_for_the_next_slot_not_for_the_window() {
    // OpenAI's headers at the limit: none remaining, the limit back in six minutes (its
    // documented meaning of the reset), 1,200 a minute, so a slot frees every 50 ms.
    let server = ScriptedServer::start(vec![answer_with_headers(
        "first",
        vec![
            ("x-ratelimit-limit-requests", "1200".into()),
            ("x-ratelimit-remaining-requests", "0".into()),
            ("x-ratelimit-reset-requests", "6m0s".into()),
        ],
    )])
    .await;
    server.otherwise(Answer::chat("second"));
    let mut settings = VendorSettings::compatible("test", &server.base_url);
    settings.limits = VendorLimits {
        max_attempts: 3,
        base_backoff: Duration::from_millis(20),
        ..VendorLimits::default()
    };
    let mut gateway = Gateway::new();
    gateway.add_vendor(settings).unwrap();
    gateway.set_route(Task::TwinDialogue, vec![Route::new("test", "test-model")]);
    let ask = |text: &str| ChatRequest::new(Task::TwinDialogue, vec![ChatMessage::user(text)]);

    assert_eq!(gateway.chat(&ask("one")).await.unwrap().text, "first");
    // Not a speed check: a call that waits for the whole window parks for six minutes, and
    // this guard turns that into a failure instead of a hung test.
    let second = tokio::time::timeout(Duration::from_secs(60), gateway.chat(&ask("two")))
        .await
        .expect("the call waited for the whole window to clear")
        .unwrap();
    assert_eq!(second.text, "second");
    assert_eq!(server.received().len(), 2);
}
