//! Opening the database safely: refuse files that are not ours or are damaged without writing a
//! byte to them, migrate with a backup so a failed migration leaves the file as it was, and give
//! the rest of the engine one writer connection and a small pool of readers.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::migrate::Migrator;
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

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The open system of record. Cloning is cheap (pools are reference counted).
#[derive(Clone, Debug)]
pub struct Database {
    path: PathBuf,
    writer: SqlitePool,
    reader: SqlitePool,
    blobs: BlobStore,
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
        let existed = inspect_existing(path, migrator).await?;
        let pending = match &existed {
            Some(applied) => migrator.iter().any(|m| !applied.contains(&m.version)),
            None => true,
        };
        let backup = match (&existed, pending) {
            (Some(_), true) => Some(FileBackup::take(path)?),
            _ => None,
        };

        let writer = match open_writer(path).await {
            Ok(pool) => pool,
            Err(e) => {
                if existed.is_none() {
                    remove_database_files(path);
                }
                return Err(e);
            }
        };
        if let Err(source) = migrator.run(&writer).await {
            writer.close().await;
            match &backup {
                Some(backup) => backup.restore(path)?,
                None => remove_database_files(path),
            }
            tracing::error!(error = %source, path = %path.display(), "migration failed; database restored");
            return Err(StoreError::MigrationFailed { source });
        }
        if let Some(backup) = backup {
            backup.discard();
        }

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

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
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

/// Looks at an existing file without writing to it. Returns the applied migration versions, or
/// `None` when there is no database yet.
async fn inspect_existing(path: &Path, migrator: &Migrator) -> Result<Option<HashSet<i64>>> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    if metadata.len() == 0 {
        // An empty file is what a crash between create and first write leaves; SQLite treats it
        // as an empty database.
        return Ok(None);
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

    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .foreign_keys(false);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| corrupt(e.to_string()))?;
    let result = inspect_connection(&mut conn, path, migrator).await;
    let _ = conn.close().await;
    result.map(Some)
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
    if !tables.iter().any(|t| t == "_sqlx_migrations") {
        return Ok(HashSet::new());
    }
    let rows = sqlx::query("SELECT version, success FROM _sqlx_migrations")
        .fetch_all(&mut *conn)
        .await?;
    let mut applied = HashSet::new();
    for row in rows {
        let version: i64 = row.try_get("version")?;
        if !migrator.version_exists(version) {
            return Err(StoreError::NewerSchema {
                path: path.to_owned(),
                version,
            });
        }
        applied.insert(version);
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

fn remove_database_files(path: &Path) {
    for file in [
        path.to_owned(),
        sidecar(path, "-wal"),
        sidecar(path, "-shm"),
    ] {
        let _ = std::fs::remove_file(file);
    }
}

/// A byte-for-byte copy of the database (and its WAL, which may hold committed pages) taken before
/// migrating, restored if the migration fails.
struct FileBackup {
    copies: Vec<(PathBuf, Option<PathBuf>)>,
}

impl FileBackup {
    fn take(path: &Path) -> Result<Self> {
        let mut copies = Vec::new();
        for original in [path.to_owned(), sidecar(path, "-wal")] {
            if original.exists() {
                let copy = sidecar(&original, ".pre-migration");
                std::fs::copy(&original, &copy).map_err(|e| StoreError::io(&copy, e))?;
                copies.push((original, Some(copy)));
            } else {
                copies.push((original, None));
            }
        }
        Ok(FileBackup { copies })
    }

    fn restore(&self, path: &Path) -> Result<()> {
        let _ = std::fs::remove_file(sidecar(path, "-shm"));
        for (original, copy) in &self.copies {
            match copy {
                Some(copy) => {
                    std::fs::rename(copy, original).map_err(|e| StoreError::io(original, e))?
                }
                None => {
                    let _ = std::fs::remove_file(original);
                }
            }
        }
        Ok(())
    }

    fn discard(self) {
        for (_, copy) in self.copies {
            if let Some(copy) = copy {
                let _ = std::fs::remove_file(copy);
            }
        }
    }
}
