import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/ErrorBanner';
import { backend } from '../../ipc/backend';
import type { BuiltDeckView, DeckFormatView, DeckSpecView, SlideView } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';
import { readSavedSpec, saveSpec, useDeckPreview, useDeckTemplate } from './deckQueries';
import { editOf, moveSection, moveSlide, previewSpec, removeSection, sectionLabel, withEdit, withSection } from './deckSpec';
import { SlideThumbnail } from './SlideThumbnail';
import type { SlideLook } from './SlideThumbnail';

export const FORMATS: readonly { format: DeckFormatView; label: string }[] = [
  { format: 'pptx', label: 'PowerPoint (.pptx)' },
  { format: 'pdf', label: 'PDF report (.pdf)' },
  { format: 'xlsx', label: 'Workbook of its tables (.xlsx)' },
];

/**
 * The deck builder: the deck's title, objectives and sections (the workspace's results, in
 * the order the findings are shown), a preview of every slide in the workspace's look, an
 * editor for the selected slide (title, notes, hide, move), and Build. The spec is kept per
 * workspace between visits.
 */
export function DeckBuilder({
  workspaceId,
  look,
  onSpecChange,
}: {
  workspaceId: string;
  look: SlideLook | null;
  /** The spec as it stands, for the deliveries to deliver. */
  onSpecChange?: (spec: DeckSpecView | null) => void;
}) {
  const template = useDeckTemplate(workspaceId);
  const [spec, setSpec] = useState<DeckSpecView | null>(() => readSavedSpec(workspaceId));
  const current = spec ?? template.data ?? null;
  useEffect(() => onSpecChange?.(current), [current, onSpecChange]);

  const change = (next: DeckSpecView) => {
    setSpec(next);
    saveSpec(workspaceId, next);
  };
  const reset = () => {
    setSpec(null);
    saveSpec(workspaceId, null);
    void template.refetch();
  };

  const shown = useMemo(() => (current === null ? null : previewSpec(current)), [current]);
  // Typing a title gathers the deck once the typing pauses, not once a keystroke.
  const settled = useSettled(shown, 300);
  const preview = useDeckPreview(workspaceId, settled);
  const slides = useMemo(() => preview.data?.slides ?? [], [preview.data]);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const selected = slides.find((s) => s.key !== '' && s.key === selectedKey) ?? null;

  // Sections of the template the deck no longer has, to add back.
  const removed = (template.data?.sections ?? []).filter(
    (s) => !(current?.sections ?? []).some((c) => c.key === s.key),
  );

  if (template.error !== null && current === null) {
    return <ErrorBanner error={template.error} context="Reading the workspace's results" onRetry={() => void template.refetch()} />;
  }
  if (current === null) return <p className="muted">Reading the workspace&apos;s results…</p>;

  return (
    <div className="deck-builder">
      <section className="card deck-builder__spec" aria-labelledby="deck-spec-title">
        <header className="card__header">
          <h2 id="deck-spec-title">Deck</h2>
          <button type="button" className="btn btn--small btn--ghost" onClick={reset} data-testid="deck-reset">
            Start again from the workspace
          </button>
        </header>
        <label className="field">
          <span>Title</span>
          <input
            value={current.title}
            onChange={(e) => change({ ...current, title: e.target.value })}
            data-testid="deck-title"
          />
        </label>
        <label className="field">
          <span>Subtitle</span>
          <input value={current.subtitle} onChange={(e) => change({ ...current, subtitle: e.target.value })} />
        </label>
        <label className="field">
          <span>Objectives (one a line)</span>
          <textarea
            rows={3}
            value={current.objectives.join('\n')}
            onChange={(e) => change({ ...current, objectives: e.target.value.split('\n') })}
          />
        </label>
        <h3>Sections, in the order the findings are shown</h3>
        {current.sections.length === 0 && (
          <p className="empty-hint">No sections: add one back below, or start again from the workspace.</p>
        )}
        <ol className="deck-sections" data-testid="deck-sections">
          {current.sections.map((s, i) => (
            <li key={`${s.key}-${i}`}>
              <span className="deck-sections__label">
                {sectionLabel(s)}
                {s.kind === 'dashboard' && (
                  <PeriodPicker
                    from={s.from}
                    to={s.to}
                    onChange={(from, to) => change(withSection(current, i, { ...s, from, to }))}
                  />
                )}
              </span>
              <span className="deck-sections__actions">
                <button
                  type="button"
                  className="btn btn--small btn--ghost"
                  onClick={() => change(moveSection(current, i, -1))}
                  disabled={i === 0}
                  aria-label={`Move ${sectionLabel(s)} up`}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="btn btn--small btn--ghost"
                  onClick={() => change(moveSection(current, i, 1))}
                  disabled={i === current.sections.length - 1}
                  aria-label={`Move ${sectionLabel(s)} down`}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="btn btn--small btn--ghost"
                  onClick={() => change(removeSection(current, i))}
                  aria-label={`Remove ${sectionLabel(s)}`}
                >
                  ×
                </button>
              </span>
            </li>
          ))}
        </ol>
        {removed.length > 0 && (
          <div className="deck-sections__add">
            <span className="muted">Add back:</span>
            {removed.map((s) => (
              <button
                key={s.key}
                type="button"
                className="btn btn--small"
                onClick={() => change({ ...current, sections: [...current.sections, s] })}
              >
                + {sectionLabel(s)}
              </button>
            ))}
          </div>
        )}
        <BuildBar workspaceId={workspaceId} spec={current} />
      </section>

      <section className="card deck-builder__preview" aria-labelledby="deck-preview-title">
        <header className="card__header">
          <h2 id="deck-preview-title">Preview</h2>
          <span className="muted">
            {preview.isFetching ? 'Gathering…' : `${slides.length} slides`}
            {current.slides.some((e) => e.hidden) && ' · hidden slides are faded and left out of the file'}
          </span>
        </header>
        {preview.error !== null && (
          <ErrorBanner error={preview.error} context="Gathering the deck" onRetry={() => void preview.refetch()} />
        )}
        {(preview.data?.warnings ?? []).map((w) => (
          <p key={w} className="banner banner--warning">
            {w}
          </p>
        ))}
        {selected && (
          <SlideEditor
            key={selected.key}
            slide={selected}
            slides={slides}
            spec={current}
            look={look}
            onChange={change}
            onClose={() => setSelectedKey(null)}
            busy={preview.isFetching || settled !== shown}
          />
        )}
        <ol className="deck-slides" data-testid="deck-slides">
          {slides.map((slide, i) => (
            <li key={`${slide.key}-${i}`}>
              {slide.key === '' ? (
                look && <SlideThumbnail slide={slide} look={look} number={i + 1} />
              ) : (
                <button
                  type="button"
                  className={`deck-slides__pick${slide.key === selectedKey ? ' deck-slides__pick--on' : ''}`}
                  onClick={() => setSelectedKey(slide.key)}
                  aria-pressed={slide.key === selectedKey}
                  data-testid="deck-slide"
                >
                  {look && (
                    <SlideThumbnail
                      slide={slide}
                      look={look}
                      number={i + 1}
                      faded={editOf(current, slide.key)?.hidden ?? false}
                    />
                  )}
                </button>
              )}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

/**
 * The dashboard's period: both days or neither (the last 30 days with data). A half-set period
 * is kept on screen and not sent until its other day is set.
 */
function PeriodPicker({
  from,
  to,
  onChange,
}: {
  from: string | null;
  to: string | null;
  onChange: (from: string | null, to: string | null) => void;
}) {
  const [start, setStart] = useState(from ?? '');
  const [end, setEnd] = useState(to ?? '');
  const set = (nextStart: string, nextEnd: string) => {
    setStart(nextStart);
    setEnd(nextEnd);
    if (nextStart === '' && nextEnd === '') onChange(null, null);
    else if (nextStart !== '' && nextEnd !== '' && nextStart <= nextEnd) onChange(nextStart, nextEnd);
  };
  return (
    <span className="deck-sections__period">
      <input
        type="date"
        value={start}
        onChange={(e) => set(e.target.value, end)}
        aria-label="Dashboard from"
        data-testid="deck-period-from"
      />
      <input
        type="date"
        value={end}
        onChange={(e) => set(start, e.target.value)}
        aria-label="Dashboard to"
        data-testid="deck-period-to"
      />
      {start !== '' && end !== '' && start > end && <span className="form-error">The period ends before it starts.</span>}
    </span>
  );
}

/** The selected slide large, with its title and notes to edit, hide, and move. */
function SlideEditor({
  slide,
  slides,
  spec,
  look,
  onChange,
  onClose,
  busy,
}: {
  slide: SlideView;
  slides: readonly SlideView[];
  spec: DeckSpecView;
  look: SlideLook | null;
  onChange: (spec: DeckSpecView) => void;
  onClose: () => void;
  /** A new preview is on its way: a move now would be made on the old order. */
  busy: boolean;
}) {
  const edit = editOf(spec, slide.key);
  const hidden = edit?.hidden ?? false;
  return (
    <div className="slide-editor" data-testid="slide-editor">
      <div className="slide-editor__view">{look && <SlideThumbnail slide={slide} look={look} faded={hidden} />}</div>
      <div className="slide-editor__fields">
        <label className="field">
          <span>Title (empty: the finding as the data states it)</span>
          <input
            value={edit?.title ?? ''}
            placeholder={slide.title}
            onChange={(e) => onChange(withEdit(spec, slide.key, { title: e.target.value }))}
            data-testid="slide-title"
          />
        </label>
        <label className="field">
          <span>Speaker notes (the sources follow them)</span>
          <textarea
            rows={3}
            value={edit?.notes ?? ''}
            onChange={(e) => onChange(withEdit(spec, slide.key, { notes: e.target.value }))}
            data-testid="slide-notes"
          />
        </label>
        <div className="slide-editor__actions">
          <button
            type="button"
            className="btn btn--small"
            disabled={busy}
            onClick={() => onChange(moveSlide(spec, slides, slide.key, -1))}
          >
            Move earlier
          </button>
          <button
            type="button"
            className="btn btn--small"
            disabled={busy}
            onClick={() => onChange(moveSlide(spec, slides, slide.key, 1))}
          >
            Move later
          </button>
          <button
            type="button"
            className="btn btn--small"
            onClick={() => onChange(withEdit(spec, slide.key, { hidden: !hidden }))}
            data-testid="slide-hide"
          >
            {hidden ? 'Show in the deck' : 'Leave out of the deck'}
          </button>
          <button type="button" className="btn btn--small btn--ghost" onClick={onClose}>
            Done
          </button>
        </div>
        {slide.sources.length > 0 && (
          <details className="slide-editor__sources">
            <summary>Sources ({slide.sources.length})</summary>
            <ul>
              {slide.sources.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ul>
          </details>
        )}
      </div>
    </div>
  );
}

/** Build: the format, the button, and what was built (where, which version, what moved). */
function BuildBar({ workspaceId, spec }: { workspaceId: string; spec: DeckSpecView }) {
  const queryClient = useQueryClient();
  const [format, setFormat] = useState<DeckFormatView>('pptx');
  const build = useMutation({
    mutationFn: () => backend.buildDeck({ workspaceId, spec, format }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.deckFiles(workspaceId) }),
  });
  const show = useMutation({ mutationFn: (fileId: string) => backend.showDeckFile(workspaceId, fileId) });
  return (
    <div className="deck-build">
      <div className="deck-build__row">
        <select
          value={format}
          onChange={(e) => setFormat(e.target.value as DeckFormatView)}
          aria-label="File format"
          data-testid="deck-format"
        >
          {FORMATS.map((f) => (
            <option key={f.format} value={f.format}>
              {f.label}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="btn btn--primary"
          onClick={() => build.mutate()}
          disabled={build.isPending || spec.sections.length === 0 || spec.title.trim() === ''}
          data-testid="deck-build"
        >
          {build.isPending ? 'Building…' : 'Build'}
        </button>
      </div>
      {build.error !== null && (
        <ErrorBanner error={build.error} context="Building the deck" onDismiss={() => build.reset()} />
      )}
      {build.data && <BuiltSummary built={build.data} onShow={() => show.mutate(build.data.file.id)} />}
      {show.data && (
        <p className="muted" data-testid="deck-shown-path">
          In {show.data}
        </p>
      )}
      {show.error !== null && <ErrorBanner error={show.error} context="Showing the file" onDismiss={() => show.reset()} />}
    </div>
  );
}

function BuiltSummary({ built, onShow }: { built: BuiltDeckView; onShow: () => void }) {
  const { file } = built;
  return (
    <div className="deck-built" role="status" data-testid="deck-built">
      <p>
        Built <strong>{file.fileName}</strong>, version {file.version} of “{file.name}”.{' '}
        {file.hasPrevious
          ? file.movedCount === 0 && file.added === 0 && file.removed === 0
            ? 'Nothing moved since the last version.'
            : `Since the last version: ${file.movedCount} figures moved, ${file.added} new, ${file.removed} gone.`
          : ''}
      </p>
      {file.moved.length > 0 && (
        <ul className="deck-built__moved">
          {file.moved.slice(0, 8).map((m) => (
            <li key={m.label}>
              {m.label}: {m.before} → {m.after}
            </li>
          ))}
        </ul>
      )}
      {built.warnings.map((w) => (
        <p key={w} className="banner banner--warning">
          {w}
        </p>
      ))}
      <p className="muted deck-built__path" data-testid="deck-built-path">
        {built.path}
      </p>
      <button type="button" className="btn btn--small" onClick={onShow}>
        Show in folder
      </button>
    </div>
  );
}

/** `value`, once it has stayed the same for `ms` (the first value at once). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
