import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../App';
import type { ReportView, SignalEvidenceView } from '../../ipc/backend';
import { audience, job, signal, themeSignal, workspace } from '../../test/fixtures';
import { callsTo, mockBackend } from '../../test/ipc';
import type { Handler } from '../../test/ipc';

function backendWith(handlers: Record<string, Handler>) {
  return mockBackend({
    list_jobs: () => [],
    list_workspaces: () => [workspace({ id: 'ws-1', name: 'Halcyon' })],
    list_audiences: () => [audience(), audience({ id: 'aud-2', name: 'Gift givers', sizeLower: null, sizeUpper: null })],
    list_signals: () => [
      signal(),
      signal({
        id: 'sig-below',
        statement: 'The daypart Night trails with Coffee culture 18-34: a click rate of 0.6% on 2,809,368 impressions.',
        strength: -0.34,
        interval: { estimate: 0.006, low: 0.0055, high: 0.0065 },
        baseline: 0.01,
      }),
      signal({
        id: 'sig-intent',
        audienceId: null,
        kind: 'intent',
        finding: 'share',
        statement: 'Informational searches are 47% of search volume (526,976 of 1,116,647 searches, 95% CI 47%–47%).',
        support: { count: 526_976, total: 1_116_647, unit: 'searches' },
        baseline: null,
        qValue: null,
        interval: { estimate: 0.47, low: 0.469, high: 0.471 },
      }),
      themeSignal(),
    ],
    ...handlers,
  });
}

function openAt(hash: string) {
  window.history.replaceState(null, '', `/${hash}`);
  render(<App />);
}

const EVIDENCE: SignalEvidenceView = {
  signal: signal(),
  rows: [
    { table: 'metric_breakdowns', key: 'b-1', inSegment: false, title: 'Desktop, Dec 3', text: null, date: '2024-12-03', figures: [{ label: 'impressions', value: '9,120' }] },
    { table: 'metric_breakdowns', key: 's-1', inSegment: true, title: 'Mobile, Dec 3', text: null, date: '2024-12-03', figures: [{ label: 'impressions', value: '24,105' }, { label: 'clicks', value: '338' }] },
    { table: 'metric_breakdowns', key: 's-2', inSegment: true, title: 'Mobile, Dec 4', text: null, date: '2024-12-04', figures: [{ label: 'impressions', value: '24,105' }] },
  ],
};

const REPORT: ReportView = {
  id: 'rep-1',
  audienceId: 'aud-1',
  kind: 'behavior',
  version: 2,
  title: 'Mobile carries this audience',
  writtenBy: 'local/SmolLM2-135M-Instruct',
  claimsChecked: 3,
  claimsDropped: 1,
  createdAt: '2025-01-10T12:00:00Z',
  claims: [
    { text: 'Mobile viewers click more than the rest.', signals: [signal()], holdsNow: true, changedSince: [] },
    {
      text: 'People talk about late deliveries.',
      signals: [themeSignal()],
      holdsNow: false,
      changedSince: [
        { signalId: themeSignal().id, statementThen: 'Late deliveries: 41 mentions (12%).', retired: false },
      ],
    },
  ],
};

describe('Audiences screen', () => {
  it('lists audiences and shows the first one’s signals grouped by kind, each with its interval', async () => {
    const calls = backendWith({});
    openAt('#/w/ws-1/audiences');

    const detail = await screen.findByTestId('audience-detail');
    expect(window.location.hash).toBe('#/w/ws-1/audiences/aud-1');
    expect(within(detail).getByRole('heading', { name: 'Coffee culture 18-34' })).toBeInTheDocument();
    expect(within(detail).getByTestId('audience-size')).toHaveTextContent('8.4M–9.9M people');
    expect(within(detail).getByRole('list', { name: 'Interests' })).toHaveTextContent('Latte art');
    expect(screen.getByTestId('audience-aud-1')).toHaveTextContent('1 behavior · 1 intent · 1 themes');

    const behavior = await screen.findByTestId('signals-behavior');
    expect(within(behavior).getByRole('heading')).toHaveTextContent('Behavior (2)');
    const bars = within(behavior).getAllByTestId('interval-bar');
    expect(bars).toHaveLength(2);
    // The baseline is drawn, and which side of it the segment is on shows in its colour.
    expect(bars[0]).toHaveAttribute('data-side', 'above');
    expect(bars[1]).toHaveAttribute('data-side', 'below');
    expect(within(bars[0]).getByTestId('interval-baseline')).toBeInTheDocument();
    expect(within(bars[0]).getByRole('img')).toHaveAccessibleName(
      '95% interval 1.3%–1.5%, estimate 1.4%, baseline 1.0% (above)',
    );
    expect(within(behavior).getAllByTestId('signal-support')[0]).toHaveTextContent('48,210 of 80,350 impressions');
    expect(within(behavior).getByTestId('signal-sig-1')).toHaveTextContent('q < 0.001');

    const intent = screen.getByTestId('signals-intent');
    expect(within(intent).getByTestId('signal-support')).toHaveTextContent('526,976 of 1,116,647 searches');
    expect(within(intent).getByText('Whole workspace')).toBeInTheDocument();
    expect(within(intent).queryByTestId('interval-baseline')).toBeNull();

    const themes = screen.getByTestId('signals-mentionTheme');
    expect(within(themes).getByTestId('signal-support')).toHaveTextContent('43 of 240 mentions');
    expect(within(themes).getByTestId('weekly-chart')).toBeInTheDocument();
    expect(within(themes).getByTestId('sentiment-bar')).toHaveTextContent('47% negative');
    expect(within(themes).getAllByRole('blockquote')).toHaveLength(3);

    expect(callsTo(calls, 'list_signals')[0].args).toEqual({
      request: { workspaceId: 'ws-1', audienceId: 'aud-1' },
    });
  });

  it('opens a report, and a claim shows the rows behind the signals it cites', async () => {
    const calls = backendWith({
      list_audiences: () => [
        audience({
          reports: [
            { id: 'rep-1', audienceId: 'aud-1', kind: 'behavior', version: 2, versions: 2, title: 'Mobile carries this audience', writtenBy: 'local/SmolLM2-135M-Instruct', claims: 2, claimsChecked: 3, createdAt: '2025-01-10T12:00:00Z' },
          ],
        }),
      ],
      get_report: () => REPORT,
      get_signal_evidence: () => EVIDENCE,
    });
    openAt('#/w/ws-1/audiences/aud-1');

    const item = await screen.findByTestId('report-behavior');
    expect(item).toHaveTextContent('Mobile carries this audience');
    expect(item).toHaveTextContent('written by local/SmolLM2-135M-Instruct · 2 of 3 claims kept · 2 versions');
    await userEvent.click(item);
    expect(window.location.hash).toBe('#/w/ws-1/audiences/aud-1?report=rep-1');
    const report = await screen.findByTestId('report-view');
    const claims = within(report).getAllByTestId('claim');
    expect(claims).toHaveLength(2);
    expect(claims[0]).toHaveTextContent('cites: The device Mobile wins');
    // A claim of an older version whose evidence changed says so, and what it rested on then.
    expect(within(claims[0]).queryByTestId('claim-stale')).toBeNull();
    expect(within(claims[1]).getByTestId('claim-stale')).toHaveTextContent('No longer holds');
    expect(within(claims[1]).getByTestId('claim-then')).toHaveTextContent(
      'When written it said: Late deliveries: 41 mentions (12%).',
    );

    await userEvent.click(within(claims[0]).getByRole('button', { name: /Mobile viewers click more/ }));
    const drawer = await screen.findByTestId('evidence-drawer');
    const rows = await within(drawer).findAllByTestId('evidence-row');
    // Segment rows first, the baseline after them and labelled as such.
    expect(rows.map((r) => r.getAttribute('data-in-segment'))).toEqual(['true', 'true', 'false']);
    expect(rows[0]).toHaveTextContent('Mobile, Dec 3');
    expect(rows[0]).toHaveTextContent('clicks338');
    expect(within(rows[2]).getByText('baseline')).toBeInTheDocument();
    expect(within(rows[0]).queryByText('baseline')).toBeNull();
    expect(within(drawer).getByTestId('evidence-count')).toHaveTextContent(
      'Showing 3 rows; the signal rests on 912 rows',
    );
    expect(callsTo(calls, 'get_signal_evidence')[0].args).toEqual({ signalId: 'sig-1' });

    await userEvent.click(within(drawer).getByRole('button', { name: 'Close' }));
    expect(screen.queryByTestId('evidence-drawer')).toBeNull();
  });

  it('opens the rows behind a signal when its statement is clicked', async () => {
    backendWith({ get_signal_evidence: () => EVIDENCE });
    openAt('#/w/ws-1/audiences/aud-1');
    const card = await screen.findByTestId('signal-sig-1');
    await userEvent.click(within(card).getByRole('button'));
    const drawer = await screen.findByTestId('evidence-drawer');
    expect(await within(drawer).findAllByTestId('evidence-row')).toHaveLength(3);
  });

  it('says what to do when there are no signals, and builds them with progress in place', async () => {
    const building = job({ id: 'build-1', kind: 'evidence.signals', title: 'Build audience signals', state: 'queued', progress: 0, progressMessage: null });
    const calls = backendWith({
      list_signals: () => [],
      start_signal_build: () => building,
    });
    openAt('#/w/ws-1/audiences/aud-1');

    const empty = await screen.findByTestId('signals-empty');
    expect(empty).toHaveTextContent('No signals yet — Build signals');
    expect(screen.getByTestId('reports-empty')).toHaveTextContent('No reports yet — Write reports');
    await userEvent.click(within(empty).getByRole('button', { name: 'Build signals' }));

    await waitFor(() => expect(callsTo(calls, 'start_signal_build')).toHaveLength(1));
    expect(callsTo(calls, 'start_signal_build')[0].args).toEqual({ workspaceId: 'ws-1' });
    expect(await screen.findByTestId('signal-build-progress')).toHaveTextContent('0%');
    for (const button of screen.getAllByTestId('build-signals')) expect(button).toBeDisabled();
    expect(screen.getByTestId('write-reports')).toBeDisabled();
  });
});
