//! Simple statistics over a daily series, for questions a marketer asks of a metric: is it
//! trending (the least-squares slope with its 95% interval and p-value), is one period
//! different from another (Welch's t-test on the days of each), and where is it heading (a
//! linear trend with a weekday pattern, projected with 95% prediction intervals). Student's t
//! comes from the regularized incomplete beta function, so small samples get honest intervals.

use crate::ln_gamma;

/// A least-squares line through a series' days (x = 0, 1, 2…).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trend {
    /// Change per day.
    pub slope: f64,
    pub intercept: f64,
    /// 95% interval of the slope.
    pub low: f64,
    pub high: f64,
    /// Two-sided, against no trend.
    pub p_value: f64,
    pub days: usize,
}

impl Trend {
    /// The line through consecutive days (x = 0, 1, 2…). `None` below three days (no residual
    /// to judge the slope by) or when a value is not finite.
    pub fn fit(values: &[f64]) -> Option<Trend> {
        let points: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .map(|(x, y)| (x as f64, *y))
            .collect();
        Trend::fit_at(&points)
    }

    /// The line through days at their own offsets (a series with gaps keeps them). `None` below
    /// three points, when a value is not finite, or when every point is on one day.
    pub fn fit_at(points: &[(f64, f64)]) -> Option<Trend> {
        let n = points.len();
        if n < 3 || points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
            return None;
        }
        let nf = n as f64;
        let mean_x = points.iter().map(|(x, _)| x).sum::<f64>() / nf;
        let mean_y = points.iter().map(|(_, y)| y).sum::<f64>() / nf;
        let (mut sxx, mut sxy) = (0.0, 0.0);
        for (x, y) in points {
            let dx = x - mean_x;
            sxx += dx * dx;
            sxy += dx * (y - mean_y);
        }
        if sxx <= 0.0 {
            return None;
        }
        let slope = sxy / sxx;
        let intercept = mean_y - slope * mean_x;
        let sse: f64 = points
            .iter()
            .map(|(x, y)| (y - intercept - slope * x).powi(2))
            .sum();
        let df = nf - 2.0;
        let se = (sse / df / sxx).sqrt();
        let critical = t_quantile_two_sided(0.05, df)?;
        let p_value = if se > 0.0 {
            t_two_sided_p(slope / se, df)
        } else if slope == 0.0 {
            1.0
        } else {
            0.0
        };
        Some(Trend {
            slope,
            intercept,
            low: slope - critical * se,
            high: slope + critical * se,
            p_value,
            days: n,
        })
    }
}

/// Two periods' means compared by Welch's t-test (no equal variances assumed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub mean_a: f64,
    pub mean_b: f64,
    /// b − a, with its 95% interval.
    pub difference: f64,
    pub low: f64,
    pub high: f64,
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    pub p_value: f64,
}

/// Welch's test of `b` against `a`. `None` with fewer than two values on a side, or when
/// neither side varies (nothing to judge a difference by).
pub fn welch(a: &[f64], b: &[f64]) -> Option<Difference> {
    let moments = |v: &[f64]| {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let variance = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (n, mean, variance)
    };
    if a.len() < 2 || b.len() < 2 || a.iter().chain(b).any(|v| !v.is_finite()) {
        return None;
    }
    let (na, mean_a, var_a) = moments(a);
    let (nb, mean_b, var_b) = moments(b);
    let (qa, qb) = (var_a / na, var_b / nb);
    let se = (qa + qb).sqrt();
    if se <= 0.0 {
        return None;
    }
    let df = (qa + qb).powi(2) / (qa * qa / (na - 1.0) + qb * qb / (nb - 1.0));
    let difference = mean_b - mean_a;
    let t = difference / se;
    let critical = t_quantile_two_sided(0.05, df)?;
    Some(Difference {
        mean_a,
        mean_b,
        difference,
        low: difference - critical * se,
        high: difference + critical * se,
        t,
        df,
        p_value: t_two_sided_p(t, df),
    })
}

/// One projected day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projected {
    /// Days after the last value (1 is the next day).
    pub ahead: usize,
    pub value: f64,
    /// 95% prediction interval: where the day itself should land, not just its mean.
    pub low: f64,
    pub high: f64,
}

/// The days a forecast needs per weekday effect: three weeks pin down a weekday pattern and a
/// trend with room for residuals.
pub const FORECAST_MIN_DAYS: usize = 21;

/// Projects `horizon` days past the series with a linear trend and a weekday effect (a
/// seven-day pattern, day 0 of the series as its first day), fitted by least squares. `None`
/// below [`FORECAST_MIN_DAYS`] days or when a value is not finite.
pub fn forecast(values: &[f64], horizon: usize) -> Option<Vec<Projected>> {
    const PERIOD: usize = 7;
    let n = values.len();
    if n < FORECAST_MIN_DAYS || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    // Columns: intercept, day, and one indicator for each weekday but the first.
    let row = |day: usize| {
        let mut x = vec![0.0; PERIOD + 1];
        x[0] = 1.0;
        x[1] = day as f64;
        let weekday = day % PERIOD;
        if weekday > 0 {
            x[1 + weekday] = 1.0;
        }
        x
    };
    let k = PERIOD + 1;
    let mut xtx = vec![vec![0.0; k]; k];
    let mut xty = vec![0.0; k];
    for (day, y) in values.iter().enumerate() {
        let x = row(day);
        for i in 0..k {
            xty[i] += x[i] * y;
            for j in 0..k {
                xtx[i][j] += x[i] * x[j];
            }
        }
    }
    let inverse = invert(xtx)?;
    let beta: Vec<f64> = (0..k)
        .map(|i| (0..k).map(|j| inverse[i][j] * xty[j]).sum())
        .collect();
    let predict = |x: &[f64]| x.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>();
    let sse: f64 = values
        .iter()
        .enumerate()
        .map(|(day, y)| (y - predict(&row(day))).powi(2))
        .sum();
    let df = (n - k) as f64;
    let s2 = sse / df;
    let critical = t_quantile_two_sided(0.05, df)?;
    Some(
        (1..=horizon)
            .map(|ahead| {
                let x = row(n - 1 + ahead);
                let leverage: f64 = (0..k)
                    .map(|i| x[i] * (0..k).map(|j| inverse[i][j] * x[j]).sum::<f64>())
                    .sum();
                let value = predict(&x);
                let half = critical * (s2 * (1.0 + leverage)).sqrt();
                Projected {
                    ahead,
                    value,
                    low: value - half,
                    high: value + half,
                }
            })
            .collect(),
    )
}

/// The inverse of a square matrix by Gauss–Jordan elimination with partial pivoting; `None`
/// when it is singular.
fn invert(mut a: Vec<Vec<f64>>) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut inverse: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    for column in 0..n {
        let pivot =
            (column..n).max_by(|&x, &y| a[x][column].abs().total_cmp(&a[y][column].abs()))?;
        if a[pivot][column].abs() < 1e-12 {
            return None;
        }
        a.swap(column, pivot);
        inverse.swap(column, pivot);
        let scale = a[column][column];
        for j in 0..n {
            a[column][j] /= scale;
            inverse[column][j] /= scale;
        }
        for i in 0..n {
            if i != column {
                let factor = a[i][column];
                if factor != 0.0 {
                    for j in 0..n {
                        a[i][j] -= factor * a[column][j];
                        inverse[i][j] -= factor * inverse[column][j];
                    }
                }
            }
        }
    }
    Some(inverse)
}

/// P(|T| ≥ |t|) for Student's t with `df` degrees of freedom: I_x(df/2, 1/2) at
/// x = df / (df + t²).
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    // Written to also refuse a NaN df, which compares false with everything.
    let df_makes_sense = df > 0.0;
    if !df_makes_sense || t.is_nan() {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    regularized_beta(df / (df + t * t), df / 2.0, 0.5).clamp(0.0, 1.0)
}

/// The t value whose two-sided p is `alpha` (2.228 for 0.05 at 10 degrees of freedom), by
/// bisection on [`t_two_sided_p`]. `None` for an alpha outside (0, 1) or df not positive.
pub fn t_quantile_two_sided(alpha: f64, df: f64) -> Option<f64> {
    let arguments_make_sense = alpha > 0.0 && alpha < 1.0 && df > 0.0;
    if !arguments_make_sense {
        return None;
    }
    let (mut low, mut high) = (0.0_f64, 1.0_f64);
    while t_two_sided_p(high, df) > alpha {
        high *= 2.0;
        if high > 1e12 {
            return None;
        }
    }
    for _ in 0..200 {
        let middle = (low + high) / 2.0;
        if t_two_sided_p(middle, df) > alpha {
            low = middle;
        } else {
            high = middle;
        }
        if high - low < 1e-12 * high.max(1.0) {
            break;
        }
    }
    Some((low + high) / 2.0)
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction (Numerical
/// Recipes `betai`/`betacf`, modified Lentz), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a)
/// where the fraction converges slowly.
fn regularized_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let log_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        log_front.exp() * beta_fraction(x, a, b) / a
    } else {
        1.0 - log_front.exp() * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const FLOOR: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < FLOOR {
        d = FLOOR;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let even = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + even * d;
        if d.abs() < FLOOR {
            d = FLOOR;
        }
        c = 1.0 + even / c;
        if c.abs() < FLOOR {
            c = FLOOR;
        }
        d = 1.0 / d;
        h *= d * c;
        let odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + odd * d;
        if d.abs() < FLOOR {
            d = FLOOR;
        }
        c = 1.0 + odd / c;
        if c.abs() < FLOOR {
            c = FLOOR;
        }
        d = 1.0 / d;
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    // Known answers from SciPy 1.17 (scipy.stats.t, linregress, ttest_ind).
    #[test]
    fn student_t_matches_its_tables() {
        assert!(close(t_two_sided_p(2.228_138_852, 10.0), 0.05, 1e-9));
        assert!(close(
            t_two_sided_p(2.309_401_076_758_5, 3.0),
            0.104_088_038_661_828,
            1e-9
        ));
        assert!(close(t_two_sided_p(0.0, 7.0), 1.0, 1e-12));
        let q = t_quantile_two_sided(0.05, 3.0).expect("a quantile");
        assert!(close(q, 3.182_446_305_283_708, 1e-8), "{q}");
        let q = t_quantile_two_sided(0.05, 5.882_352_941).expect("a quantile");
        assert!(close(q, 2.458_823_709_717_446, 1e-8), "{q}");
        // Many degrees of freedom: the normal's 1.96.
        let q = t_quantile_two_sided(0.05, 1e7).expect("a quantile");
        assert!(close(q, crate::Z_95, 1e-5), "{q}");
        assert_eq!(t_quantile_two_sided(0.0, 3.0), None);
    }

    #[test]
    fn a_trend_matches_linregress() {
        let t = Trend::fit(&[1.0, 3.0, 2.0, 5.0, 4.0]).expect("five days");
        assert!(close(t.slope, 0.8, 1e-12));
        assert!(close(t.intercept, 1.4, 1e-12));
        assert!(close(t.p_value, 0.104_088_038_661_827_78, 1e-9));
        let half = 3.182_446_305_283_708 * 0.346_410_161_513_775_4;
        assert!(close(t.low, 0.8 - half, 1e-8) && close(t.high, 0.8 + half, 1e-8));
        assert_eq!(Trend::fit(&[1.0, 2.0]), None);
        // Days at their own offsets: a gap is not closed up. Checked against linregress on
        // x = 0, 1, 3, 4, 6.
        let gapped = Trend::fit_at(&[(0.0, 1.0), (1.0, 3.0), (3.0, 2.0), (4.0, 5.0), (6.0, 4.0)])
            .expect("five days");
        assert!(close(gapped.slope, GAPPED_SLOPE, 1e-12), "{}", gapped.slope);
        assert!(close(gapped.p_value, GAPPED_P, 1e-9), "{}", gapped.p_value);
        // A flat series has no trend, and says so.
        let flat = Trend::fit(&[5.0; 6]).expect("six days");
        assert_eq!((flat.slope, flat.p_value), (0.0, 1.0));
    }

    #[test]
    fn welch_matches_ttest_ind() {
        let d = welch(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 4.0, 6.0, 8.0, 10.0]).expect("two sides");
        assert!(close(d.t, 1.897_366_596_101_027_5, 1e-12));
        assert!(close(d.df, 5.882_352_941_176_471, 1e-12));
        assert!(close(d.p_value, 0.107_531_194_930_627_28, 1e-9));
        assert!(close(d.difference, 3.0, 1e-12));
        let half = 2.458_823_709_717_446 * 2.5_f64.sqrt();
        assert!(close(d.low, 3.0 - half, 1e-7) && close(d.high, 3.0 + half, 1e-7));
        assert_eq!(welch(&[1.0], &[2.0, 3.0]), None);
        assert_eq!(welch(&[1.0, 1.0], &[1.0, 1.0]), None);
    }

    #[test]
    fn a_forecast_continues_trend_and_weekday_pattern() {
        // 28 days: 100 + 2 a day, weekends (days 5 and 6 of each week) 30 lower, no noise.
        let pattern = |day: usize| 100.0 + 2.0 * day as f64 - if day % 7 >= 5 { 30.0 } else { 0.0 };
        let values: Vec<f64> = (0..28).map(pattern).collect();
        let ahead = forecast(&values, 7).expect("four weeks");
        for p in &ahead {
            assert!(close(p.value, pattern(27 + p.ahead), 1e-6), "{p:?}");
            assert!(p.high - p.low < 1e-3, "no noise, no width: {p:?}");
        }
        assert_eq!(forecast(&values[..20], 7), None);
    }

    #[test]
    fn a_forecast_of_a_noisy_series_matches_ordinary_least_squares() {
        // Checked against numpy's lstsq and the textbook prediction interval.
        let noise = [
            3.0, -2.0, 1.0, -4.0, 2.0, 0.0, -1.0, 2.5, -0.5, 1.5, -3.0, 0.5, 2.0, -1.5, -2.0, 1.0,
            3.5, -2.5, 0.0, 1.0, -1.0,
        ];
        let values: Vec<f64> = (0..21)
            .map(|d| 50.0 + 0.5 * d as f64 + noise[d] + if d % 7 == 6 { -10.0 } else { 0.0 })
            .collect();
        let ahead = forecast(&values, 2).expect("three weeks");
        assert!(close(ahead[0].value, EXPECTED_NEXT, 1e-6), "{:?}", ahead[0]);
        assert!(
            close(ahead[0].high - ahead[0].low, EXPECTED_WIDTH, 1e-6),
            "{:?}",
            ahead[0]
        );
    }

    const GAPPED_SLOPE: f64 = 0.482_456_140_350_877_2;
    const GAPPED_P: f64 = 0.162_733_109_824_293_54;
    const EXPECTED_NEXT: f64 = 61.809_523_809_523_73;
    const EXPECTED_WIDTH: f64 = 8.153_852_611_242_545;
}
