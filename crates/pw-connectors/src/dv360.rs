//! Display & Video 360: an advertiser is an account (currency and time zone from its
//! `generalConfig`), its campaigns are campaigns, its line items our ad groups (insertion
//! orders are budget containers between the two; line items name their campaign themselves),
//! its creatives our creatives. It has no ad objects: the ads stream is empty and figures are
//! reported down to line items.
//!
//! Entities come from the Display & Video 360 API v4 (v3 was shut down on 2025-10-07), paged by
//! `pageToken`/`nextPageToken`.
//! Figures come from Bid Manager API v2: a one-time query for the advertiser and window is
//! created, run and its report polled until DONE (FAILED: the window is split), then the CSV
//! at its signed `googleCloudStoragePath` is downloaded without our token (the URL carries its
//! own authorisation) and read: a header row, the rows (dates `2024/06/01`, money in the
//! advertiser's currency as decimals), a totals row, a blank line and a summary block. A file
//! without its summary block was cut off and is fetched again.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use pw_domain::{CreativeFormat, Currency, EntityStatus, MetricLevel, Objective, Platform};
use serde_json::{Value, json};

use crate::connector::{Connector, ReportRules};
use crate::credentials::without_url;
use crate::error::{ConnectorError, Result};
use crate::google_ads::judge;
use crate::normalise::known;
use crate::normalise::{self, Absent, Unmappable};
use crate::records::{
    DayWindow, EntityStream, Page, RemoteAccount, RemoteAdGroup, RemoteAudience, RemoteCampaign,
    RemoteCreative, RemoteEntity, RemoteMetric,
};
use crate::transport::Transport;

const PAGE_SIZE: u32 = 200;

const METRICS: [&str; 4] = [
    "METRIC_IMPRESSIONS",
    "METRIC_CLICKS",
    "METRIC_MEDIA_COST_ADVERTISER",
    "METRIC_TOTAL_CONVERSIONS",
];

/// The Display & Video 360 API version the connector is written against.
pub const VERSION: &str = "v4";

pub struct Dv360Connector {
    transport: Arc<Transport>,
    /// displayvideo.googleapis.com
    api: String,
    /// doubleclickbidmanager.googleapis.com
    reports: String,
}

fn status(text: &str) -> Option<EntityStatus> {
    match text {
        "ENTITY_STATUS_ACTIVE" => Some(EntityStatus::Active),
        "ENTITY_STATUS_PAUSED" | "ENTITY_STATUS_DRAFT" => Some(EntityStatus::Paused),
        "ENTITY_STATUS_ARCHIVED" | "ENTITY_STATUS_SCHEDULED_FOR_DELETION" => {
            Some(EntityStatus::Ended)
        }
        _ => None,
    }
}

fn objective(goal: &str) -> Option<Objective> {
    Some(match goal {
        "CAMPAIGN_GOAL_TYPE_APP_INSTALL" => Objective::AppInstalls,
        "CAMPAIGN_GOAL_TYPE_BRAND_AWARENESS" => Objective::Awareness,
        "CAMPAIGN_GOAL_TYPE_OFFLINE_ACTION" => Objective::Sales,
        // "Drive online action or visits".
        "CAMPAIGN_GOAL_TYPE_ONLINE_ACTION" => Objective::Traffic,
        _ => return None,
    })
}

fn text(row: &Value, path: &str) -> Option<String> {
    match row.pointer(path)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn required(row: &Value, path: &str, what: &str) -> std::result::Result<String, Unmappable> {
    text(row, path).ok_or_else(|| Unmappable {
        field: format!("{what}{}", path.replace('/', ".")),
        value: "absent".into(),
        reason: "missing".into(),
    })
}

fn entity(stream: EntityStream, row: &Value) -> std::result::Result<RemoteEntity, Unmappable> {
    let updated_at = normalise::updated_at(row.get("updateTime"));
    let raw_status = text(row, "/entityStatus").unwrap_or_default();
    Ok(match stream {
        EntityStream::Campaigns => {
            let goal = text(row, "/campaignGoal/campaignGoalType").unwrap_or_default();
            let planned = |end: &str| {
                row.pointer(&format!("/campaignFlight/plannedDates/{end}"))
                    .map(|d| normalise::date_object(Some(d), "campaign.campaignFlight"))
                    .transpose()
            };
            RemoteEntity::Campaign(RemoteCampaign {
                external_id: required(row, "/campaignId", "campaign")?,
                name: required(row, "/displayName", "campaign")?,
                objective: known(
                    objective(&goal),
                    "campaign.campaignGoal.campaignGoalType",
                    &goal,
                    "goal",
                )?,
                status: known(
                    status(&raw_status),
                    "campaign.entityStatus",
                    &raw_status,
                    "status",
                )?,
                // Budgets sit on insertion orders, not on the campaign.
                daily_budget: None,
                start_date: planned("startDate")?,
                end_date: planned("endDate")?,
                updated_at,
            })
        }
        EntityStream::AdGroups => RemoteEntity::AdGroup(RemoteAdGroup {
            external_id: required(row, "/lineItemId", "lineItem")?,
            campaign_external_id: required(row, "/campaignId", "lineItem")?,
            name: required(row, "/displayName", "lineItem")?,
            status: known(
                status(&raw_status),
                "lineItem.entityStatus",
                &raw_status,
                "status",
            )?,
            targeting: json!({
                "lineItemType": row.get("lineItemType"),
                "insertionOrderId": row.get("insertionOrderId"),
            }),
            updated_at,
        }),
        EntityStream::Creatives => RemoteEntity::Creative(RemoteCreative {
            external_id: required(row, "/creativeId", "creative")?,
            format: match text(row, "/creativeType").as_deref() {
                Some("CREATIVE_TYPE_VIDEO" | "CREATIVE_TYPE_AUDIO") => CreativeFormat::Video,
                Some("CREATIVE_TYPE_NATIVE" | "CREATIVE_TYPE_NATIVE_SITE_SQUARE") => {
                    CreativeFormat::Text
                }
                _ => CreativeFormat::Image,
            },
            headline: text(row, "/displayName"),
            body: None,
            call_to_action: None,
            landing_url: text(row, "/exitEvents/0/url"),
            updated_at,
        }),
        // Never asked: the ads stream answers an empty page before listing anything.
        EntityStream::Ads => {
            return Err(Unmappable {
                field: "ad".into(),
                value: "absent".into(),
                reason: "DV360 has no ad objects".into(),
            });
        }
    })
}

/// The report's columns per level: the id column and Bid Manager's group-bys.
fn level_columns(level: MetricLevel) -> (&'static str, &'static [&'static str]) {
    match level {
        MetricLevel::Account => ("Advertiser ID", &["FILTER_DATE", "FILTER_ADVERTISER"]),
        MetricLevel::Campaign => (
            "Campaign ID",
            &["FILTER_DATE", "FILTER_ADVERTISER", "FILTER_MEDIA_PLAN"],
        ),
        _ => (
            "Line Item ID",
            &[
                "FILTER_DATE",
                "FILTER_ADVERTISER",
                "FILTER_MEDIA_PLAN",
                "FILTER_LINE_ITEM",
            ],
        ),
    }
}

/// A CSV file as records of fields (quoted fields may hold commas and doubled quotes).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\n', false) => {
                record.push(std::mem::take(&mut field).trim_end_matches('\r').to_owned());
                records.push(std::mem::take(&mut record));
            }
            (other, _) => field.push(other),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Where the report's columns are.
struct Columns {
    date: usize,
    id: usize,
    impressions: Option<usize>,
    clicks: Option<usize>,
    cost: Option<usize>,
    conversions: Option<usize>,
}

fn metric(
    record: &[String],
    at: &Columns,
    level: MetricLevel,
) -> std::result::Result<RemoteMetric, Unmappable> {
    let cell = |i: Option<usize>| {
        i.and_then(|i| record.get(i))
            .map(|t| Value::String(t.clone()))
    };
    let raw_date = record.get(at.date).map(|d| d.trim()).unwrap_or_default();
    let day = NaiveDate::parse_from_str(raw_date, "%Y/%m/%d")
        .or_else(|_| NaiveDate::parse_from_str(raw_date, "%Y-%m-%d"))
        .map_err(|_| Unmappable {
            field: "report.Date".into(),
            value: format!("\"{raw_date}\""),
            reason: "not a date".into(),
        })?;
    Ok(RemoteMetric {
        level,
        entity_external_id: record.get(at.id).cloned().unwrap_or_default(),
        date: day,
        impressions: normalise::required_count(
            cell(at.impressions).as_ref(),
            "report.Impressions",
            Absent::IsError,
        )?,
        clicks: normalise::required_count(
            cell(at.clicks).as_ref(),
            "report.Clicks",
            Absent::IsError,
        )?,
        spend: normalise::money_major(
            cell(at.cost).as_ref(),
            "report.Media Cost (Advertiser Currency)",
        )?
        .unwrap_or_default(),
        conversions: normalise::decimal(cell(at.conversions).as_ref(), "report.Total Conversions")?
            .unwrap_or(0.0),
        // Floodlight revenue needs its own metrics; the standard report has none, so the value
        // is not reported (ROAS leaves this spend out) rather than zero.
        conversion_value: None,
        reach: None,
        video_views: None,
    })
}

/// A downloaded report as the level's days. `Err` when the file is not whole: no blank line
/// before the summary block (cut off), or totals that disagree with the rows.
pub fn report_rows(
    file: &str,
    level: MetricLevel,
) -> std::result::Result<Page<RemoteMetric>, String> {
    let records = csv_records(file);
    let Some((header, rest)) = records.split_first() else {
        return Err("the report file is empty".into());
    };
    let column = |name: &str| header.iter().position(|h| h == name);
    let (id_name, _) = level_columns(level);
    let (Some(date), Some(id)) = (column("Date"), column(id_name)) else {
        // A window with no delivery can come back without its grouping columns: a header of
        // metrics (or a one-line notice) and no rows. That is no rows, not a broken file.
        let rows_before_summary = rest
            .iter()
            .take_while(|r| !r.iter().all(|f| f.trim().is_empty()))
            .filter(|r| {
                // A notice is one field; the totals of nothing are all zeros.
                let filled: Vec<&str> = r
                    .iter()
                    .map(|f| f.trim())
                    .filter(|f| !f.is_empty())
                    .collect();
                filled.len() > 1 && filled.iter().any(|f| f.parse::<f64>() != Ok(0.0))
            })
            .count();
        if rows_before_summary == 0 {
            return Ok(Page::last(Vec::new()));
        }
        return Err(format!("the report has no Date or {id_name} column"));
    };
    let at = Columns {
        date,
        id,
        impressions: column("Impressions"),
        clicks: column("Clicks"),
        cost: column("Media Cost (Advertiser Currency)"),
        conversions: column("Total Conversions"),
    };
    let mut page = Page::last(Vec::new());
    let mut total_impressions = 0_i64;
    for record in rest {
        if record.iter().all(|f| f.trim().is_empty()) {
            // The blank line before the summary block: the rows are over, and all arrived.
            return Ok(page);
        }
        if record.get(date).is_none_or(|d| d.trim().is_empty()) {
            // The totals row: a check on the rows read (when every row could be read).
            let stated = at
                .impressions
                .and_then(|i| record.get(i))
                .and_then(|t| t.trim().parse::<i64>().ok());
            if page.issues.is_empty() && stated.is_some_and(|stated| stated != total_impressions) {
                return Err("the report's totals disagree with its rows".into());
            }
            continue;
        }
        match metric(record, &at, level) {
            Ok(row) => {
                total_impressions += row.impressions;
                page.records.push(row);
            }
            Err(issue) => page.issues.push(issue),
        }
    }
    Err("the report file ends before its summary block (cut off)".into())
}

fn date_object(day: NaiveDate) -> Value {
    use chrono::Datelike;
    json!({ "year": day.year(), "month": day.month(), "day": day.day() })
}

impl Dv360Connector {
    pub fn new(transport: Arc<Transport>, api: String, reports: String) -> Self {
        Dv360Connector {
            transport,
            api,
            reports,
        }
    }

    async fn list(
        &self,
        path: &str,
        query: &[(&str, String)],
        page: Option<String>,
        what: &str,
    ) -> Result<Value> {
        let url = format!("{}/{VERSION}/{path}", self.api);
        let mut query = query.to_vec();
        query.push(("pageSize", PAGE_SIZE.to_string()));
        if let Some(token) = page {
            query.push(("pageToken", token));
        }
        self.transport
            .json(
                |client, token| client.get(&url).query(&query).bearer_auth(token),
                judge,
                what,
            )
            .await
    }

    /// Every item of a listing (for the short lists of account discovery).
    async fn list_all(
        &self,
        path: &str,
        key: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> Result<Vec<Value>> {
        let mut items = Vec::new();
        let mut page = None;
        loop {
            let answer = self.list(path, query, page.take(), what).await?;
            items.extend(
                answer
                    .get(key)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
            match text(&answer, "/nextPageToken").filter(|t| !t.is_empty()) {
                Some(next) => page = Some(next),
                None => return Ok(items),
            }
        }
    }

    async fn post(&self, url: &str, body: &Value, what: &str) -> Result<Value> {
        self.transport
            .json(
                |client, token| client.post(url).json(body).bearer_auth(token),
                judge,
                what,
            )
            .await
    }

    /// Creates and runs a one-time query for the window; the URL of its finished file.
    /// A one-time query for a level's days of an account: its id.
    async fn create_query(
        &self,
        account: &RemoteAccount,
        level: MetricLevel,
        window: DayWindow,
    ) -> Result<String> {
        let (_, groups) = level_columns(level);
        let body = json!({
            "metadata": {
                "title": format!("ProfitWheel {} {} {}..{}", account.external_id, level.as_str(), window.from, window.until),
                "dataRange": { "range": "CUSTOM_DATES", "customStartDate": date_object(window.from), "customEndDate": date_object(window.until) },
                "format": "CSV",
            },
            "params": {
                "type": "STANDARD",
                "groupBys": groups,
                "filters": [{ "type": "FILTER_ADVERTISER", "value": account.external_id }],
                "metrics": METRICS,
            },
            "schedule": { "frequency": "ONE_TIME" },
        });
        let created = self
            .post(
                &format!("{}/v2/queries", self.reports),
                &body,
                "a report query",
            )
            .await?;
        text(&created, "/queryId").ok_or_else(|| ConnectorError::Malformed {
            platform: Platform::Dv360,
            what: "a created query without a queryId".into(),
        })
    }

    /// Runs a query and waits for its report: the file's address.
    async fn run_query(&self, query_id: &str) -> Result<String> {
        let run = self
            .post(
                &format!("{}/v2/queries/{query_id}:run", self.reports),
                &json!({}),
                "a report run",
            )
            .await?;
        let report_id = text(&run, "/key/reportId").ok_or_else(|| ConnectorError::Malformed {
            platform: Platform::Dv360,
            what: "a report run without a reportId".into(),
        })?;
        let url = format!("{}/v2/queries/{query_id}/reports/{report_id}", self.reports);
        let started = tokio::time::Instant::now();
        let mut polls = 0_u32;
        loop {
            let report: Value = self
                .transport
                .json(
                    |client, token| client.get(&url).bearer_auth(token),
                    judge,
                    "a report's status",
                )
                .await?;
            let state = text(&report, "/metadata/status/state").unwrap_or_default();
            match state.as_str() {
                "DONE" => {
                    let file =
                        text(&report, "/metadata/googleCloudStoragePath").ok_or_else(|| {
                            ConnectorError::Malformed {
                                platform: Platform::Dv360,
                                what: "a finished report without its file".into(),
                            }
                        })?;
                    return Ok(file);
                }
                // Bid Manager gives no reason a report failed; a shorter window usually runs.
                "FAILED" => {
                    return Err(ConnectorError::TooMuchData {
                        platform: Platform::Dv360,
                    });
                }
                _ => {}
            }
            if started.elapsed() > self.transport.policy.report_deadline {
                return Err(ConnectorError::Unavailable {
                    platform: Platform::Dv360,
                    attempts: 1,
                    detail: format!(
                        "a report was still {state} after {} minutes",
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

    /// The report file, read whole. Storage is not the API: the request goes out without our
    /// token and without the API's pacer, retried like any request when it fails or arrives
    /// cut off.
    async fn download(&self, url: &str, level: MetricLevel) -> Result<Page<RemoteMetric>> {
        let policy = &self.transport.policy;
        let mut failures = 0_u32;
        loop {
            let attempt = async {
                let response = self
                    .transport
                    .client
                    .get(url)
                    .send()
                    .await
                    .map_err(|e| without_url(&e))?;
                let status = response.status();
                let body = response.text().await.map_err(|e| without_url(&e))?;
                if !status.is_success() {
                    return Err(format!("the report file answered {status}"));
                }
                report_rows(&body, level)
            };
            let failure = match tokio::time::timeout(policy.request_timeout, attempt).await {
                Ok(Ok(page)) => return Ok(page),
                Ok(Err(detail)) => detail,
                Err(_) => format!(
                    "no answer within {} s",
                    policy.request_timeout.as_secs_f64()
                ),
            };
            failures += 1;
            if failures >= policy.attempts {
                return Err(ConnectorError::Malformed {
                    platform: Platform::Dv360,
                    what: failure,
                });
            }
            tracing::warn!(detail = %failure, "a DV360 report file could not be read; fetching it again");
            self.transport
                .pause(pw_http::backoff(policy.base_backoff, failures))
                .await?;
        }
    }
}

fn page_of(answer: &Value, key: &str, stream: EntityStream) -> Page<RemoteEntity> {
    let mut page = Page::last(Vec::new());
    for row in answer
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match entity(stream, row) {
            Ok(record) => page.records.push(record),
            Err(issue) => page.issues.push(issue),
        }
    }
    page.next = text(answer, "/nextPageToken").filter(|t| !t.is_empty());
    page
}

impl Connector for Dv360Connector {
    fn platform(&self) -> Platform {
        Platform::Dv360
    }

    fn report_rules(&self) -> ReportRules {
        ReportRules {
            // Conversions keep being credited to earlier days over the attribution window.
            restatement_days: 14,
            window_days: 31,
            history_days: 2 * 365,
        }
    }

    fn report_levels(&self) -> &'static [MetricLevel] {
        &[
            MetricLevel::Account,
            MetricLevel::Campaign,
            MetricLevel::AdGroup,
        ]
    }

    async fn accounts(&self) -> Result<Vec<RemoteAccount>> {
        let partners = self
            .list_all("partners", "partners", &[], "the list of partners")
            .await?;
        let mut accounts: Vec<RemoteAccount> = Vec::new();
        for partner in &partners {
            let Some(partner_id) = text(partner, "/partnerId") else {
                continue;
            };
            let advertisers = self
                .list_all(
                    "advertisers",
                    "advertisers",
                    &[("partnerId", partner_id)],
                    "the list of advertisers",
                )
                .await?;
            for advertiser in &advertisers {
                let currency = text(advertiser, "/generalConfig/currencyCode")
                    .and_then(|c| c.parse::<Currency>().ok());
                match (text(advertiser, "/advertiserId"), currency) {
                    (Some(id), Some(currency)) if !accounts.iter().any(|a| a.external_id == id) => {
                        accounts.push(RemoteAccount {
                            name: text(advertiser, "/displayName")
                                .unwrap_or_else(|| format!("Advertiser {id}")),
                            time_zone: text(advertiser, "/generalConfig/timeZone")
                                .unwrap_or_else(|| "UTC".into()),
                            external_id: id,
                            currency,
                            via_manager: None,
                        });
                    }
                    (Some(_), Some(_)) => {}
                    _ => tracing::warn!("an advertiser without an id or a currency was left out"),
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
        let key = match stream {
            EntityStream::Campaigns => "campaigns",
            EntityStream::AdGroups => "lineItems",
            EntityStream::Creatives => "creatives",
            EntityStream::Ads => return Ok(Page::last(Vec::new())),
        };
        // Listed without a filter, archived campaigns and line items are left out, and their
        // report rows would have no entity: every status is asked for.
        let statuses = [("filter", "entityStatus=\"ENTITY_STATUS_ACTIVE\" OR entityStatus=\"ENTITY_STATUS_PAUSED\" OR entityStatus=\"ENTITY_STATUS_ARCHIVED\" OR entityStatus=\"ENTITY_STATUS_DRAFT\"".to_owned())];
        let answer = self
            .list(
                &format!("advertisers/{}/{key}", account.external_id),
                if stream == EntityStream::Creatives {
                    &[]
                } else {
                    &statuses
                },
                page,
                stream.words(),
            )
            .await?;
        Ok(page_of(&answer, key, stream))
    }

    async fn report_page(
        &self,
        account: &RemoteAccount,
        level: MetricLevel,
        window: DayWindow,
        _page: Option<String>,
    ) -> Result<Page<RemoteMetric>> {
        let query_id = self.create_query(account, level, window).await?;
        let page = match self.run_query(&query_id).await {
            Ok(file) => self.download(&file, level).await,
            Err(error) => Err(error),
        };
        // The query is removed whatever became of its run and its file: one-time queries
        // would pile up in the advertiser's DV360 otherwise. Failing to remove one costs
        // nothing but clutter.
        let url = format!("{}/v2/queries/{query_id}", self.reports);
        if let Err(error) = self
            .transport
            .json::<Value>(
                |client, token| client.delete(&url).bearer_auth(token),
                judge,
                "a query's removal",
            )
            .await
        {
            tracing::warn!(%error, "a report query could not be removed");
        }
        page
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

    const FILE: &str = "Date,Advertiser,Advertiser ID,Campaign,Campaign ID,Impressions,Clicks,Media Cost (Advertiser Currency),Total Conversions\n\
2024/06/01,\"Halcyon, Inc\",43,\"US | \"\"Spring\"\"\",51,1200,30,14.350000,2.000\n\
2024/06/02,\"Halcyon, Inc\",43,\"US | \"\"Spring\"\"\",51,800,10,5.000000,0.000\n\
,,,,,2000,40,19.350000,2.000\n\
\n\
Report Time:,2024/06/03 10:00 UTC\n\
MRC Accredited Metrics,\"Active View metrics, accredited\"\n";

    #[test]
    fn a_report_csv_is_read_up_to_its_summary() {
        let page = report_rows(FILE, MetricLevel::Campaign).unwrap();
        assert_eq!(page.records.len(), 2);
        let first = &page.records[0];
        assert_eq!(
            (
                first.entity_external_id.as_str(),
                first.date.to_string(),
                first.impressions,
                first.spend.0,
                first.conversions
            ),
            ("51", "2024-06-01".to_owned(), 1200, 14_350_000, 2.0)
        );
        assert!(page.issues.is_empty());
        assert_eq!(csv_records(FILE)[1][3], "US | \"Spring\"");
    }

    #[test]
    fn a_cut_or_inconsistent_file_is_refused() {
        let cut = &FILE[..FILE.find("\n,,,").unwrap()];
        assert!(report_rows(cut, MetricLevel::Campaign).is_err());
        let wrong = FILE.replace(",,,,,2000", ",,,,,2001");
        assert!(report_rows(&wrong, MetricLevel::Campaign).is_err());
        let bad = FILE.replace("2024/06/02", "June 2");
        let page = report_rows(&bad, MetricLevel::Campaign).unwrap();
        assert_eq!(page.issues[0].field, "report.Date");
    }

    #[test]
    fn a_window_without_delivery_is_no_rows_but_a_file_without_its_columns_is_refused() {
        let nothing = "Impressions,Clicks,Media Cost (Advertiser Currency),Total Conversions
0,0,0.000000,0.000

Report Time:,2024/06/03 10:00 UTC
";
        let page = report_rows(nothing, MetricLevel::Campaign).unwrap();
        assert!(page.records.is_empty() && page.issues.is_empty());
        let notice = "No data returned by the reporting service.
";
        assert!(
            report_rows(notice, MetricLevel::Campaign)
                .unwrap()
                .records
                .is_empty()
        );
        let renamed = FILE.replace("Date,", "Day,");
        assert!(report_rows(&renamed, MetricLevel::Campaign).is_err());
    }
}
