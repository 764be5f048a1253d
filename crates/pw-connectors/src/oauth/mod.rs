//! OAuth for an installed app (RFC 8252): the consent page opens in the system browser, which
//! comes back to a one-shot listener on `127.0.0.1` with the code, and `state` ties the return
//! to this attempt. Each platform names its consent parameters its own way and exchanges the
//! code its own way ([`exchange`]): Google with PKCE (S256), which ties the code to this app
//! instance; the others with the person's own app secret, which they all require.
//!
//! The return address is `http://127.0.0.1:<port>/`. Google takes any loopback port (RFC 8252
//! §7.3), so its sign-ins listen on any free one. Meta (strict mode), LinkedIn, Pinterest,
//! Snapchat and TikTok compare the redirect with the one registered for the app exactly, port
//! included: their sign-ins listen on a fixed port ([`REGISTERED_PORT`] unless the person
//! chose another), and [`redirect_uri`] is the address they register in the app's settings.

mod exchange;

use std::time::Duration;

use base64::Engine as _;
use pw_domain::Platform;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::connector::Hosts;
use crate::error::{ConnectorError, Result};

/// The scopes a connection asks for: read-only wherever the platform has them.
pub fn scopes(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::GoogleAds => &["https://www.googleapis.com/auth/adwords"],
        Platform::Ga4 => &["https://www.googleapis.com/auth/analytics.readonly"],
        Platform::Dv360 => &[
            "https://www.googleapis.com/auth/display-video",
            "https://www.googleapis.com/auth/doubleclickbidmanager",
        ],
        // The channel list (`channels.list?mine=true`) is the YouTube Data API's.
        Platform::Youtube => &[
            "https://www.googleapis.com/auth/yt-analytics.readonly",
            "https://www.googleapis.com/auth/youtube.readonly",
        ],
        Platform::Meta => &["ads_read", "business_management"],
        Platform::Pinterest => &["ads:read", "user_accounts:read"],
        Platform::Linkedin => &["r_ads", "r_ads_reporting"],
        Platform::Snapchat => &["snapchat-marketing-api"],
        Platform::Tiktok => &[],
    }
}

fn random_text(bytes: usize) -> String {
    let mut buffer = vec![0_u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer)
}

/// BASE64URL(SHA256(verifier)), without padding.
pub fn challenge_of(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A sign-in under way: the consent page to open, and the listener the browser comes back to.
pub struct PendingSignIn {
    pub platform: Platform,
    pub authorize_url: String,
    pub(crate) redirect_uri: String,
    pub(crate) token_url: String,
    state: String,
    pub(crate) verifier: String,
    listener: TcpListener,
}

/// What the platform's token endpoint handed back.
#[derive(serde::Deserialize)]
pub struct SignedIn {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<i64>,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("refreshable", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

/// Whether a sign-in in the browser can start: the platforms whose consent pages and code
/// exchanges are built and tested end to end. All but Google's installed-app client need the
/// person's own app secret: their code exchanges (and Meta's long-lived one) refuse without it.
pub fn admit(platform: Platform, client_id: &str, client_secret: Option<&str>) -> Result<()> {
    match platform {
        // Google's installed-app flow: its client secret is not secret, and may be empty.
        Platform::GoogleAds | Platform::Ga4 | Platform::Dv360 | Platform::Youtube => Ok(()),
        Platform::Meta
        | Platform::Tiktok
        | Platform::Pinterest
        | Platform::Linkedin
        | Platform::Snapchat => {
            let missing = |text: Option<&str>| text.is_none_or(|t| t.trim().is_empty());
            if missing(Some(client_id)) || missing(client_secret) {
                return Err(ConnectorError::Invalid(format!(
                    "signing in to {} needs your app's client id and client secret",
                    platform.display_name()
                )));
            }
            Ok(())
        }
    }
}

/// How a platform's consent page wants the scopes: Meta and Pinterest comma-separated, the
/// others space-separated (OAuth's own form).
fn scope_text(platform: Platform) -> String {
    let separator = match platform {
        Platform::Meta | Platform::Pinterest => ",",
        _ => " ",
    };
    scopes(platform).join(separator)
}

/// The loopback port the platforms that match redirects exactly come back to, unless the
/// person registered another: one address to register, the same on every sign-in.
pub const REGISTERED_PORT: u16 = 47615;

/// Whether a platform accepts any loopback port in its redirect (Google's OAuth does).
pub fn any_port_accepted(platform: Platform) -> bool {
    matches!(
        platform,
        Platform::GoogleAds | Platform::Ga4 | Platform::Dv360 | Platform::Youtube
    )
}

/// The port a sign-in listens on: the one asked for (0 is any free port), else any free port
/// for Google and [`REGISTERED_PORT`] for the others.
pub fn listening_port(platform: Platform, asked: Option<u16>) -> u16 {
    match asked {
        Some(port) => port,
        None if any_port_accepted(platform) => 0,
        None => REGISTERED_PORT,
    }
}

/// The redirect address to register in the platform's app settings, or `None` where any
/// loopback port is accepted and nothing needs registering.
pub fn redirect_uri(platform: Platform, asked: Option<u16>) -> Option<String> {
    match listening_port(platform, asked) {
        0 => None,
        port => Some(format!("http://127.0.0.1:{port}/")),
    }
}

/// Opens the listener and writes the consent page's address, in the platform's parameter names.
pub async fn begin(
    platform: Platform,
    hosts: &Hosts,
    client_id: &str,
    port: Option<u16>,
) -> Result<PendingSignIn> {
    let port = listening_port(platform, port);
    let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            ConnectorError::Invalid(format!(
                "port {port} on this computer is in use, so the browser could not come back to ProfitWheel: close what uses it, or sign in with another port and register http://127.0.0.1:<that port>/ in your {} app",
                platform.display_name()
            ))
        } else {
            ConnectorError::Invalid(format!("could not listen for the browser's return: {e}"))
        }
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| {
            ConnectorError::Invalid(format!("could not listen for the browser's return: {e}"))
        })?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/");
    let state = random_text(16);
    let verifier = random_text(48);
    let mut url = url::Url::parse(&hosts.authorize).map_err(|e| {
        ConnectorError::Invalid(format!("the consent page's address is not valid: {e}"))
    })?;
    {
        let mut query = url.query_pairs_mut();
        match platform {
            // TikTok's advertiser authorisation names the app `app_id` and takes no scope: the
            // app's permissions are chosen in its settings.
            Platform::Tiktok => {
                query
                    .append_pair("app_id", client_id)
                    .append_pair("redirect_uri", &redirect_uri)
                    .append_pair("state", &state);
            }
            Platform::GoogleAds | Platform::Ga4 | Platform::Dv360 | Platform::Youtube => {
                query
                    .append_pair("client_id", client_id)
                    .append_pair("redirect_uri", &redirect_uri)
                    .append_pair("response_type", "code")
                    .append_pair("scope", &scope_text(platform))
                    .append_pair("code_challenge", &challenge_of(&verifier))
                    .append_pair("code_challenge_method", "S256")
                    .append_pair("state", &state)
                    .append_pair("access_type", "offline")
                    .append_pair("prompt", "consent");
            }
            // No PKCE for the others: LinkedIn's and Pinterest's code flows have none, and Meta
            // would then insist on a verifier at the exchange; their app secret ties the code
            // to the app instead.
            Platform::Meta | Platform::Pinterest | Platform::Linkedin | Platform::Snapchat => {
                query
                    .append_pair("client_id", client_id)
                    .append_pair("redirect_uri", &redirect_uri)
                    .append_pair("response_type", "code")
                    .append_pair("scope", &scope_text(platform))
                    .append_pair("state", &state);
            }
        }
    }
    Ok(PendingSignIn {
        platform,
        authorize_url: url.to_string(),
        redirect_uri,
        token_url: hosts.token.clone(),
        state,
        verifier,
        listener,
    })
}

const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>ProfitWheel</title><body style=\"font-family:sans-serif;margin:3em\"><h1>Connected</h1><p>You can close this tab and go back to ProfitWheel.</p>";
const FAILED_PAGE: &str = "<!doctype html><meta charset=utf-8><title>ProfitWheel</title><body style=\"font-family:sans-serif;margin:3em\"><h1>Not connected</h1><p>Go back to ProfitWheel to see why.</p>";

impl PendingSignIn {
    /// Waits (up to `within`) for the browser to come back, checks it, and exchanges the code.
    pub async fn finish(
        self,
        client_id: &str,
        client_secret: Option<&str>,
        http: &reqwest::Client,
        within: Duration,
    ) -> Result<SignedIn> {
        let code = tokio::time::timeout(within, self.wait_for_code())
            .await
            .map_err(|_| {
                ConnectorError::Invalid(format!(
                    "the sign-in was not finished within {} minutes",
                    within.as_secs() / 60
                ))
            })??;
        exchange::exchange(
            &self,
            exchange::AppCredentials {
                client_id,
                client_secret,
            },
            &code,
            http,
        )
        .await
    }

    /// Answers requests on the listener until one carries this attempt's code (or says the
    /// person declined). Other requests (a favicon) get a 404.
    async fn wait_for_code(&self) -> Result<String> {
        loop {
            let (mut stream, _) = self.listener.accept().await.map_err(|e| {
                ConnectorError::Invalid(format!("the browser's return could not be read: {e}"))
            })?;
            let mut buffer = vec![0_u8; 8192];
            let mut read = 0;
            // A browser's idle preconnect sends nothing: it is let go after a few seconds
            // instead of holding up the real return behind it.
            let reading = async {
                while read < buffer.len() {
                    let n = stream.read(&mut buffer[read..]).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    read += n;
                    if buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            };
            if tokio::time::timeout(std::time::Duration::from_secs(5), reading)
                .await
                .is_err()
            {
                continue;
            }
            let request = String::from_utf8_lossy(&buffer[..read]).into_owned();
            let target = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let parsed = url::Url::parse(&format!("http://127.0.0.1{target}")).ok();
            let pairs: Vec<(String, String)> = parsed
                .map(|u| {
                    u.query_pairs()
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect()
                })
                .unwrap_or_default();
            let get = |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            };
            // TikTok sends the code as `auth_code` (and as `code`).
            let code = get("code").or_else(|| get("auth_code"));
            let (status, page, outcome) = match (code, get("error"), get("state")) {
                (Some(code), _, Some(state)) if state == self.state => {
                    ("200 OK", DONE_PAGE, Some(Ok(code)))
                }
                (_, Some(error), Some(state)) if state == self.state => (
                    "200 OK",
                    FAILED_PAGE,
                    Some(Err(ConnectorError::Refused {
                        platform: self.platform,
                        message: format!("the sign-in was declined ({error})"),
                    })),
                ),
                // Another attempt's return (an old tab): refused, and this one goes on waiting.
                (Some(_), _, _) => ("400 Bad Request", FAILED_PAGE, None),
                _ => ("404 Not Found", FAILED_PAGE, None),
            };
            let response = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
            if let Some(outcome) = outcome {
                return outcome;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn platforms_that_match_redirects_exactly_come_back_to_one_registered_port() {
        assert_eq!(
            redirect_uri(Platform::Meta, None).as_deref(),
            Some("http://127.0.0.1:47615/")
        );
        assert_eq!(listening_port(Platform::Linkedin, None), REGISTERED_PORT);
        // Google takes any loopback port, and there is nothing to register.
        assert_eq!(redirect_uri(Platform::Ga4, None), None);
        assert_eq!(listening_port(Platform::GoogleAds, None), 0);
        // A port of this test's own, so the app running beside it cannot interfere.
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let meta = Hosts::of(Platform::Meta, None);
        let first = begin(Platform::Meta, &meta, "app", Some(port))
            .await
            .unwrap();
        assert_eq!(first.redirect_uri, format!("http://127.0.0.1:{port}/"));
        assert!(
            first
                .authorize_url
                .contains(&format!("redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2F"))
        );
        // A second sign-in while the first waits cannot take the port, and says what to do.
        let Err(ConnectorError::Invalid(busy)) =
            begin(Platform::Linkedin, &meta, "app", Some(port)).await
        else {
            panic!("the port is taken");
        };
        assert!(
            busy.contains(&port.to_string()) && busy.contains("register"),
            "{busy}"
        );
        let google = Hosts::of(Platform::GoogleAds, None);
        let any = begin(Platform::GoogleAds, &google, "app", None)
            .await
            .unwrap();
        assert_ne!(any.redirect_uri, first.redirect_uri);
    }

    #[test]
    fn the_challenge_is_rfc_7636s() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
