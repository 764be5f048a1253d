import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { backend } from '../../ipc/backend';
import type {
  JobView,
  SessionCommandInput,
  StartFocusGroupInput,
  StartInterviewInput,
} from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';

export function useSessions(workspaceId: string) {
  return useQuery({
    queryKey: queryKeys.sessions(workspaceId),
    queryFn: () => backend.listSessions(workspaceId),
  });
}

export function useSession(sessionId: string) {
  return useQuery({
    queryKey: queryKeys.session(sessionId),
    queryFn: () => backend.getSession(sessionId),
  });
}

export function useInsights(sessionId: string) {
  return useQuery({
    queryKey: queryKeys.insights(sessionId),
    queryFn: () => backend.getInsights(sessionId),
  });
}

/** The plan of a focus group for this guide and group size; the last one stays while typing. */
export function useFocusGroupEstimate(workspaceId: string, guide: string, twins: number) {
  return useQuery({
    queryKey: queryKeys.focusGroupEstimate(workspaceId, guide, twins),
    queryFn: () => backend.estimateFocusGroup({ workspaceId, guide, twins }),
    enabled: guide.trim() !== '' && twins > 0,
    placeholderData: keepPreviousData,
    retry: false,
  });
}

export function useInterviewEstimate(workspaceId: string, questions: number) {
  return useQuery({
    queryKey: queryKeys.interviewEstimate(workspaceId, questions),
    queryFn: () => backend.estimateInterview({ workspaceId, questions }),
    enabled: questions > 0,
    placeholderData: keepPreviousData,
    retry: false,
  });
}

/** Starting a session adds it to the workspace's list. */
export function useStartFocusGroup(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: StartFocusGroupInput) => backend.startFocusGroup(request),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.sessions(workspaceId) }),
  });
}

export function useStartInterview(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (request: StartInterviewInput) => backend.startInterview(request),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.sessions(workspaceId) }),
  });
}

export function useSessionCommand(onJobStarted: (job: JobView) => void) {
  return useMutation({
    mutationFn: (request: SessionCommandInput) => backend.commandSession(request),
    onSuccess: (job) => {
      if (job) onJobStarted(job);
    },
  });
}

export function useStartInsights(sessionId: string, onStarted: (job: JobView) => void) {
  return useMutation({ mutationFn: () => backend.startInsights(sessionId), onSuccess: onStarted });
}

export function useExportInsights(sessionId: string) {
  return useMutation({
    mutationFn: (format: 'markdown' | 'pdf') => backend.exportInsights(sessionId, format),
  });
}

/** A replay from the response cache: zero model calls, so it is safe to repeat. */
export function useReplaySession(sessionId: string) {
  return useMutation({ mutationFn: () => backend.replaySession(sessionId) });
}

export function studiesPath(workspaceId: string, rest?: string): string {
  const base = `/w/${encodeURIComponent(workspaceId)}/studies`;
  return rest ? `${base}/${rest}` : base;
}
