//! The workspace search index kept in step with SQLite: built from the tables, caught up from
//! the outbox, searched with snippets, facets and a histogram, and rebuilt when its folder is
//! deleted or a segment damaged, answering "rebuilding" meanwhile.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support::{AUDIENCE, NAMES, ScriptedModel, WS, build, exec, gateway, id, seeded};
use pw_evidence::search::{
    IndexState, Query, SearchIndexes, catch_up, check, document_count, rebuild, search,
};
use pw_search::{DocKind, FacetField};
use pw_store::Database;
use tokio_util::sync::CancellationToken;

async fn rebuilt(db: &Database, indexes: &SearchIndexes) -> u64 {
    let (progress, _updates) = tokio::sync::mpsc::unbounded_channel();
    rebuild(db, indexes, WS, &progress, &CancellationToken::new())
        .await
        .unwrap()
        .documents
}

fn text(text: &str) -> Query {
    Query {
        text: text.into(),
        limit: 20,
        ..Query::default()
    }
}

#[tokio::test]
async fn a_new_index_says_rebuilding_until_built_then_searches_with_snippets_facets_and_a_histogram()
 {
    let (dir, db) = seeded().await;
    let gateway = gateway(ScriptedModel::new(vec![Ok(NAMES.into()), Ok(NAMES.into())]));
    build(&db, &gateway, &CancellationToken::new())
        .await
        .unwrap();
    let indexes = SearchIndexes::new(dir.path().join("search"));

    let page = search(&db, &indexes, WS, &text("shipping")).await.unwrap();
    assert!(
        matches!(page.state, IndexState::Rebuilding { .. }),
        "{:?}",
        page.state
    );
    assert!(page.hits.is_empty());

    let documents = rebuilt(&db, &indexes).await;
    assert_eq!(documents, document_count(&db, WS).await.unwrap());
    let page = search(&db, &indexes, WS, &text("shipping")).await.unwrap();
    assert!(
        matches!(page.state, IndexState::Ready { .. }),
        "{:?}",
        page.state
    );
    let mentions: Vec<_> = page
        .hits
        .iter()
        .filter(|h| h.kind == DocKind::Mention)
        .collect();
    assert_eq!(mentions.len(), 8, "{:#?}", page.hits);
    for hit in &mentions {
        assert!(!hit.highlights.is_empty());
        let (start, end) = hit.highlights[0];
        assert_eq!(hit.snippet[start..end].to_lowercase(), "shipping");
    }
    // Stemming: "ships" finds the shipping mentions too.
    assert_eq!(
        search(&db, &indexes, WS, &text("shipped"))
            .await
            .unwrap()
            .total,
        page.total
    );
    // Facets: every shipping mention is negative and belongs to the audience; the theme the
    // build named is a facet value.
    let sentiment = &page.facets[&FacetField::Sentiment];
    assert!(
        sentiment.contains(&("negative".to_owned(), 8)),
        "{sentiment:?}"
    );
    assert!(
        page.facets[&FacetField::Audience]
            .iter()
            .any(|(a, n)| a == AUDIENCE && *n >= 8)
    );
    assert!(
        page.facets[&FacetField::Theme]
            .iter()
            .any(|(t, _)| t == "Slow shipping"),
        "{:?}",
        page.facets[&FacetField::Theme]
    );
    // The histogram counts matches per day: all mentions are on 2026-11-05.
    let on_the_fifth = page
        .histogram
        .iter()
        .find(|(day, _)| day.to_string() == "2026-11-05")
        .map(|(_, n)| *n);
    assert_eq!(on_the_fifth, Some(8));

    // Filters: only mentions, only a date range.
    let only_signals = search(
        &db,
        &indexes,
        WS,
        &Query {
            kinds: vec![DocKind::Signal],
            ..text("shipping")
        },
    )
    .await
    .unwrap();
    assert!(only_signals.hits.iter().all(|h| h.kind == DocKind::Signal));
    assert!(
        !only_signals.hits.is_empty(),
        "the theme signal mentions shipping"
    );
}

#[tokio::test]
async fn a_new_row_is_found_after_a_catch_up_and_a_deleted_one_is_gone() {
    let (dir, db) = seeded().await;
    let indexes = SearchIndexes::new(dir.path().join("search"));
    rebuilt(&db, &indexes).await;
    exec(&db, "INSERT INTO audience_signals (id, workspace_id, kind, source, text, sentiment, occurred_on, created_at) VALUES (?, ?, 'mention', 'review', 'The grinder arrived broken', -0.9, '2026-11-20', '2026-11-29T09:00:00.000Z')", &[&id(900), WS]).await;
    let page = search(&db, &indexes, WS, &text("grinder")).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.hits[0].id, id(900));

    exec(
        &db,
        "DELETE FROM audience_signals WHERE id = ?",
        &[&id(900)],
    )
    .await;
    assert_eq!(
        search(&db, &indexes, WS, &text("grinder"))
            .await
            .unwrap()
            .total,
        0
    );
    // Caught up: the outbox holds nothing the index already has.
    let pending: i64 =
        sqlx::query_scalar("SELECT count(*) FROM search_outbox WHERE workspace_id = ?")
            .bind(WS)
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn an_interrupted_catch_up_resumes_without_losing_or_duplicating() {
    let (dir, db) = seeded().await;
    let indexes = SearchIndexes::new(dir.path().join("search"));
    rebuilt(&db, &indexes).await;
    for n in 0..30u32 {
        exec(&db, "INSERT INTO audience_signals (id, workspace_id, kind, source, text, occurred_on, created_at) VALUES (?, ?, 'mention', 'review', ?, '2026-11-21', '2026-11-29T09:00:00.000Z')", &[&id(1000 + n), WS, &format!("Espresso note {n}")]).await;
    }
    // Part of the backlog, then a "crash": a fresh process opens the index anew.
    let first = catch_up(&db, &indexes, WS, Some(10)).await.unwrap();
    assert_eq!(first.applied, 10);
    assert!(
        matches!(first.state, IndexState::Ready { pending: 20, .. }),
        "{:?}",
        first.state
    );
    drop(indexes);
    let indexes = SearchIndexes::new(dir.path().join("search"));
    let rest = catch_up(&db, &indexes, WS, None).await.unwrap();
    assert!(
        matches!(rest.state, IndexState::Ready { pending: 0, .. }),
        "{:?}",
        rest.state
    );
    assert_eq!(
        search(&db, &indexes, WS, &text("espresso"))
            .await
            .unwrap()
            .total,
        30
    );
    assert!(matches!(
        check(&db, &indexes, WS).await.unwrap(),
        IndexState::Ready { .. }
    ));
}

/// A rebuild reads the tables as of one outbox position while the live index keeps catching
/// up. The changes it caught up meanwhile must reach the new generation too: the outbox above
/// the rebuild's position is kept until the rebuild has swapped in and replayed it.
#[tokio::test]
async fn a_change_caught_up_while_a_rebuild_runs_survives_the_swap() {
    let (dir, db) = seeded().await;
    let indexes = SearchIndexes::new(dir.path().join("search"));
    rebuilt(&db, &indexes).await;
    // Enough rows for the rebuild to take several batches.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)
         INSERT INTO audience_signals (id, workspace_id, kind, source, text, occurred_on, created_at)
         SELECT printf('0193a0c4-0000-7000-9000-%012d', i), ?1, 'mention', 'review', 'Filler about beans ' || i,
                '2026-11-20', '2026-11-29T09:00:00.000Z' FROM n",
    )
    .bind(WS)
    .execute(db.writer())
    .await
    .unwrap();
    catch_up(&db, &indexes, WS, None).await.unwrap();

    let (progress, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let indexes = std::sync::Arc::new(indexes);
    let task = {
        let db = db.clone();
        let indexes = std::sync::Arc::clone(&indexes);
        tokio::spawn(async move {
            rebuild(&db, &indexes, WS, &progress, &CancellationToken::new()).await
        })
    };
    updates.recv().await.expect("a first batch indexed");
    exec(&db, "INSERT INTO audience_signals (id, workspace_id, kind, source, text, sentiment, occurred_on, created_at) VALUES (?, ?, 'mention', 'review', 'The kettle whistles too loudly', -0.4, '2026-11-21', '2026-11-29T09:00:00.000Z')", &[&id(901), WS]).await;
    let live = catch_up(&db, &indexes, WS, None).await.unwrap();
    assert_eq!(live.applied, 1);
    assert!(
        !task.is_finished(),
        "the catch-up has to land while the rebuild runs for this test to mean anything"
    );
    task.await.unwrap().unwrap();
    let page = search(&db, &indexes, WS, &text("kettle")).await.unwrap();
    assert_eq!(
        page.total, 1,
        "the change caught up during the rebuild was lost"
    );
    assert!(matches!(
        check(&db, &indexes, WS).await.unwrap(),
        IndexState::Ready { pending: 0, .. }
    ));
}

/// The CLI searching while the app holds the index's writer: the search answers from what the
/// index holds and says how much is pending, instead of failing on the lock.
#[tokio::test]
async fn a_search_while_another_process_writes_the_index_answers_from_what_it_holds() {
    let (dir, db) = seeded().await;
    let app = SearchIndexes::new(dir.path().join("search"));
    rebuilt(&db, &app).await;
    exec(&db, "INSERT INTO audience_signals (id, workspace_id, kind, source, text, occurred_on, created_at) VALUES (?, ?, 'mention', 'review', 'The tamper feels cheap', '2026-11-21', '2026-11-29T09:00:00.000Z')", &[&id(902), WS]).await;
    // The app applies a batch and keeps its writer (and so the lock) open.
    assert_eq!(catch_up(&db, &app, WS, None).await.unwrap().applied, 1);
    exec(&db, "INSERT INTO audience_signals (id, workspace_id, kind, source, text, occurred_on, created_at) VALUES (?, ?, 'mention', 'review', 'The tamper is solid steel', '2026-11-22', '2026-11-29T09:00:00.000Z')", &[&id(903), WS]).await;
    let cli = SearchIndexes::new(dir.path().join("search"));
    let page = search(&db, &cli, WS, &text("tamper")).await.unwrap();
    assert_eq!(page.total, 1);
    assert!(
        matches!(page.state, IndexState::Ready { pending: 1, .. }),
        "{:?}",
        page.state
    );
}

#[tokio::test]
async fn a_deleted_index_folder_is_detected_and_rebuilt() {
    let (dir, db) = seeded().await;
    let root = dir.path().join("search");
    let indexes = SearchIndexes::new(&root);
    rebuilt(&db, &indexes).await;
    assert_eq!(
        search(&db, &indexes, WS, &text("taste"))
            .await
            .unwrap()
            .total,
        8
    );

    std::fs::remove_dir_all(root.join(WS)).unwrap();
    let state = check(&db, &indexes, WS).await.unwrap();
    assert!(matches!(state, IndexState::Rebuilding { .. }), "{state:?}");
    let page = search(&db, &indexes, WS, &text("taste")).await.unwrap();
    assert!(matches!(page.state, IndexState::Rebuilding { .. }));
    rebuilt(&db, &indexes).await;
    assert_eq!(
        search(&db, &indexes, WS, &text("taste"))
            .await
            .unwrap()
            .total,
        8
    );
}

#[tokio::test]
async fn a_damaged_segment_is_detected_on_open_and_rebuilt() {
    let (dir, db) = seeded().await;
    let root = dir.path().join("search");
    let indexes = SearchIndexes::new(&root);
    rebuilt(&db, &indexes).await;
    drop(indexes);
    // Overwrite the middle of the largest segment file.
    let mut largest: Option<(u64, std::path::PathBuf)> = None;
    for generation in std::fs::read_dir(root.join(WS)).unwrap() {
        let generation = generation.unwrap().path();
        if !generation.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&generation).unwrap() {
            let path = file.unwrap().path();
            let size = std::fs::metadata(&path).unwrap().len();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !name.ends_with(".json")
                && !name.starts_with('.')
                && largest.as_ref().is_none_or(|(s, _)| size > *s)
            {
                largest = Some((size, path));
            }
        }
    }
    let (size, path) = largest.expect("a segment file");
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = (size / 2) as usize;
    for b in &mut bytes[middle..(middle + 16).min(size as usize)] {
        *b ^= 0xff;
    }
    std::fs::write(&path, bytes).unwrap();

    let indexes = SearchIndexes::new(&root);
    let page = search(&db, &indexes, WS, &text("taste")).await.unwrap();
    assert!(
        matches!(page.state, IndexState::Rebuilding { .. }),
        "{:?}",
        page.state
    );
    rebuilt(&db, &indexes).await;
    assert_eq!(
        search(&db, &indexes, WS, &text("taste"))
            .await
            .unwrap()
            .total,
        8
    );
}

#[tokio::test]
async fn a_query_that_cannot_run_says_why() {
    let (dir, db) = seeded().await;
    let indexes = SearchIndexes::new(dir.path().join("search"));
    rebuilt(&db, &indexes).await;
    for bad in ["\"free shipping", "colour:blue"] {
        let error = search(&db, &indexes, WS, &text(bad)).await.unwrap_err();
        let message = error.to_string();
        assert!(
            !message.is_empty() && !message.contains("panicked"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn hybrid_retrieval_finds_by_meaning_what_words_miss_and_stores_the_vectors_it_made() {
    let (dir, db) = seeded().await;
    let indexes = SearchIndexes::new(dir.path().join("search"));
    rebuilt(&db, &indexes).await;
    let gateway = gateway(ScriptedModel::new(vec![]));
    // No mention says "delivery", but the embedder puts delivery beside shipping.
    let words = search(&db, &indexes, WS, &text("delivery")).await.unwrap();
    assert_eq!(words.total, 0);
    let found = pw_evidence::search::retrieve(&db, &indexes, &gateway, WS, &text("delivery"), 100)
        .await
        .unwrap();
    assert_eq!(found.embedded, 24, "every mention embedded once");
    let top: Vec<_> = found.hits.iter().take(8).collect();
    assert!(
        top.iter()
            .all(|h| h.text.to_lowercase().contains("shipping")),
        "{top:#?}"
    );
    assert!(
        top.iter()
            .all(|h| h.text_rank.is_none() && h.vector_rank.is_some())
    );
    // Words and meaning together: "taste" matches by words and by vectors.
    let both = pw_evidence::search::retrieve(&db, &indexes, &gateway, WS, &text("taste"), 100)
        .await
        .unwrap();
    assert_eq!(both.embedded, 0, "stored vectors are reused");
    assert!(both.hits[0].text_rank.is_some() && both.hits[0].vector_rank.is_some());
    assert!(both.hits[0].text.contains("taste"));

    // A new mention reaches retrieval at once: the vectors read for earlier questions are read
    // again once the index has moved on.
    exec(&db, "INSERT INTO audience_signals (id, workspace_id, kind, source, text, sentiment, occurred_on, created_at) VALUES (?, ?, 'mention', 'review', 'Delivery of the grinder was quick', 0.6, '2026-11-22', '2026-11-29T09:00:00.000Z')", &[&id(904), WS]).await;
    let again = pw_evidence::search::retrieve(&db, &indexes, &gateway, WS, &text("delivery"), 100)
        .await
        .unwrap();
    assert_eq!(again.embedded, 1, "only the new mention is embedded");
    assert_eq!(again.hits[0].id, id(904), "{:#?}", again.hits[0]);
    assert!(again.hits[0].text_rank.is_some() && again.hits[0].vector_rank.is_some());
}
