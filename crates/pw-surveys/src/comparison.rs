//! A run's answers set against real people's answers to the same questions (the fidelity
//! harness): per question, both distributions over the same categories for the overlay chart,
//! each side's count, and the measures of [`crate::fidelity`]: KS similarity and the mean and
//! standard-deviation ratios only where answers are ordered (ratings, scores, numbers), the
//! Jensen–Shannon divergence wherever there are categories, and the correlation of subgroup
//! means by a dimension both sides have. IO-free.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::definition::{Answer, QuestionType, Survey};
use crate::diagnostics::{HumanReference, r_squared};
use crate::fidelity::{
    Moments, Side, SubgroupCorrelation, SubgroupMean, jensen_shannon_bits, ks_similarity_pmfs,
    ks_similarity_samples, mean_ratio, standard_deviation_ratio, subgroup_mean_correlation,
};
use crate::human::{HumanAnswers, SkippedRow};
use crate::results::{Reading, Weighting, categories_of, reading};
use crate::runs::{Respondent, StoredAnswer};
use crate::universe::Universe;

/// Subgroups smaller than this on either side are too noisy to correlate.
pub const MIN_SUBGROUP: usize = 5;

/// One question, synthetic against human.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionComparison {
    pub table: String,
    pub question: String,
    pub text: String,
    /// Whether answers are ordered (ratings, scores, numbers): KS and the ratios need order.
    pub ordered: bool,
    /// The categories both distributions are over (empty for numbers).
    pub categories: Vec<String>,
    pub synthetic: Vec<f64>,
    pub human: Vec<f64>,
    pub synthetic_answers: usize,
    pub human_answers: usize,
    pub ks_similarity: Option<f64>,
    pub jensen_shannon_bits: Option<f64>,
    pub synthetic_mean: Option<f64>,
    pub human_mean: Option<f64>,
    pub mean_ratio: Option<f64>,
    pub synthetic_standard_deviation: Option<f64>,
    pub human_standard_deviation: Option<f64>,
    pub standard_deviation_ratio: Option<f64>,
    /// Subgroup means by `FidelityReport::by`, correlated.
    pub subgroup_correlation: Option<SubgroupCorrelation>,
    pub synthetic_subgroups: Vec<SubgroupMean>,
    pub human_subgroups: Vec<SubgroupMean>,
    /// How much of the human answers' variance the demographics in the file explain (adjusted
    /// R²).
    pub human_r_squared: Option<f64>,
}

/// Means over the questions compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overall {
    pub questions: usize,
    pub mean_ks_similarity: Option<f64>,
    pub mean_jensen_shannon_bits: Option<f64>,
    pub mean_standard_deviation_ratio: Option<f64>,
    pub mean_subgroup_correlation: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FidelityReport {
    pub table: String,
    pub questions: Vec<QuestionComparison>,
    pub overall: Overall,
    /// The dimension subgroups are compared by.
    pub by: Option<String>,
    pub human_rows: usize,
    pub skipped: Vec<SkippedRow>,
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let values: Vec<f64> = values.collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// A score for an ordered answer (a rating's expected point, a score, a number).
fn score(kind: QuestionType, reading: &Reading) -> Option<f64> {
    match reading {
        Reading::Categories(p) => {
            let offset = if kind == QuestionType::Likert {
                1.0
            } else {
                0.0
            };
            Some(
                p.iter()
                    .enumerate()
                    .map(|(i, x)| (i as f64 + offset) * x)
                    .sum(),
            )
        }
        Reading::Number(n) => Some(*n),
        _ => None,
    }
}

fn subgroup_means(values: &[(String, f64)]) -> Vec<SubgroupMean> {
    let mut groups: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for (group, value) in values {
        let entry = groups.entry(group).or_default();
        entry.0 += value;
        entry.1 += 1;
    }
    groups
        .into_iter()
        .map(|(group, (sum, n))| SubgroupMean {
            subgroup: group.to_owned(),
            mean: sum / n as f64,
            respondents: n,
        })
        .collect()
}

/// Compares a run with people's answers. `by` names the dimension subgroups are compared by
/// (it must be among the human file's dimensions); synthetic answers are weighted as
/// `weighting` says.
#[allow(
    clippy::too_many_arguments,
    reason = "the run's parts, each read once by the caller"
)]
pub fn compare(
    survey: &Survey,
    universe: &Universe,
    respondents: &[Respondent],
    answers: &[StoredAnswer],
    weighting: &Weighting,
    human: &HumanAnswers,
    by: Option<&str>,
    temperature: f64,
) -> FidelityReport {
    let position: HashMap<usize, usize> = respondents
        .iter()
        .enumerate()
        .map(|(i, r)| (r.index, i))
        .collect();
    let mut questions = Vec::new();
    for (id, _) in &human.questions {
        let Some(question) = survey.questions.iter().find(|q| &q.id == id) else {
            continue;
        };
        let ordered = matches!(
            question.kind,
            QuestionType::Likert | QuestionType::Nps | QuestionType::Numeric
        );
        let categories = categories_of(question);
        // The synthetic side: each respondent's reading, weight and subgroup.
        let mut synthetic_readings = Vec::new();
        for answer in answers.iter().filter(|a| &a.question == id) {
            let Some(&at) = position.get(&answer.respondent) else {
                continue;
            };
            if let Ok(Some(r)) = reading(question, answer, temperature) {
                let group = by.and_then(|d| respondents[at].draw.categories.get(d).cloned());
                synthetic_readings.push((r, weighting.weights[at], group));
            }
        }
        // The human side, read the same way.
        let mut human_readings = Vec::new();
        for row in &human.rows {
            let Some(answer) = row.answers.get(id) else {
                continue;
            };
            let stored = StoredAnswer {
                respondent: 0,
                question: id.clone(),
                value: Some(answer.clone()),
                rated: None,
                text: String::new(),
                non_response: None,
                option_order: None,
                reversed: false,
            };
            if let Ok(Some(r)) = reading(question, &stored, 1.0) {
                human_readings.push((r, row));
            }
        }
        let shares = |readings: &mut dyn Iterator<Item = (&Reading, f64)>| -> Vec<f64> {
            let mut counts = vec![0.0; categories.len()];
            for (r, w) in readings {
                match r {
                    Reading::Categories(p) => {
                        for (c, x) in counts.iter_mut().zip(p) {
                            *c += w * x;
                        }
                    }
                    Reading::Chosen(ids) => {
                        for i in ids {
                            if let Some(c) = counts.get_mut(*i) {
                                *c += w;
                            }
                        }
                    }
                    Reading::Ranked(ids) => {
                        if let Some(c) = ids.first().and_then(|i| counts.get_mut(*i)) {
                            *c += w;
                        }
                    }
                    _ => {}
                }
            }
            let total: f64 = counts.iter().sum();
            if total > 0.0 {
                counts.iter_mut().for_each(|c| *c /= total);
            }
            counts
        };
        let synthetic = shares(&mut synthetic_readings.iter().map(|(r, w, _)| (r, *w)));
        let human_shares = shares(&mut human_readings.iter().map(|(r, _)| (r, 1.0)));
        let synthetic_scores: Vec<(f64, f64)> = synthetic_readings
            .iter()
            .filter_map(|(r, w, _)| score(question.kind, r).map(|s| (s, *w)))
            .collect();
        let human_scores: Vec<f64> = human_readings
            .iter()
            .filter_map(|(r, _)| score(question.kind, r))
            .collect();
        let mut comparison = QuestionComparison {
            table: format!("F:{id}"),
            question: id.clone(),
            text: question.text.clone(),
            ordered,
            categories: categories.iter().map(|(_, l)| l.clone()).collect(),
            synthetic: if categories.is_empty() {
                Vec::new()
            } else {
                synthetic.clone()
            },
            human: if categories.is_empty() {
                Vec::new()
            } else {
                human_shares.clone()
            },
            synthetic_answers: synthetic_readings.len(),
            human_answers: human_readings.len(),
            ks_similarity: None,
            jensen_shannon_bits: None,
            synthetic_mean: None,
            human_mean: None,
            mean_ratio: None,
            synthetic_standard_deviation: None,
            human_standard_deviation: None,
            standard_deviation_ratio: None,
            subgroup_correlation: None,
            synthetic_subgroups: Vec::new(),
            human_subgroups: Vec::new(),
            human_r_squared: None,
        };
        if synthetic_readings.is_empty() || human_readings.is_empty() {
            questions.push(comparison);
            continue;
        }
        if !categories.is_empty() {
            comparison.jensen_shannon_bits = jensen_shannon_bits(&synthetic, &human_shares).ok();
        }
        if ordered {
            let moments = if categories.is_empty() {
                let values: Vec<f64> = synthetic_scores.iter().map(|(s, _)| *s).collect();
                let weights: Vec<f64> = synthetic_scores.iter().map(|(_, w)| *w).collect();
                comparison.ks_similarity =
                    ks_similarity_samples(&values, Some(&weights), &human_scores, None).ok();
                (
                    Moments::of_sample(Side::Synthetic, &values, Some(&weights)).ok(),
                    Moments::of_sample(Side::Human, &human_scores, None).ok(),
                )
            } else {
                comparison.ks_similarity = ks_similarity_pmfs(&synthetic, &human_shares).ok();
                // Scored from the scale's first point, as the answers are.
                let offset = if question.kind == QuestionType::Nps {
                    -1.0
                } else {
                    0.0
                };
                let shift = |m: Moments| Moments {
                    mean: m.mean + offset,
                    ..m
                };
                (
                    Moments::of_distribution(Side::Synthetic, &synthetic)
                        .ok()
                        .map(shift),
                    Moments::of_distribution(Side::Human, &human_shares)
                        .ok()
                        .map(shift),
                )
            };
            if let (Some(s), Some(h)) = moments {
                comparison.synthetic_mean = Some(s.mean);
                comparison.human_mean = Some(h.mean);
                comparison.mean_ratio = mean_ratio(&s, &h);
                comparison.synthetic_standard_deviation = Some(s.standard_deviation);
                comparison.human_standard_deviation = Some(h.standard_deviation);
                comparison.standard_deviation_ratio = standard_deviation_ratio(&s, &h);
            }
            if let Some(dimension) = by {
                let synthetic_groups: Vec<(String, f64)> = synthetic_readings
                    .iter()
                    .filter_map(|(r, _, g)| Some((g.clone()?, score(question.kind, r)?)))
                    .collect();
                let human_groups: Vec<(String, f64)> = human_readings
                    .iter()
                    .filter_map(|(r, row)| {
                        Some((row.groups.get(dimension)?.clone(), score(question.kind, r)?))
                    })
                    .collect();
                comparison.synthetic_subgroups = subgroup_means(&synthetic_groups);
                comparison.human_subgroups = subgroup_means(&human_groups);
                comparison.subgroup_correlation = subgroup_mean_correlation(
                    &comparison.synthetic_subgroups,
                    &comparison.human_subgroups,
                    MIN_SUBGROUP,
                )
                .ok()
                .flatten();
            }
            // How much the file's demographics explain of people's answers, for the
            // over-determination diagnostic to hold the synthetic R² against.
            let factors: Vec<(usize, Vec<usize>)> = human
                .dimensions
                .iter()
                .filter_map(|(name, _)| {
                    let dimension = universe.dimension(name)?;
                    let values: Option<Vec<usize>> = human_readings
                        .iter()
                        .map(|(_, row)| {
                            row.groups
                                .get(name)
                                .and_then(|c| dimension.categories.iter().position(|k| k == c))
                        })
                        .collect();
                    values.map(|v| (dimension.categories.len(), v))
                })
                .collect();
            if factors.len() == human.dimensions.len() && !factors.is_empty() {
                comparison.human_r_squared =
                    r_squared(&human_scores, &factors).map(|(_, adjusted)| adjusted);
            }
        }
        questions.push(comparison);
    }
    let overall = Overall {
        questions: questions.len(),
        mean_ks_similarity: mean(questions.iter().filter_map(|q| q.ks_similarity)),
        mean_jensen_shannon_bits: mean(questions.iter().filter_map(|q| q.jensen_shannon_bits)),
        mean_standard_deviation_ratio: mean(
            questions.iter().filter_map(|q| q.standard_deviation_ratio),
        ),
        mean_subgroup_correlation: mean(
            questions
                .iter()
                .filter_map(|q| q.subgroup_correlation.map(|c| c.correlation)),
        ),
    };
    FidelityReport {
        table: "F:overall".into(),
        questions,
        overall,
        by: by.map(str::to_owned),
        human_rows: human.rows.len(),
        skipped: human.skipped.clone(),
    }
}

/// What the diagnostics hold each question to, from a comparison.
pub fn human_references(report: &FidelityReport) -> HashMap<String, HumanReference> {
    report
        .questions
        .iter()
        .map(|q| {
            (
                q.question.clone(),
                HumanReference {
                    standard_deviation: q.human_standard_deviation,
                    r_squared: q.human_r_squared,
                },
            )
        })
        .collect()
}

/// The answers a human file gives one question, for tests and exports.
pub fn human_values<'a>(human: &'a HumanAnswers, question: &str) -> Vec<&'a Answer> {
    human
        .rows
        .iter()
        .filter_map(|r| r.answers.get(question))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::parse;
    use crate::human::HumanRow;
    use crate::results::weigh;
    use crate::universe::{Dimension, Draw};

    fn survey() -> Survey {
        parse(
            r#"{ "format": "profitwheel-survey", "version": 1, "title": "T", "questions": [
              { "id": "lr", "type": "likert", "points": 5, "labels": ["Left", "Right"], "text": "Left or right?" },
              { "id": "vote", "type": "single_choice", "text": "Vote?", "options": [ {"id": "0", "label": "Clinton"}, {"id": "1", "label": "Dole"} ] } ] }"#,
        )
        .unwrap()
    }

    fn respondent(index: usize, group: &str) -> Respondent {
        Respondent {
            index,
            segment: "a".into(),
            twin_id: None,
            draw: Draw {
                categories: [("education".to_owned(), group.to_owned())]
                    .into_iter()
                    .collect(),
                age: None,
            },
            memories: Vec::new(),
            answered: true,
        }
    }

    fn stored(respondent: usize, question: &str, value: Answer) -> StoredAnswer {
        StoredAnswer {
            respondent,
            question: question.into(),
            value: Some(value),
            rated: None,
            text: String::new(),
            non_response: None,
            option_order: None,
            reversed: false,
        }
    }

    #[test]
    fn identical_answers_compare_as_identical_and_spread_collapse_shows_in_the_ratio() {
        let survey = survey();
        let education =
            Dimension::new("education", &[("a", 1.0), ("b", 1.0), ("c", 1.0)], "t").unwrap();
        let universe = Universe {
            dimensions: vec![education],
            joint: Vec::new(),
        };
        // Humans: points 1..5, twice each, groups a, b, c in turn; votes alternate.
        let mut rows = Vec::new();
        for i in 0..30 {
            let point = (i % 5) as u8 + 1;
            rows.push(HumanRow {
                answers: [
                    ("lr".to_owned(), Answer::Point(point)),
                    ("vote".to_owned(), Answer::Choice((i % 2).to_string())),
                ]
                .into_iter()
                .collect(),
                groups: [("education".to_owned(), ["a", "b", "c"][i % 3].to_owned())]
                    .into_iter()
                    .collect(),
            });
        }
        let human = HumanAnswers {
            rows,
            skipped: Vec::new(),
            questions: vec![
                ("lr".into(), "selfLR".into()),
                ("vote".into(), "vote".into()),
            ],
            dimensions: vec![("education".into(), "educ".into())],
        };
        // The same answers, synthetic.
        let respondents: Vec<Respondent> = (0..30)
            .map(|i| respondent(i, ["a", "b", "c"][i % 3]))
            .collect();
        let mut answers = Vec::new();
        for i in 0..30 {
            answers.push(stored(i, "lr", Answer::Point((i % 5) as u8 + 1)));
            answers.push(stored(i, "vote", Answer::Choice((i % 2).to_string())));
        }
        let weighting = weigh(&universe, &respondents, false).unwrap();
        let same = compare(
            &survey,
            &universe,
            &respondents,
            &answers,
            &weighting,
            &human,
            Some("education"),
            1.0,
        );
        let lr = &same.questions[0];
        assert!(lr.ordered);
        assert_eq!((lr.synthetic_answers, lr.human_answers), (30, 30));
        assert!((lr.ks_similarity.unwrap() - 1.0).abs() < 1e-12);
        assert!(lr.jensen_shannon_bits.unwrap().abs() < 1e-12);
        assert!((lr.standard_deviation_ratio.unwrap() - 1.0).abs() < 1e-12);
        // Subgroup means by education: a, b, c each mean 3 on both sides: they do not vary,
        // so there is no correlation to give.
        assert_eq!(lr.synthetic_subgroups.len(), 3);
        let vote = &same.questions[1];
        assert!(!vote.ordered && vote.ks_similarity.is_none() && vote.mean_ratio.is_none());
        assert!(vote.jensen_shannon_bits.unwrap().abs() < 1e-12);

        // Every synthetic respondent at 3: the mean is right and the spread gone.
        let collapsed: Vec<StoredAnswer> = (0..30)
            .flat_map(|i| {
                [
                    stored(i, "lr", Answer::Point(3)),
                    stored(i, "vote", Answer::Choice("0".into())),
                ]
            })
            .collect();
        let report = compare(
            &survey,
            &universe,
            &respondents,
            &collapsed,
            &weighting,
            &human,
            None,
            1.0,
        );
        let lr = &report.questions[0];
        assert!((lr.mean_ratio.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(lr.standard_deviation_ratio, Some(0.0));
        // KS: the largest CDF gap is at point 2 (0.4 human, 0 synthetic) or 3 (0.6 vs 1): 0.4.
        assert!((lr.ks_similarity.unwrap() - 0.6).abs() < 1e-12);
        // All "Clinton" against half: JSD of (1, 0) and (0.5, 0.5) is 0.311 bits.
        assert!((report.questions[1].jensen_shannon_bits.unwrap() - 0.311_278).abs() < 1e-5);
        assert_eq!(report.overall.questions, 2);
    }
}
