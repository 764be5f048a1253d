//! Downloading a GGUF model over real loopback HTTP: the real SmolLM2 file, a connection that
//! drops mid-way and a resume from where it stopped, a checksum check, and the downloaded file
//! loaded and run by llama.cpp.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use pw_llm::{ChatMessage, ChatRequest, Task};
use pw_local_llm::{DownloadError, LocalModel, LocalModelConfig, download_model};
use sha2::{Digest, Sha256};

fn model_path() -> PathBuf {
    std::env::var_os("PROFITWHEEL_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"))
        .join("smollm2")
        .join(pw_local_llm::DEFAULT_MODEL_FILE)
}

/// Serves one file with Range support; the first `drops` responses break off after
/// `drop_after` bytes, as a flaky connection does.
#[derive(Clone)]
struct FileServer {
    bytes: Arc<Vec<u8>>,
    drops: Arc<AtomicUsize>,
    drop_after: usize,
    ranges_seen: Arc<Mutex<Vec<Option<String>>>>,
}

async fn serve(State(server): State<FileServer>, headers: HeaderMap) -> Response {
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    server.ranges_seen.lock().unwrap().push(range.clone());
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let total = server.bytes.len();
    let body_bytes = server.bytes[start..].to_vec();
    let length = body_bytes.len();
    let breaks = server
        .drops
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = match breaks {
        true => vec![
            Ok(body_bytes[..server.drop_after].to_vec()),
            Err(std::io::Error::other("connection reset")),
        ],
        false => body_bytes.chunks(1 << 20).map(|c| Ok(c.to_vec())).collect(),
    };
    let mut response = Response::builder()
        .header(header::CONTENT_LENGTH, length)
        .header(header::ACCEPT_RANGES, "bytes");
    response = match start {
        0 => response.status(StatusCode::OK),
        _ => response.status(StatusCode::PARTIAL_CONTENT).header(
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{total}", total - 1),
        ),
    };
    response
        .body(Body::from_stream(futures::stream::iter(chunks)))
        .unwrap()
}

async fn start(bytes: Vec<u8>, drops: usize, drop_after: usize) -> (FileServer, String) {
    let server = FileServer {
        bytes: Arc::new(bytes),
        drops: Arc::new(AtomicUsize::new(drops)),
        drop_after,
        ranges_seen: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/models/{name}", axum::routing::get(serve))
        .with_state(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (server, format!("http://{address}/models/Smol-copy.gguf"))
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn a_dropped_download_resumes_verifies_and_the_model_runs() {
    let original = std::fs::read(model_path()).unwrap();
    let checksum = sha256(&original);
    let cut = original.len() / 3;
    let (server, url) = start(original.clone(), 1, cut).await;
    let dir = tempfile::tempdir().unwrap();
    let destination = dir.path().join("Smol-copy.gguf");
    let client = reqwest::Client::new();

    let mut seen = Vec::new();
    let first = download_model(
        &client,
        &url,
        &destination,
        Some(&checksum),
        |p| seen.push(p),
        || false,
    )
    .await
    .unwrap_err();
    assert!(matches!(first, DownloadError::Interrupted(_)), "{first:?}");
    assert!(first.is_retryable());
    assert!(
        !destination.exists(),
        "nothing half-written carries the final name"
    );
    let partial = std::fs::metadata(destination.with_extension("gguf.part"))
        .unwrap()
        .len();
    // What arrived before the reset is kept (the reset may swallow the last bytes in flight).
    assert!(
        partial > 0 && partial as usize <= cut,
        "kept {partial} of the {cut} bytes sent before the drop"
    );

    let mut progress = Vec::new();
    let path = download_model(
        &client,
        &url,
        &destination,
        Some(&checksum.to_uppercase()),
        |p| progress.push(p),
        || false,
    )
    .await
    .unwrap();
    assert_eq!(
        server.ranges_seen.lock().unwrap().clone(),
        vec![None, Some(format!("bytes={partial}-"))]
    );
    assert_eq!(progress[0].resumed_from, partial);
    let last = progress.last().unwrap();
    assert_eq!(
        (last.bytes, last.total),
        (original.len() as u64, Some(original.len() as u64))
    );
    assert!(progress.windows(2).all(|w| w[0].bytes <= w[1].bytes));
    assert_eq!(sha256(&std::fs::read(&path).unwrap()), checksum);
    assert!(!destination.with_extension("gguf.part").exists());

    // The downloaded file is a working model.
    let model = LocalModel::load(LocalModelConfig::new(&path))
        .await
        .unwrap();
    let mut request = ChatRequest::new(Task::TwinDialogue, vec![ChatMessage::user("Say hi.")]);
    request.max_tokens = Some(4);
    assert!(
        !model
            .generate(&request, &mut |_| {})
            .await
            .unwrap()
            .text
            .is_empty()
    );
}

#[tokio::test]
async fn a_wrong_checksum_or_a_file_that_is_not_gguf_is_deleted_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let mut bytes = b"GGUF".to_vec();
    bytes.extend(std::iter::repeat_n(7u8, 50_000));
    let (_server, url) = start(bytes, 0, 0).await;
    let destination = dir.path().join("Smol-copy.gguf");
    let wrong = "0".repeat(64);
    let error = download_model(&client, &url, &destination, Some(&wrong), |_| {}, || false)
        .await
        .unwrap_err();
    assert!(
        matches!(error, DownloadError::ChecksumMismatch { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("it was deleted"));
    assert!(!error.is_retryable());
    assert!(!destination.exists() && !destination.with_extension("gguf.part").exists());

    let (_html, url) = start(b"<html>Sign in to download</html>".to_vec(), 0, 0).await;
    let error = download_model(&client, &url, &destination, None, |_| {}, || false)
        .await
        .unwrap_err();
    assert!(matches!(error, DownloadError::NotGguf), "{error:?}");
    assert!(!destination.with_extension("gguf.part").exists());

    // Cancelling keeps the partial file for a later resume.
    let mut big = b"GGUF".to_vec();
    big.extend(std::iter::repeat_n(1u8, 5 << 20));
    let (_server, url) = start(big, 0, 0).await;
    let error = download_model(&client, &url, &destination, None, |_| {}, || true)
        .await
        .unwrap_err();
    assert!(matches!(error, DownloadError::Cancelled));
    assert!(destination.with_extension("gguf.part").exists());
}
