//! Files the user asked for (decks, exports) written whole or not at all.

use std::io::Write;
use std::path::Path;

use crate::error::{EngineError, Result};

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it, flushed to
/// disk, then renamed over it. A full or read-only folder fails with the folder named and
/// leaves nothing behind.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let io = |source: std::io::Error| EngineError::Io {
        path: path.to_owned(),
        source,
    };
    let mut partial =
        tempfile::NamedTempFile::new_in(folder).map_err(|source| EngineError::Io {
            path: folder.to_owned(),
            source,
        })?;
    partial.write_all(bytes).map_err(io)?;
    partial.as_file().sync_all().map_err(io)?;
    // On failure the temporary file is removed when `partial` drops.
    partial.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
