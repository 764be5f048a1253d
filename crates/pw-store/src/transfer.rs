//! Workspace files: a whole workspace (every row that belongs to it, and the files its rows
//! point at) in one gzip-compressed JSON document that imports back losslessly.
//!
//! Values keep SQLite's storage classes exactly: integers stay integers, reals keep every bit
//! (serde_json writes the shortest representation that parses back to the same f64), text stays
//! text and blobs travel as hex. Import validates everything before it writes anything, then
//! writes in one transaction, so a malformed file changes nothing.

use std::collections::HashSet;
use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Column, Row, TypeInfo, ValueRef};

use crate::database::{Database, MIGRATOR};
use crate::error::{Result, StoreError};

pub const WORKSPACE_FILE_FORMAT: &str = "profitwheel-workspace";
const WORKSPACE_FILE_VERSION: u32 = 1;

/// The tables that hold a workspace's data, parents before children so inserts satisfy foreign
/// keys. Runtime state (jobs) is deliberately absent: it belongs to a machine, not to a client.
const WORKSPACE_TABLES: &[&str] = &[
    "workspaces",
    "platform_connections",
    "ad_accounts",
    "audiences",
    "campaigns",
    "ad_groups",
    "creatives",
    "ads",
    "daily_metrics",
    "audience_signals",
    "twins",
    "twin_memories",
    "studies",
    "study_participants",
    "study_sessions",
    "transcript_turns",
    "survey_questions",
    "survey_responses",
    "reports",
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

impl Database {
    /// Reads a whole workspace into a [`WorkspaceFile`].
    pub async fn export_workspace(
        &self,
        workspace_id: &str,
        mut on_progress: impl FnMut(ExportProgress),
    ) -> Result<WorkspaceFile> {
        self.workspace(workspace_id).await?;
        // One read transaction gives a consistent snapshot even while a sync writes.
        let mut tx = self.reader().begin().await?;
        let mut tables = Vec::with_capacity(WORKSPACE_TABLES.len());
        let mut rows_so_far = 0;
        let mut blob_hashes: Vec<String> = Vec::new();
        for (index, table) in WORKSPACE_TABLES.iter().enumerate() {
            let key = if *table == "workspaces" {
                "id"
            } else {
                "workspace_id"
            };
            let sql = format!("SELECT * FROM {table} WHERE {key} = ?");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(workspace_id)
                .fetch_all(&mut *tx)
                .await?;
            let columns = table_columns(&mut tx, table).await?;
            let mut dump = TableDump {
                name: (*table).to_owned(),
                columns: columns.clone(),
                rows: Vec::new(),
            };
            for row in &rows {
                let mut values = Vec::with_capacity(columns.len());
                for column in &columns {
                    let position = row
                        .columns()
                        .iter()
                        .position(|c| c.name() == column)
                        .ok_or_else(|| {
                            StoreError::InvalidInput(format!("column {column} vanished"))
                        })?;
                    let value = value_from_sqlite(row, position)?;
                    if let (true, Value::String(hash)) = (column == "blob_sha256", &value) {
                        blob_hashes.push(hash.clone());
                    }
                    values.push(value);
                }
                dump.rows.push(values);
            }
            rows_so_far += dump.rows.len();
            tables.push(dump);
            on_progress(ExportProgress {
                tables_done: index + 1,
                tables_total: WORKSPACE_TABLES.len(),
                rows_so_far,
            });
        }
        blob_hashes.sort();
        blob_hashes.dedup();
        let mut blobs = Vec::with_capacity(blob_hashes.len());
        for sha256 in blob_hashes {
            let media_type: String =
                sqlx::query_scalar("SELECT media_type FROM blobs WHERE sha256 = ?")
                    .bind(&sha256)
                    .fetch_one(&mut *tx)
                    .await?;
            let bytes = self.blobs().get(&sha256).await?;
            blobs.push(BlobDump {
                sha256,
                media_type,
                hex: hex::encode(bytes),
            });
        }
        tx.commit().await?;
        Ok(WorkspaceFile {
            format: WORKSPACE_FILE_FORMAT.to_owned(),
            format_version: WORKSPACE_FILE_VERSION,
            schema_version: latest_schema_version(),
            exported_at: crate::clock::now_rfc3339(),
            workspace_id: workspace_id.to_owned(),
            tables,
            blobs,
        })
    }

    /// Writes a workspace to `path` (gzip JSON), atomically: a crash leaves no half file.
    pub async fn export_workspace_to(
        &self,
        workspace_id: &str,
        path: &std::path::Path,
        on_progress: impl FnMut(ExportProgress),
    ) -> Result<WorkspaceFile> {
        let file = self.export_workspace(workspace_id, on_progress).await?;
        let bytes = file.to_bytes()?;
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, &bytes)
            .await
            .map_err(|e| StoreError::io(&partial, e))?;
        tokio::fs::rename(&partial, path)
            .await
            .map_err(|e| StoreError::io(path, e))?;
        Ok(file)
    }

    /// Imports a workspace file. Everything is validated first; rows are then written in one
    /// transaction, so on any error the database is exactly as it was. Returns the workspace id.
    pub async fn import_workspace(&self, file: &WorkspaceFile) -> Result<String> {
        let invalid = |why: String| StoreError::InvalidWorkspaceFile(why);
        if file.format != WORKSPACE_FILE_FORMAT {
            return Err(invalid(format!(
                "it is not a ProfitWheel workspace file (format '{}')",
                file.format
            )));
        }
        if file.format_version > WORKSPACE_FILE_VERSION
            || file.schema_version > latest_schema_version()
        {
            return Err(invalid(
                "it was exported by a newer version of ProfitWheel; update the app first".into(),
            ));
        }
        let known: HashSet<&str> = WORKSPACE_TABLES.iter().copied().collect();
        let mut seen = HashSet::new();
        for table in &file.tables {
            if !known.contains(table.name.as_str()) {
                return Err(invalid(format!(
                    "it contains an unknown table '{}'",
                    table.name
                )));
            }
            if !seen.insert(table.name.as_str()) {
                return Err(invalid(format!("table '{}' appears twice", table.name)));
            }
            if table.rows.iter().any(|r| r.len() != table.columns.len()) {
                return Err(invalid(format!(
                    "a row of '{}' has the wrong number of values",
                    table.name
                )));
            }
        }
        let workspaces = file
            .tables
            .iter()
            .find(|t| t.name == "workspaces")
            .ok_or_else(|| invalid("it holds no workspace".into()))?;
        let id_column = workspaces.columns.iter().position(|c| c == "id");
        let single_id = match (id_column, workspaces.rows.as_slice()) {
            (Some(column), [row]) => row[column].as_str().map(str::to_owned),
            _ => None,
        };
        if single_id.as_deref() != Some(file.workspace_id.as_str()) {
            return Err(invalid(
                "its workspace record does not match its header".into(),
            ));
        }
        for table in file.tables.iter().filter(|t| t.name != "workspaces") {
            let Some(column) = table.columns.iter().position(|c| c == "workspace_id") else {
                return Err(invalid(format!(
                    "table '{}' has no workspace_id column",
                    table.name
                )));
            };
            if table
                .rows
                .iter()
                .any(|r| r[column].as_str() != Some(file.workspace_id.as_str()))
            {
                return Err(invalid(format!(
                    "table '{}' has rows of another workspace",
                    table.name
                )));
            }
        }
        let mut blob_bytes = Vec::with_capacity(file.blobs.len());
        for blob in &file.blobs {
            let bytes = hex::decode(&blob.hex)
                .map_err(|_| invalid(format!("blob {} is not hex", blob.sha256)))?;
            use sha2::Digest;
            if hex::encode(sha2::Sha256::digest(&bytes)) != blob.sha256 {
                return Err(invalid(format!(
                    "blob {} does not match its checksum",
                    blob.sha256
                )));
            }
            blob_bytes.push((blob, bytes));
        }
        if sqlx::query("SELECT 1 FROM workspaces WHERE id = ?")
            .bind(&file.workspace_id)
            .fetch_optional(self.reader())
            .await?
            .is_some()
        {
            return Err(StoreError::WorkspaceAlreadyExists(
                file.workspace_id.clone(),
            ));
        }

        let mut tx = self.begin_write().await?;
        for (blob, bytes) in &blob_bytes {
            // Files are content-addressed, so writing them before the transaction commits is
            // harmless: an orphaned file is only a cache entry.
            self.blobs().put(&mut *tx, bytes, &blob.media_type).await?;
        }
        for name in WORKSPACE_TABLES {
            let Some(table) = file.tables.iter().find(|t| t.name == *name) else {
                continue;
            };
            let allowed = table_columns(&mut tx, name).await?;
            if let Some(unknown) = table.columns.iter().find(|c| !allowed.contains(c)) {
                return Err(invalid(format!(
                    "table '{}' has an unknown column '{unknown}'",
                    table.name
                )));
            }
            let placeholders = vec!["?"; table.columns.len()].join(", ");
            let sql = format!(
                "INSERT INTO {} ({}) VALUES ({placeholders})",
                table.name,
                table.columns.join(", ")
            );
            for row in &table.rows {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for value in row {
                    query = match value {
                        Value::Null => query.bind(None::<String>),
                        Value::Bool(b) => query.bind(*b),
                        Value::Number(n) => match n.as_i64() {
                            Some(i) => query.bind(i),
                            None => query.bind(n.as_f64().unwrap_or(0.0)),
                        },
                        Value::String(s) => query.bind(s.clone()),
                        Value::Object(o) => {
                            match o.get("hex").and_then(Value::as_str).map(hex::decode) {
                                Some(Ok(bytes)) => query.bind(bytes),
                                _ => {
                                    return Err(invalid(format!(
                                        "a value in '{}' is not a column value",
                                        table.name
                                    )));
                                }
                            }
                        }
                        Value::Array(_) => {
                            return Err(invalid(format!(
                                "a value in '{}' is not a column value",
                                table.name
                            )));
                        }
                    };
                }
                query.execute(&mut *tx).await.map_err(|e| match e {
                    sqlx::Error::Database(db)
                        if db.is_unique_violation() && table.name == "workspaces" =>
                    {
                        StoreError::WorkspaceNameTaken(row_text(table, row, "name"))
                    }
                    sqlx::Error::Database(db) => invalid(format!(
                        "a row of '{}' was refused: {}",
                        table.name,
                        db.message()
                    )),
                    other => other.into(),
                })?;
            }
        }
        tx.commit().await?;
        Ok(file.workspace_id.clone())
    }
}

fn row_text(table: &TableDump, row: &[Value], column: &str) -> String {
    table
        .columns
        .iter()
        .position(|c| c == column)
        .and_then(|i| row[i].as_str())
        .unwrap_or_default()
        .to_owned()
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
