//! Which models answer a task: the workspace's default, the task's chain, offline mode, the
//! local model when nothing else is set up, and what moves a call on along the chain.

use super::Gateway;
use crate::error::{LlmError, Result};
use crate::types::{CallScope, Task};
use crate::vendor::VendorKind;

/// Which vendor configuration and model answer a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub vendor: String,
    pub model: String,
}

impl Route {
    pub fn new(vendor: impl Into<String>, model: impl Into<String>) -> Self {
        Route {
            vendor: vendor.into(),
            model: model.into(),
        }
    }
}

impl Gateway {
    fn is_local(&self, task: Task, vendor: &str) -> bool {
        match task {
            Task::Embeddings => self.local_embedders.contains_key(vendor),
            _ => self.local.contains_key(vendor),
        }
    }

    /// Whether `vendor` names a model on this machine, chat or embeddings: such calls cost
    /// nothing (and the embedded chat model reads a short context).
    pub fn runs_here(&self, vendor: &str) -> bool {
        self.local.contains_key(vendor) || self.local_embedders.contains_key(vendor)
    }

    fn default_local_route(&self, task: Task) -> Option<Route> {
        match task {
            Task::Embeddings => self
                .local_embedders
                .iter()
                .next()
                .map(|(name, backend)| Route::new(name.clone(), backend.model())),
            _ => self
                .local
                .iter()
                .next()
                .map(|(name, backend)| Route::new(name.clone(), backend.model())),
        }
    }

    /// The models that may answer `task` in `scope`, first choice first: the workspace's
    /// default, then the task's chain; only local models when offline; the local model when
    /// nothing else is configured, so a fresh install with no key still works.
    pub fn routes_for(&self, task: Task, scope: &CallScope) -> Result<Vec<Route>> {
        let mut chain: Vec<Route> = Vec::new();
        if task != Task::Embeddings
            && let Some(route) = scope
                .workspace_id
                .as_ref()
                .and_then(|id| self.workspace_defaults.get(id))
        {
            chain.push(route.clone());
        }
        for route in self.routes.get(&task).into_iter().flatten() {
            if !chain.contains(route) {
                chain.push(route.clone());
            }
        }
        if self.offline {
            chain.retain(|route| self.is_local(task, &route.vendor));
        }
        if chain.is_empty() {
            chain.extend(self.default_local_route(task));
        }
        if chain.is_empty() {
            return Err(LlmError::NoRoute(task.as_str().replace('_', " ")));
        }
        Ok(chain)
    }

    /// What answers `route`, for the cache key: a vendor's name, kind and normalised address
    /// (and Azure's API version), so a repointed vendor is another answerer; a local model's
    /// identity (its GGUF file's hash; an embedder's files' hash), so a swapped file is too.
    /// The model is in the body.
    pub(super) fn answerer(&self, task: Task, route: &Route) -> String {
        let local = match task {
            Task::Embeddings => self
                .local_embedders
                .get(&route.vendor)
                .map(|embedder| format!("local embeddings\0{}", embedder.identity())),
            _ => self
                .local
                .get(&route.vendor)
                .map(|backend| format!("local\0{}", backend.identity())),
        };
        if let Some(local) = local {
            return format!("{}\0{local}", route.vendor);
        }
        match self.vendors.get(&route.vendor) {
            Some(vendor) => {
                let settings = &vendor.settings;
                format!(
                    "{}\0{}\0{}\0{}",
                    settings.name,
                    settings.kind.as_str(),
                    settings.normalised_base_url(),
                    match settings.kind {
                        VendorKind::AzureOpenAi =>
                            settings.azure_api_version.as_deref().unwrap_or(""),
                        _ => "",
                    }
                )
            }
            // Not configured: the call fails before it could be answered or kept.
            None => route.vendor.clone(),
        }
    }
}

/// Collects failures along a fallback chain: vendor-side failures move on to the next model;
/// a cancellation or an unrepairable structured answer stops at once.
#[derive(Default)]
pub(super) struct Fallback {
    last: Option<LlmError>,
}

impl Fallback {
    pub(super) fn note(&mut self, route: &Route, error: LlmError) -> Result<()> {
        match error {
            LlmError::Cancelled
            | LlmError::BudgetReached { .. }
            | LlmError::StudyNotFound { .. }
            | LlmError::BudgetUnreadable { .. }
            | LlmError::LedgerWriteFailed { .. }
            | LlmError::InvalidStructuredOutput { .. }
            | LlmError::RequestTooLarge { .. } => Err(error),
            error => {
                tracing::warn!(vendor = %route.vendor, model = %route.model, %error, "trying the next model in the chain");
                self.last = Some(error);
                Ok(())
            }
        }
    }

    pub(super) fn exhausted(self, task: Task) -> LlmError {
        self.last
            .unwrap_or_else(|| LlmError::NoRoute(task.as_str().into()))
    }
}
