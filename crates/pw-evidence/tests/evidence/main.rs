//! The evidence layer end to end (signals, reports, search) as one test binary: one link of
//! the search index and the gateway instead of three.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test should fail loudly at the line that broke"
)]

#[path = "../support/mod.rs"]
mod support;

mod reports;
mod search;
mod signals;
