//! Read models over daily metrics for dashboards: totals, per-platform daily series and
//! per-campaign totals for a date range. Campaign-level rows are the source, because that is the
//! finest level every platform reports spend and conversions at consistently.
//!
//! Money is never added across currencies: an agency whose client runs a EUR and a USD account
//! gets one total per currency, and every row says which currency its amounts are in.

use chrono::NaiveDate;
use pw_domain::{
    CampaignId, Currency, DateRange, EntityStatus, Micros, Objective, Platform, Totals, WorkspaceId,
};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use pw_store::{Result, TypedColumns};

use crate::WorkspaceStore;

#[derive(Debug, Clone, PartialEq)]
pub struct DailyPlatformTotals {
    pub date: NaiveDate,
    pub platform: Platform,
    pub currency: Currency,
    pub totals: Totals,
}

/// Totals of the rows reported in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrencyTotals {
    pub currency: Currency,
    pub totals: Totals,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CampaignTotals {
    pub campaign_id: CampaignId,
    pub name: String,
    pub platform: Platform,
    pub objective: Objective,
    pub status: EntityStatus,
    /// The campaign's ad account currency, which its amounts are in.
    pub currency: Currency,
    pub totals: Totals,
}

const SUMS: &str =
    "coalesce(sum(m.spend_micros), 0) AS spend, coalesce(sum(m.impressions), 0) AS impressions,
    coalesce(sum(m.clicks), 0) AS clicks, coalesce(sum(m.conversions), 0.0) AS conversions,
    coalesce(sum(m.conversion_value_micros), 0) AS conversion_value,
    coalesce(sum(CASE WHEN m.conversion_value_micros IS NOT NULL THEN m.spend_micros END), 0)
        AS valued_spend";

fn totals_from(row: &SqliteRow) -> Result<Totals> {
    Ok(Totals {
        spend: Micros(row.try_get("spend")?),
        impressions: row.try_get("impressions")?,
        clicks: row.try_get("clicks")?,
        conversions: row.try_get("conversions")?,
        conversion_value: Micros(row.try_get("conversion_value")?),
        valued_spend: Micros(row.try_get("valued_spend")?),
    })
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

impl WorkspaceStore<'_> {
    /// The first and last day with campaign metrics in a workspace.
    pub async fn metrics_date_range(&self, workspace_id: WorkspaceId) -> Result<Option<DateRange>> {
        let row = sqlx::query(
            "SELECT min(date) AS first, max(date) AS last FROM daily_metrics
             WHERE workspace_id = ? AND level = 'campaign'",
        )
        .bind(workspace_id.to_string())
        .fetch_one(self.db.reader())
        .await?;
        let first: Option<NaiveDate> = row.try_get("first")?;
        let last: Option<NaiveDate> = row.try_get("last")?;
        Ok(first.zip(last).map(|(start, end)| DateRange { start, end }))
    }

    /// The workspace's totals in the range, one entry per currency its accounts report in, by
    /// currency code (amounts in different currencies have no order). Empty when nothing ran.
    pub async fn workspace_totals(
        &self,
        workspace_id: WorkspaceId,
        range: DateRange,
    ) -> Result<Vec<CurrencyTotals>> {
        let sql = format!(
            "SELECT m.currency AS currency, {SUMS} FROM daily_metrics m
             WHERE m.workspace_id = ? AND m.level = 'campaign' AND m.date BETWEEN ? AND ?
             GROUP BY m.currency ORDER BY m.currency"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id.to_string())
            .bind(day(range.start))
            .bind(day(range.end))
            .fetch_all(self.db.reader())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(CurrencyTotals {
                    currency: row.parsed("currency")?,
                    totals: totals_from(row)?,
                })
            })
            .collect()
    }

    pub async fn daily_platform_totals(
        &self,
        workspace_id: WorkspaceId,
        range: DateRange,
    ) -> Result<Vec<DailyPlatformTotals>> {
        let sql = format!(
            "SELECT m.date AS date, m.platform AS platform, m.currency AS currency, {SUMS}
             FROM daily_metrics m
             WHERE m.workspace_id = ? AND m.level = 'campaign' AND m.date BETWEEN ? AND ?
             GROUP BY m.date, m.platform, m.currency ORDER BY m.date, m.platform, m.currency"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id.to_string())
            .bind(day(range.start))
            .bind(day(range.end))
            .fetch_all(self.db.reader())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(DailyPlatformTotals {
                    date: row.try_get("date")?,
                    platform: row.parsed("platform")?,
                    currency: row.parsed("currency")?,
                    totals: totals_from(row)?,
                })
            })
            .collect()
    }

    /// Every campaign of the workspace with its totals in the range (zero when it did not run).
    pub async fn campaign_totals(
        &self,
        workspace_id: WorkspaceId,
        range: DateRange,
    ) -> Result<Vec<CampaignTotals>> {
        let sql = format!(
            "SELECT c.id AS id, c.name AS name, c.platform AS platform, c.objective AS objective,
                    c.status AS status, a.currency AS currency, {SUMS}
             FROM campaigns c
             JOIN ad_accounts a ON a.id = c.ad_account_id
             LEFT JOIN daily_metrics m ON m.level = 'campaign' AND m.entity_id = c.id AND m.date BETWEEN ? AND ?
             WHERE c.workspace_id = ?
             GROUP BY c.id ORDER BY a.currency, spend DESC, c.name"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(day(range.start))
            .bind(day(range.end))
            .bind(workspace_id.to_string())
            .fetch_all(self.db.reader())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(CampaignTotals {
                    campaign_id: row.parsed("id")?,
                    name: row.try_get("name")?,
                    platform: row.parsed("platform")?,
                    objective: row.parsed("objective")?,
                    status: row.parsed("status")?,
                    currency: row.parsed("currency")?,
                    totals: totals_from(row)?,
                })
            })
            .collect()
    }
}
