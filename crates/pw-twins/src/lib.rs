//! The twins and studies context (issue 13, under way; `docs/plans/twins.md` is the plan).
//!
//! What is here so far are the IO-free modules the rest will stand on, each tested on known
//! answers:
//! - [`recall`]: which memories a twin brings to a question (recency, importance, relevance);
//! - [`floor`]: who speaks next in a focus group;
//! - [`turn_length`]: how long a turn may be, and cutting one that runs over;
//! - [`says_thinks`]: an interview answer split into what the twin says and what it thinks.

pub mod floor;
pub mod recall;
pub mod says_thinks;
pub mod turn_length;
