//! The dashboard's reporting queries over ad data written through the ad-data writer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::path::PathBuf;

#[path = "support/northwind.rs"]
mod northwind;

use northwind::seeded;
use pw_domain::{Micros, Platform};
use pw_store::Database;
use pw_workspaces::WorkspaceStore;

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("profitwheel.sqlite3")
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
