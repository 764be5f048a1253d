//! Derived signals as the rest of the product sees them: what kind, what it says, how strong,
//! how well supported, and the rows behind it.

use chrono::{DateTime, Utc};
use pw_domain::{AudienceId, DerivedSignalId, WorkspaceId};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use uuid::Uuid;

/// Closed vocabularies of this context with a stable stored name (`as_str`): `Display` writes
/// it, `FromStr` reads it back, and a name this build does not know is an [`UnknownName`] (which
/// the repositories report as `StoreError::UnreadableValue`).
macro_rules! stored_name_text {
    ($name:ident ($what:literal)) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::pw_domain::UnknownName;
            fn from_str(name: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .into_iter()
                    .find(|value| value.as_str() == name)
                    .ok_or_else(|| ::pw_domain::UnknownName {
                        what: $what,
                        name: name.to_owned(),
                    })
            }
        }
    };
}
pub(crate) use stored_name_text;

/// What a signal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// What the audience does: winning creatives, messages, placements, devices, dayparts;
    /// reported behaviours; who the audience is.
    Behavior,
    /// What it looks for: search intent and its shifts.
    Intent,
    /// What it says: themes in its mentions.
    MentionTheme,
}

impl SignalKind {
    pub const ALL: [SignalKind; 3] = [
        SignalKind::Behavior,
        SignalKind::Intent,
        SignalKind::MentionTheme,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::Behavior => "behavior",
            SignalKind::Intent => "intent",
            SignalKind::MentionTheme => "mention_theme",
        }
    }
}

stored_name_text!(SignalKind("signal kind"));

/// The table a row behind a signal lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceTable {
    AudienceSignals,
    DailyMetrics,
    MetricBreakdowns,
    Creatives,
    Audiences,
}

impl SourceTable {
    pub const ALL: [SourceTable; 5] = [
        SourceTable::AudienceSignals,
        SourceTable::DailyMetrics,
        SourceTable::MetricBreakdowns,
        SourceTable::Creatives,
        SourceTable::Audiences,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceTable::AudienceSignals => "audience_signals",
            SourceTable::DailyMetrics => "daily_metrics",
            SourceTable::MetricBreakdowns => "metric_breakdowns",
            SourceTable::Creatives => "creatives",
            SourceTable::Audiences => "audiences",
        }
    }
}

stored_name_text!(SourceTable("source table"));

/// Whether a row is part of what a signal describes or of the baseline it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowRole {
    Segment,
    Baseline,
}

impl RowRole {
    pub const ALL: [RowRole; 2] = [RowRole::Segment, RowRole::Baseline];

    pub fn as_str(self) -> &'static str {
        match self {
            RowRole::Segment => "segment",
            RowRole::Baseline => "baseline",
        }
    }
}

stored_name_text!(RowRole("row role"));

/// One stored row a signal rests on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RowRef {
    pub table: SourceTable,
    /// The row's id, or its key columns joined by '/' for the metric tables.
    pub key: String,
    pub role: RowRole,
}

impl RowRef {
    pub fn segment(table: SourceTable, key: impl Into<String>) -> RowRef {
        RowRef {
            table,
            key: key.into(),
            role: RowRole::Segment,
        }
    }

    pub fn baseline(table: SourceTable, key: impl Into<String>) -> RowRef {
        RowRef {
            table,
            key: key.into(),
            role: RowRole::Baseline,
        }
    }
}

/// A rate with its 95% interval, as stored beside a signal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

/// What a signal's support counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportUnit {
    /// Ad impressions (a click rate's trials).
    Impressions,
    /// Ad clicks (a conversion rate's trials).
    Clicks,
    /// Search volume: searches of the terms counted.
    Searches,
    /// Customers a platform or site analytics counted.
    Customers,
    /// Mentions (posts, reviews, comments).
    Mentions,
    /// Stored rows, where nothing finer is counted (an audience's profile).
    Rows,
}

impl SupportUnit {
    pub const ALL: [SupportUnit; 6] = [
        SupportUnit::Impressions,
        SupportUnit::Clicks,
        SupportUnit::Searches,
        SupportUnit::Customers,
        SupportUnit::Mentions,
        SupportUnit::Rows,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SupportUnit::Impressions => "impressions",
            SupportUnit::Clicks => "clicks",
            SupportUnit::Searches => "searches",
            SupportUnit::Customers => "customers",
            SupportUnit::Mentions => "mentions",
            SupportUnit::Rows => "rows",
        }
    }
}

stored_name_text!(SupportUnit("support unit"));

/// How much a signal rests on, in the unit a person counts: `count` of `total` units (526,976
/// of 1,116,647 searches), or `count` alone where the signal is no share of a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Support {
    pub count: i64,
    pub total: Option<i64>,
    pub unit: SupportUnit,
}

impl Support {
    /// `count` of `total`, both counted by the statistics as floats of whole numbers.
    pub fn of(count: f64, total: f64, unit: SupportUnit) -> Support {
        Support {
            count: whole(count),
            total: Some(whole(total)),
            unit,
        }
    }

    /// `count` alone.
    pub fn counted(count: f64, unit: SupportUnit) -> Support {
        Support {
            count: whole(count),
            total: None,
            unit,
        }
    }
}

/// A count the statistics carry as a float (sums of stored integers) as the integer it is.
fn whole(value: f64) -> i64 {
    // `as` saturates, and NaN becomes 0: a count is never negative.
    value.round().max(0.0) as i64
}

/// A signal as a build computes it, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalDraft {
    pub audience_id: Option<AudienceId>,
    pub kind: SignalKind,
    /// Stable across builds: what the signal is about, not what it found.
    pub key: String,
    pub statement: String,
    pub strength: f64,
    pub support: Support,
    pub support_share: Option<f64>,
    pub interval: Option<Interval>,
    pub q_value: Option<f64>,
    pub detail: Value,
    pub rows: Vec<RowRef>,
}

impl SignalDraft {
    /// Rows of the segment the signal describes (what "support" counts).
    pub fn support_rows(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.role == RowRole::Segment)
            .count()
    }
}

/// The namespace of signal ids (a UUIDv4 minted once for this purpose).
const SIGNAL_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a0e_8d54_4c3b_9b61_2f0e_4a7d_c915);

/// A signal's id: the same workspace, audience, kind and key always give the same id, so a
/// rebuild that finds the same thing keeps the id reports cite.
pub fn signal_id(
    workspace_id: WorkspaceId,
    audience_id: Option<AudienceId>,
    kind: SignalKind,
    key: &str,
) -> DerivedSignalId {
    // The name is the ids' stored text, as it always was, so stored ids stay what they were.
    let name = format!(
        "{workspace_id}\u{1f}{}\u{1f}{}\u{1f}{key}",
        audience_id.map(|id| id.to_string()).unwrap_or_default(),
        kind.as_str()
    );
    DerivedSignalId::from_uuid(Uuid::new_v5(&SIGNAL_NAMESPACE, name.as_bytes()))
}

/// Writes an instant as it is stored (RFC 3339 with milliseconds and a `Z`), so what the CLI's
/// JSON shows is the stored text, byte for byte.
pub(crate) fn stored_instant<S: Serializer>(
    instant: &DateTime<Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&pw_store::format_instant(*instant))
}

pub(crate) fn stored_optional_instant<S: Serializer>(
    instant: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match instant {
        Some(instant) => stored_instant(instant, serializer),
        None => serializer.serialize_none(),
    }
}

/// A stored signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub id: DerivedSignalId,
    pub workspace_id: WorkspaceId,
    pub audience_id: Option<AudienceId>,
    pub kind: SignalKind,
    pub key: String,
    pub statement: String,
    pub strength: f64,
    /// Stored rows of the segment it describes.
    pub support_rows: i64,
    /// What those rows add up to, in the unit a person counts.
    pub support: Support,
    pub support_share: Option<f64>,
    pub interval: Option<Interval>,
    pub q_value: Option<f64>,
    pub detail: Value,
    #[serde(serialize_with = "stored_instant")]
    pub computed_at: DateTime<Utc>,
    #[serde(serialize_with = "stored_optional_instant")]
    pub retired_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> uuid::Uuid {
        Uuid::new_v5(&Uuid::NAMESPACE_OID, text.as_bytes())
    }

    #[test]
    fn ids_depend_on_every_part_of_the_natural_key() {
        let (w, x) = (
            WorkspaceId::from_uuid(id("w")),
            WorkspaceId::from_uuid(id("x")),
        );
        let (a, b) = (
            AudienceId::from_uuid(id("a")),
            AudienceId::from_uuid(id("b")),
        );
        let base = signal_id(w, Some(a), SignalKind::Intent, "intent/commercial");
        assert_eq!(
            base,
            signal_id(w, Some(a), SignalKind::Intent, "intent/commercial")
        );
        assert_ne!(
            base,
            signal_id(w, None, SignalKind::Intent, "intent/commercial")
        );
        assert_ne!(
            base,
            signal_id(w, Some(b), SignalKind::Intent, "intent/commercial")
        );
        assert_ne!(
            base,
            signal_id(w, Some(a), SignalKind::Behavior, "intent/commercial")
        );
        assert_ne!(
            base,
            signal_id(x, Some(a), SignalKind::Intent, "intent/commercial")
        );
        assert_ne!(
            base,
            signal_id(w, Some(a), SignalKind::Intent, "intent/navigational")
        );
    }

    #[test]
    fn ids_are_the_ones_stored_before_they_were_typed() {
        // A UUIDv5 of the ids' text joined by U+001F: the id reports already cite.
        let workspace: WorkspaceId = "0193a0c4-7b2e-7c3d-9f00-1234567890ab".parse().unwrap();
        let audience: AudienceId = "0193a0c4-7b2e-7c3d-9f00-1234567890cd".parse().unwrap();
        let name = "0193a0c4-7b2e-7c3d-9f00-1234567890ab\u{1f}0193a0c4-7b2e-7c3d-9f00-1234567890cd\u{1f}intent\u{1f}intent/commercial";
        assert_eq!(
            signal_id(
                workspace,
                Some(audience),
                SignalKind::Intent,
                "intent/commercial"
            )
            .as_uuid(),
            Uuid::new_v5(&SIGNAL_NAMESPACE, name.as_bytes())
        );
        let name = "0193a0c4-7b2e-7c3d-9f00-1234567890ab\u{1f}\u{1f}behavior\u{1f}profile";
        assert_eq!(
            signal_id(workspace, None, SignalKind::Behavior, "profile").as_uuid(),
            Uuid::new_v5(&SIGNAL_NAMESPACE, name.as_bytes())
        );
    }

    #[test]
    fn names_round_trip_and_unknown_ones_are_named() {
        for kind in SignalKind::ALL {
            assert_eq!(kind.as_str().parse::<SignalKind>(), Ok(kind));
        }
        for table in SourceTable::ALL {
            assert_eq!(table.as_str().parse::<SourceTable>(), Ok(table));
        }
        for role in RowRole::ALL {
            assert_eq!(role.as_str().parse::<RowRole>(), Ok(role));
        }
        for unit in SupportUnit::ALL {
            assert_eq!(unit.as_str().parse::<SupportUnit>(), Ok(unit));
        }
        assert_eq!(
            "other".parse::<RowRole>().unwrap_err().to_string(),
            "'other' is not a known row role"
        );
        assert!("mention".parse::<SignalKind>().is_err(), "names are exact");
    }

    #[test]
    fn support_counts_whole_units() {
        assert_eq!(
            Support::of(526_976.0, 1_116_647.0, SupportUnit::Searches),
            Support {
                count: 526_976,
                total: Some(1_116_647),
                unit: SupportUnit::Searches
            }
        );
        assert_eq!(
            Support::counted(48_209.6, SupportUnit::Impressions).count,
            48_210
        );
        assert_eq!(Support::counted(f64::NAN, SupportUnit::Rows).count, 0);
    }
}
