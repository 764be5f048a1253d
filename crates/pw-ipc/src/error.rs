//! The error every command returns: a closed kind to branch on and a sentence to show.

use pw_engine::{EngineError, ErrorKind as EngineErrorKind, IdError};
use serde::{Deserialize, Serialize};
use specta::Type;

/// The closed set of failure kinds the UI branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    NotFound,
    InvalidInput,
    Conflict,
    Unavailable,
    Cancelled,
    Corrupt,
    /// A model or key is missing or was rejected: the UI offers Settings.
    NotConfigured,
    /// A study spent its model budget: the UI offers to raise it.
    BudgetReached,
    Internal,
}

/// Every command's error: a kind to branch on and a sentence to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct IpcError {
    pub kind: ErrorKind,
    pub message: String,
}

impl IpcError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        IpcError {
            kind,
            message: message.into(),
        }
    }
}

impl From<EngineErrorKind> for ErrorKind {
    fn from(kind: EngineErrorKind) -> Self {
        match kind {
            EngineErrorKind::NotFound => ErrorKind::NotFound,
            EngineErrorKind::InvalidInput => ErrorKind::InvalidInput,
            EngineErrorKind::Conflict => ErrorKind::Conflict,
            EngineErrorKind::Unavailable => ErrorKind::Unavailable,
            EngineErrorKind::Cancelled => ErrorKind::Cancelled,
            EngineErrorKind::Corrupt => ErrorKind::Corrupt,
            EngineErrorKind::NotConfigured => ErrorKind::NotConfigured,
            EngineErrorKind::BudgetReached => ErrorKind::BudgetReached,
            EngineErrorKind::Internal => ErrorKind::Internal,
        }
    }
}

impl From<EngineError> for IpcError {
    fn from(error: EngineError) -> Self {
        IpcError {
            kind: error.kind().into(),
            message: error.to_string(),
        }
    }
}

/// An id from the webview that is no id of its kind: the engine's error for it (`notFound`).
impl From<IdError> for IpcError {
    fn from(error: IdError) -> Self {
        EngineError::from(error).into()
    }
}
