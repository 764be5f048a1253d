use std::collections::HashSet;

use pw_sandbox::{Fault, FaultKind, Level, SandboxPlatform};
use serde_json::{Value, json};

use crate::{Sums, config, day, read, start};

const P: SandboxPlatform = SandboxPlatform::Pinterest;

async fn get(client: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let (status, _, body) = read(client.get(url).bearer_auth(token).send().await.unwrap()).await;
    (status, body)
}

/// Every item of a bookmark-paged list.
async fn items(client: &reqwest::Client, url: &str, token: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut bookmark: Option<String> = None;
    loop {
        let page_url = match &bookmark {
            Some(b) => format!("{url}?page_size=100&bookmark={b}"),
            None => format!("{url}?page_size=100"),
        };
        let (status, body) = get(client, &page_url, token).await;
        assert_eq!(status, 200, "{body}");
        let list = body["items"].as_array().unwrap();
        assert!(list.len() <= 7, "capped");
        rows.extend(list.iter().cloned());
        match body["bookmark"].as_str() {
            Some(next) => bookmark = Some(next.to_owned()),
            None => return rows,
        }
    }
}

fn sums_of<'a>(rows: impl Iterator<Item = &'a Value>) -> Sums {
    let mut sums = Sums::default();
    for row in rows {
        sums.rows += 1;
        sums.impressions += row["IMPRESSION_1"].as_i64().unwrap();
        sums.clicks += row["CLICKTHROUGH_1"].as_i64().unwrap();
        sums.spend_micros += row["SPEND_IN_MICRO_DOLLAR"].as_i64().unwrap();
        sums.conversions += row["TOTAL_CONVERSIONS"].as_f64().unwrap();
    }
    sums
}

#[tokio::test]
async fn lists_page_by_bookmark_to_the_end() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(P);
    let accounts = items(&client, &format!("{base}/pinterest/v5/ad_accounts"), &token).await;
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[1]["currency"], "EUR");
    let mut seen = HashSet::new();
    for account in &accounts {
        let id = account["id"].as_str().unwrap();
        let campaigns = items(
            &client,
            &format!("{base}/pinterest/v5/ad_accounts/{id}/campaigns"),
            &token,
        )
        .await;
        assert_eq!(campaigns.len(), 10);
        for c in &campaigns {
            assert!(seen.insert(c["id"].as_str().unwrap().to_owned()));
            assert!(c["updated_time"].is_i64());
        }
        let groups = items(
            &client,
            &format!("{base}/pinterest/v5/ad_accounts/{id}/ad_groups"),
            &token,
        )
        .await;
        assert_eq!(groups.len(), 20);
        let ads = items(
            &client,
            &format!("{base}/pinterest/v5/ad_accounts/{id}/ads"),
            &token,
        )
        .await;
        assert_eq!(ads.len(), 40);
        assert!(ads[0]["pin_id"].is_string());
    }
}

#[tokio::test]
async fn sync_analytics_and_async_reports_sum_to_the_truth() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let sandbox = &running.sandbox;
    let token = sandbox.issue_token(P);
    let (from, until) = ("2026-05-20", "2026-06-14");
    let columns = "SPEND_IN_MICRO_DOLLAR,IMPRESSION_1,CLICKTHROUGH_1,TOTAL_CONVERSIONS";
    let accounts = items(&client, &format!("{base}/pinterest/v5/ad_accounts"), &token).await;
    let (mut sync, mut reported) = (Sums::default(), Sums::default());
    for account in &accounts {
        let id = account["id"].as_str().unwrap();
        let campaigns = items(
            &client,
            &format!("{base}/pinterest/v5/ad_accounts/{id}/campaigns"),
            &token,
        )
        .await;
        let ids: Vec<&str> = campaigns
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        let (status, body) = get(&client, &format!("{base}/pinterest/v5/ad_accounts/{id}/campaigns/analytics?start_date={from}&end_date={until}&campaign_ids={}&granularity=DAY&columns={columns}", ids.join(",")), &token).await;
        assert_eq!(status, 200, "{body}");
        let rows = body.as_array().unwrap();
        assert!(rows[0]["DATE"].is_string() && rows[0]["CAMPAIGN_ID"].is_string());
        let s = sums_of(rows.iter());
        sync = Sums {
            rows: sync.rows + s.rows,
            impressions: sync.impressions + s.impressions,
            clicks: sync.clicks + s.clicks,
            spend_micros: sync.spend_micros + s.spend_micros,
            conversions: sync.conversions + s.conversions,
        };
        // The asynchronous report of the same at ad level.
        let (status, _, created) = read(client.post(format!("{base}/pinterest/v5/ad_accounts/{id}/reports")).bearer_auth(&token)
            .json(&json!({"start_date": from, "end_date": until, "granularity": "DAY", "level": "PIN_PROMOTION", "columns": columns.split(',').collect::<Vec<_>>()}))
            .send().await.unwrap()).await;
        assert_eq!(
            (status, created["report_status"].as_str()),
            (200, Some("IN_PROGRESS"))
        );
        let report_token = created["token"].as_str().unwrap();
        let status_url =
            format!("{base}/pinterest/v5/ad_accounts/{id}/reports?token={report_token}");
        assert_eq!(
            get(&client, &status_url, &token).await.1["report_status"],
            "IN_PROGRESS"
        );
        let finished = get(&client, &status_url, &token).await.1;
        assert_eq!(finished["report_status"], "FINISHED");
        let url = finished["url"].as_str().unwrap();
        assert!(url.starts_with(base.as_str()));
        let (status, file) = get(&client, url, "").await;
        assert_eq!(status, 200);
        let s = sums_of(
            file.as_object()
                .unwrap()
                .values()
                .flat_map(|rows| rows.as_array().unwrap().iter()),
        );
        reported = Sums {
            rows: reported.rows + s.rows,
            impressions: reported.impressions + s.impressions,
            clicks: reported.clicks + s.clicks,
            spend_micros: reported.spend_micros + s.spend_micros,
            conversions: reported.conversions + s.conversions,
        };
    }
    sync.matches(&sandbox.truth(P, Level::Campaign, day(from), day(until)));
    reported.matches(&sandbox.truth(P, Level::Ad, day(from), day(until)));
    sync.same_totals(&reported);
    // Synchronous analytics reach 90 days back only.
    let id = accounts[0]["id"].as_str().unwrap();
    let (status, body) = get(&client, &format!("{base}/pinterest/v5/ad_accounts/{id}/analytics?start_date=2026-01-01&end_date=2026-01-31&granularity=DAY&columns={columns}"), &token).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("90 days"));
}

#[tokio::test]
async fn faults_fire_in_pinterests_form_and_refresh_tokens_rotate() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let sandbox = &running.sandbox;
    let token = sandbox.issue_token(P);
    let url = format!("{base}/pinterest/v5/ad_accounts");
    let fault = |kind| Fault {
        platform: P,
        kind,
        path_contains: Some("ad_accounts".into()),
        times: 1,
    };
    sandbox.add_fault(fault(FaultKind::RateLimit));
    let (status, headers, body) =
        read(client.get(&url).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(status, 429);
    assert_eq!(headers["x-ratelimit-reset"], "1");
    assert!(body["code"].is_i64() && body["message"].is_string());
    sandbox.add_fault(fault(FaultKind::ServerError));
    assert_eq!(get(&client, &url, &token).await.0, 500);
    sandbox.add_fault(fault(FaultKind::Malformed));
    let (status, body) = get(&client, &url, &token).await;
    assert!(status == 200 && body.is_string());
    sandbox.add_fault(fault(FaultKind::ExpiredToken));
    let (status, body) = get(&client, &url, &token).await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(2)));
    assert_eq!(get(&client, &url, &token).await.0, 200);
    sandbox.add_fault(fault(FaultKind::RevokedToken));
    assert_eq!(get(&client, &url, &token).await.0, 401);
    assert_eq!(get(&client, &url, &token).await.0, 401, "revoked for good");

    let (access, first) = sandbox.issue_refreshable(P);
    assert_eq!(get(&client, &url, &access).await.0, 200);
    let refresh = |refresh: String, basic: bool| {
        let mut request = client.post(format!("{base}/pinterest/v5/oauth/token"));
        if basic {
            request = request.basic_auth("sandbox-app", Some("sandbox-secret"));
        }
        let request = request
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("grant_type=refresh_token&refresh_token={refresh}"));
        async move { read(request.send().await.unwrap()).await }
    };
    assert_eq!(
        refresh(first.clone(), false).await.0,
        401,
        "Basic auth is required"
    );
    let (status, _, body) = refresh(first.clone(), true).await;
    assert_eq!(status, 200, "{body}");
    let second = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second, first, "a new refresh token every time");
    assert_eq!(
        get(&client, &url, body["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );
    assert_eq!(refresh(first, true).await.0, 400, "the old one is retired");
    let (status, _, body) = refresh(second.clone(), true).await;
    assert_eq!(status, 200);
    assert_ne!(body["refresh_token"].as_str().unwrap(), second);
    assert_eq!(refresh(second, true).await.0, 400);
}
