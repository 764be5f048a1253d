//! The survey format's documentation holds: its example parses, its error example is the error
//! the app gives, and the committed JSON Schema is the one the types generate.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use pw_surveys::definition::{self, QuestionType};

const DOC: &str = include_str!("../../../../docs/survey-format.md");
const SCHEMA: &str = include_str!("../../../../docs/survey-format.schema.json");

fn fenced(language: &str) -> Vec<String> {
    let opening = format!("```{language}\n");
    DOC.split(&opening)
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap().to_owned())
        .collect()
}

#[test]
fn the_documented_example_parses_with_every_question_type() {
    let survey = definition::parse(&fenced("json")[0]).unwrap();
    for kind in [
        QuestionType::SingleChoice,
        QuestionType::MultipleChoice,
        QuestionType::Likert,
        QuestionType::Nps,
        QuestionType::Numeric,
        QuestionType::Ranking,
        QuestionType::Matrix,
        QuestionType::Open,
    ] {
        assert!(
            survey.questions.iter().any(|q| q.kind == kind),
            "the example has no {} question",
            kind.as_str()
        );
    }
}

#[test]
fn the_documented_error_is_the_one_the_app_gives() {
    let documented = fenced("text")[0].trim().to_owned();
    let file = r#"{"format": "profitwheel-survey", "version": 1, "title": "T", "questions": [
      { "id": "q1", "type": "open", "text": "Say" },
      { "id": "q2", "type": "likert", "text": "Rate", "points": 6, "labels": ["Low", "High"] } ]}"#;
    assert_eq!(definition::parse(file).unwrap_err().to_string(), documented);
}

#[test]
fn the_committed_schema_is_the_one_the_types_generate() {
    let committed: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    assert!(
        committed == definition::json_schema(),
        "docs/survey-format.schema.json is stale: run `cargo run -p pw-surveys --example survey-schema > docs/survey-format.schema.json`"
    );
}
