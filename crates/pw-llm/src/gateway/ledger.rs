//! Call records and the study's account: what a call may cost is reserved before it is sent,
//! and what it did cost is settled and filed after (reservations themselves are in
//! [`crate::budget`]).

use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use serde_json::Value;

use super::Gateway;
use super::routing::Route;
use crate::budget::{
    LedgerWriteError, Reservation, StudyAccount, estimated_cost, file_with_retries,
};
use crate::error::{LlmError, Result};
use crate::types::{CallScope, ChatRequest, Task, Usage};

/// How a call ended, as the ledger files it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    Ok,
    Failed(String),
    Cancelled,
    BudgetReached,
}

impl CallOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            CallOutcome::Ok => "ok",
            CallOutcome::Failed(_) => "error",
            CallOutcome::Cancelled => "cancelled",
            CallOutcome::BudgetReached => "budget_exceeded",
        }
    }

    pub(super) fn of<T>(result: &Result<T>) -> Self {
        match result {
            Ok(_) => CallOutcome::Ok,
            Err(LlmError::Cancelled) => CallOutcome::Cancelled,
            Err(LlmError::BudgetReached { .. }) => CallOutcome::BudgetReached,
            Err(error) => CallOutcome::Failed(error.to_string()),
        }
    }
}

/// One model call, as the engine's ledger stores it (prompts stay on this machine).
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// Minted once per call, so a record filed again after a write that did land (but said it
    /// failed) is recognised rather than counted twice.
    pub id: String,
    pub vendor: String,
    pub model: String,
    pub task: Task,
    pub scope: CallScope,
    pub usage: Usage,
    /// Millionths of a dollar; `None` when the catalogue has no price for the model. Local
    /// models and cache hits cost nothing.
    pub cost_micros: Option<i64>,
    pub latency_ms: u64,
    pub outcome: CallOutcome,
    pub cache_hit: bool,
    pub request: Value,
    pub response: Option<String>,
}

/// The engine's ledger of calls: it keeps each study's account (budget and running spend), which
/// every call reserves its estimated cost against before it is sent (see [`crate::budget`]), and
/// it files every call's record.
pub trait CallLedger: Send + Sync {
    /// The account of the study `scope` is charged to (`None` outside a study), opened once and
    /// kept. A budget that can't be read fails with [`LlmError::BudgetReached`]: spending must
    /// not run unchecked.
    fn account<'a>(
        &'a self,
        scope: &'a CallScope,
    ) -> BoxFuture<'a, Result<Option<Arc<StudyAccount>>>>;
    /// Files one call. The gateway retries a failure with backoff, then reports it with the
    /// call ([`LlmError::LedgerWriteFailed`]) rather than drop it.
    fn record<'a>(
        &'a self,
        record: &'a CallRecord,
    ) -> BoxFuture<'a, std::result::Result<(), LedgerWriteError>>;
}

/// What the ledger files about one call besides its route and request.
pub(super) struct Filing<'a> {
    /// The request as the ledger keeps it.
    pub(super) body: &'a Value,
    pub(super) started: Instant,
    pub(super) outcome: CallOutcome,
    pub(super) usage: Usage,
    pub(super) response: Option<String>,
    pub(super) cache_hit: bool,
    /// The vendor answered (or streamed part of an answer) but reported no usage: the call is
    /// charged its reservation rather than nothing.
    pub(super) billed_without_usage: bool,
}

impl Gateway {
    /// The call's cost: nothing on this machine, the catalogue's price elsewhere.
    fn cost(&self, route: &Route, usage: Usage) -> Option<i64> {
        if self.runs_here(&route.vendor) {
            return Some(0);
        }
        let kind = self.vendor_kind(&route.vendor)?;
        self.catalogue
            .find(&route.vendor, kind.as_str(), &route.model)
            .map(|model| model.cost_micros(usage))
    }

    /// The most `request` may cost on `route` (see [`estimated_cost`]): nothing on this
    /// machine, `None` when the model has no known price.
    fn estimated_cost(&self, route: &Route, request: &ChatRequest) -> Option<i64> {
        if self.runs_here(&route.vendor) {
            return Some(0);
        }
        let kind = self.vendor_kind(&route.vendor)?;
        self.catalogue
            .find(&route.vendor, kind.as_str(), &route.model)
            .map(|price| estimated_cost(price, request))
    }

    /// Reserves what the call may cost against its study's budget, before it is sent or waits
    /// in a vendor's queue.
    pub(super) async fn reserve(
        &self,
        route: &Route,
        request: &ChatRequest,
    ) -> Result<Reservation> {
        let Some(ledger) = &self.ledger else {
            return Ok(Reservation::outside_any_study());
        };
        match ledger.account(&request.scope).await? {
            Some(account) => account.reserve(
                &route.vendor,
                &route.model,
                self.estimated_cost(route, request),
            ),
            None => Ok(Reservation::outside_any_study()),
        }
    }

    /// Settles the call's reservation with its cost and files its record, retrying the ledger;
    /// an error means the record could not be filed (the cost still counts in the account).
    pub(super) async fn record(
        &self,
        reservation: Reservation,
        route: &Route,
        request: &ChatRequest,
        filing: Filing<'_>,
    ) -> std::result::Result<(), LedgerWriteError> {
        let Filing {
            body,
            started,
            outcome,
            usage,
            response,
            cache_hit,
            billed_without_usage,
        } = filing;
        let cost_micros = if cache_hit {
            Some(0)
        } else if usage != Usage::default() {
            self.cost(route, usage)
        } else if billed_without_usage && !self.runs_here(&route.vendor) {
            // Some OpenAI-compatible servers answer without a `usage`, and a stream cut
            // mid-answer was billed for what it sent: such a call is charged its reservation,
            // the most it could have cost, so a study's budget still binds.
            Some(reservation.micros())
        } else {
            // Refused, or failed before the vendor answered: nothing was spent.
            Some(0)
        };
        reservation.settle(cost_micros);
        let Some(ledger) = self.ledger.clone() else {
            return Ok(());
        };
        let record = CallRecord {
            id: uuid::Uuid::now_v7().to_string(),
            vendor: route.vendor.clone(),
            model: route.model.clone(),
            task: request.task,
            scope: request.scope.clone(),
            usage,
            cost_micros,
            latency_ms: started.elapsed().as_millis() as u64,
            outcome,
            cache_hit,
            request: body.clone(),
            response,
        };
        file_detached(ledger, record).await
    }

    /// The call's result once its record is filed: a paid answer whose record the ledger
    /// would not take fails, so the loss is seen; a failed call keeps its own error.
    pub(super) fn filed<T>(
        result: Result<T>,
        filing: std::result::Result<(), LedgerWriteError>,
    ) -> Result<T> {
        match (result, filing) {
            (Ok(_), Err(error)) => Err(LlmError::LedgerWriteFailed {
                message: error.to_string(),
            }),
            (result, _) => result,
        }
    }
}

/// Files a record on a task of its own, so a caller that is cancelled while the ledger is
/// retried (or busy) cannot drop a paid call's record half-way; the caller still learns the
/// outcome when it waits.
pub(super) async fn file_detached(
    ledger: Arc<dyn CallLedger>,
    record: CallRecord,
) -> std::result::Result<(), LedgerWriteError> {
    let filing = tokio::spawn(async move {
        let filed = file_with_retries(|| ledger.record(&record)).await;
        if let Err(error) = &filed {
            tracing::error!(%error, vendor = %record.vendor, model = %record.model, cost_micros = record.cost_micros, "a model call could not be filed on the ledger");
        }
        filed
    });
    match filing.await {
        Ok(filed) => filed,
        Err(join) => Err(LedgerWriteError(format!("the ledger task stopped: {join}"))),
    }
}
