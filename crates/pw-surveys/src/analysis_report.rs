//! A run's report as a client reads it, in Markdown or PDF: findings, segment differences,
//! implications and actions, each followed by the tables it cites; the caveats; how the run was
//! made and weighted; and, at the end, every cited table as the analyst read it, so each figure
//! can be found where it came from. What the model wrote that did not hold is counted, never
//! printed: a client document carries no unchecked figure (the app lists those items).

use pw_documents::pdf::{self, Block};

use crate::analysis::{NO_USABLE_ANSWER, SurveyReport};
use crate::runs::SurveyRun;

fn cited(tables: &[String]) -> String {
    format!("Tables: {}", tables.join(" · "))
}

/// The report as blocks, shared by both formats.
pub fn blocks(run: &SurveyRun, report: &SurveyReport) -> Vec<Block> {
    let body = &report.body;
    let mut blocks = vec![
        Block::Title(format!("Survey report: {}", run.title)),
        Block::Note(format!(
            "{} synthetic respondents · results {} at rating temperature {} · report version {} written by {} on {}; {} of {} items the model wrote were dropped for citing no table it was shown or stating a figure its tables do not. Synthetic respondents are variations of AI twins grounded in audience data: read this as hypotheses to test with people, not as measurements.",
            report.tables.respondents,
            if report.weighted {
                "weighted to the universe"
            } else {
                "unweighted"
            },
            report.temperature,
            report.version,
            report.written_by,
            report.created_at.format("%Y-%m-%d"),
            report.items_dropped,
            report.items_checked,
        )),
    ];
    let sections = [
        ("Findings", &body.findings),
        ("Segments", &body.segments),
        ("Implications", &body.implications),
        ("Recommended actions", &body.actions),
    ];
    for (heading, items) in sections {
        blocks.push(Block::Heading(heading.into()));
        if items.is_empty() {
            blocks.push(Block::Paragraph(match heading {
                "Segments" => "No difference between groups held up: either no crosstab showed one after correction, or what the model wrote about them did not match the tables.".into(),
                _ if report.written_by.starts_with(NO_USABLE_ANSWER) => format!(
                    "The model gave nothing here ({}).",
                    report.written_by
                ),
                _ => format!(
                    "Nothing {} wrote here held up against the tables, so nothing is shown.",
                    report.written_by
                ),
            }));
            continue;
        }
        for item in items.iter() {
            blocks.push(Block::Bullet(item.text.clone()));
            blocks.push(Block::Note(cited(&item.tables)));
        }
    }
    blocks.push(Block::Heading("Caveats".into()));
    for item in &body.caveats {
        blocks.push(Block::Bullet(item.text.clone()));
        blocks.push(Block::Note(cited(&item.tables)));
    }
    let mut handles: Vec<&str> = Vec::new();
    for item in body
        .findings
        .iter()
        .chain(&body.segments)
        .chain(&body.implications)
        .chain(&body.actions)
        .chain(&body.caveats)
    {
        for table in &item.tables {
            if !handles.contains(&table.as_str()) {
                handles.push(table);
            }
        }
    }
    blocks.push(Block::Heading("The tables cited".into()));
    for handle in handles {
        if let Some(line) = report.table(handle) {
            blocks.push(Block::Paragraph(line.line.clone()));
        }
    }
    blocks.push(Block::Note(format!(
        "Run “{}” with seed {} · {} of {} result tables read by the model · the full tables are in the results export (CSV or XLSX).",
        run.title,
        run.seed,
        report.tables.shown.len(),
        report.tables.lines.len()
    )));
    blocks
}

/// The report in Markdown.
pub fn markdown(run: &SurveyRun, report: &SurveyReport) -> String {
    pw_documents::markdown(&blocks(run, report))
}

/// The report as a PDF file; characters its fonts cannot show are printed as "?", and it says
/// so.
pub fn pdf(run: &SurveyRun, report: &SurveyReport) -> Vec<u8> {
    let mut blocks = blocks(run, report);
    let replaced: usize = blocks
        .iter()
        .map(|b| pdf::unsupported_characters(b.text()))
        .sum();
    if replaced > 0 {
        blocks.push(Block::Note(format!(
            "{replaced} character{} this PDF's fonts cannot show are printed as “?”; the Markdown export keeps every character.",
            if replaced == 1 { "" } else { "s" }
        )));
    }
    pdf::render(&blocks)
}
