import { describe, expect, it, vi } from 'vitest';
import { callsTo, emitJobChanged, ipcError, mockBackend } from '../test/ipc';
import { job, workspace } from '../test/fixtures';
import { BackendError, backend, onJobChanged, toBackendError } from './backend';

describe('backend', () => {
  it('unwraps ok results into plain data', async () => {
    mockBackend({ list_workspaces: () => [workspace()] });
    await expect(backend.listWorkspaces()).resolves.toEqual([workspace()]);
  });

  it('sends arguments under the Rust parameter names', async () => {
    const calls = mockBackend({
      get_dashboard: () => ({}),
      create_workspace: () => workspace(),
      start_workspace_export: () => job(),
      retry_job: () => job(),
      cancel_job: () => job(),
    });
    const range = { start: '2024-12-01', end: '2024-12-31' };
    await backend.getDashboard({ workspaceId: 'ws-1', range });
    await backend.createWorkspace({ name: 'N', brand: 'B', currency: 'EUR', timeZone: 'UTC' });
    await backend.startWorkspaceExport({ workspaceId: 'ws-1' });
    await backend.retryJob('job-7');
    await backend.cancelJob('job-8');

    expect(callsTo(calls, 'get_dashboard')[0].args).toEqual({
      request: { workspaceId: 'ws-1', range },
    });
    expect(callsTo(calls, 'create_workspace')[0].args).toEqual({
      request: { name: 'N', brand: 'B', currency: 'EUR', timeZone: 'UTC' },
    });
    expect(callsTo(calls, 'start_workspace_export')[0].args).toEqual({
      request: { workspaceId: 'ws-1' },
    });
    expect(callsTo(calls, 'retry_job')[0].args).toEqual({ jobId: 'job-7' });
    expect(callsTo(calls, 'cancel_job')[0].args).toEqual({ jobId: 'job-8' });
  });

  it('turns IpcError results into a BackendError carrying the kind', async () => {
    mockBackend({ get_dashboard: () => ipcError('notFound', 'workspace ws-9 not found') });
    const error = await backend.getDashboard({ workspaceId: 'ws-9', range: null }).catch((e) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ kind: 'notFound', message: 'workspace ws-9 not found' });
  });

  it('maps framework failures (strings, thrown Errors, unknown kinds) to "internal"', () => {
    expect(toBackendError('command list_jobs not allowed by ACL')).toMatchObject({
      kind: 'internal',
      message: 'command list_jobs not allowed by ACL',
    });
    expect(toBackendError(new TypeError('no tauri'))).toMatchObject({
      kind: 'internal',
      message: 'no tauri',
    });
    expect(toBackendError({ kind: 'exploded', message: 'x' }).kind).toBe('internal');
  });

  it('delivers job-changed payloads and stops after unsubscribe', async () => {
    mockBackend({});
    const received = vi.fn();
    const unsubscribe = onJobChanged(received);
    // listen() registers asynchronously; wait until the registration has gone through.
    await vi.waitFor(async () => {
      await emitJobChanged(job({ progress: 0.5 }));
      expect(received).toHaveBeenCalled();
    });
    expect(received).toHaveBeenLastCalledWith(job({ progress: 0.5 }));

    unsubscribe();
    received.mockClear();
    await emitJobChanged(job({ progress: 0.9 }));
    expect(received).not.toHaveBeenCalled();
  });
});
