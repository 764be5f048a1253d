//! The copilot's evaluation: questions about a workspace whose answers are computed from its
//! stored rows by SQL of this module's own (not by the tools the copilot answers with, so a
//! tool's mistake shows as a wrong answer), and the scoring of each run: does the answer state
//! the computed answer, do the results it cites state it, and what did it cost.
//!
//! The questions name their days, so the answer does not depend on when it is asked: the last
//! seven days with data and the seven before, per platform (spend, clicks, impressions,
//! conversions, CPA, ROAS where a value was reported) and across platforms (the platform and
//! the campaign that spent most). Amounts are in the workspace's main currency only (the one most
//! campaign days are in); a platform billing in another is left out rather than added across
//! currencies.

use chrono::{Duration, NaiveDate};
use pw_domain::{StatedFigure, WorkspaceId, stated_figures};
use pw_store::Database;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::campaign_days::main_currency;
use crate::error::{AgentError, Result};
use crate::runtime::{AgentRun, Outcome};

/// What a correct answer says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expected {
    /// A figure, stated to any precision it rounds to.
    Figure { value: f64 },
    /// A name (a platform's or a campaign's), said as stored.
    Name { name: String },
}

impl Expected {
    /// Whether `text` states this answer.
    pub fn stated_in(&self, text: &str) -> bool {
        match self {
            Expected::Figure { value } => stated_figures(text)
                .iter()
                .any(|figure| rounds_to(figure, *value)),
            Expected::Name { name } => text.to_lowercase().contains(&name.to_lowercase()),
        }
    }
}

/// Whether `figure`, as written, is `value` rounded to the figure's decimals ("1,234" and
/// "1,234.40" state 1234.4; "1,000" does not).
fn rounds_to(figure: &StatedFigure, value: f64) -> bool {
    let half = 0.5 * 10f64.powi(-(figure.decimals as i32));
    (figure.value - value).abs() <= half + 1e-9 * value.abs().max(1.0)
}

/// One question and its computed answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalQuestion {
    /// Stable within a workspace's data: `spend/meta/2026-11-16`.
    pub id: String,
    pub question: String,
    pub expected: Expected,
}

/// How one run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalScore {
    pub id: String,
    pub question: String,
    pub expected: Expected,
    pub answer: String,
    /// The run answered (rather than stopping) and its answer states the expected answer.
    pub correct: bool,
    /// The results it cites state the expected answer (an answer that cites nothing holding it
    /// is not valid even when its figure is right).
    pub citations_valid: bool,
    pub outcome: Outcome,
    /// The models that answered (`vendor/model`), so a fallback or an offline substitute
    /// shows as what was measured.
    pub answered_by: Vec<String>,
    pub model_calls: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Dollars in micros, where the models' prices are known.
    pub cost_micros: Option<i64>,
    pub seconds: f64,
}

/// Scores a run of `question`.
pub fn score(
    question: &EvalQuestion,
    run: &AgentRun,
    cost_micros: Option<i64>,
    seconds: f64,
) -> EvalScore {
    let answered = run.outcome == Outcome::Answered;
    let usage = run.usage();
    EvalScore {
        id: question.id.clone(),
        question: question.question.clone(),
        expected: question.expected.clone(),
        answer: run.answer.clone(),
        correct: answered && question.expected.stated_in(&run.answer),
        citations_valid: answered
            && run
                .citations
                .iter()
                .any(|c| question.expected.stated_in(&c.text)),
        outcome: run.outcome.clone(),
        answered_by: {
            let mut models: Vec<String> = run
                .record
                .steps
                .iter()
                .map(|s| s.answered_by.clone())
                .collect();
            models.sort();
            models.dedup();
            models
        },
        model_calls: u32::try_from(run.record.model_calls()).unwrap_or(u32::MAX),
        input_tokens: u64::from(usage.input_tokens),
        output_tokens: u64::from(usage.output_tokens),
        cost_micros,
        seconds,
    }
}

/// A question the model failed on before finding anything: wrong, with why.
pub fn failed(question: &EvalQuestion, reason: &str, seconds: f64) -> EvalScore {
    EvalScore {
        id: question.id.clone(),
        question: question.question.clone(),
        expected: question.expected.clone(),
        answer: String::new(),
        correct: false,
        citations_valid: false,
        outcome: Outcome::ModelFailed {
            reason: reason.to_owned(),
        },
        answered_by: Vec::new(),
        model_calls: 0,
        input_tokens: 0,
        output_tokens: 0,
        cost_micros: None,
        seconds,
    }
}

/// The evaluation's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub questions: usize,
    /// Share of questions answered correctly.
    pub accuracy: f64,
    /// Share of questions whose cited results state the answer.
    pub citation_validity: f64,
    pub model_calls_per_answer: f64,
    pub input_tokens_per_answer: f64,
    pub output_tokens_per_answer: f64,
    /// Per answer, when every call was priced.
    pub cost_micros_per_answer: Option<f64>,
    pub seconds_per_answer: f64,
    pub scores: Vec<EvalScore>,
}

impl EvalReport {
    pub fn of(scores: Vec<EvalScore>) -> EvalReport {
        let n = scores.len().max(1) as f64;
        let share = |f: fn(&EvalScore) -> bool| scores.iter().filter(|s| f(s)).count() as f64 / n;
        let mean = |f: fn(&EvalScore) -> f64| scores.iter().map(f).sum::<f64>() / n;
        let costs: Option<Vec<i64>> = scores.iter().map(|s| s.cost_micros).collect();
        EvalReport {
            questions: scores.len(),
            accuracy: share(|s| s.correct),
            citation_validity: share(|s| s.citations_valid),
            model_calls_per_answer: mean(|s| f64::from(s.model_calls)),
            input_tokens_per_answer: mean(|s| s.input_tokens as f64),
            output_tokens_per_answer: mean(|s| s.output_tokens as f64),
            cost_micros_per_answer: costs
                .filter(|c| !c.is_empty())
                .map(|c| c.iter().sum::<i64>() as f64 / n),
            seconds_per_answer: mean(|s| s.seconds),
            scores,
        }
    }
}

/// One platform's sums over a window (campaign rows, the main currency).
struct PlatformSums {
    platform: String,
    spend_micros: i64,
    impressions: i64,
    clicks: i64,
    conversions: f64,
    value_micros: Option<i64>,
    valued_spend_micros: i64,
}

/// The questions for a workspace, computed from its rows. Empty when it has no metrics.
pub async fn questions(db: &Database, workspace: WorkspaceId) -> Result<Vec<EvalQuestion>> {
    let ws = workspace.to_string();
    let Some((currency, last)) = main_currency(db, workspace).await? else {
        return Ok(Vec::new());
    };
    let mut questions = Vec::new();
    for weeks_back in 0..2 {
        let until = last - Duration::days(7 * weeks_back);
        let from = until - Duration::days(6);
        let span = format!("from {from} to {until}");
        let sums = platform_sums(db, &ws, &currency, from, until).await?;
        for p in &sums {
            let name = &p.platform;
            let mut ask = |metric: &str, question: String, value: f64| {
                questions.push(EvalQuestion {
                    id: format!("{metric}/{name}/{from}"),
                    question,
                    expected: Expected::Figure { value },
                });
            };
            ask(
                "spend",
                format!("How much did {name} spend {span}, in {currency}?"),
                p.spend_micros as f64 / 1e6,
            );
            // The other metrics once, for the latest week: the earlier week asks spend only.
            if weeks_back > 0 {
                continue;
            }
            ask(
                "clicks",
                format!("How many clicks did {name} get {span}?"),
                p.clicks as f64,
            );
            ask(
                "impressions",
                format!("How many impressions did {name} have {span}?"),
                p.impressions as f64,
            );
            ask(
                "conversions",
                format!("How many conversions did {name} record {span}?"),
                p.conversions,
            );
            if p.conversions > 0.0 {
                ask(
                    "cpa",
                    format!("What was the CPA on {name} {span}, in {currency}?"),
                    p.spend_micros as f64 / 1e6 / p.conversions,
                );
            }
            if let Some(value) = p.value_micros.filter(|_| p.valued_spend_micros > 0) {
                ask(
                    "roas",
                    format!("What was the ROAS on {name} {span}?"),
                    value as f64 / p.valued_spend_micros as f64,
                );
            }
        }
        if let Some(top) = sums.iter().max_by_key(|p| p.spend_micros) {
            questions.push(EvalQuestion {
                id: format!("top_platform/{from}"),
                question: format!("Which platform spent the most {span}, in {currency}?"),
                expected: Expected::Name {
                    name: top.platform.clone(),
                },
            });
        }
        if let Some(campaign) = top_campaign(db, &ws, &currency, from, until).await? {
            questions.push(EvalQuestion {
                id: format!("top_campaign/{from}"),
                question: format!("Which campaign spent the most {span}, in {currency}?"),
                expected: Expected::Name { name: campaign },
            });
        }
    }
    Ok(questions)
}

async fn platform_sums(
    db: &Database,
    ws: &str,
    currency: &str,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<PlatformSums>> {
    let stored = |e: sqlx::Error| AgentError::Store(e.into());
    let rows = sqlx::query(
        "SELECT platform, SUM(spend_micros) AS spend, SUM(impressions) AS impressions,
                SUM(clicks) AS clicks, SUM(conversions) AS conversions,
                SUM(conversion_value_micros) AS value,
                SUM(CASE WHEN conversion_value_micros IS NOT NULL THEN spend_micros ELSE 0 END)
                    AS valued_spend
         FROM daily_metrics
         WHERE workspace_id = ? AND level = 'campaign' AND currency = ?
           AND date BETWEEN ? AND ?
         GROUP BY platform HAVING SUM(spend_micros) > 0 ORDER BY platform",
    )
    .bind(ws)
    .bind(currency)
    .bind(from.to_string())
    .bind(until.to_string())
    .fetch_all(db.reader())
    .await
    .map_err(stored)?;
    rows.iter()
        .map(|row| {
            Ok(PlatformSums {
                platform: row.try_get("platform")?,
                spend_micros: row.try_get("spend")?,
                impressions: row.try_get("impressions")?,
                clicks: row.try_get("clicks")?,
                conversions: row.try_get("conversions")?,
                value_micros: row.try_get("value")?,
                valued_spend_micros: row.try_get("valued_spend")?,
            })
        })
        .collect::<std::result::Result<_, sqlx::Error>>()
        .map_err(stored)
}

async fn top_campaign(
    db: &Database,
    ws: &str,
    currency: &str,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT c.name FROM daily_metrics m JOIN campaigns c ON c.id = m.entity_id
         WHERE m.workspace_id = ? AND m.level = 'campaign' AND m.currency = ?
           AND m.date BETWEEN ? AND ?
         GROUP BY c.id ORDER BY SUM(m.spend_micros) DESC, c.name LIMIT 1",
    )
    .bind(ws)
    .bind(currency)
    .bind(from.to_string())
    .bind(until.to_string())
    .fetch_optional(db.reader())
    .await
    .map_err(|e| AgentError::Store(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_states_a_figure_to_any_precision_it_rounds_to() {
        let expected = Expected::Figure { value: 1234.4 };
        assert!(expected.stated_in("Meta spent $1,234.40."));
        assert!(expected.stated_in("Meta spent about $1,234."));
        assert!(!expected.stated_in("Meta spent $1,235.50."));
        assert!(!expected.stated_in("Meta spent $1,000."));
        let name = Expected::Name {
            name: "Spring Blend Launch".into(),
        };
        assert!(name.stated_in("The spring blend launch spent most."));
        assert!(!name.stated_in("Holiday Gift Sets spent most."));
    }
}
