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
      return { seq: event.seq, speaker: event.speaker, name: event.name, text: '', restarts: 0 };
    case 'token': {
      const base = pending ?? { seq: event.seq, speaker: event.speaker, name: event.name, text: '', restarts: 0 };
      return { ...base, text: base.text + (event.text ?? '') };
    }
    case 'restart':
      return pending ? { ...pending, text: '', restarts: pending.restarts + 1 } : null;
    case 'turnStored':
    case 'statusChanged':
      // The stored transcript (refetched) now has this turn in its final words.
      return null;
  }
}

function reducer(state: LiveState, action: Action): LiveState {
  if (action.type === 'error') return { ...state, error: action.error };
  return { ...state, pending: applySessionEvent(state.pending, action.event) };
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
