//! The agent runtime with a scripted model: tool choice, argument validation, corrections,
//! tool failures, paging, budgets, cancellation and replay from the cache with zero calls.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use pw_agents::{
    AgentError, AgentSpec, Limits, OpeningCall, Outcome, RunRequest, Source, SourceKind, StepEvent,
    Tool, ToolBox, ToolFailure, ToolOutput,
};
use pw_llm::{
    CachedAnswer, CallScope, ChatReply, ChatRequest, Gateway, LocalBackend, ResponseCache, Route,
    Task, Usage,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// A model that answers from a list, one reply per call, with a fixed usage per call.
struct ScriptedModel {
    replies: Mutex<VecDeque<String>>,
    /// When the list is empty: this reply for ever.
    then: Option<String>,
    usage: Usage,
    calls: AtomicUsize,
    requests: Mutex<Vec<ChatRequest>>,
}

impl ScriptedModel {
    fn new(replies: &[serde_json::Value]) -> Arc<Self> {
        Self::build(replies, None, Usage::default())
    }

    fn build(
        replies: &[serde_json::Value],
        then: Option<serde_json::Value>,
        usage: Usage,
    ) -> Arc<Self> {
        Arc::new(ScriptedModel {
            replies: Mutex::new(replies.iter().map(|r| r.to_string()).collect()),
            then: then.map(|t| t.to_string()),
            usage,
            calls: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The last user message of the `n`th request (from 0): what the runtime fed back.
    fn last_user_message(&self, n: usize) -> String {
        let requests = self.requests.lock().unwrap();
        let request = &requests[n];
        request.messages.last().unwrap().content.clone()
    }
}

impl LocalBackend for ScriptedModel {
    fn model(&self) -> &str {
        "scripted"
    }

    fn identity(&self) -> &str {
        "scripted-agent-model"
    }

    fn generate<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_token: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, pw_llm::Result<ChatReply>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            self.requests.lock().unwrap().push(request.clone());
            let next = self.replies.lock().unwrap().pop_front();
            let Some(text) = next.or_else(|| self.then.clone()) else {
                return Err(pw_llm::LlmError::MalformedResponse {
                    vendor: "local".into(),
                    message: format!("the script ran out at call {}", self.calls()),
                });
            };
            on_token(&text);
            Ok(ChatReply {
                text,
                vendor: "local".into(),
                model: "scripted".into(),
                usage: self.usage,
                finish_reason: Some("stop".into()),
            })
        })
    }
}

#[derive(Default)]
struct MemoryCache(Mutex<HashMap<String, CachedAnswer>>);

impl ResponseCache for MemoryCache {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<CachedAnswer>> {
        Box::pin(async move { self.0.lock().unwrap().get(key).cloned() })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        _: &'a CallScope,
        answer: &'a CachedAnswer,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.0
                .lock()
                .unwrap()
                .insert(key.to_owned(), answer.clone());
        })
    }
}

fn gateway(model: Arc<ScriptedModel>, cache: Option<Arc<MemoryCache>>) -> Gateway {
    let mut gateway = Gateway::new();
    gateway.add_local("local", model);
    gateway.set_route(Task::Analysis, vec![Route::new("local", "scripted")]);
    if let Some(cache) = cache {
        gateway.set_cache(cache);
    }
    gateway
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Platform {
    Meta,
    GoogleAds,
}

#[derive(Deserialize, JsonSchema)]
struct KpiArgs {
    platform: Platform,
    /// Days back from yesterday.
    days: u32,
}

/// Spend and CPA of a platform: fixed figures, as a metrics query would give them.
struct Kpis;

impl Tool for Kpis {
    type Args = KpiArgs;

    fn name(&self) -> &'static str {
        "platform_kpis"
    }

    fn description(&self) -> &'static str {
        "Spend and cost per acquisition of one platform over the last days"
    }

    async fn call(&self, args: KpiArgs) -> Result<ToolOutput, ToolFailure> {
        let (name, spend, cpa) = match args.platform {
            Platform::Meta => ("meta", 1234.5, 12.3),
            Platform::GoogleAds => ("google_ads", 980.0, 9.8),
        };
        Ok(ToolOutput {
            text: format!(
                "Spend on {name} over {} days: ${spend:.2}\nCPA: ${cpa:.2}",
                args.days
            ),
            data: json!({"platform": name, "days": args.days, "spend": spend, "cpa": cpa}),
            source: Source {
                kind: SourceKind::MetricsQuery,
                reference: json!({"platform": name, "days": args.days}).to_string(),
                label: format!("KPIs of {name}, last {} days", args.days),
            },
        })
    }
}

#[derive(Deserialize, JsonSchema)]
struct CampaignArgs {
    name: String,
}

/// Looks a campaign up and finds none.
struct Campaign;

impl Tool for Campaign {
    type Args = CampaignArgs;

    fn name(&self) -> &'static str {
        "campaign"
    }

    fn description(&self) -> &'static str {
        "A campaign's figures by its name"
    }

    async fn call(&self, args: CampaignArgs) -> Result<ToolOutput, ToolFailure> {
        Err(ToolFailure(format!("no campaign is named “{}”", args.name)))
    }
}

#[derive(Deserialize, JsonSchema)]
struct Nothing {}

/// A long table: 300 lines.
struct Breakdown;

impl Tool for Breakdown {
    type Args = Nothing;

    fn name(&self) -> &'static str {
        "ad_breakdown"
    }

    fn description(&self) -> &'static str {
        "Every ad's spend"
    }

    async fn call(&self, _: Nothing) -> Result<ToolOutput, ToolFailure> {
        let text: String = (1..=300).map(|n| format!("ad {n:03}: ${n}.00\n")).collect();
        Ok(ToolOutput {
            text,
            data: json!({"rows": 300}),
            source: Source {
                kind: SourceKind::MetricsQuery,
                reference: "{\"by\":\"ad\"}".into(),
                label: "Spend by ad".into(),
            },
        })
    }
}

/// A tool that never answers.
struct Hangs;

impl Tool for Hangs {
    type Args = Nothing;

    fn name(&self) -> &'static str {
        "slow_search"
    }

    fn description(&self) -> &'static str {
        "Never finishes"
    }

    async fn call(&self, _: Nothing) -> Result<ToolOutput, ToolFailure> {
        std::future::pending().await
    }
}

fn spec(limits: Limits) -> AgentSpec {
    AgentSpec {
        name: "copilot".into(),
        instructions: "You answer questions about a marketing workspace.".into(),
        tools: ToolBox::new()
            .with(Kpis)
            .unwrap()
            .with(Campaign)
            .unwrap()
            .with(Breakdown)
            .unwrap()
            .with(Hangs)
            .unwrap(),
        limits,
        opening: None,
    }
}

fn ask(question: &str) -> RunRequest {
    RunRequest {
        question: question.into(),
        scope: CallScope::workspace("ws-agents"),
        seed: Some(7),
    }
}

fn call(tool: &str, arguments: serde_json::Value) -> serde_json::Value {
    json!({"action": "call", "tool": tool, "arguments": arguments})
}

fn answer(text: &str, citations: &[&str]) -> serde_json::Value {
    json!({"action": "answer", "text": text, "citations": citations})
}

async fn run_with(
    model: &Arc<ScriptedModel>,
    limits: Limits,
    events: &Mutex<Vec<StepEvent>>,
) -> pw_agents::AgentRun {
    let gateway = gateway(model.clone(), None);
    pw_agents::run(
        &gateway,
        &spec(limits),
        &ask("Why did CPA rise on Meta last week?"),
        &|event| events.lock().unwrap().push(event),
        &CancellationToken::new(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_tool_is_chosen_run_and_cited_in_the_answer() {
    let model = ScriptedModel::new(&[
        call("platform_kpis", json!({"platform": "meta", "days": 7})),
        answer("Meta's CPA was $12.30 over the last 7 days.", &["R1"]),
    ]);
    let events = Mutex::new(Vec::new());
    let run = run_with(&model, Limits::default(), &events).await;
    assert_eq!(run.outcome, Outcome::Answered);
    assert_eq!(run.answer, "Meta's CPA was $12.30 over the last 7 days.");
    assert_eq!(run.citations.len(), 1);
    assert_eq!(run.citations[0].source.kind, SourceKind::MetricsQuery);
    assert_eq!(run.citations[0].data["cpa"], 12.3);
    assert_eq!(model.calls(), 2);
    // The model read the result under its id.
    assert_eq!(
        model.last_user_message(1),
        "R1 (platform_kpis): Spend on meta over 7 days: $1234.50\nCPA: $12.30"
    );
    // It was shown every tool with its argument schema, and held to the step schema.
    let first = model.requests.lock().unwrap()[0].clone();
    let system = &first.messages[0].content;
    assert!(system.contains("- platform_kpis: Spend and cost per acquisition"));
    assert!(
        system.contains("\"google_ads\""),
        "the enum's values are in the schema"
    );
    let schema = first.json_schema.as_ref().unwrap();
    // Each tool's arguments are whole where they are embedded: no reference to elsewhere.
    let text = schema.to_string();
    assert!(!text.contains("$ref") && !text.contains("$defs"), "{text}");
    let platform = &schema["oneOf"][2]["properties"]["arguments"]["properties"]["platform"];
    assert!(platform.to_string().contains("google_ads"), "{platform}");
    assert_eq!(
        schema["oneOf"].as_array().unwrap().len(),
        4,
        "four tools: the first step looks before it may answer"
    );
    let later = model.requests.lock().unwrap()[1].clone();
    assert_eq!(
        later.json_schema.as_ref().unwrap()["oneOf"]
            .as_array()
            .unwrap()
            .len(),
        6,
        "four tools, read_more, answer"
    );
    let events = events.lock().unwrap();
    assert!(
        matches!(&events[1], StepEvent::Calling { id, tool, .. } if id == "R1" && tool == "platform_kpis")
    );
    assert!(
        matches!(&events[2], StepEvent::Result { label, .. } if label == "KPIs of meta, last 7 days")
    );
    assert_eq!(run.record.steps.len(), 2);
    assert_eq!(run.record.result("R1").unwrap().tool, "platform_kpis");
}

#[tokio::test]
async fn an_answer_whose_figures_its_results_do_not_state_is_corrected_before_it_is_shown() {
    let model = ScriptedModel::new(&[
        call("platform_kpis", json!({"platform": "meta", "days": 7})),
        // $13.10 is not what R1 states; the model is told which figure and tries again.
        answer("Meta's CPA rose to $13.10 on $1,234.50 of spend.", &["R1"]),
        answer("Meta's CPA was $12.30 on $1,234.50 of spend.", &["R1"]),
    ]);
    let events = Mutex::new(Vec::new());
    let run = run_with(&model, Limits::default(), &events).await;
    assert_eq!(run.outcome, Outcome::Answered);
    assert_eq!(run.answer, "Meta's CPA was $12.30 on $1,234.50 of spend.");
    assert_eq!(model.calls(), 3);
    let told = model.last_user_message(2);
    assert!(
        told.contains("13.10") && !told.contains("1234.50") && told.contains("not shown"),
        "{told}"
    );
    assert!(events.lock().unwrap().iter().any(
        |e| matches!(e, StepEvent::Corrected { step: 2, reason } if reason.contains("13.10"))
    ));

    // Wrong twice: the answer is not shown; the run says why and gives what it found.
    let model = ScriptedModel::new(&[
        call("platform_kpis", json!({"platform": "meta", "days": 7})),
        answer("Meta's CPA rose 18% to $13.10.", &["R1"]),
        answer("Meta's CPA rose 18%.", &["R1"]),
    ]);
    let run = run_with(&model, Limits::default(), &Mutex::new(Vec::new())).await;
    assert_eq!(
        run.outcome,
        Outcome::UnsupportedFigures {
            figures: vec!["18%".into()]
        }
    );
    assert!(!run.answer.contains("18%"), "{}", run.answer);
    assert!(
        run.answer.contains("KPIs of meta, last 7 days (R1)"),
        "{}",
        run.answer
    );
    assert_eq!(run.citations.len(), 1);
    assert_eq!(run.record.steps.len(), 3);
}

#[tokio::test]
async fn invalid_arguments_are_told_to_the_model_once() {
    let model = ScriptedModel::new(&[
        call("platform_kpis", json!({"platform": "bing", "days": 7})),
        call(
            "platform_kpis",
            json!({"platform": "google_ads", "days": 7}),
        ),
        answer("Google Ads spent $980.00.", &["R1"]),
    ]);
    let events = Mutex::new(Vec::new());
    let run = run_with(&model, Limits::default(), &events).await;
    assert_eq!(run.outcome, Outcome::Answered);
    let told = model.last_user_message(1);
    assert!(
        told.starts_with(
            "That step cannot be carried out: the arguments of platform_kpis do not fit"
        ) && told.contains("bing"),
        "{told}"
    );
    let events = events.lock().unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, StepEvent::Corrected { step: 1, .. }))
    );
    // Nothing was called for the invalid step: no result id was announced for it.
    let calling: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            StepEvent::Calling { step, .. } => Some(*step),
            _ => None,
        })
        .collect();
    assert_eq!(calling, vec![2]);
    // The invalid call made no result: the valid one is R1.
    assert_eq!(run.citations[0].data["platform"], "google_ads");
}

#[tokio::test]
async fn a_second_invalid_step_in_a_row_ends_the_run_saying_why() {
    let model = ScriptedModel::new(&[
        call("platform_kpis", json!({"platform": "meta", "days": 7})),
        call("budget_optimiser", json!({})),
        call("budget_optimiser", json!({})),
    ]);
    let events = Mutex::new(Vec::new());
    let run = run_with(&model, Limits::default(), &events).await;
    let Outcome::InvalidSteps { reason } = &run.outcome else {
        panic!("{:?}", run.outcome);
    };
    assert!(
        reason.contains("there is no tool 'budget_optimiser'") && reason.contains("platform_kpis")
    );
    assert_eq!(model.calls(), 3, "no third chance");
    // What it found is still given, and cited.
    assert!(
        run.answer
            .starts_with("I stopped before answering: the model twice wrote a step")
    );
    assert!(
        run.answer.contains("KPIs of meta, last 7 days (R1)"),
        "{}",
        run.answer
    );
    assert_eq!(run.citations.len(), 1);
}

#[tokio::test]
async fn a_tool_that_fails_is_reported_to_the_model_which_says_what_it_could_not_find() {
    let model = ScriptedModel::new(&[
        call("campaign", json!({"name": "Spring"})),
        answer(
            "I could not find a campaign named Spring in this workspace.",
            &[],
        ),
    ]);
    let events = Mutex::new(Vec::new());
    let run = run_with(&model, Limits::default(), &events).await;
    assert_eq!(run.outcome, Outcome::Answered);
    assert_eq!(
        model.last_user_message(1),
        "R1 (campaign) failed: no campaign is named “Spring”. Say what you could not find rather than guessing it."
    );
    assert!(run.citations.is_empty());
    assert_eq!(
        run.record.result("R1").unwrap().problem.as_deref(),
        Some("no campaign is named “Spring”")
    );
}

#[tokio::test]
async fn an_answer_must_cite_real_results_that_answered() {
    let model = ScriptedModel::new(&[
        call("platform_kpis", json!({"platform": "meta", "days": 7})),
        answer("CPA rose 20%.", &["R9"]),
        answer("CPA rose.", &[]),
        answer("Meta's CPA was $12.30.", &["R1"]),
    ]);
    let events = Mutex::new(Vec::new());
    // Two corrections in a row end a run: R9 is corrected, the uncited answer ends it.
    let run = run_with(&model, Limits::default(), &events).await;
    let Outcome::InvalidSteps { reason } = &run.outcome else {
        panic!("{:?}", run.outcome);
    };
    assert!(reason.contains("cites no result"), "{reason}");
    assert!(
        model
            .last_user_message(2)
            .contains("cites R9, which is not a result of this run")
    );
}

#[tokio::test]
async fn a_long_result_is_paged_and_read_on_never_cut() {
    let model = ScriptedModel::new(&[
        call("ad_breakdown", json!({})),
        call("read_more", json!({"result": "R1", "page": 0})),
        call("read_more", json!({"result": "R1", "page": 2})),
        answer("The ads are listed in R1.", &["R1"]),
    ]);
    let events = Mutex::new(Vec::new());
    let limits = Limits {
        page_chars: 2_000,
        ..Limits::default()
    };
    let run = run_with(&model, limits, &events).await;
    assert_eq!(run.outcome, Outcome::Answered);
    let first = model.last_user_message(1);
    assert!(
        first.starts_with("R1 (ad_breakdown): (page 1 of 3 of R1)\nad 001"),
        "{first}"
    );
    assert!(first.contains(r#"call read_more with {"result": "R1", "page": 2}"#));
    assert!(first.chars().count() < 2_200);
    // There is no page 0: the model is told how to ask.
    assert!(model.last_user_message(2).contains("read_more takes"));
    let second = model.last_user_message(3);
    assert!(second.starts_with("R1: (page 2 of 3 of R1)"), "{second}");
    // Every line is on some page.
    let line = "ad 150: $150.00";
    assert!(first.contains(line) || second.contains(line));
    // The whole text stays in the record and behind the citation.
    assert_eq!(run.citations[0].text.lines().count(), 300);
}

#[tokio::test]
async fn the_step_budget_ends_the_run_with_what_was_found() {
    let model = ScriptedModel::build(
        &[7, 14, 28].map(|days| call("platform_kpis", json!({"platform": "meta", "days": days}))),
        None,
        Usage::default(),
    );
    let events = Mutex::new(Vec::new());
    let limits = Limits {
        max_steps: 3,
        ..Limits::default()
    };
    let run = run_with(&model, limits, &events).await;
    assert_eq!(run.outcome, Outcome::StepBudgetReached { steps: 3 });
    assert_eq!(model.calls(), 3);
    // Before its last step the model was told so.
    assert!(
        model
            .last_user_message(2)
            .ends_with("(Your next reply is your last step: answer with what you have.)")
    );
    assert!(!model.last_user_message(1).contains("last step"));
    assert!(
        run.answer
            .starts_with("I stopped before answering: it reached its limit of 3 steps.")
    );
    assert_eq!(run.citations.len(), 3, "R1 to R3, each cited");
}

#[tokio::test]
async fn a_call_asked_again_is_pointed_at_its_result_and_a_model_that_keeps_asking_stops() {
    let same = call("platform_kpis", json!({"platform": "meta", "days": 7}));
    let model = ScriptedModel::build(&[], Some(same), Usage::default());
    let events = Mutex::new(Vec::new());
    let run = run_with(&model, Limits::default(), &events).await;
    // The tool ran once; the repeat was told where its answer is, the next one ended the run.
    assert_eq!(model.calls(), 3);
    assert!(
        model
            .last_user_message(2)
            .contains("platform_kpis was already called with these arguments; its result is R1"),
        "{}",
        model.last_user_message(2)
    );
    // The first step could only look; the next could answer, citing only R1.
    let schemas: Vec<serde_json::Value> = model
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.json_schema.clone().unwrap())
        .collect();
    let choices = |i: usize| schemas[i]["oneOf"].as_array().unwrap().clone();
    assert!(
        choices(0)
            .iter()
            .all(|c| c["properties"]["action"]["const"] == "call")
    );
    let answer = choices(1)
        .into_iter()
        .find(|c| c["properties"]["action"]["const"] == "answer")
        .unwrap();
    assert_eq!(
        answer["properties"]["citations"]["items"]["enum"],
        json!(["R1"])
    );
    assert!(
        matches!(&run.outcome, Outcome::InvalidSteps { reason } if reason.contains("already called")),
        "{:?}",
        run.outcome
    );
    assert_eq!(run.citations.len(), 1, "R1, found once");
}

#[tokio::test]
async fn the_token_budget_stops_before_the_call_that_would_pass_it() {
    let model = ScriptedModel::build(
        &(1..=6)
            .map(|days| call("platform_kpis", json!({"platform": "meta", "days": days})))
            .collect::<Vec<_>>(),
        None,
        Usage {
            input_tokens: 800,
            output_tokens: 200,
        },
    );
    let events = Mutex::new(Vec::new());
    let limits = Limits {
        max_tokens: 4_000,
        ..Limits::default()
    };
    let run = run_with(&model, limits, &events).await;
    let Outcome::TokenBudgetReached { tokens, limit } = run.outcome else {
        panic!("{:?}", run.outcome);
    };
    assert_eq!(limit, 4_000);
    let used = run.usage();
    assert_eq!(tokens, u64::from(used.input_tokens + used.output_tokens));
    // Checked before each call against the prompt and the longest reply: never passed.
    assert!(tokens <= 4_000, "{tokens}");
    assert!(model.calls() >= 2, "{}", model.calls());
    assert_eq!(tokens, 1_000 * model.calls() as u64);
    assert!(
        run.answer
            .contains("another step could pass its limit of 4000 tokens")
    );
}

#[tokio::test]
async fn cancelling_stops_a_tool_under_way_and_keeps_what_was_found() {
    let model = ScriptedModel::new(&[
        call("platform_kpis", json!({"platform": "meta", "days": 7})),
        call("slow_search", json!({})),
    ]);
    let gateway = gateway(model.clone(), None);
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        stopper.cancel();
    });
    let run = tokio::time::timeout(
        Duration::from_secs(10),
        pw_agents::run(
            &gateway,
            &spec(Limits::default()),
            &ask("What happened?"),
            &|_| {},
            &cancel,
        ),
    )
    .await
    .expect("the run stops when cancelled")
    .unwrap();
    assert_eq!(run.outcome, Outcome::Cancelled);
    assert!(
        run.answer
            .starts_with("I stopped before answering: it was stopped.")
    );
    assert_eq!(run.citations.len(), 1);
    assert_eq!(run.record.steps.len(), 2);
}

#[tokio::test]
async fn a_model_that_fails_first_is_an_error_not_an_answer() {
    // The model fails at once (an empty script answers with an error).
    let gateway = gateway(ScriptedModel::new(&[]), None);
    let result = pw_agents::run(
        &gateway,
        &spec(Limits::default()),
        &ask("Anything?"),
        &|_| {},
        &CancellationToken::new(),
    )
    .await;
    assert!(matches!(result, Err(AgentError::Model(_))), "{result:?}");
}

#[tokio::test]
async fn a_run_replays_from_the_cache_with_zero_model_calls() {
    let cache = Arc::new(MemoryCache::default());
    let model = ScriptedModel::new(&[
        call("platform_kpis", json!({"platform": "meta", "days": 7})),
        call(
            "platform_kpis",
            json!({"platform": "google_ads", "days": 7}),
        ),
        answer(
            "Meta's CPA ($12.30) is above Google Ads' ($9.80).",
            &["R1", "R2"],
        ),
    ]);
    let live = gateway(model.clone(), Some(cache.clone()));
    let run = pw_agents::run(
        &live,
        &spec(Limits::default()),
        &ask("Where is CPA higher?"),
        &|_| {},
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(run.outcome, Outcome::Answered);
    assert_eq!(model.calls(), 3);

    // A gateway over an empty script: a model call would fail, and count.
    let silent = ScriptedModel::new(&[]);
    let replaying = gateway(silent.clone(), Some(cache.clone()));
    let report = pw_agents::replay(&replaying, &run.record, &CallScope::workspace("ws-agents"))
        .await
        .unwrap();
    assert_eq!(silent.calls(), 0);
    assert_eq!((report.steps, report.same), (3, 3));
    assert_eq!(report.answer, run.answer);

    // A record the cache does not hold cannot be replayed, and says which step.
    let empty = gateway(
        ScriptedModel::new(&[]),
        Some(Arc::new(MemoryCache::default())),
    );
    let missing = pw_agents::replay(&empty, &run.record, &CallScope::workspace("ws-agents")).await;
    assert!(
        matches!(&missing, Err(AgentError::Replay(why)) if why.contains("step 1")),
        "{missing:?}"
    );
}

#[test]
fn a_toolbox_refuses_two_tools_of_one_name_and_names_a_model_cannot_write() {
    assert!(ToolBox::new().with(Kpis).unwrap().with(Kpis).is_err());
    struct Spaced;
    impl Tool for Spaced {
        type Args = Nothing;
        fn name(&self) -> &'static str {
            "Spend by Day"
        }
        fn description(&self) -> &'static str {
            ""
        }
        async fn call(&self, _: Nothing) -> Result<ToolOutput, ToolFailure> {
            Err(ToolFailure("unused".into()))
        }
    }
    assert!(ToolBox::new().with(Spaced).is_err());
}

#[tokio::test]
async fn an_opening_call_is_made_before_the_first_step_and_the_model_may_answer_from_it() {
    let model = ScriptedModel::new(&[answer(
        "Meta's CPA was $12.30 over the last 7 days.",
        &["R1"],
    )]);
    let events = Mutex::new(Vec::new());
    let mut opened = spec(Limits::default());
    opened.opening = Some(OpeningCall {
        tool: "platform_kpis".into(),
        arguments: json!({"platform": "meta", "days": 7}),
    });
    let gateway = gateway(model.clone(), None);
    let run = pw_agents::run(
        &gateway,
        &opened,
        &ask("Why did CPA rise on Meta last week?"),
        &|event| events.lock().unwrap().push(event),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(run.outcome, Outcome::Answered, "{}", run.answer);
    assert_eq!(run.citations[0].data["cpa"], 12.3);
    // One model call: the result was in its first request, as if it had called for it.
    assert_eq!(model.calls(), 1);
    let first = model.requests.lock().unwrap()[0].clone();
    let told = &first.messages[first.messages.len() - 1].content;
    assert!(
        told.starts_with("R1 (platform_kpis): Spend on meta"),
        "{told}"
    );
    assert!(
        first.messages[first.messages.len() - 2]
            .content
            .contains("\"tool\":\"platform_kpis\"")
    );
    // Its first step may answer, citing the opening's result.
    assert!(
        first
            .json_schema
            .as_ref()
            .unwrap()
            .to_string()
            .contains("\"answer\""),
        "the answer is open once something was found"
    );
    assert!(
        matches!(&events.lock().unwrap()[0], StepEvent::Calling { step: 0, id, .. } if id == "R1")
    );
    assert_eq!(run.record.opening.as_ref().unwrap().tool, "platform_kpis");
    assert_eq!(run.record.result("R1").unwrap().arguments["days"], 7);
    assert_eq!(run.record.steps.len(), 1);

    // An opening the agent's tools cannot take is the caller's mistake.
    opened.opening = Some(OpeningCall {
        tool: "astrology".into(),
        arguments: json!({}),
    });
    let refused = pw_agents::run(
        &gateway,
        &opened,
        &ask("Anything?"),
        &|_| {},
        &CancellationToken::new(),
    )
    .await;
    assert!(
        matches!(refused, Err(AgentError::Invalid(_))),
        "{refused:?}"
    );
    assert_eq!(model.calls(), 1, "no model call for a run that cannot open");
}

#[tokio::test]
async fn a_small_context_that_cannot_hold_another_look_gets_an_answer_step() {
    let model = ScriptedModel::new(&[
        call("ad_breakdown", json!({})),
        answer("Ad 001 spent $1.00.", &["R1"]),
    ]);
    let events = Mutex::new(Vec::new());
    let limits = Limits {
        page_chars: 600,
        step_tokens: 200,
        context_tokens: Some(1_200),
        ..Limits::default()
    };
    let run = run_with(&model, limits, &events).await;
    assert_eq!(run.outcome, Outcome::Answered, "{}", run.answer);
    let requests = model.requests.lock().unwrap();
    // The first step could look; after a page of 600 characters there was no room for another
    // (the protocol, the page, and two replies of 200 tokens pass 1,200 tokens).
    assert!(
        requests[0].json_schema.as_ref().unwrap()["oneOf"]
            .as_array()
            .unwrap()
            .len()
            > 1
    );
    let second = requests[1].json_schema.as_ref().unwrap()["oneOf"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(second.len(), 1, "the answer alone: {second:?}");
    assert_eq!(second[0]["properties"]["action"]["const"], "answer");
    assert!(
        requests[1]
            .messages
            .last()
            .unwrap()
            .content
            .ends_with("answer now from what you have.)")
    );
}
