//! Diminishing returns, for budget recommendations: a saturating curve per campaign,
//! `conversions = ceiling · (1 − e^(−spend / scale))`, fitted to its days by least squares; its
//! marginal return at any spend; a split of a fixed budget that equalises marginal returns,
//! each campaign kept within the daily spend its data has seen (a curve says nothing about
//! spend it was never shown); and a bootstrap interval for the change a split is expected to
//! bring, refitting each campaign on its days drawn again with replacement.
//!
//! The saturating exponential rather than a Hill curve: two parameters that a few months of
//! daily rows can pin down, and for a fixed scale the ceiling has a closed form, so the fit is
//! a one-dimensional search that always converges.

/// One day of a campaign: what it spent and what it got.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Day {
    pub spend: f64,
    pub conversions: f64,
}

/// A fitted curve and what it was fitted on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Curve {
    /// Conversions a day the campaign approaches however much it spends.
    pub ceiling: f64,
    /// The spend at which it reaches 63% of its ceiling.
    pub scale: f64,
    /// Share of the days' variance in conversions the curve explains.
    pub r_squared: f64,
    pub days: usize,
    /// The daily spend the data has seen: the range the curve speaks for.
    pub min_spend: f64,
    pub max_spend: f64,
    /// The scale ran to the search's limit: returns looked constant over the spend seen, so
    /// the data shows no saturation (the marginal return is then a floor, not a measurement).
    pub saturation_unseen: bool,
}

/// Days with spend a fit needs; fewer say too little about the shape.
pub const MIN_DAYS: usize = 14;

/// The smallest spread of daily spend (max / min) that shows how returns change with spend.
const MIN_SPEND_SPREAD: f64 = 1.25;

impl Curve {
    /// Fits the curve to the days with spend, or `None` when they cannot show a shape: too few
    /// days, spend that barely varied, or no conversions at all.
    pub fn fit(days: &[Day]) -> Option<Curve> {
        let days: Vec<Day> = days
            .iter()
            .copied()
            .filter(|d| d.spend > 0.0 && d.spend.is_finite() && d.conversions.is_finite())
            .collect();
        if days.len() < MIN_DAYS {
            return None;
        }
        let min_spend = days.iter().map(|d| d.spend).fold(f64::INFINITY, f64::min);
        let max_spend = days.iter().map(|d| d.spend).fold(0.0, f64::max);
        let total: f64 = days.iter().map(|d| d.conversions).sum();
        if max_spend < MIN_SPEND_SPREAD * min_spend || total <= 0.0 {
            return None;
        }
        // The scale is searched on a log grid from well below the spend seen to far above it
        // (where the curve is a straight line), then refined by golden section.
        let low = (min_spend * 0.05).ln();
        let high = (max_spend * 50.0).ln();
        const GRID: usize = 80;
        let at = |i: usize| low + (high - low) * i as f64 / GRID as f64;
        let errors: Vec<f64> = (0..=GRID).map(|i| sse(&days, at(i).exp())).collect();
        let best = (0..=GRID)
            .min_by(|&i, &j| errors[i].total_cmp(&errors[j]))
            .unwrap_or(GRID);
        // Golden section within the best point's neighbours, one new evaluation per step.
        let (mut a, mut b) = (at(best.saturating_sub(1)), at((best + 1).min(GRID)));
        let ratio = (5f64.sqrt() - 1.0) / 2.0;
        let mut c = b - ratio * (b - a);
        let mut d = a + ratio * (b - a);
        let (mut fc, mut fd) = (sse(&days, c.exp()), sse(&days, d.exp()));
        for _ in 0..48 {
            if fc <= fd {
                (b, d, fd) = (d, c, fc);
                c = b - ratio * (b - a);
                fc = sse(&days, c.exp());
            } else {
                (a, c, fc) = (c, d, fd);
                d = a + ratio * (b - a);
                fd = sse(&days, d.exp());
            }
        }
        let scale = ((a + b) / 2.0).exp();
        let ceiling = ceiling_for(&days, scale);
        let mean = total / days.len() as f64;
        let variance: f64 = days.iter().map(|d| (d.conversions - mean).powi(2)).sum();
        let residual = sse(&days, scale);
        Some(Curve {
            ceiling,
            scale,
            r_squared: if variance > 0.0 {
                1.0 - residual / variance
            } else {
                0.0
            },
            days: days.len(),
            min_spend,
            max_spend,
            saturation_unseen: best == GRID,
        })
    }

    /// Expected conversions a day at `spend`.
    pub fn conversions(&self, spend: f64) -> f64 {
        self.ceiling * (1.0 - (-spend / self.scale).exp())
    }

    /// Conversions one more unit of spend brings at `spend`.
    pub fn marginal(&self, spend: f64) -> f64 {
        self.ceiling / self.scale * (-spend / self.scale).exp()
    }
}

/// The least-squares ceiling for a scale: conversions regressed on `1 − e^(−spend/scale)`
/// through the origin.
fn ceiling_for(days: &[Day], scale: f64) -> f64 {
    let (mut gy, mut gg) = (0.0, 0.0);
    for d in days {
        let g = 1.0 - (-d.spend / scale).exp();
        gy += g * d.conversions;
        gg += g * g;
    }
    if gg > 0.0 { (gy / gg).max(0.0) } else { 0.0 }
}

fn sse(days: &[Day], scale: f64) -> f64 {
    let ceiling = ceiling_for(days, scale);
    days.iter()
        .map(|d| (d.conversions - ceiling * (1.0 - (-d.spend / scale).exp())).powi(2))
        .sum()
}

/// A budget split and what the curves expect of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Daily spend per campaign, in the order given.
    pub spend: Vec<f64>,
    /// Expected conversions a day at the current spend, and at the split's.
    pub conversions_now: f64,
    pub conversions_split: f64,
}

/// Splits the current total daily spend across the campaigns so that marginal returns are as
/// equal as the bounds allow: each campaign within `[min_spend, max_spend]` of its curve (and
/// never below zero). Greedy in `steps` equal increments, which is optimal for concave curves
/// up to one increment. The total is kept exactly.
pub fn split_budget(curves: &[Curve], current: &[f64], steps: usize) -> Split {
    let total: f64 = current.iter().sum();
    let conversions_now = curves
        .iter()
        .zip(current)
        .map(|(c, &s)| c.conversions(s))
        .sum();
    let floors: Vec<f64> = curves
        .iter()
        .zip(current)
        .map(|(c, &s)| c.min_spend.min(s).max(0.0))
        .collect();
    let ceilings: Vec<f64> = curves
        .iter()
        .zip(current)
        .map(|(c, &s)| c.max_spend.max(s))
        .collect();
    let mut spend = floors.clone();
    let mut left = total - floors.iter().sum::<f64>();
    let increment = left.max(0.0) / steps.max(1) as f64;
    while left > 1e-9 && increment > 0.0 {
        let best = (0..curves.len())
            .filter(|&i| spend[i] < ceilings[i] - 1e-12)
            .max_by(|&i, &j| {
                curves[i]
                    .marginal(spend[i])
                    .total_cmp(&curves[j].marginal(spend[j]))
            });
        let Some(i) = best else { break };
        let give = increment.min(left).min(ceilings[i] - spend[i]);
        spend[i] += give;
        left -= give;
    }
    let conversions_split = curves
        .iter()
        .zip(&spend)
        .map(|(c, &s)| c.conversions(s))
        .sum();
    Split {
        spend,
        conversions_now,
        conversions_split,
    }
}

/// The 95% interval of the change in daily conversions from `current` to `proposed` spend:
/// each campaign's curve refitted `draws` times on its days drawn with replacement. A
/// campaign whose drawn days cannot be fitted keeps its curve on all its days in that draw
/// (one campaign's thin data does not void the others'). `None` when a campaign's days cannot
/// be fitted at all.
///
/// The split is held fixed across draws, and it was chosen as the best for the curves on all
/// the days, so the interval leans optimistic; it says how sure the curves are, not how sure
/// the choice is.
pub fn change_interval(
    days: &[Vec<Day>],
    current: &[f64],
    proposed: &[f64],
    draws: usize,
    seed: u64,
) -> Option<(f64, f64)> {
    let whole: Vec<Curve> = days.iter().map(|d| Curve::fit(d)).collect::<Option<_>>()?;
    let mut random = SplitMix(seed);
    let mut changes = Vec::with_capacity(draws);
    for _ in 0..draws {
        let mut change = 0.0;
        for (((campaign, fallback), &now), &then) in
            days.iter().zip(&whole).zip(current).zip(proposed)
        {
            let drawn: Vec<Day> = (0..campaign.len())
                .map(|_| campaign[random.below(campaign.len())])
                .collect();
            let curve = Curve::fit(&drawn).unwrap_or(*fallback);
            change += curve.conversions(then) - curve.conversions(now);
        }
        changes.push(change);
    }
    if changes.is_empty() {
        return None;
    }
    changes.sort_by(f64::total_cmp);
    let at = |q: f64| changes[((changes.len() - 1) as f64 * q).round() as usize];
    Some((at(0.025), at(0.975)))
}

/// SplitMix64: a small, seeded generator, so an interval is the same every time it is asked.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days_of(ceiling: f64, scale: f64, spends: impl Iterator<Item = f64>) -> Vec<Day> {
        spends
            .map(|spend| Day {
                spend,
                conversions: ceiling * (1.0 - (-spend / scale).exp()),
            })
            .collect()
    }

    #[test]
    fn a_curve_is_recovered_from_the_days_it_made() {
        let days = days_of(50.0, 400.0, (1..=30).map(|i| 40.0 * i as f64));
        let curve = Curve::fit(&days).unwrap();
        assert!((curve.ceiling - 50.0).abs() < 0.01, "{curve:?}");
        assert!((curve.scale - 400.0).abs() < 0.1, "{curve:?}");
        assert!(curve.r_squared > 0.999_999);
        assert!(!curve.saturation_unseen);
        assert_eq!((curve.min_spend, curve.max_spend), (40.0, 1200.0));
        // The marginal return is the curve's slope: 50/400 · e^(−1) at the scale.
        let slope = curve.conversions(400.5) - curve.conversions(399.5);
        assert!((curve.marginal(400.0) - slope).abs() < 1e-6);
        assert!((curve.marginal(400.0) - 0.125 * (-1f64).exp()).abs() < 1e-4);
    }

    #[test]
    fn days_that_cannot_show_a_shape_give_no_curve() {
        // Too few days; spend that never moved; no conversions.
        assert!(Curve::fit(&days_of(50.0, 400.0, (1..=10).map(|i| 40.0 * i as f64))).is_none());
        assert!(Curve::fit(&days_of(50.0, 400.0, (1..=30).map(|_| 300.0))).is_none());
        assert!(Curve::fit(&days_of(0.0, 400.0, (1..=30).map(|i| 40.0 * i as f64))).is_none());
    }

    #[test]
    fn returns_that_do_not_fall_over_the_spend_seen_are_called_unseen_saturation() {
        // Two conversions per 100 spent, whatever the spend.
        let days: Vec<Day> = (1..=30)
            .map(|i| Day {
                spend: 100.0 * i as f64,
                conversions: 2.0 * i as f64,
            })
            .collect();
        let curve = Curve::fit(&days).unwrap();
        assert!(curve.saturation_unseen, "{curve:?}");
        assert!((curve.marginal(1500.0) - 0.02).abs() < 0.001, "{curve:?}");
    }

    #[test]
    fn a_split_equalises_marginal_returns_and_keeps_the_total() {
        // The same curve for both, spent unevenly: the split evens them out, and gains.
        let days = days_of(40.0, 300.0, (1..=30).map(|i| 30.0 * i as f64));
        let curve = Curve::fit(&days).unwrap();
        let split = split_budget(&[curve, curve], &[100.0, 700.0], 2000);
        assert!((split.spend[0] - 400.0).abs() < 0.5, "{split:?}");
        assert!((split.spend[1] - 400.0).abs() < 0.5, "{split:?}");
        assert!((split.spend.iter().sum::<f64>() - 800.0).abs() < 1e-6);
        let expected_now =
            40.0 * (1.0 - (-100.0f64 / 300.0).exp()) + 40.0 * (1.0 - (-700.0f64 / 300.0).exp());
        assert!((split.conversions_now - expected_now).abs() < 0.01);
        assert!(split.conversions_split > split.conversions_now);

        // A campaign with twice the ceiling takes more, until the returns meet: the optimum
        // of 80·e^(−x/300)/300 = 40·e^(−(800−x)/300)/300 is x = 400 + 150·ln 2.
        let strong = Curve::fit(&days_of(80.0, 300.0, (1..=30).map(|i| 30.0 * i as f64))).unwrap();
        let split = split_budget(&[strong, curve], &[400.0, 400.0], 4000);
        let optimum = 400.0 + 150.0 * 2f64.ln();
        assert!((split.spend[0] - optimum).abs() < 0.5, "{split:?}");
        assert!(
            (strong.marginal(split.spend[0]) - curve.marginal(split.spend[1])).abs() < 1e-4,
            "{split:?}"
        );
    }

    #[test]
    fn a_split_stays_within_the_spend_each_curve_has_seen() {
        let seen_low = Curve::fit(&days_of(80.0, 300.0, (1..=30).map(|i| 5.0 * i as f64))).unwrap();
        let other = Curve::fit(&days_of(10.0, 300.0, (1..=30).map(|i| 30.0 * i as f64))).unwrap();
        // The first is far better at the margin, but its data stops at 150 a day.
        let split = split_budget(&[seen_low, other], &[100.0, 700.0], 1000);
        assert!((split.spend[0] - 150.0).abs() < 1e-6, "{split:?}");
        assert!((split.spend[1] - 650.0).abs() < 1e-6, "{split:?}");
    }

    #[test]
    fn the_change_interval_holds_the_estimate_and_is_the_same_every_time() {
        // Conversions with a fixed pattern of noise around the curve.
        let noisy = |ceiling: f64| -> Vec<Day> {
            (1..=60)
                .map(|i| {
                    let spend = 15.0 * i as f64;
                    let wobble = [0.9, 1.1, 1.0, 0.95, 1.05][i % 5];
                    Day {
                        spend,
                        conversions: ceiling * (1.0 - (-spend / 300.0).exp()) * wobble,
                    }
                })
                .collect()
        };
        let days = vec![noisy(40.0), noisy(80.0)];
        let curves: Vec<Curve> = days.iter().map(|d| Curve::fit(d).unwrap()).collect();
        let current = [600.0, 200.0];
        let split = split_budget(&curves, &current, 2000);
        let estimate = split.conversions_split - split.conversions_now;
        let (low, high) = change_interval(&days, &current, &split.spend, 200, 7).unwrap();
        assert!(
            low <= estimate && estimate <= high,
            "{low} {estimate} {high}"
        );
        assert!(
            high - low < estimate,
            "a tight pattern of noise: {low}..{high}"
        );
        assert_eq!(
            change_interval(&days, &current, &split.spend, 200, 7),
            Some((low, high))
        );
    }
}
