//! A survey run answering: every respondent not yet answered goes through the survey in one
//! conversation, block by block, and its answers are stored together once it is through.
//!
//! Respondents answer concurrently (the gateway's rate limits and the local model's batch set
//! the pace); each is written in one transaction, so a run killed mid-way loses only the
//! respondents under way and, resumed, asks only those. A structured answer that does not fit
//! gets one repair round told what is wrong; what still does not fit is an item non-response
//! with its reason, never an answer made up. A rating is asked in the respondent's words and
//! rated by semantic similarity against the question's anchor sets; each set's distribution is
//! stored as it came (temperature 1), so the temperature stays a choice made at analysis.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use futures::StreamExt;
use pw_domain::StudyId;
use pw_llm::{CallScope, ChatMessage, ChatRequest, Gateway, LlmError, Task};
use pw_store::Database;
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio_util::sync::CancellationToken;

use crate::asking::{self, Asked, Given, Persona};
use crate::definition::{self, Answer, QuestionType, Survey};
use crate::error::{Result, SurveysError};
use crate::repository::SurveyStore;
use crate::runs::{Answered, Rated, Respondent, RunStatus, RunStore, StoredAnswer, SurveyRun};
use crate::ssr::{self, DefaultScale};
use crate::universe::{EDUCATION, INCOME, REGION, SEX};

/// How a run answering went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Completed,
    /// Stopped short, with the reason in words (a spent budget); resuming goes on.
    Paused(String),
}

/// How far a run is, as its progress shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunProgress {
    pub answered: usize,
    pub respondents: usize,
    /// Answers stored per minute since this runner started.
    pub answers_per_minute: f64,
    /// What the run's model calls have cost so far, in millionths of a dollar.
    pub spent_micros: i64,
}

/// One run being answered.
pub struct RunAnswering<'a> {
    pub db: &'a Database,
    pub gateway: &'a Gateway,
    pub run: StudyId,
    pub job_id: Option<&'a str>,
    pub cancel: &'a CancellationToken,
    /// Told after each respondent is stored.
    pub on_progress: &'a (dyn Fn(&RunProgress) + Send + Sync),
}

/// A rating question's anchor sets as embedded: one vector per statement, per set.
struct Anchors {
    sets: Vec<Vec<Vec<f32>>>,
    hash: String,
}

/// What every respondent of a run shares: the survey, the anchors, the twins' profiles.
struct Shared {
    survey: Survey,
    blocks: Vec<Vec<usize>>,
    anchors: HashMap<String, Anchors>,
    embedding_model: String,
    twins: HashMap<String, (String, Vec<String>)>,
    /// (dimension, category key) → the words a persona says it in.
    labels: HashMap<(String, String), String>,
    scope: CallScope,
    seed: u64,
}

/// The anchor sets a rating question is rated against: its own, or the scale's defaults.
pub fn anchor_sets(question: &definition::Question) -> Vec<Vec<String>> {
    if !question.anchors.is_empty() {
        return question.anchors.clone();
    }
    let scale = match question.points {
        Some(7) => DefaultScale::Likert7Agreement,
        _ => DefaultScale::Likert5Agreement,
    };
    scale
        .anchor_sets()
        .into_iter()
        .map(|set| set.statements)
        .collect()
}

fn hash_of(sets: &[Vec<String>]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_string(sets).unwrap_or_default().as_bytes());
    hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The point a rating's distributions put most weight on, counting from 1 (the lower point on
/// a tie): what logic and piping read.
fn modal_point(pmfs: &[Vec<f64>]) -> Option<u8> {
    let points = pmfs.first()?.len();
    let mean: Vec<f64> = (0..points)
        .map(|i| pmfs.iter().map(|p| p[i]).sum::<f64>() / pmfs.len() as f64)
        .collect();
    let (best, _) = mean
        .iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |best, (i, &p)| {
            if p > best.1 { (i, p) } else { best }
        });
    u8::try_from(best + 1).ok()
}

/// Errors that asking again would meet again: the model refused, its answer stayed broken after
/// the gateway's own repair, or the prompt does not fit. Rate limits, dropped connections and
/// vendor outages are not among them: the run stops and the job tries again.
pub(crate) fn lasting(error: &LlmError) -> bool {
    matches!(
        error,
        LlmError::Refused { .. }
            | LlmError::InvalidStructuredOutput { .. }
            | LlmError::MalformedResponse { .. }
            | LlmError::EmptyAnswer { .. }
            | LlmError::ContextTooLong { .. }
            | LlmError::RequestTooLarge { .. }
    )
}

/// An answer as the conversation's history carries it.
fn history_value(answer: &Answer, text: &str, question: &definition::Question) -> Value {
    match answer {
        Answer::Choice(id) => json!(id),
        Answer::Choices(ids) | Answer::Ranking(ids) => json!(ids),
        Answer::Point(_) | Answer::Text(_) => json!(text),
        Answer::Score(score) => json!(score),
        Answer::Number(n) => json!(n),
        Answer::Points(points) => {
            let rows: Map<String, Value> = question
                .rows
                .iter()
                .zip(points)
                .map(|(row, p)| (row.id.clone(), json!(p)))
                .collect();
            Value::Object(rows)
        }
        Answer::NonResponse => Value::Null,
    }
}

/// The most a block's answer may take, in tokens.
fn block_tokens(survey: &Survey, asked: &[Asked]) -> u32 {
    let per_question: u32 = asked
        .iter()
        .map(|a| {
            let question = &survey.questions[a.index];
            match question.kind {
                QuestionType::Likert | QuestionType::Open => 150,
                QuestionType::Matrix => 12 * question.rows.len() as u32 + 10,
                QuestionType::MultipleChoice | QuestionType::Ranking => {
                    8 * question.options.len() as u32 + 10
                }
                _ => 16,
            }
        })
        .sum();
    per_question + 20
}

impl RunAnswering<'_> {
    fn store(&self) -> RunStore<'_> {
        RunStore::new(self.db)
    }

    /// Answers every respondent not yet answered.
    pub async fn run(&self) -> Result<RunOutcome> {
        let run = self.store().run(self.run).await?;
        if run.status == RunStatus::Completed {
            return Ok(RunOutcome::Completed);
        }
        self.store()
            .set_status(self.run, RunStatus::Running, "")
            .await?;
        let shared = match self.prepare(&run).await {
            Ok(shared) => shared,
            Err(SurveysError::Model(error @ LlmError::BudgetReached { .. })) => {
                return self.pause(&error, run.answered).await;
            }
            Err(error) => return Err(error),
        };
        let pending: Vec<Respondent> = self
            .store()
            .respondents(self.run)
            .await?
            .into_iter()
            .filter(|r| !r.answered)
            .collect();
        let mut answered = run.answered;
        let known_models: BTreeSet<String> =
            self.store().run(self.run).await?.manifest["answered_by"]
                .as_array()
                .map(|models| {
                    models
                        .iter()
                        .filter_map(|m| m.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
        // Held only between awaits, never across one.
        let known_models = std::sync::Mutex::new(known_models);
        let started = Instant::now();
        let mut answers_stored = 0usize;
        let workspace = run.workspace_id;
        let mut answering = futures::stream::iter(pending)
            .map(|respondent| {
                let shared = &shared;
                let known_models = &known_models;
                async move {
                    let answered = self.answer(shared, &respondent).await?;
                    // Everything a respondent writes is written inside its own future. A write
                    // awaited outside the stream would wait for the database's one writer
                    // connection while an unpolled respondent holds it half-way through
                    // recording a model call: neither could move.
                    let stored = self
                        .store()
                        .store_answers(self.run, workspace, &answered)
                        .await?;
                    let grown = {
                        let mut known = known_models
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        let before = known.len();
                        known.extend(answered.answered_by.iter().cloned());
                        (known.len() > before).then(|| json!(*known))
                    };
                    if let Some(models) = grown {
                        self.store()
                            .set_manifest_field(self.run, "answered_by", &models)
                            .await?;
                    }
                    let spent = self.store().spend_micros(self.run).await?;
                    Ok::<_, SurveysError>((answered.answers.len(), stored, spent))
                }
            })
            .buffer_unordered(run.concurrency.max(1));
        loop {
            let next = tokio::select! {
                next = answering.next() => next,
                () = self.cancel.cancelled() => return Err(SurveysError::Cancelled),
            };
            let Some(result) = next else { break };
            let (count, stored, spent_micros) = match result {
                Ok(done) => done,
                Err(SurveysError::Model(error @ LlmError::BudgetReached { .. })) => {
                    // The respondents under way stop here, before the run's status is written.
                    drop(answering);
                    return self.pause(&error, answered).await;
                }
                Err(error) => return Err(error),
            };
            if stored {
                answered += 1;
                answers_stored += count;
            }
            let minutes = started.elapsed().as_secs_f64() / 60.0;
            (self.on_progress)(&RunProgress {
                answered,
                respondents: run.respondents,
                answers_per_minute: if minutes > 0.0 {
                    answers_stored as f64 / minutes
                } else {
                    0.0
                },
                spent_micros,
            });
        }
        drop(answering);
        self.store()
            .set_status(self.run, RunStatus::Completed, "")
            .await?;
        let minutes = started.elapsed().as_secs_f64() / 60.0;
        (self.on_progress)(&RunProgress {
            answered,
            respondents: run.respondents,
            answers_per_minute: if minutes > 0.0 {
                answers_stored as f64 / minutes
            } else {
                0.0
            },
            spent_micros: self.store().spend_micros(self.run).await?,
        });
        Ok(RunOutcome::Completed)
    }

    /// A spent budget pauses the run with the gateway's words; raising it and resuming goes on.
    async fn pause(&self, error: &LlmError, answered: usize) -> Result<RunOutcome> {
        let note = format!(
            "Paused: {error}. Raise the study's budget and resume; the {answered} respondents answered are kept."
        );
        self.store()
            .set_status(self.run, RunStatus::Paused, &note)
            .await?;
        Ok(RunOutcome::Paused(note))
    }

    /// The survey as the run asks it, its rating anchors embedded, the twins' profiles, and the
    /// manifest written.
    async fn prepare(&self, run: &SurveyRun) -> Result<Shared> {
        let survey = SurveyStore::new(self.db)
            .version(run.survey_id, run.survey_version)
            .await?;
        let mut scope = CallScope::study(run.workspace_id.to_string(), self.run.to_string());
        if let Some(job) = self.job_id {
            scope = scope.with_job(job);
        }
        let mut statements = Vec::new();
        let mut layout = Vec::new();
        for question in survey
            .questions
            .iter()
            .filter(|q| q.kind == QuestionType::Likert)
        {
            let sets = anchor_sets(question);
            layout.push((
                question.id.clone(),
                sets.iter().map(Vec::len).collect::<Vec<_>>(),
                hash_of(&sets),
            ));
            statements.extend(sets.into_iter().flatten());
        }
        let mut anchors = HashMap::new();
        let mut embedding_model = String::new();
        if !statements.is_empty() {
            let embedded = self.gateway.embed_answered(&scope, &statements).await?;
            embedding_model = format!("{}/{}", embedded.vendor, embedded.model);
            let mut vectors = embedded.vectors.into_iter();
            for (id, sizes, hash) in layout {
                let sets = sizes
                    .iter()
                    .map(|&n| vectors.by_ref().take(n).collect())
                    .collect();
                anchors.insert(id, Anchors { sets, hash });
            }
        }
        let twin_ids: BTreeSet<String> = self
            .store()
            .respondents(self.run)
            .await?
            .into_iter()
            .filter_map(|r| r.twin_id)
            .collect();
        let mut twins = HashMap::new();
        for id in twin_ids {
            let row = sqlx::query("SELECT persona FROM twins WHERE id = ?")
                .bind(&id)
                .fetch_optional(self.db.reader())
                .await?;
            let Some(row) = row else { continue };
            let persona: String = row.try_get("persona")?;
            let persona: Value = serde_json::from_str(&persona)
                .map_err(|e| SurveysError::Corrupt(format!("the profile of twin {id}: {e}")))?;
            let text = |key: &str| persona[key].as_str().unwrap_or_default().to_owned();
            let mut traits: Vec<String> = Vec::new();
            for key in ["psychographics", "goals", "pain_points", "objections"] {
                if let Some(items) = persona[key].as_array() {
                    traits.extend(
                        items
                            .iter()
                            .filter_map(Value::as_str)
                            .take(2)
                            .map(str::to_owned),
                    );
                }
            }
            let relationship = text("brand_relationship");
            if !relationship.is_empty() {
                traits.push(relationship);
            }
            twins.insert(id, (text("summary"), traits));
        }
        let answering_model = self
            .gateway
            .routes_for(Task::TwinDialogue, &scope)
            .ok()
            .and_then(|routes| routes.into_iter().next())
            .map(|r| format!("{}/{}", r.vendor, r.model))
            .unwrap_or_default();
        // Who answered is added to, never replaced: a run resumed on another model says both.
        let answered_by = run.manifest["answered_by"].clone();
        let manifest = json!({
            "answered_by": if answered_by.is_array() { answered_by } else { json!([]) },
            "prompt_version": asking::PROMPT_VERSION,
            "answering_model": answering_model,
            "embedding_model": embedding_model,
            "anchors": anchors.iter().map(|(id, a)| (id.clone(), json!(a.hash))).collect::<Map<String, Value>>(),
            "ssr_epsilon": 0.0,
            "order_split": "respondents at odd positions see options in reverse",
            "blocks": definition::blocks(&survey).len(),
        });
        self.store().set_manifest(self.run, &manifest).await?;
        let labels = run
            .universe
            .dimensions
            .iter()
            .flat_map(|d| {
                d.categories
                    .iter()
                    .zip(&d.labels)
                    .map(|(key, label)| ((d.name.clone(), key.clone()), label.clone()))
            })
            .collect();
        Ok(Shared {
            labels,
            blocks: definition::blocks(&survey),
            survey,
            anchors,
            embedding_model,
            twins,
            scope,
            seed: run.seed,
        })
    }

    /// One respondent through the whole survey, in one conversation.
    async fn answer(&self, shared: &Shared, respondent: &Respondent) -> Result<Answered> {
        let survey = &shared.survey;
        let draw = &respondent.draw;
        let (summary, traits) = respondent
            .twin_id
            .as_ref()
            .and_then(|id| shared.twins.get(id))
            .cloned()
            .unwrap_or_default();
        let category = |name: &str| {
            draw.categories.get(name).map(|key| {
                shared
                    .labels
                    .get(&(name.to_owned(), key.clone()))
                    .cloned()
                    .unwrap_or_else(|| key.clone())
            })
        };
        let persona = Persona {
            age: draw.age,
            sex: category(SEX),
            region: category(REGION),
            income: category(INCOME),
            education: category(EDUCATION),
            summary,
            traits,
            memories: respondent
                .memories
                .iter()
                .map(|m| m.content.clone())
                .collect(),
        };
        let mut messages = vec![ChatMessage::system(asking::persona_prompt(
            &persona, survey,
        ))];
        let reversed = respondent.index % 2 == 1;
        let respondent_seed =
            shared.seed ^ (respondent.index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut answers: BTreeMap<String, Answer> = BTreeMap::new();
        let mut stored = Vec::new();
        let mut next = 0usize;
        let mut calls = 0u32;
        let mut prompt_tokens = 0u64;
        let mut answered_by = BTreeSet::new();
        for block in &shared.blocks {
            let asked: Vec<Asked> = block
                .iter()
                .copied()
                .filter(|&index| index >= next)
                .filter(|&index| {
                    survey.questions[index]
                        .display_if
                        .as_ref()
                        .is_none_or(|condition| definition::holds(condition, &answers))
                })
                .map(|index| Asked {
                    index,
                    order: definition::option_order(
                        &survey.questions[index],
                        index,
                        shared.seed,
                        respondent.index as u64,
                        reversed,
                    ),
                })
                .collect();
            if asked.is_empty() {
                continue;
            }
            let schema = asking::block_schema(survey, &asked);
            messages.push(ChatMessage::user(asking::block_prompt(
                survey, &asked, &answers,
            )));
            let mut request = ChatRequest::new(Task::TwinDialogue, messages.clone())
                .in_scope(shared.scope.clone());
            request.temperature = Some(1.0);
            request.max_tokens = Some(block_tokens(survey, &asked));
            request.seed = Some(respondent_seed as i64);
            calls += 1;
            let reply = match self
                .gateway
                .chat_matching(&request, &schema, "survey_answers")
                .await
            {
                Ok(reply) => reply,
                // Asking again would fail the same way: the block's questions are item
                // non-responses with the model's words, and the respondent goes on.
                Err(error) if lasting(&error) => {
                    let reason = format!("the model gave no usable answer: {error}");
                    for item in &asked {
                        let question = &survey.questions[item.index];
                        answers.insert(question.id.clone(), Answer::NonResponse);
                        stored.push(StoredAnswer {
                            respondent: respondent.index,
                            question: question.id.clone(),
                            value: None,
                            rated: None,
                            text: String::new(),
                            non_response: Some(reason.clone()),
                            option_order: (!item.order.is_empty()).then(|| item.order.clone()),
                            reversed: reversed && !item.order.is_empty(),
                        });
                    }
                    messages.push(ChatMessage::assistant("{}"));
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            prompt_tokens += u64::from(reply.usage.input_tokens);
            answered_by.insert(format!("{}/{}", reply.vendor, reply.model));
            let mut read = asking::read_block(survey, &asked, &reply.text);
            let problems: Vec<(String, String)> = read
                .iter()
                .filter_map(|(id, r)| r.as_ref().err().map(|e| (id.clone(), e.clone())))
                .collect();
            if !problems.is_empty() {
                let mut repair = request.clone();
                repair
                    .messages
                    .push(ChatMessage::assistant(reply.text.clone()));
                repair
                    .messages
                    .push(ChatMessage::user(asking::repair_prompt(&problems)));
                calls += 1;
                match self
                    .gateway
                    .chat_matching(&repair, &schema, "survey_answers")
                    .await
                {
                    Ok(repaired) => {
                        prompt_tokens += u64::from(repaired.usage.input_tokens);
                        let again = asking::read_block(survey, &asked, &repaired.text);
                        for (id, _) in &problems {
                            if let Some(result) = again.get(id) {
                                read.insert(id.clone(), result.clone());
                            }
                        }
                    }
                    // The first answers that fit are kept; the others keep their reasons.
                    Err(error) if lasting(&error) => {
                        tracing::info!(%error, "a repair round gave nothing usable");
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            // Ratings in the respondent's words, embedded together.
            let ratings: Vec<(String, String)> = read
                .iter()
                .filter_map(|(id, r)| match r {
                    Ok(Given::Rating(text)) => Some((id.clone(), text.clone())),
                    _ => None,
                })
                .collect();
            let mut rated: HashMap<String, Rated> = HashMap::new();
            if !ratings.is_empty() {
                let texts: Vec<String> = ratings.iter().map(|(_, t)| t.clone()).collect();
                let embedded = self.gateway.embed_answered(&shared.scope, &texts).await?;
                let model = format!("{}/{}", embedded.vendor, embedded.model);
                // Vectors of two models are not comparable: a rating embedded by another
                // model than its anchors (a fallback route) is not rated, and says why.
                let comparable = model == shared.embedding_model;
                if !comparable {
                    for (id, _) in &ratings {
                        read.insert(
                            id.clone(),
                            Err(format!(
                                "the answer was embedded by {model} but the scale's anchors by {}, so it could not be rated",
                                shared.embedding_model
                            )),
                        );
                    }
                }
                let vectors = if comparable {
                    embedded.vectors
                } else {
                    Vec::new()
                };
                for ((id, _), vector) in ratings.iter().zip(vectors) {
                    let Some(anchors) = shared.anchors.get(id) else {
                        continue;
                    };
                    let pmfs = anchors
                        .sets
                        .iter()
                        .map(|set| ssr::pmf(&vector, set, 0.0, 1.0))
                        .collect::<std::result::Result<Vec<_>, _>>()?;
                    rated.insert(
                        id.clone(),
                        Rated {
                            pmfs,
                            model: shared.embedding_model.clone(),
                            anchors: anchors.hash.clone(),
                        },
                    );
                }
            }
            let mut accepted = Map::new();
            for item in &asked {
                let question = &survey.questions[item.index];
                let result = read
                    .remove(&question.id)
                    .unwrap_or_else(|| Err("no answer was given".to_owned()));
                let (value, text, rating, non_response) = match result {
                    Ok(Given::Answer(answer)) => {
                        let text = match &answer {
                            Answer::Text(text) => text.clone(),
                            _ => String::new(),
                        };
                        (Some(answer), text, None, None)
                    }
                    Ok(Given::Rating(text)) => match rated.remove(&question.id) {
                        Some(rating) => match modal_point(&rating.pmfs) {
                            Some(point) => (Some(Answer::Point(point)), text, Some(rating), None),
                            None => (
                                None,
                                text,
                                None,
                                Some("the rating could not be made".to_owned()),
                            ),
                        },
                        None => (
                            None,
                            text,
                            None,
                            Some("the rating could not be made".to_owned()),
                        ),
                    },
                    Err(reason) => (None, String::new(), None, Some(reason)),
                };
                let answer = value.clone().unwrap_or(Answer::NonResponse);
                accepted.insert(question.id.clone(), history_value(&answer, &text, question));
                answers.insert(question.id.clone(), answer);
                stored.push(StoredAnswer {
                    respondent: respondent.index,
                    question: question.id.clone(),
                    value,
                    rated: rating,
                    text,
                    non_response,
                    option_order: (!item.order.is_empty()).then(|| item.order.clone()),
                    reversed: reversed && !item.order.is_empty(),
                });
            }
            // The history keeps what was accepted, not a failed attempt and its repair.
            messages.push(ChatMessage::assistant(Value::Object(accepted).to_string()));
            // Skip rules sit on a block's last question.
            if let Some(last) = asked.last()
                && last.index == *block.last().unwrap_or(&last.index)
            {
                let question = &survey.questions[last.index];
                if let Some(rule) = question
                    .skip
                    .iter()
                    .find(|r| definition::holds(&r.when, &answers))
                {
                    next = survey
                        .questions
                        .iter()
                        .position(|q| q.id == rule.to)
                        .unwrap_or(survey.questions.len());
                }
            }
        }
        Ok(Answered {
            respondent: respondent.index,
            answers: stored,
            calls,
            prompt_tokens,
            answered_by: answered_by.into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_modal_point_is_where_the_sets_together_put_most_weight() {
        let pmfs = vec![vec![0.1, 0.2, 0.7], vec![0.1, 0.6, 0.3]];
        // Means 0.1, 0.4, 0.5.
        assert_eq!(modal_point(&pmfs), Some(3));
        assert_eq!(modal_point(&[vec![0.5, 0.5]]), Some(1));
        assert_eq!(modal_point(&[]), None);
    }
}
