use std::collections::HashSet;

use pw_sandbox::{Fault, FaultKind, Level, SandboxPlatform};
use serde_json::{Value, json};

use crate::{Sums, config, day, read, start};

const P: SandboxPlatform = SandboxPlatform::Dv360;

async fn get(client: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let (status, _, body) = read(client.get(url).bearer_auth(token).send().await.unwrap()).await;
    (status, body)
}

/// Every item of a `pageToken`-paged list.
async fn items(client: &reqwest::Client, url: &str, key: &str, token: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut page = String::new();
    let joiner = if url.contains('?') { '&' } else { '?' };
    loop {
        let (status, body) = get(client, &format!("{url}{joiner}pageSize=100{page}"), token).await;
        assert_eq!(status, 200, "{body}");
        let list = body[key].as_array().cloned().unwrap_or_default();
        assert!(list.len() <= 7, "capped");
        rows.extend(list);
        match body["nextPageToken"].as_str() {
            Some(next) => page = format!("&pageToken={next}"),
            None => return rows,
        }
    }
}

#[tokio::test]
async fn advertisers_and_their_entities_page_to_the_end() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(P);
    let partners = items(
        &client,
        &format!("{base}/dv360/v4/partners"),
        "partners",
        &token,
    )
    .await;
    let partner = partners[0]["partnerId"].as_str().unwrap();
    let advertisers = items(
        &client,
        &format!("{base}/dv360/v4/advertisers?partnerId={partner}"),
        "advertisers",
        &token,
    )
    .await;
    assert_eq!(advertisers.len(), 2);
    assert_eq!(advertisers[1]["generalConfig"]["currencyCode"], "EUR");
    let id = advertisers[0]["advertiserId"].as_str().unwrap();
    let campaigns = items(
        &client,
        &format!("{base}/dv360/v4/advertisers/{id}/campaigns"),
        "campaigns",
        &token,
    )
    .await;
    assert_eq!(campaigns.len(), 10);
    let campaign_ids: HashSet<&str> = campaigns
        .iter()
        .map(|c| c["campaignId"].as_str().unwrap())
        .collect();
    let lines = items(
        &client,
        &format!("{base}/dv360/v4/advertisers/{id}/lineItems"),
        "lineItems",
        &token,
    )
    .await;
    assert_eq!(lines.len(), 20);
    assert!(
        lines
            .iter()
            .all(|l| campaign_ids.contains(l["campaignId"].as_str().unwrap()))
    );
    let orders = items(
        &client,
        &format!("{base}/dv360/v4/advertisers/{id}/insertionOrders"),
        "insertionOrders",
        &token,
    )
    .await;
    assert_eq!(orders.len(), 10);
    let creatives = items(
        &client,
        &format!("{base}/dv360/v4/advertisers/{id}/creatives"),
        "creatives",
        &token,
    )
    .await;
    assert_eq!(creatives.len(), 40);
    assert_eq!(
        get(
            &client,
            &format!("{base}/dv360/v4/advertisers/1/campaigns"),
            &token
        )
        .await
        .0,
        403
    );
}

async fn report_csv(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    advertiser: &str,
    groups: &[&str],
) -> (String, Value) {
    let query = json!({
        "metadata": {"title": "t", "format": "CSV", "dataRange": {"range": "CUSTOM_DATES",
            "customStartDate": {"year": 2026, "month": 6, "day": 1}, "customEndDate": {"year": 2026, "month": 6, "day": 14}}},
        "params": {"type": "STANDARD", "groupBys": groups,
            "filters": [{"type": "FILTER_ADVERTISER", "value": advertiser}],
            "metrics": ["METRIC_IMPRESSIONS", "METRIC_CLICKS", "METRIC_MEDIA_COST_ADVERTISER", "METRIC_TOTAL_CONVERSIONS"]},
        "schedule": {"frequency": "ONE_TIME"},
    });
    let (status, _, created) = read(
        client
            .post(format!("{base}/bidmanager/v2/queries"))
            .bearer_auth(token)
            .json(&query)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let query_id = created["queryId"].as_str().unwrap().to_owned();
    let (status, _, run) = read(
        client
            .post(format!("{base}/bidmanager/v2/queries/{query_id}:run"))
            .bearer_auth(token)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{run}");
    let report_id = run["key"]["reportId"].as_str().unwrap().to_owned();
    let mut states = Vec::new();
    loop {
        let (status, report) = get(
            client,
            &format!("{base}/bidmanager/v2/queries/{query_id}/reports/{report_id}"),
            token,
        )
        .await;
        assert_eq!(status, 200);
        let state = report["metadata"]["status"]["state"]
            .as_str()
            .unwrap()
            .to_owned();
        states.push(state.clone());
        if state != "QUEUED" && state != "RUNNING" {
            if state != "DONE" {
                return (String::new(), report);
            }
            let url = report["metadata"]["googleCloudStoragePath"]
                .as_str()
                .unwrap();
            // The signed URL refuses a bearer token as well.
            assert_eq!(
                client
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .status(),
                400
            );
            let text = client.get(url).send().await.unwrap().text().await.unwrap();
            assert_eq!(states, ["QUEUED", "RUNNING", "DONE"]);
            return (text, report);
        }
    }
}

#[tokio::test]
async fn reports_run_to_a_csv_that_adds_up_to_the_truth() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(SandboxPlatform::GoogleAds);
    for (level, groups, id_column) in [
        (
            Level::Account,
            vec!["FILTER_DATE", "FILTER_ADVERTISER"],
            "Advertiser ID",
        ),
        (
            Level::Campaign,
            vec!["FILTER_DATE", "FILTER_ADVERTISER", "FILTER_MEDIA_PLAN"],
            "Campaign ID",
        ),
        (
            Level::AdGroup,
            vec![
                "FILTER_DATE",
                "FILTER_ADVERTISER",
                "FILTER_MEDIA_PLAN",
                "FILTER_LINE_ITEM",
            ],
            "Line Item ID",
        ),
    ] {
        let mut sums = Sums::default();
        for advertiser in ["4300000", "4301009"] {
            let (csv, _) = report_csv(&client, base, &token, advertiser, &groups).await;
            let mut lines = csv.lines();
            let header: Vec<&str> = lines.next().unwrap().split(',').collect();
            assert!(header.contains(&id_column), "{header:?}");
            for line in lines.by_ref() {
                if line.starts_with(',') {
                    break;
                }
                // Names are quoted; the figures are the last four fields.
                let fields: Vec<&str> = line.rsplitn(5, ',').collect();
                assert!(line.starts_with("2026/06/"), "{line}");
                sums.rows += 1;
                sums.conversions += fields[0].parse::<f64>().unwrap();
                sums.spend_micros += crate::micros(fields[1]);
                sums.clicks += fields[2].parse::<i64>().unwrap();
                sums.impressions += fields[3].parse::<i64>().unwrap();
            }
            assert_eq!(lines.next(), Some(""), "a blank line before the summary");
            assert!(lines.next().unwrap().starts_with("Report Time:"));
        }
        sums.matches(
            &running
                .sandbox
                .truth(P, level, day("2026-06-01"), day("2026-06-14")),
        );
    }
}

#[tokio::test]
async fn a_failed_run_reports_failed() {
    let (running, client) = start(config()).await;
    let token = running.sandbox.issue_token(P);
    running.sandbox.add_fault(Fault {
        platform: P,
        kind: FaultKind::ServerError,
        path_contains: Some(":run".into()),
        times: 1,
    });
    let (csv, report) = report_csv(
        &client,
        &running.base_url,
        &token,
        "4300000",
        &["FILTER_DATE", "FILTER_ADVERTISER"],
    )
    .await;
    assert!(csv.is_empty());
    assert_eq!(report["metadata"]["status"]["state"], "FAILED");
    assert!(report.get("sandboxFails").is_none());
}
