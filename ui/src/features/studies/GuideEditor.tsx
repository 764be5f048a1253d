import { useId, useState } from 'react';
import {
  GuideSyntaxError,
  TURN_BUDGET_MAX,
  TURN_BUDGET_MIN,
  emptySection,
  exampleGuide,
  guideFromToml,
  guideToToml,
} from './guideToml';
import type { GuideDraft, SectionDraft, StimulusDraft } from './guideToml';

export interface GuideEditorState {
  mode: 'form' | 'toml';
  draft: GuideDraft;
  /** The raw TOML while the TOML tab is open. */
  toml: string;
}

/** The guide text the state stands for: the form's TOML, or what was typed in the TOML tab. */
export function guideText(state: GuideEditorState): string {
  return state.mode === 'form' ? guideToToml(state.draft) : state.toml;
}

interface Props {
  state: GuideEditorState;
  onChange: (state: GuideEditorState) => void;
  /** Names the example guide's ad. */
  brand: string;
}

/** A discussion guide as a structured form, or as its TOML in a second tab. */
export function GuideEditor({ state, onChange, brand }: Props) {
  const id = useId();
  const [tomlError, setTomlError] = useState<string | null>(null);
  const { draft } = state;
  const setDraft = (next: GuideDraft) => onChange({ ...state, draft: next });
  const setSection = (index: number, next: SectionDraft) =>
    setDraft({ ...draft, sections: draft.sections.map((s, i) => (i === index ? next : s)) });

  const showForm = () => {
    if (state.mode === 'form') return;
    try {
      onChange({ mode: 'form', draft: guideFromToml(state.toml), toml: state.toml });
      setTomlError(null);
    } catch (e) {
      setTomlError(e instanceof GuideSyntaxError ? e.message : String(e));
    }
  };
  const showToml = () => {
    if (state.mode === 'toml') return;
    setTomlError(null);
    onChange({ ...state, mode: 'toml', toml: guideToToml(draft) });
  };

  return (
    <section className="card guide-editor" aria-label="Discussion guide" data-testid="guide-editor">
      <header className="card__header">
        <h3>Discussion guide</h3>
        <button
          type="button"
          className="btn btn--small btn--ghost"
          onClick={() => {
            setTomlError(null);
            const draft = exampleGuide(brand);
            onChange({ mode: state.mode, draft, toml: guideToToml(draft) });
          }}
          data-testid="guide-example"
          title="Replaces the guide with a short two-section example"
        >
          Start from an example
        </button>
        <div className="segmented" role="group" aria-label="Edit the guide as">
          <button type="button" className="segmented__item" aria-pressed={state.mode === 'form'} onClick={showForm} data-testid="guide-tab-form">
            Form
          </button>
          <button type="button" className="segmented__item" aria-pressed={state.mode === 'toml'} onClick={showToml} data-testid="guide-tab-toml">
            TOML
          </button>
        </div>
      </header>
      {state.mode === 'toml' ? (
        <div className="field">
          <label htmlFor={`${id}-toml`}>Guide as TOML</label>
          <textarea
            id={`${id}-toml`}
            className="guide-editor__toml"
            rows={20}
            spellCheck={false}
            value={state.toml}
            onChange={(e) => onChange({ ...state, toml: e.target.value })}
            data-testid="guide-toml"
          />
          {tomlError && (
            <p className="form-error" role="alert" data-testid="guide-toml-error">
              The form cannot show this TOML ({tomlError}). Fix it here, or keep editing it as TOML.
            </p>
          )}
        </div>
      ) : (
        <div className="guide-form">
          <div className="form-grid">
            <div className="field">
              <label htmlFor={`${id}-title`}>Title</label>
              <input id={`${id}-title`} value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} data-testid="guide-title" />
            </div>
            <div className="field">
              <label htmlFor={`${id}-objective`}>Objective (optional)</label>
              <input id={`${id}-objective`} value={draft.objective} onChange={(e) => setDraft({ ...draft, objective: e.target.value })} data-testid="guide-objective" />
            </div>
          </div>
          {draft.sections.map((section, index) => (
            <SectionEditor
              key={index}
              index={index}
              section={section}
              onChange={(next) => setSection(index, next)}
              onRemove={
                draft.sections.length > 1
                  ? () => setDraft({ ...draft, sections: draft.sections.filter((_, i) => i !== index) })
                  : undefined
              }
            />
          ))}
          <button
            type="button"
            className="btn"
            onClick={() => setDraft({ ...draft, sections: [...draft.sections, emptySection()] })}
            disabled={draft.sections.length >= 20}
            data-testid="add-section"
          >
            Add section
          </button>
        </div>
      )}
    </section>
  );
}

function SectionEditor({
  index,
  section,
  onChange,
  onRemove,
}: {
  index: number;
  section: SectionDraft;
  onChange: (s: SectionDraft) => void;
  onRemove?: () => void;
}) {
  const id = useId();
  const n = index + 1;
  return (
    <fieldset className="guide-section" data-testid="guide-section">
      <legend>Section {n}</legend>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Section {n} name</label>
          <input id={`${id}-name`} value={section.name} onChange={(e) => onChange({ ...section, name: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-budget`}>Section {n} turn budget ({TURN_BUDGET_MIN}–{TURN_BUDGET_MAX}, default 12)</label>
          <input
            id={`${id}-budget`}
            type="number"
            min={TURN_BUDGET_MIN}
            max={TURN_BUDGET_MAX}
            value={section.turnBudget ?? ''}
            placeholder="12"
            onChange={(e) => {
              const v = e.target.value;
              // Not clamped while typing ("15" passes through "1"); the backend names a budget out of range.
              onChange({ ...section, turnBudget: v === '' || !Number.isFinite(Number(v)) ? null : Math.round(Number(v)) });
            }}
            aria-invalid={section.turnBudget !== null && (section.turnBudget < TURN_BUDGET_MIN || section.turnBudget > TURN_BUDGET_MAX)}
          />
        </div>
      </div>
      <LinesField id={`${id}-goals`} label={`Section ${n} goals (one per line, 1–5)`} items={section.goals} onChange={(goals) => onChange({ ...section, goals })} />
      <LinesField id={`${id}-questions`} label={`Section ${n} questions (one per line, 1–10)`} items={section.questions} onChange={(questions) => onChange({ ...section, questions })} />
      <LinesField id={`${id}-probes`} label={`Section ${n} probes (one per line, optional)`} items={section.probes} onChange={(probes) => onChange({ ...section, probes })} />
      <div className="guide-stimuli">
        {section.stimuli.map((stimulus, i) => (
          <StimulusEditor
            key={i}
            label={`Section ${n} stimulus ${i + 1}`}
            stimulus={stimulus}
            onChange={(next) => onChange({ ...section, stimuli: section.stimuli.map((s, j) => (j === i ? next : s)) })}
            onRemove={() => onChange({ ...section, stimuli: section.stimuli.filter((_, j) => j !== i) })}
          />
        ))}
        <div className="guide-stimuli__add">
          <span className="muted">Show the group:</span>
          {(
            [
              ['ad_copy', 'Ad copy'],
              ['concept', 'Concept'],
              ['creative', 'Creative'],
            ] as const
          ).map(([kind, label]) => (
            <button
              key={kind}
              type="button"
              className="btn btn--small"
              disabled={section.stimuli.length >= 5}
              onClick={() => onChange({ ...section, stimuli: [...section.stimuli, blankStimulus(kind)] })}
              aria-label={`Add ${label.toLowerCase()} to section ${n}`}
            >
              + {label}
            </button>
          ))}
        </div>
      </div>
      {onRemove && (
        <button type="button" className="btn btn--small btn--ghost" onClick={onRemove} aria-label={`Remove section ${n}`}>
          Remove section
        </button>
      )}
    </fieldset>
  );
}

function blankStimulus(kind: StimulusDraft['kind']): StimulusDraft {
  switch (kind) {
    case 'ad_copy':
      return { kind, headline: '', body: '' };
    case 'concept':
      return { kind, title: '', description: '' };
    case 'creative':
      return { kind, id: '', caption: '' };
  }
}

const STIMULUS_FIELDS = {
  ad_copy: [
    ['headline', 'Headline'],
    ['body', 'Body'],
  ],
  concept: [
    ['title', 'Title'],
    ['description', 'Description'],
  ],
  creative: [
    ['id', 'Creative id'],
    ['caption', 'Caption describing the image (optional)'],
  ],
} as const;

const STIMULUS_LABELS = { ad_copy: 'Ad copy', concept: 'Concept', creative: 'Creative' } as const;

function StimulusEditor({
  label,
  stimulus,
  onChange,
  onRemove,
}: {
  label: string;
  stimulus: StimulusDraft;
  onChange: (s: StimulusDraft) => void;
  onRemove: () => void;
}) {
  const id = useId();
  const values = stimulus as unknown as Record<string, string>;
  return (
    <div className="guide-stimulus" role="group" aria-label={`${label}: ${STIMULUS_LABELS[stimulus.kind]}`}>
      <span className="badge">{STIMULUS_LABELS[stimulus.kind]}</span>
      {STIMULUS_FIELDS[stimulus.kind].map(([field, fieldLabel]) => (
        <div className="field" key={field}>
          <label htmlFor={`${id}-${field}`}>
            {label} {fieldLabel.toLowerCase()}
          </label>
          <input
            id={`${id}-${field}`}
            value={values[field] ?? ''}
            onChange={(e) => onChange({ ...stimulus, [field]: e.target.value } as StimulusDraft)}
          />
        </div>
      ))}
      <button type="button" className="btn btn--small btn--ghost" onClick={onRemove} aria-label={`Remove ${label.toLowerCase()}`}>
        Remove
      </button>
    </div>
  );
}

function LinesField({ id, label, items, onChange }: { id: string; label: string; items: string[]; onChange: (items: string[]) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} rows={Math.max(2, items.length)} value={items.join('\n')} onChange={(e) => onChange(e.target.value.split('\n'))} />
    </div>
  );
}
