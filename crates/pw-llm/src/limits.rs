//! Pacing one vendor: requests and tokens per minute (token buckets), a cap on calls in flight,
//! and what the vendor itself says through `Retry-After` and `x-ratelimit-*`. Every header
//! value is vendor input: it is validated and clamped, and a wait longer than the vendor's
//! `longest_wait` is refused (the call moves to the next route) rather than waited out.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use http::HeaderMap;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::error::{LlmError, Result};
use crate::vendor::VendorSettings;

/// The longest wait any header is read as: a vendor that asks for more than a day means "not
/// today", and no clock arithmetic should overflow on what it wrote.
const LONGEST_HEADER_WAIT: Duration = Duration::from_secs(24 * 3600);

/// The limits a person sets for a vendor (or a team's serving cluster).
#[derive(Debug, Clone, PartialEq)]
pub struct VendorLimits {
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    pub max_concurrency: usize,
    /// Attempts per call, counting the first: 429s, 5xx, dropped connections and empty answers
    /// are retried.
    pub max_attempts: u32,
    /// The first retry waits this long (doubling, with jitter) unless the vendor says otherwise.
    pub base_backoff: Duration,
    /// How long to wait for a reply to start.
    pub request_timeout: Duration,
    /// The longest a call waits when the vendor asks it to (`Retry-After`, a rate-limit
    /// reset). Past it the call moves to the next route in the chain, or fails saying how long
    /// the vendor asked for; the vendor stays paused for what it asked.
    pub longest_wait: Duration,
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
            longest_wait: Duration::from_secs(60),
        }
    }
}

/// What a vendor has told us about when it takes requests again.
#[derive(Debug, Default)]
pub(crate) struct VendorSignals {
    /// No request before this (a `Retry-After`).
    paused_until: Option<Instant>,
    /// The vendor said no requests remain, and that its next slot frees at this instant. Each
    /// request that takes a slot moves this on by one slot, so waiters go one at a time instead
    /// of all at once into a certain 429.
    next_slot: Option<Instant>,
    /// How long one request occupies the vendor's per-minute limit (a minute over the limit).
    slot_length: Duration,
}

/// Pacing outlives any one gateway: the engine builds a new gateway whenever settings change,
/// and a vendor that asked for a pause, or whose buckets are drained, is the same vendor
/// afterwards. One `PacingState` lives as long as the app and is handed to every gateway; a
/// vendor is the same while its name, kind and address are. Calls in flight keep their pacer.
#[derive(Default)]
pub struct PacingState {
    pacers: Mutex<HashMap<String, Arc<VendorPacer>>>,
}

impl PacingState {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// The vendor's pacer: the same one while its limits are unchanged; with new limits, new
    /// buckets (their sizes changed) that still honour what the vendor said.
    pub(crate) fn pacer_for(&self, settings: &VendorSettings) -> Arc<VendorPacer> {
        let identity = format!(
            "{}\0{}\0{}",
            settings.name,
            settings.kind.as_str(),
            settings.normalised_base_url()
        );
        let mut pacers = self.pacers.lock().unwrap_or_else(PoisonError::into_inner);
        match pacers.get(&identity) {
            Some(pacer) if pacer.limits == settings.limits => pacer.clone(),
            earlier => {
                let signals = earlier.map(|p| p.signals.clone()).unwrap_or_default();
                let pacer = Arc::new(VendorPacer::new(settings.limits.clone(), signals));
                pacers.insert(identity, pacer.clone());
                pacer
            }
        }
    }
}

pub(crate) struct VendorPacer {
    pub(crate) limits: VendorLimits,
    requests: Option<DefaultDirectRateLimiter>,
    tokens: Option<(DefaultDirectRateLimiter, u32)>,
    in_flight: Arc<Semaphore>,
    signals: Arc<Mutex<VendorSignals>>,
}

fn per_minute(limit: u32, burst: u32) -> Option<DefaultDirectRateLimiter> {
    let limit = NonZeroU32::new(limit)?;
    let burst = NonZeroU32::new(burst.max(1))?;
    Some(RateLimiter::direct(
        Quota::per_minute(limit).allow_burst(burst),
    ))
}

/// When this request may go.
enum Turn {
    Now,
    /// The vendor is paused until then; look again after it.
    AfterPause(Instant),
    /// This request has the vendor's next free slot, at this instant.
    Slot(Instant),
}

impl VendorPacer {
    fn new(limits: VendorLimits, signals: Arc<Mutex<VendorSignals>>) -> Self {
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
            in_flight: Arc::new(Semaphore::new(limits.max_concurrency.max(1))),
            limits,
            requests,
            tokens,
            signals,
        }
    }

    fn signals(&self) -> MutexGuard<'_, VendorSignals> {
        self.signals.lock().unwrap_or_else(PoisonError::into_inner)
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

    /// Waits for the vendor's turn for one HTTP request (every attempt counts). Fails at once
    /// with [`LlmError::VendorAskedToWait`] when the vendor's turn is further away than
    /// `longest_wait`, so the call can move on to another route.
    pub(crate) async fn next_request(&self, vendor: &str) -> Result<()> {
        loop {
            match self.take_turn(vendor)? {
                Turn::Now => break,
                // The pause may be extended meanwhile (another call's 429): look again.
                Turn::AfterPause(until) => tokio::time::sleep_until(until).await,
                Turn::Slot(at) => {
                    tokio::time::sleep_until(at).await;
                    break;
                }
            }
        }
        if let Some(limiter) = &self.requests {
            limiter.until_ready().await;
        }
        Ok(())
    }

    fn take_turn(&self, vendor: &str) -> Result<Turn> {
        let now = Instant::now();
        let mut signals = self.signals();
        if let Some(until) = signals.paused_until.filter(|until| *until > now) {
            self.within_longest_wait(vendor, until - now)?;
            return Ok(Turn::AfterPause(until));
        }
        let length = signals.slot_length;
        match signals.next_slot {
            Some(slot) if slot > now => {
                self.within_longest_wait(vendor, slot - now)?;
                signals.next_slot = Some(slot + length);
                Ok(Turn::Slot(slot))
            }
            // The slot has freed: this request takes it, the next one waits a slot's length
            // (until the vendor says it has room again).
            Some(_) => {
                signals.next_slot = (!length.is_zero()).then(|| now + length);
                Ok(Turn::Now)
            }
            None => Ok(Turn::Now),
        }
    }

    fn within_longest_wait(&self, vendor: &str, wait: Duration) -> Result<()> {
        match wait > self.limits.longest_wait {
            true => Err(LlmError::VendorAskedToWait {
                vendor: vendor.to_owned(),
                wait,
            }),
            false => Ok(()),
        }
    }

    /// Everyone calling this vendor waits `delay` (already clamped by the header reading).
    pub(crate) fn pause_for(&self, delay: Duration) {
        let until = Instant::now() + delay.min(LONGEST_HEADER_WAIT);
        let mut signals = self.signals();
        if signals.paused_until.is_none_or(|current| current < until) {
            signals.paused_until = Some(until);
        }
    }

    /// Reads the vendor's rate-limit headers. `remaining: 0` with a reset means the vendor's
    /// next slot frees by then (see below): one request goes then, the others a slot apart
    /// after it, rather than spending attempts on certain 429s or all waiting for the window
    /// to clear.
    pub(crate) fn observe(&self, headers: &HeaderMap) {
        let remaining = count(headers, "x-ratelimit-remaining-requests")
            .or_else(|| count(headers, "anthropic-ratelimit-requests-remaining"));
        let limit = count(headers, "x-ratelimit-limit-requests")
            .or_else(|| count(headers, "anthropic-ratelimit-requests-limit"));
        let reset = header_text(headers, "x-ratelimit-reset-requests")
            .and_then(|v| parse_go_duration(&v))
            .or_else(|| {
                header_text(headers, "anthropic-ratelimit-requests-reset")
                    .and_then(|v| until_rfc3339(&v))
            });
        let now = Instant::now();
        let mut signals = self.signals();
        if let Some(slot_length) = self.slot_length(limit) {
            signals.slot_length = slot_length;
        }
        match (remaining, reset) {
            (Some(0), Some(reset)) => {
                // Vendors mean one of two things by the reset: when the next slot frees, or
                // (OpenAI's documentation) when the whole limit is back, a minute away, while
                // slots free one by one before it. So the next slot is taken at the reset or
                // one slot's length from now, whichever is sooner: a guess that is early costs
                // one 429, whose Retry-After then says exactly when.
                let wait = match signals.slot_length.is_zero() {
                    true => reset,
                    false => reset.min(signals.slot_length),
                };
                let freed = now + wait;
                signals.next_slot = Some(signals.next_slot.map_or(freed, |s| s.max(freed)));
            }
            (Some(remaining), _) if remaining > 0 => signals.next_slot = None,
            _ => {}
        }
    }

    /// One request's share of a minute: the slower of the vendor's limit and ours.
    fn slot_length(&self, vendor_limit: Option<u64>) -> Option<Duration> {
        let of = |per_minute: u64| {
            u32::try_from(per_minute)
                .ok()
                .map(|n| Duration::from_secs(60) / n.max(1))
        };
        let theirs = vendor_limit.filter(|l| *l > 0).and_then(of);
        let ours = self
            .limits
            .requests_per_minute
            .filter(|l| *l > 0)
            .and_then(|l| of(u64::from(l)));
        theirs.max(ours)
    }
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn count(headers: &HeaderMap, name: &str) -> Option<u64> {
    header_text(headers, name).and_then(|v| v.trim().parse::<u64>().ok())
}

/// A number of seconds a vendor wrote, as a wait: nothing for negative, infinite or not-a-number
/// values, at most [`LONGEST_HEADER_WAIT`] for huge ones.
fn seconds(value: f64) -> Option<Duration> {
    (value.is_finite() && value >= 0.0)
        .then(|| Duration::from_secs_f64(value.min(LONGEST_HEADER_WAIT.as_secs_f64())))
}

/// How long the vendor asked us to wait: `retry-after-ms`, `Retry-After` in seconds (integer or
/// fractional) or as an HTTP date; values that are not a usable wait are ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(wait) = header_text(headers, "retry-after-ms")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|ms| seconds(ms / 1000.0))
    {
        return Some(wait);
    }
    let value = header_text(headers, "retry-after")?;
    if let Ok(number) = value.trim().parse::<f64>() {
        return seconds(number);
    }
    let when = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    (when.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
        .map(|wait| wait.min(LONGEST_HEADER_WAIT))
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
    if !parsed_any || !number.is_empty() {
        return None;
    }
    seconds(total)
}

fn until_rfc3339(text: &str) -> Option<Duration> {
    let when = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
    (when.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
        .map(|wait| wait.min(LONGEST_HEADER_WAIT))
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
    fn durations_a_vendor_writes_are_clamped_or_refused_never_a_panic() {
        assert_eq!(
            parse_go_duration("99999999999999999999999999h"),
            Some(LONGEST_HEADER_WAIT)
        );
        assert_eq!(parse_go_duration(&"9".repeat(400)), None, "no unit");
        assert_eq!(parse_go_duration(&format!("{}s", "9".repeat(400))), None);
        assert_eq!(parse_go_duration("-1s"), None);
        assert_eq!(parse_go_duration("1e3s"), None);
        assert_eq!(parse_go_duration("1..5s"), None);
        assert_eq!(parse_go_duration(""), None);
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

    #[test]
    fn retry_after_values_that_are_no_wait_are_ignored_and_huge_ones_clamped() {
        let read = |pairs: &[(&'static str, &str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(*name, value.parse().unwrap());
            }
            retry_after(&headers)
        };
        for garbage in ["inf", "-inf", "NaN", "-5", "soon", "", "1e400"] {
            assert_eq!(read(&[("retry-after-ms", garbage)]), None, "{garbage}");
            assert_eq!(read(&[("retry-after", garbage)]), None, "{garbage}");
        }
        assert_eq!(read(&[("retry-after", "1e20")]), Some(LONGEST_HEADER_WAIT));
        assert_eq!(
            read(&[("retry-after-ms", "1e300")]),
            Some(LONGEST_HEADER_WAIT)
        );
        let far = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc2822();
        assert_eq!(read(&[("retry-after", &far)]), Some(LONGEST_HEADER_WAIT));
        // An unusable millisecond value leaves the seconds header to speak.
        assert_eq!(
            read(&[("retry-after-ms", "inf"), ("retry-after", "3")]),
            Some(Duration::from_secs(3))
        );
    }
}
