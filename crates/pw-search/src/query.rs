//! Search requests: what the caller asks, the user's text turned into a Tantivy query (or into a
//! message a marketer understands), and the filters shared by the text and vector sides.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, QueryParserError,
    RangeQuery, TermSetQuery,
};
use tantivy::query_grammar::{UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use crate::SearchError;
use crate::document::{DocKey, DocKind, DocLabels};
use crate::schema::{BODY, BODY_PAIRS, IndexFields, TITLE, date_value, english_analyzer};

/// Longest search text accepted. Longer text is almost certainly pasted by mistake and would
/// only produce a slow query over thousands of terms.
pub const MAX_QUERY_CHARS: usize = 2_000;

/// Deepest bracket nesting accepted: the grammar parses recursively, so unbounded nesting could
/// exhaust the stack, and nobody writes more than a few levels by hand.
pub const MAX_BRACKET_DEPTH: usize = 10;

/// The body's analyzer, to tell which phrases are two neighbouring words. Built once: building
/// it fills the stop-word set, and cloning it only shares that set.
static BODY_ANALYZER: LazyLock<TextAnalyzer> = LazyLock::new(english_analyzer);

/// The labels a search can be filtered and counted by. Their names are also the field names a
/// user can type (`platform:meta`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacetField {
    Kind,
    Platform,
    Audience,
    Theme,
    Sentiment,
}

impl FacetField {
    pub const ALL: [FacetField; 5] = [
        FacetField::Kind,
        FacetField::Platform,
        FacetField::Audience,
        FacetField::Theme,
        FacetField::Sentiment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FacetField::Kind => "kind",
            FacetField::Platform => "platform",
            FacetField::Audience => "audience",
            FacetField::Theme => "theme",
            FacetField::Sentiment => "sentiment",
        }
    }

    pub fn parse(text: &str) -> Option<FacetField> {
        FacetField::ALL
            .into_iter()
            .find(|field| field.as_str() == text)
    }

    fn label_of(self, labels: &DocLabels) -> Option<&str> {
        match self {
            // The kind lives in the key, not the labels; handled by the caller.
            FacetField::Kind => None,
            FacetField::Platform => labels.platform.as_deref(),
            FacetField::Audience => labels.audience_id.as_deref(),
            FacetField::Theme => labels.theme.as_deref(),
            FacetField::Sentiment => labels.sentiment.map(|band| band.as_str()),
        }
    }
}

/// Bucket width of the date histogram. Buckets are computed from per-day counts, so weeks and
/// months are real calendar units (Tantivy's own aggregations have no calendar intervals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistogramInterval {
    #[default]
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    /// Calendar months, labelled by their first day.
    Month,
}

/// A search. Empty `text` matches every document (filters only), newest first.
///
/// Filter semantics: `kinds` is one group; the `filters` are grouped by field. Values within a
/// group are alternatives (OR), groups must all hold (AND). `from` and `to` are inclusive days.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    pub text: String,
    pub kinds: Vec<DocKind>,
    pub filters: Vec<(FacetField, String)>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub limit: usize,
    pub offset: usize,
    pub histogram: HistogramInterval,
    /// Count facet values and histogram buckets over every match (the default). Off for a plain
    /// page of hits: the top documents can then skip non-competitive matches, and the total is
    /// counted from the posting lists.
    pub counts: bool,
}

impl Default for SearchRequest {
    fn default() -> SearchRequest {
        SearchRequest {
            text: String::new(),
            kinds: Vec::new(),
            filters: Vec::new(),
            from: None,
            to: None,
            limit: 10,
            offset: 0,
            histogram: HistogramInterval::Day,
            counts: true,
        }
    }
}

impl SearchRequest {
    /// A request for `text` with the defaults (10 hits, no filters, daily histogram).
    pub fn text(text: impl Into<String>) -> SearchRequest {
        SearchRequest {
            text: text.into(),
            ..SearchRequest::default()
        }
    }

    /// Whether a document with this key and labels passes the request's kinds, filters and
    /// dates. This is the in-memory twin of the index's filter query; the vector side of a
    /// hybrid search uses it, so both sides filter alike.
    pub fn admits(&self, key: &DocKey, labels: &DocLabels) -> bool {
        if !self.kinds.is_empty() && !self.kinds.contains(&key.kind()) {
            return false;
        }
        for (field, values) in self.filter_groups() {
            let value = match field {
                FacetField::Kind => Some(key.kind().as_str()),
                other => other.label_of(labels),
            };
            let Some(value) = value else { return false };
            if !values.contains(&value) {
                return false;
            }
        }
        if self.from.is_some() || self.to.is_some() {
            let Some(day) = labels.day else { return false };
            if self.from.is_some_and(|from| day < from) || self.to.is_some_and(|to| day > to) {
                return false;
            }
        }
        true
    }

    /// Whether the request restricts anything beyond the text.
    pub(crate) fn has_filters(&self) -> bool {
        !self.kinds.is_empty()
            || !self.filters.is_empty()
            || self.from.is_some()
            || self.to.is_some()
    }

    fn filter_groups(&self) -> BTreeMap<FacetField, Vec<&str>> {
        let mut groups: BTreeMap<FacetField, Vec<&str>> = BTreeMap::new();
        for (field, value) in &self.filters {
            groups.entry(*field).or_default().push(value.as_str());
        }
        groups
    }

    pub(crate) fn validate(&self) -> Result<(), SearchError> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(SearchError::invalid_query(format!(
                "the start date {from} is after the end date {to}"
            )));
        }
        Ok(())
    }
}

/// The query a request compiles to: the whole query, and the text part alone (for snippets).
pub(crate) struct CompiledQuery {
    /// What finds the documents: two-word phrases on the body are looked up as one term of the
    /// pairs field.
    pub query: Box<dyn Query>,
    /// The text as the user wrote it, phrases included: the highlighter marks body words, which
    /// a pair term does not name.
    pub text: Option<Box<dyn Query>>,
    /// Whether `query` still checks word positions (a longer phrase, a phrase with slop, a
    /// `title:` phrase), so counting costs a visit of every match.
    pub checks_positions: bool,
}

/// The user's text as two queries: one to match with, one to highlight with.
pub(crate) struct ParsedText {
    pub matching: Box<dyn Query>,
    pub highlighting: Box<dyn Query>,
}

pub(crate) fn compile(
    request: &SearchRequest,
    fields: &IndexFields,
    parser: &QueryParser,
) -> Result<CompiledQuery, SearchError> {
    request.validate()?;
    let (matching, text) = match parse_text(&request.text, parser)? {
        Some(parsed) => (Some(parsed.matching), Some(parsed.highlighting)),
        None => (None, None),
    };
    let mut checks_positions = false;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    match matching {
        Some(matching) => {
            matching.query_terms(&mut |_, needs_positions| checks_positions |= needs_positions);
            clauses.push((Occur::Must, matching));
        }
        None => clauses.push((Occur::Must, Box::new(AllQuery))),
    }
    // Filters score zero so they restrict without changing the BM25 order.
    let mut filter = |query: Box<dyn Query>| {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0))));
    };
    if !request.kinds.is_empty() {
        let terms = request
            .kinds
            .iter()
            .map(|kind| Term::from_field_text(fields.kind, kind.as_str()));
        filter(Box::new(TermSetQuery::new(terms)));
    }
    for (field, values) in request.filter_groups() {
        let field = fields.facet(field);
        let terms = values
            .into_iter()
            .map(|value| Term::from_field_text(field, value));
        filter(Box::new(TermSetQuery::new(terms)));
    }
    if request.from.is_some() || request.to.is_some() {
        let bound = |day: Option<NaiveDate>| match day {
            Some(day) => Bound::Included(Term::from_field_date_for_search(
                fields.date,
                date_value(day),
            )),
            None => Bound::Unbounded,
        };
        filter(Box::new(RangeQuery::new(
            bound(request.from),
            bound(request.to),
        )));
    }
    let query: Box<dyn Query> = if clauses.len() == 1 {
        match clauses.pop() {
            Some((_, only)) => only,
            None => Box::new(AllQuery),
        }
    } else {
        Box::new(BooleanQuery::new(clauses))
    };
    Ok(CompiledQuery {
        query,
        text,
        checks_positions,
    })
}

/// Builds the query parser: the body (which holds the title too) by default, every word
/// required (as in a web search box and in SQLite FTS5), stemmed and stop-word-free through the
/// fields' analyzer.
pub(crate) fn query_parser(index: &tantivy::Index, fields: &IndexFields) -> QueryParser {
    let mut parser = QueryParser::for_index(index, vec![fields.body]);
    parser.set_conjunction_by_default();
    parser
}

/// Field names a user may type before a colon.
fn is_searchable_field(name: &str) -> bool {
    name == TITLE || name == BODY || FacetField::parse(name).is_some()
}

fn unknown_field_message(name: &str) -> String {
    format!(
        "there is no field '{name}'; you can filter by kind, platform, audience, theme, sentiment"
    )
}

pub(crate) const NOT_UNDERSTOOD: &str =
    "the search could not be understood; put words containing : ( ) [ ] { } ^ ~ in quotes";

/// Turns the user's text into queries, or into a message saying what to fix. `None` for blank
/// text. Never panics: the checks below run before Tantivy's grammar sees the text.
pub(crate) fn parse_text(
    text: &str,
    parser: &QueryParser,
) -> Result<Option<ParsedText>, SearchError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let length = text.chars().count();
    if length > MAX_QUERY_CHARS {
        return Err(SearchError::invalid_query(format!(
            "the search is too long ({length} characters); keep it under {MAX_QUERY_CHARS}"
        )));
    }
    check_quotes_and_brackets(text)?;
    let text = &escape_plain_text_punctuation(text);
    let ast = tantivy::query_grammar::parse_query(text)
        .map_err(|_| SearchError::invalid_query(describe_syntax_error(text)))?;
    check_field_names(&ast)?;
    let mut analyzer = BODY_ANALYZER.clone();
    let (pairs_ast, rewritten) = look_up_pairs_as_terms(&ast, &mut analyzer);
    let build = |ast: UserInputAst| {
        parser
            .build_query_from_user_input_ast(ast)
            .map_err(|error| SearchError::invalid_query(describe_parser_error(&error)))
    };
    let highlighting = build(ast)?;
    let matching = if rewritten {
        build(pairs_ast)?
    } else {
        highlighting.box_clone()
    };
    Ok(Some(ParsedText {
        matching,
        highlighting,
    }))
}

/// Points every two-word phrase on the body at the pairs field, where the parser, tokenising it
/// with the pairs analyzer, turns it into a single term. Done on the parsed text rather than on
/// Tantivy's `PhraseQuery`, which does not expose its terms' offsets or its slop. Says whether
/// anything was rewritten.
fn look_up_pairs_as_terms(ast: &UserInputAst, analyzer: &mut TextAnalyzer) -> (UserInputAst, bool) {
    match ast {
        UserInputAst::Clause(clauses) => {
            let mut rewritten = false;
            let clauses = clauses
                .iter()
                .map(|(occur, clause)| {
                    let (clause, changed) = look_up_pairs_as_terms(clause, analyzer);
                    rewritten |= changed;
                    (*occur, clause)
                })
                .collect();
            (UserInputAst::Clause(clauses), rewritten)
        }
        UserInputAst::Boost(inner, boost) => {
            let (inner, rewritten) = look_up_pairs_as_terms(inner, analyzer);
            (UserInputAst::Boost(Box::new(inner), *boost), rewritten)
        }
        UserInputAst::Leaf(leaf) => match leaf.as_ref() {
            UserInputLeaf::Literal(literal) if is_adjacent_body_pair(literal, analyzer) => {
                let on_pairs = UserInputLiteral {
                    field_name: Some(BODY_PAIRS.to_string()),
                    ..literal.clone()
                };
                (
                    UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(on_pairs))),
                    true,
                )
            }
            _ => (ast.clone(), false),
        },
    }
}

/// Whether a literal is a phrase the pairs field answers exactly: on the body (the default
/// field), no slop, no prefix, and analysed into exactly two words at consecutive positions. A
/// stop word between the two ("price of coffee") leaves a gap the pairs do not span, so that
/// phrase stays a phrase query. Unquoted words the analyzer splits ("wi-fi") are phrases too.
fn is_adjacent_body_pair(literal: &UserInputLiteral, analyzer: &mut TextAnalyzer) -> bool {
    let on_body = literal
        .field_name
        .as_deref()
        .is_none_or(|field| field == BODY);
    if !on_body || literal.slop != 0 || literal.prefix {
        return false;
    }
    let mut positions = Vec::with_capacity(2);
    let mut words = analyzer.token_stream(&literal.phrase);
    while words.advance() {
        if positions.len() == 2 {
            return false;
        }
        positions.push(words.token().position);
    }
    matches!(positions.as_slice(), [first, second] if first.checked_add(1) == Some(*second))
}

fn check_quotes_and_brackets(text: &str) -> Result<(), SearchError> {
    let mut in_quote = false;
    let mut depth: usize = 0;
    let mut escaped = false;
    for character in text.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match character {
            '\\' => escaped = true,
            '"' => in_quote = !in_quote,
            '(' if !in_quote => {
                depth += 1;
                if depth > MAX_BRACKET_DEPTH {
                    return Err(SearchError::invalid_query(format!(
                        "brackets are nested more than {MAX_BRACKET_DEPTH} deep; simplify the search"
                    )));
                }
            }
            ')' if !in_quote => {
                if depth == 0 {
                    return Err(SearchError::invalid_query(
                        "a closing bracket ')' has no opening bracket",
                    ));
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    if in_quote {
        return Err(SearchError::invalid_query(
            "a quote is not closed; add the missing \" or remove the lone one",
        ));
    }
    if depth > 0 {
        return Err(SearchError::invalid_query(
            "a bracket '(' is not closed; add the missing ')'",
        ));
    }
    Ok(())
}

/// Escapes punctuation people type as text but Tantivy's grammar reads as syntax: apostrophes
/// ("don't" would open a single-quoted phrase), and the colons of times ("10:30") and web
/// addresses ("https://…"), which would make "10" or "https" a field name. Other unknown fields
/// still get an error naming the fields that exist.
fn escape_plain_text_punctuation(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_quote = false;
    let mut word = String::new();
    let mut characters = text.chars().peekable();
    let mut escaped = false;
    while let Some(character) = characters.next() {
        if escaped {
            escaped = false;
            out.push(character);
            continue;
        }
        match character {
            '\\' => escaped = true,
            '"' => in_quote = !in_quote,
            '\'' if !in_quote => out.push('\\'),
            ':' if !in_quote => {
                let digits = !word.is_empty() && word.chars().all(|c| c.is_ascii_digit());
                let address = characters.peek() == Some(&'/');
                if digits || address {
                    out.push('\\');
                }
            }
            _ => {}
        }
        if character.is_alphanumeric() || character == '_' {
            word.push(character);
        } else {
            word.clear();
        }
        out.push(character);
    }
    out
}

/// Finds the first thing the strict grammar rejected and says it in plain words.
fn describe_syntax_error(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let operator =
        |word: Option<&&str>| word.is_some_and(|word| matches!(*word, "AND" | "OR" | "NOT"));
    if operator(words.first()) && *words.first().unwrap_or(&"") != "NOT" || operator(words.last()) {
        return "AND, OR and NOT go between words; put them in quotes to search for them"
            .to_string();
    }
    // A field name followed by nothing: `platform:` or `platform: ` at the end or before a bracket.
    for (position, _) in text.match_indices(':') {
        let before = &text[..position];
        let name: String = before
            .chars()
            .rev()
            .take_while(|character| character.is_alphanumeric() || *character == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let after = text[position + 1..].trim_start();
        if !name.is_empty() && (after.is_empty() || after.starts_with(')')) {
            if is_searchable_field(&name) {
                return format!("'{name}:' needs a value after the colon, as in {name}:something");
            }
            return unknown_field_message(&name);
        }
    }
    NOT_UNDERSTOOD.to_string()
}

fn check_field_names(ast: &UserInputAst) -> Result<(), SearchError> {
    match ast {
        UserInputAst::Clause(clauses) => clauses
            .iter()
            .try_for_each(|(_, clause)| check_field_names(clause)),
        UserInputAst::Boost(inner, _) => check_field_names(inner),
        UserInputAst::Leaf(leaf) => {
            let field = match leaf.as_ref() {
                UserInputLeaf::Literal(literal) => literal.field_name.as_deref(),
                UserInputLeaf::Range { field, .. }
                | UserInputLeaf::Set { field, .. }
                | UserInputLeaf::Regex { field, .. } => field.as_deref(),
                UserInputLeaf::Exists { field } => Some(field.as_str()),
                UserInputLeaf::All => None,
            };
            match field {
                Some(name) if !is_searchable_field(name) => {
                    Err(SearchError::invalid_query(unknown_field_message(name)))
                }
                // "Has any value" works on the label fields (columns), not on free text.
                Some(name @ (TITLE | BODY))
                    if matches!(leaf.as_ref(), UserInputLeaf::Exists { .. }) =>
                {
                    Err(SearchError::invalid_query(format!(
                        "'{name}:*' is not supported; search for words in the {name} instead"
                    )))
                }
                _ => Ok(()),
            }
        }
    }
}

fn describe_parser_error(error: &QueryParserError) -> String {
    match error {
        QueryParserError::FieldDoesNotExist(name) => unknown_field_message(name),
        QueryParserError::AllButQueryForbidden => {
            "a search cannot only exclude words; add a word to look for".to_string()
        }
        QueryParserError::UnsupportedQuery(_) => {
            "ranges such as [a TO b], lists such as IN [a b] and regular expressions are not supported in a search"
                .to_string()
        }
        QueryParserError::PhrasePrefixRequiresAtLeastTwoTerms { .. } => {
            "a quoted phrase ending in * needs at least two words".to_string()
        }
        QueryParserError::RangeMustNotHavePhrase => {
            "a range [a TO b] takes single words, not phrases".to_string()
        }
        other => {
            tracing::debug!(error = %other, "query rejected by the parser");
            NOT_UNDERSTOOD.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]

    use tantivy::Index;
    use tantivy::query::{PhraseQuery, Query, TermQuery};

    use super::{SearchRequest, compile, query_parser};
    use crate::schema::{build_schema, register_analyzers};

    /// The query a text matches with, and whether counting it reads positions.
    fn matching(text: &str) -> (Box<dyn Query>, bool) {
        let (schema, fields) = build_schema();
        let index = Index::create_in_ram(schema);
        register_analyzers(&index);
        let parser = query_parser(&index, &fields);
        let compiled =
            compile(&SearchRequest::text(text), &fields, &parser).expect("the text compiles");
        (compiled.query, compiled.checks_positions)
    }

    /// The text of a term query on the pairs field; `None` for any other query.
    fn pair_term(query: &dyn Query) -> Option<String> {
        let (_, fields) = build_schema();
        let term = query.downcast_ref::<TermQuery>()?.term();
        if term.field() != fields.body_pairs {
            return None;
        }
        term.value().as_str().map(str::to_string)
    }

    #[test]
    fn a_two_word_body_phrase_becomes_one_pair_term() {
        for text in [
            "\"free shipping\"",
            "\"the free shipped\"",
            "body:\"free shipping\"",
            "free-shipping",
        ] {
            let (query, checks_positions) = matching(text);
            assert_eq!(pair_term(&*query).as_deref(), Some("free ship"), "{text}");
            assert!(!checks_positions, "{text}");
        }
    }

    #[test]
    fn other_phrases_stay_phrase_queries() {
        for text in [
            "\"price of coffee\"",
            "\"free shipping\"~1",
            "title:\"free shipping\"",
            "\"free fast shipping\"",
        ] {
            let (query, checks_positions) = matching(text);
            assert!(
                query.downcast_ref::<PhraseQuery>().is_some(),
                "{text}: {query:?}"
            );
            assert!(checks_positions, "{text}");
        }
        let (query, checks_positions) = matching("free shipping");
        assert!(query.downcast_ref::<PhraseQuery>().is_none());
        assert!(!checks_positions);
        // A phrase prefix reads positions too.
        let (prefix, reads) = matching("\"free ship\"*");
        assert!(reads, "{prefix:?}");
    }
}
