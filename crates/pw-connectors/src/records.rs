//! What a connector hands the sync: the platform's records already in the workspace's
//! vocabulary (statuses, objectives, formats, micros, days), still keyed by the platform's own
//! ids. The sync maps those ids to stored rows.

use chrono::{DateTime, NaiveDate, Utc};
use pw_domain::{
    AudienceKind, CreativeFormat, Currency, EntityStatus, MetricLevel, Micros, Objective,
    SignalKind,
};
use serde_json::Value;

use crate::normalise::Unmappable;

/// An ad account the connected user can read.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RemoteAccount {
    pub external_id: String,
    pub name: String,
    pub currency: Currency,
    /// IANA zone the platform reckons the account's report days in.
    pub time_zone: String,
    /// Google Ads: the manager account the customer is reached through (`login-customer-id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_manager: Option<String>,
}

/// The entity streams, in the order a sync runs them (parents before children).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityStream {
    Campaigns,
    AdGroups,
    Creatives,
    Ads,
}

impl EntityStream {
    pub const ALL: [EntityStream; 4] = [
        EntityStream::Campaigns,
        EntityStream::AdGroups,
        EntityStream::Creatives,
        EntityStream::Ads,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityStream::Campaigns => "campaigns",
            EntityStream::AdGroups => "ad_groups",
            EntityStream::Creatives => "creatives",
            EntityStream::Ads => "ads",
        }
    }

    /// How a marketer calls the stream.
    pub fn words(self) -> &'static str {
        match self {
            EntityStream::Campaigns => "campaigns",
            EntityStream::AdGroups => "ad groups",
            EntityStream::Creatives => "creatives",
            EntityStream::Ads => "ads",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteCampaign {
    pub external_id: String,
    pub name: String,
    pub objective: Objective,
    pub status: EntityStatus,
    pub daily_budget: Option<Micros>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteAdGroup {
    pub external_id: String,
    pub campaign_external_id: String,
    pub name: String,
    pub status: EntityStatus,
    pub targeting: Value,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteCreative {
    pub external_id: String,
    pub format: CreativeFormat,
    pub headline: Option<String>,
    pub body: Option<String>,
    pub call_to_action: Option<String>,
    pub landing_url: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteAd {
    pub external_id: String,
    pub ad_group_external_id: String,
    pub creative_external_id: Option<String>,
    pub name: String,
    pub status: EntityStatus,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RemoteEntity {
    Campaign(RemoteCampaign),
    AdGroup(RemoteAdGroup),
    Creative(RemoteCreative),
    Ad(RemoteAd),
}

impl RemoteEntity {
    pub fn updated_at(&self) -> Option<DateTime<Utc>> {
        match self {
            RemoteEntity::Campaign(c) => c.updated_at,
            RemoteEntity::AdGroup(g) => g.updated_at,
            RemoteEntity::Creative(c) => c.updated_at,
            RemoteEntity::Ad(a) => a.updated_at,
        }
    }
}

/// One entity's day, in the account's currency.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteMetric {
    pub level: MetricLevel,
    pub entity_external_id: String,
    pub date: NaiveDate,
    pub impressions: i64,
    pub clicks: i64,
    pub spend: Micros,
    pub conversions: f64,
    /// Unknown (not zero) when the platform does not report it.
    pub conversion_value: Option<Micros>,
    /// Unknown (not zero) when the platform does not report it.
    pub reach: Option<i64>,
    pub video_views: Option<i64>,
}

/// An audience the platform describes: an interest with its size bounds, a custom audience.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteAudience {
    pub external_id: String,
    pub name: String,
    pub kind: AudienceKind,
    pub size_lower: Option<i64>,
    pub size_upper: Option<i64>,
    pub interests: Value,
    pub demographics: Value,
}

/// What an audience does, as a platform that measures behaviour rather than ads reports it
/// (GA4's sessions by source and device, YouTube's views of a video): stored as an audience
/// signal, which the evidence layer derives from.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteSignal {
    pub kind: SignalKind,
    /// What happened, in words ("Sessions from google / cpc on mobile").
    pub text: String,
    pub topic: Option<String>,
    /// How many (sessions, views).
    pub volume: Option<i64>,
    pub occurred_on: NaiveDate,
    /// The figures behind it and the dimensions that name it; `external_id` keeps two
    /// signals of the same words apart.
    pub metadata: Value,
}

/// One page of a stream: its records, the values in it that could not be mapped (their rows
/// left out), and where the next page is (`None` on the last).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub records: Vec<T>,
    pub issues: Vec<Unmappable>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub fn last(records: Vec<T>) -> Self {
        Page {
            records,
            issues: Vec::new(),
            next: None,
        }
    }
}

/// An inclusive range of report days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DayWindow {
    pub from: NaiveDate,
    pub until: NaiveDate,
}

impl DayWindow {
    pub fn days(&self) -> i64 {
        (self.until - self.from).num_days() + 1
    }

    /// The two halves of a window of more than one day (the first the longer when odd).
    pub fn halves(&self) -> Option<(DayWindow, DayWindow)> {
        if self.days() < 2 {
            return None;
        }
        let first_until = self.from + chrono::Days::new(((self.days() - 1) / 2) as u64);
        let second_from = first_until.succ_opt()?;
        Some((
            DayWindow {
                from: self.from,
                until: first_until,
            },
            DayWindow {
                from: second_from,
                until: self.until,
            },
        ))
    }

    /// Consecutive windows of at most `days` days covering this one.
    pub fn chunks(&self, days: u32) -> Vec<DayWindow> {
        let mut windows = Vec::new();
        let mut from = self.from;
        while from <= self.until {
            let until = (from + chrono::Days::new(u64::from(days.max(1)) - 1)).min(self.until);
            windows.push(DayWindow { from, until });
            match until.succ_opt() {
                Some(next) => from = next,
                None => break,
            }
        }
        windows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, day).unwrap()
    }

    #[test]
    fn windows_split_and_chunk_without_gaps() {
        let window = DayWindow {
            from: d(1),
            until: d(10),
        };
        let (a, b) = window.halves().unwrap();
        assert_eq!(
            (a.from, a.until, b.from, b.until),
            (d(1), d(5), d(6), d(10))
        );
        assert!(
            DayWindow {
                from: d(3),
                until: d(3)
            }
            .halves()
            .is_none()
        );
        let chunks = window.chunks(4);
        assert_eq!(
            chunks.iter().map(DayWindow::days).collect::<Vec<_>>(),
            vec![4, 4, 2]
        );
        assert_eq!(chunks[2].until, d(10));
    }
}
