//! The evidence context: audience signals derived from raw evidence with the exact rows behind
//! each, every workspace's search index kept in step with SQLite (full text, facets, histograms,
//! hybrid retrieval), and grounding reports whose every claim cites the signals it rests on,
//! checked after generation.
//!
//! It owns the tables `metric_breakdowns` (read here, written by the ad data context),
//! `signals`, `signal_rows`, `grounding_reports`, `grounding_claims`, `claim_citations`,
//! `embeddings` and `search_outbox`. It reads the ad data it derives from (`audiences`,
//! `daily_metrics`, `ads`, `ad_groups`, `creatives`, `audience_signals`) with SQL of its own and
//! never writes those tables. The engine hands [`Evidence`] out through `engine.evidence()`.
//!
//! Pure computation lives in IO-free modules tested on known answers: `statistics`, `behavior`,
//! `intent`, `themes`, `mention_themes`, `derive`, `grounding`.

pub mod behavior;
pub mod build;
pub mod derive;
pub mod error;
mod evidence;
pub mod grounding;
mod handlers;
pub mod intent;
pub mod mention_themes;
pub mod reports;
pub mod repository;
pub mod search;
pub mod signals;
/// The statistics signals rest on live in `pw-statistics`, shared with the other research
/// contexts; the evidence layer names them as its own.
pub use pw_statistics as statistics;
/// Themes found in embeddings; shared with the surveys context's open ends.
pub use pw_statistics::themes;

pub use evidence::{AudienceOverview, Evidence, GatewaySource};
pub use handlers::{
    REBUILD_JOB_KIND, REPORTS_JOB_KIND, SIGNALS_JOB_KIND, UPDATE_JOB_KIND, job_kinds,
};
