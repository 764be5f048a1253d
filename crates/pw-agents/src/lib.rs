//! The analyst agents context. Its core is a small agent runtime over the model gateway, with
//! no framework: typed tools whose argument schemas come from Rust types ([`tool`]), one
//! structured step per model call (a tool call or an answer citing tool results, held to a
//! JSON Schema built for the run's tools, so vendors with and without native tool calling and
//! the local model all answer the same way), step, token and cost budgets, cancellation, large
//! results paged instead of cut, and a run record of every model call and tool result that
//! replays from the response cache with zero model calls ([`runtime`], [`record`]). An answer
//! is held to its citations before it is shown: a figure its cited results do not state is
//! told to the model once, then the run stops with what it found (`figures`). Runs are kept
//! with their answers and cited results as the model read them ([`runs`]). The copilot is
//! measured on questions whose answers are computed from the workspace's rows ([`eval`]). The
//! specialists' analyses are computed here too and handed to the model as results to cite
//! ([`budget`]: diminishing-returns curves and the budget split they imply; [`creative`]:
//! messages, calls to action and formats per audience with significance; [`anomaly`]: the last
//! week against a seasonal baseline with the likely causes; [`audience`]: each audience's
//! delivery, signals and twins with a verdict).

pub mod anomaly;
pub mod audience;
pub mod budget;
pub mod creative;
pub mod error;
pub mod eval;
pub mod record;
pub mod runs;
pub mod runtime;
pub mod tool;

mod campaign_days;
mod figures;
mod paging;
mod step;

pub use error::{AgentError, Result};
pub use eval::{EvalQuestion, EvalReport, EvalScore, Expected};
/// The statistics the agents' tools work out over a daily figure (trend, difference, forecast).
pub use pw_statistics::series;
pub use record::{RecordedStep, RecordedToolResult, ReplayReport, RunRecord};
pub use runs::{KeptRun, RunStore};
pub use runtime::{
    AgentRun, AgentSpec, Cited, Limits, OpeningCall, Outcome, ResultId, RunRequest, StepEvent,
    replay, run,
};
pub use tool::{Source, SourceKind, Tool, ToolBox, ToolFailure, ToolOutput};
