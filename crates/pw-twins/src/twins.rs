//! The twins context's use cases behind one facade, [`Twins`], which the engine hands out
//! through `engine.twins()`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use pw_domain::{AudienceId, MemoryId, SessionId, TwinId, WorkspaceId};
use pw_jobs::{Job, JobQueue, JobSpec, JobState, Lane};
use pw_llm::Gateway;
use pw_store::Database;
use serde_json::json;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::call_record::{CallRecord, Purpose};
use crate::creation::MAX_COUNT;
use crate::dynamics::{self, Diagnostics};
use crate::error::{Result, TwinsError};
use crate::estimate::{self, Estimate};
use crate::focus_group::{MODERATOR_VERSION, PARTICIPANTS};
use crate::guide;
use crate::handlers::{
    CREATE_JOB_KIND, CreatePayload, INSIGHTS_JOB_KIND, SESSION_JOB_KIND, SessionPayload,
};
use crate::insight_report;
use crate::insights::{self, Insights};
use crate::profile::Profile;
use crate::replay::{self, ReplayReport};
use crate::repository::{Memory, NewMemory, Twin, TwinStore, TwinSummary, TwinVersion};
use crate::says_thinks::{self, Gap};
use crate::session::{NewSession, Session, SessionStore, Turn};
use crate::speaking::SessionEvent;
use crate::speaking::{CHECK_VERSION, PROMPT_VERSION, RECALL_K};
use crate::vocabulary::{Act, Adherence, CommandKind, SessionKind, SessionStatus, Speaker};
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
    /// What running sessions say as they go (turns starting, tokens, turns stored).
    events: broadcast::Sender<SessionEvent>,
}

/// What a user may change about a memory.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryEdit {
    pub content: String,
    pub importance: u8,
    pub note: String,
}

/// The file formats insights are exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Markdown,
    Pdf,
}

/// Questions an interview may ask.
pub const INTERVIEW_QUESTIONS: std::ops::RangeInclusive<usize> = 1..=30;

/// What a session will take, shown before it starts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionPlan {
    pub estimate: Estimate,
    /// In millionths of a dollar: nothing on this machine; `None` when a model has no price.
    pub cost_micros: Option<i64>,
    /// The model that would answer each task ("vendor/model").
    pub models: std::collections::BTreeMap<String, String>,
}

/// How the persona check went over a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct AdherenceCount {
    pub passed: usize,
    pub caught: usize,
    pub unchecked: usize,
    /// Turns where the model gave nothing usable (recorded, never invented); they are left
    /// out of the dynamics' lengths and shares.
    pub non_responses: usize,
}

/// Where an interview answer's Says and Thinks part.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TurnGap {
    pub seq: i64,
    #[serde(flatten)]
    pub gap: Gap,
}

/// A session as its screens show it: the transcript, the group's dynamics, the persona
/// checks, and where answers and thoughts diverge.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionView {
    pub session: Session,
    pub turns: Vec<Turn>,
    pub diagnostics: Option<Diagnostics>,
    /// How much the twins agreed against how much their evidence overlaps.
    pub agreement: Option<dynamics::Agreement>,
    pub adherence: AdherenceCount,
    pub gaps: Vec<TurnGap>,
    /// The models that actually answered the session's calls, per purpose (from its call
    /// record; the manifest holds the models planned).
    pub answered_by: Vec<(Purpose, Vec<String>)>,
}

/// The mean Jaccard similarity of every pair of castings (0 with fewer than two).
fn mean_pairwise_jaccard(castings: &[crate::casting::Casting]) -> f64 {
    let mut total = 0.0;
    let mut pairs = 0usize;
    for a in 0..castings.len() {
        for b in a + 1..castings.len() {
            total += crate::casting::jaccard(&castings[a].anchor_ids, &castings[b].anchor_ids);
            pairs += 1;
        }
    }
    if pairs == 0 {
        0.0
    } else {
        total / pairs as f64
    }
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
            // A watcher that falls this far behind misses tokens, never stored turns: it reads
            // the transcript again on `TurnStored`.
            events: broadcast::channel(4096).0,
        }
    }

    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    pub(crate) fn events(&self) -> &broadcast::Sender<SessionEvent> {
        &self.events
    }

    /// What running sessions say as they go: turns starting, their words as they stream,
    /// turns stored, status changes.
    pub fn subscribe(&self) -> broadcast::Receiver<SessionEvent> {
        self.events.subscribe()
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

    /// The models a session would use and what it would cost, before it starts.
    async fn plan(&self, workspace: WorkspaceId, estimate: Estimate) -> Result<SessionPlan> {
        let gateway = self.gateway().await?;
        let scope = pw_llm::CallScope::workspace(workspace.to_string());
        let mut models = std::collections::BTreeMap::new();
        let mut cost = Some(0i64);
        for (task, calls) in [
            (pw_llm::Task::TwinDialogue, estimate.replies),
            (pw_llm::Task::Extraction, estimate.checks),
            (pw_llm::Task::Moderation, estimate.moderation),
            (pw_llm::Task::Embeddings, estimate.embeddings),
        ] {
            if calls.calls == 0 {
                continue;
            }
            let usage = pw_llm::Usage {
                input_tokens: u32::try_from(calls.prompt_tokens).unwrap_or(u32::MAX),
                output_tokens: u32::try_from(calls.completion_tokens).unwrap_or(u32::MAX),
            };
            let (route, priced) = match gateway.quote(task, &scope, usage) {
                Ok(quoted) => quoted,
                // Without an embedding model, recall goes by shared words: nothing to pay.
                Err(_) if task == pw_llm::Task::Embeddings => {
                    models.insert(
                        task.as_str().to_owned(),
                        "none (recall by shared words)".into(),
                    );
                    continue;
                }
                Err(error) => return Err(TwinsError::Model(error)),
            };
            models.insert(
                task.as_str().to_owned(),
                format!("{}/{}", route.vendor, route.model),
            );
            cost = match (cost, priced) {
                (Some(total), Some(part)) => Some(total + part),
                _ => None,
            };
        }
        Ok(SessionPlan {
            estimate,
            cost_micros: cost,
            models,
        })
    }

    fn manifest(
        &self,
        plan: &SessionPlan,
        seed: u64,
        guide: &str,
        twins: &[(TwinId, i64)],
    ) -> serde_json::Value {
        let weights = crate::recall::Weights::default();
        // As written in the code (0.7, not the f32's 0.699999988…).
        let temperature = |t: f32| (f64::from(t) * 100.0).round() / 100.0;
        json!({
            "seed": seed,
            "models": plan.models,
            "prompt_versions": {
                "twin_turn": PROMPT_VERSION,
                "persona_check": CHECK_VERSION,
                "moderator": MODERATOR_VERSION,
                "reflection": crate::reflecting::REFLECTION_VERSION,
                "insights": crate::insights::INSIGHTS_VERSION,
            },
            "temperatures": {
                "twin_turn": temperature(crate::speaking::REPLY_TEMPERATURE),
                "persona_check": temperature(crate::speaking::JUDGING_TEMPERATURE),
                "moderator": temperature(crate::speaking::JUDGING_TEMPERATURE),
                "reflection": temperature(crate::reflecting::REFLECTION_TEMPERATURE),
                "insights": temperature(crate::insights::INSIGHTS_TEMPERATURE),
            },
            "recall": {
                "k": RECALL_K,
                "weights": {
                    "recency": weights.recency,
                    "relevance": weights.relevance,
                    "importance": weights.importance,
                    "decay": weights.decay,
                },
                "fusion_k": crate::recall::FUSION_K,
                "history_turns": crate::speaking::HISTORY_TURNS,
            },
            "floor": {
                "threshold": crate::floor::THRESHOLD,
                "invited_bonus": crate::floor::INVITED_BONUS,
                "addressed_bonus": crate::floor::ADDRESSED_BONUS,
                "just_spoke_penalty": crate::floor::JUST_SPOKE_PENALTY,
                "max_participant_run": crate::floor::MAX_PARTICIPANT_RUN,
                "lowered_threshold": crate::floor::LOWERED_THRESHOLD,
                "moderator_turns_before_lowering": crate::floor::MODERATOR_TURNS_BEFORE_LOWERING,
                "vague_below_words": crate::focus_group::VAGUE_BELOW_WORDS,
            },
            "turn_words": { "min": crate::turn_length::MIN_WORDS, "max": crate::turn_length::MAX_WORDS },
            "guide_characters": guide.chars().count(),
            "twins": twins.iter().map(|(id, version)| json!({ "id": id, "version": version })).collect::<Vec<_>>(),
            "estimate": plan.estimate,
            "estimated_cost_micros": plan.cost_micros,
        })
    }

    async fn seat(&self, workspace: WorkspaceId, twins: &[TwinId]) -> Result<Vec<(TwinId, i64)>> {
        let mut seated = Vec::with_capacity(twins.len());
        for &twin in twins {
            let found = self.store().twin(twin).await?;
            if found.summary.workspace_id != workspace {
                return Err(TwinsError::TwinNotFound(twin.to_string()));
            }
            if seated.iter().any(|(id, _)| *id == twin) {
                return Err(TwinsError::Invalid(format!(
                    "{} is seated twice; each twin takes one seat",
                    found.summary.name
                )));
            }
            seated.push((twin, found.summary.version));
        }
        Ok(seated)
    }

    /// What a focus group with this guide and these twins would take (calls, tokens, cost).
    pub async fn estimate_focus_group(
        &self,
        workspace: WorkspaceId,
        guide_text: &str,
        twins: usize,
    ) -> Result<SessionPlan> {
        let guide = guide::parse(guide_text).map_err(|e| TwinsError::Invalid(e.to_string()))?;
        self.plan(workspace, estimate::focus_group(&guide, twins))
            .await
    }

    /// What an interview of these questions would take.
    pub async fn estimate_interview(
        &self,
        workspace: WorkspaceId,
        questions: usize,
    ) -> Result<SessionPlan> {
        self.plan(workspace, estimate::interview(questions)).await
    }

    /// Starts a focus group of `twins` following the guide (TOML), with a budget cap in
    /// millionths of a dollar if given.
    pub async fn start_focus_group(
        &self,
        workspace: WorkspaceId,
        guide_text: &str,
        twins: &[TwinId],
        seed: Option<u64>,
        budget_micros: Option<i64>,
    ) -> Result<(Session, Job)> {
        self.require_workspace(workspace).await?;
        let guide = guide::parse(guide_text).map_err(|e| TwinsError::Invalid(e.to_string()))?;
        if !PARTICIPANTS.contains(&twins.len()) {
            return Err(TwinsError::Invalid(format!(
                "{} twins chosen; a focus group seats {} to {}",
                twins.len(),
                PARTICIPANTS.start(),
                PARTICIPANTS.end()
            )));
        }
        let seated = self.seat(workspace, twins).await?;
        let plan = self
            .plan(workspace, estimate::focus_group(&guide, twins.len()))
            .await?;
        let seed = seed.unwrap_or_else(|| uuid::Uuid::now_v7().as_u64_pair().1);
        let manifest = self.manifest(&plan, seed, guide_text, &seated);
        self.start(NewSession {
            workspace_id: workspace,
            title: &guide.title,
            kind: SessionKind::FocusGroup,
            twins,
            guide: guide_text,
            manifest: &manifest,
            seed,
            budget_micros,
        })
        .await
    }

    /// Starts a 1:1 interview of `twin` with these questions.
    pub async fn start_interview(
        &self,
        workspace: WorkspaceId,
        twin: TwinId,
        questions: &[String],
        seed: Option<u64>,
        budget_micros: Option<i64>,
    ) -> Result<(Session, Job)> {
        self.require_workspace(workspace).await?;
        let questions: Vec<String> = questions
            .iter()
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty())
            .collect();
        if !INTERVIEW_QUESTIONS.contains(&questions.len()) {
            return Err(TwinsError::Invalid(format!(
                "{} questions given; an interview asks {} to {}",
                questions.len(),
                INTERVIEW_QUESTIONS.start(),
                INTERVIEW_QUESTIONS.end()
            )));
        }
        if let Some(long) = questions.iter().position(|q| q.chars().count() > 500) {
            return Err(TwinsError::Invalid(format!(
                "question {} is longer than 500 characters",
                long + 1
            )));
        }
        let seated = self.seat(workspace, &[twin]).await?;
        let name = self.store().twin(twin).await?.summary.name;
        let plan = self
            .plan(workspace, estimate::interview(questions.len()))
            .await?;
        let seed = seed.unwrap_or_else(|| uuid::Uuid::now_v7().as_u64_pair().1);
        let guide =
            serde_json::to_string(&questions).map_err(|e| TwinsError::Invalid(e.to_string()))?;
        let manifest = self.manifest(&plan, seed, &guide, &seated);
        self.start(NewSession {
            workspace_id: workspace,
            title: &format!("Interview with {name}"),
            kind: SessionKind::Interview,
            twins: &[twin],
            guide: &guide,
            manifest: &manifest,
            seed,
            budget_micros,
        })
        .await
    }

    async fn start(&self, new: NewSession<'_>) -> Result<(Session, Job)> {
        let store = SessionStore::new(&self.db);
        let (_, id) = store.create(&new).await?;
        let session = store.session(id).await?;
        let job = self.enqueue(&session).await?;
        store.hand_to(id, &job.id, None).await?;
        Ok((session, job))
    }

    /// The session's runner job, if it is still queued or running.
    async fn live_runner(&self, id: SessionId) -> Result<Option<Job>> {
        let Some(runner) = SessionStore::new(&self.db).runner(id).await? else {
            return Ok(None);
        };
        match self.queue.get(&runner).await {
            Ok(job) if matches!(job.state, JobState::Queued | JobState::Running) => Ok(Some(job)),
            Ok(_) => Ok(None),
            // A job cleared from the queue's history runs nothing.
            Err(pw_jobs::QueueError::NotFound(_)) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    async fn enqueue(&self, session: &Session) -> Result<Job> {
        let spec = JobSpec::new(SESSION_JOB_KIND, session.title.clone(), Lane::Default)
            .workspace(session.workspace_id.to_string())
            .payload(json!(SessionPayload {
                session_id: session.id
            }));
        Ok(self.queue.enqueue(spec).await?)
    }

    pub async fn sessions(&self, workspace: WorkspaceId) -> Result<Vec<Session>> {
        self.require_workspace(workspace).await?;
        SessionStore::new(&self.db).sessions(workspace).await
    }

    /// A session with its transcript, dynamics, persona checks and Says/Thinks gaps.
    pub async fn session(&self, id: SessionId) -> Result<SessionView> {
        let store = SessionStore::new(&self.db);
        let session = store.session(id).await?;
        let turns = store.turns(id).await?;
        let seats: Vec<TwinId> = session.participants.iter().map(|p| p.twin_id).collect();
        let coded: Vec<dynamics::Turn> = turns
            .iter()
            .filter(|t| t.act != Act::NonResponse)
            .map(|t| dynamics::Turn {
                speaker: match t.speaker {
                    Speaker::Twin => t.twin_id.and_then(|id| seats.iter().position(|s| *s == id)),
                    _ => None,
                },
                words: t.words,
                question: t.question,
                stance: t.stance,
            })
            .collect();
        let diagnostics = dynamics::diagnose(&coded, seats.len()).ok();
        let mut castings = Vec::with_capacity(seats.len());
        let mut sides: Vec<dynamics::Seat> = Vec::with_capacity(seats.len());
        let mut audiences: HashMap<String, Option<dynamics::SideShares>> = HashMap::new();
        for seat in &seats {
            // A twin removed since is left out of the overlap, not a failure to show the session.
            let Ok(twin) = self.store().twin(*seat).await else {
                sides.push(dynamics::Seat::default());
                continue;
            };
            castings.push(crate::casting::Casting {
                anchor_ids: twin.casting,
            });
            let audience = twin.summary.audience_id.map(|a| a.to_string());
            let shares = match &audience {
                Some(id) => match audiences.get(id) {
                    Some(known) => *known,
                    None => {
                        let shares = dynamics::side_shares(&self.mention_sentiments(id).await?);
                        audiences.insert(id.clone(), shares);
                        shares
                    }
                },
                None => None,
            };
            sides.push(dynamics::Seat { audience, shares });
        }
        let overlap = mean_pairwise_jaccard(&castings);
        let agreement = dynamics::agreement(&coded, &sides, overlap);
        let mut adherence = AdherenceCount::default();
        for turn in turns.iter().filter(|t| t.speaker == Speaker::Twin) {
            if turn.act == Act::NonResponse {
                adherence.non_responses += 1;
                if turn.adherence != Adherence::Caught {
                    continue;
                }
            }
            match turn.adherence {
                Adherence::Passed => adherence.passed += 1,
                Adherence::Caught => adherence.caught += 1,
                Adherence::Unchecked => adherence.unchecked += 1,
            }
        }
        let gaps = turns
            .iter()
            .filter_map(|t| {
                says_thinks::gap(&t.says, t.thinks.as_deref())
                    .map(|gap| TurnGap { seq: t.seq, gap })
            })
            .collect();
        let answered_by = CallRecord {
            db: &self.db,
            workspace: session.workspace_id,
            session: session.id,
        }
        .answered_by()
        .await?;
        Ok(SessionView {
            session,
            turns,
            diagnostics,
            agreement,
            adherence,
            gaps,
            answered_by,
        })
    }

    /// Asks a session to pause, take the user's words as the moderator's, add a probe, skip
    /// its section, or resume; resuming (a paused, stopped or failed session) starts its job
    /// again and returns it.
    pub async fn command(
        &self,
        id: SessionId,
        kind: CommandKind,
        text: &str,
    ) -> Result<Option<Job>> {
        let store = SessionStore::new(&self.db);
        let session = store.session(id).await?;
        if matches!(
            session.status,
            SessionStatus::Completed | SessionStatus::Cancelled
        ) {
            return Err(TwinsError::Invalid(format!(
                "“{}” has ended; start a new session to go on",
                session.title
            )));
        }
        match kind {
            CommandKind::Resume => {
                // Whether a job is alive decides, not the status a dead process left behind:
                // a live runner (a queued retry, a run under way) is the answer, and only one
                // new runner can take over from a dead one.
                if let Some(job) = self.live_runner(id).await? {
                    return Ok(Some(job));
                }
                let previous = store.runner(id).await?;
                // A pause asked for while it was not running is void once it is resumed.
                let stale: Vec<String> = store
                    .pending(id)
                    .await?
                    .into_iter()
                    .filter(|c| c.kind == CommandKind::Pause)
                    .map(|c| c.id)
                    .collect();
                store.applied(&stale).await?;
                let job = self.enqueue(&session).await?;
                if !store.hand_to(id, &job.id, previous.as_deref()).await? {
                    // Another resume won: its job runs the session; this one will find itself
                    // not the runner and stop at once.
                    return Ok(self.live_runner(id).await?.or(Some(job)));
                }
                store
                    .set_status(id, SessionStatus::Scheduled, None, None)
                    .await?;
                let _ = self
                    .events
                    .send(SessionEvent::StatusChanged { session_id: id });
                Ok(Some(job))
            }
            CommandKind::Speak | CommandKind::Probe => {
                let text = text.trim();
                if text.is_empty() {
                    return Err(TwinsError::Invalid("say something to ask the group".into()));
                }
                if text.chars().count() > 500 {
                    return Err(TwinsError::Invalid(
                        "at most 500 characters at a time".into(),
                    ));
                }
                store.command(&session, kind, text).await?;
                Ok(None)
            }
            CommandKind::Skip if session.kind == SessionKind::Interview => Err(
                TwinsError::Invalid("an interview has no sections to skip".into()),
            ),
            CommandKind::Pause | CommandKind::Skip => {
                store.command(&session, kind, "").await?;
                Ok(None)
            }
        }
    }

    /// The session of a study (each study of twins holds one session).
    pub async fn session_of_study(&self, study: pw_domain::StudyId) -> Result<SessionId> {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT id FROM study_sessions WHERE study_id = ? ORDER BY seq LIMIT 1",
        )
        .bind(study.to_string())
        .fetch_optional(self.db.reader())
        .await?;
        found
            .ok_or_else(|| TwinsError::SessionNotFound(study.to_string()))?
            .parse()
            .map_err(|e: pw_domain::IdError| TwinsError::Corrupt(e.to_string()))
    }

    /// Enqueues writing the session's insights (a new version each time).
    pub async fn start_insights(&self, id: SessionId) -> Result<Job> {
        let session = SessionStore::new(&self.db).session(id).await?;
        let spec = JobSpec::new(
            INSIGHTS_JOB_KIND,
            format!("Insights from “{}”", session.title),
            Lane::Default,
        )
        .workspace(session.workspace_id.to_string())
        .payload(json!(SessionPayload { session_id: id }));
        Ok(self.queue.enqueue(spec).await?)
    }

    /// Replays a session from the response cache: every call its transcript rests on is
    /// asked again with zero model calls, its answer compared with the one the session used,
    /// and each twin's answer traced to a replayed reply. A running session is replayed once it
    /// stops, so its record is whole.
    pub async fn replay(&self, id: SessionId) -> Result<ReplayReport> {
        let store = SessionStore::new(&self.db);
        let session = store.session(id).await?;
        if session.status == SessionStatus::Running {
            return Err(TwinsError::Invalid(format!(
                "“{}” is still running; replay it once it is paused or finished",
                session.title
            )));
        }
        let turns = store.turns(id).await?;
        let gateway = self.gateway().await?;
        let record = CallRecord {
            db: &self.db,
            workspace: session.workspace_id,
            session: session.id,
        };
        replay::replay(&gateway, record, &session, &turns).await
    }

    /// The session's latest insights, if written.
    pub async fn insights(&self, id: SessionId) -> Result<Option<Insights>> {
        SessionStore::new(&self.db).session(id).await?;
        insights::latest(&self.db, id).await
    }

    /// The session's latest insights as a file: Markdown text or a PDF.
    pub async fn export_insights(&self, id: SessionId, format: ReportFormat) -> Result<Vec<u8>> {
        let view = self.session(id).await?;
        let found = insights::latest(&self.db, id).await?.ok_or_else(|| {
            TwinsError::Invalid(format!(
                "“{}” has no insights yet; write them first",
                view.session.title
            ))
        })?;
        Ok(match format {
            ReportFormat::Markdown => insight_report::markdown(&view, &found).into_bytes(),
            ReportFormat::Pdf => insight_report::pdf(&view, &found),
        })
    }

    /// The sentiments of an audience's mentions: what its people say about the brand, from
    /// which the agreement of its twins is predicted.
    async fn mention_sentiments(&self, audience: &str) -> Result<Vec<f64>> {
        Ok(sqlx::query_scalar(
            "SELECT sentiment FROM audience_signals
             WHERE audience_id = ? AND kind = 'mention' AND sentiment IS NOT NULL",
        )
        .bind(audience)
        .fetch_all(self.db.reader())
        .await?)
    }

    async fn notice_twin(&self, twin: TwinId) {
        if let Ok(found) = self.store().twin(twin).await {
            self.index.changed(found.summary.workspace_id).await;
        }
    }
}
