//! Shared test fixtures: documents and a small known corpus.
// Each test binary uses a different part of this module; setup helpers panic on failure like
// the tests that call them.
#![allow(dead_code, clippy::expect_used)]

use chrono::NaiveDate;
use pw_search::{Change, DocKey, DocKind, SearchDocument, SearchIndex, SentimentBand};

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test dates are valid")
}

pub fn mention(id: &str, body: &str) -> SearchDocument {
    SearchDocument {
        key: DocKey::new(DocKind::Mention, id),
        title: None,
        body: body.to_string(),
        platform: None,
        audience_id: None,
        theme: None,
        sentiment: None,
        day: Some(day("2026-01-01")),
    }
}

pub struct Labelled<'a> {
    pub kind: DocKind,
    pub id: &'a str,
    pub body: &'a str,
    pub platform: Option<&'a str>,
    pub sentiment: Option<SentimentBand>,
    pub theme: Option<&'a str>,
    pub day: &'a str,
}

pub fn labelled(doc: Labelled<'_>) -> SearchDocument {
    SearchDocument {
        key: DocKey::new(doc.kind, doc.id),
        title: None,
        body: doc.body.to_string(),
        platform: doc.platform.map(str::to_string),
        audience_id: None,
        theme: doc.theme.map(str::to_string),
        sentiment: doc.sentiment,
        day: Some(day(doc.day)),
    }
}

/// Ten documents whose labels and days are known, to check counts exactly.
///
/// | id | kind        | platform | sentiment | theme    | day        |
/// |----|-------------|----------|-----------|----------|------------|
/// | m1 | mention     | meta     | positive  | shipping | 2026-03-02 (Mon) |
/// | m2 | mention     | meta     | negative  | shipping | 2026-03-02 |
/// | m3 | mention     | tiktok   | negative  | price    | 2026-03-04 |
/// | m4 | mention     | tiktok   | neutral   | -        | 2026-03-09 (Mon) |
/// | m5 | mention     | google   | positive  | price    | 2026-03-31 |
/// | m6 | mention     | -        | -         | -        | 2026-04-01 |
/// | s1 | search_term | google   | -         | shipping | 2026-03-02 |
/// | s2 | search_term | google   | -         | -        | 2026-03-15 (Sun) |
/// | r1 | report      | -        | -         | shipping | 2026-04-15 |
/// | c1 | creative    | meta     | positive  | -        | 2026-03-04 |
pub fn known_corpus() -> Vec<SearchDocument> {
    use DocKind::*;
    use SentimentBand::*;
    let rows = [
        (
            Mention,
            "m1",
            "Free shipping made my day, the parcel shipped fast",
            Some("meta"),
            Some(Positive),
            Some("shipping"),
            "2026-03-02",
        ),
        (
            Mention,
            "m2",
            "Shipping cost is outrageous, no free shipping at all",
            Some("meta"),
            Some(Negative),
            Some("shipping"),
            "2026-03-02",
        ),
        (
            Mention,
            "m3",
            "The price of the coffee beans went up again",
            Some("tiktok"),
            Some(Negative),
            Some("price"),
            "2026-03-04",
        ),
        (
            Mention,
            "m4",
            "Just tried the new espresso blend",
            Some("tiktok"),
            Some(Neutral),
            None,
            "2026-03-09",
        ),
        (
            Mention,
            "m5",
            "Great price for organic beans",
            Some("google"),
            Some(Positive),
            Some("price"),
            "2026-03-31",
        ),
        (
            Mention,
            "m6",
            "Is this roaster any good",
            None,
            None,
            None,
            "2026-04-01",
        ),
        (
            SearchTerm,
            "s1",
            "free coffee shipping",
            Some("google"),
            None,
            Some("shipping"),
            "2026-03-02",
        ),
        (
            SearchTerm,
            "s2",
            "best espresso beans",
            Some("google"),
            None,
            None,
            "2026-03-15",
        ),
        (
            Report,
            "r1",
            "Shipping complaints doubled in March while free delivery offers grew",
            None,
            None,
            Some("shipping"),
            "2026-04-15",
        ),
        (
            Creative,
            "c1",
            "Roasted this morning, shipped tomorrow",
            Some("meta"),
            Some(Positive),
            None,
            "2026-03-04",
        ),
    ];
    rows.into_iter()
        .map(|(kind, id, body, platform, sentiment, theme, day)| {
            labelled(Labelled {
                kind,
                id,
                body,
                platform,
                sentiment,
                theme,
                day,
            })
        })
        .collect()
}

pub fn upserts(documents: Vec<SearchDocument>) -> Vec<Change> {
    documents.into_iter().map(Change::Upsert).collect()
}

/// A ready index in `root` holding `documents`, built by a rebuild at `watermark`.
pub fn built_index(
    root: &std::path::Path,
    documents: Vec<SearchDocument>,
    watermark: u64,
) -> SearchIndex {
    let index = SearchIndex::open(root).expect("open");
    let mut rebuild = index.rebuild().expect("rebuild");
    rebuild.add(documents).expect("add");
    rebuild.finish(watermark).expect("finish");
    index
}

pub fn keys(hits: &[pw_search::Hit]) -> Vec<String> {
    let mut keys: Vec<String> = hits.iter().map(|hit| hit.key.to_string()).collect();
    keys.sort();
    keys
}

/// A deterministic pseudo-random generator (SplitMix64), so tests need no extra dependency.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    pub fn next_f32(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}
