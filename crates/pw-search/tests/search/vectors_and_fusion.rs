//! The exact vector scan against a naive reference, the BLOB format, reciprocal rank fusion on
//! hand-computed answers, and hybrid retrieval applying the same filters on both sides.
// Setup helpers outside `#[test]` functions panic on failure, like the tests.
#![allow(clippy::expect_used)]

use crate::support;

use pw_search::{
    DocKey, DocKind, FacetField, RRF_K, SearchError, SearchRequest, VectorSet,
    fuse_reciprocal_rank, vector_from_bytes, vector_to_bytes,
};
use support::{SplitMix, built_index, day, known_corpus};

fn random_vector(random: &mut SplitMix, dim: usize) -> Vec<f32> {
    (0..dim).map(|_| random.next_f32()).collect()
}

fn key(id: &str) -> DocKey {
    DocKey::new(DocKind::Mention, id)
}

/// Cosine similarity in f64 over every vector, sorted best first (ties by key).
fn naive_top_k(
    vectors: &[(DocKey, Vec<f32>)],
    query: &[f32],
    k: usize,
    filter: impl Fn(&DocKey) -> bool,
) -> Vec<(DocKey, f64)> {
    let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let query_norm = norm(query);
    let mut scored: Vec<(DocKey, f64)> = vectors
        .iter()
        .filter(|(key, _)| filter(key))
        .map(|(key, vector)| {
            let dot: f64 = vector
                .iter()
                .zip(query)
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum();
            (key.clone(), dot / (norm(vector) * query_norm))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    scored.truncate(k);
    scored
}

fn check_against_naive(count: usize, dim: usize, k: usize, seed: u64) {
    let mut random = SplitMix(seed);
    let vectors: Vec<(DocKey, Vec<f32>)> = (0..count)
        .map(|number| (key(&format!("v{number}")), random_vector(&mut random, dim)))
        .collect();
    let mut set = VectorSet::new(dim);
    for (key, vector) in &vectors {
        set.insert(key.clone(), vector, Default::default())
            .expect("insert");
    }
    assert_eq!(set.len(), count);
    for _ in 0..5 {
        let query = random_vector(&mut random, dim);
        let found = set.top_k(&query, k, |_| true).expect("top k");
        let expected = naive_top_k(&vectors, &query, k, |_| true);
        let found_keys: Vec<&DocKey> = found.iter().map(|hit| &hit.key).collect();
        let expected_keys: Vec<&DocKey> = expected.iter().map(|(key, _)| key).collect();
        assert_eq!(found_keys, expected_keys, "{count} x {dim}, k = {k}");
        for (hit, (_, similarity)) in found.iter().zip(&expected) {
            assert!((f64::from(hit.similarity) - similarity).abs() < 1e-4);
        }
        // With a filter on the key: only even numbers.
        let even = |key: &DocKey| {
            key.id()[1..]
                .parse::<usize>()
                .map(|n| n % 2 == 0)
                .unwrap_or(false)
        };
        let found = set.top_k(&query, k, even).expect("top k");
        let expected = naive_top_k(&vectors, &query, k, even);
        let found_keys: Vec<&DocKey> = found.iter().map(|hit| &hit.key).collect();
        let expected_keys: Vec<&DocKey> = expected.iter().map(|(key, _)| key).collect();
        assert_eq!(found_keys, expected_keys);
    }
}

#[test]
fn the_scan_is_exact_on_one_thread() {
    check_against_naive(2_000, 384, 10, 7);
}

#[test]
fn the_scan_is_exact_when_split_across_threads() {
    // Above the size where the scan uses a second thread; odd dimension exercises the tail.
    check_against_naive(20_001, 37, 25, 11);
}

#[test]
fn inserting_again_replaces_and_removing_forgets() {
    let mut set = VectorSet::new(3);
    set.insert(key("a"), &[1.0, 0.0, 0.0], Default::default())
        .expect("insert");
    set.insert(key("b"), &[0.0, 1.0, 0.0], Default::default())
        .expect("insert");
    set.insert(key("c"), &[0.0, 0.0, 2.0], Default::default())
        .expect("insert");
    let best = |set: &VectorSet, query: [f32; 3]| {
        set.top_k(&query, 1, |_| true).expect("top k")[0]
            .key
            .clone()
    };
    assert_eq!(best(&set, [0.0, 0.9, 0.1]), key("b"));
    set.insert(key("b"), &[0.0, 0.0, -1.0], Default::default())
        .expect("replace");
    assert_eq!(set.len(), 3);
    assert_eq!(best(&set, [0.0, 0.9, 0.1]), key("c"));
    assert!(set.remove(&key("a")));
    assert!(!set.remove(&key("a")));
    assert_eq!(set.len(), 2);
    assert_ne!(best(&set, [1.0, 0.0, 0.0]), key("a"));
    // The vector moved into the hole is still found under its own key.
    let all = set.top_k(&[0.0, 0.0, 1.0], 5, |_| true).expect("top k");
    assert_eq!(all[0].key, key("c"));
    assert!((all[0].similarity - 1.0).abs() < 1e-6);
    assert_eq!(all[1].key, key("b"));
    assert!((all[1].similarity + 1.0).abs() < 1e-6);
}

#[test]
fn vectors_of_the_wrong_shape_are_refused_with_a_reason() {
    let mut set = VectorSet::new(4);
    let refused = |result: Result<(), SearchError>| match result {
        Err(SearchError::InvalidVector { message }) => message,
        other => panic!("expected InvalidVector, got {other:?}"),
    };
    assert!(
        refused(set.insert(key("a"), &[1.0, 2.0], Default::default()))
            .contains("2 dimensions where 4")
    );
    assert!(refused(set.insert(key("a"), &[0.0; 4], Default::default())).contains("all zeros"));
    assert!(
        refused(set.insert(key("a"), &[f32::NAN, 1.0, 1.0, 1.0], Default::default()))
            .contains("NaN")
    );
    assert!(set.is_empty());
    assert!(matches!(
        set.top_k(&[1.0], 3, |_| true),
        Err(SearchError::InvalidVector { .. })
    ));
}

#[test]
fn blobs_are_little_endian_f32_and_wrong_lengths_are_errors() {
    assert_eq!(
        vector_to_bytes(&[1.0, -2.5]),
        [0, 0, 128, 63, 0, 0, 32, 192]
    );
    let mut random = SplitMix(3);
    let vector = random_vector(&mut random, 384);
    let bytes = vector_to_bytes(&vector);
    assert_eq!(bytes.len(), 1_536);
    assert_eq!(vector_from_bytes(&bytes, 384).expect("decode"), vector);
    match vector_from_bytes(&bytes[..1_535], 384) {
        Err(SearchError::InvalidVector { message }) => {
            assert_eq!(
                message,
                "a vector blob of 1535 bytes does not hold 384 f32 values (1536 bytes expected)"
            );
        }
        other => panic!("expected InvalidVector, got {other:?}"),
    }
    assert!(vector_from_bytes(&bytes, 768).is_err());
    assert_eq!(vector_from_bytes(&[], 0).expect("empty"), Vec::<f32>::new());
}

fn close(left: f64, right: f64) -> bool {
    (left - right).abs() < 1e-12
}

#[test]
fn reciprocal_rank_fusion_matches_hand_computed_scores() {
    let (a, b, c, d) = (key("a"), key("b"), key("c"), key("d"));
    let text = [a.clone(), b.clone(), c.clone()];
    let vector = [c.clone(), a.clone(), d.clone()];
    let fused = fuse_reciprocal_rank(&[(1.0, &text), (1.0, &vector)], RRF_K, 10);
    let expected = [
        (a.clone(), 1.0 / 61.0 + 1.0 / 62.0),
        (c.clone(), 1.0 / 63.0 + 1.0 / 61.0),
        (b.clone(), 1.0 / 62.0),
        (d.clone(), 1.0 / 63.0),
    ];
    assert_eq!(fused.len(), 4);
    for ((key, score), (expected_key, expected_score)) in fused.iter().zip(&expected) {
        assert_eq!(key, expected_key);
        assert!(
            close(*score, *expected_score),
            "{key}: {score} vs {expected_score}"
        );
    }

    // Weights: doubling the vector list puts c first.
    let weighted = fuse_reciprocal_rank(&[(1.0, &text), (2.0, &vector)], RRF_K, 2);
    assert_eq!(weighted.len(), 2);
    assert_eq!(weighted[0].0, c);
    assert!(close(weighted[0].1, 1.0 / 63.0 + 2.0 / 61.0));
    assert_eq!(weighted[1].0, a);
    assert!(close(weighted[1].1, 1.0 / 61.0 + 2.0 / 62.0));

    // Equal scores are ordered by key, whatever the input order.
    let only_y = [key("y")];
    let only_x = [key("x")];
    let tied = fuse_reciprocal_rank(&[(1.0, &only_y), (1.0, &only_x)], RRF_K, 10);
    assert_eq!(tied[0].0, key("x"));
    assert_eq!(tied[1].0, key("y"));
    assert!(close(tied[0].1, tied[1].1));

    // A key repeated within one list counts once, at its best rank; k changes the scores.
    let repeated = [a.clone(), a.clone(), b.clone()];
    let fused = fuse_reciprocal_rank(&[(1.0, &repeated)], 1.0, 10);
    assert!(close(fused[0].1, 1.0 / 2.0));
    assert!(close(fused[1].1, 1.0 / 4.0));
    assert!(fuse_reciprocal_rank(&[], RRF_K, 10).is_empty());
}

/// Vectors for the known corpus, each labelled from its document.
fn corpus_vectors(dim: usize) -> VectorSet {
    let mut random = SplitMix(99);
    let mut set = VectorSet::new(dim);
    for document in known_corpus() {
        let vector = random_vector(&mut random, dim);
        set.insert(document.key.clone(), &vector, document.labels())
            .expect("insert");
    }
    set
}

#[test]
fn the_vector_side_admits_exactly_what_the_index_filters_let_through() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = built_index(dir.path(), known_corpus(), 1);
    let set = corpus_vectors(8);
    let requests = [
        SearchRequest::default(),
        SearchRequest {
            kinds: vec![DocKind::Mention, DocKind::Report],
            ..SearchRequest::default()
        },
        SearchRequest {
            filters: vec![
                (FacetField::Platform, "meta".to_string()),
                (FacetField::Platform, "google".to_string()),
            ],
            ..SearchRequest::default()
        },
        SearchRequest {
            filters: vec![
                (FacetField::Kind, "mention".to_string()),
                (FacetField::Sentiment, "negative".to_string()),
            ],
            ..SearchRequest::default()
        },
        SearchRequest {
            filters: vec![(FacetField::Theme, "shipping".to_string())],
            from: Some(day("2026-03-02")),
            to: Some(day("2026-03-31")),
            ..SearchRequest::default()
        },
        SearchRequest {
            from: Some(day("2026-04-01")),
            ..SearchRequest::default()
        },
        SearchRequest {
            filters: vec![(FacetField::Audience, "nobody".to_string())],
            ..SearchRequest::default()
        },
    ];
    let query = [1.0; 8];
    for request in requests {
        let from_index = support::keys(
            &index
                .search(&SearchRequest {
                    limit: 100,
                    ..request.clone()
                })
                .expect("search")
                .hits,
        );
        let mut from_vectors: Vec<String> = set
            .top_k_admitted(&query, 100, &request)
            .expect("vectors")
            .into_iter()
            .map(|hit| hit.key.to_string())
            .collect();
        from_vectors.sort();
        assert_eq!(from_index, from_vectors, "{request:?}");
    }
}

#[test]
fn hybrid_fuses_both_sides_under_the_same_filters_and_reports_each_rank() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = built_index(dir.path(), known_corpus(), 1);
    let set = corpus_vectors(8);
    let query = {
        let mut random = SplitMix(5);
        random_vector(&mut random, 8)
    };
    let request = SearchRequest {
        filters: vec![(FacetField::Platform, "meta".to_string())],
        limit: 10,
        ..SearchRequest::text("shipping")
    };
    let fused = index.hybrid(&request, &query, &set, 50).expect("hybrid");

    let text_order: Vec<DocKey> = index
        .search(&SearchRequest {
            limit: 50,
            ..request.clone()
        })
        .expect("search")
        .hits
        .into_iter()
        .map(|hit| hit.key)
        .collect();
    let vector_order: Vec<DocKey> = set
        .top_k_admitted(&query, 50, &request)
        .expect("vectors")
        .into_iter()
        .map(|hit| hit.key)
        .collect();
    let expected = fuse_reciprocal_rank(&[(1.0, &text_order), (1.0, &vector_order)], RRF_K, 10);
    assert_eq!(fused.len(), expected.len());
    // meta: m1, m2, c1 (all three match "shipping" too).
    assert_eq!(fused.len(), 3);
    for (hit, (key, score)) in fused.iter().zip(&expected) {
        assert_eq!(&hit.key, key);
        assert!(close(hit.score, *score));
        assert_eq!(
            hit.text_rank,
            text_order.iter().position(|k| k == key).map(|i| i + 1)
        );
        assert_eq!(
            hit.vector_rank,
            vector_order.iter().position(|k| k == key).map(|i| i + 1)
        );
    }

    // Blank text: the vector side alone, still filtered.
    let vectors_only = index
        .hybrid(
            &SearchRequest {
                text: String::new(),
                ..request.clone()
            },
            &query,
            &set,
            50,
        )
        .expect("hybrid");
    assert!(vectors_only.iter().all(|hit| hit.text_rank.is_none()));
    let keys: Vec<&DocKey> = vectors_only.iter().map(|hit| &hit.key).collect();
    assert_eq!(keys, vector_order.iter().collect::<Vec<_>>());

    // Paging.
    let second_page = index
        .hybrid(
            &SearchRequest {
                offset: 1,
                limit: 1,
                ..request.clone()
            },
            &query,
            &set,
            50,
        )
        .expect("hybrid");
    assert_eq!(second_page.len(), 1);
    assert_eq!(second_page[0].key, fused[1].key);
}
