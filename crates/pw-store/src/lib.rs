//! ProfitWheel's system of record: one SQLite file per installation (WAL, one writer), the
//! migrations in the repository's `migrations/` folder, typed repositories for the product domain,
//! a content-addressed blob folder, and workspace files that export and import losslessly.
//!
//! This crate knows SQL and files. It never knows about jobs' scheduling, HTTP, LLMs or the UI.

mod ad_data;
mod blobs;
mod clock;
mod database;
mod error;
mod reporting;
mod transfer;
mod workspaces;

pub use ad_data::{
    AdAccountRow, AdDataWriter, AdGroupRow, AdRow, AudienceRow, CampaignRow, CreativeRow,
    MetricLevel, MetricRow, SignalRow,
};
pub use blobs::BlobStore;
pub use clock::{now_rfc3339, parse_rfc3339};
pub use database::{Database, MIGRATOR, PROFITWHEEL_APPLICATION_ID};
pub use error::{Result, StoreError};
pub use reporting::{CampaignTotals, DailyPlatformTotals};
pub use transfer::{ExportProgress, WORKSPACE_FILE_FORMAT, WorkspaceFile};
pub use workspaces::{NewWorkspace, Workspace, WorkspaceOverview};
