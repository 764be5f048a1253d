//! LinkedIn through the Marketing API (versioned REST): the ad accounts the member reaches,
//! their campaign groups, campaigns and creatives (paged by `pageToken`), and daily figures
//! from `adAnalytics`.
//!
//! LinkedIn's levels are one deeper than ours at the top: account → campaign group → campaign
//! → creative. Campaign groups are our campaigns, LinkedIn campaigns our ad groups, and a
//! creative is both our ad and its creative (same id). `adAnalytics` does not page: it answers
//! at most 15,000 elements (past that it refuses, and the sync splits the window) and at most
//! 20 fields, so the metrics go in chunks of 18 plus `dateRange` and `pivotValues`, merged by
//! day and pivot. Its parameters are Rest.li (`pivot=(value:CAMPAIGN)`, `List(urn…)`), whose
//! structure must reach LinkedIn unencoded while the URNs inside are percent-encoded, so the
//! query strings are built by hand, never with `RequestBuilder::query`. Analytics days are
//! UTC days. A rate limit is a bare 429 naming no wait: the transport backs off.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use pw_domain::{CreativeFormat, Currency, EntityStatus, MetricLevel, Objective, Platform};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::connector::{Connector, ReportRules};
use crate::error::Result;
use crate::normalise::{self, Absent, Unmappable};
use crate::normalise::{field_text as text, known};
use crate::records::{
    DayWindow, EntityStream, Page, RemoteAccount, RemoteAd, RemoteAdGroup, RemoteAudience,
    RemoteCampaign, RemoteCreative, RemoteEntity, RemoteMetric,
};
use crate::transport::{Answer, Transport, Verdict, judge_by_status};

/// The monthly API version the connector is written against.
pub const VERSION: &str = "202502";

const PAGE_SIZE: u32 = 500;

/// The metrics read from `adAnalytics`.
const METRICS: [&str; 5] = [
    "impressions",
    "clicks",
    "costInLocalCurrency",
    "externalWebsiteConversions",
    "conversionValueInLocalCurrency",
];

/// Fields per request, LinkedIn's limit, of which two are `dateRange` and `pivotValues`.
const MAX_FIELDS: usize = 20;

pub struct LinkedinConnector {
    transport: Arc<Transport>,
    api: String,
}

#[derive(Deserialize)]
struct Collection {
    #[serde(default)]
    elements: Vec<Value>,
    #[serde(default)]
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(default, rename = "nextPageToken")]
    next_page_token: Option<String>,
}

/// Reads LinkedIn's answers: a bare 429 (no wait named), 401 for a dead token, a 400 that
/// says the analytics answer would be too large.
pub fn judge(answer: &Answer) -> Verdict {
    if answer.status.is_success() {
        return Verdict::Ok;
    }
    if answer.status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Verdict::RateLimited(None);
    }
    let body = answer.json_value().unwrap_or(Value::Null);
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message")
        .to_owned();
    if answer.status == reqwest::StatusCode::BAD_REQUEST
        && (message.contains("15000") || message.contains("too many elements"))
    {
        return Verdict::TooMuchData;
    }
    match judge_by_status(answer) {
        Verdict::Expired(_) => Verdict::Expired(message),
        Verdict::Refused(_) => Verdict::Refused(message),
        other => other,
    }
}

fn status(text: &str) -> Option<EntityStatus> {
    match text {
        "ACTIVE" => Some(EntityStatus::Active),
        "PAUSED" | "DRAFT" | "PENDING_REVIEW" => Some(EntityStatus::Paused),
        "ARCHIVED" | "COMPLETED" | "CANCELED" | "PENDING_DELETION" | "REMOVED" => {
            Some(EntityStatus::Ended)
        }
        _ => None,
    }
}

fn objective(text: &str) -> Option<Objective> {
    Some(match text {
        "BRAND_AWARENESS" => Objective::Awareness,
        "WEBSITE_VISIT" | "WEBSITE_VISITS" => Objective::Traffic,
        "ENGAGEMENT" => Objective::Engagement,
        "VIDEO_VIEW" | "VIDEO_VIEWS" => Objective::VideoViews,
        "LEAD_GENERATION" | "TALENT_LEADS" => Objective::Leads,
        "WEBSITE_CONVERSION" | "WEBSITE_CONVERSIONS" => Objective::Sales,
        "JOB_APPLICANT" | "JOB_APPLICANTS" => Objective::Leads,
        _ => return None,
    })
}

/// The id at the end of a URN (`urn:li:sponsoredCampaign:123` → `123`), or the value itself.
fn urn_id(value: &str) -> String {
    value.rsplit(':').next().unwrap_or(value).to_owned()
}

fn required(row: &Value, name: &str, what: &str) -> std::result::Result<String, Unmappable> {
    text(row, name)
        .map(|t| urn_id(&t))
        .ok_or_else(|| Unmappable {
            field: format!("{what}.{name}"),
            value: "absent".into(),
            reason: "missing".into(),
        })
}

/// Percent-encodes a URN for a `List(…)`: everything but unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn rest_date(day: NaiveDate) -> String {
    format!(
        "(year:{},month:{},day:{})",
        day.year(),
        day.month(),
        day.day()
    )
}

fn pivot(level: MetricLevel) -> &'static str {
    match level {
        MetricLevel::Account => "ACCOUNT",
        MetricLevel::Campaign => "CAMPAIGN_GROUP",
        MetricLevel::AdGroup => "CAMPAIGN",
        MetricLevel::Ad => "CREATIVE",
    }
}

/// The `adAnalytics` query string for one chunk of fields, Rest.li syntax left raw.
pub fn analytics_query(
    account: &str,
    level: MetricLevel,
    window: DayWindow,
    fields: &[&str],
) -> String {
    format!(
        "q=analytics&pivot=(value:{})&timeGranularity=(value:DAILY)&dateRange=(start:{},end:{})&accounts=List({})&fields={}",
        pivot(level),
        rest_date(window.from),
        rest_date(window.until),
        encode(&format!("urn:li:sponsoredAccount:{account}")),
        fields.join(",")
    )
}

/// The field lists of the requests one report needs: the metrics in chunks, each with the
/// two keys the rows are merged by.
pub fn field_chunks(metrics: &[&'static str], limit: usize) -> Vec<Vec<&'static str>> {
    metrics
        .chunks(limit.saturating_sub(2).max(1))
        .map(|chunk| {
            let mut fields = chunk.to_vec();
            fields.extend(["dateRange", "pivotValues"]);
            fields
        })
        .collect()
}

/// Rows of several chunks merged into one object per (day, pivot).
pub fn merge_rows(chunks: Vec<Vec<Value>>) -> Vec<Value> {
    let mut merged: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for rows in chunks {
        for row in rows {
            let key = format!(
                "{}|{}",
                row.get("dateRange")
                    .map(Value::to_string)
                    .unwrap_or_default(),
                row.get("pivotValues")
                    .map(Value::to_string)
                    .unwrap_or_default()
            );
            if let Value::Object(fields) = row {
                merged.entry(key).or_default().extend(fields);
            }
        }
    }
    merged.into_values().map(Value::Object).collect()
}

/// One merged analytics element as the entity's day.
pub fn metric(row: &Value, level: MetricLevel) -> std::result::Result<RemoteMetric, Unmappable> {
    let pivot_value = row
        .get("pivotValues")
        .and_then(Value::as_array)
        .and_then(|values| values.first())
        .and_then(Value::as_str)
        .ok_or_else(|| Unmappable {
            field: "adAnalytics.pivotValues".into(),
            value: row
                .get("pivotValues")
                .map_or("absent".into(), Value::to_string),
            reason: "no pivot URN".into(),
        })?;
    let date = normalise::date_object(
        row.get("dateRange").and_then(|r| r.get("start")),
        "adAnalytics.dateRange.start",
    )?;
    Ok(RemoteMetric {
        level,
        entity_external_id: urn_id(pivot_value),
        date,
        impressions: normalise::required_count(
            row.get("impressions"),
            "adAnalytics.impressions",
            Absent::IsZero,
        )?,
        clicks: normalise::required_count(row.get("clicks"), "adAnalytics.clicks", Absent::IsZero)?,
        spend: normalise::money_major(
            row.get("costInLocalCurrency"),
            "adAnalytics.costInLocalCurrency",
        )?
        .unwrap_or_default(),
        conversions: normalise::decimal(
            row.get("externalWebsiteConversions"),
            "adAnalytics.externalWebsiteConversions",
        )?
        .unwrap_or(0.0),
        conversion_value: normalise::money_major(
            row.get("conversionValueInLocalCurrency"),
            "adAnalytics.conversionValueInLocalCurrency",
        )?
        .or(Some(pw_domain::Micros(0))),
        reach: None,
        video_views: None,
    })
}

fn last_modified(row: &Value) -> Option<DateTime<Utc>> {
    normalise::updated_at(
        row.pointer("/changeAuditStamps/lastModified/time")
            .or_else(|| row.get("lastModifiedAt")),
    )
}

impl LinkedinConnector {
    pub fn new(transport: Arc<Transport>, api: String) -> Self {
        LinkedinConnector { transport, api }
    }

    /// A GET of `path?query`, the query already encoded as LinkedIn wants it.
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &str,
        what: &str,
    ) -> Result<T> {
        let url = format!("{}/rest/{path}?{query}", self.api);
        self.transport
            .json(
                |client, token| {
                    client
                        .get(&url)
                        .bearer_auth(token)
                        .header("LinkedIn-Version", VERSION)
                        .header("X-Restli-Protocol-Version", "2.0.0")
                },
                judge,
                what,
            )
            .await
    }

    fn entity(stream: EntityStream, row: &Value) -> std::result::Result<RemoteEntity, Unmappable> {
        let updated_at = last_modified(row);
        Ok(match stream {
            EntityStream::Campaigns => {
                let raw_status = text(row, "status").unwrap_or_default();
                let raw_objective = text(row, "objectiveType").unwrap_or_default();
                RemoteEntity::Campaign(RemoteCampaign {
                    external_id: required(row, "id", "adCampaignGroup")?,
                    name: text(row, "name").unwrap_or_else(|| "Campaign group".into()),
                    objective: known(
                        objective(&raw_objective),
                        "adCampaignGroup.objectiveType",
                        &raw_objective,
                        "objective",
                    )?,
                    status: known(
                        status(&raw_status),
                        "adCampaignGroup.status",
                        &raw_status,
                        "status",
                    )?,
                    daily_budget: None,
                    start_date: normalise::updated_at(row.pointer("/runSchedule/start"))
                        .map(|t| t.date_naive()),
                    end_date: normalise::updated_at(row.pointer("/runSchedule/end"))
                        .map(|t| t.date_naive()),
                    updated_at,
                })
            }
            EntityStream::AdGroups => {
                let raw_status = text(row, "status").unwrap_or_default();
                RemoteEntity::AdGroup(RemoteAdGroup {
                    external_id: required(row, "id", "adCampaign")?,
                    campaign_external_id: required(row, "campaignGroup", "adCampaign")?,
                    name: text(row, "name").unwrap_or_else(|| "Campaign".into()),
                    status: known(
                        status(&raw_status),
                        "adCampaign.status",
                        &raw_status,
                        "status",
                    )?,
                    targeting: row
                        .get("targetingCriteria")
                        .cloned()
                        .unwrap_or_else(|| json!({})),
                    updated_at,
                })
            }
            EntityStream::Creatives => RemoteEntity::Creative(RemoteCreative {
                external_id: required(row, "id", "creative")?,
                format: match row.get("content") {
                    Some(content) if content.get("textAd").is_some() => CreativeFormat::Text,
                    Some(content) if content.get("carousel").is_some() => CreativeFormat::Carousel,
                    _ => CreativeFormat::Image,
                },
                headline: text(row, "name"),
                body: None,
                call_to_action: None,
                landing_url: row
                    .pointer("/content/textAd/landingPage")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                updated_at,
            }),
            EntityStream::Ads => {
                let raw_status = text(row, "intendedStatus").unwrap_or_default();
                let id = required(row, "id", "creative")?;
                RemoteEntity::Ad(RemoteAd {
                    creative_external_id: Some(id.clone()),
                    external_id: id,
                    ad_group_external_id: required(row, "campaign", "creative")?,
                    name: text(row, "name").unwrap_or_else(|| "LinkedIn ad".into()),
                    status: known(
                        status(&raw_status),
                        "creative.intendedStatus",
                        &raw_status,
                        "status",
                    )?,
                    updated_at,
                })
            }
        })
    }
}

fn page_of<T>(
    collection: Collection,
    map: impl Fn(&Value) -> std::result::Result<T, Unmappable>,
) -> Page<T> {
    let mut page = Page::last(Vec::with_capacity(collection.elements.len()));
    for row in &collection.elements {
        match map(row) {
            Ok(record) => page.records.push(record),
            Err(issue) => page.issues.push(issue),
        }
    }
    page.next = collection
        .metadata
        .and_then(|m| m.next_page_token)
        .filter(|t| !t.is_empty());
    page
}

fn paged(query: &str, page: Option<String>) -> String {
    match page {
        Some(token) => format!("{query}&pageSize={PAGE_SIZE}&pageToken={}", encode(&token)),
        None => format!("{query}&pageSize={PAGE_SIZE}"),
    }
}

impl Connector for LinkedinConnector {
    fn platform(&self) -> Platform {
        Platform::Linkedin
    }

    fn report_rules(&self) -> ReportRules {
        ReportRules {
            // Conversions are attributed up to 30 days after the click.
            restatement_days: 30,
            window_days: 30,
            history_days: 2 * 365,
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
        let mut token = None;
        loop {
            let collection: Collection = self
                .get(
                    "adAccounts",
                    &paged("q=search", token.take()),
                    "the list of ad accounts",
                )
                .await?;
            for row in &collection.elements {
                let currency = text(row, "currency").and_then(|c| c.parse::<Currency>().ok());
                match (text(row, "id"), currency) {
                    (Some(external_id), Some(currency)) => accounts.push(RemoteAccount {
                        name: text(row, "name")
                            .unwrap_or_else(|| format!("Ad account {external_id}")),
                        external_id,
                        currency,
                        // LinkedIn reckons analytics days in UTC.
                        time_zone: "UTC".into(),
                        via_manager: None,
                    }),
                    _ => tracing::warn!("an ad account without an id or a currency was left out"),
                }
            }
            match collection
                .metadata
                .and_then(|m| m.next_page_token)
                .filter(|t| !t.is_empty())
            {
                Some(next) => token = Some(next),
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
        let (edge, query) = match stream {
            EntityStream::Campaigns => ("adCampaignGroups", "q=search"),
            EntityStream::AdGroups => ("adCampaigns", "q=search"),
            EntityStream::Creatives | EntityStream::Ads => ("creatives", "q=criteria"),
        };
        let collection: Collection = self
            .get(
                &format!("adAccounts/{}/{edge}", account.external_id),
                &paged(query, page),
                stream.words(),
            )
            .await?;
        Ok(page_of(collection, |row| Self::entity(stream, row)))
    }

    async fn report_page(
        &self,
        account: &RemoteAccount,
        level: MetricLevel,
        window: DayWindow,
        _page: Option<String>,
    ) -> Result<Page<RemoteMetric>> {
        let mut chunks = Vec::new();
        for fields in field_chunks(&METRICS, MAX_FIELDS) {
            let collection: Collection = self
                .get(
                    "adAnalytics",
                    &analytics_query(&account.external_id, level, window, &fields),
                    "an analytics report",
                )
                .await?;
            chunks.push(collection.elements);
        }
        let mut page = Page::last(Vec::new());
        for row in merge_rows(chunks) {
            match metric(&row, level) {
                Ok(record) => page.records.push(record),
                Err(issue) => page.issues.push(issue),
            }
        }
        Ok(page)
    }

    async fn audience_page(
        &self,
        _account: &RemoteAccount,
        _page: Option<String>,
    ) -> Result<Page<RemoteAudience>> {
        // Member demographics pivots come with the audience work.
        Ok(Page::last(Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_li_stays_raw_and_urns_are_encoded() {
        let window = DayWindow {
            from: NaiveDate::from_ymd_opt(2023, 1, 2).unwrap(),
            until: NaiveDate::from_ymd_opt(2023, 1, 31).unwrap(),
        };
        assert_eq!(
            analytics_query(
                "508",
                MetricLevel::AdGroup,
                window,
                &["impressions", "dateRange"]
            ),
            "q=analytics&pivot=(value:CAMPAIGN)&timeGranularity=(value:DAILY)&dateRange=(start:(year:2023,month:1,day:2),end:(year:2023,month:1,day:31))&accounts=List(urn%3Ali%3AsponsoredAccount%3A508)&fields=impressions,dateRange"
        );
    }

    #[test]
    fn fields_go_in_chunks_and_rows_merge_by_day_and_pivot() {
        let many: Vec<&'static str> = vec!["a", "b", "c", "d", "e"];
        let chunks = field_chunks(&many, 4);
        assert_eq!(
            chunks,
            vec![
                vec!["a", "b", "dateRange", "pivotValues"],
                vec!["c", "d", "dateRange", "pivotValues"],
                vec!["e", "dateRange", "pivotValues"]
            ]
        );
        assert_eq!(field_chunks(&METRICS, MAX_FIELDS).len(), 1);
        let day = json!({"start": {"year": 2023, "month": 1, "day": 2}, "end": {"year": 2023, "month": 1, "day": 2}});
        let pivot = json!(["urn:li:sponsoredCampaign:1111"]);
        let merged = merge_rows(vec![
            vec![
                json!({"impressions": 19090, "clicks": 100, "dateRange": day, "pivotValues": pivot}),
            ],
            vec![json!({"costInLocalCurrency": "209.449", "dateRange": day, "pivotValues": pivot})],
        ]);
        assert_eq!(merged.len(), 1);
        let m = metric(&merged[0], MetricLevel::AdGroup).unwrap();
        assert_eq!(
            (
                m.entity_external_id.as_str(),
                m.impressions,
                m.clicks,
                m.spend.0
            ),
            ("1111", 19090, 100, 209_449_000)
        );
        assert_eq!(m.date.to_string(), "2023-01-02");
    }

    #[test]
    fn a_bare_429_backs_off_and_65600_is_a_dead_token() {
        let answer = |status: u16, body: Value| Answer {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers: http::HeaderMap::new(),
            body: body.to_string().into(),
        };
        assert_eq!(judge(&answer(429, json!({}))), Verdict::RateLimited(None));
        assert!(matches!(
            judge(&answer(
                401,
                json!({"serviceErrorCode": 65600, "message": "Invalid access token", "status": 401})
            )),
            Verdict::Expired(_)
        ));
        assert!(matches!(
            judge(&answer(
                500,
                json!({"message": "Internal Server Error", "status": 500})
            )),
            Verdict::Transient(_)
        ));
        assert_eq!(
            judge(&answer(
                400,
                json!({"message": "The request would return more than 15000 elements", "status": 400})
            )),
            Verdict::TooMuchData
        );
        assert!(matches!(
            judge(&answer(
                403,
                json!({"message": "Not enough permissions", "status": 403})
            )),
            Verdict::Refused(_)
        ));
    }
}
