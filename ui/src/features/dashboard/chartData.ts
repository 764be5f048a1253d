import { formatCount, formatMoneyMicros, microsToUnits } from '../../format';
import type { Platform, PlatformSeries, SeriesPoint } from '../../ipc/backend';

export type ChartMetric = 'spend' | 'clicks' | 'conversions' | 'impressions';

export const CHART_METRICS: readonly { key: ChartMetric; label: string }[] = [
  { key: 'spend', label: 'Spend' },
  { key: 'clicks', label: 'Clicks' },
  { key: 'conversions', label: 'Conversions' },
  { key: 'impressions', label: 'Impressions' },
];

/** Chart values in display units: money as whole currency units, since axes can't show micros. */
export function metricValue(point: SeriesPoint, metric: ChartMetric): number {
  switch (metric) {
    case 'spend':
      return microsToUnits(point.spendMicros);
    case 'clicks':
      return point.clicks;
    case 'conversions':
      // f64 crosses IPC as `number | null` (serde writes a non-finite float as null).
      return point.conversions ?? 0;
    case 'impressions':
      return point.impressions;
  }
}

export type ChartRow = { date: string } & Partial<Record<Platform, number>>;

/**
 * Pivots per-platform series into one row per date (the shape recharts wants). A platform
 * without a point on some date stays undefined there, so the line shows a gap instead of
 * pretending the platform spent nothing.
 */
export function buildChartRows(series: readonly PlatformSeries[], metric: ChartMetric): ChartRow[] {
  const rows = new Map<string, ChartRow>();
  for (const { platform, points } of series) {
    for (const point of points) {
      let row = rows.get(point.date);
      if (!row) {
        row = { date: point.date };
        rows.set(point.date, row);
      }
      row[platform] = metricValue(point, metric);
    }
  }
  return [...rows.values()].sort((a, b) => a.date.localeCompare(b.date));
}

/**
 * Formats a chart value (already in display units): `axis` abbreviates everything so tick
 * labels stay narrow; otherwise (tooltips) the exact amount is shown.
 */
export function formatMetricValue(
  value: number,
  metric: ChartMetric,
  currency: string,
  axis: boolean,
): string {
  if (metric === 'spend') {
    return formatMoneyMicros(value * 1_000_000, currency, { compact: axis, compactFrom: 0 });
  }
  return formatCount(value, { compact: axis });
}
