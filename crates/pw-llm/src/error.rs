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
    #[error(
        "this study has used {spent} of its {budget} model budget; raise the budget to continue"
    )]
    BudgetReached { spent: String, budget: String },
    #[error(
        "replay needs an answer this study never received ({task} with {model}); run it normally once"
    )]
    NotInCache { task: String, model: String },
    #[error("the model catalogue could not be read: {0}")]
    Catalogue(String),
    #[error("cancelled")]
    Cancelled,
}

impl LlmError {
    /// Replaces every occurrence of `secret` in the error's text.
    pub(crate) fn redact(&mut self, secret: &str) {
        let scrub = |text: &mut String| {
            if text.contains(secret) {
                *text = text.replace(secret, "[redacted]");
            }
        };
        match self {
            LlmError::Refused { message, .. }
            | LlmError::VendorFailed { message, .. }
            | LlmError::Unreachable { message, .. }
            | LlmError::StreamInterrupted { message, .. }
            | LlmError::MalformedResponse { message, .. } => scrub(message),
            LlmError::InvalidStructuredOutput { reason, raw, .. } => {
                scrub(reason);
                scrub(raw);
            }
            _ => {}
        }
    }

    /// A stable name for the failure, for traces (`error.type`) and the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            LlmError::NoRoute(_) => "no_route",
            LlmError::VendorNotConfigured { .. } => "vendor_not_configured",
            LlmError::RateLimited { .. } => "rate_limited",
            LlmError::Refused { .. } => "refused",
            LlmError::VendorFailed { .. } => "vendor_failed",
            LlmError::Unreachable { .. } => "unreachable",
            LlmError::StreamInterrupted { .. } => "stream_interrupted",
            LlmError::InvalidStructuredOutput { .. } => "invalid_structured_output",
            LlmError::MalformedResponse { .. } => "malformed_response",
            LlmError::RequestTooLarge { .. } => "request_too_large",
            LlmError::BudgetReached { .. } => "budget_reached",
            LlmError::NotInCache { .. } => "not_in_cache",
            LlmError::Catalogue(_) => "catalogue",
            LlmError::Cancelled => "cancelled",
        }
    }
}
