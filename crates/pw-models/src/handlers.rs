//! The language-models context's job handler: downloading a GGUF model.

use std::sync::{Arc, Weak};
use std::time::Duration;

use pw_jobs::{JobContext, JobError, JobHandler, JobKind, JobSpec, Lane, Supervision};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::{ModelsError, Result};
use crate::language_models::LanguageModels;

pub const MODEL_DOWNLOAD_JOB_KIND: &str = "model.download";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ModelDownloadPayload {
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

/// The job kinds this context does the work of. Handlers hold the context weakly: a job
/// claimed while the app closes is handed back rather than keeping the models alive.
pub fn job_kinds(models: Weak<LanguageModels>) -> Vec<(String, JobKind)> {
    let download: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let models = models.clone();
        async move {
            let models = models
                .upgrade()
                .ok_or_else(|| JobError::retryable("the app is closing"))?;
            download_model(models, ctx).await
        }
    });
    vec![(
        MODEL_DOWNLOAD_JOB_KIND.to_owned(),
        JobKind::new(download, MODEL_DOWNLOAD_SUPERVISION).attempts(MODEL_DOWNLOAD_ATTEMPTS),
    )]
}

/// The job that downloads a GGUF model from `url` into the models folder (slow lane), checking
/// `sha256` if given. The address and checksum are refused here, before anything is queued.
pub fn model_download_job(url: &str, sha256: Option<String>) -> Result<JobSpec> {
    let file_name =
        pw_local_llm::gguf_file_name(url).map_err(|e| ModelsError::InvalidInput(e.to_string()))?;
    let sha256 = sha256
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty());
    if let Some(sum) = &sha256
        && (sum.len() != 64 || !sum.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return Err(ModelsError::InvalidInput(
            "a SHA-256 checksum is 64 hexadecimal characters".into(),
        ));
    }
    let payload = ModelDownloadPayload {
        url: url.to_owned(),
        file_name: file_name.clone(),
        sha256,
    };
    Ok(JobSpec::new(
        MODEL_DOWNLOAD_JOB_KIND,
        format!("Download model {file_name}"),
        Lane::Slow,
    )
    .payload(serde_json::to_value(&payload).map_err(|e| ModelsError::InvalidInput(e.to_string()))?))
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// Downloads a GGUF model into the models folder. A dropped connection is retried by the job
/// lane and resumes from the partial file; a failed checksum deletes it and fails for good.
async fn download_model(
    models: Arc<LanguageModels>,
    ctx: JobContext,
) -> std::result::Result<Value, JobError> {
    let payload: ModelDownloadPayload = ctx.payload()?;
    let destination = models.models_dir().join(&payload.file_name);
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(20))
        .read_timeout(Duration::from_secs(60))
        .user_agent(concat!("ProfitWheel/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(JobError::permanent)?;
    let (progress_tx, reporter) = ctx.progress_relay(0.99);
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
