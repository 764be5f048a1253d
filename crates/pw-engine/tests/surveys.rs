//! Semantic similarity rating on real embeddings: the embedded all-MiniLM-L6-v2, through the
//! gateway as surveys will call it, turns free-text answers into probabilities over a scale
//! whose order follows what the answers say.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

mod support;

use pw_engine::models::CallScope;
use pw_engine::surveys::ssr::{self, DefaultScale};
use support::{engine, workspace};

#[tokio::test]
async fn free_text_answers_rate_in_the_order_they_mean_on_real_minilm_embeddings() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path(), "surveys-ssr").await;
    let workspace = workspace(&engine, "Survey client").await;
    let gateway = engine.models().gateway().await.unwrap();
    let scope = CallScope::workspace(workspace.to_string());
    let mut anchor_sets = Vec::new();
    for set in DefaultScale::PurchaseIntent5.anchor_sets() {
        anchor_sets.push(gateway.embed(&scope, &set.statements).await.unwrap());
    }
    let answers = [
        "No way, I would never spend money on something like that.",
        "Maybe. It depends on the price, I'd have to think about it.",
        "I love it and I'd buy one the moment it's in the shop.",
    ];
    let embedded = gateway
        .embed(&scope, &answers.map(str::to_owned))
        .await
        .unwrap();
    assert_eq!(embedded[0].len(), 384, "all-MiniLM-L6-v2 vectors");
    let expected: Vec<f64> = embedded
        .iter()
        .map(|answer| {
            let pmf = ssr::mean_pmf(answer, &anchor_sets, 0.0, 1.0).unwrap();
            assert!((pmf.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            ssr::expected_point(&pmf).unwrap()
        })
        .collect();
    // The refusal rates lowest, the enthusiasm highest, the hesitation between.
    assert!(
        expected[0] < expected[1] && expected[1] < expected[2],
        "expected points {expected:?}"
    );
    // A lower temperature sharpens the same answer's distribution towards its likeliest point.
    let warm = ssr::mean_pmf(&embedded[2], &anchor_sets, 0.0, 1.0).unwrap();
    let sharp = ssr::mean_pmf(&embedded[2], &anchor_sets, 0.0, 0.25).unwrap();
    let peak = |pmf: &[f64]| pmf.iter().copied().fold(0.0, f64::max);
    assert!(peak(&sharp) > peak(&warm), "{warm:?} {sharp:?}");
    engine.shutdown().await;
}
