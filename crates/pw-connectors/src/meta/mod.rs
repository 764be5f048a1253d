//! Meta (Facebook and Instagram ads) through the Marketing API on the Graph API: ad accounts
//! of the connected user, campaigns, ad sets, ads and creatives with server-side `updated_time`
//! filtering, daily insights through asynchronous report runs (create, poll, read), custom
//! audiences with their size bounds, and the interests and reach of the ad sets' targeting
//! (`audiences.rs`). Meta says "slow down" with HTTP 400 and error codes 4, 17,
//! 32, 613 and 80000–80014, naming the wait in `x-business-use-case-usage` in minutes.

mod audiences;

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
use crate::records::{
    DayWindow, EntityStream, Page, RemoteAccount, RemoteAd, RemoteAdGroup, RemoteAudience,
    RemoteCampaign, RemoteCreative, RemoteEntity, RemoteMetric,
};
use crate::transport::{Answer, Transport, Verdict};

/// The Graph API version the connector is written against.
pub const VERSION: &str = "v21.0";

/// Action types that count as a purchase, most inclusive first: Meta reports the same
/// purchase under several, so only the first one present is counted.
const PURCHASE_ACTIONS: [&str; 3] = [
    "omni_purchase",
    "purchase",
    "offsite_conversion.fb_pixel_purchase",
];

pub struct MetaConnector {
    transport: Arc<Transport>,
    api: String,
}

#[derive(Deserialize)]
struct GraphList {
    #[serde(default)]
    data: Vec<Value>,
    #[serde(default)]
    paging: Option<GraphPaging>,
}

#[derive(Deserialize)]
struct GraphPaging {
    #[serde(default)]
    next: Option<String>,
}

/// Reads Meta's answers: its errors are JSON objects under `error` with a code.
pub fn judge(answer: &Answer) -> Verdict {
    if answer.status.is_success() {
        return Verdict::Ok;
    }
    let body = answer.json_value().unwrap_or(Value::Null);
    let error = body.get("error").cloned().unwrap_or(Value::Null);
    let code = error.get("code").and_then(Value::as_i64).unwrap_or(0);
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message")
        .to_owned();
    let transient = error
        .get("is_transient")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match code {
        4 | 17 | 32 | 613 | 80000..=80014 => Verdict::RateLimited(usage_wait(&answer.headers)),
        190 => Verdict::Expired(message),
        1 if message.contains("reduce the amount of data") => Verdict::TooMuchData,
        _ if code == 2 || transient || answer.status.is_server_error() => {
            Verdict::Transient(message)
        }
        _ if answer.status == reqwest::StatusCode::TOO_MANY_REQUESTS => {
            Verdict::RateLimited(pw_http::retry_after(&answer.headers))
        }
        _ => Verdict::Refused(message),
    }
}

/// The longest `estimated_time_to_regain_access` (minutes) in `x-business-use-case-usage`;
/// none when Meta names no wait (zero).
fn usage_wait(headers: &http::HeaderMap) -> Option<Duration> {
    let usage: Value =
        serde_json::from_str(headers.get("x-business-use-case-usage")?.to_str().ok()?).ok()?;
    let minutes = usage
        .as_object()?
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|entry| {
            entry
                .get("estimated_time_to_regain_access")
                .and_then(Value::as_u64)
        })
        .max()?;
    (minutes > 0).then(|| Duration::from_secs(minutes.min(24 * 60) * 60))
}

fn status(text: Option<&str>) -> Option<EntityStatus> {
    match text? {
        "ACTIVE" => Some(EntityStatus::Active),
        "PAUSED" | "CAMPAIGN_PAUSED" | "ADSET_PAUSED" | "IN_PROCESS" | "WITH_ISSUES"
        | "PENDING_REVIEW" => Some(EntityStatus::Paused),
        "DELETED" | "ARCHIVED" | "DISAPPROVED" => Some(EntityStatus::Ended),
        _ => None,
    }
}

fn objective(text: &str) -> Option<Objective> {
    Some(match text {
        "OUTCOME_AWARENESS" | "BRAND_AWARENESS" | "REACH" => Objective::Awareness,
        "OUTCOME_TRAFFIC" | "LINK_CLICKS" => Objective::Traffic,
        "OUTCOME_ENGAGEMENT" | "POST_ENGAGEMENT" | "PAGE_LIKES" | "EVENT_RESPONSES"
        | "MESSAGES" => Objective::Engagement,
        "OUTCOME_LEADS" | "LEAD_GENERATION" => Objective::Leads,
        "OUTCOME_APP_PROMOTION" | "APP_INSTALLS" => Objective::AppInstalls,
        "OUTCOME_SALES" | "CONVERSIONS" | "PRODUCT_CATALOG_SALES" | "STORE_VISITS" => {
            Objective::Sales
        }
        "VIDEO_VIEWS" => Objective::VideoViews,
        _ => return None,
    })
}

fn text(row: &Value, field: &str) -> Option<String> {
    row.get(field).and_then(Value::as_str).map(str::to_owned)
}

fn required(row: &Value, field: &str, stream: &str) -> std::result::Result<String, Unmappable> {
    text(row, field).ok_or_else(|| Unmappable {
        field: format!("{stream}.{field}"),
        value: row.get(field).map_or("absent".into(), Value::to_string),
        reason: "missing".into(),
    })
}

fn unknown(field: &str, value: &str, reason: &str) -> Unmappable {
    Unmappable {
        field: field.to_owned(),
        value: format!("\"{value}\""),
        reason: reason.to_owned(),
    }
}

fn level_name(level: MetricLevel) -> &'static str {
    match level {
        MetricLevel::Account => "account",
        MetricLevel::Campaign => "campaign",
        MetricLevel::AdGroup => "adset",
        MetricLevel::Ad => "ad",
    }
}

impl MetaConnector {
    pub fn new(transport: Arc<Transport>, api: String) -> Self {
        MetaConnector { transport, api }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{VERSION}/{path}", self.api)
    }

    async fn list(&self, url: &str, query: &[(&str, String)], what: &str) -> Result<GraphList> {
        self.transport
            .json(
                |client, token| client.get(url).query(query).bearer_auth(token),
                judge,
                what,
            )
            .await
    }

    fn entity(
        &self,
        stream: EntityStream,
        row: &Value,
        currency: &Currency,
    ) -> std::result::Result<RemoteEntity, Unmappable> {
        let updated_at = normalise::updated_at(row.get("updated_time"));
        Ok(match stream {
            EntityStream::Campaigns => {
                let raw_objective = text(row, "objective").unwrap_or_default();
                let raw_status = text(row, "status").unwrap_or_default();
                RemoteEntity::Campaign(RemoteCampaign {
                    external_id: required(row, "id", "campaign")?,
                    name: required(row, "name", "campaign")?,
                    objective: objective(&raw_objective).ok_or_else(|| {
                        unknown(
                            "campaign.objective",
                            &raw_objective,
                            "not an objective we know",
                        )
                    })?,
                    status: status(Some(&raw_status)).ok_or_else(|| {
                        unknown("campaign.status", &raw_status, "not a status we know")
                    })?,
                    daily_budget: normalise::money_minor(
                        row.get("daily_budget"),
                        "campaign.daily_budget",
                        currency.minor_digits(),
                    )?,
                    start_date: normalise::updated_at(row.get("start_time"))
                        .map(|t| t.date_naive()),
                    end_date: normalise::updated_at(row.get("stop_time")).map(|t| t.date_naive()),
                    updated_at,
                })
            }
            EntityStream::AdGroups => {
                let raw_status = text(row, "status").unwrap_or_default();
                RemoteEntity::AdGroup(RemoteAdGroup {
                    external_id: required(row, "id", "adset")?,
                    campaign_external_id: required(row, "campaign_id", "adset")?,
                    name: required(row, "name", "adset")?,
                    status: status(Some(&raw_status)).ok_or_else(|| {
                        unknown("adset.status", &raw_status, "not a status we know")
                    })?,
                    targeting: row.get("targeting").cloned().unwrap_or_else(|| json!({})),
                    updated_at,
                })
            }
            EntityStream::Creatives => RemoteEntity::Creative(RemoteCreative {
                external_id: required(row, "id", "adcreative")?,
                format: match text(row, "object_type").as_deref() {
                    Some("VIDEO") => CreativeFormat::Video,
                    Some("STATUS") => CreativeFormat::Text,
                    _ => CreativeFormat::Image,
                },
                headline: text(row, "title"),
                body: text(row, "body"),
                call_to_action: text(row, "call_to_action_type"),
                landing_url: text(row, "link_url"),
                updated_at,
            }),
            EntityStream::Ads => {
                let raw_status = text(row, "status").unwrap_or_default();
                RemoteEntity::Ad(RemoteAd {
                    external_id: required(row, "id", "ad")?,
                    ad_group_external_id: required(row, "adset_id", "ad")?,
                    creative_external_id: row
                        .get("creative")
                        .and_then(|c| c.get("id"))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    name: required(row, "name", "ad")?,
                    status: status(Some(&raw_status))
                        .ok_or_else(|| unknown("ad.status", &raw_status, "not a status we know"))?,
                    updated_at,
                })
            }
        })
    }

    /// Creates an insights report run for the window and waits for it; its id.
    async fn run_report(
        &self,
        account: &RemoteAccount,
        level: MetricLevel,
        window: DayWindow,
    ) -> Result<String> {
        let url = self.url(&format!("act_{}/insights", account.external_id));
        let form = vec![
            ("level", level_name(level).to_owned()),
            ("fields", insight_fields(level)),
            ("time_increment", "1".to_owned()),
            (
                "time_range",
                json!({"since": window.from.to_string(), "until": window.until.to_string()})
                    .to_string(),
            ),
            // Insights leave out deleted and archived objects unless asked for them (as
            // Airbyte does): their days are the account's figures too.
            (
                "filtering",
                json!([{
                    "field": format!("{}.effective_status", if level == MetricLevel::Account { "ad" } else { level_name(level) }),
                    "operator": "IN",
                    "value": ["ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES",
                              "CAMPAIGN_PAUSED", "ADSET_PAUSED", "PENDING_REVIEW", "DISAPPROVED"],
                }])
                .to_string(),
            ),
        ];
        #[derive(Deserialize)]
        struct Created {
            report_run_id: String,
        }
        let created: Created = self
            .transport
            .json(
                |client, token| client.post(&url).form(&form).bearer_auth(token),
                judge,
                "an insights report run",
            )
            .await?;
        let started = tokio::time::Instant::now();
        let mut polls = 0_u32;
        let poll_url = self.url(&created.report_run_id);
        loop {
            #[derive(Deserialize)]
            struct RunStatus {
                async_status: String,
                #[serde(default)]
                async_percent_completion: Option<f64>,
            }
            let run: RunStatus = self
                .transport
                .json(
                    |client, token| client.get(&poll_url).bearer_auth(token),
                    judge,
                    "an insights report's status",
                )
                .await?;
            match run.async_status.as_str() {
                "Job Completed" => return Ok(created.report_run_id),
                // A failed run is most often one too large: the sync splits the range.
                "Job Failed" | "Job Skipped" => {
                    return Err(ConnectorError::TooMuchData {
                        platform: Platform::Meta,
                    });
                }
                _ => {}
            }
            if started.elapsed() > self.transport.policy.report_deadline {
                return Err(ConnectorError::Unavailable {
                    platform: Platform::Meta,
                    attempts: 1,
                    detail: format!(
                        "an insights report was still {} ({:.0}%) after {} minutes",
                        run.async_status,
                        run.async_percent_completion.unwrap_or(0.0),
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

fn insight_fields(level: MetricLevel) -> String {
    let id = match level {
        MetricLevel::Account => "account_id",
        MetricLevel::Campaign => "campaign_id",
        MetricLevel::AdGroup => "adset_id",
        MetricLevel::Ad => "ad_id",
    };
    format!(
        "{id},account_currency,impressions,clicks,spend,reach,actions,action_values,date_start,date_stop"
    )
}

/// The first purchase action's value in `list` (`actions` or `action_values`).
fn purchase(row: &Value, list: &str) -> Option<Value> {
    let entries = row.get(list)?.as_array()?;
    PURCHASE_ACTIONS.iter().find_map(|kind| {
        entries
            .iter()
            .find(|e| e.get("action_type").and_then(Value::as_str) == Some(kind))
            .and_then(|e| e.get("value").cloned())
    })
}

/// One insights row as the account's day.
pub fn metric(
    row: &Value,
    level: MetricLevel,
    currency: &Currency,
) -> std::result::Result<RemoteMetric, Unmappable> {
    let id_field = match level {
        MetricLevel::Account => "account_id",
        MetricLevel::Campaign => "campaign_id",
        MetricLevel::AdGroup => "adset_id",
        MetricLevel::Ad => "ad_id",
    };
    if let Some(row_currency) = text(row, "account_currency")
        && row_currency != currency.as_str()
    {
        return Err(unknown(
            "insights.account_currency",
            &row_currency,
            "not the account's currency",
        ));
    }
    Ok(RemoteMetric {
        level,
        entity_external_id: required(row, id_field, "insights")?,
        date: normalise::day(row.get("date_start"), "insights.date_start")?,
        impressions: normalise::required_count(
            row.get("impressions"),
            "insights.impressions",
            Absent::IsError,
        )?,
        clicks: normalise::required_count(row.get("clicks"), "insights.clicks", Absent::IsZero)?,
        spend: normalise::money_major(row.get("spend"), "insights.spend")?.unwrap_or_default(),
        // Meta leaves `actions` out when nothing happened.
        conversions: normalise::decimal(
            purchase(row, "actions").as_ref(),
            "insights.actions[purchase]",
        )?
        .unwrap_or(0.0),
        conversion_value: normalise::money_major(
            purchase(row, "action_values").as_ref(),
            "insights.action_values[purchase]",
        )?
        .or(Some(pw_domain::Micros(0))),
        reach: normalise::count(row.get("reach"), "insights.reach")?,
        video_views: None,
    })
}

fn page_of<T>(
    list: GraphList,
    map: impl Fn(&Value) -> std::result::Result<T, Unmappable>,
) -> Page<T> {
    let mut page = Page::last(Vec::with_capacity(list.data.len()));
    for row in &list.data {
        match map(row) {
            Ok(record) => page.records.push(record),
            Err(issue) => page.issues.push(issue),
        }
    }
    page.next = list.paging.and_then(|p| p.next);
    page
}

impl Connector for MetaConnector {
    fn platform(&self) -> Platform {
        Platform::Meta
    }

    fn report_rules(&self) -> ReportRules {
        ReportRules {
            restatement_days: 28,
            window_days: 31,
            // Insights older than 37 months are refused (error 3018).
            history_days: 36 * 30,
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
        let mut url = self.url("me/adaccounts");
        let mut query = vec![
            (
                "fields",
                "id,account_id,name,currency,timezone_name".to_owned(),
            ),
            ("limit", "100".to_owned()),
        ];
        loop {
            let list = self.list(&url, &query, "the list of ad accounts").await?;
            for row in &list.data {
                let currency = text(row, "currency").and_then(|c| c.parse::<Currency>().ok());
                match (text(row, "account_id"), currency) {
                    (Some(external_id), Some(currency)) => accounts.push(RemoteAccount {
                        name: text(row, "name")
                            .unwrap_or_else(|| format!("Ad account {external_id}")),
                        external_id,
                        currency,
                        time_zone: text(row, "timezone_name").unwrap_or_else(|| "UTC".into()),
                        via_manager: None,
                    }),
                    _ => tracing::warn!("an ad account without an id or a currency was left out"),
                }
            }
            match list.paging.and_then(|p| p.next) {
                Some(next) => {
                    url = next;
                    query.clear();
                }
                None => return Ok(accounts),
            }
        }
    }

    async fn entity_page(
        &self,
        account: &RemoteAccount,
        stream: EntityStream,
        changed_since: Option<DateTime<Utc>>,
        page: Option<String>,
    ) -> Result<Page<RemoteEntity>> {
        let (edge, fields, prefix) = match stream {
            EntityStream::Campaigns => (
                "campaigns",
                "id,name,objective,status,effective_status,daily_budget,start_time,stop_time,updated_time",
                Some("campaign"),
            ),
            EntityStream::AdGroups => (
                "adsets",
                "id,campaign_id,name,status,effective_status,targeting,updated_time",
                Some("adset"),
            ),
            EntityStream::Creatives => (
                "adcreatives",
                "id,name,title,body,call_to_action_type,object_type,link_url",
                None,
            ),
            EntityStream::Ads => (
                "ads",
                "id,adset_id,campaign_id,name,status,effective_status,creative{id},updated_time",
                Some("ad"),
            ),
        };
        let list = match page {
            Some(next) => self.list(&next, &[], stream.words()).await?,
            None => {
                let mut query = vec![("fields", fields.to_owned()), ("limit", "200".to_owned())];
                if let (Some(since), Some(prefix)) = (changed_since, prefix) {
                    query.push((
                        "filtering",
                        json!([{"field": format!("{prefix}.updated_time"), "operator": "GREATER_THAN", "value": since.timestamp() - 1}])
                            .to_string(),
                    ));
                }
                self.list(
                    &self.url(&format!("act_{}/{edge}", account.external_id)),
                    &query,
                    stream.words(),
                )
                .await?
            }
        };
        Ok(page_of(list, |row| {
            self.entity(stream, row, &account.currency)
        }))
    }

    async fn report_page(
        &self,
        account: &RemoteAccount,
        level: MetricLevel,
        window: DayWindow,
        page: Option<String>,
    ) -> Result<Page<RemoteMetric>> {
        let list = match page {
            Some(next) => self.list(&next, &[], "an insights page").await?,
            None => {
                let run = self.run_report(account, level, window).await?;
                self.list(
                    &self.url(&format!("{run}/insights")),
                    &[("limit", "500".to_owned())],
                    "an insights page",
                )
                .await?
            }
        };
        Ok(page_of(list, |row| metric(row, level, &account.currency)))
    }

    async fn audience_page(
        &self,
        account: &RemoteAccount,
        page: Option<String>,
    ) -> Result<Page<RemoteAudience>> {
        let list = match page {
            Some(part) if part == audiences::TARGETING_PART => {
                return self.targeting_audiences(account).await;
            }
            Some(next) => self.list(&next, &[], "custom audiences").await?,
            None => {
                let query = [
                    ("fields", "id,name,subtype,approximate_count_lower_bound,approximate_count_upper_bound,description".to_owned()),
                    ("limit", "200".to_owned()),
                ];
                self.list(
                    &self.url(&format!("act_{}/customaudiences", account.external_id)),
                    &query,
                    "custom audiences",
                )
                .await?
            }
        };
        let mut page = page_of(list, |row| {
            // Meta answers -1 when it will not estimate a size.
            let bound = |field: &str| row.get(field).and_then(Value::as_i64).filter(|n| *n >= 0);
            Ok(RemoteAudience {
                external_id: required(row, "id", "customaudience")?,
                name: required(row, "name", "customaudience")?,
                kind: if text(row, "subtype").as_deref() == Some("LOOKALIKE") {
                    AudienceKind::Lookalike
                } else {
                    AudienceKind::Custom
                },
                size_lower: bound("approximate_count_lower_bound"),
                size_upper: bound("approximate_count_upper_bound"),
                interests: json!([]),
                demographics: json!({"description": text(row, "description")}),
            })
        });
        // After the custom audiences, the audiences the ad sets target.
        if page.next.is_none() {
            page.next = Some(audiences::TARGETING_PART.to_owned());
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_insights_row_with_strings_and_no_actions() {
        let usd: Currency = "USD".parse().unwrap();
        let row = json!({"account_id": "1", "account_currency": "USD", "campaign_id": "238", "impressions": "185",
            "clicks": "9", "spend": "14.35", "date_start": "2023-06-01", "date_stop": "2023-06-01"});
        let m = metric(&row, MetricLevel::Campaign, &usd).unwrap();
        assert_eq!(
            (m.impressions, m.clicks, m.spend.0, m.conversions, m.reach),
            (185, 9, 14_350_000, 0.0, None)
        );
        let with_purchase = json!({"campaign_id": "238", "impressions": "10", "spend": "1", "date_start": "2023-06-01",
            "actions": [{"action_type": "link_click", "value": "9"}, {"action_type": "purchase", "value": "2"},
                        {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "2"}],
            "action_values": [{"action_type": "purchase", "value": "58.10"}]});
        let m = metric(&with_purchase, MetricLevel::Campaign, &usd).unwrap();
        assert_eq!(
            (m.conversions, m.conversion_value.unwrap().0),
            (2.0, 58_100_000)
        );
        let no_impressions = json!({"campaign_id": "238", "date_start": "2023-06-01"});
        assert_eq!(
            metric(&no_impressions, MetricLevel::Campaign, &usd)
                .unwrap_err()
                .field,
            "insights.impressions"
        );
        let other_currency = json!({"campaign_id": "238", "account_currency": "EUR", "impressions": "1", "date_start": "2023-06-01"});
        assert!(metric(&other_currency, MetricLevel::Campaign, &usd).is_err());
    }

    #[test]
    fn meta_errors_are_read_by_their_codes() {
        let answer = |status: u16, body: Value, usage: Option<&str>| {
            let mut headers = http::HeaderMap::new();
            if let Some(usage) = usage {
                headers.insert("x-business-use-case-usage", usage.parse().unwrap());
            }
            Answer {
                status: reqwest::StatusCode::from_u16(status).unwrap(),
                headers,
                body: body.to_string().into(),
            }
        };
        let limited = answer(
            400,
            json!({"error": {"code": 80000, "message": "(#80000) too many calls"}}),
            Some(
                r#"{"1": [{"type": "ads_insights", "call_count": 100, "estimated_time_to_regain_access": 3}]}"#,
            ),
        );
        assert_eq!(
            judge(&limited),
            Verdict::RateLimited(Some(Duration::from_secs(180)))
        );
        let limited_now = answer(
            400,
            json!({"error": {"code": 17, "message": "User request limit reached"}}),
            None,
        );
        assert_eq!(judge(&limited_now), Verdict::RateLimited(None));
        assert!(matches!(
            judge(&answer(
                400,
                json!({"error": {"code": 190, "error_subcode": 463, "message": "Session has expired"}}),
                None
            )),
            Verdict::Expired(_)
        ));
        assert!(matches!(
            judge(&answer(
                503,
                json!({"error": {"code": 2, "message": "Service temporarily unavailable", "is_transient": true}}),
                None
            )),
            Verdict::Transient(_)
        ));
        assert_eq!(
            judge(&answer(
                500,
                json!({"error": {"code": 1, "message": "Please reduce the amount of data you're asking for, then retry your request"}}),
                None
            )),
            Verdict::TooMuchData
        );
        assert!(matches!(
            judge(&answer(
                403,
                json!({"error": {"code": 200, "message": "Requires business_management permission"}}),
                None
            )),
            Verdict::Refused(_)
        ));
    }
}
