//! The copilot's tools over a workspace, read-only: metrics (totals by platform, campaign or
//! day, per currency), evidence search, and the audiences' signals. Each answers text the model
//! reads, the rows behind it, and the source a citation opens.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use pw_agents::{Source, SourceKind, Tool, ToolFailure, ToolOutput};
use pw_domain::{DateRange, KpiKey, Totals, WorkspaceId};
use pw_workspaces::WorkspaceStore;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Engine;

/// How a metrics query groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// One line per currency.
    Total,
    Platform,
    Campaign,
    Day,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MetricsArgs {
    /// First day, YYYY-MM-DD (default: 7 days before the last day with data).
    #[serde(default)]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (default: the last day with data).
    #[serde(default)]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub until: Option<String>,
    pub by: Grouping,
    /// Only this platform (meta, google_ads, tiktok, pinterest, linkedin, snapchat, dv360).
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub platform: Option<String>,
}

/// Spend, impressions, clicks, conversions, CPA and ROAS over days of the workspace.
pub struct WorkspaceMetrics {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

fn money(micros: i64) -> String {
    format!("{:.2}", micros as f64 / 1_000_000.0)
}

fn line(name: &str, currency: &str, t: &Totals) -> String {
    let cpa = t
        .money(KpiKey::Cpa)
        .map_or_else(|| "n/a".to_owned(), |m| money(m.0));
    let roas = t
        .kpi(KpiKey::Roas)
        .map_or_else(|| "not reported".to_owned(), |r| format!("{r:.2}"));
    format!(
        "{name}: spend {currency} {}, impressions {}, clicks {}, conversions {:.1}, CPA {currency} {cpa}, ROAS {roas}",
        money(t.spend.0),
        t.impressions,
        t.clicks,
        t.conversions
    )
}

fn day(text: &Option<String>, field: &str) -> Result<Option<NaiveDate>, ToolFailure> {
    text.as_deref()
        .map(|t| {
            t.parse::<NaiveDate>()
                .map_err(|_| ToolFailure(format!("{field} is not a day like 2026-11-23: {t}")))
        })
        .transpose()
}

impl Tool for WorkspaceMetrics {
    type Args = MetricsArgs;

    fn name(&self) -> &'static str {
        "workspace_metrics"
    }

    fn description(&self) -> &'static str {
        "Spend, impressions, clicks, conversions, CPA and ROAS of the workspace's campaigns over days, in total or by platform, campaign or day (amounts per currency)"
    }

    async fn call(&self, args: MetricsArgs) -> Result<ToolOutput, ToolFailure> {
        let store = WorkspaceStore::new(&self.engine.db);
        let failed =
            |e: pw_store::StoreError| ToolFailure(format!("the metrics could not be read: {e}"));
        let Some(data) = store
            .metrics_date_range(self.workspace)
            .await
            .map_err(failed)?
        else {
            return Err(ToolFailure(
                "this workspace has no daily metrics yet".into(),
            ));
        };
        let until = day(&args.until, "until")?.unwrap_or(data.end);
        let from = day(&args.from, "from")?.unwrap_or(until - Duration::days(6));
        if from > until {
            return Err(ToolFailure(format!("{from} is after {until}")));
        }
        let range = DateRange {
            start: from,
            end: until,
        };
        let platform = args.platform.as_deref();
        let mut lines = Vec::new();
        let mut rows = Vec::new();
        match args.by {
            Grouping::Total | Grouping::Platform | Grouping::Day => {
                let daily = store
                    .daily_platform_totals(self.workspace, range)
                    .await
                    .map_err(failed)?;
                let mut groups: std::collections::BTreeMap<(String, String), Totals> =
                    Default::default();
                for d in daily
                    .iter()
                    .filter(|d| platform.is_none_or(|p| d.platform.as_str() == p))
                {
                    let key = match args.by {
                        Grouping::Platform => d.platform.as_str().to_owned(),
                        Grouping::Day => d.date.to_string(),
                        _ => "all platforms".to_owned(),
                    };
                    groups
                        .entry((key, d.currency.as_str().to_owned()))
                        .or_default()
                        .add(&d.totals);
                }
                for ((name, currency), totals) in &groups {
                    lines.push(line(name, currency, totals));
                    rows.push(json!({"group": name, "currency": currency, "totals": totals}));
                }
            }
            Grouping::Campaign => {
                let campaigns = store
                    .campaign_totals(self.workspace, range)
                    .await
                    .map_err(failed)?;
                for c in campaigns
                    .iter()
                    .filter(|c| platform.is_none_or(|p| c.platform.as_str() == p))
                    .filter(|c| c.totals.impressions > 0 || c.totals.spend.0 > 0)
                {
                    lines.push(line(
                        &format!("{} ({})", c.name, c.platform.as_str()),
                        c.currency.as_str(),
                        &c.totals,
                    ));
                    rows.push(json!({"group": c.name, "campaign_id": c.campaign_id.to_string(), "platform": c.platform.as_str(), "currency": c.currency.as_str(), "totals": c.totals}));
                }
            }
        }
        if lines.is_empty() {
            return Err(ToolFailure(format!(
                "no metrics between {from} and {until}{}",
                platform.map(|p| format!(" on {p}")).unwrap_or_default()
            )));
        }
        let label = format!(
            "Metrics by {}{}, {from} to {until}",
            match args.by {
                Grouping::Total => "total",
                Grouping::Platform => "platform",
                Grouping::Campaign => "campaign",
                Grouping::Day => "day",
            },
            platform.map(|p| format!(" on {p}")).unwrap_or_default()
        );
        Ok(ToolOutput {
            text: format!("{label}:\n{}", lines.join("\n")),
            data: json!({"from": from, "until": until, "rows": rows}),
            source: Source {
                kind: SourceKind::MetricsQuery,
                // The days the result covers, not the model's arguments (which may have left
                // them to the defaults): the citation opens the same days.
                reference:
                    json!({"by": args.by, "from": from.to_string(), "until": until.to_string(),
                                  "platform": args.platform})
                    .to_string(),
                label,
            },
        })
    }
}

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

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct NoArgs {}

/// The budget analysis: each campaign's diminishing-returns curve and the split of the current
/// daily budget that equalises marginal returns, with the expected change and its interval.
pub struct BudgetPlanTool {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

impl Tool for BudgetPlanTool {
    type Args = NoArgs;

    fn name(&self) -> &'static str {
        "budget_plan"
    }

    fn description(&self) -> &'static str {
        "Fits each campaign's diminishing-returns curve on its last 90 days and splits the current daily budget so marginal returns meet, within the spend each campaign has been seen at; answers per campaign the spend now and proposed and the expected change in daily conversions with its 95% interval"
    }

    async fn call(&self, _: NoArgs) -> Result<ToolOutput, ToolFailure> {
        let plan = pw_agents::budget::plan(&self.engine.db, self.workspace)
            .await
            .map_err(|e| ToolFailure(format!("the budget plan could not be computed: {e}")))?
            .ok_or_else(|| ToolFailure("this workspace has no daily metrics yet".into()))?;
        if plan.campaigns.is_empty() {
            return Err(ToolFailure(format!(
                "no campaign has days that show how its returns change with spend{}",
                plan.left_out
                    .first()
                    .map(|(name, why)| format!(" ({name}: {why})"))
                    .unwrap_or_default()
            )));
        }
        let label = format!("Budget plan, {} to {}", plan.from, plan.until);
        Ok(ToolOutput {
            text: plan.text(),
            data: serde_json::to_value(&plan).unwrap_or_default(),
            source: Source {
                kind: SourceKind::Statistic,
                reference:
                    json!({"analysis": "budget_plan", "from": plan.from, "until": plan.until})
                        .to_string(),
                label,
            },
        })
    }
}
