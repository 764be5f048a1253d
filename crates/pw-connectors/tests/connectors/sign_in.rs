//! Signing in in the browser to Meta, TikTok, Pinterest, LinkedIn and Snapchat with the
//! person's own app, through the sandbox's consent pages: the "browser" is reqwest following
//! the consent page's redirect to the loopback listener. Each sign-in connects (OAuth, the
//! platform's accounts) and syncs; a wrong app secret keeps nothing.

use std::time::Duration;

use super::sandbox_world::{World, world};
use pw_connectors::{AuthKind, ConnectionView, Result, RunStatus, SignInConnect};
use pw_domain::Platform;
use pw_sandbox::APP_SECRET;
use pw_secrets::{CredentialName, Secret};

const PLATFORMS: [Platform; 5] = [
    Platform::Meta,
    Platform::Tiktok,
    Platform::Pinterest,
    Platform::Linkedin,
    Platform::Snapchat,
];

/// Starts a sign-in, approves it in the "browser", and finishes it.
async fn sign_in(
    world: &World,
    platform: Platform,
    secret: &str,
) -> (Result<ConnectionView>, String) {
    let started = world
        .connectors
        .begin_sign_in(SignInConnect {
            workspace_id: world.workspace,
            platform,
            client_id: "sandbox-app".into(),
            client_secret: Some(Secret::new(secret)),
            developer_token: None,
            api_root: Some(world.base_url.clone()),
            label: None,
            // Any free port: the sandbox accepts any, and tests run side by side.
            redirect_port: Some(0),
        })
        .await
        .unwrap();
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
    (view, page)
}

/// The keychain's entries for this world's connections, read from the Secret Service the
/// test keyring runs (`None` where there is none to ask).
fn keychain_entries(world: &World) -> Option<usize> {
    // The keychain's service name is only in its Debug form.
    let debug = format!("{:?}", world.keychain);
    let service = debug.split('"').nth(1)?.to_owned();
    let output = std::process::Command::new("gdbus")
        .args([
            "call",
            "--session",
            "--dest",
            "org.freedesktop.secrets",
            "--object-path",
            "/org/freedesktop/secrets",
            "--method",
            "org.freedesktop.Secret.Service.SearchItems",
            &format!("{{'service': '{service}'}}"),
        ])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    Some(text.matches("/org/freedesktop/secrets/collection/").count())
}

#[tokio::test]
async fn each_platform_signs_in_connects_its_accounts_and_syncs() {
    for platform in PLATFORMS {
        let world = world().await;
        let (view, page) = sign_in(&world, platform, APP_SECRET).await;
        let view = view.unwrap_or_else(|e| panic!("{platform:?}: {e}"));
        assert!(page.contains("Connected"), "{platform:?}: {page}");
        assert_eq!(view.connection.auth_kind, AuthKind::Oauth, "{platform:?}");
        assert_eq!(view.connection.platform, platform);
        assert_eq!(
            view.accounts.len(),
            2,
            "{platform:?}: the sandbox's two accounts"
        );
        // What the keychain holds is what the platform's way of connecting needs.
        let name = CredentialName::new(format!("connector/{}", view.connection.id)).unwrap();
        let stored: serde_json::Value =
            serde_json::from_str(world.keychain.load(&name).unwrap().unwrap().expose()).unwrap();
        assert_eq!(stored["client_id"], "sandbox-app");
        let refreshable = matches!(
            platform,
            Platform::Pinterest | Platform::Linkedin | Platform::Snapchat
        );
        assert_eq!(
            stored["refresh_token"].is_string(),
            refreshable,
            "{platform:?}: {}",
            stored["refresh_token"]
        );
        let report = world.sync(&view.connection.id).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        world.assert_matches_platform(platform).await;
    }
}

#[tokio::test]
async fn meta_signs_in_with_the_long_lived_token() {
    let world = world().await;
    let (view, _) = sign_in(&world, Platform::Meta, APP_SECRET).await;
    let view = view.unwrap();
    let name = CredentialName::new(format!("connector/{}", view.connection.id)).unwrap();
    let stored: serde_json::Value =
        serde_json::from_str(world.keychain.load(&name).unwrap().unwrap().expose()).unwrap();
    let expires_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(stored["expires_at"].clone()).unwrap();
    assert!(
        expires_at - chrono::Utc::now() > chrono::Duration::days(50),
        "the 60-day token is kept, not the dialog's short one: {expires_at}"
    );
    assert_eq!(
        world.sandbox.request_count("meta/v21.0/oauth/access_token"),
        2,
        "the code exchange, then the long-lived exchange"
    );
}

#[tokio::test]
async fn a_refused_secret_keeps_nothing() {
    let world = world().await;
    for platform in PLATFORMS {
        let (view, _) = sign_in(&world, platform, "not-the-secret").await;
        let error = view
            .err()
            .unwrap_or_else(|| panic!("{platform:?} signed in"));
        assert!(
            error.to_string().contains("refused") || format!("{error:?}").contains("Refused"),
            "{platform:?}: {error:?}"
        );
    }
    assert!(world.connectors.connections(None).await.unwrap().is_empty());
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM connection_accounts")
        .fetch_one(world.db.reader())
        .await
        .unwrap();
    assert_eq!(accounts, 0);
    let entries = keychain_entries(&world);
    // Under scripts/with-test-keyring the Secret Service is there to ask.
    if std::env::var_os("PW_TEST_KEYRING_INNER").is_some() {
        assert!(entries.is_some(), "the test keyring answers searches");
    }
    if let Some(entries) = entries {
        assert_eq!(entries, 0, "no keychain entry for a sign-in that failed");
        // The same search finds the entry of a sign-in that worked.
        let (view, _) = sign_in(&world, Platform::Snapchat, APP_SECRET).await;
        view.unwrap();
        assert_eq!(keychain_entries(&world), Some(1));
    }
    // Without a secret, these platforms' sign-ins do not start.
    for platform in PLATFORMS {
        let started = world
            .connectors
            .begin_sign_in(SignInConnect {
                workspace_id: world.workspace,
                platform,
                client_id: "sandbox-app".into(),
                client_secret: None,
                developer_token: None,
                api_root: Some(world.base_url.clone()),
                label: None,
                // Any free port: the sandbox accepts any, and tests run side by side.
                redirect_port: Some(0),
            })
            .await;
        assert!(started.is_err(), "{platform:?}");
    }
}

/// GA4, YouTube and DV360 sign in through Google's installed-app flow, as Google Ads does,
/// and keep a refresh token.
#[tokio::test]
async fn googles_other_products_sign_in_through_its_flow() {
    for platform in [Platform::Ga4, Platform::Youtube, Platform::Dv360] {
        let world = world().await;
        let (view, page) = sign_in(&world, platform, "sandbox-desktop-secret").await;
        let view = view.unwrap_or_else(|e| panic!("{platform:?}: {e}"));
        assert!(page.contains("Connected"), "{platform:?}: {page}");
        assert_eq!(view.connection.auth_kind, AuthKind::Oauth);
        let name = CredentialName::new(format!("connector/{}", view.connection.id)).unwrap();
        let stored: serde_json::Value =
            serde_json::from_str(world.keychain.load(&name).unwrap().unwrap().expose()).unwrap();
        assert!(stored["refresh_token"].is_string(), "{platform:?}");
        let report = world.sync(&view.connection.id).await;
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "{platform:?}: {report:#?}"
        );
        if platform == Platform::Dv360 {
            world.assert_matches_platform(platform).await;
        } else {
            world.assert_signals_match_platform(platform).await;
        }
    }
}

/// A sign-in on a fixed port ends when another starts on it (the person closed the form, or
/// picked another platform): the port is not left held for the ten minutes the first waits.
#[tokio::test]
async fn a_new_sign_in_on_the_registered_port_replaces_the_one_waiting() {
    let world = world().await;
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let begin = |platform| {
        world.connectors.begin_sign_in(SignInConnect {
            workspace_id: world.workspace,
            platform,
            client_id: "sandbox-app".into(),
            client_secret: Some(Secret::new(APP_SECRET)),
            developer_token: None,
            api_root: Some(world.base_url.clone()),
            label: None,
            redirect_port: Some(port),
        })
    };
    let first = begin(Platform::Meta).await.unwrap();
    assert_eq!(first.redirect_uri, format!("http://127.0.0.1:{port}/"));
    let second = begin(Platform::Linkedin).await.unwrap();
    assert_eq!(second.redirect_uri, first.redirect_uri);
    let ended = world
        .connectors
        .finish_sign_in(&first.sign_in_id, std::time::Duration::from_secs(5))
        .await;
    assert!(ended.is_err(), "the first sign-in has ended");
    world.connectors.cancel_sign_in(&second.sign_in_id).await;
}
