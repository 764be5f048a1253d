import { QueryClient } from '@tanstack/react-query';
import { toBackendError } from '../ipc/backend';

/** How many times a read that failed for a passing reason is tried again. */
const MAX_RETRIES = 2;

/**
 * Only `unavailable` (a busy or locked database, a vendor out of reach) may pass on its own,
 * so only it is tried again. The other kinds either need a person (notFound, invalidInput,
 * conflict, notConfigured, budgetReached, cancelled) or fail the same way every time
 * (corrupt, internal): retrying them would only delay the message that says what to do.
 */
export function shouldRetryRead(failureCount: number, error: unknown): boolean {
  return failureCount < MAX_RETRIES && toBackendError(error).kind === 'unavailable';
}

/** 250 ms, then 500 ms: the backend is on this machine, so a short wait is enough. */
export function retryDelay(attempt: number): number {
  return 250 * 2 ** attempt;
}

/**
 * The one cache of backend data, tuned for a desktop app whose "server" is a local process:
 * - `networkMode: 'always'`: reads go over IPC, not the network, so being offline must never
 *   pause them (the default would freeze every query while the machine has no Wi-Fi).
 * - no refetch on window focus or reconnect: a desktop window gains focus all day long, and
 *   data changes arrive as job events or through our own mutations, which invalidate it.
 * - `staleTime: 0` (the default, kept on purpose): reading from disk is cheap, so a screen
 *   shows what it cached at once and re-reads in the background when it opens, which also
 *   picks up what the CLI wrote into the same data folder.
 * - writes are never retried by themselves: the person decides whether to try again.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        networkMode: 'always',
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
        retry: shouldRetryRead,
        retryDelay,
      },
      mutations: {
        networkMode: 'always',
        retry: false,
      },
    },
  });
}
