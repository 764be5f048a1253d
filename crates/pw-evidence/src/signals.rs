//! Derived signals as the rest of the product sees them: what kind, what it says, how strong,
//! how well supported, and the rows behind it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

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

    pub fn parse(text: &str) -> Option<SignalKind> {
        SignalKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

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

    pub fn parse(text: &str) -> Option<SourceTable> {
        SourceTable::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// Whether a row is part of what a signal describes or of the baseline it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowRole {
    Segment,
    Baseline,
}

impl RowRole {
    pub fn as_str(self) -> &'static str {
        match self {
            RowRole::Segment => "segment",
            RowRole::Baseline => "baseline",
        }
    }

    pub fn parse(text: &str) -> Option<RowRole> {
        match text {
            "segment" => Some(RowRole::Segment),
            "baseline" => Some(RowRole::Baseline),
            _ => None,
        }
    }
}

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

/// A signal as a build computes it, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalDraft {
    pub audience_id: Option<String>,
    pub kind: SignalKind,
    /// Stable across builds: what the signal is about, not what it found.
    pub key: String,
    pub statement: String,
    pub strength: f64,
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
    workspace_id: &str,
    audience_id: Option<&str>,
    kind: SignalKind,
    key: &str,
) -> String {
    let name = format!(
        "{workspace_id}\u{1f}{}\u{1f}{}\u{1f}{key}",
        audience_id.unwrap_or(""),
        kind.as_str()
    );
    Uuid::new_v5(&SIGNAL_NAMESPACE, name.as_bytes()).to_string()
}

/// A stored signal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub id: String,
    pub workspace_id: String,
    pub audience_id: Option<String>,
    pub kind: SignalKind,
    pub key: String,
    pub statement: String,
    pub strength: f64,
    pub support_rows: i64,
    pub support_share: Option<f64>,
    pub interval: Option<Interval>,
    pub q_value: Option<f64>,
    pub detail: Value,
    pub computed_at: String,
    pub retired_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_depend_on_every_part_of_the_natural_key() {
        let base = signal_id("w", Some("a"), SignalKind::Intent, "intent/commercial");
        assert_eq!(
            base,
            signal_id("w", Some("a"), SignalKind::Intent, "intent/commercial")
        );
        assert_ne!(
            base,
            signal_id("w", None, SignalKind::Intent, "intent/commercial")
        );
        assert_ne!(
            base,
            signal_id("w", Some("a"), SignalKind::Behavior, "intent/commercial")
        );
        assert_ne!(
            base,
            signal_id("x", Some("a"), SignalKind::Intent, "intent/commercial")
        );
        // No ambiguity from joining: ("ab", "c") and ("a", "bc") differ.
        assert_ne!(
            signal_id("ab", Some("c"), SignalKind::Intent, "k"),
            signal_id("a", Some("bc"), SignalKind::Intent, "k")
        );
    }

    #[test]
    fn names_round_trip() {
        for kind in SignalKind::ALL {
            assert_eq!(SignalKind::parse(kind.as_str()), Some(kind));
        }
        for table in SourceTable::ALL {
            assert_eq!(SourceTable::parse(table.as_str()), Some(table));
        }
        assert_eq!(RowRole::parse("segment"), Some(RowRole::Segment));
        assert_eq!(RowRole::parse("other"), None);
    }
}
