//! Identifiers of the things a workspace holds. Each kind of thing has its own id type, so a
//! campaign's id can never be passed where an ad group's is expected; all are UUIDs, written as
//! their canonical text (lower-case, hyphenated), which is also how they are stored and sent.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A text that is not an id of the kind expected (not a UUID in canonical form).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a {what} id")]
pub struct IdError {
    /// What the id was meant to name ("workspace", "campaign", …).
    pub what: &'static str,
    pub text: String,
}

/// Parses the canonical text of a UUID: exactly what [`uuid::Uuid`]'s `Display` writes, so an id
/// read and written again is the same text, byte for byte.
fn parse_canonical(what: &'static str, text: &str) -> Result<uuid::Uuid, IdError> {
    uuid::Uuid::parse_str(text)
        .ok()
        .filter(|uuid| uuid.hyphenated().to_string() == text)
        .ok_or_else(|| IdError {
            what,
            text: text.to_owned(),
        })
}

macro_rules! id_types {
    ($($(#[$doc:meta])* $name:ident => $what:literal;)+) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// What this id names, in words ("workspace").
            pub const WHAT: &'static str = $what;

            /// A new time-ordered id (UUIDv7), like [`crate::new_id`].
            pub fn new() -> Self {
                $name(uuid::Uuid::now_v7())
            }

            pub fn from_uuid(uuid: uuid::Uuid) -> Self {
                $name(uuid)
            }

            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // `pad`, so a width in a format string (a table's column) applies.
                f.pad(self.0.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer()))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                parse_canonical($what, text).map($name)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(text: String) -> Result<Self, Self::Error> {
                text.parse()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.to_string()
            }
        }
    )+};
}

id_types! {
    /// A workspace: one client brand.
    WorkspaceId => "workspace";
    /// An ad account on a platform.
    AdAccountId => "ad account";
    /// A campaign.
    CampaignId => "campaign";
    /// An ad group (Meta's ad set).
    AdGroupId => "ad group";
    /// An ad.
    AdId => "ad";
    /// A creative (the image, video or text an ad shows).
    CreativeId => "creative";
    /// An audience, the platform's or our own.
    AudienceId => "audience";
    /// An audience signal (a behaviour, a search term, a mention): raw evidence as it arrived.
    SignalId => "signal";
    /// A signal the evidence layer derived from raw evidence and ad data (a winning creative, an
    /// intent's share, a mention theme). Not a [`SignalId`]: that names the raw rows it rests on.
    DerivedSignalId => "derived signal";
    /// A grounding report: one version of a model's reading of an audience's signals.
    GroundingReportId => "grounding report";
    /// A study (focus group, interview series, survey).
    StudyId => "study";
    /// An AI twin: a persona grounded in one audience's evidence.
    TwinId => "twin";
    /// One fragment of a twin's memory.
    MemoryId => "memory";
    /// One sitting of a study: a focus group's session or an interview.
    SessionId => "session";
    /// One turn of a session's transcript.
    TurnId => "turn";
    /// A survey as designed: its questions and logic, versioned.
    SurveyId => "survey";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_as_their_exact_text() {
        let id = WorkspaceId::new();
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text.parse::<WorkspaceId>().unwrap(), id);
        assert_eq!(id.as_uuid().get_version_num(), 7);
        let known = "0193a0c4-7b2e-7c3d-9f00-1234567890ab";
        assert_eq!(known.parse::<CampaignId>().unwrap().to_string(), known);
        assert_eq!(
            serde_json::to_string(&known.parse::<CampaignId>().unwrap()).unwrap(),
            format!("\"{known}\"")
        );
    }

    #[test]
    fn text_that_is_not_a_canonical_id_is_refused_with_what_it_was_meant_to_be() {
        let error = "no-such-workspace".parse::<WorkspaceId>().unwrap_err();
        assert_eq!(
            error,
            IdError {
                what: "workspace",
                text: "no-such-workspace".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "'no-such-workspace' is not a workspace id"
        );
        // Another spelling of a UUID would be written back differently, so it is refused too.
        for other in [
            "0193A0C4-7B2E-7C3D-9F00-1234567890AB",
            "0193a0c47b2e7c3d9f001234567890ab",
            "{0193a0c4-7b2e-7c3d-9f00-1234567890ab}",
            "",
        ] {
            assert!(other.parse::<AdGroupId>().is_err(), "{other}");
        }
        assert!(serde_json::from_str::<StudyId>("\"study-1\"").is_err());
    }
}
