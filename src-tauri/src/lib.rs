//! The ProfitWheel desktop shell: the composition root that opens the engine, registers the
//! generated IPC surface, and forwards the engine's job events to the window. It holds no
//! business logic; everything it calls is in `pw-engine`.

mod agents;
mod commands;
mod connections;
mod decks;
mod enrichment;
pub mod ipc;

use std::process::ExitCode;
use std::sync::Arc;

use pw_engine::jobs::JobState;
use pw_engine::{Engine, EngineConfig};
use pw_ipc::IpcError;
use tauri::{Manager, RunEvent};
use tauri_specta::Event;

/// The engine, or why it could not be opened (a damaged or foreign database): the window still
/// opens and every command answers with that error, so the person sees what happened.
pub struct EngineSlot(Result<Arc<Engine>, IpcError>);

impl EngineSlot {
    pub fn get(&self) -> Result<Arc<Engine>, IpcError> {
        self.0.clone()
    }
}

async fn start_engine(
    open_demo: bool,
    telemetry: Arc<pw_telemetry::Telemetry>,
) -> Result<Arc<Engine>, IpcError> {
    let mut config = EngineConfig::new(pw_engine::default_data_dir());
    // The engine says where model-call traces go (at start and after each settings change).
    config.trace_export = Some(Arc::new(move |export| {
        let export = export.map(|e| pw_telemetry::OtlpExport {
            endpoint: e.endpoint,
            headers: e.headers,
            sample_rate: e.sample_rate,
            service_name: "profitwheel-desktop".into(),
        });
        if let Err(error) = telemetry.set_export(export) {
            tracing::warn!(%error, "trace export stays off");
        }
    }));
    let engine = Engine::open(config).await?;
    engine.start_workers().await;
    if open_demo {
        ensure_demo(&engine).await?;
    }
    Ok(engine)
}

/// With `--demo`: make sure a demo workspace exists or is being made, without making a second.
async fn ensure_demo(engine: &Arc<Engine>) -> Result<(), IpcError> {
    let has_demo = engine
        .workspaces()
        .list()
        .await?
        .iter()
        .any(|w| w.workspace.is_demo);
    let mut pending = engine.jobs().list(Some(JobState::Queued), 200).await?;
    pending.extend(engine.jobs().list(Some(JobState::Running), 200).await?);
    let demo_pending = pending
        .iter()
        .any(|j| j.kind == pw_engine::workspaces::DEMO_JOB_KIND);
    if !has_demo && !demo_pending {
        engine.workspaces().start_demo().await?;
    }
    Ok(())
}

fn forward_session_events(handle: tauri::AppHandle, engine: Arc<Engine>) {
    let mut events = engine.twins().subscribe();
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                Ok(event) => {
                    if let Err(e) = ipc::SessionChanged(event.into()).emit(&handle) {
                        tracing::warn!(error = %e, "could not forward a session event to the window");
                    }
                }
                // The room re-reads the session on the next stored turn.
                Err(RecvError::Lagged(missed)) => tracing::debug!(missed, "session events lagged"),
                Err(RecvError::Closed) => break,
            }
        }
    });
}

fn forward_job_events(handle: tauri::AppHandle, engine: Arc<Engine>) {
    let mut events = engine.jobs().subscribe();
    let mut deliveries = DeliveryNotices::new();
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                Ok(pw_jobs_event) => {
                    let pw_engine::jobs::JobEvent::Changed(job) = pw_jobs_event;
                    deliveries.notify_if_ended(&handle, &job);
                    if let Err(e) = ipc::JobChanged(job.into()).emit(&handle) {
                        tracing::warn!(error = %e, "could not forward a job event to the window");
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    // The panel re-reads the jobs; a delivery's end may be among the missed
                    // events, so ended deliveries are looked up.
                    tracing::warn!(missed, "job events lagged");
                    deliveries.catch_up(&handle, &engine).await;
                }
                Err(RecvError::Closed) => break,
            }
        }
    });
}

/// The deliveries whose end was shown, so one looked up after lagged events is never shown twice.
struct DeliveryNotices {
    /// When the app started listening: older ends were shown (or not) by an earlier run.
    since_ms: i64,
    /// Job id and end time (a retried job ends again, and says so again).
    shown: std::collections::HashSet<(String, i64)>,
}

impl DeliveryNotices {
    fn new() -> Self {
        Self {
            since_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            shown: std::collections::HashSet::new(),
        }
    }

    fn notify_if_ended(&mut self, handle: &tauri::AppHandle, job: &pw_engine::jobs::Job) {
        let Some(notice) = pw_engine::decks::delivery_notice(job) else {
            return;
        };
        let Some(ended) = job.finished_at else {
            return;
        };
        if ended >= self.since_ms && self.shown.insert((job.id.clone(), ended)) {
            notify(handle, &notice);
        }
    }

    /// Every delivery that ended since the app started listening and was not shown. A delivery
    /// another process ran (the CLI's workers) turns up here too, and is shown then.
    async fn catch_up(&mut self, handle: &tauri::AppHandle, engine: &Engine) {
        match engine
            .jobs()
            .ended_since(pw_engine::decks::DELIVERY_JOB_KIND, self.since_ms)
            .await
        {
            Ok(jobs) => jobs
                .iter()
                .for_each(|job| self.notify_if_ended(handle, job)),
            Err(e) => tracing::warn!(error = %e, "could not look up the deliveries that ended"),
        }
    }
}

/// A system notification (Notification Center, the Windows action center, the freedesktop
/// notification service); the jobs panel keeps the same news if none can be shown. Sent off
/// the async workers: on Linux it is a D-Bus call that waits for its answer.
fn notify(handle: &tauri::AppHandle, notice: &pw_engine::decks::DeliveryNotice) {
    let mut notification = notify_rust::Notification::new();
    notification
        .appname(&handle.package_info().name)
        .summary(&notice.title)
        .body(&notification_body(&notice.body));
    #[cfg(windows)]
    {
        // An installed app is registered under its identifier; a build run from target/ is not,
        // and a toast for an unregistered id never shows (notify-rust then uses PowerShell's).
        let installed = std::env::current_exe().is_ok_and(|exe| {
            !exe.parent()
                .is_some_and(|dir| dir.ends_with("target/debug") || dir.ends_with("target/release"))
        });
        if installed {
            notification.app_id(&handle.config().identifier);
        }
    }
    let title = notice.title.clone();
    tauri::async_runtime::spawn_blocking(move || {
        // On macOS the notification goes out when the returned handle is dropped, and a
        // failure there is not reported back.
        if let Err(e) = notification.show() {
            tracing::warn!(error = %e, %title, "could not show a system notification");
        }
    });
}

/// The body as the platform reads it: the freedesktop service takes a subset of HTML, so a
/// "R&D" or "<EU>" in a deck's name or path would be read as markup.
fn notification_body(text: &str) -> String {
    if cfg!(all(unix, not(target_os = "macos"))) {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        text.to_owned()
    }
}

/// macOS shows a notification as the application a bundle identifier names: ours when running
/// from the app bundle, Terminal's for a binary run from target/ (no bundle has its name).
#[cfg(target_os = "macos")]
fn set_notifying_application(handle: &tauri::AppHandle) {
    let bundled = std::env::current_exe().is_ok_and(|exe| {
        exe.parent()
            .is_some_and(|dir| dir.ends_with("Contents/MacOS"))
    });
    let identifier = if bundled {
        handle.config().identifier.as_str()
    } else {
        "com.apple.Terminal"
    };
    if let Err(e) = notify_rust::set_application(identifier) {
        tracing::warn!(error = %e, identifier, "system notifications will name another application");
    }
}

pub fn run() -> ExitCode {
    let telemetry = match pw_telemetry::Telemetry::init("info,tao=warn,wry=warn") {
        Ok(telemetry) => Arc::new(telemetry),
        Err(error) => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "ProfitWheel could not set up logging: {error}"
            );
            return ExitCode::FAILURE;
        }
    };
    let open_demo = std::env::args().any(|arg| arg == "--demo");
    let builder = ipc::specta_builder();
    let invoke_handler = builder.invoke_handler();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(invoke_handler)
        .setup(move |app| {
            builder.mount_events(app);
            let slot = EngineSlot(tauri::async_runtime::block_on(start_engine(open_demo, telemetry.clone())));
            match &slot.0 {
                Ok(engine) => {
                    #[cfg(target_os = "macos")]
                    set_notifying_application(app.handle());
                    forward_job_events(app.handle().clone(), engine.clone());
                    forward_session_events(app.handle().clone(), engine.clone());
                }
                Err(e) => tracing::error!(kind = ?e.kind, message = %e.message, "the engine could not start"),
            }
            app.manage(slot);
            app.manage(agents::RunningAgents::default());
            Ok(())
        })
        .build(tauri::generate_context!("../tauri.conf.json"));
    let app = match app {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "the desktop shell could not start");
            return ExitCode::FAILURE;
        }
    };
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            // Hand running jobs back to the queue so they resume on the next start.
            if let Ok(engine) = handle.state::<EngineSlot>().get() {
                tauri::async_runtime::block_on(engine.shutdown());
            }
        }
    });
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::notification_body;

    #[test]
    #[cfg(all(unix, not(target_os = "macos")))]
    fn a_notifications_text_is_never_read_as_markup_on_linux() {
        assert_eq!(
            notification_body("Delivered to /decks/R&D <EU> review.pdf"),
            "Delivered to /decks/R&amp;D &lt;EU&gt; review.pdf"
        );
    }
}
