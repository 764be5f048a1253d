//! The check an answer is held to before anyone sees it: every figure it writes must be one the
//! results it cites state, as written or rounded (a figure the question itself gave is the
//! person's own). Results are read as the model read them, from their text.
//!
//! What it allows, and why:
//! - a figure with fewer decimals than the result's ("$1,234" for 1234.4);
//! - thousands, millions or billions written short, when the answer says so ("1.2 million"
//!   or "1.2M" for 1,204,311, never a bare "1.2");
//! - a percent of a fraction the result states ("2.3%" for a CTR of 0.0234);
//! - the sign dropped ("fell 12%" for -12%);
//! - bare whole numbers up to twelve: counts of the things listed ("the 3 campaigns"), but
//!   not an amount of money or a multiple ("$8", "4x").
//!
//! What it cannot check: which row a figure is said of, figures worked out from the results
//! (a change between two weeks) unless a tool stated them, and digits written onto letters
//! ("USD1500", read as a word as "Q3" is).

use pw_domain::{StatedFigure, stated_figures};

/// Counts the answer may give of what it lists without a result stating them.
const LISTED_COUNT_MAX: f64 = 12.0;

/// The figures of `answer`, as written, that neither `question` nor any of `cited` (the cited
/// results' texts) states. Empty when the answer holds.
pub(crate) fn unsupported_figures(answer: &str, question: &str, cited: &[&str]) -> Vec<String> {
    let stated: Vec<f64> = cited
        .iter()
        .chain(std::iter::once(&question))
        .flat_map(|text| stated_figures(text))
        .map(|f| f.value.abs() * f.scale)
        .collect();
    let mut unsupported: Vec<String> = Vec::new();
    for figure in stated_figures(answer) {
        if is_listed_count(&figure) || stated.iter().any(|&value| states(&figure, value)) {
            continue;
        }
        let written = written(&figure);
        if !unsupported.contains(&written) {
            unsupported.push(written);
        }
    }
    unsupported
}

fn is_listed_count(figure: &StatedFigure) -> bool {
    !figure.percent
        && !figure.points
        && !figure.money_or_multiple
        && figure.scale == 1.0
        && figure.decimals == 0
        && (0.0..=LISTED_COUNT_MAX).contains(&figure.value)
}

/// Whether `figure`, as written, may be `value` (a result's figure, unsigned).
fn states(figure: &StatedFigure, value: f64) -> bool {
    let written = figure.value.abs();
    // "2.3%" of "2.3%", or of a fraction "0.0234"; "1.2M" of 1,204,311.
    let scales: &[f64] = if figure.percent {
        &[1.0, 0.01]
    } else {
        &[figure.scale]
    };
    scales
        .iter()
        .any(|scale| rounds_to(written, figure.decimals, value / scale))
}

/// Whether a figure written with `decimals` decimals is `value` rounded.
fn rounds_to(written: f64, decimals: u32, value: f64) -> bool {
    let half = 0.5 * 10f64.powi(-(decimals as i32));
    // A little slack for binary fractions, so a tie rounds either way as writers do.
    (value - written).abs() <= half + 1e-9 * value.abs().max(1.0)
}

/// A figure as the person would recognise it in the answer.
fn written(figure: &StatedFigure) -> String {
    let number = format!("{:.*}", figure.decimals as usize, figure.value);
    let number = match figure.scale {
        1e3 => format!("{number}k"),
        1e6 => format!("{number}M"),
        1e9 => format!("{number}bn"),
        _ => number,
    };
    if figure.percent {
        format!("{number}%")
    } else if figure.points {
        format!("{number} points")
    } else {
        number
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const METRICS: &str = "Metrics by platform, 2026-11-16 to 2026-11-22:\n\
        meta: spend USD 1234.40, impressions 1204311, clicks 18250, conversions 412.0, CPA USD 29.96, ROAS 3.12\n\
        tiktok: spend USD 310.05, impressions 90210, clicks 1203, conversions 9.5, CPA USD 32.64, ROAS not reported\n\
        CTR 0.0234";

    #[test]
    fn figures_the_cited_results_state_hold_as_written_or_rounded() {
        let answer = "Meta spent $1,234.40 (about $1,234) for 412 conversions at a CPA of $29.96, \
                      $30 rounded; it reached 1.2 million people, 1,204k impressions, CTR 2.3%, \
                      ROAS 3.1. TikTok's CPA was $32.64 across the 2 platforms from 2026-11-16; \
                      it spent $0.31k.";
        assert_eq!(
            unsupported_figures(answer, "Why did CPA rise?", &[METRICS]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_figure_no_cited_result_states_is_caught_as_written() {
        let answer = "Meta's CPA rose 14% to $31.20 while TikTok spent 310.1 and ROAS fell to 2.9.";
        assert_eq!(
            unsupported_figures(answer, "Why did CPA rise?", &[METRICS]),
            ["14%", "31.20", "2.9"]
        );
        // A bare figure is not read as thousands or millions, and money is never a count.
        assert_eq!(
            unsupported_figures(
                "ROAS 1.2, $18 a day, CPA $8, 1.3M impressions",
                "",
                &[METRICS]
            ),
            ["1.2", "18", "8", "1.3M"]
        );
        // 310.1 is 310.05 rounded (a tie rounds either way); 310.2 is not.
        assert_eq!(
            unsupported_figures("TikTok spent 310.2", "", &[METRICS]),
            ["310.2"]
        );
    }

    #[test]
    fn the_question_own_figures_and_small_counts_need_no_result() {
        let question = "What happened in the last 14 days on Meta?";
        let answer = "Over the last 14 days the top 3 campaigns spent $1,234.40.";
        assert!(unsupported_figures(answer, question, &[METRICS]).is_empty());
        assert_eq!(
            unsupported_figures("Spend fell -40%.", question, &[METRICS]),
            ["-40%"]
        );
    }

    #[test]
    fn a_result_not_cited_supports_nothing() {
        assert_eq!(
            unsupported_figures("Meta spent $1,234.40.", "", &[]),
            ["1234.40"]
        );
    }
}
