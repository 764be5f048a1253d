//! What the evidence tests share: a seeded workspace on a real SQLite file, an embedder whose
//! topics the tests know, and a model that answers from a script.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "each test binary uses part of it; a test should fail loudly at the line that broke"
)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use pw_domain::{AudienceId, WorkspaceId};
use pw_evidence::build::{BuildSummary, SignalBuild};
use pw_llm::{
    ChatReply, ChatRequest, Gateway, LlmError, LocalBackend, LocalEmbeddingBackend, Route, Task,
};
use pw_store::Database;
use tokio_util::sync::CancellationToken;

pub const WS: &str = "0193a0c4-0000-7000-8000-000000000001";
pub const AUDIENCE: &str = "0193a0c4-0000-7000-8000-0000000000a1";

/// The seeded workspace's id, typed.
pub fn ws() -> WorkspaceId {
    WS.parse().unwrap()
}

/// The seeded audience's id, typed.
pub fn audience() -> AudienceId {
    AUDIENCE.parse().unwrap()
}

/// Embeds a text by the topic its words name, with a little spread from its length, so themes
/// are there to be found and the test knows which.
pub struct TopicEmbedder;

impl LocalEmbeddingBackend for TopicEmbedder {
    fn model(&self) -> &str {
        "topics"
    }

    fn identity(&self) -> &str {
        "topics-v1"
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
                    let axis = if lower.contains("shipping") || lower.contains("delivery") {
                        0
                    } else if lower.contains("taste") || lower.contains("flavour") {
                        1
                    } else {
                        2
                    };
                    let mut v = [0.05f32; 8];
                    v[axis] = 1.0;
                    v[3 + text.len() % 5] += 0.1;
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    v.iter().map(|x| x / norm).collect()
                })
                .collect())
        })
    }
}

/// Answers from a script, one answer per request; fails once the script is spent.
pub struct ScriptedModel {
    pub answers: Mutex<VecDeque<Result<String, ()>>>,
    pub asked: Mutex<usize>,
    /// The last message of every request, in order.
    pub prompts: Mutex<Vec<String>>,
}

impl ScriptedModel {
    pub fn new(answers: Vec<Result<String, ()>>) -> Arc<Self> {
        Arc::new(ScriptedModel {
            answers: Mutex::new(answers.into()),
            asked: Mutex::new(0),
            prompts: Mutex::new(Vec::new()),
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
        *self.asked.lock().unwrap() += 1;
        if let Some(last) = request.messages.last() {
            self.prompts.lock().unwrap().push(last.content.clone());
        }
        let next = self.answers.lock().unwrap().pop_front().unwrap_or(Err(()));
        Box::pin(async move {
            let text = next
                .map_err(|()| LlmError::Catalogue("the scripted model is out of answers".into()))?;
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

pub fn gateway(model: Arc<ScriptedModel>) -> Gateway {
    let mut gateway = Gateway::new();
    gateway.add_local("local", model);
    gateway.add_local_embedder("local-embed", Arc::new(TopicEmbedder));
    gateway.set_route(Task::Analysis, vec![Route::new("local", "scripted")]);
    gateway.set_route(Task::Embeddings, vec![Route::new("local-embed", "topics")]);
    gateway
}

pub const NAMES: &str = r#"{"themes": [{"theme": 1, "name": "Slow shipping"}, {"theme": 2, "name": "Great taste"}, {"theme": 3, "name": "Other talk"}]}"#;

pub async fn exec(db: &Database, sql: &str, binds: &[&str]) {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for bind in binds {
        query = query.bind(*bind);
    }
    query.execute(db.writer()).await.unwrap();
}

pub fn id(n: u32) -> String {
    format!("0193a0c4-0000-7000-8000-{n:012x}")
}

/// A workspace with one audience, two creatives (one clearly better), search terms in two
/// periods, mentions about shipping, taste and other things, and a reported behaviour.
pub async fn seeded() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("profitwheel.db"))
        .await
        .unwrap();
    let now = "2026-11-29T09:00:00.000Z";
    exec(&db, "INSERT INTO workspaces (id, name, brand, currency, time_zone, created_at, updated_at) VALUES (?, 'Test', 'Halcyon Roasters', 'USD', 'UTC', ?, ?)", &[WS, now, now]).await;
    exec(&db, "INSERT INTO ad_accounts (id, workspace_id, platform, external_id, name, currency, time_zone, created_at) VALUES (?, ?, 'meta', 'act_1', 'Meta', 'USD', 'UTC', ?)", &[&id(1), WS, now]).await;
    exec(&db, "INSERT INTO audiences (id, workspace_id, ad_account_id, platform, external_id, name, kind, size_lower, size_upper, interests, demographics, created_at) VALUES (?, ?, ?, 'meta', 'aud1', 'Coffee lovers', 'interest', 1000000, 1200000, '[\"Espresso\"]', '{\"age_min\": 25, \"age_max\": 54}', ?)", &[AUDIENCE, WS, &id(1), now]).await;
    exec(&db, "INSERT INTO campaigns (id, workspace_id, ad_account_id, platform, external_id, name, objective, status, created_at) VALUES (?, ?, ?, 'meta', 'c1', 'Beans', 'sales', 'active', ?)", &[&id(2), WS, &id(1), now]).await;
    exec(&db, "INSERT INTO ad_groups (id, workspace_id, campaign_id, external_id, name, status, audience_id, created_at) VALUES (?, ?, ?, 'g1', 'Lovers', 'active', ?, ?)", &[&id(3), WS, &id(2), AUDIENCE, now]).await;
    for (n, headline) in [(4u32, "Roasted Monday"), (5, "Fifteen percent off")] {
        exec(&db, "INSERT INTO creatives (id, workspace_id, ad_account_id, external_id, format, headline, created_at) VALUES (?, ?, ?, ?, 'image', ?, ?)", &[&id(n), WS, &id(1), &format!("cr{n}"), headline, now]).await;
        exec(&db, "INSERT INTO ads (id, workspace_id, ad_group_id, creative_id, external_id, name, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?)", &[&id(n + 10), WS, &id(3), &id(n), &format!("ad{n}"), headline, now]).await;
    }
    for day in 1..=10 {
        let date = format!("2026-11-{day:02}");
        // Ad 14 (Roasted Monday): 2.5% CTR; ad 15: 1.0%.
        for (ad, clicks) in [(14u32, "250"), (15, "100")] {
            exec(&db, "INSERT INTO daily_metrics (workspace_id, level, entity_id, date, platform, currency, impressions, clicks, spend_micros, conversions) VALUES (?, 'ad', ?, ?, 'meta', 'USD', 10000, ?, 1000000, 5)", &[WS, &id(ad), &date, clicks]).await;
        }
    }
    let mut n = 100u32;
    let mut raw = |kind: &'static str, text: String, extra: (&'static str, String)| {
        n += 1;
        (id(n), kind, text, extra)
    };
    let mut rows = Vec::new();
    for i in 0..8 {
        rows.push(raw(
            "mention",
            format!("Shipping took {} days, so slow", i + 3),
            ("sentiment", "-0.7".into()),
        ));
        rows.push(raw(
            "mention",
            format!("The taste is wonderful, note {i}"),
            ("sentiment", "0.8".into()),
        ));
        rows.push(raw(
            "mention",
            format!("Bought a mug number {i}"),
            ("sentiment", "0.0".into()),
        ));
    }
    for row in &rows {
        exec(&db, &format!("INSERT INTO audience_signals (id, workspace_id, audience_id, kind, source, text, {}, occurred_on, created_at) VALUES (?, ?, ?, ?, 'review', ?, ?, '2026-11-05', ?)", row.3 .0), &[&row.0, WS, AUDIENCE, row.1, &row.2, &row.3 .1, now]).await;
    }
    for (i, (term, intent, volume, period)) in [
        ("buy coffee beans", "transactional", "300", "2026-09-30"),
        ("how to brew coffee", "informational", "1700", "2026-09-30"),
        ("buy coffee beans", "transactional", "600", "2026-11-30"),
        ("how to brew coffee", "informational", "1400", "2026-11-30"),
    ]
    .into_iter()
    .enumerate()
    {
        exec(&db, "INSERT INTO audience_signals (id, workspace_id, kind, source, text, intent, volume, occurred_on, created_at) VALUES (?, ?, 'intent', 'search_term', ?, ?, ?, ?, ?)", &[&id(200 + i as u32), WS, term, intent, volume, period, now]).await;
    }
    exec(&db, "INSERT INTO audience_signals (id, workspace_id, audience_id, kind, source, text, volume, occurred_on, metadata, created_at) VALUES (?, ?, ?, 'behavior', 'site_analytics', 'Read a brewing guide before buying', 340, '2026-11-30', '{\"share_of_customers\": 0.34, \"window_days\": 90}', ?)", &[&id(300), WS, AUDIENCE, now]).await;
    (dir, db)
}

pub async fn build(
    db: &Database,
    gateway: &Gateway,
    cancel: &CancellationToken,
) -> Result<BuildSummary, pw_evidence::error::EvidenceError> {
    let (progress, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let summary = SignalBuild {
        db,
        gateway,
        workspace_id: ws(),
        job_id: None,
        progress: &progress,
        cancel,
    }
    .run()
    .await;
    drop(progress);
    let mut last = 0.0;
    while let Some((fraction, _)) = updates.recv().await {
        assert!(fraction >= last, "progress never goes back");
        last = fraction;
    }
    summary
}
