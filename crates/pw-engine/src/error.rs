//! Engine errors, each with a closed [`ErrorKind`] that callers branch on: the desktop UI shows
//! a different screen per kind, and the CLI picks its exit code from it.

use std::path::PathBuf;

use pw_connectors::{ConnectorError, ServiceFailure};
use pw_evidence::error::EvidenceError;
use pw_jobs::QueueError;
use pw_models::ModelsError;
use pw_store::StoreError;
use pw_surveys::error::SurveysError;
use pw_twins::error::TwinsError;
use pw_workspaces::WorkspacesError;

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// The closed set of failure kinds that cross to the UI and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    NotFound,
    InvalidInput,
    Conflict,
    Unavailable,
    Cancelled,
    /// A data file is damaged, foreign or from a newer version: never overwritten.
    Corrupt,
    /// A model or key is missing or was rejected: the fix is in Settings.
    NotConfigured,
    /// A study spent its model budget: the fix is a higher budget.
    BudgetReached,
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Text given for an id that is no id of its kind (a stale or mistyped link): nothing has
    /// it, so it is `NotFound`, as an unknown id is.
    #[error(transparent)]
    InvalidId(#[from] pw_domain::IdError),
    #[error("{0}")]
    InvalidInput(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Jobs(#[from] QueueError),
    #[error(transparent)]
    Llm(#[from] pw_llm::LlmError),
    #[error(transparent)]
    Keychain(#[from] pw_secrets::SecretError),
    #[error(transparent)]
    Models(#[from] ModelsError),
    #[error(transparent)]
    Workspaces(#[from] WorkspacesError),
    #[error(transparent)]
    Evidence(#[from] EvidenceError),
    #[error(transparent)]
    Twins(#[from] TwinsError),
    #[error(transparent)]
    Surveys(#[from] SurveysError),
    #[error(transparent)]
    Connectors(#[from] ConnectorError),
    #[error(transparent)]
    Agents(#[from] pw_agents::AgentError),
    #[error(transparent)]
    Decks(#[from] pw_decks::DeckError),
    /// A deck's section could not be gathered: which one, and why (its kind is the cause's).
    #[error("section {section} of the deck ({what}): {source}")]
    DeckSection {
        section: usize,
        what: &'static str,
        #[source]
        source: Box<EngineError>,
    },
    #[error("cannot use {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl EngineError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::InvalidId(_) => ErrorKind::NotFound,
            EngineError::InvalidInput(_) => ErrorKind::InvalidInput,
            EngineError::Io { .. } => ErrorKind::Unavailable,
            EngineError::Decks(e) => match e {
                pw_decks::DeckError::Invalid(_)
                | pw_decks::DeckError::Logo(_)
                | pw_decks::DeckError::Font(_) => ErrorKind::InvalidInput,
                pw_decks::DeckError::Package(_) | pw_decks::DeckError::Workbook(_) => {
                    ErrorKind::Internal
                }
                pw_decks::DeckError::NotFound(_) => ErrorKind::NotFound,
                pw_decks::DeckError::NoFont(_) => ErrorKind::Unavailable,
                pw_decks::DeckError::Store(e) => store_kind(e),
            },
            EngineError::DeckSection { source, .. } => source.kind(),
            EngineError::Store(e) => store_kind(e),
            EngineError::Keychain(e) => keychain_kind(e),
            EngineError::Llm(e) => llm_kind(e),
            EngineError::Models(e) => match e {
                ModelsError::InvalidInput(_) | ModelsError::InvalidSetting(_) => {
                    ErrorKind::InvalidInput
                }
                ModelsError::WorkspaceNotFound(_) => ErrorKind::NotFound,
                ModelsError::Sql(_) => ErrorKind::Internal,
                ModelsError::Store(e) => store_kind(e),
                ModelsError::Llm(e) => llm_kind(e),
                ModelsError::Keychain(e) => keychain_kind(e),
            },
            EngineError::Workspaces(e) => match e {
                WorkspacesError::WorkspaceNotFound(_) => ErrorKind::NotFound,
                WorkspacesError::InvalidInput(_) => ErrorKind::InvalidInput,
                WorkspacesError::Store(e) => store_kind(e),
            },
            EngineError::Evidence(e) => evidence_kind(e),
            EngineError::Twins(e) => twins_kind(e),
            EngineError::Surveys(e) => match e {
                SurveysError::WorkspaceNotFound(_)
                | SurveysError::SurveyNotFound(_)
                | SurveysError::RunNotFound(_)
                | SurveysError::HumanSetNotFound(_) => ErrorKind::NotFound,
                SurveysError::Definition(_)
                | SurveysError::Universe(_)
                | SurveysError::Invalid(_)
                | SurveysError::Results(_)
                | SurveysError::HumanData(_) => ErrorKind::InvalidInput,
                SurveysError::Spreadsheet(_) => ErrorKind::Internal,
                // The census tables ship with the setup; missing, the machine lacks a part.
                SurveysError::ReferenceData(_) => ErrorKind::Unavailable,
                SurveysError::Model(e) => llm_kind(e),
                SurveysError::Rating(_) => ErrorKind::Internal,
                SurveysError::Cancelled => ErrorKind::Cancelled,
                SurveysError::EditConflict { .. } => ErrorKind::Conflict,
                SurveysError::Corrupt(_) => ErrorKind::Corrupt,
                SurveysError::Store(e) => store_kind(e),
            },
            EngineError::Agents(e) => match e {
                pw_agents::AgentError::Model(e) => llm_kind(e),
                pw_agents::AgentError::Store(e) => store_kind(e),
                pw_agents::AgentError::RunNotFound(_) => ErrorKind::NotFound,
                pw_agents::AgentError::Replay(_) | pw_agents::AgentError::Invalid(_) => {
                    ErrorKind::InvalidInput
                }
            },
            EngineError::Connectors(e) => match e {
                ConnectorError::ConnectionNotFound(_)
                | ConnectorError::RunNotFound(_)
                | ConnectorError::WorkspaceNotFound(_) => ErrorKind::NotFound,
                ConnectorError::Invalid(_) => ErrorKind::InvalidInput,
                // The platform refused the token or the request: the fix is reconnecting.
                ConnectorError::Reconnect { .. } | ConnectorError::Refused { .. } => {
                    ErrorKind::NotConfigured
                }
                ConnectorError::RateLimited { .. }
                | ConnectorError::Unavailable { .. }
                | ConnectorError::Malformed { .. }
                | ConnectorError::TooMuchData { .. } => ErrorKind::Unavailable,
                ConnectorError::Cancelled => ErrorKind::Cancelled,
                ConnectorError::Secrets(_) => ErrorKind::Unavailable,
                ConnectorError::Service { failure, .. } => match failure {
                    ServiceFailure::NotConfigured | ServiceFailure::KeyRefused => {
                        ErrorKind::NotConfigured
                    }
                    ServiceFailure::RateLimited
                    | ServiceFailure::Unavailable
                    | ServiceFailure::Malformed => ErrorKind::Unavailable,
                    ServiceFailure::Refused => ErrorKind::InvalidInput,
                },
                ConnectorError::Jobs(_) => ErrorKind::Internal,
                ConnectorError::Store(e) => store_kind(e),
            },
            EngineError::Jobs(e) => match e {
                QueueError::NotFound(_) => ErrorKind::NotFound,
                QueueError::InvalidTransition { .. } => ErrorKind::Conflict,
                QueueError::InvalidCron { .. } | QueueError::InvalidJob(_) => {
                    ErrorKind::InvalidInput
                }
                QueueError::Sql(_) => ErrorKind::Internal,
            },
        }
    }
}

fn evidence_kind(e: &EvidenceError) -> ErrorKind {
    match e {
        EvidenceError::WorkspaceNotFound(_)
        | EvidenceError::AudienceNotFound(_)
        | EvidenceError::SignalNotFound(_)
        | EvidenceError::ReportNotFound(_)
        | EvidenceError::SourceNotFound { .. } => ErrorKind::NotFound,
        EvidenceError::Invalid(_) => ErrorKind::InvalidInput,
        // The model answered, but nothing it said could be kept: trying later (or another
        // model) can help; nothing was stored.
        EvidenceError::Ungrounded { .. } => ErrorKind::Unavailable,
        EvidenceError::Corrupt(_) => ErrorKind::Corrupt,
        EvidenceError::Cancelled => ErrorKind::Cancelled,
        EvidenceError::Model(e) => llm_kind(e),
        EvidenceError::Search(e) => match e {
            pw_search::SearchError::InvalidQuery { .. }
            | pw_search::SearchError::MalformedKey { .. }
            | pw_search::SearchError::InvalidVector { .. } => ErrorKind::InvalidInput,
            pw_search::SearchError::NotReady { .. }
            | pw_search::SearchError::LockBusy { .. }
            | pw_search::SearchError::WatermarkMoved { .. }
            | pw_search::SearchError::Io { .. } => ErrorKind::Unavailable,
            pw_search::SearchError::Corrupt { .. } => ErrorKind::Corrupt,
            pw_search::SearchError::Tantivy(_) => ErrorKind::Internal,
        },
        EvidenceError::Store(e) => store_kind(e),
    }
}

fn twins_kind(e: &TwinsError) -> ErrorKind {
    match e {
        TwinsError::WorkspaceNotFound(_)
        | TwinsError::AudienceNotFound(_)
        | TwinsError::TwinNotFound(_)
        | TwinsError::MemoryNotFound(_)
        | TwinsError::SessionNotFound(_) => ErrorKind::NotFound,
        TwinsError::Invalid(_) | TwinsError::TooLittleEvidence { .. } => ErrorKind::InvalidInput,
        TwinsError::EditConflict { .. } => ErrorKind::Conflict,
        TwinsError::Corrupt(_) => ErrorKind::Corrupt,
        TwinsError::Cancelled => ErrorKind::Cancelled,
        TwinsError::Model(e) => llm_kind(e),
        TwinsError::Store(e) => store_kind(e),
    }
}

fn store_kind(e: &StoreError) -> ErrorKind {
    match e {
        StoreError::NotADatabase { .. }
        | StoreError::ForeignDatabase { .. }
        | StoreError::Corrupt { .. }
        | StoreError::NewerSchema { .. }
        | StoreError::MigrationChanged { .. }
        | StoreError::MigrationUnfinished { .. }
        | StoreError::BlobMismatch { .. }
        | StoreError::UnreadableValue { .. } => ErrorKind::Corrupt,
        StoreError::MigrationFailed { .. }
        | StoreError::MigrationBrokeReferences { .. }
        | StoreError::BackupFailed { .. }
        | StoreError::ReadOnly { .. } => ErrorKind::Unavailable,
        StoreError::WorkspaceNotFound(_) => ErrorKind::NotFound,
        StoreError::WorkspaceNameTaken(_) | StoreError::WorkspaceAlreadyExists(_) => {
            ErrorKind::Conflict
        }
        StoreError::InvalidInput(_)
        | StoreError::InvalidWorkspaceFile(_)
        | StoreError::MetricCurrencyMismatch { .. }
        | StoreError::AccountCurrencyChange { .. } => ErrorKind::InvalidInput,
        StoreError::Io { .. } => ErrorKind::Unavailable,
        StoreError::Sql(_) => ErrorKind::Internal,
    }
}

fn keychain_kind(e: &pw_secrets::SecretError) -> ErrorKind {
    match e {
        pw_secrets::SecretError::InvalidName(_) => ErrorKind::InvalidInput,
        _ => ErrorKind::Unavailable,
    }
}

fn llm_kind(e: &pw_llm::LlmError) -> ErrorKind {
    use pw_llm::LlmError as L;
    match e {
        L::NoRoute(_) | L::VendorNotConfigured { .. } => ErrorKind::NotConfigured,
        L::Refused {
            status: 401 | 403, ..
        } => ErrorKind::NotConfigured,
        L::Refused { .. } | L::RequestTooLarge { .. } | L::ContextTooLong { .. } => {
            ErrorKind::InvalidInput
        }
        L::RateLimited { .. }
        | L::VendorFailed { .. }
        | L::Unreachable { .. }
        | L::StreamInterrupted { .. }
        | L::VendorAskedToWait { .. }
        | L::EmptyAnswer { .. }
        | L::InvalidStructuredOutput { .. }
        | L::MalformedResponse { .. } => ErrorKind::Unavailable,
        L::BudgetReached { .. } => ErrorKind::BudgetReached,
        L::PriceUnknown { .. } => ErrorKind::NotConfigured,
        L::LedgerWriteFailed { .. } => ErrorKind::Unavailable,
        L::NotInCache { .. } | L::StudyNotFound { .. } => ErrorKind::NotFound,
        L::BudgetUnreadable { .. } => ErrorKind::Unavailable,
        L::Catalogue(_) => ErrorKind::Internal,
        L::Cancelled => ErrorKind::Cancelled,
    }
}
