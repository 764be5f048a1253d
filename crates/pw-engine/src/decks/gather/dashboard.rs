//! The dashboard's slides: KPI tiles against the previous period, daily spend per platform and
//! campaigns by spend, one set per currency.

use pw_decks::tables::Column;
use pw_decks::{ChartKind, ChartSpec, Kpi, NumberFormat, Series, SlideBody, Source, Table, Value};
use pw_domain::{DateRange, KpiKey, KpiNumber, KpiUnit, KpiValue, Micros, WorkspaceId};

use super::{Gathered, headlines, major_units, slide};
use crate::Engine;
use crate::error::Result;

pub(super) async fn dashboard(
    engine: &Engine,
    workspace: WorkspaceId,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<Gathered> {
    let range = match (from, to) {
        (Some(start), Some(end)) => Some(DateRange::new(start, end).map_err(|e| {
            crate::EngineError::InvalidInput(format!("the dashboard's dates: {e}"))
        })?),
        (None, None) => None,
        _ => {
            return Err(crate::EngineError::InvalidInput(
                "the dashboard needs both `from` and `to`, or neither".into(),
            ));
        }
    };
    let dashboard = engine.workspaces().dashboard(workspace, range).await?;
    let period = format!("{} to {}", dashboard.range.start, dashboard.range.end);
    let previous = format!(
        "{} to {}",
        dashboard.previous_range.start, dashboard.previous_range.end
    );
    let mut gathered = Gathered::default();
    for section in &dashboard.sections {
        let currency = section.currency.to_string();
        // The period is in the description, not the reference: the reference is what a rebuilt
        // deck's figures are matched by, so next week's deck says what moved since this one.
        let source = Source {
            table: "daily_metrics".into(),
            reference: format!("workspace {workspace}, {currency}"),
            description: format!(
                "Daily metrics of every platform in {currency}, {period}, against {previous}"
            ),
        };
        let tiles: Vec<Kpi> = section
            .kpis
            .iter()
            .filter_map(|kpi| {
                let current = kpi.current?;
                let value = kpi_text(current, kpi.unit, &currency);
                let detail = match kpi.change() {
                    Some(change) => change_text(change),
                    None => "no previous period to compare".into(),
                };
                Some(Kpi {
                    label: kpi.key.label().to_owned(),
                    value,
                    detail,
                })
            })
            .collect();
        if tiles.is_empty() {
            continue;
        }
        let headline: Vec<String> = [KpiKey::Spend, KpiKey::Cpa]
            .iter()
            .filter_map(|key| section.kpis.iter().find(|k| k.key == *key))
            .filter_map(|kpi| movement(kpi, &currency))
            .collect();
        let title = if headline.is_empty() {
            format!("Performance, {period} ({currency})")
        } else {
            headline.join("; ")
        };
        let mut kpis = slide(title, SlideBody::Kpis { tiles }, vec![source.clone()]);
        kpis.footnote = format!("Compared with {previous}. Money in {currency}.");
        gathered.findings.push(kpis);

        if let Some(first) = section.series.first() {
            let categories: Vec<String> = first.points.iter().map(|p| p.date.to_string()).collect();
            let series: Vec<Series> = section
                .series
                .iter()
                .map(|platform| Series {
                    name: platform.platform.display_name().to_owned(),
                    values: platform
                        .points
                        .iter()
                        .map(|p| Some(major_units(p.totals.spend)))
                        .collect(),
                })
                .collect();
            let chart = ChartSpec {
                kind: ChartKind::Line,
                categories: categories.clone(),
                series: series.clone(),
                format: NumberFormat::Money {
                    currency: currency.clone(),
                },
            };
            let totals: Vec<(String, i64)> = section
                .series
                .iter()
                .map(|platform| {
                    (
                        platform.platform.display_name().to_owned(),
                        platform.points.iter().map(|p| p.totals.spend.0).sum(),
                    )
                })
                .collect();
            let all: i64 = totals.iter().map(|(_, spend)| spend).sum();
            let money = NumberFormat::Money {
                currency: currency.clone(),
            };
            let top = headlines::leaders(&totals, |(_, spend)| *spend);
            let title = match top.first() {
                Some((_, spend)) if all > 0 => format!(
                    "{} spent most: {}{} of {} ({}{})",
                    headlines::listed(&top.iter().map(|(name, _)| name).collect::<Vec<_>>()),
                    money.display(&Value::from(major_units(Micros(*spend)))),
                    if top.len() > 1 { " each" } else { "" },
                    money.display(&Value::from(major_units(Micros(all)))),
                    NumberFormat::Percent { places: 0 }
                        .display(&Value::from(*spend as f64 / all as f64)),
                    if top.len() > 1 { " each" } else { "" },
                ),
                _ => format!("Daily spend by platform ({currency})"),
            };
            let mut chart_slide = slide(title, SlideBody::Chart { chart }, vec![source.clone()]);
            chart_slide.footnote = format!("Daily spend by platform, {period}, in {currency}.");
            gathered.findings.push(chart_slide);
            let mut columns = vec![Column {
                name: "Date".into(),
                format: None,
            }];
            columns.extend(series.iter().map(|s| Column {
                name: format!("{} spend", s.name),
                format: Some(NumberFormat::Money {
                    currency: currency.clone(),
                }),
            }));
            gathered.tables.push((
                Table {
                    name: format!("Daily spend {currency}"),
                    columns,
                    rows: categories
                        .iter()
                        .enumerate()
                        .map(|(i, date)| {
                            std::iter::once(Value::Text(date.clone()))
                                .chain(
                                    series
                                        .iter()
                                        .map(|s| s.values[i].map_or(Value::Empty, Value::from)),
                                )
                                .collect()
                        })
                        .collect(),
                },
                vec![source.clone()],
            ));
        }
    }

    let campaigns: Vec<_> = dashboard.campaigns.iter().collect();
    if !campaigns.is_empty() {
        let money = |currency: &str| {
            Some(NumberFormat::Money {
                currency: currency.to_owned(),
            })
        };
        // One currency per table: amounts in different currencies are never in one column.
        let mut currencies: Vec<String> =
            campaigns.iter().map(|c| c.currency.to_string()).collect();
        currencies.dedup();
        for currency in currencies {
            let rows: Vec<Vec<Value>> = campaigns
                .iter()
                .filter(|c| c.currency.as_str() == currency)
                .map(|c| {
                    let t = &c.totals;
                    let cpa = (t.conversions > 0.0)
                        .then(|| major_units(t.spend) / t.conversions)
                        .map_or(Value::Empty, Value::from);
                    vec![
                        Value::Text(c.name.clone()),
                        Value::Text(c.platform.display_name().to_owned()),
                        Value::from(major_units(t.spend)),
                        Value::from(t.clicks as f64),
                        Value::from(t.conversions),
                        cpa,
                    ]
                })
                .collect();
            let table = Table {
                name: format!("Campaigns {currency}"),
                columns: vec![
                    Column {
                        name: "Campaign".into(),
                        format: None,
                    },
                    Column {
                        name: "Platform".into(),
                        format: None,
                    },
                    Column {
                        name: "Spend".into(),
                        format: money(&currency),
                    },
                    Column {
                        name: "Clicks".into(),
                        format: Some(NumberFormat::Count),
                    },
                    Column {
                        name: "Conversions".into(),
                        format: Some(NumberFormat::Decimal { places: 1 }),
                    },
                    Column {
                        name: "CPA".into(),
                        format: money(&currency),
                    },
                ],
                rows,
            };
            let source = Source {
                table: "daily_metrics".into(),
                reference: format!("workspace {workspace}, campaigns, {currency}"),
                description: format!("Campaign totals in {currency}, {period}"),
            };
            let in_currency: Vec<_> = campaigns
                .iter()
                .filter(|c| c.currency.as_str() == currency)
                .collect();
            let all: i64 = in_currency.iter().map(|c| c.totals.spend.0).sum();
            let leading = headlines::leaders(&in_currency, |c| c.totals.spend.0);
            let title = match leading.first() {
                Some(top) if leading.len() > 1 && all > 0 => format!(
                    "{} led spend together: {} each, {} of the total each",
                    headlines::listed(&leading.iter().map(|c| c.name.as_str()).collect::<Vec<_>>()),
                    NumberFormat::Money {
                        currency: currency.clone()
                    }
                    .display(&Value::from(major_units(top.totals.spend))),
                    NumberFormat::Percent { places: 0 }
                        .display(&Value::from(top.totals.spend.0 as f64 / all as f64))
                ),
                Some(top) if all > 0 => format!(
                    "{} led spend: {}, {} of the total",
                    top.name,
                    NumberFormat::Money {
                        currency: currency.clone()
                    }
                    .display(&Value::from(major_units(top.totals.spend))),
                    NumberFormat::Percent { places: 0 }
                        .display(&Value::from(top.totals.spend.0 as f64 / all as f64))
                ),
                _ => format!("Campaigns by spend, {period} ({currency})"),
            };
            let mut campaigns_slide = slide(
                title,
                SlideBody::Table {
                    table: table.clone(),
                },
                vec![source.clone()],
            );
            campaigns_slide.footnote = format!(
                "Campaigns by spend, {period}. CPA is spend over conversions; a dash where a campaign had none."
            );
            gathered.findings.push(campaigns_slide);
            gathered.tables.push((table, vec![source]));
        }
    }
    gathered.method.push(format!(
        "Ad platform data: {period}, compared with {previous}."
    ));
    Ok(gathered)
}

/// "Spend rose 54% to $175,261.67", "CPA fell 16% to $20.24", "CPA held at $20.24" (under
/// half a percent either way), or "Spend was $175,261.67" with nothing to compare.
fn movement(kpi: &KpiValue, currency: &str) -> Option<String> {
    let value = kpi_text(kpi.current?, kpi.unit, currency);
    let label = kpi.key.label();
    Some(match kpi.change() {
        Some(change) if change.abs() < 0.005 => format!("{label} held at {value}"),
        Some(change) => format!(
            "{label} {} {} to {value}",
            if change > 0.0 { "rose" } else { "fell" },
            NumberFormat::Percent { places: 0 }.display(&Value::from(change.abs()))
        ),
        None => format!("{label} was {value}"),
    })
}

fn kpi_text(value: KpiNumber, unit: KpiUnit, currency: &str) -> String {
    let number = match value {
        KpiNumber::Money(micros) => major_units(micros),
        KpiNumber::Number(n) => n,
    };
    let format = match unit {
        KpiUnit::Money => NumberFormat::Money {
            currency: currency.to_owned(),
        },
        KpiUnit::Count => NumberFormat::Count,
        KpiUnit::Ratio => NumberFormat::Percent { places: 2 },
        KpiUnit::Multiple => NumberFormat::Decimal { places: 2 },
    };
    let text = format.display(&Value::from(number));
    if unit == KpiUnit::Multiple {
        format!("{text}×")
    } else {
        text
    }
}

/// A KPI's change on the previous period as a tile says it: "+12% on the previous period",
/// or "level with the previous period" when it rounds to no change ("+0%" would claim a rise
/// the figure does not show).
fn change_text(change: f64) -> String {
    let format = NumberFormat::Percent { places: 0 };
    if format.display(&Value::from(change)) == format.display(&Value::from(0.0)) {
        "level with the previous period".into()
    } else {
        format!("{} on the previous period", signed_percent(change, format))
    }
}

fn signed_percent(change: f64, format: NumberFormat) -> String {
    let text = format.display(&Value::from(change));
    if change > 0.0 && !text.starts_with('+') {
        format!("+{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_change_that_rounds_to_nothing_is_level_not_a_rise() {
        assert_eq!(super::change_text(0.004), "level with the previous period");
        assert_eq!(super::change_text(-0.004), "level with the previous period");
        assert_eq!(super::change_text(0.12), "+12% on the previous period");
        assert_eq!(super::change_text(-0.051), "-5% on the previous period");
    }
}
