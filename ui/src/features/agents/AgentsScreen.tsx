import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatDate } from '../../format';
import { backend } from '../../ipc/backend';
import type { CitationView, SpecialistView, WorkspaceSummary } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';
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
      <ScheduleControl workspaceId={workspaceId} specialist={specialist} />
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

/** The schedules a marketer picks from (cron, local time). */
export const SCHEDULES: readonly { cron: string | null; label: string }[] = [
  { cron: null, label: 'On demand only' },
  { cron: '0 7 * * MON', label: 'Every Monday at 7:00' },
  { cron: '0 7 * * *', label: 'Every day at 7:00' },
];

function ScheduleControl({ workspaceId, specialist }: { workspaceId: string; specialist: SpecialistView }) {
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (cron: string | null) =>
      backend.setSpecialistSchedule({ workspaceId, agent: specialist.name, cron }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.specialists(workspaceId) }),
  });
  const current = specialist.schedule;
  const known = SCHEDULES.some((s) => s.cron === current);
  const id = `schedule-${specialist.name}`;
  return (
    <div className="agent-schedule">
      <label htmlFor={id} className="muted">
        Runs
      </label>
      <select
        id={id}
        value={current ?? ''}
        disabled={save.isPending}
        onChange={(e) => save.mutate(e.target.value === '' ? null : e.target.value)}
        data-testid="specialist-schedule"
      >
        {SCHEDULES.map((s) => (
          <option key={s.label} value={s.cron ?? ''}>
            {s.label}
          </option>
        ))}
        {!known && current !== null && <option value={current}>At “{current}”</option>}
      </select>
      {save.error !== null && (
        <ErrorBanner error={save.error} context="Saving the schedule" onDismiss={() => save.reset()} />
      )}
    </div>
  );
}
