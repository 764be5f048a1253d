//! Tauri commands: convert the input, call the engine, convert the output. No business logic.

use std::sync::Arc;

use pw_engine::Engine;
use pw_engine::evidence::FacetField;
use pw_ipc::{
    AddMemoryNoteRequest, AppInfo, AudienceSignalsRequest, AudienceView, CreateTwinsRequest,
    CreateWorkspaceRequest, Dashboard, DashboardRequest, EditMemoryRequest, EditTwinRequest,
    EstimateFocusGroupRequest, EstimateInterviewRequest, EvidenceRowView, ExportInsightsRequest,
    GroundingReportsRequest, InsightsView, IpcError, JobView, MemoryView, ModelDownloadRequest,
    ModelPrice, ModelSettingsView, ModelSpend, ModelSpendRequest, ReplayView, ReportFormatView,
    ReportSummaryView, ReportView, SaveVendorRequest, SearchPageView, SearchRequestView,
    SessionCommandRequest, SessionDetailView, SessionPlanView, SessionSummaryView,
    SignalEvidenceView, SignalView, StartFocusGroupRequest, StartInterviewRequest,
    StudyBudgetRequest, TaskModelsRequest, TraceExportRequest, TraceExportView, TwinSummaryView,
    TwinVersionView, TwinView, TwinsRequest, VendorCheckResult, VendorKeyRequest, VendorSummary,
    WorkspaceExportRequest, WorkspaceModelRequest, WorkspaceSummary,
};
use pw_ipc::{
    ColumnMapView, CrosstabRequest, CrosstabView, ExampleSurveyView, ExportResultsRequest,
    ExportSurveyReportRequest, FidelityRequest, FidelityView, HumanSetView, ImportHumanRequest,
    ImportSurveyRequest, PreviewRequest, PreviewStepView, ResultsRequest, StartSurveyReportRequest,
    StartSurveyRunRequest, StartedSurveyRunView, SurveyDesignView, SurveyReportView,
    SurveyResultsView, SurveyRunView, SurveySummaryView, UpdateSurveyRequest,
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
        .workspaces()
        .list()
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
        .workspaces()
        .create(request.into())
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn start_demo_workspace(slot: State<'_, EngineSlot>) -> Result<JobView, IpcError> {
    Ok(engine(&slot)?.workspaces().start_demo().await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn get_dashboard(
    slot: State<'_, EngineSlot>,
    request: DashboardRequest,
) -> Result<Dashboard, IpcError> {
    let range = request.range.map(TryInto::try_into).transpose()?;
    Ok(engine(&slot)?
        .workspaces()
        .dashboard(request.workspace_id.parse()?, range)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn list_jobs(slot: State<'_, EngineSlot>) -> Result<Vec<JobView>, IpcError> {
    Ok(engine(&slot)?
        .jobs()
        .list(None, 200)
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
        .workspaces()
        .start_export(request.workspace_id.parse()?)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn retry_job(slot: State<'_, EngineSlot>, job_id: String) -> Result<JobView, IpcError> {
    Ok(engine(&slot)?.jobs().retry(&job_id).await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_job(slot: State<'_, EngineSlot>, job_id: String) -> Result<JobView, IpcError> {
    Ok(engine(&slot)?.jobs().cancel(&job_id).await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn get_model_settings(
    slot: State<'_, EngineSlot>,
) -> Result<ModelSettingsView, IpcError> {
    Ok(engine(&slot)?.models().settings().await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn save_vendor(
    slot: State<'_, EngineSlot>,
    request: SaveVendorRequest,
) -> Result<VendorSummary, IpcError> {
    Ok(engine(&slot)?
        .models()
        .save_vendor(request.into())
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn set_vendor_key(
    slot: State<'_, EngineSlot>,
    request: VendorKeyRequest,
) -> Result<(), IpcError> {
    let VendorKeyRequest { vendor, key } = request;
    Ok(engine(&slot)?
        .models()
        .set_vendor_key(&vendor, pw_engine::Secret::new(key))
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn remove_vendor(slot: State<'_, EngineSlot>, vendor: String) -> Result<(), IpcError> {
    Ok(engine(&slot)?.models().remove_vendor(&vendor).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn test_vendor(
    slot: State<'_, EngineSlot>,
    vendor: String,
    model: Option<String>,
) -> Result<VendorCheckResult, IpcError> {
    Ok(engine(&slot)?
        .models()
        .test_vendor(&vendor, model)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn set_task_models(
    slot: State<'_, EngineSlot>,
    request: TaskModelsRequest,
) -> Result<(), IpcError> {
    let chain = request.chain.into_iter().map(Into::into).collect();
    Ok(engine(&slot)?
        .models()
        .set_task_route(request.task.into(), chain)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_offline_mode(slot: State<'_, EngineSlot>, offline: bool) -> Result<(), IpcError> {
    Ok(engine(&slot)?.models().set_offline(offline).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_workspace_model(
    slot: State<'_, EngineSlot>,
    request: WorkspaceModelRequest,
) -> Result<(), IpcError> {
    Ok(engine(&slot)?
        .models()
        .set_workspace_model(request.workspace_id.parse()?, request.model.map(Into::into))
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_model_catalogue(slot: State<'_, EngineSlot>) -> Result<Vec<ModelPrice>, IpcError> {
    let engine = engine(&slot)?;
    let unpriced = engine.models().unpriced().await?;
    Ok(unpriced
        .into_iter()
        .map(ModelPrice::unknown)
        .chain(
            engine
                .models()
                .catalogue()
                .await?
                .into_iter()
                .map(Into::into),
        )
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn edit_model_price(
    slot: State<'_, EngineSlot>,
    price: ModelPrice,
) -> Result<(), IpcError> {
    let price = price.try_into()?;
    Ok(engine(&slot)?.models().edit_price(price).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_model_spend(
    slot: State<'_, EngineSlot>,
    request: ModelSpendRequest,
) -> Result<ModelSpend, IpcError> {
    Ok(engine(&slot)?
        .models()
        .workspace_spend(request.workspace_id.parse()?, request.days)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn set_study_budget(
    slot: State<'_, EngineSlot>,
    request: StudyBudgetRequest,
) -> Result<(), IpcError> {
    let budget = request
        .budget_micros
        .as_ref()
        .map(pw_ipc::Micros::parse)
        .transpose()?;
    Ok(engine(&slot)?
        .models()
        .set_study_budget(request.study_id.parse()?, budget)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn start_model_download(
    slot: State<'_, EngineSlot>,
    request: ModelDownloadRequest,
) -> Result<JobView, IpcError> {
    Ok(engine(&slot)?
        .models()
        .start_download(&request.url, request.sha256)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn set_local_chat_model(
    slot: State<'_, EngineSlot>,
    path: Option<String>,
) -> Result<(), IpcError> {
    Ok(engine(&slot)?
        .models()
        .set_local_chat_model(path.map(std::path::PathBuf::from))
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn get_trace_export(slot: State<'_, EngineSlot>) -> Result<TraceExportView, IpcError> {
    Ok(engine(&slot)?.models().trace_export().await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn set_trace_export(
    slot: State<'_, EngineSlot>,
    request: TraceExportRequest,
) -> Result<(), IpcError> {
    let TraceExportRequest {
        endpoint,
        sample_rate,
        headers,
    } = request;
    Ok(engine(&slot)?
        .models()
        .set_trace_export(endpoint, sample_rate, headers.map(pw_engine::Secret::new))
        .await?)
}

// Evidence: audiences, signals and the rows behind them, search, grounding reports.

#[tauri::command]
#[specta::specta]
pub async fn list_audiences(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
) -> Result<Vec<AudienceView>, IpcError> {
    Ok(engine(&slot)?
        .evidence()
        .audiences(workspace_id.parse()?)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn list_signals(
    slot: State<'_, EngineSlot>,
    request: AudienceSignalsRequest,
) -> Result<Vec<SignalView>, IpcError> {
    let audience = request.audience_id.as_deref().map(str::parse).transpose()?;
    Ok(engine(&slot)?
        .evidence()
        .signals(request.workspace_id.parse()?, audience)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Rows behind a signal shown at once; a segment of thousands of days is summarised by its
/// statement and shown in part.
const EVIDENCE_ROWS_SHOWN: usize = 200;

#[tauri::command]
#[specta::specta]
pub async fn get_signal_evidence(
    slot: State<'_, EngineSlot>,
    signal_id: String,
) -> Result<SignalEvidenceView, IpcError> {
    let engine = engine(&slot)?;
    let signal_id = signal_id.parse()?;
    let signal = engine.evidence().signal(signal_id).await?;
    let rows = engine
        .evidence()
        .evidence_rows(signal_id, EVIDENCE_ROWS_SHOWN)
        .await?;
    Ok(SignalEvidenceView {
        signal: signal.into(),
        rows: rows.into_iter().map(Into::into).collect(),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn start_signal_build(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
) -> Result<JobView, IpcError> {
    Ok(engine(&slot)?
        .evidence()
        .start_signal_build(workspace_id.parse()?)
        .await?
        .into())
}

/// The row a search hit came from, whole: what a mention, search term, behaviour or creative
/// says, with its figures.
#[tauri::command]
#[specta::specta]
pub async fn get_search_source(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
    kind: String,
    id: String,
) -> Result<EvidenceRowView, IpcError> {
    Ok(engine(&slot)?
        .evidence()
        .source_row(workspace_id.parse()?, pw_ipc::doc_kind(&kind)?, &id)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn search_workspace(
    slot: State<'_, EngineSlot>,
    request: SearchRequestView,
) -> Result<SearchPageView, IpcError> {
    let engine = engine(&slot)?;
    let workspace = request.workspace_id.parse()?;
    let page = engine
        .evidence()
        .search(workspace, &request.query()?)
        .await?;
    let audiences = engine.evidence().audiences(workspace).await?;
    Ok(SearchPageView::new(page, |field, value| {
        match field {
            FacetField::Audience => audiences
                .iter()
                .find(|a| a.id.to_string() == value)
                .map(|a| a.name.clone()),
            _ => None,
        }
        .unwrap_or_else(|| value.replace('_', " "))
    }))
}

#[tauri::command]
#[specta::specta]
pub async fn start_index_rebuild(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
) -> Result<JobView, IpcError> {
    Ok(engine(&slot)?
        .evidence()
        .start_index_rebuild(workspace_id.parse()?)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn list_reports(
    slot: State<'_, EngineSlot>,
    request: AudienceSignalsRequest,
) -> Result<Vec<ReportSummaryView>, IpcError> {
    let audience = request.audience_id.as_deref().map(str::parse).transpose()?;
    Ok(engine(&slot)?
        .evidence()
        .reports(request.workspace_id.parse()?, audience)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn get_report(
    slot: State<'_, EngineSlot>,
    report_id: String,
) -> Result<ReportView, IpcError> {
    Ok(engine(&slot)?
        .evidence()
        .report(report_id.parse()?)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn start_grounding_reports(
    slot: State<'_, EngineSlot>,
    request: GroundingReportsRequest,
) -> Result<JobView, IpcError> {
    let audience = request.audience_id.as_deref().map(str::parse).transpose()?;
    let kinds: Vec<_> = request.kinds.into_iter().map(Into::into).collect();
    Ok(engine(&slot)?
        .evidence()
        .start_reports(request.workspace_id.parse()?, audience, &kinds)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn create_twins(
    slot: State<'_, EngineSlot>,
    request: CreateTwinsRequest,
) -> Result<JobView, IpcError> {
    let seed = request.seed()?;
    Ok(engine(&slot)?
        .twins()
        .start_create(
            request.workspace_id.parse()?,
            request.audience_id.parse()?,
            request.count as usize,
            seed,
        )
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn list_twins(
    slot: State<'_, EngineSlot>,
    request: TwinsRequest,
) -> Result<Vec<TwinSummaryView>, IpcError> {
    let audience = request.audience_id.map(|a| a.parse()).transpose()?;
    Ok(engine(&slot)?
        .twins()
        .list(request.workspace_id.parse()?, audience)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn get_twin(slot: State<'_, EngineSlot>, twin_id: String) -> Result<TwinView, IpcError> {
    Ok(engine(&slot)?.twins().twin(twin_id.parse()?).await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn list_twin_versions(
    slot: State<'_, EngineSlot>,
    twin_id: String,
) -> Result<Vec<TwinVersionView>, IpcError> {
    Ok(engine(&slot)?
        .twins()
        .versions(twin_id.parse()?)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn edit_twin(
    slot: State<'_, EngineSlot>,
    request: EditTwinRequest,
) -> Result<u32, IpcError> {
    let profile = request.profile.try_into()?;
    let version = engine(&slot)?
        .twins()
        .edit(
            request.twin_id.parse()?,
            i64::from(request.expected_version),
            &request.name,
            &profile,
            &request.note,
        )
        .await?;
    Ok(version as u32)
}

#[tauri::command]
#[specta::specta]
pub async fn edit_memory(
    slot: State<'_, EngineSlot>,
    request: EditMemoryRequest,
) -> Result<MemoryView, IpcError> {
    let edit = pw_engine::twins::MemoryEdit {
        content: request.content,
        importance: pw_ipc::importance(request.importance)?,
        note: request.note,
    };
    Ok(engine(&slot)?
        .twins()
        .edit_memory(
            request.memory_id.parse()?,
            i64::from(request.expected_version),
            &edit,
        )
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn add_memory_note(
    slot: State<'_, EngineSlot>,
    request: AddMemoryNoteRequest,
) -> Result<MemoryView, IpcError> {
    Ok(engine(&slot)?
        .twins()
        .add_note(
            request.twin_id.parse()?,
            &request.content,
            pw_ipc::importance(request.importance)?,
        )
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn retire_memory(slot: State<'_, EngineSlot>, memory_id: String) -> Result<(), IpcError> {
    Ok(engine(&slot)?
        .twins()
        .retire_memory(memory_id.parse()?)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn estimate_focus_group(
    slot: State<'_, EngineSlot>,
    request: EstimateFocusGroupRequest,
) -> Result<SessionPlanView, IpcError> {
    Ok(engine(&slot)?
        .twins()
        .estimate_focus_group(
            request.workspace_id.parse()?,
            &request.guide,
            request.twins as usize,
        )
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn estimate_interview(
    slot: State<'_, EngineSlot>,
    request: EstimateInterviewRequest,
) -> Result<SessionPlanView, IpcError> {
    Ok(engine(&slot)?
        .twins()
        .estimate_interview(request.workspace_id.parse()?, request.questions as usize)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn start_focus_group(
    slot: State<'_, EngineSlot>,
    request: StartFocusGroupRequest,
) -> Result<SessionSummaryView, IpcError> {
    let seed = request.seed()?;
    let budget = request
        .budget_micros
        .as_ref()
        .map(|b| b.parse())
        .transpose()?;
    let twins = request
        .twin_ids
        .iter()
        .map(|id| id.parse())
        .collect::<Result<Vec<_>, _>>()?;
    let (session, _job) = engine(&slot)?
        .twins()
        .start_focus_group(
            request.workspace_id.parse()?,
            &request.guide,
            &twins,
            seed,
            budget,
        )
        .await?;
    Ok(session.into())
}

#[tauri::command]
#[specta::specta]
pub async fn start_interview(
    slot: State<'_, EngineSlot>,
    request: StartInterviewRequest,
) -> Result<SessionSummaryView, IpcError> {
    let seed = request.seed()?;
    let budget = request
        .budget_micros
        .as_ref()
        .map(|b| b.parse())
        .transpose()?;
    let (session, _job) = engine(&slot)?
        .twins()
        .start_interview(
            request.workspace_id.parse()?,
            request.twin_id.parse()?,
            &request.questions,
            seed,
            budget,
        )
        .await?;
    Ok(session.into())
}

#[tauri::command]
#[specta::specta]
pub async fn list_sessions(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
) -> Result<Vec<SessionSummaryView>, IpcError> {
    Ok(engine(&slot)?
        .twins()
        .sessions(workspace_id.parse()?)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn get_session(
    slot: State<'_, EngineSlot>,
    session_id: String,
) -> Result<SessionDetailView, IpcError> {
    Ok(engine(&slot)?
        .twins()
        .session(session_id.parse()?)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn command_session(
    slot: State<'_, EngineSlot>,
    request: SessionCommandRequest,
) -> Result<Option<JobView>, IpcError> {
    Ok(engine(&slot)?
        .twins()
        .command(
            request.session_id.parse()?,
            request.command.into(),
            &request.text,
        )
        .await?
        .map(Into::into))
}

#[tauri::command]
#[specta::specta]
pub async fn start_insights(
    slot: State<'_, EngineSlot>,
    session_id: String,
) -> Result<JobView, IpcError> {
    Ok(engine(&slot)?
        .twins()
        .start_insights(session_id.parse()?)
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn get_insights(
    slot: State<'_, EngineSlot>,
    session_id: String,
) -> Result<Option<InsightsView>, IpcError> {
    Ok(engine(&slot)?
        .twins()
        .insights(session_id.parse()?)
        .await?
        .map(Into::into))
}

/// Replays a session from the response cache with zero model calls.
#[tauri::command]
#[specta::specta]
pub async fn replay_session(
    slot: State<'_, EngineSlot>,
    session_id: String,
) -> Result<ReplayView, IpcError> {
    Ok(engine(&slot)?
        .twins()
        .replay(session_id.parse()?)
        .await?
        .into())
}

/// Writes the insights into the exports folder and returns the file's path.
#[tauri::command]
#[specta::specta]
pub async fn export_insights(
    slot: State<'_, EngineSlot>,
    request: ExportInsightsRequest,
) -> Result<String, IpcError> {
    let format = match request.format {
        ReportFormatView::Markdown => pw_engine::twins::ReportFormat::Markdown,
        ReportFormatView::Pdf => pw_engine::twins::ReportFormat::Pdf,
    };
    Ok(engine(&slot)?
        .twins()
        .export_insights_file(request.session_id.parse()?, format)
        .await?
        .display()
        .to_string())
}

fn survey_design(stored: pw_engine::surveys::StoredSurvey, json: String) -> SurveyDesignView {
    SurveyDesignView::new(stored, json)
}

#[tauri::command]
#[specta::specta]
pub async fn list_surveys(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
) -> Result<Vec<SurveySummaryView>, IpcError> {
    Ok(engine(&slot)?
        .surveys()
        .list(workspace_id.parse()?)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn get_survey(
    slot: State<'_, EngineSlot>,
    survey_id: String,
) -> Result<SurveyDesignView, IpcError> {
    let engine = engine(&slot)?;
    let id = survey_id.parse()?;
    let stored = engine.surveys().survey(id).await?;
    let json = engine.surveys().export(id).await?;
    Ok(survey_design(stored, json))
}

#[tauri::command]
#[specta::specta]
pub async fn import_survey(
    slot: State<'_, EngineSlot>,
    request: ImportSurveyRequest,
) -> Result<SurveyDesignView, IpcError> {
    let engine = engine(&slot)?;
    let stored = engine
        .surveys()
        .import(request.workspace_id.parse()?, &request.json)
        .await?;
    let json = engine.surveys().export(stored.summary.id).await?;
    Ok(survey_design(stored, json))
}

#[tauri::command]
#[specta::specta]
pub async fn update_survey(
    slot: State<'_, EngineSlot>,
    request: UpdateSurveyRequest,
) -> Result<SurveyDesignView, IpcError> {
    let engine = engine(&slot)?;
    let id = request.survey_id.parse()?;
    let stored = engine
        .surveys()
        .update(id, i64::from(request.expected_version), &request.json)
        .await?;
    let json = engine.surveys().export(id).await?;
    Ok(survey_design(stored, json))
}

#[tauri::command]
#[specta::specta]
pub async fn preview_survey(
    slot: State<'_, EngineSlot>,
    request: PreviewRequest,
) -> Result<Vec<PreviewStepView>, IpcError> {
    let engine = engine(&slot)?;
    let stored = engine.surveys().survey(request.survey_id.parse()?).await?;
    let survey = &stored.definition;
    let answers = request
        .answers
        .iter()
        .filter_map(|given| {
            let question = survey
                .questions
                .iter()
                .find(|q| q.id == given.question_id)?;
            pw_ipc::preview_answer(question.kind, &given.value).map(|a| (question.id.clone(), a))
        })
        .collect();
    Ok(engine
        .surveys()
        .preview(survey, &answers)
        .into_iter()
        .map(|step| PreviewStepView {
            question_id: survey.questions[step.question].id.clone(),
            shown: step.shown,
            reason: step.reason,
        })
        .collect())
}

/// A run with the job answering it, if one is queued or running.
async fn started(
    engine: &Engine,
    run: pw_engine::surveys::SurveyRun,
) -> Result<StartedSurveyRunView, IpcError> {
    let job = match &run.job_id {
        Some(id) if run.status.as_str() != "completed" => Some(engine.jobs().get(id).await?.into()),
        _ => None,
    };
    Ok(StartedSurveyRunView {
        run: run.into(),
        job,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn start_survey_run(
    slot: State<'_, EngineSlot>,
    request: StartSurveyRunRequest,
) -> Result<StartedSurveyRunView, IpcError> {
    let seed = request.seed()?;
    let universe = pw_engine::surveys::UniverseChoice {
        census: request.census,
        income: request.income,
        education: request
            .education
            .iter()
            .map(|s| (s.name.clone(), s.share))
            .collect(),
        segment_shares: Vec::new(),
        dimensions: Vec::new(),
        human_set: request.human_set_id.clone(),
    };
    let run = pw_engine::surveys::RunRequest {
        survey: request.survey_id.parse()?,
        respondents: request.respondents as usize,
        seed,
        universe,
        concurrency: Some(request.concurrency as usize),
    };
    let engine = engine(&slot)?;
    let run = engine
        .surveys()
        .start_run(request.workspace_id.parse()?, &run)
        .await?;
    started(&engine, run).await
}

#[tauri::command]
#[specta::specta]
pub async fn resume_survey_run(
    slot: State<'_, EngineSlot>,
    run_id: String,
) -> Result<StartedSurveyRunView, IpcError> {
    let engine = engine(&slot)?;
    let run = engine.surveys().resume(run_id.parse()?).await?;
    started(&engine, run).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_survey_runs(
    slot: State<'_, EngineSlot>,
    survey_id: String,
) -> Result<Vec<SurveyRunView>, IpcError> {
    Ok(engine(&slot)?
        .surveys()
        .runs(survey_id.parse()?)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn get_survey_run(
    slot: State<'_, EngineSlot>,
    run_id: String,
) -> Result<SurveyRunView, IpcError> {
    Ok(engine(&slot)?.surveys().run(run_id.parse()?).await?.into())
}

fn result_options(weighted: bool, temperature: f64) -> pw_engine::surveys::ResultOptions {
    pw_engine::surveys::ResultOptions {
        weighted,
        temperature,
    }
}

#[tauri::command]
#[specta::specta]
pub async fn get_survey_results(
    slot: State<'_, EngineSlot>,
    request: ResultsRequest,
) -> Result<SurveyResultsView, IpcError> {
    Ok(engine(&slot)?
        .surveys()
        .results(
            request.run_id.parse()?,
            &result_options(request.weighted, request.temperature),
        )
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn get_survey_crosstab(
    slot: State<'_, EngineSlot>,
    request: CrosstabRequest,
) -> Result<CrosstabView, IpcError> {
    Ok(engine(&slot)?
        .surveys()
        .crosstab(
            request.run_id.parse()?,
            &request.question_id,
            &request.dimension,
            request.weighted,
        )
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn import_human_answers(
    slot: State<'_, EngineSlot>,
    request: ImportHumanRequest,
) -> Result<HumanSetView, IpcError> {
    let pairs = |maps: &[ColumnMapView]| -> Vec<(String, String)> {
        maps.iter()
            .map(|m| (m.name.clone(), m.column.clone()))
            .collect()
    };
    Ok(engine(&slot)?
        .surveys()
        .import_human_for_run(
            request.run_id.parse()?,
            &request.name,
            &request.csv,
            &pairs(&request.questions),
            &pairs(&request.dimensions),
        )
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn list_human_sets(
    slot: State<'_, EngineSlot>,
    survey_id: String,
) -> Result<Vec<HumanSetView>, IpcError> {
    Ok(engine(&slot)?
        .surveys()
        .human_sets(survey_id.parse()?)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
pub async fn get_survey_fidelity(
    slot: State<'_, EngineSlot>,
    request: FidelityRequest,
) -> Result<FidelityView, IpcError> {
    Ok(engine(&slot)?
        .surveys()
        .fidelity(
            request.run_id.parse()?,
            &request.human_set_id,
            request.by.as_deref(),
            &result_options(request.weighted, request.temperature),
        )
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn import_anes96(
    slot: State<'_, EngineSlot>,
    workspace_id: String,
) -> Result<ExampleSurveyView, IpcError> {
    let (survey, human_set) = engine(&slot)?
        .surveys()
        .import_anes96(workspace_id.parse()?)
        .await?;
    Ok(ExampleSurveyView {
        survey: survey.summary.into(),
        human_set: human_set.into(),
    })
}

/// Queues the analysis agent's report on a run.
#[tauri::command]
#[specta::specta]
pub async fn start_survey_report(
    slot: State<'_, EngineSlot>,
    request: StartSurveyReportRequest,
) -> Result<JobView, IpcError> {
    Ok(engine(&slot)?
        .surveys()
        .start_report(
            request.run_id.parse()?,
            &result_options(request.weighted, request.temperature),
        )
        .await?
        .into())
}

#[tauri::command]
#[specta::specta]
pub async fn get_survey_report(
    slot: State<'_, EngineSlot>,
    run_id: String,
) -> Result<Option<SurveyReportView>, IpcError> {
    Ok(engine(&slot)?
        .surveys()
        .report(run_id.parse()?)
        .await?
        .map(Into::into))
}

/// Writes the run's report into the exports folder and returns the file's path.
#[tauri::command]
#[specta::specta]
pub async fn export_survey_report(
    slot: State<'_, EngineSlot>,
    request: ExportSurveyReportRequest,
) -> Result<String, IpcError> {
    let format = match request.format {
        ReportFormatView::Markdown => pw_engine::surveys::ReportFormat::Markdown,
        ReportFormatView::Pdf => pw_engine::surveys::ReportFormat::Pdf,
    };
    Ok(engine(&slot)?
        .surveys()
        .export_report_file(request.run_id.parse()?, format)
        .await?
        .display()
        .to_string())
}

#[tauri::command]
#[specta::specta]
pub async fn export_survey_results(
    slot: State<'_, EngineSlot>,
    request: ExportResultsRequest,
) -> Result<String, IpcError> {
    let format = match request.format.as_str() {
        "csv" => pw_engine::surveys::ResultsFormat::Csv,
        "xlsx" => pw_engine::surveys::ResultsFormat::Xlsx,
        other => {
            return Err(IpcError::new(
                pw_ipc::ErrorKind::InvalidInput,
                format!("results export as \"{other}\": choose csv or xlsx"),
            ));
        }
    };
    Ok(engine(&slot)?
        .surveys()
        .export_results_file(
            request.run_id.parse()?,
            format,
            &result_options(request.weighted, request.temperature),
        )
        .await?
        .display()
        .to_string())
}
