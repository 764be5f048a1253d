//! TikTok's Marketing API v1.3 under `/tiktok/open_api/v1.3/…/` (trailing slash required):
//! advertisers, campaigns, ad groups, ads and the synchronous integrated report, in the
//! `{code, message, request_id, data}` envelope with HTTP 200 for almost every failure; the
//! advertiser's custom audiences (`dmp/custom_audience/list/`).

use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};

use crate::call::Call;
use crate::consent;
use crate::data::{AUDIENCES, INTERESTS, Kind, World, hash, tiktok_time, unit};
use crate::report::{Grid, Periods, periods};
use crate::state::{Shared, TokenState};
use crate::wire::{int_param, json as respond, major};
use crate::{FaultKind, Level, SandboxPlatform};

const PLATFORM: SandboxPlatform = SandboxPlatform::Tiktok;

const OBJECTIVES: &[&str] = &[
    "WEB_CONVERSIONS",
    "TRAFFIC",
    "WEB_CONVERSIONS",
    "WEB_CONVERSIONS",
    "VIDEO_VIEWS",
    "WEB_CONVERSIONS",
    "REACH",
    "TRAFFIC",
];

/// TikTok's longest daily report span.
const MAX_REPORT_DAYS: i64 = 30;

fn request_id(shared: &Shared) -> String {
    format!(
        "{}{}",
        Utc::now().format("%Y%m%d%H%M%S"),
        shared.mint("request")[..12].to_uppercase()
    )
}

fn envelope(shared: &Shared, code: u32, message: &str, data: Value) -> Response {
    respond(
        StatusCode::OK,
        &json!({ "code": code, "message": message, "request_id": request_id(shared), "data": data }),
    )
}

fn failure(shared: &Shared, code: u32, message: &str) -> Response {
    envelope(shared, code, message, json!({}))
}

const REVOKED: &str = "Access token is incorrect or has been revoked.";

pub(crate) fn fault(kind: FaultKind, shared: &Shared) -> Response {
    match kind {
        FaultKind::RateLimit => failure(shared, 40100, "Requests made too frequently."),
        FaultKind::ExpiredToken => failure(shared, 40102, "Access token has expired."),
        FaultKind::RevokedToken => failure(shared, 40105, REVOKED),
        FaultKind::ServerError | FaultKind::Timeout | FaultKind::Malformed => failure(
            shared,
            50002,
            "Internal service error. Please try again later.",
        ),
    }
}

pub(crate) fn handle(shared: &Shared, call: &Call) -> Response {
    let segments = call.segments("/tiktok");
    let not_found = || {
        respond(
            StatusCode::NOT_FOUND,
            &json!({ "code": 40400, "message": "Not Found", "request_id": "", "data": {} }),
        )
    };
    if call.method == Method::GET && segments == ["portal", "auth"] {
        // The advertiser authorisation page: the app's `app_id`, no scope (the app's
        // permissions are set in its settings), and the code sent back twice, as `auth_code`
        // and as `code`.
        return consent::approve(
            shared,
            call,
            &consent::ConsentRules {
                platform: PLATFORM,
                id_name: "app_id",
                scope_required: false,
                response_type_required: false,
                code_names: &["auth_code", "code"],
                code_prefix: "",
            },
        );
    }
    // TikTok routes only the exact path with its trailing slash.
    if segments.len() < 3 || segments[..2] != ["open_api", "v1.3"] || !call.path.ends_with('/') {
        return not_found();
    }
    let endpoint = segments[2..].join("/");
    if call.method == Method::POST && endpoint == "oauth2/access_token" {
        return access_token(shared, call);
    }
    match call
        .header("access-token")
        .map(|token| shared.token_state(PLATFORM, token))
    {
        None => {
            return failure(
                shared,
                40104,
                "Access token is null, you should set it in http header with key Access-Token.",
            );
        }
        Some(TokenState::Valid) => {}
        Some(_) => return failure(shared, 40105, REVOKED),
    }
    if call.method != Method::GET {
        return not_found();
    }
    let world = shared.world();
    match endpoint.as_str() {
        "oauth2/advertiser/get" => advertisers(shared, call, &world),
        "advertiser/info" => advertiser_info(shared, call, &world),
        "campaign/get" | "adgroup/get" | "ad/get" => entities(shared, call, &world, &endpoint),
        "report/integrated/get" => report(shared, call, &world),
        "dmp/custom_audience/list" => custom_audiences(shared, call, &world),
        _ => not_found(),
    }
}

/// `POST /oauth2/access_token/`, JSON `{app_id, secret, auth_code}`: a single-use code for a
/// Marketing API token that does not expire, and the advertisers it reaches.
fn access_token(shared: &Shared, call: &Call) -> Response {
    let body: Value = serde_json::from_slice(&call.body).unwrap_or(Value::Null);
    for name in ["app_id", "secret", "auth_code"] {
        if body[name].as_str().is_none_or(str::is_empty) {
            return failure(
                shared,
                40002,
                &format!("{name}: Missing data for required field."),
            );
        }
    }
    if body["secret"].as_str() != Some(consent::APP_SECRET) {
        return failure(shared, 40001, "The app secret is invalid.");
    }
    let code = body["auth_code"].as_str().unwrap_or_default();
    match consent::take(shared, PLATFORM, code) {
        Some(grant) if body["app_id"].as_str() == Some(grant.client_id.as_str()) => {}
        Some(_) => return failure(shared, 40001, "The auth_code was issued to another app."),
        None => {
            return failure(
                shared,
                40101,
                "Authorization code is expired or has been used.",
            );
        }
    }
    let world = shared.world();
    let ids: Vec<String> = (0..world.account_count())
        .map(|a| world.account_id(PLATFORM, a).to_string())
        .collect();
    let token = shared.issue_token(PLATFORM);
    envelope(
        shared,
        0,
        "OK",
        json!({ "access_token": token, "advertiser_ids": ids, "scope": [4, 5, 6] }),
    )
}

fn advertisers(shared: &Shared, call: &Call, world: &World) -> Response {
    if call.param("app_id").is_none() || call.param("secret").is_none() {
        return failure(
            shared,
            40002,
            "app_id, secret: Missing data for required field.",
        );
    }
    let list: Vec<Value> = (0..world.account_count())
        .map(|a| {
            let account = world.account(PLATFORM, a);
            json!({ "advertiser_id": account.id.to_string(), "advertiser_name": account.name })
        })
        .collect();
    envelope(shared, 0, "OK", json!({ "list": list }))
}

/// A JSON list parameter (`["a","b"]`), numbers or strings.
fn id_list(text: Option<&String>) -> Option<Vec<String>> {
    let parsed: Value = serde_json::from_str(text?).ok()?;
    Some(
        parsed
            .as_array()?
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect(),
    )
}

fn advertiser_info(shared: &Shared, call: &Call, world: &World) -> Response {
    let Some(ids) = id_list(call.param("advertiser_ids")) else {
        return failure(
            shared,
            40002,
            "advertiser_ids: Missing data for required field.",
        );
    };
    let mut list = Vec::new();
    for id in ids {
        let Some(index) = world.account_of(PLATFORM, &id) else {
            return failure(
                shared,
                40001,
                &format!("No permission to operate advertiser {id}."),
            );
        };
        let account = world.account(PLATFORM, index);
        list.push(json!({
            "advertiser_id": account.id.to_string(),
            "name": account.name,
            "currency": account.currency,
            "timezone": account.tiktok_zone,
            "display_timezone": account.time_zone,
            "status": "STATUS_ENABLE",
            "country": account.country,
            "company": "Halcyon Roasters Ltd",
            "create_time": world.config.first_day().and_hms_opt(8, 0, 0).map(|t| t.and_utc().timestamp()),
        }));
    }
    envelope(shared, 0, "OK", json!({ "list": list }))
}

fn advertiser(shared: &Shared, call: &Call, world: &World) -> Result<u32, Box<Response>> {
    let Some(id) = call.param("advertiser_id") else {
        return Err(Box::new(failure(
            shared,
            40002,
            "advertiser_id: Missing data for required field.",
        )));
    };
    world.account_of(PLATFORM, id).ok_or_else(|| {
        Box::new(failure(
            shared,
            40001,
            &format!("No permission to operate advertiser {id}."),
        ))
    })
}

/// `page` and `page_size` (default 10, at most 1000), then the sandbox's cap.
fn paging(shared: &Shared, call: &Call) -> Result<(u64, u64), Box<Response>> {
    let page = int_param(call.param("page"), 1).max(1);
    let size = int_param(call.param("page_size"), 10);
    if !(1..=1000).contains(&size) {
        return Err(Box::new(failure(
            shared,
            40002,
            "page_size: Must be between 1 and 1000.",
        )));
    }
    let cap = shared.config.page_size_cap.map_or(u64::MAX, u64::from);
    Ok((page, size.min(cap)))
}

fn page_info(page: u64, size: u64, total: u64) -> Value {
    json!({ "page": page, "page_size": size, "total_number": total, "total_page": total.div_ceil(size) })
}

fn age_groups(min: u32, max: u32) -> Vec<&'static str> {
    [
        (13, 17, "AGE_13_17"),
        (18, 24, "AGE_18_24"),
        (25, 34, "AGE_25_34"),
        (35, 44, "AGE_35_44"),
        (45, 54, "AGE_45_54"),
        (55, 100, "AGE_55_100"),
    ]
    .iter()
    .filter(|(low, high, _)| *high >= min && *low <= max)
    .map(|(_, _, name)| *name)
    .collect()
}

fn location(country: &str) -> &'static str {
    match country {
        "US" => "6252001",
        "DE" => "2921044",
        "GB" => "2635167",
        _ => "6251999",
    }
}

fn entity_json(world: &World, account: u32, endpoint: &str, index: u64) -> Value {
    let found = world.account(PLATFORM, account);
    let id = |kind, i| world.entity_id(PLATFORM, kind, account, i).to_string();
    match endpoint {
        "campaign/get" => {
            let campaign = world.campaign(PLATFORM, account, index);
            json!({
                "advertiser_id": found.id.to_string(),
                "campaign_id": id(Kind::Campaign, index),
                "campaign_name": campaign.name,
                "campaign_type": "REGULAR_CAMPAIGN",
                "objective_type": OBJECTIVES[index as usize % OBJECTIVES.len()],
                "budget_mode": "BUDGET_MODE_DAY",
                "budget": campaign.daily_budget_cents as f64 / 100.0,
                "operation_status": if campaign.paused { "DISABLE" } else { "ENABLE" },
                "secondary_status": if campaign.paused { "CAMPAIGN_STATUS_DISABLE" } else { "CAMPAIGN_STATUS_ENABLE" },
                "create_time": tiktok_time(campaign.created),
                "modify_time": tiktok_time(campaign.updated),
            })
        }
        "adgroup/get" => {
            let group = world.ad_group(PLATFORM, account, index);
            let paused = world.campaign(PLATFORM, account, group.campaign).paused;
            let interests: Vec<&str> = group
                .audience
                .interests
                .iter()
                .map(|i| INTERESTS[*i].tiktok_category)
                .collect();
            json!({
                "advertiser_id": found.id.to_string(),
                "campaign_id": id(Kind::Campaign, group.campaign),
                "adgroup_id": id(Kind::AdGroup, index),
                "adgroup_name": group.name,
                "budget_mode": "BUDGET_MODE_DAY",
                "budget": group.daily_budget_cents as f64 / 100.0,
                "age_groups": age_groups(group.audience.age_min, group.audience.age_max),
                "gender": "GENDER_UNLIMITED",
                "location_ids": [location(found.country)],
                "interest_category_ids": interests,
                "placement_type": "PLACEMENT_TYPE_NORMAL",
                "placements": ["PLACEMENT_TIKTOK"],
                "optimization_goal": "CONVERT",
                "billing_event": "OCPM",
                "operation_status": "ENABLE",
                "secondary_status": if paused { "ADGROUP_STATUS_CAMPAIGN_DISABLE" } else { "ADGROUP_STATUS_DELIVERY_OK" },
                "create_time": tiktok_time(group.created),
                "modify_time": tiktok_time(group.updated),
            })
        }
        _ => {
            let ad = world.ad(PLATFORM, account, index);
            let paused = world.campaign(PLATFORM, account, ad.campaign).paused;
            json!({
                "advertiser_id": found.id.to_string(),
                "campaign_id": id(Kind::Campaign, ad.campaign),
                "adgroup_id": id(Kind::AdGroup, ad.ad_group),
                "ad_id": id(Kind::Ad, index),
                "ad_name": ad.name,
                "ad_text": ad.body,
                "ad_format": "SINGLE_VIDEO",
                "display_name": "Halcyon Roasters",
                "call_to_action": ad.call_to_action,
                "landing_page_url": ad.landing_url,
                "operation_status": "ENABLE",
                "secondary_status": if paused { "AD_STATUS_CAMPAIGN_DISABLE" } else { "AD_STATUS_DELIVERY_OK" },
                "create_time": tiktok_time(ad.created),
                "modify_time": tiktok_time(ad.updated),
            })
        }
    }
}

/// The advertiser's custom audiences, as Airbyte's `audiences` stream reads them: one per
/// sandbox audience plus a lookalike of the first, and one still being computed (no
/// `cover_num` yet).
fn custom_audiences(shared: &Shared, call: &Call, world: &World) -> Response {
    let account = match advertiser(shared, call, world) {
        Ok(account) => account,
        Err(response) => return *response,
    };
    let (page, size) = match paging(shared, call) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let advertiser_id = world.account_id(PLATFORM, account);
    let created = tiktok_time(
        world
            .config
            .first_day()
            .and_time(chrono::NaiveTime::MIN)
            .and_utc(),
    );
    let audience = |n: u64, name: String, kind: &str, cover: Option<u64>| {
        let mut item = json!({
            "audience_id": (advertiser_id % 1_000_000 * 100 + n).to_string(),
            "name": name,
            "audience_type": kind,
            "is_valid": cover.is_some(),
            "is_expiring": false,
            "is_creator": true,
            "shared": false,
            "create_time": created,
        });
        if let Some(cover) = cover {
            item["cover_num"] = json!(cover);
        }
        item
    };
    let scale = 1.0 + unit(hash(&[advertiser_id, 11]));
    let mut all: Vec<Value> = AUDIENCES
        .iter()
        .enumerate()
        .map(|(n, a)| {
            let cover = (40_000.0 * scale * (n as f64 + 1.0)).round() as u64;
            audience(
                n as u64,
                format!("{} (engaged viewers)", a.name),
                "Engagement",
                Some(cover),
            )
        })
        .collect();
    all.push(audience(
        90,
        format!("Lookalike: {}", AUDIENCES[0].name),
        "Lookalike Audience",
        Some((2_400_000.0 * scale).round() as u64),
    ));
    all.push(audience(
        91,
        "Newsletter upload (processing)".into(),
        "Customer File",
        None,
    ));
    let total = all.len() as u64;
    let list: Vec<Value> = all
        .into_iter()
        .skip(((page - 1) * size) as usize)
        .take(size as usize)
        .collect();
    envelope(
        shared,
        0,
        "OK",
        json!({ "list": list, "page_info": page_info(page, size, total) }),
    )
}

fn entities(shared: &Shared, call: &Call, world: &World, endpoint: &str) -> Response {
    let account = match advertiser(shared, call, world) {
        Ok(account) => account,
        Err(response) => return *response,
    };
    let (page, size) = match paging(shared, call) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let level = match endpoint {
        "campaign/get" => Level::Campaign,
        "adgroup/get" => Level::AdGroup,
        _ => Level::Ad,
    };
    let filtering: Value = call
        .param("filtering")
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null);
    let wanted = |key: &str| -> Option<Vec<String>> {
        filtering[key].as_array().map(|list| {
            list.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect()
        })
    };
    let filters: Vec<(&str, Vec<String>)> = ["campaign_ids", "adgroup_ids", "ad_ids"]
        .iter()
        .filter_map(|key| wanted(key).map(|ids| (&key[..key.len() - 4], ids)))
        .collect();
    let fields = id_list(call.param("fields"));
    let all: Vec<Value> = (0..world.count(level))
        .map(|index| entity_json(world, account, endpoint, index))
        .filter(|item| {
            filters.iter().all(|(key, ids)| {
                let field = format!("{key}_id");
                item[&field]
                    .as_str()
                    .is_none_or(|id| ids.iter().any(|w| w == id))
            })
        })
        .collect();
    let total = all.len() as u64;
    let list: Vec<Value> = all
        .into_iter()
        .skip(((page - 1) * size) as usize)
        .take(size as usize)
        .map(|item| match (&fields, item) {
            (Some(fields), Value::Object(map)) => Value::Object(
                map.into_iter()
                    .filter(|(k, _)| fields.contains(k))
                    .collect(),
            ),
            (_, item) => item,
        })
        .collect();
    envelope(
        shared,
        0,
        "OK",
        json!({ "list": list, "page_info": page_info(page, size, total) }),
    )
}

fn report(shared: &Shared, call: &Call, world: &World) -> Response {
    let account = match advertiser(shared, call, world) {
        Ok(account) => account,
        Err(response) => return *response,
    };
    if call.param("report_type").map(String::as_str) != Some("BASIC") {
        return failure(shared, 40002, "report_type: Only BASIC is available here.");
    }
    let (level, id_key) = match call.param("data_level").map(String::as_str) {
        Some("AUCTION_ADVERTISER") => (Level::Account, "advertiser_id"),
        Some("AUCTION_CAMPAIGN") => (Level::Campaign, "campaign_id"),
        Some("AUCTION_ADGROUP") => (Level::AdGroup, "adgroup_id"),
        Some("AUCTION_AD") => (Level::Ad, "ad_id"),
        _ => {
            return failure(
                shared,
                40002,
                "data_level: Must be one of AUCTION_ADVERTISER, AUCTION_CAMPAIGN, AUCTION_ADGROUP, AUCTION_AD.",
            );
        }
    };
    let Some(dimensions) = id_list(call.param("dimensions")) else {
        return failure(
            shared,
            40002,
            "dimensions: Missing data for required field.",
        );
    };
    if !dimensions.iter().any(|d| d == id_key)
        || dimensions
            .iter()
            .any(|d| d != id_key && d != "stat_time_day")
    {
        return failure(
            shared,
            40002,
            &format!(
                "dimensions: For {} use [\"{id_key}\"] or [\"{id_key}\", \"stat_time_day\"].",
                call.param("data_level").map_or("", String::as_str)
            ),
        );
    }
    let daily = dimensions.iter().any(|d| d == "stat_time_day");
    let date = |name: &str| {
        call.param(name)
            .and_then(|text| text.parse::<NaiveDate>().ok())
    };
    let (Some(start), Some(end)) = (date("start_date"), date("end_date")) else {
        return failure(
            shared,
            40002,
            "start_date, end_date: Missing data for required field (YYYY-MM-DD).",
        );
    };
    if end < start {
        return failure(
            shared,
            40002,
            "end_date must not be earlier than start_date.",
        );
    }
    if (end - start).num_days() + 1 > MAX_REPORT_DAYS {
        return failure(
            shared,
            40002,
            "The time span between start_date and end_date cannot exceed 30 days.",
        );
    }
    let (page, size) = match paging(shared, call) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let metrics = id_list(call.param("metrics"))
        .unwrap_or_else(|| vec!["spend".into(), "impressions".into(), "clicks".into()]);
    let filtering: Vec<Value> = call
        .param("filtering")
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let mut entities: Vec<u64> = (0..world.count(level)).collect();
    for filter in &filtering {
        let kind = match filter["field_name"].as_str() {
            Some("campaign_ids") => Kind::Campaign,
            Some("adgroup_ids") => Kind::AdGroup,
            Some("ad_ids") => Kind::Ad,
            _ => continue,
        };
        let raw = &filter["filter_value"];
        let ids: Vec<String> = match raw.as_str() {
            Some(text) => id_list(Some(&text.to_owned())).unwrap_or_default(),
            None => raw
                .as_array()
                .map(|l| {
                    l.iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        };
        let allowed: Vec<u64> = ids
            .iter()
            .filter_map(|id| world.decode_id(PLATFORM, kind, id))
            .filter(|(a, _)| *a == account)
            .map(|(_, i)| i)
            .collect();
        entities.retain(|entity| allowed.contains(&ancestor(world, level, *entity, kind)));
    }
    let grid = Grid {
        world,
        platform: PLATFORM,
        account,
        level,
        periods: periods(
            world,
            start,
            end,
            if daily {
                Periods::Days(1)
            } else {
                Periods::Total
            },
        ),
        entities,
    };
    let total = grid.count();
    let first = grid.position_of((page - 1) * size);
    let (rows, _) = grid.page(first, size as usize);
    let found = world.account(PLATFORM, account);
    let list: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut dims = json!({});
            dims[id_key] = json!(match level {
                Level::Account => found.id.to_string(),
                Level::Campaign => world
                    .entity_id(PLATFORM, Kind::Campaign, account, row.entity)
                    .to_string(),
                Level::AdGroup => world
                    .entity_id(PLATFORM, Kind::AdGroup, account, row.entity)
                    .to_string(),
                Level::Ad => world
                    .entity_id(PLATFORM, Kind::Ad, account, row.entity)
                    .to_string(),
            });
            if daily {
                dims["stat_time_day"] = json!(format!("{} 00:00:00", row.period.0));
            }
            let cell = &row.cell;
            let ratio = |num: f64, den: f64| {
                if den > 0.0 {
                    format!("{:.2}", num / den)
                } else {
                    "0.00".to_owned()
                }
            };
            let mut values = json!({});
            for metric in &metrics {
                let value = match metric.as_str() {
                    "spend" => json!(major(cell.spend_micros)),
                    "impressions" => json!(cell.impressions.to_string()),
                    "clicks" => json!(cell.clicks.to_string()),
                    "conversion" => json!((cell.conversions_x4 / 4).to_string()),
                    "reach" => json!(cell.reach.to_string()),
                    "ctr" => json!(ratio(cell.clicks as f64 * 100.0, cell.impressions as f64)),
                    "cpc" => json!(ratio(cell.spend_micros as f64 / 1e6, cell.clicks as f64)),
                    "cpm" => json!(ratio(
                        cell.spend_micros as f64 / 1e3,
                        cell.impressions as f64
                    )),
                    "cost_per_conversion" => json!(ratio(
                        cell.spend_micros as f64 / 1e6,
                        (cell.conversions_x4 / 4) as f64
                    )),
                    "conversion_rate" => {
                        json!(ratio(cell.conversions_x4 as f64 * 25.0, cell.clicks as f64))
                    }
                    "total_purchase_value" | "total_complete_payment_rate" => {
                        json!(major(cell.value_micros))
                    }
                    "currency" => json!(found.currency),
                    "advertiser_name" => json!(found.name),
                    "campaign_name" | "campaign_id" | "adgroup_name" | "adgroup_id" | "ad_name"
                    | "ad_text" => match attribute(world, account, level, row.entity, metric) {
                        Some(value) => json!(value),
                        None => continue,
                    },
                    // Metrics the sandbox does not model are left out, as TikTok leaves out
                    // attribute metrics that do not apply to the level.
                    _ => continue,
                };
                values[metric.as_str()] = value;
            }
            json!({ "dimensions": dims, "metrics": values })
        })
        .collect();
    envelope(
        shared,
        0,
        "OK",
        json!({ "list": list, "page_info": page_info(page, size, total) }),
    )
}

/// The index of the `kind` entity an entity of `level` belongs to (itself when the same).
fn ancestor(world: &World, level: Level, entity: u64, kind: Kind) -> u64 {
    let ads = world.ads_per(level);
    let first_ad = entity * ads;
    match kind {
        Kind::Campaign => first_ad / world.ads_per(Level::Campaign).max(1),
        Kind::AdGroup => first_ad / world.ads_per(Level::AdGroup).max(1),
        _ => first_ad,
    }
}

fn attribute(
    world: &World,
    account: u32,
    level: Level,
    entity: u64,
    metric: &str,
) -> Option<String> {
    let rank = |l: Level| match l {
        Level::Account => 0,
        Level::Campaign => 1,
        Level::AdGroup => 2,
        Level::Ad => 3,
    };
    let (needs, kind) = match metric {
        "campaign_name" | "campaign_id" => (Level::Campaign, Kind::Campaign),
        "adgroup_name" | "adgroup_id" => (Level::AdGroup, Kind::AdGroup),
        _ => (Level::Ad, Kind::Ad),
    };
    if rank(level) < rank(needs) {
        return None;
    }
    let index = ancestor(world, level, entity, kind);
    Some(match metric {
        "campaign_name" => world.campaign(PLATFORM, account, index).name,
        "adgroup_name" => world.ad_group(PLATFORM, account, index).name,
        "ad_name" => world.ad(PLATFORM, account, index).name,
        "ad_text" => world.ad(PLATFORM, account, index).body.to_owned(),
        _ => world.entity_id(PLATFORM, kind, account, index).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_ranges_map_to_tiktok_buckets() {
        assert_eq!(age_groups(25, 44), ["AGE_25_34", "AGE_35_44"]);
        assert_eq!(
            age_groups(30, 65),
            ["AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_100"]
        );
    }
}
