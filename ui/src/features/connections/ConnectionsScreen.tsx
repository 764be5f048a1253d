import { useState } from 'react';
import { ErrorBanner } from '../../components/ErrorBanner';
import type { ConnectionView, WorkspaceSummary } from '../../ipc/backend';
import { ConnectForm } from './ConnectForm';
import type { ConnectPreset } from './ConnectForm';
import { ConnectionCard } from './ConnectionCard';
import { useConnections, useConnectorPlatforms } from './connectionQueries';
import { EnrichmentPanel } from './EnrichmentPanel';
import '../twins/twins.css';
import './connections.css';

/** The connect form is closed, open for a new connection, or open to reconnect one. */
type FormState = { open: false } | { open: true; preset: ConnectPreset | null; reconnecting: string | null };

/**
 * A workspace's ad-platform connections: connect one, pick its accounts and schedule, sync it
 * now and follow the sync, read what the last one brought and what to do about it.
 */
export function ConnectionsScreen({ workspace }: { workspace: WorkspaceSummary }) {
  const connections = useConnections(workspace.id);
  const platforms = useConnectorPlatforms();
  const [form, setForm] = useState<FormState>({ open: false });
  // Each opening starts a fresh form (a Reconnect fills in another platform).
  const [formKey, setFormKey] = useState(0);
  const list = connections.data ?? null;
  const empty = list !== null && list.length === 0;
  const formShown = form.open || empty;

  function openForm(preset: ConnectPreset | null, reconnecting: string | null) {
    setForm({ open: true, preset, reconnecting });
    setFormKey((k) => k + 1);
  }

  function reconnect(connection: ConnectionView) {
    openForm(
      { platform: connection.platform, label: connection.label, apiRoot: connection.apiRoot },
      connection.label,
    );
    // The form sits above the cards: bring it into view.
    requestAnimationFrame(() =>
      document.getElementById('connect-heading')?.scrollIntoView?.({ block: 'start', behavior: 'smooth' }),
    );
  }

  return (
    <main className="connections-screen" aria-labelledby="connections-title">
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="connections-title">Connections</h1>
          <p className="muted">
            Your ad and analytics accounts (Meta, Google Ads, TikTok, Pinterest, LinkedIn, Snapchat,
            DV360, GA4, YouTube), read into {workspace.name} every night (or when you say). Tokens
            and sign-ins are kept in your system keychain and never shown again.
          </p>
        </div>
        {!formShown && (
          <div className="dashboard__actions">
            <button
              type="button"
              className="btn btn--primary"
              onClick={() => openForm(null, null)}
              data-testid="open-connect"
            >
              Connect a platform
            </button>
          </div>
        )}
      </header>

      {formShown && (
        <section className="card" aria-labelledby="connect-heading">
          <header className="card__header">
            <h2 id="connect-heading">
              {form.open && form.reconnecting !== null ? 'Reconnect' : 'Connect a platform'}
            </h2>
          </header>
          {empty && (
            <p className="connections-empty" data-testid="connections-empty">
              <strong>No connections yet.</strong> Connect an ad platform and ProfitWheel reads your
              campaigns, their daily numbers and audiences into this workspace.
            </p>
          )}
          {platforms.error !== null && (
            <ErrorBanner
              error={platforms.error}
              context="Loading the platforms"
              onRetry={() => void platforms.refetch()}
            />
          )}
          {platforms.data === undefined ? (
            platforms.error === null && <p className="empty-hint">Loading the platforms…</p>
          ) : (
            <ConnectForm
              key={formKey}
              workspaceId={workspace.id}
              platforms={platforms.data}
              preset={form.open ? form.preset : null}
              reconnecting={form.open ? form.reconnecting : null}
              showSandboxHint={empty}
              onConnected={() => setForm({ open: false })}
              onCancel={empty ? undefined : () => setForm({ open: false })}
            />
          )}
        </section>
      )}

      {connections.error !== null && (
        <ErrorBanner
          error={connections.error}
          context="Loading the connections"
          onRetry={() => void connections.refetch()}
        />
      )}
      {list === null && connections.error === null && <p className="empty-hint">Loading the connections…</p>}
      {list !== null && list.length > 0 && (
        <div className="connection-list">
          {list.map((c) => (
            <ConnectionCard key={c.id} workspaceId={workspace.id} connection={c} onReconnect={reconnect} />
          ))}
        </div>
      )}
      <EnrichmentPanel workspaceId={workspace.id} />
    </main>
  );
}
