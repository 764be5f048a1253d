//! The evidence context's use cases behind one facade, [`Evidence`], which the engine hands out
//! through `engine.evidence()`.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use pw_domain::{AudienceId, DerivedSignalId, GroundingReportId, WorkspaceId};
use pw_jobs::{Job, JobQueue, JobSpec, Lane};
use pw_llm::Gateway;
use pw_store::Database;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::Row;

use crate::error::{EvidenceError, Result};
use crate::handlers;
use crate::reports::{self, GroundingReport, ReportKind, ReportSummary};
use crate::repository::{EvidenceRow, EvidenceStore};
use crate::search::{self, IndexState, Query, Retrieval, SearchIndexes, SearchPage};
use crate::signals::{Signal, SignalKind};

/// Where the evidence context gets the model gateway: the language-models context owns it and
/// rebuilds it when settings change, so it is asked for each piece of work.
pub trait GatewaySource: Send + Sync {
    fn gateway(&self) -> Pin<Box<dyn Future<Output = Result<Arc<Gateway>>> + Send + '_>>;
}

/// An audience as the Audiences screen shows it: the platform's description, and what the
/// evidence layer has found and written about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudienceOverview {
    pub id: AudienceId,
    pub name: String,
    pub platform: String,
    pub kind: String,
    pub size_lower: Option<i64>,
    pub size_upper: Option<i64>,
    pub interests: Vec<String>,
    pub demographics: Value,
    /// Live signals about it, by kind (its own and the workspace's whole public's).
    pub signals: BTreeMap<SignalKind, i64>,
    pub reports: Vec<ReportSummary>,
}

pub struct Evidence {
    db: Database,
    queue: JobQueue,
    indexes: SearchIndexes,
    models: Arc<dyn GatewaySource>,
}

impl Evidence {
    /// `search_root` holds one search index folder per workspace.
    pub fn new(
        db: Database,
        queue: JobQueue,
        search_root: PathBuf,
        models: Arc<dyn GatewaySource>,
    ) -> Self {
        Evidence {
            db,
            queue,
            indexes: SearchIndexes::new(search_root),
            models,
        }
    }

    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    pub(crate) fn indexes(&self) -> &SearchIndexes {
        &self.indexes
    }

    pub(crate) async fn gateway(&self) -> Result<Arc<Gateway>> {
        self.models.gateway().await
    }

    fn store(&self) -> EvidenceStore<'_> {
        EvidenceStore::new(&self.db)
    }

    async fn require_workspace(&self, workspace: WorkspaceId) -> Result<()> {
        if self.store().workspace_exists(workspace).await? {
            Ok(())
        } else {
            Err(EvidenceError::WorkspaceNotFound(workspace.to_string()))
        }
    }

    pub async fn audiences(&self, workspace: WorkspaceId) -> Result<Vec<AudienceOverview>> {
        self.require_workspace(workspace).await?;
        let workspace_id = workspace.to_string();
        let profiles = self.store().audiences(workspace).await?;
        let counts = sqlx::query(
            "SELECT coalesce(audience_id, '') AS audience, kind, count(*) AS n FROM signals
             WHERE workspace_id = ? AND retired_at IS NULL GROUP BY 1, 2",
        )
        .bind(&workspace_id)
        .fetch_all(self.db.reader())
        .await?;
        // Keyed by the audience's stored text ('' for the workspace's whole public).
        let mut by_audience: BTreeMap<String, BTreeMap<SignalKind, i64>> = BTreeMap::new();
        for row in &counts {
            // A kind this build does not know is a newer build's signal: not counted here.
            if let Ok(kind) = row.try_get::<String, _>("kind")?.parse::<SignalKind>() {
                by_audience
                    .entry(row.try_get("audience")?)
                    .or_default()
                    .insert(kind, row.try_get("n")?);
            }
        }
        let reports = reports::list_reports(&self.db, workspace, None).await?;
        let public = by_audience.get("").cloned().unwrap_or_default();
        Ok(profiles
            .into_iter()
            .map(|profile| {
                let mut signals = public.clone();
                let own = by_audience.get(&profile.id.to_string());
                for (kind, n) in own.cloned().unwrap_or_default() {
                    *signals.entry(kind).or_default() += n;
                }
                AudienceOverview {
                    reports: reports
                        .iter()
                        .filter(|r| r.audience_id == profile.id)
                        .cloned()
                        .collect(),
                    id: profile.id,
                    name: profile.name,
                    platform: profile.platform,
                    kind: profile.kind,
                    size_lower: profile.size_lower,
                    size_upper: profile.size_upper,
                    interests: profile.interests,
                    demographics: profile.demographics,
                    signals,
                }
            })
            .collect())
    }

    /// Live signals of a workspace; with an audience, its own and the workspace-wide ones.
    pub async fn signals(
        &self,
        workspace: WorkspaceId,
        audience: Option<AudienceId>,
    ) -> Result<Vec<Signal>> {
        self.require_workspace(workspace).await?;
        self.store().signals(workspace, audience, false).await
    }

    pub async fn signal(&self, id: DerivedSignalId) -> Result<Signal> {
        self.store().signal(id).await
    }

    /// The rows behind a signal (at most `limit`), segment rows first.
    pub async fn evidence_rows(
        &self,
        signal_id: DerivedSignalId,
        limit: usize,
    ) -> Result<Vec<EvidenceRow>> {
        self.store().signal(signal_id).await?;
        self.store().evidence_rows(signal_id, limit).await
    }

    /// The row a search hit came from, whole: a mention, search term or behaviour with its
    /// figures, or a creative's copy. Signals and reports open through their own reads.
    pub async fn source_row(
        &self,
        workspace: WorkspaceId,
        kind: pw_search::DocKind,
        id: &str,
    ) -> Result<EvidenceRow> {
        use pw_search::DocKind;
        let table = match kind {
            DocKind::Mention | DocKind::SearchTerm | DocKind::Behavior => {
                crate::signals::SourceTable::AudienceSignals
            }
            DocKind::Creative => crate::signals::SourceTable::Creatives,
            // Signals and reports have their own views; transcripts, twin memories and open
            // ends arrive with their contexts.
            DocKind::Signal
            | DocKind::Report
            | DocKind::Transcript
            | DocKind::TwinMemory
            | DocKind::OpenEnd => {
                return Err(EvidenceError::Invalid(format!(
                    "a {} is opened in its own view, not as a source row",
                    kind.as_str().replace('_', " ")
                )));
            }
        };
        self.store()
            .source_row(workspace, table, id)
            .await?
            .ok_or_else(|| EvidenceError::SourceNotFound {
                kind: kind.as_str().replace('_', " "),
                id: id.to_owned(),
            })
    }

    /// Enqueues a build of the workspace's signals.
    pub async fn start_signal_build(&self, workspace: WorkspaceId) -> Result<Job> {
        self.require_workspace(workspace).await?;
        // A build waiting to start will read everything there is; one is enough.
        if let Some(job) =
            handlers::queued_job(&self.queue, handlers::SIGNALS_JOB_KIND, workspace).await?
        {
            return Ok(job);
        }
        let spec = JobSpec::new(
            handlers::SIGNALS_JOB_KIND,
            "Build audience signals",
            Lane::Default,
        )
        .workspace(workspace.to_string())
        .payload(json!({ "workspace_id": workspace.to_string() }));
        Ok(self.queue.enqueue(spec).await?)
    }

    /// Searches a workspace (answers "rebuilding" while its index is rebuilt, and starts the
    /// rebuild when nobody has).
    pub async fn search(&self, workspace: WorkspaceId, query: &Query) -> Result<SearchPage> {
        self.require_workspace(workspace).await?;
        let page = search::search(&self.db, &self.indexes, &workspace.to_string(), query).await?;
        if matches!(page.state, IndexState::Rebuilding { .. }) {
            self.start_index_rebuild(workspace).await?;
        }
        Ok(page)
    }

    /// Hybrid retrieval over the workspace's mentions (BM25 and embeddings fused by reciprocal
    /// rank), what twin memory and reports retrieve with.
    pub async fn retrieve(&self, workspace: WorkspaceId, query: &Query) -> Result<Retrieval> {
        self.require_workspace(workspace).await?;
        let gateway = self.gateway().await?;
        let found = search::retrieve(
            &self.db,
            &self.indexes,
            &gateway,
            &workspace.to_string(),
            query,
            100,
        )
        .await?;
        if matches!(found.state, IndexState::Rebuilding { .. }) {
            self.start_index_rebuild(workspace).await?;
        }
        Ok(found)
    }

    /// Whether the index answers, checked against the tables (a folder deleted or a count that
    /// differs starts a rebuild).
    pub async fn index_state(&self, workspace: WorkspaceId) -> Result<IndexState> {
        self.require_workspace(workspace).await?;
        let state = search::check(&self.db, &self.indexes, &workspace.to_string()).await?;
        if matches!(state, IndexState::Rebuilding { .. }) {
            self.start_index_rebuild(workspace).await?;
        }
        Ok(state)
    }

    /// Enqueues a rebuild of the workspace's index, unless one is already queued or running.
    pub async fn start_index_rebuild(&self, workspace: WorkspaceId) -> Result<Job> {
        if let Some(job) =
            handlers::active_job(&self.queue, handlers::REBUILD_JOB_KIND, workspace).await?
        {
            return Ok(job);
        }
        let spec = JobSpec::new(
            handlers::REBUILD_JOB_KIND,
            "Rebuild the search index",
            Lane::Slow,
        )
        .workspace(workspace.to_string())
        .payload(json!({ "workspace_id": workspace.to_string() }));
        Ok(self.queue.enqueue(spec).await?)
    }

    /// Enqueues bringing the workspace's index up to date with the tables.
    pub async fn start_index_update(&self, workspace: WorkspaceId) -> Result<Job> {
        if let Some(job) =
            handlers::queued_job(&self.queue, handlers::UPDATE_JOB_KIND, workspace).await?
        {
            return Ok(job);
        }
        let spec = JobSpec::new(
            handlers::UPDATE_JOB_KIND,
            "Update the search index",
            Lane::Fast,
        )
        .workspace(workspace.to_string())
        .payload(json!({ "workspace_id": workspace.to_string() }));
        Ok(self.queue.enqueue(spec).await?)
    }

    /// The latest version of each report (of one audience, when given).
    pub async fn reports(
        &self,
        workspace: WorkspaceId,
        audience: Option<AudienceId>,
    ) -> Result<Vec<ReportSummary>> {
        self.require_workspace(workspace).await?;
        reports::list_reports(&self.db, workspace, audience).await
    }

    pub async fn report(&self, id: GroundingReportId) -> Result<GroundingReport> {
        reports::read_report(&self.db, id).await
    }

    /// Enqueues writing grounding reports: `kinds` (all three when empty) for one audience, or
    /// for every audience of the workspace.
    pub async fn start_reports(
        &self,
        workspace: WorkspaceId,
        audience: Option<AudienceId>,
        kinds: &[ReportKind],
    ) -> Result<Job> {
        self.require_workspace(workspace).await?;
        let audiences: Vec<AudienceId> = match audience {
            Some(audience) => {
                if !self
                    .store()
                    .audiences(workspace)
                    .await?
                    .iter()
                    .any(|a| a.id == audience)
                {
                    return Err(EvidenceError::AudienceNotFound(audience.to_string()));
                }
                vec![audience]
            }
            None => self
                .store()
                .audiences(workspace)
                .await?
                .into_iter()
                .map(|a| a.id)
                .collect(),
        };
        let kinds: Vec<ReportKind> = if kinds.is_empty() {
            ReportKind::ALL.to_vec()
        } else {
            kinds.to_vec()
        };
        let spec = JobSpec::new(
            handlers::REPORTS_JOB_KIND,
            if audiences.len() == 1 {
                "Write grounding reports"
            } else {
                "Write grounding reports for every audience"
            },
            Lane::Default,
        )
        .workspace(workspace.to_string())
        .payload(json!({
            "workspace_id": workspace.to_string(),
            "audiences": audiences,
            "kinds": kinds,
        }));
        Ok(self.queue.enqueue(spec).await?)
    }

    /// Forgets a deleted workspace's index.
    pub async fn forget_workspace(&self, workspace: WorkspaceId) {
        self.indexes.forget(&workspace.to_string()).await;
        let _ = sqlx::query("DELETE FROM search_outbox WHERE workspace_id = ?")
            .bind(workspace.to_string())
            .execute(self.db.writer())
            .await;
    }

    /// Closes the search indexes' writers (at shutdown).
    pub async fn close(&self) {
        self.indexes.close().await;
    }
}
