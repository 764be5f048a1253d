//! Evidence search and the audiences' signals.

use std::sync::Arc;

use pw_agents::{Source, SourceKind, Tool, ToolFailure, ToolOutput};
use pw_domain::WorkspaceId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Engine;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SearchArgs {
    /// Words to look for in mentions, signals, reports and creatives.
    #[schemars(length(min = 1, max = 120))]
    pub query: String,
}

/// Full-text search over the workspace's evidence.
pub struct EvidenceSearch {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

impl Tool for EvidenceSearch {
    type Args = SearchArgs;

    fn name(&self) -> &'static str {
        "search_evidence"
    }

    fn description(&self) -> &'static str {
        "Searches the workspace's mentions, signals, reports and ad creatives for words; answers the best matches with their dates"
    }

    async fn call(&self, args: SearchArgs) -> Result<ToolOutput, ToolFailure> {
        let query = crate::evidence::Query {
            text: args.query.clone(),
            kinds: Vec::new(),
            filters: Vec::new(),
            from: None,
            to: None,
            limit: 10,
            offset: 0,
            histogram: crate::evidence::HistogramInterval::Week,
        };
        let page = self
            .engine
            .evidence()
            .search(self.workspace, &query)
            .await
            .map_err(|e| ToolFailure(format!("the search could not run: {e}")))?;
        // Nothing found is a finding (no mention of it), which an answer may cite.
        if page.hits.is_empty() {
            let label = format!("Search for “{}” (no matches)", args.query);
            return Ok(ToolOutput {
                text: format!("{label}: nothing in this workspace's evidence matches."),
                data: json!({"total": 0, "hits": []}),
                source: Source {
                    kind: SourceKind::Search,
                    reference: args.query,
                    label,
                },
            });
        }
        let lines: Vec<String> = page
            .hits
            .iter()
            .map(|h| {
                format!(
                    "[{}{}] {}{}",
                    h.kind.as_str(),
                    h.day.map(|d| format!(", {d}")).unwrap_or_default(),
                    h.title
                        .as_deref()
                        .map(|t| format!("{t}: "))
                        .unwrap_or_default(),
                    h.snippet
                )
            })
            .collect();
        let label = format!("Search for “{}” ({} matches)", args.query, page.total);
        Ok(ToolOutput {
            text: format!("{label}:\n{}", lines.join("\n")),
            data: json!({"total": page.total, "hits": page.hits.iter().map(|h| json!({"kind": h.kind.as_str(), "id": h.id, "day": h.day})).collect::<Vec<_>>()}),
            source: Source {
                kind: SourceKind::Search,
                reference: args.query,
                label,
            },
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SignalArgs {
    /// An audience's name, or nothing for every audience.
    #[serde(default)]
    #[schemars(length(max = 80))]
    pub audience: Option<String>,
}

/// The audiences' live signals: what they do, search for and say, with their support.
pub struct AudienceSignals {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

impl Tool for AudienceSignals {
    type Args = SignalArgs;

    fn name(&self) -> &'static str {
        "audience_signals"
    }

    fn description(&self) -> &'static str {
        "The audiences' signals (behaviour, search intent, what they say), each with its support; optionally of one audience by name"
    }

    async fn call(&self, args: SignalArgs) -> Result<ToolOutput, ToolFailure> {
        let failed =
            |e: crate::EngineError| ToolFailure(format!("the signals could not be read: {e}"));
        let evidence = self.engine.evidence();
        let audience = match args
            .audience
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            None => None,
            Some(name) => {
                let audiences = evidence.audiences(self.workspace).await.map_err(failed)?;
                let found = audiences
                    .iter()
                    .find(|a| a.name.eq_ignore_ascii_case(name))
                    .ok_or_else(|| {
                        ToolFailure(format!(
                            "no audience is named “{name}”; the audiences are {}",
                            audiences
                                .iter()
                                .map(|a| a.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?;
                Some(found.id)
            }
        };
        let signals = evidence
            .signals(self.workspace, audience)
            .await
            .map_err(failed)?;
        if signals.is_empty() {
            return Err(ToolFailure(
                "no signals have been built for this workspace yet".into(),
            ));
        }
        let lines: Vec<String> = signals
            .iter()
            .take(40)
            .map(|s| {
                format!(
                    "[{}] {} (support: {})",
                    s.kind.as_str(),
                    s.statement,
                    s.support.count
                )
            })
            .collect();
        let label = match &args.audience {
            Some(name) => format!("Signals of {name}"),
            None => "Signals of every audience".to_owned(),
        };
        Ok(ToolOutput {
            text: format!("{label}:\n{}", lines.join("\n")),
            data: json!(
                signals
                    .iter()
                    .take(40)
                    .map(|s| json!({"id": s.id.to_string(), "statement": s.statement}))
                    .collect::<Vec<_>>()
            ),
            source: Source {
                kind: SourceKind::Signal,
                reference: signals
                    .iter()
                    .take(40)
                    .map(|s| s.id.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                label,
            },
        })
    }
}
