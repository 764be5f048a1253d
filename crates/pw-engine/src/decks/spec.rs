//! What the user picked for a deck: a file the CLI reads (`deck build --spec FILE`) and the
//! builder writes. Sections name stored results by id; the deck is gathered from them each time
//! it is built, so a rebuilt deck shows the data as it is now.

use chrono::NaiveDate;
use pw_domain::{AudienceId, GroundingReportId, SessionId, StudyId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeckSpec {
    /// On the title slide and in the file's properties.
    pub title: String,
    #[serde(default)]
    pub subtitle: String,
    /// What the research set out to learn, in the user's words (the objectives slide).
    #[serde(default)]
    pub objectives: Vec<String>,
    /// In the order the findings are shown.
    pub sections: Vec<SectionSpec>,
    /// The user's changes to the gathered slides, found again by their keys at every build.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slides: Vec<SlideEdit>,
    /// Slide keys in the order the user put them: within each part (findings, verbatims,
    /// recommendations) the slides listed come first, in this order, and the rest follow in
    /// their sections' order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slide_order: Vec<String>,
}

/// The longest title a deck or a slide keeps, and the longest presenter notes.
const LONGEST_TITLE: usize = 200;
const LONGEST_NOTES: usize = 5_000;

impl DeckSpec {
    /// Refuses what no slide can carry: a title of several lines or of a paragraph's length,
    /// an edit naming no slide, notes of a chapter's length.
    pub fn check(&self) -> Result<(), String> {
        let one_line = |text: &str, what: &str| {
            if text.chars().count() > LONGEST_TITLE {
                Err(format!("{what} is longer than {LONGEST_TITLE} characters"))
            } else if text.chars().any(char::is_control) {
                Err(format!(
                    "{what} holds a line break or another control character"
                ))
            } else {
                Ok(())
            }
        };
        one_line(&self.title, "the deck's title")?;
        one_line(&self.subtitle, "the subtitle")?;
        for edit in &self.slides {
            if edit.key.trim().is_empty() {
                return Err("a slide edit names no slide".into());
            }
            if let Some(title) = &edit.title {
                one_line(title, &format!("the title of slide {}", edit.key))?;
            }
            if edit
                .notes
                .as_ref()
                .is_some_and(|n| n.chars().count() > LONGEST_NOTES)
            {
                return Err(format!(
                    "the notes of slide {} are longer than {LONGEST_NOTES} characters",
                    edit.key
                ));
            }
        }
        Ok(())
    }
}

/// What the user changed on one gathered slide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlideEdit {
    /// The slide's key ("survey:RUN#chart-1a2b3c4d"), as a gathered deck's slides carry it.
    pub key: String,
    /// The user's title in place of the stated finding (the sources stay the slide's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Presenter notes, above the sources in the speaker notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Left out of the deck (its tables stay in the appendix and the workbook).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

/// One stored result the deck shows. Every slide a section makes cites the records it read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SectionSpec {
    /// The dashboard's KPI tiles, daily spend per platform and campaign table for a period
    /// (the last 30 days with data when no dates are given).
    Dashboard {
        #[serde(default)]
        from: Option<NaiveDate>,
        #[serde(default)]
        to: Option<NaiveDate>,
    },
    /// A survey run's questions as charts (all of them, or those listed), with their
    /// diagnostics as caveats and the run's manifest in the method.
    SurveyResults {
        run: StudyId,
        #[serde(default)]
        questions: Vec<String>,
    },
    /// One question crossed by a dimension of the run's universe.
    Crosstab {
        run: StudyId,
        question: String,
        dimension: String,
    },
    /// A focus group's or interview's latest insights: themes, verbatims, Says/Thinks gaps and
    /// the actions the participants pointed to.
    Insights { session: SessionId },
    /// A grounding report's claims with the signals they rest on.
    GroundingReport { report: GroundingReportId },
    /// A specialist agent's latest report (budget, creative, anomaly, audience, competitor).
    AgentReport { agent: String },
    /// An audience's strongest live signals with their intervals and support.
    AudienceSignals { audience: AudienceId },
    /// The analysis agent's latest report on a survey run: findings, segments, implications
    /// and actions, each citing the result tables it rests on.
    SurveyReport { run: StudyId },
    /// A survey run set against people's answers to its survey (a human set, by id): how
    /// alike each question's answers are.
    Fidelity { run: StudyId, set: String },
}

impl SectionSpec {
    /// The stored result the section shows, in `export --table`'s words: the start of its
    /// slides' keys. A dashboard is one whatever its dates, so edits to it outlive a new
    /// period (a delivery sets one each week).
    pub fn key(&self) -> String {
        match self {
            SectionSpec::Dashboard { .. } => "dashboard".to_owned(),
            SectionSpec::SurveyResults { run, .. } => format!("survey:{run}"),
            SectionSpec::Crosstab {
                run,
                question,
                dimension,
            } => format!("crosstab:{run}:{question}:{dimension}"),
            SectionSpec::Insights { session } => format!("insights:{session}"),
            SectionSpec::GroundingReport { report } => format!("report:{report}"),
            SectionSpec::AgentReport { agent } => format!("agent:{agent}"),
            SectionSpec::AudienceSignals { audience } => format!("signals:{audience}"),
            SectionSpec::SurveyReport { run } => format!("survey-report:{run}"),
            SectionSpec::Fidelity { run, set } => format!("fidelity:{run}:{set}"),
        }
    }

    /// How the section is named when something about it must be said ("section 3, survey
    /// results").
    pub fn describe(&self) -> &'static str {
        match self {
            SectionSpec::Dashboard { .. } => "dashboard",
            SectionSpec::SurveyResults { .. } => "survey results",
            SectionSpec::Crosstab { .. } => "crosstab",
            SectionSpec::Insights { .. } => "session insights",
            SectionSpec::GroundingReport { .. } => "grounding report",
            SectionSpec::AgentReport { .. } => "agent report",
            SectionSpec::AudienceSignals { .. } => "audience signals",
            SectionSpec::SurveyReport { .. } => "survey report",
            SectionSpec::Fidelity { .. } => "fidelity",
        }
    }
}

impl std::str::FromStr for SectionSpec {
    type Err = String;

    /// A section named in one line, as `export --table` takes it: `dashboard`,
    /// `dashboard:FROM:TO`, `survey:RUN`, `survey:RUN:QUESTION`, `crosstab:RUN:QUESTION:DIMENSION`,
    /// `insights:SESSION`, `report:REPORT`, `agent:NAME`, `signals:AUDIENCE`,
    /// `survey-report:RUN`, `fidelity:RUN:SET`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = text.split(':').collect();
        let id_error = |e: pw_domain::IdError| e.to_string();
        let date = |text: &str| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| format!("\"{text}\" is not a date (YYYY-MM-DD)"))
        };
        match parts.as_slice() {
            ["dashboard"] => Ok(SectionSpec::Dashboard {
                from: None,
                to: None,
            }),
            ["dashboard", from, to] => Ok(SectionSpec::Dashboard {
                from: Some(date(from)?),
                to: Some(date(to)?),
            }),
            ["survey", run] => Ok(SectionSpec::SurveyResults {
                run: run.parse().map_err(id_error)?,
                questions: Vec::new(),
            }),
            ["survey", run, question] => Ok(SectionSpec::SurveyResults {
                run: run.parse().map_err(id_error)?,
                questions: vec![(*question).to_owned()],
            }),
            ["crosstab", run, question, dimension] => Ok(SectionSpec::Crosstab {
                run: run.parse().map_err(id_error)?,
                question: (*question).to_owned(),
                dimension: (*dimension).to_owned(),
            }),
            ["insights", session] => Ok(SectionSpec::Insights {
                session: session.parse().map_err(id_error)?,
            }),
            ["report", report] => Ok(SectionSpec::GroundingReport {
                report: report.parse().map_err(id_error)?,
            }),
            ["agent", agent] => Ok(SectionSpec::AgentReport {
                agent: (*agent).to_owned(),
            }),
            ["signals", audience] => Ok(SectionSpec::AudienceSignals {
                audience: audience.parse().map_err(id_error)?,
            }),
            ["survey-report", run] => Ok(SectionSpec::SurveyReport {
                run: run.parse().map_err(id_error)?,
            }),
            ["fidelity", run, set] => Ok(SectionSpec::Fidelity {
                run: run.parse().map_err(id_error)?,
                set: (*set).to_owned(),
            }),
            _ => Err(format!(
                "\"{text}\" names no table: use dashboard[:FROM:TO], survey:RUN[:QUESTION], crosstab:RUN:QUESTION:DIMENSION, insights:SESSION, report:REPORT, agent:NAME, signals:AUDIENCE, survey-report:RUN or fidelity:RUN:SET"
            )),
        }
    }
}
