//! Marketing KPIs computed from additive totals. Ratios are computed from sums, never averaged
//! from daily ratios, which is the mistake that makes dashboards disagree with platform UIs.

use serde::{Deserialize, Serialize};

use crate::Micros;

/// Additive totals over some set of rows (a date range, a campaign, a platform).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Totals {
    pub spend: Micros,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: f64,
    pub conversion_value: Micros,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiKey {
    Spend,
    Impressions,
    Clicks,
    Ctr,
    Cpc,
    Conversions,
    Cpa,
    Roas,
}

/// How a KPI value is to be read: money in micros, a count, a fraction, or a multiple.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiUnit {
    Money,
    Count,
    Ratio,
    Multiple,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KpiValue {
    pub key: KpiKey,
    pub unit: KpiUnit,
    pub current: Option<f64>,
    pub previous: Option<f64>,
}

impl KpiValue {
    /// Relative change against the previous period; none when there is nothing to compare with.
    pub fn change(&self) -> Option<f64> {
        match (self.current, self.previous) {
            (Some(current), Some(previous)) if previous != 0.0 => {
                Some((current - previous) / previous)
            }
            _ => None,
        }
    }
}

impl KpiKey {
    pub const ALL: [KpiKey; 8] = [
        KpiKey::Spend,
        KpiKey::Impressions,
        KpiKey::Clicks,
        KpiKey::Ctr,
        KpiKey::Cpc,
        KpiKey::Conversions,
        KpiKey::Cpa,
        KpiKey::Roas,
    ];

    pub fn unit(self) -> KpiUnit {
        match self {
            KpiKey::Spend | KpiKey::Cpc | KpiKey::Cpa => KpiUnit::Money,
            KpiKey::Impressions | KpiKey::Clicks | KpiKey::Conversions => KpiUnit::Count,
            KpiKey::Ctr => KpiUnit::Ratio,
            KpiKey::Roas => KpiUnit::Multiple,
        }
    }
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

impl Totals {
    pub fn add(&mut self, other: &Totals) {
        self.spend.0 += other.spend.0;
        self.impressions += other.impressions;
        self.clicks += other.clicks;
        self.conversions += other.conversions;
        self.conversion_value.0 += other.conversion_value.0;
    }

    /// The value of one KPI; money KPIs are in micros. Undefined ratios (no clicks, no spend) are
    /// `None` rather than zero or infinity, so the UI can show a dash.
    pub fn kpi(&self, key: KpiKey) -> Option<f64> {
        let spend = self.spend.0 as f64;
        match key {
            KpiKey::Spend => Some(spend),
            KpiKey::Impressions => Some(self.impressions as f64),
            KpiKey::Clicks => Some(self.clicks as f64),
            KpiKey::Conversions => Some(self.conversions),
            KpiKey::Ctr => ratio(self.clicks as f64, self.impressions as f64),
            KpiKey::Cpc => ratio(spend, self.clicks as f64),
            KpiKey::Cpa => ratio(spend, self.conversions),
            KpiKey::Roas => ratio(self.conversion_value.0 as f64, spend),
        }
    }

    pub fn compare(&self, previous: &Totals) -> Vec<KpiValue> {
        KpiKey::ALL
            .into_iter()
            .map(|key| KpiValue {
                key,
                unit: key.unit(),
                current: self.kpi(key),
                previous: previous.kpi(key),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_come_from_sums() {
        let totals = Totals {
            spend: Micros::from_units(200),
            impressions: 10_000,
            clicks: 150,
            conversions: 8.0,
            conversion_value: Micros::from_units(640),
        };
        assert_eq!(totals.kpi(KpiKey::Ctr), Some(0.015));
        assert_eq!(
            totals.kpi(KpiKey::Cpc).map(|v| v.round()),
            Some(1_333_333.0)
        );
        assert_eq!(totals.kpi(KpiKey::Cpa), Some(25_000_000.0));
        assert_eq!(totals.kpi(KpiKey::Roas), Some(3.2));
    }

    #[test]
    fn undefined_ratios_are_none_and_change_needs_a_base() {
        let empty = Totals::default();
        assert_eq!(empty.kpi(KpiKey::Ctr), None);
        assert_eq!(empty.kpi(KpiKey::Roas), None);
        let kpis = Totals {
            spend: Micros(10),
            ..Totals::default()
        }
        .compare(&empty);
        let spend = kpis.iter().find(|k| k.key == KpiKey::Spend).unwrap();
        assert_eq!(spend.change(), None);
        let grown = KpiValue {
            key: KpiKey::Clicks,
            unit: KpiUnit::Count,
            current: Some(110.0),
            previous: Some(100.0),
        };
        assert!((grown.change().unwrap() - 0.1).abs() < 1e-12);
    }
}
