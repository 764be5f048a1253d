//! Audience data for the twins: Meta's custom audiences, the interests the ad sets target with
//! the size Meta's targeting search gives each, and each ad set's reach estimate, all kept as
//! audiences with their size bounds; Google Ads lists with their composition insights, TikTok
//! custom audiences, Pinterest audience insights and audiences.

use super::sandbox_world::world;
use pw_connectors::RunStatus;
use pw_domain::Platform;

/// kind, external id, name, size bounds, interests.
type AudienceLine = (String, String, String, Option<i64>, Option<i64>, String);

#[tokio::test]
async fn meta_audiences_arrive_with_their_sizes() {
    let world = world().await;
    let connection = world.connect(Platform::Meta).await;
    let report = world.sync(&connection).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    let rows: Vec<AudienceLine> = sqlx::query_as(
        "SELECT kind, external_id, name, size_lower, size_upper, interests FROM audiences
         WHERE workspace_id = ? AND platform = 'meta' ORDER BY kind, external_id",
    )
    .bind(world.workspace.to_string())
    .fetch_all(world.db.reader())
    .await
    .unwrap();
    let of_kind = |kind: &str| rows.iter().filter(|r| r.0 == kind).collect::<Vec<_>>();
    let interests = of_kind("interest");
    assert!(
        !interests.is_empty(),
        "the ad sets target interests: {rows:#?}"
    );
    for (_, external_id, name, lower, upper, _) in &interests {
        assert!(external_id.starts_with("interest:"), "{external_id}");
        let (lower, upper) = (lower.unwrap(), upper.unwrap());
        assert!(0 < lower && lower <= upper, "{name}: {lower}..{upper}");
    }
    // One reach estimate per ad set: 2 accounts × 3 campaigns × 2 ad sets.
    let saved = of_kind("saved");
    assert_eq!(saved.len(), 12, "{rows:#?}");
    for (_, external_id, name, lower, upper, interests) in &saved {
        assert!(
            external_id.starts_with("adset:") && name.contains("reaches"),
            "{external_id} {name}"
        );
        assert!(lower.unwrap() <= upper.unwrap() && upper.unwrap() > 0);
        assert!(
            interests.contains("\"id\""),
            "the ad set's interests travel with it: {interests}"
        );
    }
    assert!(world.sandbox.request_count("/search") >= interests.len() as u64);
    // A second sync updates the same audiences.
    let before = rows.len();
    world.sync(&connection).await;
    let after: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audiences WHERE workspace_id = ? AND platform = 'meta'",
    )
    .bind(world.workspace.to_string())
    .fetch_one(world.db.reader())
    .await
    .unwrap();
    assert_eq!(after as usize, before);
}

/// Reads a platform's stored audiences, ordered by external id.
async fn stored(
    world: &super::sandbox_world::World,
    platform: &str,
) -> Vec<(
    String,
    String,
    String,
    Option<i64>,
    Option<i64>,
    String,
    String,
)> {
    sqlx::query_as(
        "SELECT kind, external_id, name, size_lower, size_upper, interests, demographics
         FROM audiences WHERE workspace_id = ? AND platform = ? ORDER BY external_id",
    )
    .bind(world.workspace.to_string())
    .bind(platform)
    .fetch_all(world.db.reader())
    .await
    .unwrap()
}

#[tokio::test]
async fn google_ads_lists_arrive_with_their_composition() {
    let world = world().await;
    let connection = world.connect(Platform::GoogleAds).await;
    let report = world.sync(&connection).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    let rows = stored(&world, "google_ads").await;
    // Five open lists per account (the closed one is filtered out by the query), two accounts.
    assert_eq!(rows.len(), 10, "{rows:#?}");
    assert!(
        rows.iter()
            .all(|r| r.0 == "custom" && r.1.starts_with("userlist:"))
    );
    assert!(!rows.iter().any(|r| r.2.contains("closed")));
    let described: Vec<_> = rows.iter().filter(|r| r.5 != "[]").collect();
    // Every list but the one too small for Google to describe.
    assert_eq!(described.len(), 8, "{rows:#?}");
    for row in &described {
        assert!(
            row.5.contains("\"index\"") && row.5.contains("affinity"),
            "{}",
            row.5
        );
        assert!(
            row.6.contains("\"ages\"") && row.6.contains("25-34"),
            "{}",
            row.6
        );
        assert!(row.3.unwrap() > 0 && row.3 == row.4);
    }
    let small: Vec<_> = rows
        .iter()
        .filter(|r| r.2 == "Wholesale enquiries")
        .collect();
    assert_eq!(small.len(), 2);
    // The lists Google would not describe keep their sizes and say why, rather than being
    // silently bare; that is not a value left out, so the sync reports no issue.
    for row in small {
        assert!(row.5 == "[]" && row.3.is_some(), "{row:?}");
        assert!(
            row.6.contains("composition_unavailable") && row.6.contains("too small"),
            "{}",
            row.6
        );
    }
    assert_eq!(report.issues, 0, "{report:#?}");
}

#[tokio::test]
async fn tiktok_custom_audiences_keep_unknown_sizes_unknown() {
    let world = world().await;
    let connection = world.connect(Platform::Tiktok).await;
    let report = world.sync(&connection).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    let rows = stored(&world, "tiktok").await;
    assert_eq!(rows.len(), 14, "7 per advertiser: {rows:#?}");
    let lookalikes = rows.iter().filter(|r| r.0 == "lookalike").count();
    assert_eq!(lookalikes, 2);
    let processing: Vec<_> = rows.iter().filter(|r| r.2.contains("processing")).collect();
    assert_eq!(processing.len(), 2);
    assert!(processing.iter().all(|r| r.3.is_none() && r.4.is_none()));
    assert!(
        rows.iter()
            .filter(|r| !r.2.contains("processing"))
            .all(|r| r.3.unwrap() > 0)
    );
}

#[tokio::test]
async fn pinterest_insights_and_audiences_arrive() {
    let world = world().await;
    let connection = world.connect(Platform::Pinterest).await;
    let report = world.sync(&connection).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    let rows = stored(&world, "pinterest").await;
    let insights: Vec<_> = rows
        .iter()
        .filter(|r| r.1.starts_with("insight:"))
        .collect();
    // Total and engaged audience, per account.
    assert_eq!(insights.len(), 4, "{rows:#?}");
    for row in &insights {
        // Pinterest's sizes are ceilings: no lower bound is claimed.
        assert!(row.3.is_none() && row.4.unwrap() > 0, "{row:?}");
        assert!(
            row.5.contains("coffee") && row.5.contains("\"index\""),
            "{}",
            row.5
        );
        assert!(row.6.contains("\"genders\""), "{}", row.6);
    }
    let lists: Vec<_> = rows
        .iter()
        .filter(|r| r.1.starts_with("audience:"))
        .collect();
    assert_eq!(lists.len(), 8, "{rows:#?}");
    assert_eq!(lists.iter().filter(|r| r.0 == "lookalike").count(), 2);
    assert!(
        lists
            .iter()
            .filter(|r| r.0 == "lookalike")
            .all(|r| r.3.is_none())
    );
}
