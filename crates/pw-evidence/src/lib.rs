//! The evidence context: signals derived from raw evidence, the search index kept in step with
//! SQLite, and grounding reports.

pub mod behavior;
pub mod build;
pub mod derive;
pub mod error;
pub mod grounding;
pub mod intent;
pub mod mention_themes;
pub mod reports;
pub mod repository;
pub mod search;
pub mod signals;
pub mod statistics;
pub mod themes;
