import { Link } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatRelativeTime } from '../../format';
import type { SessionSummaryView, WorkspaceSummary } from '../../ipc/backend';
import { SessionStatusText } from './SessionStatus';
import { studiesPath, useSessions } from './studyQueries';
import './studies.css';

export const KIND_LABELS = { focus_group: 'Focus group', interview: 'Interview' } as const;

/** Every focus group and interview of a workspace, newest first. */
export function StudiesScreen({ workspace }: { workspace: WorkspaceSummary }) {
  const sessions = useSessions(workspace.id);
  const list = sessions.data ? [...sessions.data].sort((a, b) => b.createdAt.localeCompare(a.createdAt)) : null;
  return (
    <main className="studies-screen" aria-labelledby="studies-title">
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="studies-title">Studies</h1>
          <p className="muted">Focus groups and interviews with your twins, and the insights written from them.</p>
        </div>
        <div className="dashboard__actions">
          <Link className="btn btn--primary" to={studiesPath(workspace.id, 'new-focus-group')} data-testid="new-focus-group">
            New focus group
          </Link>
          <Link className="btn" to={studiesPath(workspace.id, 'new-interview')} data-testid="new-interview">
            New interview
          </Link>
        </div>
      </header>
      {sessions.error !== null && (
        <ErrorBanner error={sessions.error} context="Loading the studies" onRetry={() => void sessions.refetch()} />
      )}
      {list === null ? (
        sessions.isFetching && <p className="empty-hint">Loading studies…</p>
      ) : list.length === 0 ? (
        <div className="empty-state" data-testid="studies-empty">
          <p>
            <strong>No studies yet.</strong>
          </p>
          <p>Run a focus group with two or more twins, or interview one of them.</p>
        </div>
      ) : (
        <ul className="session-list" aria-label="Studies of this workspace">
          {list.map((s) => (
            <SessionItem key={s.id} session={s} workspaceId={workspace.id} />
          ))}
        </ul>
      )}
    </main>
  );
}

function SessionItem({ session, workspaceId }: { session: SessionSummaryView; workspaceId: string }) {
  return (
    <li>
      <Link to={studiesPath(workspaceId, encodeURIComponent(session.id))} className="session-item" data-testid="session-item" data-session-id={session.id}>
        <span className="session-item__head">
          <span className="badge">{KIND_LABELS[session.kind]}</span>
          <span className="session-item__title">{session.title}</span>
        </span>
        <SessionStatusText session={session} />
        <span className="muted">
          {session.participants.map((p) => p.name).join(', ') || 'No participants'} · {formatRelativeTime(session.createdAt)}
        </span>
      </Link>
    </li>
  );
}
