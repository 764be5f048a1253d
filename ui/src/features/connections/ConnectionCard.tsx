import { useState } from 'react';
import type { FormEvent } from 'react';
import { ErrorBanner } from '../../components/ErrorBanner';
import type { ConnectionAccountView, ConnectionView } from '../../ipc/backend';
import {
  useRemoveConnection,
  useSelectAccounts,
  useSetSchedule,
  useStartSync,
  useSyncRun,
} from './connectionQueries';
import { SCHEDULES, connectionState, formatInstant } from './connectionText';
import { SyncPanel } from './SyncPanel';

interface Props {
  workspaceId: string;
  connection: ConnectionView;
  onReconnect: (connection: ConnectionView) => void;
}

/** One connection: how it stands, which accounts sync and when, its last sync, and its actions. */
export function ConnectionCard({ workspaceId, connection, onReconnect }: Props) {
  const { run, error: runError } = useSyncRun(workspaceId, connection.lastRun);
  const state = connectionState(connection);
  const headingId = `connection-${connection.id}`;
  // The picker starts again from the saved selection whenever the backend's changes.
  const savedSelection = connection.accounts
    .filter((a) => a.selected)
    .map((a) => a.externalId)
    .join('\n');

  return (
    <article className="card connection" aria-label={connection.label} data-testid="connection" data-status={connection.status}>
      <header className="card__header">
        <div className="connection__title">
          <h2 id={headingId}>{connection.label}</h2>
          <span className="muted">{connection.platformName}</span>
        </div>
        <StatusBadge state={state.kind} />
      </header>
      {(state.kind === 'needsReconnecting' || state.kind === 'disconnected') && (
        <div className="connection__alert" role="alert" data-testid="connection-reason">
          <span>
            {state.reason ??
              (state.kind === 'needsReconnecting'
                ? `${connection.platformName} no longer accepts the saved sign-in.`
                : 'This connection is off.')}
          </span>
          <button type="button" className="btn btn--small btn--primary" onClick={() => onReconnect(connection)}>
            Reconnect
          </button>
        </div>
      )}
      {state.kind === 'paused' && (
        <p className="connection__paused" data-testid="connection-paused">
          Paused until {formatInstant(state.until)}: {connection.platformName} asked us to wait
          before reading more. The next sync goes on from there.
        </p>
      )}
      <dl className="connection__facts">
        <div>
          <dt>Last synced</dt>
          <dd data-testid="last-synced">
            {connection.lastSyncedAt !== null ? formatInstant(connection.lastSyncedAt) : 'Not yet'}
          </dd>
        </div>
        <div>
          <dt>Next sync</dt>
          <dd data-testid="next-sync">
            {connection.nextSyncAt !== null
              ? formatInstant(connection.nextSyncAt)
              : connection.syncCron === null
                ? 'Only when you press Sync now'
                : 'Not planned yet'}
          </dd>
        </div>
        {connection.apiRoot !== null && (
          <div>
            <dt>API address</dt>
            <dd className="connection__api-root">{connection.apiRoot}</dd>
          </div>
        )}
      </dl>
      <div className="connection__settings">
        <AccountPicker
          key={savedSelection}
          workspaceId={workspaceId}
          connectionId={connection.id}
          accounts={connection.accounts}
        />
        <SchedulePicker workspaceId={workspaceId} connection={connection} />
      </div>
      <SyncNow workspaceId={workspaceId} connectionId={connection.id} running={run?.status === 'running'} />
      {runError !== null && <ErrorBanner error={runError} context="Reading the sync's progress" />}
      {run !== null && <SyncPanel run={run} />}
      <RemoveConnection workspaceId={workspaceId} connection={connection} />
    </article>
  );
}

function StatusBadge({ state }: { state: ReturnType<typeof connectionState>['kind'] }) {
  const [text, tone] =
    state === 'connected'
      ? ['Connected', 'succeeded']
      : state === 'paused'
        ? ['Paused', 'queued']
        : state === 'needsReconnecting'
          ? ['Needs reconnecting', 'failed']
          : ['Disconnected', 'failed'];
  return (
    <span className={`badge badge--${tone}`} data-testid="connection-status">
      {text}
    </span>
  );
}

function AccountPicker({
  workspaceId,
  connectionId,
  accounts,
}: {
  workspaceId: string;
  connectionId: string;
  accounts: readonly ConnectionAccountView[];
}) {
  const saved = accounts.filter((a) => a.selected).map((a) => a.externalId);
  const [picked, setPicked] = useState<ReadonlySet<string>>(() => new Set(saved));
  const select = useSelectAccounts(workspaceId, connectionId);
  const changed = picked.size !== saved.length || saved.some((id) => !picked.has(id));

  function toggle(id: string, on: boolean) {
    const next = new Set(picked);
    if (on) next.add(id);
    else next.delete(id);
    setPicked(next);
  }

  function save(event: FormEvent) {
    event.preventDefault();
    // In the order the platform lists them, so the request does not depend on click order.
    select.mutate(accounts.filter((a) => picked.has(a.externalId)).map((a) => a.externalId));
  }

  return (
    <form className="account-picker" aria-label="Accounts to sync" onSubmit={save}>
      <fieldset>
        <legend>Accounts to sync</legend>
        {accounts.length === 0 ? (
          <p className="empty-hint">The platform listed no account for this sign-in.</p>
        ) : (
          <ul className="account-picker__list">
            {accounts.map((a) => (
              <li key={a.externalId}>
                <label className="switch">
                  <input
                    type="checkbox"
                    checked={picked.has(a.externalId)}
                    onChange={(e) => toggle(a.externalId, e.target.checked)}
                    disabled={select.isPending}
                  />
                  <span className="account-picker__name">{a.name}</span>
                  <span className="muted">
                    {a.externalId} · {a.currency} · {a.timeZone}
                  </span>
                </label>
              </li>
            ))}
          </ul>
        )}
      </fieldset>
      {accounts.length > 0 && (
        <div className="account-picker__actions">
          <button type="submit" className="btn btn--small" disabled={!changed || select.isPending}>
            {select.isPending ? 'Saving…' : 'Save accounts'}
          </button>
          {picked.size === 0 && <span className="muted">With none picked, a sync reads nothing.</span>}
        </div>
      )}
      {select.error !== null && (
        <ErrorBanner error={select.error} context="The accounts were not saved" onDismiss={select.reset} />
      )}
    </form>
  );
}

function SchedulePicker({ workspaceId, connection }: { workspaceId: string; connection: ConnectionView }) {
  const schedule = useSetSchedule(workspaceId, connection.id);
  const id = `schedule-${connection.id}`;
  const current = connection.syncCron ?? '';
  const known = SCHEDULES.some((s) => (s.cron ?? '') === current);
  return (
    <div className="field schedule-picker">
      <label htmlFor={id}>Sync by itself</label>
      <select
        id={id}
        value={current}
        disabled={schedule.isPending}
        onChange={(e) => {
          const cron = e.target.value;
          schedule.mutate(cron === '' ? null : cron);
        }}
      >
        {!known && <option value={current}>Custom ({current})</option>}
        {SCHEDULES.map((s) => (
          <option key={s.label} value={s.cron ?? ''}>
            {s.label}
          </option>
        ))}
      </select>
      {schedule.error !== null && (
        <ErrorBanner error={schedule.error} context="The schedule was not changed" onDismiss={schedule.reset} />
      )}
    </div>
  );
}

function SyncNow({
  workspaceId,
  connectionId,
  running,
}: {
  workspaceId: string;
  connectionId: string;
  running: boolean;
}) {
  const start = useStartSync(workspaceId);
  const [from, setFrom] = useState('');
  const [full, setFull] = useState(false);
  const fromId = `sync-from-${connectionId}`;

  function submit(event: FormEvent) {
    event.preventDefault();
    start.mutate(
      { connectionId, from: from === '' ? null : from, full },
      {
        onSuccess: () => {
          setFrom('');
          setFull(false);
        },
      },
    );
  }

  return (
    <form className="sync-now" aria-label="Sync now" onSubmit={submit}>
      <button type="submit" className="btn btn--primary" disabled={running || start.isPending}>
        Sync now
      </button>
      <div className="sync-now__from">
        <label htmlFor={fromId}>From (optional)</label>
        <input
          id={fromId}
          type="date"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          disabled={running || start.isPending}
        />
      </div>
      <label className="switch">
        <input
          type="checkbox"
          checked={full}
          onChange={(e) => setFull(e.target.checked)}
          disabled={running || start.isPending}
        />
        <span>Read again from the day above (or the last 90 days)</span>
      </label>
      {start.error !== null && (
        <ErrorBanner error={start.error} context="The sync did not start" onDismiss={start.reset} />
      )}
    </form>
  );
}

function RemoveConnection({ workspaceId, connection }: { workspaceId: string; connection: ConnectionView }) {
  const remove = useRemoveConnection(workspaceId);
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <div className="connection__remove">
        <button type="button" className="btn btn--small btn--ghost" onClick={() => setConfirming(true)}>
          Remove
        </button>
      </div>
    );
  }
  return (
    <div className="connection__confirm" role="group" aria-label="Remove this connection?">
      <p>
        Remove “{connection.label}”? ProfitWheel forgets its sign-in and stops syncing it. The
        campaigns and numbers it already synced stay in this workspace.
      </p>
      <div className="form-actions">
        <button type="button" className="btn btn--small" onClick={() => setConfirming(false)} disabled={remove.isPending}>
          Keep it
        </button>
        <button
          type="button"
          className="btn btn--small btn--primary"
          onClick={() => remove.mutate(connection.id)}
          disabled={remove.isPending}
        >
          {remove.isPending ? 'Removing…' : 'Remove connection'}
        </button>
      </div>
      {remove.error !== null && (
        <ErrorBanner error={remove.error} context="The connection was not removed" onDismiss={remove.reset} />
      )}
    </div>
  );
}
