import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { dashboard, job, modelSpend, section, workspace } from '../../test/fixtures';
import { callsTo, ipcError, mockBackend } from '../../test/ipc';
import { renderWithQueryClient } from '../../test/queryClient';
import { Dashboard } from './Dashboard';
import { KPI_ORDER } from './kpis';

function renderDashboard(overrides: Partial<Parameters<typeof Dashboard>[0]> = {}) {
  const props = {
    workspace: workspace(),
    jobs: [],
    onJobStarted: vi.fn(),
    onWorkspaceGone: vi.fn(),
    ...overrides,
  };
  renderWithQueryClient(<Dashboard {...props} />);
  return props;
}

describe('Dashboard', () => {
  it('renders the 8 KPI tiles with formatted values from getDashboard', async () => {
    const calls = mockBackend({
      get_model_spend: () => modelSpend(), get_dashboard: () => dashboard() });
    renderDashboard();

    await screen.findByTestId('kpi-spend');
    for (const key of KPI_ORDER) {
      expect(screen.getByTestId(`kpi-${key}`)).toBeInTheDocument();
    }
    expect(screen.getAllByRole('article')).toHaveLength(8);

    const value = (key: string) => screen.getByTestId(`kpi-${key}-value`).textContent;
    expect(value('spend')).toBe('$12,345.67');
    expect(value('impressions')).toBe('1.2M');
    expect(value('clicks')).toBe('8,765');
    expect(value('ctr')).toBe('0.71%');
    expect(value('cpc')).toBe('$1.41');
    expect(value('conversions')).toBe('432');
    expect(value('cpa')).toBe('$28.58');
    expect(value('roas')).toBe('3.21×');

    // The first request asks for the backend default (last 30 days of data).
    expect(callsTo(calls, 'get_dashboard')[0].args).toEqual({
      request: { workspaceId: 'ws-1', range: null },
    });
    expect(screen.getByTestId('dashboard-range')).toHaveTextContent('Dec 2, 2024 – Dec 31, 2024');
  });

  it('colours changes by whether they are good news', async () => {
    mockBackend({
      get_model_spend: () => modelSpend(), get_dashboard: () => dashboard() });
    renderDashboard();

    const spend = await screen.findByTestId('kpi-spend-change');
    expect(spend).toHaveAttribute('data-direction', 'up');
    expect(spend).toHaveAttribute('data-tone', 'neutral');
    expect(spend).toHaveTextContent('▲+12.2%');
    // CPC went up: bad. CPA went down: good.
    expect(screen.getByTestId('kpi-cpc-change')).toHaveAttribute('data-tone', 'bad');
    expect(screen.getByTestId('kpi-cpa-change')).toHaveAttribute('data-direction', 'down');
    expect(screen.getByTestId('kpi-cpa-change')).toHaveAttribute('data-tone', 'good');
    expect(screen.getByTestId('kpi-impressions-change')).toHaveAttribute('data-tone', 'bad');
    // ROAS has no comparison.
    expect(screen.getByTestId('kpi-roas-change')).toHaveAttribute('data-tone', 'neutral');
    expect(screen.getByTestId('kpi-roas-change')).toHaveTextContent('No previous period');
  });

  it('formats money in the workspace currency', async () => {
    mockBackend({
      get_model_spend: () => modelSpend(), get_dashboard: () => dashboard({ currency: 'EUR', sections: [section({ currency: 'EUR' })] }) });
    renderDashboard({ workspace: workspace({ currency: 'EUR' }) });
    expect(await screen.findByTestId('kpi-cpa-value')).toHaveTextContent('€28.58');
  });

  it('shows each currency apart, never one total across currencies', async () => {
    mockBackend({
      get_model_spend: () => modelSpend(),
      get_dashboard: () =>
        dashboard({ sections: [section({ currency: 'EUR' }), section({ currency: 'USD' })] }),
    });
    renderDashboard();
    expect(await screen.findByTestId('currency-note')).toHaveTextContent(
      'reports in 2 currencies (EUR, USD)',
    );
    const euros = screen.getByTestId('currency-section-EUR');
    const dollars = screen.getByTestId('currency-section-USD');
    expect(within(euros).getByTestId('kpi-cpa-value')).toHaveTextContent('€28.58');
    expect(within(dollars).getByTestId('kpi-cpa-value')).toHaveTextContent('$28.58');
    expect(within(euros).getByTestId('platform-chart')).toBeInTheDocument();
  });

  it('draws one chart line per platform with display names in the legend', async () => {
    mockBackend({
      get_model_spend: () => modelSpend(), get_dashboard: () => dashboard() });
    renderDashboard();
    const chart = await screen.findByTestId('platform-chart');
    await waitFor(() => expect(within(chart).getByText('Google Ads')).toBeInTheDocument());
    expect(within(chart).getByText('Meta')).toBeInTheDocument();
    expect(chart.querySelectorAll('.recharts-line')).toHaveLength(2);

    await userEvent.click(within(chart).getByRole('button', { name: 'Clicks' }));
    expect(within(chart).getByRole('heading')).toHaveTextContent('Daily clicks by platform');
    expect(within(chart).getByRole('button', { name: 'Clicks' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('requests a preset range anchored on the last day with data', async () => {
    const calls = mockBackend({
      get_model_spend: () => modelSpend(), get_dashboard: () => dashboard() });
    renderDashboard();
    await screen.findByTestId('kpi-spend');

    await userEvent.click(screen.getByRole('button', { name: '7 days' }));
    await waitFor(() => expect(callsTo(calls, 'get_dashboard')).toHaveLength(2));
    expect(callsTo(calls, 'get_dashboard')[1].args).toEqual({
      request: { workspaceId: 'ws-1', range: { start: '2024-12-25', end: '2024-12-31' } },
    });
  });

  it('shows the range asked for last, even when an earlier answer arrives after it', async () => {
    let releaseSlow = () => {};
    const slow = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    const calls = mockBackend({
      get_model_spend: () => modelSpend(),
      get_dashboard: async (args) => {
        const { range } = args.request as { range: { start: string; end: string } | null };
        // The 7-day answer is held back until the 90-day one is on screen.
        if (range?.start === '2024-12-25') await slow;
        return dashboard(range ? { range } : {});
      },
    });
    renderDashboard();
    await screen.findByTestId('kpi-spend');

    await userEvent.click(screen.getByRole('button', { name: '7 days' }));
    await userEvent.click(screen.getByRole('button', { name: '90 days' }));
    await waitFor(() =>
      expect(screen.getByTestId('dashboard-range')).toHaveTextContent('Oct 3, 2024 – Dec 31, 2024'),
    );
    // All three were asked for; the 7-day answer is still on its way.
    expect(callsTo(calls, 'get_dashboard')).toHaveLength(3);
    releaseSlow();
    // Give the late answer every chance to land before checking it did not.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.getByTestId('dashboard-range')).toHaveTextContent('Oct 3, 2024 – Dec 31, 2024');
  });

  it('applies a custom range and rejects a reversed one', async () => {
    const calls = mockBackend({
      get_model_spend: () => modelSpend(), get_dashboard: () => dashboard() });
    renderDashboard();
    await screen.findByTestId('kpi-spend');

    const start = screen.getByLabelText('Start date');
    const end = screen.getByLabelText('End date');
    await userEvent.clear(start);
    await userEvent.type(start, '2024-12-20');
    await userEvent.clear(end);
    await userEvent.type(end, '2024-12-10');
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect(screen.getByRole('alert')).toHaveTextContent('start date must not be after');
    expect(callsTo(calls, 'get_dashboard')).toHaveLength(1);

    await userEvent.clear(end);
    await userEvent.type(end, '2024-12-24');
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(callsTo(calls, 'get_dashboard')).toHaveLength(2));
    expect(callsTo(calls, 'get_dashboard')[1].args).toEqual({
      request: { workspaceId: 'ws-1', range: { start: '2024-12-20', end: '2024-12-24' } },
    });
  });

  it('starts an export and hands the job to the jobs panel', async () => {
    const exportJob = job({ id: 'exp-1', state: 'queued', progress: 0 });
    const calls = mockBackend({
      get_model_spend: () => modelSpend(),
      get_dashboard: () => dashboard(),
      start_workspace_export: () => exportJob,
    });
    const props = renderDashboard();
    await screen.findByTestId('kpi-spend');

    await userEvent.click(screen.getByRole('button', { name: 'Export workspace' }));
    await waitFor(() => expect(props.onJobStarted).toHaveBeenCalledWith(exportJob));
    expect(callsTo(calls, 'start_workspace_export')[0].args).toEqual({
      request: { workspaceId: 'ws-1' },
    });
  });

  it('reports a workspace that no longer exists instead of showing an error', async () => {
    mockBackend({
      get_model_spend: () => modelSpend(), get_dashboard: () => ipcError('notFound', 'workspace ws-1 not found') });
    const props = renderDashboard();
    await waitFor(() => expect(props.onWorkspaceGone).toHaveBeenCalledTimes(1));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('explains an unavailable database and offers a retry', async () => {
    let fail = true;
    mockBackend({
      get_model_spend: () => modelSpend(),
      get_dashboard: () => (fail ? ipcError('unavailable', 'database is locked') : dashboard()),
    });
    renderDashboard();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-kind', 'unavailable');
    expect(alert).toHaveTextContent('is not available right now');
    expect(alert).toHaveTextContent('database is locked');

    fail = false;
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('kpi-spend-value')).toHaveTextContent('$12,345.67');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });
});
