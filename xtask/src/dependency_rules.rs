#![allow(
    clippy::unwrap_used,
    reason = "a rule test should fail loudly at the line that broke"
)]
//! The crate-dependency rules of ARCHITECTURE.md, checked on every test run. Each rule keeps a
//! boundary honest: the engine never learns about the desktop, adapters never reach sideways.

use std::collections::{BTreeMap, BTreeSet};

/// Which of a manifest's dependencies to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needed {
    /// What it needs to build: `[dependencies]` and `[build-dependencies]`.
    ToBuild,
    /// What its tests, examples and benchmarks add: `[dev-dependencies]`.
    ForTests,
}

/// The packages a manifest depends on, of one kind (`needed`): the plain sections and their
/// per-target forms, one-table-per-dependency sections (`[dependencies.pw-store]`), and renames
/// (`store = { package = "pw-store" }`) by the package they name.
fn manifest_dependencies(manifest: &str, needed: Needed) -> BTreeSet<String> {
    enum Section {
        /// A list of dependencies, one per line.
        List,
        /// One dependency's own table; `package = "…"` in it renames it.
        Table(String),
        Other,
    }
    let is_build_section = |header: &str| {
        let last = header.rsplit('.').next().unwrap_or(header);
        let wanted = |s: &str| match needed {
            Needed::ToBuild => s == "dependencies" || s == "build-dependencies",
            Needed::ForTests => s == "dev-dependencies",
        };
        wanted(header) || (header.starts_with("target.") && wanted(last))
    };
    let package_of = |text: &str| {
        text.split_once("package")
            .and_then(|(_, rest)| rest.split('"').nth(1))
            .map(str::to_owned)
    };
    let mut section = Section::Other;
    let mut names = BTreeSet::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = match header.rsplit_once('.') {
                _ if is_build_section(header) => Section::List,
                Some((parent, name)) if is_build_section(parent) => {
                    let name = name.trim_matches(['"', '\'']).to_owned();
                    names.insert(name.clone());
                    Section::Table(name)
                }
                _ => Section::Other,
            };
            continue;
        }
        match &section {
            Section::List => {
                if let Some((name, rest)) = line.split_once(['=', '.']) {
                    let name = name.trim().trim_matches('"').to_owned();
                    names.insert(package_of(rest).unwrap_or(name));
                }
            }
            Section::Table(name) => {
                if line.starts_with("package")
                    && let Some(package) = package_of(line)
                {
                    names.remove(name);
                    names.insert(package);
                }
            }
            Section::Other => {}
        }
    }
    names
}

#[test]
fn the_manifest_reader_sees_every_way_to_name_a_dependency() {
    let manifest = r#"
[package]
name = "pw-example"

[dependencies]
pw-domain.workspace = true
store = { package = "pw-store", path = "../pw-store" }

[target.'cfg(unix)'.dependencies]
pw-secrets = { path = "../pw-secrets" }

[dependencies.pw-jobs]
path = "../pw-jobs"

[target.'cfg(windows)'.dependencies.llm]
package = "pw-llm"
path = "../pw-llm"

[build-dependencies]
pw-demo = { path = "../pw-demo" }

[dev-dependencies]
pw-engine = { path = "../pw-engine" }
ctx = { package = "pw-workspaces", path = "../pw-workspaces" }

[target.'cfg(unix)'.dev-dependencies]
pw-models.workspace = true

[dev-dependencies.pw-evidence]
path = "../pw-evidence"

[target.'cfg(windows)'.dev-dependencies.cli]
package = "pw-cli"
path = "../pw-cli"
"#;
    let names: Vec<String> = manifest_dependencies(manifest, Needed::ToBuild)
        .into_iter()
        .collect();
    assert_eq!(
        names,
        [
            "pw-demo",
            "pw-domain",
            "pw-jobs",
            "pw-llm",
            "pw-secrets",
            "pw-store"
        ]
    );
    let for_tests: Vec<String> = manifest_dependencies(manifest, Needed::ForTests)
        .into_iter()
        .collect();
    assert_eq!(
        for_tests,
        [
            "pw-cli",
            "pw-engine",
            "pw-evidence",
            "pw-models",
            "pw-workspaces"
        ]
    );
}

/// What a crate's manifest depends on, to build and for its tests.
struct Manifest {
    build: BTreeSet<String>,
    tests: BTreeSet<String>,
}

impl Manifest {
    fn read(text: &str) -> Self {
        Manifest {
            build: manifest_dependencies(text, Needed::ToBuild),
            tests: manifest_dependencies(text, Needed::ForTests),
        }
    }
}

fn workspace_crates() -> BTreeMap<String, Manifest> {
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
        crates.insert(name, Manifest::read(&manifest));
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
    for (name, manifest) in workspace_crates()
        .iter()
        .filter(|(n, _)| *n != "pw-desktop")
    {
        let tauri: Vec<_> = manifest
            .build
            .iter()
            .filter(|d| d.starts_with("tauri"))
            .collect();
        assert!(
            tauri.is_empty(),
            "{name} depends on {tauri:?}; only src-tauri may"
        );
    }
}

/// Each crate and the internal crates it may depend on (see ARCHITECTURE.md).
fn layering() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        ("pw-domain", &[][..]),
        ("pw-store", &["pw-domain"][..]),
        ("pw-jobs", &["pw-domain", "pw-store"][..]),
        ("pw-demo", &["pw-domain", "pw-store", "pw-workspaces"][..]),
        ("pw-http", &[][..]),
        ("pw-llm", &["pw-http"][..]),
        ("pw-local-llm", &["pw-llm"][..]),
        ("pw-secrets", &[][..]),
        ("pw-telemetry", &[][..]),
        // The search index: derived data it is handed, never SQLite or a context's tables.
        ("pw-search", &[][..]),
        // IO-free statistics the research contexts share: numbers in, numbers out.
        ("pw-statistics", &[][..]),
        // Documents for clients (the PDF writer): blocks in, bytes out.
        ("pw-documents", &[][..]),
        // Client decks: IO-free writers (a deck in, bytes out) and the repository of the decks
        // a workspace built, over pw-store's `Database`.
        ("pw-decks", &["pw-domain", "pw-store"][..]),
        // The ad platforms' local fake: plain HTTP and deterministic data, no internal crate.
        ("pw-sandbox", &[][..]),
        // A context crate: its own tables' repositories over pw-store's `Database`, its use
        // cases and its job handlers. It never knows the engine or another context.
        (
            "pw-models",
            &[
                "pw-domain",
                "pw-store",
                "pw-jobs",
                "pw-llm",
                "pw-local-llm",
                "pw-secrets",
            ][..],
        ),
        // The connectors context: connections, per-platform connectors and syncs. It writes the
        // ad data through pw-workspaces' AdDataWriter, as pw-demo does.
        (
            "pw-connectors",
            &[
                "pw-domain",
                "pw-store",
                "pw-jobs",
                "pw-http",
                "pw-secrets",
                "pw-workspaces",
                // Its tests sync from the local fake of the platforms.
                "pw-sandbox",
            ][..],
        ),
        // The workspaces and ad data context: the workspace and ad-data tables, the dashboard
        // read model, workspace exports. pw-demo writes through it, so it never reaches pw-demo.
        ("pw-workspaces", &["pw-domain", "pw-store", "pw-jobs"][..]),
        // The evidence context: derived signals, the search index's outbox and rebuilds,
        // grounding reports. It reads the ad data it derives from with SQL of its own.
        (
            "pw-evidence",
            &[
                "pw-domain",
                "pw-store",
                "pw-jobs",
                "pw-llm",
                "pw-search",
                "pw-statistics",
            ][..],
        ),
        // The twins and studies context: twins grounded in an audience's evidence (read with
        // SQL of its own; the search index is told of its texts through a trait the engine
        // implements), their memory, focus groups and interviews.
        (
            "pw-twins",
            &[
                "pw-domain",
                "pw-store",
                "pw-jobs",
                "pw-llm",
                "pw-statistics",
                "pw-documents",
            ][..],
        ),
        // The surveys context: designs with logic, synthetic respondents, weighting, crosstabs,
        // diagnostics and the fidelity harness. It reads twins and memories with SQL of its own.
        (
            "pw-surveys",
            &[
                "pw-domain",
                "pw-store",
                "pw-jobs",
                "pw-llm",
                "pw-statistics",
                "pw-documents",
            ][..],
        ),
        // The analyst agents context: the agent runtime over the gateway (and the shared reading
        // of figures, to hold answers to their citations), the runs it keeps, the evaluation and
        // the specialists' analyses (their statistics in pw-statistics). Its tools read the
        // other contexts through what their callers build them with, never their crates; the
        // evaluation and the budget plan read campaign rows with SQL of their own.
        (
            "pw-agents",
            &["pw-domain", "pw-store", "pw-llm", "pw-statistics"][..],
        ),
        (
            "pw-engine",
            &[
                "pw-domain",
                "pw-store",
                "pw-jobs",
                "pw-demo",
                "pw-llm",
                "pw-models",
                "pw-secrets",
                "pw-workspaces",
                "pw-evidence",
                "pw-search",
                "pw-twins",
                "pw-surveys",
                "pw-connectors",
                "pw-agents",
                "pw-decks",
                // The demo can be synced from the local fake of the platforms.
                "pw-sandbox",
            ][..],
        ),
        ("pw-ipc", &["pw-domain", "pw-engine"][..]),
        (
            "pw-cli",
            &[
                "pw-domain",
                "pw-engine",
                "pw-jobs",
                "pw-telemetry",
                "pw-sandbox",
            ][..],
        ),
        ("pw-desktop", &["pw-engine", "pw-ipc", "pw-telemetry"][..]),
    ])
}

/// Where `crates` break the layering: a crate missing from the table, or an internal
/// dependency the table does not allow it, to build or in its tests. A crate's tests are held
/// to its own layer: a test of pw-store that needs a context crate inverts the layering as much
/// as pw-store itself would (it seeds the rows it needs with SQL of its own instead).
fn layering_violations(crates: &BTreeMap<String, Manifest>) -> Vec<String> {
    let allowed = layering();
    let mut violations = Vec::new();
    for (name, manifest) in crates {
        let Some(permitted) = allowed.get(name.as_str()) else {
            violations.push(format!(
                "{name} is not in the layering table: add it here and to ARCHITECTURE.md"
            ));
            continue;
        };
        for dep in internal(&manifest.build) {
            if !permitted.contains(&dep) {
                violations.push(format!("{name} must not depend on {dep}"));
            }
        }
        for dep in internal(&manifest.tests) {
            if !permitted.contains(&dep) {
                violations.push(format!(
                    "{name}'s tests must not depend on {dep} (seed what they need with SQL of their own, or move the test to {dep})"
                ));
            }
        }
    }
    violations
}

#[test]
fn internal_dependencies_follow_the_layering() {
    let violations = layering_violations(&workspace_crates());
    assert!(violations.is_empty(), "{violations:#?}");
}

#[test]
fn the_layering_rule_holds_dev_dependencies_to_the_crate_s_layer() {
    let store = r#"
[package]
name = "pw-store"

[dependencies]
pw-domain.workspace = true

[dev-dependencies]
# Tests put workspaces and ad data in a database; the rows are that context's.
pw-workspaces.workspace = true
tempfile.workspace = true
"#;
    let jobs = r#"
[package]
name = "pw-jobs"

[dependencies]
pw-domain.workspace = true
pw-store.workspace = true

[target.'cfg(unix)'.dev-dependencies]
pw-store.workspace = true
"#;
    let crates = BTreeMap::from([
        ("pw-store".to_owned(), Manifest::read(store)),
        ("pw-jobs".to_owned(), Manifest::read(jobs)),
        (
            "pw-newcomer".to_owned(),
            Manifest::read("[package]\nname = \"pw-newcomer\""),
        ),
    ]);
    assert_eq!(
        layering_violations(&crates),
        [
            "pw-newcomer is not in the layering table: add it here and to ARCHITECTURE.md",
            "pw-store's tests must not depend on pw-workspaces (seed what they need with SQL of their own, or move the test to pw-workspaces)",
        ]
    );
}

#[test]
fn only_the_ipc_crate_and_the_shell_know_specta() {
    for (name, manifest) in workspace_crates() {
        if name != "pw-ipc" && name != "pw-desktop" {
            assert!(
                !manifest.build.contains("specta"),
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

/// The return type of every command function in a source text: a function marked
/// `#[tauri::command]` or, after `use tauri::command`, `#[command]`.
fn command_return_types(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = source;
    loop {
        let next = ["#[tauri::command", "#[command"]
            .iter()
            .filter_map(|marker| rest.find(marker))
            .min();
        let Some(at) = next else { break };
        rest = &rest[at..];
        let Some(fn_at) = rest.find("fn ") else { break };
        let Some(signature) = signature_after(&rest[fn_at..]) else {
            break;
        };
        // The return type sits after the parameter list's closing parenthesis, so an
        // `impl Fn() -> T` parameter is not mistaken for it.
        if let Some(returns) = signature.returns {
            found.push(returns.split_whitespace().collect::<String>());
        }
        rest = &rest[fn_at + signature.length..];
    }
    found
}

struct Signature<'a> {
    returns: Option<&'a str>,
    length: usize,
}

/// Reads `fn name(params) -> Type {` and returns `Type`, matching parentheses in the params.
fn signature_after(text: &str) -> Option<Signature<'_>> {
    let open = text.find('(')?;
    let mut depth = 0usize;
    let mut close = None;
    for (index, ch) in text[open..].char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + index);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    let body = close + text[close..].find(['{', ';'])?;
    let between = &text[close + 1..body];
    let returns = between
        .split_once("->")
        .map(|(_, ty)| ty.split(" where ").next().unwrap_or(ty).trim());
    Some(Signature {
        returns,
        length: body,
    })
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
    let source = "#[tauri::command]\n#[specta::specta]\npub async fn f(\n    a: u32,\n) -> Result<(), String> {\n}\n#[tauri::command]\nfn g() -> Result<Vec<u8>, IpcError> {}\nuse tauri::command;\n#[command]\nfn h(f: impl Fn() -> u8) -> Result<u8, String> {}";
    assert_eq!(
        command_return_types(source),
        [
            "Result<(),String>",
            "Result<Vec<u8>,IpcError>",
            "Result<u8,String>"
        ]
    );
}

/// Money crosses IPC as text (`Micros`), never as a JavaScript number, which is exact only to
/// 2^53 micros. Any field whose name says micros, anywhere on a line (inside a union such as
/// `{ kind: "money"; micros: Micros }` too), must not be typed `number` in the bindings.
fn money_typed_as_number(bindings: &str) -> Vec<String> {
    let mut offenders = Vec::new();
    for line in bindings.lines() {
        for (index, _) in line.match_indices(':') {
            let name: String = line[..index]
                .chars()
                .rev()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let ty = line[index + 1..]
                .split([',', ';', '}'])
                .next()
                .unwrap_or_default();
            if name.to_ascii_lowercase().contains("micros") && ty.contains("number") {
                offenders.push(format!("{name}: {}", ty.trim()));
            }
        }
    }
    offenders
}

#[test]
fn no_money_crosses_ipc_as_a_number() {
    let bindings =
        std::fs::read_to_string(super::repository_root().join("ui/src/ipc/bindings.ts")).unwrap();
    let offenders = money_typed_as_number(&bindings);
    assert!(offenders.is_empty(), "money typed as number: {offenders:?}");
    assert!(bindings.contains("export type Micros = string"));
}

#[test]
fn the_money_scan_finds_micros_inside_unions_and_after_other_fields() {
    let bindings = "export type A = { kind: \"money\"; micros: number } | { kind: \"n\"; value: number };\n\tspendMicros: number | null,\n\tcostMicros: Micros,";
    assert_eq!(
        money_typed_as_number(bindings),
        ["micros: number", "spendMicros: number | null"]
    );
}
