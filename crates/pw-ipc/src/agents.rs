//! Analyst agents: the copilot's answers with their citations, its steps as they happen, and
//! the specialists with their latest reports.

use pw_engine::agents::{Cited, KeptRun, SourceKind, Specialist, StepEvent};
use serde::{Deserialize, Serialize};
use specta::Type;

/// Where a cited result came from, so the citation can open it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum SourceKindView {
    MetricsQuery,
    Search,
    Signal,
    Report,
    TwinAnswer,
    SurveyResult,
    SessionInsight,
    Web,
    Census,
    Statistic,
}

impl From<SourceKind> for SourceKindView {
    fn from(kind: SourceKind) -> Self {
        match kind {
            SourceKind::MetricsQuery => SourceKindView::MetricsQuery,
            SourceKind::Search => SourceKindView::Search,
            SourceKind::Signal => SourceKindView::Signal,
            SourceKind::Report => SourceKindView::Report,
            SourceKind::TwinAnswer => SourceKindView::TwinAnswer,
            SourceKind::SurveyResult => SourceKindView::SurveyResult,
            SourceKind::SessionInsight => SourceKindView::SessionInsight,
            SourceKind::Web => SourceKindView::Web,
            SourceKind::Census => SourceKindView::Census,
            SourceKind::Statistic => SourceKindView::Statistic,
        }
    }
}

/// A tool result an answer cites: what the tool said, and the query or ids that reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CitationView {
    /// `R1`, `R2`, … as the answer names it.
    pub id: String,
    pub tool: String,
    /// The result as the agent read it (a table or a list in plain text).
    pub text: String,
    pub kind: SourceKindView,
    /// The query (JSON) or the ids (comma-separated) the result came from.
    pub reference: String,
    pub label: String,
}

impl From<Cited> for CitationView {
    fn from(cited: Cited) -> Self {
        CitationView {
            id: cited.id,
            tool: cited.tool,
            text: cited.text,
            kind: cited.source.kind.into(),
            reference: cited.source.reference,
            label: cited.source.label,
        }
    }
}

/// A kept run of the copilot or a specialist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AgentRunView {
    pub id: String,
    /// `copilot`, or a specialist's name.
    pub agent: String,
    pub question: String,
    pub answered: bool,
    /// Why the run stopped before answering, in words (`None` when it answered).
    pub stopped_because: Option<String>,
    /// The answer; when the run stopped first, what it found, said as such.
    pub answer: String,
    pub citations: Vec<CitationView>,
    pub model_calls: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub started_at: String,
    pub finished_at: String,
}

impl From<KeptRun> for AgentRunView {
    fn from(run: KeptRun) -> Self {
        AgentRunView {
            answered: run.outcome.stopped_because().is_none(),
            stopped_because: run.outcome.stopped_because(),
            id: run.id,
            agent: run.agent,
            question: run.question,
            answer: run.answer,
            citations: run.citations.into_iter().map(Into::into).collect(),
            model_calls: run.model_calls,
            input_tokens: run.input_tokens,
            output_tokens: run.output_tokens,
            started_at: run.started_at,
            finished_at: run.finished_at,
        }
    }
}

/// What kind of step a run took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum AgentStepKindView {
    /// The model is deciding the step.
    Deciding,
    /// It called a tool; `detail` is the call's arguments as JSON.
    Calling,
    /// The tool answered; `detail` is the result's label.
    Result,
    /// The tool could not answer; `detail` says why.
    ToolFailed,
    /// The step could not be carried out and the model was told why (`detail`).
    Corrected,
}

/// One step of a run, as it happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AgentStepView {
    pub kind: AgentStepKindView,
    /// From 1.
    pub step: u32,
    /// The result the call will be cited as (`R1`, …), for calls and their results.
    pub result_id: Option<String>,
    pub tool: Option<String>,
    pub detail: Option<String>,
}

impl From<StepEvent> for AgentStepView {
    fn from(event: StepEvent) -> Self {
        let view =
            |kind, step, result_id: Option<String>, tool: Option<String>, detail| AgentStepView {
                kind,
                step,
                result_id,
                tool,
                detail,
            };
        match event {
            StepEvent::Deciding { step } => {
                view(AgentStepKindView::Deciding, step, None, None, None)
            }
            StepEvent::Calling {
                step,
                id,
                tool,
                arguments,
            } => view(
                AgentStepKindView::Calling,
                step,
                Some(id),
                Some(tool),
                Some(arguments.to_string()),
            ),
            StepEvent::Result {
                step,
                id,
                tool,
                label,
            } => view(
                AgentStepKindView::Result,
                step,
                Some(id),
                Some(tool),
                Some(label),
            ),
            StepEvent::ToolFailed {
                step,
                id,
                tool,
                reason,
            } => view(
                AgentStepKindView::ToolFailed,
                step,
                Some(id),
                Some(tool),
                Some(reason),
            ),
            StepEvent::Corrected { step, reason } => {
                view(AgentStepKindView::Corrected, step, None, None, Some(reason))
            }
        }
    }
}

/// A question for the copilot. `request_id` (chosen by the caller) names the run while it
/// goes: its steps carry it, and stopping it takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AskCopilotRequest {
    pub workspace_id: String,
    pub question: String,
    pub request_id: String,
}

/// Runs a specialist; `request_id` as for the copilot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RunSpecialistRequest {
    pub workspace_id: String,
    pub agent: String,
    pub request_id: String,
}

/// A step of a run under way, with the request it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AgentStepEventView {
    pub request_id: String,
    pub step: AgentStepView,
}

/// A specialist and its latest report in the workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SpecialistView {
    pub name: String,
    pub title: String,
    pub description: String,
    pub latest: Option<AgentRunView>,
    /// When it runs by itself (a cron expression in local time); `None`: on demand only.
    pub schedule: Option<String>,
}

impl SpecialistView {
    pub fn of(specialist: Specialist, latest: Option<KeptRun>, schedule: Option<String>) -> Self {
        SpecialistView {
            name: specialist.name.to_owned(),
            title: specialist.title.to_owned(),
            description: specialist.description.to_owned(),
            latest: latest.map(Into::into),
            schedule,
        }
    }
}

/// Sets a specialist's schedule (`cron`, local time) or, with `None`, stops it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SpecialistScheduleRequest {
    pub workspace_id: String,
    pub agent: String,
    pub cron: Option<String>,
}
