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
