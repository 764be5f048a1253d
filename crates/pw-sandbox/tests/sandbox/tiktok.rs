use std::collections::HashSet;

use pw_sandbox::{Fault, FaultKind, Level, SandboxPlatform};
use serde_json::Value;

use crate::{Sums, config, day, enc, micros, read, start};

async fn get(client: &reqwest::Client, url: String, token: &str) -> Value {
    let (status, _, body) = read(
        client
            .get(url)
            .header("Access-Token", token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "TikTok answers 200: {body}");
    body
}

async fn advertisers(client: &reqwest::Client, base: &str, token: &str) -> Vec<String> {
    let body = get(
        client,
        format!("{base}/tiktok/open_api/v1.3/oauth2/advertiser/get/?app_id=1&secret=s"),
        token,
    )
    .await;
    assert_eq!(body["code"], 0);
    let ids: Vec<String> = body["data"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["advertiser_id"].as_str().unwrap().to_owned())
        .collect();
    let info = get(
        client,
        format!(
            "{base}/tiktok/open_api/v1.3/advertiser/info/?advertiser_ids={}",
            enc(&serde_json::to_string(&ids).unwrap())
        ),
        token,
    )
    .await;
    let list = info["data"]["list"].as_array().unwrap();
    assert_eq!(list[0]["currency"], "USD");
    assert_eq!(list[0]["display_timezone"], "America/Los_Angeles");
    assert_eq!(list[1]["currency"], "EUR");
    ids
}

/// Every row of a paged TikTok list.
async fn pages(client: &reqwest::Client, url: &str, token: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut page = 1;
    loop {
        let body = get(client, format!("{url}&page={page}&page_size=100"), token).await;
        assert_eq!(body["code"], 0, "{body}");
        let info = &body["data"]["page_info"];
        assert_eq!(info["page_size"], 7, "capped");
        let list = body["data"]["list"].as_array().unwrap();
        assert!(list.len() <= 7);
        rows.extend(list.iter().cloned());
        if page >= info["total_page"].as_u64().unwrap() {
            assert_eq!(rows.len() as u64, info["total_number"].as_u64().unwrap());
            return rows;
        }
        page += 1;
    }
}

fn sums(rows: &[Value]) -> Sums {
    let mut sums = Sums::default();
    for row in rows {
        let m = &row["metrics"];
        sums.rows += 1;
        sums.impressions += m["impressions"].as_str().unwrap().parse::<i64>().unwrap();
        sums.clicks += m["clicks"].as_str().unwrap().parse::<i64>().unwrap();
        sums.spend_micros += micros(m["spend"].as_str().unwrap());
        sums.conversions += m["conversion"].as_str().unwrap().parse::<f64>().unwrap();
    }
    sums
}

fn add(a: Sums, b: Sums) -> Sums {
    Sums {
        rows: a.rows + b.rows,
        impressions: a.impressions + b.impressions,
        clicks: a.clicks + b.clicks,
        spend_micros: a.spend_micros + b.spend_micros,
        conversions: a.conversions + b.conversions,
    }
}

#[tokio::test]
async fn campaigns_page_to_the_end_with_distinct_complete_ids() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(SandboxPlatform::Tiktok);
    let mut seen = HashSet::new();
    for advertiser in advertisers(&client, base, &token).await {
        let rows = pages(
            &client,
            &format!("{base}/tiktok/open_api/v1.3/campaign/get/?advertiser_id={advertiser}"),
            &token,
        )
        .await;
        assert_eq!(rows.len(), 10);
        for row in &rows {
            assert!(seen.insert(row["campaign_id"].as_str().unwrap().to_owned()));
            assert!(row["budget"].is_f64());
            assert_eq!(row["modify_time"].as_str().unwrap().len(), 19);
        }
        assert_eq!(
            rows.iter()
                .filter(|r| r["operation_status"] == "DISABLE")
                .count(),
            1
        );
        let groups = pages(
            &client,
            &format!("{base}/tiktok/open_api/v1.3/adgroup/get/?advertiser_id={advertiser}"),
            &token,
        )
        .await;
        assert_eq!(groups.len(), 20);
        assert!(
            groups[0]["age_groups"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
        );
        let ads = pages(
            &client,
            &format!("{base}/tiktok/open_api/v1.3/ad/get/?advertiser_id={advertiser}"),
            &token,
        )
        .await;
        assert_eq!(ads.len(), 40);
        assert!(
            ads[0]["landing_page_url"]
                .as_str()
                .unwrap()
                .starts_with("https://")
        );
    }
    assert_eq!(seen.len(), 20);
    // Without the trailing slash TikTok does not route the call.
    let (status, _, _) = read(
        client
            .get(format!(
                "{base}/tiktok/open_api/v1.3/campaign/get?advertiser_id=1"
            ))
            .header("Access-Token", &token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn reports_sum_to_the_truth_levels_agree_and_spans_are_limited() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(SandboxPlatform::Tiktok);
    let (from, until) = ("2026-05-20", "2026-06-14");
    let report = |advertiser: &str, level: &str, id: &str| {
        format!(
            "{base}/tiktok/open_api/v1.3/report/integrated/get/?advertiser_id={advertiser}&service_type=AUCTION&report_type=BASIC&data_level={level}&dimensions={}&metrics={}&start_date={from}&end_date={until}",
            enc(&format!(r#"["{id}","stat_time_day"]"#)),
            enc(r#"["spend","impressions","clicks","conversion","campaign_name"]"#)
        )
    };
    let (mut ad, mut campaign) = (Sums::default(), Sums::default());
    for advertiser in advertisers(&client, base, &token).await {
        let rows = pages(&client, &report(&advertiser, "AUCTION_AD", "ad_id"), &token).await;
        assert!(
            rows[0]["dimensions"]["stat_time_day"]
                .as_str()
                .unwrap()
                .ends_with(" 00:00:00")
        );
        assert!(rows[0]["metrics"]["campaign_name"].is_string());
        ad = add(ad, sums(&rows));
        campaign = add(
            campaign,
            sums(
                &pages(
                    &client,
                    &report(&advertiser, "AUCTION_CAMPAIGN", "campaign_id"),
                    &token,
                )
                .await,
            ),
        );
    }
    ad.matches(
        &running
            .sandbox
            .truth(SandboxPlatform::Tiktok, Level::Ad, day(from), day(until)),
    );
    campaign.same_totals(&ad);
    campaign.matches(&running.sandbox.truth(
        SandboxPlatform::Tiktok,
        Level::Campaign,
        day(from),
        day(until),
    ));
    let body = get(&client, format!("{base}/tiktok/open_api/v1.3/report/integrated/get/?advertiser_id=7000000000000000000&report_type=BASIC&data_level=AUCTION_AD&dimensions={}&start_date=2026-04-01&end_date=2026-05-15", enc(r#"["ad_id","stat_time_day"]"#)), &token).await;
    assert_eq!(body["code"], 40002);
}

#[tokio::test]
async fn faults_fire_in_tiktoks_form_exactly_times_then_stop() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let sandbox = &running.sandbox;
    let token = sandbox.issue_token(SandboxPlatform::Tiktok);
    let url = format!("{base}/tiktok/open_api/v1.3/oauth2/advertiser/get/?app_id=1&secret=s");
    let call = |token: String| {
        let url = url.clone();
        let client = client.clone();
        async move {
            read(
                client
                    .get(url)
                    .header("Access-Token", token)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let fault = |kind, times| Fault {
        platform: SandboxPlatform::Tiktok,
        kind,
        path_contains: Some("advertiser/get".into()),
        times,
    };
    for (kind, code) in [
        (FaultKind::RateLimit, 40100),
        (FaultKind::ExpiredToken, 40102),
        (FaultKind::ServerError, 50002),
    ] {
        sandbox.add_fault(fault(kind, 2));
        for _ in 0..2 {
            let (status, _, body) = call(token.clone()).await;
            assert_eq!((status, body["code"].as_u64()), (200, Some(code)));
            assert_eq!(body["data"], serde_json::json!({}));
            assert!(body["request_id"].is_string());
        }
        assert_eq!(call(token.clone()).await.2["code"], 0);
    }
    sandbox.add_fault(fault(FaultKind::Malformed, 1));
    let (status, _, body) = call(token.clone()).await;
    assert!(status == 200 && body.is_string());
    assert_eq!(call(token.clone()).await.2["code"], 0);
    sandbox.add_fault(fault(FaultKind::RevokedToken, 1));
    for _ in 0..2 {
        let (_, _, body) = call(token.clone()).await;
        assert_eq!(body["code"], 40105);
    }
    assert_eq!(
        call(sandbox.issue_token(SandboxPlatform::Tiktok)).await.2["code"],
        0
    );
    let (_, _, body) = read(client.get(&url).send().await.unwrap()).await;
    assert_eq!(body["code"], 40104);
    assert_eq!(sandbox.request_count("oauth2/advertiser/get/"), 15);
}
