//! From stored results to slides: each section of a spec reads its records through the other
//! contexts' facades and says which records every slide came from. Nothing here writes a
//! number of its own: a slide's figures are the stored results' figures, formatted. One module
//! per kind of record: the dashboard's ad data, survey runs, and the research written from them
//! (sessions' insights, grounding reports, agents' reports).

mod dashboard;
mod headlines;
mod research;
mod signals;
mod surveys;

pub(super) use research::latest_answered;

use std::sync::Arc;

use pw_decks::{Slide, SlideBody, Source, Table};
use pw_domain::{Micros, WorkspaceId};

use super::spec::SectionSpec;
use crate::Engine;
use crate::error::Result;

/// At most this many bullets of a list on one slide; the rest go to the next.
pub(super) const BULLETS_PER_SLIDE: usize = 6;
/// At most this many quotes on a quote wall.
pub(super) const QUOTES_PER_SLIDE: usize = 6;
/// A bar chart with more categories than this reads badly; the table in the appendix has all.
pub(super) const CHART_CATEGORIES: usize = 12;

/// A section's slides, sorted into the parts of an agency deck.
#[derive(Debug, Default)]
pub(crate) struct Gathered {
    /// Headline findings, each slide's title the finding.
    pub findings: Vec<Slide>,
    /// Verbatims: what twins and respondents said, word for word.
    pub verbatims: Vec<Slide>,
    pub recommendations: Vec<Slide>,
    /// Lines of the method slide: samples, models, dates.
    pub method: Vec<String>,
    /// What the diagnostics raised: read the findings with these in mind.
    pub caveats: Vec<String>,
    pub method_sources: Vec<Source>,
    /// Every table behind the deck, whole, with the records it came from: the appendix and
    /// the XLSX export.
    pub tables: Vec<(Table, Vec<Source>)>,
}

impl Gathered {
    pub(crate) fn extend(&mut self, other: Gathered) {
        self.findings.extend(other.findings);
        self.verbatims.extend(other.verbatims);
        self.recommendations.extend(other.recommendations);
        self.method.extend(other.method);
        self.caveats.extend(other.caveats);
        self.method_sources.extend(other.method_sources);
        self.tables.extend(other.tables);
    }
}

pub(crate) async fn section(
    engine: &Arc<Engine>,
    workspace: WorkspaceId,
    spec: &SectionSpec,
) -> Result<Gathered> {
    match spec {
        SectionSpec::Dashboard { from, to } => {
            dashboard::dashboard(engine, workspace, *from, *to).await
        }
        SectionSpec::SurveyResults { run, questions } => {
            surveys::survey_results(engine, workspace, *run, questions).await
        }
        SectionSpec::Crosstab {
            run,
            question,
            dimension,
        } => surveys::crosstab(engine, workspace, *run, question, dimension).await,
        SectionSpec::Insights { session } => research::insights(engine, workspace, *session).await,
        SectionSpec::GroundingReport { report } => {
            research::grounding_report(engine, workspace, *report).await
        }
        SectionSpec::AgentReport { agent } => {
            research::agent_report(engine, workspace, agent).await
        }
        SectionSpec::AudienceSignals { audience } => {
            signals::audience_signals(engine, workspace, *audience).await
        }
        SectionSpec::SurveyReport { run } => surveys::survey_report(engine, workspace, *run).await,
        SectionSpec::Fidelity { run, set } => surveys::fidelity(engine, workspace, *run, set).await,
    }
}

pub(super) fn slide(title: impl Into<String>, body: SlideBody, sources: Vec<Source>) -> Slide {
    Slide {
        key: String::new(),
        title: title.into(),
        body,
        notes: String::new(),
        sources,
        footnote: String::new(),
    }
}

pub(super) fn major_units(micros: Micros) -> f64 {
    micros.0 as f64 / Micros::PER_UNIT as f64
}
