//! How a twin's first memories are grounded, without IO: which of an audience's signals can
//! anchor a twin (and on what facet, with what weight), how important each is to the twin, and
//! which memories a model wrote from them can be kept.
//!
//! A model is shown the twin's anchors as handles (`S1`, `S2`, …) and writes one first-person
//! memory per anchor, naming its handle. A memory is kept only if it names a handle it was
//! shown, says something, and states no figure its signal does not state (a twin that
//! "remembers" a 40% discount the data never showed would be invented evidence). An anchor left
//! without a kept memory gets its signal's own statement as the memory, marked as written by the
//! evidence, so every twin has one memory per anchor whatever the model did.

use crate::casting::Anchor;
use crate::vocabulary::Fragment;

/// An adjusted p-value (q) above this is not evidence a twin should be built on.
pub const MAX_Q_VALUE: f64 = 0.05;
/// Anchors kept per facet, and in all: the strongest, so casting stays fast and each facet's
/// few real differences are not drowned by its long tail.
pub const ANCHORS_PER_FACET: usize = 8;
pub const MAX_ANCHORS: usize = 40;
/// Characters in one memory.
pub const MAX_MEMORY_CHARS: usize = 300;

/// A live signal as casting needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalFacts {
    pub id: String,
    /// `behavior`, `intent` or `mention_theme`.
    pub kind: String,
    /// The signal's key (`placement/tiktok_feed/cvr`, `intent/transactional`, `theme/…`).
    pub key: String,
    pub strength: f64,
    pub support_share: Option<f64>,
    pub q_value: Option<f64>,
}

/// The facet a signal speaks to, or `None` for one no twin is cast on (the audience's own
/// description, which every twin of it shares as its demographic memory).
pub fn facet_of(kind: &str, key: &str) -> Option<&'static str> {
    let head = key.split('/').next().unwrap_or("");
    match (kind, head) {
        ("behavior", "profile") => None,
        ("behavior", "creative" | "message") => Some("creative"),
        ("behavior", "placement") => Some("placement"),
        ("behavior", "device") => Some("device"),
        ("behavior", "daypart") => Some("daypart"),
        ("behavior", _) => Some("behavior"),
        ("intent", _) => Some("intent"),
        ("mention_theme", _) => Some("theme"),
        _ => None,
    }
}

/// The kind of memory an anchor of this facet becomes.
pub fn fragment_of(facet: &str) -> Fragment {
    match facet {
        "creative" => Fragment::Brand,
        "placement" | "device" | "daypart" => Fragment::Media,
        "intent" => Fragment::Intent,
        "theme" => Fragment::Mention,
        _ => Fragment::Behavior,
    }
}

/// How much of the audience a signal speaks for: its support share where it has one, else the
/// size of its effect, never below a hundredth so a rare but real finding can still be cast.
pub fn weight_of(signal: &SignalFacts) -> f64 {
    let weight = signal
        .support_share
        .unwrap_or_else(|| signal.strength.abs().min(1.0));
    if weight.is_finite() {
        weight.max(0.01)
    } else {
        0.01
    }
}

/// Importance 1-10 (Generative Agents' scale) of a memory grounded in this signal: a larger
/// effect or a larger share of the audience matters more to the twin.
pub fn importance_of(signal: &SignalFacts) -> u8 {
    let size = signal
        .strength
        .abs()
        .min(1.0)
        .max(weight_of(signal).min(1.0));
    (3.0 + (size * 6.0).round()).clamp(1.0, 9.0) as u8
}

/// The signals a twin can be cast on, as anchors: significant ones only, the strongest few per
/// facet, at most [`MAX_ANCHORS`], in a stable order (by id) so a seed always casts the same.
pub fn anchors_of(signals: &[SignalFacts]) -> Vec<Anchor> {
    let mut candidates: Vec<(&'static str, &SignalFacts)> = signals
        .iter()
        .filter(|s| s.q_value.is_none_or(|q| q <= MAX_Q_VALUE))
        .filter_map(|s| facet_of(&s.kind, &s.key).map(|facet| (facet, s)))
        .collect();
    candidates.sort_by(|a, b| {
        a.0.cmp(b.0)
            .then(weight_of(b.1).total_cmp(&weight_of(a.1)))
            .then(a.1.id.cmp(&b.1.id))
    });
    let mut kept: Vec<(&'static str, &SignalFacts)> = Vec::new();
    for (facet, signal) in candidates {
        if kept.iter().filter(|(f, _)| *f == facet).count() < ANCHORS_PER_FACET {
            kept.push((facet, signal));
        }
    }
    kept.sort_by(|a, b| {
        weight_of(b.1)
            .total_cmp(&weight_of(a.1))
            .then(a.1.id.cmp(&b.1.id))
    });
    kept.truncate(MAX_ANCHORS);
    kept.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    kept.into_iter()
        .map(|(facet, signal)| Anchor {
            id: signal.id.clone(),
            facet: facet.to_owned(),
            weight: weight_of(signal),
        })
        .collect()
}

/// The figures in a text: runs of digits with their decimal point ("2.6", "115,687" → "115687").
pub fn figures(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let inside_number = |j: usize| chars.get(j).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() {
            current.push(c);
        } else if (c == '.' || c == ',') && !current.is_empty() && inside_number(i + 1) {
            if c == '.' {
                current.push('.');
            }
        } else if !current.is_empty() {
            found.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        found.push(current);
    }
    found
}

/// The text with handles (`S1`, `s12`) left out: a model that names the handle it cites has
/// not stated a figure.
fn without_handles(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut kept = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_word = i == 0 || !chars[i - 1].is_alphanumeric();
        if starts_word && (chars[i] == 'S' || chars[i] == 's') {
            let digits = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            let ends_word = chars
                .get(i + 1 + digits)
                .is_none_or(|c| !c.is_alphanumeric());
            if digits > 0 && ends_word {
                i += 1 + digits;
                continue;
            }
        }
        kept.push(chars[i]);
        i += 1;
    }
    kept
}

/// Whether a profile line a model wrote only echoes its prompt rather than describing a person:
/// it names a handle or the whole-workspace mark, or it is a piece of one of the evidence
/// statements. Small models copy their input into fields they cannot fill.
pub fn echoes_evidence(text: &str, statements: &[String]) -> bool {
    let lower = text.trim().to_lowercase();
    if lower.is_empty() {
        return false;
    }
    if without_handles(text) != text || lower.contains("[whole workspace]") {
        return true;
    }
    // Three words copied, or two that open a statement ("The device Mobile", "Coffee culture
    // 18-34"); a theme's two-word name ("slow shipping") is what the person talks about.
    let words = lower.split_whitespace().count();
    statements.iter().any(|statement| {
        let statement = statement.to_lowercase();
        (words >= 3 && statement.contains(&lower)) || (words == 2 && statement.starts_with(&lower))
    })
}

/// A memory a model wrote for one of the handles it was shown.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftMemory {
    pub cites: String,
    pub text: String,
}

/// Why a drafted memory was not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    UnknownHandle(String),
    Empty,
    TooLong,
    /// A figure the cited signal does not state.
    Figure {
        handle: String,
        figure: String,
    },
    /// A second memory for a handle that already has one.
    Repeat(String),
}

/// The handle of the anchor at `index` as the model is shown it.
pub fn handle(index: usize) -> String {
    format!("S{}", index + 1)
}

/// For each shown statement (by handle order), the kept memory's text, or `None` where the
/// model gave nothing that could be kept (the caller then uses the statement itself); and why
/// each refused draft was refused.
pub fn keep_grounded(
    drafts: &[DraftMemory],
    statements: &[String],
) -> (Vec<Option<String>>, Vec<Refused>) {
    let mut kept: Vec<Option<String>> = vec![None; statements.len()];
    let mut refused = Vec::new();
    for draft in drafts {
        let cited = draft
            .cites
            .trim()
            .trim_matches(['[', ']', '"'])
            .to_uppercase();
        let Some(index) = (0..statements.len()).find(|&i| handle(i) == cited) else {
            refused.push(Refused::UnknownHandle(draft.cites.clone()));
            continue;
        };
        let text = draft.text.trim();
        if text.is_empty() {
            refused.push(Refused::Empty);
            continue;
        }
        if text.chars().count() > MAX_MEMORY_CHARS {
            refused.push(Refused::TooLong);
            continue;
        }
        let stated = figures(&statements[index]);
        if let Some(figure) = figures(&without_handles(text))
            .into_iter()
            .find(|f| !stated.contains(f))
        {
            refused.push(Refused::Figure {
                handle: cited,
                figure,
            });
            continue;
        }
        if kept[index].is_some() {
            refused.push(Refused::Repeat(cited));
            continue;
        }
        kept[index] = Some(text.to_owned());
    }
    (kept, refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(id: &str, kind: &str, key: &str, strength: f64, share: Option<f64>) -> SignalFacts {
        SignalFacts {
            id: id.into(),
            kind: kind.into(),
            key: key.into(),
            strength,
            support_share: share,
            q_value: Some(0.001),
        }
    }

    #[test]
    fn signals_map_to_facets_and_the_audience_description_anchors_no_one() {
        assert_eq!(facet_of("behavior", "profile"), None);
        assert_eq!(facet_of("behavior", "creative/abc/ctr"), Some("creative"));
        assert_eq!(
            facet_of("behavior", "message/brew better/cvr"),
            Some("creative")
        );
        assert_eq!(facet_of("behavior", "daypart/night/ctr"), Some("daypart"));
        assert_eq!(facet_of("behavior", "reported/xyz"), Some("behavior"));
        assert_eq!(
            facet_of("intent", "intent-shift/transactional"),
            Some("intent")
        );
        assert_eq!(facet_of("mention_theme", "theme/88b9"), Some("theme"));
        assert_eq!(fragment_of("device"), Fragment::Media);
        assert_eq!(fragment_of("theme"), Fragment::Mention);
    }

    #[test]
    fn insignificant_signals_are_left_out_and_each_facet_keeps_its_strongest() {
        let mut signals: Vec<SignalFacts> = (0..12)
            .map(|i| {
                signal(
                    &format!("c{i:02}"),
                    "behavior",
                    &format!("creative/{i}/ctr"),
                    0.5,
                    Some(0.01 * (i + 1) as f64),
                )
            })
            .collect();
        let mut weak = signal("d1", "behavior", "device/desktop/cvr", 0.9, Some(0.5));
        weak.q_value = Some(0.2);
        signals.push(weak);
        signals.push(signal("t1", "mention_theme", "theme/a", 0.2, Some(0.2)));
        signals.push(signal("p", "behavior", "profile", 1.0, None));
        let anchors = anchors_of(&signals);
        let ids: Vec<&str> = anchors.iter().map(|a| a.id.as_str()).collect();
        // The 8 creatives with the largest shares (c04..c11), the theme; not the weak device
        // finding nor the audience's description. In id order.
        assert_eq!(
            ids,
            ["c04", "c05", "c06", "c07", "c08", "c09", "c10", "c11", "t1"]
        );
        assert_eq!(anchors[8].facet, "theme");
        assert!((anchors[0].weight - 0.05).abs() < 1e-12);
    }

    #[test]
    fn importance_grows_with_the_effect_and_the_share() {
        assert_eq!(
            importance_of(&signal("a", "behavior", "device/x/ctr", 0.05, Some(0.02))),
            3
        );
        assert_eq!(
            importance_of(&signal("a", "behavior", "device/x/ctr", 0.5, Some(0.1))),
            6
        );
        assert_eq!(
            importance_of(&signal("a", "behavior", "device/x/ctr", 0.1, Some(0.96))),
            9
        );
        assert_eq!(
            importance_of(&signal("a", "behavior", "device/x/ctr", 3.2, None)),
            9
        );
    }

    #[test]
    fn figures_are_read_with_their_decimals_and_thousands() {
        assert_eq!(
            figures("a rate of 2.6% on 115,687 clicks, 92% above."),
            ["2.6", "115687", "92"]
        );
        assert_eq!(figures("Theme 2, end."), ["2"]);
        assert_eq!(
            without_handles("As S1 and [s12] say, S1x is 5"),
            "As  and [] say, S1x is 5"
        );
        assert!(figures("no numbers here").is_empty());
    }

    #[test]
    fn profile_lines_that_copy_the_prompt_are_recognised() {
        let statements = vec![
            "The device Mobile trails with Coffee culture 18-34: a conversion rate of 2.5%."
                .to_owned(),
            "The theme “slow shipping” covers 30% of mentions.".to_owned(),
            "Coffee culture 18-34".to_owned(),
        ];
        assert!(!echoes_evidence("slow shipping", &statements));
        assert!(echoes_evidence("The device", &statements));
        assert!(echoes_evidence("The device Mobile", &statements));
        assert!(echoes_evidence("coffee culture 18-34", &statements));
        assert!(echoes_evidence("S2", &statements));
        assert!(echoes_evidence("Objections [whole workspace]", &statements));
        assert!(!echoes_evidence(
            "Scrolls TikTok in the evening",
            &statements
        ));
        assert!(!echoes_evidence("Mobile", &statements));
        assert!(!echoes_evidence("", &statements));
    }

    #[test]
    fn a_memory_is_kept_only_for_a_shown_handle_and_only_with_the_signals_figures() {
        let statements = vec![
            "The placement Tiktok feed wins: a click rate of 1.0% on 13,417,519 impressions, 82% above.".to_owned(),
            "The theme “brew · cold · milk” covers 21% of mentions.".to_owned(),
            "The daypart Night trails.".to_owned(),
        ];
        let drafts = vec![
            DraftMemory {
                cites: "S1".into(),
                text: "I scroll the TikTok feed and click far more there, about 82% more.".into(),
            },
            DraftMemory {
                cites: "[\"s2\"]".into(),
                text: "I talk about cold brew a lot; it's 40% of what I say.".into(),
            },
            DraftMemory {
                cites: "S2".into(),
                text: "Cold brew with milk is my thing.".into(),
            },
            DraftMemory {
                cites: "S2".into(),
                text: "Iced drinks, always.".into(),
            },
            DraftMemory {
                cites: "S9".into(),
                text: "Something else.".into(),
            },
            DraftMemory {
                cites: "S3".into(),
                text: "   ".into(),
            },
        ];
        let (kept, refused) = keep_grounded(&drafts, &statements);
        assert_eq!(
            kept,
            vec![
                Some(
                    "I scroll the TikTok feed and click far more there, about 82% more.".to_owned()
                ),
                Some("Cold brew with milk is my thing.".to_owned()),
                None,
            ]
        );
        assert_eq!(
            refused,
            vec![
                Refused::Figure {
                    handle: "S2".into(),
                    figure: "40".into()
                },
                Refused::Repeat("S2".into()),
                Refused::UnknownHandle("S9".into()),
                Refused::Empty,
            ]
        );
    }
}
