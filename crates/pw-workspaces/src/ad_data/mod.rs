//! Ad-platform data as the platforms shape it: accounts, campaigns, ad groups (ad sets), ads,
//! creatives, daily metrics and their breakdowns, audiences and audience signals. Inserts are batched multi-row
//! statements inside one transaction, and upsert on natural keys, so a re-run sync (or a demo
//! regenerated after a crash) replaces rows instead of duplicating them.
//!
//! A row that already exists keeps the id it was stored under, whatever id the caller minted for
//! it this time; every writer therefore returns the stored ids (in the order of its rows), and
//! children must be written with those.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::str::FromStr;

use chrono::NaiveDate;
use pw_domain::{
    AdAccountId, AdGroupId, AdId, AudienceId, AudienceKind, CampaignId, CreativeFormat, CreativeId,
    Currency, EntityStatus, Micros, Objective, Platform, SearchIntent, SignalId, SignalKind,
    WorkspaceId,
};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, Transaction};

use pw_store::{Result, StoreError, parse_stored, signal_occurrence};

mod metrics;

pub use metrics::{BreakdownRow, MetricEntity, MetricRow};

/// Rows per multi-row statement: well under SQLite's bound-variable limit for our widest table.
const ROWS_PER_STATEMENT: usize = 400;

#[derive(Debug, Clone)]
pub struct AdAccountRow {
    pub id: AdAccountId,
    pub workspace_id: WorkspaceId,
    pub platform: Platform,
    pub external_id: String,
    pub name: String,
    pub currency: Currency,
    pub time_zone: String,
}

#[derive(Debug, Clone)]
pub struct CampaignRow {
    pub id: CampaignId,
    pub workspace_id: WorkspaceId,
    pub ad_account_id: AdAccountId,
    pub platform: Platform,
    pub external_id: String,
    pub name: String,
    pub objective: Objective,
    pub status: EntityStatus,
    pub daily_budget: Option<Micros>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct AdGroupRow {
    pub id: AdGroupId,
    pub workspace_id: WorkspaceId,
    pub campaign_id: CampaignId,
    pub external_id: String,
    pub name: String,
    pub status: EntityStatus,
    pub audience_id: Option<AudienceId>,
    pub targeting: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct CreativeRow {
    pub id: CreativeId,
    pub workspace_id: WorkspaceId,
    pub ad_account_id: AdAccountId,
    pub external_id: String,
    pub format: CreativeFormat,
    pub headline: Option<String>,
    pub body: Option<String>,
    pub call_to_action: Option<String>,
    pub landing_url: Option<String>,
    pub blob_sha256: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AdRow {
    pub id: AdId,
    pub workspace_id: WorkspaceId,
    pub ad_group_id: AdGroupId,
    pub creative_id: Option<CreativeId>,
    pub external_id: String,
    pub name: String,
    pub status: EntityStatus,
}

#[derive(Debug, Clone)]
pub struct AudienceRow {
    pub id: AudienceId,
    pub workspace_id: WorkspaceId,
    pub ad_account_id: Option<AdAccountId>,
    pub platform: Platform,
    pub external_id: Option<String>,
    pub name: String,
    pub kind: AudienceKind,
    pub size_lower: Option<i64>,
    pub size_upper: Option<i64>,
    pub interests: serde_json::Value,
    pub demographics: serde_json::Value,
}

/// What the audience does, wants or says. It has no id of its own: the store derives one from the
/// workspace and the natural key ([`SignalRow::natural_id`]), so the same signal ingested again
/// (a re-run sync, a re-imported file) is the same row.
///
/// The natural key is the workspace, kind, source, day, text, audience (none counts as its own
/// value) and the occurrence ([`signal_occurrence`]: the platform's id, permalink or author of a
/// post, from `metadata`). So two people who both wrote "Love it!" on the same day are two signals
/// when their posts say who or where they are, and a search term reported for two audiences is
/// two signals. A source that gives none of these cannot tell two identical posts apart, and they
/// are stored once.
#[derive(Debug, Clone)]
pub struct SignalRow {
    pub workspace_id: WorkspaceId,
    pub audience_id: Option<AudienceId>,
    pub kind: SignalKind,
    pub source: String,
    pub text: String,
    pub topic: Option<String>,
    pub sentiment: Option<f64>,
    pub intent: Option<SearchIntent>,
    pub volume: Option<i64>,
    pub occurred_on: NaiveDate,
    pub metadata: serde_json::Value,
}

impl SignalRow {
    fn occurred_on_text(&self) -> String {
        day(self.occurred_on)
    }

    fn audience_key(&self) -> String {
        self.audience_id
            .map(|id| id.to_string())
            .unwrap_or_default()
    }

    /// The natural key (see [`SignalRow`]). Ingesting a signal with the same key again replaces
    /// its figures (`volume`, `sentiment`, `topic`, `intent`, `metadata`) with the newer report's:
    /// a re-sync reports the same thing again, so nothing is added up.
    fn natural_key(&self) -> SignalKey {
        (
            self.workspace_id.to_string(),
            self.kind.as_str().to_owned(),
            self.source.clone(),
            self.occurred_on_text(),
            self.text.clone(),
            self.audience_key(),
            signal_occurrence(&self.metadata),
        )
    }

    /// The id this signal is stored under when it is new: UUIDv5 of its natural key in its
    /// workspace's namespace, the same on every machine and every re-ingestion.
    pub fn natural_id(&self) -> SignalId {
        SignalId::from_uuid(natural_id(
            self.workspace_id,
            &[
                "audience_signal",
                self.kind.as_str(),
                &self.source,
                &self.occurred_on_text(),
                &self.text,
                &self.audience_key(),
                &signal_occurrence(&self.metadata),
            ],
        ))
    }
}

/// Workspace, kind, source, day, text, audience (or ''), occurrence (or '').
type SignalKey = (String, String, String, String, String, String, String);

/// What the signal upsert returns: the stored id, then the natural key.
type ReturnedSignal = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

/// A calendar date as stored (`YYYY-MM-DD`).
fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A deterministic id for a row identified by `natural_key` inside a workspace: UUIDv5 in the
/// workspace's namespace (its id) over the key's parts, each length-prefixed so that no two
/// different keys can spell the same name.
pub fn natural_id(workspace_id: WorkspaceId, natural_key: &[&str]) -> uuid::Uuid {
    let mut name = String::new();
    for part in natural_key {
        name.push_str(&part.len().to_string());
        name.push(':');
        name.push_str(part);
    }
    uuid::Uuid::new_v5(&workspace_id.as_uuid(), name.as_bytes())
}

/// Puts the ids `RETURNING` handed back (in an order SQLite does not promise) in the order of the
/// rows, by natural key, read as the table's id type.
fn in_row_order<R, K: Eq + Hash, I: FromStr<Err = pw_domain::IdError>>(
    table: &'static str,
    rows: &[R],
    key_of: impl Fn(&R) -> K,
    returned: Vec<(String, K)>,
) -> Result<Vec<I>> {
    let stored: HashMap<K, String> = returned.into_iter().map(|(id, key)| (key, id)).collect();
    rows.iter()
        .map(|row| {
            let id = stored.get(&key_of(row)).ok_or_else(|| {
                tracing::error!(table, "an upserted row was not returned");
                StoreError::Sql(sqlx::Error::RowNotFound)
            })?;
            parse_stored("id", id)
        })
        .collect()
}

/// Runs an upsert that ends `RETURNING id, <parent id>, external_id` and hands back the stored
/// ids in the order of its rows: the shape of every entity keyed by its parent and the
/// platform's id.
async fn stored_ids_under_parent<R, I: FromStr<Err = pw_domain::IdError>>(
    tx: &mut SqliteConnection,
    upsert: &mut QueryBuilder<Sqlite>,
    table: &'static str,
    rows: &[R],
    key_of: impl Fn(&R) -> (String, String),
) -> Result<Vec<I>> {
    let returned: Vec<(String, String, String)> =
        upsert.build_query_as().fetch_all(&mut *tx).await?;
    in_row_order(
        table,
        rows,
        key_of,
        returned
            .into_iter()
            .map(|(id, parent, external)| (id, (parent, external)))
            .collect(),
    )
}

/// The stored ad account of the metric row `m` (columns `level`, `entity_id`), by walking up from
/// the entity it describes.
const ACCOUNT_OF_METRIC: &str = "(CASE m.level
    WHEN 'account' THEN m.entity_id
    WHEN 'campaign' THEN (SELECT c.ad_account_id FROM campaigns c WHERE c.id = m.entity_id)
    WHEN 'ad_group' THEN (SELECT c.ad_account_id FROM ad_groups g
                          JOIN campaigns c ON c.id = g.campaign_id WHERE g.id = m.entity_id)
    WHEN 'ad' THEN (SELECT c.ad_account_id FROM ads d JOIN ad_groups g ON g.id = d.ad_group_id
                    JOIN campaigns c ON c.id = g.campaign_id WHERE d.id = m.entity_id)
END)";

/// Batched writers over one write transaction.
pub struct AdDataWriter<'t> {
    tx: &'t mut Transaction<'static, Sqlite>,
    now: String,
}

impl<'t> AdDataWriter<'t> {
    pub fn new(tx: &'t mut Transaction<'static, Sqlite>) -> Self {
        AdDataWriter {
            tx,
            now: pw_store::now_rfc3339(),
        }
    }

    /// Upserts accounts on (workspace, platform, external id); returns their stored ids. An
    /// account that already has daily metrics keeps its currency: a different one is refused
    /// ([`StoreError::AccountCurrencyChange`]) before anything is written, because its metrics
    /// are in the old one.
    pub async fn ad_accounts(&mut self, rows: &[AdAccountRow]) -> Result<Vec<AdAccountId>> {
        let mut ids: Vec<AdAccountId> = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            self.refuse_currency_change_under_metrics(chunk).await?;
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO ad_accounts (id, workspace_id, platform, external_id, name, currency, time_zone, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.id.to_string())
                    .push_bind(r.workspace_id.to_string())
                    .push_bind(r.platform.as_str())
                    .push_bind(&r.external_id)
                    .push_bind(&r.name)
                    .push_bind(r.currency.as_str())
                    .push_bind(&r.time_zone)
                    .push_bind(&self.now);
            });
            q.push(
                " ON CONFLICT (workspace_id, platform, external_id) DO UPDATE SET
                  name = excluded.name, currency = excluded.currency, time_zone = excluded.time_zone
                 RETURNING id, workspace_id, platform, external_id",
            );
            let returned: Vec<(String, String, String, String)> =
                q.build_query_as().fetch_all(&mut **self.tx).await?;
            ids.extend::<Vec<AdAccountId>>(in_row_order(
                "ad_accounts",
                chunk,
                |r| {
                    (
                        r.workspace_id.to_string(),
                        r.platform.as_str().to_owned(),
                        r.external_id.clone(),
                    )
                },
                returned
                    .into_iter()
                    .map(|(id, ws, p, e)| (id, (ws, p, e)))
                    .collect(),
            )?);
        }
        Ok(ids)
    }

    /// Upserts campaigns on (ad account, external id); returns their stored ids. `ad_account_id`
    /// must be the account's stored id (as [`AdDataWriter::ad_accounts`] returned it).
    pub async fn campaigns(&mut self, rows: &[CampaignRow]) -> Result<Vec<CampaignId>> {
        let mut ids: Vec<CampaignId> = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO campaigns (id, workspace_id, ad_account_id, platform, external_id, name, objective,
                 status, daily_budget_micros, start_date, end_date, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.id.to_string())
                    .push_bind(r.workspace_id.to_string())
                    .push_bind(r.ad_account_id.to_string())
                    .push_bind(r.platform.as_str())
                    .push_bind(&r.external_id)
                    .push_bind(&r.name)
                    .push_bind(r.objective.as_str())
                    .push_bind(r.status.as_str())
                    .push_bind(r.daily_budget.map(|m| m.0))
                    .push_bind(r.start_date.map(day))
                    .push_bind(r.end_date.map(day))
                    .push_bind(&self.now);
            });
            q.push(
                " ON CONFLICT (ad_account_id, external_id) DO UPDATE SET name = excluded.name,
                  objective = excluded.objective, status = excluded.status,
                  daily_budget_micros = excluded.daily_budget_micros,
                  start_date = excluded.start_date, end_date = excluded.end_date
                 RETURNING id, ad_account_id, external_id",
            );
            ids.extend::<Vec<CampaignId>>(
                stored_ids_under_parent(self.tx, &mut q, "campaigns", chunk, |r| {
                    (r.ad_account_id.to_string(), r.external_id.clone())
                })
                .await?,
            );
        }
        Ok(ids)
    }

    /// Upserts ad groups on (campaign, external id); returns their stored ids.
    pub async fn ad_groups(&mut self, rows: &[AdGroupRow]) -> Result<Vec<AdGroupId>> {
        let mut ids: Vec<AdGroupId> = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO ad_groups (id, workspace_id, campaign_id, external_id, name, status, audience_id,
                 targeting, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.id.to_string())
                    .push_bind(r.workspace_id.to_string())
                    .push_bind(r.campaign_id.to_string())
                    .push_bind(&r.external_id)
                    .push_bind(&r.name)
                    .push_bind(r.status.as_str())
                    .push_bind(r.audience_id.map(|id| id.to_string()))
                    .push_bind(r.targeting.to_string())
                    .push_bind(&self.now);
            });
            q.push(
                " ON CONFLICT (campaign_id, external_id) DO UPDATE SET name = excluded.name,
                  status = excluded.status, audience_id = excluded.audience_id, targeting = excluded.targeting
                 RETURNING id, campaign_id, external_id",
            );
            ids.extend::<Vec<AdGroupId>>(
                stored_ids_under_parent(self.tx, &mut q, "ad_groups", chunk, |r| {
                    (r.campaign_id.to_string(), r.external_id.clone())
                })
                .await?,
            );
        }
        Ok(ids)
    }

    /// Upserts creatives on (ad account, external id); returns their stored ids.
    pub async fn creatives(&mut self, rows: &[CreativeRow]) -> Result<Vec<CreativeId>> {
        let mut ids: Vec<CreativeId> = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO creatives (id, workspace_id, ad_account_id, external_id, format, headline, body,
                 call_to_action, landing_url, blob_sha256, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.id.to_string())
                    .push_bind(r.workspace_id.to_string())
                    .push_bind(r.ad_account_id.to_string())
                    .push_bind(&r.external_id)
                    .push_bind(r.format.as_str())
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
                  landing_url = excluded.landing_url, blob_sha256 = excluded.blob_sha256
                 RETURNING id, ad_account_id, external_id",
            );
            ids.extend::<Vec<CreativeId>>(
                stored_ids_under_parent(self.tx, &mut q, "creatives", chunk, |r| {
                    (r.ad_account_id.to_string(), r.external_id.clone())
                })
                .await?,
            );
        }
        Ok(ids)
    }

    /// Upserts ads on (ad group, external id); returns their stored ids.
    pub async fn ads(&mut self, rows: &[AdRow]) -> Result<Vec<AdId>> {
        let mut ids: Vec<AdId> = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO ads (id, workspace_id, ad_group_id, creative_id, external_id, name, status, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.id.to_string())
                    .push_bind(r.workspace_id.to_string())
                    .push_bind(r.ad_group_id.to_string())
                    .push_bind(r.creative_id.map(|id| id.to_string()))
                    .push_bind(&r.external_id)
                    .push_bind(&r.name)
                    .push_bind(r.status.as_str())
                    .push_bind(&self.now);
            });
            q.push(
                " ON CONFLICT (ad_group_id, external_id) DO UPDATE SET creative_id = excluded.creative_id,
                  name = excluded.name, status = excluded.status
                 RETURNING id, ad_group_id, external_id",
            );
            ids.extend::<Vec<AdId>>(
                stored_ids_under_parent(self.tx, &mut q, "ads", chunk, |r| {
                    (r.ad_group_id.to_string(), r.external_id.clone())
                })
                .await?,
            );
        }
        Ok(ids)
    }

    /// Refuses an account upsert that would change the currency of a stored account with daily
    /// metrics in another currency.
    async fn refuse_currency_change_under_metrics(&mut self, chunk: &[AdAccountRow]) -> Result<()> {
        let mut q = QueryBuilder::<Sqlite>::new(
            "WITH incoming (workspace_id, platform, external_id, currency) AS (",
        );
        q.push_values(chunk, |mut b, r| {
            b.push_bind(r.workspace_id.to_string())
                .push_bind(r.platform.as_str())
                .push_bind(&r.external_id)
                .push_bind(r.currency.as_str());
        });
        q.push(format!(
            ") SELECT a.id, a.currency, i.currency FROM incoming i
             JOIN ad_accounts a ON a.workspace_id = i.workspace_id AND a.platform = i.platform
                  AND a.external_id = i.external_id
             WHERE a.currency <> i.currency AND (EXISTS (
                 SELECT 1 FROM daily_metrics m
                 WHERE m.workspace_id = a.workspace_id AND m.currency <> i.currency
                   AND {ACCOUNT_OF_METRIC} = a.id) OR EXISTS (
                 SELECT 1 FROM metric_breakdowns m
                 WHERE m.workspace_id = a.workspace_id AND m.currency <> i.currency
                   AND {ACCOUNT_OF_METRIC} = a.id))
             LIMIT 1"
        ));
        let changed: Option<(String, String, String)> =
            q.build_query_as().fetch_optional(&mut **self.tx).await?;
        match changed {
            Some((account_id, stored_currency, new_currency)) => {
                Err(StoreError::AccountCurrencyChange {
                    account_id,
                    stored_currency,
                    new_currency,
                })
            }
            None => Ok(()),
        }
    }

    /// Upserts audiences: one the platform names (an external id) on (workspace, platform,
    /// external id), one of our own on its id. Returns their stored ids.
    pub async fn audiences(&mut self, rows: &[AudienceRow]) -> Result<Vec<AudienceId>> {
        let mut ids: Vec<AudienceId> = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO audiences (id, workspace_id, ad_account_id, platform, external_id, name, kind,
                 size_lower, size_upper, interests, demographics, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.id.to_string())
                    .push_bind(r.workspace_id.to_string())
                    .push_bind(r.ad_account_id.map(|id| id.to_string()))
                    .push_bind(r.platform.as_str())
                    .push_bind(&r.external_id)
                    .push_bind(&r.name)
                    .push_bind(r.kind.as_str())
                    .push_bind(r.size_lower)
                    .push_bind(r.size_upper)
                    .push_bind(r.interests.to_string())
                    .push_bind(r.demographics.to_string())
                    .push_bind(&self.now);
            });
            let updates = "name = excluded.name, size_lower = excluded.size_lower,
                  size_upper = excluded.size_upper, interests = excluded.interests,
                  demographics = excluded.demographics";
            q.push(" ON CONFLICT (workspace_id, platform, external_id) WHERE external_id IS NOT NULL DO UPDATE SET ");
            q.push(updates);
            q.push(" ON CONFLICT (id) DO UPDATE SET ");
            q.push(updates);
            q.push(" RETURNING id, workspace_id, platform, external_id");
            let returned: Vec<(String, String, String, Option<String>)> =
                q.build_query_as().fetch_all(&mut **self.tx).await?;
            // An audience the platform names is found by its natural key; one of our own (or one
            // whose id matched first) by its id.
            let mut by_key = HashMap::new();
            let mut by_id = HashSet::new();
            for (id, ws, platform, external) in returned {
                if let Some(external) = external {
                    by_key.insert((ws, platform, external), id.clone());
                }
                by_id.insert(id);
            }
            for r in chunk {
                let own_id = r.id.to_string();
                let stored = r
                    .external_id
                    .as_ref()
                    .and_then(|external| {
                        by_key.get(&(
                            r.workspace_id.to_string(),
                            r.platform.as_str().to_owned(),
                            external.clone(),
                        ))
                    })
                    .cloned()
                    .or_else(|| by_id.contains(&own_id).then_some(own_id))
                    .ok_or_else(|| {
                        tracing::error!(table = "audiences", "an upserted row was not returned");
                        StoreError::Sql(sqlx::Error::RowNotFound)
                    })?;
                ids.push(parse_stored("id", &stored)?);
            }
        }
        Ok(ids)
    }

    /// Upserts signals on their natural key (see [`SignalRow::natural_id`]): ingesting the same
    /// signals again updates their figures instead of adding copies. Returns their stored ids.
    pub async fn signals(&mut self, rows: &[SignalRow]) -> Result<Vec<SignalId>> {
        let mut ids: Vec<SignalId> = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = QueryBuilder::<Sqlite>::new(
                "INSERT INTO audience_signals (id, workspace_id, audience_id, kind, source, text, topic, sentiment,
                 intent, volume, occurred_on, metadata, created_at) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.natural_id().to_string())
                    .push_bind(r.workspace_id.to_string())
                    .push_bind(r.audience_id.map(|id| id.to_string()))
                    .push_bind(r.kind.as_str())
                    .push_bind(&r.source)
                    .push_bind(&r.text)
                    .push_bind(&r.topic)
                    .push_bind(r.sentiment)
                    .push_bind(r.intent.map(SearchIntent::as_str))
                    .push_bind(r.volume)
                    .push_bind(r.occurred_on_text())
                    .push_bind(r.metadata.to_string())
                    .push_bind(&self.now);
            });
            // The conflict target spells the unique index `audience_signals_natural_key`.
            q.push(
                " ON CONFLICT (workspace_id, kind, source, occurred_on, text, coalesce(audience_id, ''),
                  occurrence_key) DO UPDATE SET topic = excluded.topic,
                  sentiment = excluded.sentiment, intent = excluded.intent, volume = excluded.volume,
                  metadata = excluded.metadata
                 RETURNING id, workspace_id, kind, source, occurred_on, text,
                  coalesce(audience_id, ''), occurrence_key",
            );
            let returned: Vec<ReturnedSignal> =
                q.build_query_as().fetch_all(&mut **self.tx).await?;
            ids.extend::<Vec<SignalId>>(in_row_order(
                "audience_signals",
                chunk,
                SignalRow::natural_key,
                returned
                    .into_iter()
                    .map(|(id, ws, kind, source, on, text, audience, occurrence)| {
                        (id, (ws, kind, source, on, text, audience, occurrence))
                    })
                    .collect(),
            )?);
        }
        Ok(ids)
    }
}
