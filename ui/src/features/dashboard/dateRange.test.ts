import { describe, expect, it } from 'vitest';
import {
  activePreset,
  addDays,
  isIsoDate,
  presetRange,
  rangeLength,
  requestRange,
  validateCustomRange,
} from './dateRange';

describe('dateRange', () => {
  it('adds days across month and year boundaries', () => {
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
  });

  it('builds inclusive presets ending on the last day with data', () => {
    expect(presetRange(7, '2024-12-31')).toEqual({ start: '2024-12-25', end: '2024-12-31' });
    expect(rangeLength(presetRange(90, '2024-12-31'))).toBe(90);
  });

  it('maps a selection to the request range', () => {
    expect(requestRange({ kind: 'default' }, '2024-12-31')).toBeNull();
    expect(requestRange({ kind: 'preset', days: 30 }, '2024-12-31')).toEqual({
      start: '2024-12-02',
      end: '2024-12-31',
    });
    // Without an anchor, fall back to the backend default rather than guessing "today".
    expect(requestRange({ kind: 'preset', days: 7 }, null)).toBeNull();
    const custom = { start: '2024-01-01', end: '2024-01-31' };
    expect(requestRange({ kind: 'custom', range: custom }, null)).toBe(custom);
  });

  it('highlights 30 days for the default range', () => {
    expect(activePreset({ kind: 'default' })).toBe(30);
    expect(activePreset({ kind: 'preset', days: 90 })).toBe(90);
    expect(activePreset({ kind: 'custom', range: { start: 'a', end: 'b' } })).toBeNull();
  });

  it('validates custom ranges', () => {
    expect(isIsoDate('2024-02-30')).toBe(false);
    expect(validateCustomRange('', '2024-01-01')).toBe('incomplete');
    expect(validateCustomRange('2024-13-01', '2024-12-01')).toBe('invalid');
    expect(validateCustomRange('2024-12-02', '2024-12-01')).toBe('reversed');
    expect(validateCustomRange('2024-12-01', '2024-12-01')).toBeNull();
  });
});
