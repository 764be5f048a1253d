//! Tauri commands for the analyst agents: convert, call the engine, convert. A run's steps go
//! to the window as `AgentStepChanged` events under the caller's request id, and
//! `stop_agent_run` stops the run with that id (it keeps what it found).

use std::collections::HashMap;
use std::sync::Mutex;

use pw_engine::agents::StepEvent;
use pw_ipc::{
    AgentRunView, AgentStepEventView, AskCopilotRequest, IpcError, RunSpecialistRequest,
    SpecialistScheduleRequest, SpecialistView,
};
use tauri::{AppHandle, State};
use tauri_specta::Event;
use tokio_util::sync::CancellationToken;

use crate::EngineSlot;
use crate::ipc::AgentStepChanged;

/// The runs under way, by request id, so a stop button can reach them.
#[derive(Default)]
pub struct RunningAgents(Mutex<HashMap<String, CancellationToken>>);

/// A run's place in the registry, given up when the command ends however it ends.
struct Registered<'a> {
    running: &'a RunningAgents,
    request_id: String,
    cancel: CancellationToken,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.running.finish(&self.request_id);
    }
}

impl RunningAgents {
    fn register(&self, request_id: &str) -> Result<Registered<'_>, IpcError> {
        let cancel = self.start(request_id)?;
        Ok(Registered {
            running: self,
            request_id: request_id.to_owned(),
            cancel,
        })
    }

    fn start(&self, request_id: &str) -> Result<CancellationToken, IpcError> {
        let mut running = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if running.contains_key(request_id) {
            return Err(IpcError::new(
                pw_ipc::ErrorKind::Conflict,
                "a run with this request id is already under way".to_owned(),
            ));
        }
        let token = CancellationToken::new();
        running.insert(request_id.to_owned(), token.clone());
        Ok(token)
    }

    fn finish(&self, request_id: &str) {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(request_id);
    }

    fn stop(&self, request_id: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(request_id)
            .map(CancellationToken::cancel)
            .is_some()
    }
}

/// Sends each step to the window; a window that is gone misses steps, not the answer.
fn forward_steps(app: AppHandle, request_id: String) -> impl Fn(StepEvent) + Send + Sync {
    move |event| {
        let step = AgentStepEventView {
            request_id: request_id.clone(),
            step: event.into(),
        };
        if let Err(e) = AgentStepChanged(step).emit(&app) {
            tracing::warn!(error = %e, "could not forward an agent step to the window");
        }
    }
}

/// Asks the copilot; answers with the kept run once it has finished (or stopped).
#[tauri::command]
#[specta::specta]
pub async fn ask_copilot(
    app: AppHandle,
    slot: State<'_, EngineSlot>,
    running: State<'_, RunningAgents>,
    request: AskCopilotRequest,
) -> Result<AgentRunView, IpcError> {
    let engine = slot.get()?;
    let workspace = request.workspace_id.parse()?;
    let question = request.question.trim();
    if question.is_empty() {
        return Err(IpcError::new(
            pw_ipc::ErrorKind::InvalidInput,
            "ask a question first".to_owned(),
        ));
    }
    let registered = running.register(&request.request_id)?;
    let on_step = forward_steps(app, request.request_id.clone());
    let asked = engine
        .agents()
        .ask(workspace, question, &on_step, &registered.cancel)
        .await;
    drop(registered);
    let asked = asked?;
    Ok(engine.agents().kept_run(workspace, &asked.id).await?.into())
}

/// Runs a specialist; answers with its kept report.
#[tauri::command]
#[specta::specta]
pub async fn run_specialist(
    app: AppHandle,
    slot: State<'_, EngineSlot>,
    running: State<'_, RunningAgents>,
    request: RunSpecialistRequest,
) -> Result<AgentRunView, IpcError> {
    let engine = slot.get()?;
    let workspace = request.workspace_id.parse()?;
    let registered = running.register(&request.request_id)?;
    let on_step = forward_steps(app, request.request_id.clone());
    let ran = engine
        .agents()
        .run_specialist(workspace, &request.agent, &on_step, &registered.cancel)
        .await;
    drop(registered);
    let ran = ran?;
    Ok(engine.agents().kept_run(workspace, &ran.id).await?.into())
}

/// Stops a run under way; `false` when none has this request id (it had already finished).
#[tauri::command]
#[specta::specta]
pub async fn stop_agent_run(
    running: State<'_, RunningAgents>,
    request_id: String,
) -> Result<bool, IpcError> {
    Ok(running.stop(&request_id))
}

/// The workspace's kept runs of one agent (every agent's when `agent` is `None`), newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_agent_runs(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
    agent: Option<String>,
    limit: u32,
) -> Result<Vec<AgentRunView>, IpcError> {
    let runs = slot
        .get()?
        .agents()
        .runs(workspace_id.parse()?, agent.as_deref(), limit.clamp(1, 200))
        .await?;
    Ok(runs.into_iter().map(Into::into).collect())
}

#[tauri::command]
#[specta::specta]
pub async fn get_agent_run(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
    run_id: String,
) -> Result<AgentRunView, IpcError> {
    Ok(slot
        .get()?
        .agents()
        .kept_run(workspace_id.parse()?, &run_id)
        .await?
        .into())
}

/// The specialists, each with its latest report in the workspace.
#[tauri::command]
#[specta::specta]
pub async fn list_specialists(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
) -> Result<Vec<SpecialistView>, IpcError> {
    let engine = slot.get()?;
    let workspace = workspace_id.parse()?;
    let listed = engine.agents().specialists(workspace).await?;
    let schedules = engine.agents().specialist_schedules(workspace).await?;
    Ok(listed
        .into_iter()
        .map(|(specialist, latest)| {
            let schedule = schedules
                .iter()
                .find(|(agent, _)| agent == specialist.name)
                .map(|(_, cron)| cron.clone());
            SpecialistView::of(specialist, latest, schedule)
        })
        .collect())
}

/// Runs a specialist on a schedule, or on demand only (`cron` absent); answers the schedule.
#[tauri::command]
#[specta::specta]
pub async fn set_specialist_schedule(
    slot: State<'_, EngineSlot>,
    request: SpecialistScheduleRequest,
) -> Result<Option<String>, IpcError> {
    Ok(slot
        .get()?
        .agents()
        .schedule_specialist(
            request.workspace_id.parse()?,
            &request.agent,
            request.cron.as_deref().filter(|c| !c.trim().is_empty()),
        )
        .await?)
}
