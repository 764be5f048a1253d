//! Open answers coded into themes once a run has answered: the answers to each open question
//! embedded, grouped by spherical k-means (the same as mention themes), and each group named by
//! the model from its most typical quotes. A name is kept only when it shares a word with the
//! quotes it names; otherwise, or when the model gives nothing usable, the group is named by its
//! most distinctive words and says so. Members and quotes are respondents' positions, so every
//! count and quote traces to a stored answer. Coded once per run and question; a run resumed
//! after coding does not code again.

use std::collections::BTreeSet;

use pw_domain::StudyId;
use pw_llm::{CallScope, ChatMessage, ChatRequest, Gateway, Task};
use pw_statistics::themes::{ThemeSettings, find_themes, keywords};
use pw_store::{Database, format_instant, now_instant};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::definition::{QuestionType, Survey};
use crate::error::{Result, SurveysError};
use crate::runs::{RunStore, to_json};

/// Quotes shown to the model per theme, and kept with it.
const QUOTES: usize = 5;

/// A theme of one open question's answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenTheme {
    pub name: String,
    /// "vendor/model" when a model named it; "keywords" otherwise.
    pub named_by: String,
    /// The respondents whose answers fall in it.
    pub members: Vec<usize>,
    /// The most typical of them, first.
    pub quotes: Vec<usize>,
}

/// One open question's themes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodedQuestion {
    pub question: String,
    pub themes: Vec<OpenTheme>,
    /// Answers coded (some fall in no theme: too few alike).
    pub answers: usize,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct ThemeLabel {
    /// Two to five words naming what the answers have in common.
    name: String,
}

/// Whether a model's name rests on its quotes: it shares a word of four letters or more with
/// them.
fn grounded(name: &str, quotes: &[&str]) -> bool {
    let words = |text: &str| -> BTreeSet<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 4)
            .map(str::to_lowercase)
            .collect()
    };
    let named = words(name);
    quotes.iter().any(|q| !named.is_disjoint(&words(q)))
}

fn acceptable(name: &str) -> bool {
    let trimmed = name.trim();
    !trimmed.is_empty() && trimmed.chars().count() <= 60 && !trimmed.contains('\n')
}

pub struct OpenEndCoding<'a> {
    pub db: &'a Database,
    pub gateway: &'a Gateway,
    pub run: StudyId,
    pub job_id: Option<&'a str>,
}

impl OpenEndCoding<'_> {
    /// Codes every open question of the run not coded yet.
    pub async fn code(&self, survey: &Survey) -> Result<usize> {
        let run = RunStore::new(self.db).run(self.run).await?;
        let mut scope = CallScope::study(run.workspace_id.to_string(), self.run.to_string());
        if let Some(job) = self.job_id {
            scope = scope.with_job(job);
        }
        let mut coded = 0;
        for question in survey
            .questions
            .iter()
            .filter(|q| q.kind == QuestionType::Open)
        {
            if self.stored(&question.id).await?.is_some() {
                continue;
            }
            let rows = sqlx::query(
                "SELECT respondent, text FROM survey_answers
                 WHERE run_id = ? AND question = ? AND text <> '' AND value IS NOT NULL
                 ORDER BY respondent",
            )
            .bind(self.run.to_string())
            .bind(&question.id)
            .fetch_all(self.db.reader())
            .await?;
            let answers: Vec<(usize, String)> = rows
                .iter()
                .map(|r| -> Result<(usize, String)> {
                    let respondent: i64 = r.try_get("respondent")?;
                    Ok((respondent as usize, r.try_get("text")?))
                })
                .collect::<Result<_>>()?;
            let mut themes = Vec::new();
            if !answers.is_empty() {
                let texts: Vec<String> = answers.iter().map(|(_, t)| t.clone()).collect();
                let vectors = self.gateway.embed(&scope, &texts).await?;
                let settings = ThemeSettings {
                    min_members: if answers.len() < 30 { 2 } else { 3 },
                    max_themes: 8,
                    ..ThemeSettings::default()
                };
                let all: Vec<&str> = texts.iter().map(String::as_str).collect();
                for theme in find_themes(&vectors, settings) {
                    let quotes: Vec<usize> = theme.representatives(QUOTES).to_vec();
                    let quote_texts: Vec<&str> =
                        quotes.iter().map(|&i| texts[i].as_str()).collect();
                    let members: Vec<&str> =
                        theme.members.iter().map(|&i| texts[i].as_str()).collect();
                    let (name, named_by) = self
                        .name(&scope, &question.text, &quote_texts)
                        .await
                        .unwrap_or_else(|| {
                            let words = keywords(&members, &all, 3);
                            let name = if words.is_empty() {
                                "Unnamed theme".to_owned()
                            } else {
                                words.join(" · ")
                            };
                            (name, "keywords".to_owned())
                        });
                    themes.push(OpenTheme {
                        name,
                        named_by,
                        members: theme.members.iter().map(|&i| answers[i].0).collect(),
                        quotes: quotes.iter().map(|&i| answers[i].0).collect(),
                    });
                }
            }
            self.store(
                &run.workspace_id.to_string(),
                &CodedQuestion {
                    question: question.id.clone(),
                    themes,
                    answers: answers.len(),
                },
            )
            .await?;
            coded += 1;
        }
        Ok(coded)
    }

    /// The model's name for a theme, when it gives one that rests on the quotes.
    async fn name(
        &self,
        scope: &CallScope,
        question: &str,
        quotes: &[&str],
    ) -> Option<(String, String)> {
        let listed: String = quotes
            .iter()
            .enumerate()
            .map(|(i, q)| format!("{}. {q}\n", i + 1))
            .collect();
        let request = ChatRequest::new(
            Task::Analysis,
            vec![ChatMessage::user(format!(
                "Survey respondents answered \"{question}\". These answers were grouped together:\n{listed}\
                 Name what they have in common in two to five words, using their own words."
            ))],
        )
        .in_scope(scope.clone());
        match self
            .gateway
            .chat_json_answered::<ThemeLabel>(&request)
            .await
        {
            Ok(answer)
                if acceptable(&answer.value.name) && grounded(&answer.value.name, quotes) =>
            {
                Some((
                    answer.value.name.trim().to_owned(),
                    format!("{}/{}", answer.vendor, answer.model),
                ))
            }
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(%error, "an open-end theme was named by its words: the model gave no name");
                None
            }
        }
    }

    async fn stored(&self, question: &str) -> Result<Option<CodedQuestion>> {
        stored_themes(self.db, self.run, question).await
    }

    async fn store(&self, workspace: &str, coded: &CodedQuestion) -> Result<()> {
        sqlx::query(
            "INSERT OR IGNORE INTO survey_open_themes (run_id, question, workspace_id, themes, answers, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(self.run.to_string())
        .bind(&coded.question)
        .bind(workspace)
        .bind(to_json(&coded.themes))
        .bind(coded.answers as i64)
        .bind(format_instant(now_instant()))
        .execute(self.db.writer())
        .await?;
        Ok(())
    }
}

/// A question's stored themes, if it was coded.
pub async fn stored_themes(
    db: &Database,
    run: StudyId,
    question: &str,
) -> Result<Option<CodedQuestion>> {
    let row = sqlx::query(
        "SELECT themes, answers FROM survey_open_themes WHERE run_id = ? AND question = ?",
    )
    .bind(run.to_string())
    .bind(question)
    .fetch_optional(db.reader())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let text: String = row.try_get("themes")?;
    let answers: i64 = row.try_get("answers")?;
    Ok(Some(CodedQuestion {
        question: question.to_owned(),
        themes: serde_json::from_str(&text)
            .map_err(|e| SurveysError::Corrupt(format!("stored open-end themes: {e}")))?,
        answers: answers as usize,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_kept_only_when_it_shares_a_word_with_its_quotes() {
        let quotes = [
            "Fresher beans, honestly.",
            "Beans that are roasted this week.",
        ];
        assert!(grounded("Fresher beans", &quotes));
        assert!(!grounded("Price sensitivity", &quotes));
        assert!(!grounded("a b c", &quotes));
        assert!(acceptable("Fresher beans"));
        assert!(!acceptable("  "));
        assert!(!acceptable(&"x".repeat(61)));
    }
}
