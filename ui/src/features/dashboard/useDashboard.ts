import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { backend } from '../../ipc/backend';
import type { Dashboard, DateRange } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';

export interface DashboardState {
  data: Dashboard | null;
  loading: boolean;
  error: unknown;
  refresh: () => void;
}

/**
 * The dashboard of one workspace for the requested range (null: the backend's default).
 * Only the latest request may show: clicking presets quickly must not let a slow earlier
 * response overwrite a newer one. The cache gives that by key — each range is its own
 * entry, and the screen reads only the entry of the range it asks for now.
 */
export function useDashboard(workspaceId: string, range: DateRange | null): DashboardState {
  const request = range ? { start: range.start, end: range.end } : null;
  const query = useQuery({
    queryKey: queryKeys.dashboard(workspaceId, request),
    queryFn: () => backend.getDashboard({ workspaceId, range: request }),
    // While another range loads, keep the figures on screen (dimmed) rather than blank.
    placeholderData: keepPreviousData,
  });
  const { refetch } = query;
  return {
    data: query.data ?? null,
    loading: query.isFetching,
    error: query.error,
    refresh: () => void refetch(),
  };
}
