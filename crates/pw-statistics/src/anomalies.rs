//! Unusual values against a seasonal baseline: a day against the same weekday of the weeks
//! before it, a week against the weeks before it. Robust by design: the baseline is the median
//! and its spread the median absolute deviation (scaled to a standard deviation), so last
//! month's one bad day does not hide this week's, and the score is Iglewicz and Hoaglin's
//! modified z-score, which they suggest calling an outlier above 3.5.

/// A score at or beyond this, either way, is unusual (Iglewicz & Hoaglin, 1993).
pub const UNUSUAL: f64 = 3.5;

/// The fewest past values a baseline is drawn from: below that a median says little.
pub const MIN_HISTORY: usize = 4;

/// The MAD of a normal sample times this estimates its standard deviation.
const MAD_TO_SD: f64 = 1.482_602_218_505_602;

/// How far a value sits from its baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub value: f64,
    /// The median of the history: what was expected.
    pub expected: f64,
    /// The history's scaled MAD, never below the floor (see [`score`]).
    pub spread: f64,
    /// (value − expected) / spread.
    pub z: f64,
    /// How many past values the baseline was drawn from.
    pub history: usize,
}

impl Score {
    pub fn is_unusual(&self) -> bool {
        self.z.abs() >= UNUSUAL
    }

    /// The value's change against what was expected, as a fraction (0.4 is 40% above); `None`
    /// when nothing was expected.
    pub fn change(&self) -> Option<f64> {
        (self.expected != 0.0).then(|| self.value / self.expected - 1.0)
    }
}

/// The median of `values`, `None` when empty. NaN sorts last, so callers drop it first.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    })
}

/// `value` against `history` (its finite values). The spread is floored at `relative_floor`
/// times the expected value's size: a series that never moved (a fixed daily budget) has a MAD
/// of zero, and a cent's change would otherwise score infinite. `None` with fewer than
/// [`MIN_HISTORY`] past values, or when the spread is still zero (a history of zeros, say:
/// nothing to judge a change by).
pub fn score(value: f64, history: &[f64], relative_floor: f64) -> Option<Score> {
    let (expected, spread, count) = baseline(history)?;
    scored(
        value,
        expected,
        spread.max(expected.abs() * relative_floor),
        count,
    )
}

/// [`score`] with a floor in the value's own units, for a measure on a fixed scale (sentiment
/// on −1..1) whose expected value may be zero.
pub fn score_with_least_spread(value: f64, history: &[f64], least_spread: f64) -> Option<Score> {
    let (expected, spread, count) = baseline(history)?;
    scored(value, expected, spread.max(least_spread), count)
}

/// The median of the finite values, their scaled MAD, and how many there were.
fn baseline(history: &[f64]) -> Option<(f64, f64, usize)> {
    let past: Vec<f64> = history.iter().copied().filter(|v| v.is_finite()).collect();
    if past.len() < MIN_HISTORY {
        return None;
    }
    let expected = median(&past)?;
    let deviations: Vec<f64> = past.iter().map(|v| (v - expected).abs()).collect();
    Some((expected, median(&deviations)? * MAD_TO_SD, past.len()))
}

fn scored(value: f64, expected: f64, spread: f64, history: usize) -> Option<Score> {
    if !value.is_finite() || spread <= 0.0 || spread.is_nan() {
        return None;
    }
    Some(Score {
        value,
        expected,
        spread,
        z: (value - expected) / spread,
        history,
    })
}

/// The values of the same weekday in the `weeks` weeks before day `index` of a daily series
/// (oldest first; `None` for a day without a value), nearest week first.
pub fn same_weekday_history(values: &[Option<f64>], index: usize, weeks: usize) -> Vec<f64> {
    (1..=weeks)
        .filter_map(|week| index.checked_sub(7 * week))
        .filter_map(|i| values.get(i).copied().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn a_spike_scores_its_distance_in_scaled_deviations() {
        // Median 10; absolute deviations 0,1,1,0,2,0,2 have median 1, so the spread is 1.4826.
        let history = [10.0, 11.0, 9.0, 10.0, 12.0, 10.0, 8.0];
        let s = score(16.0, &history, 0.0).expect("enough history");
        assert!(close(s.expected, 10.0));
        assert!(close(s.spread, MAD_TO_SD));
        assert!(close(s.z, 6.0 / MAD_TO_SD), "{}", s.z);
        assert!(s.is_unusual());
        assert!(close(s.change().unwrap_or(f64::NAN), 0.6));
        // Within three deviations of the median is ordinary.
        let ordinary = score(14.0, &history, 0.0).expect("enough history");
        assert!(!ordinary.is_unusual(), "{}", ordinary.z);
    }

    #[test]
    fn one_bad_week_in_the_history_does_not_hide_the_next() {
        // A mean and standard deviation would be dragged up by the 40 and call 40 ordinary.
        let history = [10.0, 10.5, 9.5, 40.0, 10.0];
        let s = score(40.0, &history, 0.0).expect("enough history");
        assert!(s.is_unusual(), "{}", s.z);
    }

    #[test]
    fn a_flat_series_uses_the_floor_and_a_short_one_has_no_baseline() {
        let flat = [100.0; 6];
        let s = score(101.0, &flat, 0.05).expect("enough history");
        assert!(close(s.spread, 5.0));
        assert!(!s.is_unusual());
        assert!(
            score(130.0, &flat, 0.05)
                .expect("enough history")
                .is_unusual()
        );
        assert_eq!(score(0.0, &[0.0; 6], 0.05), None);
        assert_eq!(score(5.0, &[1.0, 2.0, 3.0], 0.0), None);
        assert_eq!(score(5.0, &[1.0, f64::NAN, 2.0, 3.0], 0.0), None);
        // On a fixed scale the floor is absolute: a baseline of exactly zero still scores.
        let neutral = score_with_least_spread(-0.5, &[0.0; 5], 0.1).expect("enough history");
        assert!(close(neutral.z, -5.0));
    }

    #[test]
    fn the_same_weekday_is_every_seventh_day_back_skipping_gaps() {
        let values: Vec<Option<f64>> = (0..30)
            .map(|i| if i == 15 { None } else { Some(i as f64) })
            .collect();
        assert_eq!(same_weekday_history(&values, 29, 4), vec![22.0, 8.0, 1.0]);
        assert_eq!(same_weekday_history(&values, 3, 4), Vec::<f64>::new());
    }
}
