import { useCallback, useEffect, useRef, useState } from 'react';
import { backend } from '../../ipc/backend';
import type { Dashboard, DateRange } from '../../ipc/backend';

export interface DashboardState {
  data: Dashboard | null;
  loading: boolean;
  error: unknown;
  refresh: () => void;
}

/**
 * Loads the dashboard whenever the workspace or requested range changes. Only the latest
 * request may update state: clicking presets quickly must not let a slow earlier response
 * overwrite a newer one.
 */
export function useDashboard(workspaceId: string, range: DateRange | null): DashboardState {
  const [data, setData] = useState<Dashboard | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [reloadToken, setReloadToken] = useState(0);
  const latest = useRef(0);

  const start = range?.start ?? null;
  const end = range?.end ?? null;

  useEffect(() => {
    const ticket = ++latest.current;
    setLoading(true);
    backend
      .getDashboard({ workspaceId, range: start && end ? { start, end } : null })
      .then(
        (d) => {
          if (ticket !== latest.current) return;
          setData(d);
          setError(null);
        },
        (e: unknown) => {
          if (ticket !== latest.current) return;
          setError(e);
        },
      )
      .finally(() => {
        if (ticket === latest.current) setLoading(false);
      });
  }, [workspaceId, start, end, reloadToken]);

  const refresh = useCallback(() => setReloadToken((t) => t + 1), []);
  return { data, loading, error, refresh };
}
