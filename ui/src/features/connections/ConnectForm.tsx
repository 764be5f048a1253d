import { backend } from '../../ipc/backend';
import { useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ErrorBanner } from '../../components/ErrorBanner';
import type { ConnectionView, ConnectorPlatformView } from '../../ipc/backend';
import { useBeginSignIn, useConnectWithToken, useFinishSignIn } from './connectionQueries';
import { GOOGLE_ADS, SANDBOX_ADDRESS } from './connectionText';

/** What a Reconnect fills in: the platform, and the label and address the old one had. */
export interface ConnectPreset {
  platform: string;
  label: string | null;
  apiRoot: string | null;
}

interface Props {
  workspaceId: string;
  platforms: readonly ConnectorPlatformView[];
  preset?: ConnectPreset | null;
  /** The label of the connection being reconnected, to say what happens to it. */
  reconnecting?: string | null;
  /** Under the form when there is no connection yet: where to practise. */
  showSandboxHint?: boolean;
  onConnected?: (connection: ConnectionView) => void;
  onCancel?: () => void;
}

type Method = 'token' | 'signIn';

const blankIsNull = (text: string): string | null => (text.trim() === '' ? null : text.trim());

/** A port typed in the form (1 to 65535), or null for the platform's default. */
function portOrNull(text: string): number | null {
  const port = Number.parseInt(text, 10);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : null;
}

/** The address to register: the platform's default, on the port the person typed if any. */
function registeredAddress(defaultUri: string, typedPort: string): string {
  const port = portOrNull(typedPort);
  return port === null ? defaultUri : `http://127.0.0.1:${port}/`;
}

/**
 * Connects a platform: a pasted token, or signing in in the system browser. Secrets live in
 * password fields only until the connection is made; nothing secret ever comes back.
 */
export function ConnectForm({
  workspaceId,
  platforms,
  preset = null,
  reconnecting = null,
  showSandboxHint = false,
  onConnected,
  onCancel,
}: Props) {
  const [picked, setPicked] = useState<string | null>(preset?.platform ?? null);
  const platform = platforms.find((p) => p.platform === picked) ?? platforms[0] ?? null;
  const [chosenMethod, setChosenMethod] = useState<Method>('token');
  const method: Method =
    platform === null
      ? 'token'
      : chosenMethod === 'signIn' && platform.signIn
        ? 'signIn'
        : platform.token
          ? 'token'
          : 'signIn';

  const [token, setToken] = useState('');
  const [refreshToken, setRefreshToken] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [developerToken, setDeveloperToken] = useState('');
  const [apiRoot, setApiRoot] = useState(preset?.apiRoot ?? '');
  const [label, setLabel] = useState(preset?.label ?? '');
  const [redirectPort, setRedirectPort] = useState('');
  const [advancedOpen, setAdvancedOpen] = useState(Boolean(preset?.apiRoot));
  const [waiting, setWaiting] = useState<{ signInId: string; authorizeUrl: string; redirectUri: string } | null>(
    null,
  );
  // A sign-in the person stopped waiting for may still answer later: only the latest counts.
  const attempt = useRef(0);

  const connect = useConnectWithToken(workspaceId);
  const begin = useBeginSignIn();
  const finish = useFinishSignIn(workspaceId);
  const error = connect.error ?? begin.error ?? finish.error;
  const busy = connect.isPending || begin.isPending || waiting !== null;
  const isGoogleAds = platform?.platform === GOOGLE_ADS;

  function clearAll() {
    setToken('');
    setRefreshToken('');
    setClientId('');
    setClientSecret('');
    setDeveloperToken('');
    setApiRoot('');
    setLabel('');
    setRedirectPort('');
  }

  function resetErrors() {
    connect.reset();
    begin.reset();
    finish.reset();
  }

  function done(connection: ConnectionView) {
    // Only now are the secrets forgotten: a failed try keeps everything for the next one.
    // The mutations held them as their variables too.
    clearAll();
    connect.reset();
    begin.reset();
    finish.reset();
    onConnected?.(connection);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (platform === null || busy) return;
    resetErrors();
    const credentials = {
      workspaceId,
      platform: platform.platform,
      clientSecret: blankIsNull(clientSecret),
      developerToken: isGoogleAds ? blankIsNull(developerToken) : null,
      apiRoot: blankIsNull(apiRoot),
      label: blankIsNull(label),
    };
    if (method === 'token') {
      connect.mutate(
        { ...credentials, token: token.trim(), refreshToken: blankIsNull(refreshToken), clientId: blankIsNull(clientId) },
        { onSuccess: done },
      );
      return;
    }
    const mine = ++attempt.current;
    begin.mutate(
      { ...credentials, clientId: clientId.trim(), redirectPort: portOrNull(redirectPort) },
      {
        onSuccess: (started) => {
          if (mine !== attempt.current) return;
          setWaiting(started);
          finish.mutate(started.signInId, {
            onSuccess: (connection) => {
              if (mine !== attempt.current) return;
              setWaiting(null);
              done(connection);
            },
            onError: () => {
              if (mine === attempt.current) setWaiting(null);
            },
          });
        },
      },
    );
  }

  function stopWaiting() {
    // The backend stops waiting too, so a late approval in the browser connects nothing.
    if (waiting !== null) void backend.cancelSignIn(waiting.signInId).catch(() => undefined);
    attempt.current += 1;
    setWaiting(null);
    finish.reset();
  }

  if (platforms.length === 0 || platform === null) {
    return <p className="empty-hint">This version has no platform to connect.</p>;
  }

  const canSubmit =
    !busy &&
    (method === 'token' ? token.trim() !== '' : clientId.trim() !== '');

  return (
    <form className="connect-form" aria-label="Connect a platform" onSubmit={submit}>
      {reconnecting !== null && (
        <p className="notice" data-testid="reconnect-notice">
          Connecting {platform.name} again makes a new connection. Once it works, remove the old
          one (“{reconnecting}”); the data it synced stays.
        </p>
      )}
      <div className="form-grid">
        <div className="field">
          <label htmlFor="connect-platform">Platform</label>
          <select
            id="connect-platform"
            value={platform.platform}
            disabled={busy}
            onChange={(e) => {
              setPicked(e.target.value);
              resetErrors();
            }}
          >
            {platforms.map((p) => (
              <option key={p.platform} value={p.platform}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        {platform.token && platform.signIn && (
          <div className="field">
            <span className="connect-form__legend" id="connect-method">
              How
            </span>
            <div className="segmented" role="group" aria-labelledby="connect-method">
              <button
                type="button"
                className="segmented__item"
                aria-pressed={method === 'token'}
                disabled={busy}
                onClick={() => setChosenMethod('token')}
              >
                Paste a token
              </button>
              <button
                type="button"
                className="segmented__item"
                aria-pressed={method === 'signIn'}
                disabled={busy}
                onClick={() => setChosenMethod('signIn')}
              >
                Sign in in the browser
              </button>
            </div>
          </div>
        )}
      </div>
      <p className="muted connect-form__needs" data-testid="platform-needs">
        You need: {platform.needs}
      </p>
      {method === 'signIn' && platform.redirectUri !== null && (
        <p className="muted connect-form__needs" data-testid="redirect-to-register">
          {platform.name} sends the browser back only to an address your app has registered: add{' '}
          <code>{registeredAddress(platform.redirectUri, redirectPort)}</code> to your app's redirect addresses.
        </p>
      )}
      <div className="form-grid">
        {method === 'token' && (
          <div className="field">
            <label htmlFor="connect-token">Access token</label>
            <input
              id="connect-token"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={token}
              disabled={busy}
              onChange={(e) => setToken(e.target.value)}
            />
          </div>
        )}
        {method === 'token' && (
          <div className="field">
            <label htmlFor="connect-refresh-token">Refresh token (optional)</label>
            <input
              id="connect-refresh-token"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={refreshToken}
              disabled={busy}
              onChange={(e) => setRefreshToken(e.target.value)}
            />
          </div>
        )}
        <div className="field">
          <label htmlFor="connect-client-id">Client id</label>
          <input
            id="connect-client-id"
            autoComplete="off"
            spellCheck={false}
            placeholder={method === 'signIn' ? 'Needed to sign in' : 'Optional'}
            value={clientId}
            disabled={busy}
            onChange={(e) => setClientId(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="connect-client-secret">Client secret</label>
          <input
            id="connect-client-secret"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="Optional"
            value={clientSecret}
            disabled={busy}
            onChange={(e) => setClientSecret(e.target.value)}
          />
        </div>
        {isGoogleAds && (
          <div className="field">
            <label htmlFor="connect-developer-token">Developer token</label>
            <input
              id="connect-developer-token"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={developerToken}
              disabled={busy}
              onChange={(e) => setDeveloperToken(e.target.value)}
            />
          </div>
        )}
      </div>
      <details
        className="connect-form__advanced"
        open={advancedOpen}
        onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}
      >
        <summary>Advanced</summary>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="connect-api-root">API address</label>
            <input
              id="connect-api-root"
              spellCheck={false}
              placeholder={`the platform's own — set it to use the sandbox, e.g. ${SANDBOX_ADDRESS}`}
              value={apiRoot}
              disabled={busy}
              onChange={(e) => setApiRoot(e.target.value)}
            />
          </div>
          {method === 'signIn' && (
            <div className="field">
              <label htmlFor="connect-redirect-port">Return port</label>
              <input
                id="connect-redirect-port"
                inputMode="numeric"
                placeholder={platform.redirectUri === null ? 'Any free port' : 'The registered address’s port'}
                value={redirectPort}
                disabled={busy}
                onChange={(e) => setRedirectPort(e.target.value.replace(/[^0-9]/g, ''))}
              />
            </div>
          )}
          <div className="field">
            <label htmlFor="connect-label">Label</label>
            <input
              id="connect-label"
              placeholder="Named after the platform and account"
              value={label}
              disabled={busy}
              onChange={(e) => setLabel(e.target.value)}
            />
          </div>
        </div>
      </details>
      {waiting !== null && (
        <div className="connect-form__waiting" role="status" data-testid="sign-in-waiting">
          <p>Waiting for you to approve in your browser…</p>
          <p className="muted">If the browser did not open, copy this address into it:</p>
          <code className="connect-form__url" data-testid="authorize-url">
            {waiting.authorizeUrl}
          </code>
          <p className="muted">
            The browser comes back to <code data-testid="redirect-uri">{waiting.redirectUri}</code>.
          </p>
        </div>
      )}
      {error !== null && (
        <ErrorBanner
          error={error}
          context={method === 'token' ? 'Not connected' : 'The sign-in did not finish'}
          onDismiss={resetErrors}
        />
      )}
      <div className="form-actions">
        {onCancel && (
          <button type="button" className="btn btn--ghost" onClick={onCancel} disabled={connect.isPending}>
            Cancel
          </button>
        )}
        {waiting !== null && (
          <button type="button" className="btn" onClick={stopWaiting}>
            Stop waiting
          </button>
        )}
        <button type="submit" className="btn btn--primary" disabled={!canSubmit}>
          {method === 'token'
            ? connect.isPending
              ? 'Checking the token…'
              : 'Connect'
            : begin.isPending
              ? 'Opening the browser…'
              : `Sign in with ${platform.name}`}
        </button>
      </div>
      {showSandboxHint && (
        <p className="muted connect-form__sandbox" data-testid="sandbox-hint">
          To practise first, run <code>profitwheel sandbox</code>: it serves a practice Meta,
          Google Ads and TikTok at <code>{SANDBOX_ADDRESS}</code>. Put that address under
          Advanced → API address, with the token it prints for that platform.{' '}
          <button
            type="button"
            className="btn btn--small btn--ghost"
            onClick={() => {
              setApiRoot(SANDBOX_ADDRESS);
              setAdvancedOpen(true);
            }}
            disabled={busy}
          >
            Use the sandbox address
          </button>
        </p>
      )}
    </form>
  );
}
