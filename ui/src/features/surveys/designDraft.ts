// The survey designer's form edits the survey file itself: a draft is the parsed JSON object and
// every edit returns a new one. Fields the form does not show (anchor sets, combined conditions,
// anything unknown) ride along untouched, so switching between the form and the JSON never
// loses what was typed. Checking the survey stays the backend's job (docs/survey-format.md);
// this module only refuses JSON whose fields the form could not show.

export const QUESTION_TYPES = [
  'single_choice',
  'multiple_choice',
  'likert',
  'nps',
  'numeric',
  'ranking',
  'matrix',
  'open',
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** An option of a choice or ranking question, or a row of a matrix. */
export interface DraftChoice {
  id?: string;
  label?: string;
  anchored?: boolean;
  [field: string]: unknown;
}

/** A condition; the form edits the single tests, `all`/`any`/`not` stay JSON. */
export interface DraftCondition {
  answered?: string;
  question?: string;
  chose?: string[];
  at_least?: number;
  at_most?: number;
  [field: string]: unknown;
}

export interface DraftSkipRule {
  if?: DraftCondition;
  to?: string;
  [field: string]: unknown;
}

export interface DraftQuestion {
  id?: string;
  type?: string;
  text?: string;
  options?: DraftChoice[];
  randomize?: boolean;
  max_choices?: number;
  points?: number;
  labels?: string[];
  rows?: DraftChoice[];
  min?: number;
  max?: number;
  unit?: string;
  display_if?: DraftCondition;
  skip?: DraftSkipRule[];
  [field: string]: unknown;
}

export interface DesignDraft {
  title?: string;
  intro?: string;
  questions?: DraftQuestion[];
  [field: string]: unknown;
}

export type DraftReading = { draft: DesignDraft; problem: null } | { draft: null; problem: string };

export type ChoiceList = 'options' | 'rows';

/** The fields each type takes besides id, type, text and logic. */
const TYPE_FIELDS: Record<QuestionType, readonly string[]> = {
  single_choice: ['options', 'randomize'],
  multiple_choice: ['options', 'randomize', 'max_choices'],
  likert: ['points', 'labels', 'anchors'],
  nps: [],
  numeric: ['min', 'max', 'unit'],
  ranking: ['options', 'randomize'],
  matrix: ['rows', 'points', 'labels', 'anchors'],
  open: [],
};
const TYPE_SPECIFIC_FIELDS = [...new Set(Object.values(TYPE_FIELDS).flat())];

export function isQuestionType(type: unknown): type is QuestionType {
  return (QUESTION_TYPES as readonly unknown[]).includes(type);
}

export function takesOptions(type: unknown): boolean {
  return type === 'single_choice' || type === 'multiple_choice' || type === 'ranking';
}

export function takesScale(type: unknown): boolean {
  return type === 'likert' || type === 'matrix';
}

/** Types whose answer a `chose` test reads. */
export function isChoiceType(type: unknown): boolean {
  return type === 'single_choice' || type === 'multiple_choice';
}

/** Types whose answer an `at_least`/`at_most` test reads. */
export function isRangeType(type: unknown): boolean {
  return type === 'likert' || type === 'nps' || type === 'numeric';
}

// ---------- Reading and writing ----------

/** The draft in a survey file's text, or why the form cannot show it. */
export function readDraft(json: string): DraftReading {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    return { draft: null, problem: `the JSON does not parse (${e instanceof Error ? e.message : String(e)})` };
  }
  if (!isObject(value)) return { draft: null, problem: 'the file is not one JSON object' };
  const problem = surveyShapeProblem(value);
  return problem === null ? { draft: value as DesignDraft, problem: null } : { draft: null, problem };
}

/** The draft as the file is saved: pretty-printed with a 2-space indent. */
export function draftJson(draft: DesignDraft): string {
  return JSON.stringify(draft, null, 2);
}

/** Any JSON text pretty-printed the same way; text that does not parse is left for the backend to name. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldIs(o: Record<string, unknown>, field: string, type: 'string' | 'number' | 'boolean'): boolean {
  return o[field] === undefined || typeof o[field] === type;
}

function isListOf(value: unknown, check: (item: unknown) => boolean): boolean {
  return value === undefined || (Array.isArray(value) && value.every(check));
}

const isText = (item: unknown) => typeof item === 'string';

function isChoice(item: unknown): boolean {
  return isObject(item) && fieldIs(item, 'id', 'string') && fieldIs(item, 'label', 'string') && fieldIs(item, 'anchored', 'boolean');
}

function isCondition(item: unknown): boolean {
  return (
    isObject(item) &&
    fieldIs(item, 'answered', 'string') &&
    fieldIs(item, 'question', 'string') &&
    fieldIs(item, 'at_least', 'number') &&
    fieldIs(item, 'at_most', 'number') &&
    isListOf(item.chose, isText)
  );
}

function isSkipRule(item: unknown): boolean {
  return isObject(item) && fieldIs(item, 'to', 'string') && (item.if === undefined || isCondition(item.if));
}

function surveyShapeProblem(survey: Record<string, unknown>): string | null {
  for (const field of ['title', 'intro']) {
    if (!fieldIs(survey, field, 'string')) return `"${field}" is not text`;
  }
  if (!isListOf(survey.questions, isObject)) return '"questions" is not a list of questions';
  const questions = (survey.questions ?? []) as Record<string, unknown>[];
  for (const [index, q] of questions.entries()) {
    const problem = questionShapeProblem(q);
    if (problem !== null) return `question ${index + 1}: ${problem}`;
  }
  return null;
}

function questionShapeProblem(q: Record<string, unknown>): string | null {
  for (const field of ['id', 'type', 'text', 'unit']) {
    if (!fieldIs(q, field, 'string')) return `"${field}" is not text`;
  }
  if (!fieldIs(q, 'randomize', 'boolean')) return '"randomize" is not true or false';
  for (const field of ['max_choices', 'points', 'min', 'max']) {
    if (!fieldIs(q, field, 'number')) return `"${field}" is not a number`;
  }
  if (!isListOf(q.labels, isText)) return '"labels" is not a list of texts';
  for (const field of ['options', 'rows']) {
    if (!isListOf(q[field], isChoice)) return `"${field}" is not a list of { "id", "label" }`;
  }
  if (q.display_if !== undefined && !isCondition(q.display_if)) return '"display_if" is not a condition';
  if (!isListOf(q.skip, isSkipRule)) return '"skip" is not a list of { "if", "to" } rules';
  return null;
}

// ---------- Small list and object edits ----------

/** `object` with `field` set, or removed when `value` is undefined (the format omits unset fields). */
export function withField<T extends object>(object: T, field: string, value: unknown): T {
  const copy = { ...object } as Record<string, unknown>;
  if (value === undefined) delete copy[field];
  else copy[field] = value;
  return copy as T;
}

/** The list with the item at `index` moved `by` places (kept in bounds). */
export function moveItem<T>(list: readonly T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (to < 0 || to >= list.length) return [...list];
  const moved = [...list];
  [moved[index], moved[to]] = [moved[to], moved[index]];
  return moved;
}

export function replaceItem<T>(list: readonly T[], index: number, item: T): T[] {
  return list.map((old, i) => (i === index ? item : old));
}

export function removeItem<T>(list: readonly T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}

/** `prefix` with the first number from `start` that no id in `taken` has. */
export function freshId(prefix: string, taken: readonly (string | undefined)[], start = 1): string {
  let n = start;
  while (taken.includes(`${prefix}${n}`)) n += 1;
  return `${prefix}${n}`;
}

// ---------- The survey and its questions ----------

export function questionsOf(draft: DesignDraft): DraftQuestion[] {
  return draft.questions ?? [];
}

export function withQuestions(draft: DesignDraft, questions: DraftQuestion[]): DesignDraft {
  return withField(draft, 'questions', questions);
}

/** The title is always written (the format needs it); an empty intro is left out. */
export function setTitle(draft: DesignDraft, title: string): DesignDraft {
  return withField(draft, 'title', title);
}

export function setIntro(draft: DesignDraft, intro: string): DesignDraft {
  return withField(draft, 'intro', intro === '' ? undefined : intro);
}

function choice(id: string, label: string): DraftChoice {
  return { id, label };
}

/** A new question of a type, with what that type needs to be valid except its text. */
export function newQuestion(type: QuestionType, id: string): DraftQuestion {
  const question: DraftQuestion = { id, type, text: '' };
  return { ...question, ...typeDefaults(type) };
}

function typeDefaults(type: QuestionType): Partial<DraftQuestion> {
  if (takesOptions(type)) return { options: [choice('option_1', 'Option 1'), choice('option_2', 'Option 2')] };
  if (type === 'likert') return { points: 5, labels: ['Strongly disagree', 'Strongly agree'] };
  if (type === 'matrix') {
    return { points: 5, labels: ['Poor', 'Excellent'], rows: [choice('row_1', 'Row 1'), choice('row_2', 'Row 2')] };
  }
  return {};
}

export function addQuestion(draft: DesignDraft, type: QuestionType): DesignDraft {
  const questions = questionsOf(draft);
  const id = freshId('q', questions.map((q) => q.id), questions.length + 1);
  return withQuestions(draft, [...questions, newQuestion(type, id)]);
}

export function removeQuestion(draft: DesignDraft, index: number): DesignDraft {
  return withQuestions(draft, removeItem(questionsOf(draft), index));
}

export function moveQuestion(draft: DesignDraft, index: number, by: -1 | 1): DesignDraft {
  return withQuestions(draft, moveItem(questionsOf(draft), index, by));
}

export function updateQuestion(
  draft: DesignDraft,
  index: number,
  change: (question: DraftQuestion) => DraftQuestion,
): DesignDraft {
  const questions = questionsOf(draft);
  return withQuestions(draft, replaceItem(questions, index, change(questions[index])));
}

/**
 * The question of another type: fields the new type refuses are dropped (the format refuses
 * them rather than ignoring them) and what it needs is added; options and scales carry over
 * between types that both take them.
 */
export function changeType(question: DraftQuestion, type: QuestionType): DraftQuestion {
  let changed = withField(question, 'type', type);
  for (const field of TYPE_SPECIFIC_FIELDS) {
    if (!TYPE_FIELDS[type].includes(field)) changed = withField(changed, field, undefined);
  }
  for (const [field, value] of Object.entries(typeDefaults(type))) {
    if (changed[field] === undefined) changed = withField(changed, field, value);
  }
  return changed;
}

/**
 * Why question `index` cannot take `id`, or null: an id is needed, and no other question may
 * have it (logic and piping name questions by id). The form refuses such a rename outright.
 */
export function questionIdProblem(draft: DesignDraft, index: number, id: string): string | null {
  if (id.trim() === '') return 'A question needs an id';
  const other = questionsOf(draft).findIndex((q, i) => i !== index && q.id === id);
  return other < 0 ? null : `“${id}” is already question ${other + 1}’s id`;
}

/**
 * The question with another id, and logic and piping that named the old id following it. The
 * form calls this once per rename (when the id field is left or Enter is pressed), from the id
 * the field started with to the final one. References follow only while both ids are unique:
 * with two questions on one id, which one a reference meant cannot be told.
 */
export function renameQuestion(draft: DesignDraft, index: number, id: string): DesignDraft {
  const questions = questionsOf(draft);
  const old = questions[index].id ?? '';
  const othersUse = (candidate: string) => questions.some((q, i) => i !== index && q.id === candidate);
  const renamed = updateQuestion(draft, index, (q) => withField(q, 'id', id));
  if (old === '' || id === '' || othersUse(old) || othersUse(id)) return renamed;
  return withQuestions(
    renamed,
    questionsOf(renamed).map((q) => renameReferences(q, old, id)),
  );
}

function renameReferences(question: DraftQuestion, from: string, to: string): DraftQuestion {
  let renamed = question;
  if (typeof question.text === 'string' && question.text.includes(`{{${from}}}`)) {
    renamed = withField(renamed, 'text', question.text.split(`{{${from}}}`).join(`{{${to}}}`));
  }
  if (question.display_if !== undefined) {
    renamed = withField(renamed, 'display_if', mapConditions(question.display_if, (c) => renameQuestionIn(c, from, to)));
  }
  if (question.skip !== undefined) {
    renamed = withField(
      renamed,
      'skip',
      question.skip.map((rule) => {
        let r = rule.to === from ? withField(rule, 'to', to) : rule;
        if (rule.if !== undefined) r = withField(r, 'if', mapConditions(rule.if, (c) => renameQuestionIn(c, from, to)));
        return r;
      }),
    );
  }
  return renamed;
}

function renameQuestionIn(condition: DraftCondition, from: string, to: string): DraftCondition {
  let renamed = condition;
  if (condition.question === from) renamed = withField(renamed, 'question', to);
  if (condition.answered === from) renamed = withField(renamed, 'answered', to);
  return renamed;
}

/** Applies `change` to a condition and to every condition nested in its `all`, `any` or `not`. */
function mapConditions(condition: DraftCondition, change: (c: DraftCondition) => DraftCondition): DraftCondition {
  let mapped = change(condition);
  for (const field of ['all', 'any'] as const) {
    const list = condition[field];
    if (Array.isArray(list)) {
      mapped = withField(mapped, field, list.map((c) => (isObject(c) ? mapConditions(c, change) : c)));
    }
  }
  if (isObject(condition.not)) mapped = withField(mapped, 'not', mapConditions(condition.not, change));
  return mapped;
}

/** Every condition of the survey, so renaming an option also renames it where logic tests it. */
function mapAllConditions(draft: DesignDraft, change: (c: DraftCondition) => DraftCondition): DesignDraft {
  return withQuestions(
    draft,
    questionsOf(draft).map((q) => {
      let mapped = q;
      if (q.display_if !== undefined) mapped = withField(mapped, 'display_if', mapConditions(q.display_if, change));
      if (q.skip !== undefined) {
        mapped = withField(
          mapped,
          'skip',
          q.skip.map((rule) => (rule.if === undefined ? rule : withField(rule, 'if', mapConditions(rule.if, change)))),
        );
      }
      return mapped;
    }),
  );
}

/** Questions whose answer `{{id}}` can pipe into question `index`: the earlier ones, except grids. */
export function pipeableIds(draft: DesignDraft, index: number): string[] {
  return questionsOf(draft)
    .slice(0, index)
    .filter((q) => q.type !== 'matrix' && q.id)
    .map((q) => q.id as string);
}

// ---------- Options and matrix rows ----------

export function choicesOf(question: DraftQuestion, list: ChoiceList): DraftChoice[] {
  return question[list] ?? [];
}

export function addChoice(question: DraftQuestion, list: ChoiceList): DraftQuestion {
  const choices = choicesOf(question, list);
  const prefix = list === 'options' ? 'option_' : 'row_';
  const id = freshId(prefix, choices.map((c) => c.id), choices.length + 1);
  const label = `${list === 'options' ? 'Option' : 'Row'} ${id.slice(prefix.length)}`;
  return withField(question, list, [...choices, choice(id, label)]);
}

export function removeChoice(question: DraftQuestion, list: ChoiceList, index: number): DraftQuestion {
  return withField(question, list, removeItem(choicesOf(question, list), index));
}

export function moveChoice(question: DraftQuestion, list: ChoiceList, index: number, by: -1 | 1): DraftQuestion {
  return withField(question, list, moveItem(choicesOf(question, list), index, by));
}

export function setChoiceField(
  question: DraftQuestion,
  list: ChoiceList,
  index: number,
  field: 'label' | 'anchored',
  value: string | boolean,
): DraftQuestion {
  const choices = choicesOf(question, list);
  // An unanchored option is written without the flag, as the format writes it.
  const written = field === 'anchored' && value === false ? undefined : value;
  return withField(question, list, replaceItem(choices, index, withField(choices[index], field, written)));
}

/** Why choice `index` of a question cannot take `id`, or null: one is needed, unique in its list. */
export function choiceIdProblem(question: DraftQuestion, list: ChoiceList, index: number, id: string): string | null {
  const word = list === 'options' ? 'option' : 'row';
  if (id.trim() === '') return `${word === 'option' ? 'An option' : 'A row'} needs an id`;
  const other = choicesOf(question, list).findIndex((c, i) => i !== index && c.id === id);
  return other < 0 ? null : `“${id}” is already ${word} ${other + 1}’s id`;
}

/**
 * An option's new id, and the `chose` tests on its question following it (while both ids are
 * unique among its options, as for question ids). The form calls it once per rename, as for
 * questions.
 */
export function renameChoice(draft: DesignDraft, questionIndex: number, list: ChoiceList, index: number, id: string): DesignDraft {
  const question = questionsOf(draft)[questionIndex];
  const choices = choicesOf(question, list);
  const old = choices[index].id ?? '';
  const renamed = updateQuestion(draft, questionIndex, (q) =>
    withField(q, list, replaceItem(choices, index, withField(choices[index], 'id', id))),
  );
  const othersUse = (candidate: string) => choices.some((c, i) => i !== index && c.id === candidate);
  if (list === 'rows' || old === '' || id === '' || othersUse(old) || othersUse(id) || !question.id) {
    return renamed;
  }
  return mapAllConditions(renamed, (c) =>
    c.question === question.id && Array.isArray(c.chose)
      ? withField(c, 'chose', c.chose.map((chosen) => (chosen === old ? id : chosen)))
      : c,
  );
}

// ---------- Logic ----------

export type ConditionTest = 'chose' | 'range' | 'answered' | 'combined';

/**
 * Which single test a condition is; `combined` for `all`, `any` and `not`, which stay JSON. A
 * test on a question with neither bound nor options yet (both range boxes emptied) is read by
 * the type of the question it tests.
 */
export function conditionTest(condition: DraftCondition, testedType?: unknown): ConditionTest {
  if (condition.all !== undefined || condition.any !== undefined || condition.not !== undefined) return 'combined';
  if (condition.answered !== undefined) return 'answered';
  if (condition.chose !== undefined) return 'chose';
  if (condition.at_least !== undefined || condition.at_most !== undefined) return 'range';
  if (condition.question === undefined) return 'answered';
  return isRangeType(testedType) ? 'range' : 'chose';
}

/** The question a single test reads. */
export function conditionQuestion(condition: DraftCondition): string {
  return condition.question ?? condition.answered ?? '';
}

/** The tests that apply to a question's answer. */
export function testsFor(question: DraftQuestion | undefined): ConditionTest[] {
  if (question === undefined) return ['answered'];
  if (isChoiceType(question.type)) return ['chose', 'answered'];
  if (isRangeType(question.type)) return ['range', 'answered'];
  return ['answered'];
}

/** A condition of a given test on a question, starting from a threshold worth testing. */
export function conditionOn(question: DraftQuestion, test: ConditionTest = testsFor(question)[0]): DraftCondition {
  const id = question.id ?? '';
  if (test === 'chose') return { question: id, chose: [] };
  if (test === 'range') {
    // The top box of a scale, promoters for NPS, anything above the floor of a number.
    const least = question.type === 'likert' ? (question.points ?? 5) : question.type === 'nps' ? 9 : (question.min ?? 0);
    return { question: id, at_least: least };
  }
  return { answered: id };
}

export function toggleChosen(condition: DraftCondition, option: string, chosen: boolean): DraftCondition {
  const current = condition.chose ?? [];
  const next = chosen ? (current.includes(option) ? current : [...current, option]) : current.filter((o) => o !== option);
  return withField(condition, 'chose', next);
}

/** A new skip rule on question `index`: its own answer, to the end (the usual screen-out). */
export function addSkipRule(draft: DesignDraft, index: number): DesignDraft {
  return updateQuestion(draft, index, (q) => withField(q, 'skip', [...(q.skip ?? []), { if: conditionOn(q), to: 'end' }]));
}

export function setSkipRule(question: DraftQuestion, index: number, rule: DraftSkipRule): DraftQuestion {
  return withField(question, 'skip', replaceItem(question.skip ?? [], index, rule));
}

export function removeSkipRule(question: DraftQuestion, index: number): DraftQuestion {
  const rules = removeItem(question.skip ?? [], index);
  return withField(question, 'skip', rules.length === 0 ? undefined : rules);
}

/** Question `index` shown only when a test on the question before it holds, or always. */
export function setDisplayIf(draft: DesignDraft, index: number, on: boolean): DesignDraft {
  const before = questionsOf(draft)[index - 1];
  return updateQuestion(draft, index, (q) =>
    withField(q, 'display_if', on && before !== undefined ? conditionOn(before) : undefined),
  );
}


// ---------- References that no longer fit ----------

/** The ids a text pipes in with `{{id}}`, taken as written, as the backend reads them. */
export function pipedIds(text: string): string[] {
  const ids: string[] = [];
  let rest = text;
  for (let start = rest.indexOf('{{'); start >= 0; start = rest.indexOf('{{')) {
    const after = rest.slice(start + 2);
    const end = after.indexOf('}}');
    if (end < 0) break;
    ids.push(after.slice(0, end));
    rest = after.slice(end + 2);
  }
  return ids;
}

/** The question ids a condition reads, nested tests included. */
function conditionReads(condition: DraftCondition): string[] {
  const ids: string[] = [];
  mapConditions(condition, (c) => {
    for (const id of [c.question, c.answered]) if (typeof id === 'string' && id !== '') ids.push(id);
    return c;
  });
  return ids;
}

/**
 * What in question `index` names a question that no longer exists or is no longer where it must
 * be (the backend refuses the survey on save): display conditions and piping read earlier
 * questions, skip rules test up to this one and jump past the next. In words, one per problem;
 * after a question is removed or moved, this says which references it left behind.
 */
export function referenceProblems(draft: DesignDraft, index: number): string[] {
  const questions = questionsOf(draft);
  const question = questions[index];
  const at = (id: string) => questions.findIndex((q) => q.id === id);
  const problems: string[] = [];
  const note = (problem: string) => {
    if (!problems.includes(problem)) problems.push(problem);
  };
  // Where a read question must be: before this one, or (a skip rule's test) up to this one.
  const read = (what: string, id: string, upTo: number) => {
    const position = at(id);
    if (position < 0) note(`${what} “${id}”, which no longer exists`);
    else if (position === index && upTo < index) note(`${what} “${id}”, which is this question`);
    else if (position > upTo) note(`${what} “${id}”, which now comes after this question`);
  };
  if (typeof question.text === 'string') {
    for (const id of pipedIds(question.text)) read('The text pipes in', id, index - 1);
  }
  if (question.display_if !== undefined) {
    for (const id of conditionReads(question.display_if)) read('The display condition reads', id, index - 1);
  }
  (question.skip ?? []).forEach((rule, n) => {
    const name = `Skip rule ${n + 1}`;
    if (rule.if !== undefined) for (const id of conditionReads(rule.if)) read(`${name} tests`, id, index);
    const to = rule.to;
    if (to === undefined || to === '' || to === 'end') return;
    const position = at(to);
    if (position < 0) note(`${name} goes to “${to}”, which no longer exists`);
    else if (position === index) note(`${name} goes to “${to}”, which is this question`);
    else if (position < index) note(`${name} goes to “${to}”, which now comes before this question (a skip only jumps ahead)`);
    else if (position === index + 1) note(`${name} goes to “${to}”, which is now the next question anyway`);
  });
  return problems;
}
