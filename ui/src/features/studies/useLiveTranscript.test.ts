import { describe, expect, it } from 'vitest';
import type { SessionEventView } from '../../ipc/backend';
import { applySessionEvent, visiblePending } from './useLiveTranscript';
import type { PendingTurn } from './useLiveTranscript';

function event(kind: SessionEventView['kind'], rest: Partial<SessionEventView> = {}): SessionEventView {
  return { sessionId: 'ses-1', kind, seq: 5, speaker: null, name: null, text: null, ...rest };
}

function run(events: SessionEventView[], from: PendingTurn | null = null): PendingTurn | null {
  return events.reduce(applySessionEvent, from);
}

describe('the live turn', () => {
  it('keeps a stored turn on screen until the re-read transcript holds it', () => {
    const stored = run([
      event('turnStarted', { speaker: 'twin', name: 'Maya' }),
      event('token', { text: 'Hi' }),
      event('turnStored'),
    ]);
    expect(stored).toMatchObject({ text: 'Hi', stored: true, name: 'Maya' });
    expect(visiblePending(stored, [1, 2, 3])).not.toBeNull();
    expect(visiblePending(stored, [1, 2, 3, 5])).toBeNull();
    // A status change after it (the session completing) does not drop it early.
    expect(applySessionEvent(stored, event('statusChanged', { seq: null }))).toBe(stored);
  });

  it('drops an unstored turn when the session pauses or fails mid-turn', () => {
    const half = run([event('turnStarted', { speaker: 'twin', name: 'Maya' }), event('token', { text: 'Hon' })]);
    expect(applySessionEvent(half, event('statusChanged', { seq: null }))).toBeNull();
  });

  it('starts a turn from its tokens when the room opened after it began', () => {
    const late = run([event('token', { seq: 7, text: 'mid-' }), event('token', { seq: 7, text: 'turn' })]);
    expect(late).toMatchObject({ seq: 7, text: 'mid-turn', name: null, stored: false });
    // Tokens of the next turn do not run on into a stored one.
    const next = run([event('turnStored', { seq: 7 }), event('token', { seq: 8, text: 'New' })], late);
    expect(next).toMatchObject({ seq: 8, text: 'New' });
  });

  it('restarts clear the words but keep the speaker', () => {
    const again = run([
      event('turnStarted', { speaker: 'twin', name: 'Dev' }),
      event('token', { text: 'As an AI' }),
      event('restart'),
      event('restart'),
    ]);
    expect(again).toMatchObject({ text: '', restarts: 2, name: 'Dev' });
  });
});
