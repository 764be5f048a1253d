//! Words every feature shares: ad platforms, calendar date ranges and instants.

use pw_engine::Platform as EnginePlatform;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::{ErrorKind, IpcError};

/// An instant as the webview gets it: RFC 3339 UTC with milliseconds and a `Z`, the form the
/// database stores.
pub(crate) fn instant_text(instant: chrono::DateTime<chrono::Utc>) -> String {
    instant.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum Platform {
    Meta,
    GoogleAds,
    Tiktok,
    Pinterest,
    Linkedin,
    Snapchat,
    Ga4,
    Dv360,
    Youtube,
}

impl From<EnginePlatform> for Platform {
    fn from(platform: EnginePlatform) -> Self {
        match platform {
            EnginePlatform::Meta => Platform::Meta,
            EnginePlatform::GoogleAds => Platform::GoogleAds,
            EnginePlatform::Tiktok => Platform::Tiktok,
            EnginePlatform::Pinterest => Platform::Pinterest,
            EnginePlatform::Linkedin => Platform::Linkedin,
            EnginePlatform::Snapchat => Platform::Snapchat,
            EnginePlatform::Ga4 => Platform::Ga4,
            EnginePlatform::Dv360 => Platform::Dv360,
            EnginePlatform::Youtube => Platform::Youtube,
        }
    }
}

/// Inclusive calendar dates, `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct DateRange {
    pub start: String,
    pub end: String,
}

impl From<pw_domain::DateRange> for DateRange {
    fn from(range: pw_domain::DateRange) -> Self {
        DateRange {
            start: range.start.to_string(),
            end: range.end.to_string(),
        }
    }
}

impl TryFrom<DateRange> for pw_domain::DateRange {
    type Error = IpcError;
    fn try_from(range: DateRange) -> Result<Self, IpcError> {
        pw_domain::DateRange::parse(&range.start, &range.end)
            .map_err(|e| IpcError::new(ErrorKind::InvalidInput, e.to_string()))
    }
}
