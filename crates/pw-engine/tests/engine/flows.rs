//! The engine's use cases end to end, without a window: demo job, dashboard, export job and the
//! error kinds the UI and CLI branch on.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::sync::Arc;
use std::time::Duration;

use pw_engine::jobs::JobState;
use pw_engine::workspaces::{CreateWorkspace, WorkspaceId};
use pw_engine::{Engine, EngineConfig, EngineError, ErrorKind, KpiKey, KpiNumber, Micros};

async fn engine(dir: &tempfile::TempDir) -> Arc<Engine> {
    let mut config = EngineConfig::new(dir.path());
    config.runner.poll = Duration::from_millis(50);
    Engine::open(config).await.unwrap()
}

#[tokio::test]
async fn the_demo_job_creates_a_workspace_whose_dashboard_shows_real_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    engine.start_workers().await;
    let job = engine.workspaces().start_demo().await.unwrap();
    let mut fractions = Vec::new();
    let done = engine
        .jobs()
        .wait(&job.id, |j| fractions.push(j.progress))
        .await
        .unwrap();
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    assert!(
        fractions.len() >= 3 && fractions.windows(2).all(|w| w[0] <= w[1]),
        "{fractions:?}"
    );
    let workspace_id: WorkspaceId = done.workspace_id.as_deref().unwrap().parse().unwrap();

    let listed = engine.workspaces().list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].workspace.name, "Halcyon Roasters (demo)");
    assert!(listed[0].workspace.is_demo);
    assert_eq!(listed[0].campaign_count, 30);

    let dashboard = engine
        .workspaces()
        .dashboard(workspace_id, None)
        .await
        .unwrap();
    assert_eq!(dashboard.range.days(), 30);
    assert_eq!(dashboard.range.end, listed[0].data_range.unwrap().end);
    assert_eq!(
        dashboard.sections.len(),
        1,
        "the demo reports in one currency"
    );
    let section = &dashboard.sections[0];
    assert_eq!(section.currency.as_str(), "USD");
    assert_eq!(section.kpis.len(), 8);
    assert!(
        section
            .kpis
            .iter()
            .all(|k| k.current.is_some() && k.previous.is_some() && k.change().is_some())
    );
    assert_eq!(section.series.len(), 4);
    assert!(section.series.iter().all(|s| s.points.len() == 30));
    let series_spend: i64 = section
        .series
        .iter()
        .flat_map(|s| &s.points)
        .map(|p| p.totals.spend.0)
        .sum();
    let tile_spend = section
        .kpis
        .iter()
        .find(|k| k.key == KpiKey::Spend)
        .unwrap()
        .current
        .unwrap();
    assert_eq!(
        KpiNumber::Money(Micros(series_spend)),
        tile_spend,
        "the chart and the tile agree"
    );
    assert_eq!(dashboard.campaigns.len(), 30);
    assert!(
        dashboard
            .campaigns
            .windows(2)
            .all(|w| w[0].totals.spend >= w[1].totals.spend)
    );

    let second = engine.workspaces().start_demo().await.unwrap();
    engine.jobs().wait(&second.id, |_| {}).await.unwrap();
    let names: Vec<String> = engine
        .workspaces()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.workspace.name)
        .collect();
    assert!(
        names.contains(&"Halcyon Roasters (demo 2)".to_owned()),
        "{names:?}"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn the_export_job_writes_a_file_that_imports_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace_id) = crate::evidence::demo_copy(dir.path(), "export").await;
    let export = engine
        .workspaces()
        .start_export(workspace_id)
        .await
        .unwrap();
    let done = engine.jobs().wait(&export.id, |_| {}).await.unwrap();
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    let path = done.result.as_ref().unwrap()["path"]
        .as_str()
        .unwrap()
        .to_owned();
    engine.shutdown().await;

    let other_dir = tempfile::tempdir().unwrap();
    let other = Engine::open(EngineConfig::new(other_dir.path()))
        .await
        .unwrap();
    let imported = other
        .workspaces()
        .import(std::path::Path::new(&path))
        .await
        .unwrap();
    assert_eq!(imported.workspace.id, workspace_id);
    assert_eq!(imported.campaign_count, 30);
    let original = Engine::open(EngineConfig::new(dir.path())).await.unwrap();
    assert_eq!(
        original
            .workspaces()
            .dashboard(workspace_id, None)
            .await
            .unwrap(),
        other
            .workspaces()
            .dashboard(workspace_id, None)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn errors_carry_the_kind_callers_branch_on() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    assert_eq!(
        engine
            .workspaces()
            .dashboard(WorkspaceId::new(), None)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    // Text that is no workspace id names no workspace either.
    let not_an_id = EngineError::from("nope".parse::<WorkspaceId>().unwrap_err());
    assert_eq!(not_an_id.kind(), ErrorKind::NotFound);
    assert_eq!(not_an_id.to_string(), "'nope' is not a workspace id");
    let request = |currency: &str| CreateWorkspace {
        name: "Acme Outdoor".into(),
        brand: "Acme".into(),
        currency: currency.into(),
        time_zone: "Europe/Berlin".into(),
    };
    assert_eq!(
        engine
            .workspaces()
            .create(request("EURO"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    engine.workspaces().create(request("EUR")).await.unwrap();
    let duplicate = engine
        .workspaces()
        .create(request("EUR"))
        .await
        .unwrap_err();
    assert_eq!(duplicate.kind(), ErrorKind::Conflict);
    assert!(duplicate.to_string().contains("already exists"));
    let bad_zone = CreateWorkspace {
        time_zone: "Mars/Olympus".into(),
        name: "Other".into(),
        ..request("EUR")
    };
    assert_eq!(
        engine
            .workspaces()
            .create(bad_zone)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        engine.jobs().retry("missing").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    engine.shutdown().await;

    let foreign_dir = tempfile::tempdir().unwrap();
    std::fs::write(
        foreign_dir.path().join("profitwheel.sqlite3"),
        b"not a database at all",
    )
    .unwrap();
    let err = Engine::open(EngineConfig::new(foreign_dir.path()))
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::Corrupt);
}

/// An agency client with a EUR and a USD account: money is totalled per currency, never added
/// across, and amounts past 2^53 micros (an IDR-sized spend) stay exact to the micro.
#[tokio::test]
async fn totals_never_add_amounts_in_different_currencies() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(&dir).await;
    let workspace = engine
        .workspaces()
        .create(CreateWorkspace {
            name: "Two currencies".into(),
            brand: "Kopi".into(),
            currency: "USD".into(),
            time_zone: "UTC".into(),
        })
        .await
        .unwrap();
    let ws = workspace.workspace.id;
    // Rows no use case writes yet (a connector will), put in the database file with a
    // connection of the test's own.
    let writer = sqlx::SqlitePool::connect_with(
        sqlx::sqlite::SqliteConnectOptions::new().filename(engine.config().database_path()),
    )
    .await
    .unwrap();
    let writer = &writer;
    let huge: i64 = (1 << 53) + 1;
    for (currency, spend) in [("EUR", 1_500_000_i64), ("IDR", huge)] {
        let account = pw_domain::new_id();
        let account = account.as_str();
        sqlx::query(
            "INSERT INTO ad_accounts (id, workspace_id, platform, external_id, name, currency, time_zone, created_at)
             VALUES (?, ?, 'meta', ?, ?, ?, 'UTC', '2026-11-01T00:00:00.000Z')",
        )
        .bind(account)
        .bind(ws.to_string())
        .bind(account)
        .bind(account)
        .bind(currency)
        .execute(writer)
        .await
        .unwrap();
        let campaign = pw_domain::new_id();
        sqlx::query(
            "INSERT INTO campaigns (id, workspace_id, ad_account_id, platform, external_id, name, objective, status, created_at)
             VALUES (?, ?, ?, 'meta', ?, ?, 'sales', 'active', '2026-11-01T00:00:00.000Z')",
        )
        .bind(&campaign)
        .bind(ws.to_string())
        .bind(account)
        .bind(&campaign)
        .bind(&campaign)
        .execute(writer)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO daily_metrics (workspace_id, level, entity_id, date, platform, currency, impressions, clicks, spend_micros, conversions, conversion_value_micros)
             VALUES (?, 'campaign', ?, '2026-11-10', 'meta', ?, 1000, 10, ?, 1, 0)",
        )
        .bind(ws.to_string())
        .bind(&campaign)
        .bind(currency)
        .bind(spend)
        .execute(writer)
        .await
        .unwrap();
    }
    writer.close().await;

    let range =
        pw_domain::DateRange::ending(chrono::NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(), 7);
    let dashboard = engine
        .workspaces()
        .dashboard(ws, Some(range))
        .await
        .unwrap();
    let spend_by_currency: Vec<(String, Option<KpiNumber>)> = dashboard
        .sections
        .iter()
        .map(|s| {
            let spend = s.kpis.iter().find(|k| k.key == KpiKey::Spend).unwrap();
            (s.currency.to_string(), spend.current)
        })
        .collect();
    assert_eq!(
        spend_by_currency,
        vec![
            ("EUR".to_owned(), Some(KpiNumber::Money(Micros(1_500_000)))),
            ("IDR".to_owned(), Some(KpiNumber::Money(Micros(huge)))),
        ],
        "one section per currency with data, by code; USD has none, so no section"
    );
    assert!(dashboard.sections.iter().all(|s| s.series.len() == 1));
    let mut campaign_currencies: Vec<&str> = dashboard
        .campaigns
        .iter()
        .map(|c| c.currency.as_str())
        .collect();
    campaign_currencies.sort();
    assert_eq!(campaign_currencies, ["EUR", "IDR"]);

    // A workspace with no data still shows its own currency, empty.
    let empty = engine
        .workspaces()
        .create(CreateWorkspace {
            name: "Empty".into(),
            brand: "Kopi".into(),
            currency: "KRW".into(),
            time_zone: "UTC".into(),
        })
        .await
        .unwrap();
    let dashboard = engine
        .workspaces()
        .dashboard(empty.workspace.id, Some(range))
        .await
        .unwrap();
    assert_eq!(dashboard.sections.len(), 1);
    assert_eq!(dashboard.sections[0].currency.as_str(), "KRW");
}
