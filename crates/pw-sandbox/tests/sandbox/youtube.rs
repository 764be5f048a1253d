use pw_sandbox::SandboxPlatform;
use serde_json::Value;

use crate::{config, day, read, start};

const P: SandboxPlatform = SandboxPlatform::Youtube;

async fn get(client: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let (status, _, body) = read(client.get(url).bearer_auth(token).send().await.unwrap()).await;
    (status, body)
}

#[tokio::test]
async fn channels_page_and_reports_add_up_to_the_truth() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(P);
    let mut channels = Vec::new();
    let mut page = String::new();
    loop {
        let (status, body) = get(
            &client,
            &format!(
                "{base}/youtube-data/youtube/v3/channels?part=snippet&mine=true&maxResults=1{page}"
            ),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        for item in body["items"].as_array().unwrap() {
            channels.push(item["id"].as_str().unwrap().to_owned());
        }
        match body["nextPageToken"].as_str() {
            Some(next) => page = format!("&pageToken={next}"),
            None => break,
        }
    }
    assert_eq!(channels.len(), 2);
    assert!(
        channels
            .iter()
            .all(|c| c.starts_with("UC") && c.len() == 24)
    );
    let (from, until) = (day("2026-06-01"), day("2026-06-14"));
    let (mut rows, mut views) = (0_u64, 0_i64);
    for channel in &channels {
        let reports = format!(
            "{base}/youtube/v2/reports?ids=channel=={channel}&startDate={from}&endDate={until}"
        );
        let (status, top) = get(
            &client,
            &format!("{reports}&metrics=views&dimensions=video&sort=-views&maxResults=200"),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{top}");
        let videos: Vec<(String, i64)> = top["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r[0].as_str().unwrap().to_owned(), r[1].as_i64().unwrap()))
            .collect();
        assert!(
            videos.windows(2).all(|w| w[0].1 >= w[1].1),
            "most viewed first"
        );
        for (video, total) in &videos {
            let (status, daily) = get(
                &client,
                &format!("{reports}&metrics=views,estimatedMinutesWatched,likes&dimensions=day&filters=video=={video}&sort=day"),
                &token,
            )
            .await;
            assert_eq!(status, 200, "{daily}");
            assert_eq!(daily["columnHeaders"][0]["name"], "day");
            let list = daily["rows"].as_array().unwrap();
            let sum: i64 = list.iter().map(|r| r[1].as_i64().unwrap()).sum();
            assert_eq!(sum, *total);
            rows += list.len() as u64;
            views += sum;
        }
    }
    let truth = running.sandbox.signal_truth(P, from, until);
    assert_eq!((rows, views), (truth.rows, truth.volume));
}

#[tokio::test]
async fn unsupported_queries_and_empty_ranges_answer_as_youtube_does() {
    let (running, client) = start(config()).await;
    let base = &running.base_url;
    let token = running.sandbox.issue_token(SandboxPlatform::GoogleAds);
    let reports = format!("{base}/youtube/v2/reports?ids=channel==MINE&metrics=views");
    let (status, body) = get(
        &client,
        &format!("{reports}&startDate=2026-06-01&endDate=2026-06-02&dimensions=day,video"),
        &token,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["errors"][0]["reason"], "badRequest");
    // Days without data: the table has headers and no `rows` key at all.
    let (status, body) = get(
        &client,
        &format!("{reports}&startDate=2027-01-01&endDate=2027-01-02&dimensions=day"),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.get("rows").is_none(), "{body}");
    let (status, _) = get(
        &client,
        &format!("{reports}&startDate=2026-06-01&endDate=2026-06-02&dimensions=day"),
        "nope",
    )
    .await;
    assert_eq!(status, 401);
}
