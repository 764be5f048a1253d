//! What the evaluation and the specialists read first of a workspace's campaign rows: the
//! currency they work in and the last day with data.

use chrono::NaiveDate;
use pw_domain::WorkspaceId;
use pw_store::Database;
use sqlx::Row;

use crate::error::{AgentError, Result};

/// The workspace's main currency, the one most campaign days are in (amounts in different
/// currencies are never compared), and the last day with data in it. `None` without metrics.
pub(crate) async fn main_currency(
    db: &Database,
    workspace: WorkspaceId,
) -> Result<Option<(String, NaiveDate)>> {
    let stored = |e: sqlx::Error| AgentError::Store(e.into());
    let row = sqlx::query(
        "SELECT currency, MAX(date) AS last FROM daily_metrics
         WHERE workspace_id = ? AND level = 'campaign'
         GROUP BY currency ORDER BY COUNT(*) DESC, currency LIMIT 1",
    )
    .bind(workspace.to_string())
    .fetch_optional(db.reader())
    .await
    .map_err(stored)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let currency: String = row.try_get("currency").map_err(stored)?;
    let last: String = row.try_get("last").map_err(stored)?;
    let last = last
        .parse()
        .map_err(|e: chrono::ParseError| AgentError::Invalid(format!("a stored day: {e}")))?;
    Ok(Some((currency, last)))
}
