//! The gateway: routes a task to a vendor and model (with a fallback chain), shapes the request
//! for that vendor's OpenAI-compatible API, maps its failures to [`LlmError`], repairs invalid
//! structured output once, and records every call.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use async_openai::Client;
use async_openai::config::{AzureConfig, Config, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::middleware::ReqwestService;
use futures::StreamExt;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::{LlmError, Result};
use crate::limits::VendorPacer;
use crate::transport::VendorTransport;
use crate::types::{ChatMessage, ChatReply, ChatRequest, Role, Task, Usage};
use crate::vendor::{VendorKind, VendorSettings};

/// Which vendor configuration and model answer a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub vendor: String,
    pub model: String,
}

impl Route {
    pub fn new(vendor: impl Into<String>, model: impl Into<String>) -> Self {
        Route {
            vendor: vendor.into(),
            model: model.into(),
        }
    }
}

/// One model call, as the engine's ledger stores it (prompts stay on this machine).
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub vendor: String,
    pub model: String,
    pub task: Task,
    pub usage: Usage,
    pub latency_ms: u64,
    /// `ok`, or the failure's message.
    pub outcome: std::result::Result<(), String>,
    pub request: Value,
    pub response: Option<String>,
}

/// Where call records go; the engine writes them to SQLite. Must not block.
pub trait CallRecorder: Send + Sync {
    fn record(&self, record: CallRecord);
}

struct VendorHandle {
    settings: VendorSettings,
    pacer: Arc<VendorPacer>,
    http: reqwest::Client,
}

/// A model that runs on this machine (llama.cpp): routed to like any vendor, no HTTP.
pub trait LocalBackend: Send + Sync {
    /// Generates a reply, calling `on_token` with each piece as it is produced. Dropping the
    /// future cancels the generation.
    fn generate<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_token: &'a mut (dyn FnMut(&str) + Send),
    ) -> futures::future::BoxFuture<'a, Result<ChatReply>>;
}

/// An embedding model that runs on this machine (all-MiniLM-L6-v2 by default).
pub trait LocalEmbeddingBackend: Send + Sync {
    fn embed<'a>(
        self: Arc<Self>,
        texts: &'a [String],
    ) -> futures::future::BoxFuture<'a, Result<Vec<Vec<f32>>>>;
}

#[derive(Default)]
pub struct Gateway {
    vendors: HashMap<String, Arc<VendorHandle>>,
    local: HashMap<String, Arc<dyn LocalBackend>>,
    local_embedders: HashMap<String, Arc<dyn LocalEmbeddingBackend>>,
    routes: HashMap<Task, Vec<Route>>,
    recorder: Option<Arc<dyn CallRecorder>>,
}

#[derive(Debug, Deserialize)]
struct MessageBody {
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ChoiceBody {
    message: Option<MessageBody>,
    delta: Option<MessageBody>,
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct UsageBody {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
}

#[derive(Debug, Deserialize)]
struct CompletionBody {
    model: Option<String>,
    #[serde(default)]
    choices: Vec<ChoiceBody>,
    usage: Option<UsageBody>,
}

#[derive(Debug, Deserialize)]
struct EmbeddingItem {
    embedding: Vec<f32>,
    #[serde(default)]
    index: usize,
}

#[derive(Debug, Deserialize)]
struct EmbeddingBody {
    data: Vec<EmbeddingItem>,
    usage: Option<UsageBody>,
}

/// How a vendor takes "answer in this JSON shape".
enum StructuredMode {
    JsonSchema,
    JsonObject,
}

fn structured_mode(kind: VendorKind) -> StructuredMode {
    match kind {
        VendorKind::OpenAi
        | VendorKind::AzureOpenAi
        | VendorKind::Gemini
        | VendorKind::Groq
        | VendorKind::Cerebras
        | VendorKind::OpenRouter
        | VendorKind::Perplexity
        | VendorKind::OpenAiCompatible => StructuredMode::JsonSchema,
        // These accept JSON mode but not a schema; the schema travels in the prompt.
        VendorKind::Anthropic | VendorKind::Cohere | VendorKind::DeepSeek => {
            StructuredMode::JsonObject
        }
    }
}

impl Gateway {
    pub fn new() -> Self {
        Gateway::default()
    }

    pub fn add_vendor(&mut self, settings: VendorSettings) -> Result<()> {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            // A stream that goes quiet this long has died.
            .read_timeout(settings.limits.request_timeout)
            .user_agent(concat!("ProfitWheel/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LlmError::Unreachable {
                vendor: settings.name.clone(),
                attempts: 0,
                message: e.to_string(),
            })?;
        let pacer = Arc::new(VendorPacer::new(settings.limits.clone()));
        self.vendors.insert(
            settings.name.clone(),
            Arc::new(VendorHandle {
                settings,
                pacer,
                http,
            }),
        );
        Ok(())
    }

    /// Registers a local embedding model under a vendor name ("local").
    pub fn add_local_embedder(
        &mut self,
        name: impl Into<String>,
        backend: Arc<dyn LocalEmbeddingBackend>,
    ) {
        self.local_embedders.insert(name.into(), backend);
    }

    /// Registers a local model under a vendor name ("local"); routes name it like any vendor.
    pub fn add_local(&mut self, name: impl Into<String>, backend: Arc<dyn LocalBackend>) {
        self.local.insert(name.into(), backend);
    }

    /// The models that answer `task`, first choice first; later ones are tried when earlier
    /// vendors fail (rate limits that outlast retries, outages, missing keys).
    pub fn set_route(&mut self, task: Task, chain: Vec<Route>) {
        self.routes.insert(task, chain);
    }

    pub fn set_recorder(&mut self, recorder: Arc<dyn CallRecorder>) {
        self.recorder = Some(recorder);
    }

    fn routes_for(&self, task: Task) -> Result<&[Route]> {
        match self.routes.get(&task) {
            Some(chain) if !chain.is_empty() => Ok(chain),
            _ => Err(LlmError::NoRoute(task.as_str().replace('_', " "))),
        }
    }

    fn vendor(&self, name: &str) -> Result<&Arc<VendorHandle>> {
        self.vendors
            .get(name)
            .ok_or_else(|| LlmError::VendorNotConfigured {
                vendor: name.to_owned(),
            })
    }

    fn client(&self, vendor: &VendorHandle, model: &str) -> Result<Client<Box<dyn Config>>> {
        let settings = &vendor.settings;
        let not_configured = || LlmError::VendorNotConfigured {
            vendor: settings.name.clone(),
        };
        let config: Box<dyn Config> = match settings.kind {
            VendorKind::AzureOpenAi => Box::new(
                AzureConfig::new()
                    .with_api_base(&settings.base_url)
                    .with_api_key(settings.api_key.clone().ok_or_else(not_configured)?)
                    .with_deployment_id(model)
                    .with_api_version(
                        settings
                            .azure_api_version
                            .clone()
                            .unwrap_or_else(|| "2024-10-21".into()),
                    ),
            ),
            kind => {
                let key = match (&settings.api_key, kind) {
                    (Some(key), _) => key.clone(),
                    // Local servers take any key.
                    (None, VendorKind::OpenAiCompatible) => "not-needed".to_owned(),
                    (None, _) => return Err(not_configured()),
                };
                let mut config = OpenAIConfig::new()
                    .with_api_base(&settings.base_url)
                    .with_api_key(key);
                for (name, value) in &settings.extra_headers {
                    let header = http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
                        LlmError::Refused {
                            vendor: settings.name.clone(),
                            status: 0,
                            message: format!("header {name} is not valid: {e}"),
                        }
                    })?;
                    config = config.with_header(header, value.as_str()).map_err(|e| {
                        LlmError::Refused {
                            vendor: settings.name.clone(),
                            status: 0,
                            message: format!("header {name} is not valid: {e}"),
                        }
                    })?;
                }
                Box::new(config)
            }
        };
        let transport = VendorTransport {
            vendor: settings.name.clone(),
            http: ReqwestService::new(vendor.http.clone()),
            pacer: vendor.pacer.clone(),
        };
        Ok(Client::with_config(config).with_http_service(transport))
    }

    fn request_body(&self, route: &Route, request: &ChatRequest, stream: bool) -> Value {
        let messages: Vec<Value> = request
            .messages
            .iter()
            .map(|m| {
                let role = match m.role {
                    Role::System => "system",
                    Role::User => "user",
                    Role::Assistant => "assistant",
                };
                json!({ "role": role, "content": m.content })
            })
            .collect();
        let mut body = json!({ "model": route.model, "messages": messages, "stream": stream });
        if let Some(temperature) = request.temperature {
            body["temperature"] = json!(temperature);
        }
        if let Some(max_tokens) = request.max_tokens {
            body["max_tokens"] = json!(max_tokens);
        }
        if let Some(seed) = request.seed {
            body["seed"] = json!(seed);
        }
        if stream {
            body["stream_options"] = json!({ "include_usage": true });
        }
        body
    }

    fn map_error(vendor: &VendorHandle, error: OpenAIError) -> LlmError {
        let name = vendor.settings.name.clone();
        let attempts = vendor.settings.limits.max_attempts.max(1);
        match error {
            OpenAIError::ApiError(response) => {
                let status = response.status_code.as_u16();
                let message = response.api_error.message.clone();
                if status == 429 {
                    LlmError::RateLimited {
                        vendor: name,
                        attempts,
                    }
                } else if status >= 500 || status == 408 {
                    LlmError::VendorFailed {
                        vendor: name,
                        status,
                        attempts,
                        message,
                    }
                } else {
                    LlmError::Refused {
                        vendor: name,
                        status,
                        message,
                    }
                }
            }
            OpenAIError::JSONDeserialize(error, _) => LlmError::MalformedResponse {
                vendor: name,
                message: error.to_string(),
            },
            OpenAIError::StreamError(error) => LlmError::StreamInterrupted {
                vendor: name,
                message: error.to_string(),
            },
            other => LlmError::Unreachable {
                vendor: name,
                attempts,
                message: other.to_string(),
            },
        }
    }

    fn record(
        &self,
        route: &Route,
        request: &ChatRequest,
        body: &Value,
        started: Instant,
        result: &Result<ChatReply>,
    ) {
        let Some(recorder) = &self.recorder else {
            return;
        };
        recorder.record(CallRecord {
            vendor: route.vendor.clone(),
            model: route.model.clone(),
            task: request.task,
            usage: result.as_ref().map(|r| r.usage).unwrap_or_default(),
            latency_ms: started.elapsed().as_millis() as u64,
            outcome: result.as_ref().map(|_| ()).map_err(|e| e.to_string()),
            request: body.clone(),
            response: result.as_ref().ok().map(|r| r.text.clone()),
        });
    }

    /// A complete chat reply.
    pub async fn chat(&self, request: &ChatRequest) -> Result<ChatReply> {
        let mut fallback = Fallback::default();
        for route in self.routes_for(request.task)? {
            match self.chat_once(route, request, None).await {
                Ok(reply) => return Ok(reply),
                Err(error) => fallback.note(route, error)?,
            }
        }
        Err(fallback.exhausted(request.task))
    }

    async fn local_once(
        &self,
        backend: &Arc<dyn LocalBackend>,
        route: &Route,
        request: &ChatRequest,
        on_token: &mut (dyn FnMut(&str) + Send),
    ) -> Result<ChatReply> {
        let started = Instant::now();
        let result = backend.generate(request, on_token).await;
        let body = json!({ "model": route.model, "messages": request.messages, "seed": request.seed, "local": true });
        self.record(route, request, &body, started, &result);
        result
    }

    async fn chat_once(
        &self,
        route: &Route,
        request: &ChatRequest,
        response_format: Option<Value>,
    ) -> Result<ChatReply> {
        if let Some(backend) = self.local.get(&route.vendor) {
            return self.local_once(backend, route, request, &mut |_| {}).await;
        }
        let vendor = self.vendor(&route.vendor)?;
        let _slot = vendor
            .pacer
            .admit(&route.vendor, request.estimated_tokens())
            .await?;
        let mut body = self.request_body(route, request, false);
        if let Some(format) = response_format {
            body["response_format"] = format;
        }
        let started = Instant::now();
        let result = async {
            let client = self.client(vendor, &route.model)?;
            let completion: CompletionBody = client
                .chat()
                .create_byot(body.clone())
                .await
                .map_err(|e| Self::map_error(vendor, e))?;
            let choice = completion.choices.into_iter().next().ok_or_else(|| {
                LlmError::MalformedResponse {
                    vendor: route.vendor.clone(),
                    message: "the answer has no choices".into(),
                }
            })?;
            Ok(ChatReply {
                text: choice.message.and_then(|m| m.content).unwrap_or_default(),
                vendor: route.vendor.clone(),
                model: completion.model.unwrap_or_else(|| route.model.clone()),
                usage: completion
                    .usage
                    .map(|u| Usage {
                        input_tokens: u.prompt_tokens,
                        output_tokens: u.completion_tokens,
                    })
                    .unwrap_or_default(),
                finish_reason: choice.finish_reason,
            })
        }
        .await;
        self.record(route, request, &body, started, &result);
        result
    }

    /// A streamed chat reply: `on_token` sees each piece as it arrives; the complete reply is
    /// returned at the end. A stream that breaks off is an error, never a short answer.
    pub async fn chat_stream(
        &self,
        request: &ChatRequest,
        mut on_token: impl FnMut(&str) + Send,
    ) -> Result<ChatReply> {
        let mut fallback = Fallback::default();
        for route in self.routes_for(request.task)? {
            match self.stream_once(route, request, &mut on_token).await {
                Ok(reply) => return Ok(reply),
                Err(error) => fallback.note(route, error)?,
            }
        }
        Err(fallback.exhausted(request.task))
    }

    async fn stream_once(
        &self,
        route: &Route,
        request: &ChatRequest,
        on_token: &mut (impl FnMut(&str) + Send),
    ) -> Result<ChatReply> {
        if let Some(backend) = self.local.get(&route.vendor) {
            return self.local_once(backend, route, request, on_token).await;
        }
        let vendor = self.vendor(&route.vendor)?;
        let _slot = vendor
            .pacer
            .admit(&route.vendor, request.estimated_tokens())
            .await?;
        let body = self.request_body(route, request, true);
        let started = Instant::now();
        let result = async {
            let client = self.client(vendor, &route.model)?;
            let mut stream = client
                .chat()
                .create_stream_byot::<Value, CompletionBody>(body.clone())
                .await
                .map_err(|e| Self::map_error(vendor, e))?;
            let mut text = String::new();
            let mut finish_reason = None;
            let mut usage = Usage::default();
            let mut model = None;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| match Self::map_error(vendor, e) {
                    LlmError::Unreachable {
                        vendor, message, ..
                    } => LlmError::StreamInterrupted { vendor, message },
                    other => other,
                })?;
                model = model.or(chunk.model);
                if let Some(u) = chunk.usage {
                    usage = Usage {
                        input_tokens: u.prompt_tokens,
                        output_tokens: u.completion_tokens,
                    };
                }
                for choice in chunk.choices {
                    if let Some(piece) = choice
                        .delta
                        .and_then(|d| d.content)
                        .filter(|p| !p.is_empty())
                    {
                        on_token(&piece);
                        text.push_str(&piece);
                    }
                    if choice.finish_reason.is_some() {
                        finish_reason = choice.finish_reason;
                    }
                }
            }
            if finish_reason.is_none() {
                return Err(LlmError::StreamInterrupted {
                    vendor: route.vendor.clone(),
                    message: "the connection closed before the answer finished".into(),
                });
            }
            Ok(ChatReply {
                text,
                vendor: route.vendor.clone(),
                model: model.unwrap_or_else(|| route.model.clone()),
                usage,
                finish_reason,
            })
        }
        .await;
        self.record(route, request, &body, started, &result);
        result
    }

    /// An answer in the shape of `T`: the JSON Schema derived from `T` is sent along, the reply
    /// is checked by deserializing it into `T`, and one repair round is tried when it does not
    /// fit before the call fails with [`LlmError::InvalidStructuredOutput`].
    pub async fn chat_json<T: DeserializeOwned + JsonSchema>(
        &self,
        request: &ChatRequest,
    ) -> Result<T> {
        let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
        let name: String = T::schema_name()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(60)
            .collect();
        let mut fallback = Fallback::default();
        for route in self.routes_for(request.task)? {
            match self.json_once::<T>(route, request, &schema, &name).await {
                Ok(value) => return Ok(value),
                Err(error) => fallback.note(route, error)?,
            }
        }
        Err(fallback.exhausted(request.task))
    }

    async fn json_once<T: DeserializeOwned>(
        &self,
        route: &Route,
        request: &ChatRequest,
        schema: &Value,
        name: &str,
    ) -> Result<T> {
        // Local models take the schema from the prompt only; vendors also get a response format.
        let format = match self.local.contains_key(&route.vendor) {
            true => None,
            false => Some(
                match structured_mode(self.vendor(&route.vendor)?.settings.kind) {
                    StructuredMode::JsonSchema => json!({
                        "type": "json_schema",
                        "json_schema": { "name": if name.is_empty() { "answer" } else { name }, "schema": schema }
                    }),
                    StructuredMode::JsonObject => json!({ "type": "json_object" }),
                },
            ),
        };
        let mut asking = request.clone();
        asking.messages.insert(
            0,
            ChatMessage::system(format!(
                "Answer with one JSON value only, no prose, matching this JSON Schema:\n{schema}"
            )),
        );
        let reply = self.chat_once(route, &asking, format.clone()).await?;
        let reason = match parse_json::<T>(&reply.text) {
            Ok(value) => return Ok(value),
            Err(reason) => reason,
        };
        tracing::warn!(vendor = %route.vendor, %reason, "structured answer did not fit; asking once for a repair");
        asking.messages.push(ChatMessage::assistant(reply.text));
        asking.messages.push(ChatMessage::user(format!(
            "That answer is not valid: {reason}. Reply again with only the corrected JSON."
        )));
        let repaired = self.chat_once(route, &asking, format).await?;
        parse_json::<T>(&repaired.text).map_err(|reason| LlmError::InvalidStructuredOutput {
            vendor: route.vendor.clone(),
            reason,
            raw: repaired.text,
        })
    }

    /// Embeddings for `texts`, in order, from the route for [`Task::Embeddings`].
    pub async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        let request = ChatRequest::new(
            Task::Embeddings,
            texts.iter().map(|t| ChatMessage::user(t.clone())).collect(),
        );
        let mut fallback = Fallback::default();
        for route in self.routes_for(Task::Embeddings)? {
            match self.embed_once(route, &request, texts).await {
                Ok(vectors) => return Ok(vectors),
                Err(error) => fallback.note(route, error)?,
            }
        }
        Err(fallback.exhausted(Task::Embeddings))
    }

    async fn embed_once(
        &self,
        route: &Route,
        request: &ChatRequest,
        texts: &[String],
    ) -> Result<Vec<Vec<f32>>> {
        if let Some(embedder) = self.local_embedders.get(&route.vendor) {
            let started = Instant::now();
            let result = embedder.clone().embed(texts).await;
            let reply = result.as_ref().map(|_| ChatReply {
                text: String::new(),
                vendor: route.vendor.clone(),
                model: route.model.clone(),
                usage: Usage::default(),
                finish_reason: None,
            });
            let reply = match reply {
                Ok(reply) => Ok(reply),
                Err(error) => Err(LlmError::Unreachable {
                    vendor: route.vendor.clone(),
                    attempts: 1,
                    message: error.to_string(),
                }),
            };
            self.record(
                route,
                request,
                &json!({ "model": route.model, "inputs": texts.len(), "local": true }),
                started,
                &reply,
            );
            return result;
        }
        let vendor = self.vendor(&route.vendor)?;
        let _slot = vendor
            .pacer
            .admit(&route.vendor, request.estimated_tokens())
            .await?;
        let body = json!({ "model": route.model, "input": texts });
        let started = Instant::now();
        let mut vectors = Vec::new();
        let result = async {
            let client = self.client(vendor, &route.model)?;
            let answer: EmbeddingBody = client
                .embeddings()
                .create_byot(body.clone())
                .await
                .map_err(|e| Self::map_error(vendor, e))?;
            if answer.data.len() != texts.len() {
                return Err(LlmError::MalformedResponse {
                    vendor: route.vendor.clone(),
                    message: format!(
                        "asked for {} embeddings, got {}",
                        texts.len(),
                        answer.data.len()
                    ),
                });
            }
            let mut data = answer.data;
            data.sort_by_key(|item| item.index);
            vectors = data.into_iter().map(|item| item.embedding).collect();
            Ok(ChatReply {
                text: String::new(),
                vendor: route.vendor.clone(),
                model: route.model.clone(),
                usage: Usage {
                    input_tokens: answer.usage.map(|u| u.prompt_tokens).unwrap_or(0),
                    output_tokens: 0,
                },
                finish_reason: None,
            })
        }
        .await;
        self.record(route, request, &body, started, &result);
        result.map(|_| vectors)
    }
}

/// Collects failures along a fallback chain: vendor-side failures move on to the next model;
/// a cancellation or an unrepairable structured answer stops at once.
#[derive(Default)]
struct Fallback {
    last: Option<LlmError>,
}

impl Fallback {
    fn note(&mut self, route: &Route, error: LlmError) -> Result<()> {
        match error {
            LlmError::Cancelled
            | LlmError::InvalidStructuredOutput { .. }
            | LlmError::RequestTooLarge { .. } => Err(error),
            error => {
                tracing::warn!(vendor = %route.vendor, model = %route.model, %error, "trying the next model in the chain");
                self.last = Some(error);
                Ok(())
            }
        }
    }

    fn exhausted(self, task: Task) -> LlmError {
        self.last
            .unwrap_or_else(|| LlmError::NoRoute(task.as_str().into()))
    }
}

/// Reads a JSON answer, tolerating a Markdown code fence around it (models add them).
fn parse_json<T: DeserializeOwned>(text: &str) -> std::result::Result<T, String> {
    let trimmed = text.trim();
    let unfenced = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|rest| rest.strip_suffix("```"))
        .unwrap_or(trimmed)
        .trim();
    serde_json::from_str(unfenced).map_err(|e| e.to_string())
}
