//! Trend, a test of a difference and a forecast over a daily figure.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use pw_agents::{Source, SourceKind, Tool, ToolFailure, ToolOutput};
use pw_domain::{DateRange, KpiKey, Totals, WorkspaceId};
use pw_workspaces::{DailyPlatformTotals, WorkspaceStore};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Engine;

use super::metrics::day;

/// What the statistics tool works out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatisticsTest {
    /// The slope over the days.
    Trend,
    /// The days against as many days just before them.
    Compare,
    /// The next 7 days.
    Forecast,
}

/// A daily figure the statistics tool reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DailyFigure {
    Spend,
    Clicks,
    Conversions,
    Ctr,
    Cpa,
    Roas,
}

impl DailyFigure {
    fn label(self) -> &'static str {
        match self {
            DailyFigure::Spend => "spend",
            DailyFigure::Clicks => "clicks",
            DailyFigure::Conversions => "conversions",
            DailyFigure::Ctr => "CTR (%)",
            DailyFigure::Cpa => "CPA",
            DailyFigure::Roas => "ROAS",
        }
    }

    /// The day's figure, `None` when the day has nothing to divide by.
    fn of(self, t: &Totals) -> Option<f64> {
        let spend = t.spend.0 as f64 / 1e6;
        match self {
            DailyFigure::Spend => Some(spend),
            DailyFigure::Clicks => Some(t.clicks as f64),
            DailyFigure::Conversions => Some(t.conversions),
            DailyFigure::Ctr => {
                (t.impressions > 0).then(|| 100.0 * t.clicks as f64 / t.impressions as f64)
            }
            DailyFigure::Cpa => (t.conversions > 0.0).then(|| spend / t.conversions),
            DailyFigure::Roas => t.kpi(KpiKey::Roas),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StatisticsArgs {
    pub test: StatisticsTest,
    pub figure: DailyFigure,
    /// First day, YYYY-MM-DD (default: 28 days before the last day with data).
    #[serde(default)]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (default: the last day with data).
    #[serde(default)]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub until: Option<String>,
    /// Only this platform.
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub platform: Option<String>,
}

/// Simple statistics over a daily figure (one currency, the workspace's main one when amounts
/// are involved): its trend, a test of the days against those just before, a forecast.
pub struct MetricStatistics {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

fn signed(value: f64) -> String {
    format!("{value:+.2}")
}

impl DailyFigure {
    /// Whether the figure is an amount of money, which is never added across currencies.
    fn is_money(self) -> bool {
        matches!(
            self,
            DailyFigure::Spend | DailyFigure::Cpa | DailyFigure::Roas
        )
    }
}

/// The currency most days of `rows` (on `platform`) are in.
fn main_currency(rows: &[DailyPlatformTotals], platform: Option<&str>) -> Option<String> {
    let mut days: std::collections::BTreeMap<&str, std::collections::BTreeSet<NaiveDate>> =
        Default::default();
    for d in rows
        .iter()
        .filter(|d| platform.is_none_or(|p| d.platform.as_str() == p))
    {
        days.entry(d.currency.as_str()).or_default().insert(d.date);
    }
    days.into_iter()
        .max_by_key(|(_, days)| days.len())
        .map(|(currency, _)| currency.to_owned())
}

/// The figure for each day of `rows` on `platform`, in `currency` when given (amounts), else
/// summed over currencies (counts and rates); a day with nothing to divide by is left out.
fn daily_series(
    rows: &[DailyPlatformTotals],
    figure: DailyFigure,
    platform: Option<&str>,
    currency: Option<&str>,
) -> Vec<(NaiveDate, f64)> {
    let mut days: std::collections::BTreeMap<NaiveDate, Totals> = Default::default();
    for d in rows
        .iter()
        .filter(|d| platform.is_none_or(|p| d.platform.as_str() == p))
        .filter(|d| currency.is_none_or(|c| d.currency.as_str() == c))
    {
        days.entry(d.date).or_default().add(&d.totals);
    }
    days.iter()
        .filter_map(|(date, t)| figure.of(t).map(|v| (*date, v)))
        .collect()
}

/// A p-value as a reader reads it: below a thousandth is "p < 0.001", not "p 0.000".
fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_owned()
    } else {
        format!("p {p:.3}")
    }
}

impl MetricStatistics {
    async fn rows(&self, range: DateRange) -> Result<Vec<DailyPlatformTotals>, ToolFailure> {
        WorkspaceStore::new(&self.engine.db)
            .daily_platform_totals(self.workspace, range)
            .await
            .map_err(|e| ToolFailure(format!("the metrics could not be read: {e}")))
    }
}

impl Tool for MetricStatistics {
    type Args = StatisticsArgs;

    fn name(&self) -> &'static str {
        "metric_statistics"
    }

    fn description(&self) -> &'static str {
        "Statistics of a daily figure (spend, clicks, conversions, ctr, cpa, roas) over days: its trend with a 95% interval, whether the days differ significantly from as many days just before them, or a 7-day forecast with 95% intervals"
    }

    async fn call(&self, args: StatisticsArgs) -> Result<ToolOutput, ToolFailure> {
        use pw_agents::series::{Trend, forecast, welch};
        let store = WorkspaceStore::new(&self.engine.db);
        let Some(data) = store
            .metrics_date_range(self.workspace)
            .await
            .map_err(|e| ToolFailure(format!("the metrics could not be read: {e}")))?
        else {
            return Err(ToolFailure(
                "this workspace has no daily metrics yet".into(),
            ));
        };
        let until = day(&args.until, "until")?.unwrap_or(data.end);
        let from = day(&args.from, "from")?.unwrap_or(until - Duration::days(27));
        if from > until {
            return Err(ToolFailure(format!("{from} is after {until}")));
        }
        let platform = args.platform.as_deref();
        let rows = self
            .rows(DateRange {
                start: from,
                end: until,
            })
            .await?;
        // Amounts in the currency most of the days are in, chosen once for both periods of a
        // comparison; counts and rates over every currency.
        let currency = if args.figure.is_money() {
            main_currency(&rows, platform)
        } else {
            None
        };
        let days = daily_series(&rows, args.figure, platform, currency.as_deref());
        let values: Vec<f64> = days.iter().map(|(_, v)| *v).collect();
        let scope = format!(
            "{}{} on {}",
            args.figure.label(),
            match (&currency, args.figure) {
                (Some(c), DailyFigure::Spend | DailyFigure::Cpa) => format!(" ({c})"),
                _ => String::new(),
            },
            platform.unwrap_or("all platforms")
        );
        let not_enough = |need: &str| {
            ToolFailure(format!(
                "{scope} has {} days with a value between {from} and {until}; {need}",
                values.len()
            ))
        };
        let (label, text, data) = match args.test {
            StatisticsTest::Trend => {
                // Each day at its own offset: a day without a value leaves a gap, not a shift.
                let points: Vec<(f64, f64)> = days
                    .iter()
                    .map(|(date, v)| ((*date - from).num_days() as f64, *v))
                    .collect();
                let t = Trend::fit_at(&points).ok_or_else(|| not_enough("a trend needs 3"))?;
                let label = format!("Trend of {scope}, {from} to {until}");
                let verdict = if t.p_value >= 0.05 {
                    "no significant trend"
                } else if t.slope > 0.0 {
                    "rising significantly"
                } else {
                    "falling significantly"
                };
                (
                    label.clone(),
                    format!(
                        "{label} ({} days): {} a day (95% interval {} to {}), {}: {verdict}.",
                        t.days,
                        signed(t.slope),
                        signed(t.low),
                        signed(t.high),
                        p_text(t.p_value)
                    ),
                    json!({"slope": t.slope, "low": t.low, "high": t.high, "p_value": t.p_value, "days": t.days}),
                )
            }
            StatisticsTest::Compare => {
                let length = (until - from).num_days() + 1;
                let before_until = from - Duration::days(1);
                let before_from = from - Duration::days(length);
                let before_rows = self
                    .rows(DateRange {
                        start: before_from,
                        end: before_until,
                    })
                    .await?;
                let before = daily_series(&before_rows, args.figure, platform, currency.as_deref());
                let before: Vec<f64> = before.iter().map(|(_, v)| *v).collect();
                let d = welch(&before, &values).ok_or_else(|| {
                    not_enough(&format!(
                        "a comparison needs 2 days with a value on each side, and some variation ({} before)",
                        before.len()
                    ))
                })?;
                let label =
                    format!("{scope}, {from} to {until} against {before_from} to {before_until}");
                (
                    label.clone(),
                    format!(
                        "{label}: a mean of {:.2} a day against {:.2}, a difference of {} (95% interval {} to {}), {}: {}.",
                        d.mean_b,
                        d.mean_a,
                        signed(d.difference),
                        signed(d.low),
                        signed(d.high),
                        p_text(d.p_value),
                        if d.p_value < 0.05 {
                            "significant at 0.05"
                        } else {
                            "not significant at 0.05"
                        }
                    ),
                    json!({"mean": d.mean_b, "mean_before": d.mean_a, "difference": d.difference,
                           "low": d.low, "high": d.high, "p_value": d.p_value, "df": d.df,
                           "before_from": before_from, "before_until": before_until}),
                )
            }
            StatisticsTest::Forecast => {
                // The projection continues the days in order; a gap would shift the weekdays.
                let consecutive = days
                    .windows(2)
                    .all(|w| w[1].0 - w[0].0 == Duration::days(1));
                if !consecutive {
                    return Err(ToolFailure(format!(
                        "{scope} has days without a value between {from} and {until}; a forecast needs every day"
                    )));
                }
                let projected = forecast(&values, 7).ok_or_else(|| {
                    not_enough(&format!(
                        "a forecast needs {}",
                        pw_agents::series::FORECAST_MIN_DAYS
                    ))
                })?;
                let last = days.last().map_or(until, |(d, _)| *d);
                let label = format!("Forecast of {scope} from {from} to {last}");
                let lines: Vec<String> = projected
                    .iter()
                    .map(|p| {
                        format!(
                            "{}: {:.2} (95% interval {:.2} to {:.2})",
                            last + Duration::days(p.ahead as i64),
                            p.value,
                            p.low,
                            p.high
                        )
                    })
                    .collect();
                (
                    label.clone(),
                    format!(
                        "{label} (a linear trend with a weekday pattern):\n{}",
                        lines.join("\n")
                    ),
                    json!(projected
                        .iter()
                        .map(|p| json!({"day": last + Duration::days(p.ahead as i64), "value": p.value, "low": p.low, "high": p.high}))
                        .collect::<Vec<_>>()),
                )
            }
        };
        Ok(ToolOutput {
            text,
            data,
            source: Source {
                kind: SourceKind::Statistic,
                reference:
                    json!({"test": args.test, "figure": args.figure, "from": from.to_string(),
                                  "until": until.to_string(), "platform": args.platform})
                    .to_string(),
                label,
            },
        })
    }
}
