//! Metrics queries: totals by platform, campaign or day, per currency.

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

pub(super) fn day(text: &Option<String>, field: &str) -> Result<Option<NaiveDate>, ToolFailure> {
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
