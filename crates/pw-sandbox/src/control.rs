//! `/_sandbox/…`: the control routes tests and other processes use over HTTP (no auth), the
//! same operations as `Sandbox`'s methods.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use crate::state::Shared;
use crate::{Fault, Level, SandboxPlatform, metrics};

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/faults", post(add_fault).delete(clear_faults))
        .route("/revise", post(revise))
        .route("/requests", get(requests))
        .route("/truth", get(truth))
        .route("/tokens", post(token))
}

async fn add_fault(State(shared): State<Arc<Shared>>, Json(fault): Json<Fault>) -> StatusCode {
    shared.add_fault(fault);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.clear_faults();
    StatusCode::NO_CONTENT
}

async fn revise(State(shared): State<Arc<Shared>>) -> Response {
    shared.revise();
    Json(json!({ "revision": shared.world().revision() })).into_response()
}

#[derive(Deserialize)]
struct RequestsQuery {
    #[serde(default)]
    path_contains: String,
}

async fn requests(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<RequestsQuery>,
) -> Response {
    Json(json!({ "count": shared.request_count(&query.path_contains) })).into_response()
}

#[derive(Deserialize)]
struct TruthQuery {
    platform: SandboxPlatform,
    level: Level,
    from: NaiveDate,
    until: NaiveDate,
}

async fn truth(State(shared): State<Arc<Shared>>, Query(query): Query<TruthQuery>) -> Response {
    let world = shared.world();
    // Summing a million cells takes a moment; keep it off the async workers.
    let computed = tokio::task::spawn_blocking(move || {
        metrics::truth(&world, query.platform, query.level, query.from, query.until)
    })
    .await;
    match computed {
        Ok(truth) => Json(truth).into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    platform: SandboxPlatform,
}

async fn token(State(shared): State<Arc<Shared>>, Query(query): Query<TokenQuery>) -> Response {
    Json(json!({ "access_token": shared.issue_token(query.platform) })).into_response()
}
