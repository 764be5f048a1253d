//! The gateway's vocabulary, independent of any vendor's wire format.

use serde::{Deserialize, Serialize};

/// What a call is for; routing picks a model per task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    TwinDialogue,
    Moderation,
    Analysis,
    Extraction,
    Embeddings,
}

impl Task {
    pub fn as_str(self) -> &'static str {
        match self {
            Task::TwinDialogue => "twin_dialogue",
            Task::Moderation => "moderation",
            Task::Analysis => "analysis",
            Task::Extraction => "extraction",
            Task::Embeddings => "embeddings",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn system(content: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::System,
            content: content.into(),
        }
    }
    pub fn user(content: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::User,
            content: content.into(),
        }
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// How a call uses the response cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheMode {
    /// Answer from the cache when this exact request was answered before; store new answers.
    /// Re-running a study with the same seeds reproduces it.
    #[default]
    Reuse,
    /// Always ask the model, and store the fresh answer.
    Refresh,
    /// Answer only from the cache: zero model calls. A request never answered before fails
    /// with [`crate::LlmError::NotInCache`].
    Replay,
    /// Neither read nor write the cache (the benchmark, one-off key tests).
    Bypass,
}

/// What a call serves: the workspace (its default model, its cache), the study (its budget and
/// spend) and the job. Travels with the request into the call record.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CallScope {
    pub workspace_id: Option<String>,
    pub study_id: Option<String>,
    pub job_id: Option<String>,
    pub cache: CacheMode,
}

impl CallScope {
    pub fn workspace(workspace_id: impl Into<String>) -> Self {
        CallScope {
            workspace_id: Some(workspace_id.into()),
            ..CallScope::default()
        }
    }

    pub fn study(workspace_id: impl Into<String>, study_id: impl Into<String>) -> Self {
        CallScope {
            workspace_id: Some(workspace_id.into()),
            study_id: Some(study_id.into()),
            ..CallScope::default()
        }
    }

    pub fn with_cache(mut self, cache: CacheMode) -> Self {
        self.cache = cache;
        self
    }

    pub fn with_job(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = Some(job_id.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub task: Task,
    pub messages: Vec<ChatMessage>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    /// Makes sampling repeatable where the vendor supports it (and keys the response cache).
    pub seed: Option<i64>,
    /// The answer must be JSON matching this schema. Vendors get a response format; the local
    /// model is held to a grammar built from the schema, so it can only produce matching JSON.
    #[serde(default)]
    pub json_schema: Option<serde_json::Value>,
    #[serde(default)]
    pub scope: CallScope,
}

impl ChatRequest {
    pub fn new(task: Task, messages: Vec<ChatMessage>) -> Self {
        ChatRequest {
            task,
            messages,
            temperature: None,
            max_tokens: None,
            seed: None,
            json_schema: None,
            scope: CallScope::default(),
        }
    }

    pub fn in_scope(mut self, scope: CallScope) -> Self {
        self.scope = scope;
        self
    }

    /// A rough token count for pacing (about four characters per token in English; characters,
    /// not bytes, so accented and non-Latin text is not over-counted), plus the reply budget,
    /// which vendors also charge against the per-minute token limit up front.
    pub fn estimated_tokens(&self) -> u32 {
        let characters: usize = self
            .messages
            .iter()
            .map(|m| m.content.chars().count() + 4)
            .sum();
        (characters / 4) as u32 + self.max_tokens.unwrap_or(512)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u32,
    pub output_tokens: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatReply {
    pub text: String,
    pub vendor: String,
    pub model: String,
    pub usage: Usage,
    pub finish_reason: Option<String>,
}

/// What the consumer of a streamed reply ([`crate::Gateway::chat_stream`]) receives, in
/// order; the call returns the complete reply at the end.
///
/// The contract: a consumer shows `Token`s as they come, and on `Restart` discards everything
/// received before it (clears what it shows), because the model that was answering failed
/// mid-way and the next model in the task's chain answers from the beginning. The tokens after
/// a `Restart` are the whole new answer; [`StreamEvent::apply_to`] does exactly this.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// The next piece of the answer.
    Token(String),
    /// The answer so far is void: `vendor` failed mid-answer (`reason`) and the next route
    /// starts over.
    Restart { vendor: String, reason: String },
}

impl StreamEvent {
    /// Applies the event to the text shown so far: a token is appended, a restart clears it.
    pub fn apply_to(&self, shown: &mut String) {
        match self {
            StreamEvent::Token(piece) => shown.push_str(piece),
            StreamEvent::Restart { .. } => shown.clear(),
        }
    }
}
