//! The run record: every model call as it was sent and answered, every tool result the model
//! read, in order. It is what a person audits ("what did the agent look at?") and what a replay
//! asks the cache again with, so it keeps the requests exactly.

use pw_llm::{ChatRequest, Usage};
use serde::{Deserialize, Serialize};

use crate::tool::ToolOutput;

/// One model call of a run and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedStep {
    /// The request as sent (its scope left out: the replay brings its own).
    pub request: ChatRequest,
    /// The reply's text, as the model wrote it.
    pub reply: String,
    /// `vendor/model`.
    pub answered_by: String,
    pub usage: Usage,
    /// The tool result the step produced, when it called one.
    pub result: Option<RecordedToolResult>,
    /// What the runtime answered the step with (a result's page, a correction), exactly as the
    /// model read it in the next request.
    pub fed_back: Option<String>,
}

/// A tool call and what it answered (or why it did not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedToolResult {
    /// `R1`, `R2`…: how the model and the answer's citations name it.
    pub id: String,
    pub tool: String,
    pub arguments: serde_json::Value,
    /// What the tool answered; `None` when it failed or the call was not valid.
    pub output: Option<ToolOutput>,
    /// Why there is no output.
    pub problem: Option<String>,
}

/// A whole run, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The call made before the model's first step (`AgentSpec::opening`), not a model call.
    #[serde(default)]
    pub opening: Option<RecordedToolResult>,
    pub steps: Vec<RecordedStep>,
}

impl RunRecord {
    /// Model calls made.
    pub fn model_calls(&self) -> usize {
        self.steps.len()
    }

    /// Tokens in and out over the run.
    pub fn usage(&self) -> Usage {
        self.steps.iter().fold(Usage::default(), |sum, step| Usage {
            input_tokens: sum.input_tokens + step.usage.input_tokens,
            output_tokens: sum.output_tokens + step.usage.output_tokens,
        })
    }

    /// A result by its id.
    pub fn result(&self, id: &str) -> Option<&RecordedToolResult> {
        self.opening
            .iter()
            .chain(self.steps.iter().filter_map(|s| s.result.as_ref()))
            .find(|r| r.id == id)
    }
}

/// What a replay found: each step asked again of the cache, and whether it answered the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayReport {
    pub steps: usize,
    /// Steps whose cached answer equals the recorded one.
    pub same: usize,
    /// The answer the replayed run arrived at.
    pub answer: String,
}
