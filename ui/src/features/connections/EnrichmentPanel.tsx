import { useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/ErrorBanner';
import { backend } from '../../ipc/backend';
import type { CensusRefreshView, EnrichmentKeyView, WebSearchView } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';

/** The latest ACS 1-year release a refresh asks for by default (each year's comes out in September). */
function latestAcsYear(today: Date): number {
  // getMonth() counts from 0: 8 is September.
  return today.getMonth() >= 8 ? today.getFullYear() - 1 : today.getFullYear() - 2;
}

function useEnrichmentKeys() {
  return useQuery({ queryKey: queryKeys.enrichmentKeys, queryFn: () => backend.listEnrichmentKeys() });
}

/** One service's key: saved or not, paste one, remove it. */
function KeyRow({ entry }: { entry: EnrichmentKeyView }) {
  const queryClient = useQueryClient();
  const [key, setKey] = useState('');
  const store = (saved: EnrichmentKeyView) =>
    queryClient.setQueryData<EnrichmentKeyView[]>(queryKeys.enrichmentKeys, (list) =>
      list?.map((k) => (k.service === saved.service ? saved : k)),
    );
  const save = useMutation({
    mutationFn: () => backend.setEnrichmentKey(entry.service, key),
    onSuccess: (saved) => {
      setKey('');
      store(saved);
    },
  });
  const remove = useMutation({ mutationFn: () => backend.removeEnrichmentKey(entry.service), onSuccess: store });
  const error = save.error ?? remove.error;
  return (
    <li className="enrichment-key" data-testid={`enrichment-key-${entry.service}`}>
      <div>
        <strong>{entry.name}</strong>{' '}
        <span className={entry.saved ? 'badge badge--succeeded' : 'badge'} data-testid="key-state">
          {entry.saved ? 'Key saved' : 'No key'}
        </span>
        <p className="muted">{entry.purpose}</p>
      </div>
      <form
        className="enrichment-key__form"
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          if (key.trim() !== '') save.mutate();
        }}
      >
        <label className="visually-hidden" htmlFor={`key-${entry.service}`}>
          {entry.name} key
        </label>
        <input
          id={`key-${entry.service}`}
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder={entry.saved ? 'Paste a new key to replace it' : 'Paste the key'}
          value={key}
          onChange={(e) => setKey(e.target.value)}
        />
        <button type="submit" className="btn" disabled={key.trim() === '' || save.isPending}>
          Save
        </button>
        {entry.saved && (
          <button type="button" className="btn btn--ghost" onClick={() => remove.mutate()} disabled={remove.isPending}>
            Remove
          </button>
        )}
      </form>
      {error !== null && <ErrorBanner error={error} context={`${entry.name}'s key`} />}
    </li>
  );
}

function CensusRefresh({ keySaved }: { keySaved: boolean }) {
  const [year, setYear] = useState(String(latestAcsYear(new Date())));
  const refresh = useMutation({ mutationFn: (y: number) => backend.refreshCensus(y) });
  const result: CensusRefreshView | undefined = refresh.data;
  return (
    <div className="enrichment-block">
      <h3>Census tables for surveys</h3>
      <p className="muted">
        Surveys weight their respondents to the US population by age, sex, region and education.
        Refresh the tables from the American Community Survey when a new year is out.
      </p>
      <form
        className="enrichment-inline"
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          refresh.mutate(Number.parseInt(year, 10));
        }}
      >
        <label htmlFor="census-year">ACS year</label>
        <input
          id="census-year"
          inputMode="numeric"
          value={year}
          onChange={(e) => setYear(e.target.value.replace(/[^0-9]/g, ''))}
        />
        <button type="submit" className="btn" disabled={!keySaved || refresh.isPending || year.length !== 4}>
          {refresh.isPending ? 'Refreshing…' : 'Refresh the tables'}
        </button>
      </form>
      {!keySaved && <p className="muted">Save a Census API key above first.</p>}
      {refresh.error !== null && <ErrorBanner error={refresh.error} context="The Census tables were not refreshed" />}
      {result !== undefined && (
        <ul className="enrichment-files" data-testid="census-files">
          {result.files.map((f) => (
            <li key={`${f.table}-${f.geography}`}>
              {f.table} by {f.geography}: {f.rows} rows <code>{f.path}</code>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function WebSearch({ workspaceId, keySaved }: { workspaceId: string; keySaved: boolean }) {
  const queryClient = useQueryClient();
  const [query, setQuery] = useState('');
  const [kind, setKind] = useState<'web' | 'news'>('news');
  const search = useMutation({
    mutationFn: () => backend.searchWeb({ workspaceId, query: query.trim(), kind, limit: 20 }),
    // The results are stored as mentions: the signals and the search index show them.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.signals(workspaceId) }),
  });
  const result: WebSearchView | undefined = search.data;
  return (
    <div className="enrichment-block">
      <h3>Web and news mentions</h3>
      <p className="muted">
        Search for the brand, a competitor or a topic. Every result is kept as a mention with its
        address, so reports and twins can cite it.
      </p>
      <form
        className="enrichment-inline"
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          if (query.trim() !== '') search.mutate();
        }}
      >
        <label htmlFor="mention-query">Search for</label>
        <input id="mention-query" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="halcyon roasters" />
        <div className="segmented" role="group" aria-label="Where to search">
          {(['news', 'web'] as const).map((k) => (
            <button
              key={k}
              type="button"
              className="segmented__item"
              aria-pressed={kind === k}
              onClick={() => setKind(k)}
            >
              {k === 'news' ? 'News' : 'Web'}
            </button>
          ))}
        </div>
        <button type="submit" className="btn" disabled={!keySaved || search.isPending || query.trim() === ''}>
          {search.isPending ? 'Searching…' : 'Search'}
        </button>
      </form>
      {!keySaved && <p className="muted">Save a Serper key above first.</p>}
      {search.error !== null && <ErrorBanner error={search.error} context="The search did not finish" />}
      {result !== undefined && (
        <div data-testid="mention-results">
          <p>
            {result.mentions.length} results for “{result.query}”, {result.new} new, kept as mentions.
          </p>
          <ol className="enrichment-mentions">
            {result.mentions.map((m) => (
              <li key={m.signalId}>
                <strong>{m.title}</strong> {m.new && <span className="badge badge--succeeded">new</span>}
                <p className="muted">
                  {m.publisher ?? 'Unknown source'} · {m.shownDate ?? m.occurredOn}
                </p>
                <p>{m.snippet}</p>
                <code className="enrichment-url">{m.url}</code>
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}

/**
 * Enrichment beside the ad platforms: the Census API (survey weighting) and web and news
 * search (mentions with their sources), each with its key in the keychain.
 */
export function EnrichmentPanel({ workspaceId }: { workspaceId: string }) {
  const keys = useEnrichmentKeys();
  const saved = (service: string) => keys.data?.some((k) => k.service === service && k.saved) ?? false;
  return (
    <section className="card enrichment" aria-labelledby="enrichment-heading">
      <header className="card__header">
        <h2 id="enrichment-heading">Enrichment</h2>
      </header>
      {keys.error !== null && (
        <ErrorBanner error={keys.error} context="Loading the keys" onRetry={() => void keys.refetch()} />
      )}
      {keys.data !== undefined && (
        <ul className="enrichment-keys">
          {keys.data.map((entry) => (
            <KeyRow key={entry.service} entry={entry} />
          ))}
        </ul>
      )}
      <CensusRefresh keySaved={saved('census')} />
      <WebSearch workspaceId={workspaceId} keySaved={saved('serper')} />
    </section>
  );
}
