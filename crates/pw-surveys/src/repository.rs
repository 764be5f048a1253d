//! Where surveys are kept: `surveys` (the latest version of each design) and
//! `survey_versions` (every version it had), written together in one transaction.

use chrono::{DateTime, Utc};
use pw_domain::{SurveyId, WorkspaceId};
use pw_store::{Database, TypedColumns, format_instant, now_instant};
use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::definition::{self, Survey};
use crate::error::{Result, SurveysError};

/// A survey as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveySummary {
    pub id: SurveyId,
    pub workspace_id: WorkspaceId,
    pub title: String,
    pub questions: usize,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A survey with its design.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredSurvey {
    pub summary: SurveySummary,
    pub definition: Survey,
}

pub struct SurveyStore<'a> {
    db: &'a Database,
}

const COLUMNS: &str = "id, workspace_id, title, definition, version, created_at, updated_at";

fn stored(row: &SqliteRow) -> Result<StoredSurvey> {
    let text: String = row.try_get("definition")?;
    // Written only after a check, so a design that no longer reads is damage, not user error.
    let definition = definition::parse(&text)
        .map_err(|e| SurveysError::Corrupt(format!("a stored survey: {e}")))?;
    Ok(StoredSurvey {
        summary: SurveySummary {
            id: row.parsed("id")?,
            workspace_id: row.parsed("workspace_id")?,
            title: row.try_get("title")?,
            questions: definition.questions.len(),
            version: row.try_get("version")?,
            created_at: row.instant("created_at")?,
            updated_at: row.instant("updated_at")?,
        },
        definition,
    })
}

/// Keeps one version of a survey beside the others, in the transaction that writes it.
async fn keep_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    id: SurveyId,
    workspace: WorkspaceId,
    version: i64,
    json: &str,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO survey_versions (survey_id, workspace_id, version, definition, created_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(workspace.to_string())
    .bind(version)
    .bind(json)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl<'a> SurveyStore<'a> {
    pub fn new(db: &'a Database) -> Self {
        SurveyStore { db }
    }

    pub async fn workspace_exists(&self, workspace: WorkspaceId) -> Result<bool> {
        Ok(
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM workspaces WHERE id = ?")
                .bind(workspace.to_string())
                .fetch_one(self.db.reader())
                .await?
                > 0,
        )
    }

    /// A new survey at version 1.
    pub async fn insert(&self, workspace: WorkspaceId, survey: &Survey) -> Result<StoredSurvey> {
        let id = SurveyId::new();
        let now = format_instant(now_instant());
        let json = definition::to_json(survey);
        let mut tx = self.db.writer().begin().await?;
        sqlx::query(
            "INSERT INTO surveys (id, workspace_id, title, definition, version, created_at, updated_at)
             VALUES (?, ?, ?, ?, 1, ?, ?)",
        )
        .bind(id.to_string())
        .bind(workspace.to_string())
        .bind(survey.title.trim())
        .bind(&json)
        .bind(&now)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        keep_version(&mut tx, id, workspace, 1, &json, &now).await?;
        tx.commit().await?;
        self.survey(id).await
    }

    /// Replaces a survey's design if it is still at `expected` version; the new version is
    /// kept beside the old ones.
    pub async fn update(
        &self,
        id: SurveyId,
        expected: i64,
        survey: &Survey,
    ) -> Result<StoredSurvey> {
        let current = self.survey(id).await?;
        if current.summary.version != expected {
            return Err(SurveysError::EditConflict {
                current: current.summary.version,
            });
        }
        let now = format_instant(now_instant());
        let json = definition::to_json(survey);
        let mut tx = self.db.writer().begin().await?;
        let changed = sqlx::query(
            "UPDATE surveys SET title = ?, definition = ?, version = version + 1, updated_at = ?
             WHERE id = ? AND version = ?",
        )
        .bind(survey.title.trim())
        .bind(&json)
        .bind(&now)
        .bind(id.to_string())
        .bind(expected)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            // Another edit landed between the read and the write.
            let now_at: i64 = sqlx::query_scalar("SELECT version FROM surveys WHERE id = ?")
                .bind(id.to_string())
                .fetch_one(&mut *tx)
                .await?;
            return Err(SurveysError::EditConflict { current: now_at });
        }
        keep_version(
            &mut tx,
            id,
            current.summary.workspace_id,
            expected + 1,
            &json,
            &now,
        )
        .await?;
        tx.commit().await?;
        self.survey(id).await
    }

    pub async fn survey(&self, id: SurveyId) -> Result<StoredSurvey> {
        let sql = format!("SELECT {COLUMNS} FROM surveys WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(self.db.reader())
            .await?
            .ok_or_else(|| SurveysError::SurveyNotFound(id.to_string()))?;
        stored(&row)
    }

    /// The workspace's surveys, the most recently changed first.
    pub async fn list(&self, workspace: WorkspaceId) -> Result<Vec<SurveySummary>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM surveys WHERE workspace_id = ? ORDER BY updated_at DESC, id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace.to_string())
            .fetch_all(self.db.reader())
            .await?;
        let mut surveys = Vec::with_capacity(rows.len());
        for row in &rows {
            match stored(row) {
                Ok(found) => surveys.push(found.summary),
                Err(error) => tracing::warn!(%error, "a survey could not be read; left out"),
            }
        }
        Ok(surveys)
    }

    /// A survey as it was at `version`.
    pub async fn version(&self, id: SurveyId, version: i64) -> Result<Survey> {
        let text: Option<String> = sqlx::query_scalar(
            "SELECT definition FROM survey_versions WHERE survey_id = ? AND version = ?",
        )
        .bind(id.to_string())
        .bind(version)
        .fetch_optional(self.db.reader())
        .await?;
        let text =
            text.ok_or_else(|| SurveysError::SurveyNotFound(format!("{id} version {version}")))?;
        definition::parse(&text).map_err(|e| SurveysError::Corrupt(format!("a stored survey: {e}")))
    }
}
