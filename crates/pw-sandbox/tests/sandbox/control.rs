use pw_sandbox::{Level, SandboxPlatform, Truth};
use serde_json::json;

use crate::{config, read, start};

/// The control routes do over HTTP what `Sandbox`'s methods do, without auth.
#[tokio::test]
async fn control_routes_drive_the_sandbox_over_http() {
    let (running, client) = start(config()).await;
    let base = running.base_url.clone();
    assert!(base.starts_with("http://127.0.0.1:") && !base.ends_with('/'));
    let (status, _, body) = read(
        client
            .post(format!("{base}/_sandbox/tokens?platform=tiktok"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let token = body["access_token"].as_str().unwrap().to_owned();
    let url = format!("{base}/tiktok/open_api/v1.3/oauth2/advertiser/get/?app_id=1&secret=s");
    let call = || async {
        read(
            client
                .get(&url)
                .header("Access-Token", &token)
                .send()
                .await
                .unwrap(),
        )
        .await
        .2
    };
    assert_eq!(call().await["code"], 0);

    let fault = json!({ "platform": "tiktok", "kind": "rate_limit", "path_contains": "advertiser", "times": 3 });
    let (status, _, _) = read(
        client
            .post(format!("{base}/_sandbox/faults"))
            .json(&fault)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(call().await["code"], 40100);
    let (status, _, _) = read(
        client
            .delete(format!("{base}/_sandbox/faults"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(call().await["code"], 0, "cleared before its other two uses");

    let (_, _, body) = read(
        client
            .get(format!(
                "{base}/_sandbox/requests?path_contains=advertiser/get"
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["count"], 3);

    let truth_url = format!(
        "{base}/_sandbox/truth?platform=google_ads&level=ad_group&from=2026-06-01&until=2026-06-14"
    );
    let (status, _, body) = read(client.get(&truth_url).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let truth: Truth = serde_json::from_value(body).unwrap();
    let expected = running.sandbox.truth(
        SandboxPlatform::GoogleAds,
        Level::AdGroup,
        crate::day("2026-06-01"),
        crate::day("2026-06-14"),
    );
    assert_eq!(truth, expected);
    assert!(truth.rows > 0 && truth.spend_micros > 0);

    let (status, _, body) = read(
        client
            .post(format!("{base}/_sandbox/revise"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["revision"].as_u64()), (200, Some(1)));
    let (_, _, body) = read(client.get(&truth_url).send().await.unwrap()).await;
    let revised: Truth = serde_json::from_value(body).unwrap();
    assert_ne!(revised, truth, "the last week was restated");

    running.shutdown().await;
    assert!(
        client
            .get(&url)
            .header("Access-Token", &token)
            .send()
            .await
            .is_err(),
        "stopped"
    );
}
