//! Traces of model calls, in a test binary of their own: tracing caches per call site whether
//! anyone listens, so a thread-local subscriber shares that cache badly with tests running on
//! other threads.

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

use std::sync::{Arc, Mutex};

use pw_llm::{ChatMessage, ChatRequest, Gateway, Route, Task, VendorKind, VendorSettings};
use support::{Answer, ScriptedServer};

fn gateway_for(server: &ScriptedServer) -> Gateway {
    let mut settings = VendorSettings::compatible("test", &server.base_url);
    settings.kind = VendorKind::OpenAi;
    settings.api_key = Some("sk-test-123".into());
    let mut gateway = Gateway::new();
    gateway.add_vendor(settings).unwrap();
    gateway.set_route(Task::TwinDialogue, vec![Route::new("test", "test-model")]);
    gateway
}

fn ask(text: &str) -> ChatRequest {
    ChatRequest::new(Task::TwinDialogue, vec![ChatMessage::user(text)])
}

/// Captures the fields of `gen_ai` spans as they are recorded.
#[derive(Clone, Default)]
struct SpanFields(Arc<Mutex<Vec<(String, String)>>>);

struct FieldVisitor<'a>(&'a mut Vec<(String, String)>);

impl tracing::field::Visit for FieldVisitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for SpanFields {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if attrs.metadata().name() == "gen_ai" {
            attrs.record(&mut FieldVisitor(&mut self.0.lock().unwrap()));
        }
    }
    fn on_record(
        &self,
        _: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        values.record(&mut FieldVisitor(&mut self.0.lock().unwrap()));
    }
}

#[tokio::test]
async fn calls_are_traced_with_the_opentelemetry_gen_ai_attributes() {
    use tracing_subscriber::layer::SubscriberExt;
    let fields = SpanFields::default();
    let subscriber = tracing_subscriber::registry().with(fields.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = ScriptedServer::start(vec![Answer::chat("traced")]).await;
    let gateway = gateway_for(&server);
    gateway.chat(&ask("secret prompt text")).await.unwrap();
    let fields = fields.0.lock().unwrap().clone();
    let get = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} in {fields:?}"))
    };
    assert_eq!(get("gen_ai.operation.name"), "chat");
    assert_eq!(get("gen_ai.provider.name"), "openai");
    assert_eq!(get("gen_ai.request.model"), "test-model");
    assert_eq!(get("gen_ai.usage.input_tokens"), "11");
    assert_eq!(get("gen_ai.usage.output_tokens"), "7");
    assert_eq!(get("gen_ai.response.finish_reasons"), "stop");
    assert_eq!(get("otel.name"), "chat test-model");
    assert!(
        fields.iter().all(|(_, v)| !v.contains("secret prompt")),
        "prompts must stay out of traces"
    );
}
