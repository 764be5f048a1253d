import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { backend } from '../../ipc/backend';
import type {
  AddMemoryNoteInput,
  CreateTwinsInput,
  EditMemoryInput,
  EditTwinInput,
  JobView,
} from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';

/** Every twin of a workspace. */
export function useTwins(workspaceId: string) {
  return useQuery({
    queryKey: queryKeys.twins(workspaceId),
    queryFn: () => backend.listTwins(workspaceId),
  });
}

export function useTwin(twinId: string) {
  return useQuery({
    queryKey: queryKeys.twin(twinId),
    queryFn: () => backend.getTwin(twinId),
  });
}

export function useTwinVersions(twinId: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.twinVersions(twinId),
    queryFn: () => backend.listTwinVersions(twinId),
    enabled,
  });
}

export function useCreateTwins(onStarted: (job: JobView) => void) {
  return useMutation({
    mutationFn: (request: CreateTwinsInput) => backend.createTwins(request),
    onSuccess: onStarted,
  });
}

/** After any write to a twin: its profile, memories, versions, and the gallery's card. */
function useRefreshTwin(workspaceId: string, twinId: string) {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: queryKeys.twin(twinId) }),
      queryClient.invalidateQueries({ queryKey: queryKeys.twins(workspaceId) }),
    ]);
}

export function useEditTwin(workspaceId: string, twinId: string) {
  const refresh = useRefreshTwin(workspaceId, twinId);
  return useMutation({
    mutationFn: (request: EditTwinInput) => backend.editTwin(request),
    onSuccess: refresh,
  });
}

export function useEditMemory(workspaceId: string, twinId: string) {
  const refresh = useRefreshTwin(workspaceId, twinId);
  return useMutation({
    mutationFn: (request: EditMemoryInput) => backend.editMemory(request),
    // A conflict means a newer memory exists: read it either way.
    onSettled: refresh,
  });
}

export function useAddMemoryNote(workspaceId: string, twinId: string) {
  const refresh = useRefreshTwin(workspaceId, twinId);
  return useMutation({
    mutationFn: (request: AddMemoryNoteInput) => backend.addMemoryNote(request),
    onSuccess: refresh,
  });
}

export function useRetireMemory(workspaceId: string, twinId: string) {
  const refresh = useRefreshTwin(workspaceId, twinId);
  return useMutation({
    mutationFn: (memoryId: string) => backend.retireMemory(memoryId),
    onSuccess: refresh,
  });
}

export function twinsPath(workspaceId: string, twinId?: string): string {
  const base = `/w/${encodeURIComponent(workspaceId)}/twins`;
  return twinId ? `${base}/${encodeURIComponent(twinId)}` : base;
}
