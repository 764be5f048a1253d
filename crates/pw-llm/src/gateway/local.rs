//! Models that run on this machine: routed to like any vendor, without HTTP.

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::error::Result;
use crate::types::{ChatReply, ChatRequest};

/// A model that runs on this machine (llama.cpp): routed to like any vendor, no HTTP.
pub trait LocalBackend: Send + Sync {
    /// The model's name, for routes and records.
    fn model(&self) -> &str;
    /// What exactly answers: changes whenever the answers could (another file under the same
    /// name, other weights). It keys the response cache; pw-local-llm gives the GGUF file's
    /// SHA-256.
    fn identity(&self) -> &str;
    /// Generates a reply, calling `on_token` with each piece as it is produced. Dropping the
    /// future cancels the generation.
    fn generate<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_token: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<ChatReply>>;
}

/// An embedding model that runs on this machine (all-MiniLM-L6-v2 by default).
pub trait LocalEmbeddingBackend: Send + Sync {
    /// The model's name, for routes and records.
    fn model(&self) -> &str;
    /// What exactly embeds: changes whenever the vectors could (other files under the same
    /// name). It keys the response cache; pw-local-llm gives the SHA-256 of the model's files.
    fn identity(&self) -> &str;
    fn embed<'a>(self: Arc<Self>, texts: &'a [String]) -> BoxFuture<'a, Result<Vec<Vec<f32>>>>;
}
