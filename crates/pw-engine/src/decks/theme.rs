//! The workspace's white-label theme: read and saved for the theme editor and the CLI, and
//! turned into the brand (and the PDF's fonts) a deck is written with. A file the theme
//! carries that can no longer be read falls back with a warning, never a broken deck.

use std::path::PathBuf;

use pw_decks::{Brand, Logo, PdfFonts, Theme, ThemeFile, ThemeFileChange, ThemeFileRole, Themes};
use pw_domain::WorkspaceId;

use super::{DeckFormat, DecksFacade};
use crate::error::{EngineError, Result};

/// A workspace's theme as the editor shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceTheme {
    pub theme: Theme,
    pub files: Vec<ThemeFile>,
    /// False while the workspace uses the default look (nothing saved yet).
    pub saved: bool,
    /// The workspace's brand, the client's name when the theme gives none.
    pub workspace_brand: String,
    /// What a reader would struggle with (low contrast), to show beside the colours.
    pub warnings: Vec<String>,
}

/// Where one of the theme's files comes from when it is saved.
#[derive(Debug, Clone, PartialEq)]
pub enum ThemeFileSource {
    /// The theme stops carrying the file.
    Remove,
    /// A copy of this file is kept with the theme.
    Path(PathBuf),
    /// These bytes, as a window reads a file the person picked (it sees no path).
    Bytes { file_name: String, bytes: Vec<u8> },
}

impl DecksFacade<'_> {
    /// The workspace's theme, the default look when it has none.
    pub async fn theme(&self, workspace: WorkspaceId) -> Result<WorkspaceTheme> {
        let overview = self.engine.workspaces().overview(workspace).await?;
        let stored = Themes::new(&self.engine.db).get(workspace).await?;
        let saved = stored.is_some();
        let (theme, files) =
            stored.map_or_else(|| (Theme::default(), Vec::new()), |s| (s.theme, s.files));
        Ok(WorkspaceTheme {
            warnings: theme.legibility_warnings(),
            theme,
            files,
            saved,
            workspace_brand: overview.workspace.brand,
        })
    }

    /// Saves the theme and its file changes (the files read and checked first: a logo that
    /// is not a PNG or a font that cannot be embedded changes nothing and says which).
    pub async fn set_theme(
        &self,
        workspace: WorkspaceId,
        theme: &Theme,
        files: &[(ThemeFileRole, ThemeFileSource)],
    ) -> Result<WorkspaceTheme> {
        self.engine.workspaces().overview(workspace).await?;
        let mut changes = Vec::with_capacity(files.len());
        for (role, source) in files {
            let change = match source {
                ThemeFileSource::Remove => ThemeFileChange::Remove,
                ThemeFileSource::Path(path) => {
                    // A file far too large is refused before it is read into memory.
                    if let Ok(meta) = tokio::fs::metadata(path).await
                        && meta.len() > role.largest_bytes() as u64
                    {
                        return Err(EngineError::InvalidInput(format!(
                            "{} ({}) is {} MB; it may be at most {} MB",
                            role.describe(),
                            path.display(),
                            meta.len().div_ceil(1024 * 1024),
                            role.largest_bytes() / (1024 * 1024)
                        )));
                    }
                    let bytes = tokio::fs::read(path).await.map_err(|e| {
                        EngineError::InvalidInput(format!(
                            "{} could not be read from {}: {e}",
                            role.describe(),
                            path.display()
                        ))
                    })?;
                    let file_name = path.file_name().map_or_else(
                        || path.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                    ThemeFileChange::Put { file_name, bytes }
                }
                ThemeFileSource::Bytes { file_name, bytes } => ThemeFileChange::Put {
                    file_name: file_name.clone(),
                    bytes: bytes.clone(),
                },
            };
            changes.push((*role, change));
        }
        Themes::new(&self.engine.db)
            .set(workspace, theme, &changes)
            .await?;
        self.theme(workspace).await
    }

    /// The bytes of one of the theme's files (a logo for the editor's preview), `None` when
    /// the theme carries none.
    pub async fn theme_file(
        &self,
        workspace: WorkspaceId,
        role: ThemeFileRole,
    ) -> Result<Option<Vec<u8>>> {
        let current = self.theme(workspace).await?;
        match current.files.iter().find(|f| f.role == role) {
            Some(file) => Ok(Some(Themes::new(&self.engine.db).bytes(file).await?)),
            None => Ok(None),
        }
    }

    /// The brand a deck is written with and, for a PDF, the fonts it embeds: the theme's
    /// where they can be read, else the defaults, each fallback told in `warnings`.
    pub(super) async fn brand_for(
        &self,
        workspace: WorkspaceId,
        format: DeckFormat,
        warnings: &mut Vec<String>,
    ) -> Result<(Brand, Option<PdfFonts>)> {
        let current = self.theme(workspace).await?;
        let mut brand = current.theme.brand(&current.workspace_brand);
        let themes = Themes::new(&self.engine.db);
        let read = async |role: ThemeFileRole, warnings: &mut Vec<String>| {
            let file = current.files.iter().find(|f| f.role == role)?;
            match themes.bytes(file).await {
                Ok(bytes) => Some((file, bytes)),
                Err(e) => {
                    warnings.push(format!(
                        "{} ({}) could not be read from the workspace's files ({e}); the deck was built without it",
                        role.describe(),
                        file.file_name
                    ));
                    None
                }
            }
        };
        for role in [ThemeFileRole::ClientLogo, ThemeFileRole::AgencyLogo] {
            let Some((file, bytes)) = read(role, warnings).await else {
                continue;
            };
            match Logo::from_png(bytes) {
                Ok(logo) if role == ThemeFileRole::ClientLogo => brand.client_logo = Some(logo),
                Ok(logo) => brand.agency_logo = Some(logo),
                Err(e) => warnings.push(format!(
                    "{} ({}) was left out: {e}",
                    role.describe(),
                    file.file_name
                )),
            }
        }
        if format != DeckFormat::Pdf {
            return Ok((brand, None));
        }
        if let Some((file, regular)) = read(ThemeFileRole::FontRegular, warnings).await {
            let bold = match read(ThemeFileRole::FontBold, warnings).await {
                Some((_, bold)) => bold,
                None => regular.clone(),
            };
            match PdfFonts::new(regular, bold) {
                Ok(fonts) => return Ok((brand, Some(fonts))),
                Err(e) => warnings.push(format!(
                    "the theme's font ({}) could not be used ({e}); the report is set in the default font",
                    file.file_name
                )),
            }
        }
        Ok((brand, Some(super::pdf_fonts(warnings)?)))
    }
}
