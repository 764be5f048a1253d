#![allow(
    clippy::unwrap_used,
    reason = "a rule test should fail loudly at the line that broke"
)]
//! The crate-dependency rules of ARCHITECTURE.md, checked on every test run. Each rule keeps a
//! boundary honest: the engine never learns about the desktop, adapters never reach sideways.

use std::collections::{BTreeMap, BTreeSet};

fn manifest_dependencies(manifest: &str) -> BTreeSet<String> {
    // Only [dependencies]: dev-dependencies may reach further for tests.
    let mut in_dependencies = false;
    let mut names = BTreeSet::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
            continue;
        }
        if in_dependencies && let Some((name, _)) = line.split_once(['=', '.']) {
            let name = name.trim();
            if !name.is_empty() && !name.starts_with('#') {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

fn workspace_crates() -> BTreeMap<String, BTreeSet<String>> {
    let root = super::repository_root();
    let mut crates = BTreeMap::new();
    let mut folders: Vec<_> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    folders.push(root.join("src-tauri"));
    for folder in folders {
        let manifest = std::fs::read_to_string(folder.join("Cargo.toml")).unwrap();
        let name = manifest
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("name = \"")
                    .and_then(|r| r.strip_suffix('"'))
            })
            .unwrap()
            .to_owned();
        crates.insert(name, manifest_dependencies(&manifest));
    }
    crates
}

fn internal(deps: &BTreeSet<String>) -> BTreeSet<&str> {
    deps.iter()
        .filter(|d| d.starts_with("pw-"))
        .map(String::as_str)
        .collect()
}

#[test]
fn no_engine_crate_depends_on_tauri() {
    for (name, deps) in workspace_crates()
        .iter()
        .filter(|(n, _)| *n != "pw-desktop")
    {
        let tauri: Vec<_> = deps.iter().filter(|d| d.starts_with("tauri")).collect();
        assert!(
            tauri.is_empty(),
            "{name} depends on {tauri:?}; only src-tauri may"
        );
    }
}

#[test]
fn internal_dependencies_follow_the_layering() {
    // Each crate and the internal crates it may depend on (see ARCHITECTURE.md).
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("pw-domain", &[][..]),
        ("pw-store", &["pw-domain"][..]),
        ("pw-jobs", &["pw-domain", "pw-store"][..]),
        ("pw-demo", &["pw-domain", "pw-store"][..]),
        ("pw-llm", &[][..]),
        ("pw-local-llm", &["pw-llm"][..]),
        ("pw-secrets", &[][..]),
        ("pw-telemetry", &[][..]),
        (
            "pw-engine",
            &[
                "pw-domain",
                "pw-store",
                "pw-jobs",
                "pw-demo",
                "pw-llm",
                "pw-local-llm",
                "pw-secrets",
            ][..],
        ),
        ("pw-ipc", &["pw-domain", "pw-engine"][..]),
        (
            "pw-cli",
            &["pw-domain", "pw-engine", "pw-jobs", "pw-telemetry"][..],
        ),
        ("pw-desktop", &["pw-engine", "pw-ipc", "pw-telemetry"][..]),
    ]);
    let crates = workspace_crates();
    for (name, deps) in &crates {
        let Some(permitted) = allowed.get(name.as_str()) else {
            panic!("{name} is not in the layering table: add it here and to ARCHITECTURE.md");
        };
        for dep in internal(deps) {
            assert!(permitted.contains(&dep), "{name} must not depend on {dep}");
        }
    }
}

#[test]
fn only_the_ipc_crate_and_the_shell_know_specta() {
    for (name, deps) in workspace_crates() {
        if name != "pw-ipc" && name != "pw-desktop" {
            assert!(
                !deps.contains("specta"),
                "{name} derives wire types; only pw-ipc may"
            );
        }
    }
}

/// Every Rust file under a folder, so a rule cannot be escaped by moving code to a new module.
fn rust_files(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The return type of every `#[tauri::command]` function in a source text.
fn command_return_types(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("#[tauri::command") {
        rest = &rest[at..];
        let Some(fn_at) = rest.find("fn ") else { break };
        let signature_end = rest[fn_at..].find('{').map_or(rest.len(), |e| fn_at + e);
        let signature = &rest[fn_at..signature_end];
        if let Some(arrow) = signature.find("->") {
            found.push(
                signature[arrow + 2..]
                    .split_whitespace()
                    .collect::<String>(),
            );
        }
        rest = &rest[signature_end..];
    }
    found
}

#[test]
fn no_string_errors_cross_ipc() {
    let shell = super::repository_root().join("src-tauri/src");
    let mut commands = 0;
    for file in rust_files(&shell) {
        let source = std::fs::read_to_string(&file).unwrap();
        for returns in command_return_types(&source) {
            commands += 1;
            assert!(
                returns.starts_with("Result<") && returns.ends_with(",IpcError>"),
                "{}: a command returns {returns}; return Result<_, IpcError>",
                file.display()
            );
        }
    }
    assert!(
        commands > 10,
        "found only {commands} commands: is the scan still reading the shell?"
    );
}

#[test]
fn the_command_scan_sees_string_errors_anywhere_in_a_signature() {
    let source = "#[tauri::command]\n#[specta::specta]\npub async fn f(\n    a: u32,\n) -> Result<(), String> {\n}\n#[tauri::command]\nfn g() -> Result<Vec<u8>, IpcError> {}";
    assert_eq!(
        command_return_types(source),
        ["Result<(),String>", "Result<Vec<u8>,IpcError>"]
    );
}

/// Money crosses IPC as text (`Micros`), never as a JavaScript number, which is exact only to
/// 2^53 micros. A field whose name says micros must not be typed `number` in the bindings.
#[test]
fn no_money_crosses_ipc_as_a_number() {
    let bindings =
        std::fs::read_to_string(super::repository_root().join("ui/src/ipc/bindings.ts")).unwrap();
    let offenders: Vec<&str> = bindings
        .lines()
        .map(str::trim)
        .filter(|line| {
            line.split_once(':').is_some_and(|(name, ty)| {
                name.to_ascii_lowercase().contains("micros") && ty.contains("number")
            })
        })
        .collect();
    assert!(offenders.is_empty(), "money typed as number: {offenders:?}");
    assert!(bindings.contains("export type Micros = string"));
}
