import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useMutation, useMutationState, useQuery, useQueryClient } from '@tanstack/react-query';
import type { QueryClient } from '@tanstack/react-query';
import { backend, onJobChanged } from '../../ipc/backend';
import type { JobView } from '../../ipc/backend';
import { mutationKeys, queryKeys } from '../../serverState/queryKeys';
import { applyUpdate, justSucceeded, queriesChangedBy, sortJobs } from './jobsState';
import type { UpdateSource } from './jobsState';

export interface JobsController {
  jobs: JobView[];
  loading: boolean;
  /** Last failure of listJobs, the event stream, cancel or retry; cleared by the next success or dismiss. */
  error: unknown;
  dismissError: () => void;
  /** Ids with a cancel/retry request in flight, to disable their buttons. */
  pendingIds: ReadonlySet<string>;
  /** Adds a job returned by a command (e.g. startWorkspaceExport) to the list right away. */
  track: (job: JobView) => void;
  cancel: (jobId: string) => Promise<void>;
  retry: (jobId: string) => Promise<void>;
  reload: () => Promise<void>;
}

interface Options {
  /**
   * Called once when a job transitions to `succeeded` (from an event or a command answer),
   * after the reads its success made stale have been fetched again.
   */
  onSucceeded?: (job: JobView) => void;
}

// One empty list until the first snapshot, so screens that depend on the list do not
// re-render for a new [] on every render.
const NO_JOBS: JobView[] = [];

function cachedJobs(queryClient: QueryClient): Map<string, JobView> {
  const list = queryClient.getQueryData<JobView[]>(queryKeys.jobs) ?? [];
  return new Map(list.map((job) => [job.id, job]));
}

/**
 * The live job list: a snapshot from listJobs kept current by job-changed events, in the
 * query cache under `['jobs']`. Mount it once (the app shell does): it owns the event
 * subscription, and a job's success refreshes what that job changed.
 */
export function useJobs({ onSucceeded }: Options = {}): JobsController {
  const queryClient = useQueryClient();
  const [actionError, setActionError] = useState<unknown>(null);
  const [dismissedListError, setDismissedListError] = useState<unknown>(null);

  // Keep the latest callback without resubscribing to events on every render.
  const onSucceededRef = useRef(onSucceeded);
  useEffect(() => {
    onSucceededRef.current = onSucceeded;
  }, [onSucceeded]);

  // Updates merge against what the cache holds right now (the rules in jobsState decide
  // which source wins), never against a render's possibly older copy.
  const apply = useCallback(
    (incoming: JobView, source: UpdateSource) => {
      const byId = cachedJobs(queryClient);
      const previous = byId.get(incoming.id);
      if (!applyUpdate(byId, incoming, source)) return;
      queryClient.setQueryData(queryKeys.jobs, sortJobs(byId.values()));
      if (source !== 'snapshot' && justSucceeded(previous, incoming)) {
        const refreshes = queriesChangedBy(incoming).map((queryKey) =>
          queryClient.invalidateQueries({ queryKey }),
        );
        void Promise.allSettled(refreshes).then(() => onSucceededRef.current?.(incoming));
      }
    },
    [queryClient],
  );

  // The subscription is set up asynchronously, so the first listing may be taken before it
  // listens: once it does, the jobs are read again and applied like an answer (a job only
  // moves forward), so no change slips between the two.
  useEffect(
    () =>
      onJobChanged(
        (job) => apply(job, 'event'),
        setActionError,
        () => {
          backend.listJobs().then(
            (jobs) => jobs.forEach((job) => apply(job, 'response')),
            setActionError,
          );
        },
      ),
    [apply],
  );

  const list = useQuery({
    queryKey: queryKeys.jobs,
    queryFn: async () => {
      const snapshot = await backend.listJobs();
      const byId = cachedJobs(queryClient);
      for (const job of snapshot) applyUpdate(byId, job, 'snapshot');
      return sortJobs(byId.values());
    },
    // Events keep the list current; re-listing on every mount would add nothing.
    staleTime: Infinity,
  });

  const cancelMutation = useMutation({
    mutationKey: [...mutationKeys.jobAction, 'cancel'],
    mutationFn: (jobId: string) => backend.cancelJob(jobId),
    onSuccess: (job) => {
      apply(job, 'response');
      setActionError(null);
    },
    onError: setActionError,
  });
  const retryMutation = useMutation({
    mutationKey: [...mutationKeys.jobAction, 'retry'],
    mutationFn: (jobId: string) => backend.retryJob(jobId),
    onSuccess: (job) => {
      apply(job, 'retry');
      setActionError(null);
    },
    onError: setActionError,
  });

  const pendingList = useMutationState({
    filters: { mutationKey: mutationKeys.jobAction, status: 'pending' },
    select: (mutation) => mutation.state.variables as string,
  });
  const pendingIds = useMemo(() => new Set(pendingList), [pendingList]);

  // The failure is already on screen through `error`; the promise only tells when it is over.
  const { mutateAsync: cancelAsync } = cancelMutation;
  const { mutateAsync: retryAsync } = retryMutation;
  const cancel = useCallback((jobId: string) => cancelAsync(jobId).then(noop, noop), [cancelAsync]);
  const retry = useCallback((jobId: string) => retryAsync(jobId).then(noop, noop), [retryAsync]);

  const track = useCallback((job: JobView) => apply(job, 'response'), [apply]);
  const { refetch } = list;
  const reload = useCallback(() => refetch().then(noop), [refetch]);

  const listError = list.error !== null && list.error !== dismissedListError ? list.error : null;
  const dismissError = useCallback(() => {
    setActionError(null);
    setDismissedListError(list.error);
  }, [list.error]);

  return {
    jobs: list.data ?? NO_JOBS,
    loading: list.isFetching,
    error: actionError ?? listError,
    dismissError,
    pendingIds,
    track,
    cancel,
    retry,
    reload,
  };
}

function noop(): void {}
