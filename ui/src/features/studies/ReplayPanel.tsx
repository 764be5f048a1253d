import { Link } from 'react-router';
import type { ReplayView } from '../../ipc/backend';

const PURPOSES: Record<ReplayView['missing'][number]['purpose'], string> = {
  reply: 'reply',
  check: 'persona check',
  urges: 'urges to speak',
  judgement: "moderator's judgement",
};

/**
 * What a replay from the response cache found: how many of the session's model calls came back
 * exactly (no model was called), and how many of the twins' answers trace word for word to a
 * replayed reply. Anything that did not is listed by turn, so the user can open it.
 */
export function ReplayPanel({ replay, turnPath, onClose }: { replay: ReplayView; turnPath: (seq: number) => string; onClose: () => void }) {
  const reproducedShare = replay.calls === 0 ? 0 : replay.reproduced / replay.calls;
  const tracedShare = replay.answers === 0 ? 0 : replay.traced / replay.answers;
  const whole = replay.calls > 0 && replay.reproduced === replay.calls && replay.traced === replay.answers;
  const problems = [...replay.differing.map((c) => ({ ...c, what: 'answered differently' })), ...replay.missing.map((c) => ({ ...c, what: 'not in the cache' }))];
  return (
    <section className="card replay-panel" aria-label="Replay from the cache" data-testid="replay-panel" data-whole={whole}>
      <header className="replay-panel__header">
        <h2>Replay from the cache</h2>
        <button type="button" className="btn btn--small btn--ghost" onClick={onClose}>
          Close
        </button>
      </header>
      <p className={whole ? 'replay-panel__verdict replay-panel__verdict--whole' : 'replay-panel__verdict'}>
        {replay.calls === 0
          ? 'This session kept no model calls to replay (it was run before calls were kept, or no model answered).'
          : whole
            ? 'The session reproduces exactly: every model call came back from the cache as the session used it, and every answer’s words are those of its replayed reply. No model was called.'
            : 'Part of the session does not reproduce from the cache; the turns are listed below. No model was called.'}
      </p>
      <Meter label="Model calls reproduced" done={replay.reproduced} total={replay.calls} share={reproducedShare} testId="replay-calls" />
      <Meter label="Twins’ answers traced to the reply they kept" done={replay.traced} total={replay.answers} share={tracedShare} testId="replay-traced" />
      {problems.length > 0 && (
        <ul className="replay-panel__problems">
          {problems.map((c, i) => (
            <li key={i}>
              <Link to={turnPath(c.seq)}>Turn {c.seq + 1}</Link>, {PURPOSES[c.purpose]}: {c.what} — {c.detail}
            </li>
          ))}
        </ul>
      )}
      {replay.unrecorded.length > 0 && (
        <p className="replay-panel__untraced" data-testid="replay-unrecorded">
          Answers with no kept reply to check them against (run before calls were kept, or no longer in the cache):{' '}
          {replay.unrecorded.map((seq, i) => (
            <span key={seq}>
              {i > 0 && ', '}
              <Link to={turnPath(seq)}>turn {seq + 1}</Link>
            </span>
          ))}
        </p>
      )}
      {replay.untraced.length > 0 && (
        <p className="replay-panel__untraced" data-testid="replay-untraced">
          Answers whose words differ from the reply replayed for them:{' '}
          {replay.untraced.map((seq, i) => (
            <span key={seq}>
              {i > 0 && ', '}
              <Link to={turnPath(seq)}>turn {seq + 1}</Link>
            </span>
          ))}
        </p>
      )}
    </section>
  );
}

function Meter({ label, done, total, share, testId }: { label: string; done: number; total: number; share: number; testId: string }) {
  return (
    <div className="replay-meter" data-testid={testId}>
      <div className="replay-meter__label">
        <span>{label}</span>
        <strong>
          {done} of {total}
        </strong>
      </div>
      <div className="replay-meter__track" role="img" aria-label={`${label}: ${done} of ${total}`}>
        <div className="replay-meter__fill" style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
    </div>
  );
}
