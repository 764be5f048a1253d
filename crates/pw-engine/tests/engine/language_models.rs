//! The engine's language-model side with real parts: a real SQLite file, the real OS keychain
//! (Secret Service; `scripts/with-test-keyring` provides one), the real local models, and an
//! OpenAI-compatible server over loopback HTTP.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::sync::Arc;

use crate::support::{VendorServer, add_team_server, ask, engine, models_dir, workspace};
use pw_engine::models::{
    CacheMode, CallScope, ModelInfo, Route, StudyKind, Task, VendorInput, VendorKind,
};
use pw_engine::{Engine, EngineConfig, ErrorKind};

#[tokio::test]
async fn calls_are_costed_per_study_and_a_budget_stops_new_calls() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "budget").await;
    add_team_server(&engine, &base_url).await;
    let workspace = workspace(&engine, "Budget client").await;
    // Each call costs 1,000 × $1/M + 500 × $2/M = $0.002; the cap allows two.
    let study = engine
        .models()
        .create_study(workspace, StudyKind::Survey, "Price test", Some(4_000))
        .await
        .unwrap();
    let free = engine
        .models()
        .create_study(workspace, StudyKind::Interview, "Uncapped", None)
        .await
        .unwrap();
    let scope = CallScope::study(workspace, study.id);
    for question in ["one?", "two?"] {
        engine
            .models()
            .chat(&ask(question, scope.clone()))
            .await
            .unwrap();
    }
    let stopped = engine
        .models()
        .chat(&ask("three?", scope.clone()))
        .await
        .unwrap_err();
    assert_eq!(stopped.kind(), ErrorKind::BudgetReached);
    assert_eq!(
        stopped.to_string(),
        "this study has used $0.0040 of its $0.0040 model budget; raise the budget to continue"
    );
    assert_eq!(server.calls(), 2, "the third call never left the machine");
    engine
        .models()
        .chat(&ask("still fine?", CallScope::study(workspace, free.id)))
        .await
        .unwrap();

    engine
        .models()
        .set_study_budget(study.id, Some(10_000))
        .await
        .unwrap();
    engine.models().chat(&ask("three?", scope)).await.unwrap();

    let spend = engine
        .models()
        .workspace_spend(workspace, 30)
        .await
        .unwrap();
    assert_eq!(spend.total_micros, 4 * 2_000);
    assert_eq!(spend.calls, 5, "four answered calls and one refused");
    assert_eq!(spend.failed_calls, 1);
    assert_eq!((spend.input_tokens, spend.output_tokens), (4_000, 2_000));
    let capped = spend
        .by_study
        .iter()
        .find(|s| s.study_id == study.id)
        .unwrap();
    assert_eq!(
        (capped.spent_micros, capped.budget_micros, capped.calls),
        (6_000, Some(10_000), 4)
    );
    let uncapped = spend
        .by_study
        .iter()
        .find(|s| s.study_id == free.id)
        .unwrap();
    assert_eq!(
        (uncapped.spent_micros, uncapped.budget_micros),
        (2_000, None)
    );
    assert_eq!(spend.by_day.len(), 1);
    assert_eq!(spend.by_day[0].cost_micros, 8_000);
    assert_eq!(spend.by_model[0].model, "qwen-7b");
}

/// A question whose estimate is exact against the loopback server (which reports 1,000 prompt
/// and 500 completion tokens): 3,996 characters plus a message's 4 read as 1,000 tokens, and at
/// most 500 tokens back, so the reservation is the $0.002 the call costs.
fn exactly_estimated(number: usize, scope: CallScope) -> pw_engine::models::ChatRequest {
    let question = format!("{number:05} {}", "x".repeat(3_990));
    assert_eq!(question.chars().count(), 3_996);
    let mut request = ask(&question, scope);
    request.max_tokens = Some(500);
    request
}

#[tokio::test]
async fn two_hundred_concurrent_calls_stop_at_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "budget-concurrent").await;
    add_team_server(&engine, &base_url).await;
    let workspace = workspace(&engine, "Survey client").await;
    // $0.05 at $0.002 a call: room for exactly 25 of the 200.
    let budget = 50_000;
    let study = engine
        .models()
        .create_study(workspace, StudyKind::Survey, "Big survey", Some(budget))
        .await
        .unwrap();
    let scope = CallScope::study(workspace, study.id);
    let calls: Vec<_> = (0..200)
        .map(|number| {
            let engine = engine.clone();
            let request = exactly_estimated(number, scope.clone());
            tokio::spawn(async move { engine.models().chat(&request).await })
        })
        .collect();
    let (mut answered, mut refused) = (0, 0);
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => answered += 1,
            Err(error) if error.kind() == ErrorKind::BudgetReached => refused += 1,
            Err(error) => panic!("unexpected failure: {error}"),
        }
    }
    // Estimates are exact here, so the documented overshoot bound (the estimate error of the
    // calls in flight at the cap) is zero: the study spends its budget and not a micro more.
    assert_eq!((answered, refused), (25, 175));
    assert_eq!(server.calls(), 25, "refused calls never left the machine");
    let spend = engine
        .models()
        .workspace_spend(workspace, 30)
        .await
        .unwrap();
    let capped = spend
        .by_study
        .iter()
        .find(|s| s.study_id == study.id)
        .unwrap();
    assert_eq!(capped.spent_micros, budget);
    assert_eq!(
        capped.calls, 200,
        "every call is on the ledger, refused ones too"
    );
    assert_eq!(spend.failed_calls, 175);
}

/// A vendor whose answers use half as many tokens again as the gateway estimated: 1,500 in and
/// 750 out for [`exactly_estimated`] questions, $0.003 a call against the $0.002 reserved.
async fn over_reporting_server() -> (Arc<std::sync::atomic::AtomicUsize>, String) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |axum::Json(body): axum::Json<serde_json::Value>| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                axum::Json(serde_json::json!({
                    "id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
                    "choices": [{ "index": 0, "message": { "role": "assistant", "content": "an answer" }, "finish_reason": "stop" }],
                    "usage": { "prompt_tokens": 1500, "completion_tokens": 750, "total_tokens": 2250 }
                }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (calls, format!("http://{address}/v1"))
}

/// Estimates that run low: every call costs 1.5x what it reserved. ARCHITECTURE.md's bound is
/// that calls in flight at the cap finish past it by at most the sum of their excesses; their
/// reservations all fit in the budget, so with every estimate low by half the overshoot is at
/// most half the budget (and at most $0.001 per answered call). On two worker threads, so
/// reservations and settlements really race.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_that_cost_more_than_estimated_overshoot_within_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let (server_calls, base_url) = over_reporting_server().await;
    let engine = engine(dir.path(), "budget-underestimated").await;
    add_team_server(&engine, &base_url).await;
    let workspace = workspace(&engine, "Survey client").await;
    let budget: i64 = 50_000;
    let (estimate, actual) = (2_000_i64, 3_000_i64);
    let study = engine
        .models()
        .create_study(workspace, StudyKind::Survey, "Dense survey", Some(budget))
        .await
        .unwrap();
    let scope = CallScope::study(workspace, study.id);
    let calls: Vec<_> = (0..200)
        .map(|number| {
            let engine = engine.clone();
            let request = exactly_estimated(number, scope.clone());
            tokio::spawn(async move { engine.models().chat(&request).await })
        })
        .collect();
    let (mut answered, mut refused) = (0_i64, 0_i64);
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => answered += 1,
            Err(error) if error.kind() == ErrorKind::BudgetReached => refused += 1,
            Err(error) => panic!("unexpected failure: {error}"),
        }
    }
    assert_eq!(answered + refused, 200);
    assert_eq!(
        server_calls.load(std::sync::atomic::Ordering::SeqCst) as i64,
        answered,
        "refused calls never left the machine"
    );
    let spend = engine
        .models()
        .workspace_spend(workspace, 30)
        .await
        .unwrap();
    let capped = spend
        .by_study
        .iter()
        .find(|s| s.study_id == study.id)
        .unwrap();
    assert_eq!(
        capped.spent_micros,
        answered * actual,
        "every answer is charged"
    );
    assert_eq!(capped.calls, 200, "every call is on the ledger");
    let overshoot = capped.spent_micros - budget;
    // The calls in flight at the cap held at most the whole budget between them, each one
    // estimate: at most budget / estimate of them, each over by `actual - estimate`.
    let in_flight_at_most = (budget / estimate).min(answered);
    assert!(
        overshoot <= in_flight_at_most * (actual - estimate),
        "{answered} answered, {overshoot} µ$ over a {budget} µ$ budget"
    );
    assert!(overshoot <= budget / 2, "{overshoot}");
    // And the budget was used: calls stop only once another estimate no longer fits.
    assert!(
        capped.spent_micros > budget - estimate,
        "{answered} answered, {} µ$ spent",
        capped.spent_micros
    );
}

/// Makes the next `failures` inserts into `llm_calls` fail, through a second connection to the
/// engine's SQLite file (a trigger that raises; `FAIL` keeps its own countdown).
async fn fail_ledger_writes(database: &std::path::Path, failures: i64) {
    use sqlx::ConnectOptions;
    let mut connection = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(database)
        .connect()
        .await
        .unwrap();
    sqlx::query("CREATE TABLE IF NOT EXISTS test_ledger_faults (remaining INTEGER NOT NULL)")
        .execute(&mut connection)
        .await
        .unwrap();
    sqlx::query("DELETE FROM test_ledger_faults")
        .execute(&mut connection)
        .await
        .unwrap();
    sqlx::query("INSERT INTO test_ledger_faults VALUES (?)")
        .bind(failures)
        .execute(&mut connection)
        .await
        .unwrap();
    sqlx::query(
        "CREATE TRIGGER IF NOT EXISTS test_ledger_fault BEFORE INSERT ON llm_calls
         WHEN (SELECT remaining FROM test_ledger_faults) > 0
         BEGIN
             UPDATE test_ledger_faults SET remaining = remaining - 1;
             SELECT RAISE(FAIL, 'simulated ledger write failure');
         END",
    )
    .execute(&mut connection)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_ledger_write_that_fails_is_retried_and_never_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "ledger-faults").await;
    add_team_server(&engine, &base_url).await;
    let workspace = workspace(&engine, "Ledger client").await;
    // Two calls of $0.002 fit.
    let study = engine
        .models()
        .create_study(workspace, StudyKind::Survey, "Fragile", Some(4_000))
        .await
        .unwrap();
    let scope = CallScope::study(workspace, study.id);
    let database = EngineConfig::new(dir.path()).database_path();

    // A transient failure: the write is retried and the call is filed.
    fail_ledger_writes(&database, 2).await;
    engine
        .models()
        .chat(&ask("one?", scope.clone()))
        .await
        .unwrap();
    let spend = engine
        .models()
        .workspace_spend(workspace, 30)
        .await
        .unwrap();
    assert_eq!((spend.calls, spend.total_micros), (1, 2_000));

    // A failure that outlasts the retries is surfaced, and the spend still counts.
    fail_ledger_writes(&database, 1_000).await;
    let unfiled = engine
        .models()
        .chat(&ask("two?", scope.clone()))
        .await
        .unwrap_err();
    assert_eq!(unfiled.kind(), ErrorKind::Unavailable);
    assert!(
        unfiled
            .to_string()
            .contains("could not be filed on the ledger"),
        "{unfiled}"
    );
    fail_ledger_writes(&database, 0).await;
    let stopped = engine
        .models()
        .chat(&ask("three?", scope.clone()))
        .await
        .unwrap_err();
    assert_eq!(
        stopped.kind(),
        ErrorKind::BudgetReached,
        "the unfiled call's $0.002 counts against the budget"
    );
    assert_eq!(server.calls(), 2);
}

/// A call charged to a study there is no record of (deleted, or a script's typo) is refused
/// before it is sent: its spend could not be filed, so it must not be paid for.
#[tokio::test]
async fn a_call_for_a_study_that_does_not_exist_is_refused_before_it_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "study-not-found").await;
    add_team_server(&engine, &base_url).await;
    let workspace = workspace(&engine, "Scripted client").await;
    engine
        .models()
        .set_task_route(Task::TwinDialogue, vec![Route::new("team-vllm", "qwen-7b")])
        .await
        .unwrap();
    let error = engine
        .models()
        .chat(&ask("hello?", CallScope::study(workspace, "no-such-study")))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    assert!(
        error.to_string().contains("no study with id no-such-study"),
        "{error}"
    );
    assert_eq!(server.calls(), 0, "nothing was sent");
}

#[tokio::test]
async fn a_study_with_a_budget_never_routes_to_a_model_without_a_price() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "price-unknown").await;
    add_team_server(&engine, &base_url).await;
    let workspace = workspace(&engine, "Unpriced client").await;
    let capped = engine
        .models()
        .create_study(workspace, StudyKind::Survey, "Capped", Some(1_000_000))
        .await
        .unwrap();
    let uncapped = engine
        .models()
        .create_study(workspace, StudyKind::Survey, "Uncapped", None)
        .await
        .unwrap();
    let capped = CallScope::study(workspace, capped.id);
    let uncapped = CallScope::study(workspace, uncapped.id);

    // Unpriced first: a study with a budget falls through to the priced model.
    engine
        .models()
        .set_task_route(
            Task::TwinDialogue,
            vec![
                Route::new("team-vllm", "mystery-7b"),
                Route::new("team-vllm", "qwen-7b"),
            ],
        )
        .await
        .unwrap();
    engine
        .models()
        .chat(&ask("which?", capped.clone()))
        .await
        .unwrap();
    let asked = |server: &VendorServer| -> Vec<String> {
        server
            .received
            .lock()
            .unwrap()
            .iter()
            .map(|(_, body)| body["model"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(asked(&server), ["qwen-7b"]);

    // Only the unpriced model: refused in words, before anything is sent.
    engine
        .models()
        .set_task_route(
            Task::TwinDialogue,
            vec![Route::new("team-vllm", "mystery-7b")],
        )
        .await
        .unwrap();
    let refused = engine
        .models()
        .chat(&ask("and now?", capped.clone()))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::NotConfigured);
    assert_eq!(
        refused.to_string(),
        "set a price for team-vllm/mystery-7b in Models & keys to use it in a study with a budget"
    );
    assert_eq!(asked(&server), ["qwen-7b"]);

    // Models & keys lists it as price unknown.
    assert_eq!(
        engine.models().unpriced().await.unwrap(),
        [Route::new("team-vllm", "mystery-7b")]
    );

    // Without a budget the model may answer; its cost is unknown, not zero.
    engine.models().chat(&ask("free?", uncapped)).await.unwrap();
    assert_eq!(asked(&server), ["qwen-7b", "mystery-7b"]);
    let database = EngineConfig::new(dir.path()).database_path();
    let mut connection = sqlx::ConnectOptions::connect(
        &sqlx::sqlite::SqliteConnectOptions::new().filename(&database),
    )
    .await
    .unwrap();
    let costs: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT cost_micros FROM llm_calls WHERE model = 'mystery-7b' AND outcome = 'ok'",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    assert_eq!(
        costs,
        [None],
        "an unpriced call's cost is unknown, not zero"
    );
    let spend = engine
        .models()
        .workspace_spend(workspace, 30)
        .await
        .unwrap();
    assert_eq!(
        (spend.total_micros, spend.unpriced_calls),
        (2_000, 1),
        "the total holds the priced call; the unpriced one is counted apart"
    );
    let mystery = spend
        .by_model
        .iter()
        .find(|m| m.model == "mystery-7b")
        .unwrap();
    assert_eq!((mystery.cost_micros, mystery.unpriced_calls), (0, 1));
    // The two refusals of the unpriced model were never sent: they are no calls, and no
    // failed calls, in the spend views.
    assert_eq!(
        (spend.calls, spend.failed_calls, mystery.calls),
        (2, 0, 1),
        "a route refused for its unknown price is filed as if it had been called"
    );

    // Once priced, the study with a budget uses it.
    engine
        .models()
        .edit_price(ModelInfo {
            vendor: "team-vllm".into(),
            model: "mystery-7b".into(),
            context_window: 8_192,
            input_micros_per_mtok: 500_000,
            output_micros_per_mtok: 500_000,
            embedding: false,
            source: "edited".into(),
        })
        .await
        .unwrap();
    assert!(engine.models().unpriced().await.unwrap().is_empty());
    engine
        .models()
        .chat(&ask("priced now?", capped))
        .await
        .unwrap();
    assert_eq!(asked(&server), ["qwen-7b", "mystery-7b", "mystery-7b"]);
}

#[tokio::test]
async fn a_finished_study_replays_from_the_cache_with_zero_calls() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "replay").await;
    add_team_server(&engine, &base_url).await;
    let workspace = workspace(&engine, "Replay client").await;
    let study = engine
        .models()
        .create_study(workspace, StudyKind::FocusGroup, "Packaging", None)
        .await
        .unwrap();
    let scope = CallScope::study(workspace, study.id);
    let questions = ["What do you notice first?", "Would you buy it?", "Why?"];
    let mut first_run = Vec::new();
    for question in questions {
        first_run.push(
            engine
                .models()
                .chat(&ask(question, scope.clone()))
                .await
                .unwrap()
                .text,
        );
    }
    assert_eq!(server.calls(), 3);

    // The cache lives in the database: a new process replays it.
    engine.shutdown().await;
    let engine = self::engine(dir.path(), "replay").await;
    let replay = scope.clone().with_cache(CacheMode::Replay);
    let mut replayed = Vec::new();
    for question in questions {
        replayed.push(
            engine
                .models()
                .chat(&ask(question, replay.clone()))
                .await
                .unwrap()
                .text,
        );
    }
    assert_eq!(replayed, first_run);
    assert_eq!(server.calls(), 3, "replay made no calls");
    let missing = engine
        .models()
        .chat(&ask("A new question", replay))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    let spend = engine
        .models()
        .workspace_spend(workspace, 30)
        .await
        .unwrap();
    assert_eq!(spend.cache_hits, 3);
    assert_eq!(spend.total_micros, 3 * 2_000, "hits cost nothing");
}

#[tokio::test]
async fn with_no_key_or_offline_every_task_runs_on_the_local_models() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "offline").await;
    let settings = engine.models().settings().await.unwrap();
    assert!(settings.local_chat_model.present && settings.local_embedding_model.present);

    // A fresh install: nothing configured, the local model answers.
    let mut request = ask("Say hi.", CallScope::default());
    request.max_tokens = Some(8);
    let reply = engine.models().chat(&request).await.unwrap();
    assert_eq!(reply.vendor, pw_engine::models::LOCAL_VENDOR);

    // A cloud route is configured, but offline mode keeps calls on this machine.
    add_team_server(&engine, &base_url).await;
    engine.models().set_offline(true).await.unwrap();
    assert!(engine.models().settings().await.unwrap().offline);
    let reply = engine.models().chat(&request).await.unwrap();
    assert_eq!(reply.vendor, pw_engine::models::LOCAL_VENDOR);
    let vectors = engine
        .models()
        .gateway()
        .await
        .unwrap()
        .embed(&CallScope::default(), &["cold brew".to_owned()])
        .await
        .unwrap();
    assert_eq!(vectors[0].len(), 384);
    assert_eq!(server.calls(), 0);

    engine.models().set_offline(false).await.unwrap();
    assert_eq!(
        engine.models().chat(&request).await.unwrap().vendor,
        "team-vllm"
    );
    assert_eq!(server.calls(), 1);
}

#[tokio::test]
async fn a_workspace_can_answer_with_its_own_model() {
    let dir = tempfile::tempdir().unwrap();
    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "workspace-model").await;
    add_team_server(&engine, &base_url).await;
    let client = workspace(&engine, "Client with own deployment").await;
    let other = workspace(&engine, "Other client").await;
    engine
        .models()
        .set_workspace_model(client, Some(Route::new("team-vllm", "client-ft-model")))
        .await
        .unwrap();
    engine
        .models()
        .chat(&ask("hi", CallScope::workspace(client)))
        .await
        .unwrap();
    engine
        .models()
        .chat(&ask("hi", CallScope::workspace(other)))
        .await
        .unwrap();
    let models: Vec<String> = server
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| body["model"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(models, ["client-ft-model", "qwen-7b"]);

    // Settings refuse what can't work, in words.
    let unknown = engine
        .models()
        .set_task_route(Task::Analysis, vec![Route::new("nobody", "x")])
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::InvalidInput);
    let no_address = engine
        .models()
        .save_vendor(VendorInput {
            name: Some("ollama".into()),
            kind: VendorKind::OpenAiCompatible,
            base_url: None,
            requests_per_minute: None,
            tokens_per_minute: None,
            max_concurrency: None,
            azure_api_version: None,
        })
        .await
        .unwrap_err();
    assert!(
        no_address
            .to_string()
            .contains("needs the server's address"),
        "{no_address}"
    );
}

#[tokio::test]
async fn a_gguf_downloaded_by_a_job_becomes_the_local_model() {
    let bytes = Arc::new(
        std::fs::read(
            models_dir()
                .join("smollm2")
                .join("SmolLM2-135M-Instruct.Q4_1.gguf"),
        )
        .unwrap(),
    );
    let served = bytes.clone();
    let app = axum::Router::new().route(
        "/files/{name}",
        axum::routing::get(move || {
            let body = served.clone();
            async move { body.as_ref().clone() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let mut config = EngineConfig::new(dir.path());
    config.models_dir = models.clone();
    config.keychain_service = format!("ProfitWheel test download {}", std::process::id());
    config.runner.poll = std::time::Duration::from_millis(50);
    let engine = Engine::open(config).await.unwrap();
    // No bundled model in this folder: nothing local can answer yet.
    let before = engine
        .models()
        .chat(&ask("Say hi.", CallScope::default()))
        .await
        .unwrap_err();
    assert_eq!(before.kind(), ErrorKind::NotConfigured);

    let bad = engine
        .models()
        .start_download(&format!("http://{address}/files/model.bin"), None)
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);
    let bad_sum = engine
        .models()
        .start_download(
            &format!("http://{address}/files/m.gguf"),
            Some("abc".into()),
        )
        .await
        .unwrap_err();
    assert!(bad_sum.to_string().contains("64 hexadecimal"), "{bad_sum}");

    engine.start_workers().await;
    let job = engine
        .models()
        .start_download(&format!("http://{address}/files/Tiny-Chat.Q4_1.gguf"), None)
        .await
        .unwrap();
    let mut messages = Vec::new();
    let done = engine
        .jobs()
        .wait(&job.id, |j| messages.extend(j.progress_message.clone()))
        .await
        .unwrap();
    assert_eq!(
        done.state,
        pw_engine::jobs::JobState::Succeeded,
        "{:?}",
        done.last_error
    );
    assert!(
        messages.iter().any(|m| m.contains(" MB of ")),
        "{messages:?}"
    );
    let file = models.join("Tiny-Chat.Q4_1.gguf");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), bytes.len() as u64);

    let settings = engine.models().settings().await.unwrap();
    assert_eq!(settings.local_model_files, vec![file.clone()]);
    engine
        .models()
        .set_local_chat_model(Some(file))
        .await
        .unwrap();
    let mut request = ask("Say hi.", CallScope::default());
    request.max_tokens = Some(4);
    let reply = engine.models().chat(&request).await.unwrap();
    assert_eq!(
        (reply.vendor.as_str(), reply.model.as_str()),
        ("local", "Tiny-Chat.Q4_1")
    );
    assert_eq!(
        engine
            .models()
            .settings()
            .await
            .unwrap()
            .local_chat_model
            .name,
        "Tiny-Chat.Q4_1.gguf"
    );

    let not_a_model = engine
        .models()
        .set_local_chat_model(Some(dir.path().join("profitwheel.sqlite3")))
        .await
        .unwrap_err();
    assert_eq!(not_a_model.kind(), ErrorKind::InvalidInput);
    engine.shutdown().await;
}
