//! The ad platforms ProfitWheel reads from, and the campaign objectives they share.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An advertising or analytics platform. The stored name (`as_str`) is stable: it is written to
/// the database and to exported workspace files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl Platform {
    pub const ALL: [Platform; 9] = [
        Platform::Meta,
        Platform::GoogleAds,
        Platform::Tiktok,
        Platform::Pinterest,
        Platform::Linkedin,
        Platform::Snapchat,
        Platform::Ga4,
        Platform::Dv360,
        Platform::Youtube,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Meta => "meta",
            Platform::GoogleAds => "google_ads",
            Platform::Tiktok => "tiktok",
            Platform::Pinterest => "pinterest",
            Platform::Linkedin => "linkedin",
            Platform::Snapchat => "snapchat",
            Platform::Ga4 => "ga4",
            Platform::Dv360 => "dv360",
            Platform::Youtube => "youtube",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Platform::Meta => "Meta",
            Platform::GoogleAds => "Google Ads",
            Platform::Tiktok => "TikTok",
            Platform::Pinterest => "Pinterest",
            Platform::Linkedin => "LinkedIn",
            Platform::Snapchat => "Snapchat",
            Platform::Ga4 => "GA4",
            Platform::Dv360 => "DV360",
            Platform::Youtube => "YouTube",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

impl FromStr for Platform {
    type Err = UnknownName;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or_else(|| UnknownName {
                what: "platform",
                name: name.to_owned(),
            })
    }
}

/// What a campaign is bought for. Platforms name these differently (Meta's `OUTCOME_SALES`,
/// Google's `PERFORMANCE_MAX` with a conversion goal); connectors map onto this closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    Awareness,
    Traffic,
    Engagement,
    Leads,
    AppInstalls,
    Sales,
    VideoViews,
}

impl Objective {
    pub const ALL: [Objective; 7] = [
        Objective::Awareness,
        Objective::Traffic,
        Objective::Engagement,
        Objective::Leads,
        Objective::AppInstalls,
        Objective::Sales,
        Objective::VideoViews,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Objective::Awareness => "awareness",
            Objective::Traffic => "traffic",
            Objective::Engagement => "engagement",
            Objective::Leads => "leads",
            Objective::AppInstalls => "app_installs",
            Objective::Sales => "sales",
            Objective::VideoViews => "video_views",
        }
    }
}

impl FromStr for Objective {
    type Err = UnknownName;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Objective::ALL
            .into_iter()
            .find(|o| o.as_str() == name)
            .ok_or_else(|| UnknownName {
                what: "objective",
                name: name.to_owned(),
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{name}' is not a known {what}")]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for platform in Platform::ALL {
            assert_eq!(platform.as_str().parse::<Platform>().unwrap(), platform);
        }
        for objective in Objective::ALL {
            assert_eq!(objective.as_str().parse::<Objective>().unwrap(), objective);
        }
        assert!("myspace".parse::<Platform>().is_err());
    }
}
