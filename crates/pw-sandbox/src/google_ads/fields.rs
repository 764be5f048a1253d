//! The GAQL fields the sandbox knows, per resource, and their values for one row.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::PLATFORM;
use crate::Level;
use crate::data::{Kind, World};
use crate::metrics::Cell;

const CHANNELS: &[&str] = &[
    "SEARCH",
    "PERFORMANCE_MAX",
    "DISPLAY",
    "SEARCH",
    "VIDEO",
    "SEARCH",
    "DISPLAY",
    "SEARCH",
];

/// A field's value for one row.
#[derive(Debug, Clone)]
pub(super) enum Val {
    Int(i64),
    Double(f64),
    Text(String),
    Bool(bool),
    Texts(Vec<String>),
    Assets(Vec<String>),
}

impl Val {
    pub fn is_default(&self) -> bool {
        match self {
            Val::Int(n) => *n == 0,
            Val::Double(n) => *n == 0.0,
            Val::Text(text) => text.is_empty(),
            Val::Bool(flag) => !flag,
            Val::Texts(list) | Val::Assets(list) => list.is_empty(),
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Val::Int(n) => json!(n.to_string()),
            Val::Double(n) => json!(n),
            Val::Text(text) => json!(text),
            Val::Bool(flag) => json!(flag),
            Val::Texts(list) => json!(list),
            Val::Assets(list) => {
                Value::Array(list.iter().map(|text| json!({ "text": text })).collect())
            }
        }
    }

    pub fn compare_text(&self) -> String {
        match self {
            Val::Int(n) => n.to_string(),
            Val::Double(n) => n.to_string(),
            Val::Text(text) => text.clone(),
            Val::Bool(flag) => flag.to_string().to_uppercase(),
            Val::Texts(list) | Val::Assets(list) => list.join(","),
        }
    }
}

/// One result row's position in the hierarchy and, for metric queries, its day and delivery.
#[derive(Debug, Clone, Default)]
pub(super) struct Ctx {
    pub campaign: Option<u64>,
    pub ad_group: Option<u64>,
    pub ad: Option<u64>,
    pub date: Option<NaiveDate>,
    pub cell: Option<Cell>,
}

pub(super) fn resource_level(resource: &str) -> Option<Level> {
    match resource {
        "customer" => Some(Level::Account),
        "campaign" => Some(Level::Campaign),
        "ad_group" => Some(Level::AdGroup),
        "ad_group_ad" => Some(Level::Ad),
        _ => None,
    }
}

/// The resources whose fields a query FROM `resource` may select (itself and those it is
/// attributed to).
pub(super) fn attributed(resource: &str) -> &'static [&'static str] {
    match resource {
        "customer" => &["customer"],
        "customer_client" => &["customer_client"],
        "campaign" => &["campaign", "campaign_budget", "customer"],
        "ad_group" => &["ad_group", "campaign", "customer"],
        "ad_group_ad" => &["ad_group_ad", "ad_group", "campaign", "customer"],
        _ => &[],
    }
}

pub(super) fn ctx_for(world: &World, level: Level, entity: u64) -> Ctx {
    let groups = u64::from(world.config.ad_groups_per_campaign).max(1);
    let ads = u64::from(world.config.ads_per_ad_group).max(1);
    match level {
        Level::Account => Ctx::default(),
        Level::Campaign => Ctx {
            campaign: Some(entity),
            ..Ctx::default()
        },
        Level::AdGroup => Ctx {
            campaign: Some(entity / groups),
            ad_group: Some(entity),
            ..Ctx::default()
        },
        Level::Ad => Ctx {
            campaign: Some(entity / ads / groups),
            ad_group: Some(entity / ads),
            ad: Some(entity),
            ..Ctx::default()
        },
    }
}

pub(super) fn value(world: &World, account: u32, field: &str, ctx: &Ctx) -> Option<Val> {
    let found = world.account(PLATFORM, account);
    let customer = found.id;
    let id = |kind, index: Option<u64>| {
        index.map(|i| world.entity_id(PLATFORM, kind, account, i) as i64)
    };
    let campaign = || ctx.campaign.map(|c| world.campaign(PLATFORM, account, c));
    let group = || ctx.ad_group.map(|g| world.ad_group(PLATFORM, account, g));
    let ad = || ctx.ad.map(|a| world.ad(PLATFORM, account, a));
    let text = |value: &str| Some(Val::Text(value.to_owned()));
    let campaign_name = |c: Option<u64>| {
        c.map(|c| {
            format!(
                "customers/{customer}/campaigns/{}",
                world.entity_id(PLATFORM, Kind::Campaign, account, c)
            )
        })
    };
    let group_name = |g: Option<u64>| {
        g.map(|g| {
            format!(
                "customers/{customer}/adGroups/{}",
                world.entity_id(PLATFORM, Kind::AdGroup, account, g)
            )
        })
    };
    let budget_name = |c: Option<u64>| {
        c.map(|c| {
            format!(
                "customers/{customer}/campaignBudgets/{}",
                world.entity_id(PLATFORM, Kind::Budget, account, c)
            )
        })
    };
    let cell = ctx.cell.unwrap_or_default();
    Some(match field {
        "customer.id" | "customer_client.id" => Val::Int(customer as i64),
        "customer.resource_name" => Val::Text(format!("customers/{customer}")),
        "customer_client.resource_name" => {
            Val::Text(format!("customers/{customer}/customerClients/{customer}"))
        }
        "customer_client.client_customer" => Val::Text(format!("customers/{customer}")),
        "customer_client.level" => Val::Int(0),
        "customer.descriptive_name" | "customer_client.descriptive_name" => {
            Val::Text(found.name.clone())
        }
        "customer.currency_code" | "customer_client.currency_code" => return text(found.currency),
        "customer.time_zone" | "customer_client.time_zone" => return text(found.time_zone),
        "customer.manager"
        | "customer_client.manager"
        | "customer_client.hidden"
        | "customer_client.test_account"
        | "customer.test_account" => Val::Bool(false),
        "customer.status" | "customer_client.status" => return text("ENABLED"),
        "campaign.id" => Val::Int(id(Kind::Campaign, ctx.campaign)?),
        "campaign.resource_name" => Val::Text(campaign_name(ctx.campaign)?),
        "campaign.name" => Val::Text(campaign()?.name),
        "campaign.status" => Val::Text(
            if campaign()?.paused {
                "PAUSED"
            } else {
                "ENABLED"
            }
            .to_owned(),
        ),
        "campaign.serving_status" => return text("SERVING"),
        "campaign.advertising_channel_type" => {
            return text(CHANNELS[ctx.campaign? as usize % CHANNELS.len()]);
        }
        "campaign.bidding_strategy_type" => return text("MAXIMIZE_CONVERSIONS"),
        "campaign.campaign_budget" => Val::Text(budget_name(ctx.campaign)?),
        "campaign.start_date" => Val::Text(campaign()?.created.date_naive().to_string()),
        // Google's "no end date".
        "campaign.end_date" => return text("2037-12-30"),
        "campaign_budget.id" => Val::Int(id(Kind::Budget, ctx.campaign)?),
        "campaign_budget.resource_name" => Val::Text(budget_name(ctx.campaign)?),
        "campaign_budget.amount_micros" => Val::Int(campaign()?.daily_budget_cents * 10_000),
        "campaign_budget.delivery_method" => return text("STANDARD"),
        "ad_group.id" => Val::Int(id(Kind::AdGroup, ctx.ad_group)?),
        "ad_group.resource_name" => Val::Text(group_name(ctx.ad_group)?),
        "ad_group.name" => Val::Text(group()?.name),
        "ad_group.status" => return text("ENABLED"),
        "ad_group.type" => return text("SEARCH_STANDARD"),
        "ad_group.campaign" => Val::Text(campaign_name(ctx.campaign)?),
        "ad_group.cpc_bid_micros" => Val::Int(group()?.daily_budget_cents * 400),
        "ad_group_ad.resource_name" => Val::Text(format!(
            "customers/{customer}/adGroupAds/{}~{}",
            id(Kind::AdGroup, ctx.ad_group)?,
            id(Kind::Ad, ctx.ad)?
        )),
        "ad_group_ad.ad_group" => Val::Text(group_name(ctx.ad_group)?),
        "ad_group_ad.status" => return text("ENABLED"),
        "ad_group_ad.ad.id" => Val::Int(id(Kind::Ad, ctx.ad)?),
        "ad_group_ad.ad.resource_name" => Val::Text(format!(
            "customers/{customer}/ads/{}",
            id(Kind::Ad, ctx.ad)?
        )),
        "ad_group_ad.ad.name" => Val::Text(ad()?.name),
        "ad_group_ad.ad.type" => return text("RESPONSIVE_SEARCH_AD"),
        "ad_group_ad.ad.final_urls" => Val::Texts(vec![ad()?.landing_url]),
        "ad_group_ad.ad.responsive_search_ad.headlines" => {
            let ad = ad()?;
            Val::Assets(vec![
                ad.headline.to_owned(),
                "Halcyon Roasters".to_owned(),
                "Free Shipping Over $30".to_owned(),
            ])
        }
        "ad_group_ad.ad.responsive_search_ad.descriptions" => Val::Assets(vec![
            ad()?.body.to_owned(),
            "Roasted to order, shipped fresh.".to_owned(),
        ]),
        "segments.date" => Val::Text(ctx.date.map(|d| d.to_string()).unwrap_or_default()),
        "metrics.impressions" => Val::Int(cell.impressions),
        "metrics.clicks" => Val::Int(cell.clicks),
        "metrics.cost_micros" => Val::Int(cell.spend_micros),
        "metrics.conversions" => Val::Double(cell.conversions()),
        "metrics.conversions_value" => Val::Double(cell.value_micros as f64 / 1e6),
        "metrics.ctr" => Val::Double(if cell.impressions > 0 {
            cell.clicks as f64 / cell.impressions as f64
        } else {
            0.0
        }),
        "metrics.average_cpc" => Val::Double(if cell.clicks > 0 {
            cell.spend_micros as f64 / cell.clicks as f64
        } else {
            0.0
        }),
        _ => return None,
    })
}

/// Whether a field exists for a query FROM `resource` (independent of any row).
pub(super) fn known(world: &World, resource: &str, field: &str) -> bool {
    let Some((prefix, _)) = field.split_once('.') else {
        return false;
    };
    let allowed = match prefix {
        "metrics" => resource != "customer_client",
        "segments" => field == "segments.date" && resource != "customer_client",
        _ => attributed(resource).contains(&prefix),
    };
    let full = Ctx {
        campaign: Some(0),
        ad_group: Some(0),
        ad: Some(0),
        date: None,
        cell: None,
    };
    allowed && world.count(Level::Ad) > 0 && value(world, 0, field, &full).is_some()
}
