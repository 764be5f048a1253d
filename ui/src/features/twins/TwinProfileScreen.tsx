import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatRelativeTime } from '../../format';
import type { ProfileView, TwinView, WorkspaceSummary } from '../../ipc/backend';
import { MemoryList } from './MemoryList';
import { TwinProfileForm } from './TwinProfileForm';
import { twinsPath, useTwin, useTwinVersions } from './twinQueries';
import './twins.css';

/** One twin: who they are, what they remember (each memory one click from its evidence). */
export function TwinProfileScreen({ workspace }: { workspace: WorkspaceSummary }) {
  const { twinId = '' } = useParams();
  const twin = useTwin(twinId);
  const [editing, setEditing] = useState(false);
  // Bumped to start the editor again from the newest version after a conflict.
  const [formKey, setFormKey] = useState(0);

  return (
    <main className="twins-screen" aria-labelledby="twin-title">
      <Link to={twinsPath(workspace.id)} className="btn btn--small btn--ghost twin-back">
        ← All twins
      </Link>
      {twin.error !== null && (
        <ErrorBanner error={twin.error} context="Loading the twin" onRetry={() => void twin.refetch()} />
      )}
      {twin.data === undefined ? (
        twin.isFetching && <p className="empty-hint">Loading the twin…</p>
      ) : (
        <>
          <header className="dashboard__header">
            <div className="dashboard__title">
              <h1 id="twin-title">{twin.data.summary.name}</h1>
              <p className="muted" data-testid="twin-facts">
                {twin.data.summary.age} · {twin.data.summary.gender} · {twin.data.summary.occupation} ·{' '}
                {twin.data.profile.demographics.location}
                {twin.data.summary.audienceName && ` · from ${twin.data.summary.audienceName}`}
              </p>
            </div>
            <div className="dashboard__actions">
              <button
                type="button"
                className="btn"
                onClick={() => setEditing(!editing)}
                aria-expanded={editing}
                data-testid="edit-twin"
              >
                {editing ? 'Close editor' : 'Edit profile'}
              </button>
              <Link
                className="btn btn--primary"
                to={`/w/${encodeURIComponent(workspace.id)}/studies/new-interview?twin=${encodeURIComponent(twinId)}`}
                data-testid="interview-twin"
              >
                Interview
              </Link>
            </div>
          </header>
          {editing ? (
            <TwinProfileForm
              key={formKey}
              workspaceId={workspace.id}
              twin={twin.data}
              onSaved={() => setEditing(false)}
              onReload={() => void twin.refetch()}
              onRestart={() => setFormKey((k) => k + 1)}
            />
          ) : (
            <ProfileCard twin={twin.data} />
          )}
          <MemoryList workspaceId={workspace.id} twin={twin.data} />
          <Versions twinId={twinId} current={twin.data.summary.version} />
        </>
      )}
    </main>
  );
}

function ProfileCard({ twin }: { twin: TwinView }) {
  const p: ProfileView = twin.profile;
  return (
    <section className="card twin-profile" aria-label="Profile" data-testid="twin-profile">
      <p className="twin-profile__summary">{p.summary}</p>
      <div className="twin-profile__grid">
        <ProfileList title="Psychographics" items={p.psychographics} />
        <ProfileList title="Goals" items={p.goals} />
        <ProfileList title="Pain points" items={p.painPoints} />
        <ProfileList title="Media habits" items={p.mediaHabits} />
        <ProfileList title="Objections" items={p.objections} />
        <div>
          <h3>Brand relationship</h3>
          <p>{p.brandRelationship}</p>
        </div>
        <div>
          <h3>Voice</h3>
          <p>
            {p.voice.register} register, about {p.voice.typicalWords} words a reply
          </p>
          {p.voice.vocabulary.length > 0 && (
            <ul className="chips" aria-label="Vocabulary">
              {p.voice.vocabulary.map((w) => (
                <li key={w} className="chip">
                  {w}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      {twin.casting.length > 0 && (
        <details className="twin-profile__casting">
          <summary>Cast on {twin.casting.length} signals</summary>
          <ul>
            {twin.casting.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </details>
      )}
      <p className="muted">
        Written by {twin.writtenBy} · seed {twin.seed} · version {twin.summary.version}
      </p>
    </section>
  );
}

function ProfileList({ title, items }: { title: string; items: string[] }) {
  return (
    <div>
      <h3>{title}</h3>
      {items.length === 0 ? (
        <p className="muted">None recorded</p>
      ) : (
        <ul className="twin-profile__list" aria-label={title}>
          {items.map((i) => (
            <li key={i}>{i}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Versions({ twinId, current }: { twinId: string; current: number }) {
  const [open, setOpen] = useState(false);
  const versions = useTwinVersions(twinId, open);
  return (
    <section className="card" aria-label="Versions">
      <header className="card__header">
        <h3>Versions</h3>
        <button
          type="button"
          className="btn btn--small btn--ghost"
          onClick={() => setOpen(!open)}
          aria-expanded={open}
          data-testid="twin-versions-toggle"
        >
          {open ? 'Hide versions' : `Show versions (current: ${current})`}
        </button>
      </header>
      {open && versions.error !== null && (
        <ErrorBanner error={versions.error} context="Loading the versions" onRetry={() => void versions.refetch()} />
      )}
      {open && versions.data && (
        <ol className="twin-versions" data-testid="twin-versions">
          {[...versions.data]
            .sort((a, b) => b.version - a.version)
            .map((v) => (
              <li key={v.version}>
                <strong>Version {v.version}</strong>{' '}
                <span className="muted">
                  {v.name} · by {v.editedBy} · {formatRelativeTime(v.createdAt)}
                </span>
                {v.note && <p className="twin-versions__note">{v.note}</p>}
              </li>
            ))}
        </ol>
      )}
    </section>
  );
}
