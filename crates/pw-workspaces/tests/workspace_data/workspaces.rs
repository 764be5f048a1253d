//! The workspaces context's use cases over a real SQLite file: workspace rows, the refusals a
//! person can meet (with the words the engine has always shown), the export job's spec and an
//! empty workspace's dashboard.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use pw_store::{Database, StoreError, format_instant};
use pw_workspaces::{
    AdWorkspaces, CreateWorkspace, EXPORT_JOB_KIND, NewWorkspace, WorkspaceId, WorkspaceStore,
    WorkspacesError,
};

async fn context(dir: &tempfile::TempDir) -> AdWorkspaces {
    AdWorkspaces::new(database(dir).await, dir.path().join("exports"))
}

async fn database(dir: &tempfile::TempDir) -> Database {
    Database::open(&dir.path().join("profitwheel.sqlite3"))
        .await
        .unwrap()
}

fn request(name: &str, currency: &str) -> CreateWorkspace {
    CreateWorkspace {
        name: name.into(),
        brand: "Northwind Coffee".into(),
        currency: currency.into(),
        time_zone: "America/New_York".into(),
    }
}

#[tokio::test]
async fn a_created_workspace_is_found_by_id_and_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let workspaces = context(&dir).await;
    let created = workspaces
        .create(request("  Northwind  ", "EUR"))
        .await
        .unwrap();
    assert_eq!(created.workspace.name, "Northwind", "the name is trimmed");
    assert_eq!(created.workspace.currency.as_str(), "EUR");
    assert!(!created.workspace.is_demo);
    assert_eq!(created.campaign_count, 0);
    assert_eq!(created.data_range, None);
    let id = created.workspace.id;
    assert_eq!(workspaces.find("Northwind").await.unwrap(), created);
    assert_eq!(workspaces.find(&id.to_string()).await.unwrap(), created);
    assert_eq!(workspaces.overview(id).await.unwrap(), created);
    assert_eq!(workspaces.list().await.unwrap(), vec![created]);

    workspaces.delete(id).await.unwrap();
    assert!(workspaces.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn refusals_keep_their_words() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    let workspaces = AdWorkspaces::new(db.clone(), dir.path().join("exports"));
    workspaces
        .create(request("Northwind", "USD"))
        .await
        .unwrap();

    let taken = workspaces
        .create(request("Northwind", "USD"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            taken,
            WorkspacesError::Store(StoreError::WorkspaceNameTaken(_))
        ),
        "{taken:?}"
    );
    assert_eq!(
        taken.to_string(),
        "a workspace named 'Northwind' already exists"
    );

    let currency = workspaces
        .create(request("Acme", "dollars"))
        .await
        .unwrap_err();
    assert!(
        matches!(currency, WorkspacesError::InvalidInput(_)),
        "{currency:?}"
    );

    let zone = WorkspaceStore::new(&db)
        .create_workspace(&NewWorkspace {
            name: "Acme".into(),
            brand: String::new(),
            currency: "USD".parse().unwrap(),
            time_zone: "Mars/Olympus".into(),
            is_demo: false,
        })
        .await
        .unwrap_err();
    assert!(matches!(zone, StoreError::InvalidInput(_)), "{zone:?}");

    let missing = workspaces.find("nobody").await.unwrap_err();
    assert_eq!(missing.to_string(), "no workspace 'nobody'");
    let nobody = WorkspaceId::new();
    let deleted = workspaces.delete(nobody).await.unwrap_err();
    assert_eq!(
        deleted.to_string(),
        format!("no workspace with id {nobody}")
    );
    let export = workspaces.export_job(nobody).await.unwrap_err();
    assert!(
        matches!(
            export,
            WorkspacesError::Store(StoreError::WorkspaceNotFound(_))
        ),
        "an export of an unknown workspace is refused before it is queued: {export:?}"
    );
}

#[tokio::test]
async fn the_export_job_names_its_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let workspaces = context(&dir).await;
    let created = workspaces
        .create(request("Northwind", "USD"))
        .await
        .unwrap();
    let spec = workspaces.export_job(created.workspace.id).await.unwrap();
    assert_eq!(spec.kind, EXPORT_JOB_KIND);
    assert_eq!(spec.title, "Export “Northwind”");
    let id = created.workspace.id.to_string();
    assert_eq!(spec.workspace_id.as_deref(), Some(id.as_str()));
    assert_eq!(spec.payload["workspace_id"], id.as_str());
}

#[tokio::test]
async fn an_empty_workspace_has_one_empty_section_in_its_own_currency() {
    let dir = tempfile::tempdir().unwrap();
    let workspaces = context(&dir).await;
    let created = workspaces
        .create(request("Northwind", "EUR"))
        .await
        .unwrap();
    let dashboard = workspaces
        .dashboard(created.workspace.id, None)
        .await
        .unwrap();
    assert_eq!(dashboard.workspace_id, created.workspace.id);
    assert_eq!(dashboard.currency.as_str(), "EUR");
    assert_eq!(dashboard.range.days(), 30);
    assert_eq!(dashboard.sections.len(), 1);
    assert_eq!(dashboard.sections[0].currency.as_str(), "EUR");
    assert!(dashboard.sections[0].series.is_empty());
    assert!(dashboard.campaigns.is_empty());
}

/// A workspace's creation instant is a `DateTime<Utc>` in memory and, on disk, exactly the text
/// it always was: RFC 3339 UTC with milliseconds and a `Z`, read back to the same value.
#[tokio::test]
async fn created_at_is_stored_as_the_same_rfc3339_text_and_reads_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    let workspaces = AdWorkspaces::new(db.clone(), dir.path().join("exports"));
    let created = workspaces
        .create(request("Northwind", "USD"))
        .await
        .unwrap();
    let (created_at, updated_at): (String, String) =
        sqlx::query_as("SELECT created_at, updated_at FROM workspaces")
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert_eq!(created_at, format_instant(created.workspace.created_at));
    assert_eq!(updated_at, created_at);
    let shape = created_at.as_bytes();
    assert_eq!(
        shape.len(),
        "2026-11-25T10:00:00.000Z".len(),
        "{created_at}"
    );
    assert_eq!(
        (shape[10], shape[19], shape[23]),
        (b'T', b'.', b'Z'),
        "{created_at}"
    );
    let read = workspaces.overview(created.workspace.id).await.unwrap();
    assert_eq!(read.workspace.created_at, created.workspace.created_at);
}

/// A stored value this build cannot read (an id in a form no version writes, an instant that is
/// not one) is a typed error naming the column, never a panic.
#[tokio::test]
async fn an_unreadable_stored_id_or_instant_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    sqlx::query(
        "INSERT INTO workspaces (id, name, brand, currency, time_zone, is_demo, created_at, updated_at)
         VALUES ('ws-1', 'Handmade', '', 'USD', 'UTC', 0, '2026-11-25T10:00:00.000Z', '2026-11-25T10:00:00.000Z')",
    )
    .execute(db.writer())
    .await
    .unwrap();
    // The list skips a row it cannot read (and logs why) rather than failing every workspace.
    assert!(
        WorkspaceStore::new(&db)
            .list_workspaces()
            .await
            .unwrap()
            .is_empty()
    );
    let error = WorkspaceStore::new(&db)
        .find_workspace_by_name("Handmade")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, StoreError::UnreadableValue { column: "id", reason }
            if reason == "'ws-1' is not a workspace id"),
        "{error:?}"
    );

    let id = WorkspaceId::new();
    sqlx::query("UPDATE workspaces SET id = ?, created_at = 'last tuesday' WHERE id = 'ws-1'")
        .bind(id.to_string())
        .execute(db.writer())
        .await
        .unwrap();
    let error = WorkspaceStore::new(&db).workspace(id).await.unwrap_err();
    assert!(
        matches!(
            &error,
            StoreError::UnreadableValue {
                column: "created_at",
                ..
            }
        ),
        "{error:?}"
    );
}

/// The database file and its WAL (if any) as bytes, read after the database is closed.
fn database_bytes(dir: &tempfile::TempDir) -> (Vec<u8>, Option<Vec<u8>>) {
    let path = dir.path().join("profitwheel.sqlite3");
    let wal = dir.path().join("profitwheel.sqlite3-wal");
    (
        std::fs::read(&path).unwrap(),
        wal.exists().then(|| std::fs::read(&wal).unwrap()),
    )
}

/// Issue 11: a workspace file whose `created_at` is not an instant used to be inserted as it
/// stood, the import then failed after its commit, and every workspace became unreadable. Such a
/// file is refused, the database is byte for byte as it was, and the other workspaces stay
/// usable.
#[tokio::test]
async fn a_file_with_an_unreadable_instant_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    let workspaces = AdWorkspaces::new(db.clone(), dir.path().join("exports"));
    let alpha = workspaces.create(request("Alpha", "USD")).await.unwrap();
    let beta = workspaces.create(request("Beta", "USD")).await.unwrap();
    let path = dir.path().join("beta.pwworkspace");
    workspaces.export(beta.workspace.id, &path).await.unwrap();
    let mut file = pw_store::WorkspaceFile::read(&path).await.unwrap();
    let table = file
        .tables
        .iter_mut()
        .find(|t| t.name == "workspaces")
        .unwrap();
    let column = table
        .columns
        .iter()
        .position(|c| c == "created_at")
        .unwrap();
    table.rows[0][column] = serde_json::json!("2026-11-29 10:00:00");
    std::fs::write(&path, file.to_bytes().unwrap()).unwrap();
    workspaces.delete(beta.workspace.id).await.unwrap();
    db.close().await;
    let before = database_bytes(&dir);

    let db = database(&dir).await;
    let workspaces = AdWorkspaces::new(db.clone(), dir.path().join("exports"));
    let error = workspaces.import(&path).await.unwrap_err();
    assert!(
        matches!(&error, WorkspacesError::Store(StoreError::InvalidWorkspaceFile(why))
            if why.contains("created_at") && why.contains("2026-11-29 10:00:00")),
        "{error:?}"
    );
    assert_eq!(workspaces.list().await.unwrap(), vec![alpha.clone()]);
    assert_eq!(workspaces.find("Alpha").await.unwrap(), alpha);
    assert!(matches!(
        workspaces.find(&beta.workspace.id.to_string()).await,
        Err(WorkspacesError::WorkspaceNotFound(_))
    ));
    assert!(matches!(
        workspaces.delete(beta.workspace.id).await,
        Err(WorkspacesError::Store(StoreError::WorkspaceNotFound(_)))
    ));
    db.close().await;
    assert!(
        database_bytes(&dir) == before,
        "the database changed on a refused import"
    );
}

/// A workspace row this build cannot read (one damaged before imports were checked) is skipped
/// by the list, not a failure of every workspace: the others list, are found by id and by name,
/// and the damaged one can still be deleted by its id.
#[tokio::test]
async fn one_unreadable_workspace_leaves_the_others_usable() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir).await;
    let workspaces = AdWorkspaces::new(db.clone(), dir.path().join("exports"));
    let alpha = workspaces.create(request("Alpha", "USD")).await.unwrap();
    let damaged = WorkspaceId::new();
    sqlx::query(
        "INSERT INTO workspaces (id, name, brand, currency, time_zone, is_demo, created_at, updated_at)
         VALUES (?, 'Beta', '', 'USD', 'UTC', 0, '2026-11-29 10:00:00', '2026-11-29 10:00:00')",
    )
    .bind(damaged.to_string())
    .execute(db.writer())
    .await
    .unwrap();

    assert_eq!(workspaces.list().await.unwrap(), vec![alpha.clone()]);
    assert_eq!(workspaces.find("Alpha").await.unwrap(), alpha);
    assert_eq!(
        workspaces
            .find(&alpha.workspace.id.to_string())
            .await
            .unwrap(),
        alpha
    );
    assert_eq!(
        workspaces.overview(alpha.workspace.id).await.unwrap(),
        alpha
    );
    workspaces
        .dashboard(alpha.workspace.id, None)
        .await
        .unwrap();
    let error = workspaces.find(&damaged.to_string()).await.unwrap_err();
    assert!(
        matches!(
            &error,
            WorkspacesError::Store(StoreError::UnreadableValue {
                column: "created_at",
                ..
            })
        ),
        "{error:?}"
    );
    workspaces.delete(damaged).await.unwrap();
    let remaining: i64 = sqlx::query_scalar("SELECT count(*) FROM workspaces")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(remaining, 1);
    assert_eq!(workspaces.list().await.unwrap(), vec![alpha]);
}
