//! Snapchat through the Marketing API (v1): the member's organizations and their ad accounts,
//! campaigns, ad squads, ads and creatives (records as `<plural>[*].<singular>`, each with its
//! `sub_request_status`, paged by following `paging.next_link`, a full URL), and daily stats of
//! the ad account broken down by campaign, ad squad or ad (`breakdown=…`), one request per
//! level and window rather than one per entity.
//!
//! Stats days are the account's: a bucket's `start_time` is midnight in its zone, written with
//! the offset (`2024-01-15T00:00:00.000-0800`), and a request's range must be such midnights.
//! Snapchat fills every day of the range with a bucket, zero when nothing was delivered; those
//! are left out, as the other platforms leave out such rows. Spend and values are micros.
//! Access tokens last 30 minutes and are refreshed with the app's id and secret in the form.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use pw_domain::{CreativeFormat, Currency, EntityStatus, MetricLevel, Objective, Platform};
use serde_json::{Value, json};

use crate::connector::{Connector, ReportRules};
use crate::error::{ConnectorError, Result};
use crate::normalise::known;
use crate::normalise::{self, Absent, Unmappable};
use crate::records::{
    DayWindow, EntityStream, Page, RemoteAccount, RemoteAd, RemoteAdGroup, RemoteAudience,
    RemoteCampaign, RemoteCreative, RemoteEntity, RemoteMetric,
};
use crate::transport::{Answer, Transport, Verdict, judge_by_status};

const LIMIT: u32 = 1000;

const FIELDS: &str = "impressions,swipes,spend,conversion_purchases,conversion_purchases_value";

pub struct SnapchatConnector {
    transport: Arc<Transport>,
    api: String,
}

/// Reads Snapchat's answers: HTTP statuses, with the reason in `msg`.
pub fn judge(answer: &Answer) -> Verdict {
    if answer.status.is_success() {
        return Verdict::Ok;
    }
    let msg = answer
        .json_value()
        .and_then(|body| body.get("msg").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| format!("the platform answered {}", answer.status));
    match judge_by_status(answer) {
        Verdict::Expired(_) => Verdict::Expired(msg),
        Verdict::Refused(_) => Verdict::Refused(msg),
        Verdict::Transient(_) => Verdict::Transient(msg),
        other => other,
    }
}

fn status(text: &str) -> Option<EntityStatus> {
    match text {
        "ACTIVE" => Some(EntityStatus::Active),
        "PAUSED" => Some(EntityStatus::Paused),
        "DELETED" | "ARCHIVED" => Some(EntityStatus::Ended),
        _ => None,
    }
}

fn objective(text: &str) -> Option<Objective> {
    Some(match text {
        "AWARENESS" | "BRAND_AWARENESS" | "PROMOTE_PLACES" => Objective::Awareness,
        "DRIVE_REPLAY" | "TRAFFIC" => Objective::Traffic,
        "ENGAGEMENT" | "ENGAGEMENTS" => Objective::Engagement,
        "VIDEO_VIEW" | "VIDEO_VIEWS" => Objective::VideoViews,
        "LEAD_GENERATION" | "LEADS" => Objective::Leads,
        "APP_INSTALL" | "APP_INSTALLS" | "APP_CONVERSION" => Objective::AppInstalls,
        "WEB_CONVERSION" | "CATALOG_SALES" | "SALES" => Objective::Sales,
        _ => return None,
    })
}

fn text(row: &Value, name: &str) -> Option<String> {
    row.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn required(row: &Value, name: &str, what: &str) -> std::result::Result<String, Unmappable> {
    text(row, name).ok_or_else(|| Unmappable {
        field: format!("{what}.{name}"),
        value: "absent".into(),
        reason: "missing".into(),
    })
}

/// The records of a list answer (`<plural>[*].<singular>`); sub-requests that failed are
/// issues, not records.
fn unwrap_records(body: &Value, plural: &str, singular: &str) -> (Vec<Value>, Vec<Unmappable>) {
    let mut records = Vec::new();
    let mut issues = Vec::new();
    for item in body
        .get(plural)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match (
            item.get("sub_request_status").and_then(Value::as_str),
            item.get(singular),
        ) {
            (Some("SUCCESS") | None, Some(record)) => records.push(record.clone()),
            (status, _) => issues.push(Unmappable {
                field: format!("{plural}[].sub_request_status"),
                value: format!("\"{}\"", status.unwrap_or("absent")),
                reason: "the platform could not produce this record".into(),
            }),
        }
    }
    (records, issues)
}

fn next_link(body: &Value) -> Option<String> {
    body.pointer("/paging/next_link")
        .and_then(Value::as_str)
        .filter(|link| !link.is_empty())
        .map(str::to_owned)
}

/// Midnight of `day` in `zone`, as the stats endpoints want a range's ends.
pub fn midnight(zone: &str, day: NaiveDate) -> String {
    let local = day.and_time(NaiveTime::MIN);
    match zone
        .parse::<chrono_tz::Tz>()
        .ok()
        .and_then(|tz| tz.from_local_datetime(&local).earliest())
    {
        Some(at) => at.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string(),
        None => format!("{day}T00:00:00.000Z"),
    }
}

/// The daily rows of a stats answer: the breakdown's entities (or the stat's own entity),
/// their non-empty buckets.
pub fn stats_rows(body: &Value, level: MetricLevel) -> Page<RemoteMetric> {
    let mut page = Page::last(Vec::new());
    let breakdown = match level {
        MetricLevel::Account => None,
        MetricLevel::Campaign => Some("campaign"),
        MetricLevel::AdGroup => Some("adsquad"),
        MetricLevel::Ad => Some("ad"),
    };
    for stat in body
        .get("timeseries_stats")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(stat) = stat.get("timeseries_stat") else {
            continue;
        };
        let series: Vec<&Value> = match breakdown {
            None => vec![stat],
            Some(key) => stat
                .pointer(&format!("/breakdown_stats/{key}"))
                .and_then(Value::as_array)
                .map(|list| list.iter().collect())
                .unwrap_or_default(),
        };
        for entity in series {
            let Some(id) = text(entity, "id") else {
                page.issues.push(Unmappable {
                    field: "timeseries_stat.id".into(),
                    value: "absent".into(),
                    reason: "missing".into(),
                });
                continue;
            };
            for bucket in entity
                .get("timeseries")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match bucket_metric(bucket, level, &id) {
                    Ok(Some(record)) => page.records.push(record),
                    Ok(None) => {}
                    Err(issue) => page.issues.push(issue),
                }
            }
        }
    }
    page
}

/// One bucket as the entity's day; `None` for a zero-filled day without delivery.
fn bucket_metric(
    bucket: &Value,
    level: MetricLevel,
    id: &str,
) -> std::result::Result<Option<RemoteMetric>, Unmappable> {
    let stats = bucket.get("stats").cloned().unwrap_or(Value::Null);
    let s = |name: &str| stats.get(name);
    let metric = RemoteMetric {
        level,
        entity_external_id: id.to_owned(),
        date: normalise::day_of_instant(bucket.get("start_time"), "timeseries.start_time")?,
        impressions: normalise::required_count(
            s("impressions"),
            "stats.impressions",
            Absent::IsZero,
        )?,
        clicks: normalise::required_count(s("swipes"), "stats.swipes", Absent::IsZero)?,
        spend: normalise::money_micros(s("spend"), "stats.spend")?.unwrap_or_default(),
        conversions: normalise::decimal(s("conversion_purchases"), "stats.conversion_purchases")?
            .unwrap_or(0.0),
        conversion_value: normalise::money_micros(
            s("conversion_purchases_value"),
            "stats.conversion_purchases_value",
        )?
        .or(Some(pw_domain::Micros(0))),
        reach: None,
        video_views: None,
    };
    let empty = metric.impressions == 0
        && metric.clicks == 0
        && metric.spend.0 == 0
        && metric.conversions == 0.0;
    Ok((!empty).then_some(metric))
}

impl SnapchatConnector {
    pub fn new(transport: Arc<Transport>, api: String) -> Self {
        SnapchatConnector { transport, api }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1/{path}", self.api)
    }

    async fn get(&self, url: &str, query: &[(&str, String)], what: &str) -> Result<Value> {
        let body: Value = self
            .transport
            .json(
                |client, token| client.get(url).query(query).bearer_auth(token),
                judge,
                what,
            )
            .await?;
        if body.get("request_status").and_then(Value::as_str) == Some("ERROR") {
            return Err(ConnectorError::Refused {
                platform: Platform::Snapchat,
                message: text(&body, "msg").unwrap_or_else(|| "the request failed".into()),
            });
        }
        Ok(body)
    }

    /// Every record of a list, following `next_link`.
    async fn all(
        &self,
        path: &str,
        plural: &str,
        singular: &str,
        what: &str,
    ) -> Result<Vec<Value>> {
        let mut records = Vec::new();
        let mut body = self
            .get(&self.url(path), &[("limit", LIMIT.to_string())], what)
            .await?;
        loop {
            let (found, issues) = unwrap_records(&body, plural, singular);
            for issue in issues {
                tracing::warn!(%issue, "a record was left out");
            }
            records.extend(found);
            match next_link(&body) {
                Some(next) => body = self.get(&next, &[], what).await?,
                None => return Ok(records),
            }
        }
    }

    fn entity(stream: EntityStream, row: &Value) -> std::result::Result<RemoteEntity, Unmappable> {
        let updated_at = normalise::updated_at(row.get("updated_at"));
        let raw_status = text(row, "status").unwrap_or_default();
        Ok(match stream {
            EntityStream::Campaigns => {
                let raw_objective = text(row, "objective").unwrap_or_default();
                RemoteEntity::Campaign(RemoteCampaign {
                    external_id: required(row, "id", "campaign")?,
                    name: required(row, "name", "campaign")?,
                    objective: known(
                        objective(&raw_objective),
                        "campaign.objective",
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
                        row.get("daily_budget_micro"),
                        "campaign.daily_budget_micro",
                    )?,
                    start_date: normalise::updated_at(row.get("start_time"))
                        .map(|t| t.date_naive()),
                    end_date: normalise::updated_at(row.get("end_time")).map(|t| t.date_naive()),
                    updated_at,
                })
            }
            EntityStream::AdGroups => RemoteEntity::AdGroup(RemoteAdGroup {
                external_id: required(row, "id", "adsquad")?,
                campaign_external_id: required(row, "campaign_id", "adsquad")?,
                name: required(row, "name", "adsquad")?,
                status: known(status(&raw_status), "adsquad.status", &raw_status, "status")?,
                targeting: row.get("targeting").cloned().unwrap_or_else(|| json!({})),
                updated_at,
            }),
            EntityStream::Creatives => RemoteEntity::Creative(RemoteCreative {
                external_id: required(row, "id", "creative")?,
                format: match text(row, "type").as_deref() {
                    Some("COLLECTION" | "DYNAMIC") => CreativeFormat::Carousel,
                    Some("SNAP_AD" | "WEB_VIEW" | "APP_INSTALL" | "DEEP_LINK" | "PREVIEW") => {
                        CreativeFormat::Video
                    }
                    _ => CreativeFormat::Image,
                },
                headline: text(row, "headline"),
                body: None,
                call_to_action: text(row, "call_to_action"),
                landing_url: row
                    .pointer("/web_view_properties/url")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                updated_at,
            }),
            EntityStream::Ads => RemoteEntity::Ad(RemoteAd {
                external_id: required(row, "id", "ad")?,
                ad_group_external_id: required(row, "ad_squad_id", "ad")?,
                creative_external_id: text(row, "creative_id"),
                name: required(row, "name", "ad")?,
                status: known(status(&raw_status), "ad.status", &raw_status, "status")?,
                updated_at,
            }),
        })
    }
}

impl Connector for SnapchatConnector {
    fn platform(&self) -> Platform {
        Platform::Snapchat
    }

    fn report_rules(&self) -> ReportRules {
        ReportRules {
            // The default view attribution window is 28 days.
            restatement_days: 28,
            window_days: 31,
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
        let mut accounts = Vec::new();
        let organizations = self
            .all(
                "me/organizations",
                "organizations",
                "organization",
                "the organizations",
            )
            .await?;
        for organization in &organizations {
            let Some(org) = text(organization, "id") else {
                continue;
            };
            let rows = self
                .all(
                    &format!("organizations/{org}/adaccounts"),
                    "adaccounts",
                    "adaccount",
                    "the list of ad accounts",
                )
                .await?;
            for row in &rows {
                let currency = text(row, "currency").and_then(|c| c.parse::<Currency>().ok());
                match (text(row, "id"), currency) {
                    (Some(external_id), Some(currency)) => accounts.push(RemoteAccount {
                        name: text(row, "name")
                            .unwrap_or_else(|| format!("Ad account {external_id}")),
                        external_id,
                        currency,
                        time_zone: text(row, "timezone").unwrap_or_else(|| "UTC".into()),
                        via_manager: None,
                    }),
                    _ => tracing::warn!("an ad account without an id or a currency was left out"),
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
        let (edge, singular) = match stream {
            EntityStream::Campaigns => ("campaigns", "campaign"),
            EntityStream::AdGroups => ("adsquads", "adsquad"),
            EntityStream::Creatives => ("creatives", "creative"),
            EntityStream::Ads => ("ads", "ad"),
        };
        let body = match page {
            Some(next) => self.get(&next, &[], stream.words()).await?,
            None => {
                self.get(
                    &self.url(&format!("adaccounts/{}/{edge}", account.external_id)),
                    &[("limit", LIMIT.to_string())],
                    stream.words(),
                )
                .await?
            }
        };
        let (rows, mut issues) = unwrap_records(&body, edge, singular);
        let mut out = Page::last(Vec::with_capacity(rows.len()));
        for row in &rows {
            match Self::entity(stream, row) {
                Ok(record) => out.records.push(record),
                Err(issue) => issues.push(issue),
            }
        }
        out.issues = issues;
        out.next = next_link(&body);
        Ok(out)
    }

    async fn report_page(
        &self,
        account: &RemoteAccount,
        level: MetricLevel,
        window: DayWindow,
        _page: Option<String>,
    ) -> Result<Page<RemoteMetric>> {
        let end = window.until.succ_opt().unwrap_or(window.until);
        let mut query = vec![
            ("granularity", "DAY".to_owned()),
            ("start_time", midnight(&account.time_zone, window.from)),
            ("end_time", midnight(&account.time_zone, end)),
            ("fields", FIELDS.to_owned()),
        ];
        match level {
            MetricLevel::Account => {}
            MetricLevel::Campaign => query.push(("breakdown", "campaign".into())),
            MetricLevel::AdGroup => query.push(("breakdown", "adsquad".into())),
            MetricLevel::Ad => query.push(("breakdown", "ad".into())),
        }
        let body = self
            .get(
                &self.url(&format!("adaccounts/{}/stats", account.external_id)),
                &query,
                "a stats report",
            )
            .await?;
        Ok(stats_rows(&body, level))
    }

    async fn audience_page(
        &self,
        _account: &RemoteAccount,
        _page: Option<String>,
    ) -> Result<Page<RemoteAudience>> {
        // Segments come with the audience work.
        Ok(Page::last(Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_the_accounts_days_and_empty_days_are_left_out() {
        let body = json!({"request_status": "SUCCESS", "timeseries_stats": [{"sub_request_status": "SUCCESS", "timeseries_stat": {
        "id": "acc", "type": "AD_ACCOUNT", "breakdown_stats": {"ad": [{"id": "ad-1", "type": "AD", "timeseries": [
            {"start_time": "2024-01-15T00:00:00.000-0800", "end_time": "2024-01-16T00:00:00.000-0800",
             "stats": {"impressions": 1000, "swipes": 50, "spend": 5000000, "conversion_purchases": 2, "conversion_purchases_value": 61000000}},
            {"start_time": "2024-01-16T00:00:00.000-0800", "end_time": "2024-01-17T00:00:00.000-0800",
             "stats": {"impressions": 0, "swipes": 0, "spend": 0}}
        ]}]}}}]});
        let page = stats_rows(&body, MetricLevel::Ad);
        assert_eq!(page.records.len(), 1);
        let m = &page.records[0];
        assert_eq!(
            m.date.to_string(),
            "2024-01-15",
            "the account's day, not UTC's 16th"
        );
        assert_eq!(
            (
                m.entity_external_id.as_str(),
                m.impressions,
                m.clicks,
                m.spend.0,
                m.conversions,
                m.conversion_value.unwrap().0
            ),
            ("ad-1", 1000, 50, 5_000_000, 2.0, 61_000_000)
        );
        assert!(stats_rows(&body, MetricLevel::Campaign).records.is_empty());
    }

    #[test]
    fn ranges_are_midnights_in_the_accounts_zone() {
        let day = NaiveDate::from_ymd_opt(2024, 1, 15).unwrap();
        assert_eq!(
            midnight("America/Los_Angeles", day),
            "2024-01-15T00:00:00.000-08:00"
        );
        assert_eq!(
            midnight(
                "Europe/Berlin",
                NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
            ),
            "2024-06-01T00:00:00.000+02:00"
        );
    }

    #[test]
    fn errors_carry_their_msg() {
        let answer = |status: u16, msg: &str| Answer {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            headers: http::HeaderMap::new(),
            body: json!({"request_status": "ERROR", "request_id": "r", "msg": msg})
                .to_string()
                .into(),
        };
        assert_eq!(
            judge(&answer(429, "Rate limit exceeded")),
            Verdict::RateLimited(None)
        );
        assert_eq!(
            judge(&answer(401, "Unauthorized")),
            Verdict::Expired("Unauthorized".into())
        );
        assert!(matches!(judge(&answer(503, "down")), Verdict::Transient(_)));
        assert!(matches!(
            judge(&answer(403, "Forbidden")),
            Verdict::Refused(_)
        ));
    }
}
