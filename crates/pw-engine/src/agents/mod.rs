//! The analyst agents context: the workspace copilot, which answers questions about a
//! workspace with tools over its metrics and evidence, every number citing the result it came
//! from. The runtime lives in `pw-agents`; this facade builds the copilot's tools over the
//! other contexts and runs it on the gateway of the language-models context.

mod tools;

use std::sync::Arc;

use pw_agents::{AgentSpec, Limits, RunRequest, ToolBox};
use pw_llm::CallScope;
use tokio_util::sync::CancellationToken;

pub use pw_agents::{AgentRun, Cited, Outcome, Source, SourceKind, StepEvent};
pub use pw_domain::WorkspaceId;

use crate::Engine;
use crate::error::{EngineError, Result};

/// The copilot's role and method, before the runtime's protocol.
const COPILOT: &str = "You are the analyst inside a marketing research app. You answer a marketer's question about one workspace: its ad platforms' campaigns and daily metrics, and its audiences' signals and evidence. Use the tools to look; never answer a number from memory. Compare periods when the question is about a change. Be brief: two to five sentences, plain words, each figure as the result states it.";

pub struct AgentsFacade<'a> {
    pub(crate) engine: &'a Arc<Engine>,
}

impl AgentsFacade<'_> {
    /// Asks the copilot a question about a workspace. `on_event` hears each step as it
    /// happens; `cancel` stops it with what it found.
    pub async fn ask(
        &self,
        workspace: WorkspaceId,
        question: &str,
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
        let spec = AgentSpec {
            name: "copilot".into(),
            instructions: COPILOT.into(),
            tools,
            limits: Limits::default(),
        };
        let gateway = self.engine.models.gateway().await?;
        let request = RunRequest {
            question: question.to_owned(),
            scope: CallScope::workspace(workspace.to_string()),
            seed: Some(7),
        };
        pw_agents::run(&gateway, &spec, &request, on_event, cancel)
            .await
            .map_err(|e| match e {
                pw_agents::AgentError::Model(e) => EngineError::Llm(e),
                other => EngineError::InvalidInput(other.to_string()),
            })
    }
}
