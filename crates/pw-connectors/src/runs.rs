//! Sync runs: one sync of one connection, its plan and progress per account and stream (which
//! a resumed job continues from), and its end report in words a marketer understands.

use chrono::{DateTime, NaiveDate, Utc};
use pw_domain::{Platform, WorkspaceId};
use pw_store::{parse_stored, parse_stored_instant};
use serde::{Deserialize, Serialize};

use crate::error::{ConnectorError, Result};
use crate::normalise::Unmappable;
use crate::records::DayWindow;
use crate::repository::ConnectionStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    /// Every stream finished.
    Succeeded,
    /// Some streams finished, others did not (each says why).
    Partial,
    Failed,
    Cancelled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Partial => "partial",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }
}

impl std::str::FromStr for RunStatus {
    type Err = String;
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        Ok(match text {
            "running" => RunStatus::Running,
            "succeeded" => RunStatus::Succeeded,
            "partial" => RunStatus::Partial,
            "failed" => RunStatus::Failed,
            "cancelled" => RunStatus::Cancelled,
            other => return Err(format!("'{other}' is not a sync status")),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamState {
    Pending,
    Running,
    Done,
    Failed,
    /// Not run: the connection needs the person, or the platform asked us to wait.
    Skipped,
}

/// Why a stream did not finish, and what to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamProblem {
    pub kind: String,
    pub message: String,
    pub action: String,
}

impl StreamProblem {
    pub fn of(error: &ConnectorError) -> Self {
        StreamProblem {
            kind: error.kind().to_owned(),
            message: error.to_string(),
            action: error.action(),
        }
    }
}

/// Values left out of a stream, at most this many kept by name (all are counted).
pub const ISSUES_KEPT: usize = 20;

/// One account's stream in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamProgress {
    pub account: String,
    pub account_name: String,
    /// `campaigns`, `ad_groups`, `creatives`, `ads`, `metrics:<level>`, `audiences`.
    pub stream: String,
    pub state: StreamState,
    /// Report streams: the days this run reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<DayWindow>,
    /// Report streams: the last day stored by this run (a resumed run starts after it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_through: Option<NaiveDate>,
    pub records: u64,
    pub pages: u64,
    pub issues_count: u64,
    #[serde(default)]
    pub issues: Vec<Unmappable>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<StreamProblem>,
}

impl StreamProgress {
    pub fn new(account: &str, account_name: &str, stream: String) -> Self {
        StreamProgress {
            account: account.to_owned(),
            account_name: account_name.to_owned(),
            stream,
            state: StreamState::Pending,
            window: None,
            done_through: None,
            records: 0,
            pages: 0,
            issues_count: 0,
            issues: Vec::new(),
            problem: None,
        }
    }

    pub fn note_issues(&mut self, issues: Vec<Unmappable>) {
        self.issues_count += issues.len() as u64;
        for issue in issues {
            if self.issues.len() < ISSUES_KEPT {
                self.issues.push(issue);
            }
        }
    }

    /// "daily metrics by campaign", "ad groups".
    pub fn words(&self) -> String {
        match self.stream.strip_prefix("metrics:") {
            Some(level) => format!("daily metrics by {}", level.replace('_', " ")),
            None => self.stream.replace('_', " "),
        }
    }
}

/// What a sync did, for the person: a headline, what to do, and each stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub status: RunStatus,
    pub headline: String,
    /// What the person should do, most important first (empty when nothing).
    pub actions: Vec<String>,
    pub accounts: usize,
    pub records: u64,
    pub issues: u64,
    pub streams: Vec<StreamProgress>,
    /// Why the list of accounts could not be read (the accounts known before were synced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts_problem: Option<StreamProblem>,
}

impl SyncReport {
    /// The report of a run's streams as they ended.
    pub fn of(
        platform: Platform,
        streams: &[StreamProgress],
        cancelled: bool,
        fatal: Option<&StreamProblem>,
    ) -> Self {
        let done = streams
            .iter()
            .filter(|s| s.state == StreamState::Done)
            .count();
        let failed: Vec<&StreamProgress> = streams
            .iter()
            .filter(|s| {
                matches!(
                    s.state,
                    StreamState::Failed
                        | StreamState::Skipped
                        | StreamState::Pending
                        | StreamState::Running
                )
            })
            .collect();
        let records = streams.iter().map(|s| s.records).sum();
        let issues = streams.iter().map(|s| s.issues_count).sum();
        let accounts = {
            let mut ids: Vec<&str> = streams.iter().map(|s| s.account.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            ids.len()
        };
        let status = if cancelled {
            RunStatus::Cancelled
        } else if fatal.is_some() && done == 0 {
            RunStatus::Failed
        } else if failed.is_empty() {
            RunStatus::Succeeded
        } else if done == 0 {
            RunStatus::Failed
        } else {
            RunStatus::Partial
        };
        let name = platform.display_name();
        let headline = match status {
            RunStatus::Succeeded => format!(
                "{name}: {records} records from {accounts} account{} are up to date{}.",
                if accounts == 1 { "" } else { "s" },
                if issues > 0 {
                    format!("; {issues} values could not be read and were left out")
                } else {
                    String::new()
                }
            ),
            RunStatus::Partial => format!(
                "{name}: {done} of {} parts synced ({records} records); {} did not finish.",
                streams.len(),
                failed.len()
            ),
            RunStatus::Failed => match fatal {
                Some(problem) => format!("{name}: nothing was synced. {}", problem.message),
                None => format!("{name}: nothing was synced."),
            },
            RunStatus::Cancelled => format!(
                "{name}: the sync was stopped after {records} records; the next sync continues from there."
            ),
            RunStatus::Running => format!("{name}: syncing."),
        };
        let mut actions: Vec<String> = Vec::new();
        for problem in fatal
            .into_iter()
            .chain(failed.iter().filter_map(|s| s.problem.as_ref()))
        {
            if !actions.contains(&problem.action) {
                actions.push(problem.action.clone());
            }
        }
        if issues > 0 {
            actions.push("Some values could not be read; the rows holding them were left out (listed per stream).".into());
        }
        SyncReport {
            status,
            headline,
            actions,
            accounts,
            records,
            issues,
            streams: streams.to_vec(),
            accounts_problem: None,
        }
    }

    /// The list of accounts could not be read: the accounts known before were synced, and new
    /// ones may be missing.
    pub fn note_accounts_problem(&mut self, problem: StreamProblem) {
        if self.status == RunStatus::Succeeded {
            self.status = RunStatus::Partial;
        }
        self.headline = format!(
            "{} The list of accounts could not be read, so accounts added since the last sync may be missing.",
            self.headline
        );
        if !self.actions.contains(&problem.action) {
            self.actions.insert(0, problem.action.clone());
        }
        self.accounts_problem = Some(problem);
    }
}

/// A sync run as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRun {
    pub id: String,
    pub workspace_id: WorkspaceId,
    pub connection_id: String,
    pub job_id: Option<String>,
    pub requested_from: Option<NaiveDate>,
    pub status: RunStatus,
    pub streams: Vec<StreamProgress>,
    pub report: Option<SyncReport>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

type RunColumns = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);

const RUN_COLUMNS: &str = "id, workspace_id, connection_id, job_id, requested_from, status, streams, report, started_at, finished_at";

fn run_of(row: RunColumns) -> Result<SyncRun> {
    let (
        id,
        workspace_id,
        connection_id,
        job_id,
        requested_from,
        status,
        streams,
        report,
        started_at,
        finished_at,
    ) = row;
    let corrupt = |column: &'static str, e: serde_json::Error| {
        ConnectorError::Store(pw_store::StoreError::UnreadableValue {
            column,
            reason: e.to_string(),
        })
    };
    Ok(SyncRun {
        workspace_id: parse_stored("workspace_id", &workspace_id)?,
        connection_id,
        job_id,
        requested_from: requested_from
            .map(|d| parse_stored("requested_from", &d))
            .transpose()?,
        status: parse_stored("status", &status)?,
        streams: serde_json::from_str(&streams).map_err(|e| corrupt("streams", e))?,
        report: report
            .map(|r| serde_json::from_str(&r))
            .transpose()
            .map_err(|e| corrupt("report", e))?,
        started_at: parse_stored_instant("started_at", &started_at)?,
        finished_at: finished_at
            .map(|f| parse_stored_instant("finished_at", &f))
            .transpose()?,
        id,
    })
}

fn json_text<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| ConnectorError::Invalid(format!("a sync record could not be written: {e}")))
}

impl ConnectionStore {
    pub async fn create_run(&self, run: &SyncRun) -> Result<()> {
        sqlx::query(
            "INSERT INTO sync_runs (id, workspace_id, connection_id, job_id, requested_from, status, streams, started_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&run.id)
        .bind(run.workspace_id.to_string())
        .bind(&run.connection_id)
        .bind(&run.job_id)
        .bind(run.requested_from.map(|d| d.to_string()))
        .bind(run.status.as_str())
        .bind(json_text(&run.streams)?)
        .bind(pw_store::format_instant(run.started_at))
        .execute(self.database().writer())
        .await?;
        Ok(())
    }

    pub async fn set_run_job(&self, run_id: &str, job_id: &str) -> Result<()> {
        sqlx::query("UPDATE sync_runs SET job_id = ? WHERE id = ?")
            .bind(job_id)
            .bind(run_id)
            .execute(self.database().writer())
            .await?;
        Ok(())
    }

    pub async fn run(&self, id: &str) -> Result<SyncRun> {
        let row: Option<RunColumns> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLUMNS} FROM sync_runs WHERE id = ?"
        )))
        .bind(id)
        .fetch_optional(self.database().reader())
        .await?;
        row.map(run_of)
            .transpose()?
            .ok_or_else(|| ConnectorError::RunNotFound(id.to_owned()))
    }

    /// A connection's runs, newest first.
    pub async fn runs(&self, connection_id: &str, limit: u32) -> Result<Vec<SyncRun>> {
        let rows: Vec<RunColumns> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLUMNS} FROM sync_runs WHERE connection_id = ? ORDER BY started_at DESC, id DESC LIMIT ?"
        )))
        .bind(connection_id)
        .bind(limit)
        .fetch_all(self.database().reader())
        .await?;
        rows.into_iter().map(run_of).collect()
    }

    /// The run of a connection still marked running (a sync killed mid-way), if any.
    pub async fn unfinished_run(&self, connection_id: &str) -> Result<Option<SyncRun>> {
        let row: Option<RunColumns> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLUMNS} FROM sync_runs WHERE connection_id = ? AND status = 'running'
             ORDER BY started_at DESC LIMIT 1"
        )))
        .bind(connection_id)
        .fetch_optional(self.database().reader())
        .await?;
        row.map(run_of).transpose()
    }

    pub async fn save_streams(&self, run_id: &str, streams: &[StreamProgress]) -> Result<()> {
        sqlx::query("UPDATE sync_runs SET streams = ? WHERE id = ?")
            .bind(json_text(&streams)?)
            .bind(run_id)
            .execute(self.database().writer())
            .await?;
        Ok(())
    }

    pub async fn finish_run(&self, run_id: &str, report: &SyncReport) -> Result<()> {
        sqlx::query("UPDATE sync_runs SET status = ?, streams = ?, report = ?, finished_at = ? WHERE id = ?")
            .bind(report.status.as_str())
            .bind(json_text(&report.streams)?)
            .bind(json_text(report)?)
            .bind(pw_store::now_rfc3339())
            .bind(run_id)
            .execute(self.database().writer())
            .await?;
        Ok(())
    }
}
