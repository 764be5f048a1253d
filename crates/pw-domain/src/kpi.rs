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
    /// The spend of the rows whose conversion value was reported: ROAS is value over this, so
    /// a platform that reports no value (TikTok's basic report) lowers no one's ROAS.
    #[serde(default)]
    pub valued_spend: Micros,
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

/// A KPI's value. Money stays integer micros all the way to the screen: a double is exact only
/// up to 2^53 micros (9 billion units), which an IDR, KRW or VND agency passes in a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiNumber {
    Money(Micros),
    Number(f64),
}

impl KpiNumber {
    /// For comparisons only (relative change), never for display or storage.
    pub fn approximate(self) -> f64 {
        match self {
            KpiNumber::Money(micros) => micros.0 as f64,
            KpiNumber::Number(value) => value,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KpiValue {
    pub key: KpiKey,
    pub unit: KpiUnit,
    pub current: Option<KpiNumber>,
    pub previous: Option<KpiNumber>,
}

impl KpiValue {
    /// Relative change against the previous period; none when there is nothing to compare with.
    pub fn change(&self) -> Option<f64> {
        let current = self.current?.approximate();
        let previous = self.previous?.approximate();
        (previous != 0.0).then(|| (current - previous) / previous)
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

    /// The name a marketer knows it by, on tiles, slides and the CLI's tables.
    pub fn label(self) -> &'static str {
        match self {
            KpiKey::Spend => "Spend",
            KpiKey::Impressions => "Impressions",
            KpiKey::Clicks => "Clicks",
            KpiKey::Ctr => "CTR",
            KpiKey::Cpc => "CPC",
            KpiKey::Conversions => "Conversions",
            KpiKey::Cpa => "CPA",
            KpiKey::Roas => "ROAS",
        }
    }

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
        self.valued_spend.0 += other.valued_spend.0;
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
            KpiKey::Roas => ratio(self.conversion_value.0 as f64, self.valued_spend.0 as f64),
        }
    }

    /// A money KPI exactly, in micros: spend as summed; cost per click and per conversion
    /// rounded to the nearest micro. `None` for KPIs that are not money and for undefined ratios.
    pub fn money(&self, key: KpiKey) -> Option<Micros> {
        match key {
            KpiKey::Spend => Some(self.spend),
            KpiKey::Cpc => divide_rounded(self.spend.0, self.clicks).map(Micros),
            // Conversions are fractional (modelled conversions), so this ratio goes through a
            // double; its error is a few micros at most, far below a displayed cent.
            KpiKey::Cpa => (self.conversions > 0.0)
                .then(|| (self.spend.0 as f64 / self.conversions).round() as i64)
                .map(Micros),
            _ => None,
        }
    }

    /// One KPI as it should be shown: money exactly in micros, everything else as a number.
    pub fn value(&self, key: KpiKey) -> Option<KpiNumber> {
        match key.unit() {
            KpiUnit::Money => self.money(key).map(KpiNumber::Money),
            _ => self.kpi(key).map(KpiNumber::Number),
        }
    }

    pub fn compare(&self, previous: &Totals) -> Vec<KpiValue> {
        KpiKey::ALL
            .into_iter()
            .map(|key| KpiValue {
                key,
                unit: key.unit(),
                current: self.value(key),
                previous: previous.value(key),
            })
            .collect()
    }
}

/// `numerator / denominator` rounded half away from zero, in 128-bit so no sum overflows.
fn divide_rounded(numerator: i64, denominator: i64) -> Option<i64> {
    if denominator <= 0 {
        return None;
    }
    let (n, d) = (i128::from(numerator), i128::from(denominator));
    let rounded = if n >= 0 {
        (n + d / 2) / d
    } else {
        (n - d / 2) / d
    };
    i64::try_from(rounded).ok()
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
            valued_spend: Micros::from_units(200),
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
    fn roas_leaves_out_spend_whose_value_was_not_reported() {
        // A platform that reports value (100 spent, 300 back) and one that does not (100).
        let mut totals = Totals {
            spend: Micros::from_units(100),
            conversion_value: Micros::from_units(300),
            valued_spend: Micros::from_units(100),
            ..Totals::default()
        };
        totals.add(&Totals {
            spend: Micros::from_units(100),
            ..Totals::default()
        });
        assert_eq!(totals.kpi(KpiKey::Roas), Some(3.0), "not 1.5");
        let unreported = Totals {
            spend: Micros::from_units(100),
            ..Totals::default()
        };
        assert_eq!(unreported.kpi(KpiKey::Roas), None, "not reported, not 0");
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
            current: Some(KpiNumber::Number(110.0)),
            previous: Some(KpiNumber::Number(100.0)),
        };
        assert!((grown.change().unwrap() - 0.1).abs() < 1e-12);
    }

    #[test]
    fn money_kpis_stay_exact_past_two_to_the_53() {
        // 12,345,678,901.234567 units: an IDR quarter. 2^53 + 1 micros is not a double.
        let spend = Micros((1_i64 << 53) + 1);
        let totals = Totals {
            spend,
            clicks: 3,
            conversions: 0.0,
            ..Totals::default()
        };
        assert_eq!(totals.value(KpiKey::Spend), Some(KpiNumber::Money(spend)));
        assert_ne!(spend.0 as f64 as i64, spend.0, "the double really loses it");
        // (2^53 + 1) / 3 = 3002399751580331 exactly.
        assert_eq!(
            totals.money(KpiKey::Cpc),
            Some(Micros(3_002_399_751_580_331))
        );
        assert_eq!(totals.money(KpiKey::Cpa), None);
        assert_eq!(totals.money(KpiKey::Ctr), None);
        assert_eq!(divide_rounded(5, 2), Some(3));
        assert_eq!(divide_rounded(-5, 2), Some(-3));
        assert_eq!(divide_rounded(7, 0), None);
    }
}
