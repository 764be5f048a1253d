//! The evidence context: signals derived from raw evidence, the search index kept in step with
//! SQLite, and grounding reports.

pub mod intent;
pub mod statistics;
pub mod themes;
