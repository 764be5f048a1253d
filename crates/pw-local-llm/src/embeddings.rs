//! Sentence embeddings with all-MiniLM-L6-v2 (a BERT encoder) on the CPU through candle: mean
//! pooling over the attention mask and L2 normalisation, as sentence-transformers does, so
//! cosine similarity is a dot product.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::bert::{BertModel, Config};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use futures::future::BoxFuture;
use pw_llm::LlmError;
use sha2::{Digest, Sha256};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

/// The longest input MiniLM was trained on (word pieces); longer texts are truncated.
const MAX_TOKENS: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum LocalEmbedderError {
    #[error("{0} is missing; run the setup (scripts/install-project-tools)")]
    Missing(PathBuf),
    #[error("the embedding model in {path} could not be loaded: {detail}")]
    Load { path: PathBuf, detail: String },
}

pub struct LocalEmbedder {
    model: BertModel,
    tokenizer: Tokenizer,
    name: String,
    /// `files-sha256:<hex>` over the three files loaded: what embeds, for the response cache.
    identity: String,
}

/// The files a sentence-transformers BERT folder is loaded from; their contents are the model.
const FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

impl LocalEmbedder {
    /// Loads a sentence-transformers BERT folder (`config.json`, `tokenizer.json`,
    /// `model.safetensors`).
    pub fn load(folder: &Path) -> Result<Arc<Self>, LocalEmbedderError> {
        let file = |name: &str| {
            let path = folder.join(name);
            if path.is_file() {
                Ok(path)
            } else {
                Err(LocalEmbedderError::Missing(path))
            }
        };
        let failed = |detail: String| LocalEmbedderError::Load {
            path: folder.to_owned(),
            detail,
        };
        let read = |name: &str| std::fs::read(file(name)?).map_err(|e| failed(e.to_string()));
        let [config, tokenizer, weights] = FILES.map(read);
        let (config, tokenizer, weights) = (config?, tokenizer?, weights?);
        // The files' contents name the model in the response cache: files swapped under the
        // same folder name are another model. Each file's name and length go in first, so no
        // two sets of files hash alike by shifting bytes from one to the next.
        let mut hasher = Sha256::new();
        for (name, bytes) in FILES.iter().zip([&config, &tokenizer, &weights]) {
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        let identity = format!("files-sha256:{:x}", hasher.finalize());
        let config: Config = serde_json::from_slice(&config).map_err(|e| failed(e.to_string()))?;
        let mut tokenizer = Tokenizer::from_bytes(&tokenizer).map_err(|e| failed(e.to_string()))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| failed(e.to_string()))?;
        let builder = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| failed(e.to_string()))?;
        let model = BertModel::load(builder, &config).map_err(|e| failed(e.to_string()))?;
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Arc::new(LocalEmbedder {
            model,
            tokenizer,
            name,
            identity,
        }))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `files-sha256:<hex>`: the SHA-256 of the files this model was loaded from.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// Embeds `texts` (blocking, CPU-bound: call from a blocking thread).
    pub fn embed_blocking(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, String> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| e.to_string())?;
        let rows = |pick: &dyn Fn(&tokenizers::Encoding) -> Vec<u32>| -> Result<Tensor, String> {
            let rows: Vec<Tensor> = encodings
                .iter()
                .map(|e| Tensor::new(pick(e).as_slice(), &Device::Cpu))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            Tensor::stack(&rows, 0).map_err(|e| e.to_string())
        };
        let ids = rows(&|e| e.get_ids().to_vec())?;
        let type_ids = rows(&|e| e.get_type_ids().to_vec())?;
        let mask = rows(&|e| e.get_attention_mask().to_vec())?;
        let hidden = self
            .model
            .forward(&ids, &type_ids, Some(&mask))
            .map_err(|e| e.to_string())?;
        // Mean over real tokens only: padding must not pull short texts toward each other.
        let pooled = (|| -> candle_core::Result<Tensor> {
            let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
            let counts = mask.sum(1)?;
            let mean = summed.broadcast_div(&counts)?;
            let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
            mean.broadcast_div(&norms)
        })()
        .map_err(|e| e.to_string())?;
        pooled.to_vec2::<f32>().map_err(|e| e.to_string())
    }
}

impl pw_llm::LocalEmbeddingBackend for LocalEmbedder {
    fn model(&self) -> &str {
        self.name()
    }

    fn identity(&self) -> &str {
        LocalEmbedder::identity(self)
    }

    fn embed<'a>(
        self: Arc<Self>,
        texts: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Vec<f32>>, LlmError>> {
        let texts = texts.to_vec();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || self.embed_blocking(&texts))
                .await
                .map_err(|e| LlmError::Unreachable {
                    vendor: "local".into(),
                    attempts: 1,
                    message: e.to_string(),
                })?
                .map_err(|message| LlmError::Unreachable {
                    vendor: "local".into(),
                    attempts: 1,
                    message,
                })
        })
    }
}
