//! Where people's answers for the fidelity harness are kept: `survey_human_sets`, one row per
//! file read, with its answers, the rows skipped and why, and the dimensions its people fall in.

use chrono::{DateTime, Utc};
use pw_domain::{SurveyId, WorkspaceId};
use pw_store::{Database, TypedColumns, format_instant, now_instant};
use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::error::{Result, SurveysError};
use crate::human::{HumanAnswers, SkippedRow};
use crate::runs::to_json;
use crate::universe::Dimension;

/// A file of people's answers as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HumanSet {
    pub id: String,
    pub survey_id: SurveyId,
    pub name: String,
    pub rows: usize,
    pub skipped: Vec<SkippedRow>,
    /// Question id → column.
    pub questions: Vec<(String, String)>,
    /// The dimensions its people fall in, with the file's own shares.
    pub dimensions: Vec<Dimension>,
    pub created_at: DateTime<Utc>,
}

pub struct HumanSetStore<'a> {
    db: &'a Database,
}

fn json<T: serde::de::DeserializeOwned>(row: &SqliteRow, column: &str) -> Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text)
        .map_err(|e| SurveysError::Corrupt(format!("stored human answers' {column}: {e}")))
}

fn summary(row: &SqliteRow, answers: &HumanAnswers) -> Result<HumanSet> {
    Ok(HumanSet {
        id: row.try_get("id")?,
        survey_id: row.parsed("survey_id")?,
        name: row.try_get("name")?,
        rows: answers.rows.len(),
        skipped: answers.skipped.clone(),
        questions: answers.questions.clone(),
        dimensions: json(row, "dimensions")?,
        created_at: row.instant("created_at")?,
    })
}

impl<'a> HumanSetStore<'a> {
    pub fn new(db: &'a Database) -> Self {
        HumanSetStore { db }
    }

    pub async fn insert(
        &self,
        workspace: WorkspaceId,
        survey: SurveyId,
        name: &str,
        answers: &HumanAnswers,
        dimensions: &[Dimension],
    ) -> Result<HumanSet> {
        let answers_json = to_json(answers);
        let dimensions_json = to_json(&dimensions);
        let now = format_instant(now_instant());
        let mut tx = self.db.begin_write().await?;
        // The same file read the same way again (the command line reads its file on every
        // call) is the set already kept, made the newest again, not a second copy.
        let same: Option<String> = sqlx::query_scalar(
            "SELECT id FROM survey_human_sets
             WHERE survey_id = ? AND name = ? AND answers = ? AND dimensions = ?
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(survey.to_string())
        .bind(name)
        .bind(&answers_json)
        .bind(&dimensions_json)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = same {
            sqlx::query("UPDATE survey_human_sets SET created_at = ? WHERE id = ?")
                .bind(&now)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return self.set(&id).await.map(|(set, _)| set);
        }
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO survey_human_sets (id, workspace_id, survey_id, name, answers, dimensions,
                 rows_read, rows_skipped, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(workspace.to_string())
        .bind(survey.to_string())
        .bind(name)
        .bind(&answers_json)
        .bind(&dimensions_json)
        .bind(answers.rows.len() as i64)
        .bind(answers.skipped.len() as i64)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.set(&id).await.map(|(set, _)| set)
    }

    /// A file's summary and its answers.
    pub async fn set(&self, id: &str) -> Result<(HumanSet, HumanAnswers)> {
        let row = sqlx::query(
            "SELECT id, survey_id, name, answers, dimensions, created_at
             FROM survey_human_sets WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(self.db.reader())
        .await?
        .ok_or_else(|| SurveysError::HumanSetNotFound(id.to_owned()))?;
        let answers: HumanAnswers = json(&row, "answers")?;
        Ok((summary(&row, &answers)?, answers))
    }

    /// A survey's files of people's answers, newest first.
    pub async fn sets(&self, survey: SurveyId) -> Result<Vec<HumanSet>> {
        let rows = sqlx::query(
            "SELECT id, survey_id, name, answers, dimensions, created_at
             FROM survey_human_sets WHERE survey_id = ? ORDER BY created_at DESC, id DESC",
        )
        .bind(survey.to_string())
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let answers: HumanAnswers = json(row, "answers")?;
                summary(row, &answers)
            })
            .collect()
    }
}
