//! A survey run's slides: each question's distribution with its base and intervals, the run's
//! manifest in the method, its diagnostics as caveats, and crosstabs.

use pw_decks::tables::Column;
use pw_decks::{
    ChartKind, ChartSpec, Kpi, NumberFormat, Quote, Series, SlideBody, Source, Table, Value,
};
use pw_domain::WorkspaceId;

use super::{CHART_CATEGORIES, Gathered, QUOTES_PER_SLIDE, slide};
use crate::Engine;
use crate::error::Result;
use crate::surveys::{Reliability, ResultOptions};

pub(super) async fn survey_results(
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

pub(super) async fn crosstab(
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
