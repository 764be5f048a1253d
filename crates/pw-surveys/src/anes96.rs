//! The 1996 American National Election Study subset that statsmodels ships (944 people;
//! public domain), posed as a survey so the fidelity harness runs out of the box: six of its
//! questions, the columns they come from, and its age, education and income as the universe
//! synthetic respondents are drawn to. The codes are those of the file (statsmodels' and
//! R faraway's `nes96`): party identification 0 (strong Democrat) to 6 (strong Republican);
//! left-right placements 1 (extremely liberal) to 7 (extremely conservative); education 1 (8
//! years or less) to 7 (advanced degree); household income in 24 brackets from under $3,000
//! to $105,000 and over; vote 0 Clinton, 1 Dole.

use crate::universe::{AGE_BAND, Dimension, EDUCATION, INCOME};

/// Where the setup puts the file, under the reference data folder.
pub const FILE: &str = "anes96/anes96.csv";

/// Where the file and its targets come from, as the universe names them.
pub const SOURCE: &str = "ANES 1996 (statsmodels' subset of 944 respondents)";

/// The survey, in the format users import.
pub const SURVEY: &str = r#"{
  "format": "profitwheel-survey",
  "version": 1,
  "title": "1996 American National Election Study (subset)",
  "intro": "Questions about politics in the United States, asked in the autumn of 1996, before the presidential election between Bill Clinton and Bob Dole.",
  "questions": [
    { "id": "tv_news", "type": "numeric", "text": "How many days in the past week did you watch the news on TV?",
      "min": 0, "max": 7, "unit": "days" },
    { "id": "self_lr", "type": "likert", "points": 7,
      "text": "We hear a lot of talk these days about liberals and conservatives. Where would you place yourself, from extremely liberal to extremely conservative?",
      "labels": ["Extremely liberal", "Liberal", "Slightly liberal", "Moderate", "Slightly conservative", "Conservative", "Extremely conservative"],
      "anchors": [
        ["I'm about as liberal as anyone gets.", "I'm a liberal.", "I lean a little liberal.", "I'm in the middle of the road, a moderate.", "I lean a little conservative.", "I'm a conservative.", "I'm about as conservative as anyone gets."],
        ["Extremely liberal, on the far left.", "Liberal, on the left.", "Slightly left of center.", "Right in the center.", "Slightly right of center.", "Conservative, on the right.", "Extremely conservative, on the far right."]
      ] },
    { "id": "clinton_lr", "type": "likert", "points": 7,
      "text": "Where would you place Bill Clinton on the same scale, from extremely liberal to extremely conservative?",
      "labels": ["Extremely liberal", "Liberal", "Slightly liberal", "Moderate", "Slightly conservative", "Conservative", "Extremely conservative"],
      "anchors": [
        ["He's about as liberal as anyone gets.", "He's a liberal.", "He leans a little liberal.", "He's in the middle of the road, a moderate.", "He leans a little conservative.", "He's a conservative.", "He's about as conservative as anyone gets."],
        ["Extremely liberal, on the far left.", "Liberal, on the left.", "Slightly left of center.", "Right in the center.", "Slightly right of center.", "Conservative, on the right.", "Extremely conservative, on the far right."]
      ] },
    { "id": "dole_lr", "type": "likert", "points": 7,
      "text": "And where would you place Bob Dole on that scale?",
      "labels": ["Extremely liberal", "Liberal", "Slightly liberal", "Moderate", "Slightly conservative", "Conservative", "Extremely conservative"],
      "anchors": [
        ["He's about as liberal as anyone gets.", "He's a liberal.", "He leans a little liberal.", "He's in the middle of the road, a moderate.", "He leans a little conservative.", "He's a conservative.", "He's about as conservative as anyone gets."],
        ["Extremely liberal, on the far left.", "Liberal, on the left.", "Slightly left of center.", "Right in the center.", "Slightly right of center.", "Conservative, on the right.", "Extremely conservative, on the far right."]
      ] },
    { "id": "party", "type": "single_choice",
      "text": "Generally speaking, do you think of yourself as a Republican, a Democrat, an independent, or what?",
      "options": [
        { "id": "0", "label": "Strong Democrat" }, { "id": "1", "label": "Weak Democrat" },
        { "id": "2", "label": "Independent, leaning Democrat" }, { "id": "3", "label": "Independent" },
        { "id": "4", "label": "Independent, leaning Republican" }, { "id": "5", "label": "Weak Republican" },
        { "id": "6", "label": "Strong Republican" } ] },
    { "id": "vote", "type": "single_choice", "text": "Who do you expect to vote for in the presidential election this November?",
      "options": [ { "id": "0", "label": "Bill Clinton" }, { "id": "1", "label": "Bob Dole" } ] }
  ]
}"#;

/// Each question's column in the file.
pub const QUESTIONS: [(&str, &str); 6] = [
    ("tv_news", "TVnews"),
    ("self_lr", "selfLR"),
    ("clinton_lr", "ClinLR"),
    ("dole_lr", "DoleLR"),
    ("party", "PID"),
    ("vote", "vote"),
];

/// The dimensions the file's people fall in, each with its column; shares are filled from the
/// file (see [`crate::human::dimensions_of`]).
pub fn dimensions() -> Vec<(Dimension, &'static str)> {
    let dimension = |name: &str, categories: &[(&str, &str)]| Dimension {
        name: name.to_owned(),
        categories: categories.iter().map(|(k, _)| (*k).to_owned()).collect(),
        labels: categories.iter().map(|(_, l)| (*l).to_owned()).collect(),
        shares: vec![1.0; categories.len()],
        source: SOURCE.to_owned(),
    };
    vec![
        (
            dimension(
                AGE_BAND,
                &[
                    ("18-24", "18-24"),
                    ("25-34", "25-34"),
                    ("35-44", "35-44"),
                    ("45-54", "45-54"),
                    ("55-64", "55-64"),
                    ("65+", "65+"),
                ],
            ),
            "age",
        ),
        (
            dimension(
                EDUCATION,
                &[
                    ("1", "8 years or less"),
                    ("2", "some high school"),
                    ("3", "a high school diploma"),
                    ("4", "some college"),
                    ("5", "a community college degree"),
                    ("6", "a bachelor's degree"),
                    ("7", "an advanced degree"),
                ],
            ),
            "educ",
        ),
        (
            // The file's 24 brackets, grouped: a code falls in the range its key names.
            dimension(
                INCOME,
                &[
                    ("1-10", "under $15,000"),
                    ("11-15", "$15,000 to $29,999"),
                    ("16-19", "$30,000 to $49,999"),
                    ("20-21", "$50,000 to $74,999"),
                    ("22+", "$75,000 or more"),
                ],
            ),
            "income",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::human::category_of;

    #[test]
    fn the_survey_parses_and_income_codes_fall_in_their_groups() {
        let survey = crate::definition::parse(SURVEY).unwrap();
        assert_eq!(survey.questions.len(), QUESTIONS.len());
        for (id, _) in QUESTIONS {
            assert!(survey.questions.iter().any(|q| q.id == id), "{id}");
        }
        let dimensions = dimensions();
        let income = &dimensions[2].0;
        assert_eq!(category_of(income, "1").as_deref(), Some("1-10"));
        assert_eq!(category_of(income, "10").as_deref(), Some("1-10"));
        assert_eq!(category_of(income, "11").as_deref(), Some("11-15"));
        assert_eq!(category_of(income, "24").as_deref(), Some("22+"));
        assert_eq!(category_of(&dimensions[1].0, "7").as_deref(), Some("7"));
        assert_eq!(
            category_of(&dimensions[0].0, "36").as_deref(),
            Some("35-44")
        );
        assert_eq!(category_of(&dimensions[0].0, "17"), None);
    }
}
