import { onlineManager } from '@tanstack/react-query';
import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorKind } from '../ipc/backend';
import { createQueryClient, shouldRetryRead } from './queryClient';

const NEVER_RETRIED: ErrorKind[] = [
  'notFound',
  'invalidInput',
  'conflict',
  'cancelled',
  'corrupt',
  'notConfigured',
  'budgetReached',
  'internal',
];

describe('query client', () => {
  afterEach(() => onlineManager.setOnline(true));

  it('tries a read again only when the backend was unavailable, and at most twice', () => {
    const unavailable = { kind: 'unavailable', message: 'database is locked' };
    expect(shouldRetryRead(0, unavailable)).toBe(true);
    expect(shouldRetryRead(1, unavailable)).toBe(true);
    expect(shouldRetryRead(2, unavailable)).toBe(false);
    for (const kind of NEVER_RETRIED) {
      expect(shouldRetryRead(0, { kind, message: kind }), kind).toBe(false);
    }
    // A framework rejection (plain string) reads as internal: not retried either.
    expect(shouldRetryRead(0, 'command get_dashboard not allowed')).toBe(false);
  });

  it('keeps reading while the computer is offline, because the backend is local', async () => {
    onlineManager.setOnline(false);
    const client = createQueryClient();
    await expect(
      client.fetchQuery({ queryKey: ['offline-read'], queryFn: () => Promise.resolve('read') }),
    ).resolves.toBe('read');
  });

  it('does not re-read on window focus or reconnection', () => {
    const queries = createQueryClient().getDefaultOptions().queries;
    expect(queries?.refetchOnWindowFocus).toBe(false);
    expect(queries?.refetchOnReconnect).toBe(false);
  });
});
