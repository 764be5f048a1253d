//! Opening an existing database never deletes or damages it: every refusal and every failed
//! migration leaves the file (and its WAL) byte for byte as it was, and a schema update first
//! takes a backup through SQLite that stays on disk.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sqlx::Connection;
use sqlx::sqlite::SqliteConnectOptions;

use pw_store::{Database, StoreError};

use crate::support;

const TAMPERED_VERSION: i64 = 20261125000002;

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("profitwheel.sqlite3")
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The SHA-256 of the database file and of its WAL (or `None` when there is no WAL).
fn fingerprint(path: &Path) -> (String, Option<String>) {
    let hash = |p: &Path| hex::encode(Sha256::digest(std::fs::read(p).unwrap()));
    let wal = sidecar(path, "-wal");
    (hash(path), wal.exists().then(|| hash(&wal)))
}

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The database file is byte for byte as it was, and so is its WAL when it had one. Without one
/// before, a read-only look at a WAL-mode file may leave an empty WAL behind (SQLite creates it
/// and a read-only connection may not remove it): no page, no byte of data.
fn assert_untouched(path: &Path, before: &(String, Option<String>)) {
    let after = fingerprint(path);
    assert_eq!(after.0, before.0, "the database file changed");
    match (&before.1, &after.1) {
        (Some(wal_before), wal_after) => {
            assert_eq!(wal_after.as_ref(), Some(wal_before), "the WAL changed");
        }
        (None, Some(wal_after)) => assert_eq!(wal_after, EMPTY_SHA256, "a WAL with data appeared"),
        (None, None) => {}
    }
}

/// A database with every migration applied and one workspace, closed cleanly.
async fn existing_database(dir: &tempfile::TempDir) -> PathBuf {
    let path = db_path(dir);
    let db = Database::open(&path).await.unwrap();
    support::workspace(&db, "Northwind").await;
    db.close().await;
    path
}

/// Runs `sql` on the file with a plain connection, as another tool (or an older build) would.
async fn poke(path: &Path, sql: &str) {
    let options = SqliteConnectOptions::new().filename(path);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

/// The repository's migrations plus `extras` (file name, SQL), as a migrator.
async fn migrator_with(dir: &Path, extras: &[(&str, &str)]) -> sqlx::migrate::Migrator {
    let folder = dir.join("migrations");
    if folder.exists() {
        std::fs::remove_dir_all(&folder).unwrap();
    }
    std::fs::create_dir_all(&folder).unwrap();
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    for entry in std::fs::read_dir(ours).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), folder.join(entry.file_name())).unwrap();
    }
    for (name, sql) in extras {
        std::fs::write(folder.join(name), sql).unwrap();
    }
    sqlx::migrate::Migrator::new(folder.as_path())
        .await
        .unwrap()
}

fn backups(dir: &tempfile::TempDir) -> Vec<PathBuf> {
    let folder = dir.path().join("backups");
    if !folder.exists() {
        return Vec::new();
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

async fn workspace_names_in(path: &Path) -> Vec<String> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    let names = sqlx::query_scalar("SELECT name FROM workspaces ORDER BY name")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    names
}

#[tokio::test]
async fn a_migration_changed_after_it_was_applied_is_refused_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = existing_database(&dir).await;
    poke(
        &path,
        &format!("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = {TAMPERED_VERSION}"),
    )
    .await;
    let before = fingerprint(&path);

    let err = Database::open(&path).await.unwrap_err();

    assert!(
        matches!(
            err,
            StoreError::MigrationChanged {
                version: TAMPERED_VERSION,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(path.exists(), "the database file was removed");
    assert_untouched(&path, &before);
    let message = err.to_string();
    assert!(message.contains(&TAMPERED_VERSION.to_string()), "{message}");
    assert!(message.contains("checksum"), "{message}");
    assert!(message.contains("left as it was"), "{message}");
    assert_eq!(workspace_names_in(&path).await, ["Northwind"]);
}

#[tokio::test]
async fn a_migration_left_unfinished_is_refused_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = existing_database(&dir).await;
    let last = pw_store::MIGRATOR.iter().map(|m| m.version).max().unwrap();
    poke(
        &path,
        &format!("UPDATE _sqlx_migrations SET success = 0 WHERE version = {last}"),
    )
    .await;
    let before = fingerprint(&path);

    let err = Database::open(&path).await.unwrap_err();

    assert!(
        matches!(err, StoreError::MigrationUnfinished { version, .. } if version == last),
        "{err:?}"
    );
    assert!(path.exists(), "the database file was removed");
    assert_untouched(&path, &before);
    let message = err.to_string();
    assert!(message.contains(&last.to_string()), "{message}");
    assert!(message.contains("unfinished"), "{message}");
    assert!(message.contains("left as it was"), "{message}");
}

#[tokio::test]
async fn a_failing_migration_with_nothing_else_pending_leaves_the_file_and_keeps_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = existing_database(&dir).await;
    let before = fingerprint(&path);
    let failing = migrator_with(
        dir.path(),
        &[(
            "29991231000000_broken.sql",
            "ALTER TABLE workspaces ADD COLUMN logo TEXT;\nUPDATE workspaces SET name = 'renamed';\nINSERT INTO no_such_table VALUES (1);",
        )],
    )
    .await;

    let err = Database::open_with(&path, &failing).await.unwrap_err();

    assert!(
        matches!(
            err,
            StoreError::MigrationFailed {
                version: Some(29991231000000),
                ..
            }
        ),
        "{err:?}"
    );
    assert_untouched(&path, &before);
    let kept = backups(&dir);
    assert_eq!(kept.len(), 1, "{kept:?}");
    let message = err.to_string();
    assert!(message.contains("left as it was"), "{message}");
    assert!(
        message.contains(&kept[0].display().to_string()),
        "the message does not say where the backup is: {message}"
    );
    assert_eq!(workspace_names_in(&kept[0]).await, ["Northwind"]);
    // The file still opens with the app's own migrations, data intact.
    let db = Database::open(&path).await.unwrap();
    assert_eq!(support::workspace_names(&db).await, ["Northwind"]);
}

#[tokio::test]
async fn pending_migrations_apply_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = existing_database(&dir).await;
    let before = fingerprint(&path);
    let failing = migrator_with(
        dir.path(),
        &[
            ("29991231000000_fine.sql", "CREATE TABLE fine (id TEXT);"),
            (
                "29991231000001_broken.sql",
                "INSERT INTO no_such_table VALUES (1);",
            ),
        ],
    )
    .await;

    let err = Database::open_with(&path, &failing).await.unwrap_err();

    assert!(
        matches!(
            err,
            StoreError::MigrationFailed {
                version: Some(29991231000001),
                ..
            }
        ),
        "{err:?}"
    );
    assert_untouched(&path, &before);
}

#[tokio::test]
async fn a_read_only_file_is_refused_and_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = existing_database(&dir).await;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = fingerprint(&path);

    // Tests run as root, for whom permission bits do not stop a write: only the app's own check
    // can make this fail.
    let err = Database::open(&path).await.unwrap_err();

    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("read-only"), "{message}");
    assert!(message.contains("left as it was"), "{message}");
    assert_untouched(&path, &before);
    assert!(!sidecar(&path, "-wal").exists());
    assert!(!sidecar(&path, "-shm").exists());
    assert!(backups(&dir).is_empty());
}

#[tokio::test]
async fn an_existing_empty_file_is_not_removed_when_migrating_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    std::fs::write(&path, b"").unwrap();
    let failing = migrator_with(
        dir.path(),
        &[(
            "29991231000000_broken.sql",
            "INSERT INTO no_such_table VALUES (1);",
        )],
    )
    .await;

    let err = Database::open_with(&path, &failing).await.unwrap_err();

    assert!(matches!(err, StoreError::MigrationFailed { .. }), "{err:?}");
    assert!(path.exists(), "a file this call did not create was removed");
    assert_eq!(std::fs::read(&path).unwrap(), b"");
}

#[tokio::test]
async fn a_new_database_that_fails_to_migrate_is_removed_without_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let failing = migrator_with(
        dir.path(),
        &[(
            "29991231000000_broken.sql",
            "INSERT INTO no_such_table VALUES (1);",
        )],
    )
    .await;

    let err = Database::open_with(&path, &failing).await.unwrap_err();

    assert!(matches!(err, StoreError::MigrationFailed { .. }), "{err:?}");
    assert!(!path.exists());
    assert!(!sidecar(&path, "-wal").exists());
    assert!(backups(&dir).is_empty());
}

/// Another process has the database open and has committed a workspace that is still only in
/// the WAL: a backup taken through SQLite holds it, where a copy of the main file would not.
#[tokio::test]
async fn the_backup_before_an_update_is_a_consistent_snapshot_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = existing_database(&dir).await;
    let other = SqliteConnectOptions::new()
        .filename(&path)
        .pragma("wal_autocheckpoint", "0");
    let mut other = sqlx::SqliteConnection::connect_with(&other).await.unwrap();
    sqlx::query(
        "INSERT INTO workspaces (id, name, brand, currency, time_zone, created_at, updated_at)
         VALUES ('w2', 'Acme', 'Acme', 'USD', 'UTC', '2026-11-29T00:00:00Z', '2026-11-29T00:00:00Z')",
    )
    .execute(&mut other)
    .await
    .unwrap();
    let newer = migrator_with(
        dir.path(),
        &[(
            "29991231000000_logo.sql",
            "ALTER TABLE workspaces ADD COLUMN logo TEXT;",
        )],
    )
    .await;

    let db = Database::open_with(&path, &newer).await.unwrap();
    db.close().await;
    other.close().await.unwrap();

    let kept = backups(&dir);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(workspace_names_in(&kept[0]).await, ["Acme", "Northwind"]);
    // Reopening an up-to-date database takes no backup.
    Database::open_with(&path, &newer)
        .await
        .unwrap()
        .close()
        .await;
    assert_eq!(backups(&dir).len(), 1);
}

#[tokio::test]
async fn only_the_latest_backups_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = existing_database(&dir).await;
    let mut extras: Vec<(String, String)> = Vec::new();
    for n in 0..5 {
        extras.push((
            format!("2999123100000{n}_step.sql"),
            format!("CREATE TABLE step_{n} (id TEXT);"),
        ));
        let borrowed: Vec<(&str, &str)> = extras
            .iter()
            .map(|(name, sql)| (name.as_str(), sql.as_str()))
            .collect();
        let migrator = migrator_with(dir.path(), &borrowed).await;
        Database::open_with(&path, &migrator)
            .await
            .unwrap()
            .close()
            .await;
    }
    let kept = backups(&dir);
    assert_eq!(kept.len(), 3, "{kept:?}");
    // The newest backup is the one taken before the last step.
    assert!(
        kept[2].to_string_lossy().contains("29991231000004"),
        "{kept:?}"
    );
}

/// The app crashed with committed pages still in the WAL: a failed update moves none of them into
/// the file and leaves the WAL as it was, so nothing of that last session is lost.
#[tokio::test]
async fn a_failed_update_keeps_a_wal_left_by_a_crash_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = existing_database(&dir).await;
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .pragma("wal_autocheckpoint", "0");
    let mut other = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO workspaces (id, name, brand, currency, time_zone, created_at, updated_at)
         VALUES ('w2', 'Acme', 'Acme', 'USD', 'UTC', '2026-11-29T00:00:00Z', '2026-11-29T00:00:00Z')",
    )
    .execute(&mut other)
    .await
    .unwrap();
    // The files as a crash leaves them: the database and a WAL holding the last commit.
    let crashed_dir = tempfile::tempdir().unwrap();
    let crashed = db_path(&crashed_dir);
    std::fs::copy(&path, &crashed).unwrap();
    std::fs::copy(sidecar(&path, "-wal"), sidecar(&crashed, "-wal")).unwrap();
    other.close().await.unwrap();
    let before = fingerprint(&crashed);
    assert!(before.1.is_some());
    let failing = migrator_with(
        crashed_dir.path(),
        &[(
            "29991231000000_broken.sql",
            "INSERT INTO no_such_table VALUES (1);",
        )],
    )
    .await;

    let err = Database::open_with(&crashed, &failing).await.unwrap_err();

    assert!(matches!(err, StoreError::MigrationFailed { .. }), "{err:?}");
    assert_untouched(&crashed, &before);
    assert_eq!(workspace_names_in(&crashed).await, ["Acme", "Northwind"]);
}

/// Rebuilds `workspaces` the way SQLite asks a migration to change a table it cannot alter in
/// place (create the new one, copy, drop the old, rename), copying the rows `copied` selects.
fn rebuild_workspaces(copied: &str) -> String {
    format!(
        "CREATE TABLE workspaces_rebuilt (
             id TEXT PRIMARY KEY,
             name TEXT NOT NULL CHECK (length(trim(name)) > 0),
             brand TEXT NOT NULL,
             currency TEXT NOT NULL CHECK (length(currency) = 3),
             time_zone TEXT NOT NULL,
             is_demo INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
             created_at TEXT NOT NULL,
             updated_at TEXT NOT NULL,
             default_model_vendor TEXT,
             default_model TEXT,
             logo TEXT
         );
         INSERT INTO workspaces_rebuilt (id, name, brand, currency, time_zone, is_demo, created_at,
             updated_at, default_model_vendor, default_model)
         SELECT id, name, brand, currency, time_zone, is_demo, created_at, updated_at,
             default_model_vendor, default_model FROM workspaces {copied};
         DROP TABLE workspaces;
         ALTER TABLE workspaces_rebuilt RENAME TO workspaces;
         CREATE UNIQUE INDEX workspaces_name ON workspaces(name);"
    )
}

/// An existing database whose workspace has an ad account (a child row that cascades).
async fn database_with_a_child_row(dir: &tempfile::TempDir) -> PathBuf {
    let path = existing_database(dir).await;
    poke(
        &path,
        "INSERT INTO ad_accounts (id, workspace_id, platform, external_id, name, currency, time_zone, created_at)
         SELECT 'acct', id, 'meta', 'act_1', 'Main', 'USD', 'UTC', 't' FROM workspaces",
    )
    .await;
    path
}

async fn count_in(path: &Path, table: &str) -> i64 {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    let count = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    count
}

/// With foreign keys enforced, dropping the old `workspaces` would delete every row that
/// cascades from it.
#[tokio::test]
async fn a_migration_that_rebuilds_a_parent_table_keeps_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let path = database_with_a_child_row(&dir).await;
    let rebuilding = migrator_with(
        dir.path(),
        &[("29991231000000_rebuild.sql", &rebuild_workspaces(""))],
    )
    .await;

    let db = Database::open_with(&path, &rebuilding).await.unwrap();
    db.close().await;

    assert_eq!(workspace_names_in(&path).await, ["Northwind"]);
    assert_eq!(count_in(&path, "ad_accounts").await, 1);
}

/// A rebuild that forgets to copy the rows leaves children pointing at nothing: the update is
/// rolled back instead of committing (or, with foreign keys on, silently deleting) them.
#[tokio::test]
async fn a_migration_that_leaves_children_without_their_parent_is_refused_and_the_file_is_untouched()
 {
    let dir = tempfile::tempdir().unwrap();
    let path = database_with_a_child_row(&dir).await;
    let before = fingerprint(&path);
    let broken = migrator_with(
        dir.path(),
        &[("29991231000000_rebuild.sql", &rebuild_workspaces("WHERE 0"))],
    )
    .await;

    let err = Database::open_with(&path, &broken).await.unwrap_err();

    assert!(
        matches!(err, StoreError::MigrationBrokeReferences { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("ad_accounts"), "{message}");
    assert!(message.contains("left as it was"), "{message}");
    assert_untouched(&path, &before);
    assert_eq!(count_in(&path, "ad_accounts").await, 1);
}

/// A build whose update fails is relaunched again and again: each attempt takes a backup, and
/// only the newest few stay.
#[tokio::test]
async fn failed_updates_in_a_row_keep_only_the_latest_backups() {
    let dir = tempfile::tempdir().unwrap();
    let path = existing_database(&dir).await;
    let failing = migrator_with(
        dir.path(),
        &[(
            "29991231000000_broken.sql",
            "INSERT INTO no_such_table VALUES (1);",
        )],
    )
    .await;

    for _ in 0..5 {
        let err = Database::open_with(&path, &failing).await.unwrap_err();
        assert!(matches!(err, StoreError::MigrationFailed { .. }), "{err:?}");
    }

    assert_eq!(
        backups(&dir).len(),
        pw_store::BACKUPS_KEPT,
        "{:?}",
        backups(&dir)
    );
}

/// Someone's own copy in the backups folder whose name starts like ours is not a backup of ours
/// and must not be pruned, nor count against the backups kept.
#[tokio::test]
async fn files_that_only_look_like_backups_are_never_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let path = existing_database(&dir).await;
    let folder = dir.path().join("backups");
    std::fs::create_dir_all(&folder).unwrap();
    let theirs =
        folder.join("profitwheel.sqlite3.old.20261129T072100.123Z.before-20261125000001.sqlite3");
    std::fs::write(&theirs, b"a copy someone keeps").unwrap();
    let mut extras: Vec<(String, String)> = Vec::new();
    for n in 0..4 {
        extras.push((
            format!("2999123100000{n}_step.sql"),
            format!("CREATE TABLE step_{n} (id TEXT);"),
        ));
        let borrowed: Vec<(&str, &str)> = extras
            .iter()
            .map(|(name, sql)| (name.as_str(), sql.as_str()))
            .collect();
        let migrator = migrator_with(dir.path(), &borrowed).await;
        Database::open_with(&path, &migrator)
            .await
            .unwrap()
            .close()
            .await;
    }

    assert!(theirs.exists(), "a file that is not our backup was removed");
    let ours: Vec<PathBuf> = backups(&dir).into_iter().filter(|b| *b != theirs).collect();
    assert_eq!(ours.len(), pw_store::BACKUPS_KEPT, "{ours:?}");
}

/// A restored backup is in rollback-journal mode (`VACUUM INTO` writes one). Switching it to WAL
/// rewrites its header, so a failed update must not do that either.
#[tokio::test]
async fn a_database_in_rollback_mode_is_untouched_when_its_update_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = existing_database(&dir).await;
    poke(&path, "PRAGMA journal_mode = DELETE;").await;
    let before = fingerprint(&path);
    assert!(before.1.is_none());
    let failing = migrator_with(
        dir.path(),
        &[(
            "29991231000000_broken.sql",
            "INSERT INTO no_such_table VALUES (1);",
        )],
    )
    .await;

    let err = Database::open_with(&path, &failing).await.unwrap_err();

    assert!(matches!(err, StoreError::MigrationFailed { .. }), "{err:?}");
    assert_untouched(&path, &before);
    // The backup the attempt took is in rollback mode too: restoring it is this same case.
    let header = std::fs::read(&backups(&dir)[0]).unwrap();
    assert_eq!(
        &header[18..20],
        &[1, 1],
        "the backup is not in rollback mode"
    );
}

/// References left dangling before the update (by another tool, or an older bug) are not the
/// update's doing and do not stop it; it is refused only for references it breaks.
#[tokio::test]
async fn references_already_dangling_do_not_block_an_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = existing_database(&dir).await;
    poke(
        &path,
        "PRAGMA foreign_keys = OFF;
         INSERT INTO ad_accounts (id, workspace_id, platform, external_id, name, currency, time_zone, created_at)
         VALUES ('orphan', 'gone', 'meta', 'act_9', 'Orphan', 'USD', 'UTC', 't');",
    )
    .await;
    let newer = migrator_with(
        dir.path(),
        &[(
            "29991231000000_logo.sql",
            "ALTER TABLE workspaces ADD COLUMN logo TEXT;",
        )],
    )
    .await;

    let db = Database::open_with(&path, &newer).await.unwrap();
    db.close().await;

    assert_eq!(count_in(&path, "ad_accounts").await, 1);
}
