//! Pacing one vendor: requests and tokens per minute (token buckets), a cap on calls in flight,
//! and a pause that the vendor itself can set through `Retry-After` and `x-ratelimit-*`.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use http::HeaderMap;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::error::{LlmError, Result};

/// The limits a person sets for a vendor (or a team's serving cluster).
#[derive(Debug, Clone, PartialEq)]
pub struct VendorLimits {
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    pub max_concurrency: usize,
    /// Attempts per call, counting the first: 429s, 5xx and dropped connections are retried.
    pub max_attempts: u32,
    /// The first retry waits this long (doubling, with jitter) unless the vendor says otherwise.
    pub base_backoff: Duration,
    /// How long to wait for a reply to start.
    pub request_timeout: Duration,
}

impl Default for VendorLimits {
    fn default() -> Self {
        VendorLimits {
            requests_per_minute: None,
            tokens_per_minute: None,
            max_concurrency: 8,
            max_attempts: 5,
            base_backoff: Duration::from_millis(500),
            request_timeout: Duration::from_secs(120),
        }
    }
}

pub(crate) struct VendorPacer {
    pub(crate) limits: VendorLimits,
    requests: Option<DefaultDirectRateLimiter>,
    tokens: Option<(DefaultDirectRateLimiter, u32)>,
    in_flight: std::sync::Arc<Semaphore>,
    paused_until: Mutex<Option<Instant>>,
}

fn per_minute(limit: u32, burst: u32) -> Option<DefaultDirectRateLimiter> {
    let limit = NonZeroU32::new(limit)?;
    let burst = NonZeroU32::new(burst.max(1))?;
    Some(RateLimiter::direct(
        Quota::per_minute(limit).allow_burst(burst),
    ))
}

impl VendorPacer {
    pub(crate) fn new(limits: VendorLimits) -> Self {
        // Requests burst at most one second's worth: vendors enforce per-minute limits over
        // shorter windows too, and a full minute's burst at start-up is what earns 429s.
        let requests = limits
            .requests_per_minute
            .and_then(|rpm| per_minute(rpm, rpm / 60));
        // Tokens may burst a full minute: one large request must always fit.
        let tokens = limits
            .tokens_per_minute
            .and_then(|tpm| per_minute(tpm, tpm).map(|l| (l, tpm)));
        VendorPacer {
            in_flight: std::sync::Arc::new(Semaphore::new(limits.max_concurrency.max(1))),
            limits,
            requests,
            tokens,
            paused_until: Mutex::new(None),
        }
    }

    /// Waits for a call slot and the call's token budget. The returned permit is the slot.
    pub(crate) async fn admit(
        &self,
        vendor: &str,
        estimated_tokens: u32,
    ) -> Result<OwnedSemaphorePermit> {
        let permit = self
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| LlmError::Cancelled)?;
        if let Some((limiter, tpm)) = &self.tokens {
            let cells = NonZeroU32::new(estimated_tokens.clamp(1, *tpm)).unwrap_or(NonZeroU32::MIN);
            if estimated_tokens > *tpm {
                return Err(LlmError::RequestTooLarge {
                    vendor: vendor.to_owned(),
                    requested: estimated_tokens,
                    limit: *tpm,
                });
            }
            limiter
                .until_n_ready(cells)
                .await
                .map_err(|_| LlmError::RequestTooLarge {
                    vendor: vendor.to_owned(),
                    requested: estimated_tokens,
                    limit: *tpm,
                })?;
        }
        Ok(permit)
    }

    /// Waits for the vendor's turn for one HTTP request (every attempt counts).
    pub(crate) async fn next_request(&self) {
        loop {
            let pause = self.paused_until.lock().ok().and_then(|p| *p);
            match pause {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => break,
            }
        }
        if let Some(limiter) = &self.requests {
            limiter.until_ready().await;
        }
    }

    pub(crate) fn pause_for(&self, delay: Duration) {
        let until = Instant::now() + delay;
        if let Ok(mut paused) = self.paused_until.lock()
            && paused.is_none_or(|current| current < until)
        {
            *paused = Some(until);
        }
    }

    /// Reads the vendor's rate-limit headers: when it says no requests remain, pause until its
    /// reset instead of spending an attempt on a certain 429.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        let remaining = header_text(headers, "x-ratelimit-remaining-requests")
            .or_else(|| header_text(headers, "anthropic-ratelimit-requests-remaining"))
            .and_then(|v| v.trim().parse::<i64>().ok());
        if remaining == Some(0) {
            let reset = header_text(headers, "x-ratelimit-reset-requests")
                .and_then(|v| parse_go_duration(&v))
                .or_else(|| {
                    header_text(headers, "anthropic-ratelimit-requests-reset")
                        .and_then(|v| until_rfc3339(&v))
                });
            if let Some(reset) = reset {
                self.pause_for(reset);
            }
        }
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// How long the vendor asked us to wait: `retry-after-ms`, `Retry-After` in seconds (integer or
/// fractional) or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(ms) =
        header_text(headers, "retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok())
    {
        return (ms >= 0.0).then(|| Duration::from_secs_f64(ms / 1000.0));
    }
    let value = header_text(headers, "retry-after")?;
    if let Ok(seconds) = value.trim().parse::<f64>() {
        return (seconds >= 0.0 && seconds.is_finite()).then(|| Duration::from_secs_f64(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    (when.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
}

/// OpenAI's reset durations: `1s`, `6m0s`, `12ms`, `1m30.5s`.
pub(crate) fn parse_go_duration(text: &str) -> Option<Duration> {
    let mut total = 0.0;
    let mut number = String::new();
    let mut chars = text.trim().chars().peekable();
    let mut parsed_any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                0.001
            }
            ('h', _) => 3600.0,
            ('m', _) => 60.0,
            ('s', _) => 1.0,
            _ => return None,
        };
        total += number.parse::<f64>().ok()? * unit;
        number.clear();
        parsed_any = true;
    }
    (parsed_any && number.is_empty()).then(|| Duration::from_secs_f64(total))
}

fn until_rfc3339(text: &str) -> Option<Duration> {
    let when = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
    (when.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
}

/// Exponential backoff with ±25% jitter for attempt `attempt` (1-based), capped at 30 s.
pub(crate) fn backoff(base: Duration, attempt: u32) -> Duration {
    use rand::Rng;
    let raw = base
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(10))
        .min(Duration::from_secs(30));
    raw.mul_f64(rand::rng().random_range(0.75..=1.25))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_go_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_go_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_go_duration("12ms"), Some(Duration::from_millis(12)));
        assert_eq!(
            parse_go_duration("1m30.5s"),
            Some(Duration::from_millis(90_500))
        );
        assert_eq!(parse_go_duration("soon"), None);
    }

    #[test]
    fn retry_after_accepts_seconds_fractions_milliseconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after", "0.25".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
        headers.insert("retry-after-ms", "40".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(40)));
        let mut dated = HeaderMap::new();
        let later = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        dated.insert("retry-after", later.parse().unwrap());
        let wait = retry_after(&dated).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
    }
}
