import { useEffect } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { backend } from '../../ipc/backend';
import type {
  BeginSignInInput,
  ConnectTokenInput,
  ConnectionView,
  StartSyncInput,
  SyncRunView,
} from '../../ipc/backend';
import { mutationKeys, queryKeys } from '../../serverState/queryKeys';

/** How often a running sync is read again. */
export const SYNC_POLL_MS = 1000;

export function useConnectorPlatforms() {
  return useQuery({
    queryKey: queryKeys.connectorPlatforms,
    queryFn: () => backend.listConnectorPlatforms(),
    // What this version connects does not change while it runs.
    staleTime: Infinity,
  });
}

export function useConnections(workspaceId: string) {
  return useQuery({
    queryKey: queryKeys.connections(workspaceId),
    queryFn: () => backend.listConnections(workspaceId),
  });
}

/** Puts a connection the backend just answered with into the workspace's list at once. */
function storeConnection(queryClient: QueryClient, connection: ConnectionView) {
  queryClient.setQueryData<ConnectionView[]>(
    queryKeys.connections(connection.workspaceId),
    (list) => {
      if (!list) return [connection];
      return list.some((c) => c.id === connection.id)
        ? list.map((c) => (c.id === connection.id ? connection : c))
        : [...list, connection];
    },
  );
}

function refreshConnections(queryClient: QueryClient, workspaceId: string) {
  return queryClient.invalidateQueries({ queryKey: queryKeys.connections(workspaceId) });
}

export function useConnectWithToken(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: ConnectTokenInput) => backend.connectWithToken(request),
    onSuccess: (connection) => {
      storeConnection(queryClient, connection);
      return refreshConnections(queryClient, workspaceId);
    },
  });
}

export function useBeginSignIn() {
  return useMutation({
    mutationFn: (request: BeginSignInInput) => backend.beginSignIn(request),
  });
}

export function useFinishSignIn(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (signInId: string) => backend.finishSignIn(signInId),
    onSuccess: (connection) => {
      storeConnection(queryClient, connection);
      return refreshConnections(queryClient, workspaceId);
    },
  });
}

export function useRemoveConnection(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (connectionId: string) => backend.removeConnection(connectionId),
    onSuccess: (_, connectionId) => {
      queryClient.setQueryData<ConnectionView[]>(queryKeys.connections(workspaceId), (list) =>
        list?.filter((c) => c.id !== connectionId),
      );
      return refreshConnections(queryClient, workspaceId);
    },
  });
}

export function useSelectAccounts(workspaceId: string, connectionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (accounts: string[]) => backend.selectConnectionAccounts(connectionId, accounts),
    onSuccess: (connection) => {
      storeConnection(queryClient, connection);
      return refreshConnections(queryClient, workspaceId);
    },
  });
}

export function useSetSchedule(workspaceId: string, connectionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (cron: string | null) => backend.setSyncSchedule(connectionId, cron),
    onSuccess: (connection) => {
      storeConnection(queryClient, connection);
      return refreshConnections(queryClient, workspaceId);
    },
  });
}

export function useStartSync(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: StartSyncInput) => backend.startSync(request),
    onSuccess: (run) => {
      // The card shows the new run (and starts reading its progress) before the list is back.
      queryClient.setQueryData(queryKeys.syncRun(run.id), run);
      queryClient.setQueryData<ConnectionView[]>(queryKeys.connections(workspaceId), (list) =>
        list?.map((c) => (c.id === run.connectionId ? { ...c, lastRun: run } : c)),
      );
      return refreshConnections(queryClient, workspaceId);
    },
  });
}

/** Cancels the job a sync runs in; the jobs panel shows the same job. */
export function useCancelSync() {
  return useMutation({
    mutationKey: [...mutationKeys.jobAction, 'cancel'],
    mutationFn: (jobId: string) => backend.cancelJob(jobId),
  });
}

/**
 * A connection's last run, read again every second while it runs. When a poll sees the run
 * finished, the workspace's connections are read again (last sync time, next one, report).
 */
export function useSyncRun(workspaceId: string, lastRun: SyncRunView | null) {
  const queryClient = useQueryClient();
  const runId = lastRun?.id ?? '';
  const running = lastRun?.status === 'running';
  const query = useQuery({
    queryKey: queryKeys.syncRun(runId),
    queryFn: () => backend.getSyncRun(runId),
    enabled: running,
    refetchInterval: (q) => {
      const status = q.state.data?.status;
      return status === undefined || status === 'running' ? SYNC_POLL_MS : false;
    },
  });
  // The list may be older than the poll; the newer of the two wins.
  const polled = query.data?.id === runId ? query.data : undefined;
  const run = running && polled ? polled : lastRun;
  const finishedSinceListed = running && polled !== undefined && polled.status !== 'running';
  useEffect(() => {
    if (finishedSinceListed) void refreshConnections(queryClient, workspaceId);
  }, [finishedSinceListed, queryClient, workspaceId]);
  return { run, error: query.error };
}
