//! The shared vocabulary of ProfitWheel: identifiers (one type per kind of thing), money, ad
//! platforms and the closed vocabularies of ad data, calendar ranges, the arithmetic of
//! marketing KPIs and the reading of figures in text. Pure values: no IO, no async runtime, no
//! database types.

mod ad_data;
mod figures;
mod ids;
mod kpi;
mod money;
mod platform;
mod range;

pub use ad_data::{
    AudienceKind, BreakdownDimension, CreativeFormat, EntityStatus, InterestNames, MetricLevel,
    SearchIntent, SignalKind,
};
pub use figures::{StatedFigure, stated_figures};
pub use ids::{
    AdAccountId, AdGroupId, AdId, AudienceId, CampaignId, CreativeId, DerivedSignalId,
    GroundingReportId, IdError, MemoryId, SessionId, SignalId, StudyId, SurveyId, TurnId, TwinId,
    WorkspaceId,
};
pub use kpi::{KpiKey, KpiNumber, KpiUnit, KpiValue, Totals};
pub use money::{Currency, Micros, MoneyError};
pub use platform::{Objective, Platform, UnknownName};
pub use range::{DateRange, RangeError};

/// A new time-ordered identifier (UUIDv7). Time-ordered ids keep SQLite's b-trees append-mostly
/// and make ids unique across machines, so a workspace exported on one laptop imports on another
/// without renumbering.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Whether `name` is an IANA time zone (`Europe/Paris`), the zone report dates are reckoned in.
pub fn is_time_zone(name: &str) -> bool {
    name.parse::<chrono_tz::Tz>().is_ok()
}
