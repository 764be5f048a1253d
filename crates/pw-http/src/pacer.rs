//! Pacing one endpoint: requests and cost (tokens, say) per minute as token buckets, a cap on
//! calls in flight, and what the endpoint itself says through `Retry-After` and
//! `x-ratelimit-*`. A wait longer than the endpoint's `longest_wait` is refused (the caller may
//! go elsewhere) rather than waited out.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use http::HeaderMap;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::headers::{LONGEST_HEADER_WAIT, count, header_text, parse_go_duration, until_rfc3339};

/// The limits a person sets for an endpoint (a vendor, a team's serving cluster, an ad
/// platform's API).
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointLimits {
    pub requests_per_minute: Option<u32>,
    /// What requests may cost per minute, in the caller's unit (a model vendor's tokens).
    pub tokens_per_minute: Option<u32>,
    pub max_concurrency: usize,
    /// Attempts per call, counting the first: 429s, 5xx, dropped connections (and whatever
    /// else the caller counts as a failed attempt) are retried.
    pub max_attempts: u32,
    /// The first retry waits this long (doubling, with jitter) unless the endpoint says
    /// otherwise.
    pub base_backoff: Duration,
    /// How long to wait for a reply to start.
    pub request_timeout: Duration,
    /// The longest a call waits when the endpoint asks it to (`Retry-After`, a rate-limit
    /// reset). Past it the call fails saying how long the endpoint asked for (the caller may
    /// move on to another endpoint); the endpoint stays paused for what it asked.
    pub longest_wait: Duration,
}

impl Default for EndpointLimits {
    fn default() -> Self {
        EndpointLimits {
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

/// Why a request may not go. The caller names the endpoint when it reports one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PacingError {
    /// The endpoint's next turn is further away than its `longest_wait`.
    #[error("the endpoint asked to wait {wait:?}, longer than a call is held for")]
    AskedToWait { wait: Duration },
    /// One request costs more than the endpoint allows in a minute: it can never go.
    #[error("a request costing {requested} is over the limit of {limit} per minute")]
    TooLarge { requested: u32, limit: u32 },
    /// The pacer no longer admits calls.
    #[error("the endpoint's pacer is closed")]
    Closed,
}

/// What an endpoint has told us about when it takes requests again.
#[derive(Debug, Default)]
struct Signals {
    /// No request before this (a `Retry-After`).
    paused_until: Option<Instant>,
    /// The endpoint said no requests remain, and that its next slot frees at this instant. Each
    /// request that takes a slot moves this on by one slot, so waiters go one at a time instead
    /// of all at once into a certain 429.
    next_slot: Option<Instant>,
    /// How long one request occupies the endpoint's per-minute limit (a minute over the limit).
    slot_length: Duration,
}

/// Pacing outlives any one client: the app rebuilds its clients whenever settings change, and
/// an endpoint that asked for a pause, or whose buckets are drained, is the same endpoint
/// afterwards. One `PacingState` lives as long as the app and is handed to every client; an
/// endpoint is the same while its key is (a vendor's name, kind and address, say). Calls in
/// flight keep their pacer.
#[derive(Default)]
pub struct PacingState {
    pacers: Mutex<HashMap<String, Arc<Pacer>>>,
}

impl PacingState {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// The pacer of the endpoint known as `endpoint`: the same one while its limits are
    /// unchanged; with new limits, new buckets (their sizes changed) that still honour what the
    /// endpoint said.
    pub fn pacer_for(&self, endpoint: &str, limits: &EndpointLimits) -> Arc<Pacer> {
        let mut pacers = self.pacers.lock().unwrap_or_else(PoisonError::into_inner);
        match pacers.get(endpoint) {
            Some(pacer) if pacer.limits == *limits => pacer.clone(),
            earlier => {
                let signals = earlier.map(|p| p.signals.clone()).unwrap_or_default();
                let pacer = Arc::new(Pacer::new(limits.clone(), signals));
                pacers.insert(endpoint.to_owned(), pacer.clone());
                pacer
            }
        }
    }
}

/// One endpoint's pacing: its buckets, its calls in flight and what it said.
pub struct Pacer {
    limits: EndpointLimits,
    requests: Option<DefaultDirectRateLimiter>,
    tokens: Option<(DefaultDirectRateLimiter, u32)>,
    in_flight: Arc<Semaphore>,
    signals: Arc<Mutex<Signals>>,
}

fn per_minute(limit: u32, burst: u32) -> Option<DefaultDirectRateLimiter> {
    let limit = NonZeroU32::new(limit)?;
    let burst = NonZeroU32::new(burst.max(1))?;
    Some(RateLimiter::direct(
        Quota::per_minute(limit).allow_burst(burst),
    ))
}

/// When this request may go.
/// How far apart requests waiting for a freed slot go when neither the endpoint nor our
/// settings say how many requests a minute it takes.
const UNKNOWN_SLOT_SPACING: Duration = Duration::from_millis(250);

enum Turn {
    Now,
    /// The endpoint is paused until then; look again after it.
    AfterPause(Instant),
    /// This request has the endpoint's next free slot, at this instant.
    Slot(Instant),
}

impl Pacer {
    fn new(limits: EndpointLimits, signals: Arc<Mutex<Signals>>) -> Self {
        // Requests burst at most one second's worth: vendors enforce per-minute limits over
        // shorter windows too, and a full minute's burst at start-up is what earns 429s.
        let requests = limits
            .requests_per_minute
            .and_then(|rpm| per_minute(rpm, rpm / 60));
        // Tokens may burst a full minute: one large request must always fit.
        let tokens = limits
            .tokens_per_minute
            .and_then(|tpm| per_minute(tpm, tpm).map(|l| (l, tpm)));
        Pacer {
            in_flight: Arc::new(Semaphore::new(limits.max_concurrency.max(1))),
            limits,
            requests,
            tokens,
            signals,
        }
    }

    pub fn limits(&self) -> &EndpointLimits {
        &self.limits
    }

    fn signals(&self) -> MutexGuard<'_, Signals> {
        self.signals.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for a call slot and the call's cost in the per-minute budget (`cost` in the unit
    /// of `tokens_per_minute`). The returned permit is the slot.
    pub async fn admit(&self, cost: u32) -> Result<OwnedSemaphorePermit, PacingError> {
        let permit = self
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| PacingError::Closed)?;
        if let Some((limiter, tpm)) = &self.tokens {
            let cells = NonZeroU32::new(cost.clamp(1, *tpm)).unwrap_or(NonZeroU32::MIN);
            let too_large = PacingError::TooLarge {
                requested: cost,
                limit: *tpm,
            };
            if cost > *tpm {
                return Err(too_large);
            }
            limiter.until_n_ready(cells).await.map_err(|_| too_large)?;
        }
        Ok(permit)
    }

    /// Waits for the endpoint's turn for one HTTP request (every attempt counts). Fails at
    /// once with [`PacingError::AskedToWait`] when the endpoint's turn is further away than
    /// `longest_wait`, so the call can move on.
    pub async fn next_request(&self) -> Result<(), PacingError> {
        loop {
            match self.take_turn()? {
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

    fn take_turn(&self) -> Result<Turn, PacingError> {
        let now = Instant::now();
        let mut signals = self.signals();
        if let Some(until) = signals.paused_until.filter(|until| *until > now) {
            self.within_longest_wait(until - now)?;
            return Ok(Turn::AfterPause(until));
        }
        let length = signals.slot_length;
        match signals.next_slot {
            Some(slot) if slot > now => {
                self.within_longest_wait(slot - now)?;
                // With no known limit a slot has no length; the waiters still go one after
                // another rather than all at once at the reset, which would only earn 429s.
                let spacing = match length.is_zero() {
                    true => UNKNOWN_SLOT_SPACING,
                    false => length,
                };
                signals.next_slot = Some(slot + spacing);
                Ok(Turn::Slot(slot))
            }
            // The slot has freed: this request takes it, the next one waits a slot's length
            // (until the endpoint says it has room again).
            Some(_) => {
                signals.next_slot = (!length.is_zero()).then(|| now + length);
                Ok(Turn::Now)
            }
            None => Ok(Turn::Now),
        }
    }

    fn within_longest_wait(&self, wait: Duration) -> Result<(), PacingError> {
        match wait > self.limits.longest_wait {
            true => Err(PacingError::AskedToWait { wait }),
            false => Ok(()),
        }
    }

    /// Everyone calling this endpoint waits `delay` (already clamped by the header reading).
    pub fn pause_for(&self, delay: Duration) {
        let until = Instant::now() + delay.min(LONGEST_HEADER_WAIT);
        let mut signals = self.signals();
        if signals.paused_until.is_none_or(|current| current < until) {
            signals.paused_until = Some(until);
        }
    }

    /// Reads the endpoint's rate-limit headers. `remaining: 0` with a reset means the
    /// endpoint's next slot frees by then (see below): one request goes then, the others a slot
    /// apart after it, rather than spending attempts on certain 429s or all waiting for the
    /// window to clear.
    pub fn observe(&self, headers: &HeaderMap) {
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

    /// One request's share of a minute: the slower of the endpoint's limit and ours.
    fn slot_length(&self, endpoint_limit: Option<u64>) -> Option<Duration> {
        let of = |per_minute: u64| {
            u32::try_from(per_minute)
                .ok()
                .map(|n| Duration::from_secs(60) / n.max(1))
        };
        let theirs = endpoint_limit.filter(|l| *l > 0).and_then(of);
        let ours = self
            .limits
            .requests_per_minute
            .filter(|l| *l > 0)
            .and_then(|l| of(u64::from(l)));
        theirs.max(ours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_for_a_freed_slot_of_unknown_length_go_one_after_another() {
        let pacer = PacingState::new().pacer_for("endpoint", &EndpointLimits::default());
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining-requests", "0".parse().unwrap());
        headers.insert("x-ratelimit-reset-requests", "2s".parse().unwrap());
        pacer.observe(&headers);
        let slots: Vec<Instant> = (0..3)
            .map(|_| match pacer.take_turn() {
                Ok(Turn::Slot(at)) => at,
                _ => panic!("expected a slot"),
            })
            .collect();
        assert!(slots[0] < slots[1] && slots[1] < slots[2], "{slots:?}");
        assert_eq!(slots[1] - slots[0], UNKNOWN_SLOT_SPACING);
    }
}
