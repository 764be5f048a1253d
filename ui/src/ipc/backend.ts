// The one module that talks to the generated bindings. Everything else imports from here,
// so regenerating bindings.ts (tauri-specta) never ripples into components, and components
// get plain promises that either resolve with data or reject with a BackendError.
import { open as openDialog } from '@tauri-apps/plugin-dialog';
import { commands, events } from './bindings';
import type {
  AgentStepEventView,
  BuildDeckRequest,
  DeckSpecView,
  ErrorKind,
  JobView,
  SessionEventView,
  ThemeSettingsView,
} from './bindings';

export type {
  BuildDeckRequest,
  BuiltDeckView,
  DeckDeliveryView,
  DeckFileView,
  DeckFormatView,
  DeckPreviewView,
  DeckSectionKindView,
  DeckSectionView,
  DeckSpecView,
  DeckThemeView,
  SlideEditView,
  SlideChartView,
  SlideKindView,
  SlideView,
  ThemeFileChangeView,
  ThemeFileRoleView,
  ThemeSettingsView,
  AgentRunView,
  AgentStepEventView,
  AgentStepKindView,
  AgentStepView,
  CitationView,
  SourceKindView,
  SpecialistView,
  AppInfo,
  AudienceView,
  ClaimView,
  EvidenceRowView,
  FacetFilterView,
  FacetView,
  HistogramBucketView,
  HistogramIntervalView,
  IntervalView,
  ReportKindView,
  ReportSummaryView,
  ReportView,
  SearchHitView,
  SearchPageView,
  SearchRequestView,
  SentimentCountsView,
  SignalEvidenceView,
  SignalKindView,
  SignalView,
  SnippetPart,
  SupportUnitView,
  SupportView,
  WeekCountView,
  CampaignRow,
  CurrencySection,
  Dashboard,
  DateRange,
  ErrorKind,
  JobState,
  JobView,
  Kpi,
  KpiAmount,
  KpiKey,
  KpiUnit,
  Lane,
  LocalModelState,
  Micros,
  ModelPrice,
  ModelRoute,
  ModelSettingsView,
  ModelSpend,
  ModelTask,
  Platform,
  PlatformSeries,
  SeriesPoint,
  SpendDay,
  SpendStudy,
  TaskModels,
  TraceExportView,
  VendorCheckResult,
  VendorKind,
  VendorOption,
  VendorSummary,
  WorkspaceSummary,
  ActView,
  AdherenceCountView,
  AgreementView,
  AdherenceView,
  DemographicsProfileView,
  DiagnosticsView,
  EvidenceLinkView,
  FragmentView,
  GapItemView,
  GapView,
  InsightItemView,
  ReportFormatView,
  InsightsView,
  MemoryView,
  ParticipantView,
  ParticipationView,
  ProfileView,
  RegisterView,
  RunManifestView,
  ReplayView,
  ReplayedCallView,
  SessionCommandView,
  SessionDetailView,
  SessionEventView,
  SessionKindView,
  SessionPlanView,
  SessionStatusView,
  SessionSummaryView,
  SpeakerView,
  TaskModelView,
  ThemeView,
  TurnQuoteView,
  TurnView,
  TwinSummaryView,
  TwinVersionView,
  TwinView,
  VoiceView,
  WrittenByView,
  ChoiceView,
  CrosstabView,
  DimensionView,
  ExampleSurveyView,
  FidelityView,
  HumanSetView,
  MarginView,
  MeanView,
  PreviewStepView,
  QuestionDiagnosticsView,
  QuestionFidelityView,
  QuestionOutlineView,
  QuestionResultView,
  ShareView,
  SurveyDesignView,
  SurveyResultsView,
  SurveyReportView,
  ReportItemView,
  ReportTableView,
  DroppedItemView,
  SurveyRunView,
  SurveySummaryView,
  WeightingView,
  CensusFileView,
  CensusRefreshView,
  EnrichmentKeyView,
  MentionView,
  WebSearchView,
  ConnectionAccountView,
  ConnectionView,
  ConnectorPlatformView,
  LeftOutValueView,
  SignInStartedView,
  SyncProblemView,
  SyncReportView,
  SyncRunView,
  SyncStreamView,
} from './bindings';

// Request shapes are taken from the command signatures rather than imported by name, so a
// rename of the Rust request struct does not break the UI.
export type CreateWorkspaceInput = Parameters<typeof commands.createWorkspace>[0];
export type DashboardInput = Parameters<typeof commands.getDashboard>[0];
export type WorkspaceExportInput = Parameters<typeof commands.startWorkspaceExport>[0];
export type SaveVendorInput = Parameters<typeof commands.saveVendor>[0];
export type TaskModelsInput = Parameters<typeof commands.setTaskModels>[0];
export type WorkspaceModelInput = Parameters<typeof commands.setWorkspaceModel>[0];
export type ModelSpendInput = Parameters<typeof commands.getModelSpend>[0];
export type AudienceSignalsInput = Parameters<typeof commands.listSignals>[0];
export type SearchInput = Parameters<typeof commands.searchWorkspace>[0];
export type GroundingReportsInput = Parameters<typeof commands.startGroundingReports>[0];
export type CreateTwinsInput = Parameters<typeof commands.createTwins>[0];
export type EditTwinInput = Parameters<typeof commands.editTwin>[0];
export type EditMemoryInput = Parameters<typeof commands.editMemory>[0];
export type AddMemoryNoteInput = Parameters<typeof commands.addMemoryNote>[0];
export type EstimateFocusGroupInput = Parameters<typeof commands.estimateFocusGroup>[0];
export type EstimateInterviewInput = Parameters<typeof commands.estimateInterview>[0];
export type StartFocusGroupInput = Parameters<typeof commands.startFocusGroup>[0];
export type StartInterviewInput = Parameters<typeof commands.startInterview>[0];
export type SessionCommandInput = Parameters<typeof commands.commandSession>[0];
export type StartSurveyRunInput = Parameters<typeof commands.startSurveyRun>[0];
export type SurveyResultsInput = Parameters<typeof commands.getSurveyResults>[0];
export type CrosstabInput = Parameters<typeof commands.getSurveyCrosstab>[0];
export type ImportHumanInput = Parameters<typeof commands.importHumanAnswers>[0];
export type FidelityInput = Parameters<typeof commands.getSurveyFidelity>[0];
export type PreviewInput = Parameters<typeof commands.previewSurvey>[0];
export type ConnectTokenInput = Parameters<typeof commands.connectWithToken>[0];
export type BeginSignInInput = Parameters<typeof commands.beginSignIn>[0];
export type StartSyncInput = Parameters<typeof commands.startSync>[0];
export type WebSearchInput = Parameters<typeof commands.searchWeb>[0];
export type AskCopilotInput = Parameters<typeof commands.askCopilot>[0];
export type RunSpecialistInput = Parameters<typeof commands.runSpecialist>[0];
export type SpecialistScheduleInput = Parameters<typeof commands.setSpecialistSchedule>[0];
export type SaveDeckThemeInput = Parameters<typeof commands.saveDeckTheme>[0];
export type SaveDeckDeliveryInput = Parameters<typeof commands.saveDeckDelivery>[0];

const ERROR_KINDS = [
  'notFound',
  'invalidInput',
  'conflict',
  'unavailable',
  'cancelled',
  'corrupt',
  'notConfigured',
  'budgetReached',
  'internal',
] as const satisfies readonly ErrorKind[];

// Fails to type-check when Rust gains an error kind this list does not name yet.
const everyKindListed: Exclude<ErrorKind, (typeof ERROR_KINDS)[number]> extends never
  ? true
  : false = true;
void everyKindListed;

/** A failed backend call. `kind` is what UI code branches on; `message` is for humans. */
export class BackendError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackendError';
    this.kind = kind;
  }
}

export function isBackendError(value: unknown): value is BackendError {
  return value instanceof BackendError;
}

/**
 * Normalises anything a command can reject with. Our commands reject with `IpcError`, but
 * Tauri itself rejects with a bare string for framework failures (unknown command, ACL
 * denial, bad arguments), and invoke throws a real Error when there is no Tauri runtime
 * at all (e.g. the UI opened in a plain browser). None of that should crash a component.
 */
export function toBackendError(raw: unknown): BackendError {
  if (raw instanceof BackendError) return raw;
  if (typeof raw === 'object' && raw !== null && 'kind' in raw && 'message' in raw) {
    const { kind, message } = raw as { kind: unknown; message: unknown };
    const knownKind = ERROR_KINDS.find((k) => k === kind);
    return new BackendError(knownKind ?? 'internal', String(message), { cause: raw });
  }
  if (raw instanceof Error) {
    return new BackendError('internal', raw.message, { cause: raw });
  }
  return new BackendError('internal', typeof raw === 'string' ? raw : JSON.stringify(raw), {
    cause: raw,
  });
}

type CommandResult<T> = { status: 'ok'; data: T } | { status: 'error'; error: unknown };

async function unwrap<T>(call: () => Promise<CommandResult<T>>): Promise<T> {
  let result: CommandResult<T>;
  try {
    result = await call();
  } catch (thrown) {
    throw toBackendError(thrown);
  }
  if (result.status === 'error') throw toBackendError(result.error);
  return result.data;
}

export const backend = {
  appInfo: () => unwrap(() => commands.appInfo()),
  listWorkspaces: () => unwrap(() => commands.listWorkspaces()),
  createWorkspace: (request: CreateWorkspaceInput) =>
    unwrap(() => commands.createWorkspace(request)),
  startDemoWorkspace: () => unwrap(() => commands.startDemoWorkspace()),
  getDashboard: (request: DashboardInput) => unwrap(() => commands.getDashboard(request)),
  listJobs: () => unwrap(() => commands.listJobs()),
  startWorkspaceExport: (request: WorkspaceExportInput) =>
    unwrap(() => commands.startWorkspaceExport(request)),
  retryJob: (jobId: string) => unwrap(() => commands.retryJob(jobId)),
  cancelJob: (jobId: string) => unwrap(() => commands.cancelJob(jobId)),
  getModelSettings: () => unwrap(() => commands.getModelSettings()),
  saveVendor: (request: SaveVendorInput) => unwrap(() => commands.saveVendor(request)),
  /** The key goes to the OS keychain; nothing ever sends it back. */
  setVendorKey: (vendor: string, key: string) =>
    unwrap(() => commands.setVendorKey({ vendor, key })),
  removeVendor: (vendor: string) => unwrap(() => commands.removeVendor(vendor)),
  testVendor: (vendor: string, model: string | null) =>
    unwrap(() => commands.testVendor(vendor, model)),
  setTaskModels: (request: TaskModelsInput) => unwrap(() => commands.setTaskModels(request)),
  setOfflineMode: (offline: boolean) => unwrap(() => commands.setOfflineMode(offline)),
  setWorkspaceModel: (request: WorkspaceModelInput) =>
    unwrap(() => commands.setWorkspaceModel(request)),
  getModelCatalogue: () => unwrap(() => commands.getModelCatalogue()),
  editModelPrice: (price: Parameters<typeof commands.editModelPrice>[0]) =>
    unwrap(() => commands.editModelPrice(price)),
  getModelSpend: (request: ModelSpendInput) => unwrap(() => commands.getModelSpend(request)),
  /** Caps a study's model spend (`null`: no cap); a session paused at its cap can then resume. */
  setStudyBudget: (studyId: string, budgetMicros: string | null) => unwrap(() => commands.setStudyBudget({ studyId, budgetMicros })),
  startModelDownload: (url: string, sha256: string | null) =>
    unwrap(() => commands.startModelDownload({ url, sha256 })),
  setLocalChatModel: (path: string | null) => unwrap(() => commands.setLocalChatModel(path)),
  getTraceExport: () => unwrap(() => commands.getTraceExport()),
  /** Headers go to the keychain; `null` keeps the stored ones. */
  setTraceExport: (endpoint: string | null, sampleRate: number, headers: string | null) =>
    unwrap(() => commands.setTraceExport({ endpoint, sampleRate, headers })),
  listAudiences: (workspaceId: string) => unwrap(() => commands.listAudiences(workspaceId)),
  /** An audience's signals and the workspace-wide ones (`audienceId` null: the whole workspace). */
  listSignals: (request: AudienceSignalsInput) => unwrap(() => commands.listSignals(request)),
  /** A signal and up to 200 of the stored rows it was computed from. */
  getSignalEvidence: (signalId: string) => unwrap(() => commands.getSignalEvidence(signalId)),
  startSignalBuild: (workspaceId: string) => unwrap(() => commands.startSignalBuild(workspaceId)),
  searchWorkspace: (request: SearchInput) => unwrap(() => commands.searchWorkspace(request)),
  getSearchSource: (workspaceId: string, kind: string, id: string) =>
    unwrap(() => commands.getSearchSource(workspaceId, kind, id)),
  startIndexRebuild: (workspaceId: string) =>
    unwrap(() => commands.startIndexRebuild(workspaceId)),
  listReports: (request: AudienceSignalsInput) => unwrap(() => commands.listReports(request)),
  getReport: (reportId: string) => unwrap(() => commands.getReport(reportId)),
  startGroundingReports: (request: GroundingReportsInput) =>
    unwrap(() => commands.startGroundingReports(request)),
  /** A job casting `count` twins from an audience's signals. */
  createTwins: (request: CreateTwinsInput) => unwrap(() => commands.createTwins(request)),
  /** `audienceId` null: every twin of the workspace. */
  listTwins: (workspaceId: string, audienceId: string | null = null) =>
    unwrap(() => commands.listTwins({ workspaceId, audienceId })),
  getTwin: (twinId: string) => unwrap(() => commands.getTwin(twinId)),
  listTwinVersions: (twinId: string) => unwrap(() => commands.listTwinVersions(twinId)),
  /** Resolves with the new version; a `conflict` when someone saved a later one first. */
  editTwin: (request: EditTwinInput) => unwrap(() => commands.editTwin(request)),
  editMemory: (request: EditMemoryInput) => unwrap(() => commands.editMemory(request)),
  addMemoryNote: (request: AddMemoryNoteInput) => unwrap(() => commands.addMemoryNote(request)),
  retireMemory: (memoryId: string) => unwrap(() => commands.retireMemory(memoryId)),
  estimateFocusGroup: (request: EstimateFocusGroupInput) =>
    unwrap(() => commands.estimateFocusGroup(request)),
  estimateInterview: (request: EstimateInterviewInput) =>
    unwrap(() => commands.estimateInterview(request)),
  startFocusGroup: (request: StartFocusGroupInput) =>
    unwrap(() => commands.startFocusGroup(request)),
  startInterview: (request: StartInterviewInput) => unwrap(() => commands.startInterview(request)),
  listSessions: (workspaceId: string) => unwrap(() => commands.listSessions(workspaceId)),
  getSession: (sessionId: string) => unwrap(() => commands.getSession(sessionId)),
  /** Resume answers with the session's job; the other commands with null. */
  commandSession: (request: SessionCommandInput) => unwrap(() => commands.commandSession(request)),
  startInsights: (sessionId: string) => unwrap(() => commands.startInsights(sessionId)),
  /** null: no insights written for this session yet. */
  getInsights: (sessionId: string) => unwrap(() => commands.getInsights(sessionId)),
  /** Writes the file into the exports folder and resolves with its path. */
  exportInsights: (sessionId: string, format: 'markdown' | 'pdf') =>
    unwrap(() => commands.exportInsights({ sessionId, format })),
  listSurveys: (workspaceId: string) => unwrap(() => commands.listSurveys(workspaceId)),
  getSurvey: (surveyId: string) => unwrap(() => commands.getSurvey(surveyId)),
  /** An `invalidInput` names the question and field when the file does not fit the format. */
  importSurvey: (workspaceId: string, json: string) =>
    unwrap(() => commands.importSurvey({ workspaceId, json })),
  /** A `conflict` when someone saved a later version first. */
  updateSurvey: (surveyId: string, expectedVersion: number, json: string) =>
    unwrap(() => commands.updateSurvey({ surveyId, expectedVersion, json })),
  previewSurvey: (request: PreviewInput) => unwrap(() => commands.previewSurvey(request)),
  startSurveyRun: (request: StartSurveyRunInput) => unwrap(() => commands.startSurveyRun(request)),
  resumeSurveyRun: (runId: string) => unwrap(() => commands.resumeSurveyRun(runId)),
  listSurveyRuns: (surveyId: string) => unwrap(() => commands.listSurveyRuns(surveyId)),
  getSurveyRun: (runId: string) => unwrap(() => commands.getSurveyRun(runId)),
  getSurveyResults: (request: SurveyResultsInput) => unwrap(() => commands.getSurveyResults(request)),
  getSurveyCrosstab: (request: CrosstabInput) => unwrap(() => commands.getSurveyCrosstab(request)),
  importHumanAnswers: (request: ImportHumanInput) =>
    unwrap(() => commands.importHumanAnswers(request)),
  listHumanSets: (surveyId: string) => unwrap(() => commands.listHumanSets(surveyId)),
  getSurveyFidelity: (request: FidelityInput) => unwrap(() => commands.getSurveyFidelity(request)),
  importAnes96: (workspaceId: string) => unwrap(() => commands.importAnes96(workspaceId)),
  /** Resolves with the path the file was written to. */
  exportSurveyResults: (runId: string, format: 'csv' | 'xlsx', weighted: boolean, temperature: number) =>
    unwrap(() => commands.exportSurveyResults({ runId, format, weighted, temperature })),
  startSurveyReport: (runId: string, weighted: boolean, temperature: number) =>
    unwrap(() => commands.startSurveyReport({ runId, weighted, temperature })),
  /** null: no report written for this run yet. */
  getSurveyReport: (runId: string) => unwrap(() => commands.getSurveyReport(runId)),
  /** Writes the file into the exports folder and resolves with its path. */
  exportSurveyReport: (runId: string, format: 'markdown' | 'pdf') =>
    unwrap(() => commands.exportSurveyReport({ runId, format })),
  /** Asks every call the session rests on again from the response cache: no model is called. */
  replaySession: (sessionId: string) => unwrap(() => commands.replaySession(sessionId)),
  /** The platforms this version connects, how (token, sign-in) and what each needs at hand. */
  listConnectorPlatforms: () => unwrap(() => commands.listConnectorPlatforms()),
  listConnections: (workspaceId: string) => unwrap(() => commands.listConnections(workspaceId)),
  /** The token is tried against the platform first, then kept in the keychain; never sent back. */
  connectWithToken: (request: ConnectTokenInput) => unwrap(() => commands.connectWithToken(request)),
  /** The shell opens the consent page in the system browser; finish with `finishSignIn`. */
  beginSignIn: (request: BeginSignInInput) => unwrap(() => commands.beginSignIn(request)),
  /** Waits (up to ten minutes) for the person to approve in the browser. */
  finishSignIn: (signInId: string) => unwrap(() => commands.finishSignIn(signInId)),
  /** Stops waiting for a sign-in: a late approval in the browser then connects nothing. */
  cancelSignIn: (signInId: string) => unwrap(() => commands.cancelSignIn(signInId)),
  /** Forgets the connection and its credential; the data already synced stays. */
  removeConnection: (connectionId: string) => unwrap(() => commands.removeConnection(connectionId)),
  /** The accounts (external ids) that sync; the others are kept but left alone. */
  selectConnectionAccounts: (connectionId: string, accounts: string[]) =>
    unwrap(() => commands.selectConnectionAccounts({ connectionId, accounts })),
  /** A cron expression in this computer's time; `null` stops the scheduled sync. */
  setSyncSchedule: (connectionId: string, cron: string | null) =>
    unwrap(() => commands.setSyncSchedule({ connectionId, cron })),
  startSync: (request: StartSyncInput) => unwrap(() => commands.startSync(request)),
  getSyncRun: (runId: string) => unwrap(() => commands.getSyncRun(runId)),
  /** The enrichment services and whether each has its key in the keychain. */
  listEnrichmentKeys: () => unwrap(() => commands.listEnrichmentKeys()),
  /** The key goes to the keychain; only "saved" comes back. */
  setEnrichmentKey: (service: string, key: string) =>
    unwrap(() => commands.setEnrichmentKey({ service, key })),
  removeEnrichmentKey: (service: string) => unwrap(() => commands.removeEnrichmentKey(service)),
  /** Fetches the ACS tables of a year that surveys weigh to. */
  refreshCensus: (year: number) => unwrap(() => commands.refreshCensus(year)),
  /** Searches the web or the news; the results are kept as mentions with their URLs. */
  searchWeb: (request: WebSearchInput) => unwrap(() => commands.searchWeb(request)),
  /** Asks the copilot; resolves with the kept run once it has answered or stopped. */
  askCopilot: (request: AskCopilotInput) => unwrap(() => commands.askCopilot(request)),
  runSpecialist: (request: RunSpecialistInput) => unwrap(() => commands.runSpecialist(request)),
  /** Stops the run with this request id; `false` when it had already finished. */
  stopAgentRun: (requestId: string) => unwrap(() => commands.stopAgentRun(requestId)),
  listAgentRuns: (workspaceId: string, agent: string | null, limit: number) =>
    unwrap(() => commands.listAgentRuns(workspaceId, agent, limit)),
  getAgentRun: (workspaceId: string, runId: string) =>
    unwrap(() => commands.getAgentRun(workspaceId, runId)),
  listSpecialists: (workspaceId: string) => unwrap(() => commands.listSpecialists(workspaceId)),
  /** Runs a specialist on a schedule (cron, local time), or on demand only (`cron` null). */
  setSpecialistSchedule: (request: SpecialistScheduleInput) =>
    unwrap(() => commands.setSpecialistSchedule(request)),
  /** The deck an agency would start from: the workspace's results in its sections. */
  getDeckTemplate: (workspaceId: string) => unwrap(() => commands.getDeckTemplate(workspaceId)),
  /** The spec's slides as they would be built now (nothing is written). */
  previewDeck: (workspaceId: string, spec: DeckSpecView) =>
    unwrap(() => commands.previewDeck(workspaceId, spec)),
  /** Builds the deck, keeps it as its next version and writes it to the exports folder. */
  buildDeck: (request: BuildDeckRequest) => unwrap(() => commands.buildDeck(request)),
  listDeckFiles: (workspaceId: string) => unwrap(() => commands.listDeckFiles(workspaceId)),
  /** Writes the kept file out and shows it in the file manager; resolves with its path. */
  showDeckFile: (workspaceId: string, fileId: string) =>
    unwrap(() => commands.showDeckFile(workspaceId, fileId)),
  getDeckTheme: (workspaceId: string) => unwrap(() => commands.getDeckTheme(workspaceId)),
  /** What a reader would struggle with in unsaved colours (low contrast), as the theme is edited. */
  checkDeckTheme: (settings: ThemeSettingsView) => unwrap(() => commands.checkDeckTheme(settings)),
  saveDeckTheme: (request: SaveDeckThemeInput) => unwrap(() => commands.saveDeckTheme(request)),
  listDeckDeliveries: (workspaceId: string) => unwrap(() => commands.listDeckDeliveries(workspaceId)),
  saveDeckDelivery: (request: SaveDeckDeliveryInput) => unwrap(() => commands.saveDeckDelivery(request)),
  removeDeckDelivery: (workspaceId: string, name: string) =>
    unwrap(() => commands.removeDeckDelivery(workspaceId, name)),
  /** The system's folder picker; resolves with the folder's path, or null when cancelled. */
  pickFolder: async (title: string): Promise<string | null> => {
    const picked = await openDialog({ directory: true, multiple: false, title });
    return typeof picked === 'string' ? picked : null;
  },
  /** Delivers now, as the schedule would: a job in the jobs panel. */
  deliverDeckNow: (workspaceId: string, name: string) =>
    unwrap(() => commands.deliverDeckNow(workspaceId, name)),
};

/**
 * Subscribes to job updates and returns a synchronous unsubscribe function.
 *
 * `listen` registers asynchronously; React effects need a synchronous cleanup, and in
 * StrictMode they unsubscribe before the registration has even finished. So we remember
 * an early unsubscribe and release the listener as soon as it exists.
 */
export function onJobChanged(
  cb: (job: JobView) => void,
  onError?: (error: BackendError) => void,
  /** Called once the subscription is in place: a listing taken before then may miss events. */
  onListening?: () => void,
): () => void {
  let unlisten: (() => void) | undefined;
  let disposed = false;

  events.jobChanged
    .listen((event) => {
      if (!disposed) cb(event.payload);
    })
    .then(
      (fn) => {
        if (disposed) fn();
        else {
          unlisten = fn;
          onListening?.();
        }
      },
      (err: unknown) => {
        if (!disposed) onError?.(toBackendError(err));
      },
    );

  return () => {
    disposed = true;
    unlisten?.();
    unlisten = undefined;
  };
}

/** One of the backend's event streams, as the generated bindings expose it. */
interface EventStream<T> {
  listen: (handler: (event: { payload: T }) => void) => Promise<() => void>;
}

/**
 * Listens to an event stream with a synchronous unsubscribe (see `onJobChanged` for why): an
 * unsubscribe that comes before the registration finished releases it as soon as it exists.
 */
function subscribe<T>(
  stream: EventStream<T>,
  cb: (payload: T) => void,
  onError?: (error: BackendError) => void,
): () => void {
  let unlisten: (() => void) | undefined;
  let disposed = false;

  stream
    .listen((event) => {
      if (!disposed) cb(event.payload);
    })
    .then(
      (fn) => {
        if (!disposed) unlisten = fn;
        else {
          // Unsubscribed before the registration finished; the window may be gone by now too.
          // (Tauri's unlisten returns a promise at run time, though typed as void.)
          try {
            void Promise.resolve(fn() as unknown).catch(() => undefined);
          } catch {
            /* nothing left to release */
          }
        }
      },
      (err: unknown) => {
        if (!disposed) onError?.(toBackendError(err));
      },
    );

  return () => {
    disposed = true;
    unlisten?.();
    unlisten = undefined;
  };
}

/** Subscribes to a running session's steps (turns starting, tokens, stored turns, status). */
export function onSessionChanged(
  cb: (event: SessionEventView) => void,
  onError?: (error: BackendError) => void,
): () => void {
  return subscribe(events.sessionChanged, cb, onError);
}

/** Subscribes to the steps of agent runs under way (each names its request id). */
export function onAgentStep(
  cb: (event: AgentStepEventView) => void,
  onError?: (error: BackendError) => void,
): () => void {
  return subscribe(events.agentStepChanged, cb, onError);
}
