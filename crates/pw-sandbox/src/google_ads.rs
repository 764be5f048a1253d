//! The Google Ads REST API under `/google-ads/{vNN}/…`: `customers:listAccessibleCustomers` and
//! GAQL through `googleAds:search` (pages of `nextPageToken`) and `googleAds:searchStream` (a JSON
//! array of batches), with lowerCamelCase keys, int64 as strings, default values omitted
//! (proto3 JSON), `GoogleAdsFailure` errors and the 429 quota answer; audience lists and their
//! composition insights in [`audiences`].

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use crate::call::Call;
use crate::data::World;
use crate::gaql::{self, Condition, Op, Query};
use crate::metrics::{entity_day, entity_range};
use crate::report::{Periods, periods};
use crate::state::{Shared, TokenState};
use crate::wire::{base64url, base64url_decode, json as respond};
use crate::{FaultKind, Level, SandboxPlatform};

const PLATFORM: SandboxPlatform = SandboxPlatform::GoogleAds;

mod audiences;
mod fields;

use fields::{Ctx, Val, attributed, ctx_for, known, resource_level, value};

/// Google's fixed page size for `search` (and batch size for `searchStream`).
const PAGE_SIZE: u64 = 10_000;

fn version_of(call: &Call) -> String {
    call.segments("/google-ads")
        .first()
        .map_or_else(|| "v18".to_owned(), |v| (*v).to_owned())
}

fn request_id(shared: &Shared) -> String {
    base64url(&shared.mint("request").as_bytes()[..16])
}

/// A Google API error, with a `GoogleAdsFailure` detail when `failure` names one.
fn error(
    shared: &Shared,
    call: &Call,
    code: StatusCode,
    status: &str,
    message: &str,
    failure: Option<(&str, &str, &str, Option<Value>)>,
) -> Response {
    let mut error = json!({ "code": code.as_u16(), "message": message, "status": status });
    if let Some((family, value, detail, extra)) = failure {
        let mut item = json!({ "errorCode": { family: value }, "message": detail });
        if let Some(extra) = extra {
            item["details"] = extra;
        }
        error["details"] = json!([{
            "@type": format!("type.googleapis.com/google.ads.googleads.{}.errors.GoogleAdsFailure", version_of(call)),
            "errors": [item],
            "requestId": request_id(shared),
        }]);
    }
    respond(code, &json!({ "error": error }))
}

fn unauthenticated(shared: &Shared, call: &Call) -> Response {
    error(
        shared,
        call,
        StatusCode::UNAUTHORIZED,
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        None,
    )
}

pub(crate) fn fault(kind: FaultKind, call: &Call, shared: &Shared) -> Response {
    match kind {
        FaultKind::RateLimit => error(
            shared,
            call,
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            "Resource has been exhausted (e.g. check quota).",
            Some((
                "quotaError",
                "RESOURCE_TEMPORARILY_EXHAUSTED",
                "Too many requests. Retry in 1 seconds.",
                Some(json!({ "quotaErrorDetails": {
                    "rateScope": "DEVELOPER",
                    "rateName": "Number of operations for basic access",
                    "retryDelay": "1s",
                }})),
            )),
        ),
        FaultKind::ExpiredToken | FaultKind::RevokedToken => unauthenticated(shared, call),
        FaultKind::ServerError | FaultKind::Timeout | FaultKind::Malformed => respond(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "error": { "code": 500, "message": "Internal error encountered.", "status": "INTERNAL" } }),
        ),
    }
}

pub(crate) fn handle(shared: &Shared, call: &Call) -> Response {
    let segments = call.segments("/google-ads");
    let version_ok = segments.first().is_some_and(|v| {
        v.strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    let not_found = || {
        respond(
            StatusCode::NOT_FOUND,
            &json!({ "error": { "code": 404, "message": format!("The requested URL {} was not found on this server.", call.path), "status": "NOT_FOUND" } }),
        )
    };
    if !version_ok {
        return not_found();
    }
    match call
        .bearer()
        .map(|token| shared.token_state(PLATFORM, token))
    {
        Some(TokenState::Valid) => {}
        _ => return unauthenticated(shared, call),
    }
    if call.header("developer-token").is_none() {
        return error(
            shared,
            call,
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            Some((
                "authenticationError",
                "DEVELOPER_TOKEN_PARAMETER_MISSING",
                "The developer token parameter is missing from the request.",
                None,
            )),
        );
    }
    let world = shared.world();
    match (&call.method, &segments[1..]) {
        (&Method::GET, ["customers:listAccessibleCustomers"]) => {
            let names: Vec<String> = (0..world.account_count())
                .map(|a| format!("customers/{}", world.account_id(PLATFORM, a)))
                .collect();
            respond(StatusCode::OK, &json!({ "resourceNames": names }))
        }
        (&Method::POST, ["customers", customer, action])
            if *action == "googleAds:search" || *action == "googleAds:searchStream" =>
        {
            let Some(account) = world.account_of(PLATFORM, customer) else {
                return error(
                    shared,
                    call,
                    StatusCode::FORBIDDEN,
                    "PERMISSION_DENIED",
                    "The caller does not have permission",
                    Some((
                        "authorizationError",
                        "USER_PERMISSION_DENIED",
                        "User doesn't have permission to access customer. Note: If you're accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header.",
                        None,
                    )),
                );
            };
            search(
                shared,
                call,
                &world,
                account,
                *action == "googleAds:searchStream",
            )
        }
        (&Method::POST, ["customers", action])
            if action.ends_with(":generateAudienceCompositionInsights") =>
        {
            let customer = action.trim_end_matches(":generateAudienceCompositionInsights");
            match world.account_of(PLATFORM, customer) {
                Some(account) => audiences::composition(shared, call, &world, account),
                None => not_found(),
            }
        }
        _ => not_found(),
    }
}

fn like(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    let mut rest = text;
    for (index, part) in parts.iter().enumerate() {
        if index == 0 {
            let Some(after) = rest.strip_prefix(part) else {
                return false;
            };
            rest = after;
        } else if index == parts.len() - 1 {
            return part.is_empty() || rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    rest.is_empty()
}

fn holds(condition: &Condition, actual: &Val) -> bool {
    let text = actual.compare_text();
    let numeric = matches!(actual, Val::Int(_) | Val::Double(_));
    let compare = |literal: &String| -> std::cmp::Ordering {
        if numeric {
            let left: f64 = text.parse().unwrap_or(0.0);
            let right: f64 = literal.parse().unwrap_or(0.0);
            left.partial_cmp(&right)
                .unwrap_or(std::cmp::Ordering::Equal)
        } else {
            text.as_str().cmp(literal.as_str())
        }
    };
    let values = &condition.values;
    let first = values.first();
    use std::cmp::Ordering::{Equal, Greater, Less};
    match condition.op {
        Op::Eq => first.is_some_and(|v| compare(v) == Equal),
        Op::Ne => first.is_some_and(|v| compare(v) != Equal),
        Op::Gt => first.is_some_and(|v| compare(v) == Greater),
        Op::Ge => first.is_some_and(|v| compare(v) != Less),
        Op::Lt => first.is_some_and(|v| compare(v) == Less),
        Op::Le => first.is_some_and(|v| compare(v) != Greater),
        Op::In => values.iter().any(|v| compare(v) == Equal),
        Op::NotIn => !values.iter().any(|v| compare(v) == Equal),
        Op::Between => {
            values.len() == 2 && compare(&values[0]) != Less && compare(&values[1]) != Greater
        }
        Op::Like => first.is_some_and(|v| like(v, &text)),
        Op::NotLike => first.is_some_and(|v| !like(v, &text)),
        Op::IsNull => actual.is_default(),
        Op::IsNotNull => !actual.is_default(),
        // Date ranges are applied to the grid before rows are built.
        Op::During => true,
    }
}

/// The date range `segments.date` conditions allow, within the data.
fn date_range(world: &World, conditions: &[Condition]) -> (NaiveDate, NaiveDate) {
    let today = world.config.today;
    let mut from = world.config.first_day();
    let mut until = today - chrono::Duration::days(1);
    let parse = |text: &String| text.parse::<NaiveDate>().ok();
    let day = chrono::Duration::days(1);
    for condition in conditions.iter().filter(|c| c.field == "segments.date") {
        let values: Vec<NaiveDate> = condition.values.iter().filter_map(parse).collect();
        match (&condition.op, values.as_slice()) {
            (Op::Between, [low, high]) => {
                from = from.max(*low);
                until = until.min(*high);
            }
            (Op::Eq, [date]) => {
                from = from.max(*date);
                until = until.min(*date);
            }
            (Op::Ge, [date]) => from = from.max(*date),
            (Op::Gt, [date]) => from = from.max(*date + day),
            (Op::Le, [date]) => until = until.min(*date),
            (Op::Lt, [date]) => until = until.min(*date - day),
            (Op::During, _) => {
                let back = match condition.values.first().map(String::as_str) {
                    Some("YESTERDAY") => 1,
                    Some("LAST_7_DAYS") => 7,
                    Some("LAST_14_DAYS") => 14,
                    Some("LAST_30_DAYS") => 30,
                    Some("TODAY") => 0,
                    _ => 30,
                };
                from = from.max(today - chrono::Duration::days(back));
            }
            _ => {}
        }
    }
    (from, until)
}

/// Position and rows already returned, carried in a page token.
fn token(position: u64, emitted: u64) -> String {
    base64url(format!("pos:{position}:{emitted}").as_bytes())
}

fn read_token(text: &str) -> Option<(u64, u64)> {
    let decoded = String::from_utf8(base64url_decode(text)?).ok()?;
    let mut parts = decoded.strip_prefix("pos:")?.split(':');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

struct Plan {
    world: World,
    account: u32,
    query: Query,
    level: Level,
    metrics: bool,
    periods: Vec<(NaiveDate, NaiveDate)>,
    entities: u64,
}

impl Plan {
    fn len(&self) -> u64 {
        if self.metrics {
            self.periods.len() as u64 * self.entities
        } else {
            self.entities
        }
    }

    /// The row at a position, if it exists and passes the query's conditions.
    fn row(&self, position: u64) -> Option<Ctx> {
        let (entity, period) = if self.metrics {
            (
                position % self.entities,
                Some(self.periods[(position / self.entities) as usize]),
            )
        } else {
            (position, None)
        };
        let mut ctx = ctx_for(&self.world, self.level, entity);
        let conditions = &self.query.conditions;
        let check = |ctx: &Ctx, metrics: bool| {
            conditions
                .iter()
                .filter(|c| {
                    c.field != "segments.date" && c.field.starts_with("metrics.") == metrics
                })
                .all(|c| {
                    value(&self.world, self.account, &c.field, ctx).is_some_and(|v| holds(c, &v))
                })
        };
        if !check(&ctx, false) {
            return None;
        }
        if let Some(period) = period {
            let cell = if period.0 == period.1 {
                ctx.date = Some(period.0);
                entity_day(
                    &self.world,
                    PLATFORM,
                    self.account,
                    self.level,
                    entity,
                    period.0,
                )
            } else {
                entity_range(
                    &self.world,
                    PLATFORM,
                    self.account,
                    self.level,
                    entity,
                    period,
                )
            };
            // Rows with no impressions are not returned.
            if !cell.has_delivery() {
                return None;
            }
            ctx.cell = Some(cell);
            if !check(&ctx, true) {
                return None;
            }
        }
        Some(ctx)
    }

    fn page(&self, start: u64, emitted: u64, size: u64) -> (Vec<Value>, Option<(u64, u64)>) {
        let limit = self.query.limit.unwrap_or(u64::MAX);
        let mut rows = Vec::new();
        let mut position = start;
        let mut emitted = emitted;
        while position < self.len() && emitted < limit {
            if let Some(ctx) = self.row(position) {
                if rows.len() as u64 == size {
                    return (rows, Some((position, emitted)));
                }
                rows.push(self.render(&ctx));
                emitted += 1;
            }
            position += 1;
        }
        (rows, None)
    }

    fn render(&self, ctx: &Ctx) -> Value {
        let mut row = Map::new();
        let mut resources = vec![self.query.resource.clone()];
        for field in &self.query.fields {
            if let Some((prefix, _)) = field.split_once('.')
                && prefix != "metrics"
                && prefix != "segments"
                && !resources.iter().any(|r| r == prefix)
            {
                resources.push(prefix.to_owned());
            }
        }
        for resource in &resources {
            if let Some(Val::Text(name)) = value(
                &self.world,
                self.account,
                &format!("{resource}.resource_name"),
                ctx,
            ) {
                insert(
                    &mut row,
                    &[camel(resource), "resourceName".to_owned()],
                    json!(name),
                );
            }
        }
        for field in &self.query.fields {
            let Some(found) = value(&self.world, self.account, field, ctx) else {
                continue;
            };
            if found.is_default() {
                continue;
            }
            let path: Vec<String> = field.split('.').map(camel).collect();
            insert(&mut row, &path, found.to_json());
        }
        Value::Object(row)
    }
}

fn camel(segment: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for ch in segment.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

fn insert(map: &mut Map<String, Value>, path: &[String], value: Value) {
    match path {
        [] => {}
        [last] => {
            map.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = map.entry(first.clone()).or_insert_with(|| json!({}));
            if let Value::Object(inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

fn field_mask(query: &Query) -> String {
    query
        .fields
        .iter()
        .map(|field| field.split('.').map(camel).collect::<Vec<_>>().join("."))
        .collect::<Vec<_>>()
        .join(",")
}

fn search(shared: &Shared, call: &Call, world: &World, account: u32, stream: bool) -> Response {
    let body: Value = serde_json::from_slice(&call.body).unwrap_or(Value::Null);
    let invalid = |family: &str, code: &str, detail: &str| {
        error(
            shared,
            call,
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "Request contains an invalid argument.",
            Some((family, code, detail, None)),
        )
    };
    let Some(text) = body["query"].as_str() else {
        return invalid(
            "queryError",
            "QUERY_ERROR",
            "Error in query: the query is missing.",
        );
    };
    let query = match gaql::parse(text) {
        Ok(query) => query,
        Err(error) => return invalid("queryError", "QUERY_ERROR", &error.to_string()),
    };
    if query.resource == "user_list" {
        return audiences::user_lists(shared, call, world, account, &query, stream);
    }
    if attributed(&query.resource).is_empty() {
        return invalid(
            "queryError",
            "INVALID_RESOURCE_NAME",
            &format!("Error in query: unknown resource '{}'.", query.resource),
        );
    }
    let fields = query
        .fields
        .iter()
        .chain(query.conditions.iter().map(|c| &c.field));
    for field in fields.chain(query.order_by.iter().map(|(f, _)| f)) {
        if query.resource == "customer_client" && field.starts_with("metrics.") {
            return invalid(
                "queryError",
                "PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE",
                &format!(
                    "Cannot select or filter on the following metrics: '{field}' (could not support requested resources: 'CUSTOMER_CLIENT')."
                ),
            );
        }
        if !known(world, &query.resource, field) {
            return invalid(
                "queryError",
                "UNRECOGNIZED_FIELD",
                &format!("Unrecognized field in the query: '{field}'."),
            );
        }
    }
    let metrics = query.fields.iter().any(|f| f.starts_with("metrics."));
    let dated = query.fields.iter().any(|f| f == "segments.date");
    let level = resource_level(&query.resource).unwrap_or(Level::Account);
    let (from, until) = date_range(world, &query.conditions);
    let split = if dated {
        Periods::Days(1)
    } else {
        Periods::Total
    };
    let plan = Plan {
        world: world.clone(),
        account,
        level,
        metrics: metrics || dated,
        periods: if from <= until {
            periods(world, from, until, split)
        } else {
            Vec::new()
        },
        entities: world.count(level),
        query,
    };
    let size = shared
        .config
        .page_size_cap
        .map_or(PAGE_SIZE, u64::from)
        .min(PAGE_SIZE);
    let mask = field_mask(&plan.query);
    if stream {
        return stream_batches(plan, mask, request_id(shared), size);
    }
    let (start, emitted) = match body["pageToken"].as_str().filter(|t| !t.is_empty()) {
        None => (0, 0),
        Some(text) => match read_token(text) {
            Some(found) => found,
            None => {
                return invalid(
                    "requestError",
                    "INVALID_PAGE_TOKEN",
                    "Page token is invalid.",
                );
            }
        },
    };
    let (rows, next) = plan.page(start, emitted, size);
    let mut out = json!({ "fieldMask": mask });
    if !rows.is_empty() {
        out["results"] = json!(rows);
    }
    if let Some((position, emitted)) = next {
        out["nextPageToken"] = json!(token(position, emitted));
    }
    respond(StatusCode::OK, &out)
}

/// `searchStream`'s JSON array, written batch by batch as the client reads it, so a stream over
/// a million rows never exists in memory at once.
fn stream_batches(plan: Plan, mask: String, request_id: String, size: u64) -> Response {
    let start = Some((plan, (0_u64, 0_u64), true));
    let batches = futures::stream::unfold(start, move |state| {
        let mask = mask.clone();
        let request_id = request_id.clone();
        async move {
            let (plan, (position, emitted), first) = state?;
            let (rows, next) = plan.page(position, emitted, size);
            let mut batch = json!({ "fieldMask": mask, "requestId": request_id });
            if !rows.is_empty() {
                batch["results"] = json!(rows);
            }
            let mut text = String::from(if first { "[" } else { "," });
            text.push_str(&batch.to_string());
            let following = match next {
                Some(cursor) => Some((plan, cursor, false)),
                None => {
                    text.push(']');
                    None
                }
            };
            Some((
                Ok::<_, std::convert::Infallible>(Bytes::from(text)),
                following,
            ))
        }
    });
    let mut response = Response::new(Body::from_stream(batches));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}
