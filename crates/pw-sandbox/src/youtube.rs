//! YouTube under two prefixes: `/youtube-data` (www.googleapis.com/youtube/v3: `channels.list`
//! with `mine=true`, paged by `pageToken`) and `/youtube` (youtubeanalytics.googleapis.com/v2:
//! `reports.query`, a result table of `columnHeaders` and positional `rows`, the `rows` key
//! left out when there is no data).
//!
//! The reports served are the channel reports a connector needs: views per day (optionally of
//! one video, `filters=video==ID`), and the top videos (`dimensions=video`, sorted by a metric
//! descending, at most 200). Other combinations answer "The query is not supported", as the
//! real API does for combinations outside its report list. Viewing is a pure function of
//! (seed, channel, video, day, revision); a revision restates the last three days, and which
//! video-days have views never changes with one.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use crate::call::Call;
use crate::data::{World, hash, unit};
use crate::state::{Shared, TokenState};
use crate::wire::{cursor, decode_cursor, google_error, int_param, json as respond};
use crate::{FaultKind, SandboxPlatform, SignalTruth};

const PLATFORM: SandboxPlatform = SandboxPlatform::Youtube;

/// Videos on every channel.
pub(crate) const VIDEOS: u32 = 6;

const RESTATED_DAYS: i64 = 3;

const METRICS: &[&str] = &["views", "estimatedMinutesWatched", "likes"];

/// A channel id as YouTube spells them: `UC` and 22 more characters.
pub(crate) fn channel_id(channel: u32) -> String {
    format!("UCHalcyonRoastersTV{channel:05}")
}

/// An 11-character video id.
pub(crate) fn video_id(channel: u32, video: u32) -> String {
    format!("HRvid{channel:01}{video:05}")
}

fn channel_of(world: &World, id: &str) -> Option<u32> {
    (0..world.account_count()).find(|c| channel_id(*c) == id)
}

fn video_of(channel: u32, id: &str) -> Option<u32> {
    (0..VIDEOS).find(|v| video_id(channel, *v) == id)
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Viewing {
    pub views: i64,
    pub minutes: i64,
    pub likes: i64,
}

impl Viewing {
    fn add(&mut self, other: &Viewing) {
        self.views += other.views;
        self.minutes += other.minutes;
        self.likes += other.likes;
    }
}

/// One video's day; `None` when nobody watched it (YouTube then has no row).
pub(crate) fn viewing(world: &World, channel: u32, video: u32, date: NaiveDate) -> Option<Viewing> {
    let config = &world.config;
    if date < config.first_day() || date >= config.today {
        return None;
    }
    let day = u64::try_from(date.num_days_from_ce()).unwrap_or_default();
    let cell = [
        config.seed,
        PLATFORM.tag(),
        u64::from(channel),
        u64::from(video),
        day,
    ];
    if hash(&cell).is_multiple_of(7) {
        return None;
    }
    let restated = date >= config.today - Duration::days(RESTATED_DAYS);
    let revision = if restated { world.revision() } else { 0 };
    let draw = hash(&[hash(&cell), revision]);
    let popularity =
        40.0 + unit(hash(&[config.seed, u64::from(channel), u64::from(video)])) * 900.0;
    let views = (popularity * (0.5 + unit(draw))).round().max(1.0) as i64;
    Some(Viewing {
        views,
        minutes: (views as f64 * (1.5 + unit(hash(&[draw, 1])) * 3.0)).round() as i64,
        likes: (views as f64 * (0.01 + unit(hash(&[draw, 2])) * 0.04)).round() as i64,
    })
}

/// Video-days with views and their views over [from, until], across channels.
pub(crate) fn truth(world: &World, from: NaiveDate, until: NaiveDate) -> SignalTruth {
    let mut truth = SignalTruth::default();
    let Some((from, until)) = world.clamp(from, until) else {
        return truth;
    };
    for channel in 0..world.account_count() {
        for video in 0..VIDEOS {
            for date in from.iter_days().take_while(|d| *d <= until) {
                if let Some(v) = viewing(world, channel, video, date) {
                    truth.rows += 1;
                    truth.volume += v.views;
                }
            }
        }
    }
    truth
}

pub(crate) fn fault(kind: FaultKind) -> Response {
    match kind {
        FaultKind::RateLimit => respond(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({ "error": {
                "code": 429,
                "message": "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user'.",
                "errors": [{ "message": "Rate Limit Exceeded", "domain": "usageLimits", "reason": "rateLimitExceeded" }],
                "status": "RESOURCE_EXHAUSTED",
            }}),
        ),
        FaultKind::ExpiredToken | FaultKind::RevokedToken => crate::ga4::unauthenticated(),
        FaultKind::ServerError | FaultKind::Timeout | FaultKind::Malformed => google_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "Internal error encountered.",
        ),
    }
}

fn bad_request(message: &str) -> Response {
    respond(
        StatusCode::BAD_REQUEST,
        &json!({ "error": {
            "code": 400,
            "message": message,
            "errors": [{ "message": message, "domain": "global", "reason": "badRequest" }],
            "status": "INVALID_ARGUMENT",
        }}),
    )
}

pub(crate) fn handle(shared: &Shared, call: &Call) -> Response {
    match call.bearer().map(|token| shared.google_token_state(token)) {
        Some(TokenState::Valid) => {}
        _ => return crate::ga4::unauthenticated(),
    }
    let world = shared.world();
    let not_found = || {
        google_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!(
                "The requested URL {} was not found on this server.",
                call.path
            ),
        )
    };
    if call.path.starts_with("/youtube-data/") {
        return match (&call.method, call.segments("/youtube-data").as_slice()) {
            (&Method::GET, ["youtube", "v3", "channels"]) => channels(shared, call, &world),
            _ => not_found(),
        };
    }
    match (&call.method, call.segments("/youtube").as_slice()) {
        (&Method::GET, ["v2", "reports"]) => report(shared, call, &world),
        _ => not_found(),
    }
}

/// `channels.list` with `mine=true`: the channels the login owns (the sandbox's login owns
/// every channel of its config).
fn channels(shared: &Shared, call: &Call, world: &World) -> Response {
    if call.param("mine").map(String::as_str) != Some("true") {
        return bad_request("This sandbox serves channels.list with mine=true.");
    }
    let size = int_param(call.param("maxResults"), 5).clamp(1, 50);
    let size = size.min(shared.config.page_size_cap.map_or(u64::MAX, u64::from));
    let start = call
        .param("pageToken")
        .and_then(|t| decode_cursor(t))
        .unwrap_or(0);
    let count = u64::from(world.account_count());
    let end = (start + size).min(count);
    let items: Vec<Value> = (start..end)
        .filter_map(|c| u32::try_from(c).ok())
        .map(|c| {
            let account = world.account(PLATFORM, c);
            json!({
                "kind": "youtube#channel",
                "etag": format!("etag-{c}"),
                "id": channel_id(c),
                "snippet": {
                    "title": account.name,
                    "description": "Coffee, roasted with care.",
                    "customUrl": format!("@halcyonroasters{c}"),
                    "publishedAt": "2019-03-02T10:11:12Z",
                    "country": account.country,
                },
            })
        })
        .collect();
    let mut body = json!({
        "kind": "youtube#channelListResponse",
        "etag": "channels-etag",
        "pageInfo": { "totalResults": count, "resultsPerPage": size },
        "items": items,
    });
    if end < count {
        body["nextPageToken"] = json!(cursor(end));
    }
    respond(StatusCode::OK, &body)
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

fn report(shared: &Shared, call: &Call, world: &World) -> Response {
    let Some(channel) = call
        .param("ids")
        .and_then(|ids| ids.strip_prefix("channel=="))
        .and_then(|id| match id {
            // A sandbox login is every channel's owner; MINE is the first.
            "MINE" => Some(0),
            id => channel_of(world, id),
        })
    else {
        return respond(
            StatusCode::FORBIDDEN,
            &json!({ "error": { "code": 403, "message": "Forbidden", "errors": [{ "message": "Forbidden", "domain": "global", "reason": "forbidden" }], "status": "PERMISSION_DENIED" }}),
        );
    };
    let date = |name: &str| call.param(name).and_then(|t| t.parse::<NaiveDate>().ok());
    let (Some(from), Some(until)) = (date("startDate"), date("endDate")) else {
        return bad_request("Required parameters startDate and endDate (YYYY-MM-DD) are missing.");
    };
    let metrics = split(call.param("metrics"));
    if metrics.is_empty() || metrics.iter().any(|m| !METRICS.contains(&m.as_str())) {
        return bad_request("Unknown identifier in metrics, or none given.");
    }
    let dimensions = split(call.param("dimensions"));
    let filter_video = match call.param("filters").map(String::as_str) {
        None => None,
        Some(filter) => match filter
            .strip_prefix("video==")
            .and_then(|id| video_of(channel, id))
        {
            Some(video) => Some(video),
            None => return bad_request("The query is not supported."),
        },
    };
    let sort = call.param("sort").cloned().unwrap_or_default();
    let videos: Vec<u32> = filter_video.map_or_else(|| (0..VIDEOS).collect(), |v| vec![v]);
    let days: Vec<NaiveDate> = world
        .clamp(from, until)
        .map(|(from, until)| from.iter_days().take_while(|d| *d <= until).collect())
        .unwrap_or_default();
    // (key, viewing) rows, before sorting and paging.
    let mut rows: Vec<(Value, Viewing)> = Vec::new();
    match dimensions
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["day"] => {
            for date in &days {
                let mut total = Viewing::default();
                let mut any = false;
                for video in &videos {
                    if let Some(v) = viewing(world, channel, *video, *date) {
                        total.add(&v);
                        any = true;
                    }
                }
                if any {
                    rows.push((json!(date.to_string()), total));
                }
            }
            if sort.starts_with('-') {
                rows.reverse();
            }
        }
        ["video"] if filter_video.is_none() => {
            let max = int_param(call.param("maxResults"), 0);
            if !sort.starts_with('-') || max == 0 || max > 200 {
                return bad_request(
                    "The query is not supported: a top videos report needs sort by a metric descending and maxResults of at most 200.",
                );
            }
            for video in &videos {
                let mut total = Viewing::default();
                let mut any = false;
                for date in &days {
                    if let Some(v) = viewing(world, channel, *video, *date) {
                        total.add(&v);
                        any = true;
                    }
                }
                if any {
                    rows.push((json!(video_id(channel, *video)), total));
                }
            }
            rows.sort_by_key(|(_, v)| std::cmp::Reverse(v.views));
            let max = max.min(shared.config.page_size_cap.map_or(u64::MAX, u64::from));
            let skip = int_param(call.param("startIndex"), 1).max(1) - 1;
            rows = rows
                .into_iter()
                .skip(usize::try_from(skip).unwrap_or(usize::MAX))
                .take(usize::try_from(max).unwrap_or(usize::MAX))
                .collect();
        }
        _ => return bad_request("The query is not supported."),
    }
    let mut headers =
        vec![json!({ "name": dimensions[0], "columnType": "DIMENSION", "dataType": "STRING" })];
    headers.extend(
        metrics
            .iter()
            .map(|m| json!({ "name": m, "columnType": "METRIC", "dataType": "INTEGER" })),
    );
    let mut body = json!({ "kind": "youtubeAnalytics#resultTable", "columnHeaders": headers });
    if !rows.is_empty() {
        body["rows"] = Value::Array(
            rows.into_iter()
                .map(|(key, v)| {
                    let mut row = vec![key];
                    row.extend(metrics.iter().map(|m| match m.as_str() {
                        "views" => json!(v.views),
                        "estimatedMinutesWatched" => json!(v.minutes),
                        _ => json!(v.likes),
                    }));
                    Value::Array(row)
                })
                .collect(),
        );
    }
    respond(StatusCode::OK, &body)
}
