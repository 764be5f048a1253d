//! The dashboard's reporting queries over ad data written through the ad-data writer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::path::PathBuf;

#[path = "../support/northwind.rs"]
mod northwind;

use northwind::seeded;
use pw_domain::{EntityStatus, Micros, Objective, Platform};
use pw_store::{Database, StoreError};
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
    let range = reports.metrics_date_range(ws).await.unwrap().unwrap();
    assert_eq!(range.start.to_string(), "2026-03-01");
    assert_eq!(range.end.to_string(), "2026-03-02");
    let totals = reports.workspace_totals(ws, range).await.unwrap();
    assert_eq!(totals.len(), 1, "one currency, one total");
    assert_eq!(totals[0].currency.as_str(), "USD");
    assert_eq!(totals[0].totals.spend, Micros(286_500_000));
    assert_eq!(totals[0].totals.clicks, 360);
    let series = reports.daily_platform_totals(ws, range).await.unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].platform, Platform::Meta);
    let campaigns = reports.campaign_totals(ws, range).await.unwrap();
    assert_eq!(campaigns.len(), 1);
    assert_eq!(campaigns[0].totals.impressions, 24_003);
    let listed = reports.list_workspaces().await.unwrap();
    assert_eq!(listed[0].campaign_count, 1);
    assert_eq!(listed[0].data_range, Some(range));
}

/// A day whose conversion value the platform did not report leaves ROAS to the spend whose
/// value was reported, instead of counting that spend as earning nothing.
#[tokio::test]
async fn roas_is_over_the_spend_whose_value_was_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&db_path(&dir)).await.unwrap();
    let ws = seeded(&db, "Northwind").await;
    let reports = WorkspaceStore::new(&db);
    let range = reports.metrics_date_range(ws).await.unwrap().unwrap();
    let before = reports.workspace_totals(ws, range).await.unwrap()[0].totals;
    assert_eq!(before.valued_spend, before.spend, "every value reported");
    let roas = before.kpi(pw_domain::KpiKey::Roas).unwrap();
    // One day's value becomes unknown (as TikTok's basic report leaves it).
    let (spend_of_day,): (i64,) = sqlx::query_as(
        "SELECT spend_micros FROM daily_metrics WHERE workspace_id = ? AND level = 'campaign'
         ORDER BY date LIMIT 1",
    )
    .bind(ws.to_string())
    .fetch_one(db.reader())
    .await
    .unwrap();
    sqlx::query(
        "UPDATE daily_metrics SET conversion_value_micros = NULL
         WHERE workspace_id = ? AND level = 'campaign' AND date = (SELECT min(date) FROM daily_metrics)",
    )
    .bind(ws.to_string())
    .execute(db.writer())
    .await
    .unwrap();
    let after = reports.workspace_totals(ws, range).await.unwrap()[0].totals;
    assert_eq!(after.spend, before.spend, "spend is all still there");
    assert_eq!(after.valued_spend.0, before.spend.0 - spend_of_day);
    let expected = after.conversion_value.0 as f64 / after.valued_spend.0 as f64;
    assert_eq!(after.kpi(pw_domain::KpiKey::Roas), Some(expected));
    assert!(roas > 0.0 && expected > 0.0);
}

/// Campaigns are read as typed values: their status, objective and id come back as enums and an
/// id, and a status this build does not know (a newer version's) is a typed error naming the
/// column, not a panic or a default.
#[tokio::test]
async fn campaigns_read_typed_and_an_unknown_status_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&db_path(&dir)).await.unwrap();
    let ws = seeded(&db, "Northwind").await;
    let reports = WorkspaceStore::new(&db);
    let range = reports.metrics_date_range(ws).await.unwrap().unwrap();
    let campaigns = reports.campaign_totals(ws, range).await.unwrap();
    assert_eq!(campaigns[0].status, EntityStatus::Active);
    assert_eq!(campaigns[0].objective, Objective::Sales);
    let stored_id: String = sqlx::query_scalar("SELECT id FROM campaigns")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(campaigns[0].campaign_id.to_string(), stored_id);

    // What a newer version could have written (the schema's CHECK set aside, as a later
    // migration would widen it).
    sqlx::raw_sql(
        "PRAGMA ignore_check_constraints = ON;
         UPDATE campaigns SET status = 'archived';
         PRAGMA ignore_check_constraints = OFF;",
    )
    .execute(db.writer())
    .await
    .unwrap();
    let error = reports.campaign_totals(ws, range).await.unwrap_err();
    assert!(
        matches!(&error, StoreError::UnreadableValue { column: "status", reason }
            if reason == "'archived' is not a known status"),
        "{error:?}"
    );
}

/// Rows written through the typed repositories are stored as the text they always were, so a
/// workspace file exported from them is the same file.
#[tokio::test]
async fn typed_rows_are_stored_as_the_text_they_always_were() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&db_path(&dir)).await.unwrap();
    let ws = seeded(&db, "Northwind").await;
    let file = db.export_workspace(ws, |_| {}).await.unwrap();
    let value = |table: &str, column: &str| {
        let dump = file.tables.iter().find(|t| t.name == table).unwrap();
        let position = dump.columns.iter().position(|c| c == column).unwrap();
        dump.rows[0][position].clone()
    };
    assert_eq!(file.workspace_id, ws.to_string());
    assert_eq!(value("workspaces", "id"), ws.to_string().as_str());
    assert_eq!(value("campaigns", "status"), "active");
    assert_eq!(value("campaigns", "objective"), "sales");
    assert_eq!(value("campaigns", "platform"), "meta");
    assert_eq!(value("campaigns", "start_date"), "2026-01-01");
    assert_eq!(value("campaigns", "end_date"), serde_json::Value::Null);
    assert_eq!(value("creatives", "format"), "image");
    assert_eq!(value("ad_accounts", "currency"), "USD");
    assert_eq!(value("daily_metrics", "level"), "campaign");
    assert_eq!(value("daily_metrics", "date"), "2026-03-01");
    assert_eq!(
        value("daily_metrics", "entity_id"),
        value("campaigns", "id")
    );
    let created_at = value("workspaces", "created_at");
    let created_at = created_at.as_str().unwrap();
    assert!(
        created_at.len() == 24 && created_at.ends_with('Z') && &created_at[19..20] == ".",
        "{created_at}"
    );
}
