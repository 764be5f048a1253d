//! Text into XML: escaped, and without the characters XML 1.0 cannot hold at all (control
//! characters a model's answer or a pasted quote may carry), which make Office refuse a file.

/// `text` escaped for an element's content or an attribute value.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_control_characters_dropped() {
        assert_eq!(
            escape("Fish & <chips> \"quoted\" 'too'\u{0}\u{1b}\tend"),
            "Fish &amp; &lt;chips&gt; &quot;quoted&quot; &apos;too&apos;\tend"
        );
    }
}
