//! The desktop IPC contract: the DTOs that cross into the webview, with `specta::Type` so their
//! TypeScript is generated, and conversions from engine types. Engine types stay free of wire
//! concerns; renaming a field here is a deliberate contract change, visible in the bindings diff.
//!
//! Money crosses as integer micros written as decimal text (`Micros`, see `money.rs`), never as a
//! JavaScript number, which loses precision past 2^53 micros.
//!
//! One module per feature (agents, app, connections, decks, enrichment, workspaces, dashboard, jobs, language models, evidence, twins, surveys), re-exported flat: the shell and the bindings name types without a path.

mod agents;
mod app;
mod connections;
mod dashboard;
mod decks;
mod enrichment;
mod error;
mod evidence;
mod jobs;
mod language_models;
mod money;
mod surveys;
mod twins;
mod vocabulary;
mod workspaces;

pub use agents::*;
pub use app::*;
pub use connections::*;
pub use dashboard::*;
pub use decks::*;
pub use enrichment::*;
pub use error::*;
pub use evidence::*;
pub use jobs::*;
pub use language_models::*;
pub use money::*;
pub use surveys::*;
pub use twins::*;
pub use vocabulary::*;
pub use workspaces::*;
