//! Google Ads' audience lists (GAQL `FROM user_list`) and audience composition insights
//! (`customers/{id}:generateAudienceCompositionInsights`), in proto3 JSON like the rest of the
//! API. Each account has the same five lists; the smallest is too small to describe, as real
//! lists under Google's minimum are.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{PLATFORM, Val, error, holds, request_id};
use crate::call::Call;
use crate::data::{INTERESTS, World, hash, unit};
use crate::gaql::Query;
use crate::state::Shared;
use crate::wire::json as respond;

struct UserList {
    name: &'static str,
    description: &'static str,
    kind: &'static str,
    open: bool,
    /// People on it, before the account's own scale.
    size: i64,
}

const LISTS: &[UserList] = &[
    UserList {
        name: "All website visitors (30 days)",
        description: "Everyone who visited the shop in the last 30 days",
        kind: "RULE_BASED",
        open: true,
        size: 184_000,
    },
    UserList {
        name: "Subscribers (customer list)",
        description: "Coffee subscription customers, uploaded monthly",
        kind: "CRM_BASED",
        open: true,
        size: 41_000,
    },
    UserList {
        name: "Cart abandoners (14 days)",
        description: "Added to cart without buying",
        kind: "RULE_BASED",
        open: true,
        size: 23_500,
    },
    UserList {
        name: "Brand video viewers",
        description: "Watched half of a brand video on YouTube",
        kind: "RULE_BASED",
        open: true,
        size: 96_000,
    },
    UserList {
        name: "Wholesale enquiries",
        description: "Cafés that asked about wholesale",
        kind: "CRM_BASED",
        open: true,
        size: 400,
    },
    UserList {
        name: "Old newsletter (closed)",
        description: "Retired in the spring",
        kind: "CRM_BASED",
        open: false,
        size: 12_000,
    },
];

/// Google describes lists of at least this many people.
const DESCRIBABLE: i64 = 1_000;

const FIELDS: &[&str] = &[
    "user_list.resource_name",
    "user_list.id",
    "user_list.name",
    "user_list.description",
    "user_list.type",
    "user_list.membership_status",
    "user_list.size_for_display",
    "user_list.size_for_search",
];

fn list_id(world: &World, account: u32, index: usize) -> u64 {
    world.account_id(PLATFORM, account) % 100_000 * 100 + index as u64 + 1
}

fn size(world: &World, account: u32, list: &UserList) -> (i64, i64) {
    let scale = 0.5 + unit(hash(&[world.account_id(PLATFORM, account), 7]));
    let display = (list.size as f64 * scale).round() as i64;
    (display, display * 7 / 10)
}

fn field(world: &World, account: u32, index: usize, name: &str) -> Option<Val> {
    let list = LISTS.get(index)?;
    let customer = world.account_id(PLATFORM, account);
    let id = list_id(world, account, index);
    let (display, search) = size(world, account, list);
    Some(match name {
        "user_list.resource_name" => Val::Text(format!("customers/{customer}/userLists/{id}")),
        "user_list.id" => Val::Int(id as i64),
        "user_list.name" => Val::Text(list.name.to_owned()),
        "user_list.description" => Val::Text(list.description.to_owned()),
        "user_list.type" => Val::Text(list.kind.to_owned()),
        "user_list.membership_status" => {
            Val::Text(if list.open { "OPEN" } else { "CLOSED" }.to_owned())
        }
        "user_list.size_for_display" => Val::Int(display),
        "user_list.size_for_search" => Val::Int(search),
        _ => return None,
    })
}

/// `googleAds:search` (or `searchStream`) FROM user_list: a handful of rows, one page.
pub(super) fn user_lists(
    shared: &Shared,
    call: &Call,
    world: &World,
    account: u32,
    query: &Query,
    stream: bool,
) -> Response {
    let named = query
        .fields
        .iter()
        .chain(query.conditions.iter().map(|c| &c.field));
    for name in named {
        if !FIELDS.contains(&name.as_str()) {
            return error(
                shared,
                call,
                StatusCode::BAD_REQUEST,
                "INVALID_ARGUMENT",
                "Request contains an invalid argument.",
                Some((
                    "queryError",
                    "UNRECOGNIZED_FIELD",
                    &format!("Unrecognized field in the query: '{name}'."),
                    None,
                )),
            );
        }
    }
    let mut results = Vec::new();
    for index in 0..LISTS.len() {
        let passes = query
            .conditions
            .iter()
            .all(|c| field(world, account, index, &c.field).is_some_and(|value| holds(c, &value)));
        if !passes {
            continue;
        }
        let mut row = serde_json::Map::new();
        let customer = world.account_id(PLATFORM, account);
        row.insert(
            "resourceName".into(),
            json!(format!(
                "customers/{customer}/userLists/{}",
                list_id(world, account, index)
            )),
        );
        for name in &query.fields {
            let Some(value) = field(world, account, index, name) else {
                continue;
            };
            // proto3 JSON leaves a field holding its default out.
            if value.is_default() {
                continue;
            }
            let key = name.trim_start_matches("user_list.");
            row.insert(super::camel(key), value.to_json());
        }
        results.push(json!({ "userList": row }));
    }
    let mask = super::field_mask(query);
    let page = json!({ "results": results, "fieldMask": mask, "requestId": request_id(shared) });
    respond(StatusCode::OK, &if stream { json!([page]) } else { page })
}

/// The composition of one list: interests that over-index in it, its ages and genders.
pub(super) fn composition(shared: &Shared, call: &Call, world: &World, account: u32) -> Response {
    let body: Value = serde_json::from_slice(&call.body).unwrap_or(Value::Null);
    let invalid = |code: &str, detail: &str| {
        error(
            shared,
            call,
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "Request contains an invalid argument.",
            Some(("requestError", code, detail, None)),
        )
    };
    let has_group = body["customerInsightsGroup"]
        .as_str()
        .is_some_and(|g| !g.is_empty());
    if !has_group {
        return invalid(
            "REQUIRED_FIELD_MISSING",
            "customer_insights_group is required.",
        );
    }
    let countries = body["audience"]["countryLocations"].as_array();
    if countries.is_none_or(|c| c.is_empty()) {
        return invalid(
            "REQUIRED_FIELD_MISSING",
            "audience.country_locations is required.",
        );
    }
    let dimensions: Vec<&str> = body["dimensions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if dimensions.is_empty() {
        return invalid("REQUIRED_FIELD_MISSING", "dimensions is required.");
    }
    let name = body["audience"]["userList"]["userList"]
        .as_str()
        .unwrap_or_default();
    let customer = world.account_id(PLATFORM, account);
    let index = (0..LISTS.len()).find(|i| {
        name == format!(
            "customers/{customer}/userLists/{}",
            list_id(world, account, *i)
        )
    });
    let Some(index) = index else {
        return invalid(
            "RESOURCE_NAME_MALFORMED",
            &format!("The user list '{name}' was not found."),
        );
    };
    let list = &LISTS[index];
    if size(world, account, list).0 < DESCRIBABLE {
        return invalid(
            "INVALID_INPUT",
            "The audience is too small to generate insights.",
        );
    }
    let seed = hash(&[customer, index as u64]);
    let draw = |n: u64| unit(hash(&[seed, n]));
    let mut sections = Vec::new();
    for (d, dimension) in dimensions.iter().enumerate() {
        let attributes: Vec<Value> = match *dimension {
            "AFFINITY_USER_INTEREST" | "IN_MARKET_USER_INTEREST" => {
                let offset = if *dimension == "AFFINITY_USER_INTEREST" {
                    0
                } else {
                    5
                };
                (0..4)
                    .map(|k| {
                        let interest = &INTERESTS[(offset + k + index) % INTERESTS.len()];
                        let baseline = 0.02 + 0.1 * draw((d * 10 + k) as u64);
                        let index_value = 3.0 - k as f64 * 0.5 + draw(100 + k as u64);
                        json!({
                            "attributeMetadata": {
                                "dimension": dimension,
                                "displayName": interest.name,
                                "attribute": {"userInterest": {"userInterestCategory": format!("customers/{customer}/userInterests/{}", 80_000 + (offset + k) as u64)}},
                            },
                            "metrics": {
                                "baselineAudienceShare": round(baseline),
                                "audienceShare": round((baseline * index_value).min(0.95)),
                                "index": round(index_value),
                                "score": round(0.5 + draw(200 + k as u64) / 2.0),
                            },
                        })
                    })
                    .collect()
            }
            "AGE_RANGE" => shares(
                dimension,
                &["18-24", "25-34", "35-44", "45-54", "55-64", "65+"],
                |k| draw(300 + k),
            ),
            "GENDER" => shares(dimension, &["Female", "Male"], |k| draw(400 + k)),
            _ => Vec::new(),
        };
        sections.push(json!({ "dimension": dimension, "topAttributes": attributes }));
    }
    respond(StatusCode::OK, &json!({ "sections": sections }))
}

fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// Shares over `names` that add up to one.
fn shares(dimension: &str, names: &[&str], draw: impl Fn(u64) -> f64) -> Vec<Value> {
    let weights: Vec<f64> = (0..names.len() as u64).map(|k| 0.2 + draw(k)).collect();
    let total: f64 = weights.iter().sum();
    names
        .iter()
        .zip(&weights)
        .map(|(name, weight)| {
            json!({
                "attributeMetadata": {"dimension": dimension, "displayName": name},
                "metrics": {"audienceShare": round(weight / total), "index": round(0.8 + weight / 2.0)},
            })
        })
        .collect()
}
