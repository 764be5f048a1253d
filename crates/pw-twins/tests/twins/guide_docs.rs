//! The discussion guide's documentation holds: its example parses, its error example is the
//! error the app gives, and its JSON Schema names exactly the fields the parser accepts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::collections::BTreeSet;

use pw_twins::guide;

const DOC: &str = include_str!("../../../../docs/discussion-guide.md");
const SCHEMA: &str = include_str!("../../../../docs/discussion-guide.schema.json");

fn fenced(language: &str) -> Vec<String> {
    let opening = format!("```{language}\n");
    DOC.split(&opening)
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap().to_owned())
        .collect()
}

#[test]
fn the_documented_example_parses() {
    let example = &fenced("toml")[0];
    let parsed = guide::parse(example).unwrap();
    assert_eq!(parsed.sections.len(), 3);
    assert_eq!(parsed.sections[1].stimuli.len(), 2);
}

#[test]
fn the_documented_error_is_the_one_the_app_gives() {
    let documented = fenced("text")[0].trim().to_owned();
    let guide =
        "title = \"x\"\n[[sections]]\nname = \"Warm-up\"\ngoal = [\"typo\"]\nquestions = [\"q\"]\n";
    let error = guide::parse(guide).unwrap_err().to_string();
    assert_eq!(error, documented);
}

fn properties(value: &serde_json::Value) -> BTreeSet<String> {
    value["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn the_schema_names_exactly_the_fields_the_parser_accepts() {
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
    let defs = &schema["$defs"];
    let expected = |names: &[&str]| {
        names
            .iter()
            .map(|n| (*n).to_owned())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        properties(&schema),
        expected(&["title", "objective", "sections"])
    );
    assert_eq!(
        properties(&defs["section"]),
        expected(&[
            "name",
            "goals",
            "questions",
            "probes",
            "turn_budget",
            "stimuli"
        ])
    );
    assert_eq!(
        properties(&defs["stimulus"]),
        expected(&["ad_copy", "concept", "creative"])
    );
    // Every field the schema names is accepted, together, by the parser...
    let full = r#"
title = "t"
objective = "o"
[[sections]]
name = "n"
goals = ["g"]
questions = ["q"]
probes = ["p"]
turn_budget = 2
[[sections.stimuli]]
ad_copy = { headline = "h", body = "b" }
[[sections.stimuli]]
concept = { title = "t", description = "d" }
[[sections.stimuli]]
creative = { id = "c", caption = "a" }
"#;
    guide::parse(full).unwrap();
    // ...and the schema's limits are the parser's.
    assert_eq!(
        schema["properties"]["sections"]["maxItems"],
        *guide::SECTIONS.end()
    );
    assert_eq!(
        defs["section"]["properties"]["turn_budget"]["minimum"],
        *guide::TURN_BUDGET.start()
    );
    assert_eq!(
        defs["section"]["properties"]["turn_budget"]["maximum"],
        *guide::TURN_BUDGET.end()
    );
    assert_eq!(
        defs["section"]["properties"]["turn_budget"]["default"],
        guide::DEFAULT_TURN_BUDGET
    );
    assert_eq!(
        defs["section"]["properties"]["goals"]["maxItems"],
        *guide::GOALS.end()
    );
    assert_eq!(
        defs["section"]["properties"]["questions"]["maxItems"],
        *guide::QUESTIONS.end()
    );
    assert_eq!(
        defs["section"]["properties"]["probes"]["maxItems"],
        *guide::PROBES.end()
    );
    assert_eq!(
        defs["section"]["properties"]["stimuli"]["maxItems"],
        *guide::STIMULI.end()
    );
}
