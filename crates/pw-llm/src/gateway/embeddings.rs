//! Embeddings: vectors for texts, in order, from a local embedder or a vendor, through the
//! call pipeline like any chat answer.

use serde_json::{Value, json};

use super::Gateway;
use super::cache::CachedAnswer;
use super::ledger::Bill;
use super::pipeline::{Answer, CallPlan, Producer};
use super::routing::{Fallback, Route};
use super::wire::EmbeddingBody;
use crate::error::{LlmError, Result};
use crate::types::{CallScope, ChatMessage, ChatRequest, Task, Usage};

/// Vectors for texts, in order, and the vendor and model that made them.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    pub vectors: Vec<Vec<f32>>,
    pub vendor: String,
    pub model: String,
}

/// Vectors and what producing them cost (nothing when they came from the cache).
struct Embedded {
    vectors: Vec<Vec<f32>>,
    usage: Usage,
}

impl Answer for Embedded {
    fn from_cache(cached: CachedAnswer) -> Option<Self> {
        match cached {
            CachedAnswer::Embeddings(vectors) => Some(Embedded {
                vectors,
                usage: Usage::default(),
            }),
            CachedAnswer::Chat(_) => None,
        }
    }

    fn to_cache(&self) -> CachedAnswer {
        CachedAnswer::Embeddings(self.vectors.clone())
    }

    fn usage(&self) -> Usage {
        self.usage
    }

    fn filed_response(&self) -> Option<String> {
        None
    }

    fn trace(&self, span: &tracing::Span) {
        span.record("gen_ai.usage.input_tokens", self.usage.input_tokens);
    }
}

/// Embeddings from one route: a local embedder, or a vendor.
struct EmbeddingCall<'a> {
    gateway: &'a Gateway,
    route: &'a Route,
    request: &'a ChatRequest,
    texts: &'a [String],
    body: &'a Value,
}

impl Producer for EmbeddingCall<'_> {
    type Answer = Embedded;

    async fn produce(&mut self, bill: &Bill) -> Result<Embedded> {
        if let Some(embedder) = self.gateway.local_embedders.get(&self.route.vendor) {
            // It starts at once (no queue to wait in here): cancelled, it is filed, at no cost.
            bill.worked_here();
            let vectors = embedder.clone().embed(self.texts).await?;
            return Ok(Embedded {
                vectors,
                usage: Usage::default(),
            });
        }
        self.gateway
            .remote_embeddings(
                self.route,
                self.request,
                self.texts,
                self.body.clone(),
                bill,
            )
            .await
    }
}

impl Gateway {
    /// Embeddings for `texts`, in order, from the route for [`Task::Embeddings`].
    pub async fn embed(&self, scope: &CallScope, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        self.embed_answered(scope, texts)
            .await
            .map(|embeddings| embeddings.vectors)
    }

    /// Like [`Gateway::embed`], saying which model made the vectors: vectors from two models
    /// are not comparable, so whoever stores them keys them by it.
    pub async fn embed_answered(&self, scope: &CallScope, texts: &[String]) -> Result<Embeddings> {
        let request = ChatRequest::new(
            Task::Embeddings,
            texts.iter().map(|t| ChatMessage::user(t.clone())).collect(),
        )
        .in_scope(scope.clone());
        let mut fallback = Fallback::default();
        for route in self.routes_for(Task::Embeddings, scope)? {
            match self.embed_once(&route, &request, texts).await {
                Ok(vectors) => {
                    return Ok(Embeddings {
                        vectors,
                        vendor: route.vendor.clone(),
                        model: route.model.clone(),
                    });
                }
                Err(error) => fallback.note(&route, error)?,
            }
        }
        Err(fallback.exhausted(Task::Embeddings))
    }

    async fn embed_once(
        &self,
        route: &Route,
        request: &ChatRequest,
        texts: &[String],
    ) -> Result<Vec<Vec<f32>>> {
        let body = json!({ "model": route.model, "input": texts });
        // The ledger keeps how many texts were embedded, not the texts again.
        let summary = json!({ "model": route.model, "inputs": texts.len() });
        let plan = CallPlan {
            operation: "embeddings",
            route,
            request,
            body: &body,
            filed_body: &summary,
        };
        let mut call = EmbeddingCall {
            gateway: self,
            route,
            request,
            texts,
            body: &body,
        };
        self.serve(plan, &mut call)
            .await
            .map(|embedded| embedded.vectors)
    }

    async fn remote_embeddings(
        &self,
        route: &Route,
        request: &ChatRequest,
        texts: &[String],
        body: Value,
        bill: &Bill,
    ) -> Result<Embedded> {
        let connection = self.connect(route, request, bill.attempts.clone()).await?;
        let answer: EmbeddingBody = connection
            .client
            .embeddings()
            .create_byot(body)
            .await
            .map_err(|e| connection.failure(e))?;
        // An embedding has no output; only what was read counts.
        let usage = answer.usage.map(|u| Usage {
            input_tokens: u.usage().input_tokens,
            output_tokens: 0,
        });
        bill.answered(usage);
        if answer.data.len() != texts.len() {
            return Err(LlmError::MalformedResponse {
                vendor: route.vendor.clone(),
                message: format!(
                    "asked for {} embeddings, got {}",
                    texts.len(),
                    answer.data.len()
                ),
            });
        }
        let mut data = answer.data;
        data.sort_by_key(|item| item.index);
        Ok(Embedded {
            vectors: data.into_iter().map(|item| item.embedding).collect(),
            usage: bill.usage(),
        })
    }
}
