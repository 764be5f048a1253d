import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../App';
import type { InsightsView } from '../../ipc/backend';
import { insights, job, sessionDetail, sessionSummary, workspace } from '../../test/fixtures';
import { callsTo, emitJobChanged, mockBackend } from '../../test/ipc';
import type { Handler } from '../../test/ipc';

function backendWith(handlers: Record<string, Handler>) {
  return mockBackend({
    list_jobs: () => [],
    list_workspaces: () => [workspace({ id: 'ws-1', name: 'Halcyon' })],
    get_session: () => sessionDetail({ session: sessionSummary({ status: 'completed' }) }),
    ...handlers,
  });
}

function openAt(hash: string) {
  window.history.replaceState(null, '', `/${hash}`);
  render(<App />);
}

describe('Insights', () => {
  it('writes insights as a job when there are none, and shows them when it succeeds', async () => {
    let current: InsightsView | null = null;
    const insightsJob = job({ id: 'job-ins', kind: 'twins.insights', title: 'Insights: Holiday gift box', state: 'queued', progress: 0 });
    const calls = backendWith({ get_insights: () => current, start_insights: () => insightsJob });
    openAt('#/w/ws-1/studies/ses-1/insights');

    const empty = await screen.findByTestId('insights-empty');
    await userEvent.click(within(empty).getByTestId('write-insights'));
    await waitFor(() => expect(callsTo(calls, 'start_insights')).toHaveLength(1));
    expect(callsTo(calls, 'start_insights')[0].args).toEqual({ sessionId: 'ses-1' });
    expect(await screen.findByTestId('insights-progress')).toBeInTheDocument();
    expect(within(empty).getByTestId('write-insights')).toBeDisabled();

    current = insights();
    await waitFor(async () => {
      await act(() => emitJobChanged({ ...insightsJob, state: 'succeeded', progress: 1 }));
      expect(screen.getByTestId('insights-themes')).toBeInTheDocument();
    });
  });

  it('shows themes, agreements, disagreements, actions and gaps, each quote linking to its turn', async () => {
    backendWith({ get_insights: () => insights() });
    openAt('#/w/ws-1/studies/ses-1/insights');

    expect(await screen.findByTestId('insights-dropped')).toHaveTextContent('2 of 6 items the model wrote were dropped for citing no turn.');
    const theme = screen.getByTestId('insight-theme');
    expect(theme).toHaveTextContent('Looks sell the box');
    expect(theme).toHaveTextContent('The packaging won people over first.');
    const quote = within(theme).getByTestId('insight-quote');
    expect(quote).toHaveTextContent('“Honestly the box looks lovely.”');
    expect(quote).toHaveAttribute('href', '#/w/ws-1/studies/ses-1#turn-2');
    // Counted from 1 for people, as the exported report does.
    expect(theme).toHaveTextContent('— Maya Torres, turn 3');
    expect(screen.getByTestId('insights-agreements')).toHaveTextContent('Everyone liked the packaging.');
    expect(screen.getByTestId('insights-disagreements')).toHaveTextContent('Price split the group.');
    expect(within(screen.getByTestId('insights-disagreements')).getByTestId('insight-quote')).toHaveAttribute(
      'href',
      '#/w/ws-1/studies/ses-1#turn-4',
    );
    expect(screen.getByTestId('insights-actions')).toHaveTextContent('Test a smaller, cheaper box.');
    const gaps = screen.getByTestId('insights-gaps');
    expect(gaps).toHaveTextContent('Forty dollars is a lot.');
    expect(gaps).toHaveTextContent('I would never pay that.');

    // Following a quote opens the transcript at that turn.
    await userEvent.click(quote);
    await waitFor(() => expect(window.location.hash).toBe('#/w/ws-1/studies/ses-1#turn-2'));
    expect(await screen.findByRole('heading', { level: 1, name: 'Holiday gift box' })).toBeInTheDocument();
  });

  it('says plainly when no theme could be grounded', async () => {
    backendWith({
      get_insights: () =>
        insights({ itemsChecked: 5, itemsDropped: 5, themes: [], agreements: [], disagreements: [], actions: [], gaps: [] }),
    });
    openAt('#/w/ws-1/studies/ses-1/insights');
    const dropped = await screen.findByTestId('insights-dropped');
    expect(dropped).toHaveTextContent('No theme could be grounded: all 5 items the model wrote cited no turn and were dropped.');
    expect(dropped).toHaveTextContent('A larger model usually can');
    expect(screen.queryByTestId('insights-themes')).toBeNull();
  });

  it('exports Markdown and PDF and shows where the file went', async () => {
    const calls = backendWith({
      get_insights: () => insights(),
      export_insights: (args) => {
        const { format } = args.request as { format: string };
        return format === 'pdf' ? '/home/me/ProfitWheel/exports/holiday-gift-box.pdf' : '/home/me/ProfitWheel/exports/holiday-gift-box.md';
      },
    });
    openAt('#/w/ws-1/studies/ses-1/insights');
    await userEvent.click(await screen.findByTestId('export-markdown'));
    expect(await screen.findByTestId('export-path')).toHaveTextContent('Saved to /home/me/ProfitWheel/exports/holiday-gift-box.md');
    await userEvent.click(screen.getByTestId('export-pdf'));
    await waitFor(() => expect(screen.getByTestId('export-path')).toHaveTextContent('holiday-gift-box.pdf'));
    expect(callsTo(calls, 'export_insights').map((c) => c.args)).toEqual([
      { request: { sessionId: 'ses-1', format: 'markdown' } },
      { request: { sessionId: 'ses-1', format: 'pdf' } },
    ]);
  });
});
