//! The product's job handlers. Each is idempotent per step, so a retried or recovered job
//! completes without duplicating anything. Each kind declares how the lanes supervise it: long
//! work whose length depends on the link or the data (downloads, exports) is watched for
//! progress rather than cut off at a fixed time; bounded work keeps a timeout.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::NaiveDate;
use pw_jobs::{JobContext, JobError, JobHandler, JobKind, Supervision};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Engine;

pub const DEMO_JOB_KIND: &str = "demo.generate";
pub const EXPORT_JOB_KIND: &str = "workspace.export";
pub const MODEL_DOWNLOAD_JOB_KIND: &str = "model.download";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ModelDownloadPayload {
    pub url: String,
    pub file_name: String,
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DemoPayload {
    pub workspace_id: String,
    pub workspace_name: String,
    pub seed: u64,
    pub end_date: NaiveDate,
}

#[derive(Debug, Clone, Deserialize)]
struct ExportPayload {
    workspace_id: String,
}

/// Store callbacks are synchronous; this relays their (fraction, sentence) updates to the job's
/// async progress reporting, capped below 1 so only the final transition says "done".
fn forward_progress(
    ctx: &JobContext,
    cap: f64,
) -> (
    tokio::sync::mpsc::UnboundedSender<(f64, String)>,
    tokio::task::JoinHandle<()>,
) {
    let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel::<(f64, String)>();
    let ctx = ctx.clone();
    let reporter = tokio::spawn(async move {
        while let Some((fraction, message)) = updates.recv().await {
            ctx.progress(fraction.min(cap), message).await;
        }
    });
    (sender, reporter)
}

fn engine_of(engine: &Weak<Engine>) -> Result<Arc<Engine>, JobError> {
    // The engine is gone only while the app is closing; the job is handed back and resumes.
    engine
        .upgrade()
        .ok_or_else(|| JobError::retryable("the app is closing"))
}

/// Demo generation writes a fixed, known amount of data (180 days for one brand, seconds of
/// work): three minutes means something is stuck.
const DEMO_SUPERVISION: Supervision = Supervision::Timeout(Duration::from_secs(180));
/// An export reports progress after each table; one very large table on a slow disk is the
/// longest quiet stretch.
const EXPORT_SUPERVISION: Supervision = Supervision::Liveness {
    stall_after: Duration::from_secs(10 * 60),
};
/// A download reports every chunk; the HTTP client already gives up on a read silent for 60 s,
/// so three quiet minutes mean the attempt is stuck somewhere else. A slow link is not a stall.
const MODEL_DOWNLOAD_SUPERVISION: Supervision = Supervision::Liveness {
    stall_after: Duration::from_secs(3 * 60),
};
/// Each retry resumes from the partial file, so a flaky link gets more tries than the default.
const MODEL_DOWNLOAD_ATTEMPTS: u32 = 6;

pub(crate) fn all(engine: Weak<Engine>) -> HashMap<String, JobKind> {
    let mut kinds: HashMap<String, JobKind> = HashMap::new();
    let for_demo = engine.clone();
    let demo: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let engine = for_demo.clone();
        async move { generate_demo(engine_of(&engine)?, ctx).await }
    });
    kinds.insert(
        DEMO_JOB_KIND.to_owned(),
        JobKind::new(demo, DEMO_SUPERVISION).attempts(3),
    );
    let for_export = engine.clone();
    let export: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let engine = for_export.clone();
        async move { export_workspace(engine_of(&engine)?, ctx).await }
    });
    kinds.insert(
        EXPORT_JOB_KIND.to_owned(),
        JobKind::new(export, EXPORT_SUPERVISION).attempts(3),
    );
    let for_download = engine;
    let download: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let engine = for_download.clone();
        async move { download_model(engine_of(&engine)?, ctx).await }
    });
    kinds.insert(
        MODEL_DOWNLOAD_JOB_KIND.to_owned(),
        JobKind::new(download, MODEL_DOWNLOAD_SUPERVISION).attempts(MODEL_DOWNLOAD_ATTEMPTS),
    );
    kinds
}

async fn generate_demo(engine: Arc<Engine>, ctx: JobContext) -> Result<Value, JobError> {
    let payload: DemoPayload = ctx.payload()?;
    let spec = pw_demo::DemoSpec {
        workspace_id: payload.workspace_id.clone(),
        workspace_name: payload.workspace_name.clone(),
        seed: payload.seed,
        end_date: payload.end_date,
    };
    ctx.progress(0.01, "Generating 180 days of campaign data")
        .await;
    // Generation is CPU work (tens of milliseconds); keep it off the async workers.
    let data = {
        let spec = spec.clone();
        tokio::task::spawn_blocking(move || pw_demo::generate(&spec))
            .await
            .map_err(|e| JobError::permanent(format!("demo generation crashed: {e}")))?
    };
    ctx.check_cancelled()?;
    let (progress_tx, reporter) = forward_progress(&ctx, 0.99);
    let written = pw_demo::write(engine.database(), &spec, &data, |fraction, message| {
        let _ = progress_tx.send((fraction, message));
    })
    .await;
    drop(progress_tx);
    let _ = reporter.await;
    written.map_err(JobError::retryable)?;
    ctx.link_workspace(&payload.workspace_id).await?;
    Ok(json!({
        "workspace_id": payload.workspace_id,
        "campaigns": data.campaigns.len(),
        "metric_rows": data.metrics.len(),
        "signals": data.signals.len(),
    }))
}

async fn export_workspace(engine: Arc<Engine>, ctx: JobContext) -> Result<Value, JobError> {
    let payload: ExportPayload = ctx.payload()?;
    let workspace = match engine.database().workspace(&payload.workspace_id).await {
        Ok(workspace) => workspace,
        Err(pw_store::StoreError::WorkspaceNotFound(id)) => {
            return Err(JobError::permanent(format!(
                "the workspace {id} no longer exists"
            )));
        }
        Err(e) => return Err(JobError::retryable(e)),
    };
    let folder = engine.exports_dir();
    tokio::fs::create_dir_all(&folder)
        .await
        .map_err(JobError::retryable)?;
    let safe_name: String = workspace
        .name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = folder.join(format!(
        "{safe_name}-{}.pwx",
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    ));
    let (progress_tx, reporter) = forward_progress(&ctx, 0.95);
    let exported = engine
        .database()
        .export_workspace_to(&workspace.id, &path, |p| {
            let fraction = 0.95 * p.tables_done as f64 / p.tables_total.max(1) as f64;
            let _ = progress_tx.send((
                fraction,
                format!(
                    "Exported {} rows ({} of {} tables)",
                    p.rows_so_far, p.tables_done, p.tables_total
                ),
            ));
        })
        .await;
    drop(progress_tx);
    let _ = reporter.await;
    let file = exported.map_err(JobError::retryable)?;
    Ok(
        json!({ "path": path.display().to_string(), "rows": file.row_count(), "blobs": file.blobs.len() }),
    )
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
