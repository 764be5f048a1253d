import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../App';
import type { SessionPlanView } from '../../ipc/backend';
import { sessionDetail, sessionSummary, twinSummary, workspace } from '../../test/fixtures';
import { callsTo, ipcError, mockBackend } from '../../test/ipc';
import type { Handler } from '../../test/ipc';
import { guideFromToml } from './guideToml';

const PLAN: SessionPlanView = {
  participantTurns: 24,
  moderatorTurns: 10,
  calls: 58,
  tokens: 61_200,
  costMicros: '0',
  models: [
    { task: 'twinDialogue', model: 'local/SmolLM2-135M-Instruct' },
    { task: 'moderation', model: 'local/SmolLM2-135M-Instruct' },
  ],
};

function backendWith(handlers: Record<string, Handler>) {
  return mockBackend({
    list_jobs: () => [],
    list_workspaces: () => [workspace({ id: 'ws-1', name: 'Halcyon' })],
    list_twins: () => [
      twinSummary(),
      twinSummary({ id: 'twin-2', name: 'Dev Patel' }),
      twinSummary({ id: 'twin-3', name: 'Ana Lima' }),
    ],
    estimate_focus_group: () => PLAN,
    ...handlers,
  });
}

function openAt(hash: string) {
  window.history.replaceState(null, '', `/${hash}`);
  render(<App />);
}

describe('Focus group setup', () => {
  it('builds the guide in the form, estimates it live, and starts the group in its room', async () => {
    const calls = backendWith({
      start_focus_group: () => sessionSummary({ id: 'ses-9', status: 'scheduled' }),
      get_session: () => sessionDetail({ session: sessionSummary({ id: 'ses-9' }) }),
    });
    openAt('#/w/ws-1/studies/new-focus-group');

    // An untouched guide is not estimated (nor called invalid).
    await screen.findByTestId('pick-twin-twin-1');
    expect(callsTo(calls, 'estimate_focus_group')).toHaveLength(0);
    expect(screen.getByTestId('estimate')).toHaveTextContent('The estimate appears once the study is set up.');

    await userEvent.type(await screen.findByTestId('guide-title'), 'Gift box "test"');
    await userEvent.type(screen.getByLabelText('Section 1 name'), 'Warm-up');
    await userEvent.type(screen.getByLabelText('Section 1 goals (one per line, 1–5)'), 'How they drink coffee');
    await userEvent.type(screen.getByLabelText('Section 1 questions (one per line, 1–10)'), 'How does your day start?{enter}Where do you buy beans?');
    await userEvent.type(screen.getByLabelText(/Section 1 turn budget/), '15');
    await userEvent.click(screen.getByRole('button', { name: 'Add ad copy to section 1' }));
    await userEvent.type(screen.getByLabelText('Section 1 stimulus 1 headline'), 'Twelve mornings');
    await userEvent.type(screen.getByLabelText('Section 1 stimulus 1 body'), 'One roast a day');

    await userEvent.click(screen.getByTestId('pick-twin-twin-1'));
    expect(screen.getByTestId('start-focus-group')).toBeDisabled();
    await userEvent.click(screen.getByTestId('pick-twin-twin-3'));
    expect(screen.getByTestId('participants-count')).toHaveTextContent('2 of 2–12');

    const estimate = screen.getByTestId('estimate');
    await waitFor(() => expect(within(estimate).getByTestId('estimate-cost')).toHaveTextContent('Free — runs on this computer'));
    expect(within(estimate).getByTestId('estimate-calls')).toHaveTextContent('58');
    expect(within(estimate).getByTestId('estimate-tokens')).toHaveTextContent('61,200');
    expect(within(estimate).getByRole('list', { name: 'Models per task' })).toHaveTextContent('twinDialogue: local/SmolLM2-135M-Instruct');
    await waitFor(() => {
      const last = callsTo(calls, 'estimate_focus_group').at(-1)?.args.request as { guide: string; twins: number };
      expect(last.guide).toContain('Twelve mornings');
    });

    await userEvent.type(screen.getByTestId('study-budget'), '2.50');
    await userEvent.type(screen.getByTestId('study-seed'), '77');
    await userEvent.click(screen.getByTestId('start-focus-group'));

    await waitFor(() => expect(callsTo(calls, 'start_focus_group')).toHaveLength(1));
    const request = callsTo(calls, 'start_focus_group')[0].args.request as {
      guide: string;
      twinIds: string[];
      budgetMicros: string | null;
      seed: string | null;
      workspaceId: string;
    };
    expect(request.twinIds).toEqual(['twin-1', 'twin-3']);
    expect(request.budgetMicros).toBe('2500000');
    expect(request.seed).toBe('77');
    expect(request.guide).toContain('title = "Gift box \\"test\\""');
    expect(guideFromToml(request.guide)).toEqual({
      title: 'Gift box "test"',
      objective: '',
      sections: [
        {
          name: 'Warm-up',
          goals: ['How they drink coffee'],
          questions: ['How does your day start?', 'Where do you buy beans?'],
          probes: [],
          turnBudget: 15,
          stimuli: [{ kind: 'ad_copy', headline: 'Twelve mornings', body: 'One roast a day' }],
        },
      ],
    });
    // …and the room opens.
    await waitFor(() => expect(window.location.hash).toBe('#/w/ws-1/studies/ses-9'));
  });

  it('edits the guide as TOML and shows the backend’s complaint about it beside the editor', async () => {
    const calls = backendWith({
      estimate_focus_group: (args) => {
        const { guide } = args.request as { guide: string };
        if (guide.includes('turn_budget = 99')) {
          ipcError('invalidInput', 'line 5, column 15: section 1 (“Warm-up”): turn_budget must be 2 to 60');
        }
        return PLAN;
      },
    });
    openAt('#/w/ws-1/studies/new-focus-group');
    await userEvent.type(await screen.findByTestId('guide-title'), 'Quick');
    await userEvent.click(screen.getByTestId('guide-tab-toml'));
    const toml = screen.getByTestId('guide-toml') as HTMLTextAreaElement;
    expect(toml.value).toContain('title = "Quick"');
    expect(toml.value).toContain('[[sections]]');

    await userEvent.clear(toml);
    await userEvent.click(toml);
    await userEvent.paste('title = "Quick"\n\n[[sections]]\nname = "Warm-up"\nturn_budget = 99\ngoals = ["g"]\nquestions = ["q"]\n');
    const error = await screen.findByTestId('guide-error');
    expect(within(error).getByRole('alert')).toHaveTextContent('The guide is not valid: please check the input');
    expect(error).toHaveTextContent('line 5, column 15: section 1 (“Warm-up”): turn_budget must be 2 to 60');
    expect(callsTo(calls, 'estimate_focus_group').length).toBeGreaterThan(0);

    // Back to the form: the TOML is read into it.
    await userEvent.click(screen.getByTestId('guide-tab-form'));
    expect(screen.getByLabelText('Section 1 name')).toHaveValue('Warm-up');
    expect(screen.getByLabelText(/Section 1 turn budget/)).toHaveValue(99);
  });

  it('starts from an example guide a group can run as it is', async () => {
    const calls = backendWith({});
    openAt('#/w/ws-1/studies/new-focus-group');
    await userEvent.click(await screen.findByTestId('guide-example'));
    expect(screen.getByTestId('guide-title')).toHaveValue('Acme Outdoor: first reactions to the new ad');
    expect(screen.getAllByTestId('guide-section')).toHaveLength(2);
    await waitFor(() => expect(callsTo(calls, 'estimate_focus_group').length).toBeGreaterThan(0));
    const { guide } = callsTo(calls, 'estimate_focus_group').at(-1)?.args.request as { guide: string };
    const parsed = guideFromToml(guide);
    expect(parsed.sections.map((s) => s.turnBudget)).toEqual([4, 6]);
    expect(parsed.sections[1].stimuli[0]).toMatchObject({ kind: 'ad_copy', headline: 'Acme Outdoor, made for your mornings' });
  });

  it('stays on the TOML tab, saying why, when the form cannot show what was typed', async () => {
    backendWith({});
    openAt('#/w/ws-1/studies/new-focus-group');
    await userEvent.click(await screen.findByTestId('guide-tab-toml'));
    const toml = screen.getByTestId('guide-toml');
    await userEvent.clear(toml);
    await userEvent.click(toml);
    await userEvent.paste('title = "unclosed\n');
    await userEvent.click(screen.getByTestId('guide-tab-form'));
    expect(screen.getByTestId('guide-toml-error')).toHaveTextContent('line 1: a string is not closed');
    expect(screen.getByTestId('guide-toml')).toBeInTheDocument();
  });
});
