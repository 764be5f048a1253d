//! Editing a twin and its memories: every edit is a version, a stale edit is refused, a note
//! rests on no evidence and says so, and a retired memory leaves recall and the index.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use pw_domain::WorkspaceId;
use pw_jobs::JobQueue;
use pw_llm::Gateway;
use pw_twins::creation::TwinCreation;
use pw_twins::error::TwinsError;
use pw_twins::vocabulary::{EditedBy, Fragment, WrittenBy};
use pw_twins::{GatewaySource, IndexNotice, MemoryEdit, Twins};
use support::*;
use uuid::Uuid;

struct Fixed(Arc<Gateway>);

impl GatewaySource for Fixed {
    fn gateway(
        &self,
    ) -> Pin<Box<dyn Future<Output = pw_twins::error::Result<Arc<Gateway>>> + Send + '_>> {
        let gateway = self.0.clone();
        Box::pin(async move { Ok(gateway) })
    }
}

#[derive(Default)]
struct Noticed(Mutex<Vec<WorkspaceId>>);

impl IndexNotice for Noticed {
    fn changed(&self, workspace: WorkspaceId) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.0.lock().unwrap().push(workspace);
        Box::pin(async {})
    }
}

#[tokio::test]
async fn edits_are_versioned_and_a_stale_one_is_refused() {
    let (_dir, db) = seeded().await;
    let gateway = Arc::new(gateway(twin_writer()));
    let creation = TwinCreation {
        db: &db,
        gateway: &gateway,
        workspace_id: ws(),
        audience_id: audience(),
        count: 1,
        seed: 11,
        batch: Uuid::from_u128(9),
        job_id: None,
    };
    let plan = creation.plan().await.unwrap();
    let id = creation.create(&plan, 0).await.unwrap().unwrap();
    let noticed = Arc::new(Noticed::default());
    let twins = Twins::new(
        db.clone(),
        JobQueue::new(db.clone()),
        Arc::new(Fixed(gateway.clone())),
        noticed.clone(),
    );

    // The profile: a new version, the old one kept.
    let twin = twins.twin(id).await.unwrap();
    let mut profile = twin.profile.clone();
    profile
        .goals
        .push("find a decaf that tastes like coffee".into());
    let version = twins
        .edit(
            id,
            1,
            "Maya Q.",
            &profile,
            "added a goal from the client call",
        )
        .await
        .unwrap();
    assert_eq!(version, 2);
    let versions = twins.versions(id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (versions[0].version, versions[0].edited_by),
        (2, EditedBy::User)
    );
    assert_eq!(versions[0].name, "Maya Q.");
    assert_eq!(versions[1].profile, twin.profile);
    assert_eq!(twins.twin(id).await.unwrap().summary.name, "Maya Q.");
    // Another window still editing version 1 is told, and changes nothing.
    let stale = twins
        .edit(id, 1, "Someone", &profile, "")
        .await
        .unwrap_err();
    assert!(
        matches!(stale, TwinsError::EditConflict { current: 2, .. }),
        "{stale:?}"
    );
    assert_eq!(
        stale.to_string(),
        "someone else changed this twin meanwhile (now version 2); reload it and edit again"
    );
    // A bad edit names its field and changes nothing.
    let mut bad = profile.clone();
    bad.demographics.age = 7;
    let refused = twins.edit(id, 2, "Maya Q.", &bad, "").await.unwrap_err();
    assert!(
        refused.to_string().starts_with("age 7 is outside"),
        "{refused}"
    );
    assert_eq!(twins.versions(id).await.unwrap().len(), 2);

    // A memory: the user's words stand on the same evidence, marked as theirs.
    let memory = twin.memories[1].clone();
    let edited = twins
        .edit_memory(
            memory.id,
            1,
            &MemoryEdit {
                content: "I mostly scroll TikTok after dinner.".into(),
                importance: 7,
                note: "reworded".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.version, 2);
    assert_eq!(edited.written_by, WrittenBy::User);
    assert_eq!(edited.importance, 7);
    assert_eq!(edited.evidence, memory.evidence);
    let versions: Vec<(i64, String)> = sqlx::query_as(
        "SELECT version, content FROM memory_versions WHERE memory_id = ? ORDER BY version",
    )
    .bind(memory.id.to_string())
    .fetch_all(db.reader())
    .await
    .unwrap();
    assert_eq!(versions[0], (1, memory.content.clone()));
    assert_eq!(
        versions[1],
        (2, "I mostly scroll TikTok after dinner.".to_owned())
    );
    assert!(matches!(
        twins
            .edit_memory(
                memory.id,
                1,
                &MemoryEdit {
                    content: "x".into(),
                    importance: 3,
                    note: String::new()
                }
            )
            .await
            .unwrap_err(),
        TwinsError::EditConflict { current: 2, .. }
    ));
    assert!(matches!(
        twins
            .edit_memory(
                memory.id,
                2,
                &MemoryEdit {
                    content: " ".into(),
                    importance: 3,
                    note: String::new()
                }
            )
            .await
            .unwrap_err(),
        TwinsError::Invalid(_)
    ));

    // A note rests on no evidence and is written by the user.
    let note = twins
        .add_note(id, "Told us she gifts beans at Christmas.", 6)
        .await
        .unwrap();
    assert_eq!(
        (note.fragment, note.written_by),
        (Fragment::Note, WrittenBy::User)
    );
    assert!(note.evidence.is_empty());
    assert_eq!(note.seq, twin.memories.len() as i64);

    // Retiring takes a memory out of recall and out of the index.
    twins.retire_memory(note.id).await.unwrap();
    let live = twins.twin(id).await.unwrap();
    assert!(live.memories.iter().all(|m| m.id != note.id));
    assert_eq!(live.summary.memories as usize, twin.memories.len());
    let last_op: String = sqlx::query_scalar(
        "SELECT op FROM search_outbox WHERE doc_id = ? ORDER BY seq DESC LIMIT 1",
    )
    .bind(note.id.to_string())
    .fetch_one(db.reader())
    .await
    .unwrap();
    assert_eq!(last_op, "delete");
    // The removal is versioned too.
    let removal: (i64, String, String) = sqlx::query_as(
        "SELECT version, edited_by, note FROM memory_versions WHERE memory_id = ? ORDER BY version DESC LIMIT 1",
    )
    .bind(note.id.to_string())
    .fetch_one(db.reader())
    .await
    .unwrap();
    assert_eq!(
        removal,
        (2, "user".to_owned(), "removed by the user".to_owned())
    );
    assert!(matches!(
        twins.retire_memory(note.id).await.unwrap_err(),
        TwinsError::MemoryNotFound(_)
    ));
    // Each memory change told the index.
    assert_eq!(noticed.0.lock().unwrap().len(), 3);
}
