import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import type { JobView, TwinSummaryView, WorkspaceSummary } from '../../ipc/backend';
import { InlineJobProgress } from '../evidence/charts';
import { activeJob, useAudiences } from '../evidence/evidenceQueries';
import { TWINS_CREATE_JOB_KIND } from '../jobs/jobsState';
import { twinsPath, useCreateTwins, useTwins } from './twinQueries';
import './twins.css';

interface Props {
  workspace: WorkspaceSummary;
  jobs: readonly JobView[];
  onJobStarted: (job: JobView) => void;
}

/**
 * The twins of a workspace as cards, and the control that casts new ones from an audience.
 * The gallery refreshes when a create job succeeds (the jobs hook invalidates it).
 */
export function TwinsScreen({ workspace, jobs, onJobStarted }: Props) {
  const twins = useTwins(workspace.id);
  const createJob = activeJob(jobs, TWINS_CREATE_JOB_KIND, workspace.id);
  const list = twins.data ?? null;

  return (
    <main className="twins-screen" aria-labelledby="twins-title">
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="twins-title">Twins</h1>
          <p className="muted">
            AI personas cast from an audience's signals. Each remembers the evidence it was built
            on, and what it said in studies.
          </p>
        </div>
        <div className="dashboard__actions">
          {createJob && <InlineJobProgress job={createJob} testId="create-twins-progress" />}
        </div>
      </header>
      <CreateTwinsForm workspaceId={workspace.id} busy={createJob !== null} onJobStarted={onJobStarted} />
      {twins.error !== null && (
        <ErrorBanner error={twins.error} context="Loading the twins" onRetry={() => void twins.refetch()} />
      )}
      {list === null ? (
        twins.isFetching && <p className="empty-hint">Loading twins…</p>
      ) : list.length === 0 ? (
        <div className="empty-state" data-testid="twins-empty">
          <p>
            <strong>No twins yet.</strong>
          </p>
          <p>
            Twins are built from an audience's signals — what it does, searches for and says. Build
            the signals first on <Link to={`/w/${encodeURIComponent(workspace.id)}/audiences`}>Audiences</Link>,
            then create twins here.
          </p>
        </div>
      ) : (
        <ul className="twin-gallery" aria-label="Twins of this workspace">
          {list.map((t) => (
            <TwinCard key={t.id} twin={t} workspaceId={workspace.id} />
          ))}
        </ul>
      )}
    </main>
  );
}

function TwinCard({ twin, workspaceId }: { twin: TwinSummaryView; workspaceId: string }) {
  return (
    <li className="twin-card" data-testid="twin-card" data-twin-id={twin.id}>
      <Link to={twinsPath(workspaceId, twin.id)} className="twin-card__link" aria-label={`Open ${twin.name}`}>
        <span className="twin-card__avatar" aria-hidden="true">
          {initials(twin.name)}
        </span>
        <span className="twin-card__name">{twin.name}</span>
      </Link>
      <span className="muted twin-card__facts">
        {twin.age} · {twin.gender} · {twin.occupation}
      </span>
      {twin.audienceName && <span className="badge twin-card__audience">{twin.audienceName}</span>}
      <p className="twin-card__summary">{twin.summary}</p>
      <span className="muted twin-card__memories" data-testid="twin-memories">
        {twin.memories} {twin.memories === 1 ? 'memory' : 'memories'}
      </span>
    </li>
  );
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase() ?? '')
    .join('');
}

function CreateTwinsForm({
  workspaceId,
  busy,
  onJobStarted,
}: {
  workspaceId: string;
  busy: boolean;
  onJobStarted: (job: JobView) => void;
}) {
  const id = useId();
  const audiences = useAudiences(workspaceId);
  const [audienceId, setAudienceId] = useState('');
  // Kept as typed, so clearing the field to type another number does not fight the user.
  const [countText, setCountText] = useState('3');
  const count = Number(countText);
  const countValid = Number.isInteger(count) && count >= 1 && count <= 12;
  const [seed, setSeed] = useState('');
  const create = useCreateTwins(onJobStarted);
  const chosen = audienceId || audiences.data?.[0]?.id || '';
  const seedValid = seed.trim() === '' || /^\d+$/.test(seed.trim());

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!chosen || !seedValid || !countValid) return;
    create.mutate({
      workspaceId,
      audienceId: chosen,
      count,
      seed: seed.trim() === '' ? null : seed.trim(),
    });
  };

  return (
    <form className="card create-twins" onSubmit={submit} aria-label="Create twins">
      <div className="create-twins__fields">
        <div className="field">
          <label htmlFor={`${id}-audience`}>Audience</label>
          <select
            id={`${id}-audience`}
            value={chosen}
            onChange={(e) => setAudienceId(e.target.value)}
            data-testid="create-twins-audience"
            disabled={!audiences.data || audiences.data.length === 0}
          >
            {(audiences.data ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-count`}>How many</label>
          <input
            id={`${id}-count`}
            type="number"
            min={1}
            max={12}
            value={countText}
            onChange={(e) => setCountText(e.target.value)}
            aria-invalid={!countValid}
            data-testid="create-twins-count"
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-seed`}>Seed (optional)</label>
          <input
            id={`${id}-seed`}
            inputMode="numeric"
            value={seed}
            placeholder="random"
            onChange={(e) => setSeed(e.target.value)}
            aria-invalid={!seedValid}
          />
        </div>
        <button
          type="submit"
          className="btn btn--primary"
          disabled={busy || create.isPending || !chosen || !seedValid || !countValid}
          data-testid="create-twins"
        >
          {busy || create.isPending ? 'Creating twins…' : 'Create twins'}
        </button>
      </div>
      {!countValid && <p className="form-error">Create 1 to 12 twins at a time.</p>}
      {!seedValid && <p className="form-error">A seed is a whole number, or leave it empty.</p>}
      {audiences.data && audiences.data.length === 0 && (
        <p className="muted">This workspace has no audiences to cast twins from.</p>
      )}
      {create.error !== null && (
        <ErrorBanner error={create.error} context="Could not create twins" onDismiss={create.reset} />
      )}
    </form>
  );
}
