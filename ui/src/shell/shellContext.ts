import { useOutletContext } from 'react-router';
import type { JobView, WorkspaceSummary } from '../ipc/backend';

/** What the shell hands every screen it shows. */
export interface ShellContext {
  /** The live job list, for screens that show the progress of a job they started. */
  jobs: JobView[];
  /** Puts a job a command just returned into the jobs panel at once. */
  trackJob: (job: JobView) => void;
  /** A sentence above the screen, e.g. why the app moved somewhere else. */
  showNotice: (text: string) => void;
}

/** Screens inside a workspace also get the workspace of the address, already resolved. */
export interface WorkspaceContext extends ShellContext {
  workspace: WorkspaceSummary;
}

export function useShellContext(): ShellContext {
  return useOutletContext<ShellContext>();
}

export function useWorkspaceContext(): WorkspaceContext {
  return useOutletContext<WorkspaceContext>();
}
