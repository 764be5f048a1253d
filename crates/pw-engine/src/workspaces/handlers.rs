//! The workspaces context's job handlers: demo generation and workspace export. Each is
//! idempotent per step, so a retried or recovered job completes without duplicating anything.

use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::NaiveDate;
use pw_jobs::{JobContext, JobError, JobHandler, JobKind, Supervision};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Engine;
use crate::jobs::live_engine;

pub const DEMO_JOB_KIND: &str = "demo.generate";
pub const EXPORT_JOB_KIND: &str = "workspace.export";

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

/// Demo generation writes a fixed, known amount of data (180 days for one brand, seconds of
/// work): three minutes means something is stuck.
const DEMO_SUPERVISION: Supervision = Supervision::Timeout(Duration::from_secs(180));
/// An export reports progress after each table; one very large table on a slow disk is the
/// longest quiet stretch.
const EXPORT_SUPERVISION: Supervision = Supervision::Liveness {
    stall_after: Duration::from_secs(10 * 60),
};

pub(crate) fn job_kinds(engine: Weak<Engine>) -> Vec<(String, JobKind)> {
    let for_demo = engine.clone();
    let demo: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let engine = for_demo.clone();
        async move { generate_demo(live_engine(&engine)?, ctx).await }
    });
    let for_export = engine;
    let export: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let engine = for_export.clone();
        async move { export_workspace(live_engine(&engine)?, ctx).await }
    });
    vec![
        (
            DEMO_JOB_KIND.to_owned(),
            JobKind::new(demo, DEMO_SUPERVISION).attempts(3),
        ),
        (
            EXPORT_JOB_KIND.to_owned(),
            JobKind::new(export, EXPORT_SUPERVISION).attempts(3),
        ),
    ]
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
    let (progress_tx, reporter) = ctx.progress_relay(0.99);
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
    let workspace = match pw_workspaces::WorkspaceStore::new(engine.database())
        .workspace(&payload.workspace_id)
        .await
    {
        Ok(workspace) => workspace,
        Err(pw_store::StoreError::WorkspaceNotFound(id)) => {
            return Err(JobError::permanent(format!(
                "the workspace {id} no longer exists"
            )));
        }
        Err(e) => return Err(JobError::retryable(e)),
    };
    let folder = super::exports_dir(&engine);
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
    let (progress_tx, reporter) = ctx.progress_relay(0.95);
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
