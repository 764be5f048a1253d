//! Durable job lanes on SQLite: the desktop replacement for Redis + RQ (fast, default and slow
//! queues) and the cron dispatcher.
//!
//! * [`JobQueue`] is the durable part: enqueue, claim with a lease, heartbeat, finish, retry with
//!   exponential backoff and jitter, cancel, and list. It is plain SQL over the store's single
//!   writer, so enqueueing can share a transaction with the rows a job is about.
//! * [`JobRunner`] drains the lanes, each with its own concurrency, supervises each attempt as
//!   its [`JobKind`] declares ([`Supervision`]: a timeout, or liveness by progress for long
//!   work), renews leases while a job runs and recovers jobs whose process died (expired lease).
//!   Every claim is an attempt with its own token that fences all of its writes.
//! * [`Scheduler`] turns cron expressions into jobs, at most once per fire, and after a sleep
//!   enqueues one catch-up run instead of a burst.
//!
//! This crate knows nothing about what jobs do: handlers are registered by kind.

mod error;
mod kind;
mod model;
mod queue;
mod runner;
mod schedule;

pub use error::{JobError, QueueError};
pub use kind::{JobKind, Supervision};
pub use model::{Job, JobEvent, JobSpec, JobState, Lane};
pub use queue::{JobQueue, Lease, RetryPolicy};
pub use runner::{JobContext, JobHandler, JobRunner, RunnerConfig};
pub use schedule::{FIRE_AT_FIELD, Schedule, Scheduler};

/// Milliseconds since the Unix epoch, UTC: the queue's clock.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
