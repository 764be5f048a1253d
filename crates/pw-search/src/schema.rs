//! The Tantivy schema, the English analyzer, and how a [`SearchDocument`] becomes a Tantivy
//! document.

use chrono::{NaiveDate, NaiveTime};
use tantivy::schema::{
    DateOptions, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TextAnalyzerBuilder, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy::{DateTime, Index, TantivyDocument};

use crate::document::SearchDocument;
use crate::query::FacetField;

/// Version of the schema *and* of the analyzers. Bump it whenever either changes: an index
/// carrying another number in its commit payload is rebuilt, because Tantivy would otherwise
/// open it and silently tokenise new text differently from old text.
///
/// 2: the key is stored (read back from the document store) instead of a fast column.
/// 3: an undated document has no day (version 2 indexes may hold year-one placeholder days),
///    and the body field also holds the title, so plain words search one field.
/// 4: a field of adjacent word pairs answers two-word phrases without reading positions.
pub const SCHEMA_VERSION: u32 = 4;

/// Name under which the English analyzer is registered. Tantivy stores only this name in the
/// index, not the analyzer, so it has to be registered again on every open.
pub(crate) const ENGLISH_ANALYZER: &str = "pw_english_v1";

/// Name of the English analyzer followed by [`AdjacentPairFilter`], for the pairs field.
pub(crate) const PAIRS_ANALYZER: &str = "pw_english_pairs_v1";

/// Field names. The facet fields are named as users type them in a query (`platform:meta`).
pub(crate) const KEY: &str = "key";
pub(crate) const TITLE: &str = "title";
pub(crate) const BODY: &str = "body";
/// Not a name users can type (the query checks reject it); queries are rewritten to it.
pub(crate) const BODY_PAIRS: &str = "body_pairs";
pub(crate) const DAY: &str = "day";
pub(crate) const DATE: &str = "date";

/// The English analyzer: split on non-alphanumerics, drop tokens over 40 bytes, lowercase, fold
/// accents ("café" finds "cafe"), remove Lucene's English stop words, then stem. `en_stem` alone
/// keeps stop words, so "the" would match nearly every document.
pub(crate) fn english_analyzer() -> TextAnalyzer {
    english_analyzer_builder().build()
}

/// The English analyzer, then [`AdjacentPairFilter`]: what the pairs field holds, and what a
/// two-word phrase is looked up as.
pub(crate) fn pairs_analyzer() -> TextAnalyzer {
    english_analyzer_builder()
        .filter_dynamic(AdjacentPairFilter)
        .build()
}

fn english_analyzer_builder() -> TextAnalyzerBuilder {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .dynamic();
    // `StopWordFilter::new` is `None` only for a language without a list; English has one, but
    // indexing without stop-word removal beats refusing to index.
    let builder = match StopWordFilter::new(Language::English) {
        Some(stop_words) => builder.filter_dynamic(stop_words),
        None => {
            tracing::warn!("no English stop-word list; indexing with stop words kept");
            builder
        }
    };
    builder.filter_dynamic(Stemmer::new(Language::English))
}

/// Turns a stream of analysed words into one token per two words at consecutive positions,
/// "first second" (Elasticsearch's `index_phrases`). A two-word phrase is then one term, looked
/// up in its own posting list, instead of two common words' lists intersected and checked
/// position by position. Positions have to be exactly consecutive: the stop-word and length
/// filters leave a gap where they removed a word, and a phrase query does not match across that
/// gap ("price of coffee" is no "price coffee"), so no pair is made across it either.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AdjacentPairFilter;

impl TokenFilter for AdjacentPairFilter {
    type Tokenizer<T: Tokenizer> = AdjacentPairTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> AdjacentPairTokenizer<T> {
        AdjacentPairTokenizer { words: tokenizer }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct AdjacentPairTokenizer<T> {
    words: T,
}

impl<T: Tokenizer> Tokenizer for AdjacentPairTokenizer<T> {
    type TokenStream<'a> = AdjacentPairStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> AdjacentPairStream<T::TokenStream<'a>> {
        AdjacentPairStream {
            words: self.words.token_stream(text),
            previous: None,
            pair: Token::default(),
        }
    }
}

pub(crate) struct AdjacentPairStream<S> {
    words: S,
    /// The last word read, the first half of the next pair if the next word follows it.
    previous: Option<Token>,
    pair: Token,
}

impl<S: TokenStream> TokenStream for AdjacentPairStream<S> {
    fn advance(&mut self) -> bool {
        while self.words.advance() {
            let word = self.words.token();
            let follows = self
                .previous
                .as_ref()
                .is_some_and(|previous| previous.position.checked_add(1) == Some(word.position));
            let previous = self.previous.get_or_insert_with(Token::default);
            if follows {
                self.pair.text.clear();
                self.pair.text.push_str(&previous.text);
                self.pair.text.push(' ');
                self.pair.text.push_str(&word.text);
                self.pair.offset_from = previous.offset_from;
                self.pair.offset_to = word.offset_to;
                self.pair.position = previous.position;
                self.pair.position_length = 2;
            }
            // Reuse the buffer rather than clone: this runs once per word of every document.
            previous.text.clear();
            previous.text.push_str(&word.text);
            previous.offset_from = word.offset_from;
            previous.offset_to = word.offset_to;
            previous.position = word.position;
            if follows {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        &self.pair
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.pair
    }
}

/// The fields of the schema, resolved once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndexFields {
    pub key: Field,
    pub kind: Field,
    pub title: Field,
    pub body: Field,
    pub body_pairs: Field,
    pub platform: Field,
    pub audience: Field,
    pub theme: Field,
    pub sentiment: Field,
    pub day: Field,
    pub date: Field,
}

impl IndexFields {
    pub fn facet(&self, facet: FacetField) -> Field {
        match facet {
            FacetField::Kind => self.kind,
            FacetField::Platform => self.platform,
            FacetField::Audience => self.audience,
            FacetField::Theme => self.theme,
            FacetField::Sentiment => self.sentiment,
        }
    }
}

pub(crate) fn build_schema() -> (Schema, IndexFields) {
    let mut builder = Schema::builder();
    // Raw and untokenised: the key for delete-by-term upserts, stored so hits read it back.
    // The document store holds nothing else, so a lookup decompresses a small lz4 block (a few
    // microseconds); a fast column's dictionary is zstd-compressed and took ~20 µs per hit.
    let key = builder.add_text_field(KEY, STRING | STORED);
    // The facets: raw, for exact filters, and fast, for counting.
    let kind = builder.add_text_field(FacetField::Kind.as_str(), STRING | FAST);
    let platform = builder.add_text_field(FacetField::Platform.as_str(), STRING | FAST);
    let audience = builder.add_text_field(FacetField::Audience.as_str(), STRING | FAST);
    let theme = builder.add_text_field(FacetField::Theme.as_str(), STRING | FAST);
    let sentiment = builder.add_text_field(FacetField::Sentiment.as_str(), STRING | FAST);
    // Not stored: the text lives in SQLite; storing it here would double the disk used for
    // nothing (snippets are made from the text the caller reads back).
    let text_options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ENGLISH_ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    // `title:` searches titles alone; the body holds the title too, so a plain search reads one
    // field's postings instead of merging two (a third of a phrase query's time went to that
    // union in the bench).
    let title = builder.add_text_field(TITLE, text_options.clone());
    let body = builder.add_text_field(BODY, text_options);
    // Adjacent word pairs of the body (title included), so a two-word phrase is one term: its
    // top 10 can skip blocks by their best score and its count is a posting list's length,
    // where a phrase checks positions in every document holding both words. Frequencies only:
    // the pair is the position check.
    let body_pairs = builder.add_text_field(
        BODY_PAIRS,
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(PAIRS_ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        ),
    );
    // Days since the epoch, for histograms (a column read per hit)...
    let day = builder.add_i64_field(DAY, FAST);
    // ...and the same day as a date, for range filters.
    let date = builder.add_date_field(DATE, DateOptions::from(INDEXED).set_fast());
    let schema = builder.build();
    let fields = IndexFields {
        key,
        kind,
        title,
        body,
        body_pairs,
        platform,
        audience,
        theme,
        sentiment,
        day,
        date,
    };
    (schema, fields)
}

/// Registers the analyzers an index of this schema needs. Must run on every `Index` we open or
/// create, before any writer, reader or query parser touches a text field.
pub(crate) fn register_analyzers(index: &Index) {
    index
        .tokenizers()
        .register(ENGLISH_ANALYZER, english_analyzer());
    index
        .tokenizers()
        .register(PAIRS_ANALYZER, pairs_analyzer());
}

/// Resolves the fields of an index that was opened from disk, checking it has our schema.
pub(crate) fn fields_of(index: &Index) -> Result<IndexFields, String> {
    let (expected, fields) = build_schema();
    let found = index.schema();
    let expected_json = serde_json::to_value(&expected).map_err(|error| error.to_string())?;
    let found_json = serde_json::to_value(&found).map_err(|error| error.to_string())?;
    if expected_json != found_json {
        return Err("its fields differ from this version's".to_string());
    }
    Ok(fields)
}

pub(crate) fn epoch_day(day: NaiveDate) -> i64 {
    // 1970-01-01 is a valid date, so the fallback is never taken; it keeps this function total.
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
    (day - epoch).num_days()
}

pub(crate) fn day_from_epoch(days: i64) -> Option<NaiveDate> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    epoch.checked_add_signed(chrono::Duration::try_days(days)?)
}

pub(crate) fn date_value(day: NaiveDate) -> DateTime {
    DateTime::from_timestamp_secs(day.and_time(NaiveTime::MIN).and_utc().timestamp())
}

pub(crate) fn to_tantivy(fields: &IndexFields, document: &SearchDocument) -> TantivyDocument {
    let mut out = TantivyDocument::default();
    out.add_text(fields.key, document.key.to_string());
    out.add_text(fields.kind, document.kind().as_str());
    // Title and body are separate values, so neither the body's positions nor the pairs join
    // the title's last word to the body's first.
    if let Some(title) = &document.title {
        out.add_text(fields.title, title);
        out.add_text(fields.body, title);
        out.add_text(fields.body_pairs, title);
    }
    out.add_text(fields.body, &document.body);
    out.add_text(fields.body_pairs, &document.body);
    let optional = [
        (fields.platform, document.platform.as_deref()),
        (fields.audience, document.audience_id.as_deref()),
        (fields.theme, document.theme.as_deref()),
        (
            fields.sentiment,
            document.sentiment.map(|band| band.as_str()),
        ),
    ];
    for (field, value) in optional {
        if let Some(value) = value {
            out.add_text(field, value);
        }
    }
    if let Some(day) = document.day {
        out.add_i64(fields.day, epoch_day(day));
        out.add_date(fields.date, date_value(day));
    }
    out
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::TokenStream;

    use super::pairs_analyzer;

    fn pairs(text: &str) -> Vec<(String, usize)> {
        let mut analyzer = pairs_analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push((token.text.clone(), token.position));
        }
        out
    }

    #[test]
    fn pairs_join_stemmed_neighbours_and_never_span_a_removed_word() {
        // the(0, stop) price(1) of(2, stop) coffee(3) free(4) shipping(5) and(6, stop)
        // shipped(7) fast(8)
        let text = "The price of coffee, free shipping and shipped fast";
        assert_eq!(
            pairs(text),
            [
                ("coffe free".to_string(), 3),
                ("free ship".to_string(), 4),
                ("ship fast".to_string(), 7),
            ]
        );
        let too_long = "a".repeat(41);
        assert!(pairs(&format!("free {too_long} shipping")).is_empty());
        assert!(pairs("single").is_empty());
        assert!(pairs("").is_empty());
    }
}
