use std::collections::HashSet;

use pw_sandbox::{Fault, FaultKind, Level, SandboxPlatform};
use serde_json::Value;

use crate::{Sums, config, day, micros, read, start};

const L: SandboxPlatform = SandboxPlatform::Linkedin;

async fn get(
    client: &reqwest::Client,
    url: &str,
    token: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    read(
        client
            .get(url)
            .bearer_auth(token)
            .header("LinkedIn-Version", "202502")
            .header("X-Restli-Protocol-Version", "2.0.0")
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Every element of a `pageToken`-paged list.
async fn elements(client: &reqwest::Client, url: &str, token: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page_url = match &next {
            Some(t) => format!("{url}&pageSize=500&pageToken={t}"),
            None => format!("{url}&pageSize=500"),
        };
        let (status, _, body) = get(client, &page_url, token).await;
        assert_eq!(status, 200, "{body}");
        let list = body["elements"].as_array().unwrap();
        assert!(list.len() <= 7, "capped");
        rows.extend(list.iter().cloned());
        match body["metadata"]["nextPageToken"].as_str() {
            Some(t) => next = Some(t.to_owned()),
            None => return rows,
        }
    }
}

fn sums(rows: &[Value]) -> Sums {
    let mut sums = Sums::default();
    for row in rows {
        sums.rows += 1;
        sums.impressions += row["impressions"].as_i64().unwrap();
        sums.clicks += row["clicks"].as_i64().unwrap();
        sums.spend_micros += micros(row["costInLocalCurrency"].as_str().unwrap());
        sums.conversions += row["externalWebsiteConversions"].as_f64().unwrap();
    }
    sums
}

#[tokio::test]
async fn entities_page_by_token_and_analytics_sum_to_the_truth() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let sandbox = &running.sandbox;
    let token = sandbox.issue_token(L);
    let accounts = elements(
        &client,
        &format!("{base}/linkedin/rest/adAccounts?q=search"),
        &token,
    )
    .await;
    assert_eq!(accounts.len(), 2);
    let mut seen = HashSet::new();
    let (from, until) = ("2026-05-20", "2026-06-14");
    let range = "(start:(year:2026,month:5,day:20),end:(year:2026,month:6,day:14))";
    let fields =
        "impressions,clicks,costInLocalCurrency,externalWebsiteConversions,dateRange,pivotValues";
    let (mut by_campaign, mut by_creative) = (Vec::new(), Vec::new());
    for account in &accounts {
        let id = account["id"].as_i64().unwrap();
        let search = "q=search&search=(status:(values:List(ACTIVE,PAUSED)))";
        let groups = elements(
            &client,
            &format!("{base}/linkedin/rest/adAccounts/{id}/adCampaignGroups?{search}"),
            &token,
        )
        .await;
        assert_eq!(groups.len(), 10);
        for g in &groups {
            assert!(seen.insert(g["id"].as_i64().unwrap()));
            assert!(g["changeAuditStamps"]["lastModified"]["time"].is_i64());
        }
        let campaigns = elements(
            &client,
            &format!("{base}/linkedin/rest/adAccounts/{id}/adCampaigns?{search}"),
            &token,
        )
        .await;
        assert_eq!(campaigns.len(), 20);
        assert!(
            campaigns[0]["campaignGroup"]
                .as_str()
                .unwrap()
                .starts_with("urn:li:sponsoredCampaignGroup:")
        );
        let creatives = elements(
            &client,
            &format!("{base}/linkedin/rest/adAccounts/{id}/creatives?q=criteria"),
            &token,
        )
        .await;
        assert_eq!(creatives.len(), 40);
        let facet = format!("accounts=List(urn%3Ali%3AsponsoredAccount%3A{id})");
        for (pivot, out) in [
            ("CAMPAIGN", &mut by_campaign),
            ("CREATIVE", &mut by_creative),
        ] {
            let (status, _, body) = get(&client, &format!("{base}/linkedin/rest/adAnalytics?q=analytics&pivot=(value:{pivot})&timeGranularity=(value:DAILY)&dateRange={range}&{facet}&fields={fields}"), &token).await;
            assert_eq!(status, 200, "{body}");
            out.extend(body["elements"].as_array().unwrap().iter().cloned());
        }
        // One campaign's rows through the campaigns facet.
        let first = campaigns[0]["id"].as_i64().unwrap();
        let (status, _, body) = get(&client, &format!("{base}/linkedin/rest/adAnalytics?q=analytics&pivot=(value:CAMPAIGN)&timeGranularity=(value:DAILY)&dateRange={range}&campaigns=List(urn%3Ali%3AsponsoredCampaign%3A{first})&fields={fields}"), &token).await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body["elements"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["pivotValues"][0] == format!("urn:li:sponsoredCampaign:{first}"))
        );
    }
    let row = &by_campaign[0];
    assert!(
        row["dateRange"]["start"]["year"].is_i64()
            && row["impressions"].is_i64()
            && row["costInLocalCurrency"].is_string()
    );
    sums(&by_campaign).matches(&sandbox.truth(L, Level::AdGroup, day(from), day(until)));
    sums(&by_creative).matches(&sandbox.truth(L, Level::Ad, day(from), day(until)));

    let id = accounts[0]["id"].as_i64().unwrap();
    let facet = format!("accounts=List(urn%3Ali%3AsponsoredAccount%3A{id})");
    // Rest.li structure percent-encoded, a raw URN, too many fields, no version: all refused.
    for url in [
        format!(
            "{base}/linkedin/rest/adAnalytics?q=analytics&pivot=%28value%3ACAMPAIGN%29&timeGranularity=(value:DAILY)&dateRange={range}&{facet}"
        ),
        format!(
            "{base}/linkedin/rest/adAnalytics?q=analytics&pivot=(value:CAMPAIGN)&timeGranularity=(value:DAILY)&dateRange={range}&accounts=List(urn:li:sponsoredAccount:{id})"
        ),
        format!(
            "{base}/linkedin/rest/adAnalytics?q=analytics&pivot=(value:CAMPAIGN)&timeGranularity=(value:DAILY)&dateRange={range}&{facet}&fields={}",
            ["impressions"; 21].join(",")
        ),
    ] {
        assert_eq!(get(&client, &url, &token).await.0, 400, "{url}");
    }
    let (status, _, body) = read(
        client
            .get(format!("{base}/linkedin/rest/adAccounts?q=search"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("VERSION_MISSING"))
    );
}

#[tokio::test]
async fn faults_fire_in_linkedins_form_and_refresh_keeps_the_refresh_token() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let sandbox = &running.sandbox;
    let token = sandbox.issue_token(L);
    let url = format!("{base}/linkedin/rest/adAccounts?q=search");
    let fault = |kind| Fault {
        platform: L,
        kind,
        path_contains: Some("adAccounts".into()),
        times: 1,
    };
    sandbox.add_fault(fault(FaultKind::RateLimit));
    let (status, headers, _) = get(&client, &url, &token).await;
    assert_eq!(status, 429);
    assert!(
        headers.get("retry-after").is_none()
            && !headers.keys().any(|k| k.as_str().contains("ratelimit"))
    );
    sandbox.add_fault(fault(FaultKind::ServerError));
    assert_eq!(get(&client, &url, &token).await.0, 500);
    sandbox.add_fault(fault(FaultKind::Malformed));
    let (status, _, body) = get(&client, &url, &token).await;
    assert!(status == 200 && body.is_string());
    sandbox.add_fault(fault(FaultKind::RevokedToken));
    let (status, _, body) = get(&client, &url, &token).await;
    assert_eq!(
        (status, body["serviceErrorCode"].as_i64()),
        (401, Some(65600))
    );
    assert_eq!(body["message"], "Invalid access token");
    assert_eq!(get(&client, &url, &token).await.0, 401, "revoked for good");

    let (access, refresh) = sandbox.issue_refreshable(L);
    assert_eq!(get(&client, &url, &access).await.0, 200);
    let form = |client_id: &str| {
        format!(
            "grant_type=refresh_token&refresh_token={refresh}&client_id={client_id}&client_secret=s"
        )
    };
    let post = |body: String| {
        let request = client
            .post(format!("{base}/linkedin/oauth/v2/accessToken"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        async move { read(request.send().await.unwrap()).await }
    };
    for _ in 0..2 {
        let (status, _, body) = post(form("app")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["refresh_token"].as_str(),
            Some(refresh.as_str()),
            "LinkedIn keeps the refresh token"
        );
        assert_eq!(
            get(&client, &url, body["access_token"].as_str().unwrap())
                .await
                .0,
            200
        );
    }
    assert_eq!(
        post(format!("grant_type=refresh_token&refresh_token={refresh}"))
            .await
            .0,
        401
    );
    assert_eq!(
        post("grant_type=refresh_token&refresh_token=nope&client_id=a&client_secret=s".to_owned())
            .await
            .0,
        400
    );
}
