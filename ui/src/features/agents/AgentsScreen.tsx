import { useState } from 'react';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatDate } from '../../format';
import type { CitationView, SpecialistView, WorkspaceSummary } from '../../ipc/backend';
import { Drawer } from '../evidence/EvidencePanel';
import { COPILOT, useAgentRunner, useAgentRuns, useSpecialists } from './agentQueries';
import { CitationDetail, RunAnswer, RunPanel } from './RunView';
import './agents.css';

/**
 * The specialist agents of a workspace, each with its latest report and a button to run it
 * again, and what the copilot has been asked.
 */
export function AgentsScreen({ workspace }: { workspace: WorkspaceSummary }) {
  const specialists = useSpecialists(workspace.id);
  const copilotRuns = useAgentRuns(workspace.id, COPILOT, 20);
  const [citation, setCitation] = useState<CitationView | null>(null);

  return (
    <main className="agents-screen" aria-labelledby="agents-title">
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="agents-title">Agents</h1>
          <p className="muted">
            Analysts that read {workspace.name}&apos;s data with tools and write a report whose every
            figure cites the result it came from. Run one now; its latest report stays here.
          </p>
        </div>
      </header>

      {specialists.error !== null && (
        <ErrorBanner error={specialists.error} context="Loading the agents" onRetry={() => void specialists.refetch()} />
      )}
      {(specialists.data ?? []).map((s) => (
        <SpecialistCard key={s.name} workspaceId={workspace.id} specialist={s} onOpenCitation={setCitation} />
      ))}

      <section className="card" aria-labelledby="copilot-history">
        <header className="card__header">
          <h2 id="copilot-history">Asked of the copilot</h2>
        </header>
        {copilotRuns.error !== null && <ErrorBanner error={copilotRuns.error} context="Loading the questions" />}
        {copilotRuns.data?.length === 0 && (
          <p className="empty-hint">Nothing yet. Ask the copilot from any screen (the Ask button at the top).</p>
        )}
        <ul className="agents-history" data-testid="copilot-history">
          {(copilotRuns.data ?? []).map((run) => (
            <li key={run.id}>
              <details>
                <summary>
                  {run.question} <span className="muted">· {formatDate(run.startedAt.slice(0, 10))}</span>
                </summary>
                <RunAnswer run={run} onOpenCitation={setCitation} />
              </details>
            </li>
          ))}
        </ul>
      </section>

      {citation && (
        <Drawer title="Source" onClose={() => setCitation(null)} testId="agents-source">
          <CitationDetail workspaceId={workspace.id} citation={citation} onNavigate={() => setCitation(null)} />
        </Drawer>
      )}
    </main>
  );
}

function SpecialistCard({
  workspaceId,
  specialist,
  onOpenCitation,
}: {
  workspaceId: string;
  specialist: SpecialistView;
  onOpenCitation: (citation: CitationView) => void;
}) {
  const runner = useAgentRunner(workspaceId);
  const { state } = runner;
  const watching = state.running || state.result !== null || state.error !== null;
  return (
    <section className="card agent-card" aria-labelledby={`agent-${specialist.name}`} data-testid="specialist">
      <header className="card__header">
        <h2 id={`agent-${specialist.name}`}>{specialist.title}</h2>
        {state.running ? (
          <button type="button" className="btn" onClick={() => void runner.stop()} disabled={state.stopping}>
            {state.stopping ? 'Stopping…' : 'Stop'}
          </button>
        ) : (
          <button
            type="button"
            className="btn btn--primary"
            onClick={() => void runner.runSpecialist(specialist.name, specialist.title)}
            data-testid="run-specialist"
          >
            Run now
          </button>
        )}
      </header>
      <p className="muted">{specialist.description}</p>
      {watching ? (
        <RunPanel state={state} onOpenCitation={onOpenCitation} />
      ) : specialist.latest ? (
        <>
          <p className="muted">Latest report, {formatDate(specialist.latest.startedAt.slice(0, 10))}</p>
          <RunAnswer run={specialist.latest} onOpenCitation={onOpenCitation} />
        </>
      ) : (
        <p className="empty-hint">No report yet: run it to get one.</p>
      )}
    </section>
  );
}
