//! Where survey runs are kept: `survey_runs` (a run, which is also a `studies` row for its
//! budget and bills), `survey_respondents` (each respondent's draw) and `survey_answers`.
//!
//! A respondent's answers and its `answered_at` are written in one transaction, and only for a
//! respondent not yet answered: a resumed run asks only the respondents with no answers, and a
//! respondent answered twice (two runners racing after a crash) keeps its first answers.

use chrono::{DateTime, Utc};
use pw_domain::{StudyId, SurveyId, WorkspaceId};
use pw_store::{Database, TypedColumns, format_instant, now_instant};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::definition::Answer;
use crate::error::{Result, SurveysError};
use crate::universe::{Draw, Universe};

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Queued,
    Running,
    /// Stopped short (a spent budget); resuming goes on where it stopped.
    Paused,
    Completed,
    Failed,
    /// Stopped by the user; resuming goes on where it stopped.
    Cancelled,
}

impl RunStatus {
    pub const ALL: [RunStatus; 6] = [
        RunStatus::Queued,
        RunStatus::Running,
        RunStatus::Paused,
        RunStatus::Completed,
        RunStatus::Failed,
        RunStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Paused => "paused",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Result<RunStatus> {
        RunStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| SurveysError::Corrupt(format!("a run's status \"{text}\"")))
    }
}

/// A survey run as lists and progress show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyRun {
    pub id: StudyId,
    pub workspace_id: WorkspaceId,
    pub survey_id: SurveyId,
    pub survey_version: i64,
    pub title: String,
    pub respondents: usize,
    /// Respondents whose answers are stored.
    pub answered: usize,
    pub seed: u64,
    pub concurrency: usize,
    pub status: RunStatus,
    pub status_note: String,
    pub universe: Universe,
    pub manifest: Value,
    pub job_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// A memory fragment as a respondent was given it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GivenMemory {
    pub id: String,
    pub content: String,
}

/// A respondent as drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Respondent {
    pub index: usize,
    pub segment: String,
    pub twin_id: Option<String>,
    pub draw: Draw,
    pub memories: Vec<GivenMemory>,
    pub answered: bool,
}

/// A respondent to be stored with a new run.
#[derive(Debug, Clone)]
pub struct NewRespondent {
    pub segment: String,
    pub twin_id: Option<String>,
    pub draw: Draw,
    pub memories: Vec<GivenMemory>,
}

/// What a rating's answer was rated from: each anchor set's distribution (temperature 1), the
/// embedding model and the anchor sets' hash. Temperature is applied when results are read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rated {
    pub pmfs: Vec<Vec<f64>>,
    pub model: String,
    pub anchors: String,
}

/// One stored answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAnswer {
    pub respondent: usize,
    pub question: String,
    /// `None` for an item non-response.
    pub value: Option<Answer>,
    pub rated: Option<Rated>,
    pub text: String,
    pub non_response: Option<String>,
    pub option_order: Option<Vec<usize>>,
    pub reversed: bool,
}

/// A respondent's answers, written together.
#[derive(Debug, Clone)]
pub struct Answered {
    pub respondent: usize,
    pub answers: Vec<StoredAnswer>,
    pub calls: u32,
    pub prompt_tokens: u64,
    /// The models that answered its calls ("vendor/model").
    pub answered_by: Vec<String>,
}

/// A new run: its study row, run row and respondents.
pub struct NewRun<'a> {
    pub id: StudyId,
    pub workspace: WorkspaceId,
    pub survey: SurveyId,
    pub survey_version: i64,
    pub title: &'a str,
    pub seed: u64,
    pub concurrency: usize,
    pub universe: &'a Universe,
    pub respondents: &'a [NewRespondent],
}

pub struct RunStore<'a> {
    db: &'a Database,
}

const RUN_COLUMNS: &str = "r.id, r.workspace_id, r.survey_id, r.survey_version, r.respondents,
    r.seed, r.universe, r.manifest, r.concurrency, r.status, r.status_note, r.job_id,
    r.created_at, r.started_at, r.completed_at, st.title,
    (SELECT count(*) FROM survey_respondents p WHERE p.run_id = r.id AND p.answered_at IS NOT NULL)
        AS answered";

fn json_column<T: serde::de::DeserializeOwned>(row: &SqliteRow, column: &str) -> Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text)
        .map_err(|e| SurveysError::Corrupt(format!("a stored run's {column}: {e}")))
}

fn optional_instant(row: &SqliteRow, column: &'static str) -> Result<Option<DateTime<Utc>>> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| pw_store::parse_stored_instant(column, &t))
        .transpose()
        .map_err(SurveysError::from)
}

fn run_from(row: &SqliteRow) -> Result<SurveyRun> {
    let seed: i64 = row.try_get("seed")?;
    let respondents: i64 = row.try_get("respondents")?;
    let concurrency: i64 = row.try_get("concurrency")?;
    let answered: i64 = row.try_get("answered")?;
    let status: String = row.try_get("status")?;
    Ok(SurveyRun {
        id: row.parsed("id")?,
        workspace_id: row.parsed("workspace_id")?,
        survey_id: row.parsed("survey_id")?,
        survey_version: row.try_get("survey_version")?,
        title: row.try_get("title")?,
        respondents: respondents as usize,
        answered: answered as usize,
        // Stored as the same 64 bits, signed.
        seed: seed as u64,
        concurrency: concurrency as usize,
        status: RunStatus::parse(&status)?,
        status_note: row.try_get("status_note")?,
        universe: json_column(row, "universe")?,
        manifest: json_column(row, "manifest")?,
        job_id: row.try_get("job_id")?,
        created_at: row.instant("created_at")?,
        started_at: optional_instant(row, "started_at")?,
        completed_at: optional_instant(row, "completed_at")?,
    })
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    // The types written here are plain data; serialising them cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

impl<'a> RunStore<'a> {
    pub fn new(db: &'a Database) -> Self {
        RunStore { db }
    }

    /// Writes a run, its study and its respondents in one transaction.
    pub async fn insert(&self, run: &NewRun<'_>) -> Result<()> {
        let now = format_instant(now_instant());
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "INSERT INTO studies (id, workspace_id, kind, title, brief, status, config, created_at)
             VALUES (?, ?, 'survey', ?, '', 'draft', '{}', ?)",
        )
        .bind(run.id.to_string())
        .bind(run.workspace.to_string())
        .bind(run.title)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO survey_runs (id, workspace_id, survey_id, survey_version, respondents,
                 seed, universe, concurrency, status, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
        )
        .bind(run.id.to_string())
        .bind(run.workspace.to_string())
        .bind(run.survey.to_string())
        .bind(run.survey_version)
        .bind(run.respondents.len() as i64)
        .bind(run.seed as i64)
        .bind(to_json(run.universe))
        .bind(run.concurrency as i64)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        for (index, respondent) in run.respondents.iter().enumerate() {
            sqlx::query(
                "INSERT INTO survey_respondents (run_id, idx, workspace_id, segment, twin_id,
                     demographics, memories)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(run.id.to_string())
            .bind(index as i64)
            .bind(run.workspace.to_string())
            .bind(&respondent.segment)
            .bind(&respondent.twin_id)
            .bind(to_json(&respondent.draw))
            .bind(to_json(&respondent.memories))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn run(&self, id: StudyId) -> Result<SurveyRun> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM survey_runs r JOIN studies st ON st.id = r.id WHERE r.id = ?"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(self.db.reader())
            .await?
            .ok_or_else(|| SurveysError::RunNotFound(id.to_string()))?;
        run_from(&row)
    }

    pub async fn runs(&self, survey: SurveyId) -> Result<Vec<SurveyRun>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM survey_runs r JOIN studies st ON st.id = r.id
             WHERE r.survey_id = ? ORDER BY r.created_at DESC, r.id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(survey.to_string())
            .fetch_all(self.db.reader())
            .await?;
        rows.iter().map(run_from).collect()
    }

    /// The respondents of a run, answered or not, in order.
    pub async fn respondents(&self, run: StudyId) -> Result<Vec<Respondent>> {
        let rows = sqlx::query(
            "SELECT idx, segment, twin_id, demographics, memories, answered_at
             FROM survey_respondents WHERE run_id = ? ORDER BY idx",
        )
        .bind(run.to_string())
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let index: i64 = row.try_get("idx")?;
                let answered: Option<String> = row.try_get("answered_at")?;
                Ok(Respondent {
                    index: index as usize,
                    segment: row.try_get("segment")?,
                    twin_id: row.try_get("twin_id")?,
                    draw: json_column(row, "demographics")?,
                    memories: json_column(row, "memories")?,
                    answered: answered.is_some(),
                })
            })
            .collect()
    }

    /// Stores a respondent's answers and marks it answered, in one transaction; `false` when
    /// it was already answered (its first answers stand).
    pub async fn store_answers(
        &self,
        run: StudyId,
        workspace: WorkspaceId,
        answered: &Answered,
    ) -> Result<bool> {
        let now = format_instant(now_instant());
        let mut tx = self.db.begin_write().await?;
        let marked = sqlx::query(
            "UPDATE survey_respondents SET answered_at = ?, calls = ?, prompt_tokens = ?
             WHERE run_id = ? AND idx = ? AND answered_at IS NULL",
        )
        .bind(&now)
        .bind(i64::from(answered.calls))
        .bind(answered.prompt_tokens as i64)
        .bind(run.to_string())
        .bind(answered.respondent as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if marked == 0 {
            return Ok(false);
        }
        for answer in &answered.answers {
            sqlx::query(
                "INSERT INTO survey_answers (id, run_id, respondent, workspace_id, question, value,
                     ssr, text, non_response, option_order, reversed)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(format!("{run}:{}:{}", answered.respondent, answer.question))
            .bind(run.to_string())
            .bind(answered.respondent as i64)
            .bind(workspace.to_string())
            .bind(&answer.question)
            .bind(answer.value.as_ref().map(to_json))
            .bind(answer.rated.as_ref().map(to_json))
            .bind(&answer.text)
            .bind(&answer.non_response)
            .bind(answer.option_order.as_ref().map(to_json))
            .bind(answer.reversed)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Every stored answer of a run, by respondent then question.
    pub async fn answers(&self, run: StudyId) -> Result<Vec<StoredAnswer>> {
        let rows = sqlx::query(
            "SELECT respondent, question, value, ssr, text, non_response, option_order, reversed
             FROM survey_answers WHERE run_id = ? ORDER BY respondent, question",
        )
        .bind(run.to_string())
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let respondent: i64 = row.try_get("respondent")?;
                let optional = |column: &str| -> Result<Option<String>> {
                    Ok(row.try_get::<Option<String>, _>(column)?)
                };
                let parse = |text: Option<String>, what: &str| -> Result<Option<Value>> {
                    text.map(|t| {
                        serde_json::from_str(&t).map_err(|e| {
                            SurveysError::Corrupt(format!("a stored answer's {what}: {e}"))
                        })
                    })
                    .transpose()
                };
                let value = parse(optional("value")?, "value")?
                    .map(serde_json::from_value)
                    .transpose()
                    .map_err(|e| SurveysError::Corrupt(format!("a stored answer: {e}")))?;
                let rated = parse(optional("ssr")?, "rating")?
                    .map(serde_json::from_value)
                    .transpose()
                    .map_err(|e| SurveysError::Corrupt(format!("a stored rating: {e}")))?;
                let option_order = parse(optional("option_order")?, "option order")?
                    .map(serde_json::from_value)
                    .transpose()
                    .map_err(|e| SurveysError::Corrupt(format!("a stored option order: {e}")))?;
                Ok(StoredAnswer {
                    respondent: respondent as usize,
                    question: row.try_get("question")?,
                    value,
                    rated,
                    text: row.try_get("text")?,
                    non_response: row.try_get("non_response")?,
                    option_order,
                    reversed: row.try_get("reversed")?,
                })
            })
            .collect()
    }

    /// Sets a run's status (and its study's), with a note for the user; `started_at` and
    /// `completed_at` follow.
    pub async fn set_status(&self, run: StudyId, status: RunStatus, note: &str) -> Result<()> {
        let now = format_instant(now_instant());
        let study_status = match status {
            RunStatus::Queued | RunStatus::Paused => "draft",
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        };
        let finished = matches!(status, RunStatus::Completed).then_some(now.clone());
        let started = matches!(status, RunStatus::Running).then_some(now.clone());
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "UPDATE survey_runs SET status = ?, status_note = ?,
                 started_at = coalesce(started_at, ?), completed_at = coalesce(?, completed_at)
             WHERE id = ?",
        )
        .bind(status.as_str())
        .bind(note)
        .bind(&started)
        .bind(&finished)
        .bind(run.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE studies SET status = ?, completed_at = coalesce(?, completed_at) WHERE id = ?",
        )
        .bind(study_status)
        .bind(&finished)
        .bind(run.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_job(&self, run: StudyId, job_id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE survey_runs SET job_id = ?, status = 'queued', status_note = '' WHERE id = ?",
        )
        .bind(job_id)
        .bind(run.to_string())
        .execute(self.db.writer())
        .await?;
        Ok(())
    }

    pub async fn set_manifest(&self, run: StudyId, manifest: &Value) -> Result<()> {
        sqlx::query("UPDATE survey_runs SET manifest = ? WHERE id = ?")
            .bind(to_json(manifest))
            .bind(run.to_string())
            .execute(self.db.writer())
            .await?;
        Ok(())
    }

    /// Sets one field of a run's manifest, leaving the others.
    pub async fn set_manifest_field(&self, run: StudyId, field: &str, value: &Value) -> Result<()> {
        sqlx::query(
            "UPDATE survey_runs SET manifest = json_set(manifest, ?, json(?)) WHERE id = ?",
        )
        .bind(format!("$.{field}"))
        .bind(to_json(value))
        .bind(run.to_string())
        .execute(self.db.writer())
        .await?;
        Ok(())
    }

    /// What the run's model calls have cost so far, in millionths of a dollar.
    pub async fn spend_micros(&self, run: StudyId) -> Result<i64> {
        let spent: Option<i64> =
            sqlx::query_scalar("SELECT sum(cost_micros) FROM llm_calls WHERE study_id = ?")
                .bind(run.to_string())
                .fetch_one(self.db.reader())
                .await?;
        Ok(spent.unwrap_or(0))
    }
}
