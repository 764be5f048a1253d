//! Asking twins a question: a one-question interview per twin, run and stored like any other,
//! so each answer the agent quotes is a turn a citation opens. It spends model calls and
//! stores sessions, so only the audience specialist has it (running that specialist is the
//! person's go-ahead; the copilot never writes).

use std::sync::Arc;

use pw_agents::{Source, SourceKind, Tool, ToolFailure, ToolOutput};
use pw_domain::WorkspaceId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Engine;
use crate::jobs::JobState;
use crate::twins::{Speaker, TwinSummary};

/// At most this many twins answer one call: each is an interview of its own.
const MOST_ASKED: usize = 3;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AskTwinsArgs {
    /// The question, as a moderator would put it to a participant.
    #[schemars(length(min = 3, max = 300))]
    pub question: String,
    /// A twin's name, or an audience's name (up to three of its twins answer); nothing for up
    /// to three twins of the workspace.
    #[serde(default)]
    #[schemars(length(max = 80))]
    pub who: Option<String>,
}

/// Puts a question to the workspace's twins in one-question interviews and reads their
/// answers (what each says, and what it thinks but does not say).
pub struct AskTwins {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

/// The twins `who` names: a twin by name, else an audience's twins, else (nothing named) the
/// workspace's first ones.
fn chosen<'a>(
    twins: &'a [TwinSummary],
    who: Option<&str>,
) -> Result<Vec<&'a TwinSummary>, ToolFailure> {
    let Some(who) = who.map(str::trim).filter(|w| !w.is_empty()) else {
        return Ok(twins.iter().take(MOST_ASKED).collect());
    };
    if let Some(twin) = twins.iter().find(|t| t.name.eq_ignore_ascii_case(who)) {
        return Ok(vec![twin]);
    }
    let of_audience: Vec<&TwinSummary> = twins
        .iter()
        .filter(|t| {
            t.audience_name
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(who))
        })
        .take(MOST_ASKED)
        .collect();
    if of_audience.is_empty() {
        let mut audiences: Vec<&str> = twins
            .iter()
            .filter_map(|t| t.audience_name.as_deref())
            .collect();
        audiences.sort_unstable();
        audiences.dedup();
        return Err(ToolFailure(format!(
            "no twin or audience with twins is named “{who}”; the twins are {}, of the audiences {}",
            twins
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            audiences.join(", ")
        )));
    }
    Ok(of_audience)
}

impl Tool for AskTwins {
    type Args = AskTwinsArgs;

    fn name(&self) -> &'static str {
        "ask_twins"
    }

    fn description(&self) -> &'static str {
        "Ask the audiences' twins a question (a twin or an audience by name, or up to three twins) and read what each says and thinks"
    }

    async fn call(&self, args: AskTwinsArgs) -> Result<ToolOutput, ToolFailure> {
        let question = args.question.trim();
        if question.is_empty() {
            return Err(ToolFailure("the question is empty".into()));
        }
        let twins = self
            .engine
            .twins()
            .list(self.workspace, None)
            .await
            .map_err(|e| ToolFailure(format!("the twins could not be read: {e}")))?;
        if twins.is_empty() {
            return Err(ToolFailure(
                "this workspace has no twins yet: create them from an audience first".into(),
            ));
        }
        let asked = chosen(&twins, args.who.as_deref())?;
        // The interviews are jobs on the default lane; a specialist runs on the slow one, so
        // waiting here does not hold up the lane they need.
        self.engine.start_workers().await;
        let questions = [question.to_owned()];
        let mut lines = Vec::new();
        let mut answers = Vec::new();
        let mut sessions = Vec::new();
        for twin in asked {
            let (session, job) = self
                .engine
                .twins()
                .start_interview(self.workspace, twin.id, &questions, None, None)
                .await
                .map_err(|e| ToolFailure(format!("{} could not be asked: {e}", twin.name)))?;
            let done = self
                .engine
                .jobs()
                .wait(&job.id, |_| {})
                .await
                .map_err(|e| ToolFailure(format!("{}'s interview was lost: {e}", twin.name)))?;
            if done.state != JobState::Succeeded {
                lines.push(format!(
                    "{} gave no answer: the interview {}",
                    twin.name,
                    done.last_error
                        .as_deref()
                        .map_or_else(|| "stopped".to_owned(), |e| format!("failed ({e})"))
                ));
                continue;
            }
            let view = self.engine.twins().session(session.id).await.map_err(|e| {
                ToolFailure(format!("{}'s interview could not be read: {e}", twin.name))
            })?;
            sessions.push(session.id.to_string());
            let replies: Vec<_> = view
                .turns
                .iter()
                .filter(|t| t.speaker == Speaker::Twin && t.twin_id == Some(twin.id))
                .collect();
            let said: Vec<_> = replies
                .iter()
                .filter(|t| !t.says.trim().is_empty())
                .collect();
            if said.is_empty() {
                // A recorded non-response is reported as one, never filled in.
                lines.push(format!(
                    "{} did not answer (a recorded non-response)",
                    twin.name
                ));
            }
            for turn in said {
                let audience = twin.audience_name.as_deref().unwrap_or("no audience");
                let mut line = format!("{} ({audience}) says: “{}”", twin.name, turn.says.trim());
                if let Some(thinks) = turn.thinks.as_deref().filter(|t| !t.trim().is_empty()) {
                    line.push_str(&format!(" — thinks: “{}”", thinks.trim()));
                }
                lines.push(line);
                answers.push(json!({
                    "twin": twin.name,
                    "audience": twin.audience_name,
                    "session": session.id.to_string(),
                    "turn": turn.id.to_string(),
                    "says": turn.says,
                    "thinks": turn.thinks,
                }));
            }
        }
        if answers.is_empty() {
            return Err(ToolFailure(format!(
                "no twin answered “{question}”: {}",
                lines.join("; ")
            )));
        }
        let label = format!("Twins asked “{question}”");
        Ok(ToolOutput {
            text: format!("{label}:\n{}", lines.join("\n")),
            data: json!(answers),
            source: Source {
                kind: SourceKind::TwinAnswer,
                reference: sessions.join(","),
                label,
            },
        })
    }
}
