import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../../App';
import type { TwinView } from '../../ipc/backend';
import { memory, twin, twinSummary, workspace } from '../../test/fixtures';
import { callsTo, ipcError, mockBackend } from '../../test/ipc';
import type { Handler } from '../../test/ipc';

function backendWith(handlers: Record<string, Handler>) {
  return mockBackend({
    list_jobs: () => [],
    list_workspaces: () => [workspace({ id: 'ws-1', name: 'Halcyon' })],
    get_twin: () => twin(),
    list_twins: () => [twinSummary()],
    ...handlers,
  });
}

function openAt(hash: string) {
  window.history.replaceState(null, '', `/${hash}`);
  render(<App />);
}

describe('Twin profile', () => {
  it('shows the profile, and a memory’s evidence one click away', async () => {
    const calls = backendWith({});
    openAt('#/w/ws-1/twins/twin-1');

    expect(await screen.findByRole('heading', { level: 1, name: 'Maya Torres' })).toBeInTheDocument();
    expect(callsTo(calls, 'get_twin')[0].args).toEqual({ twinId: 'twin-1' });
    const profile = screen.getByTestId('twin-profile');
    expect(within(profile).getByRole('list', { name: 'Pain points' })).toHaveTextContent('Stale beans in pretty boxes');
    expect(within(profile).getByRole('list', { name: 'Objections' })).toHaveTextContent('Gift boxes cost too much');
    expect(within(profile).getByRole('list', { name: 'Vocabulary' })).toHaveTextContent('single-origin');
    expect(screen.getByTestId('twin-facts')).toHaveTextContent('Portland, OR');

    const [late, note] = screen.getAllByTestId('memory');
    expect(late).toHaveTextContent('from the evidence');
    expect(within(late).getByTestId('memory-importance')).toHaveAccessibleName('Importance 8 of 10');
    expect(note).toHaveTextContent('written by you');
    expect(within(late).queryByTestId('memory-evidence')).toBeNull();

    await userEvent.click(within(late).getByTestId('memory-toggle'));
    const links = within(late).getAllByTestId('evidence-link');
    expect(links).toHaveLength(2);
    expect(links[0]).toHaveTextContent('Signal');
    expect(links[0]).toHaveTextContent('Late deliveries: 43 mentions (18%), mostly negative.');
    expect(links[1]).toHaveTextContent('mentions · m-77');
    expect(links[1]).toHaveTextContent('my gift box showed up on the 28th');
    expect(within(late).getByTestId('memory-toggle')).toHaveAttribute('aria-expanded', 'true');

    await userEvent.click(within(note).getByTestId('memory-toggle'));
    expect(within(note).getByTestId('memory-evidence')).toHaveTextContent('No evidence');

    // The Interview button preselects this twin.
    expect(screen.getByTestId('interview-twin')).toHaveAttribute('href', '#/w/ws-1/studies/new-interview?twin=twin-1');
  });

  it('saves an edit against the version it started from, and says so when someone else changed it first', async () => {
    let current: TwinView = twin();
    const calls = backendWith({
      get_twin: () => current,
      edit_twin: () => {
        current = twin({ summary: twinSummary({ version: 4, name: 'Maya T.' }) });
        ipcError('conflict', 'twin twin-1 is at version 4, not 3');
      },
    });
    openAt('#/w/ws-1/twins/twin-1');
    await userEvent.click(await screen.findByTestId('edit-twin'));

    const form = screen.getByTestId('twin-form');
    const goals = within(form).getByLabelText('Goals (one per line)');
    await userEvent.clear(goals);
    await userEvent.type(goals, 'Find a roaster she can trust{enter}Give better gifts');
    await userEvent.type(within(form).getByLabelText('What changed (kept with the version)'), 'added a goal');
    const gets = callsTo(calls, 'get_twin').length;
    await userEvent.click(within(form).getByTestId('save-twin'));

    await waitFor(() => expect(callsTo(calls, 'edit_twin')).toHaveLength(1));
    const request = callsTo(calls, 'edit_twin')[0].args.request as {
      expectedVersion: number;
      profile: { goals: string[]; objections: string[] };
      note: string;
      name: string;
    };
    expect(request.expectedVersion).toBe(3);
    expect(request.name).toBe('Maya Torres');
    expect(request.profile.goals).toEqual(['Find a roaster she can trust', 'Give better gifts']);
    expect(request.profile.objections).toEqual(['Gift boxes cost too much for what is in them']);
    expect(request.note).toBe('added a goal');

    expect(await screen.findByTestId('twin-conflict')).toHaveTextContent('Someone else changed this twin');
    // The newer version is read again.
    await waitFor(() => expect(callsTo(calls, 'get_twin').length).toBeGreaterThan(gets));
    expect(await screen.findByRole('heading', { level: 1, name: 'Maya T.' })).toBeInTheDocument();
    expect(within(form).getByTestId('save-twin')).toBeDisabled();

    // Editing again starts from the version someone else saved, and expects it.
    await userEvent.click(screen.getByTestId('twin-edit-latest'));
    const fresh = screen.getByTestId('twin-form');
    expect(within(fresh).getByLabelText('Name')).toHaveValue('Maya T.');
    expect(screen.queryByTestId('twin-conflict')).toBeNull();
    await userEvent.click(within(fresh).getByTestId('save-twin'));
    await waitFor(() => expect(callsTo(calls, 'edit_twin')).toHaveLength(2));
    expect((callsTo(calls, 'edit_twin')[1].args.request as { expectedVersion: number }).expectedVersion).toBe(4);
  });

  it('edits, adds and removes memories', async () => {
    const calls = backendWith({
      edit_memory: () => memory({ content: 'Her holiday order arrived a week late.', version: 2 }),
      add_memory_note: () => memory({ id: 'mem-3', writtenBy: 'user', evidence: [] }),
      retire_memory: () => null,
    });
    openAt('#/w/ws-1/twins/twin-1');
    const [late, note] = await screen.findAllByTestId('memory');

    await userEvent.click(within(late).getByRole('button', { name: /Edit memory/ }));
    const text = within(late).getByLabelText('Memory');
    await userEvent.clear(text);
    await userEvent.type(text, 'Her holiday order arrived a week late.');
    const importance = within(late).getByLabelText('Importance (1–10)');
    await userEvent.clear(importance);
    await userEvent.type(importance, '9');
    await userEvent.click(within(late).getByTestId('save-memory'));
    await waitFor(() => expect(callsTo(calls, 'edit_memory')).toHaveLength(1));
    expect(callsTo(calls, 'edit_memory')[0].args).toEqual({
      request: { memoryId: 'mem-1', expectedVersion: 1, content: 'Her holiday order arrived a week late.', importance: 9, note: '' },
    });

    await userEvent.type(screen.getByTestId('memory-note-input'), 'Mentioned she gifts coffee to her sister');
    await userEvent.click(screen.getByTestId('add-memory-note'));
    await waitFor(() => expect(callsTo(calls, 'add_memory_note')).toHaveLength(1));
    expect(callsTo(calls, 'add_memory_note')[0].args).toEqual({
      request: { twinId: 'twin-1', content: 'Mentioned she gifts coffee to her sister', importance: 5 },
    });

    await userEvent.click(within(note).getByTestId('retire-memory'));
    await waitFor(() => expect(callsTo(calls, 'retire_memory')).toHaveLength(1));
    expect(callsTo(calls, 'retire_memory')[0].args).toEqual({ memoryId: 'mem-2' });
  });

  it('lists the versions on request', async () => {
    backendWith({
      list_twin_versions: () => [
        { version: 1, name: 'Maya Torres', profile: twin().profile, editedBy: 'model', note: 'cast', createdAt: '2025-01-10T12:00:00Z' },
        { version: 3, name: 'Maya Torres', profile: twin().profile, editedBy: 'user', note: 'softer voice', createdAt: '2025-01-11T12:00:00Z' },
      ],
    });
    openAt('#/w/ws-1/twins/twin-1');
    await userEvent.click(await screen.findByTestId('twin-versions-toggle'));
    const versions = await screen.findByTestId('twin-versions');
    const items = within(versions).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('Version 3');
    expect(items[0]).toHaveTextContent('softer voice');
    expect(items[1]).toHaveTextContent('Version 1');
  });
});
