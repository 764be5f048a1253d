//! How long a turn may be. People in focus groups speak in short turns (a median of about 49
//! words); synthetic participants run to about 240 (`../shared/reference/synthetic-research.md`
//! §5). A twin's cap comes from its own voice (its typical turn length), kept within 20 to 80
//! words, and a turn that runs over is cut at its last full sentence.

pub const MIN_WORDS: u32 = 20;
pub const MAX_WORDS: u32 = 80;

/// The most words a twin says in one turn, from its typical turn length.
pub fn word_cap(typical_words: u32) -> u32 {
    typical_words.clamp(MIN_WORDS, MAX_WORDS)
}

/// Tokens to allow the model for a turn of `cap` words: English runs about 1.3 tokens a word,
/// allowed 1.4 plus 16, so the model can finish the sentence it is in, which [`trim`] then
/// keeps or cuts.
pub fn max_tokens(cap: u32) -> u32 {
    cap.saturating_mul(14).div_ceil(10).saturating_add(16)
}

/// How the model stopped writing a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// It finished on its own.
    Finished,
    /// It ran into its token allowance (finish reason "length"), or was stopped because the
    /// turn went over its cap: its last sentence may be unfinished.
    Cut,
}

/// Whether a turn being streamed has gone over its cap, so its generation can be stopped (it
/// is then trimmed with [`Ending::Cut`], and the stored text replaces what was shown).
pub fn over_cap(streamed: &str, cap: u32) -> bool {
    words(streamed) > cap.max(1)
}

/// The turn within `cap` words: whole when it fits and the model finished it; otherwise up to
/// the last sentence that ends within the cap, or, when no sentence ends in its first half, cut
/// at the cap (or where the model stopped) and marked with an ellipsis so nobody reads it as a
/// complete thought.
pub fn trim(text: &str, cap: u32, ending: Ending) -> String {
    let text = text.trim();
    // A cap of 0 is read as 1: a turn keeps at least a word (and cutting at word 0 would not).
    let cap = usize::try_from(cap.max(1)).unwrap_or(usize::MAX);
    let words: Vec<(usize, &str)> = text
        .split_whitespace()
        .map(|word| (word.as_ptr() as usize - text.as_ptr() as usize, word))
        .collect();
    let complete = ending == Ending::Finished || text.ends_with(['.', '!', '?', '"', '”', ')']);
    if words.len() <= cap && complete {
        return text.to_owned();
    }
    let kept = &words[..cap.min(words.len())];
    if kept.is_empty() {
        return String::new();
    }
    let cap = kept.len();
    let sentence_end = kept
        .iter()
        .enumerate()
        .rev()
        .find(|(_, (_, word))| word.ends_with(['.', '!', '?']))
        .map(|(index, _)| index);
    match sentence_end {
        Some(index) if index + 1 >= cap / 2 => {
            let (start, word) = kept[index];
            text[..start + word.len()].to_owned()
        }
        _ => {
            let (start, word) = kept[cap - 1];
            format!(
                "{}…",
                text[..start + word.len()].trim_end_matches([',', ';', ':'])
            )
        }
    }
}

/// Words in a turn, as the cap counts them.
pub fn words(text: &str) -> u32 {
    u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_follow_the_voice_within_bounds() {
        assert_eq!(word_cap(45), 45);
        assert_eq!(word_cap(5), 20);
        assert_eq!(word_cap(300), 80);
        assert_eq!(max_tokens(50), 86);
        assert_eq!(max_tokens(20), 44);
    }

    #[test]
    fn a_cap_of_zero_keeps_one_word_and_multibyte_text_is_cut_on_characters() {
        assert_eq!(
            trim("Café crème, s'il vous plaît", 0, Ending::Finished),
            "Café…"
        );
        assert_eq!(
            trim("Très bon café. Un peu cher pour moi.", 4, Ending::Finished),
            "Très bon café."
        );
        // No overflow, however large the cap.
        assert_eq!(max_tokens(u32::MAX), u32::MAX.div_ceil(10) + 16);
    }

    #[test]
    fn a_turn_the_model_was_stopped_in_ends_at_its_last_whole_sentence() {
        let cut = "I like the roast a lot and I would buy it again. The bag is hard to";
        assert_eq!(
            trim(cut, 40, Ending::Cut),
            "I like the roast a lot and I would buy it again."
        );
        // A full sentence only in the first half is not worth cutting back to.
        assert_eq!(
            trim(
                "I like it. The bag, though, is really hard to",
                40,
                Ending::Cut
            ),
            "I like it. The bag, though, is really hard to…"
        );
        // No sentence ends early enough: kept, and marked as unfinished.
        assert_eq!(
            trim("I think the price is", 40, Ending::Cut),
            "I think the price is…"
        );
        // Stopped right after a full stop: nothing is missing.
        assert_eq!(trim("Fine by me.", 40, Ending::Cut), "Fine by me.");
        assert!(over_cap("one two three", 2));
        assert!(!over_cap("one two", 2));
    }

    #[test]
    fn a_turn_that_fits_is_kept_whole() {
        assert_eq!(
            trim("  I buy the beans on Sunday.  ", 20, Ending::Finished),
            "I buy the beans on Sunday."
        );
    }

    #[test]
    fn a_long_turn_ends_at_its_last_whole_sentence_within_the_cap() {
        let text = "I like it. The price is fair for what you get. But shipping took forever and nobody told me why.";
        // Cap 12: "I like it. The price is fair for what you get." is 11 words.
        assert_eq!(
            trim(text, 12, Ending::Finished),
            "I like it. The price is fair for what you get."
        );
        assert_eq!(words(&trim(text, 12, Ending::Finished)), 11);
    }

    #[test]
    fn with_no_early_sentence_end_the_turn_is_cut_and_marked() {
        let text = "Honestly, the thing about this brand, and I've said it before, is the smell when you open the bag";
        assert_eq!(
            trim(text, 8, Ending::Finished),
            "Honestly, the thing about this brand, and I've…"
        );
        // A sentence ending in the first half is not worth cutting back to.
        assert_eq!(
            trim(
                "Sure. I would buy it again if the subscription let me skip months",
                10,
                Ending::Finished
            ),
            "Sure. I would buy it again if the subscription let…"
        );
    }
}
