//! The agent loop. Each model call returns one step held to the run's step schema; a tool call
//! is validated and run, its result numbered (`R1`, `R2`…) and fed back (its first page when it
//! is long); an answer must cite the results it rests on. The run ends with the answer, or
//! with what was found so far and why it stopped: a step, token or cost budget reached, the
//! model writing an invalid step twice in a row (the first time it is told why), the model
//! failing, or the person cancelling. A tool that fails is not the end: the model is told, and
//! is asked to say what it could not find rather than guess.

use pw_llm::{
    CacheMode, CallScope, ChatMessage, ChatRequest, Gateway, LlmError, Route, Task, Usage,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::error::{AgentError, Result};
use crate::figures::unsupported_figures;
use crate::paging::{pages, shown};
use crate::record::{RecordedStep, RecordedToolResult, ReplayReport, RunRecord};
use crate::step::{ANSWER_CHARACTERS, ModelStep, more_schema, read_step, step_schema};
use crate::tool::{CallProblem, MORE, Source, ToolBox, ToolOutput};

/// A tool result's id in a run: `R1`, `R2`…
pub type ResultId = String;

/// How far a run may go.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Model calls.
    pub max_steps: u32,
    /// Tokens in and out over the run.
    pub max_tokens: u64,
    /// Dollars in micros over the run, where the models' prices are known.
    pub max_cost_micros: Option<i64>,
    /// The longest tool result the model reads at once; longer ones are paged.
    pub page_chars: usize,
    /// The longest reply a step may be, in tokens.
    pub step_tokens: u32,
    /// The context of the model that answers first, in tokens, where it is small enough to
    /// matter (the embedded model's 2,048): when another page and two replies would not fit
    /// beside the conversation, the next step can only answer. `None` for vendors' models.
    pub context_tokens: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 8,
            max_tokens: 60_000,
            max_cost_micros: None,
            page_chars: 4_000,
            step_tokens: 1_024,
            context_tokens: None,
        }
    }
}

/// An agent: what it is for, its tools, its limits.
#[derive(Debug, Clone)]
pub struct AgentSpec {
    pub name: String,
    /// The agent's role and method, before the runtime's protocol.
    pub instructions: String,
    pub tools: ToolBox,
    pub limits: Limits,
    /// A call the runtime makes before the model's first step, as if the model had made it:
    /// its result is `R1` in the conversation. A specialist opens with its analysis, so its
    /// report rests on it whichever model writes (a small model may not choose it).
    pub opening: Option<OpeningCall>,
}

/// A tool and its arguments, called before the model's first step.
#[derive(Debug, Clone, PartialEq)]
pub struct OpeningCall {
    pub tool: String,
    pub arguments: Value,
}

/// One run's question and where its model calls are filed.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub question: String,
    /// The workspace (and study or job) the calls are filed under, and the cache mode.
    pub scope: CallScope,
    pub seed: Option<i64>,
}

/// What a run is doing, as it happens (for the copilot panel's streamed steps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum StepEvent {
    /// The model is deciding step `step` (from 1).
    Deciding { step: u32 },
    /// It called a tool.
    Calling {
        step: u32,
        id: ResultId,
        tool: String,
        arguments: Value,
    },
    /// The tool answered.
    Result {
        step: u32,
        id: ResultId,
        tool: String,
        label: String,
    },
    /// The tool could not answer.
    ToolFailed {
        step: u32,
        id: ResultId,
        tool: String,
        reason: String,
    },
    /// The step was not valid; the model was told why.
    Corrected { step: u32, reason: String },
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Answered,
    StepBudgetReached {
        steps: u32,
    },
    /// The next step could have passed the token limit; `tokens` is what the run used.
    TokenBudgetReached {
        tokens: u64,
        limit: u64,
    },
    /// The next step could have passed the spending limit; `micros` is what the run spent.
    CostBudgetReached {
        micros: i64,
        limit: i64,
    },
    /// A spending limit was set, and the model that answered has no known price.
    CostUnknown {
        model: String,
    },
    /// The model wrote an invalid step twice in a row.
    InvalidSteps {
        reason: String,
    },
    /// The answer twice wrote figures its cited results do not state (the second answer's).
    UnsupportedFigures {
        figures: Vec<String>,
    },
    /// The model failed after the run had found something (before, the run is an error).
    ModelFailed {
        reason: String,
    },
    Cancelled,
}

impl Outcome {
    /// Why the run stopped before answering, in words; `None` when it answered.
    pub fn stopped_because(&self) -> Option<String> {
        Some(match self {
            Outcome::Answered => return None,
            Outcome::StepBudgetReached { steps } => {
                format!("it reached its limit of {steps} steps")
            }
            Outcome::TokenBudgetReached { tokens, limit } => {
                format!("another step could pass its limit of {limit} tokens ({tokens} used)")
            }
            Outcome::CostBudgetReached { micros, limit } => format!(
                "another step could pass its spending limit of ${:.2} (${:.4} spent)",
                *limit as f64 / 1_000_000.0,
                *micros as f64 / 1_000_000.0
            ),
            Outcome::CostUnknown { model } => {
                format!("{model} has no known price, so its spending limit could not be kept")
            }
            Outcome::InvalidSteps { reason } => {
                format!("the model twice wrote a step that could not be carried out ({reason})")
            }
            // The figures themselves stay out of the words: they are what must not be shown.
            Outcome::UnsupportedFigures { figures } => format!(
                "its answer twice gave figures the results it cited do not state ({} of them), \
                 so it is not shown",
                figures.len()
            ),
            Outcome::ModelFailed { reason } => format!("the model failed ({reason})"),
            Outcome::Cancelled => "it was stopped".to_owned(),
        })
    }
}

/// A tool result the answer cites (or, when the run stopped, one it found).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cited {
    pub id: ResultId,
    pub tool: String,
    pub text: String,
    pub data: Value,
    pub source: Source,
}

/// A finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRun {
    pub outcome: Outcome,
    /// The model's answer; when the run stopped first, what was found, said as such.
    pub answer: String,
    pub citations: Vec<Cited>,
    pub record: RunRecord,
}

impl AgentRun {
    pub fn usage(&self) -> Usage {
        self.record.usage()
    }
}

/// The step schema's name, as vendors take it.
const STEP_SCHEMA_NAME: &str = "agent_step";

fn protocol(spec: &AgentSpec) -> String {
    let mut text = format!(
        "{}\n\nYou work in steps. Each reply is one JSON object: either a tool call,\n\
         {{\"action\": \"call\", \"tool\": \"<name>\", \"arguments\": {{...}}}}\n\
         or your answer,\n\
         {{\"action\": \"answer\", \"text\": \"<the answer>\", \"citations\": [\"R1\", ...]}}.\n\
         Tool results are numbered R1, R2, … Cite the results every number and claim in your \
         answer comes from, and give numbers as the results state them: an answer with a figure \
         its cited results do not state is not shown. Look before you answer: your first step \
         calls a tool. When a tool fails or finds nothing, say what you could not find; never \
         guess. You have at most {} steps.\n\nTools:",
        spec.instructions.trim(),
        spec.limits.max_steps
    );
    for (name, description, schema) in spec.tools.described() {
        text.push_str(&format!("\n- {name}: {description}\n  arguments: {schema}"));
    }
    text.push_str(&format!(
        "\n- {MORE}: Reads another page of a long result.\n  arguments: {}",
        more_schema()
    ));
    text
}

/// A result as the run keeps it.
struct Found {
    id: ResultId,
    tool: String,
    /// What it was called with, to tell a repeated call from a new one.
    arguments: Value,
    output: std::result::Result<ToolOutput, String>,
    pages: Vec<String>,
}

/// Runs `spec` on `request`. `on_event` hears each step as it happens; `cancel` stops the run
/// (the model call or tool under way is dropped) with what was found.
pub async fn run(
    gateway: &Gateway,
    spec: &AgentSpec,
    request: &RunRequest,
    on_event: &(dyn Fn(StepEvent) + Send + Sync),
    cancel: &CancellationToken,
) -> Result<AgentRun> {
    // The first step looks (a tool call); an answer is possible once something was found,
    // citing what answered.
    let described = spec.tools.described();
    let mut messages = vec![
        ChatMessage::system(protocol(spec)),
        ChatMessage::user(request.question.trim()),
    ];
    let mut record = RunRecord::default();
    let mut found: Vec<Found> = Vec::new();
    let mut tokens: u64 = 0;
    let mut cost: i64 = 0;
    let mut invalid_before = false;
    // The answer's figures were found wanting once already.
    let mut figures_told = false;
    // A model without a known price answered while a spending limit was set.
    let mut unpriced: Option<String> = None;
    let limits = spec.limits;
    if let Some(opening) = &spec.opening {
        let step_json =
            json!({"action": "call", "tool": opening.tool, "arguments": opening.arguments});
        let told = tokio::select! {
            biased;
            () = cancel.cancelled() => return Ok(stopped(Outcome::Cancelled, &found, record)),
            told = open(spec, opening, on_event, &mut found) => told?,
        };
        messages.push(ChatMessage::assistant(step_json.to_string()));
        messages.push(ChatMessage::user(told.clone()));
        record.opening = found.last().map(|f| RecordedToolResult {
            id: f.id.clone(),
            tool: f.tool.clone(),
            arguments: f.arguments.clone(),
            output: f.output.as_ref().ok().cloned(),
            problem: f.output.as_ref().err().cloned(),
        });
    }
    let outcome = loop {
        let step = record.steps.len() as u32 + 1;
        if step > limits.max_steps {
            break Outcome::StepBudgetReached {
                steps: limits.max_steps,
            };
        }
        if let Some(model) = unpriced.take() {
            break Outcome::CostUnknown { model };
        }
        let mut asking =
            ChatRequest::new(Task::Analysis, messages.clone()).in_scope(request.scope.clone());
        asking.temperature = Some(0.0);
        asking.max_tokens = Some(limits.step_tokens);
        asking.seed = request.seed;
        // The limits hold before a call, not after it: the next step's prompt and its longest
        // reply must fit in what is left.
        let next = u64::from(asking.estimated_tokens());
        if tokens + next > limits.max_tokens {
            break Outcome::TokenBudgetReached {
                tokens,
                limit: limits.max_tokens,
            };
        }
        if let Some(limit) = limits.max_cost_micros {
            let most = Usage {
                input_tokens: u32::try_from(next).unwrap_or(u32::MAX),
                output_tokens: limits.step_tokens,
            };
            let estimate = gateway
                .quote(Task::Analysis, &request.scope, most)
                .ok()
                .and_then(|(_, c)| c)
                .unwrap_or(0);
            if cost + estimate > limit {
                break Outcome::CostBudgetReached {
                    micros: cost,
                    limit,
                };
            }
        }
        let citable: Vec<String> = found
            .iter()
            .filter(|f| f.output.is_ok())
            .map(|f| f.id.clone())
            .collect();
        // A small context that could not hold another look: the step answers from what was
        // found (a small model would otherwise read page after page until it overflows).
        let crowded = !citable.is_empty()
            && limits.context_tokens.is_some_and(|context| {
                let characters: usize =
                    messages.iter().map(|m| m.content.chars().count() + 4).sum();
                // Three characters a token, not four: figures tokenise worse than prose.
                let another_look =
                    characters / 3 + limits.page_chars / 3 + 2 * limits.step_tokens as usize;
                another_look > context as usize
            });
        if crowded && let Some(last) = asking.messages.last_mut() {
            last.content
                .push_str("\n(There is no room to look further: answer now from what you have.)");
        }
        // A tool that takes no arguments and was called can only answer the same again (or
        // fail the same again): it is not offered (a small model held by a grammar would
        // otherwise call it again).
        let offered: Vec<(&'static str, &'static str, Value)> = if crowded {
            Vec::new()
        } else {
            described
                .iter()
                .filter(|(name, _, schema)| {
                    !(takes_nothing(schema) && found.iter().any(|f| f.tool == *name))
                })
                .cloned()
                .collect()
        };
        let step_now = &step_schema(
            &offered,
            (!found.is_empty()).then_some(&citable[..]),
            !crowded,
        );
        on_event(StepEvent::Deciding { step });
        let answered = tokio::select! {
            biased;
            () = cancel.cancelled() => break Outcome::Cancelled,
            answered = gateway.chat_matching(&asking, step_now, STEP_SCHEMA_NAME) => answered,
        };
        let reply = match answered {
            Ok(reply) => reply,
            Err(error) if found.is_empty() => return Err(AgentError::Model(error)),
            Err(error) => {
                break Outcome::ModelFailed {
                    reason: error.to_string(),
                };
            }
        };
        tokens += u64::from(reply.usage.input_tokens) + u64::from(reply.usage.output_tokens);
        // Priced on the model that answered (a fallback may not be the first route).
        let answered_by = Route::new(reply.vendor.clone(), reply.model.clone());
        match gateway.price(&answered_by, reply.usage) {
            Some(spent) => cost += spent,
            None if limits.max_cost_micros.is_some() => {
                unpriced = Some(format!("{}/{}", reply.vendor, reply.model));
            }
            None => {}
        }
        asking.scope = CallScope::default();
        asking.json_schema = Some(step_now.clone());
        let mut recorded = RecordedStep {
            request: asking,
            reply: reply.text.clone(),
            answered_by: format!("{}/{}", reply.vendor, reply.model),
            usage: reply.usage,
            result: None,
            fed_back: None,
        };
        messages.push(ChatMessage::assistant(reply.text.clone()));
        let cut = reply.finish_reason.as_deref() == Some("length");
        let verdict = match read_step(&reply.text) {
            // A reply cut at the step's length is not the model's whole step.
            _ if cut => Err(format!(
                "the reply was cut off at {} tokens; write a shorter step",
                limits.step_tokens
            )),
            Err(reason) => Err(reason),
            // Vendors in plain JSON mode see the step schema only in the prompt: what it holds
            // is checked again here.
            Ok(ModelStep::Answer { .. }) if found.is_empty() && !described.is_empty() => {
                Err("look before you answer: call a tool first".to_owned())
            }
            Ok(ModelStep::Answer { text, .. })
                if text.chars().count() as u64 > ANSWER_CHARACTERS =>
            {
                Err(format!(
                    "the answer is longer than {ANSWER_CHARACTERS} characters; say it in fewer words"
                ))
            }
            Ok(ModelStep::Answer { text, citations }) => {
                match check_citations(&citations, &found) {
                    Ok(()) => {
                        let citations = cited(&citations, &found);
                        let texts: Vec<&str> = citations.iter().map(|c| c.text.as_str()).collect();
                        let unsupported = unsupported_figures(&text, &request.question, &texts);
                        if unsupported.is_empty() {
                            record.steps.push(recorded);
                            return Ok(AgentRun {
                                outcome: Outcome::Answered,
                                answer: text,
                                citations,
                                record,
                            });
                        }
                        if figures_told {
                            record.steps.push(recorded);
                            break Outcome::UnsupportedFigures {
                                figures: unsupported,
                            };
                        }
                        // Told once, as an invalid step is: the model may have misread a
                        // figure or forgotten to cite the result that states it.
                        figures_told = true;
                        let reason = format!(
                            "the answer writes {} which the results it cites do not state",
                            unsupported.join(", ")
                        );
                        on_event(StepEvent::Corrected {
                            step,
                            reason: reason.clone(),
                        });
                        Ok(format!(
                            "Your answer was not shown: {reason}. Give every figure as a cited \
                             result states it, cite the result each comes from, or leave it out."
                        ))
                    }
                    Err(reason) => Err(reason),
                }
            }
            Ok(ModelStep::Call { tool, arguments }) => {
                let id = format!("R{}", found.len() + 1);
                // Only a call that answered: a failed one may be tried again.
                let repeated = found.iter().find(|f| {
                    f.tool == tool && f.arguments == arguments && f.output.is_ok() && tool != MORE
                });
                let called = if let Some(earlier) = repeated {
                    // Asked again, a tool answers the same: the model is told where its answer
                    // is, and a model that keeps asking stops as any invalid step does.
                    Some(Err(CallProblem::Repeated(earlier.id.clone())))
                } else if tool == MORE {
                    Some(read_more(&arguments, &found))
                } else {
                    match spec.tools.check(&tool, &arguments) {
                        None => None,
                        // Told to the model without running anything or naming a result.
                        Some(Err(reason)) => Some(Err(CallProblem::InvalidArguments(reason))),
                        Some(Ok(())) => {
                            on_event(StepEvent::Calling {
                                step,
                                id: id.clone(),
                                tool: tool.clone(),
                                arguments: arguments.clone(),
                            });
                            tokio::select! {
                                biased;
                                () = cancel.cancelled() => {
                                    record.steps.push(recorded);
                                    break Outcome::Cancelled;
                                }
                                called = spec.tools.call(&tool, arguments.clone()) => called,
                            }
                        }
                    }
                };
                match called {
                    None => Err(format!(
                        "there is no tool '{tool}'; the tools are {}",
                        spec.tools
                            .names()
                            .chain([MORE])
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    Some(Err(CallProblem::InvalidArguments(reason))) => {
                        Err(format!("the arguments of {tool} do not fit: {reason}"))
                    }
                    Some(Err(CallProblem::Repeated(earlier))) => Err(format!(
                        "{tool} was already called with these arguments; its result is {earlier}: \
                         answer with it or look at something else"
                    )),
                    Some(Err(CallProblem::Failed(failure))) => {
                        on_event(StepEvent::ToolFailed {
                            step,
                            id: id.clone(),
                            tool: tool.clone(),
                            reason: failure.0.clone(),
                        });
                        let told = format!(
                            "{id} ({tool}) failed: {failure}. Say what you could not find rather than guessing it."
                        );
                        recorded.result = Some(RecordedToolResult {
                            id: id.clone(),
                            tool: tool.clone(),
                            arguments: arguments.clone(),
                            output: None,
                            problem: Some(failure.0.clone()),
                        });
                        found.push(Found {
                            id,
                            tool,
                            arguments,
                            output: Err(failure.0),
                            pages: Vec::new(),
                        });
                        Ok(told)
                    }
                    Some(Ok(output)) if tool == MORE => Ok(output.text),
                    Some(Ok(output)) => {
                        let split = pages(&output.text, limits.page_chars);
                        let told = format!("{id} ({tool}): {}", shown(&id, &split, 1));
                        on_event(StepEvent::Result {
                            step,
                            id: id.clone(),
                            tool: tool.clone(),
                            label: output.source.label.clone(),
                        });
                        recorded.result = Some(RecordedToolResult {
                            id: id.clone(),
                            tool: tool.clone(),
                            arguments: arguments.clone(),
                            output: Some(output.clone()),
                            problem: None,
                        });
                        found.push(Found {
                            id,
                            tool,
                            arguments,
                            output: Ok(output),
                            pages: split,
                        });
                        Ok(told)
                    }
                }
            }
        };
        let told = match verdict {
            Ok(told) => {
                invalid_before = false;
                told
            }
            Err(reason) if invalid_before => {
                record.steps.push(recorded);
                break Outcome::InvalidSteps { reason };
            }
            Err(reason) => {
                invalid_before = true;
                on_event(StepEvent::Corrected {
                    step,
                    reason: reason.clone(),
                });
                format!("That step cannot be carried out: {reason}. Reply with one valid step.")
            }
        };
        // The model is told when its next reply is its last, so it can answer with what it
        // has instead of running out mid-search.
        let told = if step + 1 == limits.max_steps {
            format!("{told}\n(Your next reply is your last step: answer with what you have.)")
        } else {
            told
        };
        recorded.fed_back = Some(told.clone());
        record.steps.push(recorded);
        messages.push(ChatMessage::user(told));
    };
    Ok(stopped(outcome, &found, record))
}

/// Makes the opening call as `R1` and says what the model reads of it. A call the agent's
/// tools cannot take is the caller's mistake, an error; a tool that fails is told like any
/// failed call.
async fn open(
    spec: &AgentSpec,
    opening: &OpeningCall,
    on_event: &(dyn Fn(StepEvent) + Send + Sync),
    found: &mut Vec<Found>,
) -> Result<String> {
    let (tool, arguments) = (&opening.tool, &opening.arguments);
    match spec.tools.check(tool, arguments) {
        None => {
            return Err(AgentError::Invalid(format!(
                "the opening call names '{tool}', which is not one of the agent's tools"
            )));
        }
        Some(Err(reason)) => {
            return Err(AgentError::Invalid(format!(
                "the opening call's arguments do not fit {tool}: {reason}"
            )));
        }
        Some(Ok(())) => {}
    }
    let id = "R1".to_owned();
    // Step 0: before the model's first.
    on_event(StepEvent::Calling {
        step: 0,
        id: id.clone(),
        tool: tool.clone(),
        arguments: arguments.clone(),
    });
    let called = spec
        .tools
        .call(tool, arguments.clone())
        .await
        .ok_or_else(|| {
            AgentError::Invalid(format!("the opening call's tool '{tool}' went away"))
        })?;
    let told = match called {
        Ok(output) => {
            let split = pages(&output.text, spec.limits.page_chars);
            on_event(StepEvent::Result {
                step: 0,
                id: id.clone(),
                tool: tool.clone(),
                label: output.source.label.clone(),
            });
            let told = format!("{id} ({tool}): {}", shown(&id, &split, 1));
            found.push(Found {
                id,
                tool: tool.clone(),
                arguments: arguments.clone(),
                output: Ok(output),
                pages: split,
            });
            told
        }
        Err(problem) => {
            let reason = match problem {
                CallProblem::Failed(failure) => failure.0,
                CallProblem::InvalidArguments(reason) => reason,
                CallProblem::Repeated(earlier) => format!("repeats {earlier}"),
            };
            on_event(StepEvent::ToolFailed {
                step: 0,
                id: id.clone(),
                tool: tool.clone(),
                reason: reason.clone(),
            });
            let told = format!(
                "{id} ({tool}) failed: {reason}. Say what you could not find rather than guessing it."
            );
            found.push(Found {
                id,
                tool: tool.clone(),
                arguments: arguments.clone(),
                output: Err(reason),
                pages: Vec::new(),
            });
            told
        }
    };
    Ok(told)
}

/// Whether a tool's argument schema admits only the empty object.
fn takes_nothing(schema: &Value) -> bool {
    let no_properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .is_none_or(serde_json::Map::is_empty);
    no_properties && schema.get("additionalProperties") == Some(&Value::Bool(false))
}

/// An answer may cite only results that answered.
fn check_citations(citations: &[String], found: &[Found]) -> std::result::Result<(), String> {
    for id in citations {
        match found.iter().find(|f| &f.id == id) {
            None => {
                return Err(format!(
                    "the answer cites {id}, which is not a result of this run"
                ));
            }
            Some(f) if f.output.is_err() => {
                return Err(format!(
                    "the answer cites {id}, which failed and holds nothing"
                ));
            }
            Some(_) => {}
        }
    }
    if citations.is_empty() && found.iter().any(|f| f.output.is_ok()) {
        return Err(
            "the answer cites no result; cite the results its numbers and claims come from".into(),
        );
    }
    Ok(())
}

fn cited(ids: &[String], found: &[Found]) -> Vec<Cited> {
    let mut out: Vec<Cited> = Vec::new();
    for id in ids {
        if out.iter().any(|c| &c.id == id) {
            continue;
        }
        if let Some(Found {
            tool,
            output: Ok(output),
            ..
        }) = found.iter().find(|f| &f.id == id)
        {
            out.push(Cited {
                id: id.clone(),
                tool: tool.clone(),
                text: output.text.clone(),
                data: output.data.clone(),
                source: output.source.clone(),
            });
        }
    }
    out
}

/// `read_more`: another page of a result found earlier.
fn read_more(arguments: &Value, found: &[Found]) -> std::result::Result<ToolOutput, CallProblem> {
    let id = arguments.get("result").and_then(Value::as_str);
    let page = arguments.get("page").and_then(Value::as_u64);
    let (Some(id), Some(page)) = (id, page.filter(|p| *p >= 1)) else {
        return Err(CallProblem::InvalidArguments(
            "read_more takes {\"result\": \"R1\", \"page\": 2}".into(),
        ));
    };
    let Some(Found {
        output: Ok(output),
        pages: split,
        ..
    }) = found.iter().find(|f| f.id == id)
    else {
        return Err(CallProblem::InvalidArguments(format!(
            "{id} is not a result of this run that answered"
        )));
    };
    Ok(ToolOutput {
        text: format!("{id}: {}", shown(id, split, page as usize)),
        data: Value::Null,
        source: output.source.clone(),
    })
}

/// A run that stopped before answering: what it found, said as such, citing all of it.
fn stopped(outcome: Outcome, found: &[Found], record: RunRecord) -> AgentRun {
    let why = outcome
        .stopped_because()
        .unwrap_or_else(|| "it stopped".to_owned());
    let answered: Vec<&Found> = found.iter().filter(|f| f.output.is_ok()).collect();
    let mut answer = format!("I stopped before answering: {why}.");
    if answered.is_empty() {
        answer.push_str(" I had found nothing yet.");
    } else {
        answer.push_str(" What I found so far:");
        for f in &answered {
            if let Ok(output) = &f.output {
                let first = output.text.lines().next().unwrap_or_default();
                answer.push_str(&format!("\n- {} ({}): {first}", output.source.label, f.id));
            }
        }
    }
    let failed: Vec<String> = found
        .iter()
        .filter_map(|f| f.output.as_ref().err().map(|e| format!("{} ({e})", f.tool)))
        .collect();
    if !failed.is_empty() {
        answer.push_str(&format!("\nCould not read: {}.", failed.join("; ")));
    }
    let ids: Vec<String> = answered.iter().map(|f| f.id.clone()).collect();
    AgentRun {
        outcome,
        answer,
        citations: cited(&ids, found),
        record,
    }
}

/// Asks every recorded step again of the response cache only (no model is called: a step the
/// cache does not hold is an error), and compares each answer with the one recorded.
pub async fn replay(
    gateway: &Gateway,
    record: &RunRecord,
    workspace_scope: &CallScope,
) -> Result<ReplayReport> {
    let mut scope = workspace_scope.clone();
    scope.cache = CacheMode::Replay;
    let mut same = 0;
    let mut last = String::new();
    for (index, step) in record.steps.iter().enumerate() {
        let schema = step.request.json_schema.clone().unwrap_or(Value::Null);
        let mut asking = step.request.clone().in_scope(scope.clone());
        asking.json_schema = None;
        let reply = gateway
            .chat_matching(&asking, &schema, STEP_SCHEMA_NAME)
            .await
            .map_err(|e| match e {
                LlmError::NotInCache { .. } => {
                    AgentError::Replay(format!("step {} is not in the response cache", index + 1))
                }
                other => AgentError::Model(other),
            })?;
        if reply.text == step.reply {
            same += 1;
        }
        last = reply.text;
    }
    let answer = match read_step(&last) {
        Ok(ModelStep::Answer { text, .. }) => text,
        _ => String::new(),
    };
    Ok(ReplayReport {
        steps: record.steps.len(),
        same,
        answer,
    })
}
