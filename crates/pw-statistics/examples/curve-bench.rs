//! The budget agent's arithmetic at the size the issue names: 30 campaigns × 180 days of
//! seeded synthetic spend and conversions (each campaign a known saturating curve plus noise).
//! Prints the time to fit the 30 curves, to split the budget and to bootstrap the change's
//! interval, each beside a baseline timed in the same run (one pass of ordinary least squares
//! over the same rows: the least any fit must do), and how close the fitted scales come to
//! the true ones.
//!
//!   cargo run --release -p pw-statistics --example curve-bench -- [campaigns] [days] [draws]

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a bench binary prints its figures"
)]

use std::hint::black_box;
use std::time::Instant;

use pw_statistics::response_curves::{Curve, Day, change_interval, split_budget};

/// SplitMix64, so every run draws the same data.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Least squares of conversions on spend: the baseline every fit must at least match.
fn line(days: &[Day]) -> (f64, f64) {
    let n = days.len() as f64;
    let (sx, sy) = days
        .iter()
        .fold((0.0, 0.0), |(x, y), d| (x + d.spend, y + d.conversions));
    let (mx, my) = (sx / n, sy / n);
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for d in days {
        sxy += (d.spend - mx) * (d.conversions - my);
        sxx += (d.spend - mx) * (d.spend - mx);
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (slope, my - slope * mx)
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().ok());
    let campaigns = args.next().flatten().unwrap_or(30);
    let days_each = args.next().flatten().unwrap_or(180);
    let draws = args.next().flatten().unwrap_or(200);

    let mut random = Seeded(2026);
    let mut truth = Vec::with_capacity(campaigns);
    let data: Vec<Vec<Day>> = (0..campaigns)
        .map(|_| {
            let ceiling = 20.0 + 180.0 * random.unit();
            let scale = 200.0 + 1_800.0 * random.unit();
            truth.push(scale);
            (0..days_each)
                .map(|_| {
                    let spend = scale * (0.2 + 1.6 * random.unit());
                    let mean = ceiling * (1.0 - (-spend / scale).exp());
                    // ±15% noise around the curve, never below zero.
                    let conversions = (mean * (0.85 + 0.3 * random.unit())).max(0.0);
                    Day { spend, conversions }
                })
                .collect()
        })
        .collect();

    let started = Instant::now();
    let lines: Vec<(f64, f64)> = data.iter().map(|d| black_box(line(d))).collect();
    let baseline = started.elapsed().as_secs_f64();
    black_box(lines);

    let started = Instant::now();
    let Some(curves) = data
        .iter()
        .map(|d| black_box(Curve::fit(d)))
        .collect::<Option<Vec<Curve>>>()
    else {
        eprintln!("a synthetic campaign could not be fitted: the generator is wrong");
        std::process::exit(1);
    };
    let fitting = started.elapsed().as_secs_f64();

    let current: Vec<f64> = data
        .iter()
        .map(|d| d.iter().map(|day| day.spend).sum::<f64>() / d.len() as f64)
        .collect();
    let started = Instant::now();
    let split = black_box(split_budget(&curves, &current, 1_000));
    let splitting = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let interval = change_interval(&data, &current, &split.spend, draws, 7);
    let bootstrap = started.elapsed().as_secs_f64();

    let mut errors: Vec<f64> = curves
        .iter()
        .zip(&truth)
        .filter(|(c, _)| !c.saturation_unseen)
        .map(|(c, t)| (c.scale - t).abs() / t)
        .collect();
    errors.sort_by(f64::total_cmp);
    let median_error = errors.get(errors.len() / 2).copied().unwrap_or(f64::NAN);

    println!("curve-bench: {campaigns} campaigns x {days_each} days, {draws} bootstrap draws");
    println!(
        "  baseline (one least-squares line per campaign): {:>10.3} ms",
        baseline * 1e3
    );
    println!(
        "  fit the saturating curves:                      {:>10.3} ms  ({:.0}x the baseline)",
        fitting * 1e3,
        fitting / baseline
    );
    println!(
        "  split the budget (1,000 increments):            {:>10.3} ms  ({:.0}x the baseline)",
        splitting * 1e3,
        splitting / baseline
    );
    println!(
        "  bootstrap interval ({draws} refits of each):        {:>10.3} ms  ({:.0}x the baseline)",
        bootstrap * 1e3,
        bootstrap / baseline
    );
    println!(
        "  expected change {:+.2} conversions/day, 95% interval {:?}",
        split.conversions_split - split.conversions_now,
        interval.map(|(low, high)| (format!("{low:+.2}"), format!("{high:+.2}")))
    );
    println!(
        "  fitted scale vs the true one: median error {:.1}% over {} curves that saw saturation",
        median_error * 100.0,
        errors.len()
    );
}
