import { Link } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import type { AgentRunView, AgentStepView, CitationView } from '../../ipc/backend';
import { EvidenceList } from '../evidence/EvidencePanel';
import { citationTarget, citedSignalIds, interviewTargets, sourceKindText, stepText } from './agentText';
import type { RunState } from './agentQueries';

/** The steps of a run as they happen, newest last. */
export function RunSteps({ steps, running }: { steps: readonly AgentStepView[]; running: boolean }) {
  if (steps.length === 0 && !running) return null;
  return (
    <ol className="agent-steps" data-testid="agent-steps">
      {steps.map((step, i) => (
        <li key={i} className={`agent-step agent-step--${step.kind}`}>
          {stepText(step)}
        </li>
      ))}
      {running && steps.length === 0 && <li className="agent-step">Starting…</li>}
    </ol>
  );
}

/** A finished run: the answer (or why it stopped, with what it found), and its sources. */
export function RunAnswer({
  run,
  onOpenCitation,
}: {
  run: AgentRunView;
  onOpenCitation: (citation: CitationView) => void;
}) {
  return (
    <div className="agent-answer" data-testid="agent-answer">
      {run.stoppedBecause !== null && (
        <p className="agent-answer__stopped" data-testid="agent-stopped">
          It stopped before answering: {run.stoppedBecause}.
        </p>
      )}
      {/* A stopped run's text repeats why and lists what it found: the sources below say it. */}
      {run.stoppedBecause === null && run.answer && <p className="agent-answer__text">{run.answer}</p>}
      {run.citations.length > 0 && (
        <div className="agent-answer__sources">
          <span className="muted">{run.stoppedBecause === null ? 'Sources' : 'What it found'}</span>
          <ul className="agent-citations">
            {run.citations.map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  className="agent-citation"
                  onClick={() => onOpenCitation(c)}
                  data-testid="agent-citation"
                >
                  <span className="agent-citation__id">{c.id}</span> {c.label}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <p className="agent-answer__usage muted">
        {run.modelCalls} model {run.modelCalls === 1 ? 'call' : 'calls'},{' '}
        {(run.inputTokens + run.outputTokens).toLocaleString()} tokens
      </p>
    </div>
  );
}

/** A run being watched or shown: what was asked, its steps, then its answer or error. */
export function RunPanel({
  state,
  onOpenCitation,
}: {
  state: RunState;
  onOpenCitation: (citation: CitationView) => void;
}) {
  if (state.asked === '' && !state.running) return null;
  return (
    <section className="agent-run" aria-label="The run" aria-live="polite" aria-busy={state.running}>
      <p className="agent-run__asked">{state.asked}</p>
      <RunSteps steps={state.steps} running={state.running} />
      {state.error !== null && <ErrorBanner error={state.error} context="Running the agent" />}
      {state.result && <RunAnswer run={state.result} onOpenCitation={onOpenCitation} />}
    </section>
  );
}

/** One cited result: what the tool answered, exactly as the agent read it, and its source. */
export function CitationDetail({
  workspaceId,
  citation,
  onNavigate,
}: {
  workspaceId: string;
  citation: CitationView;
  onNavigate?: () => void;
}) {
  const targets = [citationTarget(workspaceId, citation), ...interviewTargets(workspaceId, citation)].filter(
    (t): t is { path: string; label: string } => t !== null,
  );
  const signals = citedSignalIds(citation);
  return (
    <div className="agent-source" data-testid="agent-source">
      <p className="muted">
        {citation.id} · {sourceKindText(citation.kind)}
      </p>
      <h3 className="agent-source__label">{citation.label}</h3>
      {targets.map((target) => (
        <p key={target.path}>
          <Link to={target.path} onClick={onNavigate} data-testid="agent-source-link">
            {target.label}
          </Link>
        </p>
      ))}
      <pre className="agent-source__text" data-testid="agent-source-text">
        {citation.text}
      </pre>
      {signals.length > 0 && <EvidenceList signalIds={signals} />}
    </div>
  );
}
