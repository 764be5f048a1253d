//! An OTLP/HTTP (JSON) exporter for the gateway's `gen_ai` spans.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Subscriber, span};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use crate::TelemetryError;

/// The span name the gateway gives model calls.
const GEN_AI_SPAN: &str = "gen_ai";
/// Spans waiting to be sent; beyond this, new ones are dropped rather than held in memory.
const QUEUE_LIMIT: usize = 4096;
const BATCH: usize = 256;
const FLUSH_EVERY: Duration = Duration::from_secs(2);

/// Where and how much to export.
#[derive(Clone)]
pub struct OtlpExport {
    /// The collector's base address (`https://cloud.langfuse.com/api/public/otel`) or its
    /// traces address (ending in `/v1/traces`).
    pub endpoint: String,
    /// Extra headers, e.g. Langfuse's `Authorization: Basic …` (from the keychain).
    pub headers: Vec<(String, String)>,
    /// The share of traces exported, 0 to 1.
    pub sample_rate: f64,
    pub service_name: String,
}

impl std::fmt::Debug for OtlpExport {
    // Header values are credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtlpExport")
            .field("endpoint", &self.endpoint)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("sample_rate", &self.sample_rate)
            .finish()
    }
}

impl OtlpExport {
    fn traces_url(&self) -> Result<String, TelemetryError> {
        let base = self.endpoint.trim().trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(TelemetryError::BadEndpoint(self.endpoint.clone()));
        }
        Ok(match base.ends_with("/v1/traces") {
            true => base.to_owned(),
            false => format!("{base}/v1/traces"),
        })
    }
}

/// What the layer keeps about an open `gen_ai` span.
struct OpenSpan {
    sampled: bool,
    trace_id: String,
    span_id: String,
    start_nanos: u128,
    attributes: HashMap<String, Value>,
}

struct Collect<'a>(&'a mut HashMap<String, Value>);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            json!({ "stringValue": format!("{value:?}") }),
        );
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().to_owned(), json!({ "stringValue": value }));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        // OTLP JSON carries 64-bit integers as strings.
        self.0.insert(
            field.name().to_owned(),
            json!({ "intValue": value.to_string() }),
        );
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(
            field.name().to_owned(),
            json!({ "intValue": value.to_string() }),
        );
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0
            .insert(field.name().to_owned(), json!({ "doubleValue": value }));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0
            .insert(field.name().to_owned(), json!({ "boolValue": value }));
    }
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// The tracing layer: turns closed `gen_ai` spans into OTLP spans for the sender task.
pub struct OtlpLayer {
    sample_rate: f64,
    spans: mpsc::Sender<Value>,
    sender_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    // Spans the sender could not take (queue full) are counted, not held.
    dropped: Mutex<u64>,
}

impl OtlpLayer {
    /// Starts the sender task on the current Tokio runtime.
    pub fn start(export: OtlpExport) -> Result<OtlpLayer, TelemetryError> {
        if !(0.0..=1.0).contains(&export.sample_rate) || export.sample_rate.is_nan() {
            return Err(TelemetryError::BadSampleRate(export.sample_rate));
        }
        let url = export.traces_url()?;
        let (spans, receiver) = mpsc::channel(QUEUE_LIMIT);
        let task = tokio::spawn(send_batches(url, export.clone(), receiver));
        Ok(OtlpLayer {
            sample_rate: export.sample_rate,
            spans,
            sender_task: Mutex::new(Some(task)),
            dropped: Mutex::new(0),
        })
    }
}

impl OtlpLayer {
    /// The task that sends batches; it finishes after the layer is dropped and the last batch
    /// is out.
    pub(crate) fn take_sender_task(&self) -> Option<tokio::task::JoinHandle<()>> {
        self.sender_task
            .lock()
            .ok()
            .and_then(|mut task| task.take())
    }
}

impl<S> Layer<S> for OtlpLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != GEN_AI_SPAN {
            return;
        }
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut attributes = HashMap::new();
        attrs.record(&mut Collect(&mut attributes));
        let sampled = self.sample_rate >= 1.0 || rand::rng().random::<f64>() < self.sample_rate;
        span.extensions_mut().insert(OpenSpan {
            sampled,
            trace_id: random_hex(16),
            span_id: random_hex(8),
            start_nanos: now_nanos(),
            attributes,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        if let Some(open) = span.extensions_mut().get_mut::<OpenSpan>() {
            values.record(&mut Collect(&mut open.attributes));
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let Some(open) = span.extensions_mut().remove::<OpenSpan>() else {
            return;
        };
        if !open.sampled {
            return;
        }
        let mut attributes = open.attributes;
        let name = attributes
            .remove("otel.name")
            .and_then(|v| v["stringValue"].as_str().map(str::to_owned))
            .unwrap_or_else(|| GEN_AI_SPAN.to_owned());
        attributes.remove("otel.kind");
        let failed = attributes.contains_key("error.type");
        let mut attributes: Vec<Value> = attributes
            .into_iter()
            .map(|(key, value)| json!({ "key": key, "value": value }))
            .collect();
        attributes.sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
        let record = json!({
            "traceId": open.trace_id,
            "spanId": open.span_id,
            "name": name,
            // SPAN_KIND_CLIENT: a call out to a model.
            "kind": 3,
            "startTimeUnixNano": open.start_nanos.to_string(),
            "endTimeUnixNano": now_nanos().to_string(),
            "attributes": attributes,
            // STATUS_CODE_ERROR or STATUS_CODE_UNSET.
            "status": { "code": if failed { 2 } else { 0 } },
        });
        if self.spans.try_send(record).is_err()
            && let Ok(mut dropped) = self.dropped.lock()
        {
            *dropped += 1;
        }
    }
}

async fn send_batches(url: String, export: OtlpExport, mut spans: mpsc::Receiver<Value>) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::warn!(%error, "trace export is off: no HTTP client");
            return;
        }
    };
    let mut batch = Vec::new();
    loop {
        let closed = match tokio::time::timeout(FLUSH_EVERY, spans.recv()).await {
            Ok(Some(span)) => {
                batch.push(span);
                false
            }
            Ok(None) => true,
            Err(_) => false,
        };
        if !batch.is_empty() && (batch.len() >= BATCH || closed || spans.is_empty()) {
            let body = json!({
                "resourceSpans": [{
                    "resource": { "attributes": [
                        { "key": "service.name", "value": { "stringValue": export.service_name } }
                    ] },
                    "scopeSpans": [{
                        "scope": { "name": "profitwheel.llm" },
                        "spans": std::mem::take(&mut batch),
                    }],
                }],
            });
            let mut request = client.post(&url).json(&body);
            for (name, value) in &export.headers {
                request = request.header(name, value);
            }
            match request.send().await {
                Ok(response) if response.status().is_success() => {}
                Ok(response) => {
                    tracing::warn!(status = %response.status(), "the trace collector refused a batch of spans");
                }
                Err(error) => {
                    tracing::warn!(%error, "could not reach the trace collector; a batch of spans was dropped");
                }
            }
        }
        if closed {
            return;
        }
    }
}
