//! AI twins: personas grounded in an audience's evidence, whose every memory links to the
//! signals and rows it rests on.
//!
//! The context lives in `pw-twins`; this module is the engine's facade over it, and joins it to
//! the language-models context (the gateway twins are written with) and to the evidence
//! context (whose search index takes in twins' memories). Callers name the types below through
//! this module, never through `pw_twins`.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};

use pw_jobs::Job;
use pw_llm::Gateway;
use pw_models::LanguageModels;
use pw_twins::error::TwinsError;
use pw_twins::{GatewaySource, IndexNotice};

use crate::Engine;
use crate::error::Result;
use crate::evidence::Evidence;

pub use pw_domain::{AudienceId, MemoryId, SessionId, StudyId, TurnId, TwinId, WorkspaceId};
/// What a user may change about a memory.
pub use pw_twins::MemoryEdit;
pub(crate) use pw_twins::Twins;
/// A session replayed from the response cache, and the calls it could not reproduce.
pub use pw_twins::call_record::Purpose as CallPurpose;
/// Sessions: interviews and focus groups, their transcripts, diagnostics and plans.
pub use pw_twins::dynamics::{Diagnostics, Herding, Participation, Run};
pub use pw_twins::estimate::{Calls, Estimate};
/// A session's insights: themes, agreement, disagreement, actions and gaps, citing turns.
pub use pw_twins::insights::{GapItem, Insights, InsightsBody, Item, Quote, Theme};
/// A twin's profile and its parts.
pub use pw_twins::profile::{Demographics, Profile, Voice};
pub use pw_twins::replay::{ReplayReport, ReplayedCall};
/// Twins, their versions and memories, and what each memory rests on.
pub use pw_twins::repository::{EvidenceLink, Memory, Twin, TwinSummary, TwinVersion};
pub use pw_twins::says_thinks::Gap;
pub use pw_twins::session::{Participant, Session, Turn};
pub use pw_twins::speaking::SessionEvent;
/// The twins' closed vocabularies.
pub use pw_twins::vocabulary::{
    Act, Adherence, CommandKind, EditedBy, EvidenceSource, Fragment, MemoryKind, Register,
    SessionKind, SessionStatus, Speaker, WrittenBy,
};
pub use pw_twins::{AdherenceCount, SessionPlan, SessionView, TurnGap};
pub use pw_twins::{CREATE_JOB_KIND, INSIGHTS_JOB_KIND, ReportFormat, SESSION_JOB_KIND};

/// The section names of a discussion guide (none when it does not parse).
pub fn section_names(guide: &str) -> Vec<String> {
    pw_twins::guide::parse(guide)
        .map(|g| g.sections.into_iter().map(|s| s.name).collect())
        .unwrap_or_default()
}

/// The language-models context, as the gateway twins are written with.
pub(crate) struct TwinsGateway(pub(crate) Arc<LanguageModels>);

impl GatewaySource for TwinsGateway {
    fn gateway(
        &self,
    ) -> Pin<Box<dyn Future<Output = pw_twins::error::Result<Arc<Gateway>>> + Send + '_>> {
        Box::pin(async move {
            self.0.gateway().await.map_err(|e| match e {
                pw_models::ModelsError::Llm(e) => TwinsError::Model(e),
                // A database hiccup is retried like any store error, not a permanent failure.
                pw_models::ModelsError::Store(e) => TwinsError::Store(e),
                pw_models::ModelsError::Sql(e) => TwinsError::from(e),
                other => TwinsError::Invalid(other.to_string()),
            })
        })
    }
}

/// The evidence context's search index, told when twins wrote searchable text.
pub(crate) struct EvidenceIndex(pub(crate) Weak<Evidence>);

impl IndexNotice for EvidenceIndex {
    fn changed(&self, workspace: WorkspaceId) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            let Some(evidence) = self.0.upgrade() else {
                return;
            };
            // The change is already in the outbox; a failed enqueue only delays the index
            // until the next update or health check.
            if let Err(error) = evidence.start_index_update(workspace).await {
                tracing::warn!(%error, "the search index was not told about new twin memories");
            }
        })
    }
}

/// The engine's twins, as `engine.twins()` hands them out.
pub struct TwinsFacade<'e> {
    engine: &'e Engine,
}

impl<'e> TwinsFacade<'e> {
    pub(crate) fn new(engine: &'e Engine) -> Self {
        TwinsFacade { engine }
    }

    fn context(&self) -> &'e Twins {
        &self.engine.twins
    }

    /// Enqueues the creation of `count` twins of an audience (1 to 12), cast with `seed` (a
    /// new one when `None`).
    pub async fn start_create(
        &self,
        workspace: WorkspaceId,
        audience: AudienceId,
        count: usize,
        seed: Option<u64>,
    ) -> Result<Job> {
        Ok(self
            .context()
            .start_create(workspace, audience, count, seed)
            .await?)
    }

    /// The workspace's twins (of one audience, when given).
    pub async fn list(
        &self,
        workspace: WorkspaceId,
        audience: Option<AudienceId>,
    ) -> Result<Vec<TwinSummary>> {
        Ok(self.context().list(workspace, audience).await?)
    }

    /// A twin with its profile and live memories, each with its evidence.
    pub async fn twin(&self, id: TwinId) -> Result<Twin> {
        Ok(self.context().twin(id).await?)
    }

    /// Every version of a twin's profile, newest first.
    pub async fn versions(&self, id: TwinId) -> Result<Vec<TwinVersion>> {
        Ok(self.context().versions(id).await?)
    }

    /// Saves an edit of a twin as its next version; refused if the twin moved past
    /// `expected_version` meanwhile.
    pub async fn edit(
        &self,
        id: TwinId,
        expected_version: i64,
        name: &str,
        profile: &Profile,
        note: &str,
    ) -> Result<i64> {
        Ok(self
            .context()
            .edit(id, expected_version, name, profile, note)
            .await?)
    }

    pub async fn edit_memory(
        &self,
        id: MemoryId,
        expected_version: i64,
        edit: &MemoryEdit,
    ) -> Result<Memory> {
        Ok(self
            .context()
            .edit_memory(id, expected_version, edit)
            .await?)
    }

    /// Adds the user's own note to a twin's memory.
    pub async fn add_note(&self, twin: TwinId, content: &str, importance: u8) -> Result<Memory> {
        Ok(self.context().add_note(twin, content, importance).await?)
    }

    /// Removes a memory from recall (it stays readable where it was cited).
    pub async fn retire_memory(&self, id: MemoryId) -> Result<()> {
        Ok(self.context().retire_memory(id).await?)
    }

    /// What a focus group with this guide (TOML) and this many twins would take.
    pub async fn estimate_focus_group(
        &self,
        workspace: WorkspaceId,
        guide: &str,
        twins: usize,
    ) -> Result<SessionPlan> {
        Ok(self
            .context()
            .estimate_focus_group(workspace, guide, twins)
            .await?)
    }

    /// What an interview of this many questions would take.
    pub async fn estimate_interview(
        &self,
        workspace: WorkspaceId,
        questions: usize,
    ) -> Result<SessionPlan> {
        Ok(self
            .context()
            .estimate_interview(workspace, questions)
            .await?)
    }

    /// Starts a focus group (its job runs it); `budget_micros` caps its model spend.
    pub async fn start_focus_group(
        &self,
        workspace: WorkspaceId,
        guide: &str,
        twins: &[TwinId],
        seed: Option<u64>,
        budget_micros: Option<i64>,
    ) -> Result<(Session, Job)> {
        Ok(self
            .context()
            .start_focus_group(workspace, guide, twins, seed, budget_micros)
            .await?)
    }

    /// Starts a 1:1 interview (its job runs it).
    pub async fn start_interview(
        &self,
        workspace: WorkspaceId,
        twin: TwinId,
        questions: &[String],
        seed: Option<u64>,
        budget_micros: Option<i64>,
    ) -> Result<(Session, Job)> {
        Ok(self
            .context()
            .start_interview(workspace, twin, questions, seed, budget_micros)
            .await?)
    }

    pub async fn sessions(&self, workspace: WorkspaceId) -> Result<Vec<Session>> {
        Ok(self.context().sessions(workspace).await?)
    }

    /// A session with its transcript, dynamics, persona checks and Says/Thinks gaps.
    pub async fn session(&self, id: SessionId) -> Result<SessionView> {
        Ok(self.context().session(id).await?)
    }

    /// Pause, speak as the moderator, add a probe, skip a section or resume (which returns
    /// the job that runs it again).
    pub async fn command(
        &self,
        id: SessionId,
        kind: CommandKind,
        text: &str,
    ) -> Result<Option<Job>> {
        Ok(self.context().command(id, kind, text).await?)
    }

    /// Enqueues writing a session's insights (a new version each time).
    pub async fn start_insights(&self, id: SessionId) -> Result<Job> {
        Ok(self.context().start_insights(id).await?)
    }

    /// Replays a session from the response cache with zero model calls: each call its
    /// transcript rests on answered again and compared, each twin's answer traced.
    pub async fn replay(&self, id: SessionId) -> Result<ReplayReport> {
        Ok(self.context().replay(id).await?)
    }

    /// A session's latest insights, if written.
    pub async fn insights(&self, id: SessionId) -> Result<Option<Insights>> {
        Ok(self.context().insights(id).await?)
    }

    /// A session's latest insights as Markdown text or a PDF file's bytes.
    pub async fn export_insights(&self, id: SessionId, format: ReportFormat) -> Result<Vec<u8>> {
        Ok(self.context().export_insights(id, format).await?)
    }

    /// Writes a session's latest insights into the exports folder; returns the file's path.
    pub async fn export_insights_file(
        &self,
        id: SessionId,
        format: ReportFormat,
    ) -> Result<std::path::PathBuf> {
        let view = self.context().session(id).await?;
        let insights = self.context().insights(id).await?;
        // The name and the bytes come from the same version; the session's id keeps two
        // sessions of one guide apart.
        let version = insights.as_ref().map_or(0, |i| i.version);
        let bytes = self.context().export_insights(id, format).await?;
        let slug = crate::paths::slug(&view.session.title);
        let short = crate::paths::short_id(&id.to_string());
        let extension = match format {
            ReportFormat::Markdown => "md",
            ReportFormat::Pdf => "pdf",
        };
        crate::paths::write_export(
            &self.engine.config().data_dir,
            &format!("{slug}-{short}-insights-v{version}.{extension}"),
            &bytes,
        )
        .await
    }

    /// The session of a study (each study of twins holds one session).
    pub async fn session_of_study(&self, study: StudyId) -> Result<SessionId> {
        Ok(self.context().session_of_study(study).await?)
    }

    /// Running sessions' events: turns starting, their words as they stream, turns stored.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<SessionEvent> {
        self.context().subscribe()
    }
}
