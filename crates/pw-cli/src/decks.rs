//! `profitwheel deck template|build|list|get`: client decks from a spec file
//! (docs/deck-spec.md), each build kept as a version with what moved; `deck theme`: the
//! workspace's white-label theme; `deck delivery add|list|remove|run`: decks delivered to a
//! folder on a schedule;
//! `profitwheel export --table`: the tables behind them as XLSX or CSV.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use pw_engine::decks::{
    DeckFormat, DeckSpec, Delivery, Rgb, SectionSpec, TableFormat, ThemeFileRole, ThemeFileSource,
    WorkspaceTheme,
};
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
    /// Show the workspace's white-label theme, or change it (what is not given stays)
    Theme(ThemeArgs),
    /// Decks delivered to a folder on a schedule
    #[command(subcommand)]
    Delivery(DeliveryCommand),
}

#[derive(Args)]
pub(crate) struct ThemeArgs {
    workspace: String,
    /// The client's name on the title slide (empty: the workspace's brand)
    #[arg(long)]
    client_name: Option<String>,
    /// The agency presenting the deck (empty: none)
    #[arg(long)]
    agency_name: Option<String>,
    /// Titles, bars and the first chart series, as #RRGGBB
    #[arg(long)]
    primary: Option<String>,
    /// The second chart series and highlights
    #[arg(long)]
    secondary: Option<String>,
    /// Body text
    #[arg(long)]
    text: Option<String>,
    /// Slide background
    #[arg(long)]
    background: Option<String>,
    /// The font name titles ask for
    #[arg(long)]
    heading_font: Option<String>,
    /// The font name body text asks for
    #[arg(long)]
    body_font: Option<String>,
    /// The client's logo (PNG), copied into the workspace
    #[arg(long, value_name = "FILE")]
    client_logo: Option<PathBuf>,
    /// The agency's logo (PNG), copied into the workspace
    #[arg(long, value_name = "FILE")]
    agency_logo: Option<PathBuf>,
    /// The font file (TrueType or OpenType) a PDF report is set in
    #[arg(long, value_name = "FILE")]
    font_file: Option<PathBuf>,
    /// Its bold face, for titles
    #[arg(long, value_name = "FILE")]
    bold_font_file: Option<PathBuf>,
    /// Stop carrying a file: client_logo, agency_logo, font_regular or font_bold (repeatable)
    #[arg(long, value_name = "ROLE")]
    remove: Vec<String>,
}

#[derive(Subcommand)]
pub(crate) enum DeliveryCommand {
    /// Deliver a deck into a folder on a schedule (replaces the delivery of that name)
    Add {
        workspace: String,
        /// The delivery's name in the workspace
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "FILE")]
        spec: PathBuf,
        /// pptx, pdf or xlsx
        #[arg(long)]
        format: String,
        /// The folder each delivered file is written into
        #[arg(long, value_name = "DIR")]
        folder: PathBuf,
        /// Five cron fields in this computer's time, e.g. "0 7 * * MON" (Mondays at 7:00)
        #[arg(long)]
        cron: String,
        /// The dashboard's period: the this-many days ending the day before each delivery
        #[arg(long, value_name = "DAYS")]
        period_days: Option<u32>,
    },
    /// The workspace's deliveries
    List { workspace: String },
    /// Stop a delivery
    Remove { workspace: String, name: String },
    /// Deliver now, as the schedule would, and wait for it
    Run { workspace: String, name: String },
}

#[derive(Args)]
pub(crate) struct ExportArgs {
    workspace: String,
    /// What to export: dashboard[:FROM:TO], survey:RUN[:QUESTION],
    /// crosstab:RUN:QUESTION:DIMENSION, insights:SESSION, report:REPORT, agent:NAME,
    /// signals:AUDIENCE, survey-report:RUN or fidelity:RUN:SET
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
        DeckCommand::Theme(args) => theme(engine, out, args).await?,
        DeckCommand::Delivery(command) => delivery(engine, out, command).await?,
    }
    Ok(())
}

fn colour(text: Option<&String>, current: Rgb) -> Result<Rgb, EngineError> {
    match text {
        Some(text) => Rgb::parse(text).map_err(|e| EngineError::InvalidInput(e.to_string())),
        None => Ok(current),
    }
}

async fn theme(engine: &Arc<Engine>, out: &Output, args: &ThemeArgs) -> Result<(), EngineError> {
    let id = workspace(engine, &args.workspace).await?;
    let decks = engine.decks();
    let current = decks.theme(id).await?;
    let mut files: Vec<(ThemeFileRole, ThemeFileSource)> = Vec::new();
    for (role, path) in [
        (ThemeFileRole::ClientLogo, &args.client_logo),
        (ThemeFileRole::AgencyLogo, &args.agency_logo),
        (ThemeFileRole::FontRegular, &args.font_file),
        (ThemeFileRole::FontBold, &args.bold_font_file),
    ] {
        if let Some(path) = path {
            files.push((role, ThemeFileSource::Path(path.clone())));
        }
    }
    for name in &args.remove {
        let role = ThemeFileRole::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| {
                EngineError::InvalidInput(format!(
                    "\"{name}\" is not a theme file: client_logo, agency_logo, font_regular or font_bold"
                ))
            })?;
        files.push((role, ThemeFileSource::Remove));
    }
    let old = &current.theme;
    let theme = pw_engine::decks::Theme {
        client_name: args
            .client_name
            .clone()
            .unwrap_or_else(|| old.client_name.clone()),
        agency_name: args
            .agency_name
            .clone()
            .unwrap_or_else(|| old.agency_name.clone()),
        primary: colour(args.primary.as_ref(), old.primary)?,
        secondary: colour(args.secondary.as_ref(), old.secondary)?,
        text: colour(args.text.as_ref(), old.text)?,
        background: colour(args.background.as_ref(), old.background)?,
        heading_font: args
            .heading_font
            .clone()
            .unwrap_or_else(|| old.heading_font.clone()),
        body_font: args
            .body_font
            .clone()
            .unwrap_or_else(|| old.body_font.clone()),
    };
    let shown = if theme == current.theme && files.is_empty() {
        current
    } else {
        decks.set_theme(id, &theme, &files).await?
    };
    print_theme(out, &shown);
    Ok(())
}

fn print_theme(out: &Output, shown: &WorkspaceTheme) {
    if out.json {
        out.value(&json!({
            "theme": shown.theme,
            "files": shown.files,
            "saved": shown.saved,
            "workspace_brand": shown.workspace_brand,
            "warnings": shown.warnings,
        }));
        return;
    }
    let theme = &shown.theme;
    let or = |text: &str, fallback: &str| {
        if text.trim().is_empty() {
            fallback.to_owned()
        } else {
            text.to_owned()
        }
    };
    out.line(&format!(
        "Client:     {}",
        or(
            &theme.client_name,
            &format!("{} (the workspace's brand)", shown.workspace_brand)
        )
    ));
    out.line(&format!("Agency:     {}", or(&theme.agency_name, "none")));
    out.line(&format!(
        "Colours:    primary {}, secondary {}, text {}, background {}",
        String::from(theme.primary),
        String::from(theme.secondary),
        String::from(theme.text),
        String::from(theme.background)
    ));
    out.line(&format!(
        "Fonts:      {} (headings), {} (body)",
        theme.heading_font, theme.body_font
    ));
    for file in &shown.files {
        out.line(&format!(
            "File:       {} {} ({} KiB)",
            file.role.as_str(),
            file.file_name,
            (file.size_bytes.max(0) as u64).div_ceil(1024)
        ));
    }
    if !shown.saved {
        out.line("(the default theme: nothing saved yet)");
    }
    for warning in &shown.warnings {
        out.line(&format!("warning: {warning}"));
    }
}

async fn delivery(
    engine: &Arc<Engine>,
    out: &Output,
    command: &DeliveryCommand,
) -> Result<(), EngineError> {
    match command {
        DeliveryCommand::Add {
            workspace: text,
            name,
            spec,
            format,
            folder,
            cron,
            period_days,
        } => {
            let id = workspace(engine, text).await?;
            let format = deck_format(Some(format), Path::new(""))?;
            // A folder named from here is this shell's, not the app's working folder.
            let folder = std::path::absolute(folder).map_err(|source| EngineError::Io {
                path: folder.clone(),
                source,
            })?;
            let delivery = Delivery {
                name: name.clone(),
                spec: read_spec(spec)?,
                format,
                folder,
                period_days: *period_days,
            };
            let scheduled = engine
                .decks()
                .schedule_delivery(id, &delivery, cron)
                .await?;
            if out.json {
                out.value(&json!({"delivery": scheduled.delivery, "cron": scheduled.cron}));
            } else {
                out.line(&format!(
                    "\"{}\" delivers to {} on \"{}\"",
                    scheduled.delivery.name,
                    scheduled.delivery.folder.display(),
                    scheduled.cron
                ));
            }
        }
        DeliveryCommand::List { workspace: text } => {
            let id = workspace(engine, text).await?;
            let deliveries = engine.decks().deliveries(id).await?;
            if out.json {
                out.value(&json!(
                    deliveries
                        .iter()
                        .map(|d| json!({
                            "delivery": d.delivery,
                            "cron": d.cron,
                            "schedule_error": d.schedule_error,
                            "enabled": d.enabled,
                        }))
                        .collect::<Vec<_>>()
                ));
            } else if deliveries.is_empty() {
                out.line("No deliveries: profitwheel deck delivery add");
            } else {
                for d in &deliveries {
                    let period = d.delivery.period_days.map_or_else(
                        || "the spec's dates".to_owned(),
                        |n| format!("the last {n} days"),
                    );
                    out.line(&format!(
                        "{}  \"{}\"  {}  {} → {}{}",
                        d.delivery.name,
                        d.cron,
                        period,
                        d.delivery.format.extension(),
                        d.delivery.folder.display(),
                        match (&d.schedule_error, d.enabled) {
                            (_, false) => {
                                "  (off: it came with an imported workspace; add it again to turn it on)"
                                    .to_owned()
                            }
                            (Some(e), true) => format!("  (cannot fire: {e})"),
                            (None, true) => String::new(),
                        }
                    ));
                }
            }
        }
        DeliveryCommand::Remove {
            workspace: text,
            name,
        } => {
            let id = workspace(engine, text).await?;
            engine.decks().remove_delivery(id, name).await?;
            out.line(&format!("\"{name}\" is no longer delivered"));
        }
        DeliveryCommand::Run {
            workspace: text,
            name,
        } => {
            let id = workspace(engine, text).await?;
            let job = engine.decks().deliver_now(id, name).await?;
            let done = crate::evidence::run_job(engine, out, job).await?;
            let result = done.result.unwrap_or_default();
            if out.json {
                out.value(&result);
            } else {
                for warning in result["warnings"].as_array().into_iter().flatten() {
                    let _ = writeln!(
                        std::io::stderr(),
                        "warning: {}",
                        warning.as_str().unwrap_or_default()
                    );
                }
                out.line(&format!(
                    "Delivered {} (version {})",
                    result["path"].as_str().unwrap_or_default(),
                    result["version"]
                ));
            }
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
