import { useCallback } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { backend } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';

export function useModelSettingsQuery() {
  return useQuery({ queryKey: queryKeys.modelSettings, queryFn: backend.getModelSettings });
}

export function useModelCatalogueQuery() {
  return useQuery({ queryKey: queryKeys.modelCatalogue, queryFn: backend.getModelCatalogue });
}

export function useTraceExportQuery() {
  return useQuery({ queryKey: queryKeys.traceExport, queryFn: backend.getTraceExport });
}

/** What a workspace's model calls cost over the last `days` days. */
export function useModelSpend(workspaceId: string, days: number) {
  return useQuery({
    queryKey: queryKeys.spend(workspaceId, days),
    queryFn: () => backend.getModelSpend({ workspaceId, days }),
  });
}

export type SettingsChange = (action: () => Promise<unknown>) => Promise<void>;

/**
 * Every edit on Models & keys goes through one mutation: run it, then re-read the settings
 * and prices whatever the outcome, so the page always shows what the backend now holds
 * (a half-applied change included). The failure, if any, is the mutation's `error`.
 * The action starts a moment after `change` is called: read event values before, not in it.
 */
export function useSettingsChange() {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: (action: () => Promise<unknown>) => action(),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.modelSettings }),
        queryClient.invalidateQueries({ queryKey: queryKeys.modelCatalogue }),
      ]),
  });
  const { mutateAsync, reset } = mutation;
  const change: SettingsChange = useCallback(
    (action) => mutateAsync(action).then(noop, noop),
    [mutateAsync],
  );
  return { change, error: mutation.error, dismissError: reset };
}

function noop(): void {}
