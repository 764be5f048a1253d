//! Surveys in a workspace's real SQLite file: a file imports and exports back unchanged, a
//! malformed one changes nothing and says where it is wrong, and edits are versioned with a
//! stale one refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support;

use pw_domain::WorkspaceId;
use pw_store::Database;
use pw_surveys::definition;
use pw_surveys::error::SurveysError;

const SURVEY: &str = r#"{"format": "profitwheel-survey", "version": 1, "title": "Gift box", "questions": [
  { "id": "aware", "type": "single_choice", "text": "Heard of us?", "options": [ {"id": "y", "label": "Yes"}, {"id": "n", "label": "No"} ] },
  { "id": "nps", "type": "nps", "text": "Would you recommend us?" } ]}"#;

async fn workspace() -> (tempfile::TempDir, Database, WorkspaceId) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("profitwheel.sqlite3"))
        .await
        .unwrap();
    let id = WorkspaceId::new();
    sqlx::query("INSERT INTO workspaces (id, name, brand, currency, time_zone, created_at, updated_at) VALUES (?, 'Client', 'Halcyon', 'USD', 'UTC', '2026-11-29T09:00:00.000Z', '2026-11-29T09:00:00.000Z')")
        .bind(id.to_string())
        .execute(db.writer())
        .await
        .unwrap();
    (dir, db, id)
}

async fn count(db: &Database) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM surveys")
        .fetch_one(db.reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_survey_imports_exports_and_keeps_every_version() {
    let (_dir, db, workspace) = workspace().await;
    let surveys = support::surveys(&db, std::sync::Arc::new(pw_llm::Gateway::new()));
    let stored = surveys.import(workspace, SURVEY).await.unwrap();
    assert_eq!(stored.summary.title, "Gift box");
    assert_eq!((stored.summary.questions, stored.summary.version), (2, 1));
    let exported = surveys.export(stored.summary.id).await.unwrap();
    assert_eq!(
        definition::parse(&exported).unwrap(),
        definition::parse(SURVEY).unwrap()
    );

    // An edit names the version it was made on; a second edit on the same version is refused.
    let edited = SURVEY.replace("Gift box", "Gift box, second wave");
    let updated = surveys.update(stored.summary.id, 1, &edited).await.unwrap();
    assert_eq!(updated.summary.version, 2);
    let stale = surveys
        .update(stored.summary.id, 1, SURVEY)
        .await
        .unwrap_err();
    assert!(
        matches!(stale, SurveysError::EditConflict { current: 2 }),
        "{stale}"
    );
    let listed = surveys.list(workspace).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].title, "Gift box, second wave");
    let first = pw_surveys::repository::SurveyStore::new(&db)
        .version(stored.summary.id, 1)
        .await
        .unwrap();
    assert_eq!(first.title, "Gift box", "the first version is kept");
}

#[tokio::test]
async fn a_malformed_file_changes_nothing_and_names_the_question_and_field() {
    let (_dir, db, workspace) = workspace().await;
    let surveys = support::surveys(&db, std::sync::Arc::new(pw_llm::Gateway::new()));
    let broken = SURVEY.replace("\"nps\", \"text\"", "\"nps\", \"points\": 5, \"text\"");
    let error = surveys.import(workspace, &broken).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "question 2 (\"nps\"), field \"points\": does not apply to nps questions"
    );
    assert_eq!(count(&db).await, 0);
    let stored = surveys.import(workspace, SURVEY).await.unwrap();
    let error = surveys
        .update(stored.summary.id, 1, "{\"format\": ")
        .await
        .unwrap_err();
    assert!(
        error.to_string().starts_with("line 1, column 11"),
        "{error}"
    );
    assert_eq!(
        surveys
            .survey(stored.summary.id)
            .await
            .unwrap()
            .summary
            .version,
        1
    );
    let missing = surveys
        .import(WorkspaceId::new(), SURVEY)
        .await
        .unwrap_err();
    assert!(matches!(missing, SurveysError::WorkspaceNotFound(_)));
}
