//! ProfitWheel's system of record: one SQLite file per installation (WAL, one writer), the
//! migrations in the repository's `migrations/` folder, typed repositories for the product domain,
//! a content-addressed blob folder, and workspace files that export and import losslessly.
//!
//! This crate knows SQL and files. It never knows about jobs' scheduling, HTTP, model vendors'
//! APIs, the keychain or the UI. The language-model tables' repositories live in `pw-models`.

mod ad_data;
mod blobs;
mod clock;
mod database;
mod error;
mod reporting;
mod settings;
mod studies;
mod transfer;
mod workspaces;

pub use ad_data::{
    AdAccountRow, AdDataWriter, AdGroupRow, AdRow, AudienceRow, CampaignRow, CreativeRow,
    MetricLevel, MetricRow, SIGNAL_OCCURRENCE_FIELDS, SignalRow, natural_id, signal_occurrence,
};
pub use blobs::BlobStore;
pub use clock::{now_rfc3339, parse_rfc3339};
pub use database::{BACKUPS_KEPT, Database, MIGRATOR, PROFITWHEEL_APPLICATION_ID, backups_folder};
pub use error::{Result, StoreError};
pub use reporting::{CampaignTotals, CurrencyTotals, DailyPlatformTotals};
pub use studies::{NewStudy, Study, StudyKind};
pub use transfer::{ExportProgress, WORKSPACE_FILE_FORMAT, WorkspaceFile};
pub use workspaces::{NewWorkspace, Workspace, WorkspaceOverview};
