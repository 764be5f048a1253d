//! The twins context's job handlers. Creating twins is safe to run again: each twin's id is
//! fixed by the job and its position, and a twin already stored is skipped.

use std::sync::{Arc, Weak};
use std::time::Duration;

use pw_domain::{AudienceId, WorkspaceId};
use pw_jobs::{JobContext, JobError, JobHandler, JobKind, Supervision};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::creation::TwinCreation;
use crate::error::TwinsError;
use crate::twins::Twins;

pub const CREATE_JOB_KIND: &str = "twins.create";

/// A twin on the local model takes a minute or more: supervised by signs of life.
const LIVENESS: Supervision = Supervision::Liveness {
    stall_after: Duration::from_secs(10 * 60),
};

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CreatePayload {
    pub workspace_id: WorkspaceId,
    pub audience_id: AudienceId,
    pub count: usize,
    pub seed: u64,
    /// A UUID fixing this job's twins' ids.
    pub batch: String,
}

/// What a creation job did, as its result.
#[derive(Debug, Serialize)]
struct Created {
    created: Vec<String>,
    already_there: usize,
}

pub(crate) fn job_error(error: TwinsError) -> JobError {
    match error {
        TwinsError::Cancelled => JobError::Cancelled,
        TwinsError::WorkspaceNotFound(_)
        | TwinsError::AudienceNotFound(_)
        | TwinsError::TwinNotFound(_)
        | TwinsError::MemoryNotFound(_)
        | TwinsError::Invalid(_)
        | TwinsError::TooLittleEvidence { .. }
        | TwinsError::EditConflict { .. } => JobError::permanent(error.to_string()),
        other => JobError::retryable(other.to_string()),
    }
}

/// The job kinds this context does the work of. Handlers hold the context weakly, so a job
/// claimed while the app closes is handed back rather than keeping it alive.
pub fn job_kinds(twins: Weak<Twins>) -> Vec<(String, JobKind)> {
    let handler: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let twins = twins.clone();
        async move {
            let twins = twins
                .upgrade()
                .ok_or_else(|| JobError::retryable("the app is closing"))?;
            create_twins(twins, ctx).await
        }
    });
    vec![(
        CREATE_JOB_KIND.to_owned(),
        JobKind::new(handler, LIVENESS).attempts(2),
    )]
}

async fn create_twins(twins: Arc<Twins>, ctx: JobContext) -> Result<Value, JobError> {
    let payload: CreatePayload = ctx.payload()?;
    let batch = Uuid::parse_str(&payload.batch)
        .map_err(|e| JobError::permanent(format!("the job's batch is not a UUID: {e}")))?;
    let gateway = twins.gateway().await.map_err(job_error)?;
    let job_id = ctx.job().id.clone();
    let creation = TwinCreation {
        db: twins.database(),
        gateway: &gateway,
        workspace_id: payload.workspace_id,
        audience_id: payload.audience_id,
        count: payload.count,
        seed: payload.seed,
        batch,
        job_id: Some(&job_id),
    };
    ctx.progress(0.0, "Casting twins on the audience's evidence")
        .await;
    let plan = creation.plan().await.map_err(job_error)?;
    let mut created = Vec::new();
    let mut already_there = 0;
    for index in 0..payload.count {
        ctx.check_cancelled()?;
        ctx.progress(
            index as f64 / payload.count as f64 * 0.99,
            format!("Writing twin {} of {}", index + 1, payload.count),
        )
        .await;
        // A twin on the local model takes a while: cancelling stops waiting for it at once, and
        // nothing of an unfinished twin is stored (it is written in one transaction at the end).
        let cancel = ctx.cancellation();
        let outcome = tokio::select! {
            outcome = creation.create(&plan, index) => outcome,
            () = cancel.cancelled() => return Err(JobError::Cancelled),
        };
        match outcome.map_err(job_error)? {
            Some(id) => created.push(id.to_string()),
            None => already_there += 1,
        }
    }
    if !created.is_empty() {
        twins.index_changed(payload.workspace_id).await;
    }
    serde_json::to_value(Created {
        created,
        already_there,
    })
    .map_err(|e| JobError::permanent(e.to_string()))
}
