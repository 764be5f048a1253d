//! The one call pipeline every answer goes through, whole, streamed, structured or embeddings:
//! the cache is asked first (a hit is filed at no cost), a replay that misses fails, the most
//! the call may cost is reserved against its study's budget (a refusal for the budget is filed
//! too; a route refused because its model has no price is no call and is not), the model
//! answers inside a `gen_ai` span, the call is settled with what every attempt was billed and
//! filed on the ledger, answer or failure, and a good answer is kept in the cache. What differs
//! per kind of answer is only how it is produced ([`Producer`]) and how it is kept, filed and
//! traced ([`Answer`]).

use std::future::Future;
use std::time::Instant;

use serde_json::Value;
use tracing::Instrument;
use tracing::field::Empty;

use super::Gateway;
use super::cache::{CachedAnswer, cache_key};
use super::ledger::{Bill, CallOutcome, Filing};
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
    /// Produces the answer, entering on `bill` what each attempt at a vendor was billed, so a
    /// call that fails after billed attempts is still charged for them.
    fn produce(&mut self, bill: &Bill) -> impl Future<Output = Result<Self::Answer>> + Send;
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
                unmetered: 0,
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
            // A study with no record can't have a call filed against it either; and a route
            // whose model has no price is refused before anything is sent, to move on to the
            // next route: no call was made, so none is filed (the spend views count calls).
            Err(error @ (LlmError::StudyNotFound { .. } | LlmError::PriceUnknown { .. })) => {
                return Err(error);
            }
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
                    unmetered: 0,
                };
                // Refused before it was sent: nothing was spent, and the refusal is the answer.
                self.record(Reservation::outside_any_study(), route, request, filing)
                    .await
                    .ok();
                return Err(error);
            }
        };
        // Until the call is filed, dropping this future (a cancelled job, a closed window)
        // leaves the guard to settle it: once a request went out it is charged and filed as
        // cancelled (the vendor bills it whether or not we listen); before, while it waited its
        // turn in the vendor's queue, its reservation is given back and nothing is filed.
        let bill = Bill::default();
        let mut in_flight = CallInFlight {
            gateway: self,
            reservation: Some(reservation),
            bill: &bill,
            route,
            request,
            body: filed_body,
            started,
        };
        let result = producer.produce(&bill).instrument(span.clone()).await;
        match &result {
            Ok(answer) => answer.trace(&span),
            Err(error) => {
                span.record("error.type", error.kind());
            }
        }
        // Answer or failure, every attempt the vendor billed is charged and filed.
        let filing = Filing {
            body: filed_body,
            started,
            outcome: CallOutcome::of(&result),
            usage: match &result {
                Ok(answer) => answer.usage(),
                Err(_) => bill.usage(),
            },
            response: result.as_ref().ok().and_then(Answer::filed_response),
            cache_hit: false,
            unmetered: bill.unmetered(),
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
/// caller went away mid-call. When something went out for it (see [`Bill::went_out`]), it is
/// charged what its attempts were billed plus, for a request still awaiting its answer, its
/// estimate (the vendor may have billed it), and a `cancelled` record is filed on a task of its
/// own. When nothing did (it was waiting its turn in a vendor's queue), nothing was billed: its
/// reservation is given back and no call is filed (the spend views count every record as one).
struct CallInFlight<'a> {
    gateway: &'a Gateway,
    reservation: Option<Reservation>,
    bill: &'a Bill,
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
        if !self.bill.went_out() {
            drop(reservation);
            return;
        }
        let usage = self.bill.usage();
        let charged = self.gateway.charged(
            self.route,
            self.request,
            usage,
            self.bill
                .unmetered()
                .saturating_add(u32::from(self.bill.awaiting_answer())),
        );
        reservation.settle(charged);
        let Some(ledger) = self.gateway.ledger.clone() else {
            return;
        };
        let record = super::CallRecord {
            id: uuid::Uuid::now_v7().to_string(),
            vendor: self.route.vendor.clone(),
            model: self.route.model.clone(),
            task: self.request.task,
            scope: self.request.scope.clone(),
            usage,
            cost_micros: charged,
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
