//! Tools: typed functions the model may call. A tool's arguments are a Rust type; its JSON
//! Schema (what the model is held to) is derived from that type, and the model's arguments are
//! read back into it, so a call the type does not accept never reaches the tool: the model is
//! told why instead. Tools read the workspace; they are built by the caller with what they read
//! (a workspace, the engine's facades), so the runtime knows nothing of where data lives.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{AgentError, Result};

/// What a result came from, so a citation can open it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A metrics query over the workspace's daily metrics (its parameters are the reference).
    MetricsQuery,
    /// Evidence search or retrieval over the index.
    Search,
    /// A derived audience signal.
    Signal,
    /// A grounding report.
    Report,
    /// A twin's answer to a question.
    TwinAnswer,
    /// A survey run's results or crosstab.
    SurveyResult,
    /// A focus group's or interview's insights.
    SessionInsight,
    /// Web or news search results (kept as mentions with their addresses).
    Web,
    /// Census tables.
    Census,
    /// A computation over other results (a trend, a test of a difference, a forecast).
    Statistic,
}

/// Where a tool result came from: enough for the screen to open it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub kind: SourceKind,
    /// The id or the query that reproduces it (a signal id; a metrics query as JSON).
    pub reference: String,
    /// A short title for the citation ("Spend by platform, 2026-11-16 to 2026-11-22").
    pub label: String,
}

/// What a tool answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolOutput {
    /// What the model reads: a table or a list in plain text. Long texts are paged by the
    /// runtime, never cut.
    pub text: String,
    /// The figures and rows behind the text, kept in the run record and shown behind a
    /// citation; numbers in an answer are checked against them.
    pub data: Value,
    pub source: Source,
}

/// A tool that could not answer, in words the model can pass on ("no campaign is named …").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{0}")]
pub struct ToolFailure(pub String);

/// A function the model may call.
pub trait Tool: Send + Sync + 'static {
    /// The arguments, as the model writes them.
    type Args: DeserializeOwned + JsonSchema + Send;

    /// The name the model calls it by: lowercase words joined by underscores.
    fn name(&self) -> &'static str;

    /// What it does and when to use it, for the model.
    fn description(&self) -> &'static str;

    fn call(
        &self,
        args: Self::Args,
    ) -> impl Future<Output = std::result::Result<ToolOutput, ToolFailure>> + Send;
}

/// Why a call did not produce a result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CallProblem {
    /// The arguments do not fit the tool's type (told to the model, which may correct them).
    InvalidArguments(String),
    /// The tool ran and could not answer.
    Failed(ToolFailure),
    /// The same tool was called with the same arguments before; its result has this id.
    Repeated(String),
}

/// A tool with its argument type erased, as the run holds it.
trait AnyTool: Send + Sync {
    fn name(&self) -> &'static str;
    fn description(&self) -> &'static str;
    fn schema(&self) -> Value;
    /// Whether `arguments` fit the tool's type (the reason when they do not).
    fn check(&self, arguments: &Value) -> std::result::Result<(), String>;
    fn invoke(
        &self,
        arguments: Value,
    ) -> BoxFuture<'_, std::result::Result<ToolOutput, CallProblem>>;
}

impl<T: Tool> AnyTool for T {
    fn name(&self) -> &'static str {
        Tool::name(self)
    }

    fn description(&self) -> &'static str {
        Tool::description(self)
    }

    fn schema(&self) -> Value {
        // Inlined: the schema is embedded under the step schema's `arguments`, where a
        // `$ref` to its own `$defs` would point at the step schema's root instead.
        let generator = schemars::generate::SchemaSettings::default()
            .with(|settings| settings.inline_subschemas = true)
            .into_generator();
        let mut schema = serde_json::to_value(generator.into_root_schema_for::<T::Args>())
            .unwrap_or(Value::Null);
        // The title and `$schema` say nothing the model needs.
        if let Some(fields) = schema.as_object_mut() {
            fields.remove("$schema");
            fields.remove("title");
        }
        schema
    }

    fn check(&self, arguments: &Value) -> std::result::Result<(), String> {
        T::Args::deserialize(arguments)
            .map(drop)
            .map_err(|e| e.to_string())
    }

    fn invoke(
        &self,
        arguments: Value,
    ) -> BoxFuture<'_, std::result::Result<ToolOutput, CallProblem>> {
        Box::pin(async move {
            let args: T::Args = serde_json::from_value(arguments)
                .map_err(|e| CallProblem::InvalidArguments(e.to_string()))?;
            self.call(args).await.map_err(CallProblem::Failed)
        })
    }
}

/// The tools of one agent, by name.
#[derive(Clone, Default)]
pub struct ToolBox {
    tools: BTreeMap<&'static str, Arc<dyn AnyTool>>,
}

impl std::fmt::Debug for ToolBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.tools.keys()).finish()
    }
}

/// The name of the runtime's own tool that reads the next page of a long result.
pub(crate) const MORE: &str = "read_more";

impl ToolBox {
    pub fn new() -> Self {
        ToolBox::default()
    }

    /// Adds a tool; a second tool of the same name, or a name the model could not write, is
    /// refused.
    pub fn with(mut self, tool: impl Tool) -> Result<Self> {
        let name = Tool::name(&tool);
        let writable = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !writable || name == MORE {
            return Err(AgentError::Invalid(format!(
                "'{name}' cannot name a tool (lowercase letters, digits and underscores; '{MORE}' is the runtime's own)"
            )));
        }
        // Embedded under the step schema, a reference would point at the wrong root (schemars
        // keeps one for a recursive type): such arguments cannot be held to their schema.
        if AnyTool::schema(&tool).to_string().contains("\"$ref\"") {
            return Err(AgentError::Invalid(format!(
                "the arguments of '{name}' refer to themselves; a tool's arguments must be a plain tree"
            )));
        }
        if self.tools.insert(name, Arc::new(tool)).is_some() {
            return Err(AgentError::Invalid(format!("two tools are named '{name}'")));
        }
        Ok(self)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.tools.keys().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    /// Each tool's name, description and argument schema.
    pub(crate) fn described(&self) -> Vec<(&'static str, &'static str, Value)> {
        self.tools
            .values()
            .map(|t| (t.name(), t.description(), t.schema()))
            .collect()
    }

    /// Whether a call would be carried out: `None` when there is no such tool, the reason when
    /// its arguments do not fit.
    pub(crate) fn check(
        &self,
        name: &str,
        arguments: &Value,
    ) -> Option<std::result::Result<(), String>> {
        Some(self.tools.get(name)?.check(arguments))
    }

    /// Calls a tool by name; `None` when there is no such tool.
    pub(crate) async fn call(
        &self,
        name: &str,
        arguments: Value,
    ) -> Option<std::result::Result<ToolOutput, CallProblem>> {
        let tool = self.tools.get(name)?.clone();
        Some(tool.invoke(arguments).await)
    }
}
