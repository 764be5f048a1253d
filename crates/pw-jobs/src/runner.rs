//! Drains the lanes: claims jobs, runs their handlers under their kind's supervision (a timeout,
//! or liveness by progress), keeps their leases alive, turns outcomes into queue transitions, and
//! recovers jobs abandoned by a dead process.
//!
//! Every claim is a new attempt with its own token. The queue accepts a running attempt's writes
//! only while the token is still the job's, and this process keeps at most one attempt of a job
//! running: a newer attempt of the same job first stops the older one and waits for it to end.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::error::JobError;
use crate::kind::{JobKind, Supervision};
use crate::model::{Job, JobEvent, JobState, Lane};
use crate::queue::{ClaimedAttempt, DeclaredLimits, JobQueue, Lease};

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

/// How long an outcome that cannot be written is retried before it is left to lease recovery
/// (which reruns the attempt from its checkpoint), and how much of that a closing app waits.
const OUTCOME_PATIENCE: Duration = Duration::from_secs(120);
const OUTCOME_PATIENCE_WHEN_CLOSING: Duration = Duration::from_secs(5);
const PROGRESS_THROTTLE: Duration = Duration::from_millis(100);

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
    attempt: String,
    checkpoint: Result<Option<Value>, String>,
    queue: JobQueue,
    cancel: CancellationToken,
    /// Cancelled when the attempt learns that the job is no longer its own.
    lost: CancellationToken,
    last_progress: Mutex<Option<Instant>>,
    /// The newest update dropped by the throttle, written when the handler returns so the
    /// panel ends on the handler's last word rather than an earlier one.
    unsaved_progress: Mutex<Option<(f64, String)>>,
    /// Monotonic, so a wall-clock jump neither hides a stall nor invents one.
    last_sign_of_life: Mutex<Instant>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded values stay consistent even if a holder panicked (each is one assignment).
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn unreadable_checkpoint(detail: impl std::fmt::Display) -> JobError {
    JobError::Permanent(format!(
        "the saved progress of this job could not be read ({detail}); it was not started over, \
         so no finished work is repeated or paid for twice"
    ))
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

    /// What an earlier attempt saved, if anything. A checkpoint that does not decode into `T`
    /// is a permanent error: starting over would silently repeat (and pay for) finished work.
    pub fn checkpoint<T: DeserializeOwned>(&self) -> Result<Option<T>, JobError> {
        match &self.inner.checkpoint {
            Err(detail) => Err(unreadable_checkpoint(detail)),
            Ok(None) => Ok(None),
            Ok(Some(saved)) => serde_json::from_value(saved.clone())
                .map(Some)
                .map_err(unreadable_checkpoint),
        }
    }

    /// Saves how far the job got, so a retried or recovered attempt can skip finished steps.
    /// Fails with [`JobError::Cancelled`] when this attempt no longer owns the job.
    pub async fn save_checkpoint<T: Serialize>(&self, checkpoint: &T) -> Result<(), JobError> {
        let value = serde_json::to_value(checkpoint).map_err(JobError::permanent)?;
        let saved = self
            .inner
            .queue
            .save_checkpoint(&self.inner.job.id, &self.inner.attempt, &value)
            .await
            .map_err(JobError::retryable)?;
        if !saved {
            self.lose();
            return Err(JobError::Cancelled);
        }
        self.keep_alive();
        Ok(())
    }

    /// Links the job to the workspace it created or works on, once that workspace exists.
    /// Fails with [`JobError::Cancelled`] (and links nothing) when this attempt no longer owns
    /// the job.
    pub async fn link_workspace(&self, workspace_id: &str) -> Result<(), JobError> {
        let linked = self
            .inner
            .queue
            .link_workspace(&self.inner.job.id, &self.inner.attempt, workspace_id)
            .await
            .map_err(JobError::retryable)?;
        if !linked {
            self.lose();
            return Err(JobError::Cancelled);
        }
        self.keep_alive();
        Ok(())
    }

    /// A relay for progress reported from synchronous code (a store export, a download
    /// callback): send `(fraction, sentence)` on the returned channel and a task reports it,
    /// capped at `cap` so only the job's final transition says "done". Drop the sender and await
    /// the handle to flush the last update.
    pub fn progress_relay(
        &self,
        cap: f64,
    ) -> (
        tokio::sync::mpsc::UnboundedSender<(f64, String)>,
        tokio::task::JoinHandle<()>,
    ) {
        let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel::<(f64, String)>();
        let ctx = self.clone();
        let reporter = tokio::spawn(async move {
            while let Some((fraction, message)) = updates.recv().await {
                ctx.progress(fraction.min(cap), message).await;
            }
        });
        (sender, reporter)
    }

    /// Reports progress (0..=1). Updates closer together than 100 ms are dropped, except the
    /// last, so a tight loop cannot flood the database or the UI. Every call counts as a sign
    /// of life for liveness supervision.
    pub async fn progress(&self, fraction: f64, message: impl Into<String>) {
        self.keep_alive();
        let message = message.into();
        {
            let mut last = locked(&self.inner.last_progress);
            if fraction < 1.0 && last.is_some_and(|t| t.elapsed() < PROGRESS_THROTTLE) {
                *locked(&self.inner.unsaved_progress) = Some((fraction, message));
                return;
            }
            *last = Some(Instant::now());
        }
        *locked(&self.inner.unsaved_progress) = None;
        self.record_progress(fraction, &message).await;
    }

    /// Tells liveness supervision the work is still moving when there is no progress to report
    /// (a long single step that has its own way of knowing it is not stuck).
    pub fn keep_alive(&self) {
        *locked(&self.inner.last_sign_of_life) = Instant::now();
    }

    fn last_sign_of_life(&self) -> Instant {
        *locked(&self.inner.last_sign_of_life)
    }

    /// Moves the last sign of life later by a time the process spent suspended, during which
    /// the handler could not have shown any.
    fn excuse_quiet(&self, suspended: Duration) {
        let mut last = locked(&self.inner.last_sign_of_life);
        *last = deadline(*last, suspended).min(Instant::now());
    }

    fn lose(&self) {
        self.inner.lost.cancel();
        self.inner.cancel.cancel();
    }

    async fn record_progress(&self, fraction: f64, message: &str) {
        match self
            .inner
            .queue
            .set_progress(
                &self.inner.job.id,
                &self.inner.attempt,
                fraction,
                Some(message),
            )
            .await
        {
            Ok(Some(_)) => {}
            Ok(None) => self.lose(),
            Err(e) => {
                tracing::warn!(job = %self.inner.job.id, error = %e, "could not record progress")
            }
        }
    }

    async fn flush_progress(&self) {
        let unsaved = locked(&self.inner.unsaved_progress).take();
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

/// An attempt running in this process.
struct RunningAttempt {
    job_id: String,
    cancel: CancellationToken,
    lost: CancellationToken,
    /// Cancelled once the attempt's handler has stopped running.
    ended: CancellationToken,
}

struct Shared {
    queue: JobQueue,
    kinds: HashMap<String, JobKind>,
    /// What the kinds declare, as the JSON object the claim query reads.
    declared: String,
    config: RunnerConfig,
    shutdown: CancellationToken,
    /// Keyed by attempt token, so one attempt ending never touches another's entry.
    attempts: Mutex<HashMap<String, RunningAttempt>>,
    wake: Arc<HashMap<Lane, Notify>>,
    tracker: TaskTracker,
}

enum Outcome {
    Finished(Result<Value, JobError>),
    TimedOut(Duration),
    Stalled(Duration),
    Cancelled,
    Shutdown,
    /// Another attempt owns the job: record nothing.
    Lost,
}

impl JobRunner {
    /// Starts the lane workers with the given kinds (a bare handler gets RQ's defaults: a
    /// 180 s timeout and three attempts).
    pub fn start<K: Into<JobKind>>(
        queue: JobQueue,
        config: RunnerConfig,
        kinds: impl IntoIterator<Item = (String, K)>,
    ) -> Self {
        let kinds: HashMap<String, JobKind> = kinds
            .into_iter()
            .map(|(name, kind)| (name, kind.into()))
            .collect();
        let declared = DeclaredLimits::encode(kinds.iter().map(|(name, kind)| {
            (
                name.as_str(),
                DeclaredLimits {
                    attempts: kind.attempts,
                    timeout_ms: kind.supervision.timeout_ms(),
                },
            )
        }));
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let wake: Arc<HashMap<Lane, Notify>> =
            Arc::new(Lane::ALL.into_iter().map(|l| (l, Notify::new())).collect());
        let shared = Arc::new(Shared {
            queue: queue.clone(),
            kinds,
            declared,
            config,
            shutdown: shutdown.clone(),
            attempts: Mutex::new(HashMap::new()),
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
                if job.cancel_requested
                    && job.state == JobState::Running
                    && let Some(attempt) = &job.attempt_token
                    && let Some(running) = locked(&shared.attempts).get(attempt)
                {
                    running.cancel.cancel();
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
        // Attempts alive here are never recovered here, whatever the wall clock says about their
        // lease: this process knows they are running.
        let alive: Vec<String> = locked(&shared.attempts).keys().cloned().collect();
        match shared.queue.recover_expired_leases_except(&alive).await {
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
            .claim_attempt(
                lane,
                &shared.config.worker_id,
                shared.config.lease,
                &shared.declared,
            )
            .await
        {
            Ok(Some(claimed)) => {
                let shared_for_job = shared.clone();
                let span = tracing::info_span!("job", id = %claimed.job.id, kind = %claimed.job.kind, attempt = claimed.job.attempts);
                shared.tracker.spawn(
                    async move {
                        execute(shared_for_job, claimed).await;
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

async fn execute(shared: Arc<Shared>, claimed: ClaimedAttempt) {
    let ClaimedAttempt {
        job,
        attempt,
        checkpoint,
    } = claimed;
    let cancel = CancellationToken::new();
    let lost = CancellationToken::new();
    let ended = CancellationToken::new();
    if job.cancel_requested {
        cancel.cancel();
    }
    // Registered before anything else, so recovery here leaves this attempt alone from now on.
    // An older attempt of the same job still running here lost the job when it was requeued:
    // it is stopped, and this one starts only once it has ended.
    let older: Vec<CancellationToken> = {
        let mut attempts = locked(&shared.attempts);
        let older = attempts
            .values()
            .filter(|running| running.job_id == job.id)
            .map(|running| {
                running.lost.cancel();
                running.ended.clone()
            })
            .collect();
        attempts.insert(
            attempt.clone(),
            RunningAttempt {
                job_id: job.id.clone(),
                cancel: cancel.clone(),
                lost: lost.clone(),
                ended: ended.clone(),
            },
        );
        older
    };
    for older_ended in older {
        tracing::warn!(job = %job.id, "an older attempt of this job is still running here; stopping it first");
        older_ended.cancelled().await;
    }
    let outcome = match (shared.kinds.get(&job.kind).cloned(), checkpoint) {
        (None, _) => Outcome::Finished(Err(JobError::Permanent(format!(
            "this version of ProfitWheel cannot run jobs of kind '{}'",
            job.kind
        )))),
        (Some(_), Err(detail)) => Outcome::Finished(Err(unreadable_checkpoint(detail))),
        (Some(kind), Ok(checkpoint)) => {
            let ctx = JobContext {
                inner: Arc::new(ContextInner {
                    job: job.clone(),
                    attempt: attempt.clone(),
                    checkpoint: Ok(checkpoint),
                    queue: shared.queue.clone(),
                    cancel: cancel.clone(),
                    lost: lost.clone(),
                    last_progress: Mutex::new(None),
                    unsaved_progress: Mutex::new(None),
                    last_sign_of_life: Mutex::new(Instant::now()),
                }),
            };
            let outcome = supervise(&shared, &kind, &ctx).await;
            if matches!(outcome, Outcome::Finished(_)) && !lost.is_cancelled() {
                ctx.flush_progress().await;
            }
            outcome
        }
    };
    ended.cancel();
    let outcome = if lost.is_cancelled() {
        Outcome::Lost
    } else {
        outcome
    };
    record_outcome(&shared, &job, &attempt, outcome).await;
    locked(&shared.attempts).remove(&attempt);
}

/// What woke the supervision loop.
enum Wake {
    Returned(Result<Result<Value, JobError>, tokio::task::JoinError>),
    Lost,
    SupervisionDue,
    CancelSeen,
    GraceOver,
    Shutdown,
    Heartbeat,
}

/// Runs the handler until it returns, or its kind's supervision, a cancellation past its grace
/// period, a lost lease or the app closing stops it. The handler has stopped when this returns.
///
/// Nothing in the loop waits for the database: the heartbeat is written by a task of its own, so
/// a busy writer (which can keep a write waiting for many seconds) never delays a grace abort, a
/// timeout or a stall. Time the process spent suspended (a laptop asleep) counts against none of
/// them: nothing could run meanwhile, the handler included.
async fn supervise(shared: &Shared, kind: &JobKind, ctx: &JobContext) -> Outcome {
    let cancel = &ctx.inner.cancel;
    let lost = &ctx.inner.lost;
    // The handler runs in its own task so a panic fails the job instead of the worker.
    let mut work = tokio::spawn(kind.handler.run(ctx.clone()));
    let beat = shared.config.heartbeat.max(Duration::from_millis(1));
    let mut heartbeat = tokio::time::interval_at(deadline(Instant::now(), beat), beat);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut renewal: Option<tokio::task::JoinHandle<()>> = None;
    // Tells a renewal still waiting for the writer that its answer no longer matters.
    let supervised = CancellationToken::new();
    let _supervision_over = supervised.clone().drop_guard();
    // Where the timeout counts from: the start, moved later by any time spent suspended.
    let mut timeout_from = Instant::now();
    // Set once, when the cancellation is first seen; re-arming it on every loop would let the
    // heartbeat postpone it for ever.
    let mut grace_until: Option<Instant> = None;
    // The heartbeat wakes this loop at least once per beat; a much longer gap between two wakes
    // means the process was suspended (or starved) meanwhile.
    let mut last_awake = Instant::now();
    let mut handler_returned = false;
    let outcome = loop {
        if cancel.is_cancelled() && grace_until.is_none() {
            grace_until = Some(deadline(Instant::now(), shared.config.cancel_grace));
        }
        let supervision_deadline = match kind.supervision {
            Supervision::Timeout(limit) => deadline(timeout_from, limit),
            Supervision::Liveness { stall_after } => deadline(ctx.last_sign_of_life(), stall_after),
        };
        let woke = tokio::select! {
            joined = &mut work => Wake::Returned(joined),
            _ = lost.cancelled() => Wake::Lost,
            _ = tokio::time::sleep_until(supervision_deadline) => Wake::SupervisionDue,
            _ = cancel.cancelled(), if grace_until.is_none() => Wake::CancelSeen,
            _ = tokio::time::sleep_until(grace_until.unwrap_or(timeout_from)), if grace_until.is_some() => Wake::GraceOver,
            _ = shared.shutdown.cancelled() => Wake::Shutdown,
            _ = heartbeat.tick() => Wake::Heartbeat,
        };
        let now = Instant::now();
        let asleep = now.saturating_duration_since(last_awake);
        last_awake = now;
        if asleep > beat.saturating_mul(2) {
            let suspended = asleep.saturating_sub(beat);
            tracing::info!(job = %ctx.job().id, ?suspended, "the process was suspended; that time does not count against the job");
            timeout_from = deadline(timeout_from, suspended).min(now);
            grace_until = grace_until.map(|until| deadline(until, suspended));
            ctx.excuse_quiet(suspended);
        }
        match woke {
            Wake::Returned(joined) => {
                handler_returned = true;
                break match joined {
                    Ok(Err(JobError::Cancelled)) => Outcome::Cancelled,
                    Ok(result) if cancel.is_cancelled() && result.is_err() => Outcome::Cancelled,
                    Ok(result) => Outcome::Finished(result),
                    Err(e) if e.is_panic() => Outcome::Finished(Err(JobError::Permanent(
                        "the job crashed (an internal error); see the log".into(),
                    ))),
                    Err(_) => Outcome::Cancelled,
                };
            }
            Wake::Lost => break Outcome::Lost,
            // Each check is against the deadlines as they stand now: progress may have arrived
            // while this slept, or the sleep may have been a suspend.
            Wake::SupervisionDue => match kind.supervision {
                Supervision::Timeout(limit) => {
                    if now >= deadline(timeout_from, limit) {
                        break Outcome::TimedOut(limit);
                    }
                }
                Supervision::Liveness { stall_after } => {
                    if now.saturating_duration_since(ctx.last_sign_of_life()) >= stall_after {
                        break Outcome::Stalled(stall_after);
                    }
                }
            },
            Wake::CancelSeen => {}
            Wake::GraceOver => {
                if grace_until.is_some_and(|until| now >= until) {
                    // The handler did not stop in time: its work is dropped.
                    break Outcome::Cancelled;
                }
            }
            Wake::Shutdown => break Outcome::Shutdown,
            Wake::Heartbeat => {
                if renewal.as_ref().is_none_or(|r| r.is_finished()) {
                    renewal = Some(shared.tracker.spawn(renew_lease(
                        shared.queue.clone(),
                        ctx.clone(),
                        shared.config.lease,
                        supervised.clone(),
                    )));
                } else {
                    tracing::debug!(job = %ctx.job().id, "the last lease renewal is still waiting for the database");
                }
            }
        }
    };
    if !handler_returned {
        work.abort();
        // Waiting for the aborted task makes "stopped" true before a newer attempt may start.
        let _ = work.await;
    }
    outcome
}

/// One heartbeat: renews the attempt's lease, and passes on a cancellation requested elsewhere
/// (the CLI, another window) or the news that a newer attempt took the job.
async fn renew_lease(
    queue: JobQueue,
    ctx: JobContext,
    lease: Duration,
    supervised: CancellationToken,
) {
    let job = &ctx.inner.job.id;
    match queue.heartbeat(job, &ctx.inner.attempt, lease).await {
        Ok(Lease::Held {
            cancel_requested: true,
        }) => ctx.inner.cancel.cancel(),
        Ok(Lease::Held {
            cancel_requested: false,
        }) => {}
        // An attempt that already ended lost its lease with its outcome; nothing to say then.
        Ok(Lease::Lost) if supervised.is_cancelled() => {}
        Ok(Lease::Lost) => {
            tracing::warn!(job = %job, "this attempt lost its job to a newer one; stopping it");
            ctx.lose();
        }
        Err(e) => tracing::warn!(job = %job, error = %e, "heartbeat failed"),
    }
}

/// `from + after`, saturating: a declared `Duration::MAX` means "never", not a panic.
fn deadline(from: Instant, after: Duration) -> Instant {
    from.checked_add(after)
        .unwrap_or_else(|| from + Duration::from_secs(100 * 365 * 86_400))
}

fn duration_in_words(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{seconds:.1} s")
    }
}

/// Writes how the attempt ended. A write that fails (the database busy or briefly unwritable)
/// is retried with backoff while the lease is renewed, so finished work is not redone; only
/// after a long failure is the job left to lease recovery.
async fn record_outcome(shared: &Shared, job: &Job, attempt: &str, outcome: Outcome) {
    if matches!(outcome, Outcome::Lost) {
        tracing::warn!(job = %job.id, "job was taken over by a newer attempt; nothing recorded here");
        return;
    }
    let started = Instant::now();
    let mut delay = Duration::from_millis(50);
    loop {
        let written = match &outcome {
            Outcome::Finished(Ok(result)) => shared.queue.succeed(&job.id, attempt, result).await,
            Outcome::Finished(Err(JobError::Retryable(message))) => {
                shared.queue.fail(job, attempt, message, true).await
            }
            Outcome::Finished(Err(JobError::Permanent(message))) => {
                shared.queue.fail(job, attempt, message, false).await
            }
            Outcome::Finished(Err(JobError::Cancelled)) | Outcome::Cancelled => {
                shared.queue.mark_cancelled(&job.id, attempt).await
            }
            Outcome::TimedOut(limit) => {
                let message = format!("timed out after {}", duration_in_words(*limit));
                shared.queue.fail(job, attempt, &message, true).await
            }
            Outcome::Stalled(quiet) => {
                let message = format!(
                    "stopped: no progress for {}, so the job looked stuck",
                    duration_in_words(*quiet)
                );
                shared.queue.fail(job, attempt, &message, true).await
            }
            Outcome::Shutdown => shared.queue.release(&job.id, attempt).await,
            Outcome::Lost => return,
        };
        match written {
            Ok(Some(after)) => {
                tracing::info!(job = %job.id, kind = %job.kind, state = %after.state, "job attempt ended");
                return;
            }
            Ok(None) => {
                tracing::warn!(job = %job.id, "job was taken over before it finished here");
                return;
            }
            Err(e) => {
                let patience = if shared.shutdown.is_cancelled() {
                    OUTCOME_PATIENCE_WHEN_CLOSING
                } else {
                    OUTCOME_PATIENCE
                };
                if started.elapsed() >= patience {
                    tracing::error!(job = %job.id, error = %e, "could not record a job's outcome; giving up, lease recovery will run it again");
                    return;
                }
                tracing::warn!(job = %job.id, error = %e, retry_in = ?delay, "could not record a job's outcome; retrying");
            }
        }
        // Keep the lease while waiting, so no other process reruns work that is already done.
        match shared
            .queue
            .heartbeat(&job.id, attempt, shared.config.lease)
            .await
        {
            Ok(Lease::Lost) => {
                tracing::warn!(job = %job.id, "job was taken over while its outcome waited to be written");
                return;
            }
            Ok(Lease::Held { .. }) | Err(_) => {}
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}
