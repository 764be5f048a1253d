//! The IPC surface in one place: the command and event list that both the running app and the
//! binding generator use, so the TypeScript in `ui/src/ipc/bindings.ts` cannot drift.

use std::path::Path;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri_specta::{Builder, Event, collect_commands, collect_events};

use crate::{agents, commands, connections, decks, enrichment};

/// A job changed state or progress. Carries the whole job so the panel never re-fetches.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub struct JobChanged(pub pw_ipc::JobView);

/// A running session took a step: a turn started, a token streamed, a turn was stored, its
/// status changed. The room appends tokens as they come and re-reads the session on the rest.
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub struct SessionChanged(pub pw_ipc::SessionEventView);

/// A copilot or specialist run took a step (under the request id its caller chose).
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub struct AgentStepChanged(pub pw_ipc::AgentStepEventView);

pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::app_info,
            commands::list_workspaces,
            commands::create_workspace,
            commands::start_demo_workspace,
            commands::get_dashboard,
            commands::list_jobs,
            commands::start_workspace_export,
            commands::retry_job,
            commands::cancel_job,
            commands::get_model_settings,
            commands::save_vendor,
            commands::set_vendor_key,
            commands::remove_vendor,
            commands::test_vendor,
            commands::set_task_models,
            commands::set_offline_mode,
            commands::set_workspace_model,
            commands::get_model_catalogue,
            commands::edit_model_price,
            commands::get_model_spend,
            commands::set_study_budget,
            commands::start_model_download,
            commands::set_local_chat_model,
            commands::get_trace_export,
            commands::set_trace_export,
            commands::list_audiences,
            commands::list_signals,
            commands::get_signal_evidence,
            commands::start_signal_build,
            commands::search_workspace,
            commands::get_search_source,
            commands::start_index_rebuild,
            commands::list_reports,
            commands::get_report,
            commands::start_grounding_reports,
            commands::list_surveys,
            commands::get_survey,
            commands::import_survey,
            commands::update_survey,
            commands::preview_survey,
            commands::start_survey_run,
            commands::resume_survey_run,
            commands::list_survey_runs,
            commands::get_survey_run,
            commands::get_survey_results,
            commands::get_survey_crosstab,
            commands::import_human_answers,
            commands::list_human_sets,
            commands::get_survey_fidelity,
            commands::import_anes96,
            commands::export_survey_results,
            commands::start_survey_report,
            commands::get_survey_report,
            commands::export_survey_report,
            commands::create_twins,
            commands::list_twins,
            commands::get_twin,
            commands::list_twin_versions,
            commands::edit_twin,
            commands::edit_memory,
            commands::add_memory_note,
            commands::retire_memory,
            commands::estimate_focus_group,
            commands::estimate_interview,
            commands::start_focus_group,
            commands::start_interview,
            commands::list_sessions,
            commands::get_session,
            commands::command_session,
            commands::start_insights,
            commands::get_insights,
            commands::export_insights,
            commands::replay_session,
            connections::list_connector_platforms,
            connections::list_connections,
            connections::connect_with_token,
            connections::begin_sign_in,
            connections::finish_sign_in,
            connections::cancel_sign_in,
            connections::remove_connection,
            connections::select_connection_accounts,
            connections::set_sync_schedule,
            connections::start_sync,
            connections::get_sync_run,
            enrichment::list_enrichment_keys,
            enrichment::set_enrichment_key,
            enrichment::remove_enrichment_key,
            enrichment::refresh_census,
            enrichment::search_web,
            agents::ask_copilot,
            agents::run_specialist,
            agents::stop_agent_run,
            agents::list_agent_runs,
            agents::get_agent_run,
            agents::list_specialists,
            agents::set_specialist_schedule,
            decks::get_deck_template,
            decks::preview_deck,
            decks::build_deck,
            decks::list_deck_files,
            decks::show_deck_file,
            decks::get_deck_theme,
            decks::check_deck_theme,
            decks::save_deck_theme,
            decks::list_deck_deliveries,
            decks::save_deck_delivery,
            decks::remove_deck_delivery,
            decks::deliver_deck_now,
        ])
        .events(collect_events![
            JobChanged,
            SessionChanged,
            AgentStepChanged
        ])
        .typ::<pw_ipc::IpcError>()
        // Integers here are micros and counts far below 2^53; see pw-ipc's crate docs.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per DTO: our wire types serialize and deserialize the same way.
        .disable_serde_phases()
}

/// Writes the TypeScript bindings to `path`.
pub fn export_bindings(path: &Path) -> anyhow::Result<()> {
    specta_builder()
        .export(specta_typescript::Typescript::default(), path)
        .map_err(|e| anyhow::anyhow!("exporting bindings to {}: {e}", path.display()))
}
