//! The gateway: routes a task to a vendor and model (with a fallback chain), answers from the
//! response cache when it can, checks the study's budget, shapes the request for that vendor's
//! OpenAI-compatible API, maps its failures to [`LlmError`], repairs invalid structured output
//! once, and records and traces every call.
//!
//! Every answer — whole, streamed, structured, embeddings — goes through the one call pipeline
//! in [`pipeline`]: cache lookup, budget reservation, the model call, the ledger record and the
//! settlement happen there, in the same order for all of them.
//!
//! Spans follow the OpenTelemetry GenAI semantic conventions (`gen_ai.operation.name`,
//! `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.usage.*`), so any OTLP collector
//! (Langfuse included) reads them as model calls. Prompts never go into spans.
//!
//! [`LlmError`]: crate::error::LlmError

mod cache;
mod chat;
mod embeddings;
mod ledger;
mod local;
mod pipeline;
mod routing;
mod vendors;
mod wire;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::catalogue::ModelCatalogue;
use crate::types::Task;
use pw_http::PacingState;

pub use cache::{CachedAnswer, ResponseCache};
pub use chat::Structured;
pub use embeddings::Embeddings;
pub use ledger::{CallLedger, CallOutcome, CallRecord};
pub use local::{LocalBackend, LocalEmbeddingBackend};
pub use routing::Route;

use vendors::VendorHandle;

// Cloning shares the vendors' clients, pacing, ledger and cache (all behind `Arc`).
#[derive(Default, Clone)]
pub struct Gateway {
    vendors: HashMap<String, Arc<VendorHandle>>,
    pacing: Arc<PacingState>,
    // Ordered, so the default local model is the same on every run.
    local: BTreeMap<String, Arc<dyn LocalBackend>>,
    local_embedders: BTreeMap<String, Arc<dyn LocalEmbeddingBackend>>,
    routes: HashMap<Task, Vec<Route>>,
    workspace_defaults: HashMap<String, Route>,
    offline: bool,
    catalogue: ModelCatalogue,
    ledger: Option<Arc<dyn CallLedger>>,
    cache: Option<Arc<dyn ResponseCache>>,
}

impl Gateway {
    pub fn new() -> Self {
        Gateway::default()
    }

    /// A gateway that paces its vendors with `pacing`, shared with the gateways before it, so a
    /// pause a vendor asked for and its drained buckets survive a settings change.
    pub fn with_pacing(pacing: Arc<PacingState>) -> Self {
        Gateway {
            pacing,
            ..Gateway::default()
        }
    }

    /// Registers a local embedding model under a vendor name ("local").
    pub fn add_local_embedder(
        &mut self,
        name: impl Into<String>,
        backend: Arc<dyn LocalEmbeddingBackend>,
    ) {
        self.local_embedders.insert(name.into(), backend);
    }

    /// Registers a local model under a vendor name ("local"); routes name it like any vendor.
    pub fn add_local(&mut self, name: impl Into<String>, backend: Arc<dyn LocalBackend>) {
        self.local.insert(name.into(), backend);
    }

    /// The models that answer `task`, first choice first; later ones are tried when earlier
    /// vendors fail (rate limits that outlast retries, outages, missing keys).
    pub fn set_route(&mut self, task: Task, chain: Vec<Route>) {
        self.routes.insert(task, chain);
    }

    /// The model a workspace uses first for every chat task (an agency may run one client on
    /// the client's own Azure deployment); the task's chain follows as fallback.
    pub fn set_workspace_default(&mut self, workspace_id: impl Into<String>, route: Route) {
        self.workspace_defaults.insert(workspace_id.into(), route);
    }

    /// This gateway with `task` answered by `route` alone: no fallback and no workspace's own
    /// model before it. For measuring one model (an evaluation's `--model`); vendors, pacing,
    /// ledger and cache are shared with this one.
    pub fn with_only(&self, task: Task, route: Route) -> Gateway {
        let mut only = self.clone();
        only.routes.insert(task, vec![route]);
        only.workspace_defaults.clear();
        only
    }

    /// Offline mode: only models on this machine answer, whatever the routes say.
    pub fn set_offline(&mut self, offline: bool) {
        self.offline = offline;
    }

    pub fn set_catalogue(&mut self, catalogue: ModelCatalogue) {
        self.catalogue = catalogue;
    }

    pub fn set_ledger(&mut self, ledger: Arc<dyn CallLedger>) {
        self.ledger = Some(ledger);
    }

    pub fn set_cache(&mut self, cache: Arc<dyn ResponseCache>) {
        self.cache = Some(cache);
    }
}
