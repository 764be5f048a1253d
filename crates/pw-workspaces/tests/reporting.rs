//! The dashboard's reporting queries over ad data written through the ad-data writer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::path::PathBuf;

use chrono::NaiveDate;
use pw_domain::{Micros, Objective, Platform};
use pw_store::Database;
use pw_workspaces::{
    AdAccountRow, AdDataWriter, CampaignRow, CreativeRow, MetricLevel, MetricRow, NewWorkspace,
    WorkspaceStore,
};

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("profitwheel.sqlite3")
}

fn new_workspace(name: &str) -> NewWorkspace {
    NewWorkspace {
        name: name.into(),
        brand: "Northwind Coffee".into(),
        currency: "USD".parse().unwrap(),
        time_zone: "America/New_York".into(),
        is_demo: false,
    }
}

/// Creates a workspace with an account, a campaign, a creative with an image, and two days of
/// metrics, exercising integers, reals, NULLs and blobs.
async fn seeded(db: &Database, name: &str) -> String {
    let workspace = WorkspaceStore::new(db)
        .create_workspace(&new_workspace(name))
        .await
        .unwrap();
    let ws = workspace.id.clone();
    let image = db
        .blobs()
        .put(db.writer(), b"\x89PNG fake image bytes", "image/png")
        .await
        .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    {
        let mut writer = AdDataWriter::new(&mut tx);
        let account = AdAccountRow {
            id: pw_domain::new_id(),
            workspace_id: ws.clone(),
            platform: Platform::Meta,
            external_id: "act_1".into(),
            name: "Northwind US".into(),
            currency: "USD".into(),
            time_zone: "America/New_York".into(),
        };
        writer
            .ad_accounts(std::slice::from_ref(&account))
            .await
            .unwrap();
        let campaign = CampaignRow {
            id: pw_domain::new_id(),
            workspace_id: ws.clone(),
            ad_account_id: account.id.clone(),
            platform: Platform::Meta,
            external_id: "c1".into(),
            name: "Holiday Blend - Prospecting".into(),
            objective: Objective::Sales,
            status: "active".into(),
            daily_budget: Some(Micros::from_units(150)),
            start_date: Some("2026-01-01".into()),
            end_date: None,
        };
        writer
            .campaigns(std::slice::from_ref(&campaign))
            .await
            .unwrap();
        writer
            .creatives(&[CreativeRow {
                id: pw_domain::new_id(),
                workspace_id: ws.clone(),
                ad_account_id: account.id.clone(),
                external_id: "cr1".into(),
                format: "image".into(),
                headline: Some("Slow mornings, bold cups".into()),
                body: None,
                call_to_action: Some("SHOP_NOW".into()),
                landing_url: Some("https://example.com/holiday".into()),
                blob_sha256: Some(image.clone()),
            }])
            .await
            .unwrap();
        let metric = |day: u32, conversions: f64| MetricRow {
            workspace_id: ws.clone(),
            level: MetricLevel::Campaign,
            entity_id: campaign.id.clone(),
            date: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
            platform: Platform::Meta,
            currency: "USD".into(),
            impressions: 12_000 + i64::from(day),
            clicks: 180,
            spend: Micros(143_250_000),
            conversions,
            conversion_value: Micros(512_990_000),
            reach: Some(9_000),
            video_views: None,
        };
        writer
            .metrics(&[metric(1, 7.333_333_333_333_333), metric(2, 0.1 + 0.2)])
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    ws
}

#[tokio::test]
async fn dashboards_read_totals_series_and_campaigns() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&db_path(&dir)).await.unwrap();
    let ws = seeded(&db, "Northwind").await;
    let reports = WorkspaceStore::new(&db);
    let range = reports.metrics_date_range(&ws).await.unwrap().unwrap();
    assert_eq!(range.start.to_string(), "2026-03-01");
    assert_eq!(range.end.to_string(), "2026-03-02");
    let totals = reports.workspace_totals(&ws, range).await.unwrap();
    assert_eq!(totals.len(), 1, "one currency, one total");
    assert_eq!(totals[0].currency.as_str(), "USD");
    assert_eq!(totals[0].totals.spend, Micros(286_500_000));
    assert_eq!(totals[0].totals.clicks, 360);
    let series = reports.daily_platform_totals(&ws, range).await.unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].platform, Platform::Meta);
    let campaigns = reports.campaign_totals(&ws, range).await.unwrap();
    assert_eq!(campaigns.len(), 1);
    assert_eq!(campaigns[0].totals.impressions, 24_003);
    let listed = reports.list_workspaces().await.unwrap();
    assert_eq!(listed[0].campaign_count, 1);
    assert_eq!(listed[0].data_range, Some(range));
}
