//! The surveys context (issue 14, under way; `docs/plans/surveys.md` is the plan): surveys
//! answered by synthetic respondents drawn to census targets, with the spread, subgroup and
//! order effects the field knows synthetic answers get wrong measured and shown, not hidden.
//!
//! Pure computation lives in IO-free modules tested on known answers:
//! - [`census`]: the shipped ACS tables read into target marginals;
//! - [`definition`]: the survey format (questions, logic, piping, option order), its
//!   validation, and the walk a respondent takes through it;
//! - [`ssr`]: semantic similarity rating, a free-text answer to a probability over scale points;
//! - [`raking`]: weights to target marginals by iterative proportional fitting;
//! - [`crosstab`]: weighted crosstabs with significance tests;
//! - [`fidelity`]: synthetic answers against human ones (KS, Jensen-Shannon, ratios).

pub mod census;
pub mod crosstab;
pub mod definition;
pub mod error;
pub mod fidelity;
pub mod raking;
pub mod repository;
pub mod ssr;
mod surveys;

pub use surveys::Surveys;
