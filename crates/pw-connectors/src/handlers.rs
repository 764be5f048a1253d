//! The connectors context's job: a sync of one connection, on the slow lane. The work resumes
//! from the run's stored progress and the stream cursors, so a retry after a crash or a kill
//! continues where it stopped.

use std::sync::{Arc, Weak};
use std::time::Duration;

use pw_jobs::{JobContext, JobError, JobHandler, JobKind, Supervision};
use serde::{Deserialize, Serialize};

use crate::connectors::Connectors;
use crate::error::ConnectorError;
use crate::sync::SyncObserver;

pub const SYNC_JOB_KIND: &str = "connectors.sync";

/// A sync waits on platforms (asynchronous reports, rate limits): supervised by signs of life.
const LIVENESS: Supervision = Supervision::Liveness {
    stall_after: Duration::from_secs(20 * 60),
};

#[derive(Debug, Serialize, Deserialize)]
pub struct SyncPayload {
    pub connection_id: String,
    /// The run to continue; a scheduled sync names none and continues or starts one.
    #[serde(default)]
    pub run_id: Option<String>,
}

struct JobProgress<'a>(&'a JobContext);

impl SyncObserver for JobProgress<'_> {
    async fn progress(&self, fraction: f64, message: String) {
        self.0.progress(fraction.min(0.99), message).await;
    }
}

fn job_error(error: ConnectorError) -> JobError {
    match error {
        ConnectorError::Cancelled => JobError::Cancelled,
        ConnectorError::Store(_) | ConnectorError::Jobs(_) | ConnectorError::Secrets(_) => {
            JobError::retryable(error.to_string())
        }
        other => JobError::permanent(other.to_string()),
    }
}

pub fn job_kinds(connectors: Weak<Connectors>) -> Vec<(String, JobKind)> {
    let handler: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let connectors = connectors.clone();
        async move {
            let connectors = connectors
                .upgrade()
                .ok_or_else(|| JobError::retryable("the app is closing"))?;
            let payload: SyncPayload = ctx.payload()?;
            let run_id = match payload.run_id {
                Some(run_id) => run_id,
                None => {
                    connectors
                        .run_for_schedule(&payload.connection_id, &ctx.job().id)
                        .await
                        .map_err(job_error)?
                        .id
                }
            };
            ctx.progress(0.0, "Listing the accounts").await;
            let report = connectors
                .run_sync(&run_id, &JobProgress(&ctx), ctx.cancellation())
                .await
                .map_err(job_error)?;
            serde_json::to_value(serde_json::json!({
                "run_id": run_id,
                "status": report.status,
                "headline": report.headline,
                "records": report.records,
            }))
            .map_err(|e| JobError::permanent(e.to_string()))
        }
    });
    vec![(
        SYNC_JOB_KIND.to_owned(),
        JobKind::new(handler, LIVENESS).attempts(5),
    )]
}
