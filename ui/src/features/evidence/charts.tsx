import { memo } from 'react';
import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis } from 'recharts';
import { formatDate } from '../../format';
import type { IntervalView, JobView, SentimentCountsView, WeekCountView } from '../../ipc/backend';
import { progressPercent } from '../jobs/jobsState';
import { formatRate } from './evidenceFormat';

const WIDTH = 200;
const HEIGHT = 22;
const PAD = 6;

/**
 * A 95% interval as a whisker from low to high with the estimate as a dot. With a baseline
 * (segments, shifts) a tick marks it, and the whisker is coloured by which side it is on,
 * so "above" or "below" reads at a glance.
 */
export function IntervalBar({
  interval,
  baseline,
}: {
  interval: IntervalView;
  baseline: number | null;
}) {
  const { estimate, low, high } = interval;
  const values = [estimate, low, high, baseline].filter(
    (v): v is number => v !== null && Number.isFinite(v),
  );
  if (values.length === 0) return null;
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const span = hi - lo || Math.abs(hi) || 1;
  lo -= span * 0.15;
  hi += span * 0.15;
  if (Math.min(...values) >= 0) lo = Math.max(0, lo);
  const x = (v: number) => PAD + ((v - lo) / (hi - lo)) * (WIDTH - 2 * PAD);
  const mid = HEIGHT / 2;
  const side =
    baseline === null || estimate === null
      ? 'none'
      : estimate > baseline
        ? 'above'
        : estimate < baseline
          ? 'below'
          : 'level';
  const label =
    `95% interval ${formatRate(low)}–${formatRate(high)}, estimate ${formatRate(estimate)}` +
    (baseline !== null ? `, baseline ${formatRate(baseline)} (${side})` : '');
  return (
    <span className="interval" data-testid="interval-bar" data-side={side}>
      <svg
        className={`interval__svg interval__svg--${side}`}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={label}
        preserveAspectRatio="none"
      >
        <title>{label}</title>
        <line className="interval__track" x1={PAD} x2={WIDTH - PAD} y1={mid} y2={mid} />
        {baseline !== null && (
          <line
            className="interval__baseline"
            data-testid="interval-baseline"
            x1={x(baseline)}
            x2={x(baseline)}
            y1={1}
            y2={HEIGHT - 1}
          />
        )}
        {low !== null && high !== null && (
          <>
            <line className="interval__whisker" x1={x(low)} x2={x(high)} y1={mid} y2={mid} />
            <line className="interval__cap" x1={x(low)} x2={x(low)} y1={mid - 4} y2={mid + 4} />
            <line className="interval__cap" x1={x(high)} x2={x(high)} y1={mid - 4} y2={mid + 4} />
          </>
        )}
        {estimate !== null && (
          <circle className="interval__dot" cx={x(estimate)} cy={mid} r={4} />
        )}
      </svg>
      <span className="interval__text">
        {formatRate(low)}–{formatRate(high)}
        {baseline !== null && <> · baseline {formatRate(baseline)}</>}
      </span>
    </span>
  );
}

/** Mentions per week as small bars. */
export const WeeklyBars = memo(function WeeklyBars({ weekly }: { weekly: readonly WeekCountView[] }) {
  if (weekly.length === 0) return null;
  return (
    <div className="sparkline" data-testid="weekly-chart" aria-label="Mentions per week">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={weekly as WeekCountView[]} margin={{ top: 2, right: 0, bottom: 0, left: 0 }}>
          <XAxis dataKey="week" hide />
          <Tooltip
            labelFormatter={(w) => `Week of ${formatDate(String(w))}`}
            formatter={(v) => [String(v), 'Mentions']}
          />
          <Bar dataKey="mentions" fill="var(--accent)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
});

const SENTIMENTS = ['negative', 'neutral', 'positive', 'unknown'] as const;

/** The sentiment of a theme's mentions as one stacked bar. */
export function SentimentBar({ counts }: { counts: SentimentCountsView }) {
  const total = SENTIMENTS.reduce((sum, k) => sum + counts[k], 0);
  if (total === 0) return null;
  const label = SENTIMENTS.map((k) => `${counts[k]} ${k}`).join(', ');
  return (
    <div className="sentiment" data-testid="sentiment-bar">
      <div className="sentiment__bar" role="img" aria-label={`Sentiment: ${label}`}>
        {SENTIMENTS.map((k) =>
          counts[k] > 0 ? (
            <span
              key={k}
              className={`sentiment__part sentiment__part--${k}`}
              style={{ width: `${(counts[k] / total) * 100}%` }}
              title={`${counts[k]} ${k}`}
            />
          ) : null,
        )}
      </div>
      <span className="sentiment__legend">
        {SENTIMENTS.filter((k) => counts[k] > 0).map((k) => (
          <span key={k} className={`sentiment__key sentiment__key--${k}`}>
            {Math.round((counts[k] / total) * 100)}% {k}
          </span>
        ))}
      </span>
    </div>
  );
}

/** A job started from a screen, with its progress where the person started it. */
export function InlineJobProgress({ job, testId }: { job: JobView; testId: string }) {
  const percent = progressPercent(job);
  return (
    <span className="inline-job" data-testid={testId} data-state={job.state}>
      <progress max={100} value={percent} aria-label={`${job.title} progress`} />
      <span className="muted">
        {percent}%{job.progressMessage ? ` · ${job.progressMessage}` : ''}
      </span>
    </span>
  );
}
