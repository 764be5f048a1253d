//! A run's results, computed from what is stored: weights raked to the universe's margins, each
//! question's distribution with 95% intervals on the effective base, and crosstabs by any
//! dimension of the universe. IO-free: the caller reads the run, its respondents and answers.
//!
//! Every table has a stable name (`Q:<question id>`, `W:weights`, `X:<question>×<dimension>`)
//! that the analysis report cites, so each number it states can be checked against the table it
//! came from.

use std::collections::{BTreeMap, HashMap};

use pw_statistics::{Rate, Z_95};
use serde::Serialize;

use crate::crosstab::{self, Crosstab, CrosstabVariable};
use crate::definition::{Answer, Question, QuestionType, Survey};
use crate::open_ends::CodedQuestion;
use crate::raking::{self, RakingOptions, RakingVariable};
use crate::runs::{Respondent, StoredAnswer};
use crate::ssr;
use crate::universe::{Universe, category_indices};

/// How results are read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResultOptions {
    /// Weight respondents to the universe's margins.
    pub weighted: bool,
    /// The rating temperature applied to each respondent's similarity distribution (1 leaves
    /// it as stored).
    pub temperature: f64,
}

impl Default for ResultOptions {
    fn default() -> Self {
        ResultOptions {
            weighted: true,
            temperature: 1.0,
        }
    }
}

/// What is wrong with a request for results, in words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResultsError {
    #[error("no respondent has answered yet")]
    NoRespondents,
    #[error("the weights could not be made: {0}")]
    Raking(String),
    #[error("there is no question \"{0}\" in this survey")]
    UnknownQuestion(String),
    #[error("there is no dimension \"{0}\" to cross by; the run has {1}")]
    UnknownDimension(String, String),
    #[error(
        "a crosstab needs a question with categories (choice, rating, score); \"{0}\" has none"
    )]
    NotCategorical(String),
    #[error("{0}")]
    Crosstab(String),
    #[error("a rating could not be read: {0}")]
    Rating(String),
}

/// One margin after weighting: the target, the sample as drawn and as weighted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarginCheck {
    pub dimension: String,
    pub category: String,
    pub target: f64,
    pub sample: f64,
    pub weighted: f64,
}

/// The weights and what they cost in precision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weighting {
    pub table: String,
    /// One per answered respondent, in the order given; all 1 when unweighted.
    pub weights: Vec<f64>,
    pub weighted: bool,
    pub converged: bool,
    pub iterations: usize,
    pub trimmed_weights: usize,
    /// Kish's design effect, 1 + CV² of the weights.
    pub design_effect: f64,
    pub effective_sample_size: f64,
    pub margins: Vec<MarginCheck>,
    /// Categories with a target but no respondent ("age_band 18-24"): left out of the
    /// weighting, so the others stand for them; a larger sample fills them.
    pub unfilled: Vec<String>,
}

/// A share with its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    pub key: String,
    pub label: String,
    pub share: f64,
    pub low: f64,
    pub high: f64,
    /// The weighted count behind it.
    pub count: f64,
}

/// A mean with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Mean {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// The spread of the answers (for a rating, of its whole distribution).
    pub standard_deviation: f64,
}

/// Net Promoter Score: promoters (9-10) less detractors (0-6), in points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NetPromoter {
    pub score: f64,
    pub low: f64,
    pub high: f64,
    pub promoters: f64,
    pub detractors: f64,
}

/// One matrix row's ratings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowResult {
    pub key: String,
    pub label: String,
    pub points: Vec<Share>,
    pub mean: Option<Mean>,
}

/// One question's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionResult {
    pub table: String,
    pub question: String,
    pub text: String,
    pub kind: QuestionType,
    /// Respondents shown the question, those who answered, and the non-responses by reason.
    pub asked: usize,
    pub answered: usize,
    pub non_responses: Vec<(String, usize)>,
    /// The effective base the intervals rest on (answered respondents, less the weights' cost).
    pub effective_base: f64,
    /// Choice, rating and score questions: a share per category; multiple choice: the share
    /// choosing each option (they need not sum to 1); ranking: the share ranking each first.
    pub shares: Vec<Share>,
    /// Ratings, scores and numbers; ranking: each option's mean rank is in `ranks`.
    pub mean: Option<Mean>,
    pub net_promoter: Option<NetPromoter>,
    pub ranks: Vec<(String, Mean)>,
    pub rows: Vec<RowResult>,
    /// Open questions: the themes their answers were coded into (`None` until coded).
    pub themes: Option<Vec<ThemeResult>>,
}

/// A quote: a respondent's own words, by its position in the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    pub respondent: usize,
    pub text: String,
}

/// An open question's theme: its share of the answers with an interval, and typical quotes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeResult {
    pub name: String,
    pub named_by: String,
    pub share: Share,
    pub quotes: Vec<Quote>,
}

/// A run's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    pub respondents: usize,
    pub weighting: Weighting,
    pub questions: Vec<QuestionResult>,
}

/// Each respondent's answer to a question, as analysis reads it.
pub(crate) enum Reading {
    /// A distribution over categories (a rating's similarity distribution, or one category).
    Categories(Vec<f64>),
    /// Options chosen (multiple choice).
    Chosen(Vec<usize>),
    Number(f64),
    /// Option indices, most preferred first.
    Ranked(Vec<usize>),
    Points(Vec<u8>),
    Text,
}

/// The categories a question's answers fall in, as (key, label), when it has them.
pub(crate) fn categories_of(question: &Question) -> Vec<(String, String)> {
    match question.kind {
        QuestionType::SingleChoice | QuestionType::MultipleChoice | QuestionType::Ranking => {
            question
                .options
                .iter()
                .map(|o| (o.id.clone(), o.label.clone()))
                .collect()
        }
        QuestionType::Likert | QuestionType::Matrix => {
            let points = usize::from(question.points.unwrap_or(5));
            (1..=points)
                .map(|p| {
                    let label = if question.labels.len() == points {
                        question.labels[p - 1].clone()
                    } else if p == 1 && question.labels.len() == 2 {
                        format!("1 {}", question.labels[0])
                    } else if p == points && question.labels.len() == 2 {
                        format!("{p} {}", question.labels[1])
                    } else {
                        p.to_string()
                    };
                    (p.to_string(), label)
                })
                .collect()
        }
        QuestionType::Nps => (0..=10).map(|s| (s.to_string(), s.to_string())).collect(),
        QuestionType::Numeric | QuestionType::Open => Vec::new(),
    }
}

/// How one stored answer reads for analysis; `None` for a non-response.
pub(crate) fn reading(
    question: &Question,
    answer: &StoredAnswer,
    temperature: f64,
) -> Result<Option<Reading>, ResultsError> {
    let option = |id: &String| question.options.iter().position(|o| &o.id == id);
    let Some(value) = &answer.value else {
        return Ok(None);
    };
    let points = usize::from(question.points.unwrap_or(5));
    Ok(Some(match (question.kind, value) {
        (QuestionType::Likert, Answer::Point(point)) => match &answer.rated {
            Some(rated) if !rated.pmfs.is_empty() => {
                let n = rated.pmfs[0].len();
                let mean: Vec<f64> = (0..n)
                    .map(|i| {
                        rated
                            .pmfs
                            .iter()
                            .map(|p| p.get(i).copied().unwrap_or(0.0))
                            .sum::<f64>()
                            / rated.pmfs.len() as f64
                    })
                    .collect();
                Reading::Categories(
                    ssr::scale_pmf(&mean, temperature)
                        .map_err(|e| ResultsError::Rating(e.to_string()))?,
                )
            }
            _ => Reading::Categories(one_hot(points, usize::from(*point).saturating_sub(1))),
        },
        (QuestionType::SingleChoice, Answer::Choice(id)) => match option(id) {
            Some(index) => Reading::Categories(one_hot(question.options.len(), index)),
            None => return Ok(None),
        },
        (QuestionType::Nps, Answer::Score(score)) => {
            Reading::Categories(one_hot(11, usize::from(*score)))
        }
        (QuestionType::MultipleChoice, Answer::Choices(ids)) => {
            Reading::Chosen(ids.iter().filter_map(option).collect())
        }
        (QuestionType::Ranking, Answer::Ranking(ids)) => {
            Reading::Ranked(ids.iter().filter_map(option).collect())
        }
        (QuestionType::Numeric, Answer::Number(n)) => Reading::Number(*n),
        (QuestionType::Matrix, Answer::Points(points)) => Reading::Points(points.clone()),
        (QuestionType::Open, Answer::Text(_)) => Reading::Text,
        _ => return Ok(None),
    }))
}

fn one_hot(n: usize, index: usize) -> Vec<f64> {
    let mut v = vec![0.0; n];
    if let Some(cell) = v.get_mut(index) {
        *cell = 1.0;
    }
    v
}

/// The weights that bring the respondents to the universe's margins.
pub fn weigh(
    universe: &Universe,
    respondents: &[Respondent],
    weighted: bool,
) -> Result<Weighting, ResultsError> {
    if respondents.is_empty() {
        return Err(ResultsError::NoRespondents);
    }
    let draws: Vec<_> = respondents.iter().map(|r| r.draw.clone()).collect();
    let mut variables = Vec::new();
    let mut unfilled = Vec::new();
    for dimension in &universe.dimensions {
        let indices = category_indices(dimension, &draws);
        // A dimension some respondent lacks cannot be raked on (none should).
        let Some(values) = indices.into_iter().collect::<Option<Vec<usize>>>() else {
            continue;
        };
        // Raking cannot make people who are not there: a category nobody fell in (a small
        // sample) is left out and the others raked to their shares among themselves.
        let mut targets = dimension.shares.clone();
        for (category, target) in targets.iter_mut().enumerate() {
            if *target > 0.0 && !values.contains(&category) {
                unfilled.push(format!(
                    "{} {}",
                    dimension.name.replace('_', " "),
                    dimension.labels[category]
                ));
                *target = 0.0;
            }
        }
        let kept: f64 = targets.iter().sum();
        if kept <= 0.0 {
            continue;
        }
        for target in &mut targets {
            *target /= kept;
        }
        variables.push((
            dimension,
            RakingVariable {
                name: dimension.name.clone(),
                categories: dimension.labels.clone(),
                targets,
                values,
            },
        ));
    }
    let n = respondents.len();
    let (weights, converged, iterations, trimmed) = if weighted && !variables.is_empty() {
        let raked = raking::rake(
            &variables.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
            None,
            &RakingOptions::default(),
        )
        .map_err(|e| ResultsError::Raking(e.to_string()))?;
        // Scaled to average 1, so a weighted count reads as respondents.
        let total: f64 = raked.weights.iter().sum();
        let scale = if total > 0.0 { n as f64 / total } else { 1.0 };
        (
            raked
                .weights
                .iter()
                .map(|w| w * scale)
                .collect::<Vec<f64>>(),
            raked.converged,
            raked.iterations,
            raked.trimmed_weights,
        )
    } else {
        (vec![1.0; n], true, 0, 0)
    };
    let (design_effect, effective_sample_size) = raking::kish_design_effect(&weights);
    let total: f64 = weights.iter().sum();
    let mut margins = Vec::new();
    for (dimension, variable) in &variables {
        for (category, label) in dimension.labels.iter().enumerate() {
            let in_category = |w: &dyn Fn(usize) -> f64| -> f64 {
                variable
                    .values
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| **v == category)
                    .map(|(i, _)| w(i))
                    .sum()
            };
            margins.push(MarginCheck {
                dimension: dimension.name.clone(),
                category: label.clone(),
                target: dimension.shares[category],
                sample: in_category(&|_| 1.0) / n as f64,
                weighted: in_category(&|i| weights[i]) / total.max(f64::MIN_POSITIVE),
            });
        }
    }
    Ok(Weighting {
        table: "W:weights".into(),
        weights,
        weighted,
        converged,
        iterations,
        trimmed_weights: trimmed,
        design_effect,
        effective_sample_size,
        margins,
        unfilled,
    })
}

/// A share's 95% Wilson interval on an effective base.
fn share(key: &str, label: &str, part: f64, whole: f64, base: f64) -> Share {
    let estimate = if whole > 0.0 { part / whole } else { 0.0 };
    let rate = Rate::wilson(estimate * base, base);
    Share {
        key: key.to_owned(),
        label: label.to_owned(),
        share: estimate,
        low: rate.map_or(0.0, |r| r.low),
        high: rate.map_or(1.0, |r| r.high),
        count: part,
    }
}

/// A weighted mean with a normal interval on the effective base.
fn mean_of(values: &[(f64, f64)]) -> Option<Mean> {
    let total: f64 = values.iter().map(|(_, w)| w).sum();
    if total <= 0.0 {
        return None;
    }
    let mean = values.iter().map(|(x, w)| x * w).sum::<f64>() / total;
    let variance = values
        .iter()
        .map(|(x, w)| w * (x - mean).powi(2))
        .sum::<f64>()
        / total;
    let weights: Vec<f64> = values.iter().map(|(_, w)| *w).collect();
    let (_, base) = raking::kish_design_effect(&weights);
    let half = Z_95 * variance.sqrt() / base.max(1.0).sqrt();
    Some(Mean {
        value: mean,
        low: mean - half,
        high: mean + half,
        standard_deviation: variance.sqrt(),
    })
}

/// The effective base of the respondents with these weights.
fn base_of(weights: &[f64]) -> f64 {
    raking::kish_design_effect(weights).1
}

/// Every question's results.
pub fn results(
    survey: &Survey,
    respondents: &[Respondent],
    answers: &[StoredAnswer],
    weighting: &Weighting,
    options: &ResultOptions,
    coded: &[CodedQuestion],
) -> Result<Results, ResultsError> {
    let position: HashMap<usize, usize> = respondents
        .iter()
        .enumerate()
        .map(|(i, r)| (r.index, i))
        .collect();
    let mut by_question: HashMap<&str, Vec<&StoredAnswer>> = HashMap::new();
    for answer in answers {
        if position.contains_key(&answer.respondent) {
            by_question
                .entry(answer.question.as_str())
                .or_default()
                .push(answer);
        }
    }
    let mut questions = Vec::with_capacity(survey.questions.len());
    for question in &survey.questions {
        let stored = by_question.remove(question.id.as_str()).unwrap_or_default();
        let mut read: Vec<(Reading, f64)> = Vec::new();
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for answer in &stored {
            let weight = weighting.weights[position[&answer.respondent]];
            match reading(question, answer, options.temperature)? {
                Some(r) => read.push((r, weight)),
                None => {
                    let reason = answer
                        .non_response
                        .clone()
                        .unwrap_or_else(|| "no answer".into());
                    *reasons.entry(reason).or_default() += 1;
                }
            }
        }
        let mut result = question_result(question, stored.len(), read, reasons);
        if let Some(coded) = coded.iter().find(|c| c.question == question.id) {
            result.themes = Some(themes_of(coded, &stored, &position, &weighting.weights));
        }
        questions.push(result);
    }
    Ok(Results {
        respondents: respondents.len(),
        weighting: weighting.clone(),
        questions,
    })
}

/// A coded question's themes weighted: each theme's share of the answers that were coded.
fn themes_of(
    coded: &CodedQuestion,
    stored: &[&StoredAnswer],
    position: &HashMap<usize, usize>,
    weights: &[f64],
) -> Vec<ThemeResult> {
    let weight = |respondent: usize| position.get(&respondent).map_or(0.0, |&at| weights[at]);
    let answered: Vec<f64> = stored
        .iter()
        .filter(|a| a.value.is_some() && !a.text.is_empty())
        .map(|a| weight(a.respondent))
        .collect();
    let total: f64 = answered.iter().sum();
    let base = base_of(&answered);
    let text = |respondent: usize| {
        stored
            .iter()
            .find(|a| a.respondent == respondent)
            .map(|a| a.text.clone())
    };
    coded
        .themes
        .iter()
        .map(|theme| {
            let part: f64 = theme.members.iter().map(|&r| weight(r)).sum();
            ThemeResult {
                name: theme.name.clone(),
                named_by: theme.named_by.clone(),
                share: share(&theme.name, &theme.name, part, total, base),
                quotes: theme
                    .quotes
                    .iter()
                    .filter_map(|&r| {
                        text(r).map(|text| Quote {
                            respondent: r,
                            text,
                        })
                    })
                    .collect(),
            }
        })
        .collect()
}

fn question_result(
    question: &Question,
    asked: usize,
    read: Vec<(Reading, f64)>,
    reasons: BTreeMap<String, usize>,
) -> QuestionResult {
    let weights: Vec<f64> = read.iter().map(|(_, w)| *w).collect();
    let total: f64 = weights.iter().sum();
    let base = base_of(&weights);
    let categories = categories_of(question);
    let mut result = QuestionResult {
        table: format!("Q:{}", question.id),
        question: question.id.clone(),
        text: question.text.clone(),
        kind: question.kind,
        asked,
        answered: read.len(),
        non_responses: reasons.into_iter().collect(),
        effective_base: base,
        shares: Vec::new(),
        mean: None,
        net_promoter: None,
        ranks: Vec::new(),
        rows: Vec::new(),
        themes: None,
    };
    match question.kind {
        QuestionType::SingleChoice | QuestionType::Likert | QuestionType::Nps => {
            let mut counts = vec![0.0; categories.len()];
            for (r, w) in &read {
                if let Reading::Categories(p) = r {
                    for (c, x) in counts.iter_mut().zip(p) {
                        *c += w * x;
                    }
                }
            }
            result.shares = categories
                .iter()
                .zip(&counts)
                .map(|((key, label), count)| share(key, label, *count, total, base))
                .collect();
            if question.kind != QuestionType::SingleChoice {
                // A rating's mean is the expected point of each respondent's distribution; a
                // score's, the score. Scores count from 0, points from 1.
                let offset = if question.kind == QuestionType::Nps {
                    0.0
                } else {
                    1.0
                };
                let points: Vec<(f64, f64)> = read
                    .iter()
                    .filter_map(|(r, w)| match r {
                        Reading::Categories(p) => Some((
                            p.iter()
                                .enumerate()
                                .map(|(i, x)| (i as f64 + offset) * x)
                                .sum(),
                            *w,
                        )),
                        _ => None,
                    })
                    .collect();
                // The interval comes from how respondents' expected points vary; the spread
                // shown is the whole distribution's, which also holds each respondent's own
                // uncertainty between points.
                result.mean = mean_of(&points).map(|mut mean| {
                    let pooled: Vec<f64> = counts
                        .iter()
                        .map(|c| c / total.max(f64::MIN_POSITIVE))
                        .collect();
                    let variance: f64 = pooled
                        .iter()
                        .enumerate()
                        .map(|(i, p)| p * (i as f64 + offset - mean.value).powi(2))
                        .sum();
                    mean.standard_deviation = variance.sqrt();
                    mean
                });
            }
            if question.kind == QuestionType::Nps && total > 0.0 {
                let promoters = counts[9..].iter().sum::<f64>() / total;
                let detractors = counts[..7].iter().sum::<f64>() / total;
                // Each respondent scores +1, 0 or -1; the NPS is their mean times 100.
                let scored: Vec<(f64, f64)> = read
                    .iter()
                    .filter_map(|(r, w)| match r {
                        Reading::Categories(p) => {
                            Some((p[9..].iter().sum::<f64>() - p[..7].iter().sum::<f64>(), *w))
                        }
                        _ => None,
                    })
                    .collect();
                if let Some(m) = mean_of(&scored) {
                    result.net_promoter = Some(NetPromoter {
                        score: 100.0 * m.value,
                        low: 100.0 * m.low.max(-1.0),
                        high: 100.0 * m.high.min(1.0),
                        promoters,
                        detractors,
                    });
                }
            }
        }
        QuestionType::MultipleChoice => {
            result.shares = categories
                .iter()
                .enumerate()
                .map(|(index, (key, label))| {
                    let chosen: f64 = read
                        .iter()
                        .filter(|(r, _)| matches!(r, Reading::Chosen(ids) if ids.contains(&index)))
                        .map(|(_, w)| w)
                        .sum();
                    share(key, label, chosen, total, base)
                })
                .collect();
        }
        QuestionType::Ranking => {
            result.shares = categories
                .iter()
                .enumerate()
                .map(|(index, (key, label))| {
                    let first: f64 = read
                        .iter()
                        .filter(|(r, _)| matches!(r, Reading::Ranked(ids) if ids.first() == Some(&index)))
                        .map(|(_, w)| w)
                        .sum();
                    share(key, label, first, total, base)
                })
                .collect();
            result.ranks = categories
                .iter()
                .enumerate()
                .filter_map(|(index, (key, _))| {
                    let ranks: Vec<(f64, f64)> = read
                        .iter()
                        .filter_map(|(r, w)| match r {
                            Reading::Ranked(ids) => ids
                                .iter()
                                .position(|i| *i == index)
                                .map(|p| (p as f64 + 1.0, *w)),
                            _ => None,
                        })
                        .collect();
                    mean_of(&ranks).map(|m| (key.clone(), m))
                })
                .collect();
        }
        QuestionType::Numeric => {
            let numbers: Vec<(f64, f64)> = read
                .iter()
                .filter_map(|(r, w)| match r {
                    Reading::Number(n) => Some((*n, *w)),
                    _ => None,
                })
                .collect();
            result.mean = mean_of(&numbers);
        }
        QuestionType::Matrix => {
            result.rows = question
                .rows
                .iter()
                .enumerate()
                .map(|(row, choice)| {
                    let rated: Vec<(usize, f64)> = read
                        .iter()
                        .filter_map(|(r, w)| match r {
                            Reading::Points(points) => {
                                points.get(row).map(|p| (usize::from(*p), *w))
                            }
                            _ => None,
                        })
                        .collect();
                    let row_total: f64 = rated.iter().map(|(_, w)| w).sum();
                    let row_base = base_of(&rated.iter().map(|(_, w)| *w).collect::<Vec<_>>());
                    RowResult {
                        key: choice.id.clone(),
                        label: choice.label.clone(),
                        points: categories
                            .iter()
                            .enumerate()
                            .map(|(i, (key, label))| {
                                let count: f64 = rated
                                    .iter()
                                    .filter(|(p, _)| *p == i + 1)
                                    .map(|(_, w)| w)
                                    .sum();
                                share(key, label, count, row_total, row_base)
                            })
                            .collect(),
                        mean: mean_of(
                            &rated
                                .iter()
                                .map(|(p, w)| (*p as f64, *w))
                                .collect::<Vec<_>>(),
                        ),
                    }
                })
                .collect();
        }
        QuestionType::Open => {}
    }
    result
}

/// A question crossed by a dimension of the universe (or the segment). A rating counts each
/// respondent at its most likely point; respondents who were not asked or gave no answer are
/// left out.
pub fn crosstab_by(
    survey: &Survey,
    universe: &Universe,
    respondents: &[Respondent],
    answers: &[StoredAnswer],
    weighting: &Weighting,
    question_id: &str,
    dimension_name: &str,
) -> Result<Crosstab, ResultsError> {
    let question = survey
        .questions
        .iter()
        .find(|q| q.id == question_id)
        .ok_or_else(|| ResultsError::UnknownQuestion(question_id.to_owned()))?;
    let dimension = universe.dimension(dimension_name).ok_or_else(|| {
        ResultsError::UnknownDimension(
            dimension_name.to_owned(),
            universe
                .dimensions
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
    })?;
    let categories = categories_of(question);
    if categories.is_empty()
        || matches!(
            question.kind,
            QuestionType::MultipleChoice | QuestionType::Ranking | QuestionType::Matrix
        )
    {
        return Err(ResultsError::NotCategorical(question_id.to_owned()));
    }
    let position: HashMap<usize, usize> = respondents
        .iter()
        .enumerate()
        .map(|(i, r)| (r.index, i))
        .collect();
    let groups = category_indices(
        dimension,
        &respondents
            .iter()
            .map(|r| r.draw.clone())
            .collect::<Vec<_>>(),
    );
    let (mut rows, mut columns, mut weights) = (Vec::new(), Vec::new(), Vec::new());
    for answer in answers.iter().filter(|a| a.question == question_id) {
        let Some(&at) = position.get(&answer.respondent) else {
            continue;
        };
        let (Some(Reading::Categories(p)), Some(group)) =
            (reading(question, answer, 1.0)?, groups[at])
        else {
            continue;
        };
        let modal = p
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |best, (i, &x)| {
                if x > best.1 { (i, x) } else { best }
            })
            .0;
        rows.push(modal);
        columns.push(group);
        weights.push(weighting.weights[at]);
    }
    crosstab::crosstab(
        &CrosstabVariable {
            name: question.id.clone(),
            categories: categories.into_iter().map(|(_, label)| label).collect(),
            values: rows,
        },
        &CrosstabVariable {
            name: dimension.name.clone(),
            categories: dimension.labels.clone(),
            values: columns,
        },
        &weights,
    )
    .map_err(|e| ResultsError::Crosstab(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::parse;
    use crate::runs::Rated;
    use crate::universe::{Dimension, Draw};

    fn survey() -> Survey {
        parse(
            r#"{ "format": "profitwheel-survey", "version": 1, "title": "T", "questions": [
              { "id": "buy", "type": "single_choice", "text": "Buy?", "options": [ {"id": "y", "label": "Yes"}, {"id": "n", "label": "No"} ] },
              { "id": "like", "type": "likert", "points": 5, "labels": ["Low", "High"], "text": "Like?" },
              { "id": "nps", "type": "nps", "text": "Recommend?" } ] }"#,
        )
        .unwrap()
    }

    fn respondent(index: usize, sex: &str) -> Respondent {
        Respondent {
            index,
            segment: "a".into(),
            twin_id: None,
            draw: Draw {
                categories: [("sex".to_owned(), sex.to_owned())].into_iter().collect(),
                age: None,
            },
            memories: Vec::new(),
            answered: true,
        }
    }

    fn answer(respondent: usize, question: &str, value: Option<Answer>) -> StoredAnswer {
        StoredAnswer {
            respondent,
            question: question.into(),
            non_response: value.is_none().then(|| "no answer was given".to_owned()),
            value,
            rated: None,
            text: String::new(),
            option_order: None,
            reversed: false,
        }
    }

    fn universe(female: f64) -> Universe {
        Universe {
            dimensions: vec![
                Dimension::new("sex", &[("female", female), ("male", 1.0 - female)], "test")
                    .unwrap(),
            ],
            joint: Vec::new(),
        }
    }

    #[test]
    fn weighting_a_sample_of_three_women_and_one_man_to_half_and_half() {
        let respondents: Vec<Respondent> = ["female", "female", "female", "male"]
            .iter()
            .enumerate()
            .map(|(i, s)| respondent(i, s))
            .collect();
        let weighting = weigh(&universe(0.5), &respondents, true).unwrap();
        // Women 3 → weight 2/3 each, the man 2; scaled to average 1.
        for (w, want) in weighting
            .weights
            .iter()
            .zip([2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 2.0])
        {
            assert!((w - want).abs() < 1e-6, "{w} against {want}");
        }
        // Kish: n (Σw)² / Σw² = 16 / (3·4/9 + 4) = 16/5.333 = 3; deff 4/3.
        assert!((weighting.effective_sample_size - 3.0).abs() < 1e-6);
        assert!((weighting.design_effect - 4.0 / 3.0).abs() < 1e-6);
        let female = &weighting.margins[0];
        assert!((female.sample - 0.75).abs() < 1e-9 && (female.weighted - 0.5).abs() < 1e-6);

        // Yes from every woman, no from the man: 75% unweighted, 50% weighted.
        let survey = survey();
        let answers: Vec<StoredAnswer> = (0..4)
            .map(|i| {
                answer(
                    i,
                    "buy",
                    Some(Answer::Choice(if i < 3 { "y" } else { "n" }.into())),
                )
            })
            .collect();
        let weighted = results(
            &survey,
            &respondents,
            &answers,
            &weighting,
            &ResultOptions::default(),
            &[],
        )
        .unwrap();
        let yes = &weighted.questions[0].shares[0];
        assert!((yes.share - 0.5).abs() < 1e-6);
        assert!(yes.low < 0.5 && yes.high > 0.5);
        let flat = weigh(&universe(0.5), &respondents, false).unwrap();
        let unweighted = results(
            &survey,
            &respondents,
            &answers,
            &flat,
            &ResultOptions::default(),
            &[],
        )
        .unwrap();
        assert!((unweighted.questions[0].shares[0].share - 0.75).abs() < 1e-9);
        // Wilson on 4: 0.75 ± → (0.30, 0.95).
        let s = &unweighted.questions[0].shares[0];
        assert!(
            (s.low - 0.3006).abs() < 1e-3 && (s.high - 0.9544).abs() < 1e-3,
            "{s:?}"
        );
    }

    #[test]
    fn a_category_nobody_fell_in_is_left_out_of_the_weighting_and_named() {
        let respondents: Vec<Respondent> = (0..3).map(|i| respondent(i, "female")).collect();
        let weighting = weigh(&universe(0.5), &respondents, true).unwrap();
        assert_eq!(weighting.unfilled, vec!["sex male"]);
        assert!(weighting.weights.iter().all(|w| (w - 1.0).abs() < 1e-9));
    }

    #[test]
    fn ratings_average_their_distributions_and_scores_give_a_net_promoter_score() {
        let survey = survey();
        let respondents: Vec<Respondent> = (0..4).map(|i| respondent(i, "female")).collect();
        let weighting = weigh(&universe(1.0), &respondents, false).unwrap();
        let mut answers = Vec::new();
        for i in 0..4 {
            let mut rating = answer(i, "like", Some(Answer::Point(5)));
            rating.rated = Some(Rated {
                pmfs: vec![vec![0.0, 0.0, 0.0, 0.5, 0.5], vec![0.0, 0.0, 0.0, 0.5, 0.5]],
                model: "m".into(),
                anchors: "h".into(),
            });
            answers.push(rating);
            answers.push(answer(i, "nps", Some(Answer::Score([10, 9, 7, 2][i]))));
        }
        answers.push(answer(3, "buy", None));
        let out = results(
            &survey,
            &respondents,
            &answers,
            &weighting,
            &ResultOptions::default(),
            &[],
        )
        .unwrap();
        let like = &out.questions[1];
        assert!((like.mean.unwrap().value - 4.5).abs() < 1e-9);
        assert!((like.shares[3].share - 0.5).abs() < 1e-9);
        assert_eq!(like.shares[0].label, "1 Low");
        // Two promoters, one passive, one detractor: NPS 25.
        let nps = out.questions[2].net_promoter.unwrap();
        assert!((nps.score - 25.0).abs() < 1e-9);
        assert!((nps.promoters - 0.5).abs() < 1e-9 && (nps.detractors - 0.25).abs() < 1e-9);
        assert!((out.questions[2].mean.unwrap().value - 7.0).abs() < 1e-9);
        // A non-response is counted with its reason, not as an answer.
        assert_eq!(out.questions[0].asked, 1);
        assert_eq!(out.questions[0].answered, 0);
        assert_eq!(
            out.questions[0].non_responses,
            vec![("no answer was given".to_owned(), 1)]
        );
        // Temperature 0 puts each respondent on its most likely point, the lower on a tie.
        let sharp = results(
            &survey,
            &respondents,
            &answers,
            &weighting,
            &ResultOptions {
                weighted: false,
                temperature: 0.0,
            },
            &[],
        )
        .unwrap();
        assert!((sharp.questions[1].mean.unwrap().value - 4.0).abs() < 1e-9);
    }

    #[test]
    fn a_crosstab_by_a_dimension_counts_each_respondent_in_its_column() {
        let survey = survey();
        let respondents: Vec<Respondent> = ["female", "female", "male", "male"]
            .iter()
            .enumerate()
            .map(|(i, s)| respondent(i, s))
            .collect();
        let weighting = weigh(&universe(0.5), &respondents, false).unwrap();
        let answers: Vec<StoredAnswer> = (0..4)
            .map(|i| {
                answer(
                    i,
                    "buy",
                    Some(Answer::Choice(if i < 2 { "y" } else { "n" }.into())),
                )
            })
            .collect();
        let table = crosstab_by(
            &survey,
            &universe(0.5),
            &respondents,
            &answers,
            &weighting,
            "buy",
            "sex",
        )
        .unwrap();
        assert_eq!(table.columns, vec!["female", "male"]);
        assert_eq!(table.weighted_counts, vec![vec![2.0, 0.0], vec![0.0, 2.0]]);
        assert!(matches!(
            crosstab_by(
                &survey,
                &universe(0.5),
                &respondents,
                &answers,
                &weighting,
                "buy",
                "region"
            ),
            Err(ResultsError::UnknownDimension(..))
        ));
    }
}
