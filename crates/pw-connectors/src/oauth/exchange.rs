//! Each platform's code exchange: where the code goes, how the app proves itself, and the
//! shape of the answer.
//!
//! - Google: form with `client_id`, `client_secret` (may be empty for an installed app) and
//!   the PKCE `code_verifier`.
//! - Meta: `GET …/oauth/access_token` with the code for a short-lived user token, then the
//!   `fb_exchange_token` grant for the long-lived one (about 60 days; Meta has no refresh).
//! - TikTok: JSON `{app_id, secret, auth_code}`, answered in its `{code, message, data}`
//!   envelope with HTTP 200 even on failure; the token does not expire.
//! - Pinterest: form with the app's id and secret in HTTP Basic.
//! - LinkedIn, Snapchat: form with `client_id` and `client_secret`.

use pw_domain::Platform;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{PendingSignIn, SignedIn};
use crate::error::{ConnectorError, Result};

/// The app the person signs in to: its id, and its secret where it has one.
pub(super) struct AppCredentials<'a> {
    pub client_id: &'a str,
    pub client_secret: Option<&'a str>,
}

/// Exchanges the consent page's code for the connection's tokens, the platform's way.
pub(super) async fn exchange(
    pending: &PendingSignIn,
    app: AppCredentials<'_>,
    code: &str,
    http: &reqwest::Client,
) -> Result<SignedIn> {
    let platform = pending.platform;
    let url = pending.token_url.as_str();
    let redirect_uri = pending.redirect_uri.as_str();
    match platform {
        Platform::GoogleAds | Platform::Ga4 | Platform::Dv360 | Platform::Youtube => {
            let mut form = vec![
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("client_id", app.client_id),
                ("code_verifier", pending.verifier.as_str()),
            ];
            if let Some(secret) = app.client_secret {
                form.push(("client_secret", secret));
            }
            let body = send(platform, http.post(url).form(&form)).await?;
            parse(platform, &body)
        }
        Platform::Meta => {
            let secret = secret_of(platform, &app)?;
            let short: SignedIn = parse(
                platform,
                &send(
                    platform,
                    http.get(url).query(&[
                        ("client_id", app.client_id),
                        ("redirect_uri", redirect_uri),
                        ("client_secret", secret),
                        ("code", code),
                    ]),
                )
                .await?,
            )?;
            // The dialog's token lasts an hour or two: a connection that syncs nightly needs
            // the long-lived one.
            let long: SignedIn = parse(
                platform,
                &send(
                    platform,
                    http.get(url).query(&[
                        ("grant_type", "fb_exchange_token"),
                        ("client_id", app.client_id),
                        ("client_secret", secret),
                        ("fb_exchange_token", short.access_token.as_str()),
                    ]),
                )
                .await?,
            )?;
            Ok(SignedIn {
                refresh_token: None,
                ..long
            })
        }
        Platform::Tiktok => {
            let secret = secret_of(platform, &app)?;
            let body = send(
                platform,
                http.post(url).json(&json!({
                    "app_id": app.client_id,
                    "secret": secret,
                    "auth_code": code,
                })),
            )
            .await?;
            let envelope: Value = parse(platform, &body)?;
            if envelope["code"].as_i64() != Some(0) {
                let message = envelope["message"].as_str().unwrap_or("no reason given");
                return Err(ConnectorError::Refused {
                    platform,
                    message: format!("the sign-in code was refused: {message}"),
                });
            }
            serde_json::from_value(envelope["data"].clone()).map_err(|_| {
                ConnectorError::Malformed {
                    platform,
                    what: "the token endpoint's answer".into(),
                }
            })
        }
        Platform::Pinterest => {
            let secret = secret_of(platform, &app)?;
            let form = [
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
            ];
            let request = http
                .post(url)
                .basic_auth(app.client_id, Some(secret))
                .form(&form);
            parse(platform, &send(platform, request).await?)
        }
        Platform::Linkedin | Platform::Snapchat => {
            let secret = secret_of(platform, &app)?;
            let form = [
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("client_id", app.client_id),
                ("client_secret", secret),
            ];
            parse(platform, &send(platform, http.post(url).form(&form)).await?)
        }
    }
}

/// The app secret the platform's exchange requires (all but Google's installed app).
fn secret_of<'a>(platform: Platform, app: &AppCredentials<'a>) -> Result<&'a str> {
    app.client_secret
        .filter(|secret| !secret.is_empty())
        .ok_or_else(|| {
            ConnectorError::Invalid(format!(
                "signing in to {} needs your app's client secret",
                platform.display_name()
            ))
        })
}

/// Sends one request to the token endpoint: the body of a success, a refusal in words.
async fn send(platform: Platform, request: reqwest::RequestBuilder) -> Result<bytes::Bytes> {
    let answer = request
        .send()
        .await
        .map_err(|e| ConnectorError::Unavailable {
            platform,
            attempts: 1,
            detail: format!(
                "exchanging the sign-in code failed: {}",
                crate::credentials::without_url(&e)
            ),
        })?;
    let status = answer.status();
    let body = answer.bytes().await.unwrap_or_default();
    if status.is_success() {
        return Ok(body);
    }
    let reason = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| reason_of(&v))
        .unwrap_or_else(|| status.to_string());
    Err(ConnectorError::Refused {
        platform,
        message: format!("the sign-in code was refused: {reason}"),
    })
}

/// The platform's words for a refusal: OAuth's `error_description` or `error` (Google,
/// LinkedIn, Snapchat), Graph's `error.message` (Meta), or a plain `message` (Pinterest).
fn reason_of(answer: &Value) -> Option<String> {
    [
        &answer["error_description"],
        &answer["error"],
        &answer["error"]["message"],
        &answer["message"],
    ]
    .into_iter()
    .find_map(|value| value.as_str().map(str::to_owned))
}

fn parse<T: DeserializeOwned>(platform: Platform, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|_| ConnectorError::Malformed {
        platform,
        what: "the token endpoint's answer".into(),
    })
}
