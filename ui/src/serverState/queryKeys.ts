import type { DateRange, SearchInput } from '../ipc/backend';

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
  /** A workspace's audiences, with their signal counts and latest reports. */
  audiences: (workspaceId: string) => ['audiences', workspaceId] as const,
  /** Signals of one audience (and the workspace-wide ones); `null`: the whole workspace. */
  signals: (workspaceId: string, audienceId?: string | null) =>
    audienceId === undefined
      ? (['signals', workspaceId] as const)
      : (['signals', workspaceId, audienceId] as const),
  /** The rows behind one signal. Signal ids are global, so no workspace in the key. */
  signalEvidence: (signalId?: string) =>
    signalId === undefined ? (['signalEvidence'] as const) : (['signalEvidence', signalId] as const),
  reports: (workspaceId: string, audienceId?: string | null) =>
    audienceId === undefined
      ? (['reports', workspaceId] as const)
      : (['reports', workspaceId, audienceId] as const),
  report: (reportId?: string) =>
    reportId === undefined ? (['report'] as const) : (['report', reportId] as const),
  /** One search page; every search of a workspace nests under `['search', workspaceId]`. */
  search: (workspaceId: string, request?: Omit<SearchInput, 'workspaceId'>) =>
    request === undefined
      ? (['search', workspaceId] as const)
      : (['search', workspaceId, request] as const),
  /** The row a hit came from; under the workspace's searches, so new data refreshes it too. */
  searchSource: (workspaceId: string, kind: string, id: string) =>
    ['search', workspaceId, 'source', kind, id] as const,
};

/** Mutation keys name writes in flight (e.g. which jobs have a cancel pending). */
export const mutationKeys = {
  jobAction: ['jobAction'] as const,
};
