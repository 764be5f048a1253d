//! The evidence context's errors. Each says what happened in words a marketer understands;
//! the engine maps them to the closed error kinds that cross IPC.

use pw_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("the workspace {0} does not exist")]
    WorkspaceNotFound(String),
    #[error("the audience {0} does not exist in this workspace")]
    AudienceNotFound(String),
    #[error("the signal {0} does not exist")]
    SignalNotFound(String),
    #[error("the report {0} does not exist")]
    ReportNotFound(String),
    #[error("the {kind} {id} does not exist in this workspace")]
    SourceNotFound { kind: String, id: String },
    #[error("{0}")]
    Invalid(String),
    #[error("stored evidence is damaged: {0}")]
    Corrupt(String),
    #[error(
        "the model's report could not be grounded: none of its {checked} claims cited the signals correctly ({}), so nothing was stored and the previous version stays",
        reasons.join("; ")
    )]
    Ungrounded {
        checked: usize,
        reasons: Vec<String>,
    },
    #[error("the work was cancelled; nothing was changed")]
    Cancelled,
    #[error(transparent)]
    Model(pw_llm::LlmError),
    #[error(transparent)]
    Search(pw_search::SearchError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<pw_jobs::QueueError> for EvidenceError {
    fn from(error: pw_jobs::QueueError) -> Self {
        match error {
            pw_jobs::QueueError::Sql(e) => EvidenceError::from(e),
            other => EvidenceError::Invalid(other.to_string()),
        }
    }
}

impl From<sqlx::Error> for EvidenceError {
    fn from(error: sqlx::Error) -> Self {
        EvidenceError::Store(StoreError::from(error))
    }
}

pub type Result<T, E = EvidenceError> = std::result::Result<T, E>;
