//! The surveys context's facade: what the engine, the CLI and the window ask of it.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use pw_domain::{StudyId, SurveyId, WorkspaceId};
use pw_jobs::{Job, JobQueue, JobSpec, Lane};
use pw_llm::Gateway;
use pw_store::Database;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::analysis::{self, ReportInput, ReportWriter, SurveyReport};
use crate::analysis_report;
use crate::analysis_tables;
use crate::anes96;
use crate::census::{self, AdultPopulation};
use crate::comparison::{self, FidelityReport};
use crate::crosstab::Crosstab;
use crate::definition;
use crate::diagnostics::{self, QuestionDiagnostics};
use crate::error::{Result, SurveysError};
use crate::exports::{self, ExportInput};
use crate::handlers::{REPORT_JOB_KIND, RUN_JOB_KIND, ReportPayload, RunPayload};
use crate::human::{self, HumanDataError};
use crate::human_sets::{HumanSet, HumanSetStore};
use crate::open_ends;
use crate::repository::{StoredSurvey, SurveyStore, SurveySummary};
use crate::results::{self, ResultOptions, Results};
use crate::runs::{
    GivenMemory, NewRespondent, NewRun, RunStatus, RunStore, StoredAnswer, SurveyRun,
};
use crate::universe::{self, Dimension, Universe};

/// Where the surveys context gets the model gateway: the language-models context owns it and
/// rebuilds it when settings change, so it is asked for each run.
pub trait GatewaySource: Send + Sync {
    fn gateway(&self) -> Pin<Box<dyn Future<Output = Result<Arc<Gateway>>> + Send + '_>>;
}

/// Who a run's respondents are drawn to be like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UniverseChoice {
    /// US adults by region × sex × age band (ACS S0101: the newest year in the reference
    /// data, 2024 as shipped), and, when a census refresh has written ACS B15003 and no
    /// education targets are given, education. Off: only the dimensions given.
    pub census: bool,
    /// Household income from ACS B19001 (households, 2013 dollars; off unless asked for).
    pub income: bool,
    /// Education targets (category, share); empty: B15003's when the census is on and a
    /// census refresh has written it (no shipped table has them), else none.
    pub education: Vec<(String, f64)>,
    /// Each segment's (audience id's) share; empty: by audience size where every audience
    /// has one, else equal.
    pub segment_shares: Vec<(String, f64)>,
    /// Further dimensions of the user's own.
    pub dimensions: Vec<Dimension>,
    /// Draw respondents like the people in this file of answers (its dimensions and shares).
    pub human_set: Option<String>,
}

impl Default for UniverseChoice {
    fn default() -> Self {
        UniverseChoice {
            census: true,
            income: false,
            education: Vec::new(),
            segment_shares: Vec::new(),
            dimensions: Vec::new(),
            human_set: None,
        }
    }
}

/// A run to start.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRequest {
    pub survey: SurveyId,
    pub respondents: usize,
    /// A new one when `None`.
    pub seed: Option<u64>,
    pub universe: UniverseChoice,
    /// Respondents answering at once (default 8).
    pub concurrency: Option<usize>,
}

/// The file formats a run's report is exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Markdown,
    Pdf,
}

/// The file formats results are exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultsFormat {
    Csv,
    Xlsx,
}

/// A run's results with the diagnostics beside them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunResults {
    pub run: SurveyRun,
    pub survey: definition::Survey,
    pub results: Results,
    pub diagnostics: Vec<QuestionDiagnostics>,
}

/// A segment of the workspace: an audience with live twins, its memory fragments and size.
struct Segment {
    audience: String,
    name: String,
    size: Option<f64>,
    twins: Vec<String>,
    memories: Vec<(String, String, String)>,
}

/// The census tables a universe's targets and the agents' census tool read.
#[derive(Debug, Clone, PartialEq)]
pub struct CensusTables {
    pub adults: AdultPopulation,
    /// The table and year, as the user reads it.
    pub adults_source: String,
    /// The file under the reference data's `census/` folder.
    pub adults_file: String,
    pub education: Option<CensusEducation>,
}

/// Adults 25 and over by education level, for the nation.
#[derive(Debug, Clone, PartialEq)]
pub struct CensusEducation {
    /// Shares in [`census::EDUCATION_LEVELS`] order.
    pub shares: Vec<f64>,
    pub source: String,
    pub file: String,
}

pub struct Surveys {
    db: Database,
    queue: JobQueue,
    models: Arc<dyn GatewaySource>,
    reference_data: PathBuf,
}

impl Surveys {
    pub fn new(
        db: Database,
        queue: JobQueue,
        models: Arc<dyn GatewaySource>,
        reference_data: PathBuf,
    ) -> Self {
        Surveys {
            db,
            queue,
            models,
            reference_data,
        }
    }

    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    pub(crate) async fn gateway(&self) -> Result<Arc<Gateway>> {
        self.models.gateway().await
    }

    fn store(&self) -> SurveyStore<'_> {
        SurveyStore::new(&self.db)
    }

    fn runs_store(&self) -> RunStore<'_> {
        RunStore::new(&self.db)
    }

    async fn require_workspace(&self, workspace: WorkspaceId) -> Result<()> {
        match self.store().workspace_exists(workspace).await? {
            true => Ok(()),
            false => Err(SurveysError::WorkspaceNotFound(workspace.to_string())),
        }
    }

    /// Reads a survey file into the workspace. A file that does not fit the format changes
    /// nothing and says which question and field are wrong.
    pub async fn import(&self, workspace: WorkspaceId, json: &str) -> Result<StoredSurvey> {
        self.require_workspace(workspace).await?;
        let survey = definition::parse(json)?;
        self.store().insert(workspace, &survey).await
    }

    /// The survey as a file, in the format [`Surveys::import`] reads.
    pub async fn export(&self, id: SurveyId) -> Result<String> {
        Ok(definition::to_json(
            &self.store().survey(id).await?.definition,
        ))
    }

    /// Replaces a survey's design, if nobody changed it since `expected_version`.
    pub async fn update(
        &self,
        id: SurveyId,
        expected_version: i64,
        json: &str,
    ) -> Result<StoredSurvey> {
        let survey = definition::parse(json)?;
        self.store().update(id, expected_version, &survey).await
    }

    pub async fn survey(&self, id: SurveyId) -> Result<StoredSurvey> {
        self.store().survey(id).await
    }

    pub async fn list(&self, workspace: WorkspaceId) -> Result<Vec<SurveySummary>> {
        self.require_workspace(workspace).await?;
        self.store().list(workspace).await
    }

    /// The workspace's segments: audiences with twins that are not archived.
    async fn segments(&self, workspace: WorkspaceId) -> Result<Vec<Segment>> {
        let rows = sqlx::query(
            "SELECT a.id, a.name, a.size_lower, a.size_upper FROM audiences a
             WHERE a.workspace_id = ? AND EXISTS (SELECT 1 FROM twins t
                 WHERE t.audience_id = a.id AND t.archived_at IS NULL)
             ORDER BY a.name, a.id",
        )
        .bind(workspace.to_string())
        .fetch_all(self.db.reader())
        .await?;
        let mut segments = Vec::with_capacity(rows.len());
        for row in rows {
            let audience: String = row.try_get("id")?;
            let lower: Option<i64> = row.try_get("size_lower")?;
            let upper: Option<i64> = row.try_get("size_upper")?;
            let size = match (lower, upper) {
                (Some(l), Some(u)) => Some((l + u) as f64 / 2.0),
                (Some(one), None) | (None, Some(one)) => Some(one as f64),
                (None, None) => None,
            };
            let twins: Vec<String> = sqlx::query_scalar(
                "SELECT id FROM twins WHERE audience_id = ? AND archived_at IS NULL ORDER BY id",
            )
            .bind(&audience)
            .fetch_all(self.db.reader())
            .await?;
            // What a respondent may be given: what the segment's twins know from evidence and
            // reflection, not their drawn demographics (each respondent has its own) nor what
            // they said or heard in a session.
            let memories = sqlx::query(
                "SELECT m.id, m.twin_id, m.content FROM twin_memories m JOIN twins t ON t.id = m.twin_id
                 WHERE t.audience_id = ? AND t.archived_at IS NULL AND m.retired_at IS NULL
                   AND m.fragment NOT IN ('said', 'heard', 'demographic')
                 ORDER BY m.id",
            )
            .bind(&audience)
            .fetch_all(self.db.reader())
            .await?
            .iter()
            .map(|m| -> Result<(String, String, String)> {
                Ok((m.try_get("id")?, m.try_get("twin_id")?, m.try_get("content")?))
            })
            .collect::<Result<Vec<_>>>()?;
            segments.push(Segment {
                audience,
                name: row.try_get("name")?,
                size,
                twins,
                memories,
            });
        }
        Ok(segments)
    }

    /// The newest year's file of a census table (`S0101`, `state`), if any is there.
    fn newest_reference(&self, table: &str, geography: &str) -> Option<(u16, String)> {
        let names: Vec<String> = std::fs::read_dir(self.reference_data.join("census"))
            .ok()?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect();
        census::newest_file(names.iter().map(String::as_str), table, geography)
    }

    fn read_reference(&self, file: &str) -> Result<String> {
        let path = self.reference_data.join("census").join(file);
        std::fs::read_to_string(&path).map_err(|e| {
            SurveysError::ReferenceData(format!(
                "the census table {} could not be read ({e}): run scripts/fetch-reference-data, \
                 or draw the universe without census targets",
                path.display()
            ))
        })
    }

    /// The adult population as the newest census tables here describe it: S0101 by region,
    /// sex and age band (the shipped 2024 table, or a refresh's newer year), and B15003's
    /// education of adults 25 and over when a refresh wrote it. Read from the files each
    /// time, so a refresh shows at once.
    pub fn census_tables(&self) -> Result<CensusTables> {
        let (adults, adults_source, adults_file) = self.census_adults()?;
        Ok(CensusTables {
            adults,
            adults_source,
            adults_file,
            education: self.census_education()?,
        })
    }

    /// S0101's adults, the table's source and its file.
    fn census_adults(&self) -> Result<(AdultPopulation, String, String)> {
        // The shipped file's name when no year is there, so the error says what to fetch.
        let (year, file) = self
            .newest_reference("S0101", "state")
            .map_or((None, "acs_S0101_state_2024.json".to_owned()), |(y, f)| {
                (Some(y), f)
            });
        let mut adults = census::adults_by_state(&self.read_reference(&file)?)
            .map_err(|e| SurveysError::ReferenceData(e.to_string()))?;
        adults.year = year;
        let source = year.map_or_else(|| census::AGE_SEX_SOURCE.to_owned(), census::age_sex_source);
        Ok((adults, source, file))
    }

    /// B15003's education of adults 25 and over, when a census refresh wrote it.
    fn census_education(&self) -> Result<Option<CensusEducation>> {
        let Some((year, file)) = self.newest_reference("B15003", "state") else {
            return Ok(None);
        };
        let levels = census::education_by_state(&self.read_reference(&file)?)
            .map_err(|e| SurveysError::ReferenceData(e.to_string()))?;
        Ok(Some(CensusEducation {
            shares: levels.shares(&census::Region::ALL),
            source: census::education_source(year),
            file,
        }))
    }

    /// The universe a choice describes, for the workspace's segments.
    async fn universe(
        &self,
        workspace: WorkspaceId,
        choice: &UniverseChoice,
    ) -> Result<(Universe, Vec<Segment>)> {
        let segments = self.segments(workspace).await?;
        if segments.is_empty() {
            return Err(universe::UniverseError::NoSegments.into());
        }
        let shares: Vec<f64> = if choice.segment_shares.is_empty() {
            match segments
                .iter()
                .map(|s| s.size)
                .collect::<Option<Vec<f64>>>()
            {
                Some(sizes) if sizes.iter().sum::<f64>() > 0.0 => sizes,
                _ => vec![1.0; segments.len()],
            }
        } else {
            if let Some((unknown, _)) = choice
                .segment_shares
                .iter()
                .find(|(id, _)| !segments.iter().any(|s| &s.audience == id))
            {
                return Err(SurveysError::Invalid(format!(
                    "the segment {unknown} is not an audience of this workspace with twins"
                )));
            }
            segments
                .iter()
                .map(|s| {
                    choice
                        .segment_shares
                        .iter()
                        .find(|(id, _)| id == &s.audience)
                        .map_or(0.0, |(_, share)| *share)
                })
                .collect()
        };
        let source = if choice.segment_shares.is_empty() {
            "the workspace's audiences with twins, by audience size (equal where a size is unknown)"
        } else {
            "entered by the user"
        };
        let segment_dimension = Dimension {
            name: universe::SEGMENT.to_owned(),
            categories: segments.iter().map(|s| s.audience.clone()).collect(),
            labels: segments.iter().map(|s| s.name.clone()).collect(),
            shares,
            source: source.to_owned(),
        }
        .normalised()?;
        let education = match choice.education.is_empty() {
            true => None,
            false => {
                let pairs: Vec<(&str, f64)> = choice
                    .education
                    .iter()
                    .map(|(c, s)| (c.as_str(), *s))
                    .collect();
                Some(Dimension::new(
                    universe::EDUCATION,
                    &pairs,
                    "entered by the user",
                )?)
            }
        };
        let mut built = if choice.census {
            let (population, _, _) = self.census_adults()?;
            // The census's education only stands in where the user gave none, and only then is
            // its table read (a broken one cannot fail a run that does not use it).
            let census_education = match education {
                None => self.census_education()?,
                Some(_) => None,
            };
            let education = match (education, census_education) {
                (None, Some(adults_25_plus)) => {
                    let pairs: Vec<(&str, f64)> = census::EDUCATION_LEVELS
                        .iter()
                        .map(|(level, _)| *level)
                        .zip(adults_25_plus.shares)
                        .collect();
                    Some(Dimension::new(
                        universe::EDUCATION,
                        &pairs,
                        &adults_25_plus.source,
                    )?)
                }
                (education, _) => education,
            };
            let income = match choice.income {
                true => Some(
                    census::household_income_shares(
                        &self.read_reference("acs_B19001_state_2013.json")?,
                    )
                    .map_err(|e| SurveysError::ReferenceData(e.to_string()))?,
                ),
                false => None,
            };
            Universe::us_adults(&population, income.as_deref(), education, segment_dimension)?
        } else {
            let mut dimensions: Vec<Dimension> = education.into_iter().collect();
            dimensions.push(segment_dimension);
            Universe {
                dimensions,
                joint: Vec::new(),
            }
        };
        built.dimensions.extend(choice.dimensions.iter().cloned());
        if let Some(set) = &choice.human_set {
            let (summary, _) = HumanSetStore::new(&self.db).set(set).await?;
            // The file's dimensions stand in for the census's where both have one.
            built
                .dimensions
                .retain(|d| !summary.dimensions.iter().any(|h| h.name == d.name));
            if summary.dimensions.iter().any(|h| {
                [universe::AGE_BAND, universe::SEX, universe::REGION].contains(&h.name.as_str())
            }) {
                built.joint.clear();
            }
            built.dimensions.extend(summary.dimensions);
        }
        Ok((built.checked()?, segments))
    }

    /// Draws a run's respondents and queues it. Each respondent is a variation of a twin of
    /// its segment, with its own demographics and memory fragments drawn from the seed.
    pub async fn start_run(
        &self,
        workspace: WorkspaceId,
        request: &RunRequest,
    ) -> Result<SurveyRun> {
        self.require_workspace(workspace).await?;
        let stored = self.store().survey(request.survey).await?;
        if stored.summary.workspace_id != workspace {
            return Err(SurveysError::SurveyNotFound(request.survey.to_string()));
        }
        let concurrency = request.concurrency.unwrap_or(8);
        if !(1..=64).contains(&concurrency) {
            return Err(SurveysError::Invalid(format!(
                "{concurrency} respondents at once: choose 1 to 64"
            )));
        }
        let (universe, segments) = self.universe(workspace, &request.universe).await?;
        let id = StudyId::new();
        let seed = request
            .seed
            .unwrap_or_else(|| uuid::Uuid::now_v7().as_u64_pair().1);
        let draws = universe::draw(&universe, request.respondents, seed)?;
        let mut respondents = Vec::with_capacity(draws.len());
        for (index, draw) in draws.into_iter().enumerate() {
            let segment = draw
                .categories
                .get(universe::SEGMENT)
                .and_then(|id| segments.iter().find(|s| &s.audience == id))
                .ok_or(universe::UniverseError::NoSegments)?;
            let (twin, memories) = universe::vary(
                seed,
                index,
                segment.twins.len(),
                segment.memories.len(),
                universe::MEMORIES_PER_RESPONDENT,
            );
            respondents.push(NewRespondent {
                segment: segment.audience.clone(),
                twin_id: segment.twins.get(twin).cloned(),
                draw,
                memories: memories
                    .into_iter()
                    .map(|m| GivenMemory {
                        id: segment.memories[m].0.clone(),
                        content: segment.memories[m].2.clone(),
                    })
                    .collect(),
            });
        }
        let title = format!(
            "{} — {} respondents",
            stored.definition.title, request.respondents
        );
        self.runs_store()
            .insert(&NewRun {
                id,
                workspace,
                survey: request.survey,
                survey_version: stored.summary.version,
                title: &title,
                seed,
                concurrency,
                universe: &universe,
                respondents: &respondents,
            })
            .await?;
        self.enqueue(id, workspace, &title).await?;
        self.runs_store().run(id).await
    }

    async fn enqueue(&self, run: StudyId, workspace: WorkspaceId, title: &str) -> Result<Job> {
        let spec = JobSpec::new(RUN_JOB_KIND, format!("Survey: {title}"), Lane::Slow)
            .workspace(workspace.to_string())
            .payload(serde_json::json!(RunPayload { run_id: run }));
        let job = self
            .queue
            .enqueue(spec)
            .await
            .map_err(|e| SurveysError::Invalid(e.to_string()))?;
        self.runs_store().set_job(run, &job.id).await?;
        Ok(job)
    }

    /// Queues a run that stopped (killed, paused, cancelled, failed) to go on where it
    /// stopped; a run already queued or running is left to its job.
    pub async fn resume(&self, run: StudyId) -> Result<SurveyRun> {
        let current = self.runs_store().run(run).await?;
        // Whatever the run's status says, a job still queued or running (a retry the job lanes
        // scheduled after a failed attempt) is left to go on: a second one would ask the same
        // respondents again.
        if current.status != RunStatus::Completed && !self.job_alive(&current).await {
            self.enqueue(run, current.workspace_id, &current.title)
                .await?;
        }
        self.runs_store().run(run).await
    }

    async fn job_alive(&self, run: &SurveyRun) -> bool {
        let Some(job_id) = &run.job_id else {
            return false;
        };
        matches!(
            self.queue.get(job_id).await,
            Ok(job) if matches!(job.state, pw_jobs::JobState::Queued | pw_jobs::JobState::Running)
        )
    }

    pub async fn run(&self, run: StudyId) -> Result<SurveyRun> {
        self.runs_store().run(run).await
    }

    pub async fn runs(&self, survey: SurveyId) -> Result<Vec<SurveyRun>> {
        self.store().survey(survey).await?;
        self.runs_store().runs(survey).await
    }

    pub async fn answers(&self, run: StudyId) -> Result<Vec<StoredAnswer>> {
        self.runs_store().run(run).await?;
        self.runs_store().answers(run).await
    }

    /// A run's answered respondents, its survey as asked, and their answers.
    async fn run_data(
        &self,
        run: StudyId,
    ) -> Result<(
        SurveyRun,
        definition::Survey,
        Vec<crate::runs::Respondent>,
        Vec<StoredAnswer>,
    )> {
        let current = self.runs_store().run(run).await?;
        let survey = self
            .store()
            .version(current.survey_id, current.survey_version)
            .await?;
        let respondents: Vec<_> = self
            .runs_store()
            .respondents(run)
            .await?
            .into_iter()
            .filter(|r| r.answered)
            .collect();
        let answers = self.runs_store().answers(run).await?;
        Ok((current, survey, respondents, answers))
    }

    /// A run's results so far: weights, each question's distribution with intervals, and the
    /// diagnostics beside them.
    pub async fn results(&self, run: StudyId, options: &ResultOptions) -> Result<RunResults> {
        let (current, survey, respondents, answers) = self.run_data(run).await?;
        let weighting = results::weigh(&current.universe, &respondents, options.weighted)?;
        let mut coded = Vec::new();
        for question in &survey.questions {
            if let Some(themes) = open_ends::stored_themes(&self.db, run, &question.id).await? {
                coded.push(themes);
            }
        }
        let computed =
            results::results(&survey, &respondents, &answers, &weighting, options, &coded)?;
        // People's answers to the same survey, when there are some, are what spread and
        // over-determination are held to.
        let humans = match HumanSetStore::new(&self.db)
            .sets(current.survey_id)
            .await?
            .first()
        {
            Some(latest) => {
                let (_, people) = HumanSetStore::new(&self.db).set(&latest.id).await?;
                comparison::human_references(&comparison::compare(
                    &survey,
                    &current.universe,
                    &respondents,
                    &answers,
                    &weighting,
                    &people,
                    None,
                    options.temperature,
                ))
            }
            None => std::collections::HashMap::new(),
        };
        let diagnostics = diagnostics::diagnose(
            &survey,
            &current.universe,
            &respondents,
            &answers,
            &humans,
            options,
            &weighting.weights,
        )?;
        Ok(RunResults {
            run: current,
            survey,
            results: computed,
            diagnostics,
        })
    }

    /// A question crossed by a dimension of the run's universe (`segment`, `age_band`, `sex`,
    /// `region`, `income`, `education`, or one of the user's).
    pub async fn crosstab(
        &self,
        run: StudyId,
        question: &str,
        dimension: &str,
        weighted: bool,
    ) -> Result<Crosstab> {
        let (current, survey, respondents, answers) = self.run_data(run).await?;
        let weighting = results::weigh(&current.universe, &respondents, weighted)?;
        Ok(results::crosstab_by(
            &survey,
            &current.universe,
            &respondents,
            &answers,
            &weighting,
            question,
            dimension,
        )?)
    }

    /// A run's results as a file: every table as CSV, or a workbook with a summary, a sheet per
    /// question, a crosstab per question with categories by each of `crossed_by` (the segment
    /// when empty), and the respondents' answers.
    pub async fn export_results(
        &self,
        run: StudyId,
        format: ResultsFormat,
        options: &ResultOptions,
        crossed_by: &[String],
    ) -> Result<Vec<u8>> {
        let report = self.results(run, options).await?;
        let (_, _, respondents, answers) = self.run_data(run).await?;
        let weighting = &report.results.weighting;
        let dimensions: Vec<String> = if crossed_by.is_empty() {
            vec![universe::SEGMENT.to_owned()]
        } else {
            crossed_by.to_vec()
        };
        let mut crosstabs = Vec::new();
        for dimension in &dimensions {
            for question in &report.survey.questions {
                match results::crosstab_by(
                    &report.survey,
                    &report.run.universe,
                    &respondents,
                    &answers,
                    weighting,
                    &question.id,
                    dimension,
                ) {
                    Ok(table) => crosstabs.push(table),
                    // Questions without categories (numbers, open ends) have no crosstab.
                    Err(results::ResultsError::NotCategorical(_)) => {}
                    Err(results::ResultsError::Crosstab(reason)) => {
                        tracing::info!(question = %question.id, %reason, "no crosstab for this question");
                    }
                    Err(other) => return Err(other.into()),
                }
            }
        }
        let input = ExportInput {
            run: &report.run,
            survey: &report.survey,
            results: &report.results,
            diagnostics: &report.diagnostics,
            crosstabs: &crosstabs,
            respondents: &respondents,
            answers: &answers,
        };
        match format {
            ResultsFormat::Csv => Ok(exports::results_csv(&input).into_bytes()),
            ResultsFormat::Xlsx => {
                exports::results_xlsx(&input).map_err(|e| SurveysError::Spreadsheet(e.to_string()))
            }
        }
    }

    /// Queues writing the run's report from its results read with `options` (a new version
    /// each time), or hands back the report job of the run already queued or running. A run
    /// still answering is reported on once it stops.
    pub async fn start_report(&self, run: StudyId, options: &ResultOptions) -> Result<Job> {
        let current = self.runs_store().run(run).await?;
        if matches!(current.status, RunStatus::Queued | RunStatus::Running) {
            return Err(SurveysError::Invalid(format!(
                "“{}” is still answering; write its report once it stops",
                current.title
            )));
        }
        if current.answered == 0 {
            return Err(SurveysError::Invalid(format!(
                "“{}” has no answered respondents to report on",
                current.title
            )));
        }
        if !(options.temperature > 0.0 && options.temperature.is_finite()) {
            return Err(SurveysError::Invalid(
                "the rating temperature must be a positive number".into(),
            ));
        }
        // Without a model the job could only fail later, after the tables were made.
        self.gateway().await?;
        // One report of a run at a time: asked again while one is being written (the window
        // and the command line at once), the caller follows that job instead of adding a
        // second version.
        if let Some(writing) = self.report_job(run).await? {
            return Ok(writing);
        }
        let spec = JobSpec::new(
            REPORT_JOB_KIND,
            // The seed tells apart two runs of one survey with as many respondents.
            format!("Report: {} (seed {})", current.title, current.seed),
            Lane::Default,
        )
        .workspace(current.workspace_id.to_string())
        .payload(serde_json::json!(ReportPayload {
            run_id: run,
            weighted: options.weighted,
            temperature: options.temperature,
        }));
        self.queue
            .enqueue(spec)
            .await
            .map_err(|e| SurveysError::Invalid(e.to_string()))
    }

    /// A report job of the run still queued or running, if any.
    async fn report_job(&self, run: StudyId) -> Result<Option<Job>> {
        let run_id = serde_json::json!(run);
        for state in [pw_jobs::JobState::Queued, pw_jobs::JobState::Running] {
            let jobs = self
                .queue
                .list(Some(state), 500)
                .await
                .map_err(|e| SurveysError::Invalid(e.to_string()))?;
            if let Some(job) = jobs
                .into_iter()
                .find(|j| j.kind == REPORT_JOB_KIND && j.payload["run_id"] == run_id)
            {
                return Ok(Some(job));
            }
        }
        Ok(None)
    }

    /// Writes the run's report now, as its job does (callers queue [`Surveys::start_report`]): the result tables, the crosstabs whose
    /// groups differ by every dimension of the universe, the fidelity harness against the
    /// newest file of people's answers, and the caveats, handed to the analysis agent.
    pub async fn write_report(
        &self,
        run: StudyId,
        options: &ResultOptions,
        job_id: Option<&str>,
    ) -> Result<SurveyReport> {
        let report = self.results(run, options).await?;
        // Resumed since the report was asked for: its answers are still coming in.
        if matches!(report.run.status, RunStatus::Queued | RunStatus::Running) {
            return Err(SurveysError::Invalid(format!(
                "“{}” is answering again; write its report once it stops",
                report.run.title
            )));
        }
        let (_, _, respondents, answers) = self.run_data(run).await?;
        let mut crosstabs = Vec::new();
        for dimension in report
            .run
            .universe
            .dimensions
            .iter()
            .filter(|d| d.categories.len() > 1)
        {
            for question in &report.survey.questions {
                match results::crosstab_by(
                    &report.survey,
                    &report.run.universe,
                    &respondents,
                    &answers,
                    &report.results.weighting,
                    &question.id,
                    &dimension.name,
                ) {
                    Ok(table) => crosstabs.push(table),
                    Err(
                        results::ResultsError::NotCategorical(_)
                        | results::ResultsError::Crosstab(_),
                    ) => {}
                    Err(other) => return Err(other.into()),
                }
            }
        }
        let newest = HumanSetStore::new(&self.db)
            .sets(report.run.survey_id)
            .await?
            .into_iter()
            .next();
        let fidelity = match &newest {
            Some(set) => Some(self.fidelity(run, &set.id, None, options).await?),
            None => None,
        };
        let people = newest
            .as_ref()
            .map(|set| format!("people's answers in “{}”", set.name))
            .unwrap_or_default();
        let lines = analysis_tables::table_lines(
            &report.survey,
            &report.results,
            &report.diagnostics,
            &crosstabs,
            fidelity.as_ref().map(|f| (f, people.as_str())),
        );
        let caveats = analysis_tables::caveats(
            &report.results,
            report.run.respondents,
            &report.diagnostics,
            fidelity.as_ref(),
            &report.survey,
        );
        let gateway = self.gateway().await?;
        ReportWriter {
            db: &self.db,
            gateway: &gateway,
            job_id,
        }
        .write(ReportInput {
            run: &report.run,
            survey: &report.survey,
            respondents: report.results.respondents,
            lines,
            caveats,
            options: *options,
        })
        .await
    }

    /// The run's latest report, if one was written.
    pub async fn report(&self, run: StudyId) -> Result<Option<SurveyReport>> {
        self.runs_store().run(run).await?;
        analysis::latest(&self.db, run).await
    }

    /// The run's latest report as a file (Markdown text or a PDF), with its version: the bytes
    /// and the version come from the one report read.
    pub async fn export_report(
        &self,
        run: StudyId,
        format: ReportFormat,
    ) -> Result<(i64, Vec<u8>)> {
        let current = self.runs_store().run(run).await?;
        let report = analysis::latest(&self.db, run).await?.ok_or_else(|| {
            SurveysError::Invalid(format!(
                "“{}” has no report yet; write it first",
                current.title
            ))
        })?;
        let bytes = match format {
            ReportFormat::Markdown => analysis_report::markdown(&current, &report).into_bytes(),
            ReportFormat::Pdf => analysis_report::pdf(&current, &report),
        };
        Ok((report.version, bytes))
    }

    /// Reads a CSV file of people's answers to a survey: `questions` maps question ids to
    /// columns, `dimensions` each dimension to its column. Rows that cannot be read are left
    /// out and listed with the reason.
    pub async fn import_human(
        &self,
        survey: SurveyId,
        name: &str,
        csv: &str,
        questions: &[(String, String)],
        dimensions: &[(Dimension, String)],
    ) -> Result<HumanSet> {
        let stored = self.store().survey(survey).await?;
        let table = human::parse_csv(csv)?;
        let answers = human::read_answers(&stored.definition, &table, questions, dimensions)?;
        let given: Vec<Dimension> = dimensions.iter().map(|(d, _)| d.clone()).collect();
        let source = format!("{name} ({} people)", answers.rows.len());
        let shares = human::dimensions_of(&answers, &given, &source);
        HumanSetStore::new(&self.db)
            .insert(stored.summary.workspace_id, survey, name, &answers, &shares)
            .await
    }

    /// Reads people's answers to a run's survey, their groups named by the run's dimensions
    /// (`education=educ`).
    pub async fn import_human_for_run(
        &self,
        run: StudyId,
        name: &str,
        csv: &str,
        questions: &[(String, String)],
        dimension_columns: &[(String, String)],
    ) -> Result<HumanSet> {
        let current = self.runs_store().run(run).await?;
        let mut dimensions = Vec::new();
        for (dimension, column) in dimension_columns {
            let known = current
                .universe
                .dimension(dimension)
                .ok_or_else(|| HumanDataError::UnknownDimension(dimension.clone()))?;
            dimensions.push((known.clone(), column.clone()));
        }
        self.import_human(current.survey_id, name, csv, questions, &dimensions)
            .await
    }

    /// A survey's files of people's answers, newest first.
    pub async fn human_sets(&self, survey: SurveyId) -> Result<Vec<HumanSet>> {
        self.store().survey(survey).await?;
        HumanSetStore::new(&self.db).sets(survey).await
    }

    /// A run set against people's answers to its survey, subgroups compared by `by` (a
    /// dimension both have; the file's first when `None`).
    pub async fn fidelity(
        &self,
        run: StudyId,
        set: &str,
        by: Option<&str>,
        options: &ResultOptions,
    ) -> Result<FidelityReport> {
        let (current, survey, respondents, answers) = self.run_data(run).await?;
        let (summary, people) = HumanSetStore::new(&self.db).set(set).await?;
        if summary.survey_id != current.survey_id {
            return Err(SurveysError::Invalid(
                "those people answered another survey than this run asked".into(),
            ));
        }
        let by = by.map(str::to_owned).or_else(|| {
            people
                .dimensions
                .iter()
                .map(|(name, _)| name.clone())
                .find(|name| current.universe.dimension(name).is_some())
        });
        let weighting = results::weigh(&current.universe, &respondents, options.weighted)?;
        Ok(comparison::compare(
            &survey,
            &current.universe,
            &respondents,
            &answers,
            &weighting,
            &people,
            by.as_deref(),
            options.temperature,
        ))
    }

    /// The 1996 ANES subset shipped with the app, as a survey with the people's answers read:
    /// imported once per workspace, found again after.
    pub async fn import_anes96(&self, workspace: WorkspaceId) -> Result<(StoredSurvey, HumanSet)> {
        self.require_workspace(workspace).await?;
        let design = definition::parse(anes96::SURVEY)?;
        let existing = self
            .store()
            .list(workspace)
            .await?
            .into_iter()
            .find(|s| s.title == design.title);
        let survey = match existing {
            Some(found) => self.store().survey(found.id).await?,
            None => self.store().insert(workspace, &design).await?,
        };
        if let Some(set) = HumanSetStore::new(&self.db)
            .sets(survey.summary.id)
            .await?
            .into_iter()
            .find(|s| s.name == anes96::FILE)
        {
            return Ok((survey, set));
        }
        let path = self.reference_data.join(anes96::FILE);
        let csv = std::fs::read_to_string(&path).map_err(|e| {
            SurveysError::ReferenceData(format!(
                "the ANES 1996 file {} could not be read ({e}): run scripts/fetch-reference-data",
                path.display()
            ))
        })?;
        let questions: Vec<(String, String)> = anes96::QUESTIONS
            .iter()
            .map(|(q, c)| ((*q).to_owned(), (*c).to_owned()))
            .collect();
        let dimensions: Vec<(Dimension, String)> = anes96::dimensions()
            .into_iter()
            .map(|(d, c)| (d, c.to_owned()))
            .collect();
        let set = self
            .import_human(
                survey.summary.id,
                anes96::FILE,
                &csv,
                &questions,
                &dimensions,
            )
            .await?;
        Ok((survey, set))
    }

    pub async fn respondents(&self, run: StudyId) -> Result<Vec<crate::runs::Respondent>> {
        self.runs_store().run(run).await?;
        self.runs_store().respondents(run).await
    }
}
