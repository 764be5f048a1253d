//! A content-addressed folder for files (creative images and videos, exports, decks): a file is
//! stored once under its SHA-256, written atomically, and checked against its hash when read.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sqlx::SqliteExecutor;

use crate::clock::now_rfc3339;
use crate::error::{Result, StoreError};

#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(root: PathBuf) -> Self {
        BlobStore { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(&sha256[2..])
    }

    fn check_hash_text(sha256: &str) -> Result<()> {
        if sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            Ok(())
        } else {
            Err(StoreError::InvalidInput(format!(
                "'{sha256}' is not a SHA-256 hex digest"
            )))
        }
    }

    /// Stores `bytes` and records them; returns the hash. Storing the same bytes twice is a no-op.
    pub async fn put<'e>(
        &self,
        executor: impl SqliteExecutor<'e>,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<String> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&sha256);
        if !path.exists() {
            let folder = path.parent().unwrap_or(&self.root).to_owned();
            tokio::fs::create_dir_all(&folder)
                .await
                .map_err(|e| StoreError::io(&folder, e))?;
            // Write to a temporary name and rename, so a crash never leaves a half file under a
            // name that claims to be a complete hash.
            let partial = path.with_extension("partial");
            tokio::fs::write(&partial, bytes)
                .await
                .map_err(|e| StoreError::io(&partial, e))?;
            tokio::fs::rename(&partial, &path)
                .await
                .map_err(|e| StoreError::io(&path, e))?;
        }
        sqlx::query(
            "INSERT INTO blobs (sha256, size_bytes, media_type, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha256)
        .bind(bytes.len() as i64)
        .bind(media_type)
        .bind(now_rfc3339())
        .execute(executor)
        .await?;
        Ok(sha256)
    }

    /// Reads a blob and verifies it still matches its hash.
    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>> {
        Self::check_hash_text(sha256)?;
        let path = self.path_of(sha256);
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::BlobMismatch {
                    sha256: sha256.to_owned(),
                });
            }
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(StoreError::BlobMismatch {
                sha256: sha256.to_owned(),
            });
        }
        Ok(bytes)
    }
}
