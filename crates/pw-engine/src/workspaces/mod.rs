//! The workspaces context: workspaces and the ad data in them, the dashboard read model, demo
//! workspaces, and workspace files (export and import, now or as a job).
//!
//! The context lives in `pw-workspaces` (its use cases, repositories, dashboard and export job);
//! this module is the engine's facade over it, plus the demo job, which joins `pw-demo` to it.
//! The types below are the workspaces API of the engine: callers name them through this module,
//! never through `pw_workspaces` or `pw_store`.

mod demo;

use std::path::Path;

use pw_domain::DateRange;
use pw_jobs::{Job, JobSpec, Lane};
pub(crate) use pw_workspaces::AdWorkspaces;

use crate::Engine;
use crate::error::{EngineError, Result};

pub use demo::DEMO_JOB_KIND;
pub(crate) use demo::job_kinds;
/// A workspace's id, and the ids and closed vocabularies of its ad data.
pub use pw_domain::{CampaignId, EntityStatus, WorkspaceId};
/// A workspace file as exported: its tables and blobs.
pub use pw_store::{ExportSummary, WorkspaceFile};
/// A campaign's totals over a range, in its account's currency.
pub use pw_workspaces::CampaignTotals;
/// What a person types to create a workspace.
pub use pw_workspaces::CreateWorkspace;
pub use pw_workspaces::EXPORT_JOB_KIND;
/// A workspace: name, brand, currency, time zone, whether it is a demo.
pub use pw_workspaces::Workspace;
/// A workspace with what the switcher shows beside it.
pub use pw_workspaces::WorkspaceOverview;
/// The dashboard read model: KPI tiles, daily series per platform, campaigns, per currency.
pub use pw_workspaces::{CurrencySection, Dashboard, PlatformSeries, SeriesPoint};

/// The engine's workspaces, as `engine.workspaces()` hands them out.
pub struct Workspaces<'e> {
    engine: &'e Engine,
}

impl<'e> Workspaces<'e> {
    pub(crate) fn new(engine: &'e Engine) -> Self {
        Workspaces { engine }
    }

    fn context(&self) -> &'e AdWorkspaces {
        &self.engine.workspaces
    }

    pub async fn list(&self) -> Result<Vec<WorkspaceOverview>> {
        Ok(self.context().list().await?)
    }

    pub async fn overview(&self, id: WorkspaceId) -> Result<WorkspaceOverview> {
        Ok(self.context().overview(id).await?)
    }

    /// Finds a workspace by id or by exact name (what CLI users type).
    pub async fn find(&self, id_or_name: &str) -> Result<WorkspaceOverview> {
        Ok(self.context().find(id_or_name).await?)
    }

    pub async fn create(&self, request: CreateWorkspace) -> Result<WorkspaceOverview> {
        Ok(self.context().create(request).await?)
    }

    pub async fn delete(&self, id: WorkspaceId) -> Result<()> {
        // Its connections' tokens leave the keychain first: the rows naming them go with the
        // workspace.
        self.engine.connectors.forget_workspace(id).await?;
        self.context().delete(id).await?;
        // Its search index is derived data of rows that are gone.
        self.engine.evidence.forget_workspace(id).await;
        Ok(())
    }

    /// Exports a workspace to `path` now (the CLI's path; the UI uses the export job).
    pub async fn export(&self, id: WorkspaceId, path: &Path) -> Result<ExportSummary> {
        Ok(self.context().export(id, path).await?)
    }

    /// Imports a workspace file; a malformed or conflicting file changes nothing.
    pub async fn import(&self, path: &Path) -> Result<WorkspaceOverview> {
        let imported = self.context().import(path).await?;
        // The imported rows are queued for the search index; bring it up to date.
        self.engine
            .evidence
            .start_index_update(imported.workspace.id)
            .await?;
        Ok(imported)
    }

    /// Enqueues an export of a workspace to the exports folder, as a slow-lane job with progress.
    pub async fn start_export(&self, workspace_id: WorkspaceId) -> Result<Job> {
        let spec = self.context().export_job(workspace_id).await?;
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
        let payload = demo::DemoPayload {
            workspace_id: WorkspaceId::new(),
            workspace_name: name.clone(),
            seed: 20_261_125,
            end_date: pw_workspaces::yesterday_in(pw_demo::TIME_ZONE),
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
        workspace_id: WorkspaceId,
        range: Option<DateRange>,
    ) -> Result<Dashboard> {
        Ok(self.context().dashboard(workspace_id, range).await?)
    }
}
