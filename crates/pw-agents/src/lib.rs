//! The analyst agents context. Its core is a small agent runtime over the model gateway, with
//! no framework: typed tools whose argument schemas come from Rust types ([`tool`]), one
//! structured step per model call (a tool call or an answer citing tool results, held to a
//! JSON Schema built for the run's tools, so vendors with and without native tool calling and
//! the local model all answer the same way), step, token and cost budgets, cancellation, large
//! results paged instead of cut, and a run record of every model call and tool result that
//! replays from the response cache with zero model calls ([`runtime`], [`record`]).

pub mod error;
pub mod record;
pub mod runtime;
pub mod tool;

mod paging;
mod step;

pub use error::{AgentError, Result};
pub use record::{RecordedStep, RecordedToolResult, ReplayReport, RunRecord};
pub use runtime::{
    AgentRun, AgentSpec, Cited, Limits, Outcome, ResultId, RunRequest, StepEvent, replay, run,
};
pub use tool::{Source, SourceKind, Tool, ToolBox, ToolFailure, ToolOutput};
