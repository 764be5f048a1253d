//! The engine: every use case of ProfitWheel, callable from the desktop shell, the `profitwheel`
//! CLI and tests alike. `Engine` only composes the store, the job lanes and the workers; each
//! bounded context is a module with a facade the engine hands out (`engine.workspaces()`,
//! `engine.jobs()`, `engine.models()`). A context's use cases, job handlers and repositories
//! live in its own crate (`pw-workspaces` for workspaces and ad data, `pw-models` for language
//! models); its module here is a thin facade.
//! A new context adds a crate, a module and an accessor.
//!
//! Each context's module names the types its callers see (`pw_engine::workspaces::Workspace`,
//! `pw_engine::jobs::Job`, `pw_engine::models::ChatRequest`); the crate root re-exports only
//! the vocabulary every context shares (errors, ids' parse error, money, platforms and
//! objectives, KPIs, secrets).
//!
//! It never knows about Tauri, IPC wire formats or terminals: callers convert its types.

pub mod agents;
pub mod connectors;
pub mod decks;
mod error;
pub mod evidence;
mod files;
pub mod jobs;
pub mod models;
mod paths;
pub mod surveys;
pub mod twins;
pub mod workspaces;

use std::path::PathBuf;
use std::sync::Arc;

use pw_jobs::{JobKind, JobQueue, JobRunner, RunnerConfig, Scheduler};
use pw_store::Database;
use tokio::sync::Mutex;

use crate::connectors::{Connectors, ConnectorsFacade};
use crate::evidence::{Evidence, EvidenceFacade, ModelsGateway};
use crate::jobs::Jobs;
use crate::models::{LanguageModels, Models, TraceExportSink};
use crate::surveys::{Surveys, SurveysFacade, SurveysGateway};
use crate::twins::{EvidenceIndex, Twins, TwinsFacade, TwinsGateway};
use crate::workspaces::{AdWorkspaces, Workspaces};

pub use error::{EngineError, ErrorKind, Result};
pub use files::{write_new, write_whole};
pub use paths::default_data_dir;
pub use pw_domain::{
    Currency, IdError, KpiKey, KpiNumber, KpiUnit, KpiValue, Micros, Objective, Platform,
};
pub use pw_secrets::Secret;

/// Where the engine keeps its files, and how its workers run.
#[derive(Clone)]
pub struct EngineConfig {
    pub data_dir: PathBuf,
    pub runner: RunnerConfig,
    /// Where the local model files are (`smollm2/`, `all-minilm-l6-v2/`).
    pub models_dir: PathBuf,
    /// Where the shipped reference data is (`census/`, `anes96/`): fetched by the setup.
    pub reference_data_dir: PathBuf,
    /// The keychain service keys are filed under; tests use their own.
    pub keychain_service: String,
    /// Receives the trace export settings at start and after each change.
    pub trace_export: Option<TraceExportSink>,
    /// How hard syncs try before giving up on a platform (tests shorten the waits).
    pub connector_retries: pw_connectors::RetryPolicy,
    /// Where the enrichment services (Census API, web search) are, when not their own hosts:
    /// a sandbox's root (`$PROFITWHEEL_ENRICHMENT_API_ROOT`).
    pub enrichment_api_root: Option<String>,
}

impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("data_dir", &self.data_dir)
            .field("models_dir", &self.models_dir)
            .field("keychain_service", &self.keychain_service)
            .finish_non_exhaustive()
    }
}

impl EngineConfig {
    /// Models live in `models/` inside the data folder unless `PROFITWHEEL_MODELS_DIR` says
    /// otherwise (a development checkout shares one copy between runs).
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        let models_dir = std::env::var_os("PROFITWHEEL_MODELS_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("models"));
        // In the data folder unless `PROFITWHEEL_REFERENCE_DATA_DIR` says otherwise (a checkout
        // shares the copy the setup fetched).
        let reference_data_dir = std::env::var_os("PROFITWHEEL_REFERENCE_DATA_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("reference-data"));
        EngineConfig {
            data_dir,
            runner: RunnerConfig::default(),
            models_dir,
            reference_data_dir,
            // Another service name keeps a second profile's (or a test's) keys apart.
            keychain_service: std::env::var("PROFITWHEEL_KEYCHAIN_SERVICE")
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| pw_secrets::SERVICE.to_owned()),
            trace_export: None,
            connector_retries: pw_connectors::RetryPolicy::default(),
            enrichment_api_root: std::env::var("PROFITWHEEL_ENRICHMENT_API_ROOT")
                .ok()
                .filter(|s| !s.is_empty()),
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("profitwheel.sqlite3")
    }
}

pub struct Engine {
    config: EngineConfig,
    db: Database,
    queue: JobQueue,
    scheduler: Scheduler,
    runner: Mutex<Option<JobRunner>>,
    schedule_ticker: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Rebuilds a workspace's signals after a sync stored rows (see `connectors::follow_syncs`).
    sync_follower: Mutex<Option<tokio::task::JoinHandle<()>>>,
    models: Arc<LanguageModels>,
    workspaces: Arc<AdWorkspaces>,
    evidence: Arc<Evidence>,
    twins: Arc<Twins>,
    surveys: Arc<Surveys>,
    connectors: Arc<Connectors>,
    enrichment: Arc<pw_connectors::enrichment::Enrichment>,
}

impl Engine {
    /// Opens (or creates) the data folder and its database. Workers are not started: a CLI
    /// command that only reads should not pick up background work.
    pub async fn open(config: EngineConfig) -> Result<Arc<Engine>> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| EngineError::Io {
            path: config.data_dir.clone(),
            source: e,
        })?;
        let db = Database::open(&config.database_path()).await?;
        let queue = JobQueue::new(db.clone());
        let scheduler = Scheduler::new(queue.clone());
        let models = Arc::new(LanguageModels::new(
            db.clone(),
            pw_secrets::Keychain::with_service(config.keychain_service.clone()),
            config.models_dir.clone(),
        ));
        let workspaces = Arc::new(AdWorkspaces::new(
            db.clone(),
            config.data_dir.join("exports"),
        ));
        let evidence = Arc::new(Evidence::new(
            db.clone(),
            queue.clone(),
            config.data_dir.join("search"),
            Arc::new(ModelsGateway(models.clone())),
        ));
        let twins = Arc::new(Twins::new(
            db.clone(),
            queue.clone(),
            Arc::new(TwinsGateway(models.clone())),
            Arc::new(EvidenceIndex(Arc::downgrade(&evidence))),
        ));
        let surveys = Arc::new(Surveys::new(
            db.clone(),
            queue.clone(),
            Arc::new(SurveysGateway(models.clone())),
            config.reference_data_dir.clone(),
        ));
        let connectors = Connectors::new(
            pw_connectors::ConnectionStore::new(db.clone()),
            queue.clone(),
            pw_secrets::Keychain::with_service(config.keychain_service.clone()),
            config.connector_retries.clone(),
        );
        let enrichment = Arc::new(
            pw_connectors::enrichment::Enrichment::new(
                db.clone(),
                pw_secrets::Keychain::with_service(config.keychain_service.clone()),
                config.connector_retries.clone(),
                config.enrichment_api_root.clone(),
            )
            .map_err(EngineError::Connectors)?,
        );
        let engine = Arc::new(Engine {
            config,
            db,
            queue,
            scheduler,
            runner: Mutex::new(None),
            schedule_ticker: Mutex::new(None),
            sync_follower: Mutex::new(None),
            models,
            workspaces,
            evidence,
            twins,
            surveys,
            connectors,
            enrichment,
        });
        engine.models().apply_trace_export().await;
        Ok(engine)
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Workspaces, their ad data, the dashboard, demo workspaces, export and import.
    pub fn workspaces(&self) -> Workspaces<'_> {
        Workspaces::new(self)
    }

    /// The job lanes: list, get, retry, cancel, wait for and subscribe to jobs.
    pub fn jobs(&self) -> Jobs<'_> {
        Jobs::new(self)
    }

    /// Language models: vendors and keys, routes, offline mode, the local model, prices,
    /// spend, studies and budgets, traces, chat.
    pub fn models(&self) -> Models<'_> {
        Models::new(self)
    }

    pub fn evidence(&self) -> EvidenceFacade<'_> {
        EvidenceFacade::new(self)
    }

    /// AI twins of audiences, with their evidence-linked memories.
    pub fn twins(&self) -> TwinsFacade<'_> {
        TwinsFacade::new(self)
    }

    /// Surveys: designs with their logic, imported, edited and exported.
    pub fn surveys(&self) -> SurveysFacade<'_> {
        SurveysFacade::new(self)
    }

    /// Ad-platform connections and their syncs.
    pub fn connectors(&self) -> ConnectorsFacade<'_> {
        ConnectorsFacade::new(self)
    }

    /// The client decks context: decks and their tables gathered from stored results.
    pub fn decks(self: &Arc<Self>) -> decks::DecksFacade<'_> {
        decks::DecksFacade { engine: self }
    }

    /// The analyst agents: the workspace copilot. Its tools hold the engine while they run.
    pub fn agents(self: &Arc<Self>) -> agents::AgentsFacade<'_> {
        agents::AgentsFacade { engine: self }
    }

    /// Starts the job workers (and the schedule ticker). Jobs left running by a process that
    /// died are recovered as their leases expire.
    pub async fn start_workers(self: &Arc<Self>) {
        let mut runner = self.runner.lock().await;
        if runner.is_some() {
            return;
        }
        // Each context registers the job kinds it does the work of.
        let handlers: std::collections::HashMap<String, JobKind> =
            workspaces::job_kinds(Arc::downgrade(self))
                .into_iter()
                .chain(agents::schedules::job_kinds(Arc::downgrade(self)))
                .chain(decks::delivery_job_kinds(Arc::downgrade(self)))
                .chain(pw_workspaces::job_kinds(Arc::downgrade(&self.workspaces)))
                .chain(pw_models::job_kinds(Arc::downgrade(&self.models)))
                .chain(pw_evidence::job_kinds(Arc::downgrade(&self.evidence)))
                .chain(pw_twins::job_kinds(Arc::downgrade(&self.twins)))
                .chain(pw_surveys::job_kinds(Arc::downgrade(&self.surveys)))
                .chain(pw_connectors::job_kinds(Arc::downgrade(&self.connectors)))
                .collect();
        *runner = Some(JobRunner::start(
            self.queue.clone(),
            self.config.runner.clone(),
            handlers,
        ));
        *self.sync_follower.lock().await = Some(connectors::follow_syncs(Arc::downgrade(self)));
        let scheduler = self.scheduler.clone();
        *self.schedule_ticker.lock().await = Some(tokio::spawn(async move {
            // Ticking every 30 s also catches up after a sleep: the first tick after waking
            // sees the missed fires.
            let mut interval = tokio::time::interval(std::time::Duration::from_secs(30));
            loop {
                interval.tick().await;
                if let Err(e) = scheduler.tick(pw_jobs::now_ms()).await {
                    tracing::warn!(error = %e, "schedule tick failed");
                }
            }
        }));
    }

    /// Stops the workers, handing running jobs back to the queue for the next start.
    pub async fn shutdown(&self) {
        if let Some(ticker) = self.schedule_ticker.lock().await.take() {
            ticker.abort();
        }
        if let Some(follower) = self.sync_follower.lock().await.take() {
            follower.abort();
        }
        if let Some(runner) = self.runner.lock().await.take() {
            runner.shutdown().await;
        }
        self.evidence.close().await;
        self.db.close().await;
    }
}
