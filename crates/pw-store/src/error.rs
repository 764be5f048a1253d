//! What can go wrong with the system of record, named for what the user would need to know.

use std::path::PathBuf;

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
        "updating the database schema failed ({source}); the database was restored to how it was before"
    )]
    MigrationFailed {
        #[source]
        source: sqlx::migrate::MigrateError,
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
