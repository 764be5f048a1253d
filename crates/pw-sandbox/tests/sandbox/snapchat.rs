use std::collections::HashSet;

use pw_sandbox::{Fault, FaultKind, Level, SandboxPlatform};
use serde_json::Value;

use crate::{Sums, config, day, enc, read, start};

const S: SandboxPlatform = SandboxPlatform::Snapchat;

async fn get(client: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let (status, _, body) = read(client.get(url).bearer_auth(token).send().await.unwrap()).await;
    (status, body)
}

/// Every record of a `next_link`-paged list, unwrapped from `<plural>[*].<singular>`.
async fn records(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    plural: &str,
    singular: &str,
) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut next = format!("{url}?limit=1000");
    loop {
        let (status, body) = get(client, &next, token).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["request_status"], "SUCCESS");
        let list = body[plural].as_array().unwrap();
        assert!(list.len() <= 7, "capped");
        for item in list {
            assert_eq!(item["sub_request_status"], "SUCCESS");
            rows.push(item[singular].clone());
        }
        match body["paging"]["next_link"].as_str() {
            Some(link) => next = link.to_owned(),
            None => return rows,
        }
    }
}

fn add(sums: &mut Sums, series: &Value) {
    for bucket in series.as_array().unwrap() {
        let stats = &bucket["stats"];
        if stats["impressions"].as_i64().unwrap() == 0 {
            continue;
        }
        sums.rows += 1;
        sums.impressions += stats["impressions"].as_i64().unwrap();
        sums.clicks += stats["swipes"].as_i64().unwrap();
        sums.spend_micros += stats["spend"].as_i64().unwrap();
        sums.conversions += stats["conversion_purchases"].as_f64().unwrap();
    }
}

#[tokio::test]
async fn lists_follow_next_link_and_stats_sum_to_the_truth() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let sandbox = &running.sandbox;
    let token = sandbox.issue_token(S);
    let orgs = records(
        &client,
        &format!("{base}/snapchat/v1/me/organizations"),
        &token,
        "organizations",
        "organization",
    )
    .await;
    let org = orgs[0]["id"].as_str().unwrap();
    let accounts = records(
        &client,
        &format!("{base}/snapchat/v1/organizations/{org}/adaccounts"),
        &token,
        "adaccounts",
        "adaccount",
    )
    .await;
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0]["timezone"], "America/Los_Angeles");
    let (from, until) = ("2026-05-20", "2026-06-14");
    let fields = "impressions,swipes,spend,conversion_purchases,conversion_purchases_value";
    let (mut by_ad, mut by_campaign, mut one_by_one) =
        (Sums::default(), Sums::default(), Sums::default());
    let mut seen = HashSet::new();
    for account in &accounts {
        let id = account["id"].as_str().unwrap();
        let campaigns = records(
            &client,
            &format!("{base}/snapchat/v1/adaccounts/{id}/campaigns"),
            &token,
            "campaigns",
            "campaign",
        )
        .await;
        assert_eq!(campaigns.len(), 10);
        for c in &campaigns {
            assert!(seen.insert(c["id"].as_str().unwrap().to_owned()));
            assert!(c["updated_at"].as_str().unwrap().ends_with('Z'));
        }
        assert_eq!(
            records(
                &client,
                &format!("{base}/snapchat/v1/adaccounts/{id}/adsquads"),
                &token,
                "adsquads",
                "adsquad"
            )
            .await
            .len(),
            20
        );
        let ads = records(
            &client,
            &format!("{base}/snapchat/v1/adaccounts/{id}/ads"),
            &token,
            "ads",
            "ad",
        )
        .await;
        assert_eq!(ads.len(), 40);
        assert_eq!(
            records(
                &client,
                &format!("{base}/snapchat/v1/adaccounts/{id}/creatives"),
                &token,
                "creatives",
                "creative"
            )
            .await
            .len(),
            40
        );
        let offset = if account["timezone"] == "America/Los_Angeles" {
            "-07:00"
        } else {
            "+02:00"
        };
        let range = format!(
            "start_time={}&end_time={}",
            enc(&format!("{from}T00:00:00.000{offset}")),
            enc(&format!("2026-06-15T00:00:00.000{offset}"))
        );
        let (status, body) = get(&client, &format!("{base}/snapchat/v1/adaccounts/{id}/stats?granularity=DAY&{range}&fields={fields}&breakdown=ad"), &token).await;
        assert_eq!(status, 200, "{body}");
        let stat = &body["timeseries_stats"][0]["timeseries_stat"];
        for entry in stat["breakdown_stats"]["ad"].as_array().unwrap() {
            let first = &entry["timeseries"][0]["start_time"];
            assert!(
                first.as_str().unwrap().ends_with(&offset.replace(':', "")),
                "{first}"
            );
            add(&mut by_ad, &entry["timeseries"]);
        }
        let (_, body) = get(&client, &format!("{base}/snapchat/v1/adaccounts/{id}/stats?granularity=DAY&{range}&fields={fields}&breakdown=campaign"), &token).await;
        for entry in body["timeseries_stats"][0]["timeseries_stat"]["breakdown_stats"]["campaign"]
            .as_array()
            .unwrap()
        {
            add(&mut by_campaign, &entry["timeseries"]);
        }
        for c in &campaigns {
            let (status, body) = get(
                &client,
                &format!(
                    "{base}/snapchat/v1/campaigns/{}/stats?granularity=DAY&{range}&fields={fields}",
                    c["id"].as_str().unwrap()
                ),
                &token,
            )
            .await;
            assert_eq!(status, 200, "{body}");
            add(
                &mut one_by_one,
                &body["timeseries_stats"][0]["timeseries_stat"]["timeseries"],
            );
        }
        // Not a midnight in the account's zone.
        let (status, body) = get(&client, &format!("{base}/snapchat/v1/adaccounts/{id}/stats?granularity=DAY&start_time={}&end_time={}", enc("2026-05-20T05:00:00.000Z"), enc("2026-05-21T05:00:00.000Z")), &token).await;
        assert_eq!(
            (status, body["request_status"].as_str()),
            (400, Some("ERROR"))
        );
    }
    by_ad.matches(&sandbox.truth(S, Level::Ad, day(from), day(until)));
    by_campaign.matches(&sandbox.truth(S, Level::Campaign, day(from), day(until)));
    one_by_one.matches(&sandbox.truth(S, Level::Campaign, day(from), day(until)));
}

#[tokio::test]
async fn faults_fire_in_snapchats_form_and_tokens_last_half_an_hour() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let sandbox = &running.sandbox;
    let token = sandbox.issue_token(S);
    let url = format!("{base}/snapchat/v1/me/organizations");
    let fault = |kind| Fault {
        platform: S,
        kind,
        path_contains: Some("organizations".into()),
        times: 1,
    };
    for (kind, status, msg) in [
        (FaultKind::RateLimit, 429, "Rate limit exceeded"),
        (FaultKind::ExpiredToken, 401, "Unauthorized"),
        (FaultKind::ServerError, 500, "Internal server error"),
    ] {
        sandbox.add_fault(fault(kind));
        let (got, body) = get(&client, &url, &token).await;
        assert_eq!(
            (got, body["request_status"].as_str(), body["msg"].as_str()),
            (status, Some("ERROR"), Some(msg))
        );
        assert!(body["request_id"].is_string());
    }
    sandbox.add_fault(fault(FaultKind::Malformed));
    let (status, body) = get(&client, &url, &token).await;
    assert!(status == 200 && body.is_string());
    sandbox.add_fault(fault(FaultKind::RevokedToken));
    assert_eq!(get(&client, &url, &token).await.0, 401);
    assert_eq!(get(&client, &url, &token).await.0, 401, "revoked for good");

    let (_, refresh) = sandbox.issue_refreshable(S);
    let (status, _, body) = read(
        client
            .post(format!("{base}/snapchat/login/oauth2/access_token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=refresh_token&client_id=app&client_secret=s&refresh_token={refresh}"
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 1800);
    assert_eq!(
        get(&client, &url, body["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );
}
