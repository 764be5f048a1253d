//! What can go wrong with a connection or a sync, in words a marketer understands. Each variant
//! says what happened; [`ConnectorError::action`] says what to do about it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use pw_domain::Platform;

#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// The platform no longer accepts the connection's token (expired, revoked, password
    /// changed): only the person can fix it, by connecting again.
    #[error("{} no longer accepts this connection ({reason})", platform.display_name())]
    Reconnect { platform: Platform, reason: String },
    /// The platform asked us to wait longer than a sync holds on for (a daily quota, say).
    #[error("{} is limiting how often we may ask and asked us to wait until {until}", platform.display_name())]
    RateLimited {
        platform: Platform,
        until: DateTime<Utc>,
        wait: Duration,
    },
    /// Server errors, timeouts or dropped connections, after every retry.
    #[error("{} did not answer properly after {attempts} tries ({detail})", platform.display_name())]
    Unavailable {
        platform: Platform,
        attempts: u32,
        detail: String,
    },
    /// The platform answered with something that is not what its API sends.
    #[error("{} sent a page we could not read ({what})", platform.display_name())]
    Malformed { platform: Platform, what: String },
    /// The platform refused the request itself: a missing permission, an account that cannot
    /// be reached, a parameter it does not take.
    #[error("{} refused the request: {message}", platform.display_name())]
    Refused { platform: Platform, message: String },
    /// The platform could not produce a report this large; the sync splits the range.
    #[error("{} could not produce a report this large", platform.display_name())]
    TooMuchData { platform: Platform },
    /// An enrichment service (the Census API, web search) failed; the words name it and say
    /// what to do.
    #[error("{message}")]
    Service {
        failure: ServiceFailure,
        message: String,
    },
    #[error("connection {0} was not found")]
    ConnectionNotFound(String),
    #[error("sync run {0} was not found")]
    RunNotFound(String),
    #[error("workspace {0} was not found")]
    WorkspaceNotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the sync was cancelled")]
    Cancelled,
    #[error(transparent)]
    Store(#[from] pw_store::StoreError),
    #[error(transparent)]
    Secrets(#[from] pw_secrets::SecretError),
    #[error(transparent)]
    Jobs(#[from] pw_jobs::QueueError),
}

impl From<sqlx::Error> for ConnectorError {
    fn from(error: sqlx::Error) -> Self {
        ConnectorError::Store(pw_store::StoreError::Sql(error))
    }
}

impl ConnectorError {
    /// The closed kind a caller across IPC or a script branches on.
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectorError::Reconnect { .. } => "reconnect",
            ConnectorError::RateLimited { .. } => "rate_limited",
            ConnectorError::Unavailable { .. } => "unavailable",
            ConnectorError::Malformed { .. } => "malformed",
            ConnectorError::Refused { .. } => "refused",
            ConnectorError::TooMuchData { .. } => "too_much_data",
            ConnectorError::Service { failure, .. } => failure.as_str(),
            ConnectorError::ConnectionNotFound(_)
            | ConnectorError::RunNotFound(_)
            | ConnectorError::WorkspaceNotFound(_) => "not_found",
            ConnectorError::Invalid(_) => "invalid",
            ConnectorError::Cancelled => "cancelled",
            ConnectorError::Store(_) | ConnectorError::Jobs(_) => "storage",
            ConnectorError::Secrets(_) => "keychain",
        }
    }

    /// What the person can do about it, in one sentence.
    pub fn action(&self) -> String {
        match self {
            ConnectorError::Reconnect { platform, .. } => format!(
                "Reconnect {} in Connections; the next sync picks up where this one stopped.",
                platform.display_name()
            ),
            ConnectorError::RateLimited { until, .. } => format!(
                "Nothing to do: the next sync after {} continues from here.",
                until.format("%Y-%m-%d %H:%M UTC")
            ),
            ConnectorError::Unavailable { platform, .. } => format!(
                "Try again later; if it keeps failing, check {}'s status page.",
                platform.display_name()
            ),
            ConnectorError::Malformed { .. } => {
                "Try again; if the same page fails again, report it with the sync's details.".into()
            }
            ConnectorError::Refused { platform, .. } => format!(
                "Check that the connected {} user can read this account's ads and reports.",
                platform.display_name()
            ),
            ConnectorError::Secrets(_) => "Unlock the system keychain, then sync again.".into(),
            ConnectorError::Cancelled => "Sync again to continue where it stopped.".into(),
            _ => "Sync again; if it keeps failing, report it with the sync's details.".into(),
        }
    }

    /// Whether the connection itself must be repaired before any sync can work.
    pub fn needs_reconnect(&self) -> bool {
        matches!(self, ConnectorError::Reconnect { .. })
    }
}

/// How an enrichment service failed: its closed kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceFailure {
    /// No key is saved for it.
    NotConfigured,
    /// It no longer accepts the saved key.
    KeyRefused,
    RateLimited,
    Unavailable,
    Malformed,
    /// It refused the request itself.
    Refused,
}

impl ServiceFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceFailure::NotConfigured => "not_configured",
            ServiceFailure::KeyRefused => "reconnect",
            ServiceFailure::RateLimited => "rate_limited",
            ServiceFailure::Unavailable => "unavailable",
            ServiceFailure::Malformed => "malformed",
            ServiceFailure::Refused => "refused",
        }
    }
}

pub type Result<T, E = ConnectorError> = std::result::Result<T, E>;
