//! Reads a written PowerPoint package back and checks what makes PowerPoint ask to "repair" a
//! file or draw the wrong numbers: a content-type override for a part that is missing (or a part
//! with no content type), a relationship pointing nowhere, XML that does not parse, two shapes
//! with one id on a slide, and chart caches whose point counts disagree. The deck writer runs it
//! on every file before handing it over, and the tests read slides, notes and chart data from it.

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
    for part in overrides.keys() {
        if !parts.contains_key(part) {
            problems.push(format!(
                "[Content_Types].xml names /{part}, which the package lacks"
            ));
        }
    }
    for name in parts.keys().filter(|n| *n != "[Content_Types].xml") {
        let extension = name.rsplit('.').next().unwrap_or_default();
        if !overrides.contains_key(name) && !defaults.contains(extension) {
            problems.push(format!("{name} has no content type"));
        }
    }

    // Well-formed XML and relationships that resolve.
    for (name, content) in &parts {
        if (name.ends_with(".xml") || name.ends_with(".rels"))
            && let Err(error) = walk(content, |_| {})
        {
            problems.push(format!("{name} is not well-formed XML: {error}"));
        }
        if let Some(owner) = owner_of_rels(name) {
            let folder = owner.rsplit_once('/').map_or("", |(folder, _)| folder);
            for (target, external) in relationship_targets(content) {
                if external {
                    continue;
                }
                let resolved = resolve(folder, &target);
                if !parts.contains_key(&resolved) {
                    problems.push(format!(
                        "{name} points to {target}, which the package lacks"
                    ));
                }
            }
        }
    }

    // Slides in presentation order: unique shape ids, text; notes; charts.
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

fn walk(content: &[u8], mut visit: impl FnMut(Node)) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_reader(content);
    let mut buffer = Vec::new();
    let mut depth: usize = 0;
    loop {
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(element)) => {
                depth += 1;
                visit(Node::Open(
                    element.name().0.to_owned(),
                    attributes(&element),
                ));
            }
            Ok(Event::Empty(element)) => {
                visit(Node::Open(
                    element.name().0.to_owned(),
                    attributes(&element),
                ));
                visit(Node::Close);
            }
            Ok(Event::End(_)) => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| "a closing tag without its opening".to_owned())?;
                visit(Node::Close);
            }
            Ok(Event::Text(text)) => {
                visit(Node::Text(text.xml10_content().into_owned()));
            }
            Ok(Event::GeneralRef(reference)) => {
                // quick-xml reports entity references apart from the text around them.
                let name: String = (*reference).to_owned();
                let character = match name.as_str() {
                    "amp" => "&".to_owned(),
                    "lt" => "<".to_owned(),
                    "gt" => ">".to_owned(),
                    "quot" => "\"".to_owned(),
                    "apos" => "'".to_owned(),
                    other => reference
                        .resolve_char_ref()
                        .map_err(|e| e.to_string())?
                        .map(String::from)
                        .ok_or_else(|| format!("unknown entity &{other};"))?,
                };
                visit(Node::Text(character));
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(error) => return Err(error.to_string()),
        }
        buffer.clear();
    }
    if depth == 0 {
        Ok(())
    } else {
        Err("the document ends inside an element".into())
    }
}

fn attributes(element: &quick_xml::events::BytesStart<'_>) -> BTreeMap<String, String> {
    element
        .attributes()
        .flatten()
        .map(|a| {
            (
                a.key.0.to_owned(),
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

fn content_types(
    content: &[u8],
    problems: &mut Vec<String>,
) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let mut defaults = BTreeSet::new();
    let mut overrides = BTreeMap::new();
    let result = walk(content, |event| {
        if let Node::Open(tag, attributes) = event {
            match tag.as_str() {
                "Default" => {
                    if let Some(extension) = attributes.get("Extension") {
                        defaults.insert(extension.to_lowercase());
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

fn relationship_targets(content: &[u8]) -> Vec<(String, bool)> {
    let mut targets = Vec::new();
    let _ = walk(content, |event| {
        if let Node::Open(tag, attributes) = event
            && tag == "Relationship"
            && let Some(target) = attributes.get("Target")
        {
            let external = attributes
                .get("TargetMode")
                .is_some_and(|m| m == "External");
            targets.push((target.clone(), external));
        }
    });
    targets
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
    let _ = walk(content, |event| match event {
        Node::Open(tag, attributes) => {
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
