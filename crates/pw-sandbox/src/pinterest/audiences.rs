//! Pinterest's audience insights (`ad_accounts/{id}/audience_insights`: who the account's total
//! and engaged audiences are, by interest category and demographics) and the account's
//! audiences (`ad_accounts/{id}/audiences`: customer lists, visitors, engagers, actalikes).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{PLATFORM, error};
use crate::call::Call;
use crate::data::{INTERESTS, World, hash, unit};
use crate::wire::json as respond;

/// `audience_insights?audience_insight_type=…`: who the account's audience is, by interest
/// category and demographics. Sizes are ceilings ("up to"), as Pinterest rounds small ones.
pub(super) fn audience_insights(call: &Call, world: &World, account: u32) -> Response {
    let kind = call.param("audience_insight_type").map(String::as_str);
    let engaged = match kind {
        Some("YOUR_TOTAL_AUDIENCE") => false,
        Some("YOUR_ENGAGED_AUDIENCE") => true,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                1,
                "Invalid audience_insight_type: must be one of YOUR_TOTAL_AUDIENCE, YOUR_ENGAGED_AUDIENCE, PINTEREST_TOTAL_AUDIENCE.",
            );
        }
    };
    let id = world.account_id(PLATFORM, account);
    let draw = |n: u64| unit(hash(&[id, u64::from(engaged), n]));
    let size = if engaged { 38_000 } else { 410_000 } + (draw(0) * 10_000.0) as u64;
    let categories: Vec<Value> = INTERESTS
        .iter()
        .enumerate()
        .take(6)
        .map(|(k, interest)| {
            let key = (1_000_000 + k).to_string();
            json!({"id": key, "key": key, "name": interest.name.to_lowercase(),
                   "ratio": round3(0.6 - k as f64 * 0.08 + draw(10 + k as u64) * 0.05),
                   "index": round3(2.4 - k as f64 * 0.2 + draw(20 + k as u64) * 0.3),
                   "subcategories": []})
        })
        .collect();
    let shares = |names: &[&str], salt: u64| -> Vec<Value> {
        let weights: Vec<f64> = (0..names.len() as u64)
            .map(|k| 0.2 + draw(salt + k))
            .collect();
        let total: f64 = weights.iter().sum();
        names
            .iter()
            .zip(&weights)
            .map(|(name, w)| json!({"key": name.to_lowercase(), "name": name, "ratio": round3(w / total)}))
            .collect()
    };
    let found = world.account(PLATFORM, account);
    respond(
        StatusCode::OK,
        &json!({
            "type": kind,
            "date": world.config.today.to_string(),
            "size": size,
            "size_is_upper_bound": true,
            "categories": categories,
            "demographics": {
                "ages": shares(&["18-24", "25-34", "35-44", "45-49", "50-54", "55-64", "65+"], 100),
                "genders": shares(&["Female", "Male", "Unspecified"], 200),
                "devices": shares(&["iPhone", "Android mobile", "Web"], 300),
                "countries": [{"key": found.country.to_lowercase(), "name": found.country, "ratio": 0.93}],
                "metros": [],
            },
        }),
    )
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// The account's audiences: a customer list, site visitors, engagers and an actalike (its
/// size still computing, so absent).
pub(super) fn audiences(world: &World, account: u32) -> Vec<Value> {
    let id = world.account_id(PLATFORM, account);
    let created = world
        .config
        .first_day()
        .and_hms_opt(8, 0, 0)
        .map(|t| t.and_utc().timestamp());
    [
        ("Newsletter subscribers", "CUSTOMER_LIST", Some(52_000)),
        ("Site visitors (30 days)", "VISITOR", Some(131_000)),
        ("Pin engagers", "ENGAGEMENT", Some(64_000)),
        ("Actalike: subscribers", "ACTALIKE", None),
    ]
    .iter()
    .enumerate()
    .map(|(k, (name, kind, size))| {
        json!({"id": (id % 1_000_000 * 10 + k as u64).to_string(), "ad_account_id": id.to_string(),
               "name": name, "audience_type": kind, "description": "", "size": size,
               "status": if size.is_some() { "READY" } else { "TOO_SMALL" }, "type": "audience",
               "created_timestamp": created, "updated_timestamp": created})
    })
    .collect()
}
