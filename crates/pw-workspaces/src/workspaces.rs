//! Workspaces: one per client brand. An agency has many; everything else belongs to one.

use chrono::{DateTime, NaiveDate, Utc};
use pw_domain::{Currency, DateRange, WorkspaceId};
use sqlx::Row;

use pw_store::{Result, StoreError, TypedColumns, format_instant, now_instant, parse_stored};

use crate::WorkspaceStore;

#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: String,
    pub brand: String,
    pub currency: Currency,
    pub time_zone: String,
    pub is_demo: bool,
    pub created_at: DateTime<Utc>,
    /// `(vendor, model)` this workspace answers with first, if it has its own.
    pub default_model: Option<(String, String)>,
}

/// A workspace with what the switcher shows about it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceOverview {
    pub workspace: Workspace,
    pub campaign_count: u32,
    pub data_range: Option<DateRange>,
}

#[derive(Debug, Clone)]
pub struct NewWorkspace {
    pub name: String,
    pub brand: String,
    pub currency: Currency,
    pub time_zone: String,
    pub is_demo: bool,
}

fn workspace_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Workspace> {
    Ok(Workspace {
        id: row.parsed("id")?,
        name: row.try_get("name")?,
        brand: row.try_get("brand")?,
        currency: row.parsed("currency")?,
        time_zone: row.try_get("time_zone")?,
        is_demo: row.try_get("is_demo")?,
        created_at: row.instant("created_at")?,
        default_model: row
            .try_get::<Option<String>, _>("default_model_vendor")?
            .zip(row.try_get::<Option<String>, _>("default_model")?),
    })
}

/// A workspace row with what the switcher shows about it; callers add a `WHERE` or `ORDER BY`.
const OVERVIEW_SELECT: &str = "SELECT w.*,
        (SELECT count(*) FROM campaigns c WHERE c.workspace_id = w.id) AS campaign_count,
        (SELECT min(date) FROM daily_metrics m WHERE m.workspace_id = w.id AND m.level = 'campaign') AS first_date,
        (SELECT max(date) FROM daily_metrics m WHERE m.workspace_id = w.id AND m.level = 'campaign') AS last_date
    FROM workspaces w";

fn overview_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<WorkspaceOverview> {
    let workspace = workspace_from_row(row)?;
    let first: Option<String> = row.try_get("first_date")?;
    let last: Option<String> = row.try_get("last_date")?;
    let day = |text: Option<String>| {
        text.map(|text| parse_stored::<NaiveDate>("date", &text))
            .transpose()
    };
    let campaign_count: i64 = row.try_get("campaign_count")?;
    Ok(WorkspaceOverview {
        workspace,
        campaign_count: u32::try_from(campaign_count).unwrap_or(u32::MAX),
        data_range: day(first)?
            .zip(day(last)?)
            .map(|(start, end)| DateRange { start, end }),
    })
}

impl WorkspaceStore<'_> {
    pub async fn create_workspace(&self, new: &NewWorkspace) -> Result<Workspace> {
        self.create_workspace_with_id(WorkspaceId::new(), new).await
    }

    /// Creates a workspace under a chosen id (a job that creates one picks the id when it is
    /// enqueued, so a re-run after a crash finds the workspace instead of making a second).
    pub async fn create_workspace_with_id(
        &self,
        id: WorkspaceId,
        new: &NewWorkspace,
    ) -> Result<Workspace> {
        let name = new.name.trim();
        if name.is_empty() {
            return Err(StoreError::InvalidInput("a workspace needs a name".into()));
        }
        if !pw_domain::is_time_zone(&new.time_zone) {
            return Err(StoreError::InvalidInput(format!(
                "'{}' is not an IANA time zone",
                new.time_zone
            )));
        }
        let now = now_instant();
        let workspace = Workspace {
            id,
            name: name.to_owned(),
            brand: new.brand.trim().to_owned(),
            currency: new.currency.clone(),
            time_zone: new.time_zone.clone(),
            is_demo: new.is_demo,
            created_at: now,
            default_model: None,
        };
        let inserted = sqlx::query(
            "INSERT INTO workspaces (id, name, brand, currency, time_zone, is_demo, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(workspace.id.to_string())
        .bind(&workspace.name)
        .bind(&workspace.brand)
        .bind(workspace.currency.as_str())
        .bind(&workspace.time_zone)
        .bind(workspace.is_demo)
        .bind(format_instant(now))
        .bind(format_instant(now))
        .execute(self.db.writer())
        .await;
        match inserted {
            Ok(_) => Ok(workspace),
            Err(sqlx::Error::Database(e))
                if e.is_unique_violation() && e.message().contains("workspaces.id") =>
            {
                Err(StoreError::WorkspaceAlreadyExists(workspace.id.to_string()))
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::WorkspaceNameTaken(workspace.name))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn workspace(&self, id: WorkspaceId) -> Result<Workspace> {
        let row = sqlx::query("SELECT * FROM workspaces WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(self.db.reader())
            .await?
            .ok_or_else(|| StoreError::WorkspaceNotFound(id.to_string()))?;
        workspace_from_row(&row)
    }

    pub async fn find_workspace_by_name(&self, name: &str) -> Result<Option<Workspace>> {
        let row = sqlx::query("SELECT * FROM workspaces WHERE name = ?")
            .bind(name)
            .fetch_optional(self.db.reader())
            .await?;
        row.as_ref().map(workspace_from_row).transpose()
    }

    /// All workspaces, by name, with their campaign counts and the dates their metrics cover.
    /// A workspace row this build cannot read is left out (and logged with its id), so one
    /// damaged workspace never makes the others unreachable; looked up by its id it still
    /// reports why it cannot be read, and it can still be deleted.
    pub async fn list_workspaces(&self) -> Result<Vec<WorkspaceOverview>> {
        let sql = format!("{OVERVIEW_SELECT} ORDER BY w.name COLLATE NOCASE");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.db.reader())
            .await?;
        let mut overviews = Vec::with_capacity(rows.len());
        for row in &rows {
            match overview_from_row(row) {
                Ok(overview) => overviews.push(overview),
                Err(error @ StoreError::UnreadableValue { .. }) => {
                    let id: Option<String> = row.try_get("id").ok();
                    tracing::warn!(
                        workspace = id.as_deref().unwrap_or("?"),
                        %error,
                        "a workspace is left out of the list: it cannot be read"
                    );
                }
                Err(error) => return Err(error),
            }
        }
        Ok(overviews)
    }

    /// One workspace with its campaign count and the dates its metrics cover, read by its id
    /// alone (another workspace's damaged row does not stand in its way).
    pub async fn workspace_overview(&self, id: WorkspaceId) -> Result<WorkspaceOverview> {
        let sql = format!("{OVERVIEW_SELECT} WHERE w.id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(self.db.reader())
            .await?
            .ok_or_else(|| StoreError::WorkspaceNotFound(id.to_string()))?;
        overview_from_row(&row)
    }

    /// The overview of the workspace with exactly this name, if there is one.
    pub async fn find_workspace_overview_by_name(
        &self,
        name: &str,
    ) -> Result<Option<WorkspaceOverview>> {
        let sql = format!("{OVERVIEW_SELECT} WHERE w.name = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(name)
            .fetch_optional(self.db.reader())
            .await?;
        row.as_ref().map(overview_from_row).transpose()
    }

    /// Deletes a workspace and everything in it (rows cascade); blobs stay for other workspaces.
    pub async fn delete_workspace(&self, id: WorkspaceId) -> Result<()> {
        let deleted = sqlx::query("DELETE FROM workspaces WHERE id = ?")
            .bind(id.to_string())
            .execute(self.db.writer())
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::WorkspaceNotFound(id.to_string()));
        }
        Ok(())
    }
}
