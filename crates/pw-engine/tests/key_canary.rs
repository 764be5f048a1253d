//! A canary key, in a test binary of its own (it captures every log line, and tracing's
//! per-call-site cache of "is anyone listening" is shared with tests on other threads).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

mod support;

use std::sync::Mutex;

use pw_engine::models::{CallScope, StudyKind, VendorInput, VendorKind};
use pw_engine::{ErrorKind, Secret};
use support::{VendorServer, add_team_server, ask, engine, file_contents, workspace};

#[tokio::test]
async fn a_canary_key_reaches_the_vendor_and_no_file_the_app_writes() {
    let canary = format!("sk-canary-{}-a1b2c3d4e5f6", std::process::id());
    let dir = tempfile::tempdir().unwrap();
    // Everything the engine logs, at every level, goes to a file in the data folder.
    let log_path = dir.path().join("profitwheel.log");
    let log_file = std::fs::File::create(&log_path).unwrap();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(Mutex::new(log_file))
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);

    let (server, base_url) = VendorServer::start().await;
    let engine = engine(dir.path(), "canary").await;
    add_team_server(&engine, &base_url).await;
    engine
        .models()
        .set_vendor_key("team-vllm", Secret::new(canary.clone()))
        .await
        .unwrap();

    let settings = engine.models().settings().await.unwrap();
    let vendor = &settings.vendors[0];
    assert!(vendor.key_configured);
    assert!(!format!("{settings:?}").contains(&canary));

    let workspace = workspace(&engine, "Canary client").await;
    let study = engine
        .models()
        .create_study(workspace, StudyKind::FocusGroup, "Cold brew", None)
        .await
        .unwrap();
    let reply = engine
        .models()
        .chat(&ask(
            "Why cold brew?",
            CallScope::study(workspace, study.id),
        ))
        .await
        .unwrap();
    assert_eq!(reply.text, "answer to: Why cold brew?");
    {
        let received = server.received.lock().unwrap();
        assert_eq!(
            received[0].0["authorization"].to_str().unwrap(),
            format!("Bearer {canary}"),
            "the key from the keychain is what the vendor receives"
        );
    }

    // A vendor that echoes the key in its refusal: the error the user sees is scrubbed.
    *server.refuse.lock().unwrap() = true;
    let refused = engine
        .models()
        .chat(&ask("Again?", CallScope::study(workspace, study.id)))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::NotConfigured);
    assert!(refused.to_string().contains("[redacted]"), "{refused}");
    assert!(!refused.to_string().contains(&canary));
    let check = engine
        .models()
        .test_vendor("team-vllm", None)
        .await
        .unwrap_err();
    assert_eq!(check.kind(), ErrorKind::NotConfigured);
    assert!(!check.to_string().contains(&canary));

    std::fs::create_dir_all(dir.path().join("exports")).unwrap();
    engine
        .workspaces()
        .export(workspace, &dir.path().join("exports/canary.pwx"))
        .await
        .unwrap();
    engine.shutdown().await;
    drop(_logging);

    let files = file_contents(dir.path());
    assert!(
        files
            .iter()
            .any(|(p, _)| p.ends_with("profitwheel.sqlite3")),
        "{:?}",
        files.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    assert!(files.iter().any(|(p, _)| p.ends_with("canary.pwx")));
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("gen_ai"), "the log saw the model calls");
    for (path, bytes) in &files {
        assert!(
            !bytes
                .windows(canary.len())
                .any(|window| window == canary.as_bytes()),
            "{} contains the key",
            path.display()
        );
    }

    // Removing the vendor removes its key from the keychain.
    let engine = self::engine(dir.path(), "canary").await;
    engine.models().remove_vendor("team-vllm").await.unwrap();
    assert!(engine.models().settings().await.unwrap().vendors.is_empty());
    engine
        .models()
        .save_vendor(VendorInput {
            name: Some("team-vllm".into()),
            kind: VendorKind::OpenAiCompatible,
            base_url: Some(base_url),
            requests_per_minute: None,
            tokens_per_minute: None,
            max_concurrency: None,
            azure_api_version: None,
        })
        .await
        .unwrap();
    assert!(!engine.models().settings().await.unwrap().vendors[0].key_configured);
    engine.models().remove_vendor("team-vllm").await.unwrap();
}
