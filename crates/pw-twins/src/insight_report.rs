//! A session's insights as a client reads them, in Markdown or PDF: what was found (themes with
//! their quotes, agreement, disagreement, actions), where Says and Thinks parted, how the group
//! behaved, and how the session was run (models, persona checks), so a reader can weigh it.

use crate::insights::{Insights, Quote};
use crate::twins::SessionView;
use pw_documents::pdf::{self as pdf_document, Block};

fn quote_line(quote: &Quote) -> String {
    format!(
        "“{}” — {}, turn {}",
        quote.says,
        quote.speaker,
        quote.seq + 1
    )
}

/// The report as blocks, shared by both formats.
pub fn blocks(view: &SessionView, insights: &Insights) -> Vec<Block> {
    let session = &view.session;
    let body = &insights.body;
    let mut blocks = vec![
        Block::Title(format!("Insights: {}", session.title)),
        Block::Note(format!(
            "{} with {} · {} turns · insights version {} written by {} on {}; {} of {} items the model wrote were dropped for citing no turn it was shown. Twins are synthetic respondents grounded in audience data: read these as hypotheses to test, not as measurements.",
            session.kind.as_str().replace('_', " "),
            session
                .participants
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            view.turns.len(),
            insights.version,
            insights.written_by,
            insights.created_at.format("%Y-%m-%d"),
            insights.items_dropped,
            insights.items_checked,
        )),
    ];
    if !body.themes.is_empty() {
        blocks.push(Block::Heading("Themes".into()));
        for theme in &body.themes {
            blocks.push(Block::Bullet(format!("{}: {}", theme.title, theme.summary)));
            for quote in &theme.quotes {
                blocks.push(Block::Quote(quote_line(quote)));
            }
        }
    }
    for (heading, items) in [
        ("Where they agree", &body.agreements),
        ("Where they disagree", &body.disagreements),
        ("Recommended actions", &body.actions),
    ] {
        if items.is_empty() {
            continue;
        }
        blocks.push(Block::Heading(heading.into()));
        for item in items {
            blocks.push(Block::Bullet(item.text.clone()));
            for quote in &item.quotes {
                blocks.push(Block::Quote(quote_line(quote)));
            }
        }
    }
    if body.themes.is_empty()
        && body.agreements.is_empty()
        && body.disagreements.is_empty()
        && body.actions.is_empty()
    {
        blocks.push(Block::Heading("Themes".into()));
        blocks.push(Block::Paragraph(format!(
            "None of the {} items {} wrote could be grounded in the transcript, so none is shown. A larger model usually writes themes that cite the turns they rest on.",
            insights.items_checked, insights.written_by
        )));
    }
    if !body.gaps.is_empty() {
        blocks.push(Block::Heading(
            "What they said and what they thought".into(),
        ));
        for gap in &body.gaps {
            blocks.push(Block::Bullet(format!(
                "{} said “{}” but thought “{}”",
                gap.quote.speaker, gap.quote.says, gap.thinks
            )));
        }
    }
    blocks.push(Block::Heading("How the session went".into()));
    let a = view.adherence;
    blocks.push(Block::Paragraph(format!(
        "Persona checks: {} replies passed, {} contradicted their twin and were answered again, {} could not be checked.",
        a.passed, a.caught, a.unchecked
    )));
    if let Some(d) = &view.diagnostics {
        if let Some(median) = d.median_turn_words {
            blocks.push(Block::Paragraph(format!(
                "Median participant turn: {median:.0} words (people in focus groups speak about 49)."
            )));
        }
        for (participant, share) in session.participants.iter().zip(&d.participants) {
            blocks.push(Block::Bullet(format!(
                "{}: {} turns, {:.0}% of the words",
                participant.name,
                share.turns,
                share.word_share * 100.0
            )));
        }
        if let Some(rate) = d.herding.rate {
            blocks.push(Block::Paragraph(format!(
                "Of {} changes of position, {} went toward the group's majority ({:.0}%): a high share means the group may have converged too easily.",
                d.herding.eligible_changes,
                d.herding.changes_toward_majority,
                rate * 100.0
            )));
        }
    }
    if let Some(agreement) = &view.agreement {
        blocks.push(Block::Paragraph(agreement.describe()));
    }
    if let Some(models) = session.manifest.get("models").and_then(|m| m.as_object()) {
        let listed: Vec<String> = models
            .iter()
            .map(|(task, model)| format!("{task}: {}", model.as_str().unwrap_or("?")))
            .collect();
        blocks.push(Block::Note(format!(
            "Run with seed {} · {}",
            session.seed,
            listed.join(" · ")
        )));
    }
    blocks
}

/// The report in Markdown.
pub fn markdown(view: &SessionView, insights: &Insights) -> String {
    pw_documents::markdown(&blocks(view, insights))
}

/// The report as a PDF file. Characters its fonts cannot show (emoji, non-Latin scripts) are
/// printed as "?", and the report says so, since quotes must read as they were said.
pub fn pdf(view: &SessionView, insights: &Insights) -> Vec<u8> {
    let mut blocks = blocks(view, insights);
    let replaced: usize = blocks
        .iter()
        .map(|b| pdf_document::unsupported_characters(b.text()))
        .sum();
    if replaced > 0 {
        blocks.push(Block::Note(format!(
            "{replaced} character{} this PDF's fonts cannot show are printed as “?”; the Markdown export keeps every character as it was said.",
            if replaced == 1 { "" } else { "s" }
        )));
    }
    pdf_document::render(&blocks)
}
