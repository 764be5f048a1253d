//! The pw-surveys integration tests as one binary: one link instead of 6. Each module says
//! what it covers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test should fail loudly at the line that broke"
)]

#[path = "../support/mod.rs"]
mod support;

mod census_tables;
mod fidelity;
mod format_docs;
mod library;
mod report;
mod runs;
