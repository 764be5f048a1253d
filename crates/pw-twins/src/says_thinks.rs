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

/// Splits a reply. Without any label, the whole reply is what the twin says.
pub fn split(reply: &str) -> Result<SaysThinks, SplitError> {
    let mut says: Vec<&str> = Vec::new();
    let mut thinks: Vec<&str> = Vec::new();
    let mut current: Option<Label> = None;
    let mut unlabelled: Vec<&str> = Vec::new();
    for line in reply.lines() {
        let (label, rest) = match labelled(line) {
            Some((label, rest)) => (Some(label), rest),
            None => (None, line),
        };
        if label.is_some() {
            current = label;
        }
        let rest = rest.trim();
        if rest.is_empty() {
            continue;
        }
        match current {
            Some(Label::Says) => says.push(rest),
            Some(Label::Thinks) => thinks.push(rest),
            None => unlabelled.push(rest),
        }
    }
    if says.is_empty() && thinks.is_empty() {
        says = unlabelled;
    } else if says.is_empty() {
        // Text before the first label is what the twin said, when only a thought was labelled.
        says = unlabelled;
    }
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

/// A line's label and the text after it: "Says:", "**Thinks:**", "- says -", "THINKS —".
fn labelled(line: &str) -> Option<(Label, &str)> {
    let trimmed = line.trim_start_matches(|c: char| c.is_whitespace() || "-*_#>".contains(c));
    let lower = trimmed.to_lowercase();
    let (label, length) = if lower.starts_with("says") {
        (Label::Says, "says".len())
    } else if lower.starts_with("thinks") {
        (Label::Thinks, "thinks".len())
    } else {
        return None;
    };
    let rest = &trimmed[length..];
    let after = rest.trim_start_matches(|c: char| c.is_whitespace() || "*_".contains(c));
    let separator = after.chars().next()?;
    if !matches!(separator, ':' | '-' | '—' | '–') {
        return None;
    }
    let rest = &after[separator.len_utf8()..];
    Some((
        label,
        rest.trim_start_matches(|c: char| c.is_whitespace() || "*_".contains(c)),
    ))
}

fn unquoted(text: &str) -> String {
    text.trim()
        .trim_matches(|c| matches!(c, '"' | '“' | '”'))
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn nothing_said_is_an_error_not_an_empty_answer() {
        assert_eq!(split("   "), Err(SplitError::NothingSaid));
        assert_eq!(
            split("Says:\nThinks: whatever"),
            Err(SplitError::NothingSaid)
        );
    }
}
