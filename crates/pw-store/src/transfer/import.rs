//! Reading a workspace file back, from memory or as a stream from disk. Both go through one
//! [`ImportWriter`]: the header is checked before anything is written, then every table and row
//! is checked as it is inserted, all in one write transaction, and every typed column is read
//! back before the commit. Any failure rolls the transaction back, so a malformed or
//! conflicting file changes nothing, however far into it the problem is.
//!
//! Streaming: a blocking thread parses the gzip JSON with a serde seed that hands each row over
//! as it is read (never the whole file), and the import inserts it; memory stays at a few rows.

use std::collections::HashSet;
use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;

use flate2::read::GzDecoder;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use sqlx::{Sqlite, Transaction};

use pw_domain::WorkspaceId;

use super::{
    BlobDump, NATURAL_KEYS_VERSION, WORKSPACE_FILE_FORMAT, WORKSPACE_FILE_VERSION,
    WORKSPACE_TABLES, WorkspaceFile, check_typed_columns, latest_schema_version,
    merge_natural_key_copies, table_columns,
};
use crate::database::Database;
use crate::error::{Result, StoreError};

fn invalid(why: impl Into<String>) -> StoreError {
    StoreError::InvalidWorkspaceFile(why.into())
}

/// A file's header: what it is and whose workspace it holds.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FileHeader {
    pub format: String,
    pub format_version: u32,
    pub schema_version: i64,
    pub workspace_id: String,
}

impl FileHeader {
    fn check(&self) -> Result<WorkspaceId> {
        let workspace_id: WorkspaceId = self
            .workspace_id
            .parse()
            .map_err(|e| invalid(format!("its header names no workspace ({e})")))?;
        if self.format != WORKSPACE_FILE_FORMAT {
            return Err(invalid(format!(
                "it is not a ProfitWheel workspace file (format '{}')",
                self.format
            )));
        }
        if self.format_version > WORKSPACE_FILE_VERSION
            || self.schema_version > latest_schema_version()
        {
            return Err(invalid(
                "it was exported by a newer version of ProfitWheel; update the app first",
            ));
        }
        Ok(workspace_id)
    }
}

struct OpenTable {
    name: String,
    columns: Vec<String>,
    /// Where `workspace_id` (or, in `workspaces`, `id`) is in a row.
    owner: usize,
    /// Rows checked and waiting for the next multi-row insert.
    pending: Vec<Vec<Cell>>,
    /// Rows per insert: as many as SQLite's bound-variable limit allows, at most 200.
    batch: usize,
}

/// A value as SQLite stores it.
enum Cell {
    Null,
    Bool(bool),
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Cell {
    fn of(value: Value, table: &str) -> Result<Cell> {
        Ok(match value {
            Value::Null => Cell::Null,
            Value::Bool(b) => Cell::Bool(b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Cell::Integer(i),
                None => Cell::Real(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => Cell::Text(s),
            Value::Object(o) => match o.get("hex").and_then(Value::as_str).map(hex::decode) {
                Some(Ok(bytes)) => Cell::Blob(bytes),
                _ => {
                    return Err(invalid(format!(
                        "a value in '{table}' is not a column value"
                    )));
                }
            },
            Value::Array(_) => {
                return Err(invalid(format!(
                    "a value in '{table}' is not a column value"
                )));
            }
        })
    }
}

/// Writes a file's tables and blobs into one transaction, checking each as it comes.
pub(super) struct ImportWriter<'d> {
    db: &'d Database,
    tx: Transaction<'static, Sqlite>,
    workspace_id: WorkspaceId,
    header: FileHeader,
    seen: HashSet<String>,
    imported: Vec<(String, Vec<String>)>,
    open: Option<OpenTable>,
    workspace_rows: usize,
}

impl<'d> ImportWriter<'d> {
    /// Checks the header and that the workspace is not here already, and opens the transaction.
    pub(super) async fn begin(db: &'d Database, header: FileHeader) -> Result<ImportWriter<'d>> {
        let workspace_id = header.check()?;
        if sqlx::query("SELECT 1 FROM workspaces WHERE id = ?")
            .bind(&header.workspace_id)
            .fetch_optional(db.reader())
            .await?
            .is_some()
        {
            return Err(StoreError::WorkspaceAlreadyExists(
                header.workspace_id.clone(),
            ));
        }
        let mut tx = db.begin_write().await?;
        // A streamed file's blobs come after the rows that name them: references are checked
        // when the transaction commits.
        sqlx::query("PRAGMA defer_foreign_keys = ON")
            .execute(&mut *tx)
            .await?;
        Ok(ImportWriter {
            db,
            tx,
            workspace_id,
            header,
            seen: HashSet::new(),
            imported: Vec::new(),
            open: None,
            workspace_rows: 0,
        })
    }

    pub(super) async fn table(&mut self, name: &str, columns: Vec<String>) -> Result<()> {
        self.flush().await?;
        if !WORKSPACE_TABLES.contains(&name) {
            return Err(invalid(format!("it contains an unknown table '{name}'")));
        }
        if !self.seen.insert(name.to_owned()) {
            return Err(invalid(format!("table '{name}' appears twice")));
        }
        let allowed = table_columns(&mut self.tx, name).await?;
        if let Some(unknown) = columns.iter().find(|c| !allowed.contains(c)) {
            return Err(invalid(format!(
                "table '{name}' has an unknown column '{unknown}'"
            )));
        }
        let key = if name == "workspaces" {
            "id"
        } else {
            "workspace_id"
        };
        let owner = columns
            .iter()
            .position(|c| c == key)
            .ok_or_else(|| invalid(format!("table '{name}' has no {key} column")))?;
        self.imported.push((name.to_owned(), columns.clone()));
        self.open = Some(OpenTable {
            name: name.to_owned(),
            batch: (30_000 / columns.len().max(1)).clamp(1, 200),
            columns,
            owner,
            pending: Vec::new(),
        });
        Ok(())
    }

    pub(super) async fn row(&mut self, row: Vec<Value>) -> Result<()> {
        let Some(table) = &self.open else {
            return Err(invalid("it has a row outside any table"));
        };
        if row.len() != table.columns.len() {
            return Err(invalid(format!(
                "a row of '{}' has the wrong number of values",
                table.name
            )));
        }
        if row[table.owner].as_str() != Some(self.header.workspace_id.as_str()) {
            return Err(invalid(if table.name == "workspaces" {
                "its workspace record does not match its header".to_owned()
            } else {
                format!("table '{}' has rows of another workspace", table.name)
            }));
        }
        if table.name == "workspaces" {
            self.workspace_rows += 1;
        }
        let table_name = table.name.clone();
        let cells = row
            .into_iter()
            .map(|value| Cell::of(value, &table_name))
            .collect::<Result<Vec<Cell>>>()?;
        let full = match self.open.as_mut() {
            Some(table) => {
                table.pending.push(cells);
                table.pending.len() >= table.batch
            }
            None => false,
        };
        if full {
            self.flush().await?;
        }
        Ok(())
    }

    /// Inserts the open table's pending rows with one multi-row statement.
    async fn flush(&mut self) -> Result<()> {
        let Some(table) = self.open.as_mut() else {
            return Ok(());
        };
        if table.pending.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut table.pending);
        let mut insert = sqlx::QueryBuilder::<Sqlite>::new(format!(
            "INSERT INTO {} ({}) ",
            table.name,
            table.columns.join(", ")
        ));
        insert.push_values(&rows, |mut values, row| {
            for cell in row {
                match cell {
                    Cell::Null => values.push_bind(None::<String>),
                    Cell::Bool(b) => values.push_bind(*b),
                    Cell::Integer(i) => values.push_bind(*i),
                    Cell::Real(r) => values.push_bind(*r),
                    Cell::Text(t) => values.push_bind(t.clone()),
                    Cell::Blob(b) => values.push_bind(b.clone()),
                };
            }
        });
        let name_column = table.columns.iter().position(|c| c == "name");
        insert
            .build()
            .execute(&mut *self.tx)
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(db)
                    if db.is_unique_violation() && table.name == "workspaces" =>
                {
                    let name = match name_column.and_then(|i| rows.first().and_then(|r| r.get(i))) {
                        Some(Cell::Text(name)) => name.clone(),
                        _ => String::new(),
                    };
                    StoreError::WorkspaceNameTaken(name)
                }
                sqlx::Error::Database(db) => invalid(format!(
                    "a row of '{}' was refused: {}",
                    table.name,
                    db.message()
                )),
                other => other.into(),
            })?;
        Ok(())
    }

    pub(super) async fn blob(&mut self, blob: &BlobDump) -> Result<()> {
        let bytes = hex::decode(&blob.hex)
            .map_err(|_| invalid(format!("blob {} is not hex", blob.sha256)))?;
        use sha2::Digest;
        if hex::encode(sha2::Sha256::digest(&bytes)) != blob.sha256 {
            return Err(invalid(format!(
                "blob {} does not match its checksum",
                blob.sha256
            )));
        }
        // Files are content-addressed, so writing one before the transaction commits is
        // harmless: an orphaned file is only a cache entry.
        self.db
            .blobs()
            .put(&mut *self.tx, &bytes, &blob.media_type)
            .await?;
        Ok(())
    }

    /// Reads back every typed column, holds metrics to their account's currency, and commits.
    pub(super) async fn finish(mut self) -> Result<WorkspaceId> {
        self.flush().await?;
        if self.workspace_rows != 1 {
            return Err(invalid(if self.workspace_rows == 0 {
                "it holds no workspace"
            } else {
                "its workspace record does not match its header"
            }));
        }
        for (name, columns) in &self.imported {
            check_typed_columns(&mut self.tx, name, columns, &self.header.workspace_id).await?;
        }
        // The writer refuses a metric in another currency than its account; a file is held to
        // the same rule, or the dashboard would total amounts it cannot tell apart.
        let mismatched: Option<(String, String, String)> = sqlx::query_as(
            "SELECT m.entity_id, m.currency, a.currency FROM daily_metrics m
             JOIN campaigns c ON m.level = 'campaign' AND c.id = m.entity_id
             JOIN ad_accounts a ON a.id = c.ad_account_id
             WHERE m.workspace_id = ? AND m.currency <> a.currency LIMIT 1",
        )
        .bind(&self.header.workspace_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        if let Some((campaign, metric, account)) = mismatched {
            return Err(invalid(format!(
                "campaign {campaign} has metrics in {metric} but its ad account reports in {account}"
            )));
        }
        // A deck delivery writes files into a folder of the machine that scheduled it; one that
        // arrives in a file waits, off, until this machine's user saves it (and its folder) again.
        sqlx::query(
            "UPDATE job_schedules SET enabled = 0 WHERE workspace_id = ? AND kind = 'decks.deliver'",
        )
        .bind(&self.header.workspace_id)
        .execute(&mut *self.tx)
        .await?;
        // References are checked at commit (a streamed file's blobs come after the rows that
        // name them); checked here first, table by table, the refusal can name the table. The
        // metric tables point only at their workspace, whose row was checked against the header.
        for (name, _) in &self.imported {
            if matches!(name.as_str(), "daily_metrics" | "metric_breakdowns") {
                continue;
            }
            let dangling: Option<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT \"table\", parent FROM pragma_foreign_key_check('{name}') LIMIT 1"
            )))
            .fetch_optional(&mut *self.tx)
            .await?;
            if let Some((table, parent)) = dangling {
                return Err(invalid(format!(
                    "a row of '{table}' points at a row of '{parent}' the file does not hold"
                )));
            }
        }
        self.tx.commit().await.map_err(|e| match e {
            sqlx::Error::Database(db) if db.message().contains("FOREIGN KEY") => {
                invalid("a row points at something the file does not hold")
            }
            other => other.into(),
        })?;
        Ok(self.workspace_id)
    }
}

impl Database {
    /// Imports a workspace file held in memory. Returns the workspace id.
    pub async fn import_workspace(&self, file: &WorkspaceFile) -> Result<WorkspaceId> {
        let header = FileHeader {
            format: file.format.clone(),
            format_version: file.format_version,
            schema_version: file.schema_version,
            workspace_id: file.workspace_id.clone(),
        };
        header.check()?;
        // A file from before natural keys may hold copies that the unique indexes now refuse;
        // they are merged exactly as the migration merged them in databases of that age.
        let merged;
        let file = if file.schema_version < NATURAL_KEYS_VERSION {
            let mut copy = file.clone();
            merge_natural_key_copies(&mut copy);
            merged = copy;
            &merged
        } else {
            file
        };
        let mut writer = ImportWriter::begin(self, header).await?;
        for blob in &file.blobs {
            writer.blob(blob).await?;
        }
        // Parents before children, whatever order the file lists them in.
        for name in WORKSPACE_TABLES {
            let Some(table) = file.tables.iter().find(|t| t.name == *name) else {
                continue;
            };
            writer.table(&table.name, table.columns.clone()).await?;
            for row in &table.rows {
                writer.row(row.clone()).await?;
            }
        }
        if let Some(unknown) = file
            .tables
            .iter()
            .find(|t| !WORKSPACE_TABLES.contains(&t.name.as_str()))
        {
            return Err(invalid(format!(
                "it contains an unknown table '{}'",
                unknown.name
            )));
        }
        writer.finish().await
    }

    /// Imports a workspace file from disk as a stream: its rows are inserted as they are read,
    /// so a file of millions of rows imports in the memory of a few. Returns the workspace id.
    pub async fn import_workspace_from(&self, path: &Path) -> Result<WorkspaceId> {
        let mut magic = [0_u8; 2];
        let opened = std::fs::File::open(path).map_err(|e| StoreError::io(path, e))?;
        let read = (&opened)
            .take(2)
            .read(&mut magic)
            .map_err(|e| StoreError::io(path, e))?;
        if read < 2 || magic != [0x1f, 0x8b] {
            return Err(invalid(
                "it is not a ProfitWheel workspace file (not gzip data)",
            ));
        }
        drop(opened);
        let (sender, mut events) = tokio::sync::mpsc::channel::<Event>(256);
        let source = path.to_owned();
        let parser = tokio::task::spawn_blocking(move || parse_file(&source, &sender));
        let mut writer: Option<ImportWriter<'_>> = None;
        let mut outcome: Result<()> = Ok(());
        while let Some(event) = events.recv().await {
            let step = match event {
                Event::Header(header) if header.schema_version < NATURAL_KEYS_VERSION => {
                    // Files from before natural keys are small; they are merged in memory.
                    drop(events);
                    let _ = parser.await;
                    let file = WorkspaceFile::read(path).await?;
                    return self.import_workspace(&file).await;
                }
                Event::Header(header) => ImportWriter::begin(self, header).await.map(|w| {
                    writer = Some(w);
                }),
                Event::Table { name, columns } => match writer.as_mut() {
                    Some(w) => w.table(&name, columns).await,
                    None => Err(invalid("its header must come before its tables")),
                },
                Event::Row(row) => match writer.as_mut() {
                    Some(w) => w.row(row).await,
                    None => Err(invalid("its header must come before its tables")),
                },
                Event::Blob(blob) => match writer.as_mut() {
                    Some(w) => w.blob(&blob).await,
                    None => Err(invalid("its header must come before its blobs")),
                },
            };
            if let Err(error) = step {
                outcome = Err(error);
                break;
            }
        }
        drop(events);
        let parsed = parser
            .await
            .map_err(|e| StoreError::InvalidInput(format!("the file reader failed: {e}")))?;
        outcome?;
        parsed?;
        writer
            .ok_or_else(|| invalid("it holds no workspace"))?
            .finish()
            .await
    }
}

/// What the parser hands the import, in file order.
enum Event {
    Header(FileHeader),
    Table { name: String, columns: Vec<String> },
    Row(Vec<Value>),
    Blob(BlobDump),
}

type Sender = tokio::sync::mpsc::Sender<Event>;

/// The error a seed returns once the import stopped listening (it has its own error).
const STOPPED: &str = "the import stopped";

fn send<E: serde::de::Error>(sender: &Sender, event: Event) -> std::result::Result<(), E> {
    sender.blocking_send(event).map_err(|_| E::custom(STOPPED))
}

fn parse_file(path: &Path, sender: &Sender) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| StoreError::io(path, e))?;
    let json = BufReader::new(GzDecoder::new(BufReader::new(file)));
    let mut deserializer = serde_json::Deserializer::from_reader(json);
    let parsed = FileSeed(sender)
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    match parsed {
        Ok(()) => Ok(()),
        Err(e) if e.to_string().starts_with(STOPPED) => Ok(()),
        Err(e) if e.is_io() => Err(invalid("its compressed data is damaged or cut short")),
        Err(e) => Err(invalid(format!("its contents are malformed ({e})"))),
    }
}

struct FileSeed<'s>(&'s Sender);

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a workspace file")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let (mut format, mut format_version, mut schema_version, mut workspace_id) =
            (None, None, None, None);
        let mut header_sent = false;
        let send_header = |sent: &mut bool,
                           format: &Option<String>,
                           format_version: &Option<u32>,
                           schema_version: &Option<i64>,
                           workspace_id: &Option<String>|
         -> std::result::Result<(), A::Error> {
            if *sent {
                return Ok(());
            }
            *sent = true;
            send(
                self.0,
                Event::Header(FileHeader {
                    format: format.clone().unwrap_or_default(),
                    format_version: format_version.unwrap_or(0),
                    schema_version: schema_version.unwrap_or(0),
                    workspace_id: workspace_id.clone().unwrap_or_default(),
                }),
            )
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => format = Some(map.next_value()?),
                "format_version" => format_version = Some(map.next_value()?),
                "schema_version" => schema_version = Some(map.next_value()?),
                "workspace_id" => workspace_id = Some(map.next_value()?),
                "tables" => {
                    send_header(
                        &mut header_sent,
                        &format,
                        &format_version,
                        &schema_version,
                        &workspace_id,
                    )?;
                    map.next_value_seed(TablesSeed(self.0))?;
                }
                "blobs" => {
                    send_header(
                        &mut header_sent,
                        &format,
                        &format_version,
                        &schema_version,
                        &workspace_id,
                    )?;
                    map.next_value_seed(BlobsSeed(self.0))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        send_header(
            &mut header_sent,
            &format,
            &format_version,
            &schema_version,
            &workspace_id,
        )
    }
}

struct TablesSeed<'s>(&'s Sender);

impl<'de> DeserializeSeed<'de> for TablesSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TablesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of tables")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element_seed(TableSeed(self.0))?.is_some() {}
        Ok(())
    }
}

struct TableSeed<'s>(&'s Sender);

impl<'de> DeserializeSeed<'de> for TableSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TableSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        use serde::de::Error;
        let (mut name, mut columns): (Option<String>, Option<Vec<String>>) = (None, None);
        let mut opened = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = Some(map.next_value()?),
                "columns" => columns = Some(map.next_value()?),
                "rows" => {
                    let (Some(name), Some(columns)) = (name.clone(), columns.clone()) else {
                        return Err(A::Error::custom(
                            "a table's rows come before its name and columns",
                        ));
                    };
                    send(self.0, Event::Table { name, columns })?;
                    opened = true;
                    map.next_value_seed(RowsSeed(self.0))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (opened, name, columns) {
            (true, _, _) => Ok(()),
            (false, Some(name), Some(columns)) => send(self.0, Event::Table { name, columns }),
            _ => Err(A::Error::custom("a table without a name or columns")),
        }
    }
}

struct RowsSeed<'s>(&'s Sender);

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(row) = seq.next_element::<Vec<Value>>()? {
            send(self.0, Event::Row(row))?;
        }
        Ok(())
    }
}

struct BlobsSeed<'s>(&'s Sender);

impl<'de> DeserializeSeed<'de> for BlobsSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for BlobsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of blobs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(blob) = seq.next_element::<BlobDump>()? {
            send(self.0, Event::Blob(blob))?;
        }
        Ok(())
    }
}
