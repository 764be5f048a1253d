//! The gateway against a scripted OpenAI-compatible server over real loopback HTTP.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pw_llm::{
    CallRecord, CallRecorder, ChatMessage, ChatRequest, Gateway, LlmError, Route, Task, VendorKind,
    VendorLimits, VendorSettings,
};
use serde::Deserialize;
use serde_json::json;
use support::{Answer, ScriptedServer};

fn quick_limits() -> VendorLimits {
    VendorLimits {
        max_attempts: 3,
        base_backoff: Duration::from_millis(20),
        request_timeout: Duration::from_millis(800),
        ..VendorLimits::default()
    }
}

fn gateway_for(server: &ScriptedServer, kind: VendorKind) -> Gateway {
    let mut settings = VendorSettings::compatible("test", &server.base_url);
    settings.kind = kind;
    settings.api_key = Some("sk-test-123".into());
    settings.extra_headers = kind.default_headers();
    settings.limits = quick_limits();
    let mut gateway = Gateway::new();
    gateway.add_vendor(settings).unwrap();
    for task in [
        Task::TwinDialogue,
        Task::Analysis,
        Task::Extraction,
        Task::Embeddings,
    ] {
        gateway.set_route(task, vec![Route::new("test", "test-model")]);
    }
    gateway
}

fn ask(text: &str) -> ChatRequest {
    ChatRequest::new(
        Task::TwinDialogue,
        vec![
            ChatMessage::system("You are a coffee drinker."),
            ChatMessage::user(text),
        ],
    )
}

#[derive(Default)]
struct Ledger(Mutex<Vec<CallRecord>>);

impl CallRecorder for Ledger {
    fn record(&self, record: CallRecord) {
        self.0.lock().unwrap().push(record);
    }
}

#[tokio::test]
async fn a_chat_reply_carries_text_usage_and_is_recorded() {
    let server = ScriptedServer::start(vec![Answer::chat("I grind my beans every morning.")]).await;
    let mut gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    let ledger = Arc::new(Ledger::default());
    gateway.set_recorder(ledger.clone());
    let mut request = ask("How do you make coffee?");
    request.temperature = Some(0.2);
    request.seed = Some(7);
    let reply = gateway.chat(&request).await.unwrap();
    assert_eq!(reply.text, "I grind my beans every morning.");
    assert_eq!(
        (reply.usage.input_tokens, reply.usage.output_tokens),
        (11, 7)
    );

    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path_and_query, "/v1/chat/completions");
    assert_eq!(received[0].headers["authorization"], "Bearer sk-test-123");
    assert_eq!(received[0].body["model"], "test-model");
    assert_eq!(received[0].body["seed"], 7);
    assert_eq!(
        received[0].body["messages"][1]["content"],
        "How do you make coffee?"
    );

    let records = ledger.0.lock().unwrap();
    assert_eq!(records.len(), 1);
    assert!(records[0].outcome.is_ok());
    assert_eq!(records[0].usage.output_tokens, 7);
}

#[tokio::test]
async fn each_vendor_gets_its_base_url_and_headers() {
    assert_eq!(
        VendorKind::Groq.default_base_url(),
        Some("https://api.groq.com/openai/v1")
    );
    assert_eq!(
        VendorKind::Gemini.default_base_url(),
        Some("https://generativelanguage.googleapis.com/v1beta/openai")
    );
    assert_eq!(
        VendorKind::OpenRouter.default_base_url(),
        Some("https://openrouter.ai/api/v1")
    );
    assert_eq!(VendorKind::AzureOpenAi.default_base_url(), None);

    let server = ScriptedServer::start(vec![Answer::chat("ok")]).await;
    gateway_for(&server, VendorKind::OpenRouter)
        .chat(&ask("hi"))
        .await
        .unwrap();
    let headers = &server.received()[0].headers;
    assert_eq!(headers["x-title"], "ProfitWheel Desktop");
    assert!(headers.contains_key("http-referer"));

    // Azure addresses a deployment and authenticates with an api-key header.
    let azure = ScriptedServer::start(vec![Answer::chat("ok")]).await;
    let mut settings = VendorSettings::compatible("azure", azure.base_url.trim_end_matches("/v1"));
    settings.kind = VendorKind::AzureOpenAi;
    settings.api_key = Some("azure-key".into());
    settings.azure_api_version = Some("2024-10-21".into());
    let mut gateway = Gateway::new();
    gateway.add_vendor(settings).unwrap();
    gateway.set_route(
        Task::TwinDialogue,
        vec![Route::new("azure", "gpt-4o-mini-prod")],
    );
    gateway.chat(&ask("hi")).await.unwrap();
    let received = &azure.received()[0];
    assert_eq!(
        received.path_and_query,
        "/openai/deployments/gpt-4o-mini-prod/chat/completions?api-version=2024-10-21"
    );
    assert_eq!(received.headers["api-key"], "azure-key");
}

#[tokio::test]
async fn a_streamed_reply_arrives_piece_by_piece() {
    let pieces: Vec<String> = ["I ", "prefer ", "light ", "roasts."]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let server = ScriptedServer::start(vec![Answer::Stream {
        pieces: pieces.clone(),
        finish: true,
        cut: false,
    }])
    .await;
    let gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    let mut seen = Vec::new();
    let reply = gateway
        .chat_stream(&ask("Roast?"), |piece| seen.push(piece.to_owned()))
        .await
        .unwrap();
    assert_eq!(seen, pieces);
    assert_eq!(reply.text, "I prefer light roasts.");
    assert_eq!(reply.finish_reason.as_deref(), Some("stop"));
    assert_eq!(reply.usage.output_tokens, 4);
    assert_eq!(server.received()[0].body["stream"], true);
}

#[tokio::test]
async fn a_stream_cut_mid_way_is_an_error_not_a_short_answer() {
    let cut = Answer::Stream {
        pieces: vec!["I think ".into(), "the price".into()],
        finish: false,
        cut: true,
    };
    let server = ScriptedServer::start(vec![cut.clone()]).await;
    server.otherwise(cut);
    let gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    let error = gateway
        .chat_stream(&ask("Price?"), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(error, LlmError::StreamInterrupted { .. }),
        "{error:?}"
    );

    // A stream that ends cleanly but without a finish reason is also incomplete.
    let unfinished = ScriptedServer::start(vec![Answer::Stream {
        pieces: vec!["half".into()],
        finish: false,
        cut: false,
    }])
    .await;
    let error = gateway_for(&unfinished, VendorKind::OpenAiCompatible)
        .chat_stream(&ask("?"), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(error, LlmError::StreamInterrupted { .. }),
        "{error:?}"
    );
}

#[derive(Debug, Deserialize, schemars::JsonSchema, PartialEq)]
struct Opinion {
    /// 1 (hate it) to 5 (love it)
    rating: u8,
    reason: String,
}

#[tokio::test]
async fn structured_output_is_typed_checked_and_repaired_once() {
    let server = ScriptedServer::start(vec![
        Answer::chat("```json\n{\"rating\": 4, \"reason\": \"smooth\"}\n```"),
        Answer::chat("Sure! Here is my opinion: rating four"),
        Answer::chat("{\"rating\": 2, \"reason\": \"too bitter\"}"),
        Answer::chat("{\"rating\": \"high\"}"),
        Answer::chat("still not json"),
    ])
    .await;
    let gateway = gateway_for(&server, VendorKind::OpenAi);
    let request = ChatRequest::new(
        Task::Extraction,
        vec![ChatMessage::user("Rate the espresso blend.")],
    );

    let first: Opinion = gateway.chat_json(&request).await.unwrap();
    assert_eq!(
        first,
        Opinion {
            rating: 4,
            reason: "smooth".into()
        }
    );
    let format = &server.received()[0].body["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert!(
        format["json_schema"]["schema"]["properties"]["rating"].is_object(),
        "{format}"
    );

    let repaired: Opinion = gateway.chat_json(&request).await.unwrap();
    assert_eq!(repaired.rating, 2);
    let repair_request = &server.received()[2].body["messages"];
    let last = repair_request.as_array().unwrap().last().unwrap();
    assert!(
        last["content"].as_str().unwrap().contains("not valid"),
        "{last}"
    );

    let error = gateway.chat_json::<Opinion>(&request).await.unwrap_err();
    match error {
        LlmError::InvalidStructuredOutput { raw, .. } => assert_eq!(raw, "still not json"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.received().len(),
        5,
        "exactly one repair round per call"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_never_reaches_the_caller() {
    let server = ScriptedServer::start(vec![
        Answer::error(429, vec![("retry-after", "1".into())]),
        Answer::chat("after the wait"),
    ])
    .await;
    let gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    let started = Instant::now();
    let reply = gateway.chat(&ask("hi")).await.unwrap();
    assert_eq!(reply.text, "after the wait");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_and_persistent_ones_fail_clearly() {
    let server = ScriptedServer::start(vec![
        Answer::error(500, vec![]),
        Answer::error(503, vec![]),
        Answer::chat("third time"),
    ])
    .await;
    let gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    assert_eq!(gateway.chat(&ask("hi")).await.unwrap().text, "third time");

    let down = ScriptedServer::start(vec![]).await;
    down.otherwise(Answer::error(502, vec![]));
    let error = gateway_for(&down, VendorKind::OpenAiCompatible)
        .chat(&ask("hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            LlmError::VendorFailed {
                status: 502,
                attempts: 3,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(down.received().len(), 3);

    let refused = ScriptedServer::start(vec![Answer::error(401, vec![])]).await;
    let error = gateway_for(&refused, VendorKind::OpenAiCompatible)
        .chat(&ask("hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, LlmError::Refused { status: 401, .. }),
        "{error:?}"
    );
    assert_eq!(refused.received().len(), 1, "a refusal is not retried");
}

#[tokio::test]
async fn a_vendor_that_hangs_times_out_and_is_retried() {
    let server = ScriptedServer::start(vec![
        Answer::chat("too late").delayed(Duration::from_secs(3)),
        Answer::chat("on time"),
    ])
    .await;
    let gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    let started = Instant::now();
    assert_eq!(gateway.chat(&ask("hi")).await.unwrap().text, "on time");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_malformed_answer_body_is_a_clear_error() {
    let server = ScriptedServer::start(vec![Answer::Raw {
        status: 200,
        body: "{\"choices\": [oops".into(),
    }])
    .await;
    let error = gateway_for(&server, VendorKind::OpenAiCompatible)
        .chat(&ask("hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, LlmError::MalformedResponse { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_fallback_chain_answers_when_the_first_vendor_is_down() {
    let down = ScriptedServer::start(vec![]).await;
    down.otherwise(Answer::error(503, vec![]));
    let up = ScriptedServer::start(vec![Answer::chat("from the backup")]).await;
    let mut gateway = Gateway::new();
    for (name, server) in [("primary", &down), ("backup", &up)] {
        let mut settings = VendorSettings::compatible(name, &server.base_url);
        settings.limits = VendorLimits {
            max_attempts: 1,
            ..quick_limits()
        };
        gateway.add_vendor(settings).unwrap();
    }
    gateway.set_route(
        Task::Analysis,
        vec![Route::new("primary", "big"), Route::new("backup", "small")],
    );
    let reply = gateway
        .chat(&ChatRequest::new(
            Task::Analysis,
            vec![ChatMessage::user("Summarise")],
        ))
        .await
        .unwrap();
    assert_eq!(
        (reply.text.as_str(), reply.vendor.as_str()),
        ("from the backup", "backup")
    );
    assert_eq!(up.received()[0].body["model"], "small");

    let unrouted = gateway
        .chat(&ChatRequest::new(
            Task::Moderation,
            vec![ChatMessage::user("x")],
        ))
        .await
        .unwrap_err();
    assert!(matches!(unrouted, LlmError::NoRoute(_)));
}

#[tokio::test]
async fn embeddings_come_back_in_input_order() {
    let server = ScriptedServer::start(vec![Answer::Json {
        status: 200,
        headers: vec![],
        body: json!({ "object": "list", "model": "embed", "usage": { "prompt_tokens": 6, "total_tokens": 6 },
            "data": [ { "object": "embedding", "index": 1, "embedding": [0.0, 1.0] },
                      { "object": "embedding", "index": 0, "embedding": [1.0, 0.0] } ] }),
        delay: Duration::ZERO,
    }])
    .await;
    let vectors = gateway_for(&server, VendorKind::OpenAiCompatible)
        .embed(&["first".to_owned(), "second".to_owned()])
        .await
        .unwrap();
    assert_eq!(vectors, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
    assert_eq!(server.received()[0].path_and_query, "/v1/embeddings");
}
