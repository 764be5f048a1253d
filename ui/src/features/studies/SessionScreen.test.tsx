import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../App';
import type { SessionDetailView, SessionEventView } from '../../ipc/backend';
import { job, modelSpend, sessionDetail, sessionSummary, turn, workspace } from '../../test/fixtures';
import { callsTo, emitSessionChanged, ipcError, mockBackend } from '../../test/ipc';
import type { Handler } from '../../test/ipc';

function backendWith(handlers: Record<string, Handler>) {
  return mockBackend({
    list_jobs: () => [],
    list_workspaces: () => [workspace({ id: 'ws-1', name: 'Halcyon' })],
    list_sessions: () => [sessionSummary()],
    ...handlers,
  });
}

function openAt(hash: string) {
  window.history.replaceState(null, '', `/${hash}`);
  render(<App />);
}

function event(kind: SessionEventView['kind'], rest: Partial<SessionEventView> = {}): SessionEventView {
  return { sessionId: 'ses-1', kind, seq: null, speaker: null, name: null, text: null, ...rest };
}

const send = (e: SessionEventView) => act(() => emitSessionChanged(e));

describe('Focus-group room', () => {
  it('streams a turn token by token, starts it over on restart, and shows the stored turn when it lands', async () => {
    let detail: SessionDetailView = sessionDetail();
    const calls = backendWith({ get_session: () => detail });
    openAt('#/w/ws-1/studies/ses-1');

    expect(await screen.findByRole('heading', { level: 1, name: 'Holiday gift box' })).toBeInTheDocument();
    expect(screen.getAllByTestId('transcript-turn')).toHaveLength(1);

    // The listener registers asynchronously: send the (idempotent) start until it is heard.
    const started = event('turnStarted', { seq: 2, speaker: 'twin', name: 'Maya Torres' });
    await waitFor(async () => {
      await send(started);
      expect(screen.getByTestId('pending-turn')).toHaveTextContent('Maya Torres');
    });
    // Words that stream in have not been held to the persona yet, and say so.
    expect(screen.getByTestId('pending-unchecked')).toHaveTextContent('not yet checked');
    // Another session's events are not this room's.
    await send(event('token', { sessionId: 'ses-other', text: 'NOPE' }));
    await send(event('token', { seq: 2, text: 'Honestly' }));
    expect(screen.getByTestId('pending-text')).toHaveTextContent(/^Honestly$/);
    await send(event('token', { seq: 2, text: ' it looks' }));
    expect(screen.getByTestId('pending-text')).toHaveTextContent(/^Honestly it looks$/);

    await send(event('restart', { seq: 2 }));
    expect(screen.getByTestId('pending-text')).toHaveTextContent(/^$/);
    expect(screen.getByTestId('pending-turn')).toHaveTextContent('answering again');
    await send(event('token', { seq: 2, text: 'The box' }));
    await send(event('token', { seq: 2, text: ' is lovely.' }));
    expect(screen.getByTestId('pending-text')).toHaveTextContent(/^The box is lovely\.$/);

    const reads = callsTo(calls, 'get_session').length;
    detail = sessionDetail({
      turns: [
        turn(),
        turn({
          id: 'turn-2',
          seq: 2,
          speaker: 'twin',
          twinId: 'twin-1',
          twinName: 'Maya Torres',
          says: 'The box is lovely.',
          act: 'answer',
          adherence: 'caught',
          rejected: 'As an AI I love coffee.',
          catchReason: 'spoke as a model, not as Maya',
        }),
      ],
    });
    await send(event('turnStored', { seq: 2 }));
    await waitFor(() => expect(screen.getAllByTestId('transcript-turn')).toHaveLength(2));
    expect(callsTo(calls, 'get_session').length).toBeGreaterThan(reads);
    expect(screen.queryByTestId('pending-turn')).toBeNull();

    const stored = screen.getAllByTestId('transcript-turn')[1];
    expect(stored).toHaveTextContent('Maya Torres');
    expect(stored).toHaveTextContent('The box is lovely.');
    expect(within(stored).queryByTestId('turn-catch-detail')).toBeNull();
    await userEvent.click(within(stored).getByTestId('turn-caught'));
    const caught = within(stored).getByTestId('turn-catch-detail');
    expect(caught).toHaveTextContent('spoke as a model, not as Maya');
    expect(caught).toHaveTextContent('As an AI I love coffee.');
  });

  it('marks non-responses and moderator acts, and shows who spoke, the guide and the diagnostics', async () => {
    backendWith({
      get_session: () =>
        sessionDetail({
          turns: [
            turn(),
            turn({ id: 't2', seq: 2, speaker: 'twin', twinName: 'Dev Patel', act: 'non_response', says: '' }),
            turn({ id: 't3', seq: 3, act: 'draw_in', says: 'Dev, what do you think?' }),
            turn({ id: 't4', seq: 4, speaker: 'researcher', act: 'interjection', says: 'What about the price?' }),
          ],
        }),
    });
    openAt('#/w/ws-1/studies/ses-1');
    const turns = await screen.findAllByTestId('transcript-turn');
    expect(within(turns[1]).getByTestId('turn-non-response')).toHaveTextContent('No answer — the model gave nothing usable.');
    expect(within(turns[2]).getByTestId('turn-act')).toHaveTextContent('Draw-in');
    expect(turns[3]).toHaveTextContent('You (as moderator)');
    expect(within(turns[3]).getByTestId('turn-act')).toHaveTextContent('Interjection');

    const shares = screen.getAllByTestId('turn-share');
    expect(shares[0]).toHaveTextContent('Maya Torres');
    expect(shares[0]).toHaveTextContent('75%');
    expect(shares[1]).toHaveTextContent('25%');

    const progress = within(screen.getByTestId('guide-progress')).getAllByRole('listitem');
    expect(progress.map((p) => p.getAttribute('data-state'))).toEqual(['done', 'ongoing', 'upcoming']);

    const diagnostics = screen.getByTestId('diagnostics');
    expect(diagnostics).toHaveTextContent('converged too easily');
    expect(within(diagnostics).getByTestId('diag-median')).toHaveTextContent('38 words');
    expect(within(diagnostics).getByTestId('diag-median')).toHaveTextContent('People say about 49; twins stop at 80.');
    expect(within(diagnostics).getByTestId('diag-gini')).toHaveTextContent('0.31');
    expect(within(diagnostics).getByTestId('diag-herding')).toHaveTextContent('1 of 2 changes of mind went toward the majority (50%)');
    expect(within(diagnostics).getByTestId('diag-adherence')).toHaveTextContent('3 passed · 1 caught and answered again · 0 unchecked');
    const agreement = within(diagnostics).getByTestId('diag-agreement');
    expect(agreement).toHaveTextContent(
      '100% of 3 pairs agreed (95% interval 44%–100%); two of their audiences’ mentions of the brand take the same side 38% of the time (120 mentions)',
    );
    expect(agreement).toHaveTextContent('They agree more than their audiences’ mentions do, beyond the margin of error');
    expect(agreement).toHaveAttribute('data-beyond', 'true');
    expect(within(agreement).getByTestId('agreement-expected')).toHaveStyle({ left: '38%' });
    expect(screen.queryByTestId('insights-link')).toBeNull();
  });

  it('sends the moderator’s commands, and resumes a paused session as a job', async () => {
    let summary = sessionSummary();
    const resumeJob = job({ id: 'job-ses', kind: 'twins.session', title: 'Holiday gift box', state: 'queued' });
    const calls = backendWith({
      get_session: () => sessionDetail({ session: summary }),
      command_session: (args) => {
        const { command } = args.request as { command: string };
        if (command === 'probe') ipcError('invalidInput', 'at most 500 characters at a time');
        return command === 'resume' ? resumeJob : null;
      },
    });
    openAt('#/w/ws-1/studies/ses-1');
    expect(await screen.findByTestId('session-status')).toHaveTextContent('Running');

    await userEvent.type(screen.getByTestId('moderator-text'), 'Would you pay $40 for it?');
    await userEvent.click(screen.getByTestId('speak-as-moderator'));
    await waitFor(() => expect(callsTo(calls, 'command_session')).toHaveLength(1));
    expect(callsTo(calls, 'command_session')[0].args).toEqual({
      request: { sessionId: 'ses-1', command: 'speak', text: 'Would you pay $40 for it?' },
    });
    expect(await screen.findByTestId('command-sent')).toHaveTextContent('Your words come in at the next turn.');
    expect(screen.getByTestId('moderator-text')).toHaveValue('');

    await userEvent.click(screen.getByTestId('skip-section'));
    await waitFor(() => expect(callsTo(calls, 'command_session')).toHaveLength(2));
    expect(callsTo(calls, 'command_session')[1].args).toEqual({ request: { sessionId: 'ses-1', command: 'skip', text: '' } });

    await userEvent.type(screen.getByTestId('moderator-text'), 'Why?');
    await userEvent.click(screen.getByTestId('add-probe'));
    expect(await screen.findByRole('alert')).toHaveTextContent('at most 500 characters at a time');
    expect(callsTo(calls, 'command_session')[2].args).toEqual({ request: { sessionId: 'ses-1', command: 'probe', text: 'Why?' } });

    summary = sessionSummary({ status: 'scheduled', pausedReason: 'the study reached its budget; raise it to resume' });
    await userEvent.click(screen.getByTestId('pause-session'));
    await waitFor(() => expect(callsTo(calls, 'command_session')).toHaveLength(4));
    expect(callsTo(calls, 'command_session')[3].args).toEqual({ request: { sessionId: 'ses-1', command: 'pause', text: '' } });
    await waitFor(() =>
      expect(screen.getByTestId('session-status')).toHaveTextContent('Paused — the study reached its budget; raise it to resume'),
    );
    expect(screen.queryByTestId('pause-session')).toBeNull();

    summary = sessionSummary({ status: 'scheduled' });
    await userEvent.click(screen.getByTestId('resume-session'));
    await waitFor(() => expect(callsTo(calls, 'command_session')).toHaveLength(5));
    // The resumed session's job goes to the jobs panel.
    expect(await screen.findByTestId('job-job-ses')).toBeInTheDocument();
  });

  it('says plainly why a session failed, offers Resume, and links to insights once completed', async () => {
    let summary = sessionSummary({ status: 'failed', failure: 'the local model could not be loaded' });
    backendWith({ get_session: () => sessionDetail({ session: summary }) });
    openAt('#/w/ws-1/studies/ses-1');
    expect(await screen.findByTestId('session-status')).toHaveTextContent('Failed — the local model could not be loaded');
    expect(screen.getByTestId('resume-session')).toBeInTheDocument();

    summary = sessionSummary({ status: 'completed', section: 2 });
    await waitFor(async () => {
      await send(event('statusChanged'));
      expect(screen.getByTestId('session-status')).toHaveTextContent('Completed');
    });
    expect(screen.getByTestId('insights-link')).toHaveAttribute('href', '#/w/ws-1/studies/ses-1/insights');
    expect(screen.queryByTestId('speak-as-moderator')).toBeNull();
  });
});

describe('A session paused at its budget', () => {
  it('shows the spend against the cap, and a raised budget resumes the session', async () => {
    const resumeJob = job({ id: 'job-ses', kind: 'twins.session', title: 'Holiday gift box', state: 'queued' });
    const calls = backendWith({
      get_session: () => sessionDetail({ session: sessionSummary({ status: 'scheduled', pausedReason: 'the study reached its model budget; raise the budget to continue' }) }),
      get_model_spend: () =>
        modelSpend({ byStudy: [{ studyId: 'study-1', title: 'Holiday gift box', spentMicros: '1200000', budgetMicros: '1200000', calls: 6 }] }),
      set_study_budget: () => null,
      command_session: () => resumeJob,
    });
    openAt('#/w/ws-1/studies/ses-1');
    const form = await screen.findByTestId('budget-raise');
    expect(form).toHaveTextContent('spent $1.20 of its $1.20 budget');
    // A cap at or below what was spent cannot resume anything.
    await userEvent.type(within(form).getByTestId('budget-input'), '1');
    expect(within(form).getByTestId('raise-budget')).toBeDisabled();
    expect(form).toHaveTextContent('The new budget must be above what has been spent.');
    await userEvent.clear(within(form).getByTestId('budget-input'));
    await userEvent.type(within(form).getByTestId('budget-input'), '5');
    await userEvent.click(within(form).getByTestId('raise-budget'));
    await waitFor(() => expect(callsTo(calls, 'command_session')).toHaveLength(1));
    expect(callsTo(calls, 'set_study_budget')[0].args).toEqual({ request: { studyId: 'study-1', budgetMicros: '5000000' } });
    expect(callsTo(calls, 'command_session')[0].args).toEqual({ request: { sessionId: 'ses-1', command: 'resume', text: '' } });
    expect(await screen.findByTestId('job-job-ses')).toBeInTheDocument();
  });
});

describe('Replay from the cache', () => {
  it('replays a finished session and names the turns that do not reproduce', async () => {
    const calls = backendWith({
      get_session: () => sessionDetail({ session: sessionSummary({ status: 'completed' }) }),
      replay_session: () => ({
        sessionId: 'ses-1',
        calls: 12,
        reproduced: 11,
        differing: [],
        missing: [{ seq: 4, purpose: 'check', detail: 'the response cache no longer holds this answer' }],
        answers: 4,
        traced: 2,
        untraced: [6],
        unrecorded: [8],
      }),
    });
    openAt('#/w/ws-1/studies/ses-1');
    await userEvent.click(await screen.findByTestId('replay-session'));
    const panel = await screen.findByTestId('replay-panel');
    expect(callsTo(calls, 'replay_session')[0].args).toEqual({ sessionId: 'ses-1' });
    expect(panel).toHaveAttribute('data-whole', 'false');
    expect(within(panel).getByTestId('replay-calls')).toHaveTextContent('11 of 12');
    expect(within(panel).getByTestId('replay-traced')).toHaveTextContent('2 of 4');
    expect(within(panel).getByTestId('replay-unrecorded')).toHaveTextContent('no kept reply');
    expect(within(panel).getByTestId('replay-untraced')).toHaveTextContent('differ from the reply replayed for them');
    expect(panel).toHaveTextContent('Turn 5, persona check: not in the cache');
    expect(within(panel).getByRole('link', { name: 'turn 7' })).toHaveAttribute('href', '#/w/ws-1/studies/ses-1#turn-6');
  });

  it('keeps the run manifest beside the transcript: models planned and the ones that answered', async () => {
    backendWith({ get_session: () => sessionDetail({ session: sessionSummary({ status: 'completed' }) }) });
    openAt('#/w/ws-1/studies/ses-1');
    const manifest = await screen.findByTestId('manifest');
    expect(manifest).toHaveTextContent('seed 7');
    expect(within(manifest).getByTestId('manifest-answered-by')).toHaveTextContent('Replies: local/SmolLM2-135M-Instruct.Q4_1');
    expect(manifest).toHaveTextContent('twin_turn twin-turn/1');
  });

  it('offers no replay while the session runs', async () => {
    backendWith({ get_session: () => sessionDetail() });
    openAt('#/w/ws-1/studies/ses-1');
    expect(await screen.findByRole('heading', { level: 1, name: 'Holiday gift box' })).toBeInTheDocument();
    expect(screen.queryByTestId('replay-session')).toBeNull();
  });
});

describe('Interview view', () => {
  it('shows Says and Thinks side by side and highlights where they part', async () => {
    const interview = sessionDetail({
      session: sessionSummary({ kind: 'interview', title: 'Maya on gift boxes', participants: [{ twinId: 'twin-1', name: 'Maya Torres' }] }),
      sections: [],
      diagnostics: null,
      turns: [
        turn({ id: 'q1', seq: 1, says: 'Would you buy the box?' }),
        turn({ id: 'a1', seq: 2, speaker: 'twin', twinName: 'Maya Torres', act: 'answer', says: 'Maybe, it looks nice.', thinks: 'Never at that price.' }),
        turn({ id: 'q2', seq: 3, says: 'Who would you give it to?' }),
        turn({ id: 'a2', seq: 4, speaker: 'twin', twinName: 'Maya Torres', act: 'answer', says: 'My sister.', thinks: 'My sister loves coffee.' }),
        turn({ id: 'c', seq: 5, act: 'closing', says: 'Thank you, Maya.' }),
      ],
      gaps: [
        { seq: 2, overlap: 0.1, reservations: ['never', 'price'], diverges: true },
        { seq: 4, overlap: 0.6, reservations: [], diverges: false },
      ],
    });
    const calls = backendWith({ get_session: () => interview, command_session: () => null });
    openAt('#/w/ws-1/studies/ses-1');

    expect(await screen.findByTestId('says-thinks-summary')).toHaveTextContent('Says and Thinks part in 1 of 2 answers.');
    const answers = screen.getAllByTestId('qa-answer');
    expect(answers).toHaveLength(2);
    expect(answers[0]).toHaveTextContent('Would you buy the box?');
    expect(within(answers[0]).getByTestId('qa-says')).toHaveTextContent('Maybe, it looks nice.');
    expect(within(answers[0]).getByTestId('qa-thinks')).toHaveTextContent('Never at that price.');
    expect(answers[0]).toHaveAttribute('data-diverges', 'true');
    expect(within(answers[0]).getByTestId('qa-gap')).toHaveTextContent('Kept back: “never”, “price”.');
    expect(within(answers[0]).getByTestId('qa-gap')).toHaveTextContent('Words shared: 10%.');
    expect(answers[1]).toHaveAttribute('data-diverges', 'false');
    // The closing stays where it was said: after the answers.
    const closing = screen.getByTestId('transcript-turn');
    expect(closing).toHaveTextContent('Thank you, Maya.');
    expect(answers[1].compareDocumentPosition(closing) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(within(answers[1]).queryByTestId('qa-gap')).toBeNull();
    // No sections to skip in an interview.
    expect(screen.queryByTestId('skip-section')).toBeNull();

    await userEvent.type(screen.getByLabelText('Ask another question'), 'And for yourself?');
    await userEvent.click(screen.getByTestId('speak-as-moderator'));
    await waitFor(() => expect(callsTo(calls, 'command_session')).toHaveLength(1));
    expect(callsTo(calls, 'command_session')[0].args).toEqual({
      request: { sessionId: 'ses-1', command: 'speak', text: 'And for yourself?' },
    });
  });
});
