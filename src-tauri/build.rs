//! Builds the shell against the root `tauri.conf.json`, and generates an `allow-<command>`
//! permission per app command so capabilities can grant each window only what it uses.

/// Every command the shell registers; `ipc::tests` checks this list against the builder's.
const COMMANDS: &[&str] = &[
    "app_info",
    "list_workspaces",
    "create_workspace",
    "start_demo_workspace",
    "get_dashboard",
    "list_jobs",
    "start_workspace_export",
    "retry_job",
    "cancel_job",
    "get_model_settings",
    "save_vendor",
    "set_vendor_key",
    "remove_vendor",
    "test_vendor",
    "set_task_models",
    "set_offline_mode",
    "set_workspace_model",
    "get_model_catalogue",
    "edit_model_price",
    "get_model_spend",
    "set_study_budget",
    "start_model_download",
    "set_local_chat_model",
    "get_trace_export",
    "set_trace_export",
    "list_audiences",
    "list_signals",
    "get_signal_evidence",
    "start_signal_build",
    "search_workspace",
    "get_search_source",
    "start_index_rebuild",
    "list_reports",
    "get_report",
    "start_grounding_reports",
    "create_twins",
    "list_twins",
    "get_twin",
    "list_twin_versions",
    "edit_twin",
    "edit_memory",
    "add_memory_note",
    "retire_memory",
    "estimate_focus_group",
    "estimate_interview",
    "start_focus_group",
    "start_interview",
    "list_sessions",
    "get_session",
    "command_session",
    "start_insights",
    "get_insights",
    "export_insights",
    "replay_session",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
