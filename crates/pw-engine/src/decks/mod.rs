//! The client decks context: a deck spec names stored results (the dashboard for a period,
//! survey runs and crosstabs, sessions' insights, grounding reports, specialist agents'
//! reports); this facade gathers them through the other contexts into an agency's structure
//! (title, executive summary, objectives and method with the run manifest and caveats,
//! findings, verbatims, recommendations, appendix) and hands the deck to `pw-decks`' writers.
//! Every slide lists the records it came from; they become its speaker notes.

mod delivery;
mod gather;
mod spec;
mod theme;

use std::sync::Arc;

pub(crate) use delivery::job_kinds as delivery_job_kinds;
pub use delivery::{
    DELIVERY_JOB_KIND, Delivery, DeliveryNotice, ScheduledDelivery, delivery_notice, period_before,
};
pub use pw_decks::tables::Column;
pub use pw_decks::{
    Brand, Changes, ChartKind, ChartSpec, Deck, DeckFile, Figure, Kpi, Moved, NumberFormat,
    PackageReport, Quote, Series, Slide, SlideBody, Source, Table, Value, check_pptx, figures,
};
pub use pw_decks::{Rgb, StoredTheme, Theme, ThemeFile, ThemeFileRole, contrast};
pub use pw_domain::WorkspaceId;
pub use spec::{DeckSpec, SectionSpec, SlideEdit};
pub use theme::{ThemeFileSource, WorkspaceTheme};

use crate::Engine;
use crate::error::{EngineError, Result};
use gather::Gathered;

/// The files a deck becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeckFormat {
    /// PowerPoint, with native charts and their data.
    Pptx,
    /// Every table behind the deck, a sheet each.
    Xlsx,
    /// A report with the deck's pages: fonts embedded, vector charts, contents and sources.
    Pdf,
}

/// How one table is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Xlsx,
    Csv,
}

/// A deck gathered from the workspace, before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct GatheredDeck {
    pub deck: Deck,
    /// Every table behind the deck, whole (a slide may show the first rows only).
    pub tables: Vec<Table>,
    /// The user's edits that found no slide (the result changed shape since they were made).
    pub warnings: Vec<String>,
}

impl DeckFormat {
    /// The file's extension and the name it is kept under.
    pub fn extension(self) -> &'static str {
        match self {
            DeckFormat::Pptx => "pptx",
            DeckFormat::Xlsx => "xlsx",
            DeckFormat::Pdf => "pdf",
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            DeckFormat::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            DeckFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            DeckFormat::Pdf => "application/pdf",
        }
    }
}

/// A built deck kept as the next version of its deck, with what moved since the last.
#[derive(Debug, Clone)]
pub struct KeptDeck {
    pub built: BuiltDeck,
    pub file: DeckFile,
}

/// A written deck: the file's bytes and what went into it.
#[derive(Debug, Clone)]
pub struct BuiltDeck {
    pub bytes: Vec<u8>,
    pub deck: Deck,
    pub tables: Vec<Table>,
    /// What was done instead of what was asked (a font that could not be read and the one
    /// used in its place), for the person who built the deck.
    pub warnings: Vec<String>,
}

pub struct DecksFacade<'a> {
    pub(crate) engine: &'a Arc<Engine>,
}

impl DecksFacade<'_> {
    /// Reads every section's records and lays the deck out. A section whose record is gone (a
    /// deleted study, a session without insights) fails the whole deck, saying which section
    /// and why: a deck with a silently missing part would mislead.
    pub async fn gather(&self, workspace: WorkspaceId, spec: &DeckSpec) -> Result<GatheredDeck> {
        self.engine.workspaces().overview(workspace).await?;
        if spec.title.trim().is_empty() {
            return Err(EngineError::InvalidInput("the deck needs a title".into()));
        }
        if spec.sections.is_empty() {
            return Err(EngineError::InvalidInput(
                "the deck names no section: add the dashboard, a survey run, a session's insights, a report or an agent's report".into(),
            ));
        }
        spec.check().map_err(EngineError::InvalidInput)?;
        let mut gathered = Gathered::default();
        let mut seen: Vec<String> = Vec::new();
        for (index, section) in spec.sections.iter().enumerate() {
            let mut part = gather::section(self.engine, workspace, section)
                .await
                .map_err(|source| EngineError::DeckSection {
                    section: index + 1,
                    what: section.describe(),
                    source: Box::new(source),
                })?;
            // The same result twice in one deck: the second's keys are told apart.
            let mut key = section.key();
            let repeats = seen.iter().filter(|k| **k == key).count();
            seen.push(key.clone());
            if repeats > 0 {
                key = format!("{key}~{}", repeats + 1);
            }
            assign_keys(
                &key,
                part.findings
                    .iter_mut()
                    .chain(&mut part.verbatims)
                    .chain(&mut part.recommendations),
            );
            gathered.extend(part);
        }
        let mut warnings = Vec::new();
        edit(spec, &mut gathered, &mut warnings);
        Ok(GatheredDeck {
            deck: lay_out(spec, &gathered),
            tables: gathered
                .tables
                .into_iter()
                .map(|(table, _)| table)
                .collect(),
            warnings,
        })
    }

    /// The deck an agency would start from: the dashboard's last 30 days, the signals of the
    /// (at most three) most signalled audiences, then every survey run with answers (with its
    /// fidelity against the survey's first file of people's answers and its analysis report
    /// when it has them), every session with insights, every grounding report that is the
    /// latest of its kind, and each specialist agent's latest report, newest first within each.
    pub async fn default_spec(&self, workspace: WorkspaceId) -> Result<DeckSpec> {
        let overview = self.engine.workspaces().overview(workspace).await?;
        let mut sections = vec![SectionSpec::Dashboard {
            from: None,
            to: None,
        }];
        // The audiences with signals of their own, the most signalled first, at most three:
        // a deck is a digest, and the rest are a section away in the builder.
        let mut audiences: Vec<_> = self
            .engine
            .evidence()
            .audiences(workspace)
            .await?
            .into_iter()
            .map(|a| (a.signals.values().sum::<i64>(), a.id))
            .filter(|(count, _)| *count > 0)
            .collect();
        audiences.sort_by_key(|a| std::cmp::Reverse(a.0));
        for (_, audience) in audiences.into_iter().take(3) {
            if !self
                .engine
                .evidence()
                .signals(workspace, Some(audience))
                .await?
                .iter()
                .any(|s| s.audience_id == Some(audience))
            {
                continue;
            }
            sections.push(SectionSpec::AudienceSignals { audience });
        }
        for survey in self.engine.surveys().list(workspace).await? {
            let sets = self.engine.surveys().human_sets(survey.id).await?;
            for run in self.engine.surveys().runs(survey.id).await? {
                if run.answered > 0 {
                    sections.push(SectionSpec::SurveyResults {
                        run: run.id,
                        questions: Vec::new(),
                    });
                    if let Some(set) = sets.first() {
                        sections.push(SectionSpec::Fidelity {
                            run: run.id,
                            set: set.id.clone(),
                        });
                    }
                    if self.engine.surveys().report(run.id).await?.is_some() {
                        sections.push(SectionSpec::SurveyReport { run: run.id });
                    }
                }
            }
        }
        for session in self.engine.twins().sessions(workspace).await? {
            if self.engine.twins().insights(session.id).await?.is_some() {
                sections.push(SectionSpec::Insights {
                    session: session.id,
                });
            }
        }
        for report in self.engine.evidence().reports(workspace, None).await? {
            sections.push(SectionSpec::GroundingReport { report: report.id });
        }
        for specialist in crate::agents::SPECIALISTS {
            if gather::latest_answered(self.engine, workspace, specialist.name)
                .await?
                .is_some()
            {
                sections.push(SectionSpec::AgentReport {
                    agent: specialist.name.to_owned(),
                });
            }
        }
        Ok(DeckSpec {
            title: format!("{}: research review", overview.workspace.brand),
            subtitle: String::new(),
            objectives: Vec::new(),
            sections,
            slides: Vec::new(),
            slide_order: Vec::new(),
        })
    }

    /// Gathers the deck and writes it in `format`. The PowerPoint file is read back by the
    /// package checker before it is returned.
    pub async fn build(
        &self,
        workspace: WorkspaceId,
        spec: &DeckSpec,
        format: DeckFormat,
    ) -> Result<BuiltDeck> {
        let GatheredDeck {
            deck,
            tables,
            mut warnings,
        } = self.gather(workspace, spec).await?;
        if format == DeckFormat::Xlsx && tables.is_empty() {
            return Err(EngineError::InvalidInput(
                "the deck has no tables to put in a workbook: add the dashboard, a survey run or a crosstab".into(),
            ));
        }
        let (brand, fonts) = self.brand_for(workspace, format, &mut warnings).await?;
        let bytes = tokio::task::spawn_blocking({
            let deck = deck.clone();
            let tables = tables.clone();
            move || match (format, fonts) {
                (DeckFormat::Pptx, _) => pw_decks::write_pptx(&deck, &brand),
                (DeckFormat::Xlsx, _) => pw_decks::tables::to_xlsx(&tables),
                (DeckFormat::Pdf, Some(fonts)) => pw_decks::write_pdf(&deck, &brand, &fonts),
                (DeckFormat::Pdf, None) => Err(pw_decks::DeckError::NoFont(
                    "no font was found to set the report in".into(),
                )),
            }
        })
        .await
        // The writer panicked or was torn down: a fault of ours, not of the input.
        .map_err(|e| {
            EngineError::Decks(pw_decks::DeckError::Package(format!(
                "the deck writer stopped: {e}"
            )))
        })??;
        for warning in &warnings {
            tracing::warn!(%warning, "deck built with a fallback");
        }
        Ok(BuiltDeck {
            bytes,
            deck,
            tables,
            warnings,
        })
    }

    /// Builds the deck and keeps the file as the next version of its deck (named by its
    /// title, per format), with every figure it shows and what moved since the version
    /// before.
    pub async fn build_and_keep(
        &self,
        workspace: WorkspaceId,
        spec: &DeckSpec,
        format: DeckFormat,
    ) -> Result<KeptDeck> {
        let built = self.build(workspace, spec, format).await?;
        self.keep(workspace, spec, format, built).await
    }

    /// Builds the deck, writes it whole to `path`, and only then keeps it as the next version:
    /// a file that could not be written is no version.
    pub async fn build_write_and_keep(
        &self,
        workspace: WorkspaceId,
        spec: &DeckSpec,
        format: DeckFormat,
        path: &std::path::Path,
    ) -> Result<KeptDeck> {
        let built = self.build(workspace, spec, format).await?;
        crate::write_whole(path, &built.bytes)?;
        self.keep(workspace, spec, format, built).await
    }

    async fn keep(
        &self,
        workspace: WorkspaceId,
        spec: &DeckSpec,
        format: DeckFormat,
        built: BuiltDeck,
    ) -> Result<KeptDeck> {
        let shown = figures(&built.deck);
        let spec_json = serde_json::to_value(spec)
            .map_err(|e| EngineError::InvalidInput(format!("the deck spec: {e}")))?;
        let file = pw_decks::DeckFiles::new(&self.engine.db)
            .keep(pw_decks::NewDeckFile {
                workspace,
                name: spec.title.trim(),
                format: format.extension(),
                media_type: format.media_type(),
                bytes: &built.bytes,
                spec: &spec_json,
                figures: &shown,
            })
            .await?;
        Ok(KeptDeck { built, file })
    }

    /// The decks the workspace has built, newest first.
    pub async fn files(&self, workspace: WorkspaceId) -> Result<Vec<DeckFile>> {
        self.engine.workspaces().overview(workspace).await?;
        Ok(pw_decks::DeckFiles::new(&self.engine.db)
            .list(workspace)
            .await?)
    }

    /// The folder in the data folder's `exports/decks/` where this workspace's decks are
    /// written for the person to open ("halcyon-roasters-1a2b3c4d").
    async fn exports_folder(&self, workspace: WorkspaceId) -> Result<std::path::PathBuf> {
        let overview = self.engine.workspaces().overview(workspace).await?;
        let folder = self
            .engine
            .config()
            .data_dir
            .join("exports")
            .join("decks")
            .join(format!(
                "{}-{}",
                crate::paths::slug(&overview.workspace.brand),
                crate::paths::short_id(&workspace.to_string())
            ));
        tokio::fs::create_dir_all(&folder)
            .await
            .map_err(|source| EngineError::Io {
                path: folder.clone(),
                source,
            })?;
        Ok(folder)
    }

    /// Writes a kept deck file into the workspace's exports folder under its file name
    /// ("Review v3.pptx") and says where: the file "Show in folder" points at. A file of that
    /// name holding these bytes is left as it is; one holding anything else (the person edited
    /// the exported deck) is never overwritten: the kept version goes beside it.
    pub async fn write_out(&self, workspace: WorkspaceId, id: &str) -> Result<std::path::PathBuf> {
        let (file, bytes) = self.file(workspace, id).await?;
        let folder = self.exports_folder(workspace).await?;
        let stem = pw_decks::DeckFile::stem_of(&file.name, file.version);
        // The version may be there already under its name or beside a changed copy
        // ("v3 (2)"): showing it again writes nothing.
        for n in 1..=1_000 {
            let path = folder.join(if n == 1 {
                format!("{stem}.{}", file.format)
            } else {
                format!("{stem} ({n}).{}", file.format)
            });
            match tokio::fs::read(&path).await {
                Ok(there) if there == bytes => return Ok(path),
                Ok(_) => continue,
                Err(_) => break,
            }
        }
        crate::write_new(&folder, &stem, &file.format, &bytes)
    }

    /// Builds the deck, writes it into the workspace's exports folder as its next version's
    /// file, and only then keeps the version (the desktop's Build): a file that could not be
    /// written is no version.
    pub async fn build_into_exports(
        &self,
        workspace: WorkspaceId,
        spec: &DeckSpec,
        format: DeckFormat,
    ) -> Result<(KeptDeck, std::path::PathBuf)> {
        let folder = self.exports_folder(workspace).await?;
        let next = pw_decks::DeckFiles::new(&self.engine.db)
            .next_version(workspace, spec.title.trim(), format.extension())
            .await?;
        let stem = pw_decks::DeckFile::stem_of(spec.title.trim(), next);
        let (kept, path) = self
            .build_write_new_and_keep(workspace, spec, format, &folder, &stem)
            .await?;
        if kept.file.version == next {
            return Ok((kept, path));
        }
        // Another build of this deck (the CLI, a delivery) was kept in between: the file takes
        // the version it was kept as, so its name never says another version's.
        let named = folder.join(kept.file.file_name());
        if named.exists() {
            return Ok((kept, path));
        }
        match std::fs::rename(&path, &named) {
            Ok(()) => Ok((kept, named)),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "a deck file keeps its first name");
                Ok((kept, path))
            }
        }
    }

    /// Builds the deck, writes it whole into `folder` as `STEM.ext` (or `STEM (2).ext` when
    /// that name is taken: never over another file), then keeps it as the next version.
    pub async fn build_write_new_and_keep(
        &self,
        workspace: WorkspaceId,
        spec: &DeckSpec,
        format: DeckFormat,
        folder: &std::path::Path,
        stem: &str,
    ) -> Result<(KeptDeck, std::path::PathBuf)> {
        let built = self.build(workspace, spec, format).await?;
        let path = crate::write_new(folder, stem, format.extension(), &built.bytes)?;
        let kept = self.keep(workspace, spec, format, built).await?;
        Ok((kept, path))
    }

    /// A kept deck file and its bytes (checked against their hash).
    pub async fn file(&self, workspace: WorkspaceId, id: &str) -> Result<(DeckFile, Vec<u8>)> {
        let files = pw_decks::DeckFiles::new(&self.engine.db);
        let file = files.get(workspace, id).await?;
        let bytes = files.bytes(&file).await?;
        Ok((file, bytes))
    }

    /// One section's tables as a workbook (a sheet each) or, when it has exactly one table (or
    /// `table` names one), as CSV.
    pub async fn export_tables(
        &self,
        workspace: WorkspaceId,
        section: &SectionSpec,
        table: Option<&str>,
        format: TableFormat,
    ) -> Result<Vec<u8>> {
        self.engine.workspaces().overview(workspace).await?;
        let gathered = gather::section(self.engine, workspace, section).await?;
        let mut tables: Vec<Table> = gathered.tables.into_iter().map(|(t, _)| t).collect();
        if let Some(name) = table {
            let names: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
            tables.retain(|t| t.name == name);
            if tables.is_empty() {
                return Err(EngineError::InvalidInput(format!(
                    "there is no table \"{name}\" here; there are: {}",
                    names.join(", ")
                )));
            }
        }
        if tables.is_empty() {
            return Err(EngineError::InvalidInput(
                "this has no table to export".into(),
            ));
        }
        match format {
            TableFormat::Xlsx => Ok(pw_decks::tables::to_xlsx(&tables)?),
            TableFormat::Csv => match tables.as_slice() {
                [one] => Ok(pw_decks::tables::to_csv(one)?.into_bytes()),
                several => Err(EngineError::InvalidInput(format!(
                    "a CSV file holds one table and this has {}: name one ({}) or export XLSX",
                    several.len(),
                    several
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            },
        }
    }
}

/// Keys a section's slides by what they show rather than where they fall: the kind of slide
/// and the records it cites (a currency's daily metrics, a question, an agent's run, the turns
/// quoted), so a rebuild after the data changed, or with a question left out, finds the same
/// slide again, and a slide of another record never takes its edit. Slides alike in both get
/// `-2`, `-3` in their order.
fn assign_keys<'a>(section_key: &str, slides: impl Iterator<Item = &'a mut Slide>) {
    let mut given: Vec<String> = Vec::new();
    for slide in slides {
        let kind = match slide.body {
            SlideBody::Title { .. } => "title",
            SlideBody::Section { .. } => "section",
            SlideBody::Bullets { .. } => "bullets",
            SlideBody::Kpis { .. } => "kpis",
            SlideBody::Chart { .. } => "chart",
            SlideBody::Table { .. } => "table",
            SlideBody::Quotes { .. } => "quotes",
        };
        let cited: Vec<&str> = slide
            .sources
            .iter()
            .flat_map(|s| [s.table.as_str(), s.reference.as_str()])
            .collect();
        let base = format!("{section_key}#{kind}-{:08x}", fnv1a(&cited.join("\u{1f}")));
        let alike = given.iter().filter(|k| k.starts_with(&base)).count();
        let key = if alike == 0 {
            base
        } else {
            format!("{base}-{}", alike + 1)
        };
        given.push(key.clone());
        slide.key = key;
    }
}

/// 32-bit FNV-1a: a short, stable digest for a key (the standard library's hasher may change
/// between Rust releases, and a key is kept in specs on disk).
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// Applies the user's slide edits and order to the gathered slides. An edit whose slide is
/// gone is told in `warnings`, not applied to another slide.
fn edit(spec: &DeckSpec, gathered: &mut Gathered, warnings: &mut Vec<String>) {
    let parts = [
        &mut gathered.findings,
        &mut gathered.verbatims,
        &mut gathered.recommendations,
    ];
    let mut found = vec![false; spec.slides.len()];
    for part in parts {
        for slide in part.iter_mut() {
            for (i, edit) in spec.slides.iter().enumerate() {
                if edit.key != slide.key {
                    continue;
                }
                found[i] = true;
                if let Some(title) = edit.title.as_deref().map(str::trim)
                    && !title.is_empty()
                {
                    title.clone_into(&mut slide.title);
                }
                if let Some(notes) = &edit.notes {
                    notes.trim().clone_into(&mut slide.notes);
                }
            }
        }
        part.retain(|slide| {
            !spec
                .slides
                .iter()
                .any(|edit| edit.hidden && edit.key == slide.key)
        });
        // A stable sort: the slides the user placed first, in their order; the rest after.
        part.sort_by_key(|slide| {
            spec.slide_order
                .iter()
                .position(|key| *key == slide.key)
                .unwrap_or(usize::MAX)
        });
    }
    for (edit, found) in spec.slides.iter().zip(found) {
        if !found {
            warnings.push(format!(
                "the edit to slide {} was not applied: the deck has no such slide now (its result changed since the edit)",
                edit.key
            ));
        }
    }
}

/// An agency's order: title, executive summary, objectives and method, findings, verbatims,
/// recommendations, appendix. The executive summary lists the findings' headlines, which are
/// the stored results' own titles, so it says nothing the slides after it do not show.
fn lay_out(spec: &DeckSpec, gathered: &Gathered) -> Deck {
    let mut slides = Vec::new();
    let plain = |title: &str, body: SlideBody| Slide {
        key: String::new(),
        title: title.to_owned(),
        body,
        notes: String::new(),
        sources: Vec::new(),
        footnote: String::new(),
    };
    slides.push(plain(
        &spec.title,
        SlideBody::Title {
            // The client's name is on the title slide already (the brand's).
            subtitle: spec.subtitle.clone(),
        },
    ));
    // A finding told over two slides is one headline; the summary cites every slide behind
    // the headlines it shows.
    let mut headlines: Vec<String> = Vec::new();
    let mut behind: Vec<&Slide> = Vec::new();
    for slide in gathered.findings.iter().chain(&gathered.recommendations) {
        if !headlines.contains(&slide.title) {
            if headlines.len() == 6 {
                continue;
            }
            headlines.push(slide.title.clone());
        }
        behind.push(slide);
    }
    if !headlines.is_empty() {
        let mut summary = plain("Executive summary", SlideBody::Bullets { items: headlines });
        for source in behind.iter().flat_map(|s| s.sources.iter()) {
            if !summary.sources.contains(source) {
                summary.sources.push(source.clone());
            }
        }
        slides.push(summary);
    }
    if !spec.objectives.is_empty() {
        slides.push(plain(
            "Objectives",
            SlideBody::Bullets {
                items: spec.objectives.clone(),
            },
        ));
    }
    let mut method = plain(
        "Method",
        SlideBody::Bullets {
            items: gathered.method.clone(),
        },
    );
    method.sources = gathered.method_sources.clone();
    method.footnote = "Built by ProfitWheel from the workspace's stored results; every slide's sources are listed with it (the PowerPoint's speaker notes, the PDF's closing pages).".into();
    slides.push(method);
    if !gathered.caveats.is_empty() {
        for chunk in gathered.caveats.chunks(6) {
            let mut caveats = plain(
                "Read with care",
                SlideBody::Bullets {
                    items: chunk.to_vec(),
                },
            );
            caveats.sources = gathered.method_sources.clone();
            slides.push(caveats);
        }
    }
    for (part, part_slides) in [
        ("Findings", &gathered.findings),
        ("Verbatims", &gathered.verbatims),
        ("Recommendations", &gathered.recommendations),
    ] {
        if part_slides.is_empty() {
            continue;
        }
        slides.push(plain(
            part,
            SlideBody::Section {
                subtitle: String::new(),
            },
        ));
        slides.extend(part_slides.iter().cloned());
    }
    if !gathered.tables.is_empty() {
        slides.push(plain(
            "Appendix",
            SlideBody::Section {
                subtitle:
                    "The tables behind the findings; a build as a workbook (XLSX) holds every one."
                        .into(),
            },
        ));
        for (table, sources) in &gathered.tables {
            let mut appendix = plain(
                &table.name,
                SlideBody::Table {
                    table: table.clone(),
                },
            );
            appendix.sources = sources.clone();
            slides.push(appendix);
        }
    }
    Deck {
        title: spec.title.clone(),
        slides,
    }
}

/// Where the report's faces are looked for, in order: Arial where the system has it (macOS,
/// Windows), then Liberation Sans (metrically Arial's twin, on Linux desktops and installed by
/// the project's setup), then DejaVu Sans.
fn font_candidates() -> Vec<(std::path::PathBuf, std::path::PathBuf)> {
    let mut candidates = Vec::new();
    if let Some(windows) = std::env::var_os("WINDIR") {
        let fonts = std::path::PathBuf::from(windows).join("Fonts");
        candidates.push((fonts.join("arial.ttf"), fonts.join("arialbd.ttf")));
    }
    for folder in ["/System/Library/Fonts/Supplemental", "/Library/Fonts"] {
        let folder = std::path::Path::new(folder);
        candidates.push((folder.join("Arial.ttf"), folder.join("Arial Bold.ttf")));
    }
    for folder in [
        "/usr/share/fonts/truetype/liberation2",
        "/usr/share/fonts/truetype/liberation",
        "/usr/share/fonts/liberation-sans",
    ] {
        let folder = std::path::Path::new(folder);
        candidates.push((
            folder.join("LiberationSans-Regular.ttf"),
            folder.join("LiberationSans-Bold.ttf"),
        ));
    }
    let dejavu = std::path::Path::new("/usr/share/fonts/truetype/dejavu");
    candidates.push((
        dejavu.join("DejaVuSans.ttf"),
        dejavu.join("DejaVuSans-Bold.ttf"),
    ));
    candidates
}

/// The first pair of faces that can be read and embedded. A pair found but unreadable is
/// skipped with a warning; none at all is an error that says what to install.
fn pdf_fonts(warnings: &mut Vec<String>) -> Result<pw_decks::PdfFonts> {
    for (regular, bold) in font_candidates() {
        if !regular.exists() || !bold.exists() {
            continue;
        }
        let read = std::fs::read(&regular).and_then(|r| Ok((r, std::fs::read(&bold)?)));
        match read
            .map_err(|e| e.to_string())
            .and_then(|(r, b)| pw_decks::PdfFonts::new(r, b).map_err(|e| e.to_string()))
        {
            Ok(fonts) => return Ok(fonts),
            Err(reason) => warnings.push(format!(
                "{} could not be used ({reason}); another font was tried",
                regular.display()
            )),
        }
    }
    Err(EngineError::Decks(pw_decks::DeckError::NoFont(
        "no font to embed in the report was found (Arial, Liberation Sans or DejaVu Sans): install one of them".into(),
    )))
}
