//! The gateway against a scripted OpenAI-compatible server over real loopback HTTP.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use pw_llm::{AccountOpening, LedgerWriteError, StudyAccount};
use pw_llm::{
    CachedAnswer, CallLedger, CallOutcome, CallRecord, CallScope, ChatMessage, ChatReply,
    ChatRequest, Gateway, LlmError, LocalBackend, LocalEmbeddingBackend, ModelCatalogue, ModelInfo,
    PacingState, ResponseCache, Route, StreamEvent, Task, VendorKind, VendorLimits, VendorSettings,
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

/// Keeps records in memory and refuses calls for studies listed as out of budget.
#[derive(Default)]
struct Ledger {
    records: Mutex<Vec<CallRecord>>,
    spent_studies: Vec<String>,
}

impl Ledger {
    fn records(&self) -> Vec<CallRecord> {
        self.records.lock().unwrap().clone()
    }
}

impl CallLedger for Ledger {
    fn account<'a>(
        &'a self,
        scope: &'a CallScope,
    ) -> BoxFuture<'a, Result<Option<Arc<StudyAccount>>, LlmError>> {
        Box::pin(async move {
            Ok(match &scope.study_id {
                Some(study) if self.spent_studies.contains(study) => {
                    Some(StudyAccount::new(AccountOpening {
                        budget_micros: Some(5_000_000),
                        settled_micros: 5_000_000,
                    }))
                }
                _ => None,
            })
        })
    }

    fn record<'a>(&'a self, record: &'a CallRecord) -> BoxFuture<'a, Result<(), LedgerWriteError>> {
        self.records.lock().unwrap().push(record.clone());
        Box::pin(async { Ok(()) })
    }
}

/// An in-memory answer store: the engine's is SQLite, and is tested there.
#[derive(Default)]
struct MemoryCache(Mutex<std::collections::HashMap<String, (CallScope, CachedAnswer)>>);

impl ResponseCache for MemoryCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedAnswer>> {
        let hit = self.0.lock().unwrap().get(key).map(|(_, a)| a.clone());
        Box::pin(async move { hit })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        scope: &'a CallScope,
        answer: &'a CachedAnswer,
    ) -> BoxFuture<'a, ()> {
        self.0
            .lock()
            .unwrap()
            .insert(key.to_owned(), (scope.clone(), answer.clone()));
        Box::pin(async {})
    }
}

/// A bad structured answer kept in the cache must not fail every later run without the model
/// being asked again: its repair is always asked anew.
#[tokio::test]
async fn a_cached_answer_that_does_not_fit_gets_a_fresh_repair() {
    #[derive(Debug, Deserialize, schemars::JsonSchema, PartialEq)]
    struct Rating {
        rating: u8,
    }
    let server = ScriptedServer::start(vec![
        Answer::chat("no json here"),
        Answer::chat("still none"),
        Answer::chat("{\"rating\": 5}"),
    ])
    .await;
    let mut gateway = gateway_for(&server, VendorKind::OpenAi);
    gateway.set_cache(Arc::new(MemoryCache::default()));
    let request = ChatRequest::new(
        Task::Extraction,
        vec![ChatMessage::user("Rate the espresso blend.")],
    )
    .in_scope(CallScope::study("ws-1", "study-1"));

    let error = gateway.chat_json::<Rating>(&request).await.unwrap_err();
    assert!(
        matches!(error, LlmError::InvalidStructuredOutput { .. }),
        "{error:?}"
    );
    assert_eq!(server.received().len(), 2);

    // Run again: the first answer comes from the cache, the repair from the model.
    let rating: Rating = gateway.chat_json(&request).await.unwrap();
    assert_eq!(rating, Rating { rating: 5 });
    assert_eq!(server.received().len(), 3, "the repair reached the vendor");
}

#[tokio::test]
async fn a_chat_reply_carries_text_usage_and_is_recorded() {
    let server = ScriptedServer::start(vec![Answer::chat("I grind my beans every morning.")]).await;
    let mut gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    let ledger = Arc::new(Ledger::default());
    gateway.set_ledger(ledger.clone());
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

    let records = ledger.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].outcome, CallOutcome::Ok);
    assert_eq!(records[0].usage.output_tokens, 7);
    assert!(!records[0].cache_hit);
    // No catalogue entry for a test server's model: the cost is unknown, not zero.
    assert_eq!(records[0].cost_micros, None);
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
        .chat_stream(&ask("Roast?"), |event| match event {
            StreamEvent::Token(piece) => seen.push(piece),
            restart => panic!("{restart:?}"),
        })
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
async fn a_run_time_schema_reaches_a_json_mode_vendor_in_the_prompt_and_a_schema_vendor_as_its_format()
 {
    let schema = json!({
        "type": "object",
        "properties": { "buy": { "type": "string", "enum": ["shop", "store"] } },
        "required": ["buy"]
    });
    let request = ChatRequest::new(
        Task::TwinDialogue,
        vec![ChatMessage::user("Where do you buy beans?")],
    );
    for (kind, format) in [
        (VendorKind::DeepSeek, "json_object"),
        (VendorKind::OpenAi, "json_schema"),
    ] {
        let server = ScriptedServer::start(vec![Answer::chat("{\"buy\": \"shop\"}")]).await;
        let gateway = gateway_for(&server, kind);
        let reply = gateway
            .chat_matching(&request, &schema, "survey_answers")
            .await
            .unwrap();
        assert_eq!(reply.text, "{\"buy\": \"shop\"}");
        let body = &server.received()[0].body;
        assert_eq!(body["response_format"]["type"], format, "{kind:?}");
        let first = body["messages"][0]["content"].as_str().unwrap();
        // Only a vendor that is not given the schema as its format reads it in the prompt.
        assert_eq!(
            first.contains("\"enum\":[\"shop\",\"store\"]"),
            format == "json_object",
            "{kind:?}: {first}"
        );
    }
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
    // The answer itself proves the hung request was given up on: "too late" never arrives.
    assert_eq!(gateway.chat(&ask("hi")).await.unwrap().text, "on time");
    assert_eq!(server.received().len(), 2);
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
        .embed(
            &CallScope::default(),
            &["first".to_owned(), "second".to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(vectors, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
    assert_eq!(server.received()[0].path_and_query, "/v1/embeddings");
}

fn priced_catalogue() -> ModelCatalogue {
    let mut catalogue = ModelCatalogue::default();
    catalogue.set(ModelInfo {
        vendor: "openai".into(),
        model: "test-model".into(),
        context_window: 128_000,
        input_micros_per_mtok: 2_500_000,
        output_micros_per_mtok: 10_000_000,
        embedding: false,
        source: "test".into(),
    });
    catalogue
}

#[tokio::test]
async fn a_repeated_request_is_answered_from_the_cache_and_replay_makes_no_calls() {
    let server = ScriptedServer::start(vec![
        Answer::chat("first answer"),
        Answer::chat("a fresh answer"),
        Answer::chat("another seed's answer"),
        Answer::chat("another workspace's answer"),
    ])
    .await;
    let mut gateway = gateway_for(&server, VendorKind::OpenAi);
    gateway.set_catalogue(priced_catalogue());
    let ledger = Arc::new(Ledger::default());
    gateway.set_ledger(ledger.clone());
    gateway.set_cache(Arc::new(MemoryCache::default()));
    let scope = CallScope::study("ws-1", "study-1");
    let mut request = ask("Which roast do you buy?").in_scope(scope.clone());
    request.seed = Some(42);

    let first = gateway.chat(&request).await.unwrap();
    let again = gateway.chat(&request).await.unwrap();
    assert_eq!(
        (first.text.as_str(), again.text.as_str()),
        ("first answer", "first answer")
    );
    assert_eq!(
        server.received().len(),
        1,
        "the repeat must not reach the vendor"
    );

    // A streamed request with the same content shares the answer, delivered as one piece.
    let mut pieces = Vec::new();
    let streamed = gateway
        .chat_stream(&request, |event| pieces.push(event))
        .await
        .unwrap();
    assert_eq!(streamed.text, "first answer");
    assert_eq!(pieces, vec![StreamEvent::Token("first answer".into())]);

    // Refresh asks again and keeps the new answer; Reuse then returns that one.
    let refresh = request
        .clone()
        .in_scope(scope.clone().with_cache(pw_llm::CacheMode::Refresh));
    assert_eq!(gateway.chat(&refresh).await.unwrap().text, "a fresh answer");
    assert_eq!(gateway.chat(&request).await.unwrap().text, "a fresh answer");

    // Another seed, or another workspace, is another question.
    let mut other_seed = request.clone();
    other_seed.seed = Some(43);
    assert_eq!(
        gateway.chat(&other_seed).await.unwrap().text,
        "another seed's answer"
    );
    let other_workspace = request
        .clone()
        .in_scope(CallScope::study("ws-2", "study-9"));
    assert_eq!(
        gateway.chat(&other_workspace).await.unwrap().text,
        "another workspace's answer"
    );
    let calls_before_replay = server.received().len();
    assert_eq!(calls_before_replay, 4);

    // Replay: everything asked before comes back, with zero calls; anything new fails clearly.
    let replay = scope.clone().with_cache(pw_llm::CacheMode::Replay);
    let replayed = gateway
        .chat(&request.clone().in_scope(replay.clone()))
        .await
        .unwrap();
    assert_eq!(replayed.text, "a fresh answer");
    let mut new_question = ask("Something never asked").in_scope(replay);
    new_question.seed = Some(42);
    let missing = gateway.chat(&new_question).await.unwrap_err();
    assert!(
        matches!(missing, LlmError::NotInCache { .. }),
        "{missing:?}"
    );
    assert!(
        missing.to_string().contains("run it normally once"),
        "{missing}"
    );
    assert_eq!(server.received().len(), calls_before_replay);

    // Every call is on the ledger: hits cost nothing, misses cost the catalogue's price.
    let records = ledger.records();
    let hits: Vec<_> = records.iter().filter(|r| r.cache_hit).collect();
    let misses: Vec<_> = records.iter().filter(|r| !r.cache_hit).collect();
    assert_eq!((hits.len(), misses.len()), (4, 4));
    assert!(hits.iter().all(|r| r.cost_micros == Some(0)));
    // 11 in at $2.50/M + 7 out at $10/M = 27.5 + 70 = 97.5 µ$, rounded half up.
    assert!(
        misses.iter().all(|r| r.cost_micros == Some(98)),
        "{misses:?}"
    );
    assert_eq!(records[0].scope.study_id.as_deref(), Some("study-1"));
}

#[tokio::test]
async fn a_study_at_its_budget_makes_no_call_and_says_why() {
    let server = ScriptedServer::start(vec![Answer::chat("never sent")]).await;
    let mut gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    let mut backup = VendorSettings::compatible("backup", &server.base_url);
    backup.limits = quick_limits();
    gateway.add_vendor(backup).unwrap();
    gateway.set_route(
        Task::TwinDialogue,
        vec![Route::new("test", "test-model"), Route::new("backup", "b")],
    );
    let ledger = Arc::new(Ledger {
        spent_studies: vec!["study-over".into()],
        ..Ledger::default()
    });
    gateway.set_ledger(ledger.clone());
    let request = ask("Hello").in_scope(CallScope::study("ws", "study-over"));
    let error = gateway.chat(&request).await.unwrap_err();
    assert!(matches!(error, LlmError::BudgetReached { .. }), "{error:?}");
    assert!(error.to_string().contains("raise the budget"), "{error}");
    // The fallback chain does not route around a budget.
    assert!(server.received().is_empty());
    let records = ledger.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].outcome, CallOutcome::BudgetReached);

    // Another study in the same workspace still runs.
    let fine = ask("Hello").in_scope(CallScope::study("ws", "study-ok"));
    assert_eq!(gateway.chat(&fine).await.unwrap().text, "never sent");
}

#[tokio::test]
async fn a_workspace_default_model_comes_first_and_the_task_chain_backs_it_up() {
    let server = ScriptedServer::start(vec![
        Answer::chat("client model"),
        Answer::chat("app model"),
    ])
    .await;
    let mut gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    gateway.set_workspace_default("client-a", Route::new("test", "client-deployment"));
    let in_a = ask("Hi").in_scope(CallScope::workspace("client-a"));
    let in_b = ask("Hi").in_scope(CallScope::workspace("client-b"));
    assert_eq!(
        gateway.routes_for(Task::TwinDialogue, &in_a.scope).unwrap(),
        vec![
            Route::new("test", "client-deployment"),
            Route::new("test", "test-model")
        ]
    );
    gateway.chat(&in_a).await.unwrap();
    gateway.chat(&in_b).await.unwrap();
    let models: Vec<_> = server
        .received()
        .iter()
        .map(|r| r.body["model"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(models, ["client-deployment", "test-model"]);
    // Embeddings keep the task's model: vectors from two models can't be compared.
    assert_eq!(
        gateway.routes_for(Task::Embeddings, &in_a.scope).unwrap(),
        vec![Route::new("test", "test-model")]
    );
}

#[tokio::test]
async fn offline_mode_with_no_local_model_says_no_model_is_configured() {
    let server = ScriptedServer::start(vec![]).await;
    let mut gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    gateway.set_offline(true);
    let error = gateway.chat(&ask("Hi")).await.unwrap_err();
    assert!(matches!(error, LlmError::NoRoute(_)), "{error:?}");
    assert!(server.received().is_empty());
}

/// A gateway whose chat tasks go to "primary" first and "backup" second.
fn chain_gateway(primary: &ScriptedServer, backup: &ScriptedServer) -> Gateway {
    chain_gateway_pacing(primary, backup, PacingState::new(), quick_limits())
}

/// The same, pacing its vendors with `pacing` (as the engine does across settings changes).
fn chain_gateway_pacing(
    primary: &ScriptedServer,
    backup: &ScriptedServer,
    pacing: Arc<PacingState>,
    limits: VendorLimits,
) -> Gateway {
    let mut gateway = Gateway::with_pacing(pacing);
    for (name, server) in [("primary", primary), ("backup", backup)] {
        let mut settings = VendorSettings::compatible(name, &server.base_url);
        settings.limits = limits.clone();
        gateway.add_vendor(settings).unwrap();
    }
    gateway.set_route(
        Task::TwinDialogue,
        vec![Route::new("primary", "big"), Route::new("backup", "small")],
    );
    gateway
}

/// Guards against a call that parks for as long as a vendor asked (an hour): the test fails
/// instead of hanging. Not a speed check: a call that moves on returns in milliseconds.
async fn without_parking<T>(call: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the call waited for as long as the vendor asked instead of moving on")
}

#[tokio::test]
async fn wait_headers_that_are_infinite_negative_or_garbage_are_ignored_not_a_panic() {
    for (name, value) in [
        ("retry-after-ms", "inf"),
        ("retry-after-ms", "NaN"),
        ("retry-after-ms", "1e400"),
        ("retry-after", "inf"),
        ("retry-after", "-5"),
        ("retry-after", "soon"),
        ("retry-after", ""),
        ("retry-after", "Tue, 01 Jan 1980 00:00:00 GMT"),
    ] {
        let server = ScriptedServer::start(vec![
            Answer::error(429, vec![(name, value.into())]),
            Answer::chat("answered"),
        ])
        .await;
        let gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
        let reply = without_parking(gateway.chat(&ask("hi"))).await;
        assert_eq!(
            reply.map(|r| r.text).map_err(|e| e.to_string()),
            Ok("answered".to_owned()),
            "{name}: {value}"
        );
        assert_eq!(server.received().len(), 2, "{name}: {value}");
    }
}

#[tokio::test]
async fn a_wait_beyond_any_clock_is_a_clear_error_not_a_panic() {
    for (name, value) in [("retry-after", "1e20"), ("retry-after-ms", "1e300")] {
        let server =
            ScriptedServer::start(vec![Answer::error(429, vec![(name, value.into())])]).await;
        server.otherwise(Answer::chat("never asked"));
        let gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
        let error = without_parking(gateway.chat(&ask("hi"))).await.unwrap_err();
        assert_eq!(
            error.kind(),
            "vendor_asked_to_wait",
            "{name}: {value}: {error:?}"
        );
        assert!(
            error.to_string().contains("asked us to wait 24 hours"),
            "{name}: {value}: {error}"
        );
        assert_eq!(server.received().len(), 1, "{name}: {value}");
    }

    // A reset far in the future on a successful answer: that answer stands, and the next call
    // is told how long the vendor wants rather than parked or crashed.
    let server = ScriptedServer::start(vec![Answer::Json {
        status: 200,
        headers: vec![
            ("x-ratelimit-remaining-requests", "0".into()),
            ("x-ratelimit-reset-requests", "99999999999999999999h".into()),
        ],
        body: json!({ "model": "test-model",
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": "last one" }, "finish_reason": "stop" }] }),
        delay: Duration::ZERO,
    }])
    .await;
    server.otherwise(Answer::chat("never asked"));
    let gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    assert_eq!(
        without_parking(gateway.chat(&ask("hi")))
            .await
            .unwrap()
            .text,
        "last one"
    );
    let error = without_parking(gateway.chat(&ask("again")))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("asked us to wait 24 hours"),
        "{error}"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_vendor_asking_for_an_hour_hands_the_call_to_the_next_route() {
    let primary = ScriptedServer::start(vec![Answer::error(
        429,
        vec![("retry-after", "3600".into())],
    )])
    .await;
    primary.otherwise(Answer::chat("from the primary"));
    let backup = ScriptedServer::start(vec![]).await;
    backup.otherwise(Answer::chat("from the backup"));
    let gateway = chain_gateway(&primary, &backup);

    let reply = without_parking(gateway.chat(&ask("hi"))).await.unwrap();
    assert_eq!(reply.vendor, "backup");
    assert_eq!(primary.received().len(), 1);
    // The primary stays paused for the hour it asked for: the next call goes straight on.
    let reply = without_parking(gateway.chat(&ask("again"))).await.unwrap();
    assert_eq!(reply.vendor, "backup");
    assert_eq!(primary.received().len(), 1, "a paused vendor was called");
    assert_eq!(backup.received().len(), 2);
}

#[tokio::test]
async fn a_vendor_asking_for_an_hour_with_no_other_route_fails_saying_so() {
    let server = ScriptedServer::start(vec![Answer::error(
        429,
        vec![("retry-after", "3600".into())],
    )])
    .await;
    server.otherwise(Answer::chat("never asked"));
    let gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    let error = without_parking(gateway.chat(&ask("hi"))).await.unwrap_err();
    assert!(
        error.to_string().contains("asked us to wait 60 minutes"),
        "{error}"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn a_connection_cut_mid_body_is_retried_like_a_dropped_connection() {
    let server = ScriptedServer::start(vec![
        Answer::CutBody {
            partial: "{\"choices\": [{\"message\": {\"content\": \"I thi".into(),
        },
        Answer::chat("the whole answer"),
    ])
    .await;
    let gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    assert_eq!(
        gateway.chat(&ask("hi")).await.unwrap().text,
        "the whole answer"
    );
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn an_error_counts_the_attempts_really_made() {
    let server = ScriptedServer::start(vec![]).await;
    server.otherwise(Answer::CutBody {
        partial: "{\"choices\": [".into(),
    });
    let error = gateway_for(&server, VendorKind::OpenAiCompatible)
        .chat(&ask("hi"))
        .await
        .unwrap_err();
    let sent = server.received().len();
    match &error {
        LlmError::Unreachable { attempts, .. } => assert_eq!(*attempts as usize, sent, "{error}"),
        other => panic!("{other:?}"),
    }
    assert!(
        error.to_string().contains(&format!("after {sent} tries")),
        "{error}"
    );

    // One attempt is "1 try".
    let down = ScriptedServer::start(vec![]).await;
    down.otherwise(Answer::error(502, vec![]));
    let mut settings = VendorSettings::compatible("once", &down.base_url);
    settings.limits = VendorLimits {
        max_attempts: 1,
        ..quick_limits()
    };
    let mut gateway = Gateway::new();
    gateway.add_vendor(settings).unwrap();
    gateway.set_route(Task::TwinDialogue, vec![Route::new("once", "m")]);
    let error = gateway.chat(&ask("hi")).await.unwrap_err();
    assert_eq!(down.received().len(), 1);
    assert!(error.to_string().contains("after 1 try:"), "{error}");
}

#[tokio::test]
async fn an_empty_answer_is_a_failed_attempt_not_an_answer() {
    let server = ScriptedServer::start(vec![
        Answer::chat(""),
        Answer::chat("  \n"),
        Answer::chat("a real answer"),
    ])
    .await;
    let gateway = gateway_for(&server, VendorKind::OpenAiCompatible);
    assert_eq!(
        gateway.chat(&ask("hi")).await.unwrap().text,
        "a real answer"
    );
    assert_eq!(server.received().len(), 3);

    // A vendor that only ever answers nothing uses up its attempts, then the chain moves on.
    let blank = ScriptedServer::start(vec![]).await;
    blank.otherwise(Answer::chat(""));
    let backup = ScriptedServer::start(vec![Answer::chat("from the backup")]).await;
    let reply = chain_gateway(&blank, &backup)
        .chat(&ask("hi"))
        .await
        .unwrap();
    assert_eq!(reply.text, "from the backup");
    assert_eq!(blank.received().len(), 3);

    let error = gateway_for(&blank, VendorKind::OpenAiCompatible)
        .chat(&ask("hi"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "empty_answer", "{error:?}");
    assert!(error.to_string().contains("empty answer"), "{error}");

    // A stream that finishes without a word is empty too.
    let silent = ScriptedServer::start(vec![
        Answer::Stream {
            pieces: vec![],
            finish: true,
            cut: false,
        },
        Answer::Stream {
            pieces: vec!["Spoken.".into()],
            finish: true,
            cut: false,
        },
    ])
    .await;
    let reply = gateway_for(&silent, VendorKind::OpenAiCompatible)
        .chat_stream(&ask("hi"), |_| {})
        .await
        .unwrap();
    assert_eq!(reply.text, "Spoken.");
}

#[tokio::test]
async fn a_stream_that_dies_mid_answer_starts_over_on_the_next_route() {
    let primary = ScriptedServer::start(vec![]).await;
    primary.otherwise(Answer::Stream {
        pieces: vec!["I think ".into(), "the price".into()],
        finish: false,
        cut: true,
    });
    let backup = ScriptedServer::start(vec![Answer::Stream {
        pieces: vec!["Too ".into(), "dear.".into()],
        finish: true,
        cut: false,
    }])
    .await;
    let gateway = chain_gateway(&primary, &backup);
    let mut shown = String::new();
    let mut events = Vec::new();
    let reply = gateway
        .chat_stream(&ask("Price?"), |event| {
            event.apply_to(&mut shown);
            events.push(event);
        })
        .await
        .unwrap();
    assert_eq!(reply.vendor, "backup");
    assert_eq!(reply.text, "Too dear.");
    assert_eq!(
        shown, reply.text,
        "the first route's words were left in front"
    );
    let token = |text: &str| StreamEvent::Token(text.into());
    assert_eq!(events[..2], [token("I think "), token("the price")]);
    assert!(
        matches!(&events[2], StreamEvent::Restart { vendor, .. } if vendor == "primary"),
        "{events:?}"
    );
    assert_eq!(events[3..], [token("Too "), token("dear.")]);
}

#[tokio::test]
async fn a_repointed_vendor_never_answers_from_the_old_address_cache() {
    let first = ScriptedServer::start(vec![Answer::chat("from the first server")]).await;
    let second = ScriptedServer::start(vec![Answer::chat("from the second server")]).await;
    let cache = Arc::new(MemoryCache::default());
    let request = ask("Which roast?").in_scope(CallScope::workspace("ws-1"));
    let gateway_at = |server: &ScriptedServer| {
        let mut gateway = gateway_for(server, VendorKind::OpenAiCompatible);
        gateway.set_cache(cache.clone());
        gateway
    };

    assert_eq!(
        gateway_at(&first).chat(&request).await.unwrap().text,
        "from the first server"
    );
    // The same vendor name and model, now at another address: another question.
    assert_eq!(
        gateway_at(&second).chat(&request).await.unwrap().text,
        "from the second server"
    );
    assert_eq!(second.received().len(), 1);
    // Back at the first address, unchanged: its answer comes from the cache.
    assert_eq!(
        gateway_at(&first).chat(&request).await.unwrap().text,
        "from the first server"
    );
    assert_eq!(first.received().len(), 1);
}

#[tokio::test]
async fn a_pause_a_vendor_asked_for_outlasts_a_settings_change() {
    let primary = ScriptedServer::start(vec![Answer::error(
        429,
        vec![("retry-after", "3600".into())],
    )])
    .await;
    primary.otherwise(Answer::chat("from the primary"));
    let backup = ScriptedServer::start(vec![]).await;
    backup.otherwise(Answer::chat("from the backup"));
    let pacing = PacingState::new();

    let before = chain_gateway_pacing(&primary, &backup, pacing.clone(), quick_limits());
    let reply = without_parking(before.chat(&ask("hi"))).await.unwrap();
    assert_eq!(reply.vendor, "backup");
    assert_eq!(primary.received().len(), 1);

    // A settings change: the engine builds a new gateway from the saved settings, sharing the
    // pacing. The pause the primary asked for still holds, with the same limits or new ones.
    let after = chain_gateway_pacing(&primary, &backup, pacing.clone(), quick_limits());
    let reply = without_parking(after.chat(&ask("again"))).await.unwrap();
    assert_eq!(reply.vendor, "backup");
    let relimited = chain_gateway_pacing(
        &primary,
        &backup,
        pacing.clone(),
        VendorLimits {
            requests_per_minute: Some(600),
            ..quick_limits()
        },
    );
    let reply = without_parking(relimited.chat(&ask("and again")))
        .await
        .unwrap();
    assert_eq!(reply.vendor, "backup");
    assert_eq!(primary.received().len(), 1, "the paused vendor was called");

    // Pacing state that is not shared knows nothing of the pause (what happened before).
    let unshared = chain_gateway_pacing(&primary, &backup, PacingState::new(), quick_limits());
    let reply = without_parking(unshared.chat(&ask("fresh"))).await.unwrap();
    assert_eq!(reply.vendor, "primary");
}

#[tokio::test]
async fn a_stream_restart_is_announced_only_when_words_were_shown() {
    // The first route fails before any word: nothing to take back, no restart.
    let primary = ScriptedServer::start(vec![]).await;
    primary.otherwise(Answer::error(503, vec![]));
    let backup = ScriptedServer::start(vec![Answer::Stream {
        pieces: vec!["Fine.".into()],
        finish: true,
        cut: false,
    }])
    .await;
    let mut events = Vec::new();
    let reply = chain_gateway(&primary, &backup)
        .chat_stream(&ask("Price?"), |event| events.push(event))
        .await
        .unwrap();
    assert_eq!(reply.text, "Fine.");
    assert_eq!(events, vec![StreamEvent::Token("Fine.".into())]);

    // The last route dies mid-answer: no model takes over, so nothing announces a restart;
    // the call fails, and a failed stream is never an answer.
    let only = ScriptedServer::start(vec![]).await;
    only.otherwise(Answer::Stream {
        pieces: vec!["I think ".into()],
        finish: false,
        cut: true,
    });
    let mut events = Vec::new();
    let error = gateway_for(&only, VendorKind::OpenAiCompatible)
        .chat_stream(&ask("Price?"), |event| events.push(event))
        .await
        .unwrap_err();
    assert!(
        matches!(error, LlmError::StreamInterrupted { .. }),
        "{error:?}"
    );
    assert!(
        events
            .iter()
            .all(|event| matches!(event, StreamEvent::Token(_))),
        "{events:?}"
    );
}

/// A local backend that answers one fixed text and names itself as told: the gateway's keying
/// is under test here; pw-local-llm's tests check that a real model's identity is its file's
/// SHA-256.
struct FixedLocalModel {
    identity: String,
    answer: String,
}

impl LocalBackend for FixedLocalModel {
    fn model(&self) -> &str {
        "tiny"
    }

    fn identity(&self) -> &str {
        &self.identity
    }

    fn generate<'a>(
        &'a self,
        _request: &'a ChatRequest,
        on_token: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<ChatReply, LlmError>> {
        Box::pin(async move {
            on_token(&self.answer);
            Ok(ChatReply {
                text: self.answer.clone(),
                vendor: "local".into(),
                model: "tiny".into(),
                usage: Default::default(),
                finish_reason: Some("stop".into()),
            })
        })
    }
}

#[tokio::test]
async fn a_swapped_local_model_file_never_answers_from_the_old_files_cache() {
    let cache = Arc::new(MemoryCache::default());
    let with_local = |identity: &str, answer: &str| {
        let mut gateway = Gateway::new();
        gateway.add_local(
            "local",
            Arc::new(FixedLocalModel {
                identity: identity.into(),
                answer: answer.into(),
            }),
        );
        gateway.set_cache(cache.clone());
        gateway
    };
    let request = ask("Which roast?").in_scope(CallScope::workspace("ws-1"));
    let answer = |gateway: Gateway| {
        let request = request.clone();
        async move { gateway.chat(&request).await.unwrap().text }
    };
    assert_eq!(
        answer(with_local("gguf-sha256:aa", "from file A")).await,
        "from file A"
    );
    // Same vendor name, same model name, another file.
    assert_eq!(
        answer(with_local("gguf-sha256:bb", "from file B")).await,
        "from file B"
    );
    // The first file again, unchanged: its answer comes from the cache.
    assert_eq!(
        answer(with_local("gguf-sha256:aa", "asked again")).await,
        "from file A"
    );
}

/// A local model that answers from a script, one answer per request, and notes each request's
/// seed: the gateway's handling of what a local model says is under test here.
struct ScriptedLocalModel {
    answers: Mutex<std::collections::VecDeque<String>>,
    /// What it answers once the script is spent.
    otherwise: String,
    seeds: Mutex<Vec<Option<i64>>>,
}

impl ScriptedLocalModel {
    fn new(answers: &[&str], otherwise: &str) -> Arc<Self> {
        Arc::new(ScriptedLocalModel {
            answers: Mutex::new(answers.iter().map(|a| a.to_string()).collect()),
            otherwise: otherwise.into(),
            seeds: Mutex::new(Vec::new()),
        })
    }

    fn asked(&self) -> usize {
        self.seeds.lock().unwrap().len()
    }
}

impl LocalBackend for ScriptedLocalModel {
    fn model(&self) -> &str {
        "tiny"
    }

    fn identity(&self) -> &str {
        "gguf-sha256:scripted"
    }

    fn generate<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_token: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<ChatReply, LlmError>> {
        self.seeds.lock().unwrap().push(request.seed);
        let answer = self
            .answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| self.otherwise.clone());
        Box::pin(async move {
            // As llama.cpp does, every decoded piece is passed on, whitespace too.
            if !answer.is_empty() {
                on_token(&answer);
            }
            Ok(ChatReply {
                text: answer,
                vendor: "local".into(),
                model: "tiny".into(),
                usage: Default::default(),
                finish_reason: Some("stop".into()),
            })
        })
    }
}

/// An empty answer from a local model is a failed attempt, as a vendor's is: asked again (with
/// another seed, since the same seed on the same file gives the same nothing), then the chain
/// moves on, then the call fails with the typed error; a streamed attempt that said nothing
/// shows nothing.
#[tokio::test]
async fn an_empty_local_answer_is_a_failed_attempt_not_an_answer() {
    let local_only = |model: Arc<ScriptedLocalModel>| {
        let mut gateway = Gateway::new();
        gateway.add_local("local", model);
        gateway
    };
    let model = ScriptedLocalModel::new(&["", " \n", "A real answer."], "unused");
    let mut request = ask("Which roast?");
    request.seed = Some(7);
    let reply = local_only(model.clone()).chat(&request).await.unwrap();
    assert_eq!(reply.text, "A real answer.");
    let seeds = model.seeds.lock().unwrap().clone();
    assert_eq!(seeds.len(), 3, "{seeds:?}");
    assert_eq!(
        seeds[0],
        Some(7),
        "the first attempt asks as the caller did"
    );
    assert!(
        seeds[0] != seeds[1] && seeds[1] != seeds[2] && seeds[0] != seeds[2],
        "{seeds:?}"
    );

    // Always empty: the attempts run out and the typed error says so.
    let blank = ScriptedLocalModel::new(&[], "");
    let error = local_only(blank.clone())
        .chat(&ask("Which roast?"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "empty_answer", "{error:?}");
    assert!(
        matches!(&error, LlmError::EmptyAnswer { vendor, attempts } if vendor == "local" && *attempts as usize == blank.asked()),
        "{error:?}"
    );
    assert!(blank.asked() > 1, "asked again before giving up");

    // With a vendor after it in the chain, the vendor answers.
    let backup = ScriptedServer::start(vec![Answer::chat("from the backup")]).await;
    let mut gateway = Gateway::new();
    gateway.add_local("local", ScriptedLocalModel::new(&[], "  "));
    let mut settings = VendorSettings::compatible("backup", &backup.base_url);
    settings.limits = quick_limits();
    gateway.add_vendor(settings).unwrap();
    gateway.set_route(
        Task::TwinDialogue,
        vec![Route::new("local", "tiny"), Route::new("backup", "small")],
    );
    let reply = gateway.chat(&ask("Which roast?")).await.unwrap();
    assert_eq!(reply.text, "from the backup");

    // Streamed: the whitespace-only attempt shows nothing, so nothing has to be taken back.
    let model = ScriptedLocalModel::new(&["  \n", "Spoken."], "unused");
    let mut events = Vec::new();
    let reply = local_only(model)
        .chat_stream(&ask("Which roast?"), |event| events.push(event))
        .await
        .unwrap();
    assert_eq!(reply.text, "Spoken.");
    assert_eq!(events, [StreamEvent::Token("Spoken.".into())]);
}

/// A local embedder that gives every text one fixed vector and names itself as told;
/// pw-local-llm's tests check that a real embedder's identity is its files' hash.
struct FixedLocalEmbedder {
    identity: String,
    vector: Vec<f32>,
}

impl LocalEmbeddingBackend for FixedLocalEmbedder {
    fn model(&self) -> &str {
        "all-minilm-l6-v2"
    }

    fn identity(&self) -> &str {
        &self.identity
    }

    fn embed<'a>(
        self: Arc<Self>,
        texts: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Vec<f32>>, LlmError>> {
        Box::pin(async move { Ok(vec![self.vector.clone(); texts.len()]) })
    }
}

#[tokio::test]
async fn swapped_local_embedding_files_never_answer_from_the_old_files_cache() {
    let cache = Arc::new(MemoryCache::default());
    let with_embedder = |identity: &str, vector: Vec<f32>| {
        let mut gateway = Gateway::new();
        gateway.add_local_embedder(
            "local",
            Arc::new(FixedLocalEmbedder {
                identity: identity.into(),
                vector,
            }),
        );
        gateway.set_cache(cache.clone());
        gateway
    };
    let scope = CallScope::workspace("ws-1");
    let texts = vec!["Great beans.".to_owned()];
    let embed = |gateway: Gateway| {
        let (scope, texts) = (scope.clone(), texts.clone());
        async move { gateway.embed(&scope, &texts).await.unwrap() }
    };
    assert_eq!(
        embed(with_embedder("minilm-sha256:aa", vec![1.0, 0.0])).await,
        [vec![1.0, 0.0]]
    );
    // Same vendor, same model name, other files.
    assert_eq!(
        embed(with_embedder("minilm-sha256:bb", vec![0.0, 1.0])).await,
        [vec![0.0, 1.0]]
    );
    // The first files again: their vectors come from the cache.
    assert_eq!(
        embed(with_embedder("minilm-sha256:aa", vec![0.5, 0.5])).await,
        [vec![1.0, 0.0]]
    );
}
