//! Logs and traces for the edges (the CLI and the desktop shell): human-readable logs on
//! stderr, and, when the user turns it on, model-call spans exported to any OpenTelemetry
//! collector (Langfuse, Jaeger, Honeycomb, an OpenTelemetry Collector) over OTLP/HTTP.
//!
//! The exporter is ours, not the opentelemetry crates': it only ever exports one kind of span,
//! the gateway's `gen_ai` span (already shaped by the OpenTelemetry GenAI conventions), and it
//! speaks OTLP's JSON encoding over the HTTP client the app already has. That keeps a second
//! HTTP stack and a protobuf toolchain out of the build. Sampling is per trace at the rate the
//! user sets (the original platform sampled 50%).
//!
//! Export can be switched on after start-up (settings live in the database, which opens after
//! logging starts): [`Telemetry::set_export`] swaps the exporter in through a reload layer.

mod otlp;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry, reload};

pub use otlp::{OtlpExport, OtlpLayer};

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("logging was already set up")]
    AlreadyInitialised,
    #[error("the trace exporter could not be switched: {0}")]
    Reload(String),
    #[error("'{0}' is not an OTLP endpoint (an http or https address)")]
    BadEndpoint(String),
    #[error("the sample rate must be between 0 and 1, not {0}")]
    BadSampleRate(f64),
}

type ExportSlot = reload::Handle<Option<OtlpLayer>, Registry>;

/// The process's logging and tracing; keep it alive for the life of the process.
pub struct Telemetry {
    export: ExportSlot,
}

impl Telemetry {
    /// Logs to stderr with `default_filter` (or `RUST_LOG`), and an export slot that starts
    /// empty.
    pub fn init(default_filter: &str) -> Result<Telemetry, TelemetryError> {
        let (export_layer, export) = reload::Layer::new(None::<OtlpLayer>);
        let filter =
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
        tracing_subscriber::registry()
            .with(export_layer)
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_filter(filter),
            )
            .try_init()
            .map_err(|_| TelemetryError::AlreadyInitialised)?;
        Ok(Telemetry { export })
    }

    /// Stops exporting after sending what is queued (waits up to five seconds): call before a
    /// short-lived process (the CLI) exits.
    pub async fn flush(&self) {
        let task = self
            .export
            .with_current(|layer| layer.as_ref().and_then(OtlpLayer::take_sender_task))
            .ok()
            .flatten();
        let _ = self.export.reload(None);
        if let Some(task) = task {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), task).await;
        }
    }

    /// Starts (or, with `None`, stops) exporting model-call spans. Needs a Tokio runtime.
    pub fn set_export(&self, export: Option<OtlpExport>) -> Result<(), TelemetryError> {
        let layer = export.map(OtlpLayer::start).transpose()?;
        self.export
            .reload(layer)
            .map_err(|e| TelemetryError::Reload(e.to_string()))
    }
}
