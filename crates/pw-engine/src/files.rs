//! Files the user asked for (decks, exports) written whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{EngineError, Result};

/// Writes `bytes` to `path` whole or not at all: into a temporary file beside it, flushed to
/// disk, then renamed over it. A full or read-only folder fails with the folder named and
/// leaves nothing behind.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let partial = partial_beside(path, bytes)?;
    partial.persist(path).map_err(|e| EngineError::Io {
        path: path.to_owned(),
        source: e.error,
    })?;
    sync_folder(folder_of(path));
    Ok(())
}

/// Writes `bytes` whole into `folder` as `STEM.EXTENSION`, or `STEM (2).EXTENSION`, `(3)` …
/// when a file of that name is there: never over another file, even one that appeared while
/// the bytes were being made. Says where it went.
pub fn write_new(folder: &Path, stem: &str, extension: &str, bytes: &[u8]) -> Result<PathBuf> {
    let mut partial = partial_beside(&folder.join(format!("{stem}.{extension}")), bytes)?;
    for n in 1..=1_000 {
        let name = if n == 1 {
            format!("{stem}.{extension}")
        } else {
            format!("{stem} ({n}).{extension}")
        };
        let path = folder.join(name);
        match partial.persist_noclobber(&path) {
            Ok(_) => {
                sync_folder(folder);
                return Ok(path);
            }
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => partial = e.file,
            // A share or a removable drive that renames no other way (SMB, exFAT, FAT): the
            // name is taken first with a file created only if none is there, then replaced.
            Err(e) => {
                partial = e.file;
                match std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                {
                    Err(taken) if taken.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(source) => return Err(EngineError::Io { path, source }),
                    Ok(_) => match partial.persist(&path) {
                        Ok(_) => {
                            sync_folder(folder);
                            return Ok(path);
                        }
                        Err(e) => {
                            let _ = std::fs::remove_file(&path);
                            return Err(EngineError::Io {
                                path,
                                source: e.error,
                            });
                        }
                    },
                }
            }
        }
    }
    Err(EngineError::InvalidInput(format!(
        "{} holds a thousand files named {stem}: move some away",
        folder.display()
    )))
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// The bytes in a temporary file beside `path`, synced, with the mode a document there has.
fn partial_beside(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    let folder = folder_of(path);
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
    // On failure the temporary file is removed when `partial` drops.
    partial.write_all(bytes).map_err(io)?;
    partial.as_file().sync_all().map_err(io)?;
    Ok(partial)
}

/// Makes a rename durable by syncing the folder's entry. The file is complete and in place
/// already, so a folder that cannot be synced (network and FUSE mounts refuse it) is logged,
/// not a failure: the file the user asked for is there.
fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    if let Err(e) = std::fs::File::open(folder).and_then(|dir| dir.sync_all()) {
        tracing::warn!(folder = %folder.display(), error = %e, "the folder's entry could not be synced");
    }
    #[cfg(not(unix))]
    let _ = folder;
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

    #[test]
    fn a_new_file_never_replaces_one_of_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let first = write_new(dir.path(), "Review 2026-11-29", "pdf", b"one").unwrap();
        assert_eq!(first, dir.path().join("Review 2026-11-29.pdf"));
        let second = write_new(dir.path(), "Review 2026-11-29", "pdf", b"two").unwrap();
        assert_eq!(second, dir.path().join("Review 2026-11-29 (2).pdf"));
        assert_eq!(std::fs::read(&first).unwrap(), b"one");
        assert_eq!(std::fs::read(&second).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        let nowhere = write_new(&dir.path().join("gone"), "Review", "pdf", b"x").unwrap_err();
        assert!(nowhere.to_string().contains("gone"), "{nowhere}");
    }
}
