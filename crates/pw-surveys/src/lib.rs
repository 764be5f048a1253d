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
//! - [`fidelity`]: synthetic answers against human ones (KS, Jensen-Shannon, ratios);
//! - [`universe`]: the target population, and respondents drawn to it by seed;
//! - [`asking`]: the persona, each block of questions with its schema, and replies read back;
//! - [`results`]: weights, distributions with intervals, crosstabs by any dimension;
//! - [`diagnostics`]: spread, over-determination, order effects and a reliability flag;
//! - [`human`]: people's answers read from a CSV file, bad rows reported;
//! - [`comparison`]: a run against people's answers (the fidelity harness);
//! - [`anes96`]: the ANES 1996 subset posed as a survey, so the harness runs out of the box;
//! - [`exports`]: results as CSV and XLSX;
//! - [`analysis_tables`]: the result tables as the analysis agent reads them, and the caveats
//!   from the diagnostics;
//! - [`figure_check`]: the figures an item writes read and held to its cited tables;
//! - [`analysis_report`]: the report as Markdown and PDF.
//!
//! [`analysis`] is the analysis agent: the model writes the report from the tables, and what
//! does not hold against them is dropped.

pub mod analysis;
pub mod analysis_report;
pub mod analysis_tables;
pub mod anes96;
pub mod answering;
pub mod asking;
pub mod census;
pub mod comparison;
pub mod crosstab;
pub mod definition;
pub mod diagnostics;
pub mod error;
pub mod exports;
pub mod fidelity;
pub mod figure_check;
mod handlers;
pub mod human;
pub mod human_sets;
pub mod open_ends;
pub mod raking;
pub mod repository;
pub mod results;
pub mod runs;
pub mod ssr;
mod surveys;
pub mod universe;

pub use handlers::{REPORT_JOB_KIND, RUN_JOB_KIND, job_kinds, progress_words};
pub use surveys::{
    CensusEducation, CensusTables, GatewaySource, ReportFormat, ResultsFormat, RunRequest,
    RunResults, Surveys, UniverseChoice,
};
