//! The deck as a PDF report: one 16:9 page per slide in the PowerPoint's layout, the fonts
//! embedded (subset), charts and tables drawn as vector paths and text, page numbers, a table
//! of contents with links after the title page, bookmarks for every page, and a closing page
//! listing every page's sources (the speaker notes of the PowerPoint). Built locally with
//! krilla; the caller hands the font files over, so nothing here reads a disk.

use krilla::Document;
use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::color::rgb;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

use crate::pptx::shapes::{Align, TableLayout};
use crate::{Brand, ChartKind, ChartSpec, Deck, DeckError, Rgb, Slide, SlideBody, Value};

/// 16:9 in points, as the PowerPoint (13.333 × 7.5 in).
const WIDTH: f32 = 960.0;
const HEIGHT: f32 = 540.0;
const MARGIN: f32 = 36.0;
/// The content box under the headline, as in the PowerPoint.
const CONTENT_TOP: f32 = 100.8;
const CONTENT_HEIGHT: f32 = 360.0;
/// Points per EMU.
const PT_PER_EMU: f32 = 1.0 / 12_700.0;

/// The regular and bold faces every page is set in, as font files (TrueType or OpenType).
pub struct PdfFonts {
    regular: Vec<u8>,
    bold: Vec<u8>,
}

impl PdfFonts {
    /// Checks that both files are fonts a PDF can embed and text can be measured with.
    pub fn new(regular: Vec<u8>, bold: Vec<u8>) -> Result<Self, DeckError> {
        for (name, data) in [("regular", &regular), ("bold", &bold)] {
            if rustybuzz::Face::from_slice(data, 0).is_none()
                || Font::new(data.clone().into(), 0).is_none()
            {
                return Err(DeckError::Font(format!(
                    "the {name} font file is not a font this report can embed"
                )));
            }
        }
        Ok(Self { regular, bold })
    }
}

/// A face to draw with and to measure by.
struct Face<'a> {
    font: Font,
    shaper: rustybuzz::Face<'a>,
}

impl Face<'_> {
    /// The text's advance at `size`, shaped as it is drawn.
    fn width(&self, text: &str, size: f32) -> f32 {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        let shaped = rustybuzz::shape(&self.shaper, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / f32::from(self.shaper.units_per_em() as u16)
    }

    /// Greedy line breaking at spaces; a word wider than the line is broken by characters.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
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

struct Faces<'a> {
    regular: Face<'a>,
    bold: Face<'a>,
}

fn color(rgb: Rgb) -> rgb::Color {
    rgb::Color::new(rgb.0, rgb.1, rgb.2)
}

fn fill(rgb: Rgb) -> Fill {
    Fill {
        paint: color(rgb).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn rect(surface: &mut Surface<'_>, x: f32, y: f32, w: f32, h: f32, rgb: Rgb) {
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

fn line(surface: &mut Surface<'_>, points: &[(f32, f32)], width: f32, rgb: Rgb) {
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
fn text_box(
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

/// Where each slide starts, after the title page and the contents.
struct Pages {
    /// Page index (from 0) of each slide.
    of_slide: Vec<usize>,
    contents: usize,
    sources: usize,
}

/// The deck as PDF bytes.
pub fn write_pdf(deck: &Deck, brand: &Brand, fonts: &PdfFonts) -> Result<Vec<u8>, DeckError> {
    let faces = Faces {
        regular: face(&fonts.regular)?,
        bold: face(&fonts.bold)?,
    };
    // The title page, the contents, every other slide, the sources.
    let has_title = matches!(
        deck.slides.first().map(|s| &s.body),
        Some(SlideBody::Title { .. })
    );
    let contents = usize::from(has_title);
    let of_slide: Vec<usize> = (0..deck.slides.len())
        .map(|i| if has_title && i == 0 { 0 } else { i + 1 })
        .collect();
    let pages = Pages {
        sources: deck.slides.len() + 1,
        of_slide,
        contents,
    };
    let settings = || {
        PageSettings::from_wh(WIDTH, HEIGHT)
            .ok_or_else(|| DeckError::Package("the page size is not a size".into()))
    };
    let mut document = Document::new();
    let client_logo = brand
        .client_logo
        .as_ref()
        .map(|logo| Image::from_png(logo.png().to_vec().into(), true))
        .transpose()
        .map_err(DeckError::Logo)?;

    let mut page_number = 0;
    let mut contents_written = false;
    for (index, slide) in deck.slides.iter().enumerate() {
        if index == 1 || (index == 0 && !has_title) {
            contents_page(&mut document, settings()?, deck, brand, &faces, &pages)?;
            contents_written = true;
            page_number += 1;
        }
        let mut page = document.start_page_with(settings()?);
        let mut surface = page.surface();
        page_number += 1;
        match &slide.body {
            SlideBody::Title { subtitle } => {
                title_page(
                    &mut surface,
                    brand,
                    &faces,
                    slide,
                    subtitle,
                    client_logo.as_ref(),
                );
            }
            SlideBody::Section { subtitle } => {
                rect(&mut surface, 0.0, 0.0, WIDTH, HEIGHT, brand.primary);
                text_box(
                    &mut surface,
                    &faces.bold,
                    &slide.title,
                    36.0,
                    Rgb(255, 255, 255),
                    (MARGIN, 200.0, WIDTH - 2.0 * MARGIN, 90.0),
                    Align::Left,
                );
                text_box(
                    &mut surface,
                    &faces.regular,
                    subtitle,
                    20.0,
                    brand.primary.tint(0.8),
                    (MARGIN, 290.0, WIDTH - 2.0 * MARGIN, 80.0),
                    Align::Left,
                );
            }
            body => {
                rect(&mut surface, 0.0, 0.0, WIDTH, 7.2, brand.primary);
                text_box(
                    &mut surface,
                    &faces.bold,
                    &slide.title,
                    24.0,
                    brand.primary,
                    (MARGIN, 28.0, WIDTH - 2.0 * MARGIN, 64.0),
                    Align::Left,
                );
                let area = (MARGIN, CONTENT_TOP, WIDTH - 2.0 * MARGIN, CONTENT_HEIGHT);
                let mut footnote = slide.footnote.clone();
                match body {
                    SlideBody::Bullets { items } => {
                        bullets(&mut surface, brand, &faces, area, items)
                    }
                    SlideBody::Kpis { tiles } => kpis(&mut surface, brand, &faces, area, tiles),
                    SlideBody::Quotes { quotes } => {
                        quote_wall(&mut surface, brand, &faces, area, quotes);
                    }
                    SlideBody::Chart { chart } => {
                        chart.validate()?;
                        draw_chart(&mut surface, brand, &faces, area, chart);
                    }
                    SlideBody::Table { table } => {
                        table.validate()?;
                        if let Some(cut) = draw_table(&mut surface, brand, &faces, area, table) {
                            footnote = if footnote.is_empty() {
                                cut
                            } else {
                                format!("{footnote} · {cut}")
                            };
                        }
                    }
                    SlideBody::Title { .. } | SlideBody::Section { .. } => {}
                }
                text_box(
                    &mut surface,
                    &faces.regular,
                    &footnote,
                    9.0,
                    brand.text.tint(0.4),
                    (MARGIN, 466.0, WIDTH - 2.0 * MARGIN - 144.0, 30.0),
                    Align::Left,
                );
            }
        }
        // Title and section pages are the brand's own, without the running footer.
        if !matches!(
            slide.body,
            SlideBody::Title { .. } | SlideBody::Section { .. }
        ) {
            footer(
                &mut surface,
                brand,
                &faces,
                page_number,
                client_logo.as_ref(),
            );
        }
        surface.finish();
        page.finish();
    }
    if !contents_written {
        contents_page(&mut document, settings()?, deck, brand, &faces, &pages)?;
        page_number += 1;
    }
    sources_page(
        &mut document,
        settings()?,
        deck,
        brand,
        &faces,
        &pages,
        page_number + 1,
    )?;

    let mut outline = Outline::new();
    for (index, slide) in deck.slides.iter().enumerate() {
        outline.push_child(OutlineNode::new(
            format!("{}. {}", pages.of_slide[index] + 1, slide.title),
            XyzDestination::new(pages.of_slide[index], Point::from_xy(0.0, 0.0)),
        ));
    }
    outline.push_child(OutlineNode::new(
        "Sources".into(),
        XyzDestination::new(pages.sources, Point::from_xy(0.0, 0.0)),
    ));
    document.set_outline(outline);
    let mut metadata = Metadata::new()
        .title(deck.title.clone())
        .creator("ProfitWheel".into());
    if !brand.agency_name.is_empty() {
        metadata = metadata.authors(vec![brand.agency_name.clone()]);
    }
    document.set_metadata(metadata);
    document
        .finish()
        .map_err(|e| DeckError::Package(format!("the PDF could not be written: {e:?}")))
}

fn face(data: &[u8]) -> Result<Face<'_>, DeckError> {
    let shaper = rustybuzz::Face::from_slice(data, 0)
        .ok_or_else(|| DeckError::Font("a font file could not be read".into()))?;
    let font = Font::new(data.to_vec().into(), 0)
        .ok_or_else(|| DeckError::Font("a font file could not be embedded".into()))?;
    Ok(Face { font, shaper })
}

fn title_page(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    slide: &Slide,
    subtitle: &str,
    logo: Option<&Image>,
) {
    if let (Some(image), Some(source)) = (logo, brand.client_logo.as_ref()) {
        let (w, h) = fit(source.aspect(), 288.0, 57.6);
        if let Some(size) = Size::from_wh(w, h) {
            surface.push_transform(&krilla::geom::Transform::from_translate(MARGIN, 50.4));
            surface.draw_image(image.clone(), size);
            surface.pop();
        }
    }
    text_box(
        surface,
        &faces.bold,
        &slide.title,
        40.0,
        brand.primary,
        (MARGIN, 170.0, WIDTH - 2.0 * MARGIN, 110.0),
        Align::Left,
    );
    let mut y = 290.0;
    y += text_box(
        surface,
        &faces.regular,
        subtitle,
        20.0,
        brand.text,
        (MARGIN, y, WIDTH - 2.0 * MARGIN, 50.0),
        Align::Left,
    );
    let presenter = match (brand.client_name.is_empty(), brand.agency_name.is_empty()) {
        (false, false) => format!("For {} · by {}", brand.client_name, brand.agency_name),
        (false, true) => brand.client_name.clone(),
        (true, false) => format!("By {}", brand.agency_name),
        (true, true) => String::new(),
    };
    y += text_box(
        surface,
        &faces.regular,
        &presenter,
        16.0,
        brand.secondary,
        (MARGIN, y + 6.0, WIDTH - 2.0 * MARGIN, 30.0),
        Align::Left,
    );
    text_box(
        surface,
        &faces.regular,
        &slide.footnote,
        12.0,
        brand.text.tint(0.35),
        (MARGIN, y + 12.0, WIDTH - 2.0 * MARGIN, 40.0),
        Align::Left,
    );
}

fn fit(aspect: f64, max_width: f32, max_height: f32) -> (f32, f32) {
    let width = max_height * aspect as f32;
    if width <= max_width {
        (width, max_height)
    } else {
        (max_width, max_width / aspect as f32)
    }
}

fn footer(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    number: usize,
    logo: Option<&Image>,
) {
    let muted = brand.text.tint(0.4);
    let left = if brand.agency_name.is_empty() {
        &brand.client_name
    } else {
        &brand.agency_name
    };
    text_box(
        surface,
        &faces.regular,
        left,
        8.0,
        muted,
        (MARGIN, HEIGHT - 30.0, 360.0, 14.0),
        Align::Left,
    );
    let mut right = WIDTH - MARGIN;
    if let (Some(image), Some(source)) = (logo, brand.client_logo.as_ref()) {
        let (w, h) = fit(source.aspect(), 144.0, 25.2);
        if let Some(size) = Size::from_wh(w, h) {
            surface.push_transform(&krilla::geom::Transform::from_translate(
                WIDTH - MARGIN - w,
                HEIGHT - 36.0,
            ));
            surface.draw_image(image.clone(), size);
            surface.pop();
        }
        right -= 144.0;
    }
    text_box(
        surface,
        &faces.regular,
        &number.to_string(),
        8.0,
        muted,
        (right - 72.0, HEIGHT - 30.0, 72.0, 14.0),
        Align::Right,
    );
}

fn contents_page(
    document: &mut Document,
    settings: PageSettings,
    deck: &Deck,
    brand: &Brand,
    faces: &Faces<'_>,
    pages: &Pages,
) -> Result<(), DeckError> {
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    rect(&mut surface, 0.0, 0.0, WIDTH, 7.2, brand.primary);
    text_box(
        &mut surface,
        &faces.bold,
        "Contents",
        24.0,
        brand.primary,
        (MARGIN, 28.0, WIDTH - 2.0 * MARGIN, 64.0),
        Align::Left,
    );
    // Parts (section slides) in bold with the pages under them; a deck without parts lists
    // every page.
    let has_parts = deck
        .slides
        .iter()
        .any(|s| matches!(s.body, SlideBody::Section { .. }));
    let entries: Vec<(usize, &Slide, bool)> = deck
        .slides
        .iter()
        .enumerate()
        .filter(|(_, s)| !matches!(s.body, SlideBody::Title { .. }))
        .map(|(i, s)| (i, s, matches!(s.body, SlideBody::Section { .. })))
        .filter(|(_, _, part)| *part || !has_parts)
        .collect();
    let mut links = Vec::new();
    let mut y = CONTENT_TOP;
    let row = 22.0;
    for (index, slide, part) in entries
        .iter()
        .map(|(i, s, p)| (Some(*i), Some(*s), *p))
        .chain(std::iter::once((None, None, true)))
    {
        if y + row > CONTENT_TOP + CONTENT_HEIGHT {
            break;
        }
        let (title, target) = match (index, slide) {
            (Some(i), Some(s)) => (s.title.as_str(), pages.of_slide[i]),
            _ => ("Sources", pages.sources),
        };
        let face = if part { &faces.bold } else { &faces.regular };
        text_box(
            &mut surface,
            face,
            title,
            14.0,
            brand.text,
            (MARGIN, y, WIDTH - 2.0 * MARGIN - 60.0, row),
            Align::Left,
        );
        text_box(
            &mut surface,
            &faces.regular,
            &(target + 1).to_string(),
            14.0,
            brand.text,
            (WIDTH - MARGIN - 60.0, y, 60.0, row),
            Align::Right,
        );
        if let Some(area) = Rect::from_xywh(MARGIN, y, WIDTH - 2.0 * MARGIN, row) {
            links.push(Annotation::new_link(
                LinkAnnotation::new(
                    area,
                    Target::Destination(
                        XyzDestination::new(target, Point::from_xy(0.0, 0.0)).into(),
                    ),
                ),
                Some(format!("Go to page {}", target + 1)),
            ));
        }
        y += row;
    }
    footer(&mut surface, brand, faces, pages.contents + 1, None);
    surface.finish();
    for link in links {
        page.add_annotation(link);
    }
    page.finish();
    Ok(())
}

fn sources_page(
    document: &mut Document,
    settings: PageSettings,
    deck: &Deck,
    brand: &Brand,
    faces: &Faces<'_>,
    pages: &Pages,
    number: usize,
) -> Result<(), DeckError> {
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    rect(&mut surface, 0.0, 0.0, WIDTH, 7.2, brand.primary);
    text_box(
        &mut surface,
        &faces.bold,
        "Sources",
        24.0,
        brand.primary,
        (MARGIN, 28.0, WIDTH - 2.0 * MARGIN, 64.0),
        Align::Left,
    );
    let mut lines: Vec<String> = Vec::new();
    for (index, slide) in deck.slides.iter().enumerate() {
        for source in &slide.sources {
            let line = format!(
                "Page {}: {} [{} {}]",
                pages.of_slide[index] + 1,
                source.description,
                source.table,
                source.reference
            );
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    let mut y = CONTENT_TOP;
    let bottom = CONTENT_TOP + CONTENT_HEIGHT;
    let mut shown = 0;
    for line in &lines {
        let needed = faces.regular.wrap(line, 9.0, WIDTH - 2.0 * MARGIN).len() as f32 * 10.8;
        if y + needed > bottom {
            break;
        }
        y += text_box(
            &mut surface,
            &faces.regular,
            line,
            9.0,
            brand.text,
            (MARGIN, y, WIDTH - 2.0 * MARGIN, needed),
            Align::Left,
        );
        shown += 1;
    }
    if shown < lines.len() {
        text_box(
            &mut surface,
            &faces.regular,
            &format!(
                "{} more sources are in the PowerPoint's speaker notes and the deck's record.",
                lines.len() - shown
            ),
            9.0,
            brand.text.tint(0.4),
            (MARGIN, 466.0, WIDTH - 2.0 * MARGIN - 144.0, 30.0),
            Align::Left,
        );
    }
    footer(&mut surface, brand, faces, number, None);
    surface.finish();
    page.finish();
    Ok(())
}

fn bullets(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    (x, y, w, h): (f32, f32, f32, f32),
    items: &[String],
) {
    let mut top = y;
    for item in items {
        if top + 24.0 > y + h {
            break;
        }
        text_box(
            surface,
            &faces.regular,
            "•",
            18.0,
            brand.primary,
            (x, top, 18.0, 24.0),
            Align::Left,
        );
        top += text_box(
            surface,
            &faces.regular,
            item,
            18.0,
            brand.text,
            (x + 24.0, top, w - 24.0, y + h - top),
            Align::Left,
        ) + 8.0;
    }
}

fn kpis(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    (x, y, w, _h): (f32, f32, f32, f32),
    tiles: &[crate::Kpi],
) {
    let per_row = tiles.len().clamp(1, 4) as f32;
    let gap = 14.4;
    let width = (w - gap * (per_row - 1.0)) / per_row;
    let height = 129.6;
    for (i, tile) in tiles.iter().take(8).enumerate() {
        let (row, column) = ((i as f32 / per_row).floor(), i as f32 % per_row);
        let (left, top) = (x + column * (width + gap), y + row * (height + gap));
        rect(surface, left, top, width, height, brand.primary.tint(0.9));
        let inner = width - 20.0;
        text_box(
            surface,
            &faces.regular,
            &tile.label,
            12.0,
            brand.text,
            (left + 10.0, top + 16.0, inner, 16.0),
            Align::Left,
        );
        text_box(
            surface,
            &faces.bold,
            &tile.value,
            26.0,
            brand.primary,
            (left + 10.0, top + 38.0, inner, 34.0),
            Align::Left,
        );
        text_box(
            surface,
            &faces.regular,
            &tile.detail,
            10.0,
            brand.text.tint(0.35),
            (left + 10.0, top + 80.0, inner, 40.0),
            Align::Left,
        );
    }
}

fn quote_wall(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    (x, y, w, h): (f32, f32, f32, f32),
    quotes: &[crate::Quote],
) {
    let quotes = &quotes[..quotes.len().min(6)];
    let columns: f32 = if quotes.len() > 1 { 2.0 } else { 1.0 };
    let rows = (quotes.len() as f32 / columns).ceil().max(1.0);
    let gap = 14.4;
    let width = (w - gap * (columns - 1.0)) / columns;
    let height = (h - gap * (rows - 1.0)) / rows;
    for (i, quote) in quotes.iter().enumerate() {
        let (row, column) = ((i as f32 / columns).floor(), i as f32 % columns);
        let (left, top) = (x + column * (width + gap), y + row * (height + gap));
        rect(surface, left, top, width, height, brand.secondary.tint(0.9));
        let used = text_box(
            surface,
            &faces.regular,
            &format!("“{}”", quote.text),
            14.0,
            brand.text,
            (left + 12.0, top + 10.0, width - 24.0, height - 36.0),
            Align::Left,
        );
        text_box(
            surface,
            &faces.regular,
            &format!("— {}", quote.attribution),
            10.0,
            brand.secondary,
            (left + 12.0, top + 14.0 + used, width - 24.0, 14.0),
            Align::Left,
        );
    }
}

/// "Nice" axis steps: 1, 2 or 5 times a power of ten, about five of them to the top.
fn axis_top(max: f64) -> (f64, f64) {
    if max <= 0.0 || !max.is_finite() {
        return (1.0, 0.2);
    }
    let rough = max / 5.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    ((max / step).ceil() * step, step)
}

fn draw_chart(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    (x, y, w, h): (f32, f32, f32, f32),
    chart: &ChartSpec,
) {
    let accents = brand.accents();
    let muted = brand.text.tint(0.4);
    let grid = brand.text.tint(0.88);
    let legend_height = 20.0;
    let stacked = chart.kind == ChartKind::StackedColumn;
    let values = |c: usize| chart.series.iter().filter_map(move |s| s.values[c]);
    let max = (0..chart.categories.len())
        .map(|c| {
            if stacked {
                values(c).filter(|v| *v > 0.0).sum::<f64>()
            } else {
                values(c).fold(0.0, f64::max)
            }
        })
        .fold(0.0, f64::max);
    let (top, step) = axis_top(max);
    let label = |v: f64| chart.format.display(&Value::Number(v));

    if chart.kind == ChartKind::Bar {
        // Horizontal bars: categories down the left, values along the bottom.
        let label_width = (w * 0.3).min(
            chart
                .categories
                .iter()
                .map(|c| faces.regular.width(c, 10.0))
                .fold(0.0, f32::max)
                + 8.0,
        );
        let (left, plot_w) = (x + label_width, w - label_width - 10.0);
        let plot_h = h - legend_height - 18.0;
        let scale = |v: f64| (v / top) as f32 * plot_w;
        let mut tick = 0.0;
        while tick <= top + step / 2.0 {
            let tx = left + scale(tick);
            line(surface, &[(tx, y), (tx, y + plot_h)], 0.5, grid);
            text_box(
                surface,
                &faces.regular,
                &label(tick),
                9.0,
                muted,
                (tx - 40.0, y + plot_h + 2.0, 80.0, 12.0),
                Align::Center,
            );
            tick += step;
        }
        let band = plot_h / chart.categories.len() as f32;
        let bar = band * 0.7 / chart.series.len() as f32;
        for (c, category) in chart.categories.iter().enumerate() {
            let band_top = y + c as f32 * band;
            text_box(
                surface,
                &faces.regular,
                category,
                10.0,
                brand.text,
                (x, band_top + band / 2.0 - 7.0, label_width - 6.0, 14.0),
                Align::Right,
            );
            for (s, series) in chart.series.iter().enumerate() {
                if let Some(v) = series.values[c] {
                    rect(
                        surface,
                        left,
                        band_top + band * 0.15 + s as f32 * bar,
                        scale(v.max(0.0)),
                        bar,
                        accents[s % accents.len()],
                    );
                }
            }
        }
        legend(surface, brand, faces, chart, (x, y + h - legend_height, w));
        return;
    }

    let label_width = faces.regular.width(&label(top), 9.0) + 8.0;
    let (left, plot_w) = (x + label_width, w - label_width);
    let plot_h = h - legend_height - 30.0;
    let bottom = y + plot_h;
    let scale = |v: f64| (v / top) as f32 * plot_h;
    let mut tick = 0.0;
    while tick <= top + step / 2.0 {
        let ty = bottom - scale(tick);
        line(surface, &[(left, ty), (left + plot_w, ty)], 0.5, grid);
        text_box(
            surface,
            &faces.regular,
            &label(tick),
            9.0,
            muted,
            (x, ty - 6.0, label_width - 4.0, 12.0),
            Align::Right,
        );
        tick += step;
    }
    let count = chart.categories.len();
    let band = plot_w / count as f32;
    // Category labels: as many as fit side by side, evenly spaced.
    let widest = chart
        .categories
        .iter()
        .map(|c| faces.regular.width(c, 9.0))
        .fold(0.0, f32::max)
        + 6.0;
    let every = ((widest / band).ceil() as usize).max(1);
    for (c, category) in chart.categories.iter().enumerate().step_by(every) {
        let cx = left + (c as f32 + 0.5) * band;
        text_box(
            surface,
            &faces.regular,
            category,
            9.0,
            muted,
            (cx - widest / 2.0, bottom + 4.0, widest, 12.0),
            Align::Center,
        );
    }
    match chart.kind {
        ChartKind::Line => {
            for (s, series) in chart.series.iter().enumerate() {
                // A gap (no value) breaks the line.
                let mut run: Vec<(f32, f32)> = Vec::new();
                for (c, value) in series.values.iter().enumerate() {
                    match value {
                        Some(v) => run.push((left + (c as f32 + 0.5) * band, bottom - scale(*v))),
                        None => {
                            if run.len() > 1 {
                                line(surface, &run, 1.8, accents[s % accents.len()]);
                            }
                            run.clear();
                        }
                    }
                }
                if run.len() > 1 {
                    line(surface, &run, 1.8, accents[s % accents.len()]);
                } else if let Some((px, py)) = run.first() {
                    rect(
                        surface,
                        px - 2.0,
                        py - 2.0,
                        4.0,
                        4.0,
                        accents[s % accents.len()],
                    );
                }
            }
        }
        ChartKind::StackedColumn => {
            for c in 0..count {
                let mut base = 0.0;
                for (s, series) in chart.series.iter().enumerate() {
                    if let Some(v) = series.values[c].filter(|v| *v > 0.0) {
                        let (y0, y1) = (bottom - scale(base + v), bottom - scale(base));
                        rect(
                            surface,
                            left + c as f32 * band + band * 0.2,
                            y0,
                            band * 0.6,
                            y1 - y0,
                            accents[s % accents.len()],
                        );
                        base += v;
                    }
                }
            }
        }
        ChartKind::Column | ChartKind::Bar => {
            let bar = band * 0.7 / chart.series.len() as f32;
            for c in 0..count {
                for (s, series) in chart.series.iter().enumerate() {
                    if let Some(v) = series.values[c] {
                        let height = scale(v.max(0.0));
                        rect(
                            surface,
                            left + c as f32 * band + band * 0.15 + s as f32 * bar,
                            bottom - height,
                            bar,
                            height,
                            accents[s % accents.len()],
                        );
                    }
                }
            }
        }
    }
    line(
        surface,
        &[(left, bottom), (left + plot_w, bottom)],
        0.8,
        muted,
    );
    legend(surface, brand, faces, chart, (x, y + h - legend_height, w));
}

fn legend(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    chart: &ChartSpec,
    (x, y, w): (f32, f32, f32),
) {
    let accents = brand.accents();
    let entries: Vec<(f32, &str)> = chart
        .series
        .iter()
        .map(|s| (faces.regular.width(&s.name, 10.0) + 24.0, s.name.as_str()))
        .collect();
    let total: f32 = entries.iter().map(|(width, _)| width).sum();
    let mut left = x + ((w - total) / 2.0).max(0.0);
    for (s, (width, name)) in entries.iter().enumerate() {
        rect(
            surface,
            left,
            y + 5.0,
            10.0,
            10.0,
            accents[s % accents.len()],
        );
        text_box(
            surface,
            &faces.regular,
            name,
            10.0,
            brand.text,
            (left + 14.0, y + 2.0, *width, 14.0),
            Align::Left,
        );
        left += width;
    }
}

/// Draws the rows that fit, laid out as the PowerPoint's table; says how many were shown when
/// not all were.
fn draw_table(
    surface: &mut Surface<'_>,
    brand: &Brand,
    faces: &Faces<'_>,
    (x, y, w, h): (f32, f32, f32, f32),
    table: &crate::Table,
) -> Option<String> {
    let header: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
    let emu = |pt: f32| (pt / PT_PER_EMU) as i64;
    let candidates = table.rows.len().min((h / 29.2).max(1.0) as usize);
    let rows: Vec<Vec<(String, Align)>> = (0..candidates)
        .map(|r| {
            (0..table.columns.len())
                .map(|c| {
                    let align = if matches!(table.rows[r][c], Value::Text(_)) {
                        Align::Left
                    } else {
                        Align::Right
                    };
                    (table.display(r, c), align)
                })
                .collect()
        })
        .collect();
    let layout = TableLayout::fit(emu(w), emu(h), &header, &rows);
    let widths: Vec<f32> = layout
        .widths
        .iter()
        .map(|w| *w as f32 * PT_PER_EMU)
        .collect();
    let pad = 5.4;
    let mut top = y;
    let header_h = layout.header_height as f32 * PT_PER_EMU;
    let mut left = x;
    for (c, name) in header.iter().enumerate() {
        rect(surface, left, top, widths[c], header_h, brand.primary);
        text_box(
            surface,
            &faces.bold,
            name,
            10.0,
            Rgb(255, 255, 255),
            (left + pad, top + 4.0, widths[c] - 2.0 * pad, header_h - 4.0),
            Align::Left,
        );
        left += widths[c];
    }
    top += header_h;
    for (r, row) in rows.iter().take(layout.row_heights.len()).enumerate() {
        let row_h = layout.row_heights[r] as f32 * PT_PER_EMU;
        let band = if r % 2 == 0 {
            brand.primary.tint(0.9)
        } else {
            Rgb(255, 255, 255)
        };
        let mut left = x;
        for (c, (text, align)) in row.iter().enumerate() {
            rect(surface, left, top, widths[c], row_h, band);
            text_box(
                surface,
                &faces.regular,
                text,
                10.0,
                brand.text,
                (left + pad, top + 4.0, widths[c] - 2.0 * pad, row_h - 4.0),
                *align,
            );
            left += widths[c];
        }
        top += row_h;
    }
    let shown = layout.row_heights.len();
    (shown < table.rows.len())
        .then(|| format!("Showing the first {shown} of {} rows.", table.rows.len()))
}
