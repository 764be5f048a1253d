import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import type { WorkspaceSummary } from '../../ipc/backend';
import { useTwins } from '../twins/twinQueries';
import { BudgetAndSeed, EstimatePanel, budgetAndSeedInput } from './EstimatePanel';
import { studiesPath, useInterviewEstimate, useStartInterview } from './studyQueries';
import './studies.css';

/** Sets up a one-to-one interview: a twin, the questions, an estimate, then starts it. */
export function InterviewSetup({ workspace }: { workspace: WorkspaceSummary }) {
  const id = useId();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [twinId, setTwinId] = useState(params.get('twin') ?? '');
  const [questions, setQuestions] = useState('');
  const [budget, setBudget] = useState('');
  const [seed, setSeed] = useState('');
  const twins = useTwins(workspace.id);
  const list = questions
    .split('\n')
    .map((q) => q.trim())
    .filter(Boolean);
  const estimate = useInterviewEstimate(workspace.id, list.length);
  const start = useStartInterview(workspace.id);
  const extras = budgetAndSeedInput(budget, seed);
  const chosen = twinId || twins.data?.[0]?.id || '';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!chosen || list.length === 0 || extras === null) return;
    start.mutate(
      { workspaceId: workspace.id, twinId: chosen, questions: list, ...extras },
      { onSuccess: (session) => void navigate(studiesPath(workspace.id, encodeURIComponent(session.id))) },
    );
  };

  return (
    <main className="studies-screen" aria-labelledby="interview-setup-title">
      <Link to={studiesPath(workspace.id)} className="btn btn--small btn--ghost studies-back">
        ← All studies
      </Link>
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="interview-setup-title">New interview</h1>
          <p className="muted">
            One twin answers your questions. Each answer comes with what the twin says and what it
            privately thinks, so you can see where the two part.
          </p>
        </div>
      </header>
      <form className="study-setup" onSubmit={submit} aria-label="Interview setup">
        <div className="study-setup__main card">
          <div className="field">
            <label htmlFor={`${id}-twin`}>Twin</label>
            <select id={`${id}-twin`} value={chosen} onChange={(e) => setTwinId(e.target.value)} data-testid="interview-twin-select">
              {(twins.data ?? []).map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} — {t.age}, {t.occupation}
                </option>
              ))}
            </select>
          </div>
          {twins.error !== null && <ErrorBanner error={twins.error} context="Loading the twins" onRetry={() => void twins.refetch()} />}
          <div className="field">
            <label htmlFor={`${id}-questions`}>Questions (one per line)</label>
            <textarea id={`${id}-questions`} rows={10} value={questions} onChange={(e) => setQuestions(e.target.value)} data-testid="interview-questions" />
          </div>
          <span className="muted">{list.length} {list.length === 1 ? 'question' : 'questions'}</span>
        </div>
        <aside className="study-setup__side">
          <EstimatePanel plan={estimate.data} error={estimate.error} loading={estimate.isFetching} />
          <section className="card">
            <BudgetAndSeed budget={budget} seed={seed} onBudget={setBudget} onSeed={setSeed} />
          </section>
          {start.error !== null && <ErrorBanner error={start.error} context="Could not start the interview" onDismiss={start.reset} />}
          <button
            type="submit"
            className="btn btn--primary btn--block"
            disabled={!chosen || list.length === 0 || extras === null || start.isPending}
            data-testid="start-interview"
          >
            {start.isPending ? 'Starting…' : 'Start interview'}
          </button>
        </aside>
      </form>
    </main>
  );
}
