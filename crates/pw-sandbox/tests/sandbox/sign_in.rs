//! The consent pages and code exchanges of Meta, TikTok, Pinterest, LinkedIn and Snapchat: the
//! platform's own parameters, a redirect to the loopback address with the code and the state,
//! a single-use code exchanged the platform's way for a token its API routes accept, and a
//! wrong app secret refused in the platform's own error shape.

use std::collections::HashMap;

use pw_sandbox::APP_SECRET;
use serde_json::{Value, json};

use crate::{config, enc, read, start};

const REDIRECT: &str = "http://127.0.0.1:49152";
const FORM: &str = "application/x-www-form-urlencoded";

fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", enc(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Follows the consent page by hand: its redirect's query, or the page's status when it
/// refused.
async fn consent(client: &reqwest::Client, url: &str) -> Result<HashMap<String, String>, u16> {
    let answer = client.get(url).send().await.unwrap();
    if answer.status().as_u16() != 302 {
        return Err(answer.status().as_u16());
    }
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    let parsed = reqwest::Url::parse(&location).unwrap();
    Ok(parsed.query_pairs().into_owned().collect())
}

#[tokio::test]
async fn meta_dialog_code_short_lived_then_long_lived_token() {
    let (sandbox, client) = start(config()).await;
    let base = &sandbox.base_url;
    let dialog = |extra: &str| {
        format!(
            "{base}/meta/v21.0/dialog/oauth?client_id=1234&redirect_uri={}&state=s1&scope=ads_read,business_management{extra}",
            enc(REDIRECT)
        )
    };
    let back = consent(&client, &dialog("")).await.unwrap();
    assert_eq!(back["state"], "s1");
    let code = back["code"].clone();
    // Not a loopback redirect, no state, another response type: an error page.
    for bad in [
        format!(
            "{base}/meta/v21.0/dialog/oauth?client_id=1&redirect_uri=https%3A%2F%2Fevil.example&state=s"
        ),
        format!(
            "{base}/meta/v21.0/dialog/oauth?client_id=1&redirect_uri={}",
            enc(REDIRECT)
        ),
        dialog("&response_type=token"),
    ] {
        assert_eq!(consent(&client, &bad).await, Err(400), "{bad}");
    }
    let exchange = |secret: &str, code: &str| {
        format!(
            "{base}/meta/v21.0/oauth/access_token?client_id=1234&redirect_uri={}&client_secret={secret}&code={}",
            enc(REDIRECT),
            enc(code)
        )
    };
    let (status, _, body) = read(client.get(exchange("wrong", &code)).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["type"], "OAuthException");
    assert_eq!(body["error"]["code"], 1, "{body}");
    let (status, _, body) = read(
        client
            .get(exchange(APP_SECRET, &code))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "bearer");
    assert!(body["expires_in"].as_i64().unwrap() < 86_400, "short-lived");
    let short = body["access_token"].as_str().unwrap().to_owned();
    let (status, _, body) = read(
        client
            .get(exchange(APP_SECRET, &code))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (400, json!(100)),
        "single use"
    );
    let (status, _, body) = read(
        client
            .get(format!("{base}/meta/v21.0/oauth/access_token?grant_type=fb_exchange_token&client_id=1234&client_secret={APP_SECRET}&fb_exchange_token={short}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["expires_in"].as_i64().unwrap() > 5_000_000,
        "long-lived"
    );
    let long = body["access_token"].as_str().unwrap();
    for token in [short.as_str(), long] {
        let (status, _, body) = read(
            client
                .get(format!(
                    "{base}/meta/v21.0/me/adaccounts?access_token={token}"
                ))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    // A code is bound to its redirect.
    let code = consent(&client, &dialog("")).await.unwrap()["code"].clone();
    let (status, _, body) = read(
        client
            .get(format!("{base}/meta/v21.0/oauth/access_token?client_id=1234&redirect_uri={}&client_secret={APP_SECRET}&code={}", enc("http://127.0.0.1:1"), enc(&code)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["error_subcode"], 36008);
}

#[tokio::test]
async fn tiktok_portal_sends_auth_code_and_code_and_the_exchange_answers_in_its_envelope() {
    let (sandbox, client) = start(config()).await;
    let base = &sandbox.base_url;
    let portal = format!(
        "{base}/tiktok/portal/auth?app_id=7001&state=t1&redirect_uri={}",
        enc(REDIRECT)
    );
    let back = consent(&client, &portal).await.unwrap();
    assert_eq!(back["state"], "t1");
    assert_eq!(back["auth_code"], back["code"]);
    let code = back["auth_code"].clone();
    assert_eq!(
        consent(
            &client,
            &format!(
                "{base}/tiktok/portal/auth?state=t&redirect_uri={}",
                enc(REDIRECT)
            )
        )
        .await,
        Err(400),
        "no app_id"
    );
    let url = format!("{base}/tiktok/open_api/v1.3/oauth2/access_token/");
    let post = |body: Value| client.post(&url).json(&body).send();
    let (status, _, body) = read(
        post(json!({ "app_id": "7001", "secret": "wrong", "auth_code": code }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "TikTok answers failures with 200");
    assert_ne!(body["code"], 0, "{body}");
    assert!(body["data"]["access_token"].is_null());
    let (_, _, body) = read(
        post(json!({ "app_id": "7001", "secret": APP_SECRET, "auth_code": code }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["code"], 0, "{body}");
    assert_eq!(body["data"]["advertiser_ids"].as_array().unwrap().len(), 2);
    let token = body["data"]["access_token"].as_str().unwrap().to_owned();
    let (_, _, body) = read(
        post(json!({ "app_id": "7001", "secret": APP_SECRET, "auth_code": code }))
            .await
            .unwrap(),
    )
    .await;
    assert_ne!(body["code"], 0, "single use: {body}");
    let (_, _, body) = read(
        client
            .get(format!(
                "{base}/tiktok/open_api/v1.3/oauth2/advertiser/get/?app_id=7001&secret={APP_SECRET}"
            ))
            .header("Access-Token", token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["code"], 0, "{body}");
}

#[tokio::test]
async fn pinterest_code_is_exchanged_with_basic_auth_for_access_and_refresh_tokens() {
    let (sandbox, client) = start(config()).await;
    let base = &sandbox.base_url;
    let page = |extra: &str| {
        format!(
            "{base}/pinterest/oauth/?client_id=1500&redirect_uri={}&state=p1{extra}",
            enc(REDIRECT)
        )
    };
    assert_eq!(
        consent(&client, &page("&response_type=code")).await,
        Err(400),
        "no scope"
    );
    assert_eq!(
        consent(&client, &page("&scope=ads:read")).await,
        Err(400),
        "no response_type"
    );
    let back = consent(
        &client,
        &page("&response_type=code&scope=ads:read,user_accounts:read"),
    )
    .await
    .unwrap();
    assert_eq!(back["state"], "p1");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", back["code"].as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let url = format!("{base}/pinterest/v5/oauth/token");
    let exchange = |secret: &str| {
        client
            .post(&url)
            .basic_auth("1500", Some(secret.to_owned()))
            .header("content-type", FORM)
            .body(form_body(&form))
            .send()
    };
    let (status, _, body) = read(exchange("wrong").await.unwrap()).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["code"].is_number() && body["message"].is_string(),
        "{body}"
    );
    let (status, _, body) = read(exchange(APP_SECRET).await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    assert!(refresh.starts_with("pinr_"));
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (status, _, _) = read(exchange(APP_SECRET).await.unwrap()).await;
    assert_eq!(status, 400, "single use");
    let (status, _, body) = read(
        client
            .get(format!("{base}/pinterest/v5/ad_accounts"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The refresh token works at the refresh grant.
    let (status, _, body) = read(
        client
            .post(&url)
            .basic_auth("1500", Some(APP_SECRET))
            .header("content-type", FORM)
            .body(form_body(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh.as_str()),
            ]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// LinkedIn and Snapchat share the form exchange with the secret in the form.
async fn form_exchange(
    client: &reqwest::Client,
    url: &str,
    code: &str,
    secret: &str,
) -> (u16, Value) {
    let (status, _, body) = read(
        client
            .post(url)
            .header("content-type", FORM)
            .body(form_body(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("client_id", "app-77"),
                ("client_secret", secret),
            ]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    (status, body)
}

#[tokio::test]
async fn linkedin_code_gives_access_and_refresh_tokens_with_their_lifetimes() {
    let (sandbox, client) = start(config()).await;
    let base = &sandbox.base_url;
    let page = |extra: &str| {
        format!(
            "{base}/linkedin/oauth/v2/authorization?client_id=app-77&redirect_uri={}&state=l1{extra}",
            enc(REDIRECT)
        )
    };
    assert_eq!(
        consent(&client, &page("&response_type=code")).await,
        Err(400),
        "no scope"
    );
    let back = consent(
        &client,
        &page("&response_type=code&scope=r_ads%20r_ads_reporting"),
    )
    .await
    .unwrap();
    assert_eq!(back["state"], "l1");
    let url = format!("{base}/linkedin/oauth/v2/accessToken");
    let (status, body) = form_exchange(&client, &url, &back["code"], "wrong").await;
    assert_eq!(
        (status, body["error"].clone()),
        (401, json!("invalid_client"))
    );
    let (status, body) = form_exchange(&client, &url, &back["code"], APP_SECRET).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 5_184_000);
    assert_eq!(body["refresh_token_expires_in"], 31_536_000);
    assert!(body["refresh_token"].is_string());
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = form_exchange(&client, &url, &back["code"], APP_SECRET).await;
    assert_eq!(status, 400, "single use: {body}");
    let (status, _, body) = read(
        client
            .get(format!("{base}/linkedin/rest/adAccounts?q=search"))
            .bearer_auth(token)
            .header("LinkedIn-Version", "202502")
            .header("X-Restli-Protocol-Version", "2.0.0")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn snapchat_code_gives_a_half_hour_token_and_a_refresh_token() {
    let (sandbox, client) = start(config()).await;
    let base = &sandbox.base_url;
    let page = |extra: &str| {
        format!(
            "{base}/snapchat/login/oauth2/authorize?client_id=app-77&redirect_uri={}&state=s1{extra}",
            enc(REDIRECT)
        )
    };
    assert_eq!(
        consent(&client, &page("&scope=snapchat-marketing-api")).await,
        Err(400),
        "no response_type"
    );
    let back = consent(
        &client,
        &page("&response_type=code&scope=snapchat-marketing-api"),
    )
    .await
    .unwrap();
    assert_eq!(back["state"], "s1");
    let url = format!("{base}/snapchat/login/oauth2/access_token");
    let (status, body) = form_exchange(&client, &url, &back["code"], "wrong").await;
    assert_eq!(
        (status, body["error"].clone()),
        (401, json!("invalid_client"))
    );
    let (status, body) = form_exchange(&client, &url, &back["code"], APP_SECRET).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 1800);
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let token = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = form_exchange(&client, &url, &back["code"], APP_SECRET).await;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_grant")),
        "single use"
    );
    let (status, _, body) = read(
        client
            .get(format!("{base}/snapchat/v1/me/organizations"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = read(
        client
            .post(&url)
            .header("content-type", FORM)
            .body(form_body(&[
                ("grant_type", "refresh_token"),
                ("client_id", "app-77"),
                ("client_secret", APP_SECRET),
                ("refresh_token", refresh.as_str()),
            ]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}
