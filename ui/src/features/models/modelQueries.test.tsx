import { QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { backend } from '../../ipc/backend';
import { modelSettings, modelSpend } from '../../test/fixtures';
import { callsTo, ipcError, mockBackend } from '../../test/ipc';
import { createTestQueryClient } from '../../test/queryClient';
import { useModelSettingsQuery, useModelSpend, useSettingsChange } from './modelQueries';

function withClient() {
  const client = createTestQueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
  return { client, wrapper };
}

describe('model queries', () => {
  it("keeps a workspace's spend under ['spend', workspace, days]", async () => {
    const spend = modelSpend({ calls: 2 });
    const calls = mockBackend({ get_model_spend: () => spend });
    const { client, wrapper } = withClient();
    const { result } = renderHook(() => useModelSpend('ws-1', 30), { wrapper });

    await waitFor(() => expect(result.current.data).toEqual(spend));
    expect(callsTo(calls, 'get_model_spend')[0].args).toEqual({
      request: { workspaceId: 'ws-1', days: 30 },
    });
    expect(client.getQueryData(['spend', 'ws-1', 30])).toEqual(spend);
  });

  it('re-reads the settings after a change, even one that failed, and keeps its error', async () => {
    let offline = false;
    const calls = mockBackend({
      get_model_settings: () => modelSettings({ offline }),
      get_model_catalogue: () => [],
      set_offline_mode: () => {
        // Half-applied: the flag is stored, then something else fails.
        offline = true;
        return ipcError('unavailable', 'keychain is locked');
      },
    });
    const { wrapper } = withClient();
    const { result } = renderHook(
      () => ({ settings: useModelSettingsQuery(), change: useSettingsChange() }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.settings.data?.offline).toBe(false));

    await act(() => result.current.change.change(() => backend.setOfflineMode(true)));

    expect(result.current.settings.data?.offline).toBe(true);
    expect(callsTo(calls, 'get_model_settings')).toHaveLength(2);
    expect(result.current.change.error).toMatchObject({ kind: 'unavailable' });
    act(() => result.current.change.dismissError());
    await waitFor(() => expect(result.current.change.error).toBeNull());
  });
});
