//! Survey runs on a real SQLite file: respondents drawn to the census and the workspace's
//! segments, each answering the whole survey in one conversation through the gateway, ratings
//! rated by similarity, invalid answers repaired once or recorded as item non-responses, and a
//! run killed mid-way resumed without losing or re-asking anyone.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use pw_domain::StudyId;
use pw_surveys::answering::{RunAnswering, RunOutcome};
use pw_surveys::definition::Answer;
use pw_surveys::diagnostics::Reliability;
use pw_surveys::open_ends::OpenEndCoding;
use pw_surveys::results::ResultOptions;
use pw_surveys::runs::{RunStatus, StoredAnswer};
use pw_surveys::universe::{AGE_BAND, REGION, SEGMENT, SEX};
use pw_surveys::{RunRequest, UniverseChoice};
use support::*;
use tokio_util::sync::CancellationToken;

async fn answer(db: &pw_store::Database, gateway: &pw_llm::Gateway, run: StudyId) -> RunOutcome {
    let cancel = CancellationToken::new();
    RunAnswering {
        db,
        gateway,
        run,
        job_id: None,
        cancel: &cancel,
        on_progress: &|_| {},
    }
    .run()
    .await
    .unwrap()
}

fn by_respondent(answers: &[StoredAnswer]) -> BTreeMap<usize, Vec<&StoredAnswer>> {
    let mut grouped: BTreeMap<usize, Vec<&StoredAnswer>> = BTreeMap::new();
    for answer in answers {
        grouped.entry(answer.respondent).or_default().push(answer);
    }
    grouped
}

#[tokio::test]
async fn respondents_drawn_to_the_census_answer_the_whole_survey_with_ratings_repairs_and_non_responses()
 {
    let (_dir, db) = seeded().await;
    let model = Respondents::new();
    let gateway = gateway(model.clone());
    let surveys = surveys(&db, gateway.clone());
    let survey = surveys.import(ws(), SURVEY).await.unwrap();
    let n = 60;
    let run = surveys
        .start_run(
            ws(),
            &RunRequest {
                survey: survey.summary.id,
                respondents: n,
                seed: Some(11),
                universe: UniverseChoice::default(),
                concurrency: Some(4),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (run.respondents, run.answered, run.status),
        (n, 0, RunStatus::Queued)
    );
    assert!(run.job_id.is_some(), "the run is queued as a job");
    // Resuming while the job is still queued starts no second one.
    let resumed = surveys.resume(run.id).await.unwrap();
    assert_eq!(resumed.job_id, run.job_id);
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE kind = 'surveys.run'")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(jobs, 1);

    // The draw matches the census margins and the segments' sizes (3M against 1M).
    let respondents = surveys.respondents(run.id).await.unwrap();
    assert_eq!(respondents.len(), n);
    for name in [AGE_BAND, SEX, REGION, SEGMENT] {
        let dimension = run.universe.dimension(name).unwrap();
        let values: Vec<usize> = pw_surveys::universe::category_indices(
            dimension,
            &respondents
                .iter()
                .map(|r| r.draw.clone())
                .collect::<Vec<_>>(),
        )
        .into_iter()
        .map(Option::unwrap)
        .collect();
        for (got, want) in dimension
            .sample_shares(&values)
            .iter()
            .zip(&dimension.shares)
        {
            assert!(
                (got - want).abs() * n as f64 <= 6.0,
                "{name}: {got} against {want}"
            );
        }
    }
    let coffee = respondents.iter().filter(|r| r.segment == COFFEE).count();
    assert_eq!(coffee, 45, "three quarters of 60 are coffee lovers");
    // Each respondent is a variation of a twin of its own segment, given that segment's
    // memories but none of its demographics or session lines.
    for r in &respondents {
        let twin = r.twin_id.as_deref().unwrap();
        let own = match r.segment.as_str() {
            COFFEE => [id(10), id(11)].contains(&twin.to_owned()),
            _ => twin == id(12),
        };
        assert!(
            own,
            "respondent {} varies a twin of another segment",
            r.index
        );
        assert!(!r.memories.is_empty() && r.memories.len() <= 4);
        assert!(
            r.memories
                .iter()
                .all(|m| m.content.contains("(memory 0)") || m.content.contains("(memory 1)"))
        );
    }

    assert_eq!(answer(&db, &gateway, run.id).await, RunOutcome::Completed);
    let done = surveys.run(run.id).await.unwrap();
    assert_eq!((done.answered, done.status), (n, RunStatus::Completed));
    assert_eq!(done.manifest["embedding_model"], "local-embed/words");
    assert_eq!(done.manifest["answering_model"], "local/respondents");
    assert_eq!(
        done.manifest["answered_by"],
        serde_json::json!(["local/respondents"])
    );

    let answers = surveys.answers(run.id).await.unwrap();
    let grouped = by_respondent(&answers);
    assert_eq!(grouped.len(), n);
    let mut repaired = 0;
    for r in &respondents {
        let age = u32::from(r.draw.age.unwrap());
        let mine: BTreeMap<&str, &StoredAnswer> = grouped[&r.index]
            .iter()
            .map(|a| (a.question.as_str(), *a))
            .collect();
        if age >= 80 {
            // "I don't buy beans" skips to the end.
            assert_eq!(
                mine.len(),
                1,
                "respondent {} was asked past the skip",
                r.index
            );
            assert_eq!(mine["buy"].value, Some(Answer::Choice("none".into())));
            continue;
        }
        assert_eq!(mine.len(), 5);
        let rating = mine["like"];
        let rated = rating.rated.as_ref().unwrap();
        assert_eq!(
            rated.pmfs.len(),
            2,
            "one distribution per default anchor set"
        );
        assert!(
            rated
                .pmfs
                .iter()
                .all(|p| p.len() == 5 && (p.iter().sum::<f64>() - 1.0).abs() < 1e-9)
        );
        // Agreement rates high, disagreement low.
        match (age >= 50, &rating.value) {
            (true, Some(Answer::Point(point))) => assert!(*point >= 4, "age {age}: {point}"),
            (false, Some(Answer::Point(point))) => assert!(*point <= 2, "age {age}: {point}"),
            (_, other) => panic!("a rating stored as {other:?}"),
        }
        assert!(!rating.text.is_empty());
        // The number outside its bounds after the repair round is a non-response with its
        // reason, never made up; the score corrected when told is kept.
        if age % 10 == 7 {
            assert_eq!(mine["cups"].value, None);
            assert_eq!(
                mine["cups"].non_response.as_deref(),
                Some("99 is outside 0 to 70")
            );
        } else {
            assert_eq!(
                mine["cups"].value,
                Some(Answer::Number(f64::from(age % 20)))
            );
        }
        if age % 10 == 3 {
            repaired += 1;
        }
        assert_eq!(mine["nps"].value, Some(Answer::Score((age % 11) as u8)));
        let said = if age.is_multiple_of(2) {
            format!("Fresher beans, honestly, at {age}.")
        } else {
            format!("Cheaper prices for someone of {age}.")
        };
        assert_eq!(mine["why"].value, Some(Answer::Text(said)));
        // Half the respondents see the options in reverse, for the order split-half.
        let order = mine["buy"].option_order.clone().unwrap();
        assert_eq!(mine["buy"].reversed, r.index % 2 == 1);
        assert_eq!(
            order,
            if r.index % 2 == 1 {
                vec![2, 1, 0, 3]
            } else {
                vec![0, 1, 2, 3]
            }
        );
    }
    let prompts = model.prompts.lock().unwrap().clone();
    let repairs = prompts
        .iter()
        .filter(|(_, p)| p.starts_with("Some answers do not fit"))
        .count();
    assert!(
        repaired > 0,
        "the seed gave no respondent to repair; pick another"
    );
    assert!(repairs >= repaired);
    // Piping: the score question names where the respondent buys.
    assert!(
        prompts
            .iter()
            .any(|(_, p)| p.contains("recommend buying at A grocery store to a friend"))
    );
    // Open ends are queued for the search index.
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM search_outbox WHERE doc_kind = 'open_end'")
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert!(queued > 0);

    // Results: weights bring the draw to its targets; every question has its distribution.
    let report = surveys
        .results(run.id, &ResultOptions::default())
        .await
        .unwrap();
    assert_eq!(report.results.respondents, n);
    let weighting = &report.results.weighting;
    assert!(weighting.converged);
    for margin in &weighting.margins {
        assert!((margin.weighted - margin.target).abs() < 1e-3, "{margin:?}");
    }
    let buy = &report.results.questions[0];
    assert_eq!((buy.asked, buy.answered), (n, n));
    assert!((buy.shares.iter().map(|s| s.share).sum::<f64>() - 1.0).abs() < 1e-9);
    let like = &report.results.questions[1];
    let mean = like.mean.unwrap();
    assert!(mean.low < mean.value && mean.value < mean.high && (1.0..=5.0).contains(&mean.value));
    // The ratings here follow age alone, so demographics explain most of them: flagged.
    let like_diagnostics = &report.diagnostics[1];
    let fit = like_diagnostics.over_determination.as_ref().unwrap();
    assert!(fit.r_squared > 0.5, "{fit:?}");
    assert_eq!(like_diagnostics.reliability, Reliability::ConfirmWithPeople);
    assert!(
        like_diagnostics
            .reasons
            .iter()
            .any(|r| r.contains("Demographics and segment alone explain"))
    );
    // The cups never given by ages ending in 7 show as non-responses.
    let cups = &report.diagnostics[3];
    let sevens = respondents
        .iter()
        .filter(|r| r.draw.age.unwrap() % 10 == 7 && r.draw.age.unwrap() < 80)
        .count();
    let asked = report.results.questions[3].asked;
    assert!((cups.non_response_share - sevens as f64 / asked as f64).abs() < 1e-9);
    // Open answers coded into themes: two, each named by the model in its quotes' own words,
    // every quote a stored answer, the shares over the answers coded.
    let coded = OpenEndCoding {
        db: &db,
        gateway: &gateway,
        run: run.id,
        job_id: None,
    }
    .code(&report.survey)
    .await
    .unwrap();
    assert_eq!(coded, 1);
    let again = OpenEndCoding {
        db: &db,
        gateway: &gateway,
        run: run.id,
        job_id: None,
    }
    .code(&report.survey)
    .await
    .unwrap();
    assert_eq!(again, 0, "a question coded once is not coded again");
    let report = surveys
        .results(run.id, &ResultOptions::default())
        .await
        .unwrap();
    let themes = report.results.questions[4].themes.as_ref().unwrap();
    assert_eq!(themes.len(), 2, "{themes:?}");
    let names: Vec<&str> = themes.iter().map(|t| t.name.as_str()).collect();
    assert!(
        names.contains(&"Fresher beans") && names.contains(&"Cheaper prices"),
        "{names:?}"
    );
    for theme in themes {
        assert_eq!(theme.named_by, "local/respondents");
        assert!(!theme.quotes.is_empty());
        for quote in &theme.quotes {
            let stored = answers
                .iter()
                .find(|a| a.respondent == quote.respondent && a.question == "why")
                .unwrap();
            assert_eq!(stored.text, quote.text);
        }
    }
    let total: f64 = themes.iter().map(|t| t.share.share).sum();
    assert!(
        (total - 1.0).abs() < 1e-9,
        "every answer falls in one of the two: {total}"
    );

    // A crosstab by segment has a column per segment.
    let table = surveys
        .crosstab(run.id, "like", SEGMENT, true)
        .await
        .unwrap();
    assert_eq!(table.columns, vec!["Coffee lovers", "Gift buyers"]);
    assert!(
        surveys
            .crosstab(run.id, "why", SEGMENT, true)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_run_killed_mid_way_resumes_losing_no_answered_respondent_and_asking_none_twice() {
    let (_dir, db) = seeded().await;
    let first = Respondents::new();
    *first.hang_on.lock().unwrap() = Some(25);
    let gateway_a = gateway(first.clone());
    let surveys = surveys(&db, gateway_a.clone());
    let survey = surveys.import(ws(), SURVEY).await.unwrap();
    let n = 30;
    let run = surveys
        .start_run(
            ws(),
            &RunRequest {
                survey: survey.summary.id,
                respondents: n,
                seed: Some(5),
                universe: UniverseChoice::default(),
                concurrency: Some(3),
            },
        )
        .await
        .unwrap();
    // The app dies while a respondent is answering: the run's future is dropped where it hangs.
    let cancel = CancellationToken::new();
    let answering = RunAnswering {
        db: &db,
        gateway: &gateway_a,
        run: run.id,
        job_id: None,
        cancel: &cancel,
        on_progress: &|_| {},
    };
    let killed = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::select! {
            _ = answering.run() => panic!("the run finished before the kill"),
            () = async { while !first.hanging.load(Ordering::SeqCst) { tokio::time::sleep(Duration::from_millis(5)).await } } => {}
        }
    })
    .await;
    assert!(killed.is_ok(), "the hang was never reached");
    let before = surveys.run(run.id).await.unwrap();
    assert!(
        before.answered > 0 && before.answered < n,
        "{} answered",
        before.answered
    );
    let answered_before: Vec<usize> = surveys
        .respondents(run.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.answered)
        .map(|r| r.index)
        .collect();
    let stored_before = surveys.answers(run.id).await.unwrap();

    // Resumed on a fresh process, only the respondents not answered are asked: no call of
    // the second process carries the seed of a respondent answered before the kill.
    let second = Respondents::new();
    let gateway_b = gateway(second.clone());
    assert_eq!(answer(&db, &gateway_b, run.id).await, RunOutcome::Completed);
    let after = surveys.run(run.id).await.unwrap();
    assert_eq!((after.answered, after.status), (n, RunStatus::Completed));
    let seed_of = |index: usize| (5u64 ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) as i64;
    let asked_again: std::collections::BTreeSet<i64> =
        second.seeds.lock().unwrap().iter().copied().collect();
    assert!(!asked_again.is_empty());
    for index in &answered_before {
        assert!(
            !asked_again.contains(&seed_of(*index)),
            "respondent {index} was asked again"
        );
    }
    // Every respondent not answered before was asked by the second process.
    for index in (0..n).filter(|i| !answered_before.contains(i)) {
        assert!(
            asked_again.contains(&seed_of(index)),
            "respondent {index} was never asked"
        );
    }
    let answers = surveys.answers(run.id).await.unwrap();
    // Nothing answered before the kill changed, and nothing is there twice.
    for old in &stored_before {
        assert!(answers.contains(old));
    }
    let mut keys: Vec<(usize, String)> = answers
        .iter()
        .map(|a| (a.respondent, a.question.clone()))
        .collect();
    let total = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), total);
    assert_eq!(by_respondent(&answers).len(), n);
}
