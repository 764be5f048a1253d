//! A scripted analyst over an OpenAI-compatible chat endpoint, for the copilot's evaluation:
//! shared by the engine's tests and the copilot benchmark (`examples/copilot-bench.rs`), so
//! both measure the same steps.

#![allow(
    clippy::unwrap_used,
    reason = "a scripted model that meets a question it cannot read should fail loudly"
)]

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// A chat completion whose message is `step`, as an OpenAI-compatible server answers.
pub fn reply(
    body: &Value,
    step: &Value,
    prompt_tokens: u32,
    completion_tokens: u32,
) -> Json<Value> {
    Json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": step.to_string()}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens}
    }))
}

/// The days a question names: "… from 2026-11-16 to 2026-11-22 …".
fn named_days(question: &str) -> (String, String) {
    let from = question.split(" from ").nth(1).unwrap()[..10].to_owned();
    let until = question.split(" to ").nth(1).unwrap()[..10].to_owned();
    (from, until)
}

/// A field of a metrics line: "meta: spend USD 1.00, impressions 10, clicks 2, …".
fn field(line: &str, name: &str) -> String {
    let rest = line.split(&format!(" {name} ")).nth(1).unwrap();
    let rest = rest.strip_prefix("USD ").unwrap_or(rest);
    rest.split(',').next().unwrap().trim().to_owned()
}

/// How the analyst behaves.
#[derive(Debug, Clone, Copy)]
pub struct Analyst {
    /// Get impressions wrong on purpose: ask for every platform and answer another platform's,
    /// which the citation then states but the question did not ask for.
    pub wrong_on_purpose: bool,
    /// Wait this long before each answer, as a vendor's model would take.
    pub latency: Duration,
}

/// An analyst the evaluation can measure: it reads the question, asks the metrics tool for
/// the days it names, and answers the figure or name the result gives. It reports 900 prompt
/// tokens a call when answering on time, else the request's characters over four.
pub async fn answer(State(analyst): State<Analyst>, Json(body): Json<Value>) -> Json<Value> {
    if !analyst.latency.is_zero() {
        tokio::time::sleep(analyst.latency).await;
    }
    let messages = body["messages"].as_array().unwrap();
    let question = messages[1]["content"].as_str().unwrap();
    let last = messages.last().unwrap()["content"]
        .as_str()
        .unwrap_or_default();
    let (from, until) = named_days(question);
    let platform = question
        .split(" did ")
        .nth(1)
        .or_else(|| question.split(" on ").nth(1))
        .map(|rest| rest.split(' ').next().unwrap().to_owned());
    let wrong_on_purpose = analyst.wrong_on_purpose && question.contains("impressions");
    let step = match last.strip_prefix("R1 (workspace_metrics): ") {
        None => {
            let mut arguments = json!({"from": from, "until": until, "by": "platform"});
            if question.starts_with("Which campaign") {
                arguments["by"] = json!("campaign");
            } else if !question.starts_with("Which") && !wrong_on_purpose {
                arguments["platform"] = json!(platform);
            }
            json!({"action": "call", "tool": "workspace_metrics", "arguments": arguments})
        }
        Some(result) => {
            let lines: Vec<&str> = result.lines().skip(1).collect();
            let text = if question.starts_with("Which") {
                let top = lines
                    .iter()
                    .max_by(|a, b| {
                        let spend = |l: &str| field(l, "spend").parse::<f64>().unwrap();
                        spend(a).total_cmp(&spend(b))
                    })
                    .unwrap();
                let name = top.split(": spend").next().unwrap();
                let name = name.rsplit_once(" (").map_or(name, |(n, _)| n);
                format!("The answer is {name}.")
            } else {
                let metric = [
                    ("spend", "spend"),
                    ("clicks", "clicks"),
                    ("impressions", "impressions"),
                    ("conversions", "conversions"),
                    ("CPA", "CPA"),
                    ("ROAS", "ROAS"),
                ]
                .into_iter()
                .find(|(word, _)| question.contains(word))
                .unwrap()
                .1;
                // The wrong line on purpose: another platform's.
                let line = if wrong_on_purpose {
                    let asked = format!("{}:", platform.as_deref().unwrap());
                    lines.iter().find(|l| !l.starts_with(&asked)).unwrap()
                } else {
                    &lines[0]
                };
                format!("The answer is {}.", field(line, metric))
            };
            json!({"action": "answer", "text": text, "citations": ["R1"]})
        }
    };
    let prompt_tokens = if analyst.latency.is_zero() {
        900
    } else {
        (body.to_string().len() / 4) as u32
    };
    reply(&body, &step, prompt_tokens, 60)
}
