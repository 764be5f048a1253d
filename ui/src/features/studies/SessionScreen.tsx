import { useEffect, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import { isZeroMicros } from '../../format';
import { formatModelCost } from '../models/cost';
import type { JobView, WorkspaceSummary } from '../../ipc/backend';
import { FocusGroupRoom } from './FocusGroupRoom';
import { InterviewView } from './InterviewView';
import { ManifestPanel } from './ManifestPanel';
import { ReplayPanel } from './ReplayPanel';
import { SessionStatusText } from './SessionStatus';
import { KIND_LABELS } from './StudiesScreen';
import { studiesPath, useReplaySession, useSession } from './studyQueries';
import { useLiveTranscript, visiblePending } from './useLiveTranscript';
import './studies.css';

/** A focus group's room or an interview, live while it runs; `#turn-<seq>` marks one turn. */
export function SessionScreen({ workspace, onJobStarted }: { workspace: WorkspaceSummary; onJobStarted: (job: JobView) => void }) {
  const { sessionId = '' } = useParams();
  const { hash } = useLocation();
  const detail = useSession(sessionId);
  const live = useLiveTranscript(sessionId, workspace.id);
  const match = /^#turn-(\d+)$/.exec(hash);
  const highlightSeq = match ? Number(match[1]) : null;
  const loaded = detail.data !== undefined;
  const replay = useReplaySession(sessionId);
  const [showReplay, setShowReplay] = useState(false);
  const resetReplay = replay.reset;
  // A replay belongs to the session it was run on.
  useEffect(() => {
    setShowReplay(false);
    resetReplay();
  }, [sessionId, resetReplay]);

  useEffect(() => {
    if (highlightSeq === null || !loaded) return;
    document.getElementById(`turn-${highlightSeq}`)?.scrollIntoView?.({ block: 'center' });
  }, [highlightSeq, loaded]);

  const data = detail.data;
  const pending = data ? visiblePending(live.pending, data.turns.map((t) => t.seq)) : null;
  return (
    <main className="studies-screen" aria-labelledby="session-title">
      <Link to={studiesPath(workspace.id)} className="btn btn--small btn--ghost studies-back">
        ← All studies
      </Link>
      {detail.error !== null && (
        <ErrorBanner error={detail.error} context="Loading the session" onRetry={() => void detail.refetch()} />
      )}
      {live.error !== null && <ErrorBanner error={live.error} context="Live updates are off; reopen the session to see new turns" />}
      {data === undefined ? (
        detail.isFetching && <p className="empty-hint">Loading the session…</p>
      ) : (
        <>
          <header className="dashboard__header">
            <div className="dashboard__title">
              <h1 id="session-title">{data.session.title}</h1>
              <p className="session-meta">
                <span className="badge">{KIND_LABELS[data.session.kind]}</span> <SessionStatusText session={data.session} />
                {data.estimatedCostMicros !== null && (
                  <span className="muted">
                    {' '}
                    ·{' '}
                    {isZeroMicros(data.estimatedCostMicros)
                      ? 'runs on this computer, at no cost'
                      : `estimated ${formatModelCost(data.estimatedCostMicros)}`}
                  </span>
                )}
              </p>
            </div>
            <div className="dashboard__actions">
              {data.session.status !== 'running' && data.turns.length > 0 && (
                <button
                  type="button"
                  className="btn"
                  disabled={replay.isPending}
                  onClick={() => replay.mutate(undefined, { onSuccess: () => setShowReplay(true) })}
                  title="Ask every model call this session made again, from the response cache: no model is called and nothing is spent"
                  data-testid="replay-session"
                >
                  {replay.isPending ? 'Replaying…' : 'Replay from cache'}
                </button>
              )}
              {data.session.status === 'completed' && (
                <Link className="btn btn--primary" to={studiesPath(workspace.id, `${encodeURIComponent(sessionId)}/insights`)} data-testid="insights-link">
                  Insights
                </Link>
              )}
            </div>
          </header>
          {replay.error !== null && (
            <ErrorBanner error={replay.error} context="Replaying the session" onRetry={() => replay.mutate(undefined, { onSuccess: () => setShowReplay(true) })} />
          )}
          {showReplay && replay.data !== undefined && <ReplayPanel
              replay={replay.data}
              turnPath={(seq) => `${studiesPath(workspace.id, encodeURIComponent(sessionId))}#turn-${seq}`}
              onClose={() => setShowReplay(false)}
            />}
          {data.session.kind === 'focus_group' ? (
            <FocusGroupRoom detail={data} pending={pending} highlightSeq={highlightSeq} onJobStarted={onJobStarted} />
          ) : (
            <InterviewView detail={data} pending={pending} highlightSeq={highlightSeq} onJobStarted={onJobStarted} />
          )}
          <ManifestPanel session={data.session} manifest={data.manifest} />
        </>
      )}
    </main>
  );
}
