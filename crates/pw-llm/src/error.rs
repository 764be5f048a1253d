//! What can go wrong with a model call, in words a researcher can act on.

use std::time::Duration;

pub type Result<T, E = LlmError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("no model is configured for {0}; choose one in Settings")]
    NoRoute(String),
    #[error("{vendor} is not set up (no API key or address)")]
    VendorNotConfigured { vendor: String },
    #[error(
        "{vendor} kept answering 'too many requests' after {tries}; try again in a minute or lower the concurrency",
        tries = tries(*attempts)
    )]
    RateLimited { vendor: String, attempts: u32 },
    #[error("{vendor} refused the request ({status}): {message}")]
    Refused {
        vendor: String,
        status: u16,
        message: String,
    },
    #[error("{vendor} failed ({status}) after {tries}: {message}", tries = tries(*attempts))]
    VendorFailed {
        vendor: String,
        status: u16,
        attempts: u32,
        message: String,
    },
    #[error("could not reach {vendor} after {tries}: {message}", tries = tries(*attempts))]
    Unreachable {
        vendor: String,
        attempts: u32,
        message: String,
    },
    /// The vendor asked for a pause longer than a call is held for (`longest_wait`); the vendor
    /// stays paused for what it asked, and calls move on to the next route meanwhile.
    #[error(
        "{vendor} asked us to wait {in_words} before calling it again; try again then, or choose another model for this task",
        in_words = wait_in_words(*wait)
    )]
    VendorAskedToWait { vendor: String, wait: Duration },
    #[error(
        "{vendor} returned an empty answer after {tries}; try again, or choose another model for this task",
        tries = tries(*attempts)
    )]
    EmptyAnswer { vendor: String, attempts: u32 },
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
    /// The conversation and the reply budget do not fit the model's context window; a shorter
    /// conversation, or a model with a larger window later in the chain, can answer.
    #[error(
        "the conversation is too long for {vendor}'s model ({requested} tokens with the reply, at most {limit})"
    )]
    ContextTooLong {
        vendor: String,
        requested: u32,
        limit: u32,
    },
    #[error(
        "this study has used {spent} of its {budget} model budget; raise the budget to continue"
    )]
    BudgetReached { spent: String, budget: String },
    /// A study with a budget can't be charged for a model whose price nobody knows.
    #[error("set a price for {vendor}/{model} in Models & keys to use it in a study with a budget")]
    PriceUnknown { vendor: String, model: String },
    /// The call was answered (and paid for) but the ledger would not take its record, even
    /// after retries; its cost still counts against the study's budget in this process.
    #[error(
        "the answer arrived but the call could not be filed on the ledger ({message}); its cost still counts against the study's budget"
    )]
    LedgerWriteFailed { message: String },
    #[error(
        "replay needs an answer this study never received ({task} with {model}); run it normally once"
    )]
    NotInCache { task: String, model: String },
    /// The call names a study there is no record of (deleted, or a script's typo): refused
    /// before anything is sent, since its spend could not be filed.
    #[error("there is no study with id {study}; it may have been deleted")]
    StudyNotFound { study: String },
    /// The study's budget could not be read, so the call was not made rather than spend
    /// unchecked.
    #[error("the study's model budget could not be read ({message}); nothing was spent, try again")]
    BudgetUnreadable { message: String },
    #[error("the model catalogue could not be read: {0}")]
    Catalogue(String),
    #[error("cancelled")]
    Cancelled,
}

impl LlmError {
    /// `vendor`'s pacer refusing a call, in the gateway's words.
    pub(crate) fn paced(vendor: &str, refusal: pw_http::PacingError) -> Self {
        let vendor = vendor.to_owned();
        match refusal {
            pw_http::PacingError::AskedToWait { wait } => {
                LlmError::VendorAskedToWait { vendor, wait }
            }
            pw_http::PacingError::TooLarge { requested, limit } => LlmError::RequestTooLarge {
                vendor,
                requested,
                limit,
            },
            pw_http::PacingError::Closed => LlmError::Cancelled,
        }
    }

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
            LlmError::VendorAskedToWait { .. } => "vendor_asked_to_wait",
            LlmError::EmptyAnswer { .. } => "empty_answer",
            LlmError::InvalidStructuredOutput { .. } => "invalid_structured_output",
            LlmError::MalformedResponse { .. } => "malformed_response",
            LlmError::RequestTooLarge { .. } => "request_too_large",
            LlmError::ContextTooLong { .. } => "context_too_long",
            LlmError::BudgetReached { .. } => "budget_reached",
            LlmError::PriceUnknown { .. } => "price_unknown",
            LlmError::LedgerWriteFailed { .. } => "ledger_write_failed",
            LlmError::NotInCache { .. } => "not_in_cache",
            LlmError::StudyNotFound { .. } => "study_not_found",
            LlmError::BudgetUnreadable { .. } => "budget_unreadable",
            LlmError::Catalogue(_) => "catalogue",
            LlmError::Cancelled => "cancelled",
        }
    }
}

/// "1 try", "3 tries".
fn tries(attempts: u32) -> String {
    match attempts {
        1 => "1 try".to_owned(),
        n => format!("{n} tries"),
    }
}

/// A wait as a person reads it, rounded up: "40 seconds", "60 minutes", "24 hours".
fn wait_in_words(wait: Duration) -> String {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let plural = |n: u64, unit: &str| match n {
        1 => format!("1 {unit}"),
        n => format!("{n} {unit}s"),
    };
    match seconds {
        s if s < 60 => plural(s, "second"),
        s if s < 120 * 60 => plural(s.div_ceil(60), "minute"),
        s => plural(s.div_ceil(3600), "hour"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_and_tries_read_as_words() {
        assert_eq!(wait_in_words(Duration::from_millis(1500)), "2 seconds");
        assert_eq!(wait_in_words(Duration::from_secs(90)), "2 minutes");
        assert_eq!(wait_in_words(Duration::from_secs(3600)), "60 minutes");
        assert_eq!(wait_in_words(Duration::from_secs(24 * 3600)), "24 hours");
        assert_eq!(tries(1), "1 try");
        assert_eq!(tries(3), "3 tries");
    }
}
