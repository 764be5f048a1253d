//! Drains the lanes: claims jobs, runs their handlers with a timeout, keeps their leases alive,
//! turns outcomes into queue transitions, and recovers jobs abandoned by a dead process.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::error::{JobError, QueueError};
use crate::model::{Job, JobEvent, JobState, Lane};
use crate::queue::JobQueue;

pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Value, JobError>> + Send>>;

/// Does the work of one kind of job. Handlers must be idempotent per step: a job can be run again
/// after a crash, and should use its checkpoint (or natural-key upserts) to skip finished steps.
pub trait JobHandler: Send + Sync + 'static {
    fn run(&self, ctx: JobContext) -> HandlerFuture;
}

impl<F, Fut> JobHandler for F
where
    F: Fn(JobContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, JobError>> + Send + 'static,
{
    fn run(&self, ctx: JobContext) -> HandlerFuture {
        Box::pin(self(ctx))
    }
}

#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// How many jobs of each lane run at once.
    pub concurrency: HashMap<Lane, usize>,
    /// How long a claim is valid without a heartbeat; a job whose process died is recovered after it.
    pub lease: Duration,
    pub heartbeat: Duration,
    /// Fallback poll interval; enqueues in this process wake the lanes at once.
    pub poll: Duration,
    /// How often expired leases are looked for.
    pub recovery_interval: Duration,
    /// How long a cancelled job may take to notice before its work is dropped.
    pub cancel_grace: Duration,
    pub worker_id: String,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            concurrency: HashMap::from([(Lane::Fast, 4), (Lane::Default, 2), (Lane::Slow, 1)]),
            lease: Duration::from_secs(30),
            heartbeat: Duration::from_secs(10),
            poll: Duration::from_secs(2),
            recovery_interval: Duration::from_secs(10),
            cancel_grace: Duration::from_secs(5),
            worker_id: format!("{}-{}", std::process::id(), pw_domain::new_id()),
        }
    }
}

struct ContextInner {
    job: Job,
    queue: JobQueue,
    cancel: CancellationToken,
    last_progress: Mutex<Option<Instant>>,
    /// The newest update dropped by the throttle, written when the handler returns so the
    /// panel ends on the handler's last word rather than an earlier one.
    unsaved_progress: Mutex<Option<(f64, String)>>,
}

/// What a handler gets: its job, progress and checkpoint reporting, and its cancellation.
#[derive(Clone)]
pub struct JobContext {
    inner: Arc<ContextInner>,
}

impl JobContext {
    pub fn job(&self) -> &Job {
        &self.inner.job
    }

    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_value(self.inner.job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("the job's input is malformed: {e}")))
    }

    /// What an earlier attempt saved, if any.
    pub fn checkpoint<T: DeserializeOwned>(&self) -> Option<T> {
        self.inner
            .job
            .checkpoint
            .clone()
            .and_then(|c| serde_json::from_value(c).ok())
    }

    /// Saves how far the job got, so a retried or recovered attempt can skip finished steps.
    pub async fn save_checkpoint<T: Serialize>(&self, checkpoint: &T) -> Result<(), JobError> {
        let value = serde_json::to_value(checkpoint).map_err(JobError::permanent)?;
        self.inner
            .queue
            .save_checkpoint(&self.inner.job.id, &value)
            .await
            .map_err(JobError::retryable)
    }

    /// Reports progress (0..=1). Updates closer together than 100 ms are dropped, except the
    /// last, so a tight loop cannot flood the database or the UI.
    pub async fn progress(&self, fraction: f64, message: impl Into<String>) {
        let message = message.into();
        {
            let Ok(mut last) = self.inner.last_progress.lock() else {
                return;
            };
            if fraction < 1.0 && last.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
                if let Ok(mut unsaved) = self.inner.unsaved_progress.lock() {
                    *unsaved = Some((fraction, message));
                }
                return;
            }
            *last = Some(Instant::now());
        }
        if let Ok(mut unsaved) = self.inner.unsaved_progress.lock() {
            *unsaved = None;
        }
        self.record_progress(fraction, &message).await;
    }

    async fn record_progress(&self, fraction: f64, message: &str) {
        if let Err(e) = self
            .inner
            .queue
            .set_progress(&self.inner.job.id, fraction, Some(message))
            .await
        {
            tracing::warn!(job = %self.inner.job.id, error = %e, "could not record progress");
        }
    }

    async fn flush_progress(&self) {
        let unsaved = self
            .inner
            .unsaved_progress
            .lock()
            .ok()
            .and_then(|mut u| u.take());
        if let Some((fraction, message)) = unsaved {
            self.record_progress(fraction, &message).await;
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// Returns `Err(JobError::Cancelled)` when the job was cancelled: `ctx.check_cancelled()?`
    /// between steps.
    pub fn check_cancelled(&self) -> Result<(), JobError> {
        if self.is_cancelled() {
            Err(JobError::Cancelled)
        } else {
            Ok(())
        }
    }

    pub fn cancellation(&self) -> CancellationToken {
        self.inner.cancel.clone()
    }
}

/// A running set of lane workers. Dropping it does not stop them; call [`JobRunner::shutdown`].
pub struct JobRunner {
    queue: JobQueue,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    wake: Arc<HashMap<Lane, Notify>>,
}

struct Shared {
    queue: JobQueue,
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    config: RunnerConfig,
    shutdown: CancellationToken,
    running: Mutex<HashMap<String, CancellationToken>>,
    wake: Arc<HashMap<Lane, Notify>>,
    tracker: TaskTracker,
}

enum Outcome {
    Finished(Result<Value, JobError>),
    TimedOut,
    Cancelled,
    Shutdown,
}

impl JobRunner {
    /// Starts the lane workers with the given handlers, keyed by job kind.
    pub fn start(
        queue: JobQueue,
        config: RunnerConfig,
        handlers: HashMap<String, Arc<dyn JobHandler>>,
    ) -> Self {
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let wake: Arc<HashMap<Lane, Notify>> =
            Arc::new(Lane::ALL.into_iter().map(|l| (l, Notify::new())).collect());
        let shared = Arc::new(Shared {
            queue: queue.clone(),
            handlers,
            config,
            shutdown: shutdown.clone(),
            running: Mutex::new(HashMap::new()),
            wake: wake.clone(),
            tracker: tracker.clone(),
        });
        tracker.spawn(watch_events(shared.clone(), queue.subscribe()));
        tracker.spawn(recover_loop(shared.clone()));
        for lane in Lane::ALL {
            tracker.spawn(lane_loop(shared.clone(), lane));
        }
        JobRunner {
            queue,
            shutdown,
            tracker,
            wake,
        }
    }

    pub fn queue(&self) -> &JobQueue {
        &self.queue
    }

    /// Wakes every lane (for example after jobs were enqueued by another process).
    pub fn wake(&self) {
        for notify in self.wake.values() {
            notify.notify_one();
        }
    }

    /// Stops claiming, hands running jobs back to the queue (they resume from their checkpoint on
    /// the next start), and waits for the workers to finish.
    pub async fn shutdown(&self) {
        self.shutdown.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}

async fn watch_events(shared: Arc<Shared>, mut events: tokio::sync::broadcast::Receiver<JobEvent>) {
    loop {
        let event = tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            event = events.recv() => event,
        };
        match event {
            Ok(JobEvent::Changed(job)) => {
                if job.state == JobState::Queued
                    && let Some(notify) = shared.wake.get(&job.lane)
                {
                    notify.notify_one();
                }
                if job.cancel_requested && job.state == JobState::Running {
                    let token = shared
                        .running
                        .lock()
                        .ok()
                        .and_then(|r| r.get(&job.id).cloned());
                    if let Some(token) = token {
                        token.cancel();
                    }
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                for notify in shared.wake.values() {
                    notify.notify_one();
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

async fn recover_loop(shared: Arc<Shared>) {
    loop {
        match shared.queue.recover_expired_leases().await {
            Ok(0) => {}
            Ok(_) => {
                for notify in shared.wake.values() {
                    notify.notify_one();
                }
            }
            Err(e) => tracing::warn!(error = %e, "lease recovery failed"),
        }
        tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            _ = tokio::time::sleep(shared.config.recovery_interval) => {}
        }
    }
}

async fn lane_loop(shared: Arc<Shared>, lane: Lane) {
    let slots = Arc::new(Semaphore::new(
        shared
            .config
            .concurrency
            .get(&lane)
            .copied()
            .unwrap_or(1)
            .max(1),
    ));
    let Some(wake) = shared.wake.get(&lane) else {
        return;
    };
    loop {
        let permit = tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            permit = slots.clone().acquire_owned() => match permit { Ok(p) => p, Err(_) => return },
        };
        match shared
            .queue
            .claim(lane, &shared.config.worker_id, shared.config.lease)
            .await
        {
            Ok(Some(job)) => {
                let shared_for_job = shared.clone();
                let span = tracing::info_span!("job", id = %job.id, kind = %job.kind, attempt = job.attempts);
                shared.tracker.spawn(
                    async move {
                        execute(shared_for_job, job).await;
                        drop(permit);
                    }
                    .instrument(span),
                );
            }
            Ok(None) => {
                drop(permit);
                let wait = match shared.queue.next_run_at(lane).await {
                    Ok(Some(at)) => {
                        Duration::from_millis((at - crate::now_ms()).clamp(0, i64::MAX) as u64)
                    }
                    _ => shared.config.poll,
                }
                .min(shared.config.poll);
                tokio::select! {
                    _ = shared.shutdown.cancelled() => return,
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(wait) => {}
                }
            }
            Err(e) => {
                drop(permit);
                tracing::warn!(lane = %lane, error = %e, "claiming a job failed; retrying shortly");
                tokio::select! {
                    _ = shared.shutdown.cancelled() => return,
                    _ = tokio::time::sleep(shared.config.poll) => {}
                }
            }
        }
    }
}

async fn execute(shared: Arc<Shared>, job: Job) {
    let worker = shared.config.worker_id.clone();
    let Some(handler) = shared.handlers.get(&job.kind).cloned() else {
        let message = format!(
            "this version of ProfitWheel cannot run jobs of kind '{}'",
            job.kind
        );
        report(
            &shared,
            &job,
            &worker,
            shared.queue.fail(&job, &worker, &message, false).await,
        );
        return;
    };
    let cancel = CancellationToken::new();
    if job.cancel_requested {
        cancel.cancel();
    }
    if let Ok(mut running) = shared.running.lock() {
        running.insert(job.id.clone(), cancel.clone());
    }
    let ctx = JobContext {
        inner: Arc::new(ContextInner {
            job: job.clone(),
            queue: shared.queue.clone(),
            cancel: cancel.clone(),
            last_progress: Mutex::new(None),
            unsaved_progress: Mutex::new(None),
        }),
    };
    // The handler runs in its own task so a panic fails the job instead of the worker.
    let mut work = tokio::spawn(handler.run(ctx.clone()));
    let timeout = tokio::time::sleep(Duration::from_millis(job.timeout_ms.max(1) as u64));
    tokio::pin!(timeout);
    let mut heartbeat = tokio::time::interval(shared.config.heartbeat);
    heartbeat.tick().await;
    let outcome = loop {
        tokio::select! {
            joined = &mut work => {
                break match joined {
                    Ok(Err(JobError::Cancelled)) => Outcome::Cancelled,
                    Ok(result) if cancel.is_cancelled() && result.is_err() => Outcome::Cancelled,
                    Ok(result) => Outcome::Finished(result),
                    Err(e) if e.is_panic() => Outcome::Finished(Err(JobError::Permanent("the job crashed (an internal error); see the log".into()))),
                    Err(_) => Outcome::Cancelled,
                };
            }
            _ = &mut timeout => {
                work.abort();
                break Outcome::TimedOut;
            }
            _ = cancel.cancelled(), if !cancel.is_cancelled() => {}
            _ = tokio::time::sleep(shared.config.cancel_grace), if cancel.is_cancelled() => {
                // The handler did not stop in time: drop its work.
                work.abort();
                break Outcome::Cancelled;
            }
            _ = shared.shutdown.cancelled() => {
                work.abort();
                break Outcome::Shutdown;
            }
            _ = heartbeat.tick() => {
                match shared.queue.heartbeat(&job.id, &worker, shared.config.lease).await {
                    Ok(true) => cancel.cancel(),
                    Ok(false) => {}
                    Err(e) => tracing::warn!(job = %job.id, error = %e, "heartbeat failed"),
                }
            }
        }
    };
    if let Ok(mut running) = shared.running.lock() {
        running.remove(&job.id);
    }
    if matches!(outcome, Outcome::Finished(_)) {
        ctx.flush_progress().await;
    }
    let transition = match outcome {
        Outcome::Finished(Ok(result)) => shared.queue.succeed(&job.id, &worker, &result).await,
        Outcome::Finished(Err(JobError::Retryable(message))) => {
            shared.queue.fail(&job, &worker, &message, true).await
        }
        Outcome::Finished(Err(JobError::Permanent(message))) => {
            shared.queue.fail(&job, &worker, &message, false).await
        }
        Outcome::Finished(Err(JobError::Cancelled)) | Outcome::Cancelled => {
            shared.queue.mark_cancelled(&job.id, &worker).await
        }
        Outcome::TimedOut => {
            let message = format!("timed out after {} s", job.timeout_ms / 1000);
            shared.queue.fail(&job, &worker, &message, true).await
        }
        Outcome::Shutdown => shared.queue.release(&job.id, &worker).await,
    };
    report(&shared, &job, &worker, transition);
}

fn report(_shared: &Shared, job: &Job, worker: &str, transition: Result<Option<Job>, QueueError>) {
    match transition {
        Ok(Some(after)) => {
            tracing::info!(job = %job.id, kind = %job.kind, state = %after.state, "job attempt ended")
        }
        // Another worker recovered the lease meanwhile (this process stalled past it).
        Ok(None) => {
            tracing::warn!(job = %job.id, worker, "job was taken over before it finished here")
        }
        Err(e) => tracing::error!(job = %job.id, error = %e, "could not record a job's outcome"),
    }
}
