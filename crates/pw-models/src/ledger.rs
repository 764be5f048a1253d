//! The gateway's SQLite side: the ledger that files every model call in `llm_calls` and opens
//! each study's account from it, and the response cache in `llm_cache`.

use std::sync::Arc;

use futures::future::BoxFuture;
use pw_llm::{
    AccountOpening, CachedAnswer, CallLedger, CallOutcome, CallRecord, CallScope, LedgerWriteError,
    LlmError, ResponseCache, StudyAccount, StudyAccounts,
};

use pw_domain::{IdError, StudyId, WorkspaceId};

use crate::repository::{ModelStore, NewLlmCall};

/// Files every call in `llm_calls`, and opens each study's account (budget and what its calls
/// cost so far) from there once; the gateway keeps the running totals.
pub(crate) struct SqliteLedger {
    pub(crate) store: ModelStore,
    pub(crate) accounts: Arc<StudyAccounts>,
}

impl CallLedger for SqliteLedger {
    fn account<'a>(
        &'a self,
        scope: &'a CallScope,
    ) -> BoxFuture<'a, pw_llm::Result<Option<Arc<StudyAccount>>>> {
        Box::pin(async move {
            let Some(study_id) = &scope.study_id else {
                return Ok(None);
            };
            // Text that is no study id names no study.
            let study = study_id
                .parse::<StudyId>()
                .map_err(|_| LlmError::StudyNotFound {
                    study: study_id.clone(),
                })?;
            let account = self
                .accounts
                .account(study_id, || async {
                    match self.store.study_budget(study).await {
                        Ok(Some(study)) => Ok(AccountOpening {
                            budget_micros: study.budget_micros,
                            settled_micros: study.spent_micros,
                        }),
                        // Its spend could not be filed (the ledger names the study), so the
                        // call must not be paid for.
                        Ok(None) => Err(LlmError::StudyNotFound {
                            study: study_id.clone(),
                        }),
                        Err(error) => {
                            // A budget that can't be read must not let spending run unchecked.
                            tracing::error!(%error, "could not read the study's budget");
                            Err(LlmError::BudgetUnreadable {
                                message: error.to_string(),
                            })
                        }
                    }
                })
                .await?;
            Ok(Some(account))
        })
    }

    fn record<'a>(
        &'a self,
        record: &'a CallRecord,
    ) -> BoxFuture<'a, std::result::Result<(), LedgerWriteError>> {
        Box::pin(async move {
            let response = match &record.outcome {
                CallOutcome::Failed(message) => Some(message.clone()),
                _ => record.response.clone(),
            };
            let call = NewLlmCall {
                id: record.id.clone(),
                workspace_id: scope_id(&record.scope.workspace_id)?,
                study_id: scope_id(&record.scope.study_id)?,
                job_id: record.scope.job_id.clone(),
                vendor: record.vendor.clone(),
                model: record.model.clone(),
                task: record.task,
                input_tokens: record.usage.input_tokens,
                output_tokens: record.usage.output_tokens,
                cost_micros: record.cost_micros,
                latency_ms: record.latency_ms,
                outcome: record.outcome.as_str().to_owned(),
                cache_hit: record.cache_hit,
                request: record.request.clone(),
                response,
            };
            if record.cost_micros.is_none() {
                tracing::warn!(vendor = %record.vendor, model = %record.model,
                    "no price for this model in the catalogue; its calls' cost is unknown until one is set");
            }
            self.store
                .insert_llm_call(&call)
                .await
                .map_err(|error| LedgerWriteError(error.to_string()))
        })
    }
}

/// A call scope's id (the gateway's scopes carry them as text), read as its type.
fn scope_id<I: std::str::FromStr<Err = IdError>>(
    text: &Option<String>,
) -> Result<Option<I>, LedgerWriteError> {
    text.as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|error: IdError| LedgerWriteError(error.to_string()))
}

/// Keeps answers in `llm_cache`, per workspace.
pub(crate) struct SqliteCache {
    pub(crate) store: ModelStore,
}

impl ResponseCache for SqliteCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedAnswer>> {
        Box::pin(async move {
            match self.store.cached_answer(key).await {
                Ok(Some(text)) => serde_json::from_str(&text)
                    .inspect_err(|error| tracing::warn!(%error, "a cached answer is unreadable"))
                    .ok(),
                Ok(None) => None,
                Err(error) => {
                    tracing::warn!(%error, "could not read the response cache");
                    None
                }
            }
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        scope: &'a CallScope,
        answer: &'a CachedAnswer,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let (vendor, model) = match answer {
                CachedAnswer::Chat(reply) => (reply.vendor.as_str(), reply.model.as_str()),
                CachedAnswer::Embeddings(_) => ("", ""),
            };
            let stored = match serde_json::to_string(answer) {
                Ok(text) => text,
                Err(error) => {
                    tracing::warn!(%error, "could not serialise an answer for the cache");
                    return;
                }
            };
            let workspace = match scope_id::<WorkspaceId>(&scope.workspace_id) {
                Ok(workspace) => workspace,
                Err(error) => {
                    tracing::warn!(error = %error.0, "not keeping an answer for a scope with no workspace id");
                    return;
                }
            };
            if let Err(error) = self
                .store
                .cache_answer(key, workspace, vendor, model, &stored)
                .await
            {
                tracing::warn!(%error, "could not keep an answer in the response cache");
            }
        })
    }
}
