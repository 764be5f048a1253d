//! Against a real Secret Service (GNOME Keyring under dbus-run-session, as scripts/test-all
//! runs the tests): store, read back from a fresh handle, remove.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use pw_secrets::{CredentialName, Keychain, Secret};

#[test]
fn a_credential_round_trips_through_the_os_keychain() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() || !cfg!(target_os = "linux"),
        "needs a session bus with an unlocked Secret Service: run scripts/test-all (or scripts/with-test-keyring cargo test)"
    );
    let keychain = Keychain::with_service(format!("ProfitWheel-test-{}", std::process::id()));
    let name = CredentialName::llm_vendor("openai").unwrap();
    keychain.remove(&name).unwrap();
    assert!(!keychain.is_configured(&name).unwrap());

    keychain
        .store(&name, &Secret::new("sk-canary-4f1d0c"))
        .unwrap();
    // A fresh handle (as after an app restart) reads it back from the keychain, not memory.
    let again = Keychain::with_service(format!("ProfitWheel-test-{}", std::process::id()));
    assert_eq!(
        again.load(&name).unwrap().unwrap().expose(),
        "sk-canary-4f1d0c"
    );
    assert!(again.is_configured(&name).unwrap());

    again.remove(&name).unwrap();
    assert!(keychain.load(&name).unwrap().is_none());
}
