//! The paced, retrying HTTP service: every attempt waits its turn with the endpoint's pacer,
//! and 429s, 5xx answers, timeouts and dropped connections (before or during the body) are
//! retried with the endpoint's `Retry-After` (or exponential backoff with jitter). A wait the
//! endpoint asks for beyond its `longest_wait` is not waited out: the call fails with
//! [`PacingError::AskedToWait`]. Only when attempts run out does the failure, or the last
//! failed response, reach the caller.
//!
//! A retried attempt may still have been paid for: an endpoint that answered but whose whole
//! body was cut off (or too slow, or too large) mid-way did the work, as did one that was
//! still working when we stopped waiting. [`Attempts`] counts those as *lost*, so a caller
//! that pays per answer can charge them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tower::{Layer, Service, ServiceExt};

use crate::headers::retry_after;
use crate::pacer::{Pacer, PacingError};

/// Why a paced request failed, once no attempt is left (or the pacer refused it).
#[derive(Debug, thiserror::Error)]
pub enum SendError<E> {
    #[error(transparent)]
    Paced(#[from] PacingError),
    /// The endpoint did not start answering in time.
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
    /// The connection dropped while the (whole, non-streamed) body was read.
    #[error(transparent)]
    Body(reqwest::Error),
    /// The wrapped service's own failure (a connection refused, say).
    #[error(transparent)]
    Inner(E),
    /// The (whole, non-streamed) body grew past what any answer of this endpoint should be;
    /// reading on would only fill memory. Not retried: the next answer would be the same.
    #[error("the answer was larger than {0} bytes")]
    BodyTooLarge(usize),
}

/// One logical call's HTTP attempts, across every request the call makes (a caller may ask
/// again after an answer it cannot use): how many were sent (what an error reports, and the
/// call's budget of them), and how many of those were *lost*: the endpoint got the request and
/// answered, or was still working on it, but its answer never reached us (a whole body cut off,
/// too slow or too large mid-way; no answer before the timeout). An endpoint that bills per
/// answer has likely billed a lost attempt, and nobody can say for how much; a request that
/// failed before it was answered (refused, a connection that never opened, a 429 or 5xx) is
/// not lost.
#[derive(Debug, Default)]
pub struct Attempts {
    sent: AtomicU32,
    lost: AtomicU32,
}

impl Attempts {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// Requests sent so far.
    pub fn sent(&self) -> u32 {
        self.sent.load(Ordering::SeqCst)
    }

    /// Requests the endpoint likely did the work for, whose answer never arrived.
    pub fn lost(&self) -> u32 {
        self.lost.load(Ordering::SeqCst)
    }

    /// Counts one more request sent; returns its number (1-based).
    fn start(&self) -> u32 {
        self.sent.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn lose(&self) {
        self.lost.fetch_add(1, Ordering::SeqCst);
    }
}

/// Paces and retries the requests of `S` for one endpoint. Requests are cloned for each
/// attempt.
#[derive(Clone)]
pub struct Paced<S> {
    /// The endpoint's name, for logs.
    endpoint: String,
    inner: S,
    pacer: Arc<Pacer>,
    /// One call's attempts (see [`Attempts`]).
    attempts: Arc<Attempts>,
}

impl<S> Paced<S> {
    /// `attempts` is one logical call's counter and budget of attempts (its limit is the
    /// endpoint's `max_attempts`): make a fresh one per call. Sharing one across calls shares
    /// their budget, which is what a caller wants only for re-asks within one call.
    pub fn new(
        endpoint: impl Into<String>,
        pacer: Arc<Pacer>,
        attempts: Arc<Attempts>,
        inner: S,
    ) -> Self {
        Paced {
            endpoint: endpoint.into(),
            inner,
            pacer,
            attempts,
        }
    }
}

/// [`Paced`] as a tower layer.
#[derive(Clone)]
pub struct PacingLayer {
    endpoint: String,
    pacer: Arc<Pacer>,
    attempts: Arc<Attempts>,
}

impl PacingLayer {
    /// As [`Paced::new`]: `attempts` counts one call's attempts, so a layer serves one call
    /// (build it per call), not a client's lifetime.
    pub fn new(endpoint: impl Into<String>, pacer: Arc<Pacer>, attempts: Arc<Attempts>) -> Self {
        PacingLayer {
            endpoint: endpoint.into(),
            pacer,
            attempts,
        }
    }
}

impl<S> Layer<S> for PacingLayer {
    type Service = Paced<S>;

    fn layer(&self, inner: S) -> Paced<S> {
        Paced::new(
            self.endpoint.clone(),
            self.pacer.clone(),
            self.attempts.clone(),
            inner,
        )
    }
}

fn retryable_status(status: reqwest::StatusCode) -> bool {
    // 529 is Anthropic's "overloaded"; 408 a proxy's request timeout.
    status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
}

fn is_event_stream(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

/// The most a whole (non-streamed) answer may hold. Model answers and ad-platform report
/// pages are far smaller; a body past this is a broken or hostile endpoint.
pub const MAX_WHOLE_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Reads a whole (non-streamed) body here, inside the retry loop: a connection cut mid-body
/// is then one more dropped connection to retry, not a failure after the retries. A stream's
/// body is read by its consumer, piece by piece. The read has a deadline of its own (a body
/// that trickles in a byte at a time would otherwise hold the call for ever) and a size cap.
/// A successful answer whose body never arrives whole was still produced: it is counted lost.
async fn whole<E>(
    response: reqwest::Response,
    deadline: Duration,
    attempts: &Attempts,
) -> Result<reqwest::Response, SendError<E>> {
    if is_event_stream(&response) {
        return Ok(response);
    }
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let read = async move {
        let mut response = response;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(SendError::Body)? {
            if body.len() + chunk.len() > MAX_WHOLE_BODY_BYTES {
                return Err(SendError::BodyTooLarge(MAX_WHOLE_BODY_BYTES));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    let body = tokio::time::timeout(deadline, read)
        .await
        .map_err(|_| SendError::TimedOut(deadline))
        .and_then(|read| read)
        .inspect_err(|_| {
            if status.is_success() {
                attempts.lose();
            }
        })?;
    let mut read = http::Response::new(body);
    *read.status_mut() = status;
    *read.version_mut() = version;
    *read.headers_mut() = headers;
    Ok(reqwest::Response::from(read))
}

/// Whether the wrapped service gave up waiting for an answer to a request it had sent (the
/// client's own read timeout, found anywhere in the error's sources), as opposed to failing to
/// connect or being refused.
fn timed_out_waiting(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(http) = error.downcast_ref::<reqwest::Error>() {
            return http.is_timeout() && !http.is_connect();
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        current = error.source();
    }
    false
}

/// Exponential backoff with ±25% jitter for attempt `attempt` (1-based), capped at 30 s.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    use rand::Rng;
    let raw = base
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(10))
        .min(Duration::from_secs(30));
    raw.mul_f64(rand::rng().random_range(0.75..=1.25))
}

impl<S, R> Service<R> for Paced<S>
where
    S: Service<R, Response = reqwest::Response> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: std::error::Error + Send + Sync + 'static,
    R: Clone + Send + 'static,
{
    type Response = reqwest::Response;
    type Error = SendError<S::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<reqwest::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness is waited for per attempt, inside the retry loop.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: R) -> Self::Future {
        let paced = self.clone();
        Box::pin(async move {
            let limits = paced.pacer.limits();
            let attempts = limits.max_attempts.max(1);
            loop {
                paced.pacer.next_request().await?;
                let attempt = paced.attempts.start();
                let sent = tokio::time::timeout(
                    limits.request_timeout,
                    paced.inner.clone().oneshot(request.clone()),
                )
                .await;
                let outcome = match sent {
                    Ok(Ok(response)) => {
                        whole(response, limits.request_timeout, &paced.attempts).await
                    }
                    Ok(Err(error)) => {
                        if timed_out_waiting(&error) {
                            paced.attempts.lose();
                        }
                        Err(SendError::Inner(error))
                    }
                    Err(_) => {
                        // Sent, and not answered in time: the endpoint may be working on it
                        // still, and bill it.
                        paced.attempts.lose();
                        Err(SendError::TimedOut(limits.request_timeout))
                    }
                };
                match outcome {
                    Ok(response) => {
                        paced.pacer.observe(response.headers());
                        let status = response.status();
                        if !retryable_status(status) {
                            return Ok(response);
                        }
                        let asked = retry_after(response.headers());
                        if let Some(asked) = asked {
                            // Everyone calling this endpoint waits, not just this call: after a
                            // 429 always, after a 5xx when the wait is long (maintenance).
                            if status == reqwest::StatusCode::TOO_MANY_REQUESTS
                                || asked > limits.longest_wait
                            {
                                paced.pacer.pause_for(asked);
                            }
                            if asked > limits.longest_wait {
                                tracing::warn!(endpoint = %paced.endpoint, %status, ?asked, "endpoint asked for a longer wait than we hold a call for");
                                return Err(PacingError::AskedToWait { wait: asked }.into());
                            }
                        }
                        if attempt >= attempts {
                            return Ok(response);
                        }
                        let delay = asked.unwrap_or_else(|| backoff(limits.base_backoff, attempt));
                        tracing::warn!(endpoint = %paced.endpoint, %status, attempt, ?delay, "endpoint asked us to slow down or failed; retrying");
                        tokio::time::sleep(delay).await;
                    }
                    Err(error) => {
                        if attempt >= attempts || matches!(error, SendError::BodyTooLarge(_)) {
                            return Err(error);
                        }
                        let delay = backoff(limits.base_backoff, attempt);
                        tracing::warn!(endpoint = %paced.endpoint, %error, attempt, ?delay, "request failed; retrying");
                        tokio::time::sleep(delay).await;
                    }
                }
            }
        })
    }
}
