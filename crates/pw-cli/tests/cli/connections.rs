//! Connections, syncs and enrichment from the command line, against the sandbox over real
//! HTTP: a token on standard input, a sync whose report is JSON on stdout, the KPIs it changed,
//! web search results kept as mentions, and a connection removed with its token.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use pw_sandbox::{Sandbox, SandboxConfig, SandboxPlatform};

fn profitwheel(
    data_dir: &Path,
    keychain: &str,
    sandbox: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_profitwheel"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("PROFITWHEEL_DATA_DIR")
        .env("PROFITWHEEL_KEYCHAIN_SERVICE", keychain)
        .env("PROFITWHEEL_ENRICHMENT_API_ROOT", sandbox)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(text.lines().last().unwrap_or_default()).unwrap()
}

#[test]
fn a_platform_connects_syncs_and_searches_from_the_command_line() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = Sandbox::new(SandboxConfig {
        days: 20,
        page_size_cap: Some(50),
        ..SandboxConfig::default()
    });
    let running = runtime.block_on(sandbox.clone().start(0)).unwrap();
    let base = running.base_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let keychain = format!("ProfitWheel-cli-connections-{}", std::process::id());
    let run =
        |args: &[&str], stdin: Option<&str>| profitwheel(dir.path(), &keychain, &base, args, stdin);

    let created = run(
        &[
            "workspace",
            "create",
            "--name",
            "Client",
            "--currency",
            "USD",
            "--time-zone",
            "America/Los_Angeles",
        ],
        None,
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    // A token the platform refuses is never kept.
    let refused = run(
        &[
            "connect",
            "meta",
            "--workspace",
            "Client",
            "--token-stdin",
            "--api-root",
            &base,
        ],
        Some("not-a-token\n"),
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("no longer accepts"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(
        json(&run(&["--json", "connections", "list", "Client"], None)),
        serde_json::json!([])
    );

    let token = format!("{}\n", sandbox.issue_token(SandboxPlatform::Meta));
    let connected = json(&run(
        &[
            "--json",
            "connect",
            "meta",
            "--workspace",
            "Client",
            "--token-stdin",
            "--api-root",
            &base,
        ],
        Some(&token),
    ));
    let connection = connected["connection"]["id"].as_str().unwrap().to_owned();
    assert_eq!(connected["accounts"].as_array().unwrap().len(), 2);
    // Only the US-dollar account syncs: the picker.
    let usd: Vec<String> = connected["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["account"]["currency"] == "USD")
        .map(|a| a["account"]["external_id"].as_str().unwrap().to_owned())
        .collect();
    json(&run(
        &[
            "--json",
            "connections",
            "accounts",
            &connection,
            "--select",
            &usd.join(","),
        ],
        None,
    ));

    // Ten days are enough to see every stream work.
    let from = (chrono::Utc::now().date_naive() - chrono::Days::new(10)).to_string();
    let synced = run(&["--json", "sync", "Client", "--from", &from], None);
    let runs = json(&synced);
    let report = &runs[0]["report"];
    assert_eq!(report["status"], "succeeded", "{report:#}");
    assert!(report["records"].as_u64().unwrap() > 100, "{report:#}");
    assert!(
        String::from_utf8_lossy(&synced.stderr).contains("\"progress\""),
        "progress as JSON lines on stderr"
    );
    let kpis = json(&run(&["--json", "kpis", "Client"], None));
    assert_eq!(
        kpis["sections"].as_array().unwrap().len(),
        1,
        "one currency: one account synced"
    );
    assert!(
        kpis["sections"][0]["kpis"][0]["current"].as_i64().unwrap() > 0,
        "{kpis:#}"
    );
    let status = run(&["sync", "status", "Client"], None);
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("up to date"),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );

    // Web search results are kept as mentions, with their URLs, once.
    let key = format!("{}\n", sandbox.issue_token(SandboxPlatform::Serper));
    let saved = run(&["enrich", "key", "serper"], Some(&key));
    assert!(
        saved.status.success(),
        "{}",
        String::from_utf8_lossy(&saved.stderr)
    );
    let found = json(&run(
        &[
            "--json",
            "enrich",
            "search",
            "Client",
            "cold brew subscription",
        ],
        None,
    ));
    let found = found.as_array().unwrap();
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|m| m["url"].as_str().unwrap().starts_with("http") && m["new"] == true)
    );
    let again = json(&run(
        &[
            "--json",
            "enrich",
            "search",
            "Client",
            "cold brew subscription",
        ],
        None,
    ));
    assert!(
        again.as_array().unwrap().iter().all(|m| m["new"] == false),
        "the same results are not kept twice"
    );

    let removed = run(&["connections", "remove", &connection], None);
    assert!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
    assert_eq!(
        json(&run(&["--json", "connections", "list"], None)),
        serde_json::json!([])
    );
    runtime.block_on(running.shutdown());
}

/// The demo made by real syncs: every platform of the sandbox connected, synced over HTTP and
/// disconnected again, its data kept.
#[test]
fn the_demo_can_be_made_by_syncing_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = format!("ProfitWheel-cli-sandbox-demo-{}", std::process::id());
    let made = profitwheel(
        dir.path(),
        &keychain,
        "",
        &["--json", "demo", "--from-sandbox", "--days", "3"],
        None,
    );
    let kpis = json(&made);
    let sections = kpis["sections"].as_array().unwrap();
    assert!(!sections.is_empty(), "{kpis:#}");
    assert!(
        sections
            .iter()
            .any(|s| s["kpis"][0]["current"].as_i64().unwrap() > 0),
        "{kpis:#}"
    );
    let progress = String::from_utf8_lossy(&made.stderr);
    assert_eq!(
        progress.matches("are up to date").count(),
        9,
        "every platform's sync succeeded:\n{progress}"
    );
    for platform in [
        "Meta",
        "Google Ads",
        "TikTok",
        "Pinterest",
        "LinkedIn",
        "Snapchat",
        "DV360",
        "GA4",
        "YouTube",
    ] {
        assert!(
            progress.contains(&format!("Connecting {platform}")),
            "{platform} missing from:\n{progress}"
        );
    }
    // The sandbox lived only for the demo: no connection is left behind.
    assert_eq!(
        json(&profitwheel(
            dir.path(),
            &keychain,
            "",
            &["--json", "connections", "list"],
            None
        )),
        serde_json::json!([])
    );
    let workspaces: serde_json::Value = json(&profitwheel(
        dir.path(),
        &keychain,
        "",
        &["--json", "workspace", "list"],
        None,
    ));
    assert_eq!(workspaces.as_array().unwrap().len(), 1);
}
