//! Grounding reports with a scripted model: claims are checked against the signals they cite,
//! a report with no grounded claim is not stored, a failing model leaves the previous version,
//! and every stored claim leads to its signals and the rows behind them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support;
use crate::support::{NAMES, ScriptedModel, audience, build, gateway, seeded, ws};
use pw_evidence::error::EvidenceError;
use pw_evidence::reports::{ReportKind, ReportWriter, list_reports, read_report};
use pw_evidence::repository::EvidenceStore;
use pw_evidence::signals::SignalKind;
use pw_llm::Gateway;
use pw_store::Database;
use tokio_util::sync::CancellationToken;

/// The seeded workspace with its signals built; the model then answers `answers` in order.
async fn with_signals(answers: Vec<Result<String, ()>>) -> (tempfile::TempDir, Database, Gateway) {
    let (dir, db) = seeded().await;
    let mut script = vec![Ok(NAMES.to_owned()), Ok(NAMES.to_owned())];
    script.extend(answers);
    let gateway = gateway(ScriptedModel::new(script));
    build(&db, &gateway, &CancellationToken::new())
        .await
        .unwrap();
    (dir, db, gateway)
}

fn writer<'a>(db: &'a Database, gateway: &'a Gateway) -> ReportWriter<'a> {
    ReportWriter {
        db,
        gateway,
        workspace_id: ws(),
        job_id: None,
    }
}

/// The handle under which the report prompt lists the signal whose statement contains `needle`
/// (the writer lists the audience's own signals first, strongest first).
async fn behavior_statements(db: &Database) -> Vec<String> {
    let mut signals: Vec<_> = EvidenceStore::new(db)
        .signals(ws(), Some(audience()), false)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.kind == SignalKind::Behavior)
        .collect();
    signals.sort_by(|a, b| {
        b.audience_id
            .is_some()
            .cmp(&a.audience_id.is_some())
            .then(b.q_value.is_some().cmp(&a.q_value.is_some()))
            .then(b.strength.abs().total_cmp(&a.strength.abs()))
    });
    signals.into_iter().take(12).map(|s| s.statement).collect()
}

#[tokio::test]
async fn only_claims_that_cite_listed_signals_and_their_numbers_are_kept() {
    let answer = r#"{"title": "What wins with coffee lovers", "claims": [
        {"text": "The Roasted Monday creative is the one to scale.", "cites": ["S1"]},
        {"text": "Everyone loves discounts.", "cites": []},
        {"text": "Video beats image by 40%.", "cites": ["S1"]},
        {"text": "Nothing here is real.", "cites": ["S99"]}
    ]}"#;
    let (_dir, db, gateway) = with_signals(vec![Ok(answer.into())]).await;
    let statements = behavior_statements(&db).await;
    assert!(!statements.is_empty());

    let id = writer(&db, &gateway)
        .write(audience(), ReportKind::Behavior)
        .await
        .unwrap();
    let report = read_report(&db, id).await.unwrap();
    assert_eq!(report.version, 1);
    assert_eq!(report.title, "What wins with coffee lovers");
    assert_eq!(report.written_by, "local/scripted");
    // One kept, three dropped: a second answer was asked for, the scripted model had none
    // left, and the first answer's grounded claim stands.
    assert_eq!(report.claims.len(), 1, "{report:#?}");
    assert_eq!(
        report.claims[0].text,
        "The Roasted Monday creative is the one to scale."
    );
    assert_eq!(report.claims[0].signals.len(), 1);
    assert_eq!(report.claims[0].signals[0].statement, statements[0]);
    assert!(report.claims_checked >= 4);
    assert_eq!(report.claims_dropped, report.claims_checked - 1);

    // Every kept claim leads to its signals, and each signal to the rows behind it.
    let rows = EvidenceStore::new(&db)
        .evidence_rows(report.claims[0].signals[0].id, 100)
        .await
        .unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| !r.title.is_empty()));
}

#[tokio::test]
async fn a_badly_cited_answer_is_asked_again_and_the_better_answer_kept() {
    let bad =
        r#"{"title": "Guesswork", "claims": [{"text": "People like coffee.", "cites": ["S42"]}]}"#;
    let good = r#"{"title": "Grounded", "claims": [
        {"text": "One creative wins clearly.", "cites": ["S1"]},
        {"text": "It also converts.", "cites": ["S1", "S2"]}
    ]}"#;
    let (_dir, db, gateway) = with_signals(vec![Ok(bad.into()), Ok(good.into())]).await;
    let id = writer(&db, &gateway)
        .write(audience(), ReportKind::Behavior)
        .await
        .unwrap();
    let report = read_report(&db, id).await.unwrap();
    assert_eq!(report.title, "Grounded");
    assert_eq!(report.claims.len(), 2);
    assert_eq!(report.claims[1].signals.len(), 2);
    assert_eq!(report.claims_checked, 3);
    assert_eq!(report.claims_dropped, 1);
}

#[tokio::test]
async fn a_report_that_cites_nothing_is_not_stored_as_if_it_were_grounded() {
    let uncited = r#"{"title": "Vibes", "claims": [{"text": "People like coffee.", "cites": []}]}"#;
    let (_dir, db, gateway) = with_signals(vec![Ok(uncited.into()), Ok(uncited.into())]).await;
    let error = writer(&db, &gateway)
        .write(audience(), ReportKind::Behavior)
        .await
        .unwrap_err();
    assert!(
        matches!(error, EvidenceError::Ungrounded { checked: 2, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("cites no signal"), "{error}");
    assert!(list_reports(&db, ws(), None).await.unwrap().is_empty());
}

#[tokio::test]
async fn regenerating_keeps_the_old_version_and_a_failing_model_leaves_it_in_place() {
    let good = |claim: &str| {
        format!(r#"{{"title": "Intent", "claims": [{{"text": "{claim}", "cites": ["S1"]}}]}}"#)
    };
    let (_dir, db, gateway) = with_signals(vec![
        Ok(good("Searches show where buyers are.")),
        Ok(good("Searches still show where buyers are.")),
        // The third report's model call fails outright.
    ])
    .await;
    let w = writer(&db, &gateway);
    let first = w.write(audience(), ReportKind::Intent).await.unwrap();
    let second = w.write(audience(), ReportKind::Intent).await.unwrap();
    assert_ne!(first, second);
    assert_eq!(read_report(&db, first).await.unwrap().version, 1);
    assert_eq!(read_report(&db, second).await.unwrap().version, 2);
    let error = w.write(audience(), ReportKind::Intent).await.unwrap_err();
    assert!(matches!(error, EvidenceError::Model(_)), "{error:?}");
    let listed = list_reports(&db, ws(), Some(audience())).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, second);
    assert_eq!(listed[0].versions, 2);
    // The old version is still readable.
    assert_eq!(read_report(&db, first).await.unwrap().claims.len(), 1);
}

#[tokio::test]
async fn an_audience_without_signals_of_a_kind_gets_a_clear_refusal() {
    let (_dir, db) = seeded().await;
    let gateway = gateway(ScriptedModel::new(vec![]));
    let error = writer(&db, &gateway)
        .write(audience(), ReportKind::Mentions)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("build signals first"), "{error}");
    let error = writer(&db, &gateway)
        .write(
            "0193a0c4-0000-7000-8000-0000000000ff".parse().unwrap(),
            ReportKind::Mentions,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, EvidenceError::AudienceNotFound(_)));
}

/// Signals are recomputed in place when data changes. A stored report keeps what its claims'
/// signals said when they were checked, says which changed, and whether each claim still holds.
#[tokio::test]
async fn an_older_report_shows_which_cited_evidence_changed_and_whether_its_claims_still_hold() {
    let (_dir, db, gateway) = with_signals(Vec::new()).await;
    let statements = behavior_statements(&db).await;
    // The strongest finding names the winning creative's click rate; cite it with its figure.
    let winner = statements
        .iter()
        .position(|s| s.contains("Roasted Monday"))
        .expect("the winning creative's finding");
    let handle = format!("S{}", winner + 1);
    let answer = format!(
        r#"{{"title": "What wins", "claims": [
            {{"text": "Roasted Monday is clicked at 2.5%.", "cites": ["{handle}"]}},
            {{"text": "Roasted Monday is the creative to scale.", "cites": ["{handle}"]}}
        ]}}"#
    );
    let model = ScriptedModel::new(vec![Ok(NAMES.into()), Ok(answer)]);
    let gateway_with_answer = support::gateway(model);
    let id = writer(&db, &gateway_with_answer)
        .write(audience(), ReportKind::Behavior)
        .await
        .unwrap();
    let fresh = read_report(&db, id).await.unwrap();
    assert_eq!(fresh.claims.len(), 2, "{fresh:#?}");
    assert!(
        fresh
            .claims
            .iter()
            .all(|c| c.holds_now && c.changed_since.is_empty())
    );

    // Roasted Monday's clicks halve; the signals are rebuilt (same id, new statement).
    sqlx::query("UPDATE daily_metrics SET clicks = 125 WHERE entity_id = ?")
        .bind(support::id(14))
        .execute(db.writer())
        .await
        .unwrap();
    build(&db, &gateway, &CancellationToken::new())
        .await
        .unwrap();
    let older = read_report(&db, id).await.unwrap();
    let with_figure = &older.claims[0];
    assert_eq!(with_figure.changed_since.len(), 1, "{older:#?}");
    let change = &with_figure.changed_since[0];
    assert_eq!(change.statement_then, statements[winner]);
    assert!(change.statement_then.contains("2.5%"));
    assert_ne!(with_figure.signals[0].statement, change.statement_then);
    assert!(
        !with_figure.holds_now,
        "2.5% is no longer what the evidence says"
    );
    // The claim without a figure still holds against the new statement, but its evidence is
    // shown as changed.
    assert!(older.claims[1].holds_now);
    assert_eq!(older.claims[1].changed_since.len(), 1);
}

/// The seeded search terms belong to no audience (as Google Ads reports them): an audience's
/// intent report may use them, but the model is told they describe the whole workspace.
#[tokio::test]
async fn workspace_wide_signals_are_marked_as_such_in_an_audience_s_report() {
    let (_dir, db, _) = with_signals(Vec::new()).await;
    let answer = r#"{"title": "Searches", "claims": [
        {"text": "Across all searchers, buying searches grew.", "cites": ["S1"]}
    ]}"#;
    let model = ScriptedModel::new(vec![Ok(answer.into())]);
    let gateway = support::gateway(model.clone());
    writer(&db, &gateway)
        .write(audience(), ReportKind::Intent)
        .await
        .unwrap();
    let prompts = model.prompts.lock().unwrap().clone();
    let prompt = prompts.last().expect("the report was asked for");
    let listed: Vec<&str> = prompt
        .lines()
        .filter(|line| line.starts_with('S') && line.contains(": "))
        .collect();
    assert!(!listed.is_empty(), "{prompt}");
    assert!(
        listed
            .iter()
            .all(|line| line.contains("[whole workspace, not only this audience]")),
        "{prompt}"
    );
}

/// A first answer's sound claims set aside for a better second answer failed no check: only
/// claims that failed theirs count as dropped.
#[tokio::test]
async fn claims_set_aside_for_a_better_answer_are_not_counted_as_dropped() {
    let first = r#"{"title": "First", "claims": [
        {"text": "One creative wins clearly.", "cites": ["S1"]},
        {"text": "Nothing here is real.", "cites": ["S99"]},
        {"text": "Everyone loves discounts.", "cites": []}
    ]}"#;
    let second = r#"{"title": "Second", "claims": [
        {"text": "One creative wins clearly.", "cites": ["S1"]},
        {"text": "It also converts.", "cites": ["S1", "S2"]},
        {"text": "The rest trail it.", "cites": ["S2"]}
    ]}"#;
    let (_dir, db, gateway) = with_signals(vec![Ok(first.into()), Ok(second.into())]).await;
    let id = writer(&db, &gateway)
        .write(audience(), ReportKind::Behavior)
        .await
        .unwrap();
    let report = read_report(&db, id).await.unwrap();
    assert_eq!(report.title, "Second");
    assert_eq!(report.claims.len(), 3);
    assert_eq!(report.claims_checked, 6);
    assert_eq!(
        report.claims_dropped, 2,
        "the two that failed, not the one set aside"
    );
}
