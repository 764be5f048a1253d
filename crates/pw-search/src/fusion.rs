//! Reciprocal rank fusion, and the hybrid search that uses it.

use std::collections::HashMap;

use crate::SearchError;
use crate::document::DocKey;
use crate::index::SearchIndex;
use crate::query::SearchRequest;
use crate::vectors::VectorSet;

/// The rank constant used by Elasticsearch, ParadeDB, LanceDB and NucliaDB: it damps the
/// difference between the first ranks so one list cannot dominate.
pub const RRF_K: f64 = 60.0;

/// Fuses ranked lists: each key scores Σ weight / (k + rank) over the lists it appears in (rank
/// from 1; a key repeated within a list counts at its best rank). Best first, ties broken by
/// key so the order is deterministic; at most `limit` keys.
pub fn fuse_reciprocal_rank(
    lists: &[(f64, &[DocKey])],
    k: f64,
    limit: usize,
) -> Vec<(DocKey, f64)> {
    let mut scores: HashMap<&DocKey, f64> = HashMap::new();
    for (weight, list) in lists {
        let mut seen: HashMap<&DocKey, ()> = HashMap::with_capacity(list.len());
        for (index, key) in list.iter().enumerate() {
            if seen.insert(key, ()).is_some() {
                continue;
            }
            let rank = (index + 1) as f64;
            *scores.entry(key).or_default() += weight / (k + rank);
        }
    }
    let mut fused: Vec<(DocKey, f64)> = scores
        .into_iter()
        .map(|(key, score)| (key.clone(), score))
        .collect();
    fused.sort_by(|left, right| {
        right
            .1
            .total_cmp(&left.1)
            .then_with(|| left.0.cmp(&right.0))
    });
    fused.truncate(limit);
    fused
}

/// One result of a hybrid search, with where it ranked on each side (1 = first; `None` when
/// it was not among that side's candidates).
#[derive(Debug, Clone, PartialEq)]
pub struct FusedHit {
    pub key: DocKey,
    pub score: f64,
    pub text_rank: Option<usize>,
    pub vector_rank: Option<usize>,
}

impl SearchIndex {
    /// Hybrid retrieval: the best `candidates` BM25 matches of the request's text and the best
    /// `candidates` vectors by cosine similarity, both under the request's kinds, filters and
    /// dates, fused by reciprocal rank (k = 60, equal weights). Returns the request's page
    /// (`offset`, `limit`) of the fused list. Blank text leaves only the vector side.
    pub fn hybrid(
        &self,
        request: &SearchRequest,
        query_vector: &[f32],
        vectors: &VectorSet,
        candidates: usize,
    ) -> Result<Vec<FusedHit>, SearchError> {
        let text_keys = self.top_text_keys(request, candidates)?;
        let vector_keys: Vec<DocKey> = vectors
            .top_k_admitted(query_vector, candidates, request)?
            .into_iter()
            .map(|hit| hit.key)
            .collect();
        let fused = fuse_reciprocal_rank(
            &[(1.0, &text_keys), (1.0, &vector_keys)],
            RRF_K,
            request.offset.saturating_add(request.limit),
        );
        let ranks = |keys: &[DocKey]| -> HashMap<DocKey, usize> {
            let mut ranks = HashMap::with_capacity(keys.len());
            for (index, key) in keys.iter().enumerate() {
                ranks.entry(key.clone()).or_insert(index + 1);
            }
            ranks
        };
        let (text_ranks, vector_ranks) = (ranks(&text_keys), ranks(&vector_keys));
        Ok(fused
            .into_iter()
            .skip(request.offset)
            .map(|(key, score)| FusedHit {
                text_rank: text_ranks.get(&key).copied(),
                vector_rank: vector_ranks.get(&key).copied(),
                key,
                score,
            })
            .collect())
    }
}
