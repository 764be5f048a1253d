//! The `profitwheel` binary as scripts use it: real processes, real data folders, exit codes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

mod connections;
mod evidence;
mod surveys;

use std::path::Path;
use std::process::{Command, Output};

fn profitwheel(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_profitwheel"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("PROFITWHEEL_DATA_DIR")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn demo_creates_a_workspace_and_prints_its_kpis() {
    let dir = tempfile::tempdir().unwrap();
    let demo = profitwheel(dir.path(), &["demo"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    let text = stdout(&demo);
    for label in [
        "Spend",
        "Impressions",
        "Clicks",
        "CTR",
        "CPC",
        "Conversions",
        "CPA",
        "ROAS",
    ] {
        assert!(text.contains(label), "{label} missing from:\n{text}");
    }
    assert!(text.contains("USD"), "{text}");
    assert!(
        stderr(&demo).contains("100%"),
        "progress is shown on stderr"
    );

    let listed = profitwheel(dir.path(), &["--json", "workspace", "list"]);
    let workspaces: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(workspaces[0]["name"], "Halcyon Roasters (demo)");
    assert_eq!(workspaces[0]["campaigns"], 30);

    let kpis = profitwheel(
        dir.path(),
        &[
            "--json",
            "kpis",
            "Halcyon Roasters (demo)",
            "--from",
            "2000-01-01",
            "--to",
            "2000-01-31",
        ],
    );
    let kpis: serde_json::Value = serde_json::from_slice(&kpis.stdout).unwrap();
    assert_eq!(
        kpis["sections"][0]["kpis"][0]["current"], 0,
        "no spend before the data starts (money as integer micros)"
    );
    assert_eq!(kpis["sections"][0]["currency"], "USD");

    let jobs = profitwheel(dir.path(), &["jobs", "list", "--state", "succeeded"]);
    assert!(
        stdout(&jobs).contains("Create demo workspace"),
        "{}",
        stdout(&jobs)
    );

    // No question asked yet; a run that is not there is "not found", with its exit code.
    let history = profitwheel(
        dir.path(),
        &["agents", "history", "Halcyon Roasters (demo)"],
    );
    assert!(history.status.success(), "{}", stderr(&history));
    assert!(stdout(&history).contains("No questions asked yet"));
    let missing = profitwheel(
        dir.path(),
        &["agents", "show", "Halcyon Roasters (demo)", "no-such-run"],
    );
    assert_eq!(missing.status.code(), Some(3), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("no agent run no-such-run"));

    // A deck from the template: a PowerPoint file with the dashboard's slides, and the
    // workbook of its tables.
    let template = profitwheel(dir.path(), &["deck", "template", "Halcyon Roasters (demo)"]);
    assert!(template.status.success(), "{}", stderr(&template));
    let spec = dir.path().join("deck.json");
    std::fs::write(&spec, &template.stdout).unwrap();
    let deck = dir.path().join("review.pptx");
    let built = profitwheel(
        dir.path(),
        &[
            "--json",
            "deck",
            "build",
            "Halcyon Roasters (demo)",
            "--spec",
            spec.to_str().unwrap(),
            "--out",
            deck.to_str().unwrap(),
        ],
    );
    assert!(built.status.success(), "{}", stderr(&built));
    let summary: serde_json::Value = serde_json::from_slice(&built.stdout).unwrap();
    let bytes = std::fs::read(&deck).unwrap();
    assert_eq!(summary["bytes"], bytes.len());
    assert!(bytes.starts_with(b"PK"), "a zip package");
    let titles: Vec<&str> = summary["slides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Executive summary"), "{titles:?}");
    assert!(
        titles.iter().any(|t| t.contains(" spent most: $")),
        "{titles:?}"
    );
    // The same spec as a PDF report, kept as the first version of its PDF; a second build of
    // the PowerPoint is version 2, with nothing moved.
    let report = dir.path().join("review.pdf");
    let pdf = profitwheel(
        dir.path(),
        &[
            "deck",
            "build",
            "Halcyon Roasters (demo)",
            "--spec",
            spec.to_str().unwrap(),
            "--out",
            report.to_str().unwrap(),
        ],
    );
    // The format is the file's extension's.
    assert!(pdf.status.success(), "{}", stderr(&pdf));
    assert!(std::fs::read(&report).unwrap().starts_with(b"%PDF-"));
    assert!(
        stdout(&pdf).contains("kept as version 1"),
        "{}",
        stdout(&pdf)
    );
    let again = profitwheel(
        dir.path(),
        &[
            "deck",
            "build",
            "Halcyon Roasters (demo)",
            "--spec",
            spec.to_str().unwrap(),
            "--out",
            deck.to_str().unwrap(),
        ],
    );
    assert!(
        stdout(&again).contains("kept as version 2"),
        "{}",
        stdout(&again)
    );
    assert!(
        stdout(&again).contains("Nothing moved"),
        "{}",
        stdout(&again)
    );
    // A format the file's name contradicts is refused before anything is built or kept.
    let mismatched = profitwheel(
        dir.path(),
        &[
            "deck",
            "build",
            "Halcyon Roasters (demo)",
            "--spec",
            spec.to_str().unwrap(),
            "--format",
            "pdf",
            "--out",
            dir.path().join("review-2.pptx").to_str().unwrap(),
        ],
    );
    assert_eq!(mismatched.status.code(), Some(4), "{}", stderr(&mismatched));
    assert!(
        stderr(&mismatched).contains("--format pdf does not match"),
        "{}",
        stderr(&mismatched)
    );
    assert!(!dir.path().join("review-2.pptx").exists());
    let listed = profitwheel(dir.path(), &["deck", "list", "Halcyon Roasters (demo)"]);
    assert_eq!(stdout(&listed).lines().count(), 3, "{}", stdout(&listed));
    let csv = profitwheel(
        dir.path(),
        &[
            "export",
            "Halcyon Roasters (demo)",
            "--table",
            "dashboard",
            "--name",
            "Campaigns USD",
            "--format",
            "csv",
        ],
    );
    assert!(csv.status.success(), "{}", stderr(&csv));
    assert_eq!(
        stdout(&csv).lines().count(),
        31,
        "30 campaigns and the header"
    );
    // The workspace's theme: set from the command line, shown back; a colour that is not one
    // is refused.
    let themed = profitwheel(
        dir.path(),
        &[
            "--json",
            "deck",
            "theme",
            "Halcyon Roasters (demo)",
            "--agency-name",
            "North & Co",
            "--primary",
            "#0A7B83",
        ],
    );
    assert!(themed.status.success(), "{}", stderr(&themed));
    let theme: serde_json::Value = serde_json::from_slice(&themed.stdout).unwrap();
    assert_eq!(theme["theme"]["agency_name"], "North & Co");
    assert_eq!(theme["theme"]["primary"], "#0A7B83");
    assert_eq!(theme["saved"], true);
    let shown = profitwheel(dir.path(), &["deck", "theme", "Halcyon Roasters (demo)"]);
    assert!(
        stdout(&shown).contains("Agency:     North & Co"),
        "{}",
        stdout(&shown)
    );
    let bad_colour = profitwheel(
        dir.path(),
        &["deck", "theme", "Halcyon Roasters (demo)", "--text", "navy"],
    );
    assert_eq!(bad_colour.status.code(), Some(4), "{}", stderr(&bad_colour));
    // A delivery into a folder, run now as its schedule would run it.
    let share = dir.path().join("share");
    std::fs::create_dir(&share).unwrap();
    let added = profitwheel(
        dir.path(),
        &[
            "deck",
            "delivery",
            "add",
            "Halcyon Roasters (demo)",
            "--name",
            "Monday",
            "--spec",
            spec.to_str().unwrap(),
            "--format",
            "pdf",
            "--folder",
            share.to_str().unwrap(),
            "--cron",
            "0 7 * * MON",
            "--period-days",
            "7",
        ],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let deliveries = profitwheel(
        dir.path(),
        &["deck", "delivery", "list", "Halcyon Roasters (demo)"],
    );
    assert!(
        stdout(&deliveries).contains("the last 7 days"),
        "{}",
        stdout(&deliveries)
    );
    let delivered = profitwheel(
        dir.path(),
        &[
            "--json",
            "deck",
            "delivery",
            "run",
            "Halcyon Roasters (demo)",
            "Monday",
        ],
    );
    assert!(delivered.status.success(), "{}", stderr(&delivered));
    let result: serde_json::Value = serde_json::from_slice(&delivered.stdout).unwrap();
    let path = std::path::PathBuf::from(result["path"].as_str().unwrap());
    assert_eq!(path.parent(), Some(share.as_path()));
    assert!(std::fs::read(&path).unwrap().starts_with(b"%PDF-"));
    let removed = profitwheel(
        dir.path(),
        &[
            "deck",
            "delivery",
            "remove",
            "Halcyon Roasters (demo)",
            "Monday",
        ],
    );
    assert!(removed.status.success(), "{}", stderr(&removed));

    // A spec that is not one is refused with the reason, exit code 4 (invalid input), and the
    // file written before stays as it was.
    let before = std::fs::read(&deck).unwrap();
    std::fs::write(&spec, r#"{"title": "x", "sections": [{"kind": "slides"}]}"#).unwrap();
    let refused = profitwheel(
        dir.path(),
        &[
            "deck",
            "build",
            "Halcyon Roasters (demo)",
            "--spec",
            spec.to_str().unwrap(),
            "--out",
            deck.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("is not a deck spec"),
        "{}",
        stderr(&refused)
    );
    assert!(
        std::fs::read(&deck).unwrap() == before,
        "the deck before stays"
    );
}

#[test]
fn workspaces_export_and_import_between_data_folders() {
    let source = tempfile::tempdir().unwrap();
    let target = tempfile::tempdir().unwrap();
    assert!(profitwheel(source.path(), &["demo"]).status.success());
    // A deck delivered into a folder of the source's computer: it travels switched off.
    let spec = source.path().join("deck.json");
    std::fs::write(
        &spec,
        r#"{"title": "Weekly", "sections": [{"kind": "dashboard"}]}"#,
    )
    .unwrap();
    let added = profitwheel(
        source.path(),
        &[
            "deck",
            "delivery",
            "add",
            "Halcyon Roasters (demo)",
            "--name",
            "Monday",
            "--spec",
            spec.to_str().unwrap(),
            "--format",
            "pdf",
            "--folder",
            source.path().to_str().unwrap(),
            "--cron",
            "0 7 * * MON",
        ],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let file = source.path().join("halcyon.pwx");
    let export = profitwheel(
        source.path(),
        &[
            "workspace",
            "export",
            "Halcyon Roasters (demo)",
            file.to_str().unwrap(),
        ],
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let import = profitwheel(
        target.path(),
        &["workspace", "import", file.to_str().unwrap()],
    );
    assert!(import.status.success(), "{}", stderr(&import));
    let before = stdout(&profitwheel(
        source.path(),
        &["kpis", "Halcyon Roasters (demo)"],
    ));
    let after = stdout(&profitwheel(
        target.path(),
        &["kpis", "Halcyon Roasters (demo)"],
    ));
    assert_eq!(before, after);
    let deliveries = profitwheel(
        target.path(),
        &[
            "--json",
            "deck",
            "delivery",
            "list",
            "Halcyon Roasters (demo)",
        ],
    );
    let deliveries: serde_json::Value = serde_json::from_slice(&deliveries.stdout).unwrap();
    assert_eq!(deliveries[0]["delivery"]["name"], "Monday");
    assert_eq!(deliveries[0]["enabled"], false, "{deliveries}");
    // Off means off: it is not delivered now either, into another computer's folder.
    let refused = profitwheel(
        target.path(),
        &[
            "deck",
            "delivery",
            "run",
            "Halcyon Roasters (demo)",
            "Monday",
        ],
    );
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("is off"), "{}", stderr(&refused));
    // A second import is a conflict, not a duplicate.
    let again = profitwheel(
        target.path(),
        &["workspace", "import", file.to_str().unwrap()],
    );
    assert_eq!(again.status.code(), Some(5), "{}", stderr(&again));
}

#[test]
fn bad_input_gets_a_clear_message_and_a_distinct_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let bad_currency = profitwheel(
        dir.path(),
        &[
            "workspace",
            "create",
            "--name",
            "Acme",
            "--currency",
            "EURO",
        ],
    );
    assert_eq!(bad_currency.status.code(), Some(4));
    assert!(stderr(&bad_currency).contains("not a currency code"));

    let missing = profitwheel(dir.path(), &["jobs", "retry", "no-such-job"]);
    assert_eq!(missing.status.code(), Some(3));

    let garbage = dir.path().join("garbage.pwx");
    std::fs::write(&garbage, "this is a spreadsheet, honest").unwrap();
    let import = profitwheel(
        dir.path(),
        &["workspace", "import", garbage.to_str().unwrap()],
    );
    assert_eq!(import.status.code(), Some(4));
    assert!(
        stderr(&import).contains("not a ProfitWheel workspace file"),
        "{}",
        stderr(&import)
    );
    assert!(stdout(&profitwheel(dir.path(), &["workspace", "list"])).contains("No workspaces yet"));

    let range = profitwheel(
        dir.path(),
        &["kpis", "x", "--from", "2026-02-01", "--to", "2026-01-01"],
    );
    assert_ne!(range.status.code(), Some(0));
}

#[test]
fn a_database_that_is_not_ours_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("profitwheel.sqlite3");
    std::fs::write(
        &db,
        b"SQLite format 3\0but not really a database, just bytes that look like one",
    )
    .unwrap();
    let before = std::fs::read(&db).unwrap();
    let list = profitwheel(dir.path(), &["workspace", "list"]);
    assert_eq!(list.status.code(), Some(8), "{}", stderr(&list));
    assert!(
        stderr(&list).contains("left untouched"),
        "{}",
        stderr(&list)
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

/// A real `kill -9` in the middle of the demo job: the next process recovers the job once its
/// lease expires, resumes it, and the workspace ends up exactly as a clean run leaves it.
#[test]
fn a_job_killed_with_its_process_is_finished_by_the_next_process_without_duplicates() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let clean = tempfile::tempdir().unwrap();
    assert!(profitwheel(clean.path(), &["demo"]).status.success());
    let clean_kpis = stdout(&profitwheel(
        clean.path(),
        &["kpis", "Halcyon Roasters (demo)"],
    ));

    // The kill has to land while the job runs (a few hundred milliseconds); try a few times.
    for _ in 0..8 {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_profitwheel"))
            .args([
                "--data-dir",
                dir.path().to_str().unwrap(),
                "--job-lease-secs",
                "1",
                "demo",
            ])
            .env_remove("PROFITWHEEL_DATA_DIR")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let progress = BufReader::new(child.stderr.take().unwrap());
        let mut mid_run = false;
        for line in progress.lines() {
            if line.unwrap().contains("Wrote daily metrics (1 of") {
                child.kill().unwrap();
                mid_run = true;
                break;
            }
        }
        child.wait().unwrap();
        let jobs: serde_json::Value =
            serde_json::from_slice(&profitwheel(dir.path(), &["--json", "jobs", "list"]).stdout)
                .unwrap();
        // The demo's own job (a finished demo is followed by a signal build of its own).
        let demo_jobs = |jobs: &serde_json::Value| -> Vec<serde_json::Value> {
            jobs.as_array()
                .unwrap()
                .iter()
                .filter(|j| j["kind"] == "demo.generate")
                .cloned()
                .collect()
        };
        if !mid_run || demo_jobs(&jobs)[0]["state"] != "running" {
            continue; // The job finished before the kill landed; try again.
        }

        let work = profitwheel(dir.path(), &["--job-lease-secs", "1", "jobs", "work"]);
        assert!(work.status.success(), "{}", stderr(&work));
        let jobs: serde_json::Value =
            serde_json::from_slice(&profitwheel(dir.path(), &["--json", "jobs", "list"]).stdout)
                .unwrap();
        let demo = demo_jobs(&jobs);
        assert_eq!(demo.len(), 1, "{jobs:#}");
        assert_eq!(demo[0]["state"], "succeeded");
        assert_eq!(
            demo[0]["attempts"], 2,
            "the second process resumed the same job"
        );
        let workspaces: serde_json::Value = serde_json::from_slice(
            &profitwheel(dir.path(), &["--json", "workspace", "list"]).stdout,
        )
        .unwrap();
        assert_eq!(workspaces.as_array().unwrap().len(), 1);
        assert_eq!(workspaces[0]["campaigns"], 30);
        let kpis = stdout(&profitwheel(
            dir.path(),
            &["kpis", "Halcyon Roasters (demo)"],
        ));
        assert_eq!(kpis, clean_kpis, "nothing duplicated, nothing missing");
        return;
    }
    panic!("the kill never landed while the demo job was running in 8 tries");
}

fn reference_data_dir() -> std::path::PathBuf {
    std::env::var_os("PROFITWHEEL_REFERENCE_DATA_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference-data"))
}

fn models_dir() -> std::path::PathBuf {
    std::env::var_os("PROFITWHEEL_MODELS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"))
}

/// `profitwheel models …` with the real keychain and the real local model; the key goes in on
/// standard input.
fn models(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_profitwheel"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("models")
        .args(args)
        .env_remove("PROFITWHEEL_DATA_DIR")
        .env("PROFITWHEEL_MODELS_DIR", models_dir())
        .env(
            "PROFITWHEEL_KEYCHAIN_SERVICE",
            format!("ProfitWheel cli test {}", std::process::id()),
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn models_are_set_up_from_the_command_line_and_the_local_model_answers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();

    let fresh = models(data, &["status"], None);
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    assert!(
        stdout(&fresh).contains("every task uses the local model"),
        "{}",
        stdout(&fresh)
    );
    assert!(
        stdout(&fresh).contains("all-MiniLM-L6-v2 (ready)"),
        "{}",
        stdout(&fresh)
    );

    let added = models(data, &["add", "groq"], None);
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(stdout(&added).contains("now store its key: profitwheel models key groq"));
    let key = models(data, &["key", "groq"], Some("gsk_cli_canary_123456\n"));
    assert!(key.status.success(), "{}", stderr(&key));
    let status = models(data, &["--json", "status"], None);
    let parsed: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(parsed["vendors"][0]["name"], "groq");
    assert_eq!(parsed["vendors"][0]["keyConfigured"], true);
    assert!(!stdout(&status).contains("gsk_cli_canary"));

    let bad_route = models(data, &["route", "analysis", "groq"], None);
    assert_eq!(bad_route.status.code(), Some(4), "{}", stderr(&bad_route));
    assert!(stderr(&bad_route).contains("should be vendor/model"));
    let not_a_vendor = models(data, &["add", "skynet"], None);
    assert_eq!(not_a_vendor.status.code(), Some(4));

    // Offline: the configured cloud route is skipped and the local model answers.
    let routed = models(
        data,
        &["route", "analysis", "groq/openai/gpt-oss-20b"],
        None,
    );
    assert!(routed.status.success(), "{}", stderr(&routed));
    assert!(models(data, &["offline", "on"], None).status.success());
    let answer = models(
        data,
        &[
            "--json",
            "ask",
            "Name a colour.",
            "--max-tokens",
            "8",
            "--seed",
            "1",
        ],
        None,
    );
    assert!(answer.status.success(), "{}", stderr(&answer));
    let reply: serde_json::Value = serde_json::from_slice(&answer.stdout).unwrap();
    assert_eq!(reply["vendor"], "local");
    assert!(!reply["text"].as_str().unwrap().trim().is_empty());

    let removed = models(data, &["remove", "groq"], None);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let after: serde_json::Value =
        serde_json::from_slice(&models(data, &["--json", "status"], None).stdout).unwrap();
    assert_eq!(after["vendors"].as_array().unwrap().len(), 0);
    assert_eq!(after["offline"], true);
}

type Collected = std::sync::Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>>;

/// Serves `app` on a loopback port from a runtime thread of its own (the CLI runs as a child
/// process, so the test's server cannot share its runtime); returns the address.
fn serve_on_loopback(app: axum::Router) -> std::net::SocketAddr {
    let (address_tx, address_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            address_tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    address_rx.recv().unwrap()
}

/// An OTLP/HTTP collector on loopback.
fn start_collector() -> (Collected, String) {
    let collected = Collected::default();
    let for_server = collected.clone();
    let app = axum::Router::new().route(
        "/otel/v1/traces",
        axum::routing::post(
            move |headers: axum::http::HeaderMap,
                  axum::Json(body): axum::Json<serde_json::Value>| {
                let collected = for_server.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    collected.lock().unwrap().push((auth, body));
                }
            },
        ),
    );
    let address = serve_on_loopback(app);
    (collected, format!("http://{address}/otel"))
}

/// An OpenAI-compatible analyst on loopback: it names each theme after its first keyword, and
/// every report it writes has two claims citing the first two signals listed, with no figures
/// of their own.
fn start_analyst() -> String {
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(|axum::Json(body): axum::Json<serde_json::Value>| async move {
            let prompt = body["messages"]
                .as_array()
                .and_then(|m| m.last())
                .and_then(|m| m["content"].as_str())
                .unwrap_or_default();
            let content = if prompt.contains("Answer with one name per theme") {
                let themes: Vec<serde_json::Value> = prompt
                    .lines()
                    .filter_map(|line| line.strip_prefix("Theme "))
                    .filter_map(|rest| {
                        let (number, rest) = rest.split_once(": keywords ")?;
                        let first = rest.split(", ").next().unwrap_or("talk");
                        Some(serde_json::json!({"theme": number.parse::<usize>().ok()?, "name": format!("Talk about {first}")}))
                    })
                    .collect();
                serde_json::json!({ "themes": themes })
            } else {
                serde_json::json!({
                    "title": "What the evidence says",
                    "claims": [
                        {"text": "The strongest signal points the way for this audience.", "cites": ["S1"]},
                        {"text": "The next signal supports it.", "cites": ["S1", "S2"]}
                    ]
                })
            }
            .to_string();
            axum::Json(serde_json::json!({
                "id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 800, "completion_tokens": 120, "total_tokens": 920}
            }))
        }),
    );
    format!("http://{}/v1", serve_on_loopback(app))
}

#[test]
fn model_calls_are_traced_to_a_collector_with_headers_from_the_keychain() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (collected, endpoint) = start_collector();
    let set = models(
        data,
        &[
            "traces",
            "--endpoint",
            &endpoint,
            "--sample-rate",
            "1",
            "--headers-from-stdin",
        ],
        Some("Authorization: Basic cGstbGY6c2stbGY=\n"),
    );
    assert!(set.status.success(), "{}", stderr(&set));
    assert!(
        stdout(&set).contains("100% sampled, with the stored headers"),
        "{}",
        stdout(&set)
    );

    let asked = models(data, &["ask", "Say hi.", "--max-tokens", "4"], None);
    assert!(asked.status.success(), "{}", stderr(&asked));
    let spans: Vec<(String, serde_json::Value)> = collected.lock().unwrap().clone();
    assert_eq!(spans.len(), 1, "one batch with the call's span: {spans:?}");
    let (auth, body) = &spans[0];
    assert_eq!(auth, "Basic cGstbGY6c2stbGY=");
    let span = &body["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(span["name"], "chat SmolLM2-135M-Instruct.Q4_1");
    assert_eq!(
        body["resourceSpans"][0]["resource"]["attributes"][0]["value"]["stringValue"],
        "profitwheel-cli"
    );
    // The header value lives in the keychain, not in the data folder.
    let database = std::fs::read(data.join("profitwheel.sqlite3")).unwrap();
    assert!(!database.windows(8).any(|w| w == b"cGstbGY6"));

    let off = models(data, &["traces", "--off"], None);
    assert!(stdout(&off).contains("stay on this computer"));
    assert!(
        models(data, &["ask", "Say hi.", "--max-tokens", "4"], None)
            .status
            .success()
    );
    assert_eq!(
        collected.lock().unwrap().len(),
        1,
        "nothing is sent once export is off"
    );
}
