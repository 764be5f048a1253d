//! The jobs context: the durable job lanes as callers see them (list, get, retry, cancel,
//! wait, subscribe) and the plumbing every context's job handlers share. What a job does
//! belongs to the context that enqueues it; this context only runs and reports them.
//!
//! The types below are the jobs API of the engine. They are `pw_jobs`' own today; callers name
//! them through this module, so where they are defined can change without touching a caller.

use std::sync::{Arc, Weak};

use pw_jobs::JobError;
use tokio::sync::broadcast;

use crate::Engine;
use crate::error::Result;

/// A job as stored: kind, lane, state, progress, outcome or error.
pub use pw_jobs::Job;
/// A change of a job, as broadcast to subscribers.
pub use pw_jobs::JobEvent;
/// Where a job is in its life: queued, running, succeeded, failed, cancelled.
pub use pw_jobs::JobState;
/// Which lane a job runs in (fast, default, slow).
pub use pw_jobs::Lane;

/// The engine's jobs, as `engine.jobs()` hands them out.
pub struct Jobs<'e> {
    engine: &'e Engine,
}

impl<'e> Jobs<'e> {
    pub(crate) fn new(engine: &'e Engine) -> Self {
        Jobs { engine }
    }

    pub async fn list(&self, state: Option<JobState>, limit: u32) -> Result<Vec<Job>> {
        Ok(self.engine.queue.list(state, limit).await?)
    }

    /// The jobs of `kind` that succeeded or failed at or after `since_ms`, oldest end first.
    pub async fn ended_since(&self, kind: &str, since_ms: i64) -> Result<Vec<Job>> {
        Ok(self.engine.queue.ended_since(kind, since_ms).await?)
    }

    pub async fn get(&self, id: &str) -> Result<Job> {
        Ok(self.engine.queue.get(id).await?)
    }

    pub async fn retry(&self, id: &str) -> Result<Job> {
        Ok(self.engine.queue.retry(id).await?)
    }

    pub async fn cancel(&self, id: &str) -> Result<Job> {
        Ok(self.engine.queue.cancel(id).await?)
    }

    /// Live job changes, for progress bars.
    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.engine.queue.subscribe()
    }

    /// Waits until a job is finished (succeeded, failed or cancelled), calling `on_change` with
    /// each change. Workers must be running in this process or another.
    pub async fn wait(&self, id: &str, mut on_change: impl FnMut(&Job)) -> Result<Job> {
        let mut events = self.subscribe();
        let mut job = self.get(id).await?;
        // Changes published before that read are older than it: replayed after it, a busy
        // machine's queue would show the job going back (a claim's 0% after its first step).
        while events.try_recv().is_ok() {}
        on_change(&job);
        while !job.state.is_finished() {
            match tokio::time::timeout(std::time::Duration::from_millis(500), events.recv()).await {
                Ok(Ok(JobEvent::Changed(changed))) if changed.id == id => {
                    job = changed;
                    on_change(&job);
                }
                Ok(Ok(_)) => {}
                // Lagged, closed or quiet (the job may run in another process): read it again.
                _ => {
                    let fresh = self.get(id).await?;
                    if fresh != job {
                        job = fresh;
                        on_change(&job);
                    }
                }
            }
        }
        Ok(job)
    }
}

/// The engine a handler works for. Handlers hold it weakly so registered handlers do not keep
/// the engine alive; it is gone only while the app is closing, and then the job is handed back
/// and resumes at the next start.
pub(crate) fn live_engine(engine: &Weak<Engine>) -> std::result::Result<Arc<Engine>, JobError> {
    engine
        .upgrade()
        .ok_or_else(|| JobError::retryable("the app is closing"))
}
