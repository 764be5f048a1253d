//! The engine: every use case of ProfitWheel, callable from the desktop shell, the `profitwheel`
//! CLI and tests alike. It owns the composition of the store, the job lanes and the workers, and
//! the job handlers that do product work (demo generation, workspace export).
//!
//! It never knows about Tauri, IPC wire formats or terminals: callers convert its types.

mod dashboard;
mod error;
mod handlers;
mod language_models;
mod paths;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pw_domain::DateRange;
use pw_jobs::{Job, JobQueue, JobRunner, JobSpec, JobState, Lane, RunnerConfig, Scheduler};
use pw_store::{Database, NewWorkspace, WorkspaceFile};
use tokio::sync::{Mutex, broadcast};

pub use dashboard::{CurrencySection, Dashboard, PlatformSeries, SeriesPoint};
pub use error::{EngineError, ErrorKind, Result};
pub use handlers::{DEMO_JOB_KIND, EXPORT_JOB_KIND, MODEL_DOWNLOAD_JOB_KIND};
pub use language_models::{
    LOCAL_VENDOR, LocalModelStatus, ModelSettings, TASKS, TaskRoute, TraceExportConfig,
    TraceExportSettings, TraceExportSink, VendorCheck, VendorInput, VendorView,
};
pub use paths::default_data_dir;
pub use pw_domain::{Currency, KpiKey, KpiNumber, KpiUnit, KpiValue, Micros, Platform};
pub use pw_jobs::{Job as JobRecord, JobEvent, JobState as JobStatus, Lane as JobLane};
pub use pw_llm::{
    CacheMode, CallScope, ChatMessage, ChatReply, ChatRequest, ModelInfo, Route, Task, Usage,
    VendorKind,
};
pub use pw_secrets::Secret;
pub use pw_store::{CampaignTotals, Workspace, WorkspaceOverview};
pub use pw_store::{SpendByDay, SpendByModel, Study, StudyKind, StudySpend, WorkspaceSpend};

/// Where the engine keeps its files, and how its workers run.
#[derive(Clone)]
pub struct EngineConfig {
    pub data_dir: PathBuf,
    pub runner: RunnerConfig,
    /// Where the local model files are (`smollm2/`, `all-minilm-l6-v2/`).
    pub models_dir: PathBuf,
    /// The keychain service keys are filed under; tests use their own.
    pub keychain_service: String,
    /// Receives the trace export settings at start and after each change.
    pub trace_export: Option<TraceExportSink>,
}

impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("data_dir", &self.data_dir)
            .field("models_dir", &self.models_dir)
            .field("keychain_service", &self.keychain_service)
            .finish_non_exhaustive()
    }
}

impl EngineConfig {
    /// Models live in `models/` inside the data folder unless `PROFITWHEEL_MODELS_DIR` says
    /// otherwise (a development checkout shares one copy between runs).
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        let models_dir = std::env::var_os("PROFITWHEEL_MODELS_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("models"));
        EngineConfig {
            data_dir,
            runner: RunnerConfig::default(),
            models_dir,
            // Another service name keeps a second profile's (or a test's) keys apart.
            keychain_service: std::env::var("PROFITWHEEL_KEYCHAIN_SERVICE")
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| pw_secrets::SERVICE.to_owned()),
            trace_export: None,
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("profitwheel.sqlite3")
    }
}

/// What a person types to create a workspace.
#[derive(Debug, Clone)]
pub struct CreateWorkspace {
    pub name: String,
    pub brand: String,
    pub currency: String,
    pub time_zone: String,
}

pub struct Engine {
    config: EngineConfig,
    db: Database,
    queue: JobQueue,
    scheduler: Scheduler,
    runner: Mutex<Option<JobRunner>>,
    schedule_ticker: Mutex<Option<tokio::task::JoinHandle<()>>>,
    models: language_models::LanguageModels,
}

impl Engine {
    /// Opens (or creates) the data folder and its database. Workers are not started: a CLI
    /// command that only reads should not pick up background work.
    pub async fn open(config: EngineConfig) -> Result<Arc<Engine>> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| EngineError::Io {
            path: config.data_dir.clone(),
            source: e,
        })?;
        let db = Database::open(&config.database_path()).await?;
        let queue = JobQueue::new(db.clone());
        let scheduler = Scheduler::new(queue.clone());
        let models = language_models::LanguageModels::new(
            db.clone(),
            pw_secrets::Keychain::with_service(config.keychain_service.clone()),
            config.models_dir.clone(),
        );
        let engine = Arc::new(Engine {
            config,
            db,
            queue,
            scheduler,
            runner: Mutex::new(None),
            schedule_ticker: Mutex::new(None),
            models,
        });
        engine.apply_trace_export().await;
        Ok(engine)
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    pub fn exports_dir(&self) -> PathBuf {
        self.config.data_dir.join("exports")
    }

    /// Starts the job workers (and the schedule ticker). Jobs left running by a process that
    /// died are recovered as their leases expire.
    pub async fn start_workers(self: &Arc<Self>) {
        let mut runner = self.runner.lock().await;
        if runner.is_some() {
            return;
        }
        let handlers = handlers::all(Arc::downgrade(self));
        *runner = Some(JobRunner::start(
            self.queue.clone(),
            self.config.runner.clone(),
            handlers,
        ));
        let scheduler = self.scheduler.clone();
        *self.schedule_ticker.lock().await = Some(tokio::spawn(async move {
            // Ticking every 30 s also catches up after a sleep: the first tick after waking
            // sees the missed fires.
            let mut interval = tokio::time::interval(std::time::Duration::from_secs(30));
            loop {
                interval.tick().await;
                if let Err(e) = scheduler.tick(pw_jobs::now_ms()).await {
                    tracing::warn!(error = %e, "schedule tick failed");
                }
            }
        }));
    }

    /// Stops the workers, handing running jobs back to the queue for the next start.
    pub async fn shutdown(&self) {
        if let Some(ticker) = self.schedule_ticker.lock().await.take() {
            ticker.abort();
        }
        if let Some(runner) = self.runner.lock().await.take() {
            runner.shutdown().await;
        }
        self.db.close().await;
    }

    // Workspaces

    pub async fn list_workspaces(&self) -> Result<Vec<WorkspaceOverview>> {
        Ok(self.db.list_workspaces().await?)
    }

    pub async fn workspace_overview(&self, id: &str) -> Result<WorkspaceOverview> {
        self.list_workspaces()
            .await?
            .into_iter()
            .find(|w| w.workspace.id == id)
            .ok_or_else(|| EngineError::WorkspaceNotFound(id.to_owned()))
    }

    /// Finds a workspace by id or by exact name (what CLI users type).
    pub async fn find_workspace(&self, id_or_name: &str) -> Result<WorkspaceOverview> {
        self.list_workspaces()
            .await?
            .into_iter()
            .find(|w| w.workspace.id == id_or_name || w.workspace.name == id_or_name)
            .ok_or_else(|| EngineError::WorkspaceNotFound(id_or_name.to_owned()))
    }

    pub async fn create_workspace(&self, request: CreateWorkspace) -> Result<WorkspaceOverview> {
        let currency: Currency = request
            .currency
            .parse()
            .map_err(|e| EngineError::InvalidInput(format!("{e}")))?;
        let workspace = self
            .db
            .create_workspace(&NewWorkspace {
                name: request.name,
                brand: request.brand,
                currency,
                time_zone: request.time_zone,
                is_demo: false,
            })
            .await?;
        self.workspace_overview(&workspace.id).await
    }

    pub async fn delete_workspace(&self, id: &str) -> Result<()> {
        Ok(self.db.delete_workspace(id).await?)
    }

    /// Exports a workspace to `path` now (the CLI's path; the UI uses the export job).
    pub async fn export_workspace(&self, id: &str, path: &Path) -> Result<WorkspaceFile> {
        Ok(self.db.export_workspace_to(id, path, |_| {}).await?)
    }

    /// Imports a workspace file; a malformed or conflicting file changes nothing.
    pub async fn import_workspace(&self, path: &Path) -> Result<WorkspaceOverview> {
        let file = WorkspaceFile::read(path).await?;
        let id = self.db.import_workspace(&file).await?;
        self.workspace_overview(&id).await
    }

    // Demo

    /// Enqueues the creation of a new demo workspace; returns its job.
    pub async fn start_demo_workspace(&self) -> Result<Job> {
        let names: Vec<String> = self
            .list_workspaces()
            .await?
            .into_iter()
            .map(|w| w.workspace.name)
            .collect();
        let base = format!("{} (demo)", pw_demo::BRAND);
        let name = (1..)
            .map(|n| {
                if n == 1 {
                    base.clone()
                } else {
                    format!("{} (demo {n})", pw_demo::BRAND)
                }
            })
            .find(|candidate| !names.contains(candidate))
            .unwrap_or(base);
        let payload = handlers::DemoPayload {
            workspace_id: pw_domain::new_id(),
            workspace_name: name.clone(),
            seed: 20_261_125,
            end_date: paths::yesterday_in(pw_demo::TIME_ZONE),
        };
        let spec = JobSpec::new(
            DEMO_JOB_KIND,
            format!("Create demo workspace “{name}”"),
            Lane::Default,
        )
        .payload(
            serde_json::to_value(&payload).map_err(|e| EngineError::InvalidInput(e.to_string()))?,
        )
        .priority(1);
        // No workspace link yet: the job's workspace_id is a foreign key and the workspace row
        // does not exist until the handler creates it (and links it).
        Ok(self.queue.enqueue(spec).await?)
    }

    // Dashboard

    pub async fn dashboard(
        &self,
        workspace_id: &str,
        range: Option<DateRange>,
    ) -> Result<Dashboard> {
        dashboard::build(&self.db, workspace_id, range).await
    }

    // Language models

    /// Vendors (with "key configured", never the key), routes per task, offline mode and the
    /// local models' state.
    pub async fn model_settings(&self) -> Result<ModelSettings> {
        self.models.settings().await
    }

    pub async fn save_vendor(&self, input: VendorInput) -> Result<VendorView> {
        self.models.save_vendor(input).await
    }

    /// Files a vendor's key in the OS keychain.
    pub async fn set_vendor_key(&self, vendor: &str, key: Secret) -> Result<()> {
        self.models.set_vendor_key(vendor, key).await
    }

    pub async fn remove_vendor(&self, vendor: &str) -> Result<()> {
        self.models.remove_vendor(vendor).await
    }

    /// One cheap call (a one-token reply) to check a vendor's key and address.
    pub async fn test_vendor(&self, vendor: &str, model: Option<String>) -> Result<VendorCheck> {
        self.models.test_vendor(vendor, model).await
    }

    /// The models that answer `task`, first choice first (empty: the local model).
    pub async fn set_task_route(&self, task: Task, chain: Vec<Route>) -> Result<()> {
        self.models.set_route(task, chain).await
    }

    pub async fn set_offline(&self, offline: bool) -> Result<()> {
        self.models.set_offline(offline).await
    }

    pub async fn set_workspace_model(
        &self,
        workspace_id: &str,
        route: Option<Route>,
    ) -> Result<()> {
        self.models.set_workspace_model(workspace_id, route).await
    }

    /// Starts downloading a GGUF model from `url` into the models folder, as a slow-lane job
    /// with progress that resumes after a dropped connection and checks `sha256` if given.
    pub async fn start_model_download(&self, url: &str, sha256: Option<String>) -> Result<Job> {
        let file_name = pw_local_llm::gguf_file_name(url)
            .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
        let sha256 = sha256
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty());
        if let Some(sum) = &sha256
            && (sum.len() != 64 || !sum.chars().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(EngineError::InvalidInput(
                "a SHA-256 checksum is 64 hexadecimal characters".into(),
            ));
        }
        let payload = handlers::ModelDownloadPayload {
            url: url.to_owned(),
            file_name: file_name.clone(),
            sha256,
        };
        let spec = JobSpec::new(
            MODEL_DOWNLOAD_JOB_KIND,
            format!("Download model {file_name}"),
            Lane::Slow,
        )
        .payload(
            serde_json::to_value(&payload).map_err(|e| EngineError::InvalidInput(e.to_string()))?,
        );
        Ok(self.queue.enqueue(spec).await?)
    }

    /// Makes the local chat model load from a GGUF file (`None`: the bundled SmolLM2).
    pub async fn set_local_chat_model(&self, path: Option<PathBuf>) -> Result<()> {
        self.models.set_local_chat_model(path).await
    }

    pub async fn trace_export(&self) -> Result<TraceExportSettings> {
        self.models.trace_export().await
    }

    /// Sets where model-call traces go (`None`: nowhere) and the share sampled; `headers`
    /// ("Name: value" lines) are kept in the keychain. The process's exporter follows at once.
    pub async fn set_trace_export(
        &self,
        endpoint: Option<String>,
        sample_rate: f64,
        headers: Option<Secret>,
    ) -> Result<()> {
        self.models
            .set_trace_export(endpoint, sample_rate, headers)
            .await?;
        self.apply_trace_export().await;
        Ok(())
    }

    async fn apply_trace_export(&self) {
        let Some(sink) = &self.config.trace_export else {
            return;
        };
        match self.models.trace_export_config().await {
            Ok(config) => sink(config),
            // A locked keychain must not stop the app; traces simply stay local.
            Err(error) => tracing::warn!(%error, "trace export stays off"),
        }
    }

    /// The model catalogue with the user's edits applied.
    pub async fn model_catalogue(&self) -> Result<Vec<ModelInfo>> {
        self.models.catalogue_models().await
    }

    /// Models that routes or workspaces use but nobody has priced, first by vendor: shown as
    /// "price unknown" beside the catalogue until a price is set.
    pub async fn unpriced_models(&self) -> Result<Vec<Route>> {
        self.models.unpriced_models().await
    }

    pub async fn edit_model_price(&self, model: ModelInfo) -> Result<()> {
        self.models.edit_model(model).await
    }

    /// A chat reply through the gateway, for the request's task and scope.
    pub async fn chat(&self, request: &ChatRequest) -> Result<ChatReply> {
        self.models.chat(request).await
    }

    /// The gateway itself, for engine features that stream or ask for structured answers.
    pub async fn gateway(&self) -> Result<Arc<pw_llm::Gateway>> {
        self.models.gateway().await
    }

    /// What a workspace's model calls cost: totals, per day over `days`, per model, per study.
    pub async fn workspace_spend(&self, workspace_id: &str, days: u32) -> Result<WorkspaceSpend> {
        Ok(self.db.workspace_spend(workspace_id, days).await?)
    }

    // Studies

    pub async fn create_study(
        &self,
        workspace_id: &str,
        kind: StudyKind,
        title: &str,
        budget_micros: Option<i64>,
    ) -> Result<Study> {
        Ok(self
            .db
            .create_study(&pw_store::NewStudy {
                workspace_id: workspace_id.to_owned(),
                kind,
                title: title.to_owned(),
                brief: String::new(),
                budget_micros,
            })
            .await?)
    }

    pub async fn studies(&self, workspace_id: &str) -> Result<Vec<Study>> {
        Ok(self.db.studies(workspace_id).await?)
    }

    /// Caps (or, with `None`, uncaps) a study's model spend. Calls stop once it is reached.
    pub async fn set_study_budget(&self, study_id: &str, budget_micros: Option<i64>) -> Result<()> {
        self.db.set_study_budget(study_id, budget_micros).await?;
        self.models.study_budget_changed(study_id, budget_micros);
        Ok(())
    }

    // Jobs

    pub async fn list_jobs(&self, state: Option<JobState>, limit: u32) -> Result<Vec<Job>> {
        Ok(self.queue.list(state, limit).await?)
    }

    pub async fn job(&self, id: &str) -> Result<Job> {
        Ok(self.queue.get(id).await?)
    }

    pub async fn retry_job(&self, id: &str) -> Result<Job> {
        Ok(self.queue.retry(id).await?)
    }

    pub async fn cancel_job(&self, id: &str) -> Result<Job> {
        Ok(self.queue.cancel(id).await?)
    }

    /// Enqueues an export of a workspace to the exports folder, as a slow-lane job with progress.
    pub async fn start_workspace_export(&self, workspace_id: &str) -> Result<Job> {
        let workspace = self.db.workspace(workspace_id).await?;
        let spec = JobSpec::new(
            EXPORT_JOB_KIND,
            format!("Export “{}”", workspace.name),
            Lane::Slow,
        )
        .workspace(workspace_id)
        .payload(serde_json::json!({ "workspace_id": workspace_id }));
        Ok(self.queue.enqueue(spec).await?)
    }

    /// Live job changes, for progress bars.
    pub fn subscribe_jobs(&self) -> broadcast::Receiver<JobEvent> {
        self.queue.subscribe()
    }

    /// Waits until a job is finished (succeeded, failed or cancelled), calling `on_change` with
    /// each change. Workers must be running in this process or another.
    pub async fn wait_for_job(&self, id: &str, mut on_change: impl FnMut(&Job)) -> Result<Job> {
        let mut events = self.subscribe_jobs();
        let mut job = self.job(id).await?;
        on_change(&job);
        while !job.state.is_finished() {
            match tokio::time::timeout(std::time::Duration::from_millis(500), events.recv()).await {
                Ok(Ok(JobEvent::Changed(changed))) if changed.id == id => {
                    job = changed;
                    on_change(&job);
                }
                Ok(Ok(_)) => {}
                // Lagged, closed or quiet (the job may run in another process): read it again.
                _ => {
                    let fresh = self.job(id).await?;
                    if fresh != job {
                        job = fresh;
                        on_change(&job);
                    }
                }
            }
        }
        Ok(job)
    }
}
