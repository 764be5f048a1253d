//! Which connector serves which platform, and how each is built for a connection: its hosts,
//! its pacer, its credential's refresh endpoint. The sync is generic over [`Connector`]; this
//! is the one place that picks the concrete type.

use std::sync::Arc;

use pw_domain::Platform;
use pw_http::{EndpointLimits, PacingState};

use crate::connector::{Connector, Hosts};
use crate::credentials::{ClientAuth, CredentialHome, Credentials, Refresher, StoredCredential};
use crate::dv360::Dv360Connector;
use crate::error::Result;
use crate::ga4::Ga4Connector;
use crate::google_ads::GoogleAdsConnector;
use crate::linkedin::LinkedinConnector;
use crate::meta::MetaConnector;
use crate::pinterest::PinterestConnector;
use crate::snapchat::SnapchatConnector;
use crate::tiktok::TiktokConnector;
use crate::transport::{RetryPolicy, Transport};
use crate::youtube::YoutubeConnector;

/// The platforms a connection can be made to today.
pub const SUPPORTED: [Platform; 9] = [
    Platform::Meta,
    Platform::GoogleAds,
    Platform::Tiktok,
    Platform::Pinterest,
    Platform::Linkedin,
    Platform::Snapchat,
    Platform::Ga4,
    Platform::Youtube,
    Platform::Dv360,
];

/// What building a connector needs besides the credential.
pub struct Build<'a> {
    pub platform: Platform,
    pub api_root: Option<&'a str>,
    pub pacing: &'a PacingState,
    pub http: &'a reqwest::Client,
    pub policy: &'a RetryPolicy,
    /// The connection the transport serves: it is paced apart from the others.
    pub connection: &'a str,
    /// Cancels the transport's waits.
    pub cancel: tokio_util::sync::CancellationToken,
}

/// Requests per minute each platform is paced to before it says anything (its documented or
/// observed budgets, with room for the person's other tools).
fn limits(platform: Platform, policy: &RetryPolicy) -> EndpointLimits {
    let requests_per_minute = match platform {
        Platform::Meta => 200,
        Platform::GoogleAds => 300,
        Platform::Tiktok => 300,
        Platform::Pinterest => 250,
        Platform::Linkedin => 100,
        // GA4 meters tokens per property and hour rather than requests; ten concurrent
        // requests per property is its hard line, which the concurrency below stays under.
        Platform::Ga4 => 120,
        _ => 300,
    };
    EndpointLimits {
        requests_per_minute: Some(policy.requests_per_minute.unwrap_or(requests_per_minute)),
        tokens_per_minute: None,
        max_concurrency: 4,
        max_attempts: 1,
        base_backoff: policy.base_backoff,
        request_timeout: policy.request_timeout,
        longest_wait: policy.longest_wait,
    }
}

fn refresher(platform: Platform, hosts: &Hosts) -> Option<Refresher> {
    let client_auth = match platform {
        Platform::Pinterest => ClientAuth::Basic,
        Platform::GoogleAds
        | Platform::Ga4
        | Platform::Dv360
        | Platform::Youtube
        | Platform::Linkedin
        | Platform::Snapchat => ClientAuth::InForm,
        // Meta and TikTok Marketing API tokens are long-lived and have no refresh.
        Platform::Meta | Platform::Tiktok => return None,
    };
    Some(Refresher {
        token_url: hosts.token.clone(),
        client_auth,
    })
}

/// The transport of a connection to `platform` with this credential.
pub fn transport(
    build: &Build<'_>,
    stored: StoredCredential,
    home: CredentialHome,
) -> Arc<Transport> {
    let hosts = Hosts::of(build.platform, build.api_root);
    // One connection's limits are its own: a rate limit on one client's account does not hold
    // another client's sync.
    let endpoint = format!(
        "connector:{}:{}:{}",
        build.platform.as_str(),
        hosts.api,
        build.connection
    );
    Arc::new(Transport {
        platform: build.platform,
        cancel: build.cancel.clone(),
        client: build.http.clone(),
        pacer: build
            .pacing
            .pacer_for(&endpoint, &limits(build.platform, build.policy)),
        policy: build.policy.clone(),
        credentials: Credentials::new(
            build.platform,
            stored,
            home,
            refresher(build.platform, &hosts),
            build.http.clone(),
        ),
    })
}

/// Runs `work` with the connector of the transport's platform.
pub async fn with_connector<T, F>(
    transport: Arc<Transport>,
    api_root: Option<&str>,
    work: F,
) -> Result<T>
where
    F: ConnectorWork<T>,
{
    let hosts = Hosts::of(transport.platform, api_root);
    match transport.platform {
        Platform::Meta => work.run(&MetaConnector::new(transport, hosts.api)).await,
        Platform::GoogleAds => {
            work.run(&GoogleAdsConnector::new(transport, hosts.api))
                .await
        }
        Platform::Tiktok => work.run(&TiktokConnector::new(transport, hosts.api)).await,
        Platform::Pinterest => {
            work.run(&PinterestConnector::new(transport, hosts.api))
                .await
        }
        Platform::Linkedin => {
            work.run(&LinkedinConnector::new(transport, hosts.api))
                .await
        }
        Platform::Snapchat => {
            work.run(&SnapchatConnector::new(transport, hosts.api))
                .await
        }
        Platform::Ga4 => {
            work.run(&Ga4Connector::new(
                transport,
                hosts.api.clone(),
                hosts.other("admin"),
            ))
            .await
        }
        Platform::Youtube => {
            work.run(&YoutubeConnector::new(
                transport,
                hosts.api.clone(),
                hosts.other("data"),
            ))
            .await
        }
        Platform::Dv360 => {
            work.run(&Dv360Connector::new(
                transport,
                hosts.api.clone(),
                hosts.other("reports"),
            ))
            .await
        }
    }
}

/// Work to do with whichever connector serves a platform (a generic closure, which Rust's
/// closures cannot be).
pub trait ConnectorWork<T> {
    fn run<C: Connector>(
        self,
        connector: &C,
    ) -> impl std::future::Future<Output = Result<T>> + Send;
}
