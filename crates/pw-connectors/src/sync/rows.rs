//! A page's records as the workspace's rows: entities under their stored parents, metrics
//! under their stored entities. What cannot be placed is reported, never guessed.

use std::collections::HashMap;

use pw_domain::{AdAccountId, AdGroupId, AdId, CampaignId, CreativeId, MetricLevel};
use pw_workspaces::{
    AdDataWriter, AdGroupRow, AdRow, CampaignRow, CreativeRow, MetricEntity, MetricRow,
};

use crate::error::Result;
use crate::normalise::Unmappable;
use crate::records::{RemoteAccount, RemoteEntity, RemoteMetric};
use crate::repository::Connection;

fn missing_parent(what: &str, id: &str, parent: &str) -> Unmappable {
    Unmappable {
        field: format!("{what}.parent"),
        value: format!("\"{id}\""),
        reason: format!("its {parent} was not listed by the platform"),
    }
}

/// Writes one page of entities; how many rows were written. A child whose parent is not
/// stored is reported, not written.
pub(super) async fn write_entities(
    writer: &mut AdDataWriter<'_>,
    connection: &Connection,
    ad_account_id: AdAccountId,
    records: &[RemoteEntity],
    parents: &HashMap<String, uuid::Uuid>,
    creatives: &HashMap<String, uuid::Uuid>,
    issues: &mut Vec<Unmappable>,
) -> Result<u64> {
    let workspace_id = connection.workspace_id;
    let mut campaigns = Vec::new();
    let mut ad_groups = Vec::new();
    let mut creative_rows = Vec::new();
    let mut ads = Vec::new();
    for record in records {
        match record {
            RemoteEntity::Campaign(c) => campaigns.push(CampaignRow {
                id: CampaignId::new(),
                workspace_id,
                ad_account_id,
                platform: connection.platform,
                external_id: c.external_id.clone(),
                name: c.name.clone(),
                objective: c.objective,
                status: c.status,
                daily_budget: c.daily_budget,
                start_date: c.start_date,
                end_date: c.end_date,
            }),
            RemoteEntity::AdGroup(g) => match parents.get(&g.campaign_external_id) {
                Some(campaign) => ad_groups.push(AdGroupRow {
                    id: AdGroupId::new(),
                    workspace_id,
                    campaign_id: CampaignId::from_uuid(*campaign),
                    external_id: g.external_id.clone(),
                    name: g.name.clone(),
                    status: g.status,
                    audience_id: None,
                    targeting: g.targeting.clone(),
                }),
                None => issues.push(missing_parent("ad_group", &g.external_id, "campaign")),
            },
            RemoteEntity::Creative(c) => creative_rows.push(CreativeRow {
                id: CreativeId::new(),
                workspace_id,
                ad_account_id,
                external_id: c.external_id.clone(),
                format: c.format,
                headline: c.headline.clone(),
                body: c.body.clone(),
                call_to_action: c.call_to_action.clone(),
                landing_url: c.landing_url.clone(),
                blob_sha256: None,
            }),
            RemoteEntity::Ad(a) => match parents.get(&a.ad_group_external_id) {
                Some(group) => ads.push(AdRow {
                    id: AdId::new(),
                    workspace_id,
                    ad_group_id: AdGroupId::from_uuid(*group),
                    creative_id: a
                        .creative_external_id
                        .as_ref()
                        .and_then(|c| creatives.get(c))
                        .map(|c| CreativeId::from_uuid(*c)),
                    external_id: a.external_id.clone(),
                    name: a.name.clone(),
                    status: a.status,
                }),
                None => issues.push(missing_parent("ad", &a.external_id, "ad group")),
            },
        }
    }
    writer.campaigns(&campaigns).await?;
    writer.ad_groups(&ad_groups).await?;
    writer.creatives(&creative_rows).await?;
    writer.ads(&ads).await?;
    Ok((campaigns.len() + ad_groups.len() + creative_rows.len() + ads.len()) as u64)
}

/// A report page's rows with their stored entities; rows of entities the sync has not stored
/// are reported and left out.
pub(super) fn metric_rows(
    connection: &Connection,
    account: &RemoteAccount,
    ad_account_id: AdAccountId,
    level: MetricLevel,
    records: Vec<RemoteMetric>,
    entity_ids: &HashMap<String, uuid::Uuid>,
    issues: &mut Vec<Unmappable>,
) -> Vec<MetricRow> {
    let mut rows = Vec::with_capacity(records.len());
    for m in records {
        let entity = match level {
            MetricLevel::Account => Some(MetricEntity::Account(ad_account_id)),
            MetricLevel::Campaign => entity_ids
                .get(&m.entity_external_id)
                .map(|id| MetricEntity::Campaign(CampaignId::from_uuid(*id))),
            MetricLevel::AdGroup => entity_ids
                .get(&m.entity_external_id)
                .map(|id| MetricEntity::AdGroup(AdGroupId::from_uuid(*id))),
            MetricLevel::Ad => entity_ids
                .get(&m.entity_external_id)
                .map(|id| MetricEntity::Ad(AdId::from_uuid(*id))),
        };
        let Some(entity) = entity else {
            issues.push(Unmappable {
                field: format!("metrics:{}.entity", level.as_str()),
                value: format!("\"{}\"", m.entity_external_id),
                reason: format!(
                    "the platform did not list this {}",
                    level.as_str().replace('_', " ")
                ),
            });
            continue;
        };
        rows.push(MetricRow {
            workspace_id: connection.workspace_id,
            entity,
            date: m.date,
            platform: connection.platform,
            currency: account.currency.clone(),
            impressions: m.impressions,
            clicks: m.clicks,
            spend: m.spend,
            conversions: m.conversions,
            conversion_value: m.conversion_value,
            reach: m.reach,
            video_views: m.video_views,
        });
    }
    rows
}
