//! The surveys context's job handlers: a run answering, and its report written. A run resumes
//! from the answers stored (a respondent is written with all its answers at once), so a retry
//! after a crash or a kill asks only the respondents not yet answered.

use std::sync::{Arc, Weak};
use std::time::Duration;

use pw_domain::StudyId;
use pw_jobs::{JobContext, JobError, JobHandler, JobKind, Supervision};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::answering::{RunAnswering, RunOutcome, RunProgress};
use crate::error::SurveysError;
use crate::open_ends::OpenEndCoding;
use crate::repository::SurveyStore;
use crate::runs::{RunStatus, RunStore};
use crate::surveys::Surveys;

pub const RUN_JOB_KIND: &str = "surveys.run";
pub const REPORT_JOB_KIND: &str = "surveys.report";

/// A respondent on the local model can take a minute: supervised by signs of life.
const LIVENESS: Supervision = Supervision::Liveness {
    stall_after: Duration::from_secs(10 * 60),
};

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RunPayload {
    pub run_id: StudyId,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ReportPayload {
    pub run_id: StudyId,
    pub weighted: bool,
    pub temperature: f64,
}

fn job_error(error: SurveysError) -> JobError {
    match error {
        SurveysError::Cancelled => JobError::Cancelled,
        SurveysError::WorkspaceNotFound(_)
        | SurveysError::SurveyNotFound(_)
        | SurveysError::RunNotFound(_)
        | SurveysError::Definition(_)
        | SurveysError::Universe(_)
        | SurveysError::ReferenceData(_)
        | SurveysError::Invalid(_)
        | SurveysError::Rating(_)
        | SurveysError::Results(_)
        | SurveysError::HumanSetNotFound(_)
        | SurveysError::HumanData(_)
        | SurveysError::Spreadsheet(_)
        | SurveysError::Corrupt(_) => JobError::permanent(error.to_string()),
        other => JobError::retryable(other.to_string()),
    }
}

/// The job kinds this context does the work of. The handler holds the context weakly, so a
/// job claimed while the app closes is handed back rather than keeping it alive.
pub fn job_kinds(surveys: Weak<Surveys>) -> Vec<(String, JobKind)> {
    vec![
        // A run resumes from its stored respondents, so a retry after a crash loses nothing.
        (
            RUN_JOB_KIND.to_owned(),
            JobKind::new(handler(surveys.clone(), answer_run), LIVENESS).attempts(3),
        ),
        (
            REPORT_JOB_KIND.to_owned(),
            JobKind::new(handler(surveys, write_report), LIVENESS).attempts(2),
        ),
    ]
}

fn handler<F, Fut>(surveys: Weak<Surveys>, work: F) -> Arc<dyn JobHandler>
where
    F: Fn(Arc<Surveys>, JobContext) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Value, JobError>> + Send + 'static,
{
    let work = Arc::new(work);
    Arc::new(move |ctx: JobContext| {
        let surveys = surveys.clone();
        let work = work.clone();
        async move {
            let surveys = surveys
                .upgrade()
                .ok_or_else(|| JobError::retryable("the app is closing"))?;
            work(surveys, ctx).await
        }
    })
}

async fn write_report(surveys: Arc<Surveys>, ctx: JobContext) -> Result<Value, JobError> {
    let payload: ReportPayload = ctx.payload()?;
    let options = crate::results::ResultOptions {
        weighted: payload.weighted,
        temperature: payload.temperature,
    };
    let job_id = ctx.job().id.clone();
    ctx.progress(0.1, "Reading the result tables").await;
    let cancel = ctx.cancellation();
    let report = tokio::select! {
        written = surveys.write_report(payload.run_id, &options, Some(&job_id)) => {
            written.map_err(job_error)?
        }
        () = cancel.cancelled() => return Err(JobError::Cancelled),
    };
    Ok(serde_json::json!({
        "run_id": payload.run_id,
        "version": report.version,
        "items_checked": report.items_checked,
        "items_dropped": report.items_dropped,
    }))
}

/// "312 of 1,000 respondents · 140 answers a minute · $0.42 spent"
pub fn progress_words(progress: &RunProgress) -> String {
    format!(
        "{} of {} respondents · {:.0} answers a minute · ${:.2} spent",
        progress.answered,
        progress.respondents,
        progress.answers_per_minute,
        progress.spent_micros as f64 / 1_000_000.0
    )
}

async fn answer_run(surveys: Arc<Surveys>, ctx: JobContext) -> Result<Value, JobError> {
    let payload: RunPayload = ctx.payload()?;
    let gateway = surveys.gateway().await.map_err(job_error)?;
    let store = RunStore::new(surveys.database());
    let run = store.run(payload.run_id).await.map_err(job_error)?;
    ctx.progress(
        run.answered as f64 / run.respondents.max(1) as f64,
        format!("{} of {} respondents", run.answered, run.respondents),
    )
    .await;
    let job_id = ctx.job().id.clone();
    let cancel = ctx.cancellation();
    let (sender, mut updates) = tokio::sync::watch::channel(None::<RunProgress>);
    let on_progress = move |progress: &RunProgress| {
        let _ = sender.send(Some(progress.clone()));
    };
    let answering = RunAnswering {
        db: surveys.database(),
        gateway: &gateway,
        run: payload.run_id,
        job_id: Some(&job_id),
        cancel: &cancel,
        on_progress: &on_progress,
    };
    // The run and the progress it reports move side by side: recording progress writes to the
    // database, and while it waits for the one writer connection the run must go on being
    // polled, or a respondent holding that connection half-way through a write could never
    // let it go.
    let (done, mut finished) = tokio::sync::oneshot::channel::<()>();
    let work = async {
        let outcome = answering.run().await;
        let _ = done.send(());
        outcome
    };
    let report = async {
        loop {
            tokio::select! {
                changed = updates.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let latest = updates.borrow_and_update().clone();
                    if let Some(progress) = latest {
                        ctx.progress(
                            progress.answered as f64 / progress.respondents.max(1) as f64,
                            progress_words(&progress),
                        )
                        .await;
                    }
                }
                _ = &mut finished => break,
            }
        }
    };
    let (outcome, ()) = tokio::join!(work, report);
    // The last word may have come after the work ended.
    let last = updates.borrow_and_update().clone();
    if let Some(progress) = &last {
        ctx.progress(
            progress.answered as f64 / progress.respondents.max(1) as f64,
            progress_words(progress),
        )
        .await;
    }
    match outcome {
        Ok(RunOutcome::Completed) => {
            ctx.progress(0.99, "Coding the open answers into themes")
                .await;
            let coding = OpenEndCoding {
                db: surveys.database(),
                gateway: &gateway,
                run: payload.run_id,
                job_id: Some(&job_id),
            };
            let survey = SurveyStore::new(surveys.database())
                .version(run.survey_id, run.survey_version)
                .await
                .map_err(job_error)?;
            // The answers are stored whatever happens here: themes that cannot be coded now
            // (the embedding model is missing) are said, and the run still completes.
            let themes = tokio::select! {
                coded = coding.code(&survey) => match coded {
                    Ok(questions) => serde_json::json!(questions),
                    Err(error) => {
                        tracing::warn!(%error, "open answers were not coded into themes");
                        serde_json::json!(format!("not coded: {error}"))
                    }
                },
                () = cancel.cancelled() => serde_json::json!("not coded: stopped"),
            };
            // The run's own figures are its last word, not the coding's.
            if let Some(progress) = &last {
                ctx.progress(1.0, progress_words(progress)).await;
            }
            Ok(
                serde_json::json!({ "run_id": payload.run_id, "completed": true, "open_questions_coded": themes }),
            )
        }
        Ok(RunOutcome::Paused(note)) => {
            Ok(serde_json::json!({ "run_id": payload.run_id, "completed": false, "paused": note }))
        }
        Err(error) => {
            let failure = job_error(error);
            let retried = matches!(failure, JobError::Retryable(_))
                && ctx.job().attempts < ctx.job().max_attempts;
            let (status, note) = match &failure {
                JobError::Cancelled => (
                    RunStatus::Cancelled,
                    "Stopped. The respondents answered are kept; resume to ask the rest."
                        .to_owned(),
                ),
                // The job lanes try again by themselves: the run waits for that attempt.
                other if retried => (
                    RunStatus::Queued,
                    format!(
                        "An attempt stopped ({other}); trying again shortly. The respondents answered are kept."
                    ),
                ),
                other => (
                    RunStatus::Failed,
                    format!(
                        "Stopped: {other}. The respondents answered are kept; resume to ask the rest."
                    ),
                ),
            };
            if let Err(store_error) = store.set_status(payload.run_id, status, &note).await {
                tracing::warn!(%store_error, "a stopped run's status could not be written");
            }
            Err(failure)
        }
    }
}
