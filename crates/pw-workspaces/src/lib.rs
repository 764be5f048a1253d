//! The workspaces and ad data context: workspaces (one per client brand) and the ad-platform data
//! in them, as the platforms shape it (accounts, campaigns, ad groups, ads, creatives, daily
//! metrics and their breakdowns, audiences and audience signals), written by natural key so a
//! re-run replaces rows instead of duplicating them; the dashboard read model over them; workspace
//! files, exported now or by the `workspace.export` job, and imported.
//!
//! It owns the tables `workspaces`, `ad_accounts`, `campaigns`, `ad_groups`, `ads`, `creatives`,
//! `daily_metrics`, `metric_breakdowns`, `audiences` and `audience_signals`; from `pw-store` it
//! takes the shared `Database`, the workspace-file format (a file spans every context's tables)
//! and the signal occurrence rule (which the schema and workspace-file import share). The engine
//! hands [`AdWorkspaces`] out through `engine.workspaces()`.

mod ad_data;
mod ad_workspaces;
mod dashboard;
mod error;
mod handlers;
mod reporting;
mod workspaces;

use pw_store::Database;

pub use ad_data::{
    AdAccountRow, AdDataWriter, AdGroupRow, AdRow, AudienceRow, BreakdownRow, CampaignRow,
    CreativeRow, MetricEntity, MetricRow, SignalRow, natural_id,
};
pub use ad_workspaces::{AdWorkspaces, CreateWorkspace};
pub use dashboard::{CurrencySection, Dashboard, PlatformSeries, SeriesPoint, yesterday_in};
pub use error::{Result, WorkspacesError};
pub use handlers::{EXPORT_JOB_KIND, job_kinds};
/// The ids and closed vocabularies of this context's rows (`pw-domain`'s).
pub use pw_domain::{
    AdAccountId, AdGroupId, AdId, AudienceId, AudienceKind, BreakdownDimension, CampaignId,
    CreativeFormat, CreativeId, EntityStatus, MetricLevel, SearchIntent, SignalId, SignalKind,
    WorkspaceId,
};
pub use pw_store::{SIGNAL_OCCURRENCE_FIELDS, signal_occurrence};
pub use reporting::{CampaignTotals, CurrencyTotals, DailyPlatformTotals};
pub use workspaces::{NewWorkspace, Workspace, WorkspaceOverview};

/// The workspace rows and the reporting queries over their ad data, on the shared database's
/// writer and readers. Ad data itself is written through [`AdDataWriter`], inside a write
/// transaction the caller commits.
#[derive(Clone, Copy)]
pub struct WorkspaceStore<'d> {
    db: &'d Database,
}

impl<'d> WorkspaceStore<'d> {
    pub fn new(db: &'d Database) -> Self {
        WorkspaceStore { db }
    }
}
