//! The diagnostics shown next to every result: the ways synthetic answers are known to go wrong
//! (`../shared/reference/synthetic-research.md`), measured on the run instead of assumed away.
//!
//! - **Spread**: the answers' standard deviation against a reference: the human answers when
//!   given, else what people's answers to a scale usually spread (about 0.3 of the scale's range:
//!   1.2 on a 1–5 scale; the human gazpacho panel gave 1.36 where the synthetic one gave 0.60).
//! - **Over-determination**: how much of the answers' variance the respondents' demographics and
//!   segment alone explain (R² of a least-squares fit on them), against the human R² when given.
//!   Models over-determine demographics in 126 of 128 WVS question–group pairs (Chen et al.);
//!   for people it is rarely above 0.15.
//! - **Order**: a split-half with reversed options (respondents at odd positions saw them in
//!   reverse): the option whose share moved most between the halves, with its interval and a
//!   p-value adjusted across questions (Benjamini–Hochberg).
//! - **Reliability**: a flag per question, with the reasons in words, saying when to confirm
//!   with real respondents.

use std::collections::HashMap;

use pw_statistics::{Rate, Z_95, benjamini_hochberg, chi_square_sf, two_proportion_test};
use serde::Serialize;

use crate::definition::{QuestionType, Survey};
use crate::results::{Reading, ResultOptions, ResultsError, categories_of, reading};
use crate::runs::{Respondent, StoredAnswer};
use crate::universe::{Universe, category_indices};

/// The spread ratio below which answers are called compressed.
pub const COMPRESSED_BELOW: f64 = 0.6;
/// The R² above which demographics are said to over-determine the answers.
pub const OVER_DETERMINED_ABOVE: f64 = 0.5;
/// The effective base below which intervals are called wide.
pub const THIN_BASE_BELOW: f64 = 100.0;
/// The item non-response share above which a question is flagged.
pub const NON_RESPONSE_ABOVE: f64 = 0.1;

/// Where a spread's reference comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpreadReference {
    /// The human answers imported for the fidelity harness.
    Human,
    /// What people's answers to this kind of scale usually spread.
    Expected,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    /// How far respondents differ from each other: the standard deviation of each one's most
    /// likely point (a rating) or answer. This, not the pooled distribution's spread, is what
    /// collapses when synthetic respondents answer alike: similarity ratings give every
    /// respondent a wide distribution of its own, which would hide identical respondents.
    pub standard_deviation: f64,
    /// The spread of the question's whole distribution (ratings: respondents' own uncertainty
    /// included), shown beside it.
    pub distribution_standard_deviation: Option<f64>,
    pub reference_standard_deviation: f64,
    pub reference: SpreadReference,
    /// Synthetic over reference.
    pub ratio: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverDetermination {
    pub r_squared: f64,
    pub adjusted_r_squared: f64,
    /// The dimensions fitted on.
    pub predictors: Vec<String>,
    pub respondents: usize,
    pub human_r_squared: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderEffect {
    /// The option whose share moved most between the halves.
    pub option: String,
    pub forward_share: f64,
    pub reversed_share: f64,
    /// Reversed less forward, with its 95% interval.
    pub difference: f64,
    pub low: f64,
    pub high: f64,
    pub p_value: f64,
    /// Adjusted across the survey's questions.
    pub q_value: f64,
    pub forward_respondents: usize,
    pub reversed_respondents: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reliability {
    /// No warning sign; the answers are still synthetic.
    NoWarning,
    /// Read with care: a thin base or many non-responses.
    Caution,
    /// A known failure shows: confirm with real respondents before acting.
    ConfirmWithPeople,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionDiagnostics {
    pub table: String,
    pub question: String,
    pub spread: Option<Spread>,
    pub over_determination: Option<OverDetermination>,
    pub order: Option<OrderEffect>,
    pub non_response_share: f64,
    pub effective_base: f64,
    pub reliability: Reliability,
    /// Why, in words; empty when nothing is wrong.
    pub reasons: Vec<String>,
}

/// Human figures to hold a question to, from the fidelity harness.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HumanReference {
    pub standard_deviation: Option<f64>,
    pub r_squared: Option<f64>,
}

/// The standard deviation people's answers to a question of this kind usually have.
pub fn expected_standard_deviation(kind: QuestionType, points: Option<u8>) -> Option<f64> {
    match kind {
        QuestionType::Likert | QuestionType::Matrix => {
            Some(0.3 * f64::from(points.unwrap_or(5).saturating_sub(1)))
        }
        QuestionType::Nps => Some(3.0),
        _ => None,
    }
}

/// R² (and adjusted R²) of an ordinary least-squares fit of `y` on an intercept and the
/// one-hot categories of `factors` (each factor's first category left out). `None` when there
/// are too few observations or nothing varies.
pub fn r_squared(y: &[f64], factors: &[(usize, Vec<usize>)]) -> Option<(f64, f64)> {
    let n = y.len();
    let columns: usize = 1 + factors
        .iter()
        .map(|(k, _)| k.saturating_sub(1))
        .sum::<usize>();
    if n <= columns + 1 || factors.iter().any(|(_, v)| v.len() != n) {
        return None;
    }
    let row = |i: usize| -> Vec<f64> {
        let mut x = vec![1.0];
        for (categories, values) in factors {
            for c in 1..*categories {
                x.push(if values[i] == c { 1.0 } else { 0.0 });
            }
        }
        x
    };
    // Normal equations X'X b = X'y, with a whisker of ridge so a category nobody is in (a
    // column of zeros) leaves the system solvable.
    let mut a = vec![vec![0.0; columns]; columns];
    let mut b = vec![0.0; columns];
    for (i, yi) in y.iter().enumerate() {
        let x = row(i);
        for p in 0..columns {
            b[p] += x[p] * yi;
            for q in 0..columns {
                a[p][q] += x[p] * x[q];
            }
        }
    }
    for (p, line) in a.iter_mut().enumerate() {
        line[p] += 1e-9;
    }
    let beta = solve(a, b)?;
    let mean = y.iter().sum::<f64>() / n as f64;
    let total: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    if total <= 1e-12 {
        return None;
    }
    let residual: f64 = y
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let fitted: f64 = row(i).iter().zip(&beta).map(|(x, c)| x * c).sum();
            (v - fitted).powi(2)
        })
        .sum();
    let r2 = (1.0 - residual / total).clamp(0.0, 1.0);
    let predictors = (columns - 1) as f64;
    let adjusted = 1.0 - (1.0 - r2) * (n as f64 - 1.0) / (n as f64 - predictors - 1.0);
    Some((r2, adjusted))
}

/// Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-15 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (done, rest) = a.split_at_mut(col + 1);
        let pivot_row = &done[col];
        for (offset, line) in rest.iter_mut().enumerate() {
            let factor = line[col] / pivot_row[col];
            for (cell, above) in line.iter_mut().zip(pivot_row).skip(col) {
                *cell -= factor * above;
            }
            b[col + 1 + offset] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let tail: f64 = (r + 1..n).map(|c| a[r][c] * x[c]).sum();
        x[r] = (b[r] - tail) / a[r][r];
    }
    Some(x)
}

/// The standard deviation of a mixture of per-respondent distributions over points `offset`,
/// `offset + 1`, …: the spread the question's whole distribution has.
fn mixture_standard_deviation(distributions: &[Vec<f64>], offset: f64) -> Option<f64> {
    let first = distributions.first()?;
    let n = distributions.len() as f64;
    let pooled: Vec<f64> = (0..first.len())
        .map(|i| {
            distributions
                .iter()
                .map(|d| d.get(i).copied().unwrap_or(0.0))
                .sum::<f64>()
                / n
        })
        .collect();
    let mean: f64 = pooled
        .iter()
        .enumerate()
        .map(|(i, p)| (i as f64 + offset) * p)
        .sum();
    let variance: f64 = pooled
        .iter()
        .enumerate()
        .map(|(i, p)| p * (i as f64 + offset - mean).powi(2))
        .sum();
    Some(variance.sqrt())
}

/// Each respondent's most likely point (the lower on a tie), counting from `offset`.
fn modal_points(distributions: &[Vec<f64>], offset: f64) -> Vec<f64> {
    distributions
        .iter()
        .map(|p| {
            let (best, _) =
                p.iter().enumerate().fold(
                    (0, f64::NEG_INFINITY),
                    |b, (i, &x)| if x > b.1 { (i, x) } else { b },
                );
            best as f64 + offset
        })
        .collect()
}

fn sample_standard_deviation(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    Some(
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt(),
    )
}

/// Every question's diagnostics. `humans` holds, per question id, the human figures when the
/// fidelity harness has them; `weights` are the respondents' (in `respondents` order).
pub fn diagnose(
    survey: &Survey,
    universe: &Universe,
    respondents: &[Respondent],
    answers: &[StoredAnswer],
    humans: &HashMap<String, HumanReference>,
    options: &ResultOptions,
    weights: &[f64],
) -> Result<Vec<QuestionDiagnostics>, ResultsError> {
    let position: HashMap<usize, usize> = respondents
        .iter()
        .enumerate()
        .map(|(i, r)| (r.index, i))
        .collect();
    let draws: Vec<_> = respondents.iter().map(|r| r.draw.clone()).collect();
    let factors: Vec<(String, usize, Vec<Option<usize>>)> = universe
        .dimensions
        .iter()
        .map(|d| {
            (
                d.name.clone(),
                d.categories.len(),
                category_indices(d, &draws),
            )
        })
        .collect();
    let mut out = Vec::with_capacity(survey.questions.len());
    let mut order_p = Vec::new();
    for question in &survey.questions {
        let mine: Vec<&StoredAnswer> = answers
            .iter()
            .filter(|a| a.question == question.id && position.contains_key(&a.respondent))
            .collect();
        let mut scores: Vec<(usize, f64)> = Vec::new();
        let mut distributions = Vec::new();
        let mut non_responses = 0usize;
        // (reversed, category index) for the order split.
        let mut halves: Vec<(bool, Vec<usize>)> = Vec::new();
        for answer in &mine {
            let at = position[&answer.respondent];
            match reading(question, answer, options.temperature)? {
                None => non_responses += 1,
                Some(Reading::Categories(p)) => {
                    let offset = if question.kind == QuestionType::Likert {
                        1.0
                    } else {
                        0.0
                    };
                    // Each respondent at its most likely point, a whole number as people
                    // answer: an expected point is smooth, and a fit on it would explain more
                    // than one on people's answers for no fault of the respondents.
                    scores.push((at, modal_points(std::slice::from_ref(&p), offset)[0]));
                    if answer.option_order.is_some() {
                        let modal = p
                            .iter()
                            .enumerate()
                            .fold(
                                (0, f64::NEG_INFINITY),
                                |b, (i, &x)| if x > b.1 { (i, x) } else { b },
                            )
                            .0;
                        halves.push((answer.reversed, vec![modal]));
                    }
                    distributions.push(p);
                }
                Some(Reading::Chosen(ids)) => halves.push((answer.reversed, ids)),
                Some(Reading::Ranked(ids)) => {
                    halves.push((answer.reversed, ids.into_iter().take(1).collect()))
                }
                Some(Reading::Number(n)) => scores.push((at, n)),
                Some(Reading::Points(points)) => {
                    if !points.is_empty() {
                        let mean =
                            points.iter().map(|p| f64::from(*p)).sum::<f64>() / points.len() as f64;
                        scores.push((at, mean));
                    }
                }
                Some(Reading::Text) => {}
            }
        }
        let human = humans.get(&question.id).copied().unwrap_or_default();
        let ordered = matches!(
            question.kind,
            QuestionType::Likert | QuestionType::Nps | QuestionType::Numeric | QuestionType::Matrix
        );
        let spread = if !ordered {
            None
        } else {
            let (synthetic, distribution) = match question.kind {
                QuestionType::Likert | QuestionType::Nps => {
                    let offset = if question.kind == QuestionType::Likert {
                        1.0
                    } else {
                        0.0
                    };
                    (
                        sample_standard_deviation(&modal_points(&distributions, offset)),
                        mixture_standard_deviation(&distributions, offset),
                    )
                }
                _ => (
                    sample_standard_deviation(&scores.iter().map(|(_, s)| *s).collect::<Vec<_>>()),
                    None,
                ),
            };
            let reference = match human.standard_deviation {
                Some(sd) => Some((sd, SpreadReference::Human)),
                None => expected_standard_deviation(question.kind, question.points)
                    .map(|sd| (sd, SpreadReference::Expected)),
            };
            match (synthetic, reference) {
                (Some(sd), Some((reference_sd, reference))) if reference_sd > 0.0 => Some(Spread {
                    standard_deviation: sd,
                    distribution_standard_deviation: distribution,
                    reference_standard_deviation: reference_sd,
                    reference,
                    ratio: sd / reference_sd,
                }),
                _ => None,
            }
        };
        let over_determination = if ordered && scores.len() > 2 {
            let usable: Vec<&(String, usize, Vec<Option<usize>>)> = factors
                .iter()
                .filter(|(_, k, values)| {
                    *k > 1 && scores.iter().all(|(at, _)| values[*at].is_some())
                })
                .collect();
            let y: Vec<f64> = scores.iter().map(|(_, s)| *s).collect();
            let fitted: Vec<(usize, Vec<usize>)> = usable
                .iter()
                .map(|(_, k, values)| {
                    (
                        *k,
                        scores
                            .iter()
                            .map(|(at, _)| values[*at].unwrap_or(0))
                            .collect(),
                    )
                })
                .collect();
            r_squared(&y, &fitted).map(|(r2, adjusted)| OverDetermination {
                r_squared: r2,
                adjusted_r_squared: adjusted,
                predictors: usable.iter().map(|(name, _, _)| name.clone()).collect(),
                respondents: y.len(),
                human_r_squared: human.r_squared,
            })
        } else {
            None
        };
        // A question whose options are shuffled for everyone shows both halves random orders:
        // reversing a random order is another random order, so the split cannot measure it.
        let order = if question.randomize {
            None
        } else {
            order_effect(
                &categories_of(question),
                &halves,
                question.kind != QuestionType::MultipleChoice,
            )
        };
        if let Some(effect) = &order {
            order_p.push((out.len(), effect.p_value));
        }
        // The base the results' intervals rest on: the answering respondents' weights.
        let answering: Vec<f64> = mine
            .iter()
            .filter(|a| a.value.is_some())
            .map(|a| weights.get(position[&a.respondent]).copied().unwrap_or(1.0))
            .collect();
        out.push(QuestionDiagnostics {
            table: format!("D:{}", question.id),
            question: question.id.clone(),
            spread,
            over_determination,
            order,
            non_response_share: if mine.is_empty() {
                0.0
            } else {
                non_responses as f64 / mine.len() as f64
            },
            effective_base: crate::raking::kish_design_effect(&answering).1,
            reliability: Reliability::NoWarning,
            reasons: Vec::new(),
        });
    }
    let adjusted = benjamini_hochberg(&order_p.iter().map(|(_, p)| *p).collect::<Vec<_>>());
    for ((index, _), q) in order_p.iter().zip(adjusted) {
        if let Some(effect) = out[*index].order.as_mut() {
            effect.q_value = q;
        }
    }
    for diagnostics in &mut out {
        judge(diagnostics);
    }
    Ok(out)
}

/// Whether answers differ between the forward and the reversed half, and the option whose
/// share moved most. With one answer each (`exclusive`), the p-value is a χ² test of the two
/// halves' whole distributions, so picking the option that moved most afterwards costs nothing;
/// with several (multiple choice) it is the largest option's two-proportion test, Bonferroni-
/// corrected for having looked at every option.
fn order_effect(
    categories: &[(String, String)],
    halves: &[(bool, Vec<usize>)],
    exclusive: bool,
) -> Option<OrderEffect> {
    let forward: Vec<&Vec<usize>> = halves.iter().filter(|(r, _)| !r).map(|(_, c)| c).collect();
    let reversed: Vec<&Vec<usize>> = halves.iter().filter(|(r, _)| *r).map(|(_, c)| c).collect();
    if forward.is_empty() || reversed.is_empty() || categories.len() < 2 {
        return None;
    }
    let count = |side: &[&Vec<usize>], option: usize| {
        side.iter().filter(|c| c.contains(&option)).count() as f64
    };
    let (nf, nr) = (forward.len() as f64, reversed.len() as f64);
    let (option, _) = (0..categories.len())
        .map(|o| {
            (
                o,
                (count(&reversed, o) / nr - count(&forward, o) / nf).abs(),
            )
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    let (f, r) = (count(&forward, option), count(&reversed, option));
    let (pf, pr) = (f / nf, r / nr);
    let difference = pr - pf;
    let half = Z_95 * (pf * (1.0 - pf) / nf + pr * (1.0 - pr) / nr).sqrt();
    let p_value = if exclusive {
        let mut statistic = 0.0;
        let mut used = 0usize;
        for o in 0..categories.len() {
            let (a, b) = (count(&forward, o), count(&reversed, o));
            let total = a + b;
            if total == 0.0 {
                continue;
            }
            used += 1;
            for (observed, side) in [(a, nf), (b, nr)] {
                let expected = total * side / (nf + nr);
                statistic += (observed - expected).powi(2) / expected;
            }
        }
        if used < 2 {
            1.0
        } else {
            chi_square_sf(statistic, (used - 1) as f64)
        }
    } else {
        let raw = match (Rate::wilson(r, nr), Rate::wilson(f, nf)) {
            (Some(a), Some(b)) => two_proportion_test(a, b).map_or(1.0, |(_, p)| p),
            _ => 1.0,
        };
        (raw * categories.len() as f64).min(1.0)
    };
    Some(OrderEffect {
        option: categories[option].1.clone(),
        forward_share: pf,
        reversed_share: pr,
        difference,
        low: difference - half,
        high: difference + half,
        p_value,
        q_value: p_value,
        forward_respondents: forward.len(),
        reversed_respondents: reversed.len(),
    })
}

fn judge(d: &mut QuestionDiagnostics) {
    let mut confirm = Vec::new();
    let mut caution = Vec::new();
    if let Some(spread) = &d.spread
        && spread.ratio < COMPRESSED_BELOW
    {
        let against = match spread.reference {
            SpreadReference::Human => "the human answers",
            SpreadReference::Expected => "people's answers usually do",
        };
        confirm.push(format!(
            "The answers spread {:.0}% as much as {against} (standard deviation {:.2} against {:.2}): synthetic respondents agree more than people do.",
            spread.ratio * 100.0,
            spread.standard_deviation,
            spread.reference_standard_deviation
        ));
    }
    // Adjusted R², on both sides: more predictors than people's file has explain more by
    // chance alone, and the adjustment takes that out.
    if let Some(fit) = &d.over_determination
        && fit.adjusted_r_squared
            > OVER_DETERMINED_ABOVE.min(
                fit.human_r_squared
                    .map_or(f64::INFINITY, |h| 2.0 * h.max(0.05)),
            )
    {
        let people = match fit.human_r_squared {
            Some(h) => format!("{:.0}% for the human answers", h * 100.0),
            None => "rarely over 15% for people".to_owned(),
        };
        confirm.push(format!(
            "Demographics and segment alone explain {:.0}% of the answers ({people}): the respondents may be answering as stereotypes.",
            fit.adjusted_r_squared * 100.0
        ));
    }
    if let Some(order) = &d.order
        && order.q_value < 0.05
    {
        confirm.push(format!(
            "The answers moved with the order of the options: \"{}\" got {:.0}% in one order and {:.0}% in the reverse.",
            order.option,
            order.forward_share * 100.0,
            order.reversed_share * 100.0
        ));
    }
    if d.non_response_share > NON_RESPONSE_ABOVE {
        caution.push(format!(
            "{:.0}% of the respondents asked gave no usable answer.",
            d.non_response_share * 100.0
        ));
    }
    if d.effective_base < THIN_BASE_BELOW {
        caution.push(format!(
            "The base is {:.0} respondents: intervals are wide.",
            d.effective_base
        ));
    }
    d.reliability = if !confirm.is_empty() {
        Reliability::ConfirmWithPeople
    } else if !caution.is_empty() {
        Reliability::Caution
    } else {
        Reliability::NoWarning
    };
    d.reasons = confirm.into_iter().chain(caution).collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_squared_is_one_for_a_perfect_fit_and_known_for_a_constructed_one() {
        // y = 2 + 3·[group 1]: a perfect fit.
        let groups = vec![0, 1, 0, 1, 0, 1];
        let y: Vec<f64> = groups.iter().map(|g| 2.0 + 3.0 * *g as f64).collect();
        let (r2, _) = r_squared(&y, &[(2, groups.clone())]).unwrap();
        assert!((r2 - 1.0).abs() < 1e-9);
        // Group means 1 and 3 with within-group deviations ±1: between SS = 6·1 = 6,
        // within SS = 6·1 = 6, so R² = 6 / 12 = 0.5.
        let y = vec![0.0, 2.0, 2.0, 4.0, 0.0, 2.0, 2.0, 4.0, 0.0, 2.0, 2.0, 4.0];
        let g = vec![0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1];
        let (r2, adjusted) = r_squared(&y, &[(2, g)]).unwrap();
        assert!((r2 - 0.5).abs() < 1e-9, "{r2}");
        // 1 − 0.5 · 11/10 = 0.45.
        assert!((adjusted - 0.45).abs() < 1e-9);
        // A factor with nobody in a category still fits.
        assert!(
            r_squared(
                &[1.0, 2.0, 3.0, 1.0, 2.0, 3.0],
                &[(3, vec![0, 1, 0, 1, 0, 1])]
            )
            .is_some()
        );
        assert_eq!(
            r_squared(&[1.0, 1.0, 1.0, 1.0], &[(2, vec![0, 1, 0, 1])]),
            None
        );
    }

    #[test]
    fn the_mixture_spread_counts_spread_within_each_respondent() {
        // Every respondent split between 1 and 5: each expected point is 3 (no spread between
        // respondents) but the answers spread by 2.
        let d = vec![vec![0.5, 0.0, 0.0, 0.0, 0.5]; 4];
        assert!((mixture_standard_deviation(&d, 1.0).unwrap() - 2.0).abs() < 1e-12);
        let expected =
            |points| expected_standard_deviation(QuestionType::Likert, Some(points)).unwrap();
        assert!((expected(5) - 1.2).abs() < 1e-12 && (expected(7) - 1.8).abs() < 1e-12);
    }

    #[test]
    fn a_reversed_half_that_picks_the_option_shown_first_is_an_order_effect() {
        let categories = vec![
            ("a".to_owned(), "A".to_owned()),
            ("b".to_owned(), "B".to_owned()),
        ];
        // Forward: 80 of 100 pick A (shown first); reversed: 20 of 100 pick A (shown last).
        let mut halves = Vec::new();
        for i in 0..100 {
            halves.push((false, vec![usize::from(i >= 80)]));
            halves.push((true, vec![usize::from(i >= 20)]));
        }
        let effect = order_effect(&categories, &halves, true).unwrap();
        assert!(
            (effect.forward_share - 0.8).abs() < 1e-12
                || (effect.forward_share - 0.2).abs() < 1e-12
        );
        assert!((effect.difference.abs() - 0.6).abs() < 1e-12);
        assert!(effect.p_value < 1e-10);
        assert!(effect.low.abs() > 0.0 && effect.low.signum() == effect.high.signum());
        let mut d = QuestionDiagnostics {
            table: "D:q".into(),
            question: "q".into(),
            spread: Some(Spread {
                standard_deviation: 0.6,
                distribution_standard_deviation: None,
                reference_standard_deviation: 1.36,
                reference: SpreadReference::Human,
                ratio: 0.6 / 1.36,
            }),
            over_determination: None,
            order: Some(effect),
            non_response_share: 0.0,
            effective_base: 200.0,
            reliability: Reliability::NoWarning,
            reasons: Vec::new(),
        };
        judge(&mut d);
        assert_eq!(d.reliability, Reliability::ConfirmWithPeople);
        assert_eq!(d.reasons.len(), 2);
        assert!(
            d.reasons[0].contains("44% as much as the human answers"),
            "{}",
            d.reasons[0]
        );
        // No effect when both halves answer alike.
        let same: Vec<(bool, Vec<usize>)> =
            (0..40).map(|i| (i % 2 == 1, vec![(i / 2) % 2])).collect();
        assert!(order_effect(&categories, &same, true).unwrap().p_value > 0.5);
        // Several options each: the largest move's test pays for having looked at both.
        let several: Vec<(bool, Vec<usize>)> = (0..40).map(|i| (i % 2 == 1, vec![0, 1])).collect();
        assert!((order_effect(&categories, &several, false).unwrap().p_value - 1.0).abs() < 1e-12);
    }
}
