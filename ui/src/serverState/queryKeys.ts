import type { DateRange } from '../ipc/backend';

/**
 * Every key of the query cache, in one place, so an invalidation cannot miss a screen by a
 * typo. Keys nest: invalidating `['spend', id]` refreshes every window of that workspace.
 */
export const queryKeys = {
  workspaces: ['workspaces'] as const,
  dashboard: (workspaceId: string, range: DateRange | null) =>
    ['dashboard', workspaceId, range] as const,
  jobs: ['jobs'] as const,
  modelSettings: ['modelSettings'] as const,
  modelCatalogue: ['modelCatalogue'] as const,
  traceExport: ['traceExport'] as const,
  spend: (workspaceId: string, days?: number) =>
    days === undefined ? (['spend', workspaceId] as const) : (['spend', workspaceId, days] as const),
};

/** Mutation keys name writes in flight (e.g. which jobs have a cancel pending). */
export const mutationKeys = {
  jobAction: ['jobAction'] as const,
};
