//! The language-models context: vendors and their keys, routes per task, offline mode, the
//! local model and its downloads, prices, spend, studies and their budgets, trace export, and
//! chat through the gateway.
//!
//! The context lives in `pw-models` (its use cases, repositories, ledger, cache and download
//! job); this module is the engine's facade over it. The types below are the language-models
//! API of the engine: callers name them through this module, never through `pw_models`,
//! `pw_llm` or `pw_store`.

use std::path::PathBuf;
use std::sync::Arc;

use pw_jobs::Job;
use pw_secrets::Secret;

use crate::Engine;
use crate::error::Result;

/// A study's id, and the id of the workspace it belongs to.
pub use pw_domain::{StudyId, WorkspaceId};
/// The gateway's vocabulary: requests and replies, routes, tasks, vendors, prices.
pub use pw_llm::{
    CacheMode, CallScope, ChatMessage, ChatReply, ChatRequest, Gateway, ModelInfo, Route, Task,
    Usage, VendorKind,
};
pub(crate) use pw_models::LanguageModels;
pub use pw_models::{
    LOCAL_VENDOR, LocalModelStatus, MODEL_DOWNLOAD_JOB_KIND, ModelSettings, TASKS, TaskRoute,
    TraceExportConfig, TraceExportSettings, TraceExportSink, VendorCheck, VendorInput, VendorView,
};
/// What model calls cost, per day, model and study.
pub use pw_models::{SpendByDay, SpendByModel, StudySpend, WorkspaceSpend};
/// A study (its kind, title and budget). Studies are shared with the coming twins and studies
/// context, so they stay in `pw-store`; this context owns only their budgets.
pub use pw_store::{Study, StudyKind, StudyStatus};

/// The engine's language models, as `engine.models()` hands them out.
pub struct Models<'e> {
    engine: &'e Engine,
}

impl<'e> Models<'e> {
    pub(crate) fn new(engine: &'e Engine) -> Self {
        Models { engine }
    }

    fn state(&self) -> &'e LanguageModels {
        &self.engine.models
    }

    // Vendors, keys and routes

    /// Vendors (with "key configured", never the key), routes per task, offline mode and the
    /// local models' state.
    pub async fn settings(&self) -> Result<ModelSettings> {
        Ok(self.state().settings().await?)
    }

    pub async fn save_vendor(&self, input: VendorInput) -> Result<VendorView> {
        Ok(self.state().save_vendor(input).await?)
    }

    /// Files a vendor's key in the OS keychain.
    pub async fn set_vendor_key(&self, vendor: &str, key: Secret) -> Result<()> {
        Ok(self.state().set_vendor_key(vendor, key).await?)
    }

    pub async fn remove_vendor(&self, vendor: &str) -> Result<()> {
        Ok(self.state().remove_vendor(vendor).await?)
    }

    /// One cheap call (a one-token reply) to check a vendor's key and address.
    pub async fn test_vendor(&self, vendor: &str, model: Option<String>) -> Result<VendorCheck> {
        Ok(self.state().test_vendor(vendor, model).await?)
    }

    /// The models that answer `task`, first choice first (empty: the local model).
    pub async fn set_task_route(&self, task: Task, chain: Vec<Route>) -> Result<()> {
        Ok(self.state().set_route(task, chain).await?)
    }

    pub async fn set_offline(&self, offline: bool) -> Result<()> {
        Ok(self.state().set_offline(offline).await?)
    }

    pub async fn set_workspace_model(
        &self,
        workspace_id: WorkspaceId,
        route: Option<Route>,
    ) -> Result<()> {
        Ok(self
            .state()
            .set_workspace_model(workspace_id, route)
            .await?)
    }

    // The local model

    /// Starts downloading a GGUF model from `url` into the models folder, as a slow-lane job
    /// with progress that resumes after a dropped connection and checks `sha256` if given.
    pub async fn start_download(&self, url: &str, sha256: Option<String>) -> Result<Job> {
        let spec = pw_models::model_download_job(url, sha256)?;
        Ok(self.engine.queue.enqueue(spec).await?)
    }

    /// Makes the local chat model load from a GGUF file (`None`: the bundled SmolLM2).
    pub async fn set_local_chat_model(&self, path: Option<PathBuf>) -> Result<()> {
        Ok(self.state().set_local_chat_model(path).await?)
    }

    // Traces

    pub async fn trace_export(&self) -> Result<TraceExportSettings> {
        Ok(self.state().trace_export().await?)
    }

    /// Sets where model-call traces go (`None`: nowhere) and the share sampled; `headers`
    /// ("Name: value" lines) are kept in the keychain. The process's exporter follows at once.
    pub async fn set_trace_export(
        &self,
        endpoint: Option<String>,
        sample_rate: f64,
        headers: Option<Secret>,
    ) -> Result<()> {
        self.state()
            .set_trace_export(endpoint, sample_rate, headers)
            .await?;
        self.apply_trace_export().await;
        Ok(())
    }

    /// Hands the saved trace export to the edge's sink, if it gave one.
    pub(crate) async fn apply_trace_export(&self) {
        let Some(sink) = &self.engine.config.trace_export else {
            return;
        };
        match self.state().trace_export_config().await {
            Ok(config) => sink(config),
            // A locked keychain must not stop the app; traces simply stay local.
            Err(error) => tracing::warn!(%error, "trace export stays off"),
        }
    }

    // Prices and spend

    /// The model catalogue with the user's edits applied.
    pub async fn catalogue(&self) -> Result<Vec<ModelInfo>> {
        Ok(self.state().catalogue_models().await?)
    }

    /// Models that routes or workspaces use but nobody has priced, first by vendor: shown as
    /// "price unknown" beside the catalogue until a price is set.
    pub async fn unpriced(&self) -> Result<Vec<Route>> {
        Ok(self.state().unpriced_models().await?)
    }

    pub async fn edit_price(&self, model: ModelInfo) -> Result<()> {
        Ok(self.state().edit_model(model).await?)
    }

    /// What a workspace's model calls cost: totals, per day over `days`, per model, per study.
    pub async fn workspace_spend(
        &self,
        workspace_id: WorkspaceId,
        days: u32,
    ) -> Result<WorkspaceSpend> {
        Ok(self.state().workspace_spend(workspace_id, days).await?)
    }

    // Studies and their budgets

    pub async fn create_study(
        &self,
        workspace_id: WorkspaceId,
        kind: StudyKind,
        title: &str,
        budget_micros: Option<i64>,
    ) -> Result<Study> {
        Ok(self
            .engine
            .db
            .create_study(&pw_store::NewStudy {
                workspace_id,
                kind,
                title: title.to_owned(),
                brief: String::new(),
                budget_micros,
            })
            .await?)
    }

    pub async fn studies(&self, workspace_id: WorkspaceId) -> Result<Vec<Study>> {
        Ok(self.engine.db.studies(workspace_id).await?)
    }

    /// Caps (or, with `None`, uncaps) a study's model spend. Calls stop once it is reached.
    pub async fn set_study_budget(
        &self,
        study_id: StudyId,
        budget_micros: Option<i64>,
    ) -> Result<()> {
        Ok(self
            .state()
            .set_study_budget(study_id, budget_micros)
            .await?)
    }

    // Chat

    /// A chat reply through the gateway, for the request's task and scope.
    pub async fn chat(&self, request: &ChatRequest) -> Result<ChatReply> {
        Ok(self.state().chat(request).await?)
    }

    /// The gateway itself, for engine features that stream or ask for structured answers.
    pub async fn gateway(&self) -> Result<Arc<Gateway>> {
        Ok(self.state().gateway().await?)
    }
}
