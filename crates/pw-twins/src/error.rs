//! The twins and studies context's errors. Each says what happened in words a marketer
//! understands; the engine maps them to the closed error kinds that cross IPC.

use pw_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum TwinsError {
    #[error("the workspace {0} does not exist")]
    WorkspaceNotFound(String),
    #[error("the audience {0} does not exist in this workspace")]
    AudienceNotFound(String),
    #[error("the twin {0} does not exist")]
    TwinNotFound(String),
    #[error("the memory {0} does not exist")]
    MemoryNotFound(String),
    #[error("the session {0} does not exist")]
    SessionNotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// Twins rest on evidence; an audience without enough of it gets none.
    #[error(
        "{audience} has too little evidence for twins: {reason}. Build its signals first (Audiences → Build signals)"
    )]
    TooLittleEvidence { audience: String, reason: String },
    #[error(
        "someone else changed {what} meanwhile (now version {current}); reload it and edit again"
    )]
    EditConflict { what: String, current: i64 },
    #[error("stored twin data is damaged: {0}")]
    Corrupt(String),
    #[error("the work was cancelled; nothing was changed")]
    Cancelled,
    #[error(transparent)]
    Model(pw_llm::LlmError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<pw_jobs::QueueError> for TwinsError {
    fn from(error: pw_jobs::QueueError) -> Self {
        match error {
            pw_jobs::QueueError::Sql(e) => TwinsError::from(e),
            other => TwinsError::Invalid(other.to_string()),
        }
    }
}

impl From<sqlx::Error> for TwinsError {
    fn from(error: sqlx::Error) -> Self {
        TwinsError::Store(StoreError::from(error))
    }
}

pub type Result<T, E = TwinsError> = std::result::Result<T, E>;
