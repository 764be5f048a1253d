//! The way into every platform route: log the request, fire a waiting fault in the platform's
//! own form (or hold, cut or fail the answer it would have given), then hand over to the
//! platform's module.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;

use crate::call::Call;
use crate::state::Shared;
use crate::{
    FaultKind, SandboxPlatform, census, dv360, ga4, google_ads, linkedin, meta, pinterest, serper,
    snapchat, tiktok, youtube,
};

/// How a fault changes the normal answer, when it does not replace it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Twist {
    /// Meta, DV360: the asynchronous job or report this request creates fails instead of
    /// the request.
    pub fail_job: bool,
}

pub(crate) async fn entry(
    shared: Arc<Shared>,
    platform: SandboxPlatform,
    request: Request,
) -> Response {
    let call = Call::read(request).await;
    shared.log_request(&call.path);
    let fault = shared.take_fault(platform, &call.path);
    if let Some(kind) = fault {
        tracing::debug!(?platform, path = %call.path, ?kind, "fault fires");
    }
    let mut twist = Twist::default();
    match fault {
        None | Some(FaultKind::Malformed) => {}
        Some(FaultKind::Timeout) => tokio::time::sleep(shared.config.slow_response).await,
        Some(FaultKind::ServerError)
            if (platform == SandboxPlatform::Meta && meta::creates_job(&call))
                || (platform == SandboxPlatform::Dv360 && dv360::runs_query(&call)) =>
        {
            twist.fail_job = true;
        }
        Some(kind) => {
            if kind == FaultKind::RevokedToken
                && let Some(token) = token_of(platform, &call)
            {
                shared.revoke_token(&token);
            }
            return match platform {
                SandboxPlatform::Meta => meta::fault(kind, &call, &shared),
                SandboxPlatform::GoogleAds => google_ads::fault(kind, &call, &shared),
                SandboxPlatform::Tiktok => tiktok::fault(kind, &shared),
                SandboxPlatform::Pinterest => pinterest::fault(kind),
                SandboxPlatform::Linkedin => linkedin::fault(kind),
                SandboxPlatform::Snapchat => snapchat::fault(kind, &shared),
                SandboxPlatform::Census => census::fault(kind, &call),
                SandboxPlatform::Serper => serper::fault(kind, &shared, &call),
                SandboxPlatform::Ga4 => ga4::fault(kind),
                SandboxPlatform::Youtube => youtube::fault(kind),
                SandboxPlatform::Dv360 => dv360::fault(kind),
            };
        }
    }
    let response = match platform {
        SandboxPlatform::Meta => meta::handle(&shared, &call, twist),
        SandboxPlatform::GoogleAds => google_ads::handle(&shared, &call),
        SandboxPlatform::Tiktok => tiktok::handle(&shared, &call),
        SandboxPlatform::Pinterest => pinterest::handle(&shared, &call),
        SandboxPlatform::Linkedin => linkedin::handle(&shared, &call),
        SandboxPlatform::Snapchat => snapchat::handle(&shared, &call),
        SandboxPlatform::Census => census::handle(&shared, &call),
        SandboxPlatform::Serper => serper::handle(&shared, &call),
        SandboxPlatform::Ga4 => ga4::handle(&shared, &call),
        SandboxPlatform::Youtube => youtube::handle(&shared, &call),
        SandboxPlatform::Dv360 => dv360::handle(&shared, &call, twist),
    };
    if fault == Some(FaultKind::Malformed) {
        cut(response).await
    } else {
        response
    }
}

fn token_of(platform: SandboxPlatform, call: &Call) -> Option<String> {
    match platform {
        SandboxPlatform::Meta => call
            .param("access_token")
            .map(String::as_str)
            .or_else(|| call.bearer()),
        SandboxPlatform::GoogleAds
        | SandboxPlatform::Pinterest
        | SandboxPlatform::Linkedin
        | SandboxPlatform::Snapchat
        | SandboxPlatform::Ga4
        | SandboxPlatform::Youtube
        | SandboxPlatform::Dv360 => call.bearer(),
        SandboxPlatform::Tiktok => call.header("access-token"),
        SandboxPlatform::Census => call.param("key").map(String::as_str),
        SandboxPlatform::Serper => call.header("x-api-key"),
    }
    .map(str::to_owned)
}

/// The answer with its body cut in the middle, as a dropped proxy connection leaves it, under
/// a 200 so only the parser notices.
async fn cut(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let keep = (bytes.len() / 2).max(1).min(bytes.len().saturating_sub(1));
    parts.status = StatusCode::OK;
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes.slice(..keep)))
}
