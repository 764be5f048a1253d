import { toBackendError } from './ipc/backend';
import type { ErrorKind } from './ipc/backend';

export interface ErrorDescription {
  kind: ErrorKind;
  title: string;
  detail: string;
}

/**
 * Turns any failure into text a marketer can act on. The backend's own message is kept as
 * the detail because it is usually the most specific thing we know (which file, which field).
 */
export function describeError(error: unknown, context?: string): ErrorDescription {
  const e = toBackendError(error);
  const prefix = context ? `${context}: ` : '';
  switch (e.kind) {
    case 'notFound':
      return { kind: e.kind, title: `${prefix}it no longer exists`, detail: e.message };
    case 'invalidInput':
      return { kind: e.kind, title: `${prefix}please check the input`, detail: e.message };
    case 'conflict':
      return {
        kind: e.kind,
        title: `${prefix}this conflicts with something that already exists or is in progress`,
        detail: e.message,
      };
    case 'unavailable':
      return {
        kind: e.kind,
        title: `${prefix}something ProfitWheel needs is not available right now`,
        detail: `It may be busy, offline or unreachable; try again in a moment. (${e.message})`,
      };
    case 'notConfigured':
      return {
        kind: e.kind,
        title: `${prefix}a model or API key needs setting up`,
        detail: `Open Models & keys to add or fix it. (${e.message})`,
      };
    case 'budgetReached':
      return {
        kind: e.kind,
        title: `${prefix}this study has used its model budget`,
        detail: e.message,
      };
    case 'corrupt':
      return {
        kind: e.kind,
        title: `${prefix}the local data appears to be damaged`,
        detail: `ProfitWheel could not read its data files consistently. Your other workspaces are unaffected; restore this one from an export or recreate it. (${e.message})`,
      };
    case 'cancelled':
      return { kind: e.kind, title: `${prefix}the operation was cancelled`, detail: e.message };
    case 'internal':
      return {
        kind: e.kind,
        title: `${prefix}something went wrong inside ProfitWheel`,
        detail: e.message,
      };
  }
}
