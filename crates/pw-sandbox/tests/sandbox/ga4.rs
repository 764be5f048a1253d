use pw_sandbox::{Fault, FaultKind, SandboxPlatform};
use serde_json::{Value, json};

use crate::{config, day, read, start};

const P: SandboxPlatform = SandboxPlatform::Ga4;

#[tokio::test]
async fn properties_are_found_through_paged_account_summaries() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(SandboxPlatform::GoogleAds);
    let mut properties = Vec::new();
    let mut page: Option<String> = None;
    loop {
        let url = match &page {
            Some(t) => format!("{base}/ga4-admin/v1beta/accountSummaries?pageSize=1&pageToken={t}"),
            None => format!("{base}/ga4-admin/v1beta/accountSummaries?pageSize=1"),
        };
        let (status, _, body) =
            read(client.get(&url).bearer_auth(&token).send().await.unwrap()).await;
        assert_eq!(status, 200, "{body}");
        for summary in body["accountSummaries"].as_array().unwrap() {
            for p in summary["propertySummaries"].as_array().unwrap() {
                properties.push(p["property"].as_str().unwrap().to_owned());
            }
        }
        match body["nextPageToken"].as_str() {
            Some(next) => page = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(properties.len(), 2);
    let (status, _, property) = read(
        client
            .get(format!("{base}/ga4-admin/v1beta/{}", properties[1]))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(property["currencyCode"], "EUR");
    assert_eq!(property["timeZone"], "Europe/Berlin");
    let (status, _, _) = read(
        client
            .get(format!("{base}/ga4-admin/v1beta/accountSummaries"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn run_report_pages_by_offset_and_adds_up_to_the_truth() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(P);
    let (from, until) = (day("2026-06-01"), day("2026-06-14"));
    let mut rows = 0_u64;
    let mut sessions = 0_i64;
    for property in ["312400000", "312401117"] {
        let mut offset = 0_u64;
        loop {
            let body = json!({
                "dateRanges": [{"startDate": from.to_string(), "endDate": until.to_string()}],
                "dimensions": [{"name": "date"}, {"name": "sessionSourceMedium"}, {"name": "deviceCategory"}],
                "metrics": [{"name": "sessions"}, {"name": "totalRevenue"}],
                "limit": "100", "offset": offset.to_string(), "returnPropertyQuota": true,
            });
            let (status, _, page) = read(
                client
                    .post(format!("{base}/ga4/v1beta/properties/{property}:runReport"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(status, 200, "{page}");
            assert_eq!(page["metricHeaders"][1]["type"], "TYPE_CURRENCY");
            assert!(page["propertyQuota"]["tokensPerDay"]["remaining"].is_u64());
            let list = page["rows"].as_array().unwrap();
            assert!(list.len() <= 7, "capped");
            for row in list {
                assert_eq!(
                    row["dimensionValues"][0]["value"].as_str().unwrap().len(),
                    8
                );
                let value: &Value = &row["metricValues"][0]["value"];
                sessions += value.as_str().unwrap().parse::<i64>().unwrap();
                rows += 1;
            }
            offset += list.len() as u64;
            if offset >= page["rowCount"].as_u64().unwrap() {
                break;
            }
        }
    }
    let truth = running.sandbox.signal_truth(P, from, until);
    assert_eq!((rows, sessions), (truth.rows, truth.volume));
}

#[tokio::test]
async fn quota_errors_name_the_quota() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(P);
    running.sandbox.add_fault(Fault {
        platform: P,
        kind: FaultKind::RateLimit,
        path_contains: None,
        times: 1,
    });
    let (status, headers, body) = read(
        client
            .post(format!("{base}/ga4/v1beta/properties/312400000:runReport"))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 429);
    assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");
    assert_eq!(
        body["error"]["message"],
        "Exhausted concurrent requests quota."
    );
    assert_eq!(headers["retry-after"], "1");
    let (status, _, body) = read(
        client
            .post(format!("{base}/ga4/v1beta/properties/312400000:runReport"))
            .bearer_auth(&token)
            .json(
                &json!({"dateRanges": [{"startDate": "2026-06-01", "endDate": "2026-06-02"}],
                "metrics": [{"name": "bounces"}]}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
}
