import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../App';
import { job, searchPage, workspace } from '../../test/fixtures';
import { callsTo, ipcError, mockBackend } from '../../test/ipc';
import type { Handler, RecordedCall } from '../../test/ipc';

const hitId = searchPage().hits[0].id;

function backendWith(handlers: Record<string, Handler>) {
  return mockBackend({
    list_jobs: () => [],
    list_workspaces: () => [workspace({ id: 'ws-1', name: 'Halcyon' })],
    search_workspace: () => searchPage(),
    get_search_source: () => ({
      table: 'audience_signals',
      key: hitId,
      inSegment: true,
      title: 'Review on Trustpilot',
      text: 'Free shipping made me try it, and the beans are the best I have had this year.',
      date: '2024-12-03',
      figures: [{ label: 'sentiment', value: '0.8' }],
    }),
    ...handlers,
  });
}

function openAt(hash: string) {
  window.history.replaceState(null, '', `/${hash}`);
  render(<App />);
}

function lastSearch(calls: RecordedCall[]) {
  return callsTo(calls, 'search_workspace').at(-1)?.args.request as Record<string, unknown>;
}

describe('Search screen', () => {
  it('runs the search in the address and marks the matched words of each snippet', async () => {
    const calls = backendWith({});
    openAt('#/w/ws-1/search?q=shipping&kind=mention');

    const hit = await screen.findByTestId('search-hit');
    const marks = hit.querySelectorAll('mark');
    expect([...marks].map((m) => m.textContent)).toEqual(['shipping']);
    expect(hit).toHaveTextContent('Free shipping made me try it');
    expect(hit).toHaveTextContent('Mention');
    expect(hit).toHaveTextContent('Dec 3, 2024');
    expect(screen.getByTestId('search-input')).toHaveValue('shipping');
    expect(screen.getByTestId('kind-mention')).toHaveAttribute('aria-pressed', 'true');
    expect(lastSearch(calls)).toEqual({
      workspaceId: 'ws-1',
      text: 'shipping',
      kinds: ['mention'],
      filters: [],
      from: null,
      to: null,
      limit: 50,
      offset: 0,
      histogram: 'week',
    });
    const histogram = screen.getByTestId('search-histogram');
    await waitFor(() => expect(histogram.querySelectorAll('.recharts-bar-rectangle').length).toBeGreaterThan(0));

    // A hit opens the row it came from, whole, with its figures.
    await userEvent.click(hit);
    const source = await screen.findByTestId('hit-source');
    expect(source).toHaveTextContent('Review on Trustpilot');
    expect(source).toHaveTextContent(
      'Free shipping made me try it, and the beans are the best I have had this year.',
    );
    expect(source).toHaveTextContent('sentiment');
    const asked = callsTo(calls, 'get_search_source');
    expect(asked).toHaveLength(1);
    expect(asked[0].args).toEqual({ workspaceId: 'ws-1', kind: 'mention', id: hitId });
  });

  it('says so when a hit’s row cannot be opened', async () => {
    backendWith({
      get_search_source: () => {
        ipcError('notFound', 'the mention m-1 does not exist in this workspace');
      },
    });
    openAt('#/w/ws-1/search?q=shipping');
    await userEvent.click(await screen.findByTestId('search-hit'));
    const detail = await screen.findByTestId('hit-detail');
    await waitFor(() => expect(detail).toHaveTextContent('does not exist in this workspace'));
  });

  it('searches on Enter and toggles a facet into the request and the address', async () => {
    const calls = backendWith({});
    openAt('#/w/ws-1/search');
    await screen.findByTestId('search-hit');
    expect(lastSearch(calls).text).toBe('');

    await userEvent.type(screen.getByTestId('search-input'), 'cold brew{Enter}');
    await waitFor(() => expect(lastSearch(calls).text).toBe('cold brew'));

    const audiences = screen.getByTestId('facet-audience');
    // Audiences are listed by name, filtered by id.
    await userEvent.click(within(audiences).getByRole('button', { name: /Coffee culture 18-34/ }));
    await waitFor(() =>
      expect(lastSearch(calls).filters).toEqual([{ field: 'audience', value: 'aud-1' }]),
    );
    expect(window.location.hash).toContain('f=audience%3Aaud-1');
    expect(within(audiences).getByRole('button', { name: /Coffee culture 18-34/ })).toHaveAttribute(
      'aria-pressed',
      'true',
    );

    await userEvent.click(within(screen.getByTestId('facet-platform')).getByRole('button', { name: /Meta/ }));
    await waitFor(() =>
      expect(lastSearch(calls).filters).toEqual([
        { field: 'audience', value: 'aud-1' },
        { field: 'platform', value: 'meta' },
      ]),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Month' }));
    await waitFor(() => expect(lastSearch(calls).histogram).toBe('month'));
    // Toggling it again takes it out.
    await userEvent.click(within(screen.getByTestId('facet-audience')).getByRole('button', { name: /Coffee culture 18-34/ }));
    await waitFor(() => expect(lastSearch(calls).filters).toEqual([{ field: 'platform', value: 'meta' }]));
  });

  it('says the index is being rebuilt, with the rebuild’s progress, instead of an error', async () => {
    backendWith({
      list_jobs: () => [
        job({ id: 'rb', kind: 'search.rebuild', title: 'Rebuild the search index', progress: 0.4, progressMessage: 'Mentions', workspaceId: 'ws-1' }),
      ],
      search_workspace: () =>
        searchPage({ rebuilding: true, rebuildingReason: 'the index was written by an older version', total: 0, hits: [], facets: [], histogram: [] }),
    });
    openAt('#/w/ws-1/search?q=coffee');

    const note = await screen.findByTestId('search-rebuilding');
    expect(note).toHaveTextContent(
      'The search index is being rebuilt (the index was written by an older version) — results will appear when it\'s done.',
    );
    expect(await within(note).findByTestId('rebuild-progress')).toHaveTextContent('40% · Mentions');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByTestId('search-hits')).toBeNull();
  });

  it('shows why a query is not valid under the box', async () => {
    backendWith({
      search_workspace: (args) =>
        (args.request as { text: string }).text.includes('"')
          ? ipcError('invalidInput', 'The quotes in "cold brew are not balanced')
          : searchPage(),
    });
    openAt('#/w/ws-1/search?q=%22cold%20brew');

    const error = await screen.findByTestId('search-error');
    expect(error).toHaveTextContent('The quotes in "cold brew are not balanced');
    // Not a page-wide failure: the box, the kinds and the filters stay usable.
    expect(screen.queryByText(/please check the input/i)).toBeNull();
    expect(screen.getByTestId('search-input')).toBeEnabled();
  });
});
