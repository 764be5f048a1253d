//! Opening the database safely. An existing file is inspected on a read-only connection first:
//! files that are not ours, damaged, newer, read-only, or whose applied migrations no longer match
//! this build are refused before a byte is written. When migrations are pending, a backup is taken
//! through SQLite (`VACUUM INTO`, a consistent snapshot even while another process writes) into
//! `backups/` beside the database, and every pending migration then runs in one transaction, so a
//! failure leaves the file exactly as it was. Only a file this call created is ever removed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Row, Sqlite, SqliteConnection, Transaction};

use crate::blobs::BlobStore;
use crate::error::{Result, StoreError};

/// The migrations in the repository's `migrations/` folder, embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// Written into the SQLite header by the first migration (`PRAGMA application_id`), so a file can
/// be recognised as ProfitWheel's before anything is written to it.
pub const PROFITWHEEL_APPLICATION_ID: i64 = 1_347_901_256;

/// Backups taken before schema updates that are kept beside the database; older ones are removed
/// after a successful update so a long-lived installation does not fill the disk.
pub const BACKUPS_KEPT: usize = 3;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The open system of record. Cloning is cheap (pools are reference counted).
#[derive(Clone, Debug)]
pub struct Database {
    path: PathBuf,
    writer: SqlitePool,
    reader: SqlitePool,
    blobs: BlobStore,
}

/// What was at the database's path before this call touched anything.
enum Found {
    /// Nothing: this call creates the file, and may remove it again if it cannot finish.
    Nothing,
    /// A zero-byte file (what a crash between create and first write leaves).
    EmptyFile,
    /// A ProfitWheel database with these migrations applied (all of them checked against ours).
    Database { applied: HashSet<i64> },
}

impl Database {
    /// Opens (creating if missing) the database at `path`, with the blob folder beside it.
    pub async fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, &MIGRATOR).await
    }

    /// Opens with an explicit set of migrations; tests use it to prove that a failing migration
    /// leaves the file untouched.
    pub async fn open_with(path: &Path, migrator: &Migrator) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::io(parent, e))?;
        }
        let found = inspect_existing(path, migrator).await?;
        let pending: Vec<i64> = match &found {
            Found::Database { applied } => up_migrations(migrator)
                .map(|m| m.version)
                .filter(|v| !applied.contains(v))
                .collect(),
            Found::Nothing | Found::EmptyFile => {
                up_migrations(migrator).map(|m| m.version).collect()
            }
        };
        let backup = match (&found, pending.first()) {
            (Found::Database { .. }, Some(&first_pending)) => {
                Some(take_backup(path, first_pending).await?)
            }
            _ => None,
        };

        // A WAL left by a crash (or in use by another process) holds committed pages; the last
        // connection to close would checkpoint them into the file. Holding a read-only connection
        // open until after the writer has closed keeps a failed update from moving a single page.
        let wal_guard = match (&found, pending.is_empty()) {
            (Found::Database { .. }, false) if sidecar(path, "-wal").exists() => {
                Some(open_wal_guard(path).await?)
            }
            _ => None,
        };
        let writer = match open_writer(path).await {
            Ok(pool) => pool,
            Err(e) => {
                close_wal_guard(wal_guard).await;
                undo_creation(path, &found);
                return Err(e);
            }
        };
        if !pending.is_empty() {
            if let Err(source) = migrate_in_one_transaction(&writer, migrator).await {
                writer.close().await;
                close_wal_guard(wal_guard).await;
                undo_creation(path, &found);
                let error = migration_error(path, &found, backup, source);
                tracing::error!(error = %error, "database update failed");
                return Err(error);
            }
            if let Some(backup) = &backup {
                tracing::info!(backup = %backup.display(), "database updated; backup kept");
                prune_backups(path);
            }
        }
        close_wal_guard(wal_guard).await;

        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(base_options(path).read_only(true))
            .await?;
        let blob_root = path.with_file_name("blobs");
        tracing::info!(path = %path.display(), "database open");
        Ok(Database {
            path: path.to_owned(),
            writer,
            reader,
            blobs: BlobStore::new(blob_root),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The single writer. SQLite allows one writer at a time even in WAL mode, so every write goes
    /// through this one connection and waits its turn here rather than failing with SQLITE_BUSY.
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// Readers run concurrently with the writer (WAL).
    pub fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// A write transaction that takes the write lock up front (`BEGIN IMMEDIATE`), so it never has
    /// to upgrade a read lock mid-way, which SQLite answers with an immediate SQLITE_BUSY.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Closes readers first, so that the writer is the last connection: only a connection that can
    /// write checkpoints the WAL into the file and removes it on close.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// The folder beside the database where backups taken before schema updates are kept.
pub fn backups_folder(database: &Path) -> PathBuf {
    database.with_file_name("backups")
}

fn up_migrations(migrator: &Migrator) -> impl Iterator<Item = &sqlx::migrate::Migration> {
    migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
}

fn base_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .synchronous(SqliteSynchronous::Normal)
}

async fn open_writer(path: &Path) -> Result<SqlitePool> {
    let options = base_options(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        // The writer is held for the app's lifetime; recycling it would only drop prepared statements.
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await?)
}

/// Runs every pending migration inside one `BEGIN IMMEDIATE` transaction. sqlx commits each
/// migration on its own, so a failure in the second of two pending migrations would otherwise leave
/// the first applied; nested in ours, its per-migration transactions become savepoints and a
/// failure anywhere rolls the whole update back.
async fn migrate_in_one_transaction(
    writer: &SqlitePool,
    migrator: &Migrator,
) -> std::result::Result<(), MigrateError> {
    let mut conn = writer.acquire().await?;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    migrator.run(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// A read-only connection that has read the database, so it holds the shared lock that stops
/// another connection's close from checkpointing the WAL.
async fn open_wal_guard(path: &Path) -> Result<SqliteConnection> {
    let mut guard = SqliteConnection::connect_with(&read_only_options(path)).await?;
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&mut guard)
        .await?;
    Ok(guard)
}

async fn close_wal_guard(guard: Option<SqliteConnection>) {
    if let Some(guard) = guard {
        let _ = guard.close().await;
    }
}

fn migration_error(
    path: &Path,
    found: &Found,
    backup: Option<PathBuf>,
    source: MigrateError,
) -> StoreError {
    let path = path.to_owned();
    // Another process may have changed the file between our inspection and the update; name
    // what it found in the same words the inspection would have used.
    match source {
        MigrateError::Dirty(version) => StoreError::MigrationUnfinished { path, version },
        MigrateError::VersionMismatch(version) => StoreError::MigrationChanged { path, version },
        MigrateError::VersionMissing(version) => StoreError::NewerSchema { path, version },
        source => StoreError::MigrationFailed {
            path,
            version: match &source {
                MigrateError::ExecuteMigration(_, version) => Some(*version),
                _ => None,
            },
            created: matches!(found, Found::Nothing),
            backup,
            source: Box::new(source),
        },
    }
}

/// Puts the path back the way this call found it when it could not finish. A database this call
/// created is removed (with its WAL); a file that was empty is emptied again; an existing database
/// is never touched here, because a failed update rolled back inside SQLite and another process
/// may have it open.
fn undo_creation(path: &Path, found: &Found) {
    match found {
        Found::Nothing => {
            for file in [
                path.to_owned(),
                sidecar(path, "-wal"),
                sidecar(path, "-shm"),
            ] {
                if let Err(e) = std::fs::remove_file(&file)
                    && e.kind() != std::io::ErrorKind::NotFound
                {
                    tracing::warn!(file = %file.display(), error = %e, "could not remove a file this open created");
                }
            }
        }
        Found::EmptyFile => {
            let emptied = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .and_then(|file| file.set_len(0));
            if let Err(e) = emptied {
                tracing::warn!(path = %path.display(), error = %e, "could not empty the file again");
            }
        }
        Found::Database { .. } => {}
    }
}

/// Looks at an existing file without writing to it, and refuses it unless opening it for writing
/// is safe.
async fn inspect_existing(path: &Path, migrator: &Migrator) -> Result<Found> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    refuse_read_only(path, &metadata)?;
    if metadata.len() == 0 {
        // SQLite treats an empty file as an empty database.
        return Ok(Found::EmptyFile);
    }
    let header = read_header(path)?;
    if &header != SQLITE_MAGIC {
        return Err(StoreError::NotADatabase {
            path: path.to_owned(),
        });
    }
    let corrupt = |detail: String| StoreError::Corrupt {
        path: path.to_owned(),
        detail,
    };

    let mut conn = SqliteConnection::connect_with(&read_only_options(path))
        .await
        .map_err(|e| corrupt(e.to_string()))?;
    let result = inspect_connection(&mut conn, path, migrator).await;
    let _ = conn.close().await;
    result.map(|applied| Found::Database { applied })
}

fn read_only_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .foreign_keys(false)
}

/// Refuses a database (or WAL) whose permissions forbid writing. Checked from the mode bits rather
/// than by trying: a privileged user's write would succeed, and a read-only file is a statement of
/// intent that the app respects before it writes anything.
fn refuse_read_only(path: &Path, metadata: &std::fs::Metadata) -> Result<()> {
    if metadata.permissions().readonly() {
        return Err(StoreError::ReadOnly {
            path: path.to_owned(),
        });
    }
    let wal = sidecar(path, "-wal");
    if let Ok(wal_metadata) = std::fs::metadata(&wal)
        && wal_metadata.permissions().readonly()
    {
        return Err(StoreError::ReadOnly { path: wal });
    }
    Ok(())
}

async fn inspect_connection(
    conn: &mut SqliteConnection,
    path: &Path,
    migrator: &Migrator,
) -> Result<HashSet<i64>> {
    let corrupt = |detail: String| StoreError::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let check: String = sqlx::query_scalar("PRAGMA quick_check(1)")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| corrupt(e.to_string()))?;
    if check != "ok" {
        return Err(corrupt(check));
    }
    let application_id: i64 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(&mut *conn)
        .await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let ours = application_id == PROFITWHEEL_APPLICATION_ID;
    if !ours && (application_id != 0 || !tables.is_empty()) {
        return Err(StoreError::ForeignDatabase {
            path: path.to_owned(),
        });
    }
    let table = migrator.table_name.as_ref();
    if !tables.iter().any(|t| t == table) {
        return Ok(HashSet::new());
    }
    // The same checks sqlx makes before migrating, made here on a read-only connection so that a
    // database we must refuse is refused before anything is written to it.
    let sql = format!("SELECT version, success, checksum FROM \"{table}\" ORDER BY version");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    let mut applied = HashSet::new();
    for row in &rows {
        let version: i64 = row.try_get("version")?;
        let success: bool = row.try_get("success")?;
        if !success {
            return Err(StoreError::MigrationUnfinished {
                path: path.to_owned(),
                version,
            });
        }
        applied.insert(version);
    }
    for row in &rows {
        let version: i64 = row.try_get("version")?;
        let checksum: Vec<u8> = row.try_get("checksum")?;
        let Some(ours) = up_migrations(migrator).find(|m| m.version == version) else {
            return Err(StoreError::NewerSchema {
                path: path.to_owned(),
                version,
            });
        };
        if *ours.checksum != checksum[..] {
            return Err(StoreError::MigrationChanged {
                path: path.to_owned(),
                version,
            });
        }
    }
    Ok(applied)
}

fn read_header(path: &Path) -> Result<[u8; 16]> {
    use std::io::Read;
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path).map_err(|e| StoreError::io(path, e))?;
    let mut filled = 0;
    while filled < header.len() {
        match file
            .read(&mut header[filled..])
            .map_err(|e| StoreError::io(path, e))?
        {
            0 => break,
            n => filled += n,
        }
    }
    Ok(header)
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn backup_prefix(database: &Path) -> String {
    let name = database
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "database".to_owned());
    format!("{name}.")
}

const BACKUP_MARK: &str = ".before-";
const BACKUP_SUFFIX: &str = ".sqlite3";

/// Snapshots the database into `backups/<name>.<UTC time>.before-<version>.sqlite3` with
/// `VACUUM INTO` on a read-only connection: SQLite reads a consistent snapshot (WAL included) and
/// the original is not written. Names sort by time, which is what pruning relies on.
async fn take_backup(path: &Path, before_version: i64) -> Result<PathBuf> {
    let folder = backups_folder(path);
    std::fs::create_dir_all(&folder).map_err(|e| StoreError::io(&folder, e))?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let prefix = backup_prefix(path);
    let mut target = folder.join(format!(
        "{prefix}{stamp}{BACKUP_MARK}{before_version}{BACKUP_SUFFIX}"
    ));
    let mut attempt = 1;
    while target.exists() {
        attempt += 1;
        target = folder.join(format!(
            "{prefix}{stamp}-{attempt}{BACKUP_MARK}{before_version}{BACKUP_SUFFIX}"
        ));
    }
    let failed = |source: sqlx::Error, target: &Path| StoreError::BackupFailed {
        path: path.to_owned(),
        backup: target.to_owned(),
        source: Box::new(source),
    };
    let Some(target_text) = target.to_str() else {
        return Err(failed(
            sqlx::Error::Configuration("the backup folder's path is not valid UTF-8".into()),
            &target,
        ));
    };
    let mut conn = SqliteConnection::connect_with(&read_only_options(path))
        .await
        .map_err(|e| failed(e, &target))?;
    let vacuumed = sqlx::query("VACUUM INTO ?")
        .bind(target_text)
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
    if let Err(source) = vacuumed {
        // A half-written snapshot is ours (the name did not exist) and of no use to anyone.
        let _ = std::fs::remove_file(&target);
        return Err(failed(source, &target));
    }
    Ok(target)
}

/// Keeps the newest [`BACKUPS_KEPT`] backups of this database and removes the older ones. Only
/// files named the way [`take_backup`] names them are considered.
fn prune_backups(path: &Path) {
    let folder = backups_folder(path);
    let prefix = backup_prefix(path);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return;
    };
    let mut backups: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|file| {
            file.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(&prefix) && n.contains(BACKUP_MARK) && n.ends_with(BACKUP_SUFFIX)
            })
        })
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(BACKUPS_KEPT);
    for old in backups.into_iter().take(excess) {
        if let Err(e) = std::fs::remove_file(&old) {
            tracing::warn!(backup = %old.display(), error = %e, "could not remove an old backup");
        }
    }
}
