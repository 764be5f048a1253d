//! The LLM gateway: the one way the engine talks to language models. Callers (twins, the
//! moderator, surveys, analysis agents) ask for a chat reply, a typed structured answer or
//! embeddings for a *task*; they never know which vendor answers.
//!
//! Each vendor is reached through async-openai against its OpenAI-compatible endpoint, over
//! pw-http's paced transport (requests and tokens per minute, concurrency, `Retry-After` and
//! `x-ratelimit-*` headers, retries of 429s, 5xx and dropped connections with backoff), so a
//! rate limit slows callers down instead of failing them.
//!
//! This crate knows HTTP and model vendors. It never knows SQLite, jobs or the UI: call records
//! leave through the [`CallLedger`] trait
//! and cached answers through [`ResponseCache`].

mod budget;
mod catalogue;
mod error;
mod gateway;
mod limits;
pub mod prompt_budget;
mod transport;
mod types;
mod vendor;

pub use budget::{
    AccountOpening, LedgerWriteError, Reservation, StudyAccount, StudyAccounts, dollars,
};
pub use catalogue::{ModelCatalogue, ModelInfo};
pub use error::{LlmError, Result};
pub use gateway::{
    CachedAnswer, CallLedger, CallOutcome, CallRecord, Embeddings, Gateway, LocalBackend,
    LocalEmbeddingBackend, ResponseCache, Route, Structured,
};
pub use limits::VendorLimits;
pub use pw_http::PacingState;
pub use types::{
    CacheMode, CallScope, ChatMessage, ChatReply, ChatRequest, Role, StreamEvent, Task, Usage,
};
pub use vendor::{VendorKind, VendorSettings};
