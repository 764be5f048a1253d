//! The HTTP transport under async-openai for one vendor: pw-http's [`Paced`] service (the
//! vendor's pacer, retries with backoff, `Retry-After`) over async-openai's reqwest service,
//! with its failures turned back into what async-openai and the gateway expect. A wait the
//! vendor asks for beyond its `longest_wait` comes back as [`LlmError::VendorAskedToWait`] so
//! the gateway can move on.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_openai::error::OpenAIError;
use async_openai::middleware::{HttpRequestFactory, ReqwestService};
use pw_http::{Attempts, Paced, Pacer, SendError};
use tower::Service;

use crate::error::LlmError;

#[derive(Clone)]
pub(crate) struct VendorTransport {
    vendor: String,
    paced: Paced<ReqwestService>,
}

impl VendorTransport {
    /// `attempts` counts the HTTP requests sent for one call, across every request the call
    /// makes (an empty answer is asked again): the attempts an error reports, the call's
    /// budget of them, and those lost after the vendor got them (which the call is charged for).
    pub(crate) fn new(
        vendor: &str,
        http: reqwest::Client,
        pacer: Arc<Pacer>,
        attempts: Arc<Attempts>,
    ) -> Self {
        VendorTransport {
            vendor: vendor.to_owned(),
            paced: Paced::new(vendor, pacer, attempts, ReqwestService::new(http)),
        }
    }
}

/// Our own failure, carried through async-openai to the gateway (which unwraps it).
fn carried(error: LlmError) -> OpenAIError {
    OpenAIError::from(Box::new(error) as tower::BoxError)
}

/// A paced request's failure as async-openai reports it: its own errors unchanged, a body cut
/// off as a reqwest error, a timeout boxed (the gateway reads it as unreachable), and the
/// pacer's refusals as our own errors.
fn reported(vendor: &str, error: SendError<OpenAIError>) -> OpenAIError {
    match error {
        SendError::Inner(error) => error,
        SendError::Body(error) => OpenAIError::Reqwest(error),
        SendError::Paced(refusal) => carried(LlmError::paced(vendor, refusal)),
        timeout @ SendError::TimedOut(_) => OpenAIError::from(Box::new(timeout) as tower::BoxError),
        too_large @ SendError::BodyTooLarge(_) => {
            OpenAIError::from(Box::new(too_large) as tower::BoxError)
        }
    }
}

impl Service<HttpRequestFactory> for VendorTransport {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequestFactory) -> Self::Future {
        let vendor = self.vendor.clone();
        let sent = self.paced.call(request);
        Box::pin(async move { sent.await.map_err(|error| reported(&vendor, error)) })
    }
}
