//! Specialists as jobs: a run on demand in the background (progress and cancel in the jobs
//! panel) and a run on a schedule (the job queue's cron schedules, one per specialist and
//! workspace), each keeping its report like a run asked for at the keyboard.

use std::sync::{Arc, Weak};
use std::time::Duration;

use pw_domain::WorkspaceId;
use pw_jobs::{
    Job, JobContext, JobError, JobHandler, JobKind, JobSpec, Lane, Schedule, Supervision,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{AgentsFacade, SPECIALISTS, StepEvent};
use crate::Engine;
use crate::error::{EngineError, Result};
use crate::jobs::live_engine;

pub const SPECIALIST_JOB_KIND: &str = "agents.specialist";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SpecialistPayload {
    pub workspace_id: WorkspaceId,
    pub agent: String,
}

/// A specialist's run is a handful of model calls and tools; on the embedded model a few
/// minutes. Half an hour means something is stuck.
const SPECIALIST_SUPERVISION: Supervision = Supervision::Timeout(Duration::from_secs(1_800));

pub(crate) fn job_kinds(engine: Weak<Engine>) -> Vec<(String, JobKind)> {
    let handler: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let engine = engine.clone();
        async move { run_job(live_engine(&engine)?, ctx).await }
    });
    // A model failure is told in the job's error; another attempt would ask the same model
    // the same question.
    vec![(
        SPECIALIST_JOB_KIND.to_owned(),
        JobKind::new(handler, SPECIALIST_SUPERVISION).attempts(1),
    )]
}

async fn run_job(engine: Arc<Engine>, ctx: JobContext) -> std::result::Result<Value, JobError> {
    let payload: SpecialistPayload = ctx.payload()?;
    let title = SPECIALISTS
        .iter()
        .find(|s| s.name == payload.agent)
        .map_or(payload.agent.as_str(), |s| s.title);
    ctx.progress(0.0, &format!("{title}: starting")).await;
    // Each step moves the bar a little (the step budget is the most there can be).
    let limit = f64::from(pw_agents::Limits::default().max_steps);
    let (progress_tx, reporter) = ctx.progress_relay(0.95);
    let on_event = move |event: StepEvent| {
        if let StepEvent::Deciding { step } = event {
            let _ = progress_tx.send((
                f64::from(step) / limit,
                format!("Step {step} of at most {limit}"),
            ));
        }
    };
    let ran = engine
        .agents()
        .run_specialist_as(
            payload.workspace_id,
            &payload.agent,
            super::Attended::No,
            &on_event,
            &ctx.cancellation(),
        )
        .await;
    drop(on_event);
    let _ = reporter.await;
    let asked = ran.map_err(|e| JobError::permanent(e.to_string()))?;
    ctx.link_workspace(&payload.workspace_id.to_string())
        .await?;
    Ok(json!({
        "run_id": asked.id,
        "answered": asked.run.outcome.stopped_because().is_none(),
    }))
}

/// The schedule's name within its workspace.
fn schedule_name(agent: &str) -> String {
    format!("agents:{agent}")
}

impl AgentsFacade<'_> {
    pub(super) fn specialist_named(&self, name: &str) -> Result<&'static super::Specialist> {
        SPECIALISTS.iter().find(|s| s.name == name).ok_or_else(|| {
            EngineError::InvalidInput(format!(
                "there is no agent '{name}'; the agents are {}",
                SPECIALISTS
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }

    /// Runs a specialist as a job in the background; its report is kept when it ends.
    pub async fn start_specialist(&self, workspace: WorkspaceId, name: &str) -> Result<Job> {
        let specialist = self.specialist_named(name)?;
        self.engine.workspaces().overview(workspace).await?;
        let payload = serde_json::to_value(SpecialistPayload {
            workspace_id: workspace,
            agent: specialist.name.to_owned(),
        })
        .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
        let mut spec = JobSpec::new(SPECIALIST_JOB_KIND, specialist.title, Lane::Slow);
        spec.payload = payload;
        spec.workspace_id = Some(workspace.to_string());
        Ok(self.engine.queue.enqueue(spec).await?)
    }

    /// Runs a specialist on a schedule (`cron`, five fields, the computer's local time), or
    /// stops its schedule (`None`).
    pub async fn schedule_specialist(
        &self,
        workspace: WorkspaceId,
        name: &str,
        cron: Option<&str>,
    ) -> Result<Option<String>> {
        let specialist = self.specialist_named(name)?;
        self.engine.workspaces().overview(workspace).await?;
        let scope = workspace.to_string();
        let Some(cron) = cron.map(str::trim) else {
            self.engine
                .scheduler
                .remove(Some(&scope), &schedule_name(specialist.name))
                .await?;
            return Ok(None);
        };
        let payload = serde_json::to_value(SpecialistPayload {
            workspace_id: workspace,
            agent: specialist.name.to_owned(),
        })
        .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
        self.engine
            .scheduler
            .upsert(&Schedule {
                name: schedule_name(specialist.name),
                cron: cron.to_owned(),
                kind: SPECIALIST_JOB_KIND.to_owned(),
                title: specialist.title.to_owned(),
                lane: Lane::Slow,
                payload,
                workspace_id: Some(scope),
                enabled: true,
                last_fire_at: None,
                last_error: None,
            })
            .await?;
        Ok(Some(cron.to_owned()))
    }

    /// The schedule of each specialist in the workspace that has one: (agent, cron).
    pub async fn specialist_schedules(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Vec<(String, String)>> {
        let scope = workspace.to_string();
        Ok(self
            .engine
            .scheduler
            .list()
            .await?
            .into_iter()
            .filter(|s| {
                s.kind == SPECIALIST_JOB_KIND && s.workspace_id.as_deref() == Some(scope.as_str())
            })
            .filter_map(|s| {
                let agent = s.name.strip_prefix("agents:")?.to_owned();
                Some((agent, s.cron))
            })
            .collect())
    }
}
