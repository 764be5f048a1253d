//! Ad-platform connections and their syncs. Secrets cross once, inward (a pasted token on its
//! way to the keychain); nothing secret ever comes back out.

use pw_engine::connectors::{
    ConnectionView as EngineConnection, Platform, SignInStarted, StreamProblem, StreamProgress,
    SyncReport, SyncRun, sign_in_redirect_uri,
};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::vocabulary::instant_text;

/// A platform this version connects, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorPlatformView {
    pub platform: String,
    pub name: String,
    /// Connected by signing in in the browser (OAuth; PKCE where the platform has it).
    pub sign_in: bool,
    /// Connected with a pasted token.
    pub token: bool,
    /// What the person needs at hand, in words.
    pub needs: String,
    /// The redirect address the person's app must have registered for signing in (the
    /// default port), or none where any loopback address is accepted (Google).
    pub redirect_uri: Option<String>,
}

impl From<Platform> for ConnectorPlatformView {
    fn from(platform: Platform) -> Self {
        let (sign_in, token, needs) = match platform {
            Platform::Meta => (
                true,
                true,
                "Your Meta app's id and secret (to sign in; the token is exchanged for a 60-day one), or a long-lived user token or a system-user token from Business Manager with ads_read.",
            ),
            Platform::GoogleAds => (
                true,
                true,
                "Your Google Cloud OAuth client (desktop app) and the Google Ads developer token.",
            ),
            Platform::Tiktok => (
                true,
                true,
                "Your TikTok for Business app's id and secret (to sign in and to list advertisers), or a Marketing API access token with them.",
            ),
            Platform::Pinterest | Platform::Linkedin | Platform::Snapchat => (
                true,
                true,
                "Your own app's client id and secret, with http://127.0.0.1 allowed as a redirect (to sign in; the connection renews itself), or an access token and its refresh token from that app.",
            ),
            Platform::Ga4 | Platform::Dv360 | Platform::Youtube => (
                true,
                true,
                "Your Google Cloud OAuth client (desktop app), to sign in with Google; or an access token and its refresh token from it.",
            ),
        };
        ConnectorPlatformView {
            platform: platform.as_str().to_owned(),
            name: platform.display_name().to_owned(),
            sign_in,
            token,
            needs: needs.to_owned(),
            redirect_uri: sign_in_redirect_uri(platform, None),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionAccountView {
    pub external_id: String,
    pub name: String,
    pub currency: String,
    pub time_zone: String,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncProblemView {
    /// reconnect, rate_limited, unavailable, malformed, refused, …
    pub kind: String,
    pub message: String,
    /// What to do about it.
    pub action: String,
}

impl From<StreamProblem> for SyncProblemView {
    fn from(p: StreamProblem) -> Self {
        SyncProblemView {
            kind: p.kind,
            message: p.message,
            action: p.action,
        }
    }
}

/// A value a sync could not map (its row was left out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LeftOutValueView {
    pub field: String,
    pub value: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStreamView {
    pub account: String,
    pub account_name: String,
    pub stream: String,
    /// "daily metrics by campaign"
    pub words: String,
    /// pending, running, done, failed, skipped
    pub state: String,
    pub window_from: Option<String>,
    pub window_until: Option<String>,
    pub done_through: Option<String>,
    pub records: u64,
    pub pages: u64,
    pub issues_count: u64,
    pub issues: Vec<LeftOutValueView>,
    pub problem: Option<SyncProblemView>,
}

fn state_name<T: Serialize>(state: &T) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl From<StreamProgress> for SyncStreamView {
    fn from(s: StreamProgress) -> Self {
        SyncStreamView {
            words: s.words(),
            state: state_name(&s.state),
            window_from: s.window.map(|w| w.from.to_string()),
            window_until: s.window.map(|w| w.until.to_string()),
            done_through: s.done_through.map(|d| d.to_string()),
            account: s.account,
            account_name: s.account_name,
            stream: s.stream,
            records: s.records,
            pages: s.pages,
            issues_count: s.issues_count,
            issues: s
                .issues
                .into_iter()
                .map(|i| LeftOutValueView {
                    field: i.field,
                    value: i.value,
                    reason: i.reason,
                })
                .collect(),
            problem: s.problem.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncReportView {
    /// succeeded, partial, failed, cancelled
    pub status: String,
    pub headline: String,
    pub actions: Vec<String>,
    pub accounts: u32,
    pub records: u64,
    pub issues: u64,
    pub accounts_problem: Option<SyncProblemView>,
}

impl From<SyncReport> for SyncReportView {
    fn from(r: SyncReport) -> Self {
        SyncReportView {
            status: state_name(&r.status),
            headline: r.headline,
            actions: r.actions,
            accounts: r.accounts as u32,
            records: r.records,
            issues: r.issues,
            accounts_problem: r.accounts_problem.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncRunView {
    pub id: String,
    pub connection_id: String,
    pub job_id: Option<String>,
    /// running, succeeded, partial, failed, cancelled
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub streams: Vec<SyncStreamView>,
    pub report: Option<SyncReportView>,
}

impl From<SyncRun> for SyncRunView {
    fn from(run: SyncRun) -> Self {
        SyncRunView {
            status: state_name(&run.status),
            id: run.id,
            connection_id: run.connection_id,
            job_id: run.job_id,
            started_at: instant_text(run.started_at),
            finished_at: run.finished_at.map(instant_text),
            streams: run.streams.into_iter().map(Into::into).collect(),
            report: run.report.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    pub id: String,
    pub workspace_id: String,
    pub platform: String,
    pub platform_name: String,
    pub label: String,
    /// connected, needs_reauth, disconnected
    pub status: String,
    pub status_reason: Option<String>,
    /// token or oauth
    pub auth_kind: String,
    /// Set when the connection talks to a sandbox or a proxy instead of the platform.
    pub api_root: Option<String>,
    /// The platform asked us to wait until then.
    pub paused_until: Option<String>,
    pub sync_cron: Option<String>,
    pub last_synced_at: Option<String>,
    pub next_sync_at: Option<String>,
    pub accounts: Vec<ConnectionAccountView>,
    pub last_run: Option<SyncRunView>,
}

impl From<EngineConnection> for ConnectionView {
    fn from(view: EngineConnection) -> Self {
        let c = view.connection;
        ConnectionView {
            id: c.id,
            workspace_id: c.workspace_id.to_string(),
            platform: c.platform.as_str().to_owned(),
            platform_name: c.platform.display_name().to_owned(),
            label: c.label,
            status: c.status.as_str().to_owned(),
            status_reason: c.status_reason,
            auth_kind: c.auth_kind.as_str().to_owned(),
            api_root: c.api_root,
            paused_until: c.paused_until.map(instant_text),
            sync_cron: c.sync_cron,
            last_synced_at: c.last_synced_at.map(instant_text),
            next_sync_at: view.next_sync_at.map(instant_text),
            accounts: view
                .accounts
                .into_iter()
                .map(|a| ConnectionAccountView {
                    external_id: a.account.external_id,
                    name: a.account.name,
                    currency: a.account.currency.as_str().to_owned(),
                    time_zone: a.account.time_zone,
                    selected: a.selected,
                })
                .collect(),
            last_run: view.last_run.map(Into::into),
        }
    }
}

/// Connect with a pasted token (and, where the platform needs them, the app's credentials).
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectTokenRequest {
    pub workspace_id: String,
    pub platform: String,
    pub token: String,
    /// With the app's client id and secret, the connection renews its access token itself.
    pub refresh_token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub developer_token: Option<String>,
    pub api_root: Option<String>,
    pub label: Option<String>,
}

/// Connect by signing in in the system browser.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BeginSignInRequest {
    pub workspace_id: String,
    pub platform: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub developer_token: Option<String>,
    pub api_root: Option<String>,
    pub label: Option<String>,
    /// Another loopback port than the default, when the app registered another.
    pub redirect_port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SignInStartedView {
    pub sign_in_id: String,
    /// The consent page (opened in the browser; shown too, to copy when it did not open).
    pub authorize_url: String,
    /// Where the browser comes back to: the address the app must have registered.
    pub redirect_uri: String,
}

impl From<SignInStarted> for SignInStartedView {
    fn from(s: SignInStarted) -> Self {
        SignInStartedView {
            sign_in_id: s.sign_in_id,
            authorize_url: s.authorize_url,
            redirect_uri: s.redirect_uri,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StartSyncRequest {
    pub connection_id: String,
    /// YYYY-MM-DD: read from this day.
    pub from: Option<String>,
    /// Forget where the last sync got to and read everything again.
    pub full: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SelectAccountsRequest {
    pub connection_id: String,
    pub accounts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncScheduleRequest {
    pub connection_id: String,
    /// A cron expression in this computer's time; `null` stops the scheduled sync.
    pub cron: Option<String>,
}
