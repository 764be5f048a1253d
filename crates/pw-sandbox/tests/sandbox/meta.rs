use std::collections::HashSet;
use std::time::Instant;

use chrono::Duration;
use pw_sandbox::{Fault, FaultKind, Level, SandboxPlatform};
use serde_json::Value;

use crate::{Sums, config, day, enc, micros, read, start, today};

/// Follows Graph paging from `url` to the end, returning every row.
async fn all_pages(client: &reqwest::Client, url: String) -> (Vec<Value>, u32) {
    let mut rows = Vec::new();
    let mut next = Some(url);
    let mut pages = 0;
    while let Some(url) = next {
        let (status, _, body) = read(client.get(&url).send().await.unwrap()).await;
        assert_eq!(status, 200, "{body}");
        let data = body["data"].as_array().unwrap();
        assert!(data.len() <= 7, "page cap holds");
        rows.extend(data.iter().cloned());
        next = body["paging"]["next"].as_str().map(str::to_owned);
        pages += 1;
    }
    (rows, pages)
}

async fn accounts(client: &reqwest::Client, base: &str, token: &str) -> Vec<String> {
    let url = format!(
        "{base}/meta/v21.0/me/adaccounts?access_token={token}&fields=id,account_id,name,currency,timezone_name,timezone_offset_hours_utc,account_status"
    );
    let (rows, _) = all_pages(client, url).await;
    assert_eq!(rows[0]["currency"], "USD");
    assert_eq!(rows[0]["timezone_name"], "America/Los_Angeles");
    assert!(rows[0]["timezone_offset_hours_utc"].as_f64().unwrap() < 0.0);
    assert_eq!(rows[1]["currency"], "EUR");
    assert_eq!(rows[1]["timezone_name"], "Europe/Berlin");
    rows.iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn insight_sums(rows: &[Value]) -> Sums {
    let mut sums = Sums::default();
    for row in rows {
        sums.rows += 1;
        sums.impressions += row["impressions"].as_str().unwrap().parse::<i64>().unwrap();
        sums.clicks += row["clicks"].as_str().unwrap().parse::<i64>().unwrap();
        sums.spend_micros += micros(row["spend"].as_str().unwrap());
        if let Some(actions) = row["actions"].as_array() {
            let purchase = actions
                .iter()
                .find(|a| a["action_type"] == "offsite_conversion.fb_pixel_purchase")
                .unwrap();
            sums.conversions += purchase["value"].as_str().unwrap().parse::<f64>().unwrap();
        }
    }
    sums
}

async fn insights(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    level: &str,
    since: &str,
    until: &str,
) -> Vec<Value> {
    let mut rows = Vec::new();
    for account in accounts(client, base, token).await {
        let range = enc(&format!(r#"{{"since":"{since}","until":"{until}"}}"#));
        let url = format!(
            "{base}/meta/v21.0/{account}/insights?access_token={token}&level={level}&time_increment=1&time_range={range}&fields=campaign_id,campaign_name,adset_id,ad_id,impressions,clicks,spend,actions,action_values,reach&limit=500"
        );
        rows.extend(all_pages(client, url).await.0);
    }
    rows
}

#[tokio::test]
async fn campaigns_page_to_the_end_with_distinct_complete_ids() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(SandboxPlatform::Meta);
    let mut seen = HashSet::new();
    for account in accounts(&client, base, &token).await {
        let url = format!(
            "{base}/meta/v21.0/{account}/campaigns?access_token={token}&limit=100&fields=id,account_id,name,objective,status,effective_status,created_time,updated_time"
        );
        let (rows, pages) = all_pages(&client, url).await;
        assert_eq!(rows.len(), 10);
        assert_eq!(pages, 2, "7 + 3 rows");
        for row in &rows {
            assert!(seen.insert(row["id"].as_str().unwrap().to_owned()));
            assert!(row["objective"].as_str().unwrap().starts_with("OUTCOME_"));
            // Meta's offset without a colon.
            let time = row["updated_time"].as_str().unwrap();
            assert!(
                time.ends_with("-0700")
                    || time.ends_with("+0200")
                    || time.ends_with("+0100")
                    || time.ends_with("-0800"),
                "{time}"
            );
            assert!(row.get("buying_type").is_none(), "only requested fields");
        }
        assert_eq!(rows.iter().filter(|r| r["status"] == "PAUSED").count(), 1);
        // Ad sets carry targeting, ads their creative.
        let url = format!(
            "{base}/meta/v21.0/{account}/adsets?access_token={token}&fields=id,campaign_id,daily_budget,targeting,status,effective_status"
        );
        let (sets, _) = all_pages(&client, url).await;
        assert_eq!(sets.len(), 20);
        assert!(sets[0]["targeting"]["age_min"].is_u64());
        assert!(
            sets[0]["daily_budget"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .is_ok()
        );
        let url = format!(
            "{base}/meta/v21.0/{account}/ads?access_token={token}&fields=id,adset_id,campaign_id,creative"
        );
        assert_eq!(all_pages(&client, url).await.0.len(), 40);
    }
    assert_eq!(seen.len(), 20);
    // One object by id.
    let id = seen.iter().next().unwrap();
    let (status, _, body) = read(
        client
            .get(format!(
                "{base}/meta/v21.0/{id}?access_token={token}&fields=id,name"
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["id"].as_str()), (200, Some(id.as_str())));
    assert!(body["name"].is_string() && body.get("status").is_none());
    let (status, _, body) = read(
        client
            .get(format!("{base}/meta/v21.0/99?access_token={token}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["error_subcode"].as_u64()),
        (400, Some(33))
    );
    // Server-side filtering on updated_time.
    let filter =
        enc(r#"[{"field":"campaign.updated_time","operator":"GREATER_THAN","value":4102444800}]"#);
    let url = format!(
        "{base}/meta/v21.0/act_148200000000000/campaigns?access_token={token}&filtering={filter}"
    );
    let (status, _, body) = read(client.get(url).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn ad_insights_sum_to_the_truth_and_levels_agree() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(SandboxPlatform::Meta);
    let ads = insights(&client, base, &token, "ad", "2026-05-20", "2026-06-20").await;
    let truth = running.sandbox.truth(
        SandboxPlatform::Meta,
        Level::Ad,
        day("2026-05-20"),
        day("2026-06-20"),
    );
    assert!(truth.rows > 500);
    let ad_sums = insight_sums(&ads);
    ad_sums.matches(&truth);
    assert!(
        ads.iter().all(|r| r["date_start"] == r["date_stop"]
            && r["date_start"].as_str().unwrap() < "2026-06-15")
    );
    let campaigns = insights(
        &client,
        base,
        &token,
        "campaign",
        "2026-05-20",
        "2026-06-20",
    )
    .await;
    let campaign_sums = insight_sums(&campaigns);
    campaign_sums.same_totals(&ad_sums);
    campaign_sums.matches(&running.sandbox.truth(
        SandboxPlatform::Meta,
        Level::Campaign,
        day("2026-05-20"),
        day("2026-06-20"),
    ));
}

#[tokio::test]
async fn async_insights_job_runs_completes_and_pages() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(SandboxPlatform::Meta);
    let account = &accounts(&client, base, &token).await[0];
    let form = format!(
        "access_token={token}&level=campaign&time_increment=1&time_range={}&fields=campaign_id,impressions,clicks,spend,actions",
        enc(r#"{"since":"2026-06-01","until":"2026-06-10"}"#)
    );
    let post = |body: String| {
        client
            .post(format!("{base}/meta/v21.0/{account}/insights"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let (status, _, body) = read(post(form.clone()).await.unwrap()).await;
    assert_eq!(status, 200);
    let run = body["report_run_id"].as_str().unwrap().to_owned();
    let poll = format!("{base}/meta/v21.0/{run}?access_token={token}");
    let (_, _, first) = read(client.get(&poll).send().await.unwrap()).await;
    assert_eq!(first["async_status"], "Job Running");
    assert_eq!(first["async_percent_completion"], 50);
    let (_, _, second) = read(client.get(&poll).send().await.unwrap()).await;
    assert_eq!(second["async_status"], "Job Completed");
    assert_eq!(second["async_percent_completion"], 100);
    let (rows, pages) = all_pages(
        &client,
        format!("{base}/meta/v21.0/{run}/insights?access_token={token}&limit=100"),
    )
    .await;
    assert!(pages > 1);
    let sums = insight_sums(&rows);
    let truth = running.sandbox.truth(
        SandboxPlatform::Meta,
        Level::Campaign,
        day("2026-06-01"),
        day("2026-06-10"),
    );
    // The truth spans both accounts; this job read one, so compare with its own sync read.
    let range = enc(r#"{"since":"2026-06-01","until":"2026-06-10"}"#);
    let (sync, _) = all_pages(&client, format!("{base}/meta/v21.0/{account}/insights?access_token={token}&level=campaign&time_increment=1&time_range={range}")).await;
    assert_eq!(sums, insight_sums(&sync));
    assert!(sums.impressions < truth.impressions);

    running.sandbox.add_fault(Fault {
        platform: SandboxPlatform::Meta,
        kind: FaultKind::ServerError,
        path_contains: Some("insights".into()),
        times: 1,
    });
    let (status, _, body) = read(post(form).await.unwrap()).await;
    assert_eq!(status, 200, "the job is created");
    let run = body["report_run_id"].as_str().unwrap();
    let (_, _, status_body) = read(
        client
            .get(format!("{base}/meta/v21.0/{run}?access_token={token}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status_body["async_status"], "Job Failed");
}

#[tokio::test]
async fn faults_fire_in_metas_form_exactly_times_then_stop() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let sandbox = &running.sandbox;
    let token = sandbox.issue_token(SandboxPlatform::Meta);
    let url = format!("{base}/meta/v21.0/me/adaccounts?access_token={token}");
    let get = || async { read(client.get(&url).send().await.unwrap()).await };
    let fault = |kind, times| Fault {
        platform: SandboxPlatform::Meta,
        kind,
        path_contains: Some("adaccounts".into()),
        times,
    };

    sandbox.add_fault(fault(FaultKind::RateLimit, 2));
    for _ in 0..2 {
        let (status, headers, body) = get().await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["code"], 80000);
        assert_eq!(body["error"]["error_subcode"], 2446079);
        let usage: Value =
            serde_json::from_str(headers["x-business-use-case-usage"].to_str().unwrap()).unwrap();
        let entry = &usage.as_object().unwrap().values().next().unwrap()[0];
        assert_eq!(entry["call_count"], 100);
        assert_eq!(entry["estimated_time_to_regain_access"], 0);
    }
    assert_eq!(get().await.0, 200);

    sandbox.add_fault(fault(FaultKind::ServerError, 1));
    let (status, _, body) = get().await;
    assert_eq!(status, 500);
    assert_eq!(body["error"]["is_transient"], true);
    assert_eq!(get().await.0, 200);

    sandbox.add_fault(fault(FaultKind::ExpiredToken, 1));
    let (status, _, body) = get().await;
    assert_eq!(
        (
            status,
            body["error"]["code"].as_u64(),
            body["error"]["error_subcode"].as_u64()
        ),
        (400, Some(190), Some(463))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Session has expired")
    );
    assert_eq!(get().await.0, 200);

    sandbox.add_fault(fault(FaultKind::Malformed, 1));
    let (status, _, body) = get().await;
    assert_eq!(status, 200);
    assert!(body.is_string(), "the body does not parse: {body}");
    assert_eq!(get().await.0, 200);

    sandbox.add_fault(fault(FaultKind::Timeout, 1));
    let started = Instant::now();
    let (status, _, _) = get().await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));

    sandbox.add_fault(fault(FaultKind::RevokedToken, 1));
    for _ in 0..3 {
        let (status, _, body) = get().await;
        assert_eq!(
            (
                status,
                body["error"]["code"].as_u64(),
                body["error"]["error_subcode"].as_u64()
            ),
            (400, Some(190), Some(460))
        );
    }
    let fresh = sandbox.issue_token(SandboxPlatform::Meta);
    let (status, _, _) = read(
        client
            .get(format!(
                "{base}/meta/v21.0/me/adaccounts?access_token={fresh}"
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);

    // Unknown token, and the bearer form.
    let (status, _, body) = read(
        client
            .get(format!("{base}/meta/v21.0/me/adaccounts?access_token=nope"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["error"]["code"].as_u64()), (400, Some(190)));
    assert_eq!(
        body["error"]["message"],
        "Invalid OAuth access token - Cannot parse access token"
    );
    let (status, _, _) = read(
        client
            .get(format!("{base}/meta/v22.0/me/adaccounts"))
            .bearer_auth(&fresh)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(sandbox.request_count("/meta/v21.0/me/adaccounts") >= 14);

    // Long-lived exchange.
    let (status, _, body) = read(client.get(format!("{base}/meta/v21.0/oauth/access_token?grant_type=fb_exchange_token&client_id=1&client_secret=s&fb_exchange_token={fresh}")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body["expires_in"], 5_183_944);
    assert_eq!(body["token_type"], "bearer");
}

#[tokio::test]
async fn revise_renames_one_campaign_per_account_and_restates_the_last_week_only() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let sandbox = &running.sandbox;
    let token = sandbox.issue_token(SandboxPlatform::Meta);
    let names = |rows: &[Value]| {
        rows.iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    (r["name"].clone(), r["updated_time"].clone()),
                )
            })
            .collect::<std::collections::HashMap<_, _>>()
    };
    let mut before = std::collections::HashMap::new();
    for account in accounts(&client, base, &token).await {
        let url = format!(
            "{base}/meta/v21.0/{account}/campaigns?access_token={token}&fields=id,name,updated_time"
        );
        before.extend(names(&all_pages(&client, url).await.0));
    }
    let last_week = (today() - Duration::days(7), today() - Duration::days(1));
    let older = (today() - Duration::days(40), today() - Duration::days(8));
    let truth = |range: (chrono::NaiveDate, chrono::NaiveDate)| {
        sandbox.truth(SandboxPlatform::Meta, Level::Ad, range.0, range.1)
    };
    let (week_before, older_before) = (truth(last_week), truth(older));
    sandbox.revise();
    let mut after = std::collections::HashMap::new();
    for account in accounts(&client, base, &token).await {
        let url = format!(
            "{base}/meta/v21.0/{account}/campaigns?access_token={token}&fields=id,name,updated_time"
        );
        after.extend(names(&all_pages(&client, url).await.0));
    }
    let changed: Vec<_> = before
        .keys()
        .filter(|id| before[*id] != after[*id])
        .collect();
    assert_eq!(changed.len(), 2, "one campaign per account");
    for id in changed {
        assert_ne!(before[id].0, after[id].0);
        assert_ne!(before[id].1, after[id].1);
    }
    assert_ne!(truth(last_week), week_before);
    assert_eq!(truth(older), older_before);
    let rows = insights(
        &client,
        base,
        &token,
        "ad",
        &last_week.0.to_string(),
        &last_week.1.to_string(),
    )
    .await;
    insight_sums(&rows).matches(&truth(last_week));
}
