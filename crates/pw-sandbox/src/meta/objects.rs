//! The objects Graph lists under an ad account: ad accounts, campaigns, ad sets (with their
//! targeting specs), ads, creatives and custom audiences.

use serde_json::{Value, json};

use super::PLATFORM;
use crate::Level;
use crate::data::{INTERESTS, Kind, World, meta_time};

/// Objectives in Meta's ODAX spelling, aligned with the campaign themes.
const OBJECTIVES: &[&str] = &[
    "OUTCOME_SALES",
    "OUTCOME_TRAFFIC",
    "OUTCOME_SALES",
    "OUTCOME_SALES",
    "OUTCOME_ENGAGEMENT",
    "OUTCOME_LEADS",
    "OUTCOME_AWARENESS",
    "OUTCOME_TRAFFIC",
];

/// A listed object with the instants its `filtering` may compare.
pub(super) struct Item {
    pub json: Value,
    pub updated: i64,
    pub created: i64,
}

fn item(json: Value, created: i64, updated: i64) -> Item {
    Item {
        json,
        updated,
        created,
    }
}

pub(super) fn ad_accounts(world: &World) -> Vec<Item> {
    (0..world.account_count())
        .map(|index| {
            let account = world.account(PLATFORM, index);
            let json = json!({
                "id": format!("act_{}", account.id),
                "account_id": account.id.to_string(),
                "name": account.name,
                "currency": account.currency,
                "timezone_name": account.time_zone,
                "timezone_offset_hours_utc": world.offset_hours(account.time_zone),
                "account_status": 1,
            });
            item(json, 0, 0)
        })
        .collect()
}

pub(super) fn campaigns(world: &World, account: u32) -> Vec<Item> {
    let zone = world.account(PLATFORM, account).time_zone;
    let account_id = world.account_id(PLATFORM, account).to_string();
    (0..world.count(Level::Campaign))
        .map(|index| {
            let campaign = world.campaign(PLATFORM, account, index);
            let status = if campaign.paused { "PAUSED" } else { "ACTIVE" };
            let json = json!({
                "id": world.entity_id(PLATFORM, Kind::Campaign, account, index).to_string(),
                "account_id": account_id,
                "name": campaign.name,
                "objective": OBJECTIVES[index as usize % OBJECTIVES.len()],
                "status": status,
                "configured_status": status,
                "effective_status": status,
                "buying_type": "AUCTION",
                "special_ad_categories": [],
                "start_time": meta_time(campaign.created, zone),
                "created_time": meta_time(campaign.created, zone),
                "updated_time": meta_time(campaign.updated, zone),
            });
            item(
                json,
                campaign.created.timestamp(),
                campaign.updated.timestamp(),
            )
        })
        .collect()
}

pub(super) fn ad_sets(world: &World, account: u32) -> Vec<Item> {
    let found = world.account(PLATFORM, account);
    let account_id = found.id.to_string();
    (0..world.count(Level::AdGroup))
        .map(|index| {
            let group = world.ad_group(PLATFORM, account, index);
            let paused = world.campaign(PLATFORM, account, group.campaign).paused;
            let interests: Vec<Value> = group
                .audience
                .interests
                .iter()
                .map(|i| json!({ "id": INTERESTS[*i].id, "name": INTERESTS[*i].name }))
                .collect();
            let json = json!({
                "id": world.entity_id(PLATFORM, Kind::AdGroup, account, index).to_string(),
                "account_id": account_id,
                "campaign_id": world.entity_id(PLATFORM, Kind::Campaign, account, group.campaign).to_string(),
                "name": group.name,
                "status": "ACTIVE",
                "configured_status": "ACTIVE",
                "effective_status": if paused { "CAMPAIGN_PAUSED" } else { "ACTIVE" },
                "daily_budget": group.daily_budget_cents.to_string(),
                "billing_event": "IMPRESSIONS",
                "optimization_goal": "OFFSITE_CONVERSIONS",
                "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
                "targeting": {
                    "age_min": group.audience.age_min,
                    "age_max": group.audience.age_max,
                    "geo_locations": { "countries": [found.country], "location_types": ["home", "recent"] },
                    "flexible_spec": [{ "interests": interests }],
                    "publisher_platforms": ["facebook", "instagram"],
                },
                "start_time": meta_time(group.created, found.time_zone),
                "created_time": meta_time(group.created, found.time_zone),
                "updated_time": meta_time(group.updated, found.time_zone),
            });
            item(json, group.created.timestamp(), group.updated.timestamp())
        })
        .collect()
}

pub(super) fn ads(world: &World, account: u32) -> Vec<Item> {
    let found = world.account(PLATFORM, account);
    (0..world.count(Level::Ad))
        .map(|index| {
            let ad = world.ad(PLATFORM, account, index);
            let paused = world.campaign(PLATFORM, account, ad.campaign).paused;
            let json = json!({
                "id": world.entity_id(PLATFORM, Kind::Ad, account, index).to_string(),
                "account_id": found.id.to_string(),
                "campaign_id": world.entity_id(PLATFORM, Kind::Campaign, account, ad.campaign).to_string(),
                "adset_id": world.entity_id(PLATFORM, Kind::AdGroup, account, ad.ad_group).to_string(),
                "name": ad.name,
                "status": "ACTIVE",
                "configured_status": "ACTIVE",
                "effective_status": if paused { "CAMPAIGN_PAUSED" } else { "ACTIVE" },
                "creative": { "id": world.entity_id(PLATFORM, Kind::Creative, account, index).to_string() },
                "created_time": meta_time(ad.created, found.time_zone),
                "updated_time": meta_time(ad.updated, found.time_zone),
            });
            item(json, ad.created.timestamp(), ad.updated.timestamp())
        })
        .collect()
}

pub(super) fn creatives(world: &World, account: u32) -> Vec<Item> {
    let account_id = world.account_id(PLATFORM, account).to_string();
    (0..world.count(Level::Ad))
        .map(|index| {
            let ad = world.ad(PLATFORM, account, index);
            let json = json!({
                "id": world.entity_id(PLATFORM, Kind::Creative, account, index).to_string(),
                "account_id": account_id,
                "name": format!("Creative for {}", ad.name),
                "title": ad.headline,
                "body": ad.body,
                "call_to_action_type": ad.call_to_action,
                "object_type": "SHARE",
                "link_url": ad.landing_url,
                "status": "ACTIVE",
            });
            item(json, ad.created.timestamp(), ad.updated.timestamp())
        })
        .collect()
}

pub(super) fn audiences(world: &World, account: u32) -> Vec<Item> {
    let specs = [
        ("Website visitors 180d", "WEBSITE", 184_000_u64),
        ("Purchasers 365d", "CUSTOM", 21_300),
        ("Lookalike (1%) - Purchasers", "LOOKALIKE", 2_310_000),
    ];
    specs
        .iter()
        .enumerate()
        .map(|(index, (name, subtype, size))| {
            let scale = 1 + u64::from(account);
            let json = json!({
                "id": (23_855_000_000_000_000 + u64::from(account) * 1_000 + index as u64).to_string(),
                "account_id": world.account_id(PLATFORM, account).to_string(),
                "name": name,
                "subtype": subtype,
                "approximate_count_lower_bound": size / scale,
                "approximate_count_upper_bound": size * 6 / 5 / scale,
            });
            item(json, 0, 0)
        })
        .collect()
}
