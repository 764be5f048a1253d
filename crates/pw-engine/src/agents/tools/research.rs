//! Survey results and focus groups' or interviews' insights.

use std::sync::Arc;

use pw_agents::{Source, SourceKind, Tool, ToolFailure, ToolOutput};
use pw_domain::WorkspaceId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Engine;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StudyArgs {
    /// Words of its title (default: the latest).
    #[serde(default)]
    #[schemars(length(max = 80))]
    pub title: Option<String>,
}

/// The one whose title holds `words` (any case), or the first; `None` when there is none.
fn titled<'a, T>(items: &'a [T], title: impl Fn(&T) -> &str, words: Option<&str>) -> Option<&'a T> {
    match words.map(str::trim).filter(|w| !w.is_empty()) {
        None => items.first(),
        Some(words) => {
            let words = words.to_lowercase();
            items
                .iter()
                .find(|item| title(item).to_lowercase().contains(&words))
        }
    }
}

/// A survey's latest completed run, its results as the analysis agent reads them: each
/// question's shares with their intervals, means, the weights and the diagnostics' warnings.
pub struct SurveyResults {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

impl Tool for SurveyResults {
    type Args = StudyArgs;

    fn name(&self) -> &'static str {
        "survey_results"
    }

    fn description(&self) -> &'static str {
        "The results of a survey's latest completed run (by words of its title, or the latest survey): each question's answers with their 95% intervals, means and the reliability warnings"
    }

    async fn call(&self, args: StudyArgs) -> Result<ToolOutput, ToolFailure> {
        let surveys = self.engine.surveys();
        let failed =
            |e: crate::EngineError| ToolFailure(format!("the surveys could not be read: {e}"));
        let mut listed = surveys.list(self.workspace).await.map_err(failed)?;
        listed.sort_by_key(|s| std::cmp::Reverse(s.updated_at));
        let survey =
            titled(&listed, |s| s.title.as_str(), args.title.as_deref()).ok_or_else(|| {
                ToolFailure(if listed.is_empty() {
                    "this workspace has no surveys yet".to_owned()
                } else {
                    format!(
                        "no survey's title holds those words; the surveys are {}",
                        listed
                            .iter()
                            .map(|s| s.title.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
            })?;
        let mut runs = surveys.runs(survey.id).await.map_err(failed)?;
        runs.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        let run = runs
            .iter()
            .find(|r| r.status == crate::surveys::RunStatus::Completed)
            .ok_or_else(|| ToolFailure(format!("“{}” has no completed run yet", survey.title)))?;
        let results = surveys
            .results(run.id, &crate::surveys::ResultOptions::default())
            .await
            .map_err(failed)?;
        let lines = pw_surveys::analysis_tables::table_lines(
            &results.survey,
            &results.results,
            &results.diagnostics,
            &[],
            None,
        );
        let label = format!(
            "Survey “{}”, run of {} ({} respondents)",
            survey.title,
            run.created_at.date_naive(),
            run.answered
        );
        Ok(ToolOutput {
            text: format!(
                "{label}:\n{}",
                lines
                    .iter()
                    .map(|l| format!("{}: {}", l.table, l.line))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            data: json!({"survey_id": survey.id.to_string(), "run_id": run.id.to_string(),
                         "tables": lines.iter().map(|l| json!({"table": l.table, "line": l.line})).collect::<Vec<_>>()}),
            source: Source {
                kind: SourceKind::SurveyResult,
                reference: run.id.to_string(),
                label,
            },
        })
    }
}

/// A focus group's or interview's latest insights: themes, agreements, disagreements, actions
/// and Says/Thinks gaps, each with the turns it quotes.
pub struct StudyInsights {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

impl Tool for StudyInsights {
    type Args = StudyArgs;

    fn name(&self) -> &'static str {
        "study_insights"
    }

    fn description(&self) -> &'static str {
        "The insights of a focus group or interview with the workspace's twins (by words of its title, or the latest with insights): themes, agreements, disagreements, actions and Says/Thinks gaps, each with the words it quotes"
    }

    async fn call(&self, args: StudyArgs) -> Result<ToolOutput, ToolFailure> {
        let twins = self.engine.twins();
        let failed =
            |e: crate::EngineError| ToolFailure(format!("the sessions could not be read: {e}"));
        let sessions = twins.sessions(self.workspace).await.map_err(failed)?;
        let mut with_insights = Vec::new();
        for session in sessions {
            if let Some(insights) = twins.insights(session.id).await.map_err(failed)? {
                with_insights.push((session, insights));
            }
        }
        with_insights.sort_by_key(|(_, insights)| std::cmp::Reverse(insights.created_at));
        let (session, insights) = titled(
            &with_insights,
            |(s, _)| s.title.as_str(),
            args.title.as_deref(),
        )
        .ok_or_else(|| {
            ToolFailure(if with_insights.is_empty() {
                "no focus group or interview of this workspace has insights yet".to_owned()
            } else {
                format!(
                    "no session with insights has those words in its title; they are {}",
                    with_insights
                        .iter()
                        .map(|(s, _)| s.title.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        })?;
        let quoted = |quotes: &[pw_twins::insights::Quote]| {
            quotes
                .iter()
                .map(|q| format!("{}: “{}”", q.speaker, q.says))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let body = &insights.body;
        let mut lines = Vec::new();
        for theme in &body.themes {
            lines.push(format!(
                "Theme: {}: {} {}",
                theme.title,
                theme.summary,
                quoted(&theme.quotes)
            ));
        }
        for (heading, items) in [
            ("Agreement", &body.agreements),
            ("Disagreement", &body.disagreements),
            ("Action", &body.actions),
        ] {
            for item in items {
                lines.push(format!("{heading}: {} {}", item.text, quoted(&item.quotes)));
            }
        }
        for gap in &body.gaps {
            lines.push(format!(
                "Says/Thinks gap: {} says “{}” but thinks “{}”",
                gap.quote.speaker, gap.quote.says, gap.thinks
            ));
        }
        let label = format!("Insights of “{}”", session.title);
        Ok(ToolOutput {
            text: format!("{label}:\n{}", lines.join("\n")),
            data: json!({"session_id": session.id.to_string(), "insights_id": insights.id}),
            source: Source {
                kind: SourceKind::SessionInsight,
                reference: session.id.to_string(),
                label,
            },
        })
    }
}
