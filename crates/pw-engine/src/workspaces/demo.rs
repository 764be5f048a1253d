//! The demo job: generating a demo workspace with `pw-demo` and writing it through the
//! workspaces context's ad-data writer. It stays in the engine because it joins the two: the
//! demo's rows are `pw-workspaces`' types, so `pw-workspaces` cannot depend on `pw-demo`. Each
//! step is idempotent, so a retried or recovered job completes without duplicating anything.

use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::NaiveDate;
use pw_domain::WorkspaceId;
use pw_jobs::{JobContext, JobError, JobHandler, JobKind, Supervision};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Engine;
use crate::jobs::live_engine;

pub const DEMO_JOB_KIND: &str = "demo.generate";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DemoPayload {
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub seed: u64,
    pub end_date: NaiveDate,
}

/// Demo generation writes a fixed, known amount of data (180 days for one brand, seconds of
/// work): three minutes means something is stuck.
const DEMO_SUPERVISION: Supervision = Supervision::Timeout(Duration::from_secs(180));

/// The demo job, beside the workspaces context's own (`workspace.export`).
pub(crate) fn job_kinds(engine: Weak<Engine>) -> Vec<(String, JobKind)> {
    let demo: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let engine = engine.clone();
        async move { generate_demo(live_engine(&engine)?, ctx).await }
    });
    vec![(
        DEMO_JOB_KIND.to_owned(),
        JobKind::new(demo, DEMO_SUPERVISION).attempts(3),
    )]
}

async fn generate_demo(engine: Arc<Engine>, ctx: JobContext) -> Result<Value, JobError> {
    let payload: DemoPayload = ctx.payload()?;
    let spec = pw_demo::DemoSpec {
        workspace_id: payload.workspace_id,
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
            .map_err(JobError::permanent)?
    };
    ctx.check_cancelled()?;
    let (progress_tx, reporter) = ctx.progress_relay(0.99);
    let written = pw_demo::write(&engine.db, &spec, &data, |fraction, message| {
        let _ = progress_tx.send((fraction, message));
    })
    .await;
    drop(progress_tx);
    let _ = reporter.await;
    written.map_err(JobError::retryable)?;
    ctx.link_workspace(&payload.workspace_id.to_string())
        .await?;
    // A new demo gets its signals built. Asked for here, before the job succeeds, so a crash
    // cannot lose it: a recovered job asks again, and a build already queued is not doubled.
    engine
        .evidence()
        .start_signal_build(payload.workspace_id)
        .await
        .map_err(|e| JobError::retryable(e.to_string()))?;
    Ok(json!({
        "workspace_id": payload.workspace_id,
        "campaigns": data.campaigns.len(),
        "metric_rows": data.metrics.len(),
        "signals": data.signals.len(),
    }))
}
