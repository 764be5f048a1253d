//! The twins and studies context (issue 13, under way; `docs/plans/twins.md` is the plan):
//! AI twins grounded in an audience's evidence, each memory linked to what it rests on.
//!
//! It owns the tables `twins`, `twin_versions`, `twin_memories`, `memory_versions` and
//! `memory_evidence`. It reads the evidence it builds twins from (`audiences`, `signals`,
//! `signal_rows`, `audience_signals`, `workspaces`) with SQL of its own and never writes those
//! tables. The engine hands [`Twins`] out through `engine.twins()`.
//!
//! Pure computation lives in IO-free modules tested on known answers:
//! - [`casting`]: which of an audience's evidence each of its twins is built around, so twins
//!   of one audience differ as its data does;
//! - [`grounded_memory`]: which signals can anchor a twin, and which memories and profile
//!   lines a model wrote from them can be kept;
//! - [`names`]: twins' names, drawn in code;
//! - [`recall`]: which memories a twin brings to a question (recency, importance, relevance);
//! - [`reflection`]: when a twin reflects, and which reflections are grounded enough to keep;
//! - [`guide`]: a focus group's discussion guide, its TOML format and its errors;
//! - [`floor`]: who speaks next in a focus group;
//! - [`turn_length`]: how long a turn may be, and cutting one that runs over;
//! - [`says_thinks`]: an interview answer split into what the twin says and what it thinks;
//! - [`dynamics`]: a session's diagnostics (airtime, turn lengths, herding);
//! - [`replay`]: whether a turn's words are, in order, the words of the model's answer.

pub mod call_record;
pub mod casting;
pub mod creation;
pub mod dynamics;
pub mod error;
pub mod estimate;
pub mod floor;
pub mod focus_group;
pub mod grounded_memory;
pub mod guide;
mod handlers;
pub mod insight_report;
pub mod insights;
pub mod interview;
pub mod names;
pub mod profile;
pub mod recall;
pub mod reflecting;
pub mod reflection;
pub mod replay;
pub mod repository;
pub mod says_thinks;
pub mod session;
pub mod session_run;
pub mod speaking;
pub mod turn_length;
mod twins;
pub mod vocabulary;

pub use handlers::{CREATE_JOB_KIND, INSIGHTS_JOB_KIND, SESSION_JOB_KIND, job_kinds};
pub use twins::{
    AdherenceCount, GatewaySource, INTERVIEW_QUESTIONS, IndexNotice, MemoryEdit, ReportFormat,
    SessionPlan, SessionView, TurnGap, Twins,
};
