//! The job lanes end to end (jobs, fencing, schedules) as one test binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test should fail loudly at the line that broke"
)]

#[path = "../support/mod.rs"]
mod support;

mod fencing;
mod jobs;
mod schedules;
