//! Every number a deck shows, keyed by where it came from rather than where it sits, so a deck
//! rebuilt after the data changed can say what moved ("Spend: $175,261.67 → $180,004.12")
//! even when its headlines, which state the numbers, read differently. IO-free.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{Deck, NumberFormat, SlideBody, Value};

/// One number as a slide shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    /// Stable across rebuilds: the record the slide cites, then what the number is of (a
    /// KPI's label; a chart's series and category; a table's name, first cell and column).
    pub key: String,
    /// What a reader calls it: "Spend", "Meta, 2026-11-03", "Campaigns USD: Brand | Spend".
    pub label: String,
    /// As shown, formatted.
    pub text: String,
}

/// A figure whose shown value changed between two builds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moved {
    pub label: String,
    pub before: String,
    pub after: String,
}

/// What changed between two builds of a deck.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    pub moved: Vec<Moved>,
    /// Figures only the new build has (a new campaign, a new day), and only the old one had.
    pub added: usize,
    pub removed: usize,
    pub unchanged: usize,
}

/// Every figure of the deck, each key once (a table shown on a findings slide and again in the
/// appendix counts once).
pub fn figures(deck: &Deck) -> Vec<Figure> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut push = |key: String, label: String, text: String| {
        if seen.insert(key.clone()) {
            out.push(Figure { key, label, text });
        }
    };
    for slide in &deck.slides {
        let origin = slide
            .sources
            .first()
            .map(|s| format!("{}:{}", s.table, s.reference))
            .unwrap_or_default();
        match &slide.body {
            SlideBody::Kpis { tiles } => {
                for tile in tiles {
                    push(
                        format!("{origin}|kpi|{}", tile.label),
                        tile.label.clone(),
                        tile.value.clone(),
                    );
                }
            }
            SlideBody::Chart { chart } => {
                for series in &chart.series {
                    for (category, value) in chart.categories.iter().zip(&series.values) {
                        let value = value.map_or(Value::Empty, Value::from);
                        push(
                            format!("{origin}|{}|{category}", series.name),
                            format!("{}, {category}", series.name),
                            chart.format.display(&value),
                        );
                    }
                }
            }
            SlideBody::Table { table } => {
                // Rows are told apart by their first cell, and by its occurrence when two rows
                // share one (two platforms' campaigns of one name).
                let mut occurrences: BTreeMap<String, usize> = BTreeMap::new();
                for (r, row) in table.rows.iter().enumerate() {
                    let first = match row.first() {
                        Some(Value::Text(text)) => text.clone(),
                        _ => format!("row {}", r + 1),
                    };
                    let seen_before = occurrences.entry(first.clone()).or_insert(0);
                    *seen_before += 1;
                    let row_key = match *seen_before {
                        1 => first.clone(),
                        n => format!("{first}#{n}"),
                    };
                    for (c, column) in table.columns.iter().enumerate().skip(1) {
                        let Some(value) = row.get(c) else { continue };
                        if matches!(value, Value::Text(_)) {
                            continue;
                        }
                        let format = column
                            .format
                            .clone()
                            .unwrap_or(NumberFormat::Decimal { places: 2 });
                        // The record cited keeps two tables of one name apart (two runs of a
                        // survey); a table repeated in the appendix cites the same one.
                        push(
                            format!("{origin}|table|{}|{row_key}|{}", table.name, column.name),
                            format!("{}: {first}, {}", table.name, column.name),
                            format.display(value),
                        );
                    }
                }
            }
            SlideBody::Title { .. }
            | SlideBody::Section { .. }
            | SlideBody::Bullets { .. }
            | SlideBody::Quotes { .. } => {}
        }
    }
    out
}

/// The figures whose shown value changed, in the new build's order, and how many came and
/// went.
pub fn changes(before: &[Figure], after: &[Figure]) -> Changes {
    let old: BTreeMap<&str, &Figure> = before.iter().map(|f| (f.key.as_str(), f)).collect();
    let new_keys: BTreeSet<&str> = after.iter().map(|f| f.key.as_str()).collect();
    let mut changes = Changes::default();
    for figure in after {
        match old.get(figure.key.as_str()) {
            Some(previous) if previous.text != figure.text => changes.moved.push(Moved {
                label: figure.label.clone(),
                before: previous.text.clone(),
                after: figure.text.clone(),
            }),
            Some(_) => changes.unchanged += 1,
            None => changes.added += 1,
        }
    }
    changes.removed = before
        .iter()
        .filter(|f| !new_keys.contains(f.key.as_str()))
        .count();
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::Column;
    use crate::{ChartKind, ChartSpec, Kpi, Series, Slide, Source, Table};

    fn deck(spend: &str, meta: f64, campaigns: &[(&str, f64)]) -> Deck {
        let source = vec![Source {
            table: "daily_metrics".into(),
            reference: "ws, period".into(),
            description: String::new(),
        }];
        let table = Table {
            name: "Campaigns".into(),
            columns: vec![
                Column {
                    name: "Campaign".into(),
                    format: None,
                },
                Column {
                    name: "Spend".into(),
                    format: Some(NumberFormat::Count),
                },
            ],
            rows: campaigns
                .iter()
                .map(|(name, spend)| vec![Value::Text((*name).into()), Value::Number(*spend)])
                .collect(),
        };
        let slide = |title: &str, body| Slide {
            key: String::new(),
            title: title.into(),
            body,
            notes: String::new(),
            sources: source.clone(),
            footnote: String::new(),
        };
        Deck {
            title: "Review".into(),
            slides: vec![
                // The headline states the number, so it differs between builds.
                slide(
                    &format!("Spend was {spend}"),
                    SlideBody::Kpis {
                        tiles: vec![Kpi {
                            label: "Spend".into(),
                            value: spend.into(),
                            detail: String::new(),
                        }],
                    },
                ),
                slide(
                    "Daily spend",
                    SlideBody::Chart {
                        chart: ChartSpec {
                            kind: ChartKind::Line,
                            categories: vec!["2026-11-01".into()],
                            series: vec![Series {
                                name: "Meta".into(),
                                values: vec![Some(meta)],
                            }],
                            format: NumberFormat::Count,
                        },
                    },
                ),
                slide(
                    "Campaigns",
                    SlideBody::Table {
                        table: table.clone(),
                    },
                ),
                // The appendix repeats the table: its figures count once.
                slide("Campaigns", SlideBody::Table { table }),
            ],
        }
    }

    #[test]
    fn figures_are_keyed_by_their_source_and_counted_once() {
        let figures = figures(&deck("$10", 5.0, &[("Brand", 7.0), ("Gifts", 3.0)]));
        let keys: Vec<&str> = figures.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "daily_metrics:ws, period|kpi|Spend",
                "daily_metrics:ws, period|Meta|2026-11-01",
                "daily_metrics:ws, period|table|Campaigns|Brand|Spend",
                "daily_metrics:ws, period|table|Campaigns|Gifts|Spend",
            ]
        );
        assert_eq!(figures[1].text, "5");
        assert_eq!(figures[2].label, "Campaigns: Brand, Spend");
    }

    #[test]
    fn rows_sharing_a_first_cell_are_told_apart_by_their_occurrence() {
        let figures = figures(&deck("$10", 5.0, &[("Brand", 7.0), ("Brand", 3.0)]));
        let rows: Vec<(&str, &str)> = figures
            .iter()
            .filter(|f| f.key.contains("|table|"))
            .map(|f| (f.key.rsplit('|').nth(1).unwrap(), f.text.as_str()))
            .collect();
        assert_eq!(rows, [("Brand", "7"), ("Brand#2", "3")]);
    }

    #[test]
    fn a_rebuild_says_what_moved_what_came_and_what_went() {
        let before = figures(&deck("$10", 5.0, &[("Brand", 7.0), ("Gifts", 3.0)]));
        let after = figures(&deck("$12", 5.0, &[("Brand", 9.0), ("Launch", 1.0)]));
        let changes = changes(&before, &after);
        assert_eq!(
            changes.moved,
            vec![
                Moved {
                    label: "Spend".into(),
                    before: "$10".into(),
                    after: "$12".into()
                },
                Moved {
                    label: "Campaigns: Brand, Spend".into(),
                    before: "7".into(),
                    after: "9".into()
                },
            ]
        );
        assert_eq!(
            (changes.unchanged, changes.added, changes.removed),
            (1, 1, 1)
        );
        let same = super::changes(&after, &after);
        assert!(same.moved.is_empty() && same.added == 0 && same.removed == 0);
    }
}
