//! The language-models use cases: the gateway assembled from the saved settings, keys from the
//! OS keychain, the embedded local models, and the SQLite-backed ledger (with study budgets)
//! and response cache the gateway writes through.
//!
//! Keys go from the keychain straight into the gateway's memory. They are never returned to a
//! caller, written to the database, logged or exported; the settings view says only whether a
//! vendor's key is configured.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pw_domain::{StudyId, WorkspaceId};
use pw_llm::{
    CallScope, ChatMessage, ChatReply, ChatRequest, Gateway, ModelCatalogue, ModelInfo,
    PacingState, Route, StudyAccounts, Task, VendorKind, VendorLimits, VendorSettings,
};
use pw_local_llm::{LocalEmbedder, LocalModel, LocalModelConfig};
use pw_secrets::{CredentialName, Keychain, Secret, SecretError};
use pw_store::Database;
use serde_json::json;
use tokio::sync::{Mutex, OnceCell, RwLock};

use crate::error::{ModelsError, Result};
use crate::ledger::{SqliteCache, SqliteLedger};
use crate::repository::{ModelStore, StoredPrice, StoredVendor, WorkspaceSpend};

const TRACE_ENDPOINT_SETTING: &str = "traces.endpoint";
const TRACE_SAMPLE_RATE_SETTING: &str = "traces.sample_rate";
/// The original platform sampled half of its traces.
const DEFAULT_TRACE_SAMPLE_RATE: f64 = 0.5;

/// Where model-call traces go, as settings show it (header values stay in the keychain).
#[derive(Debug, Clone, PartialEq)]
pub struct TraceExportSettings {
    pub endpoint: Option<String>,
    pub sample_rate: f64,
    pub headers_configured: bool,
}

/// What the edge needs to export traces, headers included. Only the process's own telemetry
/// setup receives this; it never crosses IPC.
#[derive(Clone, PartialEq)]
pub struct TraceExportConfig {
    pub endpoint: String,
    pub headers: Vec<(String, String)>,
    pub sample_rate: f64,
}

impl std::fmt::Debug for TraceExportConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceExportConfig")
            .field("endpoint", &self.endpoint)
            .field("headers", &self.headers.len())
            .field("sample_rate", &self.sample_rate)
            .finish()
    }
}

/// Called with the trace export to use, at start and after each change (the edge swaps its
/// exporter).
pub type TraceExportSink = Arc<dyn Fn(Option<TraceExportConfig>) + Send + Sync>;

/// The vendor name local models answer under in routes and the ledger.
pub const LOCAL_VENDOR: &str = "local";
const OFFLINE_SETTING: &str = "llm.offline";
/// The GGUF file the local chat model loads (a path); unset: the bundled SmolLM2.
const LOCAL_CHAT_MODEL_SETTING: &str = "llm.local_chat_model";

/// Every task a route can be set for, in the order the settings screen lists them.
pub const TASKS: [Task; 5] = [
    Task::TwinDialogue,
    Task::Moderation,
    Task::Analysis,
    Task::Extraction,
    Task::Embeddings,
];

/// A configured vendor as the settings screen shows it: never the key, only whether one is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorView {
    pub name: String,
    pub kind: VendorKind,
    pub base_url: String,
    pub key_configured: bool,
    /// Hosted vendors need a key; a local OpenAI-compatible server usually does not.
    pub needs_key: bool,
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    pub max_concurrency: Option<u32>,
}

/// What someone fills in to add or change a vendor.
#[derive(Debug, Clone)]
pub struct VendorInput {
    pub name: Option<String>,
    pub kind: VendorKind,
    /// Required for Azure (the resource's endpoint) and OpenAI-compatible servers.
    pub base_url: Option<String>,
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    pub max_concurrency: Option<u32>,
    pub azure_api_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRoute {
    pub task: Task,
    pub chain: Vec<Route>,
}

/// Whether a model file is where the app expects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalModelStatus {
    pub name: String,
    pub path: PathBuf,
    pub present: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSettings {
    pub offline: bool,
    pub vendors: Vec<VendorView>,
    pub routes: Vec<TaskRoute>,
    pub local_chat_model: LocalModelStatus,
    pub local_embedding_model: LocalModelStatus,
    /// GGUF files in the models folder the local chat model can load.
    pub local_model_files: Vec<PathBuf>,
}

/// A vendor's key test that passed: one cheap call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorCheck {
    pub model: String,
    pub latency_ms: u64,
}

/// The language-models context: settings, keychain, local models and the live gateway.
pub struct LanguageModels {
    db: Database,
    store: ModelStore,
    keychain: Keychain,
    models_dir: PathBuf,
    gateway: RwLock<Option<Arc<Gateway>>>,
    /// Vendors' pacing (pauses they asked for, drained buckets), shared by every gateway built,
    /// so a settings change does not forget it under calls in flight.
    pacing: Arc<PacingState>,
    /// Every study's budget account, shared by every gateway built, so calls running on an old
    /// gateway and new ones charge the same running totals.
    accounts: Arc<StudyAccounts>,
    /// The loaded local chat model and the file it came from; reloaded when the choice changes.
    local_model: Mutex<Option<(PathBuf, Option<Arc<LocalModel>>)>>,
    local_embedder: OnceCell<Option<Arc<LocalEmbedder>>>,
}

fn local_chat_model_path(models_dir: &Path) -> PathBuf {
    models_dir
        .join("smollm2")
        .join(pw_local_llm::DEFAULT_MODEL_FILE)
}

fn local_embedding_model_dir(models_dir: &Path) -> PathBuf {
    models_dir.join("all-minilm-l6-v2")
}

fn keychain_error(error: SecretError) -> ModelsError {
    ModelsError::Keychain(error)
}

fn vendor_credential(vendor: &str) -> Result<CredentialName> {
    CredentialName::llm_vendor(vendor).map_err(keychain_error)
}

impl LanguageModels {
    pub fn new(db: Database, keychain: Keychain, models_dir: PathBuf) -> Self {
        LanguageModels {
            store: ModelStore::new(db.clone()),
            db,
            keychain,
            models_dir,
            gateway: RwLock::new(None),
            pacing: PacingState::new(),
            accounts: StudyAccounts::new(),
            local_model: Mutex::new(None),
            local_embedder: OnceCell::new(),
        }
    }

    /// The gateway as the settings describe it now; built on first use and after each change.
    pub async fn gateway(&self) -> Result<Arc<Gateway>> {
        if let Some(gateway) = self.gateway.read().await.as_ref() {
            return Ok(gateway.clone());
        }
        let mut slot = self.gateway.write().await;
        if let Some(gateway) = slot.as_ref() {
            return Ok(gateway.clone());
        }
        let gateway = Arc::new(self.build_gateway().await?);
        *slot = Some(gateway.clone());
        Ok(gateway)
    }

    /// Drops the live gateway so the next call builds one from the new settings. Calls already
    /// running finish on the old one.
    async fn settings_changed(&self) {
        *self.gateway.write().await = None;
    }

    /// The GGUF file the local chat model comes from: the user's choice, or the bundled one.
    async fn chat_model_file(&self) -> Result<PathBuf> {
        Ok(self
            .db
            .app_setting(LOCAL_CHAT_MODEL_SETTING)
            .await?
            .and_then(|v| v.as_str().map(PathBuf::from))
            .unwrap_or_else(|| local_chat_model_path(&self.models_dir)))
    }

    async fn local_model(&self) -> Result<Option<Arc<LocalModel>>> {
        let path = self.chat_model_file().await?;
        let mut slot = self.local_model.lock().await;
        if let Some((loaded_from, model)) = slot.as_ref()
            && *loaded_from == path
        {
            return Ok(model.clone());
        }
        let model = match LocalModel::load(LocalModelConfig::new(&path)).await {
            Ok(model) => Some(model),
            Err(error) => {
                tracing::warn!(%error, "the local chat model is not available");
                None
            }
        };
        *slot = Some((path, model.clone()));
        Ok(model)
    }

    /// GGUF files in the models folder (the bundled one and downloads), for the picker.
    fn gguf_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for folder in [self.models_dir.clone(), self.models_dir.join("smollm2")] {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
                {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    /// Makes the local chat model load from `path` (a GGUF file), or back to the bundled model.
    pub async fn set_local_chat_model(&self, path: Option<PathBuf>) -> Result<()> {
        match &path {
            Some(file) => {
                let mut magic = [0u8; 4];
                let readable = std::fs::File::open(file)
                    .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic));
                if readable.is_err() || &magic != b"GGUF" {
                    return Err(ModelsError::InvalidInput(format!(
                        "{} is not a GGUF model file",
                        file.display()
                    )));
                }
                self.db
                    .set_app_setting(LOCAL_CHAT_MODEL_SETTING, &json!(file.display().to_string()))
                    .await?;
            }
            None => {
                self.db
                    .set_app_setting(LOCAL_CHAT_MODEL_SETTING, &serde_json::Value::Null)
                    .await?
            }
        }
        self.settings_changed().await;
        Ok(())
    }

    fn trace_headers_name() -> Result<CredentialName> {
        CredentialName::new("traces/headers").map_err(keychain_error)
    }

    pub async fn trace_export(&self) -> Result<TraceExportSettings> {
        let endpoint = self
            .db
            .app_setting(TRACE_ENDPOINT_SETTING)
            .await?
            .and_then(|v| v.as_str().map(str::to_owned));
        let sample_rate = self
            .db
            .app_setting(TRACE_SAMPLE_RATE_SETTING)
            .await?
            .and_then(|v| v.as_f64())
            .unwrap_or(DEFAULT_TRACE_SAMPLE_RATE);
        let headers_configured = self
            .with_keychain(Self::trace_headers_name()?, move |keychain, name| {
                keychain.is_configured(name)
            })
            .await?;
        Ok(TraceExportSettings {
            endpoint,
            sample_rate,
            headers_configured,
        })
    }

    /// The export the edge should run now, headers included; `None` when export is off.
    pub async fn trace_export_config(&self) -> Result<Option<TraceExportConfig>> {
        let settings = self.trace_export().await?;
        let Some(endpoint) = settings.endpoint else {
            return Ok(None);
        };
        let stored = self
            .with_keychain(Self::trace_headers_name()?, move |keychain, name| {
                keychain.load(name)
            })
            .await?;
        let headers = stored
            .map(|secret| parse_headers(secret.expose()))
            .transpose()?
            .unwrap_or_default();
        Ok(Some(TraceExportConfig {
            endpoint,
            headers,
            sample_rate: settings.sample_rate,
        }))
    }

    /// Turns trace export on (an endpoint) or off (`None`). `headers` ("Name: value" lines,
    /// e.g. Langfuse's Authorization) go to the keychain; `None` keeps the stored ones.
    pub async fn set_trace_export(
        &self,
        endpoint: Option<String>,
        sample_rate: f64,
        headers: Option<Secret>,
    ) -> Result<()> {
        if !(0.0..=1.0).contains(&sample_rate) {
            return Err(ModelsError::InvalidInput(format!(
                "the sample rate is a share between 0 and 1, not {sample_rate}"
            )));
        }
        let endpoint = endpoint
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty());
        if let Some(endpoint) = &endpoint {
            web_address_check(endpoint)?;
        }
        if let Some(headers) = headers {
            parse_headers(headers.expose())?;
            self.with_keychain(Self::trace_headers_name()?, move |keychain, name| {
                keychain.store(name, &headers)
            })
            .await?;
        }
        self.db
            .set_app_setting(TRACE_ENDPOINT_SETTING, &json!(endpoint))
            .await?;
        self.db
            .set_app_setting(TRACE_SAMPLE_RATE_SETTING, &json!(sample_rate))
            .await?;
        Ok(())
    }

    pub(crate) fn models_dir(&self) -> &Path {
        &self.models_dir
    }

    async fn local_embedder(&self) -> Option<Arc<LocalEmbedder>> {
        self.local_embedder
            .get_or_init(|| async {
                let folder = local_embedding_model_dir(&self.models_dir);
                match tokio::task::spawn_blocking(move || LocalEmbedder::load(&folder)).await {
                    Ok(Ok(embedder)) => Some(embedder),
                    Ok(Err(error)) => {
                        tracing::warn!(%error, "the local embedding model is not available");
                        None
                    }
                    Err(error) => {
                        tracing::warn!(%error, "loading the local embedding model stopped");
                        None
                    }
                }
            })
            .await
            .clone()
    }

    /// Runs a keychain call off the async workers: the platform's keychain blocks.
    async fn with_keychain<T: Send + 'static>(
        &self,
        name: CredentialName,
        call: impl FnOnce(&Keychain, &CredentialName) -> std::result::Result<T, SecretError>
        + Send
        + 'static,
    ) -> Result<T> {
        let keychain = self.keychain.clone();
        tokio::task::spawn_blocking(move || call(&keychain, &name))
            .await
            .map_err(|e| ModelsError::Keychain(SecretError::Platform(e.to_string())))?
            .map_err(keychain_error)
    }

    async fn load_key(&self, vendor: &str) -> Result<Option<Secret>> {
        self.with_keychain(vendor_credential(vendor)?, move |keychain, name| {
            keychain.load(name)
        })
        .await
    }

    async fn key_configured(&self, vendor: &str) -> Result<bool> {
        self.with_keychain(vendor_credential(vendor)?, move |keychain, name| {
            keychain.is_configured(name)
        })
        .await
    }

    async fn catalogue(&self) -> Result<ModelCatalogue> {
        let mut catalogue = ModelCatalogue::built_in()?;
        for edit in self.store.llm_price_edits().await? {
            catalogue.set(ModelInfo {
                vendor: edit.vendor,
                model: edit.model,
                context_window: edit.context_window,
                input_micros_per_mtok: edit.input_micros_per_mtok,
                output_micros_per_mtok: edit.output_micros_per_mtok,
                embedding: edit.embedding,
                source: "edited".into(),
            });
        }
        Ok(catalogue)
    }

    async fn offline(&self) -> Result<bool> {
        Ok(self
            .db
            .app_setting(OFFLINE_SETTING)
            .await?
            .and_then(|v| v.as_bool())
            .unwrap_or(false))
    }

    async fn vendor_settings(&self, stored: &StoredVendor) -> Result<Option<VendorSettings>> {
        let kind = stored.kind;
        let key = self.load_key(&stored.name).await?;
        let mut headers = kind.default_headers();
        headers.extend(stored.extra_headers.iter().cloned());
        let defaults = VendorLimits::default();
        Ok(Some(VendorSettings {
            name: stored.name.clone(),
            kind,
            base_url: stored.base_url.clone(),
            api_key: key.map(|k| k.expose().to_owned()),
            extra_headers: headers,
            limits: VendorLimits {
                requests_per_minute: stored.requests_per_minute,
                tokens_per_minute: stored.tokens_per_minute,
                max_concurrency: stored
                    .max_concurrency
                    .map_or(defaults.max_concurrency, |c| c as usize),
                ..defaults
            },
            azure_api_version: stored.azure_api_version.clone(),
        }))
    }

    async fn build_gateway(&self) -> Result<Gateway> {
        let mut gateway = Gateway::with_pacing(self.pacing.clone());
        gateway.set_catalogue(self.catalogue().await?);
        for stored in self.store.llm_vendors().await? {
            if let Some(settings) = self.vendor_settings(&stored).await? {
                gateway.add_vendor(settings)?;
            }
        }
        let mut chains: HashMap<Task, Vec<Route>> = HashMap::new();
        for route in self.store.llm_routes().await? {
            chains
                .entry(route.task)
                .or_default()
                .push(Route::new(route.vendor, route.model));
        }
        for task in TASKS {
            if let Some(chain) = chains.remove(&task) {
                gateway.set_route(task, chain);
            }
        }
        for (workspace, vendor, model) in self.store.workspace_models().await? {
            gateway.set_workspace_default(workspace.to_string(), Route::new(vendor, model));
        }
        gateway.set_offline(self.offline().await?);
        if let Some(model) = self.local_model().await? {
            gateway.add_local(LOCAL_VENDOR, model);
        }
        if let Some(embedder) = self.local_embedder().await {
            gateway.add_local_embedder(LOCAL_VENDOR, embedder);
        }
        gateway.set_ledger(Arc::new(SqliteLedger {
            store: self.store.clone(),
            accounts: self.accounts.clone(),
        }));
        gateway.set_cache(Arc::new(SqliteCache {
            store: self.store.clone(),
        }));
        Ok(gateway)
    }

    pub async fn settings(&self) -> Result<ModelSettings> {
        let mut vendors = Vec::new();
        for stored in self.store.llm_vendors().await? {
            let kind = stored.kind;
            vendors.push(VendorView {
                key_configured: self.key_configured(&stored.name).await?,
                needs_key: kind != VendorKind::OpenAiCompatible,
                name: stored.name,
                kind,
                base_url: stored.base_url,
                requests_per_minute: stored.requests_per_minute,
                tokens_per_minute: stored.tokens_per_minute,
                max_concurrency: stored.max_concurrency,
            });
        }
        let stored_routes = self.store.llm_routes().await?;
        let routes = TASKS
            .iter()
            .map(|task| TaskRoute {
                task: *task,
                chain: stored_routes
                    .iter()
                    .filter(|r| r.task == *task)
                    .map(|r| Route::new(r.vendor.clone(), r.model.clone()))
                    .collect(),
            })
            .collect();
        let chat_path = self.chat_model_file().await?;
        let embed_dir = local_embedding_model_dir(&self.models_dir);
        Ok(ModelSettings {
            offline: self.offline().await?,
            vendors,
            routes,
            local_chat_model: LocalModelStatus {
                name: match chat_path == local_chat_model_path(&self.models_dir) {
                    true => "SmolLM2-135M-Instruct (Q4_1)".into(),
                    false => chat_path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                },
                present: chat_path.is_file(),
                path: chat_path,
            },
            local_embedding_model: LocalModelStatus {
                name: "all-MiniLM-L6-v2".into(),
                present: embed_dir.join("model.safetensors").is_file(),
                path: embed_dir,
            },
            local_model_files: self.gguf_files(),
        })
    }

    pub async fn save_vendor(&self, input: VendorInput) -> Result<VendorView> {
        let name = input
            .name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| input.kind.as_str().to_owned());
        if name == LOCAL_VENDOR {
            return Err(ModelsError::InvalidInput(
                "'local' is the name of the built-in model; choose another name".into(),
            ));
        }
        CredentialName::llm_vendor(&name).map_err(keychain_error)?;
        let base_url = match (
            input
                .base_url
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty()),
            input.kind.default_base_url(),
        ) {
            (Some(url), _) => url,
            (None, Some(default)) => default.to_owned(),
            (None, None) => {
                return Err(ModelsError::InvalidInput(format!(
                    "{} needs the server's address (for example http://localhost:11434/v1)",
                    input.kind.display_name()
                )));
            }
        };
        let parsed = web_address_check(&base_url)?;
        if parsed.username() != "" || parsed.password().is_some() {
            return Err(ModelsError::InvalidInput(
                "put the key in the key field, not in the address".into(),
            ));
        }
        self.store
            .save_llm_vendor(&StoredVendor {
                name: name.clone(),
                kind: input.kind,
                base_url,
                extra_headers: Vec::new(),
                requests_per_minute: input.requests_per_minute,
                tokens_per_minute: input.tokens_per_minute,
                max_concurrency: input.max_concurrency,
                azure_api_version: input.azure_api_version,
            })
            .await?;
        self.settings_changed().await;
        self.settings()
            .await?
            .vendors
            .into_iter()
            .find(|v| v.name == name)
            .ok_or_else(|| ModelsError::InvalidInput(format!("vendor {name} was not saved")))
    }

    pub async fn set_vendor_key(&self, vendor: &str, key: Secret) -> Result<()> {
        if key.expose().trim().is_empty() {
            return Err(ModelsError::InvalidInput("the key is empty".into()));
        }
        if !self
            .store
            .llm_vendors()
            .await?
            .iter()
            .any(|v| v.name == vendor)
        {
            return Err(ModelsError::InvalidInput(format!(
                "add the vendor '{vendor}' before its key"
            )));
        }
        self.with_keychain(vendor_credential(vendor)?, move |keychain, name| {
            keychain.store(name, &key)
        })
        .await?;
        self.settings_changed().await;
        Ok(())
    }

    /// Removes a vendor, its key from the keychain, and every route that named it.
    pub async fn remove_vendor(&self, vendor: &str) -> Result<()> {
        self.with_keychain(vendor_credential(vendor)?, move |keychain, name| {
            keychain.remove(name)
        })
        .await?;
        self.store.delete_llm_vendor(vendor).await?;
        self.settings_changed().await;
        Ok(())
    }

    /// Tests a vendor's key with one cheap call (a one-token reply), bypassing the cache; a
    /// failure is the call's error (a rejected key is `NotConfigured`).
    pub async fn test_vendor(&self, vendor: &str, model: Option<String>) -> Result<VendorCheck> {
        let gateway = self.gateway().await?;
        let model = match model.filter(|m| !m.trim().is_empty()) {
            Some(model) => model,
            None => self.cheapest_model(vendor).await?,
        };
        let mut request = ChatRequest::new(
            Task::Analysis,
            vec![ChatMessage::user("Reply with the word OK.")],
        )
        .in_scope(CallScope::default().with_cache(pw_llm::CacheMode::Bypass));
        request.max_tokens = Some(1);
        let started = std::time::Instant::now();
        match gateway
            .chat_with(&Route::new(vendor, &model), &request)
            .await
        {
            // A one-token budget can come back empty (a reasoning model spends it thinking);
            // the vendor still took the key and answered, which is all this check asks.
            Ok(_) | Err(pw_llm::LlmError::EmptyAnswer { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        Ok(VendorCheck {
            model,
            latency_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// The vendor's cheapest chat model in the catalogue, or the model its routes name.
    async fn cheapest_model(&self, vendor: &str) -> Result<String> {
        let stored = self
            .store
            .llm_vendors()
            .await?
            .into_iter()
            .find(|v| v.name == vendor)
            .ok_or_else(|| ModelsError::InvalidInput(format!("no vendor named '{vendor}'")))?;
        if let Some(route) = self
            .store
            .llm_routes()
            .await?
            .into_iter()
            .find(|r| r.vendor == vendor)
        {
            return Ok(route.model);
        }
        let catalogue = self.catalogue().await?;
        catalogue
            .models()
            .filter(|m| {
                (m.vendor == stored.name || m.vendor == stored.kind.as_str()) && !m.embedding
            })
            .min_by_key(|m| m.input_micros_per_mtok + m.output_micros_per_mtok)
            .map(|m| m.model.clone())
            .ok_or_else(|| {
                ModelsError::InvalidInput(format!(
                    "name a model to test {vendor} with (the catalogue lists none for it)"
                ))
            })
    }

    pub async fn set_route(&self, task: Task, chain: Vec<Route>) -> Result<()> {
        let vendors = self.store.llm_vendors().await?;
        for route in &chain {
            if route.vendor != LOCAL_VENDOR && !vendors.iter().any(|v| v.name == route.vendor) {
                return Err(ModelsError::InvalidInput(format!(
                    "no vendor named '{}'; add it first",
                    route.vendor
                )));
            }
        }
        let pairs: Vec<(String, String)> = chain.into_iter().map(|r| (r.vendor, r.model)).collect();
        self.store.set_llm_route(task, &pairs).await?;
        self.settings_changed().await;
        Ok(())
    }

    pub async fn set_offline(&self, offline: bool) -> Result<()> {
        self.db
            .set_app_setting(OFFLINE_SETTING, &json!(offline))
            .await?;
        self.settings_changed().await;
        Ok(())
    }

    pub async fn set_workspace_model(
        &self,
        workspace_id: WorkspaceId,
        route: Option<Route>,
    ) -> Result<()> {
        self.store
            .set_workspace_model(
                workspace_id,
                route
                    .as_ref()
                    .map(|r| (r.vendor.as_str(), r.model.as_str())),
            )
            .await?;
        self.settings_changed().await;
        Ok(())
    }

    pub async fn catalogue_models(&self) -> Result<Vec<ModelInfo>> {
        Ok(self.catalogue().await?.models().cloned().collect())
    }

    /// The cloud models some route or workspace uses that have no price (neither built in nor
    /// set by the user): Models & keys shows them as "price unknown", and a study with a
    /// budget is never routed to them until a price is set.
    pub async fn unpriced_models(&self) -> Result<Vec<Route>> {
        let catalogue = self.catalogue().await?;
        let vendors = self.store.llm_vendors().await?;
        let routed = self
            .store
            .llm_routes()
            .await?
            .into_iter()
            .map(|route| (route.vendor, route.model))
            .chain(
                self.store
                    .workspace_models()
                    .await?
                    .into_iter()
                    .map(|(_, vendor, model)| (vendor, model)),
            );
        let mut unpriced: Vec<Route> = Vec::new();
        for (vendor, model) in routed {
            let Some(kind) = vendors
                .iter()
                .find(|v| v.name == vendor)
                .map(|v| v.kind.as_str())
            else {
                // The local model, or a vendor since removed: nothing to price.
                continue;
            };
            let route = Route::new(vendor, model);
            if catalogue.find(&route.vendor, kind, &route.model).is_none()
                && !unpriced.contains(&route)
            {
                unpriced.push(route);
            }
        }
        unpriced.sort_by(|a, b| (&a.vendor, &a.model).cmp(&(&b.vendor, &b.model)));
        Ok(unpriced)
    }

    pub async fn edit_model(&self, model: ModelInfo) -> Result<()> {
        self.store
            .save_llm_price(&StoredPrice {
                vendor: model.vendor,
                model: model.model,
                context_window: model.context_window,
                input_micros_per_mtok: model.input_micros_per_mtok,
                output_micros_per_mtok: model.output_micros_per_mtok,
                embedding: model.embedding,
            })
            .await?;
        self.settings_changed().await;
        Ok(())
    }

    /// What a workspace's model calls cost: totals, per day over `days`, per model, per study.
    pub async fn workspace_spend(
        &self,
        workspace_id: WorkspaceId,
        days: u32,
    ) -> Result<WorkspaceSpend> {
        self.store.workspace_spend(workspace_id, days).await
    }

    /// Caps (or, with `None`, uncaps) a study's model spend; the new budget applies to its
    /// next call.
    pub async fn set_study_budget(
        &self,
        study_id: StudyId,
        budget_micros: Option<i64>,
    ) -> Result<()> {
        self.store.set_study_budget(study_id, budget_micros).await?;
        self.accounts
            .set_budget(&study_id.to_string(), budget_micros);
        Ok(())
    }

    pub async fn chat(&self, request: &ChatRequest) -> Result<ChatReply> {
        Ok(self.gateway().await?.chat(request).await?)
    }
}

fn web_address_check(url: &str) -> Result<url::Url> {
    let parsed = url::Url::parse(url)
        .map_err(|e| ModelsError::InvalidInput(format!("'{url}' is not a web address: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ModelsError::InvalidInput(format!(
            "'{url}' must start with https:// (or http:// for a server on this machine)"
        )));
    }
    Ok(parsed)
}

/// "Name: value" lines into header pairs.
fn parse_headers(text: &str) -> Result<Vec<(String, String)>> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.split_once(':')
                .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
                .filter(|(name, _)| {
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
                .ok_or_else(|| {
                    ModelsError::InvalidInput(
                        "each header is one line of the form 'Name: value'".into(),
                    )
                })
        })
        .collect()
}
