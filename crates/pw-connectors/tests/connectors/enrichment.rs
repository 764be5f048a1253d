//! Enrichment against the sandbox over loopback HTTP: census refreshes that write the tables
//! the surveys context reads (all or nothing), web and news searches stored as mentions with
//! their URLs (once, however often searched), and what a missing key, a bad key and a rate
//! limit do. Keys live in a throwaway keychain service per test (run under
//! `scripts/with-test-keyring`).

use std::path::Path;
use std::time::Duration;

use pw_connectors::RetryPolicy;
use pw_connectors::enrichment::{Enrichment, EnrichmentService, WebSearchKind};
use pw_domain::WorkspaceId;
use pw_sandbox::{Fault, FaultKind, RunningSandbox, Sandbox, SandboxConfig, SandboxPlatform};
use pw_secrets::{Keychain, Secret};
use pw_store::Database;
use pw_workspaces::{AdWorkspaces, CreateWorkspace};
use serde_json::Value;

struct World {
    enrichment: Enrichment,
    server: RunningSandbox,
    db: Database,
    workspace: WorkspaceId,
    dir: tempfile::TempDir,
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        rate_limit_attempts: 3,
        base_backoff: Duration::from_millis(20),
        longest_wait: Duration::from_secs(5),
        request_timeout: Duration::from_secs(5),
        poll_interval: Duration::from_millis(10),
        report_deadline: Duration::from_secs(20),
        requests_per_minute: Some(1_000_000),
    }
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("profitwheel.sqlite3"))
        .await
        .unwrap();
    let server = Sandbox::new(SandboxConfig {
        seed: 5,
        ..SandboxConfig::default()
    })
    .start(0)
    .await
    .unwrap();
    let keychain = Keychain::with_service(format!(
        "ProfitWheel-enrichment-test-{}",
        pw_domain::new_id()
    ));
    let enrichment = Enrichment::new(
        db.clone(),
        keychain,
        policy(),
        Some(server.base_url.clone()),
    )
    .unwrap();
    let workspace = AdWorkspaces::new(db.clone(), dir.path().join("exports"))
        .create(CreateWorkspace {
            name: "Enrichment brand".into(),
            brand: "Halcyon".into(),
            currency: "USD".into(),
            time_zone: "America/New_York".into(),
        })
        .await
        .unwrap()
        .workspace
        .id;
    World {
        enrichment,
        server,
        db,
        workspace,
        dir,
    }
}

impl World {
    async fn with_key(&self, service: EnrichmentService) {
        let platform = match service {
            EnrichmentService::Census => SandboxPlatform::Census,
            EnrichmentService::Serper => SandboxPlatform::Serper,
        };
        let key = self.server.sandbox.issue_token(platform);
        self.enrichment
            .set_key(service, Secret::new(key))
            .await
            .unwrap();
        assert!(self.enrichment.has_key(service).await.unwrap());
    }

    async fn mentions(&self, source: &str) -> Vec<(String, String, Value)> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT occurred_on, text, metadata FROM audience_signals
             WHERE workspace_id = ? AND kind = 'mention' AND source = ? ORDER BY text",
        )
        .bind(self.workspace.to_string())
        .bind(source)
        .fetch_all(self.db.reader())
        .await
        .unwrap();
        rows.into_iter()
            .map(|(day, text, metadata)| (day, text, serde_json::from_str(&metadata).unwrap()))
            .collect()
    }
}

fn table(path: &Path) -> Vec<Vec<Value>> {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn count(rows: &[Vec<Value>], row: usize, column: &str) -> f64 {
    let at = rows[0].iter().position(|h| h == column).unwrap();
    rows[row][at].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_census_refresh_writes_the_three_tables_in_the_shape_the_surveys_read() {
    let world = world().await;
    world.with_key(EnrichmentService::Census).await;
    let refresh = world
        .enrichment
        .refresh_census(2024, world.dir.path())
        .await
        .unwrap();
    assert_eq!(refresh.year, 2024);
    let census = world.dir.path().join("census");
    let mut names: Vec<String> = std::fs::read_dir(&census)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "acs_B15003_state_2024.json",
            "acs_S0101_national_2024.json",
            "acs_S0101_state_2024.json"
        ],
        "no partial file is left"
    );
    assert_eq!(refresh.files.len(), 3);
    assert!(refresh.files.iter().all(|f| f.path.starts_with(&census)));

    // The shape `pw_surveys::census` reads (tested on such a file in pw-surveys itself): a
    // header with the state column and the variables it sums, a row per state, DC and Puerto
    // Rico, every row as long as the header.
    let states = table(&census.join("acs_S0101_state_2024.json"));
    assert_eq!(states.len(), 53);
    assert!(states.iter().all(|r| r.len() == states[0].len()));
    assert_eq!(states[0].last().unwrap(), "state");
    for sex in ["C03", "C05"] {
        for row in [7, 8, 9, 10, 11, 12, 13, 14, 23, 30] {
            assert!(states[0].contains(&Value::from(format!("S0101_{sex}_{row:03}E"))));
        }
    }
    // The states (Puerto Rico aside) add up to the nation.
    let nation = table(&census.join("acs_S0101_national_2024.json"));
    let summed: f64 = (1..states.len())
        .filter(|r| states[*r].last().unwrap() != "72")
        .map(|r| count(&states, r, "S0101_C01_026E"))
        .sum();
    assert_eq!(count(&nation, 1, "S0101_C01_026E"), summed);
    let education = table(&census.join("acs_B15003_state_2024.json"));
    assert_eq!(education.len(), 53);
    assert!(education[0].contains(&Value::from("B15003_025E")));
}

#[tokio::test]
async fn a_malformed_census_answer_writes_nothing_and_names_the_table() {
    let world = world().await;
    world.with_key(EnrichmentService::Census).await;
    // Every S0101 answer cut in half: B15003 arrives fine, but nothing may be written, and
    // an older table already there stays as it was.
    let census = world.dir.path().join("census");
    std::fs::create_dir_all(&census).unwrap();
    std::fs::write(census.join("acs_S0101_state_2023.json"), "[]").unwrap();
    world.server.sandbox.add_fault(Fault {
        platform: SandboxPlatform::Census,
        kind: FaultKind::Malformed,
        path_contains: Some("/subject".into()),
        times: 10,
    });
    let error = world
        .enrichment
        .refresh_census(2024, world.dir.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("table S0101 by state"), "{error}");
    let names: Vec<String> = std::fs::read_dir(&census)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["acs_S0101_state_2023.json"], "nothing written");
}

#[tokio::test]
async fn a_web_search_stores_mentions_with_their_urls_once() {
    let world = world().await;
    world.with_key(EnrichmentService::Serper).await;
    let first = world
        .enrichment
        .search_web(
            world.workspace,
            "halcyon roasters",
            WebSearchKind::Web,
            None,
            8,
        )
        .await
        .unwrap();
    assert_eq!(first.mentions.len(), 8);
    assert_eq!(first.new, 8);
    for mention in &first.mentions {
        assert!(mention.url.starts_with("https://"), "{}", mention.url);
        assert!(mention.publisher.is_some());
    }
    let stored = world.mentions("web").await;
    assert_eq!(stored.len(), 8);
    for (_, text, metadata) in &stored {
        assert!(text.contains(" — "), "title and snippet: {text}");
        assert!(
            metadata["permalink"]
                .as_str()
                .unwrap()
                .starts_with("https://")
        );
        assert_eq!(metadata["query"], "halcyon roasters");
        assert_eq!(metadata["provider"], "serper");
        assert!(metadata["position"].as_u64().unwrap() >= 1);
        assert!(metadata["title"].is_string() && metadata["publisher"].is_string());
    }

    let again = world
        .enrichment
        .search_web(
            world.workspace,
            "halcyon roasters",
            WebSearchKind::Web,
            None,
            8,
        )
        .await
        .unwrap();
    assert_eq!(again.new, 0);
    assert_eq!(world.mentions("web").await.len(), 8, "no duplicates");
    let ids = |r: &pw_connectors::enrichment::WebSearchResult| {
        r.mentions.iter().map(|m| m.signal_id).collect::<Vec<_>>()
    };
    assert_eq!(ids(&again), ids(&first));
}

#[tokio::test]
async fn news_results_keep_the_day_they_show() {
    let world = world().await;
    world.with_key(EnrichmentService::Serper).await;
    let today = chrono::Utc::now().date_naive();
    let news = world
        .enrichment
        .search_web(
            world.workspace,
            "cold brew brands",
            WebSearchKind::News,
            None,
            20,
        )
        .await
        .unwrap();
    assert_eq!(news.mentions.len(), 20);
    let mut dated_earlier = 0;
    for mention in &news.mentions {
        let shown = mention.shown_date.as_deref().unwrap();
        let want = pw_connectors::enrichment::parse_result_date(shown, today).unwrap();
        assert_eq!(mention.occurred_on, want, "{shown}");
        dated_earlier += usize::from(mention.occurred_on < today);
        assert!(mention.publisher.is_some());
    }
    assert!(dated_earlier > 0, "some news is older than today");
    let stored = world.mentions("news").await;
    assert_eq!(stored.len(), 20);
    assert!(stored.iter().any(|(day, _, _)| *day < today.to_string()));
}

#[tokio::test]
async fn a_missing_key_says_how_to_add_one_and_a_bad_key_says_to_replace_it() {
    let world = world().await;
    let missing = world
        .enrichment
        .search_web(world.workspace, "x", WebSearchKind::Web, None, 5)
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), "not_configured");
    assert!(
        missing
            .to_string()
            .contains("profitwheel enrich key serper"),
        "{missing}"
    );
    let missing = world
        .enrichment
        .refresh_census(2024, world.dir.path())
        .await
        .unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("profitwheel enrich key census"),
        "{missing}"
    );

    for service in [EnrichmentService::Serper, EnrichmentService::Census] {
        world
            .enrichment
            .set_key(service, Secret::new("not-a-real-key"))
            .await
            .unwrap();
    }
    let refused = world
        .enrichment
        .search_web(world.workspace, "x", WebSearchKind::Web, None, 5)
        .await
        .unwrap_err();
    assert_eq!(
        refused.kind(),
        "reconnect",
        "a refused key needs the person"
    );
    let bad = refused.to_string();
    assert!(bad.contains("no longer accepts the saved API key"), "{bad}");
    assert!(bad.contains("Unauthorized."), "{bad}");
    let bad = world
        .enrichment
        .refresh_census(2024, world.dir.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(bad.contains("Census API no longer accepts"), "{bad}");
    assert!(!world.dir.path().join("census").exists(), "nothing written");

    world
        .enrichment
        .remove_key(EnrichmentService::Serper)
        .await
        .unwrap();
    assert!(
        !world
            .enrichment
            .has_key(EnrichmentService::Serper)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_rate_limit_waits_and_asks_again_until_it_gives_up() {
    let world = world().await;
    world.with_key(EnrichmentService::Serper).await;
    world.server.sandbox.add_fault(Fault {
        platform: SandboxPlatform::Serper,
        kind: FaultKind::RateLimit,
        path_contains: None,
        times: 2,
    });
    let found = world
        .enrichment
        .search_web(world.workspace, "espresso", WebSearchKind::Web, None, 3)
        .await
        .unwrap();
    assert_eq!(found.mentions.len(), 3);
    assert_eq!(world.server.sandbox.request_count("/serper/search"), 3);

    world.server.sandbox.add_fault(Fault {
        platform: SandboxPlatform::Serper,
        kind: FaultKind::RateLimit,
        path_contains: None,
        times: 50,
    });
    let error = world
        .enrichment
        .search_web(world.workspace, "espresso", WebSearchKind::Web, None, 3)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("limiting how often"), "{error}");
}
