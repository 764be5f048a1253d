import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from './App';
import { dashboard, job, modelSpend, workspace } from './test/fixtures';
import { callsTo, emitJobChanged, ipcError, mockBackend } from './test/ipc';
import type { Handler } from './test/ipc';

function backendWith(handlers: Record<string, Handler>) {
  return mockBackend({
    list_jobs: () => [],
    get_model_spend: () => modelSpend(),
    get_dashboard: (args) =>
      dashboard({ workspaceId: (args.request as { workspaceId: string }).workspaceId }),
    ...handlers,
  });
}

describe('App', () => {
  it('explains what to do when there are no workspaces', async () => {
    backendWith({ list_workspaces: () => [] });
    render(<App />);
    expect(await screen.findByText('Welcome to ProfitWheel')).toBeInTheDocument();
    expect(screen.getByText('No workspaces yet.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create demo workspace' })).toBeEnabled();
    expect(screen.getByRole('form', { name: 'New workspace' })).toBeInTheDocument();
  });

  it('opens the only workspace automatically', async () => {
    const calls = backendWith({ list_workspaces: () => [workspace({ id: 'only', name: 'Solo' })] });
    render(<App />);
    expect(await screen.findByRole('heading', { level: 1, name: /Solo/ })).toBeInTheDocument();
    expect(await screen.findByTestId('kpi-spend-value')).toHaveTextContent('$12,345.67');
    expect(callsTo(calls, 'get_dashboard')[0].args).toEqual({
      request: { workspaceId: 'only', range: null },
    });
    expect(localStorage.getItem('profitwheel.lastWorkspaceId')).toBe('only');
  });

  it('reopens the workspace used last time, and switches on click', async () => {
    localStorage.setItem('profitwheel.lastWorkspaceId', 'b');
    backendWith({
      list_workspaces: () => [
        workspace({ id: 'a', name: 'Alpha' }),
        workspace({ id: 'b', name: 'Beta', isDemo: true, campaignCount: 12 }),
      ],
    });
    render(<App />);
    expect(await screen.findByRole('heading', { level: 1, name: /Beta/ })).toBeInTheDocument();
    const betaItem = screen.getByTestId('workspace-b');
    expect(betaItem).toHaveAttribute('aria-current', 'true');
    expect(within(betaItem).getByText('Demo')).toBeInTheDocument();
    expect(betaItem).toHaveTextContent('12 campaigns');

    await userEvent.click(screen.getByTestId('workspace-a'));
    expect(await screen.findByRole('heading', { level: 1, name: /Alpha/ })).toBeInTheDocument();
    expect(localStorage.getItem('profitwheel.lastWorkspaceId')).toBe('a');
  });

  it('asks the user to choose when several exist and none was used before', async () => {
    backendWith({ list_workspaces: () => [workspace({ id: 'a' }), workspace({ id: 'b' })] });
    render(<App />);
    expect(await screen.findByText('Choose a workspace')).toBeInTheDocument();
  });

  it('selects the demo workspace once its generation job succeeds', async () => {
    let workspaces = [workspace({ id: 'a', name: 'Alpha' }), workspace({ id: 'b', name: 'Beta' })];
    const demoJob = job({
      id: 'demo-job',
      kind: 'demo.generate',
      title: 'Generate demo workspace',
      lane: 'default',
      state: 'queued',
      progress: 0,
      workspaceId: null,
    });
    const calls = backendWith({
      list_workspaces: () => workspaces,
      start_demo_workspace: () => demoJob,
    });
    render(<App />);
    await screen.findByText('Choose a workspace');

    await userEvent.click(screen.getByRole('button', { name: 'Create demo workspace' }));
    const row = await screen.findByTestId('job-demo-job');
    expect(row).toHaveAttribute('data-state', 'queued');
    expect(screen.getByRole('button', { name: 'Generating demo…' })).toBeDisabled();

    workspaces = [...workspaces, workspace({ id: 'demo', name: 'Demo Co', isDemo: true })];
    const done = { ...demoJob, state: 'succeeded' as const, progress: 1, workspaceId: 'demo' };
    await waitFor(async () => {
      await act(() => emitJobChanged(done));
      expect(screen.getByTestId('job-demo-job')).toHaveAttribute('data-state', 'succeeded');
    });

    expect(await screen.findByRole('heading', { level: 1, name: /Demo Co/ })).toBeInTheDocument();
    expect(callsTo(calls, 'list_workspaces').length).toBeGreaterThanOrEqual(2);
    expect(callsTo(calls, 'get_dashboard').at(-1)?.args).toEqual({
      request: { workspaceId: 'demo', range: null },
    });
    expect(screen.getByRole('button', { name: 'Create demo workspace' })).toBeEnabled();
  });

  it('creates a workspace from the form and selects it', async () => {
    let workspaces = [workspace({ id: 'a', name: 'Alpha' }), workspace({ id: 'b', name: 'Beta' })];
    const calls = backendWith({
      list_workspaces: () => workspaces,
      create_workspace: (args) => {
        const req = args.request as { name: string; brand: string; currency: string; timeZone: string };
        const created = workspace({ id: 'new', ...req, campaignCount: 0, dataRange: null });
        workspaces = [...workspaces, created];
        return created;
      },
    });
    render(<App />);
    await screen.findByText('Choose a workspace');

    const form = screen.getByRole('form', { name: 'New workspace' });
    await userEvent.type(within(form).getByLabelText('Name'), 'Autumn push');
    await userEvent.type(within(form).getByLabelText('Brand'), 'Acme');
    await userEvent.selectOptions(within(form).getByLabelText('Currency'), 'GBP');
    await userEvent.selectOptions(within(form).getByLabelText('Time zone'), 'Europe/London');
    await userEvent.click(within(form).getByRole('button', { name: 'Create workspace' }));

    expect(await screen.findByRole('heading', { level: 1, name: /Autumn push/ })).toBeInTheDocument();
    expect(callsTo(calls, 'create_workspace')[0].args).toEqual({
      request: { name: 'Autumn push', brand: 'Acme', currency: 'GBP', timeZone: 'Europe/London' },
    });
  });

  it('shows why creating a workspace failed', async () => {
    backendWith({
      list_workspaces: () => [],
      create_workspace: () => ipcError('conflict', 'a workspace named "Acme" already exists'),
    });
    render(<App />);
    const form = await screen.findByRole('form', { name: 'New workspace' });
    await userEvent.type(within(form).getByLabelText('Name'), 'Acme');
    await userEvent.type(within(form).getByLabelText('Brand'), 'Acme');
    await userEvent.click(within(form).getByRole('button', { name: 'Create workspace' }));
    expect(await within(form).findByRole('alert')).toHaveTextContent('already exists');
  });

  it('reloads the list when the open workspace has disappeared', async () => {
    let workspaces = [workspace({ id: 'gone', name: 'Gone' }), workspace({ id: 'b', name: 'Beta' })];
    localStorage.setItem('profitwheel.lastWorkspaceId', 'gone');
    const calls = backendWith({
      list_workspaces: () => workspaces,
      get_dashboard: (args) => {
        const id = (args.request as { workspaceId: string }).workspaceId;
        if (id === 'gone') {
          workspaces = workspaces.filter((w) => w.id !== 'gone');
          return ipcError('notFound', 'workspace gone not found');
        }
        return dashboard({ workspaceId: id });
      },
    });
    render(<App />);

    expect(await screen.findByText(/no longer exists/)).toBeInTheDocument();
    // Only Beta is left, so it opens by itself.
    expect(await screen.findByRole('heading', { level: 1, name: /Beta/ })).toBeInTheDocument();
    expect(callsTo(calls, 'list_workspaces').length).toBeGreaterThanOrEqual(2);
    expect(screen.queryByTestId('workspace-gone')).not.toBeInTheDocument();
  });

  it('explains a corrupt database when the workspace list cannot load', async () => {
    backendWith({ list_workspaces: () => ipcError('corrupt', 'checksum mismatch in pages 12-14') });
    render(<App />);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-kind', 'corrupt');
    expect(alert).toHaveTextContent('appears to be damaged');
    expect(alert).toHaveTextContent('checksum mismatch');
  });

  it('toggles the theme and remembers the choice', async () => {
    backendWith({ list_workspaces: () => [] });
    render(<App />);
    // jsdom has no matchMedia, so the system theme reads as light.
    await userEvent.click(screen.getByRole('button', { name: 'Switch to dark theme' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(localStorage.getItem('profitwheel.theme')).toBe('dark');
    expect(screen.getByRole('button', { name: 'Switch to light theme' })).toBeInTheDocument();
  });
});
