//! A moderated focus group: a moderator follows the discussion guide section by section, and
//! the next speaker is whoever most wants to answer what was just said (every participant rates
//! its urge in one batched call; [`crate::floor`] decides), not round-robin. The moderator's
//! words come from the guide (its questions and probes, the stimuli it shows), so it never says
//! what the researcher did not write; a model only judges which of the section's goals the
//! answers have met and whether the last answer was vague, and a plain rule decides when that
//! judgement cannot be had. A section ends when its goals are met or its turn budget is spent.
//! The user can pause, speak as the moderator, add a probe, skip a section and resume.
//!
//! Like an interview, every step is read from the stored transcript and the session's section,
//! so a run killed at any point resumes without repeating or losing a turn.

use pw_domain::{SessionId, TwinId};
use pw_llm::{CallScope, ChatMessage, ChatRequest, Gateway, Task};
use pw_store::Database;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::call_record::{CallRecord, Purpose};
use crate::error::{Result, TwinsError};
use crate::floor::{self, Bid, Floor};
use crate::guide::{self, DiscussionGuide, Section, Stimulus};
use crate::repository::{Twin, TwinStore};
use crate::session::{NewTurn, Session, SessionStore, Turn};
use crate::session_run::{Outcome, STOPPED, supervise};
use crate::speaking::{Format, RECALL_K, SessionEvent, Setting, TurnWriter};
use crate::vocabulary::{Act, CommandKind, Speaker};

/// Participants a focus group seats.
pub const PARTICIPANTS: std::ops::RangeInclusive<usize> = 2..=12;
/// An answer this short (in words) is vague when no model judges it.
pub const VAGUE_BELOW_WORDS: u32 = 12;
pub const MODERATOR_VERSION: &str = "moderator/1";

/// What the moderator does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    /// Ask the section's next question (index within the section).
    Ask(usize),
    /// Probe the last speaker with the section's probe at this index.
    Probe { probe: usize, to: usize },
    /// Invite a quiet participant (index) to answer the current question.
    DrawIn(usize),
    /// The section is done: its goals are met or its budget spent.
    MoveOn,
}

/// What the moderator knows of the section so far.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionState {
    pub questions: usize,
    pub probes: usize,
    pub budget: u32,
    pub participant_turns: u32,
    pub questions_asked: usize,
    pub probes_asked: usize,
    /// The last turn was the moderator's probe: do not probe twice running.
    pub just_probed: bool,
    /// Participant turns since the last question.
    pub answers_since_question: u32,
    pub goals: usize,
    pub goals_met: usize,
    pub last_answer_vague: bool,
    /// The last participant turn's speaker, as a participant index.
    pub last_speaker: Option<usize>,
    /// A participant who has not spoken in this section, the quietest first.
    pub silent: Option<usize>,
    /// The participant who has said least in this section, not counting the last speaker.
    pub quietest: Option<usize>,
    pub participants: usize,
}

/// The moderator's rule: move on when the goals are met (after at least two answers) or the
/// budget is spent; probe a vague answer (once running); draw in someone who has not spoken
/// once most have answered; ask the next question once the current one has had answers from
/// about half the group; when the questions run out, move on.
pub fn moderator_move(state: &SectionState) -> Move {
    if state.participant_turns >= state.budget {
        return Move::MoveOn;
    }
    if state.goals > 0 && state.goals_met >= state.goals && state.participant_turns >= 2 {
        return Move::MoveOn;
    }
    if state.questions_asked == 0 {
        return Move::Ask(0);
    }
    if state.last_answer_vague
        && !state.just_probed
        && state.probes_asked < state.probes
        && let Some(to) = state.last_speaker
    {
        return Move::Probe {
            probe: state.probes_asked,
            to,
        };
    }
    let enough_answers = state.answers_since_question >= (state.participants as u32).div_ceil(2);
    if let Some(silent) = state.silent
        && enough_answers
        && state.answers_since_question < state.participants as u32
    {
        return Move::DrawIn(silent);
    }
    if enough_answers || state.answers_since_question >= 3 {
        return if state.questions_asked < state.questions {
            Move::Ask(state.questions_asked)
        } else {
            Move::MoveOn
        };
    }
    // Too few answers yet and nobody wanted the floor: invite someone to answer (a named
    // participant always takes the floor, so this cannot go round in circles).
    match state.silent.or(state.quietest) {
        Some(invited) => Move::DrawIn(invited),
        None if state.questions_asked < state.questions => Move::Ask(state.questions_asked),
        None => Move::MoveOn,
    }
}

/// A stimulus as the group is shown it; a creative of the workspace with its words, when
/// `creative` found them (its headline and body).
pub fn stimulus_text(stimulus: &Stimulus, creative: Option<(&str, &str)>) -> String {
    match stimulus {
        Stimulus::AdCopy { headline, body } => format!("an ad: “{headline}” — {body}"),
        Stimulus::Concept { title, description } => {
            format!("a concept, “{title}”: {description}")
        }
        Stimulus::CreativeReference {
            creative_id,
            caption,
        } => {
            let words = match creative {
                Some((headline, "")) => format!("“{headline}”"),
                Some((headline, body)) => format!("“{headline}” — {body}"),
                None => format!("creative {creative_id}"),
            };
            match caption {
                Some(caption) => format!("an ad: {words} (the image: {caption})"),
                None => format!("an ad: {words}"),
            }
        }
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct Urges {
    #[schemars(length(max = 12), inner(range(max = 9)))]
    urges: Vec<u8>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub(crate) struct Judgement {
    #[schemars(length(max = 5), inner(range(min = 1, max = 5)))]
    goals_met: Vec<u8>,
    last_answer_vague: bool,
}

pub struct FocusGroupRun<'a> {
    pub db: &'a Database,
    pub gateway: &'a Gateway,
    pub events: &'a broadcast::Sender<SessionEvent>,
    pub session: SessionId,
    pub job_id: Option<&'a str>,
    pub cancel: &'a CancellationToken,
}

/// The participant index of a twin, in the session's seating.
fn seat(session: &Session, twin: Option<TwinId>) -> Option<usize> {
    twin.and_then(|t| session.participants.iter().position(|p| p.twin_id == t))
}

impl FocusGroupRun<'_> {
    pub async fn run(&self) -> Result<Outcome> {
        supervise(
            self.db,
            self.events,
            self.session,
            self.job_id,
            |session| async move {
                let guide = guide::parse(&session.guide)
                    .map_err(|e| TwinsError::Corrupt(format!("the session's guide: {e}")))?;
                let store = SessionStore::new(self.db);
                self.steps(&store, &session, &guide).await
            },
        )
        .await
    }

    fn record(&self, session: &Session) -> CallRecord<'_> {
        CallRecord {
            db: self.db,
            workspace: session.workspace_id,
            session: session.id,
        }
    }

    fn scope(&self, session: &Session) -> CallScope {
        let scope = CallScope::study(
            session.workspace_id.to_string(),
            session.study_id.to_string(),
        );
        match self.job_id {
            Some(job) => scope.with_job(job),
            None => scope,
        }
    }

    async fn steps(
        &self,
        store: &SessionStore<'_>,
        session: &Session,
        guide: &DiscussionGuide,
    ) -> Result<Outcome> {
        let twin_store = TwinStore::new(self.db);
        let brand: String = sqlx::query_scalar("SELECT brand FROM workspaces WHERE id = ?")
            .bind(session.workspace_id.to_string())
            .fetch_one(self.db.reader())
            .await?;
        let writer = TurnWriter {
            gateway: self.gateway,
            scope: self.scope(session),
            events: self.events,
            session: session.id,
            seed: session.seed,
            record: self.record(session),
        };
        let mut section_index = session.section as usize;
        loop {
            if self.cancel.is_cancelled() {
                return Ok(Outcome::Paused(STOPPED.into()));
            }
            let turns = store.turns(session.id).await?;
            let seq = turns.last().map_or(0, |t| t.seq + 1);
            let pending = store.pending(session.id).await?;
            let last_section = guide.sections.len().saturating_sub(1);
            let guide_done = section_index >= guide.sections.len();
            // Commands in the order they were given, one per step.
            if let Some(command) = pending.first() {
                match command.kind {
                    CommandKind::Pause => {
                        store.applied(std::slice::from_ref(&command.id)).await?;
                        return Ok(Outcome::Paused("Paused by the user.".into()));
                    }
                    CommandKind::Skip if !guide_done => {
                        section_index += 1;
                        store
                            .skip_to(session.id, section_index as u32, &command.id)
                            .await?;
                    }
                    CommandKind::Skip | CommandKind::Resume => {
                        store.applied(std::slice::from_ref(&command.id)).await?;
                    }
                    // The user's own words, as the moderator: a question or remark, or a probe.
                    CommandKind::Speak | CommandKind::Probe => {
                        let mut turn =
                            NewTurn::said(seq, Speaker::Researcher, None, command.text.clone());
                        turn.act = if command.kind == CommandKind::Probe {
                            Act::Probe
                        } else {
                            Act::Interjection
                        };
                        turn.section = section_index.min(last_section) as u32;
                        turn.question = question_under_discussion(&turns);
                        self.store_turn(store, session, &turn, std::slice::from_ref(&command.id))
                            .await?;
                    }
                }
                continue;
            }
            // The user's words always get an answer, even once a section's budget is spent or
            // the guide is done.
            // (Within its section: words followed by a skip were moved on from.)
            let researcher_waits = turns.last().is_some_and(|t| {
                t.speaker == Speaker::Researcher
                    && t.section as usize == section_index.min(last_section)
            });
            if guide_done && !researcher_waits {
                let closed = turns.last().is_some_and(|t| t.act == Act::Closing);
                if !closed {
                    let mut turn = NewTurn::said(
                        seq,
                        Speaker::Moderator,
                        None,
                        "That's everything I wanted to ask. Thank you all for your time and your honesty.".into(),
                    );
                    turn.act = Act::Closing;
                    turn.section = last_section as u32;
                    self.store_turn(store, session, &turn, &[]).await?;
                }
                return Ok(Outcome::Completed);
            }
            let section_at = section_index.min(last_section);
            let Some(section) = guide.sections.get(section_at) else {
                return Err(TwinsError::Corrupt("a guide without sections".into()));
            };
            let in_section: Vec<&Turn> = turns
                .iter()
                .filter(|t| t.section as usize == section_at)
                .collect();
            let question_id = turns
                .iter()
                .filter(|t| matches!(t.act, Act::Question | Act::Transition))
                .count() as u32;
            let participants = self.participants(&twin_store, session).await?;
            let last = in_section.last().copied();
            let spent = in_section
                .iter()
                .filter(|t| t.speaker == Speaker::Twin)
                .count() as u32
                >= section.turn_budget;
            // Who has the floor: the moderator opens a section and closes it once its budget
            // is spent; a participant the moderator named answers; otherwise the urges decide.
            let floor = match last {
                None => Floor::Moderator,
                Some(_) if spent && !researcher_waits => Floor::Moderator,
                Some(last) => {
                    self.floor(session, &participants, &turns, last, &in_section, seq)
                        .await
                }
            };
            // Nobody wanted to answer the researcher: the one who has said least does.
            let floor = match floor {
                Floor::Moderator if researcher_waits => {
                    let said = |i: usize| -> u32 {
                        turns
                            .iter()
                            .filter(|t| t.twin_id == Some(participants[i].summary.id))
                            .map(|t| t.words)
                            .sum()
                    };
                    Floor::Participant(
                        (0..participants.len())
                            .min_by_key(|&i| (said(i), i))
                            .unwrap_or(0),
                    )
                }
                other => other,
            };
            match floor {
                Floor::Participant(index) => {
                    let Some(twin) = participants.get(index) else {
                        return Err(TwinsError::Corrupt("a participant left the session".into()));
                    };
                    let reply = self.participant_turn(
                        &writer,
                        &twin_store,
                        &brand,
                        session,
                        section,
                        &turns,
                        twin,
                        seq,
                    );
                    let reply = tokio::select! {
                        reply = reply => reply?,
                        () = self.cancel.cancelled() => return Ok(Outcome::Paused(STOPPED.into())),
                    };
                    let mut turn =
                        NewTurn::said(seq, Speaker::Twin, Some(twin.summary.id), reply.says);
                    turn.act = if reply.non_response {
                        Act::NonResponse
                    } else {
                        Act::Answer
                    };
                    turn.section = section_at as u32;
                    turn.question = question_under_discussion(&turns);
                    turn.stance = reply.stance;
                    turn.adherence = reply.adherence;
                    turn.rejected = reply.rejected;
                    turn.catch_reason = reply.catch_reason;
                    turn.written_by = reply.written_by;
                    turn.recalled = reply.recalled;
                    self.store_turn(store, session, &turn, &[]).await?;
                }
                Floor::Moderator => {
                    let state = self
                        .section_state(session, section, &in_section, &participants, seq)
                        .await;
                    match moderator_move(&state) {
                        Move::MoveOn => {
                            section_index += 1;
                            store.set_section(session.id, section_index as u32).await?;
                        }
                        Move::Ask(question) => {
                            let text = section.questions[question].clone();
                            let mut says = String::new();
                            if question == 0 {
                                if section_index == 0 {
                                    says.push_str("Welcome, everyone, and thank you for joining. ");
                                } else {
                                    says.push_str(&format!(
                                        "Let's move on to {}. ",
                                        section.name.to_lowercase()
                                    ));
                                }
                                let shown = self.stimuli(session, section).await?;
                                if !shown.is_empty() {
                                    let shown = shown.join("; and ");
                                    let stop = if shown.ends_with(['.', '!', '?']) {
                                        ""
                                    } else {
                                        "."
                                    };
                                    says.push_str(&format!("Here is {shown}{stop} "));
                                }
                            }
                            says.push_str(&text);
                            let mut turn = NewTurn::said(seq, Speaker::Moderator, None, says);
                            turn.act = if question == 0 && section_index > 0 {
                                Act::Transition
                            } else {
                                Act::Question
                            };
                            turn.section = section_at as u32;
                            turn.question = question_id;
                            self.store_turn(store, session, &turn, &[]).await?;
                        }
                        Move::Probe { probe, to } => {
                            let name = first_name(&participants[to].summary.name);
                            let mut turn = NewTurn::said(
                                seq,
                                Speaker::Moderator,
                                None,
                                format!("{name}, {}", lower_first(&section.probes[probe])),
                            );
                            turn.act = Act::Probe;
                            turn.section = section_at as u32;
                            turn.question = question_id.saturating_sub(1);
                            turn.addressed = Some(participants[to].summary.id);
                            self.store_turn(store, session, &turn, &[]).await?;
                        }
                        Move::DrawIn(index) => {
                            let name = first_name(&participants[index].summary.name);
                            let current = in_section
                                .iter()
                                .rev()
                                .find(|t| matches!(t.act, Act::Question | Act::Transition))
                                .map(|t| t.says.clone())
                                .unwrap_or_default();
                            let question = section
                                .questions
                                .iter()
                                .find(|q| current.ends_with(q.as_str()))
                                .cloned()
                                .unwrap_or_else(|| "what do you think?".into());
                            let invited = participants[index].summary.id;
                            let spoke = in_section.iter().any(|t| t.twin_id == Some(invited));
                            let words = if spoke {
                                format!("{name}, what do you think? {question}")
                            } else {
                                format!("{name}, we haven't heard from you yet. {question}")
                            };
                            let mut turn = NewTurn::said(seq, Speaker::Moderator, None, words);
                            turn.act = Act::DrawIn;
                            turn.section = section_at as u32;
                            turn.question = question_id.saturating_sub(1);
                            turn.addressed = Some(participants[index].summary.id);
                            self.store_turn(store, session, &turn, &[]).await?;
                        }
                    }
                }
            }
        }
    }

    /// The section's stimuli as text, creatives read from the workspace (by id or the
    /// platform's id).
    async fn stimuli(&self, session: &Session, section: &Section) -> Result<Vec<String>> {
        let mut shown = Vec::with_capacity(section.stimuli.len());
        for stimulus in &section.stimuli {
            let creative = match stimulus {
                Stimulus::CreativeReference { creative_id, .. } => {
                    sqlx::query_as::<_, (Option<String>, Option<String>)>(
                        "SELECT headline, body FROM creatives
                         WHERE workspace_id = ?1 AND (id = ?2 OR external_id = ?2) LIMIT 1",
                    )
                    .bind(session.workspace_id.to_string())
                    .bind(creative_id)
                    .fetch_optional(self.db.reader())
                    .await?
                }
                _ => None,
            };
            let words = creative.as_ref().map(|(headline, body)| {
                (
                    headline.as_deref().unwrap_or(""),
                    body.as_deref().unwrap_or(""),
                )
            });
            shown.push(stimulus_text(stimulus, words));
        }
        Ok(shown)
    }

    async fn participants(&self, store: &TwinStore<'_>, session: &Session) -> Result<Vec<Twin>> {
        let mut twins = Vec::with_capacity(session.participants.len());
        for participant in &session.participants {
            twins.push(store.twin(participant.twin_id).await?);
        }
        Ok(twins)
    }

    /// The next speaker after `last`: a participant the moderator put a question to answers
    /// it; otherwise each rates its urge (one batched call) and [`floor::next_speaker`] picks.
    async fn floor(
        &self,
        session: &Session,
        participants: &[Twin],
        turns: &[Turn],
        last: &Turn,
        in_section: &[&Turn],
        seq: i64,
    ) -> Floor {
        // A section's opening question (or a researcher's words) goes to the group.
        let mut participant_run = 0u32;
        let mut moderator_run = 0u32;
        for turn in in_section.iter().rev() {
            if turn.speaker == Speaker::Twin {
                if moderator_run > 0 {
                    break;
                }
                participant_run += 1;
            } else {
                if participant_run > 0 {
                    break;
                }
                moderator_run += 1;
            }
        }
        let last_speaker = seat(session, last.twin_id);
        let named = seat(session, last.addressed);
        let declined = in_section
            .iter()
            .rev()
            .skip(1)
            .find(|t| t.act == Act::DrawIn)
            .and_then(|t| seat(session, t.addressed))
            .filter(|_| last.speaker != Speaker::Twin || last.twin_id.is_none());
        let words: Vec<u32> = participants
            .iter()
            .map(|twin| {
                turns
                    .iter()
                    .filter(|t| t.twin_id == Some(twin.summary.id))
                    .map(|t| t.words)
                    .sum()
            })
            .collect();
        let urges = self.urges(session, participants, last, &words, seq).await;
        let bids: Vec<Bid> = (0..participants.len())
            .map(|i| Bid {
                urge: urges[i],
                invited: last.speaker != Speaker::Twin && named.is_none(),
                named: named == Some(i) && last.speaker != Speaker::Twin,
                addressed: last.speaker == Speaker::Twin
                    && last
                        .says
                        .contains(first_name(&participants[i].summary.name)),
                spoke_last: last_speaker == Some(i),
                declined_last: declined == Some(i),
                words_so_far: words[i],
            })
            .collect();
        floor::next_speaker(&bids, participant_run, moderator_run)
    }

    /// Every participant's urge to answer what was just said, 0-9, in one call. When the model
    /// cannot give them, a plain rule stands in: keen to answer the moderator, keener the less
    /// one has said, and quiet after having just spoken.
    async fn urges(
        &self,
        session: &Session,
        participants: &[Twin],
        last: &Turn,
        words: &[u32],
        seq: i64,
    ) -> Vec<u8> {
        let rule = || -> Vec<u8> {
            let most = words.iter().copied().max().unwrap_or(0).max(1);
            participants
                .iter()
                .enumerate()
                .map(|(i, twin)| {
                    if last.twin_id == Some(twin.summary.id) {
                        0
                    } else {
                        let keen: u8 = if last.speaker == Speaker::Twin { 4 } else { 6 };
                        keen + (3 - (3 * words[i] / most).min(3)) as u8
                    }
                })
                .collect()
        };
        let who = match last.speaker {
            Speaker::Twin => last
                .twin_name
                .clone()
                .unwrap_or_else(|| "A participant".into()),
            _ => "The moderator".into(),
        };
        let mut listing = String::new();
        for (i, twin) in participants.iter().enumerate() {
            listing.push_str(&format!(
                "{}. {}: {}\n",
                i + 1,
                twin.summary.name,
                twin.profile.summary
            ));
        }
        let mut request = ChatRequest::new(
            Task::Moderation,
            vec![
                ChatMessage::system("You judge a focus group's flow."),
                ChatMessage::user(format!(
                    "Participants:\n{listing}Just said, by {who}: \"{}\"\nFor each participant in order, how strongly do they want to respond, from 0 (nothing to add) to 9 (must answer)? Give {} numbers.",
                    last.says,
                    participants.len()
                )),
            ],
        )
        .in_scope(self.scope(session));
        request.temperature = Some(crate::speaking::JUDGING_TEMPERATURE);
        request.max_tokens = Some(60);
        request.seed = Some(crate::speaking::call_seed(
            session.seed,
            last.seq,
            crate::speaking::URGE_CALL,
            0,
        ));
        let answered = self.gateway.chat_json_answered::<Urges>(&request).await;
        if let Ok(answered) = &answered {
            self.record(session)
                .keep_or_warn(
                    seq,
                    Purpose::Urges,
                    &request,
                    &serde_json::to_string(&answered.value).unwrap_or_default(),
                    &format!("{}/{}", answered.vendor, answered.model),
                )
                .await;
        }
        match answered.map(|a| a.value) {
            Ok(answer) if answer.urges.len() == participants.len() => {
                answer.urges.into_iter().map(|u| u.min(9)).collect()
            }
            Ok(answer) => {
                tracing::warn!(
                    got = answer.urges.len(),
                    "urges for the wrong number of participants; the plain rule decides"
                );
                rule()
            }
            Err(error) => {
                tracing::warn!(%error, "no urges from the model; the plain rule decides");
                rule()
            }
        }
    }

    /// The section so far, with the model's judgement of which goals are met and whether the
    /// last answer was vague (or the plain rule's, when it cannot be had).
    async fn section_state(
        &self,
        session: &Session,
        section: &Section,
        in_section: &[&Turn],
        participants: &[Twin],
        seq: i64,
    ) -> SectionState {
        let answers: Vec<&&Turn> = in_section
            .iter()
            .filter(|t| t.speaker == Speaker::Twin)
            .collect();
        let last_question = in_section
            .iter()
            .rposition(|t| matches!(t.act, Act::Question | Act::Transition));
        let answers_since_question = match last_question {
            Some(position) => in_section[position + 1..]
                .iter()
                .filter(|t| t.speaker == Speaker::Twin)
                .count() as u32,
            None => 0,
        };
        let last_answer = answers.last();
        let spoke: Vec<usize> = answers
            .iter()
            .filter_map(|t| seat(session, t.twin_id))
            .collect();
        let silent = (0..participants.len()).find(|i| !spoke.contains(i));
        let last_speaker = last_answer.and_then(|t| seat(session, t.twin_id));
        let words_in_section = |i: usize| -> u32 {
            answers
                .iter()
                .filter(|t| seat(session, t.twin_id) == Some(i))
                .map(|t| t.words)
                .sum()
        };
        let quietest = (0..participants.len())
            .filter(|i| Some(*i) != last_speaker || participants.len() == 1)
            .min_by_key(|&i| (words_in_section(i), i));
        let mut state = SectionState {
            questions: section.questions.len(),
            probes: section.probes.len(),
            budget: section.turn_budget,
            participant_turns: answers.len() as u32,
            questions_asked: in_section
                .iter()
                .filter(|t| {
                    t.speaker == Speaker::Moderator
                        && matches!(t.act, Act::Question | Act::Transition)
                })
                .count(),
            probes_asked: in_section
                .iter()
                .filter(|t| t.speaker == Speaker::Moderator && t.act == Act::Probe)
                .count(),
            just_probed: in_section.last().is_some_and(|t| t.act == Act::Probe),
            answers_since_question,
            goals: section.goals.len(),
            goals_met: 0,
            last_answer_vague: last_answer
                .is_some_and(|t| t.act == Act::NonResponse || t.words < VAGUE_BELOW_WORDS),
            last_speaker,
            silent,
            quietest,
            participants: participants.len(),
        };
        if answers.is_empty() || state.participant_turns >= state.budget {
            return state;
        }
        let transcript: String = in_section
            .iter()
            .map(|t| {
                let who = match t.speaker {
                    Speaker::Twin => t.twin_name.clone().unwrap_or_default(),
                    _ => "Moderator".into(),
                };
                format!("{who}: {}\n", t.says)
            })
            .collect();
        let goals: String = section
            .goals
            .iter()
            .enumerate()
            .map(|(i, g)| format!("{}. {g}\n", i + 1))
            .collect();
        let mut request = ChatRequest::new(
            Task::Moderation,
            vec![
                ChatMessage::system("You help a focus-group moderator follow the discussion guide."),
                ChatMessage::user(format!(
                    "The section's goals:\n{goals}The discussion so far:\n{transcript}goals_met: the numbers of the goals the participants' answers have covered. last_answer_vague: whether the last participant's answer was too vague to learn from."
                )),
            ],
        )
        .in_scope(self.scope(session));
        request.temperature = Some(crate::speaking::JUDGING_TEMPERATURE);
        request.max_tokens = Some(60);
        request.seed = Some(crate::speaking::call_seed(
            session.seed,
            in_section.last().map_or(0, |t| t.seq),
            crate::speaking::JUDGEMENT_CALL,
            0,
        ));
        let answered = self.gateway.chat_json_answered::<Judgement>(&request).await;
        if let Ok(answered) = &answered {
            self.record(session)
                .keep_or_warn(
                    seq,
                    Purpose::Judgement,
                    &request,
                    &serde_json::to_string(&answered.value).unwrap_or_default(),
                    &format!("{}/{}", answered.vendor, answered.model),
                )
                .await;
        }
        match answered.map(|a| a.value) {
            Ok(judgement) => {
                let mut met: Vec<u8> = judgement
                    .goals_met
                    .into_iter()
                    .filter(|g| (1..=section.goals.len()).contains(&(*g as usize)))
                    .collect();
                met.sort_unstable();
                met.dedup();
                state.goals_met = met.len();
                state.last_answer_vague = judgement.last_answer_vague
                    || last_answer.is_some_and(|t| t.act == Act::NonResponse);
            }
            Err(error) => {
                tracing::warn!(%error, "no judgement of the section from the model; the plain rule decides");
            }
        }
        state
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one turn's parts, passed together"
    )]
    async fn participant_turn(
        &self,
        writer: &TurnWriter<'_>,
        store: &TwinStore<'_>,
        brand: &str,
        session: &Session,
        section: &Section,
        turns: &[Turn],
        twin: &Twin,
        seq: i64,
    ) -> Result<crate::speaking::Reply> {
        let _ = self.events.send(SessionEvent::TurnStarted {
            session_id: session.id,
            seq,
            speaker: Speaker::Twin,
            name: twin.summary.name.clone(),
        });
        let last = turns.last().map(|t| t.says.clone()).unwrap_or_default();
        let shown: Vec<pw_domain::TurnId> = turns
            .iter()
            .rev()
            .take(crate::speaking::HISTORY_TURNS + 1)
            .map(|t| t.id)
            .collect();
        let recalled = writer.recall(store, twin, &last, RECALL_K, &shown).await?;
        let others: Vec<&str> = session
            .participants
            .iter()
            .filter(|p| p.twin_id != twin.summary.id)
            .map(|p| p.name.as_str())
            .collect();
        let history: Vec<String> = turns.iter().map(group_line).collect();
        let (earlier, prompt) = match history.split_last() {
            Some((prompt, earlier)) => (earlier.to_vec(), prompt.clone()),
            None => (Vec::new(), String::new()),
        };
        let question = turns
            .iter()
            .rev()
            .find(|t| matches!(t.act, Act::Question | Act::Transition | Act::Interjection))
            .map(|t| t.says.clone())
            .unwrap_or_default();
        let stimuli = self.stimuli(session, section).await?;
        let setting = Setting {
            brand,
            situation: format!(
                "a focus group with {}, led by a moderator",
                others.join(", ")
            ),
            stimuli: &stimuli,
            history: &earlier,
            prompt: &prompt,
            question: &question,
        };
        writer
            .reply(twin, &recalled, &setting, Format::Group, seq)
            .await
    }

    async fn store_turn(
        &self,
        store: &SessionStore<'_>,
        session: &Session,
        turn: &NewTurn,
        applied: &[String],
    ) -> Result<()> {
        if turn.speaker != Speaker::Twin {
            let _ = self.events.send(SessionEvent::TurnStarted {
                session_id: session.id,
                seq: turn.seq,
                speaker: turn.speaker,
                name: if turn.speaker == Speaker::Researcher {
                    "You (as moderator)".into()
                } else {
                    "Moderator".into()
                },
            });
            let _ = self.events.send(SessionEvent::Token {
                session_id: session.id,
                seq: turn.seq,
                text: turn.says.clone(),
            });
        }
        store.append(session, turn, applied).await?;
        let _ = self.events.send(SessionEvent::TurnStored {
            session_id: session.id,
            seq: turn.seq,
        });
        Ok(())
    }
}

/// The guide question under discussion: the id of the latest question or transition asked
/// (questions are numbered through the whole guide from 0).
fn question_under_discussion(turns: &[Turn]) -> u32 {
    (turns
        .iter()
        .filter(|t| matches!(t.act, Act::Question | Act::Transition))
        .count() as u32)
        .saturating_sub(1)
}

/// A turn as a line of a group's transcript in a prompt.
pub fn group_line(turn: &Turn) -> String {
    let who = match turn.speaker {
        Speaker::Twin => turn
            .twin_name
            .clone()
            .unwrap_or_else(|| "Participant".into()),
        _ => "Moderator".into(),
    };
    if turn.act == Act::NonResponse {
        format!("{who}: (says nothing)")
    } else {
        format!("{who}: {}", turn.says)
    }
}

fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> SectionState {
        SectionState {
            questions: 2,
            probes: 1,
            budget: 10,
            participant_turns: 0,
            questions_asked: 0,
            probes_asked: 0,
            just_probed: false,
            answers_since_question: 0,
            goals: 2,
            goals_met: 0,
            last_answer_vague: false,
            last_speaker: None,
            silent: Some(0),
            quietest: Some(0),
            participants: 4,
        }
    }

    #[test]
    fn the_moderator_opens_with_the_first_question() {
        assert_eq!(moderator_move(&state()), Move::Ask(0));
    }

    #[test]
    fn a_spent_budget_or_met_goals_end_the_section() {
        let spent = SectionState {
            questions_asked: 1,
            participant_turns: 10,
            ..state()
        };
        assert_eq!(moderator_move(&spent), Move::MoveOn);
        let met = SectionState {
            questions_asked: 1,
            participant_turns: 2,
            goals_met: 2,
            ..state()
        };
        assert_eq!(moderator_move(&met), Move::MoveOn);
        // Goals "met" before two answers are not trusted.
        let early = SectionState {
            questions_asked: 1,
            participant_turns: 1,
            goals_met: 2,
            answers_since_question: 1,
            silent: None,
            ..state()
        };
        assert_eq!(moderator_move(&early), Move::DrawIn(0));
    }

    #[test]
    fn a_vague_answer_is_probed_once_running() {
        let vague = SectionState {
            questions_asked: 1,
            participant_turns: 1,
            answers_since_question: 1,
            last_answer_vague: true,
            last_speaker: Some(2),
            ..state()
        };
        assert_eq!(moderator_move(&vague), Move::Probe { probe: 0, to: 2 });
        let probed = SectionState {
            just_probed: true,
            ..vague.clone()
        };
        assert_ne!(moderator_move(&probed), Move::Probe { probe: 0, to: 2 });
        let out_of_probes = SectionState {
            probes_asked: 1,
            ..vague
        };
        assert!(!matches!(
            moderator_move(&out_of_probes),
            Move::Probe { .. }
        ));
    }

    #[test]
    fn a_silent_participant_is_drawn_in_once_half_the_group_has_answered() {
        let half = SectionState {
            questions_asked: 1,
            participant_turns: 2,
            answers_since_question: 2,
            silent: Some(3),
            ..state()
        };
        assert_eq!(moderator_move(&half), Move::DrawIn(3));
        let everyone = SectionState {
            answers_since_question: 4,
            silent: None,
            ..half.clone()
        };
        assert_eq!(moderator_move(&everyone), Move::Ask(1));
        let last_question = SectionState {
            questions_asked: 2,
            ..everyone.clone()
        };
        assert_eq!(moderator_move(&last_question), Move::MoveOn);
        // A fresh question nobody took up: the quietest is invited, the section goes on.
        let unanswered = SectionState {
            questions_asked: 2,
            answers_since_question: 0,
            silent: None,
            quietest: Some(1),
            ..everyone
        };
        assert_eq!(moderator_move(&unanswered), Move::DrawIn(1));
    }

    #[test]
    fn stimuli_read_as_the_group_is_shown_them() {
        assert_eq!(
            stimulus_text(
                &Stimulus::AdCopy {
                    headline: "Twelve mornings".into(),
                    body: "A box.".into()
                },
                None
            ),
            "an ad: “Twelve mornings” — A box."
        );
        let creative = Stimulus::CreativeReference {
            creative_id: "cr1".into(),
            caption: Some("a kraft box".into()),
        };
        assert_eq!(
            stimulus_text(&creative, Some(("Roasted Monday", ""))),
            "an ad: “Roasted Monday” (the image: a kraft box)"
        );
        assert_eq!(
            stimulus_text(&creative, None),
            "an ad: creative cr1 (the image: a kraft box)"
        );
    }
}
