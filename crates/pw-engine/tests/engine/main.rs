//! The engine's use cases end to end, without a window, as one test binary: every binary links
//! the whole engine (the local model included), so one link instead of five keeps CI's cold
//! run short. The canary key test keeps its own binary (see `key_canary.rs`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test should fail loudly at the line that broke"
)]

#[path = "../support/mod.rs"]
mod support;

mod agents;
mod decks;
mod evidence;
mod flows;
mod language_models;
mod specialists;
mod surveys;
mod twins;
