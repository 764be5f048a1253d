//! The gateway: routes a task to a vendor and model (with a fallback chain), answers from the
//! response cache when it can, checks the study's budget, shapes the request for that vendor's
//! OpenAI-compatible API, maps its failures to [`LlmError`], repairs invalid structured output
//! once, and records and traces every call.
//!
//! Spans follow the OpenTelemetry GenAI semantic conventions (`gen_ai.operation.name`,
//! `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.usage.*`), so any OTLP collector
//! (Langfuse included) reads them as model calls. Prompts never go into spans.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use async_openai::Client;
use async_openai::config::{AzureConfig, Config, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::middleware::ReqwestService;
use futures::StreamExt;
use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tracing::Instrument;
use tracing::field::Empty;

use crate::budget::{
    LedgerWriteError, Reservation, StudyAccount, estimated_cost, file_with_retries,
};
use crate::catalogue::ModelCatalogue;
use crate::error::{LlmError, Result};
use crate::limits::{PacingState, VendorPacer, backoff};
use crate::transport::VendorTransport;
use crate::types::{
    CacheMode, CallScope, ChatMessage, ChatReply, ChatRequest, Role, StreamEvent, Task, Usage,
};
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

/// How a call ended, as the ledger files it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    Ok,
    Failed(String),
    Cancelled,
    BudgetReached,
}

impl CallOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            CallOutcome::Ok => "ok",
            CallOutcome::Failed(_) => "error",
            CallOutcome::Cancelled => "cancelled",
            CallOutcome::BudgetReached => "budget_exceeded",
        }
    }

    fn of<T>(result: &Result<T>) -> Self {
        match result {
            Ok(_) => CallOutcome::Ok,
            Err(LlmError::Cancelled) => CallOutcome::Cancelled,
            Err(LlmError::BudgetReached { .. }) => CallOutcome::BudgetReached,
            Err(error) => CallOutcome::Failed(error.to_string()),
        }
    }
}

/// One model call, as the engine's ledger stores it (prompts stay on this machine).
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub vendor: String,
    pub model: String,
    pub task: Task,
    pub scope: CallScope,
    pub usage: Usage,
    /// Millionths of a dollar; `None` when the catalogue has no price for the model. Local
    /// models and cache hits cost nothing.
    pub cost_micros: Option<i64>,
    pub latency_ms: u64,
    pub outcome: CallOutcome,
    pub cache_hit: bool,
    pub request: Value,
    pub response: Option<String>,
}

/// The engine's ledger of calls: it keeps each study's account (budget and running spend), which
/// every call reserves its estimated cost against before it is sent (see [`crate::budget`]), and
/// it files every call's record.
pub trait CallLedger: Send + Sync {
    /// The account of the study `scope` is charged to (`None` outside a study), opened once and
    /// kept. A budget that can't be read fails with [`LlmError::BudgetReached`]: spending must
    /// not run unchecked.
    fn account<'a>(
        &'a self,
        scope: &'a CallScope,
    ) -> BoxFuture<'a, Result<Option<Arc<StudyAccount>>>>;
    /// Files one call. The gateway retries a failure with backoff, then reports it with the
    /// call ([`LlmError::LedgerWriteFailed`]) rather than drop it.
    fn record<'a>(
        &'a self,
        record: &'a CallRecord,
    ) -> BoxFuture<'a, std::result::Result<(), LedgerWriteError>>;
}

/// A stored answer: what a cache hit gives back instead of a model call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CachedAnswer {
    Chat(ChatReply),
    Embeddings(Vec<Vec<f32>>),
}

/// Where answers are kept for re-runs and replays; the engine keeps them in SQLite per
/// workspace. Keys are SHA-256 hex digests of everything that shapes an answer.
pub trait ResponseCache: Send + Sync {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedAnswer>>;
    fn put<'a>(
        &'a self,
        key: &'a str,
        scope: &'a CallScope,
        answer: &'a CachedAnswer,
    ) -> BoxFuture<'a, ()>;
}

struct VendorHandle {
    settings: VendorSettings,
    pacer: Arc<VendorPacer>,
    http: reqwest::Client,
}

/// A model that runs on this machine (llama.cpp): routed to like any vendor, no HTTP.
pub trait LocalBackend: Send + Sync {
    /// The model's name, for routes and records.
    fn model(&self) -> &str;
    /// What exactly answers: changes whenever the answers could (another file under the same
    /// name, other weights). It keys the response cache; pw-local-llm gives the GGUF file's
    /// SHA-256.
    fn identity(&self) -> &str;
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
    fn model(&self) -> &str;
    fn embed<'a>(
        self: Arc<Self>,
        texts: &'a [String],
    ) -> futures::future::BoxFuture<'a, Result<Vec<Vec<f32>>>>;
}

#[derive(Default)]
pub struct Gateway {
    vendors: HashMap<String, Arc<VendorHandle>>,
    pacing: Arc<PacingState>,
    // Ordered, so the default local model is the same on every run.
    local: BTreeMap<String, Arc<dyn LocalBackend>>,
    local_embedders: BTreeMap<String, Arc<dyn LocalEmbeddingBackend>>,
    routes: HashMap<Task, Vec<Route>>,
    workspace_defaults: HashMap<String, Route>,
    offline: bool,
    catalogue: ModelCatalogue,
    ledger: Option<Arc<dyn CallLedger>>,
    cache: Option<Arc<dyn ResponseCache>>,
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

/// One call's way to a vendor: its client, the concurrency slot it holds, and how many HTTP
/// requests it has sent so far.
struct Connection<'g> {
    vendor: &'g VendorHandle,
    client: Client<Box<dyn Config>>,
    attempts: Arc<AtomicU32>,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl Connection<'_> {
    fn attempts_made(&self) -> u32 {
        self.attempts.load(Ordering::SeqCst)
    }

    /// The vendor's failure, as the call reports it (with the attempts really made).
    fn failure(&self, error: OpenAIError) -> LlmError {
        Gateway::map_error(self.vendor, error, self.attempts_made())
    }

    /// After an empty answer: waits the backoff and says whether attempts remain, or fails.
    async fn after_empty_answer(&self) -> Result<()> {
        let made = self.attempts_made();
        let limits = &self.vendor.settings.limits;
        if made >= limits.max_attempts.max(1) {
            return Err(LlmError::EmptyAnswer {
                vendor: self.vendor.settings.name.clone(),
                attempts: made,
            });
        }
        let delay = backoff(limits.base_backoff, made);
        tracing::warn!(vendor = %self.vendor.settings.name, attempt = made, ?delay, "the vendor answered with nothing; asking again");
        tokio::time::sleep(delay).await;
        Ok(())
    }
}

fn added(total: Usage, more: Usage) -> Usage {
    Usage {
        input_tokens: total.input_tokens.saturating_add(more.input_tokens),
        output_tokens: total.output_tokens.saturating_add(more.output_tokens),
    }
}

impl Gateway {
    pub fn new() -> Self {
        Gateway::default()
    }

    /// A gateway that paces its vendors with `pacing`, shared with the gateways before it, so a
    /// pause a vendor asked for and its drained buckets survive a settings change.
    pub fn with_pacing(pacing: Arc<PacingState>) -> Self {
        Gateway {
            pacing,
            ..Gateway::default()
        }
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
        let pacer = self.pacing.pacer_for(&settings);
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

    /// The model a workspace uses first for every chat task (an agency may run one client on
    /// the client's own Azure deployment); the task's chain follows as fallback.
    pub fn set_workspace_default(&mut self, workspace_id: impl Into<String>, route: Route) {
        self.workspace_defaults.insert(workspace_id.into(), route);
    }

    /// Offline mode: only models on this machine answer, whatever the routes say.
    pub fn set_offline(&mut self, offline: bool) {
        self.offline = offline;
    }

    pub fn set_catalogue(&mut self, catalogue: ModelCatalogue) {
        self.catalogue = catalogue;
    }

    pub fn set_ledger(&mut self, ledger: Arc<dyn CallLedger>) {
        self.ledger = Some(ledger);
    }

    pub fn set_cache(&mut self, cache: Arc<dyn ResponseCache>) {
        self.cache = Some(cache);
    }

    fn is_local(&self, task: Task, vendor: &str) -> bool {
        match task {
            Task::Embeddings => self.local_embedders.contains_key(vendor),
            _ => self.local.contains_key(vendor),
        }
    }

    fn default_local_route(&self, task: Task) -> Option<Route> {
        match task {
            Task::Embeddings => self
                .local_embedders
                .iter()
                .next()
                .map(|(name, backend)| Route::new(name.clone(), backend.model())),
            _ => self
                .local
                .iter()
                .next()
                .map(|(name, backend)| Route::new(name.clone(), backend.model())),
        }
    }

    /// The models that may answer `task` in `scope`, first choice first: the workspace's
    /// default, then the task's chain; only local models when offline; the local model when
    /// nothing else is configured, so a fresh install with no key still works.
    pub fn routes_for(&self, task: Task, scope: &CallScope) -> Result<Vec<Route>> {
        let mut chain: Vec<Route> = Vec::new();
        if task != Task::Embeddings
            && let Some(route) = scope
                .workspace_id
                .as_ref()
                .and_then(|id| self.workspace_defaults.get(id))
        {
            chain.push(route.clone());
        }
        for route in self.routes.get(&task).into_iter().flatten() {
            if !chain.contains(route) {
                chain.push(route.clone());
            }
        }
        if self.offline {
            chain.retain(|route| self.is_local(task, &route.vendor));
        }
        if chain.is_empty() {
            chain.extend(self.default_local_route(task));
        }
        if chain.is_empty() {
            return Err(LlmError::NoRoute(task.as_str().replace('_', " ")));
        }
        Ok(chain)
    }

    fn vendor_kind(&self, vendor: &str) -> Option<VendorKind> {
        self.vendors.get(vendor).map(|v| v.settings.kind)
    }

    /// What answers `route`, for the cache key: a vendor's name, kind and normalised address
    /// (and Azure's API version), so a repointed vendor is another answerer; a local model's
    /// identity (its GGUF file's hash), so a swapped file is too. The model is in the body.
    fn answerer(&self, task: Task, route: &Route) -> String {
        let local = match task {
            Task::Embeddings => self
                .local_embedders
                .get(&route.vendor)
                .map(|embedder| format!("local embeddings\0{}", embedder.model())),
            _ => self
                .local
                .get(&route.vendor)
                .map(|backend| format!("local\0{}", backend.identity())),
        };
        if let Some(local) = local {
            return format!("{}\0{local}", route.vendor);
        }
        match self.vendors.get(&route.vendor) {
            Some(vendor) => {
                let settings = &vendor.settings;
                format!(
                    "{}\0{}\0{}\0{}",
                    settings.name,
                    settings.kind.as_str(),
                    settings.normalised_base_url(),
                    match settings.kind {
                        VendorKind::AzureOpenAi =>
                            settings.azure_api_version.as_deref().unwrap_or(""),
                        _ => "",
                    }
                )
            }
            // Not configured: the call fails before it could be answered or kept.
            None => route.vendor.clone(),
        }
    }

    /// The call's cost: nothing on this machine, the catalogue's price elsewhere.
    fn cost(&self, route: &Route, usage: Usage) -> Option<i64> {
        if self.local.contains_key(&route.vendor)
            || self.local_embedders.contains_key(&route.vendor)
        {
            return Some(0);
        }
        let kind = self.vendor_kind(&route.vendor)?;
        self.catalogue
            .find(&route.vendor, kind.as_str(), &route.model)
            .map(|model| model.cost_micros(usage))
    }

    /// The most `request` may cost on `route` (see [`estimated_cost`]): nothing on this
    /// machine, `None` when the model has no known price.
    fn estimated_cost(&self, route: &Route, request: &ChatRequest) -> Option<i64> {
        if self.local.contains_key(&route.vendor)
            || self.local_embedders.contains_key(&route.vendor)
        {
            return Some(0);
        }
        let kind = self.vendor_kind(&route.vendor)?;
        self.catalogue
            .find(&route.vendor, kind.as_str(), &route.model)
            .map(|price| estimated_cost(price, request))
    }

    fn vendor(&self, name: &str) -> Result<&Arc<VendorHandle>> {
        self.vendors
            .get(name)
            .ok_or_else(|| LlmError::VendorNotConfigured {
                vendor: name.to_owned(),
            })
    }

    fn client(
        &self,
        vendor: &VendorHandle,
        model: &str,
        attempts: Arc<AtomicU32>,
    ) -> Result<Client<Box<dyn Config>>> {
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
            attempts,
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

    fn map_error(vendor: &VendorHandle, error: OpenAIError, attempts: u32) -> LlmError {
        let mut error = Self::describe_error(vendor, error, attempts);
        // Some vendors echo the key they were sent in a 401's message; it must not travel on
        // into logs, the ledger or the screen.
        if let Some(key) = vendor.settings.api_key.as_deref().filter(|k| k.len() >= 8) {
            error.redact(key);
        }
        error
    }

    fn describe_error(vendor: &VendorHandle, error: OpenAIError, attempts: u32) -> LlmError {
        let name = vendor.settings.name.clone();
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
            // Our transport's own verdicts (a vendor asking for too long a wait) come back
            // through async-openai boxed.
            OpenAIError::Boxed(boxed) => match boxed.downcast::<LlmError>() {
                Ok(ours) => *ours,
                Err(other) => LlmError::Unreachable {
                    vendor: name,
                    attempts,
                    message: other.to_string(),
                },
            },
            other => LlmError::Unreachable {
                vendor: name,
                attempts,
                message: other.to_string(),
            },
        }
    }

    /// Settles the call's reservation with its cost and files its record, retrying the ledger;
    /// an error means the record could not be filed (the cost still counts in the account).
    #[allow(clippy::too_many_arguments, reason = "one record, many facts")]
    async fn record(
        &self,
        reservation: Reservation,
        route: &Route,
        request: &ChatRequest,
        body: &Value,
        started: Instant,
        outcome: CallOutcome,
        usage: Usage,
        response: Option<String>,
        cache_hit: bool,
    ) -> std::result::Result<(), LedgerWriteError> {
        // A hit, or a call that used no tokens (refused, or failed before an answer), cost
        // nothing whatever the model's price.
        let cost_micros = match cache_hit || usage == Usage::default() {
            true => Some(0),
            false => self.cost(route, usage),
        };
        reservation.settle(cost_micros);
        let Some(ledger) = &self.ledger else {
            return Ok(());
        };
        let record = CallRecord {
            vendor: route.vendor.clone(),
            model: route.model.clone(),
            task: request.task,
            scope: request.scope.clone(),
            usage,
            cost_micros,
            latency_ms: started.elapsed().as_millis() as u64,
            outcome,
            cache_hit,
            request: body.clone(),
            response,
        };
        file_with_retries(|| ledger.record(&record))
            .await
            .inspect_err(|error| {
                tracing::error!(%error, vendor = %route.vendor, model = %route.model, cost_micros, "a model call could not be filed on the ledger");
            })
    }

    /// The call's result once its record is filed: a paid answer whose record the ledger
    /// would not take fails, so the loss is seen; a failed call keeps its own error.
    fn filed<T>(result: Result<T>, filing: std::result::Result<(), LedgerWriteError>) -> Result<T> {
        match (result, filing) {
            (Ok(_), Err(error)) => Err(LlmError::LedgerWriteFailed {
                message: error.to_string(),
            }),
            (result, _) => result,
        }
    }

    /// Reserves what the call may cost against its study's budget, before it is sent or waits
    /// in a vendor's queue.
    async fn reserve(&self, route: &Route, request: &ChatRequest) -> Result<Reservation> {
        let Some(ledger) = &self.ledger else {
            return Ok(Reservation::outside_any_study());
        };
        match ledger.account(&request.scope).await? {
            Some(account) => account.reserve(
                &route.vendor,
                &route.model,
                self.estimated_cost(route, request),
            ),
            None => Ok(Reservation::outside_any_study()),
        }
    }

    async fn cached(&self, key: &str, scope: &CallScope) -> Option<CachedAnswer> {
        match (&self.cache, scope.cache) {
            (Some(cache), CacheMode::Reuse | CacheMode::Replay) => cache.get(key).await,
            _ => None,
        }
    }

    async fn keep(&self, key: &str, scope: &CallScope, answer: &CachedAnswer) {
        if let (Some(cache), CacheMode::Reuse | CacheMode::Refresh) = (&self.cache, scope.cache) {
            cache.put(key, scope, answer).await;
        }
    }

    fn span(&self, operation: &str, route: &Route, request: &ChatRequest) -> tracing::Span {
        let provider = match self.vendor_kind(&route.vendor) {
            Some(kind) => kind.otel_provider_name(),
            None => "llama.cpp",
        };
        tracing::info_span!(
            "gen_ai",
            otel.name = %format!("{operation} {}", route.model),
            otel.kind = "client",
            gen_ai.operation.name = operation,
            gen_ai.provider.name = provider,
            gen_ai.request.model = %route.model,
            gen_ai.request.temperature = request.temperature,
            gen_ai.request.max_tokens = request.max_tokens,
            gen_ai.request.seed = request.seed,
            gen_ai.response.model = Empty,
            gen_ai.response.finish_reasons = Empty,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            error.type = Empty,
            profitwheel.vendor = %route.vendor,
            profitwheel.task = request.task.as_str(),
            profitwheel.study_id = request.scope.study_id.as_deref(),
            profitwheel.cache_hit = Empty,
        )
    }

    /// A complete chat reply.
    pub async fn chat(&self, request: &ChatRequest) -> Result<ChatReply> {
        let mut fallback = Fallback::default();
        for route in self.routes_for(request.task, &request.scope)? {
            match self.answer(&route, request, None, None).await {
                Ok(reply) => return Ok(reply),
                Err(error) => fallback.note(&route, error)?,
            }
        }
        Err(fallback.exhausted(request.task))
    }

    /// A complete reply from one named model, outside the routes (a key test, a comparison).
    pub async fn chat_with(&self, route: &Route, request: &ChatRequest) -> Result<ChatReply> {
        if !self.local.contains_key(&route.vendor) {
            self.vendor(&route.vendor)?;
        }
        self.answer(route, request, None, None).await
    }

    /// A streamed chat reply: `on_event` sees each piece as it arrives, and a
    /// [`StreamEvent::Restart`] when the model answering fails mid-way and the next model in the
    /// chain starts over (see [`StreamEvent`] for the contract); the complete reply is returned
    /// at the end. A stream that breaks off is an error, never a short answer.
    pub async fn chat_stream(
        &self,
        request: &ChatRequest,
        mut on_event: impl FnMut(StreamEvent) + Send,
    ) -> Result<ChatReply> {
        let mut fallback = Fallback::default();
        for route in self.routes_for(request.task, &request.scope)? {
            let mut spoke = false;
            let result = self
                .answer(
                    &route,
                    request,
                    None,
                    Some(&mut |piece: &str| {
                        spoke = true;
                        on_event(StreamEvent::Token(piece.to_owned()));
                    }),
                )
                .await;
            match result {
                Ok(reply) => return Ok(reply),
                Err(error) => {
                    let reason = error.to_string();
                    fallback.note(&route, error)?;
                    if spoke {
                        on_event(StreamEvent::Restart {
                            vendor: route.vendor.clone(),
                            reason,
                        });
                    }
                }
            }
        }
        Err(fallback.exhausted(request.task))
    }

    /// One route's answer: from the cache when allowed, else (budget permitting) from the
    /// model, recorded and traced either way. Streams when given an `on_token` sink.
    async fn answer(
        &self,
        route: &Route,
        request: &ChatRequest,
        response_format: Option<Value>,
        on_token: Option<&mut (dyn FnMut(&str) + Send)>,
    ) -> Result<ChatReply> {
        let mut ignore = |_: &str| {};
        let streaming = on_token.is_some();
        let on_token: &mut (dyn FnMut(&str) + Send) = match on_token {
            Some(sink) => sink,
            None => &mut ignore,
        };
        let local = self.local.get(&route.vendor);
        let body = match local {
            Some(_) => json!({
                "model": route.model, "messages": request.messages, "temperature": request.temperature,
                "max_tokens": request.max_tokens, "seed": request.seed, "json_schema": request.json_schema,
            }),
            None => {
                let mut body = self.request_body(route, request, false);
                if let Some(format) = &response_format {
                    body["response_format"] = format.clone();
                }
                body
            }
        };
        let key = cache_key(&request.scope, &self.answerer(request.task, route), &body);
        let span = self.span("chat", route, request);
        let started = Instant::now();
        if let Some(CachedAnswer::Chat(reply)) = self.cached(&key, &request.scope).await {
            span.record("profitwheel.cache_hit", true);
            on_token(&reply.text);
            // A hit costs nothing; a record the ledger would not take is logged in `record`.
            self.record(
                Reservation::outside_any_study(),
                route,
                request,
                &body,
                started,
                CallOutcome::Ok,
                reply.usage,
                Some(reply.text.clone()),
                true,
            )
            .await
            .ok();
            return Ok(reply);
        }
        if request.scope.cache == CacheMode::Replay {
            return Err(LlmError::NotInCache {
                task: request.task.as_str().replace('_', " "),
                model: route.model.clone(),
            });
        }
        span.record("profitwheel.cache_hit", false);
        let reservation = match self.reserve(route, request).await {
            Ok(reservation) => reservation,
            Err(error) => {
                let outcome = match &error {
                    LlmError::BudgetReached { .. } => CallOutcome::BudgetReached,
                    other => CallOutcome::Failed(other.to_string()),
                };
                // Refused before it was sent: nothing was spent, and the refusal is the answer.
                self.record(
                    Reservation::outside_any_study(),
                    route,
                    request,
                    &body,
                    started,
                    outcome,
                    Usage::default(),
                    None,
                    false,
                )
                .await
                .ok();
                return Err(error);
            }
        };
        let result = async {
            match local {
                Some(backend) => backend.generate(request, on_token).await,
                None if streaming => self.stream(route, request, on_token).await,
                None => self.complete(route, request, body.clone()).await,
            }
        }
        .instrument(span.clone())
        .await;
        match &result {
            Ok(reply) => {
                span.record("gen_ai.response.model", reply.model.as_str());
                span.record("gen_ai.usage.input_tokens", reply.usage.input_tokens);
                span.record("gen_ai.usage.output_tokens", reply.usage.output_tokens);
                if let Some(reason) = &reply.finish_reason {
                    span.record("gen_ai.response.finish_reasons", reason.as_str());
                }
            }
            Err(error) => {
                span.record("error.type", error.kind());
            }
        }
        let filing = self
            .record(
                reservation,
                route,
                request,
                &body,
                started,
                CallOutcome::of(&result),
                result.as_ref().map(|r| r.usage).unwrap_or_default(),
                result.as_ref().ok().map(|r| r.text.clone()),
                false,
            )
            .await;
        if let Ok(reply) = &result {
            self.keep(&key, &request.scope, &CachedAnswer::Chat(reply.clone()))
                .await;
        }
        Self::filed(result, filing)
    }

    /// Waits for the vendor's turn (requests and tokens per minute, concurrency) and builds
    /// its client. The connection holds the concurrency slot until the caller drops it.
    async fn connect(&self, route: &Route, request: &ChatRequest) -> Result<Connection<'_>> {
        let vendor = self.vendor(&route.vendor)?;
        let slot = vendor
            .pacer
            .admit(&route.vendor, request.estimated_tokens())
            .await?;
        let attempts = Arc::new(AtomicU32::new(0));
        let client = self.client(vendor, &route.model, attempts.clone())?;
        Ok(Connection {
            vendor,
            client,
            attempts,
            _slot: slot,
        })
    }

    /// A whole reply from a vendor in one response. An empty answer is a failed attempt: asked
    /// again while attempts remain (the tokens it cost still count).
    async fn complete(
        &self,
        route: &Route,
        request: &ChatRequest,
        body: Value,
    ) -> Result<ChatReply> {
        let connection = self.connect(route, request).await?;
        let mut spent = Usage::default();
        loop {
            let completion: CompletionBody = connection
                .client
                .chat()
                .create_byot(body.clone())
                .await
                .map_err(|e| connection.failure(e))?;
            let usage = completion
                .usage
                .map(|u| Usage {
                    input_tokens: u.prompt_tokens,
                    output_tokens: u.completion_tokens,
                })
                .unwrap_or_default();
            spent = added(spent, usage);
            let choice = completion.choices.into_iter().next().ok_or_else(|| {
                LlmError::MalformedResponse {
                    vendor: route.vendor.clone(),
                    message: "the answer has no choices".into(),
                }
            })?;
            let text = choice.message.and_then(|m| m.content).unwrap_or_default();
            if text.trim().is_empty() {
                connection.after_empty_answer().await?;
                continue;
            }
            return Ok(ChatReply {
                text,
                vendor: route.vendor.clone(),
                model: completion.model.unwrap_or_else(|| route.model.clone()),
                usage: spent,
                finish_reason: choice.finish_reason,
            });
        }
    }

    /// A reply streamed from a vendor, piece by piece. A stream that finishes without a word is
    /// a failed attempt, asked again while attempts remain; leading whitespace is held back
    /// until a word arrives, so such an attempt shows nothing.
    async fn stream(
        &self,
        route: &Route,
        request: &ChatRequest,
        on_token: &mut (dyn FnMut(&str) + Send),
    ) -> Result<ChatReply> {
        let connection = self.connect(route, request).await?;
        let body = self.request_body(route, request, true);
        let mut spent = Usage::default();
        loop {
            let mut stream = connection
                .client
                .chat()
                .create_stream_byot::<Value, CompletionBody>(body.clone())
                .await
                .map_err(|e| connection.failure(e))?;
            let mut text = String::new();
            let mut finish_reason = None;
            let mut usage = Usage::default();
            let mut model = None;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| match connection.failure(e) {
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
                        let held_back = text.trim().is_empty();
                        text.push_str(&piece);
                        match (held_back, text.trim().is_empty()) {
                            (_, true) => {}
                            (true, false) => on_token(&text),
                            (false, false) => on_token(&piece),
                        }
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
            spent = added(spent, usage);
            if text.trim().is_empty() {
                connection.after_empty_answer().await?;
                continue;
            }
            return Ok(ChatReply {
                text,
                vendor: route.vendor.clone(),
                model: model.unwrap_or_else(|| route.model.clone()),
                usage: spent,
                finish_reason,
            });
        }
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
        for route in self.routes_for(request.task, &request.scope)? {
            match self.json_once::<T>(&route, request, &schema, &name).await {
                Ok(value) => return Ok(value),
                Err(error) => fallback.note(&route, error)?,
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
        asking.json_schema = Some(schema.clone());
        asking.messages.insert(
            0,
            ChatMessage::system(format!(
                "Answer with one JSON value only, no prose, matching this JSON Schema:\n{schema}"
            )),
        );
        let reply = self.answer(route, &asking, format.clone(), None).await?;
        let reason = match parse_json::<T>(&reply.text) {
            Ok(value) => return Ok(value),
            Err(reason) => reason,
        };
        tracing::warn!(vendor = %route.vendor, %reason, "structured answer did not fit; asking once for a repair");
        asking.messages.push(ChatMessage::assistant(reply.text));
        asking.messages.push(ChatMessage::user(format!(
            "That answer is not valid: {reason}. Reply again with only the corrected JSON."
        )));
        let repaired = self.answer(route, &asking, format, None).await?;
        parse_json::<T>(&repaired.text).map_err(|reason| LlmError::InvalidStructuredOutput {
            vendor: route.vendor.clone(),
            reason,
            raw: repaired.text,
        })
    }

    /// Embeddings for `texts`, in order, from the route for [`Task::Embeddings`].
    pub async fn embed(&self, scope: &CallScope, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        let request = ChatRequest::new(
            Task::Embeddings,
            texts.iter().map(|t| ChatMessage::user(t.clone())).collect(),
        )
        .in_scope(scope.clone());
        let mut fallback = Fallback::default();
        for route in self.routes_for(Task::Embeddings, scope)? {
            match self.embed_once(&route, &request, texts).await {
                Ok(vectors) => return Ok(vectors),
                Err(error) => fallback.note(&route, error)?,
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
        let body = json!({ "model": route.model, "input": texts });
        let key = cache_key(
            &request.scope,
            &self.answerer(Task::Embeddings, route),
            &body,
        );
        // The ledger keeps how many texts were embedded, not the texts again.
        let summary = json!({ "model": route.model, "inputs": texts.len() });
        let span = self.span("embeddings", route, request);
        let started = Instant::now();
        if let Some(CachedAnswer::Embeddings(vectors)) = self.cached(&key, &request.scope).await {
            span.record("profitwheel.cache_hit", true);
            // A hit costs nothing; a record the ledger would not take is logged in `record`.
            self.record(
                Reservation::outside_any_study(),
                route,
                request,
                &summary,
                started,
                CallOutcome::Ok,
                Usage::default(),
                None,
                true,
            )
            .await
            .ok();
            return Ok(vectors);
        }
        if request.scope.cache == CacheMode::Replay {
            return Err(LlmError::NotInCache {
                task: "embeddings".into(),
                model: route.model.clone(),
            });
        }
        let reservation = self.reserve(route, request).await?;
        let result = async {
            if let Some(embedder) = self.local_embedders.get(&route.vendor) {
                return embedder
                    .clone()
                    .embed(texts)
                    .await
                    .map(|vectors| (vectors, Usage::default()));
            }
            self.remote_embeddings(route, request, texts, body.clone())
                .await
        }
        .instrument(span.clone())
        .await;
        match &result {
            Ok((_, usage)) => span.record("gen_ai.usage.input_tokens", usage.input_tokens),
            Err(error) => span.record("error.type", error.kind()),
        };
        let filing = self
            .record(
                reservation,
                route,
                request,
                &summary,
                started,
                CallOutcome::of(&result),
                result.as_ref().map(|(_, usage)| *usage).unwrap_or_default(),
                None,
                false,
            )
            .await;
        let (vectors, _) = result?;
        let answer = CachedAnswer::Embeddings(vectors);
        self.keep(&key, &request.scope, &answer).await;
        let vectors = match answer {
            CachedAnswer::Embeddings(vectors) => Ok(vectors),
            CachedAnswer::Chat(_) => Err(LlmError::MalformedResponse {
                vendor: route.vendor.clone(),
                message: "a chat answer where vectors were expected".into(),
            }),
        };
        Self::filed(vectors, filing)
    }

    async fn remote_embeddings(
        &self,
        route: &Route,
        request: &ChatRequest,
        texts: &[String],
        body: Value,
    ) -> Result<(Vec<Vec<f32>>, Usage)> {
        let connection = self.connect(route, request).await?;
        let answer: EmbeddingBody = connection
            .client
            .embeddings()
            .create_byot(body)
            .await
            .map_err(|e| connection.failure(e))?;
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
        let usage = Usage {
            input_tokens: answer.usage.map(|u| u.prompt_tokens).unwrap_or(0),
            output_tokens: 0,
        };
        Ok((data.into_iter().map(|item| item.embedding).collect(), usage))
    }
}

/// The cache key: the workspace (so clients never share answers), what answers (see
/// [`Gateway::answerer`]), and the exact request body (model, messages, parameters, seed,
/// response format).
fn cache_key(scope: &CallScope, answerer: &str, body: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(scope.workspace_id.as_deref().unwrap_or("").as_bytes());
    hasher.update([0]);
    hasher.update(answerer.as_bytes());
    hasher.update([0]);
    // serde_json's map keeps keys sorted, so equal bodies serialize identically.
    hasher.update(body.to_string().as_bytes());
    let digest = hasher.finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
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
            | LlmError::BudgetReached { .. }
            | LlmError::LedgerWriteFailed { .. }
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
