//! Where the embedded model's time goes when survey respondents answer on it, one at a time
//! against several at once: respondents a minute, and the model thread's time split into
//! reading prompts, batched decoding, choosing tokens (the JSON grammar) and building samplers.
//!
//! ```sh
//! PROFITWHEEL_MODELS_DIR=models cargo run -p pw-local-llm --example batch-bench   # -- 16 for more requests
//! ```
//!
//! Each request is a survey respondent's block as `pw-surveys` asks it: a persona, three
//! questions (a choice, a rating in the respondent's words, a number), held to their JSON Schema.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "a benchmark binary prints its figures and fails loudly"
)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use pw_llm::{ChatMessage, ChatRequest, Task};
use pw_local_llm::{DecodeStats, LocalModel, LocalModelConfig};
use serde_json::json;

fn model_path() -> PathBuf {
    let models = std::env::var_os("PROFITWHEEL_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    models
        .join("smollm2")
        .join(pw_local_llm::DEFAULT_MODEL_FILE)
}

fn respondent(index: usize) -> ChatRequest {
    let ages = [24, 37, 45, 52, 61, 29, 33, 70];
    let age = ages[index % ages.len()];
    let persona = format!(
        "You are a {age} years old woman from the Midwest who brews espresso at home every morning. You value craft and worry about price. You remember: shipping took nine days last time; you switched to a local roaster for fresher beans. Answer as yourself, briefly and honestly."
    );
    let questions = "Answer these questions as a JSON object.\nwhere: Where do you buy coffee beans most often? (shop: A coffee shop; store: A grocery store; online: Online)\nlike: I enjoy trying new roasts. Say in your own words how much you agree.\ncups: How many cups of coffee do you drink a week? (0 to 70)";
    let mut request = ChatRequest::new(
        Task::TwinDialogue,
        vec![ChatMessage::system(persona), ChatMessage::user(questions)],
    );
    request.json_schema = Some(json!({
        "type": "object",
        "properties": {
            "where": { "type": "string", "enum": ["shop", "store", "online"] },
            "like": { "type": "string", "minLength": 1, "maxLength": 400 },
            "cups": { "type": "number", "minimum": 0, "maximum": 70 }
        },
        "required": ["where", "like", "cups"],
        "additionalProperties": false
    }));
    request.max_tokens = Some(202);
    request.temperature = Some(1.0);
    request.seed = Some(index as i64 + 1);
    request
}

struct Measured {
    seconds: f64,
    output_tokens: u64,
    stats: DecodeStats,
}

async fn answer(
    model: &Arc<LocalModel>,
    requests: usize,
    at_once: usize,
    offset: usize,
) -> Measured {
    let before = model.decode_stats();
    let started = Instant::now();
    let mut output_tokens = 0u64;
    let indices: Vec<usize> = (offset..offset + requests).collect();
    for chunk in indices.chunks(at_once) {
        let replies = futures::future::join_all(chunk.iter().map(|&i| {
            let model = model.clone();
            async move { model.generate(&respondent(i), &mut |_| {}).await }
        }))
        .await;
        for reply in replies {
            let reply = reply.unwrap();
            output_tokens += u64::from(reply.usage.output_tokens);
            serde_json::from_str::<serde_json::Value>(&reply.text)
                .unwrap_or_else(|e| panic!("the reply is not JSON ({e}): {}", reply.text));
        }
    }
    let after = model.decode_stats();
    Measured {
        seconds: started.elapsed().as_secs_f64(),
        output_tokens,
        stats: DecodeStats {
            steps: after.steps - before.steps,
            tokens: after.tokens - before.tokens,
            widest_step: after.widest_step,
            prompt_tokens: after.prompt_tokens - before.prompt_tokens,
            prompt_micros: after.prompt_micros - before.prompt_micros,
            decode_micros: after.decode_micros - before.decode_micros,
            sample_micros: after.sample_micros - before.sample_micros,
            setup_micros: after.setup_micros - before.setup_micros,
        },
    }
}

fn print(label: &str, requests: usize, m: &Measured) {
    let s = &m.stats;
    let seconds = |micros: u64| micros as f64 / 1e6;
    println!(
        "   {label}: {requests} respondents in {:.1} s = {:.1} a minute; {} reply tokens in {} steps ({:.2} a step)",
        m.seconds,
        requests as f64 / m.seconds * 60.0,
        m.output_tokens,
        s.steps,
        s.tokens as f64 / s.steps.max(1) as f64
    );
    println!(
        "      model thread: prompts {:.1} s ({} tokens, {:.0} a second) · decoding {:.1} s ({:.1} ms a step) · choosing tokens {:.1} s ({:.2} ms a token) · samplers built {:.1} s",
        seconds(s.prompt_micros),
        s.prompt_tokens,
        s.prompt_tokens as f64 / seconds(s.prompt_micros).max(1e-9),
        seconds(s.decode_micros),
        s.decode_micros as f64 / 1e3 / s.steps.max(1) as f64,
        seconds(s.sample_micros),
        s.sample_micros as f64 / 1e3 / s.tokens.max(1) as f64,
        seconds(s.setup_micros),
    );
}

#[tokio::main]
async fn main() {
    let requests: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(12);
    let path = model_path();
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-models",
        path.display()
    );
    let mut config = LocalModelConfig::new(path);
    config.parallel = 8;
    // PROFITWHEEL_LLAMA_THREADS=1 shows whether the cores are real (two threads on one
    // hyperthreaded core read prompts no faster than one).
    config.threads = std::env::var("PROFITWHEEL_LLAMA_THREADS")
        .ok()
        .and_then(|n| n.parse().ok());
    let model = LocalModel::load(config).await.unwrap();
    println!(
        "the embedded model ({}), {requests} survey respondents",
        model.name()
    );
    // Warm-up: the first decode allocates.
    answer(&model, 1, 1, 1_000).await;
    let one = answer(&model, requests, 1, 0).await;
    print("one at a time", requests, &one);
    let mut best = 0.0f64;
    for at_once in [4, 8] {
        let many = answer(&model, requests, at_once, 100 * at_once).await;
        print(&format!("{at_once} at once"), requests, &many);
        let ratio = one.seconds / many.seconds;
        best = best.max(ratio);
        println!("      {at_once} at once / one at a time: {ratio:.2}×");
    }
    println!(
        "   best: {best:.2}× (goal ≥ 3×: {})",
        if best >= 3.0 { "met" } else { "not met" }
    );
}
