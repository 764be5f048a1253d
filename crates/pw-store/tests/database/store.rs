//! The system of record against real SQLite files: safe opening, migrations that fail cleanly,
//! blobs, and lossless workspace files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::path::{Path, PathBuf};

use crate::support;

use pw_store::{Database, PROFITWHEEL_APPLICATION_ID, StoreError, WorkspaceFile};
use support::{seeded, workspace, workspace_names};

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("profitwheel.sqlite3")
}

fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[tokio::test]
async fn a_new_database_is_wal_and_marked_as_ours() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&db_path(&dir)).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(db.writer())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let app_id: i64 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(db.writer())
        .await
        .unwrap();
    assert_eq!(app_id, PROFITWHEEL_APPLICATION_ID);
    db.close().await;
    // Reopening an existing database runs no migration and keeps its data.
    let db = Database::open(&db_path(&dir)).await.unwrap();
    workspace(&db, "Acme").await;
    db.close().await;
    let db = Database::open(&db_path(&dir)).await.unwrap();
    assert_eq!(workspace_names(&db).await, ["Acme"]);
}

#[tokio::test]
async fn a_file_that_is_not_sqlite_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    std::fs::write(&path, "quarterly plan: spend more on TikTok\n").unwrap();
    let before = file_bytes(&path);
    let err = Database::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
    assert!(err.to_string().contains("left untouched"));
    assert_eq!(file_bytes(&path), before);
}

#[tokio::test]
async fn another_applications_database_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    {
        use sqlx::Connection;
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .unwrap();
        sqlx::query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO notes (body) VALUES ('hello')")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let before = file_bytes(&path);
    let err = Database::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::ForeignDatabase { .. }), "{err}");
    assert_eq!(file_bytes(&path), before);
    assert!(!dir.path().join("blobs").exists());
}

#[tokio::test]
async fn a_damaged_database_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let db = Database::open(&path).await.unwrap();
    seeded(&db, "Northwind").await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(db.writer())
        .await
        .unwrap();
    db.close().await;
    // Overwrite the b-tree pages after the header with garbage, keeping the header intact.
    let mut bytes = file_bytes(&path);
    assert!(bytes.len() > 8192);
    for byte in &mut bytes[4096..] {
        *byte = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = Database::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert_eq!(file_bytes(&path), bytes);
}

async fn migrator_with_extra(dir: &Path, extra_sql: &str) -> sqlx::migrate::Migrator {
    let folder = dir.join("migrations");
    std::fs::create_dir_all(&folder).unwrap();
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    for entry in std::fs::read_dir(ours).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), folder.join(entry.file_name())).unwrap();
    }
    std::fs::write(folder.join("29991231000000_extra.sql"), extra_sql).unwrap();
    sqlx::migrate::Migrator::new(folder.as_path())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_failing_migration_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let db = Database::open(&path).await.unwrap();
    let ws = seeded(&db, "Northwind").await;
    let before = db.export_workspace(ws, |_| {}).await.unwrap();
    db.close().await;

    let failing = migrator_with_extra(
        dir.path(),
        "ALTER TABLE workspaces ADD COLUMN logo TEXT;\nUPDATE workspaces SET name = 'renamed';\nINSERT INTO no_such_table VALUES (1);",
    )
    .await;
    let err = Database::open_with(&path, &failing).await.unwrap_err();
    assert!(matches!(err, StoreError::MigrationFailed { .. }), "{err}");
    assert!(err.to_string().contains("left as it was"), "{err}");

    let db = Database::open(&path).await.unwrap();
    let after = db.export_workspace(ws, |_| {}).await.unwrap();
    assert_eq!(
        after.tables, before.tables,
        "data and columns are exactly as before the failed migration"
    );
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(versions, pw_store::MIGRATOR.iter().count() as i64);
}

#[tokio::test]
async fn a_database_from_a_newer_app_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let newer = migrator_with_extra(dir.path(), "CREATE TABLE future_feature (id TEXT);").await;
    Database::open_with(&path, &newer)
        .await
        .unwrap()
        .close()
        .await;
    let err = Database::open(&path).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NewerSchema {
                version: 29991231000000,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn blobs_are_content_addressed_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&db_path(&dir)).await.unwrap();
    let first = db
        .blobs()
        .put(db.writer(), b"creative", "image/png")
        .await
        .unwrap();
    let second = db
        .blobs()
        .put(db.writer(), b"creative", "image/png")
        .await
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(db.blobs().get(&first).await.unwrap(), b"creative");
    // A file changed on disk behind our back is detected, not served.
    let on_disk = db.blobs().root().join(&first[..2]).join(&first[2..]);
    std::fs::write(&on_disk, b"tampered").unwrap();
    assert!(matches!(
        db.blobs().get(&first).await,
        Err(StoreError::BlobMismatch { .. })
    ));
}

#[tokio::test]
async fn a_workspace_exports_and_imports_back_losslessly() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&db_path(&dir)).await.unwrap();
    let ws = seeded(&db, "Northwind").await;
    let mut progress = Vec::new();
    let file_path = dir.path().join("northwind.pwx");
    let exported = db
        .export_workspace_to(ws, &file_path, |p| progress.push(p))
        .await
        .unwrap();
    assert_eq!(
        progress.last().unwrap().tables_done,
        progress.last().unwrap().tables_total
    );
    assert!(exported.row_count() >= 6);
    assert_eq!(exported.blobs, 1);
    let original = db.export_workspace(ws, |_| {}).await.unwrap();
    assert_eq!(
        WorkspaceFile::read(&file_path).await.unwrap().tables,
        original.tables
    );

    // Import into a different database on "another machine", read from the file as a stream.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Database::open(&db_path(&other_dir)).await.unwrap();
    assert_eq!(other.import_workspace_from(&file_path).await.unwrap(), ws);
    let round_trip = other.export_workspace(ws, |_| {}).await.unwrap();
    assert_eq!(round_trip.tables, original.tables);
    assert_eq!(round_trip.blobs, original.blobs);
    // Reals keep every bit.
    let conversions: Vec<f64> =
        sqlx::query_scalar("SELECT conversions FROM daily_metrics ORDER BY date")
            .fetch_all(other.reader())
            .await
            .unwrap();
    assert_eq!(conversions, vec![7.333_333_333_333_333, 0.1 + 0.2]);

    // Importing the same workspace again is refused rather than duplicated, from memory or
    // from the file.
    let file = WorkspaceFile::read(&file_path).await.unwrap();
    assert!(matches!(
        other.import_workspace(&file).await,
        Err(StoreError::WorkspaceAlreadyExists(_))
    ));
    assert!(matches!(
        other.import_workspace_from(&file_path).await,
        Err(StoreError::WorkspaceAlreadyExists(_))
    ));
}

/// A streamed import that meets a problem late in the file (a row of another workspace after
/// thousands of good ones, a file cut short, not gzip at all) leaves the database as it was.
#[tokio::test]
async fn a_streamed_import_that_fails_late_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&db_path(&dir)).await.unwrap();
    let ws = seeded(&db, "Northwind").await;
    let mut file = db.export_workspace(ws, |_| {}).await.unwrap();
    let metrics = file
        .tables
        .iter_mut()
        .find(|t| t.name == "daily_metrics")
        .unwrap();
    let template = metrics.rows[0].clone();
    let date = metrics.columns.iter().position(|c| c == "date").unwrap();
    let entity = metrics
        .columns
        .iter()
        .position(|c| c == "entity_id")
        .unwrap();
    for n in 0..5_000 {
        let mut row = template.clone();
        row[entity] = serde_json::json!(pw_domain::new_id());
        row[date] = serde_json::json!(format!("2025-{:02}-{:02}", 1 + n % 12, 1 + n % 28));
        metrics.rows.push(row);
    }
    let owner = metrics
        .columns
        .iter()
        .position(|c| c == "workspace_id")
        .unwrap();
    let mut stranger = template.clone();
    stranger[owner] = serde_json::json!(pw_domain::new_id());
    metrics.rows.push(stranger);
    let late = dir.path().join("late.pwx");
    std::fs::write(&late, file.to_bytes().unwrap()).unwrap();
    let cut = dir.path().join("cut.pwx");
    let bytes = file.to_bytes().unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let not_gzip = dir.path().join("plain.pwx");
    std::fs::write(&not_gzip, b"{\"format\": \"profitwheel-workspace\"}").unwrap();

    let target_dir = tempfile::tempdir().unwrap();
    let target = Database::open(&db_path(&target_dir)).await.unwrap();
    for (path, expected) in [
        (&late, "has rows of another workspace"),
        (&cut, "damaged or cut short"),
        (&not_gzip, "not gzip data"),
    ] {
        let err = target.import_workspace_from(path).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::InvalidWorkspaceFile(why) if why.contains(expected)),
            "{}: {err}",
            path.display()
        );
    }
    for table in ["workspaces", "daily_metrics", "campaigns"] {
        let rows: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(target.reader())
                .await
                .unwrap();
        assert_eq!(rows, 0, "{table}");
    }
}

#[tokio::test]
async fn importing_a_malformed_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&db_path(&dir)).await.unwrap();
    let ws = seeded(&db, "Northwind").await;
    let good = db.export_workspace(ws, |_| {}).await.unwrap();

    let target_dir = tempfile::tempdir().unwrap();
    let target = Database::open(&db_path(&target_dir)).await.unwrap();
    workspace(&target, "Existing client").await;
    let snapshot = || workspace_names(&target);
    let before = snapshot().await;

    // Not a workspace file at all.
    assert!(matches!(
        WorkspaceFile::from_bytes(b"PK\x03\x04 zip"),
        Err(StoreError::InvalidWorkspaceFile(_))
    ));

    // A row that breaks a foreign key, placed after many good rows: the transaction must roll back.
    let mut broken = good.clone();
    let campaigns = broken
        .tables
        .iter_mut()
        .find(|t| t.name == "campaigns")
        .unwrap();
    let account_column = campaigns
        .columns
        .iter()
        .position(|c| c == "ad_account_id")
        .unwrap();
    let mut orphan = campaigns.rows[0].clone();
    orphan[account_column] = serde_json::json!("no-such-account");
    let id_column = campaigns.columns.iter().position(|c| c == "id").unwrap();
    orphan[id_column] = serde_json::json!("orphan-campaign");
    campaigns.rows.push(orphan);
    let err = target.import_workspace(&broken).await.unwrap_err();
    assert!(matches!(err, StoreError::InvalidWorkspaceFile(_)), "{err}");

    // A table name that could smuggle SQL is refused before any write.
    let mut hostile = good.clone();
    hostile.tables[1].name = "ads; DROP TABLE workspaces".into();
    assert!(matches!(
        target.import_workspace(&hostile).await,
        Err(StoreError::InvalidWorkspaceFile(_))
    ));

    // A blob whose bytes do not match its hash.
    let mut tampered = good.clone();
    tampered.blobs[0].hex = hex_of(b"other bytes");
    assert!(matches!(
        target.import_workspace(&tampered).await,
        Err(StoreError::InvalidWorkspaceFile(_))
    ));

    // Metrics in another currency than their account: the dashboard could not total them.
    let mut mixed = good.clone();
    let metrics = mixed
        .tables
        .iter_mut()
        .find(|t| t.name == "daily_metrics")
        .unwrap();
    let currency_column = metrics
        .columns
        .iter()
        .position(|c| c == "currency")
        .unwrap();
    for row in &mut metrics.rows {
        row[currency_column] = serde_json::json!("EUR");
    }
    let err = target.import_workspace(&mixed).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::InvalidWorkspaceFile(why) if why.contains("has metrics in EUR but its ad account reports in USD")),
        "{err}"
    );

    assert_eq!(snapshot().await, before);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM campaigns")
        .fetch_one(target.reader())
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The database file and its WAL (if any) as bytes, read while the database is closed.
fn database_bytes(path: &Path) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    (file_bytes(path), wal.exists().then(|| file_bytes(&wal)))
}

/// Sets `column` of the first row of `table` in `file` to `value`.
fn set_column(file: &mut WorkspaceFile, table: &str, column: &str, value: serde_json::Value) {
    let table = file.tables.iter_mut().find(|t| t.name == table).unwrap();
    let position = table.columns.iter().position(|c| c == column).unwrap();
    table.rows[0][position] = value;
}

/// Issue 11: the typed columns (ids, instants, dates, currencies) of every table in a file,
/// evidence tables included, are read back before the import commits; one that this build
/// cannot read refuses the file and leaves the database byte for byte as it was.
#[tokio::test]
async fn importing_a_file_with_an_unreadable_value_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&db_path(&dir)).await.unwrap();
    let ws = seeded(&db, "Northwind").await;
    let signal = pw_domain::new_id();
    let report = pw_domain::new_id();
    let audience = pw_domain::new_id();
    let mut tx = db.begin_write().await.unwrap();
    sqlx::query(
        "INSERT INTO audiences (id, workspace_id, platform, name, kind, created_at)
         VALUES (?, ?, 'meta', 'Coffee lovers', 'interest', '2026-03-01T00:00:00.000Z')",
    )
    .bind(&audience)
    .bind(ws.to_string())
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO signals (id, workspace_id, audience_id, kind, signal_key, statement, strength,
             support_rows, computed_at)
         VALUES (?, ?, ?, 'behavior', 'creative/x/ctr', 'Clicks more', 1.4, 2,
             '2026-03-03T00:00:00.000Z')",
    )
    .bind(&signal)
    .bind(ws.to_string())
    .bind(&audience)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO grounding_reports (id, workspace_id, audience_id, kind, version, title,
             written_by, claims_checked, claims_dropped, created_at)
         VALUES (?, ?, ?, 'behavior', 1, 'What they do', 'test/model', 1, 0,
             '2026-03-04T00:00:00.000Z')",
    )
    .bind(&report)
    .bind(ws.to_string())
    .bind(&audience)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO grounding_claims (report_id, workspace_id, position, text) VALUES (?, ?, 0, 'They click')",
    )
    .bind(&report)
    .bind(ws.to_string())
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO claim_citations (report_id, workspace_id, position, signal_id) VALUES (?, ?, 0, ?)",
    )
    .bind(&report)
    .bind(ws.to_string())
    .bind(&signal)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let good = db.export_workspace(ws, |_| {}).await.unwrap();

    let target_dir = tempfile::tempdir().unwrap();
    let target_path = db_path(&target_dir);
    let target = Database::open(&target_path).await.unwrap();
    workspace(&target, "Existing client").await;
    target.close().await;
    let before = database_bytes(&target_path);
    let target = Database::open(&target_path).await.unwrap();

    let cases: [(&str, &str, serde_json::Value); 9] = [
        ("workspaces", "created_at", "2026-11-29 10:00:00".into()),
        ("workspaces", "currency", "usd".into()),
        ("ad_accounts", "created_at", "yesterday".into()),
        ("daily_metrics", "entity_id", "not-a-campaign".into()),
        ("daily_metrics", "date", "2026-02-30".into()),
        ("audiences", "id", audience.to_uppercase().into()),
        ("signals", "computed_at", "last week".into()),
        ("grounding_reports", "created_at", "2026-03-04".into()),
        ("grounding_reports", "id", serde_json::json!(42)),
    ];
    for (table, column, value) in cases {
        let mut tampered = good.clone();
        set_column(&mut tampered, table, column, value.clone());
        if (table, column) == ("audiences", "id") {
            // Every reference moves with it, so only the spelling is wrong.
            for (child, reference) in [
                ("signals", "audience_id"),
                ("grounding_reports", "audience_id"),
            ] {
                set_column(&mut tampered, child, reference, value.clone());
            }
        }
        if (table, column) == ("grounding_reports", "id") {
            for child in ["grounding_claims", "claim_citations"] {
                set_column(&mut tampered, child, "report_id", value.clone());
            }
        }
        let error = target.import_workspace(&tampered).await.unwrap_err();
        let expected = format!(
            "its {table}.{column} holds a value this version of ProfitWheel cannot read: '"
        );
        assert!(
            matches!(&error, StoreError::InvalidWorkspaceFile(why) if why.starts_with(&expected)),
            "{table}.{column} = {value}: {error}"
        );
    }
    assert_eq!(workspace_names(&target).await, vec!["Existing client"]);
    target.close().await;
    assert!(
        database_bytes(&target_path) == before,
        "the database changed on a refused import"
    );

    // The untampered file still imports, evidence tables and all.
    let target = Database::open(&target_path).await.unwrap();
    assert_eq!(target.import_workspace(&good).await.unwrap(), ws);
    let signals: i64 = sqlx::query_scalar("SELECT count(*) FROM claim_citations")
        .fetch_one(target.reader())
        .await
        .unwrap();
    assert_eq!(signals, 1);
}

/// A connection's sync state travels with its workspace: a platform's own account id in a sync
/// cursor (`account_external_id`) is the platform's text, not one of our ids, and imports back.
#[tokio::test]
async fn connections_and_their_sync_state_export_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&db_path(&dir)).await.unwrap();
    let ws = seeded(&db, "Northwind").await;
    let connection = pw_domain::new_id();
    let now = "2026-11-30T04:00:00.000Z";
    sqlx::query(
        "INSERT INTO platform_connections (id, workspace_id, platform, label, status, created_at, auth_kind)
         VALUES (?, ?, 'google_ads', 'Google Ads', 'connected', ?, 'token')",
    )
    .bind(&connection)
    .bind(ws.to_string())
    .bind(now)
    .execute(db.writer())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO sync_cursors (connection_id, workspace_id, account_external_id, stream, cursor, updated_at)
         VALUES (?, ?, '5210000000', 'metrics:ad', '{\"synced_through\":\"2026-11-29\"}', ?)",
    )
    .bind(&connection)
    .bind(ws.to_string())
    .bind(now)
    .execute(db.writer())
    .await
    .unwrap();
    let file = dir.path().join("with-connection.pwx");
    db.export_workspace_to(ws, &file, |_| {}).await.unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let other = Database::open(&db_path(&other_dir)).await.unwrap();
    other.import_workspace_from(&file).await.unwrap();
    let cursor: String = sqlx::query_scalar("SELECT account_external_id FROM sync_cursors")
        .fetch_one(other.reader())
        .await
        .unwrap();
    assert_eq!(cursor, "5210000000");
}
