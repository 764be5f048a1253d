//! Asking twins a question: a one-question interview per twin, run and stored like any other,
//! so each answer the agent quotes is a turn a citation opens. It spends model calls and
//! stores sessions, so only the audience specialist has it, and only when a person runs it
//! (a scheduled run has nobody to say go-ahead; the copilot never writes).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use pw_agents::{Source, SourceKind, Tool, ToolFailure, ToolOutput};
use pw_domain::WorkspaceId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Engine;
use crate::jobs::JobState;
use crate::twins::{Act, Speaker, TwinSummary};

/// At most this many twins answer one call: each is an interview of its own.
const MOST_ASKED: usize = 3;

/// Each interview's model spend is capped at this (micros): one question and its answer
/// cost a few cents on a vendor's model.
const INTERVIEW_BUDGET_MICROS: i64 = 250_000;

/// How long the agent waits for the interviews; one still running after it is stopped.
const INTERVIEW_WAIT: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AskTwinsArgs {
    /// The question, as a moderator would put it to a participant.
    #[schemars(length(min = 3, max = 300))]
    pub question: String,
    /// A twin's name, or an audience's name (up to three of its twins answer); nothing for up
    /// to three twins across the audiences.
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

/// The twins `who` names, and how many it could have named: a twin by name, else an
/// audience's twins, else (nothing named) the workspace's twins taken in turn from each
/// audience, so one audience does not answer for all.
fn chosen<'a>(
    twins: &'a [TwinSummary],
    who: Option<&str>,
) -> Result<(Vec<&'a TwinSummary>, usize), ToolFailure> {
    let Some(who) = who.map(str::trim).filter(|w| !w.is_empty()) else {
        let mut by_audience: Vec<(Option<&str>, Vec<&TwinSummary>)> = Vec::new();
        for twin in twins {
            let audience = twin.audience_name.as_deref();
            match by_audience.iter_mut().find(|(a, _)| *a == audience) {
                Some((_, list)) => list.push(twin),
                None => by_audience.push((audience, vec![twin])),
            }
        }
        let mut picked = Vec::new();
        for round in 0.. {
            let before = picked.len();
            for (_, list) in &by_audience {
                if picked.len() < MOST_ASKED
                    && let Some(twin) = list.get(round)
                {
                    picked.push(*twin);
                }
            }
            if picked.len() == before || picked.len() == MOST_ASKED {
                break;
            }
        }
        return Ok((picked, twins.len()));
    };
    if let Some(twin) = twins.iter().find(|t| t.name.eq_ignore_ascii_case(who)) {
        return Ok((vec![twin], 1));
    }
    let of_audience: Vec<&TwinSummary> = twins
        .iter()
        .filter(|t| {
            t.audience_name
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(who))
        })
        .collect();
    if of_audience.is_empty() {
        let mut audiences: Vec<&str> = twins
            .iter()
            .filter_map(|t| t.audience_name.as_deref())
            .collect();
        audiences.sort_unstable();
        audiences.dedup();
        return Err(ToolFailure(format!(
            "no twin or audience with twins is named “{who}”; the twins are {}{}",
            twins
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if audiences.is_empty() {
                String::new()
            } else {
                format!(", of the audiences {}", audiences.join(", "))
            }
        )));
    }
    let of = of_audience.len();
    Ok((of_audience.into_iter().take(MOST_ASKED).collect(), of))
}

/// Cancels the interviews still running when the agent stops waiting for them (its run
/// cancelled, or the wait given up): they would otherwise go on spending for nobody.
struct StopUnfinished {
    engine: Arc<Engine>,
    jobs: Vec<String>,
}

impl Drop for StopUnfinished {
    fn drop(&mut self) {
        if self.jobs.is_empty() {
            return;
        }
        let engine = self.engine.clone();
        let jobs = std::mem::take(&mut self.jobs);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                for job in jobs {
                    if let Err(error) = engine.jobs().cancel(&job).await {
                        tracing::warn!(%error, job, "an interview the agent left was not stopped");
                    }
                }
            });
        }
    }
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
        let (asked, of) = chosen(&twins, args.who.as_deref())?;
        // Every interview is queued first, so they run side by side on the job workers.
        let questions = [question.to_owned()];
        let mut started = Vec::new();
        let mut guard = StopUnfinished {
            engine: self.engine.clone(),
            jobs: Vec::new(),
        };
        for twin in &asked {
            let (session, job) = self
                .engine
                .twins()
                .start_interview(
                    self.workspace,
                    twin.id,
                    &questions,
                    None,
                    Some(INTERVIEW_BUDGET_MICROS),
                )
                .await
                .map_err(|e| ToolFailure(format!("{} could not be asked: {e}", twin.name)))?;
            guard.jobs.push(job.id.clone());
            started.push((*twin, session.id, job.id));
        }
        // They run side by side, so one deadline covers them all.
        let deadline = tokio::time::Instant::now() + INTERVIEW_WAIT;
        let mut finished = Vec::new();
        for (_, _, job) in &started {
            finished.push(
                tokio::time::timeout_at(deadline, self.engine.jobs().wait(job, |_| {})).await,
            );
        }
        let mut lines = Vec::new();
        if asked.len() < of {
            lines.push(format!("{} of {of} twins were asked.", asked.len()));
        }
        let mut answers = Vec::new();
        let mut opened = Vec::new();
        let mut finished_jobs: HashSet<&str> = HashSet::new();
        for ((twin, session, job_id), done) in started.iter().zip(finished) {
            let done = match done {
                Err(_) => {
                    lines.push(format!(
                        "{} gave no answer: the interview took longer than {} minutes and was stopped",
                        twin.name,
                        INTERVIEW_WAIT.as_secs() / 60
                    ));
                    continue;
                }
                Ok(Err(e)) => {
                    lines.push(format!(
                        "{} gave no answer: the interview was lost ({e})",
                        twin.name
                    ));
                    continue;
                }
                Ok(Ok(done)) => done,
            };
            finished_jobs.insert(job_id.as_str());
            if done.state != JobState::Succeeded {
                lines.push(format!(
                    "{} gave no answer: the interview {}",
                    twin.name,
                    done.last_error
                        .as_deref()
                        .map_or_else(|| "was stopped".to_owned(), |e| format!("failed ({e})"))
                ));
                continue;
            }
            let result = done.result.unwrap_or_default();
            if result["completed"] != json!(true) {
                // A paused interview (its budget spent, the person's pause) has no answer yet.
                lines.push(format!(
                    "{} gave no answer: the interview paused ({})",
                    twin.name,
                    result["paused"]
                        .as_str()
                        .unwrap_or("superseded by a newer run")
                ));
                continue;
            }
            let view = self.engine.twins().session(*session).await.map_err(|e| {
                ToolFailure(format!("{}'s interview could not be read: {e}", twin.name))
            })?;
            let replies: Vec<_> = view
                .turns
                .iter()
                .filter(|t| t.speaker == Speaker::Twin && t.twin_id == Some(twin.id))
                .collect();
            let audience = twin.audience_name.as_deref().unwrap_or("no audience");
            let mut said = false;
            for turn in &replies {
                if turn.act == Act::NonResponse || turn.says.trim().is_empty() {
                    // A recorded non-response is reported as one, never filled in.
                    lines.push(format!(
                        "{} did not answer (a recorded non-response)",
                        twin.name
                    ));
                    continue;
                }
                said = true;
                let mut line = format!("{} ({audience}) says: “{}”", twin.name, turn.says.trim());
                if let Some(thinks) = turn.thinks.as_deref().filter(|t| !t.trim().is_empty()) {
                    line.push_str(&format!(" — thinks: “{}”", thinks.trim()));
                }
                lines.push(line);
                answers.push(json!({
                    "twin": twin.name,
                    "audience": twin.audience_name,
                    "session": session.to_string(),
                    "turn": turn.id.to_string(),
                    "says": turn.says,
                    "thinks": turn.thinks,
                }));
            }
            if replies.is_empty() {
                lines.push(format!("{} gave no answer in the interview", twin.name));
            }
            if said {
                opened.push(json!({"session": session.to_string(), "twin": twin.name}));
            }
        }
        // What finished needs no stopping; the rest is stopped when the guard goes.
        guard
            .jobs
            .retain(|job| !finished_jobs.contains(job.as_str()));
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
                // Each twin's interview, to open from the citation.
                reference: json!(opened).to_string(),
                label,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use pw_domain::TwinId;

    fn twin(name: &str, audience: Option<&str>) -> TwinSummary {
        TwinSummary {
            id: TwinId::new(),
            workspace_id: WorkspaceId::new(),
            audience_id: None,
            audience_name: audience.map(str::to_owned),
            name: name.into(),
            summary: String::new(),
            age: 30,
            gender: "any".into(),
            occupation: "teacher".into(),
            version: 1,
            memories: 0,
            created_at: Utc::now(),
        }
    }

    fn names(picked: &[&TwinSummary]) -> Vec<String> {
        picked.iter().map(|t| t.name.clone()).collect()
    }

    #[test]
    fn nothing_named_takes_twins_in_turn_from_each_audience() {
        let twins = [
            twin("A1", Some("Brunch")),
            twin("A2", Some("Brunch")),
            twin("A3", Some("Brunch")),
            twin("B1", Some("Commuters")),
            twin("C1", None),
        ];
        let (picked, of) = chosen(&twins, None).unwrap();
        assert_eq!(names(&picked), ["A1", "B1", "C1"]);
        assert_eq!(of, 5);
        let (picked, of) = chosen(&twins[..4], Some(" ")).unwrap();
        assert_eq!(names(&picked), ["A1", "B1", "A2"]);
        assert_eq!(of, 4);
    }

    #[test]
    fn a_name_picks_a_twin_or_an_audience_and_says_how_many_it_had() {
        let twins = [
            twin("Maya R.", Some("Brunch")),
            twin("Leo K.", Some("Brunch")),
            twin("Ann P.", Some("Brunch")),
            twin("Sam T.", Some("Brunch")),
        ];
        let (picked, of) = chosen(&twins, Some("leo k.")).unwrap();
        assert_eq!((names(&picked), of), (vec!["Leo K.".to_owned()], 1));
        let (picked, of) = chosen(&twins, Some("BRUNCH")).unwrap();
        assert_eq!(names(&picked), ["Maya R.", "Leo K.", "Ann P."]);
        assert_eq!(of, 4);
        let missing = chosen(&twins, Some("Gamers")).unwrap_err();
        assert!(
            missing.0.contains("“Gamers”") && missing.0.contains("of the audiences Brunch"),
            "{}",
            missing.0
        );
    }
}
