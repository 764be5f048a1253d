//! The surveys context's facade: what the engine, the CLI and the window ask of it.

use pw_domain::{SurveyId, WorkspaceId};
use pw_store::Database;

use crate::definition;
use crate::error::{Result, SurveysError};
use crate::repository::{StoredSurvey, SurveyStore, SurveySummary};

pub struct Surveys {
    db: Database,
}

impl Surveys {
    pub fn new(db: Database) -> Self {
        Surveys { db }
    }

    fn store(&self) -> SurveyStore<'_> {
        SurveyStore::new(&self.db)
    }

    async fn require_workspace(&self, workspace: WorkspaceId) -> Result<()> {
        match self.store().workspace_exists(workspace).await? {
            true => Ok(()),
            false => Err(SurveysError::WorkspaceNotFound(workspace.to_string())),
        }
    }

    /// Reads a survey file into the workspace. A file that does not fit the format changes
    /// nothing and says which question and field are wrong.
    pub async fn import(&self, workspace: WorkspaceId, json: &str) -> Result<StoredSurvey> {
        self.require_workspace(workspace).await?;
        let survey = definition::parse(json)?;
        self.store().insert(workspace, &survey).await
    }

    /// The survey as a file, in the format [`Surveys::import`] reads.
    pub async fn export(&self, id: SurveyId) -> Result<String> {
        Ok(definition::to_json(
            &self.store().survey(id).await?.definition,
        ))
    }

    /// Replaces a survey's design, if nobody changed it since `expected_version`.
    pub async fn update(
        &self,
        id: SurveyId,
        expected_version: i64,
        json: &str,
    ) -> Result<StoredSurvey> {
        let survey = definition::parse(json)?;
        self.store().update(id, expected_version, &survey).await
    }

    pub async fn survey(&self, id: SurveyId) -> Result<StoredSurvey> {
        self.store().survey(id).await
    }

    pub async fn list(&self, workspace: WorkspaceId) -> Result<Vec<SurveySummary>> {
        self.require_workspace(workspace).await?;
        self.store().list(workspace).await
    }
}
