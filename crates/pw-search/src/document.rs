//! What the caller hands the index: documents, their keys and the labels they are filtered by.

use std::cmp::Ordering;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::SearchError;

/// What a document is. Stored as a plain string in the index, so adding a kind needs no schema
/// change (and no rebuild).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Mention,
    SearchTerm,
    Behavior,
    Creative,
    Signal,
    Report,
    Transcript,
    TwinMemory,
    OpenEnd,
}

impl DocKind {
    /// Every kind, in a stable order (used to word errors and to list kinds).
    pub const ALL: [DocKind; 9] = [
        DocKind::Mention,
        DocKind::SearchTerm,
        DocKind::Behavior,
        DocKind::Creative,
        DocKind::Signal,
        DocKind::Report,
        DocKind::Transcript,
        DocKind::TwinMemory,
        DocKind::OpenEnd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Mention => "mention",
            DocKind::SearchTerm => "search_term",
            DocKind::Behavior => "behavior",
            DocKind::Creative => "creative",
            DocKind::Signal => "signal",
            DocKind::Report => "report",
            DocKind::Transcript => "transcript",
            DocKind::TwinMemory => "twin_memory",
            DocKind::OpenEnd => "open_end",
        }
    }

    pub fn parse(text: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Identity of a document in the index: its kind and the id of its row in the system of record,
/// written `"mention:<uuid>"`. Upserts and deletes find the indexed copy by this exact string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocKey {
    kind: DocKind,
    id: String,
}

impl DocKey {
    pub fn new(kind: DocKind, id: impl Into<String>) -> DocKey {
        DocKey {
            kind,
            id: id.into(),
        }
    }

    pub fn kind(&self) -> DocKind {
        self.kind
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Reads `"kind:id"`; the id may itself contain colons.
    pub fn parse(text: &str) -> Result<DocKey, SearchError> {
        let malformed = || SearchError::MalformedKey {
            key: text.to_string(),
        };
        let (kind, id) = text.split_once(':').ok_or_else(malformed)?;
        let kind = DocKind::parse(kind).ok_or_else(malformed)?;
        if id.is_empty() {
            return Err(malformed());
        }
        Ok(DocKey::new(kind, id))
    }
}

impl fmt::Display for DocKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}", self.kind.as_str(), self.id)
    }
}

/// Keys order as their text does (`"mention:a" < "report:a"`), which is what ties are broken by.
impl Ord for DocKey {
    fn cmp(&self, other: &DocKey) -> Ordering {
        self.kind
            .as_str()
            .cmp(other.kind.as_str())
            .then_with(|| self.id.cmp(&other.id))
    }
}

impl PartialOrd for DocKey {
    fn partial_cmp(&self, other: &DocKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A sentiment score folded into three bands, which is what people filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentimentBand {
    Negative,
    Neutral,
    Positive,
}

impl SentimentBand {
    pub fn as_str(self) -> &'static str {
        match self {
            SentimentBand::Negative => "negative",
            SentimentBand::Neutral => "neutral",
            SentimentBand::Positive => "positive",
        }
    }

    pub fn parse(text: &str) -> Option<SentimentBand> {
        [
            SentimentBand::Negative,
            SentimentBand::Neutral,
            SentimentBand::Positive,
        ]
        .into_iter()
        .find(|band| band.as_str() == text)
    }
}

impl fmt::Display for SentimentBand {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One document as the system of record describes it. The body is indexed but not kept: hits
/// return keys and the caller reads the text back from SQLite.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDocument {
    pub key: DocKey,
    pub title: Option<String>,
    pub body: String,
    pub platform: Option<String>,
    pub audience_id: Option<String>,
    pub theme: Option<String>,
    pub sentiment: Option<SentimentBand>,
    /// The calendar day the document belongs to, in the workspace's zone; `None` when its row
    /// has none (or none readable). An undated document is found by text and counted in facets,
    /// but a date range excludes it and the histogram leaves it out (a placeholder date would
    /// stretch the histogram across centuries).
    pub day: Option<NaiveDate>,
}

impl SearchDocument {
    pub fn kind(&self) -> DocKind {
        self.key.kind()
    }

    /// The labels filters look at, for a vector of this document (see [`crate::VectorSet`]).
    pub fn labels(&self) -> DocLabels {
        DocLabels {
            platform: self.platform.clone(),
            audience_id: self.audience_id.clone(),
            theme: self.theme.clone(),
            sentiment: self.sentiment,
            day: self.day,
        }
    }
}

/// The filterable labels of a document apart from its kind (which its key carries). A vector
/// carries these so the vector side of a hybrid search applies the very filters the index does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocLabels {
    pub platform: Option<String>,
    pub audience_id: Option<String>,
    pub theme: Option<String>,
    pub sentiment: Option<SentimentBand>,
    /// `None` for vectors that have no day (a twin's memory, say); a date range then excludes them.
    pub day: Option<NaiveDate>,
}
