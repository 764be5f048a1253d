//! What a job is, as stored and as shown.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A lane is a queue with its own concurrency: `Fast` for work a person is waiting on, `Slow` for
/// syncs, large studies and embedding runs, so a long sync never delays a click.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lane {
    Fast,
    Default,
    Slow,
}

impl Lane {
    pub const ALL: [Lane; 3] = [Lane::Fast, Lane::Default, Lane::Slow];

    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Fast => "fast",
            Lane::Default => "default",
            Lane::Slow => "slow",
        }
    }
}

impl FromStr for Lane {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lane::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| format!("unknown lane '{s}'"))
    }
}

impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(
            self,
            JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }
}

impl FromStr for JobState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            JobState::Queued,
            JobState::Running,
            JobState::Succeeded,
            JobState::Failed,
            JobState::Cancelled,
        ]
        .into_iter()
        .find(|state| state.as_str() == s)
        .ok_or_else(|| format!("unknown job state '{s}'"))
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job to enqueue. How it is supervised and how many attempts it gets are declared by its kind
/// (see [`crate::JobKind`]), not per job.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub kind: String,
    pub title: String,
    pub lane: Lane,
    /// Higher runs first within a lane.
    pub priority: i32,
    pub payload: Value,
    pub workspace_id: Option<String>,
    /// Not before this instant (unix ms); now when `None`.
    pub run_at: Option<i64>,
    /// Enqueueing a second job with the same key is a no-op that returns the first.
    pub dedupe_key: Option<String>,
}

impl JobSpec {
    pub fn new(kind: impl Into<String>, title: impl Into<String>, lane: Lane) -> Self {
        JobSpec {
            kind: kind.into(),
            title: title.into(),
            lane,
            priority: 0,
            payload: Value::Object(Default::default()),
            workspace_id: None,
            run_at: None,
            dedupe_key: None,
        }
    }

    pub fn payload(mut self, payload: Value) -> Self {
        self.payload = payload;
        self
    }
    pub fn workspace(mut self, workspace_id: impl Into<String>) -> Self {
        self.workspace_id = Some(workspace_id.into());
        self
    }
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }
    pub fn run_at(mut self, at_ms: i64) -> Self {
        self.run_at = Some(at_ms);
        self
    }
    pub fn dedupe_key(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
}

/// A job as stored. Times are unix milliseconds, UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub lane: Lane,
    pub priority: i32,
    pub payload: Value,
    pub workspace_id: Option<String>,
    pub state: JobState,
    pub attempts: u32,
    /// As its kind declares, once a runner has claimed it.
    pub max_attempts: u32,
    pub run_at: i64,
    /// The kind's timeout once claimed; 0 when the kind is supervised by liveness instead.
    pub timeout_ms: i64,
    pub cancel_requested: bool,
    pub progress: f64,
    pub progress_message: Option<String>,
    pub checkpoint: Option<Value>,
    pub last_error: Option<String>,
    pub result: Option<Value>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// The running attempt's fencing token, set anew by every claim; `None` when not running.
    pub attempt_token: Option<String>,
}

/// Published on every state or progress change, for the UI's live jobs panel.
#[derive(Debug, Clone, PartialEq)]
pub enum JobEvent {
    Changed(Job),
}
