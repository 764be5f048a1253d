//! Daily metrics and their breakdowns: the rows a sync writes most of. Every row must be in its
//! ad account's currency (the dashboard totals by account); a writer that knows its rows'
//! account checks that once ([`AdDataWriter::account_metrics`]), any other row by row.

use chrono::NaiveDate;
use pw_domain::{
    AdAccountId, AdGroupId, AdId, BreakdownDimension, CampaignId, Currency, MetricLevel, Micros,
    Platform, WorkspaceId,
};
use sqlx::{QueryBuilder, Sqlite};

use pw_store::{Result, StoreError};

use super::{ACCOUNT_OF_METRIC, AdDataWriter, ROWS_PER_STATEMENT, day};

/// The entity a daily metric row describes: its level and its id, which together are stored as
/// the columns `level` and `entity_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricEntity {
    Account(AdAccountId),
    Campaign(CampaignId),
    AdGroup(AdGroupId),
    Ad(AdId),
}

impl MetricEntity {
    pub fn level(self) -> MetricLevel {
        match self {
            MetricEntity::Account(_) => MetricLevel::Account,
            MetricEntity::Campaign(_) => MetricLevel::Campaign,
            MetricEntity::AdGroup(_) => MetricLevel::AdGroup,
            MetricEntity::Ad(_) => MetricLevel::Ad,
        }
    }

    /// The entity's id, as stored in `entity_id`.
    pub fn id(self) -> uuid::Uuid {
        match self {
            MetricEntity::Account(id) => id.as_uuid(),
            MetricEntity::Campaign(id) => id.as_uuid(),
            MetricEntity::AdGroup(id) => id.as_uuid(),
            MetricEntity::Ad(id) => id.as_uuid(),
        }
    }

    fn id_text(self) -> String {
        self.id().hyphenated().to_string()
    }
}

#[derive(Debug, Clone)]
pub struct MetricRow {
    pub workspace_id: WorkspaceId,
    pub entity: MetricEntity,
    pub date: NaiveDate,
    pub platform: Platform,
    pub currency: Currency,
    pub impressions: i64,
    pub clicks: i64,
    pub spend: Micros,
    pub conversions: f64,
    /// `None` when the platform does not report it (not zero).
    pub conversion_value: Option<Micros>,
    pub reach: Option<i64>,
    pub video_views: Option<i64>,
}

/// One entity's day broken down by one dimension (placement, device or daypart), as platforms
/// report it: one row per value, and a dimension's rows add up to the entity's day. The natural
/// key is (level, entity, date, dimension, value).
#[derive(Debug, Clone)]
pub struct BreakdownRow {
    pub workspace_id: WorkspaceId,
    pub entity: MetricEntity,
    pub date: NaiveDate,
    pub dimension: BreakdownDimension,
    /// The platform's name for the segment: `instagram_reels`, `mobile`, `evening`.
    pub value: String,
    pub platform: Platform,
    pub currency: Currency,
    pub impressions: i64,
    pub clicks: i64,
    pub spend: Micros,
    pub conversions: f64,
}

impl AdDataWriter<'_> {
    /// Refuses metric (or breakdown) rows whose currency is not their ad account's. Reports
    /// label a campaign's sums with its account's currency, so a row in another currency would be
    /// added into a total it does not belong to. Rows whose entity is not stored (yet) have no
    /// account to compare with and pass.
    async fn refuse_metrics_in_another_currency<'r>(
        &mut self,
        chunk: impl IntoIterator<Item = (MetricEntity, &'r Currency)>,
    ) -> Result<()> {
        let mut q = QueryBuilder::<Sqlite>::new("WITH m (level, entity_id, currency) AS (");
        q.push_values(chunk, |mut b, (entity, currency)| {
            b.push_bind(entity.level().as_str())
                .push_bind(entity.id_text())
                .push_bind(currency.as_str());
        });
        q.push(format!(
            ") SELECT m.level, m.entity_id, m.currency, a.id, a.currency FROM m
             JOIN ad_accounts a ON a.id = {ACCOUNT_OF_METRIC}
             WHERE a.currency <> m.currency
             LIMIT 1"
        ));
        let mismatch: Option<(String, String, String, String, String)> =
            q.build_query_as().fetch_optional(&mut **self.tx).await?;
        let Some((level, entity_id, metric_currency, account_id, account_currency)) = mismatch
        else {
            return Ok(());
        };
        let level = level
            .parse::<MetricLevel>()
            .map_or("entity", MetricLevel::as_str);
        Err(StoreError::MetricCurrencyMismatch {
            level,
            entity_id,
            metric_currency,
            account_id,
            account_currency,
        })
    }

    /// Upserts daily metrics that all belong to one ad account, whose currency is checked
    /// once instead of row by row: a sync maps every row to the account it reads, so this is
    /// what it writes through. Every row must be of that account (its entity found under the
    /// account by the caller) and in its currency ([`StoreError::MetricCurrencyMismatch`]
    /// otherwise, before anything is written).
    pub async fn account_metrics(
        &mut self,
        account: AdAccountId,
        rows: &[MetricRow],
    ) -> Result<()> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT currency FROM ad_accounts WHERE id = ?")
                .bind(account.to_string())
                .fetch_optional(&mut **self.tx)
                .await?;
        let Some(account_currency) = stored else {
            return Err(StoreError::Sql(sqlx::Error::RowNotFound));
        };
        if let Some(row) = rows
            .iter()
            .find(|r| r.currency.as_str() != account_currency)
        {
            return Err(StoreError::MetricCurrencyMismatch {
                level: row.entity.level().as_str(),
                entity_id: row.entity.id_text(),
                metric_currency: row.currency.as_str().to_owned(),
                account_id: account.to_string(),
                account_currency,
            });
        }
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            self.upsert_metrics(chunk).await?;
        }
        Ok(())
    }

    /// Upserts daily metrics: a re-synced day replaces the platform's earlier (often provisional)
    /// figures for that day. Every row must be in its ad account's currency
    /// ([`StoreError::MetricCurrencyMismatch`] otherwise, before anything is written).
    pub async fn metrics(&mut self, rows: &[MetricRow]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            self.refuse_metrics_in_another_currency(chunk.iter().map(|r| (r.entity, &r.currency)))
                .await?;
            self.upsert_metrics(chunk).await?;
        }
        Ok(())
    }

    /// One multi-row upsert of at most [`ROWS_PER_STATEMENT`] metric rows.
    async fn upsert_metrics(&mut self, chunk: &[MetricRow]) -> Result<()> {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO daily_metrics (workspace_id, level, entity_id, date, platform, currency, impressions,
             clicks, spend_micros, conversions, conversion_value_micros, reach, video_views) ",
        );
        q.push_values(chunk, |mut b, r| {
            b.push_bind(r.workspace_id.to_string())
                .push_bind(r.entity.level().as_str())
                .push_bind(r.entity.id_text())
                .push_bind(day(r.date))
                .push_bind(r.platform.as_str())
                .push_bind(r.currency.as_str())
                .push_bind(r.impressions)
                .push_bind(r.clicks)
                .push_bind(r.spend.0)
                .push_bind(r.conversions)
                .push_bind(r.conversion_value.map(|v| v.0))
                .push_bind(r.reach)
                .push_bind(r.video_views);
        });
        q.push(
            " ON CONFLICT (level, entity_id, date) DO UPDATE SET impressions = excluded.impressions,
              clicks = excluded.clicks, spend_micros = excluded.spend_micros, conversions = excluded.conversions,
              conversion_value_micros = excluded.conversion_value_micros, reach = excluded.reach,
              video_views = excluded.video_views, currency = excluded.currency",
        );
        q.build().execute(&mut **self.tx).await?;
        Ok(())
    }

    /// Upserts breakdown rows on (level, entity, date, dimension, value): a re-synced day
    /// replaces the platform's earlier figures for that segment. Like daily metrics, every row
    /// must be in its ad account's currency ([`StoreError::MetricCurrencyMismatch`] otherwise,
    /// before anything of its batch is written).
    pub async fn breakdowns(&mut self, rows: &[BreakdownRow]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            self.refuse_metrics_in_another_currency(chunk.iter().map(|r| (r.entity, &r.currency)))
                .await?;
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO metric_breakdowns (workspace_id, level, entity_id, date, dimension, value,
                 platform, currency, impressions, clicks, spend_micros, conversions) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.workspace_id.to_string())
                    .push_bind(r.entity.level().as_str())
                    .push_bind(r.entity.id_text())
                    .push_bind(day(r.date))
                    .push_bind(r.dimension.as_str())
                    .push_bind(&r.value)
                    .push_bind(r.platform.as_str())
                    .push_bind(r.currency.as_str())
                    .push_bind(r.impressions)
                    .push_bind(r.clicks)
                    .push_bind(r.spend.0)
                    .push_bind(r.conversions);
            });
            q.push(
                " ON CONFLICT (level, entity_id, date, dimension, value) DO UPDATE SET
                  workspace_id = excluded.workspace_id, platform = excluded.platform,
                  currency = excluded.currency, impressions = excluded.impressions,
                  clicks = excluded.clicks, spend_micros = excluded.spend_micros,
                  conversions = excluded.conversions",
            );
            q.build().execute(&mut **self.tx).await?;
        }
        Ok(())
    }
}
