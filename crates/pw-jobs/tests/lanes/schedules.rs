//! Schedules: one fire per occurrence, one catch-up after a sleep however long, a bad cron
//! expression or a database error on one schedule stopping no other, names scoped per workspace.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use pw_jobs::{JobQueue, Lane, Schedule, Scheduler};
use pw_store::Database;
use serde_json::json;

#[allow(dead_code, reason = "each test binary uses part of the shared support")]
use crate::support::*;

#[tokio::test]
async fn schedules_fire_once_per_occurrence_and_catch_up_once_after_sleep() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let scheduler = Scheduler::new(queue.clone());
    let now = pw_jobs::now_ms();
    let three_days_ago = now - 3 * 24 * 3_600_000 - 60_000;
    scheduler
        .upsert(&Schedule {
            name: "nightly-sync:meta".into(),
            cron: "0 2 * * *".into(),
            kind: "sync".into(),
            title: "Nightly Meta sync".into(),
            lane: Lane::Slow,
            payload: json!({"connection": "meta"}),
            workspace_id: None,
            enabled: true,
            last_fire_at: Some(three_days_ago),
            last_error: None,
        })
        .await
        .unwrap();
    let fired = scheduler.tick(now).await.unwrap();
    assert_eq!(fired.len(), 1, "three missed nights catch up with one run");
    assert!(scheduler.tick(now).await.unwrap().is_empty());
    // Even if the bookkeeping were lost (a crash right after enqueueing), the fire is not doubled.
    sqlx::query("UPDATE job_schedules SET last_fire_at = ?")
        .bind(three_days_ago)
        .execute(queue.database().writer())
        .await
        .unwrap();
    let again = scheduler.tick(now).await.unwrap();
    assert_eq!(again[0].id, fired[0].id);
    assert_eq!(queue.list(None, 10).await.unwrap().len(), 1);

    let bad = Schedule {
        cron: "every tuesday".into(),
        name: "bad".into(),
        ..scheduler.list().await.unwrap()[0].clone()
    };
    assert!(matches!(
        scheduler.upsert(&bad).await,
        Err(pw_jobs::QueueError::InvalidCron { .. })
    ));
}

#[tokio::test]
async fn one_schedule_with_a_bad_cron_expression_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let scheduler = Scheduler::new(queue.clone());
    let now = pw_jobs::now_ms();
    let yesterday = now - 26 * 3_600_000;
    // An imported workspace file can bring a row the upsert would have refused.
    sqlx::query(
        "INSERT INTO job_schedules (name, cron, kind, title, lane, payload, enabled, last_fire_at, created_at)
         VALUES ('a-imported', 'every tuesday', 'sync', 'Imported', 'slow', '{}', 1, ?, ?)",
    )
    .bind(yesterday)
    .bind(yesterday)
    .execute(queue.database().writer())
    .await
    .unwrap();
    scheduler
        .upsert(&Schedule {
            name: "z-nightly".into(),
            cron: "0 2 * * *".into(),
            kind: "sync".into(),
            title: "Nightly sync".into(),
            lane: Lane::Slow,
            payload: json!({}),
            workspace_id: None,
            enabled: true,
            last_fire_at: Some(yesterday),
            last_error: None,
        })
        .await
        .unwrap();
    let fired = scheduler.tick(now).await.unwrap();
    assert_eq!(
        fired.iter().map(|j| j.title.as_str()).collect::<Vec<_>>(),
        vec!["Nightly sync"]
    );
    let error: Option<String> =
        sqlx::query_scalar("SELECT last_error FROM job_schedules WHERE name = 'a-imported'")
            .fetch_one(queue.database().reader())
            .await
            .unwrap();
    let error = error.expect("the broken schedule says why it does not run");
    assert!(error.contains("every tuesday"), "{error}");
}

fn every_minute(name: &str, kind: &str, last_fire_at: i64) -> Schedule {
    Schedule {
        name: name.into(),
        cron: "* * * * *".into(),
        kind: kind.into(),
        title: name.into(),
        lane: Lane::Slow,
        payload: json!({}),
        workspace_id: None,
        enabled: true,
        last_fire_at: Some(last_fire_at),
        last_error: None,
    }
}

/// After months asleep, an every-minute schedule enqueues one catch-up for the latest missed
/// minute, and the next tick enqueues nothing: it does not catch up again tick after tick.
#[tokio::test]
async fn an_every_minute_schedule_catches_up_once_after_months_asleep() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let scheduler = Scheduler::new(queue.clone());
    let now = pw_jobs::now_ms();
    let months_ago = now - 200 * 24 * 3_600_000;
    scheduler
        .upsert(&every_minute("poll", "poll", months_ago))
        .await
        .unwrap();
    let fired = scheduler.tick(now).await.unwrap();
    assert_eq!(fired.len(), 1);
    // Every time zone's minutes start on UTC minute boundaries.
    let latest_minute = now - now.rem_euclid(60_000);
    assert_eq!(
        scheduler.list().await.unwrap()[0].last_fire_at,
        Some(latest_minute),
        "the catch-up is for the latest missed minute"
    );
    assert_eq!(
        fired[0].run_at, latest_minute,
        "the job runs for the fire it is for, not the time the machine woke"
    );
    assert_eq!(
        fired[0].payload[pw_jobs::FIRE_AT_FIELD],
        latest_minute,
        "and says which fire that is, in a field nothing rewrites"
    );
    for _ in 0..3 {
        assert!(scheduler.tick(now).await.unwrap().is_empty());
    }
    assert_eq!(queue.list(None, 10).await.unwrap().len(), 1);
}

/// A schedule switched off and back on does not catch up on the fires it missed while off:
/// it fires next at its next occurrence from when it was switched on.
#[tokio::test]
async fn a_schedule_switched_back_on_does_not_catch_up() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let scheduler = Scheduler::new(queue.clone());
    let now = pw_jobs::now_ms();
    let months_ago = now - 200 * 24 * 3_600_000;
    let mut poll = every_minute("poll", "poll", months_ago);
    poll.enabled = false;
    scheduler.upsert(&poll).await.unwrap();
    assert!(scheduler.tick(now).await.unwrap().is_empty(), "off");
    poll.enabled = true;
    poll.last_fire_at = None;
    scheduler.upsert(&poll).await.unwrap();
    let since = scheduler.list().await.unwrap()[0].last_fire_at.unwrap();
    assert!(since >= now, "counts from when it was switched on");
    assert!(scheduler.tick(since).await.unwrap().is_empty());
    assert_eq!(scheduler.tick(since + 61_000).await.unwrap().len(), 1);
}

/// A database error while one schedule fires (its enqueue fails, and so does recording anything
/// about it) neither stops the others nor marks it as a schedule that cannot fire: it fires once
/// the database is back.
#[tokio::test]
async fn a_database_error_on_one_schedule_neither_stops_the_others_nor_is_blamed_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let scheduler = Scheduler::new(queue.clone());
    let now = pw_jobs::now_ms();
    let hour_ago = now - 3_600_000;
    scheduler
        .upsert(&every_minute("a-unlucky", "unlucky", hour_ago))
        .await
        .unwrap();
    scheduler
        .upsert(&every_minute("z-other", "other", hour_ago))
        .await
        .unwrap();
    for refusal in [
        "CREATE TRIGGER refuse_enqueue BEFORE INSERT ON jobs WHEN NEW.kind = 'unlucky'
         BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
        "CREATE TRIGGER refuse_bookkeeping BEFORE UPDATE ON job_schedules WHEN OLD.name = 'a-unlucky'
         BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
    ] {
        sqlx::query(refusal)
            .execute(queue.database().writer())
            .await
            .unwrap();
    }
    let fired = scheduler.tick(now).await.unwrap();
    assert_eq!(
        fired.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(),
        vec!["other"]
    );

    // Now only the enqueue fails: recording an error would succeed, but it is not the schedule's.
    sqlx::query("DROP TRIGGER refuse_bookkeeping")
        .execute(queue.database().writer())
        .await
        .unwrap();
    assert!(scheduler.tick(now).await.unwrap().is_empty());
    let unlucky = scheduler
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "a-unlucky")
        .unwrap();
    assert_eq!(unlucky.last_error, None);

    sqlx::query("DROP TRIGGER refuse_enqueue")
        .execute(queue.database().writer())
        .await
        .unwrap();
    let fired = scheduler.tick(now).await.unwrap();
    assert_eq!(
        fired.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(),
        vec!["unlucky"]
    );
}

#[tokio::test]
async fn schedule_names_are_scoped_to_their_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir).await;
    let mut workspaces = Vec::new();
    for name in ["Client A", "Client B"] {
        workspaces.push(workspace(&db, name).await);
    }
    let queue = JobQueue::new(db);
    let scheduler = Scheduler::new(queue.clone());
    let now = pw_jobs::now_ms();
    let yesterday = now - 26 * 3_600_000;
    let nightly = |workspace: Option<&str>, title: &str| Schedule {
        name: "nightly-sync".into(),
        cron: "0 2 * * *".into(),
        kind: "sync".into(),
        title: title.into(),
        lane: Lane::Slow,
        payload: json!({}),
        workspace_id: workspace.map(str::to_owned),
        enabled: true,
        last_fire_at: Some(yesterday),
        last_error: None,
    };
    scheduler
        .upsert(&nightly(Some(&workspaces[0]), "A"))
        .await
        .unwrap();
    scheduler
        .upsert(&nightly(Some(&workspaces[1]), "B"))
        .await
        .unwrap();
    scheduler.upsert(&nightly(None, "global")).await.unwrap();
    scheduler
        .upsert(&nightly(None, "global, renamed"))
        .await
        .unwrap();
    let titles: Vec<String> = scheduler
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.title)
        .collect();
    assert_eq!(titles.len(), 3, "{titles:?}");
    let mut fired: Vec<String> = scheduler
        .tick(now)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.title)
        .collect();
    fired.sort();
    assert_eq!(fired, vec!["A", "B", "global, renamed"]);
}

/// Workspace files carry their schedules; one named like a schedule of another workspace here
/// imports beside it instead of failing the import.
#[tokio::test]
async fn importing_a_workspace_whose_schedule_shares_a_name_with_one_here_keeps_both() {
    async fn workspace_with_nightly_sync(db: &Database, name: &str) -> String {
        let id = workspace(db, name).await;
        sqlx::query(
            "INSERT INTO job_schedules (name, cron, kind, title, lane, payload, workspace_id, enabled, created_at)
             VALUES ('nightly-sync', '0 2 * * *', 'sync', ?, 'slow', '{}', ?, 1, 0)",
        )
        .bind(format!("Nightly sync for {name}"))
        .bind(&id)
        .execute(db.writer())
        .await
        .unwrap();
        id
    }
    let source_dir = tempfile::tempdir().unwrap();
    let source = open(&source_dir).await;
    let imported = workspace_with_nightly_sync(&source, "Client A").await;
    let file = source
        .export_workspace(imported.parse().unwrap(), |_| {})
        .await
        .unwrap();

    let target_dir = tempfile::tempdir().unwrap();
    let target = open(&target_dir).await;
    let local = workspace_with_nightly_sync(&target, "Client B").await;
    target.import_workspace(&file).await.unwrap();

    let mut scopes: Vec<(String, Option<String>)> = Scheduler::new(JobQueue::new(target))
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.workspace_id))
        .collect();
    scopes.sort();
    let mut expected = vec![
        ("nightly-sync".to_owned(), Some(imported)),
        ("nightly-sync".to_owned(), Some(local)),
    ];
    expected.sort();
    assert_eq!(scopes, expected);
}
