//! Casting: which pieces of an audience's evidence each of its twins is built around, so that
//! several twins of one audience differ in ways the audience's data supports instead of being
//! five copies of one persona. Synthetic respondents are known to collapse spread (TinyTroupe's
//! gazpacho panel: SD 0.60 against 1.36 for people, `../shared/reference/synthetic-research.md`
//! §1.2, §4); like TinyTroupe's factory, the traits are drawn in code, not by the model, and here
//! they are drawn from the audience's own evidence and checked to differ.
//!
//! The input is the audience's candidate anchors (an evidence item: a winning creative, a
//! placement, a device, a daypart, an intent class, a mention theme, a demographic band), each
//! with its facet and a weight (its support share or strength). The output gives each twin a
//! few anchor ids such that:
//! - every anchor comes from the input (a twin is never cast on evidence the audience lacks);
//! - facets, and the anchors within each facet, fill the twins' slots in proportion to their
//!   weight, by largest remainder ([`slot_quotas`]), so a trait that holds for most of the
//!   audience holds for most of its twins;
//! - any two twins share few anchors: Jaccard similarity below [`DISTINCT_BELOW`], guaranteed
//!   when there are at least [`MIN_ANCHORS_PER_TWIN`] anchors per twin and achieved whenever
//!   there are at least as many anchors as twins; with fewer, anchors are reused but no two
//!   twins are identical unless every set size makes that unavoidable;
//! - the same anchors, twin count and seed always give the same casting (a seeded SplitMix64,
//!   no global randomness), and another seed may give another casting that meets the same
//!   bounds, so a study can be rerun over several castings.
//!
//! When the proportions and the distinctness bound pull apart (two heavy anchors that would sit
//! together in every twin), distinctness wins and coverage is only as close as it allows.

use std::collections::HashSet;

use thiserror::Error;

/// The most twins one casting makes (a focus group seats 2 to 12).
pub const MAX_TWINS: usize = 12;
/// Anchors per twin when the audience has enough: a twin rests on several pieces of evidence
/// (the issue asks for at least 3 memories per twin at creation).
pub const MIN_ANCHORS_PER_TWIN: usize = 3;
/// Anchors per twin at most, so that what sets a twin apart stays a short list in its prompt.
pub const MAX_ANCHORS_PER_TWIN: usize = 5;
/// Two twins count as distinct when the Jaccard similarity of their anchor sets is below this.
pub const DISTINCT_BELOW: f64 = 0.5;
/// Randomised fills tried per set size; the best one is kept. Enough for the greedy fill to find
/// an exact-quota, distinct casting on the inputs tested, small enough to stay well under a
/// millisecond for an audience's few dozen anchors.
const ATTEMPTS: usize = 32;

/// One piece of an audience's evidence a twin can be cast on.
#[derive(Debug, Clone, PartialEq)]
pub struct Anchor {
    /// The evidence item's id (a signal key, say), unique within the input.
    pub id: String,
    /// What the anchor is about: the alternatives of one facet ("device: mobile", "device:
    /// desktop") share it, so a twin can be kept from holding two of them where others exist.
    pub facet: String,
    /// Support share or strength, at least 0: how much of the audience it speaks for.
    pub weight: f64,
}

/// The anchors one twin is cast on, in the input's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Casting {
    pub anchor_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum CastingError {
    #[error("the audience has no evidence to cast twins on")]
    NoAnchors,
    #[error("{requested} twins asked for; a casting makes 1 to {MAX_TWINS}")]
    TwinCountOutOfRange { requested: usize },
    #[error("anchor {id:?} has weight {weight}; a weight is a finite number at least 0")]
    InvalidWeight { id: String, weight: f64 },
    #[error("anchor {id:?} appears more than once")]
    DuplicateAnchor { id: String },
}

/// Casts `twins` twins on `anchors`, deterministically from `seed`.
pub fn cast(anchors: &[Anchor], twins: usize, seed: u64) -> Result<Vec<Casting>, CastingError> {
    validate(anchors, twins)?;
    let facets = FacetIndex::of(anchors);
    let mut rng = SplitMix64::new(seed);
    let mut best: Option<(usize, Fill)> = None;
    for per_twin in set_sizes(anchors.len(), twins) {
        let quotas = slot_quotas(anchors, twins, per_twin);
        let fill = best_fill(&facets, &quotas, twins, per_twin, &mut rng);
        if fill.score.identical_pairs == 0 && fill.score.crowded_pairs == 0 {
            best = Some((per_twin, fill));
            break;
        }
        // Sizes are tried largest first, so a strictly better later size is needed to replace
        // an earlier one: richer twins win ties.
        let better = match &best {
            None => true,
            Some((_, kept)) => {
                (fill.score.identical_pairs, fill.score.crowded_pairs)
                    < (kept.score.identical_pairs, kept.score.crowded_pairs)
            }
        };
        if better {
            best = Some((per_twin, fill));
        }
    }
    let sets = best.map(|(_, fill)| fill.sets).unwrap_or_default();
    Ok(sets
        .into_iter()
        .map(|mut set| {
            set.sort_unstable();
            Casting {
                anchor_ids: set.into_iter().map(|i| anchors[i].id.clone()).collect(),
            }
        })
        .collect())
}

/// The largest Jaccard similarity between any two castings' anchor sets (0 for fewer than two),
/// so a caller can show how distinct its twins are.
pub fn max_pairwise_jaccard(castings: &[Casting]) -> f64 {
    let mut max = 0.0_f64;
    for (i, a) in castings.iter().enumerate() {
        for b in &castings[i + 1..] {
            max = max.max(jaccard(&a.anchor_ids, &b.anchor_ids));
        }
    }
    max
}

/// Shared ids over all ids of the two lists, read as sets; two empty lists are identical (1).
pub fn jaccard(a: &[String], b: &[String]) -> f64 {
    let a: HashSet<&str> = a.iter().map(String::as_str).collect();
    let b: HashSet<&str> = b.iter().map(String::as_str).collect();
    let union = a.union(&b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

/// How many of the `twins × per_twin` slots each anchor should fill, in the input's order.
/// Slots go to facets in proportion to each facet's total weight, then to a facet's anchors in
/// proportion to theirs, both by largest remainder (ties to the heavier, then the earlier).
/// No anchor fills more than `twins` slots (a twin holds an anchor once), and a facet's share
/// above what its anchors can hold goes to the other facets. Zero-weight anchors fill slots only
/// when the weighted ones cannot fill them all.
pub fn slot_quotas(anchors: &[Anchor], twins: usize, per_twin: usize) -> Vec<usize> {
    let facets = FacetIndex::of(anchors);
    let facet_weights: Vec<f64> = facets
        .members
        .iter()
        .map(|members| members.iter().map(|&i| anchors[i].weight).sum())
        .collect();
    let facet_caps: Vec<usize> = facets.members.iter().map(|m| m.len() * twins).collect();
    let facet_slots = apportion(&facet_weights, &facet_caps, twins * per_twin);
    let mut quotas = vec![0; anchors.len()];
    for (members, &slots) in facets.members.iter().zip(&facet_slots) {
        let weights: Vec<f64> = members.iter().map(|&i| anchors[i].weight).collect();
        let caps = vec![twins; members.len()];
        for (&anchor, share) in members.iter().zip(apportion(&weights, &caps, slots)) {
            quotas[anchor] = share;
        }
    }
    quotas
}

fn validate(anchors: &[Anchor], twins: usize) -> Result<(), CastingError> {
    if !(1..=MAX_TWINS).contains(&twins) {
        return Err(CastingError::TwinCountOutOfRange { requested: twins });
    }
    if anchors.is_empty() {
        return Err(CastingError::NoAnchors);
    }
    let mut seen = HashSet::new();
    for anchor in anchors {
        if !anchor.weight.is_finite() || anchor.weight < 0.0 {
            return Err(CastingError::InvalidWeight {
                id: anchor.id.clone(),
                weight: anchor.weight,
            });
        }
        if !seen.insert(anchor.id.as_str()) {
            return Err(CastingError::DuplicateAnchor {
                id: anchor.id.clone(),
            });
        }
    }
    Ok(())
}

/// The set sizes to try, largest first. With at least [`MIN_ANCHORS_PER_TWIN`] anchors per
/// twin, one size: each twin's share of the anchors, within 3 to 5; at that size there are
/// enough anchors for disjoint sets, so the bound always holds. With fewer, smaller sets are
/// tried in turn, since three anchors each from a handful cannot help overlapping (from 4
/// anchors, any two 3-sets share 2: Jaccard 0.5, while 2-sets share at most 1: 1/3).
fn set_sizes(anchor_count: usize, twins: usize) -> Vec<usize> {
    if anchor_count >= MIN_ANCHORS_PER_TWIN * twins {
        let share = (anchor_count / twins).clamp(MIN_ANCHORS_PER_TWIN, MAX_ANCHORS_PER_TWIN);
        vec![share]
    } else {
        (1..=MIN_ANCHORS_PER_TWIN.min(anchor_count)).rev().collect()
    }
}

/// The most anchors two twins of `per_twin` anchors may share and stay distinct: with `s`
/// shared, Jaccard is `s / (2·per_twin − s)`, below 1/2 exactly when `3s < 2·per_twin`.
fn max_shared(per_twin: usize) -> usize {
    (2 * per_twin).saturating_sub(1) / 3
}

/// The anchors grouped by facet, facets in order of first appearance.
struct FacetIndex {
    facet_of: Vec<usize>,
    members: Vec<Vec<usize>>,
}

impl FacetIndex {
    fn of(anchors: &[Anchor]) -> FacetIndex {
        let mut names: Vec<&str> = Vec::new();
        let mut facet_of = Vec::with_capacity(anchors.len());
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (index, anchor) in anchors.iter().enumerate() {
            let facet = match names.iter().position(|&name| name == anchor.facet) {
                Some(facet) => facet,
                None => {
                    names.push(&anchor.facet);
                    members.push(Vec::new());
                    names.len() - 1
                }
            };
            facet_of.push(facet);
            members[facet].push(index);
        }
        FacetIndex { facet_of, members }
    }
}

/// `total` units shared in proportion to `weights` by largest remainder, none above its cap.
/// Shares that would exceed their cap are set to it and the rest is shared again among the
/// others; when only zero weights remain, they share equally. The caller keeps
/// `total <= caps.sum()`.
fn apportion(weights: &[f64], caps: &[usize], total: usize) -> Vec<usize> {
    let mut shares = vec![0; weights.len()];
    let mut open: Vec<usize> = (0..weights.len()).filter(|&i| caps[i] > 0).collect();
    let mut left = total;
    loop {
        if left == 0 || open.is_empty() {
            return shares;
        }
        let weighted: f64 = open.iter().map(|&i| weights[i]).sum();
        // Without weight among what is left, every open item counts the same.
        let weight_of = |i: usize| if weighted > 0.0 { weights[i] } else { 1.0 };
        let open_weight: f64 = open.iter().map(|&i| weight_of(i)).sum();
        let exact = |i: usize| left as f64 * weight_of(i) / open_weight;
        let capped: Vec<usize> = open
            .iter()
            .copied()
            .filter(|&i| exact(i) >= caps[i] as f64)
            .collect();
        if !capped.is_empty() {
            for &i in &capped {
                shares[i] = caps[i];
                left -= caps[i].min(left);
            }
            open.retain(|i| !capped.contains(i));
            continue;
        }
        // No share reaches its cap, so a floor plus one stays within it.
        let mut given = 0;
        for &i in &open {
            shares[i] = exact(i).floor() as usize;
            given += shares[i];
        }
        let mut by_remainder = open.clone();
        by_remainder.sort_by(|&a, &b| {
            let remainder = |i: usize| exact(i) - exact(i).floor();
            remainder(b)
                .total_cmp(&remainder(a))
                .then(weights[b].total_cmp(&weights[a]))
                .then(a.cmp(&b))
        });
        for &i in by_remainder.iter().take(left.saturating_sub(given)) {
            shares[i] += 1;
        }
        return shares;
    }
}

/// How good a fill is; compared field by field, lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
struct Score {
    /// Pairs of twins with the same anchors.
    identical_pairs: usize,
    /// Pairs of twins sharing too many anchors to be distinct.
    crowded_pairs: usize,
    /// Slots by which the anchors' use misses their quotas, summed.
    coverage_gap: usize,
    /// Anchors that share a facet with another anchor of the same twin.
    facet_repeats: usize,
    /// Anchors shared between twins, summed over pairs: less is more distinct.
    total_overlap: usize,
}

struct Fill {
    sets: Vec<Vec<usize>>,
    score: Score,
}

/// The best of [`ATTEMPTS`] randomised fills; the first of equals, so the seed decides among
/// equally good castings.
fn best_fill(
    facets: &FacetIndex,
    quotas: &[usize],
    twins: usize,
    per_twin: usize,
    rng: &mut SplitMix64,
) -> Fill {
    let mut best: Option<Fill> = None;
    for attempt in 0..ATTEMPTS {
        // Every other fill treats quotas as odds only: exact quotas can force two twins
        // together (an anchor due in every twin and another due in most), and only a fill
        // that may stray from them can find the distinct casting then.
        let strict = attempt % 2 == 0;
        let sets = fill(facets, quotas, twins, per_twin, strict, rng);
        let score = score(&sets, facets, quotas, per_twin);
        if best.as_ref().is_none_or(|kept| score < kept.score) {
            best = Some(Fill { sets, score });
        }
    }
    // ATTEMPTS is above 0, so there is always a kept fill; an empty one stands in for form.
    best.unwrap_or(Fill {
        sets: Vec::new(),
        score: Score::default(),
    })
}

/// One greedy fill: in each round every twin, in a shuffled order, takes one anchor it lacks.
/// Among those, it prefers in turn: one that keeps it distinct from every other twin, one that
/// does not complete a set another twin already has, one with quota left, one whose quota can
/// no longer be met unless it is taken now, one from a facet the twin lacks; and then draws
/// among what is left with odds in proportion to the quota left. Each preference applies only
/// when some candidate meets it, so the fill never gets stuck. Unless `strict`, the two quota
/// preferences are dropped and an anchor past its quota keeps a small chance.
fn fill(
    facets: &FacetIndex,
    quotas: &[usize],
    twins: usize,
    per_twin: usize,
    strict: bool,
    rng: &mut SplitMix64,
) -> Vec<Vec<usize>> {
    let anchor_count = quotas.len();
    let bound = max_shared(per_twin);
    let mut left = quotas.to_vec();
    let mut sets: Vec<Vec<usize>> = vec![Vec::with_capacity(per_twin); twins];
    let mut order: Vec<usize> = (0..twins).collect();
    for _ in 0..per_twin {
        rng.shuffle(&mut order);
        for &twin in &order {
            let own = &sets[twin];
            let mut candidates: Vec<usize> =
                (0..anchor_count).filter(|a| !own.contains(a)).collect();
            candidates = prefer(candidates, |a| {
                sets.iter().enumerate().all(|(other, theirs)| {
                    other == twin || shared(own, theirs) + usize::from(theirs.contains(&a)) <= bound
                })
            });
            if own.len() + 1 == per_twin {
                candidates = prefer(candidates, |a| {
                    sets.iter().enumerate().all(|(other, theirs)| {
                        other == twin
                            || theirs.len() != per_twin
                            || !(theirs.contains(&a) && own.iter().all(|x| theirs.contains(x)))
                    })
                });
            }
            if strict {
                candidates = prefer(candidates, |a| left[a] > 0);
                candidates = prefer(candidates, |a| {
                    let can_still_take = sets
                        .iter()
                        .filter(|set| set.len() < per_twin && !set.contains(&a))
                        .count();
                    left[a] > 0 && left[a] >= can_still_take
                });
            }
            candidates = prefer(candidates, |a| {
                own.iter()
                    .all(|&x| facets.facet_of[x] != facets.facet_of[a])
            });
            let odds: Vec<u64> = candidates
                .iter()
                .map(|&a| if strict { left[a].max(1) } else { left[a] + 1 } as u64)
                .collect();
            let pick = candidates[rng.weighted_index(&odds)];
            sets[twin].push(pick);
            left[pick] = left[pick].saturating_sub(1);
        }
    }
    sets
}

/// The candidates that meet `wanted`, or all of them when none does.
fn prefer(candidates: Vec<usize>, wanted: impl Fn(usize) -> bool) -> Vec<usize> {
    let kept: Vec<usize> = candidates.iter().copied().filter(|&a| wanted(a)).collect();
    if kept.is_empty() { candidates } else { kept }
}

fn shared(a: &[usize], b: &[usize]) -> usize {
    a.iter().filter(|x| b.contains(x)).count()
}

fn score(sets: &[Vec<usize>], facets: &FacetIndex, quotas: &[usize], per_twin: usize) -> Score {
    let bound = max_shared(per_twin);
    let (mut identical_pairs, mut crowded_pairs, mut total_overlap) = (0, 0, 0);
    for (i, a) in sets.iter().enumerate() {
        for b in &sets[i + 1..] {
            let common = shared(a, b);
            total_overlap += common;
            if common == a.len() && common == b.len() {
                identical_pairs += 1;
            }
            if common > bound {
                crowded_pairs += 1;
            }
        }
    }
    let mut used: Vec<usize> = vec![0; quotas.len()];
    for &anchor in sets.iter().flatten() {
        used[anchor] += 1;
    }
    let coverage_gap = used.iter().zip(quotas).map(|(&u, &q)| u.abs_diff(q)).sum();
    let facet_repeats = sets
        .iter()
        .map(|set| {
            let distinct: HashSet<usize> = set.iter().map(|&a| facets.facet_of[a]).collect();
            set.len() - distinct.len()
        })
        .sum();
    Score {
        identical_pairs,
        crowded_pairs,
        coverage_gap,
        facet_repeats,
        total_overlap,
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014; Vigna's reference constants): small, fast and fully
/// determined by its seed, which is all a casting needs; written here so the casting cannot
/// change under a dependency's update.
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `bound` (which is above 0), by the high half of a 128-bit product: the
    /// bias is at most `bound / 2^64`, far below anything a casting could show.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// Fisher-Yates.
    fn shuffle(&mut self, items: &mut [usize]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// An index drawn with odds in proportion to `odds` (not all 0, not empty).
    fn weighted_index(&mut self, odds: &[u64]) -> usize {
        let total: u64 = odds.iter().sum();
        let mut draw = self.below(total.max(1));
        for (index, &odd) in odds.iter().enumerate() {
            if draw < odd {
                return index;
            }
            draw -= odd;
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor(id: &str, facet: &str, weight: f64) -> Anchor {
        Anchor {
            id: id.to_owned(),
            facet: facet.to_owned(),
            weight,
        }
    }

    /// Twelve anchors in four facets, weights summing to 10: placement 4.5, device 2.5,
    /// intent 1.8, theme 1.2 (with one zero-weight anchor each in intent and theme).
    fn audience() -> Vec<Anchor> {
        vec![
            anchor("p1", "placement", 3.0),
            anchor("p2", "placement", 1.0),
            anchor("p3", "placement", 0.5),
            anchor("d1", "device", 2.0),
            anchor("d2", "device", 0.5),
            anchor("i1", "intent", 1.2),
            anchor("i2", "intent", 0.6),
            anchor("i3", "intent", 0.0),
            anchor("t1", "theme", 0.7),
            anchor("t2", "theme", 0.3),
            anchor("t3", "theme", 0.2),
            anchor("t4", "theme", 0.0),
        ]
    }

    fn facet_counts(anchors: &[Anchor], castings: &[Casting]) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for anchor in anchors {
            if !counts.iter().any(|(facet, _)| *facet == anchor.facet) {
                counts.push((anchor.facet.clone(), 0));
            }
        }
        for id in castings.iter().flat_map(|c| &c.anchor_ids) {
            let facet = &anchors
                .iter()
                .find(|a| &a.id == id)
                .map(|a| a.facet.clone());
            for (name, count) in &mut counts {
                if Some(&*name) == facet.as_ref() {
                    *count += 1;
                }
            }
        }
        counts
    }

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // Vigna's splitmix64.c seeded with 1234567.
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
        assert_eq!(rng.next_u64(), 9_817_491_932_198_370_423);
    }

    #[test]
    fn quotas_follow_weight_by_largest_remainder_over_facets_then_anchors() {
        // 4 twins x 3 anchors = 12 slots. Facets: 12 x (4.5, 2.5, 1.8, 1.2)/10 = 5.4, 3.0, 2.16,
        // 1.44: floors 5+3+2+1 = 11, and the last slot goes to the largest remainder, theme's
        // 0.44 over placement's 0.40. Within placement 5 x (3, 1, 0.5)/4.5 = 3.33, 1.11, 0.56
        // -> 3, 1, 1; device 3 x (2, 0.5)/2.5 = 2.4, 0.6 -> 2, 1; intent 2 x (1.2, 0.6, 0)/1.8
        // -> 1, 1, 0; theme 2 x (0.7, 0.3, 0.2, 0)/1.2 = 1.17, 0.5, 0.33, 0 -> 1, 1, 0, 0.
        let quotas = slot_quotas(&audience(), 4, 3);
        assert_eq!(quotas, vec![3, 1, 1, 2, 1, 1, 1, 0, 1, 1, 0, 0]);
    }

    #[test]
    fn a_casting_covers_facets_in_proportion_and_meets_every_quota() {
        let anchors = audience();
        for seed in 0..20 {
            let castings = cast(&anchors, 4, seed).unwrap();
            assert_eq!(castings.len(), 4);
            assert!(castings.iter().all(|c| c.anchor_ids.len() == 3));
            let counts = facet_counts(&anchors, &castings);
            let expected = [("placement", 5), ("device", 3), ("intent", 2), ("theme", 2)];
            for ((facet, count), (want_facet, want)) in counts.iter().zip(expected) {
                assert_eq!((facet.as_str(), *count), (want_facet, want), "seed {seed}");
            }
            // Each anchor is used exactly as its quota says; zero-weight ones not at all.
            let quotas = slot_quotas(&anchors, 4, 3);
            for (anchor, quota) in anchors.iter().zip(quotas) {
                let used = castings
                    .iter()
                    .filter(|c| c.anchor_ids.contains(&anchor.id))
                    .count();
                assert_eq!(used, quota, "{} with seed {seed}", anchor.id);
            }
            assert!(
                max_pairwise_jaccard(&castings) < DISTINCT_BELOW,
                "seed {seed}"
            );
        }
    }

    #[test]
    fn a_cap_hands_an_overfull_facets_share_to_the_others() {
        // One anchor in a facet with 90% of the weight can fill at most one slot per twin.
        let anchors = vec![
            anchor("heavy", "device", 9.0),
            anchor("a", "theme", 0.5),
            anchor("b", "theme", 0.3),
            anchor("c", "theme", 0.2),
        ];
        // 2 twins x 2 slots = 4; device's 3.6 is capped at 2, the theme shares 2 as 1, 1, 0.
        assert_eq!(apportion(&[9.0, 1.0], &[2, 6], 4), vec![2, 2]);
        assert_eq!(slot_quotas(&anchors, 2, 2), vec![2, 1, 1, 0]);
        // With no weight left, what remains is shared equally.
        assert_eq!(apportion(&[0.0, 0.0, 0.0], &[5, 5, 5], 4), vec![2, 1, 1]);
    }

    #[test]
    fn twins_stay_distinct_even_when_a_few_anchors_carry_most_weight() {
        // 30 anchors, 8 twins: 3 each. Three anchors carry most of the weight, and would sit
        // together in every twin if the quotas alone decided.
        let mut anchors = vec![
            anchor("mobile", "device", 50.0),
            anchor("evening", "daypart", 40.0),
            anchor("video", "creative", 30.0),
        ];
        for i in 0..27 {
            let facet = ["theme", "intent", "placement", "age"][i % 4];
            anchors.push(anchor(&format!("{facet}{i}"), facet, 1.0 + (i % 5) as f64));
        }
        for seed in 0..40 {
            let castings = cast(&anchors, 8, seed).unwrap();
            assert!(castings.iter().all(|c| c.anchor_ids.len() == 3));
            assert!(
                max_pairwise_jaccard(&castings) < DISTINCT_BELOW,
                "seed {seed}"
            );
        }
        // With more anchors per twin the sets grow, up to 5, and stay distinct.
        let castings = cast(&anchors, 6, 7).unwrap();
        assert!(castings.iter().all(|c| c.anchor_ids.len() == 5));
        assert!(max_pairwise_jaccard(&castings) < DISTINCT_BELOW);
        // Every id comes from the input.
        for id in castings.iter().flat_map(|c| &c.anchor_ids) {
            assert!(anchors.iter().any(|a| &a.id == id));
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_casting_and_other_seeds_other_ones() {
        let anchors = audience();
        assert_eq!(
            cast(&anchors, 4, 42).unwrap(),
            cast(&anchors, 4, 42).unwrap()
        );
        let first = cast(&anchors, 4, 0).unwrap();
        assert!((1..10).any(|seed| cast(&anchors, 4, seed).unwrap() != first));
    }

    #[test]
    fn with_fewer_anchors_than_twins_they_are_reused_but_twins_differ() {
        let anchors = vec![
            anchor("a", "theme", 4.0),
            anchor("b", "theme", 3.0),
            anchor("c", "device", 2.0),
            anchor("d", "age", 1.0),
        ];
        // Four anchors, five twins: 3-sets from 4 anchors would share 2 (Jaccard 0.5), so twins
        // get 2 each, all different, any two sharing at most one (Jaccard at most 1/3).
        let castings = cast(&anchors, 5, 3).unwrap();
        assert!(castings.iter().all(|c| c.anchor_ids.len() == 2));
        for (i, a) in castings.iter().enumerate() {
            for b in &castings[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert!(max_pairwise_jaccard(&castings) <= 1.0 / 3.0 + 1e-12);

        // Three anchors, three twins: the three pairs.
        let castings = cast(&anchors[..3], 3, 0).unwrap();
        assert!(castings.iter().all(|c| c.anchor_ids.len() == 2));
        assert!((max_pairwise_jaccard(&castings) - 1.0 / 3.0).abs() < 1e-12);

        // Two anchors, three twins: no set size gives three different sets; single anchors
        // leave one identical pair instead of three.
        let castings = cast(&anchors[..2], 3, 0).unwrap();
        assert!(castings.iter().all(|c| c.anchor_ids.len() == 1));
        let identical = (0..3)
            .flat_map(|i| (i + 1..3).map(move |j| (i, j)))
            .filter(|&(i, j)| castings[i] == castings[j])
            .count();
        assert_eq!(identical, 1);

        // One twin from two anchors takes both.
        let castings = cast(&anchors[..2], 1, 0).unwrap();
        assert_eq!(castings[0].anchor_ids, vec!["a".to_owned(), "b".to_owned()]);
    }

    #[test]
    fn bad_input_is_an_error() {
        let anchors = audience();
        assert_eq!(cast(&[], 3, 0), Err(CastingError::NoAnchors));
        assert_eq!(
            cast(&anchors, 0, 0),
            Err(CastingError::TwinCountOutOfRange { requested: 0 })
        );
        assert_eq!(
            cast(&anchors, 13, 0),
            Err(CastingError::TwinCountOutOfRange { requested: 13 })
        );
        let negative = vec![anchor("a", "theme", -1.0)];
        assert!(matches!(
            cast(&negative, 1, 0),
            Err(CastingError::InvalidWeight { .. })
        ));
        let not_a_number = vec![anchor("a", "theme", f64::NAN)];
        assert!(matches!(
            cast(&not_a_number, 1, 0),
            Err(CastingError::InvalidWeight { .. })
        ));
        let twice = vec![anchor("a", "theme", 1.0), anchor("a", "device", 1.0)];
        assert_eq!(
            cast(&twice, 1, 0),
            Err(CastingError::DuplicateAnchor { id: "a".to_owned() })
        );
    }

    #[test]
    fn jaccard_reads_lists_as_sets() {
        let ids = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(jaccard(&ids(&["a", "b", "c"]), &ids(&["c", "d", "e"])), 0.2);
        assert_eq!(jaccard(&ids(&["a", "b"]), &ids(&["b", "a"])), 1.0);
        assert_eq!(max_pairwise_jaccard(&[]), 0.0);
        // Two twins of 3 may share 1 anchor, of 4 share 2, of 5 share 3.
        assert_eq!((max_shared(3), max_shared(4), max_shared(5)), (1, 2, 3));
    }
}
