//! A twin taking a turn: it recalls the memories that bear on what was just said (recency,
//! importance and relevance, as Generative Agents score them), answers in its own voice within
//! its turn cap while the words stream out, and the answer is checked once against its profile
//! and the memories it recalled. A reply that contradicts them is regenerated once and the
//! catch recorded; a check that cannot be made (no answer, broken JSON) leaves the turn
//! unchecked rather than stalling the session. A model that says nothing usable gives a
//! recorded non-response, never invented words.

use std::collections::{BTreeSet, HashMap, HashSet};

use pw_domain::{MemoryId, SessionId, TurnId};
use pw_llm::{CallScope, ChatMessage, ChatRequest, Gateway, LlmError, StreamEvent, Task};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::call_record::{CallRecord, Purpose};
use crate::error::{Result, TwinsError};
use crate::recall::{self, Candidate, Weights};
use crate::repository::{Memory, Twin, TwinStore};
use crate::says_thinks;
use crate::turn_length::{self, Ending};
use crate::vocabulary::{Adherence, EvidenceSource, Speaker};

/// Memories a twin brings to a turn (Generative Agents' k on a 2,048-token model).
pub const RECALL_K: usize = 6;
/// Earlier turns shown to the speaker, at most.
pub const HISTORY_TURNS: usize = 8;
/// Versions of the prompts below; a session's manifest records them, and a change of wording
/// changes the version, so two runs can be told apart.
pub const PROMPT_VERSION: &str = "twin-turn/1";
pub const CHECK_VERSION: &str = "persona-check/1";
/// Sampling temperatures, recorded in a session's manifest: replies vary like people; the
/// checks and the moderator's judgements are read, not written, so they do not.
pub const REPLY_TEMPERATURE: f32 = 0.7;
pub const JUDGING_TEMPERATURE: f32 = 0.0;

/// What a session's watchers see as it runs: a turn beginning, its words as they stream, a
/// restart (the words so far are void), and the turn stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SessionEvent {
    TurnStarted {
        session_id: SessionId,
        seq: i64,
        speaker: Speaker,
        name: String,
    },
    Token {
        session_id: SessionId,
        seq: i64,
        text: String,
    },
    Restart {
        session_id: SessionId,
        seq: i64,
    },
    TurnStored {
        session_id: SessionId,
        seq: i64,
    },
    /// Paused, resumed, finished or failed: read the session again.
    StatusChanged {
        session_id: SessionId,
    },
}

/// How a twin answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Format {
    /// 1:1, split into what it says and what it thinks.
    Interview,
    /// In a group: one short spoken turn.
    Group,
}

/// A twin's reply, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub says: String,
    pub thinks: Option<String>,
    pub recalled: Vec<MemoryId>,
    pub adherence: Adherence,
    pub rejected: Option<String>,
    pub catch_reason: Option<String>,
    pub written_by: String,
    /// The model gave nothing usable, twice.
    pub non_response: bool,
    /// Its position on the question under discussion, −2..=2, when the check coded one.
    pub stance: Option<i8>,
}

/// The setting of a turn, as the speaker is told it.
pub struct Setting<'a> {
    pub brand: &'a str,
    /// One line: "a one-to-one interview", "a focus group with Maya R., Leo K.".
    pub situation: String,
    /// Stimuli the group is looking at, as text.
    pub stimuli: &'a [String],
    /// Earlier turns as lines ("Moderator: …"), oldest first.
    pub history: &'a [String],
    /// What the twin answers: the question or the last turn, as a line.
    pub prompt: &'a str,
    /// The question under discussion, for coding the reply's stance.
    pub question: &'a str,
}

pub struct TurnWriter<'a> {
    pub gateway: &'a Gateway,
    pub scope: CallScope,
    pub events: &'a broadcast::Sender<SessionEvent>,
    pub session: SessionId,
    /// The session's seed: every call's sampling seed derives from it, the turn and the
    /// attempt, so a rerun with the same seed asks the same, and another seed differs.
    pub seed: u64,
    /// Where the calls the transcript rests on are kept, for its replay.
    pub record: CallRecord<'a>,
}

/// The sampling seed of a call: the session's seed mixed with the turn, the kind of call and
/// the attempt (SplitMix64's finaliser), kept to the non-negative range vendors accept.
pub fn call_seed(session_seed: u64, seq: i64, kind: u64, attempt: u64) -> i64 {
    let mut z = session_seed
        ^ (seq as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ kind.wrapping_mul(0xBF58_476D_1CE4_E5B9)
        ^ attempt.wrapping_mul(0x94D0_49BB_1331_11EB);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 1) as i64
}

/// Kinds of call, for [`call_seed`].
pub const REPLY_CALL: u64 = 1;
pub const CHECK_CALL: u64 = 2;
pub const URGE_CALL: u64 = 3;
pub const JUDGEMENT_CALL: u64 = 4;

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Verdict {
    Consistent,
    Contradicts,
}

/// The speaker's position on the question under discussion, coded in the same call as the
/// check (for the herding diagnostic): words, not numbers, so a small model's grammar keeps to
/// them.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Stance {
    Against,
    LeaningAgainst,
    Neutral,
    LeaningFor,
    For,
    NoPosition,
}

impl Stance {
    fn value(&self) -> Option<i8> {
        match self {
            Stance::Against => Some(-2),
            Stance::LeaningAgainst => Some(-1),
            Stance::Neutral => Some(0),
            Stance::LeaningFor => Some(1),
            Stance::For => Some(2),
            Stance::NoPosition => None,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct PersonaCheck {
    verdict: Verdict,
    #[schemars(length(max = 140))]
    reason: String,
    stance: Stance,
}

/// What the check found: a contradiction (why), and the reply's stance.
#[derive(Debug, Clone, PartialEq)]
struct Checked {
    contradiction: Option<String>,
    stance: Option<i8>,
}

/// Words of three letters or more, lowercased: what lexical relevance compares.
fn content_words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect()
}

/// Relevance by shared words (Jaccard), when no embedding model answers.
pub fn word_overlap(a: &str, b: &str) -> f64 {
    let (a, b) = (content_words(a), content_words(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return f64::NAN;
    }
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

impl TurnWriter<'_> {
    /// The `k` memories of `twin` that bear most on `query`, best first: by vectors where the
    /// embedding model that made the memories' vectors answers for the query too, by shared
    /// words otherwise.
    pub async fn recall(
        &self,
        store: &TwinStore<'_>,
        twin: &Twin,
        query: &str,
        k: usize,
        shown_turns: &[TurnId],
    ) -> Result<Vec<Memory>> {
        // What the twin heard or said in turns the prompt already shows would only hand the
        // conversation back to it (and crowd out what it knows): those memories sit out.
        let shown: HashSet<String> = shown_turns.iter().map(ToString::to_string).collect();
        let available: Vec<Memory> = twin
            .memories
            .iter()
            .filter(|m| {
                !m.evidence
                    .iter()
                    .any(|e| e.source == EvidenceSource::Turn && shown.contains(&e.key))
            })
            .cloned()
            .collect();
        let memories = &available;
        if memories.is_empty() {
            return Ok(Vec::new());
        }
        let by_words: Vec<f64> = memories
            .iter()
            .map(|m| word_overlap(query, &m.content))
            .collect();
        let by_vector: Vec<Option<f64>> = match self.vectors(store, twin, query).await {
            Some((query_vector, vectors)) => memories
                .iter()
                .map(|m| vectors.get(&m.id).map(|v| cosine(&query_vector, v)))
                .collect(),
            None => vec![None; memories.len()],
        };
        let relevance = recall::fused_relevance(&by_vector, &by_words);
        let candidates: Vec<Candidate> = memories
            .iter()
            .zip(&relevance)
            .map(|(m, &relevance)| Candidate {
                last_accessed: u64::try_from(m.last_accessed).unwrap_or(0),
                importance: m.importance,
                relevance,
            })
            .collect();
        Ok(recall::recall(&candidates, Weights::default(), k)
            .into_iter()
            .map(|i| memories[i].clone())
            .collect())
    }

    /// The query's vector and the twin's memories' vectors from the same model: memories
    /// written since the last recall (a session's turns) are embedded now, in one call, and
    /// their vectors kept. `None` when no embedding model answers; recall then goes by words.
    async fn vectors(
        &self,
        store: &TwinStore<'_>,
        twin: &Twin,
        query: &str,
    ) -> Option<(Vec<f32>, HashMap<MemoryId, Vec<f32>>)> {
        let embedded = self
            .gateway
            .embed_answered(&self.scope, &[query.to_owned()])
            .await
            .ok()?;
        let query_vector = embedded.vectors.into_iter().next()?;
        let mut vectors: HashMap<MemoryId, Vec<f32>> = store
            .memory_vectors(twin.summary.id, &embedded.model)
            .await
            .ok()?
            .into_iter()
            .collect();
        let missing: Vec<&Memory> = twin
            .memories
            .iter()
            .filter(|m| !vectors.contains_key(&m.id))
            .collect();
        if !missing.is_empty() {
            let texts: Vec<String> = missing.iter().map(|m| m.content.clone()).collect();
            match self.gateway.embed_answered(&self.scope, &texts).await {
                Ok(fresh)
                    if fresh.model == embedded.model && fresh.vectors.len() == texts.len() =>
                {
                    for (memory, vector) in missing.iter().zip(fresh.vectors) {
                        if let Err(error) = store
                            .set_memory_vector(memory.id, &fresh.model, &vector)
                            .await
                        {
                            tracing::warn!(%error, "a memory's vector was not kept");
                        }
                        vectors.insert(memory.id, vector);
                    }
                }
                Ok(_) => {
                    tracing::warn!("new memories were embedded by another model; recalled by words")
                }
                Err(error) => {
                    tracing::warn!(%error, "new memories not embedded; recalled by words")
                }
            }
        }
        Some((query_vector, vectors))
    }

    /// The twin's reply to `setting`, streamed as turn `seq`, checked, regenerated once if
    /// caught.
    pub async fn reply(
        &self,
        twin: &Twin,
        recalled: &[Memory],
        setting: &Setting<'_>,
        format: Format,
        seq: i64,
    ) -> Result<Reply> {
        let cap = turn_length::word_cap(twin.profile.voice.typical_words);
        let first = self
            .speak(twin, recalled, setting, format, cap, seq, None)
            .await?;
        let recalled_ids: Vec<MemoryId> = recalled.iter().map(|m| m.id).collect();
        let Some((says, thinks, written_by)) = first else {
            return Ok(Reply {
                says: String::new(),
                thinks: None,
                recalled: recalled_ids,
                adherence: Adherence::Unchecked,
                rejected: None,
                catch_reason: None,
                written_by: String::new(),
                non_response: true,
                stance: None,
            });
        };
        let mut reply = Reply {
            says,
            thinks,
            recalled: recalled_ids,
            adherence: Adherence::Unchecked,
            rejected: None,
            catch_reason: None,
            written_by,
            non_response: false,
            stance: None,
        };
        let checked = self
            .check(twin, recalled, &reply.says, setting.question, seq)
            .await?;
        match checked {
            Some(Checked {
                contradiction: None,
                stance,
            }) => {
                reply.adherence = Adherence::Passed;
                reply.stance = stance;
            }
            // The stance coded was the rejected reply's: the stored one is left uncoded.
            Some(Checked {
                contradiction: Some(reason),
                ..
            }) => {
                tracing::info!(twin = %twin.summary.id, %reason, "a reply contradicted its twin; regenerating once");
                let _ = self.events.send(SessionEvent::Restart {
                    session_id: self.session,
                    seq,
                });
                if let Some((says, thinks, written_by)) = self
                    .speak(twin, recalled, setting, format, cap, seq, Some(&reason))
                    .await?
                {
                    reply.rejected = Some(std::mem::replace(&mut reply.says, says));
                    reply.thinks = thinks;
                    reply.written_by = written_by;
                    reply.adherence = Adherence::Caught;
                    reply.catch_reason = Some(reason);
                } else {
                    // The second try gave nothing: the contradicting reply is not the twin's
                    // answer, so the turn is a recorded non-response that keeps what was caught.
                    reply.rejected = Some(std::mem::take(&mut reply.says));
                    reply.thinks = None;
                    reply.non_response = true;
                    reply.adherence = Adherence::Caught;
                    reply.catch_reason = Some(reason);
                }
            }
            None => {}
        }
        Ok(reply)
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one turn's parts, passed together"
    )]
    fn messages(
        &self,
        twin: &Twin,
        recalled: &[Memory],
        setting: &Setting<'_>,
        format: Format,
        cap: u32,
        history: usize,
        correction: Option<&str>,
    ) -> Vec<ChatMessage> {
        let name = &twin.summary.name;
        let mut system = twin.profile.card(name);
        if !recalled.is_empty() {
            system.push_str("\nWhat you remember:\n");
            for (i, memory) in recalled.iter().enumerate() {
                system.push_str(&format!("M{}: {}\n", i + 1, memory.content));
            }
        }
        system.push_str(&format!(
            "\nYou are in {} about {}. Stay in character as {name}: speak from your own life and what you remember, in your own words; you may disagree, be unsure or say you don't know. Never mention being an AI or a persona.",
            setting.situation, setting.brand
        ));
        match format {
            Format::Interview => system.push_str(&format!(
                "\nReply in two labelled parts.\nSays: what you tell the interviewer, at most {cap} words.\nThinks: what you privately think but do not say, one or two sentences."
            )),
            Format::Group => system.push_str(&format!(
                "\nReply with only what you say next: one short turn, at most {cap} words, no name label."
            )),
        }
        if let Some(correction) = correction {
            system.push_str(&format!(
                "\nYour last reply did not fit who you are ({correction}). Answer again, consistent with your profile and memories."
            ));
        }
        let mut user = String::new();
        if !setting.stimuli.is_empty() {
            user.push_str("What you are being shown:\n");
            for stimulus in setting.stimuli {
                user.push_str(&format!("- {stimulus}\n"));
            }
        }
        let start = setting.history.len().saturating_sub(history);
        for line in &setting.history[start..] {
            user.push_str(line);
            user.push('\n');
        }
        user.push_str(setting.prompt);
        user.push_str(&format!("\n{name}:"));
        vec![ChatMessage::system(system), ChatMessage::user(user)]
    }

    /// One streamed answer; `None` when the model gave nothing usable twice.
    #[allow(
        clippy::too_many_arguments,
        reason = "one turn's parts, passed together"
    )]
    async fn speak(
        &self,
        twin: &Twin,
        recalled: &[Memory],
        setting: &Setting<'_>,
        format: Format,
        cap: u32,
        seq: i64,
        correction: Option<&str>,
    ) -> Result<Option<(String, Option<String>, String)>> {
        let mut history = HISTORY_TURNS;
        let mut memories = recalled.len();
        let mut attempts = 0;
        let mut stream_retried = false;
        loop {
            let mut request = ChatRequest::new(
                Task::TwinDialogue,
                self.messages(
                    twin,
                    &recalled[..memories],
                    setting,
                    format,
                    cap,
                    history,
                    correction,
                ),
            )
            .in_scope(self.scope.clone());
            request.temperature = Some(REPLY_TEMPERATURE);
            // A retry asks anew (another seed, and a correction in the prompt), so neither the
            // model nor the response cache hands back the reply just refused.
            request.seed = Some(call_seed(
                self.seed,
                seq,
                REPLY_CALL,
                attempts as u64 + 2 * u64::from(correction.is_some()),
            ));
            if attempts > 0
                && let Some(system) = request.messages.first_mut()
            {
                system.content.push_str(
                    "\nYour last reply repeated the conversation or said nothing: answer now in your own words.",
                );
            }
            request.max_tokens = Some(match format {
                // The thought needs room of its own.
                Format::Interview => turn_length::max_tokens(cap) + 80,
                Format::Group => turn_length::max_tokens(cap),
            });
            let session_id = self.session;
            let events = self.events;
            let streamed = self
                .gateway
                .chat_stream(&request, |event| {
                    let _ = events.send(match event {
                        StreamEvent::Token(text) => SessionEvent::Token {
                            session_id,
                            seq,
                            text,
                        },
                        StreamEvent::Restart { .. } => SessionEvent::Restart { session_id, seq },
                    });
                })
                .await;
            let reply = match streamed {
                Ok(reply) => reply,
                // Less history, then fewer memories, until the prompt fits the model.
                Err(LlmError::ContextTooLong { .. }) if history > 1 || memories > 1 => {
                    if history > 1 {
                        history /= 2;
                    } else {
                        memories -= 1;
                    }
                    continue;
                }
                // A stream cut off mid-turn is asked again once, from the start: what was
                // shown is void, and only the whole answer is ever stored.
                Err(LlmError::StreamInterrupted { .. }) if !stream_retried => {
                    stream_retried = true;
                    tracing::warn!("a turn's stream was cut off; asking again");
                    let _ = self.events.send(SessionEvent::Restart {
                        session_id: self.session,
                        seq,
                    });
                    continue;
                }
                Err(error) => return Err(TwinsError::Model(error)),
            };
            let ending = if reply.finish_reason.as_deref() == Some("length") {
                Ending::Cut
            } else {
                Ending::Finished
            };
            let written_by = format!("{}/{}", reply.vendor, reply.model);
            self.record
                .keep_or_warn(seq, Purpose::Reply, &request, &reply.text, &written_by)
                .await;
            let asked: String = request
                .messages
                .iter()
                .map(|m| m.content.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            let spoken = match format {
                Format::Interview => says_thinks::split(&reply.text)
                    .ok()
                    .map(|split| (turn_length::trim(&split.says, cap, ending), split.thinks)),
                Format::Group => {
                    let says =
                        turn_length::trim(strip_name(&reply.text, &twin.summary.name), cap, ending);
                    (!says.trim().is_empty()).then_some((says, None))
                }
            };
            match spoken {
                Some((says, thinks))
                    if !says.trim().is_empty() && !echoes_prompt(&says, &asked) =>
                {
                    return Ok(Some((says, thinks, written_by)));
                }
                _ => {
                    attempts += 1;
                    let _ = self.events.send(SessionEvent::Restart {
                        session_id: self.session,
                        seq,
                    });
                    if attempts >= 2 {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// One structured check of a reply against the twin's profile and recalled memories:
    /// `Some(None)` consistent, `Some(Some(reason))` contradicts, `None` when no check could be
    /// made (the session goes on; the turn is marked unchecked).
    async fn check(
        &self,
        twin: &Twin,
        recalled: &[Memory],
        says: &str,
        question: &str,
        seq: i64,
    ) -> Result<Option<Checked>> {
        let mut memories = String::new();
        for (i, memory) in recalled.iter().enumerate() {
            memories.push_str(&format!("M{}: {}\n", i + 1, memory.content));
        }
        let mut request = ChatRequest::new(
            Task::Extraction,
            vec![
                ChatMessage::system(
                    "You check whether what a research participant said contradicts who they are. Differences of wording, new details and changes of mood are not contradictions; only statements that cannot both be true are.",
                ),
                ChatMessage::user(format!(
                    "Profile:\n{}\nMemories:\n{memories}\nThe question: {question}\nWhat they said: \"{says}\"\nverdict: consistent or contradicts. reason: what it contradicts, in a short phrase (empty when consistent). stance: their position on the question (against, leaning_against, neutral, leaning_for, for, or no_position).",
                    twin.profile.card(&twin.summary.name)
                )),
            ],
        )
        .in_scope(self.scope.clone());
        request.temperature = Some(JUDGING_TEMPERATURE);
        request.max_tokens = Some(90);
        request.seed = Some(call_seed(self.seed, seq, CHECK_CALL, 0));
        match self
            .gateway
            .chat_json_answered::<PersonaCheck>(&request)
            .await
        {
            Ok(answered) => {
                let kept = serde_json::to_string(&answered.value).unwrap_or_default();
                let by = format!("{}/{}", answered.vendor, answered.model);
                self.record
                    .keep_or_warn(seq, Purpose::Check, &request, &kept, &by)
                    .await;
                let check = answered.value;
                let reason = check.reason.trim();
                Ok(Some(Checked {
                    stance: check.stance.value(),
                    contradiction: match check.verdict {
                        Verdict::Consistent => None,
                        Verdict::Contradicts if reason.is_empty() => {
                            Some("it contradicted the profile".to_owned())
                        }
                        Verdict::Contradicts => Some(reason.chars().take(140).collect()),
                    },
                }))
            }
            // A budget reached is the session's to handle: it pauses, and the turn is taken
            // again, checked, on resume.
            Err(error @ LlmError::BudgetReached { .. }) => Err(TwinsError::Model(error)),
            // Anything else only leaves this turn unchecked.
            Err(error) => {
                tracing::warn!(%error, "the persona check could not be made; the turn stays unchecked");
                Ok(None)
            }
        }
    }
}

/// Words in a run that, found in the prompt as well, mark a reply as copied from it.
const ECHO_RUN: usize = 6;

/// Whether a reply mostly repeats its prompt (a memory line, an earlier turn, the
/// instructions) instead of answering: half or more of its runs of six words appear in the
/// prompt, or it opens with a memory's handle. Small models do this; such a reply is not the
/// twin speaking, so it is asked for again and, failing that, recorded as a non-response.
pub fn echoes_prompt(reply: &str, prompt: &str) -> bool {
    let trimmed = reply.trim_start();
    let mut chars = trimmed.chars();
    if chars.next() == Some('M')
        && chars.take_while(|c| *c != ':').all(|c| c.is_ascii_digit())
        && trimmed[1..].starts_with(|c: char| c.is_ascii_digit())
    {
        return true;
    }
    let normal = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric() && c != '\'')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let words = normal(reply);
    if words.len() < ECHO_RUN {
        return false;
    }
    let prompt = format!(" {} ", normal(prompt).join(" "));
    let runs: Vec<String> = words
        .windows(ECHO_RUN)
        .map(|run| format!(" {} ", run.join(" ")))
        .collect();
    let copied = runs
        .iter()
        .filter(|run| prompt.contains(run.as_str()))
        .count();
    copied * 2 >= runs.len()
}

/// The reply without a leading "Name:" a model may write before its words.
fn strip_name<'t>(text: &'t str, name: &str) -> &'t str {
    let trimmed = text.trim_start();
    let first = name.split_whitespace().next().unwrap_or(name);
    for label in [name, first] {
        if let Some(rest) = trimmed.strip_prefix(label) {
            let rest = rest.trim_start();
            if let Some(rest) = rest.strip_prefix(':') {
                return rest.trim_start();
            }
        }
    }
    trimmed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_shared_measure_relevance_without_vectors() {
        assert_eq!(
            word_overlap("slow shipping again", "Shipping was slow"),
            2.0 / 4.0
        );
        assert_eq!(word_overlap("", "anything"), 0.0);
        assert_eq!(word_overlap("a an", "to be"), 0.0);
    }

    #[test]
    fn cosine_of_vectors_and_of_mismatched_ones() {
        assert!((cosine(&[1.0, 0.0], &[1.0, 0.0]) - 1.0).abs() < 1e-12);
        assert!(cosine(&[1.0, 0.0], &[0.0, 1.0]).abs() < 1e-12);
        assert!(cosine(&[1.0], &[1.0, 2.0]).is_nan());
    }

    #[test]
    fn a_reply_that_copies_its_prompt_is_recognised() {
        let prompt = "What you remember:\nM1: The moderator said: Welcome, everyone, and thank you for joining. How does your day start with coffee?";
        assert!(echoes_prompt("M1: The moderator said: Welcome", prompt));
        assert!(echoes_prompt(
            "The moderator said: Welcome, everyone, and thank you for joining us today.",
            prompt
        ));
        assert!(!echoes_prompt(
            "I grab a cold brew on the way to work, usually before eight.",
            prompt
        ));
        assert!(!echoes_prompt("Yes.", prompt));
        assert!(!echoes_prompt("Mornings are slow for me.", prompt));
    }

    #[test]
    fn a_name_label_before_the_words_is_dropped() {
        assert_eq!(strip_name("Maya R.: I love it.", "Maya R."), "I love it.");
        assert_eq!(strip_name("  Maya: I love it.", "Maya R."), "I love it.");
        assert_eq!(strip_name("Mayan ruins: no", "Maya R."), "Mayan ruins: no");
    }
}
