//! The runs kept: every question asked of the copilot or a specialist, with how it ended, its
//! answer, the results it cites as the model read them, and the run record. A kept answer is
//! reread from here, never recomputed, so its citations still open what it rested on after the
//! workspace's data changes.

use pw_domain::WorkspaceId;
use pw_store::{Database, format_instant, now_instant, parse_stored_instant};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::error::{AgentError, Result};
use crate::runtime::{AgentRun, Cited, Outcome};

/// A kept run, as a list shows it and a reader opens it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptRun {
    pub id: String,
    pub workspace_id: WorkspaceId,
    /// `copilot`, or a specialist's name.
    pub agent: String,
    pub question: String,
    pub outcome: Outcome,
    pub answer: String,
    pub citations: Vec<Cited>,
    pub model_calls: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// RFC 3339.
    pub started_at: String,
    pub finished_at: String,
}

/// The runs of a database.
pub struct RunStore<'a> {
    db: &'a Database,
}

fn stored(error: sqlx::Error) -> AgentError {
    AgentError::Store(error.into())
}

fn unreadable(column: &'static str, error: impl std::fmt::Display) -> AgentError {
    AgentError::Store(pw_store::StoreError::UnreadableValue {
        column,
        reason: error.to_string(),
    })
}

/// The outcome's tag, as its JSON names it ("answered", "step_budget_reached"…).
fn outcome_tag(outcome: &Outcome) -> String {
    serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.get("outcome").and_then(|t| t.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

impl<'a> RunStore<'a> {
    pub fn new(db: &'a Database) -> Self {
        RunStore { db }
    }

    /// Keeps a finished run; `started_at` is when it was asked (RFC 3339). Returns its id.
    pub async fn keep(
        &self,
        workspace: WorkspaceId,
        agent: &str,
        question: &str,
        started_at: &str,
        run: &AgentRun,
    ) -> Result<String> {
        let id = pw_domain::new_id();
        let usage = run.usage();
        let json = |value: serde_json::Result<String>, column: &'static str| {
            value.map_err(|e| unreadable(column, e))
        };
        sqlx::query(
            "INSERT INTO agent_runs (id, workspace_id, agent, question, outcome, outcome_detail,
                answer, citations, record, model_calls, input_tokens, output_tokens, started_at,
                finished_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(workspace.to_string())
        .bind(agent)
        .bind(question)
        .bind(outcome_tag(&run.outcome))
        .bind(json(serde_json::to_string(&run.outcome), "outcome_detail")?)
        .bind(&run.answer)
        .bind(json(serde_json::to_string(&run.citations), "citations")?)
        .bind(json(serde_json::to_string(&run.record), "record")?)
        .bind(run.record.model_calls() as i64)
        .bind(i64::from(usage.input_tokens))
        .bind(i64::from(usage.output_tokens))
        .bind(started_at)
        .bind(format_instant(now_instant()))
        .execute(self.db.writer())
        .await
        .map_err(stored)?;
        Ok(id)
    }

    /// The workspace's runs of `agent` (every agent's when `None`), newest first.
    pub async fn list(
        &self,
        workspace: WorkspaceId,
        agent: Option<&str>,
        limit: u32,
    ) -> Result<Vec<KeptRun>> {
        let rows = sqlx::query(
            "SELECT id, workspace_id, agent, question, outcome_detail, answer, citations,
                    model_calls, input_tokens, output_tokens, started_at, finished_at
             FROM agent_runs
             WHERE workspace_id = ? AND (?2 IS NULL OR agent = ?2)
             ORDER BY finished_at DESC, id DESC
             LIMIT ?3",
        )
        .bind(workspace.to_string())
        .bind(agent)
        .bind(i64::from(limit))
        .fetch_all(self.db.reader())
        .await
        .map_err(stored)?;
        rows.iter().map(kept_run).collect()
    }

    /// One run by its id, within the workspace.
    pub async fn get(&self, workspace: WorkspaceId, id: &str) -> Result<KeptRun> {
        let row = sqlx::query(
            "SELECT id, workspace_id, agent, question, outcome_detail, answer, citations,
                    model_calls, input_tokens, output_tokens, started_at, finished_at
             FROM agent_runs WHERE workspace_id = ? AND id = ?",
        )
        .bind(workspace.to_string())
        .bind(id)
        .fetch_optional(self.db.reader())
        .await
        .map_err(stored)?;
        row.as_ref()
            .map(kept_run)
            .transpose()?
            .ok_or_else(|| AgentError::RunNotFound(id.to_owned()))
    }
}

fn kept_run(row: &sqlx::sqlite::SqliteRow) -> Result<KeptRun> {
    let text = |name: &'static str| row.try_get::<String, _>(name).map_err(stored);
    let count = |name: &'static str| {
        row.try_get::<i64, _>(name)
            .map_err(stored)
            .map(|n| u64::try_from(n).unwrap_or(0))
    };
    let workspace_id = text("workspace_id")?;
    let started_at = text("started_at")?;
    let finished_at = text("finished_at")?;
    // A stored instant that is not one is reported, not passed on.
    parse_stored_instant("started_at", &started_at)?;
    parse_stored_instant("finished_at", &finished_at)?;
    Ok(KeptRun {
        id: text("id")?,
        workspace_id: workspace_id
            .parse()
            .map_err(|e| unreadable("workspace_id", e))?,
        agent: text("agent")?,
        question: text("question")?,
        outcome: serde_json::from_str(&text("outcome_detail")?)
            .map_err(|e| unreadable("outcome_detail", e))?,
        answer: text("answer")?,
        citations: serde_json::from_str(&text("citations")?)
            .map_err(|e| unreadable("citations", e))?,
        model_calls: u32::try_from(count("model_calls")?).unwrap_or(u32::MAX),
        input_tokens: count("input_tokens")?,
        output_tokens: count("output_tokens")?,
        started_at,
        finished_at,
    })
}
