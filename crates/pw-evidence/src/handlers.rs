//! The evidence context's job handlers: building signals, writing grounding reports, and
//! keeping search indexes current. Each is safe to run again: a signal build replaces what it
//! found, a report adds a version, an index update continues from its watermark, a rebuild
//! starts over beside the live index.

use std::sync::{Arc, Weak};
use std::time::Duration;

use pw_domain::{AudienceId, WorkspaceId};
use pw_jobs::{Job, JobContext, JobError, JobHandler, JobKind, JobQueue, JobState, Supervision};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::build::SignalBuild;
use crate::error::EvidenceError;
use crate::evidence::Evidence;
use crate::reports::{ReportKind, ReportWriter};
use crate::search::{self, IndexState};

pub const SIGNALS_JOB_KIND: &str = "evidence.signals";
pub const REPORTS_JOB_KIND: &str = "evidence.reports";
pub const UPDATE_JOB_KIND: &str = "search.update";
pub const REBUILD_JOB_KIND: &str = "search.rebuild";

/// Long work whose length depends on the data and the model: supervised by signs of life.
const LIVENESS: Supervision = Supervision::Liveness {
    stall_after: Duration::from_secs(10 * 60),
};

#[derive(Debug, Deserialize)]
struct WorkspacePayload {
    workspace_id: String,
}

#[derive(Debug, Deserialize)]
struct ReportsPayload {
    workspace_id: String,
    audiences: Vec<String>,
    kinds: Vec<ReportKind>,
}

fn job_error(error: EvidenceError) -> JobError {
    match error {
        EvidenceError::Cancelled => JobError::Cancelled,
        EvidenceError::WorkspaceNotFound(_)
        | EvidenceError::AudienceNotFound(_)
        | EvidenceError::Invalid(_)
        | EvidenceError::Ungrounded { .. } => JobError::permanent(error.to_string()),
        other => JobError::retryable(other.to_string()),
    }
}

/// The job of this kind for this workspace that is queued or running, if any.
pub(crate) async fn active_job(
    queue: &JobQueue,
    kind: &str,
    workspace: WorkspaceId,
) -> Result<Option<Job>, EvidenceError> {
    let workspace = workspace.to_string();
    for state in [JobState::Queued, JobState::Running] {
        if let Some(job) = queue
            .list(Some(state), 200)
            .await?
            .into_iter()
            .find(|j| j.kind == kind && j.workspace_id.as_deref() == Some(workspace.as_str()))
        {
            return Ok(Some(job));
        }
    }
    Ok(None)
}

/// The job of this kind for this workspace that waits to start, if any (a running update may
/// already have read past new changes, so only a queued one makes another unnecessary).
pub(crate) async fn queued_job(
    queue: &JobQueue,
    kind: &str,
    workspace: WorkspaceId,
) -> Result<Option<Job>, EvidenceError> {
    let workspace = workspace.to_string();
    Ok(queue
        .list(Some(JobState::Queued), 200)
        .await?
        .into_iter()
        .find(|j| j.kind == kind && j.workspace_id.as_deref() == Some(workspace.as_str())))
}

fn handler<F, Fut>(evidence: Weak<Evidence>, work: F) -> Arc<dyn JobHandler>
where
    F: Fn(Arc<Evidence>, JobContext) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Value, JobError>> + Send + 'static,
{
    let work = Arc::new(work);
    Arc::new(move |ctx: JobContext| {
        let evidence = evidence.clone();
        let work = work.clone();
        async move {
            let evidence = evidence
                .upgrade()
                .ok_or_else(|| JobError::retryable("the app is closing"))?;
            work(evidence, ctx).await
        }
    })
}

/// The job kinds this context does the work of. Handlers hold the context weakly, so a job
/// claimed while the app closes is handed back rather than keeping it alive.
pub fn job_kinds(evidence: Weak<Evidence>) -> Vec<(String, JobKind)> {
    vec![
        (
            SIGNALS_JOB_KIND.to_owned(),
            JobKind::new(handler(evidence.clone(), build_signals), LIVENESS).attempts(2),
        ),
        (
            REPORTS_JOB_KIND.to_owned(),
            JobKind::new(handler(evidence.clone(), write_reports), LIVENESS).attempts(2),
        ),
        (
            UPDATE_JOB_KIND.to_owned(),
            JobKind::new(handler(evidence.clone(), update_index), LIVENESS).attempts(3),
        ),
        (
            REBUILD_JOB_KIND.to_owned(),
            JobKind::new(handler(evidence, rebuild_index), LIVENESS).attempts(3),
        ),
    ]
}

fn workspace_of(ctx: &JobContext) -> Result<(String, WorkspaceId), JobError> {
    let payload: WorkspacePayload = ctx.payload()?;
    let id = payload
        .workspace_id
        .parse::<WorkspaceId>()
        .map_err(|e| JobError::permanent(e.to_string()))?;
    Ok((payload.workspace_id, id))
}

async fn build_signals(evidence: Arc<Evidence>, ctx: JobContext) -> Result<Value, JobError> {
    let (_, workspace) = workspace_of(&ctx)?;
    let gateway = evidence.gateway().await.map_err(job_error)?;
    let (progress, relay) = ctx.progress_relay(0.99);
    let job_id = ctx.job().id.clone();
    let summary = SignalBuild {
        db: evidence.database(),
        gateway: &gateway,
        workspace_id: workspace,
        job_id: Some(&job_id),
        progress: &progress,
        cancel: &ctx.cancellation(),
    }
    .run()
    .await;
    drop(progress);
    let _ = relay.await;
    let summary = summary.map_err(job_error)?;
    evidence
        .start_index_update(workspace)
        .await
        .map_err(job_error)?;
    serde_json::to_value(&summary).map_err(|e| JobError::permanent(e.to_string()))
}

async fn write_reports(evidence: Arc<Evidence>, ctx: JobContext) -> Result<Value, JobError> {
    let payload: ReportsPayload = ctx.payload()?;
    let workspace: WorkspaceId = payload
        .workspace_id
        .parse()
        .map_err(|e: pw_domain::IdError| JobError::permanent(e.to_string()))?;
    let audiences: Vec<AudienceId> = payload
        .audiences
        .iter()
        .map(|text| text.parse())
        .collect::<Result<_, pw_domain::IdError>>()
        .map_err(|e| JobError::permanent(e.to_string()))?;
    let gateway = evidence.gateway().await.map_err(job_error)?;
    let job_id = ctx.job().id.clone();
    let writer = ReportWriter {
        db: evidence.database(),
        gateway: &gateway,
        workspace_id: workspace,
        job_id: Some(&job_id),
    };
    let total = audiences.len() * payload.kinds.len();
    let mut written = Vec::new();
    let mut not_written = Vec::new();
    let mut done = 0usize;
    for &audience in &audiences {
        for kind in &payload.kinds {
            ctx.check_cancelled()?;
            ctx.progress(
                done as f64 / total.max(1) as f64 * 0.99,
                format!(
                    "Writing the {} report ({} of {total})",
                    kind.as_str(),
                    done + 1
                ),
            )
            .await;
            // A report on the local model takes minutes: cancelling stops waiting for it at once.
            // Nothing of an unfinished report is stored (it is written in one transaction at
            // the end), and the reports already written stand.
            let cancel = ctx.cancellation();
            let written_now = tokio::select! {
                written_now = writer.write(audience, *kind) => written_now,
                () = cancel.cancelled() => return Err(JobError::Cancelled),
            };
            match written_now {
                Ok(id) => {
                    written.push(json!({"audience_id": audience, "kind": kind, "report_id": id}))
                }
                // A report that cannot be grounded (or has nothing to rest on) is recorded as
                // not written; the others go on.
                Err(error @ (EvidenceError::Ungrounded { .. } | EvidenceError::Invalid(_))) => {
                    not_written.push(
                        json!({"audience_id": audience, "kind": kind, "reason": error.to_string()}),
                    );
                }
                Err(error) => {
                    // A model that fails outright fails the job when nothing was written, so it
                    // is retried; otherwise what was written stands and the failure is recorded.
                    if written.is_empty() {
                        return Err(job_error(error));
                    }
                    not_written.push(
                        json!({"audience_id": audience, "kind": kind, "reason": error.to_string()}),
                    );
                }
            }
            done += 1;
        }
    }
    if written.is_empty() {
        let reasons: Vec<String> = not_written
            .iter()
            .filter_map(|n| n["reason"].as_str().map(str::to_owned))
            .take(3)
            .collect();
        return Err(JobError::permanent(format!(
            "no report could be written: {}",
            reasons.join("; ")
        )));
    }
    evidence
        .start_index_update(workspace)
        .await
        .map_err(job_error)?;
    Ok(json!({ "written": written, "not_written": not_written }))
}

async fn update_index(evidence: Arc<Evidence>, ctx: JobContext) -> Result<Value, JobError> {
    let (workspace_id, workspace) = workspace_of(&ctx)?;
    ctx.progress(0.05, "Catching up with new data").await;
    // Batch by batch, so a long backlog shows progress and can be cancelled between commits
    // (each batch is committed with its watermark: nothing is lost by stopping).
    let mut applied = 0u64;
    let mut caught_up = loop {
        ctx.check_cancelled()?;
        let step = search::catch_up(
            evidence.database(),
            evidence.indexes(),
            &workspace_id,
            Some(search::CATCH_UP_BATCH as u64),
        )
        .await
        .map_err(job_error)?;
        applied += step.applied;
        match step.state {
            IndexState::Ready { pending, .. } if pending > 0 && step.applied > 0 => {
                let done = applied as f64 / (applied + pending) as f64;
                ctx.progress(
                    0.05 + 0.8 * done,
                    format!("Indexed {applied} changes, {pending} to go"),
                )
                .await;
            }
            _ => {
                break search::CatchUp {
                    applied,
                    state: step.state,
                };
            }
        }
    };
    if let IndexState::Ready { .. } = caught_up.state {
        // Caught up, the index's count can be held against the tables': a folder emptied or a
        // segment lost since the app opened it shows here rather than as missing hits.
        ctx.progress(0.9, "Checking the index against the data")
            .await;
        caught_up.state = search::check(evidence.database(), evidence.indexes(), &workspace_id)
            .await
            .map_err(job_error)?;
    }
    if let IndexState::Rebuilding { .. } = caught_up.state {
        evidence
            .start_index_rebuild(workspace)
            .await
            .map_err(job_error)?;
    }
    serde_json::to_value(&caught_up).map_err(|e| JobError::permanent(e.to_string()))
}

async fn rebuild_index(evidence: Arc<Evidence>, ctx: JobContext) -> Result<Value, JobError> {
    let (workspace_id, _) = workspace_of(&ctx)?;
    let (progress, relay) = ctx.progress_relay(0.99);
    let rebuilt = search::rebuild(
        evidence.database(),
        evidence.indexes(),
        &workspace_id,
        &progress,
        &ctx.cancellation(),
    )
    .await;
    drop(progress);
    let _ = relay.await;
    let rebuilt = rebuilt.map_err(job_error)?;
    // What was written while the rebuild read its snapshot.
    let caught_up = search::catch_up(evidence.database(), evidence.indexes(), &workspace_id, None)
        .await
        .map_err(job_error)?;
    Ok(
        json!({ "documents": rebuilt.documents, "watermark": rebuilt.watermark, "caught_up": caught_up.applied }),
    )
}
