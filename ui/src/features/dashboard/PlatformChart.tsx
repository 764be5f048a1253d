import { memo, useMemo, useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatDate } from '../../format';
import type { PlatformSeries } from '../../ipc/backend';
import { platformColor, platformName } from '../../platforms';
import { CHART_METRICS, buildChartRows, formatMetricValue } from './chartData';
import type { ChartMetric } from './chartData';

interface Props {
  series: readonly PlatformSeries[];
  currency: string;
}

// Memoised: the dashboard re-renders on every job progress tick, the chart need not.
export const PlatformChart = memo(function PlatformChart({ series, currency }: Props) {
  const [metric, setMetric] = useState<ChartMetric>('spend');
  const rows = useMemo(() => buildChartRows(series, metric), [series, metric]);
  const metricLabel = CHART_METRICS.find((m) => m.key === metric)?.label ?? metric;

  return (
    <section className="card" data-testid="platform-chart" aria-labelledby="chart-heading">
      <header className="card__header">
        <h3 id="chart-heading">Daily {metricLabel.toLowerCase()} by platform</h3>
        <div className="segmented" role="group" aria-label="Chart metric">
          {CHART_METRICS.map((m) => (
            <button
              key={m.key}
              type="button"
              className="segmented__item"
              aria-pressed={m.key === metric}
              onClick={() => setMetric(m.key)}
            >
              {m.label}
            </button>
          ))}
        </div>
      </header>
      {rows.length === 0 ? (
        <p className="empty-hint">No daily data in this range.</p>
      ) : (
        <div className="chart-frame">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis
                dataKey="date"
                tickFormatter={(d: string) => formatDate(d, { withYear: false })}
                minTickGap={24}
              />
              <YAxis
                width={72}
                tickFormatter={(v: number) => formatMetricValue(v, metric, currency, true)}
              />
              <Tooltip
                labelFormatter={(d) => formatDate(String(d))}
                formatter={(value) =>
                  typeof value === 'number'
                    ? formatMetricValue(value, metric, currency, false)
                    : String(value)
                }
              />
              <Legend />
              {series.map((s) => (
                <Line
                  key={s.platform}
                  type="monotone"
                  dataKey={s.platform}
                  name={platformName(s.platform)}
                  stroke={platformColor(s.platform)}
                  strokeWidth={2}
                  dot={false}
                  // Animations re-run on every metric switch and make comparisons jumpy.
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
});
