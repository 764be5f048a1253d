//! A job never runs twice at once: every claim's attempt token fences its writes, a live attempt
//! here keeps its lease through a sleep or a suspend, a handler that ignores cancellation is
//! aborted after the grace period, and a busy writer delays none of it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pw_jobs::{
    JobContext, JobHandler, JobKind, JobQueue, JobRunner, JobSpec, JobState, Lane, Lease,
    RunnerConfig, Supervision,
};
use serde_json::{Value, json};

#[allow(dead_code, reason = "each test binary uses part of the shared support")]
use crate::support::*;

/// Counts how many copies of a handler run at once; leaving (or being dropped when aborted)
/// counts down.
struct Occupancy {
    active: Arc<AtomicUsize>,
}

impl Occupancy {
    fn enter(active: &Arc<AtomicUsize>, peak: &Arc<AtomicUsize>) -> Self {
        let now = active.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(now, Ordering::SeqCst);
        Occupancy {
            active: active.clone(),
        }
    }
}

impl Drop for Occupancy {
    fn drop(&mut self) {
        self.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A laptop sleep or a writer stall leaves the lease looking expired on the wall clock while this
/// process still runs the job: its own recovery must not requeue it, so the job never runs twice.
#[tokio::test]
async fn a_lease_that_looks_expired_after_a_sleep_is_not_taken_from_the_attempt_still_running_it() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let active = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let runs = Arc::new(AtomicUsize::new(0));
    let (a, p, r) = (active.clone(), peak.clone(), runs.clone());
    let long: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let (a, p, r) = (a.clone(), p.clone(), r.clone());
        async move {
            let _inside = Occupancy::enter(&a, &p);
            r.fetch_add(1, Ordering::SeqCst);
            for step in 0..24 {
                ctx.progress(step as f64 / 24.0, format!("step {step}"))
                    .await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(json!("done"))
        }
    });
    let runner = JobRunner::start(queue.clone(), test_config(), handlers(vec![("long", long)]));
    let job = queue
        .enqueue(JobSpec::new("long", "long work", Lane::Default))
        .await
        .unwrap();
    wait_for(&queue, &job.id, JobState::Running).await;
    // What a stalled writer or a sleep leaves behind: a lease in the past, again and again.
    loop {
        sqlx::query("UPDATE jobs SET lease_until = 0 WHERE id = ? AND state = 'running'")
            .bind(&job.id)
            .execute(queue.database().writer())
            .await
            .unwrap();
        if queue.get(&job.id).await.unwrap().state.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let done = wait_for(&queue, &job.id, JobState::Succeeded).await;
    assert_eq!(peak.load(Ordering::SeqCst), 1, "the job ran twice at once");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(done.attempts, 1);
    runner.shutdown().await;
}

/// Another process's recovery requeued a job this process is still running (its lease looked
/// expired), and a lane here claimed it again: the stale copy is stopped before the new one
/// starts. (What a stale attempt that keeps working writes is covered below.)
#[tokio::test]
async fn a_stale_attempt_here_is_stopped_before_a_newer_attempt_of_the_same_job_starts_here() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let active = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let stale_dropped = Arc::new(DropCounter::default());
    let stale_gone_when_fresh_started = Arc::new(AtomicUsize::new(usize::MAX));
    let (a, p, c, d, seen) = (
        active.clone(),
        peak.clone(),
        calls.clone(),
        stale_dropped.clone(),
        stale_gone_when_fresh_started.clone(),
    );
    let twice: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let (a, p, c, d, seen) = (a.clone(), p.clone(), c.clone(), d.clone(), seen.clone());
        async move {
            let _inside = Occupancy::enter(&a, &p);
            if c.fetch_add(1, Ordering::SeqCst) == 0 {
                let _dropped = d.guard();
                // Never ends by itself: only the newer attempt's arrival stops it.
                std::future::pending::<()>().await;
            }
            seen.store(d.drops(), Ordering::SeqCst);
            ctx.save_checkpoint(&json!("fresh")).await?;
            Ok(json!("fresh"))
        }
    });
    let runner = JobRunner::start(
        queue.clone(),
        test_config(),
        handlers(vec![("twice", twice)]),
    );
    let job = queue
        .enqueue(JobSpec::new("twice", "twice", Lane::Default))
        .await
        .unwrap();
    while calls.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Another process sees the lease as expired (its wall clock jumped) and requeues the job.
    sqlx::query("UPDATE jobs SET lease_until = 0 WHERE id = ?")
        .bind(&job.id)
        .execute(queue.database().writer())
        .await
        .unwrap();
    assert_eq!(queue.recover_expired_leases().await.unwrap(), 1);
    let done = wait_for(&queue, &job.id, JobState::Succeeded).await;
    assert_eq!(
        stale_gone_when_fresh_started.load(Ordering::SeqCst),
        1,
        "the stale copy was not stopped before the new one started"
    );
    assert_eq!(peak.load(Ordering::SeqCst), 1, "two copies ran at once");
    assert_eq!(done.result, Some(json!("fresh")));
    assert_eq!(done.checkpoint, Some(json!("fresh")));
    assert_eq!(done.attempts, 2);
    runner.shutdown().await;
}

/// Another process recovered the job (this one's lease looked expired to it) and claimed it, and
/// the attempt here, not yet told, keeps working: it saves a checkpoint and returns an outcome
/// after the other attempt took over. Neither lands; the other attempt's checkpoint, progress and
/// outcome stand. Once the stale attempt learns it lost through a refused checkpoint; once its
/// outcome itself is what the queue refuses.
#[tokio::test]
async fn a_stale_attempt_that_keeps_working_after_another_process_took_over_overwrites_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let started = Arc::new(tokio::sync::Notify::new());
    let go = Arc::new(tokio::sync::Notify::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let checkpoint_refused = Arc::new(AtomicUsize::new(0));
    let returned = Arc::new(AtomicUsize::new(0));
    let (s, g, r, cr, ret) = (
        started.clone(),
        go.clone(),
        runs.clone(),
        checkpoint_refused.clone(),
        returned.clone(),
    );
    let stale: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let (s, g, r, cr, ret) = (s.clone(), g.clone(), r.clone(), cr.clone(), ret.clone());
        async move {
            r.fetch_add(1, Ordering::SeqCst);
            s.notify_one();
            // Busy with something long (a vendor call) while another process takes the job over.
            g.notified().await;
            if ctx.payload::<Value>()?["checkpoint_first"] == json!(true)
                && ctx.save_checkpoint(&json!("stale")).await.is_err()
            {
                cr.fetch_add(1, Ordering::SeqCst);
            }
            ret.fetch_add(1, Ordering::SeqCst);
            Ok(json!("stale"))
        }
    });
    let marker: Arc<dyn JobHandler> = Arc::new(|_ctx: JobContext| async move { Ok(Value::Null) });
    let mut config = test_config();
    // This process learns of the takeover only from its own writes, not from a heartbeat.
    config.heartbeat = Duration::from_secs(3600);
    // One slot: the lane claims nothing else until the stale attempt has fully ended.
    config.concurrency.insert(Lane::Default, 1);
    let runner = JobRunner::start(
        queue.clone(),
        config,
        handlers(vec![("stale", stale), ("marker", marker)]),
    );

    for (round, checkpoint_first) in [(1, true), (2, false)] {
        let job = queue
            .enqueue(
                JobSpec::new("stale", "taken over", Lane::Default)
                    .payload(json!({ "checkpoint_first": checkpoint_first })),
            )
            .await
            .unwrap();
        started.notified().await;
        // The other process: its recovery requeues the job, and it claims it.
        sqlx::query("UPDATE jobs SET lease_until = 0 WHERE id = ?")
            .bind(&job.id)
            .execute(queue.database().writer())
            .await
            .unwrap();
        assert_eq!(queue.recover_expired_leases().await.unwrap(), 1);
        let other = queue
            .claim(Lane::Default, "other-process", Duration::from_secs(30))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(other.id, job.id);
        let other_attempt = other.attempt_token.clone().unwrap();
        assert!(
            queue
                .save_checkpoint(&job.id, &other_attempt, &json!("fresh"))
                .await
                .unwrap()
        );
        queue
            .set_progress(&job.id, &other_attempt, 0.5, Some("fresh progress"))
            .await
            .unwrap()
            .unwrap();

        go.notify_one();
        // The lane's only slot frees once the stale attempt has ended and its outcome was
        // handled, so when this runs, everything the stale attempt would write has been tried.
        let after_stale = queue
            .enqueue(JobSpec::new(
                "marker",
                "after the stale attempt",
                Lane::Default,
            ))
            .await
            .unwrap();
        wait_for(&queue, &after_stale.id, JobState::Succeeded).await;
        assert_eq!(
            returned.load(Ordering::SeqCst),
            round,
            "it returned an outcome"
        );
        assert_eq!(
            checkpoint_refused.load(Ordering::SeqCst),
            1,
            "round {round}: only round 1 tries a checkpoint, and it is refused"
        );

        let meanwhile = queue.get(&job.id).await.unwrap();
        assert_eq!(meanwhile.state, JobState::Running, "round {round}");
        assert_eq!(
            meanwhile.attempt_token.as_deref(),
            Some(other_attempt.as_str())
        );
        assert_eq!(meanwhile.checkpoint, Some(json!("fresh")), "round {round}");
        assert_eq!(meanwhile.result, None, "round {round}");
        assert_eq!(
            (meanwhile.progress, meanwhile.progress_message.as_deref()),
            (0.5, Some("fresh progress")),
            "round {round}"
        );
        let done = queue
            .succeed(&job.id, &other_attempt, &json!("fresh"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (done.result, done.checkpoint),
            (Some(json!("fresh")), Some(json!("fresh")))
        );
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2, "each job ran once here");
    runner.shutdown().await;
}

/// Counts drops of the guards it hands out, and remembers when (on tokio's clock) the last one
/// went: a handler's guard is dropped when its future is, whether it returned or was aborted.
#[derive(Default)]
struct DropCounter {
    drops: AtomicUsize,
    last_drop: std::sync::Mutex<Option<tokio::time::Instant>>,
}

struct DropGuard(Arc<DropCounter>);

impl DropCounter {
    fn guard(self: &Arc<Self>) -> DropGuard {
        DropGuard(self.clone())
    }
    fn drops(&self) -> usize {
        self.drops.load(Ordering::SeqCst)
    }
    fn last_drop(&self) -> Option<tokio::time::Instant> {
        *self.last_drop.lock().unwrap()
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        *self.0.last_drop.lock().unwrap() = Some(tokio::time::Instant::now());
        self.0.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Tokio's paused clock jumps ahead by itself whenever the runtime is idle, which it is whenever
/// SQLite (answering from its own thread) is working. A blocking task in flight stops that, so in
/// the tests holding this, time moves only when the test advances it.
struct ManualClock {
    _hold: std::sync::mpsc::Sender<()>,
}

fn manual_clock() -> ManualClock {
    let (hold, released) = std::sync::mpsc::channel::<()>();
    tokio::task::spawn_blocking(move || {
        let _ = released.recv();
    });
    ManualClock { _hold: hold }
}

/// Gives the database thread a moment to answer the runtime (real time, not the paused clock).
async fn let_the_database_answer() {
    tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(2)))
        .await
        .unwrap();
}

/// Advances the paused clock in `step`s, letting the database answer between steps, until `done`
/// holds; false when `limit` of clock time passed first.
async fn advance_until(
    limit: Duration,
    step: Duration,
    mut done: impl AsyncFnMut() -> bool,
) -> bool {
    let from = tokio::time::Instant::now();
    loop {
        let_the_database_answer().await;
        if done().await {
            return true;
        }
        if from.elapsed() >= limit {
            return false;
        }
        tokio::time::advance(step).await;
    }
}

async fn state_is(queue: &JobQueue, id: &str, wanted: JobState) -> bool {
    queue.get(id).await.unwrap().state == wanted
}

/// Runner timing as shipped, apart from a shorter heartbeat, for the tests on the paused clock.
fn paused_clock_config() -> RunnerConfig {
    RunnerConfig {
        heartbeat: Duration::from_secs(1),
        cancel_grace: Duration::from_secs(5),
        ..RunnerConfig::default()
    }
}

/// A handler that never looks at its cancellation: it loops until its future is dropped, counting
/// the loops it ran after the cancellation was requested.
fn deaf_handler(
    dropped: Arc<DropCounter>,
    loops_after_cancel: Arc<AtomicUsize>,
) -> Arc<dyn JobHandler> {
    Arc::new(move |ctx: JobContext| {
        let (dropped, after) = (dropped.clone(), loops_after_cancel.clone());
        async move {
            let _dropped = dropped.guard();
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if ctx.is_cancelled() {
                    after.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    })
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_ignores_its_cancellation_is_aborted_after_the_grace_period() {
    let _clock = manual_clock();
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let dropped = Arc::new(DropCounter::default());
    let loops_after_cancel = Arc::new(AtomicUsize::new(0));
    let config = paused_clock_config();
    let grace = config.cancel_grace;
    let runner = JobRunner::start(
        queue.clone(),
        config,
        handlers(vec![(
            "deaf",
            deaf_handler(dropped.clone(), loops_after_cancel.clone()),
        )]),
    );
    let job = queue
        .enqueue(JobSpec::new("deaf", "ignores cancel", Lane::Default))
        .await
        .unwrap();
    assert!(
        advance_until(
            Duration::from_secs(10),
            Duration::from_millis(100),
            async || { state_is(&queue, &job.id, JobState::Running).await }
        )
        .await
    );
    let cancelled_at = tokio::time::Instant::now();
    queue.cancel(&job.id).await.unwrap();
    assert!(
        advance_until(
            Duration::from_secs(30),
            Duration::from_millis(100),
            async || { dropped.drops() > 0 }
        )
        .await,
        "the handler was never aborted"
    );
    let dropped_after = dropped.last_drop().unwrap() - cancelled_at;
    assert!(
        dropped_after >= grace,
        "aborted {dropped_after:?} after the cancellation"
    );
    assert!(
        dropped_after < grace + Duration::from_secs(1),
        "aborted only {dropped_after:?} after the cancellation"
    );
    assert!(
        loops_after_cancel.load(Ordering::SeqCst) >= 1,
        "it was dropped before it could go on during its grace period"
    );
    assert!(
        advance_until(
            Duration::from_secs(10),
            Duration::from_millis(100),
            async || { state_is(&queue, &job.id, JobState::Cancelled).await }
        )
        .await
    );
    assert_eq!(dropped.drops(), 1);
    assert!(queue.get(&job.id).await.unwrap().finished_at.is_some());
    runner.shutdown().await;
}

/// The heartbeat waits its turn at the single writer like every write; the decisions that stop an
/// attempt must not wait with it. Here the writer stays busy far beyond the grace period.
#[tokio::test(start_paused = true)]
async fn a_busy_writer_does_not_delay_aborting_a_handler_past_its_grace_period() {
    let _clock = manual_clock();
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let dropped = Arc::new(DropCounter::default());
    let config = paused_clock_config();
    let grace = config.cancel_grace;
    let runner = JobRunner::start(
        queue.clone(),
        config,
        handlers(vec![(
            "deaf",
            deaf_handler(dropped.clone(), Arc::new(AtomicUsize::new(0))),
        )]),
    );
    let job = queue
        .enqueue(JobSpec::new("deaf", "ignores cancel", Lane::Default))
        .await
        .unwrap();
    assert!(
        advance_until(
            Duration::from_secs(10),
            Duration::from_millis(100),
            async || { state_is(&queue, &job.id, JobState::Running).await }
        )
        .await
    );
    queue.cancel(&job.id).await.unwrap();
    let cancelled_at = tokio::time::Instant::now();
    // Another write holds the only writer connection (a long import, say) for 20 s.
    let busy_writer = queue.database().writer().acquire().await.unwrap();
    assert!(
        advance_until(
            Duration::from_secs(20),
            Duration::from_millis(100),
            async || { dropped.drops() > 0 }
        )
        .await,
        "the abort waited for the writer"
    );
    assert!(dropped.last_drop().unwrap() - cancelled_at >= grace);
    drop(busy_writer);
    assert!(
        advance_until(
            Duration::from_secs(30),
            Duration::from_millis(100),
            async || { state_is(&queue, &job.id, JobState::Cancelled).await }
        )
        .await
    );
    runner.shutdown().await;
}

/// A laptop sleep: the monotonic clock jumps an hour at once, and on the wall clock every lease
/// has long expired. The attempt alive in this process is neither requeued nor run again (nor
/// stopped as stuck: it could not make progress while the process was suspended), while a job
/// whose runner really died is recovered and run.
#[tokio::test(start_paused = true)]
async fn after_a_long_suspend_a_live_attempt_here_runs_on_and_a_dead_one_is_recovered() {
    let _clock = manual_clock();
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let active = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let live_runs = Arc::new(AtomicUsize::new(0));
    let orphan_runs = Arc::new(AtomicUsize::new(0));
    let finish = Arc::new(tokio::sync::Notify::new());
    let (a, p, r, f) = (
        active.clone(),
        peak.clone(),
        live_runs.clone(),
        finish.clone(),
    );
    let live: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let (a, p, r, f) = (a.clone(), p.clone(), r.clone(), f.clone());
        async move {
            let _inside = Occupancy::enter(&a, &p);
            r.fetch_add(1, Ordering::SeqCst);
            ctx.progress(0.1, "waiting for the vendor").await;
            // A long call with nothing to report until it answers.
            f.notified().await;
            Ok(json!("live"))
        }
    });
    let o = orphan_runs.clone();
    let orphan: Arc<dyn JobHandler> = Arc::new(move |_ctx: JobContext| {
        let o = o.clone();
        async move {
            o.fetch_add(1, Ordering::SeqCst);
            Ok(json!("recovered"))
        }
    });
    // Claimed by a runner in a process that then died: its lease runs out and nobody renews it.
    let dead = queue
        .enqueue(JobSpec::new(
            "orphan",
            "left by a dead process",
            Lane::Default,
        ))
        .await
        .unwrap();
    queue
        .claim(Lane::Default, "dead-process", Duration::from_secs(30))
        .await
        .unwrap()
        .unwrap();
    let runner = JobRunner::start(
        queue.clone(),
        RunnerConfig::default(),
        kinds(vec![
            (
                "live",
                JobKind::new(
                    live,
                    Supervision::Liveness {
                        stall_after: Duration::from_secs(180),
                    },
                ),
            ),
            ("orphan", JobKind::from(orphan)),
        ]),
    );
    let job = queue
        .enqueue(JobSpec::new("live", "long download", Lane::Slow))
        .await
        .unwrap();
    assert!(
        advance_until(
            Duration::from_secs(10),
            Duration::from_millis(100),
            async || { live_runs.load(Ordering::SeqCst) == 1 }
        )
        .await
    );
    let attempt = queue.get(&job.id).await.unwrap().attempt_token;
    assert!(attempt.is_some());

    // The suspend: an hour passes on both clocks at once.
    sqlx::query("UPDATE jobs SET lease_until = ? WHERE state = 'running'")
        .bind(pw_jobs::now_ms() - 3_600_000)
        .execute(queue.database().writer())
        .await
        .unwrap();
    tokio::time::advance(Duration::from_secs(3600)).await;

    assert!(
        advance_until(
            Duration::from_secs(60),
            Duration::from_millis(100),
            async || { state_is(&queue, &dead.id, JobState::Succeeded).await }
        )
        .await,
        "the dead process's job was not recovered"
    );
    let renewed = advance_until(
        Duration::from_secs(30),
        Duration::from_millis(100),
        async || {
            sqlx::query_scalar::<_, Option<i64>>("SELECT lease_until FROM jobs WHERE id = ?")
                .bind(&job.id)
                .fetch_one(queue.database().reader())
                .await
                .unwrap()
                .is_some_and(|lease_until| lease_until > pw_jobs::now_ms())
        },
    )
    .await;
    assert!(
        renewed,
        "the live attempt's lease was not renewed after the suspend: {:?}",
        queue.get(&job.id).await.unwrap()
    );
    let meanwhile = queue.get(&job.id).await.unwrap();
    assert_eq!(
        (
            meanwhile.state,
            meanwhile.attempts,
            &meanwhile.attempt_token
        ),
        (JobState::Running, 1, &attempt),
        "{meanwhile:?}"
    );

    finish.notify_one();
    assert!(
        advance_until(
            Duration::from_secs(30),
            Duration::from_millis(100),
            async || { state_is(&queue, &job.id, JobState::Succeeded).await }
        )
        .await
    );
    let done = queue.get(&job.id).await.unwrap();
    assert_eq!((done.attempts, done.result), (1, Some(json!("live"))));
    assert_eq!(
        live_runs.load(Ordering::SeqCst),
        1,
        "the live job ran again"
    );
    assert_eq!(peak.load(Ordering::SeqCst), 1);
    let recovered = queue.get(&dead.id).await.unwrap();
    assert_eq!(recovered.attempts, 2);
    assert_eq!(orphan_runs.load(Ordering::SeqCst), 1);
    runner.shutdown().await;
}

/// Every write of an attempt names its token: once the job was recovered and claimed again, the
/// old attempt's heartbeat, progress, checkpoint, outcome and workspace link all miss, and the
/// new one's stand.
#[tokio::test]
async fn every_write_of_a_stale_attempt_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let lease = Duration::from_secs(30);
    let job = queue
        .enqueue(JobSpec::new("sync", "sync", Lane::Default))
        .await
        .unwrap();
    let first = queue
        .claim(Lane::Default, "same-worker", lease)
        .await
        .unwrap()
        .unwrap();
    let stale = first.attempt_token.clone().unwrap();
    sqlx::query("UPDATE jobs SET lease_until = 0 WHERE id = ?")
        .bind(&job.id)
        .execute(queue.database().writer())
        .await
        .unwrap();
    assert_eq!(queue.recover_expired_leases().await.unwrap(), 1);
    let second = queue
        .claim(Lane::Default, "same-worker", lease)
        .await
        .unwrap()
        .unwrap();
    let fresh = second.attempt_token.clone().unwrap();
    assert_ne!(stale, fresh);
    assert!(
        queue
            .save_checkpoint(&job.id, &fresh, &json!({"page": 9}))
            .await
            .unwrap()
    );

    assert_eq!(
        queue.heartbeat(&job.id, &stale, lease).await.unwrap(),
        Lease::Lost
    );
    assert!(
        queue
            .set_progress(&job.id, &stale, 0.1, Some("old"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !queue
            .save_checkpoint(&job.id, &stale, &json!({"page": 2}))
            .await
            .unwrap()
    );
    assert!(
        queue
            .succeed(&job.id, &stale, &json!("stale"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        queue
            .fail(&first, &stale, "old failure", false)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        queue
            .mark_cancelled(&job.id, &stale)
            .await
            .unwrap()
            .is_none()
    );
    let stale_workspace = workspace(queue.database(), "Written by the stale attempt").await;
    assert!(
        !queue
            .link_workspace(&job.id, &stale, &stale_workspace)
            .await
            .unwrap()
    );
    assert_eq!(queue.get(&job.id).await.unwrap().workspace_id, None);

    assert_eq!(
        queue.heartbeat(&job.id, &fresh, lease).await.unwrap(),
        Lease::Held {
            cancel_requested: false
        }
    );
    let fresh_workspace = workspace(queue.database(), "Created by the fresh attempt").await;
    assert!(
        queue
            .link_workspace(&job.id, &fresh, &fresh_workspace)
            .await
            .unwrap()
    );
    let done = queue
        .succeed(&job.id, &fresh, &json!("fresh"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.workspace_id, Some(fresh_workspace));
    assert_eq!(done.checkpoint, Some(json!({"page": 9})));
    assert_eq!(done.result, Some(json!("fresh")));
    assert_eq!(done.state, JobState::Succeeded);
}
