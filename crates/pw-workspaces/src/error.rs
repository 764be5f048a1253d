//! What can go wrong in the workspaces context. The engine gives each a closed kind; the
//! messages are the ones these failures had before the context left `pw-engine`.

use pw_store::StoreError;

pub type Result<T, E = WorkspacesError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum WorkspacesError {
    /// No workspace has this id (or, when looked up by what a person typed, this name).
    #[error("no workspace '{0}'")]
    WorkspaceNotFound(String),
    /// A request refused before anything is written (a currency code, a job's payload).
    #[error("{0}")]
    InvalidInput(String),
    /// The store's own failures: the workspace and ad-data tables, workspace files, the file.
    #[error(transparent)]
    Store(#[from] StoreError),
}
