import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatDate } from '../../format';
import { isBackendError, toBackendError } from '../../ipc/backend';
import type {
  ClaimView,
  FacetView,
  HistogramBucketView,
  HistogramIntervalView,
  JobView,
  SearchHitView,
  SignalView,
  SnippetPart,
  WorkspaceSummary,
} from '../../ipc/backend';
import { SEARCH_REBUILD_JOB_KIND, SEARCH_UPDATE_JOB_KIND } from '../jobs/jobsState';
import { InlineJobProgress } from './charts';
import { Drawer, EvidenceList, EvidenceRow } from './EvidencePanel';
import { SEARCH_KINDS, platformLabel, searchKindLabel } from './evidenceFormat';
import { activeJob, useSearch, useSearchSource } from './evidenceQueries';
import { ReportPanel } from './ReportPanel';
import {
  hasFilter,
  readSearch,
  searchRequest,
  toggleFilter,
  toggleKind,
  writeSearch,
} from './searchParams';
import type { SearchState } from './searchParams';
import './evidence.css';

interface Props {
  workspace: WorkspaceSummary;
  jobs: readonly JobView[];
}

const PAGE = 50;
const MAX_LIMIT = 200;

const FACET_TITLES: Record<string, string> = {
  platform: 'Platform',
  audience: 'Audience',
  theme: 'Theme',
  sentiment: 'Sentiment',
};

const INTERVALS: { value: HistogramIntervalView; label: string }[] = [
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
];

/** What the side panel shows, most recent last (a report's claim opens over the report). */
type Opened =
  | { type: 'text'; hit: SearchHitView }
  | { type: 'evidence'; title: string; signalIds: string[] }
  | { type: 'report'; reportId: string };

/** Everything a workspace holds, searchable; the search itself lives in the address. */
export function SearchScreen({ workspace, jobs }: Props) {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => readSearch(params), [params]);
  const update = useCallback(
    (next: SearchState) => setParams(writeSearch(next)),
    [setParams],
  );
  const [limit, setLimit] = useState(PAGE);
  const request = useMemo(() => searchRequest(workspace.id, state, limit), [workspace.id, state, limit]);
  const search = useSearch(request);
  const page = search.data ?? null;

  // The box is edited freely and searched on Enter; a new address (back, a link) refills it.
  const [text, setText] = useState(state.text);
  useEffect(() => setText(state.text), [state.text]);
  useEffect(() => setLimit(PAGE), [state]);

  const invalid = isBackendError(search.error) && search.error.kind === 'invalidInput';
  const rebuildJob = activeJob(jobs, [SEARCH_REBUILD_JOB_KIND, SEARCH_UPDATE_JOB_KIND], workspace.id);

  const [opened, setOpened] = useState<Opened[]>([]);
  const open = useCallback((o: Opened) => setOpened((stack) => [...stack, o]), []);
  const close = useCallback(() => setOpened([]), []);
  const back = useCallback(() => setOpened((stack) => stack.slice(0, -1)), []);
  const top = opened.at(-1) ?? null;

  function submit(event: FormEvent) {
    event.preventDefault();
    update({ ...state, text: text.trim() });
  }

  const kindCounts = new Map(
    page?.facets.find((f) => f.field === 'kind')?.values.map((v) => [v.value, v.count]) ?? [],
  );

  return (
    <main className="evidence-screen" aria-labelledby="search-title">
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="search-title">Search</h1>
          <p className="muted">
            Mentions, search terms, behaviours, creatives, signals and reports of {workspace.name}.
          </p>
        </div>
      </header>

      <form className="search-box" onSubmit={submit} role="search">
        <input
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder='Words, or "a phrase" — Enter to search'
          aria-label="Search text"
          data-testid="search-input"
        />
        <button type="submit" className="btn btn--primary">
          Search
        </button>
      </form>
      {invalid && (
        <p className="form-error" role="alert" data-testid="search-error">
          {toBackendError(search.error).message}
        </p>
      )}

      <div className="chips" role="group" aria-label="Kinds">
        {SEARCH_KINDS.map((k) => (
          <button
            key={k.value}
            type="button"
            className="chip chip--toggle"
            aria-pressed={state.kinds.includes(k.value)}
            onClick={() => update(toggleKind(state, k.value))}
            data-testid={`kind-${k.value}`}
          >
            {k.label}
            {kindCounts.has(k.value) && <span className="chip__count">{kindCounts.get(k.value)}</span>}
          </button>
        ))}
      </div>

      {search.error !== null && !invalid && (
        <ErrorBanner error={search.error} context="Searching" onRetry={() => void search.refetch()} />
      )}

      {page?.rebuilding && (
        <div className="banner banner--info" role="status" data-testid="search-rebuilding">
          <span className="banner__text">
            The search index is being rebuilt ({page.rebuildingReason ?? 'no reason given'}) —
            results will appear when it's done.
          </span>
          {rebuildJob && <InlineJobProgress job={rebuildJob} testId="rebuild-progress" />}
        </div>
      )}

      <div className={search.isFetching ? 'search-layout is-refreshing' : 'search-layout'}>
        <aside className="facets" aria-label="Filters">
          {(['platform', 'audience', 'theme', 'sentiment'] as const).map((field) => (
            <FacetList
              key={field}
              facet={page?.facets.find((f) => f.field === field) ?? null}
              field={field}
              state={state}
              onToggle={(value) => update(toggleFilter(state, field, value))}
            />
          ))}
          <fieldset className="facet">
            <legend>Dates</legend>
            <label className="date-field">
              From
              <input
                type="date"
                value={state.from ?? ''}
                onChange={(e) => update({ ...state, from: e.target.value || null })}
                aria-label="From date"
              />
            </label>
            <label className="date-field">
              To
              <input
                type="date"
                value={state.to ?? ''}
                onChange={(e) => update({ ...state, to: e.target.value || null })}
                aria-label="To date"
              />
            </label>
          </fieldset>
        </aside>

        <section className="results" aria-label="Results">
          {page && !page.rebuilding && (
            <>
              <section className="card" data-testid="search-histogram" aria-labelledby="histogram-heading">
                <header className="card__header">
                  <h3 id="histogram-heading">
                    {page.total.toLocaleString()} {page.total === 1 ? 'match' : 'matches'} over time
                  </h3>
                  <div className="segmented" role="group" aria-label="Histogram interval">
                    {INTERVALS.map((i) => (
                      <button
                        key={i.value}
                        type="button"
                        className="segmented__item"
                        aria-pressed={state.interval === i.value}
                        onClick={() => update({ ...state, interval: i.value })}
                      >
                        {i.label}
                      </button>
                    ))}
                  </div>
                </header>
                {page.histogram.length === 0 ? (
                  <p className="empty-hint">No dated matches.</p>
                ) : (
                  <Histogram buckets={page.histogram} />
                )}
              </section>
              {page.hits.length === 0 ? (
                <div className="empty-state" data-testid="search-empty">
                  <p>
                    <strong>Nothing matches.</strong>
                  </p>
                  <p>Try fewer words, another kind, or remove a filter.</p>
                </div>
              ) : (
                <>
                  <ol className="hits" data-testid="search-hits">
                    {page.hits.map((hit) => (
                      <li key={`${hit.kind}/${hit.id}`}>
                        <button
                          type="button"
                          className="hit"
                          data-testid="search-hit"
                          data-kind={hit.kind}
                          onClick={() =>
                            open(
                              hit.kind === 'signal'
                                ? { type: 'evidence', title: 'Rows behind this signal', signalIds: [hit.id] }
                                : hit.kind === 'report'
                                  ? { type: 'report', reportId: hit.id }
                                  : { type: 'text', hit },
                            )
                          }
                        >
                          <span className="hit__head">
                            <span className="badge">{searchKindLabel(hit.kind)}</span>
                            {hit.title && <span className="hit__title">{hit.title}</span>}
                            {hit.day && <span className="muted">{formatDate(hit.day)}</span>}
                          </span>
                          <Snippet parts={hit.snippet} />
                        </button>
                      </li>
                    ))}
                  </ol>
                  <p className="muted">
                    Showing {page.hits.length.toLocaleString()} of {page.total.toLocaleString()}
                    {page.hits.length < page.total && limit < MAX_LIMIT && (
                      <>
                        {' · '}
                        <button
                          type="button"
                          className="btn btn--small btn--ghost"
                          onClick={() => setLimit(Math.min(MAX_LIMIT, limit + PAGE))}
                        >
                          Show more
                        </button>
                      </>
                    )}
                  </p>
                </>
              )}
            </>
          )}
          {!page && search.isFetching && <p className="empty-hint">Searching…</p>}
        </section>
      </div>

      {top && (
        <Drawer
          title={
            top.type === 'report'
              ? 'Report'
              : top.type === 'evidence'
                ? top.title
                : searchKindLabel(top.hit.kind)
          }
          onClose={close}
          onBack={opened.length > 1 ? back : undefined}
          testId="search-drawer"
        >
          {top.type === 'text' && <HitDetail workspaceId={workspace.id} hit={top.hit} />}
          {top.type === 'evidence' && <EvidenceList signalIds={top.signalIds} />}
          {top.type === 'report' && (
            <ReportPanel
              reportId={top.reportId}
              onOpenClaim={(c: ClaimView) =>
                open({
                  type: 'evidence',
                  title: 'Evidence behind this claim',
                  signalIds: c.signals.map((s) => s.id),
                })
              }
              onOpenSignal={(s: SignalView) =>
                open({ type: 'evidence', title: 'Rows behind this signal', signalIds: [s.id] })
              }
            />
          )}
        </Drawer>
      )}
    </main>
  );
}

/** A snippet as the backend cut it: matched parts marked, nothing sliced here. */
export function Snippet({ parts }: { parts: readonly SnippetPart[] }) {
  return (
    <span className="snippet">
      {parts.map((p, i) => (p.matched ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </span>
  );
}

/** A hit opened: the row it came from, whole, with its figures (the snippet until it loads). */
function HitDetail({ workspaceId, hit }: { workspaceId: string; hit: SearchHitView }) {
  const { data: source, error, refetch } = useSearchSource(workspaceId, hit.kind, hit.id);
  return (
    <div className="hit-detail" data-testid="hit-detail">
      <p className="muted">
        {searchKindLabel(hit.kind)}
        {hit.day && ` · ${formatDate(hit.day)}`}
      </p>
      {error !== null ? (
        <ErrorBanner error={error} context="Opening this text" onRetry={() => void refetch()} />
      ) : source ? (
        <ul className="evidence__rows" data-testid="hit-source">
          <EvidenceRow row={source} />
        </ul>
      ) : (
        <>
          {hit.title && <h3>{hit.title}</h3>}
          <p className="hit-detail__text">
            <Snippet parts={hit.snippet} />
          </p>
        </>
      )}
    </div>
  );
}

function FacetList({
  facet,
  field,
  state,
  onToggle,
}: {
  facet: FacetView | null;
  field: string;
  state: SearchState;
  onToggle: (value: string) => void;
}) {
  const values = facet?.values ?? [];
  // A chosen value stays listed (and can be switched off) even when it matches nothing now.
  const chosen = state.filters.filter(
    (f) => f.field === field && !values.some((v) => v.value === f.value),
  );
  if (values.length === 0 && chosen.length === 0) return null;
  return (
    <fieldset className="facet" data-testid={`facet-${field}`}>
      <legend>{FACET_TITLES[field] ?? field}</legend>
      <ul>
        {values.map((v) => (
          <li key={v.value}>
            <button
              type="button"
              className="facet__value"
              aria-pressed={hasFilter(state, field, v.value)}
              onClick={() => onToggle(v.value)}
            >
              <span className="facet__label" title={v.label}>
                {field === 'platform' ? platformLabel(v.label) : v.label}
              </span>
              <span className="facet__count">{v.count.toLocaleString()}</span>
            </button>
          </li>
        ))}
        {chosen.map((f) => (
          <li key={f.value}>
            <button
              type="button"
              className="facet__value"
              aria-pressed
              onClick={() => onToggle(f.value)}
            >
              <span className="facet__label">{f.value}</span>
              <span className="facet__count">0</span>
            </button>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

const Histogram = memo(function Histogram({ buckets }: { buckets: readonly HistogramBucketView[] }) {
  return (
    <div className="chart-frame chart-frame--short">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={buckets as HistogramBucketView[]} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="from"
            tickFormatter={(d: string) => formatDate(d, { withYear: false })}
            minTickGap={16}
          />
          <YAxis width={40} allowDecimals={false} />
          <Tooltip
            labelFormatter={(d) => `From ${formatDate(String(d))}`}
            formatter={(v) => [String(v), 'Matches']}
          />
          <Bar dataKey="count" name="Matches" fill="var(--accent)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
});
