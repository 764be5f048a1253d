//! The workspaces context: workspaces and the ad data in them, the dashboard read model, demo
//! workspaces, and workspace files (export and import, now or as a job).
//!
//! The types below are the workspaces API of the engine. Some are the store's own rows today;
//! callers name them through this module, so when the repositories move out of `pw-store` into
//! this context no caller changes.

mod dashboard;
mod handlers;

use std::path::{Path, PathBuf};

use pw_domain::{Currency, DateRange};
use pw_jobs::{Job, JobSpec, Lane};
use pw_workspaces::{NewWorkspace, WorkspaceStore};

use crate::error::{EngineError, Result};
use crate::{Engine, paths};

pub use dashboard::{CurrencySection, Dashboard, PlatformSeries, SeriesPoint};
pub(crate) use handlers::job_kinds;
pub use handlers::{DEMO_JOB_KIND, EXPORT_JOB_KIND};
/// A workspace file as exported: its tables and blobs.
pub use pw_store::WorkspaceFile;
/// A campaign's totals over a range, in its account's currency.
pub use pw_workspaces::CampaignTotals;
/// A workspace: name, brand, currency, time zone, whether it is a demo.
pub use pw_workspaces::Workspace;
/// A workspace with what the switcher shows beside it.
pub use pw_workspaces::WorkspaceOverview;

/// What a person types to create a workspace.
#[derive(Debug, Clone)]
pub struct CreateWorkspace {
    pub name: String,
    pub brand: String,
    pub currency: String,
    pub time_zone: String,
}

/// The folder workspace exports are written to.
pub(crate) fn exports_dir(engine: &Engine) -> PathBuf {
    engine.config.data_dir.join("exports")
}

/// The engine's workspaces, as `engine.workspaces()` hands them out.
pub struct Workspaces<'e> {
    engine: &'e Engine,
}

impl<'e> Workspaces<'e> {
    pub(crate) fn new(engine: &'e Engine) -> Self {
        Workspaces { engine }
    }

    fn store(&self) -> WorkspaceStore<'e> {
        WorkspaceStore::new(&self.engine.db)
    }

    pub async fn list(&self) -> Result<Vec<WorkspaceOverview>> {
        Ok(self.store().list_workspaces().await?)
    }

    pub async fn overview(&self, id: &str) -> Result<WorkspaceOverview> {
        self.list()
            .await?
            .into_iter()
            .find(|w| w.workspace.id == id)
            .ok_or_else(|| EngineError::WorkspaceNotFound(id.to_owned()))
    }

    /// Finds a workspace by id or by exact name (what CLI users type).
    pub async fn find(&self, id_or_name: &str) -> Result<WorkspaceOverview> {
        self.list()
            .await?
            .into_iter()
            .find(|w| w.workspace.id == id_or_name || w.workspace.name == id_or_name)
            .ok_or_else(|| EngineError::WorkspaceNotFound(id_or_name.to_owned()))
    }

    pub async fn create(&self, request: CreateWorkspace) -> Result<WorkspaceOverview> {
        let currency: Currency = request
            .currency
            .parse()
            .map_err(|e| EngineError::InvalidInput(format!("{e}")))?;
        let workspace = self
            .store()
            .create_workspace(&NewWorkspace {
                name: request.name,
                brand: request.brand,
                currency,
                time_zone: request.time_zone,
                is_demo: false,
            })
            .await?;
        self.overview(&workspace.id).await
    }

    pub async fn delete(&self, id: &str) -> Result<()> {
        Ok(self.store().delete_workspace(id).await?)
    }

    /// Exports a workspace to `path` now (the CLI's path; the UI uses the export job).
    pub async fn export(&self, id: &str, path: &Path) -> Result<WorkspaceFile> {
        Ok(self.engine.db.export_workspace_to(id, path, |_| {}).await?)
    }

    /// Imports a workspace file; a malformed or conflicting file changes nothing.
    pub async fn import(&self, path: &Path) -> Result<WorkspaceOverview> {
        let file = WorkspaceFile::read(path).await?;
        let id = self.engine.db.import_workspace(&file).await?;
        self.overview(&id).await
    }

    /// Enqueues an export of a workspace to the exports folder, as a slow-lane job with progress.
    pub async fn start_export(&self, workspace_id: &str) -> Result<Job> {
        let workspace = self.store().workspace(workspace_id).await?;
        let spec = JobSpec::new(
            EXPORT_JOB_KIND,
            format!("Export “{}”", workspace.name),
            Lane::Slow,
        )
        .workspace(workspace_id)
        .payload(serde_json::json!({ "workspace_id": workspace_id }));
        Ok(self.engine.queue.enqueue(spec).await?)
    }

    /// Enqueues the creation of a new demo workspace; returns its job.
    pub async fn start_demo(&self) -> Result<Job> {
        let names: Vec<String> = self
            .list()
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
        Ok(self.engine.queue.enqueue(spec).await?)
    }

    pub async fn dashboard(
        &self,
        workspace_id: &str,
        range: Option<DateRange>,
    ) -> Result<Dashboard> {
        dashboard::build(&self.engine.db, workspace_id, range).await
    }
}
