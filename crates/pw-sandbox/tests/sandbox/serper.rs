//! The Serper fake: web and news answers in Serper's shape, the same for the same query, and
//! its key and rate-limit errors.

use pw_sandbox::{Fault, FaultKind, SandboxPlatform};
use serde_json::json;

use crate::{config, read, start};

#[tokio::test]
async fn web_and_news_answers_have_serpers_shape_and_repeat_by_query() {
    let (running, client) = start(config()).await;
    let key = running.sandbox.issue_token(SandboxPlatform::Serper);
    let search = |path: &str, q: &str| {
        client
            .post(format!("{}/serper/{path}", running.base_url))
            .header("X-API-KEY", &key)
            .json(&json!({ "q": q, "num": 5, "gl": "us", "hl": "en" }))
            .send()
    };
    let (status, _, web) = read(search("search", "halcyon roasters").await.unwrap()).await;
    assert_eq!(status, 200, "{web}");
    assert_eq!(web["searchParameters"]["q"], "halcyon roasters");
    assert_eq!(web["searchParameters"]["type"], "search");
    let organic = web["organic"].as_array().unwrap();
    assert_eq!(organic.len(), 5);
    for (i, result) in organic.iter().enumerate() {
        assert!(result["link"].as_str().unwrap().starts_with("https://"));
        assert!(
            result["title"]
                .as_str()
                .unwrap()
                .contains("halcyon roasters")
        );
        assert!(result["snippet"].is_string());
        assert_eq!(result["position"], i + 1);
    }
    let (_, _, again) = read(search("search", "halcyon roasters").await.unwrap()).await;
    assert_eq!(again, web);
    let (_, _, other) = read(search("search", "blue bottle").await.unwrap()).await;
    assert_ne!(other["organic"], web["organic"]);

    let (status, _, news) = read(search("news", "halcyon roasters").await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(news["searchParameters"]["type"], "news");
    for result in news["news"].as_array().unwrap() {
        assert!(result["date"].is_string() && result["source"].is_string());
        assert!(result["imageUrl"].is_string());
    }
}

#[tokio::test]
async fn a_bad_key_is_a_403_and_a_rate_limit_a_429() {
    let (running, client) = start(config()).await;
    let url = format!("{}/serper/search", running.base_url);
    let (status, _, body) = read(
        client
            .post(&url)
            .header("X-API-KEY", "not-a-key")
            .json(&json!({ "q": "x" }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({ "message": "Unauthorized.", "statusCode": 403 })
    );

    let key = running.sandbox.issue_token(SandboxPlatform::Serper);
    running.sandbox.add_fault(Fault {
        platform: SandboxPlatform::Serper,
        kind: FaultKind::RateLimit,
        path_contains: Some("/news".into()),
        times: 1,
    });
    let news = format!("{}/serper/news", running.base_url);
    let send = || {
        client
            .post(&news)
            .header("X-API-KEY", &key)
            .json(&json!({ "q": "x" }))
            .send()
    };
    let (status, _, body) = read(send().await.unwrap()).await;
    assert_eq!(status, 429);
    assert_eq!(body["statusCode"], 429);
    assert_eq!(send().await.unwrap().status(), 200);
}
