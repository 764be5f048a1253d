import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { job } from '../../test/fixtures';
import { callsTo, emitJobChanged, mockBackend } from '../../test/ipc';
import { renderWithQueryClient } from '../../test/queryClient';
import { JobsPanel } from './JobsPanel';
import { useJobs } from './useJobs';

function ConnectedJobsPanel() {
  return <JobsPanel controller={useJobs()} />;
}

/** Emits until the panel's listener is registered (listen() resolves asynchronously). */
async function emitUntilApplied(next: ReturnType<typeof job>) {
  await waitFor(async () => {
    await act(() => emitJobChanged(next));
    expect(screen.getByTestId(`job-${next.id}`)).toHaveAttribute('data-state', next.state);
  });
}

describe('JobsPanel', () => {
  it('shows jobs newest first with a progress bar and message', async () => {
    mockBackend({
      list_jobs: () => [
        job({ id: 'new', title: 'Export Acme', createdAt: '2025-01-10T12:00:00Z', progress: 0.4 }),
        job({ id: 'old', title: 'Generate demo', kind: 'demo.generate', state: 'succeeded', progress: 1, createdAt: '2025-01-09T12:00:00Z' }),
      ],
    });
    renderWithQueryClient(<ConnectedJobsPanel />);

    const row = await screen.findByTestId('job-new');
    const rows = screen.getAllByRole('listitem');
    expect(rows.map((r) => r.dataset.testid)).toEqual(['job-new', 'job-old']);
    expect(row).toHaveAttribute('data-state', 'running');
    const bar = within(row).getByRole('progressbar');
    expect(bar).toHaveAttribute('aria-valuenow', '40');
    expect(within(row).getByText(/40% · Writing campaigns/)).toBeInTheDocument();
    expect(within(row).getByText('Export Acme')).toBeInTheDocument();
    expect(within(row).getByText('Slow lane')).toBeInTheDocument();
  });

  it('updates progress and state live from job-changed events', async () => {
    mockBackend({ list_jobs: () => [job({ id: 'j1', progress: 0.1, progressMessage: 'Starting' })] });
    renderWithQueryClient(<ConnectedJobsPanel />);
    const row = await screen.findByTestId('job-j1');
    expect(within(row).getByRole('progressbar')).toHaveAttribute('aria-valuenow', '10');

    await waitFor(async () => {
      await act(() => emitJobChanged(job({ id: 'j1', progress: 0.75, progressMessage: 'Zipping files' })));
      expect(within(screen.getByTestId('job-j1')).getByRole('progressbar')).toHaveAttribute(
        'aria-valuenow',
        '75',
      );
    });
    expect(screen.getByText(/75% · Zipping files/)).toBeInTheDocument();

    await emitUntilApplied(job({ id: 'j1', state: 'failed', error: 'Disk full', progress: 0.8 }));
    const failed = screen.getByTestId('job-j1');
    expect(within(failed).getByText('Disk full')).toBeInTheDocument();
    expect(within(failed).queryByRole('progressbar')).not.toBeInTheDocument();
  });

  it('reads the list again once it listens, so a change made before then is not lost', async () => {
    let listings = 0;
    mockBackend({
      list_jobs: () => {
        listings += 1;
        // The job finished between the first listing and the listener being in place: no
        // event will ever say so, only the second listing can.
        return [job({ id: 'j', state: listings === 1 ? 'running' : 'succeeded', progress: listings === 1 ? 0.5 : 1 })];
      },
    });
    renderWithQueryClient(<ConnectedJobsPanel />);
    await waitFor(() => expect(screen.getByTestId('job-j')).toHaveAttribute('data-state', 'succeeded'));
    expect(listings).toBeGreaterThanOrEqual(2);
  });

  it('adds jobs it had not seen before when an event announces them', async () => {
    mockBackend({ list_jobs: () => [] });
    renderWithQueryClient(<ConnectedJobsPanel />);
    await screen.findByText(/No jobs yet/);

    await emitUntilApplied(job({ id: 'fresh', state: 'queued', progress: 0, title: 'Generate demo data' }));
    expect(screen.getByText('Generate demo data')).toBeInTheDocument();
  });

  it('Cancel calls cancel_job for a running job and shows the answer', async () => {
    const calls = mockBackend({
      list_jobs: () => [job({ id: 'run-1', state: 'running' })],
      cancel_job: (args) => job({ id: String(args.jobId), state: 'cancelled', finishedAt: '2025-01-10T12:01:00Z' }),
    });
    renderWithQueryClient(<ConnectedJobsPanel />);
    const row = await screen.findByTestId('job-run-1');
    expect(within(row).queryByRole('button', { name: 'Retry' })).not.toBeInTheDocument();

    await userEvent.click(within(row).getByRole('button', { name: 'Cancel' }));

    expect(callsTo(calls, 'cancel_job')).toEqual([{ cmd: 'cancel_job', args: { jobId: 'run-1' } }]);
    expect(callsTo(calls, 'retry_job')).toHaveLength(0);
    await waitFor(() => expect(screen.getByTestId('job-run-1')).toHaveAttribute('data-state', 'cancelled'));
  });

  it('Retry calls retry_job for failed and cancelled jobs', async () => {
    const calls = mockBackend({
      list_jobs: () => [
        job({ id: 'f1', state: 'failed', error: 'Network down', createdAt: '2025-01-10T12:00:00Z' }),
        job({ id: 'c1', state: 'cancelled', createdAt: '2025-01-10T11:00:00Z' }),
      ],
      retry_job: (args) => job({ id: String(args.jobId), state: 'queued', progress: 0 }),
    });
    renderWithQueryClient(<ConnectedJobsPanel />);
    const failed = await screen.findByTestId('job-f1');
    expect(within(failed).queryByRole('button', { name: 'Cancel' })).not.toBeInTheDocument();

    await userEvent.click(within(failed).getByRole('button', { name: 'Retry' }));
    await userEvent.click(within(screen.getByTestId('job-c1')).getByRole('button', { name: 'Retry' }));

    expect(callsTo(calls, 'retry_job').map((c) => c.args)).toEqual([{ jobId: 'f1' }, { jobId: 'c1' }]);
    expect(callsTo(calls, 'cancel_job')).toHaveLength(0);
    await waitFor(() => expect(screen.getByTestId('job-f1')).toHaveAttribute('data-state', 'queued'));
    expect(screen.getByTestId('job-c1')).toHaveAttribute('data-state', 'queued');
  });

  it('shows a readable banner when a command fails', async () => {
    mockBackend({
      list_jobs: () => [job({ id: 'r', state: 'running' })],
      cancel_job: () => {
        throw { kind: 'conflict', message: 'job r already finished' };
      },
    });
    renderWithQueryClient(<ConnectedJobsPanel />);
    await userEvent.click(within(await screen.findByTestId('job-r')).getByRole('button', { name: 'Cancel' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-kind', 'conflict');
    expect(alert).toHaveTextContent('job r already finished');
  });
});
