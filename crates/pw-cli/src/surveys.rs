//! `profitwheel survey …`: survey files in and out of a workspace, runs and their results,
//! crosstabs, the fidelity harness, and the analysis agent's report.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Subcommand;
use pw_engine::surveys::{
    Crosstab, FidelityReport, QuestionType, Reliability, ReportFormat, ResultOptions,
    ResultsFormat, RunRequest, RunResults, StoredSurvey, SurveyId, SurveyRun, UniverseChoice,
    WorkspaceId,
};
use pw_engine::{Engine, EngineError};
use serde_json::json;

use crate::evidence::{run_job, workspace};
use crate::output::Output;
use crate::sessions::read;

#[derive(Subcommand)]
pub(crate) enum SurveyCommand {
    /// Read a survey file into a workspace (a malformed file changes nothing and names the question and field)
    Import { workspace: String, file: PathBuf },
    /// Write a survey as a file (standard output without --out); with --format csv or xlsx,
    /// write a run's results instead (ID is then the run's)
    Export {
        id: String,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// json: the survey's design; csv: every results table; xlsx: a workbook with a sheet
        /// per question, crosstabs by segment and the respondents
        #[arg(long, default_value = "json")]
        format: String,
        /// Weight the results to the universe's margins
        #[arg(long)]
        weighted: bool,
    },
    /// The workspace's surveys
    List { workspace: String },
    /// A survey's questions and logic
    Show { id: String },
    /// Ask a survey of synthetic respondents drawn to US census targets and the workspace's
    /// segments (audiences with twins), and wait for the answers
    Run {
        workspace: String,
        /// A survey file to import, or the id of a survey already imported
        #[arg(long)]
        survey: String,
        /// How many respondents (1 to 10,000)
        #[arg(long, default_value_t = 100)]
        n: usize,
        /// Draws the same respondents again [default: a new one]
        #[arg(long)]
        seed: Option<u64>,
        /// Respondents answering at once
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Also match household income (ACS B19001: households, 2013 dollars)
        #[arg(long)]
        income: bool,
        /// Education targets, e.g. "high school or less=0.37,some college=0.28,bachelor's or more=0.35"
        #[arg(long)]
        education: Option<String>,
        /// Segment shares by audience id, e.g. "<audience id>=0.7,<audience id>=0.3" [default: by audience size]
        #[arg(long)]
        segments: Option<String>,
        /// Draw without census targets (segments and the targets given only)
        #[arg(long)]
        no_census: bool,
    },
    /// Go on with a run that stopped (answered respondents are kept and not asked again)
    Resume { id: String },
    /// A survey's runs
    Runs { survey: String },
    /// A run's results with intervals and diagnostics
    Results {
        id: String,
        /// Weight respondents to the universe's margins (raking)
        #[arg(long)]
        weighted: bool,
        /// Cross every question with categories by a dimension: segment, age_band, sex, region, income, education
        #[arg(long, value_name = "VAR")]
        crosstab: Option<String>,
        /// The temperature ratings are read at (1 leaves them as rated)
        #[arg(long, default_value_t = 1.0)]
        temperature: f64,
    },
    /// Set a run against real people's answers to the same survey, from a CSV file
    Fidelity {
        id: String,
        /// The people's answers (comma, tab or semicolon separated, a header row)
        #[arg(long, value_name = "FILE.csv")]
        human: PathBuf,
        /// Each question's column, e.g. "q1=col_a,q2=col_b"
        #[arg(long, value_name = "Q=COL,...")]
        map: String,
        /// Columns holding the run's dimensions, for subgroups, e.g. "age_band=age,education=educ"
        #[arg(long, value_name = "DIM=COL,...")]
        by: Option<String>,
        /// Weight the synthetic side to the universe's margins
        #[arg(long)]
        weighted: bool,
    },
    /// A run's report by the analysis agent: findings, segment differences, implications and
    /// actions, each citing the result tables its figures come from (checked against them), with
    /// the caveats the diagnostics give. Written if there is none yet.
    Report {
        id: String,
        /// md or pdf
        #[arg(long, default_value = "md")]
        format: String,
        /// Write here instead of standard output (a PDF needs a file)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Write a new version even if there is one
        #[arg(long)]
        rewrite: bool,
        /// Read the results unweighted (they are weighted to the universe by default)
        #[arg(long)]
        unweighted: bool,
        /// The temperature ratings are read at (1 leaves them as rated)
        #[arg(long, default_value_t = 1.0)]
        temperature: f64,
    },
    /// The 1996 ANES subset shipped with the app, run and set against its 944 real people
    Anes96 {
        workspace: String,
        #[arg(long, default_value_t = 50)]
        n: usize,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
}

pub async fn run(
    engine: &Arc<Engine>,
    out: &Output,
    command: &SurveyCommand,
) -> Result<(), EngineError> {
    match command {
        SurveyCommand::Import {
            workspace: text,
            file,
        } => {
            let id = workspace(engine, text).await?;
            let stored = engine.surveys().import(id, &read(file)?).await?;
            if out.json {
                out.value(&json!(stored.summary));
            } else {
                out.line(&format!(
                    "Imported “{}” ({} questions) as {}.",
                    stored.summary.title, stored.summary.questions, stored.summary.id
                ));
            }
        }
        SurveyCommand::Export {
            id,
            out: file,
            format,
            weighted,
        } => {
            let results_format = match format.as_str() {
                "json" => None,
                "csv" => Some(ResultsFormat::Csv),
                "xlsx" => Some(ResultsFormat::Xlsx),
                other => {
                    return Err(EngineError::InvalidInput(format!(
                        "--format {other}: choose json, csv or xlsx"
                    )));
                }
            };
            let bytes = match results_format {
                None => engine
                    .surveys()
                    .export(id.parse::<SurveyId>()?)
                    .await?
                    .into_bytes(),
                Some(kind) => {
                    let options = ResultOptions {
                        weighted: *weighted,
                        ..ResultOptions::default()
                    };
                    engine
                        .surveys()
                        .export_results(id.parse()?, kind, &options, &[])
                        .await?
                }
            };
            match file {
                Some(path) => {
                    pw_engine::write_whole(path, &bytes)?;
                    out.line(&format!("Wrote {}", path.display()));
                }
                None if results_format == Some(ResultsFormat::Xlsx) => {
                    return Err(EngineError::InvalidInput(
                        "a workbook is not text: give --out FILE.xlsx".into(),
                    ));
                }
                None => out.line(String::from_utf8_lossy(&bytes).trim_end()),
            }
        }
        SurveyCommand::Fidelity {
            id,
            human,
            map,
            by,
            weighted,
        } => {
            let run = id.parse()?;
            let questions = pairs(map)?;
            let dimensions = match by {
                Some(text) => pairs(text)?,
                None => Vec::new(),
            };
            let name = human.file_name().map_or_else(
                || "answers.csv".to_owned(),
                |n| n.to_string_lossy().into_owned(),
            );
            let people = engine
                .surveys()
                .import_human_for_run(run, &name, &read(human)?, &questions, &dimensions)
                .await?;
            let options = ResultOptions {
                weighted: *weighted,
                ..ResultOptions::default()
            };
            let first = dimensions.first().map(|(d, _)| d.as_str());
            let report = engine
                .surveys()
                .fidelity(run, &people.id, first, &options)
                .await?;
            if out.json {
                out.value(&json!(report));
            } else {
                print_fidelity(out, &report);
            }
        }
        SurveyCommand::Report {
            id,
            format,
            out: file,
            rewrite,
            unweighted,
            temperature,
        } => {
            let run = id.parse()?;
            let format = match format.as_str() {
                "md" | "markdown" => ReportFormat::Markdown,
                "pdf" => ReportFormat::Pdf,
                other => {
                    return Err(EngineError::InvalidInput(format!(
                        "--format {other}: choose md or pdf"
                    )));
                }
            };
            if format == ReportFormat::Pdf && file.is_none() {
                return Err(EngineError::InvalidInput(
                    "a PDF is not text: give --out FILE.pdf".into(),
                ));
            }
            let options = ResultOptions {
                weighted: !*unweighted,
                temperature: *temperature,
            };
            // A report read another way (weighted or not, another temperature) is not the one
            // asked for: a new version is written.
            let current = engine.surveys().report(run).await?;
            let fits = current.as_ref().is_some_and(|r| {
                r.weighted == options.weighted && (r.temperature - options.temperature).abs() < 1e-9
            });
            if *rewrite || !fits {
                let job = engine.surveys().start_report(run, &options).await?;
                run_job(engine, out, job).await?;
            }
            if out.json && file.is_none() {
                out.value(&json!(engine.surveys().report(run).await?));
                return Ok(());
            }
            let bytes = engine.surveys().export_report(run, format).await?;
            match file {
                Some(path) => {
                    pw_engine::write_whole(path, &bytes)?;
                    out.line(&format!("Wrote the report to {}", path.display()));
                }
                None => out.line(String::from_utf8_lossy(&bytes).trim_end()),
            }
        }
        SurveyCommand::Anes96 {
            workspace: text,
            n,
            seed,
            concurrency,
        } => {
            let id = workspace(engine, text).await?;
            let (survey, people) = engine.surveys().import_anes96(id).await?;
            let request = RunRequest {
                survey: survey.summary.id,
                respondents: *n,
                seed: *seed,
                universe: UniverseChoice {
                    census: false,
                    human_set: Some(people.id.clone()),
                    ..UniverseChoice::default()
                },
                concurrency: Some(*concurrency),
            };
            let run = engine.surveys().start_run(id, &request).await?;
            if !out.json {
                print_universe(out, &run);
            }
            follow_quietly(engine, out, &run).await?;
            let report = engine
                .surveys()
                .fidelity(run.id, &people.id, None, &ResultOptions::default())
                .await?;
            if out.json {
                out.value(
                    &json!({ "run": engine.surveys().run(run.id).await?, "fidelity": report }),
                );
            } else {
                print_fidelity(out, &report);
            }
        }
        SurveyCommand::List { workspace: text } => {
            let id = workspace(engine, text).await?;
            let surveys = engine.surveys().list(id).await?;
            if out.json {
                out.value(&json!(surveys));
            } else if surveys.is_empty() {
                out.line("No surveys yet: write one (docs/survey-format.md) and run `profitwheel survey import WORKSPACE FILE`.");
            } else {
                for s in surveys {
                    out.line(&format!(
                        "{}  v{:<3} {:>3} questions  {}",
                        s.id, s.version, s.questions, s.title
                    ));
                }
            }
        }
        SurveyCommand::Run {
            workspace: text,
            survey,
            n,
            seed,
            concurrency,
            income,
            education,
            segments,
            no_census,
        } => {
            let id = workspace(engine, text).await?;
            let survey = survey_to_run(engine, id, survey).await?;
            let request = RunRequest {
                survey,
                respondents: *n,
                seed: *seed,
                universe: UniverseChoice {
                    census: !*no_census,
                    income: *income,
                    education: shares(education.as_deref())?,
                    segment_shares: shares(segments.as_deref())?,
                    dimensions: Vec::new(),
                    human_set: None,
                },
                concurrency: Some(*concurrency),
            };
            let run = engine.surveys().start_run(id, &request).await?;
            if !out.json {
                print_universe(out, &run);
            }
            follow(engine, out, &run).await?;
        }
        SurveyCommand::Resume { id } => {
            let run = engine.surveys().resume(id.parse()?).await?;
            follow(engine, out, &run).await?;
        }
        SurveyCommand::Runs { survey } => {
            let runs = engine.surveys().runs(survey.parse()?).await?;
            if out.json {
                out.value(&json!(runs));
            } else if runs.is_empty() {
                out.line("No runs yet: `profitwheel survey run WORKSPACE --survey ID --n 100`.");
            } else {
                for run in runs {
                    out.line(&format!(
                        "{}  {:<9} {:>5} of {:<5} respondents  {}",
                        run.id,
                        run.status.as_str(),
                        run.answered,
                        run.respondents,
                        run.title
                    ));
                }
            }
        }
        SurveyCommand::Results {
            id,
            weighted,
            crosstab,
            temperature,
        } => {
            let run = id.parse()?;
            let options = ResultOptions {
                weighted: *weighted,
                temperature: *temperature,
            };
            let results = engine.surveys().results(run, &options).await?;
            let mut tables = Vec::new();
            if let Some(dimension) = crosstab {
                for question in results.survey.questions.iter().filter(|q| {
                    matches!(
                        q.kind,
                        QuestionType::SingleChoice | QuestionType::Likert | QuestionType::Nps
                    )
                }) {
                    tables.push(
                        engine
                            .surveys()
                            .crosstab(run, &question.id, dimension, *weighted)
                            .await?,
                    );
                }
            }
            if out.json {
                out.value(&json!({ "results": results, "crosstabs": tables }));
            } else {
                print_results(out, &results);
                for table in &tables {
                    print_crosstab(out, table);
                }
            }
        }
        SurveyCommand::Show { id } => {
            let stored = engine.surveys().survey(id.parse::<SurveyId>()?).await?;
            if out.json {
                out.value(&json!({ "summary": stored.summary, "definition": stored.definition }));
            } else {
                print_survey(out, &stored);
            }
        }
    }
    Ok(())
}

/// A survey file to import, or the id of one already in the workspace.
async fn survey_to_run(
    engine: &Arc<Engine>,
    workspace: WorkspaceId,
    given: &str,
) -> Result<SurveyId, EngineError> {
    let path = Path::new(given);
    if path.is_file() {
        return Ok(engine
            .surveys()
            .import(workspace, &read(path)?)
            .await?
            .summary
            .id);
    }
    given.parse::<SurveyId>().map_err(|_| {
        EngineError::InvalidInput(format!(
            "--survey {given}: no such file, and not a survey id"
        ))
    })
}

/// "a=x,b=y" as pairs of names.
fn pairs(text: &str) -> Result<Vec<(String, String)>, EngineError> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            part.split_once('=')
                .map(|(a, b)| (a.trim().to_owned(), b.trim().to_owned()))
                .ok_or_else(|| EngineError::InvalidInput(format!("\"{part}\" is not name=column")))
        })
        .collect()
}

/// "a=0.3,b=0.7" as pairs.
fn shares(text: Option<&str>) -> Result<Vec<(String, f64)>, EngineError> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            let (name, share) = part.rsplit_once('=').ok_or_else(|| {
                EngineError::InvalidInput(format!("\"{part}\" is not name=share"))
            })?;
            let share: f64 = share.trim().parse().map_err(|_| {
                EngineError::InvalidInput(format!("\"{share}\" in \"{part}\" is not a number"))
            })?;
            Ok((name.trim().to_owned(), share))
        })
        .collect()
}

fn print_universe(out: &Output, run: &SurveyRun) {
    out.line(&format!(
        "Drawing {} respondents (seed {}) to these targets:",
        run.respondents, run.seed
    ));
    for dimension in &run.universe.dimensions {
        let shares: Vec<String> = dimension
            .labels
            .iter()
            .zip(&dimension.shares)
            .map(|(label, share)| format!("{label} {:.0}%", share * 100.0))
            .collect();
        out.line(&format!("  {}: {}", dimension.name, shares.join(", ")));
        out.line(&format!("    from {}", dimension.source));
    }
}

/// Waits for a run's job, printing its progress, then prints how it ended and its results.
async fn follow(engine: &Arc<Engine>, out: &Output, run: &SurveyRun) -> Result<(), EngineError> {
    if !follow_quietly(engine, out, run).await? {
        return Ok(());
    }
    let results = engine
        .surveys()
        .results(run.id, &ResultOptions::default())
        .await?;
    if out.json {
        out.value(&json!(results));
    } else {
        print_results(out, &results);
    }
    Ok(())
}

/// Waits for a run's job, printing its progress; `false` when there was nothing to wait for.
async fn follow_quietly(
    engine: &Arc<Engine>,
    out: &Output,
    run: &SurveyRun,
) -> Result<bool, EngineError> {
    if run.status.as_str() == "completed" {
        out.line("The run is complete; nothing to resume.");
        return Ok(false);
    }
    let Some(job_id) = &run.job_id else {
        return Err(EngineError::InvalidInput(
            "the run has no job to follow".into(),
        ));
    };
    let job = engine.jobs().get(job_id).await?;
    let waited = run_job(engine, out, job).await;
    let now = engine.surveys().run(run.id).await?;
    if let Err(error) = waited {
        out.line(&format!(
            "{} of {} respondents answered. {}",
            now.answered, now.respondents, now.status_note
        ));
        out.line(&format!(
            "Resume with `profitwheel survey resume {}`.",
            now.id
        ));
        return Err(error);
    }
    if !now.status_note.is_empty() {
        out.line(&now.status_note);
    }
    // Open ends go into the search index before this process ends.
    let update = engine
        .evidence()
        .start_index_update(now.workspace_id)
        .await?;
    run_job(engine, out, update).await?;
    Ok(true)
}

fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
}

fn print_fidelity(out: &Output, report: &FidelityReport) {
    out.line(&format!(
        "Against {} people ({} rows skipped){}:",
        report.human_rows,
        report.skipped.len(),
        report
            .by
            .as_ref()
            .map(|b| format!(", subgroups by {b}"))
            .unwrap_or_default()
    ));
    for skipped in report.skipped.iter().take(10) {
        out.line(&format!(
            "  skipped line {}: {}",
            skipped.line, skipped.reason
        ));
    }
    if report.skipped.len() > 10 {
        out.line(&format!("  … and {} more", report.skipped.len() - 10));
    }
    out.line(&format!(
        "  {:<14} {:>5} {:>5}  {:>5} {:>6} {:>6} {:>6} {:>6}",
        "question", "synth", "human", "KS", "JSD", "mean×", "SD×", "r(sub)"
    ));
    for q in &report.questions {
        out.line(&format!(
            "  {:<14} {:>5} {:>5}  {:>5} {:>6} {:>6} {:>6} {:>6}",
            q.question,
            q.synthetic_answers,
            q.human_answers,
            ratio(q.ks_similarity),
            ratio(q.jensen_shannon_bits),
            ratio(q.mean_ratio),
            ratio(q.standard_deviation_ratio),
            ratio(q.subgroup_correlation.map(|c| c.correlation))
        ));
    }
    let overall = &report.overall;
    out.line(&format!(
        "  overall: KS similarity {}, Jensen–Shannon {} bits, SD ratio {}, subgroup r {}",
        ratio(overall.mean_ks_similarity),
        ratio(overall.mean_jensen_shannon_bits),
        ratio(overall.mean_standard_deviation_ratio),
        ratio(overall.mean_subgroup_correlation)
    ));
    out.line("  KS similarity and the ratios need ordered answers; JSD is in bits (0 = the same, 1 = nothing shared); SD× under 0.6 means the synthetic answers spread far less than people's.");
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn print_results(out: &Output, report: &RunResults) {
    let run = &report.run;
    let weighting = &report.results.weighting;
    out.line(&format!(
        "{} — run {} ({} of {} respondents answered, {})",
        report.survey.title,
        run.id,
        run.answered,
        run.respondents,
        run.status.as_str()
    ));
    if weighting.weighted {
        out.line(&format!(
            "Weighted to the universe: design effect {:.2}, effective base {:.0}{}",
            weighting.design_effect,
            weighting.effective_sample_size,
            if weighting.converged {
                ""
            } else {
                " (raking did not fully converge)"
            }
        ));
        if !weighting.unfilled.is_empty() {
            out.line(&format!(
                "No respondent fell in {}: the others stand for them; a larger sample fills them.",
                weighting.unfilled.join(", ")
            ));
        }
    }
    for (question, diagnostics) in report.results.questions.iter().zip(&report.diagnostics) {
        out.line("");
        out.line(&format!(
            "[{}] {}  ({} asked, {} answered)",
            question.question, question.text, question.asked, question.answered
        ));
        for share in &question.shares {
            out.line(&format!(
                "  {:<28} {:>5}  ({}–{})",
                share.label,
                percent(share.share),
                percent(share.low),
                percent(share.high)
            ));
        }
        if let Some(mean) = question.mean {
            out.line(&format!(
                "  mean {:.2} ({:.2}–{:.2}), standard deviation {:.2}",
                mean.value, mean.low, mean.high, mean.standard_deviation
            ));
        }
        if let Some(nps) = question.net_promoter {
            out.line(&format!(
                "  NPS {:+.0} ({:+.0} to {:+.0}): {} promoters, {} detractors",
                nps.score,
                nps.low,
                nps.high,
                percent(nps.promoters),
                percent(nps.detractors)
            ));
        }
        for (option, mean) in &question.ranks {
            out.line(&format!("  {option}: mean rank {:.2}", mean.value));
        }
        for row in &question.rows {
            if let Some(mean) = row.mean {
                out.line(&format!("  {:<28} mean {:.2}", row.label, mean.value));
            }
        }
        for (reason, count) in &question.non_responses {
            out.line(&format!("  no answer from {count}: {reason}"));
        }
        let flag = match diagnostics.reliability {
            Reliability::NoWarning => "no warning sign",
            Reliability::Caution => "read with care",
            Reliability::ConfirmWithPeople => "confirm with real respondents",
        };
        out.line(&format!("  Reliability: {flag}"));
        for reason in &diagnostics.reasons {
            out.line(&format!("    - {reason}"));
        }
    }
}

fn print_crosstab(out: &Output, table: &Crosstab) {
    out.line("");
    out.line(&format!("{} by {}", table.answer, table.grouping));
    let header: Vec<String> = table
        .columns
        .iter()
        .zip(&table.column_letters)
        .map(|(c, l)| format!("{c} ({l})"))
        .collect();
    out.line(&format!("  {:<24} {}", "", header.join("  ")));
    for (row, label) in table.rows.iter().enumerate() {
        let cells: Vec<String> = table
            .column_shares
            .get(row)
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(column, share)| {
                let letters: String = table
                    .higher_than
                    .get(row)
                    .and_then(|r| r.get(column))
                    .map(|others| {
                        others
                            .iter()
                            .filter_map(|o| table.column_letters.get(*o).cloned())
                            .collect()
                    })
                    .unwrap_or_default();
                format!("{:>5}{letters:<3}", percent(*share))
            })
            .collect();
        out.line(&format!("  {label:<24} {}", cells.join("  ")));
    }
    if let Some(test) = &table.chi_square {
        out.line(&format!(
            "  χ² {:.1} (adjusted for the design effect {:.2}), {} df, p = {:.3}",
            test.corrected_statistic, test.design_effect, test.degrees_of_freedom, test.p_value
        ));
    }
}

fn print_survey(out: &Output, stored: &StoredSurvey) {
    let survey = &stored.definition;
    out.line(&format!(
        "{} (version {}, {} questions)",
        survey.title, stored.summary.version, stored.summary.questions
    ));
    for (n, q) in survey.questions.iter().enumerate() {
        let mut line = format!("{:>3}. [{}] {} ({})", n + 1, q.id, q.text, q.kind.as_str());
        if q.display_if.is_some() {
            line.push_str(" · shown only if its condition holds");
        }
        if !q.skip.is_empty() {
            let targets: Vec<&str> = q.skip.iter().map(|s| s.to.as_str()).collect();
            line.push_str(&format!(" · may skip to {}", targets.join(", ")));
        }
        out.line(&line);
        if matches!(
            q.kind,
            QuestionType::SingleChoice | QuestionType::MultipleChoice | QuestionType::Ranking
        ) {
            for option in &q.options {
                out.line(&format!("       - {} ({})", option.label, option.id));
            }
        }
    }
}
