//! Rows keyed by their natural keys: an upsert hands back the id that is stored (not the one the
//! caller minted), and re-ingested signals keep one copy under a deterministic id.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use chrono::NaiveDate;
use pw_domain::{Objective, Platform};
use pw_store::{
    AdAccountRow, AdDataWriter, AudienceRow, CampaignRow, Database, NewWorkspace, SignalRow,
};

async fn database(dir: &tempfile::TempDir) -> (Database, String) {
    let db = Database::open(&dir.path().join("profitwheel.sqlite3"))
        .await
        .unwrap();
    let workspace = db
        .create_workspace(&NewWorkspace {
            name: "Northwind".into(),
            brand: "Northwind Coffee".into(),
            currency: "USD".parse().unwrap(),
            time_zone: "America/New_York".into(),
            is_demo: false,
        })
        .await
        .unwrap();
    (db, workspace.id)
}

fn account(workspace_id: &str, name: &str) -> AdAccountRow {
    AdAccountRow {
        id: pw_domain::new_id(),
        workspace_id: workspace_id.into(),
        platform: Platform::Meta,
        external_id: "act_1".into(),
        name: name.into(),
        currency: "USD".into(),
        time_zone: "America/New_York".into(),
    }
}

fn campaign(workspace_id: &str, ad_account_id: &str) -> CampaignRow {
    CampaignRow {
        id: pw_domain::new_id(),
        workspace_id: workspace_id.into(),
        ad_account_id: ad_account_id.into(),
        platform: Platform::Meta,
        external_id: "c1".into(),
        name: "Holiday Blend".into(),
        objective: Objective::Sales,
        status: "active".into(),
        daily_budget: None,
        start_date: None,
        end_date: None,
    }
}

#[tokio::test]
async fn an_upsert_returns_the_id_already_stored_for_its_natural_key() {
    let dir = tempfile::tempdir().unwrap();
    let (db, ws) = database(&dir).await;
    let first = account(&ws, "Northwind US");
    let second = account(&ws, "Northwind US (renamed)");
    assert_ne!(first.id, second.id);

    let mut tx = db.begin_write().await.unwrap();
    let mut writer = AdDataWriter::new(&mut tx);
    let stored_first = writer
        .ad_accounts(std::slice::from_ref(&first))
        .await
        .unwrap();
    // A second sync of the same account, with an id minted afresh.
    let stored_second = writer
        .ad_accounts(std::slice::from_ref(&second))
        .await
        .unwrap();
    assert_eq!(stored_first, [first.id.as_str()]);
    assert_eq!(stored_second, [first.id.as_str()]);
    // Children hang from the returned id and satisfy their foreign keys.
    let campaigns = writer
        .campaigns(&[campaign(&ws, &stored_second[0])])
        .await
        .unwrap();
    // And a re-synced campaign also comes back under its stored id.
    let again = writer
        .campaigns(&[campaign(&ws, &stored_second[0])])
        .await
        .unwrap();
    assert_eq!(again, campaigns);
    tx.commit().await.unwrap();

    let accounts: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM ad_accounts")
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert_eq!(
        accounts,
        [(first.id.clone(), "Northwind US (renamed)".to_owned())]
    );
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
}

#[tokio::test]
async fn a_batch_returns_stored_ids_in_the_order_of_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (db, ws) = database(&dir).await;
    let rows: Vec<AdAccountRow> = (0..5)
        .map(|n| AdAccountRow {
            external_id: format!("act_{n}"),
            ..account(&ws, &format!("Account {n}"))
        })
        .collect();
    let mut tx = db.begin_write().await.unwrap();
    let mut writer = AdDataWriter::new(&mut tx);
    // Store the odd ones first, under ids that the full batch then does not carry.
    let odd: Vec<AdAccountRow> = rows.iter().skip(1).step_by(2).cloned().collect();
    let odd_ids = writer.ad_accounts(&odd).await.unwrap();
    let fresh: Vec<AdAccountRow> = rows
        .iter()
        .map(|r| AdAccountRow {
            id: pw_domain::new_id(),
            ..r.clone()
        })
        .collect();
    let ids = writer.ad_accounts(&fresh).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids.len(), 5);
    assert_eq!(ids[1], odd_ids[0]);
    assert_eq!(ids[3], odd_ids[1]);
    assert_eq!(ids[0], fresh[0].id);
    assert_eq!(ids[4], fresh[4].id);
}

fn signals(workspace_id: &str) -> Vec<SignalRow> {
    let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    vec![
        SignalRow {
            workspace_id: workspace_id.into(),
            audience_id: None,
            kind: "mention".into(),
            source: "review".into(),
            text: "The holiday blend is lovely".into(),
            topic: Some("flavour".into()),
            sentiment: Some(0.8),
            intent: None,
            volume: None,
            occurred_on: day,
            metadata: serde_json::json!({"site": "Trustpilot", "stars": 5}),
        },
        SignalRow {
            workspace_id: workspace_id.into(),
            audience_id: None,
            kind: "intent".into(),
            source: "search_term".into(),
            text: "best coffee gift".into(),
            topic: Some("gifting".into()),
            sentiment: None,
            intent: Some("commercial".into()),
            volume: Some(1_200),
            occurred_on: day,
            metadata: serde_json::json!({}),
        },
    ]
}

#[tokio::test]
async fn ingesting_the_same_signals_twice_keeps_one_copy() {
    let dir = tempfile::tempdir().unwrap();
    let (db, ws) = database(&dir).await;
    let mut tx = db.begin_write().await.unwrap();
    let first = AdDataWriter::new(&mut tx)
        .signals(&signals(&ws))
        .await
        .unwrap();
    let mut again = signals(&ws);
    again[1].volume = Some(1_450);
    let second = AdDataWriter::new(&mut tx).signals(&again).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(first, second);
    let rows: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT id, volume FROM audience_signals ORDER BY kind")
            .fetch_all(db.reader())
            .await
            .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    // The re-ingested row carries the newer figures.
    assert_eq!(rows[0].1, Some(1_450));

    // The ids are derived from the workspace and the natural key: another database holding the
    // same workspace gives the same rows the same ids.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Database::open(&other_dir.path().join("profitwheel.sqlite3"))
        .await
        .unwrap();
    other
        .import_workspace(&db.export_workspace(&ws, |_| {}).await.unwrap())
        .await
        .unwrap();
    sqlx::query("DELETE FROM audience_signals")
        .execute(other.writer())
        .await
        .unwrap();
    let mut tx = other.begin_write().await.unwrap();
    let elsewhere = AdDataWriter::new(&mut tx)
        .signals(&signals(&ws))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(elsewhere, first);
}

/// A database written before signals and audiences had natural keys may hold copies: updating it
/// merges them into the earliest row and repoints what referred to a copy.
#[tokio::test]
async fn updating_an_older_database_merges_copies_it_already_holds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profitwheel.sqlite3");
    let folder = dir.path().join("older-migrations");
    std::fs::create_dir_all(&folder).unwrap();
    let ours = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    for entry in std::fs::read_dir(ours).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name().to_string_lossy().as_ref() < "20261129000003" {
            std::fs::copy(entry.path(), folder.join(entry.file_name())).unwrap();
        }
    }
    let older = sqlx::migrate::Migrator::new(folder.as_path())
        .await
        .unwrap();
    let db = Database::open_with(&path, &older).await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO workspaces (id, name, brand, currency, time_zone, created_at, updated_at)
             VALUES ('w', 'Northwind', 'Northwind', 'USD', 'UTC', 't', 't');
         INSERT INTO audiences (id, workspace_id, platform, external_id, name, kind, created_at)
             VALUES ('aud-1', 'w', 'meta', '238', 'Coffee lovers', 'interest', 't'),
                    ('aud-2', 'w', 'meta', '238', 'Coffee lovers', 'interest', 't'),
                    ('aud-own', 'w', 'meta', NULL, 'Ours', 'saved', 't'),
                    ('aud-own-2', 'w', 'meta', NULL, 'Ours', 'saved', 't');
         INSERT INTO audience_signals (id, workspace_id, audience_id, kind, source, text, occurred_on, created_at)
             VALUES ('sig-1', 'w', 'aud-2', 'mention', 'review', 'Lovely', '2026-11-20', 't'),
                    ('sig-2', 'w', NULL, 'mention', 'review', 'Lovely', '2026-11-20', 't'),
                    ('sig-3', 'w', NULL, 'mention', 'review', 'Lovely', '2026-11-21', 't');
         INSERT INTO twins (id, workspace_id, audience_id, name, created_at, updated_at)
             VALUES ('twin', 'w', 'aud-2', 'Maya', 't', 't');
         INSERT INTO twin_memories (id, workspace_id, twin_id, kind, content, source_signal_id, created_at)
             VALUES ('memory', 'w', 'twin', 'grounding', 'likes it', 'sig-2', 't');",
    )
    .execute(db.writer())
    .await
    .unwrap();
    db.close().await;

    let db = Database::open(&path).await.unwrap();
    let ids = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, String>(sql)
                .fetch_all(db.reader())
                .await
                .unwrap()
        }
    };
    assert_eq!(
        ids("SELECT id FROM audiences ORDER BY id").await,
        ["aud-1", "aud-own", "aud-own-2"]
    );
    assert_eq!(
        ids("SELECT id || ':' || coalesce(audience_id, '-') FROM audience_signals ORDER BY id")
            .await,
        ["sig-1:aud-1", "sig-3:-"]
    );
    assert_eq!(ids("SELECT audience_id FROM twins").await, ["aud-1"]);
    assert_eq!(
        ids("SELECT source_signal_id FROM twin_memories").await,
        ["sig-1"]
    );
}

fn audience(workspace_id: &str, external_id: Option<&str>) -> AudienceRow {
    AudienceRow {
        id: pw_domain::new_id(),
        workspace_id: workspace_id.into(),
        ad_account_id: None,
        platform: Platform::Meta,
        external_id: external_id.map(str::to_owned),
        name: "Coffee lovers".into(),
        kind: "interest".into(),
        size_lower: Some(1_000),
        size_upper: Some(2_000),
        interests: serde_json::json!(["coffee"]),
        demographics: serde_json::json!({}),
    }
}

#[tokio::test]
async fn a_platform_audience_synced_again_keeps_its_stored_id() {
    let dir = tempfile::tempdir().unwrap();
    let (db, ws) = database(&dir).await;
    let named = audience(&ws, Some("2385"));
    let ours = audience(&ws, None);
    let mut tx = db.begin_write().await.unwrap();
    let mut writer = AdDataWriter::new(&mut tx);
    let first = writer
        .audiences(&[named.clone(), ours.clone()])
        .await
        .unwrap();
    // The platform's audience arrives again under a fresh id; ours is saved again under its own.
    let again = writer
        .audiences(&[
            AudienceRow {
                size_upper: Some(3_000),
                ..audience(&ws, Some("2385"))
            },
            ours.clone(),
        ])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(first, [named.id.as_str(), ours.id.as_str()]);
    assert_eq!(again, first);
    let rows: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT id, size_upper FROM audiences ORDER BY external_id IS NULL")
            .fetch_all(db.reader())
            .await
            .unwrap();
    assert_eq!(
        rows,
        [
            (named.id.clone(), Some(3_000)),
            (ours.id.clone(), Some(2_000))
        ]
    );
}
