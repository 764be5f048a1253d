//! The behaviour platforms (GA4, YouTube Analytics) against the sandbox over loopback HTTP:
//! their reports land as audience signals, never as daily metrics, and they page, restate,
//! wait out rate limits, retry and fail the way the ad platforms do (`sync.rs`).

use super::sandbox_world::{sandbox_platform, world};
use pw_connectors::{ConnectionStatus, RunStatus, StreamState};
use pw_domain::Platform;
use pw_sandbox::{Fault, FaultKind};

const PLATFORMS: [Platform; 2] = [Platform::Ga4, Platform::Youtube];

/// Where a platform's report is asked for.
fn report_path(platform: Platform) -> &'static str {
    match platform {
        Platform::Ga4 => ":runReport",
        _ => "/v2/reports",
    }
}

#[tokio::test]
async fn behaviour_syncs_page_to_the_end_and_store_signals_only() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        assert_eq!(report.issues, 0, "{platform:?}: {report:#?}");
        world.assert_signals_match_platform(platform).await;
        // Pages of at most 7 rows: far more report requests than windows.
        assert!(
            world.sandbox.request_count(report_path(platform)) > 20,
            "{platform:?}: the report was paged"
        );
        assert!(
            report
                .streams
                .iter()
                .any(|s| s.stream == "signals" && s.state == StreamState::Done)
        );
    }
    assert_eq!(world.entity_count("campaigns").await, 0);
}

#[tokio::test]
async fn a_second_sync_after_a_restatement_updates_without_duplicating() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        world.sync(&connection).await;
        let before = world.signals(platform).await;
        world.sandbox.revise();
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        let after = world.signals(platform).await;
        assert_eq!(before.0, after.0, "{platform:?}: no signal twice");
        assert_ne!(before.1, after.1, "{platform:?}: restated days updated");
        world.assert_signals_match_platform(platform).await;
    }
}

#[tokio::test]
async fn rate_limits_server_errors_and_timeouts_are_waited_out() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        for kind in [
            FaultKind::RateLimit,
            FaultKind::ServerError,
            FaultKind::RateLimit,
            FaultKind::Timeout,
            FaultKind::ServerError,
        ] {
            world.sandbox.add_fault(Fault {
                platform: sandbox_platform(platform),
                kind,
                path_contains: Some(report_path(platform).into()),
                times: 1,
            });
        }
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        world.assert_signals_match_platform(platform).await;
    }
}

#[tokio::test]
async fn a_malformed_report_fails_its_stream_and_the_others_finish() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        world.sandbox.add_fault(Fault {
            platform: sandbox_platform(platform),
            kind: FaultKind::Malformed,
            path_contains: Some(report_path(platform).into()),
            times: 10,
        });
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Partial,
            "{platform:?}: {report:#?}"
        );
        let failed: Vec<_> = report
            .streams
            .iter()
            .filter(|s| s.state == StreamState::Failed)
            .collect();
        assert!(!failed.is_empty(), "{platform:?}");
        for stream in &failed {
            assert_eq!(stream.stream, "signals");
            assert_eq!(stream.problem.as_ref().unwrap().kind, "malformed");
        }
    }
}

#[tokio::test]
async fn a_dead_token_asks_for_reconnecting_without_calling_again() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        world.sandbox.add_fault(Fault {
            platform: sandbox_platform(platform),
            kind: FaultKind::RevokedToken,
            path_contains: None,
            times: 1,
        });
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Failed,
            "{platform:?}: {report:#?}"
        );
        assert!(report.actions.iter().any(|a| a.starts_with("Reconnect")));
        let stored = world.store.connection(&connection).await.unwrap();
        assert_eq!(stored.status, ConnectionStatus::NeedsReauth);
        let before = world.sandbox.request_count("");
        let again = world.sync(&connection).await;
        assert_eq!(again.status, RunStatus::Failed);
        assert_eq!(world.sandbox.request_count(""), before);
    }
}
