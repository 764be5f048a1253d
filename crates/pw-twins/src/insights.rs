//! What a session found: themes with supporting quotes, where the twins agreed and disagreed,
//! recommended actions, each citing the turns it rests on; and, computed from the transcript
//! rather than written by a model, the Says/Thinks gaps and the group's dynamics.
//!
//! A model reads the participants' turns as handles (`T1`, `T2`, …) and writes the items; every
//! item is checked after generation: it must cite at least one turn it was shown, a theme's
//! quotes must be participant turns, and any figure it states must be stated in a turn it
//! cites. Quotes are the turns' own words, looked up by the citation, never text the model
//! wrote. Items that fail are dropped and counted (a version whose every item was dropped says
//! so); a model that fails (no answer, broken JSON) leaves no new version.

use chrono::{DateTime, Utc};
use pw_domain::{SessionId, TurnId};
use pw_llm::{CallScope, ChatMessage, ChatRequest, Gateway, Task};
use pw_store::{Database, TypedColumns, format_instant, now_instant};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::error::{Result, TwinsError};
use crate::grounded_memory::figures;
use crate::session::{Session, SessionStore, Turn};
use crate::vocabulary::{Act, Speaker};

/// The most words of one turn an insights prompt quotes.
const TURN_WORDS: usize = 80;
/// The most words of one moderator question an insights prompt repeats.
const QUESTION_WORDS: usize = 30;
/// What the questions asked and the quoted turns may take of the embedded model's 2,048
/// tokens: the rest is the instructions, the answer's schema and the reply. The listing is
/// counted by an estimate, and the model's tokenizer has counted up to 92 more tokens than it
/// on a session's words (an e2e run on 2026-11-30: 2,140 of 2,048): the margin is kept wide.
const LISTING_TOKENS: u32 = 540;
/// The longest insights reply, in tokens: five themes and the three lists, briefly.
const REPLY_TOKENS: u32 = 640;

/// The first `most` words of `text`, marked as cut when they are not all of it.
fn first_words(text: &str, most: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() > most {
        format!("{} …", words[..most].join(" "))
    } else {
        text.to_owned()
    }
}

pub const INSIGHTS_VERSION: &str = "insights/2";
/// Low: insights report what the turns say.
pub const INSIGHTS_TEMPERATURE: f32 = 0.2;
/// Participant turns shown to the model, the most recent last; a long session is read from its
/// latest turns when they do not all fit.
const TURNS_SHOWN: usize = 60;

/// A turn an item cites, with its words as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub turn_id: TurnId,
    pub seq: i64,
    pub speaker: String,
    pub says: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub text: String,
    pub quotes: Vec<Quote>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Theme {
    pub title: String,
    pub summary: String,
    pub quotes: Vec<Quote>,
}

/// An answer whose thought parts from what was said (interviews).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapItem {
    pub quote: Quote,
    pub thinks: String,
    pub reservations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightsBody {
    pub themes: Vec<Theme>,
    pub agreements: Vec<Item>,
    pub disagreements: Vec<Item>,
    pub actions: Vec<Item>,
    pub gaps: Vec<GapItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Insights {
    pub id: String,
    pub session_id: SessionId,
    pub version: i64,
    pub written_by: String,
    pub items_checked: i64,
    pub items_dropped: i64,
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub body: InsightsBody,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct ModelTheme {
    #[schemars(length(max = 80))]
    title: String,
    #[schemars(length(max = 300))]
    summary: String,
    #[schemars(length(max = 4), inner(regex(pattern = r"^T[1-9][0-9]?$")))]
    quotes: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct ModelItem {
    #[schemars(length(max = 300))]
    text: String,
    #[schemars(length(max = 4), inner(regex(pattern = r"^T[1-9][0-9]?$")))]
    turns: Vec<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
struct ModelInsights {
    #[schemars(length(max = 5))]
    themes: Vec<ModelTheme>,
    #[schemars(length(max = 4))]
    agreements: Vec<ModelItem>,
    #[schemars(length(max = 4))]
    disagreements: Vec<ModelItem>,
    #[schemars(length(max = 4))]
    actions: Vec<ModelItem>,
}

/// Why an item was dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropped {
    NoCitation,
    UnknownTurn(String),
    Empty,
    /// A figure none of its cited turns states.
    Figure(String),
    /// Agreement or disagreement shown by fewer participants than it takes.
    TooFewVoices {
        needed: usize,
        cited: usize,
    },
}

/// The cited turns of a drafted item, or why it cannot be kept: it must name at least one of
/// the `shown` turns (by handle, `T1` first), say something, and state no figure those turns do
/// not state.
pub fn check_item<'t>(
    text: &str,
    cites: &[String],
    shown: &'t [Turn],
    voices: usize,
) -> std::result::Result<Vec<&'t Turn>, Dropped> {
    if text.trim().is_empty() {
        return Err(Dropped::Empty);
    }
    if cites.is_empty() {
        return Err(Dropped::NoCitation);
    }
    let mut cited: Vec<&Turn> = Vec::new();
    for handle in cites {
        let index = handle
            .trim()
            .strip_prefix(['T', 't'])
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=shown.len()).contains(n))
            .ok_or_else(|| Dropped::UnknownTurn(handle.clone()))?;
        let turn = &shown[index - 1];
        if !cited.iter().any(|t| t.id == turn.id) {
            cited.push(turn);
        }
    }
    let speakers: std::collections::BTreeSet<Option<pw_domain::TwinId>> =
        cited.iter().map(|t| t.twin_id).collect();
    if speakers.len() < voices {
        return Err(Dropped::TooFewVoices {
            needed: voices,
            cited: speakers.len(),
        });
    }
    let stated: Vec<String> = cited.iter().flat_map(|t| figures(&t.says)).collect();
    if let Some(figure) = figures(text).into_iter().find(|f| !stated.contains(f)) {
        return Err(Dropped::Figure(figure));
    }
    Ok(cited)
}

fn quote(turn: &Turn) -> Quote {
    Quote {
        turn_id: turn.id,
        seq: turn.seq,
        speaker: turn
            .twin_name
            .clone()
            .unwrap_or_else(|| "Participant".into()),
        says: turn.says.clone(),
    }
}

/// The answers whose thoughts part from their words, from the transcript alone.
pub fn gaps(turns: &[Turn]) -> Vec<GapItem> {
    turns
        .iter()
        .filter(|t| t.speaker == Speaker::Twin)
        .filter_map(|t| {
            let thinks = t.thinks.as_deref()?;
            let gap = crate::says_thinks::gap(&t.says, Some(thinks))?;
            gap.diverges.then(|| GapItem {
                quote: quote(t),
                thinks: thinks.to_owned(),
                reservations: gap.reservations,
            })
        })
        .collect()
}

pub struct InsightWriter<'a> {
    pub db: &'a Database,
    pub gateway: &'a Gateway,
    pub session: SessionId,
    pub job_id: Option<&'a str>,
}

impl InsightWriter<'_> {
    /// Writes and stores the next version of the session's insights; returns it.
    pub async fn write(&self) -> Result<Insights> {
        let store = SessionStore::new(self.db);
        let session = store.session(self.session).await?;
        let turns = store.turns(self.session).await?;
        let answers: Vec<Turn> = turns
            .iter()
            .filter(|t| t.speaker == Speaker::Twin && t.act == Act::Answer)
            .cloned()
            .collect();
        if answers.is_empty() {
            return Err(TwinsError::Invalid(format!(
                "“{}” has no answers yet to draw insights from",
                session.title
            )));
        }
        let shown: Vec<Turn> = answers[answers.len().saturating_sub(TURNS_SHOWN)..].to_vec();
        let (drafted, written_by) = match self.ask(&session, &turns, &shown).await {
            Ok(answer) => answer,
            // The model's answer stayed broken after its repair (a small model running out of
            // room mid-list): recorded as insights with nothing of the model's in them, the
            // gaps still read from the transcript, never as invented content.
            Err(TwinsError::Model(pw_llm::LlmError::InvalidStructuredOutput {
                vendor, ..
            })) => {
                tracing::warn!(%vendor, "the model gave no usable insights");
                (
                    ModelInsights::default(),
                    format!("{vendor} (no usable answer)"),
                )
            }
            Err(error) => return Err(error),
        };
        let mut checked = 0i64;
        let mut dropped = 0i64;
        let mut keep = |text: &str, cites: &[String], voices: usize| -> Option<Vec<Quote>> {
            checked += 1;
            match check_item(text, cites, &shown, voices) {
                Ok(cited) => Some(cited.into_iter().map(quote).collect()),
                Err(reason) => {
                    tracing::info!(?reason, "an insight was dropped");
                    dropped += 1;
                    None
                }
            }
        };
        let themes: Vec<Theme> = drafted
            .themes
            .into_iter()
            .filter_map(|t| {
                let text = format!("{} {}", t.title, t.summary);
                keep(&text, &t.quotes, 1).map(|quotes| Theme {
                    title: t.title.trim().to_owned(),
                    summary: t.summary.trim().to_owned(),
                    quotes,
                })
            })
            .collect();
        // Agreement and disagreement take two voices; in an interview there is one, so none
        // can be shown.
        let mut items = |drafts: Vec<ModelItem>, voices: usize| -> Vec<Item> {
            drafts
                .into_iter()
                .filter_map(|d| {
                    keep(&d.text, &d.turns, voices).map(|quotes| Item {
                        text: d.text.trim().to_owned(),
                        quotes,
                    })
                })
                .collect()
        };
        let agreements = items(drafted.agreements, 2);
        let disagreements = items(drafted.disagreements, 2);
        let actions = items(drafted.actions, 1);
        let body = InsightsBody {
            themes,
            agreements,
            disagreements,
            actions,
            gaps: gaps(&turns),
        };
        // Nothing the model wrote held up: the version is still stored, with the gaps and the
        // count of what was dropped, so the reader sees that no theme could be grounded rather
        // than an error or, worse, ungrounded themes.
        self.store(&session, &written_by, checked, dropped, &body)
            .await
    }

    async fn ask(
        &self,
        session: &Session,
        turns: &[Turn],
        shown: &[Turn],
    ) -> Result<(ModelInsights, String)> {
        // What was asked counts against the same budget as the quoted turns: a session whose
        // moderator asked and probed more must still fit (one went 28 tokens over).
        // The questions take at most a third of it, the earliest first, so the turns always
        // have room.
        let mut asked_tokens: u32 = 0;
        let questions: Vec<String> = turns
            .iter()
            .filter(|t| t.speaker != Speaker::Twin)
            .map(|t| first_words(&t.says, QUESTION_WORDS))
            .take_while(|q| {
                asked_tokens += (q.chars().count() / 4 + 1) as u32;
                asked_tokens <= LISTING_TOKENS / 3
            })
            .collect();
        let asked_tokens: u32 = questions
            .iter()
            .map(|q| (q.chars().count() / 4 + 1) as u32)
            .sum();
        // The embedded model reads 2,048 tokens, the answer's schema and reply included: the
        // turns go in, each cut to its first words, for as long as they fit, the earliest first
        // (a long session is summarised from what fits; handles keep their numbers, so every
        // citation still points at its turn).
        let lines: Vec<String> = shown
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let cut = first_words(&t.says, TURN_WORDS);
                format!(
                    "T{}: {}: {cut}\n",
                    i + 1,
                    t.twin_name.as_deref().unwrap_or("Participant")
                )
            })
            .collect();
        let parts: Vec<pw_llm::prompt_budget::Part> = lines
            .iter()
            .enumerate()
            .map(|(i, line)| pw_llm::prompt_budget::Part {
                priority: i as u32,
                tokens: (line.chars().count() / 4 + 1) as u32,
                required: false,
            })
            .collect();
        let kept = pw_llm::prompt_budget::fit(&parts, LISTING_TOKENS.saturating_sub(asked_tokens))
            .map_err(|e| TwinsError::Invalid(e.to_string()))?;
        let listing: String = kept.iter().map(|&i| lines[i].as_str()).collect();
        let prompt = format!(
            "Session: {}\nWhat was asked:\n{}\nWhat the participants said:\n{listing}\nWrite the session's insights for a marketer: up to five themes (a title, a one-sentence summary, and the handles of up to four turns that show it), where the participants agree and where they disagree, and recommended actions. Every item cites the handles of the turns it rests on (for example [\"T2\", \"T5\"]). Use only what the turns say; state no number they do not state.",
            session.title,
            questions.join("\n")
        );
        let mut scope = CallScope::study(
            session.workspace_id.to_string(),
            session.study_id.to_string(),
        );
        if let Some(job) = self.job_id {
            scope = scope.with_job(job);
        }
        let mut request = ChatRequest::new(
            Task::Analysis,
            vec![
                ChatMessage::system(
                    "You are a qualitative market researcher. You report only what the transcript shows, and cite it.",
                ),
                ChatMessage::user(prompt),
            ],
        )
        .in_scope(scope);
        request.temperature = Some(INSIGHTS_TEMPERATURE);
        request.max_tokens = Some(REPLY_TOKENS);
        let answer = self
            .gateway
            .chat_json_answered::<ModelInsights>(&request)
            .await
            .map_err(TwinsError::Model)?;
        Ok((answer.value, format!("{}/{}", answer.vendor, answer.model)))
    }

    async fn store(
        &self,
        session: &Session,
        written_by: &str,
        checked: i64,
        dropped: i64,
        body: &InsightsBody,
    ) -> Result<Insights> {
        let json = serde_json::to_string(body)
            .map_err(|e| TwinsError::Corrupt(format!("insights: {e}")))?;
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.db.begin_write().await?;
        let version: i64 = sqlx::query_scalar(
            "SELECT coalesce(max(version), 0) + 1 FROM session_insights WHERE session_id = ?",
        )
        .bind(session.id.to_string())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO session_insights (id, workspace_id, session_id, version, written_by,
                                           body, items_checked, items_dropped, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(session.workspace_id.to_string())
        .bind(session.id.to_string())
        .bind(version)
        .bind(written_by)
        .bind(&json)
        .bind(checked)
        .bind(dropped)
        .bind(format_instant(now_instant()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        latest(self.db, session.id)
            .await?
            .ok_or_else(|| TwinsError::Corrupt("insights just written are missing".into()))
    }
}

/// The session's latest insights, if any were written.
pub async fn latest(db: &Database, session: SessionId) -> Result<Option<Insights>> {
    let row = sqlx::query(
        "SELECT id, session_id, version, written_by, body, items_checked, items_dropped,
                created_at
         FROM session_insights WHERE session_id = ? ORDER BY version DESC LIMIT 1",
    )
    .bind(session.to_string())
    .fetch_optional(db.reader())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let body: String = row.try_get("body")?;
    Ok(Some(Insights {
        id: row.try_get("id")?,
        session_id: row.parsed("session_id")?,
        version: row.try_get("version")?,
        written_by: row.try_get("written_by")?,
        items_checked: row.try_get("items_checked")?,
        items_dropped: row.try_get("items_dropped")?,
        created_at: row.instant("created_at")?,
        body: serde_json::from_str(&body)
            .map_err(|e| TwinsError::Corrupt(format!("stored insights: {e}")))?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(seq: i64, says: &str) -> Turn {
        Turn {
            id: TurnId::new(),
            seq,
            speaker: Speaker::Twin,
            twin_id: None,
            twin_name: Some("Maya R.".into()),
            says: says.into(),
            thinks: None,
            section: 0,
            question: 1,
            act: Act::Answer,
            words: 0,
            stance: None,
            adherence: crate::vocabulary::Adherence::Passed,
            rejected: None,
            catch_reason: None,
            written_by: String::new(),
            recalled: Vec::new(),
            addressed: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn an_item_is_kept_only_with_turns_it_was_shown_and_their_figures() {
        let shown = vec![
            turn(1, "I'd pay 25 dollars for it."),
            turn(3, "Too pricey for me."),
        ];
        let cites = |h: &[&str]| h.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let kept = check_item(
            "Price splits the group",
            &cites(&["T1", "t2", "T1"]),
            &shown,
            1,
        )
        .unwrap();
        assert_eq!(kept.len(), 2, "a turn cited twice is quoted once");
        assert_eq!(
            check_item("One would pay 25 dollars", &cites(&["T1"]), &shown, 1).map(|c| c.len()),
            Ok(1)
        );
        assert_eq!(
            check_item("Most would pay 40 dollars", &cites(&["T1"]), &shown, 1).unwrap_err(),
            Dropped::Figure("40".into())
        );
        assert_eq!(
            check_item("Price", &cites(&["T3"]), &shown, 1).unwrap_err(),
            Dropped::UnknownTurn("T3".into())
        );
        assert_eq!(
            check_item("Price", &[], &shown, 1).unwrap_err(),
            Dropped::NoCitation
        );
        assert_eq!(
            check_item(" ", &cites(&["T1"]), &shown, 1).unwrap_err(),
            Dropped::Empty
        );
        // Both turns are one twin's: no agreement between participants can rest on them.
        assert_eq!(
            check_item("They agree on price", &cites(&["T1", "T2"]), &shown, 2).unwrap_err(),
            Dropped::TooFewVoices {
                needed: 2,
                cited: 1
            }
        );
    }

    #[test]
    fn gaps_come_from_the_transcript_not_the_model() {
        let mut hidden = turn(1, "The box is lovely.");
        hidden.thinks = Some("Honestly it is expensive.".into());
        let mut open = turn(3, "The box is lovely for gifts.");
        open.thinks = Some("The box is lovely for gifts, yes.".into());
        let found = gaps(&[hidden.clone(), open]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].quote.turn_id, hidden.id);
        assert_eq!(found[0].reservations, ["honestly", "expensive"]);
    }
}
