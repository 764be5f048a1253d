//! Survey benchmark (issue 14): a survey run's pace under a vendor's rate limit, what one
//! conversation per respondent saves in prompt tokens, batched answering on the embedded local
//! model, and raking and crosstabs on 10,000 respondents. Prints figures; asserts nothing about
//! time.
//!
//! 1. N respondents (default 1,000) answer a 10-question survey (one block: single choice,
//!    Likert, NPS, numeric and open questions, no logic) through an OpenAI-compatible server on
//!    loopback that answers after a fixed 150 ms and enforces 600 requests per minute with a
//!    one-second burst (a token bucket of 10), answering 429 with `retry-after-ms` beyond; the
//!    vendor is configured with the same limit, and the run answers 32 respondents at once.
//!    The server reads each request's JSON Schema (`response_format.json_schema.schema`) and
//!    answers every property. The floor is the rate limit's: (calls − burst) × 60 / rpm, plus
//!    one latency. Likert answers are embedded by the embedded MiniLM, as in the app.
//! 2. Prompt tokens (characters / 4, counted by the server and reported back as `usage`) per
//!    answer stored, against asking each question in a call of its own with the same persona
//!    (the system message of requests the server received, plus that question alone).
//! 3. On the embedded local model: respondents per minute answering 8 at once (the local
//!    backend decodes several sequences in one batch) against one at a time, on a 3-question
//!    survey.
//! 4. Raking to a census-like universe and crosstabs on 10,000 synthetic respondents held in
//!    memory (`pw_surveys::results::{weigh, results, crosstab_by}`), next to the time answering
//!    10,000 would take at the pace of step 1.
//!
//! A run whose job fails (every attempt) is reported with its error and what it answered, and
//! the benchmark goes on; nothing is resumed.
//!
//! Run: `PROFITWHEEL_MODELS_DIR=models scripts/with-test-keyring cargo run -p pw-engine
//! --example survey-bench [-- RESPONDENTS] [--server-only | --local-only]` (`--server-only` skips
//! step 3; `--local-only` runs only step 3).

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark prints its figures and stops loudly"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pw_engine::jobs::JobState;
use pw_engine::models::{ModelInfo, Route, Task, VendorInput, VendorKind};
use pw_engine::surveys::{
    Answer, Dimension, QuestionType, Rated, Respondent, ResultOptions, RunRequest, RunStatus,
    StoredAnswer, Survey, SurveyId, SurveyRun, Universe, UniverseChoice,
};
use pw_engine::workspaces::{CreateWorkspace, WorkspaceId};
use pw_engine::{Engine, EngineConfig};
use pw_surveys::asking::{Asked, block_prompt};
use pw_surveys::universe::{AGE_BAND, INCOME, REGION, SEGMENT, SEX};
use serde_json::{Map, Value, json};

const LATENCY: Duration = Duration::from_millis(150);
const RPM: u32 = 600;
const CONCURRENCY: usize = 32;
const RESPONDENTS: usize = 1_000;
/// Request bodies the server keeps, for the one-question-per-call comparison.
const SAMPLE: usize = 50;
const LOCAL_RESPONDENTS: usize = 12;
const RAKED: usize = 10_000;

/// Ten questions, no logic: one block, one call per respondent.
const SURVEY: &str = r#"{ "format": "profitwheel-survey", "version": 1, "title": "Coffee habits",
  "intro": "A few questions about how you buy and drink coffee.",
  "questions": [
    { "id": "buy", "type": "single_choice", "text": "Where do you buy coffee beans most often?",
      "options": [ {"id": "shop", "label": "A coffee shop"}, {"id": "store", "label": "A grocery store"},
                   {"id": "online", "label": "Online"}, {"id": "none", "label": "I do not buy beans", "anchored": true} ] },
    { "id": "roasts", "type": "likert", "points": 5, "labels": ["Strongly disagree", "Strongly agree"],
      "text": "I enjoy trying new roasts." },
    { "id": "nps", "type": "nps", "text": "How likely are you to recommend Halcyon Roasters to a friend?" },
    { "id": "cups", "type": "numeric", "text": "How many cups of coffee do you drink a week?", "min": 0, "max": 70 },
    { "id": "brew", "type": "single_choice", "text": "How do you brew at home most often?",
      "options": [ {"id": "drip", "label": "Drip machine"}, {"id": "espresso", "label": "Espresso machine"},
                   {"id": "pour", "label": "Pour-over"}, {"id": "pods", "label": "Pods"}, {"id": "instant", "label": "Instant"} ] },
    { "id": "price", "type": "likert", "points": 5, "labels": ["Strongly disagree", "Strongly agree"],
      "text": "Price matters more to me than where the beans come from." },
    { "id": "spend", "type": "numeric", "text": "What do you usually pay for a 12 oz bag of beans?", "min": 0, "max": 60, "unit": "dollars" },
    { "id": "intent", "type": "likert", "points": 5, "labels": ["Very unlikely", "Very likely"],
      "text": "How likely are you to try a coffee subscription this year?" },
    { "id": "heard", "type": "single_choice", "text": "Where did you last hear about a new coffee brand?",
      "options": [ {"id": "friends", "label": "From friends"}, {"id": "social", "label": "Social media"},
                   {"id": "store", "label": "In a store"}, {"id": "ads", "label": "An ad"} ] },
    { "id": "switch", "type": "open", "text": "What would make you switch to a different roaster?" }
  ] }"#;

/// Three questions for the embedded model (as in the engine's survey test).
const SHORT_SURVEY: &str = r#"{ "format": "profitwheel-survey", "version": 1, "title": "Beans",
  "questions": [
    { "id": "buy", "type": "single_choice", "text": "Where do you buy coffee beans most often?",
      "options": [ {"id": "shop", "label": "A coffee shop"}, {"id": "store", "label": "A grocery store"}, {"id": "online", "label": "Online"} ] },
    { "id": "like", "type": "likert", "points": 5, "labels": ["Strongly disagree", "Strongly agree"], "text": "I enjoy trying new roasts." },
    { "id": "cups", "type": "numeric", "text": "How many cups of coffee do you drink a week?", "min": 0, "max": 70 }
  ] }"#;

/// Free-text answers (ratings and open ends), from refusal to enthusiasm.
const SENTENCES: [&str; 5] = [
    "Not at all, honestly that is not me and I would not bother.",
    "Not really, I rarely think about it and stick to what I know.",
    "Somewhat, it depends on the price and on the week.",
    "Yes, mostly, I like that and it fits how I buy coffee.",
    "Absolutely, that is exactly me and I would do it tomorrow.",
];

// ---------------------------------------------------------------------------------------------
// The loopback vendor

/// A token bucket the size of one second's requests, refilled at the per-minute rate.
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Clone)]
struct Vendor {
    rpm: u32,
    bucket: Arc<Mutex<Bucket>>,
    served: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
    prompt_chars: Arc<AtomicU64>,
    /// Questions asked in the requests answered (properties of their schemas).
    asked: Arc<AtomicUsize>,
    sample: Arc<Mutex<Vec<Value>>>,
    /// When the first request was admitted and the last answer sent.
    span: Arc<Mutex<(Option<Instant>, Option<Instant>)>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Vendor {
    fn new(rpm: u32) -> Self {
        let burst = f64::from((rpm / 60).max(1));
        Vendor {
            rpm,
            bucket: Arc::new(Mutex::new(Bucket {
                tokens: burst,
                at: Instant::now(),
            })),
            served: Arc::default(),
            refused: Arc::default(),
            prompt_chars: Arc::default(),
            asked: Arc::default(),
            sample: Arc::default(),
            span: Arc::default(),
        }
    }

    fn burst(&self) -> usize {
        (self.rpm / 60).max(1) as usize
    }

    /// Admits a request, or says how long until the bucket holds one.
    fn take(&self) -> Result<(), Duration> {
        let per_second = f64::from(self.rpm) / 60.0;
        let mut bucket = lock(&self.bucket);
        let now = Instant::now();
        let refill = now.duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst() as f64);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

fn message_chars(body: &Value) -> usize {
    body["messages"].as_array().map_or(0, |messages| {
        messages
            .iter()
            .filter_map(|m| m["content"].as_str())
            .map(str::len)
            .sum()
    })
}

/// A value that fits `schema`, varied by `n`: an enum's value, a number within its bounds, a
/// sentence for a string.
fn fitting(schema: &Value, n: usize) -> Value {
    if let Some(values) = schema["enum"].as_array().filter(|v| !v.is_empty()) {
        return values[n % values.len()].clone();
    }
    match schema["type"].as_str() {
        Some("integer" | "number") => {
            let low = schema["minimum"].as_f64().unwrap_or(1.0);
            let high = schema["maximum"].as_f64().unwrap_or(low + 10.0).max(low);
            let span = (high - low) as usize + 1;
            json!((low as i64) + (n % span) as i64)
        }
        Some("array") => {
            let items = schema["minItems"].as_u64().unwrap_or(1).max(1) as usize;
            match schema["items"]["enum"].as_array() {
                Some(values) => json!(values.iter().take(items).collect::<Vec<_>>()),
                None => json!(
                    (0..items)
                        .map(|i| fitting(&schema["items"], n + i))
                        .collect::<Vec<_>>()
                ),
            }
        }
        Some("object") => answer_for(schema, n),
        _ => json!(SENTENCES[n % SENTENCES.len()]),
    }
}

/// An object answering every property of `schema`.
fn answer_for(schema: &Value, n: usize) -> Value {
    let mut answer = Map::new();
    if let Some(properties) = schema["properties"].as_object() {
        for (k, (id, property)) in properties.iter().enumerate() {
            let pick = n.wrapping_mul(7).wrapping_add(k.wrapping_mul(13)) / 3;
            answer.insert(id.clone(), fitting(property, pick));
        }
    }
    Value::Object(answer)
}

async fn completions(State(vendor): State<Vendor>, Json(body): Json<Value>) -> Response {
    if let Err(wait) = vendor.take() {
        vendor.refused.fetch_add(1, Ordering::SeqCst);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [
                ("retry-after-ms", wait.as_millis().max(1).to_string()),
                ("retry-after", wait.as_secs().max(1).to_string()),
            ],
            Json(json!({ "error": { "message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded" } })),
        )
            .into_response();
    }
    lock(&vendor.span).0.get_or_insert_with(Instant::now);
    let chars = message_chars(&body);
    vendor
        .prompt_chars
        .fetch_add(chars as u64, Ordering::SeqCst);
    let n = vendor.served.fetch_add(1, Ordering::SeqCst);
    vendor.asked.fetch_add(
        body["response_format"]["json_schema"]["schema"]["properties"]
            .as_object()
            .map_or(0, Map::len),
        Ordering::SeqCst,
    );
    {
        let mut sample = lock(&vendor.sample);
        if sample.len() < SAMPLE {
            sample.push(body.clone());
        }
    }
    tokio::time::sleep(LATENCY).await;
    let answer = answer_for(&body["response_format"]["json_schema"]["schema"], n);
    lock(&vendor.span).1 = Some(Instant::now());
    Json(json!({
        "id": "chatcmpl-bench", "object": "chat.completion", "model": body["model"],
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": answer.to_string() }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": chars / 4, "completion_tokens": 60, "total_tokens": chars / 4 + 60 }
    }))
    .into_response()
}

/// The vendor on a thread and runtime of its own, as a remote server would be; its base URL.
fn start_vendor(vendor: Vendor) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = axum::Router::new()
                .route("/v1/chat/completions", axum::routing::post(completions))
                .with_state(vendor);
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}/v1", rx.recv().unwrap())
}

// ---------------------------------------------------------------------------------------------
// Engines, twins and runs

fn checkout_dir(variable: &str, folder: &str) -> PathBuf {
    std::env::var_os(variable)
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(folder)
        })
}

async fn open_engine(dir: &Path, name: &str) -> (Arc<Engine>, WorkspaceId) {
    let mut config = EngineConfig::new(dir);
    config.models_dir = checkout_dir("PROFITWHEEL_MODELS_DIR", "models");
    config.reference_data_dir = checkout_dir("PROFITWHEEL_REFERENCE_DATA_DIR", "reference-data");
    config.keychain_service = format!("ProfitWheel bench {name} {}", std::process::id());
    let engine = Engine::open(config).await.unwrap();
    let workspace = engine
        .workspaces()
        .create(CreateWorkspace {
            name: "Bench".into(),
            brand: "Halcyon Roasters".into(),
            currency: "USD".into(),
            time_zone: "UTC".into(),
        })
        .await
        .unwrap()
        .workspace
        .id;
    (engine, workspace)
}

/// Two audiences with three twins each and their memories, written straight into the database
/// (as the engine's survey test does; twin creation has its own tests).
async fn seed_twins(dir: &Path, workspace: &str) {
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.join("profitwheel.sqlite3").display()
    ))
    .await
    .unwrap();
    let now = "2026-11-29T09:00:00.000Z";
    let segments = [
        (
            "Home baristas",
            [
                ("Maya R.", "Brews espresso at home every morning."),
                ("Leo K.", "Grinds his own beans and weighs every dose."),
                ("Priya S.", "Bought an espresso machine last winter."),
            ],
            [
                "Shipping took nine days last time.",
                "I switched to a local roaster for fresher beans.",
                "I pay about eighteen dollars a bag.",
                "My grinder broke in the spring and I bought pre-ground for a month.",
                "I follow two roasters on Instagram.",
                "I gave a coffee subscription as a gift last year.",
            ],
        ),
        (
            "Busy commuters",
            [
                ("Marcus T.", "Drinks drip coffee on the way to work."),
                ("Quinn J.", "Buys pods in bulk at the grocery store."),
                ("Sofia L.", "Gets a latte at the station most days."),
            ],
            [
                "I buy whatever is on offer at the supermarket.",
                "A café latte costs me five dollars a day.",
                "I tried a subscription once and cancelled after two boxes.",
                "Mornings are rushed; I have no time for pour-over.",
                "My office machine makes terrible coffee.",
                "I noticed the new roastery near the station.",
            ],
        ),
    ];
    for (audience_name, twins, memories) in segments {
        let audience = uuid::Uuid::now_v7().to_string();
        sqlx::query("INSERT INTO audiences (id, workspace_id, platform, name, kind, created_at) VALUES (?, ?, 'meta', ?, 'interest', ?)")
            .bind(&audience).bind(workspace).bind(audience_name).bind(now).execute(&db).await.unwrap();
        for (t, (name, summary)) in twins.iter().enumerate() {
            let twin = uuid::Uuid::now_v7().to_string();
            let persona = json!({
                "summary": summary,
                "psychographics": ["values craft", "likes a routine"],
                "goals": ["a better morning cup"],
                "pain_points": ["slow shipping", "stale beans"],
                "objections": ["price"],
                "brand_relationship": "Has heard of Halcyon Roasters but never bought."
            });
            sqlx::query("INSERT INTO twins (id, workspace_id, audience_id, name, persona, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(&twin).bind(workspace).bind(&audience).bind(name).bind(persona.to_string()).bind(now).bind(now)
                .execute(&db).await.unwrap();
            for (seq, memory) in memories.iter().enumerate().skip(t * 2).take(2) {
                sqlx::query("INSERT INTO twin_memories (id, workspace_id, twin_id, kind, content, importance, created_at, fragment, seq) VALUES (?, ?, ?, 'grounding', ?, 5, ?, 'mention', ?)")
                    .bind(uuid::Uuid::now_v7().to_string()).bind(workspace).bind(&twin).bind(memory).bind(now).bind(seq as i64)
                    .execute(&db).await.unwrap();
            }
        }
    }
    db.close().await;
}

/// How a run went: the run read back at the end, when it was asked for, its wall time from the
/// request to the end of its job, and the job's failed attempts (the job retries an attempt
/// that fails; a job whose attempts all fail is reported, not resumed).
struct Ran {
    run: SurveyRun,
    started: Instant,
    elapsed: Duration,
    failed_attempts: u32,
    error: Option<String>,
}

async fn run_survey(
    engine: &Arc<Engine>,
    workspace: WorkspaceId,
    survey: SurveyId,
    respondents: usize,
    concurrency: usize,
    seed: u64,
) -> Ran {
    engine.start_workers().await;
    let started = Instant::now();
    let run = engine
        .surveys()
        .start_run(
            workspace,
            &RunRequest {
                survey,
                respondents,
                seed: Some(seed),
                universe: UniverseChoice::default(),
                concurrency: Some(concurrency),
            },
        )
        .await
        .unwrap();
    let job = engine
        .jobs()
        .wait(run.job_id.as_deref().unwrap(), |_| {})
        .await
        .unwrap();
    let elapsed = started.elapsed();
    let run = engine.surveys().run(run.id).await.unwrap();
    let succeeded = job.state == JobState::Succeeded;
    if !succeeded {
        println!(
            "   the run's job ended {:?} after {:.1} s and {} attempts, {} of {respondents} respondents answered: {}",
            job.state,
            elapsed.as_secs_f64(),
            job.attempts,
            run.answered,
            job.last_error.as_deref().unwrap_or_default()
        );
    }
    Ran {
        run,
        started,
        elapsed,
        failed_attempts: if succeeded {
            job.attempts.saturating_sub(1)
        } else {
            job.attempts
        },
        error: job.last_error.filter(|_| !succeeded),
    }
}

/// What a run's respondents recorded: calls, prompt tokens, and when the first and the last of
/// them were stored, in seconds after the run's job started answering (`started_at`). A stall
/// while the job records its last progress comes after the last; one while answering does not.
struct Recorded {
    calls: i64,
    prompt_tokens: i64,
    answering: Option<(f64, f64)>,
}

async fn recorded(dir: &Path, run: &SurveyRun) -> Recorded {
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.join("profitwheel.sqlite3").display()
    ))
    .await
    .unwrap();
    let (calls, prompt_tokens, first, last): (i64, i64, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT COALESCE(SUM(calls), 0), COALESCE(SUM(prompt_tokens), 0), MIN(answered_at), MAX(answered_at) FROM survey_respondents WHERE run_id = ?",
    )
    .bind(run.id.to_string())
    .fetch_one(&db)
    .await
    .unwrap();
    db.close().await;
    let after_start = |at: Option<String>| -> Option<f64> {
        let at = chrono::DateTime::parse_from_rfc3339(&at?).ok()?;
        Some((at.with_timezone(&chrono::Utc) - run.started_at?).as_seconds_f64())
    };
    let answering = after_start(first).zip(after_start(last));
    Recorded {
        calls,
        prompt_tokens,
        answering,
    }
}

// ---------------------------------------------------------------------------------------------
// Step 1 and 2: against the loopback vendor

struct ServerFigures {
    completed: bool,
    respondents: usize,
    elapsed: Duration,
}

async fn against_server(respondents: usize) -> ServerFigures {
    let vendor = Vendor::new(RPM);
    let base_url = start_vendor(vendor.clone());
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = open_engine(dir.path(), "survey-server").await;
    engine
        .models()
        .save_vendor(VendorInput {
            name: Some("bench".into()),
            kind: VendorKind::OpenAiCompatible,
            base_url: Some(base_url),
            requests_per_minute: Some(RPM),
            tokens_per_minute: None,
            max_concurrency: Some(CONCURRENCY as u32),
            azure_api_version: None,
        })
        .await
        .unwrap();
    engine
        .models()
        .set_task_route(Task::TwinDialogue, vec![Route::new("bench", "bench-1")])
        .await
        .unwrap();
    engine
        .models()
        .edit_price(ModelInfo {
            vendor: "bench".into(),
            model: "bench-1".into(),
            context_window: 32_768,
            input_micros_per_mtok: 150_000,
            output_micros_per_mtok: 600_000,
            embedding: false,
            source: "edited".into(),
        })
        .await
        .unwrap();
    seed_twins(dir.path(), &workspace.to_string()).await;
    let survey = engine.surveys().import(workspace, SURVEY).await.unwrap();
    let definition = survey.definition.clone();
    let blocks = pw_surveys::definition::blocks(&definition).len();
    println!(
        "1. {respondents} respondents × {} questions ({blocks} block), {CONCURRENCY} at once, against a loopback server answering after {} ms, {RPM} requests/minute (burst {}), 429 + retry-after-ms beyond",
        definition.questions.len(),
        LATENCY.as_millis(),
        vendor.burst()
    );
    let Ran {
        run,
        started,
        elapsed,
        failed_attempts,
        error,
    } = run_survey(
        &engine,
        workspace,
        survey.summary.id,
        respondents,
        CONCURRENCY,
        11,
    )
    .await;
    let answers = engine.surveys().answers(run.id).await.unwrap();
    let non_responses = answers.iter().filter(|a| a.value.is_none()).count();
    let served = vendor.served.load(Ordering::SeqCst);
    let refused = vendor.refused.load(Ordering::SeqCst);
    let Recorded {
        calls,
        prompt_tokens,
        answering,
    } = recorded(dir.path(), &run).await;
    let floor = Duration::from_secs_f64(
        served.saturating_sub(vendor.burst()) as f64 * 60.0 / f64::from(RPM),
    ) + LATENCY;
    let ratio = elapsed.as_secs_f64() / floor.as_secs_f64();
    println!(
        "   respondents answered {} of {}, the run {}; answers stored {} ({non_responses} non-responses)",
        run.answered,
        run.respondents,
        if run.status == RunStatus::Completed {
            "completed"
        } else {
            "not completed"
        },
        answers.len()
    );
    println!(
        "   calls answered by the server {served} (the respondents recorded {calls}); 429s the server sent {refused}"
    );
    let completed = run.status == RunStatus::Completed && error.is_none();
    println!(
        "   wall time {:.2} s (start_run to the job's end); floor (calls − burst) × 60 / rpm + latency = {:.2} s; ratio {ratio:.3} (goal ≤ 1.10: {})",
        elapsed.as_secs_f64(),
        floor.as_secs_f64(),
        match (completed, ratio <= 1.10) {
            (false, _) => "the run did not complete",
            (true, true) => "met",
            (true, false) => "not met",
        }
    );
    let (first, last) = *lock(&vendor.span);
    if let (Some(first), Some(last)) = (first, last) {
        println!(
            "   of which: start_run to the first request {:.2} s, the server's first request to its last answer {:.2} s, the last answer to the job's end {:.2} s",
            first.duration_since(started).as_secs_f64(),
            last.duration_since(first).as_secs_f64(),
            (started + elapsed)
                .saturating_duration_since(last)
                .as_secs_f64()
        );
    }
    if failed_attempts > 0 {
        println!("   job attempts that failed: {failed_attempts}");
    }
    if let Some((first, last)) = answering {
        println!(
            "   respondents stored from {first:.2} s to {last:.2} s after the run's job started answering"
        );
    }
    println!(
        "   {:.1} respondents per minute, {:.0} answers per minute",
        run.answered as f64 / elapsed.as_secs_f64() * 60.0,
        answers.len() as f64 / elapsed.as_secs_f64() * 60.0
    );

    // 2. Prompt tokens per answer: one conversation against a call per question.
    let total_tokens = vendor.prompt_chars.load(Ordering::SeqCst) as f64 / 4.0;
    let asked = vendor.asked.load(Ordering::SeqCst);
    let stored = answers.len().max(1) as f64;
    let per_answer = total_tokens / stored;
    let per_asked = total_tokens / asked.max(1) as f64;
    let sample = lock(&vendor.sample).clone();
    let natural = |index: usize| Asked {
        index,
        order: (0..definition.questions[index].options.len()).collect(),
    };
    let mut alone_chars = 0usize;
    let mut alone_calls = 0usize;
    let mut sample_chars = 0usize;
    let mut sample_answers = 0usize;
    for body in &sample {
        let persona = body["messages"][0]["content"].as_str().unwrap_or_default();
        sample_chars += message_chars(body);
        sample_answers += body["response_format"]["json_schema"]["schema"]["properties"]
            .as_object()
            .map_or(0, Map::len);
        for index in 0..definition.questions.len() {
            let question = block_prompt(&definition, &[natural(index)], &BTreeMap::new());
            alone_chars += persona.len() + question.len();
            alone_calls += 1;
        }
    }
    let alone = alone_chars as f64 / 4.0 / alone_calls.max(1) as f64;
    let sampled = sample_chars as f64 / 4.0 / sample_answers.max(1) as f64;
    println!(
        "2. prompt tokens (characters / 4): {total_tokens:.0} in all (the respondents recorded {prompt_tokens}); {per_asked:.1} per question asked ({asked} asked); {per_answer:.1} per answer stored"
    );
    println!(
        "   a call per question with the same persona, over {} sampled respondents: {alone:.1} per answer (the same respondents in one conversation: {sampled:.1})",
        sample.len()
    );
    // Per question asked: the same as per answer stored when every call is stored (no repair
    // rounds, no respondent lost to a failed attempt and asked again).
    println!(
        "   one conversation / a call per question: {:.3} (goal ≤ 0.5: {})",
        per_asked / alone,
        if per_asked / alone <= 0.5 {
            "met"
        } else {
            "not met"
        }
    );
    engine.shutdown().await;
    ServerFigures {
        completed,
        respondents: run.answered,
        elapsed,
    }
}

// ---------------------------------------------------------------------------------------------
// Step 3: on the embedded local model

async fn on_local_model() {
    println!(
        "3. on the embedded local model: {LOCAL_RESPONDENTS} respondents × 3 questions, 8 at once against one at a time"
    );
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = open_engine(dir.path(), "survey-local").await;
    seed_twins(dir.path(), &workspace.to_string()).await;
    let survey = engine
        .surveys()
        .import(workspace, SHORT_SURVEY)
        .await
        .unwrap();
    // One respondent first, so loading the models is in neither figure.
    let warm = run_survey(&engine, workspace, survey.summary.id, 1, 1, 1).await;
    println!(
        "   warm-up (the models load): 1 respondent in {:.1} s",
        warm.elapsed.as_secs_f64()
    );
    // (wall time, answering span) rates; each run its own seed, so no answer comes from the
    // response cache.
    let mut rates = Vec::new();
    for (seed, concurrency) in [(2, 1), (3, 8)] {
        let Ran {
            run,
            elapsed,
            failed_attempts,
            error,
            ..
        } = run_survey(
            &engine,
            workspace,
            survey.summary.id,
            LOCAL_RESPONDENTS,
            concurrency,
            seed,
        )
        .await;
        let answers = engine.surveys().answers(run.id).await.unwrap();
        let non_responses = answers.iter().filter(|a| a.value.is_none()).count();
        let Recorded {
            calls, answering, ..
        } = recorded(dir.path(), &run).await;
        if let Some(error) = error {
            println!("   concurrency {concurrency}: the run failed: {error}");
        }
        let rate = run.answered as f64 / elapsed.as_secs_f64() * 60.0;
        // From the job starting to answer to the last respondent stored: without a stall that
        // comes after it (the job recording its last progress).
        let last = answering.map_or(f64::NAN, |(_, last)| last);
        let answering_rate = run.answered as f64 / last.max(1e-3) * 60.0;
        println!(
            "   concurrency {concurrency}: {} respondents; wall time {:.1} s = {rate:.1} per minute; the last stored {last:.1} s after the job started answering = {answering_rate:.1} per minute ({calls} calls, {non_responses} of {} answers non-responses, {failed_attempts} failed job attempts)",
            run.answered,
            elapsed.as_secs_f64(),
            answers.len()
        );
        rates.push((rate, answering_rate));
    }
    let (wall, answering) = (rates[1].0 / rates[0].0, rates[1].1 / rates[0].1);
    println!(
        "   8 at once / one at a time: {wall:.2}× on wall time, {answering:.2}× on the answering span (goal ≥ 3×: {})",
        if wall.max(answering) >= 3.0 {
            "met"
        } else {
            "not met"
        }
    );
    engine.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Step 4: raking and crosstabs on 10,000 respondents in memory

/// splitmix64: enough randomness for synthetic answers, the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The census universe (region × sex × age band jointly, household income, two segments).
fn census_universe() -> Universe {
    let census = checkout_dir("PROFITWHEEL_REFERENCE_DATA_DIR", "reference-data").join("census");
    let read = |file: &str| {
        std::fs::read_to_string(census.join(file))
            .unwrap_or_else(|e| panic!("{file}: {e} (run scripts/fetch-reference-data)"))
    };
    let population =
        pw_surveys::census::adults_by_state(&read("acs_S0101_state_2024.json")).unwrap();
    let income =
        pw_surveys::census::household_income_shares(&read("acs_B19001_state_2013.json")).unwrap();
    let segments = Dimension::new(
        SEGMENT,
        &[("home-baristas", 0.5), ("commuters", 0.5)],
        "bench",
    )
    .unwrap();
    Universe::us_adults(&population, Some(&income), None, segments).unwrap()
}

/// The universe tilted the way a synthetic panel often is (older, more female, poorer, one
/// segment over-drawn), so raking has work to do.
fn skewed(universe: &Universe) -> Universe {
    let mut tilted = universe.clone();
    let bands = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"];
    let age_tilt = [0.5, 0.7, 0.9, 1.1, 1.3, 1.6];
    for cell in &mut tilted.joint {
        let band = bands.iter().position(|b| *b == cell.age_band).unwrap_or(0);
        cell.share *= age_tilt[band] * if cell.sex == "female" { 1.25 } else { 1.0 };
    }
    for dimension in &mut tilted.dimensions {
        let count = dimension.shares.len();
        if dimension.name == INCOME {
            for (i, share) in dimension.shares.iter_mut().enumerate() {
                *share *= 1.5 - i as f64 / count as f64;
            }
        } else if dimension.name == SEGMENT {
            dimension.shares = vec![0.7, 0.3];
        }
    }
    tilted.checked().unwrap()
}

/// A probability over `points` centred on `centre` (0 to 1).
fn pmf_around(points: usize, centre: f64) -> Vec<f64> {
    let raw: Vec<f64> = (0..points)
        .map(|p| {
            let x = p as f64 / (points - 1) as f64;
            (-(x - centre).powi(2) / 0.08).exp()
        })
        .collect();
    let total: f64 = raw.iter().sum();
    raw.into_iter().map(|p| p / total).collect()
}

/// Each respondent's answers to the ten questions, leaning with age and income.
fn synthetic_answers(survey: &Survey, respondents: &[Respondent]) -> Vec<StoredAnswer> {
    let mut rng = Rng(7);
    let mut answers = Vec::with_capacity(respondents.len() * survey.questions.len());
    for respondent in respondents {
        let age = f64::from(respondent.draw.age.unwrap_or(45));
        let lean = ((age - 18.0) / 70.0).clamp(0.0, 1.0);
        for question in &survey.questions {
            let base = StoredAnswer {
                respondent: respondent.index,
                question: question.id.clone(),
                value: None,
                rated: None,
                text: String::new(),
                non_response: None,
                option_order: None,
                reversed: false,
            };
            // One answer in fifty is a reasoned non-response.
            if rng.below(50) == 0 {
                answers.push(StoredAnswer {
                    non_response: Some("the answer did not fit the question".into()),
                    ..base
                });
                continue;
            }
            let answer = match question.kind {
                QuestionType::SingleChoice => {
                    let n = question.options.len();
                    let pick = if rng.unit() < 0.4 {
                        ((lean * n as f64) as usize).min(n - 1)
                    } else {
                        rng.below(n)
                    };
                    StoredAnswer {
                        value: Some(Answer::Choice(question.options[pick].id.clone())),
                        ..base
                    }
                }
                QuestionType::Likert => {
                    let points = usize::from(question.points.unwrap_or(5));
                    let centre = (0.3 * lean + 0.7 * rng.unit()).clamp(0.0, 1.0);
                    let pmfs: Vec<Vec<f64>> = (0..2)
                        .map(|_| {
                            pmf_around(points, (centre + 0.1 * (rng.unit() - 0.5)).clamp(0.0, 1.0))
                        })
                        .collect();
                    let modal = pmfs[0]
                        .iter()
                        .enumerate()
                        .fold((0, f64::MIN), |b, (i, &p)| if p > b.1 { (i, p) } else { b })
                        .0;
                    StoredAnswer {
                        value: Some(Answer::Point(u8::try_from(modal + 1).unwrap())),
                        text: SENTENCES[modal.min(SENTENCES.len() - 1)].into(),
                        rated: Some(Rated {
                            pmfs,
                            model: "local/all-minilm-l6-v2".into(),
                            anchors: "bench".into(),
                        }),
                        ..base
                    }
                }
                QuestionType::Nps => StoredAnswer {
                    value: Some(Answer::Score(
                        u8::try_from(
                            ((10.0 * (0.4 * lean + 0.6 * rng.unit())).round() as usize).min(10),
                        )
                        .unwrap(),
                    )),
                    ..base
                },
                QuestionType::Numeric => {
                    let high = question.max.unwrap_or(100.0);
                    StoredAnswer {
                        value: Some(Answer::Number(
                            (high * rng.unit() * (0.5 + 0.5 * lean)).round(),
                        )),
                        ..base
                    }
                }
                _ => {
                    let text = SENTENCES[rng.below(SENTENCES.len())].to_owned();
                    StoredAnswer {
                        value: Some(Answer::Text(text.clone())),
                        text,
                        ..base
                    }
                }
            };
            answers.push(answer);
        }
    }
    answers
}

/// The median of `runs` timings of `f`, after one untimed run.
fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut last = f();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        last = f();
        times.push(started.elapsed());
    }
    times.sort();
    (times[times.len() / 2], last)
}

fn raking_and_crosstabs(server: Option<&ServerFigures>) {
    println!(
        "4. raking and crosstabs on {RAKED} synthetic respondents held in memory (median of 5 runs)"
    );
    let survey = pw_surveys::definition::parse(SURVEY).unwrap();
    let universe = census_universe();
    let built = Instant::now();
    let draws = pw_surveys::universe::draw(&skewed(&universe), RAKED, 3).unwrap();
    let respondents: Vec<Respondent> = draws
        .into_iter()
        .enumerate()
        .map(|(index, draw)| Respondent {
            index,
            segment: draw.categories.get(SEGMENT).cloned().unwrap_or_default(),
            twin_id: None,
            draw,
            memories: Vec::new(),
            answered: true,
        })
        .collect();
    let answers = synthetic_answers(&survey, &respondents);
    println!(
        "   drawn and answered in memory in {:.2} s: {} respondents, {} answers; universe: {}",
        built.elapsed().as_secs_f64(),
        respondents.len(),
        answers.len(),
        universe
            .dimensions
            .iter()
            .map(|d| format!("{} ({})", d.name, d.categories.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (weigh_time, weighting) = timed(5, || {
        pw_surveys::results::weigh(&universe, &respondents, true).unwrap()
    });
    let worst = weighting
        .margins
        .iter()
        .map(|m| (m.weighted - m.target).abs())
        .fold(0.0, f64::max);
    println!(
        "   weigh (raking to {} margins): {:.1} ms; {} iterations, converged {}, design effect {:.2}, effective base {:.0}, largest margin error after {worst:.4}",
        weighting.margins.len(),
        weigh_time.as_secs_f64() * 1e3,
        weighting.iterations,
        weighting.converged,
        weighting.design_effect,
        weighting.effective_sample_size
    );
    let options = ResultOptions::default();
    let (results_time, results) = timed(5, || {
        pw_surveys::results::results(&survey, &respondents, &answers, &weighting, &options, &[])
            .unwrap()
    });
    println!(
        "   results of all {} questions (weighted shares, means, NPS, intervals): {:.1} ms",
        results.questions.len(),
        results_time.as_secs_f64() * 1e3
    );
    let questions = ["buy", "roasts", "nps", "brew", "price", "intent", "heard"];
    let dimensions = [AGE_BAND, SEX, REGION, INCOME, SEGMENT];
    let (crosstab_time, tables) = timed(5, || {
        let mut tables = 0;
        for question in questions {
            for dimension in dimensions {
                pw_surveys::results::crosstab_by(
                    &survey,
                    &universe,
                    &respondents,
                    &answers,
                    &weighting,
                    question,
                    dimension,
                )
                .unwrap();
                tables += 1;
            }
        }
        tables
    });
    let one = pw_surveys::results::crosstab_by(
        &survey,
        &universe,
        &respondents,
        &answers,
        &weighting,
        "intent",
        AGE_BAND,
    )
    .unwrap();
    println!(
        "   crosstab_by: {tables} tables (7 questions × 5 dimensions) in {:.1} ms, {:.2} ms each; intent × age band: chi-square p = {}",
        crosstab_time.as_secs_f64() * 1e3,
        crosstab_time.as_secs_f64() * 1e3 / tables as f64,
        one.chi_square
            .as_ref()
            .map_or("–".to_owned(), |t| format!("{:.2e}", t.p_value))
    );
    let analysis = weigh_time + results_time + crosstab_time;
    match server {
        Some(figures) if figures.completed && figures.respondents > 0 => {
            let answering =
                figures.elapsed.as_secs_f64() / figures.respondents as f64 * RAKED as f64;
            println!(
                "   answering {RAKED} at step 1's pace would take {answering:.0} s ({:.1} min); weighing, results and {tables} crosstabs take {:.2} s, {:.4}% of that",
                answering / 60.0,
                analysis.as_secs_f64(),
                analysis.as_secs_f64() / answering * 100.0
            );
        }
        _ => {
            // Step 1 did not complete: the floor of the rate limit instead, one call each.
            let floor = RAKED as f64 * 60.0 / f64::from(RPM);
            println!(
                "   answering {RAKED} cannot beat {floor:.0} s at {RPM} requests/minute (step 1 did not complete); weighing, results and {tables} crosstabs take {:.2} s, {:.4}% of that",
                analysis.as_secs_f64(),
                analysis.as_secs_f64() / floor * 100.0
            );
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .init();
    let server_only = std::env::args().any(|a| a == "--server-only");
    let local_only = std::env::args().any(|a| a == "--local-only");
    let respondents = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(RESPONDENTS);
    println!(
        "survey-bench ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    if local_only {
        on_local_model().await;
        return;
    }
    let server = against_server(respondents).await;
    if !server_only {
        on_local_model().await;
    }
    raking_and_crosstabs(Some(&server));
}
