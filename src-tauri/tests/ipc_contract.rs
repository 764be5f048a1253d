//! The IPC contract is generated, never written twice: the committed TypeScript bindings must be
//! what the builder exports now, and the capability file and build.rs must name exactly the
//! commands the bindings invoke. (An integration test, so the app's library is not compiled a
//! second time as a unit-test harness.)

#![allow(
    clippy::unwrap_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::path::PathBuf;

fn committed_bindings() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/ipc/bindings.ts")
}

/// Fails when a command or DTO changed without regenerating the UI's bindings.
/// Regenerate with `cargo run -p xtask -- bindings`.
#[test]
fn committed_bindings_are_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    pw_desktop::ipc::export_bindings(&fresh).unwrap();
    let fresh = std::fs::read_to_string(fresh).unwrap();
    let committed = std::fs::read_to_string(committed_bindings()).unwrap_or_default();
    assert!(
        fresh == committed,
        "ui/src/ipc/bindings.ts is stale: run `cargo run -p xtask -- bindings` and commit the result"
    );
}

/// The capability file and build.rs must name exactly the commands the builder registers,
/// or a command would be either unreachable or granted without being used.
#[test]
fn every_command_is_permitted_and_every_permission_is_a_command() {
    let capability: serde_json::Value =
        serde_json::from_str(include_str!("../capabilities/main-window.json")).unwrap();
    let mut permitted: Vec<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    permitted.sort();
    let build_rs = include_str!("../build.rs");
    let bindings = std::fs::read_to_string(committed_bindings()).unwrap();
    let mut invoked: Vec<String> = bindings
        .split("__TAURI_INVOKE(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect();
    invoked.sort();
    assert_eq!(permitted, invoked);
    for command in &invoked {
        assert!(
            build_rs.contains(&format!("\"{command}\"")),
            "{command} missing from build.rs"
        );
    }
}
