import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../App';
import type {
  SurveyDesignView,
  SurveyReportView,
  SurveyResultsView,
  SurveyRunView,
} from '../../ipc/backend';
import { job, workspace } from '../../test/fixtures';
import { callsTo, ipcError, mockBackend } from '../../test/ipc';
import type { Handler } from '../../test/ipc';

const design: SurveyDesignView = {
  summary: { id: 'sv-1', title: 'Gift box', questions: 2, version: 1, updatedAt: '2026-11-29T09:00:00.000Z' },
  intro: '',
  json: '{"format": "profitwheel-survey"}',
  questions: [
    {
      id: 'aware', kind: 'single_choice', text: 'Heard of us?', randomized: false, points: null, labels: [], rows: [],
      options: [ { id: 'yes', label: 'Yes' }, { id: 'no', label: 'No' } ],
      logic: ['Skips to "like" if "aware" chose no'],
    },
    { id: 'like', kind: 'likert', text: 'I like the brand.', randomized: false, points: 5, labels: ['Low', 'High'], rows: [], options: [], logic: [] },
  ],
};

const run: SurveyRunView = {
  id: 'run-1', surveyId: 'sv-1', title: 'Gift box — 50 respondents', status: 'completed', statusNote: '',
  respondents: 50, answered: 50, seed: '7', jobId: 'job-run', answeringModel: 'local/smol', embeddingModel: 'local/minilm',
  createdAt: '2026-11-29T09:00:00.000Z',
  universe: [ { name: 'segment', source: "the workspace's audiences", categories: [ { key: 'a', label: 'Coffee lovers', target: 1 } ] } ],
};

const results: SurveyResultsView = {
  run, title: 'Gift box',
  weighting: { table: 'W:weights', weighted: true, converged: true, designEffect: 1.2, effectiveBase: 41, unfilled: [], trimmedWeights: 0, iterations: 3, margins: [ { dimension: 'segment', category: 'Coffee lovers', target: 1, sample: 1, weighted: 1 } ] },
  questions: [
    {
      table: 'Q:aware', questionId: 'aware', text: 'Heard of us?', kind: 'single_choice', asked: 50, answered: 50, nonResponses: [], effectiveBase: 41,
      shares: [ { key: 'yes', label: 'Yes', share: 0.62, low: 0.47, high: 0.75, count: 31 }, { key: 'no', label: 'No', share: 0.38, low: 0.25, high: 0.53, count: 19 } ],
      mean: null, netPromoter: null, ranks: [], rows: [], themes: null,
      diagnostics: { reliability: 'confirm_with_people', reasons: ['The answers moved with the order of the options.'], spreadRatio: null, spreadReference: null, rSquared: null, humanRSquared: null, order: { option: 'Yes', forwardShare: 0.8, reversedShare: 0.44, difference: -0.36, low: -0.6, high: -0.1, qValue: 0.01 }, nonResponseShare: 0 },
    },
    {
      table: 'Q:like', questionId: 'like', text: 'I like the brand.', kind: 'likert', asked: 31, answered: 30, nonResponses: [ { reason: 'the rating could not be made', count: 1 } ], effectiveBase: 25,
      shares: [1, 2, 3, 4, 5].map((p) => ({ key: String(p), label: String(p), share: 0.2, low: 0.1, high: 0.35, count: 6 })),
      mean: { value: 3.1, low: 2.8, high: 3.4, standardDeviation: 1.3 }, netPromoter: null, ranks: [], rows: [], themes: null,
      diagnostics: { reliability: 'no_warning', reasons: [], spreadRatio: 1.08, spreadReference: 'expected', rSquared: 0.05, humanRSquared: null, order: null, nonResponseShare: 0.03 },
    },
  ],
};

function backendWith(handlers: Record<string, Handler>) {
  return mockBackend({
    list_jobs: () => [],
    list_workspaces: () => [workspace({ id: 'ws-1', name: 'Halcyon' })],
    list_surveys: () => [design.summary],
    get_survey: () => design,
    list_survey_runs: () => [run],
    list_human_sets: () => [],
    get_survey_report: () => null,
    preview_survey: (args) => {
      const { answers } = args.request as { answers: { questionId: string; value: string }[] };
      return design.questions.map((q) => ({
        questionId: q.id,
        shown: !(q.id === 'like' && answers.some((a) => a.questionId === 'aware' && a.value === 'no')),
        reason: q.id === 'like' ? 'skipped by a rule of "aware"' : null,
      }));
    },
    ...handlers,
  });
}

function openAt(hash: string) {
  window.history.replaceState(null, '', `/${hash}`);
  render(<App />);
}

describe('Surveys', () => {
  it('lists the surveys and starts one from the template', async () => {
    const calls = backendWith({ import_survey: () => design });
    openAt('#/w/ws-1/surveys');
    expect(await screen.findByRole('link', { name: 'Gift box' })).toHaveAttribute('href', '#/w/ws-1/surveys/sv-1');
    await userEvent.click(screen.getByTestId('new-survey'));
    await waitFor(() => expect(callsTo(calls, 'import_survey')).toHaveLength(1));
    expect(JSON.parse((callsTo(calls, 'import_survey')[0].args as { request: { json: string } }).request.json).questions).toHaveLength(5);
    expect(await screen.findByTestId('survey-outline')).toHaveTextContent('Skips to "like" if "aware" chose no');
  });

  it('previews the logic and starts a run drawn to the census as a job', async () => {
    const calls = backendWith({
      start_survey_run: () => ({ run: { ...run, status: 'queued', answered: 0 }, job: job({ id: 'job-run', kind: 'surveys.run', state: 'queued' }) }),
      get_survey_run: () => ({ ...run, status: 'queued', answered: 0 }),
    });
    openAt('#/w/ws-1/surveys/sv-1');
    const preview = await screen.findByTestId('survey-preview');
    await userEvent.selectOptions(within(preview).getByLabelText('Answer to aware'), 'no');
    await waitFor(() => expect(within(preview).getByText(/not shown: skipped by a rule/)).toBeInTheDocument());

    await userEvent.clear(screen.getByTestId('run-size'));
    await userEvent.type(screen.getByTestId('run-size'), '120');
    await userEvent.click(screen.getByTestId('run-start'));
    await waitFor(() => expect(callsTo(calls, 'start_survey_run')).toHaveLength(1));
    expect(callsTo(calls, 'start_survey_run')[0].args).toEqual({
      request: {
        workspaceId: 'ws-1', surveyId: 'sv-1', respondents: 120, seed: null, concurrency: 8,
        census: true, income: false, education: [], humanSetId: null,
      },
    });
    expect(await screen.findByTestId('run-status')).toHaveTextContent('0 of 50 respondents answered');
  });

  it('shows each question as a chart with its interval and the reliability flag with its reasons', async () => {
    backendWith({
      get_survey_run: () => run,
      get_survey_results: () => results,
      get_survey_crosstab: () => ({
        table: 'X:aware×segment', answer: 'aware', grouping: 'segment', rows: ['Yes', 'No'], columns: ['Coffee lovers'], letters: ['A'],
        shares: [[0.62], [0.38]], higherThan: [[''], ['']], effectiveBases: [41], lowBaseColumns: [], chiSquare: null,
      }),
    });
    openAt('#/w/ws-1/surveys/sv-1/runs/run-1');
    const chart = await screen.findByTestId('chart-aware');
    expect(within(chart).getAllByTestId('share-row')).toHaveLength(2);
    expect(within(chart).getByRole('img', { name: 'Yes: 62%, 95% interval 47% to 75%' })).toBeInTheDocument();
    const flags = screen.getAllByTestId('reliability');
    expect(flags[0]).toHaveAttribute('data-reliability', 'confirm_with_people');
    expect(flags[0]).toHaveTextContent('The answers moved with the order of the options.');
    expect(flags[1]).toHaveTextContent('No warning sign');
    expect(screen.getByText(/No answer from 1: the rating could not be made/)).toBeInTheDocument();
    expect(await screen.findByTestId('crosstab-table')).toHaveTextContent('Coffee lovers');
    expect(screen.getByTestId('margin-table')).toHaveTextContent('Coffee lovers');

    // The crosstab goes into the client deck the builder keeps, once.
    window.localStorage.setItem(
      'profitwheel.deckSpec.ws-1',
      JSON.stringify({ title: 'Review', subtitle: '', objectives: [], sections: [], slides: [], slideOrder: [] }),
    );
    await userEvent.click(screen.getByTestId('crosstab-to-deck'));
    expect(await screen.findByText('Added to the client deck (Decks).')).toBeInTheDocument();
    const deck = JSON.parse(window.localStorage.getItem('profitwheel.deckSpec.ws-1') ?? '{}') as {
      sections: { kind: string; key: string; question: string; dimension: string }[];
    };
    expect(deck.sections).toHaveLength(1);
    expect(deck.sections[0]).toMatchObject({ kind: 'crosstab', question: 'aware', dimension: 'segment' });
    await userEvent.click(screen.getByTestId('crosstab-to-deck'));
    expect(await screen.findByText('The client deck has this crosstab already.')).toBeInTheDocument();
    window.localStorage.removeItem('profitwheel.deckSpec.ws-1');
  });

  it('exports and compares the results at the rating temperature the screen reads them at', async () => {
    const calls = backendWith({
      get_survey_run: () => run,
      get_survey_results: () => results,
      get_survey_crosstab: () => null,
      list_human_sets: () => [ { id: 'hs-1', surveyId: 'sv-1', name: 'panel.csv', rows: 3, skipped: [], questions: [], dimensions: [], createdAt: '2026-11-29T09:00:00.000Z' } ],
      get_survey_fidelity: () => null,
      export_survey_results: () => '/exports/gift-box.csv',
    });
    openAt('#/w/ws-1/surveys/sv-1/runs/run-1');
    await screen.findByTestId('survey-results');
    await userEvent.selectOptions(screen.getByLabelText('Rating temperature'), '1.5');
    await userEvent.click(screen.getByTestId('export-csv'));
    await waitFor(() => expect(callsTo(calls, 'export_survey_results')).toHaveLength(1));
    expect(callsTo(calls, 'export_survey_results')[0].args).toEqual({ request: { runId: 'run-1', format: 'csv', weighted: true, temperature: 1.5 } });
    await waitFor(() =>
      expect(callsTo(calls, 'get_survey_fidelity').map((c) => (c.args as { request: { temperature: number } }).request.temperature)).toContain(1.5),
    );
  });

  it('writes the report as a job and opens each citation as the table the model read', async () => {
    const report: SurveyReportView = {
      id: 'rep-1', runId: 'run-1', version: 2, writtenBy: 'local/smol', weighted: true, temperature: 1,
      itemsChecked: 4, itemsDropped: 1, createdAt: '2026-11-29T09:00:00.000Z',
      findings: [ { text: '62% have heard of us.', tables: ['Q:aware'] } ],
      segments: [],
      implications: [ { text: 'Awareness is the first thing to test with people.', tables: ['Q:aware'] } ],
      actions: [],
      caveats: [
        { text: 'Every answer here is synthetic: 50 respondents.', tables: ['W:weights'] },
        { text: '“Heard of us?”: confirm with real respondents before acting.', tables: ['D:aware'] },
      ],
      dropped: [ { section: 'findings', text: '70% love us.', tables: ['Q:aware'], reason: '70 is not a figure of the tables it cites' } ],
      tables: [
        { table: 'W:weights', line: 'W:weights: 50 respondents', shown: true },
        { table: 'Q:aware', line: 'Q:aware “Heard of us?”: Yes 62% (47–75%)', shown: true },
        { table: 'D:aware', line: 'D:aware: confirm with real respondents before acting', shown: false },
      ],
    };
    const calls = backendWith({
      get_survey_run: () => run,
      get_survey_results: () => results,
      get_survey_crosstab: () => null,
      get_survey_report: () => report,
      start_survey_report: () => job({ id: 'job-report', kind: 'surveys.report', state: 'queued' }),
    });
    openAt('#/w/ws-1/surveys/sv-1/runs/run-1');
    const card = await screen.findByTestId('report-body');
    expect(within(card).getByTestId('report-dropped')).toHaveTextContent('1 of 4 items the model wrote were dropped');
    expect(within(card).getByTestId('report-findings')).toHaveTextContent('62% have heard of us.');
    expect(within(card).getByTestId('report-segments')).toHaveTextContent('No difference between groups held up');
    expect(within(card).getByTestId('report-caveats')).toHaveTextContent('Every answer here is synthetic');
    expect(within(card).getByTestId('report-left-out')).toHaveTextContent('70 is not a figure of the tables it cites');
    await userEvent.click(within(within(card).getByTestId('report-findings')).getByRole('button', { name: 'Q:aware' }));
    expect(within(card).getByTestId('report-line')).toHaveTextContent('Yes 62% (47–75%)');
    // A caveat may cite a table the model's context could not hold; the line says so.
    await userEvent.click(within(within(card).getByTestId('report-caveats')).getByRole('button', { name: 'D:aware' }));
    expect(within(within(card).getByTestId('report-caveats')).getByTestId('report-line')).toHaveTextContent('(not shown to the model)');

    await userEvent.click(screen.getByTestId('write-report'));
    await waitFor(() => expect(callsTo(calls, 'start_survey_report')).toHaveLength(1));
    expect(callsTo(calls, 'start_survey_report')[0].args).toEqual({ request: { runId: 'run-1', weighted: true, temperature: 1 } });
  });

  it("says when the model gave no usable answer, and a same-titled run's report job elsewhere is not this one's", async () => {
    const report: SurveyReportView = {
      id: 'rep-2', runId: 'run-1', version: 1, writtenBy: 'no usable answer: the tables did not fit the model\'s 2048 tokens (2300 asked)',
      weighted: true, temperature: 1, itemsChecked: 0, itemsDropped: 0, createdAt: '2026-11-29T09:00:00.000Z',
      findings: [], segments: [], implications: [], actions: [],
      caveats: [ { text: 'Every answer here is synthetic: 50 respondents.', tables: ['W:weights'] } ],
      dropped: [], tables: [ { table: 'W:weights', line: 'W:weights: 50 respondents', shown: false } ],
    };
    backendWith({
      list_jobs: () => [job({ id: 'job-other', kind: 'surveys.report', state: 'running', title: `Report: ${run.title} (seed ${run.seed})`, workspaceId: 'ws-2' })],
      get_survey_run: () => run,
      get_survey_results: () => results,
      get_survey_crosstab: () => null,
      get_survey_report: () => report,
    });
    openAt('#/w/ws-1/surveys/sv-1/runs/run-1');
    const note = await screen.findByTestId('report-dropped');
    expect(note).toHaveTextContent("The model gave no usable answer (the tables did not fit the model's 2048 tokens (2300 asked))");
    expect(screen.getByTestId('write-report')).toBeEnabled();
    expect(screen.queryByTestId('report-progress')).toBeNull();
  });
});

const designedJson = JSON.stringify(
  {
    format: 'profitwheel-survey',
    version: 1,
    title: 'Gift box',
    questions: [
      { id: 'aware', type: 'single_choice', text: 'Heard of us?', options: [ { id: 'yes', label: 'Yes' }, { id: 'no', label: 'No' } ] },
      { id: 'like', type: 'likert', text: 'I like the brand.', points: 5, labels: ['Low', 'High'] },
    ],
  },
  null,
  2,
);

function openDesigner(handlers: Record<string, Handler> = {}) {
  const calls = backendWith({
    get_survey: () => ({ ...design, json: designedJson }),
    update_survey: () => ({ ...design, json: designedJson, summary: { ...design.summary, version: 2 } }),
    ...handlers,
  });
  openAt('#/w/ws-1/surveys/sv-1');
  return calls;
}

function savedJson(calls: ReturnType<typeof backendWith>): unknown {
  const [call] = callsTo(calls, 'update_survey');
  return (call.args as { request: { json: string } }).request.json;
}

describe('Survey designer form', () => {
  it('adds, reorders and fills in a question, adds a skip rule, and saves the JSON it wrote', async () => {
    const calls = openDesigner();
    const form = await screen.findByTestId('design-form');
    await userEvent.selectOptions(within(form).getByLabelText('Type of the new question'), 'multiple_choice');
    await userEvent.click(within(form).getByRole('button', { name: 'Add a question' }));
    await userEvent.type(within(form).getByLabelText('Question 3 text'), 'Which flavours?');
    await userEvent.clear(within(form).getByLabelText('Question 3 option 1 id'));
    await userEvent.type(within(form).getByLabelText('Question 3 option 1 id'), 'choc');
    await userEvent.clear(within(form).getByLabelText('Question 3 option 1 label'));
    await userEvent.type(within(form).getByLabelText('Question 3 option 1 label'), 'Chocolatey');
    await userEvent.click(within(form).getByRole('button', { name: 'Add an option to question 3' }));
    await userEvent.clear(within(form).getByLabelText('Question 3 option 3 label'));
    await userEvent.type(within(form).getByLabelText('Question 3 option 3 label'), 'None of these');
    await userEvent.click(within(form).getByLabelText('Question 3 option 3 anchored'));
    await userEvent.click(within(form).getByRole('button', { name: 'Move question 3 option 2 down' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Remove question 3 option 3' }));
    await userEvent.click(within(form).getByLabelText('Question 3 shuffles its options'));
    await userEvent.type(within(form).getByLabelText('Question 3 most choices'), '1');
    await userEvent.click(within(form).getByRole('button', { name: 'Move question 3 up' }));

    await userEvent.click(within(form).getByRole('button', { name: 'Add a skip rule to question 1' }));
    await userEvent.click(within(form).getByLabelText('Question 1 skip rule 1 chose no'));
    await userEvent.selectOptions(within(form).getByLabelText('Question 1 skip rule 1 goes to'), 'like');
    expect(within(within(form).getByLabelText('Question 1 skip rule 1 goes to')).getAllByRole('option').map((o) => o.getAttribute('value'))).toEqual(['like', 'end']);

    const expected = {
      format: 'profitwheel-survey',
      version: 1,
      title: 'Gift box',
      questions: [
        {
          id: 'aware', type: 'single_choice', text: 'Heard of us?', options: [ { id: 'yes', label: 'Yes' }, { id: 'no', label: 'No' } ],
          skip: [ { if: { question: 'aware', chose: ['no'] }, to: 'like' } ],
        },
        {
          id: 'q3', type: 'multiple_choice', text: 'Which flavours?',
          options: [ { id: 'choc', label: 'Chocolatey' }, { id: 'option_3', label: 'None of these', anchored: true } ],
          randomize: true, max_choices: 1,
        },
        { id: 'like', type: 'likert', text: 'I like the brand.', points: 5, labels: ['Low', 'High'] },
      ],
    };
    expect(screen.getByTestId('survey-editor')).toHaveValue(JSON.stringify(expected, null, 2));
    await userEvent.click(screen.getByTestId('survey-save'));
    await waitFor(() => expect(callsTo(calls, 'update_survey')).toHaveLength(1));
    expect(callsTo(calls, 'update_survey')[0].args).toEqual({
      request: { surveyId: 'sv-1', expectedVersion: 1, json: JSON.stringify(expected, null, 2) },
    });
  });

  it('edits a scale and a number question and pipes an earlier answer', async () => {
    const calls = openDesigner();
    const form = await screen.findByTestId('design-form');
    expect(within(form).getByText(/Pipe an earlier answer .*\{\{aware\}\}/)).toBeInTheDocument();
    await userEvent.selectOptions(within(form).getByLabelText('Question 2 points'), '7');
    await userEvent.click(within(form).getByRole('button', { name: 'Remove question 2 label 2' }));
    await userEvent.click(within(form).getByRole('button', { name: 'Add a label to question 2' }));
    await userEvent.type(within(form).getByLabelText('Question 2 label 2'), 'Top');
    await userEvent.selectOptions(within(form).getByLabelText('Type of the new question'), 'numeric');
    await userEvent.click(within(form).getByRole('button', { name: 'Add a question' }));
    await userEvent.type(within(form).getByLabelText('Question 3 text'), 'You said {{{{aware}}. Spend?');
    await userEvent.type(within(form).getByLabelText('Question 3 minimum'), '0');
    await userEvent.type(within(form).getByLabelText('Question 3 maximum'), '2.5');
    await userEvent.click(within(form).getByLabelText('Question 3 is shown only when'));
    await userEvent.selectOptions(within(form).getByLabelText('Question 3 display condition question'), 'like');
    await userEvent.clear(within(form).getByLabelText('Question 3 display condition at least'));
    await userEvent.type(within(form).getByLabelText('Question 3 display condition at least'), '4');
    await userEvent.click(within(form).getByRole('button', { name: 'Remove question 1' }));
    await userEvent.click(screen.getByTestId('survey-save'));
    await waitFor(() => expect(callsTo(calls, 'update_survey')).toHaveLength(1));
    expect(JSON.parse(savedJson(calls) as string).questions).toEqual([
      { id: 'like', type: 'likert', text: 'I like the brand.', points: 7, labels: ['Low', 'Top'] },
      {
        id: 'q3', type: 'numeric', text: 'You said {{aware}}. Spend?', min: 0, max: 2.5,
        display_if: { question: 'like', at_least: 4 },
      },
    ]);
  });

  it('shows a JSON edit in the form, and keeps the last good design while the JSON does not parse', async () => {
    const calls = openDesigner();
    const form = await screen.findByTestId('design-form');
    const editor = screen.getByTestId('survey-editor');
    expect(within(form).getByLabelText('Survey title')).toHaveValue('Gift box');

    const edited = JSON.parse(designedJson);
    edited.title = 'Coffee box';
    edited.questions[0].id = 'heard';
    edited.questions[1].display_if = { question: 'heard', chose: ['yes'] };
    fireEvent.change(editor, { target: { value: JSON.stringify(edited) } });
    expect(within(form).getByLabelText('Survey title')).toHaveValue('Coffee box');
    expect(within(form).getByLabelText('Question 1 id')).toHaveValue('heard');
    expect(within(form).getByLabelText('Question 2 display condition question')).toHaveValue('heard');
    expect(within(form).getByLabelText('Question 2 display condition chose yes')).toBeChecked();
    expect(within(form).getByLabelText('Question 2 display condition chose no')).not.toBeChecked();

    fireEvent.change(editor, { target: { value: '{"title": "Broken' } });
    expect(within(form).getByTestId('design-form-stale')).toHaveTextContent('the JSON does not parse');
    expect(within(form).getByLabelText('Survey title')).toHaveValue('Coffee box');
    expect(within(form).getByLabelText('Survey title')).toBeDisabled();

    // Typed compactly, saved pretty-printed.
    fireEvent.change(editor, { target: { value: JSON.stringify(edited) } });
    expect(screen.queryByTestId('design-form-stale')).not.toBeInTheDocument();
    await userEvent.click(screen.getByTestId('survey-save'));
    await waitFor(() => expect(callsTo(calls, 'update_survey')).toHaveLength(1));
    expect(savedJson(calls)).toBe(JSON.stringify(edited, null, 2));
  });

  /** Adds question 3 (own words) piping {{aware}} and shown only when "aware" is yes, and a skip rule on "aware" to it. */
  async function withReferencesToAware(form: HTMLElement) {
    await userEvent.selectOptions(within(form).getByLabelText('Type of the new question'), 'open');
    await userEvent.click(within(form).getByRole('button', { name: 'Add a question' }));
    await userEvent.type(within(form).getByLabelText('Question 3 text'), 'You said {{{{aware}}. Why?');
    await userEvent.click(within(form).getByLabelText('Question 3 is shown only when'));
    await userEvent.selectOptions(within(form).getByLabelText('Question 3 display condition question'), 'aware');
    await userEvent.click(within(form).getByLabelText('Question 3 display condition chose yes'));
    await userEvent.click(within(form).getByRole('button', { name: 'Add a skip rule to question 1' }));
    await userEvent.click(within(form).getByLabelText('Question 1 skip rule 1 chose no'));
    await userEvent.selectOptions(within(form).getByLabelText('Question 1 skip rule 1 goes to'), 'q3');
  }

  function questionsInJson(): { id: string; text: string; skip?: unknown; display_if?: unknown; options?: unknown }[] {
    return JSON.parse((screen.getByTestId('survey-editor') as HTMLTextAreaElement).value).questions;
  }

  it('renames a question once its id is left: cleared and retyped, its logic and piping follow from the old id to the new', async () => {
    openDesigner();
    const form = await screen.findByTestId('design-form');
    await withReferencesToAware(form);
    const id = within(form).getByLabelText('Question 1 id');
    await userEvent.clear(id);
    await userEvent.type(id, 'heard');
    // Nothing is renamed while the id is typed.
    expect(questionsInJson()[0].id).toBe('aware');
    expect(questionsInJson()[2].text).toBe('You said {{aware}}. Why?');

    await userEvent.tab();
    const [heard, , q3] = questionsInJson();
    expect(heard.id).toBe('heard');
    expect(heard.skip).toEqual([{ if: { question: 'heard', chose: ['no'] }, to: 'q3' }]);
    expect(q3.text).toBe('You said {{heard}}. Why?');
    expect(q3.display_if).toEqual({ question: 'heard', chose: ['yes'] });
    expect(within(form).queryByRole('alert')).not.toBeInTheDocument();
    expect(within(form).queryByLabelText('Question 1 warnings')).not.toBeInTheDocument();
    expect(within(form).queryByLabelText('Question 3 warnings')).not.toBeInTheDocument();
  });

  it('typing through another question’s id neither renames nor breaks the references', async () => {
    openDesigner();
    const form = await screen.findByTestId('design-form');
    await withReferencesToAware(form);
    await userEvent.selectOptions(within(form).getByLabelText('Question 3 display condition question'), 'like');
    const id = within(form).getByLabelText('Question 1 id');
    await userEvent.clear(id);
    await userEvent.type(id, 'like');
    expect(within(form).getByRole('alert')).toHaveTextContent('“like” is already question 2’s id; leaving the field keeps “aware”.');
    expect(id).toHaveAttribute('aria-invalid', 'true');
    await userEvent.type(id, 'd');
    expect(within(form).queryByRole('alert')).not.toBeInTheDocument();
    await userEvent.tab();

    const [liked, like, q3] = questionsInJson();
    expect([liked.id, like.id]).toEqual(['liked', 'like']);
    expect(liked.skip).toEqual([{ if: { question: 'liked', chose: ['no'] }, to: 'q3' }]);
    expect(q3.text).toBe('You said {{liked}}. Why?');
    // The test on "like" stays on "like".
    expect(q3.display_if).toEqual({ question: 'like', at_least: 5 });
  });

  it('refuses an empty id or one already taken, says why, and keeps the old id and its references', async () => {
    openDesigner();
    const form = await screen.findByTestId('design-form');
    const editor = screen.getByTestId('survey-editor');
    const id = within(form).getByLabelText('Question 1 id');
    await userEvent.clear(id);
    await userEvent.type(id, 'like');
    await userEvent.tab();
    expect(id).toHaveValue('aware');
    expect(within(form).getByRole('alert')).toHaveTextContent('“like” is already question 2’s id, so the id stays “aware”.');
    expect(id).toHaveAccessibleDescription('“like” is already question 2’s id, so the id stays “aware”.');
    expect(editor).toHaveValue(designedJson);

    await userEvent.clear(id);
    await userEvent.tab();
    expect(id).toHaveValue('aware');
    expect(within(form).getByRole('alert')).toHaveTextContent('A question needs an id, so the id stays “aware”.');
    expect(editor).toHaveValue(designedJson);

    const option = within(form).getByLabelText('Question 1 option 2 id');
    await userEvent.clear(option);
    await userEvent.type(option, 'yes{Enter}');
    expect(option).toHaveValue('no');
    expect(option).toHaveAccessibleDescription('“yes” is already option 1’s id, so the id stays “no”.');
    expect(editor).toHaveValue(designedJson);
    // Typing again clears the refusal.
    await userEvent.type(option, 'pe');
    expect(option).not.toHaveAccessibleDescription();
    expect(option).toHaveAttribute('aria-invalid', 'false');
  });

  it('commits an id on Enter, question or option, with the tests that read it', async () => {
    openDesigner();
    const form = await screen.findByTestId('design-form');
    await withReferencesToAware(form);
    const option = within(form).getByLabelText('Question 1 option 2 id');
    await userEvent.clear(option);
    await userEvent.type(option, 'never{Enter}');
    expect(option).toHaveFocus();
    expect(questionsInJson()[0].options).toEqual([ { id: 'yes', label: 'Yes' }, { id: 'never', label: 'No' } ]);
    expect(questionsInJson()[0].skip).toEqual([{ if: { question: 'aware', chose: ['never'] }, to: 'q3' }]);

    const id = within(form).getByLabelText('Question 1 id');
    await userEvent.clear(id);
    await userEvent.type(id, 'heard{Enter}');
    expect(id).toHaveFocus();
    expect(questionsInJson()[0].skip).toEqual([{ if: { question: 'heard', chose: ['never'] }, to: 'q3' }]);
    expect(questionsInJson()[2].display_if).toEqual({ question: 'heard', chose: ['yes'] });
    // Escape puts back the id the field holds since the last commit.
    await userEvent.type(id, 'x{Escape}');
    expect(id).toHaveValue('heard');
    await userEvent.tab();
    expect(questionsInJson()[0].id).toBe('heard');
  });

  it('warns beside a question whose logic or piping a removed or moved question left behind', async () => {
    openDesigner();
    const form = await screen.findByTestId('design-form');
    await withReferencesToAware(form);
    expect(within(form).queryByRole('status', { name: /warnings/ })).not.toBeInTheDocument();

    await userEvent.click(within(form).getByRole('button', { name: 'Move question 3 up' }));
    expect(within(form).getByLabelText('Question 1 warnings')).toHaveTextContent(
      'Skip rule 1 goes to “q3”, which is now the next question anyway.',
    );
    expect(within(form).getByLabelText('Question 1 warnings')).toHaveTextContent('The survey is refused on save until this is changed.');
    expect(within(form).queryByLabelText('Question 2 warnings')).not.toBeInTheDocument();

    await userEvent.click(within(form).getByRole('button', { name: 'Move question 1 down' }));
    expect(within(form).getByLabelText('Question 1 warnings')).toHaveTextContent('The text pipes in “aware”, which now comes after this question.');
    expect(within(form).getByLabelText('Question 1 warnings')).toHaveTextContent('The display condition reads “aware”, which now comes after this question.');
    expect(within(form).getByLabelText('Question 2 warnings')).toHaveTextContent(
      'Skip rule 1 goes to “q3”, which now comes before this question (a skip only jumps ahead).',
    );

    await userEvent.click(within(form).getByRole('button', { name: 'Remove question 2' }));
    expect(within(form).getByLabelText('Question 1 warnings')).toHaveTextContent('The text pipes in “aware”, which no longer exists.');
    expect(within(form).getByLabelText('Question 1 warnings')).toHaveTextContent('The display condition reads “aware”, which no longer exists.');
    expect(within(form).getByLabelText('Question 1 warnings')).toHaveTextContent('these are changed');
  });

  it('sends JSON that does not parse as typed, and shows the backend’s error', async () => {
    const calls = openDesigner({
      update_survey: () => ipcError('invalidInput', 'line 1, column 11: the file is not valid JSON'),
    });
    const editor = await screen.findByTestId('survey-editor');
    fireEvent.change(editor, { target: { value: '{"title": ' } });
    await userEvent.click(screen.getByTestId('survey-save'));
    expect(await screen.findByText(/the file is not valid JSON/)).toBeInTheDocument();
    expect(savedJson(calls)).toBe('{"title": ');
  });
});

