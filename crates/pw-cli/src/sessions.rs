//! `profitwheel focus-group …` and `profitwheel interview`: running sessions with twins from
//! the command line, printing each turn as it is stored, then the group's diagnostics and the
//! persona checks; reading, resuming and steering sessions.

use std::path::Path;
use std::sync::Arc;

use pw_engine::twins::{
    Act, CommandKind, ReplayReport, ReportFormat, SessionEvent, SessionId, SessionPlan,
    SessionStatus, SessionView, Speaker, StudyId, Turn, TwinId, WorkspaceId,
};
use pw_engine::{Engine, EngineError};
use serde_json::json;

use crate::FocusGroupCommand;
use crate::evidence::{run_job, workspace};
use crate::output::Output;

pub(crate) fn read(path: &Path) -> Result<String, EngineError> {
    std::fs::read_to_string(path).map_err(|e| EngineError::Io {
        path: path.to_owned(),
        source: e,
    })
}

fn budget_micros(budget: Option<f64>) -> Result<Option<i64>, EngineError> {
    match budget {
        None => Ok(None),
        Some(dollars) if dollars.is_finite() && dollars >= 0.0 => {
            Ok(Some((dollars * 1_000_000.0).round() as i64))
        }
        Some(other) => Err(EngineError::InvalidInput(format!(
            "a budget of {other} dollars is not one; give a number of dollars, 0 or more"
        ))),
    }
}

/// A twin by id or exact name within the workspace.
async fn twin(engine: &Engine, workspace: WorkspaceId, text: &str) -> Result<TwinId, EngineError> {
    let twins = engine.twins().list(workspace, None).await?;
    twins
        .iter()
        .find(|t| t.id.to_string() == text || t.name == text)
        .map(|t| t.id)
        .ok_or_else(|| {
            EngineError::InvalidInput(format!(
                "no twin '{text}' in this workspace; it has: {}",
                twins
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

fn dollars(micros: Option<i64>) -> String {
    match micros {
        Some(0) => "nothing (runs on this machine)".into(),
        Some(micros) => format!("about ${:.2}", micros as f64 / 1_000_000.0),
        None => "unknown (a model has no price; set one under models price)".into(),
    }
}

fn print_plan(out: &Output, plan: &SessionPlan) {
    let e = &plan.estimate;
    out.line(&format!(
        "Up to {} participant and {} moderator turns: {} model calls, about {} tokens, costing {}.",
        e.participant_turns,
        e.moderator_turns,
        e.calls(),
        e.tokens(),
        dollars(plan.cost_micros)
    ));
    for (task, model) in &plan.models {
        out.line(&format!("  {task}: {model}"));
    }
}

fn turn_line(turn: &Turn) -> String {
    let who = match turn.speaker {
        Speaker::Twin => turn.twin_name.clone().unwrap_or_else(|| "Twin".into()),
        Speaker::Moderator => "Moderator".into(),
        Speaker::Researcher => "You (as moderator)".into(),
    };
    let mut line = if turn.act == Act::NonResponse {
        format!("{who}: (no answer: the model gave nothing usable)")
    } else {
        format!("{who}: {}", turn.says)
    };
    if let Some(thinks) = &turn.thinks {
        line.push_str(&format!("\n    (thinks: {thinks})"));
    }
    if let Some(rejected) = &turn.rejected {
        line.push_str(&format!(
            "\n    (persona check caught “{rejected}”: {}; answered again)",
            turn.catch_reason.as_deref().unwrap_or("")
        ));
    }
    line
}

fn print_view(out: &Output, view: &SessionView) {
    if out.json {
        out.value(&json!(view));
        return;
    }
    let s = &view.session;
    out.line(&format!("{} ({}) — {}", s.title, s.id, status(view)));
    for turn in &view.turns {
        out.line(&turn_line(turn));
    }
    print_diagnostics(out, view);
}

fn status(view: &SessionView) -> String {
    let s = &view.session;
    match (s.status, &s.paused_reason, &s.failure) {
        (SessionStatus::Scheduled, Some(reason), _) => format!("paused: {reason}"),
        (SessionStatus::Failed, _, Some(failure)) => format!("failed: {failure}"),
        (status, _, _) => status.to_string(),
    }
}

fn print_diagnostics(out: &Output, view: &SessionView) {
    let a = view.adherence;
    out.line(&format!(
        "\nPersona checks: {} passed, {} caught and answered again, {} unchecked.",
        a.passed, a.caught, a.unchecked
    ));
    if let Some(d) = &view.diagnostics {
        if let Some(median) = d.median_turn_words {
            out.line(&format!(
                "Median participant turn: {median:.0} words (people in focus groups: about 49)."
            ));
        }
        for (participant, share) in view.session.participants.iter().zip(&d.participants) {
            out.line(&format!(
                "  {:<20} {:>2} turns ({:>4.1}% of turns, {:>4.1}% of words)",
                participant.name,
                share.turns,
                share.turn_share * 100.0,
                share.word_share * 100.0
            ));
        }
        if let Some(rate) = d.herding.rate {
            out.line(&format!(
                "Herding: {} of {} changes of position went toward the majority ({:.0}%).",
                d.herding.changes_toward_majority,
                d.herding.eligible_changes,
                rate * 100.0
            ));
        }
    }
    if let Some(agreement) = &view.agreement {
        out.line(&agreement.describe());
    }
    let diverging: Vec<_> = view.gaps.iter().filter(|g| g.gap.diverges).collect();
    if !view.gaps.is_empty() {
        out.line(&format!(
            "Says and Thinks part in {} of {} answers{}.",
            diverging.len(),
            view.gaps.len(),
            if diverging.is_empty() {
                String::new()
            } else {
                format!(
                    " (turns {})",
                    diverging
                        .iter()
                        .map(|g| (g.seq + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ));
    }
}

/// Runs the session's job here to its end, printing each turn as it is stored.
async fn follow(
    engine: &Arc<Engine>,
    out: &Output,
    session: SessionId,
    job: pw_engine::jobs::Job,
) -> Result<SessionView, EngineError> {
    let mut events = engine.twins().subscribe();
    let printer = {
        let engine = engine.clone();
        let json = out.json;
        tokio::spawn(async move {
            let mut printed = 0usize;
            while let Ok(event) = events.recv().await {
                if let SessionEvent::TurnStored { session_id, .. } = event
                    && session_id == session
                    && !json
                    && let Ok(view) = engine.twins().session(session).await
                {
                    for turn in view.turns.iter().skip(printed) {
                        tracing::info!(seq = turn.seq, "turn stored");
                        let _ = std::io::Write::write_all(
                            &mut std::io::stdout(),
                            format!("{}\n", turn_line(turn)).as_bytes(),
                        );
                    }
                    printed = view.turns.len();
                }
            }
        })
    };
    let done = run_job(engine, out, job).await;
    printer.abort();
    done?;
    // Keep the search index in step before this process ends.
    let view = engine.twins().session(session).await?;
    let update = engine
        .evidence()
        .start_index_update(view.session.workspace_id)
        .await?;
    run_job(engine, out, update).await?;
    Ok(view)
}

fn print_outcome(out: &Output, view: &SessionView) {
    if out.json {
        out.value(&json!(view));
    } else {
        out.line(&format!("\n{} — {}", view.session.title, status(view)));
        print_diagnostics(out, view);
    }
}

pub async fn interview(
    engine: &Arc<Engine>,
    out: &Output,
    workspace_text: &str,
    twin_text: &str,
    questions: &Path,
    seed: Option<u64>,
    budget: Option<f64>,
) -> Result<(), EngineError> {
    let id = workspace(engine, workspace_text).await?;
    let twin = twin(engine, id, twin_text).await?;
    let questions: Vec<String> = read(questions)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let plan = engine
        .twins()
        .estimate_interview(id, questions.len())
        .await?;
    if !out.json {
        print_plan(out, &plan);
    }
    let (session, job) = engine
        .twins()
        .start_interview(id, twin, &questions, seed, budget_micros(budget)?)
        .await?;
    let view = follow(engine, out, session.id, job).await?;
    print_outcome(out, &view);
    Ok(())
}

pub async fn focus_group(
    engine: &Arc<Engine>,
    out: &Output,
    command: &FocusGroupCommand,
) -> Result<(), EngineError> {
    match command {
        FocusGroupCommand::Run {
            workspace: text,
            guide,
            twins,
            seed,
            budget,
        } => {
            let id = workspace(engine, text).await?;
            let guide = read(guide)?;
            let mut seated = Vec::with_capacity(twins.len());
            for name in twins {
                seated.push(twin(engine, id, name.trim()).await?);
            }
            let plan = engine
                .twins()
                .estimate_focus_group(id, &guide, seated.len())
                .await?;
            if !out.json {
                print_plan(out, &plan);
            }
            let (session, job) = engine
                .twins()
                .start_focus_group(id, &guide, &seated, *seed, budget_micros(*budget)?)
                .await?;
            let view = follow(engine, out, session.id, job).await?;
            print_outcome(out, &view);
        }
        FocusGroupCommand::Estimate {
            workspace: text,
            guide,
            twins,
        } => {
            let id = workspace(engine, text).await?;
            let plan = engine
                .twins()
                .estimate_focus_group(id, &read(guide)?, *twins)
                .await?;
            if out.json {
                out.value(&json!(plan));
            } else {
                print_plan(out, &plan);
            }
        }
        FocusGroupCommand::Resume { id } => {
            let session: SessionId = id.parse()?;
            match engine
                .twins()
                .command(session, CommandKind::Resume, "")
                .await?
            {
                Some(job) => {
                    let view = follow(engine, out, session, job).await?;
                    print_outcome(out, &view);
                }
                None => out.line("The session is running; nothing to resume."),
            }
        }
        FocusGroupCommand::Show { id } => {
            print_view(out, &engine.twins().session(id.parse()?).await?);
        }
        FocusGroupCommand::Replay { id } => {
            let report = engine.twins().replay(session_of(engine, id).await?).await?;
            if out.json {
                out.value(&json!(report));
            } else {
                print_replay(out, &report);
            }
        }
        FocusGroupCommand::List { workspace: text } => {
            let id = workspace(engine, text).await?;
            let sessions = engine.twins().sessions(id).await?;
            if out.json {
                out.value(&json!(sessions));
            } else if sessions.is_empty() {
                out.line("No sessions yet: run `profitwheel focus-group run` or `profitwheel interview`.");
            } else {
                for s in sessions {
                    out.line(&format!(
                        "{}  {:<11}  {:<10}  {}  ({} twins)",
                        s.id,
                        s.kind,
                        s.status,
                        s.title,
                        s.participants.len()
                    ));
                }
            }
        }
        FocusGroupCommand::Pause { id } => {
            engine
                .twins()
                .command(id.parse()?, CommandKind::Pause, "")
                .await?;
            out.line("Asked to pause after the turn under way.");
        }
        FocusGroupCommand::Skip { id } => {
            engine
                .twins()
                .command(id.parse()?, CommandKind::Skip, "")
                .await?;
            out.line("Asked to move on to the next section.");
        }
        FocusGroupCommand::Say { id, text } => {
            engine
                .twins()
                .command(id.parse()?, CommandKind::Speak, text)
                .await?;
            out.line("Your words go to the group after the turn under way.");
        }
        FocusGroupCommand::Probe { id, text } => {
            engine
                .twins()
                .command(id.parse()?, CommandKind::Probe, text)
                .await?;
            out.line("The probe is asked after the turn under way.");
        }
    }
    Ok(())
}

fn print_replay(out: &Output, report: &ReplayReport) {
    out.line(&format!(
        "Replayed {} model calls from the cache (no model was called): {} answered exactly as in the session, {} differently, {} no longer in the cache.",
        report.calls,
        report.reproduced,
        report.differing.len(),
        report.missing.len()
    ));
    out.line(&format!(
        "{} of the twins' {} answers trace word for word to the reply they kept.",
        report.traced, report.answers
    ));
    for call in report.differing.iter().chain(&report.missing) {
        out.line(&format!(
            "  turn {} ({}): {}",
            call.seq + 1,
            call.purpose.as_str(),
            call.detail
        ));
    }
    let turns = |seqs: &[i64]| -> String {
        seqs.iter()
            .map(|s| (s + 1).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !report.untraced.is_empty() {
        out.line(&format!(
            "  Turns whose words differ from their replayed reply: {}",
            turns(&report.untraced)
        ));
    }
    if !report.unrecorded.is_empty() {
        out.line(&format!(
            "  Turns with no kept reply to check (run before calls were kept, or no longer cached): {}",
            turns(&report.unrecorded)
        ));
    }
}

/// A session by its study's id or its own.
async fn session_of(engine: &Engine, text: &str) -> Result<SessionId, EngineError> {
    if let Ok(study) = text.parse::<StudyId>()
        && let Ok(session) = engine.twins().session_of_study(study).await
    {
        return Ok(session);
    }
    Ok(text.parse::<SessionId>()?)
}

pub async fn insights(
    engine: &Arc<Engine>,
    out: &Output,
    study: &str,
    format: &str,
    file: Option<&Path>,
    rewrite: bool,
) -> Result<(), EngineError> {
    let format = match format {
        "md" | "markdown" => ReportFormat::Markdown,
        "pdf" => ReportFormat::Pdf,
        other => {
            return Err(EngineError::InvalidInput(format!(
                "'{other}' is no format; use md or pdf"
            )));
        }
    };
    if format == ReportFormat::Pdf && file.is_none() {
        return Err(EngineError::InvalidInput(
            "a PDF needs a file: add --out FILE".into(),
        ));
    }
    let session = session_of(engine, study).await?;
    if rewrite || engine.twins().insights(session).await?.is_none() {
        let job = engine.twins().start_insights(session).await?;
        run_job(engine, out, job).await?;
    }
    let bytes = engine.twins().export_insights(session, format).await?;
    match file {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| EngineError::Io {
                path: path.to_owned(),
                source: e,
            })?;
            out.line(&format!("Wrote the insights to {}", path.display()));
        }
        None => out.line(String::from_utf8_lossy(&bytes).trim_end()),
    }
    Ok(())
}
