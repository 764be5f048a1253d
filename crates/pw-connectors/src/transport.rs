//! One platform's HTTP: every request waits its turn with the platform's pacer (`pw-http`),
//! carries the connection's access token, and its answer is read whole and judged by the
//! platform's own rules ([`Verdict`]): Meta says "slow down" with HTTP 400 and an error code,
//! TikTok with code 40100 inside an HTTP 200, Google in a 429 whose body holds the delay. A
//! rate limit waits and asks again (a wait longer than a sync holds on for ends the stream
//! with the time to come back); 5xx, timeouts, dropped connections and unreadable bodies are
//! retried with backoff; an expired token is refreshed once when the connection can be.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use http::HeaderMap;
use pw_domain::Platform;
use pw_http::{Pacer, backoff};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::credentials::{Credentials, without_url};
use crate::error::{ConnectorError, Result};

/// What a platform's answer means.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Ok,
    /// Slow down; wait this long when the platform says.
    RateLimited(Option<Duration>),
    /// A server error or a temporary failure: ask again after a while.
    Transient(String),
    /// The request asked for more than the platform can produce at once.
    TooMuchData,
    /// The token is expired or revoked.
    Expired(String),
    /// The platform refuses this request (permissions, parameters).
    Refused(String),
}

/// A whole answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl Answer {
    /// The body as JSON, if it is JSON at all.
    pub fn json_value(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// How hard a sync tries before it gives up on a request.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts for server errors, timeouts and unreadable pages, counting the first.
    pub attempts: u32,
    /// Times a request is asked again after a rate limit.
    pub rate_limit_attempts: u32,
    /// The first retry's wait (doubling, with jitter), and the wait after a rate limit that
    /// names no time.
    pub base_backoff: Duration,
    /// The longest a sync waits on a rate limit; past it the stream stops and says when to
    /// come back.
    pub longest_wait: Duration,
    pub request_timeout: Duration,
    /// How often an asynchronous report is polled.
    pub poll_interval: Duration,
    /// How long an asynchronous report may take before it is given up.
    pub report_deadline: Duration,
    /// Requests per minute to pace every platform to, instead of each platform's own budget
    /// (a sandbox on this computer has none).
    pub requests_per_minute: Option<u32>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            rate_limit_attempts: 8,
            base_backoff: Duration::from_secs(2),
            longest_wait: Duration::from_secs(10 * 60),
            request_timeout: Duration::from_secs(90),
            poll_interval: Duration::from_secs(10),
            report_deadline: Duration::from_secs(60 * 60),
            requests_per_minute: None,
        }
    }
}

/// The largest answer a report page may be.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// One connection's HTTP to its platform.
pub struct Transport {
    pub platform: Platform,
    /// Stops every wait (a rate limit, a backoff, a report being prepared) when the sync is
    /// cancelled, instead of after it.
    pub cancel: tokio_util::sync::CancellationToken,
    pub client: reqwest::Client,
    pub pacer: Arc<Pacer>,
    pub policy: RetryPolicy,
    pub credentials: Arc<Credentials>,
}

/// A platform's reading of its own answers.
pub type Judge = fn(&Answer) -> Verdict;

impl Transport {
    /// Sends the request `build` makes with the current access token until the platform's
    /// answer is [`Verdict::Ok`] or the retries run out, then reads the body as `T`. An unreadable body is asked for
    /// again (a page cut off mid-way by a proxy reads fine the second time), then fails as
    /// [`ConnectorError::Malformed`].
    pub async fn json<T: DeserializeOwned>(
        &self,
        build: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
        judge: Judge,
        what: &str,
    ) -> Result<T> {
        self.send_reading(build, judge, |answer| {
            serde_json::from_slice::<T>(&answer.body).map_err(|e| {
                format!(
                    "{what}: {}",
                    e.to_string().chars().take(160).collect::<String>()
                )
            })
        })
        .await
    }

    async fn send_reading<T>(
        &self,
        build: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
        judge: Judge,
        read: impl Fn(Answer) -> std::result::Result<T, String>,
    ) -> Result<T> {
        let mut failures = 0_u32;
        let mut limited = 0_u32;
        let mut refreshed = false;
        let mut token = self.credentials.access_token().await?;
        loop {
            if let Err(pw_http::PacingError::AskedToWait { wait }) = self.pacer.next_request().await
            {
                return Err(self.rate_limited(wait));
            }
            let failure = match self.attempt(build(&self.client, &token)).await {
                Err(detail) => detail,
                Ok(answer) => match judge(&answer) {
                    Verdict::Ok => match read(answer) {
                        Ok(value) => return Ok(value),
                        Err(detail) => {
                            failures += 1;
                            if failures >= self.policy.attempts.min(2) {
                                return Err(ConnectorError::Malformed {
                                    platform: self.platform,
                                    what: detail,
                                });
                            }
                            tracing::warn!(platform = self.platform.as_str(), %detail, "unreadable page; asking again");
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
                            platform = self.platform.as_str(),
                            ?wait,
                            "rate limited; waiting"
                        );
                        self.pause(wait).await?;
                        continue;
                    }
                    Verdict::Expired(reason) => {
                        if refreshed {
                            return Err(ConnectorError::Reconnect {
                                platform: self.platform,
                                reason,
                            });
                        }
                        refreshed = true;
                        token = self.credentials.after_rejection(&token, &reason).await?;
                        continue;
                    }
                    Verdict::Refused(message) => {
                        return Err(ConnectorError::Refused {
                            platform: self.platform,
                            message,
                        });
                    }
                    Verdict::TooMuchData => {
                        return Err(ConnectorError::TooMuchData {
                            platform: self.platform,
                        });
                    }
                    Verdict::Transient(detail) => detail,
                },
            };
            failures += 1;
            if failures >= self.policy.attempts {
                return Err(ConnectorError::Unavailable {
                    platform: self.platform,
                    attempts: failures,
                    detail: failure,
                });
            }
            let wait = backoff(self.policy.base_backoff, failures);
            tracing::warn!(platform = self.platform.as_str(), detail = %failure, ?wait, "request failed; retrying");
            self.pause(wait).await?;
        }
    }

    /// How long to wait before the `polls`-th look at an asynchronous report: half a second,
    /// doubling up to the policy's interval (most reports of a few days are ready in a
    /// second or two; big ones are not asked about every half second).
    pub fn poll_wait(&self, polls: u32) -> Duration {
        Duration::from_millis(500)
            .saturating_mul(1 << polls.saturating_sub(1).min(8))
            .min(self.policy.poll_interval)
    }

    /// Waits `wait`, or until the sync is cancelled.
    pub async fn pause(&self, wait: Duration) -> Result<()> {
        tokio::select! {
            () = tokio::time::sleep(wait) => Ok(()),
            () = self.cancel.cancelled() => Err(ConnectorError::Cancelled),
        }
    }

    fn rate_limited(&self, wait: Duration) -> ConnectorError {
        let until = Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        ConnectorError::RateLimited {
            platform: self.platform,
            until,
            wait,
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

/// The usual HTTP reading, for platforms whose errors are their status codes.
pub fn judge_by_status(answer: &Answer) -> Verdict {
    let status = answer.status;
    if status.is_success() {
        Verdict::Ok
    } else if status == StatusCode::TOO_MANY_REQUESTS {
        Verdict::RateLimited(pw_http::retry_after(&answer.headers))
    } else if status == StatusCode::UNAUTHORIZED {
        Verdict::Expired("the platform no longer accepts the access token".into())
    } else if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
        Verdict::Transient(format!("the platform answered {status}"))
    } else {
        Verdict::Refused(format!("the platform answered {status}"))
    }
}
