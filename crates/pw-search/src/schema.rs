//! The Tantivy schema, the English analyzer, and how a [`SearchDocument`] becomes a Tantivy
//! document.

use chrono::{NaiveDate, NaiveTime};
use tantivy::schema::{
    DateOptions, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
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
pub const SCHEMA_VERSION: u32 = 3;

/// Name under which the English analyzer is registered. Tantivy stores only this name in the
/// index, not the analyzer, so it has to be registered again on every open.
pub(crate) const ENGLISH_ANALYZER: &str = "pw_english_v1";

/// Field names. The facet fields are named as users type them in a query (`platform:meta`).
pub(crate) const KEY: &str = "key";
pub(crate) const TITLE: &str = "title";
pub(crate) const BODY: &str = "body";
pub(crate) const DAY: &str = "day";
pub(crate) const DATE: &str = "date";

/// The English analyzer: split on non-alphanumerics, drop tokens over 40 bytes, lowercase, fold
/// accents ("café" finds "cafe"), remove Lucene's English stop words, then stem. `en_stem` alone
/// keeps stop words, so "the" would match nearly every document.
pub(crate) fn english_analyzer() -> TextAnalyzer {
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
    builder
        .filter_dynamic(Stemmer::new(Language::English))
        .build()
}

/// The fields of the schema, resolved once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndexFields {
    pub key: Field,
    pub kind: Field,
    pub title: Field,
    pub body: Field,
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
    if let Some(title) = &document.title {
        out.add_text(fields.title, title);
        out.add_text(fields.body, title);
    }
    out.add_text(fields.body, &document.body);
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
