//! Surveys answered by synthetic respondents (issue 14, under way).
//!
//! The context lives in `pw-surveys`; this module is the engine's facade over it. Callers name
//! the types below through this module, never through `pw_surveys`.

use crate::Engine;
use crate::error::Result;

pub use pw_domain::{SurveyId, WorkspaceId};
pub(crate) use pw_surveys::Surveys;
/// The survey format and the way a respondent walks through it.
pub use pw_surveys::definition::{
    Answer, Choice, Condition, DefinitionError, Question, QuestionType, SkipRule, Step, Survey,
};
pub use pw_surveys::repository::{StoredSurvey, SurveySummary};
/// Semantic similarity rating: a free-text answer's embedding to a probability per scale point.
pub use pw_surveys::ssr;

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
