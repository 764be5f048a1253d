//! Syncs against the sandbox over real loopback HTTP, per platform: paging to the end, totals
//! equal to what the platform holds, incremental re-syncs that update without duplicating,
//! each platform's rate-limit form, 5xx and timeouts, malformed pages, dead tokens, and a sync
//! killed mid-way that resumes without duplicates.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use pw_connectors::{
    AuthKind, ConnectionStatus, ConnectionStore, Connectors, RetryPolicy, RunStatus, SignInConnect,
    StreamState, SyncObserver, SyncReport, TokenConnect,
};
use pw_domain::{Platform, WorkspaceId};
use pw_jobs::JobQueue;
use pw_sandbox::{Fault, FaultKind, Level, Sandbox, SandboxConfig, SandboxPlatform};
use pw_secrets::{Keychain, Secret};
use pw_store::Database;
use pw_workspaces::{AdWorkspaces, CreateWorkspace};
use tokio_util::sync::CancellationToken;

fn june(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, day).unwrap()
}

fn may(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, day).unwrap()
}

/// Noon UTC on 1 June: yesterday is 31 May in Los Angeles and in Berlin alike.
fn noon_june_first() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

struct Quiet;

impl SyncObserver for Quiet {
    async fn progress(&self, _fraction: f64, _message: String) {}
}

/// Cancels its token the first time a report window is stored.
struct StopAfterFirstWindow(CancellationToken, AtomicBool);

impl SyncObserver for StopAfterFirstWindow {
    async fn progress(&self, _fraction: f64, message: String) {
        if message.contains("through") && !self.1.swap(true, Ordering::SeqCst) {
            self.0.cancel();
        }
    }
}

/// Signals the first time a report window is stored.
struct KillSwitch(Arc<tokio::sync::Notify>);

impl SyncObserver for KillSwitch {
    async fn progress(&self, _fraction: f64, message: String) {
        if message.contains("through") {
            self.0.notify_one();
        }
    }
}

struct World {
    _dir: tempfile::TempDir,
    db: Database,
    sandbox: Sandbox,
    base_url: String,
    _server: pw_sandbox::RunningSandbox,
    connectors: Arc<Connectors>,
    store: ConnectionStore,
    workspace: WorkspaceId,
}

fn sandbox_platform(platform: Platform) -> SandboxPlatform {
    match platform {
        Platform::Meta => SandboxPlatform::Meta,
        Platform::GoogleAds => SandboxPlatform::GoogleAds,
        Platform::Tiktok => SandboxPlatform::Tiktok,
        other => panic!("no sandbox for {other:?}"),
    }
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("profitwheel.sqlite3"))
        .await
        .unwrap();
    let sandbox = Sandbox::new(SandboxConfig {
        seed: 11,
        today: june(1),
        days: 40,
        page_size_cap: Some(7),
        slow_response: Duration::from_secs(3),
        ..SandboxConfig::default()
    });
    let server = sandbox.clone().start(0).await.unwrap();
    let store = ConnectionStore::new(db.clone());
    let policy = RetryPolicy {
        attempts: 4,
        rate_limit_attempts: 4,
        base_backoff: Duration::from_millis(20),
        longest_wait: Duration::from_secs(5),
        request_timeout: Duration::from_millis(800),
        poll_interval: Duration::from_millis(10),
        report_deadline: Duration::from_secs(20),
        requests_per_minute: Some(1_000_000),
    };
    let keychain = Keychain::with_service(format!(
        "ProfitWheel-connectors-test-{}",
        pw_domain::new_id()
    ));
    let connectors = Connectors::with_clock(
        store.clone(),
        JobQueue::new(db.clone()),
        keychain,
        policy,
        noon_june_first,
    );
    let workspace = AdWorkspaces::new(db.clone(), dir.path().join("exports"))
        .create(CreateWorkspace {
            name: "Sandbox brand".into(),
            brand: "Sandbox".into(),
            currency: "USD".into(),
            time_zone: "America/Los_Angeles".into(),
        })
        .await
        .unwrap()
        .workspace
        .id;
    World {
        base_url: server.base_url.clone(),
        _server: server,
        _dir: dir,
        db,
        sandbox,
        connectors,
        store,
        workspace,
    }
}

impl World {
    async fn connect(&self, platform: Platform) -> String {
        let token = self.sandbox.issue_token(sandbox_platform(platform));
        let view = self
            .connectors
            .connect(TokenConnect {
                workspace_id: self.workspace,
                platform,
                access_token: Secret::new(token),
                refresh_token: None,
                expires_in: None,
                label: None,
                api_root: Some(self.base_url.clone()),
                client_id: Some("sandbox-app".into()),
                client_secret: Some(Secret::new("sandbox-secret")),
                developer_token: Some(Secret::new("sandbox-developer-token")),
                auth_kind: AuthKind::Token,
            })
            .await
            .unwrap();
        assert_eq!(
            view.accounts.len(),
            2,
            "the sandbox has two accounts per platform"
        );
        view.connection.id
    }

    async fn sync(&self, connection: &str) -> SyncReport {
        let run = self
            .connectors
            .start_sync(connection, Some(may(1)), false)
            .await
            .unwrap();
        self.connectors
            .run_sync(&run.id, &Quiet, CancellationToken::new())
            .await
            .unwrap()
    }

    /// Rows, impressions, clicks and spend stored for a platform at a level in May.
    async fn stored(&self, platform: Platform, level: &str) -> (i64, i64, i64, i64) {
        sqlx::query_as(
            "SELECT count(*), coalesce(sum(impressions), 0), coalesce(sum(clicks), 0), coalesce(sum(spend_micros), 0)
             FROM daily_metrics WHERE workspace_id = ? AND platform = ? AND level = ? AND date BETWEEN '2026-05-01' AND '2026-05-31'",
        )
        .bind(self.workspace.to_string())
        .bind(platform.as_str())
        .bind(level)
        .fetch_one(self.db.reader())
        .await
        .unwrap()
    }

    async fn assert_matches_platform(&self, platform: Platform) {
        for (level, name) in [
            (Level::Account, "account"),
            (Level::Campaign, "campaign"),
            (Level::AdGroup, "ad_group"),
            (Level::Ad, "ad"),
        ] {
            let truth = self
                .sandbox
                .truth(sandbox_platform(platform), level, may(1), may(31));
            let (rows, impressions, clicks, spend) = self.stored(platform, name).await;
            assert!(truth.rows > 0, "{platform:?} {name}: the sandbox has data");
            assert_eq!(
                (rows as u64, impressions, clicks, spend),
                (
                    truth.rows,
                    truth.impressions,
                    truth.clicks,
                    truth.spend_micros
                ),
                "{platform:?} at {name} level: stored equals what the platform holds"
            );
        }
    }

    async fn entity_count(&self, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {table} WHERE workspace_id = ?"
        )))
        .bind(self.workspace.to_string())
        .fetch_one(self.db.reader())
        .await
        .unwrap()
    }
}

const PLATFORMS: [Platform; 3] = [Platform::Meta, Platform::GoogleAds, Platform::Tiktok];

#[tokio::test]
async fn every_platform_syncs_to_the_end_and_matches_what_it_holds() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        assert_eq!(report.issues, 0, "{platform:?}: {report:#?}");
        world.assert_matches_platform(platform).await;
    }
    // 3 platforms × 2 accounts × 3 campaigns × 2 ad groups × 2 ads.
    assert_eq!(world.entity_count("campaigns").await, 18);
    assert_eq!(world.entity_count("ad_groups").await, 36);
    assert_eq!(world.entity_count("ads").await, 72);
    let linked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ad_accounts WHERE connection_id IS NOT NULL")
            .fetch_one(world.db.reader())
            .await
            .unwrap();
    assert_eq!(linked, 6);
}

#[tokio::test]
async fn a_second_sync_updates_what_changed_and_duplicates_nothing() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        world.sync(&connection).await;
        let campaigns_before = world.entity_count("campaigns").await;
        let names_before: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM campaigns WHERE platform = ? ORDER BY external_id",
        )
        .bind(platform.as_str())
        .fetch_all(world.db.reader())
        .await
        .unwrap();
        world.sandbox.revise();
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        assert_eq!(
            world.entity_count("campaigns").await,
            campaigns_before,
            "no campaign twice"
        );
        let names_after: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM campaigns WHERE platform = ? ORDER BY external_id",
        )
        .bind(platform.as_str())
        .fetch_all(world.db.reader())
        .await
        .unwrap();
        assert_ne!(
            names_before, names_after,
            "{platform:?}: the renamed campaign was updated"
        );
        // The restated last days now hold the platform's new figures, and nothing twice.
        world.assert_matches_platform(platform).await;
    }
}

#[tokio::test]
async fn rate_limits_in_each_platforms_own_form_are_waited_out() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        world.sandbox.add_fault(Fault {
            platform: sandbox_platform(platform),
            kind: FaultKind::RateLimit,
            path_contains: None,
            times: 3,
        });
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        world.assert_matches_platform(platform).await;
    }
}

#[tokio::test]
async fn server_errors_and_timeouts_are_retried() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        // Each fault answers one request; a request gets four attempts.
        for kind in [
            FaultKind::ServerError,
            FaultKind::Timeout,
            FaultKind::ServerError,
        ] {
            world.sandbox.add_fault(Fault {
                platform: sandbox_platform(platform),
                kind,
                path_contains: None,
                times: 1,
            });
        }
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        world.assert_matches_platform(platform).await;
    }
}

#[tokio::test]
async fn a_malformed_page_fails_its_stream_and_the_others_finish() {
    let world = world().await;
    for (platform, path) in [
        (Platform::Meta, "adsets"),
        (Platform::GoogleAds, "googleAds:search"),
        (Platform::Tiktok, "adgroup/get"),
    ] {
        let connection = world.connect(platform).await;
        world.sandbox.add_fault(Fault {
            platform: sandbox_platform(platform),
            kind: FaultKind::Malformed,
            path_contains: Some(path.into()),
            // Every attempt at one page: asking again does not help. Google's queries all go to
            // one path, the account list's too: its two attempts fail (the known accounts are
            // synced), then the first page of the first stream.
            times: if platform == Platform::GoogleAds {
                4
            } else {
                10
            },
        });
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Partial,
            "{platform:?}: {report:#?}"
        );
        let failed: Vec<_> = report
            .streams
            .iter()
            .filter(|s| s.state == StreamState::Failed)
            .collect();
        assert!(!failed.is_empty(), "{platform:?}");
        for stream in &failed {
            let problem = stream.problem.as_ref().unwrap();
            assert_eq!(problem.kind, "malformed", "{platform:?}: {problem:?}");
            assert!(
                problem.message.contains("could not read"),
                "{}",
                problem.message
            );
        }
        assert!(
            report
                .streams
                .iter()
                .filter(|s| s.state == StreamState::Done)
                .count()
                > failed.len()
        );
        assert!(!report.actions.is_empty());
        if platform == Platform::GoogleAds {
            assert_eq!(
                report.accounts_problem.as_ref().map(|p| p.kind.as_str()),
                Some("malformed")
            );
        }
    }
}

#[tokio::test]
async fn a_dead_token_asks_for_reconnecting_instead_of_failing_again_and_again() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        world.sandbox.add_fault(Fault {
            platform: sandbox_platform(platform),
            kind: FaultKind::RevokedToken,
            path_contains: None,
            times: 1,
        });
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Failed,
            "{platform:?}: {report:#?}"
        );
        assert!(
            report.actions.iter().any(|a| a.starts_with("Reconnect")),
            "{:?}",
            report.actions
        );
        let stored = world.store.connection(&connection).await.unwrap();
        assert_eq!(stored.status, ConnectionStatus::NeedsReauth);
        // The next sync says so at once, without asking the platform.
        let before = world.sandbox.request_count("");
        let again = world.sync(&connection).await;
        assert_eq!(again.status, RunStatus::Failed);
        assert_eq!(
            world.sandbox.request_count(""),
            before,
            "no request with a dead token"
        );
    }
}

#[tokio::test]
async fn a_sync_stopped_mid_way_resumes_without_duplicates() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        let run = world
            .connectors
            .start_sync(&connection, Some(may(1)), false)
            .await
            .unwrap();
        let cancel = CancellationToken::new();
        let stopper = StopAfterFirstWindow(cancel.clone(), AtomicBool::new(false));
        let stopped = world
            .connectors
            .run_sync(&run.id, &stopper, cancel)
            .await
            .unwrap();
        assert_eq!(
            stopped.status,
            RunStatus::Cancelled,
            "{platform:?}: {stopped:#?}"
        );
        let (partial_rows, ..) = world.stored(platform, "account").await;
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        world.assert_matches_platform(platform).await;
        assert!(
            partial_rows > 0,
            "{platform:?}: the first run stored a window before it stopped"
        );
    }
}

#[tokio::test]
async fn a_run_killed_mid_way_continues_from_its_checkpoint() {
    let world = world().await;
    let connection = world.connect(Platform::Meta).await;
    let run = world
        .connectors
        .start_sync(&connection, Some(may(1)), false)
        .await
        .unwrap();
    // The process dies while the run is under way: its future is dropped (no cancellation,
    // no clean-up) once the first report window is stored.
    let killed = Arc::new(tokio::sync::Notify::new());
    let switch = KillSwitch(killed.clone());
    tokio::select! {
        _ = world.connectors.run_sync(&run.id, &switch, CancellationToken::new()) => panic!("the sync ended before it was killed"),
        () = killed.notified() => {}
    }
    let interrupted = world.connectors.run(&run.id).await.unwrap();
    assert_eq!(interrupted.status, RunStatus::Running);
    let done_before: Vec<(String, String)> = interrupted
        .streams
        .iter()
        .filter(|s| s.state == StreamState::Done)
        .map(|s| (s.account.clone(), s.stream.clone()))
        .collect();
    let first_account = &interrupted.streams[0].account;
    let campaigns_path = format!("act_{first_account}/campaigns");
    let campaigns_listed = world.sandbox.request_count(&campaigns_path);
    // Starting again continues the same run.
    let resumed = world
        .connectors
        .start_sync(&connection, Some(may(1)), false)
        .await
        .unwrap();
    assert_eq!(resumed.id, run.id);
    let report = world
        .connectors
        .run_sync(&run.id, &Quiet, CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    world.assert_matches_platform(Platform::Meta).await;
    assert!(
        !done_before.is_empty(),
        "the run was killed after it had stored something"
    );
    if done_before.contains(&(first_account.clone(), "campaigns".to_owned())) {
        assert_eq!(
            world.sandbox.request_count(&campaigns_path),
            campaigns_listed,
            "finished streams are not read again"
        );
    }
}

#[tokio::test]
async fn google_sign_in_with_pkce_connects_and_an_expired_token_is_refreshed() {
    let world = world().await;
    let started = world
        .connectors
        .begin_sign_in(SignInConnect {
            workspace_id: world.workspace,
            platform: Platform::GoogleAds,
            client_id: "sandbox-desktop-client".into(),
            client_secret: Some(Secret::new("sandbox-desktop-secret")),
            developer_token: Some(Secret::new("sandbox-developer-token")),
            api_root: Some(world.base_url.clone()),
            label: None,
        })
        .await
        .unwrap();
    assert!(
        started.authorize_url.contains("code_challenge_method=S256"),
        "{}",
        started.authorize_url
    );
    // The system browser: the consent page approves and sends it back to the listener.
    let browser = async {
        reqwest::get(&started.authorize_url)
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let finish = world
        .connectors
        .finish_sign_in(&started.sign_in_id, Duration::from_secs(10));
    let (view, page) = tokio::join!(finish, browser);
    let view = view.unwrap();
    assert!(page.contains("Connected"), "{page}");
    assert_eq!(view.connection.auth_kind, AuthKind::Oauth);
    assert_eq!(view.accounts.len(), 2);
    // A sign-in can be finished once.
    assert!(
        world
            .connectors
            .finish_sign_in(&started.sign_in_id, Duration::from_secs(1))
            .await
            .is_err()
    );

    world.sandbox.add_fault(Fault {
        platform: SandboxPlatform::GoogleAds,
        kind: FaultKind::ExpiredToken,
        path_contains: None,
        times: 1,
    });
    let report = world.sync(&view.connection.id).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    world.assert_matches_platform(Platform::GoogleAds).await;
    assert!(
        world.sandbox.request_count("google-oauth/token") >= 2,
        "the code exchange, then a refresh"
    );
}
