//! Chat answers: whole, streamed and structured (JSON in the shape of a Rust type), each along
//! the route's fallback chain and through the call pipeline.

use std::sync::Arc;

use futures::StreamExt;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::Gateway;
use super::cache::CachedAnswer;
use super::ledger::Bill;
use super::local::LocalBackend;
use super::pipeline::{Answer, CallPlan, Producer};
use super::routing::{Fallback, Route};
use super::vendors::{StructuredMode, structured_mode};
use super::wire::{CompletionBody, chat_body};
use crate::error::{LlmError, Result};
use crate::types::{CacheMode, ChatMessage, ChatReply, ChatRequest, StreamEvent, Usage};

/// A structured answer and the vendor and model that gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Structured<T> {
    pub value: T,
    pub vendor: String,
    pub model: String,
}

impl Answer for ChatReply {
    fn from_cache(cached: CachedAnswer) -> Option<Self> {
        match cached {
            CachedAnswer::Chat(reply) => Some(reply),
            CachedAnswer::Embeddings(_) => None,
        }
    }

    fn to_cache(&self) -> CachedAnswer {
        CachedAnswer::Chat(self.clone())
    }

    fn usage(&self) -> Usage {
        self.usage
    }

    fn filed_response(&self) -> Option<String> {
        Some(self.text.clone())
    }

    fn trace(&self, span: &tracing::Span) {
        span.record("gen_ai.response.model", self.model.as_str());
        span.record("gen_ai.usage.input_tokens", self.usage.input_tokens);
        span.record("gen_ai.usage.output_tokens", self.usage.output_tokens);
        if let Some(reason) = &self.finish_reason {
            span.record("gen_ai.response.finish_reasons", reason.as_str());
        }
    }
}

/// A chat reply from one route: the local model, or a vendor whole or streamed.
struct ChatCall<'a> {
    gateway: &'a Gateway,
    route: &'a Route,
    request: &'a ChatRequest,
    body: &'a Value,
    streaming: bool,
    on_token: &'a mut (dyn FnMut(&str) + Send),
}

impl Producer for ChatCall<'_> {
    type Answer = ChatReply;

    async fn produce(&mut self, bill: &Bill) -> Result<ChatReply> {
        match self.gateway.local.get(&self.route.vendor) {
            Some(backend) => {
                local_answer(backend, self.route, self.request, self.on_token, bill).await
            }
            None if self.streaming => {
                self.gateway
                    .stream(self.route, self.request, self.on_token, bill)
                    .await
            }
            None => {
                self.gateway
                    .complete(self.route, self.request, self.body.clone(), bill)
                    .await
            }
        }
    }

    fn replay(&mut self, reply: &ChatReply) {
        (self.on_token)(&reply.text);
    }
}

/// Attempts a local model gets at an answer that says something.
const LOCAL_ATTEMPTS: u32 = 3;

/// A local model's answer. An empty one is a failed attempt, as a vendor's is: asked again while
/// attempts remain, with the next seed (a local model is deterministic: the same seed on the same
/// file would give the same nothing), then [`LlmError::EmptyAnswer`], which moves the call on
/// along the chain. Leading whitespace is held back until a word arrives, so a streamed attempt
/// that says nothing shows nothing. The bill learns when the model starts answering (its first
/// piece, or a finished attempt): a call cancelled before, while it waited for the model, did
/// nothing and is not filed.
async fn local_answer(
    backend: &Arc<dyn LocalBackend>,
    route: &Route,
    request: &ChatRequest,
    on_token: &mut (dyn FnMut(&str) + Send),
    bill: &Bill,
) -> Result<ChatReply> {
    let mut asking = std::borrow::Cow::Borrowed(request);
    let mut attempt = 1;
    loop {
        let mut shown = HeldBack::new(on_token);
        let reply = backend
            .generate(&asking, &mut |piece: &str| {
                bill.worked_here();
                shown.push(piece);
            })
            .await?;
        bill.worked_here();
        if !reply.text.trim().is_empty() {
            return Ok(reply);
        }
        if attempt >= LOCAL_ATTEMPTS {
            return Err(LlmError::EmptyAnswer {
                vendor: route.vendor.clone(),
                attempts: attempt,
            });
        }
        tracing::warn!(vendor = %route.vendor, model = %route.model, attempt, "the local model answered with nothing; asking again with the next seed");
        let mut next = request.clone();
        next.seed = Some(
            request
                .seed
                .unwrap_or_default()
                .wrapping_add(i64::from(attempt)),
        );
        asking = std::borrow::Cow::Owned(next);
        attempt += 1;
    }
}

/// Passes pieces on once the text has a word in it: whitespace before the first word is held
/// back (and shown with it), so an answer that turns out empty showed nothing.
struct HeldBack<'a> {
    sink: &'a mut (dyn FnMut(&str) + Send),
    held: String,
    speaking: bool,
}

impl<'a> HeldBack<'a> {
    fn new(sink: &'a mut (dyn FnMut(&str) + Send)) -> Self {
        HeldBack {
            sink,
            held: String::new(),
            speaking: false,
        }
    }

    fn push(&mut self, piece: &str) {
        if self.speaking {
            (self.sink)(piece);
            return;
        }
        self.held.push_str(piece);
        if !self.held.trim().is_empty() {
            self.speaking = true;
            let text = std::mem::take(&mut self.held);
            (self.sink)(&text);
        }
    }
}

impl Gateway {
    /// A complete chat reply.
    pub async fn chat(&self, request: &ChatRequest) -> Result<ChatReply> {
        let mut fallback = Fallback::default();
        for route in self.routes_for(request.task, &request.scope)? {
            match self.answer(&route, request, None, None).await {
                Ok(reply) => return Ok(reply),
                Err(error) => fallback.note(&route, error)?,
            }
        }
        Err(fallback.exhausted(request.task))
    }

    /// A complete reply from one named model, outside the routes (a key test, a comparison).
    pub async fn chat_with(&self, route: &Route, request: &ChatRequest) -> Result<ChatReply> {
        if !self.local.contains_key(&route.vendor) {
            self.vendor(&route.vendor)?;
        }
        self.answer(route, request, None, None).await
    }

    /// A streamed chat reply: `on_event` sees each piece as it arrives, and a
    /// [`StreamEvent::Restart`] when the model answering fails mid-way and the next model in the
    /// chain starts over (see [`StreamEvent`] for the contract); the complete reply is returned
    /// at the end. A stream that breaks off is an error, never a short answer.
    pub async fn chat_stream(
        &self,
        request: &ChatRequest,
        mut on_event: impl FnMut(StreamEvent) + Send,
    ) -> Result<ChatReply> {
        let mut fallback = Fallback::default();
        let routes = self.routes_for(request.task, &request.scope)?;
        let last = routes.len().saturating_sub(1);
        for (index, route) in routes.into_iter().enumerate() {
            let mut spoke = false;
            let result = self
                .answer(
                    &route,
                    request,
                    None,
                    Some(&mut |piece: &str| {
                        spoke = true;
                        on_event(StreamEvent::Token(piece.to_owned()));
                    }),
                )
                .await;
            match result {
                Ok(reply) => return Ok(reply),
                Err(error) => {
                    let reason = error.to_string();
                    fallback.note(&route, error)?;
                    // Only a model that takes over starts over; after the last one the call
                    // fails, and a failed stream is never an answer anyway.
                    if spoke && index < last {
                        on_event(StreamEvent::Restart {
                            vendor: route.vendor.clone(),
                            reason,
                        });
                    }
                }
            }
        }
        Err(fallback.exhausted(request.task))
    }

    /// One route's chat answer through the call pipeline. Streams when given an `on_token`
    /// sink.
    async fn answer(
        &self,
        route: &Route,
        request: &ChatRequest,
        response_format: Option<Value>,
        on_token: Option<&mut (dyn FnMut(&str) + Send)>,
    ) -> Result<ChatReply> {
        let mut ignore = |_: &str| {};
        let streaming = on_token.is_some();
        let on_token: &mut (dyn FnMut(&str) + Send) = match on_token {
            Some(sink) => sink,
            None => &mut ignore,
        };
        let body = match self.local.contains_key(&route.vendor) {
            true => json!({
                "model": route.model, "messages": request.messages, "temperature": request.temperature,
                "max_tokens": request.max_tokens, "seed": request.seed, "json_schema": request.json_schema,
            }),
            false => {
                let mut body = chat_body(route, request, false);
                if let Some(format) = &response_format {
                    body["response_format"] = format.clone();
                }
                body
            }
        };
        let plan = CallPlan {
            operation: "chat",
            route,
            request,
            body: &body,
            filed_body: &body,
        };
        let mut call = ChatCall {
            gateway: self,
            route,
            request,
            body: &body,
            streaming,
            on_token,
        };
        self.serve(plan, &mut call).await
    }

    /// A whole reply from a vendor in one response. An empty answer is a failed attempt: asked
    /// again while attempts remain (the tokens it cost are on the bill, answer or not).
    async fn complete(
        &self,
        route: &Route,
        request: &ChatRequest,
        body: Value,
        bill: &Bill,
    ) -> Result<ChatReply> {
        let connection = self.connect(route, request, bill.attempts.clone()).await?;
        loop {
            let completion: CompletionBody = connection
                .client
                .chat()
                .create_byot(body.clone())
                .await
                .map_err(|e| connection.failure(e))?;
            bill.answered(completion.usage.map(|u| u.usage()));
            let choice = completion.choices.into_iter().next().ok_or_else(|| {
                LlmError::MalformedResponse {
                    vendor: route.vendor.clone(),
                    message: "the answer has no choices".into(),
                }
            })?;
            let text = choice.message.and_then(|m| m.content).unwrap_or_default();
            if text.trim().is_empty() {
                connection.after_empty_answer().await?;
                continue;
            }
            return Ok(ChatReply {
                text,
                vendor: route.vendor.clone(),
                model: completion.model.unwrap_or_else(|| route.model.clone()),
                usage: bill.usage(),
                finish_reason: choice.finish_reason,
            });
        }
    }

    /// A reply streamed from a vendor, piece by piece. A stream that finishes without a word is
    /// a failed attempt, asked again while attempts remain; leading whitespace is held back
    /// until a word arrives, so such an attempt shows nothing. A stream that breaks off was
    /// billed for what it sent, and never says how much: it goes on the bill as unmetered.
    async fn stream(
        &self,
        route: &Route,
        request: &ChatRequest,
        on_token: &mut (dyn FnMut(&str) + Send),
        bill: &Bill,
    ) -> Result<ChatReply> {
        let connection = self.connect(route, request, bill.attempts.clone()).await?;
        let body = chat_body(route, request, true);
        loop {
            let mut stream = connection
                .client
                .chat()
                .create_stream_byot::<Value, CompletionBody>(body.clone())
                .await
                .map_err(|e| connection.failure(e))?;
            let mut text = String::new();
            let mut finish_reason = None;
            let mut usage = None;
            let mut model = None;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| {
                    bill.unmetered_attempt();
                    match connection.failure(e) {
                        LlmError::Unreachable {
                            vendor, message, ..
                        } => LlmError::StreamInterrupted { vendor, message },
                        other => other,
                    }
                })?;
                model = model.or(chunk.model);
                if let Some(u) = chunk.usage {
                    usage = Some(u.usage());
                }
                for choice in chunk.choices {
                    if let Some(piece) = choice
                        .delta
                        .and_then(|d| d.content)
                        .filter(|p| !p.is_empty())
                    {
                        let held_back = text.trim().is_empty();
                        text.push_str(&piece);
                        match (held_back, text.trim().is_empty()) {
                            (_, true) => {}
                            (true, false) => on_token(&text),
                            (false, false) => on_token(&piece),
                        }
                    }
                    if choice.finish_reason.is_some() {
                        finish_reason = choice.finish_reason;
                    }
                }
            }
            if finish_reason.is_none() {
                bill.unmetered_attempt();
                return Err(LlmError::StreamInterrupted {
                    vendor: route.vendor.clone(),
                    message: "the connection closed before the answer finished".into(),
                });
            }
            bill.answered(usage);
            if text.trim().is_empty() {
                connection.after_empty_answer().await?;
                continue;
            }
            return Ok(ChatReply {
                text,
                vendor: route.vendor.clone(),
                model: model.unwrap_or_else(|| route.model.clone()),
                usage: bill.usage(),
                finish_reason,
            });
        }
    }

    /// An answer in the shape of `T`: the JSON Schema derived from `T` is sent along, the reply
    /// is checked by deserializing it into `T`, and one repair round is tried when it does not
    /// fit before the call fails with [`LlmError::InvalidStructuredOutput`].
    pub async fn chat_json<T: DeserializeOwned + JsonSchema>(
        &self,
        request: &ChatRequest,
    ) -> Result<T> {
        self.chat_json_answered(request)
            .await
            .map(|answer| answer.value)
    }

    /// Like [`Gateway::chat_json`], saying which vendor and model answered, for results that
    /// record who wrote them.
    pub async fn chat_json_answered<T: DeserializeOwned + JsonSchema>(
        &self,
        request: &ChatRequest,
    ) -> Result<Structured<T>> {
        let (schema, name) = schema_of::<T>();
        let mut fallback = Fallback::default();
        for route in self.routes_for(request.task, &request.scope)? {
            match self.json_once::<T>(&route, request, &schema, &name).await {
                Ok(value) => {
                    return Ok(Structured {
                        value,
                        vendor: route.vendor.clone(),
                        model: route.model.clone(),
                    });
                }
                Err(error) => fallback.note(&route, error)?,
            }
        }
        Err(fallback.exhausted(request.task))
    }

    /// A structured answer from one named model, outside the routes (a replay pinned to the
    /// model that answered first).
    pub async fn chat_json_with<T: DeserializeOwned + JsonSchema>(
        &self,
        route: &Route,
        request: &ChatRequest,
    ) -> Result<T> {
        if !self.local.contains_key(&route.vendor) {
            self.vendor(&route.vendor)?;
        }
        let (schema, name) = schema_of::<T>();
        self.json_once::<T>(route, request, &schema, &name).await
    }

    /// A reply held to a JSON Schema made at run time (a survey block's questions): vendors get
    /// it as a response format, the local model as a grammar. Nothing is parsed or repaired
    /// here: only the caller knows what makes an answer valid beyond its shape, so it reads the
    /// reply and asks for its own repair.
    pub async fn chat_matching(
        &self,
        request: &ChatRequest,
        schema: &Value,
        name: &str,
    ) -> Result<ChatReply> {
        let mut asking = request.clone();
        asking.json_schema = Some(schema.clone());
        let mut fallback = Fallback::default();
        for route in self.routes_for(request.task, &request.scope)? {
            let answered = match self.response_format(&route, schema, name) {
                Ok(format) => {
                    let routed = schema_in_prompt(&asking, schema, format.as_ref());
                    self.answer(&route, &routed, format, None).await
                }
                Err(error) => Err(error),
            };
            match answered {
                Ok(reply) => return Ok(reply),
                Err(error) => fallback.note(&route, error)?,
            }
        }
        Err(fallback.exhausted(request.task))
    }

    /// What a vendor is sent to hold its answer to `schema`. Local models take the schema as a
    /// grammar (from the request) and get no response format.
    fn response_format(&self, route: &Route, schema: &Value, name: &str) -> Result<Option<Value>> {
        if self.local.contains_key(&route.vendor) {
            return Ok(None);
        }
        Ok(Some(
            match structured_mode(self.vendor(&route.vendor)?.settings.kind) {
                StructuredMode::JsonSchema => json!({
                    "type": "json_schema",
                    "json_schema": { "name": if name.is_empty() { "answer" } else { name }, "schema": schema }
                }),
                StructuredMode::JsonObject => json!({ "type": "json_object" }),
            },
        ))
    }

    async fn json_once<T: DeserializeOwned>(
        &self,
        route: &Route,
        request: &ChatRequest,
        schema: &Value,
        name: &str,
    ) -> Result<T> {
        let format = self.response_format(route, schema, name)?;
        let mut asking = request.clone();
        asking.json_schema = Some(schema.clone());
        asking.messages.insert(
            0,
            ChatMessage::system(format!(
                "Answer with one JSON value only, no prose, matching this JSON Schema:\n{schema}"
            )),
        );
        let reply = self.answer(route, &asking, format.clone(), None).await?;
        let reason = match parse_json::<T>(&reply.text) {
            Ok(value) => return Ok(value),
            Err(reason) => reason,
        };
        tracing::warn!(vendor = %route.vendor, %reason, "structured answer did not fit; asking once for a repair");
        // The first answer may have come from the cache; its repair must not, or a cached bad
        // answer would meet its cached bad repair on every run and the model never be asked
        // again. Asked anew, the repair also replaces the cached one.
        if asking.scope.cache == CacheMode::Reuse {
            asking.scope.cache = CacheMode::Refresh;
        }
        asking.messages.push(ChatMessage::assistant(reply.text));
        asking.messages.push(ChatMessage::user(format!(
            "That answer is not valid: {reason}. Reply again with only the corrected JSON."
        )));
        let repaired = self.answer(route, &asking, format, None).await?;
        parse_json::<T>(&repaired.text).map_err(|reason| LlmError::InvalidStructuredOutput {
            vendor: route.vendor.clone(),
            reason,
            raw: repaired.text,
        })
    }
}

/// The request as a vendor in plain JSON mode must see it: such a vendor is told only to answer
/// an object, so the schema travels in the prompt; a vendor given the schema, or a local model
/// held to it by a grammar, is asked as it was.
fn schema_in_prompt(request: &ChatRequest, schema: &Value, format: Option<&Value>) -> ChatRequest {
    let mut asked = request.clone();
    if format.is_some_and(|f| f["type"] == "json_object") {
        asked.messages.insert(
            0,
            ChatMessage::system(format!(
                "Answer with one JSON value only, no prose, matching this JSON Schema:\n{schema}"
            )),
        );
    }
    asked
}

/// The JSON Schema derived from `T`, and its name as a response format takes it.
fn schema_of<T: JsonSchema>() -> (Value, String) {
    let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
    let name: String = T::schema_name()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(60)
        .collect();
    (schema, name)
}

/// Reads a JSON answer, tolerating a Markdown code fence around it (models add them).
fn parse_json<T: DeserializeOwned>(text: &str) -> std::result::Result<T, String> {
    let trimmed = text.trim();
    let unfenced = trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|rest| rest.strip_suffix("```"))
        .unwrap_or(trimmed)
        .trim();
    serde_json::from_str(unfenced).map_err(|e| e.to_string())
}
