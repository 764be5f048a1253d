//! `profitwheel deck template|build|list|get`: client decks from a spec file
//! (docs/deck-spec.md), each build kept as a version with what moved;
//! `profitwheel export --table`: the tables behind them as XLSX or CSV.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use pw_engine::decks::{DeckFormat, DeckSpec, SectionSpec, TableFormat};
use pw_engine::{Engine, EngineError};
use serde_json::json;

use crate::evidence::workspace;
use crate::output::Output;

#[derive(Subcommand)]
pub(crate) enum DeckCommand {
    /// Print the spec of the deck an agency would start from: the dashboard, then every survey
    /// run, session insights, grounding report and agent report the workspace has (edit it,
    /// then build it)
    Template { workspace: String },
    /// Build a deck from a spec file (PowerPoint with native charts, or the workbook of every
    /// table behind it), keep it as the deck's next version and say what moved since the last
    Build {
        workspace: String,
        #[arg(long, value_name = "FILE")]
        spec: PathBuf,
        /// pptx, pdf or xlsx (default: the --out file's extension)
        #[arg(long)]
        format: Option<String>,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// The decks the workspace has built, newest first, with their versions
    List { workspace: String },
    /// Write a kept deck file out again
    Get {
        workspace: String,
        id: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Args)]
pub(crate) struct ExportArgs {
    workspace: String,
    /// What to export: dashboard[:FROM:TO], survey:RUN[:QUESTION],
    /// crosstab:RUN:QUESTION:DIMENSION, insights:SESSION, report:REPORT or agent:NAME
    #[arg(long, value_name = "T")]
    table: String,
    /// Only the table of this name, when there are several (a CSV holds one)
    #[arg(long)]
    name: Option<String>,
    /// xlsx or csv
    #[arg(long, default_value = "xlsx")]
    format: String,
    /// Write here; a CSV goes to standard output without it
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub(crate) async fn run(
    engine: &Arc<Engine>,
    out: &Output,
    command: &DeckCommand,
) -> Result<(), EngineError> {
    match command {
        DeckCommand::Template { workspace: text } => {
            let id = workspace(engine, text).await?;
            let spec = engine.decks().default_spec(id).await?;
            let text = serde_json::to_string_pretty(&spec)
                .map_err(|e| EngineError::InvalidInput(e.to_string()))?;
            out.line(&text);
        }
        DeckCommand::Build {
            workspace: text,
            spec,
            format,
            out: file,
        } => {
            let id = workspace(engine, text).await?;
            let format = deck_format(format.as_deref(), file)?;
            let spec = read_spec(spec)?;
            let kept = engine
                .decks()
                .build_write_and_keep(id, &spec, format, file)
                .await?;
            let built = &kept.built;
            for warning in &built.warnings {
                let _ = writeln!(std::io::stderr(), "warning: {warning}");
            }
            if out.json {
                out.value(&json!({
                    "path": file.display().to_string(),
                    "file": kept.file,
                    "bytes": built.bytes.len(),
                    "slides": built.deck.slides.iter().map(|s| json!({
                        "title": s.title,
                        "sources": s.sources,
                    })).collect::<Vec<_>>(),
                    "tables": built.tables.iter().map(|t| &t.name).collect::<Vec<_>>(),
                }));
            } else {
                out.line(&format!(
                    "Wrote {} ({} slides, {} tables), kept as version {} of \"{}\"",
                    file.display(),
                    built.deck.slides.len(),
                    built.tables.len(),
                    kept.file.version,
                    kept.file.name
                ));
                print_changes(out, kept.file.changes.as_ref());
            }
        }
        DeckCommand::List { workspace: text } => {
            let id = workspace(engine, text).await?;
            let files = engine.decks().files(id).await?;
            if out.json {
                out.value(&json!(files));
            } else if files.is_empty() {
                out.line("No decks built yet: profitwheel deck template, then deck build");
            } else {
                for file in &files {
                    let moved = match &file.changes {
                        Some(changes) => format!("{} figures moved", changes.moved.len()),
                        None => "first version".into(),
                    };
                    out.line(&format!(
                        "{}  {}  {}  {} KiB  {moved}  {}",
                        file.created_at.format("%Y-%m-%d %H:%M"),
                        file.file_name(),
                        file.id,
                        (file.size_bytes.max(0) as u64).div_ceil(1024),
                        file.sha256.get(..12).unwrap_or_default()
                    ));
                }
            }
        }
        DeckCommand::Get {
            workspace: text,
            id: file_id,
            out: file,
        } => {
            let id = workspace(engine, text).await?;
            let (kept, bytes) = engine.decks().file(id, file_id).await?;
            pw_engine::write_whole(file, &bytes)?;
            out.line(&format!("Wrote {} ({})", file.display(), kept.file_name()));
        }
    }
    Ok(())
}

/// What moved since the deck's last version, a line per figure (the first 20).
fn print_changes(out: &Output, changes: Option<&pw_engine::decks::Changes>) {
    let Some(changes) = changes else { return };
    if changes.moved.is_empty() && changes.added == 0 && changes.removed == 0 {
        out.line("Nothing moved since the last version.");
        return;
    }
    out.line(&format!(
        "Since the last version: {} figures moved, {} new, {} gone, {} unchanged.",
        changes.moved.len(),
        changes.added,
        changes.removed,
        changes.unchanged
    ));
    for moved in changes.moved.iter().take(20) {
        out.line(&format!(
            "  {}: {} → {}",
            moved.label, moved.before, moved.after
        ));
    }
    if changes.moved.len() > 20 {
        out.line(&format!("  … and {} more", changes.moved.len() - 20));
    }
}

fn read_spec(path: &Path) -> Result<DeckSpec, EngineError> {
    let text = std::fs::read_to_string(path).map_err(|source| EngineError::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| {
        EngineError::InvalidInput(format!(
            "{} is not a deck spec: {e} (see docs/deck-spec.md)",
            path.display()
        ))
    })
}

pub(crate) async fn export(
    engine: &Arc<Engine>,
    out: &Output,
    args: &ExportArgs,
) -> Result<(), EngineError> {
    let id = workspace(engine, &args.workspace).await?;
    let section: SectionSpec = args.table.parse().map_err(EngineError::InvalidInput)?;
    let format = match args.format.as_str() {
        "xlsx" => TableFormat::Xlsx,
        "csv" => TableFormat::Csv,
        other => {
            return Err(EngineError::InvalidInput(format!(
                "\"{other}\" is not a table format: xlsx or csv"
            )));
        }
    };
    let bytes = engine
        .decks()
        .export_tables(id, &section, args.name.as_deref(), format)
        .await?;
    match (&args.out, format) {
        (Some(path), _) => {
            pw_engine::write_whole(path, &bytes)?;
            out.line(&format!("Wrote {}", path.display()));
        }
        (None, TableFormat::Csv) => out.line(String::from_utf8_lossy(&bytes).trim_end()),
        (None, TableFormat::Xlsx) => {
            return Err(EngineError::InvalidInput(
                "a workbook is not text: give --out FILE.xlsx".into(),
            ));
        }
    }
    Ok(())
}

/// The format `--format` names, else the one `--out`'s extension names; a name and an
/// extension that disagree are refused (a PDF written to `deck.pptx` opens as a broken deck).
fn deck_format(named: Option<&str>, out: &std::path::Path) -> Result<DeckFormat, EngineError> {
    let parse = |text: &str| match text.to_ascii_lowercase().as_str() {
        "pptx" => Some(DeckFormat::Pptx),
        "xlsx" => Some(DeckFormat::Xlsx),
        "pdf" => Some(DeckFormat::Pdf),
        _ => None,
    };
    let named = named
        .map(|name| {
            parse(name).ok_or_else(|| {
                EngineError::InvalidInput(format!(
                    "\"{name}\" is not a deck format: pptx, pdf or xlsx"
                ))
            })
        })
        .transpose()?;
    let by_extension = out.extension().and_then(|e| e.to_str()).and_then(parse);
    match (named, by_extension) {
        (Some(named), Some(by_extension)) if named != by_extension => {
            Err(EngineError::InvalidInput(format!(
                "--format {} does not match {}: name the file .{} or leave out --format",
                named.extension(),
                out.display(),
                named.extension()
            )))
        }
        (Some(format), _) | (None, Some(format)) => Ok(format),
        (None, None) => Err(EngineError::InvalidInput(format!(
            "{} has no deck extension: name it .pptx, .pdf or .xlsx, or give --format",
            out.display()
        ))),
    }
}
