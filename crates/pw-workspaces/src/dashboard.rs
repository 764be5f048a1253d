//! The dashboard read model: KPI tiles with the change against the previous period, a daily
//! series per platform, and every campaign's totals, for one workspace and date range; money
//! per currency, never added across currencies.

use std::collections::{BTreeMap, HashMap};

use crate::WorkspaceStore;
use crate::error::Result;
use crate::reporting::{CampaignTotals, CurrencyTotals, DailyPlatformTotals};
use chrono::{Days, NaiveDate, Utc};
use pw_domain::{Currency, DateRange, KpiValue, Platform, Totals, WorkspaceId};

#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPoint {
    pub date: NaiveDate,
    pub totals: Totals,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlatformSeries {
    pub platform: Platform,
    /// One point per day of the range, zero on days the platform did not deliver, so lines
    /// do not jump across gaps.
    pub points: Vec<SeriesPoint>,
}

/// The KPIs and daily series of the rows reported in one currency. Amounts in different
/// currencies are never added: a workspace with a EUR and a USD account has two sections.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrencySection {
    pub currency: Currency,
    pub kpis: Vec<KpiValue>,
    pub series: Vec<PlatformSeries>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub workspace_id: WorkspaceId,
    /// The workspace's own currency; its section comes first.
    pub currency: Currency,
    pub range: DateRange,
    pub previous_range: DateRange,
    /// One section per currency with data in either period (the workspace's currency first,
    /// then by code: amounts in different currencies have no order); a workspace without data
    /// has one empty section in its own currency.
    pub sections: Vec<CurrencySection>,
    /// Every campaign, each with the currency its amounts are in: by currency, then spend.
    pub campaigns: Vec<CampaignTotals>,
}

/// Without a range: the last 30 days that have data (or the 30 days to yesterday when the
/// workspace has none yet).
pub(crate) async fn build(
    db: WorkspaceStore<'_>,
    workspace_id: WorkspaceId,
    range: Option<DateRange>,
) -> Result<Dashboard> {
    let workspace = db.workspace(workspace_id).await?;
    let range = match range {
        Some(range) => range,
        None => {
            let end = match db.metrics_date_range(workspace_id).await? {
                Some(data) => data.end,
                None => yesterday_in(&workspace.time_zone),
            };
            DateRange::ending(end, 30)
        }
    };
    let previous_range = range.previous();
    let current = db.workspace_totals(workspace_id, range).await?;
    let previous = db.workspace_totals(workspace_id, previous_range).await?;
    let daily = db.daily_platform_totals(workspace_id, range).await?;

    let home = workspace.currency;
    let with_data: BTreeMap<&str, &Currency> = current
        .iter()
        .chain(previous.iter())
        .map(|t| (t.currency.as_str(), &t.currency))
        .collect();
    // The workspace's own currency leads when it has data or nothing has; the others follow by
    // code, since amounts in different currencies have no order.
    let mut currencies: Vec<Currency> = Vec::new();
    if with_data.is_empty() || with_data.contains_key(home.as_str()) {
        currencies.push(home.clone());
    }
    currencies.extend(
        with_data
            .into_values()
            .filter(|currency| **currency != home)
            .cloned(),
    );

    let totals_in = |list: &[CurrencyTotals], code: &Currency| {
        list.iter()
            .find(|t| t.currency == *code)
            .map(|t| t.totals)
            .unwrap_or_default()
    };
    let sections = currencies
        .into_iter()
        .map(|code| {
            let kpis = totals_in(&current, &code).compare(&totals_in(&previous, &code));
            let series = platform_series(&daily, &code, range);
            CurrencySection {
                currency: code,
                kpis,
                series,
            }
        })
        .collect();
    let campaigns = db.campaign_totals(workspace_id, range).await?;
    Ok(Dashboard {
        workspace_id,
        currency: home,
        range,
        previous_range,
        sections,
        campaigns,
    })
}

/// One line per platform that delivered in `currency`, with a point for every day of the range.
fn platform_series(
    daily: &[DailyPlatformTotals],
    currency: &Currency,
    range: DateRange,
) -> Vec<PlatformSeries> {
    let mut by_day: BTreeMap<Platform, HashMap<NaiveDate, Totals>> = BTreeMap::new();
    for row in daily.iter().filter(|d| d.currency == *currency) {
        by_day
            .entry(row.platform)
            .or_default()
            .insert(row.date, row.totals);
    }
    by_day
        .into_iter()
        .map(|(platform, days)| {
            let mut points = Vec::with_capacity(range.days() as usize);
            let mut date = range.start;
            while date <= range.end {
                let totals = days.get(&date).copied().unwrap_or_default();
                points.push(SeriesPoint { date, totals });
                date = date + Days::new(1);
            }
            PlatformSeries { platform, points }
        })
        .collect()
}

/// Yesterday as a calendar date in `time_zone`: the last complete day of ad-platform data.
pub fn yesterday_in(time_zone: &str) -> NaiveDate {
    let today = match time_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => Utc::now().with_timezone(&tz).date_naive(),
        Err(_) => Utc::now().date_naive(),
    };
    today.checked_sub_days(Days::new(1)).unwrap_or(today)
}
