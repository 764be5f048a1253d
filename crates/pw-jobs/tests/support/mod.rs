//! What every job-lanes test binary needs: a real database file, fast settings, and waiting for a
//! job to reach a state.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use pw_jobs::{Job, JobHandler, JobKind, JobQueue, JobState, RetryPolicy, RunnerConfig};
use pw_store::Database;

pub async fn open(dir: &tempfile::TempDir) -> Database {
    Database::open(&dir.path().join("pw.sqlite3"))
        .await
        .unwrap()
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_millis(40),
        cap: Duration::from_millis(400),
        jitter: 0.25,
    }
}

pub fn test_config() -> RunnerConfig {
    RunnerConfig {
        lease: Duration::from_millis(600),
        heartbeat: Duration::from_millis(150),
        poll: Duration::from_millis(50),
        recovery_interval: Duration::from_millis(100),
        cancel_grace: Duration::from_millis(500),
        ..RunnerConfig::default()
    }
}

pub fn handlers(list: Vec<(&str, Arc<dyn JobHandler>)>) -> HashMap<String, Arc<dyn JobHandler>> {
    list.into_iter().map(|(k, h)| (k.to_owned(), h)).collect()
}

pub fn kinds(list: Vec<(&str, JobKind)>) -> HashMap<String, JobKind> {
    list.into_iter()
        .map(|(k, kind)| (k.to_owned(), kind))
        .collect()
}

pub async fn wait_for(queue: &JobQueue, id: &str, wanted: JobState) -> Job {
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

/// A workspace row for jobs to belong to, written with SQL of the tests' own: the rows are the
/// workspaces context's, and the job lanes sit below it.
pub async fn workspace(db: &Database, name: &str) -> String {
    let id = pw_domain::new_id();
    sqlx::query(
        "INSERT INTO workspaces (id, name, brand, currency, time_zone, is_demo, created_at, updated_at)
         VALUES (?, ?, ?, 'EUR', 'Europe/Berlin', 0, '2026-11-25T10:00:00.000Z', '2026-11-25T10:00:00.000Z')",
    )
    .bind(&id)
    .bind(name)
    .bind(name)
    .execute(db.writer())
    .await
    .unwrap();
    id
}
