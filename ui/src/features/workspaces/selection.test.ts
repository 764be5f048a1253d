import { describe, expect, it } from 'vitest';
import { workspace } from '../../test/fixtures';
import { chooseWorkspace, readLastUsedWorkspace, rememberWorkspace } from './selection';

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
