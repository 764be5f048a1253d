import { describe, expect, it } from 'vitest';
import { workspace } from '../../test/fixtures';
import {
  chooseWorkspace,
  readLastUsedWorkspace,
  rememberWorkspace,
  workspaceCreatedByDemoJob,
} from './selection';

const a = workspace({ id: 'a' });
const b = workspace({ id: 'b' });

describe('chooseWorkspace', () => {
  it('keeps the current selection while it exists', () => {
    expect(chooseWorkspace([a, b], 'b', 'a')).toBe('b');
  });

  it('falls back to the last used workspace', () => {
    expect(chooseWorkspace([a, b], null, 'b')).toBe('b');
    expect(chooseWorkspace([a, b], 'deleted', 'a')).toBe('a');
  });

  it('selects the only workspace automatically', () => {
    expect(chooseWorkspace([a], null, 'gone')).toBe('a');
  });

  it('lets the user choose among several without history', () => {
    expect(chooseWorkspace([a, b], null, null)).toBeNull();
    expect(chooseWorkspace([], null, 'a')).toBeNull();
  });

  it('persists the last used workspace', () => {
    rememberWorkspace('b');
    expect(readLastUsedWorkspace()).toBe('b');
    rememberWorkspace(null);
    expect(readLastUsedWorkspace()).toBeNull();
  });
});

describe('workspaceCreatedByDemoJob', () => {
  const older = workspace({ id: 'demo-1', isDemo: true, createdAt: '2025-01-01T00:00:00Z' });
  const newer = workspace({ id: 'demo-2', isDemo: true, createdAt: '2025-02-01T00:00:00Z' });

  it('prefers the workspace the job names', () => {
    expect(workspaceCreatedByDemoJob([a, older, newer], { workspaceId: 'demo-1' })).toBe(older);
  });

  it('falls back to the newest demo workspace, and to none without one', () => {
    expect(workspaceCreatedByDemoJob([older, a, newer], { workspaceId: null })).toBe(newer);
    expect(workspaceCreatedByDemoJob([a, b], { workspaceId: null })).toBeNull();
  });
});
