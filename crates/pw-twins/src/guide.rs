//! The discussion guide a focus-group moderator follows, as a TOML file: a title, an optional
//! objective, and 1 to 20 sections taken in order. Each section says what the moderator must
//! learn before moving on (`goals`), what to ask (`questions`, in order), what to follow vague
//! answers up with (`probes`), how many participant turns it may take (`turn_budget`, 2 to 60,
//! 12 when left out) and what to show the group (`stimuli`: ad copy, a concept, or a reference
//! to a creative in the workspace with an optional image caption).
//!
//! An example, which is also the format's documentation (a test parses it):
//!
//! ```toml
//! title = "Halcyon Roasters: the holiday gift box"
//! objective = "Learn whether the gift box ad makes coffee lovers want to give it, and what price feels fair."
//!
//! [[sections]]
//! name = "Warm-up"
//! goals = ["How each participant drinks coffee day to day"]
//! questions = [
//!     "Tell us your name and how your day starts with coffee.",
//!     "Where do you usually buy your beans?",
//! ]
//! turn_budget = 8
//!
//! [[sections]]
//! name = "Reactions to the holiday gift box ad"
//! goals = [
//!     "First impression of the ad",
//!     "Whether the box reads as a gift or as a treat for oneself",
//! ]
//! questions = [
//!     "What is the first thing you notice?",
//!     "Who, if anyone, would you give this to?",
//! ]
//! probes = ["What makes you say that?", "Can you give an example?"]
//! turn_budget = 20
//!
//! [[sections.stimuli]]
//! ad_copy = { headline = "Twelve mornings, wrapped", body = "Our holiday gift box: twelve single-origin roasts, one for each morning of the holidays." }
//!
//! [[sections.stimuli]]
//! creative = { id = "cr_holiday_box_01", caption = "A kraft-paper box tied with green ribbon beside a steaming mug" }
//!
//! [[sections]]
//! name = "Price and subscription"
//! goals = ["A fair price for the box", "Interest in a monthly subscription after it"]
//! questions = [
//!     "What would you expect to pay for this box?",
//!     "Would you keep receiving coffee every month afterwards?",
//! ]
//!
//! [[sections.stimuli]]
//! concept = { title = "Halcyon Monthly", description = "A fresh roast delivered each month for $18, paused or cancelled any time." }
//! ```
//!
//! The rules, checked by [`parse`]: every field is one of the above (a misspelt field is an
//! error, not silently ignored); no text is blank; each section has 1 to 5 goals, 1 to 10
//! questions, up to 10 probes and up to 5 stimuli; each stimulus is exactly one of `ad_copy`
//! (`headline`, `body`), `concept` (`title`, `description`) or `creative` (`id`, optional
//! `caption`); no two sections share a name (ignoring case and surrounding spaces, since a
//! moderator would not tell "Warm-up" from "warm-up" apart). An error names the line and
//! column, the section (by number, counted from 1, and name) and the field, and [`parse`] is
//! pure: a rejected guide leaves nothing behind.

use serde::{Deserialize, Serialize};
use std::fmt;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Sections a guide may have.
pub const SECTIONS: std::ops::RangeInclusive<usize> = 1..=20;
/// Goals per section.
pub const GOALS: std::ops::RangeInclusive<usize> = 1..=5;
/// Questions per section.
pub const QUESTIONS: std::ops::RangeInclusive<usize> = 1..=10;
/// Probes per section.
pub const PROBES: std::ops::RangeInclusive<usize> = 0..=10;
/// Stimuli per section.
pub const STIMULI: std::ops::RangeInclusive<usize> = 0..=5;
/// Participant turns a section may take.
pub const TURN_BUDGET: std::ops::RangeInclusive<u32> = 2..=60;
/// The turn budget of a section that does not give one.
pub const DEFAULT_TURN_BUDGET: u32 = 12;

/// A parsed, valid discussion guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiscussionGuide {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
    /// In the order the moderator takes them.
    pub sections: Vec<Section>,
}

impl DiscussionGuide {
    /// Participant turns the whole guide allows: the sum of its sections' budgets.
    pub fn total_turn_budget(&self) -> u32 {
        self.sections
            .iter()
            .map(|section| section.turn_budget)
            .sum()
    }
}

/// One part of the discussion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub name: String,
    /// What the moderator must learn before moving on.
    pub goals: Vec<String>,
    /// Asked in order.
    pub questions: Vec<String>,
    /// Follow-ups the moderator may use on vague answers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<String>,
    /// Participant turns allowed before the moderator moves on.
    pub turn_budget: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stimuli: Vec<Stimulus>,
}

/// Something shown to the group. Serialized as a table with one key naming the kind, the same
/// shape [`parse`] reads, so [`to_toml`] round-trips.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stimulus {
    AdCopy {
        headline: String,
        body: String,
    },
    Concept {
        title: String,
        description: String,
    },
    /// A creative of the workspace, by id, with a caption describing its image for twins that
    /// cannot see it.
    #[serde(rename = "creative")]
    CreativeReference {
        #[serde(rename = "id")]
        creative_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        caption: Option<String>,
    },
}

/// Where in the guide's text: both counted from 1, the column in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// A section named in an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionRef {
    /// Counted from 1, as a marketer counts them.
    pub number: usize,
    /// `None` when the section has no readable name.
    pub name: Option<String>,
}

/// Why a guide was rejected. Each message starts with where ("line 7, column 13, section 2
/// "Price and subscription", field `questions`") and then says what is wrong in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuideError {
    /// The text is not TOML at all (an unclosed quote, a missing `=`).
    #[error("{at}: this is not valid TOML: {message}")]
    Malformed { at: Location, message: String },
    /// TOML, but not shaped like a guide: an unknown or missing field, or a value of the wrong
    /// type. `message` is the TOML reader's, which names the field and what was expected.
    #[error("{}: {message}", place(at, section.as_ref(), field.as_deref()))]
    Shape {
        at: Location,
        section: Option<SectionRef>,
        field: Option<String>,
        message: String,
    },
    #[error(
        "{}: this is blank; write the text or remove it",
        place(at, section.as_ref(), Some(field))
    )]
    Blank {
        at: Location,
        section: Option<SectionRef>,
        field: String,
    },
    #[error(
        "{}: there are {found}, but there must be {min} to {max}",
        place(at, section.as_ref(), Some(field))
    )]
    Count {
        at: Location,
        section: Option<SectionRef>,
        field: String,
        found: usize,
        min: usize,
        max: usize,
    },
    #[error("{}: a section may take {} to {} participant turns, not {found}", place(at, Some(section), Some("turn_budget")), TURN_BUDGET.start(), TURN_BUDGET.end())]
    TurnBudget {
        at: Location,
        section: SectionRef,
        found: i64,
    },
    #[error(
        "{}: section {first} already has this name; give each section its own",
        place(at, Some(section), Some("name"))
    )]
    DuplicateSectionName {
        at: Location,
        section: SectionRef,
        /// The number of the earlier section with the same name.
        first: usize,
    },
    #[error("{}: a stimulus needs one of `ad_copy`, `concept` or `creative`, and this one has none", place(at, Some(section), Some(&format!("stimuli[{stimulus}]"))))]
    StimulusWithoutKind {
        at: Location,
        section: SectionRef,
        /// Counted from 1 within the section.
        stimulus: usize,
    },
    #[error("{}: a stimulus is one of `ad_copy`, `concept` or `creative`, but this one has {}; make each its own stimulus", place(at, Some(section), Some(&format!("stimuli[{stimulus}]"))), kinds.join(" and "))]
    StimulusWithSeveralKinds {
        at: Location,
        section: SectionRef,
        stimulus: usize,
        kinds: Vec<String>,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "line {}, column {}", self.line, self.column)
    }
}

impl fmt::Display for SectionRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(formatter, "section {} \"{name}\"", self.number),
            None => write!(formatter, "section {}", self.number),
        }
    }
}

/// The "where" that starts every error message.
fn place(at: &Location, section: Option<&SectionRef>, field: Option<&str>) -> String {
    let mut place = at.to_string();
    if let Some(section) = section {
        place.push_str(&format!(", {section}"));
    }
    if let Some(field) = field {
        place.push_str(&format!(", field `{field}`"));
    }
    place
}

/// Reads and checks a guide. Pure: nothing is kept from a guide that is rejected.
pub fn parse(text: &str) -> Result<DiscussionGuide, GuideError> {
    // Reading the syntax first tells a broken file (an unclosed quote) from a well-formed one
    // with the wrong fields, which get different messages.
    let deserializer = toml::Deserializer::parse(text).map_err(|error| GuideError::Malformed {
        at: location(text, error.span().map_or(0, |span| span.start)),
        message: error.message().to_string(),
    })?;
    let raw = RawGuide::deserialize(deserializer).map_err(|error| shape_error(text, &error))?;
    raw.validate(text)
}

/// The guide as TOML that [`parse`] reads back to the same guide.
pub fn to_toml(guide: &DiscussionGuide) -> String {
    // A guide holds only strings, integers, arrays and tables, all of which TOML can write, so
    // this does not fail; the fallback keeps the signature honest without a panic, and still
    // gives text that `parse` rejects rather than a guide that silently lost its content.
    toml::to_string_pretty(guide)
        .unwrap_or_else(|error| format!("# this guide could not be written as TOML: {error}\n"))
}

// The guide as written, with the position of every value, so a rule broken after reading can
// still be reported at its line. Separate from the public types so those stay free of spans.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGuide {
    title: Spanned<String>,
    objective: Option<Spanned<String>>,
    sections: Spanned<Vec<RawSection>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    name: Spanned<String>,
    goals: Spanned<Vec<Spanned<String>>>,
    questions: Spanned<Vec<Spanned<String>>>,
    probes: Option<Spanned<Vec<Spanned<String>>>>,
    turn_budget: Option<Spanned<i64>>,
    stimuli: Option<Spanned<Vec<Spanned<RawStimulus>>>>,
}

/// All three kinds are optional here so that a stimulus with none, or with two, gets a message
/// that says so, instead of the TOML reader's message about enums.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStimulus {
    ad_copy: Option<RawAdCopy>,
    concept: Option<RawConcept>,
    creative: Option<RawCreative>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdCopy {
    headline: Spanned<String>,
    body: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConcept {
    title: Spanned<String>,
    description: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCreative {
    id: Spanned<String>,
    caption: Option<Spanned<String>>,
}

/// Checks a read guide against the rules, naming the first rule broken.
struct Checker<'a> {
    text: &'a str,
    section: Option<SectionRef>,
}

impl Checker<'_> {
    fn at<T>(&self, value: &Spanned<T>) -> Location {
        location(self.text, value.span().start)
    }

    fn text(&self, value: &Spanned<String>, field: &str) -> Result<String, GuideError> {
        if value.get_ref().trim().is_empty() {
            return Err(GuideError::Blank {
                at: self.at(value),
                section: self.section.clone(),
                field: field.to_string(),
            });
        }
        Ok(value.get_ref().clone())
    }

    fn count<T>(
        &self,
        list: &Spanned<Vec<T>>,
        field: &str,
        bounds: &std::ops::RangeInclusive<usize>,
    ) -> Result<(), GuideError> {
        let found = list.get_ref().len();
        if bounds.contains(&found) {
            return Ok(());
        }
        Err(GuideError::Count {
            at: self.at(list),
            section: self.section.clone(),
            field: field.to_string(),
            found,
            min: *bounds.start(),
            max: *bounds.end(),
        })
    }

    /// A list of texts: its length within bounds and none of them blank. Items are numbered
    /// from 1 in messages.
    fn texts(
        &self,
        list: &Spanned<Vec<Spanned<String>>>,
        field: &str,
        bounds: &std::ops::RangeInclusive<usize>,
    ) -> Result<Vec<String>, GuideError> {
        self.count(list, field, bounds)?;
        list.get_ref()
            .iter()
            .enumerate()
            .map(|(index, item)| self.text(item, &format!("{field}[{}]", index + 1)))
            .collect()
    }

    fn section_ref(&self) -> SectionRef {
        // Only called while checking a section, where `section` is set; the fallback keeps
        // the code free of a panic should that ever change.
        self.section.clone().unwrap_or(SectionRef {
            number: 0,
            name: None,
        })
    }

    fn stimulus(
        &self,
        stimulus: &Spanned<RawStimulus>,
        number: usize,
    ) -> Result<Stimulus, GuideError> {
        let field = |name: &str| format!("stimuli[{number}].{name}");
        let raw = stimulus.get_ref();
        let kinds: Vec<String> = [
            ("ad_copy", raw.ad_copy.is_some()),
            ("concept", raw.concept.is_some()),
            ("creative", raw.creative.is_some()),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(kind, _)| format!("`{kind}`"))
        .collect();
        if kinds.len() > 1 {
            return Err(GuideError::StimulusWithSeveralKinds {
                at: self.at(stimulus),
                section: self.section_ref(),
                stimulus: number,
                kinds,
            });
        }
        if let Some(ad) = &raw.ad_copy {
            return Ok(Stimulus::AdCopy {
                headline: self.text(&ad.headline, &field("ad_copy.headline"))?,
                body: self.text(&ad.body, &field("ad_copy.body"))?,
            });
        }
        if let Some(concept) = &raw.concept {
            return Ok(Stimulus::Concept {
                title: self.text(&concept.title, &field("concept.title"))?,
                description: self.text(&concept.description, &field("concept.description"))?,
            });
        }
        if let Some(creative) = &raw.creative {
            return Ok(Stimulus::CreativeReference {
                creative_id: self.text(&creative.id, &field("creative.id"))?,
                caption: creative
                    .caption
                    .as_ref()
                    .map(|caption| self.text(caption, &field("creative.caption")))
                    .transpose()?,
            });
        }
        Err(GuideError::StimulusWithoutKind {
            at: self.at(stimulus),
            section: self.section_ref(),
            stimulus: number,
        })
    }

    fn section(&self, raw: &RawSection) -> Result<Section, GuideError> {
        let name = self.text(&raw.name, "name")?;
        let goals = self.texts(&raw.goals, "goals", &GOALS)?;
        let questions = self.texts(&raw.questions, "questions", &QUESTIONS)?;
        let probes = match &raw.probes {
            Some(probes) => self.texts(probes, "probes", &PROBES)?,
            None => Vec::new(),
        };
        let turn_budget = match &raw.turn_budget {
            None => DEFAULT_TURN_BUDGET,
            Some(budget) => u32::try_from(*budget.get_ref())
                .ok()
                .filter(|turns| TURN_BUDGET.contains(turns))
                .ok_or_else(|| GuideError::TurnBudget {
                    at: self.at(budget),
                    section: self.section_ref(),
                    found: *budget.get_ref(),
                })?,
        };
        let stimuli = match &raw.stimuli {
            None => Vec::new(),
            Some(stimuli) => {
                self.count(stimuli, "stimuli", &STIMULI)?;
                stimuli
                    .get_ref()
                    .iter()
                    .enumerate()
                    .map(|(index, stimulus)| self.stimulus(stimulus, index + 1))
                    .collect::<Result<_, _>>()?
            }
        };
        Ok(Section {
            name,
            goals,
            questions,
            probes,
            turn_budget,
            stimuli,
        })
    }
}

impl RawGuide {
    fn validate(self, text: &str) -> Result<DiscussionGuide, GuideError> {
        let mut checker = Checker {
            text,
            section: None,
        };
        let title = checker.text(&self.title, "title")?;
        let objective = self
            .objective
            .as_ref()
            .map(|objective| checker.text(objective, "objective"))
            .transpose()?;
        checker.count(&self.sections, "sections", &SECTIONS)?;
        let mut sections: Vec<Section> = Vec::with_capacity(self.sections.get_ref().len());
        for (index, raw) in self.sections.get_ref().iter().enumerate() {
            checker.section = Some(SectionRef {
                number: index + 1,
                name: Some(raw.name.get_ref().clone()),
            });
            let section = checker.section(raw)?;
            let same_name = |other: &Section| {
                other.name.trim().to_lowercase() == section.name.trim().to_lowercase()
            };
            if let Some(first) = sections.iter().position(same_name) {
                return Err(GuideError::DuplicateSectionName {
                    at: checker.at(&raw.name),
                    section: checker.section_ref(),
                    first: first + 1,
                });
            }
            sections.push(section);
        }
        Ok(DiscussionGuide {
            title,
            objective,
            sections,
        })
    }
}

/// Line and column (from 1, the column in characters) of a byte offset into `text`. An offset
/// past the end, or inside a character, is read as the nearest earlier character boundary.
fn location(text: &str, offset: usize) -> Location {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    Location {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// An error from reading a well-formed file into the guide's shape, with the section and field
/// it concerns, found by walking the file's tables to the value at the error's position.
fn shape_error(text: &str, error: &toml::de::Error) -> GuideError {
    let offset = error.span().map_or(0, |span| span.start);
    let mut path: Vec<PathStep> = Vec::new();
    // The syntax was already read once without error, so this parse succeeds; were it to fail,
    // the error would still carry its line, only without the section and field.
    if let Ok(document) = DeTable::parse(text) {
        path = path_to(document.get_ref(), offset).unwrap_or_default();
    }
    let section = match path.first() {
        Some(PathStep::Key { name, .. }) if name == "sections" => match path.get(1) {
            Some(PathStep::Item { number, name }) => Some(SectionRef {
                number: *number,
                name: name.clone(),
            }),
            _ => None,
        },
        _ => None,
    };
    // Within a section the field is named relative to it, as in the validation errors.
    let field_steps = if section.is_some() {
        &path[2..]
    } else {
        &path[..]
    };
    let field = field_name(field_steps);
    GuideError::Shape {
        at: location(text, offset),
        section,
        field,
        message: error.message().to_string(),
    }
}

/// One step from the document's root to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PathStep {
    Key {
        name: String,
    },
    /// An item of an array, counted from 1, with its `name` when it is a named table.
    Item {
        number: usize,
        name: Option<String>,
    },
}

/// `stimuli[2].ad_copy.headline` for a path; `None` for an empty one.
fn field_name(path: &[PathStep]) -> Option<String> {
    let mut field = String::new();
    for step in path {
        match step {
            PathStep::Key { name } => {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(name);
            }
            PathStep::Item { number, .. } => field.push_str(&format!("[{number}]")),
        }
    }
    (!field.is_empty()).then_some(field)
}

fn contains<T>(value: &Spanned<T>, offset: usize) -> bool {
    let span = value.span();
    span.start <= offset && (offset < span.end || span.is_empty() && offset == span.start)
}

/// The path to the key or value at `offset`. A table opened by a `[header]` spans only its
/// header, not its keys, so tables and arrays are searched inside even when their own span
/// does not contain the offset.
fn path_to(table: &DeTable<'_>, offset: usize) -> Option<Vec<PathStep>> {
    for (key, value) in table.iter() {
        let step = PathStep::Key {
            name: key.get_ref().to_string(),
        };
        let inner = path_in_value(value, offset);
        if inner.is_some() || contains(key, offset) || contains(value, offset) {
            let mut path = vec![step];
            path.extend(inner.unwrap_or_default());
            return Some(path);
        }
    }
    None
}

fn path_in_value(value: &Spanned<DeValue<'_>>, offset: usize) -> Option<Vec<PathStep>> {
    match value.get_ref() {
        DeValue::Table(table) => path_to(table, offset),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(index, item)| {
            let inner = path_in_value(item, offset);
            if inner.is_none() && !contains(item, offset) {
                return None;
            }
            let name = match item.get_ref() {
                DeValue::Table(table) => table
                    .get("name")
                    .and_then(|name| name.get_ref().as_str())
                    .map(str::to_string),
                _ => None,
            };
            let mut path = vec![PathStep::Item {
                number: index + 1,
                name,
            }];
            path.extend(inner.unwrap_or_default());
            Some(path)
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example at the top of this module, kept in step with it by hand.
    const HALCYON: &str = r#"title = "Halcyon Roasters: the holiday gift box"
objective = "Learn whether the gift box ad makes coffee lovers want to give it, and what price feels fair."

[[sections]]
name = "Warm-up"
goals = ["How each participant drinks coffee day to day"]
questions = [
    "Tell us your name and how your day starts with coffee.",
    "Where do you usually buy your beans?",
]
turn_budget = 8

[[sections]]
name = "Reactions to the holiday gift box ad"
goals = [
    "First impression of the ad",
    "Whether the box reads as a gift or as a treat for oneself",
]
questions = [
    "What is the first thing you notice?",
    "Who, if anyone, would you give this to?",
]
probes = ["What makes you say that?", "Can you give an example?"]
turn_budget = 20

[[sections.stimuli]]
ad_copy = { headline = "Twelve mornings, wrapped", body = "Our holiday gift box: twelve single-origin roasts, one for each morning of the holidays." }

[[sections.stimuli]]
creative = { id = "cr_holiday_box_01", caption = "A kraft-paper box tied with green ribbon beside a steaming mug" }

[[sections]]
name = "Price and subscription"
goals = ["A fair price for the box", "Interest in a monthly subscription after it"]
questions = [
    "What would you expect to pay for this box?",
    "Would you keep receiving coffee every month afterwards?",
]

[[sections.stimuli]]
concept = { title = "Halcyon Monthly", description = "A fresh roast delivered each month for $18, paused or cancelled any time." }
"#;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| item.to_string()).collect()
    }

    fn section(number: usize, name: &str) -> SectionRef {
        SectionRef {
            number,
            name: Some(name.to_string()),
        }
    }

    /// A one-section guide whose section body is `section_body`, starting at line 4.
    fn one_section(section_body: &str) -> String {
        format!("title = \"Halcyon\"\n\n[[sections]]\n{section_body}")
    }

    #[test]
    fn the_module_example_is_the_test_example() {
        let documented: String = include_str!("guide.rs")
            .lines()
            .skip_while(|line| *line != "//! ```toml")
            .skip(1)
            .take_while(|line| *line != "//! ```")
            .map(|line| format!("{}\n", line.strip_prefix("//! ").unwrap_or("").trim_end()))
            .collect();
        assert_eq!(documented, HALCYON);
    }

    #[test]
    fn the_halcyon_example_parses_to_its_sections_in_order() {
        let guide = parse(HALCYON).unwrap();
        assert_eq!(guide.title, "Halcyon Roasters: the holiday gift box");
        assert!(
            guide
                .objective
                .as_deref()
                .unwrap()
                .starts_with("Learn whether")
        );
        let names: Vec<&str> = guide.sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Warm-up",
                "Reactions to the holiday gift box ad",
                "Price and subscription"
            ]
        );
        let warm_up = &guide.sections[0];
        assert_eq!(
            warm_up.goals,
            strings(&["How each participant drinks coffee day to day"])
        );
        assert_eq!(warm_up.questions.len(), 2);
        assert_eq!(warm_up.probes, Vec::<String>::new());
        assert_eq!(warm_up.turn_budget, 8);
        assert!(warm_up.stimuli.is_empty());

        let reactions = &guide.sections[1];
        assert_eq!(
            reactions.probes,
            strings(&["What makes you say that?", "Can you give an example?"])
        );
        assert_eq!(
            reactions.stimuli,
            vec![
                Stimulus::AdCopy {
                    headline: "Twelve mornings, wrapped".into(),
                    body: "Our holiday gift box: twelve single-origin roasts, one for each \
                           morning of the holidays."
                        .into(),
                },
                Stimulus::CreativeReference {
                    creative_id: "cr_holiday_box_01".into(),
                    caption: Some(
                        "A kraft-paper box tied with green ribbon beside a steaming mug".into()
                    ),
                },
            ]
        );
        assert_eq!(
            guide.sections[2].stimuli,
            vec![Stimulus::Concept {
                title: "Halcyon Monthly".into(),
                description: "A fresh roast delivered each month for $18, paused or cancelled \
                              any time."
                    .into(),
            }]
        );
        // 8 + 20 + the default 12.
        assert_eq!(guide.total_turn_budget(), 40);
    }

    #[test]
    fn defaults_apply_when_left_out() {
        let guide = parse(&one_section(
            "name = \"Warm-up\"\ngoals = [\"g\"]\nquestions = [\"q\"]\n",
        ))
        .unwrap();
        assert_eq!(guide.objective, None);
        let only = &guide.sections[0];
        assert_eq!(only.turn_budget, DEFAULT_TURN_BUDGET);
        assert_eq!(only.turn_budget, 12);
        assert!(only.probes.is_empty());
        assert!(only.stimuli.is_empty());
        // A creative without a caption is complete.
        let guide = parse(&one_section(
            "name = \"Ad\"\ngoals = [\"g\"]\nquestions = [\"q\"]\n[[sections.stimuli]]\ncreative = { id = \"cr_1\" }\n",
        ))
        .unwrap();
        assert_eq!(
            guide.sections[0].stimuli,
            vec![Stimulus::CreativeReference {
                creative_id: "cr_1".into(),
                caption: None
            }]
        );
    }

    #[test]
    fn a_guide_written_out_reads_back_the_same() {
        let guide = parse(HALCYON).unwrap();
        let written = to_toml(&guide);
        assert_eq!(parse(&written).unwrap(), guide);
        // Defaults are written out, so the file says what the moderator will do.
        assert!(written.contains("turn_budget = 12"), "{written}");
        // Quotes, backslashes and line breaks survive too.
        let mut tricky = guide.clone();
        tricky.sections[0].questions[0] = "She said \"bold\"\\ then\nstopped".into();
        tricky.objective = None;
        assert_eq!(parse(&to_toml(&tricky)).unwrap(), tricky);
    }

    #[test]
    fn an_unknown_field_is_named_with_its_line_and_section() {
        // Line 6 misspells `questions` in the first section.
        let text = one_section("name = \"Warm-up\"\ngoals = [\"g\"]\nquestoins = [\"q\"]\n");
        let error = parse(&text).unwrap_err();
        let GuideError::Shape {
            at,
            section,
            field,
            message,
        } = &error
        else {
            panic!("{error:?}");
        };
        assert_eq!(*at, Location { line: 6, column: 1 });
        assert_eq!(*section, Some(section_ref_warm_up()));
        assert_eq!(field.as_deref(), Some("questoins"));
        assert!(message.contains("unknown field `questoins`"), "{message}");
        assert!(
            error.to_string().starts_with(
                "line 6, column 1, section 1 \"Warm-up\", field `questoins`: unknown field"
            ),
            "{error}"
        );
        // A misspelt field inside a stimulus is named by its path within the section.
        let text = one_section(
            "name = \"Warm-up\"\ngoals = [\"g\"]\nquestions = [\"q\"]\n[[sections.stimuli]]\nconcept = { title = \"t\", descripton = \"d\" }\n",
        );
        let error = parse(&text).unwrap_err();
        assert!(
            matches!(&error, GuideError::Shape { at: Location { line: 8, column: 26 }, section: Some(s), field: Some(f), .. }
                if *s == section_ref_warm_up() && f == "stimuli[1].concept.descripton"),
            "{error:?}"
        );
    }

    fn section_ref_warm_up() -> SectionRef {
        section(1, "Warm-up")
    }

    #[test]
    fn an_empty_question_list_is_counted_in_its_section() {
        let error = parse(&one_section(
            "name = \"Warm-up\"\ngoals = [\"g\"]\nquestions = []\n",
        ))
        .unwrap_err();
        assert_eq!(
            error,
            GuideError::Count {
                at: Location {
                    line: 6,
                    column: 13
                },
                section: Some(section_ref_warm_up()),
                field: "questions".into(),
                found: 0,
                min: 1,
                max: 10,
            }
        );
        assert_eq!(
            error.to_string(),
            "line 6, column 13, section 1 \"Warm-up\", field `questions`: there are 0, but there \
             must be 1 to 10"
        );
    }

    #[test]
    fn a_turn_budget_of_one_is_out_of_range() {
        let text = format!(
            "{HALCYON}\n[[sections]]\nname = \"Wrap-up\"\ngoals = [\"g\"]\nquestions = [\"q\"]\nturn_budget = 1\n"
        );
        let line = text.lines().count();
        let error = parse(&text).unwrap_err();
        assert_eq!(
            error,
            GuideError::TurnBudget {
                at: Location { line, column: 15 },
                section: section(4, "Wrap-up"),
                found: 1,
            }
        );
        assert!(
            error
                .to_string()
                .ends_with("section 4 \"Wrap-up\", field `turn_budget`: a section may take 2 to 60 participant turns, not 1"),
            "{error}"
        );
        // Negative budgets get the same message rather than a type error.
        let error = parse(&one_section(
            "name = \"W\"\ngoals = [\"g\"]\nquestions = [\"q\"]\nturn_budget = -3\n",
        ))
        .unwrap_err();
        assert!(
            matches!(error, GuideError::TurnBudget { found: -3, .. }),
            "{error:?}"
        );
    }

    #[test]
    fn a_repeated_section_name_points_at_the_second_and_names_the_first() {
        let text = format!(
            "{HALCYON}\n[[sections]]\nname = \" warm-UP \"\ngoals = [\"g\"]\nquestions = [\"q\"]\n"
        );
        let line = text.lines().count() - 2;
        let error = parse(&text).unwrap_err();
        assert_eq!(
            error,
            GuideError::DuplicateSectionName {
                at: Location { line, column: 8 },
                section: section(4, " warm-UP "),
                first: 1,
            }
        );
        assert!(
            error
                .to_string()
                .contains("section 1 already has this name"),
            "{error}"
        );
    }

    #[test]
    fn a_stimulus_must_be_exactly_one_kind() {
        let none = one_section(
            "name = \"Ad\"\ngoals = [\"g\"]\nquestions = [\"q\"]\n\n[[sections.stimuli]]\n",
        );
        let error = parse(&none).unwrap_err();
        assert_eq!(
            error,
            GuideError::StimulusWithoutKind {
                at: Location { line: 8, column: 1 },
                section: section(1, "Ad"),
                stimulus: 1,
            }
        );
        assert!(
            error
                .to_string()
                .contains("field `stimuli[1]`: a stimulus needs one of")
        );
        let both = one_section(
            "name = \"Ad\"\ngoals = [\"g\"]\nquestions = [\"q\"]\nstimuli = [\n  { creative = { id = \"c\" } },\n  { concept = { title = \"t\", description = \"d\" }, creative = { id = \"c\" } },\n]\n",
        );
        let error = parse(&both).unwrap_err();
        assert_eq!(
            error,
            GuideError::StimulusWithSeveralKinds {
                at: Location { line: 9, column: 3 },
                section: section(1, "Ad"),
                stimulus: 2,
                kinds: strings(&["`concept`", "`creative`"]),
            }
        );
    }

    #[test]
    fn malformed_toml_is_placed_at_its_line_and_column() {
        // An unclosed quote on line 4, the section's first.
        let text = one_section("name = \"Warm-up\ngoals = [\"g\"]\n");
        let error = parse(&text).unwrap_err();
        let GuideError::Malformed { at, .. } = &error else {
            panic!("{error:?}");
        };
        assert_eq!(
            *at,
            Location {
                line: 4,
                column: 16
            },
            "{error}"
        );
        assert!(
            error.to_string().contains("this is not valid TOML"),
            "{error}"
        );
    }

    #[test]
    fn blank_text_and_counts_name_the_item() {
        let error = parse(&one_section(
            "name = \"W\"\ngoals = [\"g\", \"   \"]\nquestions = [\"q\"]\n",
        ))
        .unwrap_err();
        assert_eq!(
            error,
            GuideError::Blank {
                at: Location {
                    line: 5,
                    column: 15
                },
                section: Some(section(1, "W")),
                field: "goals[2]".into(),
            }
        );
        let error = parse("title = \"  \"\nsections = []\n").unwrap_err();
        assert!(
            matches!(&error, GuideError::Blank { section: None, field, .. } if field == "title"),
            "{error:?}"
        );
        let error = parse("title = \"Halcyon\"\nsections = []\n").unwrap_err();
        assert!(
            matches!(&error, GuideError::Count { at: Location { line: 2, column: 12 }, field, found: 0, min: 1, max: 20, .. } if field == "sections"),
            "{error:?}"
        );
        let six_goals = one_section(
            "name = \"W\"\ngoals = [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\"]\nquestions = [\"q\"]\n",
        );
        assert!(matches!(
            parse(&six_goals).unwrap_err(),
            GuideError::Count {
                found: 6,
                max: 5,
                ..
            }
        ));
    }

    #[test]
    fn a_missing_field_or_a_wrong_type_is_a_shape_error_where_it_happens() {
        let error = parse(&one_section("name = \"W\"\ngoals = [\"g\"]\n")).unwrap_err();
        assert!(
            matches!(&error, GuideError::Shape { at: Location { line: 3, .. }, section: Some(s), message, .. }
                if *s == section(1, "W") && message.contains("missing field `questions`")),
            "{error:?}"
        );
        let error = parse(&one_section(
            "name = \"W\"\ngoals = [\"g\"]\nquestions = [\"q\"]\nturn_budget = \"ten\"\n",
        ))
        .unwrap_err();
        assert!(
            matches!(&error, GuideError::Shape { at: Location { line: 7, column: 15 }, field: Some(f), .. } if f == "turn_budget"),
            "{error:?}"
        );
    }

    #[test]
    fn a_guide_without_sections_or_with_an_unknown_top_level_field_is_rejected() {
        let error = parse("title = \"Halcyon\"\n").unwrap_err();
        assert!(
            matches!(&error, GuideError::Shape { section: None, message, .. }
                if message.contains("missing field `sections`")),
            "{error:?}"
        );
        let error = parse(&format!("{HALCYON}\n[notes]\ntext = \"x\"\n")).unwrap_err();
        let line = HALCYON.lines().count() + 2;
        assert!(
            matches!(&error, GuideError::Shape { at, section: None, field: Some(field), .. }
                if *at == Location { line, column: 2 } && field == "notes"),
            "{error:?}"
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        // "ç" and "à" take two bytes each: byte 12 is the "x", the fourth character of line 2.
        assert_eq!(location("é = 1\nçà x", 12), Location { line: 2, column: 4 });
        // Inside the "ç": the character it belongs to.
        assert_eq!(location("é = 1\nçà x", 8), Location { line: 2, column: 1 });
        assert_eq!(location("ab", 99), Location { line: 1, column: 3 });
        assert_eq!(location("", 0), Location { line: 1, column: 1 });
    }
}
