//! The OpenAI-compatible wire format: the chat request body we send, and the parts of the
//! completion, stream-chunk and embedding bodies we read back.

use serde::Deserialize;
use serde_json::{Value, json};

use super::routing::Route;
use crate::types::{ChatRequest, Role, Usage};

#[derive(Debug, Deserialize)]
pub(super) struct MessageBody {
    pub(super) content: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ChoiceBody {
    pub(super) message: Option<MessageBody>,
    pub(super) delta: Option<MessageBody>,
    pub(super) finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct UsageBody {
    #[serde(default)]
    prompt_tokens: u32,
    #[serde(default)]
    completion_tokens: u32,
}

impl UsageBody {
    pub(super) fn usage(&self) -> Usage {
        Usage {
            input_tokens: self.prompt_tokens,
            output_tokens: self.completion_tokens,
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct CompletionBody {
    pub(super) model: Option<String>,
    #[serde(default)]
    pub(super) choices: Vec<ChoiceBody>,
    pub(super) usage: Option<UsageBody>,
}

#[derive(Debug, Deserialize)]
pub(super) struct EmbeddingItem {
    pub(super) embedding: Vec<f32>,
    #[serde(default)]
    pub(super) index: usize,
}

#[derive(Debug, Deserialize)]
pub(super) struct EmbeddingBody {
    pub(super) data: Vec<EmbeddingItem>,
    pub(super) usage: Option<UsageBody>,
}

/// The chat completion body for `request` on `route`; a streamed one also asks for usage.
pub(super) fn chat_body(route: &Route, request: &ChatRequest, stream: bool) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| {
            let role = match m.role {
                Role::System => "system",
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            json!({ "role": role, "content": m.content })
        })
        .collect();
    let mut body = json!({ "model": route.model, "messages": messages, "stream": stream });
    if let Some(temperature) = request.temperature {
        body["temperature"] = json!(temperature);
    }
    if let Some(max_tokens) = request.max_tokens {
        body["max_tokens"] = json!(max_tokens);
    }
    if let Some(seed) = request.seed {
        body["seed"] = json!(seed);
    }
    if stream {
        body["stream_options"] = json!({ "include_usage": true });
    }
    body
}
