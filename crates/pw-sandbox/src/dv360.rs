//! Display & Video 360 under three prefixes: `/dv360` (displayvideo.googleapis.com/v4:
//! partners, advertisers, campaigns, insertion orders, line items and creatives, paged by
//! `pageToken`/`nextPageToken`), `/bidmanager` (doubleclickbidmanager.googleapis.com/v2:
//! queries created, run and their reports polled until DONE) and `/dv360-files` (the report's
//! CSV at its signed `googleCloudStoragePath`, which refuses a second authorisation).
//!
//! The sandbox's ad groups are DV360 line items; every campaign has one insertion order (the
//! budget container line items sit in). Reports are CSV: a header row, the rows (dates as
//! `2026/05/01`, money as decimals in the advertiser's currency), a totals row with empty
//! dimensions, a blank line and a summary block.

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

use crate::call::Call;
use crate::data::{Kind, World};
use crate::faults::Twist;
use crate::report::{Grid, Periods, periods};
use crate::state::{Shared, TokenState};
use crate::wire::{cursor, decode_cursor, google_error, int_param, json as respond};
use crate::{FaultKind, Level, SandboxPlatform};

const PLATFORM: SandboxPlatform = SandboxPlatform::Dv360;
/// The API version served (v3 was shut down on 2025-10-07).
const VERSION: &str = "v4";

pub(crate) const PARTNER: u64 = 2_100_000;

const GOALS: &[&str] = &[
    "CAMPAIGN_GOAL_TYPE_ONLINE_ACTION",
    "CAMPAIGN_GOAL_TYPE_BRAND_AWARENESS",
    "CAMPAIGN_GOAL_TYPE_ONLINE_ACTION",
    "CAMPAIGN_GOAL_TYPE_APP_INSTALL",
    "CAMPAIGN_GOAL_TYPE_OFFLINE_ACTION",
];

pub(crate) fn fault(kind: FaultKind) -> Response {
    match kind {
        FaultKind::RateLimit => google_error(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service 'displayvideo.googleapis.com'.",
        ),
        FaultKind::ExpiredToken | FaultKind::RevokedToken => crate::ga4::unauthenticated(),
        FaultKind::ServerError | FaultKind::Timeout | FaultKind::Malformed => google_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "The service is currently unavailable.",
        ),
    }
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

fn denied() -> Response {
    google_error(
        StatusCode::FORBIDDEN,
        "PERMISSION_DENIED",
        "The caller does not have permission",
    )
}

/// Whether the request runs a Bid Manager query (a server error there fails the report).
pub(crate) fn runs_query(call: &Call) -> bool {
    call.method == Method::POST
        && call.path.starts_with("/bidmanager/")
        && call.path.ends_with(":run")
}

pub(crate) fn handle(shared: &Shared, call: &Call, twist: Twist) -> Response {
    if call.path.starts_with("/dv360-files/") {
        return download(shared, call);
    }
    match call.bearer().map(|token| shared.google_token_state(token)) {
        Some(TokenState::Valid) => {}
        _ => return crate::ga4::unauthenticated(),
    }
    let world = shared.world();
    if call.path.starts_with("/bidmanager/") {
        return bid_manager(shared, call, &world, twist);
    }
    let segments = call.segments("/dv360");
    match (&call.method, segments.as_slice()) {
        (&Method::GET, [VERSION, "partners"]) => {
            let items = vec![json!({
                "name": format!("partners/{PARTNER}"),
                "partnerId": PARTNER.to_string(),
                "displayName": "Halcyon Agency",
                "entityStatus": "ENTITY_STATUS_ACTIVE",
                "generalConfig": { "timeZone": "America/New_York", "currencyCode": "USD" },
            })];
            list(shared, call, "partners", items)
        }
        (&Method::GET, [VERSION, "advertisers"]) => {
            if call.param("partnerId").map(String::as_str) != Some(&PARTNER.to_string()) {
                return invalid("A valid partnerId is required.");
            }
            let items = (0..world.account_count())
                .map(|a| advertiser_json(&world, a))
                .collect();
            list(shared, call, "advertisers", items)
        }
        (&Method::GET, [VERSION, "advertisers", id, stream]) => {
            let Some(account) = world.account_of(PLATFORM, id) else {
                return denied();
            };
            let (key, items): (&str, Vec<Value>) = match *stream {
                "campaigns" => (
                    "campaigns",
                    (0..world.count(Level::Campaign))
                        .map(|i| campaign_json(&world, account, i))
                        .collect(),
                ),
                "insertionOrders" => (
                    "insertionOrders",
                    (0..world.count(Level::Campaign))
                        .map(|i| insertion_order_json(&world, account, i))
                        .collect(),
                ),
                "lineItems" => (
                    "lineItems",
                    (0..world.count(Level::AdGroup))
                        .map(|i| line_item_json(&world, account, i))
                        .collect(),
                ),
                "creatives" => (
                    "creatives",
                    (0..world.count(Level::Ad))
                        .map(|i| creative_json(&world, account, i))
                        .collect(),
                ),
                _ => return not_found(call),
            };
            list(shared, call, key, items)
        }
        _ => not_found(call),
    }
}

/// `pageSize` (default 100, at most 200, then the sandbox's cap) and `pageToken`; the next
/// page's token is left out on the last.
fn list(shared: &Shared, call: &Call, key: &str, items: Vec<Value>) -> Response {
    let size = int_param(call.param("pageSize"), 100);
    if !(1..=200).contains(&size) {
        return invalid("pageSize must be between 1 and 200.");
    }
    let size = size.min(shared.config.page_size_cap.map_or(u64::MAX, u64::from));
    let start = match call.param("pageToken") {
        None => 0,
        Some(text) => match decode_cursor(text) {
            Some(position) => position,
            None => return invalid("Invalid page token."),
        },
    };
    let end = (start + size).min(items.len() as u64);
    let page: Vec<Value> = items
        .get(start as usize..end as usize)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    // An empty list is left out, as proto3 JSON does.
    let mut body = json!({});
    if !page.is_empty() {
        body[key] = Value::Array(page);
    }
    if end < items.len() as u64 {
        body["nextPageToken"] = json!(cursor(end));
    }
    respond(StatusCode::OK, &body)
}

fn advertiser_json(world: &World, account: u32) -> Value {
    let found = world.account(PLATFORM, account);
    json!({
        "name": format!("advertisers/{}", found.id),
        "advertiserId": found.id.to_string(),
        "partnerId": PARTNER.to_string(),
        "displayName": found.name,
        "entityStatus": "ENTITY_STATUS_ACTIVE",
        "updateTime": format!("{}T08:00:00.000Z", world.config.first_day()),
        "generalConfig": {
            "domainUrl": "https://halcyonroasters.example",
            "timeZone": found.time_zone,
            "currencyCode": found.currency,
        },
    })
}

fn id(world: &World, kind: Kind, account: u32, index: u64) -> String {
    world.entity_id(PLATFORM, kind, account, index).to_string()
}

fn date_json(date: NaiveDate) -> Value {
    json!({ "year": date.year(), "month": date.month(), "day": date.day() })
}

fn campaign_json(world: &World, account: u32, index: u64) -> Value {
    let campaign = world.campaign(PLATFORM, account, index);
    let advertiser = world.account_id(PLATFORM, account);
    let campaign_id = id(world, Kind::Campaign, account, index);
    json!({
        "name": format!("advertisers/{advertiser}/campaigns/{campaign_id}"),
        "advertiserId": advertiser.to_string(),
        "campaignId": campaign_id,
        "displayName": campaign.name,
        "entityStatus": if campaign.paused { "ENTITY_STATUS_PAUSED" } else { "ENTITY_STATUS_ACTIVE" },
        "updateTime": campaign.updated.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "campaignGoal": {
            "campaignGoalType": GOALS[index as usize % GOALS.len()],
            "performanceGoal": { "performanceGoalType": "PERFORMANCE_GOAL_TYPE_CPA", "performanceGoalAmountMicros": "25000000" },
        },
        "campaignFlight": { "plannedDates": { "startDate": date_json(campaign.created.date_naive()) } },
        "frequencyCap": { "unlimited": true },
    })
}

fn insertion_order_json(world: &World, account: u32, index: u64) -> Value {
    let campaign = world.campaign(PLATFORM, account, index);
    let advertiser = world.account_id(PLATFORM, account);
    let order = id(world, Kind::Budget, account, index);
    json!({
        "name": format!("advertisers/{advertiser}/insertionOrders/{order}"),
        "advertiserId": advertiser.to_string(),
        "campaignId": id(world, Kind::Campaign, account, index),
        "insertionOrderId": order,
        "displayName": format!("{} IO", campaign.name),
        "entityStatus": "ENTITY_STATUS_ACTIVE",
        "updateTime": campaign.created.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "budget": { "budgetUnit": "BUDGET_UNIT_CURRENCY", "automationType": "INSERTION_ORDER_AUTOMATION_TYPE_NONE",
            "budgetSegments": [{ "budgetAmountMicros": (campaign.daily_budget_cents * 10_000 * 30).to_string() }] },
    })
}

fn line_item_json(world: &World, account: u32, index: u64) -> Value {
    let group = world.ad_group(PLATFORM, account, index);
    let advertiser = world.account_id(PLATFORM, account);
    let line_item = id(world, Kind::AdGroup, account, index);
    let ads = world.ads_per(Level::AdGroup);
    json!({
        "name": format!("advertisers/{advertiser}/lineItems/{line_item}"),
        "advertiserId": advertiser.to_string(),
        "campaignId": id(world, Kind::Campaign, account, group.campaign),
        "insertionOrderId": id(world, Kind::Budget, account, group.campaign),
        "lineItemId": line_item,
        "displayName": group.name,
        "lineItemType": "LINE_ITEM_TYPE_DISPLAY_DEFAULT",
        "entityStatus": "ENTITY_STATUS_ACTIVE",
        "updateTime": group.updated.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "creativeIds": (index * ads..(index + 1) * ads).map(|ad| id(world, Kind::Creative, account, ad)).collect::<Vec<_>>(),
        "budget": { "budgetAllocationType": "LINE_ITEM_BUDGET_ALLOCATION_TYPE_UNLIMITED" },
    })
}

fn creative_json(world: &World, account: u32, index: u64) -> Value {
    let ad = world.ad(PLATFORM, account, index);
    let advertiser = world.account_id(PLATFORM, account);
    let creative = id(world, Kind::Creative, account, index);
    json!({
        "name": format!("advertisers/{advertiser}/creatives/{creative}"),
        "advertiserId": advertiser.to_string(),
        "creativeId": creative,
        "displayName": ad.name,
        "entityStatus": "ENTITY_STATUS_ACTIVE",
        "updateTime": ad.updated.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "creativeType": if index.is_multiple_of(3) { "CREATIVE_TYPE_VIDEO" } else { "CREATIVE_TYPE_STANDARD" },
        "hostingSource": "HOSTING_SOURCE_HOSTED",
        "dimensions": { "widthPixels": 300, "heightPixels": 250 },
        "exitEvents": [{ "type": "EXIT_EVENT_TYPE_DEFAULT", "url": ad.landing_url }],
    })
}

fn bid_manager(shared: &Shared, call: &Call, world: &World, twist: Twist) -> Response {
    let segments = call.segments("/bidmanager");
    match (&call.method, segments.as_slice()) {
        (&Method::POST, ["v2", "queries"]) => create_query(shared, call, world),
        (&Method::POST, ["v2", "queries", action]) => match action.split_once(':') {
            Some((query, "run")) => run_query(shared, query, twist.fail_job),
            _ => not_found(call),
        },
        (&Method::DELETE, ["v2", "queries", query]) => {
            if shared.remove_document(&format!("query:{query}")) {
                respond(StatusCode::OK, &json!({}))
            } else {
                google_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Query not found.")
            }
        }
        (&Method::GET, ["v2", "queries", query, "reports", report]) => {
            report_status(shared, call, query, report)
        }
        _ => not_found(call),
    }
}

fn group_columns(group: &str) -> Option<&'static [&'static str]> {
    Some(match group {
        "FILTER_DATE" => &["Date"],
        "FILTER_ADVERTISER" => &["Advertiser", "Advertiser ID"],
        "FILTER_ADVERTISER_CURRENCY" => &["Advertiser Currency"],
        "FILTER_MEDIA_PLAN" => &["Campaign", "Campaign ID"],
        "FILTER_INSERTION_ORDER" => &["Insertion Order", "Insertion Order ID"],
        "FILTER_LINE_ITEM" => &["Line Item", "Line Item ID"],
        _ => return None,
    })
}

fn metric_column(metric: &str) -> Option<&'static str> {
    Some(match metric {
        "METRIC_IMPRESSIONS" => "Impressions",
        "METRIC_CLICKS" => "Clicks",
        "METRIC_MEDIA_COST_ADVERTISER" => "Media Cost (Advertiser Currency)",
        "METRIC_TOTAL_CONVERSIONS" => "Total Conversions",
        "METRIC_REVENUE_ADVERTISER" => "Revenue (Adv Currency)",
        _ => return None,
    })
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn date_of(value: Option<&Value>) -> Option<NaiveDate> {
    let part = |name: &str| value?.get(name)?.as_u64();
    NaiveDate::from_ymd_opt(
        i32::try_from(part("year")?).ok()?,
        u32::try_from(part("month")?).ok()?,
        u32::try_from(part("day")?).ok()?,
    )
}

fn create_query(shared: &Shared, call: &Call, world: &World) -> Response {
    let Ok(mut body) = serde_json::from_slice::<Value>(&call.body) else {
        return invalid("Invalid JSON payload received.");
    };
    if body.pointer("/params/type").and_then(Value::as_str) != Some("STANDARD") {
        return invalid("params.type: this sandbox serves STANDARD reports.");
    }
    let groups = strings(body.pointer("/params/groupBys"));
    if let Some(unknown) = groups.iter().find(|g| group_columns(g).is_none()) {
        return invalid(&format!("params.groupBys: {unknown} is not supported."));
    }
    let metrics = strings(body.pointer("/params/metrics"));
    if metrics.is_empty() || metrics.iter().any(|m| metric_column(m).is_none()) {
        return invalid("params.metrics: unknown or missing metrics.");
    }
    let range = body.pointer("/metadata/dataRange");
    if range.and_then(|r| r.get("range")).and_then(Value::as_str) != Some("CUSTOM_DATES")
        || date_of(range.and_then(|r| r.get("customStartDate"))).is_none()
        || date_of(range.and_then(|r| r.get("customEndDate"))).is_none()
    {
        return invalid(
            "metadata.dataRange: CUSTOM_DATES with customStartDate and customEndDate are required here.",
        );
    }
    let advertiser = body
        .pointer("/params/filters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|f| f.get("type").and_then(Value::as_str) == Some("FILTER_ADVERTISER"))
        .and_then(|f| f.get("value").and_then(Value::as_str))
        .and_then(|id| world.account_of(PLATFORM, id));
    if advertiser.is_none() {
        return invalid(
            "params.filters: a FILTER_ADVERTISER of a reachable advertiser is required.",
        );
    }
    let query_id = shared.mint_digits(10);
    body["queryId"] = json!(query_id);
    shared.put_document(format!("query:{query_id}"), body.clone());
    respond(StatusCode::OK, &body)
}

fn run_query(shared: &Shared, query_id: &str, fail: bool) -> Response {
    let Some((query, _)) = shared.read_document(&format!("query:{query_id}")) else {
        return google_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Query not found.");
    };
    let report_id = shared.mint_digits(10);
    let range = query
        .pointer("/metadata/dataRange")
        .cloned()
        .unwrap_or(Value::Null);
    let report = json!({
        "key": { "queryId": query_id, "reportId": report_id },
        "metadata": {
            "status": { "state": "QUEUED", "format": "CSV" },
            "reportDataStartDate": range.get("customStartDate"),
            "reportDataEndDate": range.get("customEndDate"),
        },
        "params": query.get("params"),
    });
    let mut stored = report.clone();
    stored["sandboxFails"] = json!(fail);
    shared.put_document(format!("report:{report_id}"), stored);
    respond(StatusCode::OK, &report)
}

/// QUEUED at the first read, RUNNING at the second, DONE with its file after (FAILED after
/// the first when a fault failed its run).
fn report_status(shared: &Shared, call: &Call, query_id: &str, report_id: &str) -> Response {
    let Some((mut report, reads)) = shared.read_document(&format!("report:{report_id}")) else {
        return google_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Report not found.");
    };
    if report.pointer("/key/queryId").and_then(Value::as_str) != Some(query_id) {
        return google_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Report not found.");
    }
    let fails = report.get("sandboxFails").and_then(Value::as_bool) == Some(true);
    if let Some(fields) = report.as_object_mut() {
        fields.remove("sandboxFails");
    }
    let state = match (reads, fails) {
        (0, _) => "QUEUED",
        (_, true) => "FAILED",
        (1, false) => "RUNNING",
        _ => "DONE",
    };
    report["metadata"]["status"]["state"] = json!(state);
    if state == "DONE" {
        report["metadata"]["status"]["finishTime"] = json!("2026-06-01T12:00:00.000Z");
        report["metadata"]["googleCloudStoragePath"] = json!(format!(
            "{}/dv360-files/{report_id}.csv?GoogleAccessId=sandbox&Expires=1924992000&Signature=c2lnbmVk",
            call.origin()
        ));
    }
    respond(StatusCode::OK, &report)
}

fn quoted(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn decimal(micros: i64) -> String {
    format!("{}.{:06}", micros / 1_000_000, (micros % 1_000_000).abs())
}

/// The report's CSV. A signed URL carries its own authorisation: a bearer token as well is
/// refused, as Cloud Storage does.
fn download(shared: &Shared, call: &Call) -> Response {
    if call.header("authorization").is_some() {
        return (
            StatusCode::BAD_REQUEST,
            "<?xml version='1.0' encoding='UTF-8'?><Error><Code>InvalidArgument</Code><Message>Invalid argument.</Message><Details>Cannot use both signed URL and Authorization header.</Details></Error>",
        )
            .into_response();
    }
    let file = call
        .segments("/dv360-files")
        .first()
        .copied()
        .unwrap_or_default();
    let report_id = file.strip_suffix(".csv").unwrap_or(file);
    let Some((report, _)) = shared.read_document(&format!("report:{report_id}")) else {
        return (StatusCode::NOT_FOUND, "NoSuchKey").into_response();
    };
    let world = shared.world();
    let groups = strings(report.pointer("/params/groupBys"));
    let metrics = strings(report.pointer("/params/metrics"));
    let advertiser = report
        .pointer("/params/filters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|f| f.get("value").and_then(Value::as_str))
        .and_then(|id| world.account_of(PLATFORM, id));
    let from = date_of(report.pointer("/metadata/reportDataStartDate"));
    let until = date_of(report.pointer("/metadata/reportDataEndDate"));
    let (Some(account), Some(from), Some(until)) = (advertiser, from, until) else {
        return (StatusCode::NOT_FOUND, "NoSuchKey").into_response();
    };
    let level = if groups.iter().any(|g| g == "FILTER_LINE_ITEM") {
        Level::AdGroup
    } else if groups.iter().any(|g| g == "FILTER_MEDIA_PLAN") {
        Level::Campaign
    } else {
        Level::Account
    };
    let grid = Grid {
        world: &world,
        platform: PLATFORM,
        account,
        level,
        periods: periods(&world, from, until, Periods::Days(1)),
        entities: (0..world.count(level)).collect(),
    };
    let mut header: Vec<&str> = groups
        .iter()
        .filter_map(|g| group_columns(g))
        .flatten()
        .copied()
        .collect();
    header.extend(metrics.iter().filter_map(|m| metric_column(m)));
    let mut out = header
        .iter()
        .map(|h| quoted(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    let found = world.account(PLATFORM, account);
    let mut totals = crate::metrics::Cell::default();
    let (rows, _) = grid.page(0, usize::MAX);
    for row in &rows {
        totals.add(&row.cell);
        let mut cells: Vec<String> = Vec::new();
        for group in &groups {
            match group.as_str() {
                "FILTER_DATE" => cells.push(row.period.0.format("%Y/%m/%d").to_string()),
                "FILTER_ADVERTISER" => {
                    cells.push(quoted(&found.name));
                    cells.push(found.id.to_string());
                }
                "FILTER_ADVERTISER_CURRENCY" => cells.push(found.currency.to_owned()),
                "FILTER_MEDIA_PLAN" | "FILTER_INSERTION_ORDER" => {
                    let campaign = match level {
                        Level::AdGroup => world.ad_group(PLATFORM, account, row.entity).campaign,
                        _ => row.entity,
                    };
                    let kind = if group == "FILTER_MEDIA_PLAN" {
                        Kind::Campaign
                    } else {
                        Kind::Budget
                    };
                    cells.push(quoted(&world.campaign(PLATFORM, account, campaign).name));
                    cells.push(id(&world, kind, account, campaign));
                }
                _ => {
                    cells.push(quoted(&world.ad_group(PLATFORM, account, row.entity).name));
                    cells.push(id(&world, Kind::AdGroup, account, row.entity));
                }
            }
        }
        cells.extend(metrics.iter().map(|m| metric_text(m, &row.cell)));
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    // The totals row: dimensions empty, metrics summed.
    let blanks = header.len() - metrics.len();
    let mut cells = vec![String::new(); blanks];
    cells.extend(metrics.iter().map(|m| metric_text(m, &totals)));
    out.push_str(&cells.join(","));
    out.push_str("\n\n");
    out.push_str(&format!(
        "Report Time:,2026/06/01 12:00 UTC\nDate Range:,{} to {}\nGroup By:,{}\nMRC Accredited Metrics,\"Active View metrics are accredited only when Measurement Source = Measured, or Counted Impressions\"\nFilter by Advertiser ID:,{}\n",
        from.format("%Y/%m/%d"),
        until.format("%Y/%m/%d"),
        groups.join(" "),
        found.id
    ));
    let mut response = (StatusCode::OK, out).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    response
}

fn metric_text(metric: &str, cell: &crate::metrics::Cell) -> String {
    match metric {
        "METRIC_IMPRESSIONS" => cell.impressions.to_string(),
        "METRIC_CLICKS" => cell.clicks.to_string(),
        "METRIC_MEDIA_COST_ADVERTISER" => decimal(cell.spend_micros),
        "METRIC_TOTAL_CONVERSIONS" => format!("{:.3}", cell.conversions()),
        _ => decimal(cell.value_micros),
    }
}
