import { Navigate } from 'react-router';
import { chooseWorkspace, readLastUsedWorkspace } from '../features/workspaces/selection';
import { useWorkspaceList } from '../features/workspaces/workspaceQueries';
import { workspaceAreaPath } from './areas';

/**
 * Where the app opens. It goes on to the workspace used last time (or the only one); with
 * several and no history it lets the person choose, and with none it explains how to start.
 * It re-decides whenever the list changes, so a workspace that disappears is replaced.
 */
export function StartPage() {
  const { data: workspaces } = useWorkspaceList();
  if (!workspaces) return null;
  const chosen = chooseWorkspace(workspaces, null, readLastUsedWorkspace());
  if (chosen) return <Navigate to={workspaceAreaPath(chosen)} replace />;
  return (
    <main className="empty-state empty-state--main" data-testid="empty-main">
      {workspaces.length > 0 ? (
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
