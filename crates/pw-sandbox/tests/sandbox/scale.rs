use chrono::Duration;
use pw_sandbox::{Level, SandboxConfig, SandboxPlatform};
use serde_json::json;

use crate::{enc, read, start, today};

/// 1 account × 1 campaign × 50 ad groups × 28 ads × 715 days ≈ a million ad-days per platform,
/// answered page by page without materialising the report.
#[tokio::test]
async fn a_million_row_config_answers_late_pages() {
    let config = SandboxConfig {
        seed: 9,
        today: today(),
        days: 715,
        accounts_per_platform: 1,
        campaigns_per_account: 1,
        ad_groups_per_campaign: 50,
        ads_per_ad_group: 28,
        page_size_cap: None,
        slow_response: std::time::Duration::from_secs(1),
    };
    assert_eq!(config.metric_rows_per_platform(), 1_001_000);
    let (running, client) = start(config).await;
    let base = &running.base_url;
    let sandbox = &running.sandbox;

    // TikTok: the last page of a 30-day ad-level report.
    let token = sandbox.issue_token(SandboxPlatform::Tiktok);
    let (from, until) = (today() - Duration::days(30), today() - Duration::days(1));
    let truth = sandbox.truth(SandboxPlatform::Tiktok, Level::Ad, from, until);
    let url = |page: u64| {
        format!(
            "{base}/tiktok/open_api/v1.3/report/integrated/get/?advertiser_id=7000000000000000000&report_type=BASIC&data_level=AUCTION_AD&dimensions={}&metrics={}&start_date={from}&end_date={until}&page={page}&page_size=1000",
            enc(r#"["ad_id","stat_time_day"]"#),
            enc(r#"["impressions"]"#)
        )
    };
    let (_, _, first) = read(
        client
            .get(url(1))
            .header("Access-Token", &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let info = &first["data"]["page_info"];
    assert_eq!(info["total_number"].as_u64().unwrap(), truth.rows);
    let last = info["total_page"].as_u64().unwrap();
    assert_eq!(last, truth.rows.div_ceil(1000));
    let (_, _, page) = read(
        client
            .get(url(last))
            .header("Access-Token", &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        page["data"]["list"].as_array().unwrap().len() as u64,
        truth.rows - (last - 1) * 1000
    );

    // Google: a page of the whole history through `search`, and the truth over all of it.
    let token = sandbox.issue_token(SandboxPlatform::GoogleAds);
    let body = json!({ "query": "SELECT ad_group_ad.ad.id, segments.date, metrics.impressions FROM ad_group_ad WHERE segments.date >= '2024-01-01' ORDER BY segments.date" });
    let (status, _, page) = read(
        client
            .post(format!(
                "{base}/google-ads/v18/customers/5210000000/googleAds:search"
            ))
            .bearer_auth(&token)
            .header("developer-token", "d")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["results"].as_array().unwrap().len(), 10_000);
    assert!(page["nextPageToken"].is_string());
    // searchStream over 30 days: several batches of 10 000, written as they are read.
    let query = format!(
        "SELECT ad_group_ad.ad.id, segments.date, metrics.impressions FROM ad_group_ad WHERE segments.date BETWEEN '{from}' AND '{until}'"
    );
    let (status, _, batches) = read(
        client
            .post(format!(
                "{base}/google-ads/v18/customers/5210000000/googleAds:searchStream"
            ))
            .bearer_auth(&token)
            .header("developer-token", "d")
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let batches = batches.as_array().unwrap();
    let streamed: usize = batches
        .iter()
        .map(|b| b["results"].as_array().map_or(0, Vec::len))
        .sum();
    let month = sandbox.truth(SandboxPlatform::GoogleAds, Level::Ad, from, until);
    assert_eq!(streamed as u64, month.rows);
    assert_eq!(batches.len() as u64, month.rows.div_ceil(10_000));
    let all = sandbox.truth(
        SandboxPlatform::GoogleAds,
        Level::Ad,
        today() - Duration::days(800),
        today(),
    );
    assert!(all.rows > 850_000 && all.rows <= 1_001_000, "{}", all.rows);

    // Meta: an ad-level page of the whole history.
    let token = sandbox.issue_token(SandboxPlatform::Meta);
    let range = enc(&format!(
        r#"{{"since":"{}","until":"{}"}}"#,
        today() - Duration::days(715),
        today() - Duration::days(1)
    ));
    let (status, _, page) = read(client.get(format!("{base}/meta/v21.0/act_148200000000000/insights?access_token={token}&level=ad&time_increment=1&time_range={range}&limit=500")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(page["data"].as_array().unwrap().len(), 500);
    let next = page["paging"]["next"].as_str().unwrap();
    let (status, _, second) = read(client.get(next).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_ne!(second["data"][0], page["data"][0]);

    // Pinterest: a 30-day ad-level report file holds every ad-day with delivery.
    let pin = SandboxPlatform::Pinterest;
    let token = sandbox.issue_token(pin);
    let truth = sandbox.truth(pin, Level::Ad, from, until);
    let reports = format!("{base}/pinterest/v5/ad_accounts/549755885175/reports");
    let (status, _, created) = read(client.post(&reports).bearer_auth(&token).json(&json!({"start_date": from.to_string(), "end_date": until.to_string(), "granularity": "DAY", "level": "PIN_PROMOTION", "columns": ["IMPRESSION_1"]})).send().await.unwrap()).await;
    assert_eq!(status, 200, "{created}");
    let status_url = format!("{reports}?token={}", created["token"].as_str().unwrap());
    read(
        client
            .get(&status_url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (_, _, finished) = read(
        client
            .get(&status_url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (_, _, file) = read(
        client
            .get(finished["url"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    let rows: usize = file
        .as_object()
        .unwrap()
        .values()
        .map(|r| r.as_array().unwrap().len())
        .sum();
    assert_eq!(rows as u64, truth.rows);

    // LinkedIn: 30 days of 1,400 creatives is past 15,000 elements and refused; 8 days is not.
    let token = sandbox.issue_token(SandboxPlatform::Linkedin);
    let analytics = |days: i64| {
        let start = until - Duration::days(days - 1);
        format!(
            "{base}/linkedin/rest/adAnalytics?q=analytics&pivot=(value:CREATIVE)&timeGranularity=(value:DAILY)&dateRange=(start:(year:{},month:{},day:{}),end:(year:{},month:{},day:{}))&accounts=List(urn%3Ali%3AsponsoredAccount%3A508000000)&fields=impressions,dateRange,pivotValues",
            start.format("%Y"),
            start.format("%-m"),
            start.format("%-d"),
            until.format("%Y"),
            until.format("%-m"),
            until.format("%-d")
        )
    };
    let linkedin = |url: String| {
        let request = client
            .get(url)
            .bearer_auth(&token)
            .header("LinkedIn-Version", "202502")
            .header("X-Restli-Protocol-Version", "2.0.0");
        async move { read(request.send().await.unwrap()).await }
    };
    let (status, _, body) = linkedin(analytics(30)).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("15000"),
        "{body}"
    );
    let (status, _, body) = linkedin(analytics(8)).await;
    assert_eq!(status, 200);
    let week = sandbox.truth(
        SandboxPlatform::Linkedin,
        Level::Ad,
        until - Duration::days(7),
        until,
    );
    assert_eq!(body["elements"].as_array().unwrap().len() as u64, week.rows);

    // Snapchat: ad-account stats broken down by ad over 30 days, zero days included.
    let snap = SandboxPlatform::Snapchat;
    let token = sandbox.issue_token(snap);
    let truth = sandbox.truth(snap, Level::Ad, from, until);
    let midnight = |day: chrono::NaiveDate| enc(&format!("{day}T00:00:00.000-07:00"));
    let (status, _, body) = read(client.get(format!("{base}/snapchat/v1/adaccounts/00000a00-0000-4000-8000-000000000000/stats?granularity=DAY&start_time={}&end_time={}&fields=impressions&breakdown=ad", midnight(from), midnight(today()))).bearer_auth(&token).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let ads = body["timeseries_stats"][0]["timeseries_stat"]["breakdown_stats"]["ad"]
        .as_array()
        .unwrap();
    assert_eq!(ads.len(), 1_400);
    let delivered = ads
        .iter()
        .flat_map(|ad| ad["timeseries"].as_array().unwrap().iter())
        .filter(|bucket| bucket["stats"]["impressions"].as_i64().unwrap() > 0)
        .count();
    assert_eq!(delivered as u64, truth.rows);
}
