//! Creating twins from an audience's evidence, on a real SQLite file with a scripted model.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support;

use std::collections::BTreeSet;

use pw_twins::casting::jaccard;
use pw_twins::creation::TwinCreation;
use pw_twins::error::TwinsError;
use pw_twins::repository::TwinStore;
use pw_twins::vocabulary::{EvidenceSource, Fragment, WrittenBy};
use support::*;
use uuid::Uuid;

fn creation<'a>(
    db: &'a pw_store::Database,
    gateway: &'a pw_llm::Gateway,
    count: usize,
    batch: Uuid,
) -> TwinCreation<'a> {
    TwinCreation {
        db,
        gateway,
        workspace_id: ws(),
        audience_id: audience(),
        count,
        seed: 7,
        batch,
        job_id: None,
    }
}

#[tokio::test]
async fn twins_are_cast_apart_and_every_memory_links_to_its_signal_and_rows() {
    let (_dir, db) = seeded().await;
    let model = twin_writer();
    let gateway = gateway(model.clone());
    let creation = creation(&db, &gateway, 3, Uuid::from_u128(1));
    let plan = creation.plan().await.unwrap();
    // The insignificant night finding and the audience's description anchor no one.
    let anchored: BTreeSet<&str> = plan.signals.iter().map(|s| s.facts.id.as_str()).collect();
    assert!(!anchored.contains(id(104).as_str()));
    assert!(!anchored.contains(id(130).as_str()));
    assert_eq!(anchored.len(), 7, "{anchored:?}");

    let mut twins = Vec::new();
    for index in 0..3 {
        let created = creation.create(&plan, index).await.unwrap().unwrap();
        twins.push(TwinStore::new(&db).twin(created).await.unwrap());
    }
    let store = TwinStore::new(&db);
    for twin in &twins {
        let d = &twin.profile.demographics;
        assert!((25..=34).contains(&d.age), "{d:?}");
        assert!(["female", "male"].contains(&d.gender.as_str()));
        assert_eq!(
            (d.location.as_str(), d.occupation.as_str()),
            ("US", "teacher")
        );
        // The model's blank pain point is dropped and its 300-word voice held to 120.
        assert_eq!(twin.profile.pain_points, ["slow shipping"]);
        assert_eq!(twin.profile.voice.typical_words, 120);
        assert_eq!(twin.written_by, "local/scripted");
        assert!(twin.memories.len() >= 3, "{}", twin.memories.len());
        assert_eq!(twin.memories.len(), twin.casting.len() + 1);

        // Everyone remembers who the platform says they are, from the audience's row.
        let first = &twin.memories[0];
        assert_eq!(first.fragment, Fragment::Demographic);
        assert!(
            first
                .content
                .starts_with(&format!("I'm {}, {}", twin.summary.name, d.age))
        );
        assert!(
            first
                .evidence
                .iter()
                .any(|e| e.source == EvidenceSource::Row
                    && e.table.as_deref() == Some("audiences")
                    && e.key == AUDIENCE)
        );
        assert!(first.evidence.iter().any(|e| e.key == id(130)));

        for (memory, anchor) in twin.memories[1..].iter().zip(&twin.casting) {
            let signal = memory
                .evidence
                .iter()
                .find(|e| e.source == EvidenceSource::Signal)
                .unwrap();
            assert_eq!(&signal.key, anchor);
            let statement: String =
                sqlx::query_scalar("SELECT statement FROM signals WHERE id = ?")
                    .bind(anchor)
                    .fetch_one(db.reader())
                    .await
                    .unwrap();
            assert_eq!(signal.snapshot, statement);
            // Every row it names is a segment row behind that signal, and there is one.
            let rows: Vec<_> = memory
                .evidence
                .iter()
                .filter(|e| e.source == EvidenceSource::Row)
                .collect();
            assert!(!rows.is_empty());
            for row in rows {
                let role: String = sqlx::query_scalar(
                    "SELECT role FROM signal_rows WHERE signal_id = ? AND source_table = ? AND row_key = ?",
                )
                .bind(anchor)
                .bind(row.table.as_deref().unwrap())
                .bind(&row.key)
                .fetch_one(db.reader())
                .await
                .unwrap();
                assert_eq!(role, "segment");
                if row.table.as_deref() == Some("audience_signals") {
                    assert!(!row.snapshot.is_empty(), "a mention's words travel with it");
                }
            }
        }
        // The second anchor's memory claimed a "99%" its signal never stated: the signal's
        // own statement stands in for it.
        let second = &twin.memories[2];
        assert_eq!(second.written_by, WrittenBy::Evidence);
        assert_eq!(second.content, second.evidence[0].snapshot);
        assert_eq!(twin.memories[1].written_by, WrittenBy::Model);
        assert_eq!(twin.memories[1].content, "I notice this about myself (S1).");
        // Vectors were stored for recall.
        assert_eq!(
            store
                .memory_vectors(twin.summary.id, "words")
                .await
                .unwrap()
                .len(),
            twin.memories.len()
        );
        assert_eq!(store.versions(twin.summary.id).await.unwrap().len(), 1);
    }
    // Twins of one audience are cast on different evidence.
    for a in 0..twins.len() {
        for b in a + 1..twins.len() {
            let similarity = jaccard(&twins[a].casting, &twins[b].casting);
            assert!(similarity < 0.5, "twins {a} and {b}: {similarity}");
        }
    }
    // Their names differ, and each prompt named its twin.
    let names: BTreeSet<&str> = twins.iter().map(|t| t.summary.name.as_str()).collect();
    assert_eq!(names.len(), 3);
    for (prompt, twin) in model.prompts.lock().unwrap().iter().zip(&twins) {
        assert!(prompt.contains(&format!("This person: {}, ", twin.summary.name)));
    }
    // The memories are queued for the search index.
    let queued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM search_outbox WHERE doc_kind = 'twin_memory' AND op = 'upsert'",
    )
    .fetch_one(db.reader())
    .await
    .unwrap();
    assert_eq!(
        queued as usize,
        twins.iter().map(|t| t.memories.len()).sum::<usize>()
    );
}

#[tokio::test]
async fn the_same_seed_casts_the_same_twins_and_a_retry_creates_none_twice() {
    let (_dir, db) = seeded().await;
    let gateway = gateway(twin_writer());
    let batch = Uuid::from_u128(2);
    let first = creation(&db, &gateway, 2, batch);
    let plan = first.plan().await.unwrap();
    let again = creation(&db, &gateway, 2, batch).plan().await.unwrap();
    assert_eq!(plan.castings, again.castings);
    let created = first.create(&plan, 0).await.unwrap();
    assert!(created.is_some());
    // A retried job (same batch) finds the twin stored and leaves it.
    assert_eq!(first.create(&plan, 0).await.unwrap(), None);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM twins")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn a_model_that_breaks_its_json_stores_nothing_and_says_so() {
    let (_dir, db) = seeded().await;
    let gateway = gateway(ScriptedModel::new(|_| Ok("{\"name\": \"Ava".into())));
    let creation = creation(&db, &gateway, 1, Uuid::from_u128(3));
    let plan = creation.plan().await.unwrap();
    let error = creation.create(&plan, 0).await.unwrap_err();
    assert!(
        matches!(
            error,
            TwinsError::Model(pw_llm::LlmError::InvalidStructuredOutput { .. })
        ),
        "{error:?}"
    );
    for table in ["twins", "twin_memories", "memory_evidence"] {
        let count: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(db.reader())
                .await
                .unwrap();
        assert_eq!(count, 0, "{table}");
    }
}

#[tokio::test]
async fn an_audience_without_enough_evidence_is_refused_in_plain_words() {
    let (_dir, db) = seeded().await;
    let gateway = gateway(twin_writer());
    let mut thin = creation(&db, &gateway, 2, Uuid::from_u128(4));
    thin.audience_id = THIN_AUDIENCE.parse().unwrap();
    let error = thin.plan().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Past purchasers has too little evidence for twins: 1 significant signal where a twin needs 2. Build its signals first (Audiences → Build signals)"
    );
    let too_many = creation(&db, &gateway, 13, Uuid::from_u128(5));
    assert!(matches!(
        too_many.plan().await.unwrap_err(),
        TwinsError::Invalid(_)
    ));
}
