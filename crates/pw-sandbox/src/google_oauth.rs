//! Google's OAuth for installed apps (loopback redirect + PKCE) under `/google-oauth`: the
//! consent URL auto-approves with a redirect carrying a code, the token endpoint exchanges
//! codes (checking the S256 verifier, single use) and refresh tokens. Access tokens it issues
//! are the ones the Google Ads routes accept.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::SandboxPlatform;
use crate::state::{AuthCode, RefreshToken, Shared};
use crate::wire::{base64url, json as respond, percent_encode};

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/o/oauth2/v2/auth", get(authorize))
        .route("/token", post(token))
}

/// Google shows an error page for a bad authorisation request rather than redirecting.
fn refuse(reason: &str) -> Response {
    tracing::debug!(reason, "authorisation refused");
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<html><body><h1>Error 400: invalid_request</h1><p>{reason}</p></body></html>"),
    )
        .into_response()
}

/// `http://127.0.0.1:<port>[/path]`, the loopback redirect RFC 8252 §7.3 asks of desktop apps.
pub(crate) fn is_loopback(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://127.0.0.1:") else {
        return false;
    };
    let port = rest.split(['/', '?']).next().unwrap_or_default();
    !port.is_empty() && port.parse::<u16>().is_ok()
}

async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    shared.log_request("/google-oauth/o/oauth2/v2/auth");
    let get = |name: &str| params.get(name).filter(|value| !value.is_empty());
    let Some(client_id) = get("client_id") else {
        return refuse("Missing required parameter: client_id");
    };
    let Some(redirect_uri) = get("redirect_uri") else {
        return refuse("Missing required parameter: redirect_uri");
    };
    if !is_loopback(redirect_uri) {
        return refuse("redirect_uri must be a loopback address: http://127.0.0.1:<port>");
    }
    if get("response_type").map(String::as_str) != Some("code") {
        return refuse("Invalid response_type: only 'code' is supported");
    }
    let Some(challenge) = get("code_challenge") else {
        return refuse("Missing required parameter: code_challenge");
    };
    if get("code_challenge_method").map(String::as_str) != Some("S256") {
        return refuse("Invalid code_challenge_method: S256 is required");
    }
    let scope = get("scope").cloned().unwrap_or_default();
    let code = format!("4/0A{}", &shared.mint("code")[..40]);
    shared.add_code(
        code.clone(),
        AuthCode {
            client_id: client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            challenge: challenge.clone(),
            scope: scope.clone(),
        },
    );
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let mut location = format!("{redirect_uri}{separator}code={}", percent_encode(&code));
    if let Some(state) = get("state") {
        location.push_str(&format!("&state={}", percent_encode(state)));
    }
    location.push_str(&format!("&scope={}", percent_encode(&scope)));
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn oauth_error(error: &str, description: &str) -> Response {
    respond(
        StatusCode::BAD_REQUEST,
        &json!({ "error": error, "error_description": description }),
    )
}

async fn token(
    State(shared): State<Arc<Shared>>,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    shared.log_request("/google-oauth/token");
    let get = |name: &str| params.get(name).filter(|value| !value.is_empty());
    let Some(client_id) = get("client_id") else {
        return oauth_error(
            "invalid_request",
            "Could not determine client ID from request.",
        );
    };
    if get("client_secret").is_none() {
        return oauth_error("invalid_request", "client_secret is missing.");
    }
    match get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let Some(grant) = get("code").and_then(|code| shared.take_code(code)) else {
                return oauth_error("invalid_grant", "Malformed auth code.");
            };
            if &grant.client_id != client_id {
                return oauth_error("invalid_grant", "Unauthorized");
            }
            if get("redirect_uri") != Some(&grant.redirect_uri) {
                return oauth_error("redirect_uri_mismatch", "Bad Request");
            }
            let Some(verifier) = get("code_verifier") else {
                return oauth_error("invalid_grant", "Missing code verifier.");
            };
            if base64url(&Sha256::digest(verifier.as_bytes())) != grant.challenge {
                return oauth_error("invalid_grant", "Invalid code verifier.");
            }
            let refresh = format!("1//0{}", &shared.mint("refresh")[..60]);
            shared.add_refresh_token(
                refresh.clone(),
                RefreshToken {
                    client_id: client_id.clone(),
                    scope: grant.scope.clone(),
                    revoked: false,
                },
            );
            let access =
                shared.issue_token_with_refresh(SandboxPlatform::GoogleAds, Some(refresh.clone()));
            respond(
                StatusCode::OK,
                &json!({
                    "access_token": access,
                    "expires_in": 3599,
                    "refresh_token": refresh,
                    "scope": grant.scope,
                    "token_type": "Bearer",
                }),
            )
        }
        Some("refresh_token") => {
            let Some(refresh) = get("refresh_token") else {
                return oauth_error(
                    "invalid_request",
                    "Missing required parameter: refresh_token",
                );
            };
            match shared.refresh_token(refresh) {
                Some(grant) if !grant.revoked && &grant.client_id == client_id => {
                    let access = shared.issue_token_with_refresh(
                        SandboxPlatform::GoogleAds,
                        Some(refresh.clone()),
                    );
                    respond(
                        StatusCode::OK,
                        &json!({
                            "access_token": access,
                            "expires_in": 3599,
                            "scope": grant.scope,
                            "token_type": "Bearer",
                        }),
                    )
                }
                Some(grant) if !grant.revoked => oauth_error("unauthorized_client", "Unauthorized"),
                _ => oauth_error("invalid_grant", "Token has been expired or revoked."),
            }
        }
        Some(other) => oauth_error(
            "unsupported_grant_type",
            &format!("Invalid grant_type: {other}"),
        ),
        None => oauth_error("unsupported_grant_type", "Invalid grant_type: "),
    }
}
