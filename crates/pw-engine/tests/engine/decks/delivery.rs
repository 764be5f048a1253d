//! Decks written into folders: scheduled deliveries and the desktop's exports, never over
//! another file.

use pw_engine::ErrorKind;
use pw_engine::decks::{DeckFormat, DeckSpec};
use pw_engine::jobs::JobState;

/// A delivery builds its deck for the period before the day it runs, into the folder the user
/// picked, and keeps it as a version; a folder that is gone fails the delivery saying so.
#[tokio::test]
async fn a_delivery_writes_its_deck_into_its_folder_and_a_missing_folder_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = crate::evidence::demo_copy(dir.path(), "decks-delivery").await;
    let decks = engine.decks();
    let folder = dir.path().join("Client share");
    std::fs::create_dir(&folder).unwrap();
    let spec: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Weekly review",
        "sections": [{ "kind": "dashboard" }]
    }))
    .unwrap();
    let delivery = pw_engine::decks::Delivery {
        name: "Monday".into(),
        spec: spec.clone(),
        format: DeckFormat::Pdf,
        folder: folder.clone(),
        period_days: Some(7),
    };
    let refused = decks
        .schedule_delivery(workspace, &delivery, "every monday")
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidInput);
    let nowhere = decks
        .schedule_delivery(
            workspace,
            &pw_engine::decks::Delivery {
                folder: dir.path().join("nowhere"),
                ..delivery.clone()
            },
            "0 7 * * MON",
        )
        .await
        .unwrap_err();
    assert!(nowhere.to_string().contains("is not there"), "{nowhere}");
    let scheduled = decks
        .schedule_delivery(workspace, &delivery, "0 7 * * MON")
        .await
        .unwrap();
    assert_eq!(scheduled.cron, "0 7 * * MON");
    let listed = decks.deliveries(workspace).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].delivery, delivery);

    let job = decks.deliver_now(workspace, "Monday").await.unwrap();
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.last_error);
    let result = done.result.unwrap();
    // The period ends the day before the delivery was due (for Deliver now, when it was asked).
    let due = chrono::DateTime::from_timestamp_millis(done.payload["fire_at_ms"].as_i64().unwrap())
        .unwrap()
        .with_timezone(&chrono::Local)
        .date_naive();
    let (from, to) = pw_engine::decks::period_before(due, 7).unwrap();
    let path = folder.join(format!("Weekly review {to}.pdf"));
    assert_eq!(result["path"], path.display().to_string(), "{result}");
    assert_eq!(result["version"], 1);
    let written = std::fs::read(&path).unwrap();
    assert!(written.starts_with(b"%PDF-"));
    let files = decks.files(workspace).await.unwrap();
    assert_eq!(files.len(), 1);
    let (_, kept) = decks.file(workspace, &files[0].id).await.unwrap();
    assert_eq!(kept, written, "the delivered file is the kept version");
    // The deck covers the week before the delivery.
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("{from} to {to}")), "{text}");

    // Delivered again the same day: beside the first, never over it.
    let job = decks.deliver_now(workspace, "Monday").await.unwrap();
    let again = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(again.state, JobState::Succeeded, "{:?}", again.last_error);
    let again = again.result.unwrap();
    assert_eq!(
        again["path"],
        folder
            .join(format!("Weekly review {to} (2).pdf"))
            .display()
            .to_string(),
        "{again}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), written, "the first stays");
    // A spec naming a session that is not there is refused when it is scheduled, not every
    // Monday after.
    let deleted: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Weekly review",
        "sections": [{ "kind": "insights", "session": "0193a2b4-0000-7000-8000-000000000000" }]
    }))
    .unwrap();
    let refused = decks
        .schedule_delivery(
            workspace,
            &pw_engine::decks::Delivery {
                name: "Tuesday".into(),
                spec: deleted,
                ..delivery.clone()
            },
            "0 7 * * TUE",
        )
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("section 1"), "{refused}");

    // The folder goes (a drive unplugged): the next delivery fails and says why; nothing is
    // kept.
    std::fs::remove_dir_all(&folder).unwrap();
    let job = decks.deliver_now(workspace, "Monday").await.unwrap();
    let done = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(done.state, JobState::Failed);
    let why = done.last_error.unwrap();
    assert!(why.contains("Monday was not delivered"), "{why}");
    assert!(why.contains("is not there"), "{why}");
    assert_eq!(decks.files(workspace).await.unwrap().len(), 2);

    decks.remove_delivery(workspace, "Monday").await.unwrap();
    assert!(decks.deliveries(workspace).await.unwrap().is_empty());
    let gone = decks.deliver_now(workspace, "Monday").await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound);
    engine.shutdown().await;
}

/// The desktop's Build writes each version into the workspace's own exports folder under its
/// version's name; showing a version again writes nothing new, and a copy the person changed
/// there is never overwritten: the kept version goes beside it, once.
#[tokio::test]
async fn built_decks_go_to_the_workspaces_folder_and_showing_one_never_overwrites_or_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = crate::evidence::demo_copy(dir.path(), "decks-exports").await;
    let decks = engine.decks();
    let spec: DeckSpec = serde_json::from_value(serde_json::json!({
        "title": "Exports review",
        "sections": [{ "kind": "dashboard" }]
    }))
    .unwrap();
    let (first, first_path) = decks
        .build_into_exports(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    let (second, second_path) = decks
        .build_into_exports(workspace, &spec, DeckFormat::Pptx)
        .await
        .unwrap();
    assert_eq!((first.file.version, second.file.version), (1, 2));
    assert!(
        first_path.ends_with("Exports review v1.pptx"),
        "{first_path:?}"
    );
    assert!(
        second_path.ends_with("Exports review v2.pptx"),
        "{second_path:?}"
    );
    assert_eq!(first_path.parent(), second_path.parent());
    assert_eq!(std::fs::read(&first_path).unwrap(), first.built.bytes);
    // Shown again: the same file, nothing written.
    let shown = decks.write_out(workspace, &first.file.id).await.unwrap();
    assert_eq!(shown, first_path);
    // The person edited the exported v1: it stays; the kept v1 goes beside it, and only once.
    std::fs::write(&first_path, b"edited in PowerPoint").unwrap();
    let beside = decks.write_out(workspace, &first.file.id).await.unwrap();
    assert!(beside.ends_with("Exports review v1 (2).pptx"), "{beside:?}");
    assert_eq!(std::fs::read(&first_path).unwrap(), b"edited in PowerPoint");
    assert_eq!(std::fs::read(&beside).unwrap(), first.built.bytes);
    assert_eq!(
        decks.write_out(workspace, &first.file.id).await.unwrap(),
        beside
    );
    assert_eq!(
        std::fs::read_dir(first_path.parent().unwrap())
            .unwrap()
            .count(),
        3
    );
    engine.shutdown().await;
}
