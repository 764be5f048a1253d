//! JSON Schema to GBNF: the grammar that holds a structured answer to its schema while the
//! local model decodes it.
//!
//! llama.cpp ships a converter, but only inside its `common` library, which is half of
//! llama.cpp's build (six minutes of a cold CI run on two cores) for one function; with our
//! own, nothing of ours needs `common`, so it can go once llama-cpp-2 lets llama-cpp-sys-2
//! build without it (today it takes the sys crate's default features). This one
//! covers what our schemas use, as schemars and our hand-written schemas emit them: objects
//! (required properties first, then the optional ones, each in the order `propertyOrder`
//! names, else the map's), arrays with
//! `minItems`/`maxItems`, `enum`, `const`, `anyOf`/`oneOf`, type lists (`["string", "null"]`),
//! `$ref` into `$defs`/`definitions` (recursion included), strings with `minLength`/
//! `maxLength`, an anchored `pattern` or a `date`/`date-time`/`uuid` format, integers with any
//! `minimum`/`maximum`, numbers, booleans and null. A structure it cannot express (`allOf`,
//! `not`, tuple items, objects with both properties and extra keys, a lookaround in a pattern)
//! is an error naming it. What a grammar does not hold is left to the parse of the answer, as
//! with llama.cpp's converter: keywords it does not know (`multipleOf`, `uniqueItems`, a
//! number's bounds, other formats), a string's length beside a `pattern`, a maximum past what
//! a grammar can repeat, and the values of a map (an object with `additionalProperties` only).
//!
//! Rule names are letters, digits and dashes (all GBNF allows). Every value is followed by
//! `space`, so the JSON may be laid out over lines as models like to.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use pattern::pattern_rule;

/// A schema the grammar cannot express, with the keyword or value at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SchemaError(String);

/// The GBNF grammar (start rule `root`) for the JSON values `schema` allows.
pub fn grammar_for(schema: &Value) -> Result<String, SchemaError> {
    let mut converter = Converter {
        root: schema,
        rules: BTreeMap::new(),
        refs: BTreeMap::new(),
    };
    let body = converter.visit(schema, "root")?;
    converter.define("root", body);
    let mut out = String::new();
    for (name, body) in &converter.rules {
        let _ = writeln!(out, "{name} ::= {body}");
    }
    Ok(out)
}

/// Optional whitespace between tokens: none, a space, or a line break and indentation (bounded,
/// so a model cannot pad forever).
const SPACE: &str = r#"| " " | "\n" [ \t]{0,20}"#;
/// One character of a JSON string: anything but a quote, backslash or control, or an escape.
const CHAR: &str = r#"[^"\\\x7F\x00-\x1F] | [\\] (["\\bfnrt] | "u" [0-9a-fA-F]{4})"#;
const INTEGRAL: &str = r#"[0] | [1-9] [0-9]{0,15}"#;

/// Named building blocks, defined when first used: (name, body, the blocks it uses).
const PRIMITIVES: &[(&str, &str, &[&str])] = &[
    ("space", SPACE, &[]),
    ("char", CHAR, &[]),
    ("integral-part", INTEGRAL, &[]),
    ("decimal-part", "[0-9]{1,16}", &[]),
    ("null", r#""null" space"#, &["space"]),
    ("boolean", r#"("true" | "false") space"#, &["space"]),
    (
        "number",
        r#"("-"? integral-part) ("." decimal-part)? ([eE] [-+]? integral-part)? space"#,
        &["integral-part", "decimal-part", "space"],
    ),
    (
        "integer",
        r#"("-"? integral-part) space"#,
        &["integral-part", "space"],
    ),
    ("string", r#""\"" char* "\"" space"#, &["char", "space"]),
    (
        "value",
        "object | array | string | number | boolean | null",
        &["object", "array", "string", "number", "boolean", "null"],
    ),
    (
        "object",
        r#""{" space (string ":" space value ("," space string ":" space value)*)? "}" space"#,
        &["string", "value", "space"],
    ),
    (
        "array",
        r#""[" space (value ("," space value)*)? "]" space"#,
        &["value", "space"],
    ),
];

struct Converter<'s> {
    root: &'s Value,
    rules: BTreeMap<String, String>,
    /// `$ref` target → the rule standing for it, named before it is visited so a schema that
    /// refers to itself ends in a rule reference rather than endless recursion.
    refs: BTreeMap<String, String>,
}

impl Converter<'_> {
    fn define(&mut self, name: &str, body: String) {
        self.rules.insert(name.to_owned(), body);
    }

    /// The name of a building block, defining it (and what it uses) the first time.
    fn primitive(&mut self, name: &str) -> String {
        if !self.rules.contains_key(name)
            && let Some((_, body, uses)) = PRIMITIVES.iter().find(|(n, _, _)| *n == name)
        {
            self.define(name, (*body).to_owned());
            for used in *uses {
                self.primitive(used);
            }
        }
        name.to_owned()
    }

    /// A fresh rule name starting with `hint` (cleaned to GBNF's alphabet).
    fn fresh(&self, hint: &str) -> String {
        let mut base: String = hint
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        if base.is_empty() {
            base.push('r');
        }
        if !self.rules.contains_key(&base) && !PRIMITIVES.iter().any(|(n, _, _)| *n == base) {
            return base;
        }
        (1..)
            .map(|i| format!("{base}-{i}"))
            .find(|n| !self.rules.contains_key(n))
            .unwrap_or(base)
    }

    /// An expression for `schema` (ending in `space`); `name` names the rules it needs.
    fn visit(&mut self, schema: &Value, name: &str) -> Result<String, SchemaError> {
        let map = match schema {
            Value::Bool(true) => return Ok(self.primitive("value")),
            Value::Bool(false) => {
                return Err(SchemaError("a schema of `false` allows nothing".into()));
            }
            Value::Object(map) => map,
            other => return Err(SchemaError(format!("not a schema: {other}"))),
        };
        if let Some(target) = map.get("$ref") {
            let target = target
                .as_str()
                .ok_or_else(|| SchemaError("`$ref` is not a string".into()))?;
            return self.reference(target);
        }
        for keyword in ["anyOf", "oneOf"] {
            if let Some(choices) = map.get(keyword) {
                let choices = choices
                    .as_array()
                    .ok_or_else(|| SchemaError(format!("`{keyword}` is not a list")))?;
                return self.alternatives(choices.iter(), name);
            }
        }
        if map.contains_key("allOf") || map.contains_key("not") || map.contains_key("if") {
            let keyword = ["allOf", "not", "if"]
                .into_iter()
                .find(|k| map.contains_key(*k))
                .unwrap_or("allOf");
            return Err(SchemaError(format!(
                "`{keyword}` is not supported in a JSON grammar"
            )));
        }
        if let Some(constant) = map.get("const") {
            self.primitive("space");
            return Ok(format!("{} space", literal(&constant.to_string())));
        }
        if let Some(options) = map.get("enum") {
            let options = options
                .as_array()
                .ok_or_else(|| SchemaError("`enum` is not a list".into()))?;
            if options.is_empty() {
                return Err(SchemaError("an empty `enum` allows nothing".into()));
            }
            self.primitive("space");
            let body = options
                .iter()
                .map(|o| literal(&o.to_string()))
                .collect::<Vec<_>>()
                .join(" | ");
            return Ok(format!("({body}) space"));
        }
        match map.get("type") {
            Some(Value::Array(types)) => {
                let variants: Vec<Value> = types
                    .iter()
                    .map(|t| {
                        let mut variant = map.clone();
                        variant.insert("type".into(), t.clone());
                        Value::Object(variant)
                    })
                    .collect();
                let mut choices = Vec::with_capacity(variants.len());
                for (i, variant) in variants.iter().enumerate() {
                    choices.push(self.visit(variant, &format!("{name}-{i}"))?);
                }
                Ok(self.named(name, choices.join(" | ")))
            }
            Some(Value::String(kind)) => self.typed(kind, map, name),
            Some(other) => Err(SchemaError(format!(
                "`type` is neither a name nor a list: {other}"
            ))),
            None if map.contains_key("properties") => self.typed("object", map, name),
            None if map.contains_key("items") => self.typed("array", map, name),
            None => Ok(self.primitive("value")),
        }
    }

    fn alternatives<'v>(
        &mut self,
        choices: impl Iterator<Item = &'v Value>,
        name: &str,
    ) -> Result<String, SchemaError> {
        let mut bodies = Vec::new();
        for (i, choice) in choices.enumerate() {
            bodies.push(self.visit(choice, &format!("{name}-{i}"))?);
        }
        if bodies.is_empty() {
            return Err(SchemaError(
                "an empty `anyOf`/`oneOf` allows nothing".into(),
            ));
        }
        Ok(self.named(name, bodies.join(" | ")))
    }

    /// Defines `body` as a rule named after `name` and returns the reference (the root keeps
    /// its body inline).
    fn named(&mut self, name: &str, body: String) -> String {
        if name == "root" {
            return body;
        }
        let rule = self.fresh(name);
        self.define(&rule, body);
        rule
    }

    fn reference(&mut self, target: &str) -> Result<String, SchemaError> {
        if let Some(rule) = self.refs.get(target) {
            return Ok(rule.clone());
        }
        let path = target
            .strip_prefix("#/")
            .ok_or_else(|| SchemaError(format!("only local `$ref`s are supported: {target}")))?;
        let mut found = self.root;
        for part in path.split('/') {
            let part = part.replace("~1", "/").replace("~0", "~");
            found = found
                .get(&part)
                .ok_or_else(|| SchemaError(format!("`$ref` points nowhere: {target}")))?;
        }
        let hint = path.rsplit('/').next().unwrap_or("ref");
        let rule = self.fresh(&format!("ref-{hint}"));
        self.refs.insert(target.to_owned(), rule.clone());
        // Reserve the name, so rules made while visiting do not take it.
        self.define(&rule, String::new());
        let body = self.visit(found, &rule)?;
        self.define(&rule, body);
        Ok(rule)
    }

    fn typed(
        &mut self,
        kind: &str,
        map: &Map<String, Value>,
        name: &str,
    ) -> Result<String, SchemaError> {
        match kind {
            "object" => self.object(map, name),
            "array" => self.array(map, name),
            "string" => self.string(map, name),
            "integer" => self.integer(map),
            "number" => Ok(self.primitive("number")),
            "boolean" => Ok(self.primitive("boolean")),
            "null" => Ok(self.primitive("null")),
            other => Err(SchemaError(format!("unknown type `{other}`"))),
        }
    }

    fn object(&mut self, map: &Map<String, Value>, name: &str) -> Result<String, SchemaError> {
        // No properties and no others allowed is the empty object (a tool without arguments),
        // not any object.
        let none = Map::new();
        let properties = match map.get("properties").and_then(Value::as_object) {
            Some(properties) => properties,
            None if map.get("additionalProperties") == Some(&Value::Bool(false)) => &none,
            None => return Ok(self.primitive("object")),
        };
        if map
            .get("additionalProperties")
            .is_some_and(|a| a.is_object() || a == &Value::Bool(true))
        {
            return Err(SchemaError(
                "objects with both `properties` and `additionalProperties` are not supported"
                    .into(),
            ));
        }
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        self.primitive("space");
        let mut mandatory = Vec::new();
        let mut optional = Vec::new();
        // JSON objects have no order, and ours come sorted; `propertyOrder` names the order a
        // model should write them in (a tool's name before its arguments), the rest follow.
        let order: Vec<&str> = map
            .get("propertyOrder")
            .and_then(Value::as_array)
            .map(|o| o.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut keys: Vec<(&String, &Value)> = properties.iter().collect();
        keys.sort_by_key(|(key, _)| order.iter().position(|o| o == key).unwrap_or(order.len()));
        for (key, property) in keys {
            let value = self.visit(property, &format!("{name}-{key}"))?;
            let pair = format!(
                r#"{} space ":" space {value}"#,
                literal(&Value::from(key.as_str()).to_string())
            );
            if required.contains(&key.as_str()) {
                mandatory.push(pair);
            } else {
                optional.push(pair);
            }
        }
        let mut body = String::from(r#""{" space"#);
        if !mandatory.is_empty() {
            body.push(' ');
            body.push_str(&mandatory.join(r#" "," space "#));
            for pair in &optional {
                let _ = write!(body, r#" ("," space {pair})?"#);
            }
        } else if !optional.is_empty() {
            // With nothing required, whichever optional property comes first carries no comma.
            let starts: Vec<String> = (0..optional.len())
                .map(|first| {
                    let mut start = optional[first].clone();
                    for pair in &optional[first + 1..] {
                        let _ = write!(start, r#" ("," space {pair})?"#);
                    }
                    start
                })
                .collect();
            let _ = write!(body, " ({})?", starts.join(" | "));
        }
        body.push_str(r#" "}" space"#);
        Ok(self.named(name, body))
    }

    fn array(&mut self, map: &Map<String, Value>, name: &str) -> Result<String, SchemaError> {
        let item = match map.get("items") {
            None => self.primitive("value"),
            Some(Value::Array(_)) => {
                return Err(SchemaError("tuple `items` are not supported".into()));
            }
            Some(items) => {
                let body = self.visit(items, &format!("{name}-item"))?;
                if is_rule_name(&body) {
                    body
                } else {
                    self.named(&format!("{name}-item"), body)
                }
            }
        };
        let least = count(map, "minItems")?.unwrap_or(0);
        let most = count(map, "maxItems")?;
        if most.is_some_and(|m| m < least) {
            return Err(SchemaError("`maxItems` is below `minItems`".into()));
        }
        self.primitive("space");
        let items = repetition(&item, least, most, r#""," space"#);
        Ok(self.named(name, format!(r#""[" space {items} "]" space"#)))
    }

    fn string(&mut self, map: &Map<String, Value>, name: &str) -> Result<String, SchemaError> {
        self.primitive("space");
        if let Some(pattern) = map.get("pattern") {
            let pattern = pattern
                .as_str()
                .ok_or_else(|| SchemaError("`pattern` is not a string".into()))?;
            let body = pattern_rule(pattern, &mut |rule| self.primitive(rule))?;
            return Ok(self.named(name, format!(r#""\"" ({body}) "\"" space"#)));
        }
        let digits = |n: usize| format!("[0-9]{{{n}}}");
        let format = map.get("format").and_then(Value::as_str);
        let shaped = match format {
            Some("date") => Some(format!(r#"{} "-" {} "-" {}"#, digits(4), digits(2), digits(2))),
            Some("date-time") => Some(format!(
                r#"{} "-" {} "-" {} "T" {} ":" {} ":" {} ("." [0-9]{{1,9}})? ("Z" | [-+] {} ":" {})"#,
                digits(4),
                digits(2),
                digits(2),
                digits(2),
                digits(2),
                digits(2),
                digits(2),
                digits(2)
            )),
            Some("uuid") => Some(
                r#"[0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12}"#
                    .to_owned(),
            ),
            _ => None,
        };
        if let Some(shape) = shaped {
            return Ok(self.named(name, format!(r#""\"" {shape} "\"" space"#)));
        }
        let least = count(map, "minLength")?.unwrap_or(0);
        let most = count(map, "maxLength")?;
        if least == 0 && most.is_none() {
            return Ok(self.primitive("string"));
        }
        let char_rule = self.primitive("char");
        let chars = repetition(&char_rule, least, most, "");
        Ok(self.named(name, format!(r#""\"" {chars} "\"" space"#)))
    }

    fn integer(&mut self, map: &Map<String, Value>) -> Result<String, SchemaError> {
        let bound = |key: &str| map.get(key).and_then(Value::as_f64);
        // Bounds are rounded inward; an exclusive bound moves one step in.
        let low = [
            bound("minimum").map(|m| m.ceil()),
            bound("exclusiveMinimum").map(|m| m.floor() + 1.0),
        ]
        .into_iter()
        .flatten()
        .reduce(f64::max);
        let high = [
            bound("maximum").map(|m| m.floor()),
            bound("exclusiveMaximum").map(|m| m.ceil() - 1.0),
        ]
        .into_iter()
        .flatten()
        .reduce(f64::min);
        self.primitive("space");
        let as_i128 = |v: f64| v.clamp(-1e18, 1e18) as i128;
        integer_range(low.map(as_i128), high.map(as_i128))
            .map(|body| format!("({body}) space"))
            .ok_or_else(|| SchemaError("an integer's minimum is above its maximum".into()))
    }
}

fn is_rule_name(body: &str) -> bool {
    !body.is_empty() && body.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The most repetitions llama.cpp's grammar parser takes in one `{n,m}` (its
/// `MAX_REPETITION_THRESHOLD`); past it the parser refuses the grammar.
const MOST_REPETITIONS: u64 = 2_000;

/// A length or count bound. A minimum past what a grammar can repeat is an error; a maximum
/// past it is left open, and the parse that follows holds the answer to it (a 5,000-character
/// limit is not a limit a model's few hundred tokens come near).
fn count(map: &Map<String, Value>, key: &str) -> Result<Option<u64>, SchemaError> {
    let Some(v) = map.get(key) else {
        return Ok(None);
    };
    let n = v
        .as_u64()
        .ok_or_else(|| SchemaError(format!("`{key}` is not a whole number: {v}")))?;
    match key {
        _ if n <= MOST_REPETITIONS => Ok(Some(n)),
        "maxLength" | "maxItems" => Ok(None),
        _ => Err(SchemaError(format!(
            "`{key}` of {n} is more than a grammar can repeat ({MOST_REPETITIONS})"
        ))),
    }
}

/// `item` repeated `least..=most` times, with `separator` between repetitions.
fn repetition(item: &str, least: u64, most: Option<u64>, separator: &str) -> String {
    if most == Some(0) {
        return String::new();
    }
    if separator.is_empty() {
        return match (least, most) {
            (0, Some(1)) => format!("{item}?"),
            (0, None) => format!("{item}*"),
            (1, None) => format!("{item}+"),
            (l, Some(m)) if l == m => format!("{item}{{{l}}}"),
            (l, Some(m)) => format!("{item}{{{l},{m}}}"),
            (l, None) => format!("{item}{{{l},}}"),
        };
    }
    let rest = repetition(
        &format!("({separator} {item})"),
        least.saturating_sub(1),
        most.map(|m| m - 1),
        "",
    );
    let once = if rest.is_empty() {
        item.to_owned()
    } else {
        format!("{item} {rest}")
    };
    if least == 0 {
        format!("({once})?")
    } else {
        once
    }
}

/// A GBNF string literal matching `text` exactly.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7F => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// GBNF for the decimal integers from `low` to `high` (either open), or `None` when the range is
/// empty. Written digit by digit, so a range such as 15..=120 takes a few alternatives rather
/// than one per number, and no number is written with a leading zero.
pub(crate) fn integer_range(low: Option<i128>, high: Option<i128>) -> Option<String> {
    if let (Some(l), Some(h)) = (low, high)
        && l > h
    {
        return None;
    }
    let mut parts = Vec::new();
    // Negative numbers: "-" and a magnitude from max(1, -high) to -low.
    if low.is_none_or(|l| l < 0) {
        let least = high.map_or(1, |h| (-h).max(1));
        let most = low.map(|l| -l);
        parts.push(format!(
            r#""-" ({})"#,
            natural_range(least, most).join(" | ")
        ));
    }
    if high.is_none_or(|h| h >= 0) {
        let least = low.map_or(0, |l| l.max(0));
        parts.extend(natural_range(least, high));
    }
    Some(parts.join(" | "))
}

/// Alternatives for the whole numbers from `least` to `most` (open above when `None`).
fn natural_range(least: i128, most: Option<i128>) -> Vec<String> {
    let width = |n: i128| n.to_string().len() as u32;
    let mut parts = Vec::new();
    let top_width = most.map_or(width(least), width);
    for digits in width(least)..=top_width {
        let from = least.max(if digits == 1 {
            0
        } else {
            10i128.pow(digits - 1)
        });
        let to = match most {
            Some(m) => m.min(10i128.pow(digits) - 1),
            None => 10i128.pow(digits) - 1,
        };
        parts.extend(same_width_range(from, to, digits));
    }
    if most.is_none() {
        // Every longer number, up to 18 digits (as far as JSON integers are read exactly here).
        let longer = width(least);
        if longer < 18 {
            parts.push(format!("[1-9] [0-9]{{{longer},17}}"));
        }
    }
    parts
}

/// Alternatives for `from..=to`, all `digits` long: blocks of a fixed prefix, a digit range and
/// free digits, found greedily from the bottom.
fn same_width_range(from: i128, to: i128, digits: u32) -> Vec<String> {
    // (prefix without its last digit, last digit low, last digit high, free digits)
    let mut blocks: Vec<(String, u8, u8, u32)> = Vec::new();
    let mut start = from;
    while start <= to {
        let mut free = 0;
        while free + 1 < digits {
            let step = 10i128.pow(free + 1);
            if start % step == 0 && start + step - 1 <= to {
                free += 1;
            } else {
                break;
            }
        }
        let prefix = (start / 10i128.pow(free)).to_string();
        let (head, last) = prefix.split_at(prefix.len() - 1);
        let last = last.as_bytes()[0] - b'0';
        match blocks.last_mut() {
            Some((h, _, high, f)) if *h == head && *f == free && *high + 1 == last => *high = last,
            _ => blocks.push((head.to_owned(), last, last, free)),
        }
        start += 10i128.pow(free);
    }
    blocks
        .into_iter()
        .map(|(head, low, high, free)| {
            let mut out = Vec::new();
            if !head.is_empty() {
                out.push(format!("\"{head}\""));
            }
            out.push(if low == high {
                format!("[{low}]")
            } else {
                format!("[{low}-{high}]")
            });
            match free {
                0 => {}
                1 => out.push("[0-9]".into()),
                n => out.push(format!("[0-9]{{{n}}}")),
            }
            out.join(" ")
        })
        .collect()
}

mod pattern;
#[cfg(test)]
mod tests;
