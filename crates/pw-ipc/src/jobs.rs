//! Background jobs as the jobs panel shows them.

use pw_engine::jobs::{Job as EngineJob, JobState as EngineJobState};
use serde::{Deserialize, Serialize};
use specta::Type;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum Lane {
    Fast,
    Default,
    Slow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub lane: Lane,
    pub state: JobState,
    pub priority: i32,
    pub attempts: u32,
    pub max_attempts: u32,
    /// 0..=1
    pub progress: f64,
    pub progress_message: Option<String>,
    pub error: Option<String>,
    pub workspace_id: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(crate::vocabulary::instant_text)
        .unwrap_or_default()
}

impl From<EngineJob> for JobView {
    fn from(job: EngineJob) -> Self {
        JobView {
            id: job.id,
            kind: job.kind,
            title: job.title,
            lane: match job.lane {
                pw_engine::jobs::Lane::Fast => Lane::Fast,
                pw_engine::jobs::Lane::Default => Lane::Default,
                pw_engine::jobs::Lane::Slow => Lane::Slow,
            },
            state: match job.state {
                EngineJobState::Queued => JobState::Queued,
                EngineJobState::Running => JobState::Running,
                EngineJobState::Succeeded => JobState::Succeeded,
                EngineJobState::Failed => JobState::Failed,
                EngineJobState::Cancelled => JobState::Cancelled,
            },
            priority: job.priority,
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            progress: job.progress,
            progress_message: job.progress_message,
            // A queued job that failed before shows its last error while it waits to retry.
            error: job.last_error,
            workspace_id: job.workspace_id,
            created_at: rfc3339(job.created_at),
            started_at: job.started_at.map(rfc3339),
            finished_at: job.finished_at.map(rfc3339),
        }
    }
}
