//! Job-lane benchmark: no-op job throughput and enqueue-to-start latency of our SQLite queue,
//! side by side with RQ on a local redis-server when both are installed (`pip install rq`,
//! `apt-get install redis-server`). Prints our figures, RQ's and the ratios; asserts nothing.
//!
//! `cargo run --release -p pw-jobs --example queue-bench [-- JOBS LATENCY_SAMPLES]`

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pw_jobs::{JobContext, JobHandler, JobQueue, JobRunner, JobSpec, Lane, RunnerConfig};
use pw_store::Database;
use serde_json::Value;

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

fn say(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{text}");
}

async fn our_throughput(jobs: usize) -> AnyResult<(f64, f64)> {
    let dir = tempfile::tempdir()?;
    let queue = JobQueue::new(Database::open(&dir.path().join("bench.sqlite3")).await?);
    let started = Instant::now();
    for n in 0..jobs {
        queue
            .enqueue(JobSpec::new("noop", format!("job {n}"), Lane::Default))
            .await?;
    }
    let enqueue_rate = jobs as f64 / started.elapsed().as_secs_f64();
    let done = Arc::new(AtomicUsize::new(0));
    let counter = done.clone();
    let noop: Arc<dyn JobHandler> = Arc::new(move |_ctx: JobContext| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Value::Null)
        }
    });
    let mut config = RunnerConfig {
        poll: Duration::from_millis(20),
        ..RunnerConfig::default()
    };
    config.concurrency.insert(Lane::Default, 4);
    let started = Instant::now();
    let runner = JobRunner::start(
        queue.clone(),
        config,
        HashMap::from([("noop".to_owned(), noop)]),
    );
    loop {
        let finished = queue.list(Some(pw_jobs::JobState::Succeeded), 1).await?;
        if done.load(Ordering::SeqCst) >= jobs && !finished.is_empty() {
            // Every handler ran; wait for the last acknowledgements.
            let pending = queue.list(Some(pw_jobs::JobState::Running), 1).await?.len()
                + queue.list(Some(pw_jobs::JobState::Queued), 1).await?.len();
            if pending == 0 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let rate = jobs as f64 / started.elapsed().as_secs_f64();
    runner.shutdown().await;
    Ok((rate, enqueue_rate))
}

async fn our_latency(samples: usize) -> AnyResult<(f64, f64)> {
    let dir = tempfile::tempdir()?;
    let queue = JobQueue::new(Database::open(&dir.path().join("bench.sqlite3")).await?);
    let (started_tx, mut started_rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let stamp: Arc<dyn JobHandler> = Arc::new(move |_ctx: JobContext| {
        let started_tx = started_tx.clone();
        async move {
            let _ = started_tx.send(Instant::now());
            Ok(Value::Null)
        }
    });
    let runner = JobRunner::start(
        queue.clone(),
        RunnerConfig::default(),
        HashMap::from([("stamp".to_owned(), stamp)]),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut latencies = Vec::with_capacity(samples);
    for n in 0..samples {
        let sent = Instant::now();
        queue
            .enqueue(JobSpec::new("stamp", format!("probe {n}"), Lane::Fast))
            .await?;
        let started = started_rx.recv().await.ok_or("runner stopped")?;
        latencies.push(started.duration_since(sent).as_secs_f64() * 1000.0);
    }
    runner.shutdown().await;
    latencies.sort_by(f64::total_cmp);
    Ok((latencies[samples / 2], latencies[samples * 95 / 100]))
}

fn rq_side(jobs: usize, samples: usize) -> AnyResult<Option<serde_json::Value>> {
    use std::process::{Command, Stdio};
    let has_rq = Command::new("python3")
        .args(["-c", "import rq"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let has_redis = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_rq || !has_redis {
        say(
            "RQ side skipped: needs `pip install rq` and `redis-server` (apt-get install redis-server)",
        );
        return Ok(None);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut redis = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()?;
    std::thread::sleep(Duration::from_millis(500));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/rq_side.py");
    let output = Command::new("python3")
        .args([
            script,
            &port.to_string(),
            &jobs.to_string(),
            &samples.to_string(),
        ])
        .output();
    let _ = redis.kill();
    let _ = redis.wait();
    let output = output?;
    if !output.status.success() {
        return Err(format!(
            "rq side failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(Some(serde_json::from_slice(&output.stdout)?))
}

#[tokio::main]
async fn main() -> AnyResult<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let jobs = args.first().copied().unwrap_or(5_000);
    let samples = args.get(1).copied().unwrap_or(200);
    say(&format!(
        "queue-bench: {jobs} no-op jobs, {samples} latency samples, {} cores",
        std::thread::available_parallelism()?
    ));

    let (ours_rate, ours_enqueue) = our_throughput(jobs).await?;
    let (ours_p50, ours_p95) = our_latency(samples).await?;
    say(&format!(
        "ProfitWheel (SQLite, WAL): {ours_rate:>9.0} jobs/s processed, {ours_enqueue:>9.0} jobs/s enqueued"
    ));
    say(&format!(
        "ProfitWheel enqueue-to-start latency: p50 {ours_p50:.2} ms, p95 {ours_p95:.2} ms"
    ));

    if let Some(rq) = rq_side(jobs, samples)? {
        let number = |key: &str| rq[key].as_f64().unwrap_or(f64::NAN);
        let (simple, forking) = (
            number("simple_worker_jobs_per_s"),
            number("forking_worker_jobs_per_s"),
        );
        let (rq_p50, rq_p95) = (number("latency_p50_ms"), number("latency_p95_ms"));
        say(&format!(
            "RQ SimpleWorker (in-process):  {simple:>9.0} jobs/s processed"
        ));
        say(&format!(
            "RQ Worker (fork per job):      {forking:>9.0} jobs/s processed"
        ));
        say(&format!(
            "RQ enqueue-to-start latency: p50 {rq_p50:.2} ms, p95 {rq_p95:.2} ms"
        ));
        say(&format!(
            "ratios: throughput {:.1}x RQ SimpleWorker, {:.1}x RQ Worker; latency p50 {:.2}x RQ's (lower is better)",
            ours_rate / simple,
            ours_rate / forking,
            ours_p50 / rq_p50
        ));
    }
    Ok(())
}
