//! Reads a written PowerPoint package back and checks the faults known to make PowerPoint ask to
//! "repair" a file or draw the wrong numbers: a content-type override for a part that is missing,
//! a part with no content type or the wrong one for the relationship that reaches it, a
//! relationship pointing nowhere, an `r:id` its part's relationships lack, XML that does not
//! parse (or repeats an attribute), two shapes with one id on a slide, chart axes that do not
//! pair up, and chart caches whose point counts disagree. It does not validate against the
//! schemas (element order is the writer's own care). The deck writer runs it on every file
//! before handing it over, and the tests read slides, notes and chart data from it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use quick_xml::events::Event;

use crate::DeckError;

/// What a package holds, read back from the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackageReport {
    /// Each slide's text, run by run, in order.
    pub slide_texts: Vec<Vec<String>>,
    /// Each slide's speaker notes.
    pub notes: Vec<String>,
    /// Every chart's cached data, in part order (chart1, chart2, …).
    pub charts: Vec<ChartData>,
    /// Every chart's embedded workbook, in the same order.
    pub chart_workbooks: Vec<Vec<u8>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartData {
    pub categories: Vec<String>,
    /// Series name and values (`None` where the cache has no point).
    pub series: Vec<(String, Vec<Option<f64>>)>,
}

/// Checks the package and reads it back; the error lists every problem found.
pub fn check_pptx(bytes: &[u8]) -> Result<PackageReport, DeckError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| DeckError::Package(format!("not a zip package: {e}")))?;
    let mut parts: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let name = file.name()?.into_owned();
        let mut content = Vec::new();
        file.read_to_end(&mut content)?;
        parts.insert(name, content);
    }
    let mut problems: Vec<String> = Vec::new();

    // Content types.
    let Some(types) = parts.get("[Content_Types].xml") else {
        return Err(DeckError::Package("no [Content_Types].xml".into()));
    };
    let (defaults, overrides) = content_types(types, &mut problems);
    // A part typed only by the `xml` default is a part PowerPoint cannot place.
    for name in parts.keys() {
        if name.starts_with("ppt/") && name.ends_with(".xml") && !overrides.contains_key(name) {
            problems.push(format!("{name} has no content-type override"));
        }
    }
    for part in overrides.keys() {
        if !parts.contains_key(part) {
            problems.push(format!(
                "[Content_Types].xml names /{part}, which the package lacks"
            ));
        }
    }
    for name in parts.keys().filter(|n| *n != "[Content_Types].xml") {
        let extension = name.rsplit('.').next().unwrap_or_default().to_lowercase();
        if !overrides.contains_key(name) && !defaults.contains_key(&extension) {
            problems.push(format!("{name} has no content type"));
        }
    }

    // Well-formed XML; relationships that resolve to a part of the type they expect; every
    // relationship id a part uses, declared.
    let content_type_of = |part: &str| -> Option<String> {
        overrides.get(part).cloned().or_else(|| {
            let extension = part.rsplit('.').next().unwrap_or_default().to_lowercase();
            defaults.get(&extension).cloned()
        })
    };
    for (name, content) in &parts {
        let is_xml = name.ends_with(".xml") || name.ends_with(".rels");
        if is_xml && let Err(error) = walk(content, |_| {}) {
            problems.push(format!("{name} is not well-formed XML: {error}"));
        }
        if let Some(owner) = owner_of_rels(name) {
            let folder = owner.rsplit_once('/').map_or("", |(folder, _)| folder);
            for relationship in relationships(content) {
                if relationship.external {
                    continue;
                }
                let resolved = resolve(folder, &relationship.target);
                if !parts.contains_key(&resolved) {
                    problems.push(format!(
                        "{name} points to {}, which the package lacks",
                        relationship.target
                    ));
                    continue;
                }
                let kind = relationship.kind.rsplit('/').next().unwrap_or_default();
                if let Some(expected) = expected_content_type(kind) {
                    let actual = content_type_of(&resolved).unwrap_or_default();
                    if !actual.starts_with(expected) {
                        problems.push(format!(
                            "{resolved} is reached as a {kind} but typed \"{actual}\""
                        ));
                    }
                }
            }
        } else if name.ends_with(".xml") && name != "[Content_Types].xml" {
            let declared: BTreeSet<String> = parts
                .get(&crate::pptx::rels_path(name))
                .map(|rels| relationships(rels).into_iter().map(|r| r.id).collect())
                .unwrap_or_default();
            let mut used = BTreeSet::new();
            let _ = walk(content, |event| {
                if let Node::Open(_, attributes) = event {
                    for (key, value) in attributes {
                        if matches!(key.as_str(), "r:id" | "r:embed" | "r:link" | "r:pict") {
                            used.insert(value);
                        }
                    }
                }
            });
            for id in used.difference(&declared) {
                problems.push(format!("{name} uses {id}, which its relationships lack"));
            }
        }
    }

    // Slides by their part number: unique shape ids, text; notes; charts.
    let mut report = PackageReport::default();
    let slide_count = parts
        .keys()
        .filter(|n| n.starts_with("ppt/slides/slide") && n.ends_with(".xml"))
        .count();
    for n in 1..=slide_count {
        let name = format!("ppt/slides/slide{n}.xml");
        let Some(content) = parts.get(&name) else {
            problems.push(format!(
                "slides are not numbered 1 to {slide_count}: {name} is missing"
            ));
            continue;
        };
        let mut ids = BTreeSet::new();
        let mut texts = Vec::new();
        // `walk` gives an element's text as one piece, entities resolved.
        let mut in_text = false;
        let _ = walk(content, |event| match event {
            Node::Open(tag, attributes) => {
                if tag == "p:cNvPr"
                    && let Some(id) = attributes.get("id")
                    && !ids.insert(id.clone())
                {
                    problems.push(format!("{name} has two shapes with id {id}"));
                }
                in_text = tag == "a:t";
            }
            Node::Text(text) if in_text => texts.push(text),
            Node::Close => in_text = false,
            _ => {}
        });
        report.slide_texts.push(texts);
        let notes = parts
            .get(&format!("ppt/notesSlides/notesSlide{n}.xml"))
            .map(|content| {
                let mut lines = Vec::new();
                let mut in_text = false;
                let _ = walk(content, |event| match event {
                    Node::Open(tag, _) => in_text = tag == "a:t",
                    Node::Text(text) if in_text => lines.push(text),
                    Node::Close => in_text = false,
                    _ => {}
                });
                lines.join("\n")
            })
            .unwrap_or_default();
        report.notes.push(notes);
    }
    let chart_count = parts
        .keys()
        .filter(|n| n.starts_with("ppt/charts/chart") && n.ends_with(".xml"))
        .count();
    for n in 1..=chart_count {
        let name = format!("ppt/charts/chart{n}.xml");
        let Some(content) = parts.get(&name) else {
            problems.push(format!(
                "charts are not numbered 1 to {chart_count}: {name} is missing"
            ));
            continue;
        };
        report
            .charts
            .push(chart_data(&name, content, &mut problems));
        let workbook = parts
            .get(&format!("ppt/embeddings/Microsoft_Excel_Sheet{n}.xlsx"))
            .cloned()
            .unwrap_or_default();
        if workbook.is_empty() {
            problems.push(format!("{name} has no embedded workbook"));
        }
        report.chart_workbooks.push(workbook);
    }

    if problems.is_empty() {
        Ok(report)
    } else {
        Err(DeckError::Package(format!(
            "the written deck would not open cleanly: {}",
            problems.join("; ")
        )))
    }
}

/// One step through an XML part, with prefixed tag names as written.
enum Node {
    Open(String, BTreeMap<String, String>),
    Text(String),
    Close,
}

/// Walks an XML part. An element's text comes as one `Text`, however quick-xml splits it around
/// entity references, so "R&amp;D" reads back as "R&D".
fn walk(content: &[u8], mut visit: impl FnMut(Node)) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_reader(content);
    let mut buffer = Vec::new();
    let mut depth: usize = 0;
    let mut text = String::new();
    fn flush(text: &mut String, visit: &mut dyn FnMut(Node)) {
        if !text.is_empty() {
            visit(Node::Text(std::mem::take(text)));
        }
    }
    loop {
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(element)) => {
                flush(&mut text, &mut visit);
                depth += 1;
                visit(Node::Open(
                    element.name().0.to_owned(),
                    attributes(&element)?,
                ));
            }
            Ok(Event::Empty(element)) => {
                flush(&mut text, &mut visit);
                visit(Node::Open(
                    element.name().0.to_owned(),
                    attributes(&element)?,
                ));
                visit(Node::Close);
            }
            Ok(Event::End(_)) => {
                flush(&mut text, &mut visit);
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| "a closing tag without its opening".to_owned())?;
                visit(Node::Close);
            }
            Ok(Event::Text(piece)) => text.push_str(&piece.xml10_content()),
            Ok(Event::GeneralRef(reference)) => {
                let name: &str = &reference;
                match name {
                    "amp" => text.push('&'),
                    "lt" => text.push('<'),
                    "gt" => text.push('>'),
                    "quot" => text.push('"'),
                    "apos" => text.push('\''),
                    other => text.push(
                        reference
                            .resolve_char_ref()
                            .map_err(|e| e.to_string())?
                            .ok_or_else(|| format!("unknown entity &{other};"))?,
                    ),
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(error) => return Err(error.to_string()),
        }
        buffer.clear();
    }
    flush(&mut text, &mut visit);
    if depth == 0 {
        Ok(())
    } else {
        Err("the document ends inside an element".into())
    }
}

/// An element's attributes; one written twice, or unreadable, makes the part malformed.
fn attributes(
    element: &quick_xml::events::BytesStart<'_>,
) -> Result<BTreeMap<String, String>, String> {
    let mut found = BTreeMap::new();
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| e.to_string())?;
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?
            .into_owned();
        found.insert(attribute.key.0.to_owned(), value);
    }
    Ok(found)
}

fn content_types(
    content: &[u8],
    problems: &mut Vec<String>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut defaults = BTreeMap::new();
    let mut overrides = BTreeMap::new();
    let result = walk(content, |event| {
        if let Node::Open(tag, attributes) = event {
            match tag.as_str() {
                "Default" => {
                    if let (Some(extension), Some(kind)) =
                        (attributes.get("Extension"), attributes.get("ContentType"))
                    {
                        defaults.insert(extension.to_lowercase(), kind.clone());
                    }
                }
                "Override" => {
                    if let (Some(part), Some(kind)) =
                        (attributes.get("PartName"), attributes.get("ContentType"))
                    {
                        overrides.insert(part.trim_start_matches('/').to_owned(), kind.clone());
                    }
                }
                _ => {}
            }
        }
    });
    if let Err(error) = result {
        problems.push(format!(
            "[Content_Types].xml is not well-formed XML: {error}"
        ));
    }
    (defaults, overrides)
}

/// "ppt/slides/_rels/slide1.xml.rels" → "ppt/slides/slide1.xml"; "_rels/.rels" → "".
fn owner_of_rels(name: &str) -> Option<String> {
    let file = name.strip_suffix(".rels")?;
    let (folder, owner) = file.rsplit_once("_rels/")?;
    Some(format!("{folder}{owner}"))
}

/// One `Relationship` of a `.rels` part.
struct Relationship {
    id: String,
    kind: String,
    target: String,
    external: bool,
}

fn relationships(content: &[u8]) -> Vec<Relationship> {
    let mut found = Vec::new();
    let _ = walk(content, |event| {
        if let Node::Open(tag, attributes) = event
            && tag == "Relationship"
        {
            let value = |key: &str| attributes.get(key).cloned().unwrap_or_default();
            found.push(Relationship {
                id: value("Id"),
                kind: value("Type"),
                target: value("Target"),
                external: value("TargetMode") == "External",
            });
        }
    });
    found
}

/// The content type a relationship of `kind` must reach (a prefix, for images of any format).
fn expected_content_type(kind: &str) -> Option<&'static str> {
    const OFFICE: &str = "application/vnd.openxmlformats-officedocument.";
    Some(match kind {
        "officeDocument" => {
            "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"
        }
        "slide" => "application/vnd.openxmlformats-officedocument.presentationml.slide+xml",
        "slideLayout" => {
            "application/vnd.openxmlformats-officedocument.presentationml.slideLayout+xml"
        }
        "slideMaster" => {
            "application/vnd.openxmlformats-officedocument.presentationml.slideMaster+xml"
        }
        "notesSlide" => {
            "application/vnd.openxmlformats-officedocument.presentationml.notesSlide+xml"
        }
        "notesMaster" => {
            "application/vnd.openxmlformats-officedocument.presentationml.notesMaster+xml"
        }
        "theme" => "application/vnd.openxmlformats-officedocument.theme+xml",
        "chart" => "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
        "package" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "image" => "image/",
        "core-properties" => "application/vnd.openxmlformats-package.core-properties+xml",
        "extended-properties" => {
            "application/vnd.openxmlformats-officedocument.extended-properties+xml"
        }
        "presProps" | "viewProps" | "tableStyles" => OFFICE,
        _ => return None,
    })
}

/// A relationship target resolved against its owner's folder, as a package path.
fn resolve(folder: &str, target: &str) -> String {
    if let Some(absolute) = target.strip_prefix('/') {
        return absolute.to_owned();
    }
    let mut segments: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
    for segment in target.split('/') {
        match segment {
            ".." => {
                segments.pop();
            }
            "." | "" => {}
            other => segments.push(other),
        }
    }
    segments.join("/")
}

/// A chart's caches: categories and series values, with every `ptCount` checked against the
/// points under it.
fn chart_data(name: &str, content: &[u8], problems: &mut Vec<String>) -> ChartData {
    let mut data = ChartData::default();
    let mut stack: Vec<String> = Vec::new();
    // The cache being read: its declared count and its points by index.
    let mut declared: Option<usize> = None;
    let mut points: BTreeMap<usize, String> = BTreeMap::new();
    let mut current_index: Option<usize> = None;
    let mut series_name = String::new();
    let mut series_values: Vec<Option<f64>> = Vec::new();
    let mut categories: Vec<String> = Vec::new();
    // Axis ids as the plot names them, as the axes declare them, and as they cross each other.
    let mut plot_axes = BTreeSet::new();
    let mut axes = BTreeSet::new();
    let mut crossings = BTreeSet::new();
    let _ = walk(content, |event| match event {
        Node::Open(tag, attributes) => {
            let value = attributes.get("val").cloned().unwrap_or_default();
            let parent = stack.last().map(String::as_str).unwrap_or_default();
            match (tag.as_str(), parent) {
                ("c:axId", "c:barChart" | "c:lineChart") => {
                    plot_axes.insert(value);
                }
                ("c:axId", "c:catAx" | "c:valAx") => {
                    axes.insert(value);
                }
                ("c:crossAx", _) => {
                    crossings.insert(value);
                }
                _ => {}
            }
            match tag.as_str() {
                "c:strCache" | "c:numCache" => {
                    declared = None;
                    points.clear();
                }
                "c:ptCount" => declared = attributes.get("val").and_then(|v| v.parse().ok()),
                "c:pt" => current_index = attributes.get("idx").and_then(|v| v.parse().ok()),
                _ => {}
            }
            stack.push(tag);
        }
        Node::Text(text) => {
            if stack.last().is_some_and(|t| t == "c:v")
                && let Some(index) = current_index
            {
                points.insert(index, text);
            }
        }
        Node::Close => {
            let Some(tag) = stack.pop() else { return };
            if tag == "c:strCache" || tag == "c:numCache" {
                let count = declared.unwrap_or(0);
                if let Some((&last, _)) = points.iter().next_back()
                    && last >= count
                {
                    problems.push(format!(
                        "{name}: a cache declares {count} points but has one at index {last}"
                    ));
                }
                let parent = stack.last().cloned().unwrap_or_default();
                match (tag.as_str(), parent.as_str()) {
                    ("c:strCache", "c:strRef") if stack.iter().any(|t| t == "c:tx") => {
                        series_name = points.values().next().cloned().unwrap_or_default();
                    }
                    ("c:strCache", "c:strRef") if stack.iter().any(|t| t == "c:cat") => {
                        if points.len() != count {
                            problems.push(format!(
                                "{name}: {count} categories declared, {} given",
                                points.len()
                            ));
                        }
                        categories = (0..count)
                            .map(|i| points.get(&i).cloned().unwrap_or_default())
                            .collect();
                    }
                    ("c:numCache", _) => {
                        series_values = (0..count)
                            .map(|i| points.get(&i).and_then(|v| v.parse().ok()))
                            .collect();
                    }
                    _ => {}
                }
            }
            if tag == "c:ser" {
                if series_values.len() != categories.len() {
                    problems.push(format!(
                        "{name}: the series \"{series_name}\" has {} values for {} categories",
                        series_values.len(),
                        categories.len()
                    ));
                }
                data.series.push((
                    std::mem::take(&mut series_name),
                    std::mem::take(&mut series_values),
                ));
                if data.categories.is_empty() {
                    data.categories.clone_from(&categories);
                }
            }
        }
    });
    if plot_axes != axes || crossings != axes || axes.len() != 2 {
        problems.push(format!(
            "{name}: the axes do not pair up (plot {plot_axes:?}, axes {axes:?}, crossing {crossings:?})"
        ));
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_targets_resolve_like_a_package_reader() {
        assert_eq!(
            resolve("ppt/slides", "../charts/chart1.xml"),
            "ppt/charts/chart1.xml"
        );
        assert_eq!(resolve("ppt", "slides/slide1.xml"), "ppt/slides/slide1.xml");
        assert_eq!(resolve("", "ppt/presentation.xml"), "ppt/presentation.xml");
        assert_eq!(resolve("ppt/slides", "/ppt/media/a.png"), "ppt/media/a.png");
        assert_eq!(
            owner_of_rels("ppt/slides/_rels/slide1.xml.rels").as_deref(),
            Some("ppt/slides/slide1.xml")
        );
        assert_eq!(owner_of_rels("_rels/.rels").as_deref(), Some(""));
    }

    #[test]
    fn text_with_entities_reads_back_whole() {
        let mut texts = Vec::new();
        walk(
            b"<a:p><a:t>R&amp;D &lt;team&gt; &#9749;</a:t><a:t>two</a:t></a:p>",
            |event| {
                if let Node::Text(text) = event {
                    texts.push(text);
                }
            },
        )
        .unwrap();
        assert_eq!(texts, ["R&D <team> ☕", "two"]);
        assert!(
            walk(b"<a:t x=\"1\" x=\"2\"/>", |_| {}).is_err(),
            "a repeated attribute"
        );
    }

    #[test]
    fn a_chart_whose_counts_or_axes_disagree_is_reported() {
        let chart = br#"<c:chartSpace><c:chart><c:plotArea><c:barChart><c:ser><c:tx><c:strRef><c:strCache><c:ptCount val="1"/><c:pt idx="0"><c:v>S</c:v></c:pt></c:strCache></c:strRef></c:tx><c:cat><c:strRef><c:strCache><c:ptCount val="2"/><c:pt idx="0"><c:v>A</c:v></c:pt></c:strCache></c:strRef></c:cat><c:val><c:numRef><c:numCache><c:ptCount val="2"/><c:pt idx="5"><c:v>1</c:v></c:pt></c:numCache></c:numRef></c:val></c:ser><c:axId val="1"/><c:axId val="2"/></c:barChart><c:catAx><c:axId val="1"/><c:crossAx val="2"/></c:catAx><c:valAx><c:axId val="3"/><c:crossAx val="1"/></c:valAx></c:plotArea></c:chart></c:chartSpace>"#;
        let mut problems = Vec::new();
        let data = chart_data("chart1.xml", chart, &mut problems);
        assert_eq!(data.categories, ["A", ""]);
        let all = problems.join(" | ");
        assert!(all.contains("2 categories declared, 1 given"), "{all}");
        assert!(
            all.contains("declares 2 points but has one at index 5"),
            "{all}"
        );
        assert!(all.contains("the axes do not pair up"), "{all}");
    }

    #[test]
    fn a_package_with_a_dangling_relationship_and_a_missing_part_is_refused() {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        use std::io::Write;
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(br#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="x"/><Override PartName="/ppt/presentation.xml" ContentType="y"/><Override PartName="/ppt/gone.xml" ContentType="y"/></Types>"#).unwrap();
        zip.start_file("_rels/.rels", options).unwrap();
        zip.write_all(br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="t" Target="ppt/nowhere.xml"/></Relationships>"#).unwrap();
        zip.start_file("ppt/presentation.xml", options).unwrap();
        zip.write_all(b"<p:presentation><unclosed></p:presentation>")
            .unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let error = check_pptx(&bytes).unwrap_err().to_string();
        assert!(
            error.contains("/ppt/gone.xml, which the package lacks"),
            "{error}"
        );
        assert!(error.contains("points to ppt/nowhere.xml"), "{error}");
        assert!(
            error.contains("ppt/presentation.xml is not well-formed"),
            "{error}"
        );
    }
}
