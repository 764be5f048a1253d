import { ErrorBanner } from '../../components/ErrorBanner';
import type { WorkspaceSummary } from '../../ipc/backend';
import { NewWorkspaceForm } from './NewWorkspaceForm';

interface Props {
  workspaces: WorkspaceSummary[] | null;
  loading: boolean;
  error: unknown;
  onReload: () => void;
  selectedId: string | null;
  onSelect: (id: string) => void;
  onCreated: (ws: WorkspaceSummary) => void;
  onCreateDemo: () => void;
  /** A demo generation job is queued or running: a second one would only conflict. */
  demoInProgress: boolean;
  demoError: unknown;
  onDismissDemoError: () => void;
}

export function WorkspaceSidebar(props: Props) {
  const { workspaces, loading, error, selectedId, onSelect } = props;
  const count = workspaces?.length ?? 0;

  return (
    <nav className="workspace-switcher" aria-labelledby="workspaces-heading">
      <header className="panel-header">
        <h2 id="workspaces-heading">Workspaces</h2>
      </header>

      {error !== null && (
        <ErrorBanner error={error} context="Loading workspaces" onRetry={props.onReload} />
      )}

      {workspaces === null && loading && <p className="empty-hint">Loading workspaces…</p>}

      {workspaces !== null && count === 0 && (
        <div className="empty-state empty-state--compact">
          <p>
            <strong>No workspaces yet.</strong>
          </p>
          <p>
            A workspace holds one brand's ad accounts and campaign data. Create a demo workspace
            to explore with realistic sample data, or start an empty one below.
          </p>
        </div>
      )}

      {count > 0 && (
        <ul className="workspace-list">
          {workspaces?.map((ws) => (
            <li key={ws.id}>
              <button
                type="button"
                className="workspace-item"
                aria-current={ws.id === selectedId ? 'true' : undefined}
                onClick={() => onSelect(ws.id)}
                data-testid={`workspace-${ws.id}`}
              >
                <span className="workspace-item__name">
                  {ws.name}
                  {ws.isDemo && <span className="badge badge--demo">Demo</span>}
                </span>
                <span className="workspace-item__meta">
                  {ws.brand} · {ws.campaignCount}{' '}
                  {ws.campaignCount === 1 ? 'campaign' : 'campaigns'}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}

      <div className="sidebar__actions">
        <button
          type="button"
          className="btn btn--primary btn--block"
          onClick={props.onCreateDemo}
          disabled={props.demoInProgress}
        >
          {props.demoInProgress ? 'Generating demo…' : 'Create demo workspace'}
        </button>
        {props.demoError !== null && (
          <ErrorBanner
            error={props.demoError}
            context="Could not start the demo"
            onDismiss={props.onDismissDemoError}
          />
        )}
        <details className="new-workspace-details" open={count === 0 ? true : undefined}>
          <summary>New workspace</summary>
          <NewWorkspaceForm onCreated={props.onCreated} />
        </details>
      </div>
    </nav>
  );
}
