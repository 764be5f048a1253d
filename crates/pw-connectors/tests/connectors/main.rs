//! The connectors against the sandbox over real HTTP, as one test binary (one link instead of
//! one per file): syncs per platform, behaviour signals, audiences, enrichment, sign-in.

#![allow(clippy::unwrap_used, clippy::panic)]

mod audiences;
mod enrichment;
mod sandbox_world;
mod sign_in;
mod signals;
mod sync;
