//! A sync of about a million daily metric rows from the sandbox into SQLite, over real HTTP on
//! loopback with the connector's own paging, parsing, normalisation, checkpoints and upserts,
//! side by side in the same run with the ceiling: a bare multi-row insert of the same rows into
//! a fresh database. Prints rows per second and peak memory of each, the ratio, and how long the
//! dashboard's queries take on the synced data. No timed assertions.
//!
//! Runs with a keychain (the connection's token lives there):
//!   scripts/with-test-keyring cargo run --release -p pw-connectors --example sync-bench -- 1000000
//! Peak memory is the process's resident high-water mark, reset before each phase
//! (`/proc/self/clear_refs`), so Linux only; the sandbox serves from the same process and is
//! counted in the sync's figure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use chrono::{Days, Utc};
use pw_connectors::{
    AuthKind, ConnectionStore, Connectors, RetryPolicy, SyncObserver, TokenConnect,
};
use pw_domain::Platform;
use pw_jobs::JobQueue;
use pw_sandbox::{Sandbox, SandboxConfig, SandboxPlatform};
use pw_secrets::{Keychain, Secret};
use pw_store::Database;
use pw_workspaces::{AdWorkspaces, CreateWorkspace};
use sqlx::QueryBuilder;
use tokio_util::sync::CancellationToken;

struct Quiet;

impl SyncObserver for Quiet {
    async fn progress(&self, _fraction: f64, _message: String) {}
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The resident set now, in MiB.
fn resident_mib() -> f64 {
    status_mib("VmRSS:")
}

/// The resident high-water mark since the last reset, in MiB.
fn peak_mib() -> f64 {
    status_mib("VmHWM:")
}

fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    f64,
    i64,
    Option<i64>,
    Option<i64>,
);

#[tokio::main]
async fn main() {
    let wanted: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let platform = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "google_ads".into());
    let (platform, sandbox_platform) = match platform.as_str() {
        "meta" => (Platform::Meta, SandboxPlatform::Meta),
        "tiktok" => (Platform::Tiktok, SandboxPlatform::Tiktok),
        _ => (Platform::GoogleAds, SandboxPlatform::GoogleAds),
    };
    // One account, one campaign, 50 ad groups of 28 ads: 1,400 ads. About 1 ad-day in 12 has
    // no delivery and no row, so the history is sized to hold `wanted` rows.
    let ads: u64 = 50 * 28;
    let days = (wanted * 12).div_ceil(11 * ads) as u32;
    let today = Utc::now().date_naive();
    let sandbox = Sandbox::new(SandboxConfig {
        seed: 3,
        today: today + Days::new(1),
        days: days + 1,
        accounts_per_platform: 1,
        campaigns_per_account: 1,
        ad_groups_per_campaign: 50,
        ads_per_ad_group: 28,
        page_size_cap: None,
        slow_response: Duration::from_secs(30),
    });
    let server = sandbox.clone().start(0).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("synced.sqlite3"))
        .await
        .unwrap();
    let keychain = Keychain::with_service(format!("ProfitWheel-sync-bench-{}", std::process::id()));
    let policy = RetryPolicy {
        requests_per_minute: Some(1_000_000),
        poll_interval: Duration::from_millis(20),
        ..RetryPolicy::default()
    };
    let connectors = Connectors::new(
        ConnectionStore::new(db.clone()),
        JobQueue::new(db.clone()),
        keychain,
        policy,
    );
    let workspaces = AdWorkspaces::new(db.clone(), dir.path().join("exports"));
    let workspace = workspaces
        .create(CreateWorkspace {
            name: "Bench".into(),
            brand: "Bench".into(),
            currency: "USD".into(),
            time_zone: "America/Los_Angeles".into(),
        })
        .await
        .unwrap()
        .workspace
        .id;
    let view = connectors
        .connect(TokenConnect {
            workspace_id: workspace,
            platform,
            access_token: Secret::new(sandbox.issue_token(sandbox_platform)),
            refresh_token: None,
            expires_in: None,
            label: None,
            api_root: Some(server.base_url.clone()),
            client_id: Some("bench".into()),
            client_secret: Some(Secret::new("bench")),
            developer_token: Some(Secret::new("bench")),
            auth_kind: AuthKind::Token,
        })
        .await
        .unwrap();
    let from = today - Days::new(u64::from(days));

    println!(
        "before the sync the process holds {:.0} MiB",
        resident_mib()
    );
    reset_peak();
    let started = Instant::now();
    let run = connectors
        .start_sync(&view.connection.id, Some(from), false)
        .await
        .unwrap();
    let report = connectors
        .run_sync(&run.id, &Quiet, CancellationToken::new())
        .await
        .unwrap();
    let sync_seconds = started.elapsed().as_secs_f64();
    let sync_peak = peak_mib();
    let ad_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM daily_metrics WHERE level = 'ad'")
        .fetch_one(db.reader())
        .await
        .unwrap();
    let all_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM daily_metrics")
        .fetch_one(db.reader())
        .await
        .unwrap();
    println!(
        "sync of {} ({:?}): {}",
        platform.display_name(),
        report.status,
        report.headline
    );
    println!(
        "  {all_rows} daily rows ({ad_rows} by ad) in {sync_seconds:.1} s: {:.0} rows/s, peak {sync_peak:.0} MiB",
        all_rows as f64 / sync_seconds
    );

    // The ceiling: the same rows, already in memory, inserted with multi-row statements into
    // a fresh database in transactions of 10,000.
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT workspace_id, level, entity_id, date, platform, impressions, clicks, spend_micros, conversions,
         conversion_value_micros, reach, video_views FROM daily_metrics",
    )
    .fetch_all(db.reader())
    .await
    .unwrap();
    let bare = Database::open(&dir.path().join("bare.sqlite3"))
        .await
        .unwrap();
    workspaces_row(&bare, &dir.path().join("synced.sqlite3")).await;
    reset_peak();
    let started = Instant::now();
    for transaction in rows.chunks(10_000) {
        let mut tx = bare.begin_write().await.unwrap();
        for statement in transaction.chunks(400) {
            let mut q = QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO daily_metrics (workspace_id, level, entity_id, date, platform, currency, impressions, clicks,
                 spend_micros, conversions, conversion_value_micros, reach, video_views) ",
            );
            q.push_values(statement, |mut b, r| {
                b.push_bind(&r.0)
                    .push_bind(&r.1)
                    .push_bind(&r.2)
                    .push_bind(&r.3)
                    .push_bind(&r.4)
                    .push_bind("USD")
                    .push_bind(r.5)
                    .push_bind(r.6)
                    .push_bind(r.7)
                    .push_bind(r.8)
                    .push_bind(r.9)
                    .push_bind(r.10)
                    .push_bind(r.11);
            });
            q.build().execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let bare_seconds = started.elapsed().as_secs_f64();
    let bare_peak = peak_mib();
    println!(
        "bare multi-row insert of the same {} rows: {bare_seconds:.1} s: {:.0} rows/s, peak {bare_peak:.0} MiB (the rows held in memory)",
        rows.len(),
        rows.len() as f64 / bare_seconds
    );
    println!(
        "sync / ceiling: {:.2} (goal at least 0.33); sync peak {sync_peak:.0} MiB (goal under 300)",
        bare_seconds / sync_seconds
    );
    drop(rows);

    // The dashboard on the synced data: its default period (the last 30 days of data) and the
    // whole history.
    for (name, range) in [
        ("last 30 days", None),
        (
            "whole history",
            Some(pw_domain::DateRange::new(from, today).unwrap()),
        ),
    ] {
        let started = Instant::now();
        let mut times = Vec::new();
        for _ in 0..5 {
            let one = Instant::now();
            workspaces.dashboard(workspace, range).await.unwrap();
            times.push(one.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "dashboard ({name}): median {:.0} ms, slowest {:.0} ms over 5 reads ({:.1} s in all)",
            times[2],
            times[4],
            started.elapsed().as_secs_f64()
        );
    }
    server.shutdown().await;
}

/// The bare database needs the workspace row the metrics belong to: copied as it is.
async fn workspaces_row(bare: &Database, synced: &std::path::Path) {
    let mut conn = bare.writer().acquire().await.unwrap();
    sqlx::query("ATTACH DATABASE ? AS synced")
        .bind(synced.to_string_lossy().into_owned())
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("INSERT INTO workspaces SELECT * FROM synced.workspaces")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("DETACH DATABASE synced")
        .execute(&mut *conn)
        .await
        .unwrap();
}
