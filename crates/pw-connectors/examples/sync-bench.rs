//! A sync of about a million daily metric rows from the sandbox into SQLite, over real HTTP on
//! loopback with the connector's own paging, parsing, normalisation, checkpoints and upserts,
//! side by side in the same run with the ceiling: a bare multi-row insert of the same rows into
//! a fresh database. Then how long the dashboard's queries take on the synced data, and how the
//! workspace exports and imports at that size (both streamed). Prints figures; no timed
//! assertions.
//!
//!   scripts/with-test-keyring cargo run --release -p pw-connectors --example sync-bench -- [ROWS] [PLATFORM] [PAGE]
//!
//! ROWS defaults to 1,000,000; PLATFORM is google_ads (default), meta or tiktok; PAGE caps the
//! platform's rows per answer. Every phase runs in a process of its own (this program started
//! again with `phase …`), and the sandbox in another (`serve …`), so each phase's peak memory
//! (its resident high-water mark, Linux's VmHWM) is its own and nothing else's. The connection's
//! token lives in the keychain, hence `with-test-keyring`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Days, Utc};
use pw_connectors::{
    AuthKind, ConnectionStore, Connectors, RetryPolicy, SyncObserver, TokenConnect,
};
use pw_domain::{DateRange, Platform};
use pw_jobs::JobQueue;
use pw_sandbox::{Sandbox, SandboxConfig};
use pw_secrets::{Keychain, Secret};
use pw_store::Database;
use pw_workspaces::{AdWorkspaces, CreateWorkspace};
use sqlx::QueryBuilder;
use tokio_util::sync::CancellationToken;

struct Quiet;

impl SyncObserver for Quiet {
    async fn progress(&self, _fraction: f64, _message: String) {}
}

/// This process's resident high-water mark, in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn platforms(name: &str) -> Platform {
    match name {
        "meta" => Platform::Meta,
        "tiktok" => Platform::Tiktok,
        _ => Platform::GoogleAds,
    }
}

/// One account, one campaign, 50 ad groups of 28 ads: 1,400 ads. About 1 ad-day in 12 has no
/// delivery and no row, so the history is sized to hold `rows` rows.
fn history_days(rows: u64) -> u32 {
    (rows * 12).div_ceil(11 * 50 * 28) as u32
}

fn arg(args: &[String], index: usize) -> &str {
    args.get(index).map_or("", String::as_str)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match arg(&args, 1) {
        "serve" => serve(arg(&args, 2).parse().unwrap(), arg(&args, 3).parse().ok()).await,
        "phase" => phase(&args[2..]).await,
        _ => orchestrate(&args).await,
    }
}

/// Runs this program again with `args`; its last line of output.
fn child(args: &[&str]) -> String {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(output.status.success(), "phase {args:?} failed");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

async fn orchestrate(args: &[String]) {
    let rows: u64 = arg(args, 1).parse().unwrap_or(1_000_000);
    let platform = if arg(args, 2).is_empty() {
        "google_ads"
    } else {
        arg(args, 2)
    };
    let page = arg(args, 3).to_owned();
    let days = history_days(rows);
    let mut server = Command::new(std::env::current_exe().unwrap())
        .args(["serve", &days.to_string(), &page])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let base_url = first_line.trim().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let synced = dir.path().join("synced.sqlite3");
    let synced_text = synced.to_string_lossy().into_owned();
    println!(
        "{rows} rows wanted: {days} days × 1,400 ads from the {platform} sandbox{}",
        if page.is_empty() {
            String::new()
        } else {
            format!(", pages of {page}")
        }
    );
    let sync = child(&[
        "phase",
        "sync",
        &synced_text,
        &base_url,
        platform,
        &days.to_string(),
    ]);
    println!("{sync}");
    let bare = child(&[
        "phase",
        "bare",
        &synced_text,
        &dir.path().join("bare.sqlite3").to_string_lossy(),
    ]);
    println!("{bare}");
    let (sync_rate, bare_rate) = (rate(&sync), rate(&bare));
    println!(
        "sync / ceiling: {:.2} (goal at least 0.33); sync peak {} (goal under 300 MiB)",
        sync_rate / bare_rate,
        field(&sync, "peak")
    );
    println!(
        "{}",
        child(&["phase", "dashboard", &synced_text, &days.to_string()])
    );
    let file = dir.path().join("bench.pwx").to_string_lossy().into_owned();
    println!("{}", child(&["phase", "export", &synced_text, &file]));
    println!(
        "{}",
        child(&[
            "phase",
            "import",
            &file,
            &dir.path().join("imported.sqlite3").to_string_lossy()
        ])
    );
    let _ = server.kill();
    let _ = server.wait();
}

/// The `N rows/s` figure of a phase's line.
fn rate(line: &str) -> f64 {
    line.split(" rows/s")
        .next()
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(f64::NAN)
}

/// The text after `name ` in a phase's line, to the next comma.
fn field<'a>(line: &'a str, name: &str) -> &'a str {
    line.split(&format!("{name} "))
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or("?")
}

fn sandbox_config(days: u32, page: Option<u32>) -> SandboxConfig {
    SandboxConfig {
        seed: 3,
        // Data through today, so "yesterday" in any zone has some.
        today: Utc::now().date_naive() + Days::new(1),
        days: days + 1,
        accounts_per_platform: 1,
        campaigns_per_account: 1,
        ad_groups_per_campaign: 50,
        ads_per_ad_group: 28,
        page_size_cap: page,
        slow_response: Duration::from_secs(30),
    }
}

/// The sandbox alone: prints its address, serves until killed.
async fn serve(days: u32, page: Option<u32>) {
    let running = Sandbox::new(sandbox_config(days, page))
        .start(0)
        .await
        .unwrap();
    println!("{}", running.base_url);
    std::future::pending::<()>().await;
}

async fn phase(args: &[String]) {
    match arg(args, 0) {
        "sync" => {
            sync(
                Path::new(arg(args, 1)),
                arg(args, 2),
                arg(args, 3),
                arg(args, 4).parse().unwrap(),
            )
            .await
        }
        "bare" => bare(Path::new(arg(args, 1)), Path::new(arg(args, 2))).await,
        "dashboard" => dashboard(Path::new(arg(args, 1)), arg(args, 2).parse().unwrap()).await,
        "export" => export(Path::new(arg(args, 1)), Path::new(arg(args, 2))).await,
        "import" => import(Path::new(arg(args, 1)), Path::new(arg(args, 2))).await,
        other => panic!("no phase {other}"),
    }
}

async fn sync(path: &Path, base_url: &str, platform: &str, days: u32) {
    let platform = platforms(platform);
    let db = Database::open(path).await.unwrap();
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
    let workspace = AdWorkspaces::new(db.clone(), PathBuf::from("exports"))
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
    let token: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "{base_url}/_sandbox/tokens?platform={}",
            platform.as_str()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let view = connectors
        .connect(TokenConnect {
            workspace_id: workspace,
            platform,
            access_token: Secret::new(token["access_token"].as_str().unwrap().to_owned()),
            refresh_token: None,
            expires_in: None,
            label: None,
            api_root: Some(base_url.to_owned()),
            client_id: Some("bench".into()),
            client_secret: Some(Secret::new("bench")),
            developer_token: Some(Secret::new("bench")),
            auth_kind: AuthKind::Token,
        })
        .await
        .unwrap();
    let from = Utc::now().date_naive() - Days::new(u64::from(days));
    let started = Instant::now();
    let run = connectors
        .start_sync(&view.connection.id, Some(from), false)
        .await
        .unwrap();
    let report = connectors
        .run_sync(&run.id, &Quiet, CancellationToken::new())
        .await
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM daily_metrics")
        .fetch_one(db.reader())
        .await
        .unwrap();
    db.close().await;
    println!(
        "sync ({:?}): {rows} daily rows at every level in {seconds:.1} s: {:.0} rows/s, peak {:.0} MiB",
        report.status,
        rows as f64 / seconds,
        peak_mib()
    );
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    f64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// The ceiling: the same rows, read into memory first, inserted with multi-row statements of
/// 400 rows in transactions of 10,000 into a fresh database (no HTTP, no parsing, no upserts).
async fn bare(synced: &Path, target: &Path) {
    let source = Database::open(synced).await.unwrap();
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT workspace_id, level, entity_id, date, platform, currency, impressions, clicks, spend_micros,
         conversions, conversion_value_micros, reach, video_views FROM daily_metrics",
    )
    .fetch_all(source.reader())
    .await
    .unwrap();
    source.close().await;
    let bare = Database::open(target).await.unwrap();
    {
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
                    .push_bind(&r.5)
                    .push_bind(r.6)
                    .push_bind(r.7)
                    .push_bind(r.8)
                    .push_bind(r.9)
                    .push_bind(r.10)
                    .push_bind(r.11)
                    .push_bind(r.12);
            });
            q.build().execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    bare.close().await;
    println!(
        "bare multi-row insert of the same {} rows: {seconds:.1} s: {:.0} rows/s, peak {:.0} MiB (the rows held in memory)",
        rows.len(),
        rows.len() as f64 / seconds,
        peak_mib()
    );
}

async fn dashboard(path: &Path, days: u32) {
    let db = Database::open(path).await.unwrap();
    let workspaces = AdWorkspaces::new(db.clone(), PathBuf::from("exports"));
    let workspace = workspaces.list().await.unwrap()[0].workspace.id;
    let today = Utc::now().date_naive();
    let whole = DateRange::new(today - Days::new(u64::from(days)), today).unwrap();
    let mut lines = Vec::new();
    for (name, range) in [
        ("its last 30 days", None),
        ("the whole history", Some(whole)),
    ] {
        let mut times = Vec::new();
        for _ in 0..5 {
            let one = Instant::now();
            workspaces.dashboard(workspace, range).await.unwrap();
            times.push(one.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        lines.push(format!(
            "{name} median {:.0} ms (slowest {:.0} ms)",
            times[2], times[4]
        ));
    }
    // The dashboard reads campaign rows; an ad-level question reads the million.
    let one = Instant::now();
    let _: (i64, i64) = sqlx::query_as(
        "SELECT count(*), sum(spend_micros) FROM daily_metrics WHERE level = 'ad' AND date >= ?",
    )
    .bind((today - Days::new(30)).to_string())
    .fetch_one(db.reader())
    .await
    .unwrap();
    lines.push(format!(
        "ad-level totals of the last 30 days {:.0} ms",
        one.elapsed().as_secs_f64() * 1000.0
    ));
    db.close().await;
    println!("dashboard over 5 reads: {}", lines.join("; "));
}

async fn export(path: &Path, file: &Path) {
    let db = Database::open(path).await.unwrap();
    let workspace = AdWorkspaces::new(db.clone(), PathBuf::from("exports"))
        .list()
        .await
        .unwrap()[0]
        .workspace
        .id;
    let started = Instant::now();
    let exported = db
        .export_workspace_to(workspace, file, |_| {})
        .await
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    db.close().await;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!(
        "export (streamed): {} rows in {seconds:.1} s: {:.0} rows/s, {:.1} MiB file, peak {:.0} MiB",
        exported.rows,
        exported.rows as f64 / seconds,
        size as f64 / (1024.0 * 1024.0),
        peak_mib()
    );
}

async fn import(file: &Path, path: &Path) {
    let db = Database::open(path).await.unwrap();
    let started = Instant::now();
    db.import_workspace_from(file).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM daily_metrics")
        .fetch_one(db.reader())
        .await
        .unwrap();
    db.close().await;
    println!(
        "import (streamed): {rows} daily rows in {seconds:.1} s: {:.0} rows/s, peak {:.0} MiB",
        rows as f64 / seconds,
        peak_mib()
    );
}
