import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { dashboard, job, modelSettings, modelSpend, workspace } from '../test/fixtures';
import { callsTo, emitJobChanged, mockBackend } from '../test/ipc';
import type { Handler } from '../test/ipc';

function backendWith(handlers: Record<string, Handler>) {
  return mockBackend({
    list_jobs: () => [],
    get_model_spend: () => modelSpend(),
    get_dashboard: (args) =>
      dashboard({ workspaceId: (args.request as { workspaceId: string }).workspaceId }),
    get_model_settings: () => modelSettings(),
    get_model_catalogue: () => [],
    get_trace_export: () => ({ endpoint: null, sampleRate: 0.5, headersConfigured: false }),
    ...handlers,
  });
}

/** Opens the app at an address, as a reload or a link from outside would. */
function openAt(hash: string) {
  window.history.replaceState(null, '', `/${hash}`);
  render(<App />);
}

const areas = () => screen.getByRole('navigation', { name: 'Areas' });

describe('App shell', () => {
  it('moves between areas through the navigation, and the address follows', async () => {
    backendWith({ list_workspaces: () => [workspace({ id: 'a', name: 'Alpha' })] });
    render(<App />);
    expect(await screen.findByRole('heading', { level: 1, name: /Alpha/ })).toBeInTheDocument();
    expect(window.location.hash).toBe('#/w/a/dashboard');
    expect(within(areas()).getByRole('link', { name: 'Dashboard' })).toHaveAttribute(
      'aria-current',
      'page',
    );

    await userEvent.click(within(areas()).getByRole('link', { name: 'Models & keys' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Models & keys' })).toBeInTheDocument();
    expect(window.location.hash).toBe('#/models');
    expect(screen.queryByRole('heading', { level: 1, name: /Alpha/ })).not.toBeInTheDocument();
    expect(within(areas()).getByRole('link', { name: 'Models & keys' })).toHaveAttribute(
      'aria-current',
      'page',
    );
    // The workspace switcher and the jobs panel stay with every area.
    expect(screen.getByTestId('workspace-a')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 2, name: 'Jobs' })).toBeInTheDocument();

    // Back to the workspace used last.
    await userEvent.click(within(areas()).getByRole('link', { name: 'Dashboard' }));
    expect(await screen.findByRole('heading', { level: 1, name: /Alpha/ })).toBeInTheDocument();
    expect(window.location.hash).toBe('#/w/a/dashboard');
  });

  it('opens the dashboard of the workspace named in a deep link', async () => {
    localStorage.setItem('profitwheel.lastWorkspaceId', 'a');
    const calls = backendWith({
      list_workspaces: () => [workspace({ id: 'a', name: 'Alpha' }), workspace({ id: 'b', name: 'Beta' })],
    });
    openAt('#/w/b/dashboard');

    expect(await screen.findByRole('heading', { level: 1, name: /Beta/ })).toBeInTheDocument();
    expect(screen.getByTestId('workspace-b')).toHaveAttribute('aria-current', 'true');
    expect(screen.getByTestId('workspace-a')).not.toHaveAttribute('aria-current');
    // The address wins over the last used workspace, which is never even loaded.
    const asked = callsTo(calls, 'get_dashboard').map(
      (c) => (c.args.request as { workspaceId: string }).workspaceId,
    );
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked)).toEqual(new Set(['b']));
    expect(localStorage.getItem('profitwheel.lastWorkspaceId')).toBe('b');
  });

  it('sends a link to a workspace that does not exist back to the start, and says why', async () => {
    backendWith({
      list_workspaces: () => [workspace({ id: 'a', name: 'Alpha' }), workspace({ id: 'b', name: 'Beta' })],
    });
    openAt('#/w/deleted/dashboard');

    expect(await screen.findByText(/That workspace no longer exists/)).toBeInTheDocument();
    expect(await screen.findByText('Choose a workspace')).toBeInTheDocument();
    expect(window.location.hash).toBe('#/');
  });

  it('reads the list again before calling a linked workspace gone (the CLI may have just made it)', async () => {
    let lists = 0;
    backendWith({
      list_workspaces: () => {
        lists += 1;
        return lists === 1
          ? [workspace({ id: 'a', name: 'Alpha' })]
          : [workspace({ id: 'a', name: 'Alpha' }), workspace({ id: 'new', name: 'Made by the CLI' })];
      },
    });
    openAt('#/w/new/dashboard');

    expect(await screen.findByRole('heading', { level: 1, name: /Made by the CLI/ })).toBeInTheDocument();
    expect(window.location.hash).toBe('#/w/new/dashboard');
    expect(screen.queryByText(/That workspace no longer exists/)).toBeNull();
  });

  it('shows every area as a link in navigation order', async () => {
    backendWith({ list_workspaces: () => [workspace({ id: 'a', name: 'Alpha' })] });
    render(<App />);
    await screen.findByRole('heading', { level: 1, name: /Alpha/ });

    expect(within(areas()).queryByText('Coming')).toBeNull();
    expect(within(areas()).getAllByRole('link').map((l) => l.textContent)).toEqual([
      'Dashboard',
      'Audiences',
      'Search',
      'Twins',
      'Studies',
      'Surveys',
      'Connections',
      'Agents',
      'Decks',
      'Models & keys',
    ]);
    expect(screen.getByRole('heading', { level: 1, name: /Alpha/ })).toBeInTheDocument();
  });

  it('opens the copilot over a workspace screen, and a citation link shows its days on the dashboard', async () => {
    const calls = backendWith({
      list_workspaces: () => [workspace({ id: 'a', name: 'Alpha' })],
      list_agent_runs: () => [],
    });
    openAt('#/w/a/dashboard');
    await userEvent.click(await screen.findByTestId('open-copilot'));
    expect(await screen.findByTestId('copilot-panel')).toBeInTheDocument();
    await userEvent.click(screen.getByTestId('open-copilot'));
    expect(screen.queryByTestId('copilot-panel')).toBeNull();

    openAt('#/w/a/dashboard?from=2026-11-16&to=2026-11-22');
    await screen.findByTestId('kpi-spend');
    await waitFor(() =>
      expect(
        callsTo(calls, 'get_dashboard').some(
          (c) =>
            JSON.stringify((c.args.request as { range: unknown }).range) ===
            JSON.stringify({ start: '2026-11-16', end: '2026-11-22' }),
        ),
      ).toBe(true),
    );
  });

  it('has no screen at an address that is no area', async () => {
    backendWith({ list_workspaces: () => [workspace({ id: 'a', name: 'Alpha' })] });
    openAt('#/w/a/slideshows');

    expect(await screen.findByRole('heading', { level: 1, name: 'Nothing here' })).toBeInTheDocument();
    expect(screen.queryByTestId('kpi-spend')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('link', { name: 'Go to the start' }));
    expect(await screen.findByRole('heading', { level: 1, name: /Alpha/ })).toBeInTheDocument();
  });

  it('refreshes the workspace list when a job-changed event reports a finished demo job', async () => {
    let workspaces = [workspace({ id: 'a', name: 'Alpha' }), workspace({ id: 'b', name: 'Beta' })];
    const calls = backendWith({ list_workspaces: () => workspaces });
    render(<App />);
    await screen.findByText('Choose a workspace');

    // An export finishing changes nothing the app shows: no re-read.
    const exported = job({ id: 'export-job', state: 'succeeded', progress: 1 });
    await waitFor(async () => {
      await act(() => emitJobChanged(exported));
      expect(screen.getByTestId('job-export-job')).toHaveAttribute('data-state', 'succeeded');
    });
    const listingsBefore = callsTo(calls, 'list_workspaces').length;
    expect(listingsBefore).toBe(1);

    // The demo job was started elsewhere (e.g. by the CLI): the event alone must be enough.
    workspaces = [...workspaces, workspace({ id: 'demo', name: 'Demo Co', isDemo: true })];
    const demoDone = job({
      id: 'demo-job',
      kind: 'demo.generate',
      title: 'Generate demo workspace',
      state: 'succeeded',
      progress: 1,
      workspaceId: 'demo',
    });
    await waitFor(async () => {
      await act(() => emitJobChanged(demoDone));
      expect(screen.getByTestId('job-demo-job')).toHaveAttribute('data-state', 'succeeded');
    });

    expect(await screen.findByTestId('workspace-demo')).toHaveTextContent('Demo Co');
    expect(callsTo(calls, 'list_workspaces')).toHaveLength(listingsBefore + 1);
    // ...and the new demo workspace opens.
    expect(await screen.findByRole('heading', { level: 1, name: /Demo Co/ })).toBeInTheDocument();
    expect(window.location.hash).toBe('#/w/demo/dashboard');
  });
});
