import { memo } from 'react';
import {
  changeDirection,
  changeTone,
  formatChange,
  formatDateRange,
  formatKpiValue,
} from '../../format';
import type { DateRange, Kpi } from '../../ipc/backend';
import { KPI_DESCRIPTIONS, KPI_LABELS, orderedKpis } from './kpis';

const ARROWS = { up: '▲', down: '▼', flat: '▬' } as const;

interface Props {
  kpis: readonly Kpi[];
  currency: string;
  previousRange: DateRange;
}

// Memoised: the dashboard re-renders on every job progress tick, the tiles need not.
export const KpiTiles = memo(function KpiTiles({ kpis, currency, previousRange }: Props) {
  const previousLabel = formatDateRange(previousRange);
  return (
    <section className="kpi-grid" aria-label="Key performance indicators">
      {orderedKpis(kpis).map((kpi) => (
        <KpiTile key={kpi.key} kpi={kpi} currency={currency} previousLabel={previousLabel} />
      ))}
    </section>
  );
});

function KpiTile({ kpi, currency, previousLabel }: { kpi: Kpi; currency: string; previousLabel: string }) {
  const direction = changeDirection(kpi.change);
  const tone = changeTone(kpi.key, kpi.change);
  const previous = formatKpiValue(kpi, kpi.previous, currency);
  const changeText = formatChange(kpi.change);
  const label = KPI_LABELS[kpi.key];

  return (
    <article
      className={`kpi kpi--${tone}`}
      data-testid={`kpi-${kpi.key}`}
      aria-label={label}
      title={KPI_DESCRIPTIONS[kpi.key]}
    >
      <h3 className="kpi__label">{label}</h3>
      <p className="kpi__value" data-testid={`kpi-${kpi.key}-value`}>
        {formatKpiValue(kpi, kpi.current, currency)}
      </p>
      <p
        className={`kpi__change kpi__change--${tone}`}
        data-testid={`kpi-${kpi.key}-change`}
        data-direction={direction ?? 'none'}
        data-tone={tone}
        title={`Previous period (${previousLabel}): ${previous}`}
      >
        {direction ? (
          <>
            <span className="kpi__arrow" aria-hidden="true">
              {ARROWS[direction]}
            </span>
            <span>{changeText}</span>
            <span className="visually-hidden">
              {' '}
              {direction === 'flat' ? 'unchanged' : direction === 'up' ? 'increase' : 'decrease'}
              {tone !== 'neutral' ? `, ${tone}` : ''}
            </span>
            <span className="kpi__vs"> vs previous</span>
          </>
        ) : (
          <span className="kpi__vs">No previous period to compare</span>
        )}
      </p>
    </article>
  );
}
