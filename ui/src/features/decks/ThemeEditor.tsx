import { useEffect, useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/ErrorBanner';
import { backend } from '../../ipc/backend';
import type { DeckThemeView, SlideView, ThemeFileChangeView, ThemeFileRoleView, ThemeSettingsView } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';
import { SlideThumbnail } from './SlideThumbnail';
import type { SlideLook } from './SlideThumbnail';

const COLOURS: readonly { field: keyof ThemeSettingsView; label: string }[] = [
  { field: 'primary', label: 'Primary (titles, bars)' },
  { field: 'secondary', label: 'Secondary (second series)' },
  { field: 'text', label: 'Text' },
  { field: 'background', label: 'Background' },
];

const FILES: readonly { role: ThemeFileRoleView; label: string; accept: string }[] = [
  { role: 'clientLogo', label: "Client's logo (PNG)", accept: 'image/png' },
  { role: 'agencyLogo', label: "Agency's logo (PNG)", accept: 'image/png' },
  { role: 'fontRegular', label: 'Report font (TrueType/OpenType)', accept: '.ttf,.otf' },
  { role: 'fontBold', label: 'Report bold font', accept: '.ttf,.otf' },
];

/** Slides to show the look on while it is edited: the deck's own if there are, else these. */
function sampleSlides(title: string): SlideView[] {
  const blank: SlideView = {
    key: '',
    kind: 'title',
    title,
    subtitle: 'A preview of the look (not the data)',
    items: [],
    tiles: [],
    chart: null,
    table: null,
    quotes: [],
    notes: '',
    footnote: '',
    sources: [],
  };
  return [
    blank,
    {
      ...blank,
      kind: 'chart',
      title: 'A chart in the theme’s colours',
      subtitle: '',
      footnote: 'Sample bars, to show the colours',
      chart: {
        kind: 'column',
        categories: ['A', 'B', 'C', 'D'],
        series: [
          { name: 'This period', values: [4, 7, 5, 3] },
          { name: 'Last period', values: [3, 5, 6, 2] },
        ],
      },
    },
  ];
}

function readFile(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

/**
 * The workspace's white-label theme: whose deck it is, colours, font names, logos and the
 * report's font files, with the slides redrawn in the look as it is edited. Nothing is saved
 * until Save; a file that is not what it should be is refused by the engine, saying why.
 */
export function ThemeEditor({
  workspaceId,
  theme,
  slides,
}: {
  workspaceId: string;
  theme: DeckThemeView;
  /** The deck's first slides, to preview the look on. */
  slides: readonly SlideView[];
}) {
  const queryClient = useQueryClient();
  const [settings, setSettings] = useState<ThemeSettingsView>(theme.settings);
  const [changes, setChanges] = useState<ThemeFileChangeView[]>([]);
  const [logos, setLogos] = useState({ clientLogo: theme.clientLogo, agencyLogo: theme.agencyLogo });
  const save = useMutation({
    mutationFn: () => backend.saveDeckTheme({ workspaceId, settings, files: changes }),
    onSuccess: (saved) => {
      setChanges([]);
      queryClient.setQueryData(queryKeys.deckTheme(workspaceId), saved);
    },
  });

  // The warnings follow the colours as they are picked (once the picking pauses), from the
  // engine's own rule; a colour that is not one yet leaves the last warnings standing.
  const [settled, setSettled] = useState(settings);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(settings), 300);
    return () => window.clearTimeout(timer);
  }, [settings]);
  const legibility = useQuery({
    queryKey: ['deckThemeCheck', settled.primary, settled.secondary, settled.text, settled.background],
    queryFn: () => backend.checkDeckTheme(settled),
    placeholderData: keepPreviousData,
    retry: false,
  });
  const warnings = legibility.data ?? theme.warnings;
  const look: SlideLook = {
    settings,
    clientLogo: logos.clientLogo,
    agencyLogo: logos.agencyLogo,
    workspaceBrand: theme.workspaceBrand,
  };
  const set = (field: keyof ThemeSettingsView, value: string) => setSettings((s) => ({ ...s, [field]: value }));
  const change = (next: ThemeFileChangeView, dataUrl: string | null) => {
    setChanges((c) => [...c.filter((x) => x.role !== next.role), next]);
    if (next.role === 'clientLogo' || next.role === 'agencyLogo') {
      setLogos((l) => ({ ...l, [next.role]: dataUrl }));
    }
  };
  const pick = async (role: ThemeFileRoleView, file: File | undefined) => {
    if (!file) return;
    const dataUrl = await readFile(file);
    const base64 = dataUrl.slice(dataUrl.indexOf(',') + 1);
    change({ role, fileName: file.name, base64 }, dataUrl);
  };
  const kept = (role: ThemeFileRoleView) => {
    const pending = changes.find((c) => c.role === role);
    if (pending) return pending.fileName ?? 'none (on save)';
    return theme.files.find((f) => f.role === role)?.fileName ?? 'none';
  };
  const shown = slides.length > 0 ? slides.slice(0, 3) : sampleSlides(settings.clientName || theme.workspaceBrand);
  const dirty = changes.length > 0 || JSON.stringify(settings) !== JSON.stringify(theme.settings);

  return (
    <div className="theme-editor">
      <section className="card" aria-labelledby="theme-title">
        <header className="card__header">
          <h2 id="theme-title">Theme</h2>
          <span className="muted">{theme.saved ? 'Saved for this workspace' : 'The default look'}</span>
        </header>
        <label className="field">
          <span>Client&apos;s name (empty: {theme.workspaceBrand})</span>
          <input value={settings.clientName} onChange={(e) => set('clientName', e.target.value)} data-testid="theme-client" />
        </label>
        <label className="field">
          <span>Agency&apos;s name (empty: none)</span>
          <input value={settings.agencyName} onChange={(e) => set('agencyName', e.target.value)} data-testid="theme-agency" />
        </label>
        <div className="theme-editor__colours">
          {COLOURS.map(({ field, label }) => (
            <label key={field} className="field field--colour">
              <span>{label}</span>
              <span className="theme-editor__colour">
                <input
                  type="color"
                  value={settings[field]}
                  onChange={(e) => set(field, e.target.value.toUpperCase())}
                  aria-label={`${label}, picker`}
                />
                <input
                  value={settings[field]}
                  onChange={(e) => set(field, e.target.value)}
                  aria-label={label}
                  data-testid={`theme-${field}`}
                  size={8}
                />
              </span>
            </label>
          ))}
        </div>
        <label className="field">
          <span>Heading font (the name PowerPoint asks for)</span>
          <input value={settings.headingFont} onChange={(e) => set('headingFont', e.target.value)} />
        </label>
        <label className="field">
          <span>Body font</span>
          <input value={settings.bodyFont} onChange={(e) => set('bodyFont', e.target.value)} />
        </label>
        <div className="theme-editor__files">
          {FILES.map(({ role, label, accept }) => (
            <div key={role} className="field">
              <span>
                {label}: <strong>{kept(role)}</strong>
              </span>
              <span className="theme-editor__file-actions">
                <input
                  type="file"
                  accept={accept}
                  aria-label={label}
                  onChange={(e) => void pick(role, e.target.files?.[0])}
                  data-testid={`theme-file-${role}`}
                />
                <button
                  type="button"
                  className="btn btn--small btn--ghost"
                  onClick={() => change({ role, fileName: null, base64: null }, null)}
                >
                  Remove
                </button>
              </span>
            </div>
          ))}
        </div>
        {warnings.map((w) => (
          <p key={w} className="banner banner--warning" data-testid="theme-warning">
            {w}
          </p>
        ))}
        {save.error !== null && <ErrorBanner error={save.error} context="Saving the theme" onDismiss={() => save.reset()} />}
        <div className="theme-editor__actions">
          <button
            type="button"
            className="btn btn--primary"
            onClick={() => save.mutate()}
            disabled={!dirty || save.isPending}
            data-testid="theme-save"
          >
            {save.isPending ? 'Saving…' : 'Save theme'}
          </button>
          <button
            type="button"
            className="btn btn--ghost"
            disabled={!dirty}
            onClick={() => {
              setSettings(theme.settings);
              setChanges([]);
              setLogos({ clientLogo: theme.clientLogo, agencyLogo: theme.agencyLogo });
            }}
          >
            Undo changes
          </button>
        </div>
      </section>
      <section className="card" aria-labelledby="theme-preview-title">
        <header className="card__header">
          <h2 id="theme-preview-title">Live preview</h2>
        </header>
        <div className="theme-editor__preview" data-testid="theme-preview">
          {shown.map((slide, i) => (
            <SlideThumbnail key={i} slide={slide} look={look} number={i + 1} />
          ))}
        </div>
      </section>
    </div>
  );
}
