//! The HTTP transport under async-openai for one vendor: every attempt waits its turn with the
//! vendor's pacer, and 429s, 5xx answers, timeouts and dropped connections (before or during
//! the body) are retried with the vendor's `Retry-After` (or exponential backoff with jitter).
//! A wait the vendor asks for beyond its `longest_wait` is not waited out: the call fails with
//! [`LlmError::VendorAskedToWait`] so the gateway can move on. Only when attempts run out does
//! the failure reach async-openai, and through it the gateway.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};

use async_openai::error::OpenAIError;
use async_openai::middleware::{HttpRequestFactory, ReqwestService};
use tower::{Service, ServiceExt};

use crate::error::LlmError;
use crate::limits::{VendorPacer, backoff, retry_after};

#[derive(Clone)]
pub(crate) struct VendorTransport {
    pub(crate) vendor: String,
    pub(crate) http: ReqwestService,
    pub(crate) pacer: Arc<VendorPacer>,
    /// HTTP requests sent for one call, across every request the call makes (an empty answer
    /// is asked again): the attempts an error reports, and the call's budget of them.
    pub(crate) attempts: Arc<AtomicU32>,
}

/// A request that timed out before the vendor started answering.
#[derive(Debug, thiserror::Error)]
#[error("no answer within {0:?}")]
pub(crate) struct AnswerTimeout(pub std::time::Duration);

fn retryable_status(status: reqwest::StatusCode) -> bool {
    // 529 is Anthropic's "overloaded"; 408 a proxy's request timeout.
    status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
}

/// Our own failure, carried through async-openai to the gateway (which unwraps it).
fn carried(error: LlmError) -> OpenAIError {
    OpenAIError::from(Box::new(error) as tower::BoxError)
}

fn is_event_stream(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"))
}

/// Reads a whole (non-streamed) body here, inside the retry loop: a connection cut mid-body
/// is then one more dropped connection to retry, not a failure after the retries. A stream's
/// body is read by its consumer, piece by piece.
async fn whole(response: reqwest::Response) -> Result<reqwest::Response, OpenAIError> {
    if is_event_stream(&response) {
        return Ok(response);
    }
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(OpenAIError::Reqwest)?;
    let mut read = http::Response::new(body);
    *read.status_mut() = status;
    *read.version_mut() = version;
    *read.headers_mut() = headers;
    Ok(reqwest::Response::from(read))
}

impl Service<HttpRequestFactory> for VendorTransport {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequestFactory) -> Self::Future {
        let transport = self.clone();
        Box::pin(async move {
            let limits = &transport.pacer.limits;
            let attempts = limits.max_attempts.max(1);
            loop {
                transport
                    .pacer
                    .next_request(&transport.vendor)
                    .await
                    .map_err(carried)?;
                let attempt = transport.attempts.fetch_add(1, Ordering::SeqCst) + 1;
                let sent = tokio::time::timeout(
                    limits.request_timeout,
                    transport.http.clone().oneshot(request.clone()),
                )
                .await;
                let outcome = match sent {
                    Ok(Ok(response)) => whole(response).await,
                    Ok(Err(error)) => Err(error),
                    Err(_) => Err(OpenAIError::from(
                        Box::new(AnswerTimeout(limits.request_timeout)) as tower::BoxError,
                    )),
                };
                match outcome {
                    Ok(response) => {
                        transport.pacer.observe(response.headers());
                        let status = response.status();
                        if !retryable_status(status) {
                            return Ok(response);
                        }
                        let asked = retry_after(response.headers());
                        if let Some(asked) = asked {
                            // Everyone calling this vendor waits, not just this call: after a
                            // 429 always, after a 5xx when the wait is long (maintenance).
                            if status == reqwest::StatusCode::TOO_MANY_REQUESTS
                                || asked > limits.longest_wait
                            {
                                transport.pacer.pause_for(asked);
                            }
                            if asked > limits.longest_wait {
                                tracing::warn!(vendor = %transport.vendor, %status, ?asked, "vendor asked for a longer wait than we hold a call for");
                                return Err(carried(LlmError::VendorAskedToWait {
                                    vendor: transport.vendor.clone(),
                                    wait: asked,
                                }));
                            }
                        }
                        if attempt >= attempts {
                            return Ok(response);
                        }
                        let delay = asked.unwrap_or_else(|| backoff(limits.base_backoff, attempt));
                        tracing::warn!(vendor = %transport.vendor, %status, attempt, ?delay, "vendor asked us to slow down or failed; retrying");
                        tokio::time::sleep(delay).await;
                    }
                    Err(error) => {
                        if attempt >= attempts {
                            return Err(error);
                        }
                        let delay = backoff(limits.base_backoff, attempt);
                        tracing::warn!(vendor = %transport.vendor, %error, attempt, ?delay, "request failed; retrying");
                        tokio::time::sleep(delay).await;
                    }
                }
            }
        })
    }
}
