import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../App';
import type { TwinSummaryView } from '../../ipc/backend';
import { audience, job, twinSummary, workspace } from '../../test/fixtures';
import { callsTo, emitJobChanged, mockBackend } from '../../test/ipc';
import type { Handler } from '../../test/ipc';

function backendWith(handlers: Record<string, Handler>) {
  return mockBackend({
    list_jobs: () => [],
    list_workspaces: () => [workspace({ id: 'ws-1', name: 'Halcyon' })],
    list_audiences: () => [audience(), audience({ id: 'aud-2', name: 'Gift givers' })],
    ...handlers,
  });
}

function openAt(hash: string) {
  window.history.replaceState(null, '', `/${hash}`);
  render(<App />);
}

describe('Twins gallery', () => {
  it('explains where twins come from when there are none', async () => {
    backendWith({ list_twins: () => [] });
    openAt('#/w/ws-1/twins');
    const empty = await screen.findByTestId('twins-empty');
    expect(empty).toHaveTextContent("Twins are built from an audience's signals");
    expect(within(empty).getByRole('link', { name: 'Audiences' })).toHaveAttribute('href', '#/w/ws-1/audiences');
  });

  it('creates twins from the chosen audience as a job, and shows them when it succeeds', async () => {
    let twins: TwinSummaryView[] = [];
    const createJob = job({ id: 'job-twins', kind: 'twins.create', title: 'Create 5 twins', state: 'queued', progress: 0 });
    const calls = backendWith({
      list_twins: () => twins,
      create_twins: () => createJob,
    });
    openAt('#/w/ws-1/twins');
    await screen.findByTestId('twins-empty');

    await userEvent.selectOptions(await screen.findByLabelText('Audience'), 'aud-2');
    const count = screen.getByLabelText('How many');
    expect(count).toHaveValue(3);
    await userEvent.clear(count);
    await userEvent.type(count, '5');
    await userEvent.type(screen.getByLabelText('Seed (optional)'), '1234');
    await userEvent.click(screen.getByTestId('create-twins'));

    await waitFor(() => expect(callsTo(calls, 'create_twins')).toHaveLength(1));
    expect(callsTo(calls, 'create_twins')[0].args).toEqual({
      request: { workspaceId: 'ws-1', audienceId: 'aud-2', count: 5, seed: '1234' },
    });
    // The job is tracked at once: the button says it is working, the progress shows.
    expect(await screen.findByTestId('create-twins-progress')).toBeInTheDocument();
    expect(screen.getByTestId('create-twins')).toBeDisabled();

    const listings = callsTo(calls, 'list_twins').length;
    twins = [
      twinSummary(),
      twinSummary({ id: 'twin-2', name: 'Dev Patel', age: 41, gender: 'male', occupation: 'Teacher', memories: 1, audienceName: 'Gift givers' }),
    ];
    const done = { ...createJob, state: 'succeeded' as const, progress: 1 };
    await waitFor(async () => {
      await act(() => emitJobChanged(done));
      expect(screen.getAllByTestId('twin-card')).toHaveLength(2);
    });
    expect(callsTo(calls, 'list_twins').length).toBeGreaterThan(listings);

    const [maya, dev] = screen.getAllByTestId('twin-card');
    expect(maya).toHaveTextContent('Maya Torres');
    expect(maya).toHaveTextContent('29 · female · Graphic designer');
    expect(maya).toHaveTextContent('Coffee culture 18-34');
    expect(maya).toHaveTextContent('distrusts gift sets');
    expect(within(maya).getByTestId('twin-memories')).toHaveTextContent('2 memories');
    expect(within(dev).getByTestId('twin-memories')).toHaveTextContent('1 memory');
    expect(within(maya).getByRole('link', { name: 'Open Maya Torres' })).toHaveAttribute('href', '#/w/ws-1/twins/twin-1');
    expect(screen.getByTestId('create-twins')).toBeEnabled();
  });

  it('refuses a seed that is not a whole number', async () => {
    const calls = backendWith({ list_twins: () => [] });
    openAt('#/w/ws-1/twins');
    await screen.findByTestId('twins-empty');
    await userEvent.type(screen.getByLabelText('Seed (optional)'), 'abc');
    expect(screen.getByTestId('create-twins')).toBeDisabled();
    expect(screen.getByText('A seed is a whole number, or leave it empty.')).toBeInTheDocument();
    expect(callsTo(calls, 'create_twins')).toHaveLength(0);
  });
});
