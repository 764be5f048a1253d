//! Twins, sessions and insights as the Twins, Focus group and Interview screens show them:
//! profiles with every memory's evidence, live transcripts with the persona checks and the
//! group's dynamics, and insights whose every item quotes the turns it rests on.

use pw_engine::twins::{
    Act, Adherence, CallPurpose, CommandKind, Demographics, Diagnostics, EvidenceLink,
    EvidenceSource, Fragment, GapItem, Insights, Item, Memory, MemoryKind, Profile, Quote,
    Register, ReplayReport, ReplayedCall, Session, SessionEvent, SessionKind, SessionPlan,
    SessionStatus, SessionView, Speaker, Theme, Turn, Twin, TwinSummary, TwinVersion, Voice,
    WrittenBy,
};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::vocabulary::instant_text;
use crate::{ErrorKind, IpcError, Micros};

/// A closed vocabulary crossing as its stored name (snake_case text); the UI's union lists
/// every value.
macro_rules! wire_names {
    ($view:ident from $engine:ident { $($variant:ident),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
        #[serde(rename_all = "snake_case")]
        pub enum $view {
            $($variant,)+
        }

        impl From<$engine> for $view {
            fn from(value: $engine) -> Self {
                match value {
                    $($engine::$variant => $view::$variant,)+
                }
            }
        }

        impl From<$view> for $engine {
            fn from(value: $view) -> Self {
                match value {
                    $($view::$variant => $engine::$variant,)+
                }
            }
        }
    };
}

wire_names!(MemoryKindView from MemoryKind { Grounding, Episodic, Reflection });
wire_names!(FragmentView from Fragment {
    Demographic, Behavior, Intent, Mention, Brand, Objection, Media, Said, Heard, Reflection, Note
});
wire_names!(WrittenByView from WrittenBy { Model, Evidence, Session, User });
wire_names!(EvidenceSourceView from EvidenceSource { Signal, Row, Memory, Turn });
wire_names!(RegisterView from Register { Casual, Neutral, Formal });
wire_names!(SessionKindView from SessionKind { FocusGroup, Interview });
wire_names!(SessionStatusView from SessionStatus { Scheduled, Running, Completed, Cancelled, Failed });
wire_names!(SpeakerView from Speaker { Moderator, Twin, Researcher });
wire_names!(ActView from Act {
    Question, Probe, DrawIn, Transition, Answer, Interjection, Closing, NonResponse
});
wire_names!(AdherenceView from Adherence { Passed, Caught, Unchecked });
wire_names!(SessionCommandView from CommandKind { Pause, Resume, Speak, Probe, Skip });
wire_names!(CallPurposeView from CallPurpose { Reply, Check, Urges, Judgement });

fn parse_seed(seed: &Option<String>) -> Result<Option<u64>, IpcError> {
    seed.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u64>().map_err(|_| {
                IpcError::new(
                    ErrorKind::InvalidInput,
                    format!("\"{s}\" is not a seed (a whole number, 0 or more)"),
                )
            })
        })
        .transpose()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TwinSummaryView {
    pub id: String,
    pub audience_id: Option<String>,
    pub audience_name: Option<String>,
    pub name: String,
    pub summary: String,
    pub age: u32,
    pub gender: String,
    pub occupation: String,
    pub version: u32,
    pub memories: u32,
    pub created_at: String,
}

impl From<TwinSummary> for TwinSummaryView {
    fn from(t: TwinSummary) -> Self {
        TwinSummaryView {
            id: t.id.to_string(),
            audience_id: t.audience_id.map(|a| a.to_string()),
            audience_name: t.audience_name,
            name: t.name,
            summary: t.summary,
            age: u32::from(t.age),
            gender: t.gender,
            occupation: t.occupation,
            version: t.version as u32,
            memories: t.memories as u32,
            created_at: instant_text(t.created_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DemographicsProfileView {
    pub age: u32,
    pub gender: String,
    pub location: String,
    pub occupation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct VoiceView {
    pub vocabulary: Vec<String>,
    pub typical_words: u32,
    pub register: RegisterView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub summary: String,
    pub demographics: DemographicsProfileView,
    pub psychographics: Vec<String>,
    pub goals: Vec<String>,
    pub pain_points: Vec<String>,
    pub media_habits: Vec<String>,
    pub brand_relationship: String,
    pub objections: Vec<String>,
    pub voice: VoiceView,
}

impl From<Profile> for ProfileView {
    fn from(p: Profile) -> Self {
        ProfileView {
            summary: p.summary,
            demographics: DemographicsProfileView {
                age: u32::from(p.demographics.age),
                gender: p.demographics.gender,
                location: p.demographics.location,
                occupation: p.demographics.occupation,
            },
            psychographics: p.psychographics,
            goals: p.goals,
            pain_points: p.pain_points,
            media_habits: p.media_habits,
            brand_relationship: p.brand_relationship,
            objections: p.objections,
            voice: VoiceView {
                vocabulary: p.voice.vocabulary,
                typical_words: p.voice.typical_words,
                register: p.voice.register.into(),
            },
        }
    }
}

impl TryFrom<ProfileView> for Profile {
    type Error = IpcError;

    fn try_from(p: ProfileView) -> Result<Self, IpcError> {
        let age = u8::try_from(p.demographics.age).map_err(|_| {
            IpcError::new(
                ErrorKind::InvalidInput,
                format!("age {} is outside 13-100", p.demographics.age),
            )
        })?;
        Ok(Profile {
            summary: p.summary,
            demographics: Demographics {
                age,
                gender: p.demographics.gender,
                location: p.demographics.location,
                occupation: p.demographics.occupation,
            },
            psychographics: p.psychographics,
            goals: p.goals,
            pain_points: p.pain_points,
            media_habits: p.media_habits,
            brand_relationship: p.brand_relationship,
            objections: p.objections,
            voice: Voice {
                vocabulary: p.voice.vocabulary,
                typical_words: p.voice.typical_words,
                register: p.voice.register.into(),
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceLinkView {
    pub source: EvidenceSourceView,
    /// For a row: its table (`audience_signals`, `daily_metrics`, `metric_breakdowns`,
    /// `creatives`, `audiences`).
    pub table: Option<String>,
    pub key: String,
    /// What the evidence said when the memory was written.
    pub snapshot: String,
}

impl From<EvidenceLink> for EvidenceLinkView {
    fn from(l: EvidenceLink) -> Self {
        EvidenceLinkView {
            source: l.source.into(),
            table: l.table,
            key: l.key,
            snapshot: l.snapshot,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MemoryView {
    pub id: String,
    pub twin_id: String,
    pub kind: MemoryKindView,
    pub fragment: FragmentView,
    pub content: String,
    pub importance: u32,
    pub seq: u32,
    pub version: u32,
    pub written_by: WrittenByView,
    pub evidence: Vec<EvidenceLinkView>,
    pub created_at: String,
}

impl From<Memory> for MemoryView {
    fn from(m: Memory) -> Self {
        MemoryView {
            id: m.id.to_string(),
            twin_id: m.twin_id.to_string(),
            kind: m.kind.into(),
            fragment: m.fragment.into(),
            content: m.content,
            importance: u32::from(m.importance),
            seq: m.seq as u32,
            version: m.version as u32,
            written_by: m.written_by.into(),
            evidence: m.evidence.into_iter().map(Into::into).collect(),
            created_at: instant_text(m.created_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TwinView {
    pub summary: TwinSummaryView,
    pub profile: ProfileView,
    /// The derived signals it was cast on.
    pub casting: Vec<String>,
    /// The casting seed, as decimal text (a 64-bit number).
    pub seed: String,
    pub written_by: String,
    pub memories: Vec<MemoryView>,
}

impl From<Twin> for TwinView {
    fn from(t: Twin) -> Self {
        TwinView {
            summary: t.summary.into(),
            profile: t.profile.into(),
            casting: t.casting,
            seed: t.seed.to_string(),
            written_by: t.written_by,
            memories: t.memories.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TwinVersionView {
    pub version: u32,
    pub name: String,
    pub profile: ProfileView,
    pub edited_by: String,
    pub note: String,
    pub created_at: String,
}

impl From<TwinVersion> for TwinVersionView {
    fn from(v: TwinVersion) -> Self {
        TwinVersionView {
            version: v.version as u32,
            name: v.name,
            profile: v.profile.into(),
            edited_by: v.edited_by.as_str().to_owned(),
            note: v.note,
            created_at: instant_text(v.created_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CreateTwinsRequest {
    pub workspace_id: String,
    pub audience_id: String,
    pub count: u32,
    /// A whole number as text; a new seed when absent.
    pub seed: Option<String>,
}

impl CreateTwinsRequest {
    pub fn seed(&self) -> Result<Option<u64>, IpcError> {
        parse_seed(&self.seed)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TwinsRequest {
    pub workspace_id: String,
    pub audience_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EditTwinRequest {
    pub twin_id: String,
    /// The version the user edited; a later one refuses the edit.
    pub expected_version: u32,
    pub name: String,
    pub profile: ProfileView,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EditMemoryRequest {
    pub memory_id: String,
    pub expected_version: u32,
    pub content: String,
    pub importance: u32,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AddMemoryNoteRequest {
    pub twin_id: String,
    pub content: String,
    pub importance: u32,
}

/// 1-10, or a clear error.
pub fn importance(value: u32) -> Result<u8, IpcError> {
    u8::try_from(value)
        .ok()
        .filter(|v| (1..=10).contains(v))
        .ok_or_else(|| {
            IpcError::new(
                ErrorKind::InvalidInput,
                format!("importance {value} is outside 1-10"),
            )
        })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantView {
    pub twin_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionSummaryView {
    pub id: String,
    pub study_id: String,
    pub workspace_id: String,
    pub title: String,
    pub kind: SessionKindView,
    pub status: SessionStatusView,
    pub paused_reason: Option<String>,
    pub failure: Option<String>,
    /// The guide section under way, from 0.
    pub section: u32,
    /// The guide's TOML (a focus group), or the questions one per line (an interview).
    pub guide: String,
    pub seed: String,
    pub participants: Vec<ParticipantView>,
    pub created_at: String,
    pub finished_at: Option<String>,
}

impl From<Session> for SessionSummaryView {
    fn from(s: Session) -> Self {
        let guide = match s.kind {
            SessionKind::Interview => serde_json::from_str::<Vec<String>>(&s.guide)
                .map(|questions| questions.join("\n"))
                .unwrap_or(s.guide),
            SessionKind::FocusGroup => s.guide,
        };
        SessionSummaryView {
            id: s.id.to_string(),
            study_id: s.study_id.to_string(),
            workspace_id: s.workspace_id.to_string(),
            title: s.title,
            kind: s.kind.into(),
            status: s.status.into(),
            paused_reason: s.paused_reason,
            failure: s.failure,
            section: s.section,
            guide,
            seed: s.seed.to_string(),
            participants: s
                .participants
                .into_iter()
                .map(|p| ParticipantView {
                    twin_id: p.twin_id.to_string(),
                    name: p.name,
                })
                .collect(),
            created_at: instant_text(s.created_at),
            finished_at: s.finished_at.map(instant_text),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TurnView {
    pub id: String,
    pub seq: u32,
    pub speaker: SpeakerView,
    pub twin_id: Option<String>,
    pub twin_name: Option<String>,
    pub says: String,
    pub thinks: Option<String>,
    pub section: u32,
    pub question: u32,
    pub act: ActView,
    pub words: u32,
    /// −2 (against) to 2 (for), when coded.
    pub stance: Option<i32>,
    pub adherence: AdherenceView,
    pub rejected: Option<String>,
    pub catch_reason: Option<String>,
    pub written_by: String,
    /// The memories the twin brought to this turn.
    pub recalled: Vec<String>,
}

impl From<Turn> for TurnView {
    fn from(t: Turn) -> Self {
        TurnView {
            id: t.id.to_string(),
            seq: t.seq as u32,
            speaker: t.speaker.into(),
            twin_id: t.twin_id.map(|id| id.to_string()),
            twin_name: t.twin_name,
            says: t.says,
            thinks: t.thinks,
            section: t.section,
            question: t.question,
            act: t.act.into(),
            words: t.words,
            stance: t.stance.map(i32::from),
            adherence: t.adherence.into(),
            rejected: t.rejected,
            catch_reason: t.catch_reason,
            written_by: t.written_by,
            recalled: t.recalled.iter().map(ToString::to_string).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ParticipationView {
    pub twin_id: String,
    pub name: String,
    pub turns: u32,
    pub words: u32,
    pub turn_share: f64,
    pub word_share: f64,
    pub stance_changes: u32,
    pub changes_toward_majority: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticsView {
    pub participants: Vec<ParticipationView>,
    pub participant_turns: u32,
    pub moderator_turns: u32,
    /// Inequality of the words said, 0 (all equal) to 1.
    pub word_gini: f64,
    pub median_turn_words: Option<f64>,
    pub stance_changes: u32,
    pub changes_toward_majority: u32,
    /// Share of changes of position that went toward the majority, when any could.
    pub herding_rate: Option<f64>,
}

fn diagnostics(d: Diagnostics, session: &Session) -> DiagnosticsView {
    DiagnosticsView {
        participants: session
            .participants
            .iter()
            .zip(d.participants)
            .map(|(p, share)| ParticipationView {
                twin_id: p.twin_id.to_string(),
                name: p.name.clone(),
                turns: share.turns as u32,
                words: share.words as u32,
                turn_share: share.turn_share,
                word_share: share.word_share,
                stance_changes: share.stance_changes as u32,
                changes_toward_majority: share.changes_toward_majority as u32,
            })
            .collect(),
        participant_turns: d.participant_turns as u32,
        moderator_turns: d.moderator_turns as u32,
        word_gini: d.word_gini,
        median_turn_words: d.median_turn_words,
        stance_changes: d.herding.stance_changes as u32,
        changes_toward_majority: d.herding.changes_toward_majority as u32,
        herding_rate: d.herding.rate,
    }
}

/// How much the twins agreed against how much their evidence overlaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AgreementView {
    /// Share of pairs of twins whose last positions on a question have the same sign, with its
    /// 95% interval.
    pub observed: f64,
    pub observed_low: f64,
    pub observed_high: f64,
    pub pairs: u32,
    /// The share of pairs the twins' audiences predict would agree (from their mentions'
    /// sentiment), and the mentions it rests on; `None` without mentions to predict from.
    pub expected: Option<f64>,
    pub expected_mentions: u32,
    /// Mean share of evidence two twins were cast on in common.
    pub evidence_overlap: f64,
    /// The group agreed beyond what its audiences' data predicts (the interval's low end above
    /// the prediction).
    pub beyond_evidence: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AdherenceCountView {
    pub passed: u32,
    pub caught: u32,
    pub unchecked: u32,
    /// Turns where the model gave nothing usable (recorded, never invented).
    pub non_responses: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GapView {
    pub seq: u32,
    /// Share of content words the answer and the thought share.
    pub overlap: f64,
    pub reservations: Vec<String>,
    pub diverges: bool,
}

/// One named setting of a run manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ManifestEntryView {
    pub name: String,
    pub value: String,
}

/// The models that answered one kind of call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AnsweredByView {
    pub purpose: CallPurposeView,
    pub models: Vec<String>,
}

/// What reproduces a session: the models planned and those that answered, prompt versions,
/// temperatures, and the whole manifest as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RunManifestView {
    pub planned_models: Vec<ManifestEntryView>,
    pub answered_by: Vec<AnsweredByView>,
    pub prompt_versions: Vec<ManifestEntryView>,
    pub temperatures: Vec<ManifestEntryView>,
    pub json: String,
}

/// The entries of one object of the manifest, values as text.
fn manifest_entries(manifest: &serde_json::Value, key: &str) -> Vec<ManifestEntryView> {
    manifest
        .get(key)
        .and_then(serde_json::Value::as_object)
        .map(|entries| {
            entries
                .iter()
                .map(|(name, value)| ManifestEntryView {
                    name: name.clone(),
                    value: match value {
                        serde_json::Value::String(text) => text.clone(),
                        other => other.to_string(),
                    },
                })
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionDetailView {
    pub manifest: RunManifestView,
    pub session: SessionSummaryView,
    pub turns: Vec<TurnView>,
    pub diagnostics: Option<DiagnosticsView>,
    pub agreement: Option<AgreementView>,
    pub adherence: AdherenceCountView,
    pub gaps: Vec<GapView>,
    /// The guide's section names, in order (a focus group).
    pub sections: Vec<String>,
    pub estimated_cost_micros: Option<Micros>,
}

impl From<SessionView> for SessionDetailView {
    fn from(v: SessionView) -> Self {
        let sections = match v.session.kind {
            SessionKind::FocusGroup => pw_engine::twins::section_names(&v.session.guide),
            SessionKind::Interview => Vec::new(),
        };
        let estimated_cost_micros = v
            .session
            .manifest
            .get("estimated_cost_micros")
            .and_then(serde_json::Value::as_i64)
            .map(Micros::from);
        let manifest = RunManifestView {
            planned_models: manifest_entries(&v.session.manifest, "models"),
            answered_by: v
                .answered_by
                .iter()
                .map(|(purpose, models)| AnsweredByView {
                    purpose: (*purpose).into(),
                    models: models.clone(),
                })
                .collect(),
            prompt_versions: manifest_entries(&v.session.manifest, "prompt_versions"),
            temperatures: manifest_entries(&v.session.manifest, "temperatures"),
            json: serde_json::to_string_pretty(&v.session.manifest).unwrap_or_default(),
        };
        SessionDetailView {
            manifest,
            diagnostics: v.diagnostics.map(|d| diagnostics(d, &v.session)),
            agreement: v.agreement.map(|a| AgreementView {
                observed: a.observed,
                observed_low: a.observed_low,
                observed_high: a.observed_high,
                pairs: a.pairs as u32,
                expected: a.expected,
                expected_mentions: a.expected_mentions,
                evidence_overlap: a.evidence_overlap,
                beyond_evidence: a.beyond_evidence(),
            }),
            session: v.session.into(),
            turns: v.turns.into_iter().map(Into::into).collect(),
            adherence: AdherenceCountView {
                passed: v.adherence.passed as u32,
                caught: v.adherence.caught as u32,
                unchecked: v.adherence.unchecked as u32,
                non_responses: v.adherence.non_responses as u32,
            },
            gaps: v
                .gaps
                .into_iter()
                .map(|g| GapView {
                    seq: g.seq as u32,
                    overlap: g.gap.overlap,
                    reservations: g.gap.reservations,
                    diverges: g.gap.diverges,
                })
                .collect(),
            sections,
            estimated_cost_micros,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TaskModelView {
    pub task: String,
    pub model: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionPlanView {
    pub participant_turns: u32,
    pub moderator_turns: u32,
    pub calls: u32,
    pub tokens: u32,
    /// Nothing ("0") on this machine; absent when a model has no known price.
    pub cost_micros: Option<Micros>,
    pub models: Vec<TaskModelView>,
}

impl From<SessionPlan> for SessionPlanView {
    fn from(p: SessionPlan) -> Self {
        SessionPlanView {
            participant_turns: p.estimate.participant_turns as u32,
            moderator_turns: p.estimate.moderator_turns as u32,
            calls: p.estimate.calls() as u32,
            tokens: p.estimate.tokens() as u32,
            cost_micros: p.cost_micros.map(Micros::from),
            models: p
                .models
                .into_iter()
                .map(|(task, model)| TaskModelView { task, model })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EstimateFocusGroupRequest {
    pub workspace_id: String,
    pub guide: String,
    pub twins: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EstimateInterviewRequest {
    pub workspace_id: String,
    pub questions: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StartFocusGroupRequest {
    pub workspace_id: String,
    /// The discussion guide as TOML.
    pub guide: String,
    pub twin_ids: Vec<String>,
    pub seed: Option<String>,
    pub budget_micros: Option<Micros>,
}

impl StartFocusGroupRequest {
    pub fn seed(&self) -> Result<Option<u64>, IpcError> {
        parse_seed(&self.seed)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StartInterviewRequest {
    pub workspace_id: String,
    pub twin_id: String,
    pub questions: Vec<String>,
    pub seed: Option<String>,
    pub budget_micros: Option<Micros>,
}

impl StartInterviewRequest {
    pub fn seed(&self) -> Result<Option<u64>, IpcError> {
        parse_seed(&self.seed)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionCommandRequest {
    pub session_id: String,
    pub command: SessionCommandView,
    /// What the user says as the moderator, or the probe (empty for the others).
    pub text: String,
}

/// A report's file format: a session's insights or a survey run's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ReportFormatView {
    Markdown,
    Pdf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportInsightsRequest {
    pub session_id: String,
    pub format: ReportFormatView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TurnQuoteView {
    pub turn_id: String,
    pub seq: u32,
    pub speaker: String,
    pub says: String,
}

impl From<Quote> for TurnQuoteView {
    fn from(q: Quote) -> Self {
        TurnQuoteView {
            turn_id: q.turn_id.to_string(),
            seq: q.seq as u32,
            speaker: q.speaker,
            says: q.says,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ThemeView {
    pub title: String,
    pub summary: String,
    pub quotes: Vec<TurnQuoteView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct InsightItemView {
    pub text: String,
    pub quotes: Vec<TurnQuoteView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GapItemView {
    pub quote: TurnQuoteView,
    pub thinks: String,
    pub reservations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct InsightsView {
    pub id: String,
    pub session_id: String,
    pub version: u32,
    pub written_by: String,
    pub items_checked: u32,
    pub items_dropped: u32,
    pub created_at: String,
    pub themes: Vec<ThemeView>,
    pub agreements: Vec<InsightItemView>,
    pub disagreements: Vec<InsightItemView>,
    pub actions: Vec<InsightItemView>,
    pub gaps: Vec<GapItemView>,
}

fn items(items: Vec<Item>) -> Vec<InsightItemView> {
    items
        .into_iter()
        .map(|i| InsightItemView {
            text: i.text,
            quotes: i.quotes.into_iter().map(Into::into).collect(),
        })
        .collect()
}

impl From<Insights> for InsightsView {
    fn from(i: Insights) -> Self {
        InsightsView {
            id: i.id,
            session_id: i.session_id.to_string(),
            version: i.version as u32,
            written_by: i.written_by,
            items_checked: i.items_checked as u32,
            items_dropped: i.items_dropped as u32,
            created_at: instant_text(i.created_at),
            themes: i
                .body
                .themes
                .into_iter()
                .map(|t: Theme| ThemeView {
                    title: t.title,
                    summary: t.summary,
                    quotes: t.quotes.into_iter().map(Into::into).collect(),
                })
                .collect(),
            agreements: items(i.body.agreements),
            disagreements: items(i.body.disagreements),
            actions: items(i.body.actions),
            gaps: i
                .body
                .gaps
                .into_iter()
                .map(|g: GapItem| GapItemView {
                    quote: g.quote.into(),
                    thinks: g.thinks,
                    reservations: g.reservations,
                })
                .collect(),
        }
    }
}

/// What a running session says as it goes, for the live transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionEventView {
    pub session_id: String,
    /// turnStarted, token, restart, turnStored or statusChanged.
    pub kind: SessionEventKindView,
    pub seq: Option<u32>,
    pub speaker: Option<SpeakerView>,
    pub name: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum SessionEventKindView {
    TurnStarted,
    Token,
    Restart,
    TurnStored,
    StatusChanged,
}

impl From<SessionEvent> for SessionEventView {
    fn from(event: SessionEvent) -> Self {
        let blank = |session_id: pw_engine::twins::SessionId, kind| SessionEventView {
            session_id: session_id.to_string(),
            kind,
            seq: None,
            speaker: None,
            name: None,
            text: None,
        };
        match event {
            SessionEvent::TurnStarted {
                session_id,
                seq,
                speaker,
                name,
            } => SessionEventView {
                seq: Some(seq as u32),
                speaker: Some(speaker.into()),
                name: Some(name),
                ..blank(session_id, SessionEventKindView::TurnStarted)
            },
            SessionEvent::Token {
                session_id,
                seq,
                text,
            } => SessionEventView {
                seq: Some(seq as u32),
                text: Some(text),
                ..blank(session_id, SessionEventKindView::Token)
            },
            SessionEvent::Restart { session_id, seq } => SessionEventView {
                seq: Some(seq as u32),
                ..blank(session_id, SessionEventKindView::Restart)
            },
            SessionEvent::TurnStored { session_id, seq } => SessionEventView {
                seq: Some(seq as u32),
                ..blank(session_id, SessionEventKindView::TurnStored)
            },
            SessionEvent::StatusChanged { session_id } => {
                blank(session_id, SessionEventKindView::StatusChanged)
            }
        }
    }
}

/// A call a replay could not reproduce, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplayedCallView {
    pub seq: u32,
    pub purpose: CallPurposeView,
    pub detail: String,
}

impl From<ReplayedCall> for ReplayedCallView {
    fn from(c: ReplayedCall) -> Self {
        ReplayedCallView {
            seq: c.seq as u32,
            purpose: c.purpose.into(),
            detail: c.detail,
        }
    }
}

/// A session replayed from the response cache with zero model calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplayView {
    pub session_id: String,
    /// Calls asked again, all from the cache.
    pub calls: u32,
    /// Answered exactly as the session was.
    pub reproduced: u32,
    pub differing: Vec<ReplayedCallView>,
    pub missing: Vec<ReplayedCallView>,
    /// The twins' answers, and those traced word for word to the replayed reply they kept.
    pub answers: u32,
    pub traced: u32,
    /// Answers whose words are not those of their replayed reply.
    pub untraced: Vec<u32>,
    /// Answers with no reply to trace them to (run before calls were kept, or not cached).
    pub unrecorded: Vec<u32>,
}

impl From<ReplayReport> for ReplayView {
    fn from(r: ReplayReport) -> Self {
        ReplayView {
            session_id: r.session_id.to_string(),
            calls: r.calls,
            reproduced: r.reproduced,
            differing: r.differing.into_iter().map(Into::into).collect(),
            missing: r.missing.into_iter().map(Into::into).collect(),
            answers: r.answers,
            traced: r.traced,
            untraced: r.untraced.into_iter().map(|seq| seq as u32).collect(),
            unrecorded: r.unrecorded.into_iter().map(|seq| seq as u32).collect(),
        }
    }
}
