//! Documents for clients, built from blocks and written without IO, so every context that
//! reports to a client (session insights, the survey report) prints the same way.
//!
//! - [`pdf`]: a plain PDF of headings, paragraphs, bullets and quotes in the standard fonts;
//! - [`markdown`]: the same blocks as Markdown text.

pub mod pdf;

/// What goes on the page, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Title(String),
    Heading(String),
    Paragraph(String),
    Bullet(String),
    /// A quotation, indented and in italics.
    Quote(String),
    /// Small grey text (methodology, provenance).
    Note(String),
}

impl Block {
    /// The block's words.
    pub fn text(&self) -> &str {
        match self {
            Block::Title(t)
            | Block::Heading(t)
            | Block::Paragraph(t)
            | Block::Bullet(t)
            | Block::Quote(t)
            | Block::Note(t) => t,
        }
    }
}

/// The blocks as Markdown: notes in italics, quotes indented under the bullet before them.
pub fn markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Title(t) => out.push_str(&format!("# {t}\n\n")),
            Block::Heading(t) => out.push_str(&format!("\n## {t}\n\n")),
            Block::Paragraph(t) => out.push_str(&format!("{t}\n\n")),
            Block::Bullet(t) => out.push_str(&format!("- {t}\n")),
            Block::Quote(t) => out.push_str(&format!("  > {t}\n")),
            Block::Note(t) => out.push_str(&format!("_{t}_\n\n")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_marks_each_kind_of_block() {
        let text = markdown(&[
            Block::Title("Report".into()),
            Block::Heading("Findings".into()),
            Block::Bullet("Price matters".into()),
            Block::Quote("“Too dear”".into()),
            Block::Note("Tables: Q:price".into()),
            Block::Paragraph("Done.".into()),
        ]);
        assert_eq!(
            text,
            "# Report\n\n\n## Findings\n\n- Price matters\n  > “Too dear”\n_Tables: Q:price_\n\nDone.\n\n"
        );
    }
}
