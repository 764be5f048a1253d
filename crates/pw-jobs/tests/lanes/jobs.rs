//! The job lanes against a real SQLite file: ordering, retries, timeouts and liveness,
//! cancellation, progress, the failed list, recovery after a crash, lane concurrency, unreadable
//! checkpoints and outcome writes that fail at first. Attempt fencing is in `fencing.rs`,
//! schedules in `schedules.rs`.

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
    JobContext, JobError, JobEvent, JobHandler, JobKind, JobQueue, JobRunner, JobSpec, JobState,
    Lane, Supervision,
};
use pw_store::Database;
use serde_json::{Value, json};

#[allow(dead_code, reason = "each test binary uses part of the shared support")]
use crate::support::*;

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
    // Ended jobs of one kind, looked up by when they ended.
    let ended = |kind: &'static str, since: i64| {
        let queue = queue.clone();
        async move {
            queue
                .ended_since(kind, since)
                .await
                .unwrap()
                .into_iter()
                .map(|j| j.id)
                .collect::<Vec<_>>()
        }
    };
    let flaky_end = done.finished_at.unwrap();
    assert_eq!(ended("flaky", flaky_end).await, vec![job.id.clone()]);
    assert_eq!(ended("flaky", flaky_end + 1).await, Vec::<String>::new());
    assert_eq!(ended("broken", 0).await, vec![failing.id.clone()]);
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
