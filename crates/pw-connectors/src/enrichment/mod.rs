//! Enrichment: public data and web search that add to what the ad platforms report. The US
//! Census Bureau's API refreshes the ACS tables the survey universe is weighted to
//! ([`census`]); a web-search provider (Serper, google.serper.dev) finds mentions of a brand
//! and its competitors, stored as audience signals with their source URL ([`web_search`]).
//!
//! Each service's API key is one secret in the OS keychain (`enrichment/census`,
//! `enrichment/serper`), never in SQLite, a log or an error. Requests are paced per service
//! and retried like a sync's: rate limits wait (as the service says, or with backoff), server
//! errors and dropped connections back off and ask again.
//!
//! These services are not ad platforms, and every [`ConnectorError`] variant that carries a
//! [`pw_domain::Platform`] would name one; their failures are therefore
//! [`ConnectorError::Invalid`] with the service named in the words.

pub mod census;
pub mod web_search;

use std::sync::Arc;
use std::time::Duration;

use pw_http::{EndpointLimits, Pacer, PacingState, backoff};
use pw_secrets::{CredentialName, Keychain, Secret};
use pw_store::Database;
use reqwest::StatusCode;

use crate::credentials::without_url;
use crate::error::{ConnectorError, Result, ServiceFailure};
use crate::transport::{Answer, RetryPolicy, Verdict};

pub use census::{CensusFile, CensusRefresh};
pub use web_search::{StoredMention, WebSearchKind, WebSearchResult, parse_result_date};

/// A service enrichment calls, each with its own key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrichmentService {
    /// The US Census Bureau's data API (api.census.gov).
    Census,
    /// Serper's Google search API (google.serper.dev).
    Serper,
}

impl EnrichmentService {
    pub const ALL: [EnrichmentService; 2] = [EnrichmentService::Census, EnrichmentService::Serper];

    pub fn as_str(self) -> &'static str {
        match self {
            EnrichmentService::Census => "census",
            EnrichmentService::Serper => "serper",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            EnrichmentService::Census => "The Census API",
            EnrichmentService::Serper => "Serper",
        }
    }

    /// The keychain entry of the service's key.
    pub fn credential_name(self) -> Result<CredentialName> {
        Ok(CredentialName::new(format!(
            "enrichment/{}",
            self.as_str()
        ))?)
    }

    /// Where the real service lives; with a sandbox root, its mount under it.
    fn root(self, api_root: Option<&str>) -> String {
        match (self, api_root) {
            (EnrichmentService::Census, None) => "https://api.census.gov".into(),
            (EnrichmentService::Serper, None) => "https://google.serper.dev".into(),
            (service, Some(root)) => {
                format!("{}/{}", root.trim_end_matches('/'), service.as_str())
            }
        }
    }

    /// Requests per minute before the service says anything: Census documents no rate, Serper
    /// allows bursts far above what one person's research needs.
    fn requests_per_minute(self) -> u32 {
        match self {
            EnrichmentService::Census => 60,
            EnrichmentService::Serper => 120,
        }
    }

    /// What to tell the person whose key is missing.
    fn add_key_hint(self) -> String {
        format!("profitwheel enrich key {}", self.as_str())
    }
}

impl std::str::FromStr for EnrichmentService {
    type Err = ConnectorError;

    fn from_str(text: &str) -> Result<Self> {
        EnrichmentService::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                ConnectorError::Invalid(format!(
                    "there is no enrichment service {text:?}: choose census or serper"
                ))
            })
    }
}

/// The enrichment facade: keys, census refreshes and web searches.
pub struct Enrichment {
    db: Database,
    keychain: Keychain,
    policy: RetryPolicy,
    api_root: Option<String>,
    http: reqwest::Client,
    pacing: Arc<PacingState>,
}

impl Enrichment {
    /// `api_root` points every service at a sandbox (`{root}/census`, `{root}/serper`);
    /// `None` calls the real hosts.
    pub fn new(
        db: Database,
        keychain: Keychain,
        policy: RetryPolicy,
        api_root: Option<String>,
    ) -> Result<Self> {
        // Redirects are answers here: the Census API says "bad key" with a 302 to an HTML page,
        // which a followed redirect would turn into a 200 that is not data.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ProfitWheel/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                ConnectorError::Invalid(format!("the HTTP client could not start: {e}"))
            })?;
        Ok(Enrichment {
            db,
            keychain,
            policy,
            api_root,
            http,
            pacing: PacingState::new(),
        })
    }

    /// Saves (or replaces) a service's API key in the keychain.
    pub async fn set_key(&self, service: EnrichmentService, key: Secret) -> Result<()> {
        if key.expose().trim().is_empty() {
            return Err(ConnectorError::Invalid(format!(
                "the {} key is empty",
                service.as_str()
            )));
        }
        let trimmed = Secret::new(key.expose().trim());
        let (keychain, name) = (self.keychain.clone(), service.credential_name()?);
        blocking(move || keychain.store(&name, &trimmed)).await?;
        tracing::info!(service = service.as_str(), "enrichment key saved");
        Ok(())
    }

    pub async fn has_key(&self, service: EnrichmentService) -> Result<bool> {
        let (keychain, name) = (self.keychain.clone(), service.credential_name()?);
        blocking(move || keychain.is_configured(&name)).await
    }

    pub async fn remove_key(&self, service: EnrichmentService) -> Result<()> {
        let (keychain, name) = (self.keychain.clone(), service.credential_name()?);
        blocking(move || keychain.remove(&name)).await?;
        tracing::info!(service = service.as_str(), "enrichment key removed");
        Ok(())
    }

    /// The service's key, or the words saying how to add one.
    async fn key(&self, service: EnrichmentService) -> Result<Secret> {
        let (keychain, name) = (self.keychain.clone(), service.credential_name()?);
        blocking(move || keychain.load(&name))
            .await?
            .ok_or_else(|| ConnectorError::Service {
                failure: ServiceFailure::NotConfigured,
                message: format!(
                    "no {} API key is saved: add one with `{}`",
                    service.as_str(),
                    service.add_key_hint()
                ),
            })
    }

    /// The paced, retrying HTTP of one service.
    fn client(&self, service: EnrichmentService) -> ServiceHttp {
        let limits = EndpointLimits {
            requests_per_minute: Some(
                self.policy
                    .requests_per_minute
                    .unwrap_or(service.requests_per_minute()),
            ),
            tokens_per_minute: None,
            max_concurrency: 4,
            max_attempts: 1,
            base_backoff: self.policy.base_backoff,
            request_timeout: self.policy.request_timeout,
            longest_wait: self.policy.longest_wait,
        };
        ServiceHttp {
            service,
            root: service.root(self.api_root.as_deref()),
            client: self.http.clone(),
            pacer: self
                .pacing
                .pacer_for(&format!("enrichment:{}", service.as_str()), &limits),
            policy: self.policy.clone(),
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::result::Result<T, pw_secrets::SecretError> + Send + 'static,
) -> Result<T> {
    Ok(tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ConnectorError::Invalid(format!("the keychain task failed: {e}")))??)
}

/// The largest answer a service may send (a census table by state is about 1 MB).
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// One service's HTTP: every request waits its turn with the service's pacer, and its answer
/// is judged by the service's rules. This mirrors the connectors' `Transport`, which is built
/// around an ad platform and its token refresh; a service with a plain API key needs neither.
struct ServiceHttp {
    service: EnrichmentService,
    root: String,
    client: reqwest::Client,
    pacer: Arc<Pacer>,
    policy: RetryPolicy,
}

impl ServiceHttp {
    /// Sends what `build` makes until `judge` says [`Verdict::Ok`] and `read` accepts the
    /// body, or the retries run out.
    async fn send<T>(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        judge: fn(&Answer) -> Verdict,
        read: impl Fn(&Answer) -> std::result::Result<T, String>,
    ) -> Result<T> {
        let service = self.service;
        let name = service.display_name();
        let mut failures = 0_u32;
        let mut limited = 0_u32;
        loop {
            if let Err(pw_http::PacingError::AskedToWait { wait }) = self.pacer.next_request().await
            {
                return Err(self.rate_limited(wait));
            }
            let failure = match self.attempt(build(&self.client)).await {
                Err(detail) => detail,
                Ok(answer) => {
                    self.pacer.observe(&answer.headers);
                    match judge(&answer) {
                        Verdict::Ok => match read(&answer) {
                            Ok(value) => return Ok(value),
                            Err(detail) => {
                                failures += 1;
                                // A body cut off by a proxy reads fine the second time.
                                if failures >= self.policy.attempts.min(2) {
                                    return Err(ConnectorError::Service {
                                        failure: ServiceFailure::Malformed,
                                        message: format!(
                                            "{name} sent an answer we could not read ({detail}); \
                                         try again later"
                                        ),
                                    });
                                }
                                tracing::warn!(service = service.as_str(), %detail, "unreadable answer; asking again");
                                continue;
                            }
                        },
                        Verdict::RateLimited(asked) => {
                            limited += 1;
                            let wait =
                                asked.unwrap_or_else(|| backoff(self.policy.base_backoff, limited));
                            self.pacer.pause_for(wait);
                            if wait > self.policy.longest_wait
                                || limited > self.policy.rate_limit_attempts
                            {
                                return Err(self.rate_limited(wait));
                            }
                            tracing::warn!(
                                service = service.as_str(),
                                ?wait,
                                "rate limited; waiting"
                            );
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        Verdict::Expired(reason) => {
                            return Err(ConnectorError::Service {
                                failure: ServiceFailure::KeyRefused,
                                message: format!(
                                    "{name} no longer accepts the saved API key ({reason}): \
                                 replace it with `{}`",
                                    service.add_key_hint()
                                ),
                            });
                        }
                        Verdict::Refused(message) => {
                            return Err(ConnectorError::Service {
                                failure: ServiceFailure::Refused,
                                message: format!("{name} refused the request: {message}"),
                            });
                        }
                        Verdict::TooMuchData => {
                            return Err(ConnectorError::Service {
                                failure: ServiceFailure::Refused,
                                message: format!("{name} could not answer a request this large"),
                            });
                        }
                        Verdict::Transient(detail) => detail,
                    }
                }
            };
            failures += 1;
            if failures >= self.policy.attempts {
                return Err(ConnectorError::Service {
                    failure: ServiceFailure::Unavailable,
                    message: format!(
                        "{name} did not answer properly after {failures} tries ({failure}); try \
                     again later"
                    ),
                });
            }
            let wait = backoff(self.policy.base_backoff, failures);
            tracing::warn!(service = service.as_str(), detail = %failure, ?wait, "request failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }

    fn rate_limited(&self, wait: Duration) -> ConnectorError {
        ConnectorError::Service {
            failure: ServiceFailure::RateLimited,
            message: format!(
                "{} is limiting how often we may ask and asked us to wait {} s; try again then",
                self.service.display_name(),
                wait.as_secs().max(1)
            ),
        }
    }

    /// One attempt: the answer read whole, or why there is none.
    async fn attempt(
        &self,
        request: reqwest::RequestBuilder,
    ) -> std::result::Result<Answer, String> {
        let timeout = self.policy.request_timeout;
        let exchange = async {
            let mut response = request.send().await.map_err(|e| without_url(&e))?;
            let status = response.status();
            let headers = response.headers().clone();
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| format!("the answer was cut off ({})", without_url(&e)))?
            {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(format!("the answer was larger than {MAX_BODY_BYTES} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer {
                status,
                headers,
                body: body.into(),
            })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(answer) => answer,
            Err(_) => Err(format!("no answer within {} s", timeout.as_secs_f64())),
        }
    }
}

/// The reading both services share for what their own rules leave: 429 waits, 5xx and 408
/// retry, anything else is refused with the service's words.
fn judge_common(answer: &Answer, message: impl FnOnce() -> Option<String>) -> Verdict {
    let status = answer.status;
    if status == StatusCode::TOO_MANY_REQUESTS {
        Verdict::RateLimited(pw_http::retry_after(&answer.headers))
    } else if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
        Verdict::Transient(format!("it answered {status}"))
    } else if status.is_success() {
        Verdict::Ok
    } else {
        Verdict::Refused(message().unwrap_or_else(|| format!("it answered {status}")))
    }
}
