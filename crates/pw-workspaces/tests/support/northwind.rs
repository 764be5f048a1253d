//! The Northwind fixture the storage tests share: a workspace with an account, a campaign, a
//! creative with an image and two days of metrics. Included by path from pw-workspaces' and
//! pw-store's tests, so both seed the same data from one definition.

use chrono::NaiveDate;
use pw_domain::{Micros, Objective, Platform};
use pw_store::Database;
use pw_workspaces::{
    AdAccountRow, AdDataWriter, CampaignRow, CreativeRow, MetricLevel, MetricRow, NewWorkspace,
    WorkspaceStore,
};

pub fn new_workspace(name: &str) -> NewWorkspace {
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
pub async fn seeded(db: &Database, name: &str) -> String {
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
