//! Syncs against the sandbox over real loopback HTTP, per platform: paging to the end, totals
//! equal to what the platform holds, incremental re-syncs that update without duplicating,
//! each platform's rate-limit form, 5xx and timeouts, malformed pages, dead tokens, and a sync
//! killed mid-way that resumes without duplicates.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::sandbox_world::{
    KillSwitch, Quiet, StopAfterFirstWindow, ads_of, may, sandbox_platform, world,
};
use pw_connectors::{
    AuthKind, ConnectionStatus, RunStatus, SignInConnect, StreamState, TokenConnect,
};
use pw_domain::Platform;
use pw_sandbox::{Fault, FaultKind, SandboxPlatform};
use pw_secrets::{CredentialName, Secret};
use tokio_util::sync::CancellationToken;

const PLATFORMS: [Platform; 7] = [
    Platform::Meta,
    Platform::GoogleAds,
    Platform::Tiktok,
    Platform::Pinterest,
    Platform::Linkedin,
    Platform::Snapchat,
    Platform::Dv360,
];

#[tokio::test]
async fn every_platform_syncs_to_the_end_and_matches_what_it_holds() {
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
        world.assert_matches_platform(platform).await;
    }
    // Per platform: 2 accounts × 3 campaigns × 2 ad groups × 2 ads (DV360 has no ads).
    let platforms = PLATFORMS.len() as i64;
    assert_eq!(world.entity_count("campaigns").await, 6 * platforms);
    assert_eq!(world.entity_count("ad_groups").await, 12 * platforms);
    assert_eq!(
        world.entity_count("ads").await,
        PLATFORMS.into_iter().map(ads_of).sum::<i64>()
    );
    let linked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ad_accounts WHERE connection_id IS NOT NULL")
            .fetch_one(world.db.reader())
            .await
            .unwrap();
    assert_eq!(linked, 2 * platforms);
}

#[tokio::test]
async fn a_second_sync_updates_what_changed_and_duplicates_nothing() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        world.sync(&connection).await;
        let campaigns_before = world.entity_count("campaigns").await;
        let names_before: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM campaigns WHERE platform = ? ORDER BY external_id",
        )
        .bind(platform.as_str())
        .fetch_all(world.db.reader())
        .await
        .unwrap();
        world.sandbox.revise();
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        assert_eq!(
            world.entity_count("campaigns").await,
            campaigns_before,
            "no campaign twice"
        );
        let names_after: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM campaigns WHERE platform = ? ORDER BY external_id",
        )
        .bind(platform.as_str())
        .fetch_all(world.db.reader())
        .await
        .unwrap();
        assert_ne!(
            names_before, names_after,
            "{platform:?}: the renamed campaign was updated"
        );
        // The restated last days now hold the platform's new figures, and nothing twice.
        world.assert_matches_platform(platform).await;
    }
}

#[tokio::test]
async fn rate_limits_in_each_platforms_own_form_are_waited_out() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        world.sandbox.add_fault(Fault {
            platform: sandbox_platform(platform),
            kind: FaultKind::RateLimit,
            path_contains: None,
            times: 3,
        });
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        world.assert_matches_platform(platform).await;
    }
}

#[tokio::test]
async fn server_errors_and_timeouts_are_retried() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        // Each fault answers one request; a request gets four attempts.
        for kind in [
            FaultKind::ServerError,
            FaultKind::Timeout,
            FaultKind::ServerError,
        ] {
            world.sandbox.add_fault(Fault {
                platform: sandbox_platform(platform),
                kind,
                path_contains: None,
                times: 1,
            });
        }
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        world.assert_matches_platform(platform).await;
    }
}

#[tokio::test]
async fn a_malformed_page_fails_its_stream_and_the_others_finish() {
    let world = world().await;
    for (platform, path) in [
        (Platform::Meta, "adsets"),
        (Platform::GoogleAds, "googleAds:search"),
        (Platform::Tiktok, "adgroup/get"),
        (Platform::Pinterest, "/ad_groups"),
        (Platform::Linkedin, "/adCampaigns"),
        (Platform::Snapchat, "/adsquads"),
        (Platform::Dv360, "/lineItems"),
    ] {
        let connection = world.connect(platform).await;
        world.sandbox.add_fault(Fault {
            platform: sandbox_platform(platform),
            kind: FaultKind::Malformed,
            path_contains: Some(path.into()),
            // Every attempt at one page: asking again does not help. Google's queries all go to
            // one path, the account list's too: its two attempts fail (the known accounts are
            // synced), then the first page of the first stream.
            times: if platform == Platform::GoogleAds {
                4
            } else {
                10
            },
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
            let problem = stream.problem.as_ref().unwrap();
            assert_eq!(problem.kind, "malformed", "{platform:?}: {problem:?}");
            assert!(
                problem.message.contains("could not read"),
                "{}",
                problem.message
            );
        }
        assert!(
            report
                .streams
                .iter()
                .filter(|s| s.state == StreamState::Done)
                .count()
                > failed.len()
        );
        assert!(!report.actions.is_empty());
        if platform == Platform::GoogleAds {
            assert_eq!(
                report.accounts_problem.as_ref().map(|p| p.kind.as_str()),
                Some("malformed")
            );
        }
    }
}

#[tokio::test]
async fn a_dead_token_asks_for_reconnecting_instead_of_failing_again_and_again() {
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
        assert!(
            report.actions.iter().any(|a| a.starts_with("Reconnect")),
            "{:?}",
            report.actions
        );
        let stored = world.store.connection(&connection).await.unwrap();
        assert_eq!(stored.status, ConnectionStatus::NeedsReauth);
        // The next sync says so at once, without asking the platform.
        let before = world.sandbox.request_count("");
        let again = world.sync(&connection).await;
        assert_eq!(again.status, RunStatus::Failed);
        assert_eq!(
            world.sandbox.request_count(""),
            before,
            "no request with a dead token"
        );
    }
}

#[tokio::test]
async fn a_sync_stopped_mid_way_resumes_without_duplicates() {
    let world = world().await;
    for platform in PLATFORMS {
        let connection = world.connect(platform).await;
        let run = world
            .connectors
            .start_sync(&connection, Some(may(1)), false)
            .await
            .unwrap();
        let cancel = CancellationToken::new();
        let stopper = StopAfterFirstWindow(cancel.clone(), AtomicBool::new(false));
        let stopped = world
            .connectors
            .run_sync(&run.id, &stopper, cancel)
            .await
            .unwrap();
        assert_eq!(
            stopped.status,
            RunStatus::Cancelled,
            "{platform:?}: {stopped:#?}"
        );
        let (partial_rows, ..) = world.stored(platform, "account").await;
        let report = world.sync(&connection).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        world.assert_matches_platform(platform).await;
        assert!(
            partial_rows > 0,
            "{platform:?}: the first run stored a window before it stopped"
        );
    }
}

#[tokio::test]
async fn a_run_killed_mid_way_continues_from_its_checkpoint() {
    let world = world().await;
    for platform in PLATFORMS {
        killed_and_continued(&world, platform).await;
    }
}

/// Where a platform lists an account's campaigns, when that path names the account.
fn campaigns_path(platform: Platform, account: &str) -> Option<String> {
    match platform {
        Platform::Meta => Some(format!("act_{account}/campaigns")),
        Platform::Pinterest => Some(format!("ad_accounts/{account}/campaigns")),
        Platform::Linkedin => Some(format!("adAccounts/{account}/adCampaignGroups")),
        Platform::Snapchat => Some(format!("adaccounts/{account}/campaigns")),
        Platform::Dv360 => Some(format!("advertisers/{account}/campaigns")),
        _ => None,
    }
}

async fn killed_and_continued(world: &super::sandbox_world::World, platform: Platform) {
    let connection = world.connect(platform).await;
    let run = world
        .connectors
        .start_sync(&connection, Some(may(1)), false)
        .await
        .unwrap();
    // The process dies while the run is under way: its future is dropped (no cancellation,
    // no clean-up) once the first report window is stored.
    let killed = Arc::new(tokio::sync::Notify::new());
    let switch = KillSwitch(killed.clone());
    tokio::select! {
        _ = world.connectors.run_sync(&run.id, &switch, CancellationToken::new()) => panic!("{platform:?}: the sync ended before it was killed"),
        () = killed.notified() => {}
    }
    let interrupted = world.connectors.run(&run.id).await.unwrap();
    assert_eq!(interrupted.status, RunStatus::Running);
    let done_before: Vec<(String, String)> = interrupted
        .streams
        .iter()
        .filter(|s| s.state == StreamState::Done)
        .map(|s| (s.account.clone(), s.stream.clone()))
        .collect();
    let first_account = &interrupted.streams[0].account;
    let path = campaigns_path(platform, first_account);
    let campaigns_listed = path.as_ref().map(|p| world.sandbox.request_count(p));
    // Starting again continues the same run.
    let resumed = world
        .connectors
        .start_sync(&connection, Some(may(1)), false)
        .await
        .unwrap();
    assert_eq!(resumed.id, run.id);
    let report = world
        .connectors
        .run_sync(&run.id, &Quiet, CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(
        report.status,
        RunStatus::Succeeded,
        "{platform:?}: {report:#?}"
    );
    world.assert_matches_platform(platform).await;
    assert!(
        !done_before.is_empty(),
        "the run was killed after it had stored something"
    );
    if let (Some(path), Some(listed)) = (path, campaigns_listed)
        && done_before.contains(&(first_account.clone(), "campaigns".to_owned()))
    {
        assert_eq!(
            world.sandbox.request_count(&path),
            listed,
            "{platform:?}: finished streams are not read again"
        );
    }
}

#[tokio::test]
async fn google_sign_in_with_pkce_connects_and_an_expired_token_is_refreshed() {
    let world = world().await;
    let started = world
        .connectors
        .begin_sign_in(SignInConnect {
            workspace_id: world.workspace,
            platform: Platform::GoogleAds,
            client_id: "sandbox-desktop-client".into(),
            client_secret: Some(Secret::new("sandbox-desktop-secret")),
            developer_token: Some(Secret::new("sandbox-developer-token")),
            api_root: Some(world.base_url.clone()),
            label: None,
            // Any free port: the sandbox accepts any, and tests run side by side.
            redirect_port: Some(0),
        })
        .await
        .unwrap();
    assert!(
        started.authorize_url.contains("code_challenge_method=S256"),
        "{}",
        started.authorize_url
    );
    // The system browser: the consent page approves and sends it back to the listener.
    let browser = async {
        reqwest::get(&started.authorize_url)
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let finish = world
        .connectors
        .finish_sign_in(&started.sign_in_id, Duration::from_secs(10));
    let (view, page) = tokio::join!(finish, browser);
    let view = view.unwrap();
    assert!(page.contains("Connected"), "{page}");
    assert_eq!(view.connection.auth_kind, AuthKind::Oauth);
    assert_eq!(view.accounts.len(), 2);
    // A sign-in can be finished once.
    assert!(
        world
            .connectors
            .finish_sign_in(&started.sign_in_id, Duration::from_secs(1))
            .await
            .is_err()
    );

    world.sandbox.add_fault(Fault {
        platform: SandboxPlatform::GoogleAds,
        kind: FaultKind::ExpiredToken,
        path_contains: None,
        times: 1,
    });
    let report = world.sync(&view.connection.id).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    world.assert_matches_platform(Platform::GoogleAds).await;
    assert!(
        world.sandbox.request_count("google-oauth/token") >= 2,
        "the code exchange, then a refresh"
    );
}

#[tokio::test]
async fn pinterest_rotates_its_refresh_token_on_every_refresh_and_keeps_the_newest() {
    let world = world().await;
    let (access, first) = world.sandbox.issue_refreshable(SandboxPlatform::Pinterest);
    // An access token already expired: connecting refreshes it at once.
    let view = world
        .connectors
        .connect(TokenConnect {
            workspace_id: world.workspace,
            platform: Platform::Pinterest,
            access_token: Secret::new(access),
            refresh_token: Some(Secret::new(first.clone())),
            expires_in: Some(0),
            label: None,
            api_root: Some(world.base_url.clone()),
            client_id: Some("sandbox-app".into()),
            client_secret: Some(Secret::new("sandbox-secret")),
            developer_token: None,
            auth_kind: AuthKind::Oauth,
        })
        .await
        .unwrap();
    let name = CredentialName::new(format!("connector/{}", view.connection.id)).unwrap();
    let stored_refresh = || {
        let secret = world.keychain.load(&name).unwrap().unwrap();
        let value: serde_json::Value = serde_json::from_str(secret.expose()).unwrap();
        value["refresh_token"].as_str().unwrap().to_owned()
    };
    let mut seen = vec![first];
    let newest = stored_refresh();
    assert!(
        !seen.contains(&newest),
        "connecting rotated the refresh token"
    );
    seen.push(newest);
    for _ in 0..2 {
        // Pinterest calls the access token expired: the sync refreshes it, which rotates.
        world.sandbox.add_fault(Fault {
            platform: SandboxPlatform::Pinterest,
            kind: FaultKind::ExpiredToken,
            path_contains: None,
            times: 1,
        });
        let report = world.sync(&view.connection.id).await;
        assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
        let newest = stored_refresh();
        assert!(
            !seen.contains(&newest),
            "every refresh hands back a new refresh token"
        );
        seen.push(newest);
    }
    assert_eq!(world.sandbox.request_count("v5/oauth/token"), 3);
    world.assert_matches_platform(Platform::Pinterest).await;
    // Every refresh token but the newest is retired.
    let client = reqwest::Client::new();
    for (position, token) in seen.iter().enumerate() {
        let status = client
            .post(format!("{}/pinterest/v5/oauth/token", world.base_url))
            .basic_auth("sandbox-app", Some("sandbox-secret"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", token.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .status();
        let newest = position == seen.len() - 1;
        assert_eq!(
            status.is_success(),
            newest,
            "refresh token {position}: {status}"
        );
    }
}

#[tokio::test]
async fn linkedin_and_snapchat_refresh_with_the_app_in_the_form() {
    let world = world().await;
    for (platform, token_path) in [
        (Platform::Linkedin, "oauth/v2/accessToken"),
        (Platform::Snapchat, "login/oauth2/access_token"),
    ] {
        let (access, refresh) = world.sandbox.issue_refreshable(sandbox_platform(platform));
        let view = world
            .connectors
            .connect(TokenConnect {
                workspace_id: world.workspace,
                platform,
                access_token: Secret::new(access),
                refresh_token: Some(Secret::new(refresh.clone())),
                expires_in: Some(1800),
                label: None,
                api_root: Some(world.base_url.clone()),
                client_id: Some("sandbox-app".into()),
                client_secret: Some(Secret::new("sandbox-secret")),
                developer_token: None,
                auth_kind: AuthKind::Oauth,
            })
            .await
            .unwrap();
        world.sandbox.add_fault(Fault {
            platform: sandbox_platform(platform),
            kind: FaultKind::ExpiredToken,
            path_contains: None,
            times: 1,
        });
        let report = world.sync(&view.connection.id).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        assert_eq!(world.sandbox.request_count(token_path), 1, "{platform:?}");
        world.assert_matches_platform(platform).await;
        let name = CredentialName::new(format!("connector/{}", view.connection.id)).unwrap();
        let stored: serde_json::Value =
            serde_json::from_str(world.keychain.load(&name).unwrap().unwrap().expose()).unwrap();
        assert_eq!(
            stored["refresh_token"].as_str(),
            Some(refresh.as_str()),
            "{platform:?}: the refresh token is kept"
        );
    }
}

#[tokio::test]
async fn a_dv360_report_that_fails_is_split_and_read_in_halves() {
    let world = world().await;
    let connection = world.connect(Platform::Dv360).await;
    // Bid Manager fails the first report run: the window is read again in two halves.
    world.sandbox.add_fault(Fault {
        platform: SandboxPlatform::Dv360,
        kind: FaultKind::ServerError,
        path_contains: Some(":run".into()),
        times: 1,
    });
    let report = world.sync(&connection).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    world.assert_matches_platform(Platform::Dv360).await;
    // 2 advertisers × 3 levels, one 31-day window each; the failed one was run again as
    // two halves.
    assert_eq!(world.sandbox.request_count(":run"), 8);
    // Every query is removed from the advertiser's DV360, the one whose run failed too.
    assert_eq!(world.sandbox.open_dv360_queries(), 0);
}

#[tokio::test]
async fn googles_other_platforms_refresh_through_google_oauth() {
    let world = world().await;
    for platform in [Platform::Ga4, Platform::Youtube, Platform::Dv360] {
        let (access, refresh) = world.sandbox.issue_refreshable(sandbox_platform(platform));
        let view = world
            .connectors
            .connect(TokenConnect {
                workspace_id: world.workspace,
                platform,
                access_token: Secret::new(access),
                refresh_token: Some(Secret::new(refresh)),
                expires_in: Some(3599),
                label: None,
                api_root: Some(world.base_url.clone()),
                client_id: Some("sandbox-app".into()),
                client_secret: Some(Secret::new("sandbox-secret")),
                developer_token: None,
                auth_kind: AuthKind::Oauth,
            })
            .await
            .unwrap();
        let refreshes = world.sandbox.request_count("google-oauth/token");
        world.sandbox.add_fault(Fault {
            platform: sandbox_platform(platform),
            kind: FaultKind::ExpiredToken,
            path_contains: None,
            times: 1,
        });
        let report = world.sync(&view.connection.id).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        assert_eq!(
            world.sandbox.request_count("google-oauth/token"),
            refreshes + 1,
            "{platform:?}: one refresh"
        );
    }
    world.assert_matches_platform(Platform::Dv360).await;
    world.assert_signals_match_platform(Platform::Ga4).await;
    world.assert_signals_match_platform(Platform::Youtube).await;
}

#[tokio::test]
async fn a_value_the_platform_does_not_report_is_stored_as_unknown_not_zero() {
    let world = world().await;
    for platform in [Platform::Tiktok, Platform::Meta] {
        let connection = world.connect(platform).await;
        let report = world.sync(&connection).await;
        assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    }
    let counts = |platform: &'static str| {
        let db = world.db.reader();
        async move {
            let (unknown, known): (i64, i64) = sqlx::query_as(
                "SELECT count(*) FILTER (WHERE conversion_value_micros IS NULL),
                        count(*) FILTER (WHERE conversion_value_micros IS NOT NULL)
                 FROM daily_metrics WHERE platform = ?",
            )
            .bind(platform)
            .fetch_one(db)
            .await
            .unwrap();
            (unknown, known)
        }
    };
    // TikTok's basic report carries no purchase value; Meta's purchases carry theirs.
    let (unknown, known) = counts("tiktok").await;
    assert!(
        unknown > 0 && known == 0,
        "tiktok: {unknown} unknown, {known} known"
    );
    let (unknown, known) = counts("meta").await;
    assert!(
        unknown == 0 && known > 0,
        "meta: {unknown} unknown, {known} known"
    );
}
