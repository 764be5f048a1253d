//! Downloading GGUF model files: streamed to a `.part` file beside the destination, resumed
//! with an HTTP `Range` request after a dropped connection or a restart, checked against a
//! SHA-256 when one is given, and checked to be a GGUF file before it is moved into place. A
//! failed check deletes the download; nothing half-written ever carries the final name.

use std::path::{Path, PathBuf};

use futures::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The first four bytes of every GGUF file.
const GGUF_MAGIC: &[u8; 4] = b"GGUF";

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("'{0}' is not a web address that can be downloaded (http or https)")]
    BadAddress(String),
    #[error("'{0}' is not a GGUF model file name (it should end in .gguf)")]
    BadFileName(String),
    #[error("the download was interrupted ({0}); it will resume where it stopped")]
    Interrupted(String),
    #[error("the server refused the download ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error(
        "the downloaded file does not match its checksum (expected {expected}, got {actual}); it was deleted"
    )]
    ChecksumMismatch { expected: String, actual: String },
    #[error("the downloaded file is not a GGUF model; it was deleted")]
    NotGguf,
    #[error("could not write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the download was cancelled")]
    Cancelled,
}

impl DownloadError {
    /// Worth trying again later (the partial file is kept for resuming).
    pub fn is_retryable(&self) -> bool {
        matches!(self, DownloadError::Interrupted(_))
            || matches!(self, DownloadError::Refused { status, .. } if *status == 429 || *status >= 500)
    }
}

/// How far a download has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadProgress {
    pub bytes: u64,
    /// `None` when the server does not say how large the file is.
    pub total: Option<u64>,
    /// Bytes that were already on disk from an earlier attempt.
    pub resumed_from: u64,
}

/// The file name a URL's last path segment gives, if it is a `.gguf` name.
pub fn gguf_file_name(url: &str) -> Result<String, DownloadError> {
    let parsed = url::Url::parse(url).map_err(|_| DownloadError::BadAddress(url.to_owned()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(DownloadError::BadAddress(url.to_owned()));
    }
    let name = parsed
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .unwrap_or_default()
        .to_owned();
    let safe = !name.is_empty()
        && name.to_ascii_lowercase().ends_with(".gguf")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    match safe {
        true => Ok(name),
        false => Err(DownloadError::BadFileName(name)),
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DownloadError + '_ {
    move |source| DownloadError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Downloads `url` to `destination`, resuming a `.part` file left by an earlier attempt.
/// `on_progress` is called as bytes arrive; `is_cancelled` is polled between chunks (the
/// partial file is kept, so a later attempt resumes).
pub async fn download_model(
    client: &reqwest::Client,
    url: &str,
    destination: &Path,
    expected_sha256: Option<&str>,
    mut on_progress: impl FnMut(DownloadProgress),
    is_cancelled: impl Fn() -> bool,
) -> Result<PathBuf, DownloadError> {
    let folder = destination.parent().unwrap_or(Path::new("."));
    tokio::fs::create_dir_all(folder)
        .await
        .map_err(io(folder))?;
    let partial = destination.with_extension("gguf.part");
    let already = match tokio::fs::metadata(&partial).await {
        Ok(meta) => meta.len(),
        Err(_) => 0,
    };

    let mut request = client.get(url);
    if already > 0 {
        request = request.header(reqwest::header::RANGE, format!("bytes={already}-"));
    }
    let response = request
        .send()
        .await
        .map_err(|e| DownloadError::Interrupted(e.to_string()))?;
    let status = response.status();
    // 206: the server resumes; 200: it sends the whole file again (no range support).
    let resumed_from = match status.as_u16() {
        206 => already,
        200 => 0,
        // The partial file is already complete (or longer than the file): start over.
        416 => {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(DownloadError::Interrupted(
                "the partial download did not match the file on the server".into(),
            ));
        }
        code => {
            let message = response.text().await.unwrap_or_default();
            return Err(DownloadError::Refused {
                status: code,
                message: message.chars().take(200).collect(),
            });
        }
    };
    let total = response
        .content_length()
        .map(|length| length + resumed_from);
    let mut file = match resumed_from {
        0 => tokio::fs::File::create(&partial).await,
        _ => {
            tokio::fs::OpenOptions::new()
                .append(true)
                .open(&partial)
                .await
        }
    }
    .map_err(io(&partial))?;

    let mut bytes = resumed_from;
    on_progress(DownloadProgress {
        bytes,
        total,
        resumed_from,
    });
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        if is_cancelled() {
            file.flush().await.map_err(io(&partial))?;
            return Err(DownloadError::Cancelled);
        }
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) => {
                // Keep what arrived: the next attempt asks for the rest.
                file.flush().await.map_err(io(&partial))?;
                return Err(DownloadError::Interrupted(error.to_string()));
            }
        };
        file.write_all(&chunk).await.map_err(io(&partial))?;
        bytes += chunk.len() as u64;
        on_progress(DownloadProgress {
            bytes,
            total,
            resumed_from,
        });
    }
    file.flush().await.map_err(io(&partial))?;
    file.sync_all().await.map_err(io(&partial))?;
    drop(file);
    if total.is_some_and(|total| bytes < total) {
        return Err(DownloadError::Interrupted(format!(
            "the connection closed after {bytes} of {} bytes",
            total.unwrap_or_default()
        )));
    }

    // Check the whole file, including the part an earlier attempt wrote.
    let (magic, actual) = hash_file(&partial).await?;
    if &magic != GGUF_MAGIC {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(DownloadError::NotGguf);
    }
    if let Some(expected) = expected_sha256
        && !expected.eq_ignore_ascii_case(&actual)
    {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(DownloadError::ChecksumMismatch {
            expected: expected.to_ascii_lowercase(),
            actual,
        });
    }
    tokio::fs::rename(&partial, destination)
        .await
        .map_err(io(destination))?;
    Ok(destination.to_owned())
}

/// The file's first four bytes and its SHA-256 (hex).
pub(crate) async fn hash_file(path: &Path) -> Result<([u8; 4], String), DownloadError> {
    let mut file = tokio::fs::File::open(path).await.map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut magic = [0u8; 4];
    let mut buffer = vec![0u8; 1 << 20];
    let mut first = true;
    loop {
        let read = file.read(&mut buffer).await.map_err(io(path))?;
        if read == 0 {
            break;
        }
        if first {
            let n = read.min(4);
            magic[..n].copy_from_slice(&buffer[..n]);
            first = false;
        }
        hasher.update(&buffer[..read]);
    }
    let digest = hasher.finalize();
    Ok((magic, digest.iter().map(|b| format!("{b:02x}")).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_the_address_and_must_be_gguf() {
        assert_eq!(
            gguf_file_name("https://huggingface.co/a/b/resolve/main/Qwen2.5-0.5B-Q4_K_M.gguf")
                .unwrap(),
            "Qwen2.5-0.5B-Q4_K_M.gguf"
        );
        assert!(matches!(
            gguf_file_name("https://example.com/model.bin"),
            Err(DownloadError::BadFileName(_))
        ));
        assert!(matches!(
            gguf_file_name("file:///etc/passwd.gguf"),
            Err(DownloadError::BadAddress(_))
        ));
        assert!(matches!(
            gguf_file_name("https://example.com/..%2F..%2Fevil.gguf"),
            Err(DownloadError::BadFileName(_))
        ));
    }
}
