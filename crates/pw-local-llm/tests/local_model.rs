//! Real generation on SmolLM2-135M-Instruct (fetched by scripts/fetch-models): streaming,
//! batched sequences, cancellation, and the gateway routing to the local model offline.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use pw_llm::{ChatMessage, ChatRequest, Gateway, Route, Task, VendorKind, VendorSettings};
use pw_local_llm::{LocalModel, LocalModelConfig, LocalModelError};

fn model_path() -> PathBuf {
    let models = std::env::var_os("PROFITWHEEL_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    let path = models
        .join("smollm2")
        .join(pw_local_llm::DEFAULT_MODEL_FILE);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-models",
        path.display()
    );
    path
}

async fn model() -> Arc<LocalModel> {
    let mut config = LocalModelConfig::new(model_path());
    config.context_per_sequence = 1024;
    config.parallel = 4;
    LocalModel::load(config).await.unwrap()
}

fn question(text: &str, max_tokens: u32, seed: i64) -> ChatRequest {
    let mut request = ChatRequest::new(
        Task::TwinDialogue,
        vec![
            ChatMessage::system("You are a helpful assistant. Answer briefly."),
            ChatMessage::user(text),
        ],
    );
    request.max_tokens = Some(max_tokens);
    request.seed = Some(seed);
    request.temperature = Some(0.0);
    request
}

#[tokio::test]
async fn it_generates_a_streamed_answer_with_the_gguf_chat_template() {
    let model = model().await;
    let mut pieces = Vec::new();
    let reply = model
        .generate(
            &question("What is the capital of France?", 24, 1),
            &mut |piece| pieces.push(piece.to_owned()),
        )
        .await
        .unwrap();
    assert!(!reply.text.trim().is_empty());
    assert!(reply.text.contains("Paris"), "{:?}", reply.text);
    assert_eq!(
        pieces.concat(),
        reply.text,
        "the streamed pieces are the answer"
    );
    assert!(pieces.len() > 1);
    assert!(
        reply.usage.input_tokens > 10 && reply.usage.output_tokens > 0,
        "{:?}",
        reply.usage
    );
    assert!(matches!(
        reply.finish_reason.as_deref(),
        Some("stop" | "length")
    ));

    // Greedy decoding is repeatable.
    let again = model
        .generate(
            &question("What is the capital of France?", 24, 1),
            &mut |_| {},
        )
        .await
        .unwrap();
    assert_eq!(again.text, reply.text);
}

#[tokio::test]
async fn concurrent_requests_share_decode_steps_and_each_gets_its_own_answer() {
    let model = model().await;
    let prompts = [
        "Name a fruit.",
        "Name a colour.",
        "Name an animal.",
        "Name a country.",
    ];
    let answers = futures::future::join_all(prompts.iter().enumerate().map(|(index, prompt)| {
        let model = model.clone();
        async move {
            model
                .generate(&question(prompt, 16, index as i64), &mut |_| {})
                .await
        }
    }))
    .await;
    for (prompt, answer) in prompts.iter().zip(&answers) {
        let answer = answer.as_ref().unwrap();
        assert!(
            !answer.text.trim().is_empty(),
            "{prompt} got an empty answer"
        );
        assert!(answer.usage.output_tokens <= 16);
    }
    // Batching, not taking turns: fewer decode steps than tokens, several sequences per step.
    let stats = model.decode_stats();
    let generated: u64 = answers
        .iter()
        .map(|a| u64::from(a.as_ref().unwrap().usage.output_tokens))
        .sum();
    assert!(stats.widest_step >= 2, "{stats:?}");
    assert!(stats.steps < stats.tokens, "{stats:?}");
    assert!(
        stats.tokens + 4 >= generated,
        "{stats:?} for {generated} tokens"
    );
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code, reason = "the fields are what the grammar must produce")]
struct Coffee {
    roast: Roast,
    cups_per_day: u8,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Roast {
    Light,
    Medium,
    Dark,
}

#[tokio::test]
async fn a_json_request_is_held_to_its_schema_by_a_grammar() {
    let model = model().await;
    let schema = serde_json::to_value(schemars::schema_for!(Coffee)).unwrap();
    // Sampled at temperature 0.8, every answer is JSON of this shape as it comes out of the
    // model, with no repair round.
    for seed in 0..3 {
        let mut request = question(
            "Which roast do you drink, and how many cups a day?",
            48,
            seed,
        );
        request.temperature = Some(0.8);
        request.json_schema = Some(schema.clone());
        let reply = model.generate(&request, &mut |_| {}).await.unwrap();
        let answer: Coffee =
            serde_json::from_str(&reply.text).unwrap_or_else(|e| panic!("{e}: {}", reply.text));
        // Parsing is the check: `roast` is one of three words, `cups_per_day` fits a u8.
        let _ = answer;
    }
    // Through the gateway, chat_json sends the schema along and gets the type back.
    let mut gateway = Gateway::new();
    gateway.add_local("local", model);
    let _: Coffee = gateway
        .chat_json(&question("Which roast do you drink?", 48, 9))
        .await
        .unwrap();
}

/// What our own schemas ask of the grammar (crates/pw-local-llm/src/grammar.rs): a pattern, an
/// integer range, length bounds on strings and lists, an optional nested object.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Panelist {
    #[schemars(regex(pattern = r"^S[1-9][0-9]?$"))]
    signal: String,
    #[schemars(range(min = 18, max = 75))]
    age: u8,
    #[schemars(length(min = 1, max = 3), inner(length(min = 1, max = 12)))]
    likes: Vec<String>,
    roast: Roast,
    home: Option<Home>,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Home {
    #[schemars(length(max = 20))]
    city: String,
}

#[tokio::test]
async fn patterns_ranges_and_lengths_hold_on_the_real_model() {
    let model = model().await;
    let schema = serde_json::to_value(schemars::schema_for!(Panelist)).unwrap();
    for seed in 0..2 {
        let mut request = question(
            "Describe a coffee panelist: the signal they come from, their age, what they like, their roast and where they live.",
            96,
            seed,
        );
        request.temperature = Some(0.9);
        request.json_schema = Some(schema.clone());
        let reply = model.generate(&request, &mut |_| {}).await.unwrap();
        let p: Panelist =
            serde_json::from_str(&reply.text).unwrap_or_else(|e| panic!("{e}: {}", reply.text));
        let number = p.signal.strip_prefix('S').unwrap();
        assert!(
            !number.starts_with('0') && (1..=99).contains(&number.parse::<u32>().unwrap()),
            "{p:?}"
        );
        assert!((18..=75).contains(&p.age), "{p:?}");
        assert!((1..=3).contains(&p.likes.len()), "{p:?}");
        assert!(
            p.likes
                .iter()
                .all(|l| (1..=12).contains(&l.chars().count())),
            "{p:?}"
        );
        assert!(
            p.home.as_ref().is_none_or(|h| h.city.chars().count() <= 20),
            "{p:?}"
        );
        let _ = p.roast;
    }
    // A schema the grammar cannot hold is refused before decoding, as a vendor would.
    let mut request = question("Anything.", 8, 0);
    request.json_schema = Some(serde_json::json!({"type": "string", "pattern": "no anchors"}));
    let error = model.generate(&request, &mut |_| {}).await.unwrap_err();
    assert!(error.to_string().contains("must start with ^"), "{error}");
}

#[tokio::test]
async fn dropping_a_request_cancels_it_and_the_model_keeps_serving() {
    let model = model().await;
    let long = question(
        "Write a long story about a coffee farmer in Colombia.",
        400,
        3,
    );
    let mut seen = 0usize;
    let cut_short = tokio::time::timeout(
        Duration::from_millis(300),
        model.generate(&long, &mut |_| seen += 1),
    )
    .await;
    assert!(
        cut_short.is_err(),
        "400 tokens do not fit in 300 ms on a small CPU"
    );
    let next = tokio::time::timeout(
        Duration::from_secs(60),
        model.generate(&question("Say hello.", 8, 4), &mut |_| {}),
    )
    .await
    .expect("the cancelled request no longer holds the model")
    .unwrap();
    assert!(!next.text.is_empty());
}

#[tokio::test]
async fn the_gateway_answers_offline_through_the_local_model() {
    let model = model().await;
    let mut gateway = Gateway::new();
    gateway.add_local("local", model.clone());
    // A cloud model is the first choice, but offline mode keeps every call on this machine
    // (were it ignored, the call would go to api.openai.com and fail: this machine has no
    // route there).
    gateway
        .add_vendor(VendorSettings::hosted(VendorKind::OpenAi, "sk-unused").unwrap())
        .unwrap();
    gateway.set_route(
        Task::TwinDialogue,
        vec![Route::new("openai", "gpt-4o-mini")],
    );
    gateway.set_offline(true);
    let mut streamed = String::new();
    let reply = gateway
        .chat_stream(
            &question("What colour is the sky on a clear day?", 16, 5),
            |event| event.apply_to(&mut streamed),
        )
        .await
        .unwrap();
    assert_eq!(reply.vendor, "local");
    assert_eq!(streamed, reply.text);
    assert!(!reply.text.trim().is_empty());

    // A fresh install with no key and no route: the local model answers every chat task.
    let mut fresh = Gateway::new();
    fresh.add_local("local", model);
    for task in [Task::Moderation, Task::Analysis, Task::Extraction] {
        let mut request = question("Name a colour.", 6, 6);
        request.task = task;
        assert_eq!(fresh.chat(&request).await.unwrap().vendor, "local");
    }
}

#[tokio::test]
async fn a_missing_model_file_is_a_clear_error() {
    let error = LocalModel::load(LocalModelConfig::new("/nowhere/model.gguf"))
        .await
        .err()
        .unwrap();
    assert!(matches!(error, LocalModelError::Missing(_)));
    assert!(error.to_string().contains("scripts/install-project-tools"));
}

#[tokio::test]
async fn the_model_is_known_by_its_file_hash() {
    use sha2::{Digest, Sha256};
    let model = model().await;
    let digest = Sha256::digest(std::fs::read(model_path()).unwrap());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(model.identity(), format!("gguf-sha256:{hex}"));
    assert_eq!(
        pw_llm::LocalBackend::identity(model.as_ref()),
        model.identity()
    );
}
