import type { GapView, JobView, SessionDetailView, TurnView } from '../../ipc/backend';
import { formatPercent } from '../../format';
import { PendingTurnView, TranscriptTurn, speakerLabel } from './TranscriptTurn';
import type { PendingTurn } from './useLiveTranscript';
import { SessionControls } from './SessionControls';

type Entry = { kind: 'qa'; question: TurnView | null; answer: TurnView } | { kind: 'turn'; turn: TurnView };

/**
 * The transcript in order, each twin answer paired with the question before it; openings,
 * closings and a question still waiting for its answer stand alone.
 */
function entries(turns: TurnView[]): Entry[] {
  const out: Entry[] = [];
  let question: TurnView | null = null;
  for (const t of turns) {
    if (t.speaker === 'twin') {
      out.push({ kind: 'qa', question, answer: t });
      question = null;
    } else if (t.act === 'question' || t.act === 'probe' || t.act === 'interjection' || t.speaker === 'researcher') {
      if (question) out.push({ kind: 'turn', turn: question });
      question = t;
    } else {
      if (question) out.push({ kind: 'turn', turn: question });
      question = null;
      out.push({ kind: 'turn', turn: t });
    }
  }
  if (question) out.push({ kind: 'turn', turn: question });
  return out;
}

/** An interview: every answer as what the twin says beside what it thinks, divergences marked. */
export function InterviewView({
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
  const items = entries(detail.turns);
  const gaps = new Map<number, GapView>(detail.gaps.map((g) => [g.seq, g]));
  const diverging = detail.gaps.filter((g) => g.diverges).length;
  return (
    <div className="interview">
      <SessionControls session={detail.session} onJobStarted={onJobStarted} />
      {detail.gaps.length > 0 && (
        <p className="interview__summary" data-testid="says-thinks-summary">
          Says and Thinks part in <strong>{diverging}</strong> of {detail.gaps.length} answers.
          <span className="muted"> Where they part, the twin keeps a reservation to itself — worth probing with real people.</span>
        </p>
      )}
      <ol className="qa-list" data-testid="qa-list">
        {items.map((item) => {
          if (item.kind === 'turn') {
            return <TranscriptTurn key={item.turn.id} turn={item.turn} highlighted={item.turn.seq === highlightSeq} />;
          }
          const { question, answer } = item;
          const gap = gaps.get(answer.seq) ?? null;
          const diverges = gap?.diverges ?? false;
          return (
            <li
              key={answer.id}
              id={`turn-${answer.seq}`}
              className={`qa${diverges ? ' qa--diverges' : ''}${answer.seq === highlightSeq ? ' turn--highlighted' : ''}`}
              data-testid="qa-answer"
              data-diverges={diverges}
            >
              {question && (
                <p className="qa__question" id={`turn-${question.seq}`}>
                  <span className="muted">{speakerLabel(question)}:</span> {question.says}
                </p>
              )}
              <div className="qa__columns">
                <div className="qa__says">
                  <h4>Says</h4>
                  {answer.act === 'non_response' ? (
                    <p className="turn__text--none">No answer — the model gave nothing usable.</p>
                  ) : (
                    <p data-testid="qa-says">{answer.says}</p>
                  )}
                </div>
                <div className="qa__thinks">
                  <h4>Thinks</h4>
                  <p data-testid="qa-thinks">{answer.thinks ?? <span className="muted">Not recorded</span>}</p>
                </div>
              </div>
              {diverges && gap && (
                <p className="qa__gap" data-testid="qa-gap">
                  <strong>Says and Thinks part here.</strong>{' '}
                  {gap.reservations.length > 0 && <>Kept back: {gap.reservations.map((r) => `“${r}”`).join(', ')}. </>}
                  {gap.overlap !== null && <span className="muted">Words shared: {formatPercent(gap.overlap, { digits: 0 })}.</span>}
                </p>
              )}
            </li>
          );
        })}
        {pending && <PendingTurnView pending={pending} />}
      </ol>
    </div>
  );
}
