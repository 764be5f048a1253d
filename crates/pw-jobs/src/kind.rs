//! What each kind of job declares when its handler is registered: how the runner supervises an
//! attempt, and how many attempts it gets.

use std::sync::Arc;
use std::time::Duration;

use crate::runner::JobHandler;

/// How the runner decides that an attempt has gone wrong while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supervision {
    /// The attempt fails (and is retried while attempts remain) when it runs longer than this.
    /// For short work with a known bound, where running over means something is stuck.
    Timeout(Duration),
    /// No cap on total time. The attempt fails (and is retried) only when it shows no sign of
    /// life — progress, a checkpoint or [`crate::JobContext::keep_alive`] — for `stall_after`.
    /// For long work whose length depends on the link, the data or the machine: downloads,
    /// exports, syncs, large studies.
    Liveness { stall_after: Duration },
}

impl Supervision {
    /// The timeout written onto a claimed job, in milliseconds (0: supervised by liveness).
    pub(crate) fn timeout_ms(self) -> i64 {
        match self {
            Supervision::Timeout(limit) => limit.as_millis().min(i64::MAX as u128) as i64,
            Supervision::Liveness { .. } => 0,
        }
    }
}

/// RQ's defaults, for kinds registered without a declaration (a benchmark's no-op job).
const UNDECLARED_SUPERVISION: Supervision = Supervision::Timeout(Duration::from_secs(180));
const DEFAULT_ATTEMPTS: u32 = 3;

/// One kind of job as the runner knows it: its handler and its declarations.
#[derive(Clone)]
pub struct JobKind {
    pub(crate) handler: Arc<dyn JobHandler>,
    pub(crate) supervision: Supervision,
    pub(crate) attempts: u32,
}

impl JobKind {
    /// A kind with three attempts; see [`JobKind::attempts`].
    pub fn new(handler: Arc<dyn JobHandler>, supervision: Supervision) -> Self {
        JobKind {
            handler,
            supervision,
            attempts: DEFAULT_ATTEMPTS,
        }
    }

    /// How many attempts a job of this kind gets before it lands in the failed list (at least 1).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    pub fn supervision(&self) -> Supervision {
        self.supervision
    }

    pub fn max_attempts(&self) -> u32 {
        self.attempts
    }
}

impl From<Arc<dyn JobHandler>> for JobKind {
    fn from(handler: Arc<dyn JobHandler>) -> Self {
        JobKind::new(handler, UNDECLARED_SUPERVISION)
    }
}
