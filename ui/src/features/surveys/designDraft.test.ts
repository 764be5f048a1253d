import { describe, expect, it } from 'vitest';
import {
  addChoice,
  addQuestion,
  addSkipRule,
  changeType,
  choiceIdProblem,
  conditionOn,
  conditionTest,
  draftJson,
  freshId,
  moveChoice,
  moveQuestion,
  pipeableIds,
  pipedIds,
  prettyJson,
  questionIdProblem,
  questionsOf,
  readDraft,
  referenceProblems,
  removeQuestion,
  removeSkipRule,
  renameChoice,
  renameQuestion,
  setChoiceField,
  setDisplayIf,
  setIntro,
  toggleChosen,
  updateQuestion,
} from './designDraft';
import type { DesignDraft } from './designDraft';

const survey: DesignDraft = {
  format: 'profitwheel-survey',
  version: 1,
  title: 'Gift box',
  questions: [
    {
      id: 'aware', type: 'single_choice', text: 'Heard of us?',
      options: [ { id: 'yes', label: 'Yes' }, { id: 'no', label: 'No' } ],
      skip: [ { if: { question: 'aware', chose: ['no'] }, to: 'intent' } ],
    },
    { id: 'liking', type: 'likert', text: 'You said {{aware}}. Like us?', points: 5, labels: ['Low', 'High'], anchors: [['a', 'b', 'c', 'd', 'e']] },
    { id: 'why', type: 'open', text: 'Why {{liking}}?', display_if: { all: [ { question: 'aware', chose: ['yes'] }, { answered: 'liking' } ] } },
    { id: 'intent', type: 'nps', text: 'Recommend?' },
  ],
};

describe('readDraft', () => {
  it('reads a survey file as its draft, keeping fields the form does not edit', () => {
    const read = readDraft(JSON.stringify(survey));
    expect(read.problem).toBeNull();
    expect(read.draft).toEqual(survey);
  });

  it('says why the form cannot show JSON that does not parse or does not fit', () => {
    expect(readDraft('{"title": ').problem).toMatch(/^the JSON does not parse/);
    expect(readDraft('[1, 2]').problem).toBe('the file is not one JSON object');
    expect(readDraft('{"questions": {}}').problem).toBe('"questions" is not a list of questions');
    expect(readDraft('{"questions": [{"id": "a", "options": [{"id": 1}]}]}').problem).toBe(
      'question 1: "options" is not a list of { "id", "label" }',
    );
    expect(readDraft('{"questions": [{"id": "a"}, {"id": "b", "points": "5"}]}').problem).toBe('question 2: "points" is not a number');
    expect(readDraft('{"questions": [{"id": "a", "skip": [{"if": {"chose": "no"}, "to": "end"}]}]}').problem).toBe(
      'question 1: "skip" is not a list of { "if", "to" } rules',
    );
  });

  it('reads a file without questions as an empty design (the backend names what is missing)', () => {
    expect(readDraft('{"format": "profitwheel-survey"}')).toEqual({ draft: { format: 'profitwheel-survey' }, problem: null });
  });
});

describe('writing', () => {
  it('pretty-prints with a 2-space indent, and leaves unparsable text for the backend to name', () => {
    expect(draftJson({ title: 'T', questions: [] })).toBe('{\n  "title": "T",\n  "questions": []\n}');
    expect(prettyJson('{"a":[1,2]}')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(prettyJson('{"a":')).toBe('{"a":');
  });

  it('leaves an empty intro out, as the format writes it', () => {
    expect(setIntro({ title: 'T', intro: 'Hi' }, '')).toEqual({ title: 'T' });
    expect(Object.keys(setIntro({ title: 'T', questions: [] }, 'Hi'))).toEqual(['title', 'questions', 'intro']);
  });
});

describe('questions', () => {
  it('adds a question of each type with what the type needs and a fresh id', () => {
    const added = addQuestion(addQuestion(survey, 'matrix'), 'multiple_choice');
    const [matrix, choice] = questionsOf(added).slice(4);
    expect(matrix).toEqual({
      id: 'q5', type: 'matrix', text: '', points: 5, labels: ['Poor', 'Excellent'],
      rows: [ { id: 'row_1', label: 'Row 1' }, { id: 'row_2', label: 'Row 2' } ],
    });
    expect(choice).toEqual({
      id: 'q6', type: 'multiple_choice', text: '',
      options: [ { id: 'option_1', label: 'Option 1' }, { id: 'option_2', label: 'Option 2' } ],
    });
    expect(questionsOf(addQuestion({}, 'open'))).toEqual([{ id: 'q1', type: 'open', text: '' }]);
    expect(freshId('q', ['q1', 'q2', 'q4'], 2)).toBe('q3');
  });

  it('moves a question within bounds', () => {
    expect(questionsOf(moveQuestion(survey, 1, -1)).map((q) => q.id)).toEqual(['liking', 'aware', 'why', 'intent']);
    expect(questionsOf(moveQuestion(survey, 3, 1)).map((q) => q.id)).toEqual(['aware', 'liking', 'why', 'intent']);
  });

  it('drops the fields a new type refuses and adds what it needs, keeping options between choice types', () => {
    const [aware, liking] = questionsOf(survey);
    expect(changeType(aware, 'ranking')).toEqual({ ...aware, type: 'ranking' });
    expect(changeType(liking, 'numeric')).toEqual({ id: 'liking', type: 'numeric', text: 'You said {{aware}}. Like us?' });
    const multiple = changeType({ ...aware, randomize: true }, 'multiple_choice');
    expect(changeType({ ...multiple, max_choices: 1 }, 'single_choice')).toEqual({ ...aware, type: 'single_choice', randomize: true });
    expect(changeType({ id: 'x', type: 'open', text: 't' }, 'likert')).toEqual({
      id: 'x', type: 'likert', text: 't', points: 5, labels: ['Strongly disagree', 'Strongly agree'],
    });
  });

  it('renames a question and the logic and piping that name it', () => {
    const renamed = questionsOf(renameQuestion(survey, 0, 'heard'));
    expect(renamed[0].id).toBe('heard');
    expect(renamed[0].skip).toEqual([{ if: { question: 'heard', chose: ['no'] }, to: 'intent' }]);
    expect(renamed[1].text).toBe('You said {{heard}}. Like us?');
    expect(renamed[2].display_if).toEqual({ all: [ { question: 'heard', chose: ['yes'] }, { answered: 'liking' } ] });
    expect(questionsOf(renameQuestion(survey, 3, 'buy'))[0].skip?.[0].to).toBe('buy');
  });

  it('leaves references alone when the new id is another question’s', () => {
    const renamed = questionsOf(renameQuestion(survey, 0, 'liking'));
    expect(renamed[0].id).toBe('liking');
    expect(renamed[0].skip?.[0].if).toEqual({ question: 'aware', chose: ['no'] });
    expect(renamed[1].text).toBe('You said {{aware}}. Like us?');
  });

  it('names why a question cannot take an id: none, or another question’s', () => {
    expect(questionIdProblem(survey, 0, 'heard')).toBeNull();
    expect(questionIdProblem(survey, 0, 'aware')).toBeNull();
    expect(questionIdProblem(survey, 0, '')).toBe('A question needs an id');
    expect(questionIdProblem(survey, 0, ' ')).toBe('A question needs an id');
    expect(questionIdProblem(survey, 0, 'why')).toBe('“why” is already question 3’s id');
  });

  it('lists the earlier questions that can be piped, leaving out grids', () => {
    const draft = addQuestion(updateQuestion(survey, 2, (q) => changeType(q, 'matrix')), 'open');
    expect(pipeableIds(draft, 0)).toEqual([]);
    expect(pipeableIds(draft, 4)).toEqual(['aware', 'liking', 'intent']);
  });
});

describe('options', () => {
  const aware = questionsOf(survey)[0];

  it('adds, moves, relabels and anchors options', () => {
    let q = addChoice(aware, 'options');
    expect(q.options?.[2]).toEqual({ id: 'option_3', label: 'Option 3' });
    q = moveChoice(q, 'options', 2, -1);
    expect(q.options?.map((o) => o.id)).toEqual(['yes', 'option_3', 'no']);
    q = setChoiceField(q, 'options', 1, 'label', 'Not sure');
    q = setChoiceField(q, 'options', 1, 'anchored', true);
    expect(q.options?.[1]).toEqual({ id: 'option_3', label: 'Not sure', anchored: true });
    expect(setChoiceField(q, 'options', 1, 'anchored', false).options?.[1]).toEqual({ id: 'option_3', label: 'Not sure' });
  });

  it('names why an option cannot take an id: none, or another option’s on the same question', () => {
    expect(choiceIdProblem(aware, 'options', 1, 'never')).toBeNull();
    expect(choiceIdProblem(aware, 'options', 1, 'aware')).toBeNull();
    expect(choiceIdProblem(aware, 'options', 1, '')).toBe('An option needs an id');
    expect(choiceIdProblem(aware, 'options', 1, 'yes')).toBe('“yes” is already option 1’s id');
    expect(choiceIdProblem({ rows: [{ id: 'a' }, { id: 'b' }] }, 'rows', 0, 'b')).toBe('“b” is already row 2’s id');
  });

  it('renames an option where a chose test reads it', () => {
    const renamed = questionsOf(renameChoice(survey, 0, 'options', 1, 'never'));
    expect(renamed[0].options?.[1]).toEqual({ id: 'never', label: 'No' });
    expect(renamed[0].skip?.[0].if).toEqual({ question: 'aware', chose: ['never'] });
    expect(questionsOf(renameChoice(survey, 0, 'options', 0, 'sure'))[2].display_if).toEqual({
      all: [ { question: 'aware', chose: ['sure'] }, { answered: 'liking' } ],
    });
  });
});

describe('logic', () => {
  const [aware, liking, why, intent] = questionsOf(survey);

  it('names the test a condition makes', () => {
    expect(conditionTest({ question: 'a', chose: [] })).toBe('chose');
    expect(conditionTest({ question: 'a', at_most: 2 })).toBe('range');
    expect(conditionTest({ answered: 'a' })).toBe('answered');
    expect(conditionTest(why.display_if ?? {})).toBe('combined');
    expect(conditionTest({ question: 'liking' }, 'likert')).toBe('range');
    expect(conditionTest({ question: 'aware' }, 'single_choice')).toBe('chose');
  });

  it('starts a condition from a threshold worth testing', () => {
    expect(conditionOn(aware)).toEqual({ question: 'aware', chose: [] });
    expect(conditionOn(liking)).toEqual({ question: 'liking', at_least: 5 });
    expect(conditionOn(intent)).toEqual({ question: 'intent', at_least: 9 });
    expect(conditionOn(why)).toEqual({ answered: 'why' });
    expect(conditionOn(aware, 'answered')).toEqual({ answered: 'aware' });
    expect(toggleChosen(toggleChosen({ question: 'aware', chose: [] }, 'no', true), 'yes', true)).toEqual({ question: 'aware', chose: ['no', 'yes'] });
    expect(toggleChosen({ question: 'aware', chose: ['no', 'yes'] }, 'no', false)).toEqual({ question: 'aware', chose: ['yes'] });
  });

  it('adds a skip rule on the question’s own answer to the end, and removes the last one with its field', () => {
    const added = questionsOf(addSkipRule(survey, 0))[0];
    expect(added.skip).toEqual([
      { if: { question: 'aware', chose: ['no'] }, to: 'intent' },
      { if: { question: 'aware', chose: [] }, to: 'end' },
    ]);
    expect(removeSkipRule(aware, 0)).not.toHaveProperty('skip');
  });

  it('shows a question only when a test on the one before holds, or always', () => {
    const shown = setDisplayIf(survey, 1, true);
    expect(questionsOf(shown)[1].display_if).toEqual({ question: 'aware', chose: [] });
    expect(questionsOf(setDisplayIf(shown, 1, false))[1]).not.toHaveProperty('display_if');
  });
});

describe('references left behind', () => {
  it('reads piped ids as written', () => {
    expect(pipedIds('You said {{aware}} and {{ liking }}; {{open')).toEqual(['aware', ' liking ']);
  });

  it('finds nothing wrong in a survey whose references all fit', () => {
    expect(questionsOf(survey).map((_, i) => referenceProblems(survey, i))).toEqual([[], [], [], []]);
  });

  it('names piping and conditions on a question that was removed', () => {
    const removed = removeQuestion(survey, 0);
    expect(referenceProblems(removed, 0)).toEqual(['The text pipes in “aware”, which no longer exists']);
    expect(referenceProblems(removed, 1)).toEqual(['The display condition reads “aware”, which no longer exists']);
    expect(referenceProblems(removeQuestion(survey, 3), 0)).toEqual(['Skip rule 1 goes to “intent”, which no longer exists']);
  });

  it('names what a move put out of order: reads of later questions, skips that do not jump ahead', () => {
    // liking, why, aware, intent
    const moved = moveQuestion(moveQuestion(survey, 0, 1), 1, 1);
    expect(referenceProblems(moved, 0)).toEqual(['The text pipes in “aware”, which now comes after this question']);
    expect(referenceProblems(moved, 1)).toEqual(['The display condition reads “aware”, which now comes after this question']);
    expect(referenceProblems(moved, 2)).toEqual(['Skip rule 1 goes to “intent”, which is now the next question anyway']);
    // intent first: aware's rule jumps back.
    const back = moveQuestion(moveQuestion(moveQuestion(survey, 3, -1), 2, -1), 1, -1);
    expect(questionsOf(back).map((q) => q.id)).toEqual(['intent', 'aware', 'liking', 'why']);
    expect(referenceProblems(back, 1)).toEqual([
      'Skip rule 1 goes to “intent”, which now comes before this question (a skip only jumps ahead)',
    ]);
  });

  it('lets a skip rule test its own question but not a later one, and a condition not read itself', () => {
    const draft: DesignDraft = {
      questions: [
        { id: 'a', type: 'nps', text: 'A', skip: [ { if: { question: 'a', at_least: 9 }, to: 'end' }, { if: { answered: 'b' }, to: 'a' } ] },
        { id: 'b', type: 'open', text: 'B {{b}}', display_if: { not: { answered: 'b' } } },
      ],
    };
    expect(referenceProblems(draft, 0)).toEqual([
      'Skip rule 2 tests “b”, which now comes after this question',
      'Skip rule 2 goes to “a”, which is this question',
    ]);
    expect(referenceProblems(draft, 1)).toEqual([
      'The text pipes in “b”, which is this question',
      'The display condition reads “b”, which is this question',
    ]);
  });
});
