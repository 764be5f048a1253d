//! Interviews and focus groups with a scripted model answering by task: twins' turns
//! (`twin_dialogue`), persona checks (`extraction`), urges and the moderator's judgements
//! (`moderation`). The mechanics are deterministic, so each test names exactly what happens.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use pw_domain::{SessionId, TwinId, WorkspaceId};
use pw_jobs::JobQueue;
use pw_llm::{ChatRequest, Gateway, Task};
use pw_store::Database;
use pw_twins::creation::TwinCreation;
use pw_twins::focus_group::FocusGroupRun;
use pw_twins::interview::{InterviewRun, Outcome};
use pw_twins::session::SessionStore;
use pw_twins::speaking::SessionEvent;
use pw_twins::vocabulary::{
    Act, Adherence, CommandKind, EvidenceSource, Fragment, SessionStatus, Speaker,
};
use pw_twins::{GatewaySource, IndexNotice, Twins};
use support::*;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

struct Fixed(Arc<Gateway>);

impl GatewaySource for Fixed {
    fn gateway(
        &self,
    ) -> Pin<Box<dyn Future<Output = pw_twins::error::Result<Arc<Gateway>>> + Send + '_>> {
        let gateway = self.0.clone();
        Box::pin(async move { Ok(gateway) })
    }
}

struct Quiet;

impl IndexNotice for Quiet {
    fn changed(&self, _: WorkspaceId) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async {})
    }
}

/// Three twins of the seeded audience.
async fn three_twins(db: &Database) -> Vec<TwinId> {
    let gateway = gateway(twin_writer());
    let creation = TwinCreation {
        db,
        gateway: &gateway,
        workspace_id: ws(),
        audience_id: audience(),
        count: 3,
        seed: 3,
        batch: Uuid::from_u128(77),
        job_id: None,
    };
    let plan = creation.plan().await.unwrap();
    let mut ids = Vec::new();
    for index in 0..3 {
        ids.push(creation.create(&plan, index).await.unwrap().unwrap());
    }
    ids
}

fn last_message(request: &ChatRequest) -> String {
    request.messages.last().unwrap().content.clone()
}

fn system(request: &ChatRequest) -> String {
    request
        .messages
        .iter()
        .filter(|m| m.role == pw_llm::Role::System)
        .map(|m| m.content.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The name a twin's turn prompt ends with ("…\nMaya R.:").
fn speaker_of(request: &ChatRequest) -> String {
    last_message(request)
        .lines()
        .last()
        .unwrap()
        .trim_end_matches(':')
        .to_owned()
}

fn twins_facade(db: &Database, gateway: Gateway) -> Twins {
    Twins::new(
        db.clone(),
        JobQueue::new(db.clone()),
        Arc::new(Fixed(Arc::new(gateway))),
        Arc::new(Quiet),
    )
}

async fn interview(
    db: &Database,
    gateway: &Gateway,
    events: &broadcast::Sender<SessionEvent>,
    session: SessionId,
    cancel: &CancellationToken,
) -> Outcome {
    interview_as(db, gateway, events, session, None, cancel).await
}

/// The interview run as job `job_id` would run it (`None`: run directly).
async fn interview_as(
    db: &Database,
    gateway: &Gateway,
    events: &broadcast::Sender<SessionEvent>,
    session: SessionId,
    job_id: Option<&str>,
    cancel: &CancellationToken,
) -> Outcome {
    InterviewRun {
        db,
        gateway,
        events,
        session,
        job_id,
        cancel,
    }
    .run()
    .await
    .unwrap()
}

#[tokio::test]
async fn an_interview_splits_every_answer_and_leaves_memories_linked_to_its_turns() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    let model = ScriptedModel::new(|request| match request.task {
        Task::TwinDialogue => {
            assert!(
                system(request).contains("Says:"),
                "an interview asks for both halves"
            );
            Ok(if last_message(request).contains("shipping") {
                "Says: Shipping has been fine for me, really. Thinks: Honestly the last box took nine days and I was annoyed.".into()
            } else {
                "Says: I scroll TikTok in the evening. Thinks: I scroll TikTok in the evening, mostly.".into()
            })
        }
        Task::Extraction => {
            Ok(r#"{"verdict": "consistent", "reason": "", "stance": "neutral"}"#.into())
        }
        other => panic!("an interview asks no {other:?}"),
    });
    let facade = twins_facade(&db, gateway(model.clone()));
    let questions = vec![
        "When do you look at your phone?".to_owned(),
        "How was shipping last time?".to_owned(),
    ];
    let (session, _job) = facade
        .start_interview(ws(), twins[0], &questions, Some(9), None)
        .await
        .unwrap();
    assert_eq!(session.status, SessionStatus::Scheduled);
    let (events, mut watching) = broadcast::channel(256);
    let outcome = interview(
        &db,
        &gateway(model),
        &events,
        session.id,
        &CancellationToken::new(),
    )
    .await;
    assert_eq!(outcome, Outcome::Completed);

    let view = facade.session(session.id).await.unwrap();
    assert_eq!(view.session.status, SessionStatus::Completed);
    let turns = &view.turns;
    assert_eq!(turns.len(), 4);
    assert_eq!(
        turns
            .iter()
            .map(|t| (t.seq, t.speaker, t.question))
            .collect::<Vec<_>>(),
        vec![
            (0, Speaker::Moderator, 1),
            (1, Speaker::Twin, 1),
            (2, Speaker::Moderator, 2),
            (3, Speaker::Twin, 2)
        ]
    );
    let answer = &turns[3];
    assert_eq!(answer.says, "Shipping has been fine for me, really.");
    assert_eq!(
        answer.thinks.as_deref(),
        Some("Honestly the last box took nine days and I was annoyed.")
    );
    assert_eq!(answer.adherence, Adherence::Passed);
    assert_eq!(answer.written_by, "local/scripted");
    // What it recalled is what it knows, not the turns its prompt already shows: the twin's
    // memories of this interview's three earlier turns sit out.
    let memories = facade.twin(twins[0]).await.unwrap().memories;
    let shown: Vec<String> = turns[..3].iter().map(|t| t.id.to_string()).collect();
    assert!(!answer.recalled.is_empty() && answer.recalled.len() <= 6);
    for recalled in &answer.recalled {
        let memory = memories.iter().find(|m| m.id == *recalled).unwrap();
        assert!(
            memory.evidence.iter().all(|e| !shown.contains(&e.key)),
            "{memory:?}"
        );
    }
    // The view finds where Says and Thinks part: the hidden annoyance diverges, the echo not.
    assert_eq!(view.gaps.len(), 2);
    assert!(!view.gaps[0].gap.diverges, "{:?}", view.gaps[0]);
    assert!(view.gaps[1].gap.diverges);
    assert_eq!(view.gaps[1].seq, 3);
    assert_eq!(view.adherence.passed, 2);

    // The twin remembers what it heard and said, each linked to its turn, and the memories it
    // recalled were marked as used at the twin's latest tick.
    let twin = facade.twin(twins[0]).await.unwrap();
    let heard: Vec<_> = twin
        .memories
        .iter()
        .filter(|m| m.fragment == Fragment::Heard)
        .collect();
    let said: Vec<_> = twin
        .memories
        .iter()
        .filter(|m| m.fragment == Fragment::Said)
        .collect();
    assert_eq!((heard.len(), said.len()), (2, 2));
    assert_eq!(
        heard[1].content,
        "The moderator said: How was shipping last time?"
    );
    assert_eq!(said[1].content, "Shipping has been fine for me, really.");
    assert_eq!(said[1].evidence[0].source, EvidenceSource::Turn);
    assert_eq!(said[1].evidence[0].key, answer.id.to_string());
    let latest = twin.memories.iter().map(|m| m.last_accessed).max().unwrap();
    for recalled in &answer.recalled {
        let memory = twin.memories.iter().find(|m| m.id == *recalled).unwrap();
        assert!(memory.last_accessed >= latest - 1, "{memory:?}");
    }
    // The words streamed to watchers before each answer was stored.
    let mut tokens = String::new();
    let mut stored = Vec::new();
    while let Ok(event) = watching.try_recv() {
        match event {
            SessionEvent::Token { seq: 3, text, .. } => tokens.push_str(&text),
            SessionEvent::TurnStored { seq, .. } => stored.push(seq),
            _ => {}
        }
    }
    assert!(tokens.contains("Shipping has been fine"), "{tokens}");
    assert_eq!(stored, [0, 1, 2, 3]);
    // The manifest names the models and prompt versions, so the run can be reproduced.
    let manifest = &view.session.manifest;
    assert_eq!(manifest["seed"], 9);
    assert_eq!(manifest["models"]["twin_dialogue"], "local/scripted");
    assert_eq!(manifest["prompt_versions"]["twin_turn"], "twin-turn/1");
}

#[tokio::test]
async fn a_reply_that_contradicts_the_twin_is_regenerated_once_and_the_catch_recorded() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    let replies = Arc::new(AtomicUsize::new(0));
    let counted = replies.clone();
    let model = ScriptedModel::new(move |request| match request.task {
        Task::TwinDialogue => Ok(match counted.fetch_add(1, Ordering::SeqCst) {
            0 => "Says: I have never used TikTok in my life. Thinks: Odd question.".into(),
            _ => "Says: I'm on TikTok most evenings. Thinks: Usually after dinner.".into(),
        }),
        Task::Extraction => Ok(if last_message(request).contains("never used TikTok") {
            r#"{"verdict": "contradicts", "reason": "M2 says they scroll TikTok", "stance": "no_position"}"#.into()
        } else {
            // Broken JSON (twice: the gateway asks for one repair): the turn stays unchecked.
            r#"{"verdict": "consis"#.into()
        }),
        other => panic!("an interview asks no {other:?}"),
    });
    let facade = twins_facade(&db, gateway(model.clone()));
    let (session, _) = facade
        .start_interview(
            ws(),
            twins[1],
            &["Which apps do you use?".to_owned()],
            None,
            None,
        )
        .await
        .unwrap();
    let (events, _) = broadcast::channel(64);
    interview(
        &db,
        &gateway(model),
        &events,
        session.id,
        &CancellationToken::new(),
    )
    .await;
    let view = facade.session(session.id).await.unwrap();
    let answer = &view.turns[1];
    assert_eq!(answer.adherence, Adherence::Caught);
    assert_eq!(answer.says, "I'm on TikTok most evenings.");
    assert_eq!(
        answer.rejected.as_deref(),
        Some("I have never used TikTok in my life.")
    );
    assert_eq!(
        answer.catch_reason.as_deref(),
        Some("M2 says they scroll TikTok")
    );
    // Regenerated once: two replies, not more, and the second was not checked again.
    assert_eq!(replies.load(Ordering::SeqCst), 2);
    assert_eq!(view.adherence.caught, 1);
    assert_eq!(view.session.status, SessionStatus::Completed);
}

#[tokio::test]
async fn an_interview_killed_mid_answer_resumes_without_repeating_or_losing_a_turn() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    let model = ScriptedModel::new(move |request| match request.task {
        Task::TwinDialogue => Ok(format!(
            "Says: Answer to: {}. Thinks: fine.",
            last_message(request).lines().rev().nth(1).unwrap_or("")
        )),
        Task::Extraction => {
            Ok(r#"{"verdict": "consistent", "reason": "", "stance": "for"}"#.into())
        }
        other => panic!("no {other:?}"),
    });
    let facade = twins_facade(&db, gateway(model.clone()));
    let questions: Vec<String> = ["One?", "Two?", "Three?"].map(String::from).to_vec();
    let (session, _) = facade
        .start_interview(ws(), twins[2], &questions, None, None)
        .await
        .unwrap();
    // The second answer never comes: its call hangs, and the run is killed while it waits.
    // Calls so far: 3 twins' creation; then the first answer and its check.
    *model.hang_on.lock().unwrap() = Some(model.prompts.lock().unwrap().len() + 3);
    let gateway = Arc::new(gateway(model.clone()));
    let run = {
        let (db, gateway) = (db.clone(), gateway.clone());
        tokio::spawn(async move {
            let (events, _) = broadcast::channel(64);
            interview(
                &db,
                &gateway,
                &events,
                session.id,
                &CancellationToken::new(),
            )
            .await
        })
    };
    while !model.hanging.load(Ordering::SeqCst) {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    run.abort();
    assert!(run.await.unwrap_err().is_cancelled());
    let stored = SessionStore::new(&db).turns(session.id).await.unwrap();
    // Question 1 answered, question 2 asked; its answer was never stored.
    assert_eq!(stored.len(), 3);
    assert_eq!(
        facade.session(session.id).await.unwrap().session.status,
        SessionStatus::Running
    );

    // The next run (the job retried once its lease ran out) picks up at the missing answer.
    *model.hang_on.lock().unwrap() = None;
    let (events, _) = broadcast::channel(64);
    let second = interview(
        &db,
        &gateway,
        &events,
        session.id,
        &CancellationToken::new(),
    )
    .await;
    assert_eq!(second, Outcome::Completed);
    let turns = SessionStore::new(&db).turns(session.id).await.unwrap();
    assert_eq!(
        turns.iter().map(|t| t.seq).collect::<Vec<_>>(),
        (0..6).collect::<Vec<_>>()
    );
    for question in 1..=3u32 {
        let answers = turns
            .iter()
            .filter(|t| t.speaker == Speaker::Twin && t.question == question)
            .count();
        assert_eq!(answers, 1, "question {question}");
    }
    assert_eq!(turns[3].says, "Answer to: Interviewer: Two?.");
}

/// An interviewee who answers every question the same way and always passes its check.
fn agreeable_interviewee() -> Arc<ScriptedModel> {
    ScriptedModel::new(move |request| match request.task {
        Task::TwinDialogue => Ok("Says: Sure. Thinks: fine.".into()),
        Task::Extraction => {
            Ok(r#"{"verdict": "consistent", "reason": "", "stance": "for"}"#.into())
        }
        other => panic!("no {other:?}"),
    })
}

#[tokio::test]
async fn a_job_that_starts_before_its_session_is_handed_to_it_claims_the_session() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    let model = agreeable_interviewee();
    let facade = twins_facade(&db, gateway(model.clone()));
    let (session, job) = facade
        .start_interview(ws(), twins[0], &["One?".to_owned()], None, None)
        .await
        .unwrap();
    // As a worker that picked the job up between its queueing and the hand-over sees it.
    sqlx::query("UPDATE study_sessions SET runner = NULL WHERE id = ?")
        .bind(session.id.to_string())
        .execute(db.writer())
        .await
        .unwrap();
    let (events, _) = broadcast::channel(64);
    let gateway = gateway(model);
    let outcome = interview_as(
        &db,
        &gateway,
        &events,
        session.id,
        Some(&job.id),
        &CancellationToken::new(),
    )
    .await;
    assert_eq!(outcome, Outcome::Completed, "the job ran its session");
    let store = SessionStore::new(&db);
    assert_eq!(
        store.runner(session.id).await.unwrap().as_deref(),
        Some(job.id.as_str())
    );
    // The starter's hand-over, arriving after, finds it done.
    assert!(store.hand_to(session.id, &job.id, None).await.unwrap());
}

#[tokio::test]
async fn a_stopped_interview_pauses_and_resumes_on_command() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    let model = agreeable_interviewee();
    let facade = twins_facade(&db, gateway(model.clone()));
    let (session, job) = facade
        .start_interview(ws(), twins[0], &["One?".to_owned()], None, None)
        .await
        .unwrap();
    let stopped = CancellationToken::new();
    stopped.cancel();
    let (events, _) = broadcast::channel(64);
    let gateway = gateway(model);
    let first = interview(&db, &gateway, &events, session.id, &stopped).await;
    assert!(matches!(first, Outcome::Paused(_)), "{first:?}");
    let paused = facade.session(session.id).await.unwrap().session;
    assert_eq!(paused.status, SessionStatus::Scheduled);
    assert!(paused.paused_reason.unwrap().contains("resume"));
    // While its job is still queued, resuming hands back that job: no second runner.
    let same = facade
        .command(session.id, CommandKind::Resume, "")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(same.id, job.id);
    // Once it has ended (as the stopped run's job does), resuming starts a new one, and only
    // one of two racing resumes becomes the runner.
    JobQueue::new(db.clone()).cancel(&job.id).await.unwrap();
    let resumed_job = facade
        .command(session.id, CommandKind::Resume, "")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        resumed_job.id, job.id,
        "resuming starts the session's job again"
    );
    assert_eq!(
        SessionStore::new(&db)
            .runner(session.id)
            .await
            .unwrap()
            .as_deref(),
        Some(resumed_job.id.as_str())
    );
    let again = facade
        .command(session.id, CommandKind::Resume, "")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        again.id, resumed_job.id,
        "a second resume joins the live runner"
    );
    // A job that is not the runner takes no turn.
    let stale = interview_as(
        &db,
        &gateway,
        &events,
        session.id,
        Some(&job.id),
        &CancellationToken::new(),
    )
    .await;
    assert_eq!(stale, Outcome::Superseded);
    assert!(
        SessionStore::new(&db)
            .turns(session.id)
            .await
            .unwrap()
            .is_empty()
    );
    let resumed = facade.session(session.id).await.unwrap().session;
    assert_eq!(resumed.paused_reason, None);
    let second = interview(
        &db,
        &gateway,
        &events,
        session.id,
        &CancellationToken::new(),
    )
    .await;
    assert_eq!(second, Outcome::Completed);
}

/// A model for a group: urges come from `urges` (by call), the moderator's judgement says no
/// goal is met, and every twin answers at length.
fn group_model(urges: Arc<Mutex<Vec<String>>>, long_turns: bool) -> Arc<ScriptedModel> {
    let turn = AtomicUsize::new(0);
    ScriptedModel::new(move |request| match request.task {
        Task::Moderation if last_message(request).contains("how strongly") => {
            let mut queue = urges.lock().unwrap();
            Ok(if queue.is_empty() {
                r#"{"urges": [1, 1, 1]}"#.into()
            } else {
                queue.remove(0)
            })
        }
        Task::Moderation => Ok(r#"{"goals_met": [], "last_answer_vague": false}"#.into()),
        Task::TwinDialogue => {
            let speaker = speaker_of(request);
            let n = turn.fetch_add(1, Ordering::SeqCst);
            Ok(if long_turns {
                // Long, and new words each time (a reply repeating an earlier one is an echo).
                let words: Vec<String> = (0..150)
                    .map(|i| {
                        if i % 10 == 9 {
                            format!("thought{n}x{i}.")
                        } else {
                            format!("thought{n}x{i}")
                        }
                    })
                    .collect();
                format!("{speaker}: I really think {}", words.join(" "))
            } else {
                format!(
                    "I like it, because the box feels like a real gift, and number {n} seems fair."
                )
            })
        }
        Task::Extraction => {
            Ok(r#"{"verdict": "consistent", "reason": "", "stance": "leaning_for"}"#.into())
        }
        other => panic!("no {other:?}"),
    })
}

const GUIDE: &str = r#"
title = "Gift box"
[[sections]]
name = "Warm-up"
goals = ["How each drinks coffee"]
questions = ["How does your day start?"]
turn_budget = 3
[[sections]]
name = "The ad"
goals = ["First impression"]
questions = ["What do you notice first?", "Who would you give it to?"]
probes = ["What makes you say that?"]
turn_budget = 4
[[sections.stimuli]]
ad_copy = { headline = "Twelve mornings, wrapped", body = "Twelve roasts in a box." }
[[sections]]
name = "Price"
goals = ["A fair price"]
questions = ["What would you pay?"]
turn_budget = 2
"#;

async fn run_group(
    db: &Database,
    gateway: &Gateway,
    session: SessionId,
    cancel: &CancellationToken,
) -> Outcome {
    let (events, _) = broadcast::channel(1024);
    FocusGroupRun {
        db,
        gateway,
        events: &events,
        session,
        job_id: None,
        cancel,
    }
    .run()
    .await
    .unwrap()
}

#[tokio::test]
async fn the_floor_goes_to_the_strongest_urge_and_sections_end_on_their_budgets() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    // After the opening question the third twin burns to answer; then the first; then the
    // second and third tie at 9, and the floor goes to the one who has said less (the second).
    let urges = Arc::new(Mutex::new(vec![
        r#"{"urges": [2, 3, 9]}"#.to_owned(),
        r#"{"urges": [9, 1, 0]}"#.to_owned(),
        r#"{"urges": [0, 9, 9]}"#.to_owned(),
    ]));
    let model = group_model(urges, true);
    let facade = twins_facade(&db, gateway(model.clone()));
    let plan = facade.estimate_focus_group(ws(), GUIDE, 3).await.unwrap();
    assert_eq!(plan.cost_micros, Some(0), "everything runs on this machine");
    assert_eq!(plan.estimate.participant_turns, 9);
    let (session, _) = facade
        .start_focus_group(ws(), GUIDE, &twins, Some(1), None)
        .await
        .unwrap();
    let seats: Vec<TwinId> = session.participants.iter().map(|p| p.twin_id).collect();
    let outcome = run_group(&db, &gateway(model), session.id, &CancellationToken::new()).await;
    assert_eq!(outcome, Outcome::Completed);
    let view = facade.session(session.id).await.unwrap();
    let turns = &view.turns;
    let speakers: Vec<Option<usize>> = turns
        .iter()
        .take(4)
        .map(|t| {
            t.twin_id
                .map(|id| seats.iter().position(|s| *s == id).unwrap())
        })
        .collect();
    assert_eq!(speakers, vec![None, Some(2), Some(0), Some(1)]);
    assert!(turns[0].says.starts_with("Welcome, everyone"));
    // Each section takes at most its budget of participant turns, in order, and ends.
    for (section, budget) in [(0u32, 3usize), (1, 4), (2, 2)] {
        let answers = turns
            .iter()
            .filter(|t| t.section == section && t.speaker == Speaker::Twin)
            .count();
        assert_eq!(answers, budget, "section {section}");
    }
    let opening = turns.iter().find(|t| t.section == 1).unwrap();
    assert_eq!(opening.act, Act::Transition);
    assert!(
        opening.says.contains("Twelve mornings, wrapped"),
        "{}",
        opening.says
    );
    assert_eq!(turns.last().unwrap().act, Act::Closing);
    // Long answers are held to each twin's cap (at most 80 words), and the name label a model
    // adds is dropped.
    for turn in turns.iter().filter(|t| t.speaker == Speaker::Twin) {
        assert!(turn.words <= 80, "{} words", turn.words);
        assert!(turn.says.starts_with("I really think"), "{}", turn.says);
    }
    let diagnostics = view.diagnostics.unwrap();
    assert_eq!(diagnostics.participant_turns, 9);
    assert!(diagnostics.median_turn_words.unwrap() <= 80.0);
    assert_eq!(view.adherence.passed, 9);
    assert_eq!(view.session.status, SessionStatus::Completed);
    // The agreement is set against the audience's own mentions: three twins of one audience
    // are expected to agree as often as two of its mentions land in the same sentiment band.
    // Four mentions are too few to predict from; forty are enough.
    assert_eq!(view.agreement.unwrap().expected, None);
    for n in 0..36 {
        let sentiment = [0.8, 0.4, -0.7, 0.0, 0.3, 0.9][n % 6];
        sqlx::query("INSERT INTO audience_signals (id, workspace_id, audience_id, kind, source, text, sentiment, occurred_on, created_at) VALUES (?, ?, ?, 'mention', 'review', ?, ?, '2026-11-06', '2026-11-29T09:00:00.000Z')")
            .bind(Uuid::now_v7().to_string())
            .bind(ws().to_string())
            .bind(audience().to_string())
            .bind(format!("Loved the beans, review {n}"))
            .bind(sentiment)
            .execute(db.writer())
            .await
            .unwrap();
    }
    let view = facade.session(session.id).await.unwrap();
    let sentiments: Vec<f64> = sqlx::query_scalar(
        "SELECT sentiment FROM audience_signals WHERE audience_id = ? AND kind = 'mention' AND sentiment IS NOT NULL",
    )
    .bind(audience().to_string())
    .fetch_all(db.reader())
    .await
    .unwrap();
    assert_eq!(
        sentiments.len(),
        40,
        "the audience's mentions, each with a sentiment"
    );
    let n = sentiments.len() as f64;
    let band =
        |keep: &dyn Fn(f64) -> bool| sentiments.iter().filter(|s| keep(**s)).count() as f64 / n;
    let by_hand = band(&|s| s < -0.2).powi(2)
        + band(&|s| (-0.2..=0.2).contains(&s)).powi(2)
        + band(&|s| s > 0.2).powi(2);
    let agreement = view.agreement.unwrap();
    assert!(
        (agreement.expected.unwrap() - by_hand).abs() < 1e-9,
        "{agreement:?}"
    );
    assert_eq!(agreement.expected_mentions as usize, sentiments.len());
    assert!(
        agreement.observed_low <= agreement.observed
            && agreement.observed <= agreement.observed_high
    );
}

#[tokio::test]
async fn the_user_speaks_probes_and_skips_and_broken_urges_fall_back_to_a_rule() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    // Every urge answer is broken JSON: the plain rule picks, and the session goes on.
    let urges = Arc::new(Mutex::new(vec![r#"{"urges": [1, "#.to_owned(); 200]));
    let model = group_model(urges, false);
    let facade = twins_facade(&db, gateway(model.clone()));
    let (session, _) = facade
        .start_focus_group(ws(), GUIDE, &twins, Some(2), None)
        .await
        .unwrap();
    facade
        .command(
            session.id,
            CommandKind::Speak,
            "Before we start: what brand do you buy now?",
        )
        .await
        .unwrap();
    facade
        .command(session.id, CommandKind::Skip, "")
        .await
        .unwrap();
    let outcome = run_group(&db, &gateway(model), session.id, &CancellationToken::new()).await;
    assert_eq!(outcome, Outcome::Completed);
    let view = facade.session(session.id).await.unwrap();
    let turns = &view.turns;
    // The commands applied in the order given: the interjection first (in the warm-up), then
    // the skip, which took the group to the next section before anyone else spoke.
    assert_eq!(turns[0].speaker, Speaker::Researcher);
    assert_eq!(turns[0].act, Act::Interjection);
    assert_eq!(turns[0].section, 0);
    assert!(turns[1..].iter().all(|t| t.section >= 1), "{turns:?}");
    assert_eq!(turns[1].act, Act::Transition);
    let sections: Vec<u32> = turns.iter().map(|t| t.section).collect();
    assert!(sections.contains(&1) && sections.contains(&2));
    // The rule still shares the floor: nobody speaks twice running.
    for pair in turns.windows(2) {
        if pair[0].speaker == Speaker::Twin && pair[1].speaker == Speaker::Twin {
            assert_ne!(pair[0].twin_id, pair[1].twin_id);
        }
    }
    let pending = SessionStore::new(&db).pending(session.id).await.unwrap();
    assert!(pending.is_empty(), "every command was applied: {pending:?}");
    // A finished session takes no more commands.
    let late = facade
        .command(session.id, CommandKind::Pause, "")
        .await
        .unwrap_err();
    assert!(late.to_string().contains("has ended"), "{late}");
}

#[tokio::test]
async fn a_paused_group_resumes_where_it_stopped() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    let model = group_model(Arc::new(Mutex::new(Vec::new())), false);
    let facade = twins_facade(&db, gateway(model.clone()));
    let (session, first_job) = facade
        .start_focus_group(ws(), GUIDE, &twins, Some(3), None)
        .await
        .unwrap();
    facade
        .command(session.id, CommandKind::Pause, "")
        .await
        .unwrap();
    let gateway = gateway(model);
    let paused = run_group(&db, &gateway, session.id, &CancellationToken::new()).await;
    assert_eq!(paused, Outcome::Paused("Paused by the user.".into()));
    assert!(
        SessionStore::new(&db)
            .turns(session.id)
            .await
            .unwrap()
            .is_empty()
    );
    // A second pause asked while paused does not stop the resumed run.
    facade
        .command(session.id, CommandKind::Pause, "")
        .await
        .unwrap();
    JobQueue::new(db.clone())
        .cancel(&first_job.id)
        .await
        .unwrap();
    facade
        .command(session.id, CommandKind::Resume, "")
        .await
        .unwrap();
    let done = run_group(&db, &gateway, session.id, &CancellationToken::new()).await;
    assert_eq!(done, Outcome::Completed);
    let turns = SessionStore::new(&db).turns(session.id).await.unwrap();
    assert_eq!(
        turns.iter().map(|t| t.seq).collect::<Vec<_>>(),
        (0..turns.len() as i64).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_focus_group_needs_two_to_twelve_distinct_twins_and_a_valid_guide() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    let facade = twins_facade(&db, gateway(twin_writer()));
    let one = facade
        .start_focus_group(ws(), GUIDE, &twins[..1], None, None)
        .await
        .unwrap_err();
    assert_eq!(
        one.to_string(),
        "1 twins chosen; a focus group seats 2 to 12"
    );
    let twice = facade
        .start_focus_group(ws(), GUIDE, &[twins[0], twins[0]], None, None)
        .await
        .unwrap_err();
    assert!(twice.to_string().contains("seated twice"), "{twice}");
    let broken = facade
        .start_focus_group(
            ws(),
            "title = \"x\"\n[[sections]]\nname = \"A\"\ngoal = [\"typo\"]\n",
            &twins,
            None,
            None,
        )
        .await
        .unwrap_err();
    assert!(broken.to_string().contains("line 4"), "{broken}");
    assert!(
        SessionStore::new(&db)
            .sessions(ws())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn insights_cite_turns_quote_them_verbatim_and_export_as_markdown_and_pdf() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    let model = ScriptedModel::new(|request| {
        match request.task {
        Task::TwinDialogue => Ok(if last_message(request).contains("pay") {
            "Says: I'd pay 25 dollars, happily. Thinks: Honestly that is expensive for beans.".into()
        } else {
            "Says: I start with a pour-over at seven. Thinks: I start with a pour-over, always.".into()
        }),
        Task::Extraction => Ok(r#"{"verdict": "consistent", "reason": "", "stance": "neutral"}"#.into()),
        Task::Analysis => Ok(serde_json::json!({
            "themes": [
                {"title": "Rituals", "summary": "Mornings start with a pour-over.", "quotes": ["T1"]},
                {"title": "Invented", "summary": "Nobody said this.", "quotes": ["T7"]}
            ],
            "agreements": [],
            "disagreements": [],
            "actions": [
                {"text": "Price the box near 25 dollars.", "turns": ["T2"]},
                {"text": "Price it at 40 dollars.", "turns": ["T2"]}
            ]
        })
        .to_string()),
        other => panic!("no {other:?}"),
    }
    });
    let facade = twins_facade(&db, gateway(model.clone()));
    let questions = vec![
        "How does your morning start?".to_owned(),
        "What would you pay?".to_owned(),
    ];
    let (session, _) = facade
        .start_interview(ws(), twins[0], &questions, None, None)
        .await
        .unwrap();
    let (events, _) = broadcast::channel(64);
    let gateway = gateway(model);
    interview(
        &db,
        &gateway,
        &events,
        session.id,
        &CancellationToken::new(),
    )
    .await;
    let written = pw_twins::insights::InsightWriter {
        db: &db,
        gateway: &gateway,
        session: session.id,
        job_id: None,
    }
    .write()
    .await
    .unwrap();
    // The theme citing a turn it was never shown, and the action with a figure no cited turn
    // states, are dropped; what is kept quotes the turns' own words.
    assert_eq!((written.items_checked, written.items_dropped), (4, 2));
    assert_eq!(written.body.themes.len(), 1);
    let view = facade.session(session.id).await.unwrap();
    assert_eq!(written.body.themes[0].quotes[0].says, view.turns[1].says);
    assert_eq!(written.body.themes[0].quotes[0].turn_id, view.turns[1].id);
    assert_eq!(
        written.body.actions[0].text,
        "Price the box near 25 dollars."
    );
    assert_eq!(
        written.body.gaps.len(),
        1,
        "the hidden reservation about price"
    );
    assert_eq!(written.body.gaps[0].quote.seq, 3);
    assert_eq!(facade.insights(session.id).await.unwrap().unwrap(), written);

    let markdown = String::from_utf8(
        facade
            .export_insights(session.id, pw_twins::ReportFormat::Markdown)
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        markdown.starts_with("# Insights: Interview with"),
        "{markdown}"
    );
    assert!(markdown.contains("## Themes\n\n- Rituals: Mornings start with a pour-over.\n  > “I start with a pour-over at seven.”"), "{markdown}");
    assert!(markdown.contains("## What they said and what they thought"));
    assert!(markdown.contains("2 of 4 items the model wrote were dropped"));
    let pdf = facade
        .export_insights(session.id, pw_twins::ReportFormat::Pdf)
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-1.4") && pdf.ends_with(b"%%EOF\n"));
    assert!(pdf.windows(9).any(|w| w == b"Rituals: "));
}

#[tokio::test]
async fn recall_ranks_memories_by_relevance_importance_and_recency() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    let facade = twins_facade(&db, gateway(twin_writer()));
    // Two notes about shipping, equally important; the later one is the more recent event.
    let older = facade
        .add_note(twins[0], "Shipping took nine days last time.", 5)
        .await
        .unwrap();
    let newer = facade
        .add_note(twins[0], "Shipping was quick this month.", 5)
        .await
        .unwrap();
    let gateway = gateway(twin_writer());
    let (events, _) = broadcast::channel(8);
    let writer = pw_twins::speaking::TurnWriter {
        gateway: &gateway,
        scope: pw_llm::CallScope::workspace(WS),
        events: &events,
        session: SessionId::new(),
        seed: 1,
        record: pw_twins::call_record::CallRecord {
            db: &db,
            workspace: WS.parse().unwrap(),
            session: SessionId::new(),
        },
    };
    let store = pw_twins::repository::TwinStore::new(&db);
    let twin = store.twin(twins[0]).await.unwrap();
    let recalled = writer
        .recall(&store, &twin, "How was the shipping?", 3, &[])
        .await
        .unwrap();
    let ids: Vec<_> = recalled.iter().map(|m| m.id).collect();
    // Both shipping notes come first (by meaning and by words), the more recent one first.
    assert_eq!(&ids[..2], &[newer.id, older.id], "{recalled:?}");
    // The notes, written without vectors, were embedded by this recall and kept.
    let vectors = store.memory_vectors(twins[0], "words").await.unwrap();
    assert!(vectors.iter().any(|(id, _)| *id == older.id));
    // A more important memory outranks an equally relevant, equally recent one.
    let important = facade
        .add_note(twins[0], "Shipping costs made me cancel once.", 10)
        .await
        .unwrap();
    let twin = store.twin(twins[0]).await.unwrap();
    let recalled = writer
        .recall(&store, &twin, "How was the shipping?", 1, &[])
        .await
        .unwrap();
    assert_eq!(recalled[0].id, important.id);
}

#[tokio::test]
async fn a_twin_reflects_once_enough_has_happened_and_each_reflection_links_its_memories() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    let model = ScriptedModel::new(|request| match request.task {
        Task::Analysis => Ok(r#"{"insights": [
            {"text": "I care more about delivery speed than price.", "cites": ["M2", "M3", "M9"]},
            {"text": "I am a night owl.", "cites": []},
            {"text": "I only ever cite things I was not shown.", "cites": ["M40"]}
        ]}"#
        .into()),
        other => panic!("no {other:?}"),
    });
    let facade = twins_facade(&db, gateway(model.clone()));
    let gateway = gateway(model.clone());
    let reflector = pw_twins::reflecting::Reflector {
        db: &db,
        gateway: &gateway,
        scope: pw_llm::CallScope::workspace(WS),
    };
    // The twin's first memories add up to less than 150: not yet.
    assert_eq!(reflector.reflect_if_due(twins[0]).await.unwrap(), 0);
    let mut notes = Vec::new();
    for n in 0..14 {
        notes.push(
            facade
                .add_note(
                    twins[0],
                    &format!("Delivery took long again, time {n}."),
                    10,
                )
                .await
                .unwrap(),
        );
    }
    let stored = reflector.reflect_if_due(twins[0]).await.unwrap();
    assert_eq!(
        stored, 1,
        "the uncited and the unshown reflections are dropped"
    );
    let twin = facade.twin(twins[0]).await.unwrap();
    let reflection = twin
        .memories
        .iter()
        .find(|m| m.fragment == Fragment::Reflection)
        .unwrap();
    assert_eq!(
        reflection.content,
        "I care more about delivery speed than price."
    );
    assert_eq!(reflection.evidence.len(), 3);
    for link in &reflection.evidence {
        assert_eq!(link.source, EvidenceSource::Memory);
        let grounds = twin
            .memories
            .iter()
            .find(|m| m.id.to_string() == link.key)
            .unwrap();
        assert_eq!(link.snapshot, grounds.content);
    }
    assert_eq!(
        reflection.importance, 10,
        "as important as its weightiest ground"
    );
    // Right after reflecting, it is not due again.
    let asked = model.prompts.lock().unwrap().len();
    assert_eq!(reflector.reflect_if_due(twins[0]).await.unwrap(), 0);
    assert_eq!(
        model.prompts.lock().unwrap().len(),
        asked,
        "no call when not due"
    );
}

#[tokio::test]
async fn commands_apply_in_the_order_given_and_words_after_the_guide_still_get_an_answer() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    let model = group_model(Arc::new(Mutex::new(Vec::new())), false);
    let facade = twins_facade(&db, gateway(model.clone()));
    let (session, _) = facade
        .start_focus_group(ws(), GUIDE, &twins, Some(4), None)
        .await
        .unwrap();
    // Skip every section, then speak: the words come after the guide is done, and are
    // answered before the closing.
    for _ in 0..3 {
        facade
            .command(session.id, CommandKind::Skip, "")
            .await
            .unwrap();
    }
    facade
        .command(
            session.id,
            CommandKind::Speak,
            "One last thing: would you buy it?",
        )
        .await
        .unwrap();
    let outcome = run_group(&db, &gateway(model), session.id, &CancellationToken::new()).await;
    assert_eq!(outcome, Outcome::Completed);
    let turns = SessionStore::new(&db).turns(session.id).await.unwrap();
    let shape: Vec<(Speaker, Act, u32)> = turns
        .iter()
        .map(|t| (t.speaker, t.act, t.section))
        .collect();
    assert_eq!(
        shape,
        vec![
            (Speaker::Researcher, Act::Interjection, 2),
            (Speaker::Twin, Act::Answer, 2),
            (Speaker::Moderator, Act::Closing, 2),
        ]
    );
    assert!(
        SessionStore::new(&db)
            .pending(session.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_caught_reply_whose_second_try_says_nothing_is_a_non_response_keeping_the_catch() {
    let (_dir, db) = seeded().await;
    let twins = three_twins(&db).await;
    let replies = Arc::new(AtomicUsize::new(0));
    let counted = replies.clone();
    let model = ScriptedModel::new(move |request| {
        match request.task {
        Task::TwinDialogue => Ok(match counted.fetch_add(1, Ordering::SeqCst) {
            0 => "Says: I have never drunk coffee. Thinks: Odd.".into(),
            _ => "Thinks: nothing to say.".into(),
        }),
        Task::Extraction => Ok(
            r#"{"verdict": "contradicts", "reason": "M1 says they buy beans", "stance": "against"}"#
                .into(),
        ),
        other => panic!("no {other:?}"),
    }
    });
    let facade = twins_facade(&db, gateway(model.clone()));
    let (session, _) = facade
        .start_interview(
            ws(),
            twins[0],
            &["Do you drink coffee?".to_owned()],
            None,
            None,
        )
        .await
        .unwrap();
    let (events, _) = broadcast::channel(64);
    interview(
        &db,
        &gateway(model),
        &events,
        session.id,
        &CancellationToken::new(),
    )
    .await;
    let view = facade.session(session.id).await.unwrap();
    let answer = &view.turns[1];
    assert_eq!(answer.act, Act::NonResponse);
    assert_eq!(answer.says, "");
    assert_eq!(
        answer.rejected.as_deref(),
        Some("I have never drunk coffee.")
    );
    assert_eq!(answer.adherence, Adherence::Caught);
    assert_eq!(
        answer.stance, None,
        "the stance coded was the rejected reply's"
    );
    // Asked again with a different request each time (not answered from the cache): the
    // first reply, the regeneration, and its retry.
    assert_eq!(replies.load(Ordering::SeqCst), 3);
    assert_eq!(
        (view.adherence.caught, view.adherence.non_responses),
        (1, 1)
    );
}
