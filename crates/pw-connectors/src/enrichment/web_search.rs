//! Web and news search through Serper (google.serper.dev), for mentions of a brand and
//! research on its competitors. Every result is stored as an audience signal of kind Mention
//! (source `web` or `news`) whose text is its title and snippet and whose `metadata` keeps its
//! URL (`permalink`, which is also what tells one mention from another), title, snippet, the
//! query, the provider, its position and its publisher. The day is the one the result shows
//! ("3 days ago", "Jan 5, 2025"), or the day it was found when it shows none.
//!
//! Searching again updates what is stored instead of adding copies: a result whose URL is
//! already stored for the workspace (and audience) keeps the day and text it was first stored
//! with, so its natural key is the same even when "2 days ago" has become "4 days ago" or the
//! snippet has been reworded; its metadata takes the newer answer.

use chrono::{Datelike, Days, Months, NaiveDate};
use pw_domain::{AudienceId, SignalId, SignalKind, WorkspaceId};
use pw_workspaces::{AdDataWriter, SignalRow};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Enrichment, EnrichmentService, judge_common};
use crate::error::{ConnectorError, Result};
use crate::transport::{Answer, Verdict};

/// Which of Serper's searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebSearchKind {
    /// Google's web results (`/search`).
    Web,
    /// Google News (`/news`).
    News,
}

impl WebSearchKind {
    /// The signal source results are stored under.
    pub fn source(self) -> &'static str {
        match self {
            WebSearchKind::Web => "web",
            WebSearchKind::News => "news",
        }
    }

    fn path(self) -> &'static str {
        match self {
            WebSearchKind::Web => "search",
            WebSearchKind::News => "news",
        }
    }
}

/// What a search stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WebSearchResult {
    pub query: String,
    pub kind: WebSearchKind,
    /// In the provider's order.
    pub mentions: Vec<StoredMention>,
    /// How many of them were not stored before.
    pub new: usize,
}

/// One result as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredMention {
    pub signal_id: SignalId,
    pub url: String,
    pub title: String,
    pub snippet: String,
    /// The site or news source.
    pub publisher: Option<String>,
    pub position: u32,
    pub occurred_on: NaiveDate,
    /// The date as the provider showed it, when it showed one.
    pub shown_date: Option<String>,
    /// Whether this search stored it for the first time.
    pub new: bool,
}

/// The most results one search may ask for (Serper's own page limit).
pub const MAX_RESULTS: u32 = 100;

const PROVIDER: &str = "serper";

/// One result in Serper's answer (`organic[]` or `news[]`).
#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    snippet: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    position: Option<u32>,
}

#[derive(Deserialize)]
struct SerperAnswer {
    #[serde(default)]
    organic: Vec<Item>,
    #[serde(default)]
    news: Vec<Item>,
}

impl Enrichment {
    /// Searches the web (or the news) for `query`, up to `limit` results, and stores each as a
    /// mention of the workspace (for `audience` when given).
    pub async fn search_web(
        &self,
        workspace: WorkspaceId,
        query: &str,
        kind: WebSearchKind,
        audience: Option<AudienceId>,
        limit: u32,
    ) -> Result<WebSearchResult> {
        let query = query.trim();
        if query.is_empty() {
            return Err(ConnectorError::Invalid("the search has no words".into()));
        }
        if !(1..=MAX_RESULTS).contains(&limit) {
            return Err(ConnectorError::Invalid(format!(
                "a search returns 1 to {MAX_RESULTS} results, not {limit}"
            )));
        }
        self.require_target(workspace, audience).await?;
        let key = self.key(EnrichmentService::Serper).await?;
        let http = self.client(EnrichmentService::Serper);
        let url = format!("{}/{}", http.root, kind.path());
        let body = json!({ "q": query, "num": limit, "gl": "us", "hl": "en" });
        let answer: SerperAnswer = http
            .send(
                |client| {
                    client
                        .post(&url)
                        .header("X-API-KEY", key.expose())
                        .json(&body)
                },
                judge,
                |answer| {
                    serde_json::from_slice(&answer.body).map_err(|e| {
                        format!(
                            "its results: {}",
                            e.to_string().chars().take(160).collect::<String>()
                        )
                    })
                },
            )
            .await?;
        let items = match kind {
            WebSearchKind::Web => answer.organic,
            WebSearchKind::News => answer.news,
        };
        let today = chrono::Utc::now().date_naive();
        let stored = self
            .store(workspace, query, kind, audience, items, limit, today)
            .await?;
        tracing::info!(
            kind = kind.source(),
            results = stored.mentions.len(),
            new = stored.new,
            "web search stored"
        );
        Ok(stored)
    }

    async fn require_target(
        &self,
        workspace: WorkspaceId,
        audience: Option<AudienceId>,
    ) -> Result<()> {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ?)")
                .bind(workspace.to_string())
                .fetch_one(self.db.reader())
                .await?;
        if !exists {
            return Err(ConnectorError::WorkspaceNotFound(workspace.to_string()));
        }
        if let Some(audience) = audience {
            let ours: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM audiences WHERE id = ? AND workspace_id = ?)",
            )
            .bind(audience.to_string())
            .bind(workspace.to_string())
            .fetch_one(self.db.reader())
            .await?;
            if !ours {
                return Err(ConnectorError::Invalid(format!(
                    "the audience {audience} is not one of this workspace's"
                )));
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn store(
        &self,
        workspace: WorkspaceId,
        query: &str,
        kind: WebSearchKind,
        audience: Option<AudienceId>,
        items: Vec<Item>,
        limit: u32,
        today: NaiveDate,
    ) -> Result<WebSearchResult> {
        let mut tx = self.db.begin_write().await?;
        let mut rows = Vec::new();
        let mut mentions = Vec::new();
        let mut new = 0;
        let mut seen = std::collections::HashSet::new();
        for (index, item) in items.into_iter().enumerate() {
            // A result without a link cannot be told apart or visited; the same link twice in
            // one answer is one mention.
            let Some(url) = item
                .link
                .filter(|l| !l.trim().is_empty())
                .map(|l| canonical_url(&l))
            else {
                continue;
            };
            if !seen.insert(url.clone()) || mentions.len() >= limit as usize {
                continue;
            }
            let title = item.title.unwrap_or_default();
            let snippet = item.snippet.unwrap_or_default();
            let position = item.position.unwrap_or(index as u32 + 1);
            let publisher = item.source.or_else(|| host(&url));
            let text = match snippet.is_empty() {
                true => title.clone(),
                false => format!("{title} — {snippet}"),
            };
            let shown = item
                .date
                .as_deref()
                .and_then(|d| parse_result_date(d, today));
            // The same page found by a web search and by a news search is one mention: it
            // keeps the source it was first found by.
            let earlier: Option<(String, String, String)> = sqlx::query_as(
                "SELECT occurred_on, text, source FROM audience_signals
                 WHERE workspace_id = ? AND kind = ? AND source IN ('web', 'news')
                   AND coalesce(audience_id, '') = ? AND occurrence_key = ?
                 ORDER BY created_at LIMIT 1",
            )
            .bind(workspace.to_string())
            .bind(SignalKind::Mention.as_str())
            .bind(audience.map(|a| a.to_string()).unwrap_or_default())
            .bind(&url)
            .fetch_optional(&mut *tx)
            .await?;
            let source = earlier
                .as_ref()
                .map_or_else(|| kind.source().to_owned(), |(_, _, source)| source.clone());
            let first_seen =
                earlier.and_then(|(day, text, _)| Some((day.parse::<NaiveDate>().ok()?, text)));
            let is_new = first_seen.is_none();
            let (occurred_on, text) = first_seen.unwrap_or((shown.unwrap_or(today), text));
            new += usize::from(is_new);
            let row = SignalRow {
                workspace_id: workspace,
                audience_id: audience,
                kind: SignalKind::Mention,
                source,
                text,
                topic: None,
                sentiment: None,
                intent: None,
                volume: None,
                occurred_on,
                metadata: json!({
                    "permalink": url,
                    "title": title,
                    "snippet": snippet,
                    "query": query,
                    "provider": PROVIDER,
                    "position": position,
                    "publisher": publisher,
                    "shown_date": item.date,
                }),
            };
            mentions.push(StoredMention {
                signal_id: row.natural_id(),
                url,
                title,
                snippet,
                publisher,
                position,
                occurred_on,
                shown_date: item.date,
                new: is_new,
            });
            rows.push(row);
        }
        let ids = AdDataWriter::new(&mut tx).signals(&rows).await?;
        tx.commit().await?;
        // The stored id is the one the row already had when it existed.
        for (mention, id) in mentions.iter_mut().zip(ids) {
            mention.signal_id = id;
        }
        Ok(WebSearchResult {
            query: query.to_owned(),
            kind,
            mentions,
            new,
        })
    }
}

/// A link's host without `www.`, as the publisher of a web result.
/// A link as one page: without its fragment, its campaign-tracking parameters (`utm_*`,
/// `gclid`, `fbclid`) and a trailing slash, so the same article shared with different
/// tracking is one mention. A link that is not a URL is kept as it is.
pub fn canonical_url(link: &str) -> String {
    let Ok(mut url) = url::Url::parse(link.trim()) else {
        return link.trim().to_owned();
    };
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.starts_with("utm_") && k != "gclid" && k != "fbclid")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    let path = url.path().to_owned();
    if path.len() > 1 && path.ends_with('/') {
        url.set_path(path.trim_end_matches('/'));
    }
    url.to_string()
}

fn host(link: &str) -> Option<String> {
    let host = url::Url::parse(link).ok()?.host_str()?.to_owned();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_owned())
}

/// Serper's reading of its answers: a bad key is a 403 (`{"message": "Unauthorized."}`); 429
/// is too many requests; anything else refused carries its `message`.
fn judge(answer: &Answer) -> Verdict {
    let message = || {
        serde_json::from_slice::<Value>(&answer.body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
    };
    if answer.status == StatusCode::FORBIDDEN || answer.status == StatusCode::UNAUTHORIZED {
        return Verdict::Expired(
            message().unwrap_or_else(|| format!("it answered {}", answer.status)),
        );
    }
    judge_common(answer, message)
}

/// The day a result's shown date names, seen on `today`: "5 hours ago", "3 days ago",
/// "2 weeks ago", "1 month ago", "yesterday", "Jan 5, 2025", "January 5, 2025", "5 Jan 2025",
/// "Jan 5" (this year, or last year when that would be after today), "2025-01-05" (also with
/// a time after it), "01/05/2025" (month first, as Google US shows it). `None` for anything
/// else. A day after `today` is taken as today: a result is not from the future.
pub fn parse_result_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let text = text.trim().trim_end_matches('.').to_lowercase();
    let day = relative(&text, today).or_else(|| absolute(&text, today))?;
    Some(day.min(today))
}

fn relative(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    match text {
        "today" | "just now" | "now" => return Some(today),
        "yesterday" => return today.checked_sub_days(Days::new(1)),
        _ => {}
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let [count, unit, "ago"] = words.as_slice() else {
        return None;
    };
    let count: u32 = match *count {
        "a" | "an" | "one" => 1,
        n => n.parse().ok()?,
    };
    let unit = unit.trim_end_matches('s');
    match unit {
        "second" | "sec" | "minute" | "min" | "hour" | "hr" | "h" | "m" => Some(today),
        "day" | "d" => today.checked_sub_days(Days::new(u64::from(count))),
        "week" | "w" => today.checked_sub_days(Days::new(7 * u64::from(count))),
        "month" | "mo" => today.checked_sub_months(Months::new(count)),
        "year" | "yr" | "y" => today.checked_sub_months(Months::new(12 * count)),
        _ => None,
    }
}

fn absolute(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    // An ISO day, possibly with a time after it.
    if let Some(day) = text
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    {
        return Some(day);
    }
    for format in [
        "%b %d, %Y",
        "%B %d, %Y",
        "%b %d %Y",
        "%B %d %Y",
        "%d %b %Y",
        "%d %B %Y",
        "%d %b, %Y",
        "%m/%d/%Y",
    ] {
        if let Ok(day) = NaiveDate::parse_from_str(text, format) {
            return Some(day);
        }
    }
    // A month and day without a year: the latest such day not after today.
    let this_year = format!("{text}, {}", today.year());
    let day = ["%b %d, %Y", "%B %d, %Y"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(&this_year, format).ok())?;
    match day > today {
        true => day.with_year(today.year() - 1),
        false => Some(day),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_page_with_other_tracking_is_one_link() {
        assert_eq!(
            canonical_url(
                "https://news.example.com/a/cold-brew/?utm_source=x&utm_medium=y&id=7#top"
            ),
            "https://news.example.com/a/cold-brew?id=7"
        );
        assert_eq!(
            canonical_url("https://example.com/"),
            "https://example.com/"
        );
        assert_eq!(
            canonical_url("https://example.com/p?fbclid=abc"),
            "https://example.com/p"
        );
        assert_eq!(canonical_url("not a url"), "not a url");
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn shown_dates_parse_relative_to_today() {
        let today = day("2026-03-10");
        let cases: &[(&str, Option<&str>)] = &[
            ("5 hours ago", Some("2026-03-10")),
            ("1 minute ago", Some("2026-03-10")),
            ("an hour ago", Some("2026-03-10")),
            ("1 day ago", Some("2026-03-09")),
            ("3 days ago", Some("2026-03-07")),
            ("2 weeks ago", Some("2026-02-24")),
            ("1 month ago", Some("2026-02-10")),
            ("2 years ago", Some("2024-03-10")),
            ("yesterday", Some("2026-03-09")),
            ("Today", Some("2026-03-10")),
            ("Jan 5, 2025", Some("2025-01-05")),
            ("January 5, 2025", Some("2025-01-05")),
            ("Sep 30, 2025", Some("2025-09-30")),
            ("5 Jan 2025", Some("2025-01-05")),
            ("2025-01-05", Some("2025-01-05")),
            ("2025-01-05T08:30:00Z", Some("2025-01-05")),
            ("01/05/2025", Some("2025-01-05")),
            ("Feb 3", Some("2026-02-03")),
            ("March 1", Some("2026-03-01")),
            ("Dec 24", Some("2025-12-24")),
            ("Dec 24, 2027", Some("2026-03-10")),
            ("", None),
            ("sometime", None),
            ("3 fortnights ago", None),
            ("Feb 30, 2025", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_result_date(text, today), want.map(day), "{text:?}");
        }
    }

    #[test]
    fn a_web_result_is_published_by_its_host() {
        assert_eq!(
            host("https://www.nytimes.com/a/b").as_deref(),
            Some("nytimes.com")
        );
        assert_eq!(
            host("https://techcrunch.com/x").as_deref(),
            Some("techcrunch.com")
        );
        assert_eq!(host("not a url"), None);
    }
}
