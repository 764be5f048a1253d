//! The fidelity harness on a real SQLite file: the shipped ANES 1996 file read as a survey with
//! its people, a run drawn like them, and the run set against them; a CSV with bad rows
//! reporting each; and a run's results exported as CSV and XLSX.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support;

use pw_surveys::answering::{RunAnswering, RunOutcome};
use pw_surveys::diagnostics::SpreadReference;
use pw_surveys::results::ResultOptions;
use pw_surveys::universe::{EDUCATION, SEGMENT};
use pw_surveys::{ResultsFormat, RunRequest, UniverseChoice};
use support::*;
use tokio_util::sync::CancellationToken;

async fn answer(db: &pw_store::Database, gateway: &pw_llm::Gateway, run: pw_domain::StudyId) {
    let cancel = CancellationToken::new();
    let outcome = RunAnswering {
        db,
        gateway,
        run,
        job_id: None,
        cancel: &cancel,
        on_progress: &|_| {},
    }
    .run()
    .await
    .unwrap();
    assert_eq!(outcome, RunOutcome::Completed);
}

#[tokio::test]
async fn the_anes_survey_runs_like_its_people_and_is_compared_with_them() {
    let (_dir, db) = seeded().await;
    let gateway = gateway(Respondents::new());
    let surveys = surveys(&db, gateway.clone());
    let (survey, people) = surveys.import_anes96(ws()).await.unwrap();
    assert_eq!(survey.summary.questions, 6);
    assert_eq!(
        people.rows + people.skipped.len(),
        944,
        "{:?}",
        people.skipped.first()
    );
    assert!(
        people.skipped.is_empty(),
        "the shipped file reads whole: {:?}",
        people.skipped
    );
    let education = people
        .dimensions
        .iter()
        .find(|d| d.name == EDUCATION)
        .unwrap();
    assert!((education.shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(education.source.contains("944 people"));
    // A second import finds the first.
    let (again, same) = surveys.import_anes96(ws()).await.unwrap();
    assert_eq!(
        (again.summary.id, same.id.clone()),
        (survey.summary.id, people.id.clone())
    );

    let run = surveys
        .start_run(
            ws(),
            &RunRequest {
                survey: survey.summary.id,
                respondents: 60,
                seed: Some(2),
                universe: UniverseChoice {
                    census: false,
                    human_set: Some(people.id.clone()),
                    ..UniverseChoice::default()
                },
                concurrency: Some(4),
            },
        )
        .await
        .unwrap();
    // Drawn like the file's people: its education shares, to within one respondent.
    let drawn = run.universe.dimension(EDUCATION).unwrap();
    assert_eq!(drawn.shares, education.shares);
    assert!(run.universe.dimension(SEGMENT).is_some());
    answer(&db, &gateway, run.id).await;

    let report = surveys
        .fidelity(run.id, &people.id, None, &ResultOptions::default())
        .await
        .unwrap();
    assert_eq!(report.by.as_deref(), Some("age_band"));
    assert_eq!(report.human_rows, 944);
    assert_eq!(report.questions.len(), 6);
    let self_lr = report
        .questions
        .iter()
        .find(|q| q.question == "self_lr")
        .unwrap();
    assert!(self_lr.ordered);
    assert_eq!(self_lr.categories.len(), 7);
    assert_eq!(self_lr.human_answers, 944);
    assert_eq!(self_lr.synthetic_answers, 60);
    let ks = self_lr.ks_similarity.unwrap();
    assert!((0.0..=1.0).contains(&ks));
    assert!(
        self_lr.human_standard_deviation.unwrap() > 1.0,
        "people spread over the scale"
    );
    assert!(self_lr.human_r_squared.is_some());
    let party = report
        .questions
        .iter()
        .find(|q| q.question == "party")
        .unwrap();
    assert!(!party.ordered && party.ks_similarity.is_none() && party.jensen_shannon_bits.is_some());
    let tv = report
        .questions
        .iter()
        .find(|q| q.question == "tv_news")
        .unwrap();
    assert!(tv.categories.is_empty() && tv.ks_similarity.is_some());
    assert!(report.overall.mean_jensen_shannon_bits.is_some());
    // With people's answers in, the diagnostics hold the run's spread to theirs.
    let results = surveys
        .results(run.id, &ResultOptions::default())
        .await
        .unwrap();
    let spread = results
        .diagnostics
        .iter()
        .find(|d| d.question == "self_lr")
        .unwrap()
        .spread
        .as_ref()
        .unwrap();
    assert_eq!(spread.reference, SpreadReference::Human);
    assert!(
        (spread.reference_standard_deviation - self_lr.human_standard_deviation.unwrap()).abs()
            < 1e-9
    );
}

#[tokio::test]
async fn a_file_with_bad_rows_reports_each_and_results_export_as_csv_and_xlsx() {
    let (_dir, db) = seeded().await;
    let gateway = gateway(Respondents::new());
    let surveys = surveys(&db, gateway.clone());
    let survey = surveys.import(ws(), SURVEY).await.unwrap();
    let run = surveys
        .start_run(
            ws(),
            &RunRequest {
                survey: survey.summary.id,
                respondents: 30,
                seed: Some(8),
                universe: UniverseChoice::default(),
                concurrency: Some(4),
            },
        )
        .await
        .unwrap();
    answer(&db, &gateway, run.id).await;
    let csv = "where,enjoy,cups,age\nshop,4,10,30\nstore,2,,41\nmoon,3,5,50\nonline,5,3,70\nonline,6,2,22\nshop,1,1\n";
    let mapping = vec![
        ("buy".to_owned(), "where".to_owned()),
        ("like".to_owned(), "enjoy".to_owned()),
        ("cups".to_owned(), "cups".to_owned()),
    ];
    let people = surveys
        .import_human_for_run(
            run.id,
            "panel.csv",
            csv,
            &mapping,
            &[("age_band".into(), "age".into())],
        )
        .await
        .unwrap();
    assert_eq!(people.rows, 3);
    let skipped: Vec<(usize, &str)> = people
        .skipped
        .iter()
        .map(|s| (s.line, s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (4, "column \"where\" (buy): \"moon\" is not an option"),
            (
                6,
                "column \"enjoy\" (like): \"6\" is not a whole number from 1 to 5"
            ),
            (7, "3 fields where the header has 4"),
        ]
    );
    // The same file read the same way again is the set already kept, not a newer copy.
    let again = surveys
        .import_human_for_run(
            run.id,
            "panel.csv",
            csv,
            &mapping,
            &[("age_band".into(), "age".into())],
        )
        .await
        .unwrap();
    assert_eq!(again.id, people.id);
    assert_eq!(
        surveys.human_sets(survey.summary.id).await.unwrap()[0].id,
        people.id,
        "read again, it is the newest"
    );
    let read_otherwise = surveys
        .import_human_for_run(run.id, "panel.csv", csv, &mapping, &[])
        .await
        .unwrap();
    assert_ne!(
        read_otherwise.id, people.id,
        "read without the age groups, it is another set"
    );
    assert_eq!(
        surveys.human_sets(survey.summary.id).await.unwrap().len(),
        2
    );
    let unknown = surveys
        .import_human_for_run(
            run.id,
            "panel.csv",
            csv,
            &[("buy".into(), "store".into())],
            &[],
        )
        .await
        .unwrap_err();
    assert!(
        unknown.to_string().contains("no column \"store\""),
        "{unknown}"
    );
    let report = surveys
        .fidelity(
            run.id,
            &people.id,
            Some("age_band"),
            &ResultOptions::default(),
        )
        .await
        .unwrap();
    let like = report
        .questions
        .iter()
        .find(|q| q.question == "like")
        .unwrap();
    assert_eq!(like.human_answers, 3);
    assert_eq!(report.skipped.len(), 3);

    let csv = surveys
        .export_results(run.id, ResultsFormat::Csv, &ResultOptions::default(), &[])
        .await
        .unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with("table,question,category,measure,value,low,high,count,base\n"));
    assert!(text.contains("\nQ:like,like,"), "{text}");
    assert!(text.contains("\nX:buy×segment,buy,"), "{text}");
    assert!(text.contains("\nD:cups,cups,"), "{text}");
    let xlsx = surveys
        .export_results(run.id, ResultsFormat::Xlsx, &ResultOptions::default(), &[])
        .await
        .unwrap();
    assert_eq!(&xlsx[..2], b"PK", "an XLSX file is a zip archive");
    assert!(xlsx.len() > 5_000);
}
