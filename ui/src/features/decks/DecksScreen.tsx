import { useCallback, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatDate } from '../../format';
import { backend } from '../../ipc/backend';
import type { DeckDeliveryView, DeckFormatView, DeckSpecView, JobView, WorkspaceSummary } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';
import { DeckBuilder, FORMATS } from './DeckBuilder';
import { useDeckDeliveries, useDeckFiles, useDeckPreview, useDeckTheme, useDeckTemplate } from './deckQueries';
import type { SlideLook } from './SlideThumbnail';
import { ThemeEditor } from './ThemeEditor';
import './decks.css';

type Tab = 'build' | 'theme' | 'files' | 'deliveries';

const TABS: readonly { id: Tab; label: string }[] = [
  { id: 'build', label: 'Build a deck' },
  { id: 'theme', label: 'Theme' },
  { id: 'files', label: 'Files' },
  { id: 'deliveries', label: 'Scheduled delivery' },
];

/**
 * Client decks: build one from the workspace's results (PowerPoint, PDF or the workbook of its
 * tables), set the client's look, find the files built before with what moved, and deliver a
 * deck to a folder on a schedule.
 */
export function DecksScreen({
  workspace,
  onJobStarted,
}: {
  workspace: WorkspaceSummary;
  onJobStarted: (job: JobView) => void;
}) {
  const [tab, setTab] = useState<Tab>('build');
  const theme = useDeckTheme(workspace.id);
  const [spec, setSpec] = useState<DeckSpecView | null>(null);
  const onSpecChange = useCallback((next: DeckSpecView | null) => setSpec(next), []);
  const look: SlideLook | null = theme.data
    ? {
        settings: theme.data.settings,
        clientLogo: theme.data.clientLogo,
        agencyLogo: theme.data.agencyLogo,
        workspaceBrand: theme.data.workspaceBrand,
      }
    : null;

  return (
    <main className="decks-screen" aria-labelledby="decks-title">
      <header className="dashboard__header">
        <div className="dashboard__title">
          <h1 id="decks-title">Decks</h1>
          <p className="muted">
            Client decks and reports from {workspace.name}&apos;s stored results: every number on a slide is a stored
            figure, and each slide&apos;s sources are in its speaker notes.
          </p>
        </div>
      </header>
      <div className="segmented decks-tabs" role="group" aria-label="Decks">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            aria-pressed={tab === t.id}
            className="segmented__item"
            onClick={() => setTab(t.id)}
            data-testid={`decks-tab-${t.id}`}
          >
            {t.label}
          </button>
        ))}
      </div>
      {theme.error !== null && (
        <ErrorBanner error={theme.error} context="Reading the theme" onRetry={() => void theme.refetch()} />
      )}
      {/* The builder stays mounted so its preview and selection survive a look at the theme. */}
      <div hidden={tab !== 'build'}>
        <DeckBuilder workspaceId={workspace.id} look={look} onSpecChange={onSpecChange} />
      </div>
      {tab === 'theme' && theme.data && <ThemeTab workspaceId={workspace.id} spec={spec} />}
      {tab === 'files' && <DeckFiles workspaceId={workspace.id} />}
      {tab === 'deliveries' && <Deliveries workspaceId={workspace.id} spec={spec} onJobStarted={onJobStarted} />}
    </main>
  );
}

function ThemeTab({ workspaceId, spec }: { workspaceId: string; spec: DeckSpecView | null }) {
  const theme = useDeckTheme(workspaceId);
  const preview = useDeckPreview(workspaceId, spec);
  if (!theme.data) return null;
  // The deck's title slide and its first chart, if it has one: the look on real slides.
  const slides = preview.data?.slides ?? [];
  const shown = [slides.find((s) => s.kind === 'title'), slides.find((s) => s.kind === 'chart'), slides.find((s) => s.kind === 'kpis')].filter(
    (s) => s !== undefined,
  );
  // A new editor only when the saved theme itself changed: a refetch of the same theme keeps
  // what is being typed.
  const saved = JSON.stringify([theme.data.settings, theme.data.files]);
  return <ThemeEditor key={saved} workspaceId={workspaceId} theme={theme.data} slides={shown} />;
}

function kib(bytes: number): string {
  return `${Math.max(1, Math.ceil(bytes / 1024)).toLocaleString()} KiB`;
}

/** The decks the workspace built, newest first, each with what moved since its version before. */
function DeckFiles({ workspaceId }: { workspaceId: string }) {
  const files = useDeckFiles(workspaceId);
  const show = useMutation({ mutationFn: (fileId: string) => backend.showDeckFile(workspaceId, fileId) });
  return (
    <section className="card" aria-labelledby="deck-files-title">
      <header className="card__header">
        <h2 id="deck-files-title">Files</h2>
      </header>
      {files.error !== null && <ErrorBanner error={files.error} context="Listing the files" onRetry={() => void files.refetch()} />}
      {files.data?.length === 0 && <p className="empty-hint">No deck built yet: build one, and each version is kept here.</p>}
      {show.data && (
        <p className="muted" data-testid="deck-file-shown">
          In {show.data}
        </p>
      )}
      {show.error !== null && <ErrorBanner error={show.error} context="Showing the file" onDismiss={() => show.reset()} />}
      {(files.data?.length ?? 0) > 0 && (
        <table className="data-table" data-testid="deck-files">
          <thead>
            <tr>
              <th>File</th>
              <th>Built</th>
              <th>Size</th>
              <th>Since the version before</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(files.data ?? []).map((f) => (
              <tr key={f.id}>
                <td>{f.fileName}</td>
                <td>
                  {formatDate(f.createdAt.slice(0, 10))} {f.createdAt.slice(11, 16)}
                </td>
                <td>{kib(f.sizeBytes)}</td>
                <td>
                  {!f.hasPrevious
                    ? 'First version'
                    : f.movedCount === 0 && f.added === 0 && f.removed === 0
                      ? 'Nothing moved'
                      : `${f.movedCount} moved, ${f.added} new, ${f.removed} gone`}
                  {f.moved.length > 0 && (
                    <details>
                      <summary>What moved</summary>
                      <ul>
                        {f.moved.map((m) => (
                          <li key={m.label}>
                            {m.label}: {m.before} → {m.after}
                          </li>
                        ))}
                      </ul>
                    </details>
                  )}
                </td>
                <td>
                  <button type="button" className="btn btn--small" onClick={() => show.mutate(f.id)}>
                    Show in folder
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The schedules a delivery picks from (cron, this computer's time). */
export const DELIVERY_SCHEDULES: readonly { cron: string; label: string; days: number }[] = [
  { cron: '0 7 * * MON', label: 'Every Monday at 7:00, the week before', days: 7 },
  { cron: '0 7 * * *', label: 'Every day at 7:00, the day before', days: 1 },
  { cron: '0 7 1 * *', label: 'The 1st of each month at 7:00, the 30 days before', days: 30 },
];

function Deliveries({
  workspaceId,
  spec,
  onJobStarted,
}: {
  workspaceId: string;
  spec: DeckSpecView | null;
  onJobStarted: (job: JobView) => void;
}) {
  const queryClient = useQueryClient();
  const deliveries = useDeckDeliveries(workspaceId);
  const template = useDeckTemplate(workspaceId);
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.deckDeliveries(workspaceId) });
  const remove = useMutation({
    mutationFn: (name: string) => backend.removeDeckDelivery(workspaceId, name),
    onSuccess: refresh,
  });
  const turnOn = useMutation({
    mutationFn: (delivery: DeckDeliveryView) => backend.saveDeckDelivery({ workspaceId, delivery }),
    onSuccess: refresh,
  });
  const now = useMutation({
    mutationFn: (name: string) => backend.deliverDeckNow(workspaceId, name),
    onSuccess: (job) => onJobStarted(job),
  });
  return (
    <section className="card" aria-labelledby="deliveries-title">
      <header className="card__header">
        <h2 id="deliveries-title">Scheduled delivery</h2>
      </header>
      <p className="muted">
        A deck rebuilt on a schedule from the data as it is then, written into a folder (a shared drive, a synced
        folder) and kept as a version. When one ends, a system notification says where the deck went, or why it did
        not go; the jobs panel keeps the same news.
      </p>
      {deliveries.error !== null && (
        <ErrorBanner error={deliveries.error} context="Listing the deliveries" onRetry={() => void deliveries.refetch()} />
      )}
      {remove.error !== null && <ErrorBanner error={remove.error} context="Stopping the delivery" onDismiss={() => remove.reset()} />}
      {turnOn.error !== null && <ErrorBanner error={turnOn.error} context="Turning the delivery on" onDismiss={() => turnOn.reset()} />}
      {now.error !== null && <ErrorBanner error={now.error} context="Delivering" onDismiss={() => now.reset()} />}
      <ul className="deck-deliveries" data-testid="deck-deliveries">
        {(deliveries.data ?? []).map((d) => (
          <li key={d.name}>
            <div>
              <strong>{d.name}</strong>: “{d.spec.title}” as {d.format.toUpperCase()} into {d.folder}
              <div className="muted">
                {DELIVERY_SCHEDULES.find((s) => s.cron === d.cron)?.label ?? `At “${d.cron}”`}
                {d.periodDays !== null ? ` · the dashboard's last ${d.periodDays} days` : ''}
              </div>
              {d.scheduleError && <p className="banner banner--warning">This schedule cannot fire: {d.scheduleError}</p>}
              {!d.enabled && (
                <p className="banner banner--warning">
                  Off: it came with an imported workspace. Check its folder, then turn it on.
                </p>
              )}
            </div>
            <span className="deck-deliveries__actions">
              {!d.enabled && (
                <button type="button" className="btn btn--small" onClick={() => turnOn.mutate(d)}>
                  Turn on
                </button>
              )}
              <button
                type="button"
                className="btn btn--small"
                onClick={() => now.mutate(d.name)}
                disabled={now.isPending || !d.enabled}
                data-testid="delivery-now"
              >
                Deliver now
              </button>
              <button type="button" className="btn btn--small btn--ghost" onClick={() => remove.mutate(d.name)}>
                Stop
              </button>
            </span>
          </li>
        ))}
      </ul>
      {deliveries.data?.length === 0 && <p className="empty-hint">No deliveries yet.</p>}
      <NewDelivery workspaceId={workspaceId} spec={spec ?? template.data ?? null} onSaved={refresh} />
    </section>
  );
}

function NewDelivery({
  workspaceId,
  spec,
  onSaved,
}: {
  workspaceId: string;
  spec: DeckSpecView | null;
  onSaved: () => void;
}) {
  const [name, setName] = useState('Weekly client deck');
  const [schedule, setSchedule] = useState(DELIVERY_SCHEDULES[0]);
  const [format, setFormat] = useState<DeckFormatView>('pdf');
  const [folder, setFolder] = useState('');
  const save = useMutation({
    mutationFn: (delivery: DeckDeliveryView) => backend.saveDeckDelivery({ workspaceId, delivery }),
    onSuccess: onSaved,
  });
  if (spec === null) return null;
  return (
    <form
      className="deck-delivery-form"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({
          name,
          spec,
          format,
          folder,
          periodDays: schedule.days,
          cron: schedule.cron,
          scheduleError: null,
          enabled: true,
        });
      }}
    >
      <h3>Deliver “{spec.title}” (the deck as it stands in the builder)</h3>
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} data-testid="delivery-name" />
      </label>
      <label className="field">
        <span>When</span>
        <select
          value={schedule.cron}
          onChange={(e) => setSchedule(DELIVERY_SCHEDULES.find((s) => s.cron === e.target.value) ?? DELIVERY_SCHEDULES[0])}
        >
          {DELIVERY_SCHEDULES.map((s) => (
            <option key={s.cron} value={s.cron}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>As</span>
        <select value={format} onChange={(e) => setFormat(e.target.value as DeckFormatView)}>
          {FORMATS.map((f) => (
            <option key={f.format} value={f.format}>
              {f.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Into the folder (its full path)</span>
        <span className="deck-delivery-form__folder">
          <input
            value={folder}
            onChange={(e) => setFolder(e.target.value)}
            placeholder="/Users/me/Shared/Client decks"
            data-testid="delivery-folder"
          />
          <button
            type="button"
            className="btn btn--small"
            onClick={() =>
              void backend
                .pickFolder('The folder each delivered deck goes into')
                .then((picked) => picked !== null && setFolder(picked))
                .catch(() => undefined)
            }
            data-testid="delivery-pick-folder"
          >
            Choose…
          </button>
        </span>
      </label>
      {save.error !== null && <ErrorBanner error={save.error} context="Saving the delivery" onDismiss={() => save.reset()} />}
      <button
        type="submit"
        className="btn btn--primary"
        disabled={save.isPending || name.trim() === '' || folder.trim() === ''}
        data-testid="delivery-save"
      >
        Deliver on this schedule
      </button>
    </form>
  );
}
