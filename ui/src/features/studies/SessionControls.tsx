import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/ErrorBanner';
import type { JobView, SessionCommandView, SessionSummaryView } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';
import { isPaused } from './SessionStatus';
import { useSessionCommand } from './studyQueries';

/**
 * Pause, Resume, speaking as the moderator, and (in a focus group) probes and skipping a
 * section. Commands take effect between turns; the status line follows the session's events.
 */
export function SessionControls({ session, onJobStarted }: { session: SessionSummaryView; onJobStarted: (job: JobView) => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const command = useSessionCommand(onJobStarted);
  const [text, setText] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const ended = session.status === 'completed' || session.status === 'cancelled';
  const paused = isPaused(session);
  const canResume = paused || session.status === 'failed';
  const canPause = !canResume && (session.status === 'running' || session.status === 'scheduled');
  const focusGroup = session.kind === 'focus_group';

  const send = (kind: SessionCommandView, words = '') =>
    command.mutate(
      { sessionId: session.id, command: kind, text: words },
      {
        onSuccess: () => {
          setSent(CONFIRMATIONS[kind]);
          if (kind === 'speak' || kind === 'probe') setText('');
          void queryClient.invalidateQueries({ queryKey: queryKeys.session(session.id) });
        },
      },
    );

  const speak = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) send('speak', text.trim());
  };

  if (ended) return null;
  return (
    <section className="card session-controls" aria-label="Session controls">
      <div className="session-controls__buttons">
        {canPause && (
          <button type="button" className="btn" onClick={() => send('pause')} disabled={command.isPending} data-testid="pause-session">
            Pause
          </button>
        )}
        {canResume && (
          <button type="button" className="btn btn--primary" onClick={() => send('resume')} disabled={command.isPending} data-testid="resume-session">
            Resume
          </button>
        )}
        {focusGroup && (
          <button type="button" className="btn" onClick={() => send('skip')} disabled={command.isPending} data-testid="skip-section">
            Skip section
          </button>
        )}
      </div>
      <form className="session-controls__speak" onSubmit={speak}>
        <div className="field">
          <label htmlFor={`${id}-speak`}>{focusGroup ? 'Speak as the moderator, or add a probe' : 'Ask another question'}</label>
          <input
            id={`${id}-speak`}
            value={text}
            maxLength={500}
            onChange={(e) => setText(e.target.value)}
            placeholder={focusGroup ? 'What would you like to ask the group?' : 'Your question'}
            data-testid="moderator-text"
          />
        </div>
        <button type="submit" className="btn btn--primary" disabled={command.isPending || !text.trim()} data-testid="speak-as-moderator">
          {focusGroup ? 'Speak as moderator' : 'Ask'}
        </button>
        {focusGroup && (
          <button
            type="button"
            className="btn"
            onClick={() => text.trim() && send('probe', text.trim())}
            disabled={command.isPending || !text.trim()}
            data-testid="add-probe"
          >
            Add probe
          </button>
        )}
      </form>
      {sent && command.error === null && (
        <p className="muted" role="status" data-testid="command-sent">
          {sent}
        </p>
      )}
      {command.error !== null && <ErrorBanner error={command.error} context="The session did not take that" onDismiss={command.reset} />}
    </section>
  );
}

const CONFIRMATIONS: Record<SessionCommandView, string> = {
  pause: 'Pausing after the current turn.',
  resume: 'Resuming.',
  speak: 'Your words come in at the next turn.',
  probe: 'The moderator will use your probe next.',
  skip: 'Moving on to the next section after this turn.',
};
