//! What can go wrong in the language-models context. The engine gives each a closed kind; the
//! messages are the ones these failures had before the context left `pw-engine` and `pw-store`.

use pw_store::StoreError;

pub type Result<T, E = ModelsError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ModelsError {
    /// A request the use cases refuse (an address, a key, a route), worded for the person.
    #[error("{0}")]
    InvalidInput(String),
    /// A value the language-model tables refuse (a negative price, a budget below zero).
    #[error("invalid input: {0}")]
    InvalidSetting(String),
    #[error("no workspace with id {0}")]
    WorkspaceNotFound(String),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Llm(#[from] pw_llm::LlmError),
    #[error(transparent)]
    Keychain(#[from] pw_secrets::SecretError),
}
