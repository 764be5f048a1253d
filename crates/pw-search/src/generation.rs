//! The layout of an index root: generation folders (`gen-00000001`, …), each a complete Tantivy
//! index, and the pointer file naming the live one. A rebuild writes a new generation next to the
//! live one and then replaces the pointer atomically, so a crash at any moment leaves either the
//! old or the new generation live, never a half-built one.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The pointer file: one line, the live generation's folder name.
pub(crate) const POINTER_FILE: &str = "LIVE";
const POINTER_TEMP: &str = "LIVE.tmp";
const GENERATION_PREFIX: &str = "gen-";

pub(crate) fn generation_name(number: u64) -> String {
    format!("{GENERATION_PREFIX}{number:08}")
}

fn generation_number(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(GENERATION_PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The live generation named by the pointer file; `None` when there is no pointer yet. A pointer
/// that names something other than a generation folder (hand-edited, say) counts as missing
/// rather than being followed outside the root.
pub(crate) fn read_pointer(root: &Path) -> io::Result<Option<String>> {
    match fs::read_to_string(root.join(POINTER_FILE)) {
        Ok(text) => {
            let name = text.trim();
            Ok(generation_number(name).map(|_| name.to_string()))
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Points the root at `name`: write a temporary file, flush it to disk, rename it over the
/// pointer (atomic on POSIX and NTFS), then flush the folder so the rename itself survives a
/// power cut. An error means the pointer still names the previous generation; a failure to
/// flush the folder after the rename is only logged, since the new pointer is already in place.
pub(crate) fn write_pointer(root: &Path, name: &str) -> io::Result<()> {
    let temp = root.join(POINTER_TEMP);
    {
        let mut file = fs::File::create(&temp)?;
        file.write_all(name.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
    }
    fs::rename(&temp, root.join(POINTER_FILE))?;
    if let Err(error) = sync_folder(root) {
        tracing::warn!(root = %root.display(), %error, "could not flush the search index folder");
    }
    Ok(())
}

#[cfg(unix)]
fn sync_folder(folder: &Path) -> io::Result<()> {
    fs::File::open(folder)?.sync_all()
}

// Windows cannot open a folder as a file to flush it; NTFS journals the rename itself.
#[cfg(not(unix))]
fn sync_folder(_folder: &Path) -> io::Result<()> {
    Ok(())
}

pub(crate) fn generations(root: &Path) -> io::Result<Vec<(u64, String)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(number) = generation_number(&name)
            && entry.file_type()?.is_dir()
        {
            found.push((number, name));
        }
    }
    found.sort();
    Ok(found)
}

/// A name above every generation folder in the root, so a stale folder that could not be
/// deleted is never reused, and a newer generation always has a higher number.
pub(crate) fn next_generation(root: &Path) -> io::Result<(String, PathBuf)> {
    let highest = generations(root)?
        .last()
        .map(|(number, _)| *number)
        .unwrap_or(0);
    let name = generation_name(highest + 1);
    let path = root.join(&name);
    Ok((name, path))
}

/// Deletes a generation folder. Failure is expected on Windows while a file is still mapped (or
/// an antivirus holds it); the folder is then left for the next open to delete.
pub(crate) fn remove_generation(path: &Path) {
    match fs::remove_dir_all(path) {
        Ok(()) => tracing::debug!(path = %path.display(), "removed an old search index generation"),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => tracing::warn!(
            path = %path.display(),
            %error,
            "could not remove an old search index generation; will retry at the next open"
        ),
    }
}

/// Deletes the generations numbered below `live` (the one just swapped out, and any older
/// leftovers). Higher numbers are left alone: they may be a rebuild still being written.
pub(crate) fn remove_generations_before(root: &Path, live: &str) {
    let Some(live_number) = generation_number(live) else {
        return;
    };
    match generations(root) {
        Ok(found) => {
            for (number, name) in found {
                if number < live_number {
                    remove_generation(&root.join(name));
                }
            }
        }
        Err(error) => {
            tracing::warn!(root = %root.display(), %error, "could not list search index generations");
        }
    }
}

/// Deletes every generation but the live one: leftovers of swaps whose deletion failed and of
/// rebuilds that were interrupted by a crash.
pub(crate) fn remove_stale_generations(root: &Path, live: Option<&str>) {
    let found = match generations(root) {
        Ok(found) => found,
        Err(error) => {
            tracing::warn!(root = %root.display(), %error, "could not list search index generations");
            return;
        }
    };
    for (_, name) in found {
        if Some(name.as_str()) != live {
            remove_generation(&root.join(name));
        }
    }
}
