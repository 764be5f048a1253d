//! The statistics the research contexts rest on, IO-free and tested on known answers: rates with
//! Wilson score intervals, the two-proportion z-test a segment is compared to its audience's
//! baseline with (and a survey's columns with each other), and the Benjamini–Hochberg adjustment
//! that keeps a build which tests forty creatives from calling two of them winners by chance;
//! themes found in embeddings ([`themes`]), with the words that set each apart; and diminishing
//! returns per campaign with the budget split they imply ([`response_curves`]); unusual days and
//! weeks against a seasonal baseline ([`anomalies`]); and a daily series' trend, the difference
//! between two periods, and a forecast, each with Student's t ([`series`]).

pub mod anomalies;
pub mod response_curves;
pub mod series;
pub mod themes;

/// The z value of a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A proportion with its 95% Wilson score interval. Wilson rather than the normal approximation:
/// it stays inside [0, 1] and is honest for small counts and rates near 0, which is where click
/// and conversion rates live.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub successes: f64,
    pub trials: f64,
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Rate {
    /// `None` when there are no trials: a rate of nothing is not zero.
    pub fn wilson(successes: f64, trials: f64) -> Option<Rate> {
        // Written to also refuse NaN, which compares false with everything.
        let counts_make_sense = trials > 0.0 && successes >= 0.0 && successes <= trials;
        if !counts_make_sense {
            return None;
        }
        let p = successes / trials;
        let z2 = Z_95 * Z_95;
        let denominator = 1.0 + z2 / trials;
        let centre = (p + z2 / (2.0 * trials)) / denominator;
        let half =
            Z_95 * (p * (1.0 - p) / trials + z2 / (4.0 * trials * trials)).sqrt() / denominator;
        Some(Rate {
            successes,
            trials,
            estimate: p,
            // At 0 and at 1 the bound is exactly the edge; rounding would put it a hair inside.
            low: if successes == 0.0 {
                0.0
            } else {
                (centre - half).max(0.0)
            },
            high: if successes == trials {
                1.0
            } else {
                (centre + half).min(1.0)
            },
        })
    }
}

/// The outcome of comparing a segment's rate with its baseline's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// The segment's rate over the baseline's, minus one: 0.25 is "25% higher".
    pub lift: f64,
    pub z: f64,
    /// Two-sided.
    pub p_value: f64,
}

/// The pooled two-proportion z-test of `segment` against `baseline` (disjoint samples). `None`
/// when either side has no trials or the pooled rate is 0 or 1 (nothing varies, nothing to test).
pub fn compare_rates(segment: Rate, baseline: Rate) -> Option<Comparison> {
    if baseline.estimate <= 0.0 {
        return None;
    }
    let (z, p_value) = two_proportion_test(segment, baseline)?;
    Some(Comparison {
        lift: segment.estimate / baseline.estimate - 1.0,
        z,
        p_value,
    })
}

/// One stratum's counts: a segment's successes and trials, and the rest of the stratum's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stratum {
    pub successes: f64,
    pub trials: f64,
    pub rest_successes: f64,
    pub rest_trials: f64,
}

/// A segment against the rest within each stratum, pooled: the Mantel–Haenszel rate ratio
/// (minus one, as `lift`) and the Cochran–Mantel–Haenszel test (no continuity correction; `z`
/// carries the direction). Comparing within strata is what keeps a creative that only ran where
/// every ad is clicked more (search, say) from winning for where it ran (Simpson's paradox).
/// Strata where either side has no trials say nothing and are skipped; `None` when none is
/// left, or nothing varies.
pub fn mantel_haenszel(strata: &[Stratum]) -> Option<Comparison> {
    let (mut numerator, mut denominator) = (0.0, 0.0);
    let (mut observed_minus_expected, mut variance) = (0.0, 0.0);
    for s in strata {
        let counts_make_sense = s.trials > 0.0
            && s.rest_trials > 0.0
            && s.successes >= 0.0
            && s.rest_successes >= 0.0
            && s.successes <= s.trials
            && s.rest_successes <= s.rest_trials;
        if !counts_make_sense {
            continue;
        }
        let n = s.trials + s.rest_trials;
        let successes = s.successes + s.rest_successes;
        let failures = n - successes;
        numerator += s.successes * s.rest_trials / n;
        denominator += s.rest_successes * s.trials / n;
        observed_minus_expected += s.successes - s.trials * successes / n;
        if n > 1.0 {
            variance += s.trials * s.rest_trials * successes * failures / (n * n * (n - 1.0));
        }
    }
    if variance <= 0.0 || denominator <= 0.0 {
        return None;
    }
    let z = observed_minus_expected / variance.sqrt();
    Some(Comparison {
        lift: numerator / denominator - 1.0,
        z,
        p_value: two_sided_p(z),
    })
}

/// The pooled two-proportion z-test alone: `(z, two-sided p)`. Unlike [`compare_rates`] it
/// needs no positive baseline (a share rising from nothing has no lift, but can be tested).
/// `None` when either side has no trials or the pooled rate is 0 or 1.
pub fn two_proportion_test(segment: Rate, baseline: Rate) -> Option<(f64, f64)> {
    let pooled = (segment.successes + baseline.successes) / (segment.trials + baseline.trials);
    if !(pooled > 0.0 && pooled < 1.0) {
        return None;
    }
    let standard_error =
        (pooled * (1.0 - pooled) * (1.0 / segment.trials + 1.0 / baseline.trials)).sqrt();
    let z = (segment.estimate - baseline.estimate) / standard_error;
    Some((z, two_sided_p(z)))
}

/// The two-sided p-value of a standard normal statistic.
pub fn two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0)
}

/// The complementary error function, from W. J. Cody's rational Chebyshev approximation as given
/// in Numerical Recipes (`erfcc`, fractional error below 1.2e-7 everywhere): ample for p-values,
/// and no dependency for one function.
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let polynomial = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let answer = t * polynomial.exp();
    if x >= 0.0 { answer } else { 2.0 - answer }
}

/// Benjamini–Hochberg adjusted p-values (q-values), in the order given: the false discovery rate
/// at which each test would just be called significant.
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![1.0; m];
    let mut running_min = 1.0_f64;
    for (rank, &index) in order.iter().enumerate().rev() {
        let q = p_values[index] * m as f64 / (rank + 1) as f64;
        running_min = running_min.min(q);
        adjusted[index] = running_min.min(1.0);
    }
    adjusted
}

/// The share of `part` in `whole`, `None` for an empty whole.
pub fn share(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

/// The survival function of the chi-square distribution, P(X ≥ `statistic`) for `degrees_of_freedom`
/// k: the p-value of a Pearson χ² test. It is the regularized upper incomplete gamma function
/// Q(k/2, x/2), computed as Numerical Recipes §6.2 does (the series where x < a + 1, where it
/// converges fast; the continued fraction by the modified Lentz method elsewhere). 1 at a
/// statistic of 0 or below (nothing observed is as likely as it gets); NaN when the degrees of
/// freedom are not positive or either argument is NaN, since no probability answers that.
pub fn chi_square_sf(statistic: f64, degrees_of_freedom: f64) -> f64 {
    let arguments_make_sense = degrees_of_freedom > 0.0 && degrees_of_freedom.is_finite();
    if !arguments_make_sense || statistic.is_nan() {
        return f64::NAN;
    }
    if statistic <= 0.0 {
        return 1.0;
    }
    if statistic.is_infinite() {
        return 0.0;
    }
    regularized_upper_gamma(degrees_of_freedom / 2.0, statistic / 2.0).clamp(0.0, 1.0)
}

/// Relative precision the incomplete-gamma iterations stop at.
const GAMMA_EPSILON: f64 = 1e-15;
/// Near the smallest normal number: keeps the Lentz recurrence from dividing by zero.
const GAMMA_FLOOR: f64 = 1e-300;
/// Both expansions converge in well under this many terms for a < 1e4 or so; the cap only
/// guarantees termination.
const GAMMA_MAX_TERMS: usize = 10_000;

/// Q(a, x) for a > 0, x > 0 (Numerical Recipes `gammq`).
fn regularized_upper_gamma(a: f64, x: f64) -> f64 {
    // ln of the common prefactor e^-x x^a / Γ(a).
    let log_prefactor = -x + a * x.ln() - ln_gamma(a);
    if x < a + 1.0 {
        // Series for the lower function P(a, x) (NR `gser`); Q = 1 - P.
        let mut term_denominator = a;
        let mut term = 1.0 / a;
        let mut sum = term;
        for _ in 0..GAMMA_MAX_TERMS {
            term_denominator += 1.0;
            term *= x / term_denominator;
            sum += term;
            if term.abs() < sum.abs() * GAMMA_EPSILON {
                break;
            }
        }
        1.0 - sum * log_prefactor.exp()
    } else {
        // Continued fraction for Q(a, x) by the modified Lentz method (NR `gcf`).
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / GAMMA_FLOOR;
        let mut d = 1.0 / b;
        let mut fraction = d;
        for i in 1..=GAMMA_MAX_TERMS {
            let i = i as f64;
            let an = -i * (i - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < GAMMA_FLOOR {
                d = GAMMA_FLOOR;
            }
            c = b + an / c;
            if c.abs() < GAMMA_FLOOR {
                c = GAMMA_FLOOR;
            }
            d = 1.0 / d;
            let step = d * c;
            fraction *= step;
            if (step - 1.0).abs() < GAMMA_EPSILON {
                break;
            }
        }
        log_prefactor.exp() * fraction
    }
}

/// ln Γ(x) for x > 0 by the Lanczos approximation (g = 7, n = 9; relative error near 1e-15),
/// with the reflection formula below 1/2.
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const LANCZOS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut series = LANCZOS[0];
    for (index, coefficient) in LANCZOS.iter().enumerate().skip(1) {
        series += coefficient / (x + index as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + series.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn mantel_haenszel_matches_statsmodels_stratified_table() {
        // statsmodels 0.14 StratifiedTable: riskratio_pooled, test_null_odds(correction=False).
        let strata = [
            Stratum {
                successes: 50.0,
                trials: 1000.0,
                rest_successes: 40.0,
                rest_trials: 1000.0,
            },
            Stratum {
                successes: 12.0,
                trials: 1000.0,
                rest_successes: 30.0,
                rest_trials: 3000.0,
            },
            Stratum {
                successes: 7.0,
                trials: 100.0,
                rest_successes: 20.0,
                rest_trials: 400.0,
            },
        ];
        let c = mantel_haenszel(&strata).expect("three strata");
        assert!(close(c.lift, 0.257_142_857_142_857_1, 1e-12));
        assert!(close(c.z * c.z, 1.965_111_409_668_509, 1e-9));
        assert!(c.z > 0.0);
        assert!(close(c.p_value, 0.160_967_715_738_606, 1e-6));
    }

    #[test]
    fn within_strata_a_segment_that_only_ran_where_rates_are_high_does_not_win() {
        // Search: every ad 5%; social: every ad 1%. The segment ran mostly on search, so pooled
        // it looks five times better than the rest, which ran mostly on social.
        let strata = [
            Stratum {
                successes: 450.0,
                trials: 9_000.0,
                rest_successes: 50.0,
                rest_trials: 1_000.0,
            },
            Stratum {
                successes: 10.0,
                trials: 1_000.0,
                rest_successes: 90.0,
                rest_trials: 9_000.0,
            },
        ];
        let pooled = compare_rates(
            Rate::wilson(460.0, 10_000.0).expect("trials"),
            Rate::wilson(140.0, 10_000.0).expect("trials"),
        )
        .expect("a baseline");
        assert!(pooled.lift > 2.0 && pooled.p_value < 1e-6);
        let within = mantel_haenszel(&strata).expect("two strata");
        assert!(close(within.lift, 0.0, 1e-12));
        assert!(close(within.z, 0.0, 1e-12));
        assert!(close(within.p_value, 1.0, 1e-9));
        // A stratum with one side empty says nothing.
        let alone = [Stratum {
            successes: 5.0,
            trials: 100.0,
            rest_successes: 0.0,
            rest_trials: 0.0,
        }];
        assert_eq!(mantel_haenszel(&alone), None);
    }

    #[test]
    fn erfc_matches_tabulated_values() {
        // Abramowitz & Stegun, table 7.1.
        assert!(close(erfc(0.0), 1.0, 1e-7));
        assert!(close(erfc(0.5), 0.479_500_122, 1e-7));
        assert!(close(erfc(1.0), 0.157_299_207, 1e-7));
        assert!(close(erfc(2.0), 0.004_677_735, 1e-8));
        assert!(close(erfc(-1.0), 1.842_700_793, 1e-7));
    }

    #[test]
    fn a_z_of_1_96_is_p_0_05() {
        assert!(close(two_sided_p(Z_95), 0.05, 1e-6));
        assert!(close(two_sided_p(-2.575_829), 0.01, 1e-6));
        assert!(close(two_sided_p(0.0), 1.0, 1e-7));
    }

    #[test]
    fn the_wilson_interval_matches_a_worked_example() {
        // 81 successes in 263 trials: Wilson 95% [0.2553, 0.3662] (Newcombe 1998, and R's
        // prop.test(81, 263, correct = FALSE)).
        let rate = Rate::wilson(81.0, 263.0).expect("trials");
        assert!(close(rate.estimate, 0.307_985, 1e-6));
        assert!(close(rate.low, 0.2553, 1e-4), "{}", rate.low);
        assert!(close(rate.high, 0.3662, 1e-4), "{}", rate.high);
    }

    #[test]
    fn the_wilson_interval_stays_in_bounds_at_the_edges() {
        let none = Rate::wilson(0.0, 10.0).expect("trials");
        assert_eq!(none.low, 0.0);
        assert!(close(none.high, 0.2775, 1e-4), "{}", none.high);
        let all = Rate::wilson(10.0, 10.0).expect("trials");
        assert_eq!(all.high, 1.0);
        assert!(Rate::wilson(1.0, 0.0).is_none());
        assert!(Rate::wilson(5.0, 4.0).is_none());
    }

    #[test]
    fn the_two_proportion_test_matches_a_worked_example() {
        // 45/100 against 30/100: pooled 0.375, z = 0.15 / sqrt(0.375 * 0.625 * 0.02) = 2.1909,
        // p = 0.02846 (R: prop.test(c(45, 30), c(100, 100), correct = FALSE)).
        let segment = Rate::wilson(45.0, 100.0).expect("trials");
        let baseline = Rate::wilson(30.0, 100.0).expect("trials");
        let comparison = compare_rates(segment, baseline).expect("variation");
        assert!(close(comparison.z, 2.190_890, 1e-5), "{}", comparison.z);
        assert!(close(comparison.p_value, 0.028_459, 1e-5));
        assert!(close(comparison.lift, 0.5, 1e-12));
    }

    #[test]
    fn three_clicks_are_not_evidence() {
        // 3 clicks on 20 impressions looks like a 15% CTR against 1%, but it is three clicks.
        let segment = Rate::wilson(3.0, 20.0).expect("trials");
        assert!(segment.low < 0.06, "{}", segment.low);
        let baseline = Rate::wilson(1_000.0, 100_000.0).expect("trials");
        let comparison = compare_rates(segment, baseline).expect("variation");
        assert!(comparison.lift > 10.0);
        // Significant on its face; the builder's minimum support is what refuses it.
        assert!(comparison.p_value < 0.05);
    }

    #[test]
    fn nothing_to_compare_when_nothing_varies() {
        let zero = Rate::wilson(0.0, 100.0).expect("trials");
        assert!(compare_rates(zero, zero).is_none());
    }

    #[test]
    fn benjamini_hochberg_matches_r() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "BH") = 0.02 0.04 0.04 0.02
        let adjusted = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005]);
        let expected = [0.02, 0.04, 0.04, 0.02];
        for (a, e) in adjusted.iter().zip(expected) {
            assert!(close(*a, e, 1e-12), "{adjusted:?}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
        assert_eq!(benjamini_hochberg(&[0.9, 0.95]), vec![0.95, 0.95]);
    }

    #[test]
    fn chi_square_sf_matches_tabulated_critical_values() {
        // The 5% critical values of χ² with 1 and 2 degrees of freedom (any χ² table, e.g.
        // NIST/SEMATECH e-Handbook 1.3.6.7.4: 3.841 and 5.991).
        assert!(close(chi_square_sf(3.841_459, 1.0), 0.05, 1e-6));
        assert!(close(chi_square_sf(5.991_465, 2.0), 0.05, 1e-6));
        // 1% critical value with 10 degrees of freedom (same table: 23.209).
        assert!(close(chi_square_sf(23.209_251, 10.0), 0.01, 1e-6));
    }

    #[test]
    fn chi_square_sf_agrees_with_closed_forms() {
        // With 1 df, P(χ² ≥ x) = erfc(sqrt(x / 2)); for x = 0.7937 that is 0.3730 (the
        // 2x2 table [[10, 20], [30, 40]] of the crosstab tests).
        assert!(close(chi_square_sf(0.7937, 1.0), 0.3730, 1e-4));
        // With 2 df it is exactly e^(-x/2). 1.5 and 2 take the series (x/2 < a + 1 = 2),
        // 40 takes the continued fraction.
        assert!(close(chi_square_sf(2.0, 2.0), (-1.0_f64).exp(), 1e-12));
        assert!(close(chi_square_sf(1.5, 2.0), (-0.75_f64).exp(), 1e-12));
        assert!(close(chi_square_sf(40.0, 2.0), (-20.0_f64).exp(), 1e-18));
    }

    #[test]
    fn chi_square_sf_edges() {
        assert_eq!(chi_square_sf(0.0, 1.0), 1.0);
        assert_eq!(chi_square_sf(0.0, 7.0), 1.0);
        assert_eq!(chi_square_sf(f64::INFINITY, 3.0), 0.0);
        assert!(chi_square_sf(1.0, 0.0).is_nan());
        assert!(chi_square_sf(f64::NAN, 1.0).is_nan());
    }
}
