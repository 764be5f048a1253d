//! Audience data for the twins: Meta's custom audiences, the interests the ad sets target with
//! the size Meta's targeting search gives each, and each ad set's reach estimate, all kept as
//! audiences with their size bounds.

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
