//! Pinterest's Ads API v5 under `/pinterest/v5/…`: ad accounts, campaigns, ad groups and ads
//! paged by `bookmark` with records in `items`, synchronous analytics (a bare JSON array, at
//! most 90 days back), asynchronous reports (created, polled, downloaded from a URL on this
//! sandbox as a JSON object keyed by entity id), and the token endpoint with HTTP Basic client
//! authentication and continuous refresh-token rotation. Errors are `{code, message}`; a rate
//! limit is a 429 with `X-RateLimit-Reset` in seconds. Audience insights and audiences in
//! [`audiences`].

use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use chrono::{Duration, NaiveDate};
use serde_json::{Map, Value, json};

use crate::call::Call;
use crate::consent;
use crate::data::{Kind, World};
use crate::report::{Grid, Periods, periods};
use crate::state::{PinReport, Shared, TokenState};
use crate::wire::{base64url_decode, cursor, decode_cursor, int_param, json as respond};
use crate::{FaultKind, Level, SandboxPlatform};

const PLATFORM: SandboxPlatform = SandboxPlatform::Pinterest;

mod audiences;

use audiences::{audience_insights, audiences};

/// How far back synchronous analytics reach.
const SYNC_DAYS_BACK: i64 = 90;
/// The longest range of one asynchronous report.
const REPORT_DAYS: i64 = 186;

const OBJECTIVES: &[&str] = &[
    "WEB_CONVERSION",
    "CONSIDERATION",
    "WEB_CONVERSION",
    "CATALOG_SALES",
    "VIDEO_VIEW",
    "WEB_CONVERSION",
    "AWARENESS",
    "CONSIDERATION",
];

fn error(status: StatusCode, code: i64, message: &str) -> Response {
    respond(status, &json!({ "code": code, "message": message }))
}

pub(crate) fn fault(kind: FaultKind) -> Response {
    match kind {
        FaultKind::RateLimit => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                29,
                "You have exceeded your rate limit. Try again later.",
            );
            // Seconds until the window resets; one keeps tests quick.
            response
                .headers_mut()
                .insert("x-ratelimit-reset", HeaderValue::from_static("1"));
            response
        }
        FaultKind::ExpiredToken | FaultKind::RevokedToken => unauthorized(),
        FaultKind::ServerError | FaultKind::Timeout | FaultKind::Malformed => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            1,
            "Something went wrong on our end. Sorry about that.",
        ),
    }
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, 2, "Authentication failed.")
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, 404, "Not found.")
}

pub(crate) fn handle(shared: &Shared, call: &Call) -> Response {
    let segments = call.segments("/pinterest");
    if segments.first() == Some(&"_reports") {
        return download(shared, call, segments.get(1).copied().unwrap_or_default());
    }
    if call.method == Method::GET && segments == ["oauth"] {
        // www.pinterest.com/oauth/: scopes are required (comma-separated), and so is
        // `response_type=code`.
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
    if segments.first() != Some(&"v5") {
        return not_found();
    }
    let rest = &segments[1..];
    if call.method == Method::POST && rest == ["oauth", "token"] {
        return token(shared, call);
    }
    match call
        .bearer()
        .map(|token| shared.token_state(PLATFORM, token))
    {
        Some(TokenState::Valid) => {}
        _ => return unauthorized(),
    }
    let world = shared.world();
    match (call.method.clone(), rest) {
        (Method::GET, ["ad_accounts"]) => {
            let items = (0..world.account_count())
                .map(|a| account_json(&world, a))
                .collect::<Vec<_>>();
            list(shared, call, items)
        }
        (method, ["ad_accounts", id, tail @ ..]) => {
            let Some(account) = world.account_of(PLATFORM, id) else {
                return error(
                    StatusCode::FORBIDDEN,
                    29,
                    "You do not have access to this ad account.",
                );
            };
            match (method, tail) {
                (Method::GET, [stream @ ("campaigns" | "ad_groups" | "ads")]) => {
                    let level = level_of_stream(stream);
                    let items = (0..world.count(level))
                        .map(|i| entity_json(&world, account, level, i))
                        .collect();
                    list(shared, call, items)
                }
                (Method::GET, ["analytics"]) => analytics(call, &world, account, Level::Account),
                (Method::GET, [stream @ ("campaigns" | "ad_groups" | "ads"), "analytics"]) => {
                    analytics(call, &world, account, level_of_stream(stream))
                }
                (Method::POST, ["reports"]) => create_report(shared, call, &world, account),
                (Method::GET, ["reports"]) => report_status(shared, call),
                (Method::GET, ["audience_insights"]) => audience_insights(call, &world, account),
                (Method::GET, ["audiences"]) => {
                    let items = audiences(&world, account);
                    list(shared, call, items)
                }
                _ => not_found(),
            }
        }
        _ => not_found(),
    }
}

fn level_of_stream(stream: &str) -> Level {
    match stream {
        "campaigns" => Level::Campaign,
        "ad_groups" => Level::AdGroup,
        _ => Level::Ad,
    }
}

/// `page_size` (default 25, at most 250, then the sandbox's cap) and `bookmark`.
fn list(shared: &Shared, call: &Call, items: Vec<Value>) -> Response {
    let size = int_param(call.param("page_size"), 25);
    if !(1..=250).contains(&size) {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid page_size: must be between 1 and 250.",
        );
    }
    let size = size.min(shared.config.page_size_cap.map_or(u64::MAX, u64::from));
    let start = match call.param("bookmark") {
        None => 0,
        Some(text) => match decode_cursor(text) {
            Some(position) => position,
            None => return error(StatusCode::BAD_REQUEST, 1, "Invalid bookmark."),
        },
    };
    let end = (start + size).min(items.len() as u64);
    let page: Vec<Value> = items
        .get(start as usize..end as usize)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let bookmark = (end < items.len() as u64).then(|| cursor(end));
    respond(
        StatusCode::OK,
        &json!({ "items": page, "bookmark": bookmark }),
    )
}

fn account_json(world: &World, index: u32) -> Value {
    let account = world.account(PLATFORM, index);
    json!({
        "id": account.id.to_string(),
        "name": account.name,
        "owner": { "username": "halcyonroasters", "id": "549755885175" },
        "country": account.country,
        "currency": account.currency,
        "permissions": ["ADMIN"],
        "created_time": world.config.first_day().and_hms_opt(8, 0, 0).map(|t| t.and_utc().timestamp()),
        "updated_time": world.config.first_day().and_hms_opt(8, 0, 0).map(|t| t.and_utc().timestamp()),
    })
}

fn entity_json(world: &World, account: u32, level: Level, index: u64) -> Value {
    let found = world.account(PLATFORM, account);
    let id = |kind, i| world.entity_id(PLATFORM, kind, account, i).to_string();
    match level {
        Level::Campaign | Level::Account => {
            let campaign = world.campaign(PLATFORM, account, index);
            json!({
                "id": id(Kind::Campaign, index),
                "ad_account_id": found.id.to_string(),
                "name": campaign.name,
                "status": if campaign.paused { "PAUSED" } else { "ACTIVE" },
                "objective_type": OBJECTIVES[index as usize % OBJECTIVES.len()],
                "lifetime_spend_cap": null,
                "daily_spend_cap": campaign.daily_budget_cents * 10_000,
                "order_line_id": null,
                "tracking_urls": null,
                "start_time": campaign.created.timestamp(),
                "end_time": null,
                "is_flexible_daily_budgets": false,
                "is_campaign_budget_optimization": false,
                "created_time": campaign.created.timestamp(),
                "updated_time": campaign.updated.timestamp(),
                "type": "campaign",
            })
        }
        Level::AdGroup => {
            let group = world.ad_group(PLATFORM, account, index);
            let ages: Vec<&str> = [
                (18, 24, "18-24"),
                (25, 34, "25-34"),
                (35, 44, "35-44"),
                (45, 49, "45-49"),
                (50, 54, "50-54"),
                (55, 64, "55-64"),
                (65, 120, "65+"),
            ]
            .iter()
            .filter(|(low, high, _)| {
                *high >= group.audience.age_min && *low <= group.audience.age_max
            })
            .map(|(_, _, name)| *name)
            .collect();
            let interests: Vec<String> = group
                .audience
                .interests
                .iter()
                .map(|i| format!("9{:011}", i + 1))
                .collect();
            json!({
                "id": id(Kind::AdGroup, index),
                "ad_account_id": found.id.to_string(),
                "campaign_id": id(Kind::Campaign, group.campaign),
                "name": group.name,
                "status": "ACTIVE",
                "budget_in_micro_currency": group.daily_budget_cents * 10_000,
                "budget_type": "DAILY",
                "bid_strategy_type": "AUTOMATIC_BID",
                "targeting_spec": {
                    "AGE_BUCKET": ages,
                    "GENDER": ["female", "male", "unknown"],
                    "INTEREST": interests,
                    "GEO": [found.country],
                    "LOCALE": ["en-US"],
                },
                "placement_group": "ALL",
                "created_time": group.created.timestamp(),
                "updated_time": group.updated.timestamp(),
                "type": "adgroup",
            })
        }
        Level::Ad => {
            let ad = world.ad(PLATFORM, account, index);
            let creative_type = ["VIDEO", "CAROUSEL", "REGULAR"][(index as usize / 5) % 3];
            json!({
                "id": id(Kind::Ad, index),
                "ad_account_id": found.id.to_string(),
                "ad_group_id": id(Kind::AdGroup, ad.ad_group),
                "campaign_id": id(Kind::Campaign, ad.campaign),
                "pin_id": id(Kind::Creative, index),
                "name": ad.name,
                "status": "ACTIVE",
                "creative_type": creative_type,
                "destination_url": ad.landing_url,
                "click_tracking_url": null,
                "review_status": "APPROVED",
                "created_time": ad.created.timestamp(),
                "updated_time": ad.updated.timestamp(),
                "type": "pinpromotion",
            })
        }
    }
}

/// The value of one column for a cell, or `None` for a column the sandbox does not know.
fn column(name: &str, cell: &crate::metrics::Cell) -> Option<Value> {
    Some(match name {
        "SPEND_IN_MICRO_DOLLAR" => json!(cell.spend_micros),
        "SPEND_IN_DOLLAR" => json!(cell.spend_micros as f64 / 1e6),
        "IMPRESSION_1" | "TOTAL_IMPRESSION" | "PAID_IMPRESSION" => json!(cell.impressions),
        "CLICKTHROUGH_1" | "TOTAL_CLICKTHROUGH" => json!(cell.clicks),
        "TOTAL_CONVERSIONS" | "TOTAL_CHECKOUT" => json!(cell.conversions_x4 / 4),
        "TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR" => json!(cell.value_micros),
        _ => return None,
    })
}

fn id_column(level: Level) -> &'static str {
    match level {
        Level::Account => "AD_ACCOUNT_ID",
        Level::Campaign => "CAMPAIGN_ID",
        Level::AdGroup => "AD_GROUP_ID",
        Level::Ad => "AD_ID",
    }
}

fn kind_of(level: Level) -> Kind {
    match level {
        Level::Campaign | Level::Account => Kind::Campaign,
        Level::AdGroup => Kind::AdGroup,
        Level::Ad => Kind::Ad,
    }
}

fn entity_id(world: &World, account: u32, level: Level, index: u64) -> String {
    match level {
        Level::Account => world.account_id(PLATFORM, account).to_string(),
        _ => world
            .entity_id(PLATFORM, kind_of(level), account, index)
            .to_string(),
    }
}

/// One report row: the date, the entity's id under `id_key`, the asked columns.
fn row_json(
    world: &World,
    account: u32,
    level: Level,
    id_key: &str,
    row: &crate::report::Row,
    columns: &[String],
) -> Value {
    let mut out = Map::new();
    out.insert("DATE".into(), json!(row.period.0.to_string()));
    out.insert(
        id_key.into(),
        json!(entity_id(world, account, level, row.entity)),
    );
    for name in columns {
        if let Some(value) = column(name, &row.cell) {
            out.insert(name.clone(), value);
        }
    }
    Value::Object(out)
}

fn dates(from: Option<&String>, until: Option<&String>) -> Option<(NaiveDate, NaiveDate)> {
    let from = from?.parse::<NaiveDate>().ok()?;
    let until = until?.parse::<NaiveDate>().ok()?;
    (from <= until).then_some((from, until))
}

fn columns_of(list: &[String]) -> Result<Vec<String>, Box<Response>> {
    let probe = crate::metrics::Cell::default();
    match list.iter().find(|c| column(c, &probe).is_none()) {
        Some(unknown) => Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            1,
            &format!("Invalid parameters: column {unknown} is not supported."),
        ))),
        None => Ok(list.to_vec()),
    }
}

fn split(text: Option<&String>) -> Vec<String> {
    text.map(|t| {
        t.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// Synchronous analytics: a bare array, one object per entity and day with delivery.
fn analytics(call: &Call, world: &World, account: u32, level: Level) -> Response {
    let Some((from, until)) = dates(call.param("start_date"), call.param("end_date")) else {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid parameters: start_date and end_date (YYYY-MM-DD) are required.",
        );
    };
    if from < world.config.today - Duration::days(SYNC_DAYS_BACK) {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "You can only get data from the last 90 days.",
        );
    }
    if call.param("granularity").map(String::as_str) != Some("DAY") {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid parameters: this sandbox serves granularity=DAY.",
        );
    }
    let columns = match columns_of(&split(call.param("columns"))) {
        Ok(columns) => columns,
        Err(response) => return *response,
    };
    let entities: Vec<u64> = match level {
        Level::Account => vec![0],
        _ => {
            let key = match level {
                Level::Campaign => "campaign_ids",
                Level::AdGroup => "ad_group_ids",
                _ => "ad_ids",
            };
            let ids = split(call.param(key));
            if ids.is_empty() || ids.len() > 250 {
                return error(
                    StatusCode::BAD_REQUEST,
                    1,
                    &format!("Invalid parameters: {key} needs 1 to 250 ids."),
                );
            }
            let mut indexes = Vec::new();
            for id in ids {
                match world.decode_id(PLATFORM, kind_of(level), &id) {
                    Some((owner, index)) if owner == account => indexes.push(index),
                    _ => {
                        return error(
                            StatusCode::BAD_REQUEST,
                            1,
                            &format!("Invalid parameters: {id} is not in this ad account."),
                        );
                    }
                }
            }
            indexes.sort_unstable();
            indexes.dedup();
            indexes
        }
    };
    let grid = Grid {
        world,
        platform: PLATFORM,
        account,
        level,
        periods: periods(world, from, until, Periods::Days(1)),
        entities,
    };
    let (rows, _) = grid.page(0, usize::MAX);
    let out: Vec<Value> = rows
        .iter()
        .map(|row| row_json(world, account, level, id_column(level), row, &columns))
        .collect();
    respond(StatusCode::OK, &Value::Array(out))
}

fn report_level(text: Option<&str>) -> Option<(Level, &'static str)> {
    Some(match text? {
        "ADVERTISER" => (Level::Account, "ADVERTISER_ID"),
        "CAMPAIGN" => (Level::Campaign, "CAMPAIGN_ID"),
        "AD_GROUP" => (Level::AdGroup, "AD_GROUP_ID"),
        "PIN_PROMOTION" | "AD" => (Level::Ad, "PIN_PROMOTION_ID"),
        _ => return None,
    })
}

fn create_report(shared: &Shared, call: &Call, world: &World, account: u32) -> Response {
    let body: Value = serde_json::from_slice(&call.body).unwrap_or(Value::Null);
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let Some((from, until)) = dates(text("start_date").as_ref(), text("end_date").as_ref()) else {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid parameters: start_date and end_date (YYYY-MM-DD) are required.",
        );
    };
    if (until - from).num_days() + 1 > REPORT_DAYS {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid parameters: a report covers at most 186 days.",
        );
    }
    if from < world.config.today - Duration::days(913) {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid parameters: reports reach 913 days back.",
        );
    }
    if text("granularity").as_deref() != Some("DAY") {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid parameters: this sandbox serves granularity DAY.",
        );
    }
    let Some((level, _)) = report_level(text("level").as_deref()) else {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid parameters: level must be ADVERTISER, CAMPAIGN, AD_GROUP or PIN_PROMOTION.",
        );
    };
    let asked: Vec<String> = body
        .get("columns")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let columns = match columns_of(&asked) {
        Ok(columns) if !columns.is_empty() => columns,
        Ok(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                1,
                "Invalid parameters: columns are required.",
            );
        }
        Err(response) => return *response,
    };
    let token = shared.mint("pinreport")[..32].to_owned();
    shared.add_pin_report(
        token.clone(),
        PinReport {
            account,
            level,
            from,
            until,
            columns,
            polls: 0,
        },
    );
    respond(
        StatusCode::OK,
        &json!({ "report_status": "IN_PROGRESS", "token": token, "message": null }),
    )
}

/// IN_PROGRESS on the first read, FINISHED with a download URL after.
fn report_status(shared: &Shared, call: &Call) -> Response {
    let Some(token) = call.param("token") else {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid parameters: token is required.",
        );
    };
    match shared.poll_pin_report(token) {
        None => respond(
            StatusCode::OK,
            &json!({ "report_status": "DOES_NOT_EXIST", "url": null, "size": null }),
        ),
        Some(report) if report.polls == 0 => respond(
            StatusCode::OK,
            &json!({ "report_status": "IN_PROGRESS", "url": null, "size": null }),
        ),
        Some(_) => respond(
            StatusCode::OK,
            &json!({
                "report_status": "FINISHED",
                "url": format!("{}/pinterest/_reports/{token}.json?x-amz-expires=3600", call.origin()),
                "size": 1234.0,
            }),
        ),
    }
}

/// The finished report: an object keyed by entity id, each an array of its rows.
fn download(shared: &Shared, _call: &Call, file: &str) -> Response {
    let token = file.strip_suffix(".json").unwrap_or(file);
    let Some(report) = shared.pin_report(token) else {
        return not_found();
    };
    let world = shared.world();
    let (level, id_key) = match report.level {
        Level::Account => (Level::Account, "ADVERTISER_ID"),
        Level::Campaign => (Level::Campaign, "CAMPAIGN_ID"),
        Level::AdGroup => (Level::AdGroup, "AD_GROUP_ID"),
        Level::Ad => (Level::Ad, "PIN_PROMOTION_ID"),
    };
    let grid = Grid {
        world: &world,
        platform: PLATFORM,
        account: report.account,
        level,
        periods: periods(&world, report.from, report.until, Periods::Days(1)),
        entities: (0..world.count(level)).collect(),
    };
    let mut out = Map::new();
    let (rows, _) = grid.page(0, usize::MAX);
    for row in &rows {
        let id = entity_id(&world, report.account, level, row.entity);
        let value = row_json(&world, report.account, level, id_key, row, &report.columns);
        if let Value::Array(list) = out.entry(id).or_insert_with(|| json!([])) {
            list.push(value);
        }
    }
    respond(StatusCode::OK, &Value::Object(out))
}

/// `POST /v5/oauth/token`: the app proves itself with HTTP Basic; every refresh hands back a
/// new refresh token and retires the one sent (continuous refresh).
fn token(shared: &Shared, call: &Call) -> Response {
    let basic = call
        .header("authorization")
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(|encoded| decode_base64(encoded.trim()))
        .and_then(|text| {
            text.split_once(':')
                .map(|(id, secret)| (id.to_owned(), secret.to_owned()))
        });
    let (client_id, secret) = match basic {
        Some((id, secret)) if !id.is_empty() && !secret.is_empty() => (id, secret),
        _ => {
            return error(
                StatusCode::UNAUTHORIZED,
                2,
                "Authentication failed: the client id and secret go in an HTTP Basic header.",
            );
        }
    };
    if call.param("grant_type").map(String::as_str) == Some("authorization_code") {
        if secret != consent::APP_SECRET {
            return error(StatusCode::UNAUTHORIZED, 2, "Authentication failed.");
        }
        return code_token(shared, call, &client_id);
    }
    if call.param("grant_type").map(String::as_str) != Some("refresh_token") {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid parameters: grant_type must be authorization_code or refresh_token.",
        );
    }
    let Some(refresh) = call.param("refresh_token") else {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid parameters: refresh_token is required.",
        );
    };
    let Some(successor) = shared.use_refresh(PLATFORM, refresh, true) else {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "invalid_grant: the refresh token is invalid, expired or already used.",
        );
    };
    let access = shared.issue_token(PLATFORM);
    respond(
        StatusCode::OK,
        &json!({
            "access_token": access,
            "token_type": "bearer",
            "expires_in": 2_592_000,
            "scope": "ads:read user_accounts:read",
            "refresh_token": successor,
            "refresh_token_expires_in": 5_184_000,
            "refresh_token_expires_at": chrono::Utc::now().timestamp() + 5_184_000,
        }),
    )
}

/// The authorization-code grant: the consent page's single-use code, bound to the app and
/// the redirect, for an access token and a (continuous) refresh token.
fn code_token(shared: &Shared, call: &Call, client_id: &str) -> Response {
    let code = call.param("code").cloned().unwrap_or_default();
    let grant = match consent::take(shared, PLATFORM, &code) {
        Some(grant) if grant.client_id == client_id => grant,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                1,
                "Invalid parameters: the authorization code is invalid, expired or already used.",
            );
        }
    };
    if call.param("redirect_uri") != Some(&grant.redirect_uri) {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            "Invalid parameters: redirect_uri does not match the one the code was issued for.",
        );
    }
    let refresh = shared.mint_refresh(PLATFORM);
    respond(
        StatusCode::OK,
        &json!({
            "access_token": shared.issue_token(PLATFORM),
            "refresh_token": refresh,
            "response_type": "authorization_code",
            "token_type": "bearer",
            "expires_in": 2_592_000,
            "refresh_token_expires_in": 5_184_000,
            "refresh_token_expires_at": chrono::Utc::now().timestamp() + 5_184_000,
            "scope": grant.scope.replace(',', " "),
        }),
    )
}

/// Standard base64 (HTTP Basic), padded or not.
fn decode_base64(text: &str) -> Option<String> {
    let urlsafe: String = text
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect();
    String::from_utf8(base64url_decode(&urlsafe)?).ok()
}
