use std::collections::HashSet;

use pw_sandbox::{Fault, FaultKind, Level, SandboxPlatform};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{Sums, config, day, enc, read, start};

struct Google {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Google {
    async fn customers(&self) -> Vec<String> {
        let (status, _, body) = read(
            self.client
                .get(format!(
                    "{}/google-ads/v18/customers:listAccessibleCustomers",
                    self.base
                ))
                .bearer_auth(&self.token)
                .header("developer-token", "dev")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        body["resourceNames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                n.as_str()
                    .unwrap()
                    .trim_start_matches("customers/")
                    .to_owned()
            })
            .collect()
    }

    async fn post(&self, customer: &str, method: &str, body: Value) -> (u16, Value) {
        let (status, _, body) = read(
            self.client
                .post(format!(
                    "{}/google-ads/v18/customers/{customer}/googleAds:{method}",
                    self.base
                ))
                .bearer_auth(&self.token)
                .header("developer-token", "dev")
                .header("login-customer-id", customer)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        (status, body)
    }

    /// Every row of a query through `search`, following `nextPageToken`.
    async fn search(&self, customer: &str, query: &str) -> (Vec<Value>, u32) {
        let mut rows = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut body = json!({ "query": query });
            if let Some(token) = &token {
                body["pageToken"] = json!(token);
            }
            let (status, page) = self.post(customer, "search", body).await;
            assert_eq!(status, 200, "{page}");
            pages += 1;
            let results = page["results"].as_array().cloned().unwrap_or_default();
            assert!(results.len() <= 7);
            rows.extend(results);
            match page["nextPageToken"].as_str() {
                Some(next) => token = Some(next.to_owned()),
                None => return (rows, pages),
            }
        }
    }

    async fn stream(&self, customer: &str, query: &str) -> Vec<Value> {
        let (status, batches) = self
            .post(customer, "searchStream", json!({ "query": query }))
            .await;
        assert_eq!(status, 200, "{batches}");
        let batches = batches.as_array().unwrap();
        assert!(
            batches
                .iter()
                .all(|b| b["fieldMask"].is_string() && b["requestId"].is_string())
        );
        batches
            .iter()
            .flat_map(|b| b["results"].as_array().cloned().unwrap_or_default())
            .collect()
    }
}

fn sums(rows: &[Value]) -> Sums {
    let mut sums = Sums::default();
    for row in rows {
        let metrics = &row["metrics"];
        let int = |key: &str| {
            metrics[key]
                .as_str()
                .map_or(0, |v| v.parse::<i64>().unwrap())
        };
        sums.rows += 1;
        sums.impressions += int("impressions");
        sums.clicks += int("clicks");
        sums.spend_micros += int("costMicros");
        sums.conversions += metrics["conversions"].as_f64().unwrap_or(0.0);
    }
    sums
}

async fn google() -> (pw_sandbox::RunningSandbox, Google) {
    let (running, client) = start(config()).await;
    let token = running.sandbox.issue_token(SandboxPlatform::GoogleAds);
    let base = running.base_url.clone();
    (
        running,
        Google {
            client,
            base,
            token,
        },
    )
}

#[tokio::test]
async fn campaigns_page_to_the_end_with_distinct_complete_ids() {
    let (_running, google) = google().await;
    let customers = google.customers().await;
    assert_eq!(customers.len(), 2);
    assert!(customers.iter().all(|c| c.len() == 10));
    let mut seen = HashSet::new();
    for customer in &customers {
        let (rows, pages) = google
            .search(customer, "SELECT campaign.id, campaign.name, campaign.status, campaign.advertising_channel_type, campaign_budget.amount_micros FROM campaign WHERE campaign.status != 'REMOVED' ORDER BY campaign.id")
            .await;
        assert_eq!((rows.len(), pages), (10, 2));
        for row in &rows {
            let campaign = &row["campaign"];
            assert!(
                campaign["resourceName"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("customers/{customer}/campaigns/"))
            );
            assert!(campaign["advertisingChannelType"].is_string());
            assert!(row["campaignBudget"]["amountMicros"].is_string());
            assert!(seen.insert(campaign["id"].as_str().unwrap().to_owned()));
        }
        assert_eq!(
            rows.iter()
                .filter(|r| r["campaign"]["status"] == "PAUSED")
                .count(),
            1
        );
        let (status, customer_rows) = google.post(customer, "search", json!({ "query": "SELECT customer.id, customer.descriptive_name, customer.currency_code, customer.time_zone, customer.manager FROM customer" })).await;
        assert_eq!(status, 200);
        let row = &customer_rows["results"][0]["customer"];
        assert!(
            row.get("manager").is_none(),
            "false is a default and omitted"
        );
        assert!(row["timeZone"].is_string());
        let ads = google.stream(customer, "SELECT ad_group_ad.ad.id, ad_group_ad.ad.final_urls, ad_group_ad.ad.responsive_search_ad.headlines, ad_group.id FROM ad_group_ad").await;
        assert_eq!(ads.len(), 40);
        assert!(
            ads[0]["adGroupAd"]["ad"]["responsiveSearchAd"]["headlines"][0]["text"].is_string()
        );
        assert!(ads[0]["adGroup"]["id"].is_string());
    }
    assert_eq!(seen.len(), 20);
    // Resuming by primary key, as core streams do.
    let (rows, _) = google.search(&customers[0], "SELECT ad_group.id, ad_group.campaign FROM ad_group WHERE ad_group.id > 150000000005 ORDER BY ad_group.id").await;
    assert_eq!(rows.len(), 14);
}

#[tokio::test]
async fn daily_reports_sum_to_the_truth_and_levels_agree() {
    let (running, google) = google().await;
    let (from, until) = ("2026-05-25", "2026-06-14");
    let mut ad_stream = Sums::default();
    let mut ad_search = Sums::default();
    let mut campaign = Sums::default();
    for customer in google.customers().await {
        let query = format!(
            "SELECT ad_group_ad.ad.id, segments.date, metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions, metrics.conversions_value FROM ad_group_ad WHERE segments.date BETWEEN '{from}' AND '{until}' ORDER BY segments.date ASC"
        );
        let rows = google.stream(&customer, &query).await;
        assert!(rows.iter().all(|r| r["metrics"]["impressions"].is_string()));
        assert!(
            rows.iter().any(|r| r["metrics"]["conversions"]
                .as_f64()
                .is_some_and(|c| c.fract() != 0.0)),
            "fractional conversions"
        );
        let s = sums(&rows);
        ad_stream = Sums {
            rows: ad_stream.rows + s.rows,
            impressions: ad_stream.impressions + s.impressions,
            clicks: ad_stream.clicks + s.clicks,
            spend_micros: ad_stream.spend_micros + s.spend_micros,
            conversions: ad_stream.conversions + s.conversions,
        };
        let s = sums(&google.search(&customer, &query).await.0);
        ad_search = Sums {
            rows: ad_search.rows + s.rows,
            impressions: ad_search.impressions + s.impressions,
            clicks: ad_search.clicks + s.clicks,
            spend_micros: ad_search.spend_micros + s.spend_micros,
            conversions: ad_search.conversions + s.conversions,
        };
        let query = format!(
            "SELECT campaign.id, segments.date, metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions FROM campaign WHERE segments.date >= '{from}' AND segments.date <= '{until}'"
        );
        let s = sums(&google.stream(&customer, &query).await);
        campaign = Sums {
            rows: campaign.rows + s.rows,
            impressions: campaign.impressions + s.impressions,
            clicks: campaign.clicks + s.clicks,
            spend_micros: campaign.spend_micros + s.spend_micros,
            conversions: campaign.conversions + s.conversions,
        };
    }
    let truth = running
        .sandbox
        .truth(SandboxPlatform::GoogleAds, Level::Ad, day(from), day(until));
    ad_stream.matches(&truth);
    ad_search.matches(&truth);
    campaign.same_totals(&ad_stream);
    campaign.matches(&running.sandbox.truth(
        SandboxPlatform::GoogleAds,
        Level::Campaign,
        day(from),
        day(until),
    ));
}

#[tokio::test]
async fn gaql_errors_and_missing_developer_token() {
    let (running, google) = google().await;
    let customer = &google.customers().await[0];
    let (status, body) = google
        .post(
            customer,
            "search",
            json!({ "query": "SELECT campaign.id, campaign.colour FROM campaign" }),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    let failure = &body["error"]["details"][0];
    assert_eq!(
        failure["@type"],
        "type.googleapis.com/google.ads.googleads.v18.errors.GoogleAdsFailure"
    );
    assert_eq!(
        failure["errors"][0]["errorCode"]["queryError"],
        "UNRECOGNIZED_FIELD"
    );
    assert!(
        failure["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("campaign.colour")
    );
    let (status, _) = google
        .post(
            customer,
            "search",
            json!({ "query": "SELECT campaign.id FROM" }),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _, body) = read(
        google
            .client
            .get(format!(
                "{}/google-ads/v18/customers:listAccessibleCustomers",
                running.base_url
            ))
            .bearer_auth(&google.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        body["error"]["details"][0]["errors"][0]["errorCode"]["authenticationError"],
        "DEVELOPER_TOKEN_PARAMETER_MISSING"
    );
}

#[tokio::test]
async fn faults_fire_in_googles_form_exactly_times_then_stop() {
    let (running, google) = google().await;
    let sandbox = &running.sandbox;
    let fault = |kind, times| Fault {
        platform: SandboxPlatform::GoogleAds,
        kind,
        path_contains: Some("listAccessible".into()),
        times,
    };
    let list = || async {
        read(
            google
                .client
                .get(format!(
                    "{}/google-ads/v19/customers:listAccessibleCustomers",
                    google.base
                ))
                .bearer_auth(&google.token)
                .header("developer-token", "dev")
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    sandbox.add_fault(fault(FaultKind::RateLimit, 2));
    for _ in 0..2 {
        let (status, _, body) = list().await;
        assert_eq!(status, 429);
        assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");
        let error = &body["error"]["details"][0]["errors"][0];
        assert_eq!(
            error["errorCode"]["quotaError"],
            "RESOURCE_TEMPORARILY_EXHAUSTED"
        );
        assert_eq!(error["details"]["quotaErrorDetails"]["retryDelay"], "1s");
        assert_eq!(
            body["error"]["details"][0]["@type"],
            "type.googleapis.com/google.ads.googleads.v19.errors.GoogleAdsFailure"
        );
    }
    assert_eq!(list().await.0, 200);
    sandbox.add_fault(fault(FaultKind::ServerError, 1));
    let (status, _, body) = list().await;
    assert_eq!(
        (status, body["error"]["status"].as_str()),
        (500, Some("INTERNAL"))
    );
    assert_eq!(list().await.0, 200);
    sandbox.add_fault(fault(FaultKind::ExpiredToken, 1));
    let (status, _, body) = list().await;
    assert_eq!(
        (status, body["error"]["status"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );
    assert_eq!(list().await.0, 200);
    sandbox.add_fault(fault(FaultKind::Malformed, 1));
    let (status, _, body) = list().await;
    assert!(status == 200 && body.is_string());
    assert_eq!(list().await.0, 200);
    sandbox.add_fault(fault(FaultKind::RevokedToken, 1));
    assert_eq!(list().await.0, 401);
    assert_eq!(list().await.0, 401, "revoked stays revoked");
}

fn verifier_and_challenge() -> (String, String) {
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned();
    let digest = Sha256::digest(verifier.as_bytes());
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut challenge = String::new();
    for chunk in digest.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            challenge.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    (verifier, challenge)
}

async fn authorize(
    client: &reqwest::Client,
    base: &str,
    challenge: &str,
    redirect: &str,
) -> (u16, Option<String>) {
    let url = format!(
        "{base}/google-oauth/o/oauth2/v2/auth?client_id=app.apps.googleusercontent.com&redirect_uri={}&response_type=code&scope={}&code_challenge={challenge}&code_challenge_method=S256&state=st%2F1&access_type=offline&prompt=consent",
        enc(redirect),
        enc("https://www.googleapis.com/auth/adwords")
    );
    let response = client.get(url).send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (response.status().as_u16(), location)
}

async fn token(client: &reqwest::Client, base: &str, form: &str) -> (u16, Value) {
    let (status, _, body) = read(
        client
            .post(format!("{base}/google-oauth/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_owned())
            .send()
            .await
            .unwrap(),
    )
    .await;
    (status, body)
}

#[tokio::test]
async fn google_oauth_pkce_happy_path_wrong_verifier_and_revocation() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let (verifier, challenge) = verifier_and_challenge();
    let redirect = "http://127.0.0.1:53682/callback";
    assert_eq!(
        authorize(&client, base, &challenge, "http://localhost:53682")
            .await
            .0,
        400
    );
    let (status, location) = authorize(&client, base, &challenge, redirect).await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert!(location.starts_with("http://127.0.0.1:53682/callback?code="));
    assert!(location.contains("&state=st%2F1"));
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let exchange = |verifier: &str, code: &str| {
        format!(
            "grant_type=authorization_code&code={code}&client_id=app.apps.googleusercontent.com&client_secret=s&redirect_uri={}&code_verifier={verifier}",
            enc(redirect)
        )
    };

    let (status, body) = token(&client, base, &exchange(&verifier, &code)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["token_type"], "Bearer");
    let access = body["access_token"].as_str().unwrap().to_owned();
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let (status, body) = token(&client, base, &exchange(&verifier, &code)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "codes are single-use"
    );

    let (_, location) = authorize(&client, base, &challenge, redirect).await;
    let code = location
        .unwrap()
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let (status, body) = token(
        &client,
        base,
        &exchange("wrong-verifier-wrong-verifier-wrong-verifier", &code),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let google = Google {
        client: client.clone(),
        base: base.clone(),
        token: access,
    };
    assert_eq!(google.customers().await.len(), 2);
    let refresh_form = format!(
        "grant_type=refresh_token&refresh_token={}&client_id=app.apps.googleusercontent.com&client_secret=s",
        enc(&refresh)
    );
    let (status, body) = token(&client, base, &refresh_form).await;
    assert_eq!(status, 200);
    assert!(body.get("refresh_token").is_none());
    let google = Google {
        token: body["access_token"].as_str().unwrap().to_owned(),
        ..google
    };
    assert_eq!(google.customers().await.len(), 2);

    running.sandbox.add_fault(Fault {
        platform: SandboxPlatform::GoogleAds,
        kind: FaultKind::RevokedToken,
        path_contains: None,
        times: 1,
    });
    let (status, _, _) = read(
        client
            .get(format!(
                "{base}/google-ads/v18/customers:listAccessibleCustomers"
            ))
            .bearer_auth(&google.token)
            .header("developer-token", "d")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = token(&client, base, &refresh_form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        body["error_description"],
        "Token has been expired or revoked."
    );
}
