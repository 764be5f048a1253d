//! The analyst agents context: the workspace copilot, which answers questions about a
//! workspace with tools over its metrics and evidence, every number citing the result it came
//! from. The runtime lives in `pw-agents`; this facade builds the copilot's tools over the
//! other contexts and runs it on the gateway of the language-models context.

pub(crate) mod schedules;
mod tools;

use std::sync::Arc;

use pw_agents::{AgentSpec, Limits, OpeningCall, RunRequest, RunStore, ToolBox};
use pw_llm::{CacheMode, CallScope, Gateway, Route, Task};
use serde_json::json;
use tokio_util::sync::CancellationToken;

pub use pw_agents::{
    AgentRun, Cited, EvalReport, EvalScore, Expected, KeptRun, Outcome, Source, SourceKind,
    StepEvent,
};
pub use pw_domain::WorkspaceId;
pub use schedules::SPECIALIST_JOB_KIND;

use crate::Engine;
use crate::error::{EngineError, Result};

/// The name the copilot's runs are kept under.
pub const COPILOT_NAME: &str = "copilot";

const BUDGET: &str = "budget";
const CREATIVE: &str = "creative";
const ANOMALY: &str = "anomaly";
const AUDIENCE: &str = "audience";
const COMPETITOR: &str = "competitor";

/// Whether a person asked for a run (and so for what its tools write) or a schedule did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attended {
    Yes,
    No,
}

/// An agent with a fixed task, run on demand, its report kept with its citations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Specialist {
    pub name: &'static str,
    pub title: &'static str,
    /// What it does, for the person choosing it.
    pub description: &'static str,
    /// What it is asked each run.
    #[serde(skip)]
    pub task: &'static str,
    #[serde(skip)]
    pub instructions: &'static str,
}

pub const SPECIALISTS: &[Specialist] = &[
    Specialist {
        name: BUDGET,
        title: "Budget recommendations",
        description: "Fits each campaign's diminishing returns on its last 90 days and recommends moving daily budget to where the next dollar buys most, with the expected change in conversions and its 95% interval.",
        task: "Recommend how to reallocate the daily budget across the campaigns and platforms.",
        instructions: "You are the budget analyst inside a marketing research app. The budget plan is R1. Recommend the two to four moves with the largest change in spend, from the campaigns where the next dollar buys least to those where it buys most, and give the expected change in daily conversions with its 95% interval. Say which campaigns' curves are floors (no saturation seen) or were left out, and why. Plain words, each figure exactly as the plan states it.",
    },
    Specialist {
        name: CREATIVE,
        title: "Creative analysis",
        description: "Compares the click and conversion rates of each message, call to action and format over the last 90 days, across audiences and within each, and says which differences are significant.",
        task: "Say which creative messages, calls to action and formats work best and worst, overall and for each audience, and what to test next.",
        instructions: "You are the creative analyst inside a marketing research app. The creative report is R1. Name the messages that win and lose on click rate and on conversion rate, overall and in the audiences where they differ, each with its rate, its lift and whether it is significant, exactly as the report states them. Call a difference a winner only when the report says significant; otherwise say it is not yet clear. End with one or two things to test next. Plain words.",
    },
    Specialist {
        name: ANOMALY,
        title: "Anomaly alerts",
        description: "Checks the last week's spend, CPA, ROAS and CTR on each platform against the same weekday of the eight weeks before, and the mentions' sentiment, and names the campaigns or topics behind what is unusual.",
        task: "Check the last week for unusual changes in spend, CPA, ROAS, CTR and mention sentiment, and say the likely cause of each.",
        instructions: "You are the monitoring analyst inside a marketing research app. The anomaly scan is R1. Report each unusual value with its figure, its usual figure and its likely cause (the campaign or topic the scan names), most unusual first; if nothing is unusual, say so plainly. Each figure exactly as the scan states it. Plain words.",
    },
    Specialist {
        name: AUDIENCE,
        title: "Audience insights",
        description: "Weighs each audience's conversion rate and CPA against the others', its signals and its twins (asking them a question where the signals leave the reason open), and says which audiences to expand, review or test next.",
        task: "Recommend which audiences to expand, review or test next, and why.",
        instructions: "You are the audience strategist inside a marketing research app. The audience report is R1; call audience_signals for an audience whose signals would explain its verdict, ask_twins to put one question to an audience's twins where the signals leave the reason open, and census_population to compare an audience with the adult population. Quote a twin only as the answer states it, and call it a twin's view, not a customer's. Recommend the audiences to expand, review and test, each with the verdict's reason and its figures exactly as the report states them, and what its signals say about it. Plain words.",
    },
    Specialist {
        name: COMPETITOR,
        title: "Competitor and market research",
        description: "Searches the web and the news for the brand's competitors and market, keeps what it finds as mentions with their addresses, and summarises it with the workspace's own mentions.",
        task: "Research what the brand's competitors and the market are doing and saying, and what it means for the brand.",
        instructions: "You are the market researcher inside a marketing research app. R1 is a web search for the brand's competitors. Search the web (web_search) for its market too, and the news for recent moves; search the workspace's own mentions (search_evidence) for what its audiences say about competitors. Summarise the three or four findings that matter for the brand, each citing the results it came from, and say what the brand should watch. Never state what no result says. Plain words.",
    },
];

/// The copilot's role and method, before the runtime's protocol.
const COPILOT: &str = "You are the analyst inside a marketing research app. You answer a marketer's question about one workspace: its ad platforms' campaigns and daily metrics, and its audiences' signals and evidence. Use the tools to look; never answer a number from memory. When the question is about a change, look at both periods and give each period's figures as the results state them (do not work out new figures). Be brief: two to five sentences, plain words, each figure as the result states it.";

/// Whether the model that answers first runs on this computer (the embedded model).
fn local_first(gateway: &Gateway, scope: &CallScope) -> bool {
    gateway
        .routes_for(Task::Analysis, scope)
        .ok()
        .and_then(|routes| routes.first().map(|r| gateway.runs_here(&r.vendor)))
        .unwrap_or(false)
}

/// `tools` with `tool` added, unless the embedded model answers first.
fn unless_local(
    tools: ToolBox,
    local: bool,
    tool: impl pw_agents::Tool,
) -> pw_agents::Result<ToolBox> {
    if local { Ok(tools) } else { tools.with(tool) }
}

/// The run's limits for the model that answers first. The embedded model reads 2,048 tokens
/// per sequence, and the protocol with the tools takes about 800: its steps get shorter
/// replies (384 tokens hold the longest answer it writes) and shorter result pages (the rest
/// is a `read_more` away), so a look and an answer fit; and once another page would not fit,
/// the next step answers (a small model otherwise reads page after page until it overflows). Vendors' contexts hold the defaults many times over.
fn limits_for(gateway: &Gateway, scope: &CallScope) -> Limits {
    if local_first(gateway, scope) {
        Limits {
            page_chars: 1_200,
            step_tokens: 384,
            context_tokens: Some(2_048),
            ..Limits::default()
        }
    } else {
        Limits::default()
    }
}

pub struct AgentsFacade<'a> {
    pub(crate) engine: &'a Arc<Engine>,
}

impl AgentsFacade<'_> {
    /// Asks the copilot a question about a workspace, and keeps the run (a stopped one too: it
    /// says what was found and why it stopped). `on_event` hears each step as it happens;
    /// `cancel` stops it with what it found.
    pub async fn ask(
        &self,
        workspace: WorkspaceId,
        question: &str,
        on_event: &(dyn Fn(StepEvent) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<Asked> {
        let started_at = pw_store::now_rfc3339();
        let run = self
            .run_copilot(workspace, question, on_event, cancel)
            .await?;
        let id = RunStore::new(&self.engine.db)
            .keep(workspace, COPILOT_NAME, question.trim(), &started_at, &run)
            .await?;
        Ok(Asked { id, run })
    }

    /// The specialists, each with its latest kept run in this workspace.
    pub async fn specialists(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Vec<(Specialist, Option<KeptRun>)>> {
        let mut listed = Vec::with_capacity(SPECIALISTS.len());
        for specialist in SPECIALISTS {
            let latest = self
                .runs(workspace, Some(specialist.name), 1)
                .await?
                .into_iter()
                .next();
            listed.push((*specialist, latest));
        }
        Ok(listed)
    }

    /// Runs a specialist on the workspace, at a person's request, and keeps its report.
    pub async fn run_specialist(
        &self,
        workspace: WorkspaceId,
        name: &str,
        on_event: &(dyn Fn(StepEvent) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<Asked> {
        self.run_specialist_as(workspace, name, Attended::Yes, on_event, cancel)
            .await
    }

    /// Runs a specialist; an unattended (scheduled) run has no tool that writes, since nobody
    /// is there to have asked for it.
    pub(crate) async fn run_specialist_as(
        &self,
        workspace: WorkspaceId,
        name: &str,
        attended: Attended,
        on_event: &(dyn Fn(StepEvent) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<Asked> {
        let specialist = self.specialist_named(name)?;
        let overview = self.engine.workspaces().overview(workspace).await?;
        let engine = self.engine.clone();
        let analysis = |analysis| tools::AnalysisTool {
            engine: engine.clone(),
            workspace,
            analysis,
        };
        let metrics = || tools::WorkspaceMetrics {
            engine: engine.clone(),
            workspace,
        };
        let signals = || tools::AudienceSignals {
            engine: engine.clone(),
            workspace,
        };
        let gateway = self.engine.models.gateway().await?;
        let scope = CallScope::workspace(workspace.to_string());
        // The embedded model reads 2,048 tokens, and each tool is described in the prompt: a
        // specialist run there gets its opening analysis alone (a vendor's model may also look
        // further).
        let local = local_first(&gateway, &scope);
        let tools = match specialist.name {
            BUDGET => ToolBox::new()
                .with(analysis(tools::Analysis::Budget))
                .and_then(|b| unless_local(b, local, metrics())),
            CREATIVE => ToolBox::new()
                .with(analysis(tools::Analysis::Creative))
                .and_then(|b| unless_local(b, local, metrics())),
            ANOMALY => ToolBox::new()
                .with(analysis(tools::Analysis::Anomaly))
                .and_then(|b| unless_local(b, local, metrics())),
            // Asking twins runs interviews: a person's run of this specialist is the go-ahead.
            AUDIENCE => ToolBox::new()
                .with(analysis(tools::Analysis::Audience))
                .and_then(|b| unless_local(b, local, signals()))
                .and_then(|b| match attended {
                    Attended::Yes => unless_local(
                        b,
                        local,
                        tools::AskTwins {
                            engine: engine.clone(),
                            workspace,
                        },
                    ),
                    Attended::No => Ok(b),
                })
                .and_then(|b| {
                    unless_local(
                        b,
                        local,
                        tools::CensusPopulation {
                            engine: engine.clone(),
                        },
                    )
                }),
            COMPETITOR => ToolBox::new()
                .with(tools::WebSearch {
                    engine: engine.clone(),
                    workspace,
                })
                .and_then(|b| {
                    unless_local(
                        b,
                        local,
                        tools::EvidenceSearch {
                            engine: engine.clone(),
                            workspace,
                        },
                    )
                }),
            _ => Err(pw_agents::AgentError::Invalid(format!(
                "the agent '{name}' has no tools"
            ))),
        }?;
        let started_at = pw_store::now_rfc3339();
        // Each specialist opens with its analysis (the competitor with a search for the
        // brand's competitors), so its report rests on it whichever model writes.
        let opening = match specialist.name {
            BUDGET => Some(("budget_plan", json!({}))),
            CREATIVE => Some(("creative_performance", json!({}))),
            ANOMALY => Some(("anomaly_scan", json!({}))),
            AUDIENCE => Some(("audience_report", json!({}))),
            COMPETITOR => Some((
                "web_search",
                json!({"query": format!("{} competitors", overview.workspace.brand)}),
            )),
            _ => None,
        }
        .map(|(tool, arguments)| OpeningCall {
            tool: tool.to_owned(),
            arguments,
        });
        let spec = AgentSpec {
            name: specialist.name.into(),
            instructions: specialist.instructions.into(),
            tools,
            limits: limits_for(&gateway, &scope),
            opening,
        };
        // The brand is named so that a search looks for it and its competitors.
        let question = format!(
            "{} The brand: {}.",
            specialist.task, overview.workspace.brand
        );
        let request = RunRequest {
            question: question.clone(),
            scope: CallScope::workspace(workspace.to_string()),
            seed: Some(7),
        };
        let run = pw_agents::run(&gateway, &spec, &request, on_event, cancel).await?;
        let id = RunStore::new(&self.engine.db)
            .keep(workspace, specialist.name, &question, &started_at, &run)
            .await?;
        Ok(Asked { id, run })
    }

    /// The workspace's kept runs of `agent` (every agent's when `None`), newest first.
    pub async fn runs(
        &self,
        workspace: WorkspaceId,
        agent: Option<&str>,
        limit: u32,
    ) -> Result<Vec<KeptRun>> {
        self.engine.workspaces().overview(workspace).await?;
        Ok(RunStore::new(&self.engine.db)
            .list(workspace, agent, limit)
            .await?)
    }

    /// One kept run.
    pub async fn kept_run(&self, workspace: WorkspaceId, id: &str) -> Result<KeptRun> {
        Ok(RunStore::new(&self.engine.db).get(workspace, id).await?)
    }

    /// Measures the copilot on the workspace's evaluation questions (answers computed from its
    /// rows; see `pw_agents::eval`), on `model` alone when given, else on the analysis task's
    /// models, never from the response cache. Runs are not kept: they are measurements, not
    /// questions someone asked. A question the model fails on is scored as failed.
    /// `on_score` hears each question's score as it is known; `cancel` stops after the
    /// question under way, with the scores so far.
    pub async fn eval(
        &self,
        workspace: WorkspaceId,
        model: Option<Route>,
        on_score: &(dyn Fn(usize, usize, &EvalScore) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<EvalReport> {
        self.engine.workspaces().overview(workspace).await?;
        let questions = pw_agents::eval::questions(&self.engine.db, workspace).await?;
        if questions.is_empty() {
            return Err(EngineError::InvalidInput(
                "this workspace has no daily metrics to ask about".into(),
            ));
        }
        let gateway = self.engine.models.gateway().await?;
        let gateway = match model {
            Some(route) => Arc::new(gateway.with_only(Task::Analysis, route)),
            None => gateway,
        };
        let mut scores = Vec::with_capacity(questions.len());
        // A question under way finishes when the evaluation is stopped: a run cut short would
        // be scored wrong and lower the accuracy for no fault of the model.
        let never = CancellationToken::new();
        for (index, question) in questions.iter().enumerate() {
            if cancel.is_cancelled() {
                break;
            }
            let started = std::time::Instant::now();
            // Measured fresh: an answer from the response cache would time and cost nothing.
            let ran = self
                .run_on(
                    &gateway,
                    workspace,
                    &question.question,
                    CacheMode::Bypass,
                    &|_| {},
                    &never,
                )
                .await;
            let seconds = started.elapsed().as_secs_f64();
            let score = match ran {
                Ok(run) => {
                    let cost = run.record.steps.iter().try_fold(0i64, |sum, step| {
                        let (vendor, model) = step.answered_by.split_once('/')?;
                        Some(sum + gateway.price(&Route::new(vendor, model), step.usage)?)
                    });
                    pw_agents::eval::score(question, &run, cost, seconds)
                }
                // A model that fails before finding anything fails that question, not the
                // evaluation: the scores so far stand.
                Err(EngineError::Agents(pw_agents::AgentError::Model(error))) => {
                    pw_agents::eval::failed(question, &error.to_string(), seconds)
                }
                Err(other) => return Err(other),
            };
            on_score(index + 1, questions.len(), &score);
            scores.push(score);
        }
        Ok(EvalReport::of(scores))
    }

    async fn run_copilot(
        &self,
        workspace: WorkspaceId,
        question: &str,
        on_event: &(dyn Fn(StepEvent) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<AgentRun> {
        let gateway = self.engine.models.gateway().await?;
        self.run_on(
            &gateway,
            workspace,
            question,
            CacheMode::Reuse,
            on_event,
            cancel,
        )
        .await
    }

    async fn run_on(
        &self,
        gateway: &Gateway,
        workspace: WorkspaceId,
        question: &str,
        cache: CacheMode,
        on_event: &(dyn Fn(StepEvent) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Result<AgentRun> {
        if question.trim().is_empty() {
            return Err(EngineError::InvalidInput("ask a question".into()));
        }
        // The workspace must exist: a typo is "not found", not an empty answer.
        self.engine.workspaces().overview(workspace).await?;
        let engine = self.engine.clone();
        let tools = ToolBox::new()
            .with(tools::WorkspaceMetrics {
                engine: engine.clone(),
                workspace,
            })
            .and_then(|b| {
                b.with(tools::EvidenceSearch {
                    engine: engine.clone(),
                    workspace,
                })
            })
            .and_then(|b| {
                b.with(tools::AudienceSignals {
                    engine: engine.clone(),
                    workspace,
                })
            })
            .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
        let scope = CallScope::workspace(workspace.to_string());
        // Each tool is described in the prompt, and the embedded model reads 2,048 tokens: it
        // gets the three it answers most questions with. Vendors get the statistics, the
        // research results and the census as well.
        let tools = if local_first(gateway, &scope) {
            tools
        } else {
            tools
                .with(tools::MetricStatistics {
                    engine: engine.clone(),
                    workspace,
                })
                .and_then(|b| {
                    b.with(tools::SurveyResults {
                        engine: engine.clone(),
                        workspace,
                    })
                })
                .and_then(|b| {
                    b.with(tools::StudyInsights {
                        engine: engine.clone(),
                        workspace,
                    })
                })
                .and_then(|b| {
                    b.with(tools::CensusPopulation {
                        engine: engine.clone(),
                    })
                })
                .map_err(|e| EngineError::InvalidInput(e.to_string()))?
        };
        let spec = AgentSpec {
            name: COPILOT_NAME.into(),
            instructions: COPILOT.into(),
            tools,
            limits: limits_for(gateway, &scope),
            opening: None,
        };
        let request = RunRequest {
            question: question.to_owned(),
            scope: CallScope::workspace(workspace.to_string()).with_cache(cache),
            seed: Some(7),
        };
        Ok(pw_agents::run(gateway, &spec, &request, on_event, cancel).await?)
    }
}

/// A question the copilot answered (or stopped on), and the id it is kept under.
#[derive(Debug, Clone)]
pub struct Asked {
    pub id: String,
    pub run: AgentRun,
}
