//! Tauri commands: convert the input, call the engine, convert the output. No business logic.

use std::sync::Arc;

use pw_engine::Engine;
use pw_ipc::{
    AppInfo, CreateWorkspaceRequest, Dashboard, DashboardRequest, IpcError, JobView,
    WorkspaceExportRequest, WorkspaceSummary,
};
use tauri::State;

use crate::EngineSlot;

fn engine(slot: &EngineSlot) -> Result<Arc<Engine>, IpcError> {
    slot.get()
}

#[tauri::command]
#[specta::specta]
pub async fn app_info(slot: State<'_, EngineSlot>) -> Result<AppInfo, IpcError> {
    let engine = engine(&slot)?;
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: engine.config().data_dir.display().to_string(),
        database_path: engine.config().database_path().display().to_string(),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn list_workspaces(
    slot: State<'_, EngineSlot>,
) -> Result<Vec<WorkspaceSummary>, IpcError> {
    Ok(engine(&slot)?
        .list_workspaces()
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn create_workspace(
    slot: State<'_, EngineSlot>,
    request: CreateWorkspaceRequest,
) -> Result<WorkspaceSummary, IpcError> {
    Ok(engine(&slot)?
        .create_workspace(request.into())
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn start_demo_workspace(slot: State<'_, EngineSlot>) -> Result<JobView, IpcError> {
    Ok(engine(&slot)?.start_demo_workspace().await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn get_dashboard(
    slot: State<'_, EngineSlot>,
    request: DashboardRequest,
) -> Result<Dashboard, IpcError> {
    let range = request.range.map(TryInto::try_into).transpose()?;
    Ok(engine(&slot)?
        .dashboard(&request.workspace_id, range)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn list_jobs(slot: State<'_, EngineSlot>) -> Result<Vec<JobView>, IpcError> {
    Ok(engine(&slot)?
        .list_jobs(None, 200)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn start_workspace_export(
    slot: State<'_, EngineSlot>,
    request: WorkspaceExportRequest,
) -> Result<JobView, IpcError> {
    Ok(engine(&slot)?
        .start_workspace_export(&request.workspace_id)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn retry_job(slot: State<'_, EngineSlot>, job_id: String) -> Result<JobView, IpcError> {
    Ok(engine(&slot)?.retry_job(&job_id).await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_job(slot: State<'_, EngineSlot>, job_id: String) -> Result<JobView, IpcError> {
    Ok(engine(&slot)?.cancel_job(&job_id).await?.into())
}
