import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { describeError } from '../../errors';
import type { WorkspaceSummary } from '../../ipc/backend';
import { useCreateWorkspace } from './workspaceQueries';

export const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;

export const TIME_ZONES = [
  'UTC',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Paris',
  'Asia/Dubai',
  'Asia/Singapore',
  'Asia/Tokyo',
  'Australia/Sydney',
] as const;

/** Pre-select the user's own zone when it is one we offer; reporting days follow it. */
function defaultTimeZone(): string {
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (TIME_ZONES as readonly string[]).includes(local) ? local : 'UTC';
}

export function NewWorkspaceForm({ onCreated }: { onCreated: (ws: WorkspaceSummary) => void }) {
  const id = useId();
  const [name, setName] = useState('');
  const [brand, setBrand] = useState('');
  const [currency, setCurrency] = useState<string>('USD');
  const [timeZone, setTimeZone] = useState<string>(defaultTimeZone);
  const create = useCreateWorkspace();
  const submitting = create.isPending;

  const canSubmit = name.trim() !== '' && brand.trim() !== '' && !submitting;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!canSubmit) return;
    create.mutate(
      { name: name.trim(), brand: brand.trim(), currency, timeZone },
      {
        onSuccess: (ws) => {
          setName('');
          setBrand('');
          onCreated(ws);
        },
      },
    );
  }

  const problem =
    create.error === null ? null : describeError(create.error, 'Could not create the workspace');

  return (
    <form className="new-workspace" onSubmit={submit} aria-label="New workspace">
      <label htmlFor={`${id}-name`}>Name</label>
      <input
        id={`${id}-name`}
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="e.g. Spring launch"
        required
        maxLength={120}
      />
      <label htmlFor={`${id}-brand`}>Brand</label>
      <input
        id={`${id}-brand`}
        value={brand}
        onChange={(e) => setBrand(e.target.value)}
        placeholder="e.g. Acme Outdoor"
        required
        maxLength={120}
      />
      <div className="form-row">
        <div>
          <label htmlFor={`${id}-currency`}>Currency</label>
          <select
            id={`${id}-currency`}
            value={currency}
            onChange={(e) => setCurrency(e.target.value)}
          >
            {CURRENCIES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-tz`}>Time zone</label>
          <select id={`${id}-tz`} value={timeZone} onChange={(e) => setTimeZone(e.target.value)}>
            {TIME_ZONES.map((tz) => (
              <option key={tz} value={tz}>
                {tz.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </div>
      </div>
      {problem && (
        <p className="form-error" role="alert">
          {problem.title}. {problem.detail}
        </p>
      )}
      <button type="submit" className="btn btn--primary" disabled={!canSubmit}>
        {submitting ? 'Creating…' : 'Create workspace'}
      </button>
    </form>
  );
}
