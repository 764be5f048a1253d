//! A 1:1 interview with a twin: the interviewer asks the session's questions in order (and any
//! the researcher adds while it runs), and every answer is split into what the twin says and
//! what it thinks, both stored. The next step is read from the stored turns each time, so a
//! run killed at any point resumes exactly where the transcript ends.

use pw_domain::SessionId;
use pw_llm::Gateway;
use pw_store::Database;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::error::{Result, TwinsError};
use crate::repository::TwinStore;
use crate::session::{NewTurn, Session, SessionStore, Turn};
use crate::session_run::{STOPPED, supervise};
use crate::speaking::{Format, RECALL_K, SessionEvent, Setting, TurnWriter};
use crate::vocabulary::{Act, CommandKind, Speaker};

pub use crate::session_run::Outcome;

/// What the next step of an interview is, from its turns so far and its questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// The twin answers the last turn (question number `question`, from 1).
    Answer {
        question: u32,
        text: String,
    },
    /// The interviewer asks question `question` (from 1).
    Ask {
        question: u32,
        text: String,
    },
    Done,
}

/// The next step: an unanswered question is answered first; then the next of the questions
/// not yet asked. Questions the researcher added count apart (number 0), so the guide's
/// numbering holds.
pub fn next_step(turns: &[Turn], questions: &[String]) -> Next {
    if let Some(last) = turns.last()
        && last.speaker != Speaker::Twin
    {
        return Next::Answer {
            question: last.question,
            text: last.says.clone(),
        };
    }
    let asked = turns
        .iter()
        .filter(|t| t.speaker == Speaker::Moderator && t.act == Act::Question)
        .count();
    match questions.get(asked) {
        Some(text) => Next::Ask {
            question: asked as u32 + 1,
            text: text.clone(),
        },
        None => Next::Done,
    }
}

pub struct InterviewRun<'a> {
    pub db: &'a Database,
    pub gateway: &'a Gateway,
    pub events: &'a broadcast::Sender<SessionEvent>,
    pub session: SessionId,
    pub job_id: Option<&'a str>,
    pub cancel: &'a CancellationToken,
}

impl InterviewRun<'_> {
    pub async fn run(&self) -> Result<Outcome> {
        supervise(
            self.db,
            self.events,
            self.session,
            self.job_id,
            |session| async move {
                let questions: Vec<String> = serde_json::from_str(&session.guide)
                    .map_err(|e| TwinsError::Corrupt(format!("an interview's questions: {e}")))?;
                let participant = session
                    .participants
                    .first()
                    .ok_or_else(|| TwinsError::Corrupt("an interview without a twin".into()))?
                    .clone();
                let store = SessionStore::new(self.db);
                self.steps(&store, &session, &questions, participant.twin_id)
                    .await
            },
        )
        .await
    }

    async fn steps(
        &self,
        store: &SessionStore<'_>,
        session: &Session,
        questions: &[String],
        twin_id: pw_domain::TwinId,
    ) -> Result<Outcome> {
        let twins = TwinStore::new(self.db);
        let brand: String = sqlx::query_scalar("SELECT brand FROM workspaces WHERE id = ?")
            .bind(session.workspace_id.to_string())
            .fetch_one(self.db.reader())
            .await?;
        let mut scope = pw_llm::CallScope::study(
            session.workspace_id.to_string(),
            session.study_id.to_string(),
        );
        if let Some(job) = self.job_id {
            scope = scope.with_job(job);
        }
        let writer = TurnWriter {
            gateway: self.gateway,
            scope,
            events: self.events,
            session: session.id,
            seed: session.seed,
            record: crate::call_record::CallRecord {
                db: self.db,
                workspace: session.workspace_id,
                session: session.id,
            },
        };
        loop {
            if self.cancel.is_cancelled() {
                return Ok(Outcome::Paused(STOPPED.into()));
            }
            let turns = store.turns(session.id).await?;
            let seq = turns.last().map_or(0, |t| t.seq + 1);
            let pending = store.pending(session.id).await?;
            if let Some(pause) = pending.iter().find(|c| c.kind == CommandKind::Pause) {
                store.applied(std::slice::from_ref(&pause.id)).await?;
                return Ok(Outcome::Paused("Paused by the user.".into()));
            }
            let next = next_step(&turns, questions);
            // A question the researcher typed goes before the next one from the list, never
            // between a question and its answer.
            if !matches!(next, Next::Answer { .. })
                && let Some(ask) = pending
                    .iter()
                    .find(|c| matches!(c.kind, CommandKind::Speak | CommandKind::Probe))
            {
                let mut turn = NewTurn::said(seq, Speaker::Researcher, None, ask.text.clone());
                turn.act = Act::Interjection;
                self.store_turn(store, session, &turn, std::slice::from_ref(&ask.id))
                    .await?;
                continue;
            }
            match next {
                Next::Done => return Ok(Outcome::Completed),
                Next::Ask { question, text } => {
                    let mut turn = NewTurn::said(seq, Speaker::Moderator, None, text);
                    turn.question = question;
                    self.store_turn(store, session, &turn, &[]).await?;
                }
                Next::Answer { question, text } => {
                    let twin = twins.twin(twin_id).await?;
                    let _ = self.events.send(SessionEvent::TurnStarted {
                        session_id: session.id,
                        seq,
                        speaker: Speaker::Twin,
                        name: twin.summary.name.clone(),
                    });
                    let shown: Vec<pw_domain::TurnId> = turns
                        .iter()
                        .rev()
                        .take(crate::speaking::HISTORY_TURNS + 1)
                        .map(|t| t.id)
                        .collect();
                    let recalled = writer
                        .recall(&twins, &twin, &text, RECALL_K, &shown)
                        .await?;
                    let history: Vec<String> = turns.iter().map(transcript_line).collect();
                    let prompt = format!("Interviewer: {text}");
                    let setting = Setting {
                        brand: &brand,
                        situation: "a one-to-one research interview".into(),
                        stimuli: &[],
                        history: &history[..history.len().saturating_sub(1)],
                        prompt: &prompt,
                        question: &text,
                    };
                    let reply = tokio::select! {
                        reply = writer.reply(&twin, &recalled, &setting, Format::Interview, seq) => reply?,
                        () = self.cancel.cancelled() => {
                            return Ok(Outcome::Paused(STOPPED.into()));
                        }
                    };
                    let turn = NewTurn {
                        seq,
                        speaker: Speaker::Twin,
                        twin_id: Some(twin_id),
                        says: reply.says,
                        thinks: reply.thinks,
                        section: 0,
                        question,
                        act: if reply.non_response {
                            Act::NonResponse
                        } else {
                            Act::Answer
                        },
                        stance: reply.stance,
                        adherence: reply.adherence,
                        rejected: reply.rejected,
                        catch_reason: reply.catch_reason,
                        written_by: reply.written_by,
                        recalled: reply.recalled,
                        addressed: None,
                    };
                    self.store_turn(store, session, &turn, &[]).await?;
                }
            }
        }
    }

    async fn store_turn(
        &self,
        store: &SessionStore<'_>,
        session: &Session,
        turn: &NewTurn,
        applied: &[String],
    ) -> Result<()> {
        store.append(session, turn, applied).await?;
        let _ = self.events.send(SessionEvent::TurnStored {
            session_id: session.id,
            seq: turn.seq,
        });
        Ok(())
    }
}

/// A turn as a line of transcript in a prompt.
pub fn transcript_line(turn: &Turn) -> String {
    let who = match turn.speaker {
        Speaker::Twin => turn
            .twin_name
            .clone()
            .unwrap_or_else(|| "Participant".into()),
        Speaker::Moderator => "Interviewer".into(),
        Speaker::Researcher => "Interviewer".into(),
    };
    if turn.act == Act::NonResponse {
        format!("{who}: (no answer)")
    } else {
        format!("{who}: {}", turn.says)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(seq: i64, speaker: Speaker, act: Act, question: u32, says: &str) -> Turn {
        Turn {
            id: pw_domain::TurnId::new(),
            seq,
            speaker,
            twin_id: None,
            twin_name: Some("Maya R.".into()),
            says: says.into(),
            thinks: None,
            section: 0,
            question,
            act,
            words: 0,
            stance: None,
            adherence: crate::vocabulary::Adherence::Unchecked,
            rejected: None,
            catch_reason: None,
            written_by: String::new(),
            recalled: Vec::new(),
            addressed: None,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn the_next_step_is_read_from_the_transcript() {
        let questions = vec!["First?".to_owned(), "Second?".to_owned()];
        assert_eq!(
            next_step(&[], &questions),
            Next::Ask {
                question: 1,
                text: "First?".into()
            }
        );
        let mut turns = vec![turn(0, Speaker::Moderator, Act::Question, 1, "First?")];
        // Killed after the question was stored: the answer comes next, not the question again.
        assert_eq!(
            next_step(&turns, &questions),
            Next::Answer {
                question: 1,
                text: "First?".into()
            }
        );
        turns.push(turn(1, Speaker::Twin, Act::Answer, 1, "Yes."));
        assert_eq!(
            next_step(&turns, &questions),
            Next::Ask {
                question: 2,
                text: "Second?".into()
            }
        );
        // The researcher's own question is answered, and does not count as the guide's.
        turns.push(turn(2, Speaker::Researcher, Act::Interjection, 0, "Why?"));
        assert_eq!(
            next_step(&turns, &questions),
            Next::Answer {
                question: 0,
                text: "Why?".into()
            }
        );
        turns.push(turn(3, Speaker::Twin, Act::NonResponse, 0, ""));
        assert_eq!(
            next_step(&turns, &questions),
            Next::Ask {
                question: 2,
                text: "Second?".into()
            }
        );
        turns.push(turn(4, Speaker::Moderator, Act::Question, 2, "Second?"));
        turns.push(turn(5, Speaker::Twin, Act::Answer, 2, "No."));
        assert_eq!(next_step(&turns, &questions), Next::Done);
    }
}
