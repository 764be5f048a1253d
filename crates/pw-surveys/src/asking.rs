//! How a respondent is asked: who it is told it is, each block of questions as a message with
//! the JSON Schema its answer must fit, and the answer read back question by question.
//!
//! A respondent answers the whole survey in one conversation: the persona once, then each
//! block (the questions that can be asked together, see [`crate::definition::blocks`]) as a
//! user message, its answer kept in the history so later answers hang together with earlier
//! ones. Ratings (Likert, and not the matrix's rows) are asked for in the respondent's own words
//! and rated by semantic similarity afterwards, never as a number the model picks. Choices are
//! asked by option id, in the order this respondent sees them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::definition::{Answer, Question, QuestionType, Survey, piped_text};

/// Raised whenever the prompts change, so a run's manifest says which ones it was asked with.
pub const PROMPT_VERSION: u32 = 1;

/// The things about a respondent its persona is written from.
#[derive(Debug, Clone, Default)]
pub struct Persona {
    /// Age in years, and the drawn categories in words (sex, region, income, education).
    pub age: Option<u8>,
    pub sex: Option<String>,
    pub region: Option<String>,
    pub income: Option<String>,
    pub education: Option<String>,
    /// From the segment's twin: its one-line summary and what drives it.
    pub summary: String,
    pub traits: Vec<String>,
    /// The memory fragments drawn for this respondent.
    pub memories: Vec<String>,
}

/// The system message: who the respondent is, and how to answer.
pub fn persona_prompt(persona: &Persona, survey: &Survey) -> String {
    let mut who = String::from("You are taking part in a survey as this person:\n");
    let mut facts = Vec::new();
    if let Some(age) = persona.age {
        facts.push(format!("{age} years old"));
    }
    if let Some(sex) = &persona.sex {
        facts.push(sex.clone());
    }
    if let Some(region) = &persona.region {
        facts.push(format!("lives in the {region} of the United States"));
    }
    if let Some(income) = &persona.income {
        facts.push(format!("household income {income} a year"));
    }
    if let Some(education) = &persona.education {
        facts.push(format!("education: {education}"));
    }
    if !facts.is_empty() {
        let _ = writeln!(who, "- {}", facts.join("; "));
    }
    if !persona.summary.trim().is_empty() {
        let _ = writeln!(who, "- {}", persona.summary.trim());
    }
    for item in persona.traits.iter().filter(|t| !t.trim().is_empty()) {
        let _ = writeln!(who, "- {}", item.trim());
    }
    if !persona.memories.is_empty() {
        who.push_str("Things you know from your own life:\n");
        for memory in &persona.memories {
            let _ = writeln!(who, "- {}", memory.trim());
        }
    }
    who.push_str(
        "Answer every question as this person honestly would, from their situation and \
         experience, not as an assistant. People differ and are often unsure or critical: \
         do not default to agreeing or to the middle. Reply with JSON only.",
    );
    if !survey.intro.trim().is_empty() {
        let _ = write!(who, "\nThe survey says: {}", survey.intro.trim());
    }
    who
}

/// One question of a block as this respondent sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    /// The question's index in the survey.
    pub index: usize,
    /// The options in the order shown (indices into `options`; empty without options).
    pub order: Vec<usize>,
}

/// The user message asking a block's questions, with earlier answers piped in.
pub fn block_prompt(
    survey: &Survey,
    asked: &[Asked],
    answers: &BTreeMap<String, Answer>,
) -> String {
    let mut text = String::from(
        "Answer these questions. Reply with one JSON object whose keys are the question ids.\n",
    );
    for item in asked {
        let question = &survey.questions[item.index];
        let _ = writeln!(
            text,
            "\n[{}] {}",
            question.id,
            piped_text(survey, question, answers)
        );
        match question.kind {
            QuestionType::SingleChoice | QuestionType::MultipleChoice | QuestionType::Ranking => {
                for &option in &item.order {
                    let choice = &question.options[option];
                    let _ = writeln!(text, "  {}: {}", choice.id, choice.label);
                }
                let how = match question.kind {
                    QuestionType::SingleChoice => {
                        "the id of the one option that fits you".to_owned()
                    }
                    QuestionType::MultipleChoice => match question.max_choices {
                        Some(most) => format!(
                            "a list of the ids of every option that fits you (at most {most})"
                        ),
                        None => "a list of the ids of every option that fits you".to_owned(),
                    },
                    _ => "a list of every option id, the one you prefer most first".to_owned(),
                };
                let _ = writeln!(text, "  Answer with {how}.");
            }
            QuestionType::Likert => {
                text.push_str(
                    "  Answer in one or two sentences in your own words: how much this is true \
                     for you, and why. Do not give a number.\n",
                );
            }
            QuestionType::Nps => {
                text.push_str("  Answer with a whole number from 0 (not at all likely) to 10 (extremely likely).\n");
            }
            QuestionType::Numeric => {
                let range = match (question.min, question.max) {
                    (Some(low), Some(high)) => format!(" from {low} to {high}"),
                    (Some(low), None) => format!(" of at least {low}"),
                    (None, Some(high)) => format!(" of at most {high}"),
                    (None, None) => String::new(),
                };
                let unit = question
                    .unit
                    .as_deref()
                    .map(|u| format!(" ({u})"))
                    .unwrap_or_default();
                let _ = writeln!(text, "  Answer with a number{range}{unit}.");
            }
            QuestionType::Matrix => {
                let points = question.points.unwrap_or(5);
                let scale = scale_words(question);
                let _ = writeln!(
                    text,
                    "  Rate each of these from 1 to {points}{scale}; answer with an object from each id to its rating:"
                );
                for row in &question.rows {
                    let _ = writeln!(text, "  {}: {}", row.id, row.label);
                }
            }
            QuestionType::Open => {
                text.push_str("  Answer in your own words, in a sentence or a few.\n");
            }
        }
    }
    text
}

/// " (1 = …, 7 = …)" from a scale's labels, or nothing without them.
fn scale_words(question: &Question) -> String {
    let points = usize::from(question.points.unwrap_or(5));
    match (question.labels.first(), question.labels.last()) {
        (Some(low), Some(high)) if question.labels.len() >= 2 => {
            format!(" (1 = {low}, {points} = {high})")
        }
        _ => String::new(),
    }
}

/// The most characters of an answer in the respondent's own words (a rating's words, an open
/// answer): about 100 tokens, inside the block's reply budget, so a long answer can never cut
/// the reply's JSON short (a cut reply is no answer at all).
pub const OWN_WORDS_CHARACTERS: usize = 400;

/// The JSON Schema a block's answer must fit: an object with one property per question.
pub fn block_schema(survey: &Survey, asked: &[Asked]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for item in asked {
        let question = &survey.questions[item.index];
        let ids: Vec<&str> = item
            .order
            .iter()
            .map(|&i| question.options[i].id.as_str())
            .collect();
        let schema = match question.kind {
            QuestionType::SingleChoice => json!({ "type": "string", "enum": ids }),
            QuestionType::MultipleChoice => {
                let most = question.max_choices.map_or(ids.len(), |m| m as usize);
                json!({ "type": "array", "items": { "type": "string", "enum": ids },
                        "minItems": 1, "maxItems": most })
            }
            QuestionType::Ranking => {
                json!({ "type": "array", "items": { "type": "string", "enum": ids },
                                             "minItems": ids.len(), "maxItems": ids.len() })
            }
            QuestionType::Likert | QuestionType::Open => {
                json!({ "type": "string", "minLength": 1, "maxLength": OWN_WORDS_CHARACTERS })
            }
            QuestionType::Nps => json!({ "type": "integer", "minimum": 0, "maximum": 10 }),
            QuestionType::Numeric => {
                let mut number = json!({ "type": "number" });
                if let Some(low) = question.min {
                    number["minimum"] = json!(low);
                }
                if let Some(high) = question.max {
                    number["maximum"] = json!(high);
                }
                number
            }
            QuestionType::Matrix => {
                let points = question.points.unwrap_or(5);
                let rows: Map<String, Value> = question
                    .rows
                    .iter()
                    .map(|row| {
                        (
                            row.id.clone(),
                            json!({ "type": "integer", "minimum": 1, "maximum": points }),
                        )
                    })
                    .collect();
                let row_ids: Vec<&str> = question.rows.iter().map(|r| r.id.as_str()).collect();
                json!({ "type": "object", "properties": rows, "required": row_ids,
                        "additionalProperties": false })
            }
        };
        properties.insert(question.id.clone(), schema);
        required.push(question.id.clone());
    }
    json!({ "type": "object", "properties": properties, "required": required,
            "additionalProperties": false })
}

/// What a respondent gave for one question, before a rating is rated.
#[derive(Debug, Clone, PartialEq)]
pub enum Given {
    /// An answer in the format's terms, already checked against its question.
    Answer(Answer),
    /// A rating in the respondent's words, to be rated by semantic similarity.
    Rating(String),
}

/// Reads one question's part of a reply; `Err` says why it does not fit, in words the repair
/// round and a non-response's reason use.
pub fn read_given(question: &Question, value: Option<&Value>) -> Result<Given, String> {
    let value = match value {
        None | Some(Value::Null) => return Err("no answer was given".to_owned()),
        Some(value) => value,
    };
    let text = |value: &Value| -> Result<String, String> {
        value
            .as_str()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| "the answer is not words".to_owned())
    };
    // A model sometimes answers with an option's label instead of its id: that is still the
    // respondent's choice, and it is taken as such.
    let option = |value: &Value| -> Result<String, String> {
        let given = value.as_str().ok_or("an option is not a text id")?.trim();
        question
            .options
            .iter()
            .find(|o| o.id == given)
            .or_else(|| {
                question
                    .options
                    .iter()
                    .find(|o| o.label.eq_ignore_ascii_case(given))
            })
            .map(|o| o.id.clone())
            .ok_or_else(|| format!("\"{given}\" is not one of the options"))
    };
    let options = |value: &Value| -> Result<Vec<String>, String> {
        value
            .as_array()
            .ok_or("the answer is not a list of options")?
            .iter()
            .map(option)
            .collect()
    };
    let answer = match question.kind {
        QuestionType::Likert => return text(value).map(Given::Rating),
        QuestionType::Open => Answer::Text(text(value)?),
        QuestionType::SingleChoice => Answer::Choice(option(value)?),
        QuestionType::MultipleChoice => Answer::Choices(options(value)?),
        QuestionType::Ranking => Answer::Ranking(options(value)?),
        QuestionType::Nps => {
            let score = whole(value).ok_or("the answer is not a whole number from 0 to 10")?;
            Answer::Score(
                u8::try_from(score).map_err(|_| format!("{score} is not a score from 0 to 10"))?,
            )
        }
        QuestionType::Numeric => Answer::Number(
            value
                .as_f64()
                .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
                .ok_or("the answer is not a number")?,
        ),
        QuestionType::Matrix => {
            let rated = value
                .as_object()
                .ok_or("the answer is not a rating per row")?;
            let mut points = Vec::with_capacity(question.rows.len());
            for row in &question.rows {
                let point = rated
                    .get(&row.id)
                    .and_then(whole)
                    .ok_or_else(|| format!("row \"{}\" has no whole-number rating", row.id))?;
                points.push(
                    u8::try_from(point)
                        .map_err(|_| format!("{point} is not a point of the scale"))?,
                );
            }
            Answer::Points(points)
        }
    };
    crate::definition::check_answer(question, &answer)?;
    Ok(Given::Answer(answer))
}

fn whole(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| {
            value
                .as_f64()
                .filter(|f| f.fract() == 0.0)
                .map(|f| f as i64)
        })
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

/// A block's reply read question by question. A reply that is not a JSON object fails every
/// question with the same reason.
pub fn read_block(
    survey: &Survey,
    asked: &[Asked],
    reply: &str,
) -> BTreeMap<String, Result<Given, String>> {
    let object = parse_object(reply);
    asked
        .iter()
        .map(|item| {
            let question = &survey.questions[item.index];
            let read = match &object {
                Ok(object) => read_given(question, object.get(&question.id)),
                Err(reason) => Err(reason.clone()),
            };
            (question.id.clone(), read)
        })
        .collect()
}

/// A reply's JSON object, tolerating a Markdown fence and words around it.
fn parse_object(reply: &str) -> Result<Map<String, Value>, String> {
    let trimmed = reply.trim();
    let start = trimmed.find('{');
    let end = trimmed.rfind('}');
    let candidate = match (start, end) {
        (Some(start), Some(end)) if end > start => &trimmed[start..=end],
        _ => return Err("the reply was not a JSON object".to_owned()),
    };
    match serde_json::from_str::<Value>(candidate) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err("the reply was not a JSON object".to_owned()),
        Err(error) => Err(format!("the reply was not valid JSON ({error})")),
    }
}

/// The repair round's message: which answers did not fit and why.
pub fn repair_prompt(problems: &[(String, String)]) -> String {
    let mut text = String::from("Some answers do not fit their questions:\n");
    for (id, reason) in problems {
        let _ = writeln!(text, "- [{id}]: {reason}");
    }
    text.push_str("Reply again with the whole JSON object, corrected.");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::parse;

    fn survey() -> Survey {
        parse(
            r#"{ "format": "profitwheel-survey", "version": 1, "title": "Coffee",
              "questions": [
                { "id": "buy", "type": "single_choice", "text": "Where do you buy coffee?",
                  "options": [ {"id": "shop", "label": "A coffee shop"}, {"id": "store", "label": "A grocery store"} ] },
                { "id": "like", "type": "likert", "points": 5, "labels": ["Strongly disagree", "Strongly agree"], "text": "I enjoy trying new roasts." },
                { "id": "nps", "type": "nps", "text": "How likely are you to recommend {{buy}}?" },
                { "id": "cups", "type": "numeric", "text": "Cups a week?", "min": 0, "max": 70 },
                { "id": "grid", "type": "matrix", "points": 5, "labels": ["Poor", "Great"],
                  "text": "Rate these", "rows": [ {"id": "taste", "label": "Taste"}, {"id": "price", "label": "Price"} ] },
                { "id": "why", "type": "open", "text": "Why?" }
              ] }"#,
        )
        .unwrap()
    }

    fn asked(survey: &Survey) -> Vec<Asked> {
        survey
            .questions
            .iter()
            .enumerate()
            .map(|(index, q)| Asked {
                index,
                order: (0..q.options.len()).rev().collect(),
            })
            .collect()
    }

    #[test]
    fn a_block_prompt_lists_options_in_the_respondents_order_and_pipes_answers() {
        let survey = survey();
        let mut answers = BTreeMap::new();
        answers.insert("buy".to_owned(), Answer::Choice("store".into()));
        let prompt = block_prompt(&survey, &asked(&survey), &answers);
        let store = prompt.find("store: A grocery store").unwrap();
        let shop = prompt.find("shop: A coffee shop").unwrap();
        assert!(store < shop, "reversed order shown: {prompt}");
        assert!(prompt.contains("recommend A grocery store?"));
        assert!(prompt.contains("(1 = Poor, 5 = Great)"));
        assert!(prompt.contains("Do not give a number"));
        let schema = block_schema(&survey, &asked(&survey));
        assert_eq!(schema["required"].as_array().unwrap().len(), 6);
        assert_eq!(
            schema["properties"]["buy"]["enum"],
            json!(["store", "shop"])
        );
        assert_eq!(schema["properties"]["cups"]["maximum"], json!(70.0));
        assert_eq!(
            schema["properties"]["grid"]["required"],
            json!(["taste", "price"])
        );
    }

    #[test]
    fn a_reply_is_read_per_question_and_what_does_not_fit_says_why() {
        let survey = survey();
        let reply = r#"```json
        { "buy": "A coffee shop", "like": "Honestly I love a new roast.", "nps": 11,
          "cups": "14", "grid": { "taste": 5 }, "why": "" }
        ```"#;
        let read = read_block(&survey, &asked(&survey), reply);
        assert_eq!(
            read["buy"],
            Ok(Given::Answer(Answer::Choice("shop".into())))
        );
        assert_eq!(
            read["like"],
            Ok(Given::Rating("Honestly I love a new roast.".into()))
        );
        assert_eq!(read["nps"], Err("11 is not a score from 0 to 10".into()));
        assert_eq!(read["cups"], Ok(Given::Answer(Answer::Number(14.0))));
        assert_eq!(
            read["grid"],
            Err("row \"price\" has no whole-number rating".into())
        );
        assert_eq!(read["why"], Err("the answer is not words".into()));
        let broken = read_block(&survey, &asked(&survey), "{\"buy\": ");
        assert!(
            broken["buy"]
                .as_ref()
                .unwrap_err()
                .starts_with("the reply was not")
        );
        let missing = read_block(&survey, &asked(&survey), "{}");
        assert_eq!(missing["why"], Err("no answer was given".into()));
    }

    #[test]
    fn the_persona_states_the_drawn_demographics_and_memories() {
        let persona = Persona {
            age: Some(34),
            sex: Some("female".into()),
            region: Some("West".into()),
            income: Some("50000 to 74999".into()),
            education: None,
            summary: "Brews at home on weekdays.".into(),
            traits: vec!["values craft".into()],
            memories: vec!["I stopped buying when shipping took a week.".into()],
        };
        let prompt = persona_prompt(&persona, &survey());
        assert!(prompt.contains("34 years old; female; lives in the West"));
        assert!(prompt.contains("- I stopped buying when shipping took a week."));
        assert!(!prompt.contains("education"));
    }
}
