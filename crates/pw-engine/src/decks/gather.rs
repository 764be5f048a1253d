//! From stored results to slides: each section of a spec reads its records through the other
//! contexts' facades and says which records every slide came from. Nothing here writes a
//! number of its own: a slide's figures are the stored results' figures, formatted.

use std::sync::Arc;

use pw_decks::tables::Column;
use pw_decks::{
    ChartKind, ChartSpec, Kpi, NumberFormat, Quote, Series, Slide, SlideBody, Source, Table, Value,
};
use pw_domain::{DateRange, KpiKey, KpiNumber, KpiUnit, KpiValue, Micros, WorkspaceId};

use super::spec::SectionSpec;
use crate::Engine;
use crate::error::Result;
use crate::surveys::{Reliability, ResultOptions};

/// At most this many bullets of a list on one slide; the rest go to the next.
const BULLETS_PER_SLIDE: usize = 6;
/// At most this many quotes on a quote wall.
const QUOTES_PER_SLIDE: usize = 6;
/// A bar chart with more categories than this reads badly; the table in the appendix has all.
const CHART_CATEGORIES: usize = 12;

/// A section's slides, sorted into the parts of an agency deck.
#[derive(Debug, Default)]
pub(crate) struct Gathered {
    /// Headline findings, each slide's title the finding.
    pub findings: Vec<Slide>,
    /// Verbatims: what twins and respondents said, word for word.
    pub verbatims: Vec<Slide>,
    pub recommendations: Vec<Slide>,
    /// Lines of the method slide: samples, models, dates.
    pub method: Vec<String>,
    /// What the diagnostics raised: read the findings with these in mind.
    pub caveats: Vec<String>,
    pub method_sources: Vec<Source>,
    /// Every table behind the deck, whole, with the records it came from: the appendix and
    /// the XLSX export.
    pub tables: Vec<(Table, Vec<Source>)>,
}

impl Gathered {
    pub(crate) fn extend(&mut self, other: Gathered) {
        self.findings.extend(other.findings);
        self.verbatims.extend(other.verbatims);
        self.recommendations.extend(other.recommendations);
        self.method.extend(other.method);
        self.caveats.extend(other.caveats);
        self.method_sources.extend(other.method_sources);
        self.tables.extend(other.tables);
    }
}

pub(crate) async fn section(
    engine: &Arc<Engine>,
    workspace: WorkspaceId,
    spec: &SectionSpec,
) -> Result<Gathered> {
    match spec {
        SectionSpec::Dashboard { from, to } => dashboard(engine, workspace, *from, *to).await,
        SectionSpec::SurveyResults { run, questions } => {
            survey_results(engine, workspace, *run, questions).await
        }
        SectionSpec::Crosstab {
            run,
            question,
            dimension,
        } => crosstab(engine, workspace, *run, question, dimension).await,
        SectionSpec::Insights { session } => insights(engine, workspace, *session).await,
        SectionSpec::GroundingReport { report } => {
            grounding_report(engine, workspace, *report).await
        }
        SectionSpec::AgentReport { agent } => agent_report(engine, workspace, agent).await,
    }
}

fn slide(title: impl Into<String>, body: SlideBody, sources: Vec<Source>) -> Slide {
    Slide {
        title: title.into(),
        body,
        notes: String::new(),
        sources,
        footnote: String::new(),
    }
}

fn major_units(micros: Micros) -> f64 {
    micros.0 as f64 / Micros::PER_UNIT as f64
}

async fn dashboard(
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
        let source = Source {
            table: "daily_metrics".into(),
            reference: format!("workspace {workspace}, {period}, {currency}"),
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
                    Some(change) => format!(
                        "{} on the previous period",
                        signed_percent(change, NumberFormat::Percent { places: 0 })
                    ),
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
            let title = match totals.iter().max_by_key(|(_, spend)| *spend) {
                Some((name, spend)) if all > 0 => format!(
                    "{name} spent most: {} of {} ({})",
                    money.display(&Value::from(major_units(Micros(*spend)))),
                    money.display(&Value::from(major_units(Micros(all)))),
                    NumberFormat::Percent { places: 0 }
                        .display(&Value::from(*spend as f64 / all as f64))
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
                reference: format!("workspace {workspace}, campaigns, {period}, {currency}"),
                description: format!("Campaign totals in {currency}, {period}"),
            };
            let in_currency: Vec<_> = campaigns
                .iter()
                .filter(|c| c.currency.as_str() == currency)
                .collect();
            let all: i64 = in_currency.iter().map(|c| c.totals.spend.0).sum();
            let title = match in_currency.iter().max_by_key(|c| c.totals.spend.0) {
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

fn signed_percent(change: f64, format: NumberFormat) -> String {
    let text = format.display(&Value::from(change));
    if change > 0.0 && !text.starts_with('+') {
        format!("+{text}")
    } else {
        text
    }
}

async fn survey_results(
    engine: &Engine,
    workspace: WorkspaceId,
    run: pw_domain::StudyId,
    questions: &[String],
) -> Result<Gathered> {
    let results = engine
        .surveys()
        .results(run, &ResultOptions::default())
        .await?;
    if results.run.workspace_id != workspace {
        return Err(crate::EngineError::InvalidInput(format!(
            "the survey run {run} belongs to another workspace"
        )));
    }
    for wanted in questions {
        if !results
            .results
            .questions
            .iter()
            .any(|q| &q.question == wanted)
        {
            return Err(crate::EngineError::InvalidInput(format!(
                "the survey \"{}\" has no question \"{wanted}\"",
                results.run.title
            )));
        }
    }
    let title = &results.run.title;
    let weighting = &results.results.weighting;
    let mut gathered = Gathered::default();
    gathered.method.push(format!(
        "Survey \"{title}\": {} synthetic respondents answered of {} drawn{}; {} (effective sample {:.0}, design effect {:.2}).",
        results.run.answered,
        results.run.respondents,
        results
            .run
            .completed_at
            .map(|at| format!(", completed {}", at.date_naive()))
            .unwrap_or_default(),
        if weighting.weighted {
            "weighted to the universe's margins"
        } else {
            "unweighted"
        },
        weighting.effective_sample_size,
        weighting.design_effect,
    ));
    for (key, label) in [
        ("answering_model", "answered by"),
        ("embedding_model", "ratings read with"),
    ] {
        if let Some(model) = results.run.manifest[key].as_str().filter(|m| !m.is_empty()) {
            gathered
                .method
                .push(format!("Survey \"{title}\": {label} {model}."));
        }
    }
    gathered.method_sources.push(Source {
        table: "survey_runs".into(),
        reference: run.to_string(),
        description: format!("The run of \"{title}\" and its manifest"),
    });
    for diagnostics in &results.diagnostics {
        if diagnostics.reliability != Reliability::NoWarning && !diagnostics.reasons.is_empty() {
            gathered.caveats.push(format!(
                "\"{title}\", {}: {}",
                diagnostics.question,
                diagnostics.reasons.join("; ")
            ));
        }
    }

    for question in &results.results.questions {
        if !questions.is_empty() && !questions.contains(&question.question) {
            continue;
        }
        let source = Source {
            table: "survey_results".into(),
            reference: format!("{run} {}", question.table),
            description: format!(
                "Survey \"{title}\", question {}, {} answered",
                question.question, question.answered
            ),
        };
        let base = format!(
            "Base: {} answered of {} asked (effective base {:.0}).",
            question.answered, question.asked, question.effective_base
        );
        if !question.shares.is_empty() {
            let shown = &question.shares[..question.shares.len().min(CHART_CATEGORIES)];
            let chart = ChartSpec {
                kind: ChartKind::Bar,
                categories: shown.iter().map(|s| s.label.clone()).collect(),
                series: vec![Series {
                    name: "Share".into(),
                    values: shown.iter().map(|s| Some(s.share)).collect(),
                }],
                format: NumberFormat::Percent { places: 0 },
            };
            let widest = question
                .shares
                .iter()
                .map(|s| (s.high - s.low) / 2.0)
                .fold(0.0_f64, f64::max);
            let percent = NumberFormat::Percent { places: 0 };
            let headline = match question
                .shares
                .iter()
                .max_by(|a, b| a.share.total_cmp(&b.share))
            {
                Some(top) => format!(
                    "\"{}\" led: {} (95% interval {} to {})",
                    top.label,
                    percent.display(&Value::from(top.share)),
                    percent.display(&Value::from(top.low)),
                    percent.display(&Value::from(top.high))
                ),
                None => question.text.clone(),
            };
            let mut chart_slide = slide(headline, SlideBody::Chart { chart }, vec![source.clone()]);
            chart_slide.footnote = format!(
                "{}: {base} 95% intervals up to ±{} points.{}",
                question.text,
                NumberFormat::Decimal { places: 1 }.display(&Value::from(widest * 100.0)),
                if question.shares.len() > shown.len() {
                    format!(
                        " The first {} of {} answers; all are in the appendix.",
                        shown.len(),
                        question.shares.len()
                    )
                } else {
                    String::new()
                }
            );
            chart_slide.notes = "Synthetic respondents: read these as a pre-test to confirm with people, not as a measurement.".into();
            gathered.findings.push(chart_slide);
            let percent = || Some(NumberFormat::Percent { places: 1 });
            gathered.tables.push((
                Table {
                    name: format!("{} {}", title, question.question),
                    columns: vec![
                        Column {
                            name: "Answer".into(),
                            format: None,
                        },
                        Column {
                            name: "Share".into(),
                            format: percent(),
                        },
                        Column {
                            name: "95% low".into(),
                            format: percent(),
                        },
                        Column {
                            name: "95% high".into(),
                            format: percent(),
                        },
                        Column {
                            name: "Weighted count".into(),
                            format: Some(NumberFormat::Decimal { places: 1 }),
                        },
                    ],
                    rows: question
                        .shares
                        .iter()
                        .map(|s| {
                            vec![
                                Value::Text(s.label.clone()),
                                Value::from(s.share),
                                Value::from(s.low),
                                Value::from(s.high),
                                Value::from(s.count),
                            ]
                        })
                        .collect(),
                },
                vec![source.clone()],
            ));
        } else if let Some(mean) = question.mean {
            let decimal = NumberFormat::Decimal { places: 2 };
            let mut tile = slide(
                question.text.clone(),
                SlideBody::Kpis {
                    tiles: vec![Kpi {
                        label: "Mean".into(),
                        value: decimal.display(&Value::from(mean.value)),
                        detail: format!(
                            "95% interval {} to {}",
                            decimal.display(&Value::from(mean.low)),
                            decimal.display(&Value::from(mean.high))
                        ),
                    }],
                },
                vec![source.clone()],
            );
            tile.footnote = base;
            gathered.findings.push(tile);
        }
        if let Some(themes) = &question.themes {
            let quotes: Vec<Quote> = themes
                .iter()
                .flat_map(|theme| {
                    theme.quotes.iter().take(1).map(|quote| Quote {
                        text: quote.text.clone(),
                        attribution: format!("{} respondent, theme \"{}\"", title, theme.name),
                    })
                })
                .take(QUOTES_PER_SLIDE)
                .collect();
            if !quotes.is_empty() {
                gathered.verbatims.push(slide(
                    format!("In their words: {}", question.text),
                    SlideBody::Quotes { quotes },
                    vec![source.clone()],
                ));
            }
        }
    }
    Ok(gathered)
}

async fn crosstab(
    engine: &Engine,
    workspace: WorkspaceId,
    run: pw_domain::StudyId,
    question: &str,
    dimension: &str,
) -> Result<Gathered> {
    let stored = engine.surveys().run(run).await?;
    if stored.workspace_id != workspace {
        return Err(crate::EngineError::InvalidInput(format!(
            "the survey run {run} belongs to another workspace"
        )));
    }
    let table = engine
        .surveys()
        .crosstab(run, question, dimension, true)
        .await?;
    let mut columns = vec![Column {
        name: table.answer.clone(),
        format: None,
    }];
    for (name, letter) in table.columns.iter().zip(&table.column_letters) {
        columns.push(Column {
            name: format!("{name} ({letter})"),
            format: Some(NumberFormat::Percent { places: 0 }),
        });
        columns.push(Column {
            name: format!("{letter} higher than"),
            format: None,
        });
    }
    let rows = table
        .rows
        .iter()
        .enumerate()
        .map(|(r, label)| {
            let mut row = vec![Value::Text(label.clone())];
            for c in 0..table.columns.len() {
                row.push(Value::from(table.column_shares[r][c]));
                row.push(Value::Text(table.significance_letters(r, c)));
            }
            row
        })
        .collect();
    let name = format!("{} {question} by {dimension}", stored.title);
    let deck_table = Table {
        name,
        columns,
        rows,
    };
    let source = Source {
        table: "survey_crosstab".into(),
        reference: format!("{run} X:{question}×{dimension}"),
        description: format!(
            "Survey \"{}\", {question} crossed by {dimension}, weighted",
            stored.title
        ),
    };
    let mut crosstab_slide = slide(
        format!("{} by {}", table.answer, table.grouping),
        SlideBody::Table {
            table: deck_table.clone(),
        },
        vec![source.clone()],
    );
    crosstab_slide.footnote = format!(
        "Column shares. Letters: significantly higher than that column at 95%.{}",
        match table.chi_square {
            Some(test) => format!(
                " χ² p = {} after the design-effect correction.",
                NumberFormat::Decimal { places: 3 }.display(&Value::from(test.p_value))
            ),
            None => String::new(),
        }
    );
    let mut gathered = Gathered::default();
    gathered.findings.push(crosstab_slide);
    gathered.tables.push((deck_table, vec![source]));
    Ok(gathered)
}

async fn insights(
    engine: &Engine,
    workspace: WorkspaceId,
    session_id: pw_domain::SessionId,
) -> Result<Gathered> {
    let session = engine.twins().session(session_id).await?.session;
    if session.workspace_id != workspace {
        return Err(crate::EngineError::InvalidInput(format!(
            "the session {session_id} belongs to another workspace"
        )));
    }
    let Some(insights) = engine.twins().insights(session_id).await? else {
        return Err(crate::EngineError::InvalidInput(format!(
            "\"{}\" has no insights yet: write them first",
            session.title
        )));
    };
    let source = Source {
        table: "session_insights".into(),
        reference: format!("{} version {}", insights.id, insights.version),
        description: format!(
            "Insights of \"{}\" (version {}), each quote a stored turn",
            session.title, insights.version
        ),
    };
    let title = &session.title;
    let mut gathered = Gathered::default();
    gathered.method.push(format!(
        "\"{title}\": {} AI twins{}; insights written by {}, {} of {} items kept after checking their quotes.",
        session.participants.len(),
        session
            .finished_at
            .map(|at| format!(", held {}", at.date_naive()))
            .unwrap_or_default(),
        insights.written_by,
        insights.items_checked - insights.items_dropped,
        insights.items_checked,
    ));
    gathered.method_sources.push(source.clone());
    let body = &insights.body;
    if !body.themes.is_empty() {
        for chunk in body.themes.chunks(BULLETS_PER_SLIDE) {
            gathered.findings.push(slide(
                format!("What came up in \"{title}\""),
                SlideBody::Bullets {
                    items: chunk
                        .iter()
                        .map(|theme| format!("{}: {}", theme.title, theme.summary))
                        .collect(),
                },
                vec![source.clone()],
            ));
        }
        let quotes: Vec<Quote> = body
            .themes
            .iter()
            .flat_map(|theme| {
                theme.quotes.iter().take(2).map(|quote| Quote {
                    text: quote.says.clone(),
                    attribution: format!("{} (turn {})", quote.speaker, quote.seq),
                })
            })
            .collect();
        for chunk in quotes.chunks(QUOTES_PER_SLIDE) {
            gathered.verbatims.push(slide(
                format!("In their words: \"{title}\""),
                SlideBody::Quotes {
                    quotes: chunk.to_vec(),
                },
                vec![source.clone()],
            ));
        }
    }
    for (label, items) in [
        ("Where they agreed", &body.agreements),
        ("Where they differed", &body.disagreements),
    ] {
        for chunk in items.chunks(BULLETS_PER_SLIDE) {
            gathered.findings.push(slide(
                format!("{label}: \"{title}\""),
                SlideBody::Bullets {
                    items: chunk.iter().map(|item| item.text.clone()).collect(),
                },
                vec![source.clone()],
            ));
        }
    }
    for chunk in body.gaps.chunks(BULLETS_PER_SLIDE / 2) {
        gathered.findings.push(slide(
            format!("Says and thinks: \"{title}\""),
            SlideBody::Bullets {
                items: chunk
                    .iter()
                    .flat_map(|gap| {
                        [
                            format!("Says: \"{}\" ({})", gap.quote.says, gap.quote.speaker),
                            format!("Thinks: {}", gap.thinks),
                        ]
                    })
                    .collect(),
            },
            vec![source.clone()],
        ));
    }
    for chunk in body.actions.chunks(BULLETS_PER_SLIDE) {
        gathered.recommendations.push(slide(
            format!("What the participants point to: \"{title}\""),
            SlideBody::Bullets {
                items: chunk.iter().map(|item| item.text.clone()).collect(),
            },
            vec![source.clone()],
        ));
    }
    gathered.caveats.push(format!(
        "\"{title}\": the participants are AI twins grounded in the workspace's data, not people."
    ));
    Ok(gathered)
}

async fn grounding_report(
    engine: &Engine,
    workspace: WorkspaceId,
    id: pw_domain::GroundingReportId,
) -> Result<Gathered> {
    let report = engine.evidence().report(id).await?;
    if report.workspace_id != workspace {
        return Err(crate::EngineError::InvalidInput(format!(
            "the report {id} belongs to another workspace"
        )));
    }
    let holding: Vec<_> = report.claims.iter().filter(|c| c.holds_now).collect();
    let mut gathered = Gathered::default();
    let dropped = report.claims.len() - holding.len();
    if dropped > 0 {
        gathered.caveats.push(format!(
            "\"{}\": {dropped} claim(s) no longer match their signals since the data changed and are left out.",
            report.title
        ));
    }
    for chunk in holding.chunks(BULLETS_PER_SLIDE) {
        let sources = chunk
            .iter()
            .flat_map(|claim| claim.signals.iter())
            .map(|signal| Source {
                table: "signals".into(),
                reference: signal.id.to_string(),
                description: signal.statement.clone(),
            })
            .collect();
        gathered.findings.push(slide(
            report.title.clone(),
            SlideBody::Bullets {
                items: chunk.iter().map(|claim| claim.text.clone()).collect(),
            },
            sources,
        ));
    }
    gathered.method.push(format!(
        "Grounding report \"{}\" (version {}), written by {}: every claim checked against the signals it cites.",
        report.title, report.version, report.written_by
    ));
    gathered.method_sources.push(Source {
        table: "grounding_reports".into(),
        reference: format!("{id} version {}", report.version),
        description: report.title.clone(),
    });
    Ok(gathered)
}

async fn agent_report(
    engine: &Arc<Engine>,
    workspace: WorkspaceId,
    agent: &str,
) -> Result<Gathered> {
    let Some(specialist) = crate::agents::SPECIALISTS.iter().find(|s| s.name == agent) else {
        return Err(crate::EngineError::InvalidInput(format!(
            "there is no agent \"{agent}\"; the specialists are {}",
            crate::agents::SPECIALISTS
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let runs = engine.agents().runs(workspace, Some(agent), 1).await?;
    let Some(run) = runs.into_iter().next() else {
        return Err(crate::EngineError::InvalidInput(format!(
            "the {} agent has no report in this workspace yet: run it first",
            specialist.title
        )));
    };
    let items: Vec<String> = run
        .answer
        .lines()
        .map(|line| line.trim().trim_start_matches(['-', '*', '•']).trim())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    let sources: Vec<Source> = run
        .citations
        .iter()
        .map(|cited| Source {
            table: format!("agent tool {}", cited.tool),
            reference: format!("run {} {}", run.id, cited.id),
            description: cited.text.clone(),
        })
        .collect();
    let mut gathered = Gathered::default();
    for chunk in items.chunks(BULLETS_PER_SLIDE) {
        let mut recommendation = slide(
            specialist.title,
            SlideBody::Bullets {
                items: chunk.to_vec(),
            },
            sources.clone(),
        );
        recommendation.footnote = format!(
            "Written by the {} agent on {}; every figure checked against the tool results it cites.",
            specialist.title.to_lowercase(),
            run.finished_at.get(..10).unwrap_or(&run.finished_at)
        );
        gathered.recommendations.push(recommendation);
    }
    gathered.method_sources.push(Source {
        table: "agent_runs".into(),
        reference: run.id.clone(),
        description: format!("The {} agent's latest report", specialist.title),
    });
    Ok(gathered)
}
