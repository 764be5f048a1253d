//! Workspace files: a whole workspace (every row that belongs to it, and the files its rows
//! point at) in one gzip-compressed JSON document that imports back losslessly.
//!
//! Values keep SQLite's storage classes exactly: integers stay integers, reals keep every bit
//! (serde_json writes the shortest representation that parses back to the same f64), text stays
//! text and blobs travel as hex. Import checks the header before it writes anything, then checks
//! and writes every table and row in one transaction and, before committing, reads back every
//! typed column (ids, instants, days, currencies) by the repositories' rules, so a malformed
//! file changes nothing.
//! Files on disk are written and read as streams (`export.rs`, `import.rs`), a row at a time.

use std::collections::HashMap;
use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Row, TypeInfo, ValueRef};

use pw_domain::{Currency, WorkspaceId};

mod export;
mod import;

pub use export::ExportSummary;

use crate::columns::{parse_stored, parse_stored_instant};
use crate::database::MIGRATOR;
use crate::error::{Result, StoreError};
use crate::signal_occurrence::signal_occurrence;

pub const WORKSPACE_FILE_FORMAT: &str = "profitwheel-workspace";
const WORKSPACE_FILE_VERSION: u32 = 1;

/// The tables that hold a workspace's data, parents before children so inserts satisfy foreign
/// keys. Runtime state (jobs) is deliberately absent: it belongs to a machine, not to a client.
const WORKSPACE_TABLES: &[&str] = &[
    "workspaces",
    "platform_connections",
    "connection_accounts",
    "sync_cursors",
    "sync_runs",
    "ad_accounts",
    "audiences",
    "campaigns",
    "ad_groups",
    "creatives",
    "ads",
    "daily_metrics",
    "audience_signals",
    "metric_breakdowns",
    "signals",
    "signal_rows",
    "grounding_reports",
    "grounding_claims",
    "claim_citations",
    "twins",
    "twin_versions",
    "twin_memories",
    "memory_versions",
    "memory_evidence",
    "studies",
    "study_participants",
    "study_sessions",
    "transcript_turns",
    "session_commands",
    "session_insights",
    "session_calls",
    "surveys",
    "survey_versions",
    "survey_questions",
    "survey_responses",
    "survey_runs",
    "survey_respondents",
    "survey_answers",
    "survey_human_sets",
    "survey_open_themes",
    "survey_reports",
    "reports",
    "agent_runs",
    "deck_files",
    "deck_themes",
    "deck_theme_files",
    "llm_calls",
    "llm_cache",
    "job_schedules",
];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WorkspaceFile {
    pub format: String,
    pub format_version: u32,
    pub schema_version: i64,
    pub exported_at: String,
    pub workspace_id: String,
    pub tables: Vec<TableDump>,
    pub blobs: Vec<BlobDump>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableDump {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BlobDump {
    pub sha256: String,
    pub media_type: String,
    pub hex: String,
}

/// Reported after each table while exporting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExportProgress {
    pub tables_done: usize,
    pub tables_total: usize,
    pub rows_so_far: usize,
}

fn latest_schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

fn value_from_sqlite(row: &sqlx::sqlite::SqliteRow, index: usize) -> Result<Value> {
    let raw = row.try_get_raw(index)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let type_name = raw.type_info().name().to_owned();
    Ok(match type_name.as_str() {
        "INTEGER" | "BOOLEAN" => Value::from(row.try_get::<i64, _>(index)?),
        "REAL" => {
            let real: f64 = row.try_get(index)?;
            serde_json::Number::from_f64(real)
                .map(Value::Number)
                .unwrap_or(Value::Null)
        }
        "BLOB" => serde_json::json!({ "hex": hex::encode(row.try_get::<Vec<u8>, _>(index)?) }),
        _ => Value::from(row.try_get::<String, _>(index)?),
    })
}

/// How the repositories read a text column into a type.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ColumnType {
    /// A UUID in its canonical text (every id column but platforms' own `external_id`).
    Id,
    /// An RFC 3339 instant.
    Instant,
    /// A calendar day, `YYYY-MM-DD`.
    Day,
    /// An ISO 4217 code, upper case as the writer stores it.
    Currency,
}

/// The type a column of a workspace table is read as, if it is read as one. Named by the
/// schema's conventions: ids are `id` and `*_id`, instants `*_at` (but `job_schedules` keeps unix
/// milliseconds there), days `date`, `*_date` and `occurred_on`.
fn column_type(table: &str, column: &str) -> Option<ColumnType> {
    match column {
        // Platforms' own ids (`external_id`, a sync cursor's `account_external_id`) and job ids
        // are not ours.
        "external_id" | "job_id" => None,
        _ if column.ends_with("_external_id") => None,
        "id" => Some(ColumnType::Id),
        "currency" => Some(ColumnType::Currency),
        "date" | "occurred_on" => Some(ColumnType::Day),
        _ if column.ends_with("_id") => Some(ColumnType::Id),
        _ if column.ends_with("_date") => Some(ColumnType::Day),
        _ if column.ends_with("_at") && table != "job_schedules" => Some(ColumnType::Instant),
        _ => None,
    }
}

/// Reads back, inside the import's transaction, every typed column of `table`'s imported rows,
/// and refuses the file for the first value the repositories could not read.
async fn check_typed_columns(
    tx: &mut sqlx::SqliteConnection,
    table: &str,
    columns: &[String],
    workspace_id: &str,
) -> Result<()> {
    let key = if table == "workspaces" {
        "id"
    } else {
        "workspace_id"
    };
    for column in columns {
        let Some(column_type) = column_type(table, column) else {
            continue;
        };
        // Table and column names were checked against the schema before any insert.
        let sql = format!(
            "SELECT CAST({column} AS BLOB), typeof({column}) FROM {table} WHERE {key} = ? AND {column} IS NOT NULL"
        );
        // Read as a stream: a table of a million rows is checked in the memory of one.
        let mut values = sqlx::query_as::<_, (Vec<u8>, String)>(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .fetch(&mut *tx);
        while let Some((bytes, storage)) = futures::TryStreamExt::try_next(&mut values).await? {
            let unreadable = |reason: String| {
                StoreError::InvalidWorkspaceFile(format!(
                    "its {table}.{column} holds a value this version of ProfitWheel cannot read: {reason}"
                ))
            };
            let text = match String::from_utf8(bytes) {
                Ok(text) if storage == "text" => text,
                _ => return Err(unreadable(format!("a {storage} value where text belongs"))),
            };
            readable(column_type, &text).map_err(|error| match error {
                StoreError::UnreadableValue { reason, .. } => unreadable(reason),
                other => other,
            })?;
        }
    }
    Ok(())
}

/// Whether `text` reads as a `column_type`, by the same rules as the repositories, and is the
/// text the writer would store for it (so lookups by that text find it).
fn readable(column_type: ColumnType, text: &str) -> Result<()> {
    let not_as_stored = |what: &str| StoreError::UnreadableValue {
        column: "value",
        reason: format!("'{text}' is not {what} as ProfitWheel stores it"),
    };
    match column_type {
        ColumnType::Id => {
            // Every id type reads the same canonical UUID text.
            parse_stored::<WorkspaceId>("id", text).map_err(|_| not_as_stored("an id"))?;
        }
        ColumnType::Instant => {
            parse_stored_instant("instant", text)?;
        }
        ColumnType::Day => {
            let day = parse_stored::<chrono::NaiveDate>("date", text).ok();
            if day.map(|day| day.format("%Y-%m-%d").to_string()).as_deref() != Some(text) {
                return Err(not_as_stored("a date"));
            }
        }
        ColumnType::Currency => {
            let currency: Currency = parse_stored("currency", text)?;
            if currency.as_str() != text {
                return Err(not_as_stored("a currency code"));
            }
        }
    }
    Ok(())
}

/// The migration that gave audiences and audience signals their natural keys
/// (`20261129000003_natural_keys.sql`). Files exported by a schema before it may hold copies.
const NATURAL_KEYS_VERSION: i64 = 20261129000003;

/// What an upsert of a later copy overwrites (so the merged row carries the latest figures).
const AUDIENCE_UPDATED_COLUMNS: &[&str] = &[
    "name",
    "size_lower",
    "size_upper",
    "interests",
    "demographics",
];
const SIGNAL_UPDATED_COLUMNS: &[&str] = &["topic", "sentiment", "intent", "volume", "metadata"];

/// Merges the rows of a file exported before natural keys by the rules of the migration that
/// introduced them: rows with the same natural key become the first of them (in the file's order,
/// which is the order they were stored in), carrying the last one's figures, and every reference
/// to a copy (ad groups', signals' and twins' audience, twin memories' source signal) is pointed
/// at the row that is kept.
fn merge_natural_key_copies(file: &mut WorkspaceFile) {
    let audience_copies = merge_copies(
        file,
        "audiences",
        AUDIENCE_UPDATED_COLUMNS,
        |columns, row| {
            let external_id = cell(columns, row, "external_id").filter(|v| !v.is_null())?;
            let key = [
                cell(columns, row, "workspace_id")?,
                cell(columns, row, "platform")?,
                external_id,
            ];
            Some(Value::from(key.map(Value::clone).to_vec()).to_string())
        },
    );
    for (table, column) in [
        ("ad_groups", "audience_id"),
        ("audience_signals", "audience_id"),
        ("twins", "audience_id"),
    ] {
        point_at_kept_rows(file, table, column, &audience_copies);
    }
    let signal_copies = merge_copies(
        file,
        "audience_signals",
        SIGNAL_UPDATED_COLUMNS,
        |columns, row| {
            let audience = match cell(columns, row, "audience_id") {
                None | Some(Value::Null) => Value::from(""),
                Some(audience) => audience.clone(),
            };
            let occurrence = cell(columns, row, "metadata")
                .and_then(Value::as_str)
                .and_then(|metadata| serde_json::from_str::<Value>(metadata).ok())
                .map(|metadata| signal_occurrence(&metadata))
                .unwrap_or_default();
            let key = [
                cell(columns, row, "workspace_id")?.clone(),
                cell(columns, row, "kind")?.clone(),
                cell(columns, row, "source")?.clone(),
                cell(columns, row, "occurred_on")?.clone(),
                cell(columns, row, "text")?.clone(),
                audience,
                Value::from(occurrence),
            ];
            Some(Value::from(key.to_vec()).to_string())
        },
    );
    point_at_kept_rows(file, "twin_memories", "source_signal_id", &signal_copies);
}

fn cell<'r>(columns: &[String], row: &'r [Value], column: &str) -> Option<&'r Value> {
    columns
        .iter()
        .position(|c| c == column)
        .and_then(|i| row.get(i))
}

/// Keeps the first row of each natural key in `table` (rows without a key are all kept), gives it
/// the `updated` values of the last row with that key, and returns which id each removed copy
/// had and which id replaces it.
fn merge_copies(
    file: &mut WorkspaceFile,
    table: &str,
    updated: &[&str],
    natural_key: impl Fn(&[String], &[Value]) -> Option<String>,
) -> HashMap<String, String> {
    let mut copies = HashMap::new();
    let Some(table) = file.tables.iter_mut().find(|t| t.name == table) else {
        return copies;
    };
    let Some(id_column) = table.columns.iter().position(|c| c == "id") else {
        return copies;
    };
    let updated: Vec<usize> = updated
        .iter()
        .filter_map(|column| table.columns.iter().position(|c| c == column))
        .collect();
    let mut kept_at: HashMap<String, usize> = HashMap::new();
    let mut rows: Vec<Vec<Value>> = Vec::with_capacity(table.rows.len());
    for row in std::mem::take(&mut table.rows) {
        let Some(key) = natural_key(&table.columns, &row) else {
            rows.push(row);
            continue;
        };
        match kept_at.get(&key) {
            Some(&index) => {
                let kept = &mut rows[index];
                for &column in &updated {
                    kept[column] = row[column].clone();
                }
                if let (Some(copy), Some(keep)) =
                    (row[id_column].as_str(), kept[id_column].as_str())
                {
                    copies.insert(copy.to_owned(), keep.to_owned());
                }
            }
            None => {
                kept_at.insert(key, rows.len());
                rows.push(row);
            }
        }
    }
    table.rows = rows;
    copies
}

fn point_at_kept_rows(
    file: &mut WorkspaceFile,
    table: &str,
    column: &str,
    copies: &HashMap<String, String>,
) {
    if copies.is_empty() {
        return;
    }
    let Some(table) = file.tables.iter_mut().find(|t| t.name == table) else {
        return;
    };
    let Some(position) = table.columns.iter().position(|c| c == column) else {
        return;
    };
    for row in &mut table.rows {
        let kept = row[position].as_str().and_then(|id| copies.get(id));
        if let Some(kept) = kept {
            row[position] = Value::from(kept.clone());
        }
    }
}

async fn table_columns(conn: &mut sqlx::SqliteConnection, table: &str) -> Result<Vec<String>> {
    let sql = format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid");
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await?)
}

impl WorkspaceFile {
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let json = serde_json::to_vec(self).map_err(|e| StoreError::InvalidInput(e.to_string()))?;
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder
            .write_all(&json)
            .map_err(|e| StoreError::io("workspace file", e))?;
        encoder
            .finish()
            .map_err(|e| StoreError::io("workspace file", e))
    }

    /// Parses a workspace file, with a message a person can act on when it is not one.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut json = Vec::new();
        GzDecoder::new(bytes).read_to_end(&mut json).map_err(|_| {
            StoreError::InvalidWorkspaceFile(
                "it is not a ProfitWheel workspace file (not gzip data)".into(),
            )
        })?;
        serde_json::from_slice(&json).map_err(|e| {
            StoreError::InvalidWorkspaceFile(format!("its contents are malformed ({e})"))
        })
    }

    pub async fn read(path: &std::path::Path) -> Result<Self> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| StoreError::io(path, e))?;
        Self::from_bytes(&bytes)
    }

    pub fn row_count(&self) -> usize {
        self.tables.iter().map(|t| t.rows.len()).sum()
    }
}
