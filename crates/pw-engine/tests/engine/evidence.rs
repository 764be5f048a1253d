//! The evidence layer through the engine, on the demo workspace: a new demo gets its signals
//! built (real MiniLM embeddings) and the search index follows (once per test binary, in the
//! demo copy other tests read too), reports are written by an analyst model over loopback HTTP
//! (an OpenAI-compatible server) and checked, and one report is written by the real embedded
//! model.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use pw_engine::Engine;
use pw_engine::evidence::{
    DocKind, FacetField, IndexState, Query, ReportKind, SIGNALS_JOB_KIND, SignalKind, SupportUnit,
};
use pw_engine::models::{ModelInfo, Route, Task, VendorInput, VendorKind};
use pw_engine::workspaces::WorkspaceId;
use serde_json::{Value, json};

/// An OpenAI-compatible analyst: names themes by their first keyword and writes reports whose
/// claims cite the first two signals listed, without numbers of its own.
async fn analyst(Json(body): Json<Value>) -> Json<Value> {
    let prompt = body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_owned();
    let content = if prompt.contains("Answer with one name per theme") {
        let themes: Vec<Value> = prompt
            .lines()
            .filter_map(|line| line.strip_prefix("Theme "))
            .filter_map(|rest| {
                let (number, rest) = rest.split_once(": keywords ")?;
                let first = rest.split(", ").next().unwrap_or("talk");
                Some(json!({"theme": number.parse::<usize>().ok()?, "name": format!("Talk about {first}")}))
            })
            .collect();
        json!({ "themes": themes }).to_string()
    } else {
        json!({
            "title": "What the evidence says",
            "claims": [
                {"text": "The strongest signal points the way for this audience.", "cites": ["S1"]},
                {"text": "The next signal supports it.", "cites": ["S1", "S2"]}
            ]
        })
        .to_string()
    };
    Json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": content }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 800, "completion_tokens": 120, "total_tokens": 920 }
    }))
}

async fn start_analyst() -> String {
    let app = axum::Router::new().route("/v1/chat/completions", axum::routing::post(analyst));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/v1")
}

pub(crate) async fn route_analysis_to(engine: &Engine, base_url: &str) {
    let models = engine.models();
    models
        .save_vendor(VendorInput {
            name: Some("analyst".into()),
            kind: VendorKind::OpenAiCompatible,
            base_url: Some(base_url.into()),
            requests_per_minute: None,
            tokens_per_minute: None,
            max_concurrency: Some(4),
            azure_api_version: None,
        })
        .await
        .unwrap();
    models
        .set_task_route(Task::Analysis, vec![Route::new("analyst", "analyst-1")])
        .await
        .unwrap();
    models
        .edit_price(ModelInfo {
            vendor: "analyst".into(),
            model: "analyst-1".into(),
            context_window: 32_768,
            input_micros_per_mtok: 1_000_000,
            output_micros_per_mtok: 2_000_000,
            embedding: false,
            source: "edited".into(),
        })
        .await
        .unwrap();
}

/// An engine in `dir` on a copy of the demo workspace, its signals built and its search index
/// caught up (see [`copy_demo_into`]).
pub(crate) async fn demo_copy(dir: &std::path::Path, name: &str) -> (Arc<Engine>, WorkspaceId) {
    let workspace = copy_demo_into(dir);
    let engine = support::engine(dir, name).await;
    engine.start_workers().await;
    (engine, workspace)
}

/// Copies into `dir` (an engine's data folder, before it opens) the demo workspace as its job
/// and the signal build after it leave it, with the search index caught up and no job left
/// waiting. It is made once per test binary: a demo job is followed by a signal build (real
/// MiniLM embeddings), the slowest thing most tests would otherwise wait for or race with.
/// Themes are named by the loopback analyst, whose vendor (and so its routes) is removed before
/// the copy: every task in a copy routes as in a fresh engine, to the local model. The copy
/// keeps the analyst's calls in the ledger and the cache, charged to the demo.
pub(crate) fn copy_demo_into(dir: &std::path::Path) -> WorkspaceId {
    // A failed build is kept as its message, so the tests that waited for it fail at once
    // rather than each building it again.
    static DEMO: std::sync::OnceLock<Result<WorkspaceId, String>> = std::sync::OnceLock::new();
    // One folder per process: another run of this binary may be copying from its own.
    let template = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("engine-demo-template-{}", std::process::id()));
    let built = DEMO.get_or_init(|| {
        match std::fs::remove_dir_all(&template) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{} could not be cleared: {e}", template.display())),
        }
        let path = template.clone();
        // Built on a runtime of its own: the first test to ask may be on a single-threaded one.
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
                .block_on(build_demo_template(&path))
        })
        .join()
        .map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "the demo template's build panicked".into())
        })
    });
    let workspace = built
        .as_ref()
        .unwrap_or_else(|message| panic!("the demo template was not built: {message}"));
    copy_tree(&template, dir);
    *workspace
}

async fn build_demo_template(dir: &std::path::Path) -> WorkspaceId {
    let engine = support::engine(dir, "demo-template").await;
    let base_url = start_analyst().await;
    route_analysis_to(&engine, &base_url).await;
    engine.start_workers().await;
    let workspace = demo_with_signals(&engine).await;
    searchable(&engine, workspace).await;
    // The index can read as caught up while its rebuild job is still finishing; a job handed
    // back to the queue by the shutdown would run again in every copy.
    tokio::time::timeout(Duration::from_secs(300), async {
        loop {
            let jobs = engine.jobs().list(None, 100).await.unwrap();
            if jobs.iter().all(|j| {
                !matches!(
                    j.state,
                    pw_engine::jobs::JobState::Queued | pw_engine::jobs::JobState::Running
                )
            }) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the demo's jobs finish");
    engine.models().remove_vendor("analyst").await.unwrap();
    engine.shutdown().await;
    workspace
}

/// Copies the files under `from` into `to`, folders included.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Creates the demo and waits for it and for the signal build that follows it.
async fn demo_with_signals(engine: &Arc<Engine>) -> WorkspaceId {
    let demo = engine.workspaces().start_demo().await.unwrap();
    let done = engine.jobs().wait(&demo.id, |_| {}).await.unwrap();
    assert_eq!(done.state, pw_engine::jobs::JobState::Succeeded, "{done:?}");
    let workspace: WorkspaceId = done.workspace_id.clone().unwrap().parse().unwrap();
    let build = tokio::time::timeout(Duration::from_secs(300), async {
        loop {
            let jobs = engine.jobs().list(None, 50).await.unwrap();
            if let Some(job) = jobs.iter().find(|j| j.kind == SIGNALS_JOB_KIND) {
                return job.clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the demo is followed by a signal build");
    let built = engine.jobs().wait(&build.id, |_| {}).await.unwrap();
    assert_eq!(
        built.state,
        pw_engine::jobs::JobState::Succeeded,
        "{built:?}"
    );
    workspace
}

/// Waits until the search index is built and caught up.
async fn searchable(engine: &Engine, workspace: WorkspaceId) {
    tokio::time::timeout(Duration::from_secs(300), async {
        loop {
            let state = engine.evidence().index_state(workspace).await.unwrap();
            if matches!(state, IndexState::Ready { pending: 0, .. }) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the search index catches up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_gets_signals_a_search_index_and_grounded_reports_one_by_the_embedded_model() {
    let dir = tempfile::tempdir().unwrap();
    // The demo as its job and the signal build after it left it (built once, see `demo_copy`).
    let (engine, workspace) = demo_copy(dir.path(), "evidence").await;
    let base_url = start_analyst().await;
    route_analysis_to(&engine, &base_url).await;

    // Signals: every audience has its profile; mentions are grouped into named themes (by the
    // loopback analyst, whose names all start "Talk about"); search intent is read. Every
    // signal's segment rows are still there to be shown.
    let audiences = engine.evidence().audiences(workspace).await.unwrap();
    assert!(!audiences.is_empty());
    let signals = engine.evidence().signals(workspace, None).await.unwrap();
    for audience in &audiences {
        assert!(
            signals
                .iter()
                .any(|s| s.key == "profile" && s.audience_id == Some(audience.id))
        );
    }
    let themes: Vec<_> = signals
        .iter()
        .filter(|s| s.kind == SignalKind::MentionTheme)
        .collect();
    assert!(themes.len() >= 2, "{themes:#?}");
    assert!(
        themes
            .iter()
            .all(|t| t.detail["name"].as_str().unwrap().starts_with("Talk about")),
        "named by the analyst: {:?}",
        themes
            .iter()
            .map(|t| (&t.detail["name"], &t.detail["named_by"]))
            .collect::<Vec<_>>()
    );
    assert!(signals.iter().any(|s| s.kind == SignalKind::Intent));
    let mut reproduced = std::collections::BTreeSet::new();
    for signal in &signals {
        let rows = engine
            .evidence()
            .evidence_rows(signal.id, 100_000)
            .await
            .unwrap();
        let segment = rows
            .iter()
            .filter(|r| r.role == pw_engine::evidence::RowRole::Segment)
            .count();
        assert_eq!(segment as i64, signal.support_rows, "{}", signal.statement);
        // A behavior finding's rate and lift come back from its rows, whichever table and
        // breakdown they are in: the segment's rows against the rest of its dimension.
        if signal.kind == SignalKind::Behavior && signal.detail["finding"] == "segment" {
            let (numerator, denominator) = match signal.detail["metric"].as_str() {
                Some("ctr") => ("clicks", "impressions"),
                _ => ("conversions", "clicks"),
            };
            let sum = |role: pw_engine::evidence::RowRole, field: &str| -> f64 {
                rows.iter()
                    .filter(|r| r.role == role)
                    .map(|r| r.figures[field].as_f64().unwrap())
                    .sum()
            };
            use pw_engine::evidence::RowRole::{Baseline, Segment};
            let rate = sum(Segment, numerator) / sum(Segment, denominator);
            let rest = sum(Baseline, numerator) / sum(Baseline, denominator);
            let estimate = signal.interval.unwrap().estimate;
            assert!(
                (rate - estimate).abs() < 1e-9,
                "{}: rows give {rate}, the signal says {estimate}",
                signal.statement
            );
            assert!(
                (rate / rest - 1.0 - signal.strength).abs() < 1e-6,
                "{}: rows give a lift of {}, the signal says {}",
                signal.statement,
                rate / rest - 1.0,
                signal.strength
            );
            reproduced.insert(signal.detail["dimension"].as_str().unwrap().to_owned());
        }
        // Support in the unit the statement counts, a share of its total where it has one.
        let support = signal.support;
        let expected_unit = match (signal.kind, signal.detail["finding"].as_str()) {
            (SignalKind::MentionTheme, _) => Some(SupportUnit::Mentions),
            (SignalKind::Intent, _) => Some(SupportUnit::Searches),
            (_, Some("profile")) => Some(SupportUnit::Rows),
            _ => None,
        };
        if let Some(unit) = expected_unit {
            assert_eq!(support.unit, unit, "{}", signal.statement);
        }
        if let (Some(total), Some(share)) = (support.total, signal.support_share) {
            assert!(support.count <= total, "{}", signal.statement);
            if signal.kind != SignalKind::Behavior || signal.detail["finding"] == "segment" {
                assert!(
                    (support.count as f64 / total as f64 - share).abs() < 1e-3,
                    "{}: {support:?} against {share}",
                    signal.statement
                );
            }
        }
    }
    // The demo plants winners by creative and by breakdown: each kind of finding is checked.
    for dimension in ["creative", "placement", "device", "daypart"] {
        assert!(
            reproduced.contains(dimension),
            "no {dimension} finding reproduced from its rows: {reproduced:?}"
        );
    }
    // Search: the index the demo and the build left (caught up before the copy was taken).
    searchable(&engine, workspace).await;
    let page = engine
        .evidence()
        .search(
            workspace,
            &Query {
                text: "coffee".into(),
                limit: 10,
                ..Query::default()
            },
        )
        .await
        .unwrap();
    assert!(page.total > 0);
    assert!(page.hits.iter().all(|h| !h.snippet.is_empty()));
    assert!(
        page.facets[&FacetField::Kind]
            .iter()
            .any(|(k, _)| k == "mention")
    );
    assert!(!page.histogram.is_empty());
    let mentions_only = engine
        .evidence()
        .search(
            workspace,
            &Query {
                text: "coffee".into(),
                kinds: vec![DocKind::Mention],
                limit: 5,
                ..Query::default()
            },
        )
        .await
        .unwrap();
    assert!(
        mentions_only
            .hits
            .iter()
            .all(|h| h.kind == DocKind::Mention)
    );

    // Reports: the mentions report of the first audience that has themes of its own or the
    // workspace's; every kept claim cites signals that exist.
    let audience: pw_engine::evidence::AudienceId = audiences[0].id;
    let job = engine
        .evidence()
        .start_reports(
            workspace,
            Some(audience),
            &[ReportKind::Mentions, ReportKind::Intent],
        )
        .await
        .unwrap();
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(done.state, pw_engine::jobs::JobState::Succeeded, "{done:?}");
    let reports = engine
        .evidence()
        .reports(workspace, Some(audience))
        .await
        .unwrap();
    assert_eq!(reports.len(), 2, "{reports:#?}");
    for summary in &reports {
        let report = engine.evidence().report(summary.id).await.unwrap();
        assert_eq!(report.written_by, "analyst/analyst-1");
        assert!(!report.claims.is_empty());
        for claim in &report.claims {
            assert!(!claim.signals.is_empty());
        }
    }
    // Reports are searchable once indexed.
    searchable(&engine, workspace).await;
    let found = engine
        .evidence()
        .search(
            workspace,
            &Query {
                text: "strongest signal".into(),
                kinds: vec![DocKind::Report],
                limit: 5,
                ..Query::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.total, 2);

    // One report on the real embedded model: with no model chosen for analysis, the local
    // model writes it, short and plain, and its claims are checked like any model's.
    engine
        .models()
        .set_task_route(Task::Analysis, vec![])
        .await
        .unwrap();
    let with_behavior: pw_engine::evidence::AudienceId = audiences
        .iter()
        .find(|a| a.signals.get(&SignalKind::Behavior).copied().unwrap_or(0) > 1)
        .map(|a| a.id)
        .unwrap();
    let job = engine
        .evidence()
        .start_reports(workspace, Some(with_behavior), &[ReportKind::Behavior])
        .await
        .unwrap();
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(done.state, pw_engine::jobs::JobState::Succeeded, "{done:?}");
    let reports = engine
        .evidence()
        .reports(workspace, Some(with_behavior))
        .await
        .unwrap();
    let local = engine.evidence().report(reports[0].id).await.unwrap();
    assert!(
        local.written_by.starts_with("local/"),
        "{}",
        local.written_by
    );
    assert!(!local.claims.is_empty());
    assert!(local.claims_checked >= local.claims.len() as i64);
    for claim in &local.claims {
        assert!(!claim.signals.is_empty(), "{claim:?}");
    }
    engine.shutdown().await;
}
