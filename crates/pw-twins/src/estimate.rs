//! What a session will cost before it starts: model calls and tokens per kind of call, from
//! the guide (or the questions) and the number of twins. A ceiling-minded estimate, not a
//! quote: every section is assumed to run to its turn budget and every reply to its cap, so
//! the real figure should come in under it. The engine prices the tokens on the models the
//! session would use and shows the study's budget beside it.

use serde::Serialize;

use crate::guide::DiscussionGuide;
use crate::speaking::{HISTORY_TURNS, RECALL_K};
use crate::turn_length;

/// Tokens of a twin's profile card, one recalled memory, one transcript line, and the
/// instructions around them (measured on the demo's twins and rounded up).
const CARD_TOKENS: u64 = 260;
const MEMORY_TOKENS: u64 = 45;
const LINE_TOKENS: u64 = 60;
const INSTRUCTION_TOKENS: u64 = 120;
/// A persona check's answer and an urge or judgement call's.
const CHECK_OUTPUT_TOKENS: u64 = 40;
const SHORT_OUTPUT_TOKENS: u64 = 30;
/// Tokens per participant listed in an urge call.
const LISTED_TWIN_TOKENS: u64 = 40;

/// Calls and tokens by the task that makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Calls {
    pub calls: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl Calls {
    fn add(&mut self, calls: u64, prompt: u64, completion: u64) {
        self.calls += calls;
        self.prompt_tokens += calls * prompt;
        self.completion_tokens += calls * completion;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Estimate {
    pub participant_turns: u64,
    pub moderator_turns: u64,
    /// The twins' replies (`twin_dialogue`).
    pub replies: Calls,
    /// Persona checks (`extraction`).
    pub checks: Calls,
    /// Urge ratings and the moderator's judgements (`moderation`).
    pub moderation: Calls,
    /// Query embeddings for recall (`embeddings`).
    pub embeddings: Calls,
}

impl Estimate {
    pub fn calls(&self) -> u64 {
        self.replies.calls + self.checks.calls + self.moderation.calls + self.embeddings.calls
    }

    pub fn tokens(&self) -> u64 {
        [self.replies, self.checks, self.moderation, self.embeddings]
            .iter()
            .map(|c| c.prompt_tokens + c.completion_tokens)
            .sum()
    }
}

/// One twin's reply and its check, at the longest cap.
fn reply(estimate: &mut Estimate, reply_tokens: u64) {
    let prompt = CARD_TOKENS
        + RECALL_K as u64 * MEMORY_TOKENS
        + HISTORY_TURNS as u64 * LINE_TOKENS
        + INSTRUCTION_TOKENS;
    estimate.replies.add(1, prompt, reply_tokens);
    estimate.checks.add(
        1,
        CARD_TOKENS + RECALL_K as u64 * MEMORY_TOKENS + reply_tokens + INSTRUCTION_TOKENS,
        CHECK_OUTPUT_TOKENS,
    );
    estimate.embeddings.add(1, LINE_TOKENS, 0);
}

/// A focus group of `twins` participants following `guide`.
pub fn focus_group(guide: &DiscussionGuide, twins: usize) -> Estimate {
    let twins = twins as u64;
    let reply_tokens = u64::from(turn_length::max_tokens(turn_length::MAX_WORDS));
    let mut estimate = Estimate::default();
    for section in &guide.sections {
        let turns = u64::from(section.turn_budget);
        // The moderator speaks about once for every two answers, and once to open.
        let moderator = 1 + turns.div_ceil(2);
        estimate.participant_turns += turns;
        estimate.moderator_turns += moderator;
        for _ in 0..turns {
            reply(&mut estimate, reply_tokens);
        }
        // An urge round after every turn; a judgement before every moderator turn but the
        // first.
        estimate.moderation.add(
            turns + moderator,
            INSTRUCTION_TOKENS + twins * LISTED_TWIN_TOKENS + LINE_TOKENS,
            SHORT_OUTPUT_TOKENS,
        );
        estimate.moderation.add(
            moderator - 1,
            INSTRUCTION_TOKENS + turns * LINE_TOKENS,
            SHORT_OUTPUT_TOKENS,
        );
    }
    estimate
}

/// An interview of `questions` questions.
pub fn interview(questions: usize) -> Estimate {
    let questions = questions as u64;
    // The thought has room of its own.
    let reply_tokens = u64::from(turn_length::max_tokens(turn_length::MAX_WORDS)) + 80;
    let mut estimate = Estimate {
        participant_turns: questions,
        moderator_turns: questions,
        ..Estimate::default()
    };
    for _ in 0..questions {
        reply(&mut estimate, reply_tokens);
    }
    estimate
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUIDE: &str = r#"
title = "Test"
[[sections]]
name = "One"
goals = ["a"]
questions = ["q?"]
turn_budget = 4
[[sections]]
name = "Two"
goals = ["b"]
questions = ["r?"]
turn_budget = 6
"#;

    #[test]
    fn a_focus_group_costs_a_reply_a_check_and_an_embedding_per_turn_and_moderation_besides() {
        let guide = crate::guide::parse(GUIDE).unwrap();
        let estimate = focus_group(&guide, 3);
        assert_eq!(estimate.participant_turns, 10);
        // 1 + 2 opening and answer-led turns for four answers, 1 + 3 for six.
        assert_eq!(estimate.moderator_turns, 7);
        assert_eq!(estimate.replies.calls, 10);
        assert_eq!(estimate.checks.calls, 10);
        assert_eq!(estimate.embeddings.calls, 10);
        // Urges after each of 10 + 7 turns, and 2 + 3 judgements.
        assert_eq!(estimate.moderation.calls, 17 + 5);
        assert_eq!(estimate.calls(), 52);
        let per_reply = CARD_TOKENS + 6 * MEMORY_TOKENS + 8 * LINE_TOKENS + INSTRUCTION_TOKENS;
        assert_eq!(estimate.replies.prompt_tokens, 10 * per_reply);
        assert_eq!(
            estimate.replies.completion_tokens,
            10 * u64::from(turn_length::max_tokens(80))
        );
    }

    #[test]
    fn an_interview_costs_a_reply_a_check_and_an_embedding_per_question() {
        let estimate = interview(5);
        assert_eq!((estimate.replies.calls, estimate.checks.calls), (5, 5));
        assert_eq!(estimate.moderation.calls, 0);
        assert_eq!(estimate.calls(), 15);
        assert!(estimate.tokens() > 0);
    }
}
