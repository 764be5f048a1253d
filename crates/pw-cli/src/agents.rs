//! `profitwheel ask`: the workspace copilot, its steps on stderr as it works, the answer and
//! what it cites on stdout.

use std::io::Write;
use std::sync::Arc;

use pw_engine::agents::StepEvent;
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
    let json = out.json;
    let on_event = move |event: StepEvent| {
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
    };
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    // Ctrl-C stops the run with what it found, rather than killing it mid-answer.
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    let run = engine
        .agents()
        .ask(workspace_id, question, &on_event, &cancel)
        .await;
    watcher.abort();
    let run = run?;
    let usage = run.usage();
    if out.json {
        out.value(&json!({
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
    Ok(())
}
