//! The dashboard read model: KPI tiles with the change against the previous period, a daily
//! series per platform, and every campaign's totals, for one workspace and date range.

use chrono::{Days, NaiveDate};
use pw_domain::{DateRange, KpiValue, Platform, Totals};
use pw_store::{CampaignTotals, Database};

use crate::error::Result;

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

#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub workspace_id: String,
    pub currency: String,
    pub range: DateRange,
    pub previous_range: DateRange,
    pub kpis: Vec<KpiValue>,
    pub series: Vec<PlatformSeries>,
    pub campaigns: Vec<CampaignTotals>,
}

/// Without a range: the last 30 days that have data (or the 30 days to yesterday when the
/// workspace has none yet).
pub(crate) async fn build(
    db: &Database,
    workspace_id: &str,
    range: Option<DateRange>,
) -> Result<Dashboard> {
    let workspace = db.workspace(workspace_id).await?;
    let range = match range {
        Some(range) => range,
        None => {
            let end = match db.metrics_date_range(workspace_id).await? {
                Some(data) => data.end,
                None => crate::paths::yesterday_in(&workspace.time_zone),
            };
            DateRange::ending(end, 30)
        }
    };
    let previous_range = range.previous();
    let current = db.workspace_totals(workspace_id, range).await?;
    let previous = db.workspace_totals(workspace_id, previous_range).await?;
    let kpis = current.compare(&previous);

    let daily = db.daily_platform_totals(workspace_id, range).await?;
    let mut platforms: Vec<Platform> = daily.iter().map(|d| d.platform).collect();
    platforms.sort();
    platforms.dedup();
    let series = platforms
        .into_iter()
        .map(|platform| {
            let mut points = Vec::with_capacity(range.days() as usize);
            let mut date = range.start;
            while date <= range.end {
                let totals = daily
                    .iter()
                    .find(|d| d.platform == platform && d.date == date)
                    .map(|d| d.totals)
                    .unwrap_or_default();
                points.push(SeriesPoint { date, totals });
                date = date + Days::new(1);
            }
            PlatformSeries { platform, points }
        })
        .collect();
    let campaigns = db.campaign_totals(workspace_id, range).await?;
    Ok(Dashboard {
        workspace_id: workspace_id.to_owned(),
        currency: workspace.currency.as_str().to_owned(),
        range,
        previous_range,
        kpis,
        series,
        campaigns,
    })
}
