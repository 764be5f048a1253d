import { keepPreviousData, useMutation, useQueries, useQuery } from '@tanstack/react-query';
import { backend } from '../../ipc/backend';
import type { JobView, ReportKindView, SearchInput } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';
import { isActive } from '../jobs/jobsState';

/** A workspace's audiences with their signal counts and latest reports. */
export function useAudiences(workspaceId: string) {
  return useQuery({
    queryKey: queryKeys.audiences(workspaceId),
    queryFn: () => backend.listAudiences(workspaceId),
  });
}

/** One audience's signals and the workspace-wide ones. */
export function useSignals(workspaceId: string, audienceId: string | null) {
  return useQuery({
    queryKey: queryKeys.signals(workspaceId, audienceId),
    queryFn: () => backend.listSignals({ workspaceId, audienceId }),
  });
}

/** The rows behind each of several signals (a claim cites one or more). */
export function useSignalEvidence(signalIds: readonly string[]) {
  return useQueries({
    queries: signalIds.map((signalId) => ({
      queryKey: queryKeys.signalEvidence(signalId),
      queryFn: () => backend.getSignalEvidence(signalId),
    })),
  });
}

export function useReport(reportId: string | null) {
  return useQuery({
    queryKey: queryKeys.report(reportId ?? ''),
    queryFn: () => backend.getReport(reportId ?? ''),
    enabled: reportId !== null,
  });
}

/** One page of search results; the previous page stays on screen while the next loads. */
export function useSearch(request: SearchInput) {
  const { workspaceId, ...rest } = request;
  return useQuery({
    queryKey: queryKeys.search(workspaceId, rest),
    queryFn: () => backend.searchWorkspace(request),
    placeholderData: keepPreviousData,
    // While the index is rebuilt the page says so; look again now and then, in case the
    // rebuild was started elsewhere (the CLI) and no job event reaches this window.
    refetchInterval: (query) => (query.state.data?.rebuilding ? 5_000 : false),
  });
}

/** The whole row a search hit came from (a mention, search term, behaviour or creative). */
export function useSearchSource(workspaceId: string, kind: string, id: string) {
  return useQuery({
    queryKey: queryKeys.searchSource(workspaceId, kind, id),
    queryFn: () => backend.getSearchSource(workspaceId, kind, id),
  });
}

export function useStartSignalBuild(workspaceId: string, onStarted: (job: JobView) => void) {
  return useMutation({
    mutationFn: () => backend.startSignalBuild(workspaceId),
    onSuccess: onStarted,
  });
}

export const ALL_REPORT_KINDS: ReportKindView[] = ['behavior', 'intent', 'mentions'];

export function useStartReports(
  workspaceId: string,
  audienceId: string,
  onStarted: (job: JobView) => void,
) {
  return useMutation({
    mutationFn: () =>
      backend.startGroundingReports({ workspaceId, audienceId, kinds: ALL_REPORT_KINDS }),
    onSuccess: onStarted,
  });
}

/** The newest queued or running job of a kind in this workspace, if any. */
export function activeJob(
  jobs: readonly JobView[],
  kind: string | readonly string[],
  workspaceId: string,
): JobView | null {
  const kinds = typeof kind === 'string' ? [kind] : kind;
  return (
    jobs.find((j) => kinds.includes(j.kind) && j.workspaceId === workspaceId && isActive(j)) ??
    null
  );
}
