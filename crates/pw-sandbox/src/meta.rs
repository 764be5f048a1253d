//! Meta's Graph/Marketing API under `/meta/{vNN.0}/…`: ad accounts, campaigns, ad sets, ads,
//! creatives, custom audiences, interest search, reach estimates, sync and async insights, the
//! long-lived token exchange; Graph errors, Graph cursor paging and usage headers.

use std::collections::{HashMap, HashSet};

use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{Map, Value, json};

use crate::call::Call;
use crate::consent;
use crate::data::{INTERESTS, Kind, World};
use crate::faults::Twist;
use crate::report::{Grid, Periods, periods};
use crate::state::{ReportRun, Shared, TokenState};
use crate::wire::{cursor, decode_cursor, int_param, json as respond, major};
use crate::{FaultKind, Level, SandboxPlatform};

const PLATFORM: SandboxPlatform = SandboxPlatform::Meta;

mod objects;

use objects::{Item, ad_accounts, ad_sets, ads, audiences, campaigns, creatives};

const PURCHASE: &str = "offsite_conversion.fb_pixel_purchase";

/// Whether this request would create an async insights job (where a server-error fault makes
/// the job fail rather than the request).
pub(crate) fn creates_job(call: &Call) -> bool {
    call.method == Method::POST && call.path.ends_with("/insights")
}

pub(crate) fn handle(shared: &Shared, call: &Call, twist: Twist) -> Response {
    let segments = call.segments("/meta");
    let Some((version, rest)) = segments.split_first() else {
        return unknown_path(&call.path);
    };
    if !is_version(version) {
        return unknown_path(&call.path);
    }
    if rest == ["dialog", "oauth"] {
        // www.facebook.com's login dialog: `response_type` defaults to `code`, scope to the
        // public profile.
        return consent::approve(
            shared,
            call,
            &consent::ConsentRules {
                platform: PLATFORM,
                id_name: "client_id",
                scope_required: false,
                response_type_required: false,
                code_names: &["code"],
                code_prefix: "AQ",
            },
        );
    }
    if rest == ["oauth", "access_token"] {
        if call.param("grant_type").is_none() && call.param("code").is_some() {
            return code_exchange(shared, call);
        }
        return exchange(shared, call);
    }
    let token = call
        .param("access_token")
        .map(String::as_str)
        .or_else(|| call.bearer());
    match token.map(|token| shared.token_state(PLATFORM, token)) {
        Some(TokenState::Valid) => {}
        Some(TokenState::Revoked) => {
            return error(StatusCode::BAD_REQUEST, 190, Some(460), REVOKED);
        }
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                190,
                None,
                "Invalid OAuth access token - Cannot parse access token",
            );
        }
    }
    let world = shared.world();
    let cap = shared.config.page_size_cap.map_or(u64::MAX, u64::from);
    let response = match (call.method.clone(), rest) {
        (Method::GET, ["me", "adaccounts"]) => page(call, cap, ad_accounts(&world)),
        (Method::GET, ["search"]) => search(call),
        (method, [object, edge]) if object.starts_with("act_") => {
            let Some(account) = world.account_of(PLATFORM, &object[4..]) else {
                return no_object(object);
            };
            match (method, *edge) {
                (Method::GET, "campaigns") => page(call, cap, campaigns(&world, account)),
                (Method::GET, "adsets") => page(call, cap, ad_sets(&world, account)),
                (Method::GET, "ads") => page(call, cap, ads(&world, account)),
                (Method::GET, "adcreatives") => page(call, cap, creatives(&world, account)),
                (Method::GET, "customaudiences") => page(call, cap, audiences(&world, account)),
                (Method::GET, "reachestimate") => reach_estimate(call),
                (Method::GET, "insights") => insights(&world, call, cap, account, &call.params),
                (Method::POST, "insights") => create_job(shared, call, account, twist),
                _ => unknown_path(&call.path),
            }
        }
        (Method::GET, [id]) if shared.job(id).is_some() => job_status(shared, id),
        (Method::GET, [id]) => object(&world, call, id),
        (Method::GET, [id, "insights"]) => match shared.job(id) {
            Some(run) if run.failed => error(
                StatusCode::BAD_REQUEST,
                100,
                None,
                "(#100) The async report run failed; create a new one",
            ),
            Some(run) => insights(&world, call, cap, run.account, &merged(&run.params, call)),
            None => no_object(id),
        },
        _ => unknown_path(&call.path),
    };
    usage(call, response)
}

fn is_version(text: &str) -> bool {
    text.strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit())
        })
}

/// Graph's usage headers on every answer: low numbers, nothing to back off from (insights
/// answers also carry the insights throttle Airbyte waits on).
fn usage(call: &Call, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        "x-app-usage",
        HeaderValue::from_static(r#"{"call_count":1,"total_cputime":1,"total_time":1}"#),
    );
    if call.path.contains("insights") {
        headers.insert(
            "x-fb-ads-insights-throttle",
            HeaderValue::from_static(
                r#"{"app_id_util_pct":0,"acc_id_util_pct":0,"ads_api_access_tier":"standard_access"}"#,
            ),
        );
    }
    response
}

const REVOKED: &str = "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.";

fn trace_id() -> String {
    let nanos = Utc::now().timestamp_subsec_nanos();
    format!(
        "A{}",
        crate::wire::base64url(&nanos.to_be_bytes()).replace(['-', '_'], "z")
    ) + "pz5DCfhBg3mG"
}

/// A Graph error object.
fn error(status: StatusCode, code: u32, subcode: Option<u32>, message: &str) -> Response {
    let mut body = json!({
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": trace_id(),
    });
    if let Some(subcode) = subcode {
        body["error_subcode"] = json!(subcode);
    }
    respond(status, &json!({ "error": body }))
}

fn unknown_path(path: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        2500,
        None,
        &format!("Unknown path components: {path}"),
    )
}

fn no_object(id: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        100,
        Some(33),
        &format!(
            "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
        ),
    )
}

pub(crate) fn fault(kind: FaultKind, call: &Call, shared: &Shared) -> Response {
    let now = Utc::now();
    match kind {
        FaultKind::RateLimit => {
            // The usage header is keyed by the business object the call touched.
            let account = call
                .segments("/meta")
                .iter()
                .find_map(|segment| segment.strip_prefix("act_"))
                .map_or_else(
                    || shared.world().account_id(PLATFORM, 0).to_string(),
                    str::to_owned,
                );
            let mut response = error(
                StatusCode::BAD_REQUEST,
                80000,
                Some(2446079),
                "(#80000) There have been too many calls from this ad-account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
            );
            let usage = json!({ account.to_string(): [{
                "type": "ads_insights", "call_count": 100, "total_cputime": 24,
                "total_time": 31, "estimated_time_to_regain_access": 0,
            }]});
            if let Ok(value) = HeaderValue::from_str(&usage.to_string()) {
                response
                    .headers_mut()
                    .insert("x-business-use-case-usage", value);
            }
            response
        }
        FaultKind::ServerError => {
            let body = json!({ "error": {
                "message": "An unknown error occurred",
                "type": "OAuthException",
                "code": 1,
                "error_subcode": 99,
                "is_transient": true,
                "fbtrace_id": trace_id(),
            }});
            respond(StatusCode::INTERNAL_SERVER_ERROR, &body)
        }
        FaultKind::ExpiredToken => error(
            StatusCode::BAD_REQUEST,
            190,
            Some(463),
            &format!(
                "Error validating access token: Session has expired on {}. The current time is {}.",
                (now - Duration::hours(1)).format("%A, %d-%b-%y %H:%M:%S UTC"),
                now.format("%A, %d-%b-%y %H:%M:%S UTC"),
            ),
        ),
        // The request's token is already revoked by the caller; later calls with it get the
        // same answer from the token check.
        FaultKind::RevokedToken => error(StatusCode::BAD_REQUEST, 190, Some(460), REVOKED),
        FaultKind::Timeout | FaultKind::Malformed => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            1,
            None,
            "An unknown error occurred",
        ),
    }
}

/// `GET /oauth/access_token?client_id&redirect_uri&client_secret&code`: the login dialog's
/// code for a short-lived user token (an hour or two), which the app then exchanges for a
/// long-lived one.
fn code_exchange(shared: &Shared, call: &Call) -> Response {
    for name in ["client_id", "redirect_uri", "client_secret"] {
        if call.param(name).is_none() {
            return error(
                StatusCode::BAD_REQUEST,
                101,
                None,
                &format!("Missing {name} parameter."),
            );
        }
    }
    if call.param("client_secret").map(String::as_str) != Some(consent::APP_SECRET) {
        return error(
            StatusCode::BAD_REQUEST,
            1,
            None,
            "Error validating client secret.",
        );
    }
    let code = call.param("code").cloned().unwrap_or_default();
    let Some(grant) = consent::take(shared, PLATFORM, &code) else {
        return error(
            StatusCode::BAD_REQUEST,
            100,
            Some(36009),
            "This authorization code has been used.",
        );
    };
    if call.param("client_id") != Some(&grant.client_id) {
        return error(
            StatusCode::BAD_REQUEST,
            101,
            None,
            "Error validating application. Invalid application ID.",
        );
    }
    if call.param("redirect_uri") != Some(&grant.redirect_uri) {
        return error(
            StatusCode::BAD_REQUEST,
            100,
            Some(36008),
            "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
        );
    }
    let token = shared.issue_token(PLATFORM);
    respond(
        StatusCode::OK,
        &json!({ "access_token": token, "token_type": "bearer", "expires_in": 5_400 }),
    )
}

/// `GET /oauth/access_token?grant_type=fb_exchange_token…`: a short-lived token for a
/// long-lived one (about 60 days).
fn exchange(shared: &Shared, call: &Call) -> Response {
    for name in ["client_id", "client_secret", "fb_exchange_token"] {
        if call.param(name).is_none() {
            return error(
                StatusCode::BAD_REQUEST,
                101,
                None,
                &format!("Missing {name} parameter."),
            );
        }
    }
    if call.param("grant_type").map(String::as_str) != Some("fb_exchange_token") {
        return error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "(#100) Unsupported grant_type",
        );
    }
    let old = call.param("fb_exchange_token").cloned().unwrap_or_default();
    if shared.token_state(PLATFORM, &old) != TokenState::Valid {
        return error(
            StatusCode::BAD_REQUEST,
            190,
            None,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    let token = shared.issue_token(PLATFORM);
    respond(
        StatusCode::OK,
        &json!({ "access_token": token, "token_type": "bearer", "expires_in": 5_183_944 }),
    )
}

/// The top-level names of a Graph `fields` list (`creative{id,name}` names `creative`).
fn field_names(fields: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    let mut depth = 0;
    let mut current = String::new();
    for ch in fields.chars() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                names.insert(current.trim().to_owned());
                current.clear();
            }
            _ if depth == 0 => current.push(ch),
            _ => {}
        }
    }
    names.insert(current.trim().to_owned());
    names
}

/// Keeps the requested fields (and those Graph always returns).
fn pick(value: Value, fields: Option<&String>, always: &[&str]) -> Value {
    let (Some(fields), Value::Object(map)) = (fields, &value) else {
        return value;
    };
    let names = field_names(fields);
    let kept: Map<String, Value> = map
        .iter()
        .filter(|(key, _)| names.contains(key.as_str()) || always.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Value::Object(kept)
}

/// Whether an item passes Graph `filtering` ([{field, operator, value}], all must hold).
fn passes(item: &Item, filters: &[Value]) -> bool {
    filters.iter().all(|filter| {
        let field = filter["field"].as_str().unwrap_or_default();
        let name = field.rsplit('.').next().unwrap_or(field);
        let operator = filter["operator"].as_str().unwrap_or_default();
        let wanted = &filter["value"];
        let as_number = |value: &Value| {
            value
                .as_i64()
                .or_else(|| value.as_str().and_then(|text| text.parse().ok()))
        };
        let actual: Value = match name {
            "updated_time" => json!(item.updated),
            "created_time" => json!(item.created),
            _ => item.json.get(name).cloned().unwrap_or(Value::Null),
        };
        let list = wanted.as_array().cloned().unwrap_or_default();
        let same =
            |a: &Value, b: &Value| a == b || as_number(a).is_some_and(|n| Some(n) == as_number(b));
        match operator {
            "GREATER_THAN" => as_number(&actual) > as_number(wanted),
            "GREATER_THAN_OR_EQUAL" => as_number(&actual) >= as_number(wanted),
            "LESS_THAN" => as_number(&actual) < as_number(wanted),
            "LESS_THAN_OR_EQUAL" => as_number(&actual) <= as_number(wanted),
            "EQUAL" => same(&actual, wanted),
            "NOT_EQUAL" => !same(&actual, wanted),
            "IN" => list.iter().any(|value| same(&actual, value)),
            "NOT_IN" => !list.iter().any(|value| same(&actual, value)),
            _ => true,
        }
    })
}

/// Graph's `limit`: default 25, never above the sandbox's cap.
fn limit(value: Option<&String>, default: u64, cap: u64) -> usize {
    int_param(value, default).clamp(1, 5_000).min(cap) as usize
}

/// The URL of the next page: the request's own URL with `after` replaced.
fn next_url(call: &Call, after: &str) -> String {
    let mut pairs: Vec<&str> = call
        .raw_query
        .split('&')
        .filter(|pair| {
            !pair.is_empty() && !pair.starts_with("after=") && !pair.starts_with("before=")
        })
        .collect();
    let after = format!("after={after}");
    pairs.push(&after);
    format!("{}{}?{}", call.origin(), call.path, pairs.join("&"))
}

fn paging(call: &Call, start: u64, next: Option<u64>) -> Value {
    let mut paging =
        json!({ "cursors": { "before": cursor(start), "after": cursor(next.unwrap_or(start)) } });
    if let Some(next) = next {
        paging["next"] = json!(next_url(call, &cursor(next)));
    }
    paging
}

/// A Graph page of listed objects, after `filtering` and `after`.
fn page(call: &Call, cap: u64, items: Vec<Item>) -> Response {
    let filters: Vec<Value> = call
        .param("filtering")
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let items: Vec<Item> = items.into_iter().filter(|i| passes(i, &filters)).collect();
    let start = call
        .param("after")
        .and_then(|after| decode_cursor(after))
        .unwrap_or(0);
    let size = limit(call.param("limit"), 25, cap);
    let data: Vec<Value> = items
        .iter()
        .skip(start as usize)
        .take(size)
        .map(|i| pick(i.json.clone(), call.param("fields"), &["id"]))
        .collect();
    let end = start + data.len() as u64;
    let next = (end < items.len() as u64).then_some(end);
    let mut body = json!({ "data": data });
    if !data.is_empty() {
        body["paging"] = paging(call, start, next);
    }
    respond(StatusCode::OK, &body)
}

fn search(call: &Call) -> Response {
    if call.param("type").map(String::as_str) != Some("adinterest") {
        return error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "(#100) Param type must be one of {adinterest}",
        );
    }
    let query = call
        .param("q")
        .map(|q| q.to_lowercase())
        .unwrap_or_default();
    let size = int_param(call.param("limit"), 25) as usize;
    let data: Vec<Value> = INTERESTS
        .iter()
        .filter(|i| {
            i.name.to_lowercase().contains(&query) || i.topic.to_lowercase().contains(&query)
        })
        .take(size)
        .map(|i| {
            json!({
                "id": i.id, "name": i.name,
                "audience_size_lower_bound": i.lower, "audience_size_upper_bound": i.upper,
                "path": [i.topic, i.name], "description": Value::Null, "topic": i.topic,
            })
        })
        .collect();
    respond(StatusCode::OK, &json!({ "data": data }))
}

fn reach_estimate(call: &Call) -> Response {
    let Some(spec) = call
        .param("targeting_spec")
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
    else {
        return error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "(#100) The parameter targeting_spec is required",
        );
    };
    let countries: Vec<&str> = spec["geo_locations"]["countries"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let people: f64 = countries
        .iter()
        .map(|country| match *country {
            "US" => 240_000_000.0,
            "DE" => 58_000_000.0,
            "GB" => 51_000_000.0,
            "CA" => 29_000_000.0,
            _ => 12_000_000.0,
        })
        .sum::<f64>()
        .max(12_000_000.0);
    let age_min = spec["age_min"].as_f64().unwrap_or(18.0);
    let age_max = spec["age_max"].as_f64().unwrap_or(65.0);
    let ages = ((age_max - age_min).max(1.0) / 47.0).min(1.0);
    let narrowed = if spec["flexible_spec"].is_array() {
        0.3
    } else {
        1.0
    };
    let upper = (people * ages * narrowed).round() as u64;
    respond(
        StatusCode::OK,
        &json!({ "data": { "users_lower_bound": upper * 85 / 100, "users_upper_bound": upper, "estimate_ready": true } }),
    )
}

/// The request's own params over the job's, so paging (`limit`, `after`) comes from the read.
fn merged(job: &HashMap<String, String>, call: &Call) -> HashMap<String, String> {
    let mut params = job.clone();
    params.remove("after");
    params.remove("limit");
    params.extend(call.params.clone());
    params
}

fn create_job(shared: &Shared, call: &Call, account: u32, twist: Twist) -> Response {
    let id = shared.mint_digits(16);
    shared.add_job(
        id.clone(),
        ReportRun {
            account,
            params: call.params.clone(),
            polls: 0,
            failed: twist.fail_job,
        },
    );
    respond(StatusCode::OK, &json!({ "report_run_id": id }))
}

/// Builds the objects of one kind in an account.
type Lister = fn(&World, u32) -> Vec<Item>;

/// `GET /{id}`: one campaign, ad set, ad or creative by its id.
fn object(world: &World, call: &Call, id: &str) -> Response {
    let listers: [(Kind, Lister); 4] = [
        (Kind::Campaign, campaigns),
        (Kind::AdGroup, ad_sets),
        (Kind::Ad, ads),
        (Kind::Creative, creatives),
    ];
    for (kind, list) in listers {
        if let Some((account, index)) = world.decode_id(PLATFORM, kind, id)
            && let Some(found) = list(world, account).into_iter().nth(index as usize)
        {
            return respond(
                StatusCode::OK,
                &pick(found.json, call.param("fields"), &["id"]),
            );
        }
    }
    no_object(id)
}

fn job_status(shared: &Shared, id: &str) -> Response {
    let Some(run) = shared.poll_job(id) else {
        return no_object(id);
    };
    let world = shared.world();
    let (since, until) = time_range(&world, &run.params);
    let mut body = json!({
        "id": id,
        "account_id": world.account_id(PLATFORM, run.account).to_string(),
        "date_start": since.to_string(),
        "date_stop": until.to_string(),
    });
    if run.failed {
        body["async_status"] = json!("Job Failed");
        body["async_percent_completion"] = json!(0);
        body["error_code"] = json!(1);
        body["error_message"] = json!("An unknown error occurred");
    } else if run.polls == 0 {
        body["async_status"] = json!("Job Running");
        body["async_percent_completion"] = json!(50);
    } else {
        body["async_status"] = json!("Job Completed");
        body["async_percent_completion"] = json!(100);
    }
    respond(StatusCode::OK, &body)
}

/// `time_range` or `date_preset` (default `last_30d`), in the account's days.
fn time_range(world: &World, params: &HashMap<String, String>) -> (NaiveDate, NaiveDate) {
    let today = world.config.today;
    let yesterday = today - Duration::days(1);
    if let Some(range) = params
        .get("time_range")
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
    {
        let date = |key: &str| {
            range[key]
                .as_str()
                .and_then(|text| text.parse::<NaiveDate>().ok())
        };
        if let (Some(since), Some(until)) = (date("since"), date("until")) {
            return (since, until);
        }
    }
    match params.get("date_preset").map(String::as_str) {
        Some("yesterday") => (yesterday, yesterday),
        Some("last_7d") => (today - Duration::days(7), yesterday),
        Some("last_14d") => (today - Duration::days(14), yesterday),
        Some("last_90d") => (today - Duration::days(90), yesterday),
        Some("maximum") => (world.config.first_day(), yesterday),
        _ => (today - Duration::days(30), yesterday),
    }
}

fn insights(
    world: &World,
    call: &Call,
    cap: u64,
    account: u32,
    params: &HashMap<String, String>,
) -> Response {
    let level = match params.get("level").map(String::as_str) {
        None | Some("account") => Level::Account,
        Some("campaign") => Level::Campaign,
        Some("adset") => Level::AdGroup,
        Some("ad") => Level::Ad,
        Some(other) => {
            return error(
                StatusCode::BAD_REQUEST,
                100,
                None,
                &format!(
                    "(#100) level must be one of the following values: ad, adset, campaign, account; got {other}"
                ),
            );
        }
    };
    let (since, until) = time_range(world, params);
    if since > until {
        return error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "(#100) Invalid time range: since must be on or before until",
        );
    }
    let split = match params.get("time_increment").map(String::as_str) {
        None | Some("all_days") | Some("monthly") => Periods::Total,
        Some(step) => Periods::Days(step.parse().unwrap_or(1)),
    };
    let grid = Grid {
        world,
        platform: PLATFORM,
        account,
        level,
        periods: periods(world, since, until, split),
        entities: (0..world.count(level)).collect(),
    };
    let start = params
        .get("after")
        .and_then(|after| decode_cursor(after))
        .unwrap_or(0);
    let size = limit(params.get("limit"), 25, cap);
    let (rows, next) = grid.page(start, size);
    let found = world.account(PLATFORM, account);
    let data: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut out = json!({
                "account_id": found.id.to_string(),
                "account_name": found.name,
                "account_currency": found.currency,
            });
            let ad_group = match level {
                Level::Ad => Some(world.ad(PLATFORM, account, row.entity).ad_group),
                Level::AdGroup => Some(row.entity),
                _ => None,
            };
            let campaign = match level {
                Level::Campaign => Some(row.entity),
                _ => ad_group.map(|group| world.ad_group(PLATFORM, account, group).campaign),
            };
            if let Some(campaign) = campaign {
                out["campaign_id"] = json!(world.entity_id(PLATFORM, Kind::Campaign, account, campaign).to_string());
                out["campaign_name"] = json!(world.campaign(PLATFORM, account, campaign).name);
            }
            if let Some(group) = ad_group {
                out["adset_id"] = json!(world.entity_id(PLATFORM, Kind::AdGroup, account, group).to_string());
                out["adset_name"] = json!(world.ad_group(PLATFORM, account, group).name);
            }
            if level == Level::Ad {
                out["ad_id"] = json!(world.entity_id(PLATFORM, Kind::Ad, account, row.entity).to_string());
                out["ad_name"] = json!(world.ad(PLATFORM, account, row.entity).name);
            }
            let cell = &row.cell;
            out["impressions"] = json!(cell.impressions.to_string());
            out["clicks"] = json!(cell.clicks.to_string());
            out["spend"] = json!(major(cell.spend_micros));
            out["reach"] = json!(cell.reach.to_string());
            out["cpm"] = json!(format!("{:.6}", cell.spend_micros as f64 / 1_000.0 / cell.impressions as f64));
            out["ctr"] = json!(format!("{:.6}", cell.clicks as f64 * 100.0 / cell.impressions as f64));
            if cell.clicks > 0 {
                out["cpc"] = json!(format!("{:.6}", cell.spend_micros as f64 / 1e6 / cell.clicks as f64));
            }
            if cell.conversions_x4 > 0 {
                out["actions"] = json!([{ "action_type": PURCHASE, "value": (cell.conversions_x4 / 4).to_string() }]);
                out["action_values"] = json!([{ "action_type": PURCHASE, "value": major(cell.value_micros) }]);
            }
            out["date_start"] = json!(row.period.0.to_string());
            out["date_stop"] = json!(row.period.1.to_string());
            pick(out, params.get("fields"), &["date_start", "date_stop"])
        })
        .collect();
    let mut body = json!({ "data": data });
    if !rows.is_empty() {
        body["paging"] = paging(call, start, next);
    }
    respond(StatusCode::OK, &body)
}
