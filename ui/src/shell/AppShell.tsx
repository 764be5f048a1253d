import { useCallback, useMemo, useState } from 'react';
import { Outlet, useMatch, useNavigate } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ThemeToggle } from '../components/ThemeToggle';
import { CopilotPanel } from '../features/agents/CopilotPanel';
import { JobsPanel } from '../features/jobs/JobsPanel';
import { DECK_DELIVERY_JOB_KIND, DEMO_JOB_KIND, isActive } from '../features/jobs/jobsState';
import { useJobs } from '../features/jobs/useJobs';
import { WorkspaceSidebar } from '../features/workspaces/WorkspaceSidebar';
import {
  readLastUsedWorkspace,
  workspaceCreatedByDemoJob,
} from '../features/workspaces/selection';
import { useWorkspaceList } from '../features/workspaces/workspaceQueries';
import { backend } from '../ipc/backend';
import type { JobView, WorkspaceSummary } from '../ipc/backend';
import { queryKeys } from '../serverState/queryKeys';
import { AreaNav } from './AreaNav';
import { workspaceAreaPath } from './areas';
import type { ShellContext } from './shellContext';
import './shell.css';

/**
 * The frame around every screen: header, areas and workspaces on the left, the screen of
 * the address in the middle, jobs on the right. It owns what outlives a screen: the job
 * list and its events, starting the demo, and notices.
 */
export function AppShell() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const workspaceInAddress = useMatch('/w/:workspaceId/*')?.params.workspaceId ?? null;
  const workspacesQuery = useWorkspaceList();
  const workspaces = workspacesQuery.data ?? null;
  const [notice, setNotice] = useState<string | null>(null);
  // The copilot stays open across the screens of one workspace.
  const [copilotFor, setCopilotFor] = useState<string | null>(null);
  const copilotOpen = copilotFor !== null && copilotFor === workspaceInAddress;

  const openWorkspace = useCallback(
    (id: string) => void navigate(workspaceAreaPath(id)),
    [navigate],
  );

  const onJobSucceeded = useCallback(
    (job: JobView) => {
      // A delivery is told where it went (a failed one stays in the jobs panel with why).
      if (job.kind === DECK_DELIVERY_JOB_KIND) {
        setNotice(`${job.title}: ${job.progressMessage ?? 'delivered'}.`);
        return;
      }
      if (job.kind !== DEMO_JOB_KIND) return;
      // The job layer has re-read the workspace list by the time it tells us.
      const list = queryClient.getQueryData<WorkspaceSummary[]>(queryKeys.workspaces) ?? [];
      const created = workspaceCreatedByDemoJob(list, job);
      if (created) openWorkspace(created.id);
    },
    [queryClient, openWorkspace],
  );

  const jobs = useJobs({ onSucceeded: onJobSucceeded });
  const { track } = jobs;
  const startDemo = useMutation({
    mutationFn: () => backend.startDemoWorkspace(),
    onSuccess: track,
  });

  const demoInProgress = useMemo(
    () => jobs.jobs.some((j) => j.kind === DEMO_JOB_KIND && isActive(j)),
    [jobs.jobs],
  );

  // Workspace areas opened from elsewhere (e.g. from Models & keys) go back to the
  // workspace used last, as long as it still exists.
  const lastUsed = readLastUsedWorkspace();
  const navWorkspaceId =
    workspaceInAddress ?? (workspaces?.some((w) => w.id === lastUsed) ? lastUsed : null);

  const context: ShellContext = useMemo(
    () => ({ jobs: jobs.jobs, trackJob: track, showNotice: setNotice }),
    [jobs.jobs, track],
  );

  return (
    <div className="app">
      <header className="app-header">
        <span className="app-header__brand">ProfitWheel</span>
        <span className="app-header__tagline">Local-first marketing research</span>
        <span className="app-header__spacer" />
        {workspaceInAddress !== null && (
          <button
            type="button"
            className="btn btn--small"
            aria-pressed={copilotOpen}
            onClick={() => setCopilotFor(copilotOpen ? null : workspaceInAddress)}
            data-testid="open-copilot"
          >
            Ask the copilot
          </button>
        )}
        <ThemeToggle />
      </header>

      <div className="sidebar">
        <AreaNav workspaceId={navWorkspaceId} />
        <WorkspaceSidebar
          workspaces={workspaces}
          loading={workspacesQuery.isFetching}
          error={workspacesQuery.error}
          onReload={() => void workspacesQuery.refetch()}
          selectedId={workspaceInAddress}
          onSelect={(id) => {
            setNotice(null);
            openWorkspace(id);
          }}
          onCreated={(ws) => openWorkspace(ws.id)}
          onCreateDemo={() => startDemo.mutate()}
          demoInProgress={demoInProgress}
          demoError={startDemo.error}
          onDismissDemoError={startDemo.reset}
        />
      </div>

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
        <Outlet context={context} />
      </div>

      <JobsPanel controller={jobs} />
      {copilotOpen && workspaceInAddress !== null && (
        <CopilotPanel
          key={workspaceInAddress}
          workspaceId={workspaceInAddress}
          onClose={() => setCopilotFor(null)}
        />
      )}
    </div>
  );
}
