//! The consent pages of Meta, TikTok, Pinterest, LinkedIn and Snapchat, for a desktop app's
//! loopback redirect: each checks the parameters its platform names (TikTok's `app_id`, the
//! others' `client_id`; scope and `response_type=code` where the platform requires them),
//! approves at once, as if the person had clicked "Allow", and redirects back with a
//! single-use code bound to the app and the redirect. Each platform module exchanges its codes
//! at its own token endpoint, in its own shape.
//!
//! The sandbox's apps take any client id, and their secret is always [`APP_SECRET`]: a code
//! exchange with another secret is refused, so a person's mistyped secret can be tested.
//! (Refresh grants and Meta's long-lived exchange stay lenient about the secret, as before.)

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::SandboxPlatform;
use crate::call::Call;
use crate::google_oauth::is_loopback;
use crate::state::{AuthCode, Shared};
use crate::wire::percent_encode;

/// The client secret of every app the sandbox knows.
pub const APP_SECRET: &str = "sandbox-secret";

/// What a platform's consent page asks for, in its own names.
pub(crate) struct ConsentRules {
    pub platform: SandboxPlatform,
    /// The app's id: `client_id`, or TikTok's `app_id`.
    pub id_name: &'static str,
    pub scope_required: bool,
    pub response_type_required: bool,
    /// The names the code comes back under (TikTok sends it as `auth_code` and as `code`).
    pub code_names: &'static [&'static str],
    /// How the platform's codes look, before the random part.
    pub code_prefix: &'static str,
}

/// The platforms show an error page, not a redirect, for a request they cannot trust.
fn refuse(rules: &ConsentRules, reason: &str) -> Response {
    tracing::debug!(platform = ?rules.platform, reason, "authorisation refused");
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<html><body><h1>Something went wrong</h1><p>{reason}</p></body></html>"),
    )
        .into_response()
}

fn key(platform: SandboxPlatform, code: &str) -> String {
    // Codes share the Google store: the platform in the key keeps one platform's code from
    // being exchanged at another's endpoint.
    format!("{platform:?}:{code}")
}

/// The consent page: checks the request and approves it with a redirect carrying a code.
pub(crate) fn approve(shared: &Shared, call: &Call, rules: &ConsentRules) -> Response {
    let Some(client_id) = call.param(rules.id_name) else {
        return refuse(
            rules,
            &format!("Missing required parameter: {}", rules.id_name),
        );
    };
    let Some(redirect_uri) = call.param("redirect_uri") else {
        return refuse(rules, "Missing required parameter: redirect_uri");
    };
    if !is_loopback(redirect_uri) {
        return refuse(
            rules,
            "redirect_uri must be a loopback address: http://127.0.0.1:<port>",
        );
    }
    let Some(state) = call.param("state") else {
        return refuse(rules, "Missing required parameter: state");
    };
    let scope = call.param("scope").cloned().unwrap_or_default();
    if rules.scope_required && scope.is_empty() {
        return refuse(rules, "Missing required parameter: scope");
    }
    match call.param("response_type").map(String::as_str) {
        Some("code") => {}
        None if !rules.response_type_required => {}
        _ => return refuse(rules, "Invalid response_type: only 'code' is supported"),
    }
    let code = format!("{}{}", rules.code_prefix, &shared.mint("code")[..40]);
    shared.add_code(
        key(rules.platform, &code),
        AuthCode {
            client_id: client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            challenge: String::new(),
            scope,
        },
    );
    let mut location = redirect_uri.clone();
    let mut separator = if redirect_uri.contains('?') { '&' } else { '?' };
    for name in rules.code_names {
        location.push_str(&format!("{separator}{name}={}", percent_encode(&code)));
        separator = '&';
    }
    location.push_str(&format!("&state={}", percent_encode(state)));
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Takes a code of `platform`: single use, whatever the exchange's outcome.
pub(crate) fn take(shared: &Shared, platform: SandboxPlatform, code: &str) -> Option<AuthCode> {
    shared.take_code(&key(platform, code))
}
