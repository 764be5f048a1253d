//! YouTube Analytics: a channel's viewing, not ads (paid YouTube comes from Google Ads' video
//! campaigns). A channel is an account; it writes no daily metrics. Its views per video and
//! day are stored as audience signals.
//!
//! The channel reports have no "views by day and video" report for a whole channel: a top
//! videos report (`dimensions=video`, sorted by views, at most 200) names the videos watched in
//! the window, then each video's days come from `dimensions=day&filters=video==ID`. A page of
//! the signal stream is one video; its token is the list of videos still to read, so a resumed
//! stream does not ask for the top list again. Channels are found through the YouTube Data
//! API's `channels.list?mine=true`. Result tables are positional (`columnHeaders` + `rows`),
//! and `rows` is left out when there is no data.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pw_domain::{Currency, MetricLevel, Platform, SignalKind};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::connector::{Connector, ReportRules};
use crate::error::{ConnectorError, Result};
use crate::normalise::{self, Unmappable};
use crate::records::{
    DayWindow, EntityStream, Page, RemoteAccount, RemoteAudience, RemoteEntity, RemoteMetric,
    RemoteSignal,
};
use crate::transport::{Answer, Transport, Verdict};

/// The most videos a top videos report lists.
const TOP_VIDEOS: u32 = 200;

/// How long a spent daily quota is waited out: past any sync's patience, so the stream stops
/// and the connection resumes after the quota's reset (midnight Pacific).
const DAILY_QUOTA_WAIT: Duration = Duration::from_secs(6 * 60 * 60);

pub struct YoutubeConnector {
    transport: Arc<Transport>,
    /// youtubeanalytics.googleapis.com
    api: String,
    /// www.googleapis.com (the YouTube Data API)
    data: String,
}

/// Reads YouTube's answers: Google's envelope, where a 403 whose `errors[].reason` is a quota
/// one is a rate limit, not a refusal.
pub fn judge(answer: &Answer) -> Verdict {
    if !answer.status.is_success() {
        let body = answer.json_value().unwrap_or(Value::Null);
        let reasons: Vec<&str> = body
            .pointer("/error/errors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("reason").and_then(Value::as_str))
            .collect();
        if reasons.contains(&"quotaExceeded") || reasons.contains(&"dailyLimitExceeded") {
            return Verdict::RateLimited(Some(DAILY_QUOTA_WAIT));
        }
        if reasons
            .iter()
            .any(|r| matches!(*r, "rateLimitExceeded" | "userRateLimitExceeded"))
        {
            return Verdict::RateLimited(pw_http::retry_after(&answer.headers));
        }
    }
    crate::google_ads::judge(answer)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResultTable {
    #[serde(default)]
    column_headers: Vec<Value>,
    /// Left out when there is no data.
    #[serde(default)]
    rows: Vec<Vec<Value>>,
}

impl ResultTable {
    fn column(&self, name: &str) -> Option<usize> {
        self.column_headers
            .iter()
            .position(|h| h.get("name").and_then(Value::as_str) == Some(name))
    }
}

/// One row of a video's daily table as a signal.
fn signal(
    channel: &str,
    video: &str,
    table: &ResultTable,
    row: &[Value],
) -> std::result::Result<RemoteSignal, Unmappable> {
    let cell = |name: &str| table.column(name).and_then(|i| row.get(i));
    let day = normalise::day(cell("day"), "row.day")?;
    let views = normalise::required_count(cell("views"), "row.views", normalise::Absent::IsError)?;
    let minutes = normalise::count(
        cell("estimatedMinutesWatched"),
        "row.estimatedMinutesWatched",
    )?;
    let likes = normalise::count(cell("likes"), "row.likes")?;
    Ok(RemoteSignal {
        kind: SignalKind::Behavior,
        text: format!("Views of video {video}"),
        topic: None,
        volume: Some(views),
        occurred_on: day,
        metadata: json!({
            "external_id": format!("youtube:{channel}:{day}:{video}"),
            "channel": channel,
            "video": video,
            "minutes_watched": minutes,
            "likes": likes,
        }),
    })
}

impl YoutubeConnector {
    pub fn new(transport: Arc<Transport>, api: String, data: String) -> Self {
        YoutubeConnector {
            transport,
            api,
            data,
        }
    }

    async fn report(
        &self,
        channel: &str,
        window: DayWindow,
        extra: &[(&str, String)],
    ) -> Result<ResultTable> {
        let url = format!("{}/v2/reports", self.api);
        let mut query = vec![
            ("ids", format!("channel=={channel}")),
            ("startDate", window.from.to_string()),
            ("endDate", window.until.to_string()),
        ];
        query.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
        self.transport
            .json(
                |client, token| client.get(&url).query(&query).bearer_auth(token),
                judge,
                "a YouTube Analytics report",
            )
            .await
    }

    /// The videos watched in the window, most viewed first.
    async fn top_videos(&self, channel: &str, window: DayWindow) -> Result<Vec<String>> {
        let table = self
            .report(
                channel,
                window,
                &[
                    ("metrics", "views".to_owned()),
                    ("dimensions", "video".to_owned()),
                    ("sort", "-views".to_owned()),
                    ("maxResults", TOP_VIDEOS.to_string()),
                ],
            )
            .await?;
        let column = table.column("video").unwrap_or(0);
        Ok(table
            .rows
            .iter()
            .filter_map(|row| row.get(column).and_then(Value::as_str))
            .map(str::to_owned)
            .collect())
    }
}

impl Connector for YoutubeConnector {
    fn platform(&self) -> Platform {
        Platform::Youtube
    }

    fn report_rules(&self) -> ReportRules {
        ReportRules {
            // YouTube Analytics keeps filling in the last two or three days.
            restatement_days: 3,
            window_days: 30,
            history_days: 3 * 365,
        }
    }

    fn report_levels(&self) -> &'static [MetricLevel] {
        &[]
    }

    async fn accounts(&self) -> Result<Vec<RemoteAccount>> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Channels {
            #[serde(default)]
            items: Vec<Value>,
            #[serde(default)]
            next_page_token: Option<String>,
        }
        // A channel's viewing has no currency; the account row needs one.
        let currency: Currency = "USD"
            .parse()
            .map_err(|e: pw_domain::MoneyError| ConnectorError::Invalid(e.to_string()))?;
        let url = format!("{}/youtube/v3/channels", self.data);
        let mut accounts = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![
                ("part", "snippet".to_owned()),
                ("mine", "true".to_owned()),
                ("maxResults", "50".to_owned()),
            ];
            if let Some(token) = token.take() {
                query.push(("pageToken", token));
            }
            let page: Channels = self
                .transport
                .json(
                    |client, bearer| client.get(&url).query(&query).bearer_auth(bearer),
                    judge,
                    "the list of channels",
                )
                .await?;
            for item in &page.items {
                let Some(id) = item.get("id").and_then(Value::as_str) else {
                    continue;
                };
                accounts.push(RemoteAccount {
                    external_id: id.to_owned(),
                    name: item
                        .pointer("/snippet/title")
                        .and_then(Value::as_str)
                        .map_or_else(|| format!("Channel {id}"), str::to_owned),
                    currency: currency.clone(),
                    // YouTube Analytics reckons its days in Pacific time.
                    time_zone: "America/Los_Angeles".into(),
                    via_manager: None,
                });
            }
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(accounts),
            }
        }
    }

    async fn entity_page(
        &self,
        _account: &RemoteAccount,
        _stream: EntityStream,
        _changed_since: Option<DateTime<Utc>>,
        _page: Option<String>,
    ) -> Result<Page<RemoteEntity>> {
        Ok(Page::last(Vec::new()))
    }

    async fn report_page(
        &self,
        _account: &RemoteAccount,
        _level: MetricLevel,
        _window: DayWindow,
        _page: Option<String>,
    ) -> Result<Page<RemoteMetric>> {
        Ok(Page::last(Vec::new()))
    }

    fn has_signals(&self) -> bool {
        true
    }

    async fn signal_page(
        &self,
        account: &RemoteAccount,
        window: DayWindow,
        page: Option<String>,
    ) -> Result<Page<RemoteSignal>> {
        let channel = &account.external_id;
        let mut cut_short = None;
        let videos: Vec<String> = match page {
            Some(list) => list.split(',').map(str::to_owned).collect(),
            None => {
                let videos = self.top_videos(channel, window).await?;
                // The list stops at the most viewed ones: the rest are not counted, and the
                // report says so rather than passing the total off as the channel's.
                if videos.len() >= TOP_VIDEOS as usize {
                    cut_short = Some(Unmappable {
                        field: "reports.video".into(),
                        value: format!("\"{} to {}\"", window.from, window.until),
                        reason: format!(
                            "more videos were watched than the {TOP_VIDEOS} most viewed read; the others' views are not counted"
                        ),
                    });
                }
                videos
            }
        };
        let Some((video, rest)) = videos.split_first() else {
            return Ok(Page::last(Vec::new()));
        };
        let table = self
            .report(
                channel,
                window,
                &[
                    ("metrics", "views,estimatedMinutesWatched,likes".to_owned()),
                    ("dimensions", "day".to_owned()),
                    ("filters", format!("video=={video}")),
                    ("sort", "day".to_owned()),
                ],
            )
            .await?;
        let mut out = Page::last(Vec::with_capacity(table.rows.len()));
        for row in &table.rows {
            match signal(channel, video, &table, row) {
                Ok(signal) => out.records.push(signal),
                Err(issue) => out.issues.push(issue),
            }
        }
        out.issues.extend(cut_short);
        out.next = (!rest.is_empty()).then(|| rest.join(","));
        Ok(out)
    }

    async fn audience_page(
        &self,
        _account: &RemoteAccount,
        _page: Option<String>,
    ) -> Result<Page<RemoteAudience>> {
        Ok(Page::last(Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_table_rows_are_read_by_their_headers() {
        let table: ResultTable = serde_json::from_value(json!({
            "kind": "youtubeAnalytics#resultTable",
            "columnHeaders": [
                {"name": "day", "columnType": "DIMENSION", "dataType": "STRING"},
                {"name": "likes", "columnType": "METRIC", "dataType": "INTEGER"},
                {"name": "views", "columnType": "METRIC", "dataType": "INTEGER"},
            ],
            "rows": [["2024-06-01", 12, 1234], ["2024-06-02", 1, "many"]],
        }))
        .unwrap();
        let s = signal("UC1", "abc", &table, &table.rows[0]).unwrap();
        assert_eq!(
            (s.volume, s.metadata["likes"].as_i64()),
            (Some(1234), Some(12))
        );
        assert_eq!(s.metadata["external_id"], "youtube:UC1:2024-06-01:abc");
        assert_eq!(
            signal("UC1", "abc", &table, &table.rows[1])
                .unwrap_err()
                .field,
            "row.views"
        );
        let empty: ResultTable = serde_json::from_value(
            json!({"kind": "youtubeAnalytics#resultTable", "columnHeaders": []}),
        )
        .unwrap();
        assert!(empty.rows.is_empty());
    }

    #[test]
    fn quota_reasons_are_rate_limits() {
        let answer = |status: u16, reason: &str| {
            Answer {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers: http::HeaderMap::new(),
            body: json!({"error": {"code": status, "message": "x", "errors": [{"reason": reason, "domain": "youtube.quota"}]}})
                .to_string()
                .into(),
        }
        };
        assert_eq!(
            judge(&answer(403, "quotaExceeded")),
            Verdict::RateLimited(Some(DAILY_QUOTA_WAIT))
        );
        assert_eq!(
            judge(&answer(403, "rateLimitExceeded")),
            Verdict::RateLimited(None)
        );
        assert!(matches!(
            judge(&answer(403, "forbidden")),
            Verdict::Refused(_)
        ));
    }
}
