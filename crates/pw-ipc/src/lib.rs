//! The desktop IPC contract: the DTOs that cross into the webview, with `specta::Type` so their
//! TypeScript is generated, and conversions from engine types. Engine types stay free of wire
//! concerns; renaming a field here is a deliberate contract change, visible in the bindings diff.
//!
//! Money crosses as integer micros. They are typed `number` in TypeScript: every amount this app
//! shows is far below 2^53 micros (9 billion currency units), where a double is still exact.

use pw_engine::{
    CampaignTotals, Dashboard as EngineDashboard, EngineError, ErrorKind as EngineErrorKind,
    JobRecord, JobStatus, KpiKey as EngineKpiKey, KpiUnit as EngineKpiUnit,
    Platform as EnginePlatform, WorkspaceOverview,
};
use serde::{Deserialize, Serialize};
use specta::Type;

/// The closed set of failure kinds the UI branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    NotFound,
    InvalidInput,
    Conflict,
    Unavailable,
    Cancelled,
    Corrupt,
    /// A model or key is missing or was rejected: the UI offers Settings.
    NotConfigured,
    /// A study spent its model budget: the UI offers to raise it.
    BudgetReached,
    Internal,
}

/// Every command's error: a kind to branch on and a sentence to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct IpcError {
    pub kind: ErrorKind,
    pub message: String,
}

impl IpcError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        IpcError {
            kind,
            message: message.into(),
        }
    }
}

impl From<EngineErrorKind> for ErrorKind {
    fn from(kind: EngineErrorKind) -> Self {
        match kind {
            EngineErrorKind::NotFound => ErrorKind::NotFound,
            EngineErrorKind::InvalidInput => ErrorKind::InvalidInput,
            EngineErrorKind::Conflict => ErrorKind::Conflict,
            EngineErrorKind::Unavailable => ErrorKind::Unavailable,
            EngineErrorKind::Cancelled => ErrorKind::Cancelled,
            EngineErrorKind::Corrupt => ErrorKind::Corrupt,
            EngineErrorKind::NotConfigured => ErrorKind::NotConfigured,
            EngineErrorKind::BudgetReached => ErrorKind::BudgetReached,
            EngineErrorKind::Internal => ErrorKind::Internal,
        }
    }
}

impl From<EngineError> for IpcError {
    fn from(error: EngineError) -> Self {
        IpcError {
            kind: error.kind().into(),
            message: error.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum Platform {
    Meta,
    GoogleAds,
    Tiktok,
    Pinterest,
    Linkedin,
    Snapchat,
    Ga4,
    Dv360,
    Youtube,
}

impl From<EnginePlatform> for Platform {
    fn from(platform: EnginePlatform) -> Self {
        match platform {
            EnginePlatform::Meta => Platform::Meta,
            EnginePlatform::GoogleAds => Platform::GoogleAds,
            EnginePlatform::Tiktok => Platform::Tiktok,
            EnginePlatform::Pinterest => Platform::Pinterest,
            EnginePlatform::Linkedin => Platform::Linkedin,
            EnginePlatform::Snapchat => Platform::Snapchat,
            EnginePlatform::Ga4 => Platform::Ga4,
            EnginePlatform::Dv360 => Platform::Dv360,
            EnginePlatform::Youtube => Platform::Youtube,
        }
    }
}

/// Inclusive calendar dates, `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct DateRange {
    pub start: String,
    pub end: String,
}

impl From<pw_domain::DateRange> for DateRange {
    fn from(range: pw_domain::DateRange) -> Self {
        DateRange {
            start: range.start.to_string(),
            end: range.end.to_string(),
        }
    }
}

impl TryFrom<DateRange> for pw_domain::DateRange {
    type Error = IpcError;
    fn try_from(range: DateRange) -> Result<Self, IpcError> {
        pw_domain::DateRange::parse(&range.start, &range.end)
            .map_err(|e| IpcError::new(ErrorKind::InvalidInput, e.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSummary {
    pub id: String,
    pub name: String,
    pub brand: String,
    pub currency: String,
    pub time_zone: String,
    pub is_demo: bool,
    pub created_at: String,
    pub campaign_count: u32,
    pub data_range: Option<DateRange>,
    /// The model this workspace answers with first; `null`: the models per task.
    pub default_model: Option<ModelRoute>,
}

impl From<WorkspaceOverview> for WorkspaceSummary {
    fn from(overview: WorkspaceOverview) -> Self {
        let w = overview.workspace;
        WorkspaceSummary {
            id: w.id,
            name: w.name,
            brand: w.brand,
            currency: w.currency.as_str().to_owned(),
            time_zone: w.time_zone,
            is_demo: w.is_demo,
            created_at: w.created_at,
            campaign_count: overview.campaign_count,
            data_range: overview.data_range.map(Into::into),
            default_model: w
                .default_model
                .map(|(vendor, model)| ModelRoute { vendor, model }),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CreateWorkspaceRequest {
    pub name: String,
    pub brand: String,
    pub currency: String,
    pub time_zone: String,
}

impl From<CreateWorkspaceRequest> for pw_engine::CreateWorkspace {
    fn from(r: CreateWorkspaceRequest) -> Self {
        pw_engine::CreateWorkspace {
            name: r.name,
            brand: r.brand,
            currency: r.currency,
            time_zone: r.time_zone,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardRequest {
    pub workspace_id: String,
    /// `null`: the last 30 days that have data.
    pub range: Option<DateRange>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceExportRequest {
    pub workspace_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum KpiKey {
    Spend,
    Impressions,
    Clicks,
    Ctr,
    Cpc,
    Conversions,
    Cpa,
    Roas,
}

/// How to read a KPI value: money in micros, a count, a fraction (0.012 = 1.2%), a multiple.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum KpiUnit {
    Money,
    Count,
    Ratio,
    Multiple,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Kpi {
    pub key: KpiKey,
    pub unit: KpiUnit,
    pub current: Option<f64>,
    pub previous: Option<f64>,
    /// Relative change against the previous period (0.1 = +10%).
    pub change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SeriesPoint {
    pub date: String,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: f64,
    pub conversion_value_micros: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PlatformSeries {
    pub platform: Platform,
    pub points: Vec<SeriesPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignRow {
    pub id: String,
    pub name: String,
    pub platform: Platform,
    pub objective: String,
    pub status: String,
    pub spend_micros: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: f64,
    pub conversion_value_micros: i64,
    pub ctr: Option<f64>,
    pub cpc_micros: Option<f64>,
    pub cpa_micros: Option<f64>,
    pub roas: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub workspace_id: String,
    pub currency: String,
    pub range: DateRange,
    pub previous_range: DateRange,
    pub kpis: Vec<Kpi>,
    pub series: Vec<PlatformSeries>,
    pub campaigns: Vec<CampaignRow>,
}

fn kpi_key(key: EngineKpiKey) -> KpiKey {
    match key {
        EngineKpiKey::Spend => KpiKey::Spend,
        EngineKpiKey::Impressions => KpiKey::Impressions,
        EngineKpiKey::Clicks => KpiKey::Clicks,
        EngineKpiKey::Ctr => KpiKey::Ctr,
        EngineKpiKey::Cpc => KpiKey::Cpc,
        EngineKpiKey::Conversions => KpiKey::Conversions,
        EngineKpiKey::Cpa => KpiKey::Cpa,
        EngineKpiKey::Roas => KpiKey::Roas,
    }
}

fn kpi_unit(unit: EngineKpiUnit) -> KpiUnit {
    match unit {
        EngineKpiUnit::Money => KpiUnit::Money,
        EngineKpiUnit::Count => KpiUnit::Count,
        EngineKpiUnit::Ratio => KpiUnit::Ratio,
        EngineKpiUnit::Multiple => KpiUnit::Multiple,
    }
}

impl From<CampaignTotals> for CampaignRow {
    fn from(c: CampaignTotals) -> Self {
        let t = c.totals;
        CampaignRow {
            id: c.campaign_id,
            name: c.name,
            platform: c.platform.into(),
            objective: c.objective,
            status: c.status,
            spend_micros: t.spend.0,
            impressions: t.impressions,
            clicks: t.clicks,
            conversions: t.conversions,
            conversion_value_micros: t.conversion_value.0,
            ctr: t.kpi(EngineKpiKey::Ctr),
            cpc_micros: t.kpi(EngineKpiKey::Cpc),
            cpa_micros: t.kpi(EngineKpiKey::Cpa),
            roas: t.kpi(EngineKpiKey::Roas),
        }
    }
}

impl From<EngineDashboard> for Dashboard {
    fn from(d: EngineDashboard) -> Self {
        Dashboard {
            workspace_id: d.workspace_id,
            currency: d.currency,
            range: d.range.into(),
            previous_range: d.previous_range.into(),
            kpis: d
                .kpis
                .iter()
                .map(|k| Kpi {
                    key: kpi_key(k.key),
                    unit: kpi_unit(k.unit),
                    current: k.current,
                    previous: k.previous,
                    change: k.change(),
                })
                .collect(),
            series: d
                .series
                .into_iter()
                .map(|s| PlatformSeries {
                    platform: s.platform.into(),
                    points: s
                        .points
                        .into_iter()
                        .map(|p| SeriesPoint {
                            date: p.date.to_string(),
                            spend_micros: p.totals.spend.0,
                            impressions: p.totals.impressions,
                            clicks: p.totals.clicks,
                            conversions: p.totals.conversions,
                            conversion_value_micros: p.totals.conversion_value.0,
                        })
                        .collect(),
                })
                .collect(),
            campaigns: d.campaigns.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum Lane {
    Fast,
    Default,
    Slow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub lane: Lane,
    pub state: JobState,
    pub priority: i32,
    pub attempts: u32,
    pub max_attempts: u32,
    /// 0..=1
    pub progress: f64,
    pub progress_message: Option<String>,
    pub error: Option<String>,
    pub workspace_id: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

impl From<JobRecord> for JobView {
    fn from(job: JobRecord) -> Self {
        JobView {
            id: job.id,
            kind: job.kind,
            title: job.title,
            lane: match job.lane {
                pw_engine::JobLane::Fast => Lane::Fast,
                pw_engine::JobLane::Default => Lane::Default,
                pw_engine::JobLane::Slow => Lane::Slow,
            },
            state: match job.state {
                JobStatus::Queued => JobState::Queued,
                JobStatus::Running => JobState::Running,
                JobStatus::Succeeded => JobState::Succeeded,
                JobStatus::Failed => JobState::Failed,
                JobStatus::Cancelled => JobState::Cancelled,
            },
            priority: job.priority,
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            progress: job.progress,
            progress_message: job.progress_message,
            // A queued job that failed before shows its last error while it waits to retry.
            error: job.last_error,
            workspace_id: job.workspace_id,
            created_at: rfc3339(job.created_at),
            started_at: job.started_at.map(rfc3339),
            finished_at: job.finished_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub database_path: String,
}

// Language models

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

impl From<pw_engine::Task> for ModelTask {
    fn from(task: pw_engine::Task) -> Self {
        match task {
            pw_engine::Task::TwinDialogue => ModelTask::TwinDialogue,
            pw_engine::Task::Moderation => ModelTask::Moderation,
            pw_engine::Task::Analysis => ModelTask::Analysis,
            pw_engine::Task::Extraction => ModelTask::Extraction,
            pw_engine::Task::Embeddings => ModelTask::Embeddings,
        }
    }
}

impl From<ModelTask> for pw_engine::Task {
    fn from(task: ModelTask) -> Self {
        match task {
            ModelTask::TwinDialogue => pw_engine::Task::TwinDialogue,
            ModelTask::Moderation => pw_engine::Task::Moderation,
            ModelTask::Analysis => pw_engine::Task::Analysis,
            ModelTask::Extraction => pw_engine::Task::Extraction,
            ModelTask::Embeddings => pw_engine::Task::Embeddings,
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

impl From<pw_engine::VendorKind> for VendorKind {
    fn from(kind: pw_engine::VendorKind) -> Self {
        use pw_engine::VendorKind as K;
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

impl From<VendorKind> for pw_engine::VendorKind {
    fn from(kind: VendorKind) -> Self {
        use pw_engine::VendorKind as K;
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

impl From<pw_engine::VendorView> for VendorSummary {
    fn from(v: pw_engine::VendorView) -> Self {
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

impl From<pw_engine::Route> for ModelRoute {
    fn from(r: pw_engine::Route) -> Self {
        ModelRoute {
            vendor: r.vendor,
            model: r.model,
        }
    }
}

impl From<ModelRoute> for pw_engine::Route {
    fn from(r: ModelRoute) -> Self {
        pw_engine::Route::new(r.vendor, r.model)
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

impl From<pw_engine::LocalModelStatus> for LocalModelState {
    fn from(m: pw_engine::LocalModelStatus) -> Self {
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

impl From<pw_engine::ModelSettings> for ModelSettingsView {
    fn from(s: pw_engine::ModelSettings) -> Self {
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
            vendor_options: pw_engine::VendorKind::ALL
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

impl From<SaveVendorRequest> for pw_engine::VendorInput {
    fn from(r: SaveVendorRequest) -> Self {
        pw_engine::VendorInput {
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

impl From<pw_engine::VendorCheck> for VendorCheckResult {
    fn from(c: pw_engine::VendorCheck) -> Self {
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

/// A catalogue entry: prices in millionths of a dollar per million tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelPrice {
    pub vendor: String,
    pub model: String,
    pub context_window: u32,
    pub input_micros_per_mtok: i64,
    pub output_micros_per_mtok: i64,
    pub embedding: bool,
    pub source: String,
}

impl From<pw_engine::ModelInfo> for ModelPrice {
    fn from(m: pw_engine::ModelInfo) -> Self {
        ModelPrice {
            vendor: m.vendor,
            model: m.model,
            context_window: m.context_window,
            input_micros_per_mtok: m.input_micros_per_mtok,
            output_micros_per_mtok: m.output_micros_per_mtok,
            embedding: m.embedding,
            source: m.source,
        }
    }
}

impl From<ModelPrice> for pw_engine::ModelInfo {
    fn from(m: ModelPrice) -> Self {
        pw_engine::ModelInfo {
            vendor: m.vendor,
            model: m.model,
            context_window: m.context_window,
            input_micros_per_mtok: m.input_micros_per_mtok,
            output_micros_per_mtok: m.output_micros_per_mtok,
            embedding: m.embedding,
            source: "edited".into(),
        }
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
    pub cost_micros: i64,
    pub calls: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SpendModel {
    pub vendor: String,
    pub model: String,
    pub cost_micros: i64,
    pub calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SpendStudy {
    pub study_id: String,
    pub title: String,
    pub spent_micros: i64,
    pub budget_micros: Option<i64>,
    pub calls: u64,
}

/// What a workspace's model calls cost (US dollars, in millionths).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ModelSpend {
    pub total_micros: i64,
    pub calls: u64,
    pub cache_hits: u64,
    pub failed_calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub by_day: Vec<SpendDay>,
    pub by_model: Vec<SpendModel>,
    pub by_study: Vec<SpendStudy>,
}

impl From<pw_engine::WorkspaceSpend> for ModelSpend {
    fn from(s: pw_engine::WorkspaceSpend) -> Self {
        ModelSpend {
            total_micros: s.total_micros,
            calls: s.calls,
            cache_hits: s.cache_hits,
            failed_calls: s.failed_calls,
            input_tokens: s.input_tokens,
            output_tokens: s.output_tokens,
            by_day: s
                .by_day
                .into_iter()
                .map(|d| SpendDay {
                    day: d.day,
                    cost_micros: d.cost_micros,
                    calls: d.calls,
                })
                .collect(),
            by_model: s
                .by_model
                .into_iter()
                .map(|m| SpendModel {
                    vendor: m.vendor,
                    model: m.model,
                    cost_micros: m.cost_micros,
                    calls: m.calls,
                    input_tokens: m.input_tokens,
                    output_tokens: m.output_tokens,
                })
                .collect(),
            by_study: s
                .by_study
                .into_iter()
                .map(|st| SpendStudy {
                    study_id: st.study_id,
                    title: st.title,
                    spent_micros: st.spent_micros,
                    budget_micros: st.budget_micros,
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
    pub budget_micros: Option<i64>,
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

impl From<pw_engine::TraceExportSettings> for TraceExportView {
    fn from(t: pw_engine::TraceExportSettings) -> Self {
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
