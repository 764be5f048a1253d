//! A local OpenAI-compatible server on real loopback HTTP, scripted per test: each request takes
//! the next scripted answer (JSON, a server-sent-event stream, a stream cut mid-way, raw bytes,
//! any status and headers, after any delay), and every request is recorded for assertions.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

#[derive(Clone, Debug)]
pub enum Answer {
    Json {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Value,
        delay: Duration,
    },
    Stream {
        pieces: Vec<String>,
        finish: bool,
        cut: bool,
    },
    Raw {
        status: u16,
        body: String,
    },
    /// A 200 whose JSON body breaks off after `partial`: the connection drops mid-body.
    CutBody {
        partial: String,
    },
}

impl Answer {
    pub fn chat(text: &str) -> Self {
        Answer::Json {
            status: 200,
            headers: vec![],
            body: json!({
                "id": "chatcmpl-1", "object": "chat.completion", "model": "test-model",
                "choices": [{ "index": 0, "message": { "role": "assistant", "content": text }, "finish_reason": "stop" }],
                "usage": { "prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18 }
            }),
            delay: Duration::ZERO,
        }
    }

    /// A whole answer without a `usage` object, as some OpenAI-compatible servers send.
    #[allow(
        dead_code,
        reason = "only some of the test binaries that share this module use it"
    )]
    pub fn chat_without_usage(text: &str) -> Self {
        Answer::Json {
            status: 200,
            headers: vec![],
            body: json!({
                "id": "chatcmpl-1", "object": "chat.completion", "model": "test-model",
                "choices": [{ "index": 0, "message": { "role": "assistant", "content": text }, "finish_reason": "stop" }],
            }),
            delay: Duration::ZERO,
        }
    }

    pub fn error(status: u16, headers: Vec<(&'static str, String)>) -> Self {
        Answer::Json {
            status,
            headers,
            body: json!({ "error": { "message": format!("scripted {status}"), "type": "test", "code": null } }),
            delay: Duration::ZERO,
        }
    }

    pub fn delayed(self, by: Duration) -> Self {
        match self {
            Answer::Json {
                status,
                headers,
                body,
                ..
            } => Answer::Json {
                status,
                headers,
                body,
                delay: by,
            },
            other => other,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Received {
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Default)]
struct Script {
    answers: VecDeque<Answer>,
    /// Answer used once the queue is empty.
    otherwise: Option<Answer>,
    received: Vec<Received>,
}

#[derive(Clone)]
pub struct ScriptedServer {
    pub base_url: String,
    script: Arc<Mutex<Script>>,
}

impl ScriptedServer {
    pub async fn start(answers: Vec<Answer>) -> Self {
        let script = Arc::new(Mutex::new(Script {
            answers: answers.into(),
            ..Script::default()
        }));
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        ScriptedServer {
            base_url: format!("http://{address}/v1"),
            script,
        }
    }

    pub fn otherwise(&self, answer: Answer) {
        self.script.lock().unwrap().otherwise = Some(answer);
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.lock().unwrap().received.clone()
    }
}

fn sse(data: &str) -> bytes::Bytes {
    bytes::Bytes::from(format!("data: {data}\n\n"))
}

async fn answer(State(script): State<Arc<Mutex<Script>>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let next = {
        let mut script = script.lock().unwrap();
        script.received.push(Received {
            path_and_query: parts
                .uri
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            headers: parts.headers.clone(),
            body,
        });
        script
            .answers
            .pop_front()
            .or_else(|| script.otherwise.clone())
    };
    match next.unwrap_or_else(|| Answer::error(500, vec![])) {
        Answer::Json {
            status,
            headers,
            body,
            delay,
        } => {
            tokio::time::sleep(delay).await;
            let mut response = Response::builder()
                .status(StatusCode::from_u16(status).unwrap())
                .header("content-type", "application/json");
            for (name, value) in headers {
                response = response.header(name, value);
            }
            response.body(Body::from(body.to_string())).unwrap()
        }
        Answer::Raw { status, body } => Response::builder()
            .status(StatusCode::from_u16(status).unwrap())
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap(),
        Answer::CutBody { partial } => {
            let frames: Vec<Result<bytes::Bytes, std::io::Error>> = vec![
                Ok(bytes::Bytes::from(partial)),
                Err(std::io::Error::other("connection dropped by the test")),
            ];
            let stream = futures::stream::iter(frames).then(|frame| async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                frame
            });
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Body::from_stream(stream))
                .unwrap()
        }
        Answer::Stream {
            pieces,
            finish,
            cut,
        } => {
            let mut frames: Vec<Result<bytes::Bytes, std::io::Error>> = pieces
                .iter()
                .map(|piece| {
                    Ok(sse(&json!({ "id": "c", "object": "chat.completion.chunk", "model": "test-model",
                        "choices": [{ "index": 0, "delta": { "content": piece }, "finish_reason": null }] }).to_string()))
                })
                .collect();
            if cut {
                frames.push(Err(std::io::Error::other("connection dropped by the test")));
            } else {
                if finish {
                    frames.push(Ok(sse(&json!({ "id": "c", "object": "chat.completion.chunk", "model": "test-model",
                        "choices": [{ "index": 0, "delta": {}, "finish_reason": "stop" }] }).to_string())));
                    frames.push(Ok(sse(&json!({ "id": "c", "object": "chat.completion.chunk", "model": "test-model",
                        "choices": [], "usage": { "prompt_tokens": 5, "completion_tokens": pieces.len() } }).to_string())));
                }
                frames.push(Ok(sse("[DONE]")));
            }
            let stream = futures::stream::iter(frames).then(|frame| async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                frame
            });
            Response::builder()
                .status(200)
                .header("content-type", "text/event-stream")
                .body(Body::from_stream(stream))
                .unwrap()
        }
    }
}

use futures::StreamExt;
