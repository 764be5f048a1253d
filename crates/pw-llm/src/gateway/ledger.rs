//! Call records and the study's account: what a call may cost is reserved before it is sent,
//! and what it did cost is settled and filed after (reservations themselves are in
//! [`crate::budget`]).

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use futures::future::BoxFuture;
use pw_http::Attempts;
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

/// What one call on one route was billed for, attempt by attempt, whether it answers or fails:
/// the usage vendors reported for the answers they gave (empty ones asked again included), and
/// the attempts a vendor likely billed without saying what for (an answer without `usage`, a
/// stream cut mid-answer, a whole body lost mid-way or an answer that never came in time,
/// which pw-http asks again; see [`Attempts`]).
#[derive(Debug, Default)]
pub(super) struct Bill {
    /// The call's HTTP requests, counted by pw-http: the connection shares them.
    pub(super) attempts: Arc<Attempts>,
    metered: Mutex<Usage>,
    unmetered: AtomicU32,
    /// Attempts whose answer (or what came of it) is entered here, metered or not.
    entered: AtomicU32,
    /// A model on this machine has started answering the call.
    worked_here: AtomicBool,
}

impl Bill {
    /// A vendor's answer (whatever it said): its usage, or, without one, an unmetered attempt.
    pub(super) fn answered(&self, usage: Option<Usage>) {
        match usage {
            Some(usage) => {
                let mut metered = self.metered.lock().unwrap_or_else(PoisonError::into_inner);
                *metered = Usage {
                    input_tokens: metered.input_tokens.saturating_add(usage.input_tokens),
                    output_tokens: metered.output_tokens.saturating_add(usage.output_tokens),
                };
                self.entered.fetch_add(1, Ordering::SeqCst);
            }
            None => self.unmetered_attempt(),
        }
    }

    /// An attempt the vendor answered at least in part, whose usage we'll never learn.
    pub(super) fn unmetered_attempt(&self) {
        self.unmetered.fetch_add(1, Ordering::SeqCst);
        self.entered.fetch_add(1, Ordering::SeqCst);
    }

    /// A model on this machine has started answering (it has produced a piece, or finished an
    /// attempt): the call did work, if at no cost.
    pub(super) fn worked_here(&self) {
        self.worked_here.store(true, Ordering::SeqCst);
    }

    /// Whether anything went out for the call: a request sent to a vendor, or a local model
    /// started on it. A call cancelled before (while it waited its turn in a vendor's queue, or
    /// in a local model's) was billed nothing and did nothing.
    pub(super) fn went_out(&self) -> bool {
        self.attempts.sent() > 0 || self.worked_here.load(Ordering::SeqCst)
    }

    /// Whether a request sent to a vendor has neither been answered nor counted lost: the one
    /// a cancelled call leaves behind, which the vendor may bill whether or not we listen. (A
    /// call cancelled while it waits to ask again after a failed attempt the vendor answered
    /// with an error is counted as still having it: too much rather than too little.)
    pub(super) fn awaiting_answer(&self) -> bool {
        let accounted = self
            .entered
            .load(Ordering::SeqCst)
            .saturating_add(self.attempts.lost());
        self.attempts.sent() > accounted
    }

    /// The usage the vendor reported across the call's attempts.
    pub(super) fn usage(&self) -> Usage {
        *self.metered.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Attempts likely billed whose usage is unknown: each is charged the call's estimate.
    pub(super) fn unmetered(&self) -> u32 {
        self.unmetered
            .load(Ordering::SeqCst)
            .saturating_add(self.attempts.lost())
    }
}

/// What the ledger files about one call besides its route and request.
pub(super) struct Filing<'a> {
    /// The request as the ledger keeps it.
    pub(super) body: &'a Value,
    pub(super) started: Instant,
    pub(super) outcome: CallOutcome,
    /// What the vendor reported across the call's attempts.
    pub(super) usage: Usage,
    pub(super) response: Option<String>,
    pub(super) cache_hit: bool,
    /// Attempts the vendor likely billed without reporting usage: each is charged the call's
    /// estimate (its reservation), so spend is never less than was likely billed.
    pub(super) unmetered: u32,
}

impl Gateway {
    /// What `usage` would cost on the model that would answer `task` in `scope` first, for an
    /// estimate shown before work starts: that route, and its cost (nothing on this machine,
    /// `None` when the model has no known price).
    pub fn quote(
        &self,
        task: Task,
        scope: &CallScope,
        usage: Usage,
    ) -> Result<(Route, Option<i64>)> {
        let route = self
            .routes_for(task, scope)?
            .into_iter()
            .next()
            .ok_or_else(|| LlmError::NoRoute(task.as_str().to_owned()))?;
        let cost = self.cost(&route, usage);
        Ok((route, cost))
    }

    /// What `usage` cost on the model that answered (`route`): nothing on this machine, `None`
    /// when the model has no known price.
    pub fn price(&self, route: &Route, usage: Usage) -> Option<i64> {
        self.cost(route, usage)
    }

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

    /// What a call cost: the usage its vendor reported at the catalogue's price, plus the
    /// estimate (what the call reserved) for each attempt the vendor likely billed without
    /// reporting usage. Nothing on this machine, nor for a call nothing was billed for; `None`
    /// when the model has no known price.
    pub(super) fn charged(
        &self,
        route: &Route,
        request: &ChatRequest,
        usage: Usage,
        unmetered: u32,
    ) -> Option<i64> {
        if self.runs_here(&route.vendor) || (usage == Usage::default() && unmetered == 0) {
            return Some(0);
        }
        let metered = self.cost(route, usage)?;
        let estimate = self.estimated_cost(route, request)?;
        Some(metered.saturating_add(estimate.saturating_mul(i64::from(unmetered))))
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
            unmetered,
        } = filing;
        // A cache hit costs nothing; a refused call, or one that failed before a vendor
        // answered, was billed nothing.
        let cost_micros = match cache_hit {
            true => Some(0),
            false => self.charged(route, request, usage, unmetered),
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
