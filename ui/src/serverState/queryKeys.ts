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
  /** A workspace's twins (the gallery and the participant pickers). */
  twins: (workspaceId: string) => ['twins', workspaceId] as const,
  /** One twin with its profile and memories; twin ids are global. */
  twin: (twinId?: string) => (twinId === undefined ? (['twin'] as const) : (['twin', twinId] as const)),
  twinVersions: (twinId: string) => ['twin', twinId, 'versions'] as const,
  /** A workspace's focus groups and interviews. */
  sessions: (workspaceId: string) => ['sessions', workspaceId] as const,
  /** One session with its transcript and diagnostics. */
  session: (sessionId?: string) =>
    sessionId === undefined ? (['session'] as const) : (['session', sessionId] as const),
  /** What a focus group with this guide and group size would take (calls, tokens, cost). */
  focusGroupEstimate: (workspaceId: string, guide: string, twins: number) =>
    ['estimate', workspaceId, 'focusGroup', guide, twins] as const,
  interviewEstimate: (workspaceId: string, questions: number) =>
    ['estimate', workspaceId, 'interview', questions] as const,
  /** A workspace's surveys. */
  surveys: (workspaceId: string) => ['surveys', workspaceId] as const,
  /** One survey's design; survey ids are global. */
  survey: (surveyId?: string) =>
    surveyId === undefined ? (['survey'] as const) : (['survey', surveyId] as const),
  surveyPreview: (surveyId: string, answers: Record<string, string>) =>
    ['survey', surveyId, 'preview', answers] as const,
  /** A survey's runs and files of people's answers. */
  surveyRuns: (surveyId?: string) =>
    surveyId === undefined ? (['surveyRuns'] as const) : (['surveyRuns', surveyId] as const),
  humanSets: (surveyId: string) => ['survey', surveyId, 'humanSets'] as const,
  /** One run, and everything read from it: results, crosstabs, fidelity. */
  surveyRun: (runId?: string) =>
    runId === undefined ? (['surveyRun'] as const) : (['surveyRun', runId] as const),
  surveyResults: (runId: string, weighted: boolean, temperature: number) =>
    ['surveyRun', runId, 'results', weighted, temperature] as const,
  surveyCrosstab: (runId: string, questionId: string, dimension: string, weighted: boolean) =>
    ['surveyRun', runId, 'crosstab', questionId, dimension, weighted] as const,
  surveyFidelity: (runId: string, humanSetId: string, weighted: boolean, temperature: number) =>
    ['surveyRun', runId, 'fidelity', humanSetId, weighted, temperature] as const,
  /** A run's latest report by the analysis agent. */
  surveyReport: (runId: string) => ['surveyRun', runId, 'report'] as const,
  /** The platforms this version connects; the same for every workspace. */
  connectorPlatforms: ['connectorPlatforms'] as const,
  /** A workspace's ad-platform connections, each with its accounts and last sync run. */
  connections: (workspaceId: string) => ['connections', workspaceId] as const,
  /** The enrichment services' keys (saved or not); the same for every workspace. */
  enrichmentKeys: ['enrichmentKeys'] as const,
  /** One sync run with its streams and report; run ids are global. */
  syncRun: (runId?: string) =>
    runId === undefined ? (['syncRun'] as const) : (['syncRun', runId] as const),
  insights: (sessionId?: string) =>
    sessionId === undefined ? (['insights'] as const) : (['insights', sessionId] as const),
  /** A workspace's kept agent runs (`agent` null: every agent's), and its specialists. */
  agentRuns: (workspaceId: string, agent?: string | null) =>
    agent === undefined
      ? (['agentRuns', workspaceId] as const)
      : (['agentRuns', workspaceId, agent] as const),
  specialists: (workspaceId: string) => ['agentRuns', workspaceId, 'specialists'] as const,
  /** A workspace's deck template, its kept deck files, theme and deliveries. */
  deckTemplate: (workspaceId: string) => ['deckTemplate', workspaceId] as const,
  deckPreview: (workspaceId: string, spec: unknown) => ['deckPreview', workspaceId, spec] as const,
  deckFiles: (workspaceId: string) => ['deckFiles', workspaceId] as const,
  deckTheme: (workspaceId: string) => ['deckTheme', workspaceId] as const,
  deckDeliveries: (workspaceId: string) => ['deckDeliveries', workspaceId] as const,
};

/** Mutation keys name writes in flight (e.g. which jobs have a cancel pending). */
export const mutationKeys = {
  jobAction: ['jobAction'] as const,
};
