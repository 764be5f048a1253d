//! Serper's Google search API (google.serper.dev) under `/serper`: `POST /serper/search` and
//! `POST /serper/news`, the key in the `X-API-KEY` header and the query as a JSON body
//! (`q`, `num`, `gl`, `hl`, `tbs`). Web answers are `{searchParameters, organic: [{title, link,
//! snippet, date?, position}], relatedSearches, credits}`; news answers `{searchParameters,
//! news: [{title, link, snippet, date, source, imageUrl, position}], credits}`. Dates come as
//! Google shows them ("3 hours ago", "2 days ago", "Jan 5, 2025"), relative to the sandbox's
//! `today`. Results are a pure function of the seed and the query text: the same search gives
//! the same pages, links and dates.
//!
//! Errors are Serper's `{message, statusCode}`: a missing or unknown key is a 403
//! `Unauthorized.`, too many requests a 429, a body that is not a query a 400.

use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::call::Call;
use crate::state::{Shared, TokenState};
use crate::wire::json as respond;
use crate::{FaultKind, SandboxPlatform};

const SITES: &[(&str, &str)] = &[
    ("www.reddit.com", "Reddit"),
    ("www.nytimes.com", "The New York Times"),
    ("www.theverge.com", "The Verge"),
    ("www.forbes.com", "Forbes"),
    ("techcrunch.com", "TechCrunch"),
    ("www.trustpilot.com", "Trustpilot"),
    ("www.youtube.com", "YouTube"),
    ("medium.com", "Medium"),
    ("www.businessinsider.com", "Business Insider"),
    ("www.wired.com", "WIRED"),
];

const ANGLES: &[&str] = &[
    "review: is it worth it?",
    "vs the competition",
    "what customers are saying",
    "pricing, plans and alternatives",
    "launches a new line",
    "complaints and how they were handled",
    "a buyer's guide",
    "the best deals this month",
];

fn failure(status: StatusCode, message: &str) -> Response {
    respond(
        status,
        &json!({ "message": message, "statusCode": status.as_u16() }),
    )
}

pub(crate) fn fault(kind: FaultKind, shared: &Shared, call: &Call) -> Response {
    match kind {
        FaultKind::RateLimit => failure(StatusCode::TOO_MANY_REQUESTS, "Too many requests"),
        FaultKind::ExpiredToken | FaultKind::RevokedToken => {
            if let Some(key) = call.header("x-api-key") {
                shared.revoke_token(key);
            }
            failure(StatusCode::FORBIDDEN, "Unauthorized.")
        }
        _ => failure(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
    }
}

#[derive(Deserialize)]
struct Query {
    q: String,
    #[serde(default)]
    num: Option<u32>,
    #[serde(default)]
    gl: Option<String>,
    #[serde(default)]
    hl: Option<String>,
    #[serde(default)]
    tbs: Option<String>,
}

pub(crate) fn handle(shared: &Shared, call: &Call) -> Response {
    let valid = call
        .header("x-api-key")
        .is_some_and(|key| shared.token_state(SandboxPlatform::Serper, key) == TokenState::Valid);
    if !valid {
        return failure(StatusCode::FORBIDDEN, "Unauthorized.");
    }
    let news = match (call.method.clone(), call.segments("/serper").as_slice()) {
        (Method::POST, ["search"]) => false,
        (Method::POST, ["news"]) => true,
        _ => return failure(StatusCode::NOT_FOUND, "Not found"),
    };
    let Ok(query) = serde_json::from_slice::<Query>(&call.body) else {
        return failure(StatusCode::BAD_REQUEST, "Missing query parameter");
    };
    if query.q.trim().is_empty() {
        return failure(StatusCode::BAD_REQUEST, "Missing query parameter");
    }
    let num = query.num.unwrap_or(10).clamp(1, 100);
    let mut parameters = json!({
        "q": query.q,
        "gl": query.gl.clone().unwrap_or_else(|| "us".into()),
        "hl": query.hl.clone().unwrap_or_else(|| "en".into()),
        "type": if news { "news" } else { "search" },
        "num": num,
        "engine": "google",
    });
    if let Some(tbs) = &query.tbs {
        parameters["tbs"] = Value::from(tbs.clone());
    }
    let results: Vec<Value> = (0..num)
        .map(|position| {
            result(
                shared.config.seed,
                shared.config.today,
                &query.q,
                position,
                news,
            )
        })
        .collect();
    let body = if news {
        json!({ "searchParameters": parameters, "news": results, "credits": 1 })
    } else {
        json!({
            "searchParameters": parameters,
            "organic": results,
            "relatedSearches": [
                { "query": format!("{} reviews", query.q) },
                { "query": format!("{} alternatives", query.q) },
            ],
            "credits": 1,
        })
    };
    respond(StatusCode::OK, &body)
}

/// A number fixed by the seed, the query and a position.
fn hash(seed: u64, query: &str, position: u32) -> u64 {
    let mut key = seed ^ 0x9E37_79B9_7F4A_7C15 ^ u64::from(position).wrapping_mul(0x1000_0001);
    for byte in query.to_lowercase().bytes() {
        key = (key ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    key ^ (key >> 31)
}

fn slug(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.join("-")
}

/// The date Google shows for a result: recent ones relative ("5 hours ago", "3 days ago",
/// "2 weeks ago"), older ones as a date ("Jan 5, 2025"); web results have none a third of the
/// time.
fn shown_date(today: NaiveDate, key: u64, news: bool) -> Option<String> {
    let pick = key % 6;
    if !news && pick.is_multiple_of(3) {
        return None;
    }
    let n = 1 + (key >> 8) % 6;
    Some(match pick {
        0 | 1 => format!("{} hours ago", n + 1),
        2 => format!("{n} day{} ago", if n == 1 { "" } else { "s" }),
        3 => format!("{} weeks ago", 2 + n % 3),
        _ => {
            let day = today - chrono::Days::new(30 + (key >> 16) % 400);
            day.format("%b %-d, %Y").to_string()
        }
    })
}

fn result(seed: u64, today: NaiveDate, query: &str, position: u32, news: bool) -> Value {
    let key = hash(seed, query, position);
    let (domain, publisher) = SITES[(key % SITES.len() as u64) as usize];
    let angle = ANGLES[((key >> 4) % ANGLES.len() as u64) as usize];
    let title = format!("{query} {angle}");
    let link = format!(
        "https://{domain}/{}/{}-{:x}",
        if news { "news" } else { "articles" },
        slug(&title),
        key & 0xffff_ffff
    );
    let snippet = format!(
        "{publisher} looks at {query}: {angle}. Readers and buyers weigh in on price, quality \
         and service."
    );
    let mut value = json!({
        "title": title,
        "link": link,
        "snippet": snippet,
        "position": position + 1,
    });
    if let Some(date) = shown_date(today, key, news) {
        value["date"] = Value::from(date);
    }
    if news {
        value["source"] = Value::from(publisher);
        value["imageUrl"] = Value::from(format!(
            "https://encrypted-tbn0.gstatic.com/images?q=tbn:{:x}",
            key
        ));
    }
    value
}
