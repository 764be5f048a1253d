//! A plain PDF of headings, paragraphs, bullets and quotes, written without a dependency: US
//! Letter pages, the standard Helvetica faces every PDF reader carries (so nothing is embedded),
//! text wrapped to the page and set in WinAnsi. Characters outside it (emoji, non-Latin
//! scripts) are shown as "?", which the export says; the client decks issue moves reports to a
//! typesetting engine with embedded fonts (`../shared/reference/decks-and-reports.md`).

pub use crate::Block;

/// How many characters of `text` WinAnsi cannot hold (printed as "?").
pub fn unsupported_characters(text: &str) -> usize {
    text.chars()
        .filter(|&c| c != '?' && win_ansi(&c.to_string()) == b"?")
        .count()
}

const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 56.0;
/// Helvetica's average advance is about half its size; wrapping at 0.5 em keeps lines inside the
/// margin for ordinary prose.
const AVERAGE_ADVANCE: f32 = 0.5;

struct Line {
    text: Vec<u8>,
    font: &'static str,
    size: f32,
    indent: f32,
    grey: bool,
    /// Space above the line.
    lead: f32,
}

/// The text as WinAnsi bytes: Latin-1 maps to itself, typographic quotes and dashes to their
/// WinAnsi codes, anything else to "?".
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201C}' => 0x93,
            '\u{201D}' => 0x94,
            '\u{2022}' | '\u{00B7}' => 0x95,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{2026}' => 0x85,
            '\u{20AC}' => 0x80,
            '\t' | '\n' | '\r' => b' ',
            c if (c as u32) >= 0x20 && (c as u32) < 0x7F => c as u8,
            c if (c as u32) >= 0xA0 && (c as u32) <= 0xFF => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

/// Wraps WinAnsi text into lines of at most `width` points at `size`.
fn wrap(text: &[u8], size: f32, width: f32) -> Vec<Vec<u8>> {
    let per_line = ((width / (size * AVERAGE_ADVANCE)) as usize).max(8);
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in text.split(|b| *b == b' ').filter(|w| !w.is_empty()) {
        let mut word = word.to_vec();
        if !line.is_empty() && line.len() + 1 + word.len() > per_line {
            lines.push(std::mem::take(&mut line));
        }
        // A word longer than a line is broken where it must be.
        while word.len() > per_line {
            let rest = word.split_off(per_line);
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word);
            word = rest;
        }
        if !line.is_empty() {
            line.push(b' ');
        }
        line.extend_from_slice(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn lines_of(blocks: &[Block]) -> Vec<Line> {
    let width = PAGE_WIDTH - 2.0 * MARGIN;
    let mut lines = Vec::new();
    for block in blocks {
        let (text, font, size, indent, grey, lead, prefix) = match block {
            Block::Title(t) => (t, "F2", 20.0, 0.0, false, 8.0, None),
            Block::Heading(t) => (t, "F2", 14.0, 0.0, false, 14.0, None),
            Block::Paragraph(t) => (t, "F1", 11.0, 0.0, false, 6.0, None),
            Block::Bullet(t) => (t, "F1", 11.0, 14.0, false, 4.0, Some(0x95u8)),
            Block::Quote(t) => (t, "F3", 10.5, 28.0, false, 3.0, None),
            Block::Note(t) => (t, "F1", 9.0, 0.0, true, 4.0, None),
        };
        let wrapped = wrap(&win_ansi(text), size, width - indent);
        for (i, mut text) in wrapped.into_iter().enumerate() {
            if i == 0
                && let Some(bullet) = prefix
            {
                text.splice(0..0, [bullet, b' ']);
            }
            lines.push(Line {
                text,
                font,
                size,
                indent,
                grey,
                lead: if i == 0 { lead } else { 0.0 },
            });
        }
    }
    lines
}

fn escaped(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for &b in text {
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

/// The blocks as a PDF file.
pub fn render(blocks: &[Block]) -> Vec<u8> {
    // Pages of content streams.
    let mut pages: Vec<Vec<u8>> = Vec::new();
    let mut stream: Vec<u8> = Vec::new();
    let mut y = PAGE_HEIGHT - MARGIN;
    for line in lines_of(blocks) {
        let height = line.size * 1.35 + line.lead;
        if y - height < MARGIN && !stream.is_empty() {
            pages.push(std::mem::take(&mut stream));
            y = PAGE_HEIGHT - MARGIN;
        }
        y -= height;
        let colour: &[u8] = if line.grey { b"0.45 g" } else { b"0 g" };
        stream.extend_from_slice(b"BT ");
        stream.extend_from_slice(colour);
        stream.extend_from_slice(
            format!(
                " /{} {:.1} Tf {:.1} {:.1} Td (",
                line.font,
                line.size,
                MARGIN + line.indent,
                y
            )
            .as_bytes(),
        );
        stream.extend_from_slice(&escaped(&line.text));
        stream.extend_from_slice(b") Tj ET\n");
    }
    pages.push(stream);

    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets: Vec<usize> = Vec::new();
    let page_count = pages.len();
    // Objects: 1 catalog, 2 pages, 3-5 fonts, then a page and its contents per page.
    let first_page = 6;
    let kids: Vec<String> = (0..page_count)
        .map(|i| format!("{} 0 R", first_page + 2 * i))
        .collect();
    let font = |base: &str| {
        format!("<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>")
    };
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {page_count} >>",
            kids.join(" ")
        )
        .into_bytes(),
        font("Helvetica").into_bytes(),
        font("Helvetica-Bold").into_bytes(),
        font("Helvetica-Oblique").into_bytes(),
    ];
    for (i, content) in pages.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >> /Contents {} 0 R >>",
                first_page + 2 * i + 1
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(content);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(object);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn the_cross_reference_table_points_at_every_object() {
        let pdf = render(&[
            Block::Title("Insights".into()),
            Block::Paragraph("Price (as said) matters \\ a lot.".into()),
        ]);
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&pdf);
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(&pdf[startxref..startxref + 4], b"xref");
        let table = &text[startxref..];
        for (n, entry) in table
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .enumerate()
        {
            let offset: usize = entry[..10].parse().unwrap();
            assert!(pdf[offset..].starts_with(format!("{} 0 obj", n + 1).as_bytes()));
        }
        // Parentheses and backslashes in text are escaped.
        assert!(find(&pdf, b"Price \\(as said\\) matters \\\\ a lot.").is_some());
    }

    #[test]
    fn long_text_wraps_and_flows_onto_more_pages() {
        let paragraph = "word ".repeat(4000);
        let pdf = render(&[Block::Paragraph(paragraph)]);
        let text = String::from_utf8_lossy(&pdf);
        let count: usize = text
            .split("/Count ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(count >= 3, "{count} pages");
        for line in wrap(&win_ansi(&"word ".repeat(100)), 11.0, 500.0) {
            assert!(line.len() <= (500.0 / 5.5) as usize);
        }
    }

    #[test]
    fn characters_the_fonts_cannot_show_are_counted() {
        assert_eq!(unsupported_characters("Plain “quoted” café?"), 0);
        assert_eq!(unsupported_characters("Love it 😀 咖啡"), 3);
    }

    #[test]
    fn typographic_characters_map_to_win_ansi_and_others_to_a_question_mark() {
        assert_eq!(
            win_ansi("“a” — é 😀"),
            vec![0x93, b'a', 0x94, b' ', 0x97, b' ', 0xE9, b' ', b'?']
        );
    }
}
