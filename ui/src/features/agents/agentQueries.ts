import { useCallback, useEffect, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { backend, onAgentStep } from '../../ipc/backend';
import type { AgentRunView, AgentStepView } from '../../ipc/backend';
import { queryKeys } from '../../serverState/queryKeys';
import { newRequestId } from './agentText';

export const COPILOT = 'copilot';

export function useAgentRuns(workspaceId: string, agent: string | null, limit = 10) {
  return useQuery({
    queryKey: [...queryKeys.agentRuns(workspaceId, agent), limit],
    queryFn: () => backend.listAgentRuns(workspaceId, agent, limit),
  });
}

export function useSpecialists(workspaceId: string) {
  return useQuery({
    queryKey: queryKeys.specialists(workspaceId),
    queryFn: () => backend.listSpecialists(workspaceId),
  });
}

/** A run being watched: its steps as they come, then the kept run or the error. */
export interface RunState {
  requestId: string | null;
  /** The question asked, or the specialist run. */
  asked: string;
  steps: AgentStepView[];
  result: AgentRunView | null;
  error: unknown;
  running: boolean;
  stopping: boolean;
}

const IDLE: RunState = {
  requestId: null,
  asked: '',
  steps: [],
  result: null,
  error: null,
  running: false,
  stopping: false,
};

/**
 * Runs an agent and follows it: steps stream in under the run's request id, Stop ends it with
 * what it found, and the kept runs of the workspace are read again when it ends. One run at a
 * time per runner.
 */
export function useAgentRunner(workspaceId: string) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<RunState>(IDLE);
  const current = useRef<string | null>(null);

  useEffect(
    () =>
      onAgentStep((event) => {
        if (event.requestId !== current.current) return;
        setState((s) => (s.requestId === event.requestId ? { ...s, steps: [...s.steps, event.step] } : s));
      }),
    [],
  );

  // A run nobody watches any more (its panel closed) is stopped, not left running unseen; it
  // keeps what it found.
  useEffect(
    () => () => {
      const requestId = current.current;
      if (requestId !== null) void backend.stopAgentRun(requestId).catch(() => undefined);
    },
    [],
  );

  const start = useCallback(
    async (asked: string, call: (requestId: string) => Promise<AgentRunView>) => {
      if (current.current !== null) return;
      const requestId = newRequestId();
      current.current = requestId;
      setState({ ...IDLE, requestId, asked, running: true });
      try {
        const result = await call(requestId);
        setState((s) =>
          s.requestId === requestId ? { ...s, result, error: null, running: false, stopping: false } : s,
        );
      } catch (error) {
        setState((s) => (s.requestId === requestId ? { ...s, error, running: false, stopping: false } : s));
      } finally {
        current.current = null;
        void queryClient.invalidateQueries({ queryKey: queryKeys.agentRuns(workspaceId) });
      }
    },
    [queryClient, workspaceId],
  );

  const ask = useCallback(
    (question: string) =>
      start(question, (requestId) => backend.askCopilot({ workspaceId, question, requestId })),
    [start, workspaceId],
  );

  const runSpecialist = useCallback(
    (agent: string, title: string) =>
      start(title, (requestId) => backend.runSpecialist({ workspaceId, agent, requestId })),
    [start, workspaceId],
  );

  const stop = useCallback(async () => {
    const requestId = current.current;
    if (requestId === null) return;
    setState((s) => ({ ...s, stopping: true }));
    try {
      // `false`: the backend had no such run yet (or any more); Stop can be pressed again.
      const stopped = await backend.stopAgentRun(requestId);
      if (!stopped) setState((s) => ({ ...s, stopping: false }));
    } catch (error) {
      setState((s) => ({ ...s, error, stopping: false }));
    }
  }, []);

  /** Shows a kept run as if it had just finished (an earlier question opened again). */
  const show = useCallback((run: AgentRunView) => {
    if (current.current !== null) return;
    setState({ ...IDLE, asked: run.question, result: run });
  }, []);

  const clear = useCallback(() => {
    if (current.current === null) setState(IDLE);
  }, []);

  return { state, ask, runSpecialist, stop, show, clear };
}
