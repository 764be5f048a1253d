import type { JobView, WorkspaceSummary } from '../../ipc/backend';

const LAST_USED_KEY = 'profitwheel.lastWorkspaceId';

export function readLastUsedWorkspace(): string | null {
  try {
    return localStorage.getItem(LAST_USED_KEY);
  } catch {
    return null; // storage disabled: we just don't remember the last workspace
  }
}

export function rememberWorkspace(id: string | null): void {
  try {
    if (id) localStorage.setItem(LAST_USED_KEY, id);
    else localStorage.removeItem(LAST_USED_KEY);
  } catch {
    // see readLastUsedWorkspace
  }
}

/**
 * Which workspace to show after the list (re)loads: keep the current one while it exists,
 * else the one used last time, else the only one. With several and no history we let the
 * user choose rather than guess.
 */
export function chooseWorkspace(
  workspaces: readonly WorkspaceSummary[],
  currentId: string | null,
  lastUsedId: string | null,
): string | null {
  const exists = (id: string | null) => id !== null && workspaces.some((w) => w.id === id);
  if (exists(currentId)) return currentId;
  if (exists(lastUsedId)) return lastUsedId;
  if (workspaces.length === 1) return workspaces[0].id;
  return null;
}

/**
 * The workspace a finished demo job made: the one the job names, else the newest demo
 * workspace (a job record written before jobs carried a workspace id names none).
 */
export function workspaceCreatedByDemoJob(
  workspaces: readonly WorkspaceSummary[],
  job: Pick<JobView, 'workspaceId'>,
): WorkspaceSummary | null {
  return (
    workspaces.find((w) => w.id === job.workspaceId) ??
    [...workspaces]
      .filter((w) => w.isDemo)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0] ??
    null
  );
}
