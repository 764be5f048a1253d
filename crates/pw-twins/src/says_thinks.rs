//! An interview answer split into what the twin says to the interviewer and what it thinks.
//! Small models write the two labels loosely ("**Says:**", "- thinks -", either order), so the
//! parse is lenient about their form and strict about their content: a reply with nothing said
//! is an error (recorded as a non-response), and a reply without a thought keeps `thinks` empty
//! rather than inventing one.

/// The two halves of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaysThinks {
    pub says: String,
    /// `None` when the reply gave no inner thought.
    pub thinks: Option<String>,
}

/// How far what a twin thinks is from what it says, for the interview's divergence view:
/// the share of content words they share (Jaccard), and whether the thought turns against the
/// words (a contrast or a reservation the answer did not voice).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Gap {
    pub overlap: f64,
    /// Words in the thought that mark a reservation ("but", "actually", "worried").
    pub reservations: Vec<String>,
    /// The thought shares little with the answer, or holds a reservation the answer lacks.
    pub diverges: bool,
}

/// Below this share of shared words, a thought is about something the answer left out.
pub const LOW_OVERLAP: f64 = 0.2;

const RESERVATIONS: [&str; 16] = [
    "but",
    "actually",
    "honestly",
    "really",
    "though",
    "however",
    "worried",
    "worry",
    "doubt",
    "skeptical",
    "expensive",
    "annoying",
    "hate",
    "never",
    "wish",
    "pretend",
];

fn content_words(text: &str) -> std::collections::BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect()
}

/// The gap between an answer and its thought (`None` without a thought).
pub fn gap(says: &str, thinks: Option<&str>) -> Option<Gap> {
    let thinks = thinks?.trim();
    if thinks.is_empty() {
        return None;
    }
    let (said, thought) = (content_words(says), content_words(thinks));
    let union = said.union(&thought).count();
    let overlap = if union == 0 {
        0.0
    } else {
        said.intersection(&thought).count() as f64 / union as f64
    };
    let words: Vec<String> = thinks
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .collect();
    let spoken: Vec<String> = says
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .collect();
    let mut reservations: Vec<String> = RESERVATIONS
        .iter()
        .filter(|r| words.iter().any(|w| w == *r) && !spoken.iter().any(|w| w == *r))
        .map(|r| (*r).to_owned())
        .collect();
    reservations.dedup();
    Some(Gap {
        diverges: overlap < LOW_OVERLAP || !reservations.is_empty(),
        overlap,
        reservations,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("the answer says nothing to the interviewer")]
    NothingSaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Says,
    Thinks,
}

/// The words that open a half, compared without case (ASCII only: a byte count taken from a
/// lowercased copy could cut the original inside a character).
const LABELS: [(&str, Label); 5] = [
    ("says", Label::Says),
    ("say", Label::Says),
    ("thinks", Label::Thinks),
    ("thoughts", Label::Thinks),
    ("thought", Label::Thinks),
];

/// Splits a reply. Labels are found wherever they stand: at the start of a line, alone on a
/// line ("**Says**"), in brackets ("[Thinks]"), or inside a line ("Says: … Thinks: …"). Text
/// before the first label is what the twin said; without any label, the whole reply is.
pub fn split(reply: &str) -> Result<SaysThinks, SplitError> {
    let mut says: Vec<&str> = Vec::new();
    let mut thinks: Vec<&str> = Vec::new();
    let mut current = Label::Says;
    let mut rest = reply;
    while let Some((start, end, label)) = next_label(rest) {
        push(&rest[..start], current, &mut says, &mut thinks);
        current = label;
        rest = &rest[end..];
    }
    push(rest, current, &mut says, &mut thinks);
    let says = unquoted(&says.join(" "));
    if says.is_empty() {
        return Err(SplitError::NothingSaid);
    }
    let thinks = unquoted(&thinks.join(" "));
    Ok(SaysThinks {
        says,
        thinks: (!thinks.is_empty()).then_some(thinks),
    })
}

fn push<'a>(text: &'a str, label: Label, says: &mut Vec<&'a str>, thinks: &mut Vec<&'a str>) {
    let text = text.trim_matches(|c: char| c.is_whitespace() || "-*_#>".contains(c));
    if text.is_empty() {
        return;
    }
    match label {
        Label::Says => says.push(text),
        Label::Thinks => thinks.push(text),
    }
}

/// The first label in `text`: its byte range (markup around it included) and which it is. A
/// label is one of [`LABELS`] as a whole word, optionally wrapped in `*`, `_`, `[`, `]` or `(`
/// `)` (with words inside brackets, as in "Thinks (to myself)"), and followed by `:`, a dash, or
/// the end of its line. "Saying", "says that" and "what she thought was" are not labels.
fn next_label(text: &str) -> Option<(usize, usize, Label)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let word_start = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        if word_start
            && placed_as_label(bytes, at)
            && let Some((length, label)) = label_at(&bytes[at..])
        {
            let after_word = at + length;
            if let Some(end) = label_end(bytes, after_word) {
                let start = markup_start(bytes, at);
                return Some((start, end, label));
            }
        }
        at += 1;
    }
    None
}

/// Whether a word at `at` stands where a label does: first on its line (after markup), marked
/// ("**Thinks**", "[Says]"), or capitalised inside a line ("… Thinks: …"). "As they say: buy
/// local" is a sentence, not a label.
fn placed_as_label(bytes: &[u8], at: usize) -> bool {
    let line_start = bytes[..at]
        .iter()
        .rev()
        .take_while(|&&b| b != b'\n')
        .all(|&b| {
            matches!(
                b,
                b' ' | b'\t' | b'-' | b'*' | b'_' | b'#' | b'>' | b'[' | b'('
            )
        });
    let marked = at > 0 && matches!(bytes[at - 1], b'*' | b'_' | b'[' | b'(');
    line_start || marked || bytes[at].is_ascii_uppercase()
}

fn label_at(bytes: &[u8]) -> Option<(usize, Label)> {
    LABELS.iter().find_map(|(word, label)| {
        let candidate = bytes.get(..word.len())?;
        let whole = bytes
            .get(word.len())
            .is_none_or(|next| !next.is_ascii_alphanumeric());
        (candidate.eq_ignore_ascii_case(word.as_bytes()) && whole).then_some((word.len(), *label))
    })
}

/// Where a label that ends its word at `at` ends with its separator, if what follows makes it
/// a label: markup, an optional bracketed aside, then `:`, a dash, or the end of the line.
fn label_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    let skip_markup = |at: &mut usize| {
        while *at < bytes.len() && matches!(bytes[*at], b'*' | b'_' | b']' | b')' | b' ' | b'\t') {
            *at += 1;
        }
    };
    skip_markup(&mut at);
    // "Thinks (to myself):"
    if bytes.get(at) == Some(&b'(') {
        let close = bytes[at..].iter().position(|&b| b == b')' || b == b'\n')?;
        if bytes[at + close] != b')' {
            return None;
        }
        at += close + 1;
        skip_markup(&mut at);
    }
    match bytes.get(at) {
        None | Some(b'\n') | Some(b'\r') => Some(at),
        Some(b':') | Some(b'-') => {
            at += 1;
            skip_markup(&mut at);
            Some(at)
        }
        // An em or en dash (three bytes in UTF-8, both starting E2 80).
        Some(0xE2)
            if bytes.get(at + 1) == Some(&0x80)
                && matches!(bytes.get(at + 2), Some(0x93 | 0x94)) =>
        {
            at += 3;
            skip_markup(&mut at);
            Some(at)
        }
        _ => None,
    }
}

/// Where the markup before a label starts ("**", "[", "- "), so it is not left in the text.
fn markup_start(bytes: &[u8], mut at: usize) -> usize {
    while at > 0 && matches!(bytes[at - 1], b'*' | b'_' | b'[' | b'(') {
        at -= 1;
    }
    at
}

/// The half as one line of text: whitespace runs (line breaks included) become one space, and
/// quotes around the whole are dropped.
fn unquoted(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    text.trim_matches(|c| matches!(c, '"' | '“' | '”'))
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thought_with_a_reservation_the_answer_hides_diverges() {
        let gap = gap(
            "I love the gift box, it looks great.",
            Some("Honestly it seems expensive for what it is."),
        )
        .unwrap();
        assert!(gap.diverges);
        assert_eq!(gap.reservations, ["honestly", "expensive"]);
        let close = super::gap(
            "The gift box looks great for my dad.",
            Some("The gift box would suit my dad."),
        )
        .unwrap();
        assert!(!close.diverges, "{close:?}");
        assert!(close.overlap >= LOW_OVERLAP);
        assert_eq!(super::gap("Fine.", None), None);
        assert_eq!(super::gap("Fine.", Some("  ")), None);
    }

    fn split_ok(reply: &str) -> SaysThinks {
        split(reply).expect("a reply that says something")
    }

    #[test]
    fn labelled_halves_in_either_order_and_any_markup() {
        assert_eq!(
            split_ok("Says: I love the Sunday roast.\nThinks: It is a bit pricey, honestly."),
            SaysThinks {
                says: "I love the Sunday roast.".into(),
                thinks: Some("It is a bit pricey, honestly.".into()),
            }
        );
        assert_eq!(
            split_ok("**Thinks:** Too sweet for me.\n**Says:** \"It's nice!\""),
            SaysThinks {
                says: "It's nice!".into(),
                thinks: Some("Too sweet for me.".into()),
            }
        );
        assert_eq!(
            split_ok(
                "- SAYS — Delivery was fine.\n  and quick\n- thinks - I'd switch for a discount"
            ),
            SaysThinks {
                says: "Delivery was fine. and quick".into(),
                thinks: Some("I'd switch for a discount".into()),
            }
        );
    }

    #[test]
    fn an_unlabelled_reply_is_all_said_and_no_thought_is_invented() {
        assert_eq!(
            split_ok("I buy beans every two weeks."),
            SaysThinks {
                says: "I buy beans every two weeks.".into(),
                thinks: None,
            }
        );
        // Text before a lone thought label is what was said.
        assert_eq!(
            split_ok("Sounds good to me.\nThinks: I will never use it."),
            SaysThinks {
                says: "Sounds good to me.".into(),
                thinks: Some("I will never use it.".into()),
            }
        );
    }

    #[test]
    fn words_that_merely_start_like_a_label_are_not_one() {
        assert_eq!(
            split_ok("Saying this plainly: the bag tears.").says,
            "Saying this plainly: the bag tears."
        );
    }

    #[test]
    fn labels_inside_a_line_alone_on_a_line_or_in_brackets_are_found() {
        assert_eq!(
            split_ok("Says: I love it. Thinks: too pricey."),
            SaysThinks {
                says: "I love it.".into(),
                thinks: Some("too pricey.".into()),
            }
        );
        assert_eq!(
            split_ok("**Says**\nI love it.\n### Thinks\nIt costs too much."),
            SaysThinks {
                says: "I love it.".into(),
                thinks: Some("It costs too much.".into()),
            }
        );
        assert_eq!(
            split_ok("[Says]: Sure, I'd try it. [Thinks (to myself)]: Probably not."),
            SaysThinks {
                says: "Sure, I'd try it.".into(),
                thinks: Some("Probably not.".into()),
            }
        );
        assert_eq!(
            split_ok("Say: Fine.\nThought — meh."),
            SaysThinks {
                says: "Fine.".into(),
                thinks: Some("meh.".into()),
            }
        );
        // Text before a Says label is kept, not dropped.
        assert_eq!(
            split_ok("Well.\nSays: I'd buy it.\nThinks: maybe").says,
            "Well. I'd buy it."
        );
    }

    #[test]
    fn words_that_are_not_labels_stay_text_and_odd_characters_never_panic() {
        let said = "She says that what she thought was fine; as they say: buy local.";
        assert_eq!(split_ok(said).says, said);
        assert_eq!(split_ok(said).thinks, None);
        // The Kelvin sign lowercases to an ASCII k of another length: no label, no panic.
        let kelvin = "THIN\u{212A}S: x";
        assert_eq!(split_ok(kelvin).says, kelvin);
        assert_eq!(split_ok("Thinks: café ☕\nSays: déjà vu").says, "déjà vu");
    }

    #[test]
    fn nothing_said_is_an_error_not_an_empty_answer() {
        assert_eq!(split("   "), Err(SplitError::NothingSaid));
        assert_eq!(
            split("Says:\nThinks: whatever"),
            Err(SplitError::NothingSaid)
        );
    }
}
