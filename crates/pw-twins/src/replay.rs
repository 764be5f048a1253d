//! Replaying a finished session from the response cache: every call its transcript rests on
//! (see [`crate::call_record`]) is asked again in [`CacheMode::Replay`], so no model is called
//! and nothing is spent; each answer is compared with the one the session used, and each twin's
//! turn is traced to the words of a replayed answer. A call the cache no longer holds (the cache
//! was cleared, or the model that answered is no longer routed) is reported, never asked anew.

use pw_domain::SessionId;
use pw_llm::{CacheMode, CallScope, ChatRequest, Gateway, LlmError};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::call_record::{CallRecord, Purpose, RecordedCall};
use crate::error::Result;
use crate::focus_group::{Judgement, Urges};
use crate::session::{Session, Turn};
use crate::speaking::PersonaCheck;
use crate::vocabulary::{Act, Speaker};

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
    /// Of those, the ones whose words are, in order, the words of a replayed reply to that turn.
    pub traced: u32,
    /// The turns (by `seq`) that are not.
    pub untraced: Vec<i64>,
}

/// Asks a session's calls again from the cache only.
pub async fn replay(
    gateway: &Gateway,
    record: CallRecord<'_>,
    session: &Session,
    turns: &[Turn],
) -> Result<ReplayReport> {
    let calls = record.calls().await?;
    let scope = CallScope::study(
        session.workspace_id.to_string(),
        session.study_id.to_string(),
    )
    .with_cache(CacheMode::Replay);
    let mut report = ReplayReport {
        session_id: session.id,
        calls: 0,
        reproduced: 0,
        differing: Vec::new(),
        missing: Vec::new(),
        answers: 0,
        traced: 0,
        untraced: Vec::new(),
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
        let found = replies
            .iter()
            .any(|(seq, reply)| *seq == turn.seq && words_in_order(&turn.says, reply));
        if found {
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
    match call.purpose {
        Purpose::Reply => gateway.chat(request).await.map(|reply| reply.text),
        Purpose::Check => structured::<PersonaCheck>(gateway, request).await,
        Purpose::Urges => structured::<Urges>(gateway, request).await,
        Purpose::Judgement => structured::<Judgement>(gateway, request).await,
    }
}

/// A structured answer asked as the session asked it (same type, so the same schema), as the
/// JSON the record keeps.
async fn structured<T: DeserializeOwned + JsonSchema + Serialize>(
    gateway: &Gateway,
    request: &ChatRequest,
) -> Result<String, LlmError> {
    let value = gateway.chat_json::<T>(request).await?;
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

/// Whether every word of a turn appears in the model's answer, in order: the turn was cut from
/// the answer (trimmed to its cap, stripped of a name label, split from its thoughts), not
/// written elsewhere. An empty turn is traced to nothing.
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
    fn words_out_of_order_or_not_in_the_answer_are_not_traced() {
        let answer = "I'd try it once, but it costs too much.";
        assert!(!words_in_order("it costs once", answer));
        assert!(!words_in_order("I'd try it twice", answer));
        assert!(!words_in_order("", answer));
    }
}
