import { useState } from 'react';
import type { ActView, TurnView } from '../../ipc/backend';
import type { PendingTurn } from './useLiveTranscript';

const ACT_LABELS: Partial<Record<ActView, string>> = {
  probe: 'Probe',
  draw_in: 'Draw-in',
  interjection: 'Interjection',
  transition: 'Next section',
  closing: 'Closing',
};

export function speakerLabel(turn: Pick<TurnView, 'speaker' | 'twinName'>): string {
  if (turn.speaker === 'moderator') return 'Moderator';
  if (turn.speaker === 'researcher') return 'You (as moderator)';
  return turn.twinName ?? 'Participant';
}

/** One stored turn, with what happened to it: a caught first draft, no answer, a probe. */
export function TranscriptTurn({ turn, highlighted }: { turn: TurnView; highlighted?: boolean }) {
  const [showCatch, setShowCatch] = useState(false);
  const act = ACT_LABELS[turn.act];
  const caught = turn.adherence === 'caught';
  return (
    <li
      id={`turn-${turn.seq}`}
      className={`turn turn--${turn.speaker}${highlighted ? ' turn--highlighted' : ''}`}
      data-testid="transcript-turn"
      data-seq={turn.seq}
      aria-current={highlighted ? 'true' : undefined}
    >
      <div className="turn__head">
        <strong className="turn__speaker">{speakerLabel(turn)}</strong>
        <span className="muted turn__number">turn {turn.seq + 1}</span>
        {act && (
          <span className="badge turn__act" data-testid="turn-act">
            {act}
          </span>
        )}
        {caught && (
          <button
            type="button"
            className="badge badge--warn turn__caught"
            onClick={() => setShowCatch(!showCatch)}
            aria-expanded={showCatch}
            data-testid="turn-caught"
            title="The persona check caught the first draft and the twin answered again"
          >
            Persona check caught a draft
          </button>
        )}
      </div>
      {turn.act === 'non_response' ? (
        <p className="turn__text turn__text--none" data-testid="turn-non-response">
          No answer — the model gave nothing usable.
        </p>
      ) : (
        <p className="turn__text">{turn.says}</p>
      )}
      {caught && showCatch && (
        <div className="turn__catch" data-testid="turn-catch-detail">
          {turn.catchReason && (
            <p>
              <span className="muted">Why it was caught:</span> {turn.catchReason}
            </p>
          )}
          {turn.rejected && (
            <blockquote>
              <span className="muted">The draft it replaced:</span> {turn.rejected}
            </blockquote>
          )}
        </div>
      )}
    </li>
  );
}

/** The turn being written, as the tokens stream in. */
export function PendingTurnView({ pending }: { pending: PendingTurn }) {
  const name =
    pending.speaker === 'moderator' ? 'Moderator' : pending.speaker === 'researcher' ? 'You (as moderator)' : (pending.name ?? 'Participant');
  return (
    <li className="turn turn--pending" data-testid="pending-turn" aria-live="polite" aria-busy="true">
      <div className="turn__head">
        <strong className="turn__speaker">{name}</strong>
        <span className="muted">{pending.restarts > 0 ? 'answering again…' : 'is speaking…'}</span>
        {pending.speaker === 'twin' && (
          <span className="badge" title="Checked against the twin's profile and memories once the answer is complete; it may be cut or answered again" data-testid="pending-unchecked">
            not yet checked
          </span>
        )}
      </div>
      <p className="turn__text" data-testid="pending-text">
        {pending.text}
        <span className="turn__cursor" aria-hidden="true" />
      </p>
    </li>
  );
}
