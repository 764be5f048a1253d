//! `profitwheel deck template|build`: client decks from a spec file (docs/deck-spec.md);
//! `profitwheel export --table`: the tables behind them as XLSX or CSV.

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
    /// Build a deck from a spec file: PowerPoint with native charts, or the workbook of every
    /// table behind it
    Build {
        workspace: String,
        #[arg(long, value_name = "FILE")]
        spec: PathBuf,
        /// pptx or xlsx
        #[arg(long, default_value = "pptx")]
        format: String,
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
            let format = match format.as_str() {
                "pptx" => DeckFormat::Pptx,
                "xlsx" => DeckFormat::Xlsx,
                other => {
                    return Err(EngineError::InvalidInput(format!(
                        "\"{other}\" is not a deck format: pptx or xlsx"
                    )));
                }
            };
            let spec = read_spec(spec)?;
            let built = engine.decks().build(id, &spec, format).await?;
            pw_engine::write_whole(file, &built.bytes)?;
            if out.json {
                out.value(&json!({
                    "path": file.display().to_string(),
                    "bytes": built.bytes.len(),
                    "slides": built.deck.slides.iter().map(|s| json!({
                        "title": s.title,
                        "sources": s.sources,
                    })).collect::<Vec<_>>(),
                    "tables": built.tables.iter().map(|t| &t.name).collect::<Vec<_>>(),
                }));
            } else {
                out.line(&format!(
                    "Wrote {} ({} slides, {} tables)",
                    file.display(),
                    built.deck.slides.len(),
                    built.tables.len()
                ));
            }
        }
    }
    Ok(())
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
