import type { Kpi, KpiKey, KpiUnit } from '../../ipc/backend';

/** Display order of the tiles: volume first, then efficiency, then outcome. */
export const KPI_ORDER: readonly KpiKey[] = [
  'spend',
  'impressions',
  'clicks',
  'ctr',
  'cpc',
  'conversions',
  'cpa',
  'roas',
];

export const KPI_LABELS: Record<KpiKey, string> = {
  spend: 'Spend',
  impressions: 'Impressions',
  clicks: 'Clicks',
  ctr: 'CTR',
  cpc: 'CPC',
  conversions: 'Conversions',
  cpa: 'CPA',
  roas: 'ROAS',
};

export const KPI_DESCRIPTIONS: Record<KpiKey, string> = {
  spend: 'Total media spend',
  impressions: 'Times an ad was shown',
  clicks: 'Clicks on ads',
  ctr: 'Click-through rate: clicks ÷ impressions',
  cpc: 'Cost per click: spend ÷ clicks',
  conversions: 'Conversions attributed to ads',
  cpa: 'Cost per acquisition: spend ÷ conversions',
  roas: 'Return on ad spend: conversion value ÷ spend, over the platforms that report conversion value',
};

/** Fallback units, used when the backend omits a KPI so the tile can still render "—". */
const DEFAULT_UNITS: Record<KpiKey, KpiUnit> = {
  spend: 'money',
  impressions: 'count',
  clicks: 'count',
  ctr: 'ratio',
  cpc: 'money',
  conversions: 'count',
  cpa: 'money',
  roas: 'multiple',
};

/** The 8 tiles in display order, filling gaps with empty KPIs. */
export function orderedKpis(kpis: readonly Kpi[]): Kpi[] {
  const byKey = new Map(kpis.map((k) => [k.key, k]));
  return KPI_ORDER.map(
    (key) =>
      byKey.get(key) ?? { key, unit: DEFAULT_UNITS[key], current: null, previous: null, change: null },
  );
}
