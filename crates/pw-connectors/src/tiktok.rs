//! TikTok through the Marketing API (v1.3): the advertisers the app is authorised for, their
//! campaigns, ad groups and ads (paged by number), and daily reports from
//! `report/integrated/get/` in windows of at most 30 days. TikTok answers almost everything
//! with HTTP 200 and a `code` in the body: 0 is success, 40100 "too frequent", 40102/40105 a
//! dead token. Paths end in a slash, which TikTok requires. Audiences: the advertiser's custom
//! audiences with their matched sizes (field names from Airbyte's `audiences` stream schema).

use std::sync::Arc;

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

const PAGE_SIZE: u32 = 1000;

pub struct TiktokConnector {
    transport: Arc<Transport>,
    api: String,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Value,
}

/// Reads TikTok's answers: the HTTP status first, then the envelope's `code`.
pub fn judge(answer: &Answer) -> Verdict {
    if !answer.status.is_success() {
        return judge_by_status(answer);
    }
    let Some(body) = answer.json_value() else {
        // Unreadable: the caller's reading says so (and asks again).
        return Verdict::Ok;
    };
    let code = body.get("code").and_then(Value::as_i64).unwrap_or(0);
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message")
        .to_owned();
    match code {
        0 | 20001 => Verdict::Ok,
        40100 | 40016 | 40133 => Verdict::RateLimited(None),
        40102 | 40104 | 40105 | 40106 => Verdict::Expired(message),
        50000..=59999 => Verdict::Transient(message),
        _ => Verdict::Refused(format!("{message} (code {code})")),
    }
}

fn status(text: &str) -> Option<EntityStatus> {
    match text {
        "ENABLE" => Some(EntityStatus::Active),
        "DISABLE" | "FROZEN" => Some(EntityStatus::Paused),
        "DELETE" => Some(EntityStatus::Ended),
        _ => None,
    }
}

fn objective(text: &str) -> Option<Objective> {
    Some(match text {
        "REACH" | "RF_REACH" => Objective::Awareness,
        "TRAFFIC" => Objective::Traffic,
        "ENGAGEMENT" | "COMMUNITY_INTERACTION" => Objective::Engagement,
        "LEAD_GENERATION" => Objective::Leads,
        "APP_PROMOTION" | "APP_INSTALL" => Objective::AppInstalls,
        "CONVERSIONS" | "WEB_CONVERSIONS" | "PRODUCT_SALES" | "SHOP_PURCHASES" => Objective::Sales,
        "VIDEO_VIEWS" => Objective::VideoViews,
        _ => return None,
    })
}

fn required(row: &Value, name: &str, stream: &str) -> std::result::Result<String, Unmappable> {
    text(row, name).ok_or_else(|| Unmappable {
        field: format!("{stream}.{name}"),
        value: "absent".into(),
        reason: "missing".into(),
    })
}

fn level_source(level: MetricLevel) -> (&'static str, &'static str) {
    match level {
        MetricLevel::Account => ("AUCTION_ADVERTISER", "advertiser_id"),
        MetricLevel::Campaign => ("AUCTION_CAMPAIGN", "campaign_id"),
        MetricLevel::AdGroup => ("AUCTION_ADGROUP", "adgroup_id"),
        MetricLevel::Ad => ("AUCTION_AD", "ad_id"),
    }
}

/// One report row (`dimensions` and `metrics`) as the advertiser's day.
pub fn metric(row: &Value, level: MetricLevel) -> std::result::Result<RemoteMetric, Unmappable> {
    let (_, id_field) = level_source(level);
    let dimensions = row.get("dimensions").cloned().unwrap_or(Value::Null);
    let metrics = row.get("metrics").cloned().unwrap_or(Value::Null);
    let m = |name: &str| metrics.get(name);
    Ok(RemoteMetric {
        level,
        entity_external_id: required(&dimensions, id_field, "report.dimensions")?,
        date: normalise::day(
            dimensions.get("stat_time_day"),
            "report.dimensions.stat_time_day",
        )?,
        impressions: normalise::required_count(
            m("impressions"),
            "report.metrics.impressions",
            Absent::IsError,
        )?,
        clicks: normalise::required_count(m("clicks"), "report.metrics.clicks", Absent::IsError)?,
        spend: normalise::money_major(m("spend"), "report.metrics.spend")?.ok_or_else(|| {
            Unmappable {
                field: "report.metrics.spend".into(),
                value: "absent".into(),
                reason: "missing".into(),
            }
        })?,
        conversions: normalise::decimal(m("conversion"), "report.metrics.conversion")?
            .unwrap_or(0.0),
        // The basic report's metrics carry no purchase value (TikTok's value metrics depend on
        // the optimisation event an advertiser set up): not reported, so ROAS leaves this
        // spend out instead of counting it as earning nothing.
        conversion_value: None,
        reach: normalise::count(m("reach"), "report.metrics.reach")?,
        video_views: normalise::count(
            m("video_play_actions"),
            "report.metrics.video_play_actions",
        )?,
    })
}

impl TiktokConnector {
    pub fn new(transport: Arc<Transport>, api: String) -> Self {
        TiktokConnector { transport, api }
    }

    async fn get(&self, path: &str, query: &[(&str, String)], what: &str) -> Result<Value> {
        let url = format!("{}/open_api/v1.3/{path}", self.api);
        let envelope: Envelope = self
            .transport
            .json(
                |client, token| client.get(&url).query(query).header("Access-Token", token),
                judge,
                what,
            )
            .await?;
        Ok(envelope.data)
    }

    fn entity(stream: EntityStream, row: &Value) -> std::result::Result<RemoteEntity, Unmappable> {
        let updated_at = normalise::updated_at(row.get("modify_time"));
        Ok(match stream {
            EntityStream::Campaigns => {
                let raw_status = text(row, "operation_status").unwrap_or_default();
                let raw_objective = text(row, "objective_type").unwrap_or_default();
                let daily = text(row, "budget_mode").as_deref() == Some("BUDGET_MODE_DAY");
                RemoteEntity::Campaign(RemoteCampaign {
                    external_id: required(row, "campaign_id", "campaign")?,
                    name: required(row, "campaign_name", "campaign")?,
                    objective: known(
                        objective(&raw_objective),
                        "campaign.objective_type",
                        &raw_objective,
                        "objective",
                    )?,
                    status: known(
                        status(&raw_status),
                        "campaign.operation_status",
                        &raw_status,
                        "status",
                    )?,
                    daily_budget: if daily {
                        normalise::money_major(row.get("budget"), "campaign.budget")?
                    } else {
                        None
                    },
                    start_date: None,
                    end_date: None,
                    updated_at,
                })
            }
            EntityStream::AdGroups => {
                let raw_status = text(row, "operation_status").unwrap_or_default();
                let targeting: serde_json::Map<String, Value> = [
                    "age_groups",
                    "gender",
                    "location_ids",
                    "interest_category_ids",
                    "placements",
                ]
                .iter()
                .filter_map(|k| row.get(*k).map(|v| ((*k).to_owned(), v.clone())))
                .collect();
                RemoteEntity::AdGroup(RemoteAdGroup {
                    external_id: required(row, "adgroup_id", "adgroup")?,
                    campaign_external_id: required(row, "campaign_id", "adgroup")?,
                    name: required(row, "adgroup_name", "adgroup")?,
                    status: known(
                        status(&raw_status),
                        "adgroup.operation_status",
                        &raw_status,
                        "status",
                    )?,
                    targeting: Value::Object(targeting),
                    updated_at,
                })
            }
            // A TikTok ad carries its own creative.
            EntityStream::Creatives => RemoteEntity::Creative(RemoteCreative {
                external_id: required(row, "ad_id", "ad")?,
                format: match text(row, "ad_format").as_deref() {
                    Some("SINGLE_IMAGE") => CreativeFormat::Image,
                    Some("CAROUSEL_ADS") => CreativeFormat::Carousel,
                    _ => CreativeFormat::Video,
                },
                headline: text(row, "ad_name"),
                body: text(row, "ad_text"),
                call_to_action: text(row, "call_to_action"),
                landing_url: text(row, "landing_page_url"),
                updated_at,
            }),
            EntityStream::Ads => {
                let raw_status = text(row, "operation_status").unwrap_or_default();
                let id = required(row, "ad_id", "ad")?;
                RemoteEntity::Ad(RemoteAd {
                    creative_external_id: Some(id.clone()),
                    external_id: id,
                    ad_group_external_id: required(row, "adgroup_id", "ad")?,
                    name: required(row, "ad_name", "ad")?,
                    status: known(
                        status(&raw_status),
                        "ad.operation_status",
                        &raw_status,
                        "status",
                    )?,
                    updated_at,
                })
            }
        })
    }
}

/// One custom audience: `cover_num` is how many people it matched (absent or 0 while TikTok
/// is still computing it: unknown, not empty).
fn custom_audience(row: &Value) -> std::result::Result<RemoteAudience, Unmappable> {
    let id = required(row, "audience_id", "custom audience")?;
    let kind = row
        .get("audience_type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let size = normalise::count(row.get("cover_num"), "cover_num")?.filter(|n| *n > 0);
    Ok(RemoteAudience {
        name: text(row, "name").unwrap_or_else(|| format!("Audience {id}")),
        external_id: format!("custom:{id}"),
        kind: if kind.to_ascii_lowercase().contains("lookalike") {
            AudienceKind::Lookalike
        } else {
            AudienceKind::Custom
        },
        size_lower: size,
        size_upper: size,
        interests: json!([]),
        demographics: json!({"audience_type": kind, "is_valid": row.get("is_valid")}),
    })
}

/// The next page number, when `page_info` says there is one.
fn next_page(data: &Value) -> Option<String> {
    let info = data.get("page_info")?;
    let page = info.get("page").and_then(Value::as_u64)?;
    let total = info.get("total_page").and_then(Value::as_u64)?;
    (page < total).then(|| (page + 1).to_string())
}

fn page_of<T>(data: &Value, map: impl Fn(&Value) -> std::result::Result<T, Unmappable>) -> Page<T> {
    let rows = data
        .get("list")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut page = Page::last(Vec::with_capacity(rows.len()));
    for row in rows {
        match map(row) {
            Ok(record) => page.records.push(record),
            Err(issue) => page.issues.push(issue),
        }
    }
    page.next = next_page(data);
    page
}

impl Connector for TiktokConnector {
    fn platform(&self) -> Platform {
        Platform::Tiktok
    }

    fn report_rules(&self) -> ReportRules {
        ReportRules {
            // The default attribution window.
            restatement_days: 7,
            window_days: 30,
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
        let credential = self.transport.credentials.snapshot().await;
        let (Some(app_id), Some(secret)) = (credential.client_id, credential.client_secret) else {
            return Err(ConnectorError::Invalid(
                "TikTok lists the advertisers a token reaches only with the app's id and secret: connect with --client-id and the secret".into(),
            ));
        };
        let data = self
            .get(
                "oauth2/advertiser/get/",
                &[("app_id", app_id), ("secret", secret)],
                "the list of advertisers",
            )
            .await?;
        let ids: Vec<String> = data
            .get("list")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| text(a, "advertiser_id"))
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let info = self
            .get(
                "advertiser/info/",
                &[("advertiser_ids", json!(ids).to_string())],
                "the advertisers' details",
            )
            .await?;
        let mut accounts = Vec::new();
        for row in info
            .get("list")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let currency = text(row, "currency").and_then(|c| c.parse::<Currency>().ok());
            match (text(row, "advertiser_id"), currency) {
                (Some(external_id), Some(currency)) => accounts.push(RemoteAccount {
                    name: text(row, "name").unwrap_or_else(|| format!("Advertiser {external_id}")),
                    external_id,
                    currency,
                    time_zone: text(row, "timezone").unwrap_or_else(|| "UTC".into()),
                    via_manager: None,
                }),
                _ => tracing::warn!("an advertiser without an id or a currency was left out"),
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
        let path = match stream {
            EntityStream::Campaigns => "campaign/get/",
            EntityStream::AdGroups => "adgroup/get/",
            EntityStream::Creatives | EntityStream::Ads => "ad/get/",
        };
        let query = [
            ("advertiser_id", account.external_id.clone()),
            ("page", page.unwrap_or_else(|| "1".into())),
            ("page_size", PAGE_SIZE.to_string()),
        ];
        let data = self.get(path, &query, stream.words()).await?;
        Ok(page_of(&data, |row| Self::entity(stream, row)))
    }

    async fn report_page(
        &self,
        account: &RemoteAccount,
        level: MetricLevel,
        window: DayWindow,
        page: Option<String>,
    ) -> Result<Page<RemoteMetric>> {
        let (data_level, id_field) = level_source(level);
        let query = [
            ("advertiser_id", account.external_id.clone()),
            ("service_type", "AUCTION".to_owned()),
            ("report_type", "BASIC".to_owned()),
            ("data_level", data_level.to_owned()),
            ("dimensions", json!([id_field, "stat_time_day"]).to_string()),
            (
                "metrics",
                json!([
                    "spend",
                    "impressions",
                    "clicks",
                    "conversion",
                    "reach",
                    "video_play_actions"
                ])
                .to_string(),
            ),
            ("start_date", window.from.to_string()),
            ("end_date", window.until.to_string()),
            ("page", page.unwrap_or_else(|| "1".into())),
            ("page_size", PAGE_SIZE.to_string()),
        ];
        let data = self
            .get("report/integrated/get/", &query, "a report page")
            .await?;
        Ok(page_of(&data, |row| metric(row, level)))
    }

    /// The advertiser's custom and lookalike audiences (`dmp/custom_audience/list/`), each
    /// with the number of people TikTok matched (`cover_num`). TikTok gives no interest sizes
    /// or audience composition outside its UI, so these are its audience data.
    async fn audience_page(
        &self,
        account: &RemoteAccount,
        page: Option<String>,
    ) -> Result<Page<RemoteAudience>> {
        let query = [
            ("advertiser_id", account.external_id.clone()),
            ("page", page.unwrap_or_else(|| "1".into())),
            ("page_size", "100".to_owned()),
        ];
        let data = self
            .get("dmp/custom_audience/list/", &query, "custom audiences")
            .await?;
        Ok(page_of(&data, custom_audience))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_and_dead_tokens_arrive_inside_http_200() {
        let answer = |body: Value| Answer {
            status: reqwest::StatusCode::OK,
            headers: http::HeaderMap::new(),
            body: body.to_string().into(),
        };
        assert_eq!(
            judge(&answer(
                json!({"code": 40100, "message": "Requests made too frequently.", "data": {}})
            )),
            Verdict::RateLimited(None)
        );
        assert!(matches!(
            judge(&answer(
                json!({"code": 40105, "message": "Access token is incorrect or has been revoked.", "data": {}})
            )),
            Verdict::Expired(_)
        ));
        assert!(matches!(
            judge(&answer(
                json!({"code": 50002, "message": "Server error", "data": {}})
            )),
            Verdict::Transient(_)
        ));
        assert!(matches!(
            judge(&answer(
                json!({"code": 40002, "message": "Invalid parameter", "data": {}})
            )),
            Verdict::Refused(_)
        ));
        assert_eq!(
            judge(&answer(
                json!({"code": 0, "message": "OK", "data": {"list": []}})
            )),
            Verdict::Ok
        );
    }

    #[test]
    fn report_rows_with_string_metrics() {
        let row = json!({"dimensions": {"campaign_id": "1800", "stat_time_day": "2024-06-01 00:00:00"},
            "metrics": {"spend": "20.00", "impressions": "4696", "clicks": "51", "conversion": "3", "reach": ""}});
        let m = metric(&row, MetricLevel::Campaign).unwrap();
        assert_eq!(
            (m.impressions, m.clicks, m.spend.0, m.conversions, m.reach),
            (4696, 51, 20_000_000, 3.0, None)
        );
        assert_eq!(m.date.to_string(), "2024-06-01");
        let no_spend = json!({"dimensions": {"campaign_id": "1800", "stat_time_day": "2024-06-01 00:00:00"},
            "metrics": {"impressions": "1", "clicks": "0"}});
        assert_eq!(
            metric(&no_spend, MetricLevel::Campaign).unwrap_err().field,
            "report.metrics.spend"
        );
    }
}
