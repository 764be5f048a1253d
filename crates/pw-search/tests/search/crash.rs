//! A process killed in the middle of applying a batch leaves an index that opens at its last
//! committed watermark, holds exactly the batches up to it, and resumes by replaying.
//!
//! The parent test re-runs this test binary as a child (selected by an environment variable)
//! that applies batches in a loop, and kills it with SIGKILL — no destructor, no flush.
// Setup helpers outside `#[test]` functions panic on failure, like the tests.
#![allow(clippy::expect_used)]

use crate::support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pw_search::{Change, DocKey, DocKind, Health, SearchDocument, SearchIndex, SearchRequest};

const CHILD_ROOT: &str = "PW_SEARCH_CRASH_CHILD_ROOT";
const DOCS_PER_BATCH: u64 = 2_000;
const PROGRESS_FILE: &str = "child-progress";

/// Batch `number` of the outbox: always the same documents, all new.
fn batch(number: u64) -> Vec<Change> {
    (0..DOCS_PER_BATCH)
        .map(|item| {
            Change::Upsert(SearchDocument {
                key: DocKey::new(DocKind::Mention, format!("b{number}-{item}")),
                title: None,
                body: format!("crash replay batch {number} item {item} shipping delays"),
                platform: Some(if item % 2 == 0 { "meta" } else { "tiktok" }.to_string()),
                audience_id: None,
                theme: None,
                sentiment: None,
                day: Some(support::day("2026-02-01")),
            })
        })
        .collect()
}

/// The child: resume from the index's watermark and apply batches until killed.
#[test]
fn child_applies_batches_until_killed() {
    let Some(root) = std::env::var_os(CHILD_ROOT) else {
        return; // Run as a normal test: nothing to do.
    };
    let root = Path::new(&root);
    let index = SearchIndex::open(root.join("index")).expect("child open");
    let mut next = index.watermark().expect("child: index ready") + 1;
    loop {
        index
            .apply(batch(next), next - 1, next)
            .expect("child apply");
        std::fs::write(root.join(PROGRESS_FILE), next.to_string()).expect("progress");
        next += 1;
    }
}

fn progress(root: &Path) -> u64 {
    std::fs::read_to_string(root.join(PROGRESS_FILE))
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(0)
}

/// The child's test as the harness names it: its path within this test binary.
fn child_test_name() -> String {
    match module_path!().split_once("::") {
        Some((_, module)) => format!("{module}::child_applies_batches_until_killed"),
        None => "child_applies_batches_until_killed".to_owned(),
    }
}

fn kill_child_after(root: &Path, batches: u64, extra_delay: Duration) {
    let _ = std::fs::remove_file(root.join(PROGRESS_FILE));
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", &child_test_name(), "--test-threads=1"])
        .env(CHILD_ROOT, root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let started = Instant::now();
    while progress(root) < batches {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the child stopped on its own: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the child made no progress"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // Land somewhere inside the next batch: adding documents, or committing.
    std::thread::sleep(extra_delay);
    child.kill().expect("SIGKILL"); // SIGKILL on Unix: no destructor runs.
    child.wait().expect("reap");
}

fn assert_consistent(index: &SearchIndex) -> u64 {
    let Health::Ready { watermark } = index.health() else {
        panic!(
            "the index should open ready after a kill: {:?}",
            index.health()
        );
    };
    let expected = watermark * DOCS_PER_BATCH;
    assert_eq!(
        index.doc_count().expect("count"),
        expected,
        "watermark {watermark}"
    );
    assert_eq!(index.check(expected), Health::Ready { watermark });
    assert_eq!(index.verify(), Health::Ready { watermark });
    let searched = index
        .search(&SearchRequest::text("shipping"))
        .expect("search")
        .total;
    assert_eq!(searched, expected);
    watermark
}

#[test]
fn a_kill_during_apply_leaves_the_last_commit_and_replay_restores_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    support::built_index(&root.join("index"), Vec::new(), 0);

    let mut last_watermark = 0;
    for (round, delay_ms) in [(1u64, 0u64), (2, 17), (3, 41), (4, 73)] {
        kill_child_after(root, last_watermark + 2, Duration::from_millis(delay_ms));
        let index = SearchIndex::open(root.join("index")).expect("open after kill");
        let watermark = assert_consistent(&index);
        assert!(
            watermark >= last_watermark + 2,
            "round {round}: watermark {watermark} after {last_watermark}"
        );
        last_watermark = watermark;
    }

    // Resume as the caller would: from the watermark. A batch the index already holds is
    // refused, not applied twice.
    let index = SearchIndex::open(root.join("index")).expect("open");
    assert!(matches!(
        index.apply(batch(last_watermark), last_watermark - 1, last_watermark),
        Err(pw_search::SearchError::WatermarkMoved { .. })
    ));
    for number in last_watermark + 1..=last_watermark + 2 {
        index
            .apply(batch(number), number - 1, number)
            .expect("resume");
    }
    let watermark = assert_consistent(&index);
    assert_eq!(watermark, last_watermark + 2);
}
