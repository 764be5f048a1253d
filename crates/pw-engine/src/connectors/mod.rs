//! Ad-platform connections and their syncs (issue 15, under way).
//!
//! The context lives in `pw-connectors`; this module is the engine's facade over it. Callers
//! name the types below through this module, never through `pw_connectors`.

pub use chrono::NaiveDate;

use crate::Engine;
use crate::error::Result;

pub(crate) use pw_connectors::Connectors;
pub use pw_connectors::{
    AuthKind, Connection, ConnectionAccount, ConnectionStatus, ConnectionView, ConnectorError,
    DayWindow, NIGHTLY, RemoteAccount, RetryPolicy, RunStatus, SUPPORTED, SYNC_JOB_KIND,
    SignInConnect, SignInStarted, StreamProblem, StreamProgress, StreamState, SyncReport, SyncRun,
    TokenConnect,
};
pub use pw_domain::{Platform, WorkspaceId};
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
