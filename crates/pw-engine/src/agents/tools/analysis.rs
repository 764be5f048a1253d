//! The specialists' analyses as tools.

use std::sync::Arc;

use chrono::NaiveDate;
use pw_agents::{Source, SourceKind, Tool, ToolFailure, ToolOutput};
use pw_domain::WorkspaceId;
use serde::Serialize;
use serde_json::json;

use crate::Engine;

use super::NoArgs;

/// The specialists' analyses, computed from the workspace's rows (`pw_agents`' analysis
/// modules) and handed to the model as one result to cite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analysis {
    /// Diminishing-returns curves and the budget split they imply.
    Budget,
    /// Messages, calls to action and formats, per audience, with significance.
    Creative,
    /// The last week against a seasonal baseline, with the likely causes.
    Anomaly,
    /// Audiences' delivery, signals and twins, with a verdict each.
    Audience,
}

/// One specialist analysis as a tool.
pub struct AnalysisTool {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
    pub analysis: Analysis,
}

/// What an analysis answered: its text, its figures, the days it covers and its title.
struct Analysed {
    text: String,
    data: serde_json::Value,
    from: NaiveDate,
    until: NaiveDate,
    label: &'static str,
}

fn analysed<T: Serialize>(
    report: &T,
    text: String,
    from: NaiveDate,
    until: NaiveDate,
    label: &'static str,
) -> Result<Analysed, ToolFailure> {
    Ok(Analysed {
        text,
        data: serde_json::to_value(report)
            .map_err(|e| ToolFailure(format!("the {label} could not be written out: {e}")))?,
        from,
        until,
        label,
    })
}

impl AnalysisTool {
    async fn analyse(&self) -> Result<Analysed, ToolFailure> {
        let db = &self.engine.db;
        let no_metrics = || ToolFailure("this workspace has no daily metrics yet".into());
        let failed = |what: &str, e: pw_agents::AgentError| {
            ToolFailure(format!("the {what} could not be computed: {e}"))
        };
        match self.analysis {
            Analysis::Budget => {
                let plan = pw_agents::budget::plan(db, self.workspace)
                    .await
                    .map_err(|e| failed("budget plan", e))?
                    .ok_or_else(no_metrics)?;
                if plan.campaigns.is_empty() {
                    return Err(ToolFailure(format!(
                        "no campaign has days that show how its returns change with spend{}",
                        plan.left_out
                            .first()
                            .map(|(name, why)| format!(" ({name}: {why})"))
                            .unwrap_or_default()
                    )));
                }
                analysed(&plan, plan.text(), plan.from, plan.until, "Budget plan")
            }
            Analysis::Creative => {
                let report = pw_agents::creative::analyse(db, self.workspace)
                    .await
                    .map_err(|e| failed("creative analysis", e))?
                    .ok_or_else(no_metrics)?;
                if report.results.is_empty() {
                    return Err(ToolFailure(
                        "no ad has daily rows to compare creatives on".into(),
                    ));
                }
                analysed(
                    &report,
                    report.text(),
                    report.from,
                    report.until,
                    "Creative performance",
                )
            }
            Analysis::Anomaly => {
                let report = pw_agents::anomaly::scan(db, self.workspace)
                    .await
                    .map_err(|e| failed("anomaly scan", e))?
                    .ok_or_else(no_metrics)?;
                analysed(
                    &report,
                    report.text(),
                    report.from,
                    report.until,
                    "Anomaly scan",
                )
            }
            Analysis::Audience => {
                let report = pw_agents::audience::analyse(db, self.workspace)
                    .await
                    .map_err(|e| failed("audience analysis", e))?
                    .ok_or_else(no_metrics)?;
                if report.audiences.is_empty() {
                    return Err(ToolFailure("this workspace has no audiences yet".into()));
                }
                analysed(
                    &report,
                    report.text(),
                    report.from,
                    report.until,
                    "Audience report",
                )
            }
        }
    }
}

impl Tool for AnalysisTool {
    type Args = NoArgs;

    fn name(&self) -> &'static str {
        match self.analysis {
            Analysis::Budget => "budget_plan",
            Analysis::Creative => "creative_performance",
            Analysis::Anomaly => "anomaly_scan",
            Analysis::Audience => "audience_report",
        }
    }

    fn description(&self) -> &'static str {
        match self.analysis {
            Analysis::Budget => {
                "Fits each campaign's diminishing-returns curve on its last 90 days and splits the current daily budget so marginal returns meet, within the spend each campaign has been seen at; answers per campaign the spend now and proposed and the expected change in daily conversions with its 95% interval"
            }
            Analysis::Creative => {
                "Click and conversion rates of each creative message, call to action and format over the last 90 days, in every audience and per audience, each with its 95% interval, its lift against the rest and whether the difference is significant"
            }
            Analysis::Anomaly => {
                "Scores the last week's spend, CPA, ROAS and CTR per platform, each day against the same weekday of the 8 weeks before and the week against the 8 weeks before, names the campaigns that caused what is unusual, and checks the mentions' sentiment"
            }
            Analysis::Audience => {
                "Each audience's spend, conversions, CPA and conversion rate against the other audiences (with significance) over the last 90 days, its live signals and twins, and a verdict by fixed rules: expand, review, test or hold"
            }
        }
    }

    async fn call(&self, _: NoArgs) -> Result<ToolOutput, ToolFailure> {
        let analysed = self.analyse().await?;
        let label = format!(
            "{}, {} to {}",
            analysed.label, analysed.from, analysed.until
        );
        Ok(ToolOutput {
            text: analysed.text,
            data: analysed.data,
            source: Source {
                kind: SourceKind::Statistic,
                reference: json!({"analysis": self.name(), "from": analysed.from,
                                  "until": analysed.until})
                .to_string(),
                label,
            },
        })
    }
}
