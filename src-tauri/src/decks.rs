//! Tauri commands for client decks: convert, call the engine, convert. The one thing done here
//! rather than in the engine is showing a file in the system's file manager, a desktop's job.

use pw_engine::decks::{DeckSpec, ThemeFileRole};
use pw_ipc::{
    BuildDeckRequest, BuiltDeckView, DeckDeliveryView, DeckFileView, DeckPreviewView, DeckSpecView,
    DeckThemeView, IpcError, JobView, SaveDeckDeliveryRequest, SaveDeckThemeRequest,
    ThemeSettingsView,
};
use tauri::State;

use crate::EngineSlot;

/// The deck an agency would start from, for the builder to edit.
#[tauri::command]
#[specta::specta]
pub async fn get_deck_template(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
) -> Result<DeckSpecView, IpcError> {
    let engine = slot.get()?;
    Ok(engine
        .decks()
        .default_spec(workspace_id.parse()?)
        .await?
        .into())
}

/// The spec's slides as they would be built now.
#[tauri::command]
#[specta::specta]
pub async fn preview_deck(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
    spec: DeckSpecView,
) -> Result<DeckPreviewView, IpcError> {
    let engine = slot.get()?;
    let spec: DeckSpec = spec.try_into()?;
    Ok(engine
        .decks()
        .gather(workspace_id.parse()?, &spec)
        .await?
        .into())
}

/// Builds the deck, keeps it as the next version and writes it to the exports folder.
#[tauri::command]
#[specta::specta]
pub async fn build_deck(
    slot: State<'_, EngineSlot>,
    request: BuildDeckRequest,
) -> Result<BuiltDeckView, IpcError> {
    let engine = slot.get()?;
    let workspace = request.workspace_id.parse()?;
    let spec: DeckSpec = request.spec.try_into()?;
    let (kept, path) = engine
        .decks()
        .build_into_exports(workspace, &spec, request.format.into())
        .await?;
    Ok(BuiltDeckView {
        warnings: kept.built.warnings,
        file: kept.file.into(),
        path: path.display().to_string(),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn list_deck_files(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
) -> Result<Vec<DeckFileView>, IpcError> {
    let engine = slot.get()?;
    Ok(engine
        .decks()
        .files(workspace_id.parse()?)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Writes the kept file to the exports folder (it may have been moved or deleted there) and
/// shows it in the file manager; answers with its path, which the window shows too.
#[tauri::command]
#[specta::specta]
pub async fn show_deck_file(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
    file_id: String,
) -> Result<String, IpcError> {
    let engine = slot.get()?;
    let path = engine
        .decks()
        .write_out(workspace_id.parse()?, &file_id)
        .await?;
    if let Err(e) = reveal(&path) {
        // The path is still useful: the window shows it to copy.
        tracing::warn!(error = %e, path = %path.display(), "could not open the file manager");
    }
    Ok(path.display().to_string())
}

/// Opens the system's file manager at `path` (selected where the platform can). No shell is
/// involved: the path is one argument.
fn reveal(path: &std::path::Path) -> std::io::Result<()> {
    let mut command;
    if cfg!(target_os = "macos") {
        command = std::process::Command::new("open");
        command.arg("-R").arg(path);
    } else if cfg!(target_os = "windows") {
        command = std::process::Command::new("explorer");
        // Explorer reads `/select,"PATH"` as one token with the path quoted inside it; quoted
        // whole (as an argument with spaces would be), it opens a default folder instead.
        #[cfg(windows)]
        {
            use std::os::windows::process::CommandExt;
            command.raw_arg(format!("/select,\"{}\"", path.display()));
        }
    } else {
        command = std::process::Command::new("xdg-open");
        command.arg(path.parent().unwrap_or(path));
    }
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    // Reaped when the file manager's launcher exits, so no zombie is left behind.
    std::thread::spawn(move || child.wait());
    Ok(())
}

async fn theme_view(
    engine: &std::sync::Arc<pw_engine::Engine>,
    workspace: pw_engine::workspaces::WorkspaceId,
    theme: pw_engine::decks::WorkspaceTheme,
) -> Result<DeckThemeView, IpcError> {
    let decks = engine.decks();
    let client = decks.theme_file(workspace, ThemeFileRole::ClientLogo).await;
    let agency = decks.theme_file(workspace, ThemeFileRole::AgencyLogo).await;
    // A logo that cannot be read shows as none; the build says why.
    Ok(DeckThemeView::new(
        theme,
        client.ok().flatten(),
        agency.ok().flatten(),
    ))
}

#[tauri::command]
#[specta::specta]
pub async fn get_deck_theme(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
) -> Result<DeckThemeView, IpcError> {
    let engine = slot.get()?;
    let workspace = workspace_id.parse()?;
    let theme = engine.decks().theme(workspace).await?;
    theme_view(&engine, workspace, theme).await
}

/// What a reader would struggle with in these (unsaved) colours: the editor says it as the
/// colours are picked, from the same rule the saved theme is held to.
#[tauri::command]
#[specta::specta]
pub async fn check_deck_theme(settings: ThemeSettingsView) -> Result<Vec<String>, IpcError> {
    let theme: pw_engine::decks::Theme = settings.try_into()?;
    Ok(theme.legibility_warnings())
}

#[tauri::command]
#[specta::specta]
pub async fn save_deck_theme(
    slot: State<'_, EngineSlot>,
    request: SaveDeckThemeRequest,
) -> Result<DeckThemeView, IpcError> {
    let engine = slot.get()?;
    let workspace = request.workspace_id.parse()?;
    let theme = request.settings.try_into()?;
    let files = request
        .files
        .into_iter()
        .map(pw_ipc::ThemeFileChangeView::decode)
        .collect::<Result<Vec<_>, _>>()?;
    let saved = engine.decks().set_theme(workspace, &theme, &files).await?;
    theme_view(&engine, workspace, saved).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_deck_deliveries(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
) -> Result<Vec<DeckDeliveryView>, IpcError> {
    let engine = slot.get()?;
    Ok(engine
        .decks()
        .deliveries(workspace_id.parse()?)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn save_deck_delivery(
    slot: State<'_, EngineSlot>,
    request: SaveDeckDeliveryRequest,
) -> Result<DeckDeliveryView, IpcError> {
    let engine = slot.get()?;
    let (delivery, cron) = request.delivery.into_delivery()?;
    Ok(engine
        .decks()
        .schedule_delivery(request.workspace_id.parse()?, &delivery, &cron)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn remove_deck_delivery(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
    name: String,
) -> Result<(), IpcError> {
    let engine = slot.get()?;
    Ok(engine
        .decks()
        .remove_delivery(workspace_id.parse()?, &name)
        .await?)
}

/// Delivers now, as the schedule would: a job, its outcome in the jobs panel.
#[tauri::command]
#[specta::specta]
pub async fn deliver_deck_now(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
    name: String,
) -> Result<JobView, IpcError> {
    let engine = slot.get()?;
    Ok(engine
        .decks()
        .deliver_now(workspace_id.parse()?, &name)
        .await?
        .into())
}
