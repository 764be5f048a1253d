import { useCallback, useEffect, useRef, useState } from 'react';
import { backend, onJobChanged } from '../../ipc/backend';
import type { JobView } from '../../ipc/backend';
import { applyUpdate, justSucceeded, sortJobs } from './jobsState';
import type { UpdateSource } from './jobsState';

export interface JobsController {
  jobs: JobView[];
  loading: boolean;
  /** Last failure of listJobs, cancel or retry; cleared by the next success or dismiss. */
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
  /** Called once when a job transitions to `succeeded` (from an event or a command answer). */
  onSucceeded?: (job: JobView) => void;
}

export function useJobs({ onSucceeded }: Options = {}): JobsController {
  // The map is the source of truth so updates can be merged against what is actually known
  // at the time, without doing side effects inside React state updaters.
  const byId = useRef(new Map<string, JobView>());
  const [jobs, setJobs] = useState<JobView[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [pendingIds, setPendingIds] = useState<ReadonlySet<string>>(new Set());

  // Keep the latest callback without resubscribing to events on every render.
  const onSucceededRef = useRef(onSucceeded);
  useEffect(() => {
    onSucceededRef.current = onSucceeded;
  }, [onSucceeded]);

  const apply = useCallback((incoming: JobView, source: UpdateSource) => {
    const previous = byId.current.get(incoming.id);
    if (!applyUpdate(byId.current, incoming, source)) return;
    setJobs(sortJobs(byId.current.values()));
    if (source !== 'snapshot' && justSucceeded(previous, incoming)) {
      onSucceededRef.current?.(incoming);
    }
  }, []);

  const reload = useCallback(async () => {
    setLoading(true);
    try {
      const snapshot = await backend.listJobs();
      for (const job of snapshot) apply(job, 'snapshot');
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [apply]);

  useEffect(() => {
    // Subscribe before listing so no change slips between the snapshot and the first event.
    const unsubscribe = onJobChanged((job) => apply(job, 'event'), setError);
    void reload();
    return unsubscribe;
  }, [apply, reload]);

  const withPending = useCallback(
    async (jobId: string, action: () => Promise<JobView>, source: UpdateSource) => {
      setPendingIds((ids) => new Set(ids).add(jobId));
      try {
        apply(await action(), source);
        setError(null);
      } catch (e) {
        setError(e);
      } finally {
        setPendingIds((ids) => {
          const next = new Set(ids);
          next.delete(jobId);
          return next;
        });
      }
    },
    [apply],
  );

  const cancel = useCallback(
    (jobId: string) => withPending(jobId, () => backend.cancelJob(jobId), 'response'),
    [withPending],
  );
  const retry = useCallback(
    (jobId: string) => withPending(jobId, () => backend.retryJob(jobId), 'retry'),
    [withPending],
  );
  const track = useCallback((job: JobView) => apply(job, 'response'), [apply]);
  const dismissError = useCallback(() => setError(null), []);

  return { jobs, loading, error, dismissError, pendingIds, track, cancel, retry, reload };
}
