//! Real embeddings with all-MiniLM-L6-v2 (fetched by scripts/fetch-models).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::path::PathBuf;

use pw_llm::{Gateway, Route, Task};
use pw_local_llm::LocalEmbedder;

fn model_folder() -> PathBuf {
    let models = std::env::var_os("PROFITWHEEL_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models"));
    let folder = models.join("all-minilm-l6-v2");
    assert!(
        folder.join("model.safetensors").is_file(),
        "{} is missing: run scripts/fetch-models",
        folder.display()
    );
    folder
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[tokio::test]
async fn paraphrases_are_closer_than_an_unrelated_pair() {
    let embedder = LocalEmbedder::load(&model_folder()).unwrap();
    let mut gateway = Gateway::new();
    gateway.add_local_embedder("local", embedder);
    gateway.set_route(
        Task::Embeddings,
        vec![Route::new("local", "all-minilm-l6-v2")],
    );
    let texts: Vec<String> = [
        "The coffee subscription was easy to cancel.",
        "Cancelling my coffee subscription took no effort at all.",
        "The quarterly tax filing deadline is in April.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let vectors = gateway
        .embed(&pw_llm::CallScope::default(), &texts)
        .await
        .unwrap();
    assert_eq!(vectors.len(), 3);
    assert!(vectors.iter().all(|v| v.len() == 384));
    for v in &vectors {
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "normalised: {norm}");
    }
    let paraphrase = cosine(&vectors[0], &vectors[1]);
    let unrelated = cosine(&vectors[0], &vectors[2]);
    assert!(
        paraphrase > unrelated + 0.3,
        "paraphrase {paraphrase:.3} vs unrelated {unrelated:.3}"
    );
}

#[test]
fn padding_does_not_change_a_texts_embedding() {
    let embedder = LocalEmbedder::load(&model_folder()).unwrap();
    let short = "Great beans.".to_owned();
    let alone = embedder
        .embed_blocking(std::slice::from_ref(&short))
        .unwrap();
    let padded = embedder
        .embed_blocking(&[
            short,
            "A much longer sentence that forces the short one to be padded in the batch."
                .to_owned(),
        ])
        .unwrap();
    let drift: f32 = alone[0]
        .iter()
        .zip(&padded[0])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(
        drift < 1e-4,
        "mean pooling must ignore padding (max drift {drift})"
    );
}

/// The embedder names itself by its files' contents, not its folder's name: the response
/// cache keys local embeddings by it, so swapped files never meet the old files' vectors.
#[test]
fn the_embedders_identity_is_its_files_hash_not_its_name() {
    use pw_llm::LocalEmbeddingBackend;
    let original = model_folder();
    let copy = tempfile::tempdir().unwrap();
    let folder = copy.path().join("all-minilm-l6-v2");
    std::fs::create_dir(&folder).unwrap();
    for file in ["config.json", "tokenizer.json", "model.safetensors"] {
        std::fs::copy(original.join(file), folder.join(file)).unwrap();
    }
    let first = LocalEmbedder::load(&original).unwrap();
    let same_files = LocalEmbedder::load(&folder).unwrap();
    assert_eq!(first.identity(), same_files.identity());
    assert_eq!(first.model(), same_files.model());

    // Another file under the same folder name (here the same settings, written differently).
    let config = std::fs::read_to_string(folder.join("config.json")).unwrap();
    std::fs::write(folder.join("config.json"), format!("{config}\n ")).unwrap();
    let swapped = LocalEmbedder::load(&folder).unwrap();
    assert_eq!(swapped.model(), first.model(), "the name is the same");
    assert_ne!(
        swapped.identity(),
        first.identity(),
        "but the files are not, so neither is what answers"
    );
}
