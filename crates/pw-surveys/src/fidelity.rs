//! How close synthetic answers come to human answers to the same question (issue 14, item 6):
//! KS similarity (1 − the largest gap between the two cumulative distributions), Jensen–Shannon
//! divergence in bits, the ratio of means and of standard deviations (synthetic over human),
//! and the correlation of subgroup means, per question and overall.
//!
//! These measure the field's known failures (`../shared/reference/synthetic-research.md` §0):
//! a mean ratio near 1 with a standard-deviation ratio well below 1 is the "mean right, spread
//! collapsed" pattern, and a weak subgroup correlation shows subgroup effects that do not match.

use serde::Serialize;

/// Which side of the comparison an input came from, to name it in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Side {
    /// The synthetic respondents' answers.
    Synthetic,
    /// The real respondents' answers.
    Human,
}

impl std::fmt::Display for Side {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Side::Synthetic => "synthetic",
            Side::Human => "human",
        })
    }
}

/// Why two sets of answers could not be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FidelityError {
    /// The two distributions have different numbers of answer options.
    #[error(
        "the synthetic distribution has {synthetic} answer options but the human one has {human}: compare the same question's options"
    )]
    OptionCountsDiffer {
        /// Options in the synthetic distribution.
        synthetic: usize,
        /// Options in the human distribution.
        human: usize,
    },
    /// A distribution with no answer options.
    #[error("the {side} distribution has no answer options")]
    NoOptions {
        /// Which distribution.
        side: Side,
    },
    /// A share that is negative or not a finite number.
    #[error(
        "the {side} distribution has share {share} for answer option {option}; shares must be zero or positive numbers"
    )]
    InvalidShare {
        /// Which distribution.
        side: Side,
        /// The option, counted from 1.
        option: usize,
        /// The share given.
        share: f64,
    },
    /// A distribution whose shares add up to zero.
    #[error("the {side} distribution's shares add up to zero, so it says nothing")]
    ZeroTotal {
        /// Which distribution.
        side: Side,
    },
    /// No answers on one side.
    #[error("there are no {side} answers to compare")]
    NoAnswers {
        /// Which side.
        side: Side,
    },
    /// An answer that is not a finite number.
    #[error("{side} answer {answer} is not a finite number")]
    NonFiniteAnswer {
        /// Which side.
        side: Side,
        /// The answer, counted from 1.
        answer: usize,
    },
    /// Weights that do not match the answers one to one.
    #[error("there are {weights} {side} weights for {answers} answers: give one weight each")]
    WeightCountMismatch {
        /// Which side.
        side: Side,
        /// How many weights were given.
        weights: usize,
        /// How many answers there are.
        answers: usize,
    },
    /// A weight that is negative or not a finite number.
    #[error("{side} answer {answer} has weight {weight}; weights must be zero or positive numbers")]
    InvalidWeight {
        /// Which side.
        side: Side,
        /// The answer, counted from 1.
        answer: usize,
        /// The weight given.
        weight: f64,
    },
    /// Every answer on one side has weight zero.
    #[error("every {side} answer has weight zero, so there is nothing to compare")]
    ZeroTotalWeight {
        /// Which side.
        side: Side,
    },
    /// A subgroup listed twice on one side.
    #[error("the {side} subgroup means list subgroup \"{subgroup}\" twice")]
    DuplicateSubgroup {
        /// Which side.
        side: Side,
        /// The subgroup's name.
        subgroup: String,
    },
    /// A subgroup mean that is not a finite number.
    #[error("the {side} mean of subgroup \"{subgroup}\" is not a finite number")]
    NonFiniteSubgroupMean {
        /// Which side.
        side: Side,
        /// The subgroup's name.
        subgroup: String,
    },
    /// An error comparing one question's answers.
    #[error("question {question}: {reason}")]
    InQuestion {
        /// The question's id.
        question: String,
        /// What went wrong.
        reason: Box<FidelityError>,
    },
}

/// KS similarity, 1 − D, of two distributions over the same ordered answer options (lowest
/// first), where D is the largest gap between their cumulative distributions. Shares are
/// normalised, so counts work as well. 1 is identical; 0 is as far apart as possible.
pub fn ks_similarity_pmfs(synthetic: &[f64], human: &[f64]) -> Result<f64, FidelityError> {
    let (synthetic, human) = normalised_pair(synthetic, human)?;
    let mut synthetic_cdf = 0.0;
    let mut human_cdf = 0.0;
    let mut largest_gap: f64 = 0.0;
    for (s, h) in synthetic.iter().zip(&human) {
        synthetic_cdf += s;
        human_cdf += h;
        largest_gap = largest_gap.max((synthetic_cdf - human_cdf).abs());
    }
    Ok(1.0 - largest_gap.min(1.0))
}

/// KS similarity, 1 − D, of two numeric samples with optional weights, D being the two-sample
/// Kolmogorov–Smirnov statistic: the largest gap between the empirical cumulative distributions.
/// Tied values are stepped over together, so the gap is only measured between distinct values
/// (measuring it half-way through a tie would overstate D).
pub fn ks_similarity_samples(
    synthetic: &[f64],
    synthetic_weights: Option<&[f64]>,
    human: &[f64],
    human_weights: Option<&[f64]>,
) -> Result<f64, FidelityError> {
    let synthetic = sorted_weighted(Side::Synthetic, synthetic, synthetic_weights)?;
    let human = sorted_weighted(Side::Human, human, human_weights)?;
    let synthetic_total: f64 = synthetic.iter().map(|(_, w)| w).sum();
    let human_total: f64 = human.iter().map(|(_, w)| w).sum();
    let (mut i, mut j) = (0, 0);
    let (mut synthetic_cdf, mut human_cdf) = (0.0, 0.0);
    let mut largest_gap: f64 = 0.0;
    while i < synthetic.len() || j < human.len() {
        let next_value = match (synthetic.get(i), human.get(j)) {
            (Some(s), Some(h)) => s.0.min(h.0),
            (Some(s), None) => s.0,
            (None, Some(h)) => h.0,
            (None, None) => break,
        };
        while let Some(&(value, weight)) = synthetic.get(i)
            && value == next_value
        {
            synthetic_cdf += weight / synthetic_total;
            i += 1;
        }
        while let Some(&(value, weight)) = human.get(j)
            && value == next_value
        {
            human_cdf += weight / human_total;
            j += 1;
        }
        largest_gap = largest_gap.max((synthetic_cdf - human_cdf).abs());
    }
    Ok(1.0 - largest_gap.min(1.0))
}

/// Jensen–Shannon divergence between two distributions over the same answer options, in bits
/// (base-2 logarithms), so it runs from 0 (identical) to 1 (no option in common). Shares are
/// normalised, so counts work as well; an option with share 0 contributes 0 (0·log 0 = 0).
pub fn jensen_shannon_bits(synthetic: &[f64], human: &[f64]) -> Result<f64, FidelityError> {
    let (synthetic, human) = normalised_pair(synthetic, human)?;
    let mut divergence = 0.0;
    for (&p, &q) in synthetic.iter().zip(&human) {
        let midpoint = (p + q) / 2.0;
        if p > 0.0 {
            divergence += 0.5 * p * (p / midpoint).log2();
        }
        if q > 0.0 {
            divergence += 0.5 * q * (q / midpoint).log2();
        }
    }
    // Rounding can put it a hair outside [0, 1].
    Ok(divergence.clamp(0.0, 1.0))
}

/// The weighted mean and spread of one side's numeric answers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Moments {
    /// How many answers (unweighted).
    pub answers: usize,
    /// The weighted mean.
    pub mean: f64,
    /// The population standard deviation, √(Σ w·(x − mean)² / Σ w): the spread of the answers
    /// as given. Not the n − 1 sample version, because with survey weights there is no single
    /// right correction, and for a ratio of spreads the correction nearly cancels (for 50
    /// answers or more it moves each SD by under 1%).
    pub standard_deviation: f64,
}

impl Moments {
    /// The moments of numeric answers with optional weights (one per answer, zero or positive).
    pub fn of_sample(
        side: Side,
        values: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<Moments, FidelityError> {
        let weighted = sorted_weighted(side, values, weights)?;
        let total: f64 = weighted.iter().map(|(_, w)| w).sum();
        let mean = weighted.iter().map(|(x, w)| x * w).sum::<f64>() / total;
        let variance = weighted
            .iter()
            .map(|(x, w)| w * (x - mean) * (x - mean))
            .sum::<f64>()
            / total;
        Ok(Moments {
            answers: values.len(),
            mean,
            standard_deviation: variance.sqrt(),
        })
    }

    /// The moments of an ordinal distribution whose options are scored 1, 2, .., n (lowest
    /// first); `answers` is the number of options, since the shares carry no count.
    pub fn of_distribution(side: Side, shares: &[f64]) -> Result<Moments, FidelityError> {
        let normalised = normalised(side, shares)?;
        let points: Vec<f64> = (1..=normalised.len()).map(|point| point as f64).collect();
        Moments::of_sample(side, &points, Some(&normalised))
    }
}

/// Synthetic mean over human mean; `None` when the human mean is zero (no ratio exists).
pub fn mean_ratio(synthetic: &Moments, human: &Moments) -> Option<f64> {
    ratio(synthetic.mean, human.mean)
}

/// Synthetic standard deviation over human; `None` when the human answers do not vary. Below
/// 1 means the synthetic answers are more alike than real people's.
pub fn standard_deviation_ratio(synthetic: &Moments, human: &Moments) -> Option<f64> {
    ratio(synthetic.standard_deviation, human.standard_deviation)
}

/// The mean answer of one subgroup (a demographic cell or a segment) on one side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubgroupMean {
    /// The subgroup's name, matched exactly between the two sides.
    pub subgroup: String,
    /// The subgroup's mean answer.
    pub mean: f64,
    /// How many respondents the mean rests on.
    pub respondents: usize,
}

/// The correlation of subgroup means between synthetic and human answers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SubgroupCorrelation {
    /// Pearson's r between the synthetic and the human subgroup means.
    pub correlation: f64,
    /// How many subgroups it was computed over.
    pub subgroups: usize,
}

/// Pearson correlation of subgroup means over the subgroups present on both sides with at
/// least `min_respondents` respondents on each (smaller ones are too noisy to compare). `None`
/// with fewer than 3 such subgroups (two points always line up) or when either side's means
/// do not vary.
pub fn subgroup_mean_correlation(
    synthetic: &[SubgroupMean],
    human: &[SubgroupMean],
    min_respondents: usize,
) -> Result<Option<SubgroupCorrelation>, FidelityError> {
    check_subgroups(Side::Synthetic, synthetic)?;
    check_subgroups(Side::Human, human)?;
    let (synthetic_means, human_means): (Vec<f64>, Vec<f64>) = synthetic
        .iter()
        .filter(|s| s.respondents >= min_respondents)
        .filter_map(|s| {
            human
                .iter()
                .find(|h| h.subgroup == s.subgroup && h.respondents >= min_respondents)
                .map(|h| (s.mean, h.mean))
        })
        .unzip();
    if synthetic_means.len() < 3 {
        return Ok(None);
    }
    Ok(
        pearson(&synthetic_means, &human_means).map(|correlation| SubgroupCorrelation {
            correlation,
            subgroups: synthetic_means.len(),
        }),
    )
}

/// Pearson's correlation coefficient of paired values; `None` when the lengths differ, there
/// are fewer than 2 pairs, or either side does not vary.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let count = x.len() as f64;
    let mean_x = x.iter().sum::<f64>() / count;
    let mean_y = y.iter().sum::<f64>() / count;
    let (mut cross, mut spread_x, mut spread_y) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        cross += (a - mean_x) * (b - mean_y);
        spread_x += (a - mean_x) * (a - mean_x);
        spread_y += (b - mean_y) * (b - mean_y);
    }
    if spread_x <= 0.0 || spread_y <= 0.0 {
        return None;
    }
    Some((cross / (spread_x * spread_y).sqrt()).clamp(-1.0, 1.0))
}

/// One question's synthetic answers against its human answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionFidelity {
    /// The question's id.
    pub question: String,
    /// 1 − the KS statistic.
    pub ks_similarity: f64,
    /// Jensen–Shannon divergence in bits; `None` for numeric questions, whose answers have no
    /// options to compare share by share.
    pub jensen_shannon_bits: Option<f64>,
    /// Synthetic mean over human mean.
    pub mean_ratio: Option<f64>,
    /// Synthetic standard deviation over human.
    pub standard_deviation_ratio: Option<f64>,
    /// Correlation of subgroup means, when there were enough subgroups.
    pub subgroup_correlation: Option<SubgroupCorrelation>,
}

impl QuestionFidelity {
    /// Compares an ordinal question's two distributions over the same options (lowest first),
    /// scoring options 1..n for the mean and spread. Subgroup correlation is left `None`; set
    /// it from [`subgroup_mean_correlation`].
    pub fn from_distributions(
        question: &str,
        synthetic: &[f64],
        human: &[f64],
    ) -> Result<QuestionFidelity, FidelityError> {
        let in_question = |reason| FidelityError::InQuestion {
            question: question.to_owned(),
            reason: Box::new(reason),
        };
        let ks_similarity = ks_similarity_pmfs(synthetic, human).map_err(in_question)?;
        let jensen_shannon = jensen_shannon_bits(synthetic, human).map_err(in_question)?;
        let synthetic_moments =
            Moments::of_distribution(Side::Synthetic, synthetic).map_err(in_question)?;
        let human_moments = Moments::of_distribution(Side::Human, human).map_err(in_question)?;
        Ok(QuestionFidelity {
            question: question.to_owned(),
            ks_similarity,
            jensen_shannon_bits: Some(jensen_shannon),
            mean_ratio: mean_ratio(&synthetic_moments, &human_moments),
            standard_deviation_ratio: standard_deviation_ratio(&synthetic_moments, &human_moments),
            subgroup_correlation: None,
        })
    }

    /// Compares a numeric question's answers, each side with optional weights. Subgroup
    /// correlation is left `None`; set it from [`subgroup_mean_correlation`].
    pub fn from_samples(
        question: &str,
        synthetic: &[f64],
        synthetic_weights: Option<&[f64]>,
        human: &[f64],
        human_weights: Option<&[f64]>,
    ) -> Result<QuestionFidelity, FidelityError> {
        let in_question = |reason| FidelityError::InQuestion {
            question: question.to_owned(),
            reason: Box::new(reason),
        };
        let ks_similarity =
            ks_similarity_samples(synthetic, synthetic_weights, human, human_weights)
                .map_err(in_question)?;
        let synthetic_moments = Moments::of_sample(Side::Synthetic, synthetic, synthetic_weights)
            .map_err(in_question)?;
        let human_moments =
            Moments::of_sample(Side::Human, human, human_weights).map_err(in_question)?;
        Ok(QuestionFidelity {
            question: question.to_owned(),
            ks_similarity,
            jensen_shannon_bits: None,
            mean_ratio: mean_ratio(&synthetic_moments, &human_moments),
            standard_deviation_ratio: standard_deviation_ratio(&synthetic_moments, &human_moments),
            subgroup_correlation: None,
        })
    }
}

/// The survey-wide summary of per-question fidelity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FidelitySummary {
    /// How many questions were compared.
    pub questions: usize,
    /// Mean KS similarity over those questions; `None` when there are none.
    pub mean_ks_similarity: Option<f64>,
    /// Mean Jensen–Shannon divergence over the questions that have one (not numeric ones).
    pub mean_jensen_shannon_bits: Option<f64>,
    /// How many questions the mean divergence is over.
    pub questions_with_jensen_shannon: usize,
}

/// Means of the per-question KS similarity and Jensen–Shannon divergence.
pub fn overall(questions: &[QuestionFidelity]) -> FidelitySummary {
    let divergences: Vec<f64> = questions
        .iter()
        .filter_map(|q| q.jensen_shannon_bits)
        .collect();
    let similarities: Vec<f64> = questions.iter().map(|q| q.ks_similarity).collect();
    FidelitySummary {
        questions: questions.len(),
        mean_ks_similarity: mean(&similarities),
        mean_jensen_shannon_bits: mean(&divergences),
        questions_with_jensen_shannon: divergences.len(),
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<f64>() / values.len() as f64)
    }
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    if denominator == 0.0 {
        None
    } else {
        Some(numerator / denominator)
    }
}

fn normalised(side: Side, shares: &[f64]) -> Result<Vec<f64>, FidelityError> {
    if shares.is_empty() {
        return Err(FidelityError::NoOptions { side });
    }
    if let Some((index, &share)) = shares
        .iter()
        .enumerate()
        .find(|(_, s)| !(s.is_finite() && **s >= 0.0))
    {
        return Err(FidelityError::InvalidShare {
            side,
            option: index + 1,
            share,
        });
    }
    let total: f64 = shares.iter().sum();
    if total <= 0.0 {
        return Err(FidelityError::ZeroTotal { side });
    }
    Ok(shares.iter().map(|s| s / total).collect())
}

fn normalised_pair(
    synthetic: &[f64],
    human: &[f64],
) -> Result<(Vec<f64>, Vec<f64>), FidelityError> {
    if synthetic.len() != human.len() {
        return Err(FidelityError::OptionCountsDiffer {
            synthetic: synthetic.len(),
            human: human.len(),
        });
    }
    Ok((
        normalised(Side::Synthetic, synthetic)?,
        normalised(Side::Human, human)?,
    ))
}

/// Validated (value, weight) pairs sorted by value, with a positive total weight.
fn sorted_weighted(
    side: Side,
    values: &[f64],
    weights: Option<&[f64]>,
) -> Result<Vec<(f64, f64)>, FidelityError> {
    if values.is_empty() {
        return Err(FidelityError::NoAnswers { side });
    }
    if let Some(index) = values.iter().position(|v| !v.is_finite()) {
        return Err(FidelityError::NonFiniteAnswer {
            side,
            answer: index + 1,
        });
    }
    let mut pairs: Vec<(f64, f64)> = match weights {
        None => values.iter().map(|&v| (v, 1.0)).collect(),
        Some(weights) => {
            if weights.len() != values.len() {
                return Err(FidelityError::WeightCountMismatch {
                    side,
                    weights: weights.len(),
                    answers: values.len(),
                });
            }
            if let Some((index, &weight)) = weights
                .iter()
                .enumerate()
                .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
            {
                return Err(FidelityError::InvalidWeight {
                    side,
                    answer: index + 1,
                    weight,
                });
            }
            values
                .iter()
                .copied()
                .zip(weights.iter().copied())
                .collect()
        }
    };
    if pairs.iter().map(|(_, w)| w).sum::<f64>() <= 0.0 {
        return Err(FidelityError::ZeroTotalWeight { side });
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(pairs)
}

fn check_subgroups(side: Side, subgroups: &[SubgroupMean]) -> Result<(), FidelityError> {
    for (index, group) in subgroups.iter().enumerate() {
        if !group.mean.is_finite() {
            return Err(FidelityError::NonFiniteSubgroupMean {
                side,
                subgroup: group.subgroup.clone(),
            });
        }
        if subgroups[..index]
            .iter()
            .any(|earlier| earlier.subgroup == group.subgroup)
        {
            return Err(FidelityError::DuplicateSubgroup {
                side,
                subgroup: group.subgroup.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOLERANCE: f64 = 1e-9;

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < TOLERANCE,
            "{actual} vs {expected}"
        );
    }

    fn group(name: &str, mean: f64, respondents: usize) -> SubgroupMean {
        SubgroupMean {
            subgroup: name.to_owned(),
            mean,
            respondents,
        }
    }

    #[test]
    fn jensen_shannon_of_disjoint_distributions_is_one_bit() {
        // m = (0.5, 0.5); KL(p‖m) = 1·log2(1/0.5) = 1, likewise for q; JSD = (1 + 1)/2 = 1.
        assert_close(jensen_shannon_bits(&[1.0, 0.0], &[0.0, 1.0]).unwrap(), 1.0);
    }

    #[test]
    fn jensen_shannon_of_half_and_certain_matches_hand_computation() {
        // p = (0.5, 0.5), q = (1, 0), m = (0.75, 0.25).
        // KL(p‖m) = 0.5·log2(0.5/0.75) + 0.5·log2(0.5/0.25) = 0.5·(−0.5849625) + 0.5·1 = 0.2075187
        // KL(q‖m) = 1·log2(1/0.75) = 0.4150375 (the 0·log 0 term is 0)
        // JSD = (0.2075187 + 0.4150375)/2 = 0.3112781.
        let expected = 0.5 * (0.5 * (0.5_f64 / 0.75).log2() + 0.5) + 0.5 * (1.0_f64 / 0.75).log2();
        let jsd = jensen_shannon_bits(&[0.5, 0.5], &[1.0, 0.0]).unwrap();
        assert_close(jsd, expected);
        assert!((jsd - 0.311278).abs() < 1e-6, "{jsd}");
        // Counts are normalised first: 2:2 and 3:0 are the same distributions.
        assert_close(jensen_shannon_bits(&[2.0, 2.0], &[3.0, 0.0]).unwrap(), jsd);
    }

    #[test]
    fn jensen_shannon_of_identical_distributions_is_zero() {
        assert_close(
            jensen_shannon_bits(&[0.1, 0.2, 0.7], &[0.1, 0.2, 0.7]).unwrap(),
            0.0,
        );
    }

    #[test]
    fn distributions_that_cannot_be_compared_are_refused() {
        assert_eq!(
            jensen_shannon_bits(&[0.5, 0.5], &[1.0, 0.0, 0.0]),
            Err(FidelityError::OptionCountsDiffer {
                synthetic: 2,
                human: 3
            })
        );
        assert_eq!(
            ks_similarity_pmfs(&[0.0, 0.0], &[1.0, 0.0]),
            Err(FidelityError::ZeroTotal {
                side: Side::Synthetic
            })
        );
        assert_eq!(
            jensen_shannon_bits(&[0.5, 0.5], &[1.0, -0.2]),
            Err(FidelityError::InvalidShare {
                side: Side::Human,
                option: 2,
                share: -0.2
            })
        );
    }

    #[test]
    fn ks_similarity_of_mirrored_distributions() {
        // CDFs 0.2, 0.5, 1.0 and 0.5, 0.8, 1.0: gaps 0.3, 0.3, 0 → D = 0.3, similarity 0.7.
        assert_close(
            ks_similarity_pmfs(&[0.2, 0.3, 0.5], &[0.5, 0.3, 0.2]).unwrap(),
            0.7,
        );
    }

    #[test]
    fn two_sample_ks_steps_over_ties_together() {
        // Synthetic 1, 2, 2, 3 and human 2, 3, 3, 4, at each distinct value:
        //   value:       1     2     3     4
        //   synthetic: 0.25  0.75  1.00  1.00
        //   human:     0.00  0.25  0.75  1.00
        //   gap:       0.25  0.50  0.25  0.00   → D = 0.5, similarity 0.5.
        // Stepping one answer at a time (synthetic first on ties) would see synthetic 0.75
        // against human 0.00 half-way through the 2s and report D = 0.75.
        assert_close(
            ks_similarity_samples(&[2.0, 1.0, 3.0, 2.0], None, &[3.0, 2.0, 4.0, 3.0], None)
                .unwrap(),
            0.5,
        );
        // Identical samples full of ties are identical: D = 0.
        assert_close(
            ks_similarity_samples(&[1.0, 1.0, 2.0], None, &[2.0, 1.0, 1.0], None).unwrap(),
            1.0,
        );
        // Weights act as repeated answers: 1 (×1), 2 (×2), 3 (×1) is the first sample above.
        assert_close(
            ks_similarity_samples(
                &[1.0, 2.0, 3.0],
                Some(&[1.0, 2.0, 1.0]),
                &[2.0, 3.0, 3.0, 4.0],
                None,
            )
            .unwrap(),
            0.5,
        );
    }

    #[test]
    fn standard_deviation_ratio_of_known_samples() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations 9+1+1+1+0+0+4+16 = 32, /8 = 4,
        // population SD 2 (the textbook example). 1, 3, 5, 7, 9: mean 5, (16+4+0+4+16)/5 = 8,
        // SD 2√2. Ratios: means 5/5 = 1, SDs 2/(2√2) = 1/√2.
        let synthetic = Moments::of_sample(
            Side::Synthetic,
            &[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0],
            None,
        )
        .unwrap();
        let human = Moments::of_sample(Side::Human, &[1.0, 3.0, 5.0, 7.0, 9.0], None).unwrap();
        assert_close(synthetic.standard_deviation, 2.0);
        assert_close(mean_ratio(&synthetic, &human).unwrap(), 1.0);
        assert_close(
            standard_deviation_ratio(&synthetic, &human).unwrap(),
            std::f64::consts::FRAC_1_SQRT_2,
        );
    }

    #[test]
    fn weighted_moments_of_tinytroupe_gazpacho_counts() {
        // TinyTroupe's bottled-gazpacho run (reference notes §1.2): 14 answers of 2, 31 of 3,
        // 5 of 4. Mean = (28 + 93 + 20)/50 = 2.82, as published. E[x²] = (56 + 279 + 80)/50 =
        // 8.3, variance 8.3 − 2.82² = 0.3476, population SD √0.3476 = 0.589576; the published
        // 0.60 is the n − 1 version, √(0.3476·50/49) = 0.5956.
        let moments =
            Moments::of_sample(Side::Synthetic, &[2.0, 3.0, 4.0], Some(&[14.0, 31.0, 5.0]))
                .unwrap();
        assert_close(moments.mean, 2.82);
        assert_close(moments.standard_deviation, 0.3476_f64.sqrt());
        // The same as a distribution over options 1..5 with those counts at 2, 3, 4.
        let from_shares =
            Moments::of_distribution(Side::Synthetic, &[0.0, 14.0, 31.0, 5.0, 0.0]).unwrap();
        assert_close(from_shares.mean, 2.82);
        assert_close(from_shares.standard_deviation, 0.3476_f64.sqrt());
    }

    #[test]
    fn pearson_of_a_perfect_line_and_a_hand_computed_case() {
        // y = 2x + 1 exactly.
        assert_close(
            pearson(&[1.0, 2.0, 3.0, 4.0], &[3.0, 5.0, 7.0, 9.0]).unwrap(),
            1.0,
        );
        // x = 1, 2, 3 and y = 1, 3, 2: deviations −1, 0, 1 and −1, 1, 0;
        // Σdxdy = 1, Σdx² = 2, Σdy² = 2 → r = 1/√(2·2) = 0.5.
        assert_close(pearson(&[1.0, 2.0, 3.0], &[1.0, 3.0, 2.0]).unwrap(), 0.5);
        assert_eq!(pearson(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0]), None);
    }

    #[test]
    fn subgroup_correlation_uses_shared_subgroups_large_enough_on_both_sides() {
        let synthetic = vec![
            group("18-29", 1.0, 40),
            group("30-44", 2.0, 40),
            group("45-64", 3.0, 40),
            group("65+", 9.0, 40),
            group("synthetic only", 7.0, 40),
        ];
        let human = vec![
            group("45-64", 2.0, 30),
            group("18-29", 1.0, 30),
            group("30-44", 3.0, 30),
            // Too few real respondents: left out, or it would spoil the hand-computed 0.5.
            group("65+", -5.0, 4),
        ];
        // Pairs (1, 1), (2, 3), (3, 2): the hand-computed r = 0.5 above.
        let result = subgroup_mean_correlation(&synthetic, &human, 10)
            .unwrap()
            .unwrap();
        assert_close(result.correlation, 0.5);
        assert_eq!(result.subgroups, 3);
        // With the threshold raised past the human counts, no subgroup qualifies.
        assert_eq!(
            subgroup_mean_correlation(&synthetic, &human, 31).unwrap(),
            None
        );
        let duplicated = vec![group("18-29", 1.0, 40), group("18-29", 2.0, 40)];
        assert_eq!(
            subgroup_mean_correlation(&synthetic, &duplicated, 10),
            Err(FidelityError::DuplicateSubgroup {
                side: Side::Human,
                subgroup: "18-29".to_owned()
            })
        );
    }

    #[test]
    fn question_fidelity_and_the_overall_summary() {
        // The mirrored pair above: KS similarity 0.7. Means over options 1..3:
        // synthetic 0.2 + 0.6 + 1.5 = 2.3, human 0.5 + 0.6 + 0.6 = 1.7 → ratio 2.3/1.7.
        // Mirroring keeps the spread: SD ratio 1.
        let ordinal =
            QuestionFidelity::from_distributions("q1", &[0.2, 0.3, 0.5], &[0.5, 0.3, 0.2]).unwrap();
        assert_close(ordinal.ks_similarity, 0.7);
        assert_close(ordinal.mean_ratio.unwrap(), 2.3 / 1.7);
        assert_close(ordinal.standard_deviation_ratio.unwrap(), 1.0);
        let identical =
            QuestionFidelity::from_distributions("q2", &[0.1, 0.9], &[0.1, 0.9]).unwrap();
        // The two-sample case above: KS similarity 0.5, no Jensen–Shannon for numbers.
        let numeric = QuestionFidelity::from_samples(
            "q3",
            &[1.0, 2.0, 2.0, 3.0],
            None,
            &[2.0, 3.0, 3.0, 4.0],
            None,
        )
        .unwrap();
        assert_eq!(numeric.jensen_shannon_bits, None);
        let summary = overall(&[ordinal.clone(), identical, numeric]);
        assert_eq!(summary.questions, 3);
        // KS: (0.7 + 1 + 0.5)/3; JSD over q1 and q2 only: (JSD(q1) + 0)/2.
        assert_close(summary.mean_ks_similarity.unwrap(), 2.2 / 3.0);
        assert_eq!(summary.questions_with_jensen_shannon, 2);
        assert_close(
            summary.mean_jensen_shannon_bits.unwrap(),
            ordinal.jensen_shannon_bits.unwrap() / 2.0,
        );
        assert_eq!(overall(&[]).mean_ks_similarity, None);
        // An error names the question.
        let error = QuestionFidelity::from_distributions("q9", &[1.0], &[1.0, 0.0]).unwrap_err();
        assert!(error.to_string().starts_with("question q9: "), "{error}");
    }
}
