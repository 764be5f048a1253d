//! Which memories a twin recalls for a question, by the score of Generative Agents (Park et al.
//! 2023; `../shared/reference/synthetic-research.md` §2.1): recency, importance and relevance,
//! each scaled to [0, 1] over the candidates, then weighted. The weights and the decay are
//! theirs (0.5, 3, 2 and 0.99 per rank), recorded in a session's manifest so a run can be
//! reproduced.
//!
//! Recency is by rank of last access, most recent first: rank 1 scores `decay^1`. (The
//! reference implementation sorts the other way round and so favours the stalest memories; a
//! test here pins the intended order.) Ranks count accesses, not wall-clock time, so a session
//! replayed later recalls the same memories.

/// One memory that could be recalled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// When the memory was last created or recalled, as a position in the twin's own sequence
    /// of memory events: higher is more recent.
    pub last_accessed: u64,
    /// How much the memory matters to the twin, 1 (mundane) to 10 (life-changing).
    pub importance: u8,
    /// Similarity of the memory to the question (cosine of their vectors, or word overlap when
    /// no embedding model answers), in [-1, 1].
    pub relevance: f64,
}

/// How the three parts are combined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub recency: f64,
    pub relevance: f64,
    pub importance: f64,
    /// Recency of the memory at rank `r` (1 = most recently accessed) is `decay^r`.
    pub decay: f64,
}

impl Default for Weights {
    /// Generative Agents' published weights.
    fn default() -> Self {
        Weights {
            recency: 0.5,
            relevance: 3.0,
            importance: 2.0,
            decay: 0.99,
        }
    }
}

/// Each candidate's score, in the candidates' order.
pub fn scores(candidates: &[Candidate], weights: Weights) -> Vec<f64> {
    let recency = recency_by_rank(candidates, weights.decay);
    let importance: Vec<f64> = candidates
        .iter()
        .map(|c| f64::from(c.importance.clamp(1, 10)))
        .collect();
    // A cosine with an empty vector is NaN, whose sign (and so its sort order) differs between
    // processors: read it, and anything outside [-1, 1], as the least relevant possible.
    let relevance: Vec<f64> = candidates
        .iter()
        .map(|c| {
            if c.relevance.is_finite() {
                c.relevance.clamp(-1.0, 1.0)
            } else {
                -1.0
            }
        })
        .collect();
    let (recency, importance, relevance) = (
        min_max_scaled(&recency),
        min_max_scaled(&importance),
        min_max_scaled(&relevance),
    );
    (0..candidates.len())
        .map(|i| {
            weights.recency * recency[i]
                + weights.relevance * relevance[i]
                + weights.importance * importance[i]
        })
        .collect()
}

/// Reciprocal-rank fusion's constant, as the evidence layer's hybrid search uses it.
pub const FUSION_K: f64 = 60.0;

/// Relevance by hybrid retrieval, like the evidence layer's search: the memories ranked by
/// vector similarity (those with a vector) and by shared words (all), the two ranks fused by
/// reciprocal rank (`1/(60 + rank)` summed). A memory without a vector counts on its words
/// alone. Ranks share ties; a NaN similarity ranks last.
pub fn fused_relevance(by_vector: &[Option<f64>], by_words: &[f64]) -> Vec<f64> {
    fn ranks(values: &[Option<f64>]) -> Vec<Option<usize>> {
        let key = |v: f64| if v.is_finite() { v } else { f64::NEG_INFINITY };
        values
            .iter()
            .map(|value| {
                value.map(|v| {
                    1 + values
                        .iter()
                        .flatten()
                        .filter(|other| key(**other) > key(v))
                        .count()
                })
            })
            .collect()
    }
    let vector_ranks = ranks(by_vector);
    let word_ranks = ranks(&by_words.iter().map(|w| Some(*w)).collect::<Vec<_>>());
    vector_ranks
        .iter()
        .zip(&word_ranks)
        .map(|(v, w)| {
            [v, w]
                .iter()
                .filter_map(|rank| rank.map(|r| 1.0 / (FUSION_K + r as f64)))
                .sum()
        })
        .collect()
}

/// The indices of the `k` best candidates, best first. Ties go to the more recently accessed
/// memory, then to the earlier candidate, so recall never depends on hash or sort order.
pub fn recall(candidates: &[Candidate], weights: Weights, k: usize) -> Vec<usize> {
    let scored = scores(candidates, weights);
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| {
        scored[b]
            .total_cmp(&scored[a])
            .then(
                candidates[b]
                    .last_accessed
                    .cmp(&candidates[a].last_accessed),
            )
            .then(a.cmp(&b))
    });
    order.truncate(k);
    order
}

/// `decay^rank`, rank 1 being the most recently accessed candidate (equal access positions
/// share a rank).
fn recency_by_rank(candidates: &[Candidate], decay: f64) -> Vec<f64> {
    // Sorted once, newest first: a twin's memory grows with every session.
    let mut newest_first: Vec<u64> = candidates.iter().map(|c| c.last_accessed).collect();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    candidates
        .iter()
        .map(|candidate| {
            // Candidates strictly newer than this one come before it in the sorted list.
            let newer = newest_first.partition_point(|&seq| seq > candidate.last_accessed);
            decay.powi(i32::try_from(newer + 1).unwrap_or(i32::MAX))
        })
        .collect()
}

/// Scales values to [0, 1] by their minimum and maximum. When they are all equal, the part
/// tells the candidates apart in no way, and each gets 0.5 (as the reference does).
fn min_max_scaled(values: &[f64]) -> Vec<f64> {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let range = max - min;
    values
        .iter()
        .map(|v| {
            if range > 0.0 && range.is_finite() {
                (v - min) / range
            } else {
                0.5
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hybrid_relevance_fuses_vector_and_word_ranks() {
        // Memory 0 is first by meaning and by words; 1 second by meaning, last by words; 2 has
        // no vector and shares some words.
        let fused = fused_relevance(&[Some(0.9), Some(0.5), None], &[0.4, 0.0, 0.2]);
        let expected = [1.0 / 61.0 + 1.0 / 61.0, 1.0 / 62.0 + 1.0 / 63.0, 1.0 / 62.0];
        for (got, want) in fused.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{fused:?}");
        }
        // Ties share a rank; a NaN similarity ranks last.
        let tied = fused_relevance(&[Some(f64::NAN), Some(0.3)], &[0.1, 0.1]);
        assert!(tied[1] > tied[0]);
        assert!((tied[0] - (1.0 / 62.0 + 1.0 / 61.0)).abs() < 1e-12);
    }

    fn memory(last_accessed: u64, importance: u8, relevance: f64) -> Candidate {
        Candidate {
            last_accessed,
            importance,
            relevance,
        }
    }

    #[test]
    fn scores_match_a_hand_computation() {
        // Recency ranks: b (seq 9) is 1st, c (5) 2nd, a (1) 3rd: 0.99, 0.9801, 0.970299, scaled
        // over their range 0.019701 to 0, 0.4975..., 1 for a, c, b.
        let candidates = [memory(1, 2, 0.1), memory(9, 8, 0.7), memory(5, 5, 0.4)];
        let scored = scores(&candidates, Weights::default());
        let c_recency = (0.9801 - 0.970299) / (0.99 - 0.970299);
        let expected = [
            0.5 * 0.0 + 3.0 * 0.0 + 2.0 * 0.0,
            0.5 * 1.0 + 3.0 * 1.0 + 2.0 * 1.0,
            0.5 * c_recency + 3.0 * 0.5 + 2.0 * 0.5,
        ];
        for (got, want) in scored.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{scored:?} vs {expected:?}");
        }
    }

    #[test]
    fn the_most_recently_accessed_memory_ranks_first_on_recency() {
        // Same importance and relevance: only recency tells them apart.
        let candidates = [memory(3, 5, 0.2), memory(30, 5, 0.2), memory(10, 5, 0.2)];
        assert_eq!(recall(&candidates, Weights::default(), 3), [1, 2, 0]);
    }

    #[test]
    fn relevance_outweighs_recency_and_importance_breaks_near_ties() {
        let candidates = [
            memory(100, 3, 0.10), // newest, off topic
            memory(1, 3, 0.90),   // oldest, on topic
            memory(50, 9, 0.85),  // on topic and important
        ];
        assert_eq!(recall(&candidates, Weights::default(), 2), [2, 1]);
    }

    #[test]
    fn parts_that_do_not_vary_count_for_nothing_either_way() {
        let candidates = [memory(4, 5, 0.3), memory(4, 5, 0.3)];
        let scored = scores(&candidates, Weights::default());
        assert_eq!(scored, [2.75, 2.75]);
        // A tie goes to the earlier candidate, whatever the sort.
        assert_eq!(recall(&candidates, Weights::default(), 1), [0]);
        assert!(recall(&[], Weights::default(), 3).is_empty());
    }

    #[test]
    fn importance_breaks_a_near_tie_in_relevance() {
        // Same access position; relevance 0.80 against 0.81 (scaled 1 and ~0.98 over a range
        // that also holds an unrelated memory), importance 9 against 2.
        let candidates = [memory(5, 2, 0.81), memory(5, 9, 0.80), memory(5, 5, 0.0)];
        assert_eq!(recall(&candidates, Weights::default(), 1), [1]);
    }

    #[test]
    fn a_relevance_that_is_not_a_number_counts_as_least_relevant() {
        let candidates = [
            memory(1, 5, f64::NAN),
            memory(1, 5, 0.2),
            memory(1, 5, -f64::NAN),
        ];
        assert_eq!(recall(&candidates, Weights::default(), 3), [1, 0, 2]);
        let scored = scores(&candidates, Weights::default());
        assert!(scored.iter().all(|s| s.is_finite()), "{scored:?}");
        assert_eq!(scored[0], scored[2]);
    }

    #[test]
    fn importance_outside_one_to_ten_is_read_as_its_nearest_bound() {
        let clamped = scores(
            &[memory(1, 0, 0.5), memory(2, 1, 0.5), memory(3, 10, 0.5)],
            Weights {
                recency: 0.0,
                relevance: 0.0,
                importance: 1.0,
                decay: 0.99,
            },
        );
        assert_eq!(clamped, [0.0, 0.0, 1.0]);
    }
}
