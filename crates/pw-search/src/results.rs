//! What a search answers: hits (keys, not texts), counts, and a highlighter for snippets.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::NaiveDate;
use tantivy::Searcher;
use tantivy::query::Query;
use tantivy::snippet::SnippetGenerator;

use crate::SearchError;
use crate::document::{DocKey, DocKind};
use crate::query::FacetField;
use crate::schema::IndexFields;

/// Characters of text a snippet shows.
pub const SNIPPET_CHARS: usize = 160;

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub key: DocKey,
    pub kind: DocKind,
    /// BM25 score; 0 when the request had no text (hits are then newest first).
    pub score: f32,
}

impl Hit {
    pub(crate) fn new(key: DocKey, score: f32) -> Hit {
        Hit {
            kind: key.kind(),
            key,
            score,
        }
    }
}

#[derive(Debug)]
pub struct SearchResults {
    /// Documents matching the text and filters (all of them, not just this page).
    pub total: u64,
    pub hits: Vec<Hit>,
    /// For every facet field, each value among the matches with its count, most frequent
    /// first (ties by value). Counts are over all matches, after every filter. Empty when the
    /// request asked for no counts.
    pub facets: BTreeMap<FacetField, Vec<(String, u64)>>,
    /// Matches per bucket (start day, count), from the first to the last non-empty bucket, with
    /// empty buckets in between as zeros.
    pub histogram: Vec<(NaiveDate, u64)>,
    /// Makes snippets of hits' texts, which the caller reads from the system of record.
    pub highlighter: Highlighter,
}

impl SearchResults {
    pub fn facet(&self, field: FacetField) -> &[(String, u64)] {
        self.facets.get(&field).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// A fragment of a text around the best matches, with the byte ranges (within `fragment`) of
/// the words that matched. Stemmed matches count: a search for "shipping" highlights "shipped".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub fragment: String,
    pub highlights: Vec<Range<usize>>,
}

/// Built from a search's text query; cheap to keep with the results and safe to send across
/// threads.
pub struct Highlighter {
    body: Option<SnippetGenerator>,
    title: Option<SnippetGenerator>,
}

impl std::fmt::Debug for Highlighter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Highlighter")
            .field("has_terms", &self.body.is_some())
            .finish()
    }
}

impl Highlighter {
    pub(crate) fn new(
        searcher: &Searcher,
        text_query: Option<&dyn Query>,
        fields: &IndexFields,
    ) -> Result<Highlighter, SearchError> {
        let Some(query) = text_query else {
            return Ok(Highlighter {
                body: None,
                title: None,
            });
        };
        let generator = |field| -> Result<SnippetGenerator, SearchError> {
            let mut generator = SnippetGenerator::create(searcher, query, field)?;
            generator.set_max_num_chars(SNIPPET_CHARS);
            Ok(generator)
        };
        Ok(Highlighter {
            body: Some(generator(fields.body)?),
            title: Some(generator(fields.title)?),
        })
    }

    /// A snippet of a document's body.
    pub fn snippet(&self, body: &str) -> Snippet {
        snippet_with(self.body.as_ref(), body)
    }

    /// A snippet of a document's title (a title usually fits whole). Plain words were searched
    /// in the body field, which holds the title too and shares its analyzer, so they highlight
    /// the title as well as `title:` words do.
    pub fn title_snippet(&self, title: &str) -> Snippet {
        let own = snippet_with(self.title.as_ref(), title);
        if own.highlights.is_empty() {
            snippet_with(self.body.as_ref(), title)
        } else {
            own
        }
    }
}

fn snippet_with(generator: Option<&SnippetGenerator>, text: &str) -> Snippet {
    if let Some(generator) = generator {
        let snippet = generator.snippet(text);
        if !snippet.is_empty() {
            return Snippet {
                fragment: snippet.fragment().to_string(),
                highlights: snippet.highlighted().to_vec(),
            };
        }
    }
    // Nothing to highlight (no text in the search, or the match was in another field): show
    // the start of the text, cut at a word boundary.
    Snippet {
        fragment: leading_text(text, SNIPPET_CHARS),
        highlights: Vec::new(),
    }
}

fn leading_text(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    let Some((cut, _)) = text.char_indices().nth(max_chars) else {
        return text.to_string();
    };
    let head = &text[..cut];
    match head.rfind(char::is_whitespace) {
        Some(space) if space > 0 => head[..space].trim_end().to_string(),
        _ => head.to_string(),
    }
}
