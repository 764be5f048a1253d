import { describe, expect, it } from 'vitest';
import type { ConnectionView, SyncStreamView } from '../../ipc/backend';
import { SCHEDULES, connectionState, formatDay, formatInstant, groupByAccount, streamProgress } from './connectionText';

function stream(overrides: Partial<SyncStreamView> = {}): SyncStreamView {
  return {
    account: 'act_1', accountName: 'US', stream: 'metrics:campaign', words: 'daily metrics by campaign',
    state: 'running', windowFrom: '2026-11-01', windowUntil: '2026-11-10', doneThrough: null,
    records: 0, pages: 0, issuesCount: 0, issues: [], problem: null, ...overrides,
  };
}

const base = {
  status: 'connected', statusReason: null, pausedUntil: null,
} as Pick<ConnectionView, 'status' | 'statusReason' | 'pausedUntil'>;
const as = (c: Partial<ConnectionView>) => ({ ...base, ...c }) as ConnectionView;

describe('connection words', () => {
  it('offers nightly first, the crons the backend knows, and Off as no cron', () => {
    expect(SCHEDULES.map((s) => s.cron)).toEqual(['30 2 * * *', '0 */6 * * *', '30 2 * * 1', null]);
  });

  it('measures a report stream by the days of its window stored so far', () => {
    expect(streamProgress(stream())).toBe(0);
    expect(streamProgress(stream({ doneThrough: '2026-11-01' }))).toBeCloseTo(0.1);
    expect(streamProgress(stream({ doneThrough: '2026-11-05' }))).toBeCloseTo(0.5);
    expect(streamProgress(stream({ doneThrough: '2026-11-30' }))).toBe(1);
    expect(streamProgress(stream({ state: 'done', doneThrough: null }))).toBe(1);
    expect(streamProgress(stream({ state: 'pending' }))).toBe(0);
    // A stream without days (campaigns) cannot say how far it is while it reads.
    expect(streamProgress(stream({ windowFrom: null, windowUntil: null }))).toBeNull();
    expect(streamProgress(stream({ state: 'failed', windowFrom: null, windowUntil: null }))).toBe(0);
  });

  it('groups streams by account in the order they come', () => {
    const groups = groupByAccount([
      stream({ account: 'a', stream: 'x' }),
      stream({ account: 'b', stream: 'x' }),
      stream({ account: 'a', stream: 'y' }),
    ]);
    expect(groups.map((g) => [g.account, g.streams.map((s) => s.stream)])).toEqual([
      ['a', ['x', 'y']],
      ['b', ['x']],
    ]);
  });

  it('says how a connection stands, a wait asked by the platform included', () => {
    const now = new Date('2026-11-30T04:00:00Z');
    expect(connectionState(as({}), now)).toEqual({ kind: 'connected' });
    expect(connectionState(as({ status: 'needs_reauth', statusReason: 'expired' }), now)).toEqual({
      kind: 'needsReconnecting',
      reason: 'expired',
    });
    expect(connectionState(as({ pausedUntil: '2026-11-30T05:00:00Z' }), now)).toEqual({
      kind: 'paused',
      until: '2026-11-30T05:00:00Z',
    });
    // A wait that is over is no longer said.
    expect(connectionState(as({ pausedUntil: '2026-11-30T03:00:00Z' }), now)).toEqual({ kind: 'connected' });
  });

  it('writes times and days in the locale', () => {
    expect(formatInstant('2026-11-30T14:05:00Z', 'en-US')).toMatch(/Nov 30, 2026/);
    expect(formatDay('2026-11-01', 'en-US')).toBe('Nov 1, 2026');
    expect(formatDay('2026-11-01', 'de-DE')).toBe('01.11.2026');
    expect(formatInstant('not a time')).toBe('not a time');
  });
});
