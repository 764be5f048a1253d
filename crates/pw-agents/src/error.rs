//! The agents context's errors. A model or tool failing inside a run is not an error of the run:
//! it is an outcome the run reports with what it found ([`crate::Outcome`]). These are the
//! failures that leave no run at all.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum AgentError {
    /// The gateway could not answer at all (no model configured, every route failed, a study's
    /// budget spent).
    #[error(transparent)]
    Model(#[from] pw_llm::LlmError),
    /// A replay met a step the cache does not hold, or one that answered differently.
    #[error("the run cannot be replayed: {0}")]
    Replay(String),
    #[error("no agent run {0} in this workspace")]
    RunNotFound(String),
    /// The runs could not be kept or read.
    #[error(transparent)]
    Store(#[from] pw_store::StoreError),
    /// Two tools under one name, or a name the model could not write.
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = AgentError> = std::result::Result<T, E>;
