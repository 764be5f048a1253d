//! `profitwheel ask`: the workspace copilot, its steps on stderr as it works, the answer and
//! what it cites on stdout; `profitwheel agents history|show`: the runs kept; `agents eval`:
//! the copilot measured on questions with computed answers.

use std::io::Write;
use std::sync::Arc;

use clap::Subcommand;
use pw_engine::agents::{Asked, EvalScore, KeptRun, StepEvent};
use pw_engine::{Engine, EngineError};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::evidence::workspace;
use crate::output::Output;

pub(crate) async fn ask(
    engine: &Arc<Engine>,
    out: &Output,
    text: &str,
    question: &str,
) -> Result<(), EngineError> {
    let workspace_id = workspace(engine, text).await?;
    let cancel = CancellationToken::new();
    let watcher = stop_on_ctrl_c(&cancel);
    let on_event = step_printer(out.json);
    let asked = engine
        .agents()
        .ask(workspace_id, question, &on_event, &cancel)
        .await;
    watcher.abort();
    print_run(out, &asked?);
    Ok(())
}

/// Ctrl-C stops the run with what it found, rather than killing it mid-answer.
fn stop_on_ctrl_c(cancel: &CancellationToken) -> tokio::task::JoinHandle<()> {
    let stop = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    })
}

/// Each step on stderr as it happens: a line of words, or of JSON with `--json`.
fn step_printer(json: bool) -> impl Fn(StepEvent) + Send + Sync {
    move |event: StepEvent| {
        let line = if json {
            json!(event).to_string()
        } else {
            match &event {
                StepEvent::Deciding { step } => format!("step {step}: thinking"),
                StepEvent::Calling {
                    id,
                    tool,
                    arguments,
                    ..
                } => {
                    format!("  {id}: {tool} {arguments}")
                }
                StepEvent::Result { id, label, .. } => format!("  {id}: {label}"),
                StepEvent::ToolFailed { id, reason, .. } => format!("  {id} failed: {reason}"),
                StepEvent::Corrected { reason, .. } => format!("  (not a valid step: {reason})"),
            }
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// The answer and its numbered sources (`--json`: the run with its id and usage).
fn print_run(out: &Output, asked: &Asked) {
    let run = &asked.run;
    let usage = run.usage();
    if out.json {
        out.value(&json!({
            "id": asked.id,
            "outcome": run.outcome,
            "answer": run.answer,
            "citations": run.citations,
            "model_calls": run.record.model_calls(),
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
        }));
    } else {
        out.line(&run.answer);
        if !run.citations.is_empty() {
            out.line("");
            for cited in &run.citations {
                out.line(&format!("[{}] {}", cited.id, cited.source.label));
            }
        }
    }
}

#[derive(Subcommand)]
pub(crate) enum AgentsCommand {
    /// The specialist agents, each with when it last ran in the workspace
    List { workspace: String },
    /// Run a specialist agent (budget, …) on a workspace and keep its report
    Run { workspace: String, agent: String },
    /// The questions asked of a workspace's agents, newest first
    History {
        workspace: String,
        /// Only this agent's runs (copilot, …)
        #[arg(long)]
        agent: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// A kept run: its question, answer and the results it cites, as they were
    Show { workspace: String, run: String },
    /// Run a specialist on a schedule (a cron expression in local time, such as
    /// "0 7 * * MON" for Monday mornings), or stop its schedule with --off
    Schedule {
        workspace: String,
        agent: String,
        #[arg(long, conflicts_with = "off", required_unless_present = "off")]
        cron: Option<String>,
        #[arg(long)]
        off: bool,
    },
    /// Measure the copilot on questions whose answers are computed from the workspace's rows:
    /// accuracy, citation validity and cost per answer
    Eval {
        workspace: String,
        /// Only this model (vendor/model); without it, the analysis task's models
        #[arg(long)]
        model: Option<String>,
    },
}

pub(crate) async fn run(
    engine: &Arc<Engine>,
    out: &Output,
    command: &AgentsCommand,
) -> Result<(), EngineError> {
    match command {
        AgentsCommand::List { workspace: text } => {
            let id = workspace(engine, text).await?;
            let listed = engine.agents().specialists(id).await?;
            let schedules = engine.agents().specialist_schedules(id).await?;
            let schedule_of = |name: &str| {
                schedules
                    .iter()
                    .find(|(agent, _)| agent == name)
                    .map(|(_, cron)| cron.clone())
            };
            if out.json {
                out.value(&json!(
                    listed
                        .iter()
                        .map(|(s, latest)| json!({"agent": s, "latest": latest, "schedule": schedule_of(s.name)}))
                        .collect::<Vec<_>>()
                ));
            } else {
                for (specialist, latest) in &listed {
                    let last = latest.as_ref().map_or_else(
                        || "never run here".to_owned(),
                        |run| format!("last run {}{}", run.finished_at, stopped_note(run)),
                    );
                    let when = schedule_of(specialist.name).map_or_else(
                        || "on demand".to_owned(),
                        |cron| format!("runs at \"{cron}\""),
                    );
                    out.line(&format!(
                        "{}: {} ({last}; {when})\n  {}",
                        specialist.name, specialist.title, specialist.description
                    ));
                }
            }
        }
        AgentsCommand::Run {
            workspace: text,
            agent,
        } => {
            let id = workspace(engine, text).await?;
            // The audience specialist's questions to twins are interviews, run as jobs.
            engine.start_workers().await;
            let cancel = CancellationToken::new();
            let watcher = stop_on_ctrl_c(&cancel);
            let on_event = step_printer(out.json);
            let asked = engine
                .agents()
                .run_specialist(id, agent, &on_event, &cancel)
                .await;
            watcher.abort();
            print_run(out, &asked?);
        }
        AgentsCommand::History {
            workspace: text,
            agent,
            limit,
        } => {
            let id = workspace(engine, text).await?;
            let runs = engine.agents().runs(id, agent.as_deref(), *limit).await?;
            if out.json {
                out.value(&json!(runs));
            } else if runs.is_empty() {
                out.line("No questions asked yet: try `profitwheel ask WORKSPACE QUESTION`.");
            } else {
                for kept in &runs {
                    out.line(&format!(
                        "{}  {}  {}: {}{}",
                        kept.finished_at,
                        kept.id,
                        kept.agent,
                        kept.question,
                        stopped_note(kept)
                    ));
                }
            }
        }
        AgentsCommand::Show {
            workspace: text,
            run,
        } => {
            let id = workspace(engine, text).await?;
            let kept = engine.agents().kept_run(id, run).await?;
            if out.json {
                out.value(&json!(kept));
            } else {
                out.line(&format!("Q: {}", kept.question));
                out.line(&kept.answer);
                for cited in &kept.citations {
                    out.line("");
                    out.line(&format!("[{}] {}", cited.id, cited.source.label));
                    out.line(&cited.text);
                }
            }
        }
        AgentsCommand::Schedule {
            workspace: text,
            agent,
            cron,
            off,
        } => {
            let id = workspace(engine, text).await?;
            let cron = if *off { None } else { cron.as_deref() };
            let set = engine.agents().schedule_specialist(id, agent, cron).await?;
            if out.json {
                out.value(&json!({"agent": agent, "schedule": set}));
            } else {
                out.line(&match set {
                    Some(cron) => {
                        format!("{agent} runs at \"{cron}\" (local time); its reports are kept.")
                    }
                    None => format!("{agent} runs on demand only."),
                });
            }
        }
        AgentsCommand::Eval {
            workspace: text,
            model,
        } => {
            let id = workspace(engine, text).await?;
            let model = model.as_deref().map(crate::models::route).transpose()?;
            let on_score = |done: usize, total: usize, score: &EvalScore| {
                let mark = if score.correct { "right" } else { "wrong" };
                let _ = writeln!(
                    std::io::stderr(),
                    "[{done}/{total}] {mark}: {}",
                    score.question
                );
            };
            // Ctrl-C stops after the question under way, with the scores so far.
            let cancel = CancellationToken::new();
            let watcher = stop_on_ctrl_c(&cancel);
            let report = engine.agents().eval(id, model, &on_score, &cancel).await;
            watcher.abort();
            let report = report?;
            if out.json {
                out.value(&json!(report));
            } else {
                out.line(&format!(
                    "{} questions: {:.0}% answered correctly, {:.0}% citing a result that states the answer.",
                    report.questions,
                    report.accuracy * 100.0,
                    report.citation_validity * 100.0
                ));
                out.line(&format!(
                    "Per answer: {:.1} model calls, {:.0} prompt tokens, {:.0} reply tokens, {:.1} s, {}.",
                    report.model_calls_per_answer,
                    report.input_tokens_per_answer,
                    report.output_tokens_per_answer,
                    report.seconds_per_answer,
                    report.cost_micros_per_answer.map_or_else(
                        || "cost unknown (a model without a price)".to_owned(),
                        |micros| format!("${:.4}", micros / 1_000_000.0)
                    )
                ));
                for score in report.scores.iter().filter(|s| !s.correct) {
                    out.line(&format!("wrong: {} → {}", score.question, score.answer));
                }
            }
        }
    }
    Ok(())
}

/// " (stopped: …)" for a run that did not answer.
fn stopped_note(kept: &KeptRun) -> String {
    kept.outcome
        .stopped_because()
        .map(|why| format!(" (stopped: {why})"))
        .unwrap_or_default()
}
