// Pure bookkeeping for the job list, kept apart from React so the merge rules are testable.
import type { QueryKey } from '@tanstack/react-query';
import type { JobState, JobView } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';

/** Job kind of demo workspace generation; its success means a new workspace to open. */
export const DEMO_JOB_KIND = 'demo.generate';
/** A scheduled (or run-now) deck delivery: `pw_engine::decks::DELIVERY_JOB_KIND`. */
export const DECK_DELIVERY_JOB_KIND = 'decks.deliver';

/** Job kind of a GGUF model download; its success adds a file to the local model list. */
export const MODEL_DOWNLOAD_JOB_KIND = 'model.download';

/** Job kind of a signal build: new signals, their counts, and (through the index) search. */
export const SIGNALS_JOB_KIND = 'evidence.signals';

/** Job kind of writing grounding reports for an audience (or all of them). */
export const REPORTS_JOB_KIND = 'evidence.reports';

/** Job kinds that change the search index: an update after new data, or a full rebuild. */
export const SEARCH_UPDATE_JOB_KIND = 'search.update';
export const SEARCH_REBUILD_JOB_KIND = 'search.rebuild';

/** Job kind of casting twins from an audience's signals. */
export const TWINS_CREATE_JOB_KIND = 'twins.create';

/** Job kind of running a focus group or an interview. */
export const SESSION_JOB_KIND = 'twins.session';

/** Job kind of writing a session's insights. */
export const INSIGHTS_JOB_KIND = 'twins.insights';

/** Job kind of a survey run answering. */
export const SURVEY_RUN_JOB_KIND = 'surveys.run';

/** Job kind of the analysis agent writing a run's report. */
export const SURVEY_REPORT_JOB_KIND = 'surveys.report';

/** Job kind of a sync of an ad-platform connection. */
export const CONNECTOR_SYNC_JOB_KIND = 'connectors.sync';

/**
 * What a job's success changed in the backend, as the cached reads that are now out of date.
 * An export only writes a file outside the app, so it changes nothing we show. Evidence jobs
 * name their workspace; one without (never expected) refreshes every workspace's reads.
 */
export function queriesChangedBy(job: Pick<JobView, 'kind'> & { workspaceId?: string | null }): QueryKey[] {
  const ws = job.workspaceId ?? null;
  const inWorkspace = (key: string): QueryKey => (ws === null ? [key] : [key, ws]);
  switch (job.kind) {
    case DEMO_JOB_KIND:
      // The workspace is listed while its data is still being written: what its screens read
      // before the end is partial.
      return [queryKeys.workspaces, inWorkspace('dashboard'), inWorkspace('audiences')];
    case MODEL_DOWNLOAD_JOB_KIND:
      return [queryKeys.modelSettings];
    case SIGNALS_JOB_KIND:
      // Signals are replaced: their rows, counts, the reports citing them and what search finds.
      return [
        inWorkspace('audiences'),
        inWorkspace('signals'),
        queryKeys.signalEvidence(),
        inWorkspace('reports'),
        queryKeys.report(),
        inWorkspace('search'),
      ];
    case REPORTS_JOB_KIND:
      // New report versions: the audiences list their latest, and reports are searchable.
      return [inWorkspace('audiences'), inWorkspace('reports'), queryKeys.report(), inWorkspace('search')];
    case SEARCH_UPDATE_JOB_KIND:
    case SEARCH_REBUILD_JOB_KIND:
      return [inWorkspace('search')];
    case TWINS_CREATE_JOB_KIND:
      return [inWorkspace('twins')];
    case SESSION_JOB_KIND:
      // A finished session has its last turns, and its twins remember what was said.
      return [inWorkspace('sessions'), queryKeys.session(), queryKeys.twin(), inWorkspace('twins')];
    case INSIGHTS_JOB_KIND:
      return [queryKeys.insights()];
    case SURVEY_RUN_JOB_KIND:
      // Answers came in: the run's counts, its results, and what search finds (open ends).
      return [queryKeys.surveyRuns(), queryKeys.surveyRun(), inWorkspace('search')];
    case SURVEY_REPORT_JOB_KIND:
      return [queryKeys.surveyRun()];
    case DECK_DELIVERY_JOB_KIND:
      // A delivered deck is kept as its next version.
      return [inWorkspace('deckFiles')];
    case CONNECTOR_SYNC_JOB_KIND:
      // New campaigns, metrics and audiences: the connection's last sync and its report, what
      // the dashboard adds up and the audiences list.
      return [inWorkspace('connections'), queryKeys.syncRun(), inWorkspace('dashboard'), inWorkspace('audiences')];
    default:
      return [];
  }
}

/** The backend returns at most this many from listJobs; keep the live list equally bounded. */
export const MAX_JOBS = 200;

export function isActive(job: Pick<JobView, 'state'>): boolean {
  return job.state === 'queued' || job.state === 'running';
}

export function canCancel(job: Pick<JobView, 'state'>): boolean {
  return isActive(job);
}

export function canRetry(job: Pick<JobView, 'state'>): boolean {
  return job.state === 'failed' || job.state === 'cancelled';
}

const STATE_RANK: Record<JobState, number> = {
  queued: 0,
  running: 1,
  succeeded: 2,
  failed: 2,
  cancelled: 2,
};

/**
 * Where an update came from decides how much we trust it:
 * - `event`: job-changed events are emitted for every change, in order — always newest.
 * - `snapshot`: a listJobs result may have been read before events we already applied.
 * - `response`: a command's returned JobView can race with events about the same job
 *   (a fast job may already be running or done by the time startX resolves).
 * - `retry`: like `response`, but moving a failed/cancelled job back to queued is the point.
 */
export type UpdateSource = 'event' | 'snapshot' | 'response' | 'retry';

export function shouldReplace(known: JobView, incoming: JobView, source: UpdateSource): boolean {
  switch (source) {
    case 'event':
      return true;
    case 'snapshot':
      return false;
    case 'response':
      return STATE_RANK[incoming.state] >= STATE_RANK[known.state];
    case 'retry':
      // If an event already moved the job on (queued, running, or even finished again),
      // that is newer than the retry's "queued" answer.
      return canRetry(known) || STATE_RANK[incoming.state] >= STATE_RANK[known.state];
  }
}

function createdAtMillis(job: JobView): number {
  const t = Date.parse(job.createdAt);
  return Number.isNaN(t) ? 0 : t;
}

/** Newest first, like listJobs; ties broken by id so the order is stable between renders. */
export function sortJobs(jobs: Iterable<JobView>): JobView[] {
  return [...jobs]
    .sort((a, b) => createdAtMillis(b) - createdAtMillis(a) || b.id.localeCompare(a.id))
    .slice(0, MAX_JOBS);
}

/** Applies one update to a map keyed by id. Returns whether anything changed. */
export function applyUpdate(
  byId: Map<string, JobView>,
  incoming: JobView,
  source: UpdateSource,
): boolean {
  const known = byId.get(incoming.id);
  if (known && !shouldReplace(known, incoming, source)) return false;
  byId.set(incoming.id, incoming);
  return true;
}

/** Whether this update is the moment the job finished successfully (fires once per run). */
export function justSucceeded(previous: JobView | undefined, next: JobView): boolean {
  return next.state === 'succeeded' && previous?.state !== 'succeeded';
}

/** Progress as a whole percentage for the progress bar, clamped against sloppy reporters. */
export function progressPercent(job: Pick<JobView, 'progress' | 'state'>): number {
  if (job.state === 'succeeded') return 100;
  const p = job.progress !== null && Number.isFinite(job.progress) ? job.progress : 0;
  return Math.round(Math.min(1, Math.max(0, p)) * 100);
}
