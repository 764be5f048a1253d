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
    let mut builder = tempfile::Builder::new();
    // A temporary file is private (0600); the file it becomes is a document like any other:
    // a file it replaces keeps its mode, a new one gets the usual 0644 (less the umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut partial = builder
        .prefix(".profitwheel-")
        .suffix(".partial")
        .tempfile_in(folder)
        .map_err(|source| EngineError::Io {
            path: folder.to_owned(),
            source,
        })?;
    partial.write_all(bytes).map_err(io)?;
    partial.as_file().sync_all().map_err(io)?;
    // On failure the temporary file is removed when `partial` drops.
    partial.persist(path).map_err(|e| io(e.error))?;
    // The rename is durable once the folder's entry is on disk too.
    #[cfg(unix)]
    std::fs::File::open(folder)
        .and_then(|dir| dir.sync_all())
        .map_err(|source| EngineError::Io {
            path: folder.to_owned(),
            source,
        })?;
    Ok(())
}

#[cfg(all(test, unix))]
#[allow(
    clippy::unwrap_used,
    reason = "a test should fail loudly at the line that broke"
)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_file_is_readable_like_any_document_and_a_replaced_one_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        // A file made the ordinary way here: 0666 less the umask.
        let ordinary = dir.path().join("ordinary");
        std::fs::write(&ordinary, b"").unwrap();
        let fresh = dir.path().join("deck.pptx");
        write_whole(&fresh, b"one").unwrap();
        assert_eq!(
            mode(&fresh),
            0o644 & mode(&ordinary),
            "not the temporary file's 0600"
        );
        std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_whole(&fresh, b"two").unwrap();
        assert_eq!(std::fs::read(&fresh).unwrap(), b"two");
        assert_eq!(mode(&fresh), 0o640);
        // Nothing of the temporary file is left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
