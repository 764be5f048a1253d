//! The workspaces context's job handler: workspace export. It is idempotent (a retried export
//! writes a new file under a new name and leaves the rows as they were).

use std::sync::{Arc, Weak};
use std::time::Duration;

use pw_domain::WorkspaceId;
use pw_jobs::{JobContext, JobError, JobHandler, JobKind, JobSpec, Lane, Supervision};
use pw_store::StoreError;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::ad_workspaces::AdWorkspaces;
use crate::workspaces::Workspace;

pub const EXPORT_JOB_KIND: &str = "workspace.export";

#[derive(Debug, Clone, Deserialize)]
struct ExportPayload {
    workspace_id: WorkspaceId,
}

/// An export reports progress after each table; one very large table on a slow disk is the
/// longest quiet stretch.
const EXPORT_SUPERVISION: Supervision = Supervision::Liveness {
    stall_after: Duration::from_secs(10 * 60),
};

/// The job kinds this context does the work of. Handlers hold the context weakly: a job
/// claimed while the app closes is handed back rather than keeping the workspaces alive.
pub fn job_kinds(workspaces: Weak<AdWorkspaces>) -> Vec<(String, JobKind)> {
    let export: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let workspaces = workspaces.clone();
        async move {
            let workspaces = workspaces
                .upgrade()
                .ok_or_else(|| JobError::retryable("the app is closing"))?;
            export_workspace(workspaces, ctx).await
        }
    });
    vec![(
        EXPORT_JOB_KIND.to_owned(),
        JobKind::new(export, EXPORT_SUPERVISION).attempts(3),
    )]
}

/// The job that exports `workspace` to the exports folder, as a slow-lane job with progress.
pub(crate) fn export_job(workspace: &Workspace) -> JobSpec {
    JobSpec::new(
        EXPORT_JOB_KIND,
        format!("Export “{}”", workspace.name),
        Lane::Slow,
    )
    .workspace(workspace.id.to_string())
    .payload(json!({ "workspace_id": workspace.id }))
}

async fn export_workspace(
    workspaces: Arc<AdWorkspaces>,
    ctx: JobContext,
) -> Result<Value, JobError> {
    let payload: ExportPayload = ctx.payload()?;
    let workspace = match workspaces.store().workspace(payload.workspace_id).await {
        Ok(workspace) => workspace,
        Err(StoreError::WorkspaceNotFound(id)) => {
            return Err(JobError::permanent(format!(
                "the workspace {id} no longer exists"
            )));
        }
        Err(e) => return Err(JobError::retryable(e)),
    };
    let folder = workspaces.exports_dir().to_owned();
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
    let exported = workspaces
        .database()
        .export_workspace_to(workspace.id, &path, |p| {
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
    let summary = exported.map_err(JobError::retryable)?;
    Ok(json!({ "path": path.display().to_string(), "rows": summary.rows, "blobs": summary.blobs }))
}
