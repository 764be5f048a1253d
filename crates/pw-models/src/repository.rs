//! The language-model tables: model settings (vendors, routes, price edits, workspaces' model),
//! the ledger of model calls with its spend views and study budgets, and the response cache.
//! Keys never reach this file: they live in the OS keychain. Studies themselves are
//! `pw-store`'s (the twins and studies context will share them); only their budgets are here.

use chrono::NaiveDate;
use pw_domain::{StudyId, WorkspaceId};
use pw_llm::{Task, VendorKind};
use serde_json::Value;
use sqlx::Row;

use pw_store::{Database, StoreError, TypedColumns, now_rfc3339};

use crate::error::{ModelsError, Result};
use crate::language_models::TASKS;

/// A configured vendor, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVendor {
    pub name: String,
    pub kind: VendorKind,
    pub base_url: String,
    pub extra_headers: Vec<(String, String)>,
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    pub max_concurrency: Option<u32>,
    pub azure_api_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRoute {
    pub task: Task,
    pub vendor: String,
    pub model: String,
}

/// The user's edit of one catalogue entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPrice {
    pub vendor: String,
    pub model: String,
    pub context_window: u32,
    pub input_micros_per_mtok: i64,
    pub output_micros_per_mtok: i64,
    pub embedding: bool,
}

/// One model call for the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLlmCall {
    /// The call's own id: filing the same call twice (a retried write that had landed) keeps
    /// one row.
    pub id: String,
    pub workspace_id: Option<WorkspaceId>,
    pub study_id: Option<StudyId>,
    pub job_id: Option<String>,
    pub vendor: String,
    pub model: String,
    pub task: Task,
    pub input_tokens: u32,
    pub output_tokens: u32,
    /// `None` when the model had no price: the cost is unknown, not zero.
    pub cost_micros: Option<i64>,
    pub latency_ms: u64,
    /// `ok`, `error`, `cancelled` or `budget_exceeded`.
    pub outcome: String,
    pub cache_hit: bool,
    pub request: Value,
    pub response: Option<String>,
}

/// What a workspace's model calls cost, for the spend view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkspaceSpend {
    /// What the calls with a known cost cost.
    pub total_micros: i64,
    pub calls: u64,
    /// Calls to a model without a price: their cost is unknown and not in any total.
    pub unpriced_calls: u64,
    pub cache_hits: u64,
    pub failed_calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub by_day: Vec<SpendByDay>,
    pub by_model: Vec<SpendByModel>,
    pub by_study: Vec<StudySpend>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpendByDay {
    /// The day (UTC).
    pub day: NaiveDate,
    pub cost_micros: i64,
    pub calls: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpendByModel {
    pub vendor: String,
    pub model: String,
    pub cost_micros: i64,
    pub calls: u64,
    pub unpriced_calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StudySpend {
    pub study_id: StudyId,
    pub title: String,
    pub spent_micros: i64,
    pub budget_micros: Option<i64>,
    pub calls: u64,
}

/// A study's title, budget and what it has spent: what the budget check reads.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyBudget {
    pub study_id: StudyId,
    pub workspace_id: WorkspaceId,
    pub title: String,
    pub budget_micros: Option<i64>,
    pub spent_micros: i64,
}

fn headers_from_json(text: &str) -> Result<Vec<(String, String)>> {
    serde_json::from_str(text)
        .map_err(|e| ModelsError::InvalidSetting(format!("stored headers: {e}")))
}

/// A task's stored name read back; a name this build does not know is an unreadable value.
fn stored_task(name: &str) -> Result<Task> {
    TASKS
        .into_iter()
        .find(|task| task.as_str() == name)
        .ok_or_else(|| {
            StoreError::UnreadableValue {
                column: "task",
                reason: format!("'{name}' is not a known task"),
            }
            .into()
        })
}

fn optional_u32(row: &sqlx::sqlite::SqliteRow, column: &str) -> Result<Option<u32>> {
    let value: Option<i64> = row.try_get(column)?;
    Ok(value.map(|v| v.clamp(0, i64::from(u32::MAX)) as u32))
}

/// The language-model tables' repository, over the shared database's writer and readers.
#[derive(Clone)]
pub(crate) struct ModelStore {
    db: Database,
}

impl ModelStore {
    pub(crate) fn new(db: Database) -> Self {
        ModelStore { db }
    }

    /// The configured vendors. A vendor of a kind this build does not know (a newer version
    /// added it) is left out with a warning, so the others keep working; it stays stored.
    pub(crate) async fn llm_vendors(&self) -> Result<Vec<StoredVendor>> {
        let rows = sqlx::query("SELECT * FROM llm_vendors ORDER BY name")
            .fetch_all(self.db.reader())
            .await?;
        rows.iter()
            .filter_map(|row| {
                let name: String = match row.try_get("name") {
                    Ok(name) => name,
                    Err(error) => return Some(Err(error.into())),
                };
                let kind: String = match row.try_get("kind") {
                    Ok(kind) => kind,
                    Err(error) => return Some(Err(error.into())),
                };
                let Some(kind) = VendorKind::parse(&kind) else {
                    tracing::warn!(vendor = %name, %kind, "unknown vendor kind; skipped");
                    return None;
                };
                Some(Self::vendor_from_row(row, name, kind))
            })
            .collect()
    }

    fn vendor_from_row(
        row: &sqlx::sqlite::SqliteRow,
        name: String,
        kind: VendorKind,
    ) -> Result<StoredVendor> {
        Ok(StoredVendor {
            name,
            kind,
            base_url: row.try_get("base_url")?,
            extra_headers: headers_from_json(&row.try_get::<String, _>("extra_headers")?)?,
            requests_per_minute: optional_u32(row, "requests_per_minute")?,
            tokens_per_minute: optional_u32(row, "tokens_per_minute")?,
            max_concurrency: optional_u32(row, "max_concurrency")?,
            azure_api_version: row.try_get("azure_api_version")?,
        })
    }

    /// Adds a vendor or updates the one with the same name.
    pub(crate) async fn save_llm_vendor(&self, vendor: &StoredVendor) -> Result<()> {
        if vendor.name.trim().is_empty() {
            return Err(ModelsError::InvalidSetting("a vendor needs a name".into()));
        }
        if vendor.extra_headers.iter().any(|(name, _)| {
            name.eq_ignore_ascii_case("authorization")
                || name.eq_ignore_ascii_case("api-key")
                || name.eq_ignore_ascii_case("x-api-key")
        }) {
            // Credentials go to the keychain, never into the database.
            return Err(ModelsError::InvalidSetting(
                "an API key goes in the key field (kept in the system keychain), not in a header"
                    .into(),
            ));
        }
        let headers = serde_json::to_string(&vendor.extra_headers)
            .map_err(|e| ModelsError::InvalidSetting(e.to_string()))?;
        let now = now_rfc3339();
        sqlx::query(
            "INSERT INTO llm_vendors (name, kind, base_url, extra_headers, requests_per_minute,
                 tokens_per_minute, max_concurrency, azure_api_version, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url,
                 extra_headers = excluded.extra_headers,
                 requests_per_minute = excluded.requests_per_minute,
                 tokens_per_minute = excluded.tokens_per_minute,
                 max_concurrency = excluded.max_concurrency,
                 azure_api_version = excluded.azure_api_version, updated_at = excluded.updated_at",
        )
        .bind(vendor.name.trim())
        .bind(vendor.kind.as_str())
        .bind(vendor.base_url.trim())
        .bind(headers)
        .bind(vendor.requests_per_minute.map(i64::from))
        .bind(vendor.tokens_per_minute.map(i64::from))
        .bind(vendor.max_concurrency.map(i64::from))
        .bind(&vendor.azure_api_version)
        .bind(&now)
        .bind(&now)
        .execute(self.db.writer())
        .await?;
        Ok(())
    }

    /// Removes a vendor and every route and workspace default that named it.
    pub(crate) async fn delete_llm_vendor(&self, name: &str) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        sqlx::query("DELETE FROM llm_vendors WHERE name = ?")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let tasks: Vec<String> = sqlx::query_scalar("SELECT DISTINCT task FROM llm_routes")
            .fetch_all(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM llm_routes WHERE vendor = ?")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        // Close the gaps the deleted links left, so positions stay 0..n.
        for task in tasks {
            let rows =
                sqlx::query("SELECT position FROM llm_routes WHERE task = ? ORDER BY position")
                    .bind(&task)
                    .fetch_all(&mut *tx)
                    .await?;
            for (index, row) in rows.iter().enumerate() {
                let position: i64 = row.try_get("position")?;
                sqlx::query("UPDATE llm_routes SET position = ? WHERE task = ? AND position = ?")
                    .bind(index as i64)
                    .bind(&task)
                    .bind(position)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query(
            "UPDATE workspaces SET default_model_vendor = NULL, default_model = NULL
             WHERE default_model_vendor = ?",
        )
        .bind(name)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every task's chain, first choice first.
    pub(crate) async fn llm_routes(&self) -> Result<Vec<StoredRoute>> {
        let rows =
            sqlx::query("SELECT task, vendor, model FROM llm_routes ORDER BY task, position")
                .fetch_all(self.db.reader())
                .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredRoute {
                    task: stored_task(&row.try_get::<String, _>("task")?)?,
                    vendor: row.try_get("vendor")?,
                    model: row.try_get("model")?,
                })
            })
            .collect()
    }

    /// Replaces a task's chain (an empty chain means "the local model").
    pub(crate) async fn set_llm_route(&self, task: Task, chain: &[(String, String)]) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        sqlx::query("DELETE FROM llm_routes WHERE task = ?")
            .bind(task.as_str())
            .execute(&mut *tx)
            .await?;
        for (position, (vendor, model)) in chain.iter().enumerate() {
            if model.trim().is_empty() {
                return Err(ModelsError::InvalidSetting(format!(
                    "choose a model for {vendor}"
                )));
            }
            sqlx::query(
                "INSERT INTO llm_routes (task, position, vendor, model) VALUES (?, ?, ?, ?)",
            )
            .bind(task.as_str())
            .bind(position as i64)
            .bind(vendor)
            .bind(model.trim())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn llm_price_edits(&self) -> Result<Vec<StoredPrice>> {
        let rows = sqlx::query("SELECT * FROM llm_model_prices ORDER BY vendor, model")
            .fetch_all(self.db.reader())
            .await?;
        rows.iter()
            .map(|row| {
                let context: i64 = row.try_get("context_window")?;
                Ok(StoredPrice {
                    vendor: row.try_get("vendor")?,
                    model: row.try_get("model")?,
                    context_window: context.clamp(1, i64::from(u32::MAX)) as u32,
                    input_micros_per_mtok: row.try_get("input_micros_per_mtok")?,
                    output_micros_per_mtok: row.try_get("output_micros_per_mtok")?,
                    embedding: row.try_get("embedding")?,
                })
            })
            .collect()
    }

    pub(crate) async fn save_llm_price(&self, price: &StoredPrice) -> Result<()> {
        if price.input_micros_per_mtok < 0 || price.output_micros_per_mtok < 0 {
            return Err(ModelsError::InvalidSetting(
                "a price can't be negative".into(),
            ));
        }
        if price.context_window == 0 {
            return Err(ModelsError::InvalidSetting(
                "a context window must be at least one token".into(),
            ));
        }
        sqlx::query(
            "INSERT INTO llm_model_prices (vendor, model, context_window, input_micros_per_mtok,
                 output_micros_per_mtok, embedding, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (vendor, model) DO UPDATE SET context_window = excluded.context_window,
                 input_micros_per_mtok = excluded.input_micros_per_mtok,
                 output_micros_per_mtok = excluded.output_micros_per_mtok,
                 embedding = excluded.embedding, updated_at = excluded.updated_at",
        )
        .bind(&price.vendor)
        .bind(&price.model)
        .bind(i64::from(price.context_window))
        .bind(price.input_micros_per_mtok)
        .bind(price.output_micros_per_mtok)
        .bind(price.embedding)
        .bind(now_rfc3339())
        .execute(self.db.writer())
        .await?;
        Ok(())
    }

    /// Sets (or clears, with `None`) the model a workspace uses first.
    pub(crate) async fn set_workspace_model(
        &self,
        workspace_id: WorkspaceId,
        model: Option<(&str, &str)>,
    ) -> Result<()> {
        let updated = sqlx::query(
            "UPDATE workspaces SET default_model_vendor = ?, default_model = ?, updated_at = ?
             WHERE id = ?",
        )
        .bind(model.map(|(vendor, _)| vendor))
        .bind(model.map(|(_, model)| model))
        .bind(now_rfc3339())
        .bind(workspace_id.to_string())
        .execute(self.db.writer())
        .await?;
        if updated.rows_affected() == 0 {
            return Err(ModelsError::WorkspaceNotFound(workspace_id.to_string()));
        }
        Ok(())
    }

    /// `(workspace id, vendor, model)` for every workspace with its own default model.
    pub(crate) async fn workspace_models(&self) -> Result<Vec<(WorkspaceId, String, String)>> {
        let rows = sqlx::query(
            "SELECT id, default_model_vendor, default_model FROM workspaces
             WHERE default_model_vendor IS NOT NULL AND default_model IS NOT NULL",
        )
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.parsed("id")?,
                    row.try_get("default_model_vendor")?,
                    row.try_get("default_model")?,
                ))
            })
            .collect()
    }

    /// Files one model call on the ledger.
    pub(crate) async fn insert_llm_call(&self, call: &NewLlmCall) -> Result<()> {
        sqlx::query(
            "INSERT INTO llm_calls (id, workspace_id, study_id, job_id, vendor, model, task,
                 input_tokens, output_tokens, cost_micros, currency, latency_ms, outcome, cache_hit,
                 request, response, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'USD', ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&call.id)
        .bind(call.workspace_id.map(|id| id.to_string()))
        .bind(call.study_id.map(|id| id.to_string()))
        .bind(&call.job_id)
        .bind(&call.vendor)
        .bind(&call.model)
        .bind(call.task.as_str())
        .bind(i64::from(call.input_tokens))
        .bind(i64::from(call.output_tokens))
        .bind(call.cost_micros)
        .bind(call.latency_ms.min(i64::MAX as u64) as i64)
        .bind(&call.outcome)
        .bind(call.cache_hit)
        .bind(call.request.to_string())
        .bind(&call.response)
        .bind(now_rfc3339())
        .execute(self.db.writer())
        .await?;
        Ok(())
    }

    /// A study's budget and spend; `None` when there is no such study.
    pub(crate) async fn study_budget(&self, study_id: StudyId) -> Result<Option<StudyBudget>> {
        let row = sqlx::query(
            "SELECT s.id, s.workspace_id, s.title, s.budget_micros,
                    (SELECT coalesce(sum(cost_micros), 0) FROM llm_calls c WHERE c.study_id = s.id) AS spent
             FROM studies s WHERE s.id = ?",
        )
        .bind(study_id.to_string())
        .fetch_optional(self.db.reader())
        .await?;
        row.map(|row| {
            Ok(StudyBudget {
                study_id: row.parsed("id")?,
                workspace_id: row.parsed("workspace_id")?,
                title: row.try_get("title")?,
                budget_micros: row.try_get("budget_micros")?,
                spent_micros: row.try_get("spent")?,
            })
        })
        .transpose()
    }

    /// Sets (or clears) a study's cap on model spend.
    pub(crate) async fn set_study_budget(
        &self,
        study_id: StudyId,
        budget_micros: Option<i64>,
    ) -> Result<()> {
        if budget_micros.is_some_and(|b| b < 0) {
            return Err(ModelsError::InvalidSetting(
                "a budget can't be negative".into(),
            ));
        }
        let updated = sqlx::query("UPDATE studies SET budget_micros = ? WHERE id = ?")
            .bind(budget_micros)
            .bind(study_id.to_string())
            .execute(self.db.writer())
            .await?;
        if updated.rows_affected() == 0 {
            return Err(ModelsError::InvalidSetting(format!(
                "no study with id {study_id}"
            )));
        }
        Ok(())
    }

    /// What a workspace's model calls cost: totals, the last `days` days, per model and per
    /// study.
    pub(crate) async fn workspace_spend(
        &self,
        workspace_id: WorkspaceId,
        days: u32,
    ) -> Result<WorkspaceSpend> {
        let workspace = workspace_id.to_string();
        // The workspace rows are pw-workspaces'; one statement here says whether it exists,
        // rather than a dependency on another context.
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ?)")
                .bind(&workspace)
                .fetch_one(self.db.reader())
                .await?;
        if !exists {
            return Err(ModelsError::WorkspaceNotFound(workspace));
        }
        let totals = sqlx::query(
            "SELECT coalesce(sum(cost_micros), 0) AS cost, count(*) AS calls,
                    coalesce(sum(cost_micros IS NULL), 0) AS unpriced,
                    coalesce(sum(cache_hit), 0) AS hits,
                    coalesce(sum(outcome != 'ok'), 0) AS failed,
                    coalesce(sum(input_tokens), 0) AS input, coalesce(sum(output_tokens), 0) AS output
             FROM llm_calls WHERE workspace_id = ?",
        )
        .bind(&workspace)
        .fetch_one(self.db.reader())
        .await?;
        let count = |row: &sqlx::sqlite::SqliteRow, column: &str| -> Result<u64> {
            Ok(row.try_get::<i64, _>(column)?.max(0) as u64)
        };
        let by_day = sqlx::query(
            "SELECT substr(created_at, 1, 10) AS day, coalesce(sum(cost_micros), 0) AS cost,
                    count(*) AS calls
             FROM llm_calls
             WHERE workspace_id = ? AND created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)
             GROUP BY day ORDER BY day",
        )
        .bind(&workspace)
        .bind(format!("-{days} days"))
        .fetch_all(self.db.reader())
        .await?
        .iter()
        .map(|row| {
            Ok(SpendByDay {
                day: row.try_get("day")?,
                cost_micros: row.try_get("cost")?,
                calls: count(row, "calls")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let by_model = sqlx::query(
            "SELECT vendor, model, coalesce(sum(cost_micros), 0) AS cost, count(*) AS calls,
                    sum(cost_micros IS NULL) AS unpriced,
                    sum(input_tokens) AS input, sum(output_tokens) AS output
             FROM llm_calls WHERE workspace_id = ?
             GROUP BY vendor, model ORDER BY cost DESC, calls DESC",
        )
        .bind(&workspace)
        .fetch_all(self.db.reader())
        .await?
        .iter()
        .map(|row| {
            Ok(SpendByModel {
                vendor: row.try_get("vendor")?,
                model: row.try_get("model")?,
                cost_micros: row.try_get("cost")?,
                calls: count(row, "calls")?,
                unpriced_calls: count(row, "unpriced")?,
                input_tokens: count(row, "input")?,
                output_tokens: count(row, "output")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let by_study = sqlx::query(
            "SELECT s.id, s.title, s.budget_micros,
                    coalesce(sum(c.cost_micros), 0) AS spent, count(c.id) AS calls
             FROM studies s LEFT JOIN llm_calls c ON c.study_id = s.id
             WHERE s.workspace_id = ?
             GROUP BY s.id ORDER BY s.created_at",
        )
        .bind(&workspace)
        .fetch_all(self.db.reader())
        .await?
        .iter()
        .map(|row| {
            Ok(StudySpend {
                study_id: row.parsed("id")?,
                title: row.try_get("title")?,
                spent_micros: row.try_get("spent")?,
                budget_micros: row.try_get("budget_micros")?,
                calls: count(row, "calls")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(WorkspaceSpend {
            total_micros: totals.try_get("cost")?,
            calls: count(&totals, "calls")?,
            unpriced_calls: count(&totals, "unpriced")?,
            cache_hits: count(&totals, "hits")?,
            failed_calls: count(&totals, "failed")?,
            input_tokens: count(&totals, "input")?,
            output_tokens: count(&totals, "output")?,
            by_day,
            by_model,
            by_study,
        })
    }

    pub(crate) async fn cached_answer(&self, key: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT answer FROM llm_cache WHERE key = ?")
                .bind(key)
                .fetch_optional(self.db.reader())
                .await?,
        )
    }

    /// Keeps an answer; a refreshed answer replaces the old one.
    pub(crate) async fn cache_answer(
        &self,
        key: &str,
        workspace_id: Option<WorkspaceId>,
        vendor: &str,
        model: &str,
        answer: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO llm_cache (key, workspace_id, vendor, model, answer, created_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET answer = excluded.answer, created_at = excluded.created_at",
        )
        .bind(key)
        .bind(workspace_id.map(|id| id.to_string()))
        .bind(vendor)
        .bind(model)
        .bind(answer)
        .bind(now_rfc3339())
        .execute(self.db.writer())
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, ModelStore) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Database::open(&dir.path().join("profitwheel.sqlite3"))
            .await
            .expect("open");
        (dir, ModelStore::new(db))
    }

    fn vendor(name: &str, headers: Vec<(String, String)>) -> StoredVendor {
        StoredVendor {
            name: name.to_owned(),
            kind: VendorKind::OpenAi,
            base_url: "https://api.openai.com/v1".to_owned(),
            extra_headers: headers,
            requests_per_minute: Some(60),
            tokens_per_minute: None,
            max_concurrency: Some(4),
            azure_api_version: None,
        }
    }

    #[tokio::test]
    async fn a_vendor_round_trips_and_a_key_never_rides_in_a_header() {
        let (_dir, store) = store().await;
        let saved = vendor(
            "openai",
            vec![("OpenAI-Organization".into(), "org-1".into())],
        );
        store.save_llm_vendor(&saved).await.expect("save");
        assert_eq!(store.llm_vendors().await.expect("list"), vec![saved]);

        let keyed = vendor(
            "leaky",
            vec![("Authorization".into(), "Bearer sk-x".into())],
        );
        let refused = store.save_llm_vendor(&keyed).await.unwrap_err();
        assert!(matches!(refused, ModelsError::InvalidSetting(_)));
        assert!(refused.to_string().starts_with("invalid input: "));
        assert_eq!(store.llm_vendors().await.expect("list").len(), 1);
    }

    #[tokio::test]
    async fn prices_and_budgets_below_zero_and_unknown_workspaces_are_refused() {
        let (_dir, store) = store().await;
        let negative = StoredPrice {
            vendor: "openai".into(),
            model: "gpt-x".into(),
            context_window: 8_000,
            input_micros_per_mtok: -1,
            output_micros_per_mtok: 0,
            embedding: false,
        };
        assert_eq!(
            store
                .save_llm_price(&negative)
                .await
                .unwrap_err()
                .to_string(),
            "invalid input: a price can't be negative"
        );
        assert_eq!(
            store
                .set_study_budget(StudyId::new(), Some(-5))
                .await
                .unwrap_err()
                .to_string(),
            "invalid input: a budget can't be negative"
        );
        let unknown = WorkspaceId::new();
        assert!(matches!(
            store
                .set_workspace_model(unknown, Some(("openai", "gpt-x")))
                .await,
            Err(ModelsError::WorkspaceNotFound(id)) if id == unknown.to_string()
        ));
    }

    /// Routes are read as tasks; a task name this build does not know (a newer version's) is
    /// a typed error naming the column, not a panic or a default.
    #[test]
    fn a_task_this_build_does_not_know_is_an_unreadable_value() {
        for task in TASKS {
            assert_eq!(stored_task(task.as_str()).unwrap(), task);
        }
        let unknown = stored_task("summarise").unwrap_err();
        assert!(
            matches!(&unknown, ModelsError::Store(StoreError::UnreadableValue { column: "task", reason })
                if reason == "'summarise' is not a known task"),
            "{unknown:?}"
        );
    }

    /// A vendor of a kind a newer version added is left out (the others keep working) and
    /// stays stored for that version.
    #[tokio::test]
    async fn a_vendor_of_a_kind_this_build_does_not_know_is_left_out_and_kept() {
        let (_dir, store) = store().await;
        let known = vendor("openai", Vec::new());
        store.save_llm_vendor(&known).await.expect("save");
        sqlx::query(
            "INSERT INTO llm_vendors (name, kind, base_url, extra_headers, created_at, updated_at)
             VALUES ('future', 'quantum', 'https://q.example/v1', '[]', 't', 't')",
        )
        .execute(store.db.writer())
        .await
        .expect("insert");
        assert_eq!(store.llm_vendors().await.expect("list"), vec![known]);
        let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM llm_vendors")
            .fetch_one(store.db.reader())
            .await
            .expect("count");
        assert_eq!(stored, 2);
    }

    /// A ledger write that landed but reported a failure is filed again by the gateway's
    /// retry: the call's own id keeps it to one row, so its spend is not counted twice.
    #[tokio::test]
    async fn filing_the_same_call_twice_keeps_one_row() {
        let (_dir, store) = store().await;
        let call = NewLlmCall {
            id: pw_domain::new_id(),
            workspace_id: None,
            study_id: None,
            job_id: None,
            vendor: "openai".into(),
            model: "gpt-4.1-mini".into(),
            task: Task::Analysis,
            input_tokens: 10,
            output_tokens: 5,
            cost_micros: Some(42),
            latency_ms: 120,
            outcome: "ok".into(),
            cache_hit: false,
            request: serde_json::json!({"model": "gpt-4.1-mini"}),
            response: Some("fine".into()),
        };
        store.insert_llm_call(&call).await.expect("first filing");
        store.insert_llm_call(&call).await.expect("the retry");
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM llm_calls")
            .fetch_one(store.db.reader())
            .await
            .expect("count");
        assert_eq!(rows, 1);
    }
}
