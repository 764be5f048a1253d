//! The model calls a session's transcript rests on, kept as they are made: each request as the
//! session sent it and the answer it used, in order, tagged with the turn it decided or wrote.
//! [`crate::replay`] asks them all again from the response cache, with zero model calls, to
//! show that the transcript is what the models answered.

use pw_domain::{SessionId, WorkspaceId};
use pw_llm::ChatRequest;
use pw_store::{Database, format_instant, now_instant};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::error::{Result, TwinsError};

/// What a call was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A twin's reply (streamed).
    Reply,
    /// The persona check of a reply (structured).
    Check,
    /// The participants' urges to speak (structured).
    Urges,
    /// The moderator's judgement of a section (structured).
    Judgement,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reply => "reply",
            Purpose::Check => "check",
            Purpose::Urges => "urges",
            Purpose::Judgement => "judgement",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        Ok(match text {
            "reply" => Purpose::Reply,
            "check" => Purpose::Check,
            "urges" => Purpose::Urges,
            "judgement" => Purpose::Judgement,
            other => return Err(TwinsError::Corrupt(format!("a call's purpose {other:?}"))),
        })
    }
}

/// One kept call.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    pub ordinal: i64,
    pub seq: i64,
    pub purpose: Purpose,
    /// The request without its scope (the replay gives it one of its own).
    pub request: ChatRequest,
    /// A reply's text, or a structured answer as JSON.
    pub answer: String,
    pub answered_by: String,
}

/// Where one session's calls are kept.
#[derive(Clone, Copy)]
pub struct CallRecord<'a> {
    pub db: &'a Database,
    pub workspace: WorkspaceId,
    pub session: SessionId,
}

impl CallRecord<'_> {
    /// Keeps a call the session used. The same request asked again (a run resumed after a kill
    /// takes its turn anew, and the cache answers) is kept once.
    pub async fn keep(
        &self,
        seq: i64,
        purpose: Purpose,
        request: &ChatRequest,
        answer: &str,
        answered_by: &str,
    ) -> Result<()> {
        let mut unscoped = serde_json::to_value(request)
            .map_err(|e| TwinsError::Corrupt(format!("a request to keep: {e}")))?;
        if let Some(fields) = unscoped.as_object_mut() {
            fields.remove("scope");
        }
        let request_json = unscoped.to_string();
        let key: String = Sha256::digest(request_json.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        sqlx::query(
            "INSERT INTO session_calls (workspace_id, session_id, ordinal, seq, purpose,
                 request_key, request, answer, answered_by, created_at)
             SELECT ?, ?, COALESCE(MAX(ordinal) + 1, 0), ?, ?, ?, ?, ?, ?, ?
             FROM session_calls WHERE session_id = ?
             ON CONFLICT (session_id, request_key) DO NOTHING",
        )
        .bind(self.workspace.to_string())
        .bind(self.session.to_string())
        .bind(seq)
        .bind(purpose.as_str())
        .bind(key)
        .bind(request_json)
        .bind(answer)
        .bind(answered_by)
        .bind(format_instant(now_instant()))
        .bind(self.session.to_string())
        .execute(self.db.writer())
        .await?;
        Ok(())
    }

    /// Keeps a call, or says in the log why the replay will miss it: a session is not stopped
    /// for its record (the turn itself is stored by its own transaction).
    pub async fn keep_or_warn(
        &self,
        seq: i64,
        purpose: Purpose,
        request: &ChatRequest,
        answer: &str,
        answered_by: &str,
    ) {
        if let Err(error) = self.keep(seq, purpose, request, answer, answered_by).await {
            tracing::warn!(%error, purpose = purpose.as_str(), seq, "a session's call was not kept; its replay will miss it");
        }
    }

    /// Which models answered the session's calls, per purpose, each listed once.
    pub async fn answered_by(&self) -> Result<Vec<(Purpose, Vec<String>)>> {
        let rows = sqlx::query(
            "SELECT purpose, answered_by FROM session_calls WHERE session_id = ?
             GROUP BY purpose, answered_by ORDER BY purpose, MIN(ordinal)",
        )
        .bind(self.session.to_string())
        .fetch_all(self.db.reader())
        .await?;
        let mut found: Vec<(Purpose, Vec<String>)> = Vec::new();
        for row in &rows {
            let purpose = Purpose::parse(&row.try_get::<String, _>("purpose")?)?;
            let by: String = row.try_get("answered_by")?;
            match found.iter_mut().find(|(p, _)| *p == purpose) {
                Some((_, models)) => models.push(by),
                None => found.push((purpose, vec![by])),
            }
        }
        Ok(found)
    }

    /// The session's calls in the order they were made.
    pub async fn calls(&self) -> Result<Vec<RecordedCall>> {
        let rows = sqlx::query(
            "SELECT ordinal, seq, purpose, request, answer, answered_by FROM session_calls
             WHERE session_id = ? ORDER BY ordinal",
        )
        .bind(self.session.to_string())
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let request: String = row.try_get("request")?;
                Ok(RecordedCall {
                    ordinal: row.try_get("ordinal")?,
                    seq: row.try_get("seq")?,
                    purpose: Purpose::parse(&row.try_get::<String, _>("purpose")?)?,
                    request: serde_json::from_str(&request)
                        .map_err(|e| TwinsError::Corrupt(format!("a kept request: {e}")))?,
                    answer: row.try_get("answer")?,
                    answered_by: row.try_get("answered_by")?,
                })
            })
            .collect()
    }
}
