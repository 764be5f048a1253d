//! Search intent, IO-free: the class a search term belongs to when the platform did not say,
//! and the shift of intent shares between two periods.

use crate::statistics::{Rate, two_proportion_test};

/// Why people search: the four classes of the search-marketing literature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Intent {
    /// Wants to know ("how to brew cold brew").
    Informational,
    /// Wants a specific site ("halcyon roasters login").
    Navigational,
    /// Compares before buying ("best coffee subscription").
    Commercial,
    /// Ready to buy ("buy ethiopian coffee beans").
    Transactional,
}

impl Intent {
    pub const ALL: [Intent; 4] = [
        Intent::Informational,
        Intent::Navigational,
        Intent::Commercial,
        Intent::Transactional,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Informational => "informational",
            Intent::Navigational => "navigational",
            Intent::Commercial => "commercial",
            Intent::Transactional => "transactional",
        }
    }

    pub fn parse(text: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|i| i.as_str() == text)
    }
}

const TRANSACTIONAL: &[&str] = &[
    "buy",
    "order",
    "price",
    "prices",
    "cheap",
    "coupon",
    "discount",
    "code",
    "deal",
    "deals",
    "sale",
    "shop",
    "subscribe",
    "subscription",
    "delivery",
    "shipping",
    "near me",
];
const COMMERCIAL: &[&str] = &[
    "best",
    "top",
    "review",
    "reviews",
    "vs",
    "versus",
    "compare",
    "comparison",
    "alternative",
    "alternatives",
    "worth",
];
const INFORMATIONAL: &[&str] = &[
    "how", "what", "why", "when", "where", "who", "guide", "recipe", "tutorial", "tips", "ratio",
    "does", "is", "can",
];
const NAVIGATIONAL: &[&str] = &["login", "log in", "sign in", "account", "website", "app"];

/// The intent of `term` by its words, for terms a platform reported without one. `brand` names
/// (lowercase) make a term navigational when nothing else decides it ("halcyon roasters").
/// Rules are checked from the strongest purchase signal down, so "best coffee deals" is
/// transactional, as a searcher holding a coupon is closer to buying than one comparing.
pub fn classify(term: &str, brand: &[&str]) -> Intent {
    let lower = term.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |list: &[&str]| {
        list.iter().any(|cue| {
            if cue.contains(' ') {
                lower.contains(cue)
            } else {
                words.contains(cue)
            }
        })
    };
    if has(NAVIGATIONAL) {
        Intent::Navigational
    } else if has(TRANSACTIONAL) {
        Intent::Transactional
    } else if has(COMMERCIAL) {
        Intent::Commercial
    } else if has(INFORMATIONAL) {
        Intent::Informational
    } else if brand.iter().any(|b| !b.is_empty() && lower.contains(b)) {
        Intent::Navigational
    } else {
        Intent::Informational
    }
}

/// A change in the share of searches of one intent between two periods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IntentShift {
    pub intent: Intent,
    pub before: Rate,
    pub after: Rate,
    /// The change in share: 0.15 is fifteen points more of all searches. A share can rise from
    /// or fall to nothing, where a relative lift would be undefined or total.
    pub change: f64,
    /// Two-sided p-value of the two-proportion test.
    pub p_value: f64,
}

/// The shift in `intent`'s share of search volume from `before` (volume of the intent, total
/// volume) to `after`. `None` when either period has no searches or nothing varies.
pub fn shift(intent: Intent, before: (f64, f64), after: (f64, f64)) -> Option<IntentShift> {
    let before = Rate::wilson(before.0, before.1)?;
    let after = Rate::wilson(after.0, after.1)?;
    let (_, p_value) = two_proportion_test(after, before)?;
    Some(IntentShift {
        intent,
        before,
        after,
        change: after.estimate - before.estimate,
        p_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_classed_by_their_words() {
        let brand = ["halcyon"];
        assert_eq!(
            classify("halcyon roasters login", &brand),
            Intent::Navigational
        );
        assert_eq!(classify("Halcyon Roasters", &brand), Intent::Navigational);
        assert_eq!(
            classify("halcyon discount code", &brand),
            Intent::Transactional
        );
        assert_eq!(
            classify("buy ethiopian coffee beans", &brand),
            Intent::Transactional
        );
        assert_eq!(
            classify("coffee delivery near me", &brand),
            Intent::Transactional
        );
        assert_eq!(
            classify("best coffee subscription", &brand),
            Intent::Transactional
        );
        assert_eq!(
            classify("best pour over kettle", &brand),
            Intent::Commercial
        );
        assert_eq!(classify("chemex vs v60", &brand), Intent::Commercial);
        assert_eq!(
            classify("how to make cold brew", &brand),
            Intent::Informational
        );
        assert_eq!(classify("cold brew ratio", &brand), Intent::Informational);
        assert_eq!(classify("espresso beans", &brand), Intent::Informational);
    }

    #[test]
    fn a_growing_share_is_a_significant_shift() {
        // Transactional searches: 300 of 2,000 before, 450 of 2,000 after.
        let shift =
            shift(Intent::Transactional, (300.0, 2_000.0), (450.0, 2_000.0)).expect("variation");
        assert!((shift.change - 0.075).abs() < 1e-12);
        assert!(shift.p_value < 1e-6);
        assert!(self::shift(Intent::Commercial, (0.0, 0.0), (5.0, 10.0)).is_none());
    }

    #[test]
    fn a_share_rising_from_nothing_or_falling_to_nothing_is_a_shift() {
        let appeared =
            shift(Intent::Commercial, (0.0, 2_000.0), (120.0, 2_000.0)).expect("variation");
        assert!((appeared.change - 0.06).abs() < 1e-12);
        assert!(appeared.p_value < 1e-6);
        let gone =
            shift(Intent::Navigational, (600.0, 2_000.0), (0.0, 2_000.0)).expect("variation");
        assert!((gone.change + 0.3).abs() < 1e-12);
        assert!(gone.p_value < 1e-6);
    }

    #[test]
    fn names_round_trip() {
        for intent in Intent::ALL {
            assert_eq!(Intent::parse(intent.as_str()), Some(intent));
        }
        assert_eq!(Intent::parse("shopping"), None);
    }
}
