//! The agents' tools over a workspace: metrics (totals by platform, campaign or day, per
//! currency), evidence search, the audiences' signals, the specialists' analyses, statistics
//! over a daily figure, survey results, study insights and the census's adult population, all
//! read-only; web search, which keeps its results as mentions, so only the competitor
//! specialist has it; and asking twins, which runs interviews, so only the audience
//! specialist has it (running a specialist is the person's go-ahead; the copilot never
//! writes). Each answers text the model reads, the rows behind it, and the source a citation
//! opens.

mod analysis;
mod census;
mod evidence;
mod metrics;
mod research;
mod statistics;
mod twins;
mod web;

pub use analysis::{Analysis, AnalysisTool};
pub use census::CensusPopulation;
pub use evidence::{AudienceSignals, EvidenceSearch};
pub use metrics::WorkspaceMetrics;
pub use research::{StudyInsights, SurveyResults};
pub use statistics::MetricStatistics;
pub use twins::AskTwins;
pub use web::WebSearch;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

// No arguments, and nothing else either: a model that writes some gets `{}` from the schema (a
// small model filled this with `{"type": "object"}`, which made it a call unlike the last). Not
// a doc comment: that would become the schema's description, which the model reads.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}
