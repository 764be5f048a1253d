//! Study budgets that hold under concurrency, and a ledger that never loses a call.
//!
//! A survey sends hundreds of calls at once. Checking "spent < budget" before each would let them
//! all through, since none has finished and been costed yet. Instead each call *reserves* its
//! estimated cost (the price of its estimated prompt plus its longest possible answer) against
//! the study's [`StudyAccount`] before it is sent (before it waits in a vendor's queue), and
//! settles the reservation with its real cost when it ends. A call that does not fit in
//! `budget − settled − reserved` is refused. The overshoot is therefore bounded by how far the
//! calls in flight at the cap exceed their estimates (a prompt that tokenises at fewer than four
//! characters a token, a re-ask after an empty answer, an attempt billed without usage, which
//! is charged one estimate); with estimates that hold it is zero. Those calls' reservations fit
//! in the budget together, so with every estimate low by a factor k the overshoot is at most
//! (k − 1) × the budget.
//!
//! Accounts keep running totals: each is opened once per process from the ledger, and updated
//! in memory as calls settle, so no call sums the study's history again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::catalogue::ModelInfo;
use crate::error::{LlmError, Result};
use crate::types::{ChatRequest, Task};

/// Output tokens a request without `max_tokens` is assumed to produce, as the pacer assumes.
const ASSUMED_ANSWER_TOKENS: u32 = 512;

/// How often a record the ledger could not file is tried, in all, before the call reports it.
const RECORD_ATTEMPTS: u32 = 4;
const RECORD_FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// What the ledger knows of a study when its account is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountOpening {
    pub budget_micros: Option<i64>,
    /// Everything the study's calls have cost so far, in millionths of a dollar.
    pub settled_micros: i64,
}

#[derive(Debug)]
struct AccountState {
    budget_micros: Option<i64>,
    settled_micros: i64,
    reserved_micros: i64,
}

/// One study's budget, what its finished calls cost and what its running calls have reserved.
#[derive(Debug)]
pub struct StudyAccount {
    state: Mutex<AccountState>,
}

impl StudyAccount {
    pub fn new(opening: AccountOpening) -> Arc<Self> {
        Arc::new(StudyAccount {
            state: Mutex::new(AccountState {
                budget_micros: opening.budget_micros,
                settled_micros: opening.settled_micros,
                reserved_micros: 0,
            }),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, AccountState> {
        // The state is three integers updated together; a panic elsewhere cannot tear them.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What the study's finished calls cost (calls the ledger could not file included).
    pub fn settled_micros(&self) -> i64 {
        self.state().settled_micros
    }

    /// What the calls running now have reserved.
    pub fn reserved_micros(&self) -> i64 {
        self.state().reserved_micros
    }

    pub fn set_budget(&self, budget_micros: Option<i64>) {
        self.state().budget_micros = budget_micros;
    }

    /// Holds `estimate` (`None`: the model has no known price) for a call to `vendor`/`model`,
    /// or refuses it: [`LlmError::BudgetReached`] when it does not fit in what is left,
    /// [`LlmError::PriceUnknown`] when the study has a budget and the cost can't be known.
    pub fn reserve(
        self: &Arc<Self>,
        vendor: &str,
        model: &str,
        estimate: Option<i64>,
    ) -> Result<Reservation> {
        let mut state = self.state();
        let committed = state.settled_micros.saturating_add(state.reserved_micros);
        let micros = match (state.budget_micros, estimate) {
            (None, estimate) => estimate.unwrap_or(0),
            (Some(budget), _) if committed >= budget => {
                return Err(budget_reached(state.settled_micros, budget));
            }
            (Some(_), None) => {
                return Err(LlmError::PriceUnknown {
                    vendor: vendor.to_owned(),
                    model: model.to_owned(),
                });
            }
            (Some(budget), Some(estimate)) if committed.saturating_add(estimate) > budget => {
                return Err(budget_reached(state.settled_micros, budget));
            }
            (Some(_), Some(estimate)) => estimate,
        };
        state.reserved_micros = state.reserved_micros.saturating_add(micros);
        Ok(Reservation {
            account: Some(self.clone()),
            micros,
        })
    }
}

fn budget_reached(settled_micros: i64, budget_micros: i64) -> LlmError {
    LlmError::BudgetReached {
        spent: dollars(settled_micros),
        budget: dollars(budget_micros),
    }
}

/// Dollars as people read them: cents, or tenths of a cent below one cent (a study of a few
/// cheap calls would otherwise read "$0.00 of $0.00"). Rounded half away from zero, in integers.
pub fn dollars(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let magnitude = i128::from(micros).abs();
    let (unit, places) = match magnitude < 10_000 {
        true => (100_i128, 4_usize),
        false => (10_000_i128, 2_usize),
    };
    let rounded = (magnitude + unit / 2) / unit;
    let scale = 10_i128.pow(places as u32);
    format!(
        "{sign}${}.{:0places$}",
        rounded / scale,
        rounded % scale,
        places = places
    )
}

/// A running call's hold on its study's budget. Settled with the call's real cost when it ends
/// (or, when the vendor may have billed without saying how much, with the whole hold); dropped
/// unsettled (the call never reached a vendor), it releases what it held.
#[derive(Debug)]
pub struct Reservation {
    account: Option<Arc<StudyAccount>>,
    micros: i64,
}

impl Reservation {
    /// A call charged to no study.
    pub fn outside_any_study() -> Self {
        Reservation {
            account: None,
            micros: 0,
        }
    }

    pub fn micros(&self) -> i64 {
        self.micros
    }

    /// Replaces the reservation with the call's real cost (`None`: unknown, counted as nothing).
    pub fn settle(mut self, cost_micros: Option<i64>) {
        if let Some(account) = self.account.take() {
            let mut state = account.state();
            state.reserved_micros = state.reserved_micros.saturating_sub(self.micros);
            state.settled_micros = state
                .settled_micros
                .saturating_add(cost_micros.unwrap_or(0));
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(account) = self.account.take() {
            let mut state = account.state();
            state.reserved_micros = state.reserved_micros.saturating_sub(self.micros);
        }
    }
}

/// Every study's account in this process, each opened once from the ledger. The engine keeps
/// one for the app's life, so a rebuilt gateway charges the same accounts as calls still
/// running on the old one.
#[derive(Debug, Default)]
pub struct StudyAccounts {
    accounts: Mutex<HashMap<String, Arc<OnceCell<Arc<StudyAccount>>>>>,
}

impl StudyAccounts {
    pub fn new() -> Arc<Self> {
        Arc::new(StudyAccounts::default())
    }

    fn cell(&self, study_id: &str) -> Arc<OnceCell<Arc<StudyAccount>>> {
        self.accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(study_id.to_owned())
            .or_default()
            .clone()
    }

    /// The study's account, opened with `open` the first time (concurrent first calls wait for
    /// one opening). A failed opening is not kept: the next call tries again.
    pub async fn account<F, Fut>(&self, study_id: &str, open: F) -> Result<Arc<StudyAccount>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccountOpening>>,
    {
        let cell = self.cell(study_id);
        cell.get_or_try_init(|| async { Ok(StudyAccount::new(open().await?)) })
            .await
            .cloned()
    }

    /// A changed budget applies to the study's next reservation. When the account is not open
    /// yet, an opening may be reading the old budget right now: its cell is forgotten, so the
    /// next call opens the account afresh and reads the new one.
    pub fn set_budget(&self, study_id: &str, budget_micros: Option<i64>) {
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        match accounts.get(study_id).and_then(|cell| cell.get()) {
            Some(account) => account.set_budget(budget_micros),
            None => {
                accounts.remove(study_id);
            }
        }
    }
}

/// What a call may cost at most, as far as can be known before it is sent: the price of the
/// estimated prompt (about four characters a token) and of the longest answer it allows,
/// rounded up.
pub(crate) fn estimated_cost(price: &ModelInfo, request: &ChatRequest) -> i64 {
    let characters: usize = request
        .messages
        .iter()
        .map(|m| m.content.chars().count() + 4)
        .sum();
    let prompt_tokens = (characters / 4) as i128;
    let answer_tokens = match request.task {
        Task::Embeddings => 0,
        _ => i128::from(request.max_tokens.unwrap_or(ASSUMED_ANSWER_TOKENS)),
    };
    let numerator = prompt_tokens * i128::from(price.input_micros_per_mtok)
        + answer_tokens * i128::from(price.output_micros_per_mtok);
    let micros = (numerator + 999_999) / 1_000_000;
    i64::try_from(micros).unwrap_or(i64::MAX)
}

/// A ledger's failure to file a call.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct LedgerWriteError(pub String);

/// Files `record` through `write`, retrying with backoff; the last failure is returned when all
/// attempts fail, for the call to report rather than drop.
pub(crate) async fn file_with_retries<F, Fut>(mut write: F) -> Result<(), LedgerWriteError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), LedgerWriteError>>,
{
    let mut attempt = 1;
    loop {
        match write().await {
            Ok(()) => return Ok(()),
            Err(error) if attempt >= RECORD_ATTEMPTS => return Err(error),
            Err(error) => {
                let delay = RECORD_FIRST_BACKOFF * 2_u32.pow(attempt - 1);
                tracing::warn!(%error, attempt, ?delay, "could not file a model call on the ledger; trying again");
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(budget: Option<i64>, settled: i64) -> Arc<StudyAccount> {
        StudyAccount::new(AccountOpening {
            budget_micros: budget,
            settled_micros: settled,
        })
    }

    #[test]
    fn a_reservation_is_replaced_by_the_real_cost_or_released() {
        let study = account(Some(10_000), 1_000);
        let first = study.reserve("v", "m", Some(4_000)).unwrap();
        let second = study.reserve("v", "m", Some(4_000)).unwrap();
        assert_eq!(study.reserved_micros(), 8_000);
        // 1,000 settled + 8,000 held: another 4,000 does not fit, though nothing is spent yet.
        let refused = study.reserve("v", "m", Some(4_000)).unwrap_err();
        assert!(
            matches!(refused, LlmError::BudgetReached { .. }),
            "{refused}"
        );

        first.settle(Some(2_500));
        assert_eq!(
            (study.settled_micros(), study.reserved_micros()),
            (3_500, 4_000)
        );
        // A call cancelled mid-way (its future dropped) gives its hold back.
        drop(second);
        assert_eq!(
            (study.settled_micros(), study.reserved_micros()),
            (3_500, 0)
        );
        assert!(study.reserve("v", "m", Some(6_500)).is_ok());
    }

    #[test]
    fn a_study_with_a_budget_refuses_an_unknown_price_but_a_spent_budget_says_so_first() {
        let study = account(Some(10_000), 0);
        let unknown = study.reserve("team", "mystery", None).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "set a price for team/mystery in Models & keys to use it in a study with a budget"
        );
        let spent = account(Some(10_000), 10_000);
        let reached = spent.reserve("team", "mystery", None).unwrap_err();
        assert!(
            matches!(reached, LlmError::BudgetReached { .. }),
            "{reached}"
        );
        let uncapped = account(None, 0);
        let held = uncapped.reserve("team", "mystery", None).unwrap();
        held.settle(None);
        assert_eq!(uncapped.settled_micros(), 0);
    }

    #[test]
    fn dollars_read_as_cents_or_tenths_of_a_cent_in_integers() {
        assert_eq!(dollars(4_000), "$0.0040");
        assert_eq!(dollars(9_999), "$0.0100");
        assert_eq!(dollars(10_000), "$0.01");
        assert_eq!(dollars(5_000_000), "$5.00");
        assert_eq!(dollars(1_234_567), "$1.23");
        assert_eq!(dollars(1_235_000), "$1.24");
        assert_eq!(dollars(0), "$0.0000");
        assert_eq!(dollars(-25_000), "-$0.03");
    }

    /// A budget raised while the account is still being opened (from the old figures) is not
    /// lost: the next call opens the account again and reads the new budget.
    #[tokio::test]
    async fn a_budget_changed_while_its_account_opens_applies_to_the_next_call() {
        let accounts = StudyAccounts::new();
        let (opening_started, started) = tokio::sync::oneshot::channel::<()>();
        let (finish_opening, finish) = tokio::sync::oneshot::channel::<()>();
        let slow = {
            let accounts = accounts.clone();
            tokio::spawn(async move {
                accounts
                    .account("study", || async move {
                        let _ = opening_started.send(());
                        let _ = finish.await;
                        Ok(AccountOpening {
                            budget_micros: Some(100),
                            settled_micros: 0,
                        })
                    })
                    .await
            })
        };
        started.await.unwrap();
        // The database now says 1,000; the opening above read 100 before the change.
        accounts.set_budget("study", Some(1_000));
        finish_opening.send(()).unwrap();
        slow.await.unwrap().unwrap();

        let next = accounts
            .account("study", || async {
                Ok(AccountOpening {
                    budget_micros: Some(1_000),
                    settled_micros: 0,
                })
            })
            .await
            .unwrap();
        assert!(
            next.reserve("v", "m", Some(500)).is_ok(),
            "the new budget holds"
        );
    }
}
