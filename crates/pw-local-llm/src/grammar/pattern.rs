//! Anchored regular expressions (a string's `pattern`) as GBNF over a JSON string's contents.

use serde_json::Value;

use super::{MOST_REPETITIONS, SchemaError, literal};

/// GBNF for the JSON string contents an anchored regular expression (`^...$`) allows: literals,
/// `.`, character classes, `\d \w \s` and their negations, groups, alternation and the
/// quantifiers `? * + {n} {n,} {n,m}`. `char` names the rule for any one string character.
pub(super) fn pattern_rule(
    pattern: &str,
    primitive: &mut dyn FnMut(&str) -> String,
) -> Result<String, SchemaError> {
    let inner = pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .ok_or_else(|| {
            SchemaError(format!(
                "a `pattern` must start with ^ and end with $: {pattern}"
            ))
        })?;
    let char_rule = primitive("char");
    let mut parser = Pattern {
        chars: inner.chars().collect(),
        at: 0,
        pattern,
        char_rule,
    };
    let body = parser.alternation()?;
    if parser.at != parser.chars.len() {
        return Err(parser.error("unbalanced parenthesis"));
    }
    Ok(body)
}

struct Pattern<'p> {
    chars: Vec<char>,
    at: usize,
    pattern: &'p str,
    char_rule: String,
}

impl Pattern<'_> {
    fn error(&self, what: &str) -> SchemaError {
        SchemaError(format!("{what} in `pattern` {}", self.pattern))
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn alternation(&mut self) -> Result<String, SchemaError> {
        let mut branches = vec![self.sequence()?];
        while self.peek() == Some('|') {
            self.at += 1;
            branches.push(self.sequence()?);
        }
        Ok(if branches.len() == 1 {
            branches.remove(0)
        } else {
            format!("({})", branches.join(" | "))
        })
    }

    fn sequence(&mut self) -> Result<String, SchemaError> {
        let mut items: Vec<String> = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let quantified = self.quantifier(atom)?;
            items.push(quantified);
        }
        Ok(if items.is_empty() {
            r#""""#.to_owned()
        } else {
            items.join(" ")
        })
    }

    fn quantifier(&mut self, atom: String) -> Result<String, SchemaError> {
        let suffix = match self.peek() {
            Some(c @ ('?' | '*' | '+')) => {
                self.at += 1;
                c.to_string()
            }
            Some('{') => {
                let close = self.chars[self.at..]
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or_else(|| self.error("an unclosed {"))?;
                let inside: String = self.chars[self.at + 1..self.at + close].iter().collect();
                let bound = |text: &str| text.parse::<u64>().ok();
                let (least, most) = match inside.split_once(',') {
                    None => (bound(&inside), bound(&inside)),
                    Some((l, "")) => (bound(l), None),
                    Some((l, m)) => (bound(l), Some(bound(m).unwrap_or(u64::MAX))),
                };
                let valid = least.is_some_and(|l| l <= MOST_REPETITIONS)
                    && most.is_none_or(|m| least.is_some_and(|l| l <= m) && m <= MOST_REPETITIONS);
                if !valid {
                    return Err(
                        self.error(&format!("a malformed {{n,m}} (n ≤ m ≤ {MOST_REPETITIONS})"))
                    );
                }
                self.at += close + 1;
                format!("{{{inside}}}")
            }
            _ => return Ok(atom),
        };
        if matches!(self.peek(), Some('?' | '+')) {
            return Err(self.error("lazy and possessive quantifiers are not supported"));
        }
        Ok(format!("({atom}){suffix}"))
    }

    fn atom(&mut self) -> Result<String, SchemaError> {
        let c = self.peek().ok_or_else(|| self.error("a missing atom"))?;
        self.at += 1;
        match c {
            '(' => {
                if self.peek() == Some('?') {
                    if self.chars.get(self.at + 1) == Some(&':') {
                        self.at += 2;
                    } else {
                        return Err(self.error("lookaround and named groups are not supported"));
                    }
                }
                let inner = self.alternation()?;
                if self.peek() != Some(')') {
                    return Err(self.error("an unclosed ("));
                }
                self.at += 1;
                Ok(format!("({inner})"))
            }
            '.' => Ok(self.char_rule.clone()),
            '[' => self.class(),
            '\\' => self.escape(false),
            '^' | '$' => Err(self.error("an anchor inside the pattern")),
            '*' | '+' | '?' | '{' => Err(self.error("nothing to repeat")),
            c => Ok(json_char_literal(c)),
        }
    }

    /// `\d`, `\w`, `\s` and their negations, or an escaped literal character. Inside a class
    /// the result is the class's own text; outside, a GBNF expression.
    fn escape(&mut self, in_class: bool) -> Result<String, SchemaError> {
        let c = self
            .peek()
            .ok_or_else(|| self.error("a trailing backslash"))?;
        self.at += 1;
        let class = match c {
            'd' => Some("0-9"),
            'w' => Some("a-zA-Z0-9_"),
            'D' | 'W' | 'S' => {
                return Err(self.error("negated shorthand classes are not supported"));
            }
            _ => None,
        };
        if let Some(class) = class {
            return Ok(if in_class {
                class.to_owned()
            } else {
                format!("[{class}]")
            });
        }
        if c == 's' {
            // Whitespace other than a space is written escaped in a JSON string (two
            // characters), which a class of single characters cannot hold.
            return if in_class {
                Err(self.error("\\s inside a class is not supported"))
            } else {
                Ok(r#"(" " | "\\t" | "\\n" | "\\r")"#.to_owned())
            };
        }
        let literal = match c {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            c if c.is_ascii_alphanumeric() => {
                return Err(self.error(&format!("the escape \\{c} is not supported")));
            }
            c => c,
        };
        if in_class && matches!(literal, '\\' | '"' | '\n' | '\t' | '\r') {
            return Err(self
                .error("quotes, backslashes and control characters in a class are not supported"));
        }
        Ok(if in_class {
            class_literal(literal)
        } else {
            json_char_literal(literal)
        })
    }

    fn class(&mut self) -> Result<String, SchemaError> {
        let mut out = String::from("[");
        if self.peek() == Some('^') {
            self.at += 1;
            // A negated class still may not take the quote, backslash or controls raw.
            out.push_str("^\"\\\\\\x00-\\x1F\\x7F");
        }
        let mut first = true;
        loop {
            let c = self.peek().ok_or_else(|| self.error("an unclosed ["))?;
            self.at += 1;
            match c {
                ']' if !first => break,
                '\\' => out.push_str(&self.escape(true)?),
                '"' | '\n' | '\r' | '\t' => {
                    return Err(
                        self.error("quotes and control characters in a class are not supported")
                    );
                }
                // Raw, a dash is a range and stays; the rest are escaped where GBNF needs it.
                '-' => out.push('-'),
                c => out.push_str(&class_literal(c)),
            }
            first = false;
        }
        out.push(']');
        Ok(out)
    }
}

/// One character standing for itself inside a GBNF class, escaped the way llama.cpp's parser
/// reads it (it knows `\\ \] \[ \-` and hex, not `\^`).
fn class_literal(c: char) -> String {
    match c {
        '\\' | ']' | '[' | '-' => format!("\\{c}"),
        '^' => "\\x5E".into(),
        c => c.to_string(),
    }
}

/// A GBNF literal for one character as it appears inside a JSON string (escaped where JSON
/// escapes it).
fn json_char_literal(c: char) -> String {
    let mut encoded = Value::from(c.to_string()).to_string();
    encoded.pop();
    encoded.remove(0);
    literal(&encoded)
}
