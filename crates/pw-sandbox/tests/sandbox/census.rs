//! The Census API fake: the shape of S0101 and B15003 as api.census.gov answers them, keys,
//! unknown variables and faults.

use pw_sandbox::{Fault, FaultKind, SandboxPlatform};
use serde_json::Value;

use crate::{config, read, start};

fn rows(body: &Value) -> Vec<Vec<Value>> {
    serde_json::from_value(body.clone()).unwrap()
}

fn number(rows: &[Vec<Value>], row: usize, column: &str) -> f64 {
    let index = rows[0].iter().position(|h| h == column).unwrap();
    rows[row][index].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn s0101_by_state_and_for_the_nation_hold_together() {
    let (running, client) = start(config()).await;
    let key = running.sandbox.issue_token(SandboxPlatform::Census);
    let url = |geo: &str| {
        format!(
            "{}/census/data/2025/acs/acs1/subject?get=group(S0101)&for={geo}&key={key}",
            running.base_url
        )
    };
    let (status, _, body) = read(client.get(url("state:*")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let states = rows(&body);
    // A header, 50 states, DC and Puerto Rico; GEO_ID and NAME first, the state code last.
    assert_eq!(states.len(), 53);
    assert_eq!(states[0].len(), 2 + 6 * 38 * 4 + 1);
    assert_eq!(states[0][..3], ["GEO_ID", "NAME", "S0101_C01_001E"]);
    assert_eq!(states[0].last().unwrap(), "state");
    assert_eq!(states[1][1], "Alabama");
    assert_eq!(states[1].last().unwrap(), "01");
    assert!(states.iter().all(|r| r.len() == states[0].len()));
    // Male plus female is the total; the bands 25-29 .. 60-64 sum with 18-24 and 65+ to 18+.
    let total = number(&states, 5, "S0101_C01_001E");
    let male = number(&states, 5, "S0101_C03_001E");
    let female = number(&states, 5, "S0101_C05_001E");
    assert_eq!(total, male + female);
    let adults: f64 = [23, 7, 8, 9, 10, 11, 12, 13, 14, 30]
        .iter()
        .map(|row| number(&states, 5, &format!("S0101_C03_{row:03}E")))
        .sum();
    assert_eq!(adults, number(&states, 5, "S0101_C03_026E"));

    let (status, _, body) = read(client.get(url("us:1")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let nation = rows(&body);
    assert_eq!(nation.len(), 2);
    assert_eq!(nation[0].last().unwrap(), "us");
    assert_eq!(nation[1][1], "United States");
    let summed: f64 = (1..52).map(|r| number(&states, r, "S0101_C01_001E")).sum();
    assert_eq!(
        number(&nation, 1, "S0101_C01_001E"),
        summed,
        "Puerto Rico left out"
    );
}

#[tokio::test]
async fn b15003_names_its_25_variables_and_they_sum_to_the_total() {
    let (running, client) = start(config()).await;
    let key = running.sandbox.issue_token(SandboxPlatform::Census);
    let url = format!(
        "{}/census/data/2024/acs/acs1?get=NAME,group(B15003)&for=state:*&key={key}",
        running.base_url
    );
    let (status, _, body) = read(client.get(&url).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let table = rows(&body);
    assert_eq!(table[0][0], "NAME");
    assert_eq!(table[0].iter().filter(|h| *h == "NAME").count(), 1);
    for row in 1..table.len() {
        let parts: f64 = (2..=25)
            .map(|v| number(&table, row, &format!("B15003_{v:03}E")))
            .sum();
        assert_eq!(parts, number(&table, row, "B15003_001E"));
    }
}

#[tokio::test]
async fn keys_and_unknown_variables_fail_as_the_census_api_does() {
    let (running, client) = start(config()).await;
    let base = format!(
        "{}/census/data/2024/acs/acs1/subject?get=group(S0101)&for=state:*",
        running.base_url
    );
    let response = client.get(&base).send().await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["x-datawebapi-keyerror"], "1");
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("missing_key.html")
    );
    let response = client.get(format!("{base}&key=nope")).send().await.unwrap();
    assert_eq!(response.status(), 302);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("invalid_key.html")
    );

    let key = running.sandbox.issue_token(SandboxPlatform::Census);
    let url = format!(
        "{}/census/data/2024/acs/acs1/subject?get=group(S0101),XYZ&for=state:*&key={key}",
        running.base_url
    );
    let (status, _, body) = read(client.get(&url).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert_eq!(body, "error: unknown variable 'XYZ'");

    running.sandbox.add_fault(Fault {
        platform: SandboxPlatform::Census,
        kind: FaultKind::RateLimit,
        path_contains: None,
        times: 1,
    });
    let ok = format!("{base}&key={key}");
    assert_eq!(client.get(&ok).send().await.unwrap().status(), 429);
    assert_eq!(client.get(&ok).send().await.unwrap().status(), 200);
}
