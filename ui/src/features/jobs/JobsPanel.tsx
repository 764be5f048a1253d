import { ErrorBanner } from '../../components/ErrorBanner';
import { formatRelativeTime } from '../../format';
import type { JobView } from '../../ipc/backend';
import { canCancel, canRetry, isActive, progressPercent } from './jobsState';
import type { JobsController } from './useJobs';

const STATE_LABELS: Record<JobView['state'], string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const LANE_LABELS: Record<JobView['lane'], string> = {
  fast: 'Fast lane',
  default: 'Default lane',
  slow: 'Slow lane',
};

export function JobsPanel({ controller }: { controller: JobsController }) {
  const { jobs, loading, error, dismissError, pendingIds, cancel, retry, reload } = controller;
  const activeCount = jobs.filter(isActive).length;

  return (
    <aside className="jobs-panel" aria-labelledby="jobs-heading">
      <header className="panel-header">
        <h2 id="jobs-heading">Jobs</h2>
        {activeCount > 0 && (
          <span className="badge badge--running" aria-label={`${activeCount} active`}>
            {activeCount} active
          </span>
        )}
      </header>
      {error !== null && (
        <ErrorBanner
          error={error}
          context="Jobs"
          onRetry={() => void reload()}
          onDismiss={dismissError}
        />
      )}
      {jobs.length === 0 ? (
        <p className="empty-hint">
          {loading
            ? 'Loading jobs…'
            : 'No jobs yet. Long tasks such as generating demo data or exporting a workspace show their progress here.'}
        </p>
      ) : (
        <ul className="job-list">
          {jobs.map((job) => (
            <JobRow
              key={job.id}
              job={job}
              pending={pendingIds.has(job.id)}
              onCancel={() => void cancel(job.id)}
              onRetry={() => void retry(job.id)}
            />
          ))}
        </ul>
      )}
    </aside>
  );
}

interface RowProps {
  job: JobView;
  pending: boolean;
  onCancel: () => void;
  onRetry: () => void;
}

function JobRow({ job, pending, onCancel, onRetry }: RowProps) {
  const percent = progressPercent(job);
  const showProgress = job.state !== 'failed' && job.state !== 'cancelled';
  return (
    <li className={`job job--${job.state}`} data-testid={`job-${job.id}`} data-state={job.state}>
      <div className="job__head">
        <span className="job__title">{job.title}</span>
        <span className={`badge badge--${job.state}`}>{STATE_LABELS[job.state]}</span>
      </div>
      <div className="job__meta">
        <span className={`lane lane--${job.lane}`} title="Scheduling lane">
          {LANE_LABELS[job.lane] ?? job.lane}
        </span>
        <span title={job.createdAt}>{formatRelativeTime(job.createdAt)}</span>
        {job.attempts > 1 && (
          <span>
            attempt {job.attempts}/{job.maxAttempts}
          </span>
        )}
      </div>
      {showProgress && (
        <div className="job__progress">
          <progress
            max={100}
            value={percent}
            aria-valuenow={percent}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-label={`${job.title} progress`}
          />
          <span className="job__progress-text">
            {percent}%{job.progressMessage ? ` · ${job.progressMessage}` : ''}
          </span>
        </div>
      )}
      {job.state === 'failed' && job.error && (
        <p className="job__error" role="status">
          {job.error}
        </p>
      )}
      {(canCancel(job) || canRetry(job)) && (
        <div className="job__actions">
          {canCancel(job) && (
            <button type="button" className="btn btn--small" onClick={onCancel} disabled={pending}>
              Cancel
            </button>
          )}
          {canRetry(job) && (
            <button type="button" className="btn btn--small" onClick={onRetry} disabled={pending}>
              Retry
            </button>
          )}
        </div>
      )}
    </li>
  );
}
