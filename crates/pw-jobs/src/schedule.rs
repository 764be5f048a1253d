//! Recurring jobs from cron expressions (a nightly sync per connection, a weekly report).
//!
//! Each fire is enqueued with the dedupe key `schedule:<name>:<fire ms>`, so two ticks, two app
//! instances or a crash between enqueue and bookkeeping never enqueue a fire twice. After the
//! laptop slept through several fires, one catch-up job runs (for the latest missed fire), not
//! one per missed fire: a sync that missed three nights needs to run once.

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
}

fn parse_cron(expression: &str) -> Result<Cron> {
    Cron::new(expression)
        .parse()
        .map_err(|e| QueueError::InvalidCron {
            expression: expression.to_owned(),
            detail: e.to_string(),
        })
}

#[derive(Clone)]
pub struct Scheduler {
    queue: JobQueue,
}

impl Scheduler {
    pub fn new(queue: JobQueue) -> Self {
        Scheduler { queue }
    }

    /// Adds or replaces a schedule. A new schedule first fires at its next occurrence from now.
    pub async fn upsert(&self, schedule: &Schedule) -> Result<()> {
        parse_cron(&schedule.cron)?;
        let now = crate::now_ms();
        sqlx::query(
            "INSERT INTO job_schedules (name, cron, kind, title, lane, payload, workspace_id, enabled, last_fire_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET cron = excluded.cron, kind = excluded.kind, title = excluded.title,
                 lane = excluded.lane, payload = excluded.payload, workspace_id = excluded.workspace_id,
                 enabled = excluded.enabled",
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

    pub async fn list(&self) -> Result<Vec<Schedule>> {
        let rows = sqlx::query("SELECT * FROM job_schedules ORDER BY name")
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
                })
            })
            .collect()
    }

    /// Enqueues what is due at `now_ms`, evaluating cron expressions in the machine's local time
    /// (a "2 a.m." sync means 2 a.m. where the laptop is). Returns the jobs enqueued.
    pub async fn tick(&self, now_ms: i64) -> Result<Vec<Job>> {
        let mut enqueued = Vec::new();
        for schedule in self.list().await?.into_iter().filter(|s| s.enabled) {
            let cron = parse_cron(&schedule.cron)?;
            let since = schedule.last_fire_at.unwrap_or(now_ms);
            let Some(due) = latest_fire_between(&cron, since, now_ms) else {
                continue;
            };
            let spec = JobSpec {
                payload: schedule.payload.clone(),
                workspace_id: schedule.workspace_id.clone(),
                ..JobSpec::new(schedule.kind.clone(), schedule.title.clone(), schedule.lane)
            }
            .dedupe_key(format!("schedule:{}:{due}", schedule.name));
            let job = self.queue.enqueue(spec).await?;
            sqlx::query("UPDATE job_schedules SET last_fire_at = ? WHERE name = ? AND (last_fire_at IS NULL OR last_fire_at < ?)")
                .bind(due)
                .bind(&schedule.name)
                .bind(due)
                .execute(self.queue.database().writer())
                .await?;
            tracing::info!(schedule = %schedule.name, fire_at = due, job = %job.id, "scheduled job enqueued");
            enqueued.push(job);
        }
        Ok(enqueued)
    }
}

/// The latest cron occurrence in `(after_ms, until_ms]`, if any.
fn latest_fire_between(cron: &Cron, after_ms: i64, until_ms: i64) -> Option<i64> {
    let after: DateTime<Local> =
        Local.from_utc_datetime(&Utc.timestamp_millis_opt(after_ms).single()?.naive_utc());
    let mut latest = None;
    // Walk forward; bounded so a every-minute schedule after a month asleep stays cheap.
    for (count, occurrence) in cron.iter_after(after).enumerate() {
        let at = occurrence.timestamp_millis();
        if at > until_ms || count > 100_000 {
            break;
        }
        latest = Some(at);
    }
    latest
}
