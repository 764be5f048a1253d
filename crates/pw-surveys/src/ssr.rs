//! Semantic similarity rating (SSR; Maier et al. 2025, arXiv 2510.08338): a respondent answers a
//! rating question in its own words, and the answer becomes a probability over the scale points
//! by how close its embedding sits to one anchor statement per point.
//!
//! The arithmetic follows the reference implementation (`pymc-labs/semantic-similarity-rating`,
//! `compute.py`: `response_embeddings_to_pmf` and `scale_pmf`) so our numbers can be checked
//! against it: for a response r and anchors a_1..a_n, γ_i = (1 + cos(r, a_i)) / 2; the row
//! minimum is subtracted; ε is added to the (first) minimum cell; the row is divided by
//! Σγ − n·γ_min + ε, so it sums to 1. Several anchor sets are averaged (the reference's
//! `"mean"` set) and the temperature is applied to that average, as the reference does.
//!
//! SSR buys realistic spread, not point accuracy (`../shared/reference/synthetic-research.md`
//! §3): keep each respondent's whole distribution, not only its most likely point.

use serde::{Deserialize, Serialize};

/// One anchor statement per scale point, lowest point first: what a respondent at that point
/// might say in their own words. Editable per question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AnchorSet {
    /// A short name to tell the sets of one scale apart in the designer.
    pub name: String,
    /// The statements, one per scale point, from the lowest point to the highest.
    pub statements: Vec<String>,
}

/// The rating scales that ship with default anchor sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum DefaultScale {
    /// Five-point agreement (strongly disagree .. strongly agree).
    Likert5Agreement,
    /// Seven-point agreement (strongly disagree .. strongly agree).
    Likert7Agreement,
    /// Five-point purchase intent (definitely would not buy .. definitely would buy).
    PurchaseIntent5,
}

impl DefaultScale {
    /// How many points the scale has.
    pub fn points(self) -> usize {
        match self {
            DefaultScale::Likert5Agreement | DefaultScale::PurchaseIntent5 => 5,
            DefaultScale::Likert7Agreement => 7,
        }
    }

    /// The default anchor sets for this scale, at least two so that averaging over sets smooths
    /// out the quirks of any one wording. Written as things people say rather than the formal
    /// scale labels: naturalistic behavioural anchors beat formal jargon by 29 percentage points
    /// (arXiv 2602.13862, in the reference notes §3).
    pub fn anchor_sets(self) -> Vec<AnchorSet> {
        let sets: &[(&str, &[&str])] = match self {
            DefaultScale::Likert5Agreement => &[
                (
                    "in my own words",
                    &[
                        "No, that's just not true for me at all.",
                        "I don't really think so.",
                        "I'm honestly not sure either way.",
                        "Yes, I'd mostly say that's true for me.",
                        "Absolutely, that's exactly how I feel.",
                    ],
                ),
                (
                    "agree or disagree",
                    &[
                        "I completely disagree with that.",
                        "I'd mostly disagree with that.",
                        "I could go either way on that.",
                        "I mostly agree with that.",
                        "I agree with that completely.",
                    ],
                ),
            ],
            DefaultScale::Likert7Agreement => &[
                (
                    "in my own words",
                    &[
                        "That's completely wrong for me, I couldn't disagree more.",
                        "No, I disagree with that.",
                        "I'd lean towards no on that.",
                        "I really can't say either way.",
                        "I'd lean towards yes on that.",
                        "Yes, I agree with that.",
                        "That's me exactly, I couldn't agree more.",
                    ],
                ),
                (
                    "how much it sounds like me",
                    &[
                        "Not at all, that's the opposite of how I see things.",
                        "Mostly not, that doesn't sound like me.",
                        "Not really, though I can see a little of it.",
                        "Some days yes, some days no.",
                        "Somewhat, there's some truth in it for me.",
                        "Mostly yes, that sounds like me.",
                        "Completely, that's exactly how I see things.",
                    ],
                ),
            ],
            DefaultScale::PurchaseIntent5 => &[
                (
                    "what I'd do",
                    &[
                        "I would never buy this.",
                        "I probably wouldn't buy it.",
                        "I might buy it or I might not, it depends.",
                        "I'd probably pick it up next time I'm shopping.",
                        "I'd definitely buy this, as soon as I could.",
                    ],
                ),
                (
                    "my money",
                    &[
                        "This isn't something I'd spend my money on.",
                        "I doubt I'd spend money on this.",
                        "I'd have to think hard about whether it's worth the money.",
                        "I can see myself spending money on this.",
                        "I'd happily pay for this right away.",
                    ],
                ),
            ],
        };
        sets.iter()
            .map(|(name, statements)| AnchorSet {
                name: (*name).to_owned(),
                statements: statements.iter().map(|s| (*s).to_owned()).collect(),
            })
            .collect()
    }
}

/// Why an answer could not be rated, or a set of ratings not combined.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SsrError {
    /// An anchor's embedding has a different length from the answer's.
    #[error(
        "the anchor statement for scale point {point} has an embedding of {anchor_dimensions} numbers but the answer's has {response_dimensions}: both must come from the same embedding model"
    )]
    DimensionMismatch {
        /// The scale point (counted from 1) whose anchor does not fit.
        point: usize,
        /// Length of that anchor's embedding.
        anchor_dimensions: usize,
        /// Length of the answer's embedding.
        response_dimensions: usize,
    },
    /// An anchor set with fewer than two statements cannot separate scale points.
    #[error(
        "an anchor set needs at least 2 statements (one per scale point) but this one has {count}"
    )]
    TooFewAnchors {
        /// How many statements the set has.
        count: usize,
    },
    /// The answer's embedding is all zeros, so it points nowhere.
    #[error("the answer's embedding is all zeros, so it cannot be compared with the anchors")]
    ZeroResponse,
    /// An anchor's embedding is all zeros.
    #[error(
        "the anchor statement for scale point {point} has an embedding of all zeros, so nothing can be compared with it"
    )]
    ZeroAnchor {
        /// The scale point, counted from 1.
        point: usize,
    },
    /// The answer's embedding holds a NaN or an infinity.
    #[error("the answer's embedding contains a value that is not a finite number")]
    NonFiniteResponse,
    /// An anchor's embedding holds a NaN or an infinity.
    #[error(
        "the anchor statement for scale point {point} has an embedding containing a value that is not a finite number"
    )]
    NonFiniteAnchor {
        /// The scale point, counted from 1.
        point: usize,
    },
    /// The temperature is negative or not a finite number.
    #[error("the temperature must be zero or a positive number, not {temperature}")]
    InvalidTemperature {
        /// The temperature given.
        temperature: f64,
    },
    /// The smoothing ε is negative or not a finite number.
    #[error("the smoothing epsilon must be zero or a positive number, not {epsilon}")]
    InvalidEpsilon {
        /// The ε given.
        epsilon: f64,
    },
    /// Averaging over anchor sets needs at least one set.
    #[error("no anchor sets were given to rate the answer against")]
    NoAnchorSets,
    /// Anchor sets that are averaged must cover the same scale.
    #[error(
        "anchor set {set} has {points} statements but the first set has {expected}: sets averaged together must cover the same scale"
    )]
    AnchorSetsDiffer {
        /// The set (counted from 1) that differs.
        set: usize,
        /// How many statements it has.
        points: usize,
        /// How many the first set has.
        expected: usize,
    },
    /// A list of scale-point probabilities that is not a distribution.
    #[error("the scale-point probabilities are not a distribution: {reason}")]
    NotADistribution {
        /// What is wrong, in words.
        reason: &'static str,
    },
    /// There are no respondents to average.
    #[error("there are no respondents' answers to combine into a survey distribution")]
    NoRespondents,
    /// Respondents rated on scales of different lengths.
    #[error(
        "respondent {respondent} has probabilities for {points} scale points but the first has {expected}: all must answer the same question"
    )]
    PointCountsDiffer {
        /// The respondent (counted from 1) that differs.
        respondent: usize,
        /// How many points that respondent has.
        points: usize,
        /// How many the first respondent has.
        expected: usize,
    },
    /// One weight per respondent is needed.
    #[error("there are {weights} weights for {respondents} respondents: give one weight each")]
    WeightCountMismatch {
        /// How many weights were given.
        weights: usize,
        /// How many respondents there are.
        respondents: usize,
    },
    /// A weight that is negative or not a finite number.
    #[error(
        "respondent {respondent} has weight {weight}; weights must be zero or positive numbers"
    )]
    InvalidWeight {
        /// The respondent, counted from 1.
        respondent: usize,
        /// The weight given.
        weight: f64,
    },
    /// Every respondent has weight zero.
    #[error("every respondent has weight zero, so there is nothing to average")]
    ZeroTotalWeight,
}

/// The probability of each scale point (lowest first) for one answer rated against one anchor
/// set: `response` is the answer's embedding, `anchors` the embeddings of the set's statements
/// in scale order. `epsilon` (≥ 0; the reference's default is 0) keeps the least similar point
/// from getting probability exactly zero; `temperature` is applied as in [`scale_pmf`].
///
/// Only directions matter: scaling any embedding by a positive number changes nothing. An
/// answer exactly as similar to every anchor with `epsilon` = 0 gets the uniform distribution
/// (the reference divides 0 by 0 there).
pub fn pmf(
    response: &[f32],
    anchors: &[Vec<f32>],
    epsilon: f64,
    temperature: f64,
) -> Result<Vec<f64>, SsrError> {
    check_temperature(temperature)?;
    let raw = raw_pmf(response, anchors, epsilon)?;
    scale_pmf(&raw, temperature)
}

/// The probability of each scale point for one answer rated against several anchor sets: the
/// mean of the per-set distributions, then the temperature, as the reference does for its
/// `"mean"` set. All sets must have the same number of statements.
pub fn mean_pmf(
    response: &[f32],
    anchor_sets: &[Vec<Vec<f32>>],
    epsilon: f64,
    temperature: f64,
) -> Result<Vec<f64>, SsrError> {
    check_temperature(temperature)?;
    let first = anchor_sets.first().ok_or(SsrError::NoAnchorSets)?;
    let mut sum = vec![0.0; first.len()];
    for (index, anchors) in anchor_sets.iter().enumerate() {
        if anchors.len() != first.len() {
            return Err(SsrError::AnchorSetsDiffer {
                set: index + 1,
                points: anchors.len(),
                expected: first.len(),
            });
        }
        let set_pmf = raw_pmf(response, anchors, epsilon)?;
        for (total, probability) in sum.iter_mut().zip(set_pmf) {
            *total += probability;
        }
    }
    let set_count = anchor_sets.len() as f64;
    let mean: Vec<f64> = sum.into_iter().map(|total| total / set_count).collect();
    scale_pmf(&mean, temperature)
}

/// Sharpens (T < 1) or flattens (T > 1) a distribution: p_i^(1/T), renormalised; T = 1 leaves
/// it unchanged. T = 0 puts all probability on the most likely point, and on the lowest of
/// them when several tie; a completely flat distribution stays flat, as in the reference,
/// because an answer that favours no point should not be pushed to the bottom of the scale.
pub fn scale_pmf(pmf: &[f64], temperature: f64) -> Result<Vec<f64>, SsrError> {
    check_temperature(temperature)?;
    let total = check_distribution(pmf)?;
    let normalised: Vec<f64> = pmf.iter().map(|p| p / total).collect();
    if temperature == 1.0 {
        return Ok(normalised);
    }
    let (argmax, largest) =
        normalised
            .iter()
            .copied()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |best, (index, p)| {
                if p > best.1 { (index, p) } else { best }
            });
    if temperature == 0.0 {
        if normalised.iter().all(|&p| p == largest) {
            return Ok(normalised);
        }
        let mut one_hot = vec![0.0; normalised.len()];
        one_hot[argmax] = 1.0;
        return Ok(one_hot);
    }
    // Dividing by the largest first keeps it at 1, so a small temperature cannot underflow
    // every point to zero; the ratio p_i/p_j is all that matters after renormalising anyway.
    let exponent = 1.0 / temperature;
    let powered: Vec<f64> = normalised
        .iter()
        .map(|p| (p / largest).powf(exponent))
        .collect();
    let powered_total: f64 = powered.iter().sum();
    Ok(powered.into_iter().map(|p| p / powered_total).collect())
}

/// The expected scale point, counting points from 1: Σ i·p_i over the normalised distribution.
pub fn expected_point(pmf: &[f64]) -> Result<f64, SsrError> {
    let total = check_distribution(pmf)?;
    Ok(pmf
        .iter()
        .enumerate()
        .map(|(index, p)| (index + 1) as f64 * p / total)
        .sum())
}

/// The survey's distribution over scale points: the (weighted) mean of the respondents'
/// distributions, as the reference's `get_survey_response_pmf` does unweighted. Each
/// respondent's distribution is normalised first, so the result sums to 1.
pub fn survey_distribution(
    pmfs: &[Vec<f64>],
    weights: Option<&[f64]>,
) -> Result<Vec<f64>, SsrError> {
    let first = pmfs.first().ok_or(SsrError::NoRespondents)?;
    if let Some(weights) = weights {
        if weights.len() != pmfs.len() {
            return Err(SsrError::WeightCountMismatch {
                weights: weights.len(),
                respondents: pmfs.len(),
            });
        }
        if let Some((index, &weight)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return Err(SsrError::InvalidWeight {
                respondent: index + 1,
                weight,
            });
        }
    }
    let mut sum = vec![0.0; first.len()];
    let mut total_weight = 0.0;
    for (index, respondent_pmf) in pmfs.iter().enumerate() {
        if respondent_pmf.len() != first.len() {
            return Err(SsrError::PointCountsDiffer {
                respondent: index + 1,
                points: respondent_pmf.len(),
                expected: first.len(),
            });
        }
        let respondent_total = check_distribution(respondent_pmf)?;
        let weight = weights.map_or(1.0, |w| w[index]);
        for (total, p) in sum.iter_mut().zip(respondent_pmf) {
            *total += weight * p / respondent_total;
        }
        total_weight += weight;
    }
    if total_weight <= 0.0 {
        return Err(SsrError::ZeroTotalWeight);
    }
    Ok(sum.into_iter().map(|total| total / total_weight).collect())
}

/// `response_embeddings_to_pmf` for one response and one anchor set, before temperature.
fn raw_pmf(response: &[f32], anchors: &[Vec<f32>], epsilon: f64) -> Result<Vec<f64>, SsrError> {
    if !(epsilon.is_finite() && epsilon >= 0.0) {
        return Err(SsrError::InvalidEpsilon { epsilon });
    }
    if anchors.len() < 2 {
        return Err(SsrError::TooFewAnchors {
            count: anchors.len(),
        });
    }
    if response.iter().any(|x| !x.is_finite()) {
        return Err(SsrError::NonFiniteResponse);
    }
    let response_norm = norm(response);
    if response_norm == 0.0 {
        return Err(SsrError::ZeroResponse);
    }
    let mut similarities = Vec::with_capacity(anchors.len());
    for (index, anchor) in anchors.iter().enumerate() {
        let point = index + 1;
        if anchor.len() != response.len() {
            return Err(SsrError::DimensionMismatch {
                point,
                anchor_dimensions: anchor.len(),
                response_dimensions: response.len(),
            });
        }
        if anchor.iter().any(|x| !x.is_finite()) {
            return Err(SsrError::NonFiniteAnchor { point });
        }
        let anchor_norm = norm(anchor);
        if anchor_norm == 0.0 {
            return Err(SsrError::ZeroAnchor { point });
        }
        let dot: f64 = response
            .iter()
            .zip(anchor)
            .map(|(&r, &a)| f64::from(r) * f64::from(a))
            .sum();
        // Rounding can carry a cosine a hair past ±1; γ must stay in [0, 1].
        let cosine = (dot / (response_norm * anchor_norm)).clamp(-1.0, 1.0);
        similarities.push((1.0 + cosine) / 2.0);
    }
    let (min_index, min_similarity) = similarities.iter().copied().enumerate().fold(
        (0, f64::INFINITY),
        |best, (index, gamma)| {
            if gamma < best.1 { (index, gamma) } else { best }
        },
    );
    let point_count = similarities.len() as f64;
    let denominator = similarities.iter().sum::<f64>() - point_count * min_similarity + epsilon;
    if denominator <= 0.0 {
        return Ok(vec![1.0 / point_count; similarities.len()]);
    }
    Ok(similarities
        .iter()
        .enumerate()
        .map(|(index, gamma)| {
            let smoothing = if index == min_index { epsilon } else { 0.0 };
            (gamma - min_similarity + smoothing) / denominator
        })
        .collect())
}

fn norm(vector: &[f32]) -> f64 {
    vector
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt()
}

fn check_temperature(temperature: f64) -> Result<(), SsrError> {
    if temperature.is_finite() && temperature >= 0.0 {
        Ok(())
    } else {
        Err(SsrError::InvalidTemperature { temperature })
    }
}

/// Returns the total of a valid distribution (non-empty, finite, non-negative, positive sum).
fn check_distribution(pmf: &[f64]) -> Result<f64, SsrError> {
    if pmf.is_empty() {
        return Err(SsrError::NotADistribution {
            reason: "there are no scale points",
        });
    }
    if pmf.iter().any(|p| !(p.is_finite() && *p >= 0.0)) {
        return Err(SsrError::NotADistribution {
            reason: "a probability is negative or not a finite number",
        });
    }
    let total: f64 = pmf.iter().sum();
    if total <= 0.0 {
        return Err(SsrError::NotADistribution {
            reason: "the probabilities add up to zero",
        });
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOLERANCE: f64 = 1e-9;

    fn assert_close(actual: &[f64], expected: &[f64]) {
        assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
        for (a, e) in actual.iter().zip(expected) {
            assert!((a - e).abs() < TOLERANCE, "{actual:?} vs {expected:?}");
        }
    }

    /// Anchors east, north, west in 2-D; the answer points east.
    fn compass() -> (Vec<f32>, Vec<Vec<f32>>) {
        (
            vec![1.0, 0.0],
            vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![-1.0, 0.0]],
        )
    }

    #[test]
    fn pmf_of_2d_unit_vectors_matches_hand_computation() {
        // cos = 1, 0, −1 → γ = 1, 0.5, 0; minus the minimum 0 → 1, 0.5, 0;
        // divided by Σγ − 3·0 + 0 = 1.5 → 2/3, 1/3, 0.
        let (response, anchors) = compass();
        assert_close(
            &pmf(&response, &anchors, 0.0, 1.0).unwrap(),
            &[2.0 / 3.0, 1.0 / 3.0, 0.0],
        );
        // ε = 0.5 goes to the minimum cell: numerators 1, 0.5, 0.5 over 1.5 + 0.5 = 2.
        assert_close(
            &pmf(&response, &anchors, 0.5, 1.0).unwrap(),
            &[0.5, 0.25, 0.25],
        );
    }

    #[test]
    fn pmf_of_3d_unit_vectors_matches_hand_computation() {
        // r = (1,1,0)/√2 against e1, e2, e3, −e1: cos = 1/√2, 1/√2, 0, −1/√2.
        // γ − γ_min = (cos − cos_min)/2 = 1/√2, 1/√2, 1/(2√2), 0; their sum is 2.5/√2,
        // so the PMF is 0.4, 0.4, 0.2, 0.
        let s = std::f32::consts::FRAC_1_SQRT_2;
        let anchors = vec![
            vec![1.0, 0.0, 0.0],
            vec![0.0, 1.0, 0.0],
            vec![0.0, 0.0, 1.0],
            vec![-1.0, 0.0, 0.0],
        ];
        let result = pmf(&[s, s, 0.0], &anchors, 0.0, 1.0).unwrap();
        for (a, e) in result.iter().zip([0.4, 0.4, 0.2, 0.0]) {
            // f32 inputs: 1/√2 is only good to about 1e-7.
            assert!((a - e).abs() < 1e-6, "{result:?}");
        }
        assert!((result.iter().sum::<f64>() - 1.0).abs() < TOLERANCE);
    }

    #[test]
    fn scaling_embeddings_by_positive_numbers_changes_nothing() {
        // Cosine similarity depends only on direction, so the hand-computed 2/3, 1/3, 0 holds.
        let anchors = vec![vec![4.0, 0.0], vec![0.0, 0.25], vec![-9.0, 0.0]];
        assert_close(
            &pmf(&[3.7, 0.0], &anchors, 0.0, 1.0).unwrap(),
            &[2.0 / 3.0, 1.0 / 3.0, 0.0],
        );
    }

    #[test]
    fn an_answer_equally_close_to_every_anchor_is_uniform() {
        // (0,0,1) is orthogonal to both anchors: γ = 0.5, 0.5, so Σγ − 2·γ_min = 0.
        let anchors = vec![vec![1.0, 0.0, 0.0], vec![0.0, 1.0, 0.0]];
        assert_close(
            &pmf(&[0.0, 0.0, 1.0], &anchors, 0.0, 1.0).unwrap(),
            &[0.5, 0.5],
        );
    }

    #[test]
    fn temperature_one_leaves_the_distribution_unchanged() {
        assert_close(&scale_pmf(&[0.2, 0.3, 0.5], 1.0).unwrap(), &[0.2, 0.3, 0.5]);
    }

    #[test]
    fn temperature_sharpens_below_one_and_flattens_above() {
        let (response, anchors) = compass();
        // T = 0.5 squares: 4/9, 1/9, 0 over 5/9 → 0.8, 0.2, 0.
        assert_close(
            &pmf(&response, &anchors, 0.0, 0.5).unwrap(),
            &[0.8, 0.2, 0.0],
        );
        // T = 2 takes square roots: √(2/3), √(1/3) over their sum → √2/(√2+1) = 2 − √2
        // and 1/(√2+1) = √2 − 1.
        let root2 = std::f64::consts::SQRT_2;
        assert_close(
            &pmf(&response, &anchors, 0.0, 2.0).unwrap(),
            &[2.0 - root2, root2 - 1.0, 0.0],
        );
        // T = 0.05 raises to the 20th power: (0.3/0.5)^20 = 0.6^20 and (0.2/0.5)^20 = 0.4^20,
        // so the top point gets 1 / (1 + 0.6^20 + 0.4^20) ≈ 0.999963.
        let sharp = scale_pmf(&[0.2, 0.3, 0.5], 0.05).unwrap();
        let top = 1.0 / (1.0 + 0.6_f64.powi(20) + 0.4_f64.powi(20));
        assert!((sharp[2] - top).abs() < TOLERANCE, "{sharp:?}");
        assert!(sharp[2] > 0.9999, "{sharp:?}");
    }

    #[test]
    fn temperature_zero_is_one_hot_at_the_lowest_most_likely_point() {
        assert_close(&scale_pmf(&[0.2, 0.3, 0.5], 0.0).unwrap(), &[0.0, 0.0, 1.0]);
        // Points 1 and 2 tie: the lowest wins.
        assert_close(&scale_pmf(&[0.4, 0.4, 0.2], 0.0).unwrap(), &[1.0, 0.0, 0.0]);
        // A flat distribution favours no point and stays flat.
        assert_close(
            &scale_pmf(&[0.25, 0.25, 0.25, 0.25], 0.0).unwrap(),
            &[0.25; 4],
        );
    }

    #[test]
    fn several_anchor_sets_are_averaged() {
        // Set A is the compass: 2/3, 1/3, 0. Set B is south, west, east for an answer pointing
        // east: cos = 0, −1, 1 → γ = 0.5, 0, 1 → over 1.5: 1/3, 0, 2/3.
        // Mean: 1/2, 1/6, 1/3.
        let (response, set_a) = compass();
        let set_b = vec![vec![0.0, -1.0], vec![-1.0, 0.0], vec![1.0, 0.0]];
        let mean = mean_pmf(&response, &[set_a, set_b], 0.0, 1.0).unwrap();
        assert_close(&mean, &[0.5, 1.0 / 6.0, 1.0 / 3.0]);
        // Expected point: 1·1/2 + 2·1/6 + 3·1/3 = 11/6.
        assert!((expected_point(&mean).unwrap() - 11.0 / 6.0).abs() < TOLERANCE);
    }

    #[test]
    fn expected_point_counts_from_one() {
        // 1·0.2 + 2·0.3 + 3·0.5 = 2.3.
        assert!((expected_point(&[0.2, 0.3, 0.5]).unwrap() - 2.3).abs() < TOLERANCE);
    }

    #[test]
    fn survey_distribution_averages_respondents_and_respects_weights() {
        let pmfs = vec![vec![1.0, 0.0, 0.0], vec![0.0, 0.5, 0.5]];
        // Unweighted: (1 + 0)/2, (0 + 0.5)/2, (0 + 0.5)/2.
        let plain = survey_distribution(&pmfs, None).unwrap();
        assert_close(&plain, &[0.5, 0.25, 0.25]);
        assert!((plain.iter().sum::<f64>() - 1.0).abs() < TOLERANCE);
        // Weights 3 and 1: (3·1 + 0)/4, (0 + 0.5)/4, (0 + 0.5)/4.
        let weighted = survey_distribution(&pmfs, Some(&[3.0, 1.0])).unwrap();
        assert_close(&weighted, &[0.75, 0.125, 0.125]);
    }

    #[test]
    fn bad_inputs_are_refused_with_the_reason() {
        let (response, anchors) = compass();
        assert!(matches!(
            pmf(&[1.0, 0.0, 0.0], &anchors, 0.0, 1.0),
            Err(SsrError::DimensionMismatch {
                point: 1,
                anchor_dimensions: 2,
                response_dimensions: 3
            })
        ));
        assert_eq!(
            pmf(&response, &anchors[..1], 0.0, 1.0),
            Err(SsrError::TooFewAnchors { count: 1 })
        );
        assert_eq!(
            pmf(&[0.0, 0.0], &anchors, 0.0, 1.0),
            Err(SsrError::ZeroResponse)
        );
        let with_zero_anchor = vec![vec![1.0, 0.0], vec![0.0, 0.0]];
        assert_eq!(
            pmf(&response, &with_zero_anchor, 0.0, 1.0),
            Err(SsrError::ZeroAnchor { point: 2 })
        );
        assert_eq!(
            pmf(&[f32::NAN, 0.0], &anchors, 0.0, 1.0),
            Err(SsrError::NonFiniteResponse)
        );
        let with_infinite_anchor = vec![vec![1.0, 0.0], vec![f32::INFINITY, 0.0]];
        assert_eq!(
            pmf(&response, &with_infinite_anchor, 0.0, 1.0),
            Err(SsrError::NonFiniteAnchor { point: 2 })
        );
        assert!(matches!(
            pmf(&response, &anchors, 0.0, -0.5),
            Err(SsrError::InvalidTemperature { .. })
        ));
        assert!(matches!(
            pmf(&response, &anchors, -0.1, 1.0),
            Err(SsrError::InvalidEpsilon { .. })
        ));
        assert_eq!(
            mean_pmf(&response, &[], 0.0, 1.0),
            Err(SsrError::NoAnchorSets)
        );
        assert_eq!(
            mean_pmf(
                &response,
                &[anchors.clone(), anchors[..2].to_vec()],
                0.0,
                1.0
            ),
            Err(SsrError::AnchorSetsDiffer {
                set: 2,
                points: 2,
                expected: 3
            })
        );
        let pmfs = vec![vec![1.0, 0.0], vec![0.5, 0.5]];
        assert_eq!(
            survey_distribution(&pmfs, Some(&[1.0])),
            Err(SsrError::WeightCountMismatch {
                weights: 1,
                respondents: 2
            })
        );
        assert_eq!(
            survey_distribution(&pmfs, Some(&[0.0, 0.0])),
            Err(SsrError::ZeroTotalWeight)
        );
        assert_eq!(
            survey_distribution(&[vec![1.0, 0.0], vec![1.0]], None),
            Err(SsrError::PointCountsDiffer {
                respondent: 2,
                points: 1,
                expected: 2
            })
        );
    }

    #[test]
    fn default_anchor_sets_cover_each_scale_at_least_twice() {
        for scale in [
            DefaultScale::Likert5Agreement,
            DefaultScale::Likert7Agreement,
            DefaultScale::PurchaseIntent5,
        ] {
            let sets = scale.anchor_sets();
            assert!(sets.len() >= 2, "{scale:?} needs two sets to average");
            for set in &sets {
                assert_eq!(
                    set.statements.len(),
                    scale.points(),
                    "{scale:?} {}",
                    set.name
                );
                let mut distinct = set.statements.clone();
                distinct.sort();
                distinct.dedup();
                assert_eq!(distinct.len(), scale.points(), "{scale:?} {}", set.name);
                assert!(set.statements.iter().all(|s| !s.trim().is_empty()));
            }
            let mut names: Vec<_> = sets.iter().map(|s| s.name.clone()).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), sets.len(), "{scale:?} set names repeat");
        }
    }
}
