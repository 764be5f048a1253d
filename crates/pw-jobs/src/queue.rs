//! The durable queue: every transition is one SQL statement on the store's single writer, so it
//! is atomic without locks of our own, and survives a killed process.

use std::time::Duration;

use pw_store::Database;
use rand::Rng;
use serde_json::Value;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use tokio::sync::broadcast;

use crate::error::{QueueError, Result};
use crate::model::{Job, JobEvent, JobSpec, JobState, Lane};
use crate::now_ms;

/// What a job shows before a runner claims it and writes its kind's declaration (RQ's defaults).
const DEFAULT_ATTEMPTS: u32 = 3;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(180);

/// Exponential backoff with jitter between attempts.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
    /// Fraction of the delay that is randomised (0.25 = plus or minus 25%), so jobs that failed
    /// together (a vendor outage) do not retry together.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(300),
            jitter: 0.25,
        }
    }
}

impl RetryPolicy {
    /// The delay before attempt `attempts + 1`, after `attempts` failures.
    pub fn delay(&self, attempts: u32) -> Duration {
        let exponent = attempts.saturating_sub(1).min(20);
        let raw = self.base.saturating_mul(1u32 << exponent).min(self.cap);
        let spread = raw.as_secs_f64() * self.jitter;
        let jittered = raw.as_secs_f64() + rand::rng().random_range(-spread..=spread);
        Duration::from_secs_f64(jittered.max(0.0))
    }
}

#[derive(Clone)]
pub struct JobQueue {
    db: Database,
    events: broadcast::Sender<JobEvent>,
    retry: RetryPolicy,
}

fn job_from_row(row: &SqliteRow) -> Result<Job> {
    let text = |name: &str| -> Result<String> { Ok(row.try_get::<String, _>(name)?) };
    let json = |name: &str| -> Result<Option<Value>> {
        let raw: Option<String> = row.try_get(name)?;
        Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
    };
    let invalid = |e: String| QueueError::InvalidJob(e);
    Ok(Job {
        id: text("id")?,
        kind: text("kind")?,
        title: text("title")?,
        lane: text("lane")?.parse().map_err(invalid)?,
        priority: row.try_get("priority")?,
        payload: json("payload")?.unwrap_or(Value::Null),
        workspace_id: row.try_get("workspace_id")?,
        state: text("state")?.parse().map_err(invalid)?,
        attempts: row.try_get::<i64, _>("attempts")? as u32,
        max_attempts: row.try_get::<i64, _>("max_attempts")? as u32,
        run_at: row.try_get("run_at")?,
        timeout_ms: row.try_get("timeout_ms")?,
        cancel_requested: row.try_get("cancel_requested")?,
        progress: row.try_get("progress")?,
        progress_message: row.try_get("progress_message")?,
        checkpoint: json("checkpoint")?,
        last_error: row.try_get("last_error")?,
        result: json("result")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        attempt_token: row.try_get("attempt_token")?,
    })
}

/// The checkpoint exactly as stored: a text that is not JSON is an error the attempt must see,
/// not a missing checkpoint that would silently start the work over.
fn stored_checkpoint(row: &SqliteRow) -> Result<Result<Option<Value>, String>> {
    let raw: Option<String> = row.try_get("checkpoint")?;
    Ok(match raw {
        None => Ok(None),
        Some(raw) => serde_json::from_str(&raw)
            .map(Some)
            .map_err(|e| e.to_string()),
    })
}

/// What a running attempt learns when it renews its lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// The job is still this attempt's; `cancel_requested` when someone asked it to stop.
    Held { cancel_requested: bool },
    /// Another attempt owns the job now, or it was recovered or finished: stop and record nothing.
    Lost,
}

/// A claimed attempt, as the runner needs it.
pub(crate) struct ClaimedAttempt {
    pub job: Job,
    pub attempt: String,
    pub checkpoint: Result<Option<Value>, String>,
}

/// What a kind declares about attempts and timeouts, written onto its jobs when they are claimed
/// (a job may have been enqueued by a process that had no handlers registered).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeclaredLimits {
    pub attempts: u32,
    /// 0 when the kind is supervised by liveness rather than a timeout.
    pub timeout_ms: i64,
}

impl DeclaredLimits {
    /// The JSON object `{kind: {attempts, timeout_ms}}` the claim query reads.
    pub(crate) fn encode<'a>(kinds: impl IntoIterator<Item = (&'a str, DeclaredLimits)>) -> String {
        let object: serde_json::Map<String, Value> = kinds
            .into_iter()
            .map(|(kind, limits)| {
                (
                    kind.to_owned(),
                    serde_json::json!({ "attempts": limits.attempts, "timeout_ms": limits.timeout_ms }),
                )
            })
            .collect();
        Value::Object(object).to_string()
    }
}

impl JobQueue {
    pub fn new(db: Database) -> Self {
        Self::with_retry(db, RetryPolicy::default())
    }

    pub fn with_retry(db: Database, retry: RetryPolicy) -> Self {
        let (events, _) = broadcast::channel(1024);
        JobQueue { db, events, retry }
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Live job changes. A slow subscriber that falls behind misses events (and should re-list),
    /// rather than slowing the workers down.
    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.events.subscribe()
    }

    pub(crate) fn publish(&self, job: &Job) {
        let _ = self.events.send(JobEvent::Changed(job.clone()));
    }

    /// Enqueues a job; with a dedupe key that is already taken, returns the existing job instead.
    pub async fn enqueue(&self, spec: JobSpec) -> Result<Job> {
        let now = now_ms();
        let id = pw_domain::new_id();
        let inserted = sqlx::query(
            "INSERT INTO jobs (id, kind, title, lane, priority, payload, workspace_id, state, max_attempts,
                               run_at, timeout_ms, dedupe_key, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)
             ON CONFLICT (dedupe_key) DO NOTHING
             RETURNING *",
        )
        .bind(&id)
        .bind(&spec.kind)
        .bind(&spec.title)
        .bind(spec.lane.as_str())
        .bind(spec.priority)
        .bind(spec.payload.to_string())
        .bind(&spec.workspace_id)
        // Until a runner claims it, the job shows RQ's defaults; the claim writes what its kind
        // declares.
        .bind(i64::from(DEFAULT_ATTEMPTS))
        .bind(spec.run_at.unwrap_or(now))
        .bind(DEFAULT_TIMEOUT.as_millis() as i64)
        .bind(&spec.dedupe_key)
        .bind(now)
        .fetch_optional(self.db.writer())
        .await?;
        match inserted {
            Some(row) => {
                let job = job_from_row(&row)?;
                tracing::debug!(job = %job.id, kind = %job.kind, lane = %job.lane, "job enqueued");
                self.publish(&job);
                Ok(job)
            }
            None => {
                let key = spec.dedupe_key.unwrap_or_default();
                let row = sqlx::query("SELECT * FROM jobs WHERE dedupe_key = ?")
                    .bind(&key)
                    .fetch_one(self.db.writer())
                    .await?;
                job_from_row(&row)
            }
        }
    }

    pub async fn get(&self, id: &str) -> Result<Job> {
        let row = sqlx::query("SELECT * FROM jobs WHERE id = ?")
            .bind(id)
            .fetch_optional(self.db.reader())
            .await?
            .ok_or_else(|| QueueError::NotFound(id.to_owned()))?;
        job_from_row(&row)
    }

    /// The newest jobs first, optionally only those in one state.
    pub async fn list(&self, state: Option<JobState>, limit: u32) -> Result<Vec<Job>> {
        let rows = sqlx::query(
            "SELECT * FROM jobs WHERE (?1 IS NULL OR state = ?1) ORDER BY created_at DESC, id DESC LIMIT ?2",
        )
        .bind(state.map(JobState::as_str))
        .bind(i64::from(limit))
        .fetch_all(self.db.reader())
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    /// The jobs of `kind` that succeeded or failed at or after `since_ms`, oldest end first:
    /// what a listener that missed events looks up, however many other jobs ran meanwhile.
    pub async fn ended_since(&self, kind: &str, since_ms: i64) -> Result<Vec<Job>> {
        let rows = sqlx::query(
            "SELECT * FROM jobs WHERE kind = ?1 AND state IN ('succeeded', 'failed') \
             AND finished_at >= ?2 ORDER BY finished_at, id",
        )
        .bind(kind)
        .bind(since_ms)
        .fetch_all(self.db.reader())
        .await?;
        rows.iter().map(job_from_row).collect()
    }

    /// Claims the next runnable job of a lane for `worker`, leasing it for `lease`. The claim
    /// starts a new attempt with its own token (`Job::attempt_token`).
    pub async fn claim(&self, lane: Lane, worker: &str, lease: Duration) -> Result<Option<Job>> {
        Ok(self
            .claim_attempt(lane, worker, lease, "{}")
            .await?
            .map(|claimed| claimed.job))
    }

    pub(crate) async fn claim_attempt(
        &self,
        lane: Lane,
        worker: &str,
        lease: Duration,
        declared: &str,
    ) -> Result<Option<ClaimedAttempt>> {
        let now = now_ms();
        let attempt = pw_domain::new_id();
        let row = sqlx::query(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = ?1, lease_until = ?2,
                    attempt_token = ?5,
                    max_attempts = coalesce((SELECT json_extract(d.value, '$.attempts') FROM json_each(?6) AS d
                                             WHERE d.key = jobs.kind), max_attempts),
                    timeout_ms = coalesce((SELECT json_extract(d.value, '$.timeout_ms') FROM json_each(?6) AS d
                                           WHERE d.key = jobs.kind), timeout_ms),
                    started_at = coalesce(started_at, ?3), last_error = CASE WHEN attempts = 0 THEN NULL ELSE last_error END
             WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND lane = ?4 AND run_at <= ?3
                         ORDER BY priority DESC, run_at, id LIMIT 1)
             RETURNING *",
        )
        .bind(worker)
        .bind(now + lease.as_millis() as i64)
        .bind(now)
        .bind(lane.as_str())
        .bind(&attempt)
        .bind(declared)
        .fetch_optional(self.db.writer())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let job = job_from_row(&row)?;
        let checkpoint = stored_checkpoint(&row)?;
        self.publish(&job);
        Ok(Some(ClaimedAttempt {
            job,
            attempt,
            checkpoint,
        }))
    }

    /// The earliest time a queued job of this lane becomes runnable, to sleep until then.
    pub async fn next_run_at(&self, lane: Lane) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT min(run_at) FROM jobs WHERE state = 'queued' AND lane = ?")
                .bind(lane.as_str())
                .fetch_one(self.db.reader())
                .await?,
        )
    }

    /// Extends the lease of a running attempt, and says whether cancellation was requested
    /// (possibly by another process, such as the CLI) or the attempt lost the job.
    pub async fn heartbeat(&self, id: &str, attempt: &str, lease: Duration) -> Result<Lease> {
        let cancel: Option<bool> = sqlx::query_scalar(
            "UPDATE jobs SET lease_until = ? WHERE id = ? AND attempt_token = ? AND state = 'running'
             RETURNING cancel_requested",
        )
        .bind(now_ms() + lease.as_millis() as i64)
        .bind(id)
        .bind(attempt)
        .fetch_optional(self.db.writer())
        .await?;
        Ok(match cancel {
            Some(cancel_requested) => Lease::Held { cancel_requested },
            None => Lease::Lost,
        })
    }

    /// Records a running attempt's progress; `None` when the attempt no longer owns the job.
    /// Once cancellation was requested the message stays "Cancelling…" (the handler may go on
    /// reporting during its grace period, but what the person sees is that it is stopping).
    pub async fn set_progress(
        &self,
        id: &str,
        attempt: &str,
        fraction: f64,
        message: Option<&str>,
    ) -> Result<Option<Job>> {
        let row = sqlx::query(
            "UPDATE jobs SET progress = ?,
                    progress_message = CASE WHEN cancel_requested = 1 THEN progress_message
                                            ELSE coalesce(?, progress_message) END
             WHERE id = ? AND attempt_token = ? AND state = 'running' RETURNING *",
        )
        .bind(fraction.clamp(0.0, 1.0))
        .bind(message)
        .bind(id)
        .bind(attempt)
        .fetch_optional(self.db.writer())
        .await?;
        let job = row.as_ref().map(job_from_row).transpose()?;
        if let Some(job) = &job {
            self.publish(job);
        }
        Ok(job)
    }

    /// Saves a running attempt's checkpoint; `false` (and nothing saved) when the attempt no
    /// longer owns the job, so a stale attempt never moves a newer one's checkpoint backwards.
    pub async fn save_checkpoint(
        &self,
        id: &str,
        attempt: &str,
        checkpoint: &Value,
    ) -> Result<bool> {
        let saved = sqlx::query(
            "UPDATE jobs SET checkpoint = ? WHERE id = ? AND attempt_token = ? AND state = 'running'",
        )
        .bind(checkpoint.to_string())
        .bind(id)
        .bind(attempt)
        .execute(self.db.writer())
        .await?;
        Ok(saved.rows_affected() == 1)
    }

    async fn transition(&self, sql: &'static str, binds: Binds<'_>) -> Result<Option<Job>> {
        let mut query = sqlx::query(sql);
        for bind in binds.0 {
            query = match bind {
                Bind::Text(t) => query.bind(t.map(str::to_owned)),
                Bind::Int(i) => query.bind(i),
            };
        }
        let row = query.fetch_optional(self.db.writer()).await?;
        let job = row.as_ref().map(job_from_row).transpose()?;
        if let Some(job) = &job {
            self.publish(job);
        }
        Ok(job)
    }

    /// Records an attempt's result. `None` when the attempt no longer owns the job (nothing is
    /// written: the newer attempt's outcome stands).
    pub async fn succeed(&self, id: &str, attempt: &str, result: &Value) -> Result<Option<Job>> {
        self.transition(
            "UPDATE jobs SET state = 'succeeded', progress = 1, result = ?, finished_at = ?, lease_until = NULL,
                    progress_message = CASE WHEN cancel_requested = 1 THEN 'Finished before it could be cancelled'
                                            ELSE progress_message END
             WHERE id = ? AND attempt_token = ? AND state = 'running' RETURNING *",
            Binds(vec![Bind::Text(Some(&result.to_string())), Bind::Int(now_ms()), Bind::Text(Some(id)), Bind::Text(Some(attempt))]),
        )
        .await
    }

    /// Records a failed attempt: back to the queue after a backoff while attempts remain and the
    /// error is retryable, otherwise into the failed list with its error. `None` when the attempt
    /// no longer owns the job.
    pub async fn fail(
        &self,
        job: &Job,
        attempt: &str,
        error: &str,
        retryable: bool,
    ) -> Result<Option<Job>> {
        let now = now_ms();
        if retryable && job.attempts < job.max_attempts {
            let delay = self.retry.delay(job.attempts);
            tracing::warn!(job = %job.id, attempt = job.attempts, ?delay, error, "job attempt failed; will retry");
            self.transition(
                "UPDATE jobs SET state = 'queued', run_at = ?, last_error = ?, lease_until = NULL, worker = NULL,
                        attempt_token = NULL
                 WHERE id = ? AND attempt_token = ? AND state = 'running' RETURNING *",
                Binds(vec![
                    Bind::Int(now + delay.as_millis() as i64),
                    Bind::Text(Some(error)),
                    Bind::Text(Some(&job.id)),
                    Bind::Text(Some(attempt)),
                ]),
            )
            .await
        } else {
            tracing::error!(job = %job.id, attempt = job.attempts, error, "job failed");
            self.transition(
                "UPDATE jobs SET state = 'failed', last_error = ?, finished_at = ?, lease_until = NULL
                 WHERE id = ? AND attempt_token = ? AND state = 'running' RETURNING *",
                Binds(vec![Bind::Text(Some(error)), Bind::Int(now), Bind::Text(Some(&job.id)), Bind::Text(Some(attempt))]),
            )
            .await
        }
    }

    /// Records that an attempt stopped because it was cancelled. `None` when the attempt no
    /// longer owns the job.
    pub async fn mark_cancelled(&self, id: &str, attempt: &str) -> Result<Option<Job>> {
        self.transition(
            "UPDATE jobs SET state = 'cancelled', finished_at = ?, lease_until = NULL
             WHERE id = ? AND attempt_token = ? AND state = 'running' RETURNING *",
            Binds(vec![
                Bind::Int(now_ms()),
                Bind::Text(Some(id)),
                Bind::Text(Some(attempt)),
            ]),
        )
        .await
    }

    /// Cancels a job: a queued job is cancelled at once; a running one is asked to stop (its
    /// runner sees the request at its next heartbeat, or at once when it runs in this process).
    pub async fn cancel(&self, id: &str) -> Result<Job> {
        let job = self.get(id).await?;
        match job.state {
            JobState::Queued => {
                let cancelled = self
                    .transition(
                        "UPDATE jobs SET state = 'cancelled', finished_at = ?, cancel_requested = 1
                         WHERE id = ? AND state = 'queued' RETURNING *",
                        Binds(vec![Bind::Int(now_ms()), Bind::Text(Some(id))]),
                    )
                    .await?;
                // Lost a race with a claim: it is running now, so ask it to stop instead.
                match cancelled {
                    Some(job) => Ok(job),
                    None => Box::pin(self.cancel(id)).await,
                }
            }
            JobState::Running => {
                let requested = self
                    .transition(
                        "UPDATE jobs SET cancel_requested = 1, progress_message = 'Cancelling…'
                         WHERE id = ? AND state = 'running' RETURNING *",
                        Binds(vec![Bind::Text(Some(id))]),
                    )
                    .await?;
                match requested {
                    Some(job) => Ok(job),
                    None => self.get(id).await,
                }
            }
            state => Err(QueueError::InvalidTransition {
                id: id.to_owned(),
                state: state.to_string(),
                action: "cancelled",
            }),
        }
    }

    /// Puts a failed or cancelled job back in its lane with a fresh set of attempts. Its
    /// checkpoint is kept, so it resumes where it stopped.
    pub async fn retry(&self, id: &str) -> Result<Job> {
        let retried = self
            .transition(
                "UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, cancel_requested = 0, finished_at = NULL,
                        worker = NULL, lease_until = NULL, attempt_token = NULL, progress_message = NULL
                 WHERE id = ? AND state IN ('failed', 'cancelled') RETURNING *",
                Binds(vec![Bind::Int(now_ms()), Bind::Text(Some(id))]),
            )
            .await?;
        match retried {
            Some(job) => Ok(job),
            None => {
                let job = self.get(id).await?;
                Err(QueueError::InvalidTransition {
                    id: id.to_owned(),
                    state: job.state.to_string(),
                    action: "retried",
                })
            }
        }
    }

    /// Returns jobs whose lease expired (their process died or hung) to the queue, or fails them
    /// when they have used all their attempts. Returns how many were recovered.
    pub async fn recover_expired_leases(&self) -> Result<u64> {
        self.recover_expired_leases_except(&[]).await
    }

    /// Like [`JobQueue::recover_expired_leases`], but never touches the given attempts: those
    /// alive in the calling process, whose lease may only look expired because the wall clock
    /// jumped (a laptop sleep) or the writer stalled.
    pub(crate) async fn recover_expired_leases_except(&self, alive: &[String]) -> Result<u64> {
        let now = now_ms();
        let alive = serde_json::to_string(alive).map_err(|e| {
            QueueError::InvalidJob(format!("attempt list could not be encoded: {e}"))
        })?;
        let rows = sqlx::query(
            "UPDATE jobs SET
                 state = CASE WHEN cancel_requested = 1 THEN 'cancelled'
                              WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                 finished_at = CASE WHEN cancel_requested = 1 OR attempts >= max_attempts THEN ?1 ELSE NULL END,
                 last_error = CASE WHEN cancel_requested = 1 THEN last_error
                                   ELSE 'interrupted: the app stopped while this job was running' END,
                 run_at = ?1, worker = NULL, lease_until = NULL, attempt_token = NULL
             WHERE state = 'running' AND lease_until < ?1
               AND (attempt_token IS NULL OR attempt_token NOT IN (SELECT value FROM json_each(?2)))
             RETURNING *",
        )
        .bind(now)
        .bind(alive)
        .fetch_all(self.db.writer())
        .await?;
        for row in &rows {
            let job = job_from_row(row)?;
            tracing::warn!(job = %job.id, state = %job.state, "recovered a job whose lease expired");
            self.publish(&job);
        }
        Ok(rows.len() as u64)
    }
}

enum Bind<'a> {
    Text(Option<&'a str>),
    Int(i64),
}

struct Binds<'a>(Vec<Bind<'a>>);

impl JobQueue {
    /// Hands a running job back to its lane without counting the attempt (the app is closing).
    pub(crate) async fn release(&self, id: &str, attempt: &str) -> Result<Option<Job>> {
        self.transition(
            "UPDATE jobs SET state = 'queued', attempts = max(attempts - 1, 0), worker = NULL, lease_until = NULL,
                    attempt_token = NULL, run_at = ?
             WHERE id = ? AND attempt_token = ? AND state = 'running' RETURNING *",
            Binds(vec![Bind::Int(now_ms()), Bind::Text(Some(id)), Bind::Text(Some(attempt))]),
        )
        .await
    }
}

impl JobQueue {
    /// Links a running attempt's job to the workspace it created or works on, once that
    /// workspace exists; `false` (and nothing linked) when the attempt no longer owns the job.
    /// Handlers call [`crate::JobContext::link_workspace`].
    pub async fn link_workspace(
        &self,
        id: &str,
        attempt: &str,
        workspace_id: &str,
    ) -> Result<bool> {
        let linked = sqlx::query(
            "UPDATE jobs SET workspace_id = ? WHERE id = ? AND attempt_token = ? AND state = 'running'",
        )
        .bind(workspace_id)
        .bind(id)
        .bind(attempt)
        .execute(self.db.writer())
        .await?;
        Ok(linked.rows_affected() == 1)
    }
}
