import { useId, useState } from 'react';
import {
  QUESTION_TYPES,
  addChoice,
  addQuestion,
  addSkipRule,
  changeType,
  choiceIdProblem,
  choicesOf,
  conditionOn,
  conditionQuestion,
  conditionTest,
  isQuestionType,
  moveChoice,
  moveItem,
  moveQuestion,
  pipeableIds,
  questionIdProblem,
  questionsOf,
  referenceProblems,
  removeChoice,
  removeItem,
  removeQuestion,
  removeSkipRule,
  renameChoice,
  renameQuestion,
  replaceItem,
  setChoiceField,
  setDisplayIf,
  setIntro,
  setSkipRule,
  setTitle,
  takesOptions,
  takesScale,
  testsFor,
  toggleChosen,
  updateQuestion,
  withField,
} from './designDraft';
import type {
  ChoiceList,
  ConditionTest,
  DesignDraft,
  DraftCondition,
  DraftQuestion,
  QuestionType,
} from './designDraft';

const TYPE_NAMES: Record<QuestionType, string> = {
  single_choice: 'One choice',
  multiple_choice: 'Several choices',
  likert: 'Rating scale',
  nps: '0–10 recommend score',
  numeric: 'Number',
  ranking: 'Ranking',
  matrix: 'Grid of ratings',
  open: 'Own words',
};

const TEST_NAMES: Record<ConditionTest, string> = {
  chose: 'chose any of',
  range: 'answered in a range',
  answered: 'answered at all',
  combined: 'a combined test',
};

interface Props {
  draft: DesignDraft;
  onChange: (draft: DesignDraft) => void;
  /** Why the JSON beside the form cannot be shown; the form then holds the last design that could. */
  stale: string | null;
}

/** The survey file as a form: every edit rewrites the draft, which the JSON view shows. */
export function DesignForm({ draft, onChange, stale }: Props) {
  const [newType, setNewType] = useState<QuestionType>('single_choice');
  const questions = questionsOf(draft);
  return (
    <div className="design-form" data-testid="design-form">
      {stale !== null && (
        <p className="design-form__stale" role="status" data-testid="design-form-stale">
          The form cannot show the JSON: {stale}. It shows the last design that could be read, and waits until
          the JSON is fixed or the changes are discarded.
        </p>
      )}
      {/* Locked while the JSON is broken, so a form edit never overwrites what is being typed there. */}
      <fieldset className="design-form__body" disabled={stale !== null}>
        <label className="design-form__field">
          Title
          <input value={draft.title ?? ''} onChange={(e) => onChange(setTitle(draft, e.target.value))} aria-label="Survey title" />
        </label>
        <label className="design-form__field">
          Intro (optional)
          <textarea
            rows={2}
            value={draft.intro ?? ''}
            onChange={(e) => onChange(setIntro(draft, e.target.value))}
            aria-label="Survey intro"
          />
        </label>
        <ol className="design-questions">
          {questions.map((_, index) => (
            <li key={index}>
              <QuestionEditor draft={draft} index={index} onChange={onChange} />
            </li>
          ))}
        </ol>
        <div className="design-form__add">
          <select value={newType} onChange={(e) => setNewType(e.target.value as QuestionType)} aria-label="Type of the new question">
            {QUESTION_TYPES.map((t) => (
              <option key={t} value={t}>
                {TYPE_NAMES[t]}
              </option>
            ))}
          </select>
          <button type="button" className="btn" onClick={() => onChange(addQuestion(draft, newType))}>
            Add a question
          </button>
        </div>
      </fieldset>
    </div>
  );
}

function QuestionEditor({ draft, index, onChange }: { draft: DesignDraft; index: number; onChange: (draft: DesignDraft) => void }) {
  const questions = questionsOf(draft);
  const question = questions[index];
  const name = `Question ${index + 1}`;
  const edit = (change: (q: DraftQuestion) => DraftQuestion) => onChange(updateQuestion(draft, index, change));
  const piped = pipeableIds(draft, index);
  const type = question.type;
  const problems = referenceProblems(draft, index);
  return (
    <fieldset className="design-question" aria-label={name}>
      <legend>
        {name}
        {question.id ? <span className="muted"> [{question.id}]</span> : null}
      </legend>
      <div className="design-question__head">
        <label className="design-form__field">
          Id
          <IdField
            value={question.id ?? ''}
            ariaLabel={`${name} id`}
            problemWith={(id) => questionIdProblem(draft, index, id)}
            onRename={(id) => onChange(renameQuestion(draft, index, id))}
          />
        </label>
        <label className="design-form__field">
          Type
          <select
            value={type ?? ''}
            onChange={(e) => edit((q) => changeType(q, e.target.value as QuestionType))}
            aria-label={`${name} type`}
          >
            {!isQuestionType(type) && <option value={type ?? ''}>{type ? `${type} (not a type)` : '(choose a type)'}</option>}
            {QUESTION_TYPES.map((t) => (
              <option key={t} value={t}>
                {TYPE_NAMES[t]}
              </option>
            ))}
          </select>
        </label>
        <div className="design-question__moves">
          <button type="button" className="btn btn--small" disabled={index === 0} onClick={() => onChange(moveQuestion(draft, index, -1))} aria-label={`Move ${name.toLowerCase()} up`}>
            ↑
          </button>
          <button
            type="button"
            className="btn btn--small"
            disabled={index === questions.length - 1}
            onClick={() => onChange(moveQuestion(draft, index, 1))}
            aria-label={`Move ${name.toLowerCase()} down`}
          >
            ↓
          </button>
          <button type="button" className="btn btn--small btn--ghost" onClick={() => onChange(removeQuestion(draft, index))} aria-label={`Remove ${name.toLowerCase()}`}>
            Remove
          </button>
        </div>
      </div>
      {problems.length > 0 && (
        <div className="design-question__warnings" role="status" aria-label={`${name} warnings`}>
          <ul>
            {problems.map((problem) => (
              <li key={problem}>{problem}.</li>
            ))}
          </ul>
          <p>The survey is refused on save until {problems.length === 1 ? 'this is' : 'these are'} changed.</p>
        </div>
      )}
      <label className="design-form__field">
        Text
        <textarea rows={2} value={question.text ?? ''} onChange={(e) => edit((q) => withField(q, 'text', e.target.value))} aria-label={`${name} text`} />
      </label>
      <p className="design-form__hint">
        {piped.length > 0
          ? `Pipe an earlier answer into the text by typing its id in double braces: ${piped.map((id) => `{{${id}}}`).join(', ')}.`
          : 'No earlier question to pipe an answer from.'}
      </p>

      {takesOptions(type) && (
        <>
          <ChoiceEditor draft={draft} questionIndex={index} list="options" onChange={onChange} />
          <label className="checkbox">
            <input
              type="checkbox"
              checked={question.randomize ?? false}
              onChange={(e) => edit((q) => withField(q, 'randomize', e.target.checked ? true : undefined))}
              aria-label={`${name} shuffles its options`}
            />{' '}
            Shuffle the options for each respondent (anchored ones stay last)
          </label>
        </>
      )}
      {type === 'multiple_choice' && (
        <NumberField label="Most choices (optional)" ariaLabel={`${name} most choices`} value={question.max_choices} onChange={(v) => edit((q) => withField(q, 'max_choices', v))} />
      )}
      {takesScale(type) && <ScaleEditor question={question} name={name} edit={edit} />}
      {type === 'matrix' && <ChoiceEditor draft={draft} questionIndex={index} list="rows" onChange={onChange} />}
      {type === 'numeric' && (
        <div className="design-form__row">
          <NumberField label="Minimum" ariaLabel={`${name} minimum`} value={question.min} onChange={(v) => edit((q) => withField(q, 'min', v))} />
          <NumberField label="Maximum" ariaLabel={`${name} maximum`} value={question.max} onChange={(v) => edit((q) => withField(q, 'max', v))} />
          <label className="design-form__field">
            Unit (optional)
            <input
              value={question.unit ?? ''}
              onChange={(e) => edit((q) => withField(q, 'unit', e.target.value === '' ? undefined : e.target.value))}
              aria-label={`${name} unit`}
            />
          </label>
        </div>
      )}

      <LogicEditor draft={draft} index={index} onChange={onChange} />
    </fieldset>
  );
}

function ChoiceEditor({
  draft,
  questionIndex,
  list,
  onChange,
}: {
  draft: DesignDraft;
  questionIndex: number;
  list: ChoiceList;
  onChange: (draft: DesignDraft) => void;
}) {
  const question = questionsOf(draft)[questionIndex];
  const choices = choicesOf(question, list);
  const edit = (change: (q: DraftQuestion) => DraftQuestion) => onChange(updateQuestion(draft, questionIndex, change));
  const word = list === 'options' ? 'option' : 'row';
  const owner = `question ${questionIndex + 1}`;
  return (
    <div className="design-choices">
      <span className="design-form__caption">{list === 'options' ? 'Options' : 'Rows'} (id, label{list === 'options' ? ', anchored' : ''})</span>
      <ol>
        {choices.map((c, i) => {
          const name = `Question ${questionIndex + 1} ${word} ${i + 1}`;
          return (
            <li key={i} className="design-choices__item">
              <IdField
                className="design-choices__id"
                value={c.id ?? ''}
                ariaLabel={`${name} id`}
                problemWith={(id) => choiceIdProblem(question, list, i, id)}
                onRename={(id) => onChange(renameChoice(draft, questionIndex, list, i, id))}
              />
              <input value={c.label ?? ''} onChange={(e) => edit((q) => setChoiceField(q, list, i, 'label', e.target.value))} aria-label={`${name} label`} />
              {list === 'options' && (
                <label className="checkbox" title="Stays last when the options are shuffled or reversed: “None of these”, “Other”">
                  <input type="checkbox" checked={c.anchored ?? false} onChange={(e) => edit((q) => setChoiceField(q, list, i, 'anchored', e.target.checked))} aria-label={`${name} anchored`} />{' '}
                  anchored
                </label>
              )}
              <button type="button" className="btn btn--small" disabled={i === 0} onClick={() => edit((q) => moveChoice(q, list, i, -1))} aria-label={`Move ${name.toLowerCase()} up`}>
                ↑
              </button>
              <button type="button" className="btn btn--small" disabled={i === choices.length - 1} onClick={() => edit((q) => moveChoice(q, list, i, 1))} aria-label={`Move ${name.toLowerCase()} down`}>
                ↓
              </button>
              <button type="button" className="btn btn--small btn--ghost" onClick={() => edit((q) => removeChoice(q, list, i))} aria-label={`Remove ${name.toLowerCase()}`}>
                ×
              </button>
            </li>
          );
        })}
      </ol>
      <button type="button" className="btn btn--small" onClick={() => edit((q) => addChoice(q, list))} aria-label={`Add ${word === 'option' ? 'an option' : 'a row'} to ${owner}`}>
        Add {word === 'option' ? 'an option' : 'a row'}
      </button>
    </div>
  );
}

function ScaleEditor({ question, name, edit }: { question: DraftQuestion; name: string; edit: (change: (q: DraftQuestion) => DraftQuestion) => void }) {
  const labels = question.labels ?? [];
  const anchorSets = Array.isArray(question.anchors) ? question.anchors.length : 0;
  return (
    <div className="design-scale">
      <label className="design-form__field">
        Points
        <select
          value={question.points === undefined ? '' : String(question.points)}
          onChange={(e) => edit((q) => withField(q, 'points', e.target.value === '' ? undefined : Number(e.target.value)))}
          aria-label={`${name} points`}
        >
          {question.points !== 5 && question.points !== 7 && <option value={question.points ?? ''}>{question.points ?? '(choose)'}</option>}
          <option value="5">5</option>
          <option value="7">7</option>
        </select>
      </label>
      <div className="design-choices">
        <span className="design-form__caption">Labels: one per point, or two (the lowest and the highest)</span>
        <ol>
          {labels.map((label, i) => (
            <li key={i} className="design-choices__item">
              <input value={label} onChange={(e) => edit((q) => withField(q, 'labels', replaceItem(labels, i, e.target.value)))} aria-label={`${name} label ${i + 1}`} />
              <button type="button" className="btn btn--small" disabled={i === 0} onClick={() => edit((q) => withField(q, 'labels', moveItem(labels, i, -1)))} aria-label={`Move ${name.toLowerCase()} label ${i + 1} up`}>
                ↑
              </button>
              <button type="button" className="btn btn--small" disabled={i === labels.length - 1} onClick={() => edit((q) => withField(q, 'labels', moveItem(labels, i, 1)))} aria-label={`Move ${name.toLowerCase()} label ${i + 1} down`}>
                ↓
              </button>
              <button type="button" className="btn btn--small btn--ghost" onClick={() => edit((q) => withField(q, 'labels', removeItem(labels, i)))} aria-label={`Remove ${name.toLowerCase()} label ${i + 1}`}>
                ×
              </button>
            </li>
          ))}
        </ol>
        <button type="button" className="btn btn--small" onClick={() => edit((q) => withField(q, 'labels', [...labels, '']))} aria-label={`Add a label to ${name.toLowerCase()}`}>
          Add a label
        </button>
      </div>
      <p className="design-form__hint">
        {anchorSets > 0 ? `${anchorSets} anchor statement set${anchorSets === 1 ? '' : 's'} (anchors), kept as written. ` : ''}
        Anchor statement sets (anchors) are edited in the JSON; without them the built-in sets for the scale are used.
      </p>
    </div>
  );
}

/** Display condition and skip rules: tests pick their question and options from lists, never typed ids. */
function LogicEditor({ draft, index, onChange }: { draft: DesignDraft; index: number; onChange: (draft: DesignDraft) => void }) {
  const questions = questionsOf(draft);
  const question = questions[index];
  const name = `Question ${index + 1}`;
  const edit = (change: (q: DraftQuestion) => DraftQuestion) => onChange(updateQuestion(draft, index, change));
  const earlier = questions.slice(0, index);
  const rules = question.skip ?? [];
  // A skip rule is read once this question is answered, so it may test this question too; it
  // jumps only past the next one (the next is where it goes anyway).
  const testable = questions.slice(0, index + 1);
  const targets = questions.slice(index + 2).flatMap((q) => (q.id ? [q.id] : []));
  return (
    <div className="design-logic">
      <label className="checkbox">
        <input
          type="checkbox"
          checked={question.display_if !== undefined}
          disabled={earlier.length === 0 && question.display_if === undefined}
          onChange={(e) => onChange(setDisplayIf(draft, index, e.target.checked))}
          aria-label={`${name} is shown only when`}
        />{' '}
        Show only when…{earlier.length === 0 && ' (a condition reads earlier questions; this is the first)'}
      </label>
      {question.display_if !== undefined && (
        <ConditionEditor
          condition={question.display_if}
          questions={earlier}
          name={`${name} display condition`}
          onChange={(c) => edit((q) => withField(q, 'display_if', c))}
        />
      )}
      <div className="design-logic__skips">
        <span className="design-form__caption">Skip rules: after this question, the first rule that holds jumps ahead</span>
        <ol>
          {rules.map((rule, i) => {
            const ruleName = `${name} skip rule ${i + 1}`;
            const to = rule.to ?? '';
            return (
              <li key={i} className="design-logic__rule">
                <span>If</span>
                <ConditionEditor
                  condition={rule.if ?? {}}
                  questions={testable}
                  name={ruleName}
                  onChange={(c) => edit((q) => setSkipRule(q, i, withField(rule, 'if', c)))}
                />
                <label className="design-form__inline">
                  go to
                  <select value={to} onChange={(e) => edit((q) => setSkipRule(q, i, withField(rule, 'to', e.target.value)))} aria-label={`${ruleName} goes to`}>
                    {to !== 'end' && !targets.includes(to) && <option value={to}>{to ? `${to} (not past the next question)` : '(choose)'}</option>}
                    {targets.map((id, t) => (
                      <option key={t} value={id}>
                        {id}
                      </option>
                    ))}
                    <option value="end">the end</option>
                  </select>
                </label>
                <button type="button" className="btn btn--small btn--ghost" onClick={() => edit((q) => removeSkipRule(q, i))} aria-label={`Remove ${ruleName.toLowerCase()}`}>
                  ×
                </button>
              </li>
            );
          })}
        </ol>
        <button type="button" className="btn btn--small" onClick={() => onChange(addSkipRule(draft, index))} aria-label={`Add a skip rule to ${name.toLowerCase()}`}>
          Add a skip rule
        </button>
      </div>
    </div>
  );
}

function ConditionEditor({
  condition,
  questions,
  name,
  onChange,
}: {
  condition: DraftCondition;
  /** The questions this condition may read. */
  questions: DraftQuestion[];
  name: string;
  onChange: (condition: DraftCondition) => void;
}) {
  const id = conditionQuestion(condition);
  const target = questions.find((q) => q.id === id);
  const test = conditionTest(condition, target?.type);
  if (test === 'combined') {
    return (
      <span className="design-form__hint" data-testid="combined-condition">
        combines tests with all, any or not: <code>{JSON.stringify(condition)}</code> — edit it in the JSON.
      </span>
    );
  }
  const tests = testsFor(target);
  const options = choicesOf(target ?? {}, 'options');
  return (
    <span className="design-condition">
      <select
        value={id}
        onChange={(e) => {
          const picked = questions.find((q) => q.id === e.target.value);
          if (picked) onChange(conditionOn(picked));
        }}
        aria-label={`${name} question`}
      >
        {target === undefined && <option value={id}>{id ? `${id} (not an earlier question)` : '(choose)'}</option>}
        {questions
          .filter((q) => q.id)
          .map((q, i) => (
            <option key={i} value={q.id}>
              {q.id}
              {q.text ? ` — ${q.text.length > 40 ? `${q.text.slice(0, 40)}…` : q.text}` : ''}
            </option>
          ))}
      </select>
      <select
        value={test}
        onChange={(e) => target && onChange(conditionOn(target, e.target.value as ConditionTest))}
        aria-label={`${name} test`}
      >
        {!tests.includes(test) && <option value={test}>{TEST_NAMES[test]}</option>}
        {tests.map((t) => (
          <option key={t} value={t}>
            {TEST_NAMES[t]}
          </option>
        ))}
      </select>
      {test === 'chose' &&
        options
          .filter((o) => o.id)
          .map((o, i) => (
            <label key={i} className="checkbox">
              <input
                type="checkbox"
                checked={(condition.chose ?? []).includes(o.id ?? '')}
                onChange={(e) => onChange(toggleChosen(condition, o.id ?? '', e.target.checked))}
                aria-label={`${name} chose ${o.id}`}
              />{' '}
              {o.label || o.id}
            </label>
          ))}
      {test === 'range' && (
        <>
          <NumberField label="at least" ariaLabel={`${name} at least`} value={condition.at_least} onChange={(v) => onChange(withField(condition, 'at_least', v))} inline />
          <NumberField label="at most" ariaLabel={`${name} at most`} value={condition.at_most} onChange={(v) => onChange(withField(condition, 'at_most', v))} inline />
        </>
      )}
    </span>
  );
}

/**
 * An id typed as a draft of its own. The rename, with the logic and piping that follow it, is
 * made once, when the field is left or Enter is pressed, from the id the field held when it was
 * focused to the final one, so a half-typed id (emptied, or passing through another's) never
 * moves a reference. An empty id or one already taken is refused: the id stays what it was and
 * the field says why (while typing, too). Escape puts back the id the field started with.
 */
function IdField({
  value,
  ariaLabel,
  className,
  problemWith,
  onRename,
}: {
  value: string;
  ariaLabel: string;
  className?: string;
  problemWith: (id: string) => string | null;
  onRename: (id: string) => void;
}) {
  const [editing, setEditing] = useState<{ text: string; from: string } | null>(null);
  // Shown while the id is still the one it was kept at (not after a move brings another here).
  const [refused, setRefused] = useState<{ message: string; forValue: string } | null>(null);
  const messageId = useId();
  const typingProblem = editing !== null && editing.text !== editing.from ? problemWith(editing.text) : null;
  const message =
    typingProblem !== null && editing !== null
      ? `${typingProblem}; leaving the field keeps “${editing.from}”.`
      : refused !== null && refused.forValue === value
        ? refused.message
        : null;

  /** Renames if the typed id can be had; the id the field holds afterwards. */
  const commit = (): string => {
    if (editing === null || editing.text === editing.from) return value;
    const problem = problemWith(editing.text);
    if (problem !== null) {
      setRefused({ message: `${problem}, so the id stays “${editing.from}”.`, forValue: editing.from });
      return editing.from;
    }
    onRename(editing.text);
    return editing.text;
  };

  return (
    <>
      <input
        className={className}
        value={editing?.text ?? value}
        onFocus={() => setEditing({ text: value, from: value })}
        onChange={(e) => {
          setEditing({ text: e.target.value, from: editing?.from ?? value });
          setRefused(null);
        }}
        onBlur={() => {
          commit();
          setEditing(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            const now = commit();
            setEditing({ text: now, from: now });
          } else if (e.key === 'Escape' && editing !== null) {
            setEditing({ text: editing.from, from: editing.from });
            setRefused(null);
          }
        }}
        spellCheck={false}
        aria-label={ariaLabel}
        aria-invalid={message !== null}
        aria-describedby={message !== null ? messageId : undefined}
      />
      {message !== null && (
        <span id={messageId} className="design-form__error" role="alert">
          {message}
        </span>
      )}
    </>
  );
}

/**
 * A number typed as text: the draft gets the number once the text reads as one (nothing when
 * empty), while half-typed text ("-", "2.") stays in the box instead of being rewritten. The
 * text is kept with the value it was typed for, so a change from the JSON still shows.
 */
function NumberField({
  label,
  ariaLabel,
  value,
  onChange,
  inline = false,
}: {
  label: string;
  ariaLabel: string;
  value: number | undefined;
  onChange: (value: number | undefined) => void;
  inline?: boolean;
}) {
  const [typed, setTyped] = useState({ text: value === undefined ? '' : String(value), forValue: value });
  const shown = typed.forValue === value ? typed.text : value === undefined ? '' : String(value);
  return (
    <label className={inline ? 'design-form__inline' : 'design-form__field'}>
      {label}
      <input
        className="design-form__number"
        inputMode="decimal"
        value={shown}
        aria-invalid={shown.trim() !== '' && textMeans(shown) === undefined}
        onChange={(e) => {
          const text = e.target.value;
          const next = textMeans(text);
          if (next !== undefined || text.trim() === '') {
            setTyped({ text, forValue: next });
            onChange(next);
          } else {
            setTyped({ text, forValue: value });
          }
        }}
        aria-label={ariaLabel}
      />
    </label>
  );
}

function textMeans(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
