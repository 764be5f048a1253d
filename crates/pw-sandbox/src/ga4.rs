//! Google Analytics 4 under two prefixes: `/ga4-admin` (analyticsadmin.googleapis.com: the
//! account summaries the user can read, paged by `pageToken`, and each property's currency
//! and time zone) and `/ga4` (analyticsdata.googleapis.com: `properties/{id}:runReport`, rows
//! positional against the headers, every value a string, paged by `offset`/`limit` against
//! `rowCount`). A quota error is a 429 `RESOURCE_EXHAUSTED` whose message names the quota.
//!
//! The data is site behaviour by day, source / medium and device: a pure function of (seed,
//! property, day, source, device, revision). A revision restates the last three days (GA4
//! keeps processing a day for about 48 hours); which rows exist never changes with one, so a
//! re-read never leaves a stored row behind.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use crate::call::Call;
use crate::data::{World, hash, unit};
use crate::state::{Shared, TokenState};
use crate::wire::{cursor, decode_cursor, google_error, int_param, json as respond, major};
use crate::{FaultKind, SandboxPlatform, SignalTruth};

const PLATFORM: SandboxPlatform = SandboxPlatform::Ga4;

/// Days before `today` a revision restates.
const RESTATED_DAYS: i64 = 3;

pub(crate) const SOURCES: &[&str] = &[
    "google / cpc",
    "google / organic",
    "(direct) / (none)",
    "facebook / paid",
    "newsletter / email",
];

pub(crate) const DEVICES: &[&str] = &["desktop", "mobile", "tablet"];

const DIMENSIONS: &[&str] = &["date", "sessionSourceMedium", "deviceCategory"];

/// The metrics served and their `metricHeaders[].type`.
const METRICS: &[(&str, &str)] = &[
    ("sessions", "TYPE_INTEGER"),
    ("totalUsers", "TYPE_INTEGER"),
    ("keyEvents", "TYPE_FLOAT"),
    ("totalRevenue", "TYPE_CURRENCY"),
];

/// One property's day for one source / medium and device.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Visits {
    pub sessions: i64,
    pub users: i64,
    pub key_events: i64,
    pub revenue_micros: i64,
}

/// The visits of a (property, day, source, device) cell; `None` when the property had none
/// that way that day (GA4 then has no row).
pub(crate) fn visits(
    world: &World,
    property: u32,
    date: NaiveDate,
    source: usize,
    device: usize,
) -> Option<Visits> {
    let config = &world.config;
    if date < config.first_day() || date >= config.today {
        return None;
    }
    let day = u64::try_from(date.num_days_from_ce()).unwrap_or_default();
    let cell = [
        config.seed,
        PLATFORM.tag(),
        u64::from(property),
        day,
        source as u64,
        device as u64,
    ];
    // About one cell in nine has no sessions, whatever the revision.
    if hash(&cell).is_multiple_of(9) {
        return None;
    }
    let restated = date >= config.today - Duration::days(RESTATED_DAYS);
    let revision = if restated { world.revision() } else { 0 };
    let draw = hash(&[hash(&cell), revision]);
    let base = [420.0, 260.0, 180.0, 140.0, 60.0][source % SOURCES.len()]
        * [0.45, 0.45, 0.1][device % DEVICES.len()];
    let sessions = (base * (0.6 + unit(draw) * 0.8)).round().max(1.0) as i64;
    let users = ((sessions as f64) * (0.7 + unit(hash(&[draw, 1])) * 0.25))
        .round()
        .max(1.0) as i64;
    let key_events = ((sessions as f64) * (0.01 + unit(hash(&[draw, 2])) * 0.05)).round() as i64;
    let order_cents = 2_400 + (hash(&[draw, 3]) % 4_000) as i64;
    Some(Visits {
        sessions,
        users,
        key_events,
        revenue_micros: key_events * order_cents * 10_000,
    })
}

/// Rows and sessions a complete daily sync over [from, until] stores, across properties.
pub(crate) fn truth(world: &World, from: NaiveDate, until: NaiveDate) -> SignalTruth {
    let mut truth = SignalTruth::default();
    let Some((from, until)) = world.clamp(from, until) else {
        return truth;
    };
    for property in 0..world.account_count() {
        for date in from.iter_days().take_while(|d| *d <= until) {
            for source in 0..SOURCES.len() {
                for device in 0..DEVICES.len() {
                    if let Some(v) = visits(world, property, date, source, device) {
                        truth.rows += 1;
                        truth.volume += v.sessions;
                    }
                }
            }
        }
    }
    truth
}

pub(crate) fn fault(kind: FaultKind) -> Response {
    match kind {
        FaultKind::RateLimit => {
            let mut response = google_error(
                StatusCode::TOO_MANY_REQUESTS,
                "RESOURCE_EXHAUSTED",
                "Exhausted concurrent requests quota.",
            );
            // GA4 names no wait (Airbyte waits 30 s for this quota); the sandbox says one
            // second so tests stay quick and the client's reading of Retry-After is exercised.
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from_static("1"));
            response
        }
        FaultKind::ExpiredToken | FaultKind::RevokedToken => unauthenticated(),
        FaultKind::ServerError | FaultKind::Timeout | FaultKind::Malformed => google_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "The service is currently unavailable.",
        ),
    }
}

pub(crate) fn unauthenticated() -> Response {
    google_error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
    )
}

fn not_found(call: &Call) -> Response {
    google_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!(
            "The requested URL {} was not found on this server.",
            call.path
        ),
    )
}

fn invalid(message: &str) -> Response {
    google_error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message)
}

pub(crate) fn handle(shared: &Shared, call: &Call) -> Response {
    match call.bearer().map(|token| shared.google_token_state(token)) {
        Some(TokenState::Valid) => {}
        _ => return unauthenticated(),
    }
    let world = shared.world();
    if call.path.starts_with("/ga4-admin/") {
        let segments = call.segments("/ga4-admin");
        return match (&call.method, segments.as_slice()) {
            (&Method::GET, ["v1beta", "accountSummaries"]) => {
                account_summaries(shared, call, &world)
            }
            (&Method::GET, ["v1beta", "properties", id]) => match property_of(&world, id) {
                Some(property) => respond(StatusCode::OK, &property_json(&world, property)),
                None => permission_denied(),
            },
            _ => not_found(call),
        };
    }
    let segments = call.segments("/ga4");
    match (&call.method, segments.as_slice()) {
        (&Method::POST, ["v1beta", "properties", action]) => {
            let Some((id, "runReport")) = action.split_once(':') else {
                return not_found(call);
            };
            match property_of(&world, id) {
                Some(property) => run_report(shared, call, &world, property),
                None => permission_denied(),
            }
        }
        _ => not_found(call),
    }
}

fn permission_denied() -> Response {
    google_error(
        StatusCode::FORBIDDEN,
        "PERMISSION_DENIED",
        "User does not have sufficient permissions for this property.",
    )
}

fn property_of(world: &World, id: &str) -> Option<u32> {
    world.account_of(PLATFORM, id)
}

fn account_number(property: u32) -> u64 {
    201_000_000 + u64::from(property) * 31
}

fn property_json(world: &World, property: u32) -> Value {
    let found = world.account(PLATFORM, property);
    let created = world.config.first_day() - Duration::days(400);
    json!({
        "name": format!("properties/{}", found.id),
        "propertyType": "PROPERTY_TYPE_ORDINARY",
        "createTime": format!("{created}T10:04:11.532Z"),
        "updateTime": format!("{created}T10:04:11.532Z"),
        "parent": format!("accounts/{}", account_number(property)),
        "displayName": format!("{} - GA4", found.name),
        "industryCategory": "FOOD_AND_DRINK",
        "timeZone": found.time_zone,
        "currencyCode": found.currency,
        "serviceLevel": "GOOGLE_ANALYTICS_STANDARD",
        "account": format!("accounts/{}", account_number(property)),
    })
}

/// One account summary per property, so a login with many accounts pages.
fn account_summaries(shared: &Shared, call: &Call, world: &World) -> Response {
    let size = int_param(call.param("pageSize"), 50).clamp(1, 200);
    let size = size.min(shared.config.page_size_cap.map_or(u64::MAX, u64::from));
    let start = match call.param("pageToken") {
        None => 0,
        Some(text) => match decode_cursor(text) {
            Some(position) => position,
            None => return invalid("Invalid page token."),
        },
    };
    let count = u64::from(world.account_count());
    let end = (start + size).min(count);
    let summaries: Vec<Value> = (start..end)
        .filter_map(|p| u32::try_from(p).ok())
        .map(|p| {
            let found = world.account(PLATFORM, p);
            let account = account_number(p);
            json!({
                "name": format!("accountSummaries/{account}"),
                "account": format!("accounts/{account}"),
                "displayName": found.name,
                "propertySummaries": [{
                    "property": format!("properties/{}", found.id),
                    "displayName": format!("{} - GA4", found.name),
                    "propertyType": "PROPERTY_TYPE_ORDINARY",
                    "parent": format!("accounts/{account}"),
                }],
            })
        })
        .collect();
    let mut body = json!({ "accountSummaries": summaries });
    if end < count {
        body["nextPageToken"] = json!(cursor(end));
    }
    respond(StatusCode::OK, &body)
}

fn names(body: &Value, key: &str) -> Vec<String> {
    body.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// `limit` and `offset` are int64: proto3 JSON sends them as strings, clients also as numbers.
fn int64(body: &Value, key: &str) -> Option<u64> {
    match body.get(key)? {
        Value::String(text) => text.parse().ok(),
        Value::Number(number) => number.as_u64(),
        _ => None,
    }
}

fn run_report(shared: &Shared, call: &Call, world: &World, property: u32) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&call.body) else {
        return invalid("Invalid JSON payload received.");
    };
    let range = body.pointer("/dateRanges/0");
    let day = |key: &str| {
        range
            .and_then(|r| r.get(key))
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<NaiveDate>().ok())
    };
    let (Some(from), Some(until)) = (day("startDate"), day("endDate")) else {
        return invalid("dateRanges: a startDate and an endDate (YYYY-MM-DD) are required.");
    };
    if from > until {
        return invalid("dateRanges: startDate must not be after endDate.");
    }
    let dimensions = names(&body, "dimensions");
    let metrics = names(&body, "metrics");
    if let Some(unknown) = dimensions
        .iter()
        .find(|d| !DIMENSIONS.contains(&d.as_str()))
    {
        return invalid(&format!(
            "Field {unknown} is not a valid dimension. For a list of valid dimensions and metrics, see https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"
        ));
    }
    let Some(metric_types): Option<Vec<&str>> = metrics
        .iter()
        .map(|m| METRICS.iter().find(|(n, _)| n == m).map(|(_, t)| *t))
        .collect()
    else {
        return invalid("A requested field is not a valid metric.");
    };
    if metrics.is_empty() {
        return invalid("At least one metric is required.");
    }
    let limit = int64(&body, "limit").unwrap_or(10_000).clamp(1, 250_000);
    let limit = limit.min(shared.config.page_size_cap.map_or(u64::MAX, u64::from));
    let offset = int64(&body, "offset").unwrap_or(0);
    // Rows are the cells grouped by the asked dimensions, in the order of their values.
    let mut grouped: BTreeMap<Vec<String>, Visits> = BTreeMap::new();
    if let Some((from, until)) = world.clamp(from, until) {
        for date in from.iter_days().take_while(|d| *d <= until) {
            for (source, source_name) in SOURCES.iter().enumerate() {
                for (device, device_name) in DEVICES.iter().enumerate() {
                    let Some(v) = visits(world, property, date, source, device) else {
                        continue;
                    };
                    let key: Vec<String> = dimensions
                        .iter()
                        .map(|d| match d.as_str() {
                            "date" => date.format("%Y%m%d").to_string(),
                            "sessionSourceMedium" => (*source_name).to_owned(),
                            _ => (*device_name).to_owned(),
                        })
                        .collect();
                    let total = grouped.entry(key).or_default();
                    total.sessions += v.sessions;
                    total.users += v.users;
                    total.key_events += v.key_events;
                    total.revenue_micros += v.revenue_micros;
                }
            }
        }
    }
    let row_count = grouped.len() as u64;
    let rows: Vec<Value> = grouped
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|(key, v)| {
            let values: Vec<Value> = metrics
                .iter()
                .map(|m| {
                    let text = match m.as_str() {
                        "sessions" => v.sessions.to_string(),
                        "totalUsers" => v.users.to_string(),
                        "keyEvents" => v.key_events.to_string(),
                        _ => major(v.revenue_micros),
                    };
                    json!({ "value": text })
                })
                .collect();
            json!({
                "dimensionValues": key.iter().map(|k| json!({ "value": k })).collect::<Vec<_>>(),
                "metricValues": values,
            })
        })
        .collect();
    let found = world.account(PLATFORM, property);
    let mut out = json!({
        "dimensionHeaders": dimensions.iter().map(|d| json!({ "name": d })).collect::<Vec<_>>(),
        "metricHeaders": metrics.iter().zip(&metric_types).map(|(m, t)| json!({ "name": m, "type": t })).collect::<Vec<_>>(),
        "metadata": { "currencyCode": found.currency, "timeZone": found.time_zone },
        "kind": "analyticsData#runReport",
    });
    // proto3 JSON leaves out an empty list and a zero count.
    if !rows.is_empty() {
        out["rows"] = json!(rows);
    }
    if row_count > 0 {
        out["rowCount"] = json!(row_count);
    }
    if body.get("returnPropertyQuota").and_then(Value::as_bool) == Some(true) {
        let used = shared.request_count("runReport").min(199_000);
        let quota = |total: u64| json!({ "consumed": 1, "remaining": total.saturating_sub(used) });
        out["propertyQuota"] = json!({
            "tokensPerDay": quota(200_000),
            "tokensPerHour": quota(40_000),
            "concurrentRequests": { "consumed": 0, "remaining": 10 },
            "serverErrorsPerProjectPerHour": { "consumed": 0, "remaining": 10 },
            "potentiallyThresholdedRequestsPerHour": { "consumed": 0, "remaining": 120 },
            "tokensPerProjectPerHour": quota(14_000),
        });
    }
    respond(StatusCode::OK, &out)
}
