import { useCallback, useEffect, useMemo, useState } from 'react';
import { ThemeToggle } from './components/ThemeToggle';
import { Dashboard } from './features/dashboard/Dashboard';
import { JobsPanel } from './features/jobs/JobsPanel';
import { ModelSettings } from './features/models/ModelSettings';
import { DEMO_JOB_KIND, isActive } from './features/jobs/jobsState';
import { useJobs } from './features/jobs/useJobs';
import { WorkspaceSidebar } from './features/workspaces/WorkspaceSidebar';
import {
  chooseWorkspace,
  readLastUsedWorkspace,
  rememberWorkspace,
} from './features/workspaces/selection';
import { useWorkspaces } from './features/workspaces/useWorkspaces';
import { backend } from './ipc/backend';
import type { JobView, WorkspaceSummary } from './ipc/backend';

export function App() {
  const { workspaces, loading, error, reload } = useWorkspaces();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [demoError, setDemoError] = useState<unknown>(null);
  const [view, setView] = useState<'workspace' | 'models'>('workspace');

  const select = useCallback((id: string | null) => {
    setSelectedId(id);
    // Forget a workspace only on purpose (it was deleted); auto-selection never clears it.
    if (id === null) rememberWorkspace(null);
  }, []);

  useEffect(() => {
    if (selectedId) rememberWorkspace(selectedId);
  }, [selectedId]);

  // Re-evaluate the selection whenever the list changes (first load, creation, deletion).
  useEffect(() => {
    if (workspaces) {
      setSelectedId((current) => chooseWorkspace(workspaces, current, readLastUsedWorkspace()));
    }
  }, [workspaces]);

  const onJobSucceeded = useCallback(
    async (job: JobView) => {
      if (job.kind !== DEMO_JOB_KIND) return;
      const list = await reload();
      if (!list) return;
      // Prefer the id the job reports; fall back to the newest demo workspace.
      const created =
        list.find((w) => w.id === job.workspaceId) ??
        [...list].filter((w) => w.isDemo).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
      if (created) select(created.id);
    },
    [reload, select],
  );

  const jobs = useJobs({ onSucceeded: onJobSucceeded });
  const { track } = jobs;

  const demoInProgress = useMemo(
    () => jobs.jobs.some((j) => j.kind === DEMO_JOB_KIND && isActive(j)),
    [jobs.jobs],
  );

  const createDemo = useCallback(async () => {
    setDemoError(null);
    try {
      track(await backend.startDemoWorkspace());
    } catch (e) {
      setDemoError(e);
    }
  }, [track]);

  const onCreated = useCallback(
    async (ws: WorkspaceSummary) => {
      select(ws.id);
      await reload();
    },
    [reload, select],
  );

  const onWorkspaceGone = useCallback(() => {
    setNotice('That workspace no longer exists, so the list has been refreshed.');
    select(null);
    void reload();
  }, [reload, select]);

  const selected = workspaces?.find((w) => w.id === selectedId) ?? null;

  return (
    <div className="app">
      <header className="app-header">
        <span className="app-header__brand">ProfitWheel</span>
        <span className="app-header__tagline">Local-first marketing research</span>
        <span className="app-header__spacer" />
        <button
          type="button"
          className="btn btn--small"
          aria-pressed={view === 'models'}
          onClick={() => setView((v) => (v === 'models' ? 'workspace' : 'models'))}
          data-testid="models-button"
        >
          {view === 'models' ? 'Back to workspace' : 'Models & keys'}
        </button>
        <ThemeToggle />
      </header>

      <WorkspaceSidebar
        workspaces={workspaces}
        loading={loading}
        error={error}
        onReload={() => void reload()}
        selectedId={selectedId}
        onSelect={(id) => {
          setNotice(null);
          setView('workspace');
          select(id);
        }}
        onCreated={(ws) => void onCreated(ws)}
        onCreateDemo={() => void createDemo()}
        demoInProgress={demoInProgress}
        demoError={demoError}
        onDismissDemoError={() => setDemoError(null)}
      />

      <div className="main-area">
        {notice && (
          <div className="banner banner--info" role="status">
            <span className="banner__text">{notice}</span>
            <button
              type="button"
              className="btn btn--small btn--ghost"
              onClick={() => setNotice(null)}
              aria-label="Dismiss"
            >
              ×
            </button>
          </div>
        )}
        {view === 'models' ? (
          <ModelSettings jobs={jobs.jobs} onJobStarted={track} />
        ) : selected ? (
          <Dashboard
            key={selected.id}
            workspace={selected}
            jobs={jobs.jobs}
            onJobStarted={track}
            onWorkspaceGone={onWorkspaceGone}
            onWorkspaceChanged={() => void reload()}
          />
        ) : (
          <EmptyMain hasWorkspaces={(workspaces?.length ?? 0) > 0} loading={workspaces === null} />
        )}
      </div>

      <JobsPanel controller={jobs} />
    </div>
  );
}

function EmptyMain({ hasWorkspaces, loading }: { hasWorkspaces: boolean; loading: boolean }) {
  if (loading) return null;
  return (
    <main className="empty-state empty-state--main" data-testid="empty-main">
      {hasWorkspaces ? (
        <>
          <h1>Choose a workspace</h1>
          <p>Select a workspace on the left to see its ad performance.</p>
        </>
      ) : (
        <>
          <h1>Welcome to ProfitWheel</h1>
          <p>
            Everything stays on this computer. To get started, click{' '}
            <strong>Create demo workspace</strong> to explore a realistic sample brand across
            Meta, Google Ads, TikTok and more — its progress shows in the Jobs panel — or create
            an empty workspace with <strong>New workspace</strong>.
          </p>
        </>
      )}
    </main>
  );
}
