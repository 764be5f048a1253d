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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    pub task: Task,
    pub messages: Vec<ChatMessage>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    /// Makes sampling repeatable where the vendor supports it (and keys the response cache).
    pub seed: Option<i64>,
}

impl ChatRequest {
    pub fn new(task: Task, messages: Vec<ChatMessage>) -> Self {
        ChatRequest {
            task,
            messages,
            temperature: None,
            max_tokens: None,
            seed: None,
        }
    }

    /// A rough token count for pacing (about four characters per token in English), plus the
    /// reply budget, which vendors also charge against the per-minute token limit up front.
    pub fn estimated_tokens(&self) -> u32 {
        let characters: usize = self.messages.iter().map(|m| m.content.len() + 4).sum();
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

/// A piece of a streamed reply.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Token(String),
    Done(ChatReply),
}
