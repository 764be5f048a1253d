//! What can go wrong with the system of record, named for what the user would need to know.

use std::path::{Path, PathBuf};

use crate::database::backups_folder;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path} is not a ProfitWheel database: it is not an SQLite file. It was left untouched."
    )]
    NotADatabase { path: PathBuf },
    #[error(
        "{path} belongs to another application (it is an SQLite file, but not ProfitWheel's). It was left untouched."
    )]
    ForeignDatabase { path: PathBuf },
    #[error(
        "{path} is damaged ({detail}). It was left untouched; restore it from a backup or an exported workspace file."
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{path} was written by a newer version of ProfitWheel (schema version {version}). Update the app to open it; it was left untouched."
    )]
    NewerSchema { path: PathBuf, version: i64 },
    #[error(
        "{path} is read-only, so ProfitWheel cannot work in it. It was left as it was; make the file writable (or copy it to a folder you can write to) and open it again."
    )]
    ReadOnly { path: PathBuf },
    #[error(
        "migration {version} was changed after it was applied to {path} (its checksum differs), so this copy of ProfitWheel and the database disagree about its layout. The file was left as it was; open it with the version of ProfitWheel that last updated it, or restore a backup from {}.",
        backups_folder(.path).display()
    )]
    MigrationChanged { path: PathBuf, version: i64 },
    #[error(
        "migration {version} was left unfinished (dirty) in {path} by an earlier update. The file was left as it was; restore a backup from {}.",
        backups_folder(.path).display()
    )]
    MigrationUnfinished { path: PathBuf, version: i64 },
    #[error(
        "could not back up {path} to {backup} before updating it ({source}). Nothing was changed: the file was left as it was."
    )]
    BackupFailed {
        path: PathBuf,
        backup: PathBuf,
        #[source]
        source: Box<sqlx::Error>,
    },
    #[error(
        "updating {path} to this version of ProfitWheel failed ({source}). {}",
        after_failed_update(.created, .backup.as_deref())
    )]
    MigrationFailed {
        path: PathBuf,
        /// The migration that failed, when it was one migration's SQL.
        version: Option<i64>,
        /// Whether this open created the file (it was then removed again).
        created: bool,
        /// The snapshot taken just before the attempt, kept on disk.
        backup: Option<PathBuf>,
        #[source]
        source: Box<sqlx::migrate::MigrateError>,
    },
    #[error(
        "updating {path} to this version of ProfitWheel would have left rows pointing at rows that do not exist ({detail}), so the update was rolled back. {}",
        after_failed_update(.created, .backup.as_deref())
    )]
    MigrationBrokeReferences {
        path: PathBuf,
        /// The first few dangling references, in words.
        detail: String,
        /// Whether this open created the file (it was then removed again).
        created: bool,
        /// The snapshot taken just before the attempt, kept on disk.
        backup: Option<PathBuf>,
    },
    #[error(
        "daily metrics of {level} {entity_id} are in {metric_currency}, but its ad account {account_id} reports in {account_currency}; amounts in two currencies cannot be added up, so nothing was written"
    )]
    MetricCurrencyMismatch {
        level: &'static str,
        entity_id: String,
        metric_currency: String,
        account_id: String,
        account_currency: String,
    },
    #[error(
        "ad account {account_id} already has daily metrics in {stored_currency}, so it cannot change to {new_currency}; nothing was written"
    )]
    AccountCurrencyChange {
        account_id: String,
        stored_currency: String,
        new_currency: String,
    },
    /// A stored value this version cannot read: a name a newer version added, an id in another
    /// spelling, a damaged instant.
    #[error("a stored {column} cannot be read by this version of ProfitWheel: {reason}")]
    UnreadableValue {
        column: &'static str,
        reason: String,
    },
    #[error("no workspace with id {0}")]
    WorkspaceNotFound(String),
    #[error("a workspace named '{0}' already exists")]
    WorkspaceNameTaken(String),
    #[error("a workspace with id {0} already exists in this database")]
    WorkspaceAlreadyExists(String),
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("the workspace file is not usable: {0}. Nothing was imported.")]
    InvalidWorkspaceFile(String),
    #[error("blob {sha256} is missing or does not match its checksum")]
    BlobMismatch { sha256: String },
    #[error("file error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }
}

fn after_failed_update(created: &bool, backup: Option<&Path>) -> String {
    match (*created, backup) {
        (true, _) => "The new database it was creating was removed.".to_owned(),
        (false, Some(backup)) => format!(
            "Nothing was changed: the file was left as it was. A copy taken just before the attempt is at {}.",
            backup.display()
        ),
        (false, None) => "Nothing was changed: the file was left as it was.".to_owned(),
    }
}
