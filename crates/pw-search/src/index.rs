//! The index handle: opening a root, health, incremental changes, searching.

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::error::LockError;
use tantivy::query::{Query, QueryParser};
use tantivy::schema::IndexRecordOption;
use tantivy::schema::document::Value;
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TERMINATED,
    TantivyDocument, TantivyError, Term,
};

use crate::document::{DocKey, SearchDocument};
use crate::error::{RebuildReason, SearchError};
use crate::generation::{self, POINTER_FILE};
use crate::query::{self, CompiledQuery, FacetField, SearchRequest};
use crate::results::{Highlighter, Hit, SearchResults};
use crate::schema::{self, DAY, IndexFields, SCHEMA_VERSION};
use crate::tally::{self, Tally, TallyCollector};

/// Memory for the long-lived incremental writer: batches are small, and Tantivy needs at least
/// 15 MB per indexing thread.
const INCREMENTAL_WRITER_THREADS: usize = 1;
const INCREMENTAL_WRITER_BUDGET: usize = 64 * 1024 * 1024;

/// One change from the caller's outbox.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Insert the document, replacing any indexed copy with the same key.
    Upsert(SearchDocument),
    /// Remove the document with this key, if indexed.
    Delete(DocKey),
}

/// Whether the index can answer, and from which point of the caller's outbox it is current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Searchable; every change up to `watermark` is in the index.
    Ready { watermark: u64 },
    /// Searches answer [`SearchError::NotReady`] until a rebuild finishes.
    NeedsRebuild { reason: RebuildReason },
}

/// What every commit stores in Tantivy's `meta.json`, atomically with the segments it commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CommitPayload {
    pub schema_version: u32,
    pub watermark: u64,
    pub doc_count: u64,
}

impl CommitPayload {
    pub fn to_json(self) -> Result<String, SearchError> {
        serde_json::to_string(&self).map_err(|error| SearchError::Corrupt {
            message: format!("could not encode the commit payload: {error}"),
        })
    }
}

/// Figures about the live generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexStats {
    /// Folder name of the live generation under the root.
    pub generation: String,
    pub documents: u64,
    pub segments: usize,
    pub bytes_on_disk: u64,
    pub watermark: u64,
}

/// One opened generation: a Tantivy index with its reader and the state of its last commit.
pub(crate) struct Generation {
    pub name: String,
    pub path: PathBuf,
    pub index: Index,
    pub reader: IndexReader,
    pub fields: IndexFields,
    pub parser: QueryParser,
    pub watermark: AtomicU64,
    pub doc_count: AtomicU64,
    /// Length of every file of the committed segments, as last recorded. Segment files are
    /// written once and never change, so another length means something truncated or rewrote
    /// one under us; the index is memory-mapped, and reading a truncated map would crash the
    /// process, so this is checked before searching rather than found by a failing read.
    pub file_lengths: Mutex<HashMap<PathBuf, u64>>,
}

impl Generation {
    /// Opens a generation folder and checks what can be checked cheaply: that it opens, has our
    /// schema, analyzer version and a commit payload, and holds as many documents as its last
    /// commit recorded. Every failure is a reason to rebuild, never an error.
    pub fn open(root: &Path, name: &str) -> Result<Generation, RebuildReason> {
        let path = root.join(name);
        if !path.join("meta.json").is_file() {
            return Err(RebuildReason::NotBuilt {
                detail: format!("{name} has no meta.json"),
            });
        }
        // Tantivy may panic rather than return an error on some damaged files.
        let opened = catch_unwind(AssertUnwindSafe(|| Generation::open_checked(&path, name)));
        match opened {
            Ok(result) => result,
            Err(_) => Err(RebuildReason::Corrupt {
                message: format!("opening {name} failed on damaged data"),
            }),
        }
    }

    fn open_checked(path: &Path, name: &str) -> Result<Generation, RebuildReason> {
        let open_failed = |error: TantivyError| RebuildReason::OpenFailed {
            message: error.to_string(),
        };
        let index = Index::open_in_dir(path).map_err(open_failed)?;
        schema::register_analyzers(&index);
        let metas = index.load_metas().map_err(open_failed)?;
        let Some(payload) = metas.payload.as_deref() else {
            return Err(RebuildReason::NotBuilt {
                detail: format!("{name} was never committed"),
            });
        };
        let payload: CommitPayload =
            serde_json::from_str(payload).map_err(|_| RebuildReason::SchemaChanged {
                found: 0,
                expected: SCHEMA_VERSION,
            })?;
        if payload.schema_version != SCHEMA_VERSION {
            return Err(RebuildReason::SchemaChanged {
                found: payload.schema_version,
                expected: SCHEMA_VERSION,
            });
        }
        let fields = schema::fields_of(&index).map_err(|_| RebuildReason::SchemaChanged {
            found: payload.schema_version,
            expected: SCHEMA_VERSION,
        })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|error: TantivyError| corrupt_reason(&error))?;
        let indexed = reader.searcher().num_docs();
        if indexed != payload.doc_count {
            return Err(RebuildReason::DocCountMismatch {
                indexed,
                expected: payload.doc_count,
            });
        }
        let parser = query::query_parser(&index, &fields);
        Ok(Generation {
            name: name.to_string(),
            path: path.to_path_buf(),
            index,
            reader,
            fields,
            parser,
            watermark: AtomicU64::new(payload.watermark),
            doc_count: AtomicU64::new(payload.doc_count),
            file_lengths: Mutex::new(HashMap::new()),
        })
        .inspect(Generation::record_file_lengths)
    }

    /// Records the length of every file of the committed segments (after opening and after
    /// each reload).
    fn record_file_lengths(&self) {
        let Ok(metas) = self.index.load_metas() else {
            return;
        };
        let mut lengths = HashMap::new();
        for file in metas.list_segment_files() {
            let path = self.path.join(file);
            if let Ok(metadata) = std::fs::metadata(&path) {
                lengths.insert(path, metadata.len());
            }
        }
        *self
            .file_lengths
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = lengths;
    }

    /// Every recorded segment file that is still there has its recorded length. A file merged
    /// away and deleted is fine (mapped files stay readable); one of another length is damage.
    fn files_unchanged(&self) -> Result<(), RebuildReason> {
        let lengths = self
            .file_lengths
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (path, recorded) in lengths.iter() {
            match std::fs::metadata(path) {
                Ok(metadata) if metadata.len() != *recorded => {
                    return Err(RebuildReason::Corrupt {
                        message: format!(
                            "{} changed size while the index was open ({} bytes, was {recorded})",
                            path.display(),
                            metadata.len()
                        ),
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Reloads the reader and the last commit's payload.
    fn refresh_from_disk(&self) -> Result<(), SearchError> {
        self.reader.reload()?;
        self.record_file_lengths();
        let metas = self.index.load_metas()?;
        let payload = metas
            .payload
            .as_deref()
            .and_then(|payload| serde_json::from_str::<CommitPayload>(payload).ok());
        match payload {
            Some(payload) => {
                self.watermark.store(payload.watermark, Ordering::Release);
                self.doc_count
                    .store(self.reader.searcher().num_docs(), Ordering::Release);
                Ok(())
            }
            None => Err(SearchError::Corrupt {
                message: "the last commit has no readable payload".to_string(),
            }),
        }
    }

    /// Reads every file of the live segments and compares its checksum.
    fn verify_checksums(&self) -> Result<(), RebuildReason> {
        let checked = catch_unwind(AssertUnwindSafe(|| self.index.validate_checksum()));
        match checked {
            Ok(Ok(damaged)) if damaged.is_empty() => Ok(()),
            Ok(Ok(damaged)) => {
                let mut files: Vec<String> = damaged
                    .iter()
                    .map(|path| path.display().to_string())
                    .collect();
                files.sort();
                Err(RebuildReason::Corrupt {
                    message: format!("checksum mismatch in {}", files.join(", ")),
                })
            }
            Ok(Err(error)) => Err(corrupt_reason(&error)),
            Err(_) => Err(RebuildReason::Corrupt {
                message: "checking the files failed on damaged data".to_string(),
            }),
        }
    }

    /// The pointer and the generation's `meta.json` are still on disk.
    fn still_on_disk(&self, root: &Path) -> Result<(), RebuildReason> {
        if !root.is_dir() {
            return Err(RebuildReason::Removed {
                detail: format!("{} is gone", root.display()),
            });
        }
        match generation::read_pointer(root) {
            Ok(Some(live)) if live == self.name => {}
            Ok(_) => {
                return Err(RebuildReason::Removed {
                    detail: format!("{POINTER_FILE} no longer names {}", self.name),
                });
            }
            Err(error) => {
                return Err(RebuildReason::Removed {
                    detail: format!("{POINTER_FILE} cannot be read: {error}"),
                });
            }
        }
        if !self.path.join("meta.json").is_file() {
            return Err(RebuildReason::Removed {
                detail: format!("{} has no meta.json any more", self.name),
            });
        }
        self.files_unchanged()
    }
}

fn corrupt_reason(error: &TantivyError) -> RebuildReason {
    RebuildReason::Corrupt {
        message: error.to_string(),
    }
}

pub(crate) enum State {
    Ready(Arc<Generation>),
    NeedsRebuild(RebuildReason),
}

/// The incremental writer, tied to the generation it writes to (a swap makes it stale).
pub(crate) struct LiveWriter {
    pub generation: String,
    pub writer: IndexWriter<TantivyDocument>,
}

pub(crate) struct Inner {
    pub root: PathBuf,
    pub state: RwLock<State>,
    /// Held for the whole of an `apply` and of a swap. Lock order: `writer`, then `state`.
    pub writer: Mutex<Option<LiveWriter>>,
}

impl Inner {
    pub fn state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // A panic while holding the lock leaves the state itself consistent (it is replaced
        // whole), so a poisoned lock is still safe to read.
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn set_state(&self, state: State) {
        let mut guard = self
            .state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = state;
    }

    pub fn writer_slot(&self) -> MutexGuard<'_, Option<LiveWriter>> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn live(&self) -> Result<Arc<Generation>, SearchError> {
        match &*self.state() {
            State::Ready(generation) => Ok(Arc::clone(generation)),
            State::NeedsRebuild(reason) => Err(SearchError::NotReady {
                reason: reason.clone(),
            }),
        }
    }

    /// Marks the index as needing a rebuild, unless a newer generation has been swapped in since
    /// `generation` was read (its problem is then no longer ours).
    pub fn needs_rebuild(&self, generation: &Generation, reason: RebuildReason) {
        let mut guard = self
            .state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let State::Ready(live) = &*guard
            && live.name != generation.name
        {
            return;
        }
        tracing::warn!(root = %self.root.display(), %reason, "search index needs a rebuild");
        *guard = State::NeedsRebuild(reason);
    }
}

/// A workspace's search index. Cheap to clone and share between threads; every method blocks
/// (Tantivy does file IO and uses its own threads), so async callers wrap calls in
/// `spawn_blocking`.
#[derive(Clone)]
pub struct SearchIndex {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SearchIndex")
            .field("root", &self.inner.root)
            .field("health", &self.cached_health())
            .finish()
    }
}

impl SearchIndex {
    /// Opens the index kept in `root` (one workspace per root). Never fails because of what is
    /// on disk: a missing, damaged or outdated index opens in the [`Health::NeedsRebuild`] state,
    /// and the caller starts [`SearchIndex::rebuild`]. Checks checksums of every live file, so
    /// it reads the whole index once.
    ///
    /// Open a root once per process and clone the handle: opening deletes generations other
    /// than the live one, which would include a rebuild another handle is writing.
    pub fn open(root: impl AsRef<Path>) -> Result<SearchIndex, SearchError> {
        let root = root.as_ref().to_path_buf();
        let state = SearchIndex::open_state(&root);
        let index = SearchIndex {
            inner: Arc::new(Inner {
                root,
                state: RwLock::new(state),
                writer: Mutex::new(None),
            }),
        };
        tracing::info!(root = %index.inner.root.display(), health = ?index.cached_health(), "search index opened");
        Ok(index)
    }

    fn open_state(root: &Path) -> State {
        if !root.is_dir() {
            return State::NeedsRebuild(RebuildReason::NotBuilt {
                detail: format!("{} does not exist", root.display()),
            });
        }
        let live = match generation::read_pointer(root) {
            Ok(Some(live)) => live,
            Ok(None) => {
                generation::remove_stale_generations(root, None);
                return State::NeedsRebuild(RebuildReason::NotBuilt {
                    detail: format!("no {POINTER_FILE} file"),
                });
            }
            Err(error) => {
                return State::NeedsRebuild(RebuildReason::OpenFailed {
                    message: format!("{POINTER_FILE} cannot be read: {error}"),
                });
            }
        };
        generation::remove_stale_generations(root, Some(&live));
        let generation = match Generation::open(root, &live) {
            Ok(generation) => generation,
            Err(reason) => return State::NeedsRebuild(reason),
        };
        if let Err(reason) = generation.verify_checksums() {
            return State::NeedsRebuild(reason);
        }
        State::Ready(Arc::new(generation))
    }

    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    fn cached_health(&self) -> Health {
        match &*self.inner.state() {
            State::Ready(generation) => Health::Ready {
                watermark: generation.watermark.load(Ordering::Acquire),
            },
            State::NeedsRebuild(reason) => Health::NeedsRebuild {
                reason: reason.clone(),
            },
        }
    }

    /// Re-checks cheaply that the index is still on disk (the root, the pointer file, the live
    /// `meta.json`); a folder deleted while the app runs turns the index to `NeedsRebuild`.
    pub fn health(&self) -> Health {
        if let Ok(generation) = self.inner.live()
            && let Err(reason) = generation.still_on_disk(&self.inner.root)
        {
            self.inner.needs_rebuild(&generation, reason);
        }
        self.cached_health()
    }

    /// [`SearchIndex::health`] plus a checksum of every live file: finds a segment file that was
    /// truncated or overwritten. Reads the whole index; run it in the background.
    pub fn verify(&self) -> Health {
        if let Health::NeedsRebuild { reason } = self.health() {
            return Health::NeedsRebuild { reason };
        }
        if let Ok(generation) = self.inner.live()
            && let Err(reason) = generation.verify_checksums()
        {
            self.inner.needs_rebuild(&generation, reason);
        }
        self.cached_health()
    }

    /// [`SearchIndex::health`] plus a comparison of the indexed document count with the count
    /// the system of record expects (rows of indexed kinds up to the watermark).
    pub fn check(&self, expected_docs: u64) -> Health {
        if let Health::NeedsRebuild { reason } = self.health() {
            return Health::NeedsRebuild { reason };
        }
        if let Ok(generation) = self.inner.live() {
            let indexed = generation.reader.searcher().num_docs();
            if indexed != expected_docs {
                self.inner.needs_rebuild(
                    &generation,
                    RebuildReason::DocCountMismatch {
                        indexed,
                        expected: expected_docs,
                    },
                );
            }
        }
        self.cached_health()
    }

    /// The outbox position the index is current to, if it is ready.
    pub fn watermark(&self) -> Option<u64> {
        match self.cached_health() {
            Health::Ready { watermark } => Some(watermark),
            Health::NeedsRebuild { .. } => None,
        }
    }

    /// Documents in the index.
    pub fn doc_count(&self) -> Result<u64, SearchError> {
        Ok(self.inner.live()?.reader.searcher().num_docs())
    }

    /// Figures for diagnostics: documents, segments, size on disk, watermark.
    pub fn stats(&self) -> Result<IndexStats, SearchError> {
        let generation = self.inner.live()?;
        let searcher = generation.reader.searcher();
        let bytes_on_disk = std::fs::read_dir(&generation.path)
            .map_err(|error| {
                SearchError::io(format!("listing {}", generation.path.display()), error)
            })?
            .flatten()
            .filter_map(|entry| entry.metadata().ok())
            .map(|metadata| metadata.len())
            .sum();
        Ok(IndexStats {
            generation: generation.name.clone(),
            documents: searcher.num_docs(),
            segments: searcher.segment_readers().len(),
            bytes_on_disk,
            watermark: generation.watermark.load(Ordering::Acquire),
        })
    }

    /// Applies a batch of changes read from the caller's outbox after position `from`, up to and
    /// including `to`, and commits it with watermark `to`. When this returns `Ok`, the batch is
    /// on disk and searchable; when it fails or the process dies first, nothing of the batch is,
    /// and the caller replays from [`SearchIndex::watermark`]. Replaying is harmless: an upsert
    /// replaces the copy with the same key.
    ///
    /// The batch must start where the index stands: if the watermark is no longer `from` (another
    /// caller applied a batch or a rebuild swapped in a generation since the caller read it), the
    /// batch may hold texts older than what the index already has, so it is refused with
    /// [`SearchError::WatermarkMoved`] and nothing is written; the caller reads again from the
    /// new watermark. So the watermark only ever moves forward, over batches that follow on.
    ///
    /// Commit per job or every few thousand changes: each commit costs tens of milliseconds and
    /// adds a segment.
    pub fn apply(&self, changes: Vec<Change>, from: u64, to: u64) -> Result<(), SearchError> {
        if to < from {
            return Err(SearchError::Tantivy(TantivyError::InvalidArgument(
                format!("a batch cannot end ({to}) before it starts ({from})"),
            )));
        }
        let mut slot = self.inner.writer_slot();
        let generation = self.inner.live()?;
        if changes.is_empty() && to == from && generation.watermark.load(Ordering::Acquire) == from
        {
            return Ok(());
        }
        let writer = self.writer_for(&mut slot, &generation)?;
        // Read after `writer_for`, which takes in what another process committed before us.
        let current = generation.watermark.load(Ordering::Acquire);
        if current != from {
            return Err(SearchError::WatermarkMoved {
                expected: from,
                found: current,
            });
        }
        let result = apply_to(writer, &generation, changes, to);
        if let Err(error) = &result {
            tracing::warn!(%error, "search index batch failed; rolling back to the last commit");
            // Discard whatever the failed batch queued, so a later commit cannot carry half of
            // it under a newer watermark. If even that fails, drop the writer: a new one starts
            // from the last commit.
            if writer.rollback().is_err() {
                *slot = None;
            }
            if let SearchError::Tantivy(TantivyError::DataCorruption(_)) = error {
                self.inner.needs_rebuild(&generation, corrupt_from(error));
            }
        }
        result
    }

    /// The live generation's writer, created on first use. Another process holding the lock is
    /// reported, never waited for or ignored.
    fn writer_for<'slot>(
        &self,
        slot: &'slot mut Option<LiveWriter>,
        generation: &Generation,
    ) -> Result<&'slot mut IndexWriter<TantivyDocument>, SearchError> {
        let stale = slot
            .as_ref()
            .is_some_and(|live| live.generation != generation.name);
        if stale {
            *slot = None;
        }
        if slot.is_none() {
            let writer = generation
                .index
                .writer_with_num_threads(INCREMENTAL_WRITER_THREADS, INCREMENTAL_WRITER_BUDGET)
                .map_err(|error| lock_error(error, &generation.path))?;
            // Whoever held the lock before us (another process, or this one before a restart of
            // the writer) may have committed since our reader last looked: start from what is
            // on disk, or the count and watermark we record would be stale.
            generation.refresh_from_disk()?;
            *slot = Some(LiveWriter {
                generation: generation.name.clone(),
                writer,
            });
        }
        match slot.as_mut() {
            Some(live) => Ok(&mut live.writer),
            None => Err(SearchError::NotReady {
                reason: RebuildReason::OpenFailed {
                    message: "the index writer could not be kept".to_string(),
                },
            }),
        }
    }

    /// Waits for background merges and releases the writer lock. Call at shutdown; the index
    /// stays searchable, and a later `apply` takes the writer again.
    pub fn close_writer(&self) -> Result<(), SearchError> {
        let taken = self.inner.writer_slot().take();
        if let Some(live) = taken {
            live.writer.wait_merging_threads()?;
        }
        Ok(())
    }

    /// Runs a search: hits, total, facet counts and the date histogram in one pass over the
    /// matches, plus a highlighter for snippets of the texts the caller reads back.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let generation = self.inner.live()?;
        let compiled = compile(request, &generation)?;
        let searched = catch_unwind(AssertUnwindSafe(|| {
            search_generation(&generation, request, &compiled)
        }));
        self.settle(&generation, searched)
    }

    /// The keys of the best `limit` text matches under the request's filters, best first,
    /// without facet counts (the text side of a hybrid search). Empty for blank text.
    pub(crate) fn top_text_keys(
        &self,
        request: &SearchRequest,
        limit: usize,
    ) -> Result<Vec<DocKey>, SearchError> {
        let generation = self.inner.live()?;
        let compiled = compile(request, &generation)?;
        if compiled.text.is_none() || limit == 0 {
            return Ok(Vec::new());
        }
        let searched = catch_unwind(AssertUnwindSafe(|| {
            let searcher = generation.reader.searcher();
            let top = searcher.search(
                &*compiled.query,
                &TopDocs::with_limit(limit).order_by_score(),
            )?;
            let addresses: Vec<DocAddress> = top.into_iter().map(|(_, address)| address).collect();
            read_keys(&searcher, &generation.fields, &addresses)
        }));
        self.settle(&generation, searched)
    }

    /// Turns a panic or a corruption error from a search into a rebuild and a `Corrupt` error.
    fn settle<T>(
        &self,
        generation: &Generation,
        searched: std::thread::Result<Result<T, SearchError>>,
    ) -> Result<T, SearchError> {
        match searched {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error @ SearchError::Tantivy(TantivyError::DataCorruption(_))))
            | Ok(Err(error @ SearchError::Tantivy(TantivyError::IoError(_)))) => {
                let reason = corrupt_from(&error);
                self.inner.needs_rebuild(generation, reason);
                Err(SearchError::Corrupt {
                    message: error.to_string(),
                })
            }
            Ok(Err(error)) => Err(error),
            Err(_) => {
                let message = "a search failed on damaged index data".to_string();
                self.inner.needs_rebuild(
                    generation,
                    RebuildReason::Corrupt {
                        message: message.clone(),
                    },
                );
                Err(SearchError::Corrupt { message })
            }
        }
    }
}

/// Compiles a request for a generation. The checks before Tantivy's grammar are meant to rule
/// out its panics; should one slip through, the user gets "not understood", not a crash.
fn compile(request: &SearchRequest, generation: &Generation) -> Result<CompiledQuery, SearchError> {
    catch_unwind(AssertUnwindSafe(|| {
        query::compile(request, &generation.fields, &generation.parser)
    }))
    .unwrap_or_else(|_| {
        tracing::error!(text = %request.text, "the query parser panicked");
        Err(SearchError::InvalidQuery {
            message: query::NOT_UNDERSTOOD.to_string(),
        })
    })
}

fn corrupt_from(error: &SearchError) -> RebuildReason {
    RebuildReason::Corrupt {
        message: error.to_string(),
    }
}

pub(crate) fn lock_error(error: TantivyError, path: &Path) -> SearchError {
    match error {
        TantivyError::LockFailure(LockError::LockBusy, _) => SearchError::LockBusy {
            path: path.to_path_buf(),
        },
        other => SearchError::Tantivy(other),
    }
}

fn apply_to(
    writer: &mut IndexWriter<TantivyDocument>,
    generation: &Generation,
    changes: Vec<Change>,
    watermark: u64,
) -> Result<(), SearchError> {
    let fields = generation.fields;
    let searcher = generation.reader.searcher();
    // Whether each key touched by the batch is indexed after the changes so far: the count the
    // commit records has to be known before the commit.
    let mut live_after: HashMap<String, bool> = HashMap::new();
    let mut doc_count = generation.doc_count.load(Ordering::Acquire);
    for change in changes {
        let (key, document) = match change {
            Change::Upsert(document) => (document.key.to_string(), Some(document)),
            Change::Delete(key) => (key.to_string(), None),
        };
        let term = Term::from_field_text(fields.key, &key);
        let was_live = match live_after.get(&key) {
            Some(live) => *live,
            None => key_is_indexed(&searcher, &term, &fields)?,
        };
        writer.delete_term(term);
        let is_live = match document {
            Some(document) => {
                writer.add_document(schema::to_tantivy(&fields, &document))?;
                true
            }
            None => false,
        };
        match (was_live, is_live) {
            (false, true) => doc_count += 1,
            (true, false) => doc_count = doc_count.saturating_sub(1),
            _ => {}
        }
        live_after.insert(key, is_live);
    }
    let payload = CommitPayload {
        schema_version: SCHEMA_VERSION,
        watermark,
        doc_count,
    }
    .to_json()?;
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    generation.reader.reload()?;
    generation.record_file_lengths();
    let indexed = generation.reader.searcher().num_docs();
    if indexed != doc_count {
        // Only possible if the index already held duplicates; the next `check` reports it.
        tracing::warn!(
            indexed,
            recorded = doc_count,
            "search index count differs from the batch's bookkeeping"
        );
    }
    generation.doc_count.store(doc_count, Ordering::Release);
    generation.watermark.store(watermark, Ordering::Release);
    Ok(())
}

/// Whether a live (not deleted) document has this key in the committed index.
fn key_is_indexed(
    searcher: &Searcher,
    term: &Term,
    fields: &IndexFields,
) -> Result<bool, SearchError> {
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(fields.key)?;
        let postings = inverted
            .read_postings(term, IndexRecordOption::Basic)
            .map_err(|error| SearchError::io("reading a key's postings", error))?;
        let Some(mut postings) = postings else {
            continue;
        };
        let alive = segment.alive_bitset();
        let mut doc = postings.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|bitset| bitset.is_alive(doc)) {
                return Ok(true);
            }
            doc = postings.advance();
        }
    }
    Ok(false)
}

fn search_generation(
    generation: &Generation,
    request: &SearchRequest,
    compiled: &CompiledQuery,
) -> Result<SearchResults, SearchError> {
    let searcher = generation.reader.searcher();
    let query: &dyn Query = &*compiled.query;
    let by_relevance = compiled.text.is_some();
    // Tantivy's top-docs collector refuses a limit of 0, so a count-only request skips it.
    // Everything, unfiltered (a workspace's overview): counts straight from the columns.
    let everything = if request.counts && !by_relevance && !request.has_filters() {
        tally::tally_everything(&searcher)?
    } else {
        None
    };
    let (top, tally) = if let Some(tally) = everything {
        let top = match request.limit {
            0 => Vec::new(),
            limit => without_sort_keys(searcher.search(query, &newest_first(request, limit))?),
        };
        (top, tally)
    } else if request.counts {
        let (top, tally) = match (request.limit, by_relevance) {
            (0, _) => (Vec::new(), searcher.search(query, &TallyCollector)?),
            (limit, true) => {
                let top = TopDocs::with_limit(limit)
                    .and_offset(request.offset)
                    .order_by_score();
                searcher.search(query, &(top, TallyCollector))?
            }
            (limit, false) => {
                let (top, tally) =
                    searcher.search(query, &(newest_first(request, limit), TallyCollector))?;
                (without_sort_keys(top), tally)
            }
        };
        (top, tally)
    } else {
        // A phrase has to be checked position by position in every matching document, for
        // the top hits and again for a separate count: count in the same pass instead. Words
        // alone rank with block-max pruning, and their count comes from the posting lists (a
        // term's document frequency when nothing is deleted) without visiting every match;
        // so do two-word phrases, which the query looks up as one term of the pairs field.
        let has_phrase = compiled.checks_positions;
        let (top, total) = match (request.limit, by_relevance) {
            (0, _) => (Vec::new(), query.count(&searcher)? as u64),
            (limit, true) => {
                let top = TopDocs::with_limit(limit)
                    .and_offset(request.offset)
                    .order_by_score();
                if has_phrase {
                    let (top, count) = searcher.search(query, &(top, Count))?;
                    (top, count as u64)
                } else {
                    (
                        searcher.search(query, &top)?,
                        query.count(&searcher)? as u64,
                    )
                }
            }
            (limit, false) => (
                without_sort_keys(searcher.search(query, &newest_first(request, limit))?),
                query.count(&searcher)? as u64,
            ),
        };
        (
            top,
            Tally {
                total,
                ..Tally::default()
            },
        )
    };
    let addresses: Vec<DocAddress> = top.iter().map(|(_, address)| *address).collect();
    let hits = read_keys(&searcher, &generation.fields, &addresses)?
        .into_iter()
        .zip(top)
        .map(|(key, (score, _))| Hit::new(key, score))
        .collect();
    let mut facets = BTreeMap::new();
    if request.counts {
        for field in FacetField::ALL {
            let mut values: Vec<(String, u64)> = tally
                .facets
                .get(&field)
                .map(|values| {
                    values
                        .iter()
                        .map(|(value, count)| (value.clone(), *count))
                        .collect()
                })
                .unwrap_or_default();
            values.sort_by(|left, right| right.1.cmp(&left.1).then_with(|| left.0.cmp(&right.0)));
            facets.insert(field, values);
        }
    }
    let histogram = tally::histogram(&tally.days, request.histogram);
    let highlighter = Highlighter::new(&searcher, compiled.text.as_deref(), &generation.fields)?;
    Ok(SearchResults {
        total: tally.total,
        hits,
        facets,
        histogram,
        highlighter,
    })
}

/// Without text there is no relevance: newest first.
fn newest_first(
    request: &SearchRequest,
    limit: usize,
) -> impl tantivy::collector::Collector<Fruit = Vec<(Option<i64>, DocAddress)>> {
    TopDocs::with_limit(limit)
        .and_offset(request.offset)
        .order_by_fast_field::<i64>(DAY, Order::Desc)
}

/// Hits ordered by day carry no score; they report 0.
fn without_sort_keys(top: Vec<(Option<i64>, DocAddress)>) -> Vec<(f32, DocAddress)> {
    top.into_iter().map(|(_, address)| (0.0, address)).collect()
}

/// Reads the keys of hits from the document store, which holds nothing but keys.
fn read_keys(
    searcher: &Searcher,
    fields: &IndexFields,
    addresses: &[DocAddress],
) -> Result<Vec<DocKey>, SearchError> {
    addresses
        .iter()
        .map(|address| {
            let document: TantivyDocument = searcher.doc(*address)?;
            match document
                .get_first(fields.key)
                .and_then(|value| value.as_str())
            {
                Some(key) => DocKey::parse(key),
                None => Err(SearchError::Corrupt {
                    message: "a document has no key".to_string(),
                }),
            }
        })
        .collect()
}
