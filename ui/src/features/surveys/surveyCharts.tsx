import type { MarginView, ShareView } from '../../ipc/backend';

export function percent(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)}%`;
}

export function decimal(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toFixed(digits);
}

/**
 * A question's distribution: a bar per category, its 95% interval drawn over the bar as a
 * whisker, so a reader sees both the share and how sure it is.
 */
export function ShareBars({ shares, testId }: { shares: readonly ShareView[]; testId: string }) {
  const top = Math.max(0.05, ...shares.map((s) => s.high ?? s.share ?? 0));
  const x = (v: number | null) => `${(Math.max(0, v ?? 0) / top) * 100}%`;
  return (
    <ul className="share-bars" data-testid={testId} aria-label="Share of respondents per answer">
      {shares.map((s) => (
        <li key={s.key} className="share-bars__row" data-testid="share-row">
          <span className="share-bars__label" title={s.label}>
            {s.label}
          </span>
          <span
            className="share-bars__track"
            role="img"
            aria-label={`${s.label}: ${percent(s.share)}, 95% interval ${percent(s.low)} to ${percent(s.high)}`}
          >
            <span className="share-bars__bar" style={{ width: x(s.share) }} />
            <span
              className="share-bars__whisker"
              style={{ left: x(s.low), width: `calc(${x(s.high)} - ${x(s.low)})` }}
            />
          </span>
          <span className="share-bars__value">
            {percent(s.share)} <span className="muted">({percent(s.low)}–{percent(s.high)})</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Synthetic and human shares side by side per category: the fidelity view's overlay. */
export function OverlayBars({
  categories,
  synthetic,
  human,
  testId,
}: {
  categories: readonly string[];
  synthetic: readonly (number | null)[];
  human: readonly (number | null)[];
  testId: string;
}) {
  const top = Math.max(0.05, ...synthetic.map((v) => v ?? 0), ...human.map((v) => v ?? 0));
  const width = (v: number | null | undefined) => `${(Math.max(0, v ?? 0) / top) * 100}%`;
  return (
    <ul className="overlay-bars" data-testid={testId} aria-label="Synthetic and human answers">
      {categories.map((category, i) => (
        <li key={category} className="overlay-bars__row">
          <span className="share-bars__label" title={category}>
            {category}
          </span>
          <span className="overlay-bars__pair">
            <span
              className="overlay-bars__bar overlay-bars__bar--synthetic"
              style={{ width: width(synthetic[i]) }}
              title={`Synthetic ${percent(synthetic[i])}`}
            />
            <span
              className="overlay-bars__bar overlay-bars__bar--human"
              style={{ width: width(human[i]) }}
              title={`People ${percent(human[i])}`}
            />
          </span>
          <span className="share-bars__value">
            {percent(synthetic[i])} <span className="muted">vs {percent(human[i])}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** A dimension's targets against the sample as drawn and as weighted. */
export function MarginTable({ margins }: { margins: readonly MarginView[] }) {
  const dimensions = [...new Set(margins.map((m) => m.dimension))];
  return (
    <div className="table-scroll">
      <table className="data-table margin-table" data-testid="margin-table">
        <thead>
          <tr>
            <th scope="col">Dimension</th>
            <th scope="col">Category</th>
            <th scope="col">Target</th>
            <th scope="col">Sample</th>
            <th scope="col">Weighted</th>
          </tr>
        </thead>
        <tbody>
          {dimensions.flatMap((d) =>
            margins
              .filter((m) => m.dimension === d)
              .map((m, i) => (
                <tr key={`${d}-${m.category}`}>
                  <td>{i === 0 ? d.replace('_', ' ') : ''}</td>
                  <td>{m.category}</td>
                  <td>{percent(m.target, 1)}</td>
                  <td>
                    <span className="margin-table__sample">
                      {percent(m.sample, 1)}
                      <span
                        className="margin-table__gap"
                        style={{ width: `${Math.min(40, Math.abs((m.sample ?? 0) - (m.target ?? 0)) * 400)}px` }}
                        title="How far the sample is from the target"
                      />
                    </span>
                  </td>
                  <td>{percent(m.weighted, 1)}</td>
                </tr>
              )),
          )}
        </tbody>
      </table>
    </div>
  );
}
