//! Checking a model's grounding report against the signals it was given, IO-free: a claim is
//! kept only when it cites at least one of the listed signals and every number it states is a
//! number those signals state. What the model wrote is never trusted as it came.

use std::collections::BTreeSet;

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
    CitesNothing { text: String },
    CitesUnknown { text: String, handle: String },
    NumberNotInEvidence { text: String, number: String },
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

/// The numbers a text states, normalised: "1,234" → "1234", "32%" → "32", "2.50" → "2.5".
/// Years and day numbers inside dates count too, so a claim cannot move an event in time.
pub fn numbers(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let mut raw = String::new();
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || ((chars[i] == ',' || chars[i] == '.')
                        && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())))
            {
                if chars[i] != ',' {
                    raw.push(chars[i]);
                }
                i += 1;
            }
            let normalised = if raw.contains('.') {
                raw.trim_end_matches('0').trim_end_matches('.').to_owned()
            } else {
                raw
            };
            found.insert(normalised);
        } else {
            i += 1;
        }
    }
    found
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
        let stated: BTreeSet<String> = signals
            .iter()
            .flat_map(|&i| numbers(&evidence[i]))
            .collect();
        // A claim that says "S1" in its text is naming its citation, not stating a number.
        let text_without_handles: String = text
            .split_whitespace()
            .filter(|word| index_of(word.trim_matches(|c: char| !c.is_alphanumeric())).is_none())
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(number) = numbers(&text_without_handles)
            .into_iter()
            .find(|n| !stated.contains(n))
        {
            dropped.push(Dropped::NumberNotInEvidence {
                text: text.to_owned(),
                number,
            });
            continue;
        }
        kept.push(CheckedClaim {
            text: text.to_owned(),
            signals: signals.into_iter().collect(),
        });
    }
    (kept, dropped)
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn numbers_are_read_as_people_write_them() {
        let found = numbers("30% of 1,000 searches, 2.50 and 2.5, on 2026-11-30");
        for n in ["30", "1000", "2.5", "2026", "11"] {
            assert!(found.contains(n), "{n} in {found:?}");
        }
        assert!(numbers("no numbers here.").is_empty());
        // A sentence's full stop is not a decimal point.
        assert!(numbers("It grew 12.").contains("12"));
    }

    #[test]
    fn a_claim_with_valid_citations_and_numbers_is_kept() {
        let (kept, dropped) = check_claims(
            &[claim(
                "Nearly a third of searches (30%) are ready to buy [S1].",
                &["S1"],
            )],
            &evidence(),
        );
        assert!(dropped.is_empty(), "{dropped:?}");
        assert_eq!(kept[0].signals, vec![0]);
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
            matches!(&dropped[0], Dropped::NumberNotInEvidence { number, .. } if number == "45")
        );
        assert!(dropped[1].reason().contains("2.5"));
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
