//! A connection's credentials: one JSON secret in the OS keychain per connection, holding the
//! token (and, for OAuth, the refresh token and the app's client secret). Nothing of it is ever
//! written to SQLite, a log or an error.
//!
//! A refresh writes the new tokens back to the keychain *before* the new access token is used:
//! Pinterest (and sometimes Snapchat) hand back a new refresh token on every refresh and retire
//! the old one, so a refresh whose answer was not saved would lock the connection out.

use std::sync::Arc;

use chrono::{DateTime, Duration as TimeDelta, Utc};
use pw_domain::Platform;
use pw_secrets::{CredentialName, Keychain, Secret};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::error::{ConnectorError, Result};

/// What the keychain holds for one connection.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct StoredCredential {
    pub access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Google Ads' per-app developer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_token: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    pub obtained_at: DateTime<Utc>,
}

impl std::fmt::Debug for StoredCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredCredential")
            .field("refreshable", &self.refresh_token.is_some())
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The keychain entry of a connection.
pub fn credential_name(connection_id: &str) -> Result<CredentialName> {
    Ok(CredentialName::new(format!("connector/{connection_id}"))?)
}

/// How a platform's token endpoint wants the app to prove itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form (Google, LinkedIn, Snapchat).
    InForm,
    /// HTTP Basic `client_id:client_secret` (Pinterest).
    Basic,
}

/// Where and how a connection's access token is refreshed.
#[derive(Debug, Clone)]
pub struct Refresher {
    pub token_url: String,
    pub client_auth: ClientAuth,
}

/// Where a connection's credential is kept: its keychain entry.
#[derive(Clone)]
pub struct CredentialHome {
    pub keychain: Keychain,
    pub name: CredentialName,
}

impl CredentialHome {
    pub async fn load(&self) -> Result<Option<StoredCredential>> {
        let (keychain, name) = (self.keychain.clone(), self.name.clone());
        let secret = tokio::task::spawn_blocking(move || keychain.load(&name))
            .await
            .map_err(|e| ConnectorError::Invalid(format!("the keychain task failed: {e}")))??;
        match secret {
            None => Ok(None),
            Some(secret) => serde_json::from_str(secret.expose())
                .map(Some)
                .map_err(|_| {
                    ConnectorError::Invalid(
                        "the keychain entry of this connection is damaged; connect again".into(),
                    )
                }),
        }
    }

    pub async fn save(&self, credential: &StoredCredential) -> Result<()> {
        let text = serde_json::to_string(credential).map_err(|e| {
            ConnectorError::Invalid(format!("the credential could not be written: {e}"))
        })?;
        let (keychain, name) = (self.keychain.clone(), self.name.clone());
        tokio::task::spawn_blocking(move || keychain.store(&name, &Secret::new(text)))
            .await
            .map_err(|e| ConnectorError::Invalid(format!("the keychain task failed: {e}")))??;
        Ok(())
    }

    pub async fn remove(&self) -> Result<()> {
        let (keychain, name) = (self.keychain.clone(), self.name.clone());
        tokio::task::spawn_blocking(move || keychain.remove(&name))
            .await
            .map_err(|e| ConnectorError::Invalid(format!("the keychain task failed: {e}")))??;
        Ok(())
    }
}

/// A live connection's credential: hands out the access token, refreshing it first when it is
/// about to expire, and again when the platform says it expired.
pub struct Credentials {
    platform: Platform,
    current: Mutex<StoredCredential>,
    home: CredentialHome,
    refresher: Option<Refresher>,
    http: reqwest::Client,
}

/// An access token this close to its expiry is refreshed before use.
const REFRESH_AHEAD: TimeDelta = TimeDelta::seconds(120);

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
}

impl Credentials {
    pub fn new(
        platform: Platform,
        stored: StoredCredential,
        home: CredentialHome,
        refresher: Option<Refresher>,
        http: reqwest::Client,
    ) -> Arc<Self> {
        Arc::new(Credentials {
            platform,
            current: Mutex::new(stored),
            home,
            refresher,
            http,
        })
    }

    /// The credential as it stands (for the values besides the token: a developer token).
    pub async fn snapshot(&self) -> StoredCredential {
        self.current.lock().await.clone()
    }

    fn can_refresh(&self, stored: &StoredCredential) -> bool {
        self.refresher.is_some() && stored.refresh_token.is_some()
    }

    /// The token to send now.
    pub async fn access_token(&self) -> Result<String> {
        let mut stored = self.current.lock().await;
        let expiring = stored
            .expires_at
            .is_some_and(|at| at - REFRESH_AHEAD <= Utc::now());
        if expiring {
            if self.can_refresh(&stored) {
                self.refresh_locked(&mut stored).await?;
            } else {
                return Err(ConnectorError::Reconnect {
                    platform: self.platform,
                    reason: "its access token has expired".into(),
                });
            }
        }
        Ok(stored.access_token.clone())
    }

    /// The platform refused `rejected` as expired: refresh once (unless another call already
    /// did) and hand back the new token, or say the connection needs the person.
    pub async fn after_rejection(&self, rejected: &str, reason: &str) -> Result<String> {
        let mut stored = self.current.lock().await;
        if stored.access_token != rejected {
            return Ok(stored.access_token.clone());
        }
        if !self.can_refresh(&stored) {
            return Err(ConnectorError::Reconnect {
                platform: self.platform,
                reason: reason.to_owned(),
            });
        }
        self.refresh_locked(&mut stored).await?;
        Ok(stored.access_token.clone())
    }

    async fn refresh_locked(&self, stored: &mut StoredCredential) -> Result<()> {
        let (Some(refresher), Some(refresh_token)) =
            (&self.refresher, stored.refresh_token.clone())
        else {
            return Err(ConnectorError::Reconnect {
                platform: self.platform,
                reason: "it cannot be refreshed".into(),
            });
        };
        let mut form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token),
        ];
        let mut request = self.http.post(&refresher.token_url);
        let client_id = stored.client_id.clone().unwrap_or_default();
        let client_secret = stored.client_secret.clone().unwrap_or_default();
        match refresher.client_auth {
            ClientAuth::InForm => {
                form.push(("client_id", client_id));
                form.push(("client_secret", client_secret));
            }
            ClientAuth::Basic => {
                request = request.basic_auth(client_id, Some(client_secret));
            }
        }
        let answer = request
            .form(&form)
            .send()
            .await
            .map_err(|e| ConnectorError::Unavailable {
                platform: self.platform,
                attempts: 1,
                detail: format!("refreshing the access token failed: {}", without_url(&e)),
            })?;
        let status = answer.status();
        let body = answer.bytes().await.unwrap_or_default();
        // A busy or slow token service is asked again at the next sync; only a refusal of the
        // refresh token itself (`invalid_grant`, 400/401) needs the person.
        if status.is_server_error()
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS
            || status == reqwest::StatusCode::REQUEST_TIMEOUT
        {
            return Err(ConnectorError::Unavailable {
                platform: self.platform,
                attempts: 1,
                detail: format!("its token service answered {status}"),
            });
        }
        if !status.is_success() {
            // `invalid_grant` and friends: the refresh token is expired or revoked.
            let error = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| {
                    v.get("error_description")
                        .or_else(|| v.get("error"))
                        .or_else(|| v.get("message"))
                        .and_then(|e| e.as_str().map(str::to_owned))
                })
                .unwrap_or_else(|| status.to_string());
            return Err(ConnectorError::Reconnect {
                platform: self.platform,
                reason: format!("refreshing its access token was refused: {error}"),
            });
        }
        let token: TokenAnswer =
            serde_json::from_slice(&body).map_err(|_| ConnectorError::Malformed {
                platform: self.platform,
                what: "the token service's answer".into(),
            })?;
        let mut renewed = stored.clone();
        renewed.access_token = token.access_token;
        if let Some(rotated) = token.refresh_token {
            renewed.refresh_token = Some(rotated);
        }
        renewed.expires_at = token.expires_in.map(|s| Utc::now() + TimeDelta::seconds(s));
        renewed.obtained_at = Utc::now();
        // Saved before use: a rotated refresh token that is lost locks the connection out.
        self.home.save(&renewed).await?;
        tracing::info!(platform = self.platform.as_str(), "access token refreshed");
        *stored = renewed;
        Ok(())
    }
}

/// A reqwest error's words without its URL (a URL may carry a token in its query).
pub fn without_url(error: &reqwest::Error) -> String {
    let mut words = error.to_string();
    if let Some(url) = error.url() {
        words = words.replace(url.as_str(), "<url>");
    }
    if error.is_timeout() {
        "no answer in time".into()
    } else if error.is_connect() {
        "could not connect".into()
    } else {
        words
    }
}
