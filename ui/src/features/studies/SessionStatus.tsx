import type { SessionSummaryView } from '../../ipc/backend';

/** The session's state in plain words: paused says why, failed says what went wrong. */
export function describeStatus(session: Pick<SessionSummaryView, 'status' | 'pausedReason' | 'failure'>): {
  tone: 'running' | 'paused' | 'done' | 'failed' | 'waiting';
  text: string;
} {
  if (session.status === 'failed') {
    return { tone: 'failed', text: `Failed — ${session.failure ?? 'no reason was recorded'}` };
  }
  if (isPaused(session)) return { tone: 'paused', text: `Paused — ${session.pausedReason}` };
  switch (session.status) {
    case 'scheduled':
      return { tone: 'waiting', text: 'Waiting to start' };
    case 'running':
      return { tone: 'running', text: 'Running' };
    case 'completed':
      return { tone: 'done', text: 'Completed' };
    case 'cancelled':
      return { tone: 'done', text: 'Cancelled' };
  }
}

export function isPaused(session: Pick<SessionSummaryView, 'status' | 'pausedReason'>): boolean {
  return session.pausedReason !== null && (session.status === 'scheduled' || session.status === 'running');
}

export function SessionStatusText({ session }: { session: SessionSummaryView }) {
  const { tone, text } = describeStatus(session);
  return (
    <span className={`session-status session-status--${tone}`} data-testid="session-status" data-status={session.status}>
      {text}
    </span>
  );
}
