import { ErrorBanner } from '../../components/ErrorBanner';
import { formatRelativeTime } from '../../format';
import type { ClaimView, SignalView } from '../../ipc/backend';
import { REPORT_KIND_LABELS } from './evidenceFormat';
import { useReport } from './evidenceQueries';

interface Props {
  reportId: string;
  /** A claim was clicked: show the rows behind the signals it cites. */
  onOpenClaim: (claim: ClaimView) => void;
  /** One cited signal was clicked: show its rows alone. */
  onOpenSignal: (signal: SignalView) => void;
}

/** A grounding report: its claims, each with the signals it cites. */
export function ReportPanel({ reportId, onOpenClaim, onOpenSignal }: Props) {
  const { data: report, error, isFetching, refetch } = useReport(reportId);
  if (error !== null) {
    return <ErrorBanner error={error} context="Loading the report" onRetry={() => void refetch()} />;
  }
  if (!report) return isFetching ? <p className="empty-hint">Loading the report…</p> : null;
  return (
    <div className="report" data-testid="report-view">
      <h3 className="report__title">{report.title}</h3>
      <p className="muted">
        {REPORT_KIND_LABELS[report.kind]} report · version {report.version} · written by{' '}
        {report.writtenBy} · {formatRelativeTime(report.createdAt)} · {report.claims.length} of{' '}
        {report.claimsChecked} claims kept
        {report.claimsDropped > 0 && ` (${report.claimsDropped} dropped for lack of evidence)`}
      </p>
      {report.claims.length === 0 ? (
        <p className="empty-hint">No claim of this version held up against its evidence.</p>
      ) : (
        <ol className="claims">
          {report.claims.map((claim, i) => (
            <li key={i} className="claim" data-testid="claim">
              <button
                type="button"
                className="claim__text"
                onClick={() => onOpenClaim(claim)}
                title="Show the evidence behind this claim"
              >
                {claim.text}
              </button>
              {!claim.holdsNow && (
                <p className="claim__stale" role="note" data-testid="claim-stale">
                  {claim.changedSince.length > 0
                    ? 'No longer holds: the data has changed since this version was written.'
                    : 'Does not pass today’s check against its evidence.'}
                </p>
              )}
              <ul className="claim__signals">
                {claim.signals.map((s) => {
                  const change = claim.changedSince.find((c) => c.signalId === s.id);
                  return (
                    <li key={s.id}>
                      <button
                        type="button"
                        className="claim__signal"
                        onClick={() => onOpenSignal(s)}
                        title="Show the rows behind this signal"
                      >
                        cites: {s.audienceId === null && <span className="badge">Whole workspace</span>}{' '}
                        {s.themeName ? `${s.themeName} — ` : ''}
                        {s.statement}
                      </button>
                      {change && (
                        <p className="claim__then muted" data-testid="claim-then">
                          {change.retired ? 'Retired since; when written it said: ' : 'When written it said: '}
                          {change.statementThen}
                        </p>
                      )}
                    </li>
                  );
                })}
              </ul>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
