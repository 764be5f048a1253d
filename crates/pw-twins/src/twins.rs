//! The twins context's use cases behind one facade, [`Twins`], which the engine hands out
//! through `engine.twins()`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use pw_domain::{AudienceId, MemoryId, TwinId, WorkspaceId};
use pw_jobs::{Job, JobQueue, JobSpec, Lane};
use pw_llm::Gateway;
use pw_store::Database;
use serde_json::json;
use uuid::Uuid;

use crate::creation::MAX_COUNT;
use crate::error::{Result, TwinsError};
use crate::handlers::{CREATE_JOB_KIND, CreatePayload};
use crate::profile::Profile;
use crate::repository::{Memory, NewMemory, Twin, TwinStore, TwinSummary, TwinVersion};
use crate::vocabulary::{Fragment, MemoryKind, WrittenBy};

/// Where the twins context gets the model gateway: the language-models context owns it and
/// rebuilds it when settings change, so it is asked for each piece of work.
pub trait GatewaySource: Send + Sync {
    fn gateway(&self) -> Pin<Box<dyn Future<Output = Result<Arc<Gateway>>> + Send + '_>>;
}

/// Told when the context wrote searchable text (memories, transcripts), so the search index
/// catches up; the engine implements it over the evidence context.
pub trait IndexNotice: Send + Sync {
    fn changed(&self, workspace: WorkspaceId) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

pub struct Twins {
    db: Database,
    queue: JobQueue,
    models: Arc<dyn GatewaySource>,
    index: Arc<dyn IndexNotice>,
}

/// What a user may change about a memory.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryEdit {
    pub content: String,
    pub importance: u8,
    pub note: String,
}

fn check_memory_text(content: &str, importance: u8) -> Result<()> {
    if content.trim().is_empty() {
        return Err(TwinsError::Invalid("a memory needs some words".into()));
    }
    if content.chars().count() > 600 {
        return Err(TwinsError::Invalid(
            "a memory is at most 600 characters; split it in two".into(),
        ));
    }
    if !(1..=10).contains(&importance) {
        return Err(TwinsError::Invalid(format!(
            "importance {importance} is outside 1-10"
        )));
    }
    Ok(())
}

impl Twins {
    pub fn new(
        db: Database,
        queue: JobQueue,
        models: Arc<dyn GatewaySource>,
        index: Arc<dyn IndexNotice>,
    ) -> Self {
        Twins {
            db,
            queue,
            models,
            index,
        }
    }

    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    pub(crate) async fn gateway(&self) -> Result<Arc<Gateway>> {
        self.models.gateway().await
    }

    pub(crate) async fn index_changed(&self, workspace: WorkspaceId) {
        self.index.changed(workspace).await;
    }

    fn store(&self) -> TwinStore<'_> {
        TwinStore::new(&self.db)
    }

    async fn require_workspace(&self, workspace: WorkspaceId) -> Result<()> {
        if self.store().workspace_exists(workspace).await? {
            Ok(())
        } else {
            Err(TwinsError::WorkspaceNotFound(workspace.to_string()))
        }
    }

    /// Enqueues the creation of `count` twins of an audience (cast with `seed`, or a new one).
    pub async fn start_create(
        &self,
        workspace: WorkspaceId,
        audience: AudienceId,
        count: usize,
        seed: Option<u64>,
    ) -> Result<Job> {
        self.require_workspace(workspace).await?;
        if !(1..=MAX_COUNT).contains(&count) {
            return Err(TwinsError::Invalid(format!(
                "{count} twins asked for; create 1 to {MAX_COUNT} at a time"
            )));
        }
        let facts = self.store().audience(workspace, audience).await?;
        let batch = Uuid::now_v7();
        // Without a seed given, one from the batch: different each time, recorded on each twin.
        let seed = seed.unwrap_or_else(|| batch.as_u64_pair().1);
        let payload = CreatePayload {
            workspace_id: workspace,
            audience_id: audience,
            count,
            seed,
            batch: batch.to_string(),
        };
        let spec = JobSpec::new(
            CREATE_JOB_KIND,
            format!(
                "Create {count} twin{} of {}",
                if count == 1 { "" } else { "s" },
                facts.name
            ),
            Lane::Default,
        )
        .workspace(workspace.to_string())
        .payload(json!(payload));
        Ok(self.queue.enqueue(spec).await?)
    }

    pub async fn list(
        &self,
        workspace: WorkspaceId,
        audience: Option<AudienceId>,
    ) -> Result<Vec<TwinSummary>> {
        self.require_workspace(workspace).await?;
        self.store().list(workspace, audience).await
    }

    pub async fn twin(&self, id: TwinId) -> Result<Twin> {
        self.store().twin(id).await
    }

    pub async fn versions(&self, id: TwinId) -> Result<Vec<TwinVersion>> {
        self.store().versions(id).await
    }

    /// Saves an edit of a twin as its next version; `expected_version` is the version the
    /// user edited, so a concurrent edit is refused instead of lost.
    pub async fn edit(
        &self,
        id: TwinId,
        expected_version: i64,
        name: &str,
        profile: &Profile,
        note: &str,
    ) -> Result<i64> {
        if let Some(problem) = profile.problem(name) {
            return Err(TwinsError::Invalid(problem));
        }
        self.store()
            .edit_twin(id, expected_version, name, profile, note)
            .await
    }

    pub async fn edit_memory(
        &self,
        id: MemoryId,
        expected_version: i64,
        edit: &MemoryEdit,
    ) -> Result<Memory> {
        check_memory_text(&edit.content, edit.importance)?;
        let store = self.store();
        store
            .edit_memory(
                id,
                expected_version,
                &edit.content,
                edit.importance,
                &edit.note,
            )
            .await?;
        let memory = store.memory(id).await?;
        self.notice_twin(memory.twin_id).await;
        Ok(memory)
    }

    /// Adds the user's own note to a twin's memory (it rests on no evidence, and says so).
    pub async fn add_note(&self, twin: TwinId, content: &str, importance: u8) -> Result<Memory> {
        check_memory_text(content, importance)?;
        let store = self.store();
        let id = store
            .add_memory(
                twin,
                &NewMemory {
                    kind: MemoryKind::Grounding,
                    fragment: Fragment::Note,
                    content: content.trim().to_owned(),
                    importance,
                    written_by: WrittenBy::User,
                    evidence: Vec::new(),
                    embedding: None,
                },
            )
            .await?;
        self.notice_twin(twin).await;
        store.memory(id).await
    }

    pub async fn retire_memory(&self, id: MemoryId) -> Result<()> {
        let memory = self.store().memory(id).await?;
        self.store().retire_memory(id).await?;
        self.notice_twin(memory.twin_id).await;
        Ok(())
    }

    async fn notice_twin(&self, twin: TwinId) {
        if let Ok(found) = self.store().twin(twin).await {
            self.index.changed(found.summary.workspace_id).await;
        }
    }
}
