//! The job lanes against a real SQLite file: ordering, retries, timeouts, cancellation, progress,
//! the failed list, recovery after a crash, lane concurrency and schedules.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pw_jobs::{
    Job, JobContext, JobError, JobEvent, JobHandler, JobKind, JobQueue, JobRunner, JobSpec,
    JobState, Lane, Lease, RetryPolicy, RunnerConfig, Schedule, Scheduler, Supervision,
};
use pw_store::Database;
use serde_json::{Value, json};

async fn open(dir: &tempfile::TempDir) -> Database {
    Database::open(&dir.path().join("pw.sqlite3"))
        .await
        .unwrap()
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_millis(40),
        cap: Duration::from_millis(400),
        jitter: 0.25,
    }
}

fn test_config() -> RunnerConfig {
    RunnerConfig {
        lease: Duration::from_millis(600),
        heartbeat: Duration::from_millis(150),
        poll: Duration::from_millis(50),
        recovery_interval: Duration::from_millis(100),
        cancel_grace: Duration::from_millis(500),
        ..RunnerConfig::default()
    }
}

fn handlers(list: Vec<(&str, Arc<dyn JobHandler>)>) -> HashMap<String, Arc<dyn JobHandler>> {
    list.into_iter().map(|(k, h)| (k.to_owned(), h)).collect()
}

fn kinds(list: Vec<(&str, JobKind)>) -> HashMap<String, JobKind> {
    list.into_iter()
        .map(|(k, kind)| (k.to_owned(), kind))
        .collect()
}

async fn wait_for(queue: &JobQueue, id: &str, wanted: JobState) -> Job {
    for _ in 0..400 {
        let job = queue.get(id).await.unwrap();
        if job.state == wanted {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "job {id} never reached {wanted}: {:?}",
        queue.get(id).await.unwrap()
    );
}

#[tokio::test]
async fn higher_priority_runs_first_within_a_lane() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let low = queue
        .enqueue(JobSpec::new("noop", "low", Lane::Default).priority(0))
        .await
        .unwrap();
    let high = queue
        .enqueue(JobSpec::new("noop", "high", Lane::Default).priority(5))
        .await
        .unwrap();
    let later = queue
        .enqueue(
            JobSpec::new("noop", "later", Lane::Default)
                .priority(9)
                .run_at(i64::MAX / 2),
        )
        .await
        .unwrap();
    let other_lane = queue
        .enqueue(JobSpec::new("noop", "slow", Lane::Slow).priority(10))
        .await
        .unwrap();
    let first = queue
        .claim(Lane::Default, "w", Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    let second = queue
        .claim(Lane::Default, "w", Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.id, second.id), (high.id, low.id));
    assert!(
        queue
            .claim(Lane::Default, "w", Duration::from_secs(5))
            .await
            .unwrap()
            .is_none(),
        "{later:?} is not due"
    );
    assert_eq!(
        queue
            .claim(Lane::Slow, "w", Duration::from_secs(5))
            .await
            .unwrap()
            .unwrap()
            .id,
        other_lane.id
    );
}

#[tokio::test]
async fn retryable_failures_back_off_then_succeed_and_permanent_ones_land_in_the_failed_list() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::with_retry(open(&dir).await, fast_retry());
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let flaky: Arc<dyn JobHandler> = Arc::new(move |_ctx: JobContext| {
        let counter = counter.clone();
        async move {
            match counter.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(JobError::retryable("vendor answered 429")),
                _ => Ok(json!({"rows": 12})),
            }
        }
    });
    let broken: Arc<dyn JobHandler> = Arc::new(|_ctx: JobContext| async move {
        Err::<Value, _>(JobError::permanent("workspace was deleted"))
    });
    let timeout = Supervision::Timeout(Duration::from_secs(30));
    let runner = JobRunner::start(
        queue.clone(),
        test_config(),
        kinds(vec![
            ("flaky", JobKind::new(flaky, timeout).attempts(3)),
            ("broken", JobKind::new(broken, timeout).attempts(5)),
        ]),
    );

    let started = std::time::Instant::now();
    let job = queue
        .enqueue(JobSpec::new("flaky", "sync", Lane::Slow))
        .await
        .unwrap();
    let done = wait_for(&queue, &job.id, JobState::Succeeded).await;
    assert_eq!(done.attempts, 3);
    assert_eq!(done.result, Some(json!({"rows": 12})));
    assert_eq!(done.progress, 1.0);
    // Two backoffs of at least 30 ms and 60 ms (40 and 80 ms minus 25% jitter).
    assert!(
        started.elapsed() >= Duration::from_millis(90),
        "{:?}",
        started.elapsed()
    );

    let failing = queue
        .enqueue(JobSpec::new("broken", "report", Lane::Fast))
        .await
        .unwrap();
    let failed = wait_for(&queue, &failing.id, JobState::Failed).await;
    assert_eq!(failed.attempts, 1, "permanent errors are not retried");
    assert_eq!(failed.last_error.as_deref(), Some("workspace was deleted"));
    let failed_list = queue.list(Some(JobState::Failed), 50).await.unwrap();
    assert_eq!(
        failed_list
            .iter()
            .map(|j| j.id.as_str())
            .collect::<Vec<_>>(),
        vec![failing.id.as_str()]
    );
    runner.shutdown().await;
}

#[tokio::test]
async fn a_job_that_overruns_its_timeout_fails_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let sleepy: Arc<dyn JobHandler> = Arc::new(|_ctx: JobContext| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(Value::Null)
    });
    let runner = JobRunner::start(
        queue.clone(),
        test_config(),
        kinds(vec![(
            "sleepy",
            JobKind::new(sleepy, Supervision::Timeout(Duration::from_millis(200))).attempts(1),
        )]),
    );
    let job = queue
        .enqueue(JobSpec::new("sleepy", "slow thing", Lane::Default))
        .await
        .unwrap();
    let failed = wait_for(&queue, &job.id, JobState::Failed).await;
    assert_eq!(failed.last_error.as_deref(), Some("timed out after 0.2 s"));
    assert_eq!((failed.attempts, failed.max_attempts), (1, 1));
    runner.shutdown().await;
}

#[tokio::test]
async fn cancelling_stops_running_and_queued_jobs_and_retry_resumes_from_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let steps_done = Arc::new(AtomicUsize::new(0));
    let steps = steps_done.clone();
    let stepper: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let steps = steps.clone();
        async move {
            let start: usize = ctx.checkpoint()?.unwrap_or(0);
            for step in start..20 {
                ctx.check_cancelled()?;
                steps.fetch_add(1, Ordering::SeqCst);
                ctx.save_checkpoint(&(step + 1)).await?;
                ctx.progress((step + 1) as f64 / 20.0, format!("step {}", step + 1))
                    .await;
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            Ok(json!({"steps": 20}))
        }
    });
    let mut config = test_config();
    config.concurrency.insert(Lane::Slow, 1);
    let runner = JobRunner::start(queue.clone(), config, handlers(vec![("stepper", stepper)]));
    let running = queue
        .enqueue(JobSpec::new("stepper", "long", Lane::Slow))
        .await
        .unwrap();
    let waiting = queue
        .enqueue(JobSpec::new("stepper", "behind it", Lane::Slow))
        .await
        .unwrap();
    wait_for(&queue, &running.id, JobState::Running).await;
    tokio::time::sleep(Duration::from_millis(150)).await;

    assert_eq!(
        queue.cancel(&waiting.id).await.unwrap().state,
        JobState::Cancelled
    );
    queue.cancel(&running.id).await.unwrap();
    let cancelled = wait_for(&queue, &running.id, JobState::Cancelled).await;
    let steps_at_cancel = steps_done.load(Ordering::SeqCst);
    assert!(
        steps_at_cancel > 0 && steps_at_cancel < 20,
        "{steps_at_cancel}"
    );
    assert!(cancelled.checkpoint.is_some());
    assert!(matches!(
        queue.cancel(&running.id).await,
        Err(pw_jobs::QueueError::InvalidTransition { .. })
    ));

    // Retry resumes: every step runs exactly once over both attempts.
    queue.retry(&running.id).await.unwrap();
    let done = wait_for(&queue, &running.id, JobState::Succeeded).await;
    assert_eq!(done.result, Some(json!({"steps": 20})));
    assert_eq!(steps_done.load(Ordering::SeqCst), 20);
    runner.shutdown().await;
}

#[tokio::test]
async fn progress_is_streamed_as_events() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let mut events = queue.subscribe();
    let reporter: Arc<dyn JobHandler> = Arc::new(|ctx: JobContext| async move {
        for step in 1..=4 {
            ctx.progress(step as f64 / 4.0, format!("{step} of 4"))
                .await;
            tokio::time::sleep(Duration::from_millis(120)).await;
        }
        Ok(Value::Null)
    });
    let runner = JobRunner::start(
        queue.clone(),
        test_config(),
        handlers(vec![("reporter", reporter)]),
    );
    let job = queue
        .enqueue(JobSpec::new("reporter", "report", Lane::Fast))
        .await
        .unwrap();
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Ok(JobEvent::Changed(changed))) =
        tokio::time::timeout_at(deadline, events.recv()).await
    {
        if changed.id == job.id {
            seen.push((
                changed.state,
                changed.progress,
                changed.progress_message.clone(),
            ));
            if changed.state == JobState::Succeeded {
                break;
            }
        }
    }
    assert_eq!(seen.first().map(|s| s.0), Some(JobState::Queued));
    assert!(
        seen.contains(&(JobState::Running, 0.5, Some("2 of 4".into()))),
        "{seen:?}"
    );
    assert_eq!(
        seen.last().map(|s| (s.0, s.1)),
        Some((JobState::Succeeded, 1.0))
    );
    runner.shutdown().await;
}

#[tokio::test]
async fn each_lane_respects_its_concurrency() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let active = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (a, p) = (active.clone(), peak.clone());
    let tracked: Arc<dyn JobHandler> = Arc::new(move |_ctx: JobContext| {
        let (a, p) = (a.clone(), p.clone());
        async move {
            let now = a.fetch_add(1, Ordering::SeqCst) + 1;
            p.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(60)).await;
            a.fetch_sub(1, Ordering::SeqCst);
            Ok(Value::Null)
        }
    });
    let mut config = test_config();
    config.concurrency = HashMap::from([(Lane::Fast, 3), (Lane::Default, 1), (Lane::Slow, 1)]);
    let runner = JobRunner::start(queue.clone(), config, handlers(vec![("tracked", tracked)]));
    let mut ids = Vec::new();
    for n in 0..9 {
        ids.push(
            queue
                .enqueue(JobSpec::new("tracked", format!("job {n}"), Lane::Fast))
                .await
                .unwrap()
                .id,
        );
    }
    for id in &ids {
        wait_for(&queue, id, JobState::Succeeded).await;
    }
    let observed = peak.load(Ordering::SeqCst);
    assert!(
        (2..=3).contains(&observed),
        "fast lane ran {observed} at once"
    );
    runner.shutdown().await;
}

/// A process killed mid-job: the job keeps its lease, which expires; the next runner picks it up
/// and the handler resumes from its checkpoint, so no step runs twice.
#[test]
fn a_job_interrupted_by_a_crash_is_recovered_and_resumed_without_repeating_steps() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pw.sqlite3");
    let steps_done = Arc::new(std::sync::Mutex::new(Vec::<usize>::new()));
    let make_handler = |steps: Arc<std::sync::Mutex<Vec<usize>>>| -> Arc<dyn JobHandler> {
        Arc::new(move |ctx: JobContext| {
            let steps = steps.clone();
            async move {
                let start: usize = ctx.checkpoint()?.unwrap_or(0);
                for step in start..10 {
                    steps.lock().unwrap().push(step);
                    ctx.save_checkpoint(&(step + 1)).await?;
                    tokio::time::sleep(Duration::from_millis(40)).await;
                }
                Ok(json!("done"))
            }
        })
    };

    // First "process": its own runtime, dropped mid-job without any cleanup.
    let first = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let job_id = first.block_on(async {
        let queue = JobQueue::new(Database::open(&path).await.unwrap());
        let _runner = JobRunner::start(
            queue.clone(),
            test_config(),
            handlers(vec![("steps", make_handler(steps_done.clone()))]),
        );
        let job = queue
            .enqueue(JobSpec::new("steps", "ten steps", Lane::Default))
            .await
            .unwrap();
        while steps_done.lock().unwrap().len() < 4 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        job.id
    });
    first.shutdown_background();

    let second = tokio::runtime::Runtime::new().unwrap();
    second.block_on(async {
        let queue = JobQueue::new(Database::open(&path).await.unwrap());
        assert_eq!(
            queue.get(&job_id).await.unwrap().state,
            JobState::Running,
            "the killed process left it running"
        );
        let runner = JobRunner::start(
            queue.clone(),
            test_config(),
            handlers(vec![("steps", make_handler(steps_done.clone()))]),
        );
        let done = wait_for(&queue, &job_id, JobState::Succeeded).await;
        assert_eq!(done.attempts, 2);
        runner.shutdown().await;
    });
    let steps = steps_done.lock().unwrap().clone();
    // A step interrupted after it ran but before its checkpoint was saved may run twice; the
    // checkpoint is saved right after each step, so at most the one in flight repeats.
    let mut unique = steps.clone();
    unique.dedup();
    assert_eq!(unique, (0..10).collect::<Vec<_>>());
    assert!(steps.len() <= 11, "{steps:?}");
}

#[tokio::test]
async fn shutdown_hands_running_jobs_back_without_using_an_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let forever: Arc<dyn JobHandler> = Arc::new(|_ctx: JobContext| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok(Value::Null)
    });
    let runner = JobRunner::start(
        queue.clone(),
        test_config(),
        handlers(vec![("forever", forever)]),
    );
    let job = queue
        .enqueue(JobSpec::new("forever", "long", Lane::Slow))
        .await
        .unwrap();
    wait_for(&queue, &job.id, JobState::Running).await;
    runner.shutdown().await;
    let after = queue.get(&job.id).await.unwrap();
    assert_eq!((after.state, after.attempts), (JobState::Queued, 0));
}

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
async fn a_finished_job_keeps_its_last_progress_message_even_when_updates_were_throttled() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let burst: Arc<dyn JobHandler> = Arc::new(|ctx: JobContext| async move {
        for step in 1..=50 {
            ctx.progress(step as f64 / 51.0, format!("{step} of 50"))
                .await;
        }
        Ok(Value::Null)
    });
    let runner = JobRunner::start(
        queue.clone(),
        test_config(),
        handlers(vec![("burst", burst)]),
    );
    let job = queue
        .enqueue(JobSpec::new("burst", "many updates", Lane::Fast))
        .await
        .unwrap();
    let done = wait_for(&queue, &job.id, JobState::Succeeded).await;
    assert_eq!(done.progress_message.as_deref(), Some("50 of 50"));
    runner.shutdown().await;
}

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

/// While cancellation is pending, the job says so, even when its handler reports progress during
/// the grace period; a handler that finishes anyway ends saying it finished first.
#[tokio::test]
async fn a_job_being_cancelled_says_so_until_it_stops_even_while_its_handler_reports_progress() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let started = Arc::new(tokio::sync::Notify::new());
    let reported = Arc::new(tokio::sync::Notify::new());
    let finish = Arc::new(tokio::sync::Notify::new());
    let (s, r, f) = (started.clone(), reported.clone(), finish.clone());
    let slow_to_stop: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let (s, r, f) = (s.clone(), r.clone(), f.clone());
        async move {
            s.notify_one();
            ctx.cancellation().cancelled().await;
            ctx.progress(0.5, "step 5 of 10").await;
            r.notify_one();
            f.notified().await;
            Ok(json!("finished anyway"))
        }
    });
    let mut config = test_config();
    config.cancel_grace = Duration::from_secs(600);
    let runner = JobRunner::start(
        queue.clone(),
        config,
        handlers(vec![("slow_to_stop", slow_to_stop)]),
    );
    let job = queue
        .enqueue(JobSpec::new("slow_to_stop", "export", Lane::Default))
        .await
        .unwrap();
    started.notified().await;
    queue.cancel(&job.id).await.unwrap();
    tokio::select! {
        _ = reported.notified() => {}
        stopped = wait_for(&queue, &job.id, JobState::Cancelled) => {
            panic!("the handler was stopped before it could report progress: {stopped:?}")
        }
    }
    let during = queue.get(&job.id).await.unwrap();
    assert_eq!(during.progress, 0.5, "the progress itself was recorded");
    assert_eq!(during.progress_message.as_deref(), Some("Cancelling…"));
    finish.notify_one();
    let done = wait_for(&queue, &job.id, JobState::Succeeded).await;
    assert_eq!(
        done.progress_message.as_deref(),
        Some("Finished before it could be cancelled")
    );
    runner.shutdown().await;
}

/// The outcome write fails for a while (here the database refuses it; a lock held by another
/// program does the same): it is retried, so the finished work is recorded once and not redone.
#[tokio::test]
async fn an_outcome_that_cannot_be_written_at_first_is_retried_until_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    sqlx::query(
        "CREATE TRIGGER refuse_outcome BEFORE UPDATE OF state ON jobs WHEN NEW.state = 'succeeded'
         BEGIN SELECT RAISE(ABORT, 'database is unavailable'); END",
    )
    .execute(queue.database().writer())
    .await
    .unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let once: Arc<dyn JobHandler> = Arc::new(move |_ctx: JobContext| {
        let r = r.clone();
        async move {
            r.fetch_add(1, Ordering::SeqCst);
            Ok(json!({"rows": 7}))
        }
    });
    let runner = JobRunner::start(queue.clone(), test_config(), handlers(vec![("once", once)]));
    let job = queue
        .enqueue(JobSpec::new("once", "record me", Lane::Default))
        .await
        .unwrap();
    while runs.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Longer than a lease, so a job left without an outcome would be recovered and rerun.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    sqlx::query("DROP TRIGGER refuse_outcome")
        .execute(queue.database().writer())
        .await
        .unwrap();
    let done = wait_for(&queue, &job.id, JobState::Succeeded).await;
    assert_eq!(done.result, Some(json!({"rows": 7})));
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "the finished work was redone"
    );
    assert_eq!(done.attempts, 1);
    runner.shutdown().await;
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
    assert_eq!(scheduler.tick(now).await.unwrap().len(), 1);
    // Every time zone's minutes start on UTC minute boundaries.
    let latest_minute = now - now.rem_euclid(60_000);
    assert_eq!(
        scheduler.list().await.unwrap()[0].last_fire_at,
        Some(latest_minute),
        "the catch-up is for the latest missed minute"
    );
    for _ in 0..3 {
        assert!(scheduler.tick(now).await.unwrap().is_empty());
    }
    assert_eq!(queue.list(None, 10).await.unwrap().len(), 1);
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
        workspaces.push(
            pw_workspaces::WorkspaceStore::new(&db)
                .create_workspace(&pw_workspaces::NewWorkspace {
                    name: name.into(),
                    brand: name.into(),
                    currency: "EUR".parse().unwrap(),
                    time_zone: "Europe/Berlin".into(),
                    is_demo: false,
                })
                .await
                .unwrap()
                .id,
        );
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

#[tokio::test]
async fn a_checkpoint_that_cannot_be_read_fails_the_job_instead_of_starting_over() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let first_steps = Arc::new(AtomicUsize::new(0));
    let f = first_steps.clone();
    let resumable: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let f = f.clone();
        async move {
            let start: usize = ctx.checkpoint()?.unwrap_or(0);
            if start == 0 {
                f.fetch_add(1, Ordering::SeqCst);
            }
            Ok(json!({"resumed_at": start}))
        }
    });
    let job = queue
        .enqueue(JobSpec::new("resumable", "paid work", Lane::Default))
        .await
        .unwrap();
    // Saved by an earlier version in a shape this one does not read.
    sqlx::query("UPDATE jobs SET checkpoint = '{\"page\": \"five\"}' WHERE id = ?")
        .bind(&job.id)
        .execute(queue.database().writer())
        .await
        .unwrap();
    let runner = JobRunner::start(
        queue.clone(),
        test_config(),
        handlers(vec![("resumable", resumable)]),
    );
    let failed = wait_for(&queue, &job.id, JobState::Failed).await;
    let error = failed.last_error.unwrap();
    assert!(error.contains("saved progress"), "{error}");
    assert_eq!(failed.attempts, 1, "a decoding error is not retried");
    assert_eq!(first_steps.load(Ordering::SeqCst), 0, "it started over");
    runner.shutdown().await;
}

/// A job that takes longer than a timeout would allow but keeps reporting progress runs to the
/// end under liveness supervision; the same work under a timeout of that length is cut off.
#[tokio::test]
async fn long_work_supervised_by_liveness_is_not_cut_off_while_it_reports_progress() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::new(open(&dir).await);
    let long = || -> Arc<dyn JobHandler> {
        Arc::new(|ctx: JobContext| async move {
            for step in 0..30 {
                ctx.progress(step as f64 / 30.0, format!("{step} of 30"))
                    .await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(json!("all 30"))
        })
    };
    let quiet_limit = Duration::from_millis(600);
    let runner = JobRunner::start(
        queue.clone(),
        test_config(),
        kinds(vec![
            (
                "download",
                JobKind::new(
                    long(),
                    Supervision::Liveness {
                        stall_after: quiet_limit,
                    },
                )
                .attempts(1),
            ),
            (
                "bounded",
                JobKind::new(long(), Supervision::Timeout(quiet_limit)).attempts(1),
            ),
        ]),
    );
    let download = queue
        .enqueue(JobSpec::new("download", "download", Lane::Slow))
        .await
        .unwrap();
    let bounded = queue
        .enqueue(JobSpec::new(
            "bounded",
            "same work, with a timeout",
            Lane::Default,
        ))
        .await
        .unwrap();
    let done = wait_for(&queue, &download.id, JobState::Succeeded).await;
    assert_eq!(done.result, Some(json!("all 30")));
    assert_eq!((done.attempts, done.timeout_ms), (1, 0));
    let cut_off = wait_for(&queue, &bounded.id, JobState::Failed).await;
    assert_eq!(cut_off.last_error.as_deref(), Some("timed out after 0.6 s"));
    runner.shutdown().await;
}

#[tokio::test]
async fn work_that_stops_making_progress_under_liveness_supervision_is_stopped_and_retried() {
    let dir = tempfile::tempdir().unwrap();
    let queue = JobQueue::with_retry(open(&dir).await, fast_retry());
    let starts = Arc::new(AtomicUsize::new(0));
    let s = starts.clone();
    let hangs: Arc<dyn JobHandler> = Arc::new(move |ctx: JobContext| {
        let s = s.clone();
        async move {
            s.fetch_add(1, Ordering::SeqCst);
            ctx.progress(0.1, "connected").await;
            // Stuck: no progress, no cancellation check, for far longer than the test waits.
            tokio::time::sleep(Duration::from_secs(600)).await;
            Ok(Value::Null)
        }
    });
    let runner = JobRunner::start(
        queue.clone(),
        test_config(),
        kinds(vec![(
            "hangs",
            JobKind::new(
                hangs,
                Supervision::Liveness {
                    stall_after: Duration::from_millis(300),
                },
            )
            .attempts(2),
        )]),
    );
    let job = queue
        .enqueue(JobSpec::new("hangs", "stuck download", Lane::Slow))
        .await
        .unwrap();
    let failed = wait_for(&queue, &job.id, JobState::Failed).await;
    assert_eq!((failed.attempts, failed.max_attempts), (2, 2));
    assert_eq!(
        starts.load(Ordering::SeqCst),
        2,
        "the stall was retried once"
    );
    assert_eq!(
        failed.last_error.as_deref(),
        Some("stopped: no progress for 0.3 s, so the job looked stuck")
    );
    runner.shutdown().await;
}

async fn workspace(db: &Database, name: &str) -> String {
    pw_workspaces::WorkspaceStore::new(db)
        .create_workspace(&pw_workspaces::NewWorkspace {
            name: name.into(),
            brand: name.into(),
            currency: "EUR".parse().unwrap(),
            time_zone: "Europe/Berlin".into(),
            is_demo: false,
        })
        .await
        .unwrap()
        .id
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

/// Workspace files carry their schedules; one named like a schedule of another workspace here
/// imports beside it instead of failing the import.
#[tokio::test]
async fn importing_a_workspace_whose_schedule_shares_a_name_with_one_here_keeps_both() {
    async fn workspace_with_nightly_sync(db: &Database, name: &str) -> String {
        let id = pw_workspaces::WorkspaceStore::new(db)
            .create_workspace(&pw_workspaces::NewWorkspace {
                name: name.into(),
                brand: name.into(),
                currency: "EUR".parse().unwrap(),
                time_zone: "Europe/Berlin".into(),
                is_demo: false,
            })
            .await
            .unwrap()
            .id;
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
    let file = source.export_workspace(&imported, |_| {}).await.unwrap();

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
