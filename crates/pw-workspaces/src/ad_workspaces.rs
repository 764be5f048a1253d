//! The workspaces context's use cases: listing, finding, creating and deleting workspaces, the
//! dashboard, and workspace files (export now or as a job, import).

use std::path::{Path, PathBuf};

use pw_domain::{Currency, DateRange, WorkspaceId};
use pw_jobs::JobSpec;
use pw_store::{Database, ExportSummary, StoreError};

use crate::WorkspaceStore;
use crate::dashboard::{self, Dashboard};
use crate::error::{Result, WorkspacesError};
use crate::handlers;
use crate::workspaces::{NewWorkspace, WorkspaceOverview};

/// What a person types to create a workspace.
#[derive(Debug, Clone)]
pub struct CreateWorkspace {
    pub name: String,
    pub brand: String,
    pub currency: String,
    pub time_zone: String,
}

/// The workspaces and their ad data, as the engine hands them out through
/// `engine.workspaces()`.
pub struct AdWorkspaces {
    db: Database,
    exports_dir: PathBuf,
}

impl AdWorkspaces {
    /// `exports_dir` is the folder export jobs write workspace files to.
    pub fn new(db: Database, exports_dir: PathBuf) -> Self {
        AdWorkspaces { db, exports_dir }
    }

    pub(crate) fn store(&self) -> WorkspaceStore<'_> {
        WorkspaceStore::new(&self.db)
    }

    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    pub(crate) fn exports_dir(&self) -> &Path {
        &self.exports_dir
    }

    pub async fn list(&self) -> Result<Vec<WorkspaceOverview>> {
        Ok(self.store().list_workspaces().await?)
    }

    pub async fn overview(&self, id: WorkspaceId) -> Result<WorkspaceOverview> {
        match self.store().workspace_overview(id).await {
            Err(StoreError::WorkspaceNotFound(_)) => {
                Err(WorkspacesError::WorkspaceNotFound(id.to_string()))
            }
            other => Ok(other?),
        }
    }

    /// Finds a workspace by id or by exact name (what CLI users type). Each is one lookup of
    /// that row, so another workspace's damaged row never stands in the way.
    pub async fn find(&self, id_or_name: &str) -> Result<WorkspaceOverview> {
        if let Ok(id) = id_or_name.parse::<WorkspaceId>() {
            match self.store().workspace_overview(id).await {
                Err(StoreError::WorkspaceNotFound(_)) => {}
                other => return Ok(other?),
            }
        }
        self.store()
            .find_workspace_overview_by_name(id_or_name)
            .await?
            .ok_or_else(|| WorkspacesError::WorkspaceNotFound(id_or_name.to_owned()))
    }

    pub async fn create(&self, request: CreateWorkspace) -> Result<WorkspaceOverview> {
        let currency: Currency = request
            .currency
            .parse()
            .map_err(|e| WorkspacesError::InvalidInput(format!("{e}")))?;
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
        self.overview(workspace.id).await
    }

    pub async fn delete(&self, id: WorkspaceId) -> Result<()> {
        Ok(self.store().delete_workspace(id).await?)
    }

    /// Exports a workspace to `path` now (the CLI's path; the UI uses the export job).
    pub async fn export(&self, id: WorkspaceId, path: &Path) -> Result<ExportSummary> {
        Ok(self.db.export_workspace_to(id, path, |_| {}).await?)
    }

    /// Imports a workspace file; a malformed or conflicting file changes nothing.
    pub async fn import(&self, path: &Path) -> Result<WorkspaceOverview> {
        let id = self.db.import_workspace_from(path).await?;
        self.overview(id).await
    }

    /// The job that exports a workspace to the exports folder (slow lane, with progress); an
    /// unknown workspace is refused here, before anything is queued.
    pub async fn export_job(&self, workspace_id: WorkspaceId) -> Result<JobSpec> {
        let workspace = self.store().workspace(workspace_id).await?;
        Ok(handlers::export_job(&workspace))
    }

    pub async fn dashboard(
        &self,
        workspace_id: WorkspaceId,
        range: Option<DateRange>,
    ) -> Result<Dashboard> {
        dashboard::build(self.store(), workspace_id, range).await
    }
}
