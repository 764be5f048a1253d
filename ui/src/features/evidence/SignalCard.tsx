import { formatDate } from '../../format';
import type { SignalView } from '../../ipc/backend';
import { IntervalBar, SentimentBar, WeeklyBars } from './charts';
import { formatQValue, formatStrength, formatSupport } from './evidenceFormat';

interface Props {
  signal: SignalView;
  /** Opens the rows behind the signal. */
  onOpen: (signal: SignalView) => void;
}

/** One signal: its statement, strength and support, interval, and for themes their charts. */
export function SignalCard({ signal, onOpen }: Props) {
  const theme = signal.kind === 'mentionTheme';
  return (
    <li className="signal" data-testid={`signal-${signal.id}`} data-kind={signal.kind}>
      <button
        type="button"
        className="signal__statement"
        onClick={() => onOpen(signal)}
        title="Show the rows behind this signal"
      >
        {theme && signal.themeName && <strong className="signal__theme">{signal.themeName}</strong>}
        {signal.statement}
      </button>
      <div className="signal__figures">
        <span title="Strength">strength {formatStrength(signal.strength)}</span>
        <span data-testid="signal-support">{formatSupport(signal)}</span>
        {signal.qValue !== null && <span title="Benjamini–Hochberg adjusted">{formatQValue(signal.qValue)}</span>}
        {signal.audienceId === null && <span className="badge">Whole workspace</span>}
      </div>
      {signal.interval && <IntervalBar interval={signal.interval} baseline={signal.baseline} />}
      {theme && (
        <div className="signal__theme-charts">
          <WeeklyBars weekly={signal.weekly} />
          {signal.sentiment && <SentimentBar counts={signal.sentiment} />}
          {signal.quotes.length > 0 && (
            <ul className="quotes">
              {signal.quotes.map((q) => (
                <li key={q.id}>
                  <blockquote>“{q.text}”</blockquote>
                  <span className="muted">{formatDate(q.occurredOn)}</span>
                </li>
              ))}
            </ul>
          )}
          {signal.namedBy && <span className="muted signal__named">Named by {signal.namedBy}</span>}
        </div>
      )}
    </li>
  );
}
