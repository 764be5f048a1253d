//! The converter checked on known answers: each grammar is read back by a small GBNF
//! recogniser (below; it refuses the escapes llama.cpp's parser refuses) and must accept the
//! JSON its schema allows and refuse the rest. llama.cpp itself parses a grammar with a
//! pattern, ranges, lengths and an optional object in `tests/local_model.rs`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::*;

#[derive(Debug, Clone)]
enum Node {
    Literal(Vec<char>),
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Rule(String),
    Sequence(Vec<Node>),
    Choice(Vec<Node>),
    Repeat(Box<Node>, usize, Option<usize>),
}

struct Grammar {
    rules: BTreeMap<String, Node>,
}

struct Reader<'t> {
    text: Vec<char>,
    at: usize,
    _source: &'t str,
}

impl Reader<'_> {
    fn skip_blanks(&mut self) {
        while self
            .text
            .get(self.at)
            .is_some_and(|c| *c == ' ' || *c == '\t')
        {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_blanks();
        self.text.get(self.at).copied()
    }

    fn escaped(&mut self) -> char {
        let c = self.text[self.at];
        self.at += 1;
        if c != '\\' {
            return c;
        }
        let e = self.text[self.at];
        self.at += 1;
        match e {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'x' => {
                let hex: String = self.text[self.at..self.at + 2].iter().collect();
                self.at += 2;
                char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap()
            }
            // Only the escapes llama.cpp's parser knows (`parse_char`); any other it refuses.
            other @ ('\\' | '"' | '[' | ']' | '-') => other,
            other => panic!("llama.cpp refuses the escape \\{other}"),
        }
    }

    fn choice(&mut self) -> Node {
        let mut options = vec![self.sequence()];
        while self.peek() == Some('|') {
            self.at += 1;
            options.push(self.sequence());
        }
        Node::Choice(options)
    }

    fn sequence(&mut self) -> Node {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' || c == '\n' {
                break;
            }
            let mut item = self.primary();
            loop {
                let (least, most) = match self.text.get(self.at) {
                    Some('?') => (0, Some(1)),
                    Some('*') => (0, None),
                    Some('+') => (1, None),
                    Some('{') => {
                        let close = self.text[self.at..].iter().position(|c| *c == '}').unwrap();
                        let inside: String =
                            self.text[self.at + 1..self.at + close].iter().collect();
                        self.at += close;
                        match inside.split_once(',') {
                            None => (inside.parse().unwrap(), Some(inside.parse().unwrap())),
                            Some((l, "")) => (l.parse().unwrap(), None),
                            Some((l, m)) => (l.parse().unwrap(), Some(m.parse().unwrap())),
                        }
                    }
                    _ => break,
                };
                self.at += 1;
                item = Node::Repeat(Box::new(item), least, most);
            }
            items.push(item);
        }
        Node::Sequence(items)
    }

    fn primary(&mut self) -> Node {
        let c = self.text[self.at];
        match c {
            '"' => {
                self.at += 1;
                let mut chars = Vec::new();
                while self.text[self.at] != '"' {
                    chars.push(self.escaped());
                }
                self.at += 1;
                Node::Literal(chars)
            }
            '[' => {
                self.at += 1;
                let negated = self.text[self.at] == '^';
                if negated {
                    self.at += 1;
                }
                let mut ranges = Vec::new();
                while self.text[self.at] != ']' {
                    let low = self.escaped();
                    let high = if self.text[self.at] == '-' && self.text[self.at + 1] != ']' {
                        self.at += 1;
                        self.escaped()
                    } else {
                        low
                    };
                    ranges.push((low, high));
                }
                self.at += 1;
                Node::Class { negated, ranges }
            }
            '(' => {
                self.at += 1;
                let inner = self.choice();
                assert_eq!(self.peek(), Some(')'), "unclosed group");
                self.at += 1;
                inner
            }
            c if c.is_ascii_alphanumeric() || c == '-' => {
                let start = self.at;
                while self
                    .text
                    .get(self.at)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '-')
                {
                    self.at += 1;
                }
                Node::Rule(self.text[start..self.at].iter().collect())
            }
            other => panic!("unexpected {other:?} at {}", self.at),
        }
    }
}

impl Grammar {
    fn read(text: &str) -> Grammar {
        let mut rules = BTreeMap::new();
        for line in text.lines() {
            let (name, body) = line.split_once(" ::= ").expect("a rule per line");
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
                "rule name {name:?}"
            );
            let mut reader = Reader {
                text: body.chars().collect(),
                at: 0,
                _source: text,
            };
            let node = reader.choice();
            assert_eq!(reader.at, reader.text.len(), "unread text in {line}");
            rules.insert(name.to_owned(), node);
        }
        for node in rules.values() {
            Self::check_refs(node, &rules);
        }
        Grammar { rules }
    }

    fn check_refs(node: &Node, rules: &BTreeMap<String, Node>) {
        match node {
            Node::Rule(name) => assert!(rules.contains_key(name), "undefined rule {name}"),
            Node::Sequence(items) | Node::Choice(items) => {
                items.iter().for_each(|n| Self::check_refs(n, rules))
            }
            Node::Repeat(inner, _, _) => Self::check_refs(inner, rules),
            _ => {}
        }
    }

    fn ends(&self, node: &Node, input: &[char], at: usize) -> BTreeSet<usize> {
        match node {
            Node::Literal(chars) => {
                if input[at..].starts_with(chars) {
                    BTreeSet::from([at + chars.len()])
                } else {
                    BTreeSet::new()
                }
            }
            Node::Class { negated, ranges } => match input.get(at) {
                Some(c) if ranges.iter().any(|(l, h)| l <= c && c <= h) != *negated => {
                    BTreeSet::from([at + 1])
                }
                _ => BTreeSet::new(),
            },
            Node::Rule(name) => self.ends(&self.rules[name], input, at),
            Node::Sequence(items) => items.iter().fold(BTreeSet::from([at]), |starts, item| {
                starts
                    .iter()
                    .flat_map(|&s| self.ends(item, input, s))
                    .collect()
            }),
            Node::Choice(options) => options
                .iter()
                .flat_map(|o| self.ends(o, input, at))
                .collect(),
            Node::Repeat(inner, least, most) => {
                let mut done = BTreeSet::new();
                let mut current = BTreeSet::from([at]);
                let limit = most.unwrap_or(input.len() + 1);
                for count in 0..=limit {
                    if count >= *least {
                        done.extend(current.iter().copied());
                    }
                    if count == limit || current.is_empty() {
                        break;
                    }
                    current = current
                        .iter()
                        .flat_map(|&s| self.ends(inner, input, s))
                        .collect();
                }
                done
            }
        }
    }

    fn accepts(&self, text: &str) -> bool {
        let input: Vec<char> = text.chars().collect();
        self.ends(&self.rules["root"], &input, 0)
            .contains(&input.len())
    }
}

fn grammar(schema: serde_json::Value) -> Grammar {
    let text = grammar_for(&schema).unwrap_or_else(|e| panic!("{e}: {schema}"));
    Grammar::read(&text)
}

#[test]
fn integer_ranges_hold_exactly_their_numbers() {
    let bounds = [
        (None, None),
        (Some(0), None),
        (Some(2), None),
        (Some(15), Some(120)),
        (Some(1), Some(5)),
        (Some(0), Some(10)),
        (None, Some(9)),
        (Some(-37), Some(204)),
        (Some(-250), Some(-13)),
        (Some(99), Some(1001)),
        (Some(7), Some(7)),
        (None, Some(-5)),
        (Some(-5), None),
        (Some(100), None),
    ];
    for (low, high) in bounds {
        let body = integer_range(low, high).unwrap();
        let g = Grammar::read(&format!("root ::= {body}\n"));
        for n in -1300i128..1300 {
            let inside = low.is_none_or(|l| n >= l) && high.is_none_or(|h| n <= h);
            assert_eq!(
                g.accepts(&n.to_string()),
                inside,
                "{n} in {low:?}..={high:?}: {body}"
            );
        }
        for malformed in ["007", "-0", "01", "+3", "1.0", ""] {
            assert!(!g.accepts(malformed), "{malformed} in {low:?}..={high:?}");
        }
    }
    // Beyond the brute-forced span, open ranges still take long numbers.
    let g = Grammar::read(&format!(
        "root ::= {}\n",
        integer_range(Some(2), None).unwrap()
    ));
    assert!(g.accepts("123456789012"));
    assert_eq!(integer_range(Some(5), Some(4)), None);
    // A range is written in a few digit blocks, not one alternative per number.
    assert_eq!(
        integer_range(Some(15), Some(120)).unwrap(),
        r#""1" [5-9] | [2-9] [0-9] | "1" [0-1] [0-9] | "12" [0]"#
    );
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code, reason = "the schema is what is tested")]
struct Persona {
    #[schemars(regex(pattern = r"^S[1-9][0-9]?$"))]
    signal: String,
    #[schemars(length(min = 1, max = 6))]
    name: String,
    #[schemars(range(min = 15, max = 120))]
    age: u8,
    #[schemars(length(max = 2), inner(length(max = 5)))]
    hobbies: Vec<String>,
    mood: Mood,
    nickname: Option<String>,
    home: Option<Place>,
    score: f64,
    active: bool,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[allow(dead_code, reason = "the schema is what is tested")]
struct Place {
    city: String,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Mood {
    Calm,
    /// Documented variants come out as `oneOf` with `const`.
    Busy,
}

#[test]
fn a_schemars_struct_takes_exactly_its_json() {
    let schema = serde_json::to_value(schemars::schema_for!(Persona)).unwrap();
    let g = grammar(schema);
    // Required properties first, then the optional ones, each group in map order.
    let valid = r#"{"active": true, "age": 34, "hobbies": ["chess", "yoga"], "mood": "busy", "name": "Ana", "score": -1.5e3, "signal": "S12", "home": {"city": "Köln \"Süd\""}, "nickname": null}"#;
    assert!(g.accepts(valid), "{valid}");
    let laid_out = "{\n  \"active\": false,\n  \"age\": 120,\n  \"hobbies\": [],\n  \"mood\": \"calm\",\n  \"name\": \"B\",\n  \"score\": 0,\n  \"signal\": \"S1\"\n}";
    assert!(g.accepts(laid_out), "{laid_out}");
    let refused = [
        // out of range, too long, wrong pattern, wrong enum, missing required, extra key
        valid.replace("\"age\": 34", "\"age\": 121"),
        valid.replace("\"age\": 34", "\"age\": 014"),
        valid.replace("\"Ana\"", "\"Anastasia\""),
        valid.replace("\"Ana\"", "\"\""),
        valid.replace("\"S12\"", "\"S0\""),
        valid.replace("\"S12\"", "\"S123\""),
        valid.replace("\"busy\"", "\"angry\""),
        valid.replace(
            "\"hobbies\": [\"chess\", \"yoga\"]",
            "\"hobbies\": [\"a\", \"b\", \"c\"]",
        ),
        valid.replace("\"chess\"", "\"chessboard\""),
        valid.replace("\"active\": true, ", ""),
        valid.replace("\"active\": true", "\"active\": true, \"extra\": 1"),
        valid.replace("\"nickname\": null", "\"nickname\": 3"),
        valid.replace("Köln", "Kö\u{1}ln"),
    ];
    for text in refused {
        assert!(!g.accepts(&text), "{text}");
    }
    // Optional properties may be left out.
    assert!(g.accepts(&valid.replace(", \"home\": {\"city\": \"Köln \\\"Süd\\\"\"}", "")));
    assert!(g.accepts(&valid.replace(", \"nickname\": null", "")));
}

#[test]
fn survey_answers_hold_their_options_counts_and_scales() {
    let schema = json!({
        "type": "object",
        "properties": {
            "q1": { "type": "string", "enum": ["a", "b", "c"] },
            "q2": { "type": "array", "items": { "type": "string", "enum": ["x", "y", "z"] },
                    "minItems": 1, "maxItems": 2 },
            "q3": { "type": "integer", "minimum": 0, "maximum": 10 },
            "q4": { "type": "object", "properties": { "r1": { "type": "integer", "minimum": 1, "maximum": 5 } },
                    "required": ["r1"], "additionalProperties": false },
            "q5": { "type": "number", "minimum": 0 }
        },
        "required": ["q1", "q2", "q3", "q4", "q5"],
        "additionalProperties": false
    });
    let g = grammar(schema);
    assert!(g.accepts(r#"{"q1": "b", "q2": ["x", "z"], "q3": 10, "q4": {"r1": 5}, "q5": 2.5}"#));
    for wrong in [
        r#"{"q1": "d", "q2": ["x"], "q3": 1, "q4": {"r1": 1}, "q5": 1}"#,
        r#"{"q1": "a", "q2": [], "q3": 1, "q4": {"r1": 1}, "q5": 1}"#,
        r#"{"q1": "a", "q2": ["x", "y", "z"], "q3": 1, "q4": {"r1": 1}, "q5": 1}"#,
        r#"{"q1": "a", "q2": ["x"], "q3": 11, "q4": {"r1": 1}, "q5": 1}"#,
        r#"{"q1": "a", "q2": ["x"], "q3": 1, "q4": {"r1": 0}, "q5": 1}"#,
        r#"{"q1": "a", "q2": ["x"], "q3": 1, "q4": {"r1": 1}, "q5": "1"}"#,
    ] {
        assert!(!g.accepts(wrong), "{wrong}");
    }
}

#[test]
fn an_agent_step_is_one_of_its_shapes() {
    let schema = json!({ "oneOf": [
        { "type": "object",
          "properties": { "action": {"const": "call"}, "tool": {"const": "kpis"},
                          "arguments": { "type": "object", "properties": {
                              "days": {"type": "integer", "minimum": 1} } } },
          "required": ["action", "tool", "arguments"], "additionalProperties": false },
        { "type": "object",
          "properties": { "action": {"const": "answer"}, "text": {"type": "string"},
                          "page": {"type": "integer", "minimum": 2} },
          "required": ["action", "text"], "additionalProperties": false }
    ]});
    let g = grammar(schema);
    assert!(g.accepts(r#"{"action": "call", "arguments": {}, "tool": "kpis"}"#));
    assert!(g.accepts(r#"{"action": "call", "arguments": {"days": 7}, "tool": "kpis"}"#));
    assert!(g.accepts(r#"{"action": "answer", "text": "CPA rose \u00e9 \\ 12%", "page": 3}"#));
    assert!(!g.accepts(r#"{"action": "answer", "text": "x", "page": 1}"#));
    assert!(!g.accepts(r#"{"action": "call", "arguments": {"days": 0}, "tool": "kpis"}"#));
    assert!(!g.accepts(r#"{"action": "call", "arguments": {}, "tool": "other"}"#));
}

#[test]
fn property_order_is_the_order_written() {
    let g = grammar(
        json!({ "type": "object", "propertyOrder": ["tool", "arguments"],
        "properties": { "arguments": {"type": "integer"}, "tool": {"const": "kpis"}, "action": {"const": "call"} },
        "required": ["action", "arguments", "tool"] }),
    );
    assert!(g.accepts(r#"{"tool": "kpis", "arguments": 1, "action": "call"}"#));
    assert!(!g.accepts(r#"{"action": "call", "arguments": 1, "tool": "kpis"}"#));
}

#[test]
fn an_object_with_no_properties_and_no_others_is_the_empty_object() {
    let g = grammar(json!({"type": "object", "additionalProperties": false}));
    assert!(g.accepts("{}"));
    assert!(g.accepts("{ }"));
    assert!(!g.accepts(r#"{"type": "object"}"#));
    // Without `additionalProperties: false` it is any object.
    let any = grammar(json!({"type": "object"}));
    assert!(any.accepts(r#"{"type": "object"}"#));
}

#[test]
fn nothing_required_means_any_subset_in_order() {
    let g = grammar(json!({ "type": "object", "properties": {
        "a": {"type": "boolean"}, "b": {"type": "null"}, "c": {"type": "integer"} } }));
    for text in [
        "{}",
        r#"{"a": true}"#,
        r#"{"b": null}"#,
        r#"{"c": -4}"#,
        r#"{"a": false, "c": 1}"#,
        r#"{"a": true, "b": null, "c": 0}"#,
    ] {
        assert!(g.accepts(text), "{text}");
    }
    assert!(!g.accepts(r#"{, "a": true}"#));
    assert!(!g.accepts(r#"{"a": true,}"#));
}

#[test]
fn recursive_references_and_any_values() {
    let g = grammar(json!({
        "$ref": "#/$defs/Node",
        "$defs": { "Node": { "type": "object", "properties": {
            "label": {},
            "children": { "type": "array", "items": { "$ref": "#/$defs/Node" } } },
            "required": ["label", "children"] } }
    }));
    assert!(
        g.accepts(r#"{"children": [{"children": [], "label": [1, {"k": "v"}]}], "label": null}"#)
    );
    assert!(!g.accepts(r#"{"children": [{"label": 1}], "label": 2}"#));
}

#[test]
fn patterns_and_formats() {
    let g = grammar(json!({ "type": "string", "pattern": r"^(?:ab|c\.d)+[x-z_]{2}\d?$" }));
    for text in [r#""abxy""#, r#""c.dab_x7""#, "\"abc.d__\""] {
        assert!(g.accepts(text), "{text}");
    }
    for text in [r#""xy""#, r#""abx""#, r#""cxd__""#, r#""ab__77""#] {
        assert!(!g.accepts(text), "{text}");
    }
    let any = grammar(json!({ "type": "string", "pattern": "^[^a]..$" }));
    assert!(any.accepts(r#""b\"\\""#));
    assert!(!any.accepts(r#""abc""#));
    assert!(!any.accepts("\"\"\"\""));
    let date = grammar(json!({ "type": "string", "format": "date" }));
    assert!(date.accepts(r#""2026-11-30""#));
    assert!(!date.accepts(r#""30/11/2026""#));
    let when = grammar(json!({ "type": "string", "format": "date-time" }));
    assert!(when.accepts(r#""2026-11-30T15:20:01.5+01:00""#));
    assert!(when.accepts(r#""2026-11-30T15:20:01Z""#));
}

#[test]
fn class_escapes_whitespace_and_a_constant_at_the_root() {
    let g = grammar(json!({ "type": "string", "pattern": r"^[\w\-.^]+\s?x$" }));
    for text in [r#""a-b.c^x""#, r#""_ x""#, r#""a\tx""#, r#""a\nx""#] {
        assert!(g.accepts(text), "{text}");
    }
    // Whitespace other than a space is never raw inside a JSON string.
    assert!(!g.accepts("\"a\tx\""));
    assert!(!g.accepts(r#""a,x""#));
    let constant = grammar(json!({ "const": "call" }));
    assert!(constant.accepts(r#""call" "#));
    let one_of = grammar(json!({ "oneOf": [{ "const": 1 }, { "const": "two" }] }));
    assert!(one_of.accepts("1") && one_of.accepts(r#""two""#) && !one_of.accepts("2"));
    // A maximum past what a grammar repeats is left to the parse; a minimum past it is not.
    let long = grammar(json!({ "type": "string", "maxLength": 5_000 }));
    assert!(long.accepts(&format!("\"{}\"", "a".repeat(2_100))));
}

#[test]
fn what_a_grammar_cannot_hold_is_an_error_naming_it() {
    for (schema, words) in [
        (
            json!({ "type": "string", "pattern": "S[0-9]" }),
            "must start with ^",
        ),
        (
            json!({ "type": "string", "pattern": "^(?=a)b$" }),
            "lookaround",
        ),
        (json!({ "type": "string", "pattern": "^a)$" }), "unbalanced"),
        (json!({ "allOf": [{ "type": "string" }] }), "allOf"),
        (
            json!({ "type": "integer", "minimum": 5, "maximum": 4 }),
            "above its maximum",
        ),
        (json!({ "$ref": "#/$defs/Missing" }), "points nowhere"),
        (
            json!({ "type": "object", "properties": {}, "additionalProperties": true }),
            "additionalProperties",
        ),
        (json!(false), "allows nothing"),
        (
            json!({ "type": "array", "items": {}, "minItems": 3, "maxItems": 2 }),
            "maxItems",
        ),
        (
            json!({ "type": "string", "pattern": "^a{5,2}$" }),
            "malformed {n,m}",
        ),
        (
            json!({ "type": "string", "pattern": "^a{2001}$" }),
            "malformed {n,m}",
        ),
        (
            json!({ "type": "string", "minLength": 2_001 }),
            "more than a grammar can repeat",
        ),
        (
            json!({ "type": "string", "pattern": r"^[\s]$" }),
            "inside a class",
        ),
        (
            json!({ "type": "string", "pattern": "^[\\t]$" }),
            "control characters",
        ),
    ] {
        let error = grammar_for(&schema).unwrap_err().to_string();
        assert!(error.contains(words), "{schema}: {error}");
    }
}
