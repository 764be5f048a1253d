//! What can go wrong with a model call, in words a researcher can act on.

pub type Result<T, E = LlmError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("no model is configured for {0}; choose one in Settings")]
    NoRoute(String),
    #[error("{vendor} is not set up (no API key or address)")]
    VendorNotConfigured { vendor: String },
    #[error(
        "{vendor} kept answering 'too many requests' after {attempts} tries; try again in a minute or lower the concurrency"
    )]
    RateLimited { vendor: String, attempts: u32 },
    #[error("{vendor} refused the request ({status}): {message}")]
    Refused {
        vendor: String,
        status: u16,
        message: String,
    },
    #[error("{vendor} failed ({status}) after {attempts} tries: {message}")]
    VendorFailed {
        vendor: String,
        status: u16,
        attempts: u32,
        message: String,
    },
    #[error("could not reach {vendor} after {attempts} tries: {message}")]
    Unreachable {
        vendor: String,
        attempts: u32,
        message: String,
    },
    #[error("{vendor}'s answer stopped mid-way ({message}); nothing partial was kept")]
    StreamInterrupted { vendor: String, message: String },
    #[error(
        "{vendor} answered with something that is not the requested structure, even after one repair attempt: {reason}"
    )]
    InvalidStructuredOutput {
        vendor: String,
        reason: String,
        raw: String,
    },
    #[error("{vendor}'s answer could not be read: {message}")]
    MalformedResponse { vendor: String, message: String },
    #[error(
        "the request asks for {requested} tokens but {vendor} allows at most {limit} per minute"
    )]
    RequestTooLarge {
        vendor: String,
        requested: u32,
        limit: u32,
    },
    #[error("cancelled")]
    Cancelled,
}
