//! The pw-search integration tests as one binary: one link instead of 4. Each module says
//! what it covers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test should fail loudly at the line that broke"
)]

#[path = "../support/mod.rs"]
mod support;

mod crash;
mod lifecycle;
mod text_search;
mod vectors_and_fusion;
