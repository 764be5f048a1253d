//! The index's life on disk: building, incremental changes, reopening, damage, rebuilds, locks.
// Setup helpers outside `#[test]` functions panic on failure, like the tests.
#![allow(clippy::expect_used)]

use crate::support;

use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use pw_search::{
    Change, DocKey, DocKind, Health, RebuildReason, SearchError, SearchIndex, SearchRequest,
};
use support::{built_index, keys, mention, upserts};

fn total(index: &SearchIndex, text: &str) -> u64 {
    index
        .search(&SearchRequest::text(text))
        .expect("search")
        .total
}

fn numbered(count: usize, word: &str) -> Vec<pw_search::SearchDocument> {
    (0..count)
        .map(|number| {
            mention(
                &format!("{word}-{number}"),
                &format!("{word} number {number}"),
            )
        })
        .collect()
}

fn live_generation(root: &Path) -> PathBuf {
    let name = fs::read_to_string(root.join("LIVE")).expect("pointer");
    root.join(name.trim())
}

fn generation_folders(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root)
        .expect("read root")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with("gen-"))
        .collect();
    names.sort();
    names
}

/// The biggest segment file of the live generation (Tantivy's own bookkeeping excluded).
fn biggest_segment_file(root: &Path) -> PathBuf {
    let generation = live_generation(root);
    fs::read_dir(&generation)
        .expect("read generation")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            !name.ends_with(".json") && !name.ends_with(".lock")
        })
        .max_by_key(|path| fs::metadata(path).map(|meta| meta.len()).unwrap_or(0))
        .expect("a segment file")
}

/// Overwrites bytes in the middle of a file in place, keeping its length (so a mapped copy
/// never reads past the end).
fn scribble_over(path: &Path) {
    let length = fs::metadata(path).expect("metadata").len();
    let mut file = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open for write");
    file.seek(SeekFrom::Start(length / 2)).expect("seek");
    file.write_all(&[0xA5; 64]).expect("write");
    file.sync_all().expect("sync");
}

fn needs_rebuild(health: Health) -> RebuildReason {
    match health {
        Health::NeedsRebuild { reason } => reason,
        Health::Ready { watermark } => panic!("expected a rebuild, got ready at {watermark}"),
    }
}

#[test]
fn an_empty_root_needs_a_build_and_answers_not_ready_until_then() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("search");
    let index = SearchIndex::open(&root).expect("open");
    assert!(matches!(
        needs_rebuild(index.health()),
        RebuildReason::NotBuilt { .. }
    ));
    assert!(matches!(
        index.search(&SearchRequest::text("anything")),
        Err(SearchError::NotReady { .. })
    ));
    assert!(matches!(
        index.apply(upserts(numbered(1, "early")), 0, 1),
        Err(SearchError::NotReady { .. })
    ));
    let rebuild = index.rebuild().expect("rebuild");
    assert_eq!(
        rebuild.finish(0).expect("finish"),
        Health::Ready { watermark: 0 }
    );
    assert_eq!(
        index
            .search(&SearchRequest::default())
            .expect("search")
            .total,
        0
    );
    assert_eq!(generation_folders(&root), ["gen-00000001"]);
}

#[test]
fn applying_the_same_batch_twice_keeps_one_copy_of_each_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = built_index(dir.path(), Vec::new(), 0);
    let batch = upserts(numbered(50, "parcel"));
    index.apply(batch.clone(), 0, 1).expect("apply");
    // Replayed after a crash that lost the caller's bookkeeping: the same documents again.
    index.apply(batch, 1, 1).expect("apply again");
    assert_eq!(index.doc_count().expect("count"), 50);
    assert_eq!(total(&index, "parcel"), 50);

    // An upsert replaces the text: the old words stop matching.
    let mut changed = mention("parcel-7", "a completely different complaint");
    changed.platform = Some("meta".to_string());
    index
        .apply(vec![Change::Upsert(changed)], 1, 2)
        .expect("apply");
    assert_eq!(index.doc_count().expect("count"), 50);
    assert_eq!(total(&index, "parcel"), 49);
    assert_eq!(total(&index, "complaint"), 1);
    // Several changes to one key in one batch: the last one wins.
    let twice = vec![
        Change::Upsert(mention("late-1", "first version")),
        Change::Upsert(mention("late-1", "second version")),
    ];
    index.apply(twice, 2, 3).expect("apply");
    assert_eq!(total(&index, "first"), 0);
    assert_eq!(total(&index, "second"), 1);
    assert_eq!(index.doc_count().expect("count"), 51);
}

#[test]
fn deletes_remove_documents_and_unknown_keys_are_ignored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = built_index(dir.path(), numbered(10, "review"), 0);
    let deletes = vec![
        Change::Delete(DocKey::new(DocKind::Mention, "review-3")),
        Change::Delete(DocKey::new(DocKind::Mention, "review-4")),
        Change::Delete(DocKey::new(DocKind::Mention, "never-indexed")),
        Change::Delete(DocKey::new(DocKind::Report, "review-5")),
    ];
    index.apply(deletes, 0, 4).expect("apply");
    assert_eq!(index.doc_count().expect("count"), 8);
    let hits = index
        .search(&SearchRequest {
            limit: 100,
            ..SearchRequest::text("review")
        })
        .expect("search")
        .hits;
    assert!(!keys(&hits).contains(&"mention:review-3".to_string()));
    assert!(keys(&hits).contains(&"mention:review-5".to_string()));
    // Delete then re-add within one batch.
    let back = vec![
        Change::Delete(DocKey::new(DocKind::Mention, "review-6")),
        Change::Upsert(mention("review-6", "review is back")),
    ];
    index.apply(back, 4, 5).expect("apply");
    assert_eq!(index.doc_count().expect("count"), 8);
    assert_eq!(index.check(8), Health::Ready { watermark: 5 });
}

#[test]
fn the_watermark_and_documents_survive_a_reopen_and_never_go_backwards() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let index = built_index(dir.path(), numbered(5, "order"), 3);
        index
            .apply(upserts(numbered(8, "order")), 3, 7)
            .expect("apply");
        index.close_writer().expect("close");
    }
    let index = SearchIndex::open(dir.path()).expect("open");
    assert_eq!(index.health(), Health::Ready { watermark: 7 });
    assert_eq!(index.doc_count().expect("count"), 8);
    assert_eq!(total(&index, "order"), 8);
    // A batch read from an older position is refused: it may hold texts older than the
    // index's, and the watermark never goes back.
    assert!(matches!(
        index.apply(upserts(numbered(2, "order")), 3, 5),
        Err(SearchError::WatermarkMoved {
            expected: 3,
            found: 7
        })
    ));
    assert_eq!(index.watermark(), Some(7));
    assert_eq!(index.doc_count().expect("count"), 8);
    // An empty batch can still advance it (outbox rows of kinds the index does not hold).
    index.apply(Vec::new(), 7, 9).expect("apply");
    drop(index);
    assert_eq!(
        SearchIndex::open(dir.path()).expect("open").health(),
        Health::Ready { watermark: 9 }
    );
}

#[test]
fn an_index_of_another_schema_version_needs_a_rebuild() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(built_index(dir.path(), numbered(3, "beans"), 2));
    let meta_path = live_generation(dir.path()).join("meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&meta_path).expect("meta")).expect("json");
    let payload = meta["payload"].as_str().expect("payload").to_string();
    let mut payload: serde_json::Value = serde_json::from_str(&payload).expect("payload json");
    payload["schema_version"] = serde_json::json!(999);
    meta["payload"] = serde_json::json!(payload.to_string());
    fs::write(&meta_path, meta.to_string()).expect("write meta");

    let index = SearchIndex::open(dir.path()).expect("open");
    assert_eq!(
        needs_rebuild(index.health()),
        RebuildReason::SchemaChanged {
            found: 999,
            expected: pw_search::SCHEMA_VERSION
        }
    );
    let mut rebuild = index.rebuild().expect("rebuild");
    rebuild.add(numbered(3, "beans")).expect("add");
    rebuild.finish(2).expect("finish");
    assert_eq!(total(&index, "beans"), 3);
}

#[test]
fn a_segment_file_overwritten_while_closed_is_found_at_open_and_a_rebuild_restores_search() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(built_index(dir.path(), numbered(300, "espresso"), 1));
    scribble_over(&biggest_segment_file(dir.path()));

    let index = SearchIndex::open(dir.path()).expect("open");
    assert!(matches!(
        needs_rebuild(index.health()),
        RebuildReason::Corrupt { .. }
    ));
    assert!(matches!(
        index.search(&SearchRequest::text("espresso")),
        Err(SearchError::NotReady { .. })
    ));
    let mut rebuild = index.rebuild().expect("rebuild");
    rebuild.add(numbered(300, "espresso")).expect("add");
    rebuild.finish(1).expect("finish");
    assert_eq!(total(&index, "espresso"), 300);
    assert_eq!(generation_folders(dir.path()), ["gen-00000002"]);
}

#[test]
fn a_truncated_segment_file_is_found_at_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(built_index(dir.path(), numbered(300, "latte"), 1));
    let file = biggest_segment_file(dir.path());
    let length = fs::metadata(&file).expect("metadata").len();
    fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .expect("open")
        .set_len(length / 2)
        .expect("truncate");
    let index = SearchIndex::open(dir.path()).expect("open");
    let reason = needs_rebuild(index.health());
    assert!(
        matches!(
            reason,
            RebuildReason::Corrupt { .. } | RebuildReason::OpenFailed { .. }
        ),
        "{reason:?}"
    );
}

#[test]
fn damage_while_open_is_found_by_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = built_index(dir.path(), numbered(300, "mocha"), 1);
    assert_eq!(index.verify(), Health::Ready { watermark: 1 });
    scribble_over(&biggest_segment_file(dir.path()));
    assert!(matches!(
        needs_rebuild(index.verify()),
        RebuildReason::Corrupt { .. }
    ));
    assert!(matches!(
        index.search(&SearchRequest::text("mocha")),
        Err(SearchError::NotReady { .. })
    ));
}

#[test]
fn a_folder_deleted_while_open_is_found_and_rebuilt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("workspace-search");
    let index = built_index(&root, numbered(20, "cold"), 4);
    fs::remove_dir_all(&root).expect("delete");
    assert!(matches!(
        needs_rebuild(index.health()),
        RebuildReason::Removed { .. }
    ));
    assert!(matches!(
        index.search(&SearchRequest::text("cold")),
        Err(SearchError::NotReady { .. })
    ));
    let mut rebuild = index.rebuild().expect("rebuild");
    rebuild.add(numbered(20, "cold")).expect("add");
    rebuild.finish(4).expect("finish");
    assert_eq!(total(&index, "cold"), 20);
    index
        .apply(upserts(numbered(21, "cold")), 4, 5)
        .expect("apply after rebuild");
    assert_eq!(total(&index, "cold"), 21);
}

/// A segment file truncated by another program while the index is open is noticed by the next
/// health check, before any search reads the damaged (memory-mapped) file.
#[test]
fn a_segment_file_truncated_while_open_is_found_before_searching() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("workspace-search");
    let index = built_index(&root, numbered(200, "warm"), 4);
    index
        .apply(upserts(numbered(210, "warm")), 4, 5)
        .expect("apply");
    assert_eq!(total(&index, "warm"), 210);
    assert_eq!(index.health(), Health::Ready { watermark: 5 });
    let generation = fs::read_dir(&root)
        .expect("root")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.is_dir())
        .expect("a generation folder");
    let postings = fs::read_dir(&generation)
        .expect("generation")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "idx"))
        .expect("a postings file");
    let file = fs::OpenOptions::new()
        .write(true)
        .open(&postings)
        .expect("open");
    let length = file.metadata().expect("metadata").len();
    file.set_len(length / 2).expect("truncate");
    drop(file);
    match needs_rebuild(index.health()) {
        RebuildReason::Corrupt { message } => {
            assert!(message.contains("changed size"), "{message}")
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(matches!(
        index.search(&SearchRequest::text("warm")),
        Err(SearchError::NotReady { .. })
    ));
    let mut rebuild = index.rebuild().expect("rebuild");
    rebuild.add(numbered(210, "warm")).expect("add");
    rebuild.finish(5).expect("finish");
    assert_eq!(total(&index, "warm"), 210);
}

#[test]
fn a_rebuild_serves_the_old_generation_until_it_finishes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = built_index(dir.path(), numbered(10, "before"), 10);
    let reader = index.clone();
    let mut rebuild = index.rebuild().expect("rebuild");
    assert_eq!(rebuild.add(numbered(6, "after")).expect("add"), 6);
    assert_eq!(rebuild.add(numbered(4, "extra")).expect("add"), 10);
    // Still the old generation, which keeps taking changes.
    assert_eq!(total(&reader, "before"), 10);
    assert_eq!(total(&reader, "after"), 0);
    index
        .apply(upserts(vec![mention("live", "before and during")]), 10, 11)
        .expect("apply");
    assert_eq!(total(&reader, "before"), 11);

    assert_eq!(
        rebuild.finish(12).expect("finish"),
        Health::Ready { watermark: 12 }
    );
    let stats = reader.stats().expect("stats");
    assert_eq!(stats.generation, "gen-00000002");
    assert_eq!(stats.documents, 10);
    assert_eq!(stats.segments, 1, "a rebuild ends merged into one segment");
    assert_eq!(stats.watermark, 12);
    assert!(stats.bytes_on_disk > 0);
    // Every handle sees the new generation; the old one is gone from disk.
    assert_eq!(total(&reader, "before"), 0);
    assert_eq!(total(&reader, "after"), 6);
    assert_eq!(reader.watermark(), Some(12));
    assert_eq!(generation_folders(dir.path()), ["gen-00000002"]);
    // The incremental writer follows the swap.
    index
        .apply(upserts(vec![mention("next", "after the swap")]), 12, 13)
        .expect("apply");
    assert_eq!(total(&reader, "after"), 7);
    drop(index);
    drop(reader);
    let reopened = SearchIndex::open(dir.path()).expect("open");
    assert_eq!(reopened.health(), Health::Ready { watermark: 13 });
    assert_eq!(reopened.doc_count().expect("count"), 11);
}

#[test]
fn dropping_a_rebuild_cancels_it_and_keeps_the_live_generation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = built_index(dir.path(), numbered(10, "keep"), 3);
    let mut rebuild = index.rebuild().expect("rebuild");
    rebuild.add(numbered(50, "discard")).expect("add");
    drop(rebuild);
    assert_eq!(generation_folders(dir.path()), ["gen-00000001"]);
    assert_eq!(total(&index, "keep"), 10);
    assert_eq!(total(&index, "discard"), 0);
    assert_eq!(index.health(), Health::Ready { watermark: 3 });
    let rebuild = index.rebuild().expect("rebuild");
    rebuild.finish(3).expect("finish");
    assert_eq!(generation_folders(dir.path()), ["gen-00000002"]);
}

#[test]
fn a_leftover_generation_is_removed_at_the_next_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(built_index(dir.path(), numbered(3, "tidy"), 1));
    // As if a rebuild had crashed, or deleting an old generation had failed on Windows.
    fs::create_dir(dir.path().join("gen-00000009")).expect("leftover");
    fs::write(dir.path().join("gen-00000009").join("junk"), b"x").expect("junk");
    let index = SearchIndex::open(dir.path()).expect("open");
    assert_eq!(index.health(), Health::Ready { watermark: 1 });
    assert_eq!(generation_folders(dir.path()), ["gen-00000001"]);
}

#[test]
fn a_writer_lock_held_elsewhere_is_reported_and_nothing_is_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(built_index(dir.path(), Vec::new(), 0));
    // Two handles on one root stand for two processes: Tantivy's lock is a file lock.
    let first = SearchIndex::open(dir.path()).expect("open");
    let second = SearchIndex::open(dir.path()).expect("open");
    first
        .apply(upserts(numbered(2, "first")), 0, 1)
        .expect("apply");
    match second.apply(upserts(numbered(3, "second")), 1, 2) {
        Err(SearchError::LockBusy { path }) => assert!(path.starts_with(dir.path())),
        other => panic!("expected LockBusy, got {other:?}"),
    }
    first.close_writer().expect("close");
    second
        .apply(upserts(numbered(3, "second")), 1, 2)
        .expect("apply once the lock is free");
    drop((first, second));
    let index = SearchIndex::open(dir.path()).expect("open");
    assert_eq!(index.health(), Health::Ready { watermark: 2 });
    assert_eq!(index.doc_count().expect("count"), 5);
}

#[test]
fn a_count_other_than_expected_needs_a_rebuild() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = built_index(dir.path(), numbered(4, "count"), 2);
    assert_eq!(index.check(4), Health::Ready { watermark: 2 });
    assert_eq!(
        needs_rebuild(index.check(5)),
        RebuildReason::DocCountMismatch {
            indexed: 4,
            expected: 5
        }
    );
}

#[test]
fn handles_and_results_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<SearchIndex>();
    send_sync::<pw_search::SearchResults>();
    send_sync::<pw_search::VectorSet>();
    fn send<T: Send>() {}
    send::<pw_search::RebuildWriter>();

    let dir = tempfile::tempdir().expect("tempdir");
    let index = built_index(dir.path(), numbered(10, "thread"), 1);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| assert_eq!(total(&index, "thread"), 10));
        }
    });
}

/// A rebuild snapshots the tables at one outbox position; batches the live generation took
/// after it are not in the new generation. Its watermark says so, and a batch read against the
/// old generation is refused, so the caller replays from the rebuild's position.
#[test]
fn after_a_swap_batches_read_against_the_old_generation_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = built_index(dir.path(), numbered(3, "base"), 100);
    let mut rebuild = index.rebuild().expect("rebuild");
    rebuild.add(numbered(3, "base")).expect("add");
    index
        .apply(
            upserts(vec![mention("b", "arrived during the rebuild")]),
            100,
            120,
        )
        .expect("live apply");
    assert_eq!(total(&index, "arrived"), 1);
    rebuild.finish(100).expect("finish");
    assert_eq!(index.watermark(), Some(100));
    assert_eq!(total(&index, "arrived"), 0, "not in the rebuild's snapshot");
    // A caller that read the watermark (120) before the swap.
    assert!(matches!(
        index.apply(upserts(vec![mention("c", "late batch")]), 120, 130),
        Err(SearchError::WatermarkMoved {
            expected: 120,
            found: 100
        })
    ));
    assert_eq!(index.watermark(), Some(100));
    // Replaying from the rebuild's position brings both back.
    index
        .apply(
            upserts(vec![
                mention("b", "arrived during the rebuild"),
                mention("c", "late batch"),
            ]),
            100,
            130,
        )
        .expect("replay");
    assert_eq!(total(&index, "arrived"), 1);
    assert_eq!(total(&index, "late"), 1);
    assert_eq!(index.watermark(), Some(130));
}
