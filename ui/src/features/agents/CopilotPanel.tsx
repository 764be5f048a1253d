import { useState } from 'react';
import type { FormEvent } from 'react';
import type { CitationView } from '../../ipc/backend';
import { Drawer } from '../evidence/EvidencePanel';
import { COPILOT, useAgentRunner, useAgentRuns } from './agentQueries';
import { CitationDetail, RunPanel } from './RunView';
import './agents.css';

const SUGGESTIONS = [
  'Which platform had the best ROAS last week?',
  'Why did CPA change on Meta last week?',
  'What do the audiences say about price?',
];

/**
 * The copilot, over any screen of a workspace: ask about the workspace, watch it look, read
 * the answer with its sources, open a source, stop it. Earlier questions stay a click away.
 */
export function CopilotPanel({ workspaceId, onClose }: { workspaceId: string; onClose: () => void }) {
  const runner = useAgentRunner(workspaceId);
  const { state } = runner;
  const [question, setQuestion] = useState('');
  const [citation, setCitation] = useState<CitationView | null>(null);
  const earlier = useAgentRuns(workspaceId, COPILOT, 8);

  function submit(e: FormEvent) {
    e.preventDefault();
    const text = question.trim();
    if (text === '' || state.running) return;
    setCitation(null);
    void runner.ask(text);
  }

  if (citation) {
    return (
      <Drawer title="Source" onClose={onClose} onBack={() => setCitation(null)} testId="copilot-panel">
        <CitationDetail workspaceId={workspaceId} citation={citation} />
      </Drawer>
    );
  }

  const earlierRuns = (earlier.data ?? []).filter((r) => r.id !== state.result?.id);
  return (
    <Drawer title="Ask the copilot" onClose={onClose} testId="copilot-panel">
      <form className="copilot-form" onSubmit={submit}>
        <label htmlFor="copilot-question" className="muted">
          A question about this workspace&apos;s campaigns, metrics or audiences. Every figure in the
          answer cites the data it came from.
        </label>
        <textarea
          id="copilot-question"
          rows={3}
          value={question}
          onChange={(e) => setQuestion(e.target.value)}
          onKeyDown={(e) => {
            // Enter asks; Shift+Enter is a new line; Enter that ends an IME composition is not.
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) submit(e);
          }}
          autoFocus
          placeholder={SUGGESTIONS[0]}
          data-testid="copilot-question"
        />
        <div className="copilot-form__actions">
          {state.running ? (
            <button
              type="button"
              className="btn"
              onClick={() => void runner.stop()}
              disabled={state.stopping}
              data-testid="copilot-stop"
            >
              {state.stopping ? 'Stopping…' : 'Stop'}
            </button>
          ) : (
            <button
              type="submit"
              className="btn btn--primary"
              disabled={question.trim() === ''}
              data-testid="copilot-ask"
            >
              Ask
            </button>
          )}
        </div>
      </form>

      <RunPanel state={state} onOpenCitation={setCitation} />

      {!state.running && state.asked === '' && (
        <ul className="copilot-suggestions">
          {SUGGESTIONS.map((s) => (
            <li key={s}>
              <button type="button" className="btn btn--small btn--ghost" onClick={() => setQuestion(s)}>
                {s}
              </button>
            </li>
          ))}
        </ul>
      )}

      {earlierRuns.length > 0 && (
        <section className="copilot-earlier" aria-labelledby="copilot-earlier">
          <h3 id="copilot-earlier" className="muted">
            Earlier questions
          </h3>
          <ul>
            {earlierRuns.map((run) => (
              <li key={run.id}>
                <button
                  type="button"
                  className="btn btn--small btn--ghost"
                  onClick={() => runner.show(run)}
                  disabled={state.running}
                >
                  {run.question}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </Drawer>
  );
}
