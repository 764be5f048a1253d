//! LinkedIn's Marketing API (versioned REST) under `/linkedin/rest/…` and its token endpoint
//! (www.linkedin.com) under `/linkedin/oauth/v2/accessToken`: ad accounts, campaign groups,
//! campaigns and creatives paged by `pageSize`/`pageToken` (`metadata.nextPageToken`), and
//! `adAnalytics` without paging (at most 15,000 elements, at most 20 fields).
//!
//! Every REST call needs `LinkedIn-Version` and `X-Restli-Protocol-Version: 2.0.0`. Rest.li
//! parameters are read from the raw query string, as LinkedIn does: their structure (`(`,
//! `)`, `:`, `,`) must not be percent-encoded, the URNs inside `List(…)` must be. A rate limit
//! is a bare 429 with no header naming a wait.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value, json};

use crate::call::Call;
use crate::consent;
use crate::data::{Kind, World};
use crate::metrics::Cell;
use crate::report::{Grid, Periods, periods};
use crate::state::{Shared, TokenState};
use crate::wire::{cursor, decode_cursor, int_param, json as respond, major};
use crate::{FaultKind, Level, SandboxPlatform};

const PLATFORM: SandboxPlatform = SandboxPlatform::Linkedin;

const MAX_ELEMENTS: u64 = 15_000;
const MAX_FIELDS: usize = 20;

const OBJECTIVES: &[&str] = &[
    "WEBSITE_CONVERSION",
    "WEBSITE_VISIT",
    "LEAD_GENERATION",
    "WEBSITE_CONVERSION",
    "VIDEO_VIEW",
    "ENGAGEMENT",
    "BRAND_AWARENESS",
    "WEBSITE_VISIT",
];

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    respond(
        status,
        &json!({ "status": status.as_u16(), "code": code, "message": message }),
    )
}

fn bad(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "ILLEGAL_ARGUMENT", message)
}

fn invalid_token() -> Response {
    respond(
        StatusCode::UNAUTHORIZED,
        &json!({ "serviceErrorCode": 65600, "message": "Invalid access token", "status": 401 }),
    )
}

pub(crate) fn fault(kind: FaultKind) -> Response {
    match kind {
        // No Retry-After, no rate-limit headers: LinkedIn names no wait.
        FaultKind::RateLimit => respond(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({ "status": 429, "serviceErrorCode": 101, "code": "TOO_MANY_REQUESTS",
                     "message": "Resource level throttle limit for calls to this resource is reached." }),
        ),
        FaultKind::ExpiredToken => respond(
            StatusCode::UNAUTHORIZED,
            &json!({ "serviceErrorCode": 65601, "message": "The token used in the request has expired", "status": 401 }),
        ),
        FaultKind::RevokedToken => invalid_token(),
        FaultKind::ServerError | FaultKind::Timeout | FaultKind::Malformed => respond(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "message": "Internal Server Error", "status": 500 }),
        ),
    }
}

pub(crate) fn handle(shared: &Shared, call: &Call) -> Response {
    let segments = call.segments("/linkedin");
    if call.method == Method::POST && segments == ["oauth", "v2", "accessToken"] {
        return token(shared, call);
    }
    if call.method == Method::GET && segments == ["oauth", "v2", "authorization"] {
        // www.linkedin.com's authorisation page: `response_type=code` and space-separated
        // scopes are required.
        return consent::approve(
            shared,
            call,
            &consent::ConsentRules {
                platform: PLATFORM,
                id_name: "client_id",
                scope_required: true,
                response_type_required: true,
                code_names: &["code"],
                code_prefix: "AQT",
            },
        );
    }
    if segments.first() != Some(&"rest") {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found");
    }
    if call
        .header("linkedin-version")
        .is_none_or(|v| v.len() != 6 || !v.bytes().all(|b| b.is_ascii_digit()))
    {
        return error(
            StatusCode::BAD_REQUEST,
            "VERSION_MISSING",
            "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
        );
    }
    if call.header("x-restli-protocol-version") != Some("2.0.0") {
        return bad("The X-Restli-Protocol-Version header must be 2.0.0.");
    }
    match call.bearer().map(|t| shared.token_state(PLATFORM, t)) {
        Some(TokenState::Valid) => {}
        _ => return invalid_token(),
    }
    if call.method != Method::GET {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "Method not allowed",
        );
    }
    let raw = raw_params(&call.raw_query);
    let world = shared.world();
    match &segments[1..] {
        ["adAccounts"] => {
            let items = (0..world.account_count())
                .map(|a| account_json(&world, a))
                .collect();
            list(shared, call, items)
        }
        [
            "adAccounts",
            id,
            stream @ ("adCampaignGroups" | "adCampaigns" | "creatives"),
        ] => {
            let Some(account) = world.account_of(PLATFORM, id) else {
                return error(
                    StatusCode::FORBIDDEN,
                    "ACCESS_DENIED",
                    "Not enough permissions to access: adAccounts",
                );
            };
            let level = match *stream {
                "adCampaignGroups" => Level::Campaign,
                "adCampaigns" => Level::AdGroup,
                _ => Level::Ad,
            };
            let items = (0..world.count(level))
                .map(|i| entity_json(&world, account, level, i))
                .collect();
            list(shared, call, items)
        }
        ["adAnalytics"] => analytics(&world, &raw),
        _ => error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found"),
    }
}

/// The query string's pairs as sent, nothing decoded.
fn raw_params(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (pair.to_owned(), String::new()),
        })
        .collect()
}

fn raw<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `pageSize` (at most 1000, then the sandbox's cap) and `pageToken`.
fn list(shared: &Shared, call: &Call, items: Vec<Value>) -> Response {
    let size = int_param(call.param("pageSize"), 100);
    if !(1..=1000).contains(&size) {
        return bad("pageSize must be between 1 and 1000");
    }
    let size = size.min(shared.config.page_size_cap.map_or(u64::MAX, u64::from));
    let start = match call.param("pageToken") {
        None => 0,
        Some(text) => match decode_cursor(text) {
            Some(position) => position,
            None => return bad("Invalid pageToken"),
        },
    };
    let end = (start + size).min(items.len() as u64);
    let page: Vec<Value> = items
        .get(start as usize..end as usize)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let mut metadata = Map::new();
    if end < items.len() as u64 {
        metadata.insert("nextPageToken".into(), json!(cursor(end)));
    }
    respond(
        StatusCode::OK,
        &json!({ "elements": page, "metadata": metadata }),
    )
}

fn urn(kind: &str, id: impl std::fmt::Display) -> String {
    format!("urn:li:{kind}:{id}")
}

fn account_json(world: &World, index: u32) -> Value {
    let account = world.account(PLATFORM, index);
    json!({
        "id": account.id,
        "name": account.name,
        "currency": account.currency,
        "status": "ACTIVE",
        "type": "BUSINESS",
        "reference": urn("organization", 2_414_183 + u64::from(index)),
        "test": false,
        "notifiedOnCampaignOptimization": false,
        "version": { "versionTag": "3" },
    })
}

fn stamps(created: chrono::DateTime<chrono::Utc>, updated: chrono::DateTime<chrono::Utc>) -> Value {
    json!({ "created": { "time": created.timestamp_millis() }, "lastModified": { "time": updated.timestamp_millis() } })
}

fn entity_json(world: &World, account: u32, level: Level, index: u64) -> Value {
    let found = world.account(PLATFORM, account);
    let id = |kind, i| world.entity_id(PLATFORM, kind, account, i);
    let account_urn = urn("sponsoredAccount", found.id);
    match level {
        Level::Campaign | Level::Account => {
            let group = world.campaign(PLATFORM, account, index);
            json!({
                "id": id(Kind::Campaign, index),
                "account": account_urn,
                "name": group.name,
                "status": if group.paused { "PAUSED" } else { "ACTIVE" },
                "objectiveType": OBJECTIVES[index as usize % OBJECTIVES.len()],
                "runSchedule": { "start": group.created.timestamp_millis() },
                "totalBudget": { "amount": major(group.daily_budget_cents * 10_000 * 30), "currencyCode": found.currency },
                "test": false,
                "changeAuditStamps": stamps(group.created, group.updated),
            })
        }
        Level::AdGroup => {
            let campaign = world.ad_group(PLATFORM, account, index);
            json!({
                "id": id(Kind::AdGroup, index),
                "account": account_urn,
                "campaignGroup": urn("sponsoredCampaignGroup", id(Kind::Campaign, campaign.campaign)),
                "name": campaign.name,
                "status": "ACTIVE",
                "type": "SPONSORED_UPDATES",
                "costType": "CPM",
                "objectiveType": OBJECTIVES[campaign.campaign as usize % OBJECTIVES.len()],
                "dailyBudget": { "amount": major(campaign.daily_budget_cents * 10_000), "currencyCode": found.currency },
                "targetingCriteria": { "include": { "and": [
                    { "or": { "urn:li:adTargetingFacet:locations": [urn("geo", match found.country { "US" => 103_644_278, "DE" => 101_282_230, "GB" => 101_165_590, _ => 101_174_742 })] } },
                    { "or": { "urn:li:adTargetingFacet:interests": campaign.audience.interests.iter().map(|i| urn("interest", 600 + i)).collect::<Vec<_>>() } },
                ] } },
                "locale": { "country": found.country, "language": "en" },
                "changeAuditStamps": stamps(campaign.created, campaign.updated),
                "version": { "versionTag": "1" },
            })
        }
        Level::Ad => {
            let ad = world.ad(PLATFORM, account, index);
            json!({
                "id": urn("sponsoredCreative", id(Kind::Ad, index)),
                "account": account_urn,
                "campaign": urn("sponsoredCampaign", id(Kind::AdGroup, ad.ad_group)),
                "name": ad.name,
                "intendedStatus": "ACTIVE",
                "isServing": true,
                "content": { "reference": urn("share", 7_100_000_000_000_000_000 + index) },
                "createdAt": ad.created.timestamp_millis(),
                "lastModifiedAt": ad.updated.timestamp_millis(),
                "isTest": false,
            })
        }
    }
}

/// The number after `key:` in a Rest.li record (`year:2024`).
fn number_after(text: &str, key: &str) -> Option<u32> {
    let start = text.find(&format!("{key}:"))? + key.len() + 1;
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// `(start:(year:Y,month:M,day:D),end:(…))`.
fn date_range(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let start = text.find("start:(")?;
    let end = text.find("end:(")?;
    let date = |part: &str| {
        NaiveDate::from_ymd_opt(
            number_after(part, "year")? as i32,
            number_after(part, "month")?,
            number_after(part, "day")?,
        )
    };
    let (start_part, end_part) = if start < end {
        (&text[start..end], &text[end..])
    } else {
        (&text[start..], &text[end..start])
    };
    Some((date(start_part)?, date(end_part)?))
}

fn pivot_level(name: &str) -> Option<Level> {
    Some(match name {
        "ACCOUNT" => Level::Account,
        "CAMPAIGN_GROUP" => Level::Campaign,
        "CAMPAIGN" => Level::AdGroup,
        "CREATIVE" => Level::Ad,
        _ => return None,
    })
}

fn kind_of(level: Level) -> Kind {
    match level {
        Level::Campaign | Level::Account => Kind::Campaign,
        Level::AdGroup => Kind::AdGroup,
        Level::Ad => Kind::Ad,
    }
}

fn pivot_urn(world: &World, account: u32, level: Level, index: u64) -> String {
    let id = world.entity_id(PLATFORM, kind_of(level), account, index);
    match level {
        Level::Account => urn("sponsoredAccount", world.account_id(PLATFORM, account)),
        Level::Campaign => urn("sponsoredCampaignGroup", id),
        Level::AdGroup => urn("sponsoredCampaign", id),
        Level::Ad => urn("sponsoredCreative", id),
    }
}

fn field(name: &str, cell: &Cell) -> Option<Value> {
    Some(match name {
        "impressions" => json!(cell.impressions),
        "clicks" | "landingPageClicks" => json!(cell.clicks),
        "costInLocalCurrency" | "costInUsd" => json!(major(cell.spend_micros)),
        "externalWebsiteConversions" => json!(cell.conversions_x4 / 4),
        "conversionValueInLocalCurrency" => json!(major(cell.value_micros)),
        _ => return None,
    })
}

/// `adAnalytics?q=analytics&pivot=(value:…)&timeGranularity=(value:DAILY)&dateRange=(…)`
/// with one facet (`accounts`, `campaignGroups`, `campaigns` or `creatives` as `List(urn…)`).
fn analytics(world: &World, params: &[(String, String)]) -> Response {
    for name in ["pivot", "timeGranularity", "dateRange", "fields"] {
        if raw(params, name).is_some_and(|v| {
            v.contains("%28") || v.contains("%29") || v.contains("%3A") || v.contains("%2C")
        }) {
            return bad(&format!(
                "Invalid value for param {name}: Rest.li syntax must not be percent-encoded"
            ));
        }
    }
    if raw(params, "q") != Some("analytics") {
        return bad("q must be analytics");
    }
    let Some(pivot) = raw(params, "pivot")
        .and_then(|v| v.strip_prefix("(value:")?.strip_suffix(')'))
        .and_then(pivot_level)
    else {
        return bad("pivot must be (value:ACCOUNT|CAMPAIGN_GROUP|CAMPAIGN|CREATIVE)");
    };
    if raw(params, "timeGranularity") != Some("(value:DAILY)") {
        return bad("this sandbox serves timeGranularity=(value:DAILY)");
    }
    let Some((from, until)) = raw(params, "dateRange").and_then(date_range) else {
        return bad("dateRange must be (start:(year:…,month:…,day:…),end:(…))");
    };
    let fields: Vec<&str> = raw(params, "fields")
        .map(|v| v.split(',').filter(|f| !f.is_empty()).collect())
        .unwrap_or_else(|| vec!["impressions", "clicks", "dateRange", "pivotValues"]);
    if fields.len() > MAX_FIELDS {
        return bad("A maximum of 20 fields can be requested at a time");
    }
    let probe = Cell::default();
    if let Some(unknown) = fields
        .iter()
        .find(|f| !matches!(**f, "dateRange" | "pivotValues") && field(f, &probe).is_none())
    {
        return bad(&format!("Unknown field {unknown}"));
    }
    // The facet: which entities, at which level.
    let facets = [
        ("accounts", Level::Account, "sponsoredAccount"),
        ("campaignGroups", Level::Campaign, "sponsoredCampaignGroup"),
        ("campaigns", Level::AdGroup, "sponsoredCampaign"),
        ("creatives", Level::Ad, "sponsoredCreative"),
    ];
    let Some((list, facet_level, kind)) = facets
        .iter()
        .find_map(|(name, level, kind)| raw(params, name).map(|v| (v, *level, *kind)))
    else {
        return bad("One of accounts, campaignGroups, campaigns or creatives is required");
    };
    let Some(items) = list.strip_prefix("List(").and_then(|v| v.strip_suffix(')')) else {
        return bad("A facet is a List(…) of URNs");
    };
    let rank = |l: Level| match l {
        Level::Account => 0,
        Level::Campaign => 1,
        Level::AdGroup => 2,
        Level::Ad => 3,
    };
    if rank(facet_level) > rank(pivot) {
        return bad("This sandbox pivots at the facet's level or finer");
    }
    // (account, facet entity index) of every URN asked for.
    let mut wanted: Vec<(u32, u64)> = Vec::new();
    for item in items.split(',') {
        // A raw `:` inside `List(…)` breaks Rest.li's parse: URNs must be encoded.
        let Some(decoded) = (!item.contains(':'))
            .then(|| percent_decode(item))
            .flatten()
        else {
            return bad(&format!("Invalid URN syntax in {item}: encode it"));
        };
        let Some(id) = decoded.strip_prefix(&format!("urn:li:{kind}:")) else {
            return bad(&format!("{decoded} is not a {kind} URN"));
        };
        let found = match facet_level {
            Level::Account => world.account_of(PLATFORM, id).map(|a| (a, 0)),
            level => world.decode_id(PLATFORM, kind_of(level), id),
        };
        match found {
            Some(found) => wanted.push(found),
            None => {
                return error(
                    StatusCode::FORBIDDEN,
                    "ACCESS_DENIED",
                    &format!("Not enough permissions to access {decoded}"),
                );
            }
        }
    }
    let mut accounts: Vec<u32> = wanted.iter().map(|(a, _)| *a).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let facet_ads = world.ads_per(facet_level);
    let pivot_ads = world.ads_per(pivot);
    let grids: Vec<Grid<'_>> = accounts
        .iter()
        .map(|account| Grid {
            world,
            platform: PLATFORM,
            account: *account,
            level: pivot,
            periods: periods(world, from, until, Periods::Days(1)),
            entities: (0..world.count(pivot))
                .filter(|entity| {
                    let ancestor = if facet_level == Level::Account {
                        0
                    } else {
                        entity * pivot_ads / facet_ads.max(1)
                    };
                    wanted.contains(&(*account, ancestor))
                })
                .collect(),
        })
        .collect();
    if grids.iter().map(Grid::count).sum::<u64>() > MAX_ELEMENTS {
        return bad(
            "The request would return more than 15000 elements: ask for a shorter dateRange or fewer entities",
        );
    }
    let mut elements = Vec::new();
    for grid in &grids {
        let (rows, _) = grid.page(0, usize::MAX);
        for row in rows {
            let mut element = Map::new();
            for name in &fields {
                let value = match *name {
                    "dateRange" => {
                        let day = |d: NaiveDate| json!({ "year": d.year(), "month": d.month(), "day": d.day() });
                        json!({ "start": day(row.period.0), "end": day(row.period.1) })
                    }
                    "pivotValues" => json!([pivot_urn(world, grid.account, pivot, row.entity)]),
                    other => field(other, &row.cell).unwrap_or(Value::Null),
                };
                element.insert((*name).to_owned(), value);
            }
            elements.push(Value::Object(element));
        }
    }
    respond(
        StatusCode::OK,
        &json!({ "paging": { "start": 0, "count": 10, "links": [] }, "elements": elements }),
    )
}

/// `POST /oauth/v2/accessToken`, the app's id and secret in the form: the authorization-code
/// grant (a single-use code bound to the app and the redirect), and the refresh-token grant,
/// where the refresh token stays the same.
fn token(shared: &Shared, call: &Call) -> Response {
    let oauth_error = |status: StatusCode, error: &str, description: &str| {
        respond(
            status,
            &json!({ "error": error, "error_description": description }),
        )
    };
    if call.param("client_id").is_none() || call.param("client_secret").is_none() {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if call.param("grant_type").map(String::as_str) == Some("authorization_code") {
        if call.param("client_secret").map(String::as_str) != Some(consent::APP_SECRET) {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed",
            );
        }
        let code = call.param("code").cloned().unwrap_or_default();
        let usable = consent::take(shared, PLATFORM, &code).is_some_and(|grant| {
            call.param("client_id") == Some(&grant.client_id)
                && call.param("redirect_uri") == Some(&grant.redirect_uri)
        });
        if !usable {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired.",
            );
        }
        return respond(
            StatusCode::OK,
            &json!({
                "access_token": shared.issue_token(PLATFORM),
                "expires_in": 5_184_000,
                "refresh_token": shared.mint_refresh(PLATFORM),
                "refresh_token_expires_in": 31_536_000,
                "scope": "r_ads,r_ads_reporting",
            }),
        );
    }
    if call.param("grant_type").map(String::as_str) != Some("refresh_token") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        );
    }
    let Some(refresh) = call.param("refresh_token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "A required parameter \"refresh_token\" is missing",
        );
    };
    let Some(refresh) = shared.use_refresh(PLATFORM, refresh, false) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The provided authorization grant or refresh token is invalid, expired or revoked.",
        );
    };
    respond(
        StatusCode::OK,
        &json!({
            "access_token": shared.issue_token(PLATFORM),
            "expires_in": 5_184_000,
            "refresh_token": refresh,
            "refresh_token_expires_in": 31_536_000,
            "scope": "r_ads,r_ads_reporting",
        }),
    )
}
