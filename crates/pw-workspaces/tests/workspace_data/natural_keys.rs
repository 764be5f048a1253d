//! Rows keyed by their natural keys: an upsert hands back the id that is stored (not the one the
//! caller minted), and re-ingested signals keep one copy under a deterministic id.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use chrono::NaiveDate;
use pw_domain::{
    AdAccountId, AudienceId, AudienceKind, CampaignId, EntityStatus, Objective, Platform,
    SearchIntent, SignalKind, WorkspaceId,
};
use pw_store::{Database, StoreError};
use pw_workspaces::{
    AdAccountRow, AdDataWriter, AudienceRow, CampaignRow, MetricEntity, MetricRow, NewWorkspace,
    SignalRow, WorkspaceStore,
};

async fn database(dir: &tempfile::TempDir) -> (Database, WorkspaceId) {
    let db = Database::open(&dir.path().join("profitwheel.sqlite3"))
        .await
        .unwrap();
    let workspace = WorkspaceStore::new(&db)
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

fn account(workspace_id: WorkspaceId, name: &str) -> AdAccountRow {
    AdAccountRow {
        id: AdAccountId::new(),
        workspace_id,
        platform: Platform::Meta,
        external_id: "act_1".into(),
        name: name.into(),
        currency: "USD".parse().unwrap(),
        time_zone: "America/New_York".into(),
    }
}

fn campaign(workspace_id: WorkspaceId, ad_account_id: AdAccountId) -> CampaignRow {
    CampaignRow {
        id: CampaignId::new(),
        workspace_id,
        ad_account_id,
        platform: Platform::Meta,
        external_id: "c1".into(),
        name: "Holiday Blend".into(),
        objective: Objective::Sales,
        status: EntityStatus::Active,
        daily_budget: None,
        start_date: None,
        end_date: None,
    }
}

#[tokio::test]
async fn an_upsert_returns_the_id_already_stored_for_its_natural_key() {
    let dir = tempfile::tempdir().unwrap();
    let (db, ws) = database(&dir).await;
    let first = account(ws, "Northwind US");
    let second = account(ws, "Northwind US (renamed)");
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
    assert_eq!(stored_first, [first.id]);
    assert_eq!(stored_second, [first.id]);
    // Children hang from the returned id and satisfy their foreign keys.
    let campaigns = writer
        .campaigns(&[campaign(ws, stored_second[0])])
        .await
        .unwrap();
    // And a re-synced campaign also comes back under its stored id.
    let again = writer
        .campaigns(&[campaign(ws, stored_second[0])])
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
        [(first.id.to_string(), "Northwind US (renamed)".to_owned())]
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
            ..account(ws, &format!("Account {n}"))
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
            id: AdAccountId::new(),
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

fn signals(workspace_id: WorkspaceId) -> Vec<SignalRow> {
    let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    vec![
        SignalRow {
            workspace_id,
            audience_id: None,
            kind: SignalKind::Mention,
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
            workspace_id,
            audience_id: None,
            kind: SignalKind::Intent,
            source: "search_term".into(),
            text: "best coffee gift".into(),
            topic: Some("gifting".into()),
            sentiment: None,
            intent: Some(SearchIntent::Commercial),
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
        .signals(&signals(ws))
        .await
        .unwrap();
    let mut again = signals(ws);
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
        .import_workspace(&db.export_workspace(ws, |_| {}).await.unwrap())
        .await
        .unwrap();
    sqlx::query("DELETE FROM audience_signals")
        .execute(other.writer())
        .await
        .unwrap();
    let mut tx = other.begin_write().await.unwrap();
    let elsewhere = AdDataWriter::new(&mut tx)
        .signals(&signals(ws))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(elsewhere, first);
}

/// A database at the schema before natural keys (every migration older than them).
async fn database_before_natural_keys(dir: &tempfile::TempDir) -> Database {
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
    Database::open_with(&path, &older).await.unwrap()
}

/// The workspace of the rows below ('w' in the SQL): a workspace file names its workspace by id.
const OLDER_WORKSPACE: &str = "0193a0c4-7b2e-7c3d-9f00-1234567890ab";

/// The ids the rows below are written with, short for reading, and the UUID each stands for (as
/// every build has stored them). The UUIDs sort as their short names do within a table.
const OLDER_IDS: &[(&str, &str)] = &[
    ("acct", "0193a0c4-7b2e-7c3d-9f00-000000000001"),
    ("camp", "0193a0c4-7b2e-7c3d-9f00-000000000002"),
    ("group", "0193a0c4-7b2e-7c3d-9f00-000000000003"),
    ("twin", "0193a0c4-7b2e-7c3d-9f00-000000000004"),
    ("aud-1", "0193a0c4-7b2e-7c3d-9f00-000000000011"),
    ("aud-2", "0193a0c4-7b2e-7c3d-9f00-000000000012"),
    ("aud-own", "0193a0c4-7b2e-7c3d-9f00-000000000013"),
    ("aud-own-2", "0193a0c4-7b2e-7c3d-9f00-000000000014"),
    ("sig-1", "0193a0c4-7b2e-7c3d-9f00-000000000021"),
    ("sig-2", "0193a0c4-7b2e-7c3d-9f00-000000000022"),
    ("sig-3", "0193a0c4-7b2e-7c3d-9f00-000000000023"),
    ("sig-4", "0193a0c4-7b2e-7c3d-9f00-000000000024"),
    ("sig-5", "0193a0c4-7b2e-7c3d-9f00-000000000025"),
    ("sig-6", "0193a0c4-7b2e-7c3d-9f00-000000000026"),
    ("sig-7", "0193a0c4-7b2e-7c3d-9f00-000000000027"),
    ("memory", "0193a0c4-7b2e-7c3d-9f00-000000000031"),
    ("memory-2", "0193a0c4-7b2e-7c3d-9f00-000000000032"),
];

/// The instant the rows below were created at ('t' in the SQL).
const OLDER_CREATED_AT: &str = "2026-11-20T10:00:00.000Z";

/// The rows below with their ids and instants filled in.
fn copies_from_before_natural_keys() -> String {
    let mut sql = COPIES_FROM_BEFORE_NATURAL_KEYS
        .replace("'w'", &format!("'{OLDER_WORKSPACE}'"))
        .replace("'t'", &format!("'{OLDER_CREATED_AT}'"));
    for (short, id) in OLDER_IDS {
        sql = sql.replace(&format!("'{short}'"), &format!("'{id}'"));
    }
    sql
}

/// `text` with each UUID of [`OLDER_IDS`] written as its short name again.
fn short_ids(text: &str) -> String {
    OLDER_IDS
        .iter()
        .fold(text.to_owned(), |text, (short, id)| text.replace(id, short))
}

/// What an older database (or a workspace file it exported) can hold: copies of a platform's
/// audience and of signals, with rows pointing at the copies, beside signals that only look alike.
const COPIES_FROM_BEFORE_NATURAL_KEYS: &str = r#"
    INSERT INTO workspaces (id, name, brand, currency, time_zone, created_at, updated_at)
        VALUES ('w', 'Northwind', 'Northwind', 'USD', 'UTC', 't', 't');
    INSERT INTO ad_accounts (id, workspace_id, platform, external_id, name, currency, time_zone, created_at)
        VALUES ('acct', 'w', 'meta', 'act_1', 'Main', 'USD', 'UTC', 't');
    INSERT INTO campaigns (id, workspace_id, ad_account_id, platform, external_id, name, objective, status, created_at)
        VALUES ('camp', 'w', 'acct', 'meta', 'c1', 'Holiday', 'sales', 'active', 't');
    INSERT INTO audiences (id, workspace_id, platform, external_id, name, kind, created_at)
        VALUES ('aud-1', 'w', 'meta', '238', 'Coffee lovers', 'interest', 't'),
               ('aud-2', 'w', 'meta', '238', 'Coffee lovers (renamed)', 'interest', 't'),
               ('aud-own', 'w', 'meta', NULL, 'Ours', 'saved', 't'),
               ('aud-own-2', 'w', 'meta', NULL, 'Ours', 'saved', 't');
    INSERT INTO ad_groups (id, workspace_id, campaign_id, external_id, name, status, audience_id, created_at)
        VALUES ('group', 'w', 'camp', 'g1', 'Lovers', 'active', 'aud-2', 't');
    INSERT INTO audience_signals (id, workspace_id, audience_id, kind, source, text, volume, occurred_on, metadata, created_at)
        VALUES ('sig-1', 'w', 'aud-2', 'mention', 'review', 'Lovely', 5, '2026-11-20', '{}', 't'),
               ('sig-2', 'w', 'aud-1', 'mention', 'review', 'Lovely', 7, '2026-11-20', '{}', 't'),
               ('sig-3', 'w', NULL, 'mention', 'review', 'Lovely', NULL, '2026-11-21', '{}', 't'),
               ('sig-4', 'w', NULL, 'mention', 'review', 'Lovely', NULL, '2026-11-20', '{"external_id": "post-1"}', 't'),
               ('sig-5', 'w', NULL, 'mention', 'review', 'Lovely', NULL, '2026-11-20', '{"external_id": "post-2"}', 't'),
               ('sig-6', 'w', NULL, 'mention', 'review', 'Lovely', NULL, '2026-11-20', '{}', 't'),
               ('sig-7', 'w', NULL, 'mention', 'review', 'Lovely', NULL, '2026-11-20', '{"external_id": "post-1"}', 't');
    INSERT INTO twins (id, workspace_id, audience_id, name, created_at, updated_at)
        VALUES ('twin', 'w', 'aud-2', 'Maya', 't', 't');
    INSERT INTO twin_memories (id, workspace_id, twin_id, kind, content, source_signal_id, created_at)
        VALUES ('memory', 'w', 'twin', 'grounding', 'likes it', 'sig-2', 't'),
               ('memory-2', 'w', 'twin', 'grounding', 'likes it too', 'sig-7', 't');"#;

/// The copies above are merged into their first row, with the last one's figures, and every
/// reference follows; signals that only look alike stay apart.
async fn assert_copies_were_merged(db: &Database) {
    let ids = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, String>(sql)
                .fetch_all(db.reader())
                .await
                .unwrap()
                .iter()
                .map(|id| short_ids(id))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        ids("SELECT id || ':' || name FROM audiences ORDER BY id").await,
        [
            "aud-1:Coffee lovers (renamed)",
            "aud-own:Ours",
            "aud-own-2:Ours"
        ]
    );
    assert_eq!(
        ids(
            "SELECT id || ':' || coalesce(audience_id, '-') || ':' || coalesce(volume, '-')
             FROM audience_signals ORDER BY id"
        )
        .await,
        [
            "sig-1:aud-1:7",
            "sig-3:-:-",
            "sig-4:-:-",
            "sig-5:-:-",
            "sig-6:-:-"
        ]
    );
    assert_eq!(ids("SELECT audience_id FROM ad_groups").await, ["aud-1"]);
    assert_eq!(ids("SELECT audience_id FROM twins").await, ["aud-1"]);
    assert_eq!(
        ids("SELECT source_signal_id FROM twin_memories ORDER BY id").await,
        ["sig-1", "sig-4"]
    );
}

/// A database written before signals and audiences had natural keys may hold copies: updating it
/// merges true copies (and only those) and repoints what referred to a copy.
#[tokio::test]
async fn updating_an_older_database_merges_copies_it_already_holds() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_before_natural_keys(&dir).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(copies_from_before_natural_keys()))
        .execute(db.writer())
        .await
        .unwrap();
    db.close().await;

    let db = Database::open(&dir.path().join("profitwheel.sqlite3"))
        .await
        .unwrap();
    assert_copies_were_merged(&db).await;
}

/// A workspace file exported before natural keys can hold the same copies; importing it merges
/// them by the same rules instead of failing on the first copy.
#[tokio::test]
async fn a_workspace_file_from_before_natural_keys_imports_with_its_copies_merged() {
    let older_dir = tempfile::tempdir().unwrap();
    let older = database_before_natural_keys(&older_dir).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(copies_from_before_natural_keys()))
        .execute(older.writer())
        .await
        .unwrap();
    let mut file = older
        .export_workspace(OLDER_WORKSPACE.parse().unwrap(), |_| {})
        .await
        .unwrap();
    // What that build wrote into the header: its newest migration.
    file.schema_version = 20261129000001;
    let file = pw_store::WorkspaceFile::from_bytes(&file.to_bytes().unwrap()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("profitwheel.sqlite3"))
        .await
        .unwrap();
    db.import_workspace(&file).await.unwrap();

    assert_copies_were_merged(&db).await;
}

fn mention(workspace_id: WorkspaceId, metadata: serde_json::Value) -> SignalRow {
    SignalRow {
        workspace_id,
        audience_id: None,
        kind: SignalKind::Mention,
        source: "comment".into(),
        text: "Love it!".into(),
        topic: None,
        sentiment: Some(0.9),
        intent: None,
        volume: None,
        occurred_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        metadata,
    }
}

async fn signal_rows(db: &Database) -> Vec<(String, Option<String>, String)> {
    sqlx::query_as(
        "SELECT id, audience_id, metadata FROM audience_signals ORDER BY metadata, audience_id",
    )
    .fetch_all(db.reader())
    .await
    .unwrap()
}

#[tokio::test]
async fn two_people_writing_the_same_words_on_the_same_day_stay_two_signals() {
    let dir = tempfile::tempdir().unwrap();
    let (db, ws) = database(&dir).await;
    let first = mention(
        ws,
        serde_json::json!({"site": "Instagram", "external_id": "17901"}),
    );
    let second = mention(
        ws,
        serde_json::json!({"site": "Instagram", "external_id": "17902"}),
    );

    let mut tx = db.begin_write().await.unwrap();
    let ids = AdDataWriter::new(&mut tx)
        .signals(&[first, second])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_ne!(ids[0], ids[1]);
    assert_eq!(signal_rows(&db).await.len(), 2);
}

#[tokio::test]
async fn a_mention_ingested_again_keeps_one_copy_with_the_newer_figures() {
    let dir = tempfile::tempdir().unwrap();
    let (db, ws) = database(&dir).await;
    let posted = mention(
        ws,
        serde_json::json!({"permalink": "https://x.test/p/1", "likes": 3}),
    );
    let synced_again = mention(
        ws,
        serde_json::json!({"permalink": "https://x.test/p/1", "likes": 9}),
    );

    let mut tx = db.begin_write().await.unwrap();
    let mut writer = AdDataWriter::new(&mut tx);
    let first = writer.signals(std::slice::from_ref(&posted)).await.unwrap();
    let again = writer
        .signals(std::slice::from_ref(&synced_again))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(first, again);
    let rows = signal_rows(&db).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].2.contains("\"likes\":9"), "{rows:?}");
}

#[tokio::test]
async fn the_same_search_term_for_two_audiences_stays_two_signals() {
    let dir = tempfile::tempdir().unwrap();
    let (db, ws) = database(&dir).await;
    let mut tx = db.begin_write().await.unwrap();
    let mut writer = AdDataWriter::new(&mut tx);
    let audiences = writer
        .audiences(&[audience(ws, Some("1")), audience(ws, Some("2"))])
        .await
        .unwrap();
    let term = |audience_id: AudienceId| SignalRow {
        workspace_id: ws,
        audience_id: Some(audience_id),
        kind: SignalKind::Intent,
        source: "search_term".into(),
        text: "best coffee gift".into(),
        topic: None,
        sentiment: None,
        intent: Some(SearchIntent::Commercial),
        volume: Some(100),
        occurred_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        metadata: serde_json::json!({}),
    };
    let ids = writer
        .signals(&[term(audiences[0]), term(audiences[1])])
        .await
        .unwrap();
    // Reported again for both: still two.
    let again = writer
        .signals(&[term(audiences[0]), term(audiences[1])])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_ne!(ids[0], ids[1]);
    assert_eq!(again, ids);
    let stored: Vec<Option<String>> = signal_rows(&db).await.into_iter().map(|r| r.1).collect();
    let mut expected = vec![
        Some(audiences[0].to_string()),
        Some(audiences[1].to_string()),
    ];
    expected.sort();
    assert_eq!(stored, expected);
}

fn metric(workspace_id: WorkspaceId, campaign_id: CampaignId, currency: &str) -> MetricRow {
    MetricRow {
        workspace_id,
        entity: MetricEntity::Campaign(campaign_id),
        date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        platform: Platform::Meta,
        currency: currency.parse().unwrap(),
        impressions: 1_000,
        clicks: 10,
        spend: pw_domain::Micros(5_000_000),
        conversions: 1.0,
        conversion_value: Some(pw_domain::Micros(20_000_000)),
        reach: None,
        video_views: None,
    }
}

/// A campaign's totals are labelled with its account's currency, so a metric row in another
/// currency would be added into a total it does not belong to.
#[tokio::test]
async fn a_metric_in_another_currency_than_its_account_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (db, ws) = database(&dir).await;
    let mut tx = db.begin_write().await.unwrap();
    let mut writer = AdDataWriter::new(&mut tx);
    let accounts = writer.ad_accounts(&[account(ws, "US")]).await.unwrap();
    let campaigns = writer
        .campaigns(&[campaign(ws, accounts[0])])
        .await
        .unwrap();
    writer
        .metrics(&[metric(ws, campaigns[0], "USD")])
        .await
        .unwrap();

    let err = writer
        .metrics(&[metric(ws, campaigns[0], "EUR")])
        .await
        .unwrap_err();
    tx.commit().await.unwrap();

    assert!(
        matches!(
            &err,
            StoreError::MetricCurrencyMismatch { metric_currency, account_currency, .. }
                if metric_currency == "EUR" && account_currency == "USD"
        ),
        "{err:?}"
    );
    let stored: Vec<String> = sqlx::query_scalar("SELECT currency FROM daily_metrics")
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert_eq!(stored, ["USD"]);
}

#[tokio::test]
async fn an_account_with_metrics_cannot_change_its_currency() {
    let dir = tempfile::tempdir().unwrap();
    let (db, ws) = database(&dir).await;
    let mut tx = db.begin_write().await.unwrap();
    let mut writer = AdDataWriter::new(&mut tx);
    let accounts = writer.ad_accounts(&[account(ws, "US")]).await.unwrap();
    let campaigns = writer
        .campaigns(&[campaign(ws, accounts[0])])
        .await
        .unwrap();
    writer
        .metrics(&[metric(ws, campaigns[0], "USD")])
        .await
        .unwrap();

    let err = writer
        .ad_accounts(&[AdAccountRow {
            currency: "EUR".parse().unwrap(),
            ..account(ws, "US")
        }])
        .await
        .unwrap_err();
    // Renaming it (same currency) is still an ordinary re-sync.
    writer
        .ad_accounts(&[account(ws, "US renamed")])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert!(
        matches!(&err, StoreError::AccountCurrencyChange { new_currency, .. } if new_currency == "EUR"),
        "{err:?}"
    );
    let stored: Vec<(String, String)> = sqlx::query_as("SELECT name, currency FROM ad_accounts")
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert_eq!(stored, [("US renamed".to_owned(), "USD".to_owned())]);
}

fn audience(workspace_id: WorkspaceId, external_id: Option<&str>) -> AudienceRow {
    AudienceRow {
        id: AudienceId::new(),
        workspace_id,
        ad_account_id: None,
        platform: Platform::Meta,
        external_id: external_id.map(str::to_owned),
        name: "Coffee lovers".into(),
        kind: AudienceKind::Interest,
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
    let named = audience(ws, Some("2385"));
    let ours = audience(ws, None);
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
                ..audience(ws, Some("2385"))
            },
            ours.clone(),
        ])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(first, [named.id, ours.id]);
    assert_eq!(again, first);
    let rows: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT id, size_upper FROM audiences ORDER BY external_id IS NULL")
            .fetch_all(db.reader())
            .await
            .unwrap();
    assert_eq!(
        rows,
        [
            (named.id.to_string(), Some(3_000)),
            (ours.id.to_string(), Some(2_000))
        ]
    );
}

fn breakdown(
    workspace_id: WorkspaceId,
    ad_group_id: pw_domain::AdGroupId,
    dimension: pw_domain::BreakdownDimension,
    value: &str,
    clicks: i64,
) -> pw_workspaces::BreakdownRow {
    pw_workspaces::BreakdownRow {
        workspace_id,
        entity: MetricEntity::AdGroup(ad_group_id),
        date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        dimension,
        value: value.into(),
        platform: Platform::Meta,
        currency: "USD".parse().unwrap(),
        impressions: 10_000,
        clicks,
        spend: pw_domain::Micros(45_000_000),
        conversions: 3.0,
    }
}

/// A re-synced day's breakdown replaces the segment's figures instead of adding a copy, and a
/// row in another currency than its account's is refused like a metric row would be.
#[tokio::test]
async fn breakdown_rows_upsert_on_their_natural_key() {
    use pw_domain::BreakdownDimension::{Daypart, Placement};

    let dir = tempfile::tempdir().unwrap();
    let (db, ws) = database(&dir).await;
    let mut tx = db.begin_write().await.unwrap();
    let mut writer = AdDataWriter::new(&mut tx);
    let account_id = writer
        .ad_accounts(&[account(ws, "Northwind US")])
        .await
        .unwrap()[0];
    let campaign_id = writer.campaigns(&[campaign(ws, account_id)]).await.unwrap()[0];
    let group = pw_workspaces::AdGroupRow {
        id: pw_domain::AdGroupId::new(),
        workspace_id: ws,
        campaign_id,
        external_id: "g1".into(),
        name: "Coffee lovers".into(),
        status: EntityStatus::Active,
        audience_id: None,
        targeting: serde_json::json!({}),
    };
    let group_id = writer.ad_groups(&[group]).await.unwrap()[0];
    let first = vec![
        breakdown(ws, group_id, Placement, "instagram_reels", 130),
        breakdown(ws, group_id, Placement, "facebook_feed", 100),
        // The same value under another dimension is another row.
        breakdown(ws, group_id, Daypart, "evening", 120),
    ];
    writer.breakdowns(&first).await.unwrap();
    let mut again = first.clone();
    again[0].clicks = 142;
    again[0].conversions = 4.5;
    writer.breakdowns(&again).await.unwrap();

    let mut eur = breakdown(ws, group_id, Placement, "instagram_stories", 80);
    eur.currency = "EUR".parse().unwrap();
    let refused = writer.breakdowns(&[eur]).await.unwrap_err();
    assert!(
        matches!(refused, StoreError::MetricCurrencyMismatch { .. }),
        "{refused:?}"
    );
    tx.commit().await.unwrap();

    let rows: Vec<(String, String, String, i64, f64)> = sqlx::query_as(
        "SELECT level, dimension, value, clicks, conversions FROM metric_breakdowns
         ORDER BY dimension, value",
    )
    .fetch_all(db.reader())
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (
                "ad_group".into(),
                "daypart".into(),
                "evening".into(),
                120,
                3.0
            ),
            (
                "ad_group".into(),
                "placement".into(),
                "facebook_feed".into(),
                100,
                3.0
            ),
            (
                "ad_group".into(),
                "placement".into(),
                "instagram_reels".into(),
                142,
                4.5
            ),
        ]
    );
}
