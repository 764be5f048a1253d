//! The one call pipeline every answer goes through, whole, streamed, structured or embeddings:
//! the cache is asked first (a hit is filed at no cost), a replay that misses fails, the most
//! the call may cost is reserved against its study's budget (a refusal is filed too), the
//! model answers inside a `gen_ai` span, the call is settled and filed on the ledger, and a
//! good answer is kept in the cache. What differs per kind of answer is only how it is produced
//! ([`Producer`]) and how it is kept, filed and traced ([`Answer`]).

use std::future::Future;
use std::time::Instant;

use serde_json::Value;
use tracing::Instrument;
use tracing::field::Empty;

use super::Gateway;
use super::cache::{CachedAnswer, cache_key};
use super::ledger::{CallOutcome, Filing};
use super::routing::Route;
use crate::budget::Reservation;
use crate::error::{LlmError, Result};
use crate::types::{CacheMode, ChatRequest, Usage};

/// What one kind of call answers with, and how the pipeline keeps, files and traces it.
pub(super) trait Answer: Sized {
    /// The answer in a cache entry, when the entry holds this kind of answer.
    fn from_cache(cached: CachedAnswer) -> Option<Self>;
    fn to_cache(&self) -> CachedAnswer;
    fn usage(&self) -> Usage;
    /// What the ledger keeps of the answer.
    fn filed_response(&self) -> Option<String>;
    /// Records the answer's facts on the call's `gen_ai` span.
    fn trace(&self, span: &tracing::Span);
}

/// How one route's answer is produced when the cache does not have it.
pub(super) trait Producer {
    type Answer: Answer;
    fn produce(&mut self) -> impl Future<Output = Result<Self::Answer>> + Send;
    /// Passes on a cached answer as a produced one would have been (a stream's sink sees it).
    fn replay(&mut self, _answer: &Self::Answer) {}
}

/// One call on one route, as the pipeline needs to key, file and trace it.
pub(super) struct CallPlan<'a> {
    /// The `gen_ai.operation.name`.
    pub(super) operation: &'static str,
    pub(super) route: &'a Route,
    pub(super) request: &'a ChatRequest,
    /// Everything that shapes the answer: the cache key hashes it.
    pub(super) body: &'a Value,
    /// The request as the ledger keeps it.
    pub(super) filed_body: &'a Value,
}

impl Gateway {
    /// One route's answer: from the cache when allowed, else (budget permitting) from the
    /// producer, recorded and traced either way.
    pub(super) async fn serve<P: Producer>(
        &self,
        plan: CallPlan<'_>,
        producer: &mut P,
    ) -> Result<P::Answer> {
        let CallPlan {
            operation,
            route,
            request,
            body,
            filed_body,
        } = plan;
        let key = cache_key(&request.scope, &self.answerer(request.task, route), body);
        let span = self.span(operation, route, request);
        let started = Instant::now();
        if let Some(answer) = self
            .cached(&key, &request.scope)
            .await
            .and_then(P::Answer::from_cache)
        {
            span.record("profitwheel.cache_hit", true);
            producer.replay(&answer);
            let filing = Filing {
                body: filed_body,
                started,
                outcome: CallOutcome::Ok,
                usage: answer.usage(),
                response: answer.filed_response(),
                cache_hit: true,
                billed_without_usage: false,
            };
            // A hit costs nothing; a record the ledger would not take is logged in `record`.
            self.record(Reservation::outside_any_study(), route, request, filing)
                .await
                .ok();
            return Ok(answer);
        }
        if request.scope.cache == CacheMode::Replay {
            return Err(LlmError::NotInCache {
                task: request.task.as_str().replace('_', " "),
                model: route.model.clone(),
            });
        }
        span.record("profitwheel.cache_hit", false);
        let reservation = match self.reserve(route, request).await {
            Ok(reservation) => reservation,
            // A study with no record can't have a call filed against it either.
            Err(error @ LlmError::StudyNotFound { .. }) => return Err(error),
            Err(error) => {
                let outcome = match &error {
                    LlmError::BudgetReached { .. } => CallOutcome::BudgetReached,
                    other => CallOutcome::Failed(other.to_string()),
                };
                let filing = Filing {
                    body: filed_body,
                    started,
                    outcome,
                    usage: Usage::default(),
                    response: None,
                    cache_hit: false,
                    billed_without_usage: false,
                };
                // Refused before it was sent: nothing was spent, and the refusal is the answer.
                self.record(Reservation::outside_any_study(), route, request, filing)
                    .await
                    .ok();
                return Err(error);
            }
        };
        // Until the call is filed, dropping this future (a cancelled job, a closed window)
        // leaves the guard to charge the reservation and file the call as cancelled: the
        // request may already be at the vendor, who bills it whether or not we listen.
        let mut in_flight = CallInFlight {
            reservation: Some(reservation),
            ledger: self.ledger.clone(),
            route,
            request,
            body: filed_body,
            started,
        };
        let result = producer.produce().instrument(span.clone()).await;
        match &result {
            Ok(answer) => answer.trace(&span),
            Err(error) => {
                span.record("error.type", error.kind());
            }
        }
        let filing = Filing {
            body: filed_body,
            started,
            outcome: CallOutcome::of(&result),
            usage: result.as_ref().map(Answer::usage).unwrap_or_default(),
            response: result.as_ref().ok().and_then(Answer::filed_response),
            cache_hit: false,
            billed_without_usage: matches!(
                &result,
                Ok(_) | Err(LlmError::StreamInterrupted { .. })
            ),
        };
        let reservation = in_flight.finish();
        let filing = self.record(reservation, route, request, filing).await;
        if let Ok(answer) = &result {
            self.keep(&key, &request.scope, &answer.to_cache()).await;
        }
        Self::filed(result, filing)
    }

    fn span(&self, operation: &str, route: &Route, request: &ChatRequest) -> tracing::Span {
        let provider = match self.vendor_kind(&route.vendor) {
            Some(kind) => kind.otel_provider_name(),
            None => "llama.cpp",
        };
        tracing::info_span!(
            "gen_ai",
            otel.name = %format!("{operation} {}", route.model),
            otel.kind = "client",
            gen_ai.operation.name = operation,
            gen_ai.provider.name = provider,
            gen_ai.request.model = %route.model,
            gen_ai.request.temperature = request.temperature,
            gen_ai.request.max_tokens = request.max_tokens,
            gen_ai.request.seed = request.seed,
            gen_ai.response.model = Empty,
            gen_ai.response.finish_reasons = Empty,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
            error.type = Empty,
            profitwheel.vendor = %route.vendor,
            profitwheel.task = request.task.as_str(),
            profitwheel.study_id = request.scope.study_id.as_deref(),
            profitwheel.cache_hit = Empty,
        )
    }
}

/// A call sent (or about to be) and not yet filed. Dropped before [`CallInFlight::finish`], the
/// caller went away mid-call: its reservation is charged in full, since the vendor may have
/// billed it, and a `cancelled` record is filed on a task of its own.
struct CallInFlight<'a> {
    reservation: Option<Reservation>,
    ledger: Option<std::sync::Arc<dyn super::CallLedger>>,
    route: &'a Route,
    request: &'a ChatRequest,
    body: &'a Value,
    started: Instant,
}

impl CallInFlight<'_> {
    fn finish(&mut self) -> Reservation {
        self.reservation
            .take()
            .unwrap_or_else(Reservation::outside_any_study)
    }
}

impl Drop for CallInFlight<'_> {
    fn drop(&mut self) {
        let Some(reservation) = self.reservation.take() else {
            return;
        };
        let charged = reservation.micros();
        reservation.settle(Some(charged));
        let Some(ledger) = self.ledger.take() else {
            return;
        };
        let record = super::CallRecord {
            id: uuid::Uuid::now_v7().to_string(),
            vendor: self.route.vendor.clone(),
            model: self.route.model.clone(),
            task: self.request.task,
            scope: self.request.scope.clone(),
            usage: Usage::default(),
            cost_micros: Some(charged),
            latency_ms: self.started.elapsed().as_millis() as u64,
            outcome: CallOutcome::Cancelled,
            cache_hit: false,
            request: self.body.clone(),
            response: None,
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    let _ = super::ledger::file_detached(ledger, record).await;
                });
            }
            Err(_) => {
                tracing::error!(vendor = %record.vendor, model = %record.model, "a cancelled model call could not be filed: no runtime left");
            }
        }
    }
}
