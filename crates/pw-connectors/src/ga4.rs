//! Google Analytics 4: site behaviour, not ads. A property is an account (its currency and
//! time zone read from the Admin API); it has no campaigns and writes no daily metrics (its
//! revenue and sessions would otherwise be counted on top of the ad platforms' own figures).
//! What it reports is stored as audience signals: sessions per day, source / medium and
//! device, through the Data API's `runReport`.
//!
//! `runReport` pages by `offset`/`limit` against `rowCount`; its rows are positional (zipped
//! with the dimension and metric headers) and every value is a string, cast by the metric
//! header's type. A quota error is a 429 `RESOURCE_EXHAUSTED` whose message names the quota,
//! and each quota refills on its own clock (Airbyte's waits: 30 s for concurrent requests, an
//! hour-ish for the hourly ones).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pw_domain::{Currency, MetricLevel, Platform, SignalKind};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::connector::{Connector, ReportRules};
use crate::error::Result;
use crate::normalise::{self, Unmappable};
use crate::records::{
    DayWindow, EntityStream, Page, RemoteAccount, RemoteAudience, RemoteEntity, RemoteMetric,
    RemoteSignal,
};
use crate::transport::{Answer, Transport, Verdict};

/// Rows asked per `runReport` page (the API allows 250 000; smaller pages keep a write short).
const PAGE_LIMIT: u64 = 10_000;

pub struct Ga4Connector {
    transport: Arc<Transport>,
    /// analyticsdata.googleapis.com
    api: String,
    /// analyticsadmin.googleapis.com
    admin: String,
}

/// How long a named GA4 quota takes to refill, when the answer names no wait.
fn quota_wait(message: &str) -> Option<Duration> {
    let message = message.to_ascii_lowercase();
    if message.contains("concurrent requests") {
        Some(Duration::from_secs(30))
    } else if message.contains("per day") {
        // Past any sync's patience: the stream stops and the connection resumes later.
        Some(Duration::from_secs(6 * 60 * 60))
    } else if message.contains("per hour") || message.contains("thresholded") {
        Some(Duration::from_secs(30 * 60))
    } else {
        None
    }
}

/// Reads GA4's answers: Google's error envelope, with a quota's wait from `Retry-After` when
/// sent, else from the quota the message names.
pub fn judge(answer: &Answer) -> Verdict {
    match crate::google_ads::judge(answer) {
        Verdict::RateLimited(None) => {
            let message = answer
                .json_value()
                .and_then(|b| {
                    b.pointer("/error/message")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            Verdict::RateLimited(
                pw_http::retry_after(&answer.headers).or_else(|| quota_wait(&message)),
            )
        }
        other => other,
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Header {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportAnswer {
    #[serde(default)]
    dimension_headers: Vec<Header>,
    #[serde(default)]
    metric_headers: Vec<Header>,
    #[serde(default)]
    rows: Vec<Value>,
    /// int32 in the API, sent as a number; absent when zero.
    #[serde(default)]
    row_count: Option<u64>,
}

/// A metric cell as its header's type says: integers as counts, currency kept as its exact
/// decimal text (checked), floats as numbers.
fn metric_value(
    kind: Option<&str>,
    value: Option<&Value>,
    field: &str,
) -> std::result::Result<Value, Unmappable> {
    Ok(match kind.unwrap_or("TYPE_FLOAT") {
        "TYPE_INTEGER" => json!(normalise::count(value, field)?.unwrap_or(0)),
        "TYPE_CURRENCY" => {
            normalise::money_major(value, field)?;
            json!(value.and_then(Value::as_str).unwrap_or("0"))
        }
        _ => json!(normalise::decimal(value, field)?.unwrap_or(0.0)),
    })
}

/// One positional row as a signal of `property`.
fn signal(
    property: &str,
    dimensions: &[Header],
    metrics: &[Header],
    row: &Value,
) -> std::result::Result<RemoteSignal, Unmappable> {
    let cells = |key: &str| -> Vec<Value> {
        row.get(key)
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|c| c.get("value").cloned().unwrap_or(Value::Null))
                    .collect()
            })
            .unwrap_or_default()
    };
    let dimension_values = cells("dimensionValues");
    let metric_values = cells("metricValues");
    let dimension = |name: &str| {
        dimensions
            .iter()
            .position(|h| h.name == name)
            .and_then(|i| dimension_values.get(i))
    };
    let text = |name: &str| -> std::result::Result<String, Unmappable> {
        dimension(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Unmappable {
                field: format!("row.{name}"),
                value: "absent".into(),
                reason: "missing".into(),
            })
    };
    let mut figures = serde_json::Map::new();
    for (position, header) in metrics.iter().enumerate() {
        let field = format!("row.{}", header.name);
        figures.insert(
            header.name.clone(),
            metric_value(header.kind.as_deref(), metric_values.get(position), &field)?,
        );
    }
    let date_text = text("date")?;
    let occurred_on = normalise::day(Some(&Value::String(date_text.clone())), "row.date")?;
    let source_medium = text("sessionSourceMedium")?;
    let device = text("deviceCategory")?;
    let sessions = figures.get("sessions").and_then(Value::as_i64);
    Ok(RemoteSignal {
        kind: SignalKind::Behavior,
        text: format!("Sessions from {source_medium} on {device}"),
        topic: Some(source_medium.clone()),
        volume: sessions,
        occurred_on,
        metadata: json!({
            "external_id": format!("ga4:{property}:{date_text}:{source_medium}:{device}"),
            "property": property,
            "users": figures.get("totalUsers").cloned().unwrap_or(Value::Null),
            "key_events": figures.get("keyEvents").cloned().unwrap_or(Value::Null),
            "revenue": figures.get("totalRevenue").cloned().unwrap_or(Value::Null),
            "source_medium": source_medium,
            "device": device,
        }),
    })
}

impl Ga4Connector {
    pub fn new(transport: Arc<Transport>, api: String, admin: String) -> Self {
        Ga4Connector {
            transport,
            api,
            admin,
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<T> {
        self.transport
            .json(
                |client, token| client.get(url).query(query).bearer_auth(token),
                judge,
                what,
            )
            .await
    }

    /// The property ids the login reaches, from every page of account summaries.
    async fn property_ids(&self) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Summaries {
            #[serde(default)]
            account_summaries: Vec<Value>,
            #[serde(default)]
            next_page_token: Option<String>,
        }
        let url = format!("{}/v1beta/accountSummaries", self.admin);
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("pageSize", "200".to_owned())];
            if let Some(token) = token.take() {
                query.push(("pageToken", token));
            }
            let page: Summaries = self
                .get(&url, &query, "the list of Analytics accounts")
                .await?;
            for summary in &page.account_summaries {
                let properties = summary
                    .get("propertySummaries")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten();
                for property in properties {
                    if let Some(id) = property
                        .get("property")
                        .and_then(Value::as_str)
                        .and_then(|n| n.strip_prefix("properties/"))
                        && !ids.iter().any(|known| known == id)
                    {
                        ids.push(id.to_owned());
                    }
                }
            }
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(ids),
            }
        }
    }
}

impl Connector for Ga4Connector {
    fn platform(&self) -> Platform {
        Platform::Ga4
    }

    fn report_rules(&self) -> ReportRules {
        ReportRules {
            // GA4 keeps processing a day for up to 48 hours (and key events a little longer).
            restatement_days: 3,
            window_days: 30,
            history_days: 3 * 365,
        }
    }

    fn report_levels(&self) -> &'static [MetricLevel] {
        &[]
    }

    async fn accounts(&self) -> Result<Vec<RemoteAccount>> {
        let mut accounts = Vec::new();
        for id in self.property_ids().await? {
            let url = format!("{}/v1beta/properties/{id}", self.admin);
            let property: Value = self.get(&url, &[], "a property").await?;
            let text = |key: &str| property.get(key).and_then(Value::as_str);
            let Some(currency) = text("currencyCode").and_then(|c| c.parse::<Currency>().ok())
            else {
                tracing::warn!(
                    property = %id,
                    "a property without a currency we know was left out"
                );
                continue;
            };
            accounts.push(RemoteAccount {
                name: text("displayName").map_or_else(|| format!("Property {id}"), str::to_owned),
                time_zone: text("timeZone").unwrap_or("UTC").to_owned(),
                external_id: id,
                currency,
                via_manager: None,
            });
        }
        Ok(accounts)
    }

    async fn entity_page(
        &self,
        _account: &RemoteAccount,
        _stream: EntityStream,
        _changed_since: Option<DateTime<Utc>>,
        _page: Option<String>,
    ) -> Result<Page<RemoteEntity>> {
        // A property has no campaigns, ad groups or ads of its own.
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
        let offset: u64 = page.and_then(|p| p.parse().ok()).unwrap_or(0);
        let url = format!(
            "{}/v1beta/properties/{}:runReport",
            self.api, account.external_id
        );
        let body = json!({
            "dateRanges": [{ "startDate": window.from.to_string(), "endDate": window.until.to_string() }],
            "dimensions": [{ "name": "date" }, { "name": "sessionSourceMedium" }, { "name": "deviceCategory" }],
            "metrics": [{ "name": "sessions" }, { "name": "totalUsers" }, { "name": "keyEvents" }, { "name": "totalRevenue" }],
            "limit": PAGE_LIMIT.to_string(),
            "offset": offset.to_string(),
            "keepEmptyRows": false,
            "returnPropertyQuota": true,
            // Offset paging reads a stable order only when one is asked for.
            "orderBys": [
                { "dimension": { "dimensionName": "date" } },
                { "dimension": { "dimensionName": "sessionSourceMedium" } },
                { "dimension": { "dimensionName": "deviceCategory" } },
            ],
        });
        let answer: ReportAnswer = self
            .transport
            .json(
                |client, token| client.post(&url).json(&body).bearer_auth(token),
                judge,
                "a GA4 report page",
            )
            .await?;
        let mut out = Page::last(Vec::with_capacity(answer.rows.len()));
        for row in &answer.rows {
            match signal(
                &account.external_id,
                &answer.dimension_headers,
                &answer.metric_headers,
                row,
            ) {
                Ok(signal) => out.records.push(signal),
                Err(issue) => out.issues.push(issue),
            }
        }
        // The API may hand back fewer rows than asked: the next page starts after those read.
        let next = offset + answer.rows.len() as u64;
        if !answer.rows.is_empty() && next < answer.row_count.unwrap_or(0) {
            out.next = Some(next.to_string());
        }
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

    fn headers(names: &[(&str, Option<&str>)]) -> Vec<Header> {
        names
            .iter()
            .map(|(name, kind)| Header {
                name: (*name).to_owned(),
                kind: kind.map(str::to_owned),
            })
            .collect()
    }

    #[test]
    fn positional_rows_are_zipped_with_their_headers_and_cast_by_type() {
        let dimensions = headers(&[
            ("deviceCategory", None),
            ("date", None),
            ("sessionSourceMedium", None),
        ]);
        let metrics = headers(&[
            ("totalRevenue", Some("TYPE_CURRENCY")),
            ("sessions", Some("TYPE_INTEGER")),
            ("keyEvents", Some("TYPE_FLOAT")),
        ]);
        let row = json!({
            "dimensionValues": [{"value": "mobile"}, {"value": "20240601"}, {"value": "google / cpc"}],
            "metricValues": [{"value": "45.67"}, {"value": "123"}, {"value": "3.5"}],
        });
        let s = signal("312", &dimensions, &metrics, &row).unwrap();
        assert_eq!(s.text, "Sessions from google / cpc on mobile");
        assert_eq!(s.volume, Some(123));
        assert_eq!(s.occurred_on.to_string(), "2024-06-01");
        assert_eq!(
            s.metadata["external_id"],
            "ga4:312:20240601:google / cpc:mobile"
        );
        assert_eq!(s.metadata["revenue"], "45.67");
        assert_eq!(s.metadata["key_events"], 3.5);
        let broken = json!({
            "dimensionValues": [{"value": "mobile"}, {"value": "20240601"}, {"value": "google / cpc"}],
            "metricValues": [{"value": "45,67"}, {"value": "123"}, {"value": "3"}],
        });
        assert_eq!(
            signal("312", &dimensions, &metrics, &broken)
                .unwrap_err()
                .field,
            "row.totalRevenue"
        );
    }

    #[test]
    fn a_named_quota_waits_its_own_time() {
        let answer = |message: &str, retry_after: Option<&str>| {
            let mut headers = http::HeaderMap::new();
            if let Some(wait) = retry_after {
                headers.insert("retry-after", wait.parse().unwrap());
            }
            Answer {
                status: reqwest::StatusCode::TOO_MANY_REQUESTS,
                headers,
                body: json!({"error": {"code": 429, "message": message, "status": "RESOURCE_EXHAUSTED"}})
                    .to_string()
                    .into(),
            }
        };
        assert_eq!(
            judge(&answer("Exhausted concurrent requests quota.", None)),
            Verdict::RateLimited(Some(Duration::from_secs(30)))
        );
        assert_eq!(
            judge(&answer("Exhausted concurrent requests quota.", Some("1"))),
            Verdict::RateLimited(Some(Duration::from_secs(1)))
        );
        assert_eq!(
            judge(&answer(
                "Exhausted property tokens for a project per hour.",
                None
            )),
            Verdict::RateLimited(Some(Duration::from_secs(1800)))
        );
        assert_eq!(
            judge(&answer("Resource has been exhausted.", None)),
            Verdict::RateLimited(None)
        );
    }
}
