//! The one error type of the crate, with variants a caller maps to its error kinds.

use std::fmt;
use std::path::PathBuf;

/// Why the index cannot answer and has to be rebuilt from the system of record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RebuildReason {
    /// Nothing has been built in this folder yet (or its pointer file or live generation is gone).
    NotBuilt { detail: String },
    /// The folder was deleted or emptied while the index was open.
    Removed { detail: String },
    /// Tantivy could not open the live generation.
    OpenFailed { message: String },
    /// The index was written by another schema or analyzer version of this crate.
    SchemaChanged { found: u32, expected: u32 },
    /// A file of the index failed its checksum or could not be read.
    Corrupt { message: String },
    /// The index does not hold the number of documents it should.
    DocCountMismatch { indexed: u64, expected: u64 },
}

impl fmt::Display for RebuildReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RebuildReason::NotBuilt { detail } => {
                write!(formatter, "the search index has not been built ({detail})")
            }
            RebuildReason::Removed { detail } => {
                write!(formatter, "the search index folder was removed ({detail})")
            }
            RebuildReason::OpenFailed { message } => {
                write!(formatter, "the search index could not be opened: {message}")
            }
            RebuildReason::SchemaChanged { found, expected } => write!(
                formatter,
                "the search index was built by another version (format {found}, this app uses {expected})"
            ),
            RebuildReason::Corrupt { message } => {
                write!(formatter, "the search index is damaged: {message}")
            }
            RebuildReason::DocCountMismatch { indexed, expected } => write!(
                formatter,
                "the search index holds {indexed} documents where {expected} were expected"
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The user's search text cannot be run; `message` is meant to be shown as it is.
    #[error("{message}")]
    InvalidQuery { message: String },
    /// The index needs a rebuild (or one is under way): show "rebuilding", never an error page.
    #[error("search is rebuilding: {reason}")]
    NotReady { reason: RebuildReason },
    /// Another process holds the index's writer lock. Nothing was written: the changes stay in
    /// the caller's outbox and can be applied again later.
    #[error("another process is writing to the search index in {path}")]
    LockBusy { path: PathBuf },
    /// A batch was read from an outbox position the index has since moved past (another batch or
    /// a rebuild landed first). Nothing was written; read the changes again from `found`.
    #[error(
        "the search index moved on to position {found} while a batch from {expected} was being read"
    )]
    WatermarkMoved { expected: u64, found: u64 },
    /// Index files are damaged; the index has been marked for a rebuild.
    #[error("the search index is damaged: {message}")]
    Corrupt { message: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// A stored or supplied key is not `"<kind>:<id>"` with a known kind.
    #[error("'{key}' is not a document key (expected '<kind>:<id>')")]
    MalformedKey { key: String },
    /// A vector or vector blob does not have the shape the set was created for.
    #[error("{message}")]
    InvalidVector { message: String },
}

impl SearchError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> SearchError {
        SearchError::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn invalid_query(message: impl Into<String>) -> SearchError {
        SearchError::InvalidQuery {
            message: message.into(),
        }
    }
}
