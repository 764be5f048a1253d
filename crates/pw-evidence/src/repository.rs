//! The evidence tables (`signals`, `signal_rows`, `grounding_reports`, `grounding_claims`,
//! `claim_citations`, `embeddings`, `search_outbox`) and the reads of the ad data signals are
//! derived from. Those reads are SQL of this context's own over the workspaces context's tables:
//! evidence reads them and never writes them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pw_domain::{AudienceId, DerivedSignalId, WorkspaceId};
use pw_store::{Database, TypedColumns, format_instant, now_instant};
use serde_json::Value;
use sqlx::Row;

use crate::behavior::Dimension;
use crate::derive::{AdDay, AudienceProfile, BreakdownDay, RawRow};
use crate::error::{EvidenceError, Result};
use crate::mention_themes::EarlierTheme;
use crate::signals::{
    Interval, RowRef, RowRole, Signal, SignalDraft, SignalKind, SourceTable, Support, SupportUnit,
    signal_id,
};

/// Rows per multi-row INSERT: under SQLite's 32,766 bound parameters with room to spare.
const ROWS_PER_INSERT: usize = 500;

/// The campaigns of workspace `?1` that report any conversion, at ad or campaign level: the
/// others (awareness, video views) track none, and their clicks are no trials of a conversion.
macro_rules! converting_campaigns {
    () => {
        "WITH converting AS (
            SELECT g2.campaign_id AS campaign_id FROM daily_metrics m2
            JOIN ads a2 ON m2.level = 'ad' AND m2.entity_id = a2.id
            JOIN ad_groups g2 ON g2.id = a2.ad_group_id
            WHERE m2.workspace_id = ?1 AND m2.conversions > 0
            UNION
            SELECT m3.entity_id FROM daily_metrics m3
            WHERE m3.workspace_id = ?1 AND m3.level = 'campaign' AND m3.conversions > 0
         )
         "
    };
}

#[derive(Clone, Copy)]
pub struct EvidenceStore<'d> {
    db: &'d Database,
}

fn corrupt(table: &str, column: &str, value: &str) -> EvidenceError {
    EvidenceError::Corrupt(format!(
        "{table}.{column} holds '{value}', which this version of ProfitWheel does not know"
    ))
}

impl<'d> EvidenceStore<'d> {
    pub fn new(db: &'d Database) -> Self {
        EvidenceStore { db }
    }

    pub async fn workspace_exists(&self, workspace_id: WorkspaceId) -> Result<bool> {
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM workspaces WHERE id = ?")
            .bind(workspace_id.to_string())
            .fetch_optional(self.db.reader())
            .await?;
        Ok(found.is_some())
    }

    /// The workspace's brand, lower-case, for reading navigational searches.
    pub async fn brand(&self, workspace_id: WorkspaceId) -> Result<String> {
        let brand: Option<String> = sqlx::query_scalar("SELECT brand FROM workspaces WHERE id = ?")
            .bind(workspace_id.to_string())
            .fetch_optional(self.db.reader())
            .await?;
        brand
            .map(|b| b.to_lowercase())
            .ok_or_else(|| EvidenceError::WorkspaceNotFound(workspace_id.to_string()))
    }

    pub async fn audiences(&self, workspace_id: WorkspaceId) -> Result<Vec<AudienceProfile>> {
        let rows = sqlx::query(
            "SELECT id, name, platform, kind, size_lower, size_upper, interests, demographics
             FROM audiences WHERE workspace_id = ? ORDER BY name, id",
        )
        .bind(workspace_id.to_string())
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let interests: String = row.try_get("interests")?;
                let demographics: String = row.try_get("demographics")?;
                Ok(AudienceProfile {
                    id: row.parsed("id")?,
                    name: row.try_get("name")?,
                    platform: row.try_get("platform")?,
                    kind: row.try_get("kind")?,
                    size_lower: row.try_get("size_lower")?,
                    size_upper: row.try_get("size_upper")?,
                    interests: serde_json::from_str::<pw_domain::InterestNames>(&interests)
                        .map(|names| names.0)
                        .unwrap_or_default(),
                    demographics: serde_json::from_str(&demographics).unwrap_or(Value::Null),
                })
            })
            .collect()
    }

    /// Every ad-day of the workspace's ads in ad groups that target an audience.
    pub async fn ad_days(&self, workspace_id: WorkspaceId) -> Result<Vec<AdDay>> {
        let rows = sqlx::query(concat!(
            converting_campaigns!(),
            "SELECT g.audience_id, a.id AS ad_id, a.creative_id, c.headline, c.format, m.date,
                    m.impressions, m.clicks, m.conversions,
                    g.campaign_id IN (SELECT campaign_id FROM converting) AS measures_conversions
             FROM daily_metrics m
             JOIN ads a ON m.level = 'ad' AND m.entity_id = a.id
             JOIN ad_groups g ON g.id = a.ad_group_id
             LEFT JOIN creatives c ON c.id = a.creative_id
             WHERE m.workspace_id = ?1 AND g.audience_id IS NOT NULL
             ORDER BY a.id, m.date"
        ))
        .bind(workspace_id.to_string())
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AdDay {
                    audience_id: row.parsed("audience_id")?,
                    ad_id: row.try_get("ad_id")?,
                    creative_id: row.try_get("creative_id")?,
                    headline: row.try_get("headline")?,
                    format: row.try_get("format")?,
                    date: row.try_get("date")?,
                    impressions: row.try_get::<i64, _>("impressions")? as f64,
                    clicks: row.try_get::<i64, _>("clicks")? as f64,
                    conversions: row.try_get("conversions")?,
                    measures_conversions: row.try_get("measures_conversions")?,
                })
            })
            .collect()
    }

    /// Every breakdown day of ad groups that target an audience.
    pub async fn breakdown_days(&self, workspace_id: WorkspaceId) -> Result<Vec<BreakdownDay>> {
        let rows = sqlx::query(concat!(
            converting_campaigns!(),
            "SELECT g.audience_id, b.entity_id, b.date, b.dimension, b.value,
                    b.impressions, b.clicks, b.conversions,
                    g.campaign_id IN (SELECT campaign_id FROM converting) AS measures_conversions
             FROM metric_breakdowns b
             JOIN ad_groups g ON b.level = 'ad_group' AND b.entity_id = g.id
             WHERE b.workspace_id = ?1 AND g.audience_id IS NOT NULL
             ORDER BY b.entity_id, b.date, b.dimension, b.value"
        ))
        .bind(workspace_id.to_string())
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let dimension: String = row.try_get("dimension")?;
                let dimension = match dimension.as_str() {
                    "placement" => Dimension::Placement,
                    "device" => Dimension::Device,
                    "daypart" => Dimension::Daypart,
                    other => return Err(corrupt("metric_breakdowns", "dimension", other)),
                };
                Ok(BreakdownDay {
                    audience_id: row.parsed("audience_id")?,
                    ad_group_id: row.try_get("entity_id")?,
                    date: row.try_get("date")?,
                    dimension,
                    value: row.try_get("value")?,
                    impressions: row.try_get::<i64, _>("impressions")? as f64,
                    clicks: row.try_get::<i64, _>("clicks")? as f64,
                    conversions: row.try_get("conversions")?,
                    measures_conversions: row.try_get("measures_conversions")?,
                })
            })
            .collect()
    }

    /// Raw evidence rows of one kind ('mention', 'intent', 'behavior').
    pub async fn raw_rows(&self, workspace_id: WorkspaceId, kind: &str) -> Result<Vec<RawRow>> {
        let rows = sqlx::query(
            "SELECT id, audience_id, source, text, sentiment, intent, volume, occurred_on, metadata
             FROM audience_signals WHERE workspace_id = ? AND kind = ?
             ORDER BY occurred_on, id",
        )
        .bind(workspace_id.to_string())
        .bind(kind)
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let metadata: String = row.try_get("metadata")?;
                Ok(RawRow {
                    id: row.try_get("id")?,
                    audience_id: row.parsed_optional("audience_id")?,
                    source: row.try_get("source")?,
                    text: row.try_get("text")?,
                    sentiment: row.try_get("sentiment")?,
                    intent: row.try_get("intent")?,
                    volume: row.try_get("volume")?,
                    occurred_on: row.try_get("occurred_on")?,
                    metadata: serde_json::from_str(&metadata).unwrap_or(Value::Null),
                })
            })
            .collect()
    }

    /// The live themes of one scope, with their mentions, for keys that survive a rebuild.
    pub async fn earlier_themes(
        &self,
        workspace_id: WorkspaceId,
        audience_id: Option<AudienceId>,
    ) -> Result<Vec<EarlierTheme>> {
        let rows = sqlx::query(
            "SELECT s.signal_key, json_extract(s.detail, '$.name') AS name,
                    json_extract(s.detail, '$.named_by') AS named_by, r.row_key
             FROM signals s JOIN signal_rows r ON r.signal_id = s.id AND r.role = 'segment'
             WHERE s.workspace_id = ? AND s.kind = 'mention_theme' AND s.retired_at IS NULL
               AND coalesce(s.audience_id, '') = coalesce(?, '')
             ORDER BY s.signal_key",
        )
        .bind(workspace_id.to_string())
        .bind(audience_id.map(|id| id.to_string()))
        .fetch_all(self.db.reader())
        .await?;
        let mut themes: BTreeMap<String, EarlierTheme> = BTreeMap::new();
        for row in &rows {
            let key: String = row.try_get("signal_key")?;
            let name: Option<String> = row.try_get("name")?;
            let named_by: Option<String> = row.try_get("named_by")?;
            let member: String = row.try_get("row_key")?;
            themes
                .entry(key.clone())
                .or_insert_with(|| EarlierTheme {
                    key,
                    name: name.unwrap_or_default(),
                    named_by: named_by.unwrap_or_else(|| "keywords".to_owned()),
                    members: BTreeSet::new(),
                })
                .members
                .insert(member);
        }
        Ok(themes.into_values().collect())
    }

    /// Stored vectors of `model` for the texts with these SHA-256 hashes, by hash.
    pub async fn embeddings(
        &self,
        hashes: &[String],
        model: &str,
    ) -> Result<HashMap<String, Vec<f32>>> {
        let mut found = HashMap::new();
        for chunk in hashes.chunks(ROWS_PER_INSERT) {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT text_sha256, dimensions, vector FROM embeddings WHERE model = ",
            );
            query.push_bind(model).push(" AND text_sha256 IN (");
            let mut list = query.separated(", ");
            for hash in chunk {
                list.push_bind(hash);
            }
            query.push(")");
            for row in query.build().fetch_all(self.db.reader()).await? {
                let hash: String = row.try_get("text_sha256")?;
                let dimensions: i64 = row.try_get("dimensions")?;
                let bytes: Vec<u8> = row.try_get("vector")?;
                let vector = pw_search::vector_from_bytes(&bytes, dimensions as usize)
                    .map_err(|e| EvidenceError::Corrupt(format!("a stored vector: {e}")))?;
                found.insert(hash, vector);
            }
        }
        Ok(found)
    }

    /// Stores vectors of `model` by text hash; a vector already stored stays as it was.
    pub async fn store_embeddings(&self, rows: &[(String, Vec<f32>)], model: &str) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO embeddings (text_sha256, model, dimensions, vector) ",
            );
            insert.push_values(chunk, |mut values, (hash, vector)| {
                values
                    .push_bind(hash)
                    .push_bind(model)
                    .push_bind(vector.len() as i64)
                    .push_bind(pw_search::vector_to_bytes(vector));
            });
            insert.push(" ON CONFLICT (text_sha256, model) DO NOTHING");
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores a build's drafts for `kinds` in one transaction: each draft is inserted or updated
    /// under its natural id and its rows replaced; live signals of those kinds the build no
    /// longer found are retired. Returns the ids of the stored drafts, in order.
    pub async fn store_build(
        &self,
        workspace_id: WorkspaceId,
        kinds: &[SignalKind],
        drafts: &[SignalDraft],
    ) -> Result<Vec<DerivedSignalId>> {
        let now = format_instant(now_instant());
        let workspace_text = workspace_id.to_string();
        let mut tx = self.db.begin_write().await?;
        let themes_before = mention_themes(&mut tx, &workspace_text).await?;
        let mut ids = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let id = signal_id(workspace_id, draft.audience_id, draft.kind, &draft.key);
            let id_text = id.to_string();
            let support = i64::try_from(draft.support_rows()).unwrap_or(i64::MAX);
            if support == 0 {
                return Err(EvidenceError::Invalid(format!(
                    "the signal {} rests on no rows",
                    draft.key
                )));
            }
            sqlx::query(
                "INSERT INTO signals (id, workspace_id, audience_id, kind, signal_key, statement,
                    strength, support_rows, support_count, support_total, support_unit,
                    support_share, estimate, interval_low, interval_high, q_value, detail,
                    computed_at, retired_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                 ON CONFLICT (id) DO UPDATE SET
                    statement = excluded.statement, strength = excluded.strength,
                    support_rows = excluded.support_rows, support_count = excluded.support_count,
                    support_total = excluded.support_total, support_unit = excluded.support_unit,
                    support_share = excluded.support_share,
                    estimate = excluded.estimate, interval_low = excluded.interval_low,
                    interval_high = excluded.interval_high, q_value = excluded.q_value,
                    detail = excluded.detail, computed_at = excluded.computed_at,
                    retired_at = NULL",
            )
            .bind(&id_text)
            .bind(&workspace_text)
            .bind(draft.audience_id.map(|id| id.to_string()))
            .bind(draft.kind.as_str())
            .bind(&draft.key)
            .bind(&draft.statement)
            .bind(draft.strength)
            .bind(support)
            .bind(draft.support.count)
            .bind(draft.support.total)
            .bind(draft.support.unit.as_str())
            .bind(draft.support_share)
            .bind(draft.interval.map(|i| i.estimate))
            .bind(draft.interval.map(|i| i.low))
            .bind(draft.interval.map(|i| i.high))
            .bind(draft.q_value)
            .bind(draft.detail.to_string())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM signal_rows WHERE signal_id = ?")
                .bind(&id_text)
                .execute(&mut *tx)
                .await?;
            let unique: BTreeSet<&RowRef> = draft.rows.iter().collect();
            let unique: Vec<&RowRef> = unique.into_iter().collect();
            for chunk in unique.chunks(ROWS_PER_INSERT) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO signal_rows (signal_id, workspace_id, source_table, row_key, role) ",
                );
                insert.push_values(chunk, |mut values, row| {
                    values
                        .push_bind(&id_text)
                        .push_bind(&workspace_text)
                        .push_bind(row.table.as_str())
                        .push_bind(&row.key)
                        .push_bind(row.role.as_str());
                });
                insert.build().execute(&mut *tx).await?;
            }
            ids.push(id);
        }
        let stored: BTreeSet<String> = ids.iter().map(|id| id.to_string()).collect();
        for kind in kinds {
            // Compared as stored text: retiring a signal never needs to read its id.
            let live: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM signals WHERE workspace_id = ? AND kind = ? AND retired_at IS NULL",
            )
            .bind(&workspace_text)
            .bind(kind.as_str())
            .fetch_all(&mut *tx)
            .await?;
            for id in live.iter().filter(|id| !stored.contains(*id)) {
                sqlx::query("UPDATE signals SET retired_at = ? WHERE id = ?")
                    .bind(&now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        // A mention's theme is a search facet: re-index the mentions this build regrouped, in
        // the same transaction as the themes themselves.
        let themes_after = mention_themes(&mut tx, &workspace_text).await?;
        for (id, theme) in &themes_after {
            if themes_before.get(id) != Some(theme) {
                sqlx::query(
                    "INSERT INTO search_outbox (workspace_id, doc_kind, doc_id, op)
                     VALUES (?, 'mention', ?, 'upsert')",
                )
                .bind(&workspace_text)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Live signals of the workspace, of one audience (and the workspace-wide ones with it)
    /// when `audience_id` is given.
    pub async fn signals(
        &self,
        workspace_id: WorkspaceId,
        audience_id: Option<AudienceId>,
        include_retired: bool,
    ) -> Result<Vec<Signal>> {
        let audience_id = audience_id.map(|id| id.to_string());
        let rows = sqlx::query(
            "SELECT * FROM signals WHERE workspace_id = ?
               AND (? IS NULL OR audience_id = ? OR audience_id IS NULL)
               AND (? OR retired_at IS NULL)
             ORDER BY kind, audience_id, abs(strength) DESC, signal_key",
        )
        .bind(workspace_id.to_string())
        .bind(&audience_id)
        .bind(&audience_id)
        .bind(include_retired)
        .fetch_all(self.db.reader())
        .await?;
        rows.iter().map(signal_from_row).collect()
    }

    pub async fn signal(&self, id: DerivedSignalId) -> Result<Signal> {
        let row = sqlx::query("SELECT * FROM signals WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(self.db.reader())
            .await?
            .ok_or_else(|| EvidenceError::SignalNotFound(id.to_string()))?;
        signal_from_row(&row)
    }

    /// The rows a signal rests on, as listed at its last build.
    pub async fn signal_rows(&self, signal_id: DerivedSignalId) -> Result<Vec<RowRef>> {
        let rows = sqlx::query(
            "SELECT source_table, row_key, role FROM signal_rows WHERE signal_id = ?
             ORDER BY role DESC, source_table, row_key",
        )
        .bind(signal_id.to_string())
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RowRef {
                    table: row.parsed("source_table")?,
                    key: row.try_get("row_key")?,
                    role: row.parsed("role")?,
                })
            })
            .collect()
    }
}

/// What a row shows: its title, its words, its date, its figures.
type RowContent = (String, Option<String>, Option<String>, Value);

/// Each mention of the workspace with its theme facet, as the search index reads it.
async fn mention_themes(
    conn: &mut sqlx::SqliteConnection,
    workspace: &str,
) -> Result<HashMap<String, Option<String>>> {
    let rows = sqlx::query(crate::search::MENTION_THEMES_SQL)
        .bind(workspace)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("theme")?)))
        .collect()
}

/// A row behind a signal, as a person reads it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvidenceRow {
    pub table: SourceTable,
    pub key: String,
    pub role: RowRole,
    /// What the row is: "Review", "Ad “Roasted Monday” on 2026-11-02".
    pub title: String,
    /// The words, for rows that have them (a mention, a search term, a creative's copy).
    pub text: Option<String>,
    pub date: Option<String>,
    /// The row's figures (impressions, clicks, conversions, volume, sentiment).
    pub figures: Value,
}

impl EvidenceStore<'_> {
    /// The rows behind a signal (at most `limit`, the segment's first), read from their tables
    /// in a few queries per table. A row deleted since the build is left out (the signal's next
    /// build retires or restates it).
    pub async fn evidence_rows(
        &self,
        signal_id: DerivedSignalId,
        limit: usize,
    ) -> Result<Vec<EvidenceRow>> {
        let refs: Vec<RowRef> = self
            .signal_rows(signal_id)
            .await?
            .into_iter()
            .take(limit)
            .collect();
        let mut found: HashMap<(SourceTable, String), RowContent> = HashMap::new();
        for table in SourceTable::ALL {
            let keys: Vec<&str> = refs
                .iter()
                .filter(|r| r.table == table)
                .map(|r| r.key.as_str())
                .collect();
            if keys.is_empty() {
                continue;
            }
            for (key, row) in self.read_rows(table, &keys).await? {
                found.insert((table, key), row);
            }
        }
        Ok(refs
            .into_iter()
            .filter_map(|reference| {
                let (title, text, date, figures) =
                    found.remove(&(reference.table, reference.key.clone()))?;
                Some(EvidenceRow {
                    table: reference.table,
                    key: reference.key,
                    role: reference.role,
                    title,
                    text,
                    date,
                    figures,
                })
            })
            .collect())
    }

    /// Rows of one table by their keys, as (key, (title, text, date, figures)).
    /// One stored row as a person reads it (a search hit's source), if `workspace_id` has it.
    pub async fn source_row(
        &self,
        workspace_id: WorkspaceId,
        table: SourceTable,
        key: &str,
    ) -> Result<Option<EvidenceRow>> {
        let owned_sql = match table {
            SourceTable::AudienceSignals => {
                "SELECT 1 FROM audience_signals WHERE id = ? AND workspace_id = ?"
            }
            SourceTable::Creatives => "SELECT 1 FROM creatives WHERE id = ? AND workspace_id = ?",
            SourceTable::Audiences => "SELECT 1 FROM audiences WHERE id = ? AND workspace_id = ?",
            // Metric rows are read through the signals that cite them, never as hits.
            SourceTable::DailyMetrics | SourceTable::MetricBreakdowns => return Ok(None),
        };
        let owned = sqlx::query(sqlx::AssertSqlSafe(owned_sql))
            .bind(key)
            .bind(workspace_id.to_string())
            .fetch_optional(self.db.reader())
            .await?
            .is_some();
        if !owned {
            return Ok(None);
        }
        Ok(self.read_rows(table, &[key]).await?.into_iter().next().map(
            |(key, (title, text, date, figures))| EvidenceRow {
                table,
                key,
                role: RowRole::Segment,
                title,
                text,
                date,
                figures,
            },
        ))
    }

    async fn read_rows(
        &self,
        table: SourceTable,
        keys: &[&str],
    ) -> Result<Vec<(String, RowContent)>> {
        let reader = self.db.reader();
        let keys_json = serde_json::to_string(keys)
            .map_err(|e| EvidenceError::Invalid(format!("row keys: {e}")))?;
        let mut out = Vec::new();
        match table {
            SourceTable::AudienceSignals => {
                let rows = sqlx::query(
                    "SELECT id, kind, source, text, sentiment, intent, volume, occurred_on, metadata
                     FROM audience_signals WHERE id IN (SELECT value FROM json_each(?))",
                )
                .bind(&keys_json)
                .fetch_all(reader)
                .await?;
                for r in &rows {
                    let source: String = r.try_get("source")?;
                    let metadata: String = r.try_get("metadata")?;
                    out.push((
                        r.try_get("id")?,
                        (
                            source.replace('_', " "),
                            Some(r.try_get("text")?),
                            Some(r.try_get("occurred_on")?),
                            serde_json::json!({
                                "kind": r.try_get::<String, _>("kind")?,
                                "sentiment": r.try_get::<Option<f64>, _>("sentiment")?,
                                "intent": r.try_get::<Option<String>, _>("intent")?,
                                "volume": r.try_get::<Option<i64>, _>("volume")?,
                                "metadata": serde_json::from_str::<Value>(&metadata).unwrap_or(Value::Null),
                            }),
                        ),
                    ));
                }
            }
            SourceTable::DailyMetrics | SourceTable::MetricBreakdowns => {
                // Keys are 'level/entity/date[/dimension/value]': one query per entity, which
                // walks that entity's rows by primary key.
                let mut by_entity: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
                for key in keys {
                    let mut parts = key.splitn(3, '/');
                    match (parts.next(), parts.next(), parts.next()) {
                        (Some(level), Some(entity), Some(rest)) => {
                            by_entity.entry((level, entity)).or_default().push(rest);
                        }
                        _ => return Err(corrupt("signal_rows", "row_key", key)),
                    }
                }
                for ((level, entity), rests) in by_entity {
                    let name_sql = match level {
                        "ad" => "SELECT name FROM ads WHERE id = ?",
                        "ad_group" => "SELECT name FROM ad_groups WHERE id = ?",
                        "campaign" => "SELECT name FROM campaigns WHERE id = ?",
                        _ => "SELECT name FROM ad_accounts WHERE id = ?",
                    };
                    let name: String = sqlx::query_scalar(sqlx::AssertSqlSafe(name_sql))
                        .bind(entity)
                        .fetch_optional(reader)
                        .await?
                        .unwrap_or_else(|| entity.to_owned());
                    let what = level.replace('_', " ");
                    let rests_json = serde_json::to_string(&rests)
                        .map_err(|e| EvidenceError::Invalid(format!("row keys: {e}")))?;
                    let rows = if table == SourceTable::DailyMetrics {
                        sqlx::query(
                            "SELECT date AS rest, date, impressions, clicks, conversions,
                                    NULL AS dimension, NULL AS value
                             FROM daily_metrics WHERE level = ? AND entity_id = ?
                               AND date IN (SELECT value FROM json_each(?))",
                        )
                        .bind(level)
                        .bind(entity)
                        .bind(&rests_json)
                        .fetch_all(reader)
                        .await?
                    } else {
                        sqlx::query(
                            "SELECT date || '/' || dimension || '/' || value AS rest, date,
                                    impressions, clicks, conversions, dimension, value
                             FROM metric_breakdowns WHERE level = ? AND entity_id = ?
                               AND date || '/' || dimension || '/' || value
                                   IN (SELECT value FROM json_each(?))",
                        )
                        .bind(level)
                        .bind(entity)
                        .bind(&rests_json)
                        .fetch_all(reader)
                        .await?
                    };
                    for r in &rows {
                        let rest: String = r.try_get("rest")?;
                        let dimension: Option<String> = r.try_get("dimension")?;
                        let value: Option<String> = r.try_get("value")?;
                        let title = match (dimension, value) {
                            (Some(d), Some(v)) => {
                                format!("{what} “{name}”, {d} {}", v.replace('_', " "))
                            }
                            _ => format!("{what} “{name}”"),
                        };
                        out.push((
                            format!("{level}/{entity}/{rest}"),
                            (
                                title,
                                None,
                                Some(r.try_get("date")?),
                                serde_json::json!({
                                    "impressions": r.try_get::<i64, _>("impressions")?,
                                    "clicks": r.try_get::<i64, _>("clicks")?,
                                    "conversions": r.try_get::<f64, _>("conversions")?,
                                }),
                            ),
                        ));
                    }
                }
            }
            SourceTable::Creatives => {
                let rows = sqlx::query(
                    "SELECT id, format, headline, body, call_to_action FROM creatives
                     WHERE id IN (SELECT value FROM json_each(?))",
                )
                .bind(&keys_json)
                .fetch_all(reader)
                .await?;
                for r in &rows {
                    let headline: Option<String> = r.try_get("headline")?;
                    let body: Option<String> = r.try_get("body")?;
                    out.push((
                        r.try_get("id")?,
                        (
                            format!("{} creative", r.try_get::<String, _>("format")?),
                            Some([headline, body].into_iter().flatten().collect::<Vec<_>>().join(" — ")),
                            None,
                            serde_json::json!({"call_to_action": r.try_get::<Option<String>, _>("call_to_action")?}),
                        ),
                    ));
                }
            }
            SourceTable::Audiences => {
                let rows = sqlx::query(
                    "SELECT id, name, platform, kind, size_lower, size_upper, interests FROM audiences
                     WHERE id IN (SELECT value FROM json_each(?))",
                )
                .bind(&keys_json)
                .fetch_all(reader)
                .await?;
                for r in &rows {
                    let interests: String = r.try_get("interests")?;
                    out.push((
                        r.try_get("id")?,
                        (
                            format!("audience “{}”", r.try_get::<String, _>("name")?),
                            None,
                            None,
                            serde_json::json!({
                                "platform": r.try_get::<String, _>("platform")?,
                                "kind": r.try_get::<String, _>("kind")?,
                                "size_lower": r.try_get::<Option<i64>, _>("size_lower")?,
                                "size_upper": r.try_get::<Option<i64>, _>("size_upper")?,
                                "interests": serde_json::from_str::<Value>(&interests).unwrap_or(Value::Null),
                            }),
                        ),
                    ));
                }
            }
        }
        Ok(out)
    }
}

fn signal_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Signal> {
    let detail: String = row.try_get("detail")?;
    let estimate: Option<f64> = row.try_get("estimate")?;
    let low: Option<f64> = row.try_get("interval_low")?;
    let high: Option<f64> = row.try_get("interval_high")?;
    let support_rows: i64 = row.try_get("support_rows")?;
    let support = match row.parsed_optional::<SupportUnit>("support_unit")? {
        Some(unit) => Support {
            count: row.try_get("support_count")?,
            total: row.try_get("support_total")?,
            unit,
        },
        // Stored before support was counted in units (a workspace file from then): its rows
        // are what it is known to rest on, until the next build counts it again.
        None => Support {
            count: support_rows,
            total: None,
            unit: SupportUnit::Rows,
        },
    };
    Ok(Signal {
        id: row.parsed("id")?,
        workspace_id: row.parsed("workspace_id")?,
        audience_id: row.parsed_optional("audience_id")?,
        kind: row.parsed("kind")?,
        key: row.try_get("signal_key")?,
        statement: row.try_get("statement")?,
        strength: row.try_get("strength")?,
        support_rows,
        support,
        support_share: row.try_get("support_share")?,
        interval: match (estimate, low, high) {
            (Some(estimate), Some(low), Some(high)) => Some(Interval {
                estimate,
                low,
                high,
            }),
            _ => None,
        },
        q_value: row.try_get("q_value")?,
        detail: serde_json::from_str(&detail)
            .map_err(|e| EvidenceError::Corrupt(format!("a signal's detail is not JSON: {e}")))?,
        computed_at: row.instant("computed_at")?,
        retired_at: row
            .try_get::<Option<String>, _>("retired_at")?
            .map(|text| pw_store::parse_stored_instant("retired_at", &text))
            .transpose()?,
    })
}
