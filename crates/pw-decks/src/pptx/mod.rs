//! The PowerPoint package: a 16:9 PresentationML zip with one master and one blank layout (every
//! shape is placed by us, so no viewer's placeholder geometry moves anything), a brand theme,
//! native charts with their workbooks, and speaker notes that list each slide's sources.
//!
//! The static parts start from python-pptx's templates (see `templates/NOTICE.md`).

mod chart_part;
pub(crate) mod shapes;

use std::io::Write;

use zip::write::SimpleFileOptions;

use crate::xml::escape;
use crate::{Brand, Deck, DeckError, Slide, SlideBody};
use shapes::{Align, Anchor, Emu, Face, Frame, Para, ShapeTree, TableLayout};

const SLIDE_WIDTH: Emu = 12_192_000;
const SLIDE_HEIGHT: Emu = 6_858_000;
const MARGIN: Emu = 457_200;
/// KPI tiles and quotes a slide holds before they would run over its footer.
const MAX_TILES: usize = 8;
const MAX_QUOTES: usize = 6;
const NAMESPACES: &str = "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"";
const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const RELATIONSHIP: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
const CONTENT: &str = "application/vnd.openxmlformats-officedocument.";

/// One part of the package and, for XML parts, its content type.
struct Part {
    path: String,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

/// A part's relationships, numbered as they are added.
#[derive(Default)]
struct Relationships(Vec<(String, String, String)>);

impl Relationships {
    fn add(&mut self, kind: &str, target: &str) -> String {
        let id = format!("rId{}", self.0.len() + 1);
        let kind = if kind.starts_with("http") {
            kind.to_owned()
        } else {
            format!("{RELATIONSHIP}{kind}")
        };
        self.0.push((id.clone(), kind, target.to_owned()));
        id
    }

    fn xml(&self) -> Vec<u8> {
        let items: String = self
            .0
            .iter()
            .map(|(id, kind, target)| {
                format!(
                    "<Relationship Id=\"{id}\" Type=\"{kind}\" Target=\"{}\"/>",
                    escape(target)
                )
            })
            .collect();
        format!(
            "{DECLARATION}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{items}</Relationships>"
        )
        .into_bytes()
    }
}

/// Where a relationships part lives for `path` ("ppt/slides/slide1.xml" →
/// "ppt/slides/_rels/slide1.xml.rels").
pub(crate) fn rels_path(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((folder, file)) => format!("{folder}/_rels/{file}.rels"),
        None => format!("_rels/{path}.rels"),
    }
}

struct Package {
    parts: Vec<Part>,
}

impl Package {
    fn xml(&mut self, path: &str, content_type: &str, xml: String) {
        self.parts.push(Part {
            path: path.to_owned(),
            content_type: Some(content_type.to_owned()),
            bytes: xml.into_bytes(),
        });
    }

    fn binary(&mut self, path: &str, bytes: Vec<u8>) {
        self.parts.push(Part {
            path: path.to_owned(),
            content_type: None,
            bytes,
        });
    }

    fn rels(&mut self, owner: &str, relationships: &Relationships) {
        self.binary(&rels_path(owner), relationships.xml());
    }
}

/// The deck as a PowerPoint file.
pub fn write_pptx(deck: &Deck, brand: &Brand) -> Result<Vec<u8>, DeckError> {
    for (index, slide) in deck.slides.iter().enumerate() {
        let too_many = |count: usize, most: usize, what: &str| {
            DeckError::Invalid(format!(
                "slide {} (\"{}\") has {count} {what}; a slide holds {most}: split them over two slides",
                index + 1,
                slide.title
            ))
        };
        match &slide.body {
            SlideBody::Chart { chart } => chart.validate()?,
            SlideBody::Table { table } => table.validate()?,
            SlideBody::Kpis { tiles } if tiles.len() > MAX_TILES => {
                return Err(too_many(tiles.len(), MAX_TILES, "KPI tiles"));
            }
            SlideBody::Quotes { quotes } if quotes.len() > MAX_QUOTES => {
                return Err(too_many(quotes.len(), MAX_QUOTES, "quotes"));
            }
            _ => {}
        }
    }
    let mut package = Package { parts: Vec::new() };

    // Logos, shared by every slide that shows them.
    let client_logo = brand.client_logo.as_ref().inspect(|logo| {
        package.binary("ppt/media/client-logo.png", logo.png().to_vec());
    });
    let agency_logo = brand.agency_logo.as_ref().inspect(|logo| {
        package.binary("ppt/media/agency-logo.png", logo.png().to_vec());
    });

    // Theme, master and the one layout.
    package.xml(
        "ppt/theme/theme1.xml",
        &format!("{CONTENT}theme+xml"),
        theme_xml(brand),
    );
    let mut master_rels = Relationships::default();
    let layout_rel = master_rels.add("slideLayout", "../slideLayouts/slideLayout1.xml");
    master_rels.add("theme", "../theme/theme1.xml");
    let mut master_tree = ShapeTree::new(brand);
    // A thin brand bar across the top of every slide.
    master_tree.rect(Frame::new(0, 0, SLIDE_WIDTH, 91_440), brand.primary);
    if let Some(logo) = client_logo {
        let rel = master_rels.add("image", "../media/client-logo.png");
        let (width, height) = fit(logo, 1_828_800, 320_040);
        master_tree.picture(
            Frame::new(
                SLIDE_WIDTH - MARGIN - width,
                SLIDE_HEIGHT - 457_200,
                width,
                height,
            ),
            &rel,
            "Client logo",
        );
    }
    package.xml(
        "ppt/slideMasters/slideMaster1.xml",
        &format!("{CONTENT}presentationml.slideMaster+xml"),
        format!(
            "{DECLARATION}<p:sldMaster {NAMESPACES}><p:cSld><p:bg><p:bgPr>{}<a:effectLst/></p:bgPr></p:bg>{}</p:cSld>\
             <p:clrMap bg1=\"lt1\" tx1=\"dk1\" bg2=\"lt2\" tx2=\"dk2\" accent1=\"accent1\" accent2=\"accent2\" accent3=\"accent3\" accent4=\"accent4\" accent5=\"accent5\" accent6=\"accent6\" hlink=\"hlink\" folHlink=\"folHlink\"/>\
             <p:sldLayoutIdLst><p:sldLayoutId id=\"2147483649\" r:id=\"{layout_rel}\"/></p:sldLayoutIdLst>{}</p:sldMaster>",
            shapes::solid_fill(brand.background),
            master_tree.finish(),
            include_str!("templates/master-text-styles.xml")
        ),
    );
    package.rels("ppt/slideMasters/slideMaster1.xml", &master_rels);
    let mut layout_rels = Relationships::default();
    layout_rels.add("slideMaster", "../slideMasters/slideMaster1.xml");
    package.xml(
        "ppt/slideLayouts/slideLayout1.xml",
        &format!("{CONTENT}presentationml.slideLayout+xml"),
        format!(
            "{DECLARATION}<p:sldLayout {NAMESPACES} type=\"blank\" preserve=\"1\"><p:cSld name=\"Blank\">{}</p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>",
            ShapeTree::new(brand).finish()
        ),
    );
    package.rels("ppt/slideLayouts/slideLayout1.xml", &layout_rels);

    // The notes master and its own theme, which speaker notes need.
    package.xml(
        "ppt/notesMasters/notesMaster1.xml",
        &format!("{CONTENT}presentationml.notesMaster+xml"),
        include_str!("templates/notesMaster.xml").to_owned(),
    );
    let mut notes_master_rels = Relationships::default();
    notes_master_rels.add("theme", "../theme/theme2.xml");
    package.rels("ppt/notesMasters/notesMaster1.xml", &notes_master_rels);
    package.xml(
        "ppt/theme/theme2.xml",
        &format!("{CONTENT}theme+xml"),
        include_str!("templates/notes-theme.xml").to_owned(),
    );

    // Slides, their charts and their notes.
    let mut chart_count = 0;
    for (index, slide) in deck.slides.iter().enumerate() {
        let number = index + 1;
        let slide_path = format!("ppt/slides/slide{number}.xml");
        let mut rels = Relationships::default();
        rels.add("slideLayout", "../slideLayouts/slideLayout1.xml");
        let notes_rel = format!("../notesSlides/notesSlide{number}.xml");
        rels.add("notesSlide", &notes_rel);
        let mut tree = ShapeTree::new(brand);
        let mut background = None;
        match &slide.body {
            SlideBody::Title { subtitle } => {
                if let Some(logo) = client_logo {
                    let rel = rels.add("image", "../media/client-logo.png");
                    let (width, height) = fit(logo, 3_657_600, 731_520);
                    tree.picture(
                        Frame::new(MARGIN, 640_080, width, height),
                        &rel,
                        "Client logo",
                    );
                }
                if let Some(logo) = agency_logo {
                    let rel = rels.add("image", "../media/agency-logo.png");
                    let (width, height) = fit(logo, 2_743_200, 457_200);
                    tree.picture(
                        Frame::new(
                            SLIDE_WIDTH - MARGIN - width,
                            SLIDE_HEIGHT - 1_005_840,
                            width,
                            height,
                        ),
                        &rel,
                        "Agency logo",
                    );
                }
                title_slide(&mut tree, brand, slide, subtitle);
            }
            SlideBody::Section { subtitle } => {
                background = Some(brand.primary);
                section_slide(&mut tree, brand, slide, subtitle);
            }
            body => {
                let mut footnote = slide.footnote.clone();
                headline(&mut tree, brand, &slide.title);
                let content = Frame::new(MARGIN, 1_280_160, SLIDE_WIDTH - 2 * MARGIN, 4_572_000);
                match body {
                    SlideBody::Bullets { items } => bullets(&mut tree, brand, content, items),
                    SlideBody::Kpis { tiles } => kpi_tiles(&mut tree, brand, content, tiles),
                    SlideBody::Quotes { quotes } => quote_wall(&mut tree, brand, content, quotes),
                    SlideBody::Table { table } => {
                        let (header, rows, layout) = TableLayout::of(table, content.cx, content.cy);
                        let shown = layout.row_heights.len();
                        footnote = shapes::note_cut(&footnote, shown, table.rows.len());
                        tree.table(content, &header, &rows[..shown], &layout);
                    }
                    SlideBody::Chart { chart } => {
                        chart_count += 1;
                        let chart_path = format!("ppt/charts/chart{chart_count}.xml");
                        let rel = rels.add("chart", &format!("../charts/chart{chart_count}.xml"));
                        tree.chart(content, &rel);
                        let workbook =
                            format!("ppt/embeddings/Microsoft_Excel_Sheet{chart_count}.xlsx");
                        let mut chart_rels = Relationships::default();
                        let workbook_rel = chart_rels.add(
                            "package",
                            &format!("../embeddings/Microsoft_Excel_Sheet{chart_count}.xlsx"),
                        );
                        package.xml(
                            &chart_path,
                            &format!("{CONTENT}drawingml.chart+xml"),
                            chart_part::chart_xml(chart, brand, &workbook_rel),
                        );
                        package.rels(&chart_path, &chart_rels);
                        package.binary(&workbook, chart_part::chart_workbook(chart)?);
                    }
                    SlideBody::Title { .. } | SlideBody::Section { .. } => {}
                }
                footer(&mut tree, brand, &footnote, number);
            }
        }
        // The title and section slides carry their own branding: the master's bar and logo stay
        // off them (the title slide shows both logos large).
        let own_branding = if matches!(
            slide.body,
            SlideBody::Title { .. } | SlideBody::Section { .. }
        ) {
            " showMasterSp=\"0\""
        } else {
            ""
        };
        let background = background.map_or(String::new(), |color| {
            format!(
                "<p:bg><p:bgPr>{}<a:effectLst/></p:bgPr></p:bg>",
                shapes::solid_fill(color)
            )
        });
        package.xml(
            &slide_path,
            &format!("{CONTENT}presentationml.slide+xml"),
            format!(
                "{DECLARATION}<p:sld {NAMESPACES}{own_branding}><p:cSld>{background}{}</p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>",
                tree.finish()
            ),
        );
        package.rels(&slide_path, &rels);
        let notes_path = format!("ppt/notesSlides/notesSlide{number}.xml");
        package.xml(
            &notes_path,
            &format!("{CONTENT}presentationml.notesSlide+xml"),
            notes_xml(slide),
        );
        let mut notes_rels = Relationships::default();
        notes_rels.add("notesMaster", "../notesMasters/notesMaster1.xml");
        notes_rels.add("slide", &format!("../slides/slide{number}.xml"));
        package.rels(&notes_path, &notes_rels);
    }

    // The presentation that ties them together.
    let mut presentation_rels = Relationships::default();
    let master = presentation_rels.add("slideMaster", "slideMasters/slideMaster1.xml");
    let notes_master = presentation_rels.add("notesMaster", "notesMasters/notesMaster1.xml");
    presentation_rels.add("theme", "theme/theme1.xml");
    presentation_rels.add("presProps", "presProps.xml");
    presentation_rels.add("viewProps", "viewProps.xml");
    presentation_rels.add("tableStyles", "tableStyles.xml");
    let slide_ids: String = (1..=deck.slides.len())
        .map(|n| {
            let rel = presentation_rels.add("slide", &format!("slides/slide{n}.xml"));
            format!("<p:sldId id=\"{}\" r:id=\"{rel}\"/>", 255 + n)
        })
        .collect();
    let slide_list = if slide_ids.is_empty() {
        String::new()
    } else {
        format!("<p:sldIdLst>{slide_ids}</p:sldIdLst>")
    };
    package.xml(
        "ppt/presentation.xml",
        &format!("{CONTENT}presentationml.presentation.main+xml"),
        format!(
            "{DECLARATION}<p:presentation {NAMESPACES} saveSubsetFonts=\"1\">\
             <p:sldMasterIdLst><p:sldMasterId id=\"2147483648\" r:id=\"{master}\"/></p:sldMasterIdLst>\
             <p:notesMasterIdLst><p:notesMasterId r:id=\"{notes_master}\"/></p:notesMasterIdLst>{slide_list}\
             <p:sldSz cx=\"{SLIDE_WIDTH}\" cy=\"{SLIDE_HEIGHT}\"/><p:notesSz cx=\"6858000\" cy=\"9144000\"/>\
             <p:defaultTextStyle><a:defPPr><a:defRPr lang=\"en-US\"/></a:defPPr></p:defaultTextStyle></p:presentation>"
        ),
    );
    package.rels("ppt/presentation.xml", &presentation_rels);
    for (name, xml) in [
        ("presProps", include_str!("templates/presProps.xml")),
        ("viewProps", include_str!("templates/viewProps.xml")),
        ("tableStyles", include_str!("templates/tableStyles.xml")),
    ] {
        package.xml(
            &format!("ppt/{name}.xml"),
            &format!("{CONTENT}presentationml.{name}+xml"),
            xml.to_owned(),
        );
    }

    // Document properties and the package's own relationships.
    package.xml(
        "docProps/core.xml",
        "application/vnd.openxmlformats-package.core-properties+xml",
        format!(
            "{DECLARATION}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
             <dc:title>{}</dc:title><dc:creator>ProfitWheel</dc:creator><cp:lastModifiedBy>ProfitWheel</cp:lastModifiedBy><cp:revision>1</cp:revision></cp:coreProperties>",
            escape(&deck.title)
        ),
    );
    package.xml(
        "docProps/app.xml",
        &format!("{CONTENT}extended-properties+xml"),
        format!(
            "{DECLARATION}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">\
             <Application>ProfitWheel</Application><PresentationFormat>Widescreen</PresentationFormat><Slides>{}</Slides><Notes>{}</Notes><Company>{}</Company></Properties>",
            deck.slides.len(),
            deck.slides.len(),
            escape(&brand.agency_name)
        ),
    );
    let mut root_rels = Relationships::default();
    root_rels.add("officeDocument", "ppt/presentation.xml");
    root_rels.add(
        "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
        "docProps/core.xml",
    );
    root_rels.add("extended-properties", "docProps/app.xml");
    package.binary("_rels/.rels", root_rels.xml());

    let bytes = zip_package(package)?;
    // Read back before anyone opens it: a file PowerPoint would repair is our bug, not theirs.
    crate::check_pptx(&bytes)?;
    Ok(bytes)
}

/// The zip, `[Content_Types].xml` first, with an override for exactly the XML parts present.
fn zip_package(package: Package) -> Result<Vec<u8>, DeckError> {
    let overrides: String = package
        .parts
        .iter()
        .filter_map(|part| {
            part.content_type.as_ref().map(|kind| {
                format!(
                    "<Override PartName=\"/{}\" ContentType=\"{kind}\"/>",
                    part.path
                )
            })
        })
        .collect();
    let types = format!(
        "{DECLARATION}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Default Extension=\"png\" ContentType=\"image/png\"/>\
         <Default Extension=\"xlsx\" ContentType=\"{CONTENT}spreadsheetml.sheet\"/>{overrides}</Types>"
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", options)?;
    zip.write_all(types.as_bytes())?;
    for part in &package.parts {
        zip.start_file(part.path.as_str(), options)?;
        zip.write_all(&part.bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

fn theme_xml(brand: &Brand) -> String {
    let accents = brand.accents();
    let colour = |name: &str, rgb: crate::Rgb| {
        format!("<a:{name}><a:srgbClr val=\"{}\"/></a:{name}>", rgb.hex())
    };
    let mut colours = String::new();
    colours.push_str(&colour("dk1", brand.text));
    colours.push_str(&colour("lt1", brand.background));
    colours.push_str(&colour("dk2", brand.primary));
    colours.push_str(&colour("lt2", brand.primary.tint(0.9)));
    for (i, accent) in accents.iter().enumerate() {
        colours.push_str(&colour(&format!("accent{}", i + 1), *accent));
    }
    colours.push_str(&colour("hlink", brand.primary));
    colours.push_str(&colour("folHlink", brand.secondary));
    include_str!("templates/theme.xml")
        .replace("{{COLOURS}}", &colours)
        .replace("{{HEADING_FONT}}", &escape(&brand.heading_font))
        .replace("{{BODY_FONT}}", &escape(&brand.body_font))
}

fn title_slide(tree: &mut ShapeTree<'_>, brand: &Brand, slide: &Slide, subtitle: &str) {
    let mut title = tree.run(&slide.title, 40, brand.primary);
    title.bold = true;
    title.face = Face::Heading;
    tree.text(
        Frame::new(MARGIN, 2_011_680, SLIDE_WIDTH - 2 * MARGIN, 1_463_040),
        &[Para::one(title, Align::Left)],
        None,
        Anchor::Bottom,
    );
    let mut lines = vec![Para::one(tree.run(subtitle, 20, brand.text), Align::Left)];
    let presenter = brand.presenter();
    if !presenter.is_empty() {
        lines.push(Para::one(
            tree.run(&presenter, 16, brand.secondary),
            Align::Left,
        ));
    }
    if !slide.footnote.is_empty() {
        lines.push(Para::one(
            tree.run(&slide.footnote, 12, brand.text.tint(0.35)),
            Align::Left,
        ));
    }
    tree.text(
        Frame::new(MARGIN, 3_566_160, SLIDE_WIDTH - 2 * MARGIN, 1_463_040),
        &lines,
        None,
        Anchor::Top,
    );
}

fn section_slide(tree: &mut ShapeTree<'_>, brand: &Brand, slide: &Slide, subtitle: &str) {
    let white = crate::Rgb(255, 255, 255);
    let mut title = tree.run(&slide.title, 36, white);
    title.bold = true;
    title.face = Face::Heading;
    let mut lines = vec![Para::one(title, Align::Left)];
    if !subtitle.is_empty() {
        lines.push(Para::one(
            tree.run(subtitle, 20, brand.primary.tint(0.8)),
            Align::Left,
        ));
    }
    tree.text(
        Frame::new(MARGIN, 2_286_000, SLIDE_WIDTH - 2 * MARGIN, 2_286_000),
        &lines,
        None,
        Anchor::Middle,
    );
}

fn headline(tree: &mut ShapeTree<'_>, brand: &Brand, text: &str) {
    let mut run = tree.run(text, 26, brand.primary);
    run.bold = true;
    run.face = Face::Heading;
    tree.text(
        Frame::new(MARGIN, 274_320, SLIDE_WIDTH - 2 * MARGIN, 914_400),
        &[Para::one(run, Align::Left)],
        None,
        Anchor::Bottom,
    );
}

/// A logo's size inside a box, in whole EMUs (see `Logo::fit`).
fn fit(logo: &crate::Logo, max_width: Emu, max_height: Emu) -> (Emu, Emu) {
    let (width, height) = logo.fit(max_width as f64, max_height as f64);
    (width.round() as Emu, height.round() as Emu)
}

fn footer(tree: &mut ShapeTree<'_>, brand: &Brand, footnote: &str, number: usize) {
    let muted = brand.text.tint(0.4);
    if !footnote.is_empty() {
        tree.text(
            Frame::new(
                MARGIN,
                5_897_880,
                SLIDE_WIDTH - 2 * MARGIN - 1_828_800,
                457_200,
            ),
            &[Para::one(tree.run(footnote, 11, muted), Align::Left)],
            None,
            Anchor::Top,
        );
    }
    let mut left = brand.agency_name.clone();
    if left.is_empty() {
        left.clone_from(&brand.client_name);
    }
    tree.text(
        Frame::new(MARGIN, SLIDE_HEIGHT - 457_200, 4_572_000, 320_040),
        &[Para::one(tree.run(&left, 10, muted), Align::Left)],
        None,
        Anchor::Middle,
    );
    // Left of the master's logo box (2 inches and the margin) when there is a logo.
    let right_edge = if brand.client_logo.is_some() {
        MARGIN + 1_828_800
    } else {
        MARGIN
    };
    tree.slide_number(
        Frame::new(
            SLIDE_WIDTH - right_edge - 914_400,
            SLIDE_HEIGHT - 457_200,
            914_400,
            320_040,
        ),
        number,
        muted,
    );
}

fn bullets(tree: &mut ShapeTree<'_>, brand: &Brand, frame: Frame, items: &[String]) {
    let paras: Vec<Para> = items
        .iter()
        .map(|item| Para {
            runs: vec![tree.run(item, 20, brand.text)],
            align: Align::Left,
            bullet: true,
        })
        .collect();
    tree.text(frame, &paras, None, Anchor::Top);
}

fn kpi_tiles(tree: &mut ShapeTree<'_>, brand: &Brand, frame: Frame, tiles: &[crate::Kpi]) {
    let per_row = tiles.len().clamp(1, 4) as Emu;
    let gap: Emu = 182_880;
    let width = (frame.cx - gap * (per_row - 1)) / per_row;
    let height: Emu = 1_645_920;
    for (i, tile) in tiles.iter().enumerate() {
        let (row, column) = (i as Emu / per_row, i as Emu % per_row);
        let tile_frame = Frame::new(
            frame.x + column * (width + gap),
            frame.y + row * (height + gap),
            width,
            height,
        );
        let mut value = tree.run(&tile.value, 32, brand.primary);
        value.bold = true;
        value.face = Face::Heading;
        let mut lines = vec![
            Para::one(tree.run(&tile.label, 14, brand.text), Align::Left),
            Para::one(value, Align::Left),
        ];
        if !tile.detail.is_empty() {
            lines.push(Para::one(
                tree.run(&tile.detail, 12, brand.text.tint(0.35)),
                Align::Left,
            ));
        }
        tree.text(
            tile_frame,
            &lines,
            Some(brand.primary.tint(0.9)),
            Anchor::Middle,
        );
    }
}

fn quote_wall(tree: &mut ShapeTree<'_>, brand: &Brand, frame: Frame, quotes: &[crate::Quote]) {
    let columns: Emu = if quotes.len() > 1 { 2 } else { 1 };
    let rows = ((quotes.len() as Emu + columns - 1) / columns).max(1);
    let gap: Emu = 182_880;
    let width = (frame.cx - gap * (columns - 1)) / columns;
    let height = (frame.cy - gap * (rows - 1)) / rows;
    for (i, quote) in quotes.iter().enumerate() {
        let (row, column) = (i as Emu / columns, i as Emu % columns);
        let mut text = tree.run(&format!("“{}”", quote.text), 18, brand.text);
        text.italic = true;
        let lines = [
            Para::one(text, Align::Left),
            Para::one(
                tree.run(&format!("— {}", quote.attribution), 12, brand.secondary),
                Align::Left,
            ),
        ];
        tree.text(
            Frame::new(
                frame.x + column * (width + gap),
                frame.y + row * (height + gap),
                width,
                height,
            ),
            &lines,
            Some(brand.secondary.tint(0.9)),
            Anchor::Middle,
        );
    }
}

/// Speaker notes: the user's notes, then where the slide's numbers and quotes came from.
fn notes_xml(slide: &Slide) -> String {
    let mut lines: Vec<String> = slide
        .notes
        .lines()
        .map(str::to_owned)
        .filter(|l| !l.trim().is_empty())
        .collect();
    if !slide.sources.is_empty() {
        lines.push("Sources:".into());
        for source in &slide.sources {
            lines.push(format!(
                "• {} [{} {}]",
                source.description, source.table, source.reference
            ));
        }
    }
    let paragraphs: String = if lines.is_empty() {
        "<a:p><a:endParaRPr lang=\"en-US\"/></a:p>".into()
    } else {
        lines
            .iter()
            .map(|l| {
                format!(
                    "<a:p><a:r><a:rPr lang=\"en-US\" dirty=\"0\"/><a:t>{}</a:t></a:r></a:p>",
                    escape(l)
                )
            })
            .collect()
    };
    format!(
        "{DECLARATION}<p:notes {NAMESPACES}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id=\"1\" name=\"\"/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>\
         <p:grpSpPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"0\" cy=\"0\"/><a:chOff x=\"0\" y=\"0\"/><a:chExt cx=\"0\" cy=\"0\"/></a:xfrm></p:grpSpPr>\
         <p:sp><p:nvSpPr><p:cNvPr id=\"2\" name=\"Slide Image Placeholder 1\"/><p:cNvSpPr><a:spLocks noGrp=\"1\" noRot=\"1\" noChangeAspect=\"1\"/></p:cNvSpPr><p:nvPr><p:ph type=\"sldImg\" idx=\"2\"/></p:nvPr></p:nvSpPr><p:spPr/></p:sp>\
         <p:sp><p:nvSpPr><p:cNvPr id=\"3\" name=\"Notes Placeholder 2\"/><p:cNvSpPr><a:spLocks noGrp=\"1\"/></p:cNvSpPr><p:nvPr><p:ph type=\"body\" sz=\"quarter\" idx=\"3\"/></p:nvPr></p:nvSpPr><p:spPr/>\
         <p:txBody><a:bodyPr/><a:lstStyle/>{paragraphs}</p:txBody></p:sp></p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:notes>"
    )
}
