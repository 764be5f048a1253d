//! What the twins tests share: a workspace on a real SQLite file seeded with an audience, its
//! signals and the rows behind them (written with SQL, as the evidence layer would have), and a
//! model that answers from a script keyed by what it is asked.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "each test binary uses part of it; a test should fail loudly at the line that broke"
)]

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use pw_domain::{AudienceId, WorkspaceId};
use pw_llm::{
    ChatReply, ChatRequest, Gateway, LlmError, LocalBackend, LocalEmbeddingBackend, Route, Task,
};
use pw_store::Database;

pub const WS: &str = "0193a0c4-0000-7000-8000-000000000001";
pub const AUDIENCE: &str = "0193a0c4-0000-7000-8000-0000000000a1";
pub const THIN_AUDIENCE: &str = "0193a0c4-0000-7000-8000-0000000000a2";

pub fn ws() -> WorkspaceId {
    WS.parse().unwrap()
}

pub fn audience() -> AudienceId {
    AUDIENCE.parse().unwrap()
}

pub fn id(n: u32) -> String {
    format!("0193a0c4-0000-7000-8000-{n:012x}")
}

type Answerer = dyn Fn(&ChatRequest) -> Result<String, ()> + Send + Sync;

/// Answers each request with what its closure makes of it, and keeps every prompt.
pub struct ScriptedModel {
    answer: Box<Answerer>,
    pub prompts: Mutex<Vec<String>>,
    /// The call (counted from 1) that never answers, as a model whose process was killed
    /// mid-answer; and whether it has been reached.
    pub hang_on: Mutex<Option<usize>>,
    pub hanging: std::sync::atomic::AtomicBool,
}

impl ScriptedModel {
    pub fn new(
        answer: impl Fn(&ChatRequest) -> Result<String, ()> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(ScriptedModel {
            answer: Box::new(answer),
            prompts: Mutex::new(Vec::new()),
            hang_on: Mutex::new(None),
            hanging: std::sync::atomic::AtomicBool::new(false),
        })
    }
}

impl LocalBackend for ScriptedModel {
    fn model(&self) -> &str {
        "scripted"
    }

    fn identity(&self) -> &str {
        "scripted-v1"
    }

    fn generate<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_token: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<ChatReply, LlmError>> {
        let call = {
            let mut prompts = self.prompts.lock().unwrap();
            if let Some(last) = request.messages.last() {
                prompts.push(last.content.clone());
            }
            prompts.len()
        };
        if *self.hang_on.lock().unwrap() == Some(call) {
            self.hanging
                .store(true, std::sync::atomic::Ordering::SeqCst);
            return Box::pin(std::future::pending());
        }
        let next = (self.answer)(request);
        Box::pin(async move {
            let text =
                next.map_err(|()| LlmError::Catalogue("the scripted model refused".into()))?;
            on_token(&text);
            Ok(ChatReply {
                text,
                vendor: "local".into(),
                model: "scripted".into(),
                usage: Default::default(),
                finish_reason: Some("stop".into()),
            })
        })
    }
}

/// Embeds a text by a few words it contains, so relevance is known to the test.
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
                    let mut v: Vec<f32> = ["shipping", "tiktok", "evening", "price", "gift"]
                        .iter()
                        .map(|w| if lower.contains(w) { 1.0 } else { 0.05 })
                        .collect();
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    v.iter_mut().for_each(|x| *x /= norm);
                    v
                })
                .collect())
        })
    }
}

pub fn gateway(model: Arc<ScriptedModel>) -> Gateway {
    let mut gateway = Gateway::new();
    gateway.add_local("local", model);
    gateway.add_local_embedder("local-embed", Arc::new(WordEmbedder));
    for task in [
        Task::Analysis,
        Task::TwinDialogue,
        Task::Moderation,
        Task::Extraction,
    ] {
        gateway.set_route(task, vec![Route::new("local", "scripted")]);
    }
    gateway.set_route(Task::Embeddings, vec![Route::new("local-embed", "words")]);
    gateway
}

/// The handles (`S1`, …) a twin-creation prompt lists, with their statements.
pub fn handles(prompt: &str) -> Vec<(String, String)> {
    prompt
        .lines()
        .filter_map(|line| {
            let (handle, rest) = line.split_once(": ")?;
            (handle.starts_with('S') && handle[1..].chars().all(|c| c.is_ascii_digit()))
                .then(|| (handle.to_owned(), rest.to_owned()))
        })
        .collect()
}

/// A model that writes a plausible twin: one memory per handle, the second with a figure its
/// signal does not state (which must not be kept).
pub fn twin_writer() -> Arc<ScriptedModel> {
    let count = Arc::new(Mutex::new(0u32));
    ScriptedModel::new(move |request| {
        let prompt = &request.messages.last().unwrap().content;
        let mut n = count.lock().unwrap();
        *n += 1;
        let memories: Vec<serde_json::Value> = handles(prompt)
            .iter()
            .enumerate()
            .map(|(i, (handle, _))| {
                let text = if i == 1 {
                    "This matters to me about 99% of the time.".to_owned()
                } else {
                    format!("I notice this about myself ({handle}).")
                };
                serde_json::json!({"cites": handle, "text": text})
            })
            .collect();
        Ok(serde_json::json!({
            "name": format!("Person {}", ["Ava", "Ben", "Cleo", "Dev", "Eli"][(*n as usize - 1) % 5]),
            "occupation": "teacher",
            "summary": "Brews at home on weekdays.",
            "psychographics": ["values craft"],
            "goals": ["a better morning cup"],
            "pain_points": ["slow shipping", ""],
            "media_habits": ["TikTok in the evening"],
            "brand_relationship": "Tried it once.",
            "objections": ["price"],
            "vocabulary": ["honestly"],
            "typical_words": 300,
            "register": "casual",
            "memories": memories
        })
        .to_string())
    })
}

pub async fn exec(db: &Database, sql: &str, binds: &[&str]) {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for bind in binds {
        query = query.bind(*bind);
    }
    query.execute(db.writer()).await.unwrap();
}

/// A workspace with one audience (25-34, women and men, in the US) holding its description,
/// four placement and device findings, two mention themes with the mentions behind them, and a
/// workspace-wide intent share; and a second audience with only its description.
pub async fn seeded() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("profitwheel.db"))
        .await
        .unwrap();
    let now = "2026-11-29T09:00:00.000Z";
    exec(&db, "INSERT INTO workspaces (id, name, brand, currency, time_zone, created_at, updated_at) VALUES (?, 'Test', 'Halcyon Roasters', 'USD', 'UTC', ?, ?)", &[WS, now, now]).await;
    exec(&db, "INSERT INTO ad_accounts (id, workspace_id, platform, external_id, name, currency, time_zone, created_at) VALUES (?, ?, 'tiktok', 'act_1', 'TikTok', 'USD', 'UTC', ?)", &[&id(1), WS, now]).await;
    for (audience, name, description) in [
        (AUDIENCE, "Coffee culture 25-34", id(130)),
        (THIN_AUDIENCE, "Past purchasers", id(131)),
    ] {
        exec(&db, "INSERT INTO audiences (id, workspace_id, ad_account_id, platform, external_id, name, kind, size_lower, size_upper, interests, demographics, created_at) VALUES (?, ?, ?, 'tiktok', ?, ?, 'interest', 1000000, 1200000, '[\"Coffee\", \"Latte art\"]', '{\"age_min\": 25, \"age_max\": 34, \"genders\": [\"female\", \"male\"], \"locations\": [\"US\"]}', ?)", &[audience, WS, &id(1), name, name, now]).await;
        exec(&db, "INSERT INTO signals (id, workspace_id, audience_id, kind, signal_key, statement, strength, support_rows, support_share, computed_at) VALUES (?, ?, ?, 'behavior', 'profile', ?, 1.0, 1, NULL, ?)", &[&description, WS, audience, &format!("{name} is an interest audience on TikTok of 1.0M–1.2M people, aged 25–34."), now]).await;
        exec(&db, "INSERT INTO signal_rows (signal_id, workspace_id, source_table, row_key, role) VALUES ((SELECT id FROM signals WHERE audience_id = ? AND signal_key = 'profile'), ?, 'audiences', ?, 'segment')", &[audience, WS, audience]).await;
    }
    let findings = [
        (
            100u32,
            "placement/tiktok_feed/ctr",
            "The placement Tiktok feed wins with Coffee culture 25-34: a click rate of 1.0% on 13,417,519 impressions, 82% above the 0.5% of the rest.",
            0.82,
            0.86,
        ),
        (
            101,
            "daypart/evening/ctr",
            "The daypart Evening wins with Coffee culture 25-34: a click rate of 1.1% on 5,301,745 impressions, 34% above the 0.8% of the rest.",
            0.34,
            0.34,
        ),
        (
            102,
            "device/desktop/cvr",
            "The device Desktop wins with Coffee culture 25-34: a conversion rate of 4.2% on 1,508 clicks, 69% above the 2.5% of the rest.",
            0.69,
            0.012,
        ),
        (
            103,
            "creative/abc/ctr",
            "The creative “Roasted Monday” (image) wins with Coffee culture 25-34: a click rate of 1.4% on 380,784 impressions, 51% above the rest.",
            0.51,
            0.024,
        ),
    ];
    for (n, key, statement, strength, share) in findings {
        exec(&db, "INSERT INTO signals (id, workspace_id, audience_id, kind, signal_key, statement, strength, support_rows, support_share, q_value, computed_at) VALUES (?, ?, ?, 'behavior', ?, ?, ?, 2, ?, 0.001, ?)", &[&id(n), WS, AUDIENCE, key, statement, &strength.to_string(), &share.to_string(), now]).await;
        for day in ["2026-11-01", "2026-11-02"] {
            exec(&db, "INSERT INTO signal_rows (signal_id, workspace_id, source_table, row_key, role) VALUES (?, ?, 'metric_breakdowns', ?, 'segment')", &[&id(n), WS, &format!("ad/{}/{day}/x/y", id(900))]).await;
        }
        exec(&db, "INSERT INTO signal_rows (signal_id, workspace_id, source_table, row_key, role) VALUES (?, ?, 'metric_breakdowns', 'ad/baseline/2026-11-01/x/z', 'baseline')", &[&id(n), WS]).await;
    }
    // An insignificant finding no twin may be cast on.
    exec(&db, "INSERT INTO signals (id, workspace_id, audience_id, kind, signal_key, statement, strength, support_rows, support_share, q_value, computed_at) VALUES (?, ?, ?, 'behavior', 'daypart/night/ctr', 'The daypart Night trails, not significantly.', -0.1, 1, 0.2, 0.4, ?)", &[&id(104), WS, AUDIENCE, now]).await;
    for (n, key, name, mentions) in [
        (
            110u32,
            "theme/shipping",
            "slow shipping",
            [
                "Shipping took nine days, so slow",
                "Still waiting on my beans",
            ],
        ),
        (
            111,
            "theme/gifts",
            "gifts",
            [
                "Got the sampler as a gift, loved it",
                "Perfect gift for my dad",
            ],
        ),
    ] {
        exec(&db, "INSERT INTO signals (id, workspace_id, audience_id, kind, signal_key, statement, strength, support_rows, support_share, detail, computed_at) VALUES (?, ?, ?, 'mention_theme', ?, ?, 0.3, 2, 0.3, ?, ?)", &[&id(n), WS, AUDIENCE, key, &format!("The theme “{name}” covers 30% of mentions with Coffee culture 25-34 (2 of 6)."), &format!("{{\"name\": \"{name}\"}}"), now]).await;
        for (i, text) in mentions.iter().enumerate() {
            let row = id(n * 10 + i as u32);
            // Mostly warm, some cold, a few neither: what the twins' agreement is set against.
            let sentiment = ["0.7", "0.5", "-0.6", "0.1"][(n as usize + i) % 4];
            exec(&db, "INSERT INTO audience_signals (id, workspace_id, audience_id, kind, source, text, sentiment, occurred_on, created_at) VALUES (?, ?, ?, 'mention', 'review', ?, ?, '2026-11-05', ?)", &[&row, WS, AUDIENCE, text, sentiment, now]).await;
            exec(&db, "INSERT INTO signal_rows (signal_id, workspace_id, source_table, row_key, role) VALUES (?, ?, 'audience_signals', ?, 'segment')", &[&id(n), WS, &row]).await;
        }
    }
    exec(&db, "INSERT INTO signals (id, workspace_id, audience_id, kind, signal_key, statement, strength, support_rows, support_share, computed_at) VALUES (?, ?, NULL, 'intent', 'intent/transactional', 'Transactional searches are 41% of the workspace''s search volume.', 0.41, 3, 0.41, ?)", &[&id(120), WS, now]).await;
    for (i, term) in ["buy whole bean coffee", "coffee subscription price"]
        .iter()
        .enumerate()
    {
        let row = id(1200 + i as u32);
        exec(&db, "INSERT INTO audience_signals (id, workspace_id, audience_id, kind, source, text, occurred_on, created_at) VALUES (?, ?, NULL, 'intent', 'search', ?, '2026-11-05', ?)", &[&row, WS, term, now]).await;
        exec(&db, "INSERT INTO signal_rows (signal_id, workspace_id, source_table, row_key, role) VALUES (?, ?, 'audience_signals', ?, 'segment')", &[&id(120), WS, &row]).await;
    }
    (dir, db)
}
