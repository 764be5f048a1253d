//! The twins context's job handlers. Creating twins is safe to run again: each twin's id is
//! fixed by the job and its position, and a twin already stored is skipped.

use std::sync::{Arc, Weak};
use std::time::Duration;

use pw_domain::{AudienceId, SessionId, WorkspaceId};
use pw_jobs::{JobContext, JobError, JobHandler, JobKind, Supervision};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::creation::TwinCreation;
use crate::error::TwinsError;
use crate::focus_group::FocusGroupRun;
use crate::insights::InsightWriter;
use crate::interview::{InterviewRun, Outcome};
use crate::reflecting::Reflector;
use crate::session::SessionStore;
use crate::speaking::SessionEvent;
use crate::twins::Twins;
use crate::vocabulary::SessionKind;

pub const CREATE_JOB_KIND: &str = "twins.create";
pub const SESSION_JOB_KIND: &str = "twins.session";
pub const INSIGHTS_JOB_KIND: &str = "twins.insights";

/// A twin on the local model takes a minute or more: supervised by signs of life.
const LIVENESS: Supervision = Supervision::Liveness {
    stall_after: Duration::from_secs(10 * 60),
};

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SessionPayload {
    pub session_id: SessionId,
}

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
        | TwinsError::SessionNotFound(_)
        | TwinsError::Invalid(_)
        | TwinsError::TooLittleEvidence { .. }
        | TwinsError::EditConflict { .. } => JobError::permanent(error.to_string()),
        other => JobError::retryable(other.to_string()),
    }
}

/// The job kinds this context does the work of. Handlers hold the context weakly, so a job
/// claimed while the app closes is handed back rather than keeping it alive.
pub fn job_kinds(twins: Weak<Twins>) -> Vec<(String, JobKind)> {
    vec![
        (
            CREATE_JOB_KIND.to_owned(),
            JobKind::new(handler(twins.clone(), create_twins), LIVENESS).attempts(2),
        ),
        (
            SESSION_JOB_KIND.to_owned(),
            // A session resumes from its transcript, so a retry after a crash loses nothing.
            JobKind::new(handler(twins.clone(), run_session), LIVENESS).attempts(3),
        ),
        (
            INSIGHTS_JOB_KIND.to_owned(),
            JobKind::new(handler(twins, write_insights), LIVENESS).attempts(2),
        ),
    ]
}

fn handler<F, Fut>(twins: Weak<Twins>, work: F) -> Arc<dyn JobHandler>
where
    F: Fn(Arc<Twins>, JobContext) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Value, JobError>> + Send + 'static,
{
    let work = Arc::new(work);
    Arc::new(move |ctx: JobContext| {
        let twins = twins.clone();
        let work = work.clone();
        async move {
            let twins = twins
                .upgrade()
                .ok_or_else(|| JobError::retryable("the app is closing"))?;
            work(twins, ctx).await
        }
    })
}

async fn write_insights(twins: Arc<Twins>, ctx: JobContext) -> Result<Value, JobError> {
    let payload: SessionPayload = ctx.payload()?;
    let gateway = twins.gateway().await.map_err(job_error)?;
    let job_id = ctx.job().id.clone();
    ctx.progress(0.1, "Reading the transcript for themes").await;
    let writer = InsightWriter {
        db: twins.database(),
        gateway: &gateway,
        session: payload.session_id,
        job_id: Some(&job_id),
    };
    let cancel = ctx.cancellation();
    let insights = tokio::select! {
        written = writer.write() => written.map_err(job_error)?,
        () = cancel.cancelled() => return Err(JobError::Cancelled),
    };
    Ok(serde_json::json!({
        "session_id": payload.session_id,
        "version": insights.version,
        "items_dropped": insights.items_dropped,
    }))
}

async fn run_session(twins: Arc<Twins>, ctx: JobContext) -> Result<Value, JobError> {
    let payload: SessionPayload = ctx.payload()?;
    let gateway = twins.gateway().await.map_err(job_error)?;
    let job_id = ctx.job().id.clone();
    let session = SessionStore::new(twins.database())
        .session(payload.session_id)
        .await
        .map_err(job_error)?;
    ctx.progress(0.0, format!("Running “{}”", session.title))
        .await;
    // Signs of life while turns are written, each of which can take a while on a small model.
    let events = twins.events();
    let mut watching = events.subscribe();
    let cancel = ctx.cancellation();
    let run = async {
        match session.kind {
            SessionKind::Interview => {
                InterviewRun {
                    db: twins.database(),
                    gateway: &gateway,
                    events,
                    session: session.id,
                    job_id: Some(&job_id),
                    cancel: &cancel,
                }
                .run()
                .await
            }
            SessionKind::FocusGroup => {
                FocusGroupRun {
                    db: twins.database(),
                    gateway: &gateway,
                    events,
                    session: session.id,
                    job_id: Some(&job_id),
                    cancel: &cancel,
                }
                .run()
                .await
            }
        }
    };
    // The session and the progress it reports move side by side: recording progress writes to
    // the database, and while it waits for the one writer connection the session must go on
    // being polled, or a model call it is filing half-way could never let the connection go.
    let (done, mut finished) = tokio::sync::oneshot::channel::<()>();
    let run = async {
        let outcome = run.await;
        let _ = done.send(());
        outcome
    };
    let report = async {
        loop {
            tokio::select! {
                event = watching.recv() => {
                    match event {
                        Ok(SessionEvent::TurnStored { session_id, seq }) if session_id == session.id => {
                            ctx.progress(0.5, format!("Turn {} stored", seq + 1)).await;
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                        _ => ctx.keep_alive(),
                    }
                }
                _ = &mut finished => break,
            }
        }
    };
    let (outcome, ()) = tokio::join!(run, report);
    let outcome = outcome.map_err(job_error)?;
    if outcome == Outcome::Completed {
        // What the twins took in may be enough for them to reflect; a reflection that fails
        // costs the session nothing (it is due again after the next one).
        let reflector = Reflector {
            db: twins.database(),
            gateway: &gateway,
            scope: pw_llm::CallScope::study(
                session.workspace_id.to_string(),
                session.study_id.to_string(),
            )
            .with_job(&job_id),
        };
        for participant in &session.participants {
            ctx.keep_alive();
            if let Err(error) = reflector.reflect_if_due(participant.twin_id).await {
                tracing::warn!(%error, twin = %participant.twin_id, "a twin could not reflect");
            }
        }
    }
    twins.index_changed(session.workspace_id).await;
    Ok(match outcome {
        Outcome::Completed => serde_json::json!({ "session_id": session.id, "completed": true }),
        Outcome::Paused(reason) => {
            serde_json::json!({ "session_id": session.id, "completed": false, "paused": reason })
        }
        Outcome::Superseded => {
            serde_json::json!({ "session_id": session.id, "completed": false, "superseded": true })
        }
    })
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
