//! The engine's language-model side with real parts: a real SQLite file, the real OS keychain
//! (Secret Service; `scripts/with-test-keyring` provides one), the real local models, and an
//! OpenAI-compatible server over loopback HTTP.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use pw_engine::{
    CacheMode, CallScope, ChatMessage, ChatRequest, CreateWorkspace, Engine, EngineConfig,
    ErrorKind, ModelInfo, Route, Secret, StudyKind, Task, VendorInput, VendorKind,
};
use serde_json::{Value, json};

/// An OpenAI-compatible server that answers every chat request, or refuses with a 401 that
/// echoes the key it was sent (as some vendors do), and remembers what it received.
#[derive(Clone, Default)]
struct VendorServer {
    received: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    refuse: Arc<Mutex<bool>>,
}

async fn completions(
    State(server): State<VendorServer>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    server
        .received
        .lock()
        .unwrap()
        .push((headers.clone(), body.clone()));
    if *server.refuse.lock().unwrap() {
        let sent = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim_start_matches("Bearer ")
            .to_owned();
        let message = format!("Incorrect API key provided: {sent}");
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": { "message": message, "type": "invalid_request_error", "code": "invalid_api_key" } })),
        )
            .into_response();
    }
    let question = body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_owned();
    Json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": format!("answer to: {question}") }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500 }
    }))
    .into_response()
}

impl VendorServer {
    async fn start() -> (Self, String) {
        let server = VendorServer::default();
        let app = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(completions))
            .with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (server, format!("http://{address}/v1"))
    }

    fn calls(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

fn models_dir() -> PathBuf {
    std::env::var_os("PROFITWHEEL_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

/// An engine on a fresh data folder, with its own keychain service so tests never meet the
/// user's keys or each other's.
async fn engine(dir: &Path, test: &str) -> Arc<Engine> {
    let mut config = EngineConfig::new(dir);
    config.models_dir = models_dir();
    config.keychain_service = format!("ProfitWheel test {test} {}", std::process::id());
    Engine::open(config).await.unwrap()
}

async fn workspace(engine: &Engine, name: &str) -> String {
    engine
        .create_workspace(CreateWorkspace {
            name: name.into(),
            brand: "Halcyon".into(),
            currency: "USD".into(),
            time_zone: "Europe/London".into(),
        })
        .await
        .unwrap()
        .workspace
        .id
}

/// Adds the loopback server as vendor `team-vllm`, routes twin dialogue to it, and prices its
/// model at $1 per million input tokens and $2 per million output tokens.
async fn add_team_server(engine: &Engine, base_url: &str) {
    engine
        .save_vendor(VendorInput {
            name: Some("team-vllm".into()),
            kind: VendorKind::OpenAiCompatible,
            base_url: Some(base_url.into()),
            requests_per_minute: None,
            tokens_per_minute: None,
            max_concurrency: Some(4),
            azure_api_version: None,
        })
        .await
        .unwrap();
    engine
        .set_task_route(Task::TwinDialogue, vec![Route::new("team-vllm", "qwen-7b")])
        .await
        .unwrap();
    engine
        .edit_model_price(ModelInfo {
            vendor: "team-vllm".into(),
            model: "qwen-7b".into(),
            context_window: 32_768,
            input_micros_per_mtok: 1_000_000,
            output_micros_per_mtok: 2_000_000,
            embedding: false,
            source: "edited".into(),
        })
        .await
        .unwrap();
}

fn ask(text: &str, scope: CallScope) -> ChatRequest {
    let mut request =
        ChatRequest::new(Task::TwinDialogue, vec![ChatMessage::user(text)]).in_scope(scope);
    request.seed = Some(7);
    request
}

/// Every file under `dir`, with `.pwx` workspace files decompressed (gzip would hide a key).
fn file_contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let mut bytes = std::fs::read(&path).unwrap();
            if path.extension().is_some_and(|e| e == "pwx") {
                let mut plain = Vec::new();
                flate2::read::GzDecoder::new(bytes.as_slice())
                    .read_to_end(&mut plain)
                    .unwrap();
                bytes = plain;
            }
            found.push((path, bytes));
        }
    }
    found
}

#[tokio::test]
async fn a_canary_key_reaches_the_vendor_and_no_file_the_app_writes() {
    let canary = format!("sk-canary-{}-a1b2c3d4e5f6", std::process::id());
    let dir = tempfile::tempdir().unwrap();
    // Everything the engine logs, at every level, goes to a file in the data folder.
    let log_path = dir.path().join("profitwheel.log");
    let log_file = std::fs::File::create(&log_path).unwrap();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(Mutex::new(log_file))
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);

    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "canary").await;
    add_team_server(&engine, &base_url).await;
    engine
        .set_vendor_key("team-vllm", Secret::new(canary.clone()))
        .await
        .unwrap();

    let settings = engine.model_settings().await.unwrap();
    let vendor = &settings.vendors[0];
    assert!(vendor.key_configured);
    assert!(!format!("{settings:?}").contains(&canary));

    let workspace = workspace(&engine, "Canary client").await;
    let study = engine
        .create_study(&workspace, StudyKind::FocusGroup, "Cold brew", None)
        .await
        .unwrap();
    let reply = engine
        .chat(&ask(
            "Why cold brew?",
            CallScope::study(&workspace, &study.id),
        ))
        .await
        .unwrap();
    assert_eq!(reply.text, "answer to: Why cold brew?");
    {
        let received = server.received.lock().unwrap();
        assert_eq!(
            received[0].0["authorization"].to_str().unwrap(),
            format!("Bearer {canary}"),
            "the key from the keychain is what the vendor receives"
        );
    }

    // A vendor that echoes the key in its refusal: the error the user sees is scrubbed.
    *server.refuse.lock().unwrap() = true;
    let refused = engine
        .chat(&ask("Again?", CallScope::study(&workspace, &study.id)))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::NotConfigured);
    assert!(refused.to_string().contains("[redacted]"), "{refused}");
    assert!(!refused.to_string().contains(&canary));
    let check = engine.test_vendor("team-vllm", None).await.unwrap_err();
    assert_eq!(check.kind(), ErrorKind::NotConfigured);
    assert!(!check.to_string().contains(&canary));

    std::fs::create_dir_all(dir.path().join("exports")).unwrap();
    engine
        .export_workspace(&workspace, &dir.path().join("exports/canary.pwx"))
        .await
        .unwrap();
    engine.shutdown().await;
    drop(_logging);

    let files = file_contents(dir.path());
    assert!(
        files
            .iter()
            .any(|(p, _)| p.ends_with("profitwheel.sqlite3")),
        "{:?}",
        files.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    assert!(files.iter().any(|(p, _)| p.ends_with("canary.pwx")));
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("gen_ai"), "the log saw the model calls");
    for (path, bytes) in &files {
        assert!(
            !bytes
                .windows(canary.len())
                .any(|window| window == canary.as_bytes()),
            "{} contains the key",
            path.display()
        );
    }

    // Removing the vendor removes its key from the keychain.
    let engine = self::engine(dir.path(), "canary").await;
    engine.remove_vendor("team-vllm").await.unwrap();
    assert!(engine.model_settings().await.unwrap().vendors.is_empty());
    engine
        .save_vendor(VendorInput {
            name: Some("team-vllm".into()),
            kind: VendorKind::OpenAiCompatible,
            base_url: Some(base_url),
            requests_per_minute: None,
            tokens_per_minute: None,
            max_concurrency: None,
            azure_api_version: None,
        })
        .await
        .unwrap();
    assert!(!engine.model_settings().await.unwrap().vendors[0].key_configured);
    engine.remove_vendor("team-vllm").await.unwrap();
}

#[tokio::test]
async fn calls_are_costed_per_study_and_a_budget_stops_new_calls() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "budget").await;
    add_team_server(&engine, &base_url).await;
    let workspace = workspace(&engine, "Budget client").await;
    // Each call costs 1,000 × $1/M + 500 × $2/M = $0.002; the cap allows two.
    let study = engine
        .create_study(&workspace, StudyKind::Survey, "Price test", Some(4_000))
        .await
        .unwrap();
    let free = engine
        .create_study(&workspace, StudyKind::Interview, "Uncapped", None)
        .await
        .unwrap();
    let scope = CallScope::study(&workspace, &study.id);
    for question in ["one?", "two?"] {
        engine.chat(&ask(question, scope.clone())).await.unwrap();
    }
    let stopped = engine
        .chat(&ask("three?", scope.clone()))
        .await
        .unwrap_err();
    assert_eq!(stopped.kind(), ErrorKind::BudgetReached);
    assert_eq!(
        stopped.to_string(),
        "this study has used $0.0040 of its $0.0040 model budget; raise the budget to continue"
    );
    assert_eq!(server.calls(), 2, "the third call never left the machine");
    engine
        .chat(&ask("still fine?", CallScope::study(&workspace, &free.id)))
        .await
        .unwrap();

    engine
        .set_study_budget(&study.id, Some(10_000))
        .await
        .unwrap();
    engine.chat(&ask("three?", scope)).await.unwrap();

    let spend = engine.workspace_spend(&workspace, 30).await.unwrap();
    assert_eq!(spend.total_micros, 4 * 2_000);
    assert_eq!(spend.calls, 5, "four answered calls and one refused");
    assert_eq!(spend.failed_calls, 1);
    assert_eq!((spend.input_tokens, spend.output_tokens), (4_000, 2_000));
    let capped = spend
        .by_study
        .iter()
        .find(|s| s.study_id == study.id)
        .unwrap();
    assert_eq!(
        (capped.spent_micros, capped.budget_micros, capped.calls),
        (6_000, Some(10_000), 4)
    );
    let uncapped = spend
        .by_study
        .iter()
        .find(|s| s.study_id == free.id)
        .unwrap();
    assert_eq!(
        (uncapped.spent_micros, uncapped.budget_micros),
        (2_000, None)
    );
    assert_eq!(spend.by_day.len(), 1);
    assert_eq!(spend.by_day[0].cost_micros, 8_000);
    assert_eq!(spend.by_model[0].model, "qwen-7b");
}

#[tokio::test]
async fn a_finished_study_replays_from_the_cache_with_zero_calls() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "replay").await;
    add_team_server(&engine, &base_url).await;
    let workspace = workspace(&engine, "Replay client").await;
    let study = engine
        .create_study(&workspace, StudyKind::FocusGroup, "Packaging", None)
        .await
        .unwrap();
    let scope = CallScope::study(&workspace, &study.id);
    let questions = ["What do you notice first?", "Would you buy it?", "Why?"];
    let mut first_run = Vec::new();
    for question in questions {
        first_run.push(
            engine
                .chat(&ask(question, scope.clone()))
                .await
                .unwrap()
                .text,
        );
    }
    assert_eq!(server.calls(), 3);

    // The cache lives in the database: a new process replays it.
    engine.shutdown().await;
    let engine = self::engine(dir.path(), "replay").await;
    let replay = scope.clone().with_cache(CacheMode::Replay);
    let mut replayed = Vec::new();
    for question in questions {
        replayed.push(
            engine
                .chat(&ask(question, replay.clone()))
                .await
                .unwrap()
                .text,
        );
    }
    assert_eq!(replayed, first_run);
    assert_eq!(server.calls(), 3, "replay made no calls");
    let missing = engine
        .chat(&ask("A new question", replay))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    let spend = engine.workspace_spend(&workspace, 30).await.unwrap();
    assert_eq!(spend.cache_hits, 3);
    assert_eq!(spend.total_micros, 3 * 2_000, "hits cost nothing");
}

#[tokio::test]
async fn with_no_key_or_offline_every_task_runs_on_the_local_models() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "offline").await;
    let settings = engine.model_settings().await.unwrap();
    assert!(settings.local_chat_model.present && settings.local_embedding_model.present);

    // A fresh install: nothing configured, the local model answers.
    let mut request = ask("Say hi.", CallScope::default());
    request.max_tokens = Some(8);
    let reply = engine.chat(&request).await.unwrap();
    assert_eq!(reply.vendor, pw_engine::LOCAL_VENDOR);

    // A cloud route is configured, but offline mode keeps calls on this machine.
    add_team_server(&engine, &base_url).await;
    engine.set_offline(true).await.unwrap();
    assert!(engine.model_settings().await.unwrap().offline);
    let reply = engine.chat(&request).await.unwrap();
    assert_eq!(reply.vendor, pw_engine::LOCAL_VENDOR);
    let vectors = engine
        .gateway()
        .await
        .unwrap()
        .embed(&CallScope::default(), &["cold brew".to_owned()])
        .await
        .unwrap();
    assert_eq!(vectors[0].len(), 384);
    assert_eq!(server.calls(), 0);

    engine.set_offline(false).await.unwrap();
    assert_eq!(engine.chat(&request).await.unwrap().vendor, "team-vllm");
    assert_eq!(server.calls(), 1);
}

#[tokio::test]
async fn a_workspace_can_answer_with_its_own_model() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "workspace-model").await;
    add_team_server(&engine, &base_url).await;
    let client = workspace(&engine, "Client with own deployment").await;
    let other = workspace(&engine, "Other client").await;
    engine
        .set_workspace_model(&client, Some(Route::new("team-vllm", "client-ft-model")))
        .await
        .unwrap();
    engine
        .chat(&ask("hi", CallScope::workspace(&client)))
        .await
        .unwrap();
    engine
        .chat(&ask("hi", CallScope::workspace(&other)))
        .await
        .unwrap();
    let models: Vec<String> = server
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| body["model"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(models, ["client-ft-model", "qwen-7b"]);

    // Settings refuse what can't work, in words.
    let unknown = engine
        .set_task_route(Task::Analysis, vec![Route::new("nobody", "x")])
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::InvalidInput);
    let no_address = engine
        .save_vendor(VendorInput {
            name: Some("ollama".into()),
            kind: VendorKind::OpenAiCompatible,
            base_url: None,
            requests_per_minute: None,
            tokens_per_minute: None,
            max_concurrency: None,
            azure_api_version: None,
        })
        .await
        .unwrap_err();
    assert!(
        no_address
            .to_string()
            .contains("needs the server's address"),
        "{no_address}"
    );
}

#[tokio::test]
async fn a_gguf_downloaded_by_a_job_becomes_the_local_model() {
    let bytes = Arc::new(
        std::fs::read(
            models_dir()
                .join("smollm2")
                .join("SmolLM2-135M-Instruct.Q4_1.gguf"),
        )
        .unwrap(),
    );
    let served = bytes.clone();
    let app = axum::Router::new().route(
        "/files/{name}",
        axum::routing::get(move || {
            let body = served.clone();
            async move { body.as_ref().clone() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let mut config = EngineConfig::new(dir.path());
    config.models_dir = models.clone();
    config.keychain_service = format!("ProfitWheel test download {}", std::process::id());
    config.runner.poll = std::time::Duration::from_millis(50);
    let engine = Engine::open(config).await.unwrap();
    // No bundled model in this folder: nothing local can answer yet.
    let before = engine
        .chat(&ask("Say hi.", CallScope::default()))
        .await
        .unwrap_err();
    assert_eq!(before.kind(), ErrorKind::NotConfigured);

    let bad = engine
        .start_model_download(&format!("http://{address}/files/model.bin"), None)
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);
    let bad_sum = engine
        .start_model_download(
            &format!("http://{address}/files/m.gguf"),
            Some("abc".into()),
        )
        .await
        .unwrap_err();
    assert!(bad_sum.to_string().contains("64 hexadecimal"), "{bad_sum}");

    engine.start_workers().await;
    let job = engine
        .start_model_download(&format!("http://{address}/files/Tiny-Chat.Q4_1.gguf"), None)
        .await
        .unwrap();
    let mut messages = Vec::new();
    let done = engine
        .wait_for_job(&job.id, |j| messages.extend(j.progress_message.clone()))
        .await
        .unwrap();
    assert_eq!(
        done.state,
        pw_engine::JobStatus::Succeeded,
        "{:?}",
        done.last_error
    );
    assert!(
        messages.iter().any(|m| m.contains(" MB of ")),
        "{messages:?}"
    );
    let file = models.join("Tiny-Chat.Q4_1.gguf");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), bytes.len() as u64);

    let settings = engine.model_settings().await.unwrap();
    assert_eq!(settings.local_model_files, vec![file.clone()]);
    engine.set_local_chat_model(Some(file)).await.unwrap();
    let mut request = ask("Say hi.", CallScope::default());
    request.max_tokens = Some(4);
    let reply = engine.chat(&request).await.unwrap();
    assert_eq!(
        (reply.vendor.as_str(), reply.model.as_str()),
        ("local", "Tiny-Chat.Q4_1")
    );
    assert_eq!(
        engine.model_settings().await.unwrap().local_chat_model.name,
        "Tiny-Chat.Q4_1.gguf"
    );

    let not_a_model = engine
        .set_local_chat_model(Some(dir.path().join("profitwheel.sqlite3")))
        .await
        .unwrap_err();
    assert_eq!(not_a_model.kind(), ErrorKind::InvalidInput);
    engine.shutdown().await;
}
