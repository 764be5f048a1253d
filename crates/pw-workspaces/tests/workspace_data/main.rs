//! The pw-workspaces integration tests as one binary: one link instead of 3. Each module says
//! what it covers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test should fail loudly at the line that broke"
)]

mod natural_keys;
mod reporting;
mod workspaces;
