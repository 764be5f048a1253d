//! The pw-twins integration tests as one binary: one link instead of 4. Each module says
//! what it covers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test should fail loudly at the line that broke"
)]

#[path = "../support/mod.rs"]
mod support;

mod creation;
mod editing;
mod guide_docs;
mod sessions;
