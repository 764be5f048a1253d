//! Rows pw-store's tests need, written with SQL of their own: the tables are the contexts'
//! (pw-workspaces' for workspaces and ad data), and pw-store sits below every context crate, so
//! its tests do not reach for one. The Northwind data matches the workspaces context's fixture
//! (`pw-workspaces/tests/support/northwind.rs`): a workspace with an account, a campaign, a
//! creative with an image and two days of metrics, exercising integers, reals, NULLs and blobs.

#![allow(
    dead_code,
    reason = "each test binary uses its own part of the support"
)]

use pw_domain::WorkspaceId;
use pw_store::Database;

const CREATED_AT: &str = "2026-11-25T10:00:00.000Z";

/// A workspace row without ad data.
pub async fn workspace(db: &Database, name: &str) -> WorkspaceId {
    let id = WorkspaceId::new();
    sqlx::query(
        "INSERT INTO workspaces (id, name, brand, currency, time_zone, is_demo, created_at, updated_at)
         VALUES (?, ?, 'Northwind Coffee', 'USD', 'America/New_York', 0, ?, ?)",
    )
    .bind(id.to_string())
    .bind(name)
    .bind(CREATED_AT)
    .bind(CREATED_AT)
    .execute(db.writer())
    .await
    .unwrap();
    id
}

/// The names of the workspaces in `db`, by name.
pub async fn workspace_names(db: &Database) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM workspaces ORDER BY name")
        .fetch_all(db.reader())
        .await
        .unwrap()
}

/// A workspace with an account, a campaign, a creative with an image, and two days of metrics.
pub async fn seeded(db: &Database, name: &str) -> WorkspaceId {
    let ws = workspace(db, name).await;
    let image = db
        .blobs()
        .put(db.writer(), b"\x89PNG fake image bytes", "image/png")
        .await
        .unwrap();
    let account = pw_domain::new_id();
    let campaign = pw_domain::new_id();
    let mut tx = db.begin_write().await.unwrap();
    sqlx::query(
        "INSERT INTO ad_accounts (id, workspace_id, platform, external_id, name, currency, time_zone, created_at)
         VALUES (?, ?, 'meta', 'act_1', 'Northwind US', 'USD', 'America/New_York', ?)",
    )
    .bind(&account)
    .bind(ws.to_string())
    .bind(CREATED_AT)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO campaigns (id, workspace_id, ad_account_id, platform, external_id, name, objective,
             status, daily_budget_micros, start_date, end_date, created_at)
         VALUES (?, ?, ?, 'meta', 'c1', 'Holiday Blend - Prospecting', 'sales', 'active', 150000000,
             '2026-01-01', NULL, ?)",
    )
    .bind(&campaign)
    .bind(ws.to_string())
    .bind(&account)
    .bind(CREATED_AT)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO creatives (id, workspace_id, ad_account_id, external_id, format, headline, body,
             call_to_action, landing_url, blob_sha256, created_at)
         VALUES (?, ?, ?, 'cr1', 'image', 'Slow mornings, bold cups', NULL, 'SHOP_NOW',
             'https://example.com/holiday', ?, ?)",
    )
    .bind(pw_domain::new_id())
    .bind(ws.to_string())
    .bind(&account)
    .bind(&image)
    .bind(CREATED_AT)
    .execute(&mut *tx)
    .await
    .unwrap();
    for (day, conversions) in [
        ("2026-03-01", 7.333_333_333_333_333),
        ("2026-03-02", 0.1 + 0.2),
    ] {
        sqlx::query(
            "INSERT INTO daily_metrics (workspace_id, level, entity_id, date, platform, currency,
                 impressions, clicks, spend_micros, conversions, conversion_value_micros, reach, video_views)
             VALUES (?, 'campaign', ?, ?, 'meta', 'USD', 12001, 180, 143250000, ?, 512990000, 9000, NULL)",
        )
        .bind(ws.to_string())
        .bind(&campaign)
        .bind(day)
        .bind(conversions)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    ws
}
