//! Tauri commands for ad-platform connections: convert, call the engine, convert. Opening the
//! consent page in the system browser is the shell's part (it is the OS's browser, not the
//! webview's).

use std::time::Duration;

use pw_engine::connectors::{AuthKind, Platform, Secret, SignInConnect, TokenConnect};
use pw_ipc::{
    BeginSignInRequest, ConnectTokenRequest, ConnectionView, ConnectorPlatformView, IpcError,
    SelectAccountsRequest, SignInStartedView, StartSyncRequest, SyncRunView, SyncScheduleRequest,
};
use tauri::State;

use crate::EngineSlot;

/// How long a sign-in waits for the person to approve in the browser.
const SIGN_IN_WAIT: Duration = Duration::from_secs(10 * 60);

fn platform(text: &str) -> Result<Platform, IpcError> {
    text.parse().map_err(|_| {
        IpcError::new(
            pw_ipc::ErrorKind::InvalidInput,
            format!("'{text}' is not a platform"),
        )
    })
}

fn secret(text: Option<String>) -> Option<Secret> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| Secret::new(t.trim().to_owned()))
}

fn blank_is_none(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Opens `url` in the system browser; a failure is logged (the window shows the address too).
fn open_in_browser(url: &str) {
    #[cfg(target_os = "macos")]
    let opened = std::process::Command::new("open").arg(url).spawn();
    #[cfg(target_os = "windows")]
    let opened = std::process::Command::new("rundll32")
        .args(["url.dll,FileProtocolHandler", url])
        .spawn();
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    let opened = std::process::Command::new("xdg-open").arg(url).spawn();
    if let Err(error) = opened {
        tracing::warn!(%error, "could not open the system browser; the window shows the address");
    }
}

#[tauri::command]
#[specta::specta]
pub async fn list_connector_platforms(
    slot: State<'_, EngineSlot>,
) -> Result<Vec<ConnectorPlatformView>, IpcError> {
    Ok(slot
        .get()?
        .connectors()
        .platforms()
        .iter()
        .map(|p| (*p).into())
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn list_connections(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
) -> Result<Vec<ConnectionView>, IpcError> {
    Ok(slot
        .get()?
        .connectors()
        .list(Some(workspace_id.parse()?))
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn connect_with_token(
    slot: State<'_, EngineSlot>,
    request: ConnectTokenRequest,
) -> Result<ConnectionView, IpcError> {
    let token = secret(Some(request.token)).ok_or_else(|| {
        IpcError::new(
            pw_ipc::ErrorKind::InvalidInput,
            "paste the platform's token",
        )
    })?;
    let view = slot
        .get()?
        .connectors()
        .connect(TokenConnect {
            workspace_id: request.workspace_id.parse()?,
            platform: platform(&request.platform)?,
            access_token: token,
            refresh_token: secret(request.refresh_token),
            expires_in: None,
            label: blank_is_none(request.label),
            api_root: blank_is_none(request.api_root),
            client_id: blank_is_none(request.client_id),
            client_secret: secret(request.client_secret),
            developer_token: secret(request.developer_token),
            auth_kind: AuthKind::Token,
        })
        .await?;
    Ok(view.into())
}

#[tauri::command]
#[specta::specta]
pub async fn begin_sign_in(
    slot: State<'_, EngineSlot>,
    request: BeginSignInRequest,
) -> Result<SignInStartedView, IpcError> {
    let started = slot
        .get()?
        .connectors()
        .begin_sign_in(SignInConnect {
            workspace_id: request.workspace_id.parse()?,
            platform: platform(&request.platform)?,
            client_id: request.client_id.trim().to_owned(),
            client_secret: secret(request.client_secret),
            developer_token: secret(request.developer_token),
            api_root: blank_is_none(request.api_root),
            label: blank_is_none(request.label),
            redirect_port: request.redirect_port,
        })
        .await?;
    open_in_browser(&started.authorize_url);
    Ok(started.into())
}

#[tauri::command]
#[specta::specta]
pub async fn finish_sign_in(
    slot: State<'_, EngineSlot>,
    sign_in_id: String,
) -> Result<ConnectionView, IpcError> {
    Ok(slot
        .get()?
        .connectors()
        .finish_sign_in(&sign_in_id, SIGN_IN_WAIT)
        .await?
        .into())
}

/// Stops waiting for a sign-in (the person gave up on it): a late approval connects nothing.
#[tauri::command]
#[specta::specta]
pub async fn cancel_sign_in(
    slot: State<'_, EngineSlot>,
    sign_in_id: String,
) -> Result<(), IpcError> {
    slot.get()?.connectors().cancel_sign_in(&sign_in_id).await;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn remove_connection(
    slot: State<'_, EngineSlot>,
    connection_id: String,
) -> Result<(), IpcError> {
    Ok(slot.get()?.connectors().remove(&connection_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn select_connection_accounts(
    slot: State<'_, EngineSlot>,
    request: SelectAccountsRequest,
) -> Result<ConnectionView, IpcError> {
    Ok(slot
        .get()?
        .connectors()
        .select_accounts(&request.connection_id, &request.accounts)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn set_sync_schedule(
    slot: State<'_, EngineSlot>,
    request: SyncScheduleRequest,
) -> Result<ConnectionView, IpcError> {
    Ok(slot
        .get()?
        .connectors()
        .set_schedule(
            &request.connection_id,
            blank_is_none(request.cron).as_deref(),
        )
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn start_sync(
    slot: State<'_, EngineSlot>,
    request: StartSyncRequest,
) -> Result<SyncRunView, IpcError> {
    let from = match blank_is_none(request.from) {
        Some(day) => Some(chrono_day(&day)?),
        None => None,
    };
    Ok(slot
        .get()?
        .connectors()
        .start_sync(&request.connection_id, from, request.full)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn get_sync_run(
    slot: State<'_, EngineSlot>,
    run_id: String,
) -> Result<SyncRunView, IpcError> {
    Ok(slot.get()?.connectors().run(&run_id).await?.into())
}

fn chrono_day(text: &str) -> Result<pw_engine::connectors::NaiveDate, IpcError> {
    pw_engine::connectors::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        IpcError::new(
            pw_ipc::ErrorKind::InvalidInput,
            format!("{text} is not a day (YYYY-MM-DD)"),
        )
    })
}
