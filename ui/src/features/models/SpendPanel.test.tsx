import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { modelSpend, workspace } from '../../test/fixtures';
import { callsTo, mockBackend } from '../../test/ipc';
import { renderWithQueryClient } from '../../test/queryClient';
import { SpendPanel } from './SpendPanel';

describe('SpendPanel', () => {
  it('says there are no calls yet in a fresh workspace', async () => {
    mockBackend({ get_model_spend: () => modelSpend() });
    renderWithQueryClient(<SpendPanel workspace={workspace()} />);
    expect(await screen.findByText(/No model calls in this workspace yet/)).toBeInTheDocument();
  });

  it('shows totals, a daily chart and each study against its budget', async () => {
    const calls = mockBackend({
      get_model_spend: () =>
        modelSpend({
          totalMicros: '8000',
          calls: 5,
          cacheHits: 1,
          failedCalls: 1,
          byDay: [{ day: '2026-11-25', costMicros: '8000', calls: 5 }],
          byStudy: [
            { studyId: 's1', title: 'Price test', spentMicros: '6000', budgetMicros: '6000', calls: 3 },
            { studyId: 's2', title: 'Uncapped', spentMicros: '2000', budgetMicros: null, calls: 1 },
          ],
        }),
    });
    renderWithQueryClient(<SpendPanel workspace={workspace()} />);
    expect(await screen.findByTestId('spend-total')).toHaveTextContent(
      '$0.0080 on 5 calls · 1 from the cache · 1 failed',
    );
    expect(callsTo(calls, 'get_model_spend')[0].args).toEqual({
      request: { workspaceId: 'ws-1', days: 30 },
    });
    expect(screen.getByTestId('spend-chart-caption')).toHaveTextContent('Cost per day');
    const capped = screen.getByTestId('study-spend-s1');
    expect(capped).toHaveTextContent('$0.0060 of $0.0060');
    expect(within(capped).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
    expect(screen.getByTestId('study-spend-s2')).toHaveTextContent('no cap');
  });

  it('charts calls, not dollars, when only free local models were used', async () => {
    mockBackend({
      get_model_spend: () =>
        modelSpend({ calls: 3, byDay: [{ day: '2026-11-25', costMicros: '0', calls: 3 }] }),
    });
    renderWithQueryClient(<SpendPanel workspace={workspace()} />);
    expect(await screen.findByTestId('spend-chart-caption')).toHaveTextContent(
      'Calls per day (local models cost nothing)',
    );
    expect(screen.getByTestId('spend-total')).toHaveTextContent('$0.00 on 3 calls');
  });

  it('counts calls to a model without a price apart, never as free', async () => {
    mockBackend({
      get_model_spend: () =>
        modelSpend({
          calls: 2,
          unpricedCalls: 2,
          byDay: [{ day: '2026-11-25', costMicros: '0', calls: 2 }],
        }),
    });
    renderWithQueryClient(<SpendPanel workspace={workspace()} />);
    expect(await screen.findByTestId('spend-unpriced')).toHaveTextContent(
      '2 calls to a model without a price (cost unknown, not in the total)',
    );
    expect(screen.getByTestId('spend-chart-caption')).toHaveTextContent('Cost per day');
  });

  it("sets the workspace's own model and refuses text that is not vendor/model", async () => {
    const onChanged = vi.fn();
    const calls = mockBackend({ get_model_spend: () => modelSpend(), set_workspace_model: () => null });
    renderWithQueryClient(<SpendPanel workspace={workspace()} onWorkspaceChanged={onChanged} />);
    const input = await screen.findByLabelText('This workspace answers with');
    await userEvent.type(input, 'gpt-4o');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('vendor/model');
    expect(callsTo(calls, 'set_workspace_model')).toHaveLength(0);

    await userEvent.clear(input);
    await userEvent.type(input, 'azure/client-gpt4o');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(callsTo(calls, 'set_workspace_model')[0].args).toEqual({
      request: { workspaceId: 'ws-1', model: { vendor: 'azure', model: 'client-gpt4o' } },
    });
  });
});
