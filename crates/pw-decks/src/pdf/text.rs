//! Setting text and shapes on a PDF page: the faces (embedded with krilla, measured with
//! rustybuzz so a line breaks where it is drawn), text boxes that wrap and cut with "…", and
//! filled rectangles and lines in brand colours.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use crate::pptx::shapes::Align;
use crate::{DeckError, Rgb};

/// The regular and bold faces every page is set in, as font files (TrueType or OpenType).
pub struct PdfFonts {
    pub(super) regular: Vec<u8>,
    pub(super) bold: Vec<u8>,
}

impl PdfFonts {
    /// Checks that both files are fonts a PDF can embed and text can be measured with.
    pub fn new(regular: Vec<u8>, bold: Vec<u8>) -> Result<Self, DeckError> {
        for (name, data) in [("regular", &regular), ("bold", &bold)] {
            Self::check(data)
                .map_err(|reason| DeckError::Font(format!("the {name} font file {reason}")))?;
        }
        Ok(Self { regular, bold })
    }

    /// Whether `data` is a font (TrueType or OpenType) a report can shape text with and embed:
    /// `Err` says why not, to follow "the font file ...".
    pub fn check(data: &[u8]) -> Result<(), String> {
        if rustybuzz::Face::from_slice(data, 0).is_none()
            || Font::new(data.to_vec().into(), 0).is_none()
        {
            return Err(
                "is not a font this report can embed (use a TrueType or OpenType file)".into(),
            );
        }
        Ok(())
    }
}

/// A face to draw with and to measure by.
pub(super) struct Face<'a> {
    pub font: Font,
    pub shaper: rustybuzz::Face<'a>,
}

impl Face<'_> {
    /// The text's advance at `size`, shaped as it is drawn.
    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        let shaped = rustybuzz::shape(&self.shaper, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / f32::from(self.shaper.units_per_em() as u16)
    }

    /// Greedy line breaking at spaces; a word wider than the line is broken by characters.
    pub(super) fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                if self.width(word, size) <= width {
                    line = word.to_owned();
                } else {
                    for c in word.chars() {
                        let mut next = line.clone();
                        next.push(c);
                        if self.width(&next, size) > width && !line.is_empty() {
                            lines.push(std::mem::take(&mut line));
                            line.push(c);
                        } else {
                            line = next;
                        }
                    }
                }
            }
            lines.push(line);
        }
        lines
    }
}

pub(super) struct Faces<'a> {
    pub regular: Face<'a>,
    pub bold: Face<'a>,
}

pub(super) fn color(rgb: Rgb) -> rgb::Color {
    rgb::Color::new(rgb.0, rgb.1, rgb.2)
}

pub(super) fn fill(rgb: Rgb) -> Fill {
    Fill {
        paint: color(rgb).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

pub(super) fn rect(surface: &mut Surface<'_>, x: f32, y: f32, w: f32, h: f32, rgb: Rgb) {
    let Some(area) = Rect::from_xywh(x, y, w.max(0.01), h.max(0.01)) else {
        return;
    };
    let mut path = PathBuilder::new();
    path.push_rect(area);
    if let Some(path) = path.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(fill(rgb)));
        surface.draw_path(&path);
    }
}

pub(super) fn line(surface: &mut Surface<'_>, points: &[(f32, f32)], width: f32, rgb: Rgb) {
    let mut path = PathBuilder::new();
    for (i, (x, y)) in points.iter().enumerate() {
        if i == 0 {
            path.move_to(*x, *y);
        } else {
            path.line_to(*x, *y);
        }
    }
    if let Some(path) = path.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: color(rgb).into(),
            width,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

/// Text set in a box: wrapped, at most as many lines as fit, the last cut with "…" when
/// more was left. Returns the height used.
#[allow(clippy::too_many_arguments, reason = "a text box is this many things")]
pub(super) fn text_box(
    surface: &mut Surface<'_>,
    face: &Face<'_>,
    text: &str,
    size: f32,
    rgb: Rgb,
    (x, y, w, h): (f32, f32, f32, f32),
    align: Align,
) -> f32 {
    let leading = size * 1.2;
    // Control characters have no glyph in any face; a line break is kept as one.
    let text: String = text
        .chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect();
    let mut lines = face.wrap(&text, size, w);
    let fitting = ((h / leading).floor() as usize).max(1);
    if lines.len() > fitting {
        lines.truncate(fitting);
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && face.width(&format!("{last}…"), size) > w {
                last.pop();
            }
            last.push('…');
        }
    }
    surface.set_stroke(None);
    surface.set_fill(Some(fill(rgb)));
    for (i, text) in lines.iter().enumerate() {
        let left = match align {
            Align::Left => x,
            Align::Right => x + w - face.width(text, size),
            Align::Center => x + (w - face.width(text, size)) / 2.0,
        };
        surface.draw_text(
            Point::from_xy(left, y + size + i as f32 * leading),
            face.font.clone(),
            size,
            text,
            false,
            TextDirection::Auto,
        );
    }
    lines.len() as f32 * leading
}

pub(super) fn face(data: &[u8]) -> Result<Face<'_>, DeckError> {
    let shaper = rustybuzz::Face::from_slice(data, 0)
        .ok_or_else(|| DeckError::Font("a font file could not be read".into()))?;
    let font = Font::new(data.to_vec().into(), 0)
        .ok_or_else(|| DeckError::Font("a font file could not be embedded".into()))?;
    Ok(Face { font, shaper })
}
