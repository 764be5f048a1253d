//! Model-call spans exported over OTLP/HTTP to a collector on loopback, at the sample rate
//! asked for. One test function: a thread-local subscriber must not share tracing's call-site
//! cache with other tests running at the same time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use pw_telemetry::{OtlpExport, OtlpLayer};
use serde_json::Value;
use tracing_subscriber::layer::SubscriberExt;

type Received = Arc<Mutex<Vec<(HeaderMap, Value)>>>;

async fn collect(State(received): State<Received>, headers: HeaderMap, Json(body): Json<Value>) {
    received.lock().unwrap().push((headers, body));
}

async fn collector() -> (Received, String) {
    let received = Received::default();
    let app = axum::Router::new()
        .route("/api/public/otel/v1/traces", axum::routing::post(collect))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (received, format!("http://{address}/api/public/otel"))
}

/// A span shaped like the gateway's.
fn model_call(model: &str, failed: bool) {
    let span = tracing::info_span!(
        "gen_ai",
        otel.name = %format!("chat {model}"),
        otel.kind = "client",
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = "openai",
        gen_ai.request.model = model,
        gen_ai.usage.input_tokens = tracing::field::Empty,
        error.type = tracing::field::Empty,
    );
    let _entered = span.enter();
    span.record("gen_ai.usage.input_tokens", 42u64);
    if failed {
        span.record("error.type", "rate_limited");
    }
}

fn spans(received: &Received) -> Vec<Value> {
    received
        .lock()
        .unwrap()
        .iter()
        .flat_map(|(_, body)| {
            body["resourceSpans"][0]["scopeSpans"][0]["spans"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

async fn wait_for(received: &Received, count: usize) {
    for _ in 0..100 {
        if spans(received).len() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn export(endpoint: &str, rate: f64) -> OtlpExport {
    OtlpExport {
        endpoint: endpoint.into(),
        headers: vec![("Authorization".into(), "Basic cGs6c2s=".into())],
        sample_rate: rate,
        service_name: "profitwheel-test".into(),
    }
}

#[tokio::test]
async fn model_calls_reach_the_collector_at_the_sample_rate() {
    // Everything, with the collector's headers and the GenAI attributes.
    let (received, endpoint) = collector().await;
    let subscriber =
        tracing_subscriber::registry().with(OtlpLayer::start(export(&endpoint, 1.0)).unwrap());
    {
        let _default = tracing::subscriber::set_default(subscriber);
        model_call("gpt-4o-mini", false);
        model_call("gpt-4o-mini", true);
        // Other spans are not model calls and stay local.
        let _other = tracing::info_span!("sync_campaigns").entered();
    }
    wait_for(&received, 2).await;
    let all = spans(&received);
    assert_eq!(all.len(), 2, "{all:#?}");
    let first = &all[0];
    assert_eq!(first["name"], "chat gpt-4o-mini");
    assert_eq!(first["kind"], 3);
    assert_eq!(first["traceId"].as_str().unwrap().len(), 32);
    assert_eq!(first["spanId"].as_str().unwrap().len(), 16);
    let attribute = |span: &Value, key: &str| {
        span["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["key"] == key)
            .map(|a| a["value"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        attribute(first, "gen_ai.provider.name")["stringValue"],
        "openai"
    );
    assert_eq!(
        attribute(first, "gen_ai.usage.input_tokens")["intValue"],
        "42"
    );
    assert_eq!(first["status"]["code"], 0);
    assert_eq!(
        all[1]["status"]["code"], 2,
        "a failed call is an error span"
    );
    let (headers, body) = received.lock().unwrap()[0].clone();
    assert_eq!(headers["authorization"], "Basic cGs6c2s=");
    assert_eq!(
        body["resourceSpans"][0]["resource"]["attributes"][0]["value"]["stringValue"],
        "profitwheel-test"
    );

    // Half: about half of 400 traces, and none at all at zero.
    for (rate, low, high) in [(0.5, 140, 260), (0.0, 0, 0)] {
        let (received, endpoint) = collector().await;
        let subscriber =
            tracing_subscriber::registry().with(OtlpLayer::start(export(&endpoint, rate)).unwrap());
        {
            let _default = tracing::subscriber::set_default(subscriber);
            for _ in 0..400 {
                model_call("m", false);
            }
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let exported = spans(&received).len();
        assert!(
            (low..=high).contains(&exported),
            "rate {rate}: {exported} of 400 exported"
        );
    }

    assert!(OtlpLayer::start(export("ftp://x", 0.5)).is_err());
    assert!(OtlpLayer::start(export(&endpoint, 1.5)).is_err());
}
