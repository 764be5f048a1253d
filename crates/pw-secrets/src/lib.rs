//! Credentials live only in the OS keychain (keyring-core: macOS Keychain, Windows Credential
//! Manager, Secret Service on Linux). Nothing here writes a secret to a file, a log or a
//! database: callers get a [`Secret`] whose `Debug` is redacted and whose memory is wiped when
//! dropped, and everything else (the UI included) learns only "configured" or "not configured".
//!
//! Calls block on the platform's keychain service; async callers use `spawn_blocking`.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

/// The keychain "service" every ProfitWheel entry is filed under.
pub const SERVICE: &str = "ProfitWheel";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the system keychain is not available ({0}). On Linux, start a Secret Service such as GNOME Keyring or KeePassXC."
    )]
    Unavailable(String),
    #[error("the system keychain refused access ({0}); unlock it and try again")]
    Locked(String),
    #[error("'{0}' is not a valid credential name")]
    InvalidName(String),
    #[error("the system keychain failed: {0}")]
    Platform(String),
}

/// A credential in memory: redacted in `Debug`, wiped on drop, never `Display`.
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The value, for the one place that must send it (an Authorization header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// What a credential is for: `llm/openai`, `platform/meta/<connection id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialName(String);

impl CredentialName {
    pub fn new(name: impl Into<String>) -> Result<Self, SecretError> {
        let name = name.into();
        let valid = !name.is_empty()
            && name.len() <= 200
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | ':'));
        if valid {
            Ok(CredentialName(name))
        } else {
            Err(SecretError::InvalidName(name))
        }
    }

    pub fn llm_vendor(vendor: &str) -> Result<Self, SecretError> {
        Self::new(format!("llm/{vendor}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The OS keychain, under one service name (tests use their own to stay apart).
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

fn map_error(error: keyring_core::Error) -> SecretError {
    match error {
        keyring_core::Error::NoStorageAccess(e) => SecretError::Locked(e.to_string()),
        keyring_core::Error::PlatformFailure(e) => SecretError::Unavailable(e.to_string()),
        other => SecretError::Platform(other.to_string()),
    }
}

/// How long a store that could not be opened is reported as missing before it is tried again:
/// a Secret Service that starts after the app is found, and a screen that checks several keys
/// does not wait on a stalled service once per key.
const REOPEN_AFTER: Duration = Duration::from_secs(15);

enum StoreState {
    Closed,
    Open(Arc<keyring_core::CredentialStore>),
    Failed { at: Instant, error: String },
}

/// The platform's credential store, opened on first use: keyring-core with one store per
/// platform, as the keyring project advises applications to link it. (The `keyring` crate's
/// all-platforms mode takes the zbus store on Linux, whose async D-Bus stack was a minute of a
/// cold CI build; the libdbus store reaches the same Secret Service items, found by the same
/// `service` and `username` attributes, so keys saved before are still there.) Once open, the
/// store is kept for the life of the process.
fn platform_store() -> Result<Arc<keyring_core::CredentialStore>, SecretError> {
    static STORE: Mutex<StoreState> = Mutex::new(StoreState::Closed);
    // The state is one assignment at a time, never half-written: a panic elsewhere leaves it
    // usable.
    let mut state = STORE.lock().unwrap_or_else(PoisonError::into_inner);
    match &*state {
        StoreState::Open(store) => return Ok(store.clone()),
        StoreState::Failed { at, error } if at.elapsed() < REOPEN_AFTER => {
            return Err(SecretError::Unavailable(error.clone()));
        }
        StoreState::Failed { .. } | StoreState::Closed => {}
    }
    match open_platform_store() {
        Ok(store) => {
            *state = StoreState::Open(store.clone());
            Ok(store)
        }
        Err(error) => {
            *state = StoreState::Failed {
                at: Instant::now(),
                error: error.to_string(),
            };
            Err(map_error(error))
        }
    }
}

#[cfg(target_os = "macos")]
fn open_platform_store() -> Result<Arc<keyring_core::CredentialStore>, keyring_core::Error> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(target_os = "windows")]
fn open_platform_store() -> Result<Arc<keyring_core::CredentialStore>, keyring_core::Error> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn open_platform_store() -> Result<Arc<keyring_core::CredentialStore>, keyring_core::Error> {
    Ok(dbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(not(any(
    target_os = "macos",
    target_os = "windows",
    all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    )
)))]
fn open_platform_store() -> Result<Arc<keyring_core::CredentialStore>, keyring_core::Error> {
    Err(keyring_core::Error::NotSupportedByStore(
        "no keychain on this platform".into(),
    ))
}

impl Default for Keychain {
    fn default() -> Self {
        Keychain {
            service: SERVICE.to_owned(),
        }
    }
}

impl Keychain {
    pub fn with_service(service: impl Into<String>) -> Self {
        Keychain {
            service: service.into(),
        }
    }

    fn entry(&self, name: &CredentialName) -> Result<keyring_core::Entry, SecretError> {
        keyring_core::Entry::new_in_store(&platform_store()?, &self.service, name.as_str())
            .map_err(map_error)
    }

    pub fn store(&self, name: &CredentialName, secret: &Secret) -> Result<(), SecretError> {
        self.entry(name)?
            .set_password(secret.expose())
            .map_err(map_error)?;
        tracing::info!(
            credential = name.as_str(),
            "credential stored in the keychain"
        );
        Ok(())
    }

    pub fn load(&self, name: &CredentialName) -> Result<Option<Secret>, SecretError> {
        match self.entry(name)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    pub fn is_configured(&self, name: &CredentialName) -> Result<bool, SecretError> {
        Ok(self.load(name)?.is_some())
    }

    /// Removes a credential; removing one that is not there is not an error.
    pub fn remove(&self, name: &CredentialName) -> Result<(), SecretError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => {
                tracing::info!(
                    credential = name.as_str(),
                    "credential removed from the keychain"
                );
                Ok(())
            }
            Err(e) => Err(map_error(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let secret = Secret::new("sk-live-canary");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(secret.expose(), "sk-live-canary");
    }

    #[test]
    fn credential_names_are_checked() {
        assert!(CredentialName::new("llm/openai").is_ok());
        assert!(CredentialName::new("platform/meta/0196b7a0-0000").is_ok());
        assert!(CredentialName::new("").is_err());
        assert!(CredentialName::new("spaces are not allowed").is_err());
    }
}
