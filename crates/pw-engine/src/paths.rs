//! Where ProfitWheel keeps its data, and the calendar day "yesterday" means for a brand.

use std::path::PathBuf;

use chrono::{Days, NaiveDate, Utc};

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

/// Yesterday as a calendar date in `time_zone`: the last complete day of ad-platform data.
pub fn yesterday_in(time_zone: &str) -> NaiveDate {
    let today = match time_zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => Utc::now().with_timezone(&tz).date_naive(),
        Err(_) => Utc::now().date_naive(),
    };
    today.checked_sub_days(Days::new(1)).unwrap_or(today)
}
