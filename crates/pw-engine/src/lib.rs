//! The engine: every use case of ProfitWheel, callable from the desktop shell, the `profitwheel`
//! CLI and tests alike. It owns the composition of the store, the job lanes and the workers, and
//! the job handlers that do product work (demo generation, workspace export).
//!
//! It never knows about Tauri, IPC wire formats or terminals: callers convert its types.

mod dashboard;
mod error;
mod handlers;
mod paths;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pw_domain::{Currency, DateRange};
use pw_jobs::{
    Job, JobHandler, JobQueue, JobRunner, JobSpec, JobState, Lane, RunnerConfig, Scheduler,
};
use pw_store::{Database, NewWorkspace, WorkspaceFile};
use tokio::sync::{Mutex, broadcast};

pub use dashboard::{Dashboard, PlatformSeries, SeriesPoint};
pub use error::{EngineError, ErrorKind, Result};
pub use handlers::{DEMO_JOB_KIND, EXPORT_JOB_KIND};
pub use paths::default_data_dir;
pub use pw_domain::{KpiKey, KpiUnit, KpiValue, Platform};
pub use pw_jobs::{Job as JobRecord, JobEvent, JobState as JobStatus, Lane as JobLane};
pub use pw_store::{CampaignTotals, Workspace, WorkspaceOverview};

/// Where the engine keeps its files, and how its workers run.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub data_dir: PathBuf,
    pub runner: RunnerConfig,
}

impl EngineConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        EngineConfig {
            data_dir: data_dir.into(),
            runner: RunnerConfig::default(),
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
        Ok(Arc::new(Engine {
            config,
            db,
            queue,
            scheduler,
            runner: Mutex::new(None),
        }))
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
        let handlers: HashMap<String, Arc<dyn JobHandler>> = handlers::all(Arc::downgrade(self));
        *runner = Some(JobRunner::start(
            self.queue.clone(),
            self.config.runner.clone(),
            handlers,
        ));
        let scheduler = self.scheduler.clone();
        tokio::spawn(async move {
            // Ticking every 30 s also catches up after a sleep: the first tick after waking
            // sees the missed fires.
            let mut interval = tokio::time::interval(std::time::Duration::from_secs(30));
            loop {
                interval.tick().await;
                if let Err(e) = scheduler.tick(pw_jobs::now_ms()).await {
                    tracing::warn!(error = %e, "schedule tick failed");
                }
            }
        });
    }

    /// Stops the workers, handing running jobs back to the queue for the next start.
    pub async fn shutdown(&self) {
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
