//! Surveys answered by synthetic respondents (issue 14, under way).
//!
//! The context lives in `pw-surveys`; this module is the engine's facade over it. Callers name
//! the types below through this module, never through `pw_surveys`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use pw_llm::Gateway;
use pw_models::LanguageModels;
use pw_surveys::error::SurveysError;

use crate::Engine;
use crate::error::Result;

pub use pw_domain::{StudyId, SurveyId, WorkspaceId};
pub(crate) use pw_surveys::Surveys;
/// The analysis agent's report: sections of items citing result tables, and the tables.
pub use pw_surveys::analysis::{ReportBody, ReportTables, SurveyReport};
pub use pw_surveys::analysis_tables::{CitedItem, Figure, FigureKind, TableLine};
/// Runs: who answers, how far they are, what they said.
pub use pw_surveys::answering::RunProgress;
/// The census tables the universe's targets come from.
pub use pw_surveys::census::{AGE_BANDS, EDUCATION_LEVELS, Region};
/// The fidelity harness: people's answers read from a file and a run set against them.
pub use pw_surveys::comparison::{FidelityReport, Overall, QuestionComparison};
/// Results, crosstabs and the diagnostics beside them.
pub use pw_surveys::crosstab::{ChiSquareTest, Crosstab, MIN_EFFECTIVE_BASE};
/// The survey format and the way a respondent walks through it.
pub use pw_surveys::definition::{
    Answer, Choice, Condition, DefinitionError, Question, QuestionType, SkipRule, Step, Survey,
};
pub use pw_surveys::diagnostics::{
    OrderEffect, OverDetermination, QuestionDiagnostics, Reliability, Spread, SpreadReference,
};
pub use pw_surveys::fidelity::{SubgroupCorrelation, SubgroupMean};
pub use pw_surveys::figure_check::DroppedItem;
pub use pw_surveys::human::SkippedRow;
pub use pw_surveys::human_sets::HumanSet;
pub use pw_surveys::repository::{StoredSurvey, SurveySummary};
pub use pw_surveys::results::{
    MarginCheck, Mean, NetPromoter, QuestionResult, ResultOptions, Results, RowResult, Share,
    Weighting,
};
pub use pw_surveys::runs::{GivenMemory, Rated, Respondent, RunStatus, StoredAnswer, SurveyRun};
/// Semantic similarity rating: a free-text answer's embedding to a probability per scale point.
pub use pw_surveys::ssr;
pub use pw_surveys::universe::{Dimension, Draw, JointCell, Universe};
pub use pw_surveys::{
    CensusEducation, CensusTables, REPORT_JOB_KIND, RUN_JOB_KIND, ReportFormat, ResultsFormat,
    RunRequest, RunResults, UniverseChoice, progress_words,
};

/// The language-models context, as the gateway survey respondents answer through.
pub(crate) struct SurveysGateway(pub(crate) Arc<LanguageModels>);

impl pw_surveys::GatewaySource for SurveysGateway {
    fn gateway(
        &self,
    ) -> Pin<Box<dyn Future<Output = pw_surveys::error::Result<Arc<Gateway>>> + Send + '_>> {
        Box::pin(async move {
            self.0.gateway().await.map_err(|e| match e {
                pw_models::ModelsError::Llm(e) => SurveysError::Model(e),
                pw_models::ModelsError::Store(e) => SurveysError::Store(e),
                pw_models::ModelsError::Sql(e) => SurveysError::from(e),
                other => SurveysError::Invalid(other.to_string()),
            })
        })
    }
}

/// Surveys, as `engine.surveys()` hands them out.
pub struct SurveysFacade<'e> {
    engine: &'e Engine,
}

impl<'e> SurveysFacade<'e> {
    pub(crate) fn new(engine: &'e Engine) -> Self {
        SurveysFacade { engine }
    }

    fn context(&self) -> &'e Surveys {
        &self.engine.surveys
    }

    /// Reads a survey file (JSON, `docs/survey-format.md`) into the workspace; a malformed one
    /// changes nothing and names the question and field.
    pub async fn import(&self, workspace: WorkspaceId, json: &str) -> Result<StoredSurvey> {
        Ok(self.context().import(workspace, json).await?)
    }

    /// The survey as a file.
    pub async fn export(&self, id: SurveyId) -> Result<String> {
        Ok(self.context().export(id).await?)
    }

    /// Replaces a survey's design if nobody changed it since `expected_version`.
    pub async fn update(
        &self,
        id: SurveyId,
        expected_version: i64,
        json: &str,
    ) -> Result<StoredSurvey> {
        Ok(self.context().update(id, expected_version, json).await?)
    }

    pub async fn survey(&self, id: SurveyId) -> Result<StoredSurvey> {
        Ok(self.context().survey(id).await?)
    }

    pub async fn list(&self, workspace: WorkspaceId) -> Result<Vec<SurveySummary>> {
        Ok(self.context().list(workspace).await?)
    }

    /// The adult population as the newest census tables here describe it.
    pub fn census_tables(&self) -> Result<CensusTables> {
        Ok(self.context().census_tables()?)
    }

    /// Draws a run's respondents to the universe and queues it; the run's job answers them.
    pub async fn start_run(
        &self,
        workspace: WorkspaceId,
        request: &RunRequest,
    ) -> Result<SurveyRun> {
        Ok(self.context().start_run(workspace, request).await?)
    }

    /// Queues a stopped run to go on where it stopped (answered respondents are kept).
    pub async fn resume(&self, run: StudyId) -> Result<SurveyRun> {
        Ok(self.context().resume(run).await?)
    }

    pub async fn run(&self, run: StudyId) -> Result<SurveyRun> {
        Ok(self.context().run(run).await?)
    }

    /// A survey's runs, newest first.
    pub async fn runs(&self, survey: SurveyId) -> Result<Vec<SurveyRun>> {
        Ok(self.context().runs(survey).await?)
    }

    /// A run's results so far, with the diagnostics beside them.
    pub async fn results(&self, run: StudyId, options: &ResultOptions) -> Result<RunResults> {
        Ok(self.context().results(run, options).await?)
    }

    /// A question crossed by a dimension of the run's universe.
    pub async fn crosstab(
        &self,
        run: StudyId,
        question: &str,
        dimension: &str,
        weighted: bool,
    ) -> Result<Crosstab> {
        Ok(self
            .context()
            .crosstab(run, question, dimension, weighted)
            .await?)
    }

    /// A run's results as a CSV or XLSX file's bytes.
    pub async fn export_results(
        &self,
        run: StudyId,
        format: ResultsFormat,
        options: &ResultOptions,
        crossed_by: &[String],
    ) -> Result<Vec<u8>> {
        Ok(self
            .context()
            .export_results(run, format, options, crossed_by)
            .await?)
    }

    /// A run's results written into the data folder's `exports/` as CSV or XLSX; says where.
    pub async fn export_results_file(
        &self,
        run: StudyId,
        format: ResultsFormat,
        options: &ResultOptions,
    ) -> Result<std::path::PathBuf> {
        let current = self.context().run(run).await?;
        let bytes = self
            .context()
            .export_results(run, format, options, &[])
            .await?;
        let extension = match format {
            ResultsFormat::Csv => "csv",
            ResultsFormat::Xlsx => "xlsx",
        };
        let name = format!(
            "{}-{}-results.{extension}",
            crate::paths::slug(&current.title),
            crate::paths::short_id(&run.to_string())
        );
        crate::paths::write_export(&self.engine.config().data_dir, &name, &bytes).await
    }

    /// Reads people's answers to a run's survey from CSV text (bad rows are listed, not read).
    pub async fn import_human_for_run(
        &self,
        run: StudyId,
        name: &str,
        csv: &str,
        questions: &[(String, String)],
        dimension_columns: &[(String, String)],
    ) -> Result<HumanSet> {
        Ok(self
            .context()
            .import_human_for_run(run, name, csv, questions, dimension_columns)
            .await?)
    }

    /// A survey's files of people's answers.
    pub async fn human_sets(&self, survey: SurveyId) -> Result<Vec<HumanSet>> {
        Ok(self.context().human_sets(survey).await?)
    }

    /// A run set against people's answers to its survey.
    pub async fn fidelity(
        &self,
        run: StudyId,
        set: &str,
        by: Option<&str>,
        options: &ResultOptions,
    ) -> Result<FidelityReport> {
        Ok(self.context().fidelity(run, set, by, options).await?)
    }

    /// The 1996 ANES subset shipped with the app, as a survey with its 944 people.
    pub async fn import_anes96(&self, workspace: WorkspaceId) -> Result<(StoredSurvey, HumanSet)> {
        Ok(self.context().import_anes96(workspace).await?)
    }

    /// Queues the analysis agent's report on a run, its results read with `options`.
    pub async fn start_report(
        &self,
        run: StudyId,
        options: &ResultOptions,
    ) -> Result<pw_jobs::Job> {
        Ok(self.context().start_report(run, options).await?)
    }

    /// The run's latest report, if written.
    pub async fn report(&self, run: StudyId) -> Result<Option<SurveyReport>> {
        Ok(self.context().report(run).await?)
    }

    /// The run's latest report as Markdown text or a PDF.
    pub async fn export_report(&self, run: StudyId, format: ReportFormat) -> Result<Vec<u8>> {
        Ok(self.context().export_report(run, format).await?.1)
    }

    /// The run's latest report written into the data folder's `exports/`; says where.
    pub async fn export_report_file(
        &self,
        run: StudyId,
        format: ReportFormat,
    ) -> Result<std::path::PathBuf> {
        let current = self.context().run(run).await?;
        let (version, bytes) = self.context().export_report(run, format).await?;
        let extension = match format {
            ReportFormat::Markdown => "md",
            ReportFormat::Pdf => "pdf",
        };
        let name = format!(
            "{}-{}-report-v{version}.{extension}",
            crate::paths::slug(&current.title),
            crate::paths::short_id(&run.to_string())
        );
        crate::paths::write_export(&self.engine.config().data_dir, &name, &bytes).await
    }

    pub async fn respondents(&self, run: StudyId) -> Result<Vec<Respondent>> {
        Ok(self.context().respondents(run).await?)
    }

    pub async fn answers(&self, run: StudyId) -> Result<Vec<StoredAnswer>> {
        Ok(self.context().answers(run).await?)
    }

    /// The way a respondent giving these answers goes through the survey (the designer's
    /// preview): which questions are shown, and why the others are not.
    pub fn preview(
        &self,
        survey: &Survey,
        answers: &std::collections::BTreeMap<String, Answer>,
    ) -> Vec<Step> {
        pw_surveys::definition::walk(survey, |_, question, _| {
            answers
                .get(&question.id)
                .cloned()
                .unwrap_or(Answer::NonResponse)
        })
        .0
    }
}
