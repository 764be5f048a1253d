//! The deck as a PDF report: one 16:9 page per slide in the PowerPoint's layout, the fonts
//! embedded (subset), charts and tables drawn as vector paths and text, page numbers, a table
//! of contents with links after the title page, bookmarks for every page, and a closing page
//! listing every page's sources (the speaker notes of the PowerPoint). Built locally with
//! krilla; the caller hands the font files over, so nothing here reads a disk.

use krilla::Document;
use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::destination::XyzDestination;
use krilla::geom::{Point, Rect, Size};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::surface::Surface;

use crate::pptx::shapes::{Align, note_cut};

mod body;
mod text;

use crate::{Brand, Deck, DeckError, Rgb, Slide, SlideBody};
use body::{bullets, draw_chart, draw_table, kpis, quote_wall};
pub use text::PdfFonts;
use text::{Faces, face, rect, text_box};

/// 16:9 in points, as the PowerPoint (13.333 × 7.5 in).
const WIDTH: f32 = 960.0;
const HEIGHT: f32 = 540.0;
const MARGIN: f32 = 36.0;
/// The content box under the headline, as in the PowerPoint.
const CONTENT_TOP: f32 = 100.8;
const CONTENT_HEIGHT: f32 = 360.0;
/// Points per EMU.
pub(crate) const PT_PER_EMU: f32 = 1.0 / 12_700.0;

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
                page_header(&mut surface, brand, &faces, &slide.title);
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
                        let shown = draw_table(&mut surface, brand, &faces, area, table);
                        footnote = note_cut(&footnote, shown, table.rows.len());
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
    sources_pages(
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

/// The brand bar across the top and the page's headline under it, as on the PowerPoint's
/// content slides.
fn page_header(surface: &mut Surface<'_>, brand: &Brand, faces: &Faces<'_>, title: &str) {
    rect(surface, 0.0, 0.0, WIDTH, 7.2, brand.primary);
    text_box(
        surface,
        &faces.bold,
        title,
        24.0,
        brand.primary,
        (MARGIN, 28.0, WIDTH - 2.0 * MARGIN, 64.0),
        Align::Left,
    );
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
        let (w, h) = source.fit(288.0, 57.6);
        let (w, h) = (w as f32, h as f32);
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
    let presenter = brand.presenter();
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
        let (w, h) = source.fit(144.0, 25.2);
        let (w, h) = (w as f32, h as f32);
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
    page_header(&mut surface, brand, faces, "Contents");
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

fn sources_pages(
    document: &mut Document,
    settings: PageSettings,
    deck: &Deck,
    brand: &Brand,
    faces: &Faces<'_>,
    pages: &Pages,
    number: usize,
) -> Result<(), DeckError> {
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
    // As many pages as the lines take: every source is listed, none cut.
    let bottom = CONTENT_TOP + CONTENT_HEIGHT;
    let mut remaining = lines.iter().peekable();
    let mut number = number;
    let mut first = true;
    while first || remaining.peek().is_some() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        page_header(
            &mut surface,
            brand,
            faces,
            if first {
                "Sources"
            } else {
                "Sources (continued)"
            },
        );
        let mut y = CONTENT_TOP;
        while let Some(line) = remaining.peek() {
            let needed = faces.regular.wrap(line, 9.0, WIDTH - 2.0 * MARGIN).len() as f32 * 10.8;
            // A line taller than a whole page still goes on a page of its own.
            if y + needed > bottom && y > CONTENT_TOP {
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
            remaining.next();
        }
        footer(&mut surface, brand, faces, number, None);
        surface.finish();
        page.finish();
        number += 1;
        first = false;
    }
    Ok(())
}
