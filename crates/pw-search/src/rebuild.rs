//! Building a whole new generation from the system of record, then swapping it in.

use std::path::PathBuf;
use std::sync::Arc;

use tantivy::merge_policy::NoMergePolicy;
use tantivy::{Index, IndexSettings, IndexWriter, TantivyDocument};

use crate::document::SearchDocument;
use crate::error::SearchError;
use crate::generation;
use crate::index::{CommitPayload, Generation, Health, Inner, SearchIndex, State, lock_error};
use crate::schema::{self, IndexFields, SCHEMA_VERSION};

/// Two indexing threads sharing 80 MB; Tantivy flushes a segment when a thread's share fills
/// up. Measured on a 1M-document rebuild from SQLite (search-bench, 2 cores): 80 MB peaked at
/// 206–222 MB resident in 14–17 s, 256 MB at 340–370 MB in 16–17 s. Reading and tokenising
/// dominate, so a bigger arena buys no speed, only memory.
const REBUILD_WRITER_THREADS: usize = 2;
const REBUILD_WRITER_BUDGET: usize = 80 * 1024 * 1024;

/// A rebuild in progress. The live generation keeps answering (and taking `apply`) until
/// [`RebuildWriter::finish`] swaps the new one in; dropping the writer instead cancels the
/// rebuild and deletes what it wrote.
///
/// The caller feeds every document of the system of record as of one outbox position, and
/// passes that position to `finish`; it then replays the outbox from there. Keys must be unique
/// (a rebuild only adds).
pub struct RebuildWriter {
    inner: Arc<Inner>,
    name: String,
    path: PathBuf,
    fields: IndexFields,
    // `None` once finished; dropping it earlier rolls the new generation back.
    writer: Option<IndexWriter<TantivyDocument>>,
    added: u64,
}

impl std::fmt::Debug for RebuildWriter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("RebuildWriter")
            .field("generation", &self.name)
            .field("added", &self.added)
            .finish()
    }
}

impl SearchIndex {
    /// Starts building a new generation in the root (creating the root if needed). Works
    /// whether the index is ready or needs a rebuild.
    pub fn rebuild(&self) -> Result<RebuildWriter, SearchError> {
        let root = &self.inner.root;
        std::fs::create_dir_all(root)
            .map_err(|error| SearchError::io(format!("creating {}", root.display()), error))?;
        let (name, path) = generation::next_generation(root)
            .map_err(|error| SearchError::io(format!("listing {}", root.display()), error))?;
        std::fs::create_dir(&path)
            .map_err(|error| SearchError::io(format!("creating {}", path.display()), error))?;
        let (schema, fields) = schema::build_schema();
        let created = Index::builder()
            .schema(schema)
            .settings(index_settings())
            .create_in_dir(&path)
            .and_then(|index| {
                schema::register_analyzers(&index);
                let writer: IndexWriter<TantivyDocument> =
                    index.writer_with_num_threads(REBUILD_WRITER_THREADS, REBUILD_WRITER_BUDGET)?;
                // No merges while the rebuild runs: `finish` merges everything once, and a merge
                // the policy started on its own would hold segments that final merge asks for.
                writer.set_merge_policy(Box::new(NoMergePolicy));
                Ok((index, writer))
            });
        let writer = match created {
            Ok((_, writer)) => writer,
            Err(error) => {
                generation::remove_generation(&path);
                return Err(lock_error(error, &path));
            }
        };
        tracing::info!(generation = %name, "search index rebuild started");
        Ok(RebuildWriter {
            inner: Arc::clone(&self.inner),
            name,
            path,
            fields,
            writer: Some(writer),
            added: 0,
        })
    }
}

impl RebuildWriter {
    /// Adds a batch of documents; returns how many have been added in all (for progress).
    pub fn add(
        &mut self,
        documents: impl IntoIterator<Item = SearchDocument>,
    ) -> Result<u64, SearchError> {
        let Some(writer) = self.writer.as_ref() else {
            return Err(finished_error());
        };
        for document in documents {
            writer.add_document(schema::to_tantivy(&self.fields, &document))?;
            self.added += 1;
        }
        Ok(self.added)
    }

    /// Documents added so far.
    pub fn added(&self) -> u64 {
        self.added
    }

    /// Commits the new generation with `watermark`, waits for its merges, points the root at it
    /// and makes it the live generation of every handle sharing this index. The old generation
    /// is deleted (or, if a file is still in use, at the next open).
    pub fn finish(mut self, watermark: u64) -> Result<Health, SearchError> {
        let Some(mut writer) = self.writer.take() else {
            return Err(finished_error());
        };
        let payload = CommitPayload {
            schema_version: SCHEMA_VERSION,
            watermark,
            doc_count: self.added,
        }
        .to_json()?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        // Merge what the indexing threads flushed into one segment: a rebuilt index starts
        // compact (each query pays per segment, and every segment file is one more memory map).
        // A merge keeps the commit's payload.
        let segments = writer.index().searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        // No merge thread may still be writing into a folder we are about to hand over.
        writer.wait_merging_threads()?;
        let root = self.inner.root.clone();
        let generation = Generation::open(&root, &self.name)
            .map_err(|reason| SearchError::NotReady { reason })?;
        let mut slot = self.inner.writer_slot();
        generation::write_pointer(&root, &self.name).map_err(|error| {
            SearchError::io(
                format!("pointing {} at {}", root.display(), self.name),
                error,
            )
        })?;
        // The incremental writer belongs to the old generation.
        *slot = None;
        self.inner.set_state(State::Ready(Arc::new(generation)));
        drop(slot);
        // Mark this writer finished before any deletion so Drop leaves the new folder alone.
        let name = std::mem::take(&mut self.name);
        // The old live generation and any older leftover (a damaged generation the state had
        // already given up on has no handle left to find it by).
        generation::remove_generations_before(&root, &name);
        tracing::info!(
            documents = self.added,
            watermark,
            "search index rebuild finished"
        );
        Ok(Health::Ready { watermark })
    }
}

/// The document store holds only keys (about 50 bytes each), read back ten at a time for a
/// page of hits. Tantivy's default 16 KB blocks mean decompressing 16 KB per hit, a sixth of a
/// phrase query's time in the bench; small blocks cost a little more disk.
fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_blocksize: 2_048,
        ..IndexSettings::default()
    }
}

// `finish` consumes the writer, so this is only reachable through a bug; an error beats a panic.
fn finished_error() -> SearchError {
    SearchError::Tantivy(tantivy::TantivyError::InvalidArgument(
        "this rebuild has already finished".to_string(),
    ))
}

impl Drop for RebuildWriter {
    fn drop(&mut self) {
        if self.name.is_empty() {
            return;
        }
        // Cancelled (or failed): stop the indexing threads, then delete the half-built folder.
        // The live generation was never touched.
        if let Some(writer) = self.writer.take() {
            drop(writer);
        }
        tracing::info!(generation = %self.name, added = self.added, "search index rebuild cancelled");
        generation::remove_generation(&self.path);
    }
}
