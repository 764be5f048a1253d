//! The HTTP transport under async-openai for one vendor: every attempt waits its turn with the
//! vendor's pacer, and 429s, 5xx answers, timeouts and dropped connections are retried with the
//! vendor's `Retry-After` (or exponential backoff with jitter). Only when attempts run out does
//! the failure reach async-openai, and through it the gateway.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_openai::error::OpenAIError;
use async_openai::middleware::{HttpRequestFactory, ReqwestService};
use tower::{Service, ServiceExt};

use crate::limits::{VendorPacer, backoff, retry_after};

#[derive(Clone)]
pub(crate) struct VendorTransport {
    pub(crate) vendor: String,
    pub(crate) http: ReqwestService,
    pub(crate) pacer: Arc<VendorPacer>,
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
            let mut attempt = 0;
            loop {
                attempt += 1;
                transport.pacer.next_request().await;
                let sent = tokio::time::timeout(
                    limits.request_timeout,
                    transport.http.clone().oneshot(request.clone()),
                )
                .await;
                let outcome = match sent {
                    Ok(outcome) => outcome,
                    Err(_) => Err(OpenAIError::from(
                        Box::new(AnswerTimeout(limits.request_timeout)) as tower::BoxError,
                    )),
                };
                match outcome {
                    Ok(response) => {
                        transport.pacer.observe(response.headers());
                        let status = response.status();
                        if !retryable_status(status) || attempt >= attempts {
                            return Ok(response);
                        }
                        let asked = retry_after(response.headers());
                        let delay = asked.unwrap_or_else(|| backoff(limits.base_backoff, attempt));
                        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                            // Everyone calling this vendor waits, not just this call.
                            transport.pacer.pause_for(delay);
                        }
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
