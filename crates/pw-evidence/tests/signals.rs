//! Signal builds on a real SQLite file: every signal's rows exist and reproduce its statistic,
//! a rebuild keeps ids, what is no longer found is retired, a model that does not name themes
//! leaves keyword names, and a cancelled build stores nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use pw_evidence::build::{BuildSummary, SignalBuild};
use pw_evidence::repository::EvidenceStore;
use pw_evidence::signals::{RowRole, Signal, SignalKind, SourceTable};
use pw_llm::{
    ChatReply, ChatRequest, Gateway, LlmError, LocalBackend, LocalEmbeddingBackend, Route, Task,
};
use pw_store::Database;
use sqlx::Row;
use tokio_util::sync::CancellationToken;

const WS: &str = "0193a0c4-0000-7000-8000-000000000001";
const AUDIENCE: &str = "0193a0c4-0000-7000-8000-0000000000a1";

/// Embeds a text by the topic its words name, with a little spread from its length, so themes
/// are there to be found and the test knows which.
struct TopicEmbedder;

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
struct ScriptedModel {
    answers: Mutex<VecDeque<Result<String, ()>>>,
    asked: Mutex<usize>,
}

impl ScriptedModel {
    fn new(answers: Vec<Result<String, ()>>) -> Arc<Self> {
        Arc::new(ScriptedModel {
            answers: Mutex::new(answers.into()),
            asked: Mutex::new(0),
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
        _request: &'a ChatRequest,
        on_token: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<ChatReply, LlmError>> {
        *self.asked.lock().unwrap() += 1;
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

fn gateway(model: Arc<ScriptedModel>) -> Gateway {
    let mut gateway = Gateway::new();
    gateway.add_local("local", model);
    gateway.add_local_embedder("local-embed", Arc::new(TopicEmbedder));
    gateway.set_route(Task::Analysis, vec![Route::new("local", "scripted")]);
    gateway.set_route(Task::Embeddings, vec![Route::new("local-embed", "topics")]);
    gateway
}

const NAMES: &str = r#"{"themes": [{"theme": 1, "name": "Slow shipping"}, {"theme": 2, "name": "Great taste"}, {"theme": 3, "name": "Other talk"}]}"#;

async fn exec(db: &Database, sql: &str, binds: &[&str]) {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for bind in binds {
        query = query.bind(*bind);
    }
    query.execute(db.writer()).await.unwrap();
}

fn id(n: u32) -> String {
    format!("0193a0c4-0000-7000-8000-{n:012x}")
}

/// A workspace with one audience, two creatives (one clearly better), search terms in two
/// periods, mentions about shipping, taste and other things, and a reported behaviour.
async fn seeded() -> (tempfile::TempDir, Database) {
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

async fn build(
    db: &Database,
    gateway: &Gateway,
    cancel: &CancellationToken,
) -> Result<BuildSummary, pw_evidence::error::EvidenceError> {
    let (progress, mut updates) = tokio::sync::mpsc::unbounded_channel();
    let summary = SignalBuild {
        db,
        gateway,
        workspace_id: WS,
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

/// Sums a metric column over rows of `daily_metrics` named by their keys ('ad/<id>/<date>').
async fn metric_sum(db: &Database, keys: &[&str], column: &str) -> f64 {
    let mut total = 0.0;
    for key in keys {
        let parts: Vec<&str> = key.split('/').collect();
        let value: f64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT CAST({column} AS REAL) FROM daily_metrics WHERE level = ? AND entity_id = ? AND date = ?"
        )))
        .bind(parts[0])
        .bind(parts[1])
        .bind(parts[2])
        .fetch_one(db.reader())
        .await
        .expect("the row behind the signal exists");
        total += value;
    }
    total
}

async fn raw_exists(db: &Database, id: &str) -> bool {
    sqlx::query("SELECT 1 FROM audience_signals WHERE id = ?")
        .bind(id)
        .fetch_optional(db.reader())
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn every_signals_rows_exist_and_reproduce_its_statistic() {
    let (_dir, db) = seeded().await;
    let model = ScriptedModel::new(vec![Ok(NAMES.into()), Ok(NAMES.into())]);
    let gateway = gateway(model);
    let summary = build(&db, &gateway, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(summary.naming_failure, None);
    let store = EvidenceStore::new(&db);
    let signals = store.signals(WS, None, false).await.unwrap();
    assert!(!signals.is_empty());

    let mut checked = 0;
    for signal in &signals {
        let rows = store.signal_rows(&signal.id).await.unwrap();
        let segment: Vec<&str> = rows
            .iter()
            .filter(|r| r.role == RowRole::Segment)
            .map(|r| r.key.as_str())
            .collect();
        let baseline: Vec<&str> = rows
            .iter()
            .filter(|r| r.role == RowRole::Baseline)
            .map(|r| r.key.as_str())
            .collect();
        assert_eq!(
            signal.support_rows as usize,
            segment.len(),
            "{}",
            signal.statement
        );
        match signal.detail["finding"].as_str().unwrap() {
            "segment" => {
                assert!(rows.iter().all(|r| r.table == SourceTable::DailyMetrics));
                let (numerator, denominator) = match signal.detail["metric"].as_str().unwrap() {
                    "ctr" => ("clicks", "impressions"),
                    _ => ("conversions", "clicks"),
                };
                let rate = metric_sum(&db, &segment, numerator).await
                    / metric_sum(&db, &segment, denominator).await;
                let base = metric_sum(&db, &baseline, numerator).await
                    / metric_sum(&db, &baseline, denominator).await;
                let interval = signal.interval.unwrap();
                assert!(
                    (rate - interval.estimate).abs() < 1e-9,
                    "{}: {rate}",
                    signal.statement
                );
                assert!((rate / base - 1.0 - signal.strength).abs() < 1e-9);
                checked += 1;
            }
            "share" => {
                let mut of = 0.0;
                let mut all = 0.0;
                for row in &rows {
                    assert!(raw_exists(&db, &row.key).await);
                    let volume: i64 =
                        sqlx::query_scalar("SELECT volume FROM audience_signals WHERE id = ?")
                            .bind(&row.key)
                            .fetch_one(db.reader())
                            .await
                            .unwrap();
                    all += volume as f64;
                    if row.role == RowRole::Segment {
                        of += volume as f64;
                    }
                }
                assert!(
                    (of / all - signal.strength).abs() < 1e-12,
                    "{}",
                    signal.statement
                );
                checked += 1;
            }
            "theme" => {
                for key in &segment {
                    assert!(raw_exists(&db, key).await);
                }
                let scope_total: i64 = sqlx::query_scalar("SELECT count(*) FROM audience_signals WHERE workspace_id = ? AND kind = 'mention' AND (? IS NULL OR audience_id = ?)")
                    .bind(WS).bind(&signal.audience_id).bind(&signal.audience_id)
                    .fetch_one(db.reader()).await.unwrap();
                assert!(
                    (segment.len() as f64 / scope_total as f64 - signal.strength).abs() < 1e-12
                );
                checked += 1;
            }
            _ => {
                for row in &rows {
                    let table = row.table.as_str();
                    let found = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT 1 FROM {table} WHERE id = ?"
                    )))
                    .bind(&row.key)
                    .fetch_optional(db.reader())
                    .await
                    .unwrap();
                    assert!(found.is_some(), "{table} {}", row.key);
                }
            }
        }
    }
    assert!(checked >= 6, "checked {checked}");

    // What the seeded data holds is what was found.
    let by_key = |key: &str| signals.iter().find(|s| s.key == key);
    let winner: &Signal = by_key(&format!("creative/{}/ctr", id(4))).expect("Roasted Monday wins");
    assert!(
        winner.statement.contains("wins with Coffee lovers"),
        "{}",
        winner.statement
    );
    assert!((winner.strength - 1.5).abs() < 1e-9, "2.5% against 1.0%");
    assert!(
        by_key("intent-shift/transactional").is_some(),
        "transactional searches doubled"
    );
    let themes: Vec<&Signal> = signals
        .iter()
        .filter(|s| s.kind == SignalKind::MentionTheme)
        .collect();
    assert!(
        themes
            .iter()
            .any(|t| t.detail["name"] == "Slow shipping" && t.support_rows == 8),
        "{themes:#?}"
    );
    assert!(by_key("profile").is_some());
    assert!(signals.iter().any(|s| s.key.starts_with("reported/")));
}

#[tokio::test]
async fn a_rebuild_keeps_ids_and_retires_what_is_no_longer_found() {
    let (_dir, db) = seeded().await;
    let model = ScriptedModel::new(vec![Ok(NAMES.into()), Ok(NAMES.into())]);
    let gateway = gateway(model.clone());
    build(&db, &gateway, &CancellationToken::new())
        .await
        .unwrap();
    let store = EvidenceStore::new(&db);
    let first: Vec<String> = store
        .signals(WS, None, false)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    let asked = *model.asked.lock().unwrap();

    // The same data: the same ids, and themes whose mentions did not change keep their names
    // without asking the model again.
    let summary = build(&db, &gateway, &CancellationToken::new())
        .await
        .unwrap();
    let second: Vec<String> = store
        .signals(WS, None, false)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(first, second);
    assert_eq!(
        *model.asked.lock().unwrap(),
        asked,
        "no model call for unchanged themes"
    );
    assert_eq!(summary.embedded, 0, "stored vectors are reused");

    // The losing creative's delivery disappears: its finding is retired, not deleted.
    exec(
        &db,
        "DELETE FROM daily_metrics WHERE entity_id = ?",
        &[&id(15)],
    )
    .await;
    build(&db, &gateway, &CancellationToken::new())
        .await
        .unwrap();
    let live = store.signals(WS, None, false).await.unwrap();
    let all = store.signals(WS, None, true).await.unwrap();
    let winner = format!("creative/{}/ctr", id(4));
    assert!(live.iter().all(|s| s.key != winner));
    let retired = all
        .iter()
        .find(|s| s.key == winner)
        .expect("kept as retired");
    assert!(retired.retired_at.is_some());
}

#[tokio::test]
async fn a_model_that_does_not_name_themes_leaves_keyword_names_and_says_so() {
    let (_dir, db) = seeded().await;
    let gateway = gateway(ScriptedModel::new(vec![Ok("not json at all".into())]));
    let summary = build(&db, &gateway, &CancellationToken::new())
        .await
        .unwrap();
    assert!(summary.naming_failure.is_some());
    assert!(summary.named_by_keywords > 0);
    let themes: Vec<Signal> = EvidenceStore::new(&db)
        .signals(WS, None, false)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.kind == SignalKind::MentionTheme)
        .collect();
    assert!(!themes.is_empty());
    assert!(themes.iter().all(|t| t.detail["named_by"] == "keywords"));
    assert!(
        themes
            .iter()
            .any(|t| t.detail["name"].as_str().unwrap().contains("shipping")),
        "{themes:#?}"
    );
}

#[tokio::test]
async fn a_cancelled_build_stores_nothing() {
    let (_dir, db) = seeded().await;
    let gateway = gateway(ScriptedModel::new(vec![Ok(NAMES.into())]));
    let cancel = CancellationToken::new();
    cancel.cancel();
    let error = build(&db, &gateway, &cancel).await.unwrap_err();
    assert!(
        matches!(error, pw_evidence::error::EvidenceError::Cancelled),
        "{error:?}"
    );
    let count: i64 = sqlx::query("SELECT count(*) AS n FROM signals")
        .fetch_one(db.reader())
        .await
        .unwrap()
        .get("n");
    assert_eq!(count, 0);
}
