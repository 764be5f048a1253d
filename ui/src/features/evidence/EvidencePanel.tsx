import { useEffect } from 'react';
import type { ReactNode } from 'react';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatDate } from '../../format';
import type { EvidenceRowView, SignalEvidenceView } from '../../ipc/backend';
import { formatFigure, formatSupport, orderEvidenceRows } from './evidenceFormat';
import { useSignalEvidence } from './evidenceQueries';

/** A panel over the right of the window; Escape or × closes it. */
export function Drawer({
  title,
  onClose,
  onBack,
  children,
  testId,
}: {
  title: string;
  onClose: () => void;
  onBack?: () => void;
  children: ReactNode;
  testId: string;
}) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <aside className="drawer" role="dialog" aria-label={title} data-testid={testId}>
      <header className="drawer__header">
        {onBack && (
          <button type="button" className="btn btn--small btn--ghost" onClick={onBack}>
            ← Back
          </button>
        )}
        <h2 className="drawer__title">{title}</h2>
        <button
          type="button"
          className="btn btn--small btn--ghost"
          onClick={onClose}
          aria-label="Close"
        >
          ×
        </button>
      </header>
      <div className="drawer__body">{children}</div>
    </aside>
  );
}

/** The rows behind one or more signals (a claim's citations, or one signal). */
export function EvidenceList({ signalIds }: { signalIds: readonly string[] }) {
  const results = useSignalEvidence(signalIds);
  if (signalIds.length === 0) {
    return <p className="empty-hint">This claim cites no signals.</p>;
  }
  return (
    <div className="evidence" data-testid="evidence-panel">
      {results.map((result, i) => (
        <section key={signalIds[i]} className="evidence__signal">
          {result.error !== null && (
            <ErrorBanner
              error={result.error}
              context="Loading the evidence"
              onRetry={() => void result.refetch()}
            />
          )}
          {result.data ? (
            <SignalEvidence evidence={result.data} />
          ) : (
            result.isFetching && <p className="empty-hint">Loading the rows…</p>
          )}
        </section>
      ))}
    </div>
  );
}

function SignalEvidence({ evidence }: { evidence: SignalEvidenceView }) {
  const { signal } = evidence;
  const rows = orderEvidenceRows(evidence.rows);
  return (
    <>
      <p className="evidence__statement">{signal.statement}</p>
      <p className="muted" data-testid="evidence-count">
        Showing {rows.length.toLocaleString()} {rows.length === 1 ? 'row' : 'rows'}; the signal
        rests on {signal.supportRows.toLocaleString()} {signal.supportRows === 1 ? 'row' : 'rows'}
        {/* Counted in rows, its support would only say the same again. */}
        {signal.support.unit === 'rows' ? '' : ` (${formatSupport(signal)})`}.
      </p>
      {rows.length === 0 ? (
        <p className="empty-hint">No stored rows are left behind this signal.</p>
      ) : (
        <ul className="evidence__rows">
          {rows.map((row) => (
            <EvidenceRow key={`${row.table}/${row.key}/${row.inSegment}`} row={row} />
          ))}
        </ul>
      )}
    </>
  );
}

export function EvidenceRow({ row }: { row: EvidenceRowView }) {
  return (
    <li
      className={row.inSegment ? 'evidence-row' : 'evidence-row evidence-row--baseline'}
      data-testid="evidence-row"
      data-in-segment={row.inSegment}
    >
      <div className="evidence-row__head">
        <span className="evidence-row__title">{row.title}</span>
        {!row.inSegment && <span className="badge">baseline</span>}
        {row.date && <span className="muted">{formatDate(row.date)}</span>}
      </div>
      {row.text && <p className="evidence-row__text">{row.text}</p>}
      {row.figures.length > 0 && (
        <dl className="evidence-row__figures">
          {row.figures.map((f) => (
            <div key={f.label}>
              <dt>{f.label}</dt>
              <dd>{formatFigure(f.value)}</dd>
            </div>
          ))}
        </dl>
      )}
    </li>
  );
}
