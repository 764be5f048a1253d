import { useEffect, useState } from 'react';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatDateRange } from '../../format';
import { backend, isBackendError } from '../../ipc/backend';
import type { DateRange, JobView, WorkspaceSummary } from '../../ipc/backend';
import { isActive, progressPercent } from '../jobs/jobsState';
import { SpendPanel } from '../models/SpendPanel';
import { CampaignsTable } from './CampaignsTable';
import { DateRangeControl } from './DateRangeControl';
import { CurrencySections } from './CurrencySections';
import { activePreset, requestRange } from './dateRange';
import type { RangeSelection } from './dateRange';
import { useDashboard } from './useDashboard';

interface Props {
  workspace: WorkspaceSummary;
  /** Live job list, to show the progress of an export started here. */
  jobs: readonly JobView[];
  onJobStarted: (job: JobView) => void;
  /** The backend says this workspace no longer exists. */
  onWorkspaceGone: () => void;
  /** Something about the workspace itself changed (its model); reload the summary. */
  onWorkspaceChanged?: () => void;
  /** Days a link asked for (a copilot citation's query); the default range otherwise. */
  linkedRange?: DateRange | null;
}

export function Dashboard({
  workspace,
  jobs,
  onJobStarted,
  onWorkspaceGone,
  onWorkspaceChanged,
  linkedRange = null,
}: Props) {
  const [selection, setSelection] = useState<RangeSelection>(() =>
    linkedRange ? { kind: 'custom', range: linkedRange } : { kind: 'default' },
  );
  // Presets count back from the last day with data; the backend's answer is the fallback
  // anchor for workspaces whose summary doesn't carry a data range yet.
  const [anchor, setAnchor] = useState<string | null>(workspace.dataRange?.end ?? null);
  const { data, loading, error, refresh } = useDashboard(
    workspace.id,
    requestRange(selection, anchor),
  );

  useEffect(() => {
    if (!anchor && data) setAnchor(data.range.end);
  }, [anchor, data]);

  const gone = isBackendError(error) && error.kind === 'notFound';
  useEffect(() => {
    if (gone) onWorkspaceGone();
  }, [gone, onWorkspaceGone]);

  const [exportJobId, setExportJobId] = useState<string | null>(null);
  const [exportError, setExportError] = useState<unknown>(null);
  const [exportStarting, setExportStarting] = useState(false);
  const exportJob = jobs.find((j) => j.id === exportJobId);
  const runningExport = exportJob && isActive(exportJob) ? exportJob : null;

  async function startExport() {
    setExportStarting(true);
    setExportError(null);
    try {
      const job = await backend.startWorkspaceExport({ workspaceId: workspace.id });
      setExportJobId(job.id);
      onJobStarted(job);
    } catch (e) {
      setExportError(e);
    } finally {
      setExportStarting(false);
    }
  }

  return (
    <main className="dashboard" aria-busy={loading} aria-labelledby="dashboard-title">
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="dashboard-title">
            {workspace.name}
            {workspace.isDemo && <span className="badge badge--demo">Demo</span>}
          </h1>
          <p className="muted">
            {workspace.brand} · {workspace.currency} · {workspace.timeZone.replace(/_/g, ' ')}
            {data && (
              <>
                {' · '}
                <span data-testid="dashboard-range">{formatDateRange(data.range)}</span>
              </>
            )}
          </p>
        </div>
        <div className="dashboard__actions">
          <DateRangeControl
            shownRange={data?.range ?? null}
            dataRange={workspace.dataRange}
            activePreset={activePreset(selection)}
            onPreset={(days) => setSelection({ kind: 'preset', days })}
            onCustom={(range) => setSelection({ kind: 'custom', range })}
          />
          <button
            type="button"
            className="btn"
            onClick={() => void startExport()}
            disabled={exportStarting || runningExport !== null}
          >
            {runningExport
              ? `Exporting… ${progressPercent(runningExport)}%`
              : 'Export workspace'}
          </button>
        </div>
      </header>

      {exportError !== null && (
        <ErrorBanner
          error={exportError}
          context="Could not start the export"
          onDismiss={() => setExportError(null)}
        />
      )}
      {error !== null && !gone && (
        <ErrorBanner error={error} context="Loading the dashboard" onRetry={refresh} />
      )}

      {data === null ? (
        loading && <p className="empty-hint">Loading dashboard…</p>
      ) : (
        <div className={loading ? 'dashboard__body is-refreshing' : 'dashboard__body'}>
          {data.campaigns.length === 0 && data.sections.every((s) => s.series.length === 0) && (
            <div className="empty-state">
              <p>
                <strong>No ad data in this range.</strong>
              </p>
              <p>
                Pick a different date range, or import data for this workspace. Demo
                workspaces come with sample data.
              </p>
            </div>
          )}
          <CurrencySections sections={data.sections} previousRange={data.previousRange} />
          <CampaignsTable campaigns={data.campaigns} />
          <SpendPanel workspace={workspace} onWorkspaceChanged={onWorkspaceChanged} />
        </div>
      )}
    </main>
  );
}
