//! Project chores as code (`cargo run -p xtask -- <task>`):
//!
//! * `bindings`: regenerate `ui/src/ipc/bindings.ts` from the desktop shell's command list.
//!
//! The crate-dependency rules of ARCHITECTURE.md are checked by this crate's tests
//! (`cargo test -p xtask`), so they run with every other test.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn main() -> anyhow::Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "bindings" => {
            // The exporter lives in the shell crate (it needs the command list); run it there.
            let status = Command::new(env!("CARGO"))
                .current_dir(repository_root())
                .args([
                    "run",
                    "-q",
                    "-p",
                    "pw-desktop",
                    "--example",
                    "export-bindings",
                ])
                .status()
                .context("running the bindings exporter")?;
            if !status.success() {
                bail!("the bindings exporter failed");
            }
            Ok(())
        }
        other => bail!("unknown task '{other}'; known: bindings"),
    }
}

#[cfg(test)]
mod dependency_rules;
