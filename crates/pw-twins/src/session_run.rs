//! What every run of a session does around its steps: it runs only if its job is the session's
//! runner (so a double resume or a retry racing a resume never takes turns twice), marks the
//! session running, turns a spent budget into a pause with the gateway's words, and records how
//! the run ended. Interviews and focus groups supply the steps.

use std::future::Future;

use pw_domain::SessionId;
use pw_store::Database;
use tokio::sync::broadcast;

use crate::error::{Result, TwinsError};
use crate::session::{Session, SessionStore};
use crate::speaking::SessionEvent;
use crate::vocabulary::SessionStatus;

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    /// Paused, with the reason a person reads.
    Paused(String),
    /// Another job runs the session; this one took no turn.
    Superseded,
}

/// Said when a run is stopped by its job's cancellation.
pub const STOPPED: &str = "Stopped by the user; resume to continue where it left off.";

/// Runs `steps` on the session as its runner `job` (`None`: a caller without a job, such as a
/// test or a tool, runs it directly).
pub async fn supervise<F, Fut>(
    db: &Database,
    events: &broadcast::Sender<SessionEvent>,
    id: SessionId,
    job: Option<&str>,
    steps: F,
) -> Result<Outcome>
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = Result<Outcome>>,
{
    let store = SessionStore::new(db);
    let session = store.session(id).await?;
    if matches!(
        session.status,
        SessionStatus::Completed | SessionStatus::Cancelled
    ) {
        return Ok(Outcome::Completed);
    }
    // A new session is handed to its job right after the job is queued; a worker quick enough
    // to start the job first finds the session unclaimed and claims it (the same compare-and-set
    // the starter then finds already done). A session claimed by another job is not this one's.
    if let Some(job) = job
        && store.runner(id).await?.as_deref() != Some(job)
        && !store.hand_to(id, job, None).await?
    {
        tracing::info!(session = %id, job, "another job runs this session; this one stops");
        return Ok(Outcome::Superseded);
    }
    store
        .set_status(id, SessionStatus::Running, None, None)
        .await?;
    let changed = || {
        let _ = events.send(SessionEvent::StatusChanged { session_id: id });
    };
    changed();
    let outcome = match steps(session).await {
        // A spent budget pauses the session with the gateway's words; raising the budget and
        // resuming continues it.
        Err(TwinsError::Model(error @ pw_llm::LlmError::BudgetReached { .. })) => {
            Ok(Outcome::Paused(error.to_string()))
        }
        other => other,
    };
    match &outcome {
        Ok(Outcome::Completed) => {
            store
                .set_status(id, SessionStatus::Completed, None, None)
                .await?
        }
        Ok(Outcome::Paused(reason)) => {
            store
                .set_status(id, SessionStatus::Scheduled, Some(reason), None)
                .await?
        }
        Ok(Outcome::Superseded) => {}
        Err(error) => {
            store
                .set_status(id, SessionStatus::Failed, None, Some(&error.to_string()))
                .await?
        }
    }
    changed();
    outcome
}
