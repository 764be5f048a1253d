//! The dashboard read model: KPI tiles, daily series per platform, campaigns; money per currency.

use pw_engine::workspaces::{
    CampaignTotals, CurrencySection as EngineCurrencySection, Dashboard as EngineDashboard,
};
use pw_engine::{KpiKey as EngineKpiKey, KpiNumber, KpiUnit as EngineKpiUnit, KpiValue};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::{DateRange, Micros, Platform};

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DashboardRequest {
    pub workspace_id: String,
    /// `null`: the last 30 days that have data.
    pub range: Option<DateRange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
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

/// How to read a KPI value: money in micros, a count, a fraction (0.012 = 1.2%), a multiple.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum KpiUnit {
    Money,
    Count,
    Ratio,
    Multiple,
}

/// A KPI's value: money exactly, in micros of the section's currency; anything else a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum KpiAmount {
    Money { micros: Micros },
    Number { value: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Kpi {
    pub key: KpiKey,
    pub unit: KpiUnit,
    pub current: Option<KpiAmount>,
    pub previous: Option<KpiAmount>,
    /// Relative change against the previous period (0.1 = +10%).
    pub change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SeriesPoint {
    pub date: String,
    pub spend_micros: Micros,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: f64,
    pub conversion_value_micros: Micros,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct PlatformSeries {
    pub platform: Platform,
    pub points: Vec<SeriesPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignRow {
    pub id: String,
    pub name: String,
    pub platform: Platform,
    pub objective: String,
    pub status: String,
    /// The currency of this campaign's ad account, which its amounts are in.
    pub currency: String,
    pub spend_micros: Micros,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: f64,
    pub conversion_value_micros: Micros,
    pub ctr: Option<f64>,
    pub cpc_micros: Option<Micros>,
    pub cpa_micros: Option<Micros>,
    pub roas: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub workspace_id: String,
    /// The workspace's own currency.
    pub currency: String,
    pub range: DateRange,
    pub previous_range: DateRange,
    /// One section per currency with data, never added together; the workspace's currency
    /// first. Always at least one.
    pub sections: Vec<CurrencySection>,
    pub campaigns: Vec<CampaignRow>,
}

/// The KPIs and daily series of the rows reported in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CurrencySection {
    pub currency: String,
    pub kpis: Vec<Kpi>,
    pub series: Vec<PlatformSeries>,
}

fn kpi_key(key: EngineKpiKey) -> KpiKey {
    match key {
        EngineKpiKey::Spend => KpiKey::Spend,
        EngineKpiKey::Impressions => KpiKey::Impressions,
        EngineKpiKey::Clicks => KpiKey::Clicks,
        EngineKpiKey::Ctr => KpiKey::Ctr,
        EngineKpiKey::Cpc => KpiKey::Cpc,
        EngineKpiKey::Conversions => KpiKey::Conversions,
        EngineKpiKey::Cpa => KpiKey::Cpa,
        EngineKpiKey::Roas => KpiKey::Roas,
    }
}

fn kpi_unit(unit: EngineKpiUnit) -> KpiUnit {
    match unit {
        EngineKpiUnit::Money => KpiUnit::Money,
        EngineKpiUnit::Count => KpiUnit::Count,
        EngineKpiUnit::Ratio => KpiUnit::Ratio,
        EngineKpiUnit::Multiple => KpiUnit::Multiple,
    }
}

fn kpi_amount(value: KpiNumber) -> KpiAmount {
    match value {
        KpiNumber::Money(micros) => KpiAmount::Money {
            micros: micros.into(),
        },
        KpiNumber::Number(value) => KpiAmount::Number { value },
    }
}

impl From<&KpiValue> for Kpi {
    fn from(k: &KpiValue) -> Self {
        Kpi {
            key: kpi_key(k.key),
            unit: kpi_unit(k.unit),
            current: k.current.map(kpi_amount),
            previous: k.previous.map(kpi_amount),
            change: k.change(),
        }
    }
}

impl From<CampaignTotals> for CampaignRow {
    fn from(c: CampaignTotals) -> Self {
        let t = c.totals;
        CampaignRow {
            id: c.campaign_id.to_string(),
            name: c.name,
            platform: c.platform.into(),
            objective: c.objective.as_str().to_owned(),
            status: c.status.as_str().to_owned(),
            currency: c.currency.as_str().to_owned(),
            spend_micros: t.spend.into(),
            impressions: t.impressions,
            clicks: t.clicks,
            conversions: t.conversions,
            conversion_value_micros: t.conversion_value.into(),
            ctr: t.kpi(EngineKpiKey::Ctr),
            cpc_micros: t.money(EngineKpiKey::Cpc).map(Into::into),
            cpa_micros: t.money(EngineKpiKey::Cpa).map(Into::into),
            roas: t.kpi(EngineKpiKey::Roas),
        }
    }
}

impl From<EngineCurrencySection> for CurrencySection {
    fn from(section: EngineCurrencySection) -> Self {
        CurrencySection {
            currency: section.currency.as_str().to_owned(),
            kpis: section.kpis.iter().map(Kpi::from).collect(),
            series: section
                .series
                .into_iter()
                .map(|s| PlatformSeries {
                    platform: s.platform.into(),
                    points: s
                        .points
                        .into_iter()
                        .map(|p| SeriesPoint {
                            date: p.date.to_string(),
                            spend_micros: p.totals.spend.into(),
                            impressions: p.totals.impressions,
                            clicks: p.totals.clicks,
                            conversions: p.totals.conversions,
                            conversion_value_micros: p.totals.conversion_value.into(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl From<EngineDashboard> for Dashboard {
    fn from(d: EngineDashboard) -> Self {
        Dashboard {
            workspace_id: d.workspace_id.to_string(),
            currency: d.currency.as_str().to_owned(),
            range: d.range.into(),
            previous_range: d.previous_range.into(),
            sections: d.sections.into_iter().map(Into::into).collect(),
            campaigns: d.campaigns.into_iter().map(Into::into).collect(),
        }
    }
}
