import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import type { AgentRunView } from '../../ipc/backend';
import { callsTo, emitAgentStep, mockBackend } from '../../test/ipc';
import { renderWithQueryClient } from '../../test/queryClient';
import { AgentsScreen } from './AgentsScreen';
import { CopilotPanel } from './CopilotPanel';
import { workspace } from '../../test/fixtures';

function run(overrides: Partial<AgentRunView> = {}): AgentRunView {
  return {
    id: 'run1',
    agent: 'copilot',
    question: 'Which platform had the best ROAS last week?',
    answered: true,
    stoppedBecause: null,
    answer: 'Google Ads had the best ROAS last week, 4.10x, ahead of Meta at 3.20x.',
    citations: [
      {
        id: 'R1',
        tool: 'workspace_metrics',
        text: 'platform | ROAS\ngoogle_ads | 4.10x\nmeta | 3.20x',
        kind: 'metricsQuery',
        reference: '{"by":"platform","from":"2026-11-16","until":"2026-11-22"}',
        label: 'Metrics by platform, 2026-11-16 to 2026-11-22',
      },
    ],
    modelCalls: 2,
    inputTokens: 1500,
    outputTokens: 120,
    startedAt: '2026-11-30T10:00:00Z',
    finishedAt: '2026-11-30T10:00:09Z',
    ...overrides,
  };
}

/** A command answer the test hands over when it chooses. */
function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function renderPanel() {
  const onClose = vi.fn();
  renderWithQueryClient(
    <MemoryRouter>
      <CopilotPanel workspaceId="ws1" onClose={onClose} />
    </MemoryRouter>,
  );
  return onClose;
}

describe('CopilotPanel', () => {
  it('streams the steps of its own run, then shows the answer whose citation opens its source', async () => {
    const answer = deferred<AgentRunView>();
    const calls = mockBackend({
      list_agent_runs: () => [],
      ask_copilot: () => answer.promise,
    });
    renderPanel();
    const user = userEvent.setup();
    await user.type(screen.getByTestId('copilot-question'), 'Which platform had the best ROAS last week?');
    await user.click(screen.getByTestId('copilot-ask'));

    await waitFor(() => expect(callsTo(calls, 'ask_copilot')).toHaveLength(1));
    const request = callsTo(calls, 'ask_copilot')[0].args.request as { requestId: string; workspaceId: string };
    expect(request.workspaceId).toBe('ws1');
    await emitAgentStep({
      requestId: request.requestId,
      step: { kind: 'calling', step: 1, resultId: 'R1', tool: 'workspace_metrics', detail: '{"by":"platform"}' },
    });
    // Another run's steps are not this panel's.
    await emitAgentStep({
      requestId: 'someone-else',
      step: { kind: 'corrected', step: 1, resultId: null, tool: null, detail: 'not mine' },
    });
    const steps = await screen.findByTestId('agent-steps');
    await within(steps).findByText('Looking at the daily metrics (by platform)');
    expect(within(steps).queryByText(/not mine/)).toBeNull();
    expect(screen.getByTestId('copilot-stop')).toBeInTheDocument();

    answer.resolve(run());
    const shown = await screen.findByTestId('agent-answer');
    expect(shown).toHaveTextContent('Google Ads had the best ROAS last week, 4.10x');
    expect(shown).toHaveTextContent('2 model calls, 1,620 tokens');

    await user.click(within(shown).getByTestId('agent-citation'));
    const source = await screen.findByTestId('agent-source');
    expect(within(source).getByTestId('agent-source-text')).toHaveTextContent('google_ads | 4.10x');
    expect(within(source).getByTestId('agent-source-link')).toHaveAttribute(
      'href',
      '/w/ws1/dashboard?from=2026-11-16&to=2026-11-22',
    );
    await user.click(screen.getByRole('button', { name: /Back/ }));
    expect(await screen.findByTestId('agent-answer')).toBeInTheDocument();
  });

  it('stops its run, and says why a run stopped before answering', async () => {
    const answer = deferred<AgentRunView>();
    const calls = mockBackend({
      list_agent_runs: () => [],
      ask_copilot: () => answer.promise,
      stop_agent_run: () => true,
    });
    renderPanel();
    const user = userEvent.setup();
    await user.type(screen.getByTestId('copilot-question'), 'Why did CPA rise?');
    await user.click(screen.getByTestId('copilot-ask'));
    await user.click(await screen.findByTestId('copilot-stop'));
    await waitFor(() => expect(callsTo(calls, 'stop_agent_run')).toHaveLength(1));
    const request = callsTo(calls, 'ask_copilot')[0].args.request as { requestId: string };
    expect(callsTo(calls, 'stop_agent_run')[0].args.requestId).toBe(request.requestId);

    answer.resolve(
      run({ answered: false, stoppedBecause: 'it was stopped', answer: 'Found so far: R1.', citations: [] }),
    );
    expect(await screen.findByTestId('agent-stopped')).toHaveTextContent(
      'It stopped before answering: it was stopped.',
    );
    expect(screen.getByTestId('copilot-ask')).toBeInTheDocument();
  });

  it('opens an earlier question again', async () => {
    mockBackend({ list_agent_runs: () => [run({ id: 'old', question: 'What was spend last week?' })] });
    renderPanel();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'What was spend last week?' }));
    expect(await screen.findByTestId('agent-answer')).toHaveTextContent('Google Ads had the best ROAS');
  });
});

describe('AgentsScreen', () => {
  it('shows each specialist with its latest report and runs one on demand', async () => {
    const calls = mockBackend({
      list_specialists: () => [
        {
          name: 'budget',
          title: 'Budget recommendations',
          description: 'Fits each campaign’s diminishing returns.',
          latest: run({ agent: 'budget', answer: 'Move $50.00 a day from Meta Prospecting to Search Brand.' }),
          schedule: null,
        },
      ],
      list_agent_runs: () => [],
      run_specialist: () => run({ agent: 'budget', answer: 'Move $80.00 a day to Search Brand.' }),
      set_specialist_schedule: (args) => (args.request as { cron: string | null }).cron,
    });
    renderWithQueryClient(
      <MemoryRouter>
        <AgentsScreen workspace={workspace()} />
      </MemoryRouter>,
    );
    const card = await screen.findByTestId('specialist');
    expect(card).toHaveTextContent('Move $50.00 a day from Meta Prospecting');
    const user = userEvent.setup();
    await user.click(within(card).getByTestId('run-specialist'));
    await within(card).findByText('Move $80.00 a day to Search Brand.');
    const request = callsTo(calls, 'run_specialist')[0].args.request as { agent: string; workspaceId: string };
    expect(request.agent).toBe('budget');
    expect(screen.getByText(/Nothing yet/)).toBeInTheDocument();

    await user.selectOptions(within(card).getByTestId('specialist-schedule'), 'Every Monday at 7:00');
    await waitFor(() => expect(callsTo(calls, 'set_specialist_schedule')).toHaveLength(1));
    expect(callsTo(calls, 'set_specialist_schedule')[0].args.request).toEqual({
      workspaceId: 'ws-1',
      agent: 'budget',
      cron: '0 7 * * MON',
    });
  });
});
