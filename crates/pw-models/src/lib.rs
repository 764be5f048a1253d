//! The language-models context: vendors and their keys (in the OS keychain, through
//! `pw-secrets`), routes per task, offline mode, the local model and its download job, prices,
//! spend, study budgets, trace export settings, and the gateway built from all of them, with the
//! SQLite ledger and response cache it writes through.
//!
//! It owns the language-model tables (`llm_vendors`, `llm_routes`, `llm_model_prices`,
//! `llm_calls`, `llm_cache`, workspaces' model, studies' budgets) and its `app_settings` keys
//! (`llm.*`, `traces.*`); from `pw-store` it takes only the shared `Database`. The engine hands
//! [`LanguageModels`] out through `engine.models()`.

mod error;
mod handlers;
mod language_models;
mod ledger;
mod repository;

pub use error::{ModelsError, Result};
pub use handlers::{MODEL_DOWNLOAD_JOB_KIND, job_kinds, model_download_job};
pub use language_models::{
    LOCAL_VENDOR, LanguageModels, LocalModelStatus, ModelSettings, TASKS, TaskRoute,
    TraceExportConfig, TraceExportSettings, TraceExportSink, VendorCheck, VendorInput, VendorView,
};
pub use repository::{SpendByDay, SpendByModel, StudySpend, WorkspaceSpend};
