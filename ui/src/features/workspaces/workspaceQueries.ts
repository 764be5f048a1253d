import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { backend } from '../../ipc/backend';
import type { CreateWorkspaceInput, WorkspaceSummary } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';

/**
 * Every workspace on this computer, for the switcher and to resolve the one in the address.
 * Read once, then again only when something says it changed (a creation, a finished demo
 * job, a workspace found missing, the switcher's "Try again"): several parts of the shell
 * watch it, and each screen they open must not re-read it.
 */
export function useWorkspaceList() {
  return useQuery({
    queryKey: queryKeys.workspaces,
    queryFn: backend.listWorkspaces,
    staleTime: Infinity,
  });
}

/** Re-reads the list, e.g. after a workspace's own settings changed. */
export function refreshWorkspaces(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: queryKeys.workspaces });
}

/**
 * Drops a workspace the backend says is gone from the cached list at once (so nothing keeps
 * offering it), then re-reads the list to learn what else changed.
 */
export function forgetWorkspace(queryClient: QueryClient, workspaceId: string): Promise<void> {
  queryClient.setQueryData<WorkspaceSummary[]>(queryKeys.workspaces, (list) =>
    list?.filter((w) => w.id !== workspaceId),
  );
  return refreshWorkspaces(queryClient);
}

/**
 * Creates a workspace. The answer goes into the cached list before anyone navigates to it,
 * so its address resolves at once instead of looking like a workspace that does not exist.
 */
export function useCreateWorkspace() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateWorkspaceInput) => backend.createWorkspace(input),
    onSuccess: (created) => {
      queryClient.setQueryData<WorkspaceSummary[]>(queryKeys.workspaces, (list) => [
        ...(list ?? []).filter((w) => w.id !== created.id),
        created,
      ]);
      void refreshWorkspaces(queryClient);
    },
  });
}
