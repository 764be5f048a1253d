//! The surveys context's errors, each in words a marketer understands; the engine maps them to
//! the closed error kinds that cross IPC.

use pw_store::StoreError;

use crate::definition::DefinitionError;

#[derive(Debug, thiserror::Error)]
pub enum SurveysError {
    #[error("the workspace {0} does not exist")]
    WorkspaceNotFound(String),
    #[error("the survey {0} does not exist")]
    SurveyNotFound(String),
    /// The file or the edit does not fit the survey format; nothing was written.
    #[error("{0}")]
    Definition(#[from] DefinitionError),
    #[error(
        "someone else changed this survey meanwhile (now version {current}); reload it and edit again"
    )]
    EditConflict { current: i64 },
    #[error("the file of people's answers {0} does not exist")]
    HumanSetNotFound(String),
    #[error("{0}")]
    HumanData(#[from] crate::human::HumanDataError),
    #[error("the results could not be written as a spreadsheet: {0}")]
    Spreadsheet(String),
    #[error("the survey run {0} does not exist")]
    RunNotFound(String),
    #[error("{0}")]
    Universe(#[from] crate::universe::UniverseError),
    /// The shipped census tables are missing or unreadable.
    #[error("{0}")]
    ReferenceData(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Model(#[from] pw_llm::LlmError),
    #[error("a rating could not be made: {0}")]
    Rating(#[from] crate::ssr::SsrError),
    #[error("{0}")]
    Results(#[from] crate::results::ResultsError),
    #[error("the run was stopped")]
    Cancelled,
    #[error("stored survey data is damaged: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SurveysError {
    fn from(error: sqlx::Error) -> Self {
        SurveysError::Store(StoreError::from(error))
    }
}

pub type Result<T, E = SurveysError> = std::result::Result<T, E>;
