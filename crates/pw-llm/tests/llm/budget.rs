//! Study budgets through the gateway against a scripted server over loopback: a reservation is
//! held while a call runs, given back when a call is cancelled before it is sent, and charged
//! when a sent call is cancelled or answers without usage, and a ledger that fails to file a
//! call is retried and then reported, never ignored. (Budgets under 200 concurrent calls with
//! the real SQLite ledger are in pw-engine's `language_models` tests.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

#[allow(
    dead_code,
    reason = "this binary uses only part of the scripted server"
)]
use crate::support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use pw_llm::{
    AccountOpening, CallLedger, CallRecord, CallScope, ChatMessage, ChatRequest, Gateway,
    LedgerWriteError, LlmError, ModelCatalogue, ModelInfo, Route, StudyAccount, Task, VendorLimits,
    VendorSettings,
};
use support::{Answer, ScriptedServer};

/// One study's account, and records kept in memory; the first `failures` records are refused.
struct Ledger {
    study: Arc<StudyAccount>,
    records: Mutex<Vec<CallRecord>>,
    failures: AtomicU32,
}

impl Ledger {
    fn new(budget_micros: i64) -> Arc<Self> {
        Arc::new(Ledger {
            study: StudyAccount::new(AccountOpening {
                budget_micros: Some(budget_micros),
                settled_micros: 0,
            }),
            records: Mutex::new(Vec::new()),
            failures: AtomicU32::new(0),
        })
    }
}

impl CallLedger for Ledger {
    fn account<'a>(
        &'a self,
        scope: &'a CallScope,
    ) -> BoxFuture<'a, Result<Option<Arc<StudyAccount>>, LlmError>> {
        let account = scope.study_id.as_ref().map(|_| self.study.clone());
        Box::pin(async move { Ok(account) })
    }

    fn record<'a>(&'a self, record: &'a CallRecord) -> BoxFuture<'a, Result<(), LedgerWriteError>> {
        let refused = self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if !refused {
            self.records.lock().unwrap().push(record.clone());
        }
        Box::pin(async move {
            match refused {
                true => Err(LedgerWriteError("database is locked".into())),
                false => Ok(()),
            }
        })
    }
}

/// A gateway to the scripted server with `test-model` at $1 per million tokens each way.
fn priced_gateway(server: &ScriptedServer, ledger: Arc<Ledger>) -> Arc<Gateway> {
    Arc::new(priced_gateway_with(
        server,
        ledger,
        VendorSettings::compatible("test", &server.base_url).limits,
    ))
}

/// The same, with three attempts a call and short backoffs.
fn quick_priced_gateway(server: &ScriptedServer, ledger: Arc<Ledger>) -> Gateway {
    priced_gateway_with(
        server,
        ledger,
        VendorLimits {
            max_attempts: 3,
            base_backoff: Duration::from_millis(10),
            ..VendorLimits::default()
        },
    )
}

fn priced_gateway_with(
    server: &ScriptedServer,
    ledger: Arc<Ledger>,
    limits: VendorLimits,
) -> Gateway {
    let mut settings = VendorSettings::compatible("test", &server.base_url);
    settings.limits = limits;
    let mut gateway = Gateway::new();
    gateway.add_vendor(settings).unwrap();
    gateway.set_route(Task::TwinDialogue, vec![Route::new("test", "test-model")]);
    let mut catalogue = ModelCatalogue::default();
    catalogue.set(ModelInfo {
        vendor: "test".into(),
        model: "test-model".into(),
        context_window: 8_192,
        input_micros_per_mtok: 1_000_000,
        output_micros_per_mtok: 1_000_000,
        embedding: false,
        source: "test".into(),
    });
    gateway.set_catalogue(catalogue);
    gateway.set_ledger(ledger);
    gateway
}

fn ask(text: &str) -> ChatRequest {
    let mut request = ChatRequest::new(Task::TwinDialogue, vec![ChatMessage::user(text)])
        .in_scope(CallScope::study("ws", "study"));
    request.max_tokens = Some(100);
    request
}

/// A call whose request reached the vendor is billed whether or not we wait for the answer:
/// cancelled, it is charged its reservation (the most it could cost) and filed as cancelled,
/// never given back as if nothing had been spent.
#[tokio::test]
async fn a_call_cancelled_after_it_was_sent_is_charged_and_filed() {
    // The vendor holds the answer far longer than the test runs.
    let server = ScriptedServer::start(vec![
        Answer::chat("too late").delayed(Duration::from_secs(600)),
    ])
    .await;
    let ledger = Ledger::new(1_000_000);
    let gateway = priced_gateway(&server, ledger.clone());
    let call = tokio::spawn({
        let gateway = gateway.clone();
        async move { gateway.chat(&ask("hello")).await }
    });
    while server.received().is_empty() {
        tokio::task::yield_now().await;
    }
    // In flight: "hello" + 4 is 2 tokens in, at most 100 out, at $1/M each way.
    assert_eq!(ledger.study.reserved_micros(), 102);

    call.abort();
    assert!(call.await.unwrap_err().is_cancelled());
    assert_eq!(ledger.study.reserved_micros(), 0, "the hold is gone");
    assert_eq!(
        ledger.study.settled_micros(),
        102,
        "and charged, not given back"
    );
    // The record is filed on a task of its own; give it its turn.
    for _ in 0..100 {
        if !ledger.records.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let records = ledger.records.lock().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].outcome, pw_llm::CallOutcome::Cancelled);
    assert_eq!(records[0].cost_micros, Some(102));
}

/// A call cancelled while it waits its turn in the vendor's queue was never sent, so nothing
/// was billed: its reservation is given back and nothing is filed (the spend views count every
/// record as a call).
#[tokio::test]
async fn a_call_cancelled_before_it_was_sent_gives_its_reservation_back() {
    // One call at a time; the first is held far longer than the test runs.
    let server = ScriptedServer::start(vec![
        Answer::chat("too late").delayed(Duration::from_secs(600)),
    ])
    .await;
    let ledger = Ledger::new(1_000_000);
    let gateway = Arc::new(priced_gateway_with(
        &server,
        ledger.clone(),
        VendorLimits {
            max_concurrency: 1,
            ..VendorLimits::default()
        },
    ));
    let first = tokio::spawn({
        let gateway = gateway.clone();
        async move { gateway.chat(&ask("hello")).await }
    });
    while server.received().is_empty() {
        tokio::task::yield_now().await;
    }
    let second = tokio::spawn({
        let gateway = gateway.clone();
        async move { gateway.chat(&ask("hello")).await }
    });
    // The second has reserved its estimate and waits for the first's slot.
    while ledger.study.reserved_micros() < 2 * 102 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.received().len(), 1, "the second call waits, unsent");

    second.abort();
    assert!(second.await.unwrap_err().is_cancelled());
    assert_eq!(
        ledger.study.reserved_micros(),
        102,
        "only the first call's hold is left"
    );
    assert_eq!(ledger.study.settled_micros(), 0, "nothing was spent");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        ledger.records.lock().unwrap().is_empty(),
        "a call never sent is not filed: {:?}",
        ledger.records.lock().unwrap()
    );

    // The first was sent: cancelled, it is still charged and filed.
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    assert_eq!(ledger.study.reserved_micros(), 0);
    assert_eq!(ledger.study.settled_micros(), 102);
    let records = filed(&ledger, 1).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].outcome, pw_llm::CallOutcome::Cancelled);
    assert_eq!(records[0].cost_micros, Some(102));
    assert_eq!(server.received().len(), 1);
}

/// A model on this machine that waits for its turn (`speaks: false`) or speaks a word and then
/// keeps on thinking (`speaks: true`), until the call is dropped.
struct HeldLocalModel {
    speaks: bool,
}

impl pw_llm::LocalBackend for HeldLocalModel {
    fn model(&self) -> &str {
        "held"
    }

    fn identity(&self) -> &str {
        "held-1"
    }

    fn generate<'a>(
        &'a self,
        _request: &'a ChatRequest,
        on_token: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<pw_llm::ChatReply, LlmError>> {
        Box::pin(async move {
            if self.speaks {
                on_token("Well");
            }
            futures::future::pending().await
        })
    }
}

/// A local call is cancelled as a vendor's is: before the model starts answering (waiting for
/// its turn), nothing is filed; once it has, the call is filed as cancelled, at no cost.
#[tokio::test]
async fn a_local_call_is_filed_when_cancelled_only_once_the_model_started() {
    for speaks in [false, true] {
        let ledger = Ledger::new(1_000_000);
        let mut gateway = Gateway::new();
        gateway.add_local("local", Arc::new(HeldLocalModel { speaks }));
        gateway.set_route(Task::TwinDialogue, vec![Route::new("local", "held")]);
        gateway.set_ledger(ledger.clone());
        let gateway = Arc::new(gateway);
        let (spoke, mut heard) = tokio::sync::mpsc::unbounded_channel();
        let call = tokio::spawn({
            let gateway = gateway.clone();
            async move {
                gateway
                    .chat_stream(&ask("hello"), |event| {
                        if let pw_llm::StreamEvent::Token(piece) = event {
                            let _ = spoke.send(piece);
                        }
                    })
                    .await
            }
        });
        if speaks {
            assert_eq!(heard.recv().await.as_deref(), Some("Well"));
        } else {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        call.abort();
        assert!(call.await.unwrap_err().is_cancelled());
        assert_eq!(ledger.study.reserved_micros(), 0);
        assert_eq!(ledger.study.settled_micros(), 0);
        let records = match speaks {
            true => filed(&ledger, 1).await,
            false => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                ledger.records.lock().unwrap().clone()
            }
        };
        match speaks {
            false => assert!(records.is_empty(), "{records:?}"),
            true => {
                assert_eq!(records.len(), 1);
                assert_eq!(records[0].outcome, pw_llm::CallOutcome::Cancelled);
                assert_eq!(records[0].cost_micros, Some(0));
            }
        }
    }
}

/// An answer without a `usage` (some OpenAI-compatible servers omit it) was still billed: it is
/// charged its reservation, so a budget binds even on such a vendor.
#[tokio::test]
async fn an_answer_without_usage_is_charged_its_reservation_not_nothing() {
    let server = ScriptedServer::start(vec![Answer::chat_without_usage("fine")]).await;
    let ledger = Ledger::new(1_000_000);
    let gateway = priced_gateway(&server, ledger.clone());
    assert_eq!(gateway.chat(&ask("hello")).await.unwrap().text, "fine");
    assert_eq!(ledger.study.settled_micros(), 102);
    assert_eq!(ledger.records.lock().unwrap()[0].cost_micros, Some(102));
}

#[tokio::test]
async fn a_ledger_that_fails_to_file_is_retried_then_reported() {
    let server = ScriptedServer::start(vec![]).await;
    server.otherwise(Answer::chat("an answer"));
    let ledger = Ledger::new(1_000_000);
    let gateway = priced_gateway(&server, ledger.clone());

    // Two refusals, then the ledger takes it: the call succeeds and is filed once.
    ledger.failures.store(2, Ordering::SeqCst);
    assert_eq!(gateway.chat(&ask("one")).await.unwrap().text, "an answer");
    assert_eq!(ledger.records.lock().unwrap().len(), 1);
    // The scripted usage: 11 tokens in, 7 out, at $1/M = 18 µ$.
    assert_eq!(ledger.study.settled_micros(), 18);

    // A ledger that keeps failing: the paid call is reported, and its cost still counts.
    ledger.failures.store(1_000, Ordering::SeqCst);
    let error = gateway.chat(&ask("two")).await.unwrap_err();
    assert!(
        matches!(&error, LlmError::LedgerWriteFailed { message } if message == "database is locked"),
        "{error:?}"
    );
    assert_eq!(server.received().len(), 2, "no other model was asked");
    assert_eq!(ledger.study.settled_micros(), 36);
    assert_eq!(ledger.study.reserved_micros(), 0);
}

/// Waits for the records filed on tasks of their own, then hands them over.
async fn filed(ledger: &Ledger, count: usize) -> Vec<CallRecord> {
    for _ in 0..200 {
        if ledger.records.lock().unwrap().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    ledger.records.lock().unwrap().clone()
}

/// An empty answer is a failed attempt, but the vendor billed it: when the re-asks run out,
/// the call fails and every attempt's tokens are still charged to the study and filed with it.
#[tokio::test]
async fn empty_answers_that_use_up_the_attempts_are_charged_and_filed() {
    // Every answer is empty and reports 11 tokens in and 7 out: 18 µ$ at $1/M.
    let server = ScriptedServer::start(vec![]).await;
    server.otherwise(Answer::chat(""));
    let ledger = Ledger::new(1_000_000);
    let gateway = quick_priced_gateway(&server, ledger.clone());
    let error = gateway.chat(&ask("hello")).await.unwrap_err();
    assert_eq!(error.kind(), "empty_answer", "{error:?}");
    assert_eq!(server.received().len(), 3);
    assert_eq!(
        ledger.study.settled_micros(),
        3 * 18,
        "three billed attempts"
    );
    assert_eq!(ledger.study.reserved_micros(), 0);
    let records = filed(&ledger, 1).await;
    assert_eq!(records.len(), 1);
    assert!(
        matches!(&records[0].outcome, pw_llm::CallOutcome::Failed(_)),
        "{:?}",
        records[0].outcome
    );
    assert_eq!(
        (
            records[0].usage.input_tokens,
            records[0].usage.output_tokens
        ),
        (33, 21)
    );
    assert_eq!(records[0].cost_micros, Some(54));

    // A stream that finishes without a word each time (5 tokens in, none out, each) too.
    let silent = ScriptedServer::start(vec![]).await;
    silent.otherwise(Answer::Stream {
        pieces: vec![],
        finish: true,
        cut: false,
    });
    let ledger = Ledger::new(1_000_000);
    let gateway = quick_priced_gateway(&silent, ledger.clone());
    let error = gateway
        .chat_stream(&ask("hello"), |_| {})
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "empty_answer", "{error:?}");
    assert_eq!(silent.received().len(), 3);
    assert_eq!(ledger.study.settled_micros(), 3 * 5);
    assert_eq!(filed(&ledger, 1).await[0].cost_micros, Some(15));
}

/// A whole body cut off mid-way was generated, and billed, by the vendor; pw-http asks again
/// and only the answer that arrives reports usage. The lost attempt is charged its estimate
/// (the reservation, 102 µ$ here), as a cancelled call is, so the budget never sees less than
/// was likely billed.
#[tokio::test]
async fn a_body_cut_mid_way_and_asked_again_is_charged_for_both_attempts() {
    let cut = || Answer::CutBody {
        partial: "{\"choices\": [{\"message\": {\"content\": \"I thi".into(),
    };
    let server = ScriptedServer::start(vec![cut(), Answer::chat("the whole answer")]).await;
    let ledger = Ledger::new(1_000_000);
    let gateway = quick_priced_gateway(&server, ledger.clone());
    let reply = gateway.chat(&ask("hello")).await.unwrap();
    assert_eq!(reply.text, "the whole answer");
    assert_eq!(server.received().len(), 2);
    // 18 µ$ reported for the answer, 102 µ$ estimated for the one cut off.
    assert_eq!(ledger.study.settled_micros(), 18 + 102);
    assert_eq!(filed(&ledger, 1).await[0].cost_micros, Some(120));

    // Every attempt cut off: the call fails, and each attempt is charged its estimate.
    let server = ScriptedServer::start(vec![]).await;
    server.otherwise(cut());
    let ledger = Ledger::new(1_000_000);
    let gateway = quick_priced_gateway(&server, ledger.clone());
    let error = gateway.chat(&ask("hello")).await.unwrap_err();
    assert_eq!(error.kind(), "unreachable", "{error:?}");
    assert_eq!(server.received().len(), 3);
    assert_eq!(ledger.study.settled_micros(), 3 * 102);
    let records = filed(&ledger, 1).await;
    assert_eq!(records[0].cost_micros, Some(306));

    // An attempt the vendor did not answer in time may still be generated and billed: it is
    // charged its estimate too.
    let server = ScriptedServer::start(vec![
        Answer::chat("too late").delayed(Duration::from_secs(5)),
        Answer::chat("in time"),
    ])
    .await;
    let ledger = Ledger::new(1_000_000);
    let gateway = priced_gateway_with(
        &server,
        ledger.clone(),
        VendorLimits {
            max_attempts: 3,
            base_backoff: Duration::from_millis(10),
            request_timeout: Duration::from_millis(300),
            ..VendorLimits::default()
        },
    );
    assert_eq!(gateway.chat(&ask("hello")).await.unwrap().text, "in time");
    assert_eq!(ledger.study.settled_micros(), 18 + 102);
}

/// A study with a budget refuses a model without a price before anything is sent, and moves
/// on to the next route: the refusal is no call, so the ledger files only the call that was
/// made (the spend views count calls and failed calls from it).
#[tokio::test]
async fn a_route_refused_for_its_unknown_price_files_no_call() {
    let server = ScriptedServer::start(vec![]).await;
    server.otherwise(Answer::chat("priced answer"));
    let ledger = Ledger::new(1_000_000);
    let mut gateway = quick_priced_gateway(&server, ledger.clone());
    gateway.set_route(
        Task::TwinDialogue,
        vec![
            Route::new("test", "mystery-model"),
            Route::new("test", "test-model"),
        ],
    );
    let reply = gateway.chat(&ask("hello")).await.unwrap();
    assert_eq!(reply.text, "priced answer");
    assert_eq!(server.received().len(), 1);
    let records = filed(&ledger, 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let models: Vec<_> = ledger
        .records
        .lock()
        .unwrap()
        .iter()
        .map(|r| (r.model.clone(), r.outcome.clone()))
        .collect();
    assert_eq!(
        models,
        [("test-model".to_owned(), pw_llm::CallOutcome::Ok)],
        "{records:?}"
    );

    // With no priced route left the call fails in words; still nothing was sent or filed.
    gateway.set_route(
        Task::TwinDialogue,
        vec![Route::new("test", "mystery-model")],
    );
    let error = gateway.chat(&ask("again")).await.unwrap_err();
    assert_eq!(error.kind(), "price_unknown", "{error:?}");
    assert_eq!(server.received().len(), 1);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(ledger.records.lock().unwrap().len(), 1);
    assert_eq!(ledger.study.settled_micros(), 18);
}
