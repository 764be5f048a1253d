//! The evidence context: audience signals with the rows behind them, each workspace's search
//! index, and grounding reports whose claims cite their signals.
//!
//! The context lives in `pw-evidence`; this module is the engine's facade over it, and joins it
//! to the language-models context (the gateway it writes and embeds with). The types below are
//! the evidence API of the engine: callers name them through this module, never through
//! `pw_evidence` or `pw_search`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub(crate) use pw_evidence::Evidence;
use pw_evidence::GatewaySource;
use pw_evidence::error::EvidenceError;
use pw_jobs::Job;
use pw_llm::Gateway;
use pw_models::LanguageModels;

use crate::Engine;
use crate::error::Result;

/// Ids of the workspace and audience evidence is about, and of its signals and reports.
pub use pw_domain::{AudienceId, DerivedSignalId, GroundingReportId, WorkspaceId};
/// An audience with what the evidence layer found and wrote about it.
pub use pw_evidence::AudienceOverview;
/// What a signal build found and did.
pub use pw_evidence::build::BuildSummary;
/// Grounding reports and their claims.
pub use pw_evidence::reports::{
    ChangedCitation, GroundingReport, ReportClaim, ReportKind, ReportSummary,
};
/// A row behind a signal, as a person reads it.
pub use pw_evidence::repository::EvidenceRow;
/// Search: what a person asks, and the page of results.
pub use pw_evidence::search::{FoundText, IndexState, Query, Retrieval, Retrieved, SearchPage};
/// A derived signal, its kind, and the rows it rests on.
pub use pw_evidence::signals::{
    Interval, RowRole, Signal, SignalKind, SourceTable, Support, SupportUnit,
};
pub use pw_evidence::{REBUILD_JOB_KIND, REPORTS_JOB_KIND, SIGNALS_JOB_KIND, UPDATE_JOB_KIND};
/// The search index's vocabulary: document kinds, facet fields, histogram buckets.
pub use pw_search::{DocKind, FacetField, HistogramInterval};

/// The language-models context, as the gateway source evidence work asks for its model calls.
pub(crate) struct ModelsGateway(pub(crate) Arc<LanguageModels>);

impl GatewaySource for ModelsGateway {
    fn gateway(
        &self,
    ) -> Pin<Box<dyn Future<Output = pw_evidence::error::Result<Arc<Gateway>>> + Send + '_>> {
        Box::pin(async move {
            self.0.gateway().await.map_err(|e| match e {
                pw_models::ModelsError::Llm(e) => EvidenceError::Model(e),
                other => EvidenceError::Invalid(other.to_string()),
            })
        })
    }
}

/// The engine's evidence, as `engine.evidence()` hands it out.
pub struct EvidenceFacade<'e> {
    engine: &'e Engine,
}

impl<'e> EvidenceFacade<'e> {
    pub(crate) fn new(engine: &'e Engine) -> Self {
        EvidenceFacade { engine }
    }

    fn context(&self) -> &'e Evidence {
        &self.engine.evidence
    }

    /// Every audience of the workspace with its signal counts and latest reports.
    pub async fn audiences(&self, workspace: WorkspaceId) -> Result<Vec<AudienceOverview>> {
        Ok(self.context().audiences(workspace).await?)
    }

    /// Live signals; with an audience, its own and the workspace-wide ones.
    pub async fn signals(
        &self,
        workspace: WorkspaceId,
        audience: Option<AudienceId>,
    ) -> Result<Vec<Signal>> {
        Ok(self.context().signals(workspace, audience).await?)
    }

    pub async fn signal(&self, id: DerivedSignalId) -> Result<Signal> {
        Ok(self.context().signal(id).await?)
    }

    /// The rows a signal rests on (at most `limit`), the segment's first.
    pub async fn evidence_rows(
        &self,
        signal_id: DerivedSignalId,
        limit: usize,
    ) -> Result<Vec<EvidenceRow>> {
        Ok(self.context().evidence_rows(signal_id, limit).await?)
    }

    /// The row a search hit came from, whole (mentions, search terms, behaviours, creatives).
    pub async fn source_row(
        &self,
        workspace: WorkspaceId,
        kind: DocKind,
        id: &str,
    ) -> Result<EvidenceRow> {
        Ok(self.context().source_row(workspace, kind, id).await?)
    }

    /// Enqueues a build of the workspace's signals.
    pub async fn start_signal_build(&self, workspace: WorkspaceId) -> Result<Job> {
        Ok(self.context().start_signal_build(workspace).await?)
    }

    pub async fn search(&self, workspace: WorkspaceId, query: &Query) -> Result<SearchPage> {
        Ok(self.context().search(workspace, query).await?)
    }

    /// Hybrid retrieval over mentions: BM25 and embeddings fused by reciprocal rank.
    pub async fn retrieve(&self, workspace: WorkspaceId, query: &Query) -> Result<Retrieval> {
        Ok(self.context().retrieve(workspace, query).await?)
    }

    pub async fn index_state(&self, workspace: WorkspaceId) -> Result<IndexState> {
        Ok(self.context().index_state(workspace).await?)
    }

    pub async fn start_index_rebuild(&self, workspace: WorkspaceId) -> Result<Job> {
        Ok(self.context().start_index_rebuild(workspace).await?)
    }

    pub async fn start_index_update(&self, workspace: WorkspaceId) -> Result<Job> {
        Ok(self.context().start_index_update(workspace).await?)
    }

    pub async fn reports(
        &self,
        workspace: WorkspaceId,
        audience: Option<AudienceId>,
    ) -> Result<Vec<ReportSummary>> {
        Ok(self.context().reports(workspace, audience).await?)
    }

    pub async fn report(&self, id: GroundingReportId) -> Result<GroundingReport> {
        Ok(self.context().report(id).await?)
    }

    /// Enqueues grounding reports (`kinds`, all three when empty) for one audience or all.
    pub async fn start_reports(
        &self,
        workspace: WorkspaceId,
        audience: Option<AudienceId>,
        kinds: &[ReportKind],
    ) -> Result<Job> {
        Ok(self
            .context()
            .start_reports(workspace, audience, kinds)
            .await?)
    }
}
