//! The workspaces context's use cases over a real SQLite file: workspace rows, the refusals a
//! person can meet (with the words the engine has always shown), the export job's spec and an
//! empty workspace's dashboard.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use pw_store::{Database, StoreError};
use pw_workspaces::{
    AdWorkspaces, CreateWorkspace, EXPORT_JOB_KIND, NewWorkspace, WorkspaceStore, WorkspacesError,
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
    let id = created.workspace.id.clone();
    assert_eq!(workspaces.find("Northwind").await.unwrap(), created);
    assert_eq!(workspaces.find(&id).await.unwrap(), created);
    assert_eq!(workspaces.list().await.unwrap(), vec![created]);

    workspaces.delete(&id).await.unwrap();
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
    let deleted = workspaces.delete("nobody").await.unwrap_err();
    assert_eq!(deleted.to_string(), "no workspace with id nobody");
    let export = workspaces.export_job("nobody").await.unwrap_err();
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
    let spec = workspaces.export_job(&created.workspace.id).await.unwrap();
    assert_eq!(spec.kind, EXPORT_JOB_KIND);
    assert_eq!(spec.title, "Export “Northwind”");
    assert_eq!(
        spec.workspace_id.as_deref(),
        Some(created.workspace.id.as_str())
    );
    assert_eq!(spec.payload["workspace_id"], created.workspace.id.as_str());
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
        .dashboard(&created.workspace.id, None)
        .await
        .unwrap();
    assert_eq!(dashboard.currency, "EUR");
    assert_eq!(dashboard.range.days(), 30);
    assert_eq!(dashboard.sections.len(), 1);
    assert_eq!(dashboard.sections[0].currency, "EUR");
    assert!(dashboard.sections[0].series.is_empty());
    assert!(dashboard.campaigns.is_empty());
}
