//! A faithful local fake of the ad platforms' APIs (Meta Graph, Google Ads REST with Google's
//! installed-app OAuth, TikTok Marketing) served over real loopback HTTP, so connectors and their
//! tests exercise the same paths, parameters, paging, JSON shapes, errors and rate-limit signals
//! as against the real hosts. Data is a pure function of (seed, platform, entity, date,
//! revision): report pages are computed cell by cell, never materialised, so a config with a
//! million ad-days per platform stays small and fast.
//!
//! Each platform is its own module and is mounted under a prefix of the base URL: `/meta`
//! (graph.facebook.com), `/google-ads` (googleads.googleapis.com), `/google-oauth`
//! (accounts.google.com and oauth2.googleapis.com), `/tiktok` (business-api.tiktok.com),
//! `/pinterest` (api.pinterest.com), `/linkedin` (api.linkedin.com and www.linkedin.com's
//! token endpoint), `/snapchat` (adsapi.snapchat.com and accounts.snapchat.com), `/ga4` and
//! `/ga4-admin` (analyticsdata and analyticsadmin.googleapis.com), `/youtube` and
//! `/youtube-data` (youtubeanalytics.googleapis.com and the YouTube Data API), `/dv360`,
//! `/bidmanager` and `/dv360-files` (displayvideo and doubleclickbidmanager.googleapis.com,
//! and the reports' Cloud Storage files), and the enrichment services: `/census`
//! (api.census.gov) and `/serper` (google.serper.dev).
//! `/_sandbox` holds the control routes tests use over HTTP.

mod call;
mod census;
mod consent;
mod control;
mod data;
mod dv360;
mod faults;
mod ga4;
mod gaql;
mod google_ads;
mod google_oauth;
mod linkedin;
mod meta;
mod metrics;
mod pinterest;
mod report;
mod serper;
mod snapchat;
mod state;
mod tiktok;
mod wire;
mod youtube;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::any;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::state::Shared;

pub use consent::APP_SECRET;

/// What the fake holds and how it answers. Entity counts are per platform and nested: every
/// account has `campaigns_per_account` campaigns, each with `ad_groups_per_campaign` ad groups
/// (ad sets) of `ads_per_ad_group` ads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxConfig {
    pub seed: u64,
    /// Data covers the `days` days before `today`; `today` itself has none yet, as on a real
    /// account early in the morning.
    pub today: NaiveDate,
    pub days: u32,
    pub accounts_per_platform: u32,
    pub campaigns_per_account: u32,
    pub ad_groups_per_campaign: u32,
    pub ads_per_ad_group: u32,
    /// When set, pages never hold more rows than this, whatever the client asks.
    pub page_size_cap: Option<u32>,
    /// How long a `Timeout` fault holds its answer.
    pub slow_response: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            seed: 7,
            today: chrono::Utc::now().date_naive(),
            days: 90,
            accounts_per_platform: 2,
            campaigns_per_account: 3,
            ad_groups_per_campaign: 2,
            ads_per_ad_group: 2,
            page_size_cap: None,
            slow_response: Duration::from_secs(30),
        }
    }
}

impl SandboxConfig {
    /// Ad-day cells per platform (ads × days), the most an ad-level daily sync could store;
    /// days without delivery are left out by the platforms, so a sync stores somewhat fewer.
    pub fn metric_rows_per_platform(&self) -> u64 {
        self.ads_per_account() * u64::from(self.accounts_per_platform) * u64::from(self.days)
    }

    pub(crate) fn ads_per_account(&self) -> u64 {
        u64::from(self.campaigns_per_account)
            * u64::from(self.ad_groups_per_campaign)
            * u64::from(self.ads_per_ad_group)
    }

    /// The first day with data.
    pub(crate) fn first_day(&self) -> NaiveDate {
        self.today - chrono::Days::new(u64::from(self.days))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SandboxPlatform {
    Meta,
    GoogleAds,
    Tiktok,
    Pinterest,
    Linkedin,
    Snapchat,
    /// Not an ad platform: the Census Bureau's data API, here for its faults and keys.
    Census,
    /// Not an ad platform: Serper's search API, here for its faults and keys.
    Serper,
    /// Google Analytics 4: site behaviour per property (Data API and Admin API).
    Ga4,
    /// YouTube Analytics (and the Data API's channel list): a channel's viewing.
    Youtube,
    /// Display & Video 360 and Bid Manager's reports.
    Dv360,
}

impl SandboxPlatform {
    pub(crate) fn tag(self) -> u64 {
        match self {
            Self::Meta => 1,
            Self::GoogleAds => 2,
            Self::Tiktok => 3,
            Self::Pinterest => 4,
            Self::Linkedin => 5,
            Self::Snapchat => 6,
            Self::Census => 7,
            Self::Serper => 8,
            Self::Ga4 => 9,
            Self::Youtube => 10,
            Self::Dv360 => 11,
        }
    }

    /// Google's APIs share one OAuth: their access tokens are interchangeable here.
    pub(crate) fn is_google(self) -> bool {
        matches!(
            self,
            Self::GoogleAds | Self::Ga4 | Self::Youtube | Self::Dv360
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Account,
    Campaign,
    AdGroup,
    Ad,
}

/// What a complete sync over a date range at one level must have stored: `rows` counts the
/// entity-days the platform returns (days without delivery are omitted), the sums are over them.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Truth {
    pub rows: u64,
    pub impressions: i64,
    pub clicks: i64,
    pub spend_micros: i64,
    pub conversions: f64,
}

/// What a complete sync of a behaviour platform's signals must have stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SignalTruth {
    pub rows: u64,
    pub volume: i64,
}

/// A failure injected into the next `times` requests of `platform` whose path contains
/// `path_contains` (any path when `None`), each answered in that platform's own form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub platform: SandboxPlatform,
    pub kind: FaultKind,
    #[serde(default)]
    pub path_contains: Option<String>,
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    RateLimit,
    ServerError,
    Timeout,
    Malformed,
    ExpiredToken,
    RevokedToken,
}

/// The fake itself; clones share one state.
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Self {
        Self {
            shared: Arc::new(Shared::new(config)),
        }
    }

    pub fn router(&self) -> Router {
        let shared = self.shared.clone();
        Router::new()
            .route("/meta/{*rest}", any(meta_entry))
            .route("/google-ads/{*rest}", any(google_ads_entry))
            .route("/tiktok/{*rest}", any(tiktok_entry))
            .route("/pinterest/{*rest}", any(pinterest_entry))
            .route("/linkedin/{*rest}", any(linkedin_entry))
            .route("/snapchat/{*rest}", any(snapchat_entry))
            .route("/census/{*rest}", any(census_entry))
            .route("/serper/{*rest}", any(serper_entry))
            .route("/ga4/{*rest}", any(ga4_entry))
            .route("/ga4-admin/{*rest}", any(ga4_entry))
            .route("/youtube/{*rest}", any(youtube_entry))
            .route("/youtube-data/{*rest}", any(youtube_entry))
            .route("/dv360/{*rest}", any(dv360_entry))
            .route("/bidmanager/{*rest}", any(dv360_entry))
            .route("/dv360-files/{*rest}", any(dv360_entry))
            .nest("/google-oauth", google_oauth::router())
            .nest("/_sandbox", control::router())
            .with_state(shared)
    }

    /// Binds 127.0.0.1:port (0 = any free port) and serves in a spawned task.
    pub async fn start(self, port: u16) -> std::io::Result<RunningSandbox> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let address = listener.local_addr()?;
        let router = self.router();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    // A dropped sender stops the server just as a sent signal does.
                    let _ = stopped.await;
                })
                .await;
            if let Err(error) = served {
                tracing::warn!(%error, "sandbox server stopped with an error");
            }
        });
        tracing::debug!(%address, "sandbox listening");
        Ok(RunningSandbox {
            base_url: format!("http://{address}"),
            sandbox: self,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn add_fault(&self, fault: Fault) {
        self.shared.add_fault(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Restates the data: one campaign per account is renamed (its updated time becomes now)
    /// and the metrics of the last 7 days before `today` change; older days stay as they were.
    pub fn revise(&self) {
        self.shared.revise();
    }

    /// The DV360 (Bid Manager) queries created and not yet removed.
    pub fn open_dv360_queries(&self) -> usize {
        self.shared.document_count("query:")
    }

    /// Requests to the platform routes whose path contains `path_contains`.
    pub fn request_count(&self, path_contains: &str) -> u64 {
        self.shared.request_count(path_contains)
    }

    pub fn truth(
        &self,
        platform: SandboxPlatform,
        level: Level,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Truth {
        metrics::truth(&self.shared.world(), platform, level, from, until)
    }

    /// What a complete sync of a behaviour platform's signals (GA4, YouTube) over
    /// [from, until] stores: the rows it returns and the sum of their volume (sessions, views).
    pub fn signal_truth(
        &self,
        platform: SandboxPlatform,
        from: NaiveDate,
        until: NaiveDate,
    ) -> SignalTruth {
        let world = self.shared.world();
        match platform {
            SandboxPlatform::Ga4 => ga4::truth(&world, from, until),
            SandboxPlatform::Youtube => youtube::truth(&world, from, until),
            _ => SignalTruth::default(),
        }
    }

    /// A valid access token for `platform` (for Google Ads one the Ads routes accept).
    pub fn issue_token(&self, platform: SandboxPlatform) -> String {
        self.shared.issue_token(platform)
    }

    /// A valid access token and the refresh token it can be renewed with, for the platforms
    /// whose connections refresh (Google, Pinterest, LinkedIn, Snapchat). Meta and TikTok
    /// Marketing API tokens have no refresh: their second string is empty.
    pub fn issue_refreshable(&self, platform: SandboxPlatform) -> (String, String) {
        self.shared.issue_refreshable(platform)
    }

    /// The sandbox's own config.
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }
}

/// A sandbox serving on loopback; dropping it stops the server.
pub struct RunningSandbox {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    pub sandbox: Sandbox,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningSandbox {
    /// Stops accepting connections and waits briefly for answers in flight; a held `Timeout`
    /// answer is not worth waiting for, so the task is aborted after a second.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(1), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn meta_entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    faults::entry(shared, SandboxPlatform::Meta, request).await
}

async fn google_ads_entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    faults::entry(shared, SandboxPlatform::GoogleAds, request).await
}

async fn tiktok_entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    faults::entry(shared, SandboxPlatform::Tiktok, request).await
}

async fn pinterest_entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    faults::entry(shared, SandboxPlatform::Pinterest, request).await
}

async fn linkedin_entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    faults::entry(shared, SandboxPlatform::Linkedin, request).await
}

async fn snapchat_entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    faults::entry(shared, SandboxPlatform::Snapchat, request).await
}

async fn census_entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    faults::entry(shared, SandboxPlatform::Census, request).await
}

async fn serper_entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    faults::entry(shared, SandboxPlatform::Serper, request).await
}

async fn ga4_entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    faults::entry(shared, SandboxPlatform::Ga4, request).await
}

async fn youtube_entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    faults::entry(shared, SandboxPlatform::Youtube, request).await
}

async fn dv360_entry(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    faults::entry(shared, SandboxPlatform::Dv360, request).await
}
