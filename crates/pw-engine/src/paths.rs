//! Where ProfitWheel keeps its data.

use std::path::PathBuf;

/// The per-user data folder (`~/.local/share/profitwheel`, `~/Library/Application Support/
/// com.ProfitWheel.ProfitWheel`, `%APPDATA%\ProfitWheel\ProfitWheel\data`), or
/// `PROFITWHEEL_DATA_DIR` when set (tests, demos, several profiles side by side).
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PROFITWHEEL_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::ProjectDirs::from("com", "ProfitWheel", "ProfitWheel")
        .map(|dirs| dirs.data_dir().to_owned())
        .unwrap_or_else(|| PathBuf::from(".profitwheel"))
}

/// A title as a file name: lower-case letters and digits joined by hyphens.
pub(crate) fn slug(title: &str) -> String {
    title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The last eight characters of an id, enough to keep two exports of one title apart.
pub(crate) fn short_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    chars[chars.len().saturating_sub(8)..].iter().collect()
}

/// Writes an export into the data folder's `exports/` and says where.
pub(crate) async fn write_export(
    data_dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
) -> crate::error::Result<PathBuf> {
    let folder = data_dir.join("exports");
    let path = folder.join(name);
    let io = |source: std::io::Error| crate::EngineError::Io {
        path: path.clone(),
        source,
    };
    tokio::fs::create_dir_all(&folder).await.map_err(io)?;
    tokio::fs::write(&path, bytes).await.map_err(io)?;
    Ok(path)
}
