import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../App';
import { sessionDetail, sessionSummary, twinSummary, workspace } from '../../test/fixtures';
import { callsTo, mockBackend } from '../../test/ipc';
import type { Handler } from '../../test/ipc';

function backendWith(handlers: Record<string, Handler>) {
  return mockBackend({
    list_jobs: () => [],
    list_workspaces: () => [workspace({ id: 'ws-1', name: 'Halcyon' })],
    ...handlers,
  });
}

function openAt(hash: string) {
  window.history.replaceState(null, '', `/${hash}`);
  render(<App />);
}

describe('Studies', () => {
  it('lists sessions newest first with their kind, status in plain words and participants', async () => {
    backendWith({
      list_sessions: () => [
        sessionSummary({ id: 's-old', title: 'Old group', status: 'completed', createdAt: '2025-01-01T00:00:00Z' }),
        sessionSummary({
          id: 's-paused',
          title: 'Paused group',
          status: 'scheduled',
          pausedReason: 'the study reached its budget',
          createdAt: '2025-01-03T00:00:00Z',
        }),
        sessionSummary({
          id: 's-failed',
          kind: 'interview',
          title: 'Maya interview',
          status: 'failed',
          failure: 'no model for twin dialogue',
          participants: [{ twinId: 'twin-1', name: 'Maya Torres' }],
          createdAt: '2025-01-02T00:00:00Z',
        }),
      ],
    });
    openAt('#/w/ws-1/studies');
    const items = await screen.findAllByTestId('session-item');
    expect(items.map((i) => i.getAttribute('data-session-id'))).toEqual(['s-paused', 's-failed', 's-old']);
    expect(within(items[0]).getByTestId('session-status')).toHaveTextContent('Paused — the study reached its budget');
    expect(items[0]).toHaveTextContent('Focus group');
    expect(items[0]).toHaveTextContent('Maya Torres, Dev Patel');
    expect(within(items[1]).getByTestId('session-status')).toHaveTextContent('Failed — no model for twin dialogue');
    expect(items[1]).toHaveTextContent('Interview');
    expect(within(items[2]).getByTestId('session-status')).toHaveTextContent('Completed');
    expect(items[0]).toHaveAttribute('href', '#/w/ws-1/studies/s-paused');
    expect(screen.getByTestId('new-focus-group')).toHaveAttribute('href', '#/w/ws-1/studies/new-focus-group');
  });

  it('sets up an interview with the twin from the profile preselected', async () => {
    const calls = backendWith({
      list_twins: () => [twinSummary({ id: 'twin-1' }), twinSummary({ id: 'twin-2', name: 'Dev Patel' })],
      estimate_interview: () => ({ participantTurns: 2, moderatorTurns: 2, calls: 6, tokens: 4000, costMicros: null, models: [] }),
      start_interview: () => sessionSummary({ id: 'ses-int', kind: 'interview' }),
      get_session: () => sessionDetail({ session: sessionSummary({ id: 'ses-int', kind: 'interview' }), sections: [] }),
    });
    openAt('#/w/ws-1/studies/new-interview?twin=twin-2');
    const select = await screen.findByTestId('interview-twin-select');
    await waitFor(() => expect(select).toHaveValue('twin-2'));
    expect(screen.getByTestId('start-interview')).toBeDisabled();

    await userEvent.type(screen.getByTestId('interview-questions'), 'Would you buy it?{enter}{enter}Why not?');
    await waitFor(() => expect(screen.getByTestId('estimate-cost')).toHaveTextContent('Unknown — a model has no price'));
    expect(callsTo(calls, 'estimate_interview').at(-1)?.args).toEqual({ request: { workspaceId: 'ws-1', questions: 2 } });

    await userEvent.click(screen.getByTestId('start-interview'));
    await waitFor(() => expect(callsTo(calls, 'start_interview')).toHaveLength(1));
    expect(callsTo(calls, 'start_interview')[0].args).toEqual({
      request: { workspaceId: 'ws-1', twinId: 'twin-2', questions: ['Would you buy it?', 'Why not?'], seed: null, budgetMicros: null },
    });
    await waitFor(() => expect(window.location.hash).toBe('#/w/ws-1/studies/ses-int'));
    expect(await screen.findByRole('heading', { level: 1, name: 'Holiday gift box' })).toBeInTheDocument();
  });
});
