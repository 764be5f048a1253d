//! Studies: a focus group, an interview series or a survey in a workspace. The research core
//! fills in sessions, turns and responses; this is the row they hang from, with its budget.

use sqlx::Row;

use crate::clock::now_rfc3339;
use crate::database::Database;
use crate::error::{Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudyKind {
    FocusGroup,
    Interview,
    Survey,
}

impl StudyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StudyKind::FocusGroup => "focus_group",
            StudyKind::Interview => "interview",
            StudyKind::Survey => "survey",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "focus_group" => Ok(StudyKind::FocusGroup),
            "interview" => Ok(StudyKind::Interview),
            "survey" => Ok(StudyKind::Survey),
            other => Err(StoreError::InvalidInput(format!(
                "unknown study kind {other}"
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    pub id: String,
    pub workspace_id: String,
    pub kind: StudyKind,
    pub title: String,
    pub status: String,
    pub budget_micros: Option<i64>,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct NewStudy {
    pub workspace_id: String,
    pub kind: StudyKind,
    pub title: String,
    pub brief: String,
    pub budget_micros: Option<i64>,
}

fn study_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Study> {
    Ok(Study {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        kind: StudyKind::parse(&row.try_get::<String, _>("kind")?)?,
        title: row.try_get("title")?,
        status: row.try_get("status")?,
        budget_micros: row.try_get("budget_micros")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Database {
    /// Creates a draft study.
    pub async fn create_study(&self, new: &NewStudy) -> Result<Study> {
        let title = new.title.trim();
        if title.is_empty() {
            return Err(StoreError::InvalidInput("a study needs a title".into()));
        }
        if new.budget_micros.is_some_and(|b| b < 0) {
            return Err(StoreError::InvalidInput(
                "a budget can't be negative".into(),
            ));
        }
        self.require_workspace(&new.workspace_id).await?;
        let id = pw_domain::new_id();
        sqlx::query(
            "INSERT INTO studies (id, workspace_id, kind, title, brief, status, budget_micros, created_at)
             VALUES (?, ?, ?, ?, ?, 'draft', ?, ?)",
        )
        .bind(&id)
        .bind(&new.workspace_id)
        .bind(new.kind.as_str())
        .bind(title)
        .bind(&new.brief)
        .bind(new.budget_micros)
        .bind(now_rfc3339())
        .execute(self.writer())
        .await?;
        self.study(&id).await
    }

    pub async fn study(&self, id: &str) -> Result<Study> {
        let row = sqlx::query("SELECT * FROM studies WHERE id = ?")
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or_else(|| StoreError::InvalidInput(format!("no study with id {id}")))?;
        study_from_row(&row)
    }

    pub async fn studies(&self, workspace_id: &str) -> Result<Vec<Study>> {
        let rows = sqlx::query("SELECT * FROM studies WHERE workspace_id = ? ORDER BY created_at")
            .bind(workspace_id)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(study_from_row).collect()
    }
}
