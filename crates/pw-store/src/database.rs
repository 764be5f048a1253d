//! Opening the database safely. An existing file is inspected on a read-only connection first:
//! files that are not ours, damaged, newer, read-only, or whose applied migrations no longer match
//! this build are refused before a byte is written. When migrations are pending, a backup is taken
//! through SQLite (`VACUUM INTO`, a consistent snapshot even while another process writes) into
//! `backups/` beside the database and flushed to disk, and every pending migration then runs in
//! one transaction on a connection with foreign keys off (so a table rebuild cannot cascade into
//! child rows), checked with `PRAGMA foreign_key_check` before it commits; a failure leaves the
//! file exactly as it was, header included (the switch to WAL comes after the update). Only the
//! newest few backups are kept, whether the update succeeded or not. Only a file this call
//! created is ever removed.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use pw_domain::WorkspaceId;
use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, Row, SqlSafeStr, Sqlite, SqliteConnection, Transaction};

use crate::blobs::BlobStore;
use crate::error::{Result, StoreError};

/// The migrations in the repository's `migrations/` folder, embedded at compile time by
/// build.rs: `(version, description, SQL)`, in version order.
const MIGRATIONS: &[(i64, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The migrator over [`MIGRATIONS`]. Each migration's checksum is taken over its SQL as
/// `sqlx::migrate!` takes it, so databases it updated are recognised.
pub static MIGRATOR: LazyLock<Migrator> = LazyLock::new(|| {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    sql.starts_with("-- no-transaction"),
                )
            })
            .collect(),
    )
});

/// Written into the SQLite header by the first migration (`PRAGMA application_id`), so a file can
/// be recognised as ProfitWheel's before anything is written to it.
pub const PROFITWHEEL_APPLICATION_ID: i64 = 1_347_901_256;

/// Backups taken before schema updates that are kept beside the database; older ones are removed
/// after every update attempt, failed ones included, so neither a long-lived installation nor a
/// build whose update keeps failing fills the disk.
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

        if !pending.is_empty() {
            // A WAL left by a crash (or in use by another process) holds committed pages; the last
            // connection to close would checkpoint them into the file. Holding a read-only
            // connection open until after the migrating connection has closed keeps a failed
            // update from moving a single page.
            let wal_guard = match &found {
                Found::Database { .. } if sidecar(path, "-wal").exists() => {
                    Some(open_wal_guard(path).await?)
                }
                _ => None,
            };
            let migrated = migrate_in_one_transaction(path, &found, migrator).await;
            close_wal_guard(wal_guard).await;
            // Pruned whatever the outcome: a build whose update keeps failing would otherwise
            // leave one more full-size copy behind on every launch.
            if backup.is_some() {
                prune_backups(path);
            }
            if let Err(failure) = migrated {
                undo_creation(path, &found);
                let error = migration_error(path, &found, backup, failure);
                tracing::error!(error = %error, "database update failed");
                return Err(error);
            }
            if let Some(backup) = &backup {
                tracing::info!(backup = %backup.display(), "database updated; backup kept");
            }
        }

        // Only now is the file switched to WAL (when it was not already): a database in rollback
        // mode (a restored backup: `VACUUM INTO` writes one) whose update failed above keeps its
        // header as it was.
        let writer = match open_writer(path).await {
            Ok(pool) => pool,
            Err(e) => {
                undo_creation(path, &found);
                return Err(e);
            }
        };

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

    /// Refuses a workspace id with no row. The rows are `pw-workspaces`'; studies and workspace
    /// files only need to know one exists, which one statement here says without a dependency on
    /// a context crate.
    pub(crate) async fn require_workspace(&self, id: WorkspaceId) -> Result<()> {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ?)")
                .bind(id.to_string())
                .fetch_one(self.reader())
                .await?;
        if exists {
            Ok(())
        } else {
            Err(StoreError::WorkspaceNotFound(id.to_string()))
        }
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

/// How long a write waits its turn for the writer before it fails.
const WRITER_WAIT: Duration = Duration::from_secs(10 * 60);

async fn open_writer(path: &Path) -> Result<SqlitePool> {
    let options = base_options(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        // Writes queue for this one connection; sqlx's default gives up after 30 s, which a long
        // write (a signal build's rows) on a busy two-core machine can hold it for, and then a
        // job's heartbeat or progress fails for no fault of its own. Waiting is the point here.
        .acquire_timeout(WRITER_WAIT)
        .test_before_acquire(false)
        // The writer is held for the app's lifetime; recycling it would only drop prepared statements.
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await?)
}

/// Why an update did not go through.
enum MigrationFailure {
    /// sqlx refused or a migration's SQL failed.
    Migrate(MigrateError),
    /// The migrations ran, but left rows pointing at rows that do not exist.
    BrokenReferences(String),
}

impl From<MigrateError> for MigrationFailure {
    fn from(error: MigrateError) -> Self {
        MigrationFailure::Migrate(error)
    }
}

impl From<sqlx::Error> for MigrationFailure {
    fn from(error: sqlx::Error) -> Self {
        MigrationFailure::Migrate(MigrateError::Execute(error))
    }
}

/// Runs every pending migration inside one `BEGIN IMMEDIATE` transaction, on a connection of its
/// own with foreign keys off. sqlx commits each migration on its own, so a failure in the second
/// of two pending migrations would otherwise leave the first applied; nested in ours, its
/// per-migration transactions become savepoints and a failure anywhere rolls the whole update
/// back.
///
/// Foreign keys are off because a migration that rebuilds a table (create the new one, copy,
/// drop the old, rename) would otherwise cascade the drop into every child row, and
/// `PRAGMA foreign_keys` cannot be changed inside a transaction. What enforcement would have
/// caught is checked once at the end instead (`PRAGMA foreign_key_check`, inside the
/// transaction): an update that leaves a dangling reference is rolled back.
async fn migrate_in_one_transaction(
    path: &Path,
    found: &Found,
    migrator: &Migrator,
) -> std::result::Result<(), MigrationFailure> {
    // FULL: the file may still be in rollback mode here (see `open_with`), where NORMAL can lose
    // a committed update to a power cut.
    let options = base_options(path)
        .foreign_keys(false)
        .synchronous(SqliteSynchronous::Full)
        .create_if_missing(matches!(found, Found::Nothing));
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let outcome = migrate_on(&mut conn, migrator).await;
    let _ = conn.close().await;
    outcome
}

async fn migrate_on(
    conn: &mut SqliteConnection,
    migrator: &Migrator,
) -> std::result::Result<(), MigrationFailure> {
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    // References that were already dangling (written by another tool, or by a build with a bug)
    // are not this update's doing; refusing every update because of them would leave the
    // database stuck at its version forever. Only references the update breaks are refused.
    let before = dangling_references(&mut tx).await?;
    migrator.run(&mut *tx).await?;
    let after = dangling_references(&mut tx).await?;
    let broken: Vec<String> = after
        .iter()
        .filter_map(|((table, parent), &count)| {
            let new = count - before.get(&(table.clone(), parent.clone())).unwrap_or(&0);
            (new > 0).then(|| match new {
                1 => format!("1 {table} row points at a missing {parent} row"),
                n => format!("{n} {table} rows point at missing {parent} rows"),
            })
        })
        .collect();
    if !broken.is_empty() {
        // Dropping the transaction rolls it back.
        return Err(MigrationFailure::BrokenReferences(broken.join("; ")));
    }
    tx.commit().await?;
    Ok(())
}

/// How many rows of each table point at a missing row of each parent table.
async fn dangling_references(
    conn: &mut SqliteConnection,
) -> std::result::Result<BTreeMap<(String, String), i64>, sqlx::Error> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        r#"SELECT "table", parent, count(*) FROM pragma_foreign_key_check GROUP BY "table", parent"#,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(table, parent, count)| ((table, parent), count))
        .collect())
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
    failure: MigrationFailure,
) -> StoreError {
    let path = path.to_owned();
    let source = match failure {
        MigrationFailure::Migrate(source) => source,
        MigrationFailure::BrokenReferences(detail) => {
            return StoreError::MigrationBrokeReferences {
                path,
                detail,
                created: matches!(found, Found::Nothing),
                backup,
            };
        }
    };
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

fn database_file_name(database: &Path) -> String {
    database
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "database".to_owned())
}

const BACKUP_MARK: &str = ".before-";
const BACKUP_SUFFIX: &str = ".sqlite3";
const BACKUP_STAMP_FORMAT: &str = "%Y%m%dT%H%M%S%.3fZ";

/// Where a backup sits in the order backups were taken: its time, then its collision number (the
/// first backup of a millisecond has none, and sorts before `-2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct BackupOrder {
    taken_at: chrono::NaiveDateTime,
    attempt: u32,
}

/// Reads a backup's name as [`take_backup`] writes it,
/// `<database file name>.<UTC time>[-<n>].before-<version>.sqlite3`, and nothing else: another
/// file that merely starts with the database's name (`profitwheel.sqlite3.old…`) is not ours to
/// prune.
fn parse_backup_name(database_name: &str, file_name: &str) -> Option<BackupOrder> {
    let rest = file_name
        .strip_prefix(database_name)?
        .strip_prefix('.')?
        .strip_suffix(BACKUP_SUFFIX)?;
    let (stamp, version) = rest.rsplit_once(BACKUP_MARK)?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (stamp, attempt) = match stamp.split_once('-') {
        Some((stamp, attempt)) => {
            // Collision numbers start at 2 and are written without leading zeros or a sign.
            let digits_only = !attempt.is_empty() && attempt.bytes().all(|b| b.is_ascii_digit());
            let number: u32 = attempt.parse().ok().filter(|_| digits_only)?;
            if number < 2 || attempt.starts_with('0') {
                return None;
            }
            (stamp, number)
        }
        None => (stamp, 1),
    };
    let taken_at = chrono::NaiveDateTime::parse_from_str(stamp, BACKUP_STAMP_FORMAT).ok()?;
    // Only the exact spelling we write (the parser accepts a few spellings we never write).
    if taken_at.format(BACKUP_STAMP_FORMAT).to_string() != stamp {
        return None;
    }
    Some(BackupOrder { taken_at, attempt })
}

/// Snapshots the database into `backups/<name>.<UTC time>.before-<version>.sqlite3` with
/// `VACUUM INTO` on a read-only connection: SQLite reads a consistent snapshot (WAL included) and
/// the original is not written. The copy and its folder entry are flushed to disk before the
/// update starts, so a power cut during the update cannot leave a backup that was never written.
async fn take_backup(path: &Path, before_version: i64) -> Result<PathBuf> {
    let folder = backups_folder(path);
    std::fs::create_dir_all(&folder).map_err(|e| StoreError::io(&folder, e))?;
    let stamp = chrono::Utc::now().format(BACKUP_STAMP_FORMAT).to_string();
    let name = database_file_name(path);
    let mut target = folder.join(format!(
        "{name}.{stamp}{BACKUP_MARK}{before_version}{BACKUP_SUFFIX}"
    ));
    let mut attempt = 1;
    while target.exists() {
        attempt += 1;
        target = folder.join(format!(
            "{name}.{stamp}-{attempt}{BACKUP_MARK}{before_version}{BACKUP_SUFFIX}"
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
    let flushed = vacuumed.and_then(|_| {
        sync_to_disk(&target)
            .and_then(|()| sync_to_disk(&folder))
            .map_err(sqlx::Error::Io)
    });
    if let Err(source) = flushed {
        // A half-written snapshot is ours (the name did not exist) and of no use to anyone.
        let _ = std::fs::remove_file(&target);
        return Err(failed(source, &target));
    }
    Ok(target)
}

/// `fsync` of a file, or of a folder (which makes a new entry in it durable).
fn sync_to_disk(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(path)?.sync_all()
}

/// Keeps the newest [`BACKUPS_KEPT`] backups of this database and removes the older ones. Only
/// files named exactly the way [`take_backup`] names them are considered.
fn prune_backups(path: &Path) {
    let folder = backups_folder(path);
    let name = database_file_name(path);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return;
    };
    let mut backups: Vec<(BackupOrder, PathBuf)> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter_map(|file| {
            let order = parse_backup_name(&name, file.file_name()?.to_str()?)?;
            Some((order, file))
        })
        .collect();
    backups.sort();
    let excess = backups.len().saturating_sub(BACKUPS_KEPT);
    for (_, old) in backups.into_iter().take(excess) {
        if let Err(e) = std::fs::remove_file(&old) {
            tracing::warn!(backup = %old.display(), error = %e, "could not remove an old backup");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_parse_strictly_and_a_collision_sorts_after_the_first() {
        let db = "profitwheel.sqlite3";
        let first = parse_backup_name(
            db,
            "profitwheel.sqlite3.20261129T072100.123Z.before-20261129000003.sqlite3",
        );
        let second = parse_backup_name(
            db,
            "profitwheel.sqlite3.20261129T072100.123Z-2.before-20261129000003.sqlite3",
        );
        let later = parse_backup_name(
            db,
            "profitwheel.sqlite3.20261129T072100.124Z.before-20261129000003.sqlite3",
        );
        assert!(first.is_some() && second.is_some() && later.is_some());
        assert!(
            first < second && second < later,
            "{first:?} {second:?} {later:?}"
        );
        for foreign in [
            "profitwheel.sqlite3.old.20261129T072100.123Z.before-1.sqlite3",
            "profitwheel.sqlite3.old-20261129T072100.123Z.before-1.sqlite3",
            "profitwheel.sqlite3.20261129T072100.123Z-02.before-1.sqlite3",
            "profitwheel.sqlite3.20261129T072100.123Z-1.before-1.sqlite3",
            "profitwheel.sqlite3.20261129T072100.123Z.before-.sqlite3",
            "profitwheel.sqlite3.20261129T072100.123Z.before-1x.sqlite3",
            "other.sqlite3.20261129T072100.123Z.before-1.sqlite3",
        ] {
            assert_eq!(parse_backup_name(db, foreign), None, "{foreign}");
        }
    }
}
