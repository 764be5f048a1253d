//! What the surveys tests share: a workspace on a real SQLite file with two audiences, their
//! twins and memory fragments (written with SQL, as the twins context would have), a model that
//! answers each block of questions from the schema it is held to, and an embedder whose vectors
//! are the words a text contains.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "each test binary uses part of it; a test should fail loudly at the line that broke"
)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use pw_domain::WorkspaceId;
use pw_jobs::JobQueue;
use pw_llm::{
    ChatReply, ChatRequest, Gateway, LlmError, LocalBackend, LocalEmbeddingBackend, Route, Task,
    Usage,
};
use pw_store::Database;
use pw_surveys::{GatewaySource, Surveys};
use serde_json::{Value, json};

pub const WS: &str = "0193a0c4-0000-7000-8000-000000000001";
pub const COFFEE: &str = "0193a0c4-0000-7000-8000-0000000000a1";
pub const GIFTS: &str = "0193a0c4-0000-7000-8000-0000000000a2";

pub fn ws() -> WorkspaceId {
    WS.parse().unwrap()
}

pub fn id(n: u32) -> String {
    format!("0193a0c4-0000-7000-8000-{n:012x}")
}

/// The shipped reference data, as the setup fetched it.
pub fn reference_data() -> PathBuf {
    std::env::var_os("PROFITWHEEL_REFERENCE_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../reference-data"))
}

pub struct FixedGateway(pub Arc<Gateway>);

impl GatewaySource for FixedGateway {
    fn gateway(
        &self,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = pw_surveys::error::Result<Arc<Gateway>>> + Send + '_>,
    > {
        let gateway = self.0.clone();
        Box::pin(async move { Ok(gateway) })
    }
}

pub fn surveys(db: &Database, gateway: Arc<Gateway>) -> Surveys {
    Surveys::new(
        db.clone(),
        JobQueue::new(db.clone()),
        Arc::new(FixedGateway(gateway)),
        reference_data(),
    )
}

async fn exec(db: &Database, sql: &str, binds: &[&str]) {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for bind in binds {
        query = query.bind(*bind);
    }
    query.execute(db.writer()).await.unwrap();
}

/// A workspace with two audiences: coffee lovers (two twins, sized 3M) and gift buyers (one
/// twin, sized 1M), each twin with memory fragments of its own.
pub async fn seeded() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("profitwheel.sqlite3"))
        .await
        .unwrap();
    let now = "2026-11-29T09:00:00.000Z";
    exec(&db, "INSERT INTO workspaces (id, name, brand, currency, time_zone, created_at, updated_at) VALUES (?, 'Test', 'Halcyon Roasters', 'USD', 'UTC', ?, ?)", &[WS, now, now]).await;
    for (audience, name, lower, upper) in [
        (COFFEE, "Coffee lovers", "2000000", "4000000"),
        (GIFTS, "Gift buyers", "1000000", "1000000"),
    ] {
        exec(&db, "INSERT INTO audiences (id, workspace_id, platform, name, kind, size_lower, size_upper, created_at) VALUES (?, ?, 'meta', ?, 'interest', ?, ?, ?)", &[audience, WS, name, lower, upper, now]).await;
    }
    let twins = [
        (
            id(10),
            COFFEE,
            "Brews at home on weekdays and hunts for new roasts.",
        ),
        (
            id(11),
            COFFEE,
            "Buys whatever is on offer at the grocery store.",
        ),
        (id(12), GIFTS, "Buys coffee as presents for family."),
    ];
    for (n, (twin, audience, summary)) in twins.iter().enumerate() {
        let persona = json!({ "summary": summary, "psychographics": ["values craft"], "objections": ["price"] }).to_string();
        exec(&db, "INSERT INTO twins (id, workspace_id, audience_id, name, persona, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", &[twin, WS, audience, &format!("Twin {n}"), &persona, now, now]).await;
        for m in 0..4u32 {
            let memory = id(100 + n as u32 * 10 + m);
            let fragment = ["behavior", "mention", "demographic", "said"][m as usize];
            let content = format!("{summary} (memory {m})");
            exec(&db, "INSERT INTO twin_memories (id, workspace_id, twin_id, kind, content, created_at, fragment, seq) VALUES (?, ?, ?, 'grounding', ?, ?, ?, ?)", &[&memory, WS, twin, &content, now, fragment, &m.to_string()]).await;
        }
    }
    (dir, db)
}

pub const SURVEY: &str = r#"{ "format": "profitwheel-survey", "version": 1, "title": "Coffee habits",
  "questions": [
    { "id": "buy", "type": "single_choice", "text": "Where do you buy coffee beans most often?",
      "options": [ {"id": "shop", "label": "A coffee shop"}, {"id": "store", "label": "A grocery store"},
                   {"id": "online", "label": "Online"}, {"id": "none", "label": "I don't buy beans", "anchored": true} ],
      "skip": [ { "if": { "question": "buy", "chose": ["none"] }, "to": "end" } ] },
    { "id": "like", "type": "likert", "points": 5, "labels": ["Strongly disagree", "Strongly agree"], "text": "I enjoy trying new roasts." },
    { "id": "nps", "type": "nps", "text": "How likely are you to recommend buying at {{buy}} to a friend?" },
    { "id": "cups", "type": "numeric", "text": "How many cups a week?", "min": 0, "max": 70 },
    { "id": "why", "type": "open", "text": "What would make you buy more?" }
  ] }"#;

/// Which respondent a prompt is for: the age its persona states.
pub fn age_of(request: &ChatRequest) -> u32 {
    let system = &request.messages[0].content;
    system
        .split(" years old")
        .next()
        .and_then(|s| s.rsplit(|c: char| !c.is_ascii_digit()).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A respondent model: answers each block from its schema. Older respondents agree with the
/// rating more; a respondent of an age ending in 7 never gives a valid number of cups (always
/// 99, outside 0-70) and so ends with an item non-response; one ending in 3 first answers the
/// score with 12 and corrects it when told. Everyone 80 or over buys no beans.
pub struct Respondents {
    pub calls: AtomicUsize,
    /// Each call's seed: a respondent's own, so it tells who was asked.
    pub seeds: Mutex<Vec<i64>>,
    pub prompts: Mutex<Vec<(u32, String)>>,
    /// The call (counted from 1) that never answers, as a process killed mid-answer.
    pub hang_on: Mutex<Option<usize>>,
    pub hanging: AtomicBool,
}

impl Respondents {
    pub fn new() -> Arc<Self> {
        Arc::new(Respondents {
            calls: AtomicUsize::new(0),
            seeds: Mutex::new(Vec::new()),
            prompts: Mutex::new(Vec::new()),
            hang_on: Mutex::new(None),
            hanging: AtomicBool::new(false),
        })
    }

    fn answer(request: &ChatRequest) -> Value {
        let schema = request.json_schema.clone().unwrap_or(Value::Null);
        let age = age_of(request);
        let repairing = request
            .messages
            .last()
            .is_some_and(|m| m.content.starts_with("Some answers do not fit"));
        let mut answer = serde_json::Map::new();
        for (id, property) in schema["properties"].as_object().into_iter().flatten() {
            let value = match id.as_str() {
                "buy" if age >= 80 => json!("none"),
                "buy" => json!(["shop", "store", "online"][age as usize % 3]),
                "like" if age >= 50 => {
                    json!("Yes, I'd mostly say that's true for me, I love new roasts.")
                }
                "like" => json!("No, that's just not true for me at all."),
                "nps" if age % 10 == 3 && !repairing => json!(12),
                "nps" => json!(age % 11),
                "cups" if age % 10 == 7 => json!(99),
                "cups" => json!(age % 20),
                "why" if age.is_multiple_of(2) => {
                    json!(format!("Fresher beans, honestly, at {age}."))
                }
                "why" => json!(format!("Cheaper prices for someone of {age}.")),
                // Naming a theme: the first two words of its first quote.
                "name" => json!(
                    request
                        .messages
                        .last()
                        .and_then(|m| m.content.lines().find_map(|l| l.strip_prefix("1. ")))
                        .map(|q| q
                            .split_whitespace()
                            .take(2)
                            .collect::<Vec<_>>()
                            .join(" ")
                            .trim_end_matches(',')
                            .to_owned())
                        .unwrap_or_default()
                ),
                // Any other question: a choice among its options by age, the lowest number
                // allowed, or words that lean one way.
                _ => match (property["enum"].as_array(), property["type"].as_str()) {
                    (Some(options), _) => options[age as usize % options.len()].clone(),
                    (None, Some("array")) => json!([property["items"]["enum"][0]]),
                    (None, Some("integer" | "number")) => property["minimum"]
                        .clone()
                        .as_f64()
                        .map_or(json!(1), |m| json!(m)),
                    _ if age >= 50 => json!("I'm a conservative, honestly."),
                    _ => json!("I lean a little liberal."),
                },
            };
            answer.insert(id.clone(), value);
        }
        Value::Object(answer)
    }
}

impl LocalBackend for Respondents {
    fn model(&self) -> &str {
        "respondents"
    }

    fn identity(&self) -> &str {
        "respondents-v1"
    }

    fn generate<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_token: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<ChatReply, LlmError>> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(seed) = request.seed {
            self.seeds.lock().unwrap().push(seed);
        }
        self.prompts.lock().unwrap().push((
            age_of(request),
            request
                .messages
                .last()
                .map(|m| m.content.clone())
                .unwrap_or_default(),
        ));
        if *self.hang_on.lock().unwrap() == Some(call) {
            self.hanging.store(true, Ordering::SeqCst);
            return Box::pin(std::future::pending());
        }
        let text = Respondents::answer(request).to_string();
        let prompt_words: usize = request
            .messages
            .iter()
            .map(|m| m.content.split_whitespace().count())
            .sum();
        Box::pin(async move {
            on_token(&text);
            Ok(ChatReply {
                text,
                vendor: "local".into(),
                model: "respondents".into(),
                usage: Usage {
                    input_tokens: prompt_words as u32,
                    output_tokens: 10,
                },
                finish_reason: Some("stop".into()),
            })
        })
    }
}

/// Embeds a text as the counts of a few words that tell agreement from disagreement.
pub struct WordEmbedder;

impl LocalEmbeddingBackend for WordEmbedder {
    fn model(&self) -> &str {
        "words"
    }

    fn identity(&self) -> &str {
        "words-v1"
    }

    fn embed<'a>(
        self: Arc<Self>,
        texts: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Vec<f32>>, LlmError>> {
        Box::pin(async move {
            Ok(texts
                .iter()
                .map(|text| {
                    let lower = text.to_lowercase();
                    let mut v: Vec<f32> = [
                        "no",
                        "not",
                        "don't",
                        "sure",
                        "yes",
                        "true",
                        "mostly",
                        "definitely",
                        "really",
                        "fresher",
                        "cheaper",
                    ]
                    .iter()
                    .map(|w| {
                        lower
                            .split(|c: char| !c.is_alphanumeric() && c != '\'')
                            .filter(|t| t == w)
                            .count() as f32
                            + 0.05
                    })
                    .collect();
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    v.iter_mut().for_each(|x| *x /= norm);
                    v
                })
                .collect())
        })
    }
}

pub fn gateway(model: Arc<Respondents>) -> Arc<Gateway> {
    let mut gateway = Gateway::new();
    gateway.add_local("local", model);
    gateway.add_local_embedder("local-embed", Arc::new(WordEmbedder));
    gateway.set_route(Task::TwinDialogue, vec![Route::new("local", "respondents")]);
    gateway.set_route(Task::Analysis, vec![Route::new("local", "respondents")]);
    gateway.set_route(Task::Embeddings, vec![Route::new("local-embed", "words")]);
    Arc::new(gateway)
}
