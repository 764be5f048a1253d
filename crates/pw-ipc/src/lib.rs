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
