//! The twins and studies context (issue 13, under way; `docs/plans/twins.md` is the plan).
//!
//! What is here so far are the IO-free modules the rest will stand on, each tested on known
//! answers:
//! - [`casting`]: which of an audience's evidence each of its twins is built around, so twins
//!   of one audience differ as its data does;
//! - [`recall`]: which memories a twin brings to a question (recency, importance, relevance);
//! - [`reflection`]: when a twin reflects, and which reflections are grounded enough to keep;
//! - [`guide`]: a focus group's discussion guide, its TOML format and its errors;
//! - [`floor`]: who speaks next in a focus group;
//! - [`turn_length`]: how long a turn may be, and cutting one that runs over;
//! - [`prompt_budget`]: what goes into a prompt that cannot hold everything;
//! - [`says_thinks`]: an interview answer split into what the twin says and what it thinks;
//! - [`dynamics`]: a session's diagnostics (airtime, turn lengths, herding).

pub mod casting;
pub mod dynamics;
pub mod floor;
pub mod guide;
pub mod prompt_budget;
pub mod recall;
pub mod reflection;
pub mod says_thinks;
pub mod turn_length;
