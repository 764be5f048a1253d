import { describe, expect, it } from 'vitest';
import { job } from '../../test/fixtures';
import {
  applyUpdate,
  justSucceeded,
  progressPercent,
  queriesChangedBy,
  shouldReplace,
  sortJobs,
} from './jobsState';

describe('jobsState', () => {
  it('sorts newest first', () => {
    const sorted = sortJobs([
      job({ id: 'a', createdAt: '2025-01-01T10:00:00Z' }),
      job({ id: 'b', createdAt: '2025-01-01T12:00:00Z' }),
      job({ id: 'c', createdAt: '2025-01-01T11:00:00Z' }),
    ]);
    expect(sorted.map((j) => j.id)).toEqual(['b', 'c', 'a']);
  });

  it('lets events always win but never lets a snapshot overwrite what events told us', () => {
    const known = job({ state: 'running', progress: 0.8 });
    const stale = job({ state: 'queued', progress: 0 });
    expect(shouldReplace(known, stale, 'event')).toBe(true);
    expect(shouldReplace(known, stale, 'snapshot')).toBe(false);
  });

  it('ignores a command answer that is older than an event already received', () => {
    const done = job({ state: 'succeeded', progress: 1 });
    expect(shouldReplace(done, job({ state: 'queued' }), 'response')).toBe(false);
    expect(shouldReplace(job({ state: 'queued' }), done, 'response')).toBe(true);
  });

  it('accepts a retry answer only while the job is still failed or cancelled', () => {
    expect(shouldReplace(job({ state: 'failed' }), job({ state: 'queued' }), 'retry')).toBe(true);
    expect(shouldReplace(job({ state: 'running' }), job({ state: 'queued' }), 'retry')).toBe(false);
  });

  it('merges by id', () => {
    const map = new Map([['job-1', job({ progress: 0.1 })]]);
    expect(applyUpdate(map, job({ progress: 0.6 }), 'event')).toBe(true);
    expect(map.size).toBe(1);
    expect(map.get('job-1')?.progress).toBe(0.6);
  });

  it('reports success once per run', () => {
    expect(justSucceeded(job({ state: 'running' }), job({ state: 'succeeded' }))).toBe(true);
    expect(justSucceeded(undefined, job({ state: 'succeeded' }))).toBe(true);
    expect(justSucceeded(job({ state: 'succeeded' }), job({ state: 'succeeded' }))).toBe(false);
  });

  it('names what a finished job changed, so exactly that is read again', () => {
    expect(queriesChangedBy(job({ kind: 'demo.generate' }))).toEqual([['workspaces'], ['dashboard', 'ws-1'], ['audiences', 'ws-1']]);
    expect(queriesChangedBy(job({ kind: 'model.download' }))).toEqual([['modelSettings']]);
    expect(queriesChangedBy(job({ kind: 'twins.create', workspaceId: 'ws-1' }))).toEqual([['twins', 'ws-1']]);
    expect(queriesChangedBy(job({ kind: 'twins.session', workspaceId: 'ws-1' }))).toEqual([
      ['sessions', 'ws-1'],
      ['session'],
      ['twin'],
      ['twins', 'ws-1'],
    ]);
    expect(queriesChangedBy(job({ kind: 'twins.insights', workspaceId: 'ws-1' }))).toEqual([['insights']]);
    expect(queriesChangedBy(job({ kind: 'workspace.export' }))).toEqual([]);
  });

  it('refreshes the evidence reads of the workspace an evidence or search job changed', () => {
    expect(queriesChangedBy(job({ kind: 'evidence.signals', workspaceId: 'ws-1' }))).toEqual([
      ['audiences', 'ws-1'],
      ['signals', 'ws-1'],
      ['signalEvidence'],
      ['reports', 'ws-1'],
      ['report'],
      ['search', 'ws-1'],
    ]);
    expect(queriesChangedBy(job({ kind: 'evidence.reports', workspaceId: 'ws-1' }))).toEqual([
      ['audiences', 'ws-1'],
      ['reports', 'ws-1'],
      ['report'],
      ['search', 'ws-1'],
    ]);
    expect(queriesChangedBy(job({ kind: 'search.update', workspaceId: 'ws-1' }))).toEqual([['search', 'ws-1']]);
    expect(queriesChangedBy(job({ kind: 'search.rebuild', workspaceId: null }))).toEqual([['search']]);
  });

  it('refreshes the connections, dashboard and audiences of the workspace a sync changed', () => {
    expect(queriesChangedBy(job({ kind: 'connectors.sync', workspaceId: 'ws-1' }))).toEqual([
      ['connections', 'ws-1'],
      ['syncRun'],
      ['dashboard', 'ws-1'],
      ['audiences', 'ws-1'],
    ]);
  });

  it('clamps progress to 0..100', () => {
    expect(progressPercent(job({ progress: 0.456 }))).toBe(46);
    expect(progressPercent(job({ progress: 1.7 }))).toBe(100);
    expect(progressPercent(job({ progress: -1 }))).toBe(0);
    expect(progressPercent(job({ state: 'succeeded', progress: 0.9 }))).toBe(100);
  });
});
