//! A workspace's search index. It is derived data: SQLite stays the system of record, and this
//! crate only knows the documents it is handed. Losing the index loses nothing; it is rebuilt.
//!
//! # What it does
//!
//! Full text over mentions, search terms, behaviours, creatives, signals, reports (and later
//! transcripts, twin memories, open ends) with English stemming and stop words, phrases in
//! quotes, facet counts (kind, platform, audience, theme, sentiment), date filters and a date
//! histogram, all from one pass over the matches ([`SearchIndex::search`]); snippets of texts
//! the caller reads back ([`Highlighter`]); an exact in-memory vector scan ([`VectorSet`]);
//! and hybrid retrieval fusing both by reciprocal rank ([`SearchIndex::hybrid`]).
//!
//! # Design
//!
//! - **Generations.** A root folder holds generation folders (`gen-00000007/`, each a complete
//!   Tantivy index) and a pointer file `LIVE` naming the live one. A rebuild
//!   ([`SearchIndex::rebuild`]) writes a new generation beside the live one, which keeps
//!   answering; [`RebuildWriter::finish`] replaces the pointer atomically (temp file, fsync,
//!   rename) and swaps the handle over. Dropping the writer cancels the rebuild. Old
//!   generations are deleted after the swap, or at the next open if a file was still in use
//!   (Windows refuses to delete mapped files).
//! - **Watermark in the commit.** Every commit carries a payload
//!   `{schema_version, watermark, doc_count}` written by Tantivy in the same atomic `meta.json`
//!   update as the segments. The watermark is the caller's outbox position, so after any crash
//!   the index says exactly where to replay from, and never claims more than it holds. A kill
//!   before a commit loses the uncommitted batch (and leaves orphan files Tantivy collects
//!   later); replaying it is harmless, because an upsert deletes the key before adding.
//! - **One writer.** One long-lived incremental writer per index, taken on the first
//!   [`SearchIndex::apply`] and kept (dropping writers after each commit kills their merges and
//!   multiplies segments). Another process holding the lock is [`SearchError::LockBusy`]:
//!   nothing is written and nothing is dropped, the changes stay in the caller's outbox.
//! - **Health.** Opening never fails because of what is on disk: a missing, damaged (checksum),
//!   outdated (schema or analyzer version) or miscounted index opens as
//!   [`Health::NeedsRebuild`], and searches answer [`SearchError::NotReady`] ("rebuilding")
//!   until a rebuild finishes. [`SearchIndex::health`] re-checks that the folder is still there,
//!   [`SearchIndex::verify`] re-reads checksums, [`SearchIndex::check`] compares the document
//!   count with the caller's.
//! - **No bodies stored.** Texts are indexed, not stored: storing them would double the disk
//!   used for text SQLite already has. Hits carry keys (`"mention:<id>"`, the only thing in the
//!   document store), and snippets are made from the text the caller reads back.
//! - **Blocking API.** Tantivy does file IO and runs its own threads, so every method blocks;
//!   async callers use `spawn_blocking`. [`SearchIndex`] is `Send + Sync` and cheap to clone.

mod document;
mod error;
mod fusion;
mod generation;
mod index;
mod query;
mod rebuild;
mod results;
mod schema;
mod tally;
mod vectors;

pub use document::{DocKey, DocKind, DocLabels, SearchDocument, SentimentBand};
pub use error::{RebuildReason, SearchError};
pub use fusion::{FusedHit, RRF_K, fuse_reciprocal_rank};
pub use index::{Change, Health, IndexStats, SearchIndex};
pub use query::{FacetField, HistogramInterval, MAX_BRACKET_DEPTH, MAX_QUERY_CHARS, SearchRequest};
pub use rebuild::RebuildWriter;
pub use results::{Highlighter, Hit, SNIPPET_CHARS, SearchResults, Snippet};
pub use schema::SCHEMA_VERSION;
pub use vectors::{VectorHit, VectorSet, vector_from_bytes, vector_to_bytes};
