//! Keeping each workspace's search index in step with SQLite, and searching it. SQLite is the
//! system of record: writes queue changes in `search_outbox` (triggers, in the writing
//! transaction); catching up applies them from the index's watermark; a missing, damaged,
//! outdated or miscounted index is rebuilt from the tables, and until then search answers
//! "rebuilding" rather than failing.

mod documents;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use pw_search::{
    Change, DocKey, DocKind, FacetField, Health, HistogramInterval, SearchDocument, SearchError,
    SearchIndex, SearchRequest,
};
use pw_store::Database;
use serde::Serialize;
use sqlx::Row;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::error::{EvidenceError, Result};
pub(crate) use documents::MENTION_THEMES_SQL;
pub use documents::document_count;
use documents::{INDEXED_KINDS, document_count_in, documents, documents_page};

/// Outbox rows applied per commit: Tantivy commits cost tens of milliseconds whatever their
/// size, so changes are batched (reference: commit every ~10k docs).
pub const CATCH_UP_BATCH: i64 = 5_000;
/// Rows read per query during a rebuild.
const REBUILD_BATCH: usize = 5_000;

/// The open search indexes, one per workspace, under one root folder.
pub struct SearchIndexes {
    root: PathBuf,
    open: Mutex<HashMap<String, Arc<TrackedIndex>>>,
}

/// A workspace's index and what keeps its updates in order.
struct TrackedIndex {
    index: SearchIndex,
    /// Held while a batch is read from the outbox, applied and trimmed, and while a rebuild
    /// reads its starting position and swaps in: two catch-ups interleaving could otherwise
    /// apply an older text over a newer one, and a swap could land under a batch read against
    /// the old generation.
    syncing: tokio::sync::Mutex<()>,
    /// Outbox positions of the rebuilds under way. A rebuilt generation starts at its position
    /// and replays the outbox from there, so nothing above the lowest of them may be trimmed,
    /// even once the live generation holds it.
    rebuild_positions: Mutex<Vec<u64>>,
    /// The mentions' vectors as hybrid retrieval last read them, while the index stays at the
    /// same watermark and the same model embeds: twin memory asks many questions in a row,
    /// and reading every vector from SQLite for each would dominate their cost.
    retrieval: tokio::sync::Mutex<Option<RetrievalSet>>,
}

/// Mentions with their vectors for one model, as of one index watermark.
struct RetrievalSet {
    model: String,
    watermark: u64,
    vectors: Arc<pw_search::VectorSet>,
    mentions: Arc<HashMap<String, SearchDocument>>,
}

impl TrackedIndex {
    /// Outbox rows at or below this position can go: the live index holds them and no rebuild
    /// under way still needs them.
    fn trim_floor(&self, watermark: u64) -> u64 {
        let positions = self
            .rebuild_positions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        positions.iter().copied().fold(watermark, u64::min)
    }
}

/// A rebuild's claim on the outbox above its position, released when the rebuild ends (swapped
/// in, failed or cancelled).
struct RebuildClaim {
    tracked: Arc<TrackedIndex>,
    position: u64,
}

impl RebuildClaim {
    fn new(tracked: &Arc<TrackedIndex>, position: u64) -> Self {
        tracked
            .rebuild_positions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(position);
        RebuildClaim {
            tracked: Arc::clone(tracked),
            position,
        }
    }
}

impl Drop for RebuildClaim {
    fn drop(&mut self) {
        let mut positions = self
            .tracked
            .rebuild_positions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(at) = positions.iter().position(|p| *p == self.position) {
            positions.swap_remove(at);
        }
    }
}

impl SearchIndexes {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        SearchIndexes {
            root: root.into(),
            open: Mutex::new(HashMap::new()),
        }
    }

    fn locked(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<TrackedIndex>>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The index of `workspace_id`, opened on first use (which reads its checksums once).
    pub async fn index(&self, workspace_id: &str) -> Result<SearchIndex> {
        Ok(self.tracked(workspace_id).await?.index.clone())
    }

    async fn tracked(&self, workspace_id: &str) -> Result<Arc<TrackedIndex>> {
        if let Some(tracked) = self.locked().get(workspace_id) {
            return Ok(Arc::clone(tracked));
        }
        let root = self.root.join(workspace_id);
        let index = tokio::task::spawn_blocking(move || SearchIndex::open(root))
            .await
            .map_err(|e| EvidenceError::Invalid(format!("opening the search index failed: {e}")))?
            .map_err(EvidenceError::Search)?;
        let tracked = TrackedIndex {
            index,
            syncing: tokio::sync::Mutex::new(()),
            rebuild_positions: Mutex::new(Vec::new()),
            retrieval: tokio::sync::Mutex::new(None),
        };
        Ok(Arc::clone(
            self.locked()
                .entry(workspace_id.to_owned())
                .or_insert_with(|| Arc::new(tracked)),
        ))
    }

    /// Closes and deletes a workspace's index (the workspace is gone).
    pub async fn forget(&self, workspace_id: &str) {
        let tracked = self.locked().remove(workspace_id);
        if let Some(tracked) = tracked {
            let index = tracked.index.clone();
            let _ = tokio::task::spawn_blocking(move || index.close_writer()).await;
        }
        let root = self.root.join(workspace_id);
        if let Err(error) = tokio::fs::remove_dir_all(&root).await
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(%error, root = %root.display(), "could not delete a workspace's search index");
        }
    }

    /// Closes every writer, letting merges finish (at shutdown).
    pub async fn close(&self) {
        let indexes: Vec<SearchIndex> = self
            .locked()
            .drain()
            .map(|(_, tracked)| tracked.index.clone())
            .collect();
        for index in indexes {
            let _ = tokio::task::spawn_blocking(move || index.close_writer()).await;
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::result::Result<T, SearchError> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| EvidenceError::Invalid(format!("the search index stopped: {e}")))?
        .map_err(EvidenceError::Search)
}

/// Whether a workspace's index answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum IndexState {
    /// Current up to `watermark`; `pending` changes wait in the outbox.
    Ready { watermark: u64, pending: u64 },
    /// Being (or to be) rebuilt, for `reason`.
    Rebuilding { reason: String },
}

/// What a catch-up did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatchUp {
    pub applied: u64,
    pub state: IndexState,
}

/// How often a batch refused because the index moved on is read again before giving up for
/// now (only another process writing the same index can make this repeat).
const MOVED_RETRIES: u32 = 5;

/// Applies queued changes of `workspace_id` to its index, up to `at_most` (all when `None`),
/// waiting for a catch-up or swap under way to end first.
/// An index that needs a rebuild is left alone: the answer says so, and the caller starts one.
pub async fn catch_up(
    db: &Database,
    indexes: &SearchIndexes,
    workspace_id: &str,
    at_most: Option<u64>,
) -> Result<CatchUp> {
    let tracked = indexes.tracked(workspace_id).await?;
    let _syncing = tracked.syncing.lock().await;
    catch_up_locked(db, &tracked, workspace_id, at_most).await
}

/// [`catch_up`] for a search: if another catch-up is under way, searches what the index holds
/// instead of waiting for it (the answer is then at most that catch-up's batch behind).
async fn catch_up_if_idle(
    db: &Database,
    indexes: &SearchIndexes,
    workspace_id: &str,
) -> Result<CatchUp> {
    let tracked = indexes.tracked(workspace_id).await?;
    let caught_up = match tracked.syncing.try_lock() {
        Ok(_syncing) => {
            catch_up_locked(db, &tracked, workspace_id, Some(CATCH_UP_BATCH as u64)).await
        }
        Err(_) => {
            return Ok(CatchUp {
                applied: 0,
                state: state_of(db, &tracked.index, workspace_id).await?,
            });
        }
    };
    match caught_up {
        // Another process (the app, while the CLI searches) is the one writing this index: its
        // catch-up will apply the backlog; answer from what the index holds.
        Err(EvidenceError::Search(SearchError::LockBusy { .. })) => Ok(CatchUp {
            applied: 0,
            state: state_of(db, &tracked.index, workspace_id).await?,
        }),
        other => other,
    }
}

/// The catch-up itself; the caller holds `tracked.syncing`.
async fn catch_up_locked(
    db: &Database,
    tracked: &TrackedIndex,
    workspace_id: &str,
    at_most: Option<u64>,
) -> Result<CatchUp> {
    let index = &tracked.index;
    let mut applied = 0u64;
    let mut moved = 0u32;
    loop {
        let watermark = match index.health() {
            Health::Ready { watermark } => watermark,
            Health::NeedsRebuild { reason } => {
                return Ok(CatchUp {
                    applied,
                    state: IndexState::Rebuilding {
                        reason: reason.to_string(),
                    },
                });
            }
        };
        let batch = match at_most {
            Some(limit) if applied >= limit => break,
            Some(limit) => (limit - applied).min(CATCH_UP_BATCH as u64) as i64,
            None => CATCH_UP_BATCH,
        };
        let rows = sqlx::query(
            "SELECT seq, doc_kind, doc_id, op FROM search_outbox
             WHERE workspace_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(workspace_id)
        .bind(watermark as i64)
        .bind(batch)
        .fetch_all(db.reader())
        .await?;
        if rows.is_empty() {
            break;
        }
        // The last of a document's changes in the batch decides it.
        let mut latest: BTreeMap<(String, String), bool> = BTreeMap::new();
        let mut last_seq = watermark;
        for row in &rows {
            let seq: i64 = row.try_get("seq")?;
            last_seq = seq as u64;
            let op: String = row.try_get("op")?;
            latest.insert(
                (row.try_get("doc_kind")?, row.try_get("doc_id")?),
                op == "upsert",
            );
        }
        let mut wanted: BTreeMap<DocKind, Vec<String>> = BTreeMap::new();
        let mut changes = Vec::new();
        for ((kind, id), upsert) in &latest {
            let Some(kind) = DocKind::parse(kind) else {
                tracing::warn!(%kind, "the search outbox names a kind this version does not index");
                continue;
            };
            if *upsert {
                wanted.entry(kind).or_default().push(id.clone());
            } else {
                changes.push(Change::Delete(DocKey::new(kind, id.clone())));
            }
        }
        for (kind, ids) in &wanted {
            let found = documents(db, workspace_id, *kind, Some(ids)).await?;
            // A row upserted then deleted before this batch (or a retired signal) is removed.
            let present: std::collections::HashSet<String> =
                found.iter().map(|d| d.key.id().to_owned()).collect();
            for id in ids.iter().filter(|id| !present.contains(*id)) {
                changes.push(Change::Delete(DocKey::new(*kind, id.clone())));
            }
            changes.extend(found.into_iter().map(Change::Upsert));
        }
        let target = index.clone();
        match blocking(move || target.apply(changes, watermark, last_seq)).await {
            Ok(()) => applied += rows.len() as u64,
            // Another process applied a batch first: read again from where it left the index.
            Err(EvidenceError::Search(SearchError::WatermarkMoved { expected, found }))
                if moved < MOVED_RETRIES =>
            {
                moved += 1;
                tracing::info!(
                    expected,
                    found,
                    "search index moved on; reading the batch again"
                );
            }
            Err(error) => return Err(error),
        }
    }
    // What the index holds, and no rebuild under way still needs, no longer waits in the outbox.
    if let Health::Ready { watermark } = index.health() {
        sqlx::query("DELETE FROM search_outbox WHERE workspace_id = ? AND seq <= ?")
            .bind(workspace_id)
            .bind(tracked.trim_floor(watermark) as i64)
            .execute(db.writer())
            .await?;
    }
    Ok(CatchUp {
        applied,
        state: state_of(db, index, workspace_id).await?,
    })
}

async fn state_of(db: &Database, index: &SearchIndex, workspace_id: &str) -> Result<IndexState> {
    Ok(match index.health() {
        Health::Ready { watermark } => {
            let pending: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM search_outbox WHERE workspace_id = ? AND seq > ?",
            )
            .bind(workspace_id)
            .bind(watermark as i64)
            .fetch_one(db.reader())
            .await?;
            IndexState::Ready {
                watermark,
                pending: pending as u64,
            }
        }
        Health::NeedsRebuild { reason } => IndexState::Rebuilding {
            reason: reason.to_string(),
        },
    })
}

/// Whether the index answers, checked against the database: gone folders, damaged files and a
/// document count that differs from the tables' all say "rebuild". Counts are compared only
/// when the index has caught up with the outbox, both read in one snapshot and with no batch
/// being applied, so a write landing meanwhile is never mistaken for a miscount.
pub async fn check(
    db: &Database,
    indexes: &SearchIndexes,
    workspace_id: &str,
) -> Result<IndexState> {
    let tracked = indexes.tracked(workspace_id).await?;
    let syncing = tracked.syncing.lock().await;
    if let Health::Ready { watermark } = tracked.index.health() {
        let mut snapshot = db.reader().begin().await?;
        let pending: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM search_outbox WHERE workspace_id = ? AND seq > ?",
        )
        .bind(workspace_id)
        .bind(watermark as i64)
        .fetch_one(&mut *snapshot)
        .await?;
        let expected = if pending == 0 {
            Some(document_count_in(&mut snapshot, workspace_id).await?)
        } else {
            None
        };
        snapshot.rollback().await?;
        if let Some(expected) = expected {
            let target = tracked.index.clone();
            blocking(move || Ok(target.check(expected))).await?;
        }
    }
    drop(syncing);
    state_of(db, &tracked.index, workspace_id).await
}

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rebuilt {
    pub documents: u64,
    pub watermark: u64,
}

/// Builds the workspace's index anew from the tables, beside the live one (which keeps
/// answering if it can), and swaps it in. Cancelling leaves the live index as it was.
pub async fn rebuild(
    db: &Database,
    indexes: &SearchIndexes,
    workspace_id: &str,
    progress: &UnboundedSender<(f64, String)>,
    cancel: &CancellationToken,
) -> Result<Rebuilt> {
    let tracked = indexes.tracked(workspace_id).await?;
    let index = tracked.index.clone();
    // Everything up to this outbox position is in the tables read below: read it first, in
    // the same snapshot, so changes made during the rebuild are caught up afterwards. The claim
    // keeps the outbox above it until then; taking both under the sync lock means no catch-up
    // trims in between.
    let syncing = tracked.syncing.lock().await;
    let mut snapshot = db.reader().begin().await?;
    let watermark: i64 = sqlx::query_scalar(
        "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'search_outbox'), 0)",
    )
    .fetch_one(&mut *snapshot)
    .await?;
    let claim = RebuildClaim::new(&tracked, watermark as u64);
    drop(syncing);
    let total = document_count_in(&mut snapshot, workspace_id).await?.max(1);
    let target = index.clone();
    let mut writer = blocking(move || target.rebuild()).await?;
    let mut added = 0u64;
    for kind in INDEXED_KINDS {
        let mut after = String::new();
        loop {
            if cancel.is_cancelled() {
                // Dropping the writer abandons the new generation.
                drop(writer);
                snapshot.rollback().await?;
                return Err(EvidenceError::Cancelled);
            }
            let batch = documents_page(&mut snapshot, workspace_id, kind, &after).await?;
            let Some(last) = batch.last() else {
                break;
            };
            after = last.key.id().to_owned();
            let size = batch.len();
            let (back, count) = tokio::task::spawn_blocking(move || {
                let count = writer.add(batch);
                (writer, count)
            })
            .await
            .map_err(|e| EvidenceError::Invalid(format!("the search index stopped: {e}")))?;
            writer = back;
            added = count.map_err(EvidenceError::Search)?;
            let _ = progress.send((
                (added as f64 / total as f64).min(0.99),
                format!("Indexed {added} of {total} texts"),
            ));
            if size < REBUILD_BATCH {
                break;
            }
        }
    }
    snapshot.rollback().await?;
    if cancel.is_cancelled() {
        drop(writer);
        return Err(EvidenceError::Cancelled);
    }
    // Swap in and replay what was written since the snapshot, with no batch read against the
    // old generation landing in between. The swap runs in its own task, holding the claim and
    // the lock to its end: were it dropped with this job (cancelled, or its lease lost) while
    // `finish` still ran on its thread, a catch-up could trim the outbox the new generation
    // still has to replay.
    let swap = {
        let db = db.clone();
        let tracked = Arc::clone(&tracked);
        let workspace_id = workspace_id.to_owned();
        tokio::spawn(async move {
            let syncing = tracked.syncing.lock().await;
            let finished = blocking(move || writer.finish(watermark as u64)).await;
            drop(claim);
            let replayed = match finished {
                Ok(_) => catch_up_locked(&db, &tracked, &workspace_id, None)
                    .await
                    .map(|_| ()),
                Err(error) => Err(error),
            };
            drop(syncing);
            replayed
        })
    };
    swap.await
        .map_err(|e| EvidenceError::Invalid(format!("the search index swap stopped: {e}")))??;
    let _ = progress.send((1.0, format!("Indexed {added} texts")));
    Ok(Rebuilt {
        documents: added,
        watermark: watermark as u64,
    })
}

/// A search as the user asks it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub text: String,
    pub kinds: Vec<DocKind>,
    pub filters: Vec<(FacetField, String)>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub limit: usize,
    pub offset: usize,
    pub histogram: HistogramInterval,
}

impl Query {
    /// The index's request for this query, over `kinds`, with or without facet counts; a page
    /// holds 1 to 200 hits.
    fn request(&self, kinds: Vec<DocKind>, counts: bool) -> SearchRequest {
        SearchRequest {
            text: self.text.clone(),
            kinds,
            filters: self.filters.clone(),
            from: self.from,
            to: self.to,
            limit: self.limit.clamp(1, 200),
            offset: self.offset,
            histogram: self.histogram,
            counts,
        }
    }
}

/// One hit, ready to show: where it comes from, its words with the matches marked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoundText {
    pub kind: DocKind,
    pub id: String,
    pub title: Option<String>,
    pub snippet: String,
    /// Byte ranges of the matched words within `snippet`.
    pub highlights: Vec<(usize, usize)>,
    pub day: Option<NaiveDate>,
    pub score: f32,
}

/// A page of results, or "rebuilding".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchPage {
    pub state: IndexState,
    pub total: u64,
    pub hits: Vec<FoundText>,
    pub facets: BTreeMap<FacetField, Vec<(String, u64)>>,
    pub histogram: Vec<(NaiveDate, u64)>,
}

/// Searches a workspace: catches up a few queued changes first (a large backlog is left to the
/// index job), answers "rebuilding" with no hits when the index cannot answer, and reads each
/// hit's words from SQLite to make its snippet.
pub async fn search(
    db: &Database,
    indexes: &SearchIndexes,
    workspace_id: &str,
    query: &Query,
) -> Result<SearchPage> {
    let caught_up = catch_up_if_idle(db, indexes, workspace_id).await?;
    if let IndexState::Rebuilding { .. } = caught_up.state {
        return Ok(SearchPage {
            state: caught_up.state,
            total: 0,
            hits: Vec::new(),
            facets: BTreeMap::new(),
            histogram: Vec::new(),
        });
    }
    let index = indexes.index(workspace_id).await?;
    let request = query.request(query.kinds.clone(), true);
    let results = match blocking(move || index.search(&request)).await {
        Ok(results) => results,
        Err(EvidenceError::Search(SearchError::NotReady { reason })) => {
            return Ok(SearchPage {
                state: IndexState::Rebuilding {
                    reason: reason.to_string(),
                },
                total: 0,
                hits: Vec::new(),
                facets: BTreeMap::new(),
                histogram: Vec::new(),
            });
        }
        Err(error) => return Err(error),
    };
    let mut by_kind: BTreeMap<DocKind, Vec<String>> = BTreeMap::new();
    for hit in &results.hits {
        by_kind
            .entry(hit.kind)
            .or_default()
            .push(hit.key.id().to_owned());
    }
    let mut texts: HashMap<String, SearchDocument> = HashMap::new();
    for (kind, ids) in &by_kind {
        for document in documents(db, workspace_id, *kind, Some(ids)).await? {
            texts.insert(document.key.to_string(), document);
        }
    }
    let hits = results
        .hits
        .iter()
        .filter_map(|hit| {
            // A row deleted since it was indexed is not shown; the next catch-up removes it.
            let document = texts.get(&hit.key.to_string())?;
            let snippet = results.highlighter.snippet(&document.body);
            Some(FoundText {
                kind: hit.kind,
                id: hit.key.id().to_owned(),
                title: document.title.clone(),
                highlights: snippet
                    .highlights
                    .iter()
                    .map(|r| (r.start, r.end))
                    .collect(),
                snippet: snippet.fragment,
                day: document.day,
                score: hit.score,
            })
        })
        .collect();
    Ok(SearchPage {
        state: caught_up.state,
        total: results.total,
        hits,
        facets: results.facets,
        histogram: results.histogram,
    })
}

/// Labels for facet values a person reads (audience ids become names).
pub async fn audience_names(db: &Database, workspace_id: &str) -> Result<HashMap<String, String>> {
    let rows = sqlx::query("SELECT id, name FROM audiences WHERE workspace_id = ?")
        .bind(workspace_id)
        .fetch_all(db.reader())
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("name")?)))
        .collect::<Result<HashMap<String, String>>>()
}

/// One text found by hybrid retrieval, with where each side ranked it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retrieved {
    pub kind: DocKind,
    pub id: String,
    pub text: String,
    pub day: Option<NaiveDate>,
    /// Its rank among the BM25 matches (1-based), if it was one.
    pub text_rank: Option<usize>,
    /// Its rank by embedding similarity (1-based), if it was among the nearest.
    pub vector_rank: Option<usize>,
    /// The reciprocal-rank-fused score.
    pub score: f64,
}

/// What hybrid retrieval found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retrieval {
    pub state: IndexState,
    pub hits: Vec<Retrieved>,
    /// The model whose vectors were compared (vendor/model).
    pub embedding_model: Option<String>,
    /// Texts embedded during this call (the rest came from stored vectors).
    pub embedded: usize,
}

/// Texts per embedding call when retrieval embeds texts not embedded before.
const RETRIEVAL_EMBEDDING_BATCH: usize = 64;

/// Every mention of the workspace with its vector from `model` (embedding, and storing, those
/// it never embedded), keyed by document key; and how many were embedded now.
async fn read_vectors(
    db: &Database,
    gateway: &pw_llm::Gateway,
    workspace_id: &str,
    model: &str,
    dimensions: usize,
) -> Result<(pw_search::VectorSet, HashMap<String, SearchDocument>, usize)> {
    let scope = pw_llm::CallScope::workspace(workspace_id);
    let mentions = documents(db, workspace_id, DocKind::Mention, None).await?;
    let hashes: Vec<String> = mentions
        .iter()
        .map(|m| crate::build::text_hash(&m.body))
        .collect();
    let store = crate::repository::EvidenceStore::new(db);
    let mut stored = store.embeddings(&hashes, model).await?;
    let missing: Vec<usize> = (0..mentions.len())
        .filter(|&i| !stored.contains_key(&hashes[i]))
        .collect();
    let mut embedded = 0;
    for batch in missing.chunks(RETRIEVAL_EMBEDDING_BATCH) {
        let texts: Vec<String> = batch.iter().map(|&i| mentions[i].body.clone()).collect();
        let answer = gateway
            .embed_answered(&scope, &texts)
            .await
            .map_err(EvidenceError::Model)?;
        if format!("{}/{}", answer.vendor, answer.model) != model
            || answer.vectors.len() != texts.len()
        {
            return Err(EvidenceError::Invalid(
                "the embedding model changed while mentions were read; try again".into(),
            ));
        }
        let rows: Vec<(String, Vec<f32>)> = batch
            .iter()
            .map(|&i| hashes[i].clone())
            .zip(answer.vectors)
            .collect();
        store.store_embeddings(&rows, model).await?;
        embedded += rows.len();
        stored.extend(rows);
    }
    let mut vectors = pw_search::VectorSet::new(dimensions);
    vectors.reserve(mentions.len());
    for (mention, hash) in mentions.iter().zip(&hashes) {
        if let Some(vector) = stored.get(hash).filter(|v| v.len() == dimensions) {
            vectors
                .insert(mention.key.clone(), vector, mention.labels())
                .map_err(EvidenceError::Search)?;
        }
    }
    let by_key = mentions
        .into_iter()
        .map(|m| (m.key.to_string(), m))
        .collect();
    Ok((vectors, by_key, embedded))
}

/// Hybrid retrieval over the workspace's mentions: the best `candidates` BM25 matches and the
/// `candidates` mentions nearest the query by embedding, under the same filters, fused by
/// reciprocal rank. Vectors are the stored ones of the model that embeds the query; mentions
/// never embedded by it are embedded now and stored, so each text is embedded once.
pub async fn retrieve(
    db: &Database,
    indexes: &SearchIndexes,
    gateway: &pw_llm::Gateway,
    workspace_id: &str,
    query: &Query,
    candidates: usize,
) -> Result<Retrieval> {
    let caught_up = catch_up_if_idle(db, indexes, workspace_id).await?;
    if let IndexState::Rebuilding { .. } = caught_up.state {
        return Ok(Retrieval {
            state: caught_up.state,
            hits: Vec::new(),
            embedding_model: None,
            embedded: 0,
        });
    }
    let scope = pw_llm::CallScope::workspace(workspace_id);
    let asked = gateway
        .embed_answered(&scope, std::slice::from_ref(&query.text))
        .await
        .map_err(EvidenceError::Model)?;
    let model = format!("{}/{}", asked.vendor, asked.model);
    let query_vector =
        asked.vectors.into_iter().next().ok_or_else(|| {
            EvidenceError::Invalid("the embedding model returned no vector".into())
        })?;

    let tracked = indexes.tracked(workspace_id).await?;
    let watermark = tracked.index.watermark().unwrap_or(0);
    let mut cached = tracked.retrieval.lock().await;
    let reusable = cached
        .as_ref()
        .filter(|set| set.model == model && set.watermark == watermark);
    let (vectors, mentions, embedded) = match reusable {
        Some(set) => (Arc::clone(&set.vectors), Arc::clone(&set.mentions), 0),
        None => {
            let (vectors, mentions, embedded) =
                read_vectors(db, gateway, workspace_id, &model, query_vector.len()).await?;
            let set = RetrievalSet {
                model: model.clone(),
                watermark,
                vectors: Arc::new(vectors),
                mentions: Arc::new(mentions),
            };
            let found = (
                Arc::clone(&set.vectors),
                Arc::clone(&set.mentions),
                embedded,
            );
            *cached = Some(set);
            found
        }
    };
    drop(cached);
    let request = query.request(vec![DocKind::Mention], false);
    let index = tracked.index.clone();
    let fused =
        blocking(move || index.hybrid(&request, &query_vector, &vectors, candidates)).await?;
    let hits = fused
        .into_iter()
        .filter_map(|hit| {
            let document = mentions.get(&hit.key.to_string())?;
            Some(Retrieved {
                kind: hit.key.kind(),
                id: hit.key.id().to_owned(),
                text: document.body.clone(),
                day: document.day,
                text_rank: hit.text_rank,
                vector_rank: hit.vector_rank,
                score: hit.score,
            })
        })
        .collect();
    Ok(Retrieval {
        state: caught_up.state,
        hits,
        embedding_model: Some(model),
        embedded,
    })
}
