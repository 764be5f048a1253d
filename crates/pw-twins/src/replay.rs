//! Replaying a finished session from the response cache: every call its transcript rests on
//! (see [`crate::call_record`]) is asked again in [`CacheMode::Replay`], so no model is called
//! and nothing is spent; each answer is compared with the one the session used, and each twin's
//! turn is traced to the words of the reply it kept. Each call is asked of the model that
//! answered it first (so a cloud session replays offline), then, if that model's name was the
//! vendor's own and not the one set up, of today's routes. A call the cache no longer holds is
//! reported, never asked anew. Replays are filed on the workspace, not the study: they cost
//! the study nothing and are not counted among its calls.

use pw_domain::SessionId;
use pw_llm::{CacheMode, CallScope, ChatRequest, Gateway, LlmError, Route};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::call_record::{CallRecord, Purpose, RecordedCall};
use crate::error::Result;
use crate::focus_group::{Judgement, Urges};
use crate::session::{Session, Turn};
use crate::speaking::PersonaCheck;
use crate::vocabulary::{Act, SessionKind, Speaker};

/// A call the replay could not reproduce, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayedCall {
    pub seq: i64,
    pub purpose: Purpose,
    pub detail: String,
}

/// What a replay found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayReport {
    pub session_id: SessionId,
    /// Calls asked again, all from the cache.
    pub calls: u32,
    /// Of those, answered exactly as the session was.
    pub reproduced: u32,
    /// Answered, but not as the session was.
    pub differing: Vec<ReplayedCall>,
    /// Not in the cache (or not answerable without a call).
    pub missing: Vec<ReplayedCall>,
    /// The twins' answers in the transcript.
    pub answers: u32,
    /// Of those, the ones whose words are the words of the reply kept for that turn (in one
    /// run in a group; in order, Says and Thinks alike, in an interview).
    pub traced: u32,
    /// Answers (by `seq`) whose words are not those of the replayed reply for their turn.
    pub untraced: Vec<i64>,
    /// Answers with no reply to trace them to: the session ran before calls were kept, the
    /// record of that call was not saved, or the cache no longer holds it.
    pub unrecorded: Vec<i64>,
}

/// Asks a session's calls again from the cache only.
pub async fn replay(
    gateway: &Gateway,
    record: CallRecord<'_>,
    session: &Session,
    turns: &[Turn],
) -> Result<ReplayReport> {
    let calls = record.calls().await?;
    let scope =
        CallScope::workspace(session.workspace_id.to_string()).with_cache(CacheMode::Replay);
    let mut report = ReplayReport {
        session_id: session.id,
        calls: 0,
        reproduced: 0,
        differing: Vec::new(),
        missing: Vec::new(),
        answers: 0,
        traced: 0,
        untraced: Vec::new(),
        unrecorded: Vec::new(),
    };
    // The replayed replies per turn: what the transcript is traced to.
    let mut replies: Vec<(i64, String)> = Vec::new();
    for call in &calls {
        report.calls += 1;
        let request = call.request.clone().in_scope(scope.clone());
        match answer_again(gateway, call, &request).await {
            Ok(answer) => {
                if call.purpose == Purpose::Reply {
                    replies.push((call.seq, answer.clone()));
                }
                if answer == call.answer {
                    report.reproduced += 1;
                } else {
                    report.differing.push(ReplayedCall {
                        seq: call.seq,
                        purpose: call.purpose,
                        detail: format!(
                            "the cache answered {:?}; the session used {:?}",
                            shortened(&answer),
                            shortened(&call.answer)
                        ),
                    });
                }
            }
            Err(error) => report.missing.push(ReplayedCall {
                seq: call.seq,
                purpose: call.purpose,
                detail: match error {
                    LlmError::NotInCache { model, .. } => format!(
                        "the response cache no longer holds this answer (from {model}, kept as {})",
                        call.answered_by
                    ),
                    other => other.to_string(),
                },
            }),
        }
    }
    for turn in turns
        .iter()
        .filter(|t| t.speaker == Speaker::Twin && t.act == Act::Answer)
    {
        report.answers += 1;
        // The reply a turn kept is the last one asked for it (a caught reply and an echo were
        // asked again after it).
        let Some((_, reply)) = replies.iter().rev().find(|(seq, _)| *seq == turn.seq) else {
            report.unrecorded.push(turn.seq);
            continue;
        };
        let traced = match session.kind {
            SessionKind::FocusGroup => words_in_one_run(&turn.says, reply),
            SessionKind::Interview => {
                words_in_order(&turn.says, reply)
                    && turn
                        .thinks
                        .as_deref()
                        .is_none_or(|thinks| words_in_order(thinks, reply))
            }
        };
        if traced {
            report.traced += 1;
        } else {
            report.untraced.push(turn.seq);
        }
    }
    Ok(report)
}

async fn answer_again(
    gateway: &Gateway,
    call: &RecordedCall,
    request: &ChatRequest,
) -> Result<String, LlmError> {
    if let Some((vendor, model)) = call.answered_by.split_once('/') {
        let first = Route::new(vendor, model);
        match asked_of(gateway, call.purpose, Some(&first), request).await {
            Err(LlmError::NotInCache { .. }) => {}
            other => return other,
        }
    }
    asked_of(gateway, call.purpose, None, request).await
}

/// A call asked of one model, or through the routes.
async fn asked_of(
    gateway: &Gateway,
    purpose: Purpose,
    route: Option<&Route>,
    request: &ChatRequest,
) -> Result<String, LlmError> {
    match purpose {
        Purpose::Reply => match route {
            Some(route) => gateway.chat_with(route, request).await,
            None => gateway.chat(request).await,
        }
        .map(|reply| reply.text),
        Purpose::Check => structured::<PersonaCheck>(gateway, route, request).await,
        Purpose::Urges => structured::<Urges>(gateway, route, request).await,
        Purpose::Judgement => structured::<Judgement>(gateway, route, request).await,
    }
}

/// A structured answer asked as the session asked it (same type, so the same schema), as the
/// JSON the record keeps.
async fn structured<T: DeserializeOwned + JsonSchema + Serialize>(
    gateway: &Gateway,
    route: Option<&Route>,
    request: &ChatRequest,
) -> Result<String, LlmError> {
    let value = match route {
        Some(route) => gateway.chat_json_with::<T>(route, request).await?,
        None => gateway.chat_json::<T>(request).await?,
    };
    Ok(serde_json::to_string(&value).unwrap_or_default())
}

fn shortened(text: &str) -> String {
    let mut short: String = text.chars().take(80).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// Lowercased runs of letters and digits: words as the trace compares them, so the quotes,
/// labels, names and ellipses a turn was trimmed of do not count.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether a group turn's words are one run of the model's answer: the turn is the answer
/// stripped of a name label and trimmed to its cap (an ellipsis marks the cut), nothing else.
/// An empty turn is traced to nothing.
pub fn words_in_one_run(turn: &str, answer: &str) -> bool {
    let said = words(turn);
    if said.is_empty() {
        return false;
    }
    words(answer)
        .windows(said.len())
        .any(|run| run == said.as_slice())
}

/// Whether every word of an interview answer's Says (or Thinks) appears in the model's answer,
/// in order: the answer was split into Says and Thinks, so each is runs of it, interleaved. An
/// empty text is traced to nothing.
pub fn words_in_order(turn: &str, answer: &str) -> bool {
    let said = words(turn);
    if said.is_empty() {
        return false;
    }
    let answered = words(answer);
    let mut next = answered.iter();
    said.iter().all(|word| next.any(|a| a == word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trimmed_turn_is_traced_to_its_answer() {
        let answer = "Maya: I'd try it once. But €9 a month is a lot for brunch, and I cook at home most weekends anyway.";
        assert!(words_in_order("I'd try it once.", answer));
        assert!(words_in_order(
            "I'd try it once. But €9 a month is a lot for…",
            answer
        ));
    }

    #[test]
    fn an_interview_says_is_traced_across_its_thoughts() {
        let answer =
            "Says: \"It looks fine.\" Thinks: I would never pay that. Says: Maybe for a gift.";
        assert!(words_in_order("It looks fine. Maybe for a gift.", answer));
    }

    #[test]
    fn a_group_turn_must_be_one_run_of_its_answer() {
        let answer = "Maya: Honestly, the price worries me. Yes, I would gift it.";
        assert!(words_in_one_run("Honestly, the price worries me.", answer));
        assert!(words_in_one_run("Honestly, the price…", answer));
        // Words of the answer, in order but not together, were not cut from it.
        assert!(!words_in_one_run("Honestly, yes.", answer));
        assert!(!words_in_one_run("", answer));
    }

    #[test]
    fn words_out_of_order_or_not_in_the_answer_are_not_traced() {
        let answer = "I'd try it once, but it costs too much.";
        assert!(!words_in_order("it costs once", answer));
        assert!(!words_in_order("I'd try it twice", answer));
        assert!(!words_in_order("", answer));
    }
}
