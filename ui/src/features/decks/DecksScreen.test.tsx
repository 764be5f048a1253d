import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type {
  BuiltDeckView,
  DeckDeliveryView,
  DeckPreviewView,
  DeckSpecView,
  DeckThemeView,
  SlideView,
} from '../../ipc/backend';
import { callsTo, mockBackend } from '../../test/ipc';
import type { Handler } from '../../test/ipc';
import { workspace } from '../../test/fixtures';
import { renderWithQueryClient } from '../../test/queryClient';
import { DecksScreen } from './DecksScreen';

const TEMPLATE: DeckSpecView = {
  title: 'Acme Outdoor: research review',
  subtitle: '',
  objectives: [],
  sections: [
    {
      kind: 'dashboard',
      key: 'dashboard',
      from: null,
      to: null,
      id: null,
      questions: [],
      question: null,
      dimension: null,
      agent: null,
      set: null,
    },
    {
      kind: 'agentReport',
      key: 'agent:budget',
      from: null,
      to: null,
      id: null,
      questions: [],
      question: null,
      dimension: null,
      agent: 'budget',
      set: null,
    },
  ],
  slides: [],
  slideOrder: [],
};

function slide(overrides: Partial<SlideView>): SlideView {
  return {
    key: '',
    kind: 'bullets',
    title: '',
    subtitle: '',
    items: [],
    tiles: [],
    chart: null,
    table: null,
    quotes: [],
    notes: '',
    footnote: '',
    sources: [],
    ...overrides,
  };
}

/** The preview the engine would gather: its own slides, then the dashboard's findings. */
function preview(spec: DeckSpecView): DeckPreviewView {
  const titled = (key: string, title: string) => spec.slides.find((e) => e.key === key)?.title ?? title;
  return {
    slides: [
      slide({ kind: 'title', title: spec.title }),
      slide({ kind: 'section', title: 'Findings' }),
      slide({
        key: 'dashboard#1',
        kind: 'kpis',
        title: titled('dashboard#1', 'Spend rose 12% on the previous period'),
        tiles: [{ label: 'Spend', value: '$48,210.00', detail: '+12% on the previous period' }],
        sources: ['Daily metrics of every platform in USD'],
      }),
      slide({
        key: 'dashboard#2',
        kind: 'chart',
        title: titled('dashboard#2', 'Meta spent most: $30,100.00'),
        chart: { kind: 'column', categories: ['Meta', 'Google Ads'], series: [{ name: 'Spend', values: [30100, 18110] }] },
      }),
    ],
    tables: ['Campaigns USD'],
    warnings: [],
  };
}

const THEME: DeckThemeView = {
  settings: {
    clientName: '',
    agencyName: '',
    primary: '#1F4E79',
    secondary: '#E07A1F',
    text: '#1F2937',
    background: '#FFFFFF',
    headingFont: 'Arial',
    bodyFont: 'Arial',
  },
  files: [],
  saved: false,
  workspaceBrand: 'Acme Outdoor',
  warnings: [],
  clientLogo: null,
  agencyLogo: null,
};

function backend(extra: Record<string, Handler> = {}) {
  return mockBackend({
    get_deck_template: () => TEMPLATE,
    preview_deck: (args) => preview(args.spec as DeckSpecView),
    get_deck_theme: () => THEME,
    // The engine's rule, as far as these tests need it: white text on white is unreadable.
    check_deck_theme: (args) =>
      (args.settings as DeckThemeView['settings']).text.toUpperCase() === '#FFFFFF'
        ? ['body text on the background has a contrast of 1.0:1; under 4.5:1 it is hard to read']
        : [],
    list_deck_files: () => [],
    list_deck_deliveries: () => [],
    ...extra,
  });
}

function renderScreen() {
  const onJobStarted = vi.fn();
  renderWithQueryClient(
    <MemoryRouter>
      <DecksScreen workspace={workspace({ id: 'ws1' })} onJobStarted={onJobStarted} />
    </MemoryRouter>,
  );
  return onJobStarted;
}

describe('DecksScreen', () => {
  beforeEach(() => window.localStorage.clear());

  it('previews the template, keeps a slide edit in the spec, and builds the deck it shows', async () => {
    const built: BuiltDeckView = {
      file: {
        id: 'f1',
        name: 'Acme Outdoor: research review',
        format: 'pptx',
        version: 2,
        fileName: 'Acme Outdoor- research review v2.pptx',
        sizeBytes: 40960,
        createdAt: '2026-12-01T10:00:00Z',
        hasPrevious: true,
        moved: [{ label: 'Spend', before: '$48,210.00', after: '$49,210.00' }],
        movedCount: 1,
        added: 0,
        removed: 0,
      },
      path: '/data/exports/decks/Acme Outdoor- research review v2.pptx',
      warnings: [],
    };
    const calls = backend({ build_deck: () => built, show_deck_file: () => built.path });
    renderScreen();
    const user = userEvent.setup();

    expect(await screen.findByText('Agent report: budget')).toBeInTheDocument();
    const picks = await screen.findAllByTestId('deck-slide');
    expect(picks).toHaveLength(2);
    expect(within(screen.getByTestId('deck-slides')).getAllByTestId('slide-thumbnail')).toHaveLength(4);
    // The title slide says whose deck it is, in the theme's words.
    expect(screen.getByText('Acme Outdoor')).toBeInTheDocument();

    await user.click(picks[1]);
    await user.type(screen.getByTestId('slide-title'), 'Where the money went');
    await user.type(screen.getByTestId('slide-notes'), 'Open with this');
    await waitFor(() =>
      expect(within(screen.getByTestId('deck-slides')).getByText('Where the money went')).toBeInTheDocument(),
    );

    await user.selectOptions(screen.getByTestId('deck-format'), 'pdf');
    await user.click(screen.getByTestId('deck-build'));
    await screen.findByTestId('deck-built');
    const request = callsTo(calls, 'build_deck')[0].args.request as { format: string; spec: DeckSpecView };
    expect(request.format).toBe('pdf');
    expect(request.spec.slides).toEqual([
      { key: 'dashboard#2', title: 'Where the money went', notes: 'Open with this', hidden: false },
    ]);
    expect(screen.getByText(/1 figures moved/)).toBeInTheDocument();
    expect(screen.getByTestId('deck-built-path')).toHaveTextContent(built.path);
    await user.click(screen.getByRole('button', { name: 'Show in folder' }));
    expect(await screen.findByTestId('deck-shown-path')).toHaveTextContent(built.path);
  });

  it('hides a slide (faded in the preview, left out of the file) and moves a section', async () => {
    const calls = backend();
    renderScreen();
    const user = userEvent.setup();
    const picks = await screen.findAllByTestId('deck-slide');
    await user.click(picks[0]);
    await user.click(screen.getByTestId('slide-hide'));
    await waitFor(() =>
      expect(
        within(screen.getByTestId('deck-slides'))
          .getAllByTestId('slide-thumbnail')
          .filter((t) => t.classList.contains('slide-thumb--faded')),
      ).toHaveLength(1),
    );
    // The preview asks for every slide (so a hidden one can be shown again); the spec hides it.
    const previews = callsTo(calls, 'preview_deck');
    const last = previews[previews.length - 1].args.spec as DeckSpecView;
    expect(last.slides.every((e) => !e.hidden)).toBe(true);
    // The dashboard's period: sent once both days are set, in order.
    await user.type(screen.getByTestId('deck-period-from'), '2026-11-01');
    await user.type(screen.getByTestId('deck-period-to'), '2026-11-30');
    await waitFor(() => {
      const asked = callsTo(calls, 'preview_deck');
      const spec = asked[asked.length - 1].args.spec as DeckSpecView;
      expect(spec.sections[0]).toMatchObject({ kind: 'dashboard', from: '2026-11-01', to: '2026-11-30' });
    });
    await user.click(screen.getByRole('button', { name: 'Move Agent report: budget up' }));
    const sections = within(screen.getByTestId('deck-sections')).getAllByRole('listitem');
    expect(sections[0]).toHaveTextContent('Agent report: budget');
    const saved = JSON.parse(window.localStorage.getItem('profitwheel.deckSpec.ws1') ?? '{}') as DeckSpecView;
    expect(saved.slides).toEqual([{ key: 'dashboard#1', title: null, notes: null, hidden: true }]);
    expect(saved.sections[0].key).toBe('agent:budget');
  });

  it('redraws the slides as the theme is edited, before it is saved, and saves it', async () => {
    const calls = backend({ save_deck_theme: (args) => ({ ...THEME, saved: true, settings: (args.request as { settings: DeckThemeView['settings'] }).settings }) });
    renderScreen();
    const user = userEvent.setup();
    await user.click(await screen.findByTestId('decks-tab-theme'));
    const preview = await screen.findByTestId('theme-preview');
    await within(preview).findByText('Acme Outdoor');
    await user.type(screen.getByTestId('theme-agency'), 'North & Co');
    expect(within(preview).getByText('For Acme Outdoor · by North & Co')).toBeInTheDocument();
    const primary = screen.getByTestId('theme-primary');
    await user.clear(primary);
    await user.type(primary, '#0A7B83');
    const thumbnail = within(preview).getAllByTestId('slide-thumbnail')[0];
    expect(thumbnail.style.getPropertyValue('--slide-primary')).toBe('#0A7B83');
    expect(callsTo(calls, 'save_deck_theme')).toHaveLength(0);
    // Text as light as the background is said while it is picked, before any save.
    const text = screen.getByTestId('theme-text');
    await user.clear(text);
    await user.type(text, '#FFFFFF');
    expect(await screen.findByTestId('theme-warning')).toHaveTextContent('hard to read');
    await user.clear(text);
    await user.type(text, '#1F2937');
    await waitFor(() => expect(screen.queryByTestId('theme-warning')).toBeNull());

    await user.click(screen.getByTestId('theme-save'));
    await waitFor(() => expect(callsTo(calls, 'save_deck_theme')).toHaveLength(1));
    const request = callsTo(calls, 'save_deck_theme')[0].args.request as {
      settings: DeckThemeView['settings'];
      files: unknown[];
    };
    expect(request.settings.agencyName).toBe('North & Co');
    expect(request.settings.primary).toBe('#0A7B83');
    expect(request.files).toEqual([]);
    expect(await screen.findByText('Saved for this workspace')).toBeInTheDocument();
  });

  it('schedules the builder’s deck for delivery into a folder and delivers it now', async () => {
    const job = {
      id: 'j1',
      kind: 'decks.deliver',
      title: 'Deliver Weekly client deck',
      lane: 'slow' as const,
      state: 'queued' as const,
      priority: 0,
      attempts: 0,
      maxAttempts: 1,
      progress: 0,
      progressMessage: null,
      error: null,
      workspaceId: 'ws1',
      createdAt: '2026-12-01T10:00:00Z',
      startedAt: null,
      finishedAt: null,
    };
    let deliveries: DeckDeliveryView[] = [];
    const calls = backend({
      list_deck_deliveries: () => deliveries,
      save_deck_delivery: (args) => {
        const { delivery } = args.request as { delivery: DeckDeliveryView };
        deliveries = [delivery];
        return delivery;
      },
      deliver_deck_now: () => job,
      'plugin:dialog|open': () => '/shares/picked',
    });
    const onJobStarted = renderScreen();
    const user = userEvent.setup();
    await screen.findAllByTestId('deck-slide');
    await user.click(screen.getByTestId('decks-tab-deliveries'));
    // The system's folder picker fills the folder (the plugin's command, answered here).
    calls.length = 0;
    await user.click(await screen.findByTestId('delivery-pick-folder'));
    await waitFor(() => expect(screen.getByTestId('delivery-folder')).toHaveValue('/shares/picked'));
    expect(calls.find((c) => c.cmd === 'plugin:dialog|open')?.args).toMatchObject({ options: { directory: true } });
    await user.clear(screen.getByTestId('delivery-folder'));
    await user.type(screen.getByTestId('delivery-folder'), '/shares/acme');
    await user.click(screen.getByTestId('delivery-save'));
    await waitFor(() => expect(callsTo(calls, 'save_deck_delivery')).toHaveLength(1));
    const saved = (callsTo(calls, 'save_deck_delivery')[0].args.request as { delivery: DeckDeliveryView }).delivery;
    expect(saved).toMatchObject({ folder: '/shares/acme', cron: '0 7 * * MON', periodDays: 7, format: 'pdf' });
    expect(saved.spec.title).toBe(TEMPLATE.title);
    const listed = await screen.findByText(/into \/shares\/acme/);
    expect(listed).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Deliver now' }));
    await waitFor(() => expect(onJobStarted).toHaveBeenCalledWith(job));
  });
});
