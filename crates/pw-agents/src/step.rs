//! One step of a run, as the model writes it: a call of one of the run's tools, or the answer.
//! The schema is built for the run's tools (each tool's name fixed with its own argument
//! schema), so a vendor holding answers to a schema, or the local model's grammar, cannot write
//! an unknown tool; the reply is read back and checked here all the same, because vendors in
//! plain JSON mode only see the schema in the prompt.

use serde_json::{Value, json};

use crate::tool::MORE;

/// What the model decided.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ModelStep {
    Call {
        tool: String,
        arguments: Value,
    },
    Answer {
        text: String,
        /// Result ids ("R1") the answer rests on.
        citations: Vec<String>,
    },
}

/// The longest answer a step may write, in characters: a few sentences, with room to spare.
/// Bounded because a small local model held to the schema by a grammar otherwise keeps a
/// string open until its reply is cut off; 1,200 plain characters are about 300 tokens, within
/// the embedded model's 384-token steps (escapes such as `\u00e9` cost more, and a reply cut
/// off is told to the model as an invalid step).
pub(crate) const ANSWER_CHARACTERS: u64 = 1_200;

/// A result id as the answer cites it.
const RESULT_ID: &str = "^R[1-9][0-9]{0,2}$";

/// The JSON Schema a step must match, for these tools (name, description, argument schema).
/// `citable` are the results an answer may cite (those that answered); `None` while the run
/// has looked at nothing, when the step must call a tool.
pub(crate) fn step_schema(
    tools: &[(&'static str, &'static str, Value)],
    citable: Option<&[String]>,
    read_more: bool,
) -> Value {
    let mut choices: Vec<Value> = tools
        .iter()
        .map(|(name, _, arguments)| call_schema(name, arguments.clone()))
        .collect();
    if citable.is_some() || tools.is_empty() {
        let citable = citable.unwrap_or_default();
        // Only a result that answered can be cited; held to them, a model cannot cite R7 in a
        // run of three.
        let items = if citable.is_empty() {
            json!({"type": "string", "pattern": RESULT_ID})
        } else {
            json!({"type": "string", "enum": citable})
        };
        let (least, most) = if citable.is_empty() {
            (0, 0)
        } else {
            (1, citable.len().min(12))
        };
        if read_more {
            choices.push(call_schema(MORE, more_schema()));
        }
        choices.push(json!({
            "type": "object",
            "properties": {
                "action": {"const": "answer"},
                "text": {"type": "string", "minLength": 1, "maxLength": ANSWER_CHARACTERS},
                "citations": {"type": "array", "items": items, "minItems": least,
                              "maxItems": most},
            },
            "required": ["action", "text", "citations"],
            "additionalProperties": false,
            "propertyOrder": ["action", "text", "citations"],
        }));
    }
    json!({ "oneOf": choices })
}

fn call_schema(name: &str, arguments: Value) -> Value {
    json!({
        "type": "object",
        "properties": {
            "action": {"const": "call"},
            "tool": {"const": name},
            "arguments": arguments,
        },
        "required": ["action", "tool", "arguments"],
        "additionalProperties": false,
        // A model held to the schema while it writes (the local model's grammar) picks the
        // tool before writing arguments for it.
        "propertyOrder": ["action", "tool", "arguments"],
    })
}

/// The arguments of the runtime's own `read_more`.
pub(crate) fn more_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "result": {"type": "string", "description": "The result's id, as R3", "pattern": RESULT_ID},
            "page": {"type": "integer", "minimum": 2, "maximum": 99},
        },
        "required": ["result", "page"],
        "additionalProperties": false,
    })
}

/// Reads a reply as a step; the reason in words when it is not one.
pub(crate) fn read_step(text: &str) -> Result<ModelStep, String> {
    let body = text.trim();
    // A fence around the JSON is the one wrapping models add unasked.
    let body = body
        .strip_prefix("```json")
        .or_else(|| body.strip_prefix("```"))
        .and_then(|rest| rest.strip_suffix("```"))
        .map_or(body, str::trim);
    let value: Value =
        serde_json::from_str(body).map_err(|e| format!("the reply is not JSON ({e})"))?;
    let action = value.get("action").and_then(Value::as_str);
    match action {
        Some("call") => {
            let tool = value
                .get("tool")
                .and_then(Value::as_str)
                .ok_or("a call names no tool")?;
            let arguments = value.get("arguments").cloned().unwrap_or(json!({}));
            Ok(ModelStep::Call {
                tool: tool.to_owned(),
                arguments,
            })
        }
        Some("answer") => {
            let text = value
                .get("text")
                .and_then(Value::as_str)
                .filter(|t| !t.trim().is_empty())
                .ok_or("an answer without text")?;
            let citations = match value.get("citations") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_owned)
                            .ok_or("citations are result ids like \"R1\"")
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => return Err("citations are a list of result ids like [\"R1\"]".into()),
            };
            Ok(ModelStep::Answer {
                text: text.to_owned(),
                citations,
            })
        }
        _ => Err("\"action\" is neither \"call\" nor \"answer\"".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_and_answers_are_read_and_anything_else_says_why() {
        assert_eq!(
            read_step(r#"{"action":"call","tool":"kpis","arguments":{"days":7}}"#),
            Ok(ModelStep::Call {
                tool: "kpis".into(),
                arguments: json!({"days": 7})
            })
        );
        assert_eq!(
            read_step(
                "```json\n{\"action\":\"answer\",\"text\":\"CPA rose.\",\"citations\":[\"R1\"]}\n```"
            ),
            Ok(ModelStep::Answer {
                text: "CPA rose.".into(),
                citations: vec!["R1".into()]
            })
        );
        assert!(read_step("CPA rose").unwrap_err().contains("not JSON"));
        assert!(
            read_step(r#"{"action":"think"}"#)
                .unwrap_err()
                .contains("neither")
        );
        assert!(read_step(r#"{"action":"answer","text":" "}"#).is_err());
        assert!(read_step(r#"{"action":"answer","text":"x","citations":"R1"}"#).is_err());
    }

    #[test]
    fn the_schema_fixes_each_tool_with_its_own_arguments() {
        let citable = vec!["R1".to_owned(), "R3".to_owned()];
        let schema = step_schema(
            &[("kpis", "KPIs", json!({"type": "object"}))],
            Some(&citable),
            true,
        );
        let choices = schema["oneOf"].as_array().unwrap();
        assert_eq!(choices.len(), 3, "the tool, read_more, the answer");
        assert_eq!(choices[0]["properties"]["tool"]["const"], "kpis");
        assert_eq!(choices[1]["properties"]["tool"]["const"], MORE);
        assert_eq!(choices[2]["properties"]["action"]["const"], "answer");
        assert_eq!(
            choices[2]["properties"]["text"]["maxLength"],
            ANSWER_CHARACTERS
        );
        assert_eq!(
            choices[2]["properties"]["citations"]["items"]["enum"],
            json!(["R1", "R3"])
        );
        // With no room to look further, the answer alone.
        let last = step_schema(&[], Some(&citable), false);
        assert_eq!(last["oneOf"].as_array().unwrap().len(), 1);
        assert_eq!(last["oneOf"][0]["properties"]["action"]["const"], "answer");
        // Before anything was found, the step can only call a tool.
        let first = step_schema(&[("kpis", "KPIs", json!({"type": "object"}))], None, true);
        let choices = first["oneOf"].as_array().unwrap();
        assert_eq!(choices.len(), 1);
        assert_eq!(choices[0]["properties"]["tool"]["const"], "kpis");
    }
}
