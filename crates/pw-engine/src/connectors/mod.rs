//! Ad-platform connections and their syncs (issue 15, under way).
//!
//! The context lives in `pw-connectors`; this module is the engine's facade over it. Callers
//! name the types below through this module, never through `pw_connectors`.

pub use chrono::NaiveDate;

use crate::Engine;
use crate::error::Result;

pub(crate) use pw_connectors::Connectors;
pub use pw_connectors::enrichment::{
    CensusFile, CensusRefresh, EnrichmentService, StoredMention, WebSearchKind, WebSearchResult,
};
pub use pw_connectors::oauth::{REGISTERED_PORT, redirect_uri as sign_in_redirect_uri};
pub use pw_connectors::{
    AuthKind, Connection, ConnectionAccount, ConnectionStatus, ConnectionView, ConnectorError,
    DayWindow, NIGHTLY, RemoteAccount, RetryPolicy, RunStatus, SUPPORTED, SYNC_JOB_KIND,
    SignInConnect, SignInStarted, StreamProblem, StreamProgress, StreamState, SyncReport, SyncRun,
    TokenConnect,
};
pub use pw_domain::{AudienceId, Platform, WorkspaceId};
pub use pw_secrets::Secret;

/// Connections, as `engine.connectors()` hands them out.
pub struct ConnectorsFacade<'e> {
    engine: &'e Engine,
}

impl<'e> ConnectorsFacade<'e> {
    pub(crate) fn new(engine: &'e Engine) -> Self {
        ConnectorsFacade { engine }
    }

    /// The platforms this version connects.
    pub fn platforms(&self) -> &'static [Platform] {
        self.engine.connectors.platforms()
    }

    /// Connects a platform with a token (checked against the platform before it is kept).
    pub async fn connect(&self, request: TokenConnect) -> Result<ConnectionView> {
        Ok(self.engine.connectors.connect(request).await?)
    }

    /// Saves an enrichment service's API key (the Census API, web search) in the keychain.
    pub async fn set_enrichment_key(&self, service: EnrichmentService, key: Secret) -> Result<()> {
        Ok(self.engine.enrichment.set_key(service, key).await?)
    }

    pub async fn has_enrichment_key(&self, service: EnrichmentService) -> Result<bool> {
        Ok(self.engine.enrichment.has_key(service).await?)
    }

    pub async fn remove_enrichment_key(&self, service: EnrichmentService) -> Result<()> {
        Ok(self.engine.enrichment.remove_key(service).await?)
    }

    /// Fetches the ACS tables of `year` the survey universe weighs to (and education, which no
    /// registry package ships) into the reference data folder.
    pub async fn refresh_census(&self, year: u16) -> Result<CensusRefresh> {
        Ok(self
            .engine
            .enrichment
            .refresh_census(year, &self.engine.config.reference_data_dir)
            .await?)
    }

    /// Searches the web (or the news) and keeps the results as mentions with their URLs.
    pub async fn search_web(
        &self,
        workspace: WorkspaceId,
        query: &str,
        kind: WebSearchKind,
        audience: Option<AudienceId>,
        limit: u32,
    ) -> Result<WebSearchResult> {
        Ok(self
            .engine
            .enrichment
            .search_web(workspace, query, kind, audience, limit)
            .await?)
    }

    /// A demo workspace made by real syncs: the sandbox serves every platform on this
    /// computer, each is connected with a sandbox token and synced over HTTP like a client's
    /// account, and the connections are removed afterwards (the sandbox lives only this long);
    /// the data stays. `progress` hears each platform's sync as it goes.
    pub async fn create_sandbox_demo(
        &self,
        name: &str,
        days: u32,
        progress: &(impl Fn(f64, String) + Sync),
    ) -> Result<(WorkspaceId, Vec<SyncReport>)> {
        use pw_sandbox::{Sandbox, SandboxConfig, SandboxPlatform};
        let sandbox = Sandbox::new(SandboxConfig {
            days,
            ..SandboxConfig::default()
        });
        let running = sandbox.clone().start(0).await.map_err(|e| {
            crate::EngineError::InvalidInput(format!("the sandbox could not start: {e}"))
        })?;
        let workspace = self
            .engine
            .workspaces()
            .create(crate::workspaces::CreateWorkspace {
                name: name.to_owned(),
                brand: "Sandbox Coffee Co.".into(),
                currency: "USD".into(),
                time_zone: "America/Los_Angeles".into(),
            })
            .await?
            .workspace
            .id;
        let platforms = [
            (Platform::Meta, SandboxPlatform::Meta),
            (Platform::GoogleAds, SandboxPlatform::GoogleAds),
            (Platform::Tiktok, SandboxPlatform::Tiktok),
            (Platform::Pinterest, SandboxPlatform::Pinterest),
            (Platform::Linkedin, SandboxPlatform::Linkedin),
            (Platform::Snapchat, SandboxPlatform::Snapchat),
            (Platform::Dv360, SandboxPlatform::Dv360),
            (Platform::Ga4, SandboxPlatform::Ga4),
            (Platform::Youtube, SandboxPlatform::Youtube),
        ];
        // The sandbox runs on this computer and has no budget to respect: its own connectors,
        // unpaced, asking about a report every fifth of a second.
        let unpaced = Connectors::new(
            pw_connectors::ConnectionStore::new(self.engine.db.clone()),
            self.engine.queue.clone(),
            pw_secrets::Keychain::with_service(self.engine.config.keychain_service.clone()),
            RetryPolicy {
                requests_per_minute: Some(1_000_000),
                poll_interval: std::time::Duration::from_millis(200),
                ..self.engine.config.connector_retries.clone()
            },
        );
        let mut reports = Vec::new();
        let from = chrono::Utc::now().date_naive() - chrono::Days::new(u64::from(days));
        for (index, (platform, sandbox_platform)) in platforms.into_iter().enumerate() {
            let share = index as f64 / platforms.len() as f64;
            progress(share, format!("Connecting {}", platform.display_name()));
            let view = unpaced
                .connect(TokenConnect {
                    workspace_id: workspace,
                    platform,
                    access_token: Secret::new(sandbox.issue_token(sandbox_platform)),
                    refresh_token: None,
                    expires_in: None,
                    label: Some(format!("{} (sandbox)", platform.display_name())),
                    api_root: Some(running.base_url.clone()),
                    client_id: Some("sandbox-demo".into()),
                    client_secret: Some(Secret::new("sandbox-demo")),
                    developer_token: Some(Secret::new("sandbox-demo")),
                    auth_kind: AuthKind::Token,
                })
                .await?;
            let synced = unpaced
                .sync_now(
                    &view.connection.id,
                    Some(from),
                    &ForwardProgress {
                        progress,
                        share,
                        span: 1.0 / platforms.len() as f64,
                    },
                )
                .await;
            // The sandbox lives only for this call: its connections go whatever the sync did.
            unpaced.remove(&view.connection.id).await?;
            let report = synced?;
            reports.push(report);
        }
        running.shutdown().await;
        // The synced rows feed the evidence layer like any sync's.
        self.engine.evidence().start_signal_build(workspace).await?;
        Ok((workspace, reports))
    }

    /// Starts a sign-in in the system browser.
    pub async fn begin_sign_in(&self, request: SignInConnect) -> Result<SignInStarted> {
        Ok(self.engine.connectors.begin_sign_in(request).await?)
    }

    /// Waits for the browser to come back to a sign-in, then connects.
    pub async fn finish_sign_in(
        &self,
        id: &str,
        within: std::time::Duration,
    ) -> Result<ConnectionView> {
        Ok(self.engine.connectors.finish_sign_in(id, within).await?)
    }

    /// Stops waiting for a sign-in.
    pub async fn cancel_sign_in(&self, id: &str) {
        self.engine.connectors.cancel_sign_in(id).await;
    }

    pub async fn list(&self, workspace: Option<WorkspaceId>) -> Result<Vec<ConnectionView>> {
        Ok(self.engine.connectors.connections(workspace).await?)
    }

    pub async fn get(&self, id: &str) -> Result<ConnectionView> {
        Ok(self.engine.connectors.connection(id).await?)
    }

    pub async fn remove(&self, id: &str) -> Result<()> {
        Ok(self.engine.connectors.remove(id).await?)
    }

    pub async fn select_accounts(&self, id: &str, accounts: &[String]) -> Result<ConnectionView> {
        Ok(self.engine.connectors.select_accounts(id, accounts).await?)
    }

    pub async fn set_schedule(&self, id: &str, cron: Option<&str>) -> Result<ConnectionView> {
        Ok(self.engine.connectors.set_schedule(id, cron).await?)
    }

    /// Starts (or continues) a sync as a job on the slow lane.
    pub async fn start_sync(
        &self,
        id: &str,
        from: Option<NaiveDate>,
        full: bool,
    ) -> Result<SyncRun> {
        Ok(self.engine.connectors.start_sync(id, from, full).await?)
    }

    pub async fn run(&self, run_id: &str) -> Result<SyncRun> {
        Ok(self.engine.connectors.run(run_id).await?)
    }

    pub async fn runs(&self, connection_id: &str, limit: u32) -> Result<Vec<SyncRun>> {
        Ok(self.engine.connectors.runs(connection_id, limit).await?)
    }
}

/// A sync that stored rows changes what the evidence layer derives from them: once it has
/// succeeded (wholly or in part), the workspace's signals are rebuilt (a job of their own), so
/// synced audiences and figures reach the Audiences screen, search and the twins.
pub(crate) fn follow_syncs(engine: std::sync::Weak<Engine>) -> tokio::task::JoinHandle<()> {
    let Some(strong) = engine.upgrade() else {
        return tokio::spawn(async {});
    };
    let mut events = strong.queue.subscribe();
    drop(strong);
    tokio::spawn(async move {
        loop {
            let job = match events.recv().await {
                Ok(pw_jobs::JobEvent::Changed(job)) => job,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            let stored_rows = job
                .result
                .as_ref()
                .and_then(|r| r.get("records"))
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0);
            if job.kind != SYNC_JOB_KIND
                || job.state != pw_jobs::JobState::Succeeded
                || stored_rows == 0
            {
                continue;
            }
            let Some(engine) = engine.upgrade() else {
                return;
            };
            let Some(workspace) = job
                .workspace_id
                .as_deref()
                .and_then(|w| w.parse::<WorkspaceId>().ok())
            else {
                continue;
            };
            if let Err(error) = engine.evidence().start_signal_build(workspace).await {
                tracing::warn!(%error, "the signals of a synced workspace could not be rebuilt");
            }
        }
    })
}

/// One platform's sync progress as a share of the whole demo's.
struct ForwardProgress<'p, F> {
    progress: &'p F,
    share: f64,
    span: f64,
}

impl<F: Fn(f64, String) + Sync> pw_connectors::SyncObserver for ForwardProgress<'_, F> {
    async fn progress(&self, fraction: f64, message: String) {
        (self.progress)(self.share + self.span * fraction, message);
    }
}
