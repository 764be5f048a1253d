//! The response cache: what a hit gives back, where answers are kept, and the key that says
//! two calls would get the same answer.

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Gateway;
use crate::types::{CacheMode, CallScope, ChatReply};

/// A stored answer: what a cache hit gives back instead of a model call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CachedAnswer {
    Chat(ChatReply),
    Embeddings(Vec<Vec<f32>>),
}

/// Where answers are kept for re-runs and replays; the engine keeps them in SQLite per
/// workspace. Keys are SHA-256 hex digests of everything that shapes an answer.
pub trait ResponseCache: Send + Sync {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedAnswer>>;
    fn put<'a>(
        &'a self,
        key: &'a str,
        scope: &'a CallScope,
        answer: &'a CachedAnswer,
    ) -> BoxFuture<'a, ()>;
}

/// The cache key: the workspace (so clients never share answers), what answers (see
/// [`Gateway::answerer`]), and the exact request body (model, messages, parameters, seed,
/// response format).
pub(super) fn cache_key(scope: &CallScope, answerer: &str, body: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(scope.workspace_id.as_deref().unwrap_or("").as_bytes());
    hasher.update([0]);
    hasher.update(answerer.as_bytes());
    hasher.update([0]);
    // serde_json's map keeps keys sorted, so equal bodies serialize identically.
    hasher.update(body.to_string().as_bytes());
    let digest = hasher.finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Gateway {
    pub(super) async fn cached(&self, key: &str, scope: &CallScope) -> Option<CachedAnswer> {
        match (&self.cache, scope.cache) {
            (Some(cache), CacheMode::Reuse | CacheMode::Replay) => cache.get(key).await,
            _ => None,
        }
    }

    pub(super) async fn keep(&self, key: &str, scope: &CallScope, answer: &CachedAnswer) {
        if let (Some(cache), CacheMode::Reuse | CacheMode::Refresh) = (&self.cache, scope.cache) {
            cache.put(key, scope, answer).await;
        }
    }
}
