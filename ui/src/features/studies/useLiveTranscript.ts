import { useEffect, useReducer } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { onSessionChanged } from '../../ipc/backend';
import type { BackendError, SessionEventView, SpeakerView } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';

/** The turn being written right now, token by token, until it is stored. */
export interface PendingTurn {
  seq: number | null;
  speaker: SpeakerView | null;
  name: string | null;
  text: string;
  /** How many times the model started this turn over (a persona check caught it). */
  restarts: number;
  /**
   * The backend has stored it: it stays on screen until the re-read transcript has it, so
   * the words do not blink out between the event and the fresh transcript.
   */
  stored: boolean;
}

interface LiveState {
  pending: PendingTurn | null;
  error: BackendError | null;
}

type Action = { type: 'event'; event: SessionEventView } | { type: 'error'; error: BackendError };

/** How one session event changes the turn in progress. */
export function applySessionEvent(pending: PendingTurn | null, event: SessionEventView): PendingTurn | null {
  switch (event.kind) {
    case 'turnStarted':
      return { seq: event.seq, speaker: event.speaker, name: event.name, text: '', restarts: 0, stored: false };
    case 'token': {
      // Tokens of a turn whose start was missed (the room opened mid-turn) start it here.
      const current = pending !== null && !pending.stored && (event.seq === null || pending.seq === event.seq);
      const base: PendingTurn = current
        ? pending
        : { seq: event.seq, speaker: event.speaker, name: event.name, text: '', restarts: 0, stored: false };
      return { ...base, text: base.text + (event.text ?? '') };
    }
    case 'restart':
      return pending && !pending.stored ? { ...pending, text: '', restarts: pending.restarts + 1 } : pending;
    case 'turnStored':
      // The re-read transcript will have this turn in its final words; until then keep it.
      return pending && (event.seq === null || pending.seq === event.seq) ? { ...pending, stored: true } : pending;
    case 'statusChanged':
      // Paused or failed mid-turn: an unstored turn will be written again from the start.
      return pending?.stored ? pending : null;
  }
}

function reducer(state: LiveState, action: Action): LiveState {
  if (action.type === 'error') return { ...state, error: action.error };
  return { ...state, pending: applySessionEvent(state.pending, action.event) };
}

/** The pending turn, unless the transcript already holds it (then the stored turn shows). */
export function visiblePending(pending: PendingTurn | null, storedSeqs: readonly number[]): PendingTurn | null {
  if (pending === null) return null;
  if (pending.stored && (pending.seq === null || storedSeqs.includes(pending.seq))) return null;
  return pending;
}

/**
 * Listens to one session's events: streams the pending turn, and re-reads the session (and
 * the list of sessions) whenever a turn is stored or its status changes.
 */
export function useLiveTranscript(sessionId: string, workspaceId: string) {
  const queryClient = useQueryClient();
  const [state, dispatch] = useReducer(reducer, { pending: null, error: null });
  useEffect(
    () =>
      onSessionChanged(
        (event) => {
          if (event.sessionId !== sessionId) return;
          dispatch({ type: 'event', event });
          if (event.kind === 'turnStored' || event.kind === 'statusChanged') {
            void queryClient.invalidateQueries({ queryKey: queryKeys.session(sessionId) });
            if (event.kind === 'statusChanged') {
              void queryClient.invalidateQueries({ queryKey: queryKeys.sessions(workspaceId) });
            }
          }
        },
        (error) => dispatch({ type: 'error', error }),
      ),
    [sessionId, workspaceId, queryClient],
  );
  return state;
}
