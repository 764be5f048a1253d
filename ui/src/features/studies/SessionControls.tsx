import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/ErrorBanner';
import type { JobView, SessionCommandView, SessionSummaryView } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';
import { isPaused } from './SessionStatus';
import { useSessionCommand } from './studyQueries';
import { formatModelCost, parseDollarsToMicros } from '../models/cost';
import { useModelSpend } from '../models/modelQueries';
import { backend } from '../../ipc/backend';

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
      {paused && <BudgetRaise session={session} onRaised={() => send('resume')} />}
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

/**
 * The session's study budget while it is paused: what it has spent against its cap, and a new
 * cap that, once saved, resumes the session (a budget reached pauses a session; raising it is
 * how it goes on).
 */
function BudgetRaise({ session, onRaised }: { session: SessionSummaryView; onRaised: () => void }) {
  const id = useId();
  const queryClient = useQueryClient();
  const spend = useModelSpend(session.workspaceId, 30);
  const study = spend.data?.byStudy.find((s) => s.studyId === session.studyId) ?? null;
  const [dollars, setDollars] = useState('');
  const micros = parseDollarsToMicros(dollars);
  const raise = useMutation({
    mutationFn: (budget: string) => backend.setStudyBudget(session.studyId, budget),
    onSuccess: () => {
      setDollars('');
      void queryClient.invalidateQueries({ queryKey: queryKeys.spend(session.workspaceId, 30) });
      onRaised();
    },
  });
  if (spend.error !== null) {
    return <ErrorBanner error={spend.error} context="The session’s budget could not be read" onRetry={() => void spend.refetch()} />;
  }
  if (study === null || study.budgetMicros === null) return null;
  const above = micros !== null && BigInt(micros) > BigInt(study.spentMicros);
  return (
    <form
      className="session-controls__budget"
      onSubmit={(e) => {
        e.preventDefault();
        if (micros !== null && above) raise.mutate(micros);
      }}
      data-testid="budget-raise"
    >
      <p className="muted">
        This session has spent {formatModelCost(study.spentMicros)} of its {formatModelCost(study.budgetMicros)} budget.
      </p>
      <div className="field">
        <label htmlFor={`${id}-budget`}>New budget in dollars</label>
        <input id={`${id}-budget`} inputMode="decimal" value={dollars} onChange={(e) => setDollars(e.target.value)} placeholder="e.g. 5.00" data-testid="budget-input" />
      </div>
      <button type="submit" className="btn btn--primary" disabled={raise.isPending || !above} data-testid="raise-budget">
        Raise budget and resume
      </button>
      {dollars.trim() !== '' && !above && <p className="muted">{micros === null ? 'Enter an amount in dollars, such as 5 or 2.50.' : 'The new budget must be above what has been spent.'}</p>}
      {raise.error !== null && <ErrorBanner error={raise.error} context="The budget was not changed" onDismiss={raise.reset} />}
    </form>
  );
}
