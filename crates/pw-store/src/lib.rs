//! ProfitWheel's system of record: one SQLite file per installation (WAL, one writer), the
//! migrations in the repository's `migrations/` folder, the shared `Database` context crates build
//! their repositories on, studies, shared settings, a content-addressed blob folder, and workspace
//! files that export and import losslessly (a file spans every context's tables).
//!
//! This crate knows SQL and files. It never knows about jobs' scheduling, HTTP, model vendors'
//! APIs, the keychain or the UI, and depends on no context crate. The language-model tables'
//! repositories live in `pw-models`, the workspace and ad-data tables' in `pw-workspaces`.

mod blobs;
mod clock;
mod columns;
mod database;
mod error;
mod settings;
mod signal_occurrence;
mod studies;
mod transfer;

pub use blobs::BlobStore;
pub use clock::{format_instant, now_instant, now_rfc3339, parse_rfc3339};
pub use columns::{TypedColumns, parse_stored, parse_stored_instant};
pub use database::{BACKUPS_KEPT, Database, MIGRATOR, PROFITWHEEL_APPLICATION_ID, backups_folder};
pub use error::{Result, StoreError};
pub use signal_occurrence::{SIGNAL_OCCURRENCE_FIELDS, signal_occurrence};
pub use studies::{NewStudy, Study, StudyKind, StudyStatus};
pub use transfer::{ExportProgress, ExportSummary, WORKSPACE_FILE_FORMAT, WorkspaceFile};
