//! Google Ads through its REST API: the customers the user can reach (a manager's clients with
//! `login-customer-id`), campaigns, ad groups and ads by GAQL through `googleAds:search`
//! (paged with `nextPageToken`), daily metrics per level segmented by `segments.date`. Its JSON
//! is proto3's: lowerCamelCase keys, int64 as strings, and fields holding their default (a
//! zero metric) left out, so an absent metric is zero here. A 429 names its wait in the
//! `GoogleAdsFailure`'s `quotaErrorDetails.retryDelay`. Audiences: see [`audiences`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use pw_domain::{CreativeFormat, Currency, EntityStatus, MetricLevel, Objective, Platform};
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

mod audiences;

/// The API version the connector is written against.
pub const VERSION: &str = "v21";

pub struct GoogleAdsConnector {
    transport: Arc<Transport>,
    api: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchPage {
    #[serde(default)]
    results: Vec<Value>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// Reads Google's answers: a `google.rpc.Status` with a `GoogleAdsFailure` in its details.
pub fn judge(answer: &Answer) -> Verdict {
    if answer.status.is_success() {
        return Verdict::Ok;
    }
    let body = answer.json_value().unwrap_or(Value::Null);
    let error = body.get("error").cloned().unwrap_or(Value::Null);
    let status = error.get("status").and_then(Value::as_str).unwrap_or("");
    let failures: Vec<&Value> = error
        .get("details")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("errors").and_then(Value::as_array))
        .flatten()
        .collect();
    let message = failures
        .iter()
        .find_map(|f| f.get("message").and_then(Value::as_str))
        .or_else(|| error.get("message").and_then(Value::as_str))
        .unwrap_or("no message")
        .to_owned();
    let family = |name: &str| {
        failures.iter().find_map(|f| {
            f.get("errorCode")
                .and_then(|c| c.get(name))
                .and_then(Value::as_str)
        })
    };
    if answer.status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == "RESOURCE_EXHAUSTED"
        || family("quotaError").is_some()
    {
        let delay = failures.iter().find_map(|f| {
            f.pointer("/details/quotaErrorDetails/retryDelay")
                .and_then(Value::as_str)
                .and_then(pw_http::parse_go_duration)
        });
        return Verdict::RateLimited(delay);
    }
    if answer.status == reqwest::StatusCode::UNAUTHORIZED
        || status == "UNAUTHENTICATED"
        || family("authenticationError").is_some()
    {
        return Verdict::Expired(message);
    }
    if answer.status.is_server_error()
        || matches!(
            family("internalError"),
            Some("INTERNAL_ERROR" | "TRANSIENT_ERROR" | "DEADLINE_EXCEEDED")
        )
    {
        return Verdict::Transient(message);
    }
    Verdict::Refused(message)
}

fn status(text: &str) -> Option<EntityStatus> {
    match text {
        "ENABLED" => Some(EntityStatus::Active),
        "PAUSED" => Some(EntityStatus::Paused),
        "REMOVED" => Some(EntityStatus::Ended),
        _ => None,
    }
}

/// Google Ads has no campaign objective; its channel says what the campaign is for.
fn objective(channel: &str) -> Option<Objective> {
    Some(match channel {
        "SEARCH" | "LOCAL" | "SMART" => Objective::Traffic,
        "DISPLAY" => Objective::Awareness,
        "VIDEO" => Objective::VideoViews,
        "SHOPPING" | "PERFORMANCE_MAX" | "HOTEL" | "TRAVEL" => Objective::Sales,
        "MULTI_CHANNEL" => Objective::AppInstalls,
        "DEMAND_GEN" | "DISCOVERY" | "SOCIAL" => Objective::Engagement,
        _ => return None,
    })
}

fn field<'a>(row: &'a Value, path: &str) -> Option<&'a Value> {
    row.pointer(path)
}

fn text_at(row: &Value, path: &str) -> Option<String> {
    match field(row, path)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn required(row: &Value, path: &str) -> std::result::Result<String, Unmappable> {
    text_at(row, path).ok_or_else(|| Unmappable {
        field: path.trim_start_matches('/').replace('/', "."),
        value: "absent".into(),
        reason: "missing".into(),
    })
}

fn known<T>(
    value: Option<T>,
    path: &str,
    text: &str,
    what: &str,
) -> std::result::Result<T, Unmappable> {
    value.ok_or_else(|| Unmappable {
        field: path.trim_start_matches('/').replace('/', "."),
        value: format!("\"{text}\""),
        reason: format!("not a {what} we know"),
    })
}

/// The GAQL resource and id field of each level, and where the id is in a result row.
fn level_source(level: MetricLevel) -> (&'static str, &'static str, &'static str) {
    match level {
        MetricLevel::Account => ("customer", "customer.id", "/customer/id"),
        MetricLevel::Campaign => ("campaign", "campaign.id", "/campaign/id"),
        MetricLevel::AdGroup => ("ad_group", "ad_group.id", "/adGroup/id"),
        MetricLevel::Ad => ("ad_group_ad", "ad_group_ad.ad.id", "/adGroupAd/ad/id"),
    }
}

/// One result row of a date-segmented query as the customer's day.
pub fn metric(row: &Value, level: MetricLevel) -> std::result::Result<RemoteMetric, Unmappable> {
    let (_, _, id_path) = level_source(level);
    let metrics = row.get("metrics");
    let m = |name: &str| metrics.and_then(|m| m.get(name));
    Ok(RemoteMetric {
        level,
        entity_external_id: required(row, id_path)?,
        date: normalise::day(field(row, "/segments/date"), "segments.date")?,
        // proto3 JSON leaves out fields holding zero.
        impressions: normalise::required_count(
            m("impressions"),
            "metrics.impressions",
            Absent::IsZero,
        )?,
        clicks: normalise::required_count(m("clicks"), "metrics.clicks", Absent::IsZero)?,
        spend: normalise::money_micros(m("costMicros"), "metrics.costMicros")?.unwrap_or_default(),
        conversions: normalise::decimal(m("conversions"), "metrics.conversions")?.unwrap_or(0.0),
        conversion_value: normalise::money_major(
            m("conversionsValue"),
            "metrics.conversionsValue",
        )?
        .or(Some(pw_domain::Micros(0))),
        reach: None,
        video_views: normalise::count(m("videoViews"), "metrics.videoViews")?,
    })
}

impl GoogleAdsConnector {
    pub fn new(transport: Arc<Transport>, api: String) -> Self {
        GoogleAdsConnector { transport, api }
    }

    async fn search(
        &self,
        customer: &str,
        via_manager: Option<&str>,
        query: &str,
        page: Option<String>,
    ) -> Result<SearchPage> {
        let developer_token = self
            .transport
            .credentials
            .snapshot()
            .await
            .developer_token
            .unwrap_or_default();
        let url = format!(
            "{}/{VERSION}/customers/{customer}/googleAds:search",
            self.api
        );
        let mut body = json!({ "query": query });
        if let Some(page) = page {
            body["pageToken"] = Value::String(page);
        }
        self.transport
            .json(
                |client, token| {
                    let request = client
                        .post(&url)
                        .bearer_auth(token)
                        .header("developer-token", &developer_token)
                        .json(&body);
                    match via_manager {
                        Some(manager) => request.header("login-customer-id", manager),
                        None => request,
                    }
                },
                judge,
                "a GAQL search page",
            )
            .await
    }

    /// Every row of a query (for the short lists of account discovery).
    async fn search_all(
        &self,
        customer: &str,
        via_manager: Option<&str>,
        query: &str,
    ) -> Result<Vec<Value>> {
        let mut rows = Vec::new();
        let mut page = None;
        loop {
            let answer = self
                .search(customer, via_manager, query, page.take())
                .await?;
            rows.extend(answer.results);
            match answer.next_page_token.filter(|t| !t.is_empty()) {
                Some(next) => page = Some(next),
                None => return Ok(rows),
            }
        }
    }

    fn entity(stream: EntityStream, row: &Value) -> std::result::Result<RemoteEntity, Unmappable> {
        Ok(match stream {
            EntityStream::Campaigns => {
                let raw_status = text_at(row, "/campaign/status").unwrap_or_default();
                let channel = text_at(row, "/campaign/advertisingChannelType").unwrap_or_default();
                RemoteEntity::Campaign(RemoteCampaign {
                    external_id: required(row, "/campaign/id")?,
                    name: required(row, "/campaign/name")?,
                    objective: known(
                        objective(&channel),
                        "/campaign/advertisingChannelType",
                        &channel,
                        "channel",
                    )?,
                    status: known(
                        status(&raw_status),
                        "/campaign/status",
                        &raw_status,
                        "status",
                    )?,
                    daily_budget: normalise::money_micros(
                        field(row, "/campaignBudget/amountMicros"),
                        "campaignBudget.amountMicros",
                    )?,
                    start_date: field(row, "/campaign/startDate")
                        .map(|d| normalise::day(Some(d), "campaign.startDate"))
                        .transpose()?,
                    end_date: field(row, "/campaign/endDate")
                        .map(|d| normalise::day(Some(d), "campaign.endDate"))
                        .transpose()?,
                    updated_at: None,
                })
            }
            EntityStream::AdGroups => {
                let raw_status = text_at(row, "/adGroup/status").unwrap_or_default();
                RemoteEntity::AdGroup(RemoteAdGroup {
                    external_id: required(row, "/adGroup/id")?,
                    campaign_external_id: required(row, "/campaign/id")?,
                    name: required(row, "/adGroup/name")?,
                    status: known(
                        status(&raw_status),
                        "/adGroup/status",
                        &raw_status,
                        "status",
                    )?,
                    targeting: json!({}),
                    updated_at: None,
                })
            }
            EntityStream::Creatives => {
                let texts = |list: &str| -> Option<String> {
                    let items = field(row, &format!("/adGroupAd/ad/responsiveSearchAd/{list}"))?
                        .as_array()?;
                    let joined: Vec<&str> = items
                        .iter()
                        .filter_map(|i| i.get("text").and_then(Value::as_str))
                        .collect();
                    (!joined.is_empty()).then(|| joined.join(" | "))
                };
                let headline = texts("headlines");
                RemoteEntity::Creative(RemoteCreative {
                    external_id: required(row, "/adGroupAd/ad/id")?,
                    format: if headline.is_some() {
                        CreativeFormat::Text
                    } else {
                        CreativeFormat::Image
                    },
                    headline,
                    body: texts("descriptions"),
                    call_to_action: None,
                    landing_url: field(row, "/adGroupAd/ad/finalUrls/0")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    updated_at: None,
                })
            }
            EntityStream::Ads => {
                let raw_status = text_at(row, "/adGroupAd/status").unwrap_or_default();
                let id = required(row, "/adGroupAd/ad/id")?;
                RemoteEntity::Ad(RemoteAd {
                    name: text_at(row, "/adGroupAd/ad/name").unwrap_or_else(|| format!("Ad {id}")),
                    creative_external_id: Some(id.clone()),
                    external_id: id,
                    ad_group_external_id: required(row, "/adGroup/id")?,
                    status: known(
                        status(&raw_status),
                        "/adGroupAd/status",
                        &raw_status,
                        "status",
                    )?,
                    updated_at: None,
                })
            }
        })
    }
}

fn page_of<T>(
    answer: SearchPage,
    map: impl Fn(&Value) -> std::result::Result<T, Unmappable>,
) -> Page<T> {
    let mut page = Page::last(Vec::with_capacity(answer.results.len()));
    for row in &answer.results {
        match map(row) {
            Ok(record) => page.records.push(record),
            Err(issue) => page.issues.push(issue),
        }
    }
    page.next = answer.next_page_token.filter(|t| !t.is_empty());
    page
}

fn customer_of(row: &Value, prefix: &str, via_manager: Option<&str>) -> Option<RemoteAccount> {
    let id = text_at(row, &format!("/{prefix}/id"))?;
    let currency = text_at(row, &format!("/{prefix}/currencyCode"))?
        .parse::<Currency>()
        .ok()?;
    Some(RemoteAccount {
        name: text_at(row, &format!("/{prefix}/descriptiveName"))
            .unwrap_or_else(|| format!("Customer {id}")),
        external_id: id,
        currency,
        time_zone: text_at(row, &format!("/{prefix}/timeZone")).unwrap_or_else(|| "UTC".into()),
        via_manager: via_manager.map(str::to_owned),
    })
}

impl Connector for GoogleAdsConnector {
    fn platform(&self) -> Platform {
        Platform::GoogleAds
    }

    fn report_rules(&self) -> ReportRules {
        ReportRules {
            // Conversions are restated over the conversion window (14 days by default).
            restatement_days: 14,
            window_days: 14,
            history_days: 3 * 365,
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
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Accessible {
            #[serde(default)]
            resource_names: Vec<String>,
        }
        let developer_token = self
            .transport
            .credentials
            .snapshot()
            .await
            .developer_token
            .unwrap_or_default();
        let url = format!("{}/{VERSION}/customers:listAccessibleCustomers", self.api);
        let accessible: Accessible = self
            .transport
            .json(
                |client, token| {
                    client
                        .get(&url)
                        .bearer_auth(token)
                        .header("developer-token", &developer_token)
                },
                judge,
                "the list of reachable customers",
            )
            .await?;
        let mut accounts: Vec<RemoteAccount> = Vec::new();
        for name in &accessible.resource_names {
            let Some(id) = name.strip_prefix("customers/") else {
                continue;
            };
            // A cancelled or suspended customer the login still lists answers
            // CUSTOMER_NOT_ENABLED: it is left out, the others are the accounts.
            let rows = match self
                .search_all(
                    id,
                    None,
                    "SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone, customer.manager FROM customer LIMIT 1",
                )
                .await
            {
                Ok(rows) => rows,
                Err(ConnectorError::Refused { message, .. }) => {
                    tracing::warn!(customer = id, %message, "a customer the login lists cannot be read; left out");
                    continue;
                }
                Err(error) => return Err(error),
            };
            let Some(row) = rows.first() else { continue };
            let manager = field(row, "/customer/manager")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if !manager {
                if let Some(account) = customer_of(row, "customer", None)
                    && !accounts
                        .iter()
                        .any(|a| a.external_id == account.external_id)
                {
                    accounts.push(account);
                }
                continue;
            }
            // Metrics cannot be read on a manager account: its clients are the accounts.
            let clients = self
                .search_all(
                    id,
                    Some(id),
                    "SELECT customer_client.id, customer_client.descriptive_name, customer_client.currency_code, customer_client.time_zone, customer_client.manager, customer_client.level FROM customer_client WHERE customer_client.level = 1",
                )
                .await;
            let clients = match clients {
                Ok(clients) => clients,
                Err(ConnectorError::Refused { message, .. }) => {
                    tracing::warn!(manager = id, %message, "a manager's clients cannot be listed; left out");
                    continue;
                }
                Err(error) => return Err(error),
            };
            for client in &clients {
                let manager = field(client, "/customerClient/manager")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                if let Some(account) = customer_of(client, "customerClient", Some(id))
                    && !manager
                    && !accounts
                        .iter()
                        .any(|a| a.external_id == account.external_id)
                {
                    accounts.push(account);
                }
            }
        }
        Ok(accounts)
    }

    async fn entity_page(
        &self,
        account: &RemoteAccount,
        stream: EntityStream,
        _changed_since: Option<DateTime<Utc>>,
        page: Option<String>,
    ) -> Result<Page<RemoteEntity>> {
        let query = match stream {
            EntityStream::Campaigns => {
                "SELECT campaign.id, campaign.name, campaign.status, campaign.advertising_channel_type, campaign_budget.amount_micros, campaign.start_date, campaign.end_date FROM campaign ORDER BY campaign.id"
            }
            EntityStream::AdGroups => {
                "SELECT ad_group.id, ad_group.name, ad_group.status, campaign.id FROM ad_group ORDER BY ad_group.id"
            }
            EntityStream::Creatives => {
                "SELECT ad_group_ad.ad.id, ad_group_ad.ad.name, ad_group_ad.ad.final_urls, ad_group_ad.ad.responsive_search_ad.headlines, ad_group_ad.ad.responsive_search_ad.descriptions FROM ad_group_ad ORDER BY ad_group_ad.ad.id"
            }
            EntityStream::Ads => {
                "SELECT ad_group_ad.ad.id, ad_group_ad.ad.name, ad_group_ad.status, ad_group.id FROM ad_group_ad ORDER BY ad_group_ad.ad.id"
            }
        };
        let answer = self
            .search(
                &account.external_id,
                account.via_manager.as_deref(),
                query,
                page,
            )
            .await?;
        Ok(page_of(answer, |row| Self::entity(stream, row)))
    }

    async fn report_page(
        &self,
        account: &RemoteAccount,
        level: MetricLevel,
        window: DayWindow,
        page: Option<String>,
    ) -> Result<Page<RemoteMetric>> {
        let (resource, id_field, _) = level_source(level);
        let query = format!(
            "SELECT {id_field}, segments.date, metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions, metrics.conversions_value FROM {resource} WHERE segments.date BETWEEN '{}' AND '{}' ORDER BY segments.date ASC",
            window.from, window.until
        );
        let answer = self
            .search(
                &account.external_id,
                account.via_manager.as_deref(),
                &query,
                page,
            )
            .await?;
        Ok(page_of(answer, |row| metric(row, level)))
    }

    async fn audience_page(
        &self,
        account: &RemoteAccount,
        page: Option<String>,
    ) -> Result<Page<RemoteAudience>> {
        self.audiences(account, page).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proto3_rows_leave_out_zero_metrics() {
        let row = json!({"campaign": {"resourceName": "customers/1/campaigns/8", "id": "8"},
            "metrics": {"clicks": "204", "conversions": 3.5, "costMicros": "1061083620", "impressions": "5120"},
            "segments": {"date": "2024-06-01"}});
        let m = metric(&row, MetricLevel::Campaign).unwrap();
        assert_eq!(
            (
                m.impressions,
                m.clicks,
                m.spend.0,
                m.conversions,
                m.conversion_value.unwrap().0
            ),
            (5120, 204, 1_061_083_620, 3.5, 0)
        );
        let quiet = json!({"campaign": {"id": "8"}, "metrics": {"impressions": "3"}, "segments": {"date": "2024-06-02"}});
        let m = metric(&quiet, MetricLevel::Campaign).unwrap();
        assert_eq!((m.clicks, m.spend.0), (0, 0));
        let broken = json!({"campaign": {"id": "8"}, "metrics": {"impressions": "many"}, "segments": {"date": "2024-06-02"}});
        assert_eq!(
            metric(&broken, MetricLevel::Campaign).unwrap_err().field,
            "metrics.impressions"
        );
    }

    #[test]
    fn a_quota_error_names_its_delay() {
        let body = json!({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure",
              "errors": [{"errorCode": {"quotaError": "RESOURCE_EXHAUSTED"}, "message": "Too many requests. Retry in 40591 seconds.",
                "details": {"quotaErrorDetails": {"rateScope": "DEVELOPER", "retryDelay": "40591s"}}}]}]}});
        let answer = Answer {
            status: reqwest::StatusCode::TOO_MANY_REQUESTS,
            headers: http::HeaderMap::new(),
            body: body.to_string().into(),
        };
        assert_eq!(
            judge(&answer),
            Verdict::RateLimited(Some(std::time::Duration::from_secs(40591)))
        );
        let expired = Answer { status: reqwest::StatusCode::UNAUTHORIZED, headers: http::HeaderMap::new(),
            body: json!({"error": {"code": 401, "status": "UNAUTHENTICATED", "message": "Request had invalid authentication credentials."}}).to_string().into() };
        assert!(matches!(judge(&expired), Verdict::Expired(_)));
    }
}
