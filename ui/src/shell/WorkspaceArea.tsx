import { useEffect, useState } from 'react';
import { Outlet, useNavigate, useParams } from 'react-router';
import { readLastUsedWorkspace, rememberWorkspace } from '../features/workspaces/selection';
import { useWorkspaceList } from '../features/workspaces/workspaceQueries';
import { START_PATH } from './areas';
import { useShellContext } from './shellContext';
import type { WorkspaceContext } from './shellContext';

/**
 * Everything under `/w/:workspaceId`: resolves the workspace of the address against the
 * list, remembers it as the last used, and sends the person back to the start when it does
 * not exist (deleted, or an old link) — after the list has been re-read, never on a guess.
 */
export function WorkspaceArea() {
  const { workspaceId = '' } = useParams();
  const shell = useShellContext();
  const { showNotice } = shell;
  const navigate = useNavigate();
  const { data: workspaces, isFetching, refetch } = useWorkspaceList();
  const workspace = workspaces?.find((w) => w.id === workspaceId) ?? null;
  const notInList = workspaces !== undefined && workspace === null && !isFetching;
  // The cached list may predate the workspace (the CLI created it, or another window): read
  // it again once before calling the workspace gone.
  const [recheckedFor, setRecheckedFor] = useState<string | null>(null);
  useEffect(() => {
    if (!notInList || recheckedFor === workspaceId) return;
    void refetch().finally(() => setRecheckedFor(workspaceId));
  }, [notInList, recheckedFor, workspaceId, refetch]);
  const missing = notInList && recheckedFor === workspaceId;

  const resolvedId = workspace?.id ?? null;
  useEffect(() => {
    if (resolvedId) rememberWorkspace(resolvedId);
  }, [resolvedId]);

  useEffect(() => {
    if (!missing) return;
    // Forget it on purpose, so the start page does not pick it again.
    if (readLastUsedWorkspace() === workspaceId) rememberWorkspace(null);
    showNotice('That workspace no longer exists, so the list has been refreshed.');
    void navigate(START_PATH, { replace: true });
  }, [missing, workspaceId, showNotice, navigate]);

  if (!workspace) return null;
  const context: WorkspaceContext = { ...shell, workspace };
  return <Outlet context={context} />;
}
