import { ErrorBanner } from '../../components/ErrorBanner';
import type { SyncProblemView, SyncReportView, SyncRunView, SyncStreamView } from '../../ipc/backend';
import { useCancelSync } from './connectionQueries';
import {
  formatDay,
  formatInstant,
  formatRecords,
  groupByAccount,
  runStatusWords,
  streamProgress,
  streamStateWords,
} from './connectionText';

/**
 * A connection's last sync: its status, the streams of each account with a bar each while it
 * runs (and after, folded away), and once it is over the report and what to do.
 */
export function SyncPanel({ run }: { run: SyncRunView }) {
  const running = run.status === 'running';
  return (
    <section className="sync-panel" aria-label="Last sync">
      <div className="sync-panel__status">
        <span
          className={`badge sync-badge sync-badge--${run.status}`}
          data-testid="sync-status"
          data-status={run.status}
        >
          {runStatusWords(run.status)}
        </span>
        <span className="muted">
          {' '}
          started {formatInstant(run.startedAt)}
          {run.finishedAt !== null && <>, finished {formatInstant(run.finishedAt)}</>}
        </span>
        {running && run.jobId !== null && <CancelSync jobId={run.jobId} />}
      </div>
      {run.report !== null && !running && <SyncReport report={run.report} streams={run.streams} />}
      {running ? (
        <SyncStreams streams={run.streams} />
      ) : (
        run.streams.length > 0 && (
          <details className="sync-panel__streams">
            <summary>What was read, account by account</summary>
            <SyncStreams streams={run.streams} />
          </details>
        )
      )}
    </section>
  );
}

function CancelSync({ jobId }: { jobId: string }) {
  const cancel = useCancelSync();
  return (
    <>
      {' '}
      <button
        type="button"
        className="btn btn--small btn--ghost"
        onClick={() => cancel.mutate(jobId)}
        disabled={cancel.isPending || cancel.isSuccess}
      >
        {cancel.isSuccess ? 'Cancelling…' : 'Cancel'}
      </button>
      {cancel.error !== null && (
        <ErrorBanner error={cancel.error} context="The sync was not cancelled" onDismiss={cancel.reset} />
      )}
    </>
  );
}

/** Each account's streams, with how far each has got. */
export function SyncStreams({ streams }: { streams: readonly SyncStreamView[] }) {
  if (streams.length === 0) {
    return <p className="empty-hint">Finding the accounts to read…</p>;
  }
  return (
    <div className="sync-streams" data-testid="sync-streams">
      {groupByAccount(streams).map((group) => (
        <div key={group.account} className="sync-account" data-testid="sync-account">
          <h4 className="sync-account__name">
            {group.accountName} <span className="muted">{group.account}</span>
          </h4>
          <ul className="sync-stream-list">
            {group.streams.map((s) => (
              <StreamRow key={s.stream} stream={s} />
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}

function StreamRow({ stream }: { stream: SyncStreamView }) {
  const share = streamProgress(stream);
  const percent = share === null ? null : Math.round(share * 100);
  const window =
    stream.windowFrom !== null && stream.windowUntil !== null
      ? `${formatDay(stream.windowFrom)} – ${formatDay(stream.windowUntil)}`
      : null;
  return (
    <li className={`sync-stream sync-stream--${stream.state}`} data-testid="sync-stream" data-state={stream.state}>
      <span className="sync-stream__words">{stream.words}</span>
      <span
        className={`sync-bar${percent === null ? ' sync-bar--busy' : ''}`}
        role="progressbar"
        aria-label={`${stream.accountName}: ${stream.words}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={
          percent === null ? 'reading' : `${streamStateWords(stream.state)}, ${percent}%`
        }
      >
        <span style={{ width: percent === null ? undefined : `${percent}%` }} />
      </span>
      <span className="sync-stream__meta muted">
        {streamStateWords(stream.state)} · {formatRecords(stream.records)} records
        {window !== null && <> · {window}</>}
        {stream.doneThrough !== null && stream.state !== 'done' && (
          <> · stored through {formatDay(stream.doneThrough)}</>
        )}
        {stream.issuesCount > 0 && <> · {formatRecords(stream.issuesCount)} values left out</>}
      </span>
    </li>
  );
}

/** The end of a sync in words: the headline, what to do, and each stream that had trouble. */
export function SyncReport({
  report,
  streams,
}: {
  report: SyncReportView;
  streams: readonly SyncStreamView[];
}) {
  const troubled = streams.filter((s) => s.problem !== null || s.issuesCount > 0 || s.state === 'failed');
  return (
    <div className={`sync-report sync-report--${report.status}`} data-testid="sync-report">
      <p className="sync-report__headline" data-testid="sync-headline" data-status={report.status}>
        {report.headline}
      </p>
      <p className="muted sync-report__counts">
        {formatRecords(report.accounts)} {report.accounts === 1 ? 'account' : 'accounts'} ·{' '}
        {formatRecords(report.records)} records
        {report.issues > 0 && <> · {formatRecords(report.issues)} values left out</>}
      </p>
      {report.accountsProblem !== null && (
        <Problem problem={report.accountsProblem} title="The accounts could not be listed" />
      )}
      {report.actions.length > 0 && (
        <div className="sync-report__actions">
          <h4>What to do</h4>
          <ul data-testid="sync-actions">
            {report.actions.map((action) => (
              <li key={action}>{action}</li>
            ))}
          </ul>
        </div>
      )}
      {troubled.map((s) => (
        <details key={`${s.account}/${s.stream}`} className="sync-trouble" data-testid="sync-trouble">
          <summary>
            {s.accountName}: {s.words}
            {s.problem !== null
              ? ` — ${streamStateWords(s.state)}`
              : ` — ${formatRecords(s.issuesCount)} ${s.issuesCount === 1 ? 'value' : 'values'} left out`}
          </summary>
          {s.problem !== null && <Problem problem={s.problem} />}
          {s.issues.length > 0 && (
            <>
              <p className="muted">
                Rows with a value ProfitWheel could not read were left out, not counted as zero.
                {s.issuesCount > s.issues.length &&
                  ` The first ${formatRecords(s.issues.length)} of ${formatRecords(s.issuesCount)}:`}
              </p>
              <div className="table-scroll">
                <table className="data-table" data-testid="left-out-values">
                  <thead>
                    <tr>
                      <th scope="col">Field</th>
                      <th scope="col">Value</th>
                      <th scope="col">Why it was left out</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.issues.map((issue, i) => (
                      <tr key={`${issue.field}/${issue.value}/${i}`}>
                        <td>{issue.field}</td>
                        <td>
                          <code>{issue.value}</code>
                        </td>
                        <td>{issue.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </details>
      ))}
    </div>
  );
}

function Problem({ problem, title }: { problem: SyncProblemView; title?: string }) {
  return (
    <div className="sync-problem" data-kind={problem.kind}>
      {title && <strong>{title}. </strong>}
      <span>{problem.message}</span>
      {problem.action !== '' && <span className="sync-problem__action"> {problem.action}</span>}
    </div>
  );
}
