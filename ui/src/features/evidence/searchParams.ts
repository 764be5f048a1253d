// A search lives in the address (`#/w/:id/search?q=…&kind=…&f=field:value&from=…&to=…&interval=…`)
// so it can be linked to and survives a reload.
import type { FacetFilterView, HistogramIntervalView, SearchInput } from '../../ipc/backend';

export interface SearchState {
  text: string;
  kinds: string[];
  filters: FacetFilterView[];
  from: string | null;
  to: string | null;
  interval: HistogramIntervalView;
}

const INTERVALS: readonly HistogramIntervalView[] = ['day', 'week', 'month'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function readSearch(params: URLSearchParams): SearchState {
  const interval = params.get('interval');
  const day = (key: string) => {
    const v = params.get(key);
    return v && DAY.test(v) ? v : null;
  };
  return {
    text: params.get('q') ?? '',
    kinds: params.getAll('kind'),
    filters: params.getAll('f').flatMap((f) => {
      const at = f.indexOf(':');
      return at > 0 ? [{ field: f.slice(0, at), value: f.slice(at + 1) }] : [];
    }),
    from: day('from'),
    to: day('to'),
    interval: INTERVALS.find((i) => i === interval) ?? 'week',
  };
}

export function writeSearch(state: SearchState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.text) params.set('q', state.text);
  for (const k of state.kinds) params.append('kind', k);
  for (const f of state.filters) params.append('f', `${f.field}:${f.value}`);
  if (state.from) params.set('from', state.from);
  if (state.to) params.set('to', state.to);
  if (state.interval !== 'week') params.set('interval', state.interval);
  return params;
}

export function toggleKind(state: SearchState, kind: string): SearchState {
  const kinds = state.kinds.includes(kind)
    ? state.kinds.filter((k) => k !== kind)
    : [...state.kinds, kind];
  return { ...state, kinds };
}

export function hasFilter(state: SearchState, field: string, value: string): boolean {
  return state.filters.some((f) => f.field === field && f.value === value);
}

export function toggleFilter(state: SearchState, field: string, value: string): SearchState {
  const filters = hasFilter(state, field, value)
    ? state.filters.filter((f) => !(f.field === field && f.value === value))
    : [...state.filters, { field, value }];
  return { ...state, filters };
}

export function searchRequest(workspaceId: string, state: SearchState, limit: number): SearchInput {
  return {
    workspaceId,
    text: state.text,
    kinds: state.kinds,
    filters: state.filters,
    from: state.from,
    to: state.to,
    limit,
    offset: 0,
    histogram: state.interval,
  };
}
