//! Errors of the queue itself, and the failure a job handler reports.

pub type Result<T, E = QueueError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("no job with id {0}")]
    NotFound(String),
    #[error("job {id} is {state} and cannot be {action}")]
    InvalidTransition {
        id: String,
        state: String,
        action: &'static str,
    },
    #[error("'{expression}' is not a cron expression: {detail}")]
    InvalidCron { expression: String, detail: String },
    #[error("invalid job: {0}")]
    InvalidJob(String),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

/// How a job attempt ended badly. Handlers say whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt after a backoff (a 429, a dropped connection, a timeout).
    #[error("{0}")]
    Retryable(String),
    /// Trying again would fail the same way (bad input, missing workspace).
    #[error("{0}")]
    Permanent(String),
    /// The job saw its cancellation and stopped.
    #[error("cancelled")]
    Cancelled,
}

impl JobError {
    pub fn retryable(error: impl std::fmt::Display) -> Self {
        JobError::Retryable(error.to_string())
    }
    pub fn permanent(error: impl std::fmt::Display) -> Self {
        JobError::Permanent(error.to_string())
    }
}
