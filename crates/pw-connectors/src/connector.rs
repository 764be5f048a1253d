//! The shape every platform's connector has: accounts, entity pages, daily report pages at
//! each level, audiences. A connector only reads its platform and maps what it reads into
//! [`crate::records`]; the sync (`sync.rs`) decides what to read, writes it, and keeps the
//! cursors, the checkpoints and the report, the same way for every platform.

use std::future::Future;

use chrono::{DateTime, Utc};
use pw_domain::{MetricLevel, Platform};

use crate::error::Result;
use crate::records::{
    DayWindow, EntityStream, Page, RemoteAccount, RemoteAudience, RemoteEntity, RemoteMetric,
    RemoteSignal,
};

/// How a platform's reports behave over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportRules {
    /// Days re-read on every sync because the platform restates them (Meta freezes insights
    /// after 28 days; Google Ads restates conversions over the conversion window).
    pub restatement_days: u32,
    /// The most days one report request covers (TikTok refuses more than 30).
    pub window_days: u32,
    /// How far back the platform reports at all.
    pub history_days: u32,
}

pub trait Connector: Send + Sync {
    fn platform(&self) -> Platform;

    fn report_rules(&self) -> ReportRules;

    /// The metric levels this platform reports daily, coarsest first.
    fn report_levels(&self) -> &'static [MetricLevel];

    /// The accounts the connected user can read.
    fn accounts(&self) -> impl Future<Output = Result<Vec<RemoteAccount>>> + Send;

    /// One page of an entity stream. `changed_since` lets a platform that filters by change
    /// time on its side do so (Meta); the sync skips unchanged records of the others.
    fn entity_page(
        &self,
        account: &RemoteAccount,
        stream: EntityStream,
        changed_since: Option<DateTime<Utc>>,
        page: Option<String>,
    ) -> impl Future<Output = Result<Page<RemoteEntity>>> + Send;

    /// One page of a daily report at `level` over `window`. A platform that cannot produce
    /// the window in one report says [`crate::ConnectorError::TooMuchData`]; the sync splits
    /// it.
    fn report_page(
        &self,
        account: &RemoteAccount,
        level: MetricLevel,
        window: DayWindow,
        page: Option<String>,
    ) -> impl Future<Output = Result<Page<RemoteMetric>>> + Send;

    /// Whether the platform reports audience behaviour ([`Connector::signal_page`]).
    fn has_signals(&self) -> bool {
        false
    }

    /// One page of the audience signals of `window` (GA4's site behaviour, YouTube's viewing).
    /// Platforms that measure ads only have none.
    fn signal_page(
        &self,
        _account: &RemoteAccount,
        _window: DayWindow,
        _page: Option<String>,
    ) -> impl Future<Output = Result<Page<RemoteSignal>>> + Send {
        async { Ok(Page::last(Vec::new())) }
    }

    /// The audiences of an account the platform describes (custom audiences and interests
    /// with size bounds). Platforms without audience data answer an empty last page.
    fn audience_page(
        &self,
        account: &RemoteAccount,
        page: Option<String>,
    ) -> impl Future<Output = Result<Page<RemoteAudience>>> + Send;
}

/// Where a platform's API lives: its own hosts, or all under one root (the sandbox, a proxy),
/// each platform under its own prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosts {
    /// The API's root, without a trailing slash (`https://graph.facebook.com`).
    pub api: String,
    /// The OAuth consent page.
    pub authorize: String,
    /// The OAuth token endpoint.
    pub token: String,
    /// The platform's other APIs, by name: GA4's Admin API (`admin`), the YouTube Data API
    /// (`data`), Bid Manager's reports (`reports`).
    pub extra: Vec<(&'static str, String)>,
}

impl Hosts {
    /// The root of the platform's other API `name` (see [`Hosts::extra`]), else its main one.
    pub fn other(&self, name: &str) -> String {
        self.extra
            .iter()
            .find(|(n, _)| *n == name)
            .map_or_else(|| self.api.clone(), |(_, root)| root.clone())
    }

    /// The platform's real hosts, or its part of `root` (`http://127.0.0.1:port/meta`).
    pub fn of(platform: Platform, root: Option<&str>) -> Hosts {
        let root = root.map(|r| r.trim_end_matches('/'));
        match (platform, root) {
            (Platform::Meta, None) => Hosts {
                api: "https://graph.facebook.com".into(),
                authorize: "https://www.facebook.com/v21.0/dialog/oauth".into(),
                token: "https://graph.facebook.com/v21.0/oauth/access_token".into(),
                extra: Vec::new(),
            },
            (Platform::Meta, Some(root)) => Hosts {
                api: format!("{root}/meta"),
                authorize: format!("{root}/meta/v21.0/dialog/oauth"),
                token: format!("{root}/meta/v21.0/oauth/access_token"),
                extra: Vec::new(),
            },
            (Platform::GoogleAds | Platform::Ga4 | Platform::Dv360 | Platform::Youtube, root) => {
                let api = match (platform, root) {
                    (Platform::GoogleAds, None) => "https://googleads.googleapis.com".to_owned(),
                    (Platform::GoogleAds, Some(root)) => format!("{root}/google-ads"),
                    (Platform::Ga4, None) => "https://analyticsdata.googleapis.com".to_owned(),
                    (Platform::Ga4, Some(root)) => format!("{root}/ga4"),
                    (Platform::Dv360, None) => "https://displayvideo.googleapis.com".to_owned(),
                    (Platform::Dv360, Some(root)) => format!("{root}/dv360"),
                    (_, None) => "https://youtubeanalytics.googleapis.com".to_owned(),
                    (_, Some(root)) => format!("{root}/youtube"),
                };
                let extra = match (platform, root) {
                    (Platform::Ga4, None) => {
                        vec![("admin", "https://analyticsadmin.googleapis.com".to_owned())]
                    }
                    (Platform::Ga4, Some(root)) => vec![("admin", format!("{root}/ga4-admin"))],
                    (Platform::Youtube, None) => {
                        vec![("data", "https://www.googleapis.com".to_owned())]
                    }
                    (Platform::Youtube, Some(root)) => {
                        vec![("data", format!("{root}/youtube-data"))]
                    }
                    (Platform::Dv360, None) => vec![(
                        "reports",
                        "https://doubleclickbidmanager.googleapis.com".to_owned(),
                    )],
                    (Platform::Dv360, Some(root)) => {
                        vec![("reports", format!("{root}/bidmanager"))]
                    }
                    _ => Vec::new(),
                };
                match root {
                    None => Hosts {
                        api,
                        authorize: "https://accounts.google.com/o/oauth2/v2/auth".into(),
                        token: "https://oauth2.googleapis.com/token".into(),
                        extra,
                    },
                    Some(root) => Hosts {
                        api,
                        authorize: format!("{root}/google-oauth/o/oauth2/v2/auth"),
                        token: format!("{root}/google-oauth/token"),
                        extra,
                    },
                }
            }
            (Platform::Tiktok, None) => Hosts {
                api: "https://business-api.tiktok.com".into(),
                authorize: "https://business-api.tiktok.com/portal/auth".into(),
                token: "https://business-api.tiktok.com/open_api/v1.3/oauth2/access_token/".into(),
                extra: Vec::new(),
            },
            (Platform::Tiktok, Some(root)) => Hosts {
                api: format!("{root}/tiktok"),
                authorize: format!("{root}/tiktok/portal/auth"),
                token: format!("{root}/tiktok/open_api/v1.3/oauth2/access_token/"),
                extra: Vec::new(),
            },
            (Platform::Pinterest, None) => Hosts {
                api: "https://api.pinterest.com".into(),
                authorize: "https://www.pinterest.com/oauth/".into(),
                token: "https://api.pinterest.com/v5/oauth/token".into(),
                extra: Vec::new(),
            },
            (Platform::Pinterest, Some(root)) => Hosts {
                api: format!("{root}/pinterest"),
                authorize: format!("{root}/pinterest/oauth/"),
                token: format!("{root}/pinterest/v5/oauth/token"),
                extra: Vec::new(),
            },
            (Platform::Linkedin, None) => Hosts {
                api: "https://api.linkedin.com".into(),
                authorize: "https://www.linkedin.com/oauth/v2/authorization".into(),
                token: "https://www.linkedin.com/oauth/v2/accessToken".into(),
                extra: Vec::new(),
            },
            (Platform::Linkedin, Some(root)) => Hosts {
                api: format!("{root}/linkedin"),
                authorize: format!("{root}/linkedin/oauth/v2/authorization"),
                token: format!("{root}/linkedin/oauth/v2/accessToken"),
                extra: Vec::new(),
            },
            (Platform::Snapchat, None) => Hosts {
                api: "https://adsapi.snapchat.com".into(),
                authorize: "https://accounts.snapchat.com/login/oauth2/authorize".into(),
                token: "https://accounts.snapchat.com/login/oauth2/access_token".into(),
                extra: Vec::new(),
            },
            (Platform::Snapchat, Some(root)) => Hosts {
                api: format!("{root}/snapchat"),
                authorize: format!("{root}/snapchat/login/oauth2/authorize"),
                token: format!("{root}/snapchat/login/oauth2/access_token"),
                extra: Vec::new(),
            },
        }
    }
}
