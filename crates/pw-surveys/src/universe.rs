//! The population a survey's respondents are drawn to match, and the draw itself.
//!
//! A universe is a list of dimensions (age band, sex, region, household income, education, the
//! workspace's segments), each a set of categories with a target share and the table it comes
//! from. Region, sex and age band can also come as one joint table (the census's cells), so a
//! sample keeps how they go together (more women among the oldest, a younger West) instead of
//! only each margin.
//!
//! The draw is quota sampling by largest remainders: every dimension (and the joint table) is
//! split into whole respondents so each category, or joint cell, gets its share of N to within
//! one respondent, and the categories are dealt out in an order shuffled by the seed. A margin
//! summed from many joint cells can miss by a few respondents at a small N; raking corrects
//! what rounding misses. Two draws with one seed are the same.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::census::{AGE_BANDS, AdultPopulation, INCOME_BANDS, INCOME_SOURCE, Region};

/// How many respondents a run may have.
pub const RESPONDENTS: std::ops::RangeInclusive<usize> = 1..=10_000;

/// The dimensions a universe knows, by the names results and crosstabs use.
pub const AGE_BAND: &str = "age_band";
pub const SEX: &str = "sex";
pub const REGION: &str = "region";
pub const INCOME: &str = "income";
pub const EDUCATION: &str = "education";
pub const SEGMENT: &str = "segment";

/// One dimension of the target population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    /// `age_band`, `sex`, `region`, `income`, `education`, `segment`, or a name of the user's.
    pub name: String,
    /// The categories' keys (a segment's is its audience id).
    pub categories: Vec<String>,
    /// What the user reads for each category.
    pub labels: Vec<String>,
    /// The target share of each category; they sum to 1.
    pub shares: Vec<f64>,
    /// Where the targets come from (a table and its year, "the workspace's audiences", "entered
    /// by the user").
    pub source: String,
}

/// One cell of the region × sex × age band table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JointCell {
    pub region: String,
    pub sex: String,
    pub age_band: String,
    pub share: f64,
}

/// A target population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Universe {
    /// The margins respondents are drawn to and weighted to.
    pub dimensions: Vec<Dimension>,
    /// Region, sex and age band together, when a table gives them so; their margins are also
    /// among `dimensions`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joint: Vec<JointCell>,
}

/// What is wrong with a universe or a draw, in words for the user.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UniverseError {
    #[error("a survey asks between 1 and 10,000 respondents, not {0}")]
    Respondents(usize),
    #[error("the dimension \"{0}\" appears twice")]
    DuplicateDimension(String),
    #[error("the dimension \"{dimension}\" {problem}")]
    Dimension { dimension: String, problem: String },
    #[error("the workspace has no twins to vary: create twins of at least one audience first")]
    NoSegments,
}

impl Dimension {
    /// A dimension whose keys are its labels, its shares normalised to sum to 1.
    pub fn new(
        name: &str,
        categories: &[(&str, f64)],
        source: &str,
    ) -> Result<Dimension, UniverseError> {
        let dimension = Dimension {
            name: name.to_owned(),
            categories: categories.iter().map(|(c, _)| (*c).to_owned()).collect(),
            labels: categories.iter().map(|(c, _)| (*c).to_owned()).collect(),
            shares: categories.iter().map(|(_, s)| *s).collect(),
            source: source.to_owned(),
        };
        dimension.normalised()
    }

    /// Checks the dimension and scales its shares to sum to 1.
    pub fn normalised(mut self) -> Result<Dimension, UniverseError> {
        let problem = |problem: &str| UniverseError::Dimension {
            dimension: self.name.clone(),
            problem: problem.to_owned(),
        };
        if self.categories.is_empty() {
            return Err(problem("has no categories"));
        }
        if self.labels.len() != self.categories.len() || self.shares.len() != self.categories.len()
        {
            return Err(problem("needs one label and one share for every category"));
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(twice) = self.categories.iter().find(|c| !seen.insert(c.as_str())) {
            return Err(problem(&format!("lists \"{twice}\" twice")));
        }
        if self.shares.iter().any(|s| !s.is_finite() || *s < 0.0) {
            return Err(problem("has a share that is negative or not a number"));
        }
        let total: f64 = self.shares.iter().sum();
        if total <= 0.0 {
            return Err(problem("has no share above zero"));
        }
        for share in &mut self.shares {
            *share /= total;
        }
        Ok(self)
    }

    /// The share of each category among `values` (category indices), for showing the sample
    /// beside its targets.
    pub fn sample_shares(&self, values: &[usize]) -> Vec<f64> {
        let mut counts = vec![0.0; self.categories.len()];
        for &value in values {
            if let Some(count) = counts.get_mut(value) {
                *count += 1.0;
            }
        }
        let n = values.len().max(1) as f64;
        counts.into_iter().map(|c| c / n).collect()
    }
}

impl Universe {
    /// US adults as the census counts them: region × sex × age band from S0101 (jointly), with
    /// household income from B19001 when asked for (households in 2013 dollars: see
    /// [`crate::census::household_income_shares`]), education when given (the user's targets,
    /// or B15003's from a census refresh: [`crate::census::education_by_state`]), and the
    /// workspace's segments.
    pub fn us_adults(
        population: &AdultPopulation,
        income: Option<&[f64]>,
        education: Option<Dimension>,
        segments: Dimension,
    ) -> Result<Universe, UniverseError> {
        let total = population.total();
        let joint: Vec<JointCell> = population
            .counts
            .iter()
            .map(|((region, sex, band), people)| JointCell {
                region: region.label().to_owned(),
                sex: (*sex).to_owned(),
                age_band: AGE_BANDS[*band].to_owned(),
                share: people / total,
            })
            .collect();
        let source = population.year.map_or_else(
            || crate::census::AGE_SEX_SOURCE.to_owned(),
            crate::census::age_sex_source,
        );
        let source = source.as_str();
        let region_labels: Vec<&str> = Region::ALL.iter().map(|r| r.label()).collect();
        let margin = |name: &str, labels: &[&str], shares: Vec<f64>| {
            let pairs: Vec<(&str, f64)> = labels.iter().copied().zip(shares).collect();
            Dimension::new(name, &pairs, source)
        };
        let mut dimensions = vec![
            margin(AGE_BAND, &AGE_BANDS, population.age_shares())?,
            margin(SEX, &["female", "male"], population.sex_shares())?,
            margin(REGION, &region_labels, population.region_shares())?,
        ];
        if let Some(income) = income {
            let pairs: Vec<(&str, f64)> = INCOME_BANDS
                .iter()
                .copied()
                .zip(income.iter().copied())
                .collect();
            let mut dimension = Dimension::new(INCOME, &pairs, INCOME_SOURCE)?;
            dimension.labels = INCOME_BANDS.iter().map(|band| dollars(band)).collect();
            dimensions.push(dimension);
        }
        dimensions.extend(education);
        dimensions.push(segments);
        Universe { dimensions, joint }.checked()
    }

    /// Checks every dimension, that no name appears twice, and that a segment dimension exists.
    pub fn checked(mut self) -> Result<Universe, UniverseError> {
        let mut names = std::collections::BTreeSet::new();
        let mut dimensions = Vec::with_capacity(self.dimensions.len());
        for dimension in self.dimensions {
            if !names.insert(dimension.name.clone()) {
                return Err(UniverseError::DuplicateDimension(dimension.name));
            }
            dimensions.push(dimension.normalised()?);
        }
        self.dimensions = dimensions;
        if self.dimension(SEGMENT).is_none() {
            return Err(UniverseError::NoSegments);
        }
        let total: f64 = self.joint.iter().map(|c| c.share.max(0.0)).sum();
        if !self.joint.is_empty() && total <= 0.0 {
            return Err(UniverseError::Dimension {
                dimension: "region × sex × age band".into(),
                problem: "has no share above zero".into(),
            });
        }
        Ok(self)
    }

    pub fn dimension(&self, name: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.name == name)
    }
}

/// An income band in words: "<10000" is "under $10,000", "10000 to 14999" "$10,000 to
/// $14,999", "200000+" "$200,000 or more".
fn dollars(band: &str) -> String {
    let money = |n: &str| -> String {
        let digits: Vec<char> = n.trim().chars().collect();
        let mut out = String::new();
        for (i, d) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(*d);
        }
        format!("${out}")
    };
    if let Some(high) = band.strip_prefix('<') {
        format!("under {}", money(high))
    } else if let Some(low) = band.strip_suffix('+') {
        format!("{} or more", money(low))
    } else if let Some((low, high)) = band.split_once(" to ") {
        format!("{} to {}", money(low), money(high))
    } else {
        band.to_owned()
    }
}

/// One respondent's draw: a category of every dimension, and an age within its band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draw {
    /// Dimension name → category key.
    pub categories: BTreeMap<String, String>,
    /// An age in years within the age band, when the universe has age bands.
    pub age: Option<u8>,
}

/// Splits `n` into whole counts as close to `shares × n` as whole numbers allow: each gets the
/// floor, and the remainders go to the largest fractions (the earlier category on a tie).
pub fn allocate(shares: &[f64], n: usize) -> Vec<usize> {
    let total: f64 = shares.iter().map(|s| s.max(0.0)).sum();
    if total <= 0.0 || shares.is_empty() {
        return vec![0; shares.len()];
    }
    let exact: Vec<f64> = shares
        .iter()
        .map(|s| s.max(0.0) / total * n as f64)
        .collect();
    let mut counts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let given: usize = counts.iter().sum();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    for &index in order.iter().take(n.saturating_sub(given)) {
        counts[index] += 1;
    }
    counts
}

/// A stream of its own for each part of the draw, so adding a dimension does not change how
/// the others fall.
fn stream(seed: u64, part: &str) -> ChaCha8Rng {
    let mut key = seed;
    for byte in part.bytes() {
        key = (key ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    ChaCha8Rng::seed_from_u64(key)
}

/// The categories dealt to `n` respondents: each category `allocate`d its count, shuffled.
fn deal(shares: &[f64], n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut dealt: Vec<usize> = allocate(shares, n)
        .into_iter()
        .enumerate()
        .flat_map(|(category, count)| std::iter::repeat_n(category, count))
        .collect();
    dealt.shuffle(rng);
    dealt
}

/// The youngest and oldest age of a band such as "25-34" or "65+" (an open band is taken to
/// run twenty years).
fn band_ages(band: &str) -> Option<(u8, u8)> {
    if let Some(low) = band.strip_suffix('+') {
        let low: u8 = low.trim().parse().ok()?;
        return Some((low, low.saturating_add(19)));
    }
    let (low, high) = band.split_once('-')?;
    Some((low.trim().parse().ok()?, high.trim().parse().ok()?))
}

/// `n` respondents drawn to the universe's targets by `seed`.
pub fn draw(universe: &Universe, n: usize, seed: u64) -> Result<Vec<Draw>, UniverseError> {
    if !RESPONDENTS.contains(&n) {
        return Err(UniverseError::Respondents(n));
    }
    let mut draws: Vec<Draw> = (0..n)
        .map(|_| Draw {
            categories: BTreeMap::new(),
            age: None,
        })
        .collect();
    let from_joint = [REGION, SEX, AGE_BAND];
    if !universe.joint.is_empty() {
        let shares: Vec<f64> = universe.joint.iter().map(|c| c.share).collect();
        let cells = deal(&shares, n, &mut stream(seed, "joint"));
        for (draw, cell) in draws.iter_mut().zip(cells) {
            let cell = &universe.joint[cell];
            draw.categories.insert(REGION.into(), cell.region.clone());
            draw.categories.insert(SEX.into(), cell.sex.clone());
            draw.categories
                .insert(AGE_BAND.into(), cell.age_band.clone());
        }
    }
    for dimension in &universe.dimensions {
        if !universe.joint.is_empty() && from_joint.contains(&dimension.name.as_str()) {
            continue;
        }
        let dealt = deal(&dimension.shares, n, &mut stream(seed, &dimension.name));
        for (draw, category) in draws.iter_mut().zip(dealt) {
            draw.categories.insert(
                dimension.name.clone(),
                dimension.categories[category].clone(),
            );
        }
    }
    let mut ages = stream(seed, "age");
    for draw in &mut draws {
        draw.age = draw
            .categories
            .get(AGE_BAND)
            .and_then(|band| band_ages(band))
            .map(|(low, high)| rand::Rng::random_range(&mut ages, low..=high));
    }
    Ok(draws)
}

/// How many of its segment's memory fragments a respondent is given.
pub const MEMORIES_PER_RESPONDENT: usize = 4;

/// The variation a respondent is of its segment: which of the segment's `twins` it varies, and
/// which of the segment's `memories` (up to `take`, in the order drawn) it is given. Drawn from
/// the seed and the respondent's position alone, so a resumed or repeated run gives every
/// respondent the same.
pub fn vary(
    seed: u64,
    respondent: usize,
    twins: usize,
    memories: usize,
    take: usize,
) -> (usize, Vec<usize>) {
    let mut rng = stream(
        seed ^ (respondent as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        "vary",
    );
    let twin = match twins {
        0 => 0,
        n => rand::Rng::random_range(&mut rng, 0..n),
    };
    let mut pool: Vec<usize> = (0..memories).collect();
    pool.shuffle(&mut rng);
    pool.truncate(take);
    (twin, pool)
}

/// Each draw's category index in `dimension` (`None` where the draw lacks it).
pub fn category_indices(dimension: &Dimension, draws: &[Draw]) -> Vec<Option<usize>> {
    draws
        .iter()
        .map(|draw| {
            draw.categories
                .get(&dimension.name)
                .and_then(|c| dimension.categories.iter().position(|k| k == c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(shares: &[(&str, f64)]) -> Dimension {
        Dimension::new(SEGMENT, shares, "the workspace's audiences").unwrap()
    }

    fn population() -> AdultPopulation {
        let mut population = AdultPopulation::default();
        for (i, region) in Region::ALL.iter().enumerate() {
            for (j, sex) in ["female", "male"].iter().enumerate() {
                for band in 0..AGE_BANDS.len() {
                    let people = 1000.0 * (1 + i) as f64 + 100.0 * (j + band) as f64;
                    population.counts.insert((*region, sex, band), people);
                }
            }
        }
        population
    }

    #[test]
    fn largest_remainders_give_each_category_its_share_to_within_one() {
        assert_eq!(allocate(&[0.5, 0.3, 0.2], 10), vec![5, 3, 2]);
        // 7 × (1/3) = 2.33 each: one extra goes to the first on the tie.
        assert_eq!(allocate(&[1.0, 1.0, 1.0], 7), vec![3, 2, 2]);
        // 0.45 × 11 = 4.95, 0.35 × 11 = 3.85, 0.2 × 11 = 2.2 → 4, 3, 2 plus the two largest
        // remainders (0.95, 0.85).
        assert_eq!(allocate(&[0.45, 0.35, 0.2], 11), vec![5, 4, 2]);
        assert_eq!(allocate(&[0.0, 0.0], 5), vec![0, 0]);
        for n in [1, 17, 333, 10_000] {
            let shares = [0.123, 0.456, 0.2, 0.221];
            let counts = allocate(&shares, n);
            assert_eq!(counts.iter().sum::<usize>(), n);
            for (count, share) in counts.iter().zip(shares) {
                assert!((*count as f64 - share * n as f64).abs() < 1.0);
            }
        }
    }

    #[test]
    fn a_draw_matches_every_target_margin_to_within_one_respondent_and_repeats_by_seed() {
        let education = Dimension::new(
            EDUCATION,
            &[
                ("high school or less", 0.37),
                ("some college", 0.28),
                ("bachelor's or more", 0.35),
            ],
            "entered by the user",
        )
        .unwrap();
        let universe = Universe::us_adults(
            &population(),
            Some(&[0.1; 10]),
            Some(education),
            segments(&[("a1", 0.7), ("a2", 0.3)]),
        )
        .unwrap();
        let n = 501;
        let draws = draw(&universe, n, 42).unwrap();
        assert_eq!(draws.len(), n);
        for dimension in &universe.dimensions {
            let indices: Vec<usize> = category_indices(dimension, &draws)
                .into_iter()
                .map(|i| i.expect("every draw has every dimension"))
                .collect();
            let sample = dimension.sample_shares(&indices);
            for (category, (got, want)) in sample.iter().zip(&dimension.shares).enumerate() {
                // The joint cells round each cell, so a margin that sums 12 or 24 cells may
                // miss by up to half their number of respondents; the others by under one.
                let slack = match dimension.name.as_str() {
                    AGE_BAND | SEX | REGION => 12.0,
                    _ => 1.0,
                };
                assert!(
                    (got - want).abs() * n as f64 <= slack,
                    "{} {category}: {got} against {want}",
                    dimension.name
                );
            }
        }
        // Ages fall in their bands.
        for d in &draws {
            let (low, high) = band_ages(&d.categories[AGE_BAND]).unwrap();
            let age = d.age.unwrap();
            assert!((low..=high).contains(&age));
        }
        assert_eq!(draw(&universe, n, 42).unwrap(), draws);
        assert_ne!(draw(&universe, n, 43).unwrap(), draws);
    }

    #[test]
    fn the_joint_table_keeps_how_region_sex_and_age_go_together() {
        // A population where every woman is 65+ and every man 18-24.
        let mut population = AdultPopulation::default();
        population.counts.insert((Region::West, "female", 5), 500.0);
        population.counts.insert((Region::South, "male", 0), 500.0);
        let universe =
            Universe::us_adults(&population, None, None, segments(&[("a1", 1.0)])).unwrap();
        for d in draw(&universe, 100, 7).unwrap() {
            match d.categories[SEX].as_str() {
                "female" => {
                    assert_eq!(d.categories[AGE_BAND], "65+");
                    assert_eq!(d.categories[REGION], "West");
                }
                _ => assert_eq!(d.categories[AGE_BAND], "18-24"),
            }
        }
    }

    #[test]
    fn respondents_vary_their_twin_and_memories_by_seed_alone() {
        let first = vary(9, 3, 4, 10, 4);
        assert_eq!(first, vary(9, 3, 4, 10, 4));
        assert!(first.0 < 4);
        assert_eq!(first.1.len(), 4);
        let distinct: std::collections::BTreeSet<usize> = first.1.iter().copied().collect();
        assert_eq!(distinct.len(), 4);
        assert!(first.1.iter().all(|&m| m < 10));
        // Respondents differ: across 50 of them, more than one twin and memory set come up.
        let all: Vec<_> = (0..50).map(|r| vary(9, r, 4, 10, 4)).collect();
        let twins: std::collections::BTreeSet<usize> = all.iter().map(|v| v.0).collect();
        let sets: std::collections::BTreeSet<Vec<usize>> =
            all.iter().map(|v| v.1.clone()).collect();
        assert_eq!(twins.len(), 4);
        assert!(sets.len() > 40);
        assert_eq!(vary(9, 3, 1, 2, 4), (0, vary(9, 3, 1, 2, 4).1));
        assert_eq!(vary(9, 3, 1, 2, 4).1.len(), 2);
    }

    #[test]
    fn income_bands_read_as_dollars() {
        assert_eq!(dollars("<10000"), "under $10,000");
        assert_eq!(dollars("10000 to 14999"), "$10,000 to $14,999");
        assert_eq!(dollars("200000+"), "$200,000 or more");
    }

    #[test]
    fn bad_universes_and_sizes_are_refused_in_words() {
        assert_eq!(
            draw(&Universe::default(), 0, 1).unwrap_err(),
            UniverseError::Respondents(0)
        );
        assert_eq!(
            Universe::default().checked().unwrap_err(),
            UniverseError::NoSegments
        );
        let negative = Dimension::new(EDUCATION, &[("a", -1.0), ("b", 2.0)], "user");
        assert!(negative.unwrap_err().to_string().contains("negative"));
        let twice = Universe {
            dimensions: vec![segments(&[("a", 1.0)]), segments(&[("b", 1.0)])],
            joint: Vec::new(),
        };
        assert_eq!(
            twice.checked().unwrap_err(),
            UniverseError::DuplicateDimension(SEGMENT.into())
        );
        let same = Dimension::new(SEGMENT, &[("a", 1.0), ("a", 1.0)], "user");
        assert!(same.unwrap_err().to_string().contains("twice"));
    }
}
