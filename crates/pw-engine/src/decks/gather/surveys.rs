//! A survey run's slides: each question's distribution with its base and intervals, the run's
//! manifest in the method, its diagnostics as caveats, and crosstabs.

use pw_decks::tables::Column;
use pw_decks::{
    ChartKind, ChartSpec, Kpi, NumberFormat, Quote, Series, SlideBody, Source, Table, Value,
};
use pw_domain::WorkspaceId;

use super::{CHART_CATEGORIES, Gathered, QUOTES_PER_SLIDE, headlines, slide};
use crate::Engine;
use crate::error::Result;
use crate::surveys::{QuestionResult, QuestionType, Reliability, ResultOptions};

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
    gathered.caveats.push(format!(
        "Every answer in \"{title}\" is synthetic: {} respondents drawn as variations of the workspace's twins, not people. Read the results as a pre-test to confirm with real respondents, not as a measurement.",
        results.run.answered
    ));
    for diagnostics in &results.diagnostics {
        if diagnostics.reliability != Reliability::NoWarning && !diagnostics.reasons.is_empty() {
            gathered.caveats.push(format!(
                "\"{title}\", {}: {}",
                diagnostics.question,
                // Each reason is a sentence of its own.
                diagnostics.reasons.join(" ")
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
        if question.answered == 0 {
            // A chart of zeros would read as a finding.
            gathered.caveats.push(format!(
                "\"{title}\", {}: no respondent answered it ({}).",
                question.question, question.text
            ));
            continue;
        }
        let headline = headlines::question_headline(question);
        if question.kind == QuestionType::Matrix && !question.rows.is_empty() {
            let (table_slide, table) = matrix(title, question, &headline, &base, &source);
            gathered.findings.push(table_slide);
            gathered.tables.push((table, vec![source.clone()]));
        }
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
            let mut chart_slide = slide(
                headline.clone(),
                SlideBody::Chart { chart },
                vec![source.clone()],
            );
            chart_slide.footnote = format!(
                "{}: {base} 95% intervals up to ±{} points.{}{}",
                question.text,
                NumberFormat::Decimal { places: 1 }.display(&Value::from(widest * 100.0)),
                kind_note(question),
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
            if !question.ranks.is_empty() {
                gathered
                    .tables
                    .push((ranks(title, question), vec![source.clone()]));
            }
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
            tile.footnote = base.clone();
            gathered.findings.push(tile);
        }
        if let Some(themes) = question.themes.as_ref().filter(|t| !t.is_empty()) {
            let shown = &themes[..themes.len().min(CHART_CATEGORIES)];
            let chart = ChartSpec {
                kind: ChartKind::Bar,
                categories: shown.iter().map(|t| t.name.clone()).collect(),
                series: vec![Series {
                    name: "Share of answers".into(),
                    values: shown.iter().map(|t| Some(t.share.share)).collect(),
                }],
                format: NumberFormat::Percent { places: 0 },
            };
            let mut themes_slide = slide(
                headline.clone(),
                SlideBody::Chart { chart },
                vec![source.clone()],
            );
            themes_slide.footnote = format!(
                "{}: {base} Themes the answers were coded into; an answer can carry several.",
                question.text
            );
            gathered.findings.push(themes_slide);
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

/// What a reader must know to read a question's shares, by its kind.
fn kind_note(question: &QuestionResult) -> String {
    let decimal = NumberFormat::Decimal { places: 2 };
    let mean = question.mean.map(|m| {
        format!(
            " Mean {} (95% interval {} to {}).",
            decimal.display(&Value::from(m.value)),
            decimal.display(&Value::from(m.low)),
            decimal.display(&Value::from(m.high))
        )
    });
    match question.kind {
        QuestionType::MultipleChoice => {
            " Respondents could choose several, so the shares need not add up to 100%.".into()
        }
        QuestionType::Ranking => {
            " Each share is of respondents ranking that answer first; mean ranks are in the appendix.".into()
        }
        _ => mean.unwrap_or_default(),
    }
}

/// A ranking question's mean ranks (1 is first) with their intervals, for the appendix.
fn ranks(title: &str, question: &QuestionResult) -> Table {
    let decimal = || Some(NumberFormat::Decimal { places: 2 });
    Table {
        name: format!("{title} {} ranks", question.question),
        columns: vec![
            Column {
                name: "Answer".into(),
                format: None,
            },
            Column {
                name: "Mean rank".into(),
                format: decimal(),
            },
            Column {
                name: "95% low".into(),
                format: decimal(),
            },
            Column {
                name: "95% high".into(),
                format: decimal(),
            },
        ],
        rows: question
            .ranks
            .iter()
            .map(|(label, mean)| {
                vec![
                    Value::Text(label.clone()),
                    Value::from(mean.value),
                    Value::from(mean.low),
                    Value::from(mean.high),
                ]
            })
            .collect(),
    }
}

/// A matrix question as a table: a row per statement, its share at each scale point and its
/// mean.
fn matrix(
    title: &str,
    question: &QuestionResult,
    headline: &str,
    base: &str,
    source: &Source,
) -> (pw_decks::Slide, Table) {
    let points: Vec<String> = question
        .rows
        .first()
        .map(|r| r.points.iter().map(|p| p.label.clone()).collect())
        .unwrap_or_default();
    let mut columns = vec![Column {
        name: "Statement".into(),
        format: None,
    }];
    columns.extend(points.iter().map(|p| Column {
        name: p.clone(),
        format: Some(NumberFormat::Percent { places: 0 }),
    }));
    columns.push(Column {
        name: "Mean".into(),
        format: Some(NumberFormat::Decimal { places: 2 }),
    });
    let table = Table {
        name: format!("{title} {}", question.question),
        columns,
        rows: question
            .rows
            .iter()
            .map(|row| {
                let mut cells = vec![Value::Text(row.label.clone())];
                cells.extend(row.points.iter().map(|p| Value::from(p.share)));
                cells.push(row.mean.map_or(Value::Empty, |m| Value::from(m.value)));
                cells
            })
            .collect(),
    };
    let mut table_slide = slide(
        headline.to_owned(),
        SlideBody::Table {
            table: table.clone(),
        },
        vec![source.clone()],
    );
    table_slide.footnote = format!(
        "{}: {base} Shares of each statement's answers.",
        question.text
    );
    (table_slide, table)
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
    for (c, (name, letter)) in table.columns.iter().zip(&table.column_letters).enumerate() {
        // Each column's effective base beside its name; a base too small to test is marked.
        let base = table.effective_column_sizes.get(c).copied().unwrap_or(0.0);
        let low = if table.low_base_columns.contains(&c) {
            "*"
        } else {
            ""
        };
        columns.push(Column {
            name: format!("{name} ({letter}, n={base:.0}{low})"),
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
        "Column shares; n is each column's effective base. Letters: significantly higher than that column at 95%.{}{}",
        if table.low_base_columns.is_empty() {
            String::new()
        } else {
            format!(
                " * Base under {:.0}: not tested, read with care.",
                crate::surveys::MIN_EFFECTIVE_BASE
            )
        },
        match table.chi_square {
            Some(test) => format!(
                " χ² {} after the design-effect correction.",
                p_text(test.p_value)
            ),
            None => String::new(),
        }
    );
    let mut gathered = Gathered::default();
    gathered.findings.push(crosstab_slide);
    gathered.tables.push((deck_table, vec![source]));
    Ok(gathered)
}

/// A p-value as a reader reads it: "p < 0.001" rather than "p = 0.000".
fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_owned()
    } else {
        format!(
            "p = {}",
            NumberFormat::Decimal { places: 3 }.display(&Value::from(p))
        )
    }
}

/// The survey run of `run` in `workspace`, or why not.
async fn run_in(
    engine: &Engine,
    workspace: WorkspaceId,
    run: pw_domain::StudyId,
) -> Result<crate::surveys::SurveyRun> {
    let found = engine.surveys().run(run).await?;
    if found.workspace_id != workspace {
        return Err(crate::EngineError::InvalidInput(format!(
            "the survey run {run} belongs to another workspace"
        )));
    }
    Ok(found)
}

/// The analysis agent's latest report on a run: its findings and segments as findings, its
/// implications and actions as recommendations, the caveats it carried (the diagnostics', not
/// the model's) as caveats; every item cites the result tables it rests on, and only items
/// that held against them were kept.
pub(super) async fn survey_report(
    engine: &Engine,
    workspace: WorkspaceId,
    run: pw_domain::StudyId,
) -> Result<Gathered> {
    let found = run_in(engine, workspace, run).await?;
    let title = &found.title;
    let Some(report) = engine.surveys().report(run).await? else {
        return Err(crate::EngineError::InvalidInput(format!(
            "the run of \"{title}\" has no analysis report yet: write it first"
        )));
    };
    let mut gathered = Gathered::default();
    let report_source = Source {
        table: "survey_reports".into(),
        reference: format!("{} version {}", report.id, report.version),
        description: format!(
            "The analysis agent's report on \"{title}\" (version {})",
            report.version
        ),
    };
    let cited = |items: &[crate::surveys::CitedItem]| -> Vec<Source> {
        let mut sources = vec![report_source.clone()];
        for item in items {
            for handle in &item.tables {
                let source = Source {
                    table: "survey result table".into(),
                    reference: format!("run {run} {handle}"),
                    description: report
                        .table(handle)
                        .map_or_else(|| handle.clone(), |line| line.line.clone()),
                };
                if !sources.contains(&source) {
                    sources.push(source);
                }
            }
        }
        sources
    };
    for (label, items, recommendation) in [
        ("What the survey found", &report.body.findings, false),
        ("Who differs", &report.body.segments, false),
        ("What it means", &report.body.implications, true),
        ("What to do", &report.body.actions, true),
    ] {
        for chunk in items.chunks(super::BULLETS_PER_SLIDE) {
            let mut made = slide(
                format!("{label}: \"{title}\""),
                SlideBody::Bullets {
                    items: chunk.iter().map(|item| item.text.clone()).collect(),
                },
                cited(chunk),
            );
            made.footnote = format!(
                "Written by {} from the run's result tables; each item checked against the tables it cites.",
                report.written_by
            );
            if recommendation {
                gathered.recommendations.push(made);
            } else {
                gathered.findings.push(made);
            }
        }
    }
    gathered
        .caveats
        .extend(report.body.caveats.iter().map(|c| c.text.clone()));
    gathered.method.push(format!(
        "Survey \"{title}\": analysis report version {} written by {} from the results read {}, ratings at temperature {}; {} of {} items kept after checking them against the result tables.",
        report.version,
        report.written_by,
        if report.weighted { "weighted" } else { "unweighted" },
        report.temperature,
        report.items_checked - report.items_dropped,
        report.items_checked
    ));
    gathered.method_sources.push(report_source);
    Ok(gathered)
}

/// A run set against people's answers to its survey: how alike each question's answers are
/// (KS similarity for ordered answers, Jensen–Shannon divergence for categories), as the
/// fidelity view shows it.
pub(super) async fn fidelity(
    engine: &Engine,
    workspace: WorkspaceId,
    run: pw_domain::StudyId,
    set: &str,
) -> Result<Gathered> {
    let found = run_in(engine, workspace, run).await?;
    let title = &found.title;
    let report = engine
        .surveys()
        .fidelity(run, set, None, &ResultOptions::default())
        .await?;
    let source = Source {
        table: "survey_human_sets".into(),
        reference: format!("run {run} against set {set}"),
        description: format!(
            "\"{title}\" against {} people's answers",
            NumberFormat::Count.display(&Value::from(report.human_rows as f64))
        ),
    };
    let mut gathered = Gathered::default();
    // A question as a reader knows it: its text, else its id.
    let named = |q: &crate::surveys::QuestionComparison| {
        if q.text.trim().is_empty() {
            q.question.clone()
        } else {
            q.text.clone()
        }
    };
    let similar: Vec<_> = report
        .questions
        .iter()
        .filter_map(|q| q.ks_similarity.map(|ks| (q, ks)))
        .collect();
    if let Some(mean) = report.overall.mean_ks_similarity
        && !similar.is_empty()
    {
        let mut chart = slide(
            format!(
                "Synthetic answers to \"{title}\" are {} alike to people's (mean KS similarity, {} questions)",
                NumberFormat::Percent { places: 0 }.display(&Value::from(mean)),
                similar.len()
            ),
            SlideBody::Chart {
                chart: ChartSpec {
                    kind: ChartKind::Bar,
                    categories: similar
                        .iter()
                        .take(CHART_CATEGORIES)
                        .map(|(q, _)| named(q))
                        .collect(),
                    series: vec![Series {
                        name: "KS similarity".into(),
                        values: similar
                            .iter()
                            .take(CHART_CATEGORIES)
                            .map(|(_, ks)| Some(*ks))
                            .collect(),
                    }],
                    format: NumberFormat::Percent { places: 0 },
                },
            },
            vec![source.clone()],
        );
        chart.footnote = format!(
            "100% is the same distribution: KS similarity is one less the largest gap between the two cumulative distributions.{}",
            if similar.len() > CHART_CATEGORIES {
                format!(
                    " The first {CHART_CATEGORIES} of {} questions; the appendix has all.",
                    similar.len()
                )
            } else {
                String::new()
            }
        );
        gathered.findings.push(chart);
        if let Some((least, ks)) = similar.iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
            gathered.caveats.push(format!(
                "\"{title}\": the synthetic answers to \"{}\" are the least like people's ({} KS similarity); read that question with most care.",
                named(least),
                NumberFormat::Percent { places: 0 }.display(&Value::from(*ks))
            ));
        }
    }
    let number = |v: Option<f64>| v.map_or(Value::Empty, Value::from);
    let table = Table {
        name: format!("Fidelity of {title}"),
        columns: vec![
            Column {
                name: "Question".into(),
                format: None,
            },
            Column {
                name: "Synthetic answers".into(),
                format: Some(NumberFormat::Count),
            },
            Column {
                name: "People's answers".into(),
                format: Some(NumberFormat::Count),
            },
            Column {
                name: "KS similarity".into(),
                format: Some(NumberFormat::Percent { places: 0 }),
            },
            Column {
                name: "JS divergence (bits)".into(),
                format: Some(NumberFormat::Decimal { places: 3 }),
            },
            Column {
                name: "Mean, synthetic".into(),
                format: Some(NumberFormat::Decimal { places: 2 }),
            },
            Column {
                name: "Mean, people".into(),
                format: Some(NumberFormat::Decimal { places: 2 }),
            },
        ],
        rows: report
            .questions
            .iter()
            .map(|q| {
                vec![
                    Value::from(named(q).as_str()),
                    Value::from(q.synthetic_answers as f64),
                    Value::from(q.human_answers as f64),
                    number(q.ks_similarity),
                    number(q.jensen_shannon_bits),
                    number(q.synthetic_mean),
                    number(q.human_mean),
                ]
            })
            .collect(),
    };
    gathered.tables.push((table, vec![source.clone()]));
    gathered.method.push(format!(
        "Survey \"{title}\": set against {} people's answers to the same questions ({} questions compared).",
        NumberFormat::Count.display(&Value::from(report.human_rows as f64)),
        report.questions.len()
    ));
    gathered.method_sources.push(source);
    Ok(gathered)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tiny_p_value_is_not_written_as_zero() {
        assert_eq!(super::p_text(0.000_2), "p < 0.001");
        assert_eq!(super::p_text(0.0412), "p = 0.041");
    }
}
