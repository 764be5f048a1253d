//! The survey format: questions of eight types, display and skip logic over earlier answers,
//! piping of earlier answers into a question's text, and option order (randomised per
//! respondent by seed, or reversed for the split-half order test). A survey is read from JSON
//! (`docs/survey-format.md`, with a JSON Schema generated from these types) and checked as a
//! whole before anything uses it: an error names the question and the field, so a malformed
//! file is fixed where it is wrong and changes nothing until it is right.
//!
//! Everything here is IO-free. [`walk`] is the path one respondent takes through the logic (the
//! designer's preview and the answering job both use it), and [`blocks`] splits a survey where
//! the logic depends on an answer, so one call can answer each block.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `format` every survey file carries.
pub const FORMAT: &str = "profitwheel-survey";
/// The version of the format these types read and write.
pub const FORMAT_VERSION: u32 = 1;
/// Where a skip rule ends the survey.
pub const END: &str = "end";

/// A survey as the user designs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Survey {
    /// Always `profitwheel-survey`.
    pub format: String,
    /// The format's version (1).
    pub version: u32,
    pub title: String,
    /// What respondents are told before the first question.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub intro: String,
    pub questions: Vec<Question>,
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    /// One of its options.
    SingleChoice,
    /// Any of its options (at most `max_choices`).
    MultipleChoice,
    /// A point on a 5- or 7-point scale with labelled anchors.
    Likert,
    /// 0 to 10: how likely to recommend.
    Nps,
    /// A number between `min` and `max`.
    Numeric,
    /// Its options in order of preference.
    Ranking,
    /// A 5- or 7-point scale for each of its rows.
    Matrix,
    /// Free text.
    Open,
}

impl QuestionType {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionType::SingleChoice => "single_choice",
            QuestionType::MultipleChoice => "multiple_choice",
            QuestionType::Likert => "likert",
            QuestionType::Nps => "nps",
            QuestionType::Numeric => "numeric",
            QuestionType::Ranking => "ranking",
            QuestionType::Matrix => "matrix",
            QuestionType::Open => "open",
        }
    }

    fn takes_options(self) -> bool {
        matches!(
            self,
            QuestionType::SingleChoice | QuestionType::MultipleChoice | QuestionType::Ranking
        )
    }

    fn takes_scale(self) -> bool {
        matches!(self, QuestionType::Likert | QuestionType::Matrix)
    }
}

/// An option of a choice or ranking question, or a row of a matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    pub label: String,
    /// Stays in place (after the others) when options are shuffled or reversed: "None of
    /// these", "Other".
    #[serde(default, skip_serializing_if = "is_false")]
    pub anchored: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// One question. Which fields apply depends on its `type`; one that does not apply is an error,
/// not ignored, so a typo never silently changes a survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Unique within the survey: letters, digits, `_` and `-`. Logic and piping refer to it.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// The question as asked; `{{id}}` pipes in the answer to an earlier question.
    pub text: String,
    /// single_choice, multiple_choice, ranking: at least two.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Shuffle the options per respondent (anchored options stay last).
    #[serde(default, skip_serializing_if = "is_false")]
    pub randomize: bool,
    /// multiple_choice: the most options a respondent may pick.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_choices: Option<u32>,
    /// likert, matrix: 5 or 7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<u8>,
    /// likert, matrix: a label per point, or two (the lowest and the highest).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// likert, matrix: anchor statement sets for semantic similarity rating, each one first-
    /// person statement per point, lowest first (none: the built-in sets for the scale).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anchors: Vec<Vec<String>>,
    /// matrix: the items rated, at least two.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<Choice>,
    /// numeric: the smallest and largest answers accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// numeric: what the number counts ("dollars", "cups a week").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Shown only when this holds for the answers so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_if: Option<Condition>,
    /// After this question is answered, the first rule that holds jumps ahead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip: Vec<SkipRule>,
}

/// A jump ahead: to a later question, or to the end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SkipRule {
    #[serde(rename = "if")]
    pub when: Condition,
    /// A later question's id, or `end`.
    pub to: String,
}

/// A test on earlier answers. Exactly one form per condition:
/// `{"answered": "q1"}`, `{"question": "q1", "chose": ["a", "b"]}` (any of),
/// `{"question": "q2", "at_least": 4}`, `{"question": "q2", "at_most": 2}`,
/// `{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chose: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<Condition>>,
}

/// A respondent's answer, as logic and piping read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// single_choice: the option's id.
    Choice(String),
    /// multiple_choice: the options' ids.
    Choices(Vec<String>),
    /// likert: the point, from 1.
    Point(u8),
    /// nps: 0 to 10.
    Score(u8),
    Number(f64),
    /// ranking: option ids, most preferred first.
    Ranking(Vec<String>),
    /// matrix: a point per row, from 1.
    Points(Vec<u8>),
    Text(String),
    /// Asked, and no answer could be had (the reason is kept with the stored answer).
    NonResponse,
}

/// What is wrong with a survey, and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct DefinitionError {
    /// The question (from 1) and its id, when the error is in one.
    pub question: Option<(usize, String)>,
    /// The field, when the error is in one.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.question, &self.field) {
            (Some((n, id)), Some(field)) => {
                write!(
                    f,
                    "question {n} (\"{id}\"), field \"{field}\": {}",
                    self.message
                )
            }
            (Some((n, id)), None) => write!(f, "question {n} (\"{id}\"): {}", self.message),
            (None, Some(field)) => write!(f, "field \"{field}\": {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

fn survey_error(field: &str, message: impl Into<String>) -> DefinitionError {
    DefinitionError {
        question: None,
        field: Some(field.into()),
        message: message.into(),
    }
}

/// Where in a survey an error is: question `index` (from 0) with its id.
struct At<'a> {
    index: usize,
    id: &'a str,
}

impl At<'_> {
    fn error(&self, field: &str, message: impl Into<String>) -> DefinitionError {
        DefinitionError {
            question: Some((self.index + 1, self.id.to_owned())),
            field: (!field.is_empty()).then(|| field.to_owned()),
            message: message.into(),
        }
    }
}

/// Reads and checks a survey file. Syntax errors give the line and column; a question that does
/// not fit the format names itself and the field; then [`validate`] checks the whole.
pub fn parse(json: &str) -> Result<Survey, DefinitionError> {
    let value: Value = serde_json::from_str(json).map_err(|e| DefinitionError {
        question: None,
        field: None,
        message: format!(
            "line {}, column {}: the file is not valid JSON ({})",
            e.line(),
            e.column(),
            plain_serde(&e.to_string())
        ),
    })?;
    let Some(object) = value.as_object() else {
        return Err(survey_error("", "a survey file holds one JSON object"));
    };
    // Questions one at a time, so an error says which.
    if let Some(Value::Array(questions)) = object.get("questions") {
        for (index, question) in questions.iter().enumerate() {
            let id = question.get("id").and_then(Value::as_str).unwrap_or("?");
            if let Err(e) = serde_json::from_value::<Question>(question.clone()) {
                let message = plain_serde(&e.to_string());
                let at = At { index, id };
                let field = field_named_in(&message).unwrap_or_default().to_owned();
                return Err(at.error(&field, message));
            }
        }
    }
    let survey: Survey = serde_json::from_value(value).map_err(|e| {
        let message = plain_serde(&e.to_string());
        DefinitionError {
            question: None,
            field: field_named_in(&message).map(str::to_owned),
            message,
        }
    })?;
    validate(&survey)?;
    Ok(survey)
}

/// The JSON Schema of the survey format, as `docs/survey-format.schema.json` holds it.
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Survey)).unwrap_or(Value::Null)
}

/// The survey as a file: the format [`parse`] reads back to the same survey.
pub fn to_json(survey: &Survey) -> String {
    serde_json::to_string_pretty(survey).unwrap_or_default()
}

/// serde's words, without the position it appends (the caller says where).
fn plain_serde(message: &str) -> String {
    match message.find(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message.to_owned(),
    }
}

/// The field a serde message is about (`missing field `text``, `unknown field `optons``).
fn field_named_in(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(&message[start..end])
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && id != END
}

/// Checks a survey as a whole: ids, what each type needs and refuses, logic that refers only
/// to earlier questions and jumps only forward, piping of earlier answers.
pub fn validate(survey: &Survey) -> Result<(), DefinitionError> {
    if survey.format != FORMAT {
        return Err(survey_error(
            "format",
            format!("expected \"{FORMAT}\", found \"{}\"", survey.format),
        ));
    }
    if survey.version != FORMAT_VERSION {
        return Err(survey_error(
            "version",
            format!(
                "this app reads version {FORMAT_VERSION} of the format, the file is version {}",
                survey.version
            ),
        ));
    }
    if survey.title.trim().is_empty() {
        return Err(survey_error("title", "a survey needs a title"));
    }
    if survey.questions.is_empty() {
        return Err(survey_error(
            "questions",
            "a survey needs at least one question",
        ));
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, question) in survey.questions.iter().enumerate() {
        let at = At {
            index,
            id: &question.id,
        };
        if !valid_id(&question.id) {
            return Err(at.error(
                "id",
                "an id is 1 to 64 letters, digits, _ or -, and not \"end\"",
            ));
        }
        if let Some(first) = seen.insert(&question.id, index) {
            return Err(at.error(
                "id",
                format!("the id is already used by question {}", first + 1),
            ));
        }
        check_question(survey, question, &at)?;
    }
    Ok(())
}

fn check_question(survey: &Survey, q: &Question, at: &At<'_>) -> Result<(), DefinitionError> {
    let kind = q.kind.as_str();
    if q.text.trim().is_empty() {
        return Err(at.error("text", "the question has no text"));
    }
    // Fields that do not apply to the type.
    let refuse = |field: &str, present: bool| -> Result<(), DefinitionError> {
        if present {
            Err(at.error(field, format!("does not apply to {kind} questions")))
        } else {
            Ok(())
        }
    };
    refuse("options", !q.kind.takes_options() && !q.options.is_empty())?;
    refuse("randomize", !q.kind.takes_options() && q.randomize)?;
    refuse(
        "max_choices",
        q.kind != QuestionType::MultipleChoice && q.max_choices.is_some(),
    )?;
    refuse("points", !q.kind.takes_scale() && q.points.is_some())?;
    refuse("labels", !q.kind.takes_scale() && !q.labels.is_empty())?;
    refuse("anchors", !q.kind.takes_scale() && !q.anchors.is_empty())?;
    refuse("rows", q.kind != QuestionType::Matrix && !q.rows.is_empty())?;
    let numeric = q.kind == QuestionType::Numeric;
    refuse("min", !numeric && q.min.is_some())?;
    refuse("max", !numeric && q.max.is_some())?;
    refuse("unit", !numeric && q.unit.is_some())?;

    if q.kind.takes_options() {
        check_choices(&q.options, "options", at)?;
        if q.options.iter().all(|o| o.anchored) && q.randomize {
            return Err(at.error(
                "randomize",
                "every option is anchored, so there is nothing to shuffle",
            ));
        }
    }
    if let Some(most) = q.max_choices
        && (most == 0 || most as usize > q.options.len())
    {
        return Err(at.error(
            "max_choices",
            format!("must be 1 to {} (the number of options)", q.options.len()),
        ));
    }
    if q.kind.takes_scale() {
        let points = match q.points {
            Some(p @ (5 | 7)) => p as usize,
            Some(other) => {
                return Err(at.error("points", format!("a scale has 5 or 7 points, not {other}")));
            }
            None => return Err(at.error("points", "a scale needs its points: 5 or 7")),
        };
        if q.labels.len() != points && q.labels.len() != 2 {
            return Err(at.error(
                "labels",
                format!(
                    "give a label for each of the {points} points, or two (the lowest and the highest); found {}",
                    q.labels.len()
                ),
            ));
        }
        if let Some(blank) = q.labels.iter().position(|l| l.trim().is_empty()) {
            return Err(at.error("labels", format!("label {} is empty", blank + 1)));
        }
        for (n, set) in q.anchors.iter().enumerate() {
            if set.len() != points || set.iter().any(|s| s.trim().is_empty()) {
                return Err(at.error(
                    "anchors",
                    format!(
                        "anchor set {} needs {points} statements, one per point, none empty",
                        n + 1
                    ),
                ));
            }
        }
    }
    if q.kind == QuestionType::Matrix {
        check_choices(&q.rows, "rows", at)?;
    }
    if numeric {
        for (field, bound) in [("min", q.min), ("max", q.max)] {
            if bound.is_some_and(|b| !b.is_finite()) {
                return Err(at.error(field, "must be a number"));
            }
        }
        if let (Some(low), Some(high)) = (q.min, q.max)
            && low >= high
        {
            return Err(at.error("max", format!("must be above min ({low})")));
        }
    }
    let earlier = &survey.questions[..at.index];
    for piped in piped_ids(&q.text) {
        let Some(source) = earlier.iter().position(|e| e.id == piped) else {
            return Err(at.error(
                "text",
                format!("{{{{{piped}}}}} pipes an answer, but no earlier question has the id \"{piped}\""),
            ));
        };
        if earlier[source].kind == QuestionType::Matrix {
            return Err(at.error(
                "text",
                format!("{{{{{piped}}}}} pipes a matrix, whose answer is a row of points and reads as no words"),
            ));
        }
        // A respondent must never read "(no answer)" in a question: pipe only what every
        // respondent who sees this question was asked.
        let guarded = q
            .display_if
            .as_ref()
            .is_some_and(|condition| requires_answer(condition, &piped));
        if !always_reached(survey, source) && !guarded {
            return Err(at.error(
                "text",
                format!(
                    "{{{{{piped}}}}} pipes a question not every respondent reaches; show this one only when it was answered (\"display_if\": {{\"answered\": \"{piped}\"}})"
                ),
            ));
        }
    }
    if let Some(condition) = &q.display_if {
        check_condition(condition, earlier, "display_if", at)?;
    }
    let answered_so_far = &survey.questions[..=at.index];
    for (n, rule) in q.skip.iter().enumerate() {
        let field = format!("skip[{n}]");
        check_condition(&rule.when, answered_so_far, &field, at)?;
        if rule.to != END {
            match survey
                .questions
                .iter()
                .position(|other| other.id == rule.to)
            {
                Some(target) if target > at.index + 1 => {}
                Some(target) if target == at.index + 1 => {
                    return Err(at.error(
                        &format!("{field}.to"),
                        format!("\"{}\" is the next question anyway", rule.to),
                    ));
                }
                Some(_) => {
                    return Err(at.error(
                        &format!("{field}.to"),
                        format!(
                            "\"{}\" comes before this question: a skip only jumps ahead",
                            rule.to
                        ),
                    ));
                }
                None => {
                    return Err(at.error(
                        &format!("{field}.to"),
                        format!(
                            "no question has the id \"{}\" (use \"{END}\" to end the survey)",
                            rule.to
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether every respondent is shown question `index`: it has no display condition and no
/// earlier skip rule can jump over it.
pub fn always_reached(survey: &Survey, index: usize) -> bool {
    if survey.questions[index].display_if.is_some() {
        return false;
    }
    !survey.questions[..index]
        .iter()
        .enumerate()
        .any(|(from, q)| {
            q.skip.iter().any(|rule| {
                let to = match rule.to.as_str() {
                    END => survey.questions.len(),
                    id => survey
                        .questions
                        .iter()
                        .position(|other| other.id == id)
                        .unwrap_or(from + 1),
                };
                from < index && index < to
            })
        })
}

/// Whether a condition can hold only if `id` was answered: it tests `id` itself, or all of
/// its parts include such a test.
fn requires_answer(condition: &Condition, id: &str) -> bool {
    condition.answered.as_deref() == Some(id)
        || condition.question.as_deref() == Some(id)
        || condition
            .all
            .as_ref()
            .is_some_and(|all| all.iter().any(|c| requires_answer(c, id)))
        || condition
            .any
            .as_ref()
            .is_some_and(|any| !any.is_empty() && any.iter().all(|c| requires_answer(c, id)))
}

fn check_choices(choices: &[Choice], field: &str, at: &At<'_>) -> Result<(), DefinitionError> {
    if choices.len() < 2 {
        return Err(at.error(field, "needs at least two"));
    }
    let mut ids = BTreeSet::new();
    for (n, choice) in choices.iter().enumerate() {
        if !valid_id(&choice.id) {
            return Err(at.error(
                &format!("{field}[{n}].id"),
                "an id is 1 to 64 letters, digits, _ or -",
            ));
        }
        if !ids.insert(choice.id.as_str()) {
            return Err(at.error(
                &format!("{field}[{n}].id"),
                format!("\"{}\" is used twice", choice.id),
            ));
        }
        if choice.label.trim().is_empty() {
            return Err(at.error(&format!("{field}[{n}].label"), "is empty"));
        }
    }
    Ok(())
}

fn check_condition(
    condition: &Condition,
    earlier: &[Question],
    field: &str,
    at: &At<'_>,
) -> Result<(), DefinitionError> {
    let forms = [
        condition.answered.is_some(),
        condition.question.is_some(),
        condition.all.is_some(),
        condition.any.is_some(),
        condition.not.is_some(),
    ]
    .iter()
    .filter(|&&present| present)
    .count();
    if forms != 1 {
        return Err(at.error(
            field,
            "a condition is one of: answered, question (with chose, at_least or at_most), all, any, not",
        ));
    }
    let find = |id: &str| earlier.iter().find(|q| q.id == id);
    if let Some(id) = &condition.answered {
        if find(id).is_none() {
            return Err(at.error(field, format!("\"{id}\" is not an earlier question")));
        }
        if condition.chose.is_some() || condition.at_least.is_some() || condition.at_most.is_some()
        {
            return Err(at.error(field, "\"answered\" takes no other test"));
        }
    }
    if let Some(id) = &condition.question {
        let Some(target) = find(id) else {
            return Err(at.error(field, format!("\"{id}\" is not an earlier question")));
        };
        let tests = [
            condition.chose.is_some(),
            condition.at_least.is_some() || condition.at_most.is_some(),
        ];
        if tests.iter().filter(|&&t| t).count() != 1 {
            return Err(at.error(
                field,
                "a test on a question is either chose, or at_least and/or at_most",
            ));
        }
        if let Some(chose) = &condition.chose {
            if !matches!(
                target.kind,
                QuestionType::SingleChoice | QuestionType::MultipleChoice
            ) {
                return Err(at.error(
                    field,
                    format!(
                        "\"chose\" tests a choice question; \"{id}\" is {}",
                        target.kind.as_str()
                    ),
                ));
            }
            if let Some(unknown) = chose
                .iter()
                .find(|c| !target.options.iter().any(|o| &o.id == *c))
            {
                return Err(at.error(field, format!("\"{id}\" has no option \"{unknown}\"")));
            }
        } else if !matches!(
            target.kind,
            QuestionType::Likert | QuestionType::Nps | QuestionType::Numeric
        ) {
            return Err(at.error(
                field,
                format!(
                    "at_least and at_most test a likert, nps or numeric question; \"{id}\" is {}",
                    target.kind.as_str()
                ),
            ));
        } else {
            // A bound outside what the question can be answered with makes a test that always
            // or never holds: a mistake, not logic.
            let (low, high) = match target.kind {
                QuestionType::Likert => (1.0, f64::from(target.points.unwrap_or(5))),
                QuestionType::Nps => (0.0, 10.0),
                _ => (
                    target.min.unwrap_or(f64::NEG_INFINITY),
                    target.max.unwrap_or(f64::INFINITY),
                ),
            };
            for bound in [condition.at_least, condition.at_most]
                .into_iter()
                .flatten()
            {
                if !bound.is_finite() || bound < low || bound > high {
                    return Err(at.error(
                        field,
                        format!("{bound} is outside what \"{id}\" can be answered with ({low} to {high})"),
                    ));
                }
            }
            if let (Some(least), Some(most)) = (condition.at_least, condition.at_most)
                && least > most
            {
                return Err(at.error(
                    field,
                    format!(
                        "at_least ({least}) is above at_most ({most}): the test can never hold"
                    ),
                ));
            }
        }
    } else if condition.chose.is_some()
        || condition.at_least.is_some()
        || condition.at_most.is_some()
    {
        return Err(at.error(field, "chose, at_least and at_most need a \"question\""));
    }
    for list in [&condition.all, &condition.any].into_iter().flatten() {
        if list.is_empty() {
            return Err(at.error(field, "all and any need at least one condition"));
        }
        for inner in list {
            check_condition(inner, earlier, field, at)?;
        }
    }
    if let Some(inner) = &condition.not {
        check_condition(inner, earlier, field, at)?;
    }
    Ok(())
}

/// Why an answer does not fit its question: what a structured answer's repair round is told,
/// and, failing that, the reason recorded with the item non-response.
pub fn check_answer(question: &Question, answer: &Answer) -> Result<(), String> {
    let known = |id: &String| question.options.iter().any(|o| &o.id == id);
    match (question.kind, answer) {
        (_, Answer::NonResponse) => Ok(()),
        (QuestionType::SingleChoice, Answer::Choice(id)) => known(id)
            .then_some(())
            .ok_or(format!("\"{id}\" is not one of the options")),
        (QuestionType::MultipleChoice, Answer::Choices(ids)) => {
            let distinct: BTreeSet<&String> = ids.iter().collect();
            if ids.is_empty() {
                Err("no option was chosen".to_owned())
            } else if let Some(unknown) = ids.iter().find(|id| !known(id)) {
                Err(format!("\"{unknown}\" is not one of the options"))
            } else if distinct.len() != ids.len() {
                Err("an option was chosen twice".to_owned())
            } else if question
                .max_choices
                .is_some_and(|most| ids.len() > most as usize)
            {
                Err(format!(
                    "{} options chosen, at most {} allowed",
                    ids.len(),
                    question.max_choices.unwrap_or_default()
                ))
            } else {
                Ok(())
            }
        }
        (QuestionType::Likert, Answer::Point(point)) => {
            let points = question.points.unwrap_or(5);
            (1..=points)
                .contains(point)
                .then_some(())
                .ok_or(format!("{point} is not a point of a {points}-point scale"))
        }
        (QuestionType::Nps, Answer::Score(score)) => (*score <= 10)
            .then_some(())
            .ok_or(format!("{score} is not a score from 0 to 10")),
        (QuestionType::Numeric, Answer::Number(n)) => {
            if !n.is_finite() {
                Err("the answer is not a number".to_owned())
            } else if question.min.is_some_and(|low| *n < low)
                || question.max.is_some_and(|high| *n > high)
            {
                Err(format!(
                    "{n} is outside {} to {}",
                    question.min.map_or("any".to_owned(), |v| v.to_string()),
                    question.max.map_or("any".to_owned(), |v| v.to_string())
                ))
            } else {
                Ok(())
            }
        }
        (QuestionType::Ranking, Answer::Ranking(ids)) => {
            let ranked: BTreeSet<&String> = ids.iter().collect();
            let options: BTreeSet<&String> = question.options.iter().map(|o| &o.id).collect();
            (ranked == options && ids.len() == options.len())
                .then_some(())
                .ok_or("a ranking orders every option exactly once".to_owned())
        }
        (QuestionType::Matrix, Answer::Points(points)) => {
            let scale = question.points.unwrap_or(5);
            if points.len() != question.rows.len() {
                Err(format!(
                    "{} rows rated, the matrix has {}",
                    points.len(),
                    question.rows.len()
                ))
            } else if let Some(bad) = points.iter().find(|p| !(1..=scale).contains(*p)) {
                Err(format!("{bad} is not a point of a {scale}-point scale"))
            } else {
                Ok(())
            }
        }
        (QuestionType::Open, Answer::Text(text)) => (!text.trim().is_empty())
            .then_some(())
            .ok_or("the answer is empty".to_owned()),
        (kind, _) => Err(format!(
            "not the kind of answer {} questions take",
            kind.as_str()
        )),
    }
}

/// Whether a condition holds for the answers so far. A question not answered (not shown, or
/// no answer could be had) meets no test but `not`.
pub fn holds(condition: &Condition, answers: &BTreeMap<String, Answer>) -> bool {
    if let Some(id) = &condition.answered {
        return answers
            .get(id)
            .is_some_and(|a| !matches!(a, Answer::NonResponse));
    }
    if let Some(id) = &condition.question {
        let Some(answer) = answers.get(id) else {
            return false;
        };
        if let Some(chose) = &condition.chose {
            return match answer {
                Answer::Choice(c) => chose.contains(c),
                Answer::Choices(cs) => cs.iter().any(|c| chose.contains(c)),
                _ => false,
            };
        }
        let value = match answer {
            Answer::Point(p) | Answer::Score(p) => f64::from(*p),
            Answer::Number(n) => *n,
            _ => return false,
        };
        return condition.at_least.is_none_or(|low| value >= low)
            && condition.at_most.is_none_or(|high| value <= high);
    }
    if let Some(all) = &condition.all {
        return all.iter().all(|c| holds(c, answers));
    }
    if let Some(any) = &condition.any {
        return any.iter().any(|c| holds(c, answers));
    }
    if let Some(inner) = &condition.not {
        return !holds(inner, answers);
    }
    false
}

/// One step of a respondent's way through a survey.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The question's index.
    pub question: usize,
    /// Shown (and answered), or passed over and why.
    pub shown: bool,
    pub reason: Option<String>,
}

/// The way one respondent goes through a survey: each question is shown if its `display_if`
/// holds, `answer` gives the answer to each question shown, and after each answer the first
/// skip rule that holds jumps ahead (questions jumped over are passed over, with the reason).
pub fn walk(
    survey: &Survey,
    mut answer: impl FnMut(usize, &Question, &BTreeMap<String, Answer>) -> Answer,
) -> (Vec<Step>, BTreeMap<String, Answer>) {
    let mut answers = BTreeMap::new();
    let mut steps = Vec::with_capacity(survey.questions.len());
    let mut index = 0;
    while let Some(question) = survey.questions.get(index) {
        if let Some(condition) = &question.display_if
            && !holds(condition, &answers)
        {
            steps.push(Step {
                question: index,
                shown: false,
                reason: Some("its display condition does not hold".into()),
            });
            index += 1;
            continue;
        }
        let given = answer(index, question, &answers);
        answers.insert(question.id.clone(), given);
        steps.push(Step {
            question: index,
            shown: true,
            reason: None,
        });
        let jump = question
            .skip
            .iter()
            .find(|rule| holds(&rule.when, &answers));
        let next = match jump {
            Some(rule) if rule.to == END => survey.questions.len(),
            Some(rule) => survey
                .questions
                .iter()
                .position(|q| q.id == rule.to)
                .unwrap_or(index + 1),
            None => index + 1,
        };
        for skipped in index + 1..next {
            steps.push(Step {
                question: skipped,
                shown: false,
                reason: Some(format!("skipped by a rule of \"{}\"", question.id)),
            });
        }
        index = next;
    }
    (steps, answers)
}

/// The survey split where its logic needs an answer: a block ends after a question with skip
/// rules, and before a question whose display condition or piping reads an answer given in the
/// same block. The questions of one block can be answered in one call; the next block is asked
/// once the answers it depends on are in.
pub fn blocks(survey: &Survey) -> Vec<Vec<usize>> {
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for (index, question) in survey.questions.iter().enumerate() {
        let in_block: BTreeSet<&str> = current
            .iter()
            .map(|&i| survey.questions[i].id.as_str())
            .collect();
        let mut reads: BTreeSet<String> = piped_ids(&question.text).into_iter().collect();
        if let Some(condition) = &question.display_if {
            condition_reads(condition, &mut reads);
        }
        if reads.iter().any(|id| in_block.contains(id.as_str())) && !current.is_empty() {
            blocks.push(std::mem::take(&mut current));
        }
        current.push(index);
        if !question.skip.is_empty() {
            blocks.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

fn condition_reads(condition: &Condition, into: &mut BTreeSet<String>) {
    into.extend(condition.answered.iter().cloned());
    into.extend(condition.question.iter().cloned());
    for list in [&condition.all, &condition.any].into_iter().flatten() {
        for inner in list {
            condition_reads(inner, into);
        }
    }
    if let Some(inner) = &condition.not {
        condition_reads(inner, into);
    }
}

/// The ids a text pipes in with `{{id}}`, in order.
pub fn piped_ids(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            break;
        };
        // Taken as written: `{{ q1 }}` names no question (ids have no spaces), so validation
        // refuses it rather than a respondent seeing the braces.
        ids.push(after[..end].to_owned());
        rest = &after[end + 2..];
    }
    ids
}

/// A question's text with earlier answers piped in: a choice by its label, several joined with
/// "and", a scale point by its label when it has one, a number as written, text as given. An
/// answer that could not be had reads "(no answer)".
pub fn piped_text(
    survey: &Survey,
    question: &Question,
    answers: &BTreeMap<String, Answer>,
) -> String {
    let mut text = question.text.clone();
    for id in piped_ids(&question.text) {
        let source = survey.questions.iter().find(|q| q.id == id);
        let words = match (source, answers.get(&id)) {
            (Some(source), Some(answer)) => answer_words(source, answer),
            _ => "(no answer)".to_owned(),
        };
        text = text.replace(&format!("{{{{{id}}}}}"), &words);
    }
    text
}

/// An answer in words, as a respondent would read it back.
pub fn answer_words(question: &Question, answer: &Answer) -> String {
    let label = |id: &str| {
        question
            .options
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_owned(), |o| o.label.clone())
    };
    match answer {
        Answer::Choice(id) => label(id),
        Answer::Choices(ids) | Answer::Ranking(ids) => {
            let labels: Vec<String> = ids.iter().map(|id| label(id)).collect();
            join_and(&labels)
        }
        Answer::Point(point) => {
            let points = usize::from(question.points.unwrap_or(5));
            match question.labels.len() == points {
                true => question
                    .labels
                    .get(usize::from(*point).saturating_sub(1))
                    .cloned()
                    .unwrap_or_else(|| point.to_string()),
                false => format!("{point} of {points}"),
            }
        }
        Answer::Score(score) => format!("{score} out of 10"),
        Answer::Number(n) => match &question.unit {
            Some(unit) => format!("{n} {unit}"),
            None => n.to_string(),
        },
        Answer::Points(points) => points
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        Answer::Text(text) => text.clone(),
        Answer::NonResponse => "(no answer)".to_owned(),
    }
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The order a respondent sees a question's options in, as indices into `options`. Shuffled
/// when the question says so, by a stream seeded from the survey's seed, the respondent and the
/// question (the same respondent always sees the same order); `reversed` turns the order round
/// for the split-half test of order effects. Anchored options keep their places at the end.
pub fn option_order(
    question: &Question,
    index: usize,
    seed: u64,
    respondent: u64,
    reversed: bool,
) -> Vec<usize> {
    let (mut moving, anchored): (Vec<usize>, Vec<usize>) =
        (0..question.options.len()).partition(|&i| !question.options[i].anchored);
    if question.randomize {
        let mut rng = ChaCha8Rng::seed_from_u64(
            seed ^ respondent.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (index as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9),
        );
        moving.shuffle(&mut rng);
    }
    if reversed {
        moving.reverse();
    }
    moving.extend(anchored);
    moving
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(id: &str, label: &str) -> Choice {
        Choice {
            id: id.into(),
            label: label.into(),
            anchored: false,
        }
    }

    const EXAMPLE: &str = r#"{
      "format": "profitwheel-survey",
      "version": 1,
      "title": "Gift box concept",
      "questions": [
        { "id": "aware", "type": "single_choice", "text": "Had you heard of Halcyon Roasters?",
          "options": [ { "id": "yes", "label": "Yes" }, { "id": "no", "label": "No" } ],
          "skip": [ { "if": { "question": "aware", "chose": ["no"] }, "to": "intent" } ] },
        { "id": "liking", "type": "likert", "text": "How much do you like the brand?", "points": 5,
          "labels": ["Not at all", "Very much"] },
        { "id": "why", "type": "open", "text": "Why do you rate it {{liking}}?",
          "display_if": { "question": "liking", "at_least": 4 } },
        { "id": "intent", "type": "likert", "text": "How likely are you to buy the gift box?", "points": 5,
          "labels": ["Very unlikely", "Unlikely", "Not sure", "Likely", "Very likely"] },
        { "id": "nps", "type": "nps", "text": "How likely are you to recommend it to a friend?" },
        { "id": "flavours", "type": "multiple_choice", "text": "Which flavours would you want?", "randomize": true,
          "max_choices": 2,
          "options": [ { "id": "choc", "label": "Chocolate" }, { "id": "fruit", "label": "Fruity" },
                       { "id": "nut", "label": "Nutty" }, { "id": "none", "label": "None of these", "anchored": true } ] },
        { "id": "spend", "type": "numeric", "text": "What would you pay for it?", "min": 0, "max": 200, "unit": "dollars" },
        { "id": "rank", "type": "ranking", "text": "Rank these", "options": [ { "id": "a", "label": "Price" }, { "id": "b", "label": "Taste" } ] },
        { "id": "grid", "type": "matrix", "text": "Rate each", "points": 7, "labels": ["Poor", "Excellent"],
          "rows": [ { "id": "pack", "label": "Packaging" }, { "id": "beans", "label": "Beans" } ] }
      ]
    }"#;

    #[test]
    fn the_example_reads_and_writes_back_to_the_same_survey() {
        let survey = parse(EXAMPLE).unwrap();
        assert_eq!(survey.questions.len(), 9);
        assert_eq!(parse(&to_json(&survey)).unwrap(), survey);
    }

    fn error_of(json: &str) -> String {
        parse(json).unwrap_err().to_string()
    }

    fn with_question(question: &str) -> String {
        format!(
            r#"{{"format": "profitwheel-survey", "version": 1, "title": "T", "questions": [
              {{ "id": "q1", "type": "single_choice", "text": "Pick", "options": [{{"id": "a", "label": "A"}}, {{"id": "b", "label": "B"}}] }},
              {question} ]}}"#
        )
    }

    #[test]
    fn an_error_names_the_question_and_the_field() {
        assert_eq!(
            error_of(&with_question(
                r#"{ "id": "q2", "type": "likert", "text": "Rate", "points": 6, "labels": ["a", "b"] }"#
            )),
            "question 2 (\"q2\"), field \"points\": a scale has 5 or 7 points, not 6"
        );
        assert_eq!(
            error_of(&with_question(
                r#"{ "id": "q2", "type": "open", "text": "Say", "optons": [] }"#
            )),
            "question 2 (\"q2\"), field \"optons\": unknown field `optons`, expected one of `id`, `type`, `text`, `options`, `randomize`, `max_choices`, `points`, `labels`, `anchors`, `rows`, `min`, `max`, `unit`, `display_if`, `skip`"
        );
        assert_eq!(
            error_of(&with_question(
                r#"{ "id": "q2", "type": "numeric", "text": "How many?", "options": [{"id": "a", "label": "A"}] }"#
            )),
            "question 2 (\"q2\"), field \"options\": does not apply to numeric questions"
        );
        assert_eq!(
            error_of(&with_question(r#"{ "id": "q2", "type": "open" }"#)),
            "question 2 (\"q2\"), field \"text\": missing field `text`"
        );
        assert_eq!(
            error_of(&with_question(
                r#"{ "id": "q1", "type": "open", "text": "Again" }"#
            )),
            "question 2 (\"q1\"), field \"id\": the id is already used by question 1"
        );
        assert_eq!(
            error_of(&with_question(
                r#"{ "id": "q2", "type": "open", "text": "Why {{q3}}?" }"#
            )),
            "question 2 (\"q2\"), field \"text\": {{q3}} pipes an answer, but no earlier question has the id \"q3\""
        );
        assert_eq!(
            error_of("{\"format\": \"profitwheel-survey\",\n  \"title\": }"),
            "line 2, column 12: the file is not valid JSON (expected value)"
        );
        assert_eq!(
            error_of(
                r#"{"format": "profitwheel-survey", "version": 2, "title": "T", "questions": []}"#
            ),
            "field \"version\": this app reads version 1 of the format, the file is version 2"
        );
    }

    #[test]
    fn logic_refers_to_earlier_questions_and_jumps_only_ahead() {
        assert_eq!(
            error_of(&with_question(
                r#"{ "id": "q2", "type": "open", "text": "Why?", "display_if": { "question": "q9", "chose": ["a"] } }"#
            )),
            "question 2 (\"q2\"), field \"display_if\": \"q9\" is not an earlier question"
        );
        assert_eq!(
            error_of(&with_question(
                r#"{ "id": "q2", "type": "open", "text": "Why?", "display_if": { "question": "q1", "chose": ["z"] } }"#
            )),
            "question 2 (\"q2\"), field \"display_if\": \"q1\" has no option \"z\""
        );
        assert_eq!(
            error_of(&with_question(
                r#"{ "id": "q2", "type": "open", "text": "Why?", "display_if": { "question": "q1", "at_least": 2 } }"#
            )),
            "question 2 (\"q2\"), field \"display_if\": at_least and at_most test a likert, nps or numeric question; \"q1\" is single_choice"
        );
        assert_eq!(
            error_of(&with_question(
                r#"{ "id": "q2", "type": "open", "text": "Why?", "skip": [ { "if": { "answered": "q2" }, "to": "q1" } ] }"#
            )),
            "question 2 (\"q2\"), field \"skip[0].to\": \"q1\" comes before this question: a skip only jumps ahead"
        );
        assert_eq!(
            error_of(&with_question(
                r#"{ "id": "q2", "type": "open", "text": "Why?", "display_if": { "answered": "q1", "question": "q1" } }"#
            )),
            "question 2 (\"q2\"), field \"display_if\": a condition is one of: answered, question (with chose, at_least or at_most), all, any, not"
        );
    }

    #[test]
    fn piping_and_ranges_are_checked_against_what_respondents_can_see_and_say() {
        assert_eq!(
            error_of(&with_question(
                r#"{ "id": "q2", "type": "open", "text": "Why {{ q1 }}?" }"#
            )),
            "question 2 (\"q2\"), field \"text\": {{ q1 }} pipes an answer, but no earlier question has the id \" q1 \""
        );
        let rated = r#"{ "id": "q2", "type": "likert", "text": "Rate", "points": 5, "labels": ["Low", "High"] }"#;
        let survey = |third: &str| with_question(&format!("{rated}, {third}"));
        assert_eq!(
            error_of(&survey(
                r#"{ "id": "q3", "type": "open", "text": "Why?", "display_if": { "question": "q2", "at_least": 6 } }"#
            )),
            "question 3 (\"q3\"), field \"display_if\": 6 is outside what \"q2\" can be answered with (1 to 5)"
        );
        assert_eq!(
            error_of(&survey(
                r#"{ "id": "q3", "type": "open", "text": "Why?", "display_if": { "question": "q2", "at_least": 4, "at_most": 2 } }"#
            )),
            "question 3 (\"q3\"), field \"display_if\": at_least (4) is above at_most (2): the test can never hold"
        );
        // Piping a question only some respondents see needs a guard on the piping question.
        let sometimes = r#"{ "id": "q3", "type": "open", "text": "Why?", "display_if": { "question": "q2", "at_least": 4 } }"#;
        assert_eq!(
            error_of(&with_question(&format!(
                "{rated}, {sometimes}, {{ \"id\": \"q4\", \"type\": \"open\", \"text\": \"You said {{{{q3}}}}?\" }}"
            ))),
            "question 4 (\"q4\"), field \"text\": {{q3}} pipes a question not every respondent reaches; show this one only when it was answered (\"display_if\": {\"answered\": \"q3\"})"
        );
        let guarded = format!(
            "{rated}, {sometimes}, {{ \"id\": \"q4\", \"type\": \"open\", \"text\": \"You said {{{{q3}}}}?\", \"display_if\": {{ \"answered\": \"q3\" }} }}"
        );
        assert!(parse(&with_question(&guarded)).is_ok());
    }

    #[test]
    fn a_walk_follows_the_display_and_skip_logic() {
        let survey = parse(EXAMPLE).unwrap();
        // Unaware respondents jump to the purchase intent.
        let (steps, answers) = walk(&survey, |_, q, _| match q.id.as_str() {
            "aware" => Answer::Choice("no".into()),
            _ => Answer::NonResponse,
        });
        let shown: Vec<&str> = steps
            .iter()
            .filter(|s| s.shown)
            .map(|s| survey.questions[s.question].id.as_str())
            .collect();
        assert_eq!(
            shown,
            [
                "aware", "intent", "nps", "flavours", "spend", "rank", "grid"
            ]
        );
        assert_eq!(
            steps[1].reason.as_deref(),
            Some("skipped by a rule of \"aware\"")
        );
        assert!(!answers.contains_key("liking"));
        // Aware and liking it: asked why, with the liking piped in by its label.
        let mut asked_why = String::new();
        let (steps, _) = walk(&survey, |_, q, so_far| match q.id.as_str() {
            "aware" => Answer::Choice("yes".into()),
            "liking" => Answer::Point(4),
            "why" => {
                asked_why = piped_text(&survey, q, so_far);
                Answer::Text("The beans".into())
            }
            _ => Answer::NonResponse,
        });
        assert!(steps.iter().all(|s| s.shown), "{steps:?}");
        // Two labels on a 5-point scale: the point reads as "4 of 5".
        assert_eq!(asked_why, "Why do you rate it 4 of 5?");
        // Aware but lukewarm: the open question is not displayed.
        let (steps, _) = walk(&survey, |_, q, _| match q.id.as_str() {
            "aware" => Answer::Choice("yes".into()),
            "liking" => Answer::Point(2),
            _ => Answer::NonResponse,
        });
        assert_eq!(
            steps[2].reason.as_deref(),
            Some("its display condition does not hold")
        );
    }

    #[test]
    fn conditions_combine_and_an_unanswered_question_meets_no_test() {
        let mut answers = BTreeMap::new();
        answers.insert(
            "q1".to_owned(),
            Answer::Choices(vec!["a".into(), "c".into()]),
        );
        answers.insert("q2".to_owned(), Answer::Score(9));
        let chose = |ids: &[&str]| Condition {
            question: Some("q1".into()),
            chose: Some(ids.iter().map(|s| s.to_string()).collect()),
            ..Condition::default()
        };
        let promoter = Condition {
            question: Some("q2".into()),
            at_least: Some(9.0),
            ..Condition::default()
        };
        assert!(holds(&chose(&["c"]), &answers));
        assert!(!holds(&chose(&["b"]), &answers));
        let both = Condition {
            all: Some(vec![chose(&["a"]), promoter.clone()]),
            ..Condition::default()
        };
        assert!(holds(&both, &answers));
        let neither = Condition {
            not: Some(Box::new(Condition {
                any: Some(vec![chose(&["b"]), promoter]),
                ..Condition::default()
            })),
            ..Condition::default()
        };
        assert!(!holds(&neither, &answers));
        let unanswered = Condition {
            question: Some("q3".into()),
            at_most: Some(100.0),
            ..Condition::default()
        };
        assert!(!holds(&unanswered, &answers));
        answers.insert("q3".to_owned(), Answer::NonResponse);
        let answered = Condition {
            answered: Some("q3".into()),
            ..Condition::default()
        };
        assert!(
            !holds(&answered, &answers),
            "a non-response is not an answer"
        );
    }

    #[test]
    fn blocks_break_where_logic_reads_an_answer() {
        let survey = parse(EXAMPLE).unwrap();
        // "aware" has a skip rule (ends a block); "why" reads "liking" (starts one); the rest
        // read nothing, so they travel together.
        assert_eq!(
            blocks(&survey),
            vec![vec![0], vec![1], vec![2, 3, 4, 5, 6, 7, 8]]
        );
    }

    #[test]
    fn options_shuffle_by_respondent_keep_anchors_last_and_reverse_for_the_order_test() {
        let survey = parse(EXAMPLE).unwrap();
        let flavours = &survey.questions[5];
        let first = option_order(flavours, 5, 42, 1, false);
        assert_eq!(
            first,
            option_order(flavours, 5, 42, 1, false),
            "the same respondent, the same order"
        );
        assert_eq!(*first.last().unwrap(), 3, "\"None of these\" stays last");
        let mut sorted = first.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0, 1, 2, 3]);
        // Across respondents the first option shown varies.
        let leads: BTreeSet<usize> = (0..40)
            .map(|r| option_order(flavours, 5, 42, r, false)[0])
            .collect();
        assert_eq!(leads, BTreeSet::from([0, 1, 2]));
        // Not randomised: the written order, or its reverse for the other half.
        let rank = &survey.questions[7];
        assert_eq!(option_order(rank, 7, 42, 1, false), vec![0, 1]);
        assert_eq!(option_order(rank, 7, 42, 1, true), vec![1, 0]);
        let reversed = option_order(flavours, 5, 42, 1, true);
        assert_eq!(
            reversed[..3],
            first[..3].iter().rev().copied().collect::<Vec<_>>()[..]
        );
    }

    #[test]
    fn an_answer_is_checked_against_its_question() {
        let survey = parse(EXAMPLE).unwrap();
        let q = |id: &str| survey.questions.iter().find(|q| q.id == id).unwrap();
        assert_eq!(
            check_answer(q("aware"), &Answer::Choice("yes".into())),
            Ok(())
        );
        assert_eq!(
            check_answer(q("aware"), &Answer::Choice("maybe".into())),
            Err("\"maybe\" is not one of the options".into())
        );
        assert_eq!(
            check_answer(
                q("flavours"),
                &Answer::Choices(vec!["choc".into(), "nut".into(), "fruit".into()])
            ),
            Err("3 options chosen, at most 2 allowed".into())
        );
        assert_eq!(
            check_answer(q("liking"), &Answer::Point(6)),
            Err("6 is not a point of a 5-point scale".into())
        );
        assert_eq!(check_answer(q("nps"), &Answer::Score(10)), Ok(()));
        assert_eq!(
            check_answer(q("spend"), &Answer::Number(250.0)),
            Err("250 is outside 0 to 200".into())
        );
        assert_eq!(
            check_answer(q("rank"), &Answer::Ranking(vec!["a".into(), "a".into()])),
            Err("a ranking orders every option exactly once".into())
        );
        assert_eq!(
            check_answer(q("rank"), &Answer::Ranking(vec!["b".into(), "a".into()])),
            Ok(())
        );
        assert_eq!(
            check_answer(q("grid"), &Answer::Points(vec![7])),
            Err("1 rows rated, the matrix has 2".into())
        );
        assert_eq!(
            check_answer(q("why"), &Answer::Score(3)),
            Err("not the kind of answer open questions take".into())
        );
        assert_eq!(check_answer(q("why"), &Answer::NonResponse), Ok(()));
    }

    #[test]
    fn answers_read_back_in_words() {
        let q = Question {
            id: "q".into(),
            kind: QuestionType::MultipleChoice,
            text: "Pick".into(),
            options: vec![
                choice("a", "Chocolate"),
                choice("b", "Fruity"),
                choice("c", "Nutty"),
            ],
            randomize: false,
            max_choices: None,
            points: None,
            labels: vec![],
            anchors: vec![],
            rows: vec![],
            min: None,
            max: None,
            unit: None,
            display_if: None,
            skip: vec![],
        };
        assert_eq!(
            answer_words(
                &q,
                &Answer::Choices(vec!["a".into(), "b".into(), "c".into()])
            ),
            "Chocolate, Fruity and Nutty"
        );
        assert_eq!(answer_words(&q, &Answer::Score(7)), "7 out of 10");
        assert_eq!(answer_words(&q, &Answer::NonResponse), "(no answer)");
    }
}
