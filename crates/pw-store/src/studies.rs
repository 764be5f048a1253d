//! Studies: a focus group, an interview series or a survey in a workspace. The research core
//! fills in sessions, turns and responses; this is the row they hang from, with its budget.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use pw_domain::{StudyId, UnknownName, WorkspaceId};
use sqlx::Row;

use crate::clock::{format_instant, now_instant};
use crate::columns::TypedColumns;
use crate::database::Database;
use crate::error::{Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudyKind {
    FocusGroup,
    Interview,
    Survey,
}

impl StudyKind {
    pub const ALL: [StudyKind; 3] = [
        StudyKind::FocusGroup,
        StudyKind::Interview,
        StudyKind::Survey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StudyKind::FocusGroup => "focus_group",
            StudyKind::Interview => "interview",
            StudyKind::Survey => "survey",
        }
    }
}

impl FromStr for StudyKind {
    type Err = UnknownName;
    fn from_str(name: &str) -> std::result::Result<Self, Self::Err> {
        StudyKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| UnknownName {
                what: "study kind",
                name: name.to_owned(),
            })
    }
}

impl fmt::Display for StudyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a study is in its life: drafted, running, or over (one way or another).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudyStatus {
    Draft,
    Running,
    Completed,
    Cancelled,
    Failed,
}

impl StudyStatus {
    pub const ALL: [StudyStatus; 5] = [
        StudyStatus::Draft,
        StudyStatus::Running,
        StudyStatus::Completed,
        StudyStatus::Cancelled,
        StudyStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StudyStatus::Draft => "draft",
            StudyStatus::Running => "running",
            StudyStatus::Completed => "completed",
            StudyStatus::Cancelled => "cancelled",
            StudyStatus::Failed => "failed",
        }
    }
}

impl FromStr for StudyStatus {
    type Err = UnknownName;
    fn from_str(name: &str) -> std::result::Result<Self, Self::Err> {
        StudyStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == name)
            .ok_or_else(|| UnknownName {
                what: "study status",
                name: name.to_owned(),
            })
    }
}

impl fmt::Display for StudyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    pub id: StudyId,
    pub workspace_id: WorkspaceId,
    pub kind: StudyKind,
    pub title: String,
    pub status: StudyStatus,
    pub budget_micros: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewStudy {
    pub workspace_id: WorkspaceId,
    pub kind: StudyKind,
    pub title: String,
    pub brief: String,
    pub budget_micros: Option<i64>,
}

fn study_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Study> {
    Ok(Study {
        id: row.parsed("id")?,
        workspace_id: row.parsed("workspace_id")?,
        kind: row.parsed("kind")?,
        title: row.try_get("title")?,
        status: row.parsed("status")?,
        budget_micros: row.try_get("budget_micros")?,
        created_at: row.instant("created_at")?,
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
        self.require_workspace(new.workspace_id).await?;
        let id = StudyId::new();
        sqlx::query(
            "INSERT INTO studies (id, workspace_id, kind, title, brief, status, budget_micros, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(new.workspace_id.to_string())
        .bind(new.kind.as_str())
        .bind(title)
        .bind(&new.brief)
        .bind(StudyStatus::Draft.as_str())
        .bind(new.budget_micros)
        .bind(format_instant(now_instant()))
        .execute(self.writer())
        .await?;
        self.study(id).await
    }

    pub async fn study(&self, id: StudyId) -> Result<Study> {
        let row = sqlx::query("SELECT * FROM studies WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(self.reader())
            .await?
            .ok_or_else(|| StoreError::InvalidInput(format!("no study with id {id}")))?;
        study_from_row(&row)
    }

    pub async fn studies(&self, workspace_id: WorkspaceId) -> Result<Vec<Study>> {
        let rows = sqlx::query("SELECT * FROM studies WHERE workspace_id = ? ORDER BY created_at")
            .bind(workspace_id.to_string())
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(study_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn study_kinds_and_statuses_read_their_stored_names_and_refuse_others() {
        for kind in StudyKind::ALL {
            assert_eq!(kind.as_str().parse::<StudyKind>().unwrap(), kind);
        }
        for status in StudyStatus::ALL {
            assert_eq!(status.as_str().parse::<StudyStatus>().unwrap(), status);
        }
        assert_eq!(
            "paused".parse::<StudyStatus>().unwrap_err().to_string(),
            "'paused' is not a known study status"
        );
        assert!("workshop".parse::<StudyKind>().is_err());
    }
}
