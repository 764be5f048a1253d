//! The harness the sync tests share: a sandbox on loopback, a workspace database, the
//! connectors with a throwaway keychain and a fixed clock, and what a complete sync must have
//! stored.

#![allow(clippy::unwrap_used, clippy::panic, dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use pw_connectors::{
    AuthKind, ConnectionStore, Connectors, RetryPolicy, SyncObserver, SyncReport, TokenConnect,
};
use pw_domain::{Platform, WorkspaceId};
use pw_jobs::JobQueue;
use pw_sandbox::{Level, Sandbox, SandboxConfig, SandboxPlatform};
use pw_secrets::{Keychain, Secret};
use pw_store::Database;
use pw_workspaces::{AdWorkspaces, CreateWorkspace};
use tokio_util::sync::CancellationToken;

pub fn june(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, day).unwrap()
}

pub fn may(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, day).unwrap()
}

/// Noon UTC on 1 June: yesterday is 31 May in Los Angeles and in Berlin alike.
pub fn noon_june_first() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

pub struct Quiet;

impl SyncObserver for Quiet {
    async fn progress(&self, _fraction: f64, _message: String) {}
}

/// Cancels its token the first time a report window is stored.
pub struct StopAfterFirstWindow(pub CancellationToken, pub AtomicBool);

impl SyncObserver for StopAfterFirstWindow {
    async fn progress(&self, _fraction: f64, message: String) {
        if message.contains("through") && !self.1.swap(true, Ordering::SeqCst) {
            self.0.cancel();
        }
    }
}

/// Signals the first time a report window is stored.
pub struct KillSwitch(pub Arc<tokio::sync::Notify>);

impl SyncObserver for KillSwitch {
    async fn progress(&self, _fraction: f64, message: String) {
        if message.contains("through") {
            self.0.notify_one();
        }
    }
}

pub struct World {
    _dir: tempfile::TempDir,
    pub db: Database,
    pub sandbox: Sandbox,
    pub base_url: String,
    _server: pw_sandbox::RunningSandbox,
    pub connectors: Arc<Connectors>,
    pub store: ConnectionStore,
    pub workspace: WorkspaceId,
    /// The keychain the connections' credentials are kept in.
    pub keychain: Keychain,
}

pub fn sandbox_platform(platform: Platform) -> SandboxPlatform {
    match platform {
        Platform::Meta => SandboxPlatform::Meta,
        Platform::GoogleAds => SandboxPlatform::GoogleAds,
        Platform::Tiktok => SandboxPlatform::Tiktok,
        Platform::Pinterest => SandboxPlatform::Pinterest,
        Platform::Linkedin => SandboxPlatform::Linkedin,
        Platform::Snapchat => SandboxPlatform::Snapchat,
        Platform::Ga4 => SandboxPlatform::Ga4,
        Platform::Youtube => SandboxPlatform::Youtube,
        Platform::Dv360 => SandboxPlatform::Dv360,
    }
}

/// Whether a platform reports daily figures at a level (DV360 stops at line items, our ad
/// groups: it has no ad objects).
pub fn reports_level(platform: Platform, level: Level) -> bool {
    !(platform == Platform::Dv360 && level == Level::Ad)
}

/// Ads a complete sync stores per platform: 2 accounts × 3 campaigns × 2 ad groups × 2 ads,
/// none for DV360.
pub fn ads_of(platform: Platform) -> i64 {
    if platform == Platform::Dv360 { 0 } else { 24 }
}

pub async fn world() -> World {
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
        keychain.clone(),
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
        keychain,
    }
}

impl World {
    pub async fn connect(&self, platform: Platform) -> String {
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

    pub async fn sync(&self, connection: &str) -> SyncReport {
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
    pub async fn stored(&self, platform: Platform, level: &str) -> (i64, i64, i64, i64) {
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

    pub async fn assert_matches_platform(&self, platform: Platform) {
        for (level, name) in [
            (Level::Account, "account"),
            (Level::Campaign, "campaign"),
            (Level::AdGroup, "ad_group"),
            (Level::Ad, "ad"),
        ] {
            if !reports_level(platform, level) {
                let (rows, ..) = self.stored(platform, name).await;
                assert_eq!(rows, 0, "{platform:?} reports nothing at {name} level");
                continue;
            }
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

    /// Signals stored from a platform (rows, summed volume) over May.
    pub async fn signals(&self, platform: Platform) -> (i64, i64) {
        sqlx::query_as(
            "SELECT count(*), coalesce(sum(volume), 0) FROM audience_signals
             WHERE workspace_id = ? AND source = ? AND occurred_on BETWEEN '2026-05-01' AND '2026-05-31'",
        )
        .bind(self.workspace.to_string())
        .bind(platform.as_str())
        .fetch_one(self.db.reader())
        .await
        .unwrap()
    }

    /// The signals a behaviour platform (GA4, YouTube) holds for May, as stored.
    pub async fn assert_signals_match_platform(&self, platform: Platform) {
        let truth = self
            .sandbox
            .signal_truth(sandbox_platform(platform), may(1), may(31));
        assert!(truth.rows > 0, "{platform:?}: the sandbox has data");
        let (rows, volume) = self.signals(platform).await;
        assert_eq!(
            (rows as u64, volume),
            (truth.rows, truth.volume),
            "{platform:?}: stored signals equal what the platform holds"
        );
        let metrics: i64 =
            sqlx::query_scalar("SELECT count(*) FROM daily_metrics WHERE platform = ?")
                .bind(platform.as_str())
                .fetch_one(self.db.reader())
                .await
                .unwrap();
        assert_eq!(metrics, 0, "{platform:?} writes no daily metrics");
    }

    pub async fn entity_count(&self, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {table} WHERE workspace_id = ?"
        )))
        .bind(self.workspace.to_string())
        .fetch_one(self.db.reader())
        .await
        .unwrap()
    }
}
