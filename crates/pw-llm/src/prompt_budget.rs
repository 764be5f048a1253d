//! What goes into a twin's prompt when it cannot all fit. The embedded model reads 2,048
//! tokens; a cloud model more, but every token is paid for on every turn, and a focus group's
//! cost grows with the square of its turns when the whole transcript is resent
//! (`../shared/reference/synthetic-research.md` §5). So a prompt is built from parts with a
//! priority (the twin's profile card and the question before its memories, recent turns before
//! older ones), and the parts that fit are kept in their original order.

/// One part of a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// Lower goes in first.
    pub priority: u32,
    pub tokens: u32,
    /// A prompt without it makes no sense (the question, the twin's profile card).
    pub required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    #[error(
        "the prompt needs {needed} tokens for its essential parts but the model reads {budget}"
    )]
    TooSmall { needed: u32, budget: u32 },
}

/// The parts to send, as indices in their original order: every required part, then optional
/// parts by priority (ties to the earlier part) while they fit; a part that does not fit is
/// skipped, and smaller ones after it may still go in.
pub fn fit(parts: &[Part], budget: u32) -> Result<Vec<usize>, BudgetError> {
    let needed = parts
        .iter()
        .filter(|p| p.required)
        .fold(0u32, |sum, p| sum.saturating_add(p.tokens));
    if needed > budget {
        return Err(BudgetError::TooSmall { needed, budget });
    }
    let mut left = budget - needed;
    let mut chosen: Vec<usize> = (0..parts.len()).filter(|&i| parts[i].required).collect();
    let mut optional: Vec<usize> = (0..parts.len()).filter(|&i| !parts[i].required).collect();
    optional.sort_by_key(|&i| (parts[i].priority, i));
    for index in optional {
        if parts[index].tokens <= left {
            left -= parts[index].tokens;
            chosen.push(index);
        }
    }
    chosen.sort_unstable();
    Ok(chosen)
}

/// A cautious token count when the model's own tokenizer is not at hand: English runs about 4
/// characters a token, counted here as 3; any byte outside ASCII counts as a whole token (a
/// byte-level tokenizer's worst case, which accented and CJK text reach); never fewer tokens
/// than words. Over-counting costs a memory left out; under-counting, a prompt the model cuts.
pub fn estimate_tokens(text: &str) -> u32 {
    let ascii = text.bytes().filter(u8::is_ascii).count();
    let other = text.len() - ascii;
    let estimate = ascii.div_ceil(3).saturating_add(other);
    let words = text.split_whitespace().count();
    u32::try_from(estimate.max(words)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(priority: u32, tokens: u32, required: bool) -> Part {
        Part {
            priority,
            tokens,
            required,
        }
    }

    #[test]
    fn required_parts_first_then_by_priority_in_original_order() {
        let parts = [
            part(0, 300, true),  // profile card
            part(5, 400, false), // an old turn
            part(1, 500, false), // the most relevant memory
            part(2, 300, false), // the last turn
            part(0, 100, true),  // the question
        ];
        // 400 required, 600 left: the memory (500) goes in, the last turn (300) no longer fits,
        // the old turn (400) neither.
        assert_eq!(fit(&parts, 1_000), Ok(vec![0, 2, 4]));
        assert_eq!(fit(&parts, 1_300), Ok(vec![0, 2, 3, 4]));
        assert_eq!(fit(&parts, 2_000), Ok(vec![0, 1, 2, 3, 4]));
    }

    #[test]
    fn a_part_too_big_is_skipped_and_smaller_ones_still_go_in() {
        let parts = [part(0, 50, true), part(1, 900, false), part(2, 40, false)];
        assert_eq!(fit(&parts, 100), Ok(vec![0, 2]));
    }

    #[test]
    fn essentials_that_do_not_fit_are_an_error() {
        let parts = [part(0, 1_500, true), part(0, 700, true)];
        assert_eq!(
            fit(&parts, 2_048),
            Err(BudgetError::TooSmall {
                needed: 2_200,
                budget: 2_048
            })
        );
        assert_eq!(fit(&[], 10), Ok(vec![]));
    }

    #[test]
    fn token_estimates_round_up_count_words_at_least_and_every_non_ascii_byte() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("coffee"), 2);
        assert_eq!(estimate_tokens("a b c d e f"), 6);
        assert_eq!(estimate_tokens("I buy beans every two weeks."), 10);
        // "Très" is 3 ASCII bytes and one 2-byte character; "咖啡" two 3-byte characters.
        assert_eq!(estimate_tokens("Très"), 3);
        assert_eq!(estimate_tokens("咖啡"), 6);
    }
}
