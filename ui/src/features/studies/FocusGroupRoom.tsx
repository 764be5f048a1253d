import type { JobView, SessionDetailView } from '../../ipc/backend';
import { DiagnosticsPanel, TurnShareChart } from './DiagnosticsPanel';
import { PendingTurnView, TranscriptTurn } from './TranscriptTurn';
import type { PendingTurn } from './useLiveTranscript';
import { SessionControls } from './SessionControls';

/** A focus group as it runs: the transcript with the turn being written, and beside it who spoke, the guide's progress and how the group behaved. */
export function FocusGroupRoom({
  detail,
  pending,
  highlightSeq,
  onJobStarted,
}: {
  detail: SessionDetailView;
  pending: PendingTurn | null;
  highlightSeq: number | null;
  onJobStarted: (job: JobView) => void;
}) {
  const { session } = detail;
  return (
    <div className="room">
      <div className="room__main">
        <SessionControls session={session} onJobStarted={onJobStarted} />
        <section className="card" aria-labelledby="transcript-title">
          <header className="card__header">
            <h3 id="transcript-title">Transcript</h3>
            <span className="muted">{detail.turns.length} turns</span>
          </header>
          {detail.turns.length === 0 && !pending && <p className="empty-hint">The moderator opens the session in a moment.</p>}
          <ol className="transcript" data-testid="transcript">
            {detail.turns.map((t) => (
              <TranscriptTurn key={t.id} turn={t} highlighted={t.seq === highlightSeq} />
            ))}
            {pending && <PendingTurnView pending={pending} />}
          </ol>
        </section>
      </div>
      <aside className="room__side">
        <section className="card" aria-labelledby="participants-panel-title">
          <header className="card__header">
            <h3 id="participants-panel-title">Participants</h3>
          </header>
          {detail.diagnostics && detail.diagnostics.participants.length > 0 ? (
            <TurnShareChart diagnostics={detail.diagnostics} />
          ) : (
            <ul className="plain-list">
              {session.participants.map((p) => (
                <li key={p.twinId}>{p.name}</li>
              ))}
            </ul>
          )}
        </section>
        {detail.sections.length > 0 && (
          <section className="card" aria-labelledby="guide-progress-title">
            <header className="card__header">
              <h3 id="guide-progress-title">Guide</h3>
            </header>
            <ol className="guide-progress" data-testid="guide-progress">
              {detail.sections.map((name, i) => {
                const state =
                  session.status === 'completed' || i < session.section ? 'done' : i === session.section ? 'ongoing' : 'upcoming';
                return (
                  <li key={name} className={`guide-progress__item guide-progress__item--${state}`} data-state={state} aria-current={state === 'ongoing' ? 'step' : undefined}>
                    <span className="guide-progress__name">{name}</span>
                    <span className="muted">{state === 'done' ? 'done' : state === 'ongoing' ? 'ongoing' : ''}</span>
                  </li>
                );
              })}
            </ol>
          </section>
        )}
        <DiagnosticsPanel diagnostics={detail.diagnostics} adherence={detail.adherence} agreement={detail.agreement} />
      </aside>
    </div>
  );
}
