//! Checking a model's grounding report against the signals it was given, IO-free: a claim is
//! kept only when it cites at least one of the listed signals and every figure it states is a
//! figure those signals state, in the same unit and, where both give one, the same direction.
//! What the model wrote is never trusted as it came.
//!
//! Figures are read with their unit (percent, percentage points, multiplier, count, money,
//! date), because a bag of digit strings let "95% of buyers" pass on "(95% CI …)", "30 new
//! searches" pass on the date 2026-11-30 and "30%" pass on "30 clicks". The confidence level of
//! an interval is wording, not evidence; the interval's bounds are figures. A claim may round as
//! a writer does: its figure stands when the signal's figure, rounded to the claim's decimals,
//! gives it (2.47% may be written 2.5% or 2%, not 2.53%). Figures a signal implies are derived
//! from what it states ("104% above" is ×2.04, "from 15% to 30%" is ×2 and 15 points, "4.1%, 56%
//! above the 2.7%" is 1.4 points and ×1.52 as well as ×1.56), so "doubled" can be checked like a
//! digit. A derived figure is only as exact as the rounded figures it is worked out from, so it
//! carries their rounding ("2.7%" is 2.65% to 2.75%, "56%" is 55.5% to 56.5%), and a claim's
//! figure stands on it when the two ranges meet. A ratio of two printed figures is the one
//! exception: it is taken as a reader divides them, since a small rounded divisor would let it
//! swing far.

mod figures;

use std::collections::BTreeSet;

use figures::{Figure, evidence_figures, figures};

/// A claim as the model wrote it: its text and the handles ("S1") of the signals it cites.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftClaim {
    pub text: String,
    pub cites: Vec<String>,
}

/// A claim that passed: its text and the indices of the signals it cites (into the list the
/// model was given).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedClaim {
    pub text: String,
    pub signals: Vec<usize>,
}

/// Why a claim was dropped.
#[derive(Debug, Clone, PartialEq)]
pub enum Dropped {
    Empty,
    CitesNothing {
        text: String,
    },
    CitesUnknown {
        text: String,
        handle: String,
    },
    /// `number` is the figure as the claim wrote it, with its unit ("95%", "30 (a count)",
    /// "doubled (×2)").
    NumberNotInEvidence {
        text: String,
        number: String,
    },
    /// The cited signals state `number`, but moving the other way: `stated` is the claim's
    /// direction, `cited` the signals'.
    DirectionNotInEvidence {
        text: String,
        number: String,
        stated: String,
        cited: String,
    },
}

impl Dropped {
    /// In words, for the regeneration prompt and the logs.
    pub fn reason(&self) -> String {
        match self {
            Dropped::Empty => "an empty claim".to_owned(),
            Dropped::CitesNothing { text } => format!("“{text}” cites no signal"),
            Dropped::CitesUnknown { text, handle } => {
                format!("“{text}” cites {handle}, which is not in the list")
            }
            Dropped::NumberNotInEvidence { text, number } => {
                format!("“{text}” states {number}, which none of the signals it cites says")
            }
            Dropped::DirectionNotInEvidence {
                text,
                number,
                stated,
                cited,
            } => format!(
                "“{text}” states {number} as {stated}, but the signals it cites give it as {cited}"
            ),
        }
    }
}

/// The handle a signal is listed under in the prompt: short, so small models copy it exactly.
pub fn handle(index: usize) -> String {
    format!("S{}", index + 1)
}

fn index_of(handle: &str) -> Option<usize> {
    let trimmed = handle.trim().trim_matches(|c| c == '[' || c == ']');
    let digits = trimmed
        .strip_prefix('S')
        .or_else(|| trimmed.strip_prefix('s'))?;
    digits.parse::<usize>().ok()?.checked_sub(1)
}

/// Checks `claims` against the `evidence` texts the model was given (each signal's statement,
/// by index). Returns the kept claims and why the others were dropped.
pub fn check_claims(
    claims: &[DraftClaim],
    evidence: &[String],
) -> (Vec<CheckedClaim>, Vec<Dropped>) {
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    'claims: for claim in claims {
        let text = claim.text.trim();
        if text.is_empty() {
            dropped.push(Dropped::Empty);
            continue;
        }
        if claim.cites.is_empty() {
            dropped.push(Dropped::CitesNothing {
                text: text.to_owned(),
            });
            continue;
        }
        let mut signals = BTreeSet::new();
        for cite in &claim.cites {
            match index_of(cite).filter(|i| *i < evidence.len()) {
                Some(index) => {
                    signals.insert(index);
                }
                None => {
                    dropped.push(Dropped::CitesUnknown {
                        text: text.to_owned(),
                        handle: cite.clone(),
                    });
                    continue 'claims;
                }
            }
        }
        let stated: Vec<Figure> = signals
            .iter()
            .flat_map(|&i| evidence_figures(&evidence[i]))
            .collect();
        if let Some(problem) = figures(text)
            .iter()
            .find_map(|figure| unsupported(text, figure, &stated))
        {
            dropped.push(problem);
            continue;
        }
        kept.push(CheckedClaim {
            text: text.to_owned(),
            signals: signals.into_iter().collect(),
        });
    }
    (kept, dropped)
}

/// Why `figure` (from the claim `text`) is not supported by the `stated` figures, if it is not.
fn unsupported(text: &str, figure: &Figure, stated: &[Figure]) -> Option<Dropped> {
    let matching: Vec<&Figure> = stated
        .iter()
        .filter(|evidence| figure.quantity.is_given_by(&evidence.quantity))
        .collect();
    if matching.is_empty() {
        return Some(Dropped::NumberNotInEvidence {
            text: text.to_owned(),
            number: figure.described(),
        });
    }
    let claimed = figure.direction?;
    // A figure the signals state without a direction, or in both, cannot be contradicted.
    let contradicted = matching
        .iter()
        .all(|evidence| evidence.direction == Some(claimed.opposite()));
    contradicted.then(|| Dropped::DirectionNotInEvidence {
        text: text.to_owned(),
        number: figure.written.clone(),
        stated: claimed.in_words().to_owned(),
        cited: claimed.opposite().in_words().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::figures::*;
    use super::*;

    fn claim(text: &str, cites: &[&str]) -> DraftClaim {
        DraftClaim {
            text: text.into(),
            cites: cites.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn evidence() -> Vec<String> {
        vec![
            "Transactional searches are 30% of search volume (300 of 1,000 searches).".into(),
            "The creative “Roasted Monday” wins: a click rate of 2.5% on 48,210 impressions."
                .into(),
        ]
    }

    /// Signals worded as `derive` and `mention_themes` word them.
    fn statements() -> Vec<String> {
        vec![
            // S1: a winning creative, 25% above its baseline.
            "The creative “Roasted Monday” wins with Coffee lovers: a click rate of 2.5% (95% CI 2.3%–2.7%) on 48,210 impressions, 25% above the 2.0% of the rest of the audience's delivery.".into(),
            // S2: an intent shift between two periods.
            "Transactional searches grew from 15% to 30% of search volume with Coffee lovers between 2026-09 and 2026-11-30 (95% CI now 27%–33%).".into(),
            // S3: a plain count.
            "Ads with “Free shipping” drew 30 clicks on 1,200 impressions.".into(),
            // S4: a rate with more precision, and a lift over 100%.
            "The creative “Cold Brew” wins with Coffee lovers: a click rate of 2.47% (95% CI 2.1%–2.9%) on 9,120 impressions, 104% above the 1.2% of the rest of the audience's delivery.".into(),
            // S5: a theme of mentions.
            "The theme “Bitter aftertaste” covers 12% of mentions with Coffee lovers (36 of 300, 95% CI 8.8%–16%); 67% of them are negative.".into(),
            // S6: a stated multiplier.
            "Searches for “cold brew” grew 2.0× with Coffee lovers between 2026-09 and 2026-11.".into(),
            // S7: a trailing creative.
            "The creative “Decaf Friday” trails with Coffee lovers: a click rate of 1.5% (95% CI 1.2%–1.8%) on 7,599 impressions, 30% below the 2.1% of the rest of the audience's delivery.".into(),
            // S8: a lift worked out from unrounded rates (4.14% and 2.66%), so 56% of the printed
            // 2.7% is not the printed 4.1% minus 2.7%.
            "The device “Desktop” wins with Coffee lovers: a conversion rate of 4.1% (95% CI 3.8%–4.5%) on 8,485 clicks, 56% above the 2.7% of the rest of the audience's delivery.".into(),
            // S9: a lift of ×1.52.
            "The device “Mobile” wins with Coffee lovers: a conversion rate of 3.8% (95% CI 3.5%–4.1%) on 6,210 clicks, 52% above the 2.5% of the rest of the audience's delivery.".into(),
            // S10: a stated multiplier of 1.5.
            "Searches for “iced latte” grew 1.5× with Coffee lovers between 2026-09 and 2026-11.".into(),
        ]
    }

    /// Checks one claim against `statements()`: `Ok(())` when kept, else why it was dropped.
    fn check(text: &str, cites: &[&str]) -> Result<(), Dropped> {
        let (kept, dropped) = check_claims(&[claim(text, cites)], &statements());
        match dropped.into_iter().next() {
            Some(reason) => Err(reason),
            None => {
                assert_eq!(kept.len(), 1);
                Ok(())
            }
        }
    }

    fn assert_kept(text: &str, cites: &[&str]) {
        if let Err(reason) = check(text, cites) {
            panic!("expected “{text}” kept, dropped: {}", reason.reason());
        }
    }

    /// Asserts the claim is dropped and its reason names `figure`; returns the reason.
    fn assert_dropped(text: &str, cites: &[&str], figure: &str) -> Dropped {
        match check(text, cites) {
            Ok(()) => panic!("expected “{text}” dropped, it was kept"),
            Err(reason) => {
                let said = reason.reason();
                let named = match &reason {
                    Dropped::NumberNotInEvidence { number, .. }
                    | Dropped::DirectionNotInEvidence { number, .. } => number.contains(figure),
                    _ => false,
                };
                assert!(named, "“{text}”: reason should name {figure}: {said}");
                reason
            }
        }
    }

    fn amounts(text: &str) -> Vec<(Unit, f64)> {
        figures(text)
            .iter()
            .filter_map(|figure| match &figure.quantity {
                Quantity::Amounts(readings) => readings.first().map(|a| (a.unit, a.value)),
                Quantity::Date(_) => None,
            })
            .collect()
    }

    fn has(found: &[(Unit, f64)], unit: Unit, value: f64) -> bool {
        found
            .iter()
            .any(|(u, v)| *u == unit && (v - value).abs() < 1e-9)
    }

    #[test]
    fn figures_are_read_with_their_units_as_people_write_them() {
        let found = amounts(
            "30% of 1,000 searches, 2.50 and 1.2M people, 2.0×, 3 pp, $1,200, 15 percentage points.",
        );
        assert!(has(&found, Unit::Percent, 30.0), "{found:?}");
        assert!(has(&found, Unit::Count, 1000.0), "{found:?}");
        assert!(has(&found, Unit::Count, 2.5), "{found:?}");
        assert!(has(&found, Unit::Count, 1.2e6), "{found:?}");
        assert!(has(&found, Unit::Multiplier, 2.0), "{found:?}");
        assert!(has(&found, Unit::PercentagePoints, 3.0), "{found:?}");
        assert!(has(&found, Unit::PercentagePoints, 15.0), "{found:?}");
        assert!(has(&found, Unit::Money('$'), 1200.0), "{found:?}");
        assert_eq!(found.len(), 8, "{found:?}");
        assert!(figures("no numbers here.").is_empty());
        // A sentence's full stop is not a decimal point.
        assert_eq!(amounts("It grew 12."), vec![(Unit::Count, 12.0)]);
        // The interval's level is not a figure; its bounds are.
        assert_eq!(
            amounts("(95% CI 2.3%–2.7%)"),
            vec![(Unit::Percent, 2.3), (Unit::Percent, 2.7)]
        );
        // ISO dates are dates, not counts; handles and names with digits are not figures.
        assert!(amounts("between 2026-09 and 2026-11-30 [S1], in Q3").is_empty());
        let dates: Vec<Quantity> = figures("on 2026-11-30 and 30 September 2026")
            .into_iter()
            .map(|f| f.quantity)
            .collect();
        assert_eq!(
            dates,
            vec![
                Quantity::Date(CalendarDate {
                    year: Some(2026),
                    month: Some(11),
                    day: Some(30)
                }),
                Quantity::Date(CalendarDate {
                    year: Some(2026),
                    month: Some(9),
                    day: Some(30)
                }),
            ]
        );
    }

    #[test]
    fn a_claim_with_valid_citations_and_numbers_is_kept() {
        let (kept, dropped) = check_claims(
            &[claim(
                "Transactional searches, 30% of volume (300 of 1,000), are ready to buy [S1].",
                &["S1"],
            )],
            &evidence(),
        );
        assert!(dropped.is_empty(), "{dropped:?}");
        assert_eq!(kept[0].signals, vec![0]);
    }

    #[test]
    fn a_claim_with_no_figures_and_valid_citations_is_kept() {
        assert_kept("“Roasted Monday” wins with Coffee lovers [S1].", &["S1"]);
        assert_kept("Ready-to-buy searches are growing (S2).", &["S2"]);
    }

    #[test]
    fn a_claim_citing_nothing_or_a_missing_signal_is_dropped() {
        let (kept, dropped) = check_claims(
            &[
                claim("People love the brand.", &[]),
                claim("Searches are growing.", &["S9"]),
                claim("Searches are growing.", &["banana"]),
                claim("   ", &["S1"]),
            ],
            &evidence(),
        );
        assert!(kept.is_empty());
        assert_eq!(dropped.len(), 4);
        assert!(matches!(dropped[0], Dropped::CitesNothing { .. }));
        assert!(matches!(&dropped[1], Dropped::CitesUnknown { handle, .. } if handle == "S9"));
        assert!(matches!(dropped[3], Dropped::Empty));
    }

    #[test]
    fn a_number_the_cited_signals_do_not_state_is_dropped() {
        let (kept, dropped) = check_claims(
            &[
                claim("Transactional searches are 45% of volume.", &["S1"]),
                // 2.5% is in S2, not in S1, which is all this claim cites.
                claim("Ready-to-buy searches click at 2.5%.", &["S1"]),
                claim("“Roasted Monday” clicks at 2.5% (S2).", &["S2"]),
            ],
            &evidence(),
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].signals, vec![1]);
        assert!(
            matches!(&dropped[0], Dropped::NumberNotInEvidence { number, .. } if number == "45%")
        );
        assert!(dropped[1].reason().contains("2.5%"));
    }

    #[test]
    fn the_confidence_level_is_not_a_figure_a_claim_may_use() {
        assert_dropped(
            "95% of Coffee lovers prefer Roasted Monday [S1].",
            &["S1"],
            "95%",
        );
        assert_dropped(
            "95 percent of searches are transactional [S2].",
            &["S2"],
            "95",
        );
        // The interval's bounds are figures, and a claim may quote the interval whole.
        assert_kept(
            "Roasted Monday's click rate is between 2.3% and 2.7% (95% CI) [S1].",
            &["S1"],
        );
        assert_kept(
            "With 95% confidence, its click rate is at least 2.3% [S1].",
            &["S1"],
        );
    }

    #[test]
    fn parts_of_a_date_are_not_figures_but_a_stated_date_may_be_repeated() {
        assert_dropped(
            "Transactional searches reached 2026 searches [S2].",
            &["S2"],
            "2026",
        );
        assert_dropped(
            "Transactional searches came from 30 new searches [S2].",
            &["S2"],
            "30 (a count)",
        );
        assert_dropped(
            "Transactional searches rose for 11 weeks [S2].",
            &["S2"],
            "11",
        );
        assert_kept(
            "In 2026, transactional searches grew to 30% of volume [S2].",
            &["S2"],
        );
        assert_kept(
            "Between September 2026 and 30 November 2026 transactional searches grew [S2].",
            &["S2"],
        );
        assert_kept(
            "From Sep 2026 to November 30, 2026, searches grew [S2].",
            &["S2"],
        );
        assert_kept(
            "Transactional searches grew between 2026-09 and 2026-11-30 [S2].",
            &["S2"],
        );
        assert_dropped(
            "Transactional searches grew in October 2026 [S2].",
            &["S2"],
            "October",
        );
        assert_dropped("Transactional searches grew in 2025 [S2].", &["S2"], "2025");
        assert_kept(
            "In the second half of 2026, transactional searches grew [S2].",
            &["S2"],
        );
        assert_dropped(
            "Transactional searches peaked on 2026-10-15 [S2].",
            &["S2"],
            "2026-10-15",
        );
    }

    #[test]
    fn a_percentage_is_not_a_count() {
        assert_dropped(
            "“Free shipping” converts 30% of its clicks [S3].",
            &["S3"],
            "30%",
        );
        assert_kept(
            "“Free shipping” drew 30 clicks on 1,200 impressions [S3].",
            &["S3"],
        );
        assert_dropped(
            "Transactional searches drew 30 clicks [S2].",
            &["S2"],
            "30 (a count)",
        );
        assert_dropped(
            "Free shipping drew 30 pp more clicks [S3].",
            &["S3"],
            "30 pp",
        );
    }

    #[test]
    fn a_figure_stated_moving_the_other_way_is_dropped() {
        let reason = assert_dropped(
            "Roasted Monday's click rate is 25% below the rest [S1].",
            &["S1"],
            "25%",
        );
        assert!(
            matches!(reason, Dropped::DirectionNotInEvidence { .. }),
            "{reason:?}"
        );
        assert_dropped(
            "Decaf Friday clicks 30% more than the rest [S7].",
            &["S7"],
            "30%",
        );
        assert_dropped(
            "Transactional searches fell to 30% of volume [S2].",
            &["S2"],
            "30%",
        );
        assert_dropped(
            "Transactional searches fell from 30% to 15% of volume [S2].",
            &["S2"],
            "30% to 15%",
        );
        assert_kept(
            "Roasted Monday's click rate of 2.5% is 25% higher than the 2.0% of the rest [S1].",
            &["S1"],
        );
        assert_kept(
            "Roasted Monday draws 25% more clicks than the rest [S1].",
            &["S1"],
        );
        assert_kept(
            "Decaf Friday's click rate is 30% lower than the rest [S7].",
            &["S7"],
        );
        assert_kept(
            "Transactional searches rose from 15% to 30% of volume, 15 percentage points [S2].",
            &["S2"],
        );
        // A rate in a clause of its own takes the sentence's direction.
        assert_dropped(
            "Roasted Monday trails with a click rate of 2.5% [S1].",
            &["S1"],
            "2.5%",
        );
        assert_kept(
            "Decaf Friday's 1.5% click rate is lower than Roasted Monday's 2.5% [S1] [S7].",
            &["S1", "S7"],
        );
        assert_kept(
            "Roasted Monday wins (2.5%) while Decaf Friday trails (1.5%) [S1] [S7].",
            &["S1", "S7"],
        );
        // A share named as what is compared against takes no direction.
        assert_kept(
            "The rest of the audience clicks at 2.0%, lower than Roasted Monday's 2.5% [S1].",
            &["S1"],
        );
        assert_kept(
            "More than 30% of searches are transactional, up from 15% [S2].",
            &["S2"],
        );
    }

    #[test]
    fn number_words_need_support_like_digits() {
        assert_dropped(
            "Roasted Monday doubled the click rate of the rest [S1].",
            &["S1"],
            "doubled (×2)",
        );
        assert_kept(
            "Cold Brew doubled the click rate of the rest [S4].",
            &["S4"],
        );
        assert_kept(
            "Cold Brew clicks at twice the rate of the rest (2×) [S4].",
            &["S4"],
        );
        assert_kept("Transactional searches doubled their share [S2].", &["S2"]);
        assert_kept("Cold brew searches doubled [S6].", &["S6"]);
        assert_kept("Cold brew searches grew 100% [S6].", &["S6"]);
        assert_dropped(
            "Roasted Monday draws three times the clicks [S1].",
            &["S1"],
            "three times",
        );
        assert_dropped("Roasted Monday beat five rivals [S1].", &["S1"], "five");
        assert_kept(
            "Two-thirds of the mentions about bitter aftertaste are negative [S5].",
            &["S5"],
        );
        assert_dropped(
            "Half of the mentions about bitter aftertaste are negative [S5].",
            &["S5"],
            "Half",
        );
        assert_dropped(
            "Nearly a third of the mentions are about bitter aftertaste [S5].",
            &["S5"],
            "a third",
        );
        assert_dropped(
            "Transactional searches grew by a quarter [S2].",
            &["S2"],
            "a quarter",
        );
        // "One" is a pronoun far more often than a figure.
        assert_kept(
            "Roasted Monday is the one creative that wins [S1].",
            &["S1"],
        );
    }

    #[test]
    fn a_claim_may_round_as_a_writer_does_and_no_further() {
        assert_kept("Cold Brew clicks at 2.5% [S4].", &["S4"]);
        assert_kept("Cold Brew clicks at about 2% [S4].", &["S4"]);
        assert_kept("Cold Brew clicks at 2.47% [S4].", &["S4"]);
        assert_dropped("Cold Brew clicks at 2.4% [S4].", &["S4"], "2.4%");
        assert_dropped("Cold Brew clicks at 2.53% [S4].", &["S4"], "2.53%");
        assert_kept("Cold Brew had 9,120 impressions [S4].", &["S4"]);
        assert_kept("Cold Brew had 9.1K impressions [S4].", &["S4"]);
        assert_kept("Roasted Monday had 48.2K impressions [S1].", &["S1"]);
        // A number written out in full claims every digit.
        assert_dropped("Cold Brew had 9,000 impressions [S4].", &["S4"], "9,000");
        // A lift implies the points it is measured in: 25% of 2.0% is 0.5 points.
        assert_kept(
            "Roasted Monday's click rate is 0.5 percentage points above the rest [S1].",
            &["S1"],
        );
    }

    #[test]
    fn figures_a_reader_works_out_from_the_shown_rates_are_kept() {
        // 4.1% − 2.7%, though 56% of 2.7% is 1.51 points.
        assert_kept(
            "Desktop converts at 4.1%, 1.4 points above the rest [S8].",
            &["S8"],
        );
        assert_kept("Conversion rate rose from 2.7% to 4.1% [S8].", &["S8"]);
        // 4.1 / 2.7 is 1.52, though 56% above is ×1.56.
        assert_kept(
            "Desktop converts about 1.5 times as often as the rest [S8].",
            &["S8"],
        );
        // What the lift gives stands as before.
        assert_kept(
            "Desktop converts 56% more often than the rest, 1.5 points more [S8].",
            &["S8"],
        );
        assert_kept(
            "Decaf Friday clicks at 1.5%, 0.6 points below the rest [S7].",
            &["S7"],
        );
    }

    #[test]
    fn derived_figures_stay_within_the_rounding_of_what_is_shown() {
        assert_dropped(
            "Desktop converts at 4.1%, 1.0 points above the rest [S8].",
            &["S8"],
            "1.0 points",
        );
        assert_dropped(
            "Desktop converts at 3x the rest's rate [S8].",
            &["S8"],
            "3x",
        );
        // The interval's upper bound is not the rate: 4.5% − 2.7% is no figure of the signal.
        assert_dropped(
            "Desktop converts 1.8 points above the rest [S8].",
            &["S8"],
            "1.8 points",
        );
        let reason = assert_dropped(
            "Decaf Friday clicks 0.6 points above the rest [S7].",
            &["S7"],
            "0.6 points",
        );
        assert!(
            matches!(reason, Dropped::DirectionNotInEvidence { .. }),
            "{reason:?}"
        );
        assert_dropped(
            "Conversion rate fell from 4.1% to 2.7% [S8].",
            &["S8"],
            "4.1% to 2.7%",
        );
        // A shown figure may be rounded, not given digits the signal does not show.
        assert_dropped("Roasted Monday clicks at 2.53% [S1].", &["S1"], "2.53%");
    }

    #[test]
    fn a_multiplier_in_digits_without_decimals_is_exact_to_one_decimal() {
        assert_dropped("Mobile converts at 2x the rest's rate [S9].", &["S9"], "2x");
        assert_dropped(
            "Mobile converts 2 times as often as the rest [S9].",
            &["S9"],
            "2 times",
        );
        assert_kept(
            "Mobile converts 1.5 times as often as the rest [S9].",
            &["S9"],
        );
        assert_dropped("Iced latte searches grew 2x [S10].", &["S10"], "2x");
        assert_dropped(
            "Iced latte searches grew 2 times over [S10].",
            &["S10"],
            "2 times",
        );
        assert_kept("Iced latte searches grew 1.5x [S10].", &["S10"]);
        // ×2.04 is 2x as a writer rounds it.
        assert_kept("Cold Brew clicks at 2x the rate of the rest [S4].", &["S4"]);
        assert_kept(
            "Cold Brew clicks at 2 times the rate of the rest [S4].",
            &["S4"],
        );
        // A lift in percent keeps its own rounding.
        assert_kept(
            "Cold Brew's click rate is 104% above the rest [S4].",
            &["S4"],
        );
        assert_dropped(
            "Cold Brew's click rate is 106% above the rest [S4].",
            &["S4"],
            "106%",
        );
    }

    #[test]
    fn rounded_values_carry_their_inputs_rounding() {
        let rate = Rounded {
            value: 4.1,
            tolerance: 0.05,
        };
        let base = Rounded {
            value: 2.7,
            tolerance: 0.05,
        };
        let points = rate.minus(base);
        assert!((points.value - 1.4).abs() < 1e-9 && (points.tolerance - 0.1).abs() < 1e-9);
        let lift = Rounded {
            value: 0.56,
            tolerance: 0.005,
        };
        let product = base.times(lift);
        // It reaches 2.75 × 0.565 and covers 2.65 × 0.555, the range being symmetric.
        assert!((product.value - 1.512).abs() < 1e-9);
        assert!((product.value + product.tolerance - 2.75 * 0.565).abs() < 1e-9);
        assert!(product.value - product.tolerance <= 2.65 * 0.555);
        assert_eq!(
            rate.divided_by(Rounded {
                value: 0.0,
                tolerance: 0.05
            }),
            None
        );
    }

    #[test]
    fn handles_are_read_loosely_but_exactly() {
        assert_eq!(index_of("S1"), Some(0));
        assert_eq!(index_of("[S12]"), Some(11));
        assert_eq!(index_of("s3"), Some(2));
        assert_eq!(index_of("S0"), None);
        assert_eq!(index_of("signal"), None);
        assert_eq!(handle(0), "S1");
    }
}
