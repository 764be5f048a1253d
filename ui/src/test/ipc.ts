// A thin layer over @tauri-apps/api/mocks: answer commands by name, record what was sent,
// and emit backend events the same way Rust would.
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { InvokeArgs } from '@tauri-apps/api/core';
import type { AgentStepEventView, ErrorKind, JobView, SessionEventView } from '../ipc/backend';

export type Handler = (args: Record<string, unknown>) => unknown;

export interface RecordedCall {
  cmd: string;
  args: Record<string, unknown>;
}

/** Rejects the way a Rust command returning `Err(IpcError)` does. */
export function ipcError(kind: ErrorKind, message = `${kind} error`): never {
  throw { kind, message };
}

export function mockBackend(handlers: Record<string, Handler>): RecordedCall[] {
  const calls: RecordedCall[] = [];
  mockIPC(
    (cmd: string, payload?: InvokeArgs) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const handler = handlers[cmd];
      if (!handler) ipcError('internal', `test did not mock command ${cmd}`);
      return handler(args);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** Sends a job-changed event as the Rust job runner would. */
export function emitJobChanged(job: JobView): Promise<void> {
  return emit('job-changed', job);
}

/** Sends a session-changed event as a running focus group or interview would. */
export function emitSessionChanged(event: SessionEventView): Promise<void> {
  return emit('session-changed', event);
}

/** Sends a step of an agent run as the Rust shell would. */
export function emitAgentStep(event: AgentStepEventView): Promise<void> {
  return emit('agent-step-changed', event);
}

export function callsTo(calls: readonly RecordedCall[], cmd: string): RecordedCall[] {
  return calls.filter((c) => c.cmd === cmd);
}
