//! Long tool results in pages: the model reads the first page with a note saying how many there
//! are and how to read the next (`read_more`), so nothing is cut without the model knowing.

/// Splits `text` into pages of at most `size` characters, at line ends where there are any
/// (a line longer than a page is split inside).
pub(crate) fn pages(text: &str, size: usize) -> Vec<String> {
    let size = size.max(1);
    let mut pages = Vec::new();
    let mut page = String::new();
    for line in text.split_inclusive('\n') {
        let mut rest = line;
        while !rest.is_empty() {
            let room = size - page.chars().count().min(size);
            if room == 0 {
                pages.push(std::mem::take(&mut page));
                continue;
            }
            let fits = rest.chars().count() <= room;
            if fits {
                page.push_str(rest);
                rest = "";
            } else if !page.is_empty() && rest.chars().count() <= size {
                // The line fits on a page of its own: start one rather than split it.
                pages.push(std::mem::take(&mut page));
            } else {
                let cut = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
                page.push_str(&rest[..cut]);
                rest = &rest[cut..];
            }
        }
    }
    if !page.is_empty() || pages.is_empty() {
        pages.push(page);
    }
    pages
}

/// The page the model reads, with the note when there are more.
pub(crate) fn shown(id: &str, pages: &[String], page: usize) -> String {
    let Some(text) = pages.get(page.saturating_sub(1)) else {
        return format!("{id} has {} pages; there is no page {page}.", pages.len());
    };
    if pages.len() == 1 {
        return text.clone();
    }
    let mut shown = format!("(page {page} of {} of {id})\n{text}", pages.len());
    if page < pages.len() {
        shown.push_str(&format!(
            "\n(more follows: call read_more with {{\"result\": \"{id}\", \"page\": {}}})",
            page + 1
        ));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_break_at_lines_and_lose_nothing() {
        let text = "alpha\nbravo\ncharlie\ndelta\n";
        let split = pages(text, 12);
        assert_eq!(split, vec!["alpha\nbravo\n", "charlie\n", "delta\n"]);
        assert_eq!(split.concat(), text);
        let long = "x".repeat(25);
        let split = pages(&long, 10);
        assert_eq!(split.len(), 3);
        assert_eq!(split.concat(), long);
        assert_eq!(pages("", 10), vec![String::new()]);
    }

    #[test]
    fn a_page_says_where_it_is_and_how_to_read_on() {
        let split = pages("alpha\nbravo\n", 6);
        let first = shown("R2", &split, 1);
        assert!(first.starts_with("(page 1 of 2 of R2)\nalpha"));
        assert!(first.contains(r#"{"result": "R2", "page": 2}"#));
        assert!(!shown("R2", &split, 2).contains("more follows"));
        assert!(shown("R2", &split, 3).contains("no page 3"));
        assert_eq!(shown("R1", &pages("short", 50), 1), "short");
    }
}
