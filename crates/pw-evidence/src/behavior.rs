//! Behaviour findings, IO-free: which creatives, messages, placements, devices and dayparts win
//! (or trail) with an audience, each compared against the rest of that audience's delivery with
//! a two-proportion test, adjusted for the number of comparisons made, and only where the
//! segment has the volume to say so.

use crate::statistics::{Comparison, Rate, benjamini_hochberg, compare_rates};

/// What a segment of an audience's delivery is cut by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Creative,
    /// Creatives that carry the same headline, across formats and platforms.
    Message,
    Placement,
    Device,
    Daypart,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Creative => "creative",
            Dimension::Message => "message",
            Dimension::Placement => "placement",
            Dimension::Device => "device",
            Dimension::Daypart => "daypart",
        }
    }
}

/// Which rate a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    /// Clicks per impression.
    ClickRate,
    /// Conversions per click.
    ConversionRate,
}

impl Metric {
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::ClickRate => "ctr",
            Metric::ConversionRate => "cvr",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::ClickRate => "click rate",
            Metric::ConversionRate => "conversion rate",
        }
    }
}

/// One segment's delivery within an audience. The segments of one dimension partition the
/// audience's delivery, so the rest of the dimension is the segment's baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub dimension: Dimension,
    /// Stable identity: a creative id, a normalised headline, a placement name.
    pub key: String,
    /// What a person reads: the headline, "Instagram Stories", "evenings (18–22h)".
    pub label: String,
    pub impressions: f64,
    pub clicks: f64,
    pub conversions: f64,
}

/// How much a segment needs before its rate means anything: three clicks on twenty impressions
/// are not a 15% click rate. Every gate is on trials (impressions for a click rate, clicks for
/// a conversion rate) and on what the trials would bring at the dimension's pooled rate, never
/// on the segment's own successes: gating on those would hide exactly the segments that do
/// badly (a placement with no conversions on 600 clicks).
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub min_impressions: f64,
    /// Clicks a segment (and the rest) needs before its conversion rate is tested.
    pub min_clicks: f64,
    /// Successes each side would have at the pooled rate: the two-proportion z-test's normal
    /// approximation holds from about 5.
    pub min_expected: f64,
    /// The false discovery rate findings are kept at.
    pub max_q: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_impressions: 1_000.0,
            min_clicks: 30.0,
            min_expected: 5.0,
            max_q: 0.05,
        }
    }
}

/// Whether both sides would see at least `min_expected` successes and failures at the pooled
/// rate of `(successes, trials)` over the two.
fn enough_expected(
    segment_trials: f64,
    rest_trials: f64,
    successes: f64,
    min_expected: f64,
) -> bool {
    let trials = segment_trials + rest_trials;
    if trials <= 0.0 {
        return false;
    }
    let pooled = successes / trials;
    [segment_trials, rest_trials]
        .iter()
        .all(|n| n * pooled >= min_expected && n * (1.0 - pooled) >= min_expected)
}

/// A segment whose rate differs from its baseline's beyond chance.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub dimension: Dimension,
    pub key: String,
    pub label: String,
    pub metric: Metric,
    pub rate: Rate,
    pub baseline: Rate,
    pub comparison: Comparison,
    pub q_value: f64,
}

impl Finding {
    pub fn wins(&self) -> bool {
        self.comparison.lift > 0.0
    }
}

/// The findings among `segments` (any mix of dimensions), strongest evidence first. Every
/// comparison made counts towards the Benjamini–Hochberg adjustment, including those that come
/// to nothing, so testing more segments never makes a finding easier to reach.
pub fn findings(segments: &[Segment], thresholds: Thresholds) -> Vec<Finding> {
    let mut tested: Vec<Finding> = Vec::new();
    for segment in segments {
        let (impressions, clicks, conversions) = segments
            .iter()
            .filter(|s| s.dimension == segment.dimension)
            .fold((0.0, 0.0, 0.0), |(i, c, v), s| {
                (i + s.impressions, c + s.clicks, v + s.conversions)
            });
        let rest = (
            impressions - segment.impressions,
            clicks - segment.clicks,
            conversions - segment.conversions,
        );
        if segment.impressions >= thresholds.min_impressions
            && rest.0 >= thresholds.min_impressions
            && enough_expected(segment.impressions, rest.0, clicks, thresholds.min_expected)
        {
            tested.extend(test(
                segment,
                Metric::ClickRate,
                (segment.clicks, segment.impressions),
                (rest.1, rest.0),
            ));
        }
        if segment.clicks >= thresholds.min_clicks
            && rest.1 >= thresholds.min_clicks
            && enough_expected(
                segment.clicks,
                rest.1,
                conversions.min(clicks),
                thresholds.min_expected,
            )
        {
            // Conversions are fractional where platforms attribute by model; a rate needs
            // counts, and conversions never exceed the clicks they are counted against here.
            tested.extend(test(
                segment,
                Metric::ConversionRate,
                (segment.conversions.min(segment.clicks), segment.clicks),
                (rest.2.min(rest.1), rest.1),
            ));
        }
    }
    let q_values = benjamini_hochberg(
        &tested
            .iter()
            .map(|f| f.comparison.p_value)
            .collect::<Vec<_>>(),
    );
    let mut kept: Vec<Finding> = tested
        .into_iter()
        .zip(q_values)
        .filter(|(_, q)| *q <= thresholds.max_q)
        .map(|(finding, q)| Finding {
            q_value: q,
            ..finding
        })
        .collect();
    kept.sort_by(|a, b| {
        a.q_value
            .total_cmp(&b.q_value)
            .then(b.comparison.lift.abs().total_cmp(&a.comparison.lift.abs()))
            .then(a.key.cmp(&b.key))
    });
    kept
}

fn test(
    segment: &Segment,
    metric: Metric,
    (successes, trials): (f64, f64),
    (rest_successes, rest_trials): (f64, f64),
) -> Option<Finding> {
    // Fractional conversions (data-driven attribution) are kept as they are: the Wilson interval
    // and the z-test are defined for them, and the stated rate then equals what the rows add up
    // to.
    let rate = Rate::wilson(successes, trials)?;
    let baseline = Rate::wilson(rest_successes, rest_trials)?;
    let comparison = compare_rates(rate, baseline)?;
    Some(Finding {
        dimension: segment.dimension,
        key: segment.key.clone(),
        label: segment.label.clone(),
        metric,
        rate,
        baseline,
        comparison,
        q_value: 1.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(dimension: Dimension, key: &str, impressions: f64, clicks: f64) -> Segment {
        Segment {
            dimension,
            key: key.into(),
            label: key.into(),
            impressions,
            clicks,
            conversions: 0.0,
        }
    }

    #[test]
    fn a_creative_that_clearly_beats_the_rest_is_a_finding() {
        let segments = vec![
            segment(Dimension::Creative, "a", 50_000.0, 1_000.0),
            segment(Dimension::Creative, "b", 50_000.0, 600.0),
            segment(Dimension::Creative, "c", 50_000.0, 610.0),
        ];
        let found = findings(&segments, Thresholds::default());
        let a = found.iter().find(|f| f.key == "a").expect("a wins");
        assert!(a.wins());
        assert_eq!(a.metric, Metric::ClickRate);
        // 2.0% against the rest's 1,210 / 100,000 = 1.21%.
        assert!((a.rate.estimate - 0.02).abs() < 1e-12);
        assert!((a.baseline.estimate - 0.0121).abs() < 1e-12);
        assert!(a.q_value < 1e-6);
    }

    #[test]
    fn a_segment_that_never_converts_is_tested_and_found_to_trail() {
        // 600 clicks and no conversion, against the rest converting 5% of 4,000 clicks: gating
        // on the segment's own conversions would have hidden it.
        let mut none = segment(Dimension::Placement, "pangle", 60_000.0, 600.0);
        none.conversions = 0.0;
        let mut rest = segment(Dimension::Placement, "feed", 400_000.0, 4_000.0);
        rest.conversions = 200.0;
        let found = findings(&[none, rest.clone()], Thresholds::default());
        let pangle = found
            .iter()
            .find(|f| f.key == "pangle" && f.metric == Metric::ConversionRate)
            .expect("the non-converting placement is a finding");
        assert!(!pangle.wins());
        assert_eq!(pangle.rate.estimate, 0.0);
        // A segment too small for the pooled rate to bring five conversions is not tested.
        let mut small = segment(Dimension::Placement, "audience_network", 2_000.0, 40.0);
        small.conversions = 0.0;
        let found = findings(&[small, rest], Thresholds::default());
        assert!(
            !found
                .iter()
                .any(|f| f.key == "audience_network" && f.metric == Metric::ConversionRate)
        );
    }

    #[test]
    fn three_clicks_on_twenty_impressions_are_not_a_winner() {
        let segments = vec![
            segment(Dimension::Creative, "tiny", 20.0, 3.0),
            segment(Dimension::Creative, "big", 100_000.0, 1_000.0),
        ];
        assert!(findings(&segments, Thresholds::default()).is_empty());
    }

    #[test]
    fn equal_rates_are_no_finding() {
        let segments = vec![
            segment(Dimension::Device, "mobile", 60_000.0, 600.0),
            segment(Dimension::Device, "desktop", 40_000.0, 400.0),
        ];
        assert!(findings(&segments, Thresholds::default()).is_empty());
    }

    #[test]
    fn dimensions_are_compared_within_themselves() {
        // The placement split says nothing about devices: each baseline is its own dimension.
        let segments = vec![
            segment(Dimension::Placement, "feed", 80_000.0, 800.0),
            segment(Dimension::Placement, "stories", 20_000.0, 200.0),
            segment(Dimension::Device, "mobile", 50_000.0, 700.0),
            segment(Dimension::Device, "desktop", 50_000.0, 300.0),
        ];
        let found = findings(&segments, Thresholds::default());
        assert!(
            found.iter().all(|f| f.dimension == Dimension::Device),
            "{found:?}"
        );
        let mobile = found.iter().find(|f| f.key == "mobile").expect("mobile");
        assert!((mobile.baseline.estimate - 0.006).abs() < 1e-12);
        assert!(found.iter().any(|f| f.key == "desktop" && !f.wins()));
    }

    #[test]
    fn more_comparisons_make_a_marginal_result_fall_away() {
        // Alone, p is about 0.03; among many null comparisons, its q-value rises above 0.05.
        let marginal = vec![
            segment(Dimension::Creative, "m", 10_000.0, 122.0),
            segment(Dimension::Creative, "rest", 10_000.0, 90.0),
        ];
        let alone = findings(&marginal, Thresholds::default());
        assert!(alone.iter().any(|f| f.key == "m"), "{alone:?}");
        let mut crowded = marginal.clone();
        for i in 0..30 {
            crowded.push(segment(
                Dimension::Daypart,
                &format!("d{i}"),
                10_000.0,
                100.0,
            ));
        }
        assert!(findings(&crowded, Thresholds::default()).is_empty());
    }

    #[test]
    fn conversion_rates_are_tested_on_clicks() {
        let mut a = segment(Dimension::Creative, "a", 40_000.0, 800.0);
        a.conversions = 80.0;
        let mut b = segment(Dimension::Creative, "b", 40_000.0, 800.0);
        b.conversions = 32.5;
        let found = findings(&[a, b], Thresholds::default());
        let a = found
            .iter()
            .find(|f| f.key == "a" && f.metric == Metric::ConversionRate)
            .expect("a converts better");
        assert!((a.rate.estimate - 0.1).abs() < 1e-12);
        // Fractional conversions (attribution models) count as they are: 32.5 of 800.
        assert!((a.baseline.estimate - 32.5 / 800.0).abs() < 1e-12);
    }
}
