//! Signal builds on a real SQLite file: every signal's rows exist and reproduce its statistic,
//! a rebuild keeps ids, what is no longer found is retired, a model that does not name themes
//! leaves keyword names, and a cancelled build stores nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support::{NAMES, ScriptedModel, WS, build, exec, gateway, id, seeded, ws};
use pw_domain::DerivedSignalId;
use pw_evidence::error::EvidenceError;
use pw_evidence::repository::EvidenceStore;
use pw_evidence::signals::{RowRole, Signal, SignalKind, SourceTable, Support, SupportUnit};
use pw_store::{Database, StoreError};
use sqlx::Row;
use tokio_util::sync::CancellationToken;

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
    let signals = store.signals(ws(), None, false).await.unwrap();
    assert!(!signals.is_empty());

    let mut checked = 0;
    for signal in &signals {
        let rows = store.signal_rows(signal.id).await.unwrap();
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
                // Its support counts the segment's trials, of the whole dimension's.
                let trials = metric_sum(&db, &segment, denominator).await;
                let all = trials + metric_sum(&db, &baseline, denominator).await;
                assert_eq!(
                    signal.support,
                    Support::of(
                        trials,
                        all,
                        if denominator == "impressions" {
                            SupportUnit::Impressions
                        } else {
                            SupportUnit::Clicks
                        }
                    ),
                    "{}",
                    signal.statement
                );
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
                assert_eq!(
                    signal.support,
                    Support::of(of, all, SupportUnit::Searches),
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
                    .bind(WS).bind(signal.audience_id.map(|a| a.to_string())).bind(signal.audience_id.map(|a| a.to_string()))
                    .fetch_one(db.reader()).await.unwrap();
                assert!(
                    (segment.len() as f64 / scope_total as f64 - signal.strength).abs() < 1e-12
                );
                assert_eq!(
                    signal.support,
                    Support::of(
                        segment.len() as f64,
                        scope_total as f64,
                        SupportUnit::Mentions
                    )
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
    let first: Vec<DerivedSignalId> = store
        .signals(ws(), None, false)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    let asked = *model.asked.lock().unwrap();
    let queued_mentions = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM search_outbox WHERE doc_kind = 'mention' AND op = 'upsert'",
        )
        .fetch_one(db.reader())
        .await
        .unwrap()
    };
    let after_first = queued_mentions().await;
    assert!(after_first > 0, "mentions given a theme are re-indexed");

    // The same data: the same ids, and themes whose mentions did not change keep their names
    // without asking the model again.
    let summary = build(&db, &gateway, &CancellationToken::new())
        .await
        .unwrap();
    let second: Vec<DerivedSignalId> = store
        .signals(ws(), None, false)
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
    assert_eq!(
        queued_mentions().await,
        after_first,
        "no mention changed theme, so none is re-indexed"
    );

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
    let live = store.signals(ws(), None, false).await.unwrap();
    let all = store.signals(ws(), None, true).await.unwrap();
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
        .signals(ws(), None, false)
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

#[tokio::test]
async fn a_stored_value_this_build_cannot_read_is_a_typed_error_naming_its_column() {
    let (_dir, db) = seeded().await;
    let gateway = gateway(ScriptedModel::new(vec![Ok(NAMES.into()), Ok(NAMES.into())]));
    build(&db, &gateway, &CancellationToken::new())
        .await
        .unwrap();
    let store = EvidenceStore::new(&db);
    let profile = store
        .signals(ws(), None, false)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.key == "profile")
        .unwrap();
    assert_eq!(
        profile.support,
        Support {
            count: 1,
            total: None,
            unit: SupportUnit::Rows
        }
    );
    exec(
        &db,
        "UPDATE signals SET computed_at = 'yesterday' WHERE id = ?",
        &[&profile.id.to_string()],
    )
    .await;
    let error = store.signal(profile.id).await.unwrap_err();
    assert!(
        matches!(
            &error,
            EvidenceError::Store(StoreError::UnreadableValue {
                column: "computed_at",
                ..
            })
        ),
        "{error:?}"
    );
    assert!(store.signals(ws(), None, false).await.is_err());
}

#[tokio::test]
async fn a_signal_stored_before_support_was_counted_reads_as_its_rows() {
    let (_dir, db) = seeded().await;
    let gateway = gateway(ScriptedModel::new(vec![Ok(NAMES.into()), Ok(NAMES.into())]));
    build(&db, &gateway, &CancellationToken::new())
        .await
        .unwrap();
    exec(
        &db,
        "UPDATE signals SET support_count = NULL, support_total = NULL, support_unit = NULL",
        &[],
    )
    .await;
    for signal in EvidenceStore::new(&db)
        .signals(ws(), None, false)
        .await
        .unwrap()
    {
        assert_eq!(
            signal.support,
            Support {
                count: signal.support_rows,
                total: None,
                unit: SupportUnit::Rows
            }
        );
    }
}

/// An embedder that cannot be reached, as a local model whose files went missing would be.
struct UnreachableEmbedder;

impl pw_llm::LocalEmbeddingBackend for UnreachableEmbedder {
    fn model(&self) -> &str {
        "gone"
    }

    fn identity(&self) -> &str {
        "gone-v1"
    }

    fn embed<'a>(
        self: std::sync::Arc<Self>,
        _texts: &'a [String],
    ) -> futures::future::BoxFuture<'a, Result<Vec<Vec<f32>>, pw_llm::LlmError>> {
        Box::pin(async {
            Err(pw_llm::LlmError::Unreachable {
                vendor: "gone".into(),
                attempts: 1,
                message: "the model files are missing".into(),
            })
        })
    }
}

#[tokio::test]
async fn without_an_embedding_model_behavior_and_intent_are_built_and_the_last_themes_kept() {
    let (_dir, db) = seeded().await;
    let model = ScriptedModel::new(vec![Ok(NAMES.into())]);
    build(&db, &gateway(model.clone()), &CancellationToken::new())
        .await
        .unwrap();
    let store = EvidenceStore::new(&db);
    let themes_before: Vec<DerivedSignalId> = store
        .signals(ws(), None, false)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.kind == SignalKind::MentionTheme)
        .map(|s| s.id)
        .collect();
    assert!(!themes_before.is_empty());
    let buying = |signals: &[Signal]| {
        signals
            .iter()
            .filter(|s| s.audience_id.is_none() && s.key == "intent/transactional")
            .map(|s| s.support.count)
            .next()
            .unwrap_or(0)
    };
    let buying_before = buying(&store.signals(ws(), None, false).await.unwrap());

    // New search data arrives; the embedding model is gone.
    exec(&db, "INSERT INTO audience_signals (id, workspace_id, kind, source, text, intent, volume, occurred_on, created_at) VALUES (?, ?, 'intent', 'search_term', 'coffee gift box', 'transactional', 900, '2026-11-30', '2026-11-30T09:00:00.000Z')", &[&id(700), WS]).await;
    let mut broken = gateway(model);
    broken.add_local_embedder("gone", std::sync::Arc::new(UnreachableEmbedder));
    broken.set_route(
        pw_llm::Task::Embeddings,
        vec![pw_llm::Route::new("gone", "gone")],
    );
    let summary = build(&db, &broken, &CancellationToken::new())
        .await
        .expect("a build without embeddings still stores what needs none");
    assert!(
        summary
            .themes_not_rebuilt
            .as_deref()
            .is_some_and(|why| why.contains("missing")),
        "{summary:?}"
    );
    assert!(summary.behavior > 0 && summary.intent > 0, "{summary:?}");
    let live = store.signals(ws(), None, false).await.unwrap();
    let themes_after: Vec<DerivedSignalId> = live
        .iter()
        .filter(|s| s.kind == SignalKind::MentionTheme)
        .map(|s| s.id)
        .collect();
    assert_eq!(themes_after, themes_before, "the last themes stay live");
    assert_eq!(
        buying(&live),
        buying_before + 900,
        "the new search term is counted"
    );
}

#[tokio::test]
async fn a_source_row_is_read_whole_and_only_from_its_own_workspace() {
    let (_dir, db) = seeded().await;
    let store = EvidenceStore::new(&db);
    let mention = store
        .source_row(ws(), SourceTable::AudienceSignals, &id(101))
        .await
        .unwrap()
        .expect("the mention");
    assert_eq!(
        mention.text.as_deref(),
        Some("Shipping took 3 days, so slow")
    );
    assert_eq!(mention.figures["sentiment"], -0.7);
    let other: pw_domain::WorkspaceId = "0193a0c4-0000-7000-8000-00000000ffff".parse().unwrap();
    assert!(
        store
            .source_row(other, SourceTable::AudienceSignals, &id(101))
            .await
            .unwrap()
            .is_none()
    );
    let creative = store
        .source_row(ws(), SourceTable::Creatives, &id(4))
        .await
        .unwrap()
        .expect("the creative");
    assert!(
        creative.title.contains("Roasted Monday")
            || creative
                .text
                .as_deref()
                .is_some_and(|t| t.contains("Roasted Monday")),
        "{creative:?}"
    );
    assert!(
        store
            .source_row(ws(), SourceTable::DailyMetrics, "ad/x/2026-11-01")
            .await
            .unwrap()
            .is_none()
    );
}
