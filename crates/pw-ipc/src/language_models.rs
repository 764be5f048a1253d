//! Language models: vendors and keys, models per task, the local model, prices, spend, traces.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::{ErrorKind, IpcError, Micros};

/// What a call is for; each task has its own chain of models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ModelTask {
    TwinDialogue,
    Moderation,
    Analysis,
    Extraction,
    Embeddings,
}

impl From<pw_engine::models::Task> for ModelTask {
    fn from(task: pw_engine::models::Task) -> Self {
        match task {
            pw_engine::models::Task::TwinDialogue => ModelTask::TwinDialogue,
            pw_engine::models::Task::Moderation => ModelTask::Moderation,
            pw_engine::models::Task::Analysis => ModelTask::Analysis,
            pw_engine::models::Task::Extraction => ModelTask::Extraction,
            pw_engine::models::Task::Embeddings => ModelTask::Embeddings,
        }
    }
}

impl From<ModelTask> for pw_engine::models::Task {
    fn from(task: ModelTask) -> Self {
        match task {
            ModelTask::TwinDialogue => pw_engine::models::Task::TwinDialogue,
            ModelTask::Moderation => pw_engine::models::Task::Moderation,
            ModelTask::Analysis => pw_engine::models::Task::Analysis,
            ModelTask::Extraction => pw_engine::models::Task::Extraction,
            ModelTask::Embeddings => pw_engine::models::Task::Embeddings,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum VendorKind {
    OpenAi,
    Anthropic,
    Gemini,
    Groq,
    Cohere,
    Cerebras,
    DeepSeek,
    Perplexity,
    OpenRouter,
    AzureOpenAi,
    OpenAiCompatible,
}

impl From<pw_engine::models::VendorKind> for VendorKind {
    fn from(kind: pw_engine::models::VendorKind) -> Self {
        use pw_engine::models::VendorKind as K;
        match kind {
            K::OpenAi => VendorKind::OpenAi,
            K::Anthropic => VendorKind::Anthropic,
            K::Gemini => VendorKind::Gemini,
            K::Groq => VendorKind::Groq,
            K::Cohere => VendorKind::Cohere,
            K::Cerebras => VendorKind::Cerebras,
            K::DeepSeek => VendorKind::DeepSeek,
            K::Perplexity => VendorKind::Perplexity,
            K::OpenRouter => VendorKind::OpenRouter,
            K::AzureOpenAi => VendorKind::AzureOpenAi,
            K::OpenAiCompatible => VendorKind::OpenAiCompatible,
        }
    }
}

impl From<VendorKind> for pw_engine::models::VendorKind {
    fn from(kind: VendorKind) -> Self {
        use pw_engine::models::VendorKind as K;
        match kind {
            VendorKind::OpenAi => K::OpenAi,
            VendorKind::Anthropic => K::Anthropic,
            VendorKind::Gemini => K::Gemini,
            VendorKind::Groq => K::Groq,
            VendorKind::Cohere => K::Cohere,
            VendorKind::Cerebras => K::Cerebras,
            VendorKind::DeepSeek => K::DeepSeek,
            VendorKind::Perplexity => K::Perplexity,
            VendorKind::OpenRouter => K::OpenRouter,
            VendorKind::AzureOpenAi => K::AzureOpenAi,
            VendorKind::OpenAiCompatible => K::OpenAiCompatible,
        }
    }
}

/// One vendor the user may add: how the settings screen offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct VendorOption {
    pub kind: VendorKind,
    pub label: String,
    /// `null`: the user must give the address (Azure, a local server).
    pub default_base_url: Option<String>,
}

/// A configured vendor. The webview learns only whether a key is configured, never the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct VendorSummary {
    pub name: String,
    pub kind: VendorKind,
    pub label: String,
    pub base_url: String,
    pub key_configured: bool,
    pub needs_key: bool,
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    pub max_concurrency: Option<u32>,
}

impl From<pw_engine::models::VendorView> for VendorSummary {
    fn from(v: pw_engine::models::VendorView) -> Self {
        VendorSummary {
            label: v.kind.display_name().to_owned(),
            name: v.name,
            kind: v.kind.into(),
            base_url: v.base_url,
            key_configured: v.key_configured,
            needs_key: v.needs_key,
            requests_per_minute: v.requests_per_minute,
            tokens_per_minute: v.tokens_per_minute,
            max_concurrency: v.max_concurrency,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelRoute {
    pub vendor: String,
    pub model: String,
}

impl From<pw_engine::models::Route> for ModelRoute {
    fn from(r: pw_engine::models::Route) -> Self {
        ModelRoute {
            vendor: r.vendor,
            model: r.model,
        }
    }
}

impl From<ModelRoute> for pw_engine::models::Route {
    fn from(r: ModelRoute) -> Self {
        pw_engine::models::Route::new(r.vendor, r.model)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TaskModels {
    pub task: ModelTask,
    /// First choice first; empty means the local model.
    pub chain: Vec<ModelRoute>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LocalModelState {
    pub name: String,
    pub path: String,
    pub present: bool,
}

impl From<pw_engine::models::LocalModelStatus> for LocalModelState {
    fn from(m: pw_engine::models::LocalModelStatus) -> Self {
        LocalModelState {
            name: m.name,
            path: m.path.display().to_string(),
            present: m.present,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelSettingsView {
    pub offline: bool,
    pub vendors: Vec<VendorSummary>,
    pub tasks: Vec<TaskModels>,
    pub local_chat_model: LocalModelState,
    pub local_embedding_model: LocalModelState,
    /// GGUF files in the models folder the local chat model can load.
    pub local_model_files: Vec<String>,
    pub vendor_options: Vec<VendorOption>,
}

impl From<pw_engine::models::ModelSettings> for ModelSettingsView {
    fn from(s: pw_engine::models::ModelSettings) -> Self {
        ModelSettingsView {
            offline: s.offline,
            vendors: s.vendors.into_iter().map(Into::into).collect(),
            tasks: s
                .routes
                .into_iter()
                .map(|r| TaskModels {
                    task: r.task.into(),
                    chain: r.chain.into_iter().map(Into::into).collect(),
                })
                .collect(),
            local_chat_model: s.local_chat_model.into(),
            local_embedding_model: s.local_embedding_model.into(),
            local_model_files: s
                .local_model_files
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            vendor_options: pw_engine::models::VendorKind::ALL
                .into_iter()
                .map(|kind| VendorOption {
                    kind: kind.into(),
                    label: kind.display_name().to_owned(),
                    default_base_url: kind.default_base_url().map(str::to_owned),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SaveVendorRequest {
    /// `null`: named after its kind.
    pub name: Option<String>,
    pub kind: VendorKind,
    pub base_url: Option<String>,
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    pub max_concurrency: Option<u32>,
    pub azure_api_version: Option<String>,
}

impl From<SaveVendorRequest> for pw_engine::models::VendorInput {
    fn from(r: SaveVendorRequest) -> Self {
        pw_engine::models::VendorInput {
            name: r.name,
            kind: r.kind.into(),
            base_url: r.base_url,
            requests_per_minute: r.requests_per_minute,
            tokens_per_minute: r.tokens_per_minute,
            max_concurrency: r.max_concurrency,
            azure_api_version: r.azure_api_version,
        }
    }
}

/// A key the user typed, on its way to the keychain. It is the only way a key crosses IPC,
/// and only in this direction; `Debug` never shows it.
#[derive(Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct VendorKeyRequest {
    pub vendor: String,
    pub key: String,
}

impl std::fmt::Debug for VendorKeyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VendorKeyRequest")
            .field("vendor", &self.vendor)
            .field("key", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct VendorCheckResult {
    pub model: String,
    pub latency_ms: u64,
}

impl From<pw_engine::models::VendorCheck> for VendorCheckResult {
    fn from(c: pw_engine::models::VendorCheck) -> Self {
        VendorCheckResult {
            model: c.model,
            latency_ms: c.latency_ms,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TaskModelsRequest {
    pub task: ModelTask,
    pub chain: Vec<ModelRoute>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceModelRequest {
    pub workspace_id: String,
    /// `null`: use the models per task.
    pub model: Option<ModelRoute>,
}

/// A catalogue entry: prices in millionths of a dollar per million tokens. A model a route uses
/// that nobody has priced is listed too, with `null` prices and context ("price unknown"); a
/// study with a budget is not routed to it until a price is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelPrice {
    pub vendor: String,
    pub model: String,
    pub context_window: Option<u32>,
    pub input_micros_per_mtok: Option<Micros>,
    pub output_micros_per_mtok: Option<Micros>,
    pub embedding: bool,
    pub source: String,
}

impl From<pw_engine::models::ModelInfo> for ModelPrice {
    fn from(m: pw_engine::models::ModelInfo) -> Self {
        ModelPrice {
            vendor: m.vendor,
            model: m.model,
            context_window: Some(m.context_window),
            input_micros_per_mtok: Some(m.input_micros_per_mtok.into()),
            output_micros_per_mtok: Some(m.output_micros_per_mtok.into()),
            embedding: m.embedding,
            source: m.source,
        }
    }
}

impl ModelPrice {
    /// A routed model without a price.
    pub fn unknown(route: pw_engine::models::Route) -> Self {
        ModelPrice {
            vendor: route.vendor,
            model: route.model,
            context_window: None,
            input_micros_per_mtok: None,
            output_micros_per_mtok: None,
            embedding: false,
            source: "no price set".into(),
        }
    }
}

impl TryFrom<ModelPrice> for pw_engine::models::ModelInfo {
    type Error = IpcError;
    fn try_from(m: ModelPrice) -> Result<Self, IpcError> {
        let missing = |what: &str| {
            IpcError::new(
                ErrorKind::InvalidInput,
                format!("set the {what} of {}/{}", m.vendor, m.model),
            )
        };
        let context_window = m.context_window.ok_or_else(|| missing("context window"))?;
        let input = m
            .input_micros_per_mtok
            .as_ref()
            .ok_or_else(|| missing("input price"))?
            .parse()?;
        let output = m
            .output_micros_per_mtok
            .as_ref()
            .ok_or_else(|| missing("output price"))?
            .parse()?;
        Ok(pw_engine::models::ModelInfo {
            vendor: m.vendor,
            model: m.model,
            context_window,
            input_micros_per_mtok: input,
            output_micros_per_mtok: output,
            embedding: m.embedding,
            source: "edited".into(),
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelSpendRequest {
    pub workspace_id: String,
    /// How many days the daily chart covers.
    pub days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SpendDay {
    pub day: String,
    pub cost_micros: Micros,
    pub calls: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SpendModel {
    pub vendor: String,
    pub model: String,
    pub cost_micros: Micros,
    pub calls: u64,
    /// Calls whose cost is unknown (the model had no price); not in `cost_micros`.
    pub unpriced_calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SpendStudy {
    pub study_id: String,
    pub title: String,
    pub spent_micros: Micros,
    pub budget_micros: Option<Micros>,
    pub calls: u64,
}

/// What a workspace's model calls cost (US dollars, in millionths).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelSpend {
    /// What the calls with a known cost cost.
    pub total_micros: Micros,
    pub calls: u64,
    /// Calls whose cost is unknown (the model had no price); not in `total_micros`.
    pub unpriced_calls: u64,
    pub cache_hits: u64,
    pub failed_calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub by_day: Vec<SpendDay>,
    pub by_model: Vec<SpendModel>,
    pub by_study: Vec<SpendStudy>,
}

impl From<pw_engine::models::WorkspaceSpend> for ModelSpend {
    fn from(s: pw_engine::models::WorkspaceSpend) -> Self {
        ModelSpend {
            total_micros: s.total_micros.into(),
            calls: s.calls,
            unpriced_calls: s.unpriced_calls,
            cache_hits: s.cache_hits,
            failed_calls: s.failed_calls,
            input_tokens: s.input_tokens,
            output_tokens: s.output_tokens,
            by_day: s
                .by_day
                .into_iter()
                .map(|d| SpendDay {
                    day: d.day.to_string(),
                    cost_micros: d.cost_micros.into(),
                    calls: d.calls,
                })
                .collect(),
            by_model: s
                .by_model
                .into_iter()
                .map(|m| SpendModel {
                    vendor: m.vendor,
                    model: m.model,
                    cost_micros: m.cost_micros.into(),
                    calls: m.calls,
                    unpriced_calls: m.unpriced_calls,
                    input_tokens: m.input_tokens,
                    output_tokens: m.output_tokens,
                })
                .collect(),
            by_study: s
                .by_study
                .into_iter()
                .map(|st| SpendStudy {
                    study_id: st.study_id.to_string(),
                    title: st.title,
                    spent_micros: st.spent_micros.into(),
                    budget_micros: st.budget_micros.map(Into::into),
                    calls: st.calls,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StudyBudgetRequest {
    pub study_id: String,
    /// `null`: no cap.
    pub budget_micros: Option<Micros>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelDownloadRequest {
    /// An http(s) address ending in a `.gguf` file name.
    pub url: String,
    /// The file's SHA-256 in hex, checked before the file is used.
    pub sha256: Option<String>,
}

/// Where model-call traces go. Header values stay in the keychain; the view says only whether
/// some are stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TraceExportView {
    /// `null`: traces stay on this computer.
    pub endpoint: Option<String>,
    /// The share of traces sent, 0 to 1.
    pub sample_rate: f64,
    pub headers_configured: bool,
}

impl From<pw_engine::models::TraceExportSettings> for TraceExportView {
    fn from(t: pw_engine::models::TraceExportSettings) -> Self {
        TraceExportView {
            endpoint: t.endpoint,
            sample_rate: t.sample_rate,
            headers_configured: t.headers_configured,
        }
    }
}

#[derive(Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TraceExportRequest {
    pub endpoint: Option<String>,
    pub sample_rate: f64,
    /// "Name: value" lines (e.g. Langfuse's Authorization), on their way to the keychain;
    /// `null` keeps the stored ones.
    pub headers: Option<String>,
}

impl std::fmt::Debug for TraceExportRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceExportRequest")
            .field("endpoint", &self.endpoint)
            .field("sample_rate", &self.sample_rate)
            .field("headers", &self.headers.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}
