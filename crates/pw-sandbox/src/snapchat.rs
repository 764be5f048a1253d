//! Snapchat's Marketing API under `/snapchat/v1/…` and its token endpoint (accounts.snapchat.com)
//! under `/snapchat/login/oauth2/access_token`: the organizations of the member, their ad
//! accounts, campaigns, ad squads, ads and creatives (records as `<plural>[*].<singular>` with
//! `sub_request_status`, paged by a full `paging.next_link`), and stats per ad account (with
//! `breakdown=campaign|adsquad|ad`), campaign, ad squad or ad. Daily buckets start at midnight
//! in the account's zone, written with its offset (`2024-01-15T00:00:00.000-0800`); every day
//! of the range has its bucket, zero-filled when nothing was delivered. Spend and values are
//! micros. Errors are `{request_status: "ERROR", request_id, msg}`.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use crate::call::Call;
use crate::consent;
use crate::data::{Kind, World, snap_uuid};
use crate::metrics::{Cell, entity_day};
use crate::state::{Shared, TokenState};
use crate::wire::{cursor, decode_cursor, int_param, json as respond, percent_encode};
use crate::{FaultKind, Level, SandboxPlatform};

const PLATFORM: SandboxPlatform = SandboxPlatform::Snapchat;

/// The longest range of daily stats.
const MAX_DAYS: i64 = 32;

const OBJECTIVES: &[&str] = &[
    "WEB_CONVERSION",
    "DRIVE_REPLAY",
    "WEB_CONVERSION",
    "WEB_CONVERSION",
    "VIDEO_VIEW",
    "ENGAGEMENT",
    "AWARENESS",
    "DRIVE_REPLAY",
];

fn organization_id() -> String {
    snap_uuid(0x0900_0000_0000_0001)
}

fn failure(shared: &Shared, status: StatusCode, msg: &str) -> Response {
    respond(
        status,
        &json!({ "request_status": "ERROR", "request_id": request_id(shared), "msg": msg }),
    )
}

fn request_id(shared: &Shared) -> String {
    shared.mint("snaprequest")[..24].to_owned()
}

pub(crate) fn fault(kind: FaultKind, shared: &Shared) -> Response {
    match kind {
        FaultKind::RateLimit => {
            failure(shared, StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded")
        }
        FaultKind::ExpiredToken | FaultKind::RevokedToken => {
            failure(shared, StatusCode::UNAUTHORIZED, "Unauthorized")
        }
        FaultKind::ServerError | FaultKind::Timeout | FaultKind::Malformed => failure(
            shared,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
        ),
    }
}

pub(crate) fn handle(shared: &Shared, call: &Call) -> Response {
    let segments = call.segments("/snapchat");
    if call.method == Method::POST && segments == ["login", "oauth2", "access_token"] {
        return token(shared, call);
    }
    if call.method == Method::GET && segments == ["login", "oauth2", "authorize"] {
        // accounts.snapchat.com's authorisation page: `response_type=code` and the
        // `snapchat-marketing-api` scope are required.
        return consent::approve(
            shared,
            call,
            &consent::ConsentRules {
                platform: PLATFORM,
                id_name: "client_id",
                scope_required: true,
                response_type_required: true,
                code_names: &["code"],
                code_prefix: "",
            },
        );
    }
    if segments.first() != Some(&"v1") {
        return failure(shared, StatusCode::NOT_FOUND, "Not Found");
    }
    match call.bearer().map(|t| shared.token_state(PLATFORM, t)) {
        Some(TokenState::Valid) => {}
        _ => return failure(shared, StatusCode::UNAUTHORIZED, "Unauthorized"),
    }
    if call.method != Method::GET {
        return failure(shared, StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    }
    let world = shared.world();
    match &segments[1..] {
        ["me", "organizations"] => {
            let org = json!({ "id": organization_id(), "name": "Halcyon Roasters", "type": "ENTERPRISE",
                              "country": "US", "updated_at": "2026-01-05T09:12:00.000Z" });
            list(shared, call, "organizations", "organization", vec![org])
        }
        ["organizations", org, "adaccounts"] if *org == organization_id() => {
            let items = (0..world.account_count())
                .map(|a| account_json(&world, a))
                .collect();
            list(shared, call, "adaccounts", "adaccount", items)
        }
        ["adaccounts", id, "stats"] => match world.account_of(PLATFORM, id) {
            Some(account) => stats(shared, call, &world, account, Level::Account, 0),
            None => failure(shared, StatusCode::FORBIDDEN, "Forbidden"),
        },
        [
            "adaccounts",
            id,
            edge @ ("campaigns" | "adsquads" | "ads" | "creatives"),
        ] => {
            let Some(account) = world.account_of(PLATFORM, id) else {
                return failure(shared, StatusCode::FORBIDDEN, "Forbidden");
            };
            let (level, plural, singular) = match *edge {
                "campaigns" => (Level::Campaign, "campaigns", "campaign"),
                "adsquads" => (Level::AdGroup, "adsquads", "adsquad"),
                "ads" => (Level::Ad, "ads", "ad"),
                _ => (Level::Account, "creatives", "creative"),
            };
            let count = world.count(if level == Level::Account {
                Level::Ad
            } else {
                level
            });
            let items = (0..count)
                .map(|i| entity_json(&world, account, level, i))
                .collect();
            list(shared, call, plural, singular, items)
        }
        [edge @ ("campaigns" | "adsquads" | "ads"), id, "stats"] => {
            let (level, kind) = match *edge {
                "campaigns" => (Level::Campaign, Kind::Campaign),
                "adsquads" => (Level::AdGroup, Kind::AdGroup),
                _ => (Level::Ad, Kind::Ad),
            };
            match world.decode_id(PLATFORM, kind, id) {
                Some((account, index)) => stats(shared, call, &world, account, level, index),
                None => failure(shared, StatusCode::NOT_FOUND, "Not Found"),
            }
        }
        _ => failure(shared, StatusCode::NOT_FOUND, "Not Found"),
    }
}

/// `limit` (50 to 1000, then the sandbox's cap) and `cursor`; the next page as a full URL.
fn list(shared: &Shared, call: &Call, plural: &str, singular: &str, items: Vec<Value>) -> Response {
    let limit = int_param(call.param("limit"), 1000);
    if !(50..=1000).contains(&limit) {
        return failure(
            shared,
            StatusCode::BAD_REQUEST,
            "limit must be between 50 and 1000",
        );
    }
    let size = limit.min(shared.config.page_size_cap.map_or(u64::MAX, u64::from));
    let start = match call.param("cursor") {
        None => 0,
        Some(text) => match decode_cursor(text) {
            Some(position) => position,
            None => return failure(shared, StatusCode::BAD_REQUEST, "Invalid cursor"),
        },
    };
    let end = (start + size).min(items.len() as u64);
    let records: Vec<Value> = items
        .get(start as usize..end as usize)
        .unwrap_or_default()
        .iter()
        .map(|item| json!({ "sub_request_status": "SUCCESS", singular: item }))
        .collect();
    let mut paging = Map::new();
    if end < items.len() as u64 {
        paging.insert(
            "next_link".into(),
            json!(format!(
                "{}{}?cursor={}&limit={limit}",
                call.origin(),
                call.path,
                percent_encode(&cursor(end))
            )),
        );
    }
    respond(
        StatusCode::OK,
        &json!({ "request_status": "SUCCESS", "request_id": request_id(shared), "paging": paging, plural: records }),
    )
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn account_json(world: &World, index: u32) -> Value {
    let account = world.account(PLATFORM, index);
    let created = world
        .config
        .first_day()
        .and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default())
        .and_utc();
    json!({
        "id": snap_uuid(account.id),
        "name": account.name,
        "type": "PARTNER",
        "status": "ACTIVE",
        "organization_id": organization_id(),
        "currency": account.currency,
        "timezone": account.time_zone,
        "advertiser": "Halcyon Roasters",
        "created_at": time(created),
        "updated_at": time(created),
    })
}

fn entity_json(world: &World, account: u32, level: Level, index: u64) -> Value {
    let id = |kind, i| snap_uuid(world.entity_id(PLATFORM, kind, account, i));
    let found = world.account(PLATFORM, account);
    match level {
        Level::Campaign => {
            let campaign = world.campaign(PLATFORM, account, index);
            json!({
                "id": id(Kind::Campaign, index),
                "updated_at": time(campaign.updated),
                "created_at": time(campaign.created),
                "name": campaign.name,
                "ad_account_id": snap_uuid(found.id),
                "status": if campaign.paused { "PAUSED" } else { "ACTIVE" },
                "objective": OBJECTIVES[index as usize % OBJECTIVES.len()],
                "start_time": time(campaign.created),
                "daily_budget_micro": campaign.daily_budget_cents * 10_000,
                "lifetime_spend_cap_micro": 0,
                "buy_model": "AUCTION",
            })
        }
        Level::AdGroup => {
            let squad = world.ad_group(PLATFORM, account, index);
            json!({
                "id": id(Kind::AdGroup, index),
                "updated_at": time(squad.updated),
                "created_at": time(squad.created),
                "name": squad.name,
                "status": "ACTIVE",
                "campaign_id": id(Kind::Campaign, squad.campaign),
                "type": "SNAP_ADS",
                "targeting": {
                    "regulated_content": false,
                    "demographics": [{ "min_age": squad.audience.age_min.to_string(), "max_age": squad.audience.age_max.to_string() }],
                    "geos": [{ "country_code": found.country.to_lowercase() }],
                    "interests": [{ "category_id": squad.audience.interests.iter().map(|i| format!("SLC_{}", 100 + i)).collect::<Vec<_>>() }],
                },
                "placement_v2": { "config": "AUTOMATIC" },
                "billing_event": "IMPRESSION",
                "daily_budget_micro": squad.daily_budget_cents * 10_000,
                "optimization_goal": "PIXEL_PURCHASE",
                "delivery_status": ["VALID"],
            })
        }
        Level::Ad => {
            let ad = world.ad(PLATFORM, account, index);
            json!({
                "id": id(Kind::Ad, index),
                "updated_at": time(ad.updated),
                "created_at": time(ad.created),
                "name": ad.name,
                "ad_squad_id": id(Kind::AdGroup, ad.ad_group),
                "creative_id": id(Kind::Creative, index),
                "status": "ACTIVE",
                "type": "REMOTE_WEBPAGE",
                "review_status": "APPROVED",
            })
        }
        // Creatives, one per ad.
        Level::Account => {
            let ad = world.ad(PLATFORM, account, index);
            json!({
                "id": id(Kind::Creative, index),
                "updated_at": time(ad.updated),
                "created_at": time(ad.created),
                "name": format!("{} creative", ad.name),
                "ad_account_id": snap_uuid(found.id),
                "type": "WEB_VIEW",
                "packaging_status": "SUCCESS",
                "review_status": "APPROVED",
                "shareable": true,
                "headline": ad.headline,
                "brand_name": "Halcyon Roasters",
                "call_to_action": ad.call_to_action,
                "top_snap_media_id": id(Kind::Budget, index),
                "web_view_properties": { "url": ad.landing_url },
            })
        }
    }
}

fn parse_instant(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
}

/// Midnight of a day in the account's zone, written as Snapchat does.
fn midnight(zone: Tz, day: NaiveDate) -> String {
    let local = day.and_time(NaiveTime::MIN);
    match zone.from_local_datetime(&local).earliest() {
        Some(at) => at.format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string(),
        None => format!("{day}T00:00:00.000Z"),
    }
}

fn stat_value(name: &str, cell: &Cell) -> Option<Value> {
    Some(match name {
        "impressions" => json!(cell.impressions),
        "swipes" => json!(cell.clicks),
        "spend" => json!(cell.spend_micros),
        "conversion_purchases" => json!(cell.conversions_x4 / 4),
        "conversion_purchases_value" => json!(cell.value_micros),
        _ => return None,
    })
}

/// `…/stats?granularity=DAY&start_time=…&end_time=…&fields=…[&breakdown=…]`.
fn stats(
    shared: &Shared,
    call: &Call,
    world: &World,
    account: u32,
    level: Level,
    index: u64,
) -> Response {
    if call.param("granularity").map(String::as_str) != Some("DAY") {
        return failure(
            shared,
            StatusCode::BAD_REQUEST,
            "This sandbox serves granularity=DAY",
        );
    }
    let zone: Tz = world
        .account(PLATFORM, account)
        .time_zone
        .parse()
        .unwrap_or(Tz::UTC);
    let local_day = |name: &str| {
        let at = parse_instant(call.param(name)?)?.with_timezone(&zone);
        (at.time() == NaiveTime::MIN).then(|| at.date_naive())
    };
    let (Some(from), Some(end)) = (local_day("start_time"), local_day("end_time")) else {
        return failure(
            shared,
            StatusCode::BAD_REQUEST,
            "start_time and end_time must be midnights in the ad account's time zone",
        );
    };
    if end <= from || (end - from).num_days() > MAX_DAYS {
        return failure(
            shared,
            StatusCode::BAD_REQUEST,
            "The time range for DAY granularity must be 1 to 32 days",
        );
    }
    let fields: Vec<String> = call
        .param("fields")
        .map_or_else(|| "impressions,swipes,spend".to_owned(), String::clone)
        .split(',')
        .map(str::to_owned)
        .collect();
    let probe = Cell::default();
    if let Some(unknown) = fields.iter().find(|f| stat_value(f, &probe).is_none()) {
        return failure(
            shared,
            StatusCode::BAD_REQUEST,
            &format!("Invalid field: {unknown}"),
        );
    }
    let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d < end).collect();
    let series = |level: Level, entity: u64| -> Vec<Value> {
        days.iter()
            .map(|day| {
                let cell = entity_day(world, PLATFORM, account, level, entity, *day);
                let stats: Map<String, Value> = fields
                    .iter()
                    .filter_map(|f| stat_value(f, &cell).map(|v| (f.clone(), v)))
                    .collect();
                json!({ "start_time": midnight(zone, *day), "end_time": midnight(zone, *day + Duration::days(1)), "stats": stats })
            })
            .collect()
    };
    let (kind, type_name) = match level {
        Level::Account => (None, "AD_ACCOUNT"),
        Level::Campaign => (Some(Kind::Campaign), "CAMPAIGN"),
        Level::AdGroup => (Some(Kind::AdGroup), "AD_SQUAD"),
        Level::Ad => (Some(Kind::Ad), "AD"),
    };
    let id = match kind {
        None => snap_uuid(world.account_id(PLATFORM, account)),
        Some(kind) => snap_uuid(world.entity_id(PLATFORM, kind, account, index)),
    };
    let mut stat = json!({
        "id": id, "type": type_name, "granularity": "DAY",
        "start_time": midnight(zone, from), "end_time": midnight(zone, end),
        "finalized_data_end_time": midnight(zone, world.config.today - Duration::days(1)),
    });
    match call.param("breakdown").map(String::as_str) {
        None => stat["timeseries"] = json!(series(level, index)),
        Some(breakdown) if level == Level::Account => {
            let (child, child_kind, child_type) = match breakdown {
                "campaign" => (Level::Campaign, Kind::Campaign, "CAMPAIGN"),
                "adsquad" => (Level::AdGroup, Kind::AdGroup, "AD_SQUAD"),
                "ad" => (Level::Ad, Kind::Ad, "AD"),
                _ => {
                    return failure(
                        shared,
                        StatusCode::BAD_REQUEST,
                        "breakdown must be campaign, adsquad or ad",
                    );
                }
            };
            let entries: Vec<Value> = (0..world.count(child))
                .map(|entity| {
                    json!({
                        "id": snap_uuid(world.entity_id(PLATFORM, child_kind, account, entity)),
                        "type": child_type, "granularity": "DAY",
                        "start_time": midnight(zone, from), "end_time": midnight(zone, end),
                        "timeseries": series(child, entity),
                    })
                })
                .collect();
            stat["breakdown_stats"] = json!({ breakdown: entries });
        }
        Some(_) => {
            return failure(
                shared,
                StatusCode::BAD_REQUEST,
                "This sandbox breaks down ad account stats only",
            );
        }
    }
    respond(
        StatusCode::OK,
        &json!({ "request_status": "SUCCESS", "request_id": request_id(shared),
                 "timeseries_stats": [{ "sub_request_status": "SUCCESS", "timeseries_stat": stat }] }),
    )
}

/// The app's id and secret in the form: the authorization-code grant (a single-use code bound
/// to the app and the redirect) and the refresh-token grant; access tokens last 30 minutes,
/// the refresh token is handed back (unchanged here).
fn token(shared: &Shared, call: &Call) -> Response {
    let oauth_error = |status: StatusCode, error: &str| respond(status, &json!({ "error": error }));
    if call.param("client_id").is_none() || call.param("client_secret").is_none() {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if call.param("grant_type").map(String::as_str) == Some("authorization_code") {
        if call.param("client_secret").map(String::as_str) != Some(consent::APP_SECRET) {
            return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
        }
        let code = call.param("code").cloned().unwrap_or_default();
        let usable = consent::take(shared, PLATFORM, &code).is_some_and(|grant| {
            call.param("client_id") == Some(&grant.client_id)
                && call.param("redirect_uri") == Some(&grant.redirect_uri)
        });
        if !usable {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
        }
        return respond(
            StatusCode::OK,
            &json!({
                "access_token": shared.issue_token(PLATFORM),
                "token_type": "Bearer",
                "expires_in": 1800,
                "refresh_token": shared.mint_refresh(PLATFORM),
                "scope": "snapchat-marketing-api",
            }),
        );
    }
    if call.param("grant_type").map(String::as_str) != Some("refresh_token") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let Some(refresh) = call
        .param("refresh_token")
        .and_then(|r| shared.use_refresh(PLATFORM, r, false))
    else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    respond(
        StatusCode::OK,
        &json!({
            "access_token": shared.issue_token(PLATFORM),
            "token_type": "Bearer",
            "expires_in": 1800,
            "refresh_token": refresh,
            "scope": "snapchat-marketing-api",
        }),
    )
}
