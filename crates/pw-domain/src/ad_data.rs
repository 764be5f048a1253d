//! The closed vocabularies of ad-platform data: the status of a campaign, ad group or ad, the
//! format of a creative, the kind of an audience or a signal, a search term's intent, the level a
//! metric row describes and the dimension a breakdown row splits it by. Each has a stable stored
//! name (`as_str`), written to the database and to workspace files; a name this build does not
//! know parses to [`UnknownName`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::UnknownName;

macro_rules! stored_names {
    ($(#[$doc:meta])* $name:ident ($what:literal) { $($variant:ident => $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            fn from_str(name: &str) -> Result<Self, Self::Err> {
                match name {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownName {
                        what: $what,
                        name: name.to_owned(),
                    }),
                }
            }
        }
    };
}

stored_names! {
    /// Whether a campaign, ad group or ad delivers.
    EntityStatus ("status") {
        Active => "active",
        Paused => "paused",
        Ended => "ended",
    }
}

stored_names! {
    /// What a creative is made of.
    CreativeFormat ("creative format") {
        Image => "image",
        Video => "video",
        Carousel => "carousel",
        Text => "text",
    }
}

stored_names! {
    /// How an audience was defined.
    AudienceKind ("audience kind") {
        Interest => "interest",
        Lookalike => "lookalike",
        Custom => "custom",
        Saved => "saved",
    }
}

stored_names! {
    /// What an audience signal records: something people did, searched for, or said.
    SignalKind ("signal kind") {
        Behavior => "behavior",
        Intent => "intent",
        Mention => "mention",
    }
}

stored_names! {
    /// What a search term is after (search terms only).
    SearchIntent ("search intent") {
        Informational => "informational",
        Navigational => "navigational",
        Commercial => "commercial",
        Transactional => "transactional",
    }
}

stored_names! {
    /// The entity a daily metric row describes.
    MetricLevel ("metric level") {
        Account => "account",
        Campaign => "campaign",
        AdGroup => "ad_group",
        Ad => "ad",
    }
}

stored_names! {
    /// What a metric breakdown row splits an entity's day by: where the ad ran, on which kind of
    /// device, or at which time of day.
    BreakdownDimension ("breakdown dimension") {
        Placement => "placement",
        Device => "device",
        Daypart => "daypart",
    }
}

/// The names in an audience's stored interests. Platforms write them as bare names (the demo)
/// or as objects with a `name` and figures of their own (Meta's interests with their path,
/// Google's and Pinterest's categories with share and index); whoever needs only the names
/// reads them through this, and an entry with no name is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterestNames(pub Vec<String>);

impl<'de> Deserialize<'de> for InterestNames {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Entry {
            Name(String),
            Described { name: String },
            Other(serde::de::IgnoredAny),
        }
        let entries = Vec::<Entry>::deserialize(deserializer)?;
        Ok(InterestNames(
            entries
                .into_iter()
                .filter_map(|entry| match entry {
                    Entry::Name(name) | Entry::Described { name } => Some(name),
                    Entry::Other(_) => None,
                })
                .filter(|name| !name.trim().is_empty())
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interest_names_come_from_bare_names_and_described_interests_alike() {
        let stored = r#"["Coffee", {"id": "6003", "name": "Espresso", "path": ["Food"]},
            {"name": "Travel", "share": 0.55, "index": 1.2}, {"id": "no-name"}, 7, ""]"#;
        let names: InterestNames = serde_json::from_str(stored).unwrap();
        assert_eq!(names.0, vec!["Coffee", "Espresso", "Travel"]);
    }

    fn round_trips<T: FromStr<Err = UnknownName> + Copy + PartialEq + fmt::Debug>(
        all: &[T],
        name: impl Fn(T) -> &'static str,
    ) {
        for value in all {
            assert_eq!(name(*value).parse::<T>().unwrap(), *value);
        }
    }

    #[test]
    fn stored_names_round_trip_and_unknown_ones_are_named() {
        round_trips(EntityStatus::ALL, EntityStatus::as_str);
        round_trips(CreativeFormat::ALL, CreativeFormat::as_str);
        round_trips(AudienceKind::ALL, AudienceKind::as_str);
        round_trips(SignalKind::ALL, SignalKind::as_str);
        round_trips(SearchIntent::ALL, SearchIntent::as_str);
        round_trips(MetricLevel::ALL, MetricLevel::as_str);
        round_trips(BreakdownDimension::ALL, BreakdownDimension::as_str);
        assert_eq!(MetricLevel::AdGroup.as_str(), "ad_group");
        let unknown = "archived".parse::<EntityStatus>().unwrap_err();
        assert_eq!(unknown.to_string(), "'archived' is not a known status");
        assert!("Active".parse::<EntityStatus>().is_err(), "names are exact");
    }
}
