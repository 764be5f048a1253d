//! Ad-platform data as the platforms shape it: accounts, campaigns, ad groups (ad sets), ads,
//! creatives, daily metrics, audiences and audience signals. Inserts are batched multi-row
//! statements inside one transaction, and upsert on natural keys, so a re-run sync (or a demo
//! regenerated after a crash) replaces rows instead of duplicating them.

use pw_domain::{Micros, Objective, Platform};
use sqlx::{QueryBuilder, Sqlite, Transaction};

use crate::error::Result;

/// Rows per multi-row statement: well under SQLite's bound-variable limit for our widest table.
const ROWS_PER_STATEMENT: usize = 400;

#[derive(Debug, Clone)]
pub struct AdAccountRow {
    pub id: String,
    pub workspace_id: String,
    pub platform: Platform,
    pub external_id: String,
    pub name: String,
    pub currency: String,
    pub time_zone: String,
}

#[derive(Debug, Clone)]
pub struct CampaignRow {
    pub id: String,
    pub workspace_id: String,
    pub ad_account_id: String,
    pub platform: Platform,
    pub external_id: String,
    pub name: String,
    pub objective: Objective,
    pub status: String,
    pub daily_budget: Option<Micros>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AdGroupRow {
    pub id: String,
    pub workspace_id: String,
    pub campaign_id: String,
    pub external_id: String,
    pub name: String,
    pub status: String,
    pub audience_id: Option<String>,
    pub targeting: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct CreativeRow {
    pub id: String,
    pub workspace_id: String,
    pub ad_account_id: String,
    pub external_id: String,
    pub format: String,
    pub headline: Option<String>,
    pub body: Option<String>,
    pub call_to_action: Option<String>,
    pub landing_url: Option<String>,
    pub blob_sha256: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AdRow {
    pub id: String,
    pub workspace_id: String,
    pub ad_group_id: String,
    pub creative_id: Option<String>,
    pub external_id: String,
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricLevel {
    Account,
    Campaign,
    AdGroup,
    Ad,
}

impl MetricLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricLevel::Account => "account",
            MetricLevel::Campaign => "campaign",
            MetricLevel::AdGroup => "ad_group",
            MetricLevel::Ad => "ad",
        }
    }
}

#[derive(Debug, Clone)]
pub struct MetricRow {
    pub workspace_id: String,
    pub level: MetricLevel,
    pub entity_id: String,
    pub date: chrono::NaiveDate,
    pub platform: Platform,
    pub currency: String,
    pub impressions: i64,
    pub clicks: i64,
    pub spend: Micros,
    pub conversions: f64,
    pub conversion_value: Micros,
    pub reach: Option<i64>,
    pub video_views: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct AudienceRow {
    pub id: String,
    pub workspace_id: String,
    pub ad_account_id: Option<String>,
    pub platform: Platform,
    pub external_id: Option<String>,
    pub name: String,
    pub kind: String,
    pub size_lower: Option<i64>,
    pub size_upper: Option<i64>,
    pub interests: serde_json::Value,
    pub demographics: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct SignalRow {
    pub id: String,
    pub workspace_id: String,
    pub audience_id: Option<String>,
    pub kind: String,
    pub source: String,
    pub text: String,
    pub topic: Option<String>,
    pub sentiment: Option<f64>,
    pub intent: Option<String>,
    pub volume: Option<i64>,
    pub occurred_on: chrono::NaiveDate,
    pub metadata: serde_json::Value,
}

/// Batched writers over one write transaction.
pub struct AdDataWriter<'t> {
    tx: &'t mut Transaction<'static, Sqlite>,
    now: String,
}

impl<'t> AdDataWriter<'t> {
    pub fn new(tx: &'t mut Transaction<'static, Sqlite>) -> Self {
        AdDataWriter {
            tx,
            now: crate::clock::now_rfc3339(),
        }
    }

    pub async fn ad_accounts(&mut self, rows: &[AdAccountRow]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO ad_accounts (id, workspace_id, platform, external_id, name, currency, time_zone, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.workspace_id)
                    .push_bind(r.platform.as_str())
                    .push_bind(&r.external_id)
                    .push_bind(&r.name)
                    .push_bind(&r.currency)
                    .push_bind(&r.time_zone)
                    .push_bind(&self.now);
            });
            q.push(
                " ON CONFLICT (workspace_id, platform, external_id) DO UPDATE SET
                  name = excluded.name, currency = excluded.currency, time_zone = excluded.time_zone",
            );
            q.build().execute(&mut **self.tx).await?;
        }
        Ok(())
    }

    pub async fn campaigns(&mut self, rows: &[CampaignRow]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO campaigns (id, workspace_id, ad_account_id, platform, external_id, name, objective,
                 status, daily_budget_micros, start_date, end_date, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.workspace_id)
                    .push_bind(&r.ad_account_id)
                    .push_bind(r.platform.as_str())
                    .push_bind(&r.external_id)
                    .push_bind(&r.name)
                    .push_bind(r.objective.as_str())
                    .push_bind(&r.status)
                    .push_bind(r.daily_budget.map(|m| m.0))
                    .push_bind(&r.start_date)
                    .push_bind(&r.end_date)
                    .push_bind(&self.now);
            });
            q.push(
                " ON CONFLICT (ad_account_id, external_id) DO UPDATE SET name = excluded.name,
                  objective = excluded.objective, status = excluded.status,
                  daily_budget_micros = excluded.daily_budget_micros,
                  start_date = excluded.start_date, end_date = excluded.end_date",
            );
            q.build().execute(&mut **self.tx).await?;
        }
        Ok(())
    }

    pub async fn ad_groups(&mut self, rows: &[AdGroupRow]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO ad_groups (id, workspace_id, campaign_id, external_id, name, status, audience_id,
                 targeting, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.workspace_id)
                    .push_bind(&r.campaign_id)
                    .push_bind(&r.external_id)
                    .push_bind(&r.name)
                    .push_bind(&r.status)
                    .push_bind(&r.audience_id)
                    .push_bind(r.targeting.to_string())
                    .push_bind(&self.now);
            });
            q.push(
                " ON CONFLICT (campaign_id, external_id) DO UPDATE SET name = excluded.name,
                  status = excluded.status, audience_id = excluded.audience_id, targeting = excluded.targeting",
            );
            q.build().execute(&mut **self.tx).await?;
        }
        Ok(())
    }

    pub async fn creatives(&mut self, rows: &[CreativeRow]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO creatives (id, workspace_id, ad_account_id, external_id, format, headline, body,
                 call_to_action, landing_url, blob_sha256, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.workspace_id)
                    .push_bind(&r.ad_account_id)
                    .push_bind(&r.external_id)
                    .push_bind(&r.format)
                    .push_bind(&r.headline)
                    .push_bind(&r.body)
                    .push_bind(&r.call_to_action)
                    .push_bind(&r.landing_url)
                    .push_bind(&r.blob_sha256)
                    .push_bind(&self.now);
            });
            q.push(
                " ON CONFLICT (ad_account_id, external_id) DO UPDATE SET format = excluded.format,
                  headline = excluded.headline, body = excluded.body, call_to_action = excluded.call_to_action,
                  landing_url = excluded.landing_url, blob_sha256 = excluded.blob_sha256",
            );
            q.build().execute(&mut **self.tx).await?;
        }
        Ok(())
    }

    pub async fn ads(&mut self, rows: &[AdRow]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO ads (id, workspace_id, ad_group_id, creative_id, external_id, name, status, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.workspace_id)
                    .push_bind(&r.ad_group_id)
                    .push_bind(&r.creative_id)
                    .push_bind(&r.external_id)
                    .push_bind(&r.name)
                    .push_bind(&r.status)
                    .push_bind(&self.now);
            });
            q.push(
                " ON CONFLICT (ad_group_id, external_id) DO UPDATE SET creative_id = excluded.creative_id,
                  name = excluded.name, status = excluded.status",
            );
            q.build().execute(&mut **self.tx).await?;
        }
        Ok(())
    }

    /// Upserts daily metrics: a re-synced day replaces the platform's earlier (often provisional)
    /// figures for that day.
    pub async fn metrics(&mut self, rows: &[MetricRow]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO daily_metrics (workspace_id, level, entity_id, date, platform, currency, impressions,
                 clicks, spend_micros, conversions, conversion_value_micros, reach, video_views) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.workspace_id)
                    .push_bind(r.level.as_str())
                    .push_bind(&r.entity_id)
                    .push_bind(r.date.format("%Y-%m-%d").to_string())
                    .push_bind(r.platform.as_str())
                    .push_bind(&r.currency)
                    .push_bind(r.impressions)
                    .push_bind(r.clicks)
                    .push_bind(r.spend.0)
                    .push_bind(r.conversions)
                    .push_bind(r.conversion_value.0)
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
        }
        Ok(())
    }

    pub async fn audiences(&mut self, rows: &[AudienceRow]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO audiences (id, workspace_id, ad_account_id, platform, external_id, name, kind,
                 size_lower, size_upper, interests, demographics, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.workspace_id)
                    .push_bind(&r.ad_account_id)
                    .push_bind(r.platform.as_str())
                    .push_bind(&r.external_id)
                    .push_bind(&r.name)
                    .push_bind(&r.kind)
                    .push_bind(r.size_lower)
                    .push_bind(r.size_upper)
                    .push_bind(r.interests.to_string())
                    .push_bind(r.demographics.to_string())
                    .push_bind(&self.now);
            });
            q.push(
                " ON CONFLICT (id) DO UPDATE SET name = excluded.name, size_lower = excluded.size_lower,
                  size_upper = excluded.size_upper, interests = excluded.interests,
                  demographics = excluded.demographics",
            );
            q.build().execute(&mut **self.tx).await?;
        }
        Ok(())
    }

    pub async fn signals(&mut self, rows: &[SignalRow]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO audience_signals (id, workspace_id, audience_id, kind, source, text, topic, sentiment,
                 intent, volume, occurred_on, metadata, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.id)
                    .push_bind(&r.workspace_id)
                    .push_bind(&r.audience_id)
                    .push_bind(&r.kind)
                    .push_bind(&r.source)
                    .push_bind(&r.text)
                    .push_bind(&r.topic)
                    .push_bind(r.sentiment)
                    .push_bind(&r.intent)
                    .push_bind(r.volume)
                    .push_bind(r.occurred_on.format("%Y-%m-%d").to_string())
                    .push_bind(r.metadata.to_string())
                    .push_bind(&self.now);
            });
            q.push(" ON CONFLICT (id) DO NOTHING");
            q.build().execute(&mut **self.tx).await?;
        }
        Ok(())
    }
}
