//! What the language-model tests share: an OpenAI-compatible server over loopback, engines on
//! fresh data folders with their own keychain service, and small builders.

#![allow(dead_code, reason = "each test binary uses part of this")]

pub mod copilot_analyst;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use pw_engine::models::{
    CallScope, ChatMessage, ChatRequest, ModelInfo, Route, Task, VendorInput, VendorKind,
};
use pw_engine::workspaces::{CreateWorkspace, WorkspaceId};
use pw_engine::{Engine, EngineConfig};
use serde_json::{Value, json};

/// An OpenAI-compatible server that answers every chat request, or refuses with a 401 that
/// echoes the key it was sent (as some vendors do), and remembers what it received.
#[derive(Clone, Default)]
pub struct VendorServer {
    pub received: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    pub refuse: Arc<Mutex<bool>>,
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
    pub async fn start() -> (Self, String) {
        let server = VendorServer::default();
        let app = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(completions))
            .with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (server, format!("http://{address}/v1"))
    }

    pub fn calls(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

pub fn models_dir() -> PathBuf {
    std::env::var_os("PROFITWHEEL_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

/// The shipped reference data (census tables, ANES), as the setup fetched it.
pub fn reference_data_dir() -> PathBuf {
    std::env::var_os("PROFITWHEEL_REFERENCE_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../reference-data"))
}

/// An engine on a fresh data folder, with its own keychain service so tests never meet the
/// user's keys or each other's.
pub async fn engine(dir: &Path, test: &str) -> Arc<Engine> {
    Engine::open(config(dir, test)).await.unwrap()
}

/// [`engine`] with the enrichment services (web search, Census) at `root` (a sandbox).
pub async fn engine_with_enrichment(dir: &Path, test: &str, root: &str) -> Arc<Engine> {
    let mut config = config(dir, test);
    config.enrichment_api_root = Some(root.to_owned());
    Engine::open(config).await.unwrap()
}

fn config(dir: &Path, test: &str) -> EngineConfig {
    let mut config = EngineConfig::new(dir);
    config.models_dir = models_dir();
    config.reference_data_dir = reference_data_dir();
    config.keychain_service = format!("ProfitWheel test {test} {}", std::process::id());
    config
}

pub async fn workspace(engine: &Engine, name: &str) -> WorkspaceId {
    engine
        .workspaces()
        .create(CreateWorkspace {
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
pub async fn add_team_server(engine: &Engine, base_url: &str) {
    engine
        .models()
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
        .models()
        .set_task_route(Task::TwinDialogue, vec![Route::new("team-vllm", "qwen-7b")])
        .await
        .unwrap();
    engine
        .models()
        .edit_price(ModelInfo {
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

pub fn ask(text: &str, scope: CallScope) -> ChatRequest {
    let mut request =
        ChatRequest::new(Task::TwinDialogue, vec![ChatMessage::user(text)]).in_scope(scope);
    request.seed = Some(7);
    request
}

/// Every file under `dir`, with `.pwx` workspace files decompressed (gzip would hide a key).
pub fn file_contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
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
