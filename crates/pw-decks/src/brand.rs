//! White-label branding: the client's and the agency's names, logos, colours and fonts. A
//! PowerPoint file carries font names, not fonts: the viewer substitutes a font it lacks, so the
//! defaults are faces every Mac and Windows machine has.

use serde::{Deserialize, Serialize};

use crate::DeckError;

/// A colour as six hex digits, the only form Office reads everywhere (names like "navy" make
/// PowerPoint repair the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Reads `#1A2B3C` or `1a2b3c`.
    pub fn parse(text: &str) -> Result<Self, DeckError> {
        let hex = text.trim().trim_start_matches('#');
        let wrong = || {
            DeckError::Invalid(format!(
                "\"{text}\" is not a colour: write six hex digits, like #1F6FEB"
            ))
        };
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(wrong());
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| wrong());
        Ok(Self(byte(0)?, byte(2)?, byte(4)?))
    }

    /// `RRGGBB`, as DrawingML's `srgbClr` wants it.
    pub fn hex(self) -> String {
        format!("{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }

    /// This colour mixed toward white by `share` (0 = itself, 1 = white): the lighter tints a
    /// theme needs beside a brand's one or two colours.
    pub fn tint(self, share: f64) -> Self {
        let mix = |c: u8| (c as f64 + (255.0 - c as f64) * share.clamp(0.0, 1.0)).round() as u8;
        Self(mix(self.0), mix(self.1), mix(self.2))
    }
}

impl TryFrom<String> for Rgb {
    type Error = DeckError;
    fn try_from(text: String) -> Result<Self, DeckError> {
        Self::parse(&text)
    }
}

impl From<Rgb> for String {
    fn from(rgb: Rgb) -> Self {
        format!("#{}", rgb.hex())
    }
}

/// The most pixels a logo may have: 4000 × 4000, sharp on any slide.
const LARGEST_LOGO_PIXELS: u64 = 16_000_000;

/// A logo to place on slides: PNG bytes and their size in pixels (read from the file, so the
/// logo keeps its proportions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    png: Vec<u8>,
    width: u32,
    height: u32,
}

impl Logo {
    /// Checks that `bytes` are a PNG and reads its size from the header.
    pub fn from_png(bytes: Vec<u8>) -> Result<Self, DeckError> {
        const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.len() < 24 || !bytes.starts_with(SIGNATURE) || &bytes[12..16] != b"IHDR" {
            return Err(DeckError::Logo(
                "the file does not start like a PNG (other formats: save the logo as PNG)".into(),
            ));
        }
        let read = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let (width, height) = (read(16), read(20));
        if width == 0 || height == 0 {
            return Err(DeckError::Logo("the image has no pixels".into()));
        }
        // A logo is a small picture; a poster-sized image would be decoded whole for every
        // report (and a small file can claim a huge one).
        if u64::from(width) * u64::from(height) > LARGEST_LOGO_PIXELS {
            return Err(DeckError::Logo(format!(
                "the image is {width}×{height} pixels; a logo may have at most 16 million (4000×4000): save it smaller"
            )));
        }
        Ok(Self {
            png: bytes,
            width,
            height,
        })
    }

    pub fn png(&self) -> &[u8] {
        &self.png
    }

    /// Width over height.
    pub fn aspect(&self) -> f64 {
        self.width as f64 / self.height as f64
    }

    /// The logo's size inside a box, keeping its proportions: as tall as the box unless that
    /// makes it wider (a wide wordmark gets narrower, not longer than the box). Any unit.
    pub(crate) fn fit(&self, max_width: f64, max_height: f64) -> (f64, f64) {
        let width = max_height * self.aspect();
        if width <= max_width {
            (width, max_height)
        } else {
            (max_width, max_width / self.aspect())
        }
    }
}

/// How a workspace's decks look: whose they are, and in which colours and fonts.
#[derive(Debug, Clone, PartialEq)]
pub struct Brand {
    /// The client the deck is for ("Halcyon Roasters").
    pub client_name: String,
    /// The agency presenting it; empty when the client runs its own research.
    pub agency_name: String,
    /// Titles, bars and the first chart series.
    pub primary: Rgb,
    /// The second chart series and highlights.
    pub secondary: Rgb,
    /// Body text.
    pub text: Rgb,
    /// Slide background.
    pub background: Rgb,
    pub heading_font: String,
    pub body_font: String,
    pub client_logo: Option<Logo>,
    pub agency_logo: Option<Logo>,
}

impl Default for Brand {
    fn default() -> Self {
        Self {
            client_name: String::new(),
            agency_name: String::new(),
            primary: Rgb(0x1F, 0x4E, 0x79),
            secondary: Rgb(0xE0, 0x7A, 0x1F),
            text: Rgb(0x1F, 0x29, 0x37),
            background: Rgb(0xFF, 0xFF, 0xFF),
            heading_font: "Arial".into(),
            body_font: "Arial".into(),
            client_logo: None,
            agency_logo: None,
        }
    }
}

impl Brand {
    /// The title page's line saying whose deck it is: "For Halcyon Roasters · by North & Co",
    /// the client or the agency alone, or nothing.
    pub(crate) fn presenter(&self) -> String {
        match (self.client_name.is_empty(), self.agency_name.is_empty()) {
            (false, false) => format!("For {} · by {}", self.client_name, self.agency_name),
            (false, true) => self.client_name.clone(),
            (true, false) => format!("By {}", self.agency_name),
            (true, true) => String::new(),
        }
    }

    /// The six accent colours charts cycle through: the brand's two, then tints of them, so
    /// every series stays on brand.
    pub fn accents(&self) -> [Rgb; 6] {
        [
            self.primary,
            self.secondary,
            self.primary.tint(0.45),
            self.secondary.tint(0.45),
            self.primary.tint(0.7),
            self.secondary.tint(0.7),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_read_with_or_without_hash_and_refuse_names() {
        assert_eq!(Rgb::parse("#1f6FEB").unwrap(), Rgb(0x1F, 0x6F, 0xEB));
        assert_eq!(Rgb::parse("00ff00").unwrap().hex(), "00FF00");
        let error = Rgb::parse("navy").unwrap_err().to_string();
        assert!(error.contains("six hex digits"), "{error}");
        assert!(Rgb::parse("#12345").is_err());
        assert!(Rgb::parse("#12345G").is_err());
    }

    #[test]
    fn a_tint_moves_toward_white() {
        assert_eq!(Rgb(0, 100, 255).tint(0.5), Rgb(128, 178, 255));
        assert_eq!(Rgb(10, 20, 30).tint(0.0), Rgb(10, 20, 30));
        assert_eq!(Rgb(10, 20, 30).tint(1.0), Rgb(255, 255, 255));
    }

    #[test]
    fn a_logo_keeps_its_size_and_other_files_are_refused() {
        // The header of a 300 x 100 PNG.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(300u32.to_be_bytes());
        png.extend(100u32.to_be_bytes());
        png.extend([8, 6, 0, 0, 0]);
        let logo = Logo::from_png(png).unwrap();
        assert!((logo.aspect() - 3.0).abs() < 1e-9);
        assert!(matches!(
            Logo::from_png(b"GIF89a....................".to_vec()),
            Err(DeckError::Logo(_))
        ));
    }
}
