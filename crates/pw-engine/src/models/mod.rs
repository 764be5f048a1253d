//! The language-models context: vendors and their keys, routes per task, offline mode, the
//! local model and its downloads, prices, spend, studies and their budgets, trace export, and
//! chat through the gateway.
//!
//! The types below are the language-models API of the engine. Some are the gateway's or the
//! store's own today; callers name them through this module, so when the repositories move out
//! of `pw-store` into this context no caller changes.

mod handlers;
mod language_models;

use std::path::PathBuf;
use std::sync::Arc;

use pw_jobs::{Job, JobSpec, Lane};
use pw_secrets::Secret;

use crate::Engine;
use crate::error::{EngineError, Result};

pub use handlers::MODEL_DOWNLOAD_JOB_KIND;
pub(crate) use handlers::job_kinds;
pub(crate) use language_models::LanguageModels;
pub use language_models::{
    LOCAL_VENDOR, LocalModelStatus, ModelSettings, TASKS, TaskRoute, TraceExportConfig,
    TraceExportSettings, TraceExportSink, VendorCheck, VendorInput, VendorView,
};
/// The gateway's vocabulary: requests and replies, routes, tasks, vendors, prices.
pub use pw_llm::{
    CacheMode, CallScope, ChatMessage, ChatReply, ChatRequest, Gateway, ModelInfo, Route, Task,
    Usage, VendorKind,
};
/// A study (its kind, title and budget) and what model calls cost, per day, model and study.
pub use pw_store::{SpendByDay, SpendByModel, Study, StudyKind, StudySpend, WorkspaceSpend};

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
        self.state().settings().await
    }

    pub async fn save_vendor(&self, input: VendorInput) -> Result<VendorView> {
        self.state().save_vendor(input).await
    }

    /// Files a vendor's key in the OS keychain.
    pub async fn set_vendor_key(&self, vendor: &str, key: Secret) -> Result<()> {
        self.state().set_vendor_key(vendor, key).await
    }

    pub async fn remove_vendor(&self, vendor: &str) -> Result<()> {
        self.state().remove_vendor(vendor).await
    }

    /// One cheap call (a one-token reply) to check a vendor's key and address.
    pub async fn test_vendor(&self, vendor: &str, model: Option<String>) -> Result<VendorCheck> {
        self.state().test_vendor(vendor, model).await
    }

    /// The models that answer `task`, first choice first (empty: the local model).
    pub async fn set_task_route(&self, task: Task, chain: Vec<Route>) -> Result<()> {
        self.state().set_route(task, chain).await
    }

    pub async fn set_offline(&self, offline: bool) -> Result<()> {
        self.state().set_offline(offline).await
    }

    pub async fn set_workspace_model(
        &self,
        workspace_id: &str,
        route: Option<Route>,
    ) -> Result<()> {
        self.state().set_workspace_model(workspace_id, route).await
    }

    // The local model

    /// Starts downloading a GGUF model from `url` into the models folder, as a slow-lane job
    /// with progress that resumes after a dropped connection and checks `sha256` if given.
    pub async fn start_download(&self, url: &str, sha256: Option<String>) -> Result<Job> {
        let file_name = pw_local_llm::gguf_file_name(url)
            .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
        let sha256 = sha256
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty());
        if let Some(sum) = &sha256
            && (sum.len() != 64 || !sum.chars().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(EngineError::InvalidInput(
                "a SHA-256 checksum is 64 hexadecimal characters".into(),
            ));
        }
        let payload = handlers::ModelDownloadPayload {
            url: url.to_owned(),
            file_name: file_name.clone(),
            sha256,
        };
        let spec = JobSpec::new(
            MODEL_DOWNLOAD_JOB_KIND,
            format!("Download model {file_name}"),
            Lane::Slow,
        )
        .payload(
            serde_json::to_value(&payload).map_err(|e| EngineError::InvalidInput(e.to_string()))?,
        );
        Ok(self.engine.queue.enqueue(spec).await?)
    }

    /// Makes the local chat model load from a GGUF file (`None`: the bundled SmolLM2).
    pub async fn set_local_chat_model(&self, path: Option<PathBuf>) -> Result<()> {
        self.state().set_local_chat_model(path).await
    }

    // Traces

    pub async fn trace_export(&self) -> Result<TraceExportSettings> {
        self.state().trace_export().await
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
        self.state().catalogue_models().await
    }

    /// Models that routes or workspaces use but nobody has priced, first by vendor: shown as
    /// "price unknown" beside the catalogue until a price is set.
    pub async fn unpriced(&self) -> Result<Vec<Route>> {
        self.state().unpriced_models().await
    }

    pub async fn edit_price(&self, model: ModelInfo) -> Result<()> {
        self.state().edit_model(model).await
    }

    /// What a workspace's model calls cost: totals, per day over `days`, per model, per study.
    pub async fn workspace_spend(&self, workspace_id: &str, days: u32) -> Result<WorkspaceSpend> {
        Ok(self.engine.db.workspace_spend(workspace_id, days).await?)
    }

    // Studies and their budgets

    pub async fn create_study(
        &self,
        workspace_id: &str,
        kind: StudyKind,
        title: &str,
        budget_micros: Option<i64>,
    ) -> Result<Study> {
        Ok(self
            .engine
            .db
            .create_study(&pw_store::NewStudy {
                workspace_id: workspace_id.to_owned(),
                kind,
                title: title.to_owned(),
                brief: String::new(),
                budget_micros,
            })
            .await?)
    }

    pub async fn studies(&self, workspace_id: &str) -> Result<Vec<Study>> {
        Ok(self.engine.db.studies(workspace_id).await?)
    }

    /// Caps (or, with `None`, uncaps) a study's model spend. Calls stop once it is reached.
    pub async fn set_study_budget(&self, study_id: &str, budget_micros: Option<i64>) -> Result<()> {
        self.engine
            .db
            .set_study_budget(study_id, budget_micros)
            .await?;
        self.state().study_budget_changed(study_id, budget_micros);
        Ok(())
    }

    // Chat

    /// A chat reply through the gateway, for the request's task and scope.
    pub async fn chat(&self, request: &ChatRequest) -> Result<ChatReply> {
        self.state().chat(request).await
    }

    /// The gateway itself, for engine features that stream or ask for structured answers.
    pub async fn gateway(&self) -> Result<Arc<Gateway>> {
        self.state().gateway().await
    }
}
