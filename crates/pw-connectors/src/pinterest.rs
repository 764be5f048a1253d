//! Pinterest through the Ads API v5: the ad accounts the token reaches, their campaigns, ad
//! groups and ads (paged by `bookmark`, records in `items`), and daily figures through
//! asynchronous reports (created, polled until FINISHED, downloaded from the URL they name).
//!
//! Reports are always asynchronous, never the synchronous `…/analytics`: those reach only 90
//! days back and need the entities' ids (at most 250 per call), where a report covers a whole
//! level of an account for up to 186 days, 913 days back, in one download. Pinterest says
//! "slow down" with HTTP 429 and `X-RateLimit-Reset` (seconds); a body `code` 8 is the hard
//! limit, which lasts. Money is in micros of the account's currency; entity times are unix
//! seconds. Its access tokens are refreshed with HTTP Basic client authentication, and every
//! refresh rotates the refresh token (`credentials.rs` saves the new one before use).
//! Audiences: the account's audience insights, then its audiences with their sizes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pw_domain::{
    AudienceKind, CreativeFormat, Currency, EntityStatus, MetricLevel, Objective, Platform,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::connector::{Connector, ReportRules};
use crate::error::{ConnectorError, Result};
use crate::normalise::{self, Absent, Unmappable};
use crate::normalise::{field_text as text, known};
use crate::records::{
    DayWindow, EntityStream, Page, RemoteAccount, RemoteAd, RemoteAdGroup, RemoteAudience,
    RemoteCampaign, RemoteCreative, RemoteEntity, RemoteMetric,
};
use crate::transport::{Answer, Transport, Verdict, judge_by_status};

const PAGE_SIZE: u32 = 250;

/// The columns read: spend in micros, paid impressions and clicks, conversions and their value.
const COLUMNS: [&str; 5] = [
    "SPEND_IN_MICRO_DOLLAR",
    "IMPRESSION_1",
    "CLICKTHROUGH_1",
    "TOTAL_CONVERSIONS",
    "TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR",
];

/// How long the hard rate limit (code 8) is waited out when Pinterest names no time: past a
/// sync's longest wait, so the stream stops and the connection resumes later.
const HARD_LIMIT_WAIT: Duration = Duration::from_secs(60 * 60);

pub struct PinterestConnector {
    transport: Arc<Transport>,
    api: String,
}

#[derive(Deserialize)]
struct Listing {
    #[serde(default)]
    items: Vec<Value>,
    #[serde(default)]
    bookmark: Option<String>,
}

/// Reads Pinterest's answers: 429 with `X-RateLimit-Reset`, errors as `{code, message}`.
pub fn judge(answer: &Answer) -> Verdict {
    if answer.status.is_success() {
        return Verdict::Ok;
    }
    let body = answer.json_value().unwrap_or(Value::Null);
    let code = body.get("code").and_then(Value::as_i64);
    let reset = answer
        .headers
        .get("x-ratelimit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    if code == Some(8) {
        return Verdict::RateLimited(Some(reset.unwrap_or(HARD_LIMIT_WAIT)));
    }
    if answer.status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Verdict::RateLimited(reset);
    }
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message");
    match judge_by_status(answer) {
        Verdict::Refused(_) => Verdict::Refused(format!("{message} (code {})", code.unwrap_or(0))),
        Verdict::Expired(_) => Verdict::Expired(message.to_owned()),
        other => other,
    }
}

fn status(text: &str) -> Option<EntityStatus> {
    match text {
        "ACTIVE" => Some(EntityStatus::Active),
        "PAUSED" | "DRAFT" => Some(EntityStatus::Paused),
        "ARCHIVED" | "DELETED_DRAFT" | "COMPLETED" => Some(EntityStatus::Ended),
        _ => None,
    }
}

fn objective(text: &str) -> Option<Objective> {
    Some(match text {
        "AWARENESS" | "AWARENESS_RF" => Objective::Awareness,
        "CONSIDERATION" | "WEB_SESSIONS" => Objective::Traffic,
        "VIDEO_VIEW" | "VIDEO_COMPLETION" => Objective::VideoViews,
        "WEB_CONVERSION" | "CATALOG_SALES" | "CHECKOUT" => Objective::Sales,
        "APP_INSTALL" => Objective::AppInstalls,
        "LEAD_GENERATION" => Objective::Leads,
        _ => return None,
    })
}

fn required(row: &Value, name: &str, what: &str) -> std::result::Result<String, Unmappable> {
    text(row, name).ok_or_else(|| Unmappable {
        field: format!("{what}.{name}"),
        value: "absent".into(),
        reason: "missing".into(),
    })
}

fn report_level(level: MetricLevel) -> &'static str {
    match level {
        MetricLevel::Account => "ADVERTISER",
        MetricLevel::Campaign => "CAMPAIGN",
        MetricLevel::AdGroup => "AD_GROUP",
        // Pinterest's reports still call ads "pin promotions".
        MetricLevel::Ad => "PIN_PROMOTION",
    }
}

/// One report row as the entity's day; `id` is the key the download filed it under.
pub fn metric(
    row: &Value,
    level: MetricLevel,
    id: &str,
) -> std::result::Result<RemoteMetric, Unmappable> {
    let field = |name: &str| format!("report.{name}");
    Ok(RemoteMetric {
        level,
        entity_external_id: id.to_owned(),
        date: normalise::day(row.get("DATE"), "report.DATE")?,
        impressions: normalise::required_count(
            row.get("IMPRESSION_1"),
            &field("IMPRESSION_1"),
            Absent::IsZero,
        )?,
        clicks: normalise::required_count(
            row.get("CLICKTHROUGH_1"),
            &field("CLICKTHROUGH_1"),
            Absent::IsZero,
        )?,
        spend: normalise::money_micros(
            row.get("SPEND_IN_MICRO_DOLLAR"),
            &field("SPEND_IN_MICRO_DOLLAR"),
        )?
        .unwrap_or_default(),
        conversions: normalise::decimal(row.get("TOTAL_CONVERSIONS"), &field("TOTAL_CONVERSIONS"))?
            .unwrap_or(0.0),
        conversion_value: normalise::money_micros(
            row.get("TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR"),
            &field("TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR"),
        )?
        .or(Some(pw_domain::Micros(0))),
        reach: None,
        video_views: None,
    })
}

/// A downloaded report: an object keyed by entity id, each an array of that entity's rows.
pub fn report_rows(file: &Value, level: MetricLevel) -> Page<RemoteMetric> {
    let mut page = Page::last(Vec::new());
    for (id, rows) in file.as_object().into_iter().flatten() {
        for row in rows.as_array().into_iter().flatten() {
            match metric(row, level, id) {
                Ok(record) => page.records.push(record),
                Err(issue) => page.issues.push(issue),
            }
        }
    }
    page
}

impl PinterestConnector {
    pub fn new(transport: Arc<Transport>, api: String) -> Self {
        PinterestConnector { transport, api }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v5/{path}", self.api)
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

    async fn listing(&self, path: &str, page: Option<String>, what: &str) -> Result<Listing> {
        let mut query = vec![("page_size", PAGE_SIZE.to_string())];
        if let Some(bookmark) = page {
            query.push(("bookmark", bookmark));
        }
        self.get(&self.url(path), &query, what).await
    }

    fn entity(stream: EntityStream, row: &Value) -> std::result::Result<RemoteEntity, Unmappable> {
        let updated_at = normalise::updated_at(row.get("updated_time"));
        let raw_status = text(row, "status").unwrap_or_default();
        Ok(match stream {
            EntityStream::Campaigns => {
                let raw_objective = text(row, "objective_type").unwrap_or_default();
                let start = normalise::updated_at(row.get("start_time"));
                let end = normalise::updated_at(row.get("end_time"));
                RemoteEntity::Campaign(RemoteCampaign {
                    external_id: required(row, "id", "campaign")?,
                    name: required(row, "name", "campaign")?,
                    objective: known(
                        objective(&raw_objective),
                        "campaign.objective_type",
                        &raw_objective,
                        "objective",
                    )?,
                    status: known(
                        status(&raw_status),
                        "campaign.status",
                        &raw_status,
                        "status",
                    )?,
                    daily_budget: normalise::money_micros(
                        row.get("daily_spend_cap"),
                        "campaign.daily_spend_cap",
                    )?,
                    start_date: start.map(|t| t.date_naive()),
                    end_date: end.map(|t| t.date_naive()),
                    updated_at,
                })
            }
            EntityStream::AdGroups => RemoteEntity::AdGroup(RemoteAdGroup {
                external_id: required(row, "id", "ad_group")?,
                campaign_external_id: required(row, "campaign_id", "ad_group")?,
                name: required(row, "name", "ad_group")?,
                status: known(
                    status(&raw_status),
                    "ad_group.status",
                    &raw_status,
                    "status",
                )?,
                targeting: row
                    .get("targeting_spec")
                    .cloned()
                    .unwrap_or_else(|| json!({})),
                updated_at,
            }),
            // A Pinterest ad promotes a pin: the pin is its creative.
            EntityStream::Creatives => RemoteEntity::Creative(RemoteCreative {
                external_id: required(row, "pin_id", "ad")?,
                format: match text(row, "creative_type").as_deref() {
                    Some("VIDEO" | "MAX_VIDEO" | "SHOP_THE_PIN") => CreativeFormat::Video,
                    Some("CAROUSEL") => CreativeFormat::Carousel,
                    _ => CreativeFormat::Image,
                },
                headline: text(row, "name"),
                body: None,
                call_to_action: None,
                landing_url: text(row, "destination_url"),
                updated_at,
            }),
            EntityStream::Ads => RemoteEntity::Ad(RemoteAd {
                external_id: required(row, "id", "ad")?,
                ad_group_external_id: required(row, "ad_group_id", "ad")?,
                creative_external_id: text(row, "pin_id"),
                name: text(row, "name").unwrap_or_else(|| "Pinterest ad".into()),
                status: known(status(&raw_status), "ad.status", &raw_status, "status")?,
                updated_at,
            }),
        })
    }

    /// Creates a report for the window and waits until it is finished; its download URL.
    async fn run_report(
        &self,
        account: &RemoteAccount,
        level: MetricLevel,
        window: DayWindow,
    ) -> Result<String> {
        let reports = self.url(&format!("ad_accounts/{}/reports", account.external_id));
        let body = json!({
            "start_date": window.from.to_string(),
            "end_date": window.until.to_string(),
            "granularity": "DAY",
            "columns": COLUMNS,
            "level": report_level(level),
            "report_format": "JSON",
        });
        #[derive(Deserialize)]
        struct Created {
            token: String,
        }
        let created: Created = self
            .transport
            .json(
                |client, token| client.post(&reports).json(&body).bearer_auth(token),
                judge,
                "a report request",
            )
            .await?;
        #[derive(Deserialize)]
        struct Status {
            report_status: String,
            #[serde(default)]
            url: Option<String>,
        }
        let started = tokio::time::Instant::now();
        let mut polls = 0_u32;
        loop {
            let status: Status = self
                .get(
                    &reports,
                    &[("token", created.token.clone())],
                    "a report's status",
                )
                .await?;
            match (status.report_status.as_str(), status.url) {
                ("FINISHED", Some(url)) => return Ok(url),
                ("IN_PROGRESS", _) => {}
                (other, _) => {
                    return Err(ConnectorError::Unavailable {
                        platform: Platform::Pinterest,
                        attempts: 1,
                        detail: format!("a report ended {other}"),
                    });
                }
            }
            if started.elapsed() > self.transport.policy.report_deadline {
                return Err(ConnectorError::Unavailable {
                    platform: Platform::Pinterest,
                    attempts: 1,
                    detail: format!(
                        "a report was still in progress after {} minutes",
                        self.transport.policy.report_deadline.as_secs() / 60
                    ),
                });
            }
            polls += 1;
            self.transport
                .pause(self.transport.poll_wait(polls))
                .await?;
        }
    }
}

/// The audience stream's page token after the insights: the audiences list's bookmark
/// follows it.
const AUDIENCES_PART: &str = "audiences:";

/// The account's audiences Pinterest describes, in the order they are read.
const INSIGHT_TYPES: [&str; 2] = ["YOUR_TOTAL_AUDIENCE", "YOUR_ENGAGED_AUDIENCE"];

/// An audience insight: its interest categories (share and index against Pinterest's whole
/// audience) and demographics. `size_is_upper_bound` makes the size a ceiling only.
fn insight_audience(
    insight: &Value,
    account: &RemoteAccount,
    kind: &str,
) -> std::result::Result<RemoteAudience, Unmappable> {
    let size = normalise::count(insight.get("size"), "audience_insights.size")?;
    let upper_only = insight.get("size_is_upper_bound").and_then(Value::as_bool) == Some(true);
    let categories = insight.get("categories").and_then(Value::as_array);
    let interests: Vec<Value> = categories
        .into_iter()
        .flatten()
        .map(|c| json!({"id": c.get("id"), "name": c.get("name"), "share": c.get("ratio"), "index": c.get("index")}))
        .collect();
    let name = if kind == "YOUR_ENGAGED_AUDIENCE" {
        "People who engaged with your Pins"
    } else {
        "Your total Pinterest audience"
    };
    Ok(RemoteAudience {
        // Per account: every account has a total and an engaged audience of its own.
        external_id: format!("insight:{}:{kind}", account.external_id),
        name: name.to_owned(),
        kind: AudienceKind::Saved,
        size_lower: if upper_only { None } else { size },
        size_upper: size,
        interests: Value::Array(interests),
        demographics: insight
            .get("demographics")
            .cloned()
            .unwrap_or_else(|| json!({})),
    })
}

/// One of the account's audiences (`audience_type` CUSTOMER_LIST, VISITOR, ENGAGEMENT or
/// ACTALIKE, Pinterest's lookalike).
fn audience(row: &Value) -> std::result::Result<RemoteAudience, Unmappable> {
    let id = required(row, "id", "audience")?;
    let kind = text(row, "audience_type").unwrap_or_default();
    let size = normalise::count(row.get("size"), "audience.size")?.filter(|n| *n > 0);
    Ok(RemoteAudience {
        name: text(row, "name").unwrap_or_else(|| format!("Audience {id}")),
        external_id: format!("audience:{id}"),
        kind: if kind == "ACTALIKE" {
            AudienceKind::Lookalike
        } else {
            AudienceKind::Custom
        },
        size_lower: size,
        size_upper: size,
        interests: json!([]),
        demographics: json!({"audience_type": kind, "status": row.get("status")}),
    })
}

fn page_of<T>(
    listing: Listing,
    map: impl Fn(&Value) -> std::result::Result<T, Unmappable>,
) -> Page<T> {
    let mut page = Page::last(Vec::with_capacity(listing.items.len()));
    for row in &listing.items {
        match map(row) {
            Ok(record) => page.records.push(record),
            Err(issue) => page.issues.push(issue),
        }
    }
    page.next = listing.bookmark.filter(|b| !b.is_empty());
    page
}

impl Connector for PinterestConnector {
    fn platform(&self) -> Platform {
        Platform::Pinterest
    }

    fn report_rules(&self) -> ReportRules {
        ReportRules {
            // Conversions are attributed up to 30 days after the click.
            restatement_days: 30,
            window_days: 31,
            history_days: 913,
        }
    }

    fn report_levels(&self) -> &'static [MetricLevel] {
        &[
            MetricLevel::Account,
            MetricLevel::Campaign,
            MetricLevel::AdGroup,
            MetricLevel::Ad,
        ]
    }

    async fn accounts(&self) -> Result<Vec<RemoteAccount>> {
        let mut accounts = Vec::new();
        let mut bookmark = None;
        loop {
            let listing = self
                .listing("ad_accounts", bookmark.take(), "the list of ad accounts")
                .await?;
            for row in &listing.items {
                let currency = text(row, "currency").and_then(|c| c.parse::<Currency>().ok());
                match (text(row, "id"), currency) {
                    (Some(external_id), Some(currency)) => accounts.push(RemoteAccount {
                        name: text(row, "name")
                            .unwrap_or_else(|| format!("Ad account {external_id}")),
                        external_id,
                        currency,
                        // The ad account object names no time zone; its reports' days are
                        // read as they come.
                        time_zone: text(row, "time_zone").unwrap_or_else(|| "UTC".into()),
                        via_manager: None,
                    }),
                    _ => tracing::warn!("an ad account without an id or a currency was left out"),
                }
            }
            match listing.bookmark.filter(|b| !b.is_empty()) {
                Some(next) => bookmark = Some(next),
                None => return Ok(accounts),
            }
        }
    }

    async fn entity_page(
        &self,
        account: &RemoteAccount,
        stream: EntityStream,
        _changed_since: Option<DateTime<Utc>>,
        page: Option<String>,
    ) -> Result<Page<RemoteEntity>> {
        let edge = match stream {
            EntityStream::Campaigns => "campaigns",
            EntityStream::AdGroups => "ad_groups",
            EntityStream::Creatives | EntityStream::Ads => "ads",
        };
        let listing = self
            .listing(
                &format!("ad_accounts/{}/{edge}", account.external_id),
                page,
                stream.words(),
            )
            .await?;
        Ok(page_of(listing, |row| Self::entity(stream, row)))
    }

    async fn report_page(
        &self,
        account: &RemoteAccount,
        level: MetricLevel,
        window: DayWindow,
        _page: Option<String>,
    ) -> Result<Page<RemoteMetric>> {
        let url = self.run_report(account, level, window).await?;
        // The file sits at a presigned storage URL: it carries its own authorisation, and a
        // second one (the bearer token) would be refused.
        let file: HashMap<String, Value> = self
            .transport
            .json(|client, _token| client.get(&url), judge, "a report's file")
            .await?;
        Ok(report_rows(
            &Value::Object(file.into_iter().collect()),
            level,
        ))
    }

    /// First the account's audience insights (who its total and engaged audiences are: their
    /// interest categories and demographics), then its audiences (customer lists, visitors,
    /// engagement, actalikes) with their sizes, paged by bookmark.
    async fn audience_page(
        &self,
        account: &RemoteAccount,
        page: Option<String>,
    ) -> Result<Page<RemoteAudience>> {
        let path = format!("ad_accounts/{}/audiences", account.external_id);
        let Some(bookmark) = page else {
            let mut first = Page::last(Vec::new());
            for kind in INSIGHT_TYPES {
                let insight: Result<Value> = self
                    .get(
                        &self.url(&format!(
                            "ad_accounts/{}/audience_insights",
                            account.external_id
                        )),
                        &[("audience_insight_type", kind.to_owned())],
                        "audience insights",
                    )
                    .await;
                let insight = match insight {
                    Ok(insight) => insight,
                    // A dead token, a long wait or a stop ends the stream; an account Pinterest
                    // will not describe (too little engagement) still has its audiences read.
                    Err(
                        error @ (ConnectorError::Reconnect { .. }
                        | ConnectorError::RateLimited { .. }
                        | ConnectorError::Cancelled
                        | ConnectorError::Store(_)
                        | ConnectorError::Secrets(_)),
                    ) => return Err(error),
                    Err(error) => {
                        first.issues.push(Unmappable {
                            field: "audience_insights".into(),
                            value: kind.to_owned(),
                            reason: error.to_string(),
                        });
                        continue;
                    }
                };
                match insight_audience(&insight, account, kind) {
                    Ok(audience) => first.records.push(audience),
                    Err(issue) => first.issues.push(issue),
                }
            }
            first.next = Some(AUDIENCES_PART.to_owned());
            return Ok(first);
        };
        let bookmark = bookmark
            .strip_prefix(AUDIENCES_PART)
            .filter(|b| !b.is_empty());
        let listing = self
            .listing(&path, bookmark.map(str::to_owned), "audiences")
            .await?;
        let mut page = page_of(listing, audience);
        page.next = page.next.map(|b| format!("{AUDIENCES_PART}{b}"));
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)], body: Value) -> Answer {
        let mut map = http::HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        Answer {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: body.to_string().into(),
        }
    }

    #[test]
    fn rate_limits_wait_the_reset_and_the_hard_limit_lasts() {
        let limited = answer(
            429,
            &[("x-ratelimit-reset", "7")],
            json!({"code": 29, "message": "slow down"}),
        );
        assert_eq!(
            judge(&limited),
            Verdict::RateLimited(Some(Duration::from_secs(7)))
        );
        let unnamed = answer(429, &[], json!({"code": 29, "message": "slow down"}));
        assert_eq!(judge(&unnamed), Verdict::RateLimited(None));
        let hard = answer(429, &[], json!({"code": 8, "message": "max rate limit"}));
        assert_eq!(judge(&hard), Verdict::RateLimited(Some(HARD_LIMIT_WAIT)));
        assert!(matches!(
            judge(&answer(
                401,
                &[],
                json!({"code": 2, "message": "Authentication failed."})
            )),
            Verdict::Expired(_)
        ));
        assert!(matches!(
            judge(&answer(503, &[], json!({}))),
            Verdict::Transient(_)
        ));
        assert!(matches!(
            judge(&answer(400, &[], json!({"code": 1, "message": "Invalid"}))),
            Verdict::Refused(_)
        ));
    }

    #[test]
    fn a_report_file_is_keyed_by_entity() {
        let file = json!({
            "547602124502": [
                {"DATE": "2024-06-01", "CAMPAIGN_ID": "547602124502", "SPEND_IN_MICRO_DOLLAR": 30000000,
                 "IMPRESSION_1": 1200, "CLICKTHROUGH_1": 216, "TOTAL_CONVERSIONS": 4},
                {"DATE": "2024-06-02", "SPEND_IN_MICRO_DOLLAR": "x"}
            ]
        });
        let page = report_rows(&file, MetricLevel::Campaign);
        assert_eq!(page.records.len(), 1);
        let m = &page.records[0];
        assert_eq!(
            (
                m.entity_external_id.as_str(),
                m.spend.0,
                m.impressions,
                m.clicks,
                m.conversions
            ),
            ("547602124502", 30_000_000, 1200, 216, 4.0)
        );
        assert_eq!(page.issues[0].field, "report.SPEND_IN_MICRO_DOLLAR");
    }
}
