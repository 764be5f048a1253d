//! Recurring jobs from cron expressions (a nightly sync per connection, a weekly report).
//!
//! A schedule's name is unique within its workspace (global schedules, with no workspace, share
//! one scope), so importing a workspace never clashes with schedules already here. Each fire is
//! enqueued with the dedupe key `schedule:<workspace id or "global">:<name>:<fire ms>`, so two
//! ticks, two app instances or a crash between enqueue and bookkeeping never enqueue a fire
//! twice. After the laptop slept through several fires, one catch-up job runs (for the latest
//! missed fire), not one per missed fire: a sync that missed three nights needs to run once.
//!
//! A schedule that cannot fire (a cron expression this version cannot read, brought by an
//! imported workspace) is skipped with its reason in `last_error`; the others keep firing. A
//! database error while a schedule fires is the database's, not the schedule's: it is logged,
//! the others still fire, and the fire is tried again at the next tick.

use chrono::{DateTime, Local, TimeZone, Utc};
use croner::Cron;
use serde_json::Value;
use sqlx::Row;

use crate::error::{QueueError, Result};
use crate::model::{Job, JobSpec, Lane};
use crate::queue::JobQueue;

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub name: String,
    pub cron: String,
    pub kind: String,
    pub title: String,
    pub lane: Lane,
    pub payload: Value,
    pub workspace_id: Option<String>,
    pub enabled: bool,
    pub last_fire_at: Option<i64>,
    /// Why the schedule did not fire at its last tick, if it could not; cleared when it fires.
    /// Ignored by [`Scheduler::upsert`].
    pub last_error: Option<String>,
}

impl Schedule {
    fn scope(&self) -> &str {
        self.workspace_id.as_deref().unwrap_or("global")
    }
}

fn parse_cron(expression: &str) -> Result<Cron> {
    Cron::new(expression)
        .parse()
        .map_err(|e| QueueError::InvalidCron {
            expression: expression.to_owned(),
            detail: e.to_string(),
        })
}

/// The field of a fired job's payload (when it is an object) holding the fire's time, unix ms.
pub const FIRE_AT_FIELD: &str = "fire_at_ms";

#[derive(Clone)]
pub struct Scheduler {
    queue: JobQueue,
}

impl Scheduler {
    pub fn new(queue: JobQueue) -> Self {
        Scheduler { queue }
    }

    /// Adds or replaces a schedule (the one with the same name in the same workspace, or among
    /// the global ones). A new schedule first fires at its next occurrence from now, and so
    /// does one switched back on: it does not catch up on what it missed while off.
    pub async fn upsert(&self, schedule: &Schedule) -> Result<()> {
        parse_cron(&schedule.cron)?;
        let now = crate::now_ms();
        sqlx::query(
            "INSERT INTO job_schedules (name, cron, kind, title, lane, payload, workspace_id, enabled, last_fire_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (coalesce(workspace_id, ''), name) DO UPDATE SET cron = excluded.cron, kind = excluded.kind,
                 title = excluded.title, lane = excluded.lane, payload = excluded.payload,
                 enabled = excluded.enabled, last_error = NULL,
                 last_fire_at = CASE WHEN job_schedules.enabled = 0 AND excluded.enabled = 1
                                     THEN excluded.last_fire_at ELSE job_schedules.last_fire_at END",
        )
        .bind(&schedule.name)
        .bind(&schedule.cron)
        .bind(&schedule.kind)
        .bind(&schedule.title)
        .bind(schedule.lane.as_str())
        .bind(schedule.payload.to_string())
        .bind(&schedule.workspace_id)
        .bind(schedule.enabled)
        .bind(schedule.last_fire_at.unwrap_or(now))
        .bind(now)
        .execute(self.queue.database().writer())
        .await?;
        Ok(())
    }

    /// Removes a workspace's (or, with `None`, a global) schedule; removing one that is not
    /// there is not an error.
    pub async fn remove(&self, workspace_id: Option<&str>, name: &str) -> Result<()> {
        sqlx::query("DELETE FROM job_schedules WHERE coalesce(workspace_id, '') = coalesce(?, '') AND name = ?")
            .bind(workspace_id)
            .bind(name)
            .execute(self.queue.database().writer())
            .await?;
        Ok(())
    }

    /// When a cron expression next fires after `after_ms` (unix ms, the machine's local time
    /// as [`Scheduler::tick`] reads it).
    pub fn next_fire_after(cron: &str, after_ms: i64) -> Result<Option<i64>> {
        let cron = parse_cron(cron)?;
        let Some(at) = Utc.timestamp_millis_opt(after_ms).single() else {
            return Ok(None);
        };
        let local: DateTime<Local> = Local.from_utc_datetime(&at.naive_utc());
        Ok(cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|next| next.timestamp_millis()))
    }

    pub async fn list(&self) -> Result<Vec<Schedule>> {
        let rows = sqlx::query("SELECT * FROM job_schedules ORDER BY name, workspace_id")
            .fetch_all(self.queue.database().reader())
            .await?;
        rows.iter()
            .map(|row| {
                let lane: String = row.try_get("lane")?;
                let payload: String = row.try_get("payload")?;
                Ok(Schedule {
                    name: row.try_get("name")?,
                    cron: row.try_get("cron")?,
                    kind: row.try_get("kind")?,
                    title: row.try_get("title")?,
                    lane: lane.parse().map_err(QueueError::InvalidJob)?,
                    payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
                    workspace_id: row.try_get("workspace_id")?,
                    enabled: row.try_get("enabled")?,
                    last_fire_at: row.try_get("last_fire_at")?,
                    last_error: row.try_get("last_error")?,
                })
            })
            .collect()
    }

    /// Enqueues what is due at `now_ms`, evaluating cron expressions in the machine's local time
    /// (a "2 a.m." sync means 2 a.m. where the laptop is). Returns the jobs enqueued.
    ///
    /// Each schedule stands alone: one that cannot fire (its cron expression cannot be read) is
    /// skipped and says why in its `last_error`; one whose fire meets a database error is logged
    /// and tried again at the next tick (the fire stays due, and its dedupe key keeps it from
    /// being enqueued twice). Neither keeps the others from firing. Only reading the schedules
    /// at all can fail the tick.
    pub async fn tick(&self, now_ms: i64) -> Result<Vec<Job>> {
        let mut enqueued = Vec::new();
        for schedule in self.list().await?.into_iter().filter(|s| s.enabled) {
            let cron = match parse_cron(&schedule.cron) {
                Ok(cron) => cron,
                Err(e) => {
                    tracing::warn!(schedule = %schedule.name, workspace = schedule.scope(), error = %e, "schedule cannot fire; skipped");
                    self.note_error(&schedule, Some(&e.to_string())).await;
                    continue;
                }
            };
            if schedule.last_error.is_some() {
                self.note_error(&schedule, None).await;
            }
            match self.fire_if_due(&schedule, &cron, now_ms).await {
                Ok(Some(job)) => enqueued.push(job),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(schedule = %schedule.name, workspace = schedule.scope(), error = %e, "schedule could not fire; trying again at the next tick");
                }
            }
        }
        Ok(enqueued)
    }

    async fn fire_if_due(
        &self,
        schedule: &Schedule,
        cron: &Cron,
        now_ms: i64,
    ) -> Result<Option<Job>> {
        let since = schedule.last_fire_at.unwrap_or(now_ms);
        let Some(due) = latest_fire_between(cron, since, now_ms) else {
            return Ok(None);
        };
        // The fire's own time travels in the payload (`fire_at_ms`), which nothing rewrites: a
        // job that works on "the week before" counts from when it was due, however late it
        // runs or how often it is retried.
        let mut payload = schedule.payload.clone();
        if let Value::Object(fields) = &mut payload {
            fields.insert(FIRE_AT_FIELD.to_owned(), Value::from(due));
        }
        let spec = JobSpec {
            payload,
            workspace_id: schedule.workspace_id.clone(),
            // The fire's own time (already past, so it runs at once).
            run_at: Some(due),
            ..JobSpec::new(schedule.kind.clone(), schedule.title.clone(), schedule.lane)
        }
        .dedupe_key(format!(
            "schedule:{}:{}:{due}",
            schedule.scope(),
            schedule.name
        ));
        let job = self.queue.enqueue(spec).await?;
        let noted = sqlx::query(
            "UPDATE job_schedules SET last_fire_at = ?
             WHERE name = ? AND workspace_id IS ? AND (last_fire_at IS NULL OR last_fire_at < ?)",
        )
        .bind(due)
        .bind(&schedule.name)
        .bind(&schedule.workspace_id)
        .bind(due)
        .execute(self.queue.database().writer())
        .await;
        if let Err(e) = noted {
            // The job is enqueued; the next tick finds the same fire due, and its dedupe key
            // returns this job instead of a second one.
            tracing::warn!(schedule = %schedule.name, workspace = schedule.scope(), error = %e, "could not note a schedule's fire");
        }
        tracing::info!(schedule = %schedule.name, workspace = schedule.scope(), fire_at = due, job = %job.id, "scheduled job enqueued");
        Ok(Some(job))
    }

    /// Records why a schedule cannot fire (`None` clears it). Failing to record it is only
    /// logged: it must not keep the other schedules from firing.
    async fn note_error(&self, schedule: &Schedule, error: Option<&str>) {
        let recorded = sqlx::query(
            "UPDATE job_schedules SET last_error = ?1 WHERE name = ?2 AND workspace_id IS ?3 AND last_error IS NOT ?1",
        )
        .bind(error)
        .bind(&schedule.name)
        .bind(&schedule.workspace_id)
        .execute(self.queue.database().writer())
        .await;
        if let Err(e) = recorded {
            tracing::warn!(schedule = %schedule.name, workspace = schedule.scope(), error = %e, "could not record a schedule's error");
        }
    }
}

/// The latest cron occurrence in `(after_ms, until_ms]`, if any.
///
/// Bisects on "is there an occurrence after `t`, up to `until_ms`" (true at `after_ms` when
/// there is any, false at `until_ms`), so it takes a few dozen look-ups however long the laptop
/// slept, and the answer is the latest fire, not one an arbitrary number of fires along.
fn latest_fire_between(cron: &Cron, after_ms: i64, until_ms: i64) -> Option<i64> {
    let next_after = |ms: i64| -> Option<i64> {
        let at: DateTime<Local> =
            Local.from_utc_datetime(&Utc.timestamp_millis_opt(ms).single()?.naive_utc());
        cron.find_next_occurrence(&at, false)
            .ok()
            .map(|next| next.timestamp_millis())
    };
    let fires_within = |ms: i64| next_after(ms).is_some_and(|next| next <= until_ms);
    if after_ms >= until_ms || !fires_within(after_ms) {
        return None;
    }
    // Invariant: an occurrence lies in (fires, until_ms], none in (quiet, until_ms].
    let (mut fires, mut quiet) = (after_ms, until_ms);
    // Occurrences fall on whole seconds, and a span of at most one second holds at most one: the
    // first occurrence after `fires` is then the last one up to `until_ms`.
    while quiet - fires > 1_000 {
        let middle = fires + (quiet - fires) / 2;
        if fires_within(middle) {
            fires = middle;
        } else {
            quiet = middle;
        }
    }
    next_after(fires)
}
