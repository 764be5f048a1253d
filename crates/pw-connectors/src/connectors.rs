//! The connectors context's facade: connect a platform (the token checked against the
//! platform, then kept in the OS keychain), list and remove connections, pick accounts,
//! schedule syncs, start a sync as a job on the slow lane, and run one (the job's work).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use pw_domain::{Platform, WorkspaceId};
use pw_http::PacingState;
use pw_jobs::{JobQueue, JobSpec, Lane, Schedule, Scheduler};
use pw_secrets::{Keychain, Secret};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::connector::Connector;
use crate::credentials::{CredentialHome, StoredCredential, credential_name};
use crate::error::{ConnectorError, Result};
use crate::handlers::{SYNC_JOB_KIND, SyncPayload};
use crate::oauth::PendingSignIn;
use crate::platforms::{self, Build, ConnectorWork, SUPPORTED};
use crate::records::RemoteAccount;
use crate::repository::{
    AuthKind, Connection, ConnectionAccount, ConnectionStatus, ConnectionStore,
};
use crate::runs::{RunStatus, StreamProblem, SyncReport, SyncRun};
use crate::sync::{self, SyncObserver, SyncOutcome, SyncPlan};
use crate::transport::RetryPolicy;

mod sign_in;

/// Every connection syncs nightly unless the person changes it: at 02:30 on this computer.
pub const NIGHTLY: &str = "30 2 * * *";

/// A connection made with a token the person pastes (Meta's long-lived or system-user
/// token, TikTok's Marketing API token), or with tokens an OAuth flow obtained.
pub struct TokenConnect {
    pub workspace_id: WorkspaceId,
    pub platform: Platform,
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    pub expires_in: Option<i64>,
    pub label: Option<String>,
    /// A sandbox's or a proxy's root, instead of the platform's own hosts.
    pub api_root: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    /// Google Ads' developer token.
    pub developer_token: Option<Secret>,
    pub auth_kind: AuthKind,
}

/// A connection made by signing in in the system browser with the person's own app (client
/// id and secret), or the app's (Google's installed-app flow).
pub struct SignInConnect {
    pub workspace_id: WorkspaceId,
    pub platform: Platform,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub developer_token: Option<Secret>,
    pub api_root: Option<String>,
    pub label: Option<String>,
    /// The loopback port the browser comes back to (0: any free one); by default any for
    /// Google and [`crate::oauth::REGISTERED_PORT`] for the platforms that match redirects exactly.
    pub redirect_port: Option<u16>,
}

/// A sign-in waiting for the browser: open `authorize_url`, then finish it by its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInStarted {
    pub sign_in_id: String,
    pub authorize_url: String,
    /// The address the browser comes back to, which the person's app must have registered.
    pub redirect_uri: String,
}

/// A connection as the connections screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub connection: Connection,
    pub accounts: Vec<ConnectionAccount>,
    pub last_run: Option<SyncRun>,
    pub next_sync_at: Option<DateTime<Utc>>,
}

pub struct Connectors {
    store: ConnectionStore,
    queue: JobQueue,
    keychain: Keychain,
    pacing: Arc<PacingState>,
    http: reqwest::Client,
    policy: RetryPolicy,
    /// Sign-ins waiting for the browser, by id.
    sign_ins: tokio::sync::Mutex<std::collections::HashMap<String, (SignInConnect, PendingSignIn)>>,
    /// What stops a sign-in's wait when the person gives up on it, and the port it listens on.
    sign_in_stops: std::sync::Mutex<std::collections::HashMap<String, (CancellationToken, u16)>>,
    /// What time it is for a sync ("yesterday" in each account's zone); tests fix it.
    clock: fn() -> DateTime<Utc>,
}

fn schedule_name(connection_id: &str) -> String {
    format!("sync:{connection_id}")
}

struct ListAccounts;

impl ConnectorWork<Vec<RemoteAccount>> for ListAccounts {
    async fn run<C: Connector>(self, connector: &C) -> Result<Vec<RemoteAccount>> {
        connector.accounts().await
    }
}

struct RunSync<'a, O> {
    plan: SyncPlan<'a>,
    observer: &'a O,
}

impl<O: SyncObserver> ConnectorWork<SyncOutcome> for RunSync<'_, O> {
    async fn run<C: Connector>(self, connector: &C) -> Result<SyncOutcome> {
        sync::run(connector, self.plan, self.observer).await
    }
}

impl Connectors {
    pub fn new(
        store: ConnectionStore,
        queue: JobQueue,
        keychain: Keychain,
        policy: RetryPolicy,
    ) -> Arc<Self> {
        Self::with_clock(store, queue, keychain, policy, Utc::now)
    }

    /// As [`Connectors::new`], with the time syncs reckon "yesterday" from.
    pub fn with_clock(
        store: ConnectionStore,
        queue: JobQueue,
        keychain: Keychain,
        policy: RetryPolicy,
        clock: fn() -> DateTime<Utc>,
    ) -> Arc<Self> {
        Arc::new(Connectors {
            store,
            queue,
            keychain,
            pacing: PacingState::new(),
            http: reqwest::Client::builder()
                .user_agent(concat!("ProfitWheel/", env!("CARGO_PKG_VERSION")))
                // Token refreshes and code exchanges never wait for ever; sync requests have
                // their own, equal deadline in the transport.
                .timeout(policy.request_timeout)
                .build()
                .unwrap_or_default(),
            policy,
            sign_ins: tokio::sync::Mutex::default(),
            sign_in_stops: std::sync::Mutex::default(),
            clock,
        })
    }

    pub fn platforms(&self) -> &'static [Platform] {
        &SUPPORTED
    }

    fn home(&self, connection_id: &str) -> Result<CredentialHome> {
        Ok(CredentialHome {
            keychain: self.keychain.clone(),
            name: credential_name(connection_id)?,
        })
    }

    fn build<'a>(
        &'a self,
        platform: Platform,
        api_root: Option<&'a str>,
        connection: &'a str,
        cancel: CancellationToken,
    ) -> Build<'a> {
        Build {
            platform,
            api_root,
            pacing: &self.pacing,
            http: &self.http,
            policy: &self.policy,
            connection,
            cancel,
        }
    }

    /// Connects a platform: the token is tried against it (its accounts listed) before
    /// anything is kept; then the credential goes to the keychain, the connection and its
    /// accounts to the workspace, and a nightly sync is scheduled.
    pub async fn connect(&self, request: TokenConnect) -> Result<ConnectionView> {
        if !SUPPORTED.contains(&request.platform) {
            return Err(ConnectorError::Invalid(format!(
                "{} cannot be connected yet",
                request.platform.display_name()
            )));
        }
        self.require_workspace(request.workspace_id).await?;
        let stored = StoredCredential {
            access_token: request.access_token.expose().to_owned(),
            refresh_token: request
                .refresh_token
                .as_ref()
                .map(|s| s.expose().to_owned()),
            expires_at: request
                .expires_in
                .map(|s| Utc::now() + chrono::Duration::seconds(s)),
            client_id: request.client_id.clone(),
            client_secret: request
                .client_secret
                .as_ref()
                .map(|s| s.expose().to_owned()),
            developer_token: request
                .developer_token
                .as_ref()
                .map(|s| s.expose().to_owned()),
            scopes: Vec::new(),
            obtained_at: Utc::now(),
        };
        let id = pw_domain::new_id();
        let home = self.home(&id)?;
        // Tried first with the credential in memory only: a token the platform refuses is
        // never kept.
        let transport = platforms::transport(
            &self.build(
                request.platform,
                request.api_root.as_deref(),
                &id,
                CancellationToken::new(),
            ),
            stored.clone(),
            home.clone(),
        );
        let credentials = transport.credentials.clone();
        let accounts =
            match platforms::with_connector(transport, request.api_root.as_deref(), ListAccounts)
                .await
            {
                Ok(accounts) => accounts,
                Err(error) => {
                    // Trying the token may have refreshed it into the keychain: nothing of a
                    // connection that was not made is kept.
                    let _ = home.remove().await;
                    return Err(error);
                }
            };
        // The credential as it stands now: listing the accounts may have refreshed the token,
        // and a rotated refresh token (Pinterest) replaced the one given, which is retired.
        home.save(&credentials.snapshot().await).await?;
        let connection = Connection {
            id: id.clone(),
            workspace_id: request.workspace_id,
            platform: request.platform,
            label: request.label.unwrap_or_else(|| match accounts.first() {
                Some(first) if accounts.len() == 1 => {
                    format!("{} · {}", request.platform.display_name(), first.name)
                }
                _ => request.platform.display_name().to_owned(),
            }),
            status: ConnectionStatus::Connected,
            status_reason: None,
            auth_kind: request.auth_kind,
            api_root: request.api_root,
            paused_until: None,
            sync_cron: Some(NIGHTLY.to_owned()),
            last_synced_at: None,
            created_at: Utc::now(),
        };
        if let Err(error) = self.store.insert(&connection).await {
            let _ = home.remove().await;
            return Err(error);
        }
        self.store.save_accounts(&connection, &accounts).await?;
        self.schedule(&connection, Some(NIGHTLY)).await?;
        tracing::info!(
            platform = connection.platform.as_str(),
            accounts = accounts.len(),
            "platform connected"
        );
        self.view(connection).await
    }

    async fn require_workspace(&self, id: WorkspaceId) -> Result<()> {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM workspaces WHERE id = ?)")
                .bind(id.to_string())
                .fetch_one(self.store.database().reader())
                .await?;
        if exists {
            Ok(())
        } else {
            Err(ConnectorError::WorkspaceNotFound(id.to_string()))
        }
    }

    async fn schedule(&self, connection: &Connection, cron: Option<&str>) -> Result<()> {
        let scheduler = Scheduler::new(self.queue.clone());
        let workspace = connection.workspace_id.to_string();
        match cron {
            Some(cron) => {
                scheduler
                    .upsert(&Schedule {
                        name: schedule_name(&connection.id),
                        cron: cron.to_owned(),
                        kind: SYNC_JOB_KIND.to_owned(),
                        title: format!("Sync {}", connection.label),
                        lane: Lane::Slow,
                        payload: serde_json::to_value(SyncPayload {
                            connection_id: connection.id.clone(),
                            run_id: None,
                        })
                        .unwrap_or_default(),
                        workspace_id: Some(workspace),
                        enabled: true,
                        last_fire_at: None,
                        last_error: None,
                    })
                    .await?
            }
            None => {
                scheduler
                    .remove(Some(&workspace), &schedule_name(&connection.id))
                    .await?
            }
        }
        Ok(())
    }

    /// Sets (or, with `None`, stops) a connection's scheduled sync.
    pub async fn set_schedule(
        &self,
        connection_id: &str,
        cron: Option<&str>,
    ) -> Result<ConnectionView> {
        let connection = self.store.connection(connection_id).await?;
        self.schedule(&connection, cron).await?;
        self.store.set_sync_cron(connection_id, cron).await?;
        self.connection(connection_id).await
    }

    async fn view(&self, connection: Connection) -> Result<ConnectionView> {
        let accounts = self.store.accounts(&connection.id).await?;
        let last_run = match self.store.runs(&connection.id, 1).await?.into_iter().next() {
            Some(run) => Some(self.reconciled(run).await?),
            None => None,
        };
        let next_sync_at = match &connection.sync_cron {
            Some(cron) => Scheduler::next_fire_after(cron, Utc::now().timestamp_millis())?
                .and_then(DateTime::from_timestamp_millis),
            None => None,
        };
        Ok(ConnectionView {
            connection,
            accounts,
            last_run,
            next_sync_at,
        })
    }

    pub async fn connection(&self, id: &str) -> Result<ConnectionView> {
        let connection = self.store.connection(id).await?;
        self.view(connection).await
    }

    pub async fn connections(&self, workspace: Option<WorkspaceId>) -> Result<Vec<ConnectionView>> {
        let mut views = Vec::new();
        for connection in self.store.connections(workspace).await? {
            views.push(self.view(connection).await?);
        }
        Ok(views)
    }

    /// Removes a connection: its keychain entry, its schedule, its accounts, cursors and runs.
    /// The ad data it synced stays in the workspace.
    pub async fn remove(&self, id: &str) -> Result<()> {
        let connection = self.store.connection(id).await?;
        // A sync under way stops first; one that still refreshes its token afterwards finds
        // the connection gone and removes the entry again (see `run_sync`).
        if let Some(run) = self.store.unfinished_run(id).await?
            && let Some(job) = &run.job_id
            && let Err(error) = self.queue.cancel(job).await
        {
            tracing::debug!(%error, "the sync of a removed connection had already ended");
        }
        self.schedule(&connection, None).await?;
        self.store.delete(id).await?;
        self.home(id)?.remove().await
    }

    /// Removes the keychain entries of a workspace's connections (before the workspace is
    /// deleted, which deletes the connections' rows).
    pub async fn forget_workspace(&self, workspace: WorkspaceId) -> Result<()> {
        for connection in self.store.connections(Some(workspace)).await? {
            self.home(&connection.id)?.remove().await?;
        }
        Ok(())
    }

    pub async fn select_accounts(&self, id: &str, accounts: &[String]) -> Result<ConnectionView> {
        self.store.select_accounts(id, accounts).await?;
        self.connection(id).await
    }

    /// Starts a sync of a connection as a job on the slow lane; a sync of it that is already
    /// under way (or was killed mid-way) is continued instead of started twice. `from` reads
    /// from that day (a first sync reads the last 90 days without it); `full` forgets the
    /// cursors and reads everything again.
    pub async fn start_sync(
        &self,
        connection_id: &str,
        from: Option<NaiveDate>,
        full: bool,
    ) -> Result<SyncRun> {
        let connection = self.store.connection(connection_id).await?;
        if let Some(run) = self.store.unfinished_run(connection_id).await? {
            let job_alive = match &run.job_id {
                Some(job) => self
                    .queue
                    .get(job)
                    .await
                    .map(|j| !j.state.is_finished())
                    .unwrap_or(false),
                None => false,
            };
            if job_alive {
                return Ok(run);
            }
            // A run whose job ended without finishing it (the app closed, a crash) continues
            // from its checkpoint, unless the person now asks for another start or a full
            // re-read: then it ends and a new run starts.
            if from == run.requested_from && !full {
                return self.enqueue(&connection, run).await;
            }
            self.end_stopped_run(&run, "it was replaced by a new sync", false)
                .await?;
        }
        if full {
            self.store.clear_cursors(connection_id).await?;
        }
        let run = SyncRun {
            id: pw_domain::new_id(),
            workspace_id: connection.workspace_id,
            connection_id: connection.id.clone(),
            job_id: None,
            requested_from: from,
            status: RunStatus::Running,
            streams: Vec::new(),
            report: None,
            started_at: Utc::now(),
            finished_at: None,
        };
        self.store.create_run(&run).await?;
        self.enqueue(&connection, run).await
    }

    /// Syncs a connection now, in this task rather than as a job (the sandbox demo: its
    /// sandbox lives only as long as this process's call).
    pub async fn sync_now(
        &self,
        connection_id: &str,
        from: Option<NaiveDate>,
        observer: &impl SyncObserver,
    ) -> Result<SyncReport> {
        let connection = self.store.connection(connection_id).await?;
        let run = SyncRun {
            id: pw_domain::new_id(),
            workspace_id: connection.workspace_id,
            connection_id: connection.id.clone(),
            job_id: None,
            requested_from: from,
            status: RunStatus::Running,
            streams: Vec::new(),
            report: None,
            started_at: Utc::now(),
            finished_at: None,
        };
        self.store.create_run(&run).await?;
        self.run_sync(&run.id, observer, CancellationToken::new())
            .await
    }

    async fn enqueue(&self, connection: &Connection, mut run: SyncRun) -> Result<SyncRun> {
        let job = self
            .queue
            .enqueue(
                JobSpec::new(
                    SYNC_JOB_KIND,
                    format!("Sync {}", connection.label),
                    Lane::Slow,
                )
                .workspace(connection.workspace_id.to_string())
                .payload(
                    serde_json::to_value(SyncPayload {
                        connection_id: connection.id.clone(),
                        run_id: Some(run.id.clone()),
                    })
                    .unwrap_or_default(),
                ),
            )
            .await?;
        self.store.set_run_job(&run.id, &job.id).await?;
        run.job_id = Some(job.id);
        Ok(run)
    }

    pub async fn run(&self, run_id: &str) -> Result<SyncRun> {
        let run = self.store.run(run_id).await?;
        self.reconciled(run).await
    }

    /// A run still marked running whose job has ended (cancelled, or failed for good) is ended
    /// with a report saying so, so no screen waits on it for ever.
    async fn reconciled(&self, run: SyncRun) -> Result<SyncRun> {
        if run.status != RunStatus::Running {
            return Ok(run);
        }
        let Some(job_id) = &run.job_id else {
            return Ok(run);
        };
        let job = match self.queue.get(job_id).await {
            Ok(job) => job,
            Err(pw_jobs::QueueError::NotFound(_)) => {
                self.end_stopped_run(&run, "its job is gone", false).await?;
                return self.store.run(&run.id).await;
            }
            Err(error) => return Err(error.into()),
        };
        if !job.state.is_finished() {
            return Ok(run);
        }
        let why = match (job.state, job.last_error.as_deref()) {
            (pw_jobs::JobState::Cancelled, _) => "it was cancelled".to_owned(),
            (_, Some(error)) => format!("it stopped: {error}"),
            _ => "it stopped before it finished".to_owned(),
        };
        let cancelled = job.state == pw_jobs::JobState::Cancelled;
        self.end_stopped_run(&run, &why, cancelled).await?;
        self.store.run(&run.id).await
    }

    async fn end_stopped_run(&self, run: &SyncRun, why: &str, cancelled: bool) -> Result<()> {
        let connection = self.store.connection(&run.connection_id).await?;
        let problem = StreamProblem {
            kind: "stopped".into(),
            message: format!("The sync did not finish: {why}."),
            action: "Sync again: it continues from the last data stored.".into(),
        };
        let mut report =
            SyncReport::of(connection.platform, &run.streams, cancelled, Some(&problem));
        if report.status == RunStatus::Succeeded {
            report.status = RunStatus::Partial;
        }
        self.store.finish_run(&run.id, &report).await
    }

    pub async fn runs(&self, connection_id: &str, limit: u32) -> Result<Vec<SyncRun>> {
        self.store.runs(connection_id, limit).await
    }

    /// The run a scheduled sync continues or starts (the job of a schedule names none).
    pub(crate) async fn run_for_schedule(
        &self,
        connection_id: &str,
        job_id: &str,
    ) -> Result<SyncRun> {
        if let Some(run) = self.store.unfinished_run(connection_id).await? {
            self.store.set_run_job(&run.id, job_id).await?;
            return Ok(run);
        }
        let connection = self.store.connection(connection_id).await?;
        let run = SyncRun {
            id: pw_domain::new_id(),
            workspace_id: connection.workspace_id,
            connection_id: connection.id,
            job_id: Some(job_id.to_owned()),
            requested_from: None,
            status: RunStatus::Running,
            streams: Vec::new(),
            report: None,
            started_at: Utc::now(),
            finished_at: None,
        };
        self.store.create_run(&run).await?;
        Ok(run)
    }

    /// Runs a sync (the job's work): its report is stored with the run, the connection marked
    /// for reconnecting when the platform no longer takes its token, or paused when the
    /// platform asked for a long wait.
    pub async fn run_sync(
        &self,
        run_id: &str,
        observer: &impl SyncObserver,
        cancel: CancellationToken,
    ) -> Result<SyncReport> {
        let run = self.store.run(run_id).await?;
        if run.status != RunStatus::Running {
            return run
                .report
                .ok_or_else(|| ConnectorError::Invalid("this sync has ended".into()));
        }
        let connection = self.store.connection(&run.connection_id).await?;
        let refuse = |error: ConnectorError| {
            let problem = StreamProblem::of(&error);
            SyncReport::of(connection.platform, &run.streams, false, Some(&problem))
        };
        if connection.status == ConnectionStatus::NeedsReauth {
            let report = refuse(ConnectorError::Reconnect {
                platform: connection.platform,
                reason: connection
                    .status_reason
                    .clone()
                    .unwrap_or_else(|| "its token was refused".into()),
            });
            self.store.finish_run(run_id, &report).await?;
            return Ok(report);
        }
        if let Some(until) = connection.paused_until.filter(|until| *until > Utc::now()) {
            let report = refuse(ConnectorError::RateLimited {
                platform: connection.platform,
                until,
                wait: (until - Utc::now()).to_std().unwrap_or_default(),
            });
            self.store.finish_run(run_id, &report).await?;
            return Ok(report);
        }
        let home = self.home(&connection.id)?;
        let Some(stored) = home.load().await? else {
            let reason = "its credential is not in this computer's keychain";
            self.store
                .set_status(&connection.id, ConnectionStatus::NeedsReauth, Some(reason))
                .await?;
            let report = refuse(ConnectorError::Reconnect {
                platform: connection.platform,
                reason: reason.into(),
            });
            self.store.finish_run(run_id, &report).await?;
            return Ok(report);
        };
        let transport = platforms::transport(
            &self.build(
                connection.platform,
                connection.api_root.as_deref(),
                &connection.id,
                cancel.clone(),
            ),
            stored,
            home.clone(),
        );
        let plan = SyncPlan {
            store: &self.store,
            connection: &connection,
            run_id,
            requested_from: run.requested_from,
            streams: run.streams.clone(),
            cancel,
            now: (self.clock)(),
        };
        let outcome = platforms::with_connector(
            transport,
            connection.api_root.as_deref(),
            RunSync { plan, observer },
        )
        .await?;
        match &outcome.stopped_by {
            Some(ConnectorError::Reconnect { reason, .. }) => {
                self.store
                    .set_status(&connection.id, ConnectionStatus::NeedsReauth, Some(reason))
                    .await?;
            }
            Some(ConnectorError::RateLimited { until, .. }) => {
                self.store
                    .set_paused_until(&connection.id, Some(*until))
                    .await?;
            }
            _ => self.store.set_paused_until(&connection.id, None).await?,
        }
        // A cancelled run ends too: the next sync starts from the cursors, which hold every
        // window stored.
        self.store.finish_run(run_id, &outcome.report).await?;
        // Removed while it ran: a token refreshed meanwhile must not stay in the keychain.
        if matches!(
            self.store.connection(&connection.id).await,
            Err(ConnectorError::ConnectionNotFound(_))
        ) {
            home.remove().await?;
        }
        if matches!(
            outcome.report.status,
            RunStatus::Succeeded | RunStatus::Partial
        ) {
            self.store.set_synced(&connection.id, Utc::now()).await?;
        }
        Ok(outcome.report)
    }
}
