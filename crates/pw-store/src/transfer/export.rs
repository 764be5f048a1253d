//! Writing a workspace file as a stream: rows are read from one read transaction (a consistent
//! snapshot while a sync writes) a row at a time and written out as they come, so a workspace of
//! millions of rows exports in the memory of one chunk, not of the whole file.

use std::future::Future;
use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use futures::TryStreamExt;
use serde_json::Value;
use sqlx::{Column, Row};

use pw_domain::WorkspaceId;

use super::{
    BlobDump, ExportProgress, WORKSPACE_FILE_FORMAT, WORKSPACE_FILE_VERSION, WORKSPACE_TABLES,
    WorkspaceFile, latest_schema_version, table_columns, value_from_sqlite,
};
use crate::database::Database;
use crate::error::{Result, StoreError};

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub rows: usize,
    pub blobs: usize,
}

impl ExportSummary {
    pub fn row_count(&self) -> usize {
        self.rows
    }
}

/// Where the JSON of a workspace file goes.
trait JsonSink: Send {
    fn write(&mut self, bytes: &[u8]) -> impl Future<Output = Result<()>> + Send;
}

impl JsonSink for Vec<u8> {
    async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// Chunks handed to the thread that compresses and writes the file.
struct ChunkSink {
    buffer: Vec<u8>,
    sender: tokio::sync::mpsc::Sender<Vec<u8>>,
}

const CHUNK_BYTES: usize = 256 * 1024;

impl ChunkSink {
    async fn flush(&mut self) -> Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES));
        self.sender
            .send(chunk)
            .await
            .map_err(|_| StoreError::InvalidInput("the file writer stopped".into()))
    }
}

impl JsonSink for ChunkSink {
    async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.flush().await?;
        }
        Ok(())
    }
}

fn json(value: &impl serde::Serialize) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StoreError::InvalidInput(e.to_string()))
}

impl Database {
    /// Reads a whole workspace into a [`WorkspaceFile`] in memory (small workspaces and tests;
    /// files on disk are written by [`Database::export_workspace_to`] as a stream).
    pub async fn export_workspace(
        &self,
        workspace_id: WorkspaceId,
        on_progress: impl FnMut(ExportProgress) + Send,
    ) -> Result<WorkspaceFile> {
        let mut bytes = Vec::new();
        self.write_workspace(workspace_id, &mut bytes, on_progress)
            .await?;
        serde_json::from_slice(&bytes).map_err(|e| StoreError::InvalidInput(e.to_string()))
    }

    /// Writes a workspace to `path` (gzip JSON) as a stream, atomically: the file appears
    /// whole under its name or not at all (a crash or a full disk leaves no half file).
    pub async fn export_workspace_to(
        &self,
        workspace_id: WorkspaceId,
        path: &std::path::Path,
        on_progress: impl FnMut(ExportProgress) + Send,
    ) -> Result<ExportSummary> {
        let partial = path.with_extension("partial");
        let (sender, mut chunks) = tokio::sync::mpsc::channel::<Vec<u8>>(8);
        let target = partial.clone();
        let writer = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let file = std::fs::File::create(&target)?;
            let mut encoder = GzEncoder::new(std::io::BufWriter::new(file), Compression::default());
            while let Some(chunk) = chunks.blocking_recv() {
                encoder.write_all(&chunk)?;
            }
            let mut buffered = encoder.finish()?;
            buffered.flush()?;
            buffered.get_ref().sync_all()
        });
        let mut sink = ChunkSink {
            buffer: Vec::with_capacity(CHUNK_BYTES),
            sender,
        };
        let written = match self
            .write_workspace(workspace_id, &mut sink, on_progress)
            .await
        {
            Ok(summary) => sink.flush().await.map(|()| summary),
            Err(error) => Err(error),
        };
        drop(sink);
        let finished = writer
            .await
            .map_err(|e| StoreError::InvalidInput(format!("the file writer failed: {e}")))
            .and_then(|io| io.map_err(|e| StoreError::io(&partial, e)));
        match (written, finished) {
            (Ok(summary), Ok(())) => {
                tokio::fs::rename(&partial, path)
                    .await
                    .map_err(|e| StoreError::io(path, e))?;
                Ok(summary)
            }
            // The writer's own failure (a full disk, a folder that cannot be written) is the
            // one to tell: the rows stopped because it did.
            (_, Err(error)) | (Err(error), Ok(())) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(error)
            }
        }
    }

    /// The workspace file's JSON, table by table and row by row, in the field order of
    /// [`WorkspaceFile`] (the header first, so a reader can check it before any row).
    async fn write_workspace(
        &self,
        workspace_id: WorkspaceId,
        sink: &mut impl JsonSink,
        mut on_progress: impl FnMut(ExportProgress) + Send,
    ) -> Result<ExportSummary> {
        self.require_workspace(workspace_id).await?;
        let mut tx = self.reader().begin().await?;
        let header = serde_json::json!({
            "format": WORKSPACE_FILE_FORMAT,
            "format_version": WORKSPACE_FILE_VERSION,
            "schema_version": latest_schema_version(),
            "exported_at": crate::clock::now_rfc3339(),
            "workspace_id": workspace_id.to_string(),
        });
        let header = json(&header)?;
        // `{...}` without its closing brace, then the tables.
        sink.write(&header[..header.len() - 1]).await?;
        sink.write(b",\"tables\":[").await?;
        let mut rows_so_far = 0;
        let mut blob_hashes: Vec<String> = Vec::new();
        let mut first_table = true;
        for (index, table) in WORKSPACE_TABLES.iter().enumerate() {
            // A database from before a table existed has nothing of it to export.
            let columns = table_columns(&mut tx, table).await?;
            if columns.is_empty() {
                continue;
            }
            if !first_table {
                sink.write(b",").await?;
            }
            first_table = false;
            sink.write(b"{\"name\":").await?;
            sink.write(&json(table)?).await?;
            sink.write(b",\"columns\":").await?;
            sink.write(&json(&columns)?).await?;
            sink.write(b",\"rows\":[").await?;
            let key = if *table == "workspaces" {
                "id"
            } else {
                "workspace_id"
            };
            let sql = format!("SELECT * FROM {table} WHERE {key} = ?");
            let id = workspace_id.to_string();
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&id)
                .fetch(&mut *tx);
            let mut positions: Option<Vec<usize>> = None;
            let mut first_row = true;
            while let Some(row) = rows.try_next().await? {
                let positions = match &positions {
                    Some(positions) => positions,
                    None => positions.insert(
                        columns
                            .iter()
                            .map(|column| {
                                row.columns()
                                    .iter()
                                    .position(|c| c.name() == column)
                                    .ok_or_else(|| {
                                        StoreError::InvalidInput(format!(
                                            "column {column} vanished"
                                        ))
                                    })
                            })
                            .collect::<Result<Vec<usize>>>()?,
                    ),
                };
                let mut values = Vec::with_capacity(columns.len());
                for (column, position) in columns.iter().zip(positions) {
                    let value = value_from_sqlite(&row, *position)?;
                    if let (true, Value::String(hash)) = (column == "blob_sha256", &value) {
                        blob_hashes.push(hash.clone());
                    }
                    values.push(value);
                }
                if !first_row {
                    sink.write(b",").await?;
                }
                first_row = false;
                sink.write(&json(&values)?).await?;
                rows_so_far += 1;
            }
            drop(rows);
            sink.write(b"]}").await?;
            on_progress(ExportProgress {
                tables_done: index + 1,
                tables_total: WORKSPACE_TABLES.len(),
                rows_so_far,
            });
        }
        sink.write(b"],\"blobs\":[").await?;
        blob_hashes.sort();
        blob_hashes.dedup();
        for (index, sha256) in blob_hashes.iter().enumerate() {
            let media_type: String =
                sqlx::query_scalar("SELECT media_type FROM blobs WHERE sha256 = ?")
                    .bind(sha256)
                    .fetch_one(&mut *tx)
                    .await?;
            let bytes = self.blobs().get(sha256).await?;
            if index > 0 {
                sink.write(b",").await?;
            }
            sink.write(&json(&BlobDump {
                sha256: sha256.clone(),
                media_type,
                hex: hex::encode(bytes),
            })?)
            .await?;
        }
        sink.write(b"]}").await?;
        tx.commit().await?;
        Ok(ExportSummary {
            rows: rows_so_far,
            blobs: blob_hashes.len(),
        })
    }
}
