//! The language-models context's job handler: downloading a GGUF model.

use std::sync::{Arc, Weak};
use std::time::Duration;

use pw_jobs::{JobContext, JobError, JobHandler, JobKind, Supervision};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Engine;
use crate::jobs::{forward_progress, live_engine};

pub const MODEL_DOWNLOAD_JOB_KIND: &str = "model.download";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ModelDownloadPayload {
    pub url: String,
    pub file_name: String,
    pub sha256: Option<String>,
}

/// A download reports every chunk; the HTTP client already gives up on a read silent for 60 s,
/// so three quiet minutes mean the attempt is stuck somewhere else. A slow link is not a stall.
const MODEL_DOWNLOAD_SUPERVISION: Supervision = Supervision::Liveness {
    stall_after: Duration::from_secs(3 * 60),
};
/// Each retry resumes from the partial file, so a flaky link gets more tries than the default.
const MODEL_DOWNLOAD_ATTEMPTS: u32 = 6;

pub(crate) fn job_kinds(engine: Weak<Engine>) -> Vec<(String, JobKind)> {
    let download: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let engine = engine.clone();
        async move { download_model(live_engine(&engine)?, ctx).await }
    });
    vec![(
        MODEL_DOWNLOAD_JOB_KIND.to_owned(),
        JobKind::new(download, MODEL_DOWNLOAD_SUPERVISION).attempts(MODEL_DOWNLOAD_ATTEMPTS),
    )]
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// Downloads a GGUF model into the models folder. A dropped connection is retried by the job
/// lane and resumes from the partial file; a failed checksum deletes it and fails for good.
async fn download_model(engine: Arc<Engine>, ctx: JobContext) -> Result<Value, JobError> {
    let payload: ModelDownloadPayload = ctx.payload()?;
    let destination = engine.models.models_dir().join(&payload.file_name);
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(20))
        .read_timeout(Duration::from_secs(60))
        .user_agent(concat!("ProfitWheel/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(JobError::permanent)?;
    let (progress_tx, reporter) = forward_progress(&ctx, 0.99);
    let cancellation = ctx.cancellation();
    let result = pw_local_llm::download_model(
        &client,
        &payload.url,
        &destination,
        payload.sha256.as_deref(),
        |p| {
            let (fraction, message) = match p.total {
                Some(total) if total > 0 => (
                    p.bytes as f64 / total as f64,
                    format!("{} of {}", megabytes(p.bytes), megabytes(total)),
                ),
                _ => (0.0, megabytes(p.bytes)),
            };
            let message = match p.resumed_from {
                0 => message,
                from => format!("{message} (resumed at {})", megabytes(from)),
            };
            let _ = progress_tx.send((fraction, message));
        },
        || cancellation.is_cancelled(),
    )
    .await;
    drop(progress_tx);
    let _ = reporter.await;
    match result {
        Ok(path) => Ok(json!({ "path": path.display().to_string() })),
        Err(pw_local_llm::DownloadError::Cancelled) => {
            ctx.check_cancelled()?;
            Err(JobError::retryable("the download stopped"))
        }
        Err(error) if error.is_retryable() => Err(JobError::retryable(error)),
        Err(error) => Err(JobError::permanent(error)),
    }
}
