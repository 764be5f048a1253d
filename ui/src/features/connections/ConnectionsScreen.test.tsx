import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../App';
import type {
  ConnectionView,
  ConnectorPlatformView,
  SyncRunView,
  SyncStreamView,
} from '../../ipc/backend';
import { workspace } from '../../test/fixtures';
import { callsTo, ipcError, mockBackend } from '../../test/ipc';
import type { Handler } from '../../test/ipc';
import { renderWithQueryClient } from '../../test/queryClient';
import { ConnectForm } from './ConnectForm';

const PLATFORMS: ConnectorPlatformView[] = [
  { platform: 'meta', name: 'Meta', signIn: false, token: true, needs: 'A long-lived user token with ads_read.', redirectUri: null },
  {
    platform: 'google_ads', name: 'Google Ads', signIn: true, token: true, needs: 'Your OAuth client and the developer token.',
    redirectUri: null,
  },
  {
    platform: 'tiktok', name: 'TikTok', signIn: true, token: true, needs: "Your TikTok app's id and secret.",
    redirectUri: 'http://127.0.0.1:47615/',
  },
];

function connection(overrides: Partial<ConnectionView> = {}): ConnectionView {
  return {
    id: 'con-1',
    workspaceId: 'ws-1',
    platform: 'meta',
    platformName: 'Meta',
    label: 'Meta · Halcyon',
    status: 'connected',
    statusReason: null,
    authKind: 'token',
    apiRoot: null,
    pausedUntil: null,
    syncCron: '30 2 * * *',
    lastSyncedAt: null,
    nextSyncAt: '2026-12-01T02:30:00Z',
    accounts: [
      { externalId: 'act_1', name: 'Halcyon US', currency: 'USD', timeZone: 'America/New_York', selected: true },
      { externalId: 'act_2', name: 'Halcyon EU', currency: 'EUR', timeZone: 'Europe/Berlin', selected: false },
    ],
    lastRun: null,
    ...overrides,
  };
}

function stream(overrides: Partial<SyncStreamView> = {}): SyncStreamView {
  return {
    account: 'act_1',
    accountName: 'Halcyon US',
    stream: 'campaigns',
    words: 'campaigns',
    state: 'done',
    windowFrom: null,
    windowUntil: null,
    doneThrough: null,
    records: 12,
    pages: 1,
    issuesCount: 0,
    issues: [],
    problem: null,
    ...overrides,
  };
}

function syncRun(overrides: Partial<SyncRunView> = {}): SyncRunView {
  return {
    id: 'run-1',
    connectionId: 'con-1',
    jobId: 'job-sync',
    status: 'running',
    startedAt: '2026-11-30T03:00:00Z',
    finishedAt: null,
    streams: [],
    report: null,
    ...overrides,
  };
}

function backendWith(handlers: Record<string, Handler>) {
  return mockBackend({
    list_jobs: () => [],
    list_workspaces: () => [workspace({ id: 'ws-1', name: 'Halcyon' })],
    list_connector_platforms: () => PLATFORMS,
    list_connections: () => [],
    list_enrichment_keys: () => ENRICHMENT_KEYS,
    ...handlers,
  });
}

const ENRICHMENT_KEYS = [
  { service: 'census', name: 'The Census API', purpose: 'Refreshes the population tables.', saved: false },
  { service: 'serper', name: 'Serper', purpose: 'Searches the web and the news.', saved: true },
];

/** A backend whose one connection changes as the commands arrive, like the real one. */
function statefulBackend(initial: ConnectionView, handlers: Record<string, Handler> = {}) {
  let current = initial;
  const calls = backendWith({
    list_connections: () => [current],
    set_sync_schedule: (args) => {
      const { cron } = args.request as { cron: string | null };
      current = { ...current, syncCron: cron, nextSyncAt: cron === null ? null : current.nextSyncAt };
      return current;
    },
    select_connection_accounts: (args) => {
      const { accounts } = args.request as { accounts: string[] };
      current = {
        ...current,
        accounts: current.accounts.map((a) => ({ ...a, selected: accounts.includes(a.externalId) })),
      };
      return current;
    },
    ...handlers,
  });
  return calls;
}

function openAt(hash: string) {
  window.history.replaceState(null, '', `/${hash}`);
  render(<App />);
}

const card = (label: string) => screen.findByRole('article', { name: label });

describe('Connections', () => {
  it('opens from the navigation, and with no connection shows the connect form and the sandbox', async () => {
    backendWith({});
    openAt('#/w/ws-1/dashboard');
    await userEvent.click(await screen.findByRole('link', { name: 'Connections' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Connections' })).toBeInTheDocument();
    expect(window.location.hash).toBe('#/w/ws-1/connections');
    expect(await screen.findByTestId('connections-empty')).toHaveTextContent('No connections yet');
    expect(screen.getByTestId('sandbox-hint')).toHaveTextContent('profitwheel sandbox');
    expect(screen.getByTestId('sandbox-hint')).toHaveTextContent('http://127.0.0.1:8765');
    expect(await screen.findByLabelText('Platform')).toHaveValue('meta');
    expect(screen.getByTestId('platform-needs')).toHaveTextContent('A long-lived user token');
  });

  it('connects with a token: sends the form, keeps it after a refusal, and shows the new card', async () => {
    let connected: ConnectionView[] = [];
    let tries = 0;
    const calls = backendWith({
      list_connections: () => connected,
      connect_with_token: () => {
        tries += 1;
        if (tries === 1) ipcError('invalidInput', 'Google Ads refused the token: it has expired');
        connected = [connection({ id: 'con-g', platform: 'google_ads', platformName: 'Google Ads', label: 'Sandbox Ads' })];
        return connected[0];
      },
    });
    openAt('#/w/ws-1/connections');
    await userEvent.selectOptions(await screen.findByLabelText('Platform'), 'google_ads');
    expect(screen.getByTestId('platform-needs')).toHaveTextContent('developer token');
    const tokenField = screen.getByLabelText('Access token');
    expect(tokenField).toHaveAttribute('type', 'password');
    await userEvent.type(tokenField, 'tok-123');
    await userEvent.type(screen.getByLabelText('Refresh token (optional)'), 'refresh-7');
    await userEvent.type(screen.getByLabelText('Client id'), 'client-1');
    await userEvent.type(screen.getByLabelText('Client secret'), 'shh');
    expect(screen.getByLabelText('Client secret')).toHaveAttribute('type', 'password');
    await userEvent.type(screen.getByLabelText('Developer token'), 'dev-9');
    await userEvent.click(screen.getByText('Advanced'));
    const apiRoot = screen.getByLabelText('API address');
    expect(apiRoot).toHaveAttribute('placeholder', expect.stringContaining('http://127.0.0.1:8765'));
    await userEvent.type(apiRoot, 'http://127.0.0.1:8765');
    await userEvent.type(screen.getByLabelText('Label'), 'Sandbox Ads');
    await userEvent.click(screen.getByRole('button', { name: 'Connect' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('it has expired');
    // Nothing typed is lost by a refusal: the next try sends the same.
    expect(screen.getByLabelText('Access token')).toHaveValue('tok-123');
    expect(screen.getByLabelText('Client secret')).toHaveValue('shh');
    await userEvent.click(screen.getByRole('button', { name: 'Connect' }));

    expect(await card('Sandbox Ads')).toBeInTheDocument();
    const sent = callsTo(calls, 'connect_with_token');
    expect(sent).toHaveLength(2);
    expect(sent[1].args).toEqual({
      request: {
        workspaceId: 'ws-1',
        platform: 'google_ads',
        token: 'tok-123',
        refreshToken: 'refresh-7',
        clientId: 'client-1',
        clientSecret: 'shh',
        developerToken: 'dev-9',
        apiRoot: 'http://127.0.0.1:8765',
        label: 'Sandbox Ads',
      },
    });
    // The form closed; opened again, it holds nothing of the last one.
    expect(screen.queryByLabelText('Access token')).not.toBeInTheDocument();
    await userEvent.click(screen.getByTestId('open-connect'));
    expect(screen.getByLabelText('Access token')).toHaveValue('');
    expect(screen.getByLabelText('Refresh token (optional)')).toHaveValue('');
  });

  it('clears the token and the other secrets once connected', async () => {
    const calls = mockBackend({ connect_with_token: () => connection() });
    let done: ConnectionView | null = null;
    renderWithQueryClient(
      <ConnectForm workspaceId="ws-1" platforms={PLATFORMS} onConnected={(c) => (done = c)} />,
    );
    await userEvent.type(screen.getByLabelText('Access token'), 'EAAB-secret');
    await userEvent.click(screen.getByRole('button', { name: 'Connect' }));
    await waitFor(() => expect(done).not.toBeNull());
    expect(screen.getByLabelText('Access token')).toHaveValue('');
    expect(screen.queryByDisplayValue('EAAB-secret')).toBeNull();
    expect(callsTo(calls, 'connect_with_token')[0].args).toEqual({
      request: {
        workspaceId: 'ws-1', platform: 'meta', token: 'EAAB-secret', refreshToken: null, clientId: null, clientSecret: null,
        developerToken: null, apiRoot: null, label: null,
      },
    });
  });

  it('signs in in the browser, shows the address to copy while it waits, and then the card', async () => {
    let approve: (c: ConnectionView) => void = () => undefined;
    let connected: ConnectionView[] = [];
    const calls = backendWith({
      list_connections: () => connected,
      begin_sign_in: () => ({
        signInId: 'si-1',
        authorizeUrl: 'http://127.0.0.1:8765/google/o/oauth2/auth?client_id=cid',
        redirectUri: 'http://127.0.0.1:40123/',
      }),
      finish_sign_in: () =>
        new Promise<ConnectionView>((resolve) => {
          approve = (c) => {
            connected = [c];
            resolve(c);
          };
        }),
    });
    openAt('#/w/ws-1/connections');
    await userEvent.selectOptions(await screen.findByLabelText('Platform'), 'google_ads');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in in the browser' }));
    expect(screen.queryByLabelText('Access token')).not.toBeInTheDocument();
    // Google takes any loopback address: nothing to register.
    expect(screen.queryByTestId('redirect-to-register')).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Client id'), 'cid');
    await userEvent.type(screen.getByLabelText('Developer token'), 'dev-9');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in with Google Ads' }));

    const waiting = await screen.findByTestId('sign-in-waiting');
    expect(waiting).toHaveTextContent('Waiting for you to approve in your browser…');
    expect(screen.getByTestId('authorize-url')).toHaveTextContent('client_id=cid');
    expect(screen.getByTestId('redirect-uri')).toHaveTextContent('http://127.0.0.1:40123/');
    expect(callsTo(calls, 'begin_sign_in')[0].args).toEqual({
      request: {
        workspaceId: 'ws-1', platform: 'google_ads', clientId: 'cid', clientSecret: null,
        developerToken: 'dev-9', apiRoot: null, label: null, redirectPort: null,
      },
    });
    await waitFor(() => expect(callsTo(calls, 'finish_sign_in')[0]?.args).toEqual({ signInId: 'si-1' }));
    approve(connection({ id: 'con-g', label: 'Google Ads · Halcyon', platform: 'google_ads', authKind: 'oauth' }));
    expect(await card('Google Ads · Halcyon')).toBeInTheDocument();
  });

  it('names the redirect address to register for a platform that matches it exactly, on the port chosen', async () => {
    const calls = backendWith({
      begin_sign_in: () => new Promise(() => undefined),
    });
    openAt('#/w/ws-1/connections');
    await userEvent.selectOptions(await screen.findByLabelText('Platform'), 'tiktok');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in in the browser' }));
    expect(screen.getByTestId('redirect-to-register')).toHaveTextContent('http://127.0.0.1:47615/');
    await userEvent.type(screen.getByLabelText('Return port'), '8123');
    expect(screen.getByTestId('redirect-to-register')).toHaveTextContent('http://127.0.0.1:8123/');
    await userEvent.type(screen.getByLabelText('Client id'), 'app-1');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in with TikTok' }));
    await waitFor(() => expect(callsTo(calls, 'begin_sign_in')[0]?.args).toMatchObject({ request: { redirectPort: 8123 } }));
  });

  it('says when a connection needs reconnecting, and Reconnect opens the form for its platform', async () => {
    backendWith({
      list_connections: () => [
        connection({
          platform: 'tiktok',
          platformName: 'TikTok',
          label: 'TikTok · Halcyon',
          status: 'needs_reauth',
          statusReason: 'TikTok no longer accepts the token: sign in again.',
          apiRoot: 'http://127.0.0.1:8765',
        }),
      ],
    });
    openAt('#/w/ws-1/connections');
    const article = await card('TikTok · Halcyon');
    expect(within(article).getByTestId('connection-status')).toHaveTextContent('Needs reconnecting');
    expect(within(article).getByTestId('connection-reason')).toHaveTextContent('TikTok no longer accepts the token');
    expect(screen.queryByLabelText('Access token')).not.toBeInTheDocument();
    await userEvent.click(within(article).getByRole('button', { name: 'Reconnect' }));
    expect(await screen.findByLabelText('Platform')).toHaveValue('tiktok');
    expect(screen.getByLabelText('API address')).toHaveValue('http://127.0.0.1:8765');
    expect(screen.getByTestId('reconnect-notice')).toHaveTextContent('TikTok · Halcyon');
  });

  it('says when the platform asked to wait', async () => {
    backendWith({ list_connections: () => [connection({ pausedUntil: '2999-01-01T10:00:00Z' })] });
    openAt('#/w/ws-1/connections');
    const article = await card('Meta · Halcyon');
    expect(within(article).getByTestId('connection-status')).toHaveTextContent('Paused');
    expect(within(article).getByTestId('connection-paused')).toHaveTextContent('Meta asked us to wait');
  });

  it('shows a running sync stream by stream and reads it again every second', async () => {
    const running = syncRun({
      streams: [
        stream(),
        stream({
          stream: 'metrics:campaign', words: 'daily metrics by campaign', state: 'running',
          windowFrom: '2026-11-01', windowUntil: '2026-11-10', doneThrough: '2026-11-05', records: 40,
        }),
        stream({ account: 'act_2', accountName: 'Halcyon EU', state: 'pending', records: 0 }),
      ],
    });
    const calls = backendWith({
      list_connections: () => [connection({ lastRun: running })],
      get_sync_run: () => running,
    });
    openAt('#/w/ws-1/connections');
    const article = await card('Meta · Halcyon');
    expect(within(article).getByTestId('sync-status')).toHaveTextContent('Syncing');
    expect(within(article).getByTestId('sync-status')).toHaveAttribute('data-status', 'running');
    expect(within(article).getAllByTestId('sync-account')).toHaveLength(2);
    expect(within(article).getByRole('progressbar', { name: 'Halcyon US: campaigns' })).toHaveAttribute('aria-valuenow', '100');
    expect(
      within(article).getByRole('progressbar', { name: 'Halcyon US: daily metrics by campaign' }),
    ).toHaveAttribute('aria-valuenow', '50');
    expect(within(article).getByRole('progressbar', { name: 'Halcyon EU: campaigns' })).toHaveAttribute('aria-valuenow', '0');
    expect(within(article).getByRole('button', { name: 'Sync now' })).toBeDisabled();
    await waitFor(() => expect(callsTo(calls, 'get_sync_run').length).toBeGreaterThanOrEqual(2), { timeout: 4000 });
    expect(callsTo(calls, 'get_sync_run')[0].args).toEqual({ runId: 'run-1' });
  });

  it('reads the connections again when the polled run finishes, and cancels through the job', async () => {
    const running = syncRun({ streams: [stream({ state: 'running', records: 3 })] });
    const finished = syncRun({
      status: 'succeeded',
      finishedAt: '2026-11-30T03:01:00Z',
      streams: [stream()],
      report: { status: 'succeeded', headline: 'Synced 1 account: 12 records.', actions: [], accounts: 1, records: 12, issues: 0, accountsProblem: null },
    });
    let polls = 0;
    let listed = connection({ lastRun: running });
    const calls = backendWith({
      list_connections: () => [listed],
      cancel_job: () => ({ id: 'job-sync', state: 'running' }),
      get_sync_run: () => {
        polls += 1;
        if (polls < 2) return running;
        listed = connection({ lastRun: finished, lastSyncedAt: '2026-11-30T03:01:00Z' });
        return finished;
      },
    });
    openAt('#/w/ws-1/connections');
    const article = await card('Meta · Halcyon');
    await userEvent.click(within(article).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(callsTo(calls, 'cancel_job')[0]?.args).toEqual({ jobId: 'job-sync' }));
    expect(await within(article).findByTestId('sync-headline', {}, { timeout: 4000 })).toHaveTextContent(
      'Synced 1 account: 12 records.',
    );
    expect(within(article).getByTestId('sync-status')).toHaveAttribute('data-status', 'succeeded');
    await waitFor(() => expect(within(article).getByTestId('last-synced')).not.toHaveTextContent('Not yet'));
    expect(callsTo(calls, 'list_connections').length).toBeGreaterThanOrEqual(2);
    expect(within(article).getByRole('button', { name: 'Sync now' })).toBeEnabled();
  });

  it('shows the end of a partial sync: the headline, what to do, and the values left out', async () => {
    const partial = syncRun({
      status: 'partial',
      finishedAt: '2026-11-30T03:05:00Z',
      streams: [
        stream(),
        stream({
          stream: 'metrics:campaign', words: 'daily metrics by campaign', state: 'done', records: 300,
          windowFrom: '2026-11-01', windowUntil: '2026-11-10', doneThrough: '2026-11-10', issuesCount: 1,
          issues: [{ field: 'spend', value: 'n/a', reason: 'not a number' }],
        }),
        stream({
          stream: 'audiences', words: 'audiences', state: 'failed', records: 0,
          problem: { kind: 'refused', message: 'Meta refused to list the audiences.', action: 'Give the token ads_management.' },
        }),
      ],
      report: {
        status: 'partial',
        headline: 'Synced 1 account, but the audiences could not be read.',
        actions: ['Give the token ads_management, then sync again.'],
        accounts: 1,
        records: 312,
        issues: 1,
        accountsProblem: null,
      },
    });
    const calls = backendWith({ list_connections: () => [connection({ lastRun: partial, lastSyncedAt: '2026-11-30T03:05:00Z' })] });
    openAt('#/w/ws-1/connections');
    const article = await card('Meta · Halcyon');
    expect(within(article).getByTestId('sync-headline')).toHaveTextContent('Synced 1 account, but the audiences could not be read.');
    expect(within(article).getByTestId('sync-headline')).toHaveAttribute('data-status', 'partial');
    expect(within(article).getByTestId('sync-status')).toHaveTextContent('Partly synced');
    expect(within(article).getByTestId('sync-actions')).toHaveTextContent('Give the token ads_management, then sync again.');
    const troubles = within(article).getAllByTestId('sync-trouble');
    expect(troubles).toHaveLength(2);
    await userEvent.click(within(troubles[0]).getByText(/daily metrics by campaign/));
    const leftOut = within(troubles[0]).getByTestId('left-out-values');
    expect(within(leftOut).getByRole('row', { name: 'spend n/a not a number' })).toBeInTheDocument();
    expect(troubles[0]).toHaveTextContent('left out, not counted as zero');
    expect(troubles[1]).toHaveTextContent('Meta refused to list the audiences.');
    expect(troubles[1]).toHaveTextContent('Give the token ads_management.');
    expect(article).not.toHaveTextContent(/zeroed/);
    expect(within(article).getByTestId('last-synced')).not.toHaveTextContent('Not yet');
    // A finished run is not polled.
    expect(callsTo(calls, 'get_sync_run')).toHaveLength(0);
  });

  it('sets the schedule with its cron, and Off with none', async () => {
    const calls = statefulBackend(connection());
    openAt('#/w/ws-1/connections');
    const article = await card('Meta · Halcyon');
    const select = within(article).getByLabelText('Sync by itself');
    expect(select).toHaveValue('30 2 * * *');
    await userEvent.selectOptions(select, 'Every 6 hours');
    await waitFor(() => expect(callsTo(calls, 'set_sync_schedule')).toHaveLength(1));
    expect(callsTo(calls, 'set_sync_schedule')[0].args).toEqual({ request: { connectionId: 'con-1', cron: '0 */6 * * *' } });
    await waitFor(() => expect(select).toHaveValue('0 */6 * * *'));
    await userEvent.selectOptions(select, 'Off');
    await waitFor(() => expect(callsTo(calls, 'set_sync_schedule')).toHaveLength(2));
    expect(callsTo(calls, 'set_sync_schedule')[1].args).toEqual({ request: { connectionId: 'con-1', cron: null } });
    expect(await within(article).findByText('Only when you press Sync now')).toBeInTheDocument();
  });

  it('saves the accounts picked to sync', async () => {
    const calls = statefulBackend(connection());
    openAt('#/w/ws-1/connections');
    const article = await card('Meta · Halcyon');
    const save = within(article).getByRole('button', { name: 'Save accounts' });
    expect(save).toBeDisabled();
    await userEvent.click(within(article).getByRole('checkbox', { name: /Halcyon EU/ }));
    await userEvent.click(within(article).getByRole('checkbox', { name: /Halcyon US/ }));
    await userEvent.click(within(article).getByRole('checkbox', { name: /Halcyon US/ }));
    await userEvent.click(save);
    await waitFor(() => expect(callsTo(calls, 'select_connection_accounts')).toHaveLength(1));
    expect(callsTo(calls, 'select_connection_accounts')[0].args).toEqual({
      request: { connectionId: 'con-1', accounts: ['act_1', 'act_2'] },
    });
    await waitFor(() => expect(within(article).getByRole('checkbox', { name: /Halcyon EU/ })).toBeChecked());
    expect(within(article).getByRole('button', { name: 'Save accounts' })).toBeDisabled();
  });

  it('syncs now, from a day and reading everything again, and follows the run', async () => {
    const started = syncRun({ streams: [stream({ state: 'running', records: 3 })] });
    let current = connection();
    const calls = backendWith({
      list_connections: () => [current],
      start_sync: () => {
        current = { ...current, lastRun: started };
        return started;
      },
      get_sync_run: () => started,
    });
    openAt('#/w/ws-1/connections');
    const article = await card('Meta · Halcyon');
    fireEvent.change(within(article).getByLabelText('From (optional)'), { target: { value: '2026-11-01' } });
    await userEvent.click(within(article).getByRole('checkbox', { name: 'Read again from the day above (or the last 90 days)' }));
    await userEvent.click(within(article).getByRole('button', { name: 'Sync now' }));
    await waitFor(() => expect(callsTo(calls, 'start_sync')).toHaveLength(1));
    expect(callsTo(calls, 'start_sync')[0].args).toEqual({
      request: { connectionId: 'con-1', from: '2026-11-01', full: true },
    });
    expect(await within(article).findByTestId('sync-status')).toHaveAttribute('data-status', 'running');
  });

  it('asks before removing, and says the synced data stays', async () => {
    let list = [connection()];
    const calls = backendWith({
      list_connections: () => list,
      remove_connection: () => {
        list = [];
        return null;
      },
    });
    openAt('#/w/ws-1/connections');
    const article = await card('Meta · Halcyon');
    await userEvent.click(within(article).getByRole('button', { name: 'Remove' }));
    expect(callsTo(calls, 'remove_connection')).toHaveLength(0);
    const confirm = within(article).getByRole('group', { name: 'Remove this connection?' });
    expect(confirm).toHaveTextContent('already synced stay in this workspace');
    await userEvent.click(within(confirm).getByRole('button', { name: 'Remove connection' }));
    await waitFor(() => expect(callsTo(calls, 'remove_connection')[0]?.args).toEqual({ connectionId: 'con-1' }));
    expect(await screen.findByTestId('connections-empty')).toBeInTheDocument();
  });

  it('saves an enrichment key, and a news search lists the mentions it kept with their addresses', async () => {
    const calls = backendWith({
      set_enrichment_key: (args) => {
        const { service } = args.request as { service: string };
        return { ...ENRICHMENT_KEYS[0], service, saved: true };
      },
      search_web: () => ({
        query: 'halcyon roasters',
        kind: 'news',
        new: 1,
        mentions: [
          {
            signalId: 'sig-1', url: 'https://news.example/halcyon', title: 'Halcyon opens a roastery',
            snippet: 'The roaster opened…', publisher: 'Daily Grind', position: 1, occurredOn: '2026-11-20',
            shownDate: '10 days ago', new: true,
          },
        ],
      }),
    });
    openAt('#/w/ws-1/connections');
    const census = await screen.findByTestId('enrichment-key-census');
    expect(within(census).getByTestId('key-state')).toHaveTextContent('No key');
    expect(screen.getByRole('button', { name: 'Refresh the tables' })).toBeDisabled();
    await userEvent.type(within(census).getByLabelText('The Census API key'), ' ck-123 ');
    await userEvent.click(within(census).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(within(census).getByTestId('key-state')).toHaveTextContent('Key saved'));
    expect(callsTo(calls, 'set_enrichment_key')[0].args).toEqual({ request: { service: 'census', key: ' ck-123 ' } });
    expect(within(census).getByLabelText('The Census API key')).toHaveValue('');
    expect(screen.getByRole('button', { name: 'Refresh the tables' })).toBeEnabled();

    await userEvent.type(screen.getByLabelText('Search for'), 'halcyon roasters');
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    const results = await screen.findByTestId('mention-results');
    expect(results).toHaveTextContent('1 results for “halcyon roasters”, 1 new, kept as mentions.');
    expect(results).toHaveTextContent('https://news.example/halcyon');
    expect(results).toHaveTextContent('Daily Grind · 10 days ago');
    expect(callsTo(calls, 'search_web')[0].args).toEqual({
      request: { workspaceId: 'ws-1', query: 'halcyon roasters', kind: 'news', limit: 20 },
    });
  });
});
