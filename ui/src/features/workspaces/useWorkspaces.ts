import { useCallback, useEffect, useState } from 'react';
import { backend } from '../../ipc/backend';
import type { WorkspaceSummary } from '../../ipc/backend';

export interface WorkspacesState {
  /** null until the first successful load. */
  workspaces: WorkspaceSummary[] | null;
  loading: boolean;
  error: unknown;
  /** Resolves with the fresh list, or null if loading failed (the error is in state). */
  reload: () => Promise<WorkspaceSummary[] | null>;
}

export function useWorkspaces(): WorkspacesState {
  const [workspaces, setWorkspaces] = useState<WorkspaceSummary[] | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);

  const reload = useCallback(async () => {
    setLoading(true);
    try {
      const list = await backend.listWorkspaces();
      setWorkspaces(list);
      setError(null);
      return list;
    } catch (e) {
      setError(e);
      return null;
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { workspaces, loading, error, reload };
}
