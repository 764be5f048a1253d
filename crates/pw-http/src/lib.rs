//! Paced, retried HTTP for every call the app makes to an outside service (model vendors,
//! ad-platform connectors). An *endpoint* is one such service as one set of limits applies to
//! it; its [`Pacer`] keeps requests and cost per minute, calls in flight, and what the endpoint
//! said through `Retry-After` and `x-ratelimit-*`. [`Paced`] is a tower service over any
//! service that answers with a `reqwest::Response`: every attempt waits its turn with the
//! pacer, and 429s, 5xx, timeouts and dropped connections are retried with backoff.
//!
//! This crate knows HTTP only: what a request costs (a model call's tokens, say) is the
//! caller's to say, and its errors name no endpoint, so the caller words them.

mod headers;
mod pacer;
mod service;

pub use headers::{parse_go_duration, retry_after};
pub use pacer::{EndpointLimits, Pacer, PacingError, PacingState};
pub use service::{Attempts, Paced, PacingLayer, SendError, backoff};
