//! The Northwind fixture the workspaces context's storage tests share: a workspace with an
//! account, a campaign, a creative with an image and two days of metrics, written through the
//! context's typed repositories. (pw-store's tests seed the same data with SQL of their own:
//! pw-store sits below every context crate.)

use chrono::NaiveDate;
use pw_domain::{
    AdAccountId, CampaignId, CreativeFormat, CreativeId, EntityStatus, Micros, Objective, Platform,
    WorkspaceId,
};
use pw_store::Database;
use pw_workspaces::{
    AdAccountRow, AdDataWriter, CampaignRow, CreativeRow, MetricEntity, MetricRow, NewWorkspace,
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
pub async fn seeded(db: &Database, name: &str) -> WorkspaceId {
    let workspace = WorkspaceStore::new(db)
        .create_workspace(&new_workspace(name))
        .await
        .unwrap();
    let ws = workspace.id;
    let image = db
        .blobs()
        .put(db.writer(), b"\x89PNG fake image bytes", "image/png")
        .await
        .unwrap();
    let mut tx = db.begin_write().await.unwrap();
    {
        let mut writer = AdDataWriter::new(&mut tx);
        let account = AdAccountRow {
            id: AdAccountId::new(),
            workspace_id: ws,
            platform: Platform::Meta,
            external_id: "act_1".into(),
            name: "Northwind US".into(),
            currency: "USD".parse().unwrap(),
            time_zone: "America/New_York".into(),
        };
        writer
            .ad_accounts(std::slice::from_ref(&account))
            .await
            .unwrap();
        let campaign = CampaignRow {
            id: CampaignId::new(),
            workspace_id: ws,
            ad_account_id: account.id,
            platform: Platform::Meta,
            external_id: "c1".into(),
            name: "Holiday Blend - Prospecting".into(),
            objective: Objective::Sales,
            status: EntityStatus::Active,
            daily_budget: Some(Micros::from_units(150)),
            start_date: NaiveDate::from_ymd_opt(2026, 1, 1),
            end_date: None,
        };
        writer
            .campaigns(std::slice::from_ref(&campaign))
            .await
            .unwrap();
        writer
            .creatives(&[CreativeRow {
                id: CreativeId::new(),
                workspace_id: ws,
                ad_account_id: account.id,
                external_id: "cr1".into(),
                format: CreativeFormat::Image,
                headline: Some("Slow mornings, bold cups".into()),
                body: None,
                call_to_action: Some("SHOP_NOW".into()),
                landing_url: Some("https://example.com/holiday".into()),
                blob_sha256: Some(image.clone()),
            }])
            .await
            .unwrap();
        let metric = |day: u32, conversions: f64| MetricRow {
            workspace_id: ws,
            entity: MetricEntity::Campaign(campaign.id),
            date: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
            platform: Platform::Meta,
            currency: "USD".parse().unwrap(),
            impressions: 12_000 + i64::from(day),
            clicks: 180,
            spend: Micros(143_250_000),
            conversions,
            conversion_value: Some(Micros(512_990_000)),
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
