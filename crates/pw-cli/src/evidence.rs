//! `profitwheel signals|search|reports|index …`: the evidence layer from the command line —
//! building and listing signals, searching a workspace, writing and reading grounding reports
//! with the evidence behind every claim, and rebuilding a search index.

use std::sync::Arc;

use chrono::NaiveDate;
use pw_engine::evidence::{
    AudienceId, DocKind, FacetField, GroundingReport, HistogramInterval, IndexState, Query,
    ReportKind, RowRole, Signal, Support, SupportUnit, WorkspaceId,
};
use pw_engine::jobs::{Job, JobState};
use pw_engine::{Engine, EngineError};
use serde_json::json;

use crate::output::{Output, grouped};
use crate::{IndexCommand, ReportsCommand, SignalsCommand, job_error};

/// Rows shown under each cited signal in `reports show`.
const ROWS_PER_SIGNAL: usize = 5;

pub(crate) async fn workspace(engine: &Engine, text: &str) -> Result<WorkspaceId, EngineError> {
    Ok(engine.workspaces().find(text).await?.workspace.id)
}

/// An audience by id or exact name, within a workspace.
pub(crate) async fn audience(
    engine: &Engine,
    workspace: WorkspaceId,
    text: &str,
) -> Result<AudienceId, EngineError> {
    let audiences = engine.evidence().audiences(workspace).await?;
    audiences
        .iter()
        .find(|a| a.id.to_string() == text || a.name == text)
        .map(|a| a.id)
        .ok_or_else(|| {
            EngineError::InvalidInput(format!(
                "no audience '{text}' in this workspace; it has: {}",
                audiences
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// Runs the workers here until `job` ends; fails unless it succeeded.
pub(crate) async fn run_job(
    engine: &Arc<Engine>,
    out: &Output,
    job: Job,
) -> Result<Job, EngineError> {
    engine.start_workers().await;
    let done = engine.jobs().wait(&job.id, |j| out.progress(j)).await?;
    if done.state == JobState::Succeeded {
        Ok(done)
    } else {
        Err(job_error(&done))
    }
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn print_signals(out: &Output, signals: &[Signal]) {
    if out.json {
        out.value(&json!(signals));
        return;
    }
    if signals.is_empty() {
        out.line("No signals yet: run `profitwheel signals build WORKSPACE`.");
        return;
    }
    for signal in signals {
        // How many of what (48,210 of 80,350 impressions), then the stored rows behind it.
        let Support { count, total, unit } = signal.support;
        let counted = match total {
            Some(total) => format!(
                "{} of {} {unit}",
                grouped(count as f64, 0),
                grouped(total as f64, 0)
            ),
            None => format!("{} {unit}", grouped(count as f64, 0)),
        };
        let support = if unit == SupportUnit::Rows {
            counted
        } else {
            format!("{counted}, {} rows", signal.support_rows)
        };
        let interval = signal
            .interval
            .map(|i| format!(", 95% CI {}–{}", percent(i.low), percent(i.high)))
            .unwrap_or_default();
        let q = signal
            .q_value
            .map(|q| format!(", q = {q:.3}"))
            .unwrap_or_default();
        out.line(&format!(
            "[{}] {}\n    strength {:.3} · {support}{interval}{q} · {}",
            signal.kind.as_str(),
            signal.statement,
            signal.strength,
            signal.id
        ));
    }
}

pub async fn signals(
    engine: &Arc<Engine>,
    out: &Output,
    command: &SignalsCommand,
) -> Result<(), EngineError> {
    match command {
        SignalsCommand::Build { workspace: text } => {
            let id = workspace(engine, text).await?;
            let job = engine.evidence().start_signal_build(id).await?;
            let done = run_job(engine, out, job).await?;
            // Keep the search index in step before this process ends.
            let update = engine.evidence().start_index_update(id).await?;
            run_job(engine, out, update).await?;
            let summary = done.result.clone().unwrap_or_default();
            if out.json {
                out.value(&summary);
            } else {
                out.line(&format!(
                    "Built {} behaviour, {} intent and {} mention-theme signals ({} mentions embedded; themes named by a model: {}, by keywords: {}).",
                    summary["behavior"], summary["intent"], summary["mention_themes"],
                    summary["embedded"], summary["named_by_model"], summary["named_by_keywords"]
                ));
                if let Some(failure) = summary["naming_failure"].as_str() {
                    out.line(&format!("No model named some themes: {failure}"));
                }
            }
        }
        SignalsCommand::List {
            workspace: text,
            audience: audience_text,
        } => {
            let id = workspace(engine, text).await?;
            let audience = match audience_text {
                Some(a) => Some(audience(engine, id, a).await?),
                None => None,
            };
            print_signals(out, &engine.evidence().signals(id, audience).await?);
        }
    }
    Ok(())
}

fn parse_day(text: &str) -> Result<NaiveDate, EngineError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| EngineError::InvalidInput(format!("'{text}' is not a day (YYYY-MM-DD)")))
}

#[allow(
    clippy::too_many_arguments,
    reason = "the command's flags, passed through"
)]
pub async fn search(
    engine: &Arc<Engine>,
    out: &Output,
    text: &str,
    query_text: &str,
    kinds: &[String],
    facets: &[String],
    from: Option<&str>,
    to: Option<&str>,
    limit: usize,
    hybrid: bool,
) -> Result<(), EngineError> {
    let id = workspace(engine, text).await?;
    let kinds = kinds
        .iter()
        .map(|k| {
            DocKind::parse(k).ok_or_else(|| {
                EngineError::InvalidInput(format!(
                    "'{k}' is not a kind; use one of: mention, search_term, behavior, creative, signal, report"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let filters = facets
        .iter()
        .map(|f| {
            let (field, value) = f.split_once('=').ok_or_else(|| {
                EngineError::InvalidInput(format!(
                    "'{f}' should be field=value, e.g. platform=meta"
                ))
            })?;
            let field = FacetField::parse(field).ok_or_else(|| {
                EngineError::InvalidInput(format!(
                    "'{field}' is not a facet; use kind, platform, audience, theme or sentiment"
                ))
            })?;
            Ok((field, value.to_owned()))
        })
        .collect::<Result<Vec<_>, EngineError>>()?;
    let query = Query {
        text: query_text.to_owned(),
        kinds,
        filters,
        from: from.map(parse_day).transpose()?,
        to: to.map(parse_day).transpose()?,
        limit,
        offset: 0,
        histogram: HistogramInterval::Week,
    };
    if hybrid {
        let mut found = engine.evidence().retrieve(id, &query).await?;
        if let IndexState::Rebuilding { .. } = &found.state {
            let job = engine.evidence().start_index_rebuild(id).await?;
            run_job(engine, out, job).await?;
            found = engine.evidence().retrieve(id, &query).await?;
        }
        if out.json {
            out.value(&json!(found));
        } else {
            for hit in &found.hits {
                let rank = |r: Option<usize>| r.map_or("-".to_owned(), |r| r.to_string());
                out.line(&format!(
                    "{:.4}  words {:>3}  meaning {:>3}  {}",
                    hit.score,
                    rank(hit.text_rank),
                    rank(hit.vector_rank),
                    hit.text
                ));
            }
        }
        return Ok(());
    }
    let mut page = engine.evidence().search(id, &query).await?;
    if let IndexState::Rebuilding { reason } = &page.state {
        // Nobody else will build it while this command waits: build it here.
        if !out.json {
            out.line(&format!("Building the search index first ({reason})…"));
        }
        let job = engine.evidence().start_index_rebuild(id).await?;
        run_job(engine, out, job).await?;
        page = engine.evidence().search(id, &query).await?;
    }
    if out.json {
        out.value(&json!({
            "state": page.state,
            "total": page.total,
            "hits": page.hits,
            "facets": page.facets.iter().map(|(f, v)| (f.as_str(), v)).collect::<std::collections::BTreeMap<_, _>>(),
            "histogram": page.histogram.iter().map(|(d, n)| json!({"from": d, "count": n})).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    out.line(&format!("{} matches", page.total));
    for hit in &page.hits {
        // Matches in *stars*, as the terminal has no bold to spare.
        let mut marked = String::new();
        let mut at = 0;
        for (start, end) in &hit.highlights {
            if *start < at || *end > hit.snippet.len() {
                continue;
            }
            marked.push_str(&hit.snippet[at..*start]);
            marked.push('*');
            marked.push_str(&hit.snippet[*start..*end]);
            marked.push('*');
            at = *end;
        }
        marked.push_str(&hit.snippet[at..]);
        let day = hit.day.map(|d| d.to_string()).unwrap_or_default();
        out.line(&format!("{:<12} {day:<10}  {marked}", hit.kind.as_str()));
    }
    for (field, values) in &page.facets {
        if values.is_empty() {
            continue;
        }
        let shown: Vec<String> = values
            .iter()
            .take(6)
            .map(|(v, n)| format!("{v} {n}"))
            .collect();
        out.line(&format!("{:<10} {}", field.as_str(), shown.join(" · ")));
    }
    if !page.histogram.is_empty() {
        let most = page
            .histogram
            .iter()
            .map(|(_, n)| *n)
            .max()
            .unwrap_or(1)
            .max(1);
        out.line("matches per week:");
        for (week, n) in &page.histogram {
            let bar = "█".repeat(((*n as f64 / most as f64) * 30.0).ceil() as usize);
            out.line(&format!("  {week} {bar} {n}"));
        }
    }
    Ok(())
}

async fn print_report(
    engine: &Engine,
    out: &Output,
    report: &GroundingReport,
) -> Result<(), EngineError> {
    let mut claims = Vec::new();
    for claim in &report.claims {
        let mut signals = Vec::new();
        for signal in &claim.signals {
            let rows = engine.evidence().evidence_rows(signal.id, 10_000).await?;
            let segment: Vec<_> = rows
                .into_iter()
                .filter(|r| r.role == RowRole::Segment)
                .collect();
            signals.push((signal, segment));
        }
        claims.push((claim, signals));
    }
    if out.json {
        out.value(&json!({
            "report": report,
            "evidence": claims.iter().map(|(claim, signals)| json!({
                "claim": claim.text,
                "holds_now": claim.holds_now,
                "signals": signals.iter().map(|(s, rows)| json!({"id": s.id, "statement": s.statement, "rows": rows})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    out.line(&format!(
        "{} (v{}, {} report, written by {}, {} of {} claims kept)",
        report.title,
        report.version,
        report.kind.as_str(),
        report.written_by,
        report.claims.len(),
        report.claims_checked
    ));
    for (index, (claim, signals)) in claims.iter().enumerate() {
        out.line(&format!("{}. {}", index + 1, claim.text));
        if !claim.holds_now {
            out.line(if claim.changed_since.is_empty() {
                "   ! Does not pass today's check against its evidence."
            } else {
                "   ! No longer holds: its evidence has changed since this version."
            });
        }
        for (signal, rows) in signals {
            out.line(&format!("   ← {} [{}]", signal.statement, signal.id));
            if let Some(change) = claim
                .changed_since
                .iter()
                .find(|c| c.signal_id == signal.id)
            {
                out.line(&format!(
                    "     {} when written: {}",
                    if change.retired {
                        "retired since; it said"
                    } else {
                        "changed since; it said"
                    },
                    change.statement_then
                ));
            }
            for row in rows.iter().take(ROWS_PER_SIGNAL) {
                let what = row.text.as_deref().unwrap_or(&row.title);
                out.line(&format!(
                    "       · {} {} {}",
                    row.date.as_deref().unwrap_or(""),
                    what,
                    if row.text.is_some() {
                        String::new()
                    } else {
                        row.figures.to_string()
                    }
                ));
            }
            if rows.len() > ROWS_PER_SIGNAL {
                out.line(&format!(
                    "       · … and {} more rows",
                    rows.len() - ROWS_PER_SIGNAL
                ));
            }
        }
    }
    Ok(())
}

pub async fn reports(
    engine: &Arc<Engine>,
    out: &Output,
    command: &ReportsCommand,
) -> Result<(), EngineError> {
    match command {
        ReportsCommand::Ground {
            workspace: text,
            audience: audience_text,
            kind,
        } => {
            let id = workspace(engine, text).await?;
            let audience = match audience_text {
                Some(a) => Some(audience(engine, id, a).await?),
                None => None,
            };
            let kinds = kind
                .iter()
                .map(|k| {
                    k.parse::<ReportKind>().map_err(|_| {
                        EngineError::InvalidInput(format!(
                            "'{k}' is not a report kind; use behavior, intent or mentions"
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let job = engine
                .evidence()
                .start_reports(id, audience, &kinds)
                .await?;
            let done = run_job(engine, out, job).await?;
            let result = done.result.unwrap_or_default();
            if out.json {
                out.value(&result);
            } else {
                for written in result["written"].as_array().into_iter().flatten() {
                    out.line(&format!(
                        "Wrote the {} report: {}",
                        written["kind"].as_str().unwrap_or(""),
                        written["report_id"].as_str().unwrap_or("")
                    ));
                }
                for missing in result["not_written"].as_array().into_iter().flatten() {
                    out.line(&format!(
                        "No {} report: {}",
                        missing["kind"].as_str().unwrap_or(""),
                        missing["reason"].as_str().unwrap_or("")
                    ));
                }
            }
        }
        ReportsCommand::List {
            workspace: text,
            audience: audience_text,
        } => {
            let id = workspace(engine, text).await?;
            let audience = match audience_text {
                Some(a) => Some(audience(engine, id, a).await?),
                None => None,
            };
            let reports = engine.evidence().reports(id, audience).await?;
            if out.json {
                out.value(&json!(reports));
            } else if reports.is_empty() {
                out.line("No reports yet: run `profitwheel reports ground WORKSPACE`.");
            } else {
                for r in &reports {
                    out.line(&format!(
                        "{}  {:<9} v{}  {} claims  {}",
                        r.id,
                        r.kind.as_str(),
                        r.version,
                        r.claims,
                        r.title
                    ));
                }
            }
        }
        ReportsCommand::Show { id } => {
            let report = engine.evidence().report(id.parse()?).await?;
            print_report(engine, out, &report).await?;
        }
    }
    Ok(())
}

pub async fn index(
    engine: &Arc<Engine>,
    out: &Output,
    command: &IndexCommand,
) -> Result<(), EngineError> {
    match command {
        IndexCommand::Rebuild { workspace: text } => {
            let id = workspace(engine, text).await?;
            let job = engine.evidence().start_index_rebuild(id).await?;
            let done = run_job(engine, out, job).await?;
            let result = done.result.unwrap_or_default();
            if out.json {
                out.value(&result);
            } else {
                out.line(&format!("Indexed {} texts.", result["documents"]));
            }
        }
        IndexCommand::Status { workspace: text } => {
            let id = workspace(engine, text).await?;
            let state = engine.evidence().index_state(id).await?;
            if out.json {
                out.value(&json!(state));
            } else {
                out.line(&match state {
                    IndexState::Ready { watermark, pending } => {
                        format!("Ready (up to change {watermark}; {pending} changes waiting)")
                    }
                    IndexState::Rebuilding { reason } => format!("Needs a rebuild: {reason}"),
                });
            }
        }
    }
    Ok(())
}
