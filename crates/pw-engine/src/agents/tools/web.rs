//! Web search, kept as mentions.

use std::sync::Arc;

use pw_agents::{Source, SourceKind, Tool, ToolFailure, ToolOutput};
use pw_domain::WorkspaceId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Engine;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct WebSearchArgs {
    /// What to search the web for (a competitor, a product, a market question).
    #[schemars(length(min = 1, max = 120))]
    pub query: String,
    /// Search the news instead of the web.
    #[serde(default)]
    pub news: bool,
}

/// A web or news search through the configured provider; every result is kept as a mention
/// with its address, so what the agent read stays in the workspace's evidence.
pub struct WebSearch {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

impl Tool for WebSearch {
    type Args = WebSearchArgs;

    fn name(&self) -> &'static str {
        "web_search"
    }

    fn description(&self) -> &'static str {
        "Searches the web (or the news) and keeps the results as mentions with their addresses; answers each result's title, site, date, snippet and address"
    }

    async fn call(&self, args: WebSearchArgs) -> Result<ToolOutput, ToolFailure> {
        let kind = if args.news {
            crate::connectors::WebSearchKind::News
        } else {
            crate::connectors::WebSearchKind::Web
        };
        let found = self
            .engine
            .connectors()
            .search_web(self.workspace, &args.query, kind, None, 10)
            .await
            .map_err(|e| ToolFailure(format!("the web search could not run: {e}")))?;
        let label = format!(
            "{} search for “{}” ({} results)",
            if args.news { "News" } else { "Web" },
            args.query,
            found.mentions.len()
        );
        let lines: Vec<String> = found
            .mentions
            .iter()
            .map(|m| {
                format!(
                    "[{}{}] {}: {} ({})",
                    m.publisher.as_deref().unwrap_or("the web"),
                    m.shown_date
                        .as_deref()
                        .map(|d| format!(", {d}"))
                        .unwrap_or_default(),
                    m.title,
                    m.snippet,
                    m.url
                )
            })
            .collect();
        let text = if lines.is_empty() {
            format!("{label}: the search found nothing.")
        } else {
            format!("{label}:\n{}", lines.join("\n"))
        };
        Ok(ToolOutput {
            text,
            data: json!(found
                .mentions
                .iter()
                .map(|m| json!({"signal_id": m.signal_id.to_string(), "url": m.url, "title": m.title, "occurred_on": m.occurred_on}))
                .collect::<Vec<_>>()),
            source: Source {
                kind: SourceKind::Web,
                reference: json!({"query": args.query, "news": args.news}).to_string(),
                label,
            },
        })
    }
}
