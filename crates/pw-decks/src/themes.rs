//! A workspace's white-label theme: whose decks they are (the client's and the agency's
//! names), their colours and font names, and the files it carries (the client's and the
//! agency's logos, the font files a PDF report embeds). The theme is one JSON document per
//! workspace (`deck_themes`); each file is a copy in the blob store (`deck_theme_files`), so a
//! theme outlives the file it was picked from and travels with an exported workspace.

use pw_domain::WorkspaceId;
use pw_store::{Database, now_instant};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::brand::{Brand, Rgb};
use crate::error::DeckError;

/// What the user sets in the theme editor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    /// The client the decks are for; empty for the workspace's brand name.
    #[serde(default)]
    pub client_name: String,
    /// The agency presenting them; empty when the client runs its own research.
    #[serde(default)]
    pub agency_name: String,
    /// Titles, bars and the first chart series.
    pub primary: Rgb,
    /// The second chart series and highlights.
    pub secondary: Rgb,
    /// Body text.
    pub text: Rgb,
    /// Slide background.
    pub background: Rgb,
    /// The font names a PowerPoint file asks for (the viewer substitutes one it lacks).
    pub heading_font: String,
    pub body_font: String,
}

impl Default for Theme {
    fn default() -> Self {
        let brand = Brand::default();
        Self {
            client_name: String::new(),
            agency_name: String::new(),
            primary: brand.primary,
            secondary: brand.secondary,
            text: brand.text,
            background: brand.background,
            heading_font: brand.heading_font,
            body_font: brand.body_font,
        }
    }
}

/// Longest name or font name a theme keeps: a title slide's line, not a paragraph.
const LONGEST_NAME: usize = 120;

impl Theme {
    /// Refuses what no deck can carry: an empty or overlong font name, names with control
    /// characters.
    pub fn check(&self) -> Result<(), DeckError> {
        for (what, value, may_be_empty) in [
            ("the client's name", &self.client_name, true),
            ("the agency's name", &self.agency_name, true),
            ("the heading font", &self.heading_font, false),
            ("the body font", &self.body_font, false),
        ] {
            let value = value.trim();
            if value.is_empty() && !may_be_empty {
                return Err(DeckError::Invalid(format!("{what} needs a name")));
            }
            if value.chars().count() > LONGEST_NAME {
                return Err(DeckError::Invalid(format!(
                    "{what} is longer than {LONGEST_NAME} characters"
                )));
            }
            if value.chars().any(char::is_control) {
                return Err(DeckError::Invalid(format!(
                    "{what} holds a line break or another control character"
                )));
            }
        }
        Ok(())
    }

    /// What a reader would struggle with, said before a deck goes out: text too faint on its
    /// background (under WCAG's 4.5:1 for body text) and a primary colour that barely shows on
    /// it (under 3:1, the rule for charts and large text).
    pub fn legibility_warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        let text = contrast(self.text, self.background);
        if text < 4.5 {
            warnings.push(format!(
                "body text on the background has a contrast of {text:.1}:1; under 4.5:1 it is hard to read"
            ));
        }
        let primary = contrast(self.primary, self.background);
        if primary < 3.0 {
            warnings.push(format!(
                "the primary colour on the background has a contrast of {primary:.1}:1; under 3:1 titles and bars barely show"
            ));
        }
        warnings
    }

    /// The brand a deck is written with; the client's name falls back to `workspace_brand`.
    /// Logos are added by whoever read the files.
    pub fn brand(&self, workspace_brand: &str) -> Brand {
        let client_name = match self.client_name.trim() {
            "" => workspace_brand.trim(),
            name => name,
        };
        Brand {
            client_name: client_name.to_owned(),
            agency_name: self.agency_name.trim().to_owned(),
            primary: self.primary,
            secondary: self.secondary,
            text: self.text,
            background: self.background,
            heading_font: self.heading_font.trim().to_owned(),
            body_font: self.body_font.trim().to_owned(),
            client_logo: None,
            agency_logo: None,
        }
    }
}

/// WCAG 2's relative luminance of an sRGB colour.
fn luminance(rgb: Rgb) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(rgb.0) + 0.7152 * linear(rgb.1) + 0.0722 * linear(rgb.2)
}

/// WCAG 2's contrast ratio of two colours, 1 (none) to 21 (black on white).
pub fn contrast(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The files a theme carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThemeFileRole {
    ClientLogo,
    AgencyLogo,
    /// The face a PDF report sets its text in.
    FontRegular,
    /// Its bold, for titles; the regular face when there is none.
    FontBold,
}

impl ThemeFileRole {
    pub const ALL: [ThemeFileRole; 4] = [
        ThemeFileRole::ClientLogo,
        ThemeFileRole::AgencyLogo,
        ThemeFileRole::FontRegular,
        ThemeFileRole::FontBold,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ThemeFileRole::ClientLogo => "client_logo",
            ThemeFileRole::AgencyLogo => "agency_logo",
            ThemeFileRole::FontRegular => "font_regular",
            ThemeFileRole::FontBold => "font_bold",
        }
    }

    /// How the role is named in a sentence.
    pub fn describe(self) -> &'static str {
        match self {
            ThemeFileRole::ClientLogo => "the client's logo",
            ThemeFileRole::AgencyLogo => "the agency's logo",
            ThemeFileRole::FontRegular => "the report's font",
            ThemeFileRole::FontBold => "the report's bold font",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    fn media_type(self) -> &'static str {
        match self {
            ThemeFileRole::ClientLogo | ThemeFileRole::AgencyLogo => "image/png",
            ThemeFileRole::FontRegular | ThemeFileRole::FontBold => "font/sfnt",
        }
    }

    /// The largest file the role takes: a logo is a small picture; a font family's one face
    /// with every script is tens of megabytes.
    pub fn largest_bytes(self) -> usize {
        match self {
            ThemeFileRole::ClientLogo | ThemeFileRole::AgencyLogo => 5 * 1024 * 1024,
            ThemeFileRole::FontRegular | ThemeFileRole::FontBold => 40 * 1024 * 1024,
        }
    }

    /// Checks that `bytes` are what the role needs: a PNG that decodes whole for a logo, an
    /// embeddable font; neither larger than the role takes.
    pub fn check(self, bytes: &[u8]) -> Result<(), DeckError> {
        if bytes.len() > self.largest_bytes() {
            return Err(DeckError::Invalid(format!(
                "{} is {} MB; it may be at most {} MB",
                self.describe(),
                bytes.len().div_ceil(1024 * 1024),
                self.largest_bytes() / (1024 * 1024)
            )));
        }
        match self {
            ThemeFileRole::ClientLogo | ThemeFileRole::AgencyLogo => {
                crate::Logo::from_png(bytes.to_vec())?;
                decode_png(bytes)
            }
            ThemeFileRole::FontRegular | ThemeFileRole::FontBold => crate::PdfFonts::check(bytes)
                .map_err(|reason| DeckError::Font(format!("{} {reason}", self.describe()))),
        }
    }
}

/// Decodes a PNG to its last row: a file cut short or damaged after its header is refused.
fn decode_png(bytes: &[u8]) -> Result<(), DeckError> {
    let broken = |e: png::DecodingError| DeckError::Logo(format!("the image is damaged ({e})"));
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .map_err(broken)?;
    while reader.next_row().map_err(broken)?.is_some() {}
    Ok(())
}

/// A file the theme carries, as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeFile {
    pub role: ThemeFileRole,
    /// The name of the file it was copied from, to show in the editor.
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
}

/// A workspace's theme as kept: `None` from [`Themes::get`] when it never set one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredTheme {
    pub theme: Theme,
    pub files: Vec<ThemeFile>,
}

/// What happens to one of the theme's files when it is saved.
#[derive(Debug, Clone, PartialEq)]
pub enum ThemeFileChange {
    /// The theme stops carrying it.
    Remove,
    /// The theme carries these bytes (checked for the role) from now on.
    Put { file_name: String, bytes: Vec<u8> },
}

pub struct Themes<'a> {
    db: &'a Database,
}

fn stored(error: sqlx::Error) -> DeckError {
    DeckError::Store(error.into())
}

fn unreadable(column: &'static str, error: impl std::fmt::Display) -> DeckError {
    DeckError::Store(pw_store::StoreError::UnreadableValue {
        column,
        reason: error.to_string(),
    })
}

impl<'a> Themes<'a> {
    pub fn new(db: &'a Database) -> Self {
        Themes { db }
    }

    /// The workspace's theme, or `None` when it has never set one.
    pub async fn get(&self, workspace: WorkspaceId) -> Result<Option<StoredTheme>, DeckError> {
        let id = workspace.to_string();
        let Some(text) =
            sqlx::query_scalar::<_, String>("SELECT theme FROM deck_themes WHERE workspace_id = ?")
                .bind(&id)
                .fetch_optional(self.db.reader())
                .await
                .map_err(stored)?
        else {
            return Ok(None);
        };
        let theme: Theme = serde_json::from_str(&text).map_err(|e| unreadable("theme", e))?;
        let rows = sqlx::query(
            "SELECT role, file_name, blob_sha256, size_bytes FROM deck_theme_files
             WHERE workspace_id = ? ORDER BY role",
        )
        .bind(&id)
        .fetch_all(self.db.reader())
        .await
        .map_err(stored)?;
        let mut files = Vec::with_capacity(rows.len());
        for row in rows {
            let role: String = row.try_get("role").map_err(stored)?;
            files.push(ThemeFile {
                role: ThemeFileRole::parse(&role)
                    .ok_or_else(|| unreadable("role", format!("'{role}' is no file role")))?,
                file_name: row.try_get("file_name").map_err(stored)?,
                sha256: row.try_get("blob_sha256").map_err(stored)?,
                size_bytes: row.try_get("size_bytes").map_err(stored)?,
            });
        }
        Ok(Some(StoredTheme { theme, files }))
    }

    /// Saves the theme and the changes to its files in one transaction: every file is checked
    /// for its role first, so a logo that is not a PNG changes nothing.
    pub async fn set(
        &self,
        workspace: WorkspaceId,
        theme: &Theme,
        changes: &[(ThemeFileRole, ThemeFileChange)],
    ) -> Result<StoredTheme, DeckError> {
        theme.check()?;
        for (role, change) in changes {
            if let ThemeFileChange::Put { file_name, bytes } = change {
                role.check(bytes)?;
                if file_name.trim().is_empty()
                    || file_name.chars().count() > 255
                    || file_name.chars().any(char::is_control)
                {
                    return Err(DeckError::Invalid(format!(
                        "{} needs a file name of one line",
                        role.describe()
                    )));
                }
            }
        }
        let id = workspace.to_string();
        let json = serde_json::to_string(theme).map_err(|e| unreadable("theme", e))?;
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "INSERT INTO deck_themes (workspace_id, theme, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (workspace_id) DO UPDATE SET theme = excluded.theme,
                 updated_at = excluded.updated_at",
        )
        .bind(&id)
        .bind(&json)
        .bind(pw_store::format_instant(now_instant()))
        .execute(&mut *tx)
        .await
        .map_err(stored)?;
        for (role, change) in changes {
            match change {
                ThemeFileChange::Remove => {
                    sqlx::query("DELETE FROM deck_theme_files WHERE workspace_id = ? AND role = ?")
                        .bind(&id)
                        .bind(role.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(stored)?;
                }
                ThemeFileChange::Put { file_name, bytes } => {
                    let sha256 = self
                        .db
                        .blobs()
                        .put(&mut *tx, bytes, role.media_type())
                        .await?;
                    sqlx::query(
                        "INSERT INTO deck_theme_files
                             (workspace_id, role, file_name, blob_sha256, size_bytes)
                         VALUES (?, ?, ?, ?, ?)
                         ON CONFLICT (workspace_id, role) DO UPDATE SET
                             file_name = excluded.file_name, blob_sha256 = excluded.blob_sha256,
                             size_bytes = excluded.size_bytes",
                    )
                    .bind(&id)
                    .bind(role.as_str())
                    .bind(file_name.trim())
                    .bind(&sha256)
                    .bind(bytes.len() as i64)
                    .execute(&mut *tx)
                    .await
                    .map_err(stored)?;
                }
            }
        }
        tx.commit().await.map_err(stored)?;
        self.get(workspace).await?.ok_or_else(|| {
            DeckError::NotFound("the theme was saved but could not be read back".into())
        })
    }

    /// A file's bytes, checked against their hash.
    pub async fn bytes(&self, file: &ThemeFile) -> Result<Vec<u8>, DeckError> {
        Ok(self.db.blobs().get(&file.sha256).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_is_wcags_ratio() {
        let black = Rgb(0, 0, 0);
        let white = Rgb(255, 255, 255);
        assert!((contrast(black, white) - 21.0).abs() < 1e-9);
        assert!((contrast(white, white) - 1.0).abs() < 1e-9);
        // #777777 on white is WCAG's well-known near miss: 4.48:1.
        let grey = contrast(Rgb(0x77, 0x77, 0x77), white);
        assert!((grey - 4.48).abs() < 0.01, "{grey}");
    }

    #[test]
    fn a_theme_says_when_its_text_is_hard_to_read() {
        let mut theme = Theme::default();
        assert!(theme.legibility_warnings().is_empty());
        theme.text = Rgb(0xBB, 0xBB, 0xBB);
        theme.primary = Rgb(0xFF, 0xF0, 0xF0);
        let warnings = theme.legibility_warnings();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with("body text"), "{warnings:?}");
    }

    #[test]
    fn a_logo_cut_short_is_refused_when_it_is_picked() {
        // A 1×1 PNG, whole, then without its image data.
        let whole: &[u8] = &[
            0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
            0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
            0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
            0xda, 0x63, 0xfc, 0xcf, 0xc0, 0x50, 0x0f, 0x00, 0x04, 0x85, 0x01, 0x80, 0x84, 0xa9,
            0x8c, 0x21, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
        ];
        assert!(ThemeFileRole::ClientLogo.check(whole).is_ok());
        let cut = &whole[..40];
        let refused = ThemeFileRole::ClientLogo.check(cut);
        assert!(matches!(refused, Err(DeckError::Logo(_))), "{refused:?}");
        let huge = vec![0_u8; ThemeFileRole::AgencyLogo.largest_bytes() + 1];
        let said = ThemeFileRole::AgencyLogo.check(&huge);
        assert!(
            matches!(&said, Err(DeckError::Invalid(m)) if m.contains("at most 5 MB")),
            "{said:?}"
        );
    }

    #[test]
    fn a_theme_refuses_names_no_deck_can_carry() {
        let mut theme = Theme {
            heading_font: "  ".into(),
            ..Theme::default()
        };
        assert!(theme.check().is_err());
        theme.heading_font = "Georgia".into();
        theme.agency_name = "North\n& Co".into();
        assert!(theme.check().is_err());
        theme.agency_name = "North & Co".into();
        assert!(theme.check().is_ok());
        let brand = theme.brand("Halcyon Roasters");
        assert_eq!(brand.client_name, "Halcyon Roasters");
        assert_eq!(brand.agency_name, "North & Co");
        assert_eq!(brand.heading_font, "Georgia");
    }
}
