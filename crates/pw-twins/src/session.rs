//! Sessions with twins and their transcripts, persisted turn by turn. The stored turns are the
//! session's cursor: a turn is written with everything it changes (the twins' new memories,
//! which memories it recalled, the commands it applied) in one transaction, under a
//! `(session, seq)` that can be written only once, so a run that dies mid-turn resumes at the
//! first missing turn and never repeats or loses one.

use chrono::{DateTime, Utc};
use pw_domain::{MemoryId, SessionId, StudyId, TurnId, TwinId, WorkspaceId};
use pw_store::{Database, TypedColumns, format_instant, now_instant};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::error::{Result, TwinsError};
use crate::repository::{EvidenceLink, NewMemory, append_memory, tick_clock};
use crate::turn_length;
use crate::vocabulary::{
    Act, Adherence, CommandKind, EvidenceSource, Fragment, MemoryKind, SessionKind, SessionStatus,
    Speaker, WrittenBy,
};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Participant {
    pub twin_id: TwinId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub id: SessionId,
    pub workspace_id: WorkspaceId,
    pub study_id: StudyId,
    pub title: String,
    pub kind: SessionKind,
    pub status: SessionStatus,
    /// The guide's TOML (a focus group) or the questions as a JSON array (an interview).
    pub guide: String,
    pub manifest: Value,
    pub seed: u64,
    /// Why the session is paused (`None`: it is not).
    pub paused_reason: Option<String>,
    pub failure: Option<String>,
    /// The guide section under way, from 0.
    pub section: u32,
    pub participants: Vec<Participant>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Turn {
    pub id: TurnId,
    pub seq: i64,
    pub speaker: Speaker,
    pub twin_id: Option<TwinId>,
    pub twin_name: Option<String>,
    pub says: String,
    pub thinks: Option<String>,
    pub section: u32,
    pub question: u32,
    pub act: Act,
    pub words: u32,
    pub stance: Option<i8>,
    pub adherence: Adherence,
    pub rejected: Option<String>,
    pub catch_reason: Option<String>,
    pub written_by: String,
    pub recalled: Vec<MemoryId>,
    /// The twin a moderator's turn was put to.
    pub addressed: Option<TwinId>,
    pub created_at: DateTime<Utc>,
}

/// A turn to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTurn {
    pub seq: i64,
    pub speaker: Speaker,
    pub twin_id: Option<TwinId>,
    pub says: String,
    pub thinks: Option<String>,
    pub section: u32,
    pub question: u32,
    pub act: Act,
    pub stance: Option<i8>,
    pub adherence: Adherence,
    pub rejected: Option<String>,
    pub catch_reason: Option<String>,
    pub written_by: String,
    pub recalled: Vec<MemoryId>,
    pub addressed: Option<TwinId>,
}

impl NewTurn {
    /// A turn with nothing but who said what; the rest as a plain moderator question.
    pub fn said(seq: i64, speaker: Speaker, twin_id: Option<TwinId>, says: String) -> NewTurn {
        NewTurn {
            seq,
            speaker,
            twin_id,
            says,
            thinks: None,
            section: 0,
            question: 0,
            act: Act::Question,
            stance: None,
            adherence: Adherence::Unchecked,
            rejected: None,
            catch_reason: None,
            written_by: String::new(),
            recalled: Vec::new(),
            addressed: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Command {
    pub id: String,
    pub kind: CommandKind,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// A new session, with its study.
pub struct NewSession<'a> {
    pub workspace_id: WorkspaceId,
    pub title: &'a str,
    pub kind: SessionKind,
    pub twins: &'a [TwinId],
    pub guide: &'a str,
    pub manifest: &'a Value,
    pub seed: u64,
    pub budget_micros: Option<i64>,
}

pub struct SessionStore<'a> {
    db: &'a Database,
}

const SESSION_SQL: &str = "SELECT s.id, s.workspace_id, s.study_id, st.title, s.kind, s.status,
        s.guide, s.manifest, s.seed, s.paused_reason, s.failure, s.section, st.created_at,
        s.finished_at
     FROM study_sessions s JOIN studies st ON st.id = s.study_id";

const TURN_SQL: &str = "SELECT u.id, u.seq, u.speaker, u.twin_id, t.name AS twin_name, u.says,
        u.thinks, u.section, u.question, u.act, u.words, u.stance, u.adherence, u.rejected,
        u.catch_reason, u.written_by, u.recalled, u.addressed_to, u.created_at
     FROM transcript_turns u LEFT JOIN twins t ON t.id = u.twin_id";

fn corrupt(what: &str, error: impl std::fmt::Display) -> TwinsError {
    TwinsError::Corrupt(format!("{what}: {error}"))
}

impl<'a> SessionStore<'a> {
    pub fn new(db: &'a Database) -> Self {
        SessionStore { db }
    }

    /// Creates a study of one session with its participants, in one transaction.
    pub async fn create(&self, new: &NewSession<'_>) -> Result<(StudyId, SessionId)> {
        let study = StudyId::new();
        let session = SessionId::new();
        let now = format_instant(now_instant());
        let workspace = new.workspace_id.to_string();
        let manifest = serde_json::to_string(new.manifest).map_err(|e| corrupt("manifest", e))?;
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "INSERT INTO studies (id, workspace_id, kind, title, brief, status, config,
                                  budget_micros, created_at)
             VALUES (?, ?, ?, ?, '', 'running', ?, ?, ?)",
        )
        .bind(study.to_string())
        .bind(&workspace)
        .bind(new.kind.as_str())
        .bind(new.title)
        .bind(&manifest)
        .bind(new.budget_micros)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        for twin in new.twins {
            sqlx::query(
                "INSERT INTO study_participants (study_id, twin_id, workspace_id) VALUES (?, ?, ?)",
            )
            .bind(study.to_string())
            .bind(twin.to_string())
            .bind(&workspace)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO study_sessions (id, workspace_id, study_id, seq, status, started_at,
                                         kind, guide, manifest, seed)
             VALUES (?, ?, ?, 1, 'scheduled', ?, ?, ?, ?, ?)",
        )
        .bind(session.to_string())
        .bind(&workspace)
        .bind(study.to_string())
        .bind(&now)
        .bind(new.kind.as_str())
        .bind(new.guide)
        .bind(&manifest)
        .bind(new.seed as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((study, session))
    }

    pub async fn session(&self, id: SessionId) -> Result<Session> {
        let sql = format!("{SESSION_SQL} WHERE s.id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(self.db.reader())
            .await?
            .ok_or_else(|| TwinsError::SessionNotFound(id.to_string()))?;
        let mut session = session_from(&row)?;
        session.participants = self.participants(session.study_id).await?;
        Ok(session)
    }

    pub async fn sessions(&self, workspace: WorkspaceId) -> Result<Vec<Session>> {
        let sql = format!("{SESSION_SQL} WHERE s.workspace_id = ? ORDER BY st.created_at DESC");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace.to_string())
            .fetch_all(self.db.reader())
            .await?;
        let mut sessions = Vec::with_capacity(rows.len());
        for row in &rows {
            match session_from(row) {
                Ok(mut session) => {
                    session.participants = self.participants(session.study_id).await?;
                    sessions.push(session);
                }
                Err(error) => tracing::warn!(%error, "a session could not be read; left out"),
            }
        }
        Ok(sessions)
    }

    async fn participants(&self, study: StudyId) -> Result<Vec<Participant>> {
        let rows = sqlx::query(
            "SELECT p.twin_id, t.name FROM study_participants p JOIN twins t ON t.id = p.twin_id
             WHERE p.study_id = ? ORDER BY t.name, p.twin_id",
        )
        .bind(study.to_string())
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Participant {
                    twin_id: row.parsed("twin_id")?,
                    name: row.try_get("name")?,
                })
            })
            .collect()
    }

    pub async fn turns(&self, session: SessionId) -> Result<Vec<Turn>> {
        let sql = format!("{TURN_SQL} WHERE u.session_id = ? ORDER BY u.seq");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(session.to_string())
            .fetch_all(self.db.reader())
            .await?;
        rows.iter().map(turn_from).collect()
    }

    /// Appends a turn with the memories it leaves: every speaking twin remembers what it said,
    /// every other participant what it heard (each linked to the turn), and the memories the
    /// speaker recalled are marked as accessed now. `false` when the turn was already stored
    /// (a resumed run reached it again): nothing is written twice.
    pub async fn append(
        &self,
        session: &Session,
        turn: &NewTurn,
        applied: &[String],
    ) -> Result<Option<TurnId>> {
        let id = TurnId::new();
        let now = format_instant(now_instant());
        let workspace = session.workspace_id.to_string();
        let recalled =
            serde_json::to_string(&turn.recalled).map_err(|e| corrupt("recalled memories", e))?;
        let mut tx = self.db.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO transcript_turns (id, workspace_id, session_id, seq, speaker, twin_id,
                 says, thinks, created_at, section, question, act, words, stance, adherence,
                 rejected, catch_reason, written_by, recalled, addressed_to)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (session_id, seq) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(&workspace)
        .bind(session.id.to_string())
        .bind(turn.seq)
        .bind(turn.speaker.as_str())
        .bind(turn.twin_id.map(|t| t.to_string()))
        .bind(&turn.says)
        .bind(&turn.thinks)
        .bind(&now)
        .bind(i64::from(turn.section))
        .bind(i64::from(turn.question))
        .bind(turn.act.as_str())
        .bind(i64::from(turn_length::words(&turn.says)))
        .bind(turn.stance.map(i64::from))
        .bind(turn.adherence.as_str())
        .bind(&turn.rejected)
        .bind(&turn.catch_reason)
        .bind(&turn.written_by)
        .bind(&recalled)
        .bind(turn.addressed.map(|t| t.to_string()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(None);
        }
        if !turn.says.trim().is_empty() {
            let link = EvidenceLink {
                source: EvidenceSource::Turn,
                table: None,
                key: id.to_string(),
                snapshot: String::new(),
            };
            for participant in &session.participants {
                let own = turn.twin_id == Some(participant.twin_id);
                let content = if own {
                    turn.says.clone()
                } else {
                    let who = match (turn.speaker, &turn.twin_id) {
                        (Speaker::Twin, Some(other)) => session
                            .participants
                            .iter()
                            .find(|p| p.twin_id == *other)
                            .map_or("Another participant".to_owned(), |p| p.name.clone()),
                        (Speaker::Researcher, _) => "The researcher".to_owned(),
                        _ => "The moderator".to_owned(),
                    };
                    format!("{who} said: {}", turn.says)
                };
                let memory = NewMemory {
                    kind: MemoryKind::Episodic,
                    fragment: if own { Fragment::Said } else { Fragment::Heard },
                    content: content.chars().take(600).collect(),
                    // What one says oneself stays with one a little longer.
                    importance: if own { 4 } else { 3 },
                    written_by: WrittenBy::Session,
                    evidence: vec![link.clone()],
                    embedding: None,
                };
                append_memory(&mut tx, participant.twin_id, &workspace, &memory, &now).await?;
            }
        }
        if let (Some(twin), false) = (turn.twin_id, turn.recalled.is_empty()) {
            let tick = tick_clock(&mut tx, twin).await?;
            for memory in &turn.recalled {
                sqlx::query(
                    "UPDATE twin_memories SET last_accessed = ? WHERE id = ? AND twin_id = ?",
                )
                .bind(tick)
                .bind(memory.to_string())
                .bind(twin.to_string())
                .execute(&mut *tx)
                .await?;
            }
        }
        for command in applied {
            sqlx::query("UPDATE session_commands SET applied_at = ? WHERE id = ?")
                .bind(&now)
                .bind(command)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(id))
    }

    pub async fn set_status(
        &self,
        session: SessionId,
        status: SessionStatus,
        paused_reason: Option<&str>,
        failure: Option<&str>,
    ) -> Result<()> {
        let finished = matches!(
            status,
            SessionStatus::Completed | SessionStatus::Cancelled | SessionStatus::Failed
        )
        .then(|| format_instant(now_instant()));
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "UPDATE study_sessions SET status = ?, paused_reason = ?, failure = ?,
                    finished_at = coalesce(?, finished_at)
             WHERE id = ?",
        )
        .bind(status.as_str())
        .bind(paused_reason)
        .bind(failure)
        .bind(&finished)
        .bind(session.to_string())
        .execute(&mut *tx)
        .await?;
        let study_status = match status {
            SessionStatus::Scheduled | SessionStatus::Running => "running",
            other => other.as_str(),
        };
        sqlx::query(
            "UPDATE studies SET status = ?, completed_at = coalesce(?, completed_at)
             WHERE id = (SELECT study_id FROM study_sessions WHERE id = ?)",
        )
        .bind(study_status)
        .bind(&finished)
        .bind(session.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes `job` the session's runner, unless another job is (`replacing` names the runner
    /// this caller saw; `None` when it saw none). `false` when someone else changed the runner
    /// first: their job runs the session.
    pub async fn hand_to(
        &self,
        session: SessionId,
        job: &str,
        replacing: Option<&str>,
    ) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE study_sessions SET runner = ?1
             WHERE id = ?2 AND (runner IS ?3 OR runner = ?1)",
        )
        .bind(job)
        .bind(session.to_string())
        .bind(replacing)
        .execute(self.db.writer())
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    /// The job that runs the session, if one was given it.
    pub async fn runner(&self, session: SessionId) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT runner FROM study_sessions WHERE id = ?")
                .bind(session.to_string())
                .fetch_optional(self.db.reader())
                .await?
                .flatten(),
        )
    }

    /// Moves the session to `section` and marks the skip that asked for it applied, in one
    /// transaction: a run killed in between can never skip twice.
    pub async fn skip_to(&self, session: SessionId, section: u32, command: &str) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE study_sessions SET section = ? WHERE id = ?")
            .bind(i64::from(section))
            .bind(session.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE session_commands SET applied_at = ? WHERE id = ?")
            .bind(format_instant(now_instant()))
            .bind(command)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_section(&self, session: SessionId, section: u32) -> Result<()> {
        sqlx::query("UPDATE study_sessions SET section = ? WHERE id = ?")
            .bind(i64::from(section))
            .bind(session.to_string())
            .execute(self.db.writer())
            .await?;
        Ok(())
    }

    /// Queues a command for the session's runner.
    pub async fn command(&self, session: &Session, kind: CommandKind, text: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO session_commands (id, workspace_id, session_id, kind, text, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(session.workspace_id.to_string())
        .bind(session.id.to_string())
        .bind(kind.as_str())
        .bind(text)
        .bind(format_instant(now_instant()))
        .execute(self.db.writer())
        .await?;
        Ok(())
    }

    /// Commands not yet applied, oldest first.
    pub async fn pending(&self, session: SessionId) -> Result<Vec<Command>> {
        let rows = sqlx::query(
            "SELECT id, kind, text, created_at FROM session_commands
             WHERE session_id = ? AND applied_at IS NULL ORDER BY created_at, id",
        )
        .bind(session.to_string())
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Command {
                    id: row.try_get("id")?,
                    kind: row.parsed("kind")?,
                    text: row.try_get("text")?,
                    created_at: row.instant("created_at")?,
                })
            })
            .collect()
    }

    /// Marks commands applied that no turn carries (a pause, a skip).
    pub async fn applied(&self, commands: &[String]) -> Result<()> {
        let now = format_instant(now_instant());
        for command in commands {
            sqlx::query("UPDATE session_commands SET applied_at = ? WHERE id = ?")
                .bind(&now)
                .bind(command)
                .execute(self.db.writer())
                .await?;
        }
        Ok(())
    }
}

fn session_from(row: &SqliteRow) -> Result<Session> {
    let manifest: String = row.try_get("manifest")?;
    let seed: i64 = row.try_get("seed")?;
    let section: i64 = row.try_get("section")?;
    let finished: Option<String> = row.try_get("finished_at")?;
    Ok(Session {
        id: row.parsed("id")?,
        workspace_id: row.parsed("workspace_id")?,
        study_id: row.parsed("study_id")?,
        title: row.try_get("title")?,
        kind: row.parsed("kind")?,
        status: row.parsed("status")?,
        guide: row.try_get("guide")?,
        manifest: serde_json::from_str(&manifest)
            .map_err(|e| corrupt("a session's manifest", e))?,
        seed: seed as u64,
        paused_reason: row.try_get("paused_reason")?,
        failure: row.try_get("failure")?,
        section: u32::try_from(section).unwrap_or(0),
        participants: Vec::new(),
        created_at: row.instant("created_at")?,
        finished_at: finished
            .map(|text| pw_store::parse_stored_instant("finished_at", &text))
            .transpose()?,
    })
}

fn turn_from(row: &SqliteRow) -> Result<Turn> {
    let recalled: String = row.try_get("recalled")?;
    let stance: Option<i64> = row.try_get("stance")?;
    let number = |column: &'static str| -> Result<u32> {
        let value: i64 = row.try_get(column)?;
        Ok(u32::try_from(value).unwrap_or(0))
    };
    Ok(Turn {
        id: row.parsed("id")?,
        seq: row.try_get("seq")?,
        speaker: row.parsed("speaker")?,
        twin_id: row.parsed_optional("twin_id")?,
        twin_name: row.try_get("twin_name")?,
        says: row.try_get("says")?,
        thinks: row.try_get("thinks")?,
        section: number("section")?,
        question: number("question")?,
        act: row.parsed("act")?,
        words: number("words")?,
        stance: stance.and_then(|s| i8::try_from(s).ok()),
        adherence: row.parsed("adherence")?,
        rejected: row.try_get("rejected")?,
        catch_reason: row.try_get("catch_reason")?,
        written_by: row.try_get("written_by")?,
        recalled: serde_json::from_str(&recalled).map_err(|e| corrupt("a turn's memories", e))?,
        addressed: row.parsed_optional("addressed_to")?,
        created_at: row.instant("created_at")?,
    })
}
